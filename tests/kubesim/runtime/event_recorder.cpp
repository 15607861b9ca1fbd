// Event recording with the real recorder's naming and aggregation (see event_recorder.h).
#include "event_recorder.h"

#include <fmt/format.h>

#include "../errors.h"

namespace kubesim::runtime {

ObjectReference referenceTo(const json::object& object, std::string_view apiVersion, std::string_view kind,
                            std::string fieldPath) {
  ObjectReference ref;
  ref.apiVersion = std::string(apiVersion);
  ref.kind = std::string(kind);
  ref.namespace_ = std::string(metaString(object, "namespace"));
  ref.name = std::string(metaString(object, "name"));
  ref.uid = std::string(metaString(object, "uid"));
  ref.fieldPath = std::move(fieldPath);
  ref.resourceVersion = std::string(metaString(object, "resourceVersion"));
  return ref;
}

EventRecorder::EventRecorder(Store& store, Duration ttl) : store_(store), ttl_(ttl) {}

void EventRecorder::record(const ObjectReference& object, const EventSource& source,
                           const controllers::Event& event, TimePoint now) {
  // Events of cluster-scoped objects (nodes) go to the default namespace, as the recorder puts them.
  std::string ns = object.namespace_.empty() ? "default" : object.namespace_;
  std::string similarKey = fmt::format(
      "{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}", source.component, source.host, object.kind,
      ns, object.name, object.fieldPath, object.uid, object.apiVersion, event.type, event.reason);
  std::string message = event.message;
  std::string messageKey = message;
  {
    // The EventAggregator: more than 10 different messages of a kind within 10 minutes become one event.
    Similar& similar = similar_[similarKey];
    if (now - similar.last > std::chrono::minutes(10)) similar.messages.clear();
    similar.last = now;
    if (!similar.messages.count(message) && similar.messages.size() >= 10) {
      message = "(combined from similar events): " + message;
      messageKey = "(combined)";
    } else {
      similar.messages.insert(message);
    }
  }
  std::string key = fmt::format("{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}\x1f{}",
                                source.component, source.host, object.kind, ns, object.name, object.fieldPath,
                                object.uid, object.apiVersion, event.type, event.reason, messageKey);
  std::string stamp = formatTime(now);
  try {
    if (auto it = names_.find(key); it != names_.end()) {
      std::size_t slash = it->second.find('/');
      std::string eventNs = it->second.substr(0, slash);
      std::string name = it->second.substr(slash + 1);
      if (store_.get(gr::events, eventNs, name)) {
        store_.modify(gr::events, eventNs, name,
                      [&](const json::object& current) {
                        json::object next = current;
                        std::int64_t count = 1;
                        if (auto c = current.find("count"); c != current.end() && c->value().is_int64())
                          count = c->value().get_int64();
                        next["count"] = count + 1;
                        next["lastTimestamp"] = stamp;
                        next["message"] = message;
                        return next;
                      },
                      {UpdateScope::All, false});
        return;
      }
      names_.erase(it);
    }
    auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
    std::string base = fmt::format("{}.{:x}", object.name, nanos);
    int& used = nanosUsed_[base];
    std::string name = used == 0 ? base : fmt::format("{}.{:x}", object.name, nanos + used);
    ++used;
    json::object involved;
    if (!object.kind.empty()) involved["kind"] = object.kind;
    if (!object.namespace_.empty()) involved["namespace"] = object.namespace_;
    involved["name"] = object.name;
    if (!object.uid.empty()) involved["uid"] = object.uid;
    if (!object.apiVersion.empty()) involved["apiVersion"] = object.apiVersion;
    if (!object.resourceVersion.empty()) involved["resourceVersion"] = object.resourceVersion;
    if (!object.fieldPath.empty()) involved["fieldPath"] = object.fieldPath;
    json::object src{{"component", source.component}};
    if (!source.host.empty()) src["host"] = source.host;
    json::object body{{"apiVersion", "v1"},
                      {"kind", "Event"},
                      {"metadata", json::object{{"name", name}, {"namespace", ns}}},
                      {"involvedObject", std::move(involved)},
                      {"reason", event.reason},
                      {"message", message},
                      {"source", std::move(src)},
                      {"firstTimestamp", stamp},
                      {"lastTimestamp", stamp},
                      {"count", 1},
                      {"type", event.type},
                      {"eventTime", nullptr},
                      {"reportingComponent", source.component},
                      {"reportingInstance", source.host}};
    store_.create(gr::events, std::move(body));
    names_[key] = ns + "/" + name;
  } catch (const ApiError&) {
    // The namespace is going away, or the event was deleted under us: the recorder drops it.
  }
}

void EventRecorder::expire(TimePoint now) {
  std::vector<std::pair<std::string, std::string>> victims;
  for (const ObjectPtr& event : store_.list(gr::events).items) {
    std::optional<TimePoint> last = parseTime(stringField(*event, "lastTimestamp"));
    if (!last) last = parseTime(metaString(*event, "creationTimestamp"));
    if (last && now - *last > ttl_)
      victims.emplace_back(metaString(*event, "namespace"), metaString(*event, "name"));
  }
  for (const auto& [ns, name] : victims) {
    try {
      store_.remove(gr::events, ns, name);
    } catch (const ApiError&) {
    }
  }
  if (nanosUsed_.size() > 10000) nanosUsed_.clear();
  std::erase_if(similar_,
                [&](const auto& entry) { return now - entry.second.last > std::chrono::minutes(10); });
}

}  // namespace kubesim::runtime

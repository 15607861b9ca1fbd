// Version conversions for resources served in more than one shape (see conversion.h), plus the API server's
// handling of the apiVersion/kind a written body carries.
#include "conversion.h"

#include <fmt/format.h>

#include "api.h"
#include "errors.h"
#include "meta.h"

namespace kubesim {

namespace json = boost::json;

namespace {

void rename(json::object& o, std::string_view from, std::string_view to) {
  auto it = o.find(from);
  if (it == o.end()) return;
  json::value v = std::move(it->value());
  o.erase(it);
  o[to] = std::move(v);
}

}  // namespace

json::object eventToEventsV1(json::object e) {
  rename(e, "involvedObject", "regarding");
  rename(e, "message", "note");
  rename(e, "source", "deprecatedSource");
  rename(e, "firstTimestamp", "deprecatedFirstTimestamp");
  rename(e, "lastTimestamp", "deprecatedLastTimestamp");
  rename(e, "count", "deprecatedCount");
  rename(e, "reportingComponent", "reportingController");
  e["apiVersion"] = "events.k8s.io/v1";
  e["kind"] = "Event";
  return e;
}

json::object eventsV1ToEvent(json::object e) {
  rename(e, "regarding", "involvedObject");
  rename(e, "note", "message");
  rename(e, "deprecatedSource", "source");
  rename(e, "deprecatedFirstTimestamp", "firstTimestamp");
  rename(e, "deprecatedLastTimestamp", "lastTimestamp");
  rename(e, "deprecatedCount", "count");
  rename(e, "reportingController", "reportingComponent");
  e["apiVersion"] = "v1";
  e["kind"] = "Event";
  return e;
}

json::object hpaV2ToV1(json::object hpa) {
  hpa["apiVersion"] = "autoscaling/v1";
  if (json::object* spec = objectField(hpa, "spec")) {
    if (auto metrics = spec->find("metrics"); metrics != spec->end()) {
      if (metrics->value().is_array())
        for (const json::value& m : metrics->value().get_array()) {
          if (!m.is_object() || stringField(m.get_object(), "type") != "Resource") continue;
          const json::object* resource = objectField(m.get_object(), "resource");
          const json::object* target = resource ? objectField(*resource, "target") : nullptr;
          if (!resource || stringField(*resource, "name") != "cpu" || !target) continue;
          if (auto u = target->find("averageUtilization"); u != target->end())
            (*spec)["targetCPUUtilizationPercentage"] = u->value();
        }
      spec->erase("metrics");
    }
    spec->erase("behavior");
  }
  if (json::object* status = objectField(hpa, "status")) {
    if (auto metrics = status->find("currentMetrics"); metrics != status->end()) {
      if (metrics->value().is_array())
        for (const json::value& m : metrics->value().get_array()) {
          if (!m.is_object() || stringField(m.get_object(), "type") != "Resource") continue;
          const json::object* resource = objectField(m.get_object(), "resource");
          const json::object* current = resource ? objectField(*resource, "current") : nullptr;
          if (!resource || stringField(*resource, "name") != "cpu" || !current) continue;
          if (auto u = current->find("averageUtilization"); u != current->end())
            (*status)["currentCPUUtilizationPercentage"] = u->value();
        }
      status->erase("currentMetrics");
    }
    // v1 has no conditions field; the real conversion keeps them in an annotation.
    if (auto conditions = status->find("conditions"); conditions != status->end()) {
      json::object& meta = metadataOf(hpa);
      json::value& annotations = meta["annotations"];
      if (!annotations.is_object()) annotations = json::object{};
      annotations.get_object()["autoscaling.alpha.kubernetes.io/conditions"] = toJson(conditions->value());
      status->erase("conditions");
    }
  }
  return hpa;
}

json::object hpaV1ToV2(json::object hpa) {
  hpa["apiVersion"] = "autoscaling/v2";
  if (json::object* spec = objectField(hpa, "spec")) {
    json::array metrics;
    if (auto t = spec->find("targetCPUUtilizationPercentage"); t != spec->end()) {
      json::object target{{"type", "Utilization"}, {"averageUtilization", t->value()}};
      metrics.push_back(json::object{
          {"type", "Resource"}, {"resource", json::object{{"name", "cpu"}, {"target", std::move(target)}}}});
      spec->erase("targetCPUUtilizationPercentage");
    }
    if (!metrics.empty()) (*spec)["metrics"] = std::move(metrics);
  }
  if (json::object* status = objectField(hpa, "status")) {
    if (auto c = status->find("currentCPUUtilizationPercentage"); c != status->end()) {
      json::object current{{"averageUtilization", c->value()}};
      (*status)["currentMetrics"] = json::array{
          json::object{{"type", "Resource"},
                       {"resource", json::object{{"name", "cpu"}, {"current", std::move(current)}}}}};
      status->erase("currentCPUUtilizationPercentage");
    }
  }
  if (json::object* meta = objectField(hpa, "metadata"))
    if (json::object* annotations = objectField(*meta, "annotations")) {
      if (auto a = annotations->find("autoscaling.alpha.kubernetes.io/conditions"); a != annotations->end()) {
        if (a->value().is_string()) {
          boost::system::error_code ec;
          json::value conditions = json::parse(a->value().get_string(), ec);
          if (!ec) {
            json::value& status = hpa["status"];
            if (!status.is_object()) status = json::object{};
            status.get_object()["conditions"] = std::move(conditions);
          }
        }
        annotations->erase(a);
        // metadataOf/objectField pointers stay valid: erasing within annotations does not move the objects
      }
    }
  return hpa;
}

void ApiServer::normalizeTypeMeta(const ResourceType& type, json::object& object) const {
  std::string apiVersion(stringField(object, "apiVersion"));
  std::string kind(stringField(object, "kind"));
  if (apiVersion.empty()) object["apiVersion"] = apiVersion = type.groupVersion();
  if (kind.empty()) object["kind"] = kind = type.kind;
  if (kind != type.kind)
    throw badRequest(fmt::format(
        "the object provided is unrecognized (must be of type {}): kind \"{}\" was sent", type.kind, kind));
  if (apiVersion == type.groupVersion()) return;
  // Another served version of the same group and kind converts; anything else is refused.
  std::size_t slash = apiVersion.find('/');
  std::string group = slash == std::string::npos ? "" : apiVersion.substr(0, slash);
  std::string version = slash == std::string::npos ? apiVersion : apiVersion.substr(slash + 1);
  auto other = catalog_.find(group, version, type.plural);
  if (!other || group != type.group)
    throw badRequest(
        fmt::format("the API version in the data ({}) does not match the expected API version ({})",
                    apiVersion, type.groupVersion()));
  json::object stored = toStorage(*other, std::move(object));
  object = present(type, stored);
}

json::object ApiServer::toStorage(const ResourceType& type, json::object object) const {
  if (type.group == "events.k8s.io" && type.plural == "events") return eventsV1ToEvent(std::move(object));
  if (type.group == "autoscaling" && type.version == "v1") return hpaV1ToV2(std::move(object));
  object["apiVersion"] = type.groupVersion();
  object["kind"] = type.kind;
  return object;
}

}  // namespace kubesim

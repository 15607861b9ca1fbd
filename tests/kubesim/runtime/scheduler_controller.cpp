// The scheduler over the store (see scheduler_controller.h).
#include "scheduler_controller.h"

#include <fmt/format.h>

#include <algorithm>

#include "../controllers/api_objects.h"
#include "../controllers/scheduler.h"
#include "../errors.h"

namespace kubesim::runtime {

namespace {

bool pendingForUs(const json::object& pod) {
  std::string scheduler = controllers::stringAt(pod, {"spec", "schedulerName"}, "default-scheduler");
  return controllers::stringAt(pod, {"spec", "nodeName"}).empty() && scheduler == "default-scheduler" &&
         !isTerminal(pod) && !isTerminating(pod);
}

// What could make a failed pod fit now: nodes (their spec and status), bound pods, claims and classes.
std::string clusterFingerprint(const std::vector<json::object>& nodes, const std::vector<json::object>& bound,
                               const std::vector<json::object>& pvcs,
                               const std::vector<json::object>& classes) {
  std::string out;
  for (const json::object& node : nodes) {
    json::object n = node;
    objectAt(n, "metadata").erase("resourceVersion");
    // Heartbeats change nothing that matters.
    if (json::object* status = objectField(n, "status")) {
      if (auto c = status->find("conditions"); c != status->end() && c->value().is_array())
        for (json::value& condition : c->value().get_array())
          if (condition.is_object()) condition.get_object().erase("lastHeartbeatTime");
    }
    out += toJson(n);
  }
  for (const json::object& pod : bound)
    if (!isTerminal(pod)) out += std::string(metaString(pod, "uid")) + ";";
  for (const json::object& pvc : pvcs)
    out += fmt::format("{}/{}={};", metaString(pvc, "namespace"), metaString(pvc, "name"),
                       controllers::stringAt(pvc, {"status", "phase"}));
  for (const json::object& sc : classes)
    out += std::string(metaString(sc, "name")) + ";";
  return std::to_string(std::hash<std::string>{}(out));
}

}  // namespace

std::optional<TimePoint> SchedulerController::nextDue() const {
  std::optional<TimePoint> due;
  for (const auto& [uid, attempt] : unschedulable_)
    due = earliest(due, attempt.at + ctx_.options.schedulerRetry);
  return due;
}

void SchedulerController::sync(TimePoint now) {
  if (!tracker_.due(ctx_.store, now) && !(nextDue() && *nextDue() <= now)) return;
  tracker_.begin(ctx_.store, now);
  std::vector<json::object> pods = listAll(ctx_.store, gr::pods);
  std::vector<json::object> pending;
  std::vector<json::object> bound;
  for (const json::object& pod : pods) {
    if (pendingForUs(pod))
      pending.push_back(pod);
    else if (!controllers::stringAt(pod, {"spec", "nodeName"}).empty())
      bound.push_back(pod);
  }
  // Forget pods that were bound or went away.
  std::erase_if(unschedulable_, [&](const auto& entry) {
    return std::none_of(pending.begin(), pending.end(),
                        [&](const json::object& p) { return metaString(p, "uid") == entry.first; });
  });
  if (pending.empty()) return;
  // The active queue's order: higher priority first, then older.
  std::stable_sort(pending.begin(), pending.end(), [](const json::object& a, const json::object& b) {
    std::int64_t pa = controllers::intAt(a, {"spec", "priority"});
    std::int64_t pb = controllers::intAt(b, {"spec", "priority"});
    if (pa != pb) return pa > pb;
    return metaString(a, "creationTimestamp") < metaString(b, "creationTimestamp");
  });
  std::vector<json::object> nodes = listAll(ctx_.store, gr::nodes);
  std::vector<json::object> pvcs = listAll(ctx_.store, gr::pvcs);
  std::vector<json::object> classes = listAll(ctx_.store, gr::storageClasses);
  EventSource source{"default-scheduler", ""};

  for (const json::object& pod : pending) {
    std::string uid(metaString(pod, "uid"));
    std::string ns(metaString(pod, "namespace"));
    std::string name(metaString(pod, "name"));
    std::string fingerprint = clusterFingerprint(nodes, bound, pvcs, classes);
    if (auto it = unschedulable_.find(uid); it != unschedulable_.end() &&
                                            it->second.fingerprint == fingerprint &&
                                            now < it->second.at + ctx_.options.schedulerRetry)
      continue;
    std::vector<json::object> claims;
    for (const json::object& pvc : pvcs)
      if (metaString(pvc, "namespace") == ns) claims.push_back(pvc);
    controllers::ScheduleResult result = controllers::schedule(pod, nodes, bound, claims, classes);
    ObjectReference ref = referenceTo(pod, "v1", "Pod");
    try {
      if (result.scheduled) {
        ObjectPtr updated = ctx_.store.modify(
            gr::pods, ns, name,
            [&](const json::object& current) {
              if (!controllers::stringAt(current, {"spec", "nodeName"}).empty())
                throw conflict({"", "pods/binding"}, name,
                               fmt::format("pod {} is already assigned to node \"{}\"", name,
                                           controllers::stringAt(current, {"spec", "nodeName"})));
              json::object next = current;
              objectAt(next, "spec")["nodeName"] = result.nodeName;
              json::object& status = objectAt(next, "status");
              status.erase("nominatedNodeName");
              setCondition(status, "PodScheduled", "True", "", "", now, true);
              return next;
            },
            {UpdateScope::All, false});
        bound.push_back(*updated);
        unschedulable_.erase(uid);
        for (const controllers::Event& event : result.events)
          ctx_.events.record(ref, source, event, now);
        continue;
      }
      for (std::size_t i = 0; i < result.victims.size(); ++i) {
        const std::string& victim = result.victims[i];
        std::size_t slash = victim.find('/');
        std::string victimNs = victim.substr(0, slash), victimName = victim.substr(slash + 1);
        if (std::optional<json::object> v = getObject(ctx_.store, gr::pods, victimNs, victimName)) {
          if (i < result.victimEvents.size())
            ctx_.events.record(referenceTo(*v, "v1", "Pod"), source, result.victimEvents[i], now);
          ctx_.store.remove(gr::pods, victimNs, victimName);
        }
      }
      ctx_.store.modify(gr::pods, ns, name,
                        [&](const json::object& current) {
                          json::object next = current;
                          json::object& status = objectAt(next, "status");
                          setCondition(status, "PodScheduled", "False", result.reason, result.message, now,
                                       true);
                          if (!result.nominatedNodeName.empty())
                            status["nominatedNodeName"] = result.nominatedNodeName;
                          return next;
                        },
                        {UpdateScope::All, false});
      for (const controllers::Event& event : result.events)
        ctx_.events.record(ref, source, event, now);
      unschedulable_[uid] = Attempt{fingerprint, now};
    } catch (const ApiError& e) {
      if (e.code() != 409 && e.code() != 404) throw;
    }
  }
}

}  // namespace kubesim::runtime

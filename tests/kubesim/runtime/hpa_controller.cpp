// The HPA controller over the store (see hpa_controller.h).
#include "hpa_controller.h"

#include <fmt/format.h>

#include <cmath>

#include "../controllers/api_objects.h"
#include "../errors.h"

namespace kubesim::runtime {

std::optional<GroupResource> scaleTargetResource(std::string_view kind) {
  if (kind == "Deployment") return gr::deployments;
  if (kind == "ReplicaSet") return gr::replicaSets;
  if (kind == "StatefulSet") return gr::statefulSets;
  if (kind == "ReplicationController") return gr::replicationControllers;
  return std::nullopt;
}

std::int64_t metricsApiCpuMilli(double millicores) {
  std::int64_t nanocores = std::llround(millicores * 1e6);
  return (nanocores + 999'999) / 1'000'000;
}

std::int64_t metricsApiMemoryMilli(std::int64_t bytes) {
  return bytes / 1024 * 1024 * 1000;
}

std::optional<TimePoint> HpaController::nextDue() const {
  if (!last_) return std::nullopt;
  return *last_ + ctx_.options.hpaSync;
}

void HpaController::sync(TimePoint now) {
  if (last_ && now < *last_ + ctx_.options.hpaSync) return;
  last_ = now;
  std::set<std::string> live;
  for (const json::object& hpa : listAll(ctx_.store, gr::hpas)) {
    live.insert(std::string(metaString(hpa, "uid")));
    try {
      reconcile(hpa, now);
    } catch (const ApiError& e) {
      if (e.code() != 409 && e.code() != 404) throw;
    }
  }
  std::erase_if(history_, [&](const auto& entry) { return !live.count(entry.first); });
}

void HpaController::reconcile(const json::object& hpa, TimePoint now) {
  std::string ns(metaString(hpa, "namespace"));
  std::string name(metaString(hpa, "name"));
  EventSource source{"horizontal-pod-autoscaler", ""};
  ObjectReference ref = referenceTo(hpa, "autoscaling/v2", "HorizontalPodAutoscaler");
  std::string kind = controllers::stringAt(hpa, {"spec", "scaleTargetRef", "kind"});
  std::string targetName = controllers::stringAt(hpa, {"spec", "scaleTargetRef", "name"});
  std::optional<GroupResource> resource = scaleTargetResource(kind);
  std::optional<json::object> target =
      resource ? getObject(ctx_.store, *resource, ns, targetName) : std::nullopt;
  auto writeStatus = [&](const json::object& status) {
    ctx_.store.modify(gr::hpas, ns, name,
                      [&](const json::object& current) {
                        json::object next = current;
                        next["status"] = status;
                        return next;
                      },
                      {UpdateScope::All, false});
  };
  if (!target) {
    std::string why = resource ? fmt::format("{} \"{}\" not found", resource->str(), targetName)
                               : fmt::format("no matches for kind \"{}\"", kind);
    ctx_.events.record(ref, source, {"Warning", "FailedGetScale", why}, now);
    json::object status;
    if (const json::object* current = objectField(hpa, "status")) status = *current;
    setCondition(status, "AbleToScale", "False", "FailedGetScale",
                 "the HPA controller was unable to get the target's current scale: " + why, now);
    if (!status.contains("desiredReplicas")) status["desiredReplicas"] = 0;
    if (!status.contains("currentReplicas")) status["currentReplicas"] = 0;
    writeStatus(status);
    return;
  }

  std::int32_t specReplicas = static_cast<std::int32_t>(controllers::intAt(*target, {"spec", "replicas"}, 1));
  std::int32_t statusReplicas =
      static_cast<std::int32_t>(controllers::intAt(*target, {"status", "replicas"}, 0));
  const json::object* selector = controllers::findObject(*target, {"spec", "selector"});
  json::object selectorObject;
  if (selector && kind == "ReplicationController") {
    selectorObject = json::object{{"matchLabels", *selector}};
    selector = &selectorObject;
  }
  std::vector<json::object> pods;
  for (json::object& pod : listAll(ctx_.store, gr::pods, ns))
    if (selectorMatches(selector, labelsOf(pod))) pods.push_back(std::move(pod));

  controllers::HpaMetrics metrics;
  for (const json::object& pod : pods) {
    std::string podName(metaString(pod, "name"));
    auto sample = ctx_.world.samples().find({ns, podName});
    if (sample == ctx_.world.samples().end()) continue;
    const World::PodSample& s = sample->second;
    auto window = std::chrono::duration_cast<std::chrono::seconds>(s.window);
    // The values the metrics client reads from metrics.k8s.io: each container's published quantity
    // ("23333333n", "112640Ki") as Quantity.MilliValue() gives it (rounded up), summed over the pod.
    std::int64_t cpu = 0;
    std::int64_t memory = 0;
    for (const auto& [container, usage] : s.containers) {
      std::int64_t cpuMilli = metricsApiCpuMilli(usage.cpuMillicores);
      std::int64_t memoryMilli = metricsApiMemoryMilli(usage.memoryBytes);
      cpu += cpuMilli;
      memory += memoryMilli;
      metrics.containerResource["cpu/" + container][podName] = {cpuMilli, s.timestamp, window};
      metrics.containerResource["memory/" + container][podName] = {memoryMilli, s.timestamp, window};
    }
    metrics.resource["cpu"][podName] = {cpu, s.timestamp, window};
    metrics.resource["memory"][podName] = {memory, s.timestamp, window};
    std::int64_t rps = static_cast<std::int64_t>(std::llround(ctx_.world.podRps(ns, podName, now) * 1000));
    for (std::string_view metric : {"http_requests_per_second", "requests_per_second"})
      metrics.pods[std::string(metric)][podName] = {rps, now, window};
  }

  controllers::HpaInput input{hpa, specReplicas, statusReplicas, pods, metrics, now};
  controllers::HpaResult result =
      controllers::reconcileHpa(input, history_[std::string(metaString(hpa, "uid"))], ctx_.options.hpa);
  if (result.rescale && result.desiredReplicas != specReplicas) {
    ctx_.store.modify(*resource, ns, targetName,
                      [&](const json::object& current) {
                        json::object next = current;
                        objectAt(next, "spec")["replicas"] = result.desiredReplicas;
                        return next;
                      },
                      {UpdateScope::All, false});
  }
  for (const controllers::Event& event : result.events)
    ctx_.events.record(ref, source, event, now);
  writeStatus(result.status);
}

}  // namespace kubesim::runtime

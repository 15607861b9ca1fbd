// OOMKilled containers (AIOPS-D110, D111): in the current state, or in the last state once the container
// runs again, within the history window. The recommended limit is
//   max(limit + 100Mi, limit × 1.2, peak working set × 1.2 when usage history is known),
// rounded up to a multiple of 64Mi. The first two terms are the VPA recommender's OOM bump; the peak term
// makes sure the new limit clears what the container was seen to use; the rounding keeps limits readable
// (256Mi → 384Mi) and avoids a series of small raises.
#include <fmt/format.h>

#include <algorithm>

#include "diagnose/analyzers.h"

namespace aiops::diagnose {
namespace {

namespace json = boost::json;

constexpr std::int64_t kStepMi = 64;

std::int64_t roundUpMi(std::int64_t mib) {
  return (mib + kStepMi - 1) / kStepMi * kStepMi;
}

std::int64_t ceilTimes(std::int64_t mib, std::int64_t numerator, std::int64_t denominator) {
  return (mib * numerator + denominator - 1) / denominator;
}

std::string timesPhrase(const Context& ctx, const ContainerEvidence& c, const ContainerState& oom) {
  std::string when =
      oom.finishedAt ? fmt::format("{} ago", humanDuration(ctx.age(oom.finishedAt))) : "recently";
  if (c.restartCount > 0) return fmt::format("{} and has restarted {}", when, plural(c.restartCount, "time"));
  return when;
}

void addUsageEvidence(const PodEvidence& pod, const ContainerEvidence& c,
                      std::vector<model::EvidenceItem>& ev) {
  std::string path = fmt::format("spec.{}[{}].resources", c.init ? "initContainers" : "containers", c.name);
  if (auto it = c.limits.find("memory"); it != c.limits.end())
    ev.push_back(model::EvidenceItem::field(podLabel(pod), path + ".limits.memory", it->second.toString()));
  if (auto it = c.requests.find("memory"); it != c.requests.end())
    ev.push_back(model::EvidenceItem::field(podLabel(pod), path + ".requests.memory", it->second.toString()));
  if (c.usage.memoryPeak) {
    ev.push_back(model::EvidenceItem::field(
        podLabel(pod), fmt::format("usage.{}.memoryPeak[{}]", c.name, humanDuration(c.usage.peakWindow)),
        formatMemory(*c.usage.memoryPeak)));
  }
  if (c.usage.memory) {
    ev.push_back(model::EvidenceItem::field(podLabel(pod), fmt::format("usage.{}.memory", c.name),
                                            formatMemory(*c.usage.memory)));
  }
}

model::Recommendation raiseLimit(const Context& ctx, const PodEvidence& pod, const ContainerEvidence& c,
                                 const Quantity& limit) {
  std::int64_t oldMi = mebibytesCeil(limit);
  std::int64_t wanted = std::max(oldMi + 100, ceilTimes(oldMi, 6, 5));
  std::string formula = "max(limit + 100Mi, limit × 1.2)";
  if (c.usage.memoryPeak) {
    wanted = std::max(wanted, ceilTimes(mebibytesCeil(*c.usage.memoryPeak), 6, 5));
    formula = "max(limit + 100Mi, limit × 1.2, peak × 1.2)";
  }
  std::int64_t newMi = roundUpMi(wanted);
  std::string newLimit = mebibytes(newMi).toString();
  std::string oldLimit = limit.toString();

  model::Recommendation r;
  r.action = model::ActionKind::ResourceIncrease;
  r.runbook = std::string(rule("AIOPS-D110").slug);
  r.risk = newMi <= 2 * oldMi ? model::Risk::Low : model::Risk::Medium;
  json::object raise{{"limits", json::object{{"memory", newLimit}}}};
  json::object restore{{"limits", json::object{{"memory", oldLimit}}}};
  auto request = c.requests.find("memory");
  bool raiseRequest = request != c.requests.end() && request->second == limit;  // Guaranteed: keep it so
  if (raiseRequest) {
    raise["requests"] = json::object{{"memory", newLimit}};
    restore["requests"] = json::object{{"memory", request->second.toString()}};
  }
  if (const NodeEvidence* node = ctx.node(pod.nodeName)) {
    auto allocatable = node->allocatable.find("memory");
    if (allocatable != node->allocatable.end() && mebibytes(newMi) > allocatable->second)
      r.risk = model::Risk::High;
  }
  r.summary = fmt::format("raise the memory limit of container {} from {} to {}{}", c.name, oldLimit,
                          newLimit, raiseRequest ? " (and its request, to stay Guaranteed)" : "");
  std::int64_t percent = (newMi - oldMi) * 100 / std::max<std::int64_t>(oldMi, 1);
  r.expectedOutcome = fmt::format(
      "No more OOMKilled restarts at the load seen so far: the limit rises {}% to {}{}; the pods restart "
      "once "
      "to apply it.",
      percent, newLimit,
      c.usage.memoryPeak ? fmt::format(", above the {} peak working set", formatMemory(*c.usage.memoryPeak))
                         : "");
  r.rationale = fmt::format(
      "OOMKilled means the working set reached the {} limit. The new limit is {} = {}Mi, rounded up to a "
      "multiple of 64Mi.{}",
      oldLimit, formula, wanted,
      raiseRequest
          ? " The request rises with it to keep the pod Guaranteed, so a node needs that much unrequested "
            "memory."
          : "");
  if (auto target = templateTarget(pod)) {
    r.target = target->ref;
    r.patch = containerPatch(*target, c, json::object{{"resources", raise}});
    r.undo = containerPatch(*target, c, json::object{{"resources", restore}});
    r.commands.push_back(model::kubectlPatchCommand(r.target, *r.patch));
  } else {
    // A bare pod or a Job: the pod template cannot be changed in place.
    r.target = topOwnerRef(pod);
    r.summary +=
        fmt::format(" in the manifest that creates {} {}, and recreate it", r.target.kind, r.target.name);
    r.risk = model::Risk::Medium;
  }
  return r;
}

void analyzeContainer(const Context& ctx, const PodEvidence& pod, const ContainerEvidence& c,
                      Detections& out) {
  const ContainerState* oom = nullptr;
  if (c.state.terminated() && c.state.reason == "OOMKilled") {
    oom = &c.state;
  } else if (c.lastState.terminated() && c.lastState.reason == "OOMKilled") {
    oom = &c.lastState;
  }
  if (oom == nullptr) return;
  // An OOM kill long ago on a container that is fine now is history, not a problem.
  if (oom->finishedAt && !ctx.within(oom->finishedAt, ctx.options.historyWindow)) return;

  Detection d;
  d.pod = &pod;
  d.container = c.name;
  d.confidence = 95;
  d.params = {{"container", c.name}, {"times", timesPhrase(ctx, c, *oom)}};
  addTerminationEvidence(pod, c, *oom, d.evidence);
  addUsageEvidence(pod, c, d.evidence);
  for (const EventRecord* e : ctx.podEvents(pod)) {
    if (e->reason == "BackOff" && contains(e->message, "restarting failed container " + c.name + " "))
      d.evidence.push_back(eventEvidence(podLabel(pod), *e));
  }
  addLogEvidence(ctx, pod, c, d.evidence);

  auto limit = c.limits.find("memory");
  if (limit == c.limits.end()) {
    d.ruleId = "AIOPS-D111";
    d.params["node"] = pod.nodeName.empty() ? "unknown" : pod.nodeName;
    d.causeKey = "no-limit";
    model::Recommendation r;
    r.action = model::ActionKind::ResourceIncrease;
    r.runbook = std::string(rule("AIOPS-D111").slug);
    r.risk = model::Risk::Medium;
    r.target = topOwnerRef(pod);
    r.summary = fmt::format("set a memory request and limit on container {}", c.name);
    r.expectedOutcome =
        "The container is scheduled where its memory fits and is no longer the node's first OOM victim.";
    r.rationale =
        "Without a memory request the scheduler ignores the container's memory and the kernel picks it "
        "first when the node runs out.";
    if (c.usage.memoryPeak) {
      if (auto target = templateTarget(pod)) {
        std::string size =
            mebibytes(roundUpMi(ceilTimes(mebibytesCeil(*c.usage.memoryPeak), 6, 5))).toString();
        r.target = target->ref;
        r.summary =
            fmt::format("set the memory request and limit of container {} to {} (peak × 1.2)", c.name, size);
        r.patch = containerPatch(
            *target, c,
            json::object{{"resources", json::object{{"requests", json::object{{"memory", size}}},
                                                    {"limits", json::object{{"memory", size}}}}}});
        r.undo = containerPatch(
            *target, c,
            json::object{{"resources", json::object{{"requests", json::object{{"memory", nullptr}}},
                                                    {"limits", json::object{{"memory", nullptr}}}}}});
        r.commands.push_back(model::kubectlPatchCommand(r.target, *r.patch));
      }
    }
    d.recommendations.push_back(std::move(r));
  } else {
    d.ruleId = "AIOPS-D110";
    d.params["limit"] = limit->second.toString();
    d.params["usage"] = c.usage.memoryPeak
                            ? fmt::format(" (working set peaked at {})", formatMemory(*c.usage.memoryPeak))
                            : "";
    d.causeKey = limit->second.toString();
    d.recommendations.push_back(raiseLimit(ctx, pod, c, limit->second));
  }
  out.push_back(std::move(d));
}

}  // namespace

void analyzeOom(const Context& ctx, Detections& out) {
  for (const PodEvidence& pod : ctx.evidence.pods) {
    if (pod.phase == "Succeeded" || pod.deleted) continue;
    for (const auto* list : {&pod.initContainers, &pod.containers}) {
      for (const ContainerEvidence& c : *list)
        analyzeContainer(ctx, pod, c, out);
    }
  }
}

}  // namespace aiops::diagnose

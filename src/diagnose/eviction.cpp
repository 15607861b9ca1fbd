// Evictions and kubelet rejections (AIOPS-D410-D414): pods the kubelet failed with status.reason Evicted
// (node memory or disk pressure, local storage limits) or refused at admission (OutOfcpu, NodeAffinity, ...).
// The eviction message names the resource and, for memory, each container's usage against its request
// (pkg/kubelet/eviction/helpers.go), which makes the request to set knowable.
#include <fmt/format.h>
#include <re2/re2.h>

#include "diagnose/analyzers.h"

namespace aiops::diagnose {
namespace {

namespace json = boost::json;

std::optional<WallTime> failedAt(const PodEvidence& pod) {
  std::optional<WallTime> latest;
  for (const Condition& c : pod.conditions) {
    if (c.lastTransitionTime && (!latest || *c.lastTransitionTime > *latest)) latest = c.lastTransitionTime;
  }
  return latest ? latest : pod.startTime;
}

bool kubeletRejection(const std::string& reason) {
  static const std::vector<std::string> kReasons{"NodeAffinity",
                                                 "NodePorts",
                                                 "UnexpectedAdmissionError",
                                                 "InitContainerRestartPolicyForbidden",
                                                 "PodOSNotSupported",
                                                 "PodOSSelectorNodeLabelDoesNotMatch",
                                                 "SupplementalGroupsPolicyNotSupported",
                                                 "InvalidNodeInfo"};
  return startsWith(reason, "OutOf") || std::find(kReasons.begin(), kReasons.end(), reason) != kReasons.end();
}

model::Recommendation cleanup(const PodEvidence& pod, std::string summary, std::string rationale,
                              model::ActionKind action, std::string_view ruleId) {
  model::Recommendation r;
  r.action = action;
  r.target = topOwnerRef(pod);
  r.summary = std::move(summary);
  r.commands.push_back(
      fmt::format("kubectl -n {} delete pod --field-selector=status.phase=Failed", pod.namespace_));
  r.expectedOutcome = "No further evictions of these pods at the same load.";
  r.risk = model::Risk::Low;
  r.rationale = std::move(rationale);
  r.runbook = std::string(rule(ruleId).slug);
  return r;
}

void memoryEviction(const PodEvidence& pod, Detection& d) {
  static const RE2 kUsing(
      R"(Container (\S+) was using (\S+), request is (\S+), has larger consumption of memory)");
  re2::StringPiece input(pod.message);
  std::string container;
  std::string used;
  std::string request;
  d.params["detail"] = "";
  if (!RE2::FindAndConsume(&input, kUsing, &container, &used, &request)) {
    d.recommendations.push_back(cleanup(pod, "set memory requests to what the containers really use",
                                        "Pods using more memory than they request are evicted first.",
                                        model::ActionKind::ResourceIncrease, d.ruleId));
    return;
  }
  d.params["detail"] =
      fmt::format("; container {} was using {} against a request of {}", container, used, request);
  auto usage = Quantity::parse(used);
  auto target = templateTarget(pod);
  const ContainerEvidence* c = nullptr;
  for (const ContainerEvidence& candidate : pod.containers) {
    if (candidate.name == container) c = &candidate;
  }
  if (!usage || !target || c == nullptr) {
    d.recommendations.push_back(
        cleanup(pod, fmt::format("raise the memory request of container {} to at least {}", container, used),
                "Pods using more memory than they request are evicted first.",
                model::ActionKind::ResourceIncrease, d.ruleId));
    return;
  }
  std::int64_t mib = (mebibytesCeil(*usage) + 63) / 64 * 64;
  std::string size = mebibytes(mib).toString();
  model::Recommendation r =
      cleanup(pod,
              fmt::format("raise the memory request of container {} from {} to {}", container,
                          request == "0" ? "none" : request, size),
              "The kubelet evicts pods that use more memory than they request first; a request "
              "that matches usage also lets the scheduler avoid overcommitting the node.",
              model::ActionKind::ResourceIncrease, d.ruleId);
  r.target = target->ref;
  json::object requests{{"memory", size}};
  json::object restore{{"memory", c->requests.count("memory")
                                      ? json::value(c->requests.at("memory").toString())
                                      : json::value(nullptr)}};
  json::object resources{{"requests", requests}};
  // A request above the limit is invalid: raise the limit with it when needed.
  if (auto limit = c->limits.find("memory"); limit != c->limits.end() && mebibytes(mib) > limit->second) {
    resources["limits"] = json::object{{"memory", size}};
  }
  r.patch = containerPatch(*target, *c, json::object{{"resources", resources}});
  json::object undoResources{{"requests", restore}};
  if (resources.contains("limits"))
    undoResources["limits"] = json::object{{"memory", c->limits.at("memory").toString()}};
  r.undo = containerPatch(*target, *c, json::object{{"resources", undoResources}});
  r.commands.insert(r.commands.begin(), model::kubectlPatchCommand(r.target, *r.patch));
  d.recommendations.push_back(std::move(r));
  d.causeKey += "|" + container;
}

void analyzePod(const Context& ctx, const PodEvidence& pod, Detections& out) {
  if (pod.phase != "Failed") return;
  bool evicted = pod.reason == "Evicted";
  if (!evicted && !kubeletRejection(pod.reason)) return;
  auto when = failedAt(pod);
  if (when && !ctx.within(when, ctx.options.historyWindow)) return;

  Detection d;
  d.pod = &pod;
  d.confidence = 95;
  std::string label = podLabel(pod);
  std::string message = sanitizeLine(pod.message, 400);
  d.params = {{"pod", pod.name},
              {"node", pod.nodeName.empty() ? "unknown" : pod.nodeName},
              {"reason", pod.reason},
              {"detail", message}};
  d.evidence.push_back(model::EvidenceItem::field(label, "status.reason", pod.reason));
  d.evidence.push_back(model::EvidenceItem::field(label, "status.message", message));
  for (const EventRecord* e : ctx.podEvents(pod)) {
    if (e->reason == "Evicted" || e->reason == pod.reason) d.evidence.push_back(eventEvidence(label, *e));
  }
  d.causeKey = pod.reason;
  if (!evicted) {
    d.ruleId = "AIOPS-D414";
    d.recommendations.push_back(cleanup(pod,
                                        "delete the rejected pods so that their controller replaces them",
                                        "The rejection is final for that pod; a new pod is scheduled afresh.",
                                        model::ActionKind::Investigate, d.ruleId));
  } else if (contains(pod.message, "low on resource: memory")) {
    d.ruleId = "AIOPS-D410";
    memoryEviction(pod, d);
  } else if (contains(pod.message, "exceeds the total limit of containers") ||
             contains(pod.message, "Usage of EmptyDir volume") ||
             contains(pod.message, "exceeded its local ephemeral storage limit")) {
    d.ruleId = "AIOPS-D412";
    d.params["detail"] = message;
    while (!d.params["detail"].empty() &&
           (d.params["detail"].back() == '.' || d.params["detail"].back() == ' '))
      d.params["detail"].pop_back();
    if (!d.params["detail"].empty())
      d.params["detail"][0] = static_cast<char>(std::tolower(d.params["detail"][0]));
    d.recommendations.push_back(
        cleanup(pod, "raise the ephemeral-storage limit to the real need, or write the data to a volume",
                "The container wrote more local data than its limit allows.",
                model::ActionKind::ResourceIncrease, d.ruleId));
  } else if (contains(pod.message, "low on resource: ephemeral-storage") || contains(pod.message, "nodefs") ||
             contains(pod.message, "imagefs") || contains(pod.message, "DiskPressure")) {
    d.ruleId = "AIOPS-D411";
    d.params["resource"] = contains(pod.message, "imagefs") ? "image storage" : "disk (ephemeral storage)";
    static const RE2 kUsing(R"(Container (\S+) was using (\S+), request is (\S+), has larger consumption)");
    std::string container, used, request;
    d.params["detail"] =
        RE2::PartialMatch(pod.message, kUsing, &container, &used, &request)
            ? fmt::format("; container {} was using {} of local storage against a request of {}", container,
                          used, request)
            : "";
    d.recommendations.push_back(
        cleanup(pod, "set ephemeral-storage requests and limits, and rotate what the containers write",
                "Pods writing the most local data above their request are evicted first.",
                model::ActionKind::ConfigChange, d.ruleId));
  } else {
    d.ruleId = "AIOPS-D413";
    d.recommendations.push_back(cleanup(pod, "act on the node condition named in the eviction message",
                                        "The kubelet evicts to protect the node.",
                                        model::ActionKind::Investigate, d.ruleId));
  }
  if (!pod.nodeName.empty()) d.dependsOn.push_back(ObjectKey{"Node", "", pod.nodeName});
  out.push_back(std::move(d));
}

}  // namespace

void analyzeEvictions(const Context& ctx, Detections& out) {
  for (const PodEvidence& pod : ctx.evidence.pods)
    analyzePod(ctx, pod, out);
}

}  // namespace aiops::diagnose

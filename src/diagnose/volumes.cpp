// Pods stuck in ContainerCreating (AIOPS-D415, D502-D504): volumes that cannot be mounted (FailedMount, a
// missing ConfigMap or Secret volume source, Multi-Attach of a ReadWriteOnce volume) and sandboxes that
// cannot be created (FailedCreatePodSandBox). Pods younger than the start-up grace are left alone: a mount
// often fails once while a Secret or volume is still being created.
#include <fmt/format.h>
#include <re2/re2.h>

#include "diagnose/analyzers.h"

namespace aiops::diagnose {
namespace {

bool creating(const PodEvidence& pod) {
  if (pod.phase != "Pending" || pod.nodeName.empty()) return false;
  for (const auto* list : {&pod.initContainers, &pod.containers}) {
    for (const ContainerEvidence& c : *list) {
      if (c.state.waiting() && (c.state.reason == "ContainerCreating" || c.state.reason == "PodInitializing"))
        return true;
      if (!c.hasStatus) return true;
    }
  }
  return false;
}

model::Recommendation advice(const PodEvidence& pod, model::ActionKind action, std::string summary,
                             std::vector<std::string> commands, std::string rationale,
                             std::string_view ruleId) {
  model::Recommendation r;
  r.action = action;
  r.target = topOwnerRef(pod);
  r.summary = std::move(summary);
  r.commands = std::move(commands);
  r.expectedOutcome =
      "The kubelet mounts the volumes on its next retry (about a minute) and starts the containers.";
  r.risk = model::Risk::Low;
  r.rationale = std::move(rationale);
  r.runbook = std::string(rule(ruleId).slug);
  return r;
}

void analyzePod(const Context& ctx, const PodEvidence& pod, Detections& out) {
  if (!creating(pod) || pod.deleted) return;
  if (ctx.age(pod.created) < ctx.options.startupGrace) return;
  std::string label = podLabel(pod);
  static const RE2 kSource(
      R"lit(MountVolume\.SetUp failed for volume "([^"]+)" : (configmap|secret) "([^"]+)" not found)lit");
  static const RE2 kMultiAttach(R"lit(Multi-Attach error for volume "([^"]+)"(.*))lit");

  const EventRecord* sourceMissing = nullptr;
  const EventRecord* multiAttach = nullptr;
  const EventRecord* mountFailed = nullptr;
  const EventRecord* sandbox = nullptr;
  for (const EventRecord* e : ctx.podEvents(pod)) {
    if (!ctx.within(e->lastSeen, ctx.options.recentWindow)) continue;
    if (e->reason == "FailedMount" && RE2::PartialMatch(e->message, kSource)) {
      sourceMissing = e;
    } else if (e->reason == "FailedAttachVolume" && contains(e->message, "Multi-Attach error")) {
      multiAttach = e;
    } else if (e->reason == "FailedMount" || e->reason == "FailedAttachVolume" ||
               e->reason == "FailedMapVolume") {
      mountFailed = e;
    } else if (e->reason == "FailedCreatePodSandBox") {
      sandbox = e;
    }
  }

  Detection d;
  d.pod = &pod;
  d.params = {{"pod", pod.name}, {"node", pod.nodeName}};
  if (sourceMissing != nullptr) {
    std::string volume, kind, object;
    RE2::PartialMatch(sourceMissing->message, kSource, &volume, &kind, &object);
    bool configMap = kind == "configmap";
    d.ruleId = "AIOPS-D502";
    d.confidence = 95;
    d.params["volume"] = volume;
    d.params["sourceKind"] = configMap ? "ConfigMap" : "Secret";
    d.params["object"] = object;
    d.causeKey = kind + "/" + object;
    d.evidence.push_back(eventEvidence(label, *sourceMissing));
    model::Recommendation r =
        advice(pod, model::ActionKind::CreateObject,
               fmt::format("create {} {} in namespace {}", configMap ? "ConfigMap" : "Secret", object,
                           pod.namespace_),
               {fmt::format("kubectl -n {} create {} {} --from-file=<path>", pod.namespace_,
                            configMap ? "configmap" : "secret generic", object)},
               "The volume's source object is named by the pod; only its content is unknown.", d.ruleId);
    r.target = model::ObjectRef{"v1", configMap ? "ConfigMap" : "Secret", pod.namespace_, object, {}};
    d.recommendations.push_back(std::move(r));
  } else if (multiAttach != nullptr) {
    std::string volume, rest;
    RE2::PartialMatch(multiAttach->message, kMultiAttach, &volume, &rest);
    d.ruleId = "AIOPS-D504";
    d.confidence = 90;
    d.params["volume"] = volume;
    auto used = rest.find("used by pod(s) ");
    d.params["detail"] =
        used == std::string::npos ? "" : fmt::format(" (in use by pod {})", rest.substr(used + 15));
    d.causeKey = volume;
    d.evidence.push_back(eventEvidence(label, *multiAttach));
    d.recommendations.push_back(
        advice(pod, model::ActionKind::ConfigChange,
               "use the Recreate strategy (or a StatefulSet) for a single-writer volume, or a "
               "ReadWriteMany storage class",
               {"kubectl get volumeattachment"},
               "A ReadWriteOnce volume attaches to one node at a time; a rolling update "
               "starts the new pod before the old one releases it.",
               d.ruleId));
  } else if (sandbox != nullptr) {
    d.ruleId = "AIOPS-D415";
    d.confidence = 85;
    d.params["detail"] = sanitizeLine(sandbox->message, 200);
    d.causeKey = pod.nodeName;
    d.evidence.push_back(eventEvidence(label, *sandbox));
    d.dependsOn.push_back(ObjectKey{"Node", "", pod.nodeName});
    model::Recommendation r =
        advice(pod, model::ActionKind::Investigate,
               fmt::format("repair the network plugin on node {}", pod.nodeName),
               {fmt::format("kubectl -n kube-system get pods -o wide --field-selector spec.nodeName={}",
                            pod.nodeName)},
               "Sandbox creation is the node's runtime and CNI plugin's job.", d.ruleId);
    r.target = model::ObjectRef{"v1", "Node", "", pod.nodeName, {}};
    d.recommendations.push_back(std::move(r));
  } else if (mountFailed != nullptr) {
    d.ruleId = "AIOPS-D503";
    d.confidence = 75;
    d.params["detail"] = sanitizeLine(mountFailed->message, 200);
    d.causeKey = mountFailed->message.substr(0, 60);
    d.evidence.push_back(eventEvidence(label, *mountFailed));
    for (const VolumeRef& v : pod.volumes) {
      if (v.source == "persistentVolumeClaim")
        d.dependsOn.push_back(ObjectKey{"PersistentVolumeClaim", pod.namespace_, v.object});
    }
    d.recommendations.push_back(
        advice(pod, model::ActionKind::Investigate, "act on the mount error in the pod's events",
               {fmt::format("kubectl -n {} describe pod {}", pod.namespace_, pod.name)},
               "Mount failures depend on the storage backend.", d.ruleId));
  } else {
    return;
  }
  out.push_back(std::move(d));
}

}  // namespace

void analyzeVolumes(const Context& ctx, Detections& out) {
  for (const PodEvidence& pod : ctx.evidence.pods)
    analyzePod(ctx, pod, out);
}

}  // namespace aiops::diagnose

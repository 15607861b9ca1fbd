// Image pulls (AIOPS-D200-D206): ErrImagePull / ImagePullBackOff told apart by the registry's answer (not
// found, unauthorized, unreachable, rate limited), InvalidImageName and ErrImageNeverPull.
//
// The waiting message of ImagePullBackOff is often only "Back-off pulling image ...": the registry's answer
// is in the kubelet's Failed events ("Failed to pull image "x": ..."), so every such event of the pod is
// read, not just the newest one.
#include <fmt/format.h>

#include "diagnose/analyzers.h"

namespace aiops::diagnose {
namespace {

namespace json = boost::json;

struct PullClass {
  std::string_view ruleId;
  std::string detail;
};

// Looks at the error text once, most specific answer first. Docker Hub answers "pull access denied,
// repository does not exist or may require authorization" for both missing and private repositories, so
// that phrase is classified as unauthorized with a detail saying both.
PullClass classifyPull(std::string_view text) {
  auto has = [&](std::string_view needle) { return containsNoCase(text, needle); };
  if (has("toomanyrequests") || has("429 too many requests") || has("rate limit"))
    return {"AIOPS-D203", "429 Too Many Requests"};
  if (has("repository does not exist or may require authorization"))
    return {"AIOPS-D201", "the repository does not exist or requires authorization"};
  if (has("401 unauthorized") || has("unauthorized:") || has("authentication required") ||
      has("no basic auth credentials") || has("insufficient_scope") || has("authorization failed"))
    return {"AIOPS-D201", "401 Unauthorized"};
  if (has("403 forbidden") || has("denied:") || has("pull access denied") || has("access denied"))
    return {"AIOPS-D201", "403 Forbidden"};
  if (has("manifest unknown") || has("name unknown") || has(": not found") || has("404 not found") ||
      has("not found: manifest"))
    return {"AIOPS-D200", "the registry answered \"not found\""};
  for (std::string_view marker : {"dial tcp", "lookup ", "x509:", "tls:", "context deadline exceeded",
                                  "connection refused", "network is unreachable", "connection reset by peer",
                                  "i/o timeout", "because the registry is unavailable"}) {
    auto at = text.find(marker);
    if (at != std::string_view::npos) {
      std::string_view rest = text.substr(at);
      std::string detail = sanitizeLine(rest.substr(0, rest.find('\n')), 160);
      return {"AIOPS-D202", detail};
    }
  }
  return {"AIOPS-D206", ""};
}

// The registry's answer for `image`: the waiting message, or the newest "Failed to pull image" event.
std::vector<const EventRecord*> pullEvents(const Context& ctx, const PodEvidence& pod,
                                           const ContainerEvidence& c) {
  std::vector<const EventRecord*> out;
  std::string prefix = fmt::format("Failed to pull image \"{}\"", c.image);
  for (const EventRecord* e : ctx.podEvents(pod)) {
    if ((e->reason == "Failed" || e->reason == "ErrImagePull") && startsWith(e->message, prefix))
      out.push_back(e);
  }
  return out;
}

std::optional<model::Recommendation> previousImage(const Context& ctx, const PodEvidence& pod,
                                                   const ContainerEvidence& c) {
  auto rollback = rollbackRecommendation(ctx, pod, rule("AIOPS-D200").slug);
  if (!rollback || !rollback->patch) return std::nullopt;
  rollback->action = model::ActionKind::ImageFix;
  rollback->risk = model::Risk::Low;
  rollback->expectedOutcome = fmt::format(
      "Container {} runs the image of the previous revision again; its pods start within a minute.", c.name);
  return rollback;
}

// Registry credentials (dockerconfigjson, dockercfg) in the pod's namespace that it does not reference.
std::vector<std::string> unreferencedPullSecrets(const Context& ctx, const PodEvidence& pod) {
  std::vector<std::string> candidates;
  for (const ConfigObjectEvidence& s : ctx.evidence.secrets) {
    if (s.namespace_ != pod.namespace_ ||
        (s.type != "kubernetes.io/dockerconfigjson" && s.type != "kubernetes.io/dockercfg"))
      continue;
    if (std::find(pod.imagePullSecrets.begin(), pod.imagePullSecrets.end(), s.name) !=
        pod.imagePullSecrets.end())
      continue;
    candidates.push_back(s.name);
  }
  return candidates;
}

std::optional<model::Recommendation> pullSecret(const Context& ctx, const PodEvidence& pod) {
  const std::vector<std::string> candidates = unreferencedPullSecrets(ctx, pod);
  auto target = templateTarget(pod);
  if (candidates.size() != 1 || !target) return std::nullopt;
  model::Recommendation r;
  r.action = model::ActionKind::ImageFix;
  r.target = target->ref;
  r.runbook = std::string(rule("AIOPS-D201").slug);
  r.risk = model::Risk::Low;
  r.summary =
      fmt::format("add the registry secret {} to the pod template's imagePullSecrets", candidates.front());
  r.patch = podSpecPatch(
      *target, json::object{{"imagePullSecrets", json::array{json::object{{"name", candidates.front()}}}}});
  r.undo = podSpecPatch(
      *target, json::object{{"imagePullSecrets",
                             json::array{json::object{{"$patch", "delete"}, {"name", candidates.front()}}}}});
  r.commands.push_back(model::kubectlPatchCommand(r.target, *r.patch));
  r.expectedOutcome =
      "The kubelet pulls with the secret's credentials; the pods start within a minute if they grant access.";
  r.rationale = fmt::format(
      "Secret {} is the only registry credential (kubernetes.io/dockerconfigjson) in namespace "
      "{}, and the pod does not use it.",
      candidates.front(), pod.namespace_);
  return r;
}

model::Recommendation manual(const PodEvidence& pod, model::ActionKind action, std::string summary,
                             std::string command, std::string_view ruleId) {
  model::Recommendation r;
  r.action = action;
  r.target = topOwnerRef(pod);
  r.summary = std::move(summary);
  if (!command.empty()) r.commands.push_back(std::move(command));
  r.expectedOutcome = "The next pull attempt succeeds and the pod starts.";
  r.risk = model::Risk::Low;
  r.rationale =
      "The exact change depends on facts outside the cluster (registry content, credentials, network).";
  r.runbook = std::string(rule(ruleId).slug);
  return r;
}

void analyzeContainer(const Context& ctx, const PodEvidence& pod, const ContainerEvidence& c,
                      Detections& out) {
  if (!c.state.waiting()) return;
  const std::string& reason = c.state.reason;
  if (reason != "ErrImagePull" && reason != "ImagePullBackOff" && reason != "InvalidImageName" &&
      reason != "ErrImageNeverPull" && reason != "RegistryUnavailable" && reason != "ImageInspectError")
    return;

  Detection d;
  d.pod = &pod;
  d.container = c.name;
  d.params = {
      {"container", c.name}, {"image", c.image}, {"node", pod.nodeName.empty() ? "unknown" : pod.nodeName}};
  std::string label = podLabel(pod);
  d.evidence.push_back(model::EvidenceItem::field(
      label,
      fmt::format("status.{}[{}].state.waiting", c.init ? "initContainerStatuses" : "containerStatuses",
                  c.name),
      c.state.message.empty() ? reason : fmt::format("{}: {}", reason, sanitizeLine(c.state.message, 400))));

  if (reason == "InvalidImageName") {
    d.ruleId = "AIOPS-D204";
    std::string detail = sanitizeLine(c.state.message, 160);
    for (std::string_view marker : {"invalid reference format", "couldn't parse image"}) {
      if (auto at = c.state.message.find(marker); at != std::string::npos) {
        detail = sanitizeLine(std::string_view(c.state.message).substr(at), 160);
        break;
      }
    }
    d.params["detail"] = detail.empty() ? "invalid reference format" : detail;
    d.confidence = 95;
    d.recommendations.push_back(manual(
        pod, model::ActionKind::ImageFix,
        fmt::format("write the image of container {} as [registry/]repository[:tag]", c.name), "", d.ruleId));
  } else if (reason == "ErrImageNeverPull") {
    d.ruleId = "AIOPS-D205";
    d.confidence = 95;
    model::Recommendation r = manual(
        pod, model::ActionKind::ImageFix,
        fmt::format("let the kubelet pull the image of container {} (imagePullPolicy IfNotPresent)", c.name),
        "", d.ruleId);
    if (auto target = templateTarget(pod)) {
      r.target = target->ref;
      r.patch = containerPatch(*target, c, json::object{{"imagePullPolicy", "IfNotPresent"}});
      r.undo = containerPatch(*target, c, json::object{{"imagePullPolicy", "Never"}});
      r.commands = {model::kubectlPatchCommand(r.target, *r.patch)};
      r.risk = model::Risk::Low;
    }
    d.recommendations.push_back(std::move(r));
  } else {
    std::vector<const EventRecord*> events = pullEvents(ctx, pod, c);
    std::string text = c.state.message;
    for (const EventRecord* e : events)
      text += "\n" + e->message;
    PullClass pull = classifyPull(text);
    if (reason == "RegistryUnavailable" && pull.ruleId == "AIOPS-D206")
      pull = {"AIOPS-D202", "registry unavailable"};
    d.ruleId = pull.ruleId;
    d.confidence = events.empty() && c.state.message.find("Failed to pull") == std::string::npos ? 60 : 90;
    if (pull.ruleId == "AIOPS-D206") {
      d.confidence = 50;
      pull.detail = events.empty() ? "the pull error is not in the events that were read"
                                   : sanitizeLine(events.back()->message, 200);
    }
    d.params["detail"] = pull.detail;
    d.params["secrets"] = pod.imagePullSecrets.empty()
                              ? "; the pod has no imagePullSecrets"
                              : fmt::format("; imagePullSecrets: {}", joinNames(pod.imagePullSecrets));
    if (d.ruleId == "AIOPS-D201") {
      const std::vector<std::string> unused = unreferencedPullSecrets(ctx, pod);
      if (!unused.empty()) {
        d.params["secrets"] +=
            fmt::format(", while registry Secret{} {} in the namespace {} not referenced",
                        unused.size() == 1 ? "" : "s", joinNames(unused), unused.size() == 1 ? "is" : "are");
      }
    }
    for (const EventRecord* e : events)
      d.evidence.push_back(eventEvidence(label, *e));
    for (const EventRecord* e : ctx.podEvents(pod)) {
      if (e->reason == "BackOff" && contains(e->message, "Back-off pulling image \"" + c.image + "\""))
        d.evidence.push_back(eventEvidence(label, *e));
    }
    if (d.ruleId == "AIOPS-D200") {
      if (auto r = previousImage(ctx, pod, c)) d.recommendations.push_back(std::move(*r));
      d.recommendations.push_back(
          manual(pod, model::ActionKind::ImageFix,
                 fmt::format("correct the image reference {} or push that tag", c.image),
                 fmt::format("kubectl -n {} get pod {} -o jsonpath='{{.spec.containers[*].image}}'",
                             pod.namespace_, pod.name),
                 d.ruleId));
    } else if (d.ruleId == "AIOPS-D201") {
      if (auto r = pullSecret(ctx, pod)) d.recommendations.push_back(std::move(*r));
      d.recommendations.push_back(manual(
          pod, model::ActionKind::CreateObject,
          fmt::format("create a registry secret for the registry of {} and reference it in imagePullSecrets",
                      c.image),
          fmt::format("kubectl -n {} create secret docker-registry regcred --docker-server=<registry> "
                      "--docker-username=<user> --docker-password=<token>",
                      pod.namespace_),
          d.ruleId));
    } else if (d.ruleId == "AIOPS-D202") {
      d.recommendations.push_back(manual(
          pod, model::ActionKind::Investigate,
          fmt::format("restore network access from node {} to the registry", d.params["node"]),
          fmt::format("kubectl debug node/{} -it --image=busybox -- nslookup <registry>", d.params["node"]),
          d.ruleId));
    } else if (d.ruleId == "AIOPS-D203") {
      d.recommendations.push_back(
          manual(pod, model::ActionKind::ImageFix,
                 "authenticate image pulls or mirror the image into your own registry", "", d.ruleId));
    } else {
      d.recommendations.push_back(
          manual(pod, model::ActionKind::Investigate, "act on the pull error in the pod's events",
                 fmt::format("kubectl -n {} describe pod {}", pod.namespace_, pod.name), d.ruleId));
    }
  }
  d.causeKey = c.image + "|" + std::string(d.ruleId);
  out.push_back(std::move(d));
}

}  // namespace

void analyzeImagePull(const Context& ctx, Detections& out) {
  for (const PodEvidence& pod : ctx.evidence.pods) {
    if (pod.phase == "Succeeded" || pod.phase == "Failed" || pod.deleted) continue;
    for (const auto* list : {&pod.initContainers, &pod.containers}) {
      for (const ContainerEvidence& c : *list)
        analyzeContainer(ctx, pod, c, out);
    }
  }
}

}  // namespace aiops::diagnose

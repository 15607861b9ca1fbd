// Container configuration (AIOPS-D300-D306): CreateContainerConfigError for a missing ConfigMap, Secret or
// key, runAsNonRoot with an image that runs as root; RunContainerError and CreateContainerError start
// failures; failed lifecycle hooks. The kubelet's messages name the object and key, so the finding does not
// depend on having listed ConfigMaps; when they were listed, their key names add a "did you mean".
#include <fmt/format.h>
#include <re2/re2.h>

#include "diagnose/analyzers.h"

namespace aiops::diagnose {
namespace {

namespace json = boost::json;

std::string between(std::string_view text, std::string_view open, std::string_view close) {
  auto a = text.find(open);
  if (a == std::string_view::npos) return {};
  a += open.size();
  auto b = text.find(close, a);
  if (b == std::string_view::npos) return {};
  return std::string(text.substr(a, b - a));
}

std::vector<std::string> names(const std::vector<ConfigObjectEvidence>& objects, const std::string& ns) {
  std::vector<std::string> out;
  for (const ConfigObjectEvidence& o : objects) {
    if (o.namespace_ == ns) out.push_back(o.name);
  }
  return out;
}

// A patch that points every env var of `c` referring to `from` (of `kind`) at `to` instead; nullopt when the
// container uses the object through envFrom (a list without a merge key, which a patch would replace).
std::optional<model::Recommendation> renameReference(const PodEvidence& pod, const ContainerEvidence& c,
                                                     ConfigRef::Kind kind, const std::string& from,
                                                     const std::string& to, std::string_view runbook) {
  auto target = templateTarget(pod);
  if (!target) return std::nullopt;
  json::array env;
  json::array undo;
  std::string_view refField = kind == ConfigRef::Kind::ConfigMap ? "configMapKeyRef" : "secretKeyRef";
  for (const ConfigRef& ref : c.configRefs) {
    if (ref.kind != kind || ref.name != from) continue;
    if (ref.envName.empty()) return std::nullopt;  // envFrom
    env.push_back(
        json::object{{"name", ref.envName},
                     {"valueFrom", json::object{{refField, json::object{{"name", to}, {"key", ref.key}}}}}});
    undo.push_back(json::object{
        {"name", ref.envName},
        {"valueFrom", json::object{{refField, json::object{{"name", from}, {"key", ref.key}}}}}});
  }
  if (env.empty()) return std::nullopt;
  model::Recommendation r;
  r.action = model::ActionKind::ConfigChange;
  r.target = target->ref;
  r.summary = fmt::format("point container {} at {} {} instead of {}", c.name,
                          kind == ConfigRef::Kind::ConfigMap ? "ConfigMap" : "Secret", to, from);
  r.patch = containerPatch(*target, c, json::object{{"env", std::move(env)}});
  r.undo = containerPatch(*target, c, json::object{{"env", std::move(undo)}});
  r.commands.push_back(model::kubectlPatchCommand(r.target, *r.patch));
  r.expectedOutcome =
      "The kubelet creates the container with the existing object's values on its next retry.";
  r.risk = model::Risk::Medium;
  r.rationale = fmt::format(
      "{} does not exist but {} does, one typo away; check that it holds the intended values.", from, to);
  r.runbook = std::string(runbook);
  return r;
}

model::Recommendation createObject(const PodEvidence& pod, const ContainerEvidence& c, ConfigRef::Kind kind,
                                   const std::string& name, std::string_view runbook) {
  std::vector<std::string> keys;
  for (const ConfigRef& ref : c.configRefs) {
    if (ref.kind == kind && ref.name == name && !ref.key.empty()) keys.push_back(ref.key);
  }
  std::string literals;
  for (const std::string& k : keys)
    literals += fmt::format(" --from-literal={}=<value>", k);
  if (literals.empty()) literals = " --from-literal=<key>=<value>";
  bool configMap = kind == ConfigRef::Kind::ConfigMap;
  model::Recommendation r;
  r.action = model::ActionKind::CreateObject;
  r.target = model::ObjectRef{"v1", configMap ? "ConfigMap" : "Secret", pod.namespace_, name, {}};
  r.summary = fmt::format(
      "create {} {} in namespace {}{}", configMap ? "ConfigMap" : "Secret", name, pod.namespace_,
      keys.empty() ? "" : fmt::format(" with key{} {}", keys.size() == 1 ? "" : "s", joinNames(keys)));
  r.commands.push_back(fmt::format("kubectl -n {} create {} {}{}", pod.namespace_,
                                   configMap ? "configmap" : "secret generic", name, literals));
  r.expectedOutcome = "The kubelet creates the container on its next retry, within seconds.";
  r.risk = model::Risk::Low;
  r.rationale = "Only the values are unknown to the diagnosis; the names come from the pod's own references.";
  r.runbook = std::string(runbook);
  return r;
}

void missingObject(const Context& ctx, const PodEvidence& pod, const ContainerEvidence& c,
                   ConfigRef::Kind kind, const std::string& name, Detection& d) {
  bool configMap = kind == ConfigRef::Kind::ConfigMap;
  d.ruleId = configMap ? "AIOPS-D300" : "AIOPS-D301";
  d.params[configMap ? "configmap" : "secret"] = name;
  d.params["namespace"] = pod.namespace_;
  d.params["hint"] = "";
  d.confidence = 95;
  const auto& objects = configMap ? ctx.evidence.configMaps : ctx.evidence.secrets;
  std::optional<std::string> similar;
  if (ctx.evidence.wasListed(configMap ? "configmaps" : "secrets", pod.namespace_)) {
    similar = didYouMean(name, names(objects, pod.namespace_));
    if (similar)
      d.params["hint"] =
          fmt::format(" ({} {} exists: did you mean it?)", configMap ? "ConfigMap" : "Secret", *similar);
  }
  const Rule& r = rule(d.ruleId);
  if (similar) {
    if (auto rename = renameReference(pod, c, kind, name, *similar, r.slug))
      d.recommendations.push_back(std::move(*rename));
  }
  d.recommendations.push_back(createObject(pod, c, kind, name, r.slug));
}

void missingKey(const Context& ctx, const PodEvidence& pod, ConfigRef::Kind kind, const std::string& name,
                const std::string& key, Detection& d) {
  bool configMap = kind == ConfigRef::Kind::ConfigMap;
  d.ruleId = configMap ? "AIOPS-D302" : "AIOPS-D303";
  d.params[configMap ? "configmap" : "secret"] = name;
  d.params["key"] = key;
  d.params["hint"] = "";
  d.confidence = 95;
  const ConfigObjectEvidence* object =
      configMap ? ctx.configMap(pod.namespace_, name) : ctx.secret(pod.namespace_, name);
  std::optional<std::string> similar;
  if (object != nullptr) {
    similar = didYouMean(key, object->keys);
    d.params["hint"] =
        fmt::format(" (its keys: {}{})", object->keys.empty() ? "none" : joinNames(object->keys, 8),
                    similar ? fmt::format("; did you mean {}?", *similar) : "");
    d.evidence.push_back(model::EvidenceItem::field(
        fmt::format("{} {}/{}", configMap ? "ConfigMap" : "Secret", pod.namespace_, name),
        configMap ? "data" : "data (key names)", joinNames(object->keys, 20)));
  }
  model::Recommendation r;
  r.action = model::ActionKind::ConfigChange;
  r.target = model::ObjectRef{"v1", configMap ? "ConfigMap" : "Secret", pod.namespace_, name, {}};
  r.summary = fmt::format("add key {} to {} {}{}", key, configMap ? "ConfigMap" : "Secret", name,
                          similar ? fmt::format(", or reference the existing key {} instead", *similar) : "");
  r.commands.push_back(fmt::format(
      "kubectl -n {} patch {} {} --type merge -p '{{\"{}\":{{\"{}\":\"<value>\"}}}}'", pod.namespace_,
      configMap ? "configmap" : "secret", name, configMap ? "data" : "stringData", key));
  r.expectedOutcome = "The kubelet creates the container on its next retry, within seconds.";
  r.risk = model::Risk::Low;
  r.rationale = "The container's reference names the key; only its value is unknown to the diagnosis.";
  r.runbook = std::string(rule(d.ruleId).slug);
  d.recommendations.push_back(std::move(r));
}

void runAsNonRoot(const PodEvidence& pod, const ContainerEvidence& c, const std::string& message,
                  Detection& d) {
  d.ruleId = "AIOPS-D304";
  d.confidence = 95;
  std::string user = "root";
  std::string nonNumeric = between(message, "non-numeric user (", ")");
  if (!nonNumeric.empty())
    user = fmt::format("the non-numeric user {}, which cannot be verified", nonNumeric);
  d.params["user"] = user;
  model::Recommendation r;
  r.action = model::ActionKind::ConfigChange;
  r.target = topOwnerRef(pod);
  r.summary = fmt::format("run container {} as a non-root UID (securityContext.runAsUser: 1000)", c.name);
  r.expectedOutcome =
      "The kubelet verifies the non-root UID and starts the container; files the image owns by root "
      "may need fsGroup or a rebuilt image.";
  r.risk = model::Risk::Medium;
  r.rationale =
      "runAsNonRoot needs a numeric non-zero user; 1000 is a conventional unprivileged UID. Rebuilding the "
      "image with USER <uid> is the lasting fix.";
  r.runbook = std::string(rule(d.ruleId).slug);
  if (auto target = templateTarget(pod)) {
    r.target = target->ref;
    r.patch =
        containerPatch(*target, c, json::object{{"securityContext", json::object{{"runAsUser", 1000}}}});
    r.undo =
        containerPatch(*target, c, json::object{{"securityContext", json::object{{"runAsUser", nullptr}}}});
    r.commands.push_back(model::kubectlPatchCommand(r.target, *r.patch));
  }
  d.recommendations.push_back(std::move(r));
}

void runtimeFailure(const Context& ctx, const PodEvidence& pod, const ContainerEvidence& c,
                    const std::string& reason, const std::string& message, Detection& d) {
  StartFailure f = classifyStartFailure(message);
  d.ruleId = f.ruleId;
  d.confidence = f.ruleId == "AIOPS-D305" ? 75 : 95;
  d.params["reason"] = reason;
  d.params["detail"] = sanitizeLine(message, 200);
  d.params["loop"] = loopPhrase(pod, c);
  d.params["command"] = f.command.empty() ? "its command" : f.command;
  d.params["arch"] = "unknown";
  if (const NodeEvidence* n = ctx.node(pod.nodeName)) {
    if (auto it = n->labels.find("kubernetes.io/arch"); it != n->labels.end()) d.params["arch"] = it->second;
  }
  model::Recommendation r;
  r.action = f.ruleId == "AIOPS-D305" ? model::ActionKind::Investigate : model::ActionKind::ConfigChange;
  r.target = topOwnerRef(pod);
  r.summary = f.ruleId == "AIOPS-D305"
                  ? fmt::format("act on the runtime's error for container {}", c.name)
                  : fmt::format("correct the command of container {} or its image", c.name);
  r.commands.push_back(fmt::format("kubectl -n {} describe pod {}", pod.namespace_, pod.name));
  r.expectedOutcome = "The runtime starts the container once the spec or image is corrected.";
  r.risk = model::Risk::Low;
  r.rationale = "The runtime's message names what failed; the change itself needs the image's author.";
  r.runbook = std::string(rule(d.ruleId).slug);
  d.recommendations.push_back(std::move(r));
}

void analyzeContainer(const Context& ctx, const PodEvidence& pod, const ContainerEvidence& c,
                      Detections& out) {
  if (!c.state.waiting()) return;
  const std::string& reason = c.state.reason;
  const std::string& message = c.state.message;
  bool config = reason == "CreateContainerConfigError";
  bool runtime = reason == "RunContainerError" || reason == "CreateContainerError" ||
                 reason == "PreCreateHookError" || reason == "PreStartHookError";
  bool hook = reason == "PostStartHookError";
  if (!config && !runtime && !hook) return;
  // The kubelet retries; a pod only seconds old may be waiting for an object created in the same release.
  if (ctx.age(pod.created) < ctx.options.startupGrace) return;

  Detection d;
  d.pod = &pod;
  d.container = c.name;
  d.params = {
      {"container", c.name}, {"image", c.image}, {"node", pod.nodeName.empty() ? "unknown" : pod.nodeName}};
  std::string label = podLabel(pod);
  d.evidence.push_back(
      model::EvidenceItem::field(label,
                                 fmt::format("status.{}[{}].state.waiting",
                                             c.init ? "initContainerStatuses" : "containerStatuses", c.name),
                                 fmt::format("{}: {}", reason, sanitizeLine(message, 400))));
  for (const EventRecord* e : ctx.podEvents(pod)) {
    if (e->type == "Warning" && (e->reason == "Failed" || e->reason == "FailedPostStartHook") &&
        (eventContainer(*e).empty() || eventContainer(*e) == c.name) &&
        !startsWith(e->message, "Failed to pull image"))
      d.evidence.push_back(eventEvidence(label, *e));
  }

  std::string name;
  std::string key;
  std::string ns;
  // The kubelet's wording (pkg/kubelet/kubelet_pods.go); compiled once.
  static const RE2 kConfigMap(R"re(configmap "([^"]+)" not found)re");
  static const RE2 kSecret(R"re(secret "([^"]+)" not found)re");
  static const RE2 kConfigMapKey(R"((?i)couldn't find key (\S+) in ConfigMap ([^/\s]+)/(\S+))");
  static const RE2 kSecretKey(R"((?i)couldn't find key (\S+) in Secret ([^/\s]+)/(\S+))");
  if (config) {
    if (RE2::PartialMatch(message, kConfigMap, &name)) {
      missingObject(ctx, pod, c, ConfigRef::Kind::ConfigMap, name, d);
    } else if (RE2::PartialMatch(message, kSecret, &name)) {
      missingObject(ctx, pod, c, ConfigRef::Kind::Secret, name, d);
    } else if (RE2::PartialMatch(message, kConfigMapKey, &key, &ns, &name)) {
      missingKey(ctx, pod, ConfigRef::Kind::ConfigMap, name, key, d);
    } else if (RE2::PartialMatch(message, kSecretKey, &key, &ns, &name)) {
      missingKey(ctx, pod, ConfigRef::Kind::Secret, name, key, d);
    } else if (contains(message, "container has runAsNonRoot and image")) {
      runAsNonRoot(pod, c, message, d);
    } else {
      runtimeFailure(ctx, pod, c, reason, message, d);
    }
  } else if (hook) {
    d.ruleId = "AIOPS-D306";
    d.confidence = 85;
    d.params["hook"] = "postStart";
    d.params["detail"] = sanitizeLine(message, 200);
    model::Recommendation r;
    r.action = model::ActionKind::ConfigChange;
    r.target = topOwnerRef(pod);
    r.summary = fmt::format("fix or remove the postStart hook of container {}", c.name);
    r.expectedOutcome = "The container starts without being killed by its hook.";
    r.risk = model::Risk::Medium;
    r.rationale = "A failed postStart hook kills the container whatever the application does.";
    r.runbook = std::string(rule(d.ruleId).slug);
    d.recommendations.push_back(std::move(r));
  } else {
    runtimeFailure(ctx, pod, c, reason, message, d);
  }
  d.causeKey = fmt::format("{}|{}|{}", d.ruleId, name, key);
  out.push_back(std::move(d));
}

}  // namespace

void analyzeConfigErrors(const Context& ctx, Detections& out) {
  for (const PodEvidence& pod : ctx.evidence.pods) {
    if (pod.phase == "Succeeded" || pod.phase == "Failed" || pod.deleted) continue;
    for (const auto* list : {&pod.initContainers, &pod.containers}) {
      for (const ContainerEvidence& c : *list)
        analyzeContainer(ctx, pod, c, out);
    }
  }
}

}  // namespace aiops::diagnose

// Scheduling and claims (AIOPS-D400-D409, D500, D501, D505): a Pending pod's FailedScheduling message split
// into its sub-causes, and the PersistentVolumeClaims that keep pods unscheduled (missing StorageClass via
// ProvisioningFailed, other provisioning failures, lost claims).
//
// The scheduler's message is a histogram: "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had
// untolerated taint {node-role.kubernetes.io/control-plane: }. preemption: ...". Each entry becomes its own
// detection; the one that covers the most nodes is primary, except that control-plane taints (expected on
// every cluster) rank below everything else.
#include <fmt/format.h>

#include <cstdlib>

#include "diagnose/analyzers.h"

namespace aiops::diagnose {
namespace {

namespace json = boost::json;

struct Item {
  std::int64_t count = 0;
  std::string reason;
};

struct FitMessage {
  std::int64_t total = 0;
  std::vector<Item> items;
};

FitMessage parseFitMessage(const std::string& message) {
  FitMessage fit;
  static constexpr std::string_view kMarker = " nodes are available: ";
  auto at = message.find(kMarker);
  if (at == std::string::npos) {
    fit.items.push_back(Item{0, message});
    return fit;
  }
  auto slash = message.rfind('/', at);
  if (slash != std::string::npos) fit.total = std::atoll(message.c_str() + slash + 1);
  std::string body = message.substr(at + kMarker.size());
  if (auto p = body.find(" preemption: "); p != std::string::npos) body.resize(p);
  while (!body.empty() && (body.back() == '.' || body.back() == ' '))
    body.pop_back();
  if (body.empty() || !std::isdigit(static_cast<unsigned char>(body.front()))) {
    fit.items.push_back(Item{fit.total, body});  // a PreFilter message covers every node
    return fit;
  }
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t end = body.find(", ", start);
    if (end == std::string::npos) end = body.size();
    std::string part = body.substr(start, end - start);
    char* rest = nullptr;
    long long count = std::strtoll(part.c_str(), &rest, 10);
    std::string reason = rest != nullptr ? std::string(rest) : part;
    while (!reason.empty() && reason.front() == ' ')
      reason.erase(0, 1);
    fit.items.push_back(Item{count, reason});
    start = end + 2;
  }
  return fit;
}

Quantity podRequest(const PodEvidence& pod, const std::string& resource) {
  Quantity sum;
  for (const ContainerEvidence& c : pod.containers) {
    if (auto it = c.requests.find(resource); it != c.requests.end()) sum += it->second;
  }
  Quantity initMax;
  for (const ContainerEvidence& c : pod.initContainers) {
    auto it = c.requests.find(resource);
    if (it == c.requests.end()) continue;
    if (c.sidecar) {
      sum += it->second;
    } else if (it->second > initMax) {
      initMax = it->second;
    }
  }
  return initMax > sum ? initMax : sum;
}

std::string showQuantity(const std::string& resource, const Quantity& q) {
  return resource == "memory" ? formatMemory(q) : q.toString();
}

model::Recommendation advice(const PodEvidence& pod, model::ActionKind action, std::string summary,
                             std::vector<std::string> commands, model::Risk risk, std::string rationale,
                             std::string_view ruleId) {
  model::Recommendation r;
  r.action = action;
  r.target = topOwnerRef(pod);
  r.summary = std::move(summary);
  r.commands = std::move(commands);
  r.expectedOutcome = "The scheduler places the pod within seconds of the change.";
  r.risk = risk;
  r.rationale = std::move(rationale);
  r.runbook = std::string(rule(ruleId).slug);
  return r;
}

void insufficient(const Context& ctx, const PodEvidence& pod, const std::string& resource, Detection& d) {
  Quantity requested = podRequest(pod, resource);
  d.params["requested"] = showQuantity(resource, requested);
  d.params["fit"] = "";
  std::optional<Quantity> largest;
  for (const NodeEvidence& n : ctx.evidence.nodes) {
    auto it = n.allocatable.find(resource);
    if (it != n.allocatable.end() && (!largest || it->second > *largest)) largest = it->second;
  }
  bool never = largest && requested > *largest;
  if (never)
    d.params["fit"] =
        fmt::format("; no node has that much allocatable (largest: {})", showQuantity(resource, *largest));
  std::string what = resource == "cpu" ? "CPU" : resource;
  if (never) {
    d.confidence = 95;
    d.recommendations.push_back(advice(
        pod, model::ActionKind::ResourceDecrease,
        fmt::format("lower the {} request of {} below {}, or add nodes with more than {} allocatable", what,
                    topOwnerRef(pod).display(), showQuantity(resource, *largest), d.params["requested"]),
        {"kubectl describe nodes | grep -A 8 'Allocated resources'"}, model::Risk::Medium,
        "The request exceeds every node's allocatable capacity, so no amount of waiting schedules it.",
        d.ruleId));
  } else {
    d.recommendations.push_back(
        advice(pod, model::ActionKind::Scaling,
               fmt::format("add node capacity, or lower the {} request ({}) of {}", what,
                           d.params["requested"], topOwnerRef(pod).display()),
               {"kubectl describe nodes | grep -A 8 'Allocated resources'",
                fmt::format("kubectl -n {} top pod --containers", pod.namespace_)},
               model::Risk::Medium,
               "Nodes are large enough but their capacity is already requested by other pods.", d.ruleId));
  }
}

bool requirementMatches(const NodeSelectorRequirement& r, const NodeEvidence& n) {
  std::optional<std::string> value;
  if (r.field) {
    if (r.key == "metadata.name") value = n.name;
  } else if (auto it = n.labels.find(r.key); it != n.labels.end()) {
    value = it->second;
  }
  const bool listed = value && std::find(r.values.begin(), r.values.end(), *value) != r.values.end();
  if (r.op == "In") return listed;
  if (r.op == "NotIn") return !listed;
  if (r.op == "Exists") return value.has_value();
  if (r.op == "DoesNotExist") return !value.has_value();
  if ((r.op == "Gt" || r.op == "Lt") && value && r.values.size() == 1) {
    char* end = nullptr;
    const long long have = std::strtoll(value->c_str(), &end, 10);
    if (end == value->c_str() || *end != '\0') return false;
    const long long bound = std::strtoll(r.values.front().c_str(), &end, 10);
    if (end == r.values.front().c_str() || *end != '\0') return false;
    return r.op == "Gt" ? have > bound : have < bound;
  }
  return false;
}

// Whether the pod restricts its nodes by nodeSelector or required node affinity.
bool constrained(const PodEvidence& pod) {
  return !pod.nodeSelector.empty() || !pod.requiredNodeAffinity.empty();
}

// Whether the pod's nodeSelector and required node affinity admit node `n`, taints aside. The affinity's
// terms are ORed, the requirements of a term ANDed, and an empty term matches no node.
bool placementAdmits(const PodEvidence& pod, const NodeEvidence& n) {
  for (const auto& [key, value] : pod.nodeSelector) {
    auto it = n.labels.find(key);
    if (it == n.labels.end() || it->second != value) return false;
  }
  if (pod.requiredNodeAffinity.empty()) return true;
  return std::any_of(
      pod.requiredNodeAffinity.begin(), pod.requiredNodeAffinity.end(), [&](const NodeSelectorTerm& term) {
        return !term.empty() &&
               std::all_of(term.begin(), term.end(), [&](const auto& r) { return requirementMatches(r, n); });
      });
}

struct TaintName {
  std::string text;  // "{key: value}", as the scheduler writes it
  std::string key;
  std::string value;
};

TaintName taintOf(const std::string& reason) {
  auto open = reason.find('{');
  auto close = reason.rfind('}');
  TaintName t;
  t.text = open != std::string::npos && close != std::string::npos && close > open
               ? reason.substr(open, close - open + 1)
               : reason;
  std::string inner = t.text.size() >= 2 ? t.text.substr(1, t.text.size() - 2) : t.text;
  t.key = inner.substr(0, inner.find(':'));
  t.value = inner.find(": ") != std::string::npos ? inner.substr(inner.find(": ") + 2) : "";
  return t;
}

std::vector<const NodeEvidence*> nodesWithTaint(const Context& ctx, const TaintName& taint) {
  std::vector<const NodeEvidence*> nodes;
  for (const NodeEvidence& n : ctx.evidence.nodes) {
    if (std::any_of(n.taints.begin(), n.taints.end(),
                    [&](const kube::Taint& t) { return t.key == taint.key && t.value == taint.value; }))
      nodes.push_back(&n);
  }
  return nodes;
}

bool isTaintItem(const std::string& reason) {
  return contains(reason, "untolerated taint") ||
         (contains(reason, "taint") && contains(reason, "didn't tolerate"));
}

bool isPlacementItem(const std::string& reason) {
  return contains(reason, "node affinity") || contains(reason, "node selector");
}

// A taint on nodes that the pod's selector or affinity excludes anyway explains nothing: tolerating it would
// not place the pod there. The scheduler names one reason per node, its first failing filter, and
// TaintToleration runs before NodeAffinity; so such nodes are counted where they belong, as not matching
// the selector. Only when every node the scheduler counted for the taint is known and excluded.
void moveExcludedTaints(const Context& ctx, const PodEvidence& pod, FitMessage& fit) {
  if (!constrained(pod)) return;
  std::int64_t moved = 0;
  std::vector<Item> kept;
  for (const Item& item : fit.items) {
    if (isTaintItem(item.reason)) {
      const std::vector<const NodeEvidence*> tainted = nodesWithTaint(ctx, taintOf(item.reason));
      const bool excluded = !tainted.empty() && static_cast<std::int64_t>(tainted.size()) >= item.count &&
                            std::none_of(tainted.begin(), tainted.end(),
                                         [&](const NodeEvidence* n) { return placementAdmits(pod, *n); });
      if (excluded) {
        moved += item.count;
        continue;
      }
    }
    kept.push_back(item);
  }
  if (moved == 0) return;
  auto placement =
      std::find_if(kept.begin(), kept.end(), [](const Item& i) { return isPlacementItem(i.reason); });
  if (placement != kept.end()) {
    placement->count += moved;
  } else {
    kept.push_back(Item{moved, "node(s) didn't match Pod's node affinity/selector"});
  }
  fit.items = std::move(kept);
}

// What a pod's template says about tolerations: the workload's own list when it was read; otherwise the
// pod's without those admission adds to every pod (DefaultTolerationSeconds: not-ready and unreachable,
// NoExecute for 300 s), which the template must not gain.
std::vector<Toleration> templateTolerations(const Context& ctx, const PodEvidence& pod,
                                            const TemplateTarget& target) {
  if (const WorkloadEvidence* w = ctx.workload(target.ref.kind, pod.namespace_, target.ref.name);
      w != nullptr && w->hasTemplate)
    return w->templateTolerations;
  std::vector<Toleration> out;
  for (const Toleration& t : pod.tolerations) {
    const bool admitted =
        (t.key == "node.kubernetes.io/not-ready" || t.key == "node.kubernetes.io/unreachable") &&
        t.op == "Exists" && t.effect == "NoExecute" && t.tolerationSeconds == 300;
    if (!admitted) out.push_back(t);
  }
  return out;
}

bool isControlPlaneTaint(const std::string& reason) {
  return contains(reason, "{node-role.kubernetes.io/control-plane:") ||
         contains(reason, "{node-role.kubernetes.io/master:");
}

void taint(const Context& ctx, const PodEvidence& pod, const std::string& reason, Detection& d) {
  const TaintName name = taintOf(reason);
  const std::string& taint = name.text;
  const std::string& key = name.key;
  const std::string& value = name.value;
  d.params["taint"] = taint;
  d.params["note"] = "";
  bool controlPlane = isControlPlaneTaint(reason);
  // A taint usually reserves nodes on purpose, so it explains less than a full or mismatched node; unless
  // the tainted node is the one the pod's node selector asks for, when the missing toleration is the cause.
  d.rankAdjust = controlPlane ? 10 : 5;
  std::string effect;
  std::vector<std::string> tainted;
  for (const NodeEvidence* n : nodesWithTaint(ctx, name)) {
    tainted.push_back(n->name);
    for (const kube::Taint& t : n->taints) {
      if (t.key == key && t.value == value) effect = t.effect;
    }
    if (constrained(pod) && placementAdmits(pod, *n)) d.rankAdjust = -2;
    // A taint the node lifecycle controller sets from a node's condition is that node's problem: the
    // finding about the node (NotReady, pressure) is the cause, this one its consequence.
    if (startsWith(key, "node.kubernetes.io/")) d.dependsOn.push_back(ObjectKey{"Node", "", n->name});
  }
  if (!tainted.empty() &&
      (key == "node.kubernetes.io/not-ready" || key == "node.kubernetes.io/unreachable")) {
    d.params["note"] = fmt::format(" (the node lifecycle controller sets it on {} node{} {})",
                                   key == "node.kubernetes.io/not-ready" ? "NotReady" : "unreachable",
                                   tainted.size() == 1 ? "" : "s", joinNames(tainted));
  }
  auto target = templateTarget(pod);
  if (controlPlane || startsWith(key, "node.kubernetes.io/") || !target) {
    d.recommendations.push_back(
        advice(pod, model::ActionKind::Investigate, fmt::format("check why nodes carry taint {}", taint),
               {"kubectl get nodes -o custom-columns=NAME:.metadata.name,TAINTS:.spec.taints"},
               model::Risk::Low, "Tolerating a system or control-plane taint is rarely right.", d.ruleId));
    return;
  }
  json::array tolerations;
  json::array previous;
  for (const Toleration& t : templateTolerations(ctx, pod, *target)) {
    json::object o;
    if (!t.key.empty()) o["key"] = t.key;
    if (!t.op.empty()) o["operator"] = t.op;
    if (!t.value.empty()) o["value"] = t.value;
    if (!t.effect.empty()) o["effect"] = t.effect;
    if (t.tolerationSeconds) o["tolerationSeconds"] = *t.tolerationSeconds;
    tolerations.push_back(o);
    previous.push_back(o);
  }
  json::object added{{"key", key}, {"operator", "Equal"}, {"value", value}};
  if (!effect.empty()) added["effect"] = effect;
  tolerations.push_back(added);
  model::Recommendation r =
      advice(pod, model::ActionKind::SchedulingChange,
             fmt::format("let {} tolerate taint {}", target->ref.display(), taint), {}, model::Risk::Medium,
             "Tolerations are a list without a merge key, so the patch repeats the existing ones.", d.ruleId);
  r.target = target->ref;
  r.patch = podSpecPatch(*target, json::object{{"tolerations", tolerations}});
  r.undo = podSpecPatch(*target, json::object{{"tolerations", previous.empty() ? json::value(nullptr)
                                                                               : json::value(previous)}});
  r.commands.push_back(model::kubectlPatchCommand(r.target, *r.patch));
  r.expectedOutcome =
      "The pods may run on the tainted nodes and are scheduled within seconds; only do this if the "
      "workload belongs there.";
  d.recommendations.push_back(std::move(r));
}

void analyzePending(const Context& ctx, const PodEvidence& pod, Detections& out) {
  auto scheduled = std::find_if(pod.conditions.begin(), pod.conditions.end(),
                                [](const Condition& c) { return c.type == "PodScheduled"; });
  std::string label = podLabel(pod);
  if (scheduled != pod.conditions.end() && scheduled->reason == "SchedulingGated") {
    Detection d;
    d.ruleId = "AIOPS-D409";
    d.pod = &pod;
    d.confidence = 90;
    d.params = {{"pod", pod.name},
                {"gates", pod.schedulingGates.empty() ? "(unknown)" : joinNames(pod.schedulingGates)}};
    d.causeKey = d.params["gates"];
    d.evidence.push_back(
        model::EvidenceItem::field(label, "status.conditions[PodScheduled]",
                                   fmt::format("False SchedulingGated: {}", scheduled->message)));
    d.recommendations.push_back(
        advice(pod, model::ActionKind::Investigate, "check the controller that owns the scheduling gates",
               {fmt::format("kubectl -n {} get pod {} -o jsonpath='{{.spec.schedulingGates}}'",
                            pod.namespace_, pod.name)},
               model::Risk::Low, "Removing a gate by hand bypasses its controller.", d.ruleId));
    out.push_back(std::move(d));
    return;
  }
  std::string message;
  const EventRecord* newest = nullptr;
  for (const EventRecord* e : ctx.podEvents(pod)) {
    if (e->reason == "FailedScheduling") newest = e;
  }
  if (scheduled != pod.conditions.end() && scheduled->status == "False" && !scheduled->message.empty()) {
    message = scheduled->message;
  } else if (newest != nullptr) {
    message = newest->message;
  } else {
    return;
  }

  FitMessage fit = parseFitMessage(message);
  moveExcludedTaints(ctx, pod, fit);
  std::int64_t total = fit.total > 0 ? fit.total : static_cast<std::int64_t>(ctx.evidence.nodes.size());
  for (const Item& item : fit.items) {
    // Control-plane nodes are tainted on purpose: they explain nothing unless they are all there is.
    if (fit.items.size() > 1 && isControlPlaneTaint(item.reason)) continue;
    Detection d;
    d.pod = &pod;
    d.weight = item.count;
    d.confidence = 90;
    d.params = {{"pod", pod.name},
                {"count", std::to_string(item.count)},
                {"total", std::to_string(total)},
                {"detail", item.reason},
                {"reason", item.reason}};
    d.causeKey = item.reason;
    if (newest != nullptr) d.evidence.push_back(eventEvidence(label, *newest));
    if (scheduled != pod.conditions.end())
      d.evidence.push_back(
          model::EvidenceItem::field(label, "status.conditions[PodScheduled]",
                                     fmt::format("{} {}", scheduled->status, scheduled->reason)));
    const std::string& r = item.reason;
    if (startsWith(r, "Insufficient cpu")) {
      d.ruleId = "AIOPS-D400";
      insufficient(ctx, pod, "cpu", d);
    } else if (startsWith(r, "Insufficient memory")) {
      d.ruleId = "AIOPS-D401";
      insufficient(ctx, pod, "memory", d);
    } else if (startsWith(r, "Insufficient ") || startsWith(r, "Too many pods")) {
      d.ruleId = "AIOPS-D402";
      d.recommendations.push_back(
          advice(pod, model::ActionKind::Scaling, fmt::format("add nodes that have room ({})", r),
                 {"kubectl describe nodes | grep -A 8 'Allocated resources'"}, model::Risk::Medium,
                 "Every candidate node is full for this resource.", d.ruleId));
    } else if (isTaintItem(r)) {
      d.ruleId = "AIOPS-D403";
      taint(ctx, pod, r, d);
    } else if (isPlacementItem(r)) {
      d.ruleId = "AIOPS-D404";
      std::vector<std::string> pairs;
      std::vector<std::string> commands;
      for (const auto& [k, v] : pod.nodeSelector) {
        pairs.push_back(fmt::format("{}={}", k, v));
        commands.push_back(fmt::format("kubectl get nodes -l {}={}", k, v));
      }
      d.params["selector"] = pairs.empty() ? (pod.hasNodeAffinity ? " (required node affinity)" : "")
                                           : fmt::format(" (nodeSelector {})", joinNames(pairs));
      commands.push_back("kubectl get nodes --show-labels");
      d.recommendations.push_back(advice(
          pod, model::ActionKind::SchedulingChange,
          "correct the node selector or affinity, or label the nodes meant to run the pod", commands,
          model::Risk::Medium,
          "Which side is wrong (the selector or the node labels) is a decision for the owner.", d.ruleId));
    } else if (contains(r, "PersistentVolumeClaim") || contains(r, "persistentvolumeclaim") ||
               contains(r, "persistent volumes to bind")) {
      d.ruleId = "AIOPS-D405";
      std::vector<std::string> problems;
      for (const VolumeRef& v : pod.volumes) {
        if (v.source != "persistentVolumeClaim") continue;
        const PvcEvidence* claim = ctx.pvc(pod.namespace_, v.object);
        if (claim == nullptr) {
          if (ctx.evidence.wasListed("persistentvolumeclaims", pod.namespace_))
            problems.push_back(fmt::format("PersistentVolumeClaim {} does not exist", v.object));
          continue;
        }
        if (claim->phase == "Bound") continue;
        problems.push_back(fmt::format("PersistentVolumeClaim {} is {} and not bound to a volume", v.object,
                                       claim->phase.empty() ? "Pending" : claim->phase));
        d.dependsOn.push_back(ObjectKey{"PersistentVolumeClaim", pod.namespace_, v.object});
      }
      d.params["detail"] = problems.empty() ? r : joinNames(problems);
      d.recommendations.push_back(advice(pod, model::ActionKind::Investigate,
                                         "get the pod's PersistentVolumeClaims bound (see their events)",
                                         {fmt::format("kubectl -n {} get pvc", pod.namespace_)},
                                         model::Risk::Low, "The claim's own events say why it is not bound.",
                                         d.ruleId));
    } else if (contains(r, "free ports")) {
      d.ruleId = "AIOPS-D406";
      std::vector<std::string> ports;
      for (const ContainerEvidence& c : pod.containers) {
        for (const ContainerPort& p : c.ports) {
          if (p.hostPort > 0) ports.push_back(std::to_string(p.hostPort));
        }
      }
      d.params["port"] = ports.empty() ? "(unknown)" : joinNames(ports);
      d.recommendations.push_back(
          advice(pod, model::ActionKind::SchedulingChange,
                 fmt::format("drop hostPort {} and expose the pods through a Service, or run at "
                             "most one pod per node",
                             d.params["port"]),
                 {}, model::Risk::Medium, "Only one pod per node can hold a host port.", d.ruleId));
    } else if (contains(r, "were unschedulable") || contains(r, "unschedulable")) {
      d.ruleId = "AIOPS-D407";
      model::Recommendation rec =
          advice(pod, model::ActionKind::NodeUncordon, "uncordon the nodes whose maintenance is finished", {},
                 model::Risk::Medium, "Cordoned nodes take no new pods until uncordoned.", d.ruleId);
      for (const NodeEvidence& n : ctx.evidence.nodes) {
        if (n.unschedulable) rec.commands.push_back(fmt::format("kubectl uncordon {}", n.name));
      }
      if (rec.commands.empty()) rec.commands.push_back("kubectl get nodes");
      d.recommendations.push_back(std::move(rec));
    } else {
      d.ruleId = "AIOPS-D408";
      d.confidence = 75;
      d.recommendations.push_back(
          advice(pod, model::ActionKind::Investigate,
                 "relax the scheduling constraint the scheduler names, or add nodes that meet it",
                 {fmt::format("kubectl -n {} describe pod {}", pod.namespace_, pod.name)}, model::Risk::Low,
                 "The constraint is part of the workload's design.", d.ruleId));
    }
    out.push_back(std::move(d));
  }
}

void analyzeClaim(const Context& ctx, const PvcEvidence& pvc, Detections& out) {
  Detection d;
  d.object = model::ObjectRef{"v1", "PersistentVolumeClaim", pvc.namespace_, pvc.name, {}};
  d.params = {{"claim", pvc.name}, {"volume", pvc.volumeName}};
  std::string label = fmt::format("PersistentVolumeClaim {}/{}", pvc.namespace_, pvc.name);
  if (pvc.phase == "Lost") {
    d.ruleId = "AIOPS-D505";
    d.confidence = 95;
    d.evidence.push_back(model::EvidenceItem::field(label, "status.phase", "Lost"));
  } else if (pvc.phase == "Pending" || pvc.phase.empty()) {
    const EventRecord* failed = nullptr;
    for (const EventRecord& e : ctx.events("PersistentVolumeClaim", pvc.namespace_, pvc.name)) {
      if (e.reason == "ProvisioningFailed" ||
          (e.reason == "FailedBinding" && contains(e.message, "no storage class")))
        failed = &e;
    }
    std::string className;
    static const std::string_view kNotFound = "storageclass.storage.k8s.io \"";
    if (failed != nullptr && contains(failed->message, kNotFound)) {
      auto start = failed->message.find(kNotFound) + kNotFound.size();
      className = failed->message.substr(start, failed->message.find('"', start) - start);
    } else if (failed == nullptr && pvc.storageClassSet && !pvc.storageClassName.empty() &&
               ctx.evidence.wasListed("storageclasses", "") &&
               ctx.storageClass(pvc.storageClassName) == nullptr) {
      className = pvc.storageClassName;
    }
    if (!className.empty()) {
      d.ruleId = "AIOPS-D500";
      d.confidence = 95;
      d.params["storageclass"] = className;
      std::vector<std::string> available;
      std::string defaultClass;
      for (const StorageClassEvidence& sc : ctx.evidence.storageClasses) {
        available.push_back(sc.isDefault ? sc.name + " (default)" : sc.name);
        if (sc.isDefault) defaultClass = sc.name;
      }
      if (defaultClass.empty() && ctx.evidence.storageClasses.size() == 1)
        defaultClass = ctx.evidence.storageClasses.front().name;
      d.params["hint"] = available.empty() ? "" : fmt::format("; available: {}", joinNames(available));
      model::Recommendation r;
      r.runbook = std::string(rule(d.ruleId).slug);
      r.target = d.object;
      if (!defaultClass.empty()) {
        r.action = model::ActionKind::ConfigChange;
        r.summary =
            fmt::format("recreate PersistentVolumeClaim {} with storageClassName {}", pvc.name, defaultClass);
        r.commands = {
            fmt::format("kubectl -n {} get pvc {} -o yaml > {}.yaml", pvc.namespace_, pvc.name, pvc.name),
            fmt::format("sed -i 's/storageClassName: {}/storageClassName: {}/' {}.yaml", className,
                        defaultClass, pvc.name),
            fmt::format("kubectl -n {} delete pvc {}", pvc.namespace_, pvc.name),
            fmt::format("kubectl -n {} apply -f {}.yaml", pvc.namespace_, pvc.name)};
        r.risk = model::Risk::Medium;
        r.rationale =
            "storageClassName cannot be changed on an existing claim; a Pending claim holds no data, so "
            "recreating it loses nothing.";
      } else {
        r.action = model::ActionKind::CreateObject;
        r.summary =
            fmt::format("create StorageClass {} or recreate the claim with an existing class", className);
        r.commands = {"kubectl get storageclass"};
        r.risk = model::Risk::Medium;
        r.rationale = "No existing StorageClass is an obvious replacement.";
      }
      r.expectedOutcome =
          "The provisioner creates a volume and the claim binds; pods waiting for it are scheduled.";
      d.recommendations.push_back(std::move(r));
    } else if (failed != nullptr) {
      d.ruleId = "AIOPS-D501";
      d.confidence = 85;
      d.params["detail"] = sanitizeLine(failed->message, 200);
      model::Recommendation r;
      r.action = model::ActionKind::Investigate;
      r.target = d.object;
      r.summary = "act on the provisioner's error in the claim's events";
      r.commands = {fmt::format("kubectl -n {} describe pvc {}", pvc.namespace_, pvc.name)};
      r.expectedOutcome = "The claim binds once the provisioner succeeds.";
      r.risk = model::Risk::Low;
      r.rationale = "Provisioning errors depend on the storage backend.";
      r.runbook = std::string(rule(d.ruleId).slug);
      d.recommendations.push_back(std::move(r));
    } else {
      return;
    }
    if (failed != nullptr) d.evidence.push_back(eventEvidence(label, *failed));
    d.evidence.push_back(model::EvidenceItem::field(
        label, "spec.storageClassName", pvc.storageClassSet ? pvc.storageClassName : "(not set)"));
  } else {
    return;
  }
  d.causeKey = d.params["storageclass"];
  out.push_back(std::move(d));
}

}  // namespace

void analyzeScheduling(const Context& ctx, Detections& out) {
  for (const PodEvidence& pod : ctx.evidence.pods) {
    if (pod.phase != "Pending" || !pod.nodeName.empty() || pod.deleted) continue;
    if (ctx.age(pod.created) < ctx.options.startupGrace) continue;  // the scheduler may still be retrying
    analyzePending(ctx, pod, out);
  }
  for (const PvcEvidence& pvc : ctx.evidence.pvcs)
    analyzeClaim(ctx, pvc, out);
}

}  // namespace aiops::diagnose

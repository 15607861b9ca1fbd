// The scheduler core: PreFilter, Filter, preemption and scoring of kube-scheduler 1.32 (see scheduler.h).
#include "scheduler.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "resource_quantity.h"

namespace kubesim::controllers {

namespace {

using ResourceMap = std::map<std::string, std::int64_t, std::less<>>;

constexpr std::int64_t kDefaultMilliCpuRequest = 100;                            // 100m
constexpr std::int64_t kDefaultMemoryRequestMilli = 200LL * 1024 * 1024 * 1000;  // 200Mi

constexpr std::string_view kReasonUnschedulable = "node(s) were unschedulable";
constexpr std::string_view kReasonAffinity = "node(s) didn't match Pod's node affinity/selector";
constexpr std::string_view kReasonPorts = "node(s) didn't have free ports for the requested pod ports";
constexpr std::string_view kReasonBindConflict = "node(s) didn't find available persistent volumes to bind";
constexpr std::string_view kReasonUnboundImmediate = "pod has unbound immediate PersistentVolumeClaims";
constexpr std::string_view kPreemptionNotHelpful = "Preemption is not helpful for scheduling";
constexpr std::string_view kNoVictims = "No preemption victims found for incoming pod";

enum class Code { Success, Unschedulable, UnschedulableAndUnresolvable };

struct Status {
  Code code = Code::Success;
  std::vector<std::string> reasons;
  bool ok() const { return code == Code::Success; }
};

Status fail(Code code, std::string reason) {
  return Status{code, {std::move(reason)}};
}

void addTo(ResourceMap& target, const ResourceMap& add) {
  for (const auto& [name, value] : add)
    target[name] += value;
}

void maxInto(ResourceMap& target, const ResourceMap& other) {
  for (const auto& [name, value] : other) {
    auto it = target.find(name);
    if (it == target.end()) {
      target.emplace(name, value);
    } else {
      it->second = std::max(it->second, value);
    }
  }
}

ResourceMap parseResourceList(const json::object* list) {
  ResourceMap out;
  if (list == nullptr) return out;
  for (const auto& member : *list) {
    std::optional<std::int64_t> milli;
    if (member.value().is_string()) {
      milli = parseQuantityMilli(member.value().get_string());
    } else if (member.value().is_int64()) {
      milli = member.value().get_int64() * 1000;
    }
    if (milli) out[std::string(member.key())] = *milli;
  }
  return out;
}

// A container's requests as the API server stores them: a limit without a request defaults the request.
ResourceMap containerRequests(const json::object& container, bool nonZero) {
  ResourceMap requests = parseResourceList(findObject(container, {"resources", "requests"}));
  ResourceMap limits = parseResourceList(findObject(container, {"resources", "limits"}));
  for (const auto& [name, value] : limits)
    requests.emplace(name, value);
  if (nonZero) {
    // The scheduler's scoring treats an unset cpu/memory request as a small default so empty pods still
    // spread.
    if (requests.find("cpu") == requests.end()) requests["cpu"] = kDefaultMilliCpuRequest;
    if (requests.find("memory") == requests.end()) requests["memory"] = kDefaultMemoryRequestMilli;
  }
  return requests;
}

ResourceMap podRequestMap(const json::object& pod, bool nonZero) {
  ResourceMap requests;
  if (const json::array* containers = findArray(pod, {"spec", "containers"})) {
    for (const json::value& item : *containers) {
      if (const json::object* container = item.if_object())
        addTo(requests, containerRequests(*container, nonZero));
    }
  }
  ResourceMap sidecars;
  ResourceMap initFloor;
  if (const json::array* initContainers = findArray(pod, {"spec", "initContainers"})) {
    for (const json::value& item : *initContainers) {
      const json::object* container = item.if_object();
      if (container == nullptr) continue;
      ResourceMap own = containerRequests(*container, nonZero);
      ResourceMap effective;
      if (stringAt(*container, {"restartPolicy"}) == "Always") {
        // A sidecar runs alongside everything started after it.
        addTo(requests, own);
        addTo(sidecars, own);
        effective = sidecars;
      } else {
        effective = own;
        addTo(effective, sidecars);
      }
      maxInto(initFloor, effective);
    }
  }
  maxInto(requests, initFloor);
  if (!nonZero) addTo(requests, parseResourceList(findObject(pod, {"spec", "overhead"})));
  return requests;
}

std::int64_t valueOf(const ResourceMap& map, std::string_view name) {
  auto it = map.find(name);
  return it == map.end() ? 0 : it->second;
}

std::int32_t podPriority(const json::object& pod) {
  return static_cast<std::int32_t>(intAt(pod, {"spec", "priority"}, 0));
}

std::string podKey(const json::object& pod) {
  return stringAt(pod, {"metadata", "namespace"}) + "/" + stringAt(pod, {"metadata", "name"});
}

bool isTerminal(const json::object& pod) {
  std::string phase = stringAt(pod, {"status", "phase"});
  return phase == "Succeeded" || phase == "Failed";
}

struct HostPort {
  std::string ip;
  std::string protocol;
  std::int64_t port;
};

std::vector<HostPort> hostPorts(const json::object& pod) {
  std::vector<HostPort> ports;
  const json::array* containers = findArray(pod, {"spec", "containers"});
  if (containers == nullptr) return ports;
  for (const json::value& item : *containers) {
    const json::object* container = item.if_object();
    if (container == nullptr) continue;
    const json::array* list = findArray(*container, {"ports"});
    if (list == nullptr) continue;
    for (const json::value& portItem : *list) {
      const json::object* port = portItem.if_object();
      if (port == nullptr) continue;
      std::int64_t hostPort = intAt(*port, {"hostPort"}, 0);
      if (hostPort <= 0) continue;
      std::string ip = stringAt(*port, {"hostIP"});
      if (ip.empty()) ip = "0.0.0.0";
      std::string protocol = stringAt(*port, {"protocol"});
      if (protocol.empty()) protocol = "TCP";
      ports.push_back({ip, protocol, hostPort});
    }
  }
  return ports;
}

// HostPortInfo.CheckConflict: 0.0.0.0 conflicts with every address on the same protocol and port.
bool portsConflict(const HostPort& a, const HostPort& b) {
  if (a.port != b.port || a.protocol != b.protocol) return false;
  return a.ip == b.ip || a.ip == "0.0.0.0" || b.ip == "0.0.0.0";
}

struct NodeState {
  const json::object* node = nullptr;
  std::string name;
  ResourceMap allocatable;
  std::vector<const json::object*> pods;
};

ResourceMap requestedOn(const NodeState& node, bool nonZero) {
  ResourceMap total;
  for (const json::object* pod : node.pods)
    addTo(total, podRequestMap(*pod, nonZero));
  return total;
}

bool matchesRequirement(const json::object& requirement, const json::object* labels, bool field,
                        std::string_view nodeName) {
  std::string key = stringAt(requirement, {"key"});
  std::string op = stringAt(requirement, {"operator"});
  std::vector<std::string> values;
  if (const json::array* list = findArray(requirement, {"values"})) {
    for (const json::value& v : *list) {
      if (v.is_string()) values.emplace_back(v.get_string());
    }
  }
  std::optional<std::string> actual;
  if (field) {
    if (key == "metadata.name") actual = std::string(nodeName);
  } else if (labels != nullptr) {
    auto it = labels->find(key);
    if (it != labels->end() && it->value().is_string()) actual = std::string(it->value().get_string());
  }
  auto contains = [&](const std::string& value) {
    return std::find(values.begin(), values.end(), value) != values.end();
  };
  if (op == "In") return actual && contains(*actual);
  if (op == "NotIn") return !actual || !contains(*actual);
  if (field) return false;  // fields only support In and NotIn
  if (op == "Exists") return actual.has_value();
  if (op == "DoesNotExist") return !actual.has_value();
  if (op == "Gt" || op == "Lt") {
    if (!actual || values.size() != 1) return false;
    try {
      std::size_t used = 0;
      long long have = std::stoll(*actual, &used);
      if (used != actual->size()) return false;
      long long want = std::stoll(values[0], &used);
      if (used != values[0].size()) return false;
      return op == "Gt" ? have > want : have < want;
    } catch (const std::exception&) {
      return false;
    }
  }
  return false;
}

bool matchesTerm(const json::object& term, const json::object& node) {
  const json::array* expressions = findArray(term, {"matchExpressions"});
  const json::array* fields = findArray(term, {"matchFields"});
  bool empty = (expressions == nullptr || expressions->empty()) && (fields == nullptr || fields->empty());
  if (empty) return false;  // an empty term matches no node
  const json::object* labels = findObject(node, {"metadata", "labels"});
  std::string name = stringAt(node, {"metadata", "name"});
  if (expressions != nullptr) {
    for (const json::value& item : *expressions) {
      const json::object* requirement = item.if_object();
      if (requirement == nullptr || !matchesRequirement(*requirement, labels, false, name)) return false;
    }
  }
  if (fields != nullptr) {
    for (const json::value& item : *fields) {
      const json::object* requirement = item.if_object();
      if (requirement == nullptr || !matchesRequirement(*requirement, labels, true, name)) return false;
    }
  }
  return true;
}

struct ClaimCheck {
  Status preFilter;               // failure of the VolumeBinding PreFilter, if any
  bool needsLocalVolume = false;  // a WaitForFirstConsumer claim only a pre-made local PV can bind
};

std::string claimClass(const json::object& pvc) {
  if (const json::value* beta =
          find(pvc, {"metadata", "annotations", "volume.beta.kubernetes.io/storage-class"})) {
    if (beta->is_string()) return std::string(beta->get_string());
  }
  return stringAt(pvc, {"spec", "storageClassName"});
}

const json::object* findByName(const std::vector<json::object>& objects, std::string_view name,
                               std::string_view namespaceName) {
  for (const json::object& object : objects) {
    if (stringAt(object, {"metadata", "name"}) != name) continue;
    if (!namespaceName.empty() && stringAt(object, {"metadata", "namespace"}) != namespaceName) continue;
    return &object;
  }
  return nullptr;
}

ClaimCheck checkClaims(const json::object& pod, const std::vector<json::object>& pvcs,
                       const std::vector<json::object>& storageClasses) {
  ClaimCheck check;
  const json::array* volumes = findArray(pod, {"spec", "volumes"});
  if (volumes == nullptr) return check;
  std::string namespaceName = stringAt(pod, {"metadata", "namespace"});
  std::vector<const json::object*> claims;
  for (const json::value& item : *volumes) {
    const json::object* volume = item.if_object();
    if (volume == nullptr) continue;
    std::string claimName;
    bool ephemeral = false;
    if (has(*volume, {"persistentVolumeClaim"})) {
      claimName = stringAt(*volume, {"persistentVolumeClaim", "claimName"});
    } else if (has(*volume, {"ephemeral"})) {
      claimName = stringAt(pod, {"metadata", "name"}) + "-" + stringAt(*volume, {"name"});
      ephemeral = true;
    } else {
      continue;
    }
    const json::object* pvc = findByName(pvcs, claimName, namespaceName);
    if (pvc == nullptr) {
      std::string message =
          ephemeral
              ? fmt::format(
                    "waiting for ephemeral volume controller to create the persistentvolumeclaim \"{}\"",
                    claimName)
              : fmt::format("persistentvolumeclaim \"{}\" not found", claimName);
      check.preFilter = fail(Code::UnschedulableAndUnresolvable, message);
      return check;
    }
    if (has(*pvc, {"metadata", "deletionTimestamp"})) {
      check.preFilter = fail(Code::UnschedulableAndUnresolvable,
                             fmt::format("persistentvolumeclaim \"{}\" is being deleted", claimName));
      return check;
    }
    claims.push_back(pvc);
  }
  bool unboundImmediate = false;
  for (const json::object* pvc : claims) {
    if (stringAt(*pvc, {"status", "phase"}) == "Bound") continue;
    std::string className = claimClass(*pvc);
    const json::object* storageClass =
        className.empty() ? nullptr : findByName(storageClasses, className, "");
    bool delayBinding = storageClass != nullptr &&
                        stringAt(*storageClass, {"volumeBindingMode"}) == "WaitForFirstConsumer" &&
                        stringAt(*pvc, {"spec", "volumeName"}).empty();
    if (!delayBinding) {
      unboundImmediate = true;
    } else if (stringAt(*storageClass, {"provisioner"}) == "kubernetes.io/no-provisioner") {
      check.needsLocalVolume = true;
    }
  }
  if (unboundImmediate)
    check.preFilter = fail(Code::UnschedulableAndUnresolvable, std::string(kReasonUnboundImmediate));
  return check;
}

struct Scheduling {
  const json::object& pod;
  ResourceMap requests;
  std::vector<HostPort> ports;
  bool needsLocalVolume = false;
};

// Runs the default Filter plugins in order on one node; the first failing plugin decides.
Status runFilters(const Scheduling& s, const NodeState& node) {
  const json::array* tolerations = findArray(s.pod, {"spec", "tolerations"});
  if (boolAt(*node.node, {"spec", "unschedulable"})) {
    json::object taint{{"key", "node.kubernetes.io/unschedulable"}, {"effect", "NoSchedule"}};
    if (!toleratesTaint(tolerations, taint))
      return fail(Code::UnschedulableAndUnresolvable, std::string(kReasonUnschedulable));
  }
  if (const json::array* taints = findArray(*node.node, {"spec", "taints"})) {
    for (const json::value& item : *taints) {
      const json::object* taint = item.if_object();
      if (taint == nullptr) continue;
      std::string effect = stringAt(*taint, {"effect"});
      if (effect != "NoSchedule" && effect != "NoExecute") continue;
      if (!toleratesTaint(tolerations, *taint)) {
        return fail(Code::UnschedulableAndUnresolvable,
                    fmt::format("node(s) had untolerated taint {{{}: {}}}", stringAt(*taint, {"key"}),
                                stringAt(*taint, {"value"})));
      }
    }
  }
  if (!matchesNodeAffinity(s.pod, *node.node))
    return fail(Code::UnschedulableAndUnresolvable, std::string(kReasonAffinity));
  if (!s.ports.empty()) {
    for (const json::object* other : node.pods) {
      for (const HostPort& used : hostPorts(*other)) {
        for (const HostPort& wanted : s.ports) {
          if (portsConflict(used, wanted)) return fail(Code::Unschedulable, std::string(kReasonPorts));
        }
      }
    }
  }
  // NodeResourcesFit: every insufficient resource is reported, pods first.
  Status fit{Code::Success, {}};
  std::int64_t allowedPods = valueOf(node.allocatable, "pods") / 1000;
  if (static_cast<std::int64_t>(node.pods.size()) + 1 > allowedPods) fit.reasons.push_back("Too many pods");
  bool requestsSomething = false;
  for (const auto& [name, value] : s.requests)
    requestsSomething = requestsSomething || (name != "pods" && value != 0);
  if (requestsSomething) {
    ResourceMap used = requestedOn(node, /*nonZero=*/false);
    for (std::string_view name : {"cpu", "memory", "ephemeral-storage"}) {
      std::int64_t want = valueOf(s.requests, name);
      if (want > 0 && want > valueOf(node.allocatable, name) - valueOf(used, name)) {
        fit.reasons.push_back(fmt::format("Insufficient {}", name));
      }
    }
    for (const auto& [name, want] : s.requests) {
      if (name == "cpu" || name == "memory" || name == "ephemeral-storage" || name == "pods" || want == 0)
        continue;
      if (want > valueOf(node.allocatable, name) - valueOf(used, name)) {
        fit.reasons.push_back(fmt::format("Insufficient {}", name));
      }
    }
  }
  if (!fit.reasons.empty()) {
    fit.code = Code::Unschedulable;
    return fit;
  }
  if (s.needsLocalVolume) return fail(Code::UnschedulableAndUnresolvable, std::string(kReasonBindConflict));
  return Status{};
}

// FitError.Error(): the histogram of reasons, each "count reason", sorted as strings.
std::string fitErrorMessage(std::size_t nodeCount, const std::string& preFilterMessage,
                            const std::vector<Status>& statuses, const std::string& postFilterMessage) {
  std::string message = fmt::format("0/{} nodes are available:", nodeCount);
  if (!preFilterMessage.empty()) {
    message += fmt::format(" {}.", preFilterMessage);
  } else {
    std::map<std::string, int> histogram;
    for (const Status& status : statuses) {
      for (const std::string& reason : status.reasons)
        ++histogram[reason];
    }
    std::vector<std::string> parts;
    for (const auto& [reason, count] : histogram)
      parts.push_back(fmt::format("{} {}", count, reason));
    std::sort(parts.begin(), parts.end());
    if (!parts.empty()) message += fmt::format(" {}.", fmt::join(parts, ", "));
  }
  if (!postFilterMessage.empty()) message += fmt::format(" {}.", postFilterMessage);
  return message;
}

// The earliest status.startTime, or `fallback` (upstream uses "now" for pods that have not started).
TimePoint startTimeOf(const json::object& pod, TimePoint fallback) {
  return timeAt(pod, {"status", "startTime"}).value_or(fallback);
}

bool moreImportant(const json::object& a, const json::object& b) {
  std::int32_t pa = podPriority(a);
  std::int32_t pb = podPriority(b);
  if (pa != pb) return pa > pb;
  TimePoint far = TimePoint::max();
  return startTimeOf(a, far) < startTimeOf(b, far);
}

struct Candidate {
  std::size_t nodeIndex;
  std::vector<const json::object*> victims;  // most important first
};

struct PreemptionOutcome {
  std::string message;  // the PostFilter message, without the trailing separator
  std::optional<Candidate> chosen;
};

PreemptionOutcome preempt(const Scheduling& s, const std::vector<NodeState>& nodes,
                          const std::vector<Status>& statuses) {
  PreemptionOutcome outcome;
  if (stringAt(s.pod, {"spec", "preemptionPolicy"}) == "Never") {
    outcome.message = "preemption: not eligible due to preemptionPolicy=Never.";
    return outcome;
  }
  std::int32_t priority = podPriority(s.pod);
  std::vector<Status> dryRun(nodes.size(),
                             fail(Code::UnschedulableAndUnresolvable, std::string(kPreemptionNotHelpful)));
  std::vector<Candidate> candidates;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    if (statuses[i].code != Code::Unschedulable) continue;  // only resolvable failures can be helped
    NodeState trial = nodes[i];
    std::vector<const json::object*> potential;
    std::vector<const json::object*> kept;
    for (const json::object* other : nodes[i].pods) {
      (podPriority(*other) < priority ? potential : kept).push_back(other);
    }
    if (potential.empty()) {
      dryRun[i] = fail(Code::UnschedulableAndUnresolvable, std::string(kNoVictims));
      continue;
    }
    trial.pods = kept;
    Status withoutAll = runFilters(s, trial);
    if (!withoutAll.ok()) {
      dryRun[i] = withoutAll;
      continue;
    }
    std::stable_sort(potential.begin(), potential.end(),
                     [](const json::object* a, const json::object* b) { return moreImportant(*a, *b); });
    Candidate candidate{i, {}};
    for (const json::object* victim : potential) {
      trial.pods.push_back(victim);
      if (!runFilters(s, trial).ok()) {
        trial.pods.pop_back();
        candidate.victims.push_back(victim);
      }
    }
    if (candidate.victims.empty()) {
      // Cannot happen with deterministic filters; upstream reports it as an error status for the node.
      dryRun[i] = fail(Code::UnschedulableAndUnresolvable,
                       fmt::format("expected at least one victim pod on node \"{}\"", nodes[i].name));
      continue;
    }
    candidates.push_back(std::move(candidate));
  }
  if (candidates.empty()) {
    // This FitError already ends in "."; the outer message's separator adds a second one, as upstream does.
    outcome.message = "preemption: " + fitErrorMessage(nodes.size(), "", dryRun, "");
    return outcome;
  }
  // pickOneNodeForPreemption, minus PDB violations (kubesim has no PDB-aware preemption).
  auto highest = [](const Candidate& c) { return podPriority(*c.victims.front()); };
  auto sum = [](const Candidate& c) {
    std::int64_t total = 0;
    for (const json::object* v : c.victims) {
      total += static_cast<std::int64_t>(podPriority(*v)) +
               static_cast<std::int64_t>(std::numeric_limits<std::int32_t>::max()) + 1;
    }
    return total;
  };
  auto earliestTopStart = [&](const Candidate& c) {
    std::int32_t top = highest(c);
    TimePoint earliest = TimePoint::max();
    for (const json::object* v : c.victims) {
      if (podPriority(*v) == top) earliest = std::min(earliest, startTimeOf(*v, TimePoint::max()));
    }
    return earliest;
  };
  const Candidate* best = &candidates.front();
  for (const Candidate& c : candidates) {
    if (&c == best) continue;
    if (highest(c) != highest(*best)) {
      if (highest(c) < highest(*best)) best = &c;
      continue;
    }
    if (sum(c) != sum(*best)) {
      if (sum(c) < sum(*best)) best = &c;
      continue;
    }
    if (c.victims.size() != best->victims.size()) {
      if (c.victims.size() < best->victims.size()) best = &c;
      continue;
    }
    if (earliestTopStart(c) > earliestTopStart(*best)) best = &c;
  }
  outcome.chosen = *best;
  return outcome;
}

}  // namespace

bool toleratesTaint(const json::array* tolerations, const json::object& taint) {
  if (tolerations == nullptr) return false;
  std::string key = stringAt(taint, {"key"});
  std::string value = stringAt(taint, {"value"});
  std::string effect = stringAt(taint, {"effect"});
  for (const json::value& item : *tolerations) {
    const json::object* toleration = item.if_object();
    if (toleration == nullptr) continue;
    std::string tEffect = stringAt(*toleration, {"effect"});
    if (!tEffect.empty() && tEffect != effect) continue;
    std::string tKey = stringAt(*toleration, {"key"});
    if (!tKey.empty() && tKey != key) continue;
    std::string op = stringAt(*toleration, {"operator"});
    if (op == "Exists") return true;
    if ((op.empty() || op == "Equal") && stringAt(*toleration, {"value"}) == value) return true;
  }
  return false;
}

bool matchesNodeAffinity(const json::object& pod, const json::object& node) {
  if (const json::object* selector = findObject(pod, {"spec", "nodeSelector"})) {
    const json::object* labels = findObject(node, {"metadata", "labels"});
    for (const auto& member : *selector) {
      if (labels == nullptr) return false;
      auto it = labels->find(member.key());
      if (it == labels->end() || it->value() != member.value()) return false;
    }
  }
  const json::object* required =
      findObject(pod, {"spec", "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"});
  if (required == nullptr) return true;
  const json::array* terms = findArray(*required, {"nodeSelectorTerms"});
  if (terms == nullptr) return false;
  for (const json::value& item : *terms) {
    const json::object* term = item.if_object();
    if (term != nullptr && matchesTerm(*term, node)) return true;
  }
  return false;
}

std::vector<std::pair<std::string, std::int64_t>> podRequests(const json::object& pod) {
  ResourceMap map = podRequestMap(pod, /*nonZero=*/false);
  return {map.begin(), map.end()};
}

std::optional<Event> provisioningFailure(const json::object& pvc,
                                         const std::vector<json::object>& storageClasses) {
  if (stringAt(pvc, {"status", "phase"}) == "Bound" || !stringAt(pvc, {"spec", "volumeName"}).empty()) {
    return std::nullopt;
  }
  std::string className = claimClass(pvc);
  if (className.empty()) {
    return Event{"Normal", "FailedBinding",
                 "no persistent volumes available for this claim and no storage class is set"};
  }
  if (findByName(storageClasses, className, "") == nullptr) {
    return Event{"Warning", "ProvisioningFailed",
                 fmt::format("storageclass.storage.k8s.io \"{}\" not found", className)};
  }
  return std::nullopt;
}

ScheduleResult schedule(const json::object& pod, const std::vector<json::object>& nodes,
                        const std::vector<json::object>& podsOnNodes, const std::vector<json::object>& pvcs,
                        const std::vector<json::object>& storageClasses) {
  ScheduleResult result;
  auto failWith = [&](std::string reason, std::string message) {
    result.reason = std::move(reason);
    result.message = std::move(message);
    result.events.push_back(Event{"Warning", "FailedScheduling", result.message});
    return result;
  };
  if (nodes.empty()) return failWith("Unschedulable", "no nodes available to schedule pods");

  std::vector<NodeState> states;
  states.reserve(nodes.size());
  std::string self = podKey(pod);
  for (const json::object& node : nodes) {
    NodeState state;
    state.node = &node;
    state.name = stringAt(node, {"metadata", "name"});
    state.allocatable = parseResourceList(findObject(node, {"status", "allocatable"}));
    for (const json::object& other : podsOnNodes) {
      if (stringAt(other, {"spec", "nodeName"}) != state.name || isTerminal(other) || podKey(other) == self)
        continue;
      state.pods.push_back(&other);
    }
    states.push_back(std::move(state));
  }

  ClaimCheck claims = checkClaims(pod, pvcs, storageClasses);
  Scheduling s{pod, podRequestMap(pod, /*nonZero=*/false), hostPorts(pod), claims.needsLocalVolume};

  std::vector<Status> statuses(states.size());
  std::string preFilterMessage;
  if (!claims.preFilter.ok()) {
    preFilterMessage = fmt::format("{}", fmt::join(claims.preFilter.reasons, ", "));
    for (Status& status : statuses)
      status = claims.preFilter;
  } else {
    std::vector<std::size_t> feasible;
    for (std::size_t i = 0; i < states.size(); ++i) {
      statuses[i] = runFilters(s, states[i]);
      if (statuses[i].ok()) feasible.push_back(i);
    }
    if (!feasible.empty()) {
      // LeastAllocated over cpu and memory, with non-zero defaults for unset requests.
      ResourceMap podNonZero = podRequestMap(pod, /*nonZero=*/true);
      std::size_t best = feasible.front();
      std::int64_t bestScore = -1;
      for (std::size_t index : feasible) {
        const NodeState& node = states[index];
        ResourceMap used = requestedOn(node, /*nonZero=*/true);
        std::int64_t score = 0;
        std::int64_t weights = 0;
        for (std::string_view name : {"cpu", "memory"}) {
          std::int64_t capacity = valueOf(node.allocatable, name);
          if (capacity == 0) continue;
          std::int64_t requested = valueOf(used, name) + valueOf(podNonZero, name);
          std::int64_t part = requested > capacity ? 0 : (capacity - requested) * 100 / capacity;
          score += part;
          ++weights;
        }
        if (weights > 0) score /= weights;
        if (score > bestScore || (score == bestScore && node.name < states[best].name)) {
          best = index;
          bestScore = score;
        }
      }
      result.scheduled = true;
      result.nodeName = states[best].name;
      result.events.push_back(
          Event{"Normal", "Scheduled", fmt::format("Successfully assigned {} to {}", self, result.nodeName)});
      return result;
    }
  }

  PreemptionOutcome preemption = preempt(s, states, statuses);
  if (preemption.chosen) {
    const NodeState& node = states[preemption.chosen->nodeIndex];
    result.nominatedNodeName = node.name;
    for (const json::object* victim : preemption.chosen->victims) {
      result.victims.push_back(podKey(*victim));
      result.victimEvents.push_back(Event{
          "Normal", "Preempted",
          fmt::format("Preempted by pod {} on node {}", stringAt(pod, {"metadata", "uid"}), node.name)});
    }
  }
  return failWith("Unschedulable",
                  fitErrorMessage(states.size(), preFilterMessage, statuses, preemption.message));
}

}  // namespace kubesim::controllers

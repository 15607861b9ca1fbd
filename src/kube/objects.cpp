// Typed views over Kubernetes JSON. Defaults follow the API's documented ones (spec.replicas 1,
// minReplicas 1, Service type ClusterIP, port protocol TCP); the pod STATUS/READY/RESTARTS rules follow
// kubectl's pod printer.
#include "kube/objects.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>

namespace aiops::kube {
namespace {

namespace json = boost::json;

const json::array* arrayAt(const json::value* root, std::initializer_list<std::string_view> path) {
  const auto* v = lookup(root, path);
  return v != nullptr ? v->if_array() : nullptr;
}

std::optional<Quantity> quantityAt(const json::value* root, std::initializer_list<std::string_view> path) {
  const auto* v = lookup(root, path);
  if (v == nullptr) return std::nullopt;
  if (v->is_string()) return Quantity::parse(std::string_view(v->get_string()));
  if (v->is_int64()) return Quantity::fromValue(v->get_int64());
  return std::nullopt;
}

std::vector<Condition> readConditions(const json::array* items) {
  std::vector<Condition> result;
  if (items == nullptr) return result;
  for (const auto& item : *items) {
    Condition c;
    c.type = stringAt(&item, {"type"});
    c.status = stringAt(&item, {"status"});
    c.reason = stringAt(&item, {"reason"});
    c.message = stringAt(&item, {"message"});
    c.lastTransitionTime = timeAt(&item, {"lastTransitionTime"});
    result.push_back(std::move(c));
  }
  return result;
}

std::optional<Condition> findCondition(const std::vector<Condition>& conditions, std::string_view type) {
  for (const auto& c : conditions) {
    if (c.type == type) return c;
  }
  return std::nullopt;
}

ContainerState readState(const json::value* state) {
  ContainerState result;
  if (state == nullptr || !state->is_object()) return result;
  if (const auto* waiting = lookup(state, {"waiting"}); waiting != nullptr && waiting->is_object()) {
    result.kind = ContainerState::Kind::Waiting;
    result.reason = stringAt(waiting, {"reason"});
    result.message = stringAt(waiting, {"message"});
  } else if (const auto* running = lookup(state, {"running"}); running != nullptr && running->is_object()) {
    result.kind = ContainerState::Kind::Running;
    result.startedAt = timeAt(running, {"startedAt"});
  } else if (const auto* terminated = lookup(state, {"terminated"});
             terminated != nullptr && terminated->is_object()) {
    result.kind = ContainerState::Kind::Terminated;
    result.reason = stringAt(terminated, {"reason"});
    result.message = stringAt(terminated, {"message"});
    if (auto code = intAt(terminated, {"exitCode"})) result.exitCode = static_cast<int>(*code);
    if (auto sig = intAt(terminated, {"signal"})) result.signal = static_cast<int>(*sig);
    result.startedAt = timeAt(terminated, {"startedAt"});
    result.finishedAt = timeAt(terminated, {"finishedAt"});
  }
  return result;
}

std::vector<ContainerStatus> readStatuses(const json::array* items, bool init) {
  std::vector<ContainerStatus> result;
  if (items == nullptr) return result;
  for (const auto& item : *items) {
    ContainerStatus s;
    s.name = stringAt(&item, {"name"});
    s.init = init;
    s.ready = boolAt(&item, {"ready"});
    if (const auto* started = lookup(&item, {"started"}); started != nullptr && started->is_bool()) {
      s.started = started->get_bool();
    }
    s.restartCount = intAt(&item, {"restartCount"}).value_or(0);
    s.image = stringAt(&item, {"image"});
    s.imageID = stringAt(&item, {"imageID"});
    s.state = readState(lookup(&item, {"state"}));
    s.lastState = readState(lookup(&item, {"lastState"}));
    result.push_back(std::move(s));
  }
  return result;
}

std::vector<ContainerSpec> readContainers(const json::array* items, bool init) {
  std::vector<ContainerSpec> result;
  if (items == nullptr) return result;
  for (const auto& item : *items) {
    ContainerSpec c;
    c.name = stringAt(&item, {"name"});
    c.image = stringAt(&item, {"image"});
    c.init = init;
    c.restartPolicy = stringAt(&item, {"restartPolicy"});
    c.requests = quantitiesAt(&item, {"resources", "requests"});
    c.limits = quantitiesAt(&item, {"resources", "limits"});
    c.hasLivenessProbe = lookup(&item, {"livenessProbe"}) != nullptr;
    c.hasReadinessProbe = lookup(&item, {"readinessProbe"}) != nullptr;
    result.push_back(std::move(c));
  }
  return result;
}

ObjectReference readReference(const json::value* ref) {
  ObjectReference r;
  r.kind = stringAt(ref, {"kind"});
  r.namespace_ = stringAt(ref, {"namespace"});
  r.name = stringAt(ref, {"name"});
  r.uid = stringAt(ref, {"uid"});
  r.apiVersion = stringAt(ref, {"apiVersion"});
  r.fieldPath = stringAt(ref, {"fieldPath"});
  return r;
}

HpaMetric readMetric(const json::value& item, bool current) {
  HpaMetric m;
  m.type = stringAt(&item, {"type"});
  // autoscaling/v2 nests each source under its lower-camel type name: resource, containerResource, pods, ...
  std::string key = m.type;
  if (!key.empty()) key[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(key[0])));
  const json::value* source = lookup(&item, {key});
  m.resourceName = stringAt(source, {"name"});
  m.metricName = stringAt(source, {"metric", "name"});
  const std::string_view valueKey = current ? "current" : "target";
  const json::value* target = lookup(source, {valueKey});
  m.targetType = stringAt(target, {"type"});
  m.averageUtilization = intAt(target, {"averageUtilization"});
  m.averageValue = quantityAt(target, {"averageValue"});
  m.value = quantityAt(target, {"value"});
  return m;
}

}  // namespace

// --- accessors ---------------------------------------------------------------------------------------

const json::value* lookup(const json::value* root, std::initializer_list<std::string_view> path) {
  const json::value* v = root;
  for (const auto key : path) {
    if (v == nullptr || !v->is_object()) return nullptr;
    v = v->get_object().if_contains(key);
  }
  return v;
}

std::string stringAt(const json::value* root, std::initializer_list<std::string_view> path) {
  const auto* v = lookup(root, path);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::optional<std::int64_t> intAt(const json::value* root, std::initializer_list<std::string_view> path) {
  const auto* v = lookup(root, path);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(v->get_uint64());
  }
  if (v->is_double()) return static_cast<std::int64_t>(v->get_double());
  return std::nullopt;
}

bool boolAt(const json::value* root, std::initializer_list<std::string_view> path) {
  const auto* v = lookup(root, path);
  return v != nullptr && v->is_bool() && v->get_bool();
}

std::optional<WallTime> timeAt(const json::value* root, std::initializer_list<std::string_view> path) {
  const auto* v = lookup(root, path);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return parseTimestamp(std::string_view(v->get_string()));
}

std::map<std::string, std::string> stringMapAt(const json::value* root,
                                               std::initializer_list<std::string_view> path) {
  std::map<std::string, std::string> result;
  const auto* v = lookup(root, path);
  if (v == nullptr || !v->is_object()) return result;
  for (const auto& [key, value] : v->get_object()) {
    if (value.is_string()) result.emplace(std::string(key), std::string(value.get_string()));
  }
  return result;
}

std::map<std::string, Quantity> quantitiesAt(const json::value* root,
                                             std::initializer_list<std::string_view> path) {
  std::map<std::string, Quantity> result;
  const auto* v = lookup(root, path);
  if (v == nullptr || !v->is_object()) return result;
  for (const auto& [key, value] : v->get_object()) {
    std::optional<Quantity> q;
    if (value.is_string()) q = Quantity::parse(std::string_view(value.get_string()));
    if (value.is_int64()) q = Quantity::fromValue(value.get_int64());
    if (q) result.emplace(std::string(key), *q);
  }
  return result;
}

// --- ObjectView --------------------------------------------------------------------------------------

std::string ObjectView::kind() const {
  return stringAt(v_, {"kind"});
}
std::string ObjectView::apiVersion() const {
  return stringAt(v_, {"apiVersion"});
}
std::string ObjectView::name() const {
  return stringAt(v_, {"metadata", "name"});
}
std::string ObjectView::namespace_() const {
  return stringAt(v_, {"metadata", "namespace"});
}
std::string ObjectView::uid() const {
  return stringAt(v_, {"metadata", "uid"});
}
std::string ObjectView::resourceVersion() const {
  return stringAt(v_, {"metadata", "resourceVersion"});
}
std::optional<std::int64_t> ObjectView::generation() const {
  return intAt(v_, {"metadata", "generation"});
}
std::map<std::string, std::string> ObjectView::labels() const {
  return stringMapAt(v_, {"metadata", "labels"});
}
std::map<std::string, std::string> ObjectView::annotations() const {
  return stringMapAt(v_, {"metadata", "annotations"});
}
std::optional<WallTime> ObjectView::creationTimestamp() const {
  return timeAt(v_, {"metadata", "creationTimestamp"});
}
std::optional<WallTime> ObjectView::deletionTimestamp() const {
  return timeAt(v_, {"metadata", "deletionTimestamp"});
}

std::vector<OwnerReference> ObjectView::ownerReferences() const {
  std::vector<OwnerReference> result;
  const auto* items = arrayAt(v_, {"metadata", "ownerReferences"});
  if (items == nullptr) return result;
  for (const auto& item : *items) {
    OwnerReference o;
    o.apiVersion = stringAt(&item, {"apiVersion"});
    o.kind = stringAt(&item, {"kind"});
    o.name = stringAt(&item, {"name"});
    o.uid = stringAt(&item, {"uid"});
    o.controller = boolAt(&item, {"controller"});
    result.push_back(std::move(o));
  }
  return result;
}

std::optional<OwnerReference> ObjectView::controllerOwner() const {
  for (auto& owner : ownerReferences()) {
    if (owner.controller) return owner;
  }
  return std::nullopt;
}

std::vector<Condition> ObjectView::conditionsAt(std::initializer_list<std::string_view> path) const {
  return readConditions(arrayAt(v_, path));
}

// --- PodView -----------------------------------------------------------------------------------------

std::string PodView::phase() const {
  return stringAt(v_, {"status", "phase"});
}
std::string PodView::reason() const {
  return stringAt(v_, {"status", "reason"});
}
std::string PodView::message() const {
  return stringAt(v_, {"status", "message"});
}
std::string PodView::nodeName() const {
  return stringAt(v_, {"spec", "nodeName"});
}
std::string PodView::qosClass() const {
  return stringAt(v_, {"status", "qosClass"});
}
std::optional<WallTime> PodView::startTime() const {
  return timeAt(v_, {"status", "startTime"});
}
std::vector<Condition> PodView::conditions() const {
  return conditionsAt({"status", "conditions"});
}
std::optional<Condition> PodView::condition(std::string_view type) const {
  return findCondition(conditions(), type);
}
bool PodView::isReady() const {
  const auto ready = condition("Ready");
  return ready && ready->isTrue();
}
std::vector<ContainerSpec> PodView::containers() const {
  return readContainers(arrayAt(v_, {"spec", "containers"}), false);
}
std::vector<ContainerSpec> PodView::initContainers() const {
  return readContainers(arrayAt(v_, {"spec", "initContainers"}), true);
}
std::vector<ContainerStatus> PodView::containerStatuses() const {
  return readStatuses(arrayAt(v_, {"status", "containerStatuses"}), false);
}
std::vector<ContainerStatus> PodView::initContainerStatuses() const {
  return readStatuses(arrayAt(v_, {"status", "initContainerStatuses"}), true);
}
std::optional<ContainerStatus> PodView::containerStatus(std::string_view name) const {
  for (auto& s : containerStatuses()) {
    if (s.name == name) return s;
  }
  for (auto& s : initContainerStatuses()) {
    if (s.name == name) return s;
  }
  return std::nullopt;
}

namespace {

bool isSidecar(const std::vector<ContainerSpec>& initSpecs, const std::string& name) {
  for (const auto& spec : initSpecs) {
    if (spec.name == name) return spec.restartPolicy == "Always";
  }
  return false;
}

// The pod printer's walk over container statuses, shared by STATUS, READY and RESTARTS.
struct PodSummary {
  std::string status;
  int ready = 0;
  int total = 0;
  std::int64_t restarts = 0;
};

PodSummary summarize(const PodView& pod) {
  PodSummary out;
  const auto initSpecs = pod.initContainers();
  const auto specs = pod.containers();
  out.total = static_cast<int>(specs.size());
  for (const auto& spec : initSpecs) {
    if (spec.restartPolicy == "Always") ++out.total;
  }

  std::string reason = pod.phase();
  if (!pod.reason().empty()) reason = pod.reason();
  for (const auto& c : pod.conditions()) {
    if (c.type == "PodScheduled" && c.reason == "SchedulingGated") reason = "SchedulingGated";
  }

  bool initializing = false;
  std::int64_t sidecarRestarts = 0;
  std::int64_t allInitRestarts = 0;
  const auto initStatuses = pod.initContainerStatuses();
  for (std::size_t i = 0; i < initStatuses.size(); ++i) {
    const auto& s = initStatuses[i];
    allInitRestarts += s.restartCount;
    const bool sidecar = isSidecar(initSpecs, s.name);
    if (sidecar) sidecarRestarts += s.restartCount;
    if (s.state.terminated() && s.state.exitCode.value_or(0) == 0) continue;
    if (sidecar && s.started.value_or(false)) {
      if (s.ready) ++out.ready;
      continue;
    }
    if (s.state.terminated()) {
      if (!s.state.reason.empty()) {
        reason = "Init:" + s.state.reason;
      } else if (s.state.signal.value_or(0) != 0) {
        reason = fmt::format("Init:Signal:{}", *s.state.signal);
      } else {
        reason = fmt::format("Init:ExitCode:{}", s.state.exitCode.value_or(0));
      }
    } else if (s.state.waiting() && !s.state.reason.empty() && s.state.reason != "PodInitializing") {
      reason = "Init:" + s.state.reason;
    } else {
      reason = fmt::format("Init:{}/{}", i, initSpecs.size());
    }
    initializing = true;
    break;
  }
  out.restarts = allInitRestarts;

  const auto initialized = pod.condition("Initialized");
  if (!initializing || (initialized && initialized->isTrue())) {
    out.restarts = sidecarRestarts;
    bool hasRunning = false;
    const auto statuses = pod.containerStatuses();
    for (auto it = statuses.rbegin(); it != statuses.rend(); ++it) {
      const auto& s = *it;
      out.restarts += s.restartCount;
      if (s.state.waiting() && !s.state.reason.empty()) {
        reason = s.state.reason;
      } else if (s.state.terminated() && !s.state.reason.empty()) {
        reason = s.state.reason;
      } else if (s.state.terminated()) {
        reason = s.state.signal.value_or(0) != 0 ? fmt::format("Signal:{}", *s.state.signal)
                                                 : fmt::format("ExitCode:{}", s.state.exitCode.value_or(0));
      } else if (s.ready && s.state.running()) {
        hasRunning = true;
        ++out.ready;
      }
    }
    if (reason == "Completed" && hasRunning) reason = pod.isReady() ? "Running" : "NotReady";
  }

  const bool terminal = pod.phase() == "Succeeded" || pod.phase() == "Failed";
  if (pod.deletionTimestamp() && pod.reason() == "NodeLost") {
    reason = "Unknown";
  } else if (pod.deletionTimestamp() && !terminal) {
    reason = "Terminating";
  }
  out.status = reason;
  return out;
}

}  // namespace

std::string PodView::displayStatus() const {
  return summarize(*this).status;
}
int PodView::readyContainers() const {
  return summarize(*this).ready;
}
int PodView::totalContainers() const {
  return summarize(*this).total;
}
std::int64_t PodView::restarts() const {
  return summarize(*this).restarts;
}

// --- EventView ---------------------------------------------------------------------------------------

std::string EventView::type() const {
  return stringAt(v_, {"type"});
}
std::string EventView::reason() const {
  return stringAt(v_, {"reason"});
}
std::string EventView::message() const {
  const std::string note = stringAt(v_, {"note"});  // events.k8s.io/v1
  return note.empty() ? stringAt(v_, {"message"}) : note;
}
std::int64_t EventView::count() const {
  if (auto series = intAt(v_, {"series", "count"})) return *series;
  if (auto deprecated = intAt(v_, {"deprecatedCount"})) return *deprecated;
  if (auto plain = intAt(v_, {"count"}); plain && *plain > 0) return *plain;
  return 1;
}
std::optional<WallTime> EventView::eventTime() const {
  return timeAt(v_, {"eventTime"});
}
std::optional<WallTime> EventView::firstTimestamp() const {
  if (auto t = timeAt(v_, {"firstTimestamp"})) return t;
  if (auto t = timeAt(v_, {"deprecatedFirstTimestamp"})) return t;
  if (auto t = eventTime()) return t;
  return creationTimestamp();
}
std::optional<WallTime> EventView::lastTimestamp() const {
  if (auto t = timeAt(v_, {"series", "lastObservedTime"})) return t;
  if (auto t = timeAt(v_, {"lastTimestamp"})) return t;
  if (auto t = timeAt(v_, {"deprecatedLastTimestamp"})) return t;
  if (auto t = eventTime()) return t;
  return creationTimestamp();
}
ObjectReference EventView::involvedObject() const {
  if (const auto* regarding = lookup(v_, {"regarding"})) return readReference(regarding);
  return readReference(lookup(v_, {"involvedObject"}));
}
std::string EventView::source() const {
  const std::string controller = stringAt(v_, {"reportingController"});
  return controller.empty() ? stringAt(v_, {"source", "component"}) : controller;
}

// --- DeploymentView / ReplicaSetView -----------------------------------------------------------------

std::int64_t DeploymentView::desiredReplicas() const {
  return intAt(v_, {"spec", "replicas"}).value_or(1);
}
std::int64_t DeploymentView::replicas() const {
  return intAt(v_, {"status", "replicas"}).value_or(0);
}
std::int64_t DeploymentView::readyReplicas() const {
  return intAt(v_, {"status", "readyReplicas"}).value_or(0);
}
std::int64_t DeploymentView::updatedReplicas() const {
  return intAt(v_, {"status", "updatedReplicas"}).value_or(0);
}
std::int64_t DeploymentView::availableReplicas() const {
  return intAt(v_, {"status", "availableReplicas"}).value_or(0);
}
std::int64_t DeploymentView::unavailableReplicas() const {
  return intAt(v_, {"status", "unavailableReplicas"}).value_or(0);
}
std::optional<std::int64_t> DeploymentView::observedGeneration() const {
  return intAt(v_, {"status", "observedGeneration"});
}
bool DeploymentView::paused() const {
  return boolAt(v_, {"spec", "paused"});
}
std::string DeploymentView::strategy() const {
  const std::string type = stringAt(v_, {"spec", "strategy", "type"});
  return type.empty() ? "RollingUpdate" : type;
}
std::map<std::string, std::string> DeploymentView::selector() const {
  return stringMapAt(v_, {"spec", "selector", "matchLabels"});
}
std::vector<Condition> DeploymentView::conditions() const {
  return conditionsAt({"status", "conditions"});
}
std::optional<Condition> DeploymentView::condition(std::string_view type) const {
  return findCondition(conditions(), type);
}
std::vector<ContainerSpec> DeploymentView::containers() const {
  return readContainers(arrayAt(v_, {"spec", "template", "spec", "containers"}), false);
}

std::int64_t ReplicaSetView::desiredReplicas() const {
  return intAt(v_, {"spec", "replicas"}).value_or(1);
}
std::int64_t ReplicaSetView::replicas() const {
  return intAt(v_, {"status", "replicas"}).value_or(0);
}
std::int64_t ReplicaSetView::readyReplicas() const {
  return intAt(v_, {"status", "readyReplicas"}).value_or(0);
}
std::int64_t ReplicaSetView::availableReplicas() const {
  return intAt(v_, {"status", "availableReplicas"}).value_or(0);
}
std::optional<std::int64_t> ReplicaSetView::revision() const {
  const std::string text = stringAt(v_, {"metadata", "annotations", "deployment.kubernetes.io/revision"});
  std::int64_t value = 0;
  if (text.empty() || std::from_chars(text.data(), text.data() + text.size(), value).ec != std::errc()) {
    return std::nullopt;
  }
  return value;
}
std::map<std::string, std::string> ReplicaSetView::selector() const {
  return stringMapAt(v_, {"spec", "selector", "matchLabels"});
}
std::vector<ContainerSpec> ReplicaSetView::containers() const {
  return readContainers(arrayAt(v_, {"spec", "template", "spec", "containers"}), false);
}

// --- NodeView ----------------------------------------------------------------------------------------

std::vector<Condition> NodeView::conditions() const {
  return conditionsAt({"status", "conditions"});
}
std::optional<Condition> NodeView::condition(std::string_view type) const {
  return findCondition(conditions(), type);
}
bool NodeView::isReady() const {
  const auto ready = condition("Ready");
  return ready && ready->isTrue();
}
bool NodeView::unschedulable() const {
  return boolAt(v_, {"spec", "unschedulable"});
}
std::map<std::string, Quantity> NodeView::allocatable() const {
  return quantitiesAt(v_, {"status", "allocatable"});
}
std::map<std::string, Quantity> NodeView::capacity() const {
  return quantitiesAt(v_, {"status", "capacity"});
}
std::vector<Taint> NodeView::taints() const {
  std::vector<Taint> result;
  const auto* items = arrayAt(v_, {"spec", "taints"});
  if (items == nullptr) return result;
  for (const auto& item : *items) {
    result.push_back(
        Taint{stringAt(&item, {"key"}), stringAt(&item, {"value"}), stringAt(&item, {"effect"})});
  }
  return result;
}
std::string NodeView::kubeletVersion() const {
  return stringAt(v_, {"status", "nodeInfo", "kubeletVersion"});
}

// --- HorizontalPodAutoscalerView ---------------------------------------------------------------------

ObjectReference HorizontalPodAutoscalerView::scaleTargetRef() const {
  ObjectReference ref = readReference(lookup(v_, {"spec", "scaleTargetRef"}));
  ref.namespace_ = namespace_();
  return ref;
}
std::int64_t HorizontalPodAutoscalerView::minReplicas() const {
  return intAt(v_, {"spec", "minReplicas"}).value_or(1);
}
std::int64_t HorizontalPodAutoscalerView::maxReplicas() const {
  return intAt(v_, {"spec", "maxReplicas"}).value_or(0);
}
std::int64_t HorizontalPodAutoscalerView::currentReplicas() const {
  return intAt(v_, {"status", "currentReplicas"}).value_or(0);
}
std::int64_t HorizontalPodAutoscalerView::desiredReplicas() const {
  return intAt(v_, {"status", "desiredReplicas"}).value_or(0);
}
std::vector<HpaMetric> HorizontalPodAutoscalerView::metrics() const {
  std::vector<HpaMetric> result;
  if (const auto* items = arrayAt(v_, {"spec", "metrics"})) {
    for (const auto& item : *items)
      result.push_back(readMetric(item, false));
  }
  return result;
}
std::vector<HpaMetric> HorizontalPodAutoscalerView::currentMetrics() const {
  std::vector<HpaMetric> result;
  if (const auto* items = arrayAt(v_, {"status", "currentMetrics"})) {
    for (const auto& item : *items)
      result.push_back(readMetric(item, true));
  }
  return result;
}
std::vector<Condition> HorizontalPodAutoscalerView::conditions() const {
  return conditionsAt({"status", "conditions"});
}
std::optional<Condition> HorizontalPodAutoscalerView::condition(std::string_view type) const {
  return findCondition(conditions(), type);
}

// --- Service, Endpoints, PVC -------------------------------------------------------------------------

std::string ServiceView::type() const {
  const std::string type = stringAt(v_, {"spec", "type"});
  return type.empty() ? "ClusterIP" : type;
}
std::string ServiceView::clusterIP() const {
  return stringAt(v_, {"spec", "clusterIP"});
}
std::map<std::string, std::string> ServiceView::selector() const {
  return stringMapAt(v_, {"spec", "selector"});
}
std::vector<ServicePort> ServiceView::ports() const {
  std::vector<ServicePort> result;
  const auto* items = arrayAt(v_, {"spec", "ports"});
  if (items == nullptr) return result;
  for (const auto& item : *items) {
    ServicePort p;
    p.name = stringAt(&item, {"name"});
    p.protocol = stringAt(&item, {"protocol"});
    if (p.protocol.empty()) p.protocol = "TCP";
    p.port = intAt(&item, {"port"}).value_or(0);
    if (const auto* target = lookup(&item, {"targetPort"})) {
      if (target->is_string()) p.targetPort = std::string(target->get_string());
      if (target->is_int64()) p.targetPort = std::to_string(target->get_int64());
    }
    p.nodePort = intAt(&item, {"nodePort"});
    result.push_back(std::move(p));
  }
  return result;
}

std::int64_t EndpointsView::readyAddresses() const {
  std::int64_t total = 0;
  if (const auto* subsets = arrayAt(v_, {"subsets"})) {
    for (const auto& subset : *subsets) {
      if (const auto* addresses = arrayAt(&subset, {"addresses"}))
        total += static_cast<std::int64_t>(addresses->size());
    }
  }
  return total;
}
std::int64_t EndpointsView::notReadyAddresses() const {
  std::int64_t total = 0;
  if (const auto* subsets = arrayAt(v_, {"subsets"})) {
    for (const auto& subset : *subsets) {
      if (const auto* addresses = arrayAt(&subset, {"notReadyAddresses"})) {
        total += static_cast<std::int64_t>(addresses->size());
      }
    }
  }
  return total;
}
std::vector<std::string> EndpointsView::readyTargetPods() const {
  std::vector<std::string> result;
  if (const auto* subsets = arrayAt(v_, {"subsets"})) {
    for (const auto& subset : *subsets) {
      const auto* addresses = arrayAt(&subset, {"addresses"});
      if (addresses == nullptr) continue;
      for (const auto& address : *addresses) {
        if (stringAt(&address, {"targetRef", "kind"}) == "Pod")
          result.push_back(stringAt(&address, {"targetRef", "name"}));
      }
    }
  }
  return result;
}

std::string PersistentVolumeClaimView::phase() const {
  return stringAt(v_, {"status", "phase"});
}
std::string PersistentVolumeClaimView::storageClassName() const {
  return stringAt(v_, {"spec", "storageClassName"});
}
std::string PersistentVolumeClaimView::volumeName() const {
  return stringAt(v_, {"spec", "volumeName"});
}
std::vector<std::string> PersistentVolumeClaimView::accessModes() const {
  std::vector<std::string> result;
  if (const auto* items = arrayAt(v_, {"spec", "accessModes"})) {
    for (const auto& item : *items) {
      if (item.is_string()) result.emplace_back(item.get_string());
    }
  }
  return result;
}
std::optional<Quantity> PersistentVolumeClaimView::requestedStorage() const {
  return quantityAt(v_, {"spec", "resources", "requests", "storage"});
}
std::optional<Quantity> PersistentVolumeClaimView::capacity() const {
  return quantityAt(v_, {"status", "capacity", "storage"});
}

}  // namespace aiops::kube

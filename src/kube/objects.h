// Read-only typed views over Kubernetes objects held as boost::json: Pod, Event, Deployment, ReplicaSet,
// Node, HorizontalPodAutoscaler (autoscaling/v2), Service, Endpoints, PersistentVolumeClaim.
//
// A view borrows the JSON (which must outlive it) and never throws: a missing or mistyped field reads as
// empty, zero, false or nullopt, because objects from real clusters omit whatever is unset.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kube/quantity.h"
#include "support/timestamps.h"

namespace aiops::kube {

// Low-level accessors: the value at a path of object keys, or nullptr.
const boost::json::value* lookup(const boost::json::value* root,
                                 std::initializer_list<std::string_view> path);
std::string stringAt(const boost::json::value* root, std::initializer_list<std::string_view> path);
std::optional<std::int64_t> intAt(const boost::json::value* root,
                                  std::initializer_list<std::string_view> path);
bool boolAt(const boost::json::value* root, std::initializer_list<std::string_view> path);
std::optional<WallTime> timeAt(const boost::json::value* root, std::initializer_list<std::string_view> path);
std::map<std::string, std::string> stringMapAt(const boost::json::value* root,
                                               std::initializer_list<std::string_view> path);
// A map of resource name to Quantity (requests, limits, allocatable, capacity); unparsable entries skipped.
std::map<std::string, Quantity> quantitiesAt(const boost::json::value* root,
                                             std::initializer_list<std::string_view> path);

struct Condition {
  std::string type;
  std::string status;  // "True", "False", "Unknown"
  std::string reason;
  std::string message;
  std::optional<WallTime> lastTransitionTime;
  bool isTrue() const { return status == "True"; }
};

struct OwnerReference {
  std::string apiVersion;
  std::string kind;
  std::string name;
  std::string uid;
  bool controller = false;
};

struct ObjectReference {
  std::string kind;
  std::string namespace_;
  std::string name;
  std::string uid;
  std::string apiVersion;
  std::string fieldPath;
};

class ObjectView {
 public:
  explicit ObjectView(const boost::json::value& object) : v_(&object) {}
  const boost::json::value& json() const { return *v_; }

  std::string kind() const;
  std::string apiVersion() const;
  std::string name() const;
  std::string namespace_() const;
  std::string uid() const;
  std::string resourceVersion() const;
  std::optional<std::int64_t> generation() const;
  std::map<std::string, std::string> labels() const;
  std::map<std::string, std::string> annotations() const;
  std::optional<WallTime> creationTimestamp() const;
  std::optional<WallTime> deletionTimestamp() const;
  std::vector<OwnerReference> ownerReferences() const;
  std::optional<OwnerReference> controllerOwner() const;  // the owner with controller: true

 protected:
  std::vector<Condition> conditionsAt(std::initializer_list<std::string_view> path) const;
  const boost::json::value* v_;
};

// --- Pods --------------------------------------------------------------------------------------------

struct ContainerState {
  enum class Kind { Unknown, Waiting, Running, Terminated };
  Kind kind = Kind::Unknown;
  std::string reason;   // waiting/terminated
  std::string message;  // waiting/terminated
  std::optional<int> exitCode;
  std::optional<int> signal;
  std::optional<WallTime> startedAt;  // running/terminated
  std::optional<WallTime> finishedAt;
  bool waiting() const { return kind == Kind::Waiting; }
  bool running() const { return kind == Kind::Running; }
  bool terminated() const { return kind == Kind::Terminated; }
};

struct ContainerStatus {
  std::string name;
  bool init = false;
  bool ready = false;
  std::optional<bool> started;
  std::int64_t restartCount = 0;
  std::string image;
  std::string imageID;
  ContainerState state;
  ContainerState lastState;
};

struct ContainerSpec {
  std::string name;
  std::string image;
  bool init = false;
  std::string restartPolicy;  // "Always" marks a sidecar (restartable init container)
  std::map<std::string, Quantity> requests;
  std::map<std::string, Quantity> limits;
  bool hasLivenessProbe = false;
  bool hasReadinessProbe = false;
};

class PodView : public ObjectView {
 public:
  using ObjectView::ObjectView;

  std::string phase() const;
  std::string reason() const;  // status.reason (Evicted, NodeLost, ...)
  std::string message() const;
  std::string nodeName() const;
  std::string qosClass() const;
  std::optional<WallTime> startTime() const;
  std::vector<Condition> conditions() const;
  std::optional<Condition> condition(std::string_view type) const;
  bool isReady() const;  // the Ready condition is True
  std::vector<ContainerSpec> containers() const;
  std::vector<ContainerSpec> initContainers() const;
  std::vector<ContainerStatus> containerStatuses() const;
  std::vector<ContainerStatus> initContainerStatuses() const;
  std::optional<ContainerStatus> containerStatus(std::string_view name) const;

  // The STATUS column of `kubectl get pods`: the phase, or the reason that best explains it
  // ("CrashLoopBackOff", "Init:0/2", "Init:ErrImagePull", "OOMKilled", "Terminating", "Completed").
  std::string displayStatus() const;
  // READY column: ready containers / containers (sidecars count once they run).
  int readyContainers() const;
  int totalContainers() const;
  // RESTARTS column: restarts of app containers and sidecars (kubectl's rule).
  std::int64_t restarts() const;
};

// --- Events ------------------------------------------------------------------------------------------

class EventView : public ObjectView {
 public:
  using ObjectView::ObjectView;

  std::string type() const;  // Normal, Warning
  std::string reason() const;
  std::string message() const;
  // Occurrences: series.count, else count, else 1.
  std::int64_t count() const;
  // firstTimestamp, else eventTime, else creationTimestamp.
  std::optional<WallTime> firstTimestamp() const;
  // series.lastObservedTime, else lastTimestamp, else eventTime, else creationTimestamp.
  std::optional<WallTime> lastTimestamp() const;
  std::optional<WallTime> eventTime() const;
  ObjectReference involvedObject() const;  // "regarding" in events.k8s.io/v1
  std::string source() const;              // reportingController, else source.component
};

// --- Workloads ---------------------------------------------------------------------------------------

class DeploymentView : public ObjectView {
 public:
  using ObjectView::ObjectView;

  std::int64_t desiredReplicas() const;  // spec.replicas, default 1
  std::int64_t replicas() const;         // status.replicas
  std::int64_t readyReplicas() const;
  std::int64_t updatedReplicas() const;
  std::int64_t availableReplicas() const;
  std::int64_t unavailableReplicas() const;
  std::optional<std::int64_t> observedGeneration() const;
  bool paused() const;
  std::string strategy() const;                         // RollingUpdate (default), Recreate
  std::map<std::string, std::string> selector() const;  // spec.selector.matchLabels
  std::vector<Condition> conditions() const;
  std::optional<Condition> condition(std::string_view type) const;
  std::vector<ContainerSpec> containers() const;  // of the pod template
};

class ReplicaSetView : public ObjectView {
 public:
  using ObjectView::ObjectView;

  std::int64_t desiredReplicas() const;  // spec.replicas, default 1
  std::int64_t replicas() const;
  std::int64_t readyReplicas() const;
  std::int64_t availableReplicas() const;
  std::optional<std::int64_t> revision() const;  // deployment.kubernetes.io/revision
  std::map<std::string, std::string> selector() const;
  std::vector<ContainerSpec> containers() const;
};

// --- Nodes -------------------------------------------------------------------------------------------

struct Taint {
  std::string key;
  std::string value;
  std::string effect;  // NoSchedule, PreferNoSchedule, NoExecute
};

class NodeView : public ObjectView {
 public:
  using ObjectView::ObjectView;

  std::vector<Condition> conditions() const;
  std::optional<Condition> condition(std::string_view type) const;
  bool isReady() const;
  bool unschedulable() const;
  std::map<std::string, Quantity> allocatable() const;
  std::map<std::string, Quantity> capacity() const;
  std::vector<Taint> taints() const;
  std::string kubeletVersion() const;
};

// --- Autoscaling -------------------------------------------------------------------------------------

struct HpaMetric {
  std::string type;          // Resource, ContainerResource, Pods, Object, External
  std::string resourceName;  // cpu, memory (Resource and ContainerResource)
  std::string metricName;    // Pods, Object, External
  std::string targetType;    // Utilization, AverageValue, Value
  std::optional<std::int64_t> averageUtilization;
  std::optional<Quantity> averageValue;
  std::optional<Quantity> value;
};

class HorizontalPodAutoscalerView : public ObjectView {
 public:
  using ObjectView::ObjectView;

  ObjectReference scaleTargetRef() const;
  std::int64_t minReplicas() const;  // default 1
  std::int64_t maxReplicas() const;
  std::int64_t currentReplicas() const;
  std::int64_t desiredReplicas() const;
  std::vector<HpaMetric> metrics() const;         // spec.metrics (targets)
  std::vector<HpaMetric> currentMetrics() const;  // status.currentMetrics (current values)
  std::vector<Condition> conditions() const;
  std::optional<Condition> condition(std::string_view type) const;
};

// --- Networking and storage --------------------------------------------------------------------------

struct ServicePort {
  std::string name;
  std::string protocol;  // default TCP
  std::int64_t port = 0;
  std::string targetPort;  // a number or a named port, as text; empty: same as port
  std::optional<std::int64_t> nodePort;
};

class ServiceView : public ObjectView {
 public:
  using ObjectView::ObjectView;

  std::string type() const;  // ClusterIP (default), NodePort, LoadBalancer, ExternalName
  std::string clusterIP() const;
  std::map<std::string, std::string> selector() const;
  std::vector<ServicePort> ports() const;
};

class EndpointsView : public ObjectView {
 public:
  using ObjectView::ObjectView;

  std::int64_t readyAddresses() const;               // summed over subsets
  std::int64_t notReadyAddresses() const;            // summed over subsets
  std::vector<std::string> readyTargetPods() const;  // targetRef names of ready addresses that are pods
};

class PersistentVolumeClaimView : public ObjectView {
 public:
  using ObjectView::ObjectView;

  std::string phase() const;  // Pending, Bound, Lost
  std::string storageClassName() const;
  std::string volumeName() const;
  std::vector<std::string> accessModes() const;
  std::optional<Quantity> requestedStorage() const;  // spec.resources.requests.storage
  std::optional<Quantity> capacity() const;          // status.capacity.storage
};

}  // namespace aiops::kube

// kube-scheduler 1.32's default profile, reduced to what kubesim's clusters exercise, as one pure function.
//
// Reproduces (pkg/scheduler, framework plugins and preemption):
// - PreFilter VolumeBinding: `persistentvolumeclaim "x" not found`, `persistentvolumeclaim "x" is being
//   deleted`, `pod has unbound immediate PersistentVolumeClaims` (a claim whose StorageClass is missing
//   counts as immediate, as upstream's IsDelayBindingMode does; the missing class itself is reported on the
//   PVC by the PV controller, see provisioningFailure below).
// - Filters in the default plugin order, first failing plugin wins per node: NodeUnschedulable (`node(s) were
//   unschedulable`), TaintToleration (`node(s) had untolerated taint {key: value}`, NoSchedule and NoExecute
//   only), NodeAffinity (nodeSelector and required node affinity: `node(s) didn't match Pod's node
//   affinity/selector`), NodePorts (`node(s) didn't have free ports for the requested pod ports`),
//   NodeResourcesFit (`Too many pods`, `Insufficient cpu`, `Insufficient memory`, `Insufficient
//   ephemeral-storage`, `Insufficient <extended>`; pod requests are max(sum of containers + sidecars, each
//   init container) plus overhead), VolumeBinding for WaitForFirstConsumer claims of a
//   `kubernetes.io/no-provisioner` class (`node(s) didn't find available persistent volumes to bind`).
// - FitError text: `0/N nodes are available: <count reason, ...sorted as strings>.` then the preemption
//   PostFilter message ` preemption: ...` and its own trailing "." (hence the real double period).
// - DefaultPreemption: `not eligible due to preemptionPolicy=Never.`; nodes whose failure is
//   UnschedulableAndUnresolvable get `Preemption is not helpful for scheduling`; nodes without lower-priority
//   pods get `No preemption victims found for incoming pod`; otherwise victims are chosen (remove all
//   lower-priority pods, reprieve from the most important down) and the node is picked by upstream's criteria
//   (lowest highest victim priority, lowest priority sum, fewest victims, latest start of the top victims,
//   then node order). NodeResourcesFit is Unschedulable (resolvable) in 1.32 even when a request exceeds the
//   node's allocatable.
// - Scoring: NodeResourcesFit LeastAllocated over cpu and memory with the scheduler's non-zero defaults
//   (100m, 200Mi); ties go to the first node name (upstream breaks ties at random).
// Not modelled: inter-pod affinity, topology spread, volume zones and limits, PDBs in preemption, images.
// Nodes must carry status.allocatable (cpu, memory, pods) as a kubelet reports it: a node without `pods`
// allocatable admits no pod, as upstream.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api_objects.h"

namespace kubesim::controllers {

struct ScheduleResult {
  bool scheduled = false;
  std::string nodeName;  // the chosen node when scheduled
  // On failure: the PodScheduled=False condition reason ("Unschedulable", or "SchedulerError" for internal
  // errors) and the message that is both the condition message and the FailedScheduling event message.
  std::string reason;
  std::string message;
  // When preemption found a node: the pod's status.nominatedNodeName and the pods to delete
  // ("namespace/name").
  std::string nominatedNodeName;
  std::vector<std::string> victims;
  // The events the scheduler records for the pod: Scheduled on success, FailedScheduling on failure; for each
  // victim the Preempted event ("Preempted by pod <uid> on node <node>") is in victimEvents, same order.
  std::vector<Event> events;
  std::vector<Event> victimEvents;
};

// Schedules one pod. podsOnNodes are pods already bound (spec.nodeName set); terminal pods and the pod itself
// are ignored. pvcs are the claims of the pod's namespace (others are ignored); storageClasses all classes.
ScheduleResult schedule(const json::object& pod, const std::vector<json::object>& nodes,
                        const std::vector<json::object>& podsOnNodes, const std::vector<json::object>& pvcs,
                        const std::vector<json::object>& storageClasses);

// A pod's effective requests in milli-units by resource name ("cpu", "memory", ...), as the scheduler and the
// kubelet's admission compute them: containers summed (requests default to limits), restartable init
// containers (sidecars) added, each regular init container as a floor, pod overhead added.
std::vector<std::pair<std::string, std::int64_t>> podRequests(const json::object& pod);

// True when one of the tolerations tolerates the taint (operator Equal/Exists, empty key with Exists matches
// all).
bool toleratesTaint(const json::array* tolerations, const json::object& taint);

// True when the node's labels and name satisfy the pod's nodeSelector and required node affinity.
bool matchesNodeAffinity(const json::object& pod, const json::object& node);

// The PV controller's verdict on an unbound claim that it cannot provision: the ProvisioningFailed or
// FailedBinding event it records on the PVC, or nullopt when provisioning can proceed (or the claim is
// bound). `storageclass.storage.k8s.io "fast" not found` (ProvisioningFailed) for a missing class; `no
// persistent volumes available for this claim and no storage class is set` (FailedBinding) without a class.
std::optional<Event> provisioningFailure(const json::object& pvc,
                                         const std::vector<json::object>& storageClasses);

}  // namespace kubesim::controllers

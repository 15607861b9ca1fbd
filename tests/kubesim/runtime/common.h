// Shared vocabulary of kubesim's controller runtime: the resources it touches, JSON access for API objects
// held as boost::json, owner references, label selection, pod state tests and quantity rendering.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../meta.h"
#include "../store.h"

namespace kubesim::runtime {

namespace json = boost::json;
using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::nanoseconds;
using Seconds = std::chrono::seconds;

// Where the runtime's objects live in the store.
namespace gr {
inline const GroupResource pods{"", "pods"};
inline const GroupResource nodes{"", "nodes"};
inline const GroupResource services{"", "services"};
inline const GroupResource endpoints{"", "endpoints"};
inline const GroupResource events{"", "events"};
inline const GroupResource configMaps{"", "configmaps"};
inline const GroupResource secrets{"", "secrets"};
inline const GroupResource namespaces{"", "namespaces"};
inline const GroupResource resourceQuotas{"", "resourcequotas"};
inline const GroupResource limitRanges{"", "limitranges"};
inline const GroupResource pvcs{"", "persistentvolumeclaims"};
inline const GroupResource pvs{"", "persistentvolumes"};
inline const GroupResource replicationControllers{"", "replicationcontrollers"};
inline const GroupResource deployments{"apps", "deployments"};
inline const GroupResource replicaSets{"apps", "replicasets"};
inline const GroupResource statefulSets{"apps", "statefulsets"};
inline const GroupResource daemonSets{"apps", "daemonsets"};
inline const GroupResource controllerRevisions{"apps", "controllerrevisions"};
inline const GroupResource jobs{"batch", "jobs"};
inline const GroupResource cronJobs{"batch", "cronjobs"};
inline const GroupResource hpas{"autoscaling", "horizontalpodautoscalers"};
inline const GroupResource leases{"coordination.k8s.io", "leases"};
inline const GroupResource endpointSlices{"discovery.k8s.io", "endpointslices"};
inline const GroupResource storageClasses{"storage.k8s.io", "storageclasses"};
inline const GroupResource podMetrics{"metrics.k8s.io", "pods"};
inline const GroupResource nodeMetrics{"metrics.k8s.io", "nodes"};
}  // namespace gr

// ---- reading and writing JSON ----

// obj[key] as an object, created (replacing a non-object) when absent.
json::object& objectAt(json::object& parent, std::string_view key);
// obj[key] as an array, created when absent.
json::array& arrayAt(json::object& parent, std::string_view key);
// The labels of an object (an empty object when it has none).
const json::object& labelsOf(const json::object& object);
// A quantity (string or number) in milli-units; nullopt when absent or malformed.
std::optional<std::int64_t> quantityMilli(const json::value* value);
// container.resources.<kind>.<resource> in milli-units ("requests"/"limits", "cpu"/"memory").
std::optional<std::int64_t> containerResource(const json::object& container, std::string_view kind,
                                              std::string_view resource);

// All objects of a resource (optionally of one namespace), as copies in store key order.
std::vector<json::object> listAll(const Store& store, const GroupResource& resource,
                                  std::string_view ns = {});
// The object, copied; nullopt when absent (or the resource is not registered).
std::optional<json::object> getObject(const Store& store, const GroupResource& resource, std::string_view ns,
                                      std::string_view name);

// ---- ownership and selection ----

// The ownerReference marked controller, or nullptr.
const json::object* controllerRef(const json::object& object);
// True when the object's controller reference points at owner (by uid, or by kind and name when the
// reference carries no uid, as hand-written scenarios leave it).
bool controlledBy(const json::object& object, const json::object& owner, std::string_view ownerKind);
// A controller ownerReference to owner.
json::object ownerReference(const json::object& owner, std::string_view apiVersion, std::string_view kind,
                            bool blockOwnerDeletion = true);
// True when a LabelSelector object (matchLabels/matchExpressions) selects the labels; an empty or malformed
// selector selects nothing, as controllers treat it.
bool selectorMatches(const json::object* selector, const json::object& labels);
// True when a plain label map (a Service's spec.selector) selects the labels; empty selects nothing.
bool mapSelectorMatches(const json::object* selector, const json::object& labels);

// ---- pods ----

// controller.GetPodFromTemplate: a pod from a pod template (labels, annotations, finalizers, spec), named
// by generateName "<owner>-" and controlled by owner, an apps/v1 object of ownerKind.
json::object podFromTemplate(const json::object& owner, std::string_view ownerKind,
                             const json::object& podTemplate);
// When a Ready pod becomes available under minReadySeconds (Ready for longer than that, on the API's
// second-granular clock); nullopt when it is not Ready.
std::optional<TimePoint> podAvailableAt(const json::object& pod, std::int64_t minReadySeconds);

bool isTerminal(const json::object& pod);     // phase Succeeded or Failed
bool isTerminating(const json::object& pod);  // metadata.deletionTimestamp set
bool isPodReady(const json::object& pod);     // the Ready condition is True
std::string podPhase(const json::object& pod);
// The pod's containers (or initContainers) as objects, in spec order.
std::vector<const json::object*> containersOf(const json::object& pod, std::string_view key = "containers");

// ---- conditions ----

// Sets a condition in status.conditions in the API's way: lastTransitionTime moves only when status
// changes; reason and message always follow. Returns true when anything changed.
bool setCondition(json::object& status, std::string_view type, std::string_view conditionStatus,
                  std::string_view reason, std::string_view message, TimePoint now,
                  bool withProbeTime = false);
const json::object* conditionOf(const json::object& status, std::string_view type);

// ---- retries ----

// The work queue's per-object rate limit after a failed write (a refused create): the first retry after
// 1 s, doubling up to 1000 s, forgotten after a success.
class RetryBackOff {
 public:
  // The instant the key may be tried again, when it is still backing off at now.
  std::optional<TimePoint> waitingUntil(const std::string& key, TimePoint now) const;
  // Records a failure at now; returns when to retry.
  TimePoint failed(const std::string& key, TimePoint now);
  void succeeded(const std::string& key) { entries_.erase(key); }

 private:
  struct Entry {
    Duration delay{0};
    TimePoint retryAt{};
  };
  std::map<std::string, Entry> entries_;
};

// ---- quantities and ids ----

// resource.Quantity.String() for a milli-value in the format the value was written in: BinarySI renders
// whole multiples of 1024 as "256Mi" (falling back to decimal), DecimalSI as "500m", "1", "2k".
std::string formatQuantity(std::int64_t milli, bool binary);
// A deterministic lowercase hex string of `length` characters from a seed text (container and image ids).
std::string hexId(std::string_view seed, std::size_t length = 64);
// Go's time.Duration.String() for a std duration.
std::string goDuration(Duration duration);

}  // namespace kubesim::runtime

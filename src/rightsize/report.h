// The daily resource report (`kubectl aiops report resources`): per pod and per node usage from the history
// store, PVC use and network I/O, and the over- and under-provisioned pods with their recommendations.
//
// Pure: buildReport reads only the store it is given and the cluster facts the command passes in (pods with
// their node, workload and containers' resources; nodes with their allocatable; PVCs), so every number is
// testable with a store filled by hand. docs/rightsizing.md ("The daily resource report") defines each one.
//
// Why a handful of store queries rather than one per pod: a namespace of 1,000 pods would otherwise cost
// thousands of SQLite round trips; the report reads each metric of the whole scope once (about eight queries)
// and groups the series in memory.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "history/store.h"
#include "rightsize/rightsize.h"

namespace aiops::rightsize {

// --- the cluster facts -----------------------------------------------------------------------------------

struct ContainerSpec {
  std::string name;
  Resources resources;
};

struct PodSpec {
  std::string namespace_;
  std::string name;
  std::string node;      // empty: not scheduled
  std::string workload;  // as the collector keys it: "Deployment/backend", "Pod/standalone"
  std::vector<ContainerSpec> containers;
  // What the scheduler counts against the node (app containers, init containers, overhead; see podRequests).
  std::int64_t requestedCpuMillis = 0;
  std::int64_t requestedMemoryBytes = 0;
  bool terminated = false;  // phase Succeeded or Failed: holds no requests on its node
};

struct NodeSpec {
  std::string name;
  std::int64_t allocatableCpuMillis = 0;
  std::int64_t allocatableMemoryBytes = 0;
};

struct ClaimSpec {
  std::string namespace_;
  std::string name;
  std::optional<std::int64_t> capacityBytes;  // status.capacity.storage (bound), else spec.resources.requests
};

// Reads the cluster's List objects into the facts above. `nodePods` are the pods whose requests count against
// the nodes (every namespace when the caller could list them, else the reported pods): a node's "requested"
// is theirs. Items without a name are skipped.
struct ClusterFacts {
  std::vector<PodSpec> pods;      // the reported pods (sorted by namespace, name)
  std::vector<PodSpec> nodePods;  // for the nodes' requested resources
  std::vector<NodeSpec> nodes;    // sorted by name
  std::vector<ClaimSpec> claims;
};
ClusterFacts clusterFacts(const boost::json::value& podList, const boost::json::value* nodePodList,
                          const boost::json::value& nodeList, const boost::json::value* claimList);

// One pod object's containers, workload and the requests the scheduler counts: max(sum of app containers and
// restartable init containers, the largest one-off init container plus the sidecars started before it),
// plus spec.overhead.
PodSpec podSpecOf(const boost::json::value& pod);

// --- the report ------------------------------------------------------------------------------------------

struct ReportOptions {
  std::string namespace_;  // ignored when allNamespaces
  bool allNamespaces = false;
  std::int64_t windowSeconds = 86400;
  std::optional<std::int64_t> end;  // exclusive end of the window; default: the newest sample + 1
  double overRatio = 0.5;           // over-provisioned: p95 CPU (or peak memory) below 50% of the request
  double underRatio = 0.8;          // under-provisioned: peak above 80% of the limit
  ResourcePolicy policy;
  Prices prices;
};

struct CpuUsage {  // millicores
  std::int64_t samples = 0;
  std::int64_t p50 = 0;
  std::int64_t p95 = 0;
  std::int64_t peak = 0;
  friend bool operator==(const CpuUsage&, const CpuUsage&) = default;
};

inline constexpr std::int64_t kTrendSeconds = 6 * 3600;

struct MemoryUsage {  // bytes
  std::int64_t samples = 0;
  std::int64_t peak = 0;
  std::int64_t sustained = 0;  // p50 over the window
  // Least-squares slope, bytes per day (rounded); only over at least kTrendSeconds of samples, since a few
  // minutes of start-up growth extrapolated to a day reads as a leak.
  std::optional<std::int64_t> growthPerDay;
  friend bool operator==(const MemoryUsage&, const MemoryUsage&) = default;
};

struct ContainerReport {
  std::string name;
  Resources resources;
  CpuUsage cpu;
  MemoryUsage memory;
  history::Distribution cpuDistribution;  // what the recommendation is computed from
  history::Distribution memoryDistribution;
};

struct VolumeReport {
  std::string claim;
  std::int64_t usedBytes = 0;  // the newest volume_used sample in the window
  std::int64_t time = 0;       // its time
  std::optional<std::int64_t> capacityBytes;
};

struct NetworkReport {
  // Bytes per second averaged over the span of the samples in the window; counter resets handled.
  std::optional<double> rxBytesPerSecond;
  std::optional<double> txBytesPerSecond;
};

struct PodReport {
  std::string namespace_;
  std::string name;
  std::string node;
  std::string workload;
  Resources resources;  // summed over the containers; a sum is absent unless every container sets it
  CpuUsage cpu;         // the sum over its containers at each sample time
  MemoryUsage memory;
  std::vector<ContainerReport> containers;
  NetworkReport network;
  std::vector<VolumeReport> volumes;
  bool hasHistory = false;
};

struct NodeReport {
  std::string name;
  CpuUsage cpu;
  MemoryUsage memory;
  std::int64_t allocatableCpuMillis = 0;
  std::int64_t allocatableMemoryBytes = 0;
  std::int64_t requestedCpuMillis = 0;
  std::int64_t requestedMemoryBytes = 0;
  std::int64_t pods = 0;  // non-terminated pods on it
  bool hasHistory = false;
};

// Why a container of a listed pod is there: "cpu p95 40m is 20% of request 200m".
struct ProvisioningReason {
  std::string container;
  std::string resource;        // "cpu" or "memory"
  std::int64_t used = 0;       // p95 CPU or peak memory (over), peak (under)
  std::int64_t reference = 0;  // the request (over) or the limit (under)
  std::int64_t percent = 0;    // used / reference, rounded down
  std::string text;
};

struct ProvisioningItem {
  std::string namespace_;
  std::string pod;
  std::string workload;
  std::vector<ProvisioningReason> reasons;
  std::vector<ContainerRecommendation> recommendations;  // for each container named in reasons
  double monthlyCostNow = 0;                             // of the named containers' requests
  double monthlyCostRecommended = 0;                     // of the recommended requests
  double monthlySaving = 0;                              // now - recommended (negative: the fix costs more)
};

struct ResourceReport {
  std::string namespace_;
  bool allNamespaces = false;
  std::int64_t from = 0;  // the window [from, to), Unix seconds
  std::int64_t to = 0;
  std::int64_t windowSeconds = 0;
  std::vector<PodReport> pods;    // by namespace, name
  std::vector<NodeReport> nodes;  // by name: every node (-A), else the nodes of the reported pods
  std::vector<ProvisioningItem> overProvisioned;   // by saving, largest first; then namespace, pod
  std::vector<ProvisioningItem> underProvisioned;  // by namespace, pod
  double monthlySaving = 0;                        // over the over-provisioned list
  double overRatio = 0.5;                          // the options' thresholds, for the renderings
  double underRatio = 0.8;
  std::vector<std::string> warnings;  // e.g. pods without history
  Prices prices;
};

// Builds the report. Throws history::StoreError when the store cannot be read.
ResourceReport buildReport(const history::Store& store, const ClusterFacts& facts,
                           const ReportOptions& options);

// --- the pieces, for tests and the docs ------------------------------------------------------------------

// Least-squares slope of value over time, in value units per day; 0 with fewer than two distinct times.
double slopePerDay(const std::vector<history::Sample>& samples);
// A counter's increase over the samples (a drop is a reset: the new value counts from zero), divided by the
// span between the first and the last sample; nullopt with fewer than two samples.
std::optional<double> counterRate(const std::vector<history::Sample>& samples);
// The element-wise sum of several series at each time any of them has a sample (ascending time).
std::vector<history::Sample> sumByTime(const std::vector<const std::vector<history::Sample>*>& series);

// --- rendering -------------------------------------------------------------------------------------------

// "namespace todo" or "all namespaces".
std::string scopeText(const ResourceReport& report);
// The stable JSON document (docs/rightsizing.md).
boost::json::value toJson(const ResourceReport& report);
void printText(const ResourceReport& report, std::ostream& out, bool colour);
void printMarkdown(const ResourceReport& report, std::ostream& out);

// Usage for people: "1.5Gi", "160Mi", "512Ki", "900B" (one decimal, binary units).
std::string humanBytes(double bytes);

}  // namespace aiops::rightsize

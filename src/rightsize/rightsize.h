// src/rightsize/: the maths of right-sizing and autoscaling recommendations, as pure functions of usage
// distributions, the workload's current resources and the cluster's capacity. Uses src/history/ (its
// Distribution) and src/model/ only: no cluster access, no store access, so every number is testable by hand.
// The recommend and report commands gather the inputs; docs/rightsizing.md states every rule below.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "history/store.h"

namespace aiops::rightsize {

// --- requests and limits (`recommend resources`) -----------------------------------------------------------

struct ResourcePolicy {
  double cpuMargin = 1.3;                  // CPU request = p95 x 1.3 ...
  double memoryPercentileMargin = 1.3;     // memory request = max(p99 x 1.3,
  double memoryMaxMargin = 1.15;           //                     max x 1.15)
  std::int64_t cpuStepMillis = 5;          // rounded up to a multiple of 5m
  std::int64_t memoryStepBytes = 1 << 20;  // and 1Mi
  std::int64_t cpuFloorMillis = 10;
  std::int64_t memoryFloorBytes = 32LL << 20;
  // After an OOM kill: memory at least max(used + 100Mi, used x 1.2), used = max(limit at the kill, max
  // seen).
  std::int64_t oomBumpBytes = 100LL << 20;
  double oomBumpFactor = 1.2;
};

struct Resources {
  std::optional<std::int64_t> cpuRequestMillis;
  std::optional<std::int64_t> cpuLimitMillis;
  std::optional<std::int64_t> memoryRequestBytes;
  std::optional<std::int64_t> memoryLimitBytes;
  friend bool operator==(const Resources&, const Resources&) = default;
};

struct ContainerUsage {
  std::string container;
  history::Distribution cpu;     // millicores
  history::Distribution memory;  // bytes
  Resources current;
  // The memory limit (bytes) at the most recent OOM kill that the rules must stay above, if any.
  std::optional<std::int64_t> oomKilledAtLimit;
};

struct ContainerRecommendation {
  std::string container;
  Resources current;
  Resources recommended;
  // One line per rule that decided a value, with its arithmetic:
  // "cpu request 235m = p95 180m × 1.3 = 234m, rounded up to a multiple of 5m".
  std::vector<std::string> reasons;
  friend bool operator==(const ContainerRecommendation&, const ContainerRecommendation&) = default;
};

// Requests: CPU = p95 x cpuMargin, memory = max(p99 x memoryPercentileMargin, max x memoryMaxMargin), each
// rounded up to its step and raised to its floor; after an OOM kill memory is at least the OOM bump.
// Limits: memory limit = memory request (memory cannot be throttled; a limit above the request only lets the
// pod be evicted or OOM-killed later, not safer). CPU limit: unset stays unset; a set limit keeps its ratio
// to the request (an unset request counts as equal to the limit, as Kubernetes defaults it), and never falls
// below the observed CPU max. A resource whose distribution has no samples (count 0) keeps its current
// request and limit, and a reason says so. Margins are applied exactly to a millionth (no floating-point
// drift: 100m x 1.3 is 130m, not 131m).
ContainerRecommendation recommendResources(const ContainerUsage& usage, const ResourcePolicy& policy = {});

// Rounds up to a multiple of step (step > 0); negative values round towards zero.
std::int64_t roundUp(std::int64_t value, std::int64_t step);

// --- prices
// ---------------------------------------------------------------------------------------------------

struct Prices {
  double perCoreHour = 0.031;  // USD per requested core-hour (documented default, configurable)
  double perGiBHour = 0.0042;  // USD per requested GiB-hour
  double hoursPerMonth = 730;
};

// The monthly cost of requesting `millicores` and `bytes` around the clock.
double monthlyCost(std::int64_t millicores, std::int64_t bytes, const Prices& prices);

// --- scaling (`recommend scaling`)
// ---------------------------------------------------------------------------

// A CPU-utilisation series of a workload: each sample is the mean over its ready pods of usage / request, in
// percent (integer), at one time.
struct UtilisationSample {
  std::int64_t time = 0;
  std::int64_t percent = 0;
  std::int64_t replicas = 0;
};

enum class Load { Normal, High, Low };

struct LoadPolicy {
  std::int64_t highPercent = 70;      // >= 70% of request
  std::int64_t highSeconds = 5 * 60;  // for >= 5 minutes
  std::int64_t lowPercent = 20;       // < 20% of request
  std::int64_t lowSeconds = 15 * 60;  // for >= 15 minutes
};

struct LoadVerdict {
  Load load = Load::Normal;
  std::int64_t since = 0;        // start of the sustained run that ends at the newest sample
  std::int64_t seconds = 0;      // its length
  std::int64_t peakPercent = 0;  // the run's highest utilisation (High and Low alike: sizing uses it)
  std::int64_t meanPercent = 0;  // the run's mean, rounded to the nearest percent
  std::int64_t samples = 0;      // how many samples the run holds; 0 only when there were no samples
};

// Looks at the run of samples ending at the newest one that is all >= high (or all < low) and says whether it
// lasted long enough. A run's length is newest.time - first.time of the run (so one sample is 0 s long).
// Samples may come in any order (they are sorted by time). Normal: the fields describe the too-short high or
// low run ending at the newest sample, or, when the newest sample is neither, that sample alone.
LoadVerdict judgeLoad(const std::vector<UtilisationSample>& samples, const LoadPolicy& policy = {});

struct NodeCapacity {
  std::string name;
  std::int64_t allocatableCpuMillis = 0;
  std::int64_t allocatableMemoryBytes = 0;
  std::int64_t requestedCpuMillis = 0;  // by the pods already on it
  std::int64_t requestedMemoryBytes = 0;
  bool schedulable = true;  // not cordoned, Ready
};

struct ScalingInput {
  std::string workload;  // "Deployment todo/todo-backend"
  std::int64_t replicas = 1;
  std::int64_t podCpuRequestMillis = 0;  // the pod template's sum over containers
  std::int64_t podMemoryRequestBytes = 0;
  LoadVerdict verdict;
  std::vector<NodeCapacity> nodes;
  double headroom = 0.10;           // of each node's allocatable kept free
  std::int64_t targetPercent = 70;  // asked for; on high load lowered if the HPA would not act (see below)
  Prices prices;
  LoadPolicy loadPolicy;   // the thresholds the verdict was judged with, quoted in the reasons
  double tolerance = 0.1;  // the HPA controller's --horizontal-pod-autoscaler-tolerance
};

struct ScalingRecommendation {
  bool recommended = false;  // false: load is normal, or the HPA could not help (reason says why)
  std::int64_t minReplicas = 1;
  std::int64_t maxReplicas = 1;
  std::int64_t targetPercent = 70;
  std::int64_t expectedReplicas = 1;  // what the HPA would settle on at the observed load (<= max)
  std::int64_t expectedPercent = 0;   // the utilisation per pod it would settle at
  std::int64_t fitReplicas = 0;       // how many replicas the free capacity holds (with headroom)
  bool maxFits = true;
  double monthlyCostNow = 0;       // requested resources at the current replicas
  double monthlyCostExpected = 0;  // at expectedReplicas
  double monthlyCostAtMax = 0;
  std::vector<std::string> reasons;  // rationale lines, in order
  std::int64_t neededReplicas = 1;   // the HPA formula's value before the cut to what fits
};

// Target: the HPA leaves a utilisation/target ratio within 1 +- tolerance alone, so a 70% target would not
// scale at 75%. On high load the target is therefore lowered, when needed, to the largest whole percent t
// with mean / t > 1 + tolerance (the run's mean, so the HPA acts through the run, not only at its peak); on
// low load the HPA must see mean / target < 1 - tolerance, else nothing is recommended. HPA sizing: needed =
// ceil(replicas x observed / target) (the HPA's own formula), observed = the run's peak (so the target holds
// at the peak, not only on average); on high load min = replicas and max = max(2 x needed, replicas + 2); on
// low load min = max(1, needed) and max = replicas. max is cut to what fits (never below min), and the
// reasons say so; expected = min(needed, max), expectedPercent = ceil(replicas x observed / expected).
// Capacity: per node, floor((allocatable x (1 - headroom) - requested) / pod request), for CPU and memory
// (the smaller; a zero pod request for a resource does not limit; negative counts 0), summed over schedulable
// nodes, plus the current replicas (which hold their requests already). Not recommended (recommended = false,
// a reason says why): normal load, no CPU request (a CPU-utilisation HPA cannot work), no replicas, a target
// below 1%, or min = max (no room to scale, or already 1 replica on low load). Costs: monthlyCost(replicas x
// pod request) at the current, expected and max replicas.
ScalingRecommendation recommendScaling(const ScalingInput& input);

// The autoscaling/v2 HorizontalPodAutoscaler manifest for a Deployment.
boost::json::value hpaManifest(const std::string& namespace_, const std::string& deployment,
                               const ScalingRecommendation& recommendation);

// The shortest exact Kubernetes quantity, as kubectl writes them: "235m", "1500m", "1" (1000m), "0";
// "160Mi", "1Gi", "512Ki" (the largest binary suffix that divides exactly), else plain bytes "1500".
std::string formatMillicores(std::int64_t millicores);
std::string formatBytes(std::int64_t bytes);

}  // namespace aiops::rightsize

// One reconcile of the HorizontalPodAutoscaler controller (autoscaling/v2), as kube-controller-manager 1.32
// does it.
//
// Reproduces pkg/controller/podautoscaler (horizontal.go, replica_calculator.go):
// - Per metric: desired = ceil(usageRatio * readyPods), skipped inside the 0.1 tolerance. Resource
//   Utilization is the integer percentage of summed usage over summed requests of the pods with metrics;
//   AverageValue, Pods and Object/External AverageValue use the average; Object/External Value use
//   value/target times the ready pods.
// - Missing metrics and not-ready pods: failed and deleted pods are ignored, pending pods are unready; on a
//   scale-up missing pods count as 0 and unready pods as 0, on a scale-down missing pods count as 100% of
//   their request (or the target); the scale is abandoned when that flips the direction. For cpu, a pod is
//   unready while within the 5 min initialization period if it is not Ready or its sample predates readiness
//   plus the window, and after it if it never became Ready within 30 s of starting.
// - The highest proposal over metrics wins; invalid metrics are skipped unless all are invalid or the rest
//   would scale down (then ScalingActive=False with the first failure, e.g. FailedGetResourceMetric, and the
//   events FailedGetResourceMetric and FailedComputeMetricsReplicas with upstream's exact wrapped messages).
// - Without spec.behavior: scale-down stabilization (highest recommendation of the last 300 s), a scale-up
//   limit of max(2 x current, 4) (ScaleUpLimit), then min/max (TooFewReplicas / TooManyReplicas /
//   DesiredWithinRange).
// - With spec.behavior (defaults filled like the API server: up 0 s window, Max of 4 pods or 100% per 15 s;
//   down the controller's 300 s window, 100% per 15 s): up/down stabilization windows, Pods/Percent policies
//   per period counted from the recorded scale events, selectPolicy Max/Min/Disabled,
//   ScaleUpLimit/ScaleDownLimit.
// - Conditions AbleToScale (SucceededGetScale, SucceededRescale, ReadyForNewScale, ScaleDownStabilized,
//   ScaleUpStabilized), ScalingActive (ValidMetricFound, ScalingDisabled, Failed*Metric), ScalingLimited, in
//   the order upstream first sets them, with lastTransitionTime moving only when the status changes.
// - Event SuccessfulRescale `New size: 3; reason: cpu resource utilization (percentage of request) above
//   target`, `All metrics below target`, `Current number of replicas above Spec.MaxReplicas`.
// Inputs are plain data: the HPA object, the target's scale, the selected pods and a metrics snapshot; the
// controller's memory (recommendations and scale events) is the HpaHistory the caller keeps per HPA.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "api_objects.h"

namespace kubesim::controllers {

// One pod's sample: the value in milli-units, when it was taken and over which window (metrics-server: 15-30
// s).
struct PodMetric {
  std::int64_t milliValue = 0;
  TimePoint timestamp{};
  std::chrono::seconds window{30};
};
using PodMetrics = std::map<std::string, PodMetric>;  // by pod name

// What the metrics APIs would answer at this reconcile. A key that is absent means the API has nothing for
// it.
struct HpaMetrics {
  std::map<std::string, PodMetrics> resource;  // metrics.k8s.io, by resource ("cpu"), summed over containers
  std::map<std::string, PodMetrics> containerResource;  // by "resource/container" ("cpu/app")
  std::map<std::string, PodMetrics> pods;        // custom.metrics.k8s.io per-pod metric, by metric name
  std::map<std::string, std::int64_t> object;    // custom metric of an object, by "Kind/name/metric"
  std::map<std::string, std::int64_t> external;  // external.metrics.k8s.io, summed, by metric name
};

// The controller's in-memory state for one HPA, kept by the caller between reconciles.
struct HpaHistory {
  struct Recommendation {
    std::int32_t replicas;
    TimePoint at;
  };
  struct ScaleEvent {
    std::int32_t change;  // always positive
    TimePoint at;
  };
  std::vector<Recommendation> recommendations;
  std::vector<ScaleEvent> scaleUpEvents;
  std::vector<ScaleEvent> scaleDownEvents;
  bool initialized = false;
};

struct HpaOptions {
  double tolerance = 0.1;                             // --horizontal-pod-autoscaler-tolerance
  std::chrono::seconds downscaleStabilization{300};   // --horizontal-pod-autoscaler-downscale-stabilization
  std::chrono::seconds cpuInitializationPeriod{300};  // --horizontal-pod-autoscaler-cpu-initialization-period
  std::chrono::seconds initialReadinessDelay{30};     // --horizontal-pod-autoscaler-initial-readiness-delay
};

struct HpaInput {
  const json::object& hpa;
  std::int32_t specReplicas;              // the target's scale spec.replicas
  std::int32_t statusReplicas;            // the target's scale status.replicas
  const std::vector<json::object>& pods;  // the pods the target's selector matches
  const HpaMetrics& metrics;
  TimePoint now;
};

struct HpaResult {
  bool rescale = false;
  std::int32_t desiredReplicas = 0;  // the new scale spec.replicas when rescale, else the current one
  json::object status;               // the complete new .status of the HPA
  std::vector<Event> events;
};

// One reconcile; updates history like the controller's memory.
HpaResult reconcileHpa(const HpaInput& input, HpaHistory& history, const HpaOptions& options = {});

}  // namespace kubesim::controllers

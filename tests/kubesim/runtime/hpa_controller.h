// The horizontal pod autoscaler controller: every 15 s of virtual time each HPA is reconciled with
// reconcileHpa (controllers/hpa.h) over its target's scale, the pods its selector picks and the metrics
// pipeline's latest samples (cpu and memory from metrics-server, and per-pod `http_requests_per_second` /
// `requests_per_second` from the load model as a custom metric); a rescale writes the target's
// spec.replicas, the status and the events (SuccessfulRescale, FailedGetResourceMetric, ...) follow.
#pragma once

#include <map>

#include "../controllers/hpa.h"
#include "context.h"

namespace kubesim::runtime {

class HpaController final : public Controller {
 public:
  explicit HpaController(RuntimeContext& context) : ctx_(context) {}
  std::string name() const override { return "horizontal-pod-autoscaler"; }
  void sync(TimePoint now) override;
  std::optional<TimePoint> nextDue() const override;

 private:
  void reconcile(const json::object& hpa, TimePoint now);
  RuntimeContext& ctx_;
  std::optional<TimePoint> last_;
  std::map<std::string, controllers::HpaHistory> history_;  // by HPA uid
};

// What the HPA's metrics client reads for a container's use as metrics-server publishes it (nanocores,
// whole KiB; formatNanocores and formatKibibytes): Quantity.MilliValue(), which rounds up, so 23.3m of CPU
// counts as 24m.
std::int64_t metricsApiCpuMilli(double millicores);
std::int64_t metricsApiMemoryMilli(std::int64_t bytes);

// Where the objects of a scale target kind live: Deployment -> deployments.apps, ...; nullopt for kinds
// without a scale subresource kubesim knows.
std::optional<GroupResource> scaleTargetResource(std::string_view kind);

}  // namespace kubesim::runtime

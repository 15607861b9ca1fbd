// The metrics pipeline: metrics-server's scrape every 15 s of virtual time (PodMetrics and NodeMetrics
// objects in the store, which the server serves as metrics.k8s.io for `kubectl top`, and the samples the
// HPA reads), each container's use coming from its behaviour profile at its share of the load; and the
// applications' own request counters and latency histograms, advanced with the load model on every step and
// rendered in the Prometheus text format for the service and pod proxy paths.
#pragma once

#include <set>

#include "context.h"

namespace kubesim::runtime {

// What a node uses besides its pods (kubelet, runtime, system daemons), added to NodeMetrics.
inline constexpr double kNodeSystemCpuMillicores = 80;
inline constexpr std::int64_t kNodeSystemMemoryBytes = 650LL * 1024 * 1024;

class MetricsController final : public Controller {
 public:
  explicit MetricsController(RuntimeContext& context) : ctx_(context) {}
  std::string name() const override { return "metrics-server"; }
  void sync(TimePoint now) override;
  std::optional<TimePoint> nextDue() const override;

  // Serves the requests the load sent up to now (called before rendering, so counters follow the clock).
  void advanceTraffic(TimePoint now);
  // Exposition text of a Service's application metrics as its proxy path serves them: those of one ready
  // endpoint (the first); nullopt when the Service has no ready endpoint that runs.
  std::optional<std::string> serviceExposition(const std::string& ns, const std::string& service) const;
  // Exposition text of one pod's application metrics; nullopt when the pod is not running.
  std::optional<std::string> podExposition(const std::string& ns, const std::string& pod) const;

 private:
  void scrape(TimePoint now);
  RuntimeContext& ctx_;
  std::optional<TimePoint> lastScrape_;
  std::map<std::pair<std::string, std::string>, std::set<std::string>>
      servedBy_;  // pods each Service counted
};

// metrics-server's renderings: "12345678n" (nanocores) and "183500Ki".
std::string formatNanocores(double millicores);
std::string formatKibibytes(std::int64_t bytes);

}  // namespace kubesim::runtime

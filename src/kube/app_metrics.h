// Application metrics as services expose them (Prometheus text format): the request counters by status code
// and the request-duration histogram that the executor's baselines and the metrics history read.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace aiops::kube {

struct ApplicationMetrics {
  double total = 0;
  double errors = 0;                               // 5xx
  std::vector<std::pair<double, double>> buckets;  // (le, cumulative count)
  double count = 0;
};

// Reads http_requests_total{code=...} and the http_request_duration_seconds histogram; other lines are
// skipped.
ApplicationMetrics parseApplicationMetrics(const std::string& text);

// The q-quantile of the request duration in milliseconds, as histogram_quantile computes it (linear
// interpolation inside the bucket the rank falls in); nullopt without samples.
std::optional<double> latencyQuantileMs(const ApplicationMetrics& metrics, double q);

}  // namespace aiops::kube

// Parsing the Prometheus text that services expose (kube/app_metrics.h).
#include "kube/app_metrics.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <string_view>

namespace aiops::kube {

ApplicationMetrics parseApplicationMetrics(const std::string& text) {
  ApplicationMetrics r;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line.front() == '#') continue;
    const auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    double value = 0;
    try {
      value = std::stod(line.substr(space + 1));
    } catch (...) {
      continue;
    }
    const std::string series = line.substr(0, space);
    auto label = [&](std::string_view name) -> std::string {
      const std::string key = fmt::format("{}=\"", name);
      const auto at = series.find(key);
      if (at == std::string::npos) return {};
      const auto end = series.find('"', at + key.size());
      return series.substr(at + key.size(), end - at - key.size());
    };
    if (series.starts_with("http_requests_total")) {
      r.total += value;
      if (label("code").starts_with('5')) r.errors += value;
    } else if (series.starts_with("http_request_duration_seconds_bucket")) {
      const std::string le = label("le");
      r.buckets.emplace_back(le == "+Inf" ? std::numeric_limits<double>::infinity() : std::stod(le), value);
    } else if (series.starts_with("http_request_duration_seconds_count")) {
      r.count = value;
    }
  }
  return r;
}

std::optional<double> latencyQuantileMs(const ApplicationMetrics& r, double q) {
  if (r.count <= 0 || r.buckets.empty()) return std::nullopt;
  const double rank = q * r.count;
  double lowerBound = 0;
  double lowerCount = 0;
  for (const auto& [le, cumulative] : r.buckets) {
    if (cumulative >= rank) {
      if (std::isinf(le)) return lowerBound * 1000;
      const double inBucket = cumulative - lowerCount;
      const double fraction = inBucket > 0 ? (rank - lowerCount) / inBucket : 1;
      return (lowerBound + (le - lowerBound) * fraction) * 1000;
    }
    lowerBound = le;
    lowerCount = cumulative;
  }
  return std::nullopt;
}

}  // namespace aiops::kube

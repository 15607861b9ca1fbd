// Application metrics: expected-value request counters and their Prometheus text exposition.
#include "metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace kubesim::behaviour {

namespace {

// Label values escape backslash, double quote and newline (exposition format 0.0.4).
std::string escapeLabel(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// Rounds an expected count down. The counts are sums of many small products, whose rounding errors can
// leave a whole number a hair short (12 requests as 11.999999999998): a relative tolerance far above that
// error and far below one request keeps them whole, and the result still never goes down as the count grows.
std::uint64_t floorCount(double value) {
  return value <= 0 ? 0 : static_cast<std::uint64_t>(std::floor(value * (1 + 1e-9) + 1e-9));
}

}  // namespace

void RequestCounters::record(const Profile& profile, double count) {
  if (!(count > 0)) return;
  for (const auto& [code, share] : statusShares(profile))
    requests[{profile.requests.method, code}] += count * share;
  const std::vector<double>& bounds = latencyBuckets();
  for (std::size_t i = 0; i < bounds.size(); ++i)
    buckets[i] += count * latencyCdf(profile, bounds[i]);
  latencySumSeconds += count * meanLatency(profile);
}

void RequestCounters::add(const RequestCounters& other) {
  for (const auto& [key, value] : other.requests)
    requests[key] += value;
  for (std::size_t i = 0; i < buckets.size(); ++i)
    buckets[i] += other.buckets[i];
  latencySumSeconds += other.latencySumSeconds;
}

std::string formatGoFloat(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == 0) return "0";
  char buffer[64];
  // Shortest round-trip digits. With the shortest precision Go's %g takes the exponent form when the decimal
  // exponent is below -4 or at least 6: 1e6 is "1e+06", 123456 stays "123456". Both forms then match C++'s
  // shortest scientific and fixed output (two-digit exponents included).
  auto end = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific).ptr;
  std::string scientific(buffer, end);
  int exponent = std::stoi(scientific.substr(scientific.find('e') + 1));
  if (exponent < -4 || exponent >= 6) return scientific;
  end = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed).ptr;
  return std::string(buffer, end);
}

std::string renderExposition(const RequestCounters& counters) {
  std::string out;
  std::uint64_t total = 0;
  if (!counters.requests.empty()) {
    out += "# HELP http_requests_total Total number of HTTP requests by status code and method.\n";
    out += "# TYPE http_requests_total counter\n";
    for (const auto& [key, value] : counters.requests) {
      std::uint64_t count = floorCount(value);
      total += count;
      out += fmt::format("http_requests_total{{code=\"{}\",method=\"{}\"}} {}\n", key.second,
                         escapeLabel(key.first), formatGoFloat(static_cast<double>(count)));
    }
  }
  out += "# HELP http_request_duration_seconds Latency of HTTP requests in seconds.\n";
  out += "# TYPE http_request_duration_seconds histogram\n";
  const std::vector<double>& bounds = latencyBuckets();
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    std::uint64_t count = std::min(floorCount(counters.buckets[i]), total);
    out += fmt::format("http_request_duration_seconds_bucket{{le=\"{}\"}} {}\n", formatGoFloat(bounds[i]),
                       formatGoFloat(static_cast<double>(count)));
  }
  std::string count = formatGoFloat(static_cast<double>(total));
  out += "http_request_duration_seconds_bucket{le=\"+Inf\"} " + count + "\n";
  out += "http_request_duration_seconds_sum " + formatGoFloat(counters.latencySumSeconds) + "\n";
  out += "http_request_duration_seconds_count " + count + "\n";
  return out;
}

ServiceTraffic::ServiceTraffic(std::string ns, std::string service, TimePoint since)
    : namespace_(std::move(ns)), service_(std::move(service)), updatedAt_(since) {}

void ServiceTraffic::advance(const LoadModel& load, TimePoint now, const std::vector<Endpoint>& ready) {
  if (now <= updatedAt_) return;
  double requests = load.requestsBetween(namespace_, service_, updatedAt_, now);
  updatedAt_ = now;
  if (ready.empty()) {
    unserved_ += requests;
    return;
  }
  double share = requests / static_cast<double>(ready.size());
  for (const auto& endpoint : ready) {
    const Profile& profile = endpoint.profile != nullptr ? *endpoint.profile : defaultProfile();
    pods_[endpoint.pod].record(profile, share);
  }
}

const RequestCounters* ServiceTraffic::pod(const std::string& name) const {
  auto it = pods_.find(name);
  return it == pods_.end() ? nullptr : &it->second;
}

RequestCounters ServiceTraffic::total() const {
  RequestCounters sum = departed_;
  for (const auto& [name, counters] : pods_)
    sum.add(counters);
  return sum;
}

void ServiceTraffic::forget(const std::string& pod) {
  auto it = pods_.find(pod);
  if (it == pods_.end()) return;
  departed_.add(it->second);
  pods_.erase(it);
}

}  // namespace kubesim::behaviour

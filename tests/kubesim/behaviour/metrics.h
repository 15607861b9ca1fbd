// Application metrics of simulated pods: a request counter by status code and method and a latency
// histogram, advancing with virtual time as the load model's requests are served, rendered in the Prometheus
// text exposition format 0.0.4 (what the service and pod proxy paths serve at /metrics).
//
// Counters hold expected values (fractions of requests), integrated exactly from the load curves and split
// over the ready endpoints, so nothing depends on how often they are advanced beyond which endpoints were
// ready when. Rendering rounds down: every exposed counter and bucket then only ever grows, the buckets are
// cumulative, and the +Inf bucket and _count equal the sum of the per-code counters, as a real
// instrumented server's would.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "load.h"
#include "profile.h"

namespace kubesim::behaviour {

inline constexpr std::string_view kExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

struct RequestCounters {
  std::map<std::pair<std::string, int>, double> requests;  // (method, code) -> expected count
  std::vector<double> buckets = std::vector<double>(latencyBuckets().size(), 0.0);  // cumulative, per bound
  double latencySumSeconds = 0;

  // Adds `requests` requests served with the profile's status codes and latency.
  void record(const Profile& profile, double requests);
  void add(const RequestCounters& other);
};

// The exposition text: http_requests_total{code,method} (omitted until a request was served, as client_golang
// omits an empty vector) and http_request_duration_seconds (_bucket{le}, _sum, _count).
std::string renderExposition(const RequestCounters& counters);

// Go's strconv.FormatFloat(f, 'g', -1, 64), which client_golang uses for every value and `le`: "0.005",
// "1234", "1.234567e+06", "+Inf".
std::string formatGoFloat(double value);

// One Service's traffic over a run.
class ServiceTraffic {
 public:
  ServiceTraffic(std::string ns, std::string service, TimePoint since);

  struct Endpoint {
    std::string pod;
    const Profile* profile = nullptr;
  };
  // Serves the requests the load model sends between the last advance and now, split evenly over the ready
  // endpoints (with none ready they go unserved: clients get connection errors). A `now` not after the last
  // advance changes nothing.
  void advance(const LoadModel& load, TimePoint now, const std::vector<Endpoint>& ready);

  // A pod's counters; nullptr when it has served nothing yet.
  const RequestCounters* pod(const std::string& name) const;
  // The sum over every pod that ever served, including pods since deleted, so the Service's counters never
  // go back when a pod goes away.
  RequestCounters total() const;
  // Drops a deleted pod's own counters (its counts stay in total()).
  void forget(const std::string& pod);

  double unservedRequests() const { return unserved_; }
  TimePoint updatedAt() const { return updatedAt_; }

 private:
  std::string namespace_;
  std::string service_;
  TimePoint updatedAt_;
  std::map<std::string, RequestCounters> pods_;
  RequestCounters departed_;
  double unserved_ = 0;
};

}  // namespace kubesim::behaviour

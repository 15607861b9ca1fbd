// The collector: samples the cluster's metrics into the history store, one round per interval.
//
// A round reads, in parallel: the pods (workload of each pod, container terminations), metrics.k8s.io's
// PodMetrics and NodeMetrics, and the application metrics of Services annotated aiops.dev/metrics-port
// (through the API server's service proxy). Every sample carries the metrics API's own timestamp, so a round
// that sees the same metrics window twice, or a collector restarted mid-run, stores nothing twice.
//
// Time: the interval is measured on the API server's clock (the metrics' timestamps), not the local one. On a
// real cluster the two run together; a simulated cluster on a fast clock compresses days into minutes, and
// the collector keeps pace by scaling its sleep to the ratio of server time to local time it observed.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "history/store.h"
#include "kube/client.h"

namespace aiops::history {

// The metrics API is not served (no metrics-server): the collector cannot work and says so.
class MetricsUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Where the history comes from.
struct PrometheusSource {
  std::string namespace_;
  std::string service;
  std::string port;  // name or number
};

struct CollectOptions {
  std::string namespace_;                      // empty: every namespace
  std::int64_t intervalSeconds = 30;           // on the API server's clock
  std::optional<std::int64_t> forSeconds;      // stop after this much server time; unset: until stopped
  bool once = false;                           // one round, then return
  std::optional<PrometheusSource> prometheus;  // read history from Prometheus instead of sampling
  std::int64_t backfillSeconds = 30 * 86400;   // Prometheus: how far back a first run reads
  std::int64_t compactEverySeconds = 3600;     // server time between store compactions
};

struct RoundReport {
  std::int64_t serverTime = 0;  // the newest metrics timestamp of the round
  std::size_t pods = 0;
  std::size_t samplesNew = 0;         // stored
  std::size_t samplesSeen = 0;        // read (seen minus new: already stored)
  std::size_t events = 0;             // new container terminations
  std::vector<std::string> warnings;  // parts of the round that failed (e.g. one Service's metrics)
};

class Collector {
 public:
  Collector(kube::Client& client, Store& store, CollectOptions options);

  // One round. Throws MetricsUnavailable when metrics.k8s.io is not served, kube::KubeError when the pods
  // cannot be listed.
  RoundReport round();

  // Rounds until forSeconds of server time have passed, `stop` returns true (checked between rounds and
  // while sleeping), or once is set. `onRound` sees each round. A round that fails with a KubeError is
  // reported as a warning and retried at the next interval; MetricsUnavailable ends the run.
  void run(const std::function<bool()>& stop, const std::function<void(const RoundReport&)>& onRound);

  // Prometheus: reads [from, to) at the interval's resolution into the store (query_range through the service
  // proxy: rate(container_cpu_usage_seconds_total[5m]) and container_memory_working_set_bytes). Returns the
  // samples that were new.
  std::size_t backfill(std::int64_t from, std::int64_t to);

 private:
  RoundReport prometheusRound(std::int64_t now);
  std::int64_t prometheusNow();
  std::int64_t probeServerTime();
  void runPrometheus(const std::function<bool()>& stop,
                     const std::function<void(const RoundReport&)>& onRound);

  kube::Client& client_;
  Store& store_;
  CollectOptions options_;
  std::size_t backfillSeen_ = 0;  // samples read by the last backfill()
  std::int64_t lastPodTime_ = 0;  // the newest PodMetrics timestamp of the last round: what probes compare
};

// How fast the API server's clock runs against the local one, from (server time, local time) observations:
// the ratio over the last few observations, clamped to [1, 100000]; 1 until two observations differ.
class ServerClockRate {
 public:
  void observe(std::int64_t serverTime, std::chrono::steady_clock::time_point local);
  double rate() const { return rate_; }
  bool known() const { return known_; }
  // Local time to sleep until the server clock, now at serverNow, reaches `due`; zero when it has.
  std::chrono::milliseconds sleepFor(std::int64_t serverNow, std::int64_t due) const;

 private:
  std::deque<std::pair<std::int64_t, std::chrono::steady_clock::time_point>> observations_;
  double rate_ = 1.0;
  bool known_ = false;
};

// One series of a Prometheus range query: its labels and (time, value text) pairs.
struct PrometheusSeries {
  std::map<std::string, std::string> labels;
  std::vector<std::pair<std::int64_t, std::string>> values;
};

// Parses a Prometheus HTTP API answer whose data.resultType is "matrix". Throws std::runtime_error for an
// error answer ("Prometheus answered bad_data: ...") or a body that is not one.
std::vector<PrometheusSeries> parsePrometheusMatrix(const std::string& body);

// The workload of a pod that no longer exists, from its name alone (docs/metrics-history.md, "The
// collector"): NAME-HASH-XXXXX -> "Deployment/NAME", NAME-DIGITS-XXXXX -> "Job/NAME-DIGITS" (a CronJob's
// Job), NAME-N -> "StatefulSet/NAME", NAME-XXXXX -> "DaemonSet/NAME", else "Pod/NAME".
std::string workloadFromPodName(const std::string& pod);

// "Deployment/backend" for a pod owned by ReplicaSet backend-7d9f8c6b5d (the pod-template-hash suffix
// removed), "StatefulSet/db", "DaemonSet/agent", "Job/x"; "Pod/NAME" for a pod without a controller.
std::string workloadOf(const boost::json::value& pod);

}  // namespace aiops::history

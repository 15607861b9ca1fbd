// src/history/: the metrics history that scaling and right-sizing recommendations are computed from.
// Owns: the store (SQLite, one file), its series and samples, retention and downsampling, and percentile
// queries. Uses: src/support/ only. The collector (collector.h) fills it; src/rightsize/ and the recommend
// and report commands read it.
//
// Store: samples of named series in one SQLite file (WAL, batched transactions). Samples are kept in chunks:
// one row per series and time span, its values delta-encoded in a BLOB, so a week of 30 s samples of 1,000
// containers (20 million samples) is about 40 MB, about 2 bytes a sample, and a percentile query over it
// reads 84,000 rows instead of 20 million. Why whole integers: every metric has an exact integer unit
// (millicores, bytes, request counts), and integer deltas encode in one or two bytes where doubles would take
// eight.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace aiops::history {

// Store failures: the file cannot be opened or written, or it is not a history store of this version.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Metric names and their units (docs/metrics-history.md):
inline constexpr const char* kCpu = "cpu";                 // millicores, the metrics API's usage
inline constexpr const char* kMemory = "memory";           // bytes, working set
inline constexpr const char* kRequests = "http_requests";  // counter: requests served (application metrics)
inline constexpr const char* kErrors = "http_errors";      // counter: requests answered 5xx
inline constexpr const char* kLatencyP95 = "latency_p95";  // milliseconds, from the duration histogram
inline constexpr const char* kNetworkRx = "network_rx";    // counter: bytes received (kubelet summary)
inline constexpr const char* kNetworkTx = "network_tx";    // counter: bytes sent
inline constexpr const char* kVolumeUsed = "volume_used";  // bytes used on a PVC (container = claim name)

// What a series measures. Scopes: "container" (namespace, workload, pod, container), "pod" (namespace,
// workload, pod: network), "node" (pod = node name), "service" (namespace, workload = service name),
// "volume" (namespace, pod, container = claim name). Unused fields are empty.
struct SeriesKey {
  std::string scope;
  std::string namespace_;
  std::string workload;  // "Deployment/backend", "StatefulSet/db", "DaemonSet/agent", "Pod/standalone"
  std::string pod;
  std::string container;
  std::string metric;

  friend bool operator==(const SeriesKey&, const SeriesKey&) = default;
  friend auto operator<=>(const SeriesKey&, const SeriesKey&) = default;
};

// Time is Unix seconds (UTC) throughout: the metrics API's timestamps, not the collector's clock.
struct Sample {
  std::int64_t time = 0;
  std::int64_t value = 0;
  friend bool operator==(const Sample&, const Sample&) = default;
};

struct Point {
  SeriesKey key;
  Sample sample;
};

// A container termination seen in a pod's status (lastState or state terminated): crashes and OOM kills.
// Recorded once, keyed by (namespace, pod, container, finishedAt).
struct ContainerEvent {
  std::string namespace_;
  std::string workload;
  std::string pod;
  std::string container;
  std::int64_t time = 0;  // finishedAt
  std::string reason;     // "OOMKilled", "Error", "Completed", ...
  std::int64_t exitCode = 0;
  std::int64_t memoryLimit = 0;  // bytes, the container's limit when it was seen (0: none)
  friend bool operator==(const ContainerEvent&, const ContainerEvent&) = default;
};

// Which series a query covers: an empty field matches anything.
struct SeriesFilter {
  std::string scope;
  std::string namespace_;
  std::string workload;
  std::string pod;
  std::string container;
  std::string metric;
};

struct Retention {
  std::int64_t rawSeconds = 8 * 86400;         // raw samples are kept this long
  std::int64_t aggregateStep = 300;            // then folded into buckets of this many seconds
  std::int64_t aggregateSeconds = 90 * 86400;  // which are kept this long
};

struct StoreOptions {
  std::filesystem::path path;
  Retention retention;
  bool readOnly = false;  // recommend and report: never create or change the file
};

// One series' values over a window. Where the window reaches into downsampled data, each bucket contributes
// one sample: its maximum at the bucket's start (conservative for right-sizing: never below what was used).
struct Series {
  SeriesKey key;
  std::vector<Sample> samples;  // ascending time, no duplicates
};

// Nearest-rank percentiles: pN is the smallest sample value v such that at least N% of the samples are <= v.
struct Distribution {
  std::int64_t count = 0;
  std::int64_t p50 = 0;
  std::int64_t p95 = 0;
  std::int64_t p99 = 0;
  std::int64_t max = 0;
  double mean = 0;
  std::int64_t first = 0;  // time of the first and last sample
  std::int64_t last = 0;
  friend bool operator==(const Distribution&, const Distribution&) = default;
};

struct Summary {
  SeriesKey key;
  Distribution distribution;
};

struct Coverage {
  std::int64_t first = 0;  // time of the oldest and newest sample of any matching series; 0 when none
  std::int64_t last = 0;
  std::int64_t samples = 0;
};

struct StoreStats {
  std::int64_t series = 0;
  std::int64_t samples = 0;  // raw and aggregated
  std::int64_t bytes = 0;    // the file (and its WAL) on disk
  double bytesPerSample = 0;
};

// Percentiles of `values` (any order; the vector is reordered). An empty input gives a zero Distribution.
Distribution distributionOf(std::vector<std::int64_t>& values);
// As above, with first/last set from the samples' times.
Distribution distributionOf(const std::vector<Sample>& samples);

class Store {
 public:
  // Opens (creating unless readOnly) the store. Throws StoreError: "cannot open history store PATH: ...",
  // "PATH is not a kubectl-aiops history store", "history store PATH has schema version N; this build reads
  // M".
  static std::unique_ptr<Store> open(const StoreOptions& options);
  virtual ~Store() = default;

  // Stores the points in one transaction. A sample whose series already holds that time is ignored (so a
  // restarted collector cannot duplicate one). Returns how many were new.
  virtual std::size_t append(std::span<const Point> points) = 0;
  // Stores the events; ones already stored are ignored. Returns how many were new.
  virtual std::size_t record(std::span<const ContainerEvent> events) = 0;

  // Every matching series with its samples in [from, to).
  virtual std::vector<Series> query(const SeriesFilter& filter, std::int64_t from, std::int64_t to) const = 0;
  // Every matching series' distribution over [from, to); series without samples there are left out.
  virtual std::vector<Summary> summarize(const SeriesFilter& filter, std::int64_t from,
                                         std::int64_t to) const = 0;
  // The distribution of all matching series' samples pooled (e.g. every pod of a workload).
  virtual Distribution pooled(const SeriesFilter& filter, std::int64_t from, std::int64_t to) const = 0;
  virtual std::vector<ContainerEvent> events(const SeriesFilter& filter, std::int64_t from,
                                             std::int64_t to) const = 0;
  virtual Coverage coverage(const SeriesFilter& filter) const = 0;
  // Every series key that matches.
  virtual std::vector<SeriesKey> series(const SeriesFilter& filter) const = 0;

  // Folds raw samples older than now - retention.rawSeconds into buckets and drops what is older than the
  // retention allows. Idempotent.
  virtual void compact(std::int64_t now) = 0;
  virtual StoreStats stats() const = 0;

  // A key-value cell for the collector's own bookkeeping (e.g. "collector.lastRound").
  virtual std::optional<std::string> setting(const std::string& name) const = 0;
  virtual void setSetting(const std::string& name, const std::string& value) = 0;
};

// The default store path: $AIOPS_HISTORY, else $XDG_STATE_HOME/kubectl-aiops/history.db, else
// ~/.local/state/kubectl-aiops/history.db.
std::filesystem::path defaultStorePath();

}  // namespace aiops::history

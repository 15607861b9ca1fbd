// The metrics collector over FakeTransport and an in-memory store: the samples one round stores (values
// rounded up, the metrics' own timestamps), workloads, terminations, repeated windows, a cluster without
// metrics.k8s.io, partial failures, the Prometheus backfill and the server-clock pacing.
#include "history/collector.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <set>
#include <thread>

#include "fake_transport.h"
#include "support/timestamps.h"

namespace aiops::history {
namespace {

namespace json = boost::json;
using kube::testing::FakeTransport;

// The Store interface over maps: duplicates ignored as the SQLite store ignores them.
class MemoryStore : public Store {
 public:
  std::size_t append(std::span<const Point> points) override {
    std::size_t added = 0;
    for (const Point& p : points)
      added += samples[p.key].emplace(p.sample.time, p.sample.value).second;
    return added;
  }
  std::size_t record(std::span<const ContainerEvent> list) override {
    std::size_t added = 0;
    for (const ContainerEvent& e : list) {
      if (std::find(events_.begin(), events_.end(), e) != events_.end()) continue;
      events_.push_back(e);
      ++added;
    }
    return added;
  }
  std::vector<Series> query(const SeriesFilter&, std::int64_t, std::int64_t) const override { return {}; }
  std::vector<Summary> summarize(const SeriesFilter&, std::int64_t, std::int64_t) const override {
    return {};
  }
  Distribution pooled(const SeriesFilter&, std::int64_t, std::int64_t) const override { return {}; }
  std::vector<ContainerEvent> events(const SeriesFilter&, std::int64_t, std::int64_t) const override {
    return events_;
  }
  Coverage coverage(const SeriesFilter&) const override { return {}; }
  std::vector<SeriesKey> series(const SeriesFilter&) const override { return {}; }
  void compact(std::int64_t now) override { compactions.push_back(now); }
  StoreStats stats() const override { return {}; }
  std::optional<std::string> setting(const std::string& name) const override {
    const auto it = settings.find(name);
    return it != settings.end() ? std::optional<std::string>(it->second) : std::nullopt;
  }
  void setSetting(const std::string& name, const std::string& value) override { settings[name] = value; }

  std::map<SeriesKey, std::map<std::int64_t, std::int64_t>> samples;
  std::vector<ContainerEvent> events_;
  std::map<std::string, std::string> settings;
  std::vector<std::int64_t> compactions;
};

}  // namespace

// Readable failures: a SeriesKey as "scope/namespace/workload/pod/container/metric".
void PrintTo(const SeriesKey& k, std::ostream* os) {
  *os << k.scope << "/" << k.namespace_ << "/" << k.workload << "/" << k.pod << "/" << k.container << "/"
      << k.metric;
}

namespace {

// Unix seconds of the scenario's instants.
constexpr std::int64_t k0900_30 = 1795165230;  // 2026-11-20T09:00:30Z
constexpr std::int64_t k0904_45 = 1795165485;
constexpr std::int64_t k0905_00 = 1795165500;
constexpr std::int64_t k0905_02 = 1795165502;
constexpr std::int64_t k0905_30 = 1795165530;

const char* const kPods = "/api/v1/namespaces/shop/pods?limit=500";
const char* const kPodMetrics = "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods?limit=500";
const char* const kNodeMetrics = "/apis/metrics.k8s.io/v1beta1/nodes?limit=500";
const char* const kServices = "/api/v1/namespaces/shop/services?limit=500";
const char* const kSummary = "/api/v1/nodes/n1/proxy/stats/summary";
const char* const kWebMetrics = "/api/v1/namespaces/shop/services/web:http/proxy/metrics";
const char* const kApiMetrics = "/api/v1/namespaces/shop/services/api:9090/proxy/stats";

const char* const kPodList = R"({"kind":"PodList","apiVersion":"v1","metadata":{},"items":[
  {"metadata":{"name":"web-7d9f8c6b5d-x2k4p","namespace":"shop","labels":{"pod-template-hash":"7d9f8c6b5d"},
    "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d9f8c6b5d","controller":true}]},
   "spec":{"containers":[{"name":"web","resources":{"limits":{"memory":"256Mi","cpu":"1"}}}]},
   "status":{"containerStatuses":[{"name":"web","restartCount":1,"state":{"running":{}},
     "lastState":{"terminated":{"reason":"OOMKilled","exitCode":137,"finishedAt":"2026-11-20T09:00:30Z"}}}]}},
  {"metadata":{"name":"db-0","namespace":"shop",
    "ownerReferences":[{"apiVersion":"apps/v1","kind":"StatefulSet","name":"db","controller":true}]},
   "spec":{"containers":[{"name":"db"}]},
   "status":{"containerStatuses":[{"name":"db","state":{"running":{}},"lastState":{}}]}}]})";

const char* const kPodMetricsList = R"({"kind":"PodMetricsList","apiVersion":"metrics.k8s.io/v1beta1",
  "metadata":{},"items":[
  {"metadata":{"name":"web-7d9f8c6b5d-x2k4p","namespace":"shop"},"timestamp":"2026-11-20T09:05:00Z",
   "window":"15s","containers":[{"name":"web","usage":{"cpu":"1234567n","memory":"190Mi"}}]},
  {"metadata":{"name":"db-0","namespace":"shop"},"timestamp":"2026-11-20T09:04:45Z","window":"15s",
   "containers":[{"name":"db","usage":{"cpu":"250m","memory":"1Gi"}}]}]})";

const char* const kNodeMetricsList = R"({"kind":"NodeMetricsList","apiVersion":"metrics.k8s.io/v1beta1",
  "metadata":{},"items":[{"metadata":{"name":"n1"},"timestamp":"2026-11-20T09:05:00Z","window":"15s",
  "usage":{"cpu":"1500001u","memory":"4Gi"}}]})";

const char* const kServiceList = R"({"kind":"ServiceList","apiVersion":"v1","metadata":{},"items":[
  {"metadata":{"name":"web","namespace":"shop","annotations":{"aiops.dev/metrics-port":"http"}}},
  {"metadata":{"name":"api","namespace":"shop","annotations":{"aiops.dev/metrics-port":"9090",
    "aiops.dev/metrics-path":"stats"}}},
  {"metadata":{"name":"plain","namespace":"shop"}}]})";

const char* const kSummaryBody = R"({"node":{"nodeName":"n1"},"pods":[
  {"podRef":{"name":"web-7d9f8c6b5d-x2k4p","namespace":"shop"},
   "network":{"time":"2026-11-20T09:05:02Z","rxBytes":123456,"txBytes":654321}},
  {"podRef":{"name":"db-0","namespace":"shop"},
   "volume":[{"name":"data","time":"2026-11-20T09:05:02Z","usedBytes":1048576,
              "pvcRef":{"name":"data-db-0","namespace":"shop"}},
             {"name":"tmp","time":"2026-11-20T09:05:02Z","usedBytes":4096}]},
  {"podRef":{"name":"coredns-abc","namespace":"kube-system"},
   "network":{"time":"2026-11-20T09:05:02Z","rxBytes":1,"txBytes":2}}]})";

// 1,000 requests, 10 of them 500s; p95 falls at 950, in the (0.05, 0.1] bucket: 50 + 50 x 50/90 = 77.8 ms.
const char* const kWebMetricsText =
    "# TYPE http_requests_total counter\n"
    "http_requests_total{code=\"200\",method=\"GET\"} 990\n"
    "http_requests_total{code=\"500\",method=\"GET\"} 10\n"
    "http_request_duration_seconds_bucket{le=\"0.01\"} 500\n"
    "http_request_duration_seconds_bucket{le=\"0.05\"} 900\n"
    "http_request_duration_seconds_bucket{le=\"0.1\"} 990\n"
    "http_request_duration_seconds_bucket{le=\"+Inf\"} 1000\n"
    "http_request_duration_seconds_count 1000\n";

class CollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake.respondJson("GET", kPods, kPodList);
    fake.respondJson("GET", kPodMetrics, kPodMetricsList);
    fake.respondJson("GET", kNodeMetrics, kNodeMetricsList);
    fake.respondJson("GET", kServices, kServiceList);
    fake.respondJson("GET", kSummary, kSummaryBody);
    fake.respond("GET", kWebMetrics, kube::Response{kWebMetricsText, std::nullopt, false});
    fake.respondApiError("GET", kApiMetrics, 503, "ServiceUnavailable",
                         "no endpoints available for service \"api\"");
  }
  CollectOptions shop() {
    CollectOptions o;
    o.namespace_ = "shop";
    return o;
  }

  FakeTransport fake;
  kube::Client client{fake};
  MemoryStore store;
};

using Stored = std::map<SeriesKey, std::map<std::int64_t, std::int64_t>>;

TEST_F(CollectorTest, OneRoundStoresEverySampleAtItsMetricsTime) {
  Collector collector(client, store, shop());
  const RoundReport r = collector.round();
  const std::string web = "web-7d9f8c6b5d-x2k4p";
  const Stored expected{
      {{"container", "shop", "Deployment/web", web, "web", kCpu}, {{k0905_00, 2}}},  // 1234567n rounds up
      {{"container", "shop", "Deployment/web", web, "web", kMemory}, {{k0905_00, 199229440}}},
      {{"container", "shop", "StatefulSet/db", "db-0", "db", kCpu}, {{k0904_45, 250}}},
      {{"container", "shop", "StatefulSet/db", "db-0", "db", kMemory}, {{k0904_45, 1073741824}}},
      {{"node", "", "", "n1", "", kCpu}, {{k0905_00, 1501}}},
      {{"node", "", "", "n1", "", kMemory}, {{k0905_00, 4294967296}}},
      {{"pod", "shop", "Deployment/web", web, "", kNetworkRx}, {{k0905_02, 123456}}},
      {{"pod", "shop", "Deployment/web", web, "", kNetworkTx}, {{k0905_02, 654321}}},
      {{"volume", "shop", "StatefulSet/db", "db-0", "data-db-0", kVolumeUsed}, {{k0905_02, 1048576}}},
      {{"service", "shop", "web", "", "", kRequests}, {{k0905_00, 1000}}},
      {{"service", "shop", "web", "", "", kErrors}, {{k0905_00, 10}}},
      {{"service", "shop", "web", "", "", kLatencyP95}, {{k0905_00, 78}}},
  };
  EXPECT_EQ(store.samples, expected);
  EXPECT_EQ(r.serverTime, k0905_00);
  EXPECT_EQ(r.pods, 2u);
  EXPECT_EQ(r.samplesSeen, 12u);
  EXPECT_EQ(r.samplesNew, 12u);
  EXPECT_EQ(r.events, 1u);
  ASSERT_EQ(r.warnings.size(), 1u);  // the api Service without endpoints; the rest of the round is kept
  EXPECT_EQ(r.warnings[0],
            "reading the metrics of service shop/api: no endpoints available for service \"api\" (503 "
            "ServiceUnavailable); retry; if it persists, check the API server's health");
  EXPECT_EQ(store.events_, (std::vector<ContainerEvent>{{"shop", "Deployment/web", web, "web", k0900_30,
                                                         "OOMKilled", 137, 268435456}}));
  EXPECT_EQ(store.settings.at("collector.lastServerTime"), std::to_string(k0905_00));
  // First batch in parallel: pods, both metrics lists, services; then the summary and the two Services.
  EXPECT_EQ(fake.paths("GET"), (std::vector<std::string>{kPods, kPodMetrics, kNodeMetrics, kServices,
                                                         kSummary, kWebMetrics, kApiMetrics}));
}

TEST_F(CollectorTest, TheSameWindowTwiceStoresNothingNewAndTerminationsOnce) {
  Collector collector(client, store, shop());
  collector.round();
  const RoundReport again = collector.round();
  EXPECT_EQ(again.samplesSeen, 12u);
  EXPECT_EQ(again.samplesNew, 0u);
  EXPECT_EQ(again.events, 0u);
  EXPECT_EQ(store.events_.size(), 1u);
  // A new window adds one sample per container series.
  std::string moved = kPodMetricsList;
  moved.replace(moved.find("09:05:00Z"), 9, "09:05:30Z");
  fake.respondJson("GET", kPodMetrics, moved);
  const RoundReport third = collector.round();
  EXPECT_EQ(third.serverTime, k0905_30);
  EXPECT_EQ(third.samplesNew, 5u);  // web cpu and memory, and the three service series at the new time
  EXPECT_EQ(store.samples.at({"container", "shop", "Deployment/web", "web-7d9f8c6b5d-x2k4p", "web", kCpu}),
            (std::map<std::int64_t, std::int64_t>{{k0905_00, 2}, {k0905_30, 2}}));
  EXPECT_EQ(store.settings.at("collector.lastServerTime"), std::to_string(k0905_30));
}

TEST_F(CollectorTest, NoMetricsApiIsAClearError) {
  FakeTransport bare;  // answers 404 to everything but the pods
  bare.respondJson("GET", kPods, kPodList);
  kube::Client c(bare);
  Collector collector(c, store, shop());
  try {
    collector.round();
    FAIL() << "no MetricsUnavailable";
  } catch (const MetricsUnavailable& e) {
    EXPECT_STREQ(e.what(),
                 "the metrics API (metrics.k8s.io) is not served by this cluster: install metrics-server, or "
                 "read history from Prometheus with --source prometheus=NAMESPACE/SERVICE:PORT");
  }
  EXPECT_TRUE(store.samples.empty());
}

TEST_F(CollectorTest, PodsThatCannotBeListedFailTheRound) {
  fake.respondApiError("GET", kPods, 403, "Forbidden", "pods is forbidden: User \"bob\" cannot list pods");
  Collector collector(client, store, shop());
  EXPECT_THROW(collector.round(), kube::KubeError);
  EXPECT_TRUE(store.samples.empty());
}

TEST_F(CollectorTest, NodeFailuresAreWarnings) {
  fake.respondApiError("GET", kSummary, 500, "InternalError", "Internal error occurred: kubelet down");
  Collector collector(client, store, shop());
  const RoundReport r = collector.round();
  EXPECT_EQ(r.samplesNew, 9u);  // everything but the network and volume samples
  ASSERT_EQ(r.warnings.size(), 2u);
  EXPECT_TRUE(
      r.warnings[0].starts_with("reading the kubelet summary of node n1: Internal error occurred: "
                                "kubelet down"))
      << r.warnings[0];
}

json::value podWithOwner(const std::string& name, const std::string& kind, const std::string& owner,
                         const std::string& hash = "") {
  json::object meta{{"name", name}, {"namespace", "shop"}};
  if (!hash.empty()) meta["labels"] = json::object{{"pod-template-hash", hash}};
  if (!kind.empty())
    meta["ownerReferences"] =
        json::array{json::object{{"kind", kind}, {"name", owner}, {"controller", true}}};
  return json::object{{"metadata", meta}};
}

TEST(WorkloadOf, NamesTheControllingWorkload) {
  EXPECT_EQ(
      workloadOf(podWithOwner("backend-7d9f8c6b5d-x2k4p", "ReplicaSet", "backend-7d9f8c6b5d", "7d9f8c6b5d")),
      "Deployment/backend");
  // A ReplicaSet of its own (no hash suffix) stays one.
  EXPECT_EQ(workloadOf(podWithOwner("rs-abcde", "ReplicaSet", "rs", "7d9f8c6b5d")), "ReplicaSet/rs");
  EXPECT_EQ(workloadOf(podWithOwner("db-0", "StatefulSet", "db")), "StatefulSet/db");
  EXPECT_EQ(workloadOf(podWithOwner("agent-x7k2p", "DaemonSet", "agent")), "DaemonSet/agent");
  EXPECT_EQ(workloadOf(podWithOwner("migrate-4kz8q", "Job", "migrate")), "Job/migrate");
  EXPECT_EQ(workloadOf(podWithOwner("standalone", "", "")), "Pod/standalone");
}

TEST(WorkloadFromPodName, StripsGeneratedSuffixes) {
  EXPECT_EQ(workloadFromPodName("backend-7d9f8c6b5d-x2k4p"), "Deployment/backend");
  EXPECT_EQ(workloadFromPodName("todo-frontend-5c7b9d4f8-q7w2z"), "Deployment/todo-frontend");
  EXPECT_EQ(workloadFromPodName("db-12"), "StatefulSet/db");
  EXPECT_EQ(workloadFromPodName("agent-x7k2p"), "DaemonSet/agent");
  EXPECT_EQ(workloadFromPodName("report-28934560-x7k2p"), "Job/report-28934560");
  EXPECT_EQ(workloadFromPodName("standalone"), "Pod/standalone");
}

TEST(PrometheusMatrix, ParsesSeriesAndErrors) {
  const auto series = parsePrometheusMatrix(
      R"({"status":"success","data":{"resultType":"matrix","result":[
        {"metric":{"namespace":"shop","pod":"web-1","container":"web"},"values":[[1700000000,"0.1"],[1700000060.5,"0.25"]]},
        {"metric":{},"values":[]}]}})");
  ASSERT_EQ(series.size(), 2u);
  EXPECT_EQ(series[0].labels, (std::map<std::string, std::string>{
                                  {"container", "web"}, {"namespace", "shop"}, {"pod", "web-1"}}));
  EXPECT_EQ(series[0].values,
            (std::vector<std::pair<std::int64_t, std::string>>{{1700000000, "0.1"}, {1700000060, "0.25"}}));
  try {
    parsePrometheusMatrix(
        R"({"status":"error","errorType":"bad_data","error":"exceeded maximum resolution of 11,000 points per timeseries"})");
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(),
                 "Prometheus answered bad_data: exceeded maximum resolution of 11,000 points per timeseries");
  }
  EXPECT_THROW(parsePrometheusMatrix(R"({"status":"success","data":{"resultType":"vector","result":[]}})"),
               std::runtime_error);
  EXPECT_THROW(parsePrometheusMatrix("<html>"), std::runtime_error);
}

std::string rangePath(const std::string& query, std::int64_t start, std::int64_t end, std::int64_t step) {
  return kube::withQuery("/api/v1/namespaces/monitoring/services/prometheus:9090/proxy/api/v1/query_range",
                         {{"query", query},
                          {"start", std::to_string(start)},
                          {"end", std::to_string(end)},
                          {"step", std::to_string(step)}});
}

TEST(PrometheusBackfill, ReadsWindowsOfAtMost11000PointsIntoTheStore) {
  FakeTransport fake;
  fake.respondJson("GET", "/api/v1/pods?limit=500",
                   R"({"items":[{"metadata":{"name":"web-7d9f8c6b5d-x2k4p","namespace":"shop",
                      "labels":{"pod-template-hash":"7d9f8c6b5d"},"ownerReferences":[{"kind":"ReplicaSet",
                      "name":"web-7d9f8c6b5d","controller":true}]}}]})");
  const std::string cpu =
      R"(sum by (namespace,pod,container) (rate(container_cpu_usage_seconds_total{container!="",container!="POD"}[5m])))";
  const std::string memory =
      R"(sum by (namespace,pod,container) (container_memory_working_set_bytes{container!="",container!="POD"}))";
  // 60 s steps from 0 to 12,000 minutes: one window of 11,000 points, then the rest.
  const std::int64_t to = 12000 * 60;
  const std::int64_t split = 11000 * 60;
  fake.respondJson("GET", rangePath(cpu, 0, split - 60, 60),
                   R"({"status":"success","data":{"resultType":"matrix","result":[
                      {"metric":{"namespace":"shop","pod":"web-7d9f8c6b5d-x2k4p","container":"web"},
                       "values":[[0,"0.1"],[60,"0.0123"]]},
                      {"metric":{"namespace":"shop","pod":"old-5c7b9d4f8-q7w2z","container":"old"},
                       "values":[[60,"2"]]}]}})");
  fake.respondJson("GET", rangePath(memory, 0, split - 60, 60),
                   R"({"status":"success","data":{"resultType":"matrix","result":[
                      {"metric":{"namespace":"shop","pod":"web-7d9f8c6b5d-x2k4p","container":"web"},
                       "values":[[0,"199229440"]]}]}})");
  fake.respondJson("GET", rangePath(cpu, split, to - 1, 60),
                   R"({"status":"success","data":{"resultType":"matrix","result":[
                      {"metric":{"namespace":"shop","pod":"web-7d9f8c6b5d-x2k4p","container":"web"},
                       "values":[[660000,"NaN"],[660060,"0.5"]]}]}})");
  fake.respondJson("GET", rangePath(memory, split, to - 1, 60),
                   R"({"status":"success","data":{"resultType":"matrix","result":[]}})");
  kube::Client client(fake);
  MemoryStore store;
  CollectOptions options;
  options.intervalSeconds = 60;
  options.prometheus = PrometheusSource{"monitoring", "prometheus", "9090"};
  Collector collector(client, store, options);
  EXPECT_EQ(collector.backfill(0, to), 5u);
  const Stored expected{
      {{"container", "shop", "Deployment/web", "web-7d9f8c6b5d-x2k4p", "web", kCpu},
       {{0, 100}, {60, 13}, {660060, 500}}},
      {{"container", "shop", "Deployment/web", "web-7d9f8c6b5d-x2k4p", "web", kMemory}, {{0, 199229440}}},
      {{"container", "shop", "Deployment/old", "old-5c7b9d4f8-q7w2z", "old", kCpu}, {{60, 2000}}},
  };
  EXPECT_EQ(store.samples, expected);
  EXPECT_EQ(fake.paths("GET").size(), 5u);
  // Again: nothing new.
  EXPECT_EQ(collector.backfill(0, to), 0u);
}

TEST(PrometheusBackfill, AnErrorAnswerIsAClearError) {
  FakeTransport fake;
  fake.respondJson("GET", "/api/v1/pods?limit=500", R"({"items":[]})");
  const std::string cpu =
      R"(sum by (namespace,pod,container) (rate(container_cpu_usage_seconds_total{container!="",container!="POD"}[5m])))";
  fake.respondJson(
      "GET", rangePath(cpu, 0, 599, 60),
      R"({"status":"error","errorType":"execution","error":"query timed out in expression evaluation"})");
  kube::Client client(fake);
  MemoryStore store;
  CollectOptions options;
  options.intervalSeconds = 60;
  options.prometheus = PrometheusSource{"monitoring", "prometheus", "9090"};
  Collector collector(client, store, options);
  try {
    collector.backfill(0, 600);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "Prometheus answered execution: query timed out in expression evaluation");
  }
}

TEST(ServerClockRate, EstimatesTheServerClocksSpeed) {
  using namespace std::chrono_literals;
  ServerClockRate rate;
  const auto t0 = std::chrono::steady_clock::time_point{} + 1000s;
  EXPECT_EQ(rate.rate(), 1.0);
  EXPECT_FALSE(rate.known());
  EXPECT_EQ(rate.sleepFor(100, 130), 30000ms);
  rate.observe(100, t0);
  rate.observe(100, t0 + 200ms);  // the window did not move: still unknown
  EXPECT_FALSE(rate.known());
  rate.observe(160, t0 + 1s);  // 60 server seconds in one local second
  EXPECT_TRUE(rate.known());
  EXPECT_EQ(rate.rate(), 60.0);
  EXPECT_EQ(rate.sleepFor(160, 190), 500ms);
  EXPECT_EQ(rate.sleepFor(190, 190), 0ms);
  // Never below real time, never above 100,000.
  ServerClockRate slow;
  slow.observe(100, t0);
  slow.observe(101, t0 + 10s);
  EXPECT_EQ(slow.rate(), 1.0);
  ServerClockRate fast;
  fast.observe(0, t0);
  fast.observe(1'000'000'000, t0 + 1s);
  EXPECT_EQ(fast.rate(), 100000.0);
}

TEST_F(CollectorTest, RunPacesRoundsOnTheServerClock) {
  // The server clock runs 60x: the metrics window moves 30 s every half second of local time.
  std::atomic<bool> done = false;
  std::thread clock([&] {
    std::int64_t t = k0905_00;
    while (!done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      t += 30;
      std::string moved = kPodMetricsList;
      const std::string stamp = formatTimestamp(WallTime(std::chrono::seconds(t)));
      moved.replace(moved.find("2026-11-20T09:05:00Z"), 20, stamp);
      fake.respondJson("GET", kPodMetrics, moved);
    }
  });
  CollectOptions options = shop();
  options.forSeconds = 150;
  options.compactEverySeconds = 30;
  Collector collector(client, store, options);
  std::vector<std::int64_t> times;
  collector.run([] { return false; }, [&](const RoundReport& r) { times.push_back(r.serverTime); });
  done = true;
  clock.join();
  // The first wait probes (the rate is unknown), then rounds follow every 30 s of server time.
  ASSERT_GE(times.size(), 3u);
  ASSERT_LE(times.size(), 6u);
  EXPECT_EQ(times[0], k0905_00);
  for (std::size_t i = 1; i < times.size(); ++i)
    EXPECT_GE(times[i] - times[i - 1], 30) << i;
  EXPECT_GE(times.back() - times.front(), 150);
  EXPECT_LT(times[times.size() - 2] - times.front(), 150);
  // Compacted every 30 s of server time; the last round ends the run before its compaction.
  EXPECT_EQ(store.compactions.size(), times.size() - 1);
}

TEST_F(CollectorTest, StopEndsTheRunWhileItWaits) {
  Collector collector(client, store, shop());  // the window never moves
  const auto start = std::chrono::steady_clock::now();
  int rounds = 0;
  collector.run([&] { return std::chrono::steady_clock::now() - start > std::chrono::milliseconds(300); },
                [&](const RoundReport&) { ++rounds; });
  EXPECT_EQ(rounds, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1000));
}

}  // namespace
}  // namespace aiops::history

// Tests for the daily resource report: a real history store filled by hand, every number checked exactly.
#include "rightsize/report.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <sstream>

namespace aiops::rightsize {
namespace {

namespace json = boost::json;
using history::Point;
using history::Sample;
using history::SeriesKey;

constexpr std::int64_t kMi = 1 << 20;
constexpr std::int64_t kGi = 1LL << 30;
constexpr std::int64_t kT0 = 1'700'000'000;  // 2023-11-14T22:13:20Z
constexpr int kSamples = 20;                 // one a minute

std::int64_t at(int i) {
  return kT0 + i * 60;
}

TEST(ReportPieces, SlopeOfALineIsItsGradientPerDay) {
  std::vector<Sample> samples;
  for (int i = 0; i < 10; ++i)
    samples.push_back({at(i), 1000 + i * 60});  // one byte a second
  EXPECT_DOUBLE_EQ(slopePerDay(samples), 86400.0);
  EXPECT_EQ(slopePerDay({}), 0);
  EXPECT_EQ(slopePerDay({{kT0, 5}}), 0);
  EXPECT_EQ(slopePerDay({{kT0, 5}, {kT0, 9}}), 0);  // no spread of time: no slope
  // Least squares, not end points: (0,0) (60,0) (120,60) -> slope 0.5 per second.
  EXPECT_DOUBLE_EQ(slopePerDay({{kT0, 0}, {kT0 + 60, 0}, {kT0 + 120, 60}}), 0.5 * 86400);
}

TEST(ReportPieces, CounterRateCountsAResetFromZero) {
  // 0, 600, 1200, then a restart to 300, then 900: increase 600 + 600 + 300 + 600 = 2100 over 240 s.
  const std::vector<Sample> samples{{at(0), 0}, {at(1), 600}, {at(2), 1200}, {at(3), 300}, {at(4), 900}};
  ASSERT_TRUE(counterRate(samples));
  EXPECT_DOUBLE_EQ(*counterRate(samples), 2100.0 / 240.0);
  EXPECT_FALSE(counterRate({{at(0), 5}}));
  EXPECT_FALSE(counterRate({}));
}

TEST(ReportPieces, SumByTimeAddsWhatShareATime) {
  const std::vector<Sample> a{{10, 1}, {20, 2}, {30, 3}};
  const std::vector<Sample> b{{20, 10}, {40, 40}};
  EXPECT_EQ(sumByTime({&a, &b}), (std::vector<Sample>{{10, 1}, {20, 12}, {30, 3}, {40, 40}}));
}

TEST(ReportPieces, HumanBytes) {
  EXPECT_EQ(humanBytes(900), "900B");
  EXPECT_EQ(humanBytes(1536), "1.5Ki");
  EXPECT_EQ(humanBytes(160.0 * kMi), "160Mi");
  EXPECT_EQ(humanBytes(1.25 * static_cast<double>(kGi)), "1.2Gi");  // one decimal, rounded to even
  EXPECT_EQ(humanBytes(-2.0 * kMi), "-2Mi");
  EXPECT_EQ(humanBytes(1023.99 * kMi), "1Gi");
}

TEST(ReportFacts, PodRequestsCountInitContainersSidecarsAndOverhead) {
  const json::value pod = json::parse(R"({
    "metadata": {"name": "web-7d9f8c6b5d-x2k4p", "namespace": "shop",
                 "labels": {"pod-template-hash": "7d9f8c6b5d"},
                 "ownerReferences": [{"kind": "ReplicaSet", "name": "web-7d9f8c6b5d", "controller": true}]},
    "spec": {"nodeName": "n1",
             "initContainers": [
               {"name": "migrate", "resources": {"requests": {"cpu": "1", "memory": "1Gi"}}},
               {"name": "proxy", "restartPolicy": "Always",
                "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}}}],
             "containers": [
               {"name": "app", "resources": {"requests": {"cpu": "250m", "memory": "128Mi"},
                                             "limits": {"cpu": "500m", "memory": "256Mi"}}},
               {"name": "log"}],
             "overhead": {"cpu": "10m", "memory": "1Mi"}},
    "status": {"phase": "Running"}})");
  const PodSpec p = podSpecOf(pod);
  EXPECT_EQ(p.namespace_, "shop");
  EXPECT_EQ(p.name, "web-7d9f8c6b5d-x2k4p");
  EXPECT_EQ(p.node, "n1");
  EXPECT_EQ(p.workload, "Deployment/web");
  EXPECT_FALSE(p.terminated);
  ASSERT_EQ(p.containers.size(), 2U);
  EXPECT_EQ(p.containers[0].name, "app");
  EXPECT_EQ(p.containers[0].resources, (Resources{250, 500, 128 * kMi, 256 * kMi}));
  EXPECT_EQ(p.containers[1].resources, Resources{});
  // CPU: max(app 250m + sidecar 100m, migrate 1000m) + 10m; memory: max(128Mi + 64Mi, 1Gi) + 1Mi.
  EXPECT_EQ(p.requestedCpuMillis, 1010);
  EXPECT_EQ(p.requestedMemoryBytes, 1025 * kMi);
}

TEST(ReportFacts, ClaimsTakeTheBoundCapacityElseTheRequest) {
  const json::value pods = json::parse(R"({"items": [
    {"metadata": {"name": "b", "namespace": "x"}, "spec": {"containers": []}, "status": {"phase": "Succeeded"}},
    {"metadata": {"name": "a", "namespace": "x"}, "spec": {"containers": []}},
    {"metadata": {"namespace": "x"}}]})");
  const json::value nodes = json::parse(R"({"items": [
    {"metadata": {"name": "n2"}, "status": {"allocatable": {"cpu": "3500m", "memory": "7Gi"}}},
    {"metadata": {"name": "n1"}, "status": {"allocatable": {"cpu": "4", "memory": "8Gi"}}}]})");
  const json::value claims = json::parse(R"({"items": [
    {"metadata": {"name": "bound", "namespace": "x"},
     "spec": {"resources": {"requests": {"storage": "5Gi"}}}, "status": {"capacity": {"storage": "10Gi"}}},
    {"metadata": {"name": "pending", "namespace": "x"}, "spec": {"resources": {"requests": {"storage": "1Gi"}}}},
    {"metadata": {"name": "odd", "namespace": "x"}, "spec": {}}]})");
  const ClusterFacts facts = clusterFacts(pods, nullptr, nodes, &claims);
  ASSERT_EQ(facts.pods.size(), 2U);  // the nameless item is skipped; sorted by name
  EXPECT_EQ(facts.pods[0].name, "a");
  EXPECT_EQ(facts.pods[1].name, "b");
  EXPECT_TRUE(facts.pods[1].terminated);
  EXPECT_EQ(facts.nodePods.size(), 2U);  // no list of every pod: the reported ones
  ASSERT_EQ(facts.nodes.size(), 2U);
  EXPECT_EQ(facts.nodes[0].name, "n1");
  EXPECT_EQ(facts.nodes[0].allocatableCpuMillis, 4000);
  EXPECT_EQ(facts.nodes[1].allocatableCpuMillis, 3500);
  EXPECT_EQ(facts.nodes[1].allocatableMemoryBytes, 7 * kGi);
  ASSERT_EQ(facts.claims.size(), 3U);
  EXPECT_EQ(facts.claims[0].capacityBytes, 10 * kGi);
  EXPECT_EQ(facts.claims[1].capacityBytes, kGi);
  EXPECT_EQ(facts.claims[2].capacityBytes, std::nullopt);
}

// A store filled by hand: namespace shop with web-1 (two containers, over- and under-provisioned), db-0
// (balanced, with network and a PVC) and idle-1 (no samples); a pod of namespace other on the same node.
class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("aiops-report-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    history::StoreOptions options;
    options.path = dir_ / "history.db";
    store_ = history::Store::open(options);

    std::vector<Point> points;
    auto add = [&](SeriesKey key, std::int64_t time, std::int64_t value) {
      points.push_back(Point{std::move(key), Sample{time, value}});
    };
    const SeriesKey appCpu{"container", "shop", "Deployment/web", "web-1", "app", history::kCpu};
    const SeriesKey appMemory{"container", "shop", "Deployment/web", "web-1", "app", history::kMemory};
    const SeriesKey sideCpu{"container", "shop", "Deployment/web", "web-1", "sidecar", history::kCpu};
    const SeriesKey sideMemory{"container", "shop", "Deployment/web", "web-1", "sidecar", history::kMemory};
    const SeriesKey dbCpu{"container", "shop", "StatefulSet/db", "db-0", "db", history::kCpu};
    const SeriesKey dbMemory{"container", "shop", "StatefulSet/db", "db-0", "db", history::kMemory};
    for (int i = 0; i < kSamples; ++i) {
      add(appCpu, at(i), i * 10);                  // 0..190m
      add(appMemory, at(i), 100 * kMi + i * kMi);  // 100Mi..119Mi, +1Mi a minute
      add(sideCpu, at(i), 5);
      add(sideMemory, at(i), 20 * kMi);
      add(dbCpu, at(i), 80);
      add(dbMemory, at(i), 600 * kMi);
      add({"node", "", "", "n1", "", history::kCpu}, at(i), 1000 + i * 10);
      add({"node", "", "", "n1", "", history::kMemory}, at(i), 4 * kGi);
      // rx: 6,000 bytes a minute, the counter restarting at sample 10 (value 3,000).
      add({"pod", "shop", "StatefulSet/db", "db-0", "", history::kNetworkRx}, at(i),
          i < 10 ? i * 6000 : 3000 + (i - 10) * 6000);
      add({"pod", "shop", "StatefulSet/db", "db-0", "", history::kNetworkTx}, at(i), i * 1200);
      add({"container", "other", "Deployment/x", "x-1", "x", history::kCpu}, at(i), 1);
    }
    // Two days earlier: outside the default window, and far above anything inside it.
    add(appCpu, kT0 - 2 * 86400, 10000);
    add({"volume", "shop", "StatefulSet/db", "db-0", "data-db-0", history::kVolumeUsed}, at(0), kGi);
    add({"volume", "shop", "StatefulSet/db", "db-0", "data-db-0", history::kVolumeUsed}, at(19), 2 * kGi);
    store_->append(points);
    const history::ContainerEvent oom{"shop", "Deployment/web", "web-1", "app",
                                      at(5),  "OOMKilled",      137,     128 * kMi};
    store_->record(std::span(&oom, 1));

    facts_.pods = {pod("shop", "db-0", "n2", "StatefulSet/db", {{"db", Resources{100, {}, kGi, kGi}}}),
                   pod("shop", "idle-1", "n2", "Pod/idle-1", {{"idle", Resources{10, {}, 32 * kMi, {}}}}),
                   pod("shop", "web-1", "n1", "Deployment/web",
                       {{"app", Resources{400, 800, 128 * kMi, 128 * kMi}},
                        {"sidecar", Resources{100, {}, 64 * kMi, {}}}})};
    facts_.nodePods = facts_.pods;
    facts_.nodePods.push_back(
        pod("other", "x-1", "n1", "Deployment/x", {{"x", Resources{500, {}, 512 * kMi, {}}}}));
    PodSpec done = pod("other", "done", "n1", "Job/done", {{"x", Resources{2000, {}, kGi, {}}}});
    done.terminated = true;
    facts_.nodePods.push_back(done);
    facts_.nodes = {{"n1", 4000, 8 * kGi}, {"n2", 2000, 4 * kGi}, {"n3", 1000, kGi}};
    facts_.claims = {{"shop", "data-db-0", 10 * kGi}};
    options_.namespace_ = "shop";
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  static PodSpec pod(std::string ns, std::string name, std::string node, std::string workload,
                     std::vector<ContainerSpec> containers) {
    PodSpec p;
    p.namespace_ = std::move(ns);
    p.name = std::move(name);
    p.node = std::move(node);
    p.workload = std::move(workload);
    p.containers = std::move(containers);
    for (const ContainerSpec& c : p.containers) {
      p.requestedCpuMillis += c.resources.cpuRequestMillis.value_or(0);
      p.requestedMemoryBytes += c.resources.memoryRequestBytes.value_or(0);
    }
    return p;
  }

  static const PodReport& find(const ResourceReport& r, const std::string& name) {
    for (const PodReport& p : r.pods) {
      if (p.name == name) return p;
    }
    throw std::runtime_error("no pod " + name);
  }

  std::filesystem::path dir_;
  std::unique_ptr<history::Store> store_;
  ClusterFacts facts_;
  ReportOptions options_;
};

TEST_F(ReportTest, WindowEndsAtTheNewestSampleOfTheNamespace) {
  const ResourceReport r = buildReport(*store_, facts_, options_);
  EXPECT_EQ(r.to, at(19) + 1);
  EXPECT_EQ(r.from, at(19) + 1 - 86400);
  EXPECT_EQ(r.windowSeconds, 86400);
  EXPECT_EQ(scopeText(r), "namespace shop");
}

TEST_F(ReportTest, PodUsageSumsItsContainersAtEachTime) {
  const ResourceReport r = buildReport(*store_, facts_, options_);
  ASSERT_EQ(r.pods.size(), 3U);
  EXPECT_EQ(r.pods[0].name, "db-0");
  EXPECT_EQ(r.pods[1].name, "idle-1");
  EXPECT_EQ(r.pods[2].name, "web-1");
  const PodReport& web = find(r, "web-1");
  EXPECT_TRUE(web.hasHistory);
  EXPECT_EQ(web.node, "n1");
  EXPECT_EQ(web.workload, "Deployment/web");
  // 5..195m (nearest rank of 20: p50 is the 10th, p95 the 19th); the sample two days back is outside.
  EXPECT_EQ(web.cpu, (CpuUsage{20, 95, 185, 195}));
  // 120Mi..139Mi growing 1Mi a minute: 1,440Mi a day.
  EXPECT_EQ(web.memory, (MemoryUsage{20, 139 * kMi, 129 * kMi, std::nullopt}));
  EXPECT_EQ(web.resources, (Resources{500, std::nullopt, 192 * kMi, std::nullopt}));  // sidecar: no limits
  ASSERT_EQ(web.containers.size(), 2U);
  EXPECT_EQ(web.containers[0].name, "app");
  EXPECT_EQ(web.containers[0].cpu, (CpuUsage{20, 90, 180, 190}));
  EXPECT_EQ(web.containers[0].memory, (MemoryUsage{20, 119 * kMi, 109 * kMi, std::nullopt}));
  EXPECT_EQ(web.containers[1].cpu, (CpuUsage{20, 5, 5, 5}));
  EXPECT_EQ(web.containers[1].memory, (MemoryUsage{20, 20 * kMi, 20 * kMi, std::nullopt}));
  EXPECT_FALSE(web.network.rxBytesPerSecond);
  EXPECT_TRUE(web.volumes.empty());

  const PodReport& idle = find(r, "idle-1");
  EXPECT_FALSE(idle.hasHistory);
  EXPECT_EQ(idle.cpu.samples, 0);
  ASSERT_EQ(r.warnings.size(), 1U);
  EXPECT_EQ(r.warnings[0], "1 pod without samples in the window: idle-1");
}

TEST_F(ReportTest, NetworkRatesAndVolumeUse) {
  const ResourceReport r = buildReport(*store_, facts_, options_);
  const PodReport& db = find(r, "db-0");
  // rx: 9 x 6,000 + 3,000 (the restart) + 9 x 6,000 = 111,000 bytes over 1,140 s; tx: 19 x 1,200.
  ASSERT_TRUE(db.network.rxBytesPerSecond);
  EXPECT_DOUBLE_EQ(*db.network.rxBytesPerSecond, 111000.0 / 1140.0);
  ASSERT_TRUE(db.network.txBytesPerSecond);
  EXPECT_DOUBLE_EQ(*db.network.txBytesPerSecond, 20.0);
  ASSERT_EQ(db.volumes.size(), 1U);
  EXPECT_EQ(db.volumes[0].claim, "data-db-0");
  EXPECT_EQ(db.volumes[0].usedBytes, 2 * kGi);
  EXPECT_EQ(db.volumes[0].time, at(19));
  EXPECT_EQ(db.volumes[0].capacityBytes, 10 * kGi);
}

TEST_F(ReportTest, NodesOfTheReportedPodsWithTheirRequests) {
  const ResourceReport r = buildReport(*store_, facts_, options_);
  ASSERT_EQ(r.nodes.size(), 2U);  // n3 runs no pod of shop
  const NodeReport& n1 = r.nodes[0];
  EXPECT_EQ(n1.name, "n1");
  EXPECT_TRUE(n1.hasHistory);
  EXPECT_EQ(n1.cpu, (CpuUsage{20, 1090, 1180, 1190}));
  EXPECT_EQ(n1.memory, (MemoryUsage{20, 4 * kGi, 4 * kGi, std::nullopt}));
  EXPECT_EQ(n1.allocatableCpuMillis, 4000);
  EXPECT_EQ(n1.allocatableMemoryBytes, 8 * kGi);
  // web-1 (500m, 192Mi) and other/x-1 (500m, 512Mi); the finished Job pod holds nothing.
  EXPECT_EQ(n1.requestedCpuMillis, 1000);
  EXPECT_EQ(n1.requestedMemoryBytes, 704 * kMi);
  EXPECT_EQ(n1.pods, 2);
  const NodeReport& n2 = r.nodes[1];
  EXPECT_EQ(n2.name, "n2");
  EXPECT_FALSE(n2.hasHistory);
  EXPECT_EQ(n2.requestedCpuMillis, 110);
  EXPECT_EQ(n2.requestedMemoryBytes, kGi + 32 * kMi);
  EXPECT_EQ(n2.pods, 2);

  options_.allNamespaces = true;
  const ResourceReport all = buildReport(*store_, facts_, options_);
  ASSERT_EQ(all.nodes.size(), 3U);
  EXPECT_EQ(all.nodes[2].name, "n3");
  EXPECT_EQ(all.nodes[2].pods, 0);
}

TEST_F(ReportTest, OverAndUnderProvisionedWithTheirRecommendations) {
  const ResourceReport r = buildReport(*store_, facts_, options_);
  const PodReport& web = find(r, "web-1");
  ASSERT_EQ(r.overProvisioned.size(), 1U);  // db-0 uses 80% of its CPU request and 58% of its memory
  const ProvisioningItem& over = r.overProvisioned[0];
  EXPECT_EQ(over.namespace_, "shop");
  EXPECT_EQ(over.pod, "web-1");
  EXPECT_EQ(over.workload, "Deployment/web");
  ASSERT_EQ(over.reasons.size(), 3U);
  EXPECT_EQ(over.reasons[0].text, "app: cpu p95 180m is 45% of request 400m");
  EXPECT_EQ(over.reasons[0].resource, "cpu");
  EXPECT_EQ(over.reasons[0].used, 180);
  EXPECT_EQ(over.reasons[0].reference, 400);
  EXPECT_EQ(over.reasons[0].percent, 45);
  EXPECT_EQ(over.reasons[1].text, "sidecar: cpu p95 5m is 5% of request 100m");
  EXPECT_EQ(over.reasons[2].text, "sidecar: memory peak 20Mi is 31% of request 64Mi");
  EXPECT_EQ(over.reasons[2].container, "sidecar");

  // The recommendations are recommendResources' own, from the window's distributions and the OOM kill.
  ContainerUsage app{"app", web.containers[0].cpuDistribution, web.containers[0].memoryDistribution,
                     Resources{400, 800, 128 * kMi, 128 * kMi}, 128 * kMi};
  ContainerUsage sidecar{"sidecar", web.containers[1].cpuDistribution, web.containers[1].memoryDistribution,
                         Resources{100, {}, 64 * kMi, {}}, std::nullopt};
  EXPECT_EQ(web.containers[0].cpuDistribution.p95, 180);
  EXPECT_EQ(web.containers[0].memoryDistribution.max, 119 * kMi);
  const ContainerRecommendation appRec = recommendResources(app);
  const ContainerRecommendation sideRec = recommendResources(sidecar);
  ASSERT_EQ(over.recommendations.size(), 2U);
  EXPECT_EQ(over.recommendations[0], appRec);
  EXPECT_EQ(over.recommendations[1], sideRec);
  const Prices prices;
  const double now = monthlyCost(400, 128 * kMi, prices) + monthlyCost(100, 64 * kMi, prices);
  const double then =
      monthlyCost(*appRec.recommended.cpuRequestMillis, *appRec.recommended.memoryRequestBytes, prices) +
      monthlyCost(*sideRec.recommended.cpuRequestMillis, *sideRec.recommended.memoryRequestBytes, prices);
  EXPECT_DOUBLE_EQ(over.monthlyCostNow, now);
  EXPECT_DOUBLE_EQ(over.monthlyCostRecommended, then);
  EXPECT_DOUBLE_EQ(over.monthlySaving, now - then);
  EXPECT_DOUBLE_EQ(r.monthlySaving, now - then);

  ASSERT_EQ(r.underProvisioned.size(), 1U);
  const ProvisioningItem& under = r.underProvisioned[0];
  EXPECT_EQ(under.pod, "web-1");
  ASSERT_EQ(under.reasons.size(), 1U);
  EXPECT_EQ(under.reasons[0].text, "app: memory peak 119Mi is 92% of limit 128Mi");
  EXPECT_EQ(under.reasons[0].percent, 92);
  ASSERT_EQ(under.recommendations.size(), 1U);
  EXPECT_EQ(under.recommendations[0], appRec);
  EXPECT_DOUBLE_EQ(under.monthlyCostNow, monthlyCost(400, 128 * kMi, prices));
}

TEST_F(ReportTest, AnExplicitEndAndOtherThresholds) {
  options_.end = at(10);  // samples 0..9 only
  options_.windowSeconds = 3600;
  options_.overRatio = 0.1;
  options_.underRatio = 0.99;
  const ResourceReport r = buildReport(*store_, facts_, options_);
  EXPECT_EQ(r.from, at(10) - 3600);
  const PodReport& web = find(r, "web-1");
  EXPECT_EQ(web.containers[0].cpu, (CpuUsage{10, 40, 90, 90}));
  ASSERT_EQ(r.overProvisioned.size(), 1U);  // only the sidecar's CPU: 5m < 10% of 100m
  ASSERT_EQ(r.overProvisioned[0].reasons.size(), 1U);
  EXPECT_EQ(r.overProvisioned[0].reasons[0].text, "sidecar: cpu p95 5m is 5% of request 100m");
  EXPECT_TRUE(r.underProvisioned.empty());
}

TEST_F(ReportTest, NoHistoryForTheNamespace) {
  options_.namespace_ = "empty";
  facts_.pods = {pod("empty", "a", "n3", "Pod/a", {{"a", Resources{}}})};
  const ResourceReport r = buildReport(*store_, facts_, options_);
  EXPECT_EQ(r.to, 0);
  ASSERT_EQ(r.pods.size(), 1U);
  EXPECT_FALSE(r.pods[0].hasHistory);
  ASSERT_EQ(r.nodes.size(), 1U);
  EXPECT_EQ(r.nodes[0].name, "n3");
  ASSERT_EQ(r.warnings.size(), 1U);
  EXPECT_EQ(r.warnings[0],
            "the history store holds no samples of namespace empty; run 'kubectl aiops collect'");
  const json::value doc = toJson(r);
  EXPECT_EQ(doc.at("window"), (json::object{{"seconds", 86400}}));
}

TEST_F(ReportTest, JsonDocument) {
  const json::value doc = toJson(buildReport(*store_, facts_, options_));
  EXPECT_EQ(doc.at("kind"), "ResourceReport");
  EXPECT_EQ(doc.at("namespace"), "shop");
  EXPECT_EQ(doc.at("allNamespaces"), false);
  EXPECT_EQ(
      doc.at("window"),
      (json::object{{"seconds", 86400}, {"from", "2023-11-13T22:32:21Z"}, {"to", "2023-11-14T22:32:21Z"}}));
  const json::object& summary = doc.at("summary").as_object();
  EXPECT_EQ(summary.at("pods"), 3);
  EXPECT_EQ(summary.at("podsWithHistory"), 2);
  EXPECT_EQ(summary.at("nodes"), 2);
  EXPECT_EQ(summary.at("overProvisioned"), 1);
  EXPECT_EQ(summary.at("underProvisioned"), 1);
  const json::object& web = doc.at("pods").at(2).as_object();
  EXPECT_EQ(web.at("name"), "web-1");
  EXPECT_EQ(web.at("node"), "n1");
  EXPECT_EQ(web.at("requests"), (json::object{{"cpuMillis", 500}, {"memoryBytes", 192 * kMi}}));
  EXPECT_EQ(web.at("limits"), json::object{});
  EXPECT_EQ(web.at("cpu"),
            (json::object{{"samples", 20}, {"p50Millis", 95}, {"p95Millis", 185}, {"peakMillis", 195}}));
  EXPECT_EQ(web.at("memory"), (json::object{{"samples", 20},
                                            {"peakBytes", 139 * kMi},
                                            {"sustainedBytes", 129 * kMi}}));  // 20 minutes: no trend
  EXPECT_EQ(web.at("network"), json::object{});
  EXPECT_EQ(web.at("containers").at(1).at("name"), "sidecar");
  EXPECT_EQ(web.at("containers").at(1).at("limits"), json::object{});
  const json::object& db = doc.at("pods").at(0).as_object();
  EXPECT_EQ(db.at("network").at("txBytesPerSecond"), 20.0);
  EXPECT_EQ(db.at("volumes"), (json::array{json::object{{"claim", "data-db-0"},
                                                        {"usedBytes", 2 * kGi},
                                                        {"time", "2023-11-14T22:32:20Z"},
                                                        {"capacityBytes", 10 * kGi},
                                                        {"usedPercent", 20}}}));
  const json::object& idle = doc.at("pods").at(1).as_object();
  EXPECT_FALSE(idle.contains("cpu"));
  EXPECT_FALSE(idle.contains("memory"));
  const json::object& n1 = doc.at("nodes").at(0).as_object();
  EXPECT_EQ(n1.at("allocatable"), (json::object{{"cpuMillis", 4000}, {"memoryBytes", 8 * kGi}}));
  EXPECT_EQ(n1.at("requested"), (json::object{{"cpuMillis", 1000}, {"memoryBytes", 704 * kMi}}));
  EXPECT_EQ(n1.at("pods"), 2);
  const json::object& under = doc.at("underProvisioned").at(0).as_object();
  EXPECT_EQ(under.at("reasons").at(0),
            (json::object{{"container", "app"},
                          {"resource", "memory"},
                          {"used", 119 * kMi},
                          {"reference", 128 * kMi},
                          {"percent", 92},
                          {"text", "app: memory peak 119Mi is 92% of limit 128Mi"}}));
  const json::object& rec = under.at("recommendations").at(0).as_object();
  EXPECT_EQ(rec.at("container"), "app");
  EXPECT_EQ(rec.at("current"),
            (json::object{{"requests", json::object{{"cpuMillis", 400}, {"memoryBytes", 128 * kMi}}},
                          {"limits", json::object{{"cpuMillis", 800}, {"memoryBytes", 128 * kMi}}}}));
  EXPECT_TRUE(rec.at("recommended").at("requests").as_object().contains("memoryBytes"));
  EXPECT_EQ(doc.at("thresholds"),
            (json::object{{"overProvisionedRatio", 0.5}, {"underProvisionedRatio", 0.8}}));
  EXPECT_EQ(doc.at("warnings"), (json::array{"1 pod without samples in the window: idle-1"}));
}

TEST_F(ReportTest, TextAndMarkdown) {
  const ResourceReport r = buildReport(*store_, facts_, options_);
  std::ostringstream text;
  printText(r, text, false);
  const std::string t = text.str();
  EXPECT_EQ(t.substr(0, t.find('\n')),
            "Resource report for namespace shop: 24h from 2023-11-13T22:32:21Z to 2023-11-14T22:32:21Z");
  EXPECT_NE(t.find("3 pods (2 with history), 2 nodes; 1 over-provisioned (saving $"), std::string::npos) << t;
  EXPECT_NE(t.find("    - app: memory peak 119Mi is 92% of limit 128Mi\n"), std::string::npos) << t;
  EXPECT_NE(t.find("  shop/web-1 (Deployment/web): saves $"), std::string::npos) << t;
  EXPECT_EQ(t.find("/day"), std::string::npos) << t;  // no pod has the 6 hours of samples a trend needs
  EXPECT_NE(t.find("data-db-0 2Gi/10Gi (20%)"), std::string::npos) << t;
  EXPECT_NE(t.find("1/4 (25%)"), std::string::npos) << t;
  EXPECT_NE(t.find("Warning: 1 pod without samples in the window: idle-1"), std::string::npos) << t;

  std::ostringstream markdown;
  printMarkdown(r, markdown);
  const std::string m = markdown.str();
  EXPECT_EQ(m.substr(0, m.find('\n')), "# Resource report: namespace shop");
  EXPECT_NE(m.find("## Under-provisioned pods\n\nPeak CPU or memory above 80% of the limit.\n\n"
                   "- **shop/web-1** (Deployment/web): "),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("| Pod | Node | CPU p50 |"), std::string::npos) << m;
}

}  // namespace
}  // namespace aiops::rightsize

// `kubectl aiops collect` against kubesim's live Todo Chatbot: one-round runs on a frozen clock store each
// metrics window at its exact time, once; a collector restarted on a fast clock leaves neither duplicates
// nor a gap longer than the restart; a cluster without metrics.k8s.io is a clear error with exit status 3.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "e2e_util.h"
#include "history/store.h"
#include "kubesim_harness.h"
#include "support/timestamps.h"

namespace aiops::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace json = boost::json;
using history::SeriesFilter;
using history::SeriesKey;

const char* const kTodoScenario = "../../kubesim/scenarios/todo-chatbot.yaml";
const std::string kBackend = "todo-backend-7d9f8c6b5d-x2k4p";
const std::string kFrontend = "todo-frontend-5c7b9d4f8-q7w2z";

std::int64_t unixSeconds(const std::string& rfc3339) {
  const auto t = parseTimestamp(rfc3339);
  EXPECT_TRUE(t.has_value()) << rfc3339;
  return t ? std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count() : 0;
}

class CollectE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = makeTempDir("aiops-collect-e2e-");
    store_ = dir_ + "/state/history.db";  // the directory does not exist yet: collect creates it
  }
  void TearDown() override {
    server_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  void start(std::vector<std::string> args) {
    server_ = std::make_unique<KubesimHarness>(
        KubesimHarness::Options{e2eScenario(kTodoScenario), "", std::move(args), 20s});
  }
  CommandResult aiops(std::vector<std::string> args) const {
    std::vector<std::string> argv{"kubectl", "aiops"};
    argv.insert(argv.end(), args.begin(), args.end());
    return server_->run(argv, "", 60s);
  }
  ProcessSpec collectSpec(std::vector<std::string> args) const {
    ProcessSpec spec;
    spec.argv = {kubectlAiopsBinary(), "collect"};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.env = server_->environment();
    return spec;
  }
  void post(const std::string& path, const std::string& body) const {
    const CommandResult r = server_->kubectl({"create", "--raw", path, "-f", "-"}, body);
    ASSERT_EQ(r.exit, 0) << path << ": " << r.err;
  }
  std::int64_t serverNow() const {
    const CommandResult r = server_->kubectl({"get", "--raw", "/kubesim/v1/clock"});
    return unixSeconds(std::string(parseJsonOrFail(r.out).at("now").as_string()));
  }
  // The newest PodMetrics timestamp the metrics API serves in namespace todo, read independently.
  std::int64_t metricsTime() const {
    const CommandResult r =
        server_->kubectl({"get", "--raw", "/apis/metrics.k8s.io/v1beta1/namespaces/todo/pods"});
    std::int64_t newest = 0;
    const json::value list = parseJsonOrFail(r.out);
    for (const json::value& item : list.at("items").as_array())
      newest = std::max(newest, unixSeconds(std::string(item.at("timestamp").as_string())));
    return newest;
  }
  std::map<SeriesKey, std::vector<history::Sample>> stored(const SeriesFilter& filter) const {
    auto store = history::Store::open({store_, {}, true});
    std::map<SeriesKey, std::vector<history::Sample>> out;
    for (history::Series& s : store->query(filter, 0, INT64_MAX))
      out[s.key] = std::move(s.samples);
    return out;
  }

  std::unique_ptr<KubesimHarness> server_;
  std::string dir_;
  std::string store_;
};

TEST_F(CollectE2eTest, OnceStoresEachMetricsWindowAtItsExactTime) {
  start({"--frozen"});
  post("/kubesim/v1/clock", R"({"advance":"1m"})");
  const std::int64_t t1 = metricsTime();
  const std::string t1Text = formatTimestamp(WallTime(std::chrono::seconds(t1)));

  // Container cpu and memory of two pods, the node's, and three series of each Service (the scenario
  // annotates both with aiops.dev/metrics-port).
  CommandResult first = aiops({"collect", "-n", "todo", "--once", "--history", store_});
  ASSERT_EQ(first.exit, 0) << first.err;
  EXPECT_EQ(first.out, t1Text + "  2 pods  12 samples stored (0 already stored)  0 terminations\n");
  EXPECT_EQ(first.err, "");
  // The same window again: nothing new.
  CommandResult again = aiops({"collect", "-n", "todo", "--once", "--history", store_});
  ASSERT_EQ(again.exit, 0) << again.err;
  EXPECT_EQ(again.out, t1Text + "  2 pods  0 samples stored (12 already stored)  0 terminations\n");

  post("/kubesim/v1/clock", R"({"advance":"30s"})");
  const std::int64_t t2 = metricsTime();
  ASSERT_EQ(t2, t1 + 30);
  CommandResult second = aiops({"collect", "-n", "todo", "--once", "--history", store_, "-o", "json"});
  ASSERT_EQ(second.exit, 0) << second.err;
  const json::value line = parseJsonOrFail(second.out);
  EXPECT_EQ(json::serialize(line),
            R"({"serverTime":")" + formatTimestamp(WallTime(std::chrono::seconds(t2))) +
                R"(","pods":2,"samplesStored":12,"samplesAlreadyStored":0,"terminations":0,"warnings":[]})");

  // kubectl top's numbers (100m 190Mi, 10m 40Mi) at the metrics API's own times.
  using Samples = std::vector<history::Sample>;
  const auto containers = stored({"container", "todo", "", "", "", ""});
  const std::map<SeriesKey, Samples> expected{
      {{"container", "todo", "Deployment/todo-backend", kBackend, "backend", "cpu"}, {{t1, 100}, {t2, 100}}},
      {{"container", "todo", "Deployment/todo-backend", kBackend, "backend", "memory"},
       {{t1, 199229440}, {t2, 199229440}}},
      {{"container", "todo", "Deployment/todo-frontend", kFrontend, "frontend", "cpu"}, {{t1, 10}, {t2, 10}}},
      {{"container", "todo", "Deployment/todo-frontend", kFrontend, "frontend", "memory"},
       {{t1, 41943040}, {t2, 41943040}}},
  };
  EXPECT_EQ(containers, expected);
  const auto nodes = stored({"node", "", "", "", "", ""});
  ASSERT_EQ(nodes.size(), 2u);
  for (const auto& [key, samples] : nodes) {
    EXPECT_EQ(key.pod, "minikube");
    ASSERT_EQ(samples.size(), 2u);
    EXPECT_EQ(samples[0].time, t1);
    EXPECT_EQ(samples[1].time, t2);
  }
  // 20 and 5 requests per second: the counters grow by 600 and 150 in 30 s (give or take the one request
  // the simulation's rounding puts on either side of an instant).
  for (const auto& [service, growth] :
       std::map<std::string, std::int64_t>{{"todo-backend", 600}, {"todo-frontend", 150}}) {
    const auto series = stored({"service", "todo", service, "", "", ""});
    ASSERT_EQ(series.size(), 3u) << service;  // http_requests, http_errors, latency_p95
    for (const auto& [key, samples] : series) {
      ASSERT_EQ(samples.size(), 2u) << key.metric;
      EXPECT_EQ(samples[0].time, t1);
      EXPECT_EQ(samples[1].time, t2);
      if (key.metric == "http_requests") {
        EXPECT_NEAR(samples[1].value - samples[0].value, growth, 1) << service;
      }
    }
  }
}

// The round times a collector printed (the first word of each progress line).
std::vector<std::int64_t> roundTimes(const std::vector<std::string>& lines) {
  std::vector<std::int64_t> out;
  for (const std::string& line : lines)
    out.push_back(unixSeconds(line.substr(0, line.find(' '))));
  return out;
}

TEST_F(CollectE2eTest, RestartedCollectorLeavesNoDuplicatesAndNoGap) {
  start({"--time-scale", "60"});  // 30 s of server time every half second
  const std::vector<std::string> args{"-n", "todo", "--interval", "30s", "--history", store_};
  std::vector<std::string> before;
  std::int64_t killedAt = 0;
  {
    StreamingProcess collector(collectSpec(args));
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (before.size() < 4 && std::chrono::steady_clock::now() < deadline) {
      if (auto line = collector.readLine(250ms)) before.push_back(*line);
    }
    ASSERT_EQ(before.size(), 4u) << collector.stderrSoFar();
    killedAt = serverNow();
    EXPECT_EQ(collector.terminate(10s), 0) << collector.stderrSoFar();  // SIGTERM: a clean stop
    while (auto line = collector.readLine(100ms))
      before.push_back(*line);  // a round that finished after the last line read
  }
  std::vector<std::string> after;
  std::int64_t upAt = 0;
  {
    StreamingProcess collector(collectSpec(args));
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (after.size() < 3 && std::chrono::steady_clock::now() < deadline) {
      if (auto line = collector.readLine(250ms)) {
        after.push_back(*line);
        if (after.size() == 1) upAt = serverNow();
      }
    }
    ASSERT_EQ(after.size(), 3u) << collector.stderrSoFar();
    EXPECT_EQ(collector.terminate(10s), 0) << collector.stderrSoFar();
    while (auto line = collector.readLine(100ms))
      after.push_back(*line);
  }
  const std::vector<std::int64_t> t1 = roundTimes(before);
  const std::vector<std::int64_t> t2 = roundTimes(after);
  // Within one run, rounds are paced an interval apart on the pods' metrics time. A printed round time is
  // the newest metrics time, which may be its node's, one 15 s metrics step ahead of the pods'.
  for (const auto* times : {&t1, &t2})
    for (std::size_t i = 1; i < times->size(); ++i)
      EXPECT_GE((*times)[i] - (*times)[i - 1], 30 - 15) << ::testing::PrintToString(*times);
  // The store: the backend's CPU series has a sample for every window a round saw, each once (a round's
  // line shows its newest metrics time, which may be its node's, a moment after the pods').
  const auto cpu = stored({"container", "todo", "Deployment/todo-backend", kBackend, "backend", "cpu"});
  ASSERT_EQ(cpu.size(), 1u);
  const std::vector<history::Sample>& samples = cpu.begin()->second;
  EXPECT_GE(samples.size(), t1.size() + t2.size() - 1);
  EXPECT_LE(samples.front().time, t1.front());
  EXPECT_GE(samples.back().time, t2.back() - 30);  // the pods' time, a step or two behind the nodes' at most
  for (std::size_t i = 1; i < samples.size(); ++i)
    EXPECT_GT(samples[i].time, samples[i - 1].time);
  // Across the restart: the last sample the first collector stored and the next one are no further apart
  // than an interval plus the restart, plus the metrics' 15 s resolution.
  std::size_t next = 0;
  while (next < samples.size() && samples[next].time <= t1.back())
    ++next;
  ASSERT_GT(next, 0u);
  ASSERT_LT(next, samples.size());
  // The first run's own samples, on the pods' time, are a whole interval apart.
  for (std::size_t i = 1; i < next; ++i)
    EXPECT_GE(samples[i].time - samples[i - 1].time, 30) << i;
  EXPECT_LE(samples[next].time - samples[next - 1].time, 30 + (upAt - killedAt) + 15)
      << "rounds before " << ::testing::PrintToString(t1) << ", after " << ::testing::PrintToString(t2)
      << ", the restart took " << upAt - killedAt << " s of server time";
  // Across the restart in the printed rounds, too.
  EXPECT_GE(t2.front(), t1.back());
  EXPECT_LE(t2.front() - t1.back(), 30 + (upAt - killedAt) + 15);
}

TEST_F(CollectE2eTest, WithoutTheMetricsApiItSaysWhatToInstall) {
  start({"--frozen"});
  // A cluster without metrics-server: metrics.k8s.io answers 404, as the API server does for an unknown
  // group.
  post(
      "/kubesim/v1/faults",
      R"({"path":"/apis/metrics.k8s.io","error":{"code":404,"message":"the server could not find the requested resource"}})");
  const CommandResult r = aiops({"collect", "-n", "todo", "--once", "--history", store_});
  EXPECT_EQ(r.exit, 3);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(
      r.err,
      "error: the metrics API (metrics.k8s.io) is not served by this cluster: install metrics-server, or "
      "read history from Prometheus with --source prometheus=NAMESPACE/SERVICE:PORT\n");
}

TEST_F(CollectE2eTest, APrometheusSourceThatIsNotThereIsAClusterError) {
  start({"--frozen"});
  const CommandResult r = aiops({"collect", "-n", "todo", "--once", "--history", store_, "--source",
                                 "prometheus=monitoring/prometheus:9090"});
  EXPECT_EQ(r.exit, 3);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(
      r.err,
      "error: querying Prometheus at monitoring/prometheus:9090: services \"prometheus\" not found (404 "
      "NotFound); check the name and the namespace (-n)\n");
}

TEST_F(CollectE2eTest, BadFlagsAreUsageErrors) {
  start({"--frozen"});
  CommandResult r = aiops({"collect", "--interval", "0s", "--history", store_});
  EXPECT_EQ(r.exit, 2);
  EXPECT_EQ(r.err,
            "error: invalid --interval '0s'; use a duration such as 30s, 5m, 1h30m or 8d; see 'kubectl aiops "
            "collect --help'\n");
  r = aiops({"collect", "--source", "prometheus=monitoring", "--history", store_});
  EXPECT_EQ(r.exit, 2);
  EXPECT_EQ(r.err,
            "error: invalid --source 'prometheus=monitoring'; use metrics-api or "
            "prometheus=NAMESPACE/SERVICE:PORT; see 'kubectl aiops collect --help'\n");
  EXPECT_FALSE(fs::exists(store_));
}

}  // namespace
}  // namespace aiops::test

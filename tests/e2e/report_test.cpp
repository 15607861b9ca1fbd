// `kubectl aiops report resources` end to end: the real kubectl runs the built plugin against kubesim;
// `collect` samples a namespace of two deployments (one asking for far more than it uses, one near its CPU
// limit and leaking memory) while the frozen clock is moved an hour at a time, then the report reads the
// history.
//
// kubesim's kubelet Summary carries no network or volume stats, so those parts of the report are covered by
// tests/rightsize/report_test.cpp on a hand-filled store; here they must be absent, not invented.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>

#include "e2e_util.h"
#include "kubesim_harness.h"

namespace aiops::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr std::int64_t kMi = 1 << 20;

// Deterministic usage (no load, no noise): the backend uses 20m and 180Mi of the 500m and 1Gi it requests;
// the frontend uses 90m of its 100m CPU limit and leaks 6Mi an hour from 100Mi.
const char* const kScenario = R"(apiVersion: kubesim.aiops.dev/v1
kind: Clock
start: "2026-11-19T00:00:00Z"
frozen: true
---
apiVersion: v1
kind: Namespace
metadata: {name: todo}
---
apiVersion: v1
kind: Node
metadata:
  name: worker-1
  labels: {kubernetes.io/hostname: worker-1, kubernetes.io/os: linux, kubernetes.io/arch: amd64}
status:
  capacity: {cpu: "4", memory: 8Gi, pods: "110"}
  allocatable: {cpu: "4", memory: 8Gi, pods: "110"}
  conditions:
  - {type: Ready, status: "True", reason: KubeletReady, message: kubelet is posting ready status}
  nodeInfo: {kubeletVersion: v1.32.0, containerRuntimeVersion: "containerd://1.7.0"}
---
apiVersion: kubesim.aiops.dev/v1
kind: BehaviourProfile
name: backend
images: [ghcr.io/todo-chatbot/backend]
cpu: {baselineMillicores: 20}
memory: {baselineMiB: 180}
startup: 2s
---
apiVersion: kubesim.aiops.dev/v1
kind: BehaviourProfile
name: frontend
images: [ghcr.io/todo-chatbot/frontend]
cpu: {baselineMillicores: 90}
memory: {baselineMiB: 100, growthMiBPerHour: 6}
startup: 2s
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: todo-backend, namespace: todo}
spec:
  replicas: 1
  selector: {matchLabels: {app: backend}}
  template:
    metadata: {labels: {app: backend}}
    spec:
      containers:
      - name: backend
        image: ghcr.io/todo-chatbot/backend:1.4.2
        resources:
          requests: {cpu: 500m, memory: 1Gi}
          limits: {cpu: "1", memory: 1Gi}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: todo-frontend, namespace: todo}
spec:
  replicas: 1
  selector: {matchLabels: {app: frontend}}
  template:
    metadata: {labels: {app: frontend}}
    spec:
      containers:
      - name: frontend
        image: ghcr.io/todo-chatbot/frontend:2.0.1
        resources:
          requests: {cpu: 100m, memory: 256Mi}
          limits: {cpu: 100m, memory: 1Gi}
)";

class ReportE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = makeTempDir("aiops-report-e2e-");
    const std::string scenario = dir_ + "/report.yaml";
    std::ofstream(scenario) << kScenario;
    server_ = std::make_unique<KubesimHarness>(scenario);
    history_ = dir_ + "/history.db";
    repo_ = dir_ + "/phr";
    advance("1m");  // the pods start
  }
  void TearDown() override {
    server_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  CommandResult aiops(std::vector<std::string> args) const {
    std::vector<std::string> argv{"kubectl", "aiops"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--history", history_});
    if (args.front() != "collect") argv.insert(argv.end(), {"--phr-repo", repo_});
    return server_->run(argv, "", std::chrono::seconds(120));
  }

  void advance(const std::string& duration) const {
    const CommandResult r = server_->kubectl({"create", "--raw", "/kubesim/v1/clock", "-f", "-"},
                                             R"({"advance":")" + duration + "\"}");
    ASSERT_EQ(r.exit, 0) << r.err;
  }

  // One `collect --once` an hour for `hours` hours, and one at the end.
  void collectHours(int hours) const {
    for (int i = 0; i <= hours; ++i) {
      const CommandResult r = aiops({"collect", "--once", "-n", "todo"});
      ASSERT_EQ(r.exit, 0) << r.out << r.err;
      if (i < hours) advance("1h");
    }
  }

  static const json::object& podOf(const json::value& report, const std::string& prefix) {
    for (const json::value& p : report.at("pods").as_array()) {
      if (std::string(p.at("name").as_string()).starts_with(prefix)) return p.as_object();
    }
    throw std::runtime_error("no pod " + prefix + " in the report");
  }

  std::string dir_;
  std::string history_;
  std::string repo_;
  std::unique_ptr<KubesimHarness> server_;
};

TEST_F(ReportE2eTest, ADayOfHistoryListsTheOverAndUnderProvisionedPods) {
  collectHours(12);

  const CommandResult r = aiops({"report", "resources", "-n", "todo", "-o", "json"});
  ASSERT_EQ(r.exit, 0) << r.out << r.err;
  EXPECT_EQ(r.err, "");
  const json::value report = parseJsonOrFail(r.out);
  EXPECT_EQ(report.at("kind"), "ResourceReport");
  EXPECT_EQ(report.at("namespace"), "todo");
  EXPECT_EQ(report.at("window").at("seconds"), 86400);
  const json::object& summary = report.at("summary").as_object();
  EXPECT_EQ(summary.at("pods"), 2);
  EXPECT_EQ(summary.at("podsWithHistory"), 2);
  EXPECT_EQ(summary.at("nodes"), 1);
  EXPECT_EQ(summary.at("overProvisioned"), 1);
  EXPECT_EQ(summary.at("underProvisioned"), 1);

  const json::object& backend = podOf(report, "todo-backend-");
  EXPECT_EQ(backend.at("node"), "worker-1");
  EXPECT_TRUE(std::string(backend.at("workload").as_string()) == "Deployment/todo-backend") << backend;
  EXPECT_EQ(backend.at("requests"), (json::object{{"cpuMillis", 500}, {"memoryBytes", 1024 * kMi}}));
  EXPECT_EQ(backend.at("cpu").at("p50Millis"), 20);
  EXPECT_EQ(backend.at("cpu").at("p95Millis"), 20);
  EXPECT_EQ(backend.at("cpu").at("peakMillis"), 20);
  EXPECT_EQ(backend.at("memory").at("sustainedBytes"), 180 * kMi);
  EXPECT_EQ(backend.at("memory").at("peakBytes"), 180 * kMi);
  EXPECT_EQ(backend.at("memory").at("growthBytesPerDay"), 0);
  EXPECT_GE(backend.at("cpu").at("samples").as_int64(), 13);
  EXPECT_EQ(backend.at("network"), json::object{});  // kubesim's Summary has no network stats
  EXPECT_EQ(backend.at("volumes"), json::array{});

  // The frontend leaks 6Mi an hour: 144Mi a day, within the KiB rounding of metrics-server's values.
  const json::object& frontend = podOf(report, "todo-frontend-");
  EXPECT_EQ(frontend.at("cpu").at("peakMillis"), 90);
  const std::int64_t growth = frontend.at("memory").at("growthBytesPerDay").as_int64();
  EXPECT_NEAR(static_cast<double>(growth), 144.0 * kMi, 0.01 * 144 * kMi) << growth;
  EXPECT_GT(frontend.at("memory").at("peakBytes").as_int64(), 160 * kMi);

  const json::object& node = report.at("nodes").at(0).as_object();
  EXPECT_EQ(node.at("name"), "worker-1");
  EXPECT_EQ(node.at("allocatable"), (json::object{{"cpuMillis", 4000}, {"memoryBytes", 8192 * kMi}}));
  EXPECT_EQ(node.at("requested"), (json::object{{"cpuMillis", 600}, {"memoryBytes", 1280 * kMi}}));
  EXPECT_EQ(node.at("pods"), 2);
  EXPECT_EQ(node.at("cpu").at("p50Millis"), 190);  // the pods' 110m and the node's own 80m

  const json::object& over = report.at("overProvisioned").at(0).as_object();
  EXPECT_TRUE(std::string(over.at("pod").as_string()).starts_with("todo-backend-"));
  const json::array& reasons = over.at("reasons").as_array();
  ASSERT_EQ(reasons.size(), 2u);
  EXPECT_EQ(reasons[0].at("text"), "backend: cpu p95 20m is 4% of request 500m");
  EXPECT_EQ(reasons[1].at("text"), "backend: memory peak 180Mi is 17% of request 1Gi");
  // The rules of recommend resources: CPU p95 20m x 1.3 = 26m, rounded up to 30m; memory max(p99 180Mi x 1.3,
  // max x 1.15) = 234Mi.
  const json::value& recommended = over.at("recommendations").at(0).at("recommended");
  EXPECT_EQ(recommended.at("requests").at("cpuMillis"), 30);
  EXPECT_EQ(recommended.at("requests").at("memoryBytes"), 234 * kMi);
  EXPECT_GT(over.at("monthlySaving").to_number<double>(), 0.0);

  const json::object& under = report.at("underProvisioned").at(0).as_object();
  EXPECT_TRUE(std::string(under.at("pod").as_string()).starts_with("todo-frontend-"));
  EXPECT_EQ(under.at("reasons").at(0).at("text"), "frontend: cpu peak 90m is 90% of limit 100m");

  // Recorded as a report PHR holding the document.
  const CommandResult log =
      server_->run({"kubectl", "aiops", "phr", "log", "-o", "json", "--phr-repo", repo_});
  ASSERT_EQ(log.exit, 0) << log.err;
  const json::value journal = parseJsonOrFail(log.out);
  const json::array& records = journal.at("records").as_array();
  ASSERT_EQ(records.size(), 1u) << log.out;
  EXPECT_EQ(records[0].at("kind"), "report");

  // Text and Markdown for people; --no-record leaves the journal as it was.
  const CommandResult text = aiops({"report", "resources", "-n", "todo", "--no-record"});
  ASSERT_EQ(text.exit, 0) << text.err;
  EXPECT_NE(text.out.find("Resource report for namespace todo: 24h from "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("    - frontend: cpu peak 90m is 90% of limit 100m\n"), std::string::npos)
      << text.out;
  EXPECT_EQ(text.out.find("Recorded as PHR"), std::string::npos) << text.out;
  const CommandResult markdown = aiops({"report", "resources", "-n", "todo", "-o", "markdown"});
  ASSERT_EQ(markdown.exit, 0) << markdown.err;
  EXPECT_EQ(markdown.out.substr(0, markdown.out.find('\n')), "# Resource report: namespace todo");
  EXPECT_NE(markdown.out.find("Recorded as PHR report-2026-"), std::string::npos) << markdown.out;
}

TEST_F(ReportE2eTest, WithoutAStoreItSaysHowToMakeOne) {
  const CommandResult r = aiops({"report", "resources", "-n", "todo"});
  EXPECT_EQ(r.exit, 3);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            fmt::format("error: no history store at {}; run 'kubectl aiops collect' first, or name the "
                        "store with --history\n",
                        history_));
}

}  // namespace
}  // namespace aiops::test

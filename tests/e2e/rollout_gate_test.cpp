// The rollout gate end to end (Scenario 4): the stand-in `helm` installs the Todo Chatbot chart on kubesim
// (scenarios/rollout-gate.yaml), then `aiops-gate upgrade` upgrades the backend through the post-renderer and
// watches the first replicas; the tests sample the Deployment every 100 ms while it runs and check what the
// gate did: the rollout finished or was paused and rolled back, the stand-in's log of helm calls, the PHR
// record, and the Event on the Deployment.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <thread>

#include "api_reader.h"
#include "e2e_util.h"
#include "kubesim_harness.h"
#include "support/subprocess.h"

#ifndef AIOPS_HELM_STANDIN_DIR
#error "AIOPS_HELM_STANDIN_DIR (the directory of the stand-in helm executable) must be defined"
#endif

namespace aiops::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

const std::string kChart =
    (fs::path(__FILE__).parent_path() / ".." / ".." / "charts" / "todo-chatbot").lexically_normal().string();
const std::string kRepository = "ghcr.io/todo-chatbot/backend:";

// Started by path: a child's argv[0] is looked up on this process's PATH, not on the one it is given.
std::string gateBinary() {
  return (fs::path(kubectlAiopsBinary()).parent_path() / "aiops-gate").string();
}

std::string image(const std::string& version) {
  return kRepository + version;
}

double secondsBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

const std::string kDeploymentPath = "/apis/apps/v1/namespaces/todo/deployments/todo-backend";
const std::string kBackendPodsPath =
    "/api/v1/namespaces/todo/pods?labelSelector=app.kubernetes.io%2Fname%3Dbackend";

// A helm call's arguments without its flags (and the values of the flags that take one).
std::vector<std::string> positional(const std::vector<std::string>& call) {
  static const std::vector<std::string> withValue{
      "-n", "--namespace", "--timeout", "--kubeconfig", "--kube-context", "-o", "--output", "--max"};
  std::vector<std::string> out;
  for (std::size_t i = 0; i < call.size(); ++i) {
    if (std::find(withValue.begin(), withValue.end(), call[i]) != withValue.end()) {
      ++i;
      continue;
    }
    if (!call[i].starts_with("-")) out.push_back(call[i]);
  }
  return out;
}

// One look at the backend while the gate runs.
struct Sample {
  double at = 0;  // seconds since the gate started
  bool paused = false;
  std::int64_t replicas = 0;
  std::int64_t updated = 0;
  std::int64_t available = 0;
  std::string image;
};

// What one run of the gate printed and what the samples saw.
struct GateRun {
  int exit = -1;
  std::string out;
  std::string err;
  json::value result;  // the -o json object, or null
  std::vector<Sample> samples;
  std::optional<Clock::time_point> firstCanaryReady;  // a pod of `image` first seen Ready
  std::optional<Clock::time_point> allCanaryReady;    // `canary` of them first seen Ready together
  std::optional<Clock::time_point> firstPaused;       // spec.paused first seen true
  std::string text() const {
    return "exit " + std::to_string(exit) + "\nstdout:\n" + out + "\nstderr:\n" + err;
  }
};

class RolloutGateE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<KubesimHarness>(e2eScenario("rollout-gate.yaml"));
    dir_ = makeTempDir("aiops-rollout-gate-e2e-");
    repo_ = dir_ + "/phr";
    helmLog_ = dir_ + "/helm.log";
    env_ = server_->environment();
    // The stand-in helm first, then the build's bin directory (kubectl-aiops, aiops-gate).
    env_["PATH"] = std::string(AIOPS_HELM_STANDIN_DIR) + ":" + env_["PATH"];
    env_["HELM_STANDIN_STATE"] = dir_ + "/helm-state";
    env_["HELM_STANDIN_LOG"] = helmLog_;
    env_["AIOPS_PHR_REPO"] = repo_;
    api_ = std::make_unique<ApiReader>(*server_);
  }
  void TearDown() override {
    api_.reset();
    server_.reset();
    std::error_code ignored;
    if (!HasFailure()) fs::remove_all(dir_, ignored);
  }

  CommandResult exec(std::vector<std::string> argv, std::chrono::seconds timeout = std::chrono::seconds(120),
                     const std::string& stdinData = "") const {
    ProcessSpec spec;
    spec.argv = std::move(argv);
    spec.env = env_;
    spec.stdinData = stdinData;
    spec.timeout = timeout;
    const ProcessResult r = runProcess(spec);
    return {r.exitCode, r.out, r.err};
  }

  CommandResult helm(std::vector<std::string> args,
                     std::chrono::seconds timeout = std::chrono::seconds(120)) const {
    args.insert(args.begin(), std::string(AIOPS_HELM_STANDIN_DIR) + "/helm");
    return exec(std::move(args), timeout);
  }

  // Waits until the backend has `replicas` pods of `version` Ready and none of another version left, and the
  // Deployment counts them all updated and available (or `timeout` passes).
  bool settled(const std::string& version, std::int64_t replicas,
               std::chrono::seconds timeout = std::chrono::seconds(90)) const {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      const std::optional<json::value> d = api_->get(kDeploymentPath);
      const std::vector<json::value> pods = api_->items(kBackendPodsPath);
      const auto matching = std::count_if(pods.begin(), pods.end(), [&](const json::value& p) {
        return podImage(p) == image(version) && podReady(p) &&
               jsonFind(p, {"metadata", "deletionTimestamp"}) == nullptr;
      });
      if (d && static_cast<std::int64_t>(pods.size()) == replicas && matching == replicas &&
          jsonInt(*d, {"status", "updatedReplicas"}) == replicas &&
          jsonInt(*d, {"status", "availableReplicas"}) == replicas &&
          jsonInt(*d, {"status", "replicas"}) == replicas &&
          jsonInt(*d, {"status", "observedGeneration"}) == jsonInt(*d, {"metadata", "generation"}))
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return false;
  }

  // Release `todo` at 1.4.2 with six backend replicas, installed by the stand-in without the post-renderer.
  void install() const {
    const CommandResult r = helm({"upgrade", "--install", "todo", kChart, "-n", "todo", "--set",
                                  "backend.image=" + image("1.4.2"), "--set", "backend.replicas=6"});
    ASSERT_EQ(r.exit, 0) << r.out << r.err;
    ASSERT_TRUE(settled("1.4.2", 6)) << "the installed backend never had six available 1.4.2 pods";
  }

  // `aiops-gate upgrade --window 15s -o json -- todo CHART -n todo --set backend.image=... --set
  // backend.replicas=6`, sampled every 100 ms while it runs; `during` runs at each sample.
  GateRun upgrade(const std::string& version, const std::vector<std::string>& extra = {},
                  const std::function<void(GateRun&)>& during = {}) const {
    std::vector<std::string> argv{gateBinary(), "upgrade", "--window", "15s", "-o", "json"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.insert(argv.end(), {"--", "todo", kChart, "-n", "todo", "--set", "backend.image=" + image(version),
                             "--set", "backend.replicas=6"});
    return sampled(argv, version, during);
  }

  GateRun sampled(const std::vector<std::string>& argv, const std::string& version,
                  const std::function<void(GateRun&)>& during = {}) const {
    ProcessSpec spec;
    spec.argv = argv;
    spec.env = env_;
    GateRun run;
    const Clock::time_point start = Clock::now();
    StreamingProcess gate(spec);
    Clock::time_point sampledAt = start - std::chrono::seconds(1);
    while (Clock::now() - start < std::chrono::seconds(240)) {
      if (std::optional<std::string> line = gate.readLine(std::chrono::milliseconds(100)))
        run.out += *line + "\n";
      if (gate.eof()) break;
      if (Clock::now() - sampledAt < std::chrono::milliseconds(100)) continue;  // output came faster
      sampledAt = Clock::now();
      sample(run, start, version);
      if (during) during(run);
    }
    if (!gate.eof()) ADD_FAILURE() << "the gate did not finish within 240 s";
    run.exit = gate.eof() ? gate.wait(std::chrono::seconds(10)).value_or(-1) : gate.terminate();
    run.err = gate.stderrSoFar();
    {
      boost::system::error_code ec;
      run.result = json::parse(run.out, ec);  // -o json: stdout holds the result alone
      if (ec) run.result = nullptr;
    }
    return run;
  }

  void sample(GateRun& run, Clock::time_point start, const std::string& version) const {
    const Clock::time_point now = Clock::now();
    if (const std::optional<json::value> d = api_->get(kDeploymentPath)) {
      Sample s;
      s.at = secondsBetween(start, now);
      s.paused = jsonBool(*d, {"spec", "paused"});
      s.replicas = jsonInt(*d, {"status", "replicas"});
      s.updated = jsonInt(*d, {"status", "updatedReplicas"});
      s.available = jsonInt(*d, {"status", "availableReplicas"});
      const json::value* containers = jsonFind(*d, {"spec", "template", "spec", "containers"});
      if (containers != nullptr && containers->is_array() && !containers->as_array().empty())
        s.image = jsonString(containers->as_array().front(), {"image"});
      if (s.paused && !run.firstPaused) run.firstPaused = now;
      run.samples.push_back(s);
    }
    std::int64_t ready = 0;
    for (const json::value& pod : api_->items(kBackendPodsPath))
      if (podImage(pod) == image(version) && podReady(pod)) ++ready;
    if (ready > 0 && !run.firstCanaryReady) run.firstCanaryReady = now;
    if (ready >= 3 && !run.allCanaryReady) run.allCanaryReady = now;
  }

  json::value deployment() const {
    const std::optional<json::value> d = api_->get(kDeploymentPath);
    EXPECT_TRUE(d.has_value());
    return d.value_or(json::value(nullptr));
  }

  // The arguments of every stand-in helm call, in order.
  std::vector<std::vector<std::string>> helmCalls() const {
    std::vector<std::vector<std::string>> calls;
    std::ifstream in(helmLog_);
    for (std::string line; std::getline(in, line);) {
      const json::value v = parseJsonOrFail(line);
      std::vector<std::string> call;
      if (v.is_array())
        for (const json::value& a : v.as_array())
          call.emplace_back(a.is_string() ? std::string(a.as_string()) : json::serialize(a));
      calls.push_back(std::move(call));
    }
    return calls;
  }
  std::vector<std::vector<std::string>> helmCalls(const std::string& command) const {
    std::vector<std::vector<std::string>> out;
    for (auto& call : helmCalls())
      if (!call.empty() && call.front() == command) out.push_back(call);
    return out;
  }

  json::array history() const {
    const CommandResult r = helm({"history", "todo", "-n", "todo", "-o", "json"});
    EXPECT_EQ(r.exit, 0) << r.err;
    const json::value v = parseJsonOrFail(r.out);
    return v.is_array() ? v.as_array() : json::array{};
  }

  // The newest revision whose status is deployed or superseded: where a rollback must go.
  std::int64_t newestGoodRevision() const {
    std::int64_t newest = 0;
    for (const json::value& h : history()) {
      const std::string status = jsonString(h, {"status"});
      if (status == "deployed" || status == "superseded") newest = std::max(newest, jsonInt(h, {"revision"}));
    }
    return newest;
  }

  // The journal's rollout records, oldest first.
  std::vector<json::value> rolloutRecords() const {
    const CommandResult log = exec({"kubectl", "aiops", "phr", "log", "-o", "json", "--phr-repo", repo_});
    EXPECT_EQ(log.exit, 0) << log.out << log.err;
    std::vector<json::value> out;
    const json::value document = parseJsonOrFail(log.out);
    if (const json::value* records = jsonFind(document, {"records"});
        records != nullptr && records->is_array())
      for (const json::value& r : records->as_array())
        if (jsonString(r, {"kind"}) == "rollout") out.push_back(r);
    return out;
  }

  // The one rollout record the run wrote, as `phr show` prints it; checks that the JSON result names it.
  std::string theRolloutRecord(const GateRun& run) const {
    const std::vector<json::value> records = rolloutRecords();
    EXPECT_EQ(records.size(), 1u);
    if (records.empty()) return "";
    const std::string path = jsonString(records.front(), {"path"});
    const std::string named = jsonString(run.result, {"record"});
    EXPECT_FALSE(named.empty()) << run.text();
    EXPECT_TRUE(!named.empty() && (path.ends_with(named) || named.ends_with(path)))
        << path << " vs " << named;
    EXPECT_NE(path.find("rollout-"), std::string::npos) << path;
    const CommandResult show = exec(
        {"kubectl", "aiops", "phr", "show", jsonString(records.front(), {"reference"}), "--phr-repo", repo_});
    EXPECT_EQ(show.exit, 0) << show.err;
    return show.out;
  }

  // Events on the backend Deployment with `reason`.
  std::vector<json::value> deploymentEvents(const std::string& reason) const {
    const CommandResult r = server_->kubectl({"get", "events", "-n", "todo", "-o", "json"});
    EXPECT_EQ(r.exit, 0) << r.err;
    std::vector<json::value> out;
    const json::value list = parseJsonOrFail(r.out);
    if (const json::value* items = jsonFind(list, {"items"}); items != nullptr && items->is_array())
      for (const json::value& e : items->as_array())
        if (jsonString(e, {"involvedObject", "kind"}) == "Deployment" &&
            jsonString(e, {"involvedObject", "name"}) == "todo-backend" &&
            jsonString(e, {"reason"}) == reason)
          out.push_back(e);
    return out;
  }

  void action(const std::string& body) const {
    const CommandResult r = server_->kubectl({"create", "--raw", "/kubesim/v1/actions", "-f", "-"}, body);
    ASSERT_EQ(r.exit, 0) << r.err;
  }

  // After a halt: the rollback went to `revision` with the stand-in, the Deployment runs again and serves
  // 1.4.2 on six available pods, and the record and the Event say why.
  void expectHaltedAndRolledBack(const GateRun& run, std::int64_t revision,
                                 const std::string& reasonPart) const {
    EXPECT_EQ(run.exit, 1) << run.text();
    ASSERT_TRUE(run.result.is_object()) << run.text();
    EXPECT_EQ(jsonString(run.result, {"outcome"}), "halted");
    const std::string reason = jsonString(run.result, {"reason"});
    EXPECT_NE(reason.find(reasonPart), std::string::npos) << reason;
    EXPECT_EQ(jsonString(run.result, {"policyRule"}), "automaticRollback.failedRollout");
    EXPECT_EQ(jsonString(run.result, {"rollback", "method"}), "helm");
    EXPECT_EQ(jsonString(run.result, {"rollback", "release"}), "todo");
    EXPECT_EQ(jsonInt(run.result, {"rollback", "revision"}), revision);
    EXPECT_TRUE(run.firstPaused.has_value()) << "no sample saw the Deployment paused";

    const auto rollbacks = helmCalls("rollback");
    ASSERT_EQ(rollbacks.size(), 1u);
    EXPECT_EQ(positional(rollbacks[0]),
              (std::vector<std::string>{"rollback", "todo", std::to_string(revision)}));

    const json::value d = deployment();
    EXPECT_FALSE(jsonBool(d, {"spec", "paused"})) << "the Deployment was left paused";
    EXPECT_TRUE(settled("1.4.2", 6)) << "the backend did not come back to six available 1.4.2 pods";
    const json::value after = deployment();
    EXPECT_EQ(jsonString(after.at("spec").at("template").at("spec").at("containers").at(0), {"image"}),
              image("1.4.2"));

    const std::string record = theRolloutRecord(run);
    EXPECT_NE(record.find("halted"), std::string::npos) << record;
    EXPECT_NE(record.find(reason), std::string::npos) << record;
    EXPECT_NE(record.find("automaticRollback.failedRollout"), std::string::npos) << record;
    const std::vector<json::value> events = deploymentEvents("RolloutHalted");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(jsonString(events[0], {"source", "component"}), "aiops-gate");
    EXPECT_EQ(jsonString(events[0], {"type"}), "Warning");
  }

  std::unique_ptr<KubesimHarness> server_;
  std::unique_ptr<ApiReader> api_;
  std::map<std::string, std::string> env_;
  std::string dir_;
  std::string repo_;
  std::string helmLog_;
};

// Scenario 4, healthy: 1.5.0 answers 2% errors, under the gate's 5%, so the first three replicas pass their
// 15 s window and the rest of the rollout follows without a pod ever missing.
TEST_F(RolloutGateE2eTest, Scenario4TwoPercentErrorsPassesAndCompletesWithFullAvailability) {
  install();
  // What the gate reads: each pod's own counters by status code, through the pod proxy.
  for (const json::value& pod : api_->items(kBackendPodsPath)) {
    const std::string name = jsonString(pod, {"metadata", "name"});
    const CommandResult metrics =
        server_->kubectl({"get", "--raw", "/api/v1/namespaces/todo/pods/" + name + ":8000/proxy/metrics"});
    EXPECT_EQ(metrics.exit, 0) << metrics.err;
    EXPECT_NE(metrics.out.find("http_requests_total{code=\"200\",method=\"GET\"} "), std::string::npos)
        << name;
    EXPECT_NE(metrics.out.find("http_requests_total{code=\"500\",method=\"GET\"} "), std::string::npos)
        << name;
  }
  const std::int64_t originalMinReady = jsonInt(deployment(), {"spec", "minReadySeconds"});
  const GateRun run = upgrade("1.5.0");
  EXPECT_EQ(run.exit, 0) << run.text();
  ASSERT_TRUE(run.result.is_object()) << run.text();
  EXPECT_EQ(jsonString(run.result, {"outcome"}), "succeeded");
  EXPECT_EQ(jsonString(run.result, {"deployment"}), "todo-backend");
  EXPECT_EQ(jsonString(run.result, {"namespace"}), "todo");
  EXPECT_EQ(jsonString(run.result, {"image"}), image("1.5.0"));
  EXPECT_EQ(jsonInt(run.result, {"canary"}), 3);
  EXPECT_EQ(run.result.at("windowSeconds").to_number<double>(), 15.0);
  const json::value* pods = jsonFind(run.result, {"pods"});
  ASSERT_NE(pods, nullptr);
  EXPECT_EQ(pods->as_array().size(), 3u);
  const double requests = run.result.at("requests").to_number<double>();
  const double errors = run.result.at("errors").to_number<double>();
  const double rate = run.result.at("errorRate").to_number<double>();
  EXPECT_GE(requests, 50);
  EXPECT_NEAR(rate, errors / requests, 1e-9);
  EXPECT_NEAR(rate, 0.02, 0.005);
  EXPECT_EQ(jsonFind(run.result, {"rollback"}), nullptr);
  EXPECT_TRUE(helmCalls("rollback").empty());
  // The upgrade went through the post-renderer with the window.
  const auto upgrades = helmCalls("upgrade");
  ASSERT_EQ(upgrades.size(), 2u);
  const auto& call = upgrades[1];
  const auto renderer = std::find(call.begin(), call.end(), "--post-renderer");
  ASSERT_NE(renderer, call.end());
  ASSERT_NE(renderer + 1, call.end());
  EXPECT_EQ(fs::path(*(renderer + 1)).filename(), "aiops-gate");
  EXPECT_TRUE(std::any_of(call.begin(), call.end(), [](const std::string& a) {
    return a.starts_with("--post-renderer-args") && a.find("15s") != std::string::npos;
  })) << json::serialize(json::value_from(call));

  // Never below six available: maxUnavailable 0 held through the whole rollout.
  ASSERT_FALSE(run.samples.empty());
  for (const Sample& s : run.samples) {
    EXPECT_GE(s.available, 6) << "at " << s.at << " s";
    EXPECT_FALSE(s.paused) << "at " << s.at << " s";
  }
  // The surge was the canary: never more than 6 + 3 pods.
  const auto most =
      std::max_element(run.samples.begin(), run.samples.end(),
                       [](const Sample& a, const Sample& b) { return a.replicas < b.replicas; });
  EXPECT_EQ(most->replicas, 9);

  const json::value d = deployment();
  EXPECT_EQ(jsonInt(d, {"status", "updatedReplicas"}), 6);
  EXPECT_EQ(jsonInt(d, {"status", "availableReplicas"}), 6);
  EXPECT_EQ(jsonInt(d, {"status", "replicas"}), 6);
  EXPECT_EQ(jsonInt(d, {"spec", "minReadySeconds"}), originalMinReady);
  EXPECT_FALSE(jsonBool(d, {"spec", "paused"}));
  EXPECT_TRUE(settled("1.5.0", 6, std::chrono::seconds(30)));

  const std::string record = theRolloutRecord(run);
  EXPECT_NE(record.find("succeeded"), std::string::npos) << record;
  EXPECT_NE(record.find("todo-backend"), std::string::npos) << record;
  EXPECT_NE(record.find(fmt::format("{:.1f}%", rate * 100)), std::string::npos) << record;
  const std::vector<json::value> events = deploymentEvents("RolloutSucceeded");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(jsonString(events[0], {"source", "component"}), "aiops-gate");
}

// Scenario 4, failing: 1.6.0 answers 20% errors. The gate pauses within 5 s of the first canary pod turning
// Ready, rolls the release back to revision 1 and resumes the Deployment.
TEST_F(RolloutGateE2eTest, Scenario4TwentyPercentErrorsPausesWithinFiveSecondsAndRollsBack) {
  install();
  const std::int64_t target = newestGoodRevision();
  ASSERT_EQ(target, 1);
  const GateRun run = upgrade("1.6.0");
  ASSERT_TRUE(run.firstCanaryReady.has_value()) << run.text();
  ASSERT_TRUE(run.firstPaused.has_value()) << run.text();
  const double lag = secondsBetween(*run.firstCanaryReady, *run.firstPaused);
  EXPECT_LE(lag, 5.0) << "paused " << lag << " s after the first canary pod was Ready";
  EXPECT_GE(lag, 0.0);
  const json::value* detection = jsonFind(run.result, {"detectionSeconds"});
  ASSERT_NE(detection, nullptr) << run.text();
  EXPECT_LE(detection->to_number<double>(), 5.0);
  EXPECT_GE(detection->to_number<double>(), 0.0);
  EXPECT_GT(run.result.at("errorRate").to_number<double>(), 0.05);
  EXPECT_GE(run.result.at("requests").to_number<double>(), 50);
  expectHaltedAndRolledBack(run, target, "error rate");
  // Paused before the second batch: at most the three canary pods of 1.6.0 were ever updated.
  std::int64_t mostUpdated = 0;
  for (const Sample& s : run.samples)
    if (s.image == image("1.6.0")) mostUpdated = std::max(mostUpdated, s.updated);
  EXPECT_EQ(mostUpdated, 3);
}

// A failed revision is never a rollback target: revision 2 failed (its pods crash-looped past --wait), so
// a bad revision 3 goes back to revision 1, not to 3 - 1.
TEST_F(RolloutGateE2eTest, RollbackSkipsAFailedRevision) {
  install();
  const CommandResult failed =
      helm({"upgrade", "todo", kChart, "-n", "todo", "--set", "backend.image=" + image("1.6.1"), "--set",
            "backend.replicas=6", "--wait", "--timeout", "8s"});
  ASSERT_NE(failed.exit, 0) << failed.out;
  const json::array before = history();
  ASSERT_EQ(before.size(), 2u);
  EXPECT_EQ(jsonString(before[1], {"status"}), "failed");
  EXPECT_EQ(jsonString(before[0], {"status"}), "deployed");
  const GateRun run = upgrade("1.6.0");
  expectHaltedAndRolledBack(run, 1, "error rate");
  const json::array after = history();
  ASSERT_EQ(after.size(), 4u);
  EXPECT_EQ(jsonInt(after[3], {"revision"}), 4);
  EXPECT_EQ(jsonString(after[3], {"status"}), "deployed");
  EXPECT_EQ(jsonString(after[3], {"description"}), "Rollback to 1");
}

// No traffic reaches the backend: the window is extended once, then the outcome is inconclusive and the
// Deployment stays paused for a person.
TEST_F(RolloutGateE2eTest, NoTrafficExtendsTheWindowOnceThenLeavesTheRolloutPaused) {
  install();
  action(R"({"action":"setLoad","namespace":"todo","service":"todo-backend","rps":0})");
  const GateRun run = upgrade("1.5.0");
  EXPECT_EQ(run.exit, 4) << run.text();
  ASSERT_TRUE(run.result.is_object()) << run.text();
  EXPECT_EQ(jsonString(run.result, {"outcome"}), "inconclusive");
  const std::string reason = jsonString(run.result, {"reason"});
  EXPECT_NE(reason.find("no traffic"), std::string::npos) << reason;
  EXPECT_NE(reason.find("extended window"), std::string::npos) << reason;
  EXPECT_EQ(jsonInt(run.result, {"requests"}), 0);
  EXPECT_EQ(jsonFind(run.result, {"rollback"}), nullptr);
  // One extension: the watch took two windows, not one and not three. Each no-traffic call comes its lead
  // (2 polls + 1 s = 3 s) before its window's end, so the rollout is held before the controller moves on.
  ASSERT_TRUE(run.allCanaryReady.has_value());
  const double watched = secondsBetween(*run.allCanaryReady, Clock::now());
  EXPECT_GE(watched, 2 * (15.0 - 3.0) - 2.0);
  EXPECT_LT(run.samples.back().at, 90.0);
  EXPECT_TRUE(helmCalls("rollback").empty());

  const json::value d = deployment();
  EXPECT_TRUE(jsonBool(d, {"spec", "paused"}));
  // Paused with only the canary updated: the second batch never started.
  EXPECT_EQ(jsonInt(d, {"status", "updatedReplicas"}), 3) << run.text();
  std::string timeline;
  for (const Sample& s : run.samples)
    timeline += fmt::format("{:.1f}s paused={} replicas={} updated={} available={}\n", s.at, s.paused,
                            s.replicas, s.updated, s.available);
  std::int64_t mostUpdated = 0;
  for (const Sample& s : run.samples)
    if (s.image == image("1.5.0")) mostUpdated = std::max(mostUpdated, s.updated);
  EXPECT_EQ(mostUpdated, 3) << timeline;
  const std::string record = theRolloutRecord(run);
  EXPECT_NE(record.find("inconclusive"), std::string::npos) << record;
  EXPECT_EQ(deploymentEvents("RolloutInconclusive").size(), 1u);
}

// 1.6.1 crashes at start-up: its pods never turn Ready and restart, and the gate halts on the crash loop.
TEST_F(RolloutGateE2eTest, CrashLoopingNewPodsAreHaltedAndRolledBack) {
  install();
  const GateRun run = upgrade("1.6.1");
  expectHaltedAndRolledBack(run, 1, "crash-looping");
  EXPECT_FALSE(run.firstCanaryReady.has_value()) << "a 1.6.1 pod was Ready";
}

// 1.7.0 is healthy until its pods switch to 20% errors about 9 s into the 15 s window: the gate still halts.
TEST_F(RolloutGateE2eTest, LateErrorSpikeInTheWindowIsHalted) {
  install();
  std::optional<Clock::time_point> spikedAt;
  const GateRun run = upgrade("1.7.0", {}, [&](GateRun& r) {
    if (spikedAt || !r.allCanaryReady || Clock::now() - *r.allCanaryReady < std::chrono::seconds(9)) return;
    action(
        R"({"action":"setProfile","image":"ghcr.io/todo-chatbot/backend:1.7.0","profile":"todo-backend-spiking"})");
    spikedAt = Clock::now();
  });
  ASSERT_TRUE(spikedAt.has_value()) << run.text();
  ASSERT_TRUE(run.firstPaused.has_value()) << run.text();
  EXPECT_GT(*run.firstPaused, *spikedAt) << "paused before the spike";
  EXPECT_LE(secondsBetween(*spikedAt, *run.firstPaused), 5.0);
  expectHaltedAndRolledBack(run, 1, "error rate");
}

// `kubectl aiops rollout watch` without Helm: the gate shape applied with kubectl, then a changed image with
// kubectl apply; the gate rolls back to the previous ReplicaSet's template and resumes.
TEST_F(RolloutGateE2eTest, RolloutWatchWithoutHelmRollsBackToThePreviousReplicaSet) {
  const auto render = [&](const std::string& version) {
    const CommandResult t =
        helm({"template", "todo", kChart, "-n", "todo", "--set", "backend.image=" + image(version), "--set",
              "backend.replicas=6", "--post-renderer", "aiops-gate", "--post-renderer-args", "--window=15s"});
    EXPECT_EQ(t.exit, 0) << t.err;
    const CommandResult applied = server_->kubectl({"apply", "-n", "todo", "-f", "-"}, t.out);
    EXPECT_EQ(applied.exit, 0) << applied.err;
  };
  render("1.4.2");
  ASSERT_TRUE(settled("1.4.2", 6));
  const json::value before = deployment();
  EXPECT_EQ(jsonInt(before, {"spec", "minReadySeconds"}), 15);
  EXPECT_EQ(jsonString(before, {"metadata", "annotations", "aiops.dev/gate-canary"}), "3");
  render("1.6.0");
  const GateRun run = sampled({"kubectl", "aiops", "rollout", "watch", "deploy/todo-backend", "-n", "todo",
                               "-o", "json", "--phr-repo", repo_},
                              "1.6.0");
  EXPECT_EQ(run.exit, 1) << run.text();
  ASSERT_TRUE(run.result.is_object()) << run.text();
  EXPECT_EQ(jsonString(run.result, {"outcome"}), "halted");
  EXPECT_NE(jsonString(run.result, {"reason"}).find("error rate"), std::string::npos) << run.text();
  EXPECT_EQ(jsonString(run.result, {"rollback", "method"}), "replicaset");
  EXPECT_EQ(jsonInt(run.result, {"rollback", "revision"}), 1);
  EXPECT_EQ(jsonString(run.result, {"policyRule"}), "automaticRollback.failedRollout");
  EXPECT_TRUE(run.firstPaused.has_value());
  // The test rendered with `helm template`; the gate itself never called helm.
  for (const auto& call : helmCalls())
    EXPECT_EQ(call.front(), "template") << json::serialize(json::value_from(call));

  const json::value d = deployment();
  EXPECT_FALSE(jsonBool(d, {"spec", "paused"}));
  EXPECT_EQ(jsonString(d.at("spec").at("template").at("spec").at("containers").at(0), {"image"}),
            image("1.4.2"));
  EXPECT_TRUE(settled("1.4.2", 6));
  // The rolled-back template is a new Deployment revision (3), as `kubectl rollout undo` makes it.
  EXPECT_EQ(jsonString(deployment(), {"metadata", "annotations", "deployment.kubernetes.io/revision"}), "3");
  const std::string record = theRolloutRecord(run);
  EXPECT_NE(record.find("halted"), std::string::npos) << record;
  EXPECT_EQ(deploymentEvents("RolloutHalted").size(), 1u);
}

// An application without /metrics: the chart leaves the Service's metrics annotations out, and the gate
// counts the access-log lines of the new pods instead (1.6.0 logs one 500 in five lines).
TEST_F(RolloutGateE2eTest, WithoutAMetricsPortTheGateCountsErrorsInTheLogs) {
  install();
  const GateRun run =
      sampled({gateBinary(), "upgrade", "--window", "15s", "--min-requests", "20", "-o", "json", "--", "todo",
               kChart, "-n", "todo", "--set", "backend.image=" + image("1.6.0"), "--set",
               "backend.replicas=6", "--set", "metrics.enabled=false"},
              "1.6.0");
  EXPECT_EQ(run.exit, 1) << run.text();
  ASSERT_TRUE(run.result.is_object()) << run.text();
  EXPECT_EQ(jsonString(run.result, {"outcome"}), "halted");
  EXPECT_NEAR(run.result.at("errorRate").to_number<double>(), 0.2, 0.05) << run.text();
  const json::value* steps = jsonFind(run.result, {"steps"});
  ASSERT_NE(steps, nullptr);
  EXPECT_NE(json::serialize(*steps).find("errors from their logs"), std::string::npos) << run.text();
  expectHaltedAndRolledBack(run, 1, "error rate");
}

// A first revision that fails has nothing to roll back to: the gate says so, leaves the Deployment paused,
// and still records the outcome and the Event (no Service names a metrics port, so errors come from logs).
TEST_F(RolloutGateE2eTest, AFailingFirstRevisionStaysPausedAndIsStillRecorded) {
  const CommandResult applied = server_->kubectl({"apply", "-f", "-"}, R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: fresh
  namespace: todo
  annotations:
    aiops.dev/gate-original: '{"strategy":null,"minReadySeconds":null,"progressDeadlineSeconds":null}'
    aiops.dev/gate-canary: "3"
    aiops.dev/gate-window: "15s"
spec:
  replicas: 3
  minReadySeconds: 15
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 3, maxUnavailable: 0}}
  selector: {matchLabels: {app: fresh}}
  template:
    metadata: {labels: {app: fresh}}
    spec:
      containers: [{name: app, image: ghcr.io/todo-chatbot/backend:1.6.0}]
)");
  ASSERT_EQ(applied.exit, 0) << applied.err;
  const CommandResult r = exec({"kubectl", "aiops", "rollout", "watch", "deploy/fresh", "-n", "todo",
                                "--min-requests", "20", "-o", "json"});
  EXPECT_EQ(r.exit, 1) << r.err;
  const json::value result = parseJsonOrFail(r.out);
  EXPECT_EQ(jsonString(result, {"outcome"}), "halted");
  EXPECT_NE(
      jsonString(result, {"reason"})
          .find("the rollback failed (deployment todo/fresh has no earlier ReplicaSet to roll back to), "
                "the deployment stays paused"),
      std::string::npos)
      << r.out;
  EXPECT_TRUE(jsonBool(result, {"paused"}));
  EXPECT_EQ(jsonFind(result, {"rollback"}), nullptr);
  const std::optional<json::value> d = api_->get("/apis/apps/v1/namespaces/todo/deployments/fresh");
  ASSERT_TRUE(d.has_value());
  EXPECT_TRUE(jsonBool(*d, {"spec", "paused"}));
  EXPECT_TRUE(jsonString(result, {"record"}).starts_with("history/prompts/rollout-")) << r.out;
  const CommandResult events = server_->kubectl(
      {"get", "events", "-n", "todo", "--field-selector", "reason=RolloutHalted", "-o", "name"});
  EXPECT_EQ(lines(events.out).size(), 1u) << events.out;
}

// Helm 4 hides the post-renderer's stderr, but tells plugins the release namespace: a refused stream is also
// a Warning Event there, and still an error-file line, with nothing on stdout.
TEST_F(RolloutGateE2eTest, UnderHelm4ARefusedStreamIsAlsoAnEvent) {
  std::map<std::string, std::string> env = env_;
  env["HELM_PLUGIN_NAME"] = "aiops-gate";
  env["HELM_NAMESPACE"] = "todo";
  env["AIOPS_GATE_ERROR_FILE"] = dir_ + "/errors.log";
  ProcessSpec spec;
  spec.argv = {gateBinary(), "post-render"};
  spec.env = env;
  spec.stdinData = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a\n";
  spec.timeout = std::chrono::seconds(60);
  const ProcessResult r = runProcess(spec);
  EXPECT_EQ(r.exitCode, 1) << r.err;
  EXPECT_EQ(r.out, "");
  const CommandResult events = server_->kubectl(
      {"get", "events", "-n", "todo", "--field-selector", "reason=PostRenderRefused", "-o", "json"});
  ASSERT_EQ(events.exit, 0) << events.err;
  const json::value list = parseJsonOrFail(events.out);
  const json::value* items = jsonFind(list, {"items"});
  ASSERT_NE(items, nullptr);
  ASSERT_EQ(items->as_array().size(), 1u) << events.out;
  const json::value& event = items->as_array().front();
  EXPECT_EQ(jsonString(event, {"type"}), "Warning");
  EXPECT_EQ(jsonString(event, {"involvedObject", "kind"}), "Namespace");
  EXPECT_EQ(jsonString(event, {"involvedObject", "name"}), "todo");
  EXPECT_EQ(jsonString(event, {"source", "component"}), "aiops-gate");
  const std::string message = jsonString(event, {"message"});
  EXPECT_TRUE(message.starts_with("aiops-gate post-render: document 1, line ")) << message;
  EXPECT_NE(message.find("nothing was written"), std::string::npos) << message;
  std::ifstream log(dir_ + "/errors.log");
  const std::string logged((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(logged.find("aiops-gate post-render: error: document 1, line "), std::string::npos) << logged;
  EXPECT_EQ(logged.find("no Event was recorded"), std::string::npos) << logged;
}

}  // namespace
}  // namespace aiops::test

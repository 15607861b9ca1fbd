// Metrics history, scaling and right-sizing end to end (Scenarios 2 and 3): the real kubectl runs the built
// plugin against kubesim on scenarios/rightsizing.yaml. `collect` samples the backend while the frozen clock
// is moved step by step; `recommend` reads the history and proposes; the architect approves; the developer
// applies; kubesim's controllers carry the change out (the HPA scales, or the Deployment rolls); the
// checkpoints pass; and the PHR journal holds every step with the cost figures.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <memory>

#include "e2e_util.h"
#include "governed_cluster.h"
#include "kubesim_harness.h"

namespace aiops::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

class RightsizingE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<KubesimHarness>(e2eScenario("rightsizing.yaml"));
    dir_ = makeTempDir("aiops-rightsizing-e2e-");
    repo_ = dir_ + "/phr";
    history_ = dir_ + "/history.db";
    grantRoles(*server_, {{"developer", "aiops-operator"},
                          {"developer", "aiops-collector"},
                          {"architect", "aiops-viewer"},
                          {"architect", "aiops-approver"}});
    advance("1m");  // the backend starts and serves its daily traffic
  }
  void TearDown() override {
    server_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  // `kubectl aiops --context kubesim-USER ARGS` with this test's journal (and history, for the commands that
  // read it).
  CommandResult aiops(const std::string& user, std::vector<std::string> args) const {
    std::vector<std::string> argv{"kubectl", "aiops", "--context", "kubesim-" + user};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::string& command = args.front();
    if (command == "collect" || command == "recommend") argv.insert(argv.end(), {"--history", history_});
    if (command != "collect") argv.insert(argv.end(), {"--phr-repo", repo_});
    return server_->run(argv, "", std::chrono::seconds(120));
  }

  void advance(const std::string& duration) const { advanceClock(*server_, duration); }

  void action(const std::string& body) const {
    const CommandResult r = server_->kubectl({"create", "--raw", "/kubesim/v1/actions", "-f", "-"}, body);
    ASSERT_EQ(r.exit, 0) << r.err;
  }

  // Every pod of the backend's image runs `profile` from now on; the running pod is replaced to start it.
  void crashBuild(const std::string& profile) const {
    action(R"({"action":"setProfile","image":"ghcr.io/todo-chatbot/backend","profile":")" + profile + "\"}");
    action(R"({"action":"killPod","namespace":"todo","selector":"app.kubernetes.io/name=backend"})");
  }

  // One `collect --once` per step, `steps` times, the clock moved by `step` after each.
  void collectOver(int steps, const std::string& step) const {
    for (int i = 0; i < steps; ++i) {
      const CommandResult r = aiops("developer", {"collect", "--once", "-n", "todo"});
      ASSERT_EQ(r.exit, 0) << r.out << r.err;
      advance(step);
    }
    const CommandResult last = aiops("developer", {"collect", "--once", "-n", "todo"});
    ASSERT_EQ(last.exit, 0) << last.out << last.err;
  }

  json::value recommend(const std::vector<std::string>& args, int expectedExit) const {
    std::vector<std::string> argv{"recommend"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"-n", "todo", "-o", "json"});
    const CommandResult r = aiops("developer", argv);
    EXPECT_EQ(r.exit, expectedExit) << r.out << r.err;
    const json::value document = parseJsonOrFail(r.out);
    EXPECT_EQ(document.at("items").as_array().size(), 1u) << r.out;
    return document.at("items").at(0);
  }

  // Approved by the architect, applied by the developer, then every checkpoint as the clock reaches it.
  void approveApplyAndVerify(const std::string& id, const std::string& reason,
                             const std::function<void()>& afterRollout) const {
    const CommandResult approved = aiops("architect", {"approve", id, "--reason", reason});
    ASSERT_EQ(approved.exit, 0) << approved.out << approved.err;
    const CommandResult applied = aiops("developer", {"apply", id});
    ASSERT_EQ(applied.exit, 0) << applied.out << applied.err;
    advance("2m");
    afterRollout();
    for (const auto& [step, checkpoint] : {std::pair{"3m", "5m"}, {"10m", "15m"}, {"45m", "1h"}}) {
      advance(step);
      const CommandResult verify = aiops("developer", {"verify", id});
      EXPECT_EQ(verify.exit, 0) << verify.out << verify.err;
      EXPECT_NE(verify.out.find(fmt::format("checkpoint {}: passed", checkpoint)), std::string::npos)
          << verify.out;
    }
  }

  std::vector<std::string> recordKinds() const {
    const CommandResult log =
        server_->run({"kubectl", "aiops", "phr", "log", "-o", "json", "--phr-repo", repo_});
    EXPECT_EQ(log.exit, 0) << log.err;
    std::vector<std::string> kinds;
    const json::value document = parseJsonOrFail(log.out);
    for (const json::value& r : document.at("records").as_array())
      kinds.emplace_back(r.at("kind").as_string());
    return kinds;
  }

  std::string recordText(const std::string& reference) const {
    const CommandResult r = server_->run({"kubectl", "aiops", "phr", "show", reference, "--phr-repo", repo_});
    EXPECT_EQ(r.exit, 0) << r.err;
    return r.out;
  }

  json::value deployment() const {
    const CommandResult r = server_->kubectl({"get", "deploy", "todo-backend", "-n", "todo", "-o", "json"});
    EXPECT_EQ(r.exit, 0) << r.err;
    return parseJsonOrFail(r.out);
  }

  std::unique_ptr<KubesimHarness> server_;
  std::string dir_;
  std::string repo_;
  std::string history_;
};

std::int64_t millicores(const json::value& text) {
  const std::string s(text.as_string());
  return s.ends_with('m') ? std::stoll(s.substr(0, s.size() - 1)) : std::stoll(s) * 1000;
}

// Bytes of a quantity as the plugin prints them: "254Mi", "199679Ki", "1Gi" or plain bytes.
std::int64_t bytesOf(const json::value& text) {
  const std::string s(text.as_string());
  for (const auto& [suffix, factor] : {std::pair{"Ki", 1LL << 10}, {"Mi", 1LL << 20}, {"Gi", 1LL << 30}}) {
    if (s.ends_with(suffix)) return std::stoll(s.substr(0, s.size() - 2)) * factor;
  }
  return std::stoll(s);
}

std::int64_t roundUp(double value, std::int64_t step) {
  const auto whole = static_cast<std::int64_t>(std::ceil(value - 1e-9));
  return (whole + step - 1) / step * step;
}

TEST_F(RightsizingE2eTest, Scenario2SustainedHighCpuGetsAnAutoscalerThatScalesOut) {
  collectOver(1, "1m");
  // 42 rps on the one replica: 20m + 4m x 42 = 188m, 75% of its 250m request, for six minutes.
  action(R"({"action":"setLoad","namespace":"todo","service":"todo-backend","rps":42})");
  collectOver(6, "1m");

  const json::value item = recommend({"scaling", "deploy/todo-backend"}, 0);
  EXPECT_EQ(item.at("load").at("verdict"), "high");
  EXPECT_GE(item.at("load").at("seconds").as_int64(), 300);
  EXPECT_EQ(item.at("load").at("peakPercent"), 75);
  const json::value& r = item.at("recommendation");
  EXPECT_EQ(r.at("minReplicas"), 1);
  EXPECT_EQ(r.at("expectedReplicas"), 2);
  EXPECT_TRUE(r.at("maxFits").as_bool());
  const json::value& hpa = r.at("horizontalPodAutoscaler");
  EXPECT_EQ(hpa.at("apiVersion"), "autoscaling/v2");
  EXPECT_EQ(hpa.at("spec").at("scaleTargetRef").at("name"), "todo-backend");
  const std::int64_t target = r.at("targetCPUUtilization").as_int64();
  // The HPA acts only outside its 10% tolerance: the target leaves 75% well above it.
  EXPECT_GT(75.0 / static_cast<double>(target), 1.1);
  EXPECT_GT(item.at("cost").at("monthlyExpected").as_double(), item.at("cost").at("monthlyNow").as_double());
  EXPECT_EQ(item.at("risk"), "medium");
  const std::string id(item.at("operationId").as_string());
  ASSERT_EQ(id, "op-0001");

  approveApplyAndVerify(id, "sustained 75% CPU; an HPA at a lower target relieves it", [&] {
    const json::value d = deployment();
    EXPECT_EQ(d.at("spec").at("replicas"), 2);
    EXPECT_EQ(d.at("status").at("readyReplicas"), 2);
    const CommandResult hpaNow = server_->kubectl(
        {"get", "hpa", "todo-backend", "-n", "todo", "-o", "jsonpath={.status.currentReplicas}"});
    EXPECT_EQ(hpaNow.out, "2") << hpaNow.err;
    // 42 rps over two pods: 20m + 4m x 21 = 104m each, below the target.
    const CommandResult top = server_->kubectl({"top", "pods", "-n", "todo", "--no-headers"});
    for (const std::string& line : lines(top.out)) {
      const std::string cpu = squeeze(line).substr(squeeze(line).find(' ') + 1);
      EXPECT_LT(std::stoll(cpu) * 100 / 250, target) << line;
    }
  });
  EXPECT_EQ(recordKinds(), (std::vector<std::string>{"recommendation", "approval", "applying", "applied",
                                                     "checkpoint", "checkpoint", "checkpoint", "verified"}));
  const std::string recommendation = recordText("op-0001/0001");
  EXPECT_NE(recommendation.find("cost per month (requests)"), std::string::npos) << recommendation;
  EXPECT_NE(recommendation.find("sustained high CPU"), std::string::npos) << recommendation;

  // Rolling the operation back deletes the autoscaler it created.
  const CommandResult rolledBack = aiops("developer", {"rollback", id});
  ASSERT_EQ(rolledBack.exit, 0) << rolledBack.out << rolledBack.err;
  EXPECT_NE(server_->kubectl({"get", "hpa", "todo-backend", "-n", "todo"}).exit, 0);
}

TEST_F(RightsizingE2eTest, Scenario3AWeekOfHistoryRightSizesTheBackend) {
  collectOver(57, "3h");  // 7 days and 3 hours, one round every 3 hours

  // Less than the history asked for is refused.
  const json::value refused = recommend({"resources", "deploy/todo-backend", "--days", "8"}, 1);
  EXPECT_NE(std::string(refused.at("refused").as_string()).find("right-sizing needs 8 days"),
            std::string::npos);

  const json::value item = recommend({"resources", "deploy/todo-backend"}, 0);
  EXPECT_EQ(item.at("confidence"), "high");
  const json::value& container = item.at("containers").at(0);
  EXPECT_EQ(container.at("name"), "backend");
  // The rule, from the percentiles the command reports: CPU p95 x 1.3, memory max(p99 x 1.3, max x 1.15).
  const std::int64_t cpuP95 = millicores(container.at("cpu").at("p95"));
  EXPECT_GT(cpuP95, 100);  // the daily peak is 30 rps: 140m
  EXPECT_LE(millicores(container.at("cpu").at("max")), 140);
  EXPECT_EQ(millicores(container.at("recommended").at("cpuRequest")),
            std::max<std::int64_t>(10, roundUp(static_cast<double>(cpuP95) * 1.3, 5)));
  const double memP99 = static_cast<double>(bytesOf(container.at("memory").at("p99")));
  const double memMax = static_cast<double>(bytesOf(container.at("memory").at("max")));
  EXPECT_EQ(bytesOf(container.at("recommended").at("memoryRequest")),
            roundUp(std::max(memP99 * 1.3, memMax * 1.15), 1LL << 20));
  EXPECT_LT(millicores(container.at("recommended").at("cpuRequest")), 250);
  EXPECT_GT(item.at("savings").at("monthlySaving").as_double(), 0.0);
  const std::string id(item.at("operationId").as_string());
  ASSERT_EQ(id, "op-0001");
  const std::string cpuRequest(container.at("recommended").at("cpuRequest").as_string());

  approveApplyAndVerify(id, "a week of history; the requests keep the documented margins", [&] {
    const json::value d = deployment();
    EXPECT_EQ(d.at("status").at("readyReplicas"), 1);
    EXPECT_EQ(d.at("status").at("updatedReplicas"), 1);
    EXPECT_EQ(d.at("spec")
                  .at("template")
                  .at("spec")
                  .at("containers")
                  .at(0)
                  .at("resources")
                  .at("requests")
                  .at("cpu"),
              json::value(cpuRequest.c_str()));
    const CommandResult restarts = server_->kubectl(
        {"get", "pods", "-n", "todo", "-o", "jsonpath={.items[*].status.containerStatuses[0].restartCount}"});
    EXPECT_EQ(restarts.out, "0") << restarts.err;
  });
  EXPECT_EQ(recordKinds(), (std::vector<std::string>{"recommendation", "approval", "applying", "applied",
                                                     "checkpoint", "checkpoint", "checkpoint", "verified"}));
  const std::string recommendation = recordText("op-0001/0001");
  EXPECT_NE(recommendation.find("saves $"), std::string::npos) << recommendation;
}

TEST_F(RightsizingE2eTest, Scenario3ACrashInsideTheWindowIsRefused) {
  collectOver(4, "3h");
  // A new pod of the crashing build exits with code 1 two minutes after each start; then the good build
  // again.
  crashBuild("todo-backend-crashing");
  collectOver(2, "5m");
  crashBuild("todo-backend");
  collectOver(4, "3h");

  const json::value item = recommend({"resources", "deploy/todo-backend", "--days", "1"}, 1);
  const std::string reason(item.at("refused").as_string());
  EXPECT_NE(reason.find("in the window, the last: container backend of pod todo-backend-"), std::string::npos)
      << reason;
  EXPECT_NE(reason.find("Error (exit code 1)"), std::string::npos) << reason;
  EXPECT_FALSE(item.as_object().contains("operationId"));
  EXPECT_FALSE(fs::exists(repo_));  // nothing was proposed, so no journal was started
}

}  // namespace
}  // namespace aiops::test

// The governance workflow end to end (Scenario 1): the real kubectl runs the built plugin against kubesim on
// scenarios/governance.yaml as four different people, with the ClusterRoles of deploy/rbac/. A developer's
// diagnosis proposes raising the OOMKilled backend's memory limit; the policy refuses the developer's own
// approval and the viewer's, takes the architect's; the developer applies it; the simulated clock runs the
// rollout and the 5m, 15m and 1h checkpoints; the PHR journal holds every step and verifies. Then the
// refusals, each on a cluster of its own: an expired window, a target changed since the recommendation, a
// change that needs two approvers one of them a security reviewer, and the same person approving twice.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "e2e_util.h"
#include "governed_cluster.h"
#include "kubesim_harness.h"

namespace aiops::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

class GovernanceE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<KubesimHarness>(e2eScenario("governance.yaml"));
    dir_ = makeTempDir("aiops-governance-e2e-");
    repo_ = dir_ + "/phr";
    grantRoles(*server_, {{"developer", "aiops-operator"},
                          {"developer", "aiops-approver"},
                          {"architect", "aiops-viewer"},
                          {"architect", "aiops-approver"},
                          {"security", "aiops-viewer"},
                          {"security", "aiops-approver"},
                          {"security", "aiops-security-reviewer"},
                          {"viewer", "aiops-viewer"}});
    advance("1m");  // the pods start, reach 300 MiB against their 256Mi limit, and are OOMKilled
  }
  void TearDown() override {
    server_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  // `kubectl aiops --context kubesim-USER ARGS --phr-repo REPO [--policy FILE]` (diagnose takes no policy:
  // it proposes, the policy rules on approvals and applies).
  CommandResult aiops(const std::string& user, std::vector<std::string> args) const {
    std::vector<std::string> argv{"kubectl", "aiops", "--context", "kubesim-" + user};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--phr-repo", repo_});
    if (!policy_.empty() && args.front() != "diagnose") argv.insert(argv.end(), {"--policy", policy_});
    return server_->run(argv, "", std::chrono::seconds(60));
  }

  // `kubectl aiops phr ARGS --phr-repo REPO`: the journal is local, so no context.
  CommandResult phr(std::vector<std::string> args) const {
    std::vector<std::string> argv{"kubectl", "aiops", "phr"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--phr-repo", repo_});
    return server_->run(argv);
  }

  void advance(const std::string& duration) const { advanceClock(*server_, duration); }

  void usePolicy(const std::string& yaml) {
    policy_ = dir_ + "/policy.yaml";
    std::ofstream(policy_) << "apiVersion: aiops.dev/v1\nkind: RiskPolicy\ntiers:\n" << yaml;
  }

  // The developer's diagnosis of namespace shop; returns the operation it proposed.
  std::string diagnoseAndPropose() const {
    const CommandResult r = aiops("developer", {"diagnose", "-n", "shop"});
    EXPECT_EQ(r.exit, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("OOMKilled"), std::string::npos) << r.out;
    const std::string marker = "; pending: ";
    const auto at = r.out.find(marker);
    EXPECT_NE(at, std::string::npos) << r.out;
    return at == std::string::npos ? std::string() : r.out.substr(at + marker.size(), 7);
  }

  json::value operation(const std::string& id) const {
    const CommandResult r = aiops("viewer", {"show", id, "-o", "json"});
    EXPECT_EQ(r.exit, 0) << r.err;
    return parseJsonOrFail(r.out);
  }

  std::unique_ptr<KubesimHarness> server_;
  std::string dir_;
  std::string repo_;
  std::string policy_;
};

// The backend's pods that run with `limit`, not being deleted: {ready, restarts, oomKilled} each.
struct PodState {
  bool ready = false;
  std::int64_t restarts = 0;
  bool oomKilled = false;
};

std::vector<PodState> podsWithLimit(const KubesimHarness& server, const std::string& limit) {
  const CommandResult r = server.kubectl({"get", "pods", "-n", "shop", "-l", "app=backend", "-o", "json"});
  EXPECT_EQ(r.exit, 0) << r.err;
  std::vector<PodState> pods;
  const json::value list = parseJsonOrFail(r.out);
  for (const json::value& pod : list.at("items").as_array()) {
    if (pod.at("metadata").as_object().contains("deletionTimestamp")) continue;
    const json::value& container = pod.at("spec").at("containers").at(0);
    if (container.at("resources").at("limits").at("memory") != json::value(limit.c_str())) continue;
    PodState state;
    const json::object& status = pod.at("status").as_object();
    if (const auto* statuses = status.if_contains("containerStatuses");
        statuses && !statuses->as_array().empty()) {
      const json::object& c = statuses->as_array()[0].as_object();
      state.ready = c.at("ready").as_bool();
      state.restarts = c.at("restartCount").as_int64();
      const auto* last = c.if_contains("lastState");
      state.oomKilled = last && last->as_object().contains("terminated") &&
                        last->at("terminated").at("reason") == "OOMKilled";
    }
    pods.push_back(state);
  }
  return pods;
}

std::vector<std::string> recordKinds(const json::value& log) {
  std::vector<std::string> kinds;
  for (const json::value& r : log.at("records").as_array())
    kinds.emplace_back(r.at("kind").as_string());
  return kinds;
}

TEST_F(GovernanceE2eTest, Scenario1DiagnoseApproveApplyVerify) {
  const std::string id = diagnoseAndPropose();
  ASSERT_EQ(id, "op-0001");
  const json::value proposed = operation(id);
  EXPECT_EQ(proposed.at("status"), "proposed");
  EXPECT_EQ(proposed.at("operation").at("risk"), "medium");
  EXPECT_EQ(proposed.at("operation").at("target").at("name"), "backend");
  EXPECT_EQ(proposed.at("operation").at("actor").at("user"), "developer");

  const CommandResult pending = aiops("viewer", {"pending"});
  EXPECT_EQ(pending.exit, 0) << pending.err;
  EXPECT_NE(squeeze(pending.out)
                .find("op-0001 medium Deployment shop/backend raise the memory limit of container "
                      "app from 256Mi to 384Mi developer"),
            std::string::npos)
      << pending.out;

  // The requester may not approve a medium change; the viewer may not approve at all.
  const CommandResult self = aiops("developer", {"approve", id, "--reason", "I wrote the fix"});
  EXPECT_EQ(self.exit, 1) << self.out;
  EXPECT_NE(self.err.find("requester"), std::string::npos) << self.err;
  const CommandResult viewer = aiops("viewer", {"approve", id, "--reason", "looks fine"});
  EXPECT_EQ(viewer.exit, 1) << viewer.out;
  EXPECT_EQ(viewer.err.rfind("error: user viewer may not approve recommendations", 0), 0u) << viewer.err;
  EXPECT_EQ(operation(id).at("status"), "proposed");

  const CommandResult approved = aiops(
      "architect", {"approve", id, "--reason", "OOMKilled at every start; 384Mi is 28% above the peak"});
  ASSERT_EQ(approved.exit, 0) << approved.err;
  EXPECT_NE(approved.out.find("op-0001 approved by architect"), std::string::npos) << approved.out;
  EXPECT_NE(approved.out.find("kubectl -n shop patch deployment backend --type strategic"), std::string::npos)
      << approved.out;

  const CommandResult applied = aiops("developer", {"apply", id});
  ASSERT_EQ(applied.exit, 0) << applied.out << applied.err;
  EXPECT_NE(applied.out.find("op-0001 applied to Deployment shop/backend"), std::string::npos) << applied.out;

  advance("2m");
  const std::vector<PodState> pods = podsWithLimit(*server_, "384Mi");
  ASSERT_EQ(pods.size(), 2u);
  for (const PodState& pod : pods) {
    EXPECT_TRUE(pod.ready);
    EXPECT_EQ(pod.restarts, 0);
    EXPECT_FALSE(pod.oomKilled);
  }
  EXPECT_TRUE(podsWithLimit(*server_, "256Mi").empty());

  advance("3m");  // 5m after the apply
  CommandResult verify = aiops("developer", {"verify", id});
  EXPECT_EQ(verify.exit, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("checkpoint 5m: passed"), std::string::npos) << verify.out;
  advance("10m");
  verify = aiops("developer", {"verify", id});
  EXPECT_EQ(verify.exit, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("checkpoint 15m: passed"), std::string::npos) << verify.out;
  advance("45m");
  verify = aiops("developer", {"verify", id});
  EXPECT_EQ(verify.exit, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("checkpoint 1h: passed"), std::string::npos) << verify.out;
  EXPECT_NE(verify.out.find("op-0001 is verified."), std::string::npos) << verify.out;
  EXPECT_EQ(operation(id).at("status"), "verified");

  const CommandResult log = phr({"log", "-o", "json"});
  ASSERT_EQ(log.exit, 0) << log.err;
  EXPECT_EQ(recordKinds(parseJsonOrFail(log.out)),
            (std::vector<std::string>{"diagnosis", "recommendation", "approval", "applying", "applied",
                                      "checkpoint", "checkpoint", "checkpoint", "verified"}));
  const CommandResult checked = phr({"verify"});
  EXPECT_EQ(checked.exit, 0) << checked.out << checked.err;
  EXPECT_EQ(checked.out.rfind("ok: 9 records in 9 commits verified", 0), 0u) << checked.out;

  // A second diagnosis finds nothing to propose: the fix is in.
  const CommandResult again = aiops("developer", {"diagnose", "-n", "shop"});
  EXPECT_EQ(again.out.find("pending:"), std::string::npos) << again.out;
}

TEST_F(GovernanceE2eTest, TheSameChangeIsProposedOnce) {
  const std::string id = diagnoseAndPropose();
  const CommandResult again = aiops("developer", {"diagnose", "-n", "shop"});
  EXPECT_NE(again.out.find("; pending: " + id + " (already proposed)"), std::string::npos) << again.out;
  const CommandResult all = aiops("viewer", {"pending", "--all", "-o", "json"});
  EXPECT_EQ(parseJsonOrFail(all.out).at("operations").as_array().size(), 1u);
}

TEST_F(GovernanceE2eTest, AnApprovalAfterTheWindowIsRefused) {
  usePolicy("  medium:\n    window: 1s\n");
  const std::string id = diagnoseAndPropose();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const CommandResult late = aiops("architect", {"approve", id, "--reason", "late"});
  EXPECT_EQ(late.exit, 1) << late.out;
  EXPECT_NE(late.err.find("expired"), std::string::npos) << late.err;
  EXPECT_EQ(operation(id).at("status"), "expired");
}

TEST_F(GovernanceE2eTest, ATargetChangedSinceTheRecommendationIsNotApplied) {
  const std::string id = diagnoseAndPropose();
  ASSERT_EQ(aiops("architect", {"approve", id, "--reason", "ok"}).exit, 0);
  const CommandResult scaled =
      server_->kubectl({"scale", "deployment", "backend", "-n", "shop", "--replicas", "3"});
  ASSERT_EQ(scaled.exit, 0) << scaled.err;
  const CommandResult apply = aiops("developer", {"apply", id});
  EXPECT_EQ(apply.exit, 1) << apply.out;
  EXPECT_NE(apply.err.find("changed since the recommendation"), std::string::npos) << apply.err;
  EXPECT_EQ(operation(id).at("status"), "approved");  // nothing written: it may be re-diagnosed
}

TEST_F(GovernanceE2eTest, TwoApproversOneASecurityReviewerAndNeverTheSamePersonTwice) {
  // The critical tier's rules, applied to this medium change by a stricter policy.
  usePolicy("  medium:\n    approvers: 2\n    securityReviewer: true\n    rollbackPlan: true\n");
  const std::string id = diagnoseAndPropose();
  const CommandResult first = aiops("architect", {"approve", id, "--reason", "limit +50%"});
  ASSERT_EQ(first.exit, 0) << first.err;
  EXPECT_NE(first.out.find("still needs 1 more approver"), std::string::npos) << first.out;
  EXPECT_EQ(operation(id).at("status"), "proposed");

  const CommandResult early = aiops("developer", {"apply", id});
  EXPECT_EQ(early.exit, 1) << early.out;
  EXPECT_NE(early.err.find("not approved"), std::string::npos) << early.err;

  const CommandResult twice = aiops("architect", {"approve", id, "--reason", "again"});
  EXPECT_EQ(twice.exit, 1) << twice.out;
  EXPECT_NE(twice.err.find("architect"), std::string::npos) << twice.err;

  const CommandResult security = aiops("security", {"approve", id, "--reason", "no secret touched"});
  ASSERT_EQ(security.exit, 0) << security.err;
  EXPECT_NE(security.out.find("op-0001 approved by security"), std::string::npos) << security.out;
  const json::value approvedOp = operation(id);
  EXPECT_EQ(approvedOp.at("status"), "approved");
  EXPECT_EQ(approvedOp.at("operation").at("approvals").as_array().size(), 2u);
  EXPECT_EQ(aiops("developer", {"apply", id}).exit, 0);

  // And back: the recorded rollback restores the old limit.
  const CommandResult rollback = aiops("developer", {"rollback", id});
  EXPECT_EQ(rollback.exit, 0) << rollback.out << rollback.err;
  EXPECT_NE(rollback.out.find("op-0001 rolled back"), std::string::npos) << rollback.out;
  EXPECT_EQ(operation(id).at("status"), "rolled-back");
  const CommandResult limit =
      server_->kubectl({"get", "deployment", "backend", "-n", "shop", "-o",
                        "jsonpath={.spec.template.spec.containers[0].resources.limits.memory}"});
  EXPECT_EQ(limit.out, "256Mi") << limit.err;
}

}  // namespace
}  // namespace aiops::test

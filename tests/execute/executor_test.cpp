// The executor end to end: kubesim (frozen clock, controllers on) through the real kubectl, a PHR journal in
// a scratch directory, and the people of tests/execute/scenarios/executor.yaml bound to the ClusterRoles of
// deploy/rbac/aiops-clusterroles.yaml. Each test gets its own kubesim and journal, so they pass alone and
// together; every assertion reads the cluster or the journal back.
#include "execute/executor.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "execute/identity.h"
#include "execute/lease.h"
#include "kube/kubectl_transport.h"
#include "kubesim_harness.h"
#include "support/subprocess.h"

namespace aiops::execute {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
namespace fs = std::filesystem;
using governance::RecordKind;
using governance::Status;
using test::KubesimHarness;

const std::string kBindings = R"(
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: developer-operator}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: aiops-operator}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: developer}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: architect-approver}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: aiops-approver}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: architect}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: security-reviewer}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: aiops-security-reviewer}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: security}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: viewers}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: aiops-viewer}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: viewer}
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: architect}
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: security}
)";

const char* kMemoryPatch =
    R"({"spec":{"template":{"spec":{"containers":[{"name":"backend","resources":{"limits":{"memory":"512Mi"}}}]}}}})";
const char* kMemoryRollback =
    R"({"spec":{"template":{"spec":{"containers":[{"name":"backend","resources":{"limits":{"memory":"256Mi"}}}]}}}})";
const char* kCrashingImage =
    R"({"spec":{"template":{"spec":{"containers":[{"name":"backend","image":"registry.example/worker:1.0"}]}}}})";

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A kubectl-backed client for one kubeconfig context ("admin", "developer", ...).
struct UserClient {
  UserClient(const KubesimHarness& harness, const std::string& user)
      : transport([&] {
          kube::KubectlOptions options;
          options.flags.kubeconfig = harness.kubeconfig();
          options.flags.context = "kubesim-" + user;
          return options;
        }()),
        client(transport) {}
  kube::KubectlTransport transport;
  kube::Client client;
};

class ExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    harness_ = std::make_unique<KubesimHarness>(KubesimHarness::Options{EXECUTE_SCENARIO, "", {}, 20s});
    // kubectl keeps its discovery cache under HOME: one per server, never shared between runs.
    ::setenv("HOME", harness_->environment().at("HOME").c_str(), 1);
    ok({"apply", "-f", "-"}, readFile(AIOPS_CLUSTERROLES) + kBindings);
    advance("30s");  // the Deployment's pods are scheduled, started and ready
    for (const char* user : {"admin", "developer", "architect", "security", "viewer"})
      users_.emplace(user, std::make_unique<UserClient>(*harness_, user));
    journalDir_ = test::makeTempDir("aiops-execute");
    governance::JournalOptions options;
    options.path = fs::path(journalDir_) / "phr";
    journal_ = std::make_unique<governance::Journal>(options);
  }
  void TearDown() override {
    journal_.reset();
    std::error_code ignored;
    if (HasFailure() && std::getenv("EXECUTE_KEEP_JOURNAL") != nullptr) {
      std::cerr << "journal kept at " << journalDir_ << "\n";
      return;
    }
    fs::remove_all(journalDir_, ignored);
  }

  kube::Client& client(const std::string& user) { return users_.at(user)->client; }
  governance::Identity who(const std::string& user) { return whoAmI(client(user)); }

  std::string ok(const std::vector<std::string>& args, const std::string& stdinData = "") {
    const test::CommandResult r = harness_->kubectl(args, stdinData);
    EXPECT_EQ(r.exit, 0) << ::testing::PrintToString(args) << ": " << r.err;
    return r.out;
  }
  void advance(const std::string& duration) {
    ok({"create", "--raw", "/kubesim/v1/clock", "-f", "-"}, R"({"advance":")" + duration + R"("})");
  }
  std::string jsonpath(const std::string& object, const std::string& path, const std::string& ns = "shop") {
    return ok({"get", object, "-n", ns, "-o", "jsonpath=" + path});
  }
  std::string memoryLimit() {
    return jsonpath("deployment/backend", "{.spec.template.spec.containers[0].resources.limits.memory}");
  }

  governance::Target targetOf(const std::string& kind, const std::string& apiVersion,
                              const std::string& name) {
    governance::Target target{apiVersion, kind, "shop", name, "", 0};
    const json::value live = client("admin").get(resourceRefOf(target));
    target.uid = std::string(live.at("metadata").at("uid").as_string());
    if (const auto* generation = live.at("metadata").as_object().if_contains("generation"))
      target.generation = generation->as_int64();
    return target;
  }

  // A recommendation on shop/backend requested by the developer; returns its operation id.
  std::string propose(const char* change, model::Risk risk = model::Risk::Medium,
                      std::optional<governance::Change> rollback = std::nullopt) {
    governance::Proposal p;
    p.target = targetOf("Deployment", "apps/v1", "backend");
    p.risk = risk;
    p.action = "resource-increase";
    p.summary = "change the backend container of Deployment shop/backend";
    p.rationale = "the executor tests";
    p.change = governance::Change{governance::ChangeType::Strategic, json::parse(change)};
    p.before = client("admin").get(resourceRefOf(p.target));
    p.rollback = std::move(rollback);
    return journal_->propose(p, who("developer")).operationId;
  }
  std::string changeSha(const std::string& op) { return journal_->show(op).record.aiops.changeSha256; }
  governance::Appended approveAs(Executor& executor, const std::string& op, const std::string& user) {
    return executor.approve(op, who(user), rightsOf(client(user)), changeSha(op), "looks right");
  }
  std::vector<governance::OperationData> records(const std::string& op) {
    governance::Filter filter;
    filter.operationId = op;
    std::vector<governance::OperationData> out;
    for (const governance::StoredRecord& r : journal_->list(filter))
      out.push_back(r.record.aiops);
    return out;
  }
  std::vector<RecordKind> kinds(const std::string& op) {
    std::vector<RecordKind> out;
    for (const auto& r : records(op))
      out.push_back(r.record);
    return out;
  }
  std::optional<Status> status(const std::string& op) { return journal_->show(op).record.aiops.status; }

  // Runs Executor::apply in execute_apply_helper as the developer; the helper SIGKILLs itself at `stage`.
  int applyKilledAt(const std::string& op, const std::string& stage) {
    const test::CommandResult r = harness_->run({EXECUTE_APPLY_HELPER, harness_->kubeconfig(),
                                                 "kubesim-developer", journal_->path().string(), op, stage});
    return r.exit;
  }

  std::unique_ptr<KubesimHarness> harness_;
  std::map<std::string, std::unique_ptr<UserClient>> users_;
  std::string journalDir_;
  std::unique_ptr<governance::Journal> journal_;
};

std::string refusal(const std::function<void()>& action) {
  try {
    action();
  } catch (const Refused& e) {
    return e.what();
  }
  return "(not refused)";
}

// ---- identity and rights --------------------------------------------------------------------------------

TEST_F(ExecutorTest, WhoAmIAsksTheApiServer) {
  EXPECT_EQ(who("developer"), (governance::Identity{"developer", {"shop-devs", "system:authenticated"}}));
  EXPECT_EQ(who("architect"), (governance::Identity{"architect", {"architects", "system:authenticated"}}));
  EXPECT_EQ(who("security"), (governance::Identity{"security", {"security-team", "system:authenticated"}}));
  EXPECT_EQ(who("viewer"), (governance::Identity{"viewer", {"system:authenticated"}}));
  EXPECT_EQ(who("admin"),
            (governance::Identity{"kubesim-admin", {"system:masters", "system:authenticated"}}));
}

TEST_F(ExecutorTest, RightsComeFromRbac) {
  const auto rights = [&](const std::string& user) {
    const governance::ApproverRights r = rightsOf(client(user));
    return std::make_pair(r.approve, r.review);
  };
  EXPECT_EQ(rights("developer"), std::make_pair(false, false));
  EXPECT_EQ(rights("architect"), std::make_pair(true, false));
  EXPECT_EQ(rights("security"), std::make_pair(false, true));
  EXPECT_EQ(rights("viewer"), std::make_pair(false, false));
  EXPECT_EQ(rights("admin"), std::make_pair(true, true));
  EXPECT_TRUE(canI(client("architect"), "approve", "shop"));
  EXPECT_FALSE(canI(client("architect"), "review", "shop"));
}

// ---- approve and reject ---------------------------------------------------------------------------------

TEST_F(ExecutorTest, ApprovalWithoutRbacIsRefusedAndNothingRecorded) {
  Executor executor(client("developer"), *journal_);
  const std::string op = propose(kMemoryPatch);
  EXPECT_EQ(
      refusal([&] { approveAs(executor, op, "viewer"); }),
      "user viewer may not approve recommendations: RBAC denies verb approve on recommendations.aiops.dev");
  EXPECT_EQ(kinds(op), std::vector<RecordKind>{RecordKind::Recommendation});
  // The policy's own refusal: the developer requested it, and a medium change needs someone else.
  const governance::Appended rejected =
      executor.reject(op, who("architect"), rightsOf(client("architect")), "not now");
  EXPECT_EQ(rejected.status, Status::Rejected);
  EXPECT_EQ(records(op).back().outcome, "rejected by architect: not now");
  EXPECT_EQ(records(op).back().approvals.back().identity.user, "architect");
}

TEST_F(ExecutorTest, SecurityReviewerApprovesInThatRole) {
  Executor executor(client("admin"), *journal_);
  const std::string op =
      propose(kMemoryPatch, model::Risk::Critical,
              governance::Change{governance::ChangeType::Strategic, json::parse(kMemoryRollback)});
  const governance::Appended first = approveAs(executor, op, "architect");
  EXPECT_EQ(first.status, Status::Proposed);
  const governance::Appended second = approveAs(executor, op, "security");
  EXPECT_EQ(second.status, Status::Approved);
  const auto approvals = records(op).back().approvals;
  ASSERT_EQ(approvals.size(), 2u);
  EXPECT_EQ(approvals[0].role, "approver");
  EXPECT_EQ(approvals[1].role, "security-reviewer");
}

// ---- apply ----------------------------------------------------------------------------------------------

TEST_F(ExecutorTest, AppliesAnApprovedMemoryLimitAndRollsItBack) {
  Executor executor(client("developer"), *journal_);
  const std::string op =
      propose(kMemoryPatch, model::Risk::Medium,
              governance::Change{governance::ChangeType::Strategic, json::parse(kMemoryRollback)});
  EXPECT_EQ(approveAs(executor, op, "architect").status, Status::Approved);
  EXPECT_EQ(memoryLimit(), "256Mi");

  std::vector<std::string> stages;
  ExecutorOptions options;
  options.onStage = [&](std::string_view stage) { stages.emplace_back(stage); };
  Executor applying(client("developer"), *journal_, options);
  const ApplyResult result = applying.apply(op, who("developer"));
  EXPECT_EQ(stages, (std::vector<std::string>{"lease", "applying-recorded", "written", "applied-recorded"}));
  ASSERT_EQ(result.records.size(), 2u);
  EXPECT_EQ(result.records[0].status, Status::Applying);
  EXPECT_EQ(result.records[1].status, Status::Applied);
  EXPECT_EQ(memoryLimit(), "512Mi");
  EXPECT_EQ(jsonpath("deployment/backend", "{.metadata.generation}"), "2");

  const auto recs = records(op);
  ASSERT_EQ(recs.size(), 4u);
  EXPECT_EQ(kinds(op), (std::vector<RecordKind>{RecordKind::Recommendation, RecordKind::Approval,
                                                RecordKind::Applying, RecordKind::Applied}));
  const json::value& baseline = recs[2].metrics;
  EXPECT_EQ(baseline.at("generation").as_int64(), 1);
  EXPECT_EQ(baseline.at("desiredReplicas").as_int64(), 2);
  EXPECT_EQ(baseline.at("readyReplicas").as_int64(), 2);
  EXPECT_EQ(baseline.at("restarts").as_int64(), 0);
  EXPECT_EQ(baseline.at("serverTime").as_string(), "2026-11-20T09:00:30Z");
  EXPECT_EQ(baseline.at("pods").as_object().size(), 2u);
  EXPECT_EQ(recs[3].outcome, "applied the strategic change to Deployment shop/backend: generation 1 -> 2");
  EXPECT_EQ(recs[3].actor.user, "developer");
  // The Lease is given back.
  EXPECT_EQ(leaseHolder(client("admin"), recs[3].target), std::nullopt);
  EXPECT_EQ(jsonpath("lease/aiops-deployment-backend", "{.spec.holderIdentity}"), "");

  // Applied twice? Refused: it is no longer approved.
  EXPECT_EQ(refusal([&] { executor.apply(op, who("developer")); }),
            op + " is applied, not approved: only an approved operation can be applied");

  const governance::Appended rolledBack = executor.rollback(op, who("developer"));
  EXPECT_EQ(rolledBack.status, Status::RolledBack);
  EXPECT_EQ(memoryLimit(), "256Mi");
  EXPECT_EQ(records(op).back().outcome.substr(0, 100),
            std::string("rolled back Deployment shop/backend with the recorded strategic rollback change: "
                        "generation 2 -> 3; ready")
                .substr(0, 100));
}

TEST_F(ExecutorTest, RefusesWhenNotApproved) {
  Executor executor(client("developer"), *journal_);
  const std::string op = propose(kMemoryPatch);
  EXPECT_EQ(refusal([&] { executor.apply(op, who("developer")); }),
            op + " is proposed, not approved: only an approved operation can be applied");
  EXPECT_EQ(kinds(op), std::vector<RecordKind>{RecordKind::Recommendation});
  EXPECT_EQ(memoryLimit(), "256Mi");
}

TEST_F(ExecutorTest, RefusesWhenTheTargetChangedSinceTheRecommendation) {
  Executor executor(client("developer"), *journal_);
  const std::string op = propose(kMemoryPatch);
  approveAs(executor, op, "architect");
  ok({"patch", "deployment/backend", "-n", "shop", "--type", "merge", "-p", R"({"spec":{"replicas":3}})"});
  EXPECT_EQ(refusal([&] { executor.apply(op, who("developer")); }),
            "Deployment shop/backend changed since the recommendation: generation 1, now 2; re-run diagnose");
  EXPECT_EQ(kinds(op), (std::vector<RecordKind>{RecordKind::Recommendation, RecordKind::Approval}));
  EXPECT_EQ(memoryLimit(), "256Mi");
  EXPECT_EQ(jsonpath("lease/aiops-deployment-backend", "{.spec.holderIdentity}"), "");  // released
}

TEST_F(ExecutorTest, RefusesWhileAnotherApplyHoldsTheLease) {
  Executor executor(client("developer"), *journal_);
  const std::string op = propose(kMemoryPatch);
  approveAs(executor, op, "architect");
  const governance::Target target = journal_->show(op).record.aiops.target;
  EXPECT_EQ(leaseName(target), "aiops-deployment-backend");
  LeaseHeld held;
  const auto other = acquireLease(client("admin"), target, "alice/other-host/4242", 60s, &held);
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->serverTime, *parseTimestamp("2026-11-20T09:00:30Z"));
  // A second taker loses while the claim is live.
  EXPECT_FALSE(acquireLease(client("admin"), target, "bob/host/1", 60s, &held).has_value());
  EXPECT_EQ(held.holder, "alice/other-host/4242");

  EXPECT_EQ(
      refusal([&] { executor.apply(op, who("developer")); }),
      "another apply holds the lease shop/aiops-deployment-backend on Deployment shop/backend "
      "(alice/other-host/4242) since 2026-11-20T09:00:30Z, until 2026-11-20T09:01:30Z; try again later");
  EXPECT_EQ(kinds(op), (std::vector<RecordKind>{RecordKind::Recommendation, RecordKind::Approval}));
  EXPECT_EQ(memoryLimit(), "256Mi");

  // Once the claim runs out by the server's clock, the apply takes the Lease over.
  advance("61s");
  EXPECT_EQ(leaseHolder(client("admin"), target), std::nullopt);
  executor.apply(op, who("developer"));
  EXPECT_EQ(status(op), Status::Applied);
  EXPECT_EQ(memoryLimit(), "512Mi");
  EXPECT_EQ(jsonpath("lease/aiops-deployment-backend", "{.spec.leaseTransitions}"), "1");
}

TEST_F(ExecutorTest, AClusterErrorDuringTheWriteRecordsFailed) {
  Executor executor(client("developer"), *journal_);
  const std::string op = propose(kMemoryPatch);
  approveAs(executor, op, "architect");
  ok({"create", "--raw", "/kubesim/v1/faults", "-f", "-"},
     R"({"path":"/apis/apps/v1/namespaces/shop/deployments/backend","verbs":["patch"],)"
     R"("error":{"code":500,"message":"etcd is gone"},"count":1})");
  EXPECT_THROW(executor.apply(op, who("developer")), kube::KubeError);
  EXPECT_EQ(kinds(op), (std::vector<RecordKind>{RecordKind::Recommendation, RecordKind::Approval,
                                                RecordKind::Applying, RecordKind::Failed}));
  const std::string outcome = records(op).back().outcome;
  EXPECT_TRUE(outcome.starts_with("the write to Deployment shop/backend failed, nothing was applied: "))
      << outcome;
  EXPECT_NE(outcome.find("etcd is gone"), std::string::npos) << outcome;
  EXPECT_EQ(memoryLimit(), "256Mi");
  EXPECT_EQ(jsonpath("lease/aiops-deployment-backend", "{.spec.holderIdentity}"), "");
}

TEST_F(ExecutorTest, LeaseRenewAndReleaseFollowTheServerClock) {
  const governance::Target target = targetOf("Deployment", "apps/v1", "backend");
  auto claim = acquireLease(client("developer"), target, "developer/host/1", 60s, nullptr);
  ASSERT_TRUE(claim.has_value());
  EXPECT_EQ(claim->namespace_, "shop");
  EXPECT_EQ(claim->serverTime, *parseTimestamp("2026-11-20T09:00:30Z"));
  advance("45s");
  ASSERT_TRUE(renewLease(client("developer"), *claim));
  EXPECT_EQ(claim->serverTime, *parseTimestamp("2026-11-20T09:01:15Z"));
  EXPECT_EQ(jsonpath("lease/aiops-deployment-backend", "{.spec.renewTime}"), "2026-11-20T09:01:15.000000Z");
  advance("45s");  // 90 s after the acquire, 45 s after the renewal: still held
  const std::optional<LeaseHeld> held = leaseHolder(client("admin"), target);
  ASSERT_TRUE(held.has_value());
  EXPECT_EQ(held->holder, "developer/host/1");
  EXPECT_EQ(held->acquired, *parseTimestamp("2026-11-20T09:00:30Z"));
  releaseLease(client("developer"), *claim);
  EXPECT_EQ(leaseHolder(client("admin"), target), std::nullopt);
  EXPECT_FALSE(renewLease(client("developer"), *claim));  // given back: nothing to renew
}

// ---- kill -9 and reconcile ------------------------------------------------------------------------------

TEST_F(ExecutorTest, KilledAfterRecordingApplyingReconcilesToFailed) {
  Executor executor(client("developer"), *journal_);
  const std::string op = propose(kMemoryPatch);
  approveAs(executor, op, "architect");
  EXPECT_EQ(applyKilledAt(op, "applying-recorded"), -1);  // killed by SIGKILL
  EXPECT_EQ(status(op), Status::Applying);
  EXPECT_EQ(memoryLimit(), "256Mi");

  // The dead run's Lease is still live: reconcile leaves the operation to it.
  EXPECT_TRUE(executor.reconcile(who("developer")).empty());
  EXPECT_EQ(status(op), Status::Applying);

  advance("61s");
  const auto reconciled = executor.reconcile(who("developer"));
  ASSERT_EQ(reconciled.size(), 1u);
  EXPECT_EQ(reconciled[0].status, Status::Failed);
  EXPECT_EQ(records(op).back().outcome,
            "reconciled: the change never reached the cluster; nothing was applied");
  EXPECT_EQ(memoryLimit(), "256Mi");
  EXPECT_TRUE(executor.reconcile(who("developer")).empty());  // nothing left in applying
  EXPECT_EQ(refusal([&] { executor.apply(op, who("developer")); }),
            op + " is failed, not approved: only an approved operation can be applied");
  EXPECT_EQ(memoryLimit(), "256Mi");
}

TEST_F(ExecutorTest, KilledAfterTheWriteReconcilesToApplied) {
  Executor executor(client("developer"), *journal_);
  const std::string op = propose(kMemoryPatch);
  approveAs(executor, op, "architect");
  EXPECT_EQ(applyKilledAt(op, "written"), -1);
  EXPECT_EQ(status(op), Status::Applying);
  EXPECT_EQ(memoryLimit(), "512Mi");

  advance("61s");
  const auto reconciled = executor.reconcile(who("developer"));
  ASSERT_EQ(reconciled.size(), 1u);
  EXPECT_EQ(reconciled[0].status, Status::Applied);
  EXPECT_EQ(records(op).back().outcome,
            "reconciled after an interrupted apply: the change is in the cluster (generation 2)");
  // Never applied twice: the operation is applied, and a second apply is refused.
  EXPECT_EQ(refusal([&] { executor.apply(op, who("developer")); }),
            op + " is applied, not approved: only an approved operation can be applied");
  EXPECT_EQ(jsonpath("deployment/backend", "{.metadata.generation}"), "2");
  EXPECT_EQ(kinds(op), (std::vector<RecordKind>{RecordKind::Recommendation, RecordKind::Approval,
                                                RecordKind::Applying, RecordKind::Applied}));
}

// ---- checkpoints ----------------------------------------------------------------------------------------

TEST_F(ExecutorTest, CheckpointsAtFiveFifteenAndSixtyMinutesThenVerified) {
  // The admin may read the Service's /metrics through the proxy, so the error rate is part of the check.
  Executor executor(client("admin"), *journal_);
  const std::string op = propose(kMemoryPatch);
  approveAs(executor, op, "architect");
  executor.apply(op, who("developer"));
  const json::value baseline = records(op).back().metrics;
  ASSERT_TRUE(baseline.as_object().contains("errorRate"));

  VerifyResult early = executor.verify(op, who("developer"));
  EXPECT_TRUE(early.records.empty());
  EXPECT_EQ(early.nextDue, std::optional<std::chrono::seconds>(300s));

  advance("5m");
  VerifyResult five = executor.verify(op, who("developer"));
  ASSERT_EQ(five.records.size(), 1u);
  ASSERT_EQ(five.evaluated.size(), 1u);
  EXPECT_EQ(five.evaluated[0].name, "5m");
  EXPECT_TRUE(five.evaluated[0].passed) << five.evaluated[0].summary;
  EXPECT_TRUE(five.evaluated[0].summary.starts_with(
      "ready 2/2, new restarts 0, CrashLoopBackOff 0, new OOMKilled 0, error rate "))
      << five.evaluated[0].summary;
  EXPECT_EQ(five.evaluated[0].metrics.at("serverTime").as_string(), "2026-11-20T09:05:30Z");
  EXPECT_EQ(five.evaluated[0].metrics.at("generation").as_int64(), 2);
  EXPECT_EQ(five.nextDue, std::optional<std::chrono::seconds>(600s));
  EXPECT_EQ(status(op), Status::Applied);

  advance("10m");
  VerifyResult fifteen = executor.verify(op, who("developer"));
  ASSERT_EQ(fifteen.evaluated.size(), 1u);
  EXPECT_EQ(fifteen.evaluated[0].name, "15m");
  EXPECT_TRUE(fifteen.evaluated[0].passed) << fifteen.evaluated[0].summary;
  EXPECT_EQ(fifteen.nextDue, std::optional<std::chrono::seconds>(2700s));

  advance("45m");
  VerifyResult hour = executor.verify(op, who("developer"));
  ASSERT_EQ(hour.evaluated.size(), 1u);
  EXPECT_EQ(hour.evaluated[0].name, "1h");
  EXPECT_TRUE(hour.evaluated[0].passed) << hour.evaluated[0].summary;
  EXPECT_EQ(hour.records.size(), 2u);  // the checkpoint, then verified
  EXPECT_EQ(hour.nextDue, std::nullopt);
  EXPECT_EQ(status(op), Status::Verified);
  EXPECT_EQ(records(op).back().outcome, "verified: all 3 checkpoints passed (5m, 15m, 1h)");
  const auto recs = records(op);
  ASSERT_EQ(recs.back().checkpoints.size(), 3u);
  EXPECT_EQ(kinds(op),
            (std::vector<RecordKind>{RecordKind::Recommendation, RecordKind::Approval, RecordKind::Applying,
                                     RecordKind::Applied, RecordKind::Checkpoint, RecordKind::Checkpoint,
                                     RecordKind::Checkpoint, RecordKind::Verified}));
  EXPECT_TRUE(executor.verify(op, who("developer")).records.empty());  // nothing left to check
}

TEST_F(ExecutorTest, FollowRereadsTheServerClockUntilEveryCheckpointIsRecorded) {
  ExecutorOptions options;
  options.pollInterval = 100ms;
  Executor executor(client("admin"), *journal_, options);
  const std::string op = propose(kMemoryPatch);
  approveAs(executor, op, "architect");
  executor.apply(op, who("developer"));
  // The cluster's clock now runs 1200 times faster than ours (an hour in three seconds): follow must wake up
  // by its poll interval and ask the server for the time, not sleep for the 5, 10 and 45 minutes it is told.
  ok({"create", "--raw", "/kubesim/v1/clock", "-f", "-"}, R"({"freeze":false,"scale":1200})");
  const auto started = std::chrono::steady_clock::now();
  const VerifyResult result = executor.follow(op, who("developer"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
  ASSERT_EQ(result.evaluated.size(), 3u);
  EXPECT_EQ(result.evaluated[0].name, "5m");
  EXPECT_EQ(result.evaluated[1].name, "15m");
  EXPECT_EQ(result.evaluated[2].name, "1h");
  for (const governance::Checkpoint& checkpoint : result.evaluated)
    EXPECT_TRUE(checkpoint.passed) << checkpoint.name << ": " << checkpoint.summary;
  EXPECT_EQ(result.records.size(), 4u);
  EXPECT_EQ(result.nextDue, std::nullopt);
  EXPECT_EQ(status(op), Status::Verified);
}

TEST_F(ExecutorTest, FailingCheckpointThenRollbackRestoresTheBeforeState) {
  Executor executor(client("developer"), *journal_);
  const std::string op = propose(kCrashingImage);  // no rollback change: rollback restores `before`
  approveAs(executor, op, "architect");
  executor.apply(op, who("developer"));
  EXPECT_EQ(jsonpath("deployment/backend", "{.spec.template.spec.containers[0].image}"),
            "registry.example/worker:1.0");

  advance("5m");
  VerifyResult five = executor.verify(op, who("developer"));
  ASSERT_EQ(five.evaluated.size(), 1u);
  EXPECT_FALSE(five.evaluated[0].passed);
  ASSERT_EQ(five.records.size(), 2u);
  EXPECT_EQ(five.records[1].status, Status::Failed);
  EXPECT_EQ(five.nextDue, std::nullopt);
  const std::string outcome = records(op).back().outcome;
  EXPECT_EQ(outcome.rfind("checkpoint 5m failed: ", 0), 0u) << outcome;
  EXPECT_NE(outcome.find("container(s) in CrashLoopBackOff"), std::string::npos) << outcome;
  // The crashing pods pass their first readiness probe, so the rollout completes before they fail.
  EXPECT_NE(outcome.find("0 of 2 replicas ready"), std::string::npos) << outcome;
  EXPECT_TRUE(outcome.ends_with(
      "2 container(s) in CrashLoopBackOff; roll back with `kubectl aiops rollback " + op + "`"))
      << outcome;
  EXPECT_EQ(five.evaluated[0].metrics.at("crashLooping").as_int64(), 2);
  EXPECT_EQ(refusal([&] { executor.verify(op, who("developer")); }),
            op + " is failed: only an applied operation has checkpoints to verify");

  const governance::Appended rolledBack = executor.rollback(op, who("developer"));
  EXPECT_EQ(rolledBack.status, Status::RolledBack);
  EXPECT_EQ(jsonpath("deployment/backend", "{.spec.template.spec.containers[0].image}"),
            "registry.example/backend:1.0");
  EXPECT_EQ(jsonpath("deployment/backend", "{.metadata.generation}"), "3");
  EXPECT_EQ(records(op).back().outcome.rfind(
                "rolled back Deployment shop/backend with the recorded before-state: generation 2 -> 3", 0),
            0u)
      << records(op).back().outcome;
  advance("2m");
  EXPECT_EQ(jsonpath("deployment/backend", "{.status.readyReplicas}/{.status.updatedReplicas}"), "2/2");
  EXPECT_EQ(refusal([&] { executor.rollback(op, who("developer")); }),
            op + " is rolled-back: only an applied, verified or failed operation can be rolled back");
}

// ---- Secrets, expiry ------------------------------------------------------------------------------------

TEST_F(ExecutorTest, NoSecretValueInAnyRecordWhenASecretIsTheTarget) {
  Executor executor(client("admin"), *journal_);
  governance::Proposal p;
  p.target = targetOf("Secret", "v1", "db-creds");
  p.risk = model::Risk::Critical;
  p.action = "label";
  p.summary = "mark the database credentials for rotation";
  p.change = governance::Change{governance::ChangeType::Merge,
                                json::parse(R"({"metadata":{"labels":{"rotation":"due"}}})")};
  p.rollback = governance::Change{governance::ChangeType::Merge,
                                  json::parse(R"({"metadata":{"labels":{"rotation":null}}})")};
  p.before = client("admin").get(resourceRefOf(p.target));
  const std::string op = journal_->propose(p, who("developer")).operationId;
  approveAs(executor, op, "architect");
  EXPECT_EQ(approveAs(executor, op, "security").status, Status::Approved);
  executor.apply(op, who("developer"));
  EXPECT_EQ(status(op), Status::Applied);
  EXPECT_EQ(jsonpath("secret/db-creds", "{.metadata.labels.rotation}/{.data.password}"),
            "due/aHVudGVyMi1zM2NyM3QtdmFsdWU=");
  advance("5m");
  executor.verify(op, who("developer"));
  executor.rollback(op, who("developer"));
  EXPECT_EQ(status(op), Status::RolledBack);
  EXPECT_EQ(jsonpath("secret/db-creds", "{.metadata.labels.rotation}/{.data.password}"),
            "/aHVudGVyMi1zM2NyM3QtdmFsdWU=");

  // Every file in the journal's working tree, and every version of every record in its history.
  std::string everything;
  for (const auto& entry : fs::recursive_directory_iterator(journal_->path())) {
    if (entry.is_regular_file() && entry.path().string().find("/.git/") == std::string::npos)
      everything += readFile(entry.path());
  }
  ProcessSpec git;
  git.argv = {"git", "-C", journal_->path().string(), "log", "-p", "--all"};
  git.timeout = 30s;
  const ProcessResult log = runProcess(git);
  ASSERT_EQ(log.exitCode, 0) << log.err;
  everything += log.out;
  EXPECT_NE(everything.find("password"), std::string::npos);  // the key is named, its value is not
  EXPECT_EQ(everything.find("hunter2-s3cr3t-value"), std::string::npos);
  EXPECT_EQ(everything.find("aHVudGVyMi1zM2NyM3QtdmFsdWU="), std::string::npos);
  EXPECT_EQ(records(op).size(), 7u);  // proposal, 2 approvals, applying, applied, 5m, rolled-back
}

TEST_F(ExecutorTest, ExpiresProposalsPastTheirWindow) {
  const std::string op = propose(kMemoryPatch);
  ExecutorOptions options;
  options.now = [] { return std::chrono::system_clock::now() + 29min; };
  EXPECT_TRUE(Executor(client("developer"), *journal_, options).expire(who("developer")).empty());
  options.now = [] { return std::chrono::system_clock::now() + 31min; };
  Executor later(client("developer"), *journal_, options);
  const auto expired = later.expire(who("developer"));
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].status, Status::Expired);
  EXPECT_EQ(records(op).back().outcome.rfind("expired: the approval window ended at ", 0), 0u);
  EXPECT_TRUE(later.expire(who("developer")).empty());
}

}  // namespace
}  // namespace aiops::execute

// The monthly compliance audit over a real journal: compliant, self-approved (a forged history),
// under-approved and late operations; one applied the month before; a low one (ignored); month parsing.
#include "governance/compliance.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <memory>

#include "governance_test_util.h"

namespace aiops::governance {
namespace {

namespace json = boost::json;
using model::Risk;
using std::chrono::minutes;
using testing::alice;
using testing::bob;
using testing::TempDir;

// A journal whose clock the test sets.
struct Fixture {
  TempDir dir;
  std::shared_ptr<WallTime> clock = std::make_shared<WallTime>();
  std::unique_ptr<Journal> journal;

  Fixture() {
    JournalOptions options;
    options.path = dir / "phr";
    options.now = [c = clock] { return *c; };
    journal = std::make_unique<Journal>(options);
  }
  void at(const std::string& time) { *clock = *parseTimestamp(time); }
  void after(minutes delta) { *clock += delta; }

  std::string propose(Proposal proposal, const Identity& who) {
    return journal->propose(proposal, who).operationId;
  }
  void approve(const std::string& id, const Identity& who, const std::string& role = "approver",
               std::optional<Status> status = std::nullopt) {
    Step step;
    step.kind = RecordKind::Approval;
    step.status = status;
    step.role = role;
    step.justification = "looked at the evidence";
    step.changeSha256 = journal->show(id).record.aiops.changeSha256;
    journal->record(id, step, who);
  }
  void apply(const std::string& id) {
    Step applying;
    applying.kind = RecordKind::Applying;
    applying.metrics = json::parse(R"({"ready":2})");
    journal->record(id, applying, bob());
    Step applied;
    applied.kind = RecordKind::Applied;
    journal->record(id, applied, bob());
  }
};

Identity sam() {
  return Identity{"sam", {"system:authenticated", "security"}};
}

Proposal podRestart() {
  Proposal p = testing::memoryProposal();
  p.target.kind = "Pod";
  p.target.apiVersion = "v1";
  p.target.name = "backend-5d4f-abcde";
  p.risk = Risk::Low;
  p.action = "restart";
  p.summary = "restart pod backend-5d4f-abcde";
  p.change = Change{ChangeType::Manifest, json::parse(R"({"delete":true})")};
  p.rollback.reset();
  p.before.reset();
  return p;
}

Proposal secretRotation() {
  Proposal p = testing::memoryProposal();
  p.target.kind = "Secret";
  p.target.apiVersion = "v1";
  p.target.name = "db-credentials";
  p.risk = Risk::Critical;
  p.action = "config-change";
  p.summary = "rotate the database password";
  p.change = Change{ChangeType::Merge, json::parse(R"({"metadata":{"annotations":{"rotated":"2026-11"}}})")};
  p.before.reset();
  return p;
}

TEST(ComplianceAudit, JudgesEveryMediumOrHigherOperationExecutedInTheMonth) {
  Fixture f;
  // op-0001: applied in October: not November's.
  f.at("2026-10-31T23:40:00Z");
  const std::string october = f.propose(testing::memoryProposal(), alice());
  f.after(minutes(5));
  f.approve(october, bob());
  f.after(minutes(5));
  f.apply(october);

  // op-0002: compliant medium.
  f.at("2026-11-03T10:00:00Z");
  const std::string compliant = f.propose(testing::memoryProposal(), alice());
  f.after(minutes(10));
  f.approve(compliant, bob());
  f.after(minutes(5));
  f.apply(compliant);

  // op-0003: the requester approved her own medium change. The journal records what it is given (the policy
  // lives in the executor), so this is what a forged or buggy history looks like.
  f.after(minutes(1));
  const std::string self = f.propose(testing::memoryProposal(), alice());
  f.after(minutes(1));
  f.approve(self, alice());
  f.after(minutes(1));
  f.apply(self);

  // op-0004: a low pod restart approved by its requester: not audited.
  const std::string low = f.propose(podRestart(), alice());
  f.approve(low, alice());
  f.apply(low);

  // op-0005: a critical Secret rotation with one approver and no security reviewer.
  const std::string critical = f.propose(secretRotation(), alice());
  f.after(minutes(3));
  f.approve(critical, bob());
  f.apply(critical);

  // op-0006: compliant critical, reviewer first.
  const std::string reviewed = f.propose(secretRotation(), alice());
  f.after(minutes(3));
  f.approve(reviewed, sam(), "security-reviewer", Status::Proposed);
  f.after(minutes(3));
  f.approve(reviewed, bob());
  f.apply(reviewed);

  // op-0007: approved in time, applied 31 minutes later.
  const std::string late = f.propose(testing::memoryProposal(), alice());
  f.after(minutes(2));
  f.approve(late, bob());
  f.after(minutes(31));
  f.apply(late);

  // op-0008: approved and never applied: not executed.
  const std::string pending = f.propose(testing::memoryProposal(), alice());
  f.approve(pending, bob());

  const ComplianceReport report = auditMonth(*f.journal, defaultPolicy(), "2026-11");
  EXPECT_EQ(report.month, "2026-11");
  ASSERT_EQ(report.rows.size(), 5u);
  const auto& r0 = report.rows[0];
  EXPECT_EQ(r0.operationId, compliant);
  EXPECT_EQ(r0.risk, Risk::Medium);
  EXPECT_EQ(r0.target, testing::backendTarget());
  EXPECT_EQ(r0.summary, "raise the memory limit of container app to 384Mi");
  EXPECT_EQ(r0.status, Status::Applied);
  EXPECT_EQ(r0.executed, *parseTimestamp("2026-11-03T10:15:00Z"));
  EXPECT_EQ(r0.requestedBy, "alice");
  ASSERT_EQ(r0.approvals.size(), 1u);
  EXPECT_EQ(r0.approvals[0].identity.user, "bob");
  EXPECT_EQ(r0.approvals[0].role, "approver");
  EXPECT_EQ(r0.violations, std::vector<std::string>{});

  EXPECT_EQ(report.rows[1].operationId, self);
  EXPECT_EQ(report.rows[1].violations, std::vector<std::string>{"approved by the requester"});

  EXPECT_EQ(report.rows[2].operationId, critical);
  EXPECT_EQ(report.rows[2].risk, Risk::Critical);
  EXPECT_EQ(report.rows[2].violations,
            (std::vector<std::string>{"1 of 2 required approvers", "no security reviewer"}));

  EXPECT_EQ(report.rows[3].operationId, reviewed);
  EXPECT_EQ(report.rows[3].violations, std::vector<std::string>{});
  ASSERT_EQ(report.rows[3].approvals.size(), 2u);
  EXPECT_EQ(report.rows[3].approvals[0].role, "security-reviewer");

  EXPECT_EQ(report.rows[4].operationId, late);
  EXPECT_EQ(report.rows[4].violations, std::vector<std::string>{"applied after the approval window"});
  EXPECT_EQ(report.violations(), 4u);

  const ComplianceReport previous = auditMonth(*f.journal, defaultPolicy(), "2026-10");
  ASSERT_EQ(previous.rows.size(), 1u);
  EXPECT_EQ(previous.rows[0].operationId, october);
  EXPECT_EQ(previous.rows[0].executed, *parseTimestamp("2026-10-31T23:50:00Z"));
  EXPECT_EQ(previous.violations(), 0u);

  EXPECT_EQ(auditMonth(*f.journal, defaultPolicy(), "2026-12").rows.size(), 0u);
  EXPECT_EQ(low, "op-0004");
  EXPECT_EQ(pending, "op-0008");
}

TEST(ComplianceAudit, JudgesAgainstThePolicyGivenAndTheTableNotTheLabel) {
  Fixture f;
  f.at("2026-11-10T09:00:00Z");
  // Recorded as low, but a Secret is critical whatever the label says.
  Proposal mislabelled = secretRotation();
  mislabelled.risk = Risk::Low;
  const std::string id = f.propose(mislabelled, alice());
  f.approve(id, alice());
  f.apply(id);
  // A medium change approved 20 minutes after its proposal: fine by the defaults, late under a 15-minute
  // policy.
  const std::string medium = f.propose(testing::memoryProposal(), alice());
  f.after(minutes(20));
  f.approve(medium, bob());
  f.apply(medium);

  ComplianceReport report = auditMonth(*f.journal, defaultPolicy(), "2026-11");
  ASSERT_EQ(report.rows.size(), 2u);
  EXPECT_EQ(report.rows[0].risk, Risk::Critical);
  EXPECT_EQ(report.rows[0].violations, std::vector<std::string>{"approved by the requester"});
  EXPECT_EQ(report.rows[1].violations, std::vector<std::string>{});

  RiskPolicy strict = defaultPolicy();
  strict.medium.window = minutes(15);
  report = auditMonth(*f.journal, strict, "2026-11");
  ASSERT_EQ(report.rows.size(), 2u);
  EXPECT_EQ(report.rows[1].violations, std::vector<std::string>{"approval given after the window"});
}

TEST(ComplianceAudit, TheMonthIsYyyyMm) {
  Fixture f;
  for (const char* bad : {"2026-13", "2026-00", "2026-1", "26-11", "2026/11", "", "2026-11-01"}) {
    try {
      auditMonth(*f.journal, defaultPolicy(), bad);
      ADD_FAILURE() << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()),
                fmt::format("'{}' is not a month; expected YYYY-MM, e.g. 2026-11", bad));
    }
  }
  EXPECT_EQ(auditMonth(*f.journal, defaultPolicy(), "2026-01").rows.size(), 0u);
}

}  // namespace
}  // namespace aiops::governance

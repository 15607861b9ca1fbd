// The risk policy: defaults and the policy file (config/risk-policy.yaml), the risk table, every refusal of
// checkApproval, applyRefusal, the approval windows on an injected clock, and hash binding.
#include "governance/policy.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/json.hpp>

#include "governance/canonical.h"
#include "governance_test_util.h"

namespace aiops::governance {
namespace {

namespace json = boost::json;
using model::Risk;
using std::chrono::minutes;
using testing::TempDir;

const WallTime kT0 = *parseTimestamp("2026-11-03T10:00:00Z");

Identity person(const std::string& user) {
  return Identity{user, {"system:authenticated"}};
}

constexpr ApproverRights kApprove{.approve = true, .review = false};
constexpr ApproverRights kReview{.approve = false, .review = true};
constexpr ApproverRights kBoth{.approve = true, .review = true};
constexpr ApproverRights kNone{};

// A proposal by alice at kT0, as the journal's latest record holds it.
OperationData operation(Risk risk) {
  OperationData a;
  a.record = RecordKind::Recommendation;
  a.operationId = "op-0001";
  a.status = Status::Proposed;
  a.time = kT0;
  a.actor = person("alice");
  a.requestedBy = person("alice");
  a.requestedAt = kT0;
  a.target = testing::backendTarget();
  a.risk = risk;
  a.action = "resource-increase";
  a.summary = "raise the memory limit";
  a.change = Change{ChangeType::Strategic, json::parse(R"({"spec":{"replicas":3}})")};
  a.changeSha256 = canonicalSha256(a.change->body);
  a.rollback = Change{ChangeType::Strategic, json::parse(R"({"spec":{"replicas":2}})")};
  return a;
}

// `data` after `who` approved at `time` in `role`, as the journal would record it.
void approve(OperationData& data, const std::string& who, WallTime time, const std::string& role = "approver",
             std::optional<Status> status = std::nullopt) {
  data.approvals.push_back(Approval{person(who), Decision::Approve, "ok", time, data.changeSha256, role});
  data.record = RecordKind::Approval;
  data.time = time;
  data.actor = person(who);
  if (status) data.status = status;
}

std::string refusalOf(const ApprovalDecision& decision) {
  return decision.refusal.value_or("no refusal");
}

// ---- defaults and the policy file -------------------------------------------------------------------------

TEST(RiskPolicy, DefaultsAreTheSpecsTable) {
  const RiskPolicy p = defaultPolicy();
  EXPECT_EQ(p.low, (TierPolicy{1, false, true, minutes(5), false, false, false}));
  EXPECT_EQ(p.medium, (TierPolicy{1, false, false, minutes(30), false, true, true}));
  EXPECT_EQ(p.high, (TierPolicy{1, false, false, minutes(60), true, true, true}));
  EXPECT_EQ(p.critical, (TierPolicy{2, true, false, minutes(120), true, true, true}));
  EXPECT_EQ(&p.tier(Risk::Low), &p.low);
  EXPECT_EQ(&p.tier(Risk::Medium), &p.medium);
  EXPECT_EQ(&p.tier(Risk::High), &p.high);
  EXPECT_EQ(&p.tier(Risk::Critical), &p.critical);
  EXPECT_EQ(p.source, "built-in defaults");
}

TEST(RiskPolicy, TheShippedFileIsTheDefaults) {
  const std::string file = std::string(AIOPS_SOURCE_DIR) + "/config/risk-policy.yaml";
  RiskPolicy loaded = loadPolicy(file);
  EXPECT_EQ(loaded.source, file);
  loaded.source = defaultPolicy().source;
  EXPECT_EQ(loaded, defaultPolicy());
}

TEST(RiskPolicy, KeysLeftOutKeepTheirDefaults) {
  const RiskPolicy p = parsePolicy(
      "apiVersion: aiops.dev/v1\nkind: RiskPolicy\ntiers:\n  low:\n    window: 10m\n    selfApproval: false\n"
      "  critical:\n    approvers: 3\n    window: 1h30m\n",
      "p.yaml");
  RiskPolicy expected = defaultPolicy();
  expected.source = "p.yaml";
  expected.low.window = minutes(10);
  expected.low.selfApproval = false;
  expected.critical.approvers = 3;
  expected.critical.window = minutes(90);
  EXPECT_EQ(p, expected);
  RiskPolicy bare = parsePolicy("apiVersion: aiops.dev/v1\nkind: RiskPolicy\n", "bare.yaml");
  bare.source = defaultPolicy().source;
  EXPECT_EQ(bare, defaultPolicy());
}

TEST(RiskPolicy, AutomaticRollbackOfAFailedRolloutIsOnUnlessThePolicySaysOtherwise) {
  EXPECT_TRUE(defaultPolicy().rollbackFailedRollouts);
  const RiskPolicy off = parsePolicy(
      "apiVersion: aiops.dev/v1\nkind: RiskPolicy\nautomaticRollback:\n  failedRollout: false\n", "p.yaml");
  EXPECT_FALSE(off.rollbackFailedRollouts);
  RiskPolicy rest = off;
  rest.rollbackFailedRollouts = true;
  rest.source = defaultPolicy().source;
  EXPECT_EQ(rest, defaultPolicy());
}

std::string policyError(const std::string& yaml) {
  try {
    parsePolicy(yaml, "policy.yaml");
  } catch (const PolicyError& e) {
    return e.what();
  }
  return "no error";
}

TEST(RiskPolicy, FileErrorsNameTheLine) {
  const std::string head = "apiVersion: aiops.dev/v1\nkind: RiskPolicy\ntiers:\n";
  EXPECT_EQ(
      policyError(head + "  medium:\n    window: 30 minutes\n"),
      "policy.yaml:5: tiers.medium.window: '30 minutes' is not a duration such as 5m, 30m, 2h or 1h30m");
  EXPECT_EQ(policyError(head + "  medium:\n    window: 0m\n"),
            "policy.yaml:5: tiers.medium.window: must be longer than 0s");
  EXPECT_EQ(policyError(head + "  low:\n    approvers: 1\n    aprovers: 2\n"),
            "policy.yaml:6: tiers.low: unknown key 'aprovers'");
  EXPECT_EQ(policyError(head + "  urgent:\n    approvers: 1\n"),
            "policy.yaml:4: tiers: unknown key 'urgent'");
  EXPECT_EQ(policyError(head + "  low:\n    window: 5m\n    window: 50m\n"),
            "policy.yaml:6: tiers.low: duplicate key 'window'");
  EXPECT_EQ(policyError(head + "  high:\n    approvers: 0\n"),
            "policy.yaml:5: tiers.high.approvers: must be at least 1 (every decision is recorded)");
  EXPECT_EQ(policyError(head + "  high:\n    approvers: two\n"),
            "policy.yaml:5: tiers.high.approvers: 'two' is not a whole number");
  EXPECT_EQ(
      policyError(head + "  critical:\n    approvers: 1\n"),
      "policy.yaml:5: tiers.critical.approvers: must be at least 2; the two approvers of a critical change "
      "are different people (a rule, not a setting)");
  EXPECT_EQ(policyError(head + "  medium:\n    selfApproval: true\n"),
            "policy.yaml:5: tiers.medium.selfApproval: must be false; the requester never approves their own "
            "medium change (a rule, not a setting)");
  EXPECT_EQ(policyError(head + "  medium:\n    prevalidate: yes\n"),
            "policy.yaml:5: tiers.medium.prevalidate: 'yes' is not true or false");
  EXPECT_EQ(policyError(head + "  low: [1, 2]\n"), "policy.yaml:4: tiers.low: expected a mapping");
  EXPECT_EQ(policyError("apiVersion: aiops.dev/v2\nkind: RiskPolicy\n"),
            "policy.yaml:1: apiVersion: 'aiops.dev/v2' is not aiops.dev/v1");
  EXPECT_EQ(policyError("apiVersion: aiops.dev/v1\nkind: Policy\n"),
            "policy.yaml:2: kind: 'Policy' is not RiskPolicy");
  EXPECT_EQ(policyError("kind: RiskPolicy\n"),
            "policy.yaml:1: apiVersion: is missing (expected aiops.dev/v1)");
  EXPECT_EQ(policyError("apiVersion: aiops.dev/v1\nkind: RiskPolicy\nwindow: 5m\n"),
            "policy.yaml:3: policy: unknown key 'window'");
  EXPECT_EQ(policyError("- a\n- b\n"),
            "policy.yaml:1: a policy is a mapping with apiVersion, kind and tiers");
  EXPECT_EQ(
      policyError("apiVersion: aiops.dev/v1\nkind: RiskPolicy\nautomaticRollback:\n  failedRollouts: no\n"),
      "policy.yaml:4: automaticRollback: unknown key 'failedRollouts'");
  EXPECT_EQ(
      policyError("apiVersion: aiops.dev/v1\nkind: RiskPolicy\nautomaticRollback:\n  failedRollout: 1\n"),
      "policy.yaml:4: automaticRollback.failedRollout: '1' is not true or false");
  EXPECT_EQ(policyError(head + "  low:\n    window: [5m\n"),
            "policy.yaml:6: invalid YAML: end of sequence flow not found");
}

TEST(RiskPolicy, Durations) {
  EXPECT_EQ(parseDuration("5m"), minutes(5));
  EXPECT_EQ(parseDuration("30m"), minutes(30));
  EXPECT_EQ(parseDuration("2h"), minutes(120));
  EXPECT_EQ(parseDuration("1h30m"), minutes(90));
  EXPECT_EQ(parseDuration("90s"), std::chrono::seconds(90));
  EXPECT_EQ(parseDuration("0m"), std::chrono::seconds(0));
  for (const char* bad : {"", "5", "m", "5x", "-5m", "1.5h", "5m ", " 5m", "5 m", "5M"})
    EXPECT_EQ(parseDuration(bad), std::nullopt) << bad;
  EXPECT_EQ(formatDuration(minutes(5)), "5m");
  EXPECT_EQ(formatDuration(minutes(120)), "2h");
  EXPECT_EQ(formatDuration(minutes(90)), "1h30m");
  EXPECT_EQ(formatDuration(std::chrono::seconds(3725)), "1h2m5s");
  EXPECT_EQ(formatDuration(std::chrono::seconds(0)), "0s");
}

TEST(RiskPolicy, LoadsFromTheFlagOrAiopsPolicy) {
  TempDir dir;
  testing::writeFile(dir / "strict.yaml",
                     "apiVersion: aiops.dev/v1\nkind: RiskPolicy\ntiers:\n  low:\n    selfApproval: false\n");
  testing::writeFile(dir / "long.yaml",
                     "apiVersion: aiops.dev/v1\nkind: RiskPolicy\ntiers:\n  medium:\n    window: 45m\n");
  ::unsetenv("AIOPS_POLICY");
  EXPECT_EQ(policyFromFlagOrEnv(""), std::nullopt);
  ::setenv("AIOPS_POLICY", (dir / "long.yaml").c_str(), 1);
  const auto fromEnv = policyFromFlagOrEnv("");
  ASSERT_TRUE(fromEnv);
  EXPECT_EQ(fromEnv->medium.window, minutes(45));
  EXPECT_EQ(fromEnv->source, (dir / "long.yaml").string());
  const auto fromFlag = policyFromFlagOrEnv((dir / "strict.yaml").string());  // the flag wins
  ASSERT_TRUE(fromFlag);
  EXPECT_FALSE(fromFlag->low.selfApproval);
  EXPECT_EQ(fromFlag->medium.window, minutes(30));
  ::unsetenv("AIOPS_POLICY");
  const std::string missing = (dir / "missing.yaml").string();
  try {
    loadPolicy(missing);
    ADD_FAILURE() << "no error";
  } catch (const PolicyError& e) {
    EXPECT_EQ(std::string(e.what()), missing + ": cannot read the risk policy: No such file or directory");
  }
}

// ---- the risk table -------------------------------------------------------------------------------------

struct ClassifyCase {
  std::string name;
  Risk proposed;
  std::string action;
  std::string kind;
  ChangeType type;
  std::string change;
  std::optional<std::string> before;
  Risk expected;
};

TEST(Classify, FollowsTheSpecsTableAndNeverLowersTheProposal) {
  const std::string replicas2 = R"({"spec":{"replicas":2}})";
  const std::vector<ClassifyCase> cases = {
      {"restart one pod",
       Risk::Low,
       "restart",
       "Pod",
       ChangeType::Manifest,
       R"({"delete":true})",
       {},
       Risk::Low},
      {"rollout restart", Risk::Low, "restart", "Deployment", ChangeType::Strategic, "{}", {}, Risk::Medium},
      {"scale 2 -> 4", Risk::Low, "scaling", "Deployment", ChangeType::Strategic,
       R"({"spec":{"replicas":4}})", replicas2, Risk::Low},
      {"scale 2 -> 5", Risk::Low, "scaling", "Deployment", ChangeType::Merge, R"({"spec":{"replicas":5}})",
       replicas2, Risk::Medium},
      {"scale 3 -> 1 by JSON patch", Risk::Low, "scaling", "StatefulSet", ChangeType::Json,
       R"([{"op":"replace","path":"/spec/replicas","value":1}])", R"({"spec":{"replicas":3}})", Risk::Low},
      {"scale from the default 1 to 3", Risk::Low, "scaling", "Deployment", ChangeType::Strategic,
       R"({"spec":{"replicas":3}})", "{}", Risk::Low},
      {"scale from the default 1 to 4", Risk::Low, "scaling", "Deployment", ChangeType::Strategic,
       R"({"spec":{"replicas":4}})", "{}", Risk::Medium},
      {"scale and more", Risk::Low, "scaling", "Deployment", ChangeType::Strategic,
       R"({"spec":{"replicas":3,"paused":true}})", replicas2, Risk::Medium},
      {"scale, before unknown",
       Risk::Low,
       "scaling",
       "Deployment",
       ChangeType::Strategic,
       R"({"spec":{"replicas":3}})",
       {},
       Risk::Medium},
      {"scale by manifest", Risk::Low, "scaling", "Deployment", ChangeType::Manifest,
       R"({"spec":{"replicas":3}})", replicas2, Risk::Medium},
      {"raise limits",
       Risk::Low,
       "resource-increase",
       "Deployment",
       ChangeType::Strategic,
       "{}",
       {},
       Risk::Medium},
      {"lower requests",
       Risk::Low,
       "resource-decrease",
       "Deployment",
       ChangeType::Strategic,
       "{}",
       {},
       Risk::Medium},
      {"create an HPA",
       Risk::Low,
       "create-object",
       "HorizontalPodAutoscaler",
       ChangeType::Manifest,
       "{}",
       {},
       Risk::Medium},
      {"change an HPA",
       Risk::Low,
       "scaling",
       "HorizontalPodAutoscaler",
       ChangeType::Merge,
       R"({"spec":{"maxReplicas":6}})",
       {},
       Risk::Medium},
      {"rotate a Secret",
       Risk::Low,
       "config-change",
       "Secret",
       ChangeType::Manifest,
       "{}",
       {},
       Risk::Critical},
      {"restart touching a Secret",
       Risk::Low,
       "restart",
       "Secret",
       ChangeType::Strategic,
       "{}",
       {},
       Risk::Critical},
      {"namespace", Risk::Medium, "config-change", "Namespace", ChangeType::Merge, "{}", {}, Risk::Critical},
      {"quota", Risk::Low, "quota-change", "ResourceQuota", ChangeType::Merge, "{}", {}, Risk::Critical},
      {"limit range",
       Risk::Low,
       "quota-change",
       "LimitRange",
       ChangeType::Manifest,
       "{}",
       {},
       Risk::Critical},
      {"a delete", Risk::Low, "delete", "Deployment", ChangeType::Manifest, "{}", {}, Risk::Critical},
      {"no action", Risk::Low, "", "Deployment", ChangeType::Strategic, "{}", {}, Risk::Critical},
      {"an image fix", Risk::Low, "image-fix", "Deployment", ChangeType::Strategic, "{}", {}, Risk::Medium},
      {"a rollback", Risk::Low, "rollback", "Deployment", ChangeType::Strategic, "{}", {}, Risk::Medium},
      {"a probe fix", Risk::Low, "probe-fix", "Deployment", ChangeType::Strategic, "{}", {}, Risk::Medium},
      {"a node drain", Risk::Medium, "node-drain", "Node", ChangeType::Strategic, "{}", {}, Risk::High},
      {"an unknown action",
       Risk::Low,
       "reboot",
       "Deployment",
       ChangeType::Strategic,
       "{}",
       {},
       Risk::Critical},
      {"proposed high stays high", Risk::High, "restart", "Pod", ChangeType::Manifest, "{}", {}, Risk::High},
      {"proposed critical stays critical", Risk::Critical, "scaling", "Deployment", ChangeType::Strategic,
       R"({"spec":{"replicas":3}})", replicas2, Risk::Critical},
  };
  for (const auto& c : cases) {
    Target target = testing::backendTarget();
    target.kind = c.kind;
    const Change change{c.type, json::parse(c.change)};
    const std::optional<json::value> before = c.before ? std::optional(json::parse(*c.before)) : std::nullopt;
    EXPECT_EQ(classify(c.proposed, c.action, target, change, before), c.expected) << c.name;
  }
}

// ---- checkApproval --------------------------------------------------------------------------------------

TEST(CheckApproval, LowMayBeApprovedByTheRequester) {
  const ApprovalDecision d = checkApproval(defaultPolicy(), operation(Risk::Low), person("alice"), kApprove,
                                           operation(Risk::Low).changeSha256, kT0 + minutes(1));
  EXPECT_EQ(d.refusal, std::nullopt);
  EXPECT_EQ(d.status, Status::Approved);
  EXPECT_EQ(d.role, "approver");
  EXPECT_EQ(d.remaining, "");
}

TEST(CheckApproval, MediumNeedsSomeoneOtherThanTheRequester) {
  const OperationData op = operation(Risk::Medium);
  EXPECT_EQ(refusalOf(checkApproval(defaultPolicy(), op, person("alice"), kApprove, op.changeSha256, kT0)),
            "alice requested op-0001 and may not approve it: the requester never approves their own medium "
            "change");
  const ApprovalDecision d =
      checkApproval(defaultPolicy(), op, person("bob"), kApprove, op.changeSha256, kT0);
  EXPECT_EQ(d.refusal, std::nullopt);
  EXPECT_EQ(d.status, Status::Approved);
  EXPECT_EQ(d.role, "approver");
  // A stricter policy can forbid self-approval of low changes too.
  RiskPolicy strict = defaultPolicy();
  strict.low.selfApproval = false;
  const OperationData low = operation(Risk::Low);
  EXPECT_EQ(
      refusalOf(checkApproval(strict, low, person("alice"), kApprove, low.changeSha256, kT0)),
      "alice requested op-0001 and may not approve it: the requester never approves their own low change");
}

TEST(CheckApproval, CriticalNeedsTwoPeopleOneASecurityReviewerInEitherOrder) {
  const RiskPolicy policy = defaultPolicy();
  // Approver first, then the reviewer.
  OperationData op = operation(Risk::Critical);
  ApprovalDecision first =
      checkApproval(policy, op, person("bob"), kApprove, op.changeSha256, kT0 + minutes(1));
  EXPECT_EQ(first.refusal, std::nullopt);
  EXPECT_EQ(first.status, Status::Proposed);
  EXPECT_EQ(first.role, "approver");
  EXPECT_EQ(first.remaining, "1 more approver, a security reviewer");
  approve(op, "bob", kT0 + minutes(1), first.role);
  ApprovalDecision second =
      checkApproval(policy, op, person("sam"), kReview, op.changeSha256, kT0 + minutes(2));
  EXPECT_EQ(second.refusal, std::nullopt);
  EXPECT_EQ(second.status, Status::Approved);
  EXPECT_EQ(second.role, "security-reviewer");
  EXPECT_EQ(second.remaining, "");

  // The reviewer first, then an approver.
  op = operation(Risk::Critical);
  first = checkApproval(policy, op, person("sam"), kReview, op.changeSha256, kT0 + minutes(1));
  EXPECT_EQ(first.refusal, std::nullopt);
  EXPECT_EQ(first.status, Status::Proposed);
  EXPECT_EQ(first.role, "security-reviewer");
  EXPECT_EQ(first.remaining, "1 more approver");
  approve(op, "sam", kT0 + minutes(1), first.role);
  second = checkApproval(policy, op, person("bob"), kApprove, op.changeSha256, kT0 + minutes(2));
  EXPECT_EQ(second.refusal, std::nullopt);
  EXPECT_EQ(second.status, Status::Approved);
  EXPECT_EQ(second.role, "approver");

  // Someone holding both verbs fills the security slot first.
  op = operation(Risk::Critical);
  first = checkApproval(policy, op, person("rita"), kBoth, op.changeSha256, kT0);
  EXPECT_EQ(first.role, "security-reviewer");
  EXPECT_EQ(first.remaining, "1 more approver");
}

TEST(CheckApproval, TheSamePersonTwiceIsRefused) {
  OperationData op = operation(Risk::Critical);
  approve(op, "bob", kT0 + minutes(1), "security-reviewer");
  EXPECT_EQ(
      refusalOf(checkApproval(defaultPolicy(), op, person("bob"), kBoth, op.changeSha256, kT0 + minutes(2))),
      "bob already approved op-0001; the approvers of a critical change must be different people");
}

TEST(CheckApproval, RefusesEachRuleWithItsReason) {
  const RiskPolicy policy = defaultPolicy();
  const OperationData medium = operation(Risk::Medium);
  const std::string sha = medium.changeSha256;

  EXPECT_EQ(
      refusalOf(checkApproval(policy, medium, person("carol"), kNone, sha, kT0)),
      "carol may not approve op-0001: no RBAC permission for verb approve on recommendations.aiops.dev");
  EXPECT_EQ(
      refusalOf(checkApproval(policy, medium, person("sam"), kReview, sha, kT0)),
      "sam may not approve op-0001: no RBAC permission for verb approve on recommendations.aiops.dev (verb "
      "review counts only where a security reviewer is required)");

  const std::string other = std::string(64, 'e');
  EXPECT_EQ(refusalOf(checkApproval(policy, medium, person("bob"), kApprove, other, kT0)),
            "the approval is for change sha256 eeeeeeeeeeee but op-0001's change is sha256 " +
                sha.substr(0, 12) +
                ": the change was edited since it was reviewed; review the current change");

  OperationData approved = medium;
  approve(approved, "bob", kT0, "approver", Status::Approved);
  EXPECT_EQ(refusalOf(checkApproval(policy, approved, person("carol"), kApprove, sha, kT0)),
            "op-0001 is approved; only a proposed operation can be approved");

  OperationData anonymous = medium;
  anonymous.record = RecordKind::Approval;
  anonymous.requestedBy = {};
  anonymous.requestedAt.reset();
  EXPECT_EQ(
      refusalOf(checkApproval(policy, anonymous, person("bob"), kApprove, sha, kT0)),
      "op-0001 does not record who requested it, so self-approval cannot be ruled out; propose it again");
  OperationData undated = medium;
  undated.record = RecordKind::Approval;
  undated.requestedAt.reset();
  EXPECT_EQ(
      refusalOf(checkApproval(policy, undated, person("bob"), kApprove, sha, kT0)),
      "op-0001 does not record when it was proposed, so its approval window cannot be checked; propose it "
      "again");

  OperationData unplanned = operation(Risk::Critical);
  unplanned.rollback.reset();
  EXPECT_EQ(
      refusalOf(checkApproval(policy, unplanned, person("bob"), kApprove, unplanned.changeSha256, kT0)),
      "a critical change needs a rollback plan in its record before it can be approved; op-0001 has none");

  OperationData critical = operation(Risk::Critical);
  approve(critical, "bob", kT0 + minutes(1));
  EXPECT_EQ(refusalOf(checkApproval(policy, critical, person("carol"), kApprove, critical.changeSha256,
                                    kT0 + minutes(2))),
            "op-0001 needs a security reviewer for its last approval; carol does not hold verb review on "
            "recommendations.aiops.dev");
  OperationData reviewed = operation(Risk::Critical);
  approve(reviewed, "sam", kT0 + minutes(1), "security-reviewer");
  EXPECT_EQ(
      refusalOf(
          checkApproval(policy, reviewed, person("tess"), kReview, reviewed.changeSha256, kT0 + minutes(2))),
      "tess holds only verb review on recommendations.aiops.dev and op-0001's security review is done; the "
      "remaining approval needs verb approve");
}

TEST(CheckApproval, TheProposalWindowOnAnInjectedClock) {
  const RiskPolicy policy = defaultPolicy();
  const OperationData medium = operation(Risk::Medium);
  EXPECT_EQ(
      checkApproval(policy, medium, person("bob"), kApprove, medium.changeSha256, kT0 + minutes(30)).refusal,
      std::nullopt);
  EXPECT_EQ(refusalOf(checkApproval(policy, medium, person("bob"), kApprove, medium.changeSha256,
                                    kT0 + minutes(30) + std::chrono::seconds(1))),
            "the approval window of 30m for a medium change closed at 2026-11-03T10:30:00Z; op-0001 must be "
            "proposed again");
  // The second approval of a critical change must fit in the window too, counted from the proposal.
  OperationData critical = operation(Risk::Critical);
  approve(critical, "bob", kT0 + minutes(100));
  EXPECT_EQ(refusalOf(checkApproval(policy, critical, person("sam"), kReview, critical.changeSha256,
                                    kT0 + minutes(121))),
            "the approval window of 2h for a critical change closed at 2026-11-03T12:00:00Z; op-0001 must be "
            "proposed again");
  const OperationData low = operation(Risk::Low);
  EXPECT_EQ(
      refusalOf(checkApproval(policy, low, person("alice"), kApprove, low.changeSha256, kT0 + minutes(6))),
      "the approval window of 5m for a low change closed at 2026-11-03T10:05:00Z; op-0001 must be proposed "
      "again");
}

TEST(CheckApproval, AnEditedChangeVoidsEarlierApprovals) {
  OperationData op = operation(Risk::Critical);
  approve(op, "bob", kT0 + minutes(1));
  approve(op, "sam", kT0 + minutes(2), "security-reviewer", Status::Proposed);
  // The change is edited: its hash moves on, and the approvals bound to the old one no longer count.
  op.change = Change{ChangeType::Strategic, json::parse(R"({"spec":{"replicas":4}})")};
  op.changeSha256 = canonicalSha256(op.change->body);
  const ApprovalDecision d =
      checkApproval(defaultPolicy(), op, person("bob"), kApprove, op.changeSha256, kT0 + minutes(3));
  EXPECT_EQ(d.refusal, std::nullopt);
  EXPECT_EQ(d.status, Status::Proposed);
  EXPECT_EQ(d.remaining, "1 more approver, a security reviewer");
  op.status = Status::Approved;
  EXPECT_EQ(applyRefusal(defaultPolicy(), op, kT0 + minutes(4)),
            "op-0001's approvals do not satisfy the critical policy: approval bound to another change");
}

// ---- applyRefusal and expiresAt ---------------------------------------------------------------------------

TEST(ApplyRefusal, AllowsAnOperationWhoseApprovalsSatisfyThePolicy) {
  OperationData op = operation(Risk::Medium);
  approve(op, "bob", kT0 + minutes(10), "approver", Status::Approved);
  EXPECT_EQ(applyRefusal(defaultPolicy(), op, kT0 + minutes(40)), std::nullopt);
  EXPECT_EQ(
      applyRefusal(defaultPolicy(), op, kT0 + minutes(40) + std::chrono::seconds(1)),
      "the approval of op-0001 expired at 2026-11-03T10:40:00Z (window 30m for a medium change); it must be "
      "proposed again");

  OperationData critical = operation(Risk::Critical);
  approve(critical, "sam", kT0 + minutes(5), "security-reviewer");
  approve(critical, "bob", kT0 + minutes(20), "approver", Status::Approved);
  EXPECT_EQ(applyRefusal(defaultPolicy(), critical, kT0 + minutes(139)), std::nullopt);
  EXPECT_EQ(
      applyRefusal(defaultPolicy(), critical, kT0 + minutes(141)),
      "the approval of op-0001 expired at 2026-11-03T12:20:00Z (window 2h for a critical change); it must "
      "be proposed again");
}

TEST(ApplyRefusal, RefusesWhatThePolicyDoesNotAllow) {
  const RiskPolicy policy = defaultPolicy();
  EXPECT_EQ(applyRefusal(policy, operation(Risk::Medium), kT0),
            "op-0001 is proposed, not approved; only an approved operation can be applied");

  OperationData self = operation(Risk::Medium);  // a forged history: the journal records what it is given
  approve(self, "alice", kT0 + minutes(1), "approver", Status::Approved);
  EXPECT_EQ(applyRefusal(policy, self, kT0 + minutes(2)),
            "op-0001's approvals do not satisfy the medium policy: approved by the requester");

  OperationData one = operation(Risk::Critical);
  approve(one, "bob", kT0 + minutes(1), "approver", Status::Approved);
  EXPECT_EQ(applyRefusal(policy, one, kT0 + minutes(2)),
            "op-0001's approvals do not satisfy the critical policy: 1 of 2 required approvers; no security "
            "reviewer");

  OperationData twice = operation(Risk::Critical);
  approve(twice, "sam", kT0 + minutes(1), "security-reviewer");
  approve(twice, "sam", kT0 + minutes(2), "approver", Status::Approved);
  EXPECT_EQ(applyRefusal(policy, twice, kT0 + minutes(3)),
            "op-0001's approvals do not satisfy the critical policy: 1 of 2 required approvers");

  OperationData late = operation(Risk::Medium);
  approve(late, "bob", kT0 + minutes(31), "approver", Status::Approved);
  EXPECT_EQ(applyRefusal(policy, late, kT0 + minutes(32)),
            "op-0001's approvals do not satisfy the medium policy: approval given after the window");

  OperationData anonymous = operation(Risk::Medium);
  approve(anonymous, "bob", kT0 + minutes(1), "approver", Status::Approved);
  anonymous.requestedBy = {};
  anonymous.requestedAt.reset();
  EXPECT_EQ(
      applyRefusal(policy, anonymous, kT0 + minutes(2)),
      "op-0001 does not record who requested it and when, so its approvals cannot be checked; propose it "
      "again");

  OperationData unplanned = operation(Risk::High);
  approve(unplanned, "bob", kT0 + minutes(1), "approver", Status::Approved);
  unplanned.rollback.reset();
  EXPECT_EQ(applyRefusal(policy, unplanned, kT0 + minutes(2)),
            "op-0001's approvals do not satisfy the high policy: no rollback plan");

  OperationData legacyRole = operation(Risk::Medium);  // a role-less approval reads as "approver"
  approve(legacyRole, "bob", kT0 + minutes(1), "", Status::Approved);
  EXPECT_EQ(applyRefusal(policy, legacyRole, kT0 + minutes(2)), std::nullopt);
}

TEST(ExpiresAt, FromTheProposalThenFromTheCompletingApproval) {
  const RiskPolicy policy = defaultPolicy();
  OperationData op = operation(Risk::Critical);
  EXPECT_EQ(expiresAt(policy, op), kT0 + minutes(120));
  approve(op, "sam", kT0 + minutes(5), "security-reviewer");
  EXPECT_EQ(expiresAt(policy, op), kT0 + minutes(120));  // still proposed
  approve(op, "bob", kT0 + minutes(50), "approver", Status::Approved);
  EXPECT_EQ(expiresAt(policy, op), kT0 + minutes(170));
  op.status = Status::Applying;
  EXPECT_EQ(expiresAt(policy, op), std::nullopt);
  op.status = Status::Rejected;
  EXPECT_EQ(expiresAt(policy, op), std::nullopt);
}

TEST(JudgeApprovals, NamesEveryViolationInPlainWords) {
  const RiskPolicy policy = defaultPolicy();
  OperationData none = operation(Risk::Medium);
  EXPECT_EQ(judgeApprovals(policy, Risk::Medium, none, "alice", kT0).violations,
            std::vector<std::string>{"no approval record"});
  OperationData rejected = operation(Risk::Medium);
  rejected.approvals.push_back(
      Approval{person("bob"), Decision::Reject, "no", kT0, rejected.changeSha256, "approver"});
  EXPECT_EQ(judgeApprovals(policy, Risk::Medium, rejected, "alice", kT0).violations,
            std::vector<std::string>{"no approval record"});
  OperationData mixed = operation(Risk::Critical);
  approve(mixed, "alice", kT0 + minutes(1));
  approve(mixed, "sam", kT0 + minutes(2), "security-reviewer");
  const ApprovalJudgement j = judgeApprovals(policy, Risk::Critical, mixed, "alice", kT0);
  EXPECT_EQ(j.violations,
            (std::vector<std::string>{"approved by the requester", "1 of 2 required approvers"}));
  ASSERT_EQ(j.counted.size(), 1u);
  EXPECT_EQ(j.counted[0].identity.user, "sam");
  EXPECT_TRUE(j.securityReviewed);
}

}  // namespace
}  // namespace aiops::governance

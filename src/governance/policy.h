// The risk policy: what each risk level requires before a change may reach the cluster, and the approval
// rules that enforce it (who may approve, how many, how long an approval stays usable).
//
// The policy is data (config/risk-policy.yaml, documented in docs/risk-policy.md); the rules are code, so a
// policy file can make the process stricter or looser per tier but cannot switch a rule off: the requester
// never approves their own change where the tier says so, an approval is bound to the SHA-256 of the exact
// change, an expired approval is never used, and the approvers a tier counts are distinct people.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "governance/record.h"
#include "model/recommendation.h"
#include "support/timestamps.h"

namespace aiops::governance {

class PolicyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;  // "<file>:<line>: <what>" for a file that does not parse
};

// What one risk level requires.
struct TierPolicy {
  int approvers = 1;               // distinct people who must approve (>= 1: the decision is always recorded)
  bool securityReviewer = false;   // one of them must hold verb `review` on recommendations.aiops.dev
  bool selfApproval = true;        // whether the requester may be one of the approvers
  std::chrono::seconds window{0};  // proposal -> approval, and last approval -> apply, must each fit in it
  bool rollbackPlan = false;       // the record must carry a rollback change before it can be approved
  bool recordMetrics = false;      // baseline and checkpoints are required, not best effort
  bool prevalidate = false;        // the executor's pre-validation (e.g. the 30% margin) must pass
  friend bool operator==(const TierPolicy&, const TierPolicy&) = default;
};

struct RiskPolicy {
  TierPolicy low;
  TierPolicy medium;
  TierPolicy high;
  TierPolicy critical;
  // automaticRollback.failedRollout: the rollout gate may pause and roll back a gated rollout whose first
  // replicas fail its analysis without waiting for a person (a safety action: it restores the version that
  // was serving). false: the gate pauses and the rollback waits for a person.
  bool rollbackFailedRollouts = true;
  std::string source = "built-in defaults";  // the file it was read from, for messages
  const TierPolicy& tier(model::Risk risk) const;
  friend bool operator==(const RiskPolicy&, const RiskPolicy&) = default;
};

// The spec's defaults: low 1 approver (the requester may decide), 5 min; medium 1 approver, not the
// requester, 30 min, metrics and pre-validation; high as medium with a rollback plan and 60 min; critical
// 2 distinct approvers, one a security reviewer, not the requester, rollback plan, 120 min.
RiskPolicy defaultPolicy();

// Reads a policy file (the format of config/risk-policy.yaml); tiers or keys it leaves out keep their
// defaults; unknown keys, bad durations and impossible values (approvers < 1, window <= 0) are PolicyError.
RiskPolicy loadPolicy(const std::filesystem::path& file);
RiskPolicy parsePolicy(std::string_view yaml, std::string_view sourceName);

// A policy named by `flag` (--policy) when non-empty, else by $AIOPS_POLICY; nullopt when neither is set.
// The front end then looks for the cluster's policy (ConfigMap aiops-system/aiops-risk-policy, key
// policy.yaml: RBAC-protected, so a requester cannot loosen it by editing a local file) and falls back to
// the defaults.
std::optional<RiskPolicy> policyFromFlagOrEnv(std::string_view flag);

// The risk the policy assigns to a change, never lower than the analyzer's own `proposed` risk:
//   low: restarting one pod; scaling a workload by 1 or 2 replicas;
//   medium: creating or changing an HPA; changing requests or limits;
//   critical: anything touching a Secret, a Namespace, ResourceQuota or LimitRange (namespace-level), any
//   delete, and any change the table does not know.
// `change` and `before` let it tell "scale by 2" from "scale by 10" (spec.replicas before and after).
model::Risk classify(model::Risk proposed, std::string_view action, const Target& target,
                     const Change& change, const std::optional<boost::json::value>& before);

// What the approver may do, as SelfSubjectAccessReview answered it.
struct ApproverRights {
  bool approve = false;  // verb approve on recommendations.aiops.dev
  bool review = false;   // verb review on recommendations.aiops.dev (security reviewer)
};

// The outcome of checking one approval against the operation's current state.
struct ApprovalDecision {
  std::optional<std::string> refusal;  // why it may not be recorded; nothing is written then
  Status status = Status::Proposed;    // after recording it: approved when it completes the tier's needs
  std::string role;                    // "approver" or "security-reviewer", recorded with the approval
  std::string remaining;               // what is still needed: "1 more approver, a security reviewer"
};

// Checks an approval by `approver` of the operation whose latest record is `current` (status proposed),
// for the change hash the approver saw. Refusals, each a one-line reason naming the rule:
//   no approve permission; the requester approving where the tier forbids it; the same person twice;
//   a hash that is not the operation's current change; the approval window elapsed; no rollback plan
//   where the tier needs one; a critical change whose last slot needs a security reviewer the approver
//   is not.
ApprovalDecision checkApproval(const RiskPolicy& policy, const OperationData& current,
                               const Identity& approver, ApproverRights rights, std::string_view changeSha256,
                               WallTime now);

// Why the operation may not be applied now (not approved; approvals that no longer satisfy the policy;
// bound to another change hash; the window since the last approval elapsed), or nullopt.
std::optional<std::string> applyRefusal(const RiskPolicy& policy, const OperationData& current, WallTime now);

// The approvals of `data` judged against the tier of `risk`, as the audit and applyRefusal see them. Only
// decisions to approve count, each person once, and only those bound to data.changeSha256, not by the
// requester where the tier forbids it, and given within `window` of `proposed` (when known).
struct ApprovalJudgement {
  std::vector<Approval> counted;  // the approvals that count, oldest first
  bool securityReviewed = false;  // one of them is a security reviewer's
  // In plain words, in this order: "no approval record", "approved by the requester", "approval bound to
  // another change", "approval given after the window", "1 of 2 required approvers" (not repeated when the
  // reasons before it leave nothing that counts), "no security reviewer", "no rollback plan".
  std::vector<std::string> violations;
};
ApprovalJudgement judgeApprovals(const RiskPolicy& policy, model::Risk risk, const OperationData& data,
                                 std::string_view requester, std::optional<WallTime> proposed);

// Windows are written as support/timestamps.h's parseDuration reads them; this is the inverse: "5m", "2h",
// "1h30m", "0s".
std::string formatDuration(std::chrono::seconds duration);

// When an operation in `current` stops being usable: proposed -> proposal time + window; approved -> the
// completing approval's time + window; nullopt for every other status.
std::optional<WallTime> expiresAt(const RiskPolicy& policy, const OperationData& current);

}  // namespace aiops::governance

// The monthly compliance audit: every medium-or-higher operation executed in a month, and whether the
// approvals the policy required are in its record.
#pragma once

#include <string>
#include <vector>

#include "governance/journal.h"
#include "governance/policy.h"

namespace aiops::governance {

struct ComplianceRow {
  std::string operationId;
  model::Risk risk = model::Risk::Medium;
  Target target;
  std::string summary;
  Status status = Status::Applied;  // the latest status
  WallTime executed{};              // the time of its `applying` record
  std::string requestedBy;
  std::vector<Approval> approvals;  // the approvals in force when it was applied
  // Empty: compliant. Otherwise in plain words (docs/risk-policy.md): "approved by the requester",
  // "1 of 2 required approvers", "no security reviewer", "applied after the approval window", ...
  std::vector<std::string> violations;
};

struct ComplianceReport {
  std::string month;  // "2026-11"
  std::vector<ComplianceRow> rows;
  std::size_t violations() const;  // the number of violations over all rows (0: the month is compliant)
};

// `month` is YYYY-MM (UTC); throws std::invalid_argument otherwise. Judges each operation against the
// policy in force now (the record holds what was approved, the policy what was required). An operation
// counts when its `applying` record is dated in the month and its tier is medium or higher: the higher of
// its recorded risk and classify()'s, so a mislabelled change is audited at the tier the table gives it.
// The requester is the actor of its recommendation record. Rows are in journal order.
ComplianceReport auditMonth(Journal& journal, const RiskPolicy& policy, const std::string& month);

}  // namespace aiops::governance

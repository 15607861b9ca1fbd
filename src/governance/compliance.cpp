// The monthly compliance audit: executed medium-or-higher operations and the approvals their records hold.
#include "governance/compliance.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <stdexcept>

namespace aiops::governance {
namespace {

bool isMonth(const std::string& month) {
  if (month.size() != 7 || month[4] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6}) {
    if (month[i] < '0' || month[i] > '9') return false;
  }
  const int number = (month[5] - '0') * 10 + (month[6] - '0');
  return number >= 1 && number <= 12;
}

// One operation's records, in journal order.
struct Operation {
  const Record* recommendation = nullptr;
  const Record* applying = nullptr;
  const Record* latest = nullptr;
};

}  // namespace

std::size_t ComplianceReport::violations() const {
  std::size_t total = 0;
  for (const auto& row : rows)
    total += row.violations.size();
  return total;
}

ComplianceReport auditMonth(Journal& journal, const RiskPolicy& policy, const std::string& month) {
  if (!isMonth(month)) {
    throw std::invalid_argument(fmt::format("'{}' is not a month; expected YYYY-MM, e.g. 2026-11", month));
  }
  const std::vector<StoredRecord> records = journal.list();
  std::vector<std::string> order;
  std::map<std::string, Operation> operations;
  for (const StoredRecord& stored : records) {
    const OperationData& a = stored.record.aiops;
    if (a.operationId.empty()) continue;  // a diagnosis
    auto [it, inserted] = operations.try_emplace(a.operationId);
    if (inserted) order.push_back(a.operationId);
    Operation& op = it->second;
    op.latest = &stored.record;
    if (a.record == RecordKind::Recommendation && op.recommendation == nullptr)
      op.recommendation = &stored.record;
    if (a.record == RecordKind::Applying && op.applying == nullptr) op.applying = &stored.record;
  }

  ComplianceReport report;
  report.month = month;
  for (const std::string& id : order) {
    const Operation& op = operations.at(id);
    if (op.applying == nullptr || formatDate(op.applying->aiops.time).substr(0, 7) != month) continue;
    const OperationData& applied = op.applying->aiops;
    // The policy's table, not only the recorded label, decides the tier: a change recorded as low that the
    // table calls critical is audited as critical.
    const model::Risk risk = classify(applied.risk, applied.action, applied.target,
                                      applied.change.value_or(Change{}), applied.before);
    if (risk < model::Risk::Medium) continue;

    ComplianceRow row;
    row.operationId = id;
    row.risk = risk;
    row.target = applied.target;
    row.summary = applied.summary;
    row.status = op.latest->aiops.status.value_or(Status::Applying);
    row.executed = applied.time;
    row.approvals = applied.approvals;
    // The requester is whoever made the recommendation, whatever later records say.
    std::optional<WallTime> proposed = applied.requestedAt;
    row.requestedBy = applied.requestedBy.user;
    if (op.recommendation != nullptr) {
      row.requestedBy = op.recommendation->aiops.actor.user;
      proposed = op.recommendation->aiops.time;
    }
    const ApprovalJudgement judgement = judgeApprovals(policy, risk, applied, row.requestedBy, proposed);
    row.violations = judgement.violations;
    if (op.recommendation == nullptr) row.violations.emplace_back("no recommendation record");
    if (!judgement.counted.empty()) {
      WallTime completed{};
      for (const Approval& approval : judgement.counted)
        completed = std::max(completed, approval.time);
      if (applied.time > completed + policy.tier(risk).window)
        row.violations.emplace_back("applied after the approval window");
    }
    report.rows.push_back(std::move(row));
  }
  return report;
}

}  // namespace aiops::governance

// The operation lifecycle table (see lifecycle.h) and its error messages.
#include "governance/lifecycle.h"

#include <fmt/format.h>

#include <algorithm>

namespace aiops::governance {
namespace {

struct Row {
  RecordKind kind;
  std::vector<Status> from;  // empty: only for a new operation
  std::vector<Status> to;
};

const std::vector<Row>& table() {
  using S = Status;
  using K = RecordKind;
  static const std::vector<Row> rows{
      {K::Recommendation, {}, {S::Proposed}},
      {K::Approval, {S::Proposed}, {S::Proposed, S::Approved}},
      {K::Rejection, {S::Proposed}, {S::Rejected}},
      {K::Expiry, {S::Proposed, S::Approved}, {S::Expired}},
      {K::Applying, {S::Approved}, {S::Applying}},
      {K::Applied, {S::Applying}, {S::Applied}},
      {K::Checkpoint, {S::Applied}, {S::Applied}},
      {K::Verified, {S::Applied}, {S::Verified}},
      {K::Failed, {S::Applying, S::Applied}, {S::Failed}},
      {K::RolledBack, {S::Applied, S::Verified, S::Failed}, {S::RolledBack}},
  };
  return rows;
}

const Row* rowFor(RecordKind kind) {
  const auto& rows = table();
  const auto it = std::find_if(rows.begin(), rows.end(), [&](const Row& r) { return r.kind == kind; });
  return it == rows.end() ? nullptr : &*it;
}

std::string joinStatuses(const std::vector<Status>& statuses) {
  std::string out;
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    if (i > 0) out += i + 1 == statuses.size() ? " or " : ", ";
    out += toString(statuses[i]);
  }
  return out;
}

}  // namespace

std::string_view standalonePrefix(RecordKind kind) {
  switch (kind) {
    case RecordKind::Report:
      return "report-";
    case RecordKind::Rollout:
      return "rollout-";
    default:
      return "diagnose-";
  }
}

std::string_view toString(RecordKind kind) {
  switch (kind) {
    case RecordKind::Diagnosis:
      return "diagnosis";
    case RecordKind::Report:
      return "report";
    case RecordKind::Rollout:
      return "rollout";
    case RecordKind::Recommendation:
      return "recommendation";
    case RecordKind::Approval:
      return "approval";
    case RecordKind::Rejection:
      return "rejection";
    case RecordKind::Expiry:
      return "expiry";
    case RecordKind::Applying:
      return "applying";
    case RecordKind::Applied:
      return "applied";
    case RecordKind::Checkpoint:
      return "checkpoint";
    case RecordKind::Verified:
      return "verified";
    case RecordKind::Failed:
      return "failed";
    case RecordKind::RolledBack:
      return "rolled-back";
  }
  return "unknown";
}

std::string_view toString(Status status) {
  switch (status) {
    case Status::Proposed:
      return "proposed";
    case Status::Approved:
      return "approved";
    case Status::Rejected:
      return "rejected";
    case Status::Expired:
      return "expired";
    case Status::Applying:
      return "applying";
    case Status::Applied:
      return "applied";
    case Status::Verified:
      return "verified";
    case Status::Failed:
      return "failed";
    case Status::RolledBack:
      return "rolled-back";
  }
  return "unknown";
}

std::optional<RecordKind> parseRecordKind(std::string_view text) {
  for (RecordKind kind : kAllRecordKinds) {
    if (toString(kind) == text) return kind;
  }
  return std::nullopt;
}

std::optional<Status> parseStatus(std::string_view text) {
  for (Status status : kAllStatuses) {
    if (toString(status) == text) return status;
  }
  return std::nullopt;
}

std::vector<Status> legalTargets(std::optional<Status> from, RecordKind kind) {
  const Row* row = rowFor(kind);
  if (row == nullptr) return {};
  if (row->from.empty()) return from ? std::vector<Status>{} : row->to;
  if (!from || std::find(row->from.begin(), row->from.end(), *from) == row->from.end()) return {};
  return row->to;
}

bool isLegal(std::optional<Status> from, RecordKind kind, std::optional<Status> to) {
  if (isStandalone(kind)) return !from && !to;
  if (!to) return false;
  const auto targets = legalTargets(from, kind);
  return std::find(targets.begin(), targets.end(), *to) != targets.end();
}

bool isFinal(Status status) {
  return status == Status::Rejected || status == Status::Expired || status == Status::RolledBack;
}

std::optional<std::string> transitionError(std::string_view operationId, std::optional<Status> from,
                                           RecordKind kind, std::optional<Status> to) {
  if (isLegal(from, kind, to)) return std::nullopt;
  const std::string_view kindText = toString(kind);
  if (isStandalone(kind)) return fmt::format("a {} record belongs to no operation", kindText);
  if (kind == RecordKind::Recommendation) {
    if (from)
      return fmt::format("operation {} already exists; a recommendation starts a new one", operationId);
    return fmt::format("a recommendation leads to status proposed, not {}", to ? toString(*to) : "none");
  }
  if (!from) return fmt::format("operation {} does not exist; it starts with a recommendation", operationId);
  if (isFinal(*from)) {
    return fmt::format("operation {} is {}, which is final; no {} record may follow it", operationId,
                       toString(*from), kindText);
  }
  const Row* row = rowFor(kind);
  if (std::find(row->from.begin(), row->from.end(), *from) == row->from.end()) {
    return fmt::format("operation {} is {}; a{} {} record needs it to be {}", operationId, toString(*from),
                       kindText.front() == 'a' || kindText.front() == 'e' ? "n" : "", kindText,
                       joinStatuses(row->from));
  }
  return fmt::format("a{} {} record on a {} operation leads to {}, not {}",
                     kindText.front() == 'a' || kindText.front() == 'e' ? "n" : "", kindText, toString(*from),
                     joinStatuses(row->to), to ? toString(*to) : "no status");
}

}  // namespace aiops::governance

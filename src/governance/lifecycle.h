// The lifecycle of an operation: which records exist and which status each one may lead to.
//
// Every step of an operation is its own append-only record; the operation's current status is the status of
// its latest record. The journal enforces this table on every append, and `verify` replays it over the whole
// history, so an illegal sequence is refused when written and detected when forged:
//
//   record kind      legal from                     leads to
//   recommendation   (new operation)                proposed
//   approval         proposed                       proposed (more approvals needed) | approved
//   rejection        proposed                       rejected
//   expiry           proposed, approved             expired
//   applying         approved                       applying
//   applied          applying                       applied
//   checkpoint       applied                        applied
//   verified         applied                        verified
//   failed           applying, applied              failed
//   rolled-back      applied, verified, failed      rolled-back
//   diagnosis        (standalone: no operation, no status)
//
// rejected, expired and rolled-back are final. Which approvals a risk level requires is the approval policy's
// business (it picks proposed or approved for an approval record); this table only says what may follow what.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aiops::governance {

enum class RecordKind {
  Diagnosis,  // a standalone run record (diagnose), in diagnose-YYYY-MM/
  Report,     // a standalone run record (report resources), in report-YYYY-MM/
  Rollout,    // a standalone run record (the rollout gate's outcome), in rollout-YYYY-MM/
  Recommendation,
  Approval,
  Rejection,
  Expiry,
  Applying,
  Applied,
  Checkpoint,
  Verified,
  Failed,
  RolledBack,
};

enum class Status { Proposed, Approved, Rejected, Expired, Applying, Applied, Verified, Failed, RolledBack };

inline constexpr RecordKind kAllRecordKinds[] = {
    RecordKind::Diagnosis, RecordKind::Report,     RecordKind::Rollout,  RecordKind::Recommendation,
    RecordKind::Approval,  RecordKind::Rejection,  RecordKind::Expiry,   RecordKind::Applying,
    RecordKind::Applied,   RecordKind::Checkpoint, RecordKind::Verified, RecordKind::Failed,
    RecordKind::RolledBack};
inline constexpr Status kAllStatuses[] = {Status::Proposed, Status::Approved, Status::Rejected,
                                          Status::Expired,  Status::Applying, Status::Applied,
                                          Status::Verified, Status::Failed,   Status::RolledBack};

std::string_view toString(RecordKind kind);  // "recommendation", "rolled-back"
std::string_view toString(Status status);    // "proposed", "rolled-back"
std::optional<RecordKind> parseRecordKind(std::string_view text);
std::optional<Status> parseStatus(std::string_view text);

// Diagnosis, Report and Rollout: records of a run, belonging to no operation.
inline bool isStandalone(RecordKind kind) {
  return kind == RecordKind::Diagnosis || kind == RecordKind::Report || kind == RecordKind::Rollout;
}

// The directory prefix of a standalone kind's monthly directory: "diagnose-", "report-", "rollout-".
std::string_view standalonePrefix(RecordKind kind);

// The statuses a record of `kind` may lead to when the operation is in `from` (nullopt: no operation yet).
// Empty when the record is not legal there. A diagnosis is legal only without an operation and leads to no
// status, which this reports as an empty list too; use isLegal for a yes/no answer.
std::vector<Status> legalTargets(std::optional<Status> from, RecordKind kind);

// Whether `from` -(kind)-> `to` is in the table (for a diagnosis: from and to both nullopt).
bool isLegal(std::optional<Status> from, RecordKind kind, std::optional<Status> to);

// Why it is not legal, as a phrase for an error message ("operation op-0007 is rejected, which is final;
// nothing may follow it"); nullopt when it is legal.
std::optional<std::string> transitionError(std::string_view operationId, std::optional<Status> from,
                                           RecordKind kind, std::optional<Status> to);

bool isFinal(Status status);

}  // namespace aiops::governance

// The PHR journal: an append-only git repository of Prompt History Records, written through libgit2.
//
// Why git: every step is a commit, so the history is itself the audit trail, and every copy (clone, mirror,
// backup) carries its own integrity check. Why each step is a new file rather than an edit of one file per
// operation: records are never edited or deleted by the tool, so "a commit changed an existing record" is
// tampering by definition and verify can say so without judging intent.
//
// Layout (docs/phr.md): history/prompts/op-NNNN-<slug>/NNNN-<slug>.misc.prompt.md holds one operation's
// records (its recommendation is 0001), history/prompts/diagnose-YYYY-MM/ the month's diagnosis runs, and
// history/archive/<year>/<feature>/ what `archive` moved there. Why a directory per operation rather than one
// `operations` directory: git writes a whole new tree object for a directory on every commit, so a flat
// directory of n records makes each append O(n) and the repository O(n^2) in size (measured: 24 ms and
// 382 MB at 5,000 records); a directory per operation keeps both small, and an operation's lifecycle reads as
// 0001..0008 in one place, the way Spec-Kit Plus keeps a feature's PHRs together.
//
// Tamper evidence: each record carries the SHA-256 of the previous record's bytes (journal-wide commit
// order); each commit adds exactly one record and changes nothing else, and says so in its trailers
// (Record, Record-Blob, Chain-Head, Operation-Id, Status, ...); and after each append the head commit and
// chain head are written to .git/aiops-anchor, outside the tracked tree, so a rewritten history is caught.
//
// Concurrency: appends from any number of threads (each with its own Journal) and processes are serialised
// by flock(2) on .git/aiops.lock, and the branch is moved with a compare-and-swap
// (git_reference_create_matching), so no record is lost and no ID is taken twice. A Journal object itself is
// not thread-safe (libgit2 repositories are not).
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "governance/record.h"

namespace aiops::governance {

class JournalError : public std::runtime_error {
 public:
  enum class Kind {
    Io,        // the repository cannot be read or written (exit 3)
    NotFound,  // no such journal, operation or record
    Refused,   // the step is not legal (lifecycle, change hash, missing field): nothing was written
    Corrupt,   // the journal itself is damaged or was changed behind the tool's back; run verify
  };
  JournalError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

struct JournalOptions {
  std::filesystem::path path;  // the repository's working directory (its .git is inside)
  bool create = true;          // false: a missing journal is JournalError(NotFound), nothing is created
  // Non-empty: stored as the remote "origin", and every append pushes main there (a failure is a warning).
  std::string remoteUrl;
  std::function<WallTime()> now = [] { return std::chrono::system_clock::now(); };
};

// The prose of a step's record. Everything is optional; the journal fills what is empty.
struct StepText {
  std::string command;                // the command line that made the step; default "kubectl aiops"
  std::string prompt;                 // the verbatim request; default: command
  std::string response;               // what was answered or done; default: a sentence made from the step
  std::string model = "none";         // the LLM that wrote narrative, if any
  std::optional<std::string> ticket;  // links.ticket
  std::vector<std::string> labels;    // added to the journal's own labels
  std::string reflection;             // Outcome "Reflection"
  // Secret values to remove from everything this record says, never stored. The journal finds the values
  // of a Secret target itself when the record carries its before-state or change; a later step (whose record
  // holds only redacted copies) needs the caller, e.g. the executor that read the Secret, to pass them here.
  std::vector<std::string> scrub;
};

// A recommendation entering the journal: the first record of a new operation.
struct Proposal {
  Target target;
  model::Risk risk = model::Risk::Low;
  std::string action;  // model::ActionKind text
  std::string summary;
  std::string rationale;
  std::string source;  // the diagnosis record it came from, if any
  std::vector<std::string> evidence;
  Change change;
  std::optional<boost::json::value> before;  // the target as read before the change (redacted on append)
  std::optional<Change> rollback;
  StepText text;
};

// A later step of an operation.
struct Step {
  RecordKind kind = RecordKind::Approval;
  // Approval only: proposed when the policy needs more approvals, approved (the default) when this completes
  // them. Every other kind has exactly one legal status, which the journal picks.
  std::optional<Status> status;
  std::string justification;  // approval and rejection
  std::string changeSha256;   // approval and rejection: the change the decision is about; must match
  // Approval and rejection: the capacity the policy counted the approver in ("approver" or
  // "security-reviewer", governance::checkApproval's role); empty means "approver".
  std::string role;
  boost::json::value metrics;            // applying: the pre-action baseline
  std::optional<Checkpoint> checkpoint;  // checkpoint: required (its time defaults to now)
  std::string outcome;                   // replaces the operation's outcome line when non-empty
  StepText text;
};

// One run of `diagnose`: a standalone record in history/prompts/diagnose-YYYY-MM/.
struct DiagnosisRun {
  Target target;
  model::Risk risk = model::Risk::Low;
  std::string summary;
  std::string rationale;
  std::vector<std::string> evidence;
  boost::json::value findings;  // docs/findings-json.md
  StepText text;
};

// What an append wrote.
struct Appended {
  std::string path;         // "history/prompts/op-0001-raise-memory/0002-approve-op-0001-....misc.prompt.md"
  std::string id;           // "0002"
  std::string feature;      // "op-0001-raise-memory"
  std::string operationId;  // "op-0001"; empty for a diagnosis
  std::optional<Status> status;
  std::string commit;
  std::string sha256;                 // of the record's bytes: the next record's prevRecordSha256
  std::vector<std::string> warnings;  // the record is safe; these are follow-ups (push, working tree)
};

// A record as stored, with where and by which commit.
struct StoredRecord {
  std::string path;    // where it is now (history/archive/... once archived)
  std::string commit;  // the commit that added it
  std::string sha256;
  std::string bytes;
  Record record;
};

struct Filter {
  std::optional<Status> status;
  std::optional<model::Risk> risk;
  std::optional<RecordKind> kind;
  // "[KIND/][NAMESPACE/]NAME": "backend", "shop/backend", "deployment/shop/backend" ("deploy" and other
  // kubectl short names work; the kind is case-insensitive).
  std::string target;
  std::optional<WallTime> since;  // records at or after this time
  std::string operationId;
};

bool matches(const Filter& filter, const Record& record);

// Where an operation stands: its latest record.
struct OperationSummary {
  std::string operationId;
  Status status = Status::Proposed;
  model::Risk risk = model::Risk::Low;
  Target target;
  std::string summary;
  std::string requestedBy;
  WallTime proposed{};
  WallTime updated{};
  std::size_t records = 0;
  std::string latestPath;
};

// A published head: the commit and the chain head (SHA-256 of the last record) at that commit.
struct Anchor {
  std::string commit;
  std::string chainHead;
};

// "<commit>:<chain head>" as `phr verify --anchor` takes it; nullopt when malformed.
std::optional<Anchor> parseAnchor(std::string_view text);

enum class ProblemKind {
  Edited,            // a record's bytes changed after it was written
  Deleted,           // a record was removed
  Reordered,         // records are out of chain order
  Inserted,          // a record is in history but not in the chain
  ChainBroken,       // prevRecordSha256 names no record
  Unparseable,       // a record does not parse
  ForeignCommit,     // a commit the journal did not write (or whose trailers lie)
  IllegalLifecycle,  // a status sequence the lifecycle forbids, or an altered operation field
  Rewritten,         // the history no longer contains the anchored head
  WorkingTree,       // the checked-out files differ from the committed records
};
std::string_view toString(ProblemKind kind);  // "edited", "deleted", ...

struct Problem {
  ProblemKind kind = ProblemKind::Edited;
  std::string path;    // the first bad record (may be empty when no record can be named)
  std::string commit;  // the commit where it shows
  std::string message;
};

struct VerifyOptions {
  std::optional<Anchor> anchor;  // an externally published head to check as well as .git/aiops-anchor
  bool workingTree = true;       // also compare the checked-out files with the records
};

struct VerifyReport {
  std::size_t records = 0;
  std::size_t commits = 0;
  std::string head;       // commit id of main ("" when empty)
  std::string chainHead;  // SHA-256 of the last record (64 zeros when empty)
  std::vector<Anchor> anchorsChecked;
  std::optional<Problem> problem;  // the first bad record
  std::vector<std::string> notes;  // e.g. no anchor yet
  bool ok() const { return !problem.has_value(); }
};

struct ArchiveResult {
  std::size_t directories = 0;
  std::size_t records = 0;
  std::string commit;              // empty when nothing was old enough
  std::vector<std::string> moved;  // "history/prompts/op-0001-x -> history/archive/2023/op-0001-x"
  std::vector<std::string> warnings;
};

class Journal {
 public:
  // Opens the journal at options.path, creating it (git init, branch main) when missing and options.create.
  explicit Journal(JournalOptions options);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  const std::filesystem::path& path() const;

  // Starts a new operation (allocating op-NNNN) with its recommendation record, status proposed.
  Appended propose(const Proposal& proposal, const Identity& actor);
  // Appends a step to an operation; JournalError(Refused) when the lifecycle or change hash forbids it.
  Appended record(std::string_view operationId, const Step& step, const Identity& actor);
  Appended recordDiagnosis(const DiagnosisRun& run, const Identity& actor);
  // A report run (report resources): a standalone record in history/prompts/report-YYYY-MM/; `findings` holds
  // the report document.
  Appended recordReport(const DiagnosisRun& run, const Identity& actor);
  // One outcome of the rollout gate: a standalone record in history/prompts/rollout-YYYY-MM/.
  Appended recordRollout(const DiagnosisRun& run, const Identity& actor);

  // Records in journal order (oldest first). Records that do not parse are skipped and named in `warnings`.
  std::vector<StoredRecord> list(const Filter& filter = {}, std::vector<std::string>* warnings = nullptr);
  // One record by path, "<feature>/<ID>", "op-NNNN/<ID>", a bare ID (when unique) or "op-NNNN" (its latest
  // record). JournalError(NotFound) when there is none; Refused when a bare ID is ambiguous.
  StoredRecord show(std::string_view reference);
  // Every operation with its current status, oldest first.
  std::vector<OperationSummary> operations();

  VerifyReport verify(const VerifyOptions& options = {});

  // Moves every operation whose latest record, and every diagnose-YYYY-MM month that ended, more than `age`
  // ago into history/archive/<year>/, in one commit; nothing is deleted and verify follows the move.
  ArchiveResult archive(const Identity& actor, std::chrono::seconds age = std::chrono::hours(24 * 365));

  // Pushes main to "origin"; JournalError(Io) on failure, JournalError(NotFound) without a remote.
  void sync();

  // The anchor the last append wrote (.git/aiops-anchor), if any.
  std::optional<Anchor> anchor() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The journal's location: `flag` (--phr-repo) when non-empty, else $AIOPS_PHR_REPO, else
// $XDG_DATA_HOME/kubectl-aiops/phr (only when XDG_DATA_HOME is absolute, as the XDG spec requires), else
// $HOME/.local/share/kubectl-aiops/phr. `env` looks a variable up (std::getenv by default). Throws
// JournalError(NotFound) when none of them is set.
std::filesystem::path resolveJournalPath(
    std::string_view flag, const std::function<std::optional<std::string>(const char*)>& env = {});

// The git author of a step: name = the Kubernetes user name; email = "<user>@kubernetes" ("<" and ">"
// replaced by "_"), or the user name itself when it already is an address (OIDC users).
std::pair<std::string, std::string> authorFor(const Identity& identity);

}  // namespace aiops::governance

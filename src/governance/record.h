// A Prompt History Record (PHR): one step of an operation (or one diagnosis run) as a Spec-Kit Plus file.
//
// File: history/prompts/<feature>/NNNN-<slug>.misc.prompt.md. The front matter has exactly the Spec-Kit Plus
// template keys in template order (id quoted, title, stage, date, surface, model, feature, branch, user,
// command, labels, links, files, tests), then one extra key, `aiops:`, holding our operation data; the body
// has the template's four sections in order. Spec-Kit tools read the first part and ignore the rest; we read
// everything. The layout is fixed (docs/phr.md), so renderRecord(parseRecord(text)) == text for every record
// the journal writes, and parseRecord refuses any file that is not in that exact form, naming the line.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "governance/lifecycle.h"
#include "model/recommendation.h"
#include "support/timestamps.h"

namespace aiops::governance {

// A record that cannot be rendered or parsed. Parse errors read "<file>:<line>: <what>".
class RecordError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Who made a step: the Kubernetes user as the API server sees it (SelfSubjectReview), and their groups.
struct Identity {
  std::string user;
  std::vector<std::string> groups;
  friend bool operator==(const Identity&, const Identity&) = default;
};

// The object an operation changes, pinned to the version the recommendation was made for.
struct Target {
  std::string apiVersion;
  std::string kind;
  std::string namespace_;  // empty for cluster-scoped objects
  std::string name;
  std::string uid;
  std::int64_t generation = 0;
  std::string display() const;  // "Deployment shop/backend"
  friend bool operator==(const Target&, const Target&) = default;
};

// How a change is expressed: a patch of one of the three Kubernetes patch types, or a whole manifest.
enum class ChangeType { Merge, Json, Strategic, Manifest };
std::string_view toString(ChangeType type);  // "merge", "json", "strategic", "manifest"
std::optional<ChangeType> parseChangeType(std::string_view text);

struct Change {
  ChangeType type = ChangeType::Strategic;
  boost::json::value body;
  friend bool operator==(const Change&, const Change&) = default;
};

enum class Decision { Approve, Reject };

// One approver's decision, bound to the SHA-256 of the exact change they saw.
struct Approval {
  Identity identity;
  Decision decision = Decision::Approve;
  std::string justification;
  WallTime time{};
  std::string changeSha256;
  // The capacity the policy counted the approver in: "approver" or "security-reviewer" (docs/risk-policy.md).
  // Empty only in records written before roles were recorded; the policy reads that as "approver".
  std::string role;
  friend bool operator==(const Approval&, const Approval&) = default;
};

// A post-action check (5 min, 15 min, 1 h): its metrics and verdict.
struct Checkpoint {
  std::string name;  // "5m", "15m", "1h"
  WallTime time{};
  bool passed = false;
  std::string summary;  // "ready 3/3, restarts 0, error rate 0.2%"
  boost::json::value metrics;
  friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

// The `aiops:` block. Each record holds the operation's whole state as of that step (target, change,
// before-state, rollback, every approval and checkpoint so far), so the latest record alone says where an
// operation stands; the journal checks on append that nothing earlier was altered.
struct OperationData {
  RecordKind record = RecordKind::Recommendation;
  std::string operationId;       // "op-0042"; empty for a diagnosis
  std::optional<Status> status;  // after this record; absent for a diagnosis
  WallTime time{};               // when the step was recorded (UTC, whole seconds)
  Identity actor;                // who made the step (also the commit author)
  // Who requested the operation (the actor of its recommendation record) and when, copied into every later
  // record so the latest record alone can be judged (self-approval, the approval window). Empty for a
  // diagnosis, and in records written before these keys existed.
  Identity requestedBy;
  std::optional<WallTime> requestedAt;
  Target target;
  model::Risk risk = model::Risk::Low;
  std::string action;  // model::ActionKind as text ("resource-increase"); may be empty
  std::string summary;
  std::string rationale;
  std::string source;  // the diagnosis record a recommendation came from (repository path), or empty
  std::vector<std::string> evidence;
  boost::json::value findings;  // a diagnosis's findings (docs/findings-json.md); null otherwise
  std::optional<Change> change;
  std::string changeSha256;                  // canonicalSha256(change->body), when there is a change
  std::optional<boost::json::value> before;  // the target before the change, redacted
  std::string beforeSha256;                  // canonicalSha256(*before)
  std::optional<Change> rollback;
  std::vector<Approval> approvals;  // approvals and rejections, oldest first
  boost::json::value metrics;       // the pre-action baseline; null until there is one
  std::vector<Checkpoint> checkpoints;
  std::string outcome;
  std::string prevRecordSha256;  // SHA-256 of the previous record's bytes (journal-wide); 64 zeros first
  friend bool operator==(const OperationData&, const OperationData&) = default;
};

// Spec-Kit Plus `links`: a URL or null each.
struct Links {
  std::optional<std::string> spec;
  std::optional<std::string> ticket;
  std::optional<std::string> adr;
  std::optional<std::string> pr;
  friend bool operator==(const Links&, const Links&) = default;
};

// The Spec-Kit Plus front-matter keys, in template order.
struct Header {
  std::string id;  // "0007": 4 digits, zero-padded, per directory
  std::string title;
  std::string stage = "misc";
  std::string date;  // YYYY-MM-DD (UTC), the date of aiops.time
  std::string surface = "agent";
  std::string model = "none";  // the LLM that wrote narrative, or "none"
  std::string feature;         // the directory under history/prompts/
  std::string branch = "main";
  std::string user;
  std::string command;
  std::vector<std::string> labels;
  Links links;
  std::vector<std::string> files;
  std::vector<std::string> tests;
  friend bool operator==(const Header&, const Header&) = default;
};

// "## Outcome" bullets (one line each).
struct OutcomeNotes {
  std::string impact;
  std::string tests;
  std::string files;
  std::string nextPrompts;
  std::string reflection;
  friend bool operator==(const OutcomeNotes&, const OutcomeNotes&) = default;
};

// "## Evaluation notes (flywheel)" bullets (one line each).
struct EvaluationNotes {
  std::string failureModes;
  std::string graders;
  std::string promptVariant;
  std::string nextExperiment;
  friend bool operator==(const EvaluationNotes&, const EvaluationNotes&) = default;
};

struct Record {
  Header header;
  OperationData aiops;
  std::string prompt;    // verbatim: the command line or request that made the step
  std::string response;  // what the tool answered or did
  OutcomeNotes outcome;
  EvaluationNotes evaluation;
  friend bool operator==(const Record&, const Record&) = default;
};

inline constexpr std::string_view kSchema = "kubectl-aiops/phr/v1";

// Why `record` cannot be written (a missing field, a multi-line title, a hash that does not match its
// content, ...), or nullopt.
std::optional<std::string> validateRecord(const Record& record);

// The file's exact bytes. Throws RecordError when validateRecord fails.
std::string renderRecord(const Record& record);

// Reads a record; `path` names the file in errors ("<path>:<line>: <what>"). Refuses anything renderRecord
// would not have produced.
Record parseRecord(std::string_view text, std::string_view path);

// Spec-Kit Plus slug: lowercase, every run of characters other than a-z and 0-9 becomes one '-', no '-' at
// either end; cut to at most `maxLength` characters (at a '-' where possible). "record" when nothing is left.
std::string slugify(std::string_view text, std::size_t maxLength = 60);

// printf("%04d"): "0007", "0123", "12345".
std::string formatId(std::uint64_t number);

// "NNNN-<slug>.<stage>.prompt.md" for a header.
std::string recordFileName(const Header& header);

struct FileName {
  std::uint64_t number = 0;
  std::string id;  // as written ("0007")
  std::string slug;
  std::string stage;
};
// Parses "0007-raise-memory.misc.prompt.md"; nullopt for anything else.
std::optional<FileName> parseRecordFileName(std::string_view name);

// YYYY-MM-DD of `time` in UTC.
std::string formatDate(WallTime time);

boost::json::value toJson(const Identity& identity);
boost::json::value toJson(const Target& target);
// The `aiops:` block as JSON, keys in their fixed order (also the -o json form of a record's data).
boost::json::value toJson(const OperationData& data);
// A whole record for -o json: {"header": {...}, "aiops": {...}, "body": {...}}.
boost::json::value toJson(const Record& record);

}  // namespace aiops::governance

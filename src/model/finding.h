// Finding: what is wrong with an object, why, how sure we are, and the evidence that shows it.
//
// Every analyzer (diagnose, recommend, rollout, report, security) returns Findings; a Finding carries the
// Recommendations that would fix it. Rule IDs ("AIOPS-D110") come from each capability's catalogue and are
// never renumbered or reused. The JSON schema is documented in docs/findings-json.md.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/recommendation.h"
#include "support/timestamps.h"

namespace aiops::model {

// Ordered: Critical is the most severe. Sorting puts the most severe first.
enum class Severity { Info, Warning, Error, Critical };

std::string_view toString(Severity severity);  // "info", "warning", "error", "critical"
std::optional<Severity> parseSeverity(std::string_view text);

// One piece of evidence: a quoted event, a log line or a field of an object.
struct EvidenceItem {
  enum class Kind { Event, Log, Field };
  Kind kind = Kind::Field;
  std::string object;  // where it was read: "Pod shop/web-1", "Node worker-1"
  std::string text;    // the event message, the log line, or the field's value

  // Event: reason, type (Warning/Normal), occurrences and when they were first and last seen.
  std::string reason;
  std::string eventType;
  std::int64_t count = 0;
  std::optional<WallTime> firstSeen;
  std::optional<WallTime> lastSeen;

  // Log: the container, whether it was the previous instance, the 1-based line number within the tail
  // that was read, and the log signature that matched it (e.g. "connection-refused").
  std::string container;
  bool previous = false;
  std::int64_t line = 0;
  std::string signature;

  // Field: the path within the object ("status.containerStatuses[app].lastState.terminated.exitCode").
  std::string path;

  static EvidenceItem event(std::string object, std::string eventType, std::string reason,
                            std::string message, std::int64_t count, std::optional<WallTime> firstSeen,
                            std::optional<WallTime> lastSeen);
  static EvidenceItem log(std::string object, std::string container, bool previous, std::int64_t line,
                          std::string text, std::string signature = {});
  static EvidenceItem field(std::string object, std::string path, std::string value);

  friend bool operator==(const EvidenceItem&, const EvidenceItem&) = default;
};

// One line for humans: `event Pod shop/web-1 BackOff ×12 (2024-05-01T10:00:00Z … 10:42:00Z): "Back-off …"`.
std::string describe(const EvidenceItem& item);

// Names a Finding from another: the primary a secondary Finding belongs to.
struct FindingRef {
  std::string ruleId;
  ObjectRef object;  // kind, namespace and name only
  friend bool operator==(const FindingRef&, const FindingRef&) = default;
};

struct Finding {
  std::string ruleId;  // "AIOPS-D110"
  std::string title;   // the catalogue title: "Container OOMKilled"
  Severity severity = Severity::Warning;
  ObjectRef object;                   // the first affected object, with its owner chain
  std::string container;              // the container concerned, if any
  std::vector<std::string> affected;  // names of every affected object of object.kind (same namespace)
  std::string headline;               // "Deployment shop/backend: 3/3 pods CrashLoopBackOff, same cause"
  std::string rootCause;              // one sentence
  int confidence = 0;                 // 0-100 (percent)
  std::vector<EvidenceItem> evidence;
  bool primary = true;  // false: a consequence of, or concurrent with, the primary in `relatedTo`
  std::optional<FindingRef> relatedTo;
  std::vector<Recommendation> recommendations;  // the preferred one first
  std::string runbook;                          // runbook id

  friend bool operator==(const Finding&, const Finding&) = default;
};

boost::json::value toJson(const EvidenceItem& item);
boost::json::value toJson(const Finding& finding);
std::optional<EvidenceItem> evidenceFromJson(const boost::json::value& json, std::string* error);
std::optional<Finding> findingFromJson(const boost::json::value& json, std::string* error);

}  // namespace aiops::model

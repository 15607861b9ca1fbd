// The log signature library: recognises known failure lines (connection refused, DNS failures, timeouts,
// panics, missing modules, ...) in a container's log in one pass, and cites them with line numbers.
//
// Why an RE2::Set: every signature is matched at once by one automaton, so the cost is one linear pass over
// the text whatever the number of signatures, with no backtracking blow-up on hostile input. A log with no
// signature at all costs exactly one pass; only a log that matches is then read line by line to find the
// lines. Matching treats the text as Latin-1 bytes, so binary data and invalid UTF-8 cannot fail or
// mismatch; cited lines are converted to valid UTF-8 with control characters and colour codes removed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aiops::diagnose {

struct Signature {
  std::string_view id;       // "connection-refused"
  std::string_view ruleId;   // the finding it produces: "AIOPS-D900"
  std::string_view title;    // "connection refused"
  int specificity;           // when several match one log, the highest explains it best
  std::string_view pattern;  // RE2, matched against each line
  // The explanation, finishing "container app crashes because …": with {target} (what failed: a host and
  // port, a module, a variable) when one was extracted, and without when none was.
  std::string_view clause;
  std::string_view clauseWithoutTarget;
  // Tried in order on a matching line; the first that matches gives the target (capture groups joined by
  // ':', so host and port become "db:5432").
  std::vector<std::string_view> targetPatterns;
};

// Every signature, in a fixed order.
const std::vector<Signature>& signatures();

struct LogMatch {
  const Signature* signature = nullptr;
  std::int64_t line = 0;  // 1-based within the text scanned
  std::string text;       // the line, sanitised
  std::string target;     // "postgres:5432", "flask", "DATABASE_URL"; empty when none was extracted
};

struct LogScan {
  std::int64_t lines = 0;
  // The last few matches of each signature (the lines nearest the failure), in line order.
  std::vector<LogMatch> matches;
  std::map<std::string_view, std::int64_t> counts;  // per signature id: every matching line

  // The match that best explains the log: the most specific signature; among its lines, the last one that
  // names what failed (a target), else its last line.
  const LogMatch* best() const;
  // The explanation clause of best() with its target filled in ("its connection to db:5432 is refused").
  std::string explanation() const;
};

// Scans `text` (any bytes). Keeps at most `keepPerSignature` matches of each signature.
LogScan scanLog(std::string_view text, std::size_t keepPerSignature = 3);

struct ListeningPort {
  int port = 0;
  std::int64_t line = 0;
  std::string text;
};
// The port the application says it listens on ("Listening on :3000", "Uvicorn running on
// http://0.0.0.0:8000", "Tomcat started on port(s): 8080"): the last such line wins.
std::optional<ListeningPort> listeningPort(std::string_view text);

// `raw` as valid UTF-8 for display: ANSI escape sequences removed, invalid bytes and control characters
// replaced by U+FFFD, trailing blanks trimmed, cut at `maxBytes` (on a character boundary) with "…".
std::string sanitizeLine(std::string_view raw, std::size_t maxBytes = 300);

}  // namespace aiops::diagnose

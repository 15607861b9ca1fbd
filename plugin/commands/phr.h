// `kubectl aiops phr log|show|verify|archive`: reads and checks the PHR journal (src/governance/). Needs no
// cluster, so runCli never creates a transport for it.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "common.h"
#include "governance/journal.h"

namespace aiops::plugin::phr {

enum class Action { None, Log, Show, Verify, Archive };

struct Options {
  Action action = Action::None;  // set by the subcommand that parsed
  std::string repo;              // --phr-repo (else AIOPS_PHR_REPO, $XDG_DATA_HOME/..., ~/.local/share/...)
  std::string outputText = "text";
  OutputFormat output = OutputFormat::Text;
  // log
  std::string status, risk, target, since, operation;
  governance::Filter filter;  // built by validate
  // show
  std::string reference;
  // verify
  std::string anchorText;
  // archive
  std::string olderThan = "365d";
  std::chrono::seconds archiveAge{0};  // set by validate
  std::optional<governance::Anchor> anchor;
  WallTime now;  // for --since durations; set by the front end from its clock
};

CLI::App* add(CLI::App& parent, Options& options);
// Checks and converts the flags (throws UsageError): -o is text, json or yaml; --status, --risk, --since,
// --target and --anchor parse.
void validate(Options& options);
// 0 ok; 1 verify found tampering; 2 (as UsageError) no such record; 3 the journal is missing or unreadable.
int run(const Options& options, Streams& streams);

// The documented -o json documents (docs/phr.md).
boost::json::value logJson(const std::string& journal, const std::vector<governance::StoredRecord>& records);
boost::json::value showJson(const governance::StoredRecord& record);
boost::json::value verifyJson(const std::string& journal, const governance::VerifyReport& report);

// "op-0001/0003", "diagnose-2024-05/0001": the short reference `phr show` takes.
std::string shortReference(const governance::StoredRecord& record);

}  // namespace aiops::plugin::phr

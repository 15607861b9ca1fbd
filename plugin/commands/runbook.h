// `kubectl aiops runbook generate|list|show`: the Markdown runbooks of every diagnosis category, offline.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common.h"
#include "diagnose/runbooks.h"

namespace aiops::plugin::runbook {

enum class Action { None, Generate, List, Show };

struct Options {
  Action action = Action::None;                // which subcommand was given
  CLI::App* command = nullptr;                 // the `runbook` command, whose extras validate() reads
  std::vector<std::string> unknownCommand;     // words after `runbook` that name no subcommand
  std::vector<std::string> categories;         // CATEGORY words; none means every runbook
  std::string outDir = "operations/runbooks";  // generate --out, relative to the working directory
  bool dryRun = false;                         // generate --dry-run
  std::string outputText = "text";             // list -o, as typed
  OutputFormat output = OutputFormat::Text;    // list -o, validated
  std::vector<const aiops::diagnose::RunbookEntry*> selected;  // the categories resolved by validate()
};

CLI::App* add(CLI::App& parent, Options& options);
// Resolves the categories (an unknown one is a UsageError with a suggestion) and checks -o.
void validate(Options& options);
// 0 on success; 3, with one line on `streams.err`, when a file cannot be written. Never contacts a cluster.
int run(const Options& options, Streams& streams);

// A file or directory that cannot be written; the message names it and the system's reason.
class WriteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Writes `content` to `path` through a temporary file in the same directory that is renamed into place, so
// a reader sees the old file or the new one, never a part of either. Throws WriteError.
void writeFileAtomically(const std::string& path, std::string_view content);

}  // namespace aiops::plugin::runbook

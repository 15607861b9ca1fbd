// `kubectl aiops diagnose`: what is wrong with a pod, a workload, the pods of a selector or a namespace, why,
// the evidence, and the exact fix.
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "collect/collector.h"
#include "commands/operations.h"
#include "common.h"
#include "diagnose/diagnose.h"
#include "kube/client.h"

namespace aiops::plugin::diagnose {

struct Options {
  CommonOptions common;
  std::vector<std::string> targets;        // the positional argument(s), as typed
  std::string selector;                    // -l
  std::string sinceText;                   // --since, as typed
  std::int64_t logsTail = 200;             // --logs-tail; 0 reads no logs
  std::vector<std::string> rules;          // --rule, as typed
  bool noRecord = false;                   // --no-record: no PHR, no proposed operations
  operations::GovernanceFlags governance;  // --phr-repo, --phr-remote

  // Set by validate().
  aiops::collect::Target target;
  std::optional<std::chrono::seconds> since;
  unsigned needs = ~0U;  // what the selected rules' analyzers read
  std::set<std::string, std::less<>> disabledRules;

  WallTime now;             // the local clock; set by the front end
  std::string commandLine;  // the command as typed, recorded as the PHR's prompt; set by the front end
};

CLI::App* add(CLI::App& parent, Options& options);
// Parses the target, --since, --logs-tail and --rule; throws UsageError.
void validate(Options& options);
// 0 when nothing is wrong, 1 when there are findings. Unless --no-record, the run is recorded as a diagnosis
// PHR and every recommendation with a patch becomes a proposed operation (or points to the identical one
// already waiting); a journal that cannot be written is a warning, never a change of the exit status.
int run(const Options& options, kube::Client& client, Streams& streams);

// "web-1", "pod/web-1", "deploy/backend", "sts/db", "ds/agent", "job/backup" (and kubectl's other spellings
// of those kinds); throws UsageError for anything else.
aiops::collect::Target parseTarget(std::string_view text);
// A Go duration as kubectl's --since takes it ("30s", "15m", "2h", "1h30m"), rounded up to whole seconds;
// nullopt when malformed, without a unit, or not positive.
std::optional<std::chrono::seconds> parseSince(std::string_view text);
// Whether `text` is a label selector kubectl would accept ("app=web,tier!=cache", "env in (a,b)", "!canary").
bool validSelector(std::string_view text);

// What a run recorded: the diagnosis record and the operations waiting on its recommendations.
struct Recorded {
  std::string diagnosis;  // "diagnose-2026-11/0007"
  struct Pending {
    std::string operationId;
    bool existing = false;  // an identical change was already proposed or approved
  };
  std::vector<Pending> pending;
};
// "Recorded as PHR diagnose-2026-11/0007; pending: op-0003 (approve with: kubectl aiops approve op-0003
// --reason ...)".
std::string recordedLine(const Recorded& recorded);

// What was diagnosed, for people: "namespace shop", "Deployment shop/backend", "all namespaces".
std::string scopeText(const aiops::collect::Target& target, const std::string& namespace_,
                      bool allNamespaces);

// The renderings of a diagnosis for people (text for a terminal, Markdown for a ticket or a chat).
void printText(const aiops::diagnose::Diagnosis& diagnosis, const std::string& scope, std::ostream& out,
               bool colour);
void printMarkdown(const aiops::diagnose::Diagnosis& diagnosis, const std::string& scope, std::ostream& out);

}  // namespace aiops::plugin::diagnose

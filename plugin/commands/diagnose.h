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
#include "common.h"
#include "diagnose/diagnose.h"
#include "kube/client.h"

namespace aiops::plugin::diagnose {

struct Options {
  CommonOptions common;
  std::vector<std::string> targets;  // the positional argument(s), as typed
  std::string selector;              // -l
  std::string sinceText;             // --since, as typed
  std::int64_t logsTail = 200;       // --logs-tail; 0 reads no logs
  std::vector<std::string> rules;    // --rule, as typed

  // Set by validate().
  collect::Target target;
  std::optional<std::chrono::seconds> since;
  unsigned needs = ~0U;  // what the selected rules' analyzers read
  std::set<std::string, std::less<>> disabledRules;

  WallTime now;  // the local clock; set by the front end
};

CLI::App* add(CLI::App& parent, Options& options);
// Parses the target, --since, --logs-tail and --rule; throws UsageError.
void validate(Options& options);
// 0 when nothing is wrong, 1 when there are findings.
int run(const Options& options, kube::Client& client, Streams& streams);

// "web-1", "pod/web-1", "deploy/backend", "sts/db", "ds/agent", "job/backup" (and kubectl's other spellings
// of those kinds); throws UsageError for anything else.
collect::Target parseTarget(std::string_view text);
// A Go duration as kubectl's --since takes it ("30s", "15m", "2h", "1h30m"), rounded up to whole seconds;
// nullopt when malformed, without a unit, or not positive.
std::optional<std::chrono::seconds> parseSince(std::string_view text);
// Whether `text` is a label selector kubectl would accept ("app=web,tier!=cache", "env in (a,b)", "!canary").
bool validSelector(std::string_view text);

// What was diagnosed, for people: "namespace shop", "Deployment shop/backend", "all namespaces".
std::string scopeText(const collect::Target& target, const std::string& namespace_, bool allNamespaces);

// The renderings of a diagnosis for people (text for a terminal, Markdown for a ticket or a chat).
void printText(const aiops::diagnose::Diagnosis& diagnosis, const std::string& scope, std::ostream& out,
               bool colour);
void printMarkdown(const aiops::diagnose::Diagnosis& diagnosis, const std::string& scope, std::ostream& out);

}  // namespace aiops::plugin::diagnose

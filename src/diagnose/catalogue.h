// The diagnosis rule catalogue: every rule ID `diagnose` can emit, in ONE table.
//
// Each entry holds the stable ID ("AIOPS-D110"), a title, the default severity, the template of the
// one-sentence root cause, the rank that decides which of several concurrent causes is primary, and the
// runbook sections that `kubectl aiops runbook generate` writes. The same table feeds `--help`, the runbooks
// and docs/rules.md (a unit test fails when that page disagrees with it). IDs are never renumbered or
// reused; a retired rule keeps its entry.
//
// Families (the hundreds digit): D1 container runtime (exit codes, OOM, init containers, restarts), D2
// images, D3 container configuration, D4 scheduling, admission and eviction, D5 storage, D6 probes,
// D7 workloads and controllers, D8 Services and nodes, D9 log signatures.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/finding.h"

namespace aiops::diagnose {

struct Runbook {
  std::string_view what;                 // what the failure is, in two or three sentences
  std::vector<std::string_view> causes;  // its root-cause categories
  std::vector<std::string_view>
      confirm;                        // kubectl commands that confirm it (placeholders in <angle brackets>)
  std::vector<std::string_view> fix;  // step-by-step fix
  std::string_view recovery;          // expected recovery time once fixed
  std::vector<std::string_view> verify;    // how to verify the fix
  std::vector<std::string_view> rollback;  // how to roll the fix back
  std::vector<std::string_view> prevention;
};

struct Rule {
  std::string_view id;      // "AIOPS-D110"
  std::string_view slug;    // runbook id and file name: "oom-killed"
  std::string_view title;   // "Container OOMKilled"
  std::string_view family;  // "runtime", "image", "configuration", "scheduling", "storage", "probes",
                            // "workloads", "services", "nodes", "logs"
  model::Severity severity;
  // Lower is more fundamental: among concurrent causes for one workload the lowest rank is primary
  // (a node that is NotReady explains a crash loop, not the other way round).
  int rank;
  std::string_view message;  // root-cause template; {name} placeholders are filled by the analyzer
  Runbook runbook;
};

// Every rule, sorted by ID.
const std::vector<Rule>& catalogue();
// nullptr for an unknown ID.
const Rule* findRule(std::string_view id);
// The rule, or throws std::logic_error: analyzers name only IDs that exist (a unit test checks them all).
const Rule& rule(std::string_view id);

using Params = std::map<std::string, std::string, std::less<>>;

// Fills {name} placeholders from `params`. A placeholder without a value is left as written, so a missing
// parameter shows in the output (and fails the exact-text tests) instead of silently disappearing.
std::string renderTemplate(std::string_view text, const Params& params);
// The placeholder names a template uses, in order of first appearance.
std::vector<std::string> placeholders(std::string_view text);

}  // namespace aiops::diagnose

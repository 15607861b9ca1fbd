// Runbooks as Markdown: one page per rule of the catalogue, a few symptom pages, and the index.
//
// Pure rendering: no file system and no clock, so the same catalogue always gives the same bytes and the
// committed pages in operations/runbooks/ can be compared with what the generator writes.
//
// Rule runbooks come straight from the catalogue (catalogue.h), whose contract is "every rule ID diagnose
// can emit; each one emitted by an analyzer". Symptom runbooks are what a person starts from when they know
// what kubectl shows but not why: CrashLoopBackOff and ImagePullBackOff, which are states with many causes
// (one rule each), and high latency, which no rule detects because the evidence holds no request latency.
// They live here rather than in the catalogue, so that the catalogue stays a list of things diagnose reports.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "diagnose/catalogue.h"

namespace aiops::diagnose {

// One runbook page.
struct RunbookEntry {
  std::string_view slug;    // file name without ".md"; for a rule runbook, the rule's slug
  std::string_view title;   // page title
  std::string_view family;  // the rule's family, or "symptoms"
  const Runbook* runbook;   // the sections
  const Rule* rule;         // the rule it documents; nullptr for a symptom runbook
  // Symptom runbooks: the rules that name the cause, in ID order, and what diagnose says about the symptom.
  std::vector<const Rule*> related;
  std::string_view diagnoseNote;
};

// Every runbook: the symptom runbooks first, then one per rule in ID order. Slugs are unique.
const std::vector<RunbookEntry>& runbooks();

// The page's file name: "<slug>.md".
std::string runbookFileName(const RunbookEntry& entry);
// The index page's file name, "README.md".
inline constexpr std::string_view kRunbookIndexFile = "README.md";

// A family's heading in the index and on each page: "runtime" -> "Container runtime".
std::string_view familyTitle(std::string_view family);

struct RunbookSelection {
  std::vector<const RunbookEntry*> entries;  // in runbooks() order, each once
  std::optional<std::string> unknown;        // the first word that names no runbook
};

// Resolves CATEGORY words: a runbook slug ("oom-killed"), a rule ID ("AIOPS-D110", any case), a family
// ("runtime", "symptoms") or the reason kubectl shows ("OOMKilled", "CrashLoopBackOff", any case). No
// words selects every runbook.
RunbookSelection selectRunbooks(const std::vector<std::string>& words);
// Every word selectRunbooks accepts, for "did you mean" suggestions.
std::vector<std::string> runbookCategoryWords();

// The Markdown page of one runbook.
std::string renderRunbook(const RunbookEntry& entry);
// The index page listing `entries` (in runbooks() order), grouped by family, each linked to its file.
std::string renderRunbookIndex(const std::vector<const RunbookEntry*>& entries);

}  // namespace aiops::diagnose

// Internal to src/governance/: reading the journal's history (first-parent, root first) and the records its
// commits name. Shared by the queries (list, show, operations) and by verify.
#pragma once

#include <git2.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "governance/git.h"
#include "governance/record.h"

namespace aiops::governance::detail {

inline constexpr const char* kBranch = "refs/heads/main";

struct WalkedCommit {
  git_oid oid{};
  unsigned parents = 0;
  git_oid tree{};
  std::vector<std::pair<std::string, std::string>> trailers;
  std::string summary;  // the subject line
};

// The first-parent history of `head`, root first.
std::vector<WalkedCommit> walkFirstParent(git_repository* repo, const git_oid& head);

// The head of main, or nullopt for an empty journal.
std::optional<git_oid> mainHead(git_repository* repo);

struct RecordEntry {
  std::size_t commit = 0;  // index into the walked history
  std::string addedPath;   // where its commit put it
  std::string path;        // where it is now (after archive moves)
  git_oid blob{};
};

// The records the commits name in their Record/Record-Blob trailers, following Archived moves. Commits
// without those trailers are skipped (verify reports them); `skipped` receives their indexes.
std::vector<RecordEntry> recordEntries(const std::vector<WalkedCommit>& commits,
                                       std::vector<std::size_t>* skipped);

std::string readBlob(git_repository* repo, const git_oid& oid);

// Parses records[i] = bytes of paths[i] on all cores; a record that does not parse leaves its error (the
// RecordError text) in errors[i] instead. Parsing is pure, so this is safe; libgit2 is not touched.
void parseAll(const std::vector<const std::string*>& bytes, const std::vector<const std::string*>& paths,
              std::vector<Record>& records, std::vector<std::string>& errors);

// "history/prompts/<feature>/<file>" → {feature, file}; empty strings when the path has another shape.
std::pair<std::string, std::string> splitPromptPath(const std::string& path);

// An "Archived:" trailer value "<feature> -> <year>".
bool parseArchived(const std::string& value, std::string* feature, std::string* year);

}  // namespace aiops::governance::detail

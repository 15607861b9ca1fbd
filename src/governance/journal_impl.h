// Internal to src/governance/: the Journal's state, shared by journal.cpp (appends, queries, archive) and
// verify.cpp.
#pragma once

#include <git2.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "governance/git.h"
#include "governance/journal.h"

namespace aiops::governance::detail {

// flock(2) on a file: exclusive for writers, shared for readers that need a consistent head and anchor.
// Separate open() calls conflict even within one process, so threads with their own Journal are serialised.
class FileLock {
 public:
  FileLock(const std::filesystem::path& path, bool exclusive);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

// Writes `bytes` to a temporary file beside `path` and renames it into place (creating parent directories).
void writeFileAtomically(const std::filesystem::path& path, std::string_view bytes);

std::optional<Anchor> readAnchorFile(const std::filesystem::path& file);

// The head of main as an append sees it under the lock.
struct Snapshot {
  explicit Snapshot(git_repository* repository);

  git_repository* repo;
  std::optional<git_oid> head;
  git::Tree root, history, prompts, archive;  // null when absent
  std::string chainHead;                      // the last record's SHA-256 (64 zeros when empty)
  WallTime now{};

  std::uint64_t nextOperationNumber() const;
  // The directory of operation `id` under history/prompts/, if any.
  std::optional<std::string> operationDirectory(std::string_view operationId) const;
  bool archivedOperation(std::string_view operationId) const;

  struct Latest {
    std::uint64_t number = 0;
    std::string path;
    std::string bytes;
  };
  // The highest-numbered record of history/prompts/<feature>/.
  Latest latestIn(std::string_view feature) const;
};

WallTime floorSeconds(WallTime time);
// `text` on one line (line breaks become spaces, ends trimmed), or `fallback` when that leaves nothing.
std::string oneLine(std::string_view text, std::string_view fallback);
bool isOperationId(std::string_view id);
// "op-0042-raise-memory" → 42; 0 for other names.
std::uint64_t operationNumber(std::string_view feature);

// `base` (may be null) with each named entry set to its id, or removed when the id is null; the new tree's
// id.
git_oid writeTree(git_repository* repo, const git_tree* base,
                  const std::vector<std::pair<std::string, const git_oid*>>& changes, git_filemode_t mode);
// The author and committer of a step (authorFor) at `time`, UTC.
git::Signature signatureFor(const Identity& identity, WallTime time);

// Fills the prose of `r` (title, labels, files, tests, prompt, response, bullets) from its complete data and
// the caller's text.
void fillProse(Record& r, std::optional<Status> from, const StepText& text,
               const std::optional<Checkpoint>& checkpoint);
// The single choke point: redacts everything `r` says and recomputes the change and before-state hashes.
void redactRecord(Record& r, const std::vector<std::string>& scrub);

}  // namespace aiops::governance::detail

namespace aiops::governance {

struct Journal::Impl {
  explicit Impl(JournalOptions o);
  ~Impl();

  // What a step contributes; append fills time, actor, id, chain and prose, then redacts and commits.
  struct Prepared {
    Record record;
    std::string feature;
    std::optional<Status> from;
    StepText text;
    std::optional<Checkpoint> checkpoint;
  };
  using Prepare = std::function<Prepared(detail::Snapshot&)>;

  void open();
  detail::Snapshot snapshot();
  Appended append(const Identity& actor, const Prepare& prepare);
  // A standalone run record (diagnosis, report) in PREFIX-YYYY-MM/.
  Appended appendRun(RecordKind kind, const std::string& prefix, const DiagnosisRun& run,
                     const Identity& actor);
  // After main moved: the anchor, the working tree and index, and the push. Failures become warnings.
  // `written`: (path, bytes) to write and stage ("" bytes: only stage an existing file); `moved`: directory
  // renames (from, to).
  void afterCommit(const std::string& commit, const std::string& chainHead,
                   const std::vector<std::pair<std::string, std::string>>& written,
                   const std::vector<std::pair<std::string, std::string>>& moved,
                   std::vector<std::string>& warnings);
  // Pushes main to origin; the failure as text, or nullopt (also when there is no remote).
  std::optional<std::string> push();
  // remote.origin.url, or nullopt when there is none.
  std::optional<std::string> originUrl();

  JournalOptions options;
  std::filesystem::path gitDir;
  git::Repository repo;
};

}  // namespace aiops::governance

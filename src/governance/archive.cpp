// Retention: `archive` moves operations and diagnose months older than a year to history/archive/<year>/ in
// one commit. Whole directories move (their tree ids are reused), nothing is deleted, and verify follows the
// move through the commit's "Archived: <feature> -> <year>" trailers.
#include <fmt/format.h>

#include <map>

#include "governance/history.h"
#include "governance/journal_impl.h"

namespace aiops::governance {

using detail::floorSeconds;
using detail::kBranch;
using detail::operationNumber;
using detail::signatureFor;
using detail::writeTree;

ArchiveResult Journal::archive(const Identity& actor, std::chrono::seconds age) {
  if (actor.user.empty())
    throw JournalError(JournalError::Kind::Refused, "the acting identity has no user name");
  detail::FileLock lock(impl_->gitDir / "aiops.lock", /*exclusive=*/true);
  git_repository* repo = impl_->repo.get();
  for (int attempt = 0; attempt < 8; ++attempt) {
    ArchiveResult result;
    detail::Snapshot snap = impl_->snapshot();
    if (!snap.head || !snap.prompts) return result;
    const WallTime now = floorSeconds(impl_->options.now());
    const WallTime cutoff = now - age;
    std::map<std::string, std::vector<std::pair<std::string, git_oid>>> byYear;  // year → (feature, tree)
    std::vector<std::pair<std::string, std::string>> moved;                      // working-tree moves
    std::vector<std::pair<std::string, const git_oid*>> promptChanges;
    std::string trailers;
    for (std::size_t i = 0; i < git_tree_entrycount(snap.prompts.get()); ++i) {
      const git_tree_entry* entry = git_tree_entry_byindex(snap.prompts.get(), i);
      const std::string feature = git_tree_entry_name(entry);
      std::optional<std::string> year;
      const std::size_t monthAt = feature.starts_with("diagnose-")  ? 9
                                  : feature.starts_with("report-")  ? 7
                                  : feature.starts_with("rollout-") ? 8
                                                                    : 0;
      if (monthAt > 0 && feature.size() == monthAt + 7) {
        // The month ended (first day of the next month) before the cutoff.
        const int y = std::atoi(feature.substr(monthAt, 4).c_str());
        const int m = std::atoi(feature.substr(monthAt + 5, 2).c_str());
        const auto end = parseTimestamp(
            fmt::format("{:04d}-{:02d}-01T00:00:00Z", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1));
        if (end && *end <= cutoff) year = feature.substr(monthAt, 4);
      } else if (operationNumber(feature) > 0) {
        const auto latest = snap.latestIn(feature);
        if (latest.bytes.empty()) continue;
        try {
          const Record r = parseRecord(latest.bytes, latest.path);
          if (r.aiops.time < cutoff) year = formatDate(r.aiops.time).substr(0, 4);
        } catch (const RecordError& e) {
          throw JournalError(JournalError::Kind::Corrupt,
                             fmt::format("{}; run 'kubectl aiops phr verify'", e.what()));
        }
      }
      if (!year) continue;
      byYear[*year].emplace_back(feature, *git_tree_entry_id(entry));
      const git::Tree dir = git::subtree(repo, snap.prompts.get(), feature);
      result.records += git_tree_entrycount(dir.get());
      result.directories += 1;
      const std::string from = "history/prompts/" + feature;
      const std::string to = fmt::format("history/archive/{}/{}", *year, feature);
      moved.emplace_back(from, to);
      result.moved.push_back(from + " -> " + to);
      trailers += fmt::format("Archived: {} -> {}\n", feature, *year);
      promptChanges.emplace_back(feature, nullptr);
    }
    if (result.directories == 0) return result;

    const git_oid promptsOid = writeTree(repo, snap.prompts.get(), promptChanges, GIT_FILEMODE_TREE);
    git_tree* promptsRaw = nullptr;
    git::check(git_tree_lookup(&promptsRaw, repo, &promptsOid), "reading the new tree");
    const git::Tree newPrompts(promptsRaw);
    std::vector<std::pair<std::string, git_oid>> yearOids;
    for (const auto& [year, features] : byYear) {
      const git::Tree existing = git::subtree(repo, snap.archive.get(), year);
      std::vector<std::pair<std::string, const git_oid*>> changes;
      for (const auto& [feature, oid] : features) {
        if (existing && git_tree_entry_byname(existing.get(), feature.c_str()) != nullptr) {
          throw JournalError(
              JournalError::Kind::Corrupt,
              fmt::format("history/archive/{}/{} already exists; run 'kubectl aiops phr verify'", year,
                          feature));
        }
        changes.emplace_back(feature, &oid);
      }
      yearOids.emplace_back(year, writeTree(repo, existing.get(), changes, GIT_FILEMODE_TREE));
    }
    std::vector<std::pair<std::string, const git_oid*>> archiveChanges;
    for (const auto& [year, oid] : yearOids)
      archiveChanges.emplace_back(year, &oid);
    const git_oid archiveOid = writeTree(repo, snap.archive.get(), archiveChanges, GIT_FILEMODE_TREE);
    std::vector<std::pair<std::string, const git_oid*>> historyChanges{{"archive", &archiveOid}};
    if (git_tree_entrycount(newPrompts.get()) == 0) {
      historyChanges.emplace_back("prompts", nullptr);  // git keeps no empty directories
    } else {
      historyChanges.emplace_back("prompts", &promptsOid);
    }
    const git_oid historyOid = writeTree(repo, snap.history.get(), historyChanges, GIT_FILEMODE_TREE);
    const git_oid rootOid = writeTree(repo, snap.root.get(), {{"history", &historyOid}}, GIT_FILEMODE_TREE);

    git_tree* rootRaw = nullptr;
    git::check(git_tree_lookup(&rootRaw, repo, &rootOid), "reading the new tree");
    git::Tree root(rootRaw);
    git_commit* parentRaw = nullptr;
    git::check(git_commit_lookup(&parentRaw, repo, &*snap.head), "reading the head commit");
    git::Commit parent(parentRaw);
    const git_commit* parents[] = {parent.get()};
    const git::Signature signature = signatureFor(actor, now);
    const std::string message = fmt::format(
        "archive: {} directories ({} records) older than {}\n\nRecords are moved, never deleted; "
        "verify follows the move.\n\n{}Chain-Head: {}\nRecorded-by: {}\n",
        result.directories, result.records, formatDate(cutoff), trailers, snap.chainHead, actor.user);
    git_oid commitOid;
    git::check(git_commit_create(&commitOid, repo, nullptr, signature.get(), signature.get(), "UTF-8",
                                 message.c_str(), root.get(), 1, parents),
               "writing the archive commit");
    git_reference* refRaw = nullptr;
    const int rc =
        git_reference_create_matching(&refRaw, repo, kBranch, &commitOid, 1, &*snap.head, "aiops: archive");
    git::Reference ref(refRaw);
    if (rc == GIT_EMODIFIED || rc == GIT_ELOCKED) continue;
    git::check(rc, "moving refs/heads/main");
    result.commit = git::toHex(commitOid);

    std::vector<std::pair<std::string, std::string>> added;  // index entries for the moved files
    for (const auto& [from, to] : moved) {
      const git::Tree old = git::subtree(repo, snap.prompts.get(), to.substr(to.find_last_of('/') + 1));
      for (std::size_t i = 0; old && i < git_tree_entrycount(old.get()); ++i)
        added.emplace_back(to + "/" + git_tree_entry_name(git_tree_entry_byindex(old.get(), i)),
                           std::string());
    }
    impl_->afterCommit(result.commit, snap.chainHead, added, moved, result.warnings);
    return result;
  }
  throw JournalError(JournalError::Kind::Io,
                     "refs/heads/main kept moving while archiving; nothing was archived");
}

}  // namespace aiops::governance

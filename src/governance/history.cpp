// Walking the journal's first-parent history and mapping commits to the records they added.
#include "governance/history.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>

namespace aiops::governance::detail {

std::optional<git_oid> mainHead(git_repository* repo) {
  git_reference* raw = nullptr;
  const int rc = git_reference_lookup(&raw, repo, kBranch);
  if (rc == GIT_ENOTFOUND) return std::nullopt;
  git::check(rc, "reading refs/heads/main");
  git::Reference ref(raw);
  git_reference* resolvedRaw = nullptr;
  git::check(git_reference_resolve(&resolvedRaw, ref.get()), "resolving refs/heads/main");
  git::Reference resolved(resolvedRaw);
  return *git_reference_target(resolved.get());
}

std::vector<WalkedCommit> walkFirstParent(git_repository* repo, const git_oid& head) {
  std::vector<WalkedCommit> out;
  git_oid current = head;
  while (true) {
    git_commit* raw = nullptr;
    git::check(git_commit_lookup(&raw, repo, &current),
               fmt::format("reading commit {}", git::toHex(current)));
    git::Commit commit(raw);
    WalkedCommit walked;
    walked.oid = current;
    walked.parents = git_commit_parentcount(commit.get());
    walked.tree = *git_commit_tree_id(commit.get());
    walked.trailers = git::trailers(git_commit_message(commit.get()));
    const char* summary = git_commit_summary(commit.get());
    walked.summary = summary != nullptr ? summary : "";
    out.push_back(std::move(walked));
    if (git_commit_parentcount(commit.get()) == 0) break;
    current = *git_commit_parent_id(commit.get(), 0);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::pair<std::string, std::string> splitPromptPath(const std::string& path) {
  constexpr std::string_view prefix = "history/prompts/";
  if (!path.starts_with(prefix)) return {};
  const std::string rest = path.substr(prefix.size());
  const auto slash = rest.find('/');
  if (slash == std::string::npos || slash == 0 || rest.find('/', slash + 1) != std::string::npos) return {};
  return {rest.substr(0, slash), rest.substr(slash + 1)};
}

bool parseArchived(const std::string& value, std::string* feature, std::string* year) {
  const auto arrow = value.find(" -> ");
  if (arrow == std::string::npos) return false;
  *feature = value.substr(0, arrow);
  *year = value.substr(arrow + 4);
  return !feature->empty() && year->size() == 4 &&
         std::all_of(year->begin(), year->end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<RecordEntry> recordEntries(const std::vector<WalkedCommit>& commits,
                                       std::vector<std::size_t>* skipped) {
  std::vector<RecordEntry> out;
  std::map<std::string, std::vector<std::size_t>> byFeature;  // feature → indexes into out
  for (std::size_t i = 0; i < commits.size(); ++i) {
    const auto& trailers = commits[i].trailers;
    bool archive = false;
    for (const auto& [key, value] : trailers) {
      if (key != "Archived") continue;
      archive = true;
      std::string feature, year;
      if (!parseArchived(value, &feature, &year)) continue;
      for (std::size_t index : byFeature[feature]) {
        out[index].path = fmt::format("history/archive/{}/{}/{}", year, feature,
                                      splitPromptPath(out[index].addedPath).second);
      }
    }
    if (archive) continue;
    const auto path = git::trailer(trailers, "Record");
    const auto blobHex = git::trailer(trailers, "Record-Blob");
    const auto blob = blobHex ? git::fromHex(*blobHex) : std::nullopt;
    if (!path || !blob) {
      if (skipped != nullptr) skipped->push_back(i);
      continue;
    }
    RecordEntry entry;
    entry.commit = i;
    entry.addedPath = *path;
    entry.path = *path;
    entry.blob = *blob;
    byFeature[splitPromptPath(*path).first].push_back(out.size());
    out.push_back(std::move(entry));
  }
  return out;
}

std::string readBlob(git_repository* repo, const git_oid& oid) {
  git_blob* raw = nullptr;
  git::check(git_blob_lookup(&raw, repo, &oid), fmt::format("reading record blob {}", git::toHex(oid)));
  git::Blob blob(raw);
  return std::string(static_cast<const char*>(git_blob_rawcontent(blob.get())),
                     static_cast<std::size_t>(git_blob_rawsize(blob.get())));
}

void parseAll(const std::vector<const std::string*>& bytes, const std::vector<const std::string*>& paths,
              std::vector<Record>& records, std::vector<std::string>& errors) {
  const std::size_t n = bytes.size();
  records.assign(n, Record{});
  errors.assign(n, std::string());
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    for (std::size_t i = next++; i < n; i = next++) {
      try {
        records[i] = parseRecord(*bytes[i], *paths[i]);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    }
  };
  const std::size_t workers = std::min<std::size_t>(std::max(1u, std::thread::hardware_concurrency()), 8);
  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < workers && t < n; ++t)
    threads.emplace_back(work);
  work();
  for (auto& thread : threads)
    thread.join();
}

}  // namespace aiops::governance::detail

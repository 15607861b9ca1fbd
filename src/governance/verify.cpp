// `verify`: replays the journal's history and names the first bad record.
//
// Why a model of the expected tree: the brief rule "each commit adds exactly one record and changes nothing
// else" could be checked by diffing every commit with its parent, but that reads every tree of every commit
// (quadratic in the journal's size). Instead we keep the tree the history *should* have in memory, add the
// one record each commit names in its trailers, hash the changed directories the way git does, and compare
// with the commit's tree id. Equal ids mean the commit is exactly "parent + that record"; only a commit that
// fails the comparison is diffed, to say what it changed. The same comparison at the head proves the head
// tree holds exactly the records the history added, byte for byte.
#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <unordered_map>

#include "governance/canonical.h"
#include "governance/history.h"
#include "governance/journal_impl.h"

namespace aiops::governance {

namespace fs = std::filesystem;

namespace {

// ---- the expected tree ------------------------------------------------------------------------------------

// A git object id: SHA-1 of "<type> <size>\0<content>". OpenSSL's SHA-1 is several times faster than the
// collision-detecting one libgit2 uses, and verify only compares ids git already computed.
git_oid objectId(std::string_view type, std::string_view content) {
  const std::string header = std::string(type) + " " + std::to_string(content.size()) + std::string(1, '\0');
  git_oid oid{};
  unsigned int length = 0;
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  EVP_DigestInit_ex(context, EVP_sha1(), nullptr);
  EVP_DigestUpdate(context, header.data(), header.size());
  EVP_DigestUpdate(context, content.data(), content.size());
  EVP_DigestFinal_ex(context, oid.id, &length);
  EVP_MD_CTX_free(context);
  return oid;
}

struct Dir;
struct Entry {
  std::string name;
  bool isDir = false;
  git_oid oid{};              // files
  std::unique_ptr<Dir> dir;   // directories
  std::size_t oidOffset = 0;  // where its id sits in the parent's serialised body
};
struct Dir {
  std::map<std::string, Entry> entries;  // keyed by git's sort key: directories compare as "name/"
  bool dirty = true;                     // the id must be recomputed
  bool bodyValid = false;                // `body` has these entries; only child ids may have changed
  std::string body;                      // the tree object's content
  git_oid oid{};
};

std::string sortKey(const std::string& name, bool isDir) {
  return isDir ? name + "/" : name;
}

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream in(path);
  for (std::string part; std::getline(in, part, '/');)
    parts.push_back(part);
  return parts;
}

class TreeModel {
 public:
  bool hasFile(const std::string& path) const {
    const auto parts = splitPath(path);
    const Dir* dir = &root_;
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      const auto it = dir->entries.find(sortKey(parts[i], true));
      if (it == dir->entries.end()) return false;
      dir = it->second.dir.get();
    }
    return dir->entries.count(sortKey(parts.back(), false)) > 0;
  }

  void addFile(const std::string& path, const git_oid& oid) {
    const auto parts = splitPath(path);
    Dir* dir = walk(parts, parts.size() - 1, /*create=*/true);
    Entry entry;
    entry.name = parts.back();
    entry.oid = oid;
    dir->entries[sortKey(entry.name, false)] = std::move(entry);
    dir->bodyValid = false;
  }

  // Moves directory `from` to `to`; false when `from` is missing or `to` exists.
  bool moveDir(const std::string& from, const std::string& to) {
    const auto fromParts = splitPath(from);
    const auto toParts = splitPath(to);
    Dir* fromParent = walk(fromParts, fromParts.size() - 1, /*create=*/false);
    if (fromParent == nullptr) return false;
    const auto it = fromParent->entries.find(sortKey(fromParts.back(), true));
    if (it == fromParent->entries.end()) return false;
    Entry moved = std::move(it->second);
    fromParent->entries.erase(it);
    fromParent->bodyValid = false;
    prune(fromParts);
    Dir* toParent = walk(toParts, toParts.size() - 1, /*create=*/true);
    const std::string key = sortKey(toParts.back(), true);
    if (toParent->entries.count(key) > 0) return false;
    moved.name = toParts.back();
    toParent->entries[key] = std::move(moved);
    toParent->bodyValid = false;
    return true;
  }

  git_oid rootId() { return hash(root_); }

  // Every file with its path, for the working-tree comparison.
  void files(std::vector<std::pair<std::string, git_oid>>& out) const { collect(root_, "", out); }

 private:
  // The directory holding parts[0..count), marking the way dirty; nullptr when absent and !create.
  Dir* walk(const std::vector<std::string>& parts, std::size_t count, bool create) {
    Dir* dir = &root_;
    dir->dirty = true;
    for (std::size_t i = 0; i < count; ++i) {
      const std::string key = sortKey(parts[i], true);
      auto it = dir->entries.find(key);
      if (it == dir->entries.end()) {
        if (!create) return nullptr;
        Entry entry;
        entry.name = parts[i];
        entry.isDir = true;
        entry.dir = std::make_unique<Dir>();
        it = dir->entries.emplace(key, std::move(entry)).first;
        dir->bodyValid = false;
      }
      dir = it->second.dir.get();
      dir->dirty = true;
    }
    return dir;
  }

  // Removes directories left empty along `parts` (git stores no empty trees).
  void prune(const std::vector<std::string>& parts) {
    for (std::size_t depth = parts.size() - 1; depth > 0; --depth) {
      Dir* parent = walk(parts, depth - 1, /*create=*/false);
      if (parent == nullptr) return;
      const auto it = parent->entries.find(sortKey(parts[depth - 1], true));
      if (it == parent->entries.end() || !it->second.dir->entries.empty()) return;
      parent->entries.erase(it);
      parent->bodyValid = false;
    }
  }

  // The tree id of `dir`. The serialised body is kept between calls: when only child ids changed (one record
  // added below), they are patched in place, so a commit costs one SHA-1 per changed directory rather than
  // re-serialising every entry of history/prompts/.
  static git_oid hash(Dir& dir) {
    if (!dir.dirty) return dir.oid;
    if (!dir.bodyValid) {
      dir.body.clear();
      dir.body.reserve(dir.entries.size() * 80);
      for (auto& [key, entry] : dir.entries) {
        const git_oid oid = entry.isDir ? hash(*entry.dir) : entry.oid;
        dir.body += entry.isDir ? "40000 " : "100644 ";
        dir.body += entry.name;
        dir.body += '\0';
        entry.oidOffset = dir.body.size();
        dir.body.append(reinterpret_cast<const char*>(oid.id), GIT_OID_RAWSZ);
      }
      dir.bodyValid = true;
    } else {
      for (auto& [key, entry] : dir.entries) {
        if (!entry.isDir || !entry.dir->dirty) continue;
        const git_oid oid = hash(*entry.dir);
        std::copy(oid.id, oid.id + GIT_OID_RAWSZ,
                  dir.body.begin() + static_cast<std::ptrdiff_t>(entry.oidOffset));
      }
    }
    dir.oid = objectId("tree", dir.body);
    dir.dirty = false;
    return dir.oid;
  }

  static void collect(const Dir& dir, const std::string& prefix,
                      std::vector<std::pair<std::string, git_oid>>& out) {
    for (const auto& [key, entry] : dir.entries) {
      const std::string path = prefix.empty() ? entry.name : prefix + "/" + entry.name;
      if (entry.isDir) {
        collect(*entry.dir, path, out);
      } else {
        out.emplace_back(path, entry.oid);
      }
    }
  }

  Dir root_;
};

// ---- findings ---------------------------------------------------------------------------------------------

// A problem and where it sits in history: the add-commit of the record it names (or the commit it was found
// at). The smallest position is the first bad record.
struct Candidate {
  std::size_t position = 0;
  Problem problem;
};

struct Rec {
  std::size_t commit = 0;
  std::string addedPath;
  std::string path;
  git_oid blob{};
  std::string bytes;
  std::string sha;
};

std::string shortId(const git_oid& oid) {
  return git::toHex(oid).substr(0, 12);
}

struct Verifier {
  git_repository* repo;
  const std::vector<detail::WalkedCommit>& commits;
  std::vector<Rec> recs;
  std::unordered_map<std::string, std::size_t> recordAt;  // current path → index into recs
  std::optional<Candidate> best;

  void consider(std::size_t position, ProblemKind kind, std::string path, const git_oid& commit,
                std::string message) {
    if (best && best->position <= position) return;
    best = Candidate{position, Problem{kind, std::move(path), git::toHex(commit), std::move(message)}};
  }

  // A commit whose tree is not "parent + the record it names": says what it changed.
  void describe(std::size_t index, const std::string& why) {
    const auto& commit = commits[index];
    const std::string subject =
        commit.summary.size() > 60 ? commit.summary.substr(0, 57) + "..." : commit.summary;
    const std::string by = fmt::format("commit {} (\"{}\"){}", shortId(commit.oid), subject, why);
    git_tree* newRaw = nullptr;
    git_tree* oldRaw = nullptr;
    git::check(git_tree_lookup(&newRaw, repo, &commit.tree), "reading a commit's tree");
    git::Tree newTree(newRaw);
    if (index > 0)
      git::check(git_tree_lookup(&oldRaw, repo, &commits[index - 1].tree), "reading a commit's tree");
    git::Tree oldTree(oldRaw);
    git_diff* diffRaw = nullptr;
    git_diff_options options = GIT_DIFF_OPTIONS_INIT;
    git::check(git_diff_tree_to_tree(&diffRaw, repo, oldTree.get(), newTree.get(), &options),
               "comparing trees");
    git::Diff diff(diffRaw);
    std::optional<std::pair<std::size_t, Problem>> named;  // the earliest record it touched
    std::optional<Problem> extra;
    const auto expected = git::trailer(commit.trailers, "Record");
    for (std::size_t i = 0; i < git_diff_num_deltas(diff.get()); ++i) {
      const git_diff_delta* delta = git_diff_get_delta(diff.get(), i);
      const std::string oldPath = delta->old_file.path != nullptr ? delta->old_file.path : "";
      const std::string newPath = delta->new_file.path != nullptr ? delta->new_file.path : "";
      const auto known = recordAt.find(oldPath);
      if (delta->status == GIT_DELTA_DELETED || delta->status == GIT_DELTA_MODIFIED ||
          delta->status == GIT_DELTA_TYPECHANGE) {
        if (known == recordAt.end()) continue;
        const bool deleted = delta->status == GIT_DELTA_DELETED;
        Problem p{deleted ? ProblemKind::Deleted : ProblemKind::Edited, oldPath, git::toHex(commit.oid),
                  fmt::format("{} by {}; the journal never {} a record", deleted ? "deleted" : "edited", by,
                              deleted ? "deletes" : "changes")};
        if (!named || known->second < named->first) named = std::pair{known->second, p};
      } else if (delta->status == GIT_DELTA_ADDED && (!expected || newPath != *expected) && !extra) {
        extra = Problem{ProblemKind::ForeignCommit, newPath, git::toHex(commit.oid),
                        fmt::format("added by {}; it is not the one record the commit names", by)};
      } else if (delta->status == GIT_DELTA_ADDED && expected && newPath == *expected && !extra) {
        const auto blob = git::fromHex(git::trailer(commit.trailers, "Record-Blob").value_or(""));
        if (blob && !git_oid_equal(&*blob, &delta->new_file.id)) {
          extra =
              Problem{ProblemKind::Edited, newPath, git::toHex(commit.oid),
                      fmt::format("its content in {} is not the blob the commit names (Record-Blob); it was "
                                  "changed when the history was rewritten",
                                  by)};
        }
      }
    }
    if (named) {
      consider(recs[named->first].commit, named->second.kind, named->second.path, commit.oid,
               named->second.message);
    } else if (extra) {
      consider(index, extra->kind, extra->path, commit.oid, extra->message);
    } else {
      consider(index, ProblemKind::ForeignCommit, expected.value_or(""), commit.oid,
               fmt::format("{}; its tree is not its parent's plus the record it names", by));
    }
  }
};

}  // namespace

VerifyReport Journal::verify(const VerifyOptions& options) {
  VerifyReport report;
  report.chainHead = std::string(kZeroSha256);
  git_repository* repo = impl_->repo.get();
  std::optional<git_oid> head;
  std::optional<Anchor> fileAnchor;
  {
    detail::FileLock lock(impl_->gitDir / "aiops.lock", /*exclusive=*/false);  // head and anchor agree
    head = detail::mainHead(repo);
    fileAnchor = detail::readAnchorFile(impl_->gitDir / "aiops-anchor");
  }
  if (!fileAnchor)
    report.notes.push_back(
        "no anchor yet (.git/aiops-anchor): a rewritten history can only be detected against an --anchor");
  if (!head) {
    if (fileAnchor) {
      report.problem = Problem{
          ProblemKind::Rewritten, "", fileAnchor->commit,
          fmt::format("the journal is empty, but its anchor names commit {}: every record was removed",
                      fileAnchor->commit.substr(0, 12))};
    }
    return report;
  }
  const auto commits = detail::walkFirstParent(repo, *head);
  report.head = git::toHex(*head);
  report.commits = commits.size();

  Verifier v{repo, commits, {}, {}, {}};
  TreeModel model;
  std::size_t walked = commits.size();  // commits before the first structural problem
  for (std::size_t i = 0; i < commits.size(); ++i) {
    const auto& c = commits[i];
    if (i > 0 && c.parents > 1) {
      v.consider(i, ProblemKind::ForeignCommit, "", c.oid,
                 fmt::format("commit {} is a merge; the journal's history is linear", shortId(c.oid)));
      walked = i;
      break;
    }
    std::vector<std::pair<std::string, std::string>> moves;
    bool archive = false;
    bool malformed = false;
    for (const auto& [key, value] : c.trailers) {
      if (key != "Archived") continue;
      archive = true;
      std::string feature, year;
      if (!detail::parseArchived(value, &feature, &year)) {
        malformed = true;
        continue;
      }
      moves.emplace_back("history/prompts/" + feature, fmt::format("history/archive/{}/{}", year, feature));
    }
    if (archive) {
      bool ok = !malformed;
      for (const auto& [from, to] : moves) {
        if (!ok || !model.moveDir(from, to)) {
          ok = false;
          break;
        }
        for (auto& rec : v.recs) {
          if (rec.path.starts_with(from + "/")) {
            v.recordAt.erase(rec.path);
            rec.path = to + rec.path.substr(from.size());
            v.recordAt[rec.path] = static_cast<std::size_t>(&rec - v.recs.data());
          }
        }
      }
      const git_oid expected = model.rootId();
      if (!ok || !git_oid_equal(&expected, &c.tree)) {
        v.describe(i, ", an archive commit");
        walked = i;
        break;
      }
      // The next append chains onto this commit's Chain-Head, so it must name the last record.
      const std::string chainHead = v.recs.empty() ? std::string(kZeroSha256) : v.recs.back().sha;
      if (git::trailer(c.trailers, "Chain-Head") != chainHead) {
        v.consider(i, ProblemKind::ForeignCommit, "", c.oid,
                   fmt::format("archive commit {} names a Chain-Head that is not the last record's",
                               shortId(c.oid)));
        walked = i;
        break;
      }
      continue;
    }
    const auto path = git::trailer(c.trailers, "Record");
    const auto blobHex = git::trailer(c.trailers, "Record-Blob");
    const auto blob = blobHex ? git::fromHex(*blobHex) : std::nullopt;
    if (!path || !blob) {
      v.describe(i, ", which the journal did not write (it has no Record and Record-Blob trailers)");
      walked = i;
      break;
    }
    const auto [feature, file] = detail::splitPromptPath(*path);
    if (feature.empty() || !parseRecordFileName(file) || model.hasFile(*path)) {
      v.describe(i, "");
      walked = i;
      break;
    }
    model.addFile(*path, *blob);
    const git_oid expected = model.rootId();
    if (!git_oid_equal(&expected, &c.tree)) {
      v.describe(i, "");
      walked = i;
      break;
    }
    Rec rec;
    rec.commit = i;
    rec.addedPath = *path;
    rec.path = *path;
    rec.blob = *blob;
    rec.bytes = detail::readBlob(repo, *blob);
    rec.sha = sha256Hex(rec.bytes);
    v.recordAt[rec.path] = v.recs.size();
    v.recs.push_back(std::move(rec));
  }

  // Pass 2: the records themselves, in journal order.
  std::unordered_map<std::string, std::size_t> bySha;
  for (std::size_t k = 0; k < v.recs.size(); ++k)
    bySha.emplace(v.recs[k].sha, k);
  struct OperationState {
    Status status;
    Record last;
    std::string feature;
    std::uint64_t lastNumber = 0;
  };
  std::map<std::string, OperationState> operations;
  std::map<std::string, std::uint64_t> diagnoseNumbers;
  std::string previous(kZeroSha256);
  constexpr std::size_t kBatch = 512;  // parsed in parallel, then checked in order; bounds memory
  std::vector<Record> parsed;
  std::vector<std::string> parseErrors;
  for (std::size_t k = 0; k < v.recs.size(); ++k) {
    if (k % kBatch == 0) {
      std::vector<const std::string*> bytes, paths;
      for (std::size_t j = k; j < std::min(k + kBatch, v.recs.size()); ++j) {
        bytes.push_back(&v.recs[j].bytes);
        paths.push_back(&v.recs[j].path);
      }
      detail::parseAll(bytes, paths, parsed, parseErrors);
    }
    const Rec& rec = v.recs[k];
    const auto& commit = commits[rec.commit];
    if (v.best && v.best->position <= rec.commit) break;
    const auto fail = [&](ProblemKind kind, std::string message) {
      v.consider(rec.commit, kind, rec.path, commit.oid, std::move(message));
    };
    if (!parseErrors[k % kBatch].empty()) {
      fail(ProblemKind::Unparseable, parseErrors[k % kBatch]);
      break;
    }
    Record r = std::move(parsed[k % kBatch]);
    const OperationData& a = r.aiops;
    if (git::trailer(commit.trailers, "Chain-Head") != rec.sha) {
      fail(ProblemKind::Edited,
           fmt::format(
               "its bytes do not hash to the Chain-Head its commit {} recorded: it was changed when the "
               "history was rewritten",
               shortId(commit.oid)));
      break;
    }
    if (git::trailer(commit.trailers, "Operation-Id").value_or("") != a.operationId ||
        git::trailer(commit.trailers, "Status").value_or("") != (a.status ? toString(*a.status) : "")) {
      fail(ProblemKind::ForeignCommit,
           fmt::format("the Operation-Id/Status trailers of commit {} disagree with the record",
                       shortId(commit.oid)));
      break;
    }
    const auto [feature, file] = detail::splitPromptPath(rec.addedPath);
    const auto name = parseRecordFileName(file);
    if (!name || name->id != r.header.id || name->stage != r.header.stage || r.header.feature != feature ||
        name->slug != slugify(r.header.title)) {
      fail(ProblemKind::ForeignCommit,
           "its file name does not match its front matter (id, title, stage or feature)");
      break;
    }
    if (a.prevRecordSha256 != previous) {
      const auto named = bySha.find(a.prevRecordSha256);
      if (named == bySha.end()) {
        fail(ProblemKind::ChainBroken,
             k == 0
                 ? std::string(
                       "it is the first record but names a predecessor: the records before it were removed")
                 : fmt::format(
                       "its prevRecordSha256 names no record in the journal: the record before it ({}) was "
                       "edited, or a record between them was removed",
                       v.recs[k - 1].path));
      } else if (named->second > k) {
        fail(ProblemKind::Reordered,
             fmt::format(
                 "it names {} as its predecessor, which comes after it in history: records were reordered",
                 v.recs[named->second].path));
      } else if (k > 0 && named->second + 1 < k) {
        const Rec& before = v.recs[k - 1];
        v.consider(before.commit, ProblemKind::Inserted, before.path, commits[before.commit].oid,
                   fmt::format("it is not in the chain: {} follows {} directly", rec.path,
                               v.recs[named->second].path));
      } else {
        fail(ProblemKind::ChainBroken, "its prevRecordSha256 does not name the record before it");
      }
      break;
    }
    previous = rec.sha;
    report.chainHead = rec.sha;
    // The lifecycle, replayed.
    if (isStandalone(a.record)) {
      const std::string prefix(standalonePrefix(a.record));
      if (!feature.starts_with(prefix)) {
        fail(ProblemKind::IllegalLifecycle,
             fmt::format("a {} record outside a {}YYYY-MM directory", toString(a.record), prefix));
        break;
      }
      auto& last = diagnoseNumbers[feature];
      if (name->number != last + 1) {
        fail(ProblemKind::Reordered, fmt::format("its id {} is out of order in {} (expected {})", name->id,
                                                 feature, formatId(last + 1)));
        break;
      }
      last = name->number;
      continue;
    }
    const auto it = operations.find(a.operationId);
    const std::optional<Status> from =
        it == operations.end() ? std::nullopt : std::optional<Status>(it->second.status);
    if (auto error = transitionError(a.operationId, from, a.record, a.status)) {
      fail(ProblemKind::IllegalLifecycle, *error);
      break;
    }
    const std::uint64_t expectedNumber = it == operations.end() ? 1 : it->second.lastNumber + 1;
    if (name->number != expectedNumber || (it == operations.end() ? !feature.starts_with(a.operationId + "-")
                                                                  : feature != it->second.feature)) {
      fail(ProblemKind::Reordered,
           fmt::format("it is not record {} of {} in {}", formatId(expectedNumber), a.operationId,
                       it == operations.end() ? feature : it->second.feature));
      break;
    }
    if (it != operations.end()) {
      const OperationData& p = it->second.last.aiops;
      std::string altered;
      if (a.target != p.target)
        altered = "target";
      else if (a.risk != p.risk)
        altered = "risk";
      else if (p.requestedAt && (a.requestedAt != p.requestedAt || a.requestedBy != p.requestedBy))
        altered = "requester";  // absent -> present is allowed: records older than the key lack it
      else if (a.summary != p.summary || a.rationale != p.rationale || a.action != p.action ||
               a.source != p.source)
        altered = "summary, rationale, action or source";
      else if (a.evidence != p.evidence)
        altered = "evidence";
      else if (a.change != p.change || a.changeSha256 != p.changeSha256)
        altered = "change";
      else if (a.before != p.before || a.beforeSha256 != p.beforeSha256)
        altered = "before-state";
      else if (a.rollback != p.rollback)
        altered = "rollback";
      else if (a.approvals.size() < p.approvals.size() ||
               !std::equal(p.approvals.begin(), p.approvals.end(), a.approvals.begin()))
        altered = "earlier approvals";
      else if (a.checkpoints.size() < p.checkpoints.size() ||
               !std::equal(p.checkpoints.begin(), p.checkpoints.end(), a.checkpoints.begin()))
        altered = "earlier checkpoints";
      if (!altered.empty()) {
        fail(ProblemKind::IllegalLifecycle,
             fmt::format("it changes the {} of {}, which no later step may alter", altered, a.operationId));
        break;
      }
      for (std::size_t n = p.approvals.size(); n < a.approvals.size(); ++n) {
        if (a.approvals[n].changeSha256 != a.changeSha256) altered = "approval";
      }
      if (!altered.empty()) {
        fail(ProblemKind::IllegalLifecycle,
             fmt::format("its approval is for another change than {}'s", a.operationId));
        break;
      }
    }
    const std::string operationId = a.operationId;  // `a` is part of `r`, which moves below
    const Status status = *a.status;
    operations.insert_or_assign(operationId, OperationState{status, std::move(r), feature, name->number});
  }
  report.records = v.recs.size();

  // Anchors: the head recorded at the last append, and any the caller published elsewhere.
  std::vector<std::pair<Anchor, std::string>> anchors;
  if (fileAnchor) anchors.emplace_back(*fileAnchor, ".git/aiops-anchor");
  if (options.anchor) anchors.emplace_back(*options.anchor, "--anchor");
  for (const auto& [anchor, source] : anchors) {
    report.anchorsChecked.push_back(anchor);
    const auto anchorOid = git::fromHex(anchor.commit);
    std::size_t index = commits.size();
    for (std::size_t i = 0; anchorOid && i < commits.size(); ++i) {
      if (git_oid_equal(&commits[i].oid, &*anchorOid)) index = i;
    }
    if (index < commits.size()) {
      std::string chainAt(kZeroSha256);
      for (const auto& rec : v.recs) {
        if (rec.commit <= index) chainAt = rec.sha;
      }
      const bool known = index < walked;  // past a structural problem the chain is not known
      if (known && chainAt != anchor.chainHead) {
        v.consider(
            index, ProblemKind::Rewritten, "", commits[index].oid,
            fmt::format("the chain head at anchor commit {} ({}) is {}, not the {} recorded: records were "
                        "rewritten",
                        anchor.commit.substr(0, 12), source, chainAt.substr(0, 12),
                        anchor.chainHead.substr(0, 12)));
      }
      continue;
    }
    // The anchored head is not in main's history: find where the two histories part.
    std::vector<detail::WalkedCommit> anchored;
    if (anchorOid) {
      try {
        anchored = detail::walkFirstParent(repo, *anchorOid);
      } catch (const JournalError&) {
        anchored.clear();
      }
    }
    if (anchored.empty()) {
      v.consider(
          commits.size(), ProblemKind::Rewritten, "", *head,
          fmt::format("anchor commit {} ({}) is not in the history of main and no longer exists: the history "
                      "was rewritten",
                      anchor.commit.substr(0, 12), source));
      continue;
    }
    std::size_t d = 0;
    while (d < anchored.size() && d < commits.size() && git_oid_equal(&anchored[d].oid, &commits[d].oid))
      ++d;
    if (d < commits.size()) {
      const std::string path = git::trailer(commits[d].trailers, "Record").value_or("");
      const auto at = v.recordAt.find(path);
      v.consider(
          d, ProblemKind::Rewritten, at != v.recordAt.end() ? v.recs[at->second].path : path, commits[d].oid,
          fmt::format(
              "the history was rewritten from here: commit {} is not commit {} of the history anchored "
              "at {} ({})",
              shortId(commits[d].oid), shortId(anchored[d].oid), anchor.commit.substr(0, 12), source));
    } else {
      const std::string path = git::trailer(anchored[d].trailers, "Record").value_or("");
      v.consider(
          d, ProblemKind::Deleted, path, anchored[d].oid,
          fmt::format("removed from history: the history anchored at {} ({}) has it in commit {}, main no "
                      "longer does",
                      anchor.commit.substr(0, 12), source, shortId(anchored[d].oid)));
    }
  }

  // The checked-out files, when everything committed is sound.
  const char* workdir = git_repository_workdir(repo);
  if (!v.best && options.workingTree && workdir != nullptr) {
    std::vector<std::pair<std::string, git_oid>> files;
    model.files(files);
    std::set<std::string> tracked;
    const fs::path root(workdir);
    for (const auto& [path, oid] : files) {
      tracked.insert(path);
      std::ifstream in(root / path, std::ios::binary);
      const auto at = v.recordAt.find(path);
      const std::size_t position = at != v.recordAt.end() ? v.recs[at->second].commit : commits.size();
      if (!in) {
        v.consider(
            position, ProblemKind::WorkingTree, path, *head,
            fmt::format("missing from the working tree (deleted outside the tool); the committed record is "
                        "intact: restore it with 'git checkout -- {}'",
                        path));
        continue;
      }
      std::ostringstream bytes;
      bytes << in.rdbuf();
      const std::string content = bytes.str();
      const git_oid actual = objectId("blob", content);
      if (!git_oid_equal(&actual, &oid)) {
        v.consider(position, ProblemKind::WorkingTree, path, *head,
                   "the checked-out file differs from the committed record (edited outside the tool)");
      }
    }
    std::error_code error;
    const std::string historyPrefix = (root / "history").generic_string();
    for (auto it = fs::recursive_directory_iterator(root / "history", error);
         !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
      if (!it->is_regular_file()) continue;
      // "history/..." by prefix: fs::relative would canonicalise (stat) every component of every path.
      const std::string full = it->path().generic_string();
      const std::string path = "history" + full.substr(std::min(full.size(), historyPrefix.size()));
      if (tracked.count(path) == 0) {
        v.consider(commits.size(), ProblemKind::WorkingTree, path, *head,
                   "this file is not a record of the journal (added outside the tool)");
      }
    }
  }
  if (v.best) report.problem = v.best->problem;
  return report;
}

}  // namespace aiops::governance

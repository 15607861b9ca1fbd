// The PHR journal: opening/creating the repository, appending records under the lock with a compare-and-swap
// ref update, mirroring to the working tree, the anchor, pushing, queries and archiving.
#include "governance/journal.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "governance/canonical.h"
#include "governance/git.h"
#include "governance/history.h"
#include "governance/journal_impl.h"

namespace aiops::governance {

namespace fs = std::filesystem;
using detail::fillProse;
using detail::floorSeconds;
using detail::isOperationId;
using detail::kBranch;
using detail::oneLine;
using detail::redactRecord;
using detail::signatureFor;
using detail::writeTree;

namespace detail {

FileLock::FileLock(const fs::path& path, bool exclusive) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0 && !exclusive) fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    if (!exclusive) return;  // a read-only journal: readers need no lock to be safe
    throw JournalError(JournalError::Kind::Io, fmt::format("cannot open the journal lock {}: {}",
                                                           path.string(), std::strerror(errno)));
  }
  while (::flock(fd_, exclusive ? LOCK_EX : LOCK_SH) != 0) {
    if (errno == EINTR) continue;
    const int error = errno;
    ::close(fd_);
    fd_ = -1;
    throw JournalError(JournalError::Kind::Io,
                       fmt::format("cannot lock {}: {}", path.string(), std::strerror(error)));
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
}

void writeFileAtomically(const fs::path& path, std::string_view bytes) {
  std::error_code error;
  fs::create_directories(path.parent_path(), error);
  if (error)
    throw std::runtime_error(
        fmt::format("cannot create {}: {}", path.parent_path().string(), error.message()));
  const fs::path temporary = path.string() + fmt::format(".tmp.{}", ::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) throw std::runtime_error(fmt::format("cannot write {}", temporary.string()));
  }
  fs::rename(temporary, path, error);
  if (error) {
    fs::remove(temporary, error);
    throw std::runtime_error(fmt::format("cannot write {}", path.string()));
  }
}

std::optional<Anchor> readAnchorFile(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::string line;
  std::getline(in, line);
  return parseAnchor(line);
}

}  // namespace detail

std::optional<Anchor> parseAnchor(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
    text.remove_suffix(1);
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  Anchor anchor{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
  if (!git::fromHex(anchor.commit) || !isSha256Hex(anchor.chainHead)) return std::nullopt;
  return anchor;
}

std::string_view toString(ProblemKind kind) {
  switch (kind) {
    case ProblemKind::Edited:
      return "edited";
    case ProblemKind::Deleted:
      return "deleted";
    case ProblemKind::Reordered:
      return "reordered";
    case ProblemKind::Inserted:
      return "inserted";
    case ProblemKind::ChainBroken:
      return "chain-broken";
    case ProblemKind::Unparseable:
      return "unparseable";
    case ProblemKind::ForeignCommit:
      return "foreign-commit";
    case ProblemKind::IllegalLifecycle:
      return "illegal-lifecycle";
    case ProblemKind::Rewritten:
      return "rewritten";
    case ProblemKind::WorkingTree:
      return "working-tree";
  }
  return "unknown";
}

std::pair<std::string, std::string> authorFor(const Identity& identity) {
  std::string name = identity.user;
  for (char& c : name) {
    if (c == '<' || c == '>' || c == '\n' || c == '\r') c = '_';
  }
  std::string email = name.find('@') != std::string::npos ? name : name + "@kubernetes";
  std::replace(email.begin(), email.end(), ' ', '_');
  return {name, email};
}

fs::path resolveJournalPath(std::string_view flag,
                            const std::function<std::optional<std::string>(const char*)>& env) {
  const auto lookup = [&](const char* name) -> std::optional<std::string> {
    if (env) return env(name);
    const char* value = std::getenv(name);
    return value != nullptr ? std::optional<std::string>(value) : std::nullopt;
  };
  if (!flag.empty()) return fs::path(flag);
  if (auto repo = lookup("AIOPS_PHR_REPO"); repo && !repo->empty()) return fs::path(*repo);
  if (auto xdg = lookup("XDG_DATA_HOME"); xdg && !xdg->empty() && xdg->front() == '/') {
    return fs::path(*xdg) / "kubectl-aiops" / "phr";
  }
  if (auto home = lookup("HOME"); home && !home->empty()) {
    return fs::path(*home) / ".local" / "share" / "kubectl-aiops" / "phr";
  }
  throw JournalError(
      JournalError::Kind::NotFound,
      "cannot place the PHR journal: none of --phr-repo, AIOPS_PHR_REPO, XDG_DATA_HOME or HOME is set");
}

namespace detail {

WallTime floorSeconds(WallTime time) {
  return std::chrono::time_point_cast<std::chrono::seconds>(time);
}

std::string oneLine(std::string_view text, std::string_view fallback) {
  std::string out;
  for (char c : text)
    out += (c == '\n' || c == '\r') ? ' ' : c;
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  while (!out.empty() && out.front() == ' ')
    out.erase(out.begin());
  return out.empty() ? std::string(fallback) : out;
}

bool isOperationId(std::string_view id) {
  return id.size() >= 7 && id.starts_with("op-") &&
         std::all_of(id.begin() + 3, id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "op-0042-raise-memory" → 42; 0 for other names.
std::uint64_t operationNumber(std::string_view feature) {
  if (!feature.starts_with("op-")) return 0;
  const auto dash = feature.find('-', 3);
  const std::string_view digits = feature.substr(3, dash == std::string_view::npos ? feature.npos : dash - 3);
  if (digits.size() < 4 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return 0;
  return std::stoull(std::string(digits));
}

}  // namespace detail

// ---- Impl ------------------------------------------------------------------------------------------------

namespace detail {

Snapshot::Snapshot(git_repository* repository) : repo(repository) {}

std::uint64_t Snapshot::nextOperationNumber() const {
  std::uint64_t highest = 0;
  const auto scan = [&](const git_tree* tree) {
    if (tree == nullptr) return;
    for (std::size_t i = 0; i < git_tree_entrycount(tree); ++i)
      highest = std::max(highest, operationNumber(git_tree_entry_name(git_tree_entry_byindex(tree, i))));
  };
  scan(prompts.get());
  if (archive) {
    for (std::size_t i = 0; i < git_tree_entrycount(archive.get()); ++i) {
      const git::Tree year =
          git::subtree(repo, archive.get(), git_tree_entry_name(git_tree_entry_byindex(archive.get(), i)));
      scan(year.get());
    }
  }
  return highest + 1;
}

std::optional<std::string> Snapshot::operationDirectory(std::string_view operationId) const {
  const std::string prefix = std::string(operationId) + "-";
  if (prompts) {
    for (std::size_t i = 0; i < git_tree_entrycount(prompts.get()); ++i) {
      const std::string name = git_tree_entry_name(git_tree_entry_byindex(prompts.get(), i));
      if (name.starts_with(prefix)) return name;
    }
  }
  return std::nullopt;
}

bool Snapshot::archivedOperation(std::string_view operationId) const {
  if (!archive) return false;
  const std::string prefix = std::string(operationId) + "-";
  for (std::size_t i = 0; i < git_tree_entrycount(archive.get()); ++i) {
    const git::Tree year =
        git::subtree(repo, archive.get(), git_tree_entry_name(git_tree_entry_byindex(archive.get(), i)));
    for (std::size_t j = 0; year && j < git_tree_entrycount(year.get()); ++j) {
      if (std::string_view(git_tree_entry_name(git_tree_entry_byindex(year.get(), j))).starts_with(prefix))
        return true;
    }
  }
  return false;
}

Snapshot::Latest Snapshot::latestIn(std::string_view feature) const {
  Latest latest;
  const git::Tree dir = git::subtree(repo, prompts.get(), feature);
  if (!dir) return latest;
  const git_tree_entry* best = nullptr;
  for (std::size_t i = 0; i < git_tree_entrycount(dir.get()); ++i) {
    const git_tree_entry* entry = git_tree_entry_byindex(dir.get(), i);
    const auto name = parseRecordFileName(git_tree_entry_name(entry));
    if (name && name->number > latest.number) {
      latest.number = name->number;
      best = entry;
    }
  }
  if (best != nullptr) {
    latest.path = fmt::format("history/prompts/{}/{}", feature, git_tree_entry_name(best));
    latest.bytes = readBlob(repo, *git_tree_entry_id(best));
  }
  return latest;
}

}  // namespace detail

Journal::Impl::Impl(JournalOptions o) : options(std::move(o)) {
  git_libgit2_init();
  try {
    open();
  } catch (...) {
    repo.reset();
    git_libgit2_shutdown();
    throw;
  }
}

Journal::Impl::~Impl() {
  repo.reset();
  git_libgit2_shutdown();
}

void Journal::Impl::open() {
  const fs::path& path = options.path;
  if (path.empty()) throw JournalError(JournalError::Kind::NotFound, "no PHR journal path given");
  gitDir = path / ".git";
  std::error_code error;
  const bool exists = fs::exists(gitDir / "HEAD", error);
  if (!exists && !options.create) {
    throw JournalError(
        JournalError::Kind::NotFound,
        fmt::format("no PHR journal at {}; it is created by the first recorded step", path.string()));
  }
  if (!exists && fs::exists(path, error) && !fs::is_empty(path, error) && !fs::exists(gitDir, error)) {
    throw JournalError(
        JournalError::Kind::Refused,
        fmt::format("{} exists and is not a PHR journal (no .git); choose a new or empty directory",
                    path.string()));
  }
  std::optional<detail::FileLock> lock;
  if (!exists || !options.remoteUrl.empty()) {
    fs::create_directories(gitDir, error);
    if (error) {
      throw JournalError(JournalError::Kind::Io, fmt::format("cannot create the PHR journal at {}: {}",
                                                             path.string(), error.message()));
    }
    lock.emplace(gitDir / "aiops.lock", /*exclusive=*/true);  // two first uses must not both initialise
  }
  git_repository* raw = nullptr;
  if (!fs::exists(gitDir / "HEAD", error)) {
    git_repository_init_options init = GIT_REPOSITORY_INIT_OPTIONS_INIT;
    init.flags = GIT_REPOSITORY_INIT_MKPATH;
    init.initial_head = "main";
    init.description = "kubectl-aiops Prompt History Records (append-only; see docs/phr.md)";
    git::check(git_repository_init_ext(&raw, path.c_str(), &init),
               fmt::format("creating the PHR journal at {}", path.string()));
  } else {
    git::check(git_repository_open_ext(&raw, path.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr),
               fmt::format("opening the PHR journal at {}", path.string()));
  }
  repo.reset(raw);
  if (!options.remoteUrl.empty() && originUrl() != options.remoteUrl) {
    // Written to the config directly (git_remote_create in libgit2 1.5 leaks PCRE2 match data).
    git_config* rawConfig = nullptr;
    git::check(git_repository_config(&rawConfig, repo.get()), "opening the journal's git config");
    git::Config config(rawConfig);
    git::check(git_config_set_string(config.get(), "remote.origin.url", options.remoteUrl.c_str()),
               "setting the remote origin");
  }
}

detail::Snapshot Journal::Impl::snapshot() {
  detail::Snapshot snap(repo.get());
  snap.head = detail::mainHead(repo.get());
  snap.chainHead = std::string(kZeroSha256);
  if (!snap.head) return snap;
  git_commit* raw = nullptr;
  git::check(git_commit_lookup(&raw, repo.get(), &*snap.head), "reading the journal's head commit");
  git::Commit commit(raw);
  const auto trailers = git::trailers(git_commit_message(commit.get()));
  const auto chainHead = git::trailer(trailers, "Chain-Head");
  const std::string headHex = git::toHex(*snap.head);
  if (!chainHead || !isSha256Hex(*chainHead)) {
    throw JournalError(
        JournalError::Kind::Corrupt,
        fmt::format("the journal's last commit {} was not written by the journal (no Chain-Head "
                    "trailer); nothing was recorded; run 'kubectl aiops phr verify'",
                    headHex.substr(0, 12)));
  }
  if (const auto blobHex = git::trailer(trailers, "Record-Blob")) {
    const auto blob = git::fromHex(*blobHex);
    if (!blob || sha256Hex(detail::readBlob(repo.get(), *blob)) != *chainHead) {
      throw JournalError(
          JournalError::Kind::Corrupt,
          fmt::format("the journal's last record does not match the hash its commit {} recorded; "
                      "nothing was recorded; run 'kubectl aiops phr verify'",
                      headHex.substr(0, 12)));
    }
  }
  snap.chainHead = *chainHead;
  git_tree* rootRaw = nullptr;
  git::check(git_commit_tree(&rootRaw, commit.get()), "reading the journal's tree");
  snap.root.reset(rootRaw);
  snap.history = git::subtree(repo.get(), snap.root.get(), "history");
  snap.prompts = git::subtree(repo.get(), snap.history.get(), "prompts");
  snap.archive = git::subtree(repo.get(), snap.history.get(), "archive");
  return snap;
}

namespace {

std::string commitMessage(const Record& r, const std::string& path, const std::string& blob,
                          const std::string& sha) {
  const OperationData& a = r.aiops;
  std::string subject = isStandalone(a.record)
                            ? fmt::format("{}: {}", toString(a.record), a.target.display())
                            : fmt::format("{} {}: {}", toString(a.record), a.operationId, a.summary);
  if (subject.size() > 72) subject = subject.substr(0, 69) + "...";
  std::string message = subject + "\n\n" + r.header.title + "\n\n";
  if (!a.operationId.empty()) message += "Operation-Id: " + a.operationId + "\n";
  message += "Record: " + path + "\n";
  message += "Record-Blob: " + blob + "\n";
  message += "Chain-Head: " + sha + "\n";
  if (a.status) message += fmt::format("Status: {}\n", toString(*a.status));
  message += fmt::format("Risk: {}\n", model::toString(a.risk));
  message += "Target: " + a.target.display() + "\n";
  switch (a.record) {
    case RecordKind::Recommendation:
      message += "Requested-by: " + a.actor.user + "\n";
      break;
    case RecordKind::Approval:
      message += "Approved-by: " + a.actor.user + "\n";
      break;
    case RecordKind::Rejection:
      message += "Rejected-by: " + a.actor.user + "\n";
      break;
    default:
      message += "Recorded-by: " + a.actor.user + "\n";
  }
  return message;
}

struct PushPayload {
  std::string rejected;
  int credentialAttempts = 0;
};

int onPushUpdate(const char* refname, const char* status, void* payload) {
  if (status != nullptr)
    static_cast<PushPayload*>(payload)->rejected = fmt::format("{} rejected: {}", refname, status);
  return 0;
}

// ssh remotes: one try with the ssh agent; anything else is left to libgit2 (and fails without credentials).
int onCredentials(git_credential** out, const char* /*url*/, const char* user, unsigned int allowed,
                  void* payload) {
  int& attempts = static_cast<PushPayload*>(payload)->credentialAttempts;
  if (attempts++ > 0 || (allowed & GIT_CREDENTIAL_SSH_KEY) == 0) return GIT_PASSTHROUGH;
  return git_credential_ssh_key_from_agent(out, user != nullptr ? user : "git");
}

}  // namespace

namespace detail {

git::Signature signatureFor(const Identity& identity, WallTime time) {
  const auto [name, email] = authorFor(identity);
  git_signature* raw = nullptr;
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
  git::check(git_signature_new(&raw, name.c_str(), email.c_str(), static_cast<git_time_t>(seconds), 0),
             fmt::format("making a git signature for '{}'", identity.user));
  return git::Signature(raw);
}

// `base` (may be null) with `name` set to `oid` (or removed when oid is null); returns the new tree's id.
git_oid writeTree(git_repository* repo, const git_tree* base,
                  const std::vector<std::pair<std::string, const git_oid*>>& changes, git_filemode_t mode) {
  git_treebuilder* raw = nullptr;
  git::check(git_treebuilder_new(&raw, repo, base), "building a tree");
  git::TreeBuilder builder(raw);
  for (const auto& [name, oid] : changes) {
    if (oid == nullptr) {
      git::check(git_treebuilder_remove(builder.get(), name.c_str()),
                 fmt::format("removing {} from a tree", name));
    } else {
      git::check(git_treebuilder_insert(nullptr, builder.get(), name.c_str(), oid, mode),
                 fmt::format("adding {} to a tree", name));
    }
  }
  git_oid out;
  git::check(git_treebuilder_write(&out, builder.get()), "writing a tree");
  return out;
}

}  // namespace detail

std::optional<std::string> Journal::Impl::originUrl() {
  // Read straight from the config: git_remote_lookup in libgit2 1.5 leaks PCRE2 match data on every call.
  git_config* raw = nullptr;
  git::check(git_repository_config_snapshot(&raw, repo.get()), "reading the journal's git config");
  git::Config config(raw);
  git_buf url = GIT_BUF_INIT;
  const int rc = git_config_get_string_buf(&url, config.get(), "remote.origin.url");
  if (rc == GIT_ENOTFOUND) return std::nullopt;
  std::optional<std::string> out;
  if (rc == 0) out = std::string(url.ptr, url.size);
  git_buf_dispose(&url);
  git::check(rc, "reading remote.origin.url");
  return out;
}

std::optional<std::string> Journal::Impl::push() {
  std::optional<std::string> origin;
  try {
    origin = originUrl();
  } catch (const JournalError& e) {
    return std::string(e.what());
  }
  if (!origin) return std::nullopt;
  // Anonymous and without url.<base>.insteadOf rewriting: libgit2 1.5 leaks PCRE2 match data on each config
  // regex it runs for those.
  git_remote_create_options createOptions = GIT_REMOTE_CREATE_OPTIONS_INIT;
  createOptions.repository = repo.get();
  createOptions.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
  git_remote* raw = nullptr;
  if (git_remote_create_with_opts(&raw, origin->c_str(), &createOptions) < 0) {
    return fmt::format("cannot use the remote {}: {}", *origin, git::lastError());
  }
  git::Remote remote(raw);
  PushPayload outcome;
  git_push_options pushOptions = GIT_PUSH_OPTIONS_INIT;
  pushOptions.callbacks.push_update_reference = onPushUpdate;
  pushOptions.callbacks.credentials = onCredentials;
  pushOptions.callbacks.payload = &outcome;
  char refspec[] = "refs/heads/main:refs/heads/main";
  char* specs[] = {refspec};
  git_strarray refspecs{specs, 1};
  const int pushed = git_remote_push(remote.get(), &refspecs, &pushOptions);
  const char* url = git_remote_url(remote.get());
  if (pushed < 0)
    return fmt::format("could not push the journal to {}: {}", url ? url : "origin", git::lastError());
  if (!outcome.rejected.empty())
    return fmt::format("could not push the journal to {}: {}", url ? url : "origin", outcome.rejected);
  return std::nullopt;
}

Appended Journal::Impl::append(const Identity& actor, const Prepare& prepare) {
  if (actor.user.empty()) {
    throw JournalError(JournalError::Kind::Refused,
                       "the acting identity has no user name; nothing was recorded");
  }
  detail::FileLock lock(gitDir / "aiops.lock", /*exclusive=*/true);
  for (int attempt = 0; attempt < 8; ++attempt) {
    detail::Snapshot snap = snapshot();
    snap.now = floorSeconds(options.now());
    Prepared prepared = prepare(snap);
    Record& r = prepared.record;
    r.aiops.time = snap.now;
    r.aiops.actor = actor;
    r.header.feature = prepared.feature;
    fillProse(r, prepared.from, prepared.text, prepared.checkpoint);
    redactRecord(r, prepared.text.scrub);

    // The next ID in the directory (max existing + 1), under the lock.
    const git::Tree featureTree = git::subtree(repo.get(), snap.prompts.get(), prepared.feature);
    std::uint64_t highest = 0;
    for (std::size_t i = 0; featureTree && i < git_tree_entrycount(featureTree.get()); ++i) {
      if (auto name = parseRecordFileName(git_tree_entry_name(git_tree_entry_byindex(featureTree.get(), i))))
        highest = std::max(highest, name->number);
    }
    r.header.id = formatId(highest + 1);
    r.aiops.prevRecordSha256 = snap.chainHead;
    const std::string bytes = renderRecord(r);
    const std::string sha = sha256Hex(bytes);
    const std::string fileName = recordFileName(r.header);
    const std::string path = fmt::format("history/prompts/{}/{}", prepared.feature, fileName);

    git_oid blob;
    git::check(git_blob_create_from_buffer(&blob, repo.get(), bytes.data(), bytes.size()),
               "writing the record");
    const git_oid featureOid =
        writeTree(repo.get(), featureTree.get(), {{fileName, &blob}}, GIT_FILEMODE_BLOB);
    const git_oid promptsOid =
        writeTree(repo.get(), snap.prompts.get(), {{prepared.feature, &featureOid}}, GIT_FILEMODE_TREE);
    const git_oid historyOid =
        writeTree(repo.get(), snap.history.get(), {{"prompts", &promptsOid}}, GIT_FILEMODE_TREE);
    const git_oid rootOid =
        writeTree(repo.get(), snap.root.get(), {{"history", &historyOid}}, GIT_FILEMODE_TREE);

    git_tree* rootRaw = nullptr;
    git::check(git_tree_lookup(&rootRaw, repo.get(), &rootOid), "reading the new tree");
    git::Tree root(rootRaw);
    git::Commit parent;
    if (snap.head) {
      git_commit* parentRaw = nullptr;
      git::check(git_commit_lookup(&parentRaw, repo.get(), &*snap.head), "reading the head commit");
      parent.reset(parentRaw);
    }
    const git_commit* parents[] = {parent.get()};
    const git::Signature signature = signatureFor(actor, snap.now);
    const std::string message = commitMessage(r, path, git::toHex(blob), sha);
    git_oid commitOid;
    git::check(git_commit_create(&commitOid, repo.get(), nullptr, signature.get(), signature.get(), "UTF-8",
                                 message.c_str(), root.get(), parent ? 1 : 0, parents),
               "writing the commit");

    // Compare-and-swap: main moves only if it still points where we read it.
    git_reference* refRaw = nullptr;
    const std::string logMessage = "aiops: " + r.header.title;
    const int rc =
        snap.head ? git_reference_create_matching(&refRaw, repo.get(), kBranch, &commitOid, 1, &*snap.head,
                                                  logMessage.c_str())
                  : git_reference_create(&refRaw, repo.get(), kBranch, &commitOid, 0, logMessage.c_str());
    git::Reference ref(refRaw);
    if (rc == GIT_EMODIFIED || rc == GIT_EEXISTS || rc == GIT_ELOCKED) continue;  // someone moved main: redo
    git::check(rc, "moving refs/heads/main");

    Appended out;
    out.path = path;
    out.id = r.header.id;
    out.feature = prepared.feature;
    out.operationId = r.aiops.operationId;
    out.status = r.aiops.status;
    out.commit = git::toHex(commitOid);
    out.sha256 = sha;
    afterCommit(out.commit, sha, {{path, bytes}}, {}, out.warnings);
    return out;
  }
  throw JournalError(
      JournalError::Kind::Io,
      "refs/heads/main kept moving while recording; another program writes to the journal without "
      "its lock; nothing was recorded");
}

void Journal::Impl::afterCommit(const std::string& commit, const std::string& chainHead,
                                const std::vector<std::pair<std::string, std::string>>& written,
                                const std::vector<std::pair<std::string, std::string>>& moved,
                                std::vector<std::string>& warnings) {
  // The anchor first: it is what detects a later rewrite.
  try {
    detail::writeFileAtomically(gitDir / "aiops-anchor", commit + ":" + chainHead + "\n");
  } catch (const std::exception& e) {
    warnings.push_back(fmt::format(
        "the anchor was not updated ({}); verify cannot detect a rewrite of this record", e.what()));
  }
  // The working tree mirrors the committed records, so people and Spec-Kit tools can read them as files.
  try {
    git_index* raw = nullptr;
    git::check(git_repository_index(&raw, repo.get()), "opening the index");
    git::Index index(raw);
    // Re-read only when another writer changed it (libgit2 compares the file's inode, size and mtime).
    git::check(git_index_read(index.get(), /*force=*/0), "reading the index");
    for (const auto& [from, to] : moved) {
      std::error_code error;
      fs::create_directories((options.path / to).parent_path(), error);
      fs::rename(options.path / from, options.path / to, error);
      if (error) throw std::runtime_error(fmt::format("cannot move {} to {}: {}", from, to, error.message()));
      git::check(git_index_remove_directory(index.get(), from.c_str(), 0), "updating the index");
    }
    for (const auto& [path, bytes] : written) {
      if (!bytes.empty()) detail::writeFileAtomically(options.path / path, bytes);
      git::check(git_index_add_bypath(index.get(), path.c_str()), "updating the index");
    }
    git::check(git_index_write(index.get()), "writing the index");
  } catch (const std::exception& e) {
    warnings.push_back(
        fmt::format("the record is committed, but the working tree was not updated ({}); run "
                    "'git checkout -- history' in {}",
                    e.what(), options.path.string()));
  }
  if (auto failure = push()) {
    warnings.push_back(*failure +
                       "; the record is safe locally and the next append (or sync) pushes it again");
  }
}

Journal::Journal(JournalOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Journal::~Journal() = default;

const fs::path& Journal::path() const {
  return impl_->options.path;
}

std::optional<Anchor> Journal::anchor() const {
  return detail::readAnchorFile(impl_->gitDir / "aiops-anchor");
}

Appended Journal::propose(const Proposal& p, const Identity& actor) {
  if (p.summary.empty())
    throw JournalError(JournalError::Kind::Refused, "a recommendation needs a summary; nothing was recorded");
  if (p.target.kind.empty() || p.target.name.empty()) {
    throw JournalError(JournalError::Kind::Refused,
                       "a recommendation needs a target kind and name; nothing was recorded");
  }
  if (p.change.body.is_null()) {
    throw JournalError(
        JournalError::Kind::Refused,
        "a recommendation needs the exact change (a patch or a manifest); nothing was recorded");
  }
  return impl_->append(actor, [&](detail::Snapshot& snap) {
    Impl::Prepared prepared;
    const std::string operationId = "op-" + formatId(snap.nextOperationNumber());
    prepared.feature = operationId + "-" + slugify(p.summary, 40);
    OperationData& a = prepared.record.aiops;
    a.record = RecordKind::Recommendation;
    a.operationId = operationId;
    a.status = Status::Proposed;
    a.target = p.target;
    a.risk = p.risk;
    a.action = oneLine(p.action, "");
    a.summary = oneLine(p.summary, "change");
    a.rationale = p.rationale;
    a.source = p.source;
    a.evidence = p.evidence;
    a.change = p.change;
    a.before = p.before;
    a.rollback = p.rollback;
    a.requestedBy = actor;  // the requester travels with every later record of the operation
    a.requestedAt = snap.now;
    prepared.text = p.text;
    return prepared;
  });
}

namespace {

// Record 0001 of an operation's directory: its recommendation.
Record firstRecord(const detail::Snapshot& snap, const std::string& feature, const std::string& operationId) {
  const git::Tree dir = git::subtree(snap.repo, snap.prompts.get(), feature);
  for (std::size_t i = 0; dir && i < git_tree_entrycount(dir.get()); ++i) {
    const git_tree_entry* entry = git_tree_entry_byindex(dir.get(), i);
    const auto name = parseRecordFileName(git_tree_entry_name(entry));
    if (!name || name->number != 1) continue;
    const std::string path = fmt::format("history/prompts/{}/{}", feature, git_tree_entry_name(entry));
    try {
      Record first = parseRecord(detail::readBlob(snap.repo, *git_tree_entry_id(entry)), path);
      if (first.aiops.record == RecordKind::Recommendation && first.aiops.operationId == operationId)
        return first;
    } catch (const RecordError& e) {
      throw JournalError(JournalError::Kind::Corrupt,
                         fmt::format("cannot add to {}: its recommendation does not parse ({}); run 'kubectl "
                                     "aiops phr verify'",
                                     operationId, e.what()));
    }
    break;
  }
  throw JournalError(
      JournalError::Kind::Corrupt,
      fmt::format("cannot add to {}: its recommendation (record 0001) is missing or is not {}'s; "
                  "run 'kubectl aiops phr verify'",
                  operationId, operationId));
}

}  // namespace

Appended Journal::record(std::string_view operationId, const Step& step, const Identity& actor) {
  if (!isOperationId(operationId)) {
    throw JournalError(
        JournalError::Kind::NotFound,
        fmt::format("'{}' is not an operation id; operation ids look like op-0042", operationId));
  }
  if (step.kind == RecordKind::Recommendation || isStandalone(step.kind)) {
    throw JournalError(
        JournalError::Kind::Refused,
        fmt::format("a {} record is not a step of an operation; nothing was recorded", toString(step.kind)));
  }
  if (step.kind == RecordKind::Checkpoint && !step.checkpoint) {
    throw JournalError(
        JournalError::Kind::Refused,
        "a checkpoint record needs the checkpoint's verdict and metrics; nothing was recorded");
  }
  const std::string id(operationId);
  return impl_->append(actor, [&](detail::Snapshot& snap) {
    const auto feature = snap.operationDirectory(id);
    if (!feature) {
      if (snap.archivedOperation(id)) {
        throw JournalError(
            JournalError::Kind::Refused,
            fmt::format("operation {} is archived; archived operations take no further steps", id));
      }
      throw JournalError(JournalError::Kind::NotFound, fmt::format("no operation {} in the journal", id));
    }
    const auto latest = snap.latestIn(*feature);
    Record previous;
    try {
      previous = parseRecord(latest.bytes, latest.path);
    } catch (const RecordError& e) {
      throw JournalError(
          JournalError::Kind::Corrupt,
          fmt::format(
              "cannot add to {}: its latest record does not parse ({}); run 'kubectl aiops phr verify'", id,
              e.what()));
    }
    // The requester is the recommendation's actor, whatever a later record claims: read it from record 0001
    // (records written before requestedBy existed lack it; the next step fills it in).
    const Record first = firstRecord(snap, *feature, id);
    if (previous.aiops.requestedAt && (previous.aiops.requestedBy != first.aiops.actor ||
                                       *previous.aiops.requestedAt != first.aiops.time)) {
      throw JournalError(
          JournalError::Kind::Corrupt,
          fmt::format("cannot add to {}: its latest record names {} as the requester, but its recommendation "
                      "was made by {}; run 'kubectl aiops phr verify'",
                      id, previous.aiops.requestedBy.user, first.aiops.actor.user));
    }
    const std::optional<Status> from = previous.aiops.status;
    std::optional<Status> to;
    if (step.kind == RecordKind::Approval) {
      to = step.status.value_or(Status::Approved);
    } else {
      const auto targets = legalTargets(from, step.kind);
      if (targets.size() == 1) to = targets.front();
      if (step.status && step.status != to) to = step.status;
    }
    if (auto error = transitionError(id, from, step.kind, to)) {
      throw JournalError(JournalError::Kind::Refused, *error + "; nothing was recorded");
    }
    if (step.kind == RecordKind::Approval || step.kind == RecordKind::Rejection) {
      if (step.changeSha256.empty()) {
        throw JournalError(
            JournalError::Kind::Refused,
            fmt::format("an {} must name the SHA-256 of the change it decides on; nothing was recorded",
                        toString(step.kind)));
      }
      if (step.changeSha256 != previous.aiops.changeSha256) {
        throw JournalError(
            JournalError::Kind::Refused,
            fmt::format("the {} is for change sha256 {} but {}'s change is sha256 {}: the change is not "
                        "the one that was reviewed; nothing was recorded",
                        toString(step.kind), step.changeSha256.substr(0, 12), id,
                        previous.aiops.changeSha256.substr(0, 12)));
      }
    }
    Impl::Prepared prepared;
    prepared.feature = *feature;
    prepared.from = from;
    prepared.text = step.text;
    prepared.record.aiops = previous.aiops;
    OperationData& a = prepared.record.aiops;
    a.record = step.kind;
    a.status = to;
    a.requestedBy = first.aiops.actor;
    a.requestedAt = first.aiops.time;
    if (step.kind == RecordKind::Approval || step.kind == RecordKind::Rejection) {
      Approval approval;
      approval.identity = actor;
      approval.decision = step.kind == RecordKind::Approval ? Decision::Approve : Decision::Reject;
      approval.justification = step.justification;
      approval.time = snap.now;
      approval.changeSha256 = step.changeSha256;
      approval.role = step.role.empty() ? "approver" : step.role;
      if (approval.role != "approver" && approval.role != "security-reviewer") {
        throw JournalError(
            JournalError::Kind::Refused,
            fmt::format("'{}' is not an approver role (approver or security-reviewer); nothing "
                        "was recorded",
                        step.role));
      }
      a.approvals.push_back(std::move(approval));
    }
    if (step.kind == RecordKind::Applying && !step.metrics.is_null()) a.metrics = step.metrics;
    if (step.checkpoint) {
      Checkpoint checkpoint = *step.checkpoint;
      if (checkpoint.time == WallTime{}) checkpoint.time = snap.now;
      checkpoint.time = floorSeconds(checkpoint.time);
      checkpoint.name = oneLine(checkpoint.name, "checkpoint");
      a.checkpoints.push_back(checkpoint);
      prepared.checkpoint = checkpoint;
    }
    if (!step.outcome.empty()) a.outcome = step.outcome;
    return prepared;
  });
}

Appended Journal::recordDiagnosis(const DiagnosisRun& run, const Identity& actor) {
  return impl_->appendRun(RecordKind::Diagnosis, "diagnose-", run, actor);
}

Appended Journal::recordReport(const DiagnosisRun& run, const Identity& actor) {
  return impl_->appendRun(RecordKind::Report, "report-", run, actor);
}

Appended Journal::recordRollout(const DiagnosisRun& run, const Identity& actor) {
  return impl_->appendRun(RecordKind::Rollout, "rollout-", run, actor);
}

Appended Journal::Impl::appendRun(RecordKind kind, const std::string& prefix, const DiagnosisRun& run,
                                  const Identity& actor) {
  if (run.target.kind.empty() || run.target.name.empty()) {
    throw JournalError(
        JournalError::Kind::Refused,
        fmt::format("a {} record needs a target kind and name; nothing was recorded", toString(kind)));
  }
  return append(actor, [&](detail::Snapshot& snap) {
    Impl::Prepared prepared;
    prepared.feature = prefix + formatDate(snap.now).substr(0, 7);
    OperationData& a = prepared.record.aiops;
    a.record = kind;
    a.target = run.target;
    a.risk = run.risk;
    a.summary = oneLine(run.summary, "no findings");
    a.rationale = run.rationale;
    a.evidence = run.evidence;
    a.findings = run.findings;
    prepared.text = run.text;
    return prepared;
  });
}

void Journal::sync() {
  detail::FileLock lock(impl_->gitDir / "aiops.lock", /*exclusive=*/true);
  if (!impl_->originUrl()) {
    throw JournalError(JournalError::Kind::NotFound, "the journal has no remote; set one with --phr-remote");
  }
  if (!detail::mainHead(impl_->repo.get())) return;  // nothing to push yet
  if (auto failure = impl_->push()) throw JournalError(JournalError::Kind::Io, *failure);
}

}  // namespace aiops::governance

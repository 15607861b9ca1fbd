// Reading the journal: list (with filters), show (by path, id or operation) and the current status of every
// operation. Records are read in journal order through the commits' trailers and parsed on all cores.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "governance/canonical.h"
#include "governance/history.h"
#include "governance/journal_impl.h"

namespace aiops::governance {

using detail::isOperationId;
namespace {

std::string lowerCase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool kindMatches(std::string_view kind, std::string_view word) {
  static const std::map<std::string, std::string> kShort{{"po", "pod"},
                                                         {"deploy", "deployment"},
                                                         {"rs", "replicaset"},
                                                         {"sts", "statefulset"},
                                                         {"ds", "daemonset"},
                                                         {"svc", "service"},
                                                         {"cm", "configmap"},
                                                         {"ns", "namespace"},
                                                         {"no", "node"},
                                                         {"hpa", "horizontalpodautoscaler"},
                                                         {"pvc", "persistentvolumeclaim"},
                                                         {"sa", "serviceaccount"},
                                                         {"ing", "ingress"},
                                                         {"cj", "cronjob"},
                                                         {"pdb", "poddisruptionbudget"}};
  const std::string k = lowerCase(kind);
  std::string w = lowerCase(word);
  if (auto it = kShort.find(w); it != kShort.end()) w = it->second;
  return w == k || w == k + "s" || w == k + "es";
}

}  // namespace

bool matches(const Filter& filter, const Record& record) {
  const OperationData& a = record.aiops;
  if (filter.status && a.status != filter.status) return false;
  if (filter.risk && a.risk != *filter.risk) return false;
  if (filter.kind && a.record != *filter.kind) return false;
  if (filter.since && a.time < *filter.since) return false;
  if (!filter.operationId.empty() && a.operationId != filter.operationId) return false;
  if (!filter.target.empty()) {
    std::vector<std::string> parts;
    std::stringstream in(filter.target);
    for (std::string part; std::getline(in, part, '/');)
      parts.push_back(part);
    const Target& t = a.target;
    bool ok = false;
    if (parts.size() == 1) {
      ok = t.name == parts[0];
    } else if (parts.size() == 2) {
      ok = t.name == parts[1] && (kindMatches(t.kind, parts[0]) || t.namespace_ == parts[0]);
    } else if (parts.size() == 3) {
      ok = kindMatches(t.kind, parts[0]) && t.namespace_ == parts[1] && t.name == parts[2];
    }
    if (!ok) return false;
  }
  return true;
}

std::vector<StoredRecord> Journal::list(const Filter& filter, std::vector<std::string>* warnings) {
  std::vector<StoredRecord> out;
  const auto head = detail::mainHead(impl_->repo.get());
  if (!head) return out;
  const auto commits = detail::walkFirstParent(impl_->repo.get(), *head);
  std::vector<std::size_t> skipped;
  const auto entries = detail::recordEntries(commits, &skipped);
  if (warnings != nullptr) {
    for (std::size_t index : skipped) {
      warnings->push_back(
          fmt::format("commit {} is not a journal record commit; run 'kubectl aiops phr verify'",
                      git::toHex(commits[index].oid).substr(0, 12)));
    }
  }
  // Blobs are read here (libgit2 is single-threaded); parsing runs on all cores, in batches to bound memory.
  constexpr std::size_t kBatch = 512;
  for (std::size_t start = 0; start < entries.size(); start += kBatch) {
    std::vector<StoredRecord> batch;
    for (std::size_t i = start; i < std::min(start + kBatch, entries.size()); ++i) {
      StoredRecord stored;
      stored.path = entries[i].path;
      stored.commit = git::toHex(commits[entries[i].commit].oid);
      stored.bytes = detail::readBlob(impl_->repo.get(), entries[i].blob);
      batch.push_back(std::move(stored));
    }
    std::vector<const std::string*> bytes, paths;
    for (const auto& stored : batch) {
      bytes.push_back(&stored.bytes);
      paths.push_back(&stored.path);
    }
    std::vector<Record> records;
    std::vector<std::string> errors;
    detail::parseAll(bytes, paths, records, errors);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (!errors[i].empty()) {
        if (warnings != nullptr)
          warnings->push_back(fmt::format("{}; run 'kubectl aiops phr verify'", errors[i]));
        continue;
      }
      if (!matches(filter, records[i])) continue;
      batch[i].record = std::move(records[i]);
      batch[i].sha256 = sha256Hex(batch[i].bytes);
      out.push_back(std::move(batch[i]));
    }
  }
  return out;
}

StoredRecord Journal::show(std::string_view reference) {
  std::string ref(reference);
  while (!ref.empty() && ref.back() == '/')
    ref.pop_back();
  const auto head = detail::mainHead(impl_->repo.get());
  if (!head)
    throw JournalError(JournalError::Kind::NotFound,
                       fmt::format("no record '{}': the journal is empty", ref));
  const auto commits = detail::walkFirstParent(impl_->repo.get(), *head);
  const auto entries = detail::recordEntries(commits, nullptr);

  std::vector<const detail::RecordEntry*> found;
  const auto featureOf = [](const std::string& path) {
    const auto slash = path.find_last_of('/');
    const std::string dir = path.substr(0, slash);
    return dir.substr(dir.find_last_of('/') + 1);
  };
  const auto fileOf = [](const std::string& path) { return path.substr(path.find_last_of('/') + 1); };
  const auto idOf = [&](const std::string& path) {
    const auto name = parseRecordFileName(fileOf(path));
    return name ? name->id : std::string();
  };
  const auto slash = ref.find('/');
  for (const auto& entry : entries) {
    if (entry.path == ref || entry.addedPath == ref) {
      found = {&entry};
      break;
    }
    const std::string feature = featureOf(entry.path);
    if (ref.starts_with("history/")) continue;
    if (slash != std::string::npos) {
      const std::string want = ref.substr(0, slash);
      const std::string id = ref.substr(slash + 1);
      const bool featureOk = feature == want || (isOperationId(want) && feature.starts_with(want + "-"));
      if (featureOk && idOf(entry.path) == id) found.push_back(&entry);
    } else if (isOperationId(ref)) {
      if (feature.starts_with(ref + "-")) found = {&entry};  // the latest record of the operation wins
    } else if (idOf(entry.path) == ref) {
      found.push_back(&entry);
    }
  }
  if (found.empty()) {
    throw JournalError(JournalError::Kind::NotFound,
                       fmt::format("no record '{}' in the journal at {}", ref, impl_->options.path.string()));
  }
  if (found.size() > 1) {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < found.size() && i < 5; ++i)
      names.push_back(featureOf(found[i]->path) + "/" + idOf(found[i]->path));
    throw JournalError(
        JournalError::Kind::Refused,
        fmt::format("record id '{}' is in {} directories ({}{}); name one as <directory>/<id>", ref,
                    found.size(), fmt::join(names, ", "), found.size() > 5 ? ", ..." : ""));
  }
  StoredRecord stored;
  stored.path = found.front()->path;
  stored.commit = git::toHex(commits[found.front()->commit].oid);
  stored.bytes = detail::readBlob(impl_->repo.get(), found.front()->blob);
  stored.sha256 = sha256Hex(stored.bytes);
  try {
    stored.record = parseRecord(stored.bytes, stored.path);
  } catch (const RecordError& e) {
    throw JournalError(JournalError::Kind::Corrupt,
                       fmt::format("{}; run 'kubectl aiops phr verify'", e.what()));
  }
  return stored;
}

std::vector<OperationSummary> Journal::operations() {
  std::vector<OperationSummary> out;
  std::map<std::string, std::size_t> index;
  for (const auto& stored : list()) {
    const OperationData& a = stored.record.aiops;
    if (a.operationId.empty() || !a.status) continue;
    auto [it, inserted] = index.emplace(a.operationId, out.size());
    if (inserted) {
      OperationSummary summary;
      summary.operationId = a.operationId;
      summary.requestedBy = a.actor.user;
      summary.proposed = a.time;
      out.push_back(summary);
    }
    OperationSummary& s = out[it->second];
    s.status = *a.status;
    s.risk = a.risk;
    s.target = a.target;
    s.summary = a.summary;
    s.updated = a.time;
    s.records += 1;
    s.latestPath = stored.path;
  }
  return out;
}

}  // namespace aiops::governance

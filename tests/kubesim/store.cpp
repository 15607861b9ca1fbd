// The object store: objects, resourceVersions, deletion cascades, the watch history and container logs.
#include "store.h"

#include <fmt/format.h>

#include <algorithm>

#include "errors.h"

namespace kubesim {

namespace json = boost::json;

namespace {

const GroupResource kNamespaces{"", "namespaces"};

// Everything but metadata and status: what a change to bumps metadata.generation.
bool specChanged(const json::object& before, const json::object& after) {
  json::object a = before, b = after;
  a.erase("metadata");
  a.erase("status");
  b.erase("metadata");
  b.erase("status");
  return a != b;
}

// Equal apart from resourceVersion and managedFields: an update that would change nothing real.
bool sameContent(const json::object& before, const json::object& after) {
  json::object a = before, b = after;
  for (json::object* o : {&a, &b}) {
    if (json::object* meta = objectField(*o, "metadata")) {
      meta->erase("resourceVersion");
      meta->erase("managedFields");
    }
  }
  return a == b;
}

std::int64_t generationOf(const json::object& obj) {
  const json::object* meta = objectField(obj, "metadata");
  if (!meta) return 0;
  auto it = meta->find("generation");
  return it != meta->end() && it->value().is_int64() ? it->value().get_int64() : 0;
}

bool hasFinalizers(const json::object& obj) {
  const json::object* meta = objectField(obj, "metadata");
  if (!meta) return false;
  auto it = meta->find("finalizers");
  return it != meta->end() && it->value().is_array() && !it->value().get_array().empty();
}

// metadata.deletionGracePeriodSeconds; nullopt while the object is not being deleted (a deletionTimestamp
// without a period, as a restored dump may carry, counts as 0).
std::optional<std::int64_t> deletionGraceOf(const json::object& obj) {
  const json::object* meta = objectField(obj, "metadata");
  if (!meta || stringField(*meta, "deletionTimestamp").empty()) return std::nullopt;
  auto it = meta->find("deletionGracePeriodSeconds");
  return it != meta->end() && it->value().is_int64() ? it->value().get_int64() : 0;
}

std::string encodeContinue(std::uint64_t revision, std::string_view lastKey) {
  json::object token;
  token["v"] = "meta.k8s.io/v1";
  token["rv"] = revision;
  token["start"] = std::string(lastKey) + '\0';
  return base64Encode(toJson(token));
}

// The key to resume after; throws 400 for a token this server did not write.
std::string decodeContinue(std::string_view token) {
  auto bad = [] {
    return badRequest(
        "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
  };
  auto raw = base64Decode(token);
  if (!raw) throw bad();
  boost::system::error_code ec;
  json::value v = json::parse(*raw, ec);
  if (ec || !v.is_object()) throw bad();
  std::string_view start = stringField(v.get_object(), "start");
  if (stringField(v.get_object(), "v") != "meta.k8s.io/v1" || start.empty()) throw bad();
  return std::string(start);
}

}  // namespace

const char* eventTypeName(EventType type) {
  switch (type) {
    case EventType::Added:
      return "ADDED";
    case EventType::Modified:
      return "MODIFIED";
    case EventType::Deleted:
      return "DELETED";
  }
  return "ERROR";
}

Store::Store(const Clock& clock, std::size_t historyLimit)
    : clock_(clock), historyLimit_(historyLimit), random_(std::random_device{}()) {}

void Store::registerResource(const GroupResource& gr, ResourceTraits traits) {
  std::lock_guard lock(mutex_);
  buckets_[gr].traits = traits;
}

void Store::unregisterResource(const GroupResource& gr) {
  std::lock_guard lock(mutex_);
  buckets_.erase(gr);
}

bool Store::isRegistered(const GroupResource& gr) const {
  std::lock_guard lock(mutex_);
  return buckets_.count(gr) != 0;
}

std::optional<ResourceTraits> Store::traits(const GroupResource& gr) const {
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(gr);
  if (it == buckets_.end()) return std::nullopt;
  return it->second.traits;
}

Store::Bucket& Store::bucketFor(const GroupResource& gr) {
  auto it = buckets_.find(gr);
  if (it == buckets_.end()) throw pathNotFound();
  return it->second;
}

const Store::Bucket& Store::bucketFor(const GroupResource& gr) const {
  auto it = buckets_.find(gr);
  if (it == buckets_.end()) throw pathNotFound();
  return it->second;
}

std::string Store::keyOf(const ResourceTraits& traits, std::string_view ns, std::string_view name) {
  return traits.namespaced ? fmt::format("{}/{}", ns, name) : std::string(name);
}

std::string Store::newUid() {
  std::uint64_t hi = random_(), lo = random_();
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xFFFF, hi & 0xFFFF,
                     lo >> 48, lo & 0xFFFFFFFFFFFFULL);
}

std::string Store::randomSuffix() {
  // The alphabet of k8s.io/apimachinery/pkg/util/rand: no vowels, no confusable characters.
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string s;
  for (int i = 0; i < 5; ++i)
    s += kAlphabet[random_() % kAlphabet.size()];
  return s;
}

ObjectPtr Store::commit(EventType type, const GroupResource& gr, Bucket& bucket, const std::string& key,
                        json::object object, ObjectPtr previous) {
  ++revision_;
  metadataOf(object)["resourceVersion"] = std::to_string(revision_);
  auto ptr = std::make_shared<const json::object>(std::move(object));
  if (type == EventType::Deleted)
    bucket.objects.erase(key);
  else
    bucket.objects[key] = ptr;
  StoreEvent event{type, gr, ptr, type == EventType::Modified ? std::move(previous) : nullptr, revision_};
  for (const auto& observer : observers_)
    observer(event);
  history_.push_back(std::move(event));
  while (history_.size() > historyLimit_) {
    droppedThrough_ = history_.front().revision;
    history_.pop_front();
  }
  changed_.notify_all();
  return ptr;
}

ObjectPtr Store::create(const GroupResource& gr, json::object object, const CreateOptions& options) {
  std::lock_guard lock(mutex_);
  Bucket& bucket = bucketFor(gr);
  json::object& meta = metadataOf(object);
  std::string ns = std::string(stringField(meta, "namespace"));
  if (!bucket.traits.namespaced) {
    meta.erase("namespace");
    ns.clear();
  }
  if (bucket.traits.namespaced && !options.restore) {
    const Bucket& namespaces = bucketFor(kNamespaces);
    if (!namespaces.objects.count(ns)) throw notFound(kNamespaces, ns);
  }
  std::string name = std::string(stringField(meta, "name"));
  if (name.empty()) {
    std::string_view prefix = stringField(meta, "generateName");
    do {
      name = std::string(prefix) + randomSuffix();
    } while (bucket.objects.count(keyOf(bucket.traits, ns, name)));
    meta["name"] = name;
  }
  std::string key = keyOf(bucket.traits, ns, name);
  if (bucket.objects.count(key)) throw alreadyExists(gr, name);

  if (!options.restore || stringField(meta, "uid").empty()) meta["uid"] = newUid();
  if (!options.restore || stringField(meta, "creationTimestamp").empty())
    meta["creationTimestamp"] = formatTime(clock_.now());
  meta.erase("resourceVersion");
  if (!options.restore) {
    meta.erase("deletionTimestamp");
    meta.erase("deletionGracePeriodSeconds");
  }
  if (bucket.traits.tracksGeneration && (!options.restore || generationOf(object) == 0))
    meta["generation"] = 1;
  else if (!bucket.traits.tracksGeneration && !options.restore)
    meta.erase("generation");

  if (options.dryRun) return std::make_shared<const json::object>(std::move(object));
  return commit(EventType::Added, gr, bucket, key, std::move(object), nullptr);
}

ObjectPtr Store::update(const GroupResource& gr, json::object object, const UpdateOptions& options) {
  std::lock_guard lock(mutex_);
  return updateLocked(gr, std::move(object), options);
}

ObjectPtr Store::updateLocked(const GroupResource& gr, json::object object, const UpdateOptions& options) {
  Bucket& bucket = bucketFor(gr);
  json::object& meta = metadataOf(object);
  std::string ns = bucket.traits.namespaced ? std::string(stringField(meta, "namespace")) : std::string();
  std::string name = std::string(stringField(meta, "name"));
  std::string key = keyOf(bucket.traits, ns, name);
  auto it = bucket.objects.find(key);
  if (it == bucket.objects.end()) throw notFound(gr, name);
  ObjectPtr current = it->second;
  const json::object& oldMeta = current->at("metadata").get_object();

  std::string_view rv = stringField(meta, "resourceVersion");
  if (!rv.empty() && rv != stringField(oldMeta, "resourceVersion")) throw modifiedConflict(gr, name);
  std::string_view uid = stringField(meta, "uid");
  if (!uid.empty() && uid != stringField(oldMeta, "uid"))
    throw conflict(gr, name,
                   fmt::format("Precondition failed: UID in precondition: {}, UID in object meta: {}", uid,
                               stringField(oldMeta, "uid")));

  json::object next;
  if (options.scope == UpdateScope::Status) {
    next = *current;
    if (auto st = object.find("status"); st != object.end())
      next["status"] = st->value();
    else
      next.erase("status");
    json::object& nextMeta = metadataOf(next);
    if (auto mf = meta.find("managedFields"); mf != meta.end()) nextMeta["managedFields"] = mf->value();
  } else {
    next = std::move(object);
    if (options.scope == UpdateScope::Main && bucket.traits.hasStatus) {
      if (auto st = current->find("status"); st != current->end())
        next["status"] = st->value();
      else
        next.erase("status");
    }
    json::object& nextMeta = metadataOf(next);
    // Identity and server-owned fields never change through an update.
    for (std::string_view field :
         {"uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"}) {
      if (auto f = oldMeta.find(field); f != oldMeta.end())
        nextMeta[field] = f->value();
      else
        nextMeta.erase(field);
    }
    if (bucket.traits.namespaced) nextMeta["namespace"] = ns;
    if (auto g = oldMeta.find("generation"); g != oldMeta.end())
      nextMeta["generation"] = g->value();
    else
      nextMeta.erase("generation");
    if (bucket.traits.tracksGeneration && specChanged(*current, next))
      nextMeta["generation"] = generationOf(*current) + 1;
  }
  metadataOf(next)["resourceVersion"] = std::string(stringField(oldMeta, "resourceVersion"));
  if (sameContent(*current, next)) return current;
  if (options.dryRun) return std::make_shared<const json::object>(std::move(next));

  // The registry's shouldDeleteDuringUpdate: an update that leaves a deleting object without finalizers
  // deletes it only once its grace period is over (deletionGracePeriodSeconds 0, after the kubelet's final
  // delete); the update itself is not written, the DELETED event carries it.
  if (bucket.traits.gracefulDeletion && !hasFinalizers(next) && deletionGraceOf(*current) == 0) {
    bucket.objects[key] = std::make_shared<const json::object>(std::move(next));
    std::vector<ObjectPtr> removed;
    removeLocked(gr, bucket, key, Propagation::Background, removed);
    return removed.front();
  }
  return commit(EventType::Modified, gr, bucket, key, std::move(next), current);
}

ObjectPtr Store::modify(const GroupResource& gr, std::string_view ns, std::string_view name,
                        const std::function<json::object(const json::object&)>& mutate,
                        const UpdateOptions& options) {
  for (int attempt = 0;; ++attempt) {
    ObjectPtr current = get(gr, ns, name);
    if (!current) throw notFound(gr, name);
    json::object next = mutate(*current);
    json::object& meta = metadataOf(next);
    std::string_view wanted = stringField(meta, "resourceVersion");
    std::string_view have = metaString(*current, "resourceVersion");
    bool pinned = !wanted.empty() && wanted != have;  // the caller asked for a specific version
    if (!pinned) meta["resourceVersion"] = std::string(have);
    meta["name"] = std::string(name);
    if (!ns.empty()) meta["namespace"] = std::string(ns);
    try {
      return update(gr, std::move(next), options);
    } catch (const ApiError& e) {
      if (pinned || e.reason() != "Conflict" || attempt >= 5) throw;
    }
  }
}

void Store::removeLocked(const GroupResource& gr, Bucket& bucket, const std::string& key,
                         Propagation propagation, std::vector<ObjectPtr>& removed) {
  auto it = bucket.objects.find(key);
  if (it == bucket.objects.end()) return;
  ObjectPtr victim = it->second;
  std::string uid = std::string(metaString(*victim, "uid"));

  // A namespace takes its contents with it.
  if (gr == kNamespaces) {
    std::string ns = std::string(metaString(*victim, "name"));
    for (auto& [otherGr, other] : buckets_) {
      if (!other.traits.namespaced) continue;
      std::vector<std::string> keys;
      for (auto o = other.objects.lower_bound(ns + "/");
           o != other.objects.end() && o->first.starts_with(ns + "/"); ++o)
        keys.push_back(o->first);
      for (const std::string& k : keys)
        removeLocked(otherGr, other, k, Propagation::Background, removed);
    }
  }

  json::object last = *victim;
  json::object& meta = metadataOf(last);
  if (gr == kNamespaces) {
    meta["deletionTimestamp"] = formatTime(clock_.now());
    json::value& status = last["status"];
    if (!status.is_object()) status = json::object{};
    status.get_object()["phase"] = "Terminating";
  }
  ObjectPtr gone = commit(EventType::Deleted, gr, bucket, key, std::move(last), nullptr);
  removed.push_back(gone);

  // Dependents: what the garbage collector does after the owner goes, done at once.
  if (uid.empty()) return;
  for (auto& [otherGr, other] : buckets_) {
    std::vector<std::string> dependents;
    for (const auto& [k, obj] : other.objects) {
      const json::object* m = objectField(*obj, "metadata");
      if (!m) continue;
      auto refs = m->find("ownerReferences");
      if (refs == m->end() || !refs->value().is_array()) continue;
      for (const json::value& ref : refs->value().get_array())
        if (ref.is_object() && stringField(ref.get_object(), "uid") == uid) dependents.push_back(k);
    }
    for (const std::string& k : dependents) {
      if (propagation != Propagation::Orphan) {
        removeLocked(otherGr, other, k, Propagation::Background, removed);
        continue;
      }
      ObjectPtr dep = other.objects.at(k);
      json::object orphan = *dep;
      json::array& refs = metadataOf(orphan)["ownerReferences"].as_array();
      json::array kept;
      for (json::value& ref : refs)
        if (!ref.is_object() || stringField(ref.get_object(), "uid") != uid) kept.push_back(std::move(ref));
      if (kept.empty())
        metadataOf(orphan).erase("ownerReferences");
      else
        refs = std::move(kept);
      commit(EventType::Modified, otherGr, other, k, std::move(orphan), dep);
    }
  }
}

ObjectPtr Store::remove(const GroupResource& gr, std::string_view ns, std::string_view name,
                        const DeleteOptions& options) {
  std::lock_guard lock(mutex_);
  Bucket& bucket = bucketFor(gr);
  std::string key = keyOf(bucket.traits, ns, name);
  auto it = bucket.objects.find(key);
  if (it == bucket.objects.end()) throw notFound(gr, name);
  ObjectPtr current = it->second;
  if (!options.preconditionUid.empty() && options.preconditionUid != metaString(*current, "uid"))
    throw conflict(gr, name,
                   fmt::format("Precondition failed: UID in precondition: {}, UID in object meta: {}",
                               options.preconditionUid, metaString(*current, "uid")));
  if (!options.preconditionResourceVersion.empty() &&
      options.preconditionResourceVersion != metaString(*current, "resourceVersion"))
    throw conflict(gr, name,
                   fmt::format("Precondition failed: ResourceVersion in precondition: {}, ResourceVersion in "
                               "object meta: {}",
                               options.preconditionResourceVersion, metaString(*current, "resourceVersion")));
  if (options.dryRun) return current;

  if (bucket.traits.gracefulDeletion) {
    // rest.BeforeDelete and updateForGracefulDeletionAndFinalizers: a first delete marks the object; a
    // later one may only shorten the grace period; the object goes once the period is 0 and no finalizer
    // is left.
    bool finalizers = hasFinalizers(*current);
    std::optional<std::int64_t> pending = deletionGraceOf(*current);
    std::optional<std::int64_t> requested = options.gracePeriodSeconds;
    if (requested && *requested < 0) requested = 1;  // negative periods count as 1 s on the delete path
    std::optional<std::int64_t> grace;
    std::optional<std::chrono::system_clock::time_point> deadline;
    if (!pending) {
      grace = requested.value_or(30);
      deadline = clock_.now() + std::chrono::seconds(*grace);
    } else if (*pending > 0 && requested && *requested < *pending) {
      grace = *requested;
      auto marked = parseTime(metaString(*current, "deletionTimestamp")).value_or(clock_.now());
      deadline = marked - std::chrono::seconds(*pending) + std::chrono::seconds(*grace);
    } else if (*pending > 0 || finalizers) {
      return current;  // graceful deletion (or finalization) is under way; nothing to change
    }
    if (grace && (*grace > 0 || finalizers || pending)) {
      json::object marked = *current;
      json::object& meta = metadataOf(marked);
      meta["deletionTimestamp"] = formatTime(*deadline);
      meta["deletionGracePeriodSeconds"] = *grace;
      ObjectPtr written = commit(EventType::Modified, gr, bucket, key, std::move(marked), current);
      if (*grace > 0 || finalizers) return written;
    }
  }
  std::vector<ObjectPtr> removed;
  removeLocked(gr, bucket, key, options.propagation, removed);
  // removeLocked deletes a namespace's contents first; the object asked for is the one with this key.
  for (const ObjectPtr& obj : removed)
    if (metaString(*obj, "uid") == metaString(*current, "uid")) return obj;
  return current;
}

ObjectPtr Store::get(const GroupResource& gr, std::string_view ns, std::string_view name) const {
  std::lock_guard lock(mutex_);
  const Bucket& bucket = bucketFor(gr);
  auto it = bucket.objects.find(keyOf(bucket.traits, ns, name));
  return it == bucket.objects.end() ? nullptr : it->second;
}

ListResult Store::list(const GroupResource& gr, const ListOptions& options) const {
  std::lock_guard lock(mutex_);
  const Bucket& bucket = bucketFor(gr);
  ListResult result;
  result.revision = revision_;
  std::string prefix =
      bucket.traits.namespaced && !options.namespace_.empty() ? options.namespace_ + "/" : "";
  auto it = bucket.objects.lower_bound(prefix);
  if (!options.continueToken.empty()) {
    std::string start = decodeContinue(options.continueToken);
    it = bucket.objects.lower_bound(start);
  }
  std::string lastKey;
  for (; it != bucket.objects.end() && it->first.starts_with(prefix); ++it) {
    if (options.predicate && !options.predicate(*it->second)) continue;
    if (options.limit && result.items.size() == options.limit) {
      result.continueToken = encodeContinue(revision_, lastKey);
      if (options.countRemaining) {
        std::int64_t remaining = 0;
        for (; it != bucket.objects.end() && it->first.starts_with(prefix); ++it)
          ++remaining;
        result.remainingItemCount = remaining;
      }
      break;
    }
    result.items.push_back(it->second);
    lastKey = it->first;
  }
  return result;
}

std::unique_ptr<Watch> Store::watch(const GroupResource& gr, std::string_view ns,
                                    std::uint64_t fromRevision) {
  std::lock_guard lock(mutex_);
  const Bucket& bucket = bucketFor(gr);
  if (fromRevision < droppedThrough_)
    throw expired(fmt::format("too old resource version: {} ({})", fromRevision, droppedThrough_));
  return std::unique_ptr<Watch>(
      new Watch(*this, gr, bucket.traits.namespaced ? std::string(ns) : std::string(), fromRevision));
}

std::uint64_t Store::revision() const {
  std::lock_guard lock(mutex_);
  return revision_;
}

void Store::addObserver(std::function<void(const StoreEvent&)> observer) {
  std::lock_guard lock(mutex_);
  observers_.push_back(std::move(observer));
}

void Store::shutdown() {
  std::lock_guard lock(mutex_);
  shutdown_ = true;
  changed_.notify_all();
}

std::optional<StoreEvent> Watch::next(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(store_.mutex_);
  for (;;) {
    if (store_.shutdown_) return std::nullopt;
    if (position_ < store_.droppedThrough_)
      throw expired(fmt::format("too old resource version: {} ({})", position_, store_.droppedThrough_));
    auto& history = store_.history_;
    auto it = std::upper_bound(history.begin(), history.end(), position_,
                               [](std::uint64_t rv, const StoreEvent& e) { return rv < e.revision; });
    for (; it != history.end(); ++it) {
      position_ = it->revision;
      if (it->resource != gr_) continue;
      if (!namespace_.empty() && metaString(*it->object, "namespace") != namespace_) continue;
      return *it;
    }
    position_ = std::max(position_, store_.revision_);
    if (store_.changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
      if (store_.shutdown_) return std::nullopt;
      // One last look: a write may have landed just as the wait expired.
      auto last = std::upper_bound(history.begin(), history.end(), position_,
                                   [](std::uint64_t rv, const StoreEvent& e) { return rv < e.revision; });
      if (last == history.end()) return std::nullopt;
    }
  }
}

bool Watch::closed() const {
  std::lock_guard lock(store_.mutex_);
  return store_.shutdown_;
}

std::uint64_t Watch::revision() const {
  std::lock_guard lock(store_.mutex_);
  return position_;
}

void LogStore::set(const LogKey& key, std::string text) {
  std::lock_guard lock(mutex_);
  logs_[key] = LogText(std::move(text));
  appended_.notify_all();
}

void LogStore::setGenerated(const LogKey& key, GeneratedLog generated, std::string text) {
  std::lock_guard lock(mutex_);
  logs_[key] = LogText(std::move(generated), std::move(text));
  appended_.notify_all();
}

void LogStore::append(const LogKey& key, std::string_view text) {
  std::lock_guard lock(mutex_);
  logs_[key].append(text);
  appended_.notify_all();
}

std::optional<std::string> LogStore::get(const LogKey& key) const {
  std::lock_guard lock(mutex_);
  auto it = logs_.find(key);
  if (it == logs_.end()) return std::nullopt;
  return it->second.read(0, it->second.size());
}

std::optional<LogWindow> LogStore::window(const LogKey& key, std::int64_t tailLines,
                                          std::int64_t limitBytes) const {
  std::lock_guard lock(mutex_);
  auto it = logs_.find(key);
  if (it == logs_.end()) return std::nullopt;
  return it->second.window(tailLines, limitBytes);
}

std::optional<std::string> LogStore::read(const LogKey& key, std::uint64_t from, std::uint64_t to) const {
  std::lock_guard lock(mutex_);
  auto it = logs_.find(key);
  if (it == logs_.end()) return std::nullopt;
  return it->second.read(from, to);
}

std::optional<std::string> LogStore::readFrom(const LogKey& key, std::size_t offset,
                                              std::chrono::milliseconds wait) const {
  std::unique_lock lock(mutex_);
  auto ready = [&] {
    auto it = logs_.find(key);
    return shutdown_ || (it != logs_.end() && it->second.size() > offset);
  };
  appended_.wait_for(lock, wait, ready);
  auto it = logs_.find(key);
  if (it == logs_.end()) return std::nullopt;
  return offset < it->second.size() ? it->second.read(offset, it->second.size()) : std::string();
}

void LogStore::shutdown() {
  std::lock_guard lock(mutex_);
  shutdown_ = true;
  appended_.notify_all();
}

bool LogStore::isShutdown() const {
  std::lock_guard lock(mutex_);
  return shutdown_;
}

}  // namespace kubesim

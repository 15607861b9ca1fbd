// The object store of the simulated cluster: every API object keyed by resource, namespace and name, one
// global monotonically increasing resourceVersion, and the event history that watches (and, in the next
// issue, controllers) read.
//
// Why one mutex and copy-on-write objects: the cluster is small (thousands of objects), writes are rare next
// to reads, and a single lock makes every write, its resourceVersion and its history entry one atomic step,
// so a list followed by a watch from the list's revision never misses or repeats an event (the guarantee
// informers rely on). Objects are immutable shared_ptrs, so a list copies pointers, not JSON.
//
// The store is policy-free where the API has policy: strategies (what a create resets, which fields a
// subresource may write, defaulting, validation) live in the server; the store enforces only what etcd and
// the generic registry enforce: names, uids, resourceVersion preconditions, generation, namespaces, and
// deletion.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "clock.h"
#include "logs.h"
#include "meta.h"
#include "state.h"

namespace kubesim {

using ObjectPtr = std::shared_ptr<const boost::json::object>;

struct ResourceTraits {
  bool namespaced = true;
  bool hasStatus = false;  // has a status subresource: main-resource writes keep the stored status
  bool tracksGeneration =
      false;  // metadata.generation starts at 1 and grows on changes outside metadata/status
  // Deletion honours finalizers and grace periods instead of removing at once, as the generic registry does
  // for pods: a delete sets deletionTimestamp and deletionGracePeriodSeconds (default 30 s); a later delete
  // may only shorten the period; the object goes when a delete brings the period to 0 (the kubelet's final
  // delete) with no finalizers left, or when an update removes the last finalizer of an object whose
  // period is already 0. Off by default; the controller manager turns it on for pods.
  bool gracefulDeletion = false;
};

enum class EventType { Added, Modified, Deleted };
// "ADDED", "MODIFIED", "DELETED".
const char* eventTypeName(EventType type);

struct StoreEvent {
  EventType type;
  GroupResource resource;
  ObjectPtr object;  // for Deleted: the last state, carrying the deletion's resourceVersion
  ObjectPtr
      previous;  // for Modified: the state before; lets a selective watch turn a change into ADDED/DELETED
  std::uint64_t revision = 0;
};

struct CreateOptions {
  bool dryRun = false;
  // Loading cluster state: keep the given uid, creationTimestamp, generation and status (a dump's objects
  // carry them) and skip the namespace check.
  bool restore = false;
};

enum class UpdateScope {
  Main,    // the resource itself: a kind with a status subresource keeps its stored status
  Status,  // the status subresource: only status (and managedFields) change
  All,     // everything, as controllers of the next issue write
};

struct UpdateOptions {
  UpdateScope scope = UpdateScope::Main;
  bool dryRun = false;
};

enum class Propagation { Background, Foreground, Orphan };

struct DeleteOptions {
  bool dryRun = false;
  std::string preconditionUid;              // empty: none
  std::string preconditionResourceVersion;  // empty: none
  Propagation propagation = Propagation::Background;
  std::optional<std::int64_t> gracePeriodSeconds;
};

struct ListOptions {
  std::string namespace_;  // empty: every namespace
  std::function<bool(const boost::json::object&)> predicate;
  std::size_t limit = 0;       // 0: no limit
  std::string continueToken;   // from a previous page
  bool countRemaining = true;  // report remainingItemCount (the real server cannot when selectors filter)
};

struct ListResult {
  std::vector<ObjectPtr> items;
  std::uint64_t revision = 0;
  std::string continueToken;  // empty on the last page
  std::optional<std::int64_t> remainingItemCount;
};

class Store;

// A stream of changes to one resource (optionally one namespace) after a revision.
class Watch {
 public:
  // The next change, or nullopt when `timeout` passes first or the store shuts down (see closed()). Throws
  // ApiError 410 Expired when the watch fell so far behind that history no longer holds what it missed.
  std::optional<StoreEvent> next(std::chrono::milliseconds timeout);
  bool closed() const;
  // The revision this watch has seen everything up to: what a BOOKMARK reports.
  std::uint64_t revision() const;

 private:
  friend class Store;
  Watch(Store& store, GroupResource gr, std::string ns, std::uint64_t from)
      : store_(store), gr_(std::move(gr)), namespace_(std::move(ns)), position_(from) {}
  Store& store_;
  GroupResource gr_;
  std::string namespace_;
  std::uint64_t position_;
};

class Store {
 public:
  explicit Store(const Clock& clock, std::size_t historyLimit = 50000);
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const Clock& clock() const { return clock_; }

  // Declares a resource the store keeps (built-ins at start, custom resources when their CRD is created).
  void registerResource(const GroupResource& gr, ResourceTraits traits);
  // Forgets a resource and all its objects (its CRD was deleted); watchers see nothing further.
  void unregisterResource(const GroupResource& gr);
  bool isRegistered(const GroupResource& gr) const;
  std::optional<ResourceTraits> traits(const GroupResource& gr) const;

  // Creates an object: assigns uid, creationTimestamp, resourceVersion and (when tracked) generation, and a
  // name from metadata.generateName when the name is empty. 409 AlreadyExists, 404 for a missing namespace.
  ObjectPtr create(const GroupResource& gr, boost::json::object object, const CreateOptions& options = {});
  // Replaces an object. A non-empty metadata.resourceVersion must match (409 Conflict); 404 when absent.
  // An update that changes nothing is not written and returns the stored object unchanged.
  ObjectPtr update(const GroupResource& gr, boost::json::object object, const UpdateOptions& options = {});
  // Read-modify-write: `mutate` receives the current object and returns the new one; the write carries the
  // current resourceVersion, so a concurrent change makes it retry with fresh state (as the real server's
  // GuaranteedUpdate does for patches).
  ObjectPtr modify(const GroupResource& gr, std::string_view ns, std::string_view name,
                   const std::function<boost::json::object(const boost::json::object&)>& mutate,
                   const UpdateOptions& options = {});
  // Deletes an object and, unless orphaned, its dependents (ownerReferences) and, for a namespace, its
  // contents. Returns the deleted object as last stored (for a graceful deletion still under way: the
  // object as marked). 404 when absent; 409 on a failed precondition.
  ObjectPtr remove(const GroupResource& gr, std::string_view ns, std::string_view name,
                   const DeleteOptions& options = {});

  ObjectPtr get(const GroupResource& gr, std::string_view ns, std::string_view name) const;
  ListResult list(const GroupResource& gr, const ListOptions& options = {}) const;
  // Changes after `fromRevision`. 410 Expired when history no longer reaches back that far.
  std::unique_ptr<Watch> watch(const GroupResource& gr, std::string_view ns, std::uint64_t fromRevision);

  std::uint64_t revision() const;
  // Called after every committed write, in revision order, with the store locked: an observer must not
  // call back into the store (queue the work instead).
  void addObserver(std::function<void(const StoreEvent&)> observer);
  // Wakes every watch; they report closed() and end. Writes still work (for an orderly exit).
  void shutdown();

 private:
  friend class Watch;
  struct Bucket {
    ResourceTraits traits;
    std::map<std::string, ObjectPtr, std::less<>> objects;  // key: "ns/name" or "name", in etcd key order
  };

  Bucket& bucketFor(const GroupResource& gr);
  const Bucket& bucketFor(const GroupResource& gr) const;
  static std::string keyOf(const ResourceTraits& traits, std::string_view ns, std::string_view name);
  ObjectPtr commit(EventType type, const GroupResource& gr, Bucket& bucket, const std::string& key,
                   boost::json::object object, ObjectPtr previous);
  ObjectPtr updateLocked(const GroupResource& gr, boost::json::object object, const UpdateOptions& options);
  void removeLocked(const GroupResource& gr, Bucket& bucket, const std::string& key, Propagation propagation,
                    std::vector<ObjectPtr>& removed);
  std::string newUid();
  std::string randomSuffix();

  const Clock& clock_;
  const std::size_t historyLimit_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<GroupResource, Bucket> buckets_;
  std::deque<StoreEvent> history_;
  std::uint64_t revision_ = 0;
  std::uint64_t droppedThrough_ = 0;  // every event up to this revision has left the history
  bool shutdown_ = false;
  std::vector<std::function<void(const StoreEvent&)>> observers_;
  std::mt19937_64 random_;
};

// Container logs, keyed like ClusterState::logs. Thread-safe; followers wait for appended text.
class LogStore {
 public:
  void set(const LogKey& key, std::string text);
  // A log of generated lines (computed when read, never held) followed by `text`.
  void setGenerated(const LogKey& key, GeneratedLog generated, std::string text);
  void append(const LogKey& key, std::string_view text);
  // The whole log: for logs of ordinary size (a generated one is materialised).
  std::optional<std::string> get(const LogKey& key) const;
  // What a read with tailLines and limitBytes returns (see LogText::window), and bytes [from, to) of it.
  std::optional<LogWindow> window(const LogKey& key, std::int64_t tailLines, std::int64_t limitBytes) const;
  std::optional<std::string> read(const LogKey& key, std::uint64_t from, std::uint64_t to) const;
  // Text after byte `offset`, waiting up to `wait` when there is none yet; nullopt when the log is absent.
  std::optional<std::string> readFrom(const LogKey& key, std::size_t offset,
                                      std::chrono::milliseconds wait) const;
  // Wakes followers so they can notice a shutdown.
  void shutdown();
  bool isShutdown() const;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable appended_;
  std::map<LogKey, LogText> logs_;
  bool shutdown_ = false;
};

}  // namespace kubesim

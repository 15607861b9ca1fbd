// src/kube/: everything that talks to the Kubernetes API, and typed read-only views of what comes back.
// Owns: the KubeTransport interface and its kubectl implementation, the Client (get, paginated list,
// create, replace, patch, delete, logs, watch, parallel fetches), KubeError, Quantity, object views and
// connection flags. Uses: src/support/ only. Never analyzers, governance or the executor: they use it.
//
// Client: typed operations over a KubeTransport. Methods throw KubeError; the *All methods return
// per-request outcomes instead, so that independent fetches can fail independently.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kube/errors.h"
#include "kube/resource.h"
#include "kube/transport.h"

namespace aiops::kube {

// The outcome of one of several parallel requests: a value, or the error it failed with.
struct Fetched {
  boost::json::value value;  // null on error
  std::optional<KubeError> error;

  bool ok() const { return !error.has_value(); }
  // The value, or throws the error.
  const boost::json::value& get() const;
};

struct ListOptions {
  std::string labelSelector;
  std::string fieldSelector;
  std::int64_t pageSize = 500;  // `limit` per request; every page is collected
};

struct ListRequest {
  ResourceType type;
  std::string namespace_;  // empty: all namespaces (or cluster-scoped)
  ListOptions options;
};

struct LogOptions {
  std::string container;  // empty: the pod's only (or default) container
  bool previous = false;  // the last terminated instance (kubectl logs --previous)
  std::optional<std::int64_t> tailLines;
  std::int64_t limitBytes = 1 << 20;  // always sent: a huge log is never transferred whole
  std::optional<std::int64_t> sinceSeconds;
  bool timestamps = false;
};

struct Logs {
  std::string text;
  bool truncated = false;  // cut at limitBytes (or at our own cap, if the server ignored it)
};

struct WatchOptions {
  std::string labelSelector;
  std::string fieldSelector;
  std::string resourceVersion;      // start after this version; empty: from "now" (the current state first)
  std::int64_t timeoutSeconds = 0;  // server-side end of the watch; 0: the server's default
  bool allowBookmarks = false;
};

struct WatchEvent {
  std::string type;  // ADDED, MODIFIED, DELETED, BOOKMARK, ERROR
  boost::json::value object;
};

// A running watch. next() returns events as they arrive; an ERROR event's Status becomes a KubeError.
class Watch {
 public:
  explicit Watch(std::unique_ptr<LineStream> stream) : stream_(std::move(stream)) {}
  // The next event; nullopt on timeout or at the end (then finished() is true). Throws KubeError when the
  // server sends an ERROR event (e.g. 410 Expired) or the stream ends with an error.
  std::optional<WatchEvent> next(std::chrono::milliseconds timeout);
  bool finished();
  void close() { stream_->close(); }

 private:
  std::unique_ptr<LineStream> stream_;
};

class Client {
 public:
  explicit Client(KubeTransport& transport) : transport_(transport) {}

  KubeTransport& transport() { return transport_; }

  boost::json::value get(const ResourceRef& ref);
  // nullopt when the object does not exist (404); other errors throw.
  std::optional<boost::json::value> find(const ResourceRef& ref);
  // A raw GET of an API path (e.g. "/version"), parsed as JSON.
  boost::json::value getPath(const std::string& path);

  // All pages of a list merged into one List object: {"apiVersion", "kind", "metadata": {"resourceVersion"},
  // "items": [...]}, each item carrying its own "apiVersion" and "kind" as kubectl shows them.
  boost::json::value list(const ResourceType& type, const std::string& namespace_,
                          const ListOptions& options = {});

  boost::json::value create(const ResourceType& type, const std::string& namespace_,
                            const boost::json::value& object);
  // PUT; a stale metadata.resourceVersion fails with a 409 Conflict KubeError.
  boost::json::value replace(const ResourceRef& ref, const boost::json::value& object);
  boost::json::value patch(const ResourceRef& ref, PatchType type, const boost::json::value& patch);
  // DELETE; returns what the server answers (the object being deleted, or a Status).
  boost::json::value remove(const ResourceRef& ref);

  Logs logs(const std::string& namespace_, const std::string& pod, const LogOptions& options = {});

  Watch watch(const ResourceType& type, const std::string& namespace_, const WatchOptions& options = {});

  // Independent GETs of API paths, run concurrently; results in the order of `paths`.
  std::vector<Fetched> getAll(const std::vector<std::string>& paths);
  // Independent lists, run concurrently (pages of different lists are fetched in parallel rounds).
  std::vector<Fetched> listAll(const std::vector<ListRequest>& requests);

 private:
  KubeTransport& transport_;
};

// A response as an outcome: its JSON body, or the error (transport failure, cut-off body, non-JSON body, or
// a Status failure object) with `what` ("listing pods in namespace shop") prefixed to its message.
Fetched interpret(const Response& response, const std::string& what);

}  // namespace aiops::kube

// The API server proper: authentication, impersonation, authorization, routing and every handler, over the
// store. It speaks HttpRequest/HttpResponse (http.h); server.cpp puts it on HTTPS and HTTP sockets.
//
// Layout of the implementation: api.cpp (the request pipeline and content negotiation), objects.cpp (get,
// list, watch, create, update, patch, delete), subresources.cpp (log, eviction, scale, binding, proxy,
// token, status), reviews.cpp (self-subject reviews, access reviews), discovery.cpp (discovery, OpenAPI,
// version, health), strategy.cpp (what the registry strategies do on write: defaults, status resets, name
// checks), conversion.cpp (serving one storage in several versions) and bootstrap.cpp (initial state).
#pragma once

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "auth.h"
#include "catalog.h"
#include "clock.h"
#include "conversion.h"
#include "faults.h"
#include "http.h"
#include "openapi.h"
#include "rbac.h"
#include "router.h"
#include "simulation.h"
#include "state.h"
#include "store.h"
#include "tables.h"
#include "validate.h"

namespace kubesim {

struct ApiServerOptions {
  // How often an idle watch that asked for bookmarks gets one (the real server: about once a minute).
  std::chrono::milliseconds bookmarkInterval{std::chrono::seconds(60)};
  // Longest a watch runs when the client gives no timeoutSeconds (the real server: 30-60 minutes).
  std::chrono::seconds maxWatchTimeout{std::chrono::minutes(30)};
};

class ApiServer {
 public:
  ApiServer(const OpenApi& openapi, Authenticator& authenticator, const Clock& clock,
            ApiServerOptions options = {});
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // "127.0.0.1:PORT", reported by /api as the server's address.
  void setAddress(std::string hostPort) { address_ = std::move(hostPort); }
  // Creates the namespaces, service accounts and RBAC every cluster has, then loads `state`: its objects
  // (status kept, defaults applied), logs and CRDs. Throws StateError naming an object that cannot load.
  void load(const ClusterState& state);
  // Serves one request. Never throws.
  HttpResponse handle(const HttpRequest& request);
  // Ends every watch and log stream, so the HTTP server can stop.
  void shutdown();

  // Plugs the live cluster in (simulation.h). Call after load() (loading must not be admitted) and before
  // serving; the hooks must outlive the server's requests.
  void setSimulation(SimulationHooks hooks) { hooks_ = std::move(hooks); }
  const SimulationHooks& simulation() const { return hooks_; }
  // The faults in force (faults.h); /kubesim/v1/faults changes them too.
  FaultSet& faults() { return faults_; }
  // A create as the registry does it for a controller (not a request): the kind's strategy, defaults and
  // admission, managedFields for `manager`, then the store. `object` carries apiVersion and kind; the stored
  // object is returned. Throws ApiError as the API would (422 invalid, 403 exceeded quota, 409 exists).
  ObjectPtr createAs(const GroupResource& resource, boost::json::object object,
                     std::string_view manager = "kube-controller-manager");

  Store& store() { return store_; }
  LogStore& logs() { return logs_; }
  Catalog& catalog() { return catalog_; }
  const Clock& clock() const { return clock_; }

  // Output forms a client can ask for through Accept.
  enum class Output { Json, Yaml, Table, PartialMetadata };

 private:
  // One request on its way through the pipeline.
  struct Call {
    const HttpRequest& http;
    RequestInfo info;
    UserInfo user;
    std::optional<ResourceType> type;   // the served resource, for resource requests
    GroupResource storage;              // where its objects live
    std::vector<std::string> warnings;  // Warning headers (299) to send
  };

  // api.cpp
  HttpResponse dispatch(Call& call);
  UserInfo impersonate(const HttpRequest& http, const UserInfo& requester);
  void authorize(const UserInfo& user, const RequestInfo& info);
  Decision decide(const UserInfo& user, const RequestAttributes& attributes) const;
  HttpResponse serveResource(Call& call);
  HttpResponse respondObject(const Call& call, int status, const boost::json::object& object);
  HttpResponse respondJson(const Call& call, int status, const boost::json::value& body);
  Output negotiate(const Call& call, bool tableAllowed) const;
  IncludeObject includeObject(const Call& call) const;

  // objects.cpp
  HttpResponse getObject(Call& call);
  HttpResponse listObjects(Call& call);
  HttpResponse watchObjects(Call& call);
  HttpResponse createObject(Call& call);
  HttpResponse updateObject(Call& call, UpdateScope scope);
  HttpResponse patchObject(Call& call, UpdateScope scope);
  HttpResponse deleteObject(Call& call);
  HttpResponse deleteCollection(Call& call);
  boost::json::object decodeBody(const Call& call) const;
  std::function<bool(const boost::json::object&)> selectorPredicate(const Call& call) const;
  // Converts a stored object to the served version, for a response or an event.
  boost::json::object present(const ResourceType& type, const boost::json::object& stored) const;
  // The list body (List kind, Table, or PartialObjectMetadataList) for `items`.
  boost::json::object listBody(const Call& call, Output output, const std::vector<ObjectPtr>& items,
                               const ListResult& page) const;
  // Validation per fieldValidation: throws 400/422, or records warnings and drops the unknown fields.
  void validateForWrite(Call& call, boost::json::object& object, std::string_view name);
  // Writes after a successful store write: a CRD's resources join the catalogue.
  void afterWrite(const ResourceType& type, const boost::json::object& object, bool deleted);

  // subresources.cpp
  HttpResponse serveSubresource(Call& call);
  HttpResponse servePodLog(Call& call);
  HttpResponse serveEviction(Call& call);
  HttpResponse serveScale(Call& call);
  HttpResponse serveBinding(Call& call);
  HttpResponse serveProxy(Call& call);
  HttpResponse serveNodeProxy(Call& call);
  HttpResponse serveToken(Call& call);

  // reviews.cpp
  HttpResponse serveReview(Call& call);

  // control.cpp: /kubesim/v1/clock, /kubesim/v1/faults and /kubesim/v1/actions, and faults applied to a
  // request
  HttpResponse serveControl(Call& call);
  HttpResponse serveClockControl(Call& call);
  HttpResponse serveFaultControl(Call& call);
  HttpResponse serveActionControl(Call& call);
  // Applies the faults hitting this request: sleeps for latency, throws an error Status, or wraps a stream
  // of the response (applied after dispatch through `cut`).
  FaultOutcome applyFaults(const Call& call);
  static void cutStream(HttpResponse& response, const FaultOutcome& outcome);
  // metrics.k8s.io from the ResourceMetrics hook
  HttpResponse serveResourceMetrics(Call& call);

  // discovery.cpp
  HttpResponse serveNonResource(Call& call);
  boost::json::object resourceList(std::string_view group, std::string_view version) const;
  boost::json::object groupList() const;
  boost::json::object groupObject(const GroupVersions& group) const;
  // The v2 document serialized once, on first request (most runs never ask for it).
  const std::string& openapiV2Json() const;

  // strategy.cpp
  // What a create through the API does before storing: status reset, defaults, name checks.
  void prepareForCreate(const ResourceType& type, boost::json::object& object);
  void prepareForUpdate(const ResourceType& type, boost::json::object& object,
                        const boost::json::object& old);
  // Kubernetes' defaulting for the kinds that have defaults (Deployment strategy, pod spec, Service, ...).
  void applyDefaults(const ResourceType& type, boost::json::object& object);
  std::string allocateClusterIp();

  // conversion.cpp
  // Fills a body's missing apiVersion/kind from the endpoint, converts another served version of the same
  // kind, and refuses anything else with the real server's 400.
  void normalizeTypeMeta(const ResourceType& type, boost::json::object& object) const;
  // The stored form of an object written in `type`'s version.
  boost::json::object toStorage(const ResourceType& type, boost::json::object object) const;

  // bootstrap.cpp
  void registerBuiltins();
  void loadObject(boost::json::object object, const std::string& origin);
  // What the service account controller does for each namespace: a `default` ServiceAccount.
  void ensureDefaultServiceAccount(const std::string& ns);

  const OpenApi& openapi_;
  Authenticator& authenticator_;
  const Clock& clock_;
  ApiServerOptions options_;
  Store store_;
  LogStore logs_;
  Catalog catalog_;
  RbacAuthorizer authorizer_;
  std::string address_ = "127.0.0.1:443";
  SimulationHooks hooks_;
  FaultSet faults_;
  std::atomic<bool> shuttingDown_{false};
  std::atomic<unsigned> nextClusterIp_{10};
  mutable std::once_flag v2Once_;
  mutable std::string v2Json_;
};

// The kind a list of `kind` has: "PodList".
std::string listKind(const ResourceType& type);

}  // namespace kubesim

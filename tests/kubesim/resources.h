// The catalogue of API resources kubesim serves: what discovery lists, what the router accepts, what the
// OpenAPI, table and RBAC code look up. A resource not in this table answers 404, as on a real server.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kubesim {

struct ResourceType {
  std::string group;     // "" for the core group
  std::string version;   // "v1"
  std::string kind;      // "Deployment"
  std::string plural;    // "deployments"
  std::string singular;  // "deployment"
  bool namespaced = true;
  std::vector<std::string> verbs;         // as discovery lists them: get, list, watch, create, ...
  std::vector<std::string> shortNames;    // "deploy"
  std::vector<std::string> categories;    // "all"
  std::vector<std::string> subresources;  // "status", "scale", "log", ...

  // "apps/v1", or "v1" for the core group.
  std::string groupVersion() const { return group.empty() ? version : group + "/" + version; }
  // "/api/v1" or "/apis/apps/v1".
  std::string pathPrefix() const {
    return group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
  }
};

// Every built-in resource kubesim serves, in discovery order.
const std::vector<ResourceType>& builtinResources();

// Looks a resource up by group, version and plural; nullptr when it is not served.
const ResourceType* findResource(std::string_view group, std::string_view version, std::string_view plural);
// Looks a resource up by group and kind (any served version); nullptr when it is not served.
const ResourceType* findResourceByKind(std::string_view group, std::string_view kind);

// True for the API groups kube-apiserver serves itself; any other group belongs to a CRD (or an aggregated
// API, treated alike): field selectors and table printing differ between the two.
bool isBuiltinGroup(std::string_view group);

}  // namespace kubesim

// Request routing: what a path and method ask for, with the rules of the API server's RequestInfoFactory
// (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go), so authorization sees the same verb, resource,
// subresource, name and namespace a real server's RBAC would.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rbac.h"

namespace kubesim {

struct RequestInfo {
  bool isResourceRequest = false;
  std::string path;
  std::string verb;       // get, list, watch, create, update, patch, delete, deletecollection, proxy; or the
                          // lower-case HTTP method for a non-resource request
  std::string apiPrefix;  // "api" or "apis"
  std::string apiGroup;
  std::string apiVersion;
  std::string namespace_;
  std::string resource;
  std::string subresource;
  std::string name;
  std::vector<std::string> parts;  // resource, name, subresource, then anything further (a proxy path)
  bool legacyWatchPath = false;    // /api/v1/watch/...: the deprecated watch form

  // What the authorizer is asked.
  RequestAttributes attributes() const;
};

// `watchParam` is the decoded `watch` query parameter, `fieldSelector` the raw field selector (a
// `metadata.name=x` selector names the object for authorization, as on a real server).
RequestInfo parseRequestInfo(std::string_view method, std::string_view path, bool watchParam,
                             std::string_view fieldSelector);

// Go's strconv.ParseBool, which the API uses for boolean query parameters ("1", "t", "true", "TRUE", ...).
bool parseBoolParam(std::string_view value, bool& out);

}  // namespace kubesim

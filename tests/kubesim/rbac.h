// An RBAC authorizer with the upstream matching rules (Roles, ClusterRoles, RoleBindings,
// ClusterRoleBindings), consulted for every request by a non-admin user, for SelfSubjectAccessReview and for
// SelfSubjectRulesReview.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace kubesim {

struct UserInfo {
  std::string name;
  std::vector<std::string> groups;  // always includes "system:authenticated" for an authenticated user
};

// What a request asks to do, as the API server's RequestInfo describes it.
struct RequestAttributes {
  std::string verb;  // get, list, watch, create, update, patch, delete, deletecollection; or an HTTP verb
  bool resourceRequest = true;
  std::string apiGroup;
  std::string resource;
  std::string subresource;
  std::string name;
  std::string namespace_;
  std::string path;  // for non-resource requests, e.g. "/healthz"
};

struct Decision {
  bool allowed = false;
  std::string reason;  // e.g. `RBAC: allowed by RoleBinding "x/ns" of Role "y" to User "z"`; empty when denied
};

class RbacAuthorizer {
 public:
  // `list(resource)` returns the current objects of "roles", "clusterroles", "rolebindings" or
  // "clusterrolebindings" (all namespaces), so the authorizer always sees the store's current state.
  using Lister = std::function<std::vector<boost::json::object>(std::string_view resource)>;
  explicit RbacAuthorizer(Lister list) : list_(std::move(list)) {}

  Decision authorize(const UserInfo& user, const RequestAttributes& request) const;

  // The rules that apply to `user` in `namespace_` (cluster-wide ones included), as
  // SelfSubjectRulesReview's status.resourceRules / nonResourceRules arrays.
  boost::json::object rulesReviewStatus(const UserInfo& user, std::string_view namespace_) const;

 private:
  Lister list_;
};

// The default ClusterRoles and ClusterRoleBindings every real cluster has (kube-apiserver's bootstrap
// policy): cluster-admin (bound to system:masters), admin, edit, view, system:discovery, system:basic-user
// and system:public-info-viewer (bound to system:authenticated). The server seeds its store with them so that
// `kubectl get clusterroles` lists them and scenario RoleBindings may reference admin/edit/view. The
// authorizer also falls back to them when the store lacks an object of the same name, so discovery and
// `kubectl auth can-i` keep working for restricted users even on a store that was never seeded.
std::vector<boost::json::object> bootstrapPolicy();

}  // namespace kubesim

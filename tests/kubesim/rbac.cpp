// RBAC authorization with the upstream rules (plugin/pkg/auth/authorizer/rbac and pkg/apis/rbac/v1
// evaluation_helpers.go): which bindings apply to a user, how a rule matches a request, and the reason text.
//
// Why the authorizer lists the objects on every call instead of caching them: the store changes under it
// (kubectl apply of a RoleBinding must take effect on the next request), and scenarios are small, so the
// simple approach is both correct and fast enough. Bindings are visited ClusterRoleBindings first, then the
// RoleBindings of the request's namespace, each sorted by name, so the "allowed by" reason is deterministic.
#include "rbac.h"

#include <algorithm>
#include <map>
#include <optional>

namespace kubesim {

namespace {

namespace json = boost::json;

struct Rule {
  std::vector<std::string> verbs;
  std::vector<std::string> apiGroups;
  std::vector<std::string> resources;
  std::vector<std::string> resourceNames;
  std::vector<std::string> nonResourceURLs;
};

struct Subject {
  std::string kind;
  std::string name;
  std::string namespace_;
};

std::string str(const json::object& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->value().is_string()) return "";
  return std::string(it->value().get_string());
}

const json::object* obj(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() ? nullptr : it->value().if_object();
}

std::vector<std::string> strings(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_array()) return out;
  for (const auto& v : it->value().get_array()) {
    if (v.is_string()) out.emplace_back(v.get_string());
  }
  return out;
}

std::string nameOf(const json::object& o) {
  const auto* md = obj(o, "metadata");
  return md == nullptr ? "" : str(*md, "name");
}

std::string namespaceOf(const json::object& o) {
  const auto* md = obj(o, "metadata");
  return md == nullptr ? "" : str(*md, "namespace");
}

std::vector<Rule> rulesOf(const json::object& role) {
  std::vector<Rule> rules;
  auto it = role.find("rules");
  if (it == role.end() || !it->value().is_array()) return rules;
  for (const auto& r : it->value().get_array()) {
    if (!r.is_object()) continue;
    const auto& ro = r.get_object();
    rules.push_back({strings(ro, "verbs"), strings(ro, "apiGroups"), strings(ro, "resources"),
                     strings(ro, "resourceNames"), strings(ro, "nonResourceURLs")});
  }
  return rules;
}

bool contains(const std::vector<std::string>& items, std::string_view value) {
  return std::find(items.begin(), items.end(), value) != items.end();
}

bool verbMatches(const Rule& rule, std::string_view verb) {
  return contains(rule.verbs, "*") || contains(rule.verbs, verb);
}

bool apiGroupMatches(const Rule& rule, std::string_view group) {
  return contains(rule.apiGroups, "*") || contains(rule.apiGroups, group);
}

// `*` matches everything including subresources, `pods/log` matches exactly, `*/scale` matches the scale
// subresource of any resource. `pods/*` is not a wildcard: it only matches a literal subresource "*".
bool resourceMatches(const Rule& rule, std::string_view combined, std::string_view subresource) {
  for (const auto& r : rule.resources) {
    if (r == "*" || r == combined) return true;
    if (subresource.empty()) continue;
    if (r.size() == subresource.size() + 2 && r.starts_with("*/") && r.ends_with(subresource)) return true;
  }
  return false;
}

bool resourceNameMatches(const Rule& rule, std::string_view name) {
  return rule.resourceNames.empty() || contains(rule.resourceNames, name);
}

bool nonResourceURLMatches(const Rule& rule, std::string_view url) {
  for (const auto& r : rule.nonResourceURLs) {
    if (r == "*" || r == url) return true;
    if (r.ends_with("*")) {
      std::string_view prefix(r);
      while (!prefix.empty() && prefix.back() == '*')
        prefix.remove_suffix(1);
      if (url.starts_with(prefix)) return true;
    }
  }
  return false;
}

bool ruleAllows(const RequestAttributes& request, const Rule& rule) {
  if (request.resourceRequest) {
    std::string combined = request.resource;
    if (!request.subresource.empty()) combined += "/" + request.subresource;
    return verbMatches(rule, request.verb) && apiGroupMatches(rule, request.apiGroup) &&
           resourceMatches(rule, combined, request.subresource) && resourceNameMatches(rule, request.name);
  }
  return verbMatches(rule, request.verb) && nonResourceURLMatches(rule, request.path);
}

// The groups the authenticator would have attached: service-account tokens carry system:serviceaccounts and
// system:serviceaccounts:<ns>, every authenticated user carries system:authenticated.
std::vector<std::string> effectiveGroups(const UserInfo& user) {
  std::vector<std::string> groups = user.groups;
  auto add = [&](const std::string& g) {
    if (!contains(groups, g)) groups.push_back(g);
  };
  constexpr std::string_view kSaPrefix = "system:serviceaccount:";
  if (user.name.starts_with(kSaPrefix)) {
    std::string_view rest = std::string_view(user.name).substr(kSaPrefix.size());
    if (auto colon = rest.find(':');
        colon != std::string_view::npos && colon > 0 && colon + 1 < rest.size()) {
      add("system:serviceaccounts");
      add("system:serviceaccounts:" + std::string(rest.substr(0, colon)));
    }
  }
  if (user.name != "system:anonymous" && !contains(groups, "system:unauthenticated"))
    add("system:authenticated");
  return groups;
}

bool appliesToUser(const UserInfo& user, const std::vector<std::string>& groups, const Subject& subject,
                   std::string_view bindingNamespace) {
  if (subject.kind == "User") return user.name == subject.name;
  if (subject.kind == "Group") return contains(groups, subject.name);
  if (subject.kind == "ServiceAccount") {
    // A subject without a namespace means the binding's own namespace (only meaningful for RoleBindings).
    std::string ns = subject.namespace_.empty() ? std::string(bindingNamespace) : subject.namespace_;
    if (ns.empty()) return false;
    return user.name == "system:serviceaccount:" + ns + ":" + subject.name;
  }
  return false;
}

std::string describeSubject(const Subject& s, std::string_view bindingNamespace) {
  if (s.kind == "ServiceAccount") {
    std::string ns = s.namespace_.empty() ? std::string(bindingNamespace) : s.namespace_;
    return s.kind + " \"" + s.name + "/" + ns + "\"";
  }
  return s.kind + " \"" + s.name + "\"";
}

std::vector<Subject> subjectsOf(const json::object& binding) {
  std::vector<Subject> out;
  auto it = binding.find("subjects");
  if (it == binding.end() || !it->value().is_array()) return out;
  for (const auto& s : it->value().get_array()) {
    if (!s.is_object()) continue;
    const auto& so = s.get_object();
    out.push_back({str(so, "kind"), str(so, "name"), str(so, "namespace")});
  }
  return out;
}

// ---- bootstrap policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy) ----

using Words = std::vector<std::string_view>;

json::object rule(const Words& verbs, const Words& groups, const Words& resources) {
  auto arr = [](const Words& items) {
    json::array a;
    for (auto i : items)
      a.emplace_back(i);
    return a;
  };
  json::object r;
  r["apiGroups"] = arr(groups);
  r["resources"] = arr(resources);
  r["verbs"] = arr(verbs);
  return r;
}

json::object urlRule(const Words& verbs, const Words& urls) {
  json::object r;
  json::array u;
  for (auto i : urls)
    u.emplace_back(i);
  json::array v;
  for (auto i : verbs)
    v.emplace_back(i);
  r["nonResourceURLs"] = std::move(u);
  r["verbs"] = std::move(v);
  return r;
}

json::object bootstrapMetadata(
    std::string_view name,
    std::initializer_list<std::pair<std::string_view, std::string_view>> extraLabels = {}) {
  json::object labels;
  labels["kubernetes.io/bootstrapping"] = "rbac-defaults";
  for (const auto& [k, v] : extraLabels)
    labels[k] = v;
  json::object annotations;
  annotations["rbac.authorization.kubernetes.io/autoupdate"] = "true";
  json::object md;
  md["name"] = name;
  md["labels"] = std::move(labels);
  md["annotations"] = std::move(annotations);
  return md;
}

json::object clusterRole(
    std::string_view name, json::array rules,
    std::initializer_list<std::pair<std::string_view, std::string_view>> extraLabels = {}) {
  json::object o;
  o["apiVersion"] = "rbac.authorization.k8s.io/v1";
  o["kind"] = "ClusterRole";
  o["metadata"] = bootstrapMetadata(name, extraLabels);
  o["rules"] = std::move(rules);
  return o;
}

json::object clusterRoleBinding(std::string_view name, std::initializer_list<std::string_view> groups) {
  json::object o;
  o["apiVersion"] = "rbac.authorization.k8s.io/v1";
  o["kind"] = "ClusterRoleBinding";
  o["metadata"] = bootstrapMetadata(name);
  json::object ref;
  ref["apiGroup"] = "rbac.authorization.k8s.io";
  ref["kind"] = "ClusterRole";
  ref["name"] = name;
  o["roleRef"] = std::move(ref);
  json::array subjects;
  for (auto g : groups) {
    json::object s;
    s["apiGroup"] = "rbac.authorization.k8s.io";
    s["kind"] = "Group";
    s["name"] = g;
    subjects.push_back(std::move(s));
  }
  o["subjects"] = std::move(subjects);
  return o;
}

json::array viewRules() {
  const Words read = {"get", "list", "watch"};
  return json::array{
      rule(read, {""},
           {"configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "pods",
            "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services",
            "services/status"}),
      rule(read, {""},
           {"bindings", "events", "limitranges", "namespaces/status", "pods/log", "pods/status",
            "replicationcontrollers/status", "resourcequotas", "resourcequotas/status"}),
      rule(read, {""}, {"namespaces"}),
      rule(read, {"discovery.k8s.io"}, {"endpointslices"}),
      rule(read, {"apps"},
           {"controllerrevisions", "daemonsets", "daemonsets/status", "deployments", "deployments/scale",
            "deployments/status", "replicasets", "replicasets/scale", "replicasets/status", "statefulsets",
            "statefulsets/scale", "statefulsets/status"}),
      rule(read, {"autoscaling"}, {"horizontalpodautoscalers", "horizontalpodautoscalers/status"}),
      rule(read, {"batch"}, {"cronjobs", "cronjobs/status", "jobs", "jobs/status"}),
      rule(read, {"extensions"},
           {"daemonsets", "daemonsets/status", "deployments", "deployments/scale", "deployments/status",
            "ingresses", "ingresses/status", "networkpolicies", "replicasets", "replicasets/scale",
            "replicasets/status", "replicationcontrollers/scale"}),
      rule(read, {"policy"}, {"poddisruptionbudgets", "poddisruptionbudgets/status"}),
      rule(read, {"networking.k8s.io"}, {"ingresses", "ingresses/status", "networkpolicies"}),
  };
}

json::array editOnlyRules() {
  const Words write = {"create", "delete", "deletecollection", "patch", "update"};
  return json::array{
      rule({"get", "list", "watch"}, {""},
           {"pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy"}),
      rule({"impersonate"}, {""}, {"serviceaccounts"}),
      rule(write, {""}, {"pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"}),
      rule({"create"}, {""}, {"pods/eviction"}),
      rule(write, {""},
           {"configmaps", "events", "persistentvolumeclaims", "replicationcontrollers",
            "replicationcontrollers/scale", "secrets", "serviceaccounts", "services", "services/proxy"}),
      rule({"create"}, {""}, {"serviceaccounts/token"}),
      rule(write, {"apps"},
           {"daemonsets", "deployments", "deployments/rollback", "deployments/scale", "replicasets",
            "replicasets/scale", "statefulsets", "statefulsets/scale"}),
      rule(write, {"autoscaling"}, {"horizontalpodautoscalers"}),
      rule(write, {"batch"}, {"cronjobs", "jobs"}),
      rule(write, {"extensions"},
           {"daemonsets", "deployments", "deployments/rollback", "deployments/scale", "ingresses",
            "networkpolicies", "replicasets", "replicasets/scale", "replicationcontrollers/scale"}),
      rule(write, {"policy"}, {"poddisruptionbudgets"}),
      rule(write, {"networking.k8s.io"}, {"ingresses", "networkpolicies"}),
      rule({"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"},
           {"coordination.k8s.io"}, {"leases"}),
  };
}

json::array adminOnlyRules() {
  return json::array{
      rule({"create"}, {"authorization.k8s.io"}, {"localsubjectaccessreviews"}),
      rule({"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"},
           {"rbac.authorization.k8s.io"}, {"rolebindings", "roles"}),
  };
}

json::array concat(std::initializer_list<json::array> parts) {
  json::array out;
  for (const auto& p : parts) {
    for (const auto& v : p)
      out.push_back(v);
  }
  return out;
}

// One source of rules with the subject it applied to, for the reason text.
struct Grant {
  std::string description;  // `ClusterRoleBinding "x" of ClusterRole "y" to User "z"`
  std::vector<Rule> rules;
};

struct Resolution {
  std::vector<Grant> grants;
  std::vector<std::string> errors;  // roles that bindings reference but that do not exist
};

}  // namespace

std::vector<boost::json::object> bootstrapPolicy() {
  std::vector<json::object> out;
  out.push_back(clusterRole("admin", concat({adminOnlyRules(), editOnlyRules(), viewRules()})));
  out.push_back(clusterRole("cluster-admin", json::array{rule({"*"}, {"*"}, {"*"}), urlRule({"*"}, {"*"})}));
  out.push_back(clusterRole("edit", concat({editOnlyRules(), viewRules()}),
                            {{"rbac.authorization.k8s.io/aggregate-to-admin", "true"}}));
  out.push_back(clusterRole(
      "system:basic-user", json::array{rule({"create"}, {"authorization.k8s.io"},
                                            {"selfsubjectaccessreviews", "selfsubjectrulesreviews"}),
                                       rule({"create"}, {"authentication.k8s.io"}, {"selfsubjectreviews"})}));
  out.push_back(clusterRole(
      "system:discovery",
      json::array{urlRule({"get"}, {"/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi",
                                    "/openapi/*", "/readyz", "/version", "/version/"})}));
  out.push_back(
      clusterRole("system:public-info-viewer",
                  json::array{urlRule({"get"}, {"/healthz", "/livez", "/readyz", "/version", "/version/"})}));
  out.push_back(clusterRole("view", viewRules(), {{"rbac.authorization.k8s.io/aggregate-to-edit", "true"}}));
  out.push_back(clusterRoleBinding("cluster-admin", {"system:masters"}));
  out.push_back(clusterRoleBinding("system:basic-user", {"system:authenticated"}));
  out.push_back(clusterRoleBinding("system:discovery", {"system:authenticated"}));
  out.push_back(
      clusterRoleBinding("system:public-info-viewer", {"system:authenticated", "system:unauthenticated"}));
  return out;
}

namespace {

// Everything RBAC grants `user` in `namespace_` ("" for cluster-wide requests), in the order the upstream
// resolver visits it.
Resolution resolve(const RbacAuthorizer::Lister& list, const UserInfo& user, std::string_view namespace_) {
  static const std::vector<json::object> bootstrap = bootstrapPolicy();
  auto withBootstrap = [&](std::string_view resource, std::string_view kind) {
    std::vector<json::object> objects = list(resource);
    for (const auto& b : bootstrap) {
      if (str(b, "kind") != kind) continue;
      std::string name = nameOf(b);
      bool present = std::any_of(objects.begin(), objects.end(),
                                 [&](const json::object& o) { return nameOf(o) == name; });
      if (!present) objects.push_back(b);
    }
    return objects;
  };
  std::vector<json::object> clusterRoles = withBootstrap("clusterroles", "ClusterRole");
  std::vector<json::object> clusterBindings = withBootstrap("clusterrolebindings", "ClusterRoleBinding");
  auto byName = [](const json::object& a, const json::object& b) { return nameOf(a) < nameOf(b); };
  std::stable_sort(clusterBindings.begin(), clusterBindings.end(), byName);

  std::map<std::string, const json::object*> clusterRoleIndex;
  for (const auto& r : clusterRoles)
    clusterRoleIndex.emplace(nameOf(r), &r);

  std::vector<std::string> groups = effectiveGroups(user);
  Resolution out;

  // GetRoleReferenceRules: a Role is looked up in the binding's namespace, a ClusterRole cluster-wide.
  auto roleRules = [&](const json::object& binding, std::string_view bindingNamespace,
                       const std::vector<json::object>& roles) -> std::optional<std::vector<Rule>> {
    const json::object* ref = obj(binding, "roleRef");
    std::string kind = ref == nullptr ? "" : str(*ref, "kind");
    std::string name = ref == nullptr ? "" : str(*ref, "name");
    if (kind == "ClusterRole") {
      auto it = clusterRoleIndex.find(name);
      if (it == clusterRoleIndex.end()) {
        out.errors.push_back("clusterrole.rbac.authorization.k8s.io \"" + name + "\" not found");
        return std::nullopt;
      }
      return rulesOf(*it->second);
    }
    if (kind == "Role") {
      for (const auto& r : roles) {
        if (nameOf(r) == name && namespaceOf(r) == bindingNamespace) return rulesOf(r);
      }
      out.errors.push_back("role.rbac.authorization.k8s.io \"" + name + "\" not found");
      return std::nullopt;
    }
    out.errors.push_back("unsupported role reference kind: \"" + kind + "\"");
    return std::nullopt;
  };

  auto visit = [&](const json::object& binding, std::string_view bindingKind,
                   std::string_view bindingNamespace, const std::vector<json::object>& roles) {
    for (const auto& subject : subjectsOf(binding)) {
      if (!appliesToUser(user, groups, subject, bindingNamespace)) continue;
      auto rules = roleRules(binding, bindingNamespace, roles);
      if (!rules) return;
      const json::object* ref = obj(binding, "roleRef");
      std::string bindingName = nameOf(binding);
      if (bindingKind == "RoleBinding") bindingName += "/" + std::string(bindingNamespace);
      out.grants.push_back({std::string(bindingKind) + " \"" + bindingName + "\" of " + str(*ref, "kind") +
                                " \"" + str(*ref, "name") + "\" to " +
                                describeSubject(subject, bindingNamespace),
                            std::move(*rules)});
      return;  // appliesTo stops at the first matching subject
    }
  };

  for (const auto& binding : clusterBindings)
    visit(binding, "ClusterRoleBinding", "", clusterRoles);
  if (!namespace_.empty()) {
    std::vector<json::object> roles = list("roles");
    std::vector<json::object> bindings;
    for (auto& b : list("rolebindings")) {
      if (namespaceOf(b) == namespace_) bindings.push_back(std::move(b));
    }
    std::stable_sort(bindings.begin(), bindings.end(), byName);
    for (const auto& binding : bindings)
      visit(binding, "RoleBinding", namespace_, roles);
  }
  return out;
}

json::array toArray(const std::vector<std::string>& items) {
  json::array a;
  for (const auto& i : items)
    a.emplace_back(i);
  return a;
}

}  // namespace

Decision RbacAuthorizer::authorize(const UserInfo& user, const RequestAttributes& request) const {
  // system:masters is allowed everything by a separate authorizer that runs before RBAC, with no reason.
  if (contains(user.groups, "system:masters")) return {true, ""};
  std::string_view ns = request.resourceRequest ? std::string_view(request.namespace_) : std::string_view();
  Resolution resolution = resolve(list_, user, ns);
  for (const auto& grant : resolution.grants) {
    for (const auto& rule : grant.rules) {
      if (ruleAllows(request, rule)) return {true, "RBAC: allowed by " + grant.description};
    }
  }
  // Denied: the real authorizer only explains when something was broken (a binding to a missing role).
  Decision denied;
  if (!resolution.errors.empty()) {
    std::vector<std::string> unique;
    for (const auto& e : resolution.errors) {
      if (!contains(unique, e)) unique.push_back(e);
    }
    std::string joined;
    for (size_t i = 0; i < unique.size(); ++i)
      joined += (i > 0 ? ", " : "") + unique[i];
    denied.reason = "RBAC: " + (unique.size() == 1 ? joined : "[" + joined + "]");
  }
  return denied;
}

boost::json::object RbacAuthorizer::rulesReviewStatus(const UserInfo& user,
                                                      std::string_view namespace_) const {
  Resolution resolution = resolve(list_, user, namespace_);
  json::array resourceRules;
  json::array nonResourceRules;
  for (const auto& grant : resolution.grants) {
    for (const auto& rule : grant.rules) {
      if (!rule.resources.empty()) {
        json::object r;
        r["verbs"] = toArray(rule.verbs);
        if (!rule.apiGroups.empty()) r["apiGroups"] = toArray(rule.apiGroups);
        r["resources"] = toArray(rule.resources);
        if (!rule.resourceNames.empty()) r["resourceNames"] = toArray(rule.resourceNames);
        resourceRules.push_back(std::move(r));
      }
      if (!rule.nonResourceURLs.empty()) {
        json::object r;
        r["verbs"] = toArray(rule.verbs);
        r["nonResourceURLs"] = toArray(rule.nonResourceURLs);
        nonResourceRules.push_back(std::move(r));
      }
    }
  }
  json::object status;
  status["resourceRules"] = std::move(resourceRules);
  status["nonResourceRules"] = std::move(nonResourceRules);
  status["incomplete"] = false;
  if (!resolution.errors.empty()) {
    std::vector<std::string> unique;
    for (const auto& e : resolution.errors) {
      if (!contains(unique, e)) unique.push_back(e);
    }
    std::string joined;
    for (size_t i = 0; i < unique.size(); ++i)
      joined += (i > 0 ? ", " : "") + unique[i];
    status["evaluationError"] = unique.size() == 1 ? joined : "[" + joined + "]";
  }
  return status;
}

}  // namespace kubesim

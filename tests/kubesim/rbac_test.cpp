// Tests for the RBAC authorizer: one allowed and one forbidden request per rule shape, binding scopes,
// subjects, the reason text, the bootstrap discovery rules and SelfSubjectRulesReview.
#include "rbac.h"

#include <gtest/gtest.h>

#include <map>

namespace kubesim {
namespace {

namespace json = boost::json;

// A store of RBAC objects the authorizer lists from, written as YAML-ish JSON for readability.
class Store {
 public:
  void add(std::string_view resource, std::string_view objectJson) {
    objects_[std::string(resource)].push_back(json::parse(objectJson).as_object());
  }
  RbacAuthorizer::Lister lister() const {
    return [this](std::string_view resource) {
      auto it = objects_.find(std::string(resource));
      return it == objects_.end() ? std::vector<json::object>{} : it->second;
    };
  }

 private:
  std::map<std::string, std::vector<json::object>> objects_;
};

RequestAttributes resourceRequest(std::string verb, std::string group, std::string resource, std::string ns,
                                  std::string name = "", std::string subresource = "") {
  RequestAttributes r;
  r.verb = std::move(verb);
  r.apiGroup = std::move(group);
  r.resource = std::move(resource);
  r.namespace_ = std::move(ns);
  r.name = std::move(name);
  r.subresource = std::move(subresource);
  return r;
}

RequestAttributes urlRequest(std::string verb, std::string path) {
  RequestAttributes r;
  r.verb = std::move(verb);
  r.resourceRequest = false;
  r.path = std::move(path);
  return r;
}

UserInfo user(std::string name, std::vector<std::string> groups = {"system:authenticated"}) {
  return {std::move(name), std::move(groups)};
}

class RbacTest : public testing::Test {
 protected:
  void SetUp() override {
    store_.add("roles", R"({"kind":"Role","metadata":{"name":"pod-reader","namespace":"shop"},
      "rules":[{"apiGroups":[""],"resources":["pods","pods/log"],"verbs":["get","list"]}]})");
    store_.add("rolebindings", R"({"kind":"RoleBinding","metadata":{"name":"read-pods","namespace":"shop"},
      "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"pod-reader"},
      "subjects":[{"kind":"User","name":"alice"}]})");

    store_.add("clusterroles", R"({"kind":"ClusterRole","metadata":{"name":"apps-reader"},
      "rules":[{"apiGroups":["apps"],"resources":["*"],"verbs":["get"]}]})");
    store_.add("clusterrolebindings", R"({"kind":"ClusterRoleBinding","metadata":{"name":"ops-apps"},
      "roleRef":{"kind":"ClusterRole","name":"apps-reader"},"subjects":[{"kind":"Group","name":"ops"}]})");

    store_.add("clusterroles", R"({"kind":"ClusterRole","metadata":{"name":"scaler"},
      "rules":[{"apiGroups":["apps"],"resources":["*/scale"],"verbs":["update","patch"]}]})");
    store_.add("rolebindings", R"({"kind":"RoleBinding","metadata":{"name":"carol-scales","namespace":"shop"},
      "roleRef":{"kind":"ClusterRole","name":"scaler"},"subjects":[{"kind":"User","name":"carol"}]})");

    store_.add("clusterroles", R"({"kind":"ClusterRole","metadata":{"name":"pods-star"},
      "rules":[{"apiGroups":[""],"resources":["pods/*"],"verbs":["get"]}]})");
    store_.add("clusterrolebindings", R"({"kind":"ClusterRoleBinding","metadata":{"name":"dave-pods-star"},
      "roleRef":{"kind":"ClusterRole","name":"pods-star"},"subjects":[{"kind":"User","name":"dave"}]})");

    store_.add("clusterroles", R"({"kind":"ClusterRole","metadata":{"name":"app-config-reader"},
      "rules":[{"apiGroups":[""],"resources":["configmaps"],"resourceNames":["app-config"],"verbs":["get","list"]}]})");
    store_.add("clusterrolebindings", R"({"kind":"ClusterRoleBinding","metadata":{"name":"erin-config"},
      "roleRef":{"kind":"ClusterRole","name":"app-config-reader"},"subjects":[{"kind":"User","name":"erin"}]})");

    store_.add("clusterroles", R"({"kind":"ClusterRole","metadata":{"name":"secret-admin"},
      "rules":[{"apiGroups":[""],"resources":["secrets"],"verbs":["*"]}]})");
    store_.add("clusterroles", R"({"kind":"ClusterRole","metadata":{"name":"any-group-leases"},
      "rules":[{"apiGroups":["*"],"resources":["leases"],"verbs":["list"]}]})");
    store_.add("clusterrolebindings", R"({"kind":"ClusterRoleBinding","metadata":{"name":"erin-secrets"},
      "roleRef":{"kind":"ClusterRole","name":"secret-admin"},"subjects":[{"kind":"User","name":"erin"}]})");
    store_.add("clusterrolebindings", R"({"kind":"ClusterRoleBinding","metadata":{"name":"erin-leases"},
      "roleRef":{"kind":"ClusterRole","name":"any-group-leases"},"subjects":[{"kind":"User","name":"erin"}]})");

    store_.add("clusterroles", R"({"kind":"ClusterRole","metadata":{"name":"metrics-reader"},
      "rules":[{"nonResourceURLs":["/metrics","/logs/*"],"verbs":["get"]}]})");
    store_.add("clusterrolebindings", R"({"kind":"ClusterRoleBinding","metadata":{"name":"frank-metrics"},
      "roleRef":{"kind":"ClusterRole","name":"metrics-reader"},"subjects":[{"kind":"User","name":"frank"}]})");

    store_.add("roles", R"({"kind":"Role","metadata":{"name":"deployer","namespace":"shop"},
      "rules":[{"apiGroups":["apps"],"resources":["deployments"],"verbs":["create","update"]}]})");
    store_.add("rolebindings", R"({"kind":"RoleBinding","metadata":{"name":"ci","namespace":"shop"},
      "roleRef":{"kind":"Role","name":"deployer"},
      "subjects":[{"kind":"ServiceAccount","name":"builder","namespace":"shop"},{"kind":"ServiceAccount","name":"local"}]})");
    store_.add("rolebindings", R"({"kind":"RoleBinding","metadata":{"name":"all-sas-read","namespace":"shop"},
      "roleRef":{"kind":"Role","name":"pod-reader"},"subjects":[{"kind":"Group","name":"system:serviceaccounts:shop"}]})");

    store_.add("clusterroles", R"({"kind":"ClusterRole","metadata":{"name":"ns-lister"},
      "rules":[{"apiGroups":[""],"resources":["namespaces"],"verbs":["list"]}]})");
    store_.add("clusterrolebindings", R"({"kind":"ClusterRoleBinding","metadata":{"name":"everyone-lists-ns"},
      "roleRef":{"kind":"ClusterRole","name":"ns-lister"},"subjects":[{"kind":"Group","name":"system:authenticated"}]})");

    store_.add("rolebindings", R"({"kind":"RoleBinding","metadata":{"name":"dangling","namespace":"shop"},
      "roleRef":{"kind":"Role","name":"ghost"},"subjects":[{"kind":"User","name":"gina"}]})");
    store_.add("clusterrolebindings", R"({"kind":"ClusterRoleBinding","metadata":{"name":"dangling-cluster"},
      "roleRef":{"kind":"ClusterRole","name":"phantom"},"subjects":[{"kind":"User","name":"hank"}]})");
  }

  Decision check(const UserInfo& u, const RequestAttributes& r) const { return authz_.authorize(u, r); }

  Store store_;
  RbacAuthorizer authz_{store_.lister()};
};

TEST_F(RbacTest, ExactResourceAndVerbInRoleBindingNamespace) {
  auto allowed = check(user("alice"), resourceRequest("list", "", "pods", "shop"));
  EXPECT_TRUE(allowed.allowed);
  EXPECT_EQ(allowed.reason,
            "RBAC: allowed by RoleBinding \"read-pods/shop\" of Role \"pod-reader\" to User \"alice\"");
  auto otherNamespace = check(user("alice"), resourceRequest("list", "", "pods", "default"));
  EXPECT_FALSE(otherNamespace.allowed);
  EXPECT_EQ(otherNamespace.reason, "");
  EXPECT_FALSE(check(user("alice"), resourceRequest("delete", "", "pods", "shop", "p")).allowed);
  EXPECT_FALSE(check(user("alice"), resourceRequest("list", "", "pods", "")).allowed);  // all namespaces
}

TEST_F(RbacTest, ExactSubresource) {
  EXPECT_TRUE(check(user("alice"), resourceRequest("get", "", "pods", "shop", "p", "log")).allowed);
  EXPECT_FALSE(check(user("alice"), resourceRequest("get", "", "pods", "shop", "p", "exec")).allowed);
}

TEST_F(RbacTest, WildcardResourceCoversSubresourcesOfItsGroup) {
  auto scale = check(user("bob", {"ops", "system:authenticated"}),
                     resourceRequest("get", "apps", "deployments", "default", "web", "scale"));
  EXPECT_TRUE(scale.allowed);
  EXPECT_EQ(
      scale.reason,
      "RBAC: allowed by ClusterRoleBinding \"ops-apps\" of ClusterRole \"apps-reader\" to Group \"ops\"");
  EXPECT_FALSE(check(user("bob", {"ops"}), resourceRequest("get", "", "pods", "default", "p")).allowed);
  EXPECT_FALSE(
      check(user("bob", {"ops"}), resourceRequest("list", "apps", "deployments", "default")).allowed);
}

TEST_F(RbacTest, StarSlashSubresource) {
  auto allowed =
      check(user("carol"), resourceRequest("patch", "apps", "deployments", "shop", "web", "scale"));
  EXPECT_TRUE(allowed.allowed);
  EXPECT_EQ(allowed.reason,
            "RBAC: allowed by RoleBinding \"carol-scales/shop\" of ClusterRole \"scaler\" to User \"carol\"");
  EXPECT_FALSE(check(user("carol"), resourceRequest("patch", "apps", "deployments", "shop", "web")).allowed);
  // A RoleBinding to a ClusterRole grants only in the binding's namespace.
  EXPECT_FALSE(
      check(user("carol"), resourceRequest("patch", "apps", "deployments", "default", "web", "scale"))
          .allowed);
}

TEST_F(RbacTest, PodsSlashStarIsNotAWildcard) {
  EXPECT_FALSE(check(user("dave"), resourceRequest("get", "", "pods", "shop", "p", "log")).allowed);
  EXPECT_TRUE(check(user("dave"), resourceRequest("get", "", "pods", "shop", "p", "*")).allowed);
}

TEST_F(RbacTest, ResourceNames) {
  EXPECT_TRUE(check(user("erin"), resourceRequest("get", "", "configmaps", "shop", "app-config")).allowed);
  EXPECT_FALSE(check(user("erin"), resourceRequest("get", "", "configmaps", "shop", "other")).allowed);
  EXPECT_FALSE(check(user("erin"), resourceRequest("list", "", "configmaps", "shop")).allowed);  // no name
}

TEST_F(RbacTest, WildcardVerbAndGroup) {
  EXPECT_TRUE(check(user("erin"), resourceRequest("deletecollection", "", "secrets", "shop")).allowed);
  EXPECT_FALSE(check(user("erin"), resourceRequest("delete", "apps", "secrets", "shop", "s")).allowed);
  EXPECT_TRUE(
      check(user("erin"), resourceRequest("list", "coordination.k8s.io", "leases", "kube-system")).allowed);
  EXPECT_FALSE(
      check(user("erin"), resourceRequest("watch", "coordination.k8s.io", "leases", "kube-system")).allowed);
}

TEST_F(RbacTest, NonResourceURLs) {
  auto metrics = check(user("frank"), urlRequest("get", "/metrics"));
  EXPECT_TRUE(metrics.allowed);
  EXPECT_EQ(metrics.reason,
            "RBAC: allowed by ClusterRoleBinding \"frank-metrics\" of ClusterRole \"metrics-reader\" to User "
            "\"frank\"");
  EXPECT_TRUE(check(user("frank"), urlRequest("get", "/logs/kube-apiserver.log")).allowed);
  EXPECT_FALSE(check(user("frank"), urlRequest("get", "/metricsz")).allowed);
  EXPECT_FALSE(check(user("frank"), urlRequest("post", "/metrics")).allowed);
  EXPECT_FALSE(check(user("alice"), urlRequest("get", "/metrics")).allowed);
}

TEST_F(RbacTest, ServiceAccountSubjects) {
  auto sa = check(user("system:serviceaccount:shop:builder",
                       {"system:serviceaccounts", "system:serviceaccounts:shop", "system:authenticated"}),
                  resourceRequest("create", "apps", "deployments", "shop"));
  EXPECT_TRUE(sa.allowed);
  EXPECT_EQ(
      sa.reason,
      "RBAC: allowed by RoleBinding \"ci/shop\" of Role \"deployer\" to ServiceAccount \"builder/shop\"");
  EXPECT_FALSE(check(user("system:serviceaccount:default:builder"),
                     resourceRequest("create", "apps", "deployments", "shop"))
                   .allowed);
  // A subject without a namespace means the RoleBinding's namespace.
  auto local = check(user("system:serviceaccount:shop:local"),
                     resourceRequest("update", "apps", "deployments", "shop", "d"));
  EXPECT_TRUE(local.allowed);
  EXPECT_EQ(local.reason,
            "RBAC: allowed by RoleBinding \"ci/shop\" of Role \"deployer\" to ServiceAccount \"local/shop\"");
}

TEST_F(RbacTest, ServiceAccountGroupsAreDerivedFromTheName) {
  auto allowed =
      check(user("system:serviceaccount:shop:anything", {}), resourceRequest("get", "", "pods", "shop", "p"));
  EXPECT_TRUE(allowed.allowed);
  EXPECT_EQ(allowed.reason,
            "RBAC: allowed by RoleBinding \"all-sas-read/shop\" of Role \"pod-reader\" to Group "
            "\"system:serviceaccounts:shop\"");
  EXPECT_FALSE(
      check(user("system:serviceaccount:other:anything", {}), resourceRequest("get", "", "pods", "shop", "p"))
          .allowed);
}

TEST_F(RbacTest, SystemAuthenticatedAndMasters) {
  auto everyone = check(user("zoe", {}), resourceRequest("list", "", "namespaces", ""));
  EXPECT_TRUE(everyone.allowed);
  EXPECT_EQ(everyone.reason,
            "RBAC: allowed by ClusterRoleBinding \"everyone-lists-ns\" of ClusterRole \"ns-lister\" to "
            "Group \"system:authenticated\"");
  EXPECT_FALSE(check(user("system:anonymous", {"system:unauthenticated"}),
                     resourceRequest("list", "", "namespaces", ""))
                   .allowed);
  auto admin = check(user("root", {"system:masters", "system:authenticated"}),
                     resourceRequest("delete", "", "nodes", "", "node-1"));
  EXPECT_TRUE(admin.allowed);
  EXPECT_EQ(admin.reason, "");
  EXPECT_TRUE(check(user("root", {"system:masters"}), urlRequest("get", "/debug/pprof")).allowed);
}

TEST_F(RbacTest, BindingsToMissingRolesGrantNothing) {
  auto role = check(user("gina"), resourceRequest("get", "", "pods", "shop", "p"));
  EXPECT_FALSE(role.allowed);
  EXPECT_EQ(role.reason, "RBAC: role.rbac.authorization.k8s.io \"ghost\" not found");
  auto clusterRole = check(user("hank"), resourceRequest("get", "", "pods", "shop", "p"));
  EXPECT_FALSE(clusterRole.allowed);
  EXPECT_EQ(clusterRole.reason, "RBAC: clusterrole.rbac.authorization.k8s.io \"phantom\" not found");
}

TEST_F(RbacTest, DiscoveryAndSelfReviewsForEveryAuthenticatedUser) {
  auto api = check(user("alice"), urlRequest("get", "/apis/apps/v1"));
  EXPECT_TRUE(api.allowed);
  EXPECT_EQ(api.reason,
            "RBAC: allowed by ClusterRoleBinding \"system:discovery\" of ClusterRole \"system:discovery\" "
            "to Group \"system:authenticated\"");
  EXPECT_TRUE(check(user("alice"), urlRequest("get", "/version")).allowed);
  EXPECT_TRUE(check(user("alice"), urlRequest("get", "/openapi/v3/apis/apps/v1")).allowed);
  EXPECT_FALSE(check(user("alice"), urlRequest("post", "/api")).allowed);
  auto review =
      check(user("alice"), resourceRequest("create", "authorization.k8s.io", "selfsubjectaccessreviews", ""));
  EXPECT_TRUE(review.allowed);
  EXPECT_EQ(review.reason,
            "RBAC: allowed by ClusterRoleBinding \"system:basic-user\" of ClusterRole "
            "\"system:basic-user\" to Group \"system:authenticated\"");
  EXPECT_TRUE(
      check(user("alice"), resourceRequest("create", "authentication.k8s.io", "selfsubjectreviews", ""))
          .allowed);
  EXPECT_FALSE(
      check(user("alice"), resourceRequest("create", "authorization.k8s.io", "subjectaccessreviews", ""))
          .allowed);
  EXPECT_TRUE(
      check(user("system:anonymous", {"system:unauthenticated"}), urlRequest("get", "/healthz")).allowed);
  EXPECT_FALSE(
      check(user("system:anonymous", {"system:unauthenticated"}), urlRequest("get", "/api")).allowed);
}

TEST(RbacOverride, StoreObjectsReplaceBootstrapOnesOfTheSameName) {
  Store store;
  store.add("clusterrolebindings", R"({"kind":"ClusterRoleBinding","metadata":{"name":"system:discovery"},
    "roleRef":{"kind":"ClusterRole","name":"system:discovery"},"subjects":[{"kind":"Group","name":"nobody"}]})");
  RbacAuthorizer authz(store.lister());
  EXPECT_FALSE(authz.authorize(user("alice"), urlRequest("get", "/apis")).allowed);
  EXPECT_TRUE(authz.authorize(user("alice"), urlRequest("get", "/version")).allowed);  // public-info-viewer
}

TEST(RbacBootstrap, PolicyObjectsAndAggregatedRoles) {
  auto policy = bootstrapPolicy();
  std::vector<std::string> names;
  for (const auto& o : policy) {
    names.push_back(std::string(o.at("kind").as_string()) + "/" +
                    std::string(o.at("metadata").at("name").as_string()));
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{
                "ClusterRole/admin", "ClusterRole/cluster-admin", "ClusterRole/edit",
                "ClusterRole/system:basic-user", "ClusterRole/system:discovery",
                "ClusterRole/system:public-info-viewer", "ClusterRole/view",
                "ClusterRoleBinding/cluster-admin", "ClusterRoleBinding/system:basic-user",
                "ClusterRoleBinding/system:discovery", "ClusterRoleBinding/system:public-info-viewer"}));
  EXPECT_EQ(
      json::serialize(policy[1].at("rules")),
      R"([{"apiGroups":["*"],"resources":["*"],"verbs":["*"]},{"nonResourceURLs":["*"],"verbs":["*"]}])");
  EXPECT_EQ(json::serialize(policy[7].at("subjects")),
            R"([{"apiGroup":"rbac.authorization.k8s.io","kind":"Group","name":"system:masters"}])");

  // Seeded like a real cluster, RoleBindings to view/edit/admin behave as upstream.
  Store store;
  for (const auto& o : policy) {
    std::string kind(o.at("kind").as_string());
    store.add(kind == "ClusterRole" ? "clusterroles" : "clusterrolebindings", json::serialize(o));
  }
  for (const char* role : {"view", "edit", "admin"}) {
    store.add("rolebindings", std::string(R"({"kind":"RoleBinding","metadata":{"name":")") + role +
                                  R"(","namespace":"shop"},"roleRef":{"kind":"ClusterRole","name":")" + role +
                                  R"("},"subjects":[{"kind":"User","name":")" + role + R"(-user"}]})");
  }
  RbacAuthorizer authz(store.lister());
  auto can = [&](const char* who, RequestAttributes r) { return authz.authorize(user(who), r).allowed; };
  EXPECT_TRUE(can("view-user", resourceRequest("list", "apps", "deployments", "shop")));
  EXPECT_TRUE(can("view-user", resourceRequest("get", "", "pods", "shop", "p", "log")));
  EXPECT_FALSE(can("view-user", resourceRequest("get", "", "secrets", "shop", "s")));
  EXPECT_FALSE(can("view-user", resourceRequest("create", "apps", "deployments", "shop")));
  EXPECT_TRUE(can("edit-user", resourceRequest("create", "apps", "deployments", "shop")));
  EXPECT_TRUE(can("edit-user", resourceRequest("get", "", "secrets", "shop", "s")));
  EXPECT_FALSE(can("edit-user", resourceRequest("create", "rbac.authorization.k8s.io", "roles", "shop")));
  EXPECT_TRUE(can("admin-user", resourceRequest("create", "rbac.authorization.k8s.io", "roles", "shop")));
  EXPECT_FALSE(can("admin-user", resourceRequest("create", "rbac.authorization.k8s.io", "roles", "default")));
  EXPECT_TRUE(
      can("anyone", resourceRequest("create", "authorization.k8s.io", "selfsubjectrulesreviews", "")));
  auto root =
      authz.authorize(user("root", {"system:masters"}), resourceRequest("get", "", "pods", "shop", "p"));
  EXPECT_TRUE(root.allowed);
}

TEST(RbacRulesReview, ListsTheRulesThatApplyInTheNamespace) {
  Store store;
  store.add("roles", R"({"kind":"Role","metadata":{"name":"pod-reader","namespace":"shop"},
    "rules":[{"apiGroups":[""],"resources":["pods","pods/log"],"verbs":["get","list"]},
             {"apiGroups":[""],"resources":["configmaps"],"resourceNames":["app-config"],"verbs":["get"]}]})");
  store.add("rolebindings", R"({"kind":"RoleBinding","metadata":{"name":"read-pods","namespace":"shop"},
    "roleRef":{"kind":"Role","name":"pod-reader"},"subjects":[{"kind":"User","name":"alice"}]})");
  RbacAuthorizer authz(store.lister());
  const std::string discovery =
      R"({"verbs":["get"],"nonResourceURLs":["/api","/api/*","/apis","/apis/*","/healthz","/livez","/openapi","/openapi/*","/readyz","/version","/version/"]})";
  const std::string publicInfo =
      R"({"verbs":["get"],"nonResourceURLs":["/healthz","/livez","/readyz","/version","/version/"]})";
  const std::string basicUser =
      R"({"verbs":["create"],"apiGroups":["authorization.k8s.io"],"resources":["selfsubjectaccessreviews","selfsubjectrulesreviews"]},)"
      R"({"verbs":["create"],"apiGroups":["authentication.k8s.io"],"resources":["selfsubjectreviews"]})";
  EXPECT_EQ(
      json::serialize(authz.rulesReviewStatus(user("alice"), "shop")),
      R"({"resourceRules":[)" + basicUser +
          R"(,{"verbs":["get","list"],"apiGroups":[""],"resources":["pods","pods/log"]},)"
          R"({"verbs":["get"],"apiGroups":[""],"resources":["configmaps"],"resourceNames":["app-config"]}],)"
          R"("nonResourceRules":[)" +
          discovery + "," + publicInfo + R"(],"incomplete":false})");
  EXPECT_EQ(json::serialize(authz.rulesReviewStatus(user("alice"), "default")),
            R"({"resourceRules":[)" + basicUser + R"(],"nonResourceRules":[)" + discovery + "," + publicInfo +
                R"(],"incomplete":false})");
  store.add("rolebindings", R"({"kind":"RoleBinding","metadata":{"name":"broken","namespace":"shop"},
    "roleRef":{"kind":"Role","name":"ghost"},"subjects":[{"kind":"User","name":"alice"}]})");
  RbacAuthorizer withBroken(store.lister());
  auto status = withBroken.rulesReviewStatus(user("alice"), "shop");
  EXPECT_EQ(status.at("incomplete"), json::value(false));
  EXPECT_EQ(status.at("evaluationError"), json::value("role.rbac.authorization.k8s.io \"ghost\" not found"));
  EXPECT_EQ(status.at("resourceRules").as_array().size(), 4u);
}

}  // namespace
}  // namespace kubesim

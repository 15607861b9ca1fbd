// Authentication and RBAC through the real kubectl: `auth can-i`, `auth whoami`, the Forbidden messages of
// denied requests, one allowed and one denied request per rule shape (Role, ClusterRoleBinding to a bootstrap
// role, resourceNames, subresource), impersonation and a bad token.
#include <gtest/gtest.h>

#include "e2e_util.h"
#include "kubesim_harness.h"

namespace aiops::test {
namespace {

class AuthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new KubesimHarness(e2eScenario("shop.yaml")); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  // kubectl as scenario user `user` (its kubeconfig context).
  static CommandResult as(const std::string& user, std::vector<std::string> args) {
    args.insert(args.begin(), {"--context", "kubesim-" + user});
    return server_->kubectl(args);
  }
  static KubesimHarness* server_;
};
KubesimHarness* AuthTest::server_ = nullptr;

TEST_F(AuthTest, CanIFollowsRoleBindings) {
  CommandResult r = as("alice", {"auth", "can-i", "list", "pods", "-n", "shop"});
  EXPECT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "yes\n");
  r = as("alice", {"auth", "can-i", "get", "pods/log", "-n", "shop"});
  EXPECT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "yes\n");
  r = as("alice", {"auth", "can-i", "delete", "pods", "-n", "shop"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(r.out, "no\n");
  r = as("alice", {"auth", "can-i", "list", "pods", "-n", "default"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(r.out, "no\n");
  r = as("admin", {"auth", "can-i", "delete", "nodes"});
  EXPECT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "yes\n");
}

TEST_F(AuthTest, WhoAmI) {
  CommandResult r = server_->kubectl({"auth", "whoami"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(
      r.out,
      "ATTRIBUTE   VALUE\nUsername    kubesim-admin\nGroups      [system:masters system:authenticated]\n");
  r = as("alice", {"auth", "whoami", "-o", "json"});
  ASSERT_EQ(r.exit, 0) << r.err;
  boost::json::value v = parseJsonOrFail(r.out);
  EXPECT_EQ(v.at("kind"), "SelfSubjectReview");
  EXPECT_EQ(v.at("status").at("userInfo").at("username"), "alice");
  EXPECT_EQ(v.at("status").at("userInfo").at("groups"),
            boost::json::array({"shop-devs", "system:authenticated"}));
}

TEST_F(AuthTest, RoleAllowsAndForbids) {
  CommandResult r = as("alice", {"get", "pods", "-n", "shop", "-o", "name", "-l", "app=api"});
  EXPECT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "pod/api\n");
  r = as("alice", {"logs", "api", "-n", "shop", "--previous"});
  EXPECT_EQ(r.exit, 0) << r.err;
  r = as("alice", {"get", "deployments", "-n", "shop"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(
      r.err,
      "Error from server (Forbidden): deployments.apps is forbidden: User \"alice\" cannot list resource "
      "\"deployments\" in API group \"apps\" in the namespace \"shop\"\n");
  r = as("alice", {"delete", "pod", "api", "-n", "shop"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(r.err,
            "Error from server (Forbidden): pods \"api\" is forbidden: User \"alice\" cannot delete resource "
            "\"pods\" in API group \"\" in the namespace \"shop\"\n");
}

TEST_F(AuthTest, UserWithoutBindingsIsForbidden) {
  CommandResult r = as("bob", {"get", "pods", "-n", "shop"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(
      r.err,
      "Error from server (Forbidden): pods is forbidden: User \"bob\" cannot list resource \"pods\" in API "
      "group \"\" in the namespace \"shop\"\n");
  r = as("bob", {"get", "nodes"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(
      r.err,
      "Error from server (Forbidden): nodes is forbidden: User \"bob\" cannot list resource \"nodes\" in API "
      "group \"\" at the cluster scope\n");
  // Discovery and self-reviews stay open to every authenticated user, as on a real cluster.
  r = as("bob", {"auth", "can-i", "get", "pods"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(r.out, "no\n");
}

TEST_F(AuthTest, ClusterRoleBindingToView) {
  CommandResult r = as("carol", {"get", "deployments", "-A", "-o", "name"});
  EXPECT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "deployment.apps/web\n");
  r = as("carol", {"get", "secrets", "-n", "shop"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(
      r.err,
      "Error from server (Forbidden): secrets is forbidden: User \"carol\" cannot list resource \"secrets\" "
      "in API group \"\" in the namespace \"shop\"\n");
  r = as("carol", {"scale", "deployment", "web", "-n", "shop", "--replicas=3"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(
      r.err,
      "Error from server (Forbidden): deployments.apps \"web\" is forbidden: User \"carol\" cannot patch "
      "resource \"deployments/scale\" in API group \"apps\" in the namespace \"shop\"\n");
}

TEST_F(AuthTest, ResourceNamesLimitARule) {
  CommandResult r = as("dave", {"get", "configmap", "web-config", "-n", "shop", "-o", "name"});
  EXPECT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "configmap/web-config\n");
  r = as("dave", {"get", "configmap", "other", "-n", "shop"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(
      r.err,
      "Error from server (Forbidden): configmaps \"other\" is forbidden: User \"dave\" cannot get resource "
      "\"configmaps\" in API group \"\" in the namespace \"shop\"\n");
  r = as("dave", {"get", "configmaps", "-n", "shop"});
  EXPECT_EQ(r.exit, 1);
}

TEST_F(AuthTest, ImpersonationAndBadTokens) {
  CommandResult r = server_->kubectl(
      {"auth", "can-i", "list", "pods", "-n", "shop", "--as", "alice", "--as-group", "shop-devs"});
  EXPECT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "yes\n");
  r = server_->kubectl({"get", "pods", "-n", "shop", "--as", "bob"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(
      r.err,
      "Error from server (Forbidden): pods is forbidden: User \"bob\" cannot list resource \"pods\" in API "
      "group \"\" in the namespace \"shop\"\n");
  r = as("bob", {"get", "pods", "-n", "shop", "--as", "alice"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(
      r.err,
      "Error from server (Forbidden): users \"alice\" is forbidden: User \"bob\" cannot impersonate resource "
      "\"users\" in API group \"\" at the cluster scope\n");
  r = server_->kubectl({"get", "pods", "--token", "not-a-token"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(r.err, "error: You must be logged in to the server (Unauthorized)\n");
}

}  // namespace
}  // namespace aiops::test

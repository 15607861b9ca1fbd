// kubectl get against kubesim: tables, output formats, selectors, pagination, discovery and errors.
// Read-only, so one kubesim serves the whole suite.
#include <gtest/gtest.h>

#include "e2e_util.h"
#include "kubesim_harness.h"

namespace aiops::test {
namespace {

class GetTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new KubesimHarness(e2eScenario("shop.yaml")); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static CommandResult kubectl(const std::vector<std::string>& args) { return server_->kubectl(args); }
  static KubesimHarness* server_;
};
KubesimHarness* GetTest::server_ = nullptr;

TEST_F(GetTest, ListsPodsAsTheServerPrintsThem) {
  CommandResult r = kubectl({"get", "pods", "-n", "shop"});
  ASSERT_EQ(r.exit, 0) << r.err;
  std::vector<std::string> out = lines(r.out);
  ASSERT_EQ(out.size(), 5u) << r.out;
  EXPECT_EQ(squeeze(out[0]), "NAME READY STATUS RESTARTS AGE");
  EXPECT_TRUE(squeeze(out[1]).starts_with("api 0/1 CrashLoopBackOff 5 (")) << out[1];
  EXPECT_TRUE(squeeze(out[2]).starts_with("web-6d4b9c7f8-abcde 1/1 Running 0 ")) << out[2];
  EXPECT_TRUE(squeeze(out[4]).starts_with("worker 2/2 Running 0 ")) << out[4];
}

TEST_F(GetTest, WideOutputAddsNodeAndIp) {
  CommandResult r = kubectl({"get", "pods", "-n", "shop", "-o", "wide", "-l", "app=api"});
  ASSERT_EQ(r.exit, 0) << r.err;
  std::vector<std::string> out = lines(r.out);
  ASSERT_EQ(out.size(), 2u) << r.out;
  EXPECT_EQ(squeeze(out[0]), "NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES");
  EXPECT_TRUE(squeeze(out[1]).ends_with(" 10.244.0.13 node-1 <none> <none>")) << out[1];
}

TEST_F(GetTest, JsonOutputIsAListOfFullObjects) {
  CommandResult r = kubectl({"get", "pods", "-n", "shop", "-o", "json"});
  ASSERT_EQ(r.exit, 0) << r.err;
  boost::json::value v = parseJsonOrFail(r.out);
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.at("kind"), "List");
  const boost::json::array& items = v.at("items").as_array();
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[0].at("kind"), "Pod");
  EXPECT_EQ(items[0].at("apiVersion"), "v1");
  EXPECT_EQ(items[0].at("metadata").at("name"), "api");
  EXPECT_EQ(items[0].at("metadata").at("namespace"), "shop");
  EXPECT_TRUE(items[0].at("metadata").as_object().contains("uid"));
  EXPECT_TRUE(items[0].at("metadata").as_object().contains("resourceVersion"));
  EXPECT_EQ(items[0].at("status").at("containerStatuses").at(0).at("restartCount"), 5);
}

TEST_F(GetTest, YamlOutputOfOneObject) {
  CommandResult r = kubectl({"get", "configmap", "web-config", "-n", "shop", "-o", "yaml"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("apiVersion: v1\ndata:\n  mode: production\nkind: ConfigMap\nmetadata:\n"))
      << r.out;
  EXPECT_NE(r.out.find("  name: web-config\n  namespace: shop\n"), std::string::npos) << r.out;
}

TEST_F(GetTest, LabelSelector) {
  CommandResult r = kubectl({"get", "pods", "-n", "shop", "-l", "app=web", "-o", "name"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "pod/web-6d4b9c7f8-abcde\npod/web-6d4b9c7f8-fghij\n");
  r = kubectl({"get", "pods", "-n", "shop", "-l", "app in (api,worker),app!=worker", "-o", "name"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "pod/api\n");
}

TEST_F(GetTest, FieldSelector) {
  CommandResult r = kubectl({"get", "pods", "-A", "--field-selector", "metadata.name=worker", "-o", "name"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "pod/worker\n");
  r = kubectl({"get", "pods", "-n", "shop", "--field-selector", "spec.foo=bar"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(
      r.err,
      "Error from server (BadRequest): Unable to find \"/v1, Resource=pods\" that match label selector \"\", "
      "field selector \"spec.foo=bar\": field label not supported: spec.foo\n");
}

TEST_F(GetTest, PaginatesWithChunkSize) {
  CommandResult r = kubectl({"get", "pods", "-n", "shop", "--chunk-size=1", "-o", "name"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "pod/api\npod/web-6d4b9c7f8-abcde\npod/web-6d4b9c7f8-fghij\npod/worker\n");
  // The raw page carries a continue token and the count of what is left.
  r = kubectl({"get", "--raw", "/api/v1/namespaces/shop/pods?limit=3"});
  ASSERT_EQ(r.exit, 0) << r.err;
  boost::json::value page = parseJsonOrFail(r.out);
  EXPECT_EQ(page.at("items").as_array().size(), 3u);
  EXPECT_EQ(page.at("metadata").at("remainingItemCount"), 1);
  EXPECT_FALSE(page.at("metadata").at("continue").as_string().empty());
  EXPECT_FALSE(page.at("items").at(0).as_object().contains("kind")) << "built-in list items carry no kind";
}

TEST_F(GetTest, ShortNamesCategoriesAndAll) {
  CommandResult r = kubectl({"get", "deploy,svc,cm", "-n", "shop", "-o", "name"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "deployment.apps/web\nservice/web\nconfigmap/web-config\n");
  r = kubectl({"get", "all", "-n", "shop", "-o", "name"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out,
            "pod/api\npod/web-6d4b9c7f8-abcde\npod/web-6d4b9c7f8-fghij\npod/worker\nservice/web\n"
            "deployment.apps/web\n");
}

TEST_F(GetTest, NotFoundErrorsNameTheResource) {
  CommandResult r = kubectl({"get", "pod", "nope", "-n", "shop"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(r.err, "Error from server (NotFound): pods \"nope\" not found\n");
  r = kubectl({"get", "deployment", "nope", "-n", "shop"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(r.err, "Error from server (NotFound): deployments.apps \"nope\" not found\n");
  r = kubectl({"get", "foos"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(r.err, "error: the server doesn't have a resource type \"foos\"\n");
  r = kubectl({"get", "--raw", "/apis/nope.example.com/v1/things"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(r.err, "Error from server (NotFound): the server could not find the requested resource\n");
}

TEST_F(GetTest, DiscoveryListsResources) {
  CommandResult r = kubectl({"api-resources"});
  ASSERT_EQ(r.exit, 0) << r.err;
  bool deployments = false, pods = false, hpa = false;
  for (const std::string& line : lines(r.out)) {
    std::string s = squeeze(line);
    deployments |= s == "deployments deploy apps/v1 true Deployment";
    pods |= s == "pods po v1 true Pod";
    hpa |= s == "horizontalpodautoscalers hpa autoscaling/v2 true HorizontalPodAutoscaler";
  }
  EXPECT_TRUE(deployments && pods && hpa) << r.out;
  r = kubectl({"version", "-o", "json"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(parseJsonOrFail(r.out).at("serverVersion").at("gitVersion"), "v1.32.0");
}

TEST_F(GetTest, EventsAndNodes) {
  CommandResult r = kubectl({"get", "events", "-n", "shop"});
  ASSERT_EQ(r.exit, 0) << r.err;
  std::vector<std::string> out = lines(r.out);
  ASSERT_EQ(out.size(), 2u) << r.out;
  EXPECT_EQ(squeeze(out[0]), "LAST SEEN TYPE REASON OBJECT MESSAGE");
  EXPECT_TRUE(squeeze(out[1]).ends_with(
      " Warning BackOff pod/api Back-off restarting failed container api in pod api_shop(uid)"))
      << out[1];
  r = kubectl({"get", "nodes", "-o", "name"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "node/node-1\n");
}

TEST_F(GetTest, TopReadsStoredMetrics) {
  CommandResult r = kubectl({"top", "pod", "-n", "shop"});
  ASSERT_EQ(r.exit, 0) << r.err;
  std::vector<std::string> out = lines(r.out);
  ASSERT_EQ(out.size(), 5u) << r.out;
  EXPECT_EQ(squeeze(out[0]), "NAME CPU(cores) MEMORY(bytes)");
  EXPECT_EQ(squeeze(out[4]), "worker 102m 74Mi");
  r = kubectl({"top", "node"});
  ASSERT_EQ(r.exit, 0) << r.err;
  out = lines(r.out);
  ASSERT_EQ(out.size(), 2u) << r.out;
  EXPECT_EQ(squeeze(out[1]), "node-1 750m 18% 2048Mi 25%");
}

}  // namespace
}  // namespace aiops::test

// Writes through the real kubectl: apply (client- and server-side), patch (merge, JSON, strategic), replace
// with a stale resourceVersion, create conflicts, scale, delete, dry runs, and the validation that refuses
// malformed objects. Tests share one kubesim and never touch each other's objects.
#include <gtest/gtest.h>

#include "e2e_util.h"
#include "kubesim_harness.h"

namespace aiops::test {
namespace {

class WriteTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new KubesimHarness(e2eScenario("shop.yaml")); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static CommandResult kubectl(const std::vector<std::string>& args, const std::string& stdinData = "") {
    return server_->kubectl(args, stdinData);
  }
  static std::string jsonpath(const std::string& object, const std::string& path) {
    CommandResult r = kubectl({"get", object, "-n", "shop", "-o", "jsonpath=" + path});
    EXPECT_EQ(r.exit, 0) << r.err;
    return r.out;
  }
  static KubesimHarness* server_;
};
KubesimHarness* WriteTest::server_ = nullptr;

std::string deployment(const std::string& name, const std::string& replicas, const std::string& image,
                       const std::string& extraSpec = "") {
  return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name +
         "\n  namespace: shop\nspec:\n"
         "  replicas: " +
         replicas + "\n" + extraSpec + "  selector:\n    matchLabels: {app: " + name +
         "}\n  template:\n    metadata:\n      labels: {app: " + name +
         "}\n    spec:\n      containers:\n      - name: app\n        image: " + image + "\n";
}

std::string configMap(const std::string& name, const std::string& value) {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name +
         "\n  namespace: shop\ndata:\n  key: " + value + "\n";
}

TEST_F(WriteTest, ClientSideApplyCreatesConfiguresAndKeeps) {
  CommandResult r = kubectl({"apply", "-f", "-"}, configMap("settings", "blue"));
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "configmap/settings created\n");
  r = kubectl({"apply", "-f", "-"}, configMap("settings", "blue"));
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "configmap/settings unchanged\n");
  r = kubectl({"apply", "-f", "-"}, configMap("settings", "green"));
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "configmap/settings configured\n");
  EXPECT_EQ(jsonpath("configmap/settings", "{.data.key}"), "green");
  EXPECT_NE(jsonpath("configmap/settings", "{.metadata.annotations}").find("last-applied-configuration"),
            std::string::npos);
}

TEST_F(WriteTest, ApplyingADeploymentBumpsGenerationOnSpecChanges) {
  CommandResult r = kubectl({"apply", "-f", "-"}, deployment("shop-api", "2", "shop/api:1"));
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "deployment.apps/shop-api created\n");
  EXPECT_EQ(jsonpath("deployment/shop-api", "{.metadata.generation}"), "1");
  // Defaults a real server fills in.
  EXPECT_EQ(jsonpath("deployment/shop-api",
                     "{.spec.strategy.type} {.spec.revisionHistoryLimit} "
                     "{.spec.template.spec.containers[0].imagePullPolicy}"),
            "RollingUpdate 10 IfNotPresent");
  r = kubectl({"apply", "-f", "-"}, deployment("shop-api", "2", "shop/api:2"));
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "deployment.apps/shop-api configured\n");
  EXPECT_EQ(
      jsonpath("deployment/shop-api", "{.metadata.generation} {.spec.template.spec.containers[0].image}"),
      "2 shop/api:2");
  // A label change is metadata only: no new generation.
  r = kubectl({"label", "deployment", "shop-api", "-n", "shop", "tier=backend"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(jsonpath("deployment/shop-api", "{.metadata.generation}"), "2");
}

TEST_F(WriteTest, ServerSideApply) {
  CommandResult r = kubectl({"apply", "--server-side", "-f", "-"}, deployment("ssa", "1", "nginx:1.0"));
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "deployment.apps/ssa serverside-applied\n");
  EXPECT_EQ(jsonpath("deployment/ssa",
                     "{.metadata.managedFields[0].manager} {.metadata.managedFields[0].operation}"),
            "kubectl Apply");
  r = kubectl({"apply", "--server-side", "-f", "-"}, deployment("ssa", "1", "nginx:2.0"));
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "deployment.apps/ssa serverside-applied\n");
  EXPECT_EQ(jsonpath("deployment/ssa", "{.spec.template.spec.containers[0].image}"), "nginx:2.0");
  // Another manager changing a field kubectl owns conflicts unless it forces.
  r = kubectl({"apply", "--server-side", "--field-manager", "other", "-f", "-"},
              deployment("ssa", "3", "nginx:2.0"));
  EXPECT_EQ(r.exit, 1);
  EXPECT_NE(r.err.find("conflict with \"kubectl\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(".spec.replicas"), std::string::npos) << r.err;
  r = kubectl({"apply", "--server-side", "--field-manager", "other", "--force-conflicts", "-f", "-"},
              deployment("ssa", "3", "nginx:2.0"));
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(jsonpath("deployment/ssa", "{.spec.replicas}"), "3");
}

TEST_F(WriteTest, PatchTypes) {
  ASSERT_EQ(kubectl({"apply", "-f", "-"}, deployment("patched", "1", "nginx:1.0")).exit, 0);
  CommandResult r = kubectl(
      {"patch", "deployment", "patched", "-n", "shop", "--type=merge", "-p", R"({"spec":{"replicas":2}})"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "deployment.apps/patched patched\n");
  r = kubectl({"patch", "deployment", "patched", "-n", "shop", "--type=json", "-p",
               R"([{"op":"replace","path":"/spec/replicas","value":4}])"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(jsonpath("deployment/patched", "{.spec.replicas}"), "4");
  // Strategic merge: the containers list merges by name, so the existing container keeps its image.
  r = kubectl({"patch", "deployment", "patched", "-n", "shop", "-p",
               R"({"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1"}]}}}})"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(jsonpath("deployment/patched", "{.spec.template.spec.containers[*].name}"), "sidecar app");
  r = kubectl({"patch", "deployment", "patched", "-n", "shop", "-p", R"({"spec":{"replicas":4}})"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "deployment.apps/patched patched (no change)\n");
  r = kubectl({"patch", "deployment", "nope", "-n", "shop", "-p", R"({"spec":{"replicas":1}})"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(r.err, "Error from server (NotFound): deployments.apps \"nope\" not found\n");
}

TEST_F(WriteTest, StaleReplaceIsAConflict) {
  ASSERT_EQ(kubectl({"apply", "-f", "-"}, configMap("cfg", "one")).exit, 0);
  CommandResult old = kubectl({"get", "configmap", "cfg", "-n", "shop", "-o", "json"});
  ASSERT_EQ(old.exit, 0) << old.err;
  ASSERT_EQ(kubectl({"patch", "configmap", "cfg", "-n", "shop", "-p", R"({"data":{"key":"two"}})"}).exit, 0);
  CommandResult r = kubectl({"replace", "-f", "-"}, old.out);
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(
      r.err,
      "Error from server (Conflict): error when replacing \"STDIN\": Operation cannot be fulfilled on "
      "configmaps \"cfg\": the object has been modified; please apply your changes to the latest version and "
      "try again\n");
  EXPECT_EQ(jsonpath("configmap/cfg", "{.data.key}"), "two");
}

TEST_F(WriteTest, CreateConflictsAndMissingNamespaces) {
  CommandResult r = kubectl({"create", "-f", "-"}, configMap("dup", "a"));
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "configmap/dup created\n");
  r = kubectl({"create", "-f", "-"}, configMap("dup", "a"));
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(r.err,
            "Error from server (AlreadyExists): error when creating \"STDIN\": configmaps \"dup\" already "
            "exists\n");
  r = kubectl({"create", "configmap", "lost", "-n", "nowhere", "--from-literal=a=b"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(r.err, "error: failed to create configmap: namespaces \"nowhere\" not found\n");
}

TEST_F(WriteTest, MalformedObjectsAreRefused) {
  CommandResult r = kubectl({"apply", "-f", "-"}, deployment("bad", "\"three\"", "nginx"));
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(
      r.err,
      "Error from server (BadRequest): error when creating \"STDIN\": Deployment in version \"v1\" cannot be "
      "handled as a Deployment: json: cannot unmarshal string into Go struct field "
      "DeploymentSpec.spec.replicas "
      "of type int32\n");
  r = kubectl({"apply", "-f", "-"}, deployment("bad", "1", "nginx", "  bogus: true\n"));
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(
      r.err,
      "Error from server (BadRequest): error when creating \"STDIN\": Deployment in version \"v1\" cannot be "
      "handled as a Deployment: strict decoding error: unknown field \"spec.bogus\"\n");
  // --validate=warn: the server drops the field and says so.
  r = kubectl({"apply", "--validate=warn", "-f", "-"}, deployment("warned", "1", "nginx", "  bogus: true\n"));
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.err, "Warning: unknown field \"spec.bogus\"\n");
  EXPECT_EQ(jsonpath("deployment/warned", "{.spec}").find("bogus"), std::string::npos);
  r = kubectl({"get", "deployment", "bad", "-n", "shop"});
  EXPECT_EQ(r.exit, 1);
}

TEST_F(WriteTest, ScaleDeleteAndDryRun) {
  ASSERT_EQ(kubectl({"apply", "-f", "-"}, deployment("scaled", "1", "nginx:1.0")).exit, 0);
  CommandResult r = kubectl({"scale", "deployment", "scaled", "-n", "shop", "--replicas=5"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "deployment.apps/scaled scaled\n");
  EXPECT_EQ(jsonpath("deployment/scaled", "{.spec.replicas}"), "5");

  r = kubectl({"apply", "--dry-run=server", "-f", "-"}, configMap("dry", "x"));
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "configmap/dry created (server dry run)\n");
  EXPECT_EQ(kubectl({"get", "configmap", "dry", "-n", "shop"}).exit, 1);

  r = kubectl({"delete", "deployment", "scaled", "-n", "shop"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "deployment.apps \"scaled\" deleted\n");
  r = kubectl({"get", "deployment", "scaled", "-n", "shop"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(r.err, "Error from server (NotFound): deployments.apps \"scaled\" not found\n");
  r = kubectl({"delete", "configmap", "never", "-n", "shop"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(r.err, "Error from server (NotFound): configmaps \"never\" not found\n");
}

TEST_F(WriteTest, DeletingANamespaceTakesItsContents) {
  ASSERT_EQ(kubectl({"create", "namespace", "scratch"}).exit, 0);
  ASSERT_EQ(kubectl({"create", "configmap", "c", "-n", "scratch", "--from-literal=a=b"}).exit, 0);
  // The service account controller's work: every namespace gets `default`.
  CommandResult r = kubectl({"get", "serviceaccounts", "-n", "scratch", "-o", "name"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "serviceaccount/default\n");
  r = kubectl({"delete", "namespace", "scratch"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "namespace \"scratch\" deleted\n");
  r = kubectl({"get", "configmaps", "-n", "scratch", "-o", "name"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace aiops::test

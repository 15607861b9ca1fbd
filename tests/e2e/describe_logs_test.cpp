// kubectl describe and kubectl logs against kubesim: events found by the object's uid, current and previous
// container logs with the kubelet's options and error messages. Read-only: one kubesim for the suite.
#include <gtest/gtest.h>

#include "e2e_util.h"
#include "kubesim_harness.h"

namespace aiops::test {
namespace {

class DescribeLogsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new KubesimHarness(e2eScenario("shop.yaml")); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static CommandResult kubectl(const std::vector<std::string>& args) { return server_->kubectl(args); }
  static KubesimHarness* server_;
};
KubesimHarness* DescribeLogsTest::server_ = nullptr;

TEST_F(DescribeLogsTest, DescribePodShowsStateAndEvents) {
  CommandResult r = kubectl({"describe", "pod", "api", "-n", "shop"});
  ASSERT_EQ(r.exit, 0) << r.err;
  std::vector<std::string> out = lines(r.out);
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(squeeze(out[0]), "Name: api");
  auto has = [&](const std::string& wanted) {
    for (const std::string& l : out)
      if (squeeze(l) == wanted) return true;
    return false;
  };
  EXPECT_TRUE(has("Namespace: shop")) << r.out;
  EXPECT_TRUE(has("Node: node-1/")) << r.out;
  EXPECT_TRUE(has("Reason: CrashLoopBackOff")) << r.out;
  EXPECT_TRUE(has("Restart Count: 5")) << r.out;
  EXPECT_TRUE(has("Type Reason Age From Message")) << r.out;
  bool event = false;
  for (const std::string& l : out)
    event |= squeeze(l).starts_with("Warning BackOff ") &&
             squeeze(l).ends_with(" kubelet Back-off restarting failed container api in pod api_shop(uid)");
  EXPECT_TRUE(event) << r.out;
}

TEST_F(DescribeLogsTest, DescribeDeployment) {
  CommandResult r = kubectl({"describe", "deployment", "web", "-n", "shop"});
  ASSERT_EQ(r.exit, 0) << r.err;
  std::vector<std::string> out = lines(r.out);
  auto has = [&](const std::string& wanted) {
    for (const std::string& l : out)
      if (squeeze(l) == wanted) return true;
    return false;
  };
  EXPECT_TRUE(has("Name: web")) << r.out;
  EXPECT_TRUE(has("Replicas: 2 desired | 2 updated | 2 total | 2 available | 0 unavailable")) << r.out;
  EXPECT_TRUE(has("StrategyType: RollingUpdate")) << r.out;
  EXPECT_TRUE(has("RollingUpdateStrategy: 25% max unavailable, 25% max surge")) << r.out;
}

TEST_F(DescribeLogsTest, CurrentLog) {
  CommandResult r = kubectl({"logs", "api", "-n", "shop"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "starting api 2.0\nerror: cannot connect to database at db:5432\n");
}

TEST_F(DescribeLogsTest, PreviousLog) {
  CommandResult r = kubectl({"logs", "api", "-n", "shop", "--previous"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "starting api 2.0\npanic: DATABASE_URL is not set\n");
}

TEST_F(DescribeLogsTest, MissingPreviousLogIsTheKubeletsError) {
  CommandResult r = kubectl({"logs", "web-6d4b9c7f8-fghij", "-n", "shop", "--previous"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(r.err,
            "Error from server (BadRequest): previous terminated container \"web\" in pod "
            "\"web-6d4b9c7f8-fghij\" not found\n");
}

TEST_F(DescribeLogsTest, MultiContainerPods) {
  CommandResult r = kubectl({"logs", "worker", "-n", "shop"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "processed job 1\n");
  EXPECT_EQ(r.err, "Defaulted container \"main\" out of: main, sidecar\n");
  r = kubectl({"logs", "worker", "-n", "shop", "-c", "sidecar"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "");
  // Without kubectl's defaulting the server insists on a container.
  r = kubectl({"get", "--raw", "/api/v1/namespaces/shop/pods/worker/log"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(
      r.err,
      "Error from server (BadRequest): a container name must be specified for pod worker, choose one of: "
      "[main sidecar]\n");
  r = kubectl({"logs", "worker", "-n", "shop", "-c", "nope"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(r.err, "error: container nope is not valid for pod worker\n");
}

TEST_F(DescribeLogsTest, TailLimitAndTimestamps) {
  CommandResult r = kubectl({"logs", "web-6d4b9c7f8-abcde", "-n", "shop", "--tail=2"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "GET /health 200\nGET /cart 200\n");
  r = kubectl({"logs", "web-6d4b9c7f8-abcde", "-n", "shop", "--limit-bytes=9"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "GET / 200");
  r = kubectl({"logs", "web-6d4b9c7f8-abcde", "-n", "shop", "--tail=1", "--timestamps"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "2026-01-01T00:00:03Z GET /cart 200\n");
}

TEST_F(DescribeLogsTest, LogsOfAMissingPod) {
  CommandResult r = kubectl({"logs", "nope", "-n", "shop"});
  EXPECT_EQ(r.exit, 1);
  // kubectl looks the pod up itself first and words the error its own way.
  EXPECT_EQ(r.err, "error: error from server (NotFound): pods \"nope\" not found in namespace \"shop\"\n");
  r = kubectl({"get", "--raw", "/api/v1/namespaces/shop/pods/nope/log"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(r.err, "Error from server (NotFound): pods \"nope\" not found\n");
}

}  // namespace
}  // namespace aiops::test

// collectClusterStatus over a scripted cluster: rows, problems, best-effort nodes/events, required pods.
#include "kube/cluster_status.h"

#include <gtest/gtest.h>

#include "cluster_fixture.h"

namespace aiops::kube {
namespace {

using namespace testing;

TEST(ClusterStatus, HealthyNamespace) {
  FakeTransport fake;
  serveHealthyShop(fake);
  Client client(fake);
  const ClusterStatus status = collectClusterStatus(client, "shop", false);
  EXPECT_TRUE(status.healthy());
  EXPECT_EQ(status.namespace_, "shop");
  ASSERT_EQ(status.nodes.size(), 2u);
  EXPECT_EQ(status.nodes[0].name, "node-a");
  EXPECT_EQ(status.nodes[0].cpu, "3920m");
  EXPECT_EQ(status.nodes[0].memory, "15Gi");
  EXPECT_TRUE(status.nodes[0].ready);
  ASSERT_EQ(status.deployments.size(), 2u);
  EXPECT_EQ(status.deployments[0].name, "api");  // sorted
  EXPECT_EQ(status.deployments[1].name, "web");
  EXPECT_EQ(status.deployments[1].desired, 2);
  ASSERT_EQ(status.pods.size(), 3u);
  EXPECT_EQ(status.pods[0].name, "api-1");
  EXPECT_EQ(status.pods[2].name, "web-2");
  EXPECT_EQ(status.pods[2].restarts, 1);
  EXPECT_EQ(status.pods[2].status, "Running");
  EXPECT_EQ(status.pods[2].node, "node-b");
  EXPECT_EQ(status.warningEvents, std::optional<std::int64_t>(0));
  EXPECT_EQ(fake.calls().size(), 4u);  // one parallel round of four lists
}

TEST(ClusterStatus, ProblemsAreListedAndSorted) {
  FakeTransport fake;
  serveUnhealthyShop(fake);
  Client client(fake);
  const ClusterStatus status = collectClusterStatus(client, "shop", false);
  EXPECT_FALSE(status.healthy());
  EXPECT_EQ(status.problems, (std::vector<std::string>{
                                 "deployment shop/web has 1/2 ready and 1 available replicas",
                                 "node node-b is not ready",
                                 "pod shop/web-2 is not ready (CrashLoopBackOff)",
                             }));
  EXPECT_EQ(status.warningEvents, std::optional<std::int64_t>(2));
  EXPECT_FALSE(status.pods[2].healthy);
  EXPECT_EQ(status.pods[2].readyContainers, 0);
  EXPECT_EQ(status.pods[2].restarts, 7);
}

TEST(ClusterStatus, AllNamespacesUsesClusterWidePaths) {
  FakeTransport fake;
  serveStatusLists(fake, "", list("NodeList", "v1", {}), list("DeploymentList", "apps/v1", {}),
                   list("PodList", "v1", {runningPod("a", "p", "n"), runningPod("b", "p", "n")}),
                   list("EventList", "v1", {}));
  Client client(fake);
  const ClusterStatus status = collectClusterStatus(client, "ignored", true);
  EXPECT_TRUE(status.allNamespaces);
  EXPECT_EQ(status.namespace_, "");
  ASSERT_EQ(status.pods.size(), 2u);
  EXPECT_EQ(status.pods[0].namespace_, "a");
  EXPECT_EQ(status.pods[1].namespace_, "b");
}

TEST(ClusterStatus, ForbiddenNodesAndEventsAreNotesNotFailures) {
  FakeTransport fake;
  serveHealthyShop(fake);
  fake.respondApiError("GET", "/api/v1/nodes?limit=500", 403, "Forbidden",
                       "nodes is forbidden: User \"dev\" cannot list resource \"nodes\" in API group \"\" at "
                       "the cluster scope");
  fake.respondApiError("GET", "/api/v1/namespaces/shop/events?fieldSelector=type%3DWarning&limit=500", 403,
                       "Forbidden", "events is forbidden");
  Client client(fake);
  const ClusterStatus status = collectClusterStatus(client, "shop", false);
  EXPECT_TRUE(status.healthy());
  EXPECT_TRUE(status.nodes.empty());
  EXPECT_EQ(status.nodesUnavailable,
            std::optional<std::string>(
                "listing nodes: nodes is forbidden: User \"dev\" cannot list resource \"nodes\" "
                "in API group \"\" at the cluster scope (403 Forbidden)"));
  EXPECT_FALSE(status.warningEvents.has_value());
  EXPECT_TRUE(status.eventsUnavailable.has_value());
}

TEST(ClusterStatus, ForbiddenPodsFailTheCommand) {
  FakeTransport fake;
  serveHealthyShop(fake);
  fake.respondApiError("GET", "/api/v1/namespaces/shop/pods?limit=500", 403, "Forbidden",
                       "pods is forbidden");
  Client client(fake);
  try {
    collectClusterStatus(client, "shop", false);
    FAIL();
  } catch (const KubeError& e) {
    EXPECT_STREQ(
        e.what(),
        "listing pods in namespace shop: pods is forbidden (403 Forbidden); ask for the RBAC permission it "
        "names, or use --as");
  }
}

TEST(ClusterStatus, SucceededPodsAreHealthyAndTerminatingOnesAreNot) {
  FakeTransport fake;
  const std::string done =
      R"({"metadata":{"name":"job-1","namespace":"shop"},"spec":{"containers":[{"name":"c"}]},"status":{"phase":"Succeeded",
         "containerStatuses":[{"name":"c","ready":false,"restartCount":0,"state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}})";
  const std::string leaving =
      R"({"metadata":{"name":"web-0","namespace":"shop","deletionTimestamp":"2024-05-01T10:00:00Z"},"spec":{"containers":[{"name":"c"}]},
         "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],
         "containerStatuses":[{"name":"c","ready":true,"restartCount":0,"state":{"running":{}}}]}})";
  serveStatusLists(fake, "shop", list("NodeList", "v1", {}), list("DeploymentList", "apps/v1", {}),
                   list("PodList", "v1", {done, leaving}), list("EventList", "v1", {}));
  Client client(fake);
  const ClusterStatus status = collectClusterStatus(client, "shop", false);
  EXPECT_EQ(status.pods[0].status, "Completed");
  EXPECT_TRUE(status.pods[0].healthy);
  EXPECT_EQ(status.pods[1].status, "Terminating");
  EXPECT_FALSE(status.pods[1].healthy);
  EXPECT_EQ(status.problems, std::vector<std::string>{"pod shop/web-0 is not ready (Terminating)"});
}

TEST(ClusterStatus, WithoutAReadyConditionContainersDecide) {
  FakeTransport fake;
  const std::string ready =
      R"({"metadata":{"name":"a","namespace":"shop"},"spec":{"containers":[{"name":"c"}]},"status":{"phase":"Running",
         "containerStatuses":[{"name":"c","ready":true,"restartCount":0,"state":{"running":{}}}]}})";
  const std::string notReady =
      R"({"metadata":{"name":"b","namespace":"shop"},"spec":{"containers":[{"name":"c"}]},"status":{"phase":"Running",
         "containerStatuses":[{"name":"c","ready":false,"restartCount":0,"state":{"running":{}}}]}})";
  const std::string conditionSaysNo =
      R"({"metadata":{"name":"c","namespace":"shop"},"spec":{"containers":[{"name":"c"}]},"status":{"phase":"Running",
         "conditions":[{"type":"Ready","status":"False"}],
         "containerStatuses":[{"name":"c","ready":true,"restartCount":0,"state":{"running":{}}}]}})";
  serveStatusLists(fake, "shop", list("NodeList", "v1", {}), list("DeploymentList", "apps/v1", {}),
                   list("PodList", "v1", {ready, notReady, conditionSaysNo}), list("EventList", "v1", {}));
  Client client(fake);
  const ClusterStatus status = collectClusterStatus(client, "shop", false);
  EXPECT_TRUE(status.pods[0].healthy);
  EXPECT_FALSE(status.pods[1].healthy);
  EXPECT_FALSE(status.pods[2].healthy);
  EXPECT_EQ(status.problems, (std::vector<std::string>{"pod shop/b is not ready (Running)",
                                                       "pod shop/c is not ready (Running)"}));
}

}  // namespace
}  // namespace aiops::kube

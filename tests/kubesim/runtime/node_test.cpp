// The node side of the kubelet: its Lease renewed every 10 s, its status heartbeats, and the eviction
// manager under memory pressure.
#include <gtest/gtest.h>

#include "kubelet.h"
#include "test_cluster.h"

namespace kubesim::runtime {
namespace {

using testing::field;
using testing::TestCluster;

TEST(NodeTest, TheLeaseIsRenewedEveryTenSecondsAndHeartbeatsEveryFiveMinutes) {
  TestCluster cluster(testing::kNodeYaml);
  cluster.runUntilSecond(0);
  json::object lease = cluster.must(gr::leases, "node-1", "kube-node-lease");
  EXPECT_EQ(
      lease["spec"],
      boost::json::parse(
          R"({"holderIdentity":"node-1","leaseDurationSeconds":40,"renewTime":"2026-03-01T12:00:00.000000Z"})"));
  EXPECT_EQ(field(lease, {"metadata", "ownerReferences"}).find("\"kind\":\"Node\"") != std::string::npos,
            true);
  cluster.runUntilSecond(25);
  EXPECT_EQ(field(cluster.must(gr::leases, "node-1", "kube-node-lease"), {"spec", "renewTime"}),
            "2026-03-01T12:00:20.000000Z");
  // The scenario's heartbeat was at 12:00: the next report is due five minutes later.
  cluster.runUntilSecond(299);
  json::object node = cluster.must(gr::nodes, "node-1", "");
  EXPECT_EQ(field(node, {"status", "conditions"}).find("12:05:00"), std::string::npos);
  cluster.runUntilSecond(300);
  node = cluster.must(gr::nodes, "node-1", "");
  for (const json::value& c : node["status"].as_object()["conditions"].as_array()) {
    EXPECT_EQ(field(c.as_object(), {"lastHeartbeatTime"}), "2026-03-01T12:05:00Z");
    EXPECT_EQ(field(c.as_object(), {"lastTransitionTime"}), "2026-03-01T08:00:00Z");
  }
}

TEST(NodeTest, MemoryPressureEvictsThePodUsingMoreThanItRequested) {
  TestCluster cluster(std::string(testing::kNodeYaml) + R"(---
apiVersion: kubesim.aiops.dev/v1
kind: BehaviourProfile
name: hungry
images: [registry.example/hungry]
memory: {baselineMiB: 300}
---
apiVersion: kubesim.aiops.dev/v1
kind: BehaviourProfile
name: modest
images: [registry.example/modest]
memory: {baselineMiB: 50}
)");
  cluster.create(R"(apiVersion: v1
kind: Pod
metadata: {name: hungry, namespace: default}
spec:
  containers: [{name: app, image: registry.example/hungry:1.0, resources: {requests: {memory: 128Mi}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: modest, namespace: default}
spec:
  containers: [{name: app, image: registry.example/modest:1.0, resources: {requests: {memory: 128Mi}}}]
)");
  cluster.runUntilSecond(20);
  cluster.manager().apply(behaviour::NodePressure{"node-1", "MemoryPressure", true});
  cluster.manager().step();
  json::object pod = cluster.must(gr::pods, "hungry");
  std::string message =
      "The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. Container app was "
      "using "
      "300Mi, request is 128Mi, has larger consumption of memory. ";
  EXPECT_EQ(field(pod, {"status", "phase"}), "Failed");
  EXPECT_EQ(field(pod, {"status", "reason"}), "Evicted");
  EXPECT_EQ(field(pod, {"status", "message"}), message);
  EXPECT_EQ(testing::conditions(pod)[0], "DisruptionTarget=True/TerminationByKubelet");
  EXPECT_EQ(field(testing::containerStatus(pod), {"state", "terminated", "exitCode"}), "137");
  std::vector<std::string> events = cluster.eventsFor("hungry");
  EXPECT_EQ(events[events.size() - 2], "Killing: Stopping container app");
  EXPECT_EQ(events.back(), "Evicted: " + message);
  // The other pod uses less than it asked for: it stays, however long the pressure lasts.
  cluster.runUntilSecond(120);
  EXPECT_EQ(field(cluster.must(gr::pods, "modest"), {"status", "phase"}), "Running");
  EXPECT_EQ(field(cluster.must(gr::pods, "hungry"), {"status", "phase"}), "Failed");
}

}  // namespace
}  // namespace kubesim::runtime

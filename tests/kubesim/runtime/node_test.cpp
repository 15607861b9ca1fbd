// The node side of the kubelet: its Lease renewed every 10 s, its status heartbeats, and the eviction
// manager under memory, disk and PID pressure.
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

TEST(NodeTest, DiskPressureEvictsThePodsWritingMoreLocalDataThanTheyRequest) {
  std::string node = testing::kNodeYaml;
  std::string capacity = "{cpu: '4', memory: 8Gi, pods: '110'}";
  for (std::size_t at = node.find(capacity); at != std::string::npos; at = node.find(capacity))
    node.replace(at, capacity.size(), "{cpu: '4', memory: 8Gi, pods: '110', ephemeral-storage: 50Gi}");
  TestCluster cluster(node + R"(---
apiVersion: kubesim.aiops.dev/v1
kind: BehaviourProfile
name: chatty
images: [registry.example/chatty]
logs:
  periodic: {every: 1s, lines: ["{time} DEBUG request {seq} served"]}
)");
  cluster.create(R"(apiVersion: v1
kind: Pod
metadata: {name: chatty, namespace: default}
spec:
  containers: [{name: app, image: registry.example/chatty:1.0}]
---
apiVersion: v1
kind: Pod
metadata: {name: reserved, namespace: default}
spec:
  containers: [{name: app, image: registry.example/quiet:1.0, resources: {requests: {ephemeral-storage: 2Gi}}}]
)");
  cluster.runUntilSecond(20);
  cluster.manager().apply(behaviour::NodePressure{"node-1", "DiskPressure", true});
  cluster.manager().step();
  json::object pod = cluster.must(gr::pods, "chatty");
  // nodefs.available<10% of 50Gi; the container's writable layer and its log.
  std::string message =
      "The node was low on resource: ephemeral-storage. Threshold quantity: 5Gi, available: 4608Mi. "
      "Container app was using 489476Ki, request is 0, has larger consumption of ephemeral-storage. ";
  EXPECT_EQ(field(pod, {"status", "phase"}), "Failed");
  EXPECT_EQ(field(pod, {"status", "reason"}), "Evicted");
  EXPECT_EQ(field(pod, {"status", "message"}), message);
  EXPECT_EQ(testing::conditions(pod)[0], "DisruptionTarget=True/TerminationByKubelet");
  EXPECT_EQ(cluster.eventsFor("chatty").back(), "Evicted: " + message);
  EXPECT_EQ(cluster.eventsFor("node-1").back(),
            "EvictionThresholdMet: Attempting to reclaim ephemeral-storage");
  // The other pod writes less than it reserved: it stays while the pressure lasts, and the manager keeps
  // saying what it attempts, every 10 s.
  cluster.runUntilSecond(60);
  EXPECT_EQ(field(cluster.must(gr::pods, "reserved"), {"status", "phase"}), "Running");
  EXPECT_EQ(cluster.eventsFor("node-1").back(),
            "EvictionThresholdMet: Attempting to reclaim ephemeral-storage (x5)");
}

TEST(NodeTest, PidPressureEvictsTheLowestPriorityPodFirst) {
  TestCluster cluster(testing::kNodeYaml);
  cluster.create(R"(apiVersion: v1
kind: Pod
metadata: {name: important, namespace: default}
spec:
  priority: 1000
  containers: [{name: app, image: registry.example/app:1.0}]
---
apiVersion: v1
kind: Pod
metadata: {name: batch, namespace: default}
spec:
  containers: [{name: app, image: registry.example/app:1.0}]
---
apiVersion: v1
kind: Pod
metadata: {name: dns, namespace: kube-system}
spec:
  priority: 2000000000
  containers: [{name: app, image: registry.example/app:1.0}]
)");
  cluster.runUntilSecond(20);
  cluster.manager().apply(behaviour::NodePressure{"node-1", "PIDPressure", true});
  cluster.manager().step();
  std::string message = "The node was low on resource: pids. Threshold quantity: 419430, available: 377487. ";
  json::object pod = cluster.must(gr::pods, "batch");
  EXPECT_EQ(field(pod, {"status", "reason"}), "Evicted");
  EXPECT_EQ(field(pod, {"status", "message"}), message);
  EXPECT_EQ(field(cluster.must(gr::pods, "important"), {"status", "phase"}), "Running");
  // Ten seconds later the next pass takes the next pod; a critical pod is never evicted.
  cluster.runUntilSecond(30);
  EXPECT_EQ(field(cluster.must(gr::pods, "important"), {"status", "reason"}), "Evicted");
  cluster.runUntilSecond(60);
  EXPECT_EQ(field(cluster.must(gr::pods, "dns", "kube-system"), {"status", "phase"}), "Running");
}

}  // namespace
}  // namespace kubesim::runtime

// The scheduler through the whole runtime: an oversized pod stays Pending with the real FailedScheduling
// message until a node that fits appears, and a node under memory pressure is kept out by its taint.
#include "scheduler_controller.h"

#include <gtest/gtest.h>

#include "test_cluster.h"

namespace kubesim::runtime {
namespace {

using testing::field;
using testing::TestCluster;

std::string podScheduled(const json::object& pod) {
  for (const std::string& c : testing::conditions(pod))
    if (c.starts_with("PodScheduled=")) return c;
  return {};
}

std::string podScheduledMessage(const json::object& pod) {
  const json::object* status = objectField(pod, "status");
  const json::object* c = status ? conditionOf(*status, "PodScheduled") : nullptr;
  return c ? std::string(stringField(*c, "message")) : std::string();
}

TEST(SchedulerControllerTest, AnOversizedPodFailsSchedulingUntilANodeFits) {
  TestCluster cluster(testing::kNodeYaml);
  cluster.create(R"(apiVersion: v1
kind: Pod
metadata: {name: huge, namespace: default}
spec:
  containers:
  - name: app
    image: registry.example/app:1.0
    resources:
      requests: {cpu: '8', memory: 1Gi}
)");
  cluster.runUntilSecond(60);
  json::object pod = cluster.must(gr::pods, "huge");
  // The preemption part brings its own period after the message's: the real double period.
  std::string message =
      "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption "
      "victims "
      "found for incoming pod..";
  EXPECT_EQ(field(pod, {"status", "phase"}), "Pending");
  EXPECT_EQ(podScheduled(pod), "PodScheduled=False/Unschedulable");
  EXPECT_EQ(podScheduledMessage(pod), message);
  EXPECT_EQ(field(pod, {"spec", "nodeName"}), "");
  // Nothing changed in the cluster: no second attempt, one event.
  EXPECT_EQ(cluster.eventsFor("huge"), (std::vector<std::string>{"FailedScheduling: " + message}));

  // Five minutes on, the unschedulable queue is flushed and the pod tried (and refused) again.
  cluster.runUntilSecond(300);
  EXPECT_EQ(cluster.eventsFor("huge"), (std::vector<std::string>{"FailedScheduling: " + message + " (x2)"}));

  // A bigger node joins: the pod is retried at once, bound, and its new kubelet starts it.
  std::string bigNode(testing::kNodeYaml);
  bigNode.replace(bigNode.find("name: node-1"), 12, "name: node-2");
  for (std::string from : {"cpu: '4'", "cpu: '4'"})
    bigNode.replace(bigNode.find(from), from.size(), "cpu: '16'");
  cluster.create(bigNode);
  cluster.runUntilSecond(301);
  pod = cluster.must(gr::pods, "huge");
  EXPECT_EQ(field(pod, {"spec", "nodeName"}), "node-2");
  EXPECT_EQ(podScheduled(pod), "PodScheduled=True");
  cluster.runUntilSecond(310);
  pod = cluster.must(gr::pods, "huge");
  EXPECT_EQ(field(pod, {"status", "phase"}), "Running");
  EXPECT_EQ(cluster.eventsFor("huge")[1], "Scheduled: Successfully assigned default/huge to node-2");
}

TEST(SchedulerControllerTest, MemoryPressureTaintsTheNodeAndKeepsNewPodsOff) {
  TestCluster cluster(testing::kNodeYaml);
  cluster.manager().step();
  cluster.manager().apply(behaviour::NodePressure{"node-1", "MemoryPressure", true});
  cluster.manager().step();
  json::object node = cluster.must(gr::nodes, "node-1", "");
  EXPECT_EQ(field(node, {"spec", "taints"}),
            R"([{"key":"node.kubernetes.io/memory-pressure","effect":"NoSchedule"}])");
  cluster.create(R"(apiVersion: v1
kind: Pod
metadata: {name: late, namespace: default}
spec:
  containers: [{name: app, image: registry.example/app:1.0}]
)");
  cluster.runUntilSecond(5);
  EXPECT_EQ(
      podScheduledMessage(cluster.must(gr::pods, "late")),
      "0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/memory-pressure: }. "
      "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling..");
  // The pressure goes: the taint goes, the pod is scheduled.
  cluster.manager().apply(behaviour::NodePressure{"node-1", "MemoryPressure", false});
  cluster.runUntilSecond(6);
  EXPECT_EQ(field(cluster.must(gr::nodes, "node-1", ""), {"spec", "taints"}), "");
  EXPECT_EQ(field(cluster.must(gr::pods, "late"), {"spec", "nodeName"}), "node-1");
  std::vector<std::string> nodeEvents = cluster.eventsFor("node-1");
  // The kubelet's eviction manager says what it tries while the threshold is met (nothing to evict here).
  EXPECT_EQ(nodeEvents, (std::vector<std::string>{
                            "NodeHasInsufficientMemory: Node node-1 status is now: NodeHasInsufficientMemory",
                            "EvictionThresholdMet: Attempting to reclaim memory",
                            "NodeHasSufficientMemory: Node node-1 status is now: NodeHasSufficientMemory"}));
}

}  // namespace
}  // namespace kubesim::runtime

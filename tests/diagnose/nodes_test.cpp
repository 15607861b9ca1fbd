// Nodes: NotReady and Unknown are critical and explain the pods stuck on them; pressure conditions are
// reported; custom node-problem-detector conditions are not.
#include <gtest/gtest.h>

#include "fixture.h"

namespace aiops::diagnose {
namespace {

using testing::diagnoseFixture;
using testing::only;
using testing::summary;
using testing::withRule;

class Nodes : public ::testing::Test {
 protected:
  Diagnosis d = diagnoseFixture("nodes");
};

// Two conditions of one node are one problem: NetworkUnavailable (more fundamental) is primary on n4.
TEST_F(Nodes, StandardConditionsOnlyMostSevereFirst) {
  EXPECT_EQ(summary(d), (std::vector<std::string>{"AIOPS-D850 Node n1 primary", "AIOPS-D850 Node n2 primary",
                                                  "AIOPS-D854 Node n4 primary", "AIOPS-D851 Node n3 primary",
                                                  "AIOPS-D853 Node n4 secondary",
                                                  "AIOPS-D415 Pod shop/api-2b3c4d5e6-n1pod secondary"}));
}

TEST_F(Nodes, NotReadyQuotesTheKubelet) {
  auto notReady = withRule(d, "AIOPS-D850");
  ASSERT_EQ(notReady.size(), 2U);
  EXPECT_EQ(notReady[0]->severity, model::Severity::Critical);
  EXPECT_EQ(notReady[0]->rootCause,
            "Node n1 is NotReady (KubeletNotReady): container runtime network not ready: NetworkReady=false "
            "reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized.");
  EXPECT_EQ(notReady[1]->rootCause,
            "Node n2 is NotReady (NodeStatusUnknown): Kubelet stopped posting node status.");
  const model::Recommendation& r = notReady[0]->recommendations.at(0);
  EXPECT_EQ(r.action, model::ActionKind::NodeDrain);
  EXPECT_EQ(r.risk, model::Risk::High);
  EXPECT_EQ(r.commands.back(), "kubectl drain n1 --ignore-daemonsets --delete-emptydir-data");
  // The node-controller's Normal event is evidence too.
  ASSERT_EQ(notReady[1]->evidence.size(), 2U);
  EXPECT_EQ(notReady[1]->evidence[1].reason, "NodeNotReady");
}

TEST_F(Nodes, PodsOnABrokenNodeAreExplainedByIt) {
  const model::Finding& pod = only(d, "AIOPS-D415");
  ASSERT_TRUE(pod.relatedTo.has_value());
  EXPECT_EQ(pod.relatedTo->ruleId, "AIOPS-D850");
  EXPECT_EQ(pod.relatedTo->object.name, "n1");
}

TEST_F(Nodes, PressureConditions) {
  EXPECT_EQ(only(d, "AIOPS-D851").rootCause,
            "Node n3 has MemoryPressure: kubelet has insufficient memory available.");
  EXPECT_EQ(only(d, "AIOPS-D853").rootCause,
            "Node n4 has PIDPressure: kubelet has insufficient PID available.");
  EXPECT_EQ(only(d, "AIOPS-D854").rootCause, "Node n4 has NetworkUnavailable: Node created without a route.");
  for (const model::Finding& f : d.findings)
    EXPECT_NE(f.object.name, "n5");  // KernelDeadlock and friends are not ours to judge
}

}  // namespace
}  // namespace aiops::diagnose

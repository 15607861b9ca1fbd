// Scheduling: each FailedScheduling sub-cause is its own finding, ranked so that the actionable one is
// primary (control-plane taints are ignored next to real causes; a missing toleration is primary when the
// tainted node is the one the pod selects); claims with a missing StorageClass; scheduling gates; grace.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "fixture.h"

namespace aiops::diagnose {
namespace {

using testing::diagnoseFixture;
using testing::only;
using testing::summary;
using testing::withRule;
namespace json = boost::json;

class Scheduling : public ::testing::Test {
 protected:
  Diagnosis d = diagnoseFixture("scheduling");

  const model::Finding& find(std::string_view rule, std::string_view object) {
    for (const model::Finding* f : withRule(d, rule)) {
      if (f->object.name == object) return *f;
    }
    ADD_FAILURE() << rule << " on " << object << " not found";
    static const model::Finding kNone;
    return kNone;
  }
};

TEST_F(Scheduling, EverySubCauseRankedWithOnePrimaryPerPod) {
  EXPECT_EQ(
      summary(d),
      (std::vector<std::string>{
          "AIOPS-D400 Pod shop/api-5c6d7e8f9-7xk2p primary",
          "AIOPS-D403 Pod shop/api-5c6d7e8f9-7xk2p secondary",
          "AIOPS-D407 Pod shop/api-5c6d7e8f9-7xk2p secondary", "AIOPS-D401 Pod shop/bigmem primary",
          "AIOPS-D403 Pod shop/bigmem secondary", "AIOPS-D407 Pod shop/bigmem secondary",
          "AIOPS-D500 PersistentVolumeClaim shop/data-db-0 primary", "AIOPS-D405 Pod shop/db-0 secondary",
          "AIOPS-D403 Pod shop/edge secondary", "AIOPS-D406 Pod shop/edge primary",
          "AIOPS-D407 Pod shop/edge secondary", "AIOPS-D403 Pod shop/trainer-6f7a8b9c0-r2d2x primary",
          "AIOPS-D404 Pod shop/trainer-6f7a8b9c0-r2d2x secondary",
          "AIOPS-D407 Pod shop/trainer-6f7a8b9c0-r2d2x secondary", "AIOPS-D409 Pod shop/queued primary"}));
}

TEST_F(Scheduling, InsufficientCpuGroupsTheDeploymentsPods) {
  const model::Finding& f = only(d, "AIOPS-D400");
  EXPECT_EQ(f.headline, "Deployment shop/api: 2/2 pods Pending, same cause");
  EXPECT_EQ(f.rootCause,
            "Pod api-5c6d7e8f9-7xk2p cannot be scheduled: 1 of 4 nodes have too little free CPU for its "
            "request of 3.");
  EXPECT_EQ(f.affected, (std::vector<std::string>{"api-5c6d7e8f9-7xk2p", "api-5c6d7e8f9-m9q4z"}));
  EXPECT_EQ(f.recommendations.at(0).action, model::ActionKind::Scaling);
  EXPECT_EQ(f.recommendations.at(0).summary,
            "add node capacity, or lower the CPU request (3) of Deployment shop/api");
  EXPECT_EQ(
      model::describe(f.evidence.at(0)),
      "event Pod shop/api-5c6d7e8f9-7xk2p FailedScheduling ×9 (2024-05-01T11:00:00Z … 2024-05-01T11:58:00Z): "
      "\"0/4 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}, 1 "
      "node(s) "
      "had untolerated taint {node-role.kubernetes.io/control-plane: }, 1 node(s) were unschedulable. "
      "preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling..\"");
}

TEST_F(Scheduling, ARequestLargerThanEveryNodeCanNeverFit) {
  const model::Finding& f = only(d, "AIOPS-D401");
  EXPECT_EQ(f.rootCause,
            "Pod bigmem cannot be scheduled: 1 of 4 nodes have too little free memory for its request of "
            "96Gi; no node "
            "has that much allocatable (largest: 64Gi).");
  EXPECT_EQ(f.confidence, 95);
  EXPECT_EQ(f.recommendations.at(0).action, model::ActionKind::ResourceDecrease);
  EXPECT_EQ(
      f.recommendations.at(0).summary,
      "lower the memory request of Pod shop/bigmem below 64Gi, or add nodes with more than 96Gi allocatable");
}

TEST_F(Scheduling, TaintOfTheSelectedNodeIsPrimaryWithATolerationPatch) {
  const model::Finding& f = find("AIOPS-D403", "trainer-6f7a8b9c0-r2d2x");
  EXPECT_TRUE(f.primary);
  EXPECT_EQ(f.rootCause,
            "Pod trainer-6f7a8b9c0-r2d2x cannot be scheduled: 1 of 4 nodes have taint {dedicated: gpu} that "
            "the pod "
            "does not tolerate.");
  const model::Recommendation& r = f.recommendations.at(0);
  EXPECT_EQ(r.action, model::ActionKind::SchedulingChange);
  EXPECT_EQ(r.target.display(), "Deployment shop/trainer");
  EXPECT_EQ(
      json::serialize(r.patch->body),
      R"({"spec":{"template":{"spec":{"tolerations":[{"key":"dedicated","operator":"Equal","value":"gpu","effect":"NoSchedule"}]}}}})");
  EXPECT_EQ(json::serialize(r.undo->body), R"({"spec":{"template":{"spec":{"tolerations":null}}}})");
  const model::Finding& selector = find("AIOPS-D404", "trainer-6f7a8b9c0-r2d2x");
  EXPECT_FALSE(selector.primary);
  EXPECT_EQ(selector.relatedTo->ruleId, "AIOPS-D403");
  // The control-plane node carries a taint, but the node selector excludes it anyway: it counts here.
  EXPECT_EQ(selector.rootCause,
            "Pod trainer-6f7a8b9c0-r2d2x cannot be scheduled: 2 of 4 nodes do not match its node selector or "
            "affinity (nodeSelector accelerator=nvidia).");
}

TEST_F(Scheduling, HostPortAndCordonedNodes) {
  EXPECT_EQ(find("AIOPS-D406", "edge").rootCause,
            "Pod edge cannot be scheduled: 1 of 4 nodes already use host port 8080.");
  const model::Finding& cordoned = find("AIOPS-D407", "edge");
  EXPECT_EQ(cordoned.rootCause, "Pod edge cannot be scheduled: 1 of 4 nodes are cordoned (unschedulable).");
  EXPECT_EQ(cordoned.recommendations.at(0).action, model::ActionKind::NodeUncordon);
  EXPECT_EQ(cordoned.recommendations.at(0).commands, (std::vector<std::string>{"kubectl uncordon worker-2"}));
}

TEST_F(Scheduling, MissingStorageClassIsPrimaryForThePodWaitingOnItsClaim) {
  const model::Finding& claim = only(d, "AIOPS-D500");
  EXPECT_EQ(claim.headline, "PersistentVolumeClaim shop/data-db-0: StorageClass not found");
  EXPECT_EQ(
      claim.rootCause,
      "PersistentVolumeClaim data-db-0 cannot be provisioned because StorageClass fast-ssd does not exist; "
      "available: standard (default).");
  const model::Recommendation& r = claim.recommendations.at(0);
  EXPECT_EQ(r.summary, "recreate PersistentVolumeClaim data-db-0 with storageClassName standard");
  EXPECT_EQ(r.commands.at(1),
            "sed -i 's/storageClassName: fast-ssd/storageClassName: standard/' data-db-0.yaml");
  const model::Finding& pod = only(d, "AIOPS-D405");
  EXPECT_EQ(pod.headline, "StatefulSet shop/db: 1/1 pods Pending");
  EXPECT_EQ(
      pod.rootCause,
      "Pod db-0 cannot be scheduled: PersistentVolumeClaim data-db-0 is Pending and not bound to a volume.");
  ASSERT_TRUE(pod.relatedTo.has_value());
  EXPECT_EQ(pod.relatedTo->ruleId, "AIOPS-D500");
  EXPECT_EQ(pod.relatedTo->object.name, "data-db-0");
}

TEST_F(Scheduling, SchedulingGatesAreAWarning) {
  const model::Finding& f = only(d, "AIOPS-D409");
  EXPECT_EQ(f.severity, model::Severity::Warning);
  EXPECT_EQ(f.rootCause,
            "Pod queued is held by scheduling gates example.com/quota-check and will not be scheduled until "
            "they are "
            "removed.");
}

TEST(SchedulingGrace, APodSecondsOldIsStillBeingScheduled) {
  Options options = testing::fixtureOptions();
  options.startupGrace = std::chrono::seconds(5);
  Diagnosis d = diagnoseFixture("scheduling", options);
  EXPECT_EQ(withRule(d, "AIOPS-D400").size(), 2U);  // justcreated is no longer in its grace period
}

TEST(SchedulingMessage, ControlPlaneTaintAloneIsTheCause) {
  Evidence e = testing::loadEvidence("scheduling");
  for (PodEvidence& p : e.pods) {
    for (Condition& c : p.conditions) {
      if (p.name == "edge" && c.type == "PodScheduled")
        c.message =
            "0/1 nodes are available: 1 node(s) had untolerated taint "
            "{node-role.kubernetes.io/control-plane: }. "
            "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling..";
    }
  }
  Diagnosis d = diagnose(e, testing::fixtureOptions());
  bool found = false;
  for (const model::Finding* f : withRule(d, "AIOPS-D403")) {
    if (f->object.name != "edge") continue;
    found = true;
    EXPECT_EQ(f->rootCause,
              "Pod edge cannot be scheduled: 1 of 1 nodes have taint {node-role.kubernetes.io/control-plane: "
              "} that the "
              "pod does not tolerate.");
    EXPECT_EQ(f->recommendations.at(0).action, model::ActionKind::Investigate);
    EXPECT_FALSE(f->recommendations.at(0).patch.has_value());
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace aiops::diagnose

namespace aiops::diagnose {
namespace {

// Less common causes, from tests/fixtures/diagnose/misc.yaml.
class Misc : public ::testing::Test {
 protected:
  Diagnosis d = testing::diagnoseFixture("misc");
};

TEST_F(Misc, EveryRemainingRuleFromItsRealMessage) {
  EXPECT_EQ(
      testing::summary(d),
      (std::vector<std::string>{"AIOPS-D505 PersistentVolumeClaim misc/archive primary",
                                "AIOPS-D402 Pod misc/crowded primary", "AIOPS-D413 Pod misc/forky primary",
                                "AIOPS-D306 Pod misc/hooked primary", "AIOPS-D408 Pod misc/spread primary",
                                "AIOPS-D501 PersistentVolumeClaim misc/uploads primary"}));
}

TEST_F(Misc, RootCauses) {
  EXPECT_EQ(testing::only(d, "AIOPS-D402").rootCause,
            "Pod crowded cannot be scheduled: 3 of 3 nodes report Too many pods.");
  EXPECT_EQ(testing::only(d, "AIOPS-D408").rootCause,
            "Pod spread cannot be scheduled: node(s) didn't match pod anti-affinity rules.");
  EXPECT_EQ(testing::only(d, "AIOPS-D413").rootCause,
            "Pod forky was evicted from node worker-2: The node was low on resource: pids. Threshold "
            "quantity: 1000, "
            "available: 800.");
  EXPECT_EQ(testing::only(d, "AIOPS-D505").rootCause,
            "PersistentVolumeClaim archive is Lost: its PersistentVolume "
            "pvc-7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f no "
            "longer exists.");
  EXPECT_EQ(testing::only(d, "AIOPS-D505").severity, model::Severity::Critical);
  EXPECT_EQ(testing::only(d, "AIOPS-D501").rootCause,
            "PersistentVolumeClaim uploads cannot be provisioned: failed to provision volume with "
            "StorageClass \"ebs\": "
            "rpc error: code = InvalidArgument desc = Volume capabilities MULTI_NODE_MULTI_WRITER not "
            "supported. Only "
            "AccessModes[ReadWriteOnce] supported.");
  EXPECT_EQ(testing::only(d, "AIOPS-D306").rootCause.substr(0, 80),
            "The postStart hook of container app fails, so the kubelet kills the container: E");
}

// --- the toleration patch, taints the selector excludes anyway, taints of a NotReady node ------------------

PodEvidence& podNamed(Evidence& e, const std::string& name) {
  for (PodEvidence& p : e.pods) {
    if (p.name == name) return p;
  }
  throw std::runtime_error("no pod " + name);
}

NodeEvidence& nodeNamed(Evidence& e, const std::string& name) {
  for (NodeEvidence& n : e.nodes) {
    if (n.name == name) return n;
  }
  throw std::runtime_error("no node " + name);
}

const model::Finding* findingOf(const Diagnosis& d, std::string_view rule, std::string_view object) {
  for (const model::Finding* f : withRule(d, rule)) {
    if (f->object.name == object) return f;
  }
  return nullptr;
}

// What DefaultTolerationSeconds adds to every pod: never part of a template.
void addAdmissionTolerations(PodEvidence& pod) {
  for (const char* key : {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"})
    pod.tolerations.push_back(Toleration{key, "Exists", "", "NoExecute", 300});
}

TEST(SchedulingTolerations, ThePatchStartsFromTheTemplatesTolerations) {
  Evidence e = testing::loadEvidence("scheduling");
  PodEvidence& pod = podNamed(e, "trainer-6f7a8b9c0-r2d2x");
  pod.tolerations.push_back(Toleration{"team", "Equal", "ml", "NoSchedule", std::nullopt});
  addAdmissionTolerations(pod);
  WorkloadEvidence deployment;
  deployment.kind = "Deployment";
  deployment.namespace_ = "shop";
  deployment.name = "trainer";
  deployment.hasTemplate = true;
  deployment.templateTolerations = {Toleration{"team", "Equal", "ml", "NoSchedule", std::nullopt}};
  e.workloads.push_back(deployment);
  Diagnosis d = diagnose(e, testing::fixtureOptions());
  const model::Finding* f = findingOf(d, "AIOPS-D403", "trainer-6f7a8b9c0-r2d2x");
  ASSERT_NE(f, nullptr);
  const model::Recommendation& r = f->recommendations.at(0);
  EXPECT_EQ(
      json::serialize(r.patch->body),
      R"({"spec":{"template":{"spec":{"tolerations":[{"key":"team","operator":"Equal","value":"ml","effect":"NoSchedule"},)"
      R"({"key":"dedicated","operator":"Equal","value":"gpu","effect":"NoSchedule"}]}}}})");
  EXPECT_EQ(
      json::serialize(r.undo->body),
      R"({"spec":{"template":{"spec":{"tolerations":[{"key":"team","operator":"Equal","value":"ml","effect":"NoSchedule"}]}}}})");
}

TEST(SchedulingTolerations, WithoutTheTemplateTheAdmissionAddedTolerationsAreLeftOut) {
  Evidence e = testing::loadEvidence("scheduling");
  addAdmissionTolerations(podNamed(e, "trainer-6f7a8b9c0-r2d2x"));
  Diagnosis d = diagnose(e, testing::fixtureOptions());
  const model::Finding* f = findingOf(d, "AIOPS-D403", "trainer-6f7a8b9c0-r2d2x");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(
      json::serialize(f->recommendations.at(0).patch->body),
      R"({"spec":{"template":{"spec":{"tolerations":[{"key":"dedicated","operator":"Equal","value":"gpu","effect":"NoSchedule"}]}}}})");
  EXPECT_EQ(json::serialize(f->recommendations.at(0).undo->body),
            R"({"spec":{"template":{"spec":{"tolerations":null}}}})");
}

TEST(SchedulingTolerations, ATaintOnNodesTheSelectorExcludesIsNoCause) {
  Evidence e = testing::loadEvidence("scheduling");
  // gpu-1 (accelerator=nvidia, tainted dedicated=gpu) is not what the pod asks for now.
  podNamed(e, "trainer-6f7a8b9c0-r2d2x").nodeSelector = {{"accelerator", "amd"}};
  Diagnosis d = diagnose(e, testing::fixtureOptions());
  EXPECT_EQ(findingOf(d, "AIOPS-D403", "trainer-6f7a8b9c0-r2d2x"), nullptr);
  const model::Finding* selector = findingOf(d, "AIOPS-D404", "trainer-6f7a8b9c0-r2d2x");
  ASSERT_NE(selector, nullptr);
  EXPECT_TRUE(selector->primary);
  EXPECT_EQ(selector->rootCause,
            "Pod trainer-6f7a8b9c0-r2d2x cannot be scheduled: 3 of 4 nodes do not match its node selector or "
            "affinity (nodeSelector accelerator=amd).");
}

TEST(SchedulingTolerations, ATaintOnNodesTheRequiredAffinityExcludesIsNoCause) {
  Evidence e = testing::loadEvidence("scheduling");
  PodEvidence& pod = podNamed(e, "trainer-6f7a8b9c0-r2d2x");
  pod.nodeSelector.clear();
  pod.hasNodeAffinity = true;
  // Either term would do; neither admits gpu-1 (NotIn nvidia; a name it does not have).
  pod.requiredNodeAffinity = {{NodeSelectorRequirement{"accelerator", "NotIn", {"nvidia"}, false}},
                              {NodeSelectorRequirement{"metadata.name", "In", {"gpu-2"}, true}}};
  Diagnosis d = diagnose(e, testing::fixtureOptions());
  EXPECT_EQ(findingOf(d, "AIOPS-D403", "trainer-6f7a8b9c0-r2d2x"), nullptr);
  const model::Finding* selector = findingOf(d, "AIOPS-D404", "trainer-6f7a8b9c0-r2d2x");
  ASSERT_NE(selector, nullptr);
  EXPECT_EQ(selector->rootCause,
            "Pod trainer-6f7a8b9c0-r2d2x cannot be scheduled: 2 of 4 nodes do not match its node selector or "
            "affinity (required node affinity).");
  // A term that admits gpu-1 makes its taint a cause again.
  podNamed(e, "trainer-6f7a8b9c0-r2d2x")
      .requiredNodeAffinity.push_back({NodeSelectorRequirement{"accelerator", "Exists", {}, false}});
  Diagnosis again = diagnose(e, testing::fixtureOptions());
  EXPECT_NE(findingOf(again, "AIOPS-D403", "trainer-6f7a8b9c0-r2d2x"), nullptr)
      << ::testing::PrintToString(summary(again));
}

TEST(SchedulingTolerations, TheNotReadyTaintIsTheConsequenceOfTheNodeNotReady) {
  Evidence e = testing::loadEvidence("scheduling");
  NodeEvidence& gpu = nodeNamed(e, "gpu-1");
  gpu.taints = {kube::Taint{"node.kubernetes.io/not-ready", "", "NoSchedule"}};
  for (Condition& c : gpu.conditions) {
    if (c.type == "Ready") {
      c.status = "False";
      c.reason = "KubeletNotReady";
      c.message = "container runtime is down";
    }
  }
  const std::string message =
      "0/4 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had "
      "untolerated "
      "taint {node.kubernetes.io/not-ready: }, 1 node(s) had untolerated taint "
      "{node-role.kubernetes.io/control-plane: }, 1 node(s) were unschedulable. preemption: 0/4 nodes are "
      "available: 4 Preemption is not helpful for scheduling.";
  for (Condition& c : podNamed(e, "trainer-6f7a8b9c0-r2d2x").conditions) {
    if (c.type == "PodScheduled") c.message = message;
  }
  Diagnosis d = diagnose(e, testing::fixtureOptions());
  const model::Finding* taint = findingOf(d, "AIOPS-D403", "trainer-6f7a8b9c0-r2d2x");
  ASSERT_NE(taint, nullptr);
  EXPECT_EQ(
      taint->rootCause,
      "Pod trainer-6f7a8b9c0-r2d2x cannot be scheduled: 1 of 4 nodes have taint "
      "{node.kubernetes.io/not-ready: } that the pod does not tolerate (the node lifecycle controller sets "
      "it on NotReady node gpu-1).");
  EXPECT_FALSE(taint->primary);
  ASSERT_TRUE(taint->relatedTo.has_value());
  EXPECT_EQ(taint->relatedTo->ruleId, "AIOPS-D850");
  EXPECT_EQ(taint->relatedTo->object.name, "gpu-1");
  // No toleration patch for a system taint.
  EXPECT_EQ(taint->recommendations.at(0).action, model::ActionKind::Investigate);
  EXPECT_TRUE(findingOf(d, "AIOPS-D850", "gpu-1")->primary);
}

}  // namespace
}  // namespace aiops::diagnose

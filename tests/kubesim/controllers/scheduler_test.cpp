// Tests for the scheduler core: filters, exact FailedScheduling messages, preemption and scoring.
#include "scheduler.h"

#include <gtest/gtest.h>

#include <string>

namespace kubesim::controllers {
namespace {

json::object parse(const std::string& text) {
  return json::parse(text).as_object();
}

json::object node(const std::string& name, const std::string& cpu = "4", const std::string& memory = "8Gi",
                  const std::string& pods = "110") {
  return parse(R"({"metadata":{"name":")" + name + R"(","labels":{"kubernetes.io/hostname":")" + name +
               R"("}},"status":{"allocatable":{"cpu":")" + cpu + R"(","memory":")" + memory +
               R"(","pods":")" + pods + R"("}}})");
}

json::object controlPlane(const std::string& name) {
  json::object n = node(name);
  n["spec"] =
      json::parse(R"({"taints":[{"key":"node-role.kubernetes.io/control-plane","effect":"NoSchedule"}]})");
  return n;
}

json::object pod(const std::string& name, const std::string& cpu = "", const std::string& memory = "") {
  json::object requests;
  if (!cpu.empty()) requests["cpu"] = cpu;
  if (!memory.empty()) requests["memory"] = memory;
  json::object container{{"name", "app"}, {"image", "nginx"}};
  if (!requests.empty()) container["resources"] = json::object{{"requests", requests}};
  return json::object{
      {"metadata", json::object{{"name", name}, {"namespace", "default"}, {"uid", "uid-" + name}}},
      {"spec", json::object{{"containers", json::array{container}}}}};
}

json::object bound(json::object p, const std::string& nodeName, int priority = 0) {
  p["spec"].as_object()["nodeName"] = nodeName;
  p["spec"].as_object()["priority"] = priority;
  p["status"] = json::object{{"phase", "Running"}};
  return p;
}

TEST(SchedulerTest, PicksLeastAllocatedNodeAndRecordsScheduledEvent) {
  std::vector<json::object> nodes{node("node-a"), node("node-b"), node("node-c")};
  std::vector<json::object> running{bound(pod("x", "2", "1Gi"), "node-a"),
                                    bound(pod("y", "1", "1Gi"), "node-b")};
  ScheduleResult result = schedule(pod("web-abc", "500m", "256Mi"), nodes, running, {}, {});
  ASSERT_TRUE(result.scheduled);
  EXPECT_EQ(result.nodeName, "node-c");
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_EQ(result.events[0],
            (Event{"Normal", "Scheduled", "Successfully assigned default/web-abc to node-c"}));
}

TEST(SchedulerTest, BreaksScoreTiesByNodeName) {
  std::vector<json::object> nodes{node("node-b"), node("node-a")};
  ScheduleResult result = schedule(pod("web", "100m"), nodes, {}, {}, {});
  ASSERT_TRUE(result.scheduled);
  EXPECT_EQ(result.nodeName, "node-a");
}

TEST(SchedulerTest, TaintsAndInsufficientCpuWithoutVictims) {
  std::vector<json::object> nodes{controlPlane("cp-1"), controlPlane("cp-2"), node("worker", "2")};
  std::vector<json::object> running{bound(pod("busy", "1500m"), "worker")};
  ScheduleResult result = schedule(pod("web", "1"), nodes, running, {}, {});
  EXPECT_FALSE(result.scheduled);
  EXPECT_EQ(result.reason, "Unschedulable");
  EXPECT_EQ(result.message,
            "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint "
            "{node-role.kubernetes.io/control-plane: }. preemption: 0/3 nodes are available: 1 No preemption "
            "victims found for incoming pod, 2 Preemption is not helpful for scheduling..");
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_EQ(result.events[0].type, "Warning");
  EXPECT_EQ(result.events[0].reason, "FailedScheduling");
  EXPECT_EQ(result.events[0].message, result.message);
  EXPECT_TRUE(result.nominatedNodeName.empty());
}

TEST(SchedulerTest, OnlyUnresolvableFailuresMakePreemptionUnhelpfulEverywhere) {
  std::vector<json::object> nodes{controlPlane("cp-1"), controlPlane("cp-2"), controlPlane("cp-3")};
  ScheduleResult result = schedule(pod("web"), nodes, {}, {}, {});
  EXPECT_EQ(
      result.message,
      "0/3 nodes are available: 3 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. "
      "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling..");
}

TEST(SchedulerTest, ToleratedTaintAndValueInMessage) {
  json::object tainted = node("gpu-1");
  tainted["spec"] = json::parse(R"({"taints":[{"key":"dedicated","value":"gpu","effect":"NoSchedule"},
                                               {"key":"soft","value":"x","effect":"PreferNoSchedule"}]})");
  ScheduleResult rejected = schedule(pod("web"), {tainted}, {}, {}, {});
  EXPECT_EQ(
      rejected.message,
      "0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/1 nodes are "
      "available: 1 Preemption is not helpful for scheduling..");

  json::object tolerating = pod("web");
  tolerating["spec"].as_object()["tolerations"] =
      json::parse(R"([{"key":"dedicated","operator":"Equal","value":"gpu","effect":"NoSchedule"}])");
  EXPECT_TRUE(schedule(tolerating, {tainted}, {}, {}, {}).scheduled);

  json::object wildcard = pod("web");
  wildcard["spec"].as_object()["tolerations"] = json::parse(R"([{"operator":"Exists"}])");
  EXPECT_TRUE(schedule(wildcard, {tainted}, {}, {}, {}).scheduled);
}

TEST(SchedulerTest, CordonedNodeIsUnschedulableUnlessTolerated) {
  json::object cordoned = node("node-a");
  cordoned["spec"] = json::object{{"unschedulable", true}};
  ScheduleResult result = schedule(pod("web"), {cordoned}, {}, {}, {});
  EXPECT_EQ(result.message,
            "0/1 nodes are available: 1 node(s) were unschedulable. preemption: 0/1 nodes are available: 1 "
            "Preemption is not helpful for scheduling..");
  json::object tolerating = pod("web");
  tolerating["spec"].as_object()["tolerations"] = json::parse(
      R"([{"key":"node.kubernetes.io/unschedulable","operator":"Exists","effect":"NoSchedule"}])");
  EXPECT_TRUE(schedule(tolerating, {cordoned}, {}, {}, {}).scheduled);
}

TEST(SchedulerTest, NodeSelectorAndRequiredAffinity) {
  json::object ssd = node("node-ssd");
  ssd["metadata"].as_object()["labels"].as_object()["disktype"] = "ssd";
  ssd["metadata"].as_object()["labels"].as_object()["cores"] = "16";
  json::object hdd = node("node-hdd");

  json::object selecting = pod("db");
  selecting["spec"].as_object()["nodeSelector"] = json::object{{"disktype", "ssd"}};
  ScheduleResult result = schedule(selecting, {hdd, ssd}, {}, {}, {});
  ASSERT_TRUE(result.scheduled);
  EXPECT_EQ(result.nodeName, "node-ssd");

  json::object affine = pod("db");
  affine["spec"].as_object()["affinity"] =
      json::parse(R"({"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":
      {"nodeSelectorTerms":[{"matchExpressions":[{"key":"cores","operator":"Gt","values":["32"]}]},
                            {"matchExpressions":[{"key":"disktype","operator":"In","values":["nvme"]}]}]}}})");
  result = schedule(affine, {hdd, ssd}, {}, {}, {});
  EXPECT_EQ(
      result.message,
      "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes "
      "are available: 2 Preemption is not helpful for scheduling..");

  affine["spec"].as_object()["affinity"] =
      json::parse(R"({"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":
      {"nodeSelectorTerms":[{"matchExpressions":[{"key":"cores","operator":"Gt","values":["8"]},
                                                 {"key":"disktype","operator":"NotIn","values":["hdd"]}]}]}}})");
  result = schedule(affine, {hdd, ssd}, {}, {}, {});
  ASSERT_TRUE(result.scheduled);
  EXPECT_EQ(result.nodeName, "node-ssd");

  affine["spec"].as_object()["affinity"] =
      json::parse(R"({"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":
      {"nodeSelectorTerms":[{"matchFields":[{"key":"metadata.name","operator":"In","values":["node-hdd"]}]}]}}})");
  result = schedule(affine, {hdd, ssd}, {}, {}, {});
  ASSERT_TRUE(result.scheduled);
  EXPECT_EQ(result.nodeName, "node-hdd");
}

TEST(SchedulerTest, HostPortConflicts) {
  auto withPort = [](json::object p, int port, const std::string& ip = "") {
    json::object portSpec{{"containerPort", 80}, {"hostPort", port}};
    if (!ip.empty()) portSpec["hostIP"] = ip;
    p["spec"].as_object()["containers"].as_array()[0].as_object()["ports"] = json::array{portSpec};
    return p;
  };
  std::vector<json::object> nodes{node("node-a")};
  std::vector<json::object> running{bound(withPort(pod("old"), 8080, "10.0.0.1"), "node-a")};
  ScheduleResult result = schedule(withPort(pod("new"), 8080), nodes, running, {}, {});
  EXPECT_EQ(result.message,
            "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. "
            "preemption: 0/1 "
            "nodes are available: 1 No preemption victims found for incoming pod..");
  EXPECT_TRUE(schedule(withPort(pod("new"), 8080, "10.0.0.2"), nodes, running, {}, {}).scheduled);
  EXPECT_TRUE(schedule(withPort(pod("new"), 9090), nodes, running, {}, {}).scheduled);
}

TEST(SchedulerTest, ReportsEveryInsufficientResourceAndPodCount) {
  std::vector<json::object> nodes{node("small", "1", "1Gi", "1")};
  std::vector<json::object> running{bound(pod("a", "500m", "512Mi"), "small")};
  ScheduleResult result = schedule(pod("big", "1", "1Gi"), nodes, running, {}, {});
  EXPECT_EQ(
      result.message,
      "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 Too many pods. preemption: 0/1 "
      "nodes are available: 1 No preemption victims found for incoming pod..");
}

TEST(SchedulerTest, SortsHistogramAsStringsLikeUpstream) {
  std::vector<json::object> nodes;
  for (int i = 0; i < 10; ++i)
    nodes.push_back(node("small-" + std::to_string(i), "1"));
  nodes.push_back(controlPlane("cp-1"));
  nodes.push_back(controlPlane("cp-2"));
  json::object never = pod("big", "2");
  never["spec"].as_object()["preemptionPolicy"] = "Never";
  ScheduleResult result = schedule(never, nodes, {}, {}, {});
  // "10 ..." sorts before "2 ..." because upstream sorts the rendered strings.
  EXPECT_EQ(
      result.message,
      "0/12 nodes are available: 10 Insufficient cpu, 2 node(s) had untolerated taint "
      "{node-role.kubernetes.io/control-plane: }. preemption: not eligible due to preemptionPolicy=Never..");
}

TEST(SchedulerTest, IgnoresTerminalPodsAndThePodItself) {
  std::vector<json::object> nodes{node("node-a", "1")};
  json::object done = bound(pod("done", "1"), "node-a");
  done["status"].as_object()["phase"] = "Succeeded";
  json::object self = bound(pod("web", "1"), "node-a");
  EXPECT_TRUE(schedule(pod("web", "1"), nodes, {done, self}, {}, {}).scheduled);
}

TEST(SchedulerTest, NoNodesAtAll) {
  ScheduleResult result = schedule(pod("web"), {}, {}, {}, {});
  EXPECT_FALSE(result.scheduled);
  EXPECT_EQ(result.reason, "Unschedulable");
  EXPECT_EQ(result.message, "no nodes available to schedule pods");
}

json::object withClaim(json::object p, const std::string& claim) {
  p["spec"].as_object()["volumes"] = json::array{
      json::object{{"name", "data"}, {"persistentVolumeClaim", json::object{{"claimName", claim}}}}};
  return p;
}

json::object pvc(const std::string& name, const std::string& storageClass, const std::string& phase) {
  json::object claim{{"metadata", json::object{{"name", name}, {"namespace", "default"}}},
                     {"spec", json::object{}},
                     {"status", json::object{{"phase", phase}}}};
  if (!storageClass.empty()) claim["spec"].as_object()["storageClassName"] = storageClass;
  return claim;
}

json::object storageClass(const std::string& name, const std::string& mode, const std::string& provisioner) {
  return json::object{
      {"metadata", json::object{{"name", name}}}, {"provisioner", provisioner}, {"volumeBindingMode", mode}};
}

TEST(SchedulerTest, MissingClaimFailsAtPreFilter) {
  std::vector<json::object> nodes{node("node-a"), node("node-b")};
  ScheduleResult result = schedule(withClaim(pod("db"), "data"), nodes, {}, {}, {});
  EXPECT_EQ(result.message,
            "0/2 nodes are available: persistentvolumeclaim \"data\" not found. preemption: 0/2 nodes are "
            "available: "
            "2 Preemption is not helpful for scheduling..");

  json::object deleting = pvc("data", "standard", "Bound");
  deleting["metadata"].as_object()["deletionTimestamp"] = "2024-01-01T00:00:00Z";
  result = schedule(withClaim(pod("db"), "data"), nodes, {}, {deleting}, {});
  EXPECT_EQ(
      result.message,
      "0/2 nodes are available: persistentvolumeclaim \"data\" is being deleted. preemption: 0/2 nodes are "
      "available: 2 Preemption is not helpful for scheduling..");
}

TEST(SchedulerTest, UnboundImmediateClaimAndMissingStorageClass) {
  std::vector<json::object> nodes{node("node-a")};
  std::vector<json::object> classes{storageClass("standard", "Immediate", "rancher.io/local-path")};
  ScheduleResult result =
      schedule(withClaim(pod("db"), "data"), nodes, {}, {pvc("data", "standard", "Pending")}, classes);
  EXPECT_EQ(
      result.message,
      "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are "
      "available: 1 Preemption is not helpful for scheduling..");

  // A claim naming a class that does not exist is treated as Immediate and stays Pending; the PV controller
  // reports the missing class on the claim.
  json::object orphan = pvc("data", "fast", "Pending");
  result = schedule(withClaim(pod("db"), "data"), nodes, {}, {orphan}, classes);
  EXPECT_EQ(
      result.message,
      "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are "
      "available: 1 Preemption is not helpful for scheduling..");
  std::optional<Event> event = provisioningFailure(orphan, classes);
  ASSERT_TRUE(event);
  EXPECT_EQ(*event,
            (Event{"Warning", "ProvisioningFailed", "storageclass.storage.k8s.io \"fast\" not found"}));

  std::optional<Event> noClass = provisioningFailure(pvc("data", "", "Pending"), classes);
  ASSERT_TRUE(noClass);
  EXPECT_EQ(noClass->reason, "FailedBinding");
  EXPECT_EQ(noClass->message, "no persistent volumes available for this claim and no storage class is set");
  EXPECT_FALSE(provisioningFailure(pvc("data", "standard", "Pending"), classes));
  EXPECT_FALSE(provisioningFailure(pvc("data", "fast", "Bound"), classes));

  EXPECT_TRUE(schedule(withClaim(pod("db"), "data"), nodes, {}, {pvc("data", "standard", "Bound")}, classes)
                  .scheduled);
}

TEST(SchedulerTest, WaitForFirstConsumerClaims) {
  std::vector<json::object> nodes{node("node-a")};
  std::vector<json::object> dynamic{storageClass("wffc", "WaitForFirstConsumer", "ebs.csi.aws.com")};
  EXPECT_TRUE(
      schedule(withClaim(pod("db"), "data"), nodes, {}, {pvc("data", "wffc", "Pending")}, dynamic).scheduled);

  std::vector<json::object> local{
      storageClass("wffc", "WaitForFirstConsumer", "kubernetes.io/no-provisioner")};
  ScheduleResult result =
      schedule(withClaim(pod("db"), "data"), nodes, {}, {pvc("data", "wffc", "Pending")}, local);
  EXPECT_EQ(
      result.message,
      "0/1 nodes are available: 1 node(s) didn't find available persistent volumes to bind. preemption: 0/1 "
      "nodes are available: 1 Preemption is not helpful for scheduling..");
}

TEST(SchedulerTest, EphemeralClaimNotYetCreated) {
  json::object p = pod("db");
  p["spec"].as_object()["volumes"] =
      json::parse(R"([{"name":"scratch","ephemeral":{"volumeClaimTemplate":{"spec":{}}}}])");
  ScheduleResult result = schedule(p, {node("node-a")}, {}, {}, {});
  EXPECT_EQ(
      result.message,
      "0/1 nodes are available: waiting for ephemeral volume controller to create the persistentvolumeclaim "
      "\"db-scratch\". preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling..");
}

TEST(SchedulerTest, PreemptsTheFewestLeastImportantVictims) {
  std::vector<json::object> nodes{node("node-a", "2"), node("node-b", "2")};
  json::object lowOld = bound(pod("low-old", "1"), "node-a", 10);
  lowOld["status"].as_object()["startTime"] = "2024-01-01T00:00:00Z";
  json::object lowNew = bound(pod("low-new", "1"), "node-a", 10);
  lowNew["status"].as_object()["startTime"] = "2024-01-02T00:00:00Z";
  json::object mid = bound(pod("mid", "1"), "node-b", 50);
  json::object high = bound(pod("high", "1"), "node-b", 1000);
  json::object incoming = pod("urgent", "1");
  incoming["spec"].as_object()["priority"] = 100;

  ScheduleResult result = schedule(incoming, nodes, {lowOld, lowNew, mid, high}, {}, {});
  EXPECT_FALSE(result.scheduled);
  EXPECT_EQ(result.message, "0/2 nodes are available: 2 Insufficient cpu.");
  // node-a's top victim has priority 10, node-b's 50: node-a wins, and only one of its pods has to go. The
  // more important of the two equal-priority pods (the one that started first) is reprieved first.
  EXPECT_EQ(result.nominatedNodeName, "node-a");
  ASSERT_EQ(result.victims.size(), 1u);
  EXPECT_EQ(result.victims[0], "default/low-new");
  ASSERT_EQ(result.victimEvents.size(), 1u);
  EXPECT_EQ(result.victimEvents[0],
            (Event{"Normal", "Preempted", "Preempted by pod uid-urgent on node node-a"}));
}

TEST(SchedulerTest, PreemptionReportsTheFilterThatStillFails) {
  std::vector<json::object> nodes{node("node-a", "2")};
  std::vector<json::object> running{bound(pod("system", "1500m"), "node-a", 2000),
                                    bound(pod("low", "250m"), "node-a", 0)};
  json::object incoming = pod("web", "1");
  incoming["spec"].as_object()["priority"] = 100;
  ScheduleResult result = schedule(incoming, nodes, running, {}, {});
  EXPECT_EQ(result.message,
            "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 "
            "Insufficient cpu..");
  EXPECT_TRUE(result.victims.empty());
}

TEST(SchedulerTest, PodRequestsCombineInitContainersSidecarsAndOverhead) {
  json::object p = parse(R"({"metadata":{"name":"p","namespace":"default"},"spec":{
      "initContainers":[{"name":"migrate","resources":{"requests":{"cpu":"2","memory":"64Mi"}}},
                        {"name":"proxy","restartPolicy":"Always","resources":{"requests":{"cpu":"100m"}}}],
      "containers":[{"name":"app","resources":{"requests":{"cpu":"500m"},"limits":{"memory":"256Mi"}}},
                    {"name":"log","resources":{"limits":{"cpu":"200m"}}}],
      "overhead":{"cpu":"10m"}}})");
  auto requests = podRequests(p);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0],
            (std::pair<std::string, std::int64_t>{"cpu", 2010}));  // init floor 2 wins, + overhead
  EXPECT_EQ(requests[1], (std::pair<std::string, std::int64_t>{"memory", 268435456000LL}));
}

}  // namespace
}  // namespace kubesim::controllers

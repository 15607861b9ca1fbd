// DaemonSets through the whole runtime: one pod per eligible node (node selector, taints and the daemon
// tolerations, cordoned nodes), pinned by node affinity for the scheduler; taints added later; a rolling
// update within maxUnavailable, and one with maxSurge; `kubectl rollout undo`; a failed daemon pod replaced.
#include "daemonset_controller.h"

#include <gtest/gtest.h>

#include "../controllers/rollout.h"
#include "controller_history.h"
#include "test_cluster.h"

namespace kubesim::runtime {
namespace {

using testing::field;
using testing::TestCluster;

// testing::kNodeYaml renamed, with extra spec fields and labels.
std::string nodeYaml(const std::string& name, const std::string& spec = "", const std::string& os = "linux") {
  std::string node = testing::kNodeYaml;
  for (std::size_t at = node.find("node-1"); at != std::string::npos; at = node.find("node-1", at + 1))
    node.replace(at, 6, name);
  node.replace(node.find("kubernetes.io/os: linux"), 23, "kubernetes.io/os: " + os);
  std::string cidr = "  podCIDR: 10.244.0.0/24\n";
  node.replace(node.find(cidr), cidr.size(), cidr + spec);
  return node;
}

const std::string kProfile = R"(---
apiVersion: kubesim.aiops.dev/v1
kind: BehaviourProfile
name: agent
images: [registry.example/agent]
startup: 2s
)";

std::string daemonSet(const std::string& extraSpec = "") {
  return R"(apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: default}
spec:
  selector: {matchLabels: {app: agent}}
)" + extraSpec +
         R"(  template:
    metadata: {labels: {app: agent}}
    spec:
      nodeSelector: {kubernetes.io/os: linux}
      containers:
      - name: agent
        image: registry.example/agent:1.0
)";
}

const std::string kPath = "/apis/apps/v1/namespaces/default/daemonsets/agent";
const std::string kNewImage =
    R"({"spec":{"template":{"spec":{"containers":[{"name":"agent","image":"registry.example/agent:2.0"}]}}}})";

// "node:image" of every pod that is not terminating, by node; "node:image(terminating)" for the others.
std::vector<std::string> podsByNode(TestCluster& cluster) {
  std::vector<std::string> out;
  for (const json::object& pod : cluster.list(gr::pods)) {
    std::string image(pod.at("spec").at("containers").at(0).at("image").as_string());
    out.push_back(field(pod, {"spec", "nodeName"}) + ":" + image.substr(image.find(':') + 1) +
                  (isTerminating(pod) ? "(terminating)" : ""));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string statusOf(TestCluster& cluster) {
  return field(cluster.must(gr::daemonSets, "agent"), {"status"});
}

TEST(DaemonSetControllerTest, OnePodPerEligibleNodePinnedByNodeAffinity) {
  TestCluster cluster(nodeYaml("node-1") + "---\n" + nodeYaml("node-2", "  unschedulable: true\n") + "---\n" +
                      nodeYaml("node-3", "  taints: [{key: dedicated, value: gpu, effect: NoSchedule}]\n") +
                      "---\n" + nodeYaml("node-4", "", "windows") + kProfile);
  cluster.create(daemonSet());
  cluster.runUntilSecond(10);
  // A cordoned node still runs daemons (they tolerate node.kubernetes.io/unschedulable); the tainted and
  // the Windows node do not.
  EXPECT_EQ(podsByNode(cluster), (std::vector<std::string>{"node-1:1.0", "node-2:1.0"}));
  json::object ds = cluster.must(gr::daemonSets, "agent");
  std::string hash = controllers::podTemplateHash(ds.at("spec").at("template").as_object());
  for (const json::object& pod : cluster.list(gr::pods)) {
    std::string node = field(pod, {"spec", "nodeName"});
    EXPECT_EQ(field(pod, {"metadata", "generateName"}), "agent-");
    EXPECT_EQ(field(pod, {"metadata", "labels"}),
              R"({"app":"agent","controller-revision-hash":")" + hash + R"("})");
    EXPECT_EQ(field(pod, {"spec", "affinity"}),
              R"({"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":)"
              R"([{"matchFields":[{"key":"metadata.name","operator":"In","values":[")" +
                  node + R"("]}]}]}}})");
    EXPECT_EQ(field(pod, {"spec", "tolerations"}),
              R"([{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute"},)"
              R"({"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute"},)"
              R"({"key":"node.kubernetes.io/disk-pressure","operator":"Exists","effect":"NoSchedule"},)"
              R"({"key":"node.kubernetes.io/memory-pressure","operator":"Exists","effect":"NoSchedule"},)"
              R"({"key":"node.kubernetes.io/pid-pressure","operator":"Exists","effect":"NoSchedule"},)"
              R"({"key":"node.kubernetes.io/unschedulable","operator":"Exists","effect":"NoSchedule"}])");
    EXPECT_EQ(field(pod, {"status", "phase"}), "Running");
  }
  EXPECT_EQ(
      statusOf(cluster),
      R"({"currentNumberScheduled":2,"numberMisscheduled":0,"desiredNumberScheduled":2,"numberReady":2,)"
      R"("observedGeneration":1,"updatedNumberScheduled":2,"numberAvailable":2})");
  std::vector<std::string> events = cluster.eventsFor("agent");
  ASSERT_EQ(events.size(), 2u);
  for (const std::string& e : events)
    EXPECT_TRUE(e.starts_with("SuccessfulCreate: Created pod: agent-")) << e;
  std::vector<json::object> history = ownedRevisions(cluster.store(), ds, "DaemonSet");
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(metaString(history[0], "name"), "agent-" + hash);
  EXPECT_EQ(field(history[0], {"metadata", "labels"}),
            R"({"app":"agent","controller-revision-hash":")" + hash + R"("})");
  EXPECT_EQ(revisionNumber(history[0]), 1);
}

TEST(DaemonSetControllerTest, ANoScheduleTaintKeepsThePodAndANoExecuteTaintRemovesIt) {
  TestCluster cluster(nodeYaml("node-1") + "---\n" + nodeYaml("node-2") + kProfile);
  cluster.create(daemonSet());
  cluster.runUntilSecond(10);
  cluster.patch("/api/v1/nodes/node-2",
                R"({"spec":{"taints":[{"key":"maintenance","effect":"NoSchedule"}]}})");
  cluster.runUntilSecond(20);
  EXPECT_EQ(podsByNode(cluster), (std::vector<std::string>{"node-1:1.0", "node-2:1.0"}));
  EXPECT_EQ(
      statusOf(cluster),
      R"({"currentNumberScheduled":1,"numberMisscheduled":1,"desiredNumberScheduled":1,"numberReady":1,)"
      R"("observedGeneration":1,"updatedNumberScheduled":1,"numberAvailable":1})");
  cluster.patch("/api/v1/nodes/node-2",
                R"({"spec":{"taints":[{"key":"maintenance","effect":"NoExecute"}]}})");
  cluster.manager().step();
  EXPECT_EQ(podsByNode(cluster), (std::vector<std::string>{"node-1:1.0", "node-2:1.0(terminating)"}));
  cluster.runUntilSecond(30);
  EXPECT_EQ(podsByNode(cluster), (std::vector<std::string>{"node-1:1.0"}));
  EXPECT_EQ(field(cluster.must(gr::daemonSets, "agent"), {"status", "numberMisscheduled"}), "0");
}

TEST(DaemonSetControllerTest, RollingUpdateReplacesOneNodeAtATimeAndUndoRenumbersTheOldRevision) {
  TestCluster cluster(nodeYaml("node-1") + "---\n" + nodeYaml("node-2") + "---\n" + nodeYaml("node-3") +
                      kProfile);
  cluster.create(daemonSet());
  cluster.runUntilSecond(10);
  json::object ds = cluster.must(gr::daemonSets, "agent");
  std::string first(metaString(ownedRevisions(cluster.store(), ds, "DaemonSet").at(0), "name"));
  cluster.patch(kPath, kNewImage);
  // maxUnavailable 1 (the default): never more than one node without an available pod.
  for (int second = 10; second <= 40; ++second) {
    cluster.runUntilSecond(second);
    json::object status = cluster.must(gr::daemonSets, "agent").at("status").as_object();
    EXPECT_GE(field(status, {"numberAvailable"}), "2") << second;
    std::size_t terminating = 0;
    for (const std::string& p : podsByNode(cluster))
      terminating += p.ends_with("(terminating)");
    EXPECT_LE(terminating, 1u) << second;
  }
  EXPECT_EQ(podsByNode(cluster), (std::vector<std::string>{"node-1:2.0", "node-2:2.0", "node-3:2.0"}));
  std::vector<std::string> events = cluster.eventsFor("agent");
  ASSERT_EQ(events.size(), 9u);
  for (std::size_t i = 3; i < 9; ++i)
    EXPECT_TRUE(events[i].starts_with(i % 2 ? "SuccessfulDelete: Deleted pod: agent-"
                                            : "SuccessfulCreate: Created pod: agent-"))
        << events[i];
  ds = cluster.must(gr::daemonSets, "agent");
  EXPECT_EQ(field(ds, {"status", "updatedNumberScheduled"}), "3");
  EXPECT_EQ(field(ds, {"status", "observedGeneration"}), "2");
  std::vector<json::object> history = ownedRevisions(cluster.store(), ds, "DaemonSet");
  ASSERT_EQ(history.size(), 2u);
  std::string second(metaString(history[1], "name"));

  // `kubectl rollout undo ds/agent` patches the first revision's data back: it becomes revision 3.
  cluster.patch(kPath, toJson(cluster.must(gr::controllerRevisions, first).at("data")));
  cluster.runUntilSecond(80);
  EXPECT_EQ(podsByNode(cluster), (std::vector<std::string>{"node-1:1.0", "node-2:1.0", "node-3:1.0"}));
  history = ownedRevisions(cluster.store(), cluster.must(gr::daemonSets, "agent"), "DaemonSet");
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(std::string(metaString(history[0], "name")) + ":" + std::to_string(revisionNumber(history[0])),
            second + ":2");
  EXPECT_EQ(std::string(metaString(history[1], "name")) + ":" + std::to_string(revisionNumber(history[1])),
            first + ":3");
}

TEST(DaemonSetControllerTest, SurgeStartsTheNewPodBesideTheOldOne) {
  TestCluster cluster(nodeYaml("node-1") + "---\n" + nodeYaml("node-2") + kProfile);
  cluster.create(daemonSet(
      "  updateStrategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}\n"));
  cluster.runUntilSecond(10);
  cluster.patch(kPath, kNewImage);
  cluster.manager().step();
  // One node surges: its new pod starts while the old one keeps serving.
  std::vector<std::string> pods = podsByNode(cluster);
  EXPECT_EQ(pods, (std::vector<std::string>{"node-1:1.0", "node-1:2.0", "node-2:1.0"}));
  for (int second = 11; second <= 40; ++second) {
    cluster.runUntilSecond(second);
    EXPECT_EQ(field(cluster.must(gr::daemonSets, "agent"), {"status", "numberAvailable"}), "2") << second;
  }
  EXPECT_EQ(podsByNode(cluster), (std::vector<std::string>{"node-1:2.0", "node-2:2.0"}));
}

TEST(DaemonSetControllerTest, AFailedDaemonPodIsDeletedAndReplaced) {
  TestCluster cluster(nodeYaml("node-1") + kProfile);
  cluster.create(daemonSet());
  cluster.runUntilSecond(10);
  json::object pod = cluster.list(gr::pods).at(0);
  std::string name(metaString(pod, "name"));
  // As an eviction leaves it.
  cluster.store().modify(gr::pods, "default", name,
                         [](const json::object& current) {
                           json::object next = current;
                           next["status"].as_object()["phase"] = "Failed";
                           return next;
                         },
                         {UpdateScope::Status, false});
  cluster.runUntilSecond(20);
  std::vector<json::object> pods = cluster.list(gr::pods);
  ASSERT_EQ(pods.size(), 1u);
  EXPECT_NE(metaString(pods[0], "name"), name);
  EXPECT_EQ(field(pods[0], {"status", "phase"}), "Running");
  std::vector<std::string> events = cluster.eventsFor("agent");
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[1], "FailedDaemonPod: Found failed daemon pod default/" + name +
                           " on node node-1, will try to kill it");
  EXPECT_EQ(events[2], "SuccessfulDelete: Deleted pod: " + name);
  EXPECT_EQ(events[3], "SuccessfulCreate: Created pod: " + std::string(metaString(pods[0], "name")));
}

}  // namespace
}  // namespace kubesim::runtime

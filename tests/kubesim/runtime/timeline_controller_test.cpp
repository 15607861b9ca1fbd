// Timeline actions applied on demand (ControllerManager::apply, what /kubesim/v1/actions calls): each action
// changes the cluster as the real event would, an action that cannot apply is refused with the API's error
// before anything changes, and a profile switched by image applies in every namespace.
#include "timeline_controller.h"

#include <gtest/gtest.h>

#include "../errors.h"
#include "test_cluster.h"

namespace kubesim::runtime {
namespace {

using namespace std::chrono_literals;
using testing::field;
using testing::TestCluster;

const std::string kCluster = std::string(testing::kNodeYaml) + R"(---
apiVersion: kubesim.aiops.dev/v1
kind: BehaviourProfile
name: web
images: [registry.example/web]
startup: 1s
cpu: {baselineMillicores: 10, perRpsMillicores: 1}
---
apiVersion: kubesim.aiops.dev/v1
kind: BehaviourProfile
name: busy
cpu: {baselineMillicores: 300}
---
apiVersion: kubesim.aiops.dev/v1
kind: LoadCurve
namespace: default
service: web
rps: 10
---
apiVersion: v1
kind: Namespace
metadata: {name: other}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: default}
data: {URL: postgres://db, MODE: fast}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: app, image: registry.example/web:1.0}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: lone, namespace: other}
spec:
  containers:
  - {name: app, image: registry.example/web:1.0}
)";

// The error an action is refused with: "<code> <message>".
std::string refusal(TestCluster& cluster, const behaviour::TimelineAction& action) {
  try {
    cluster.manager().apply(action);
    return "applied";
  } catch (const ApiError& e) {
    return std::to_string(e.code()) + " " + e.what();
  }
}

std::vector<std::string> webPods(TestCluster& cluster) {
  std::vector<std::string> out;
  for (const json::object& pod : cluster.podsOf("web-"))
    out.push_back(std::string(metaString(pod, "name")) + (isTerminating(pod) ? " terminating" : ""));
  return out;
}

TEST(TimelineActionsTest, EachActionChangesTheClusterAtOnce) {
  TestCluster cluster(kCluster);
  cluster.runUntilSecond(30);
  ASSERT_EQ(webPods(cluster).size(), 2u);

  // setLoad: the Service's load is constant from now on; the next scrape shows it.
  cluster.manager().apply(behaviour::SetLoad{"default", "web", 100});
  cluster.runUntilSecond(45);
  EXPECT_EQ(
      field(cluster.must(gr::podMetrics, metaString(cluster.podsOf("web-")[0], "name")), {"containers"}),
      R"([{"name":"app","usage":{"cpu":"60000000n","memory":"16384Ki"}}])");

  // killPod by selector: both pods are deleted (graceful) and replaced.
  cluster.manager().apply(behaviour::KillPod{"default", "", "app=web"});
  std::vector<std::string> pods = webPods(cluster);
  ASSERT_EQ(pods.size(), 2u);
  EXPECT_TRUE(pods[0].ends_with(" terminating") && pods[1].ends_with(" terminating"))
      << ::testing::PrintToString(pods);
  cluster.manager().step();
  EXPECT_EQ(webPods(cluster).size(), 4u);
  cluster.runUntilSecond(60);
  pods = webPods(cluster);
  ASSERT_EQ(pods.size(), 2u);
  EXPECT_FALSE(pods[0].ends_with(" terminating") || pods[1].ends_with(" terminating"));

  // removeConfigMapKey: the key goes, the others stay.
  cluster.manager().apply(behaviour::RemoveConfigMapKey{"default", "settings", "URL"});
  EXPECT_EQ(field(cluster.must(gr::configMaps, "settings"), {"data"}), R"({"MODE":"fast"})");

  // nodePressure: the condition and the kubelet's event.
  cluster.manager().apply(behaviour::NodePressure{"node-1", "DiskPressure", true});
  json::object node = cluster.must(gr::nodes, "node-1", "");
  EXPECT_EQ(testing::conditions(node)[1], "DiskPressure=True/KubeletHasDiskPressure");
  EXPECT_EQ(cluster.eventsFor("node-1", "default").back(),
            "NodeHasDiskPressure: Node node-1 status is now: NodeHasDiskPressure");

  // badImage: the Deployment's container gets the image, which cannot be pulled.
  cluster.manager().apply(behaviour::BadImage{"default", "web", "", "registry.example/web:typo"});
  std::string containers =
      field(cluster.must(gr::deployments, "web"), {"spec", "template", "spec", "containers"});
  EXPECT_NE(containers.find(R"("name":"app","image":"registry.example/web:typo")"), std::string::npos)
      << containers;
  EXPECT_TRUE(cluster.manager().context().world.imageIsBad("registry.example/web:typo"));
  EXPECT_TRUE(cluster.manager().problems().empty()) << ::testing::PrintToString(cluster.manager().problems());
}

TEST(TimelineActionsTest, WhatCannotApplyIsRefusedAndChangesNothing) {
  TestCluster cluster(kCluster);
  cluster.runUntilSecond(10);
  EXPECT_EQ(refusal(cluster, behaviour::KillPod{"default", "nope", ""}), "404 pods \"nope\" not found");
  EXPECT_EQ(refusal(cluster, behaviour::NodePressure{"node-9", "MemoryPressure", true}),
            "404 nodes \"node-9\" not found");
  EXPECT_EQ(refusal(cluster, behaviour::RemoveConfigMapKey{"default", "missing", "URL"}),
            "404 configmaps \"missing\" not found");
  EXPECT_EQ(refusal(cluster, behaviour::BadImage{"default", "api", "", "x:1"}),
            "404 deployments.apps \"api\" not found");
  EXPECT_EQ(refusal(cluster, behaviour::BadImage{"default", "web", "sidecar", "registry.example/web:typo"}),
            "400 deployment web has no container sidecar");
  // The refused bad image did not go bad.
  EXPECT_FALSE(cluster.manager().context().world.imageIsBad("registry.example/web:typo"));
  EXPECT_EQ(refusal(cluster, behaviour::SetProfile{"default", "", "web", "", "", "nothing"}),
            "400 no behaviour profile named nothing");
  EXPECT_EQ(refusal(cluster, behaviour::SetProfile{"default", "", "api", "", "", "busy"}),
            "404 deployments.apps \"api\" not found");
  std::string malformed = refusal(cluster, behaviour::KillPod{"default", "", "app in (web"});
  EXPECT_TRUE(malformed.starts_with("400 unable to parse selector \"app in (web\": ")) << malformed;
  EXPECT_EQ(cluster.podsOf("web-").size(), 2u);
}

TEST(TimelineActionsTest, AProfileSwitchedByImageAppliesInEveryNamespace) {
  TestCluster cluster(kCluster);
  cluster.runUntilSecond(10);
  // As parsed, the action carries the default namespace; an image rule is cluster-wide all the same.
  cluster.manager().apply(behaviour::SetProfile{"default", "", "", "", "registry.example/web", "busy"});
  cluster.runUntilSecond(30);
  EXPECT_EQ(field(cluster.must(gr::podMetrics, "lone", "other"), {"containers"}),
            R"([{"name":"app","usage":{"cpu":"300000000n","memory":"16384Ki"}}])");
  EXPECT_EQ(
      field(cluster.must(gr::podMetrics, metaString(cluster.podsOf("web-")[0], "name")), {"containers"}),
      R"([{"name":"app","usage":{"cpu":"300000000n","memory":"16384Ki"}}])");
}

}  // namespace
}  // namespace kubesim::runtime

// Deployments through the whole runtime: a rolling update honouring maxSurge, maxUnavailable and
// minReadySeconds to completion with the conditions and events a real cluster shows, a paused Deployment
// that does not progress until resumed, and `kubectl rollout undo` as kubectl patches it.
#include "deployment_controller.h"

#include <gtest/gtest.h>

#include "../controllers/rollout.h"
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
startup: 2s
probes: {readyAfter: 3s}
)";

const std::string kDeployment = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 3
  minReadySeconds: 5
  selector: {matchLabels: {app: web}}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: registry.example/web:1.0
        readinessProbe:
          httpGet: {path: /ready, port: 8080}
          periodSeconds: 1
)";

// The ReplicaSets of a Deployment by revision.
std::map<std::string, json::object> replicaSetsByRevision(TestCluster& cluster) {
  std::map<std::string, json::object> out;
  for (json::object& rs : cluster.list(gr::replicaSets))
    out[field(rs, {"metadata", "annotations", "deployment.kubernetes.io/revision"})] = std::move(rs);
  return out;
}

std::string conditionOf(const json::object& object, std::string_view type) {
  for (const std::string& c : testing::conditions(object))
    if (c.starts_with(std::string(type) + "=")) return c;
  return {};
}

std::string progressingMessage(const json::object& deployment) {
  const json::object* status = objectField(deployment, "status");
  const json::object* c = status ? runtime::conditionOf(*status, "Progressing") : nullptr;
  return c ? std::string(stringField(*c, "message")) : std::string();
}

TEST(DeploymentControllerTest, RollingUpdateHonoursSurgeUnavailabilityAndMinReadySeconds) {
  TestCluster cluster(kCluster);
  cluster.create(kDeployment);
  cluster.runUntilSecond(60);
  json::object deployment = cluster.must(gr::deployments, "web");
  EXPECT_EQ(field(deployment, {"status", "availableReplicas"}), "3");
  EXPECT_EQ(conditionOf(deployment, "Progressing"), "Progressing=True/NewReplicaSetAvailable");
  std::string first(metaString(replicaSetsByRevision(cluster).at("1"), "name"));
  EXPECT_EQ(first,
            "web-" + controllers::podTemplateHash(deployment["spec"].as_object()["template"].as_object()));

  cluster.patch(
      "/apis/apps/v1/namespaces/default/deployments/web",
      R"({"spec":{"template":{"spec":{"containers":[{"name":"app","image":"registry.example/web:2.0"}]}}}})");
  bool sawProgressing = false;
  for (int second = 61; second <= 150; ++second) {
    cluster.runUntilSecond(second);
    int pods = 0, available = 0;
    for (const json::object& pod : cluster.list(gr::pods))
      if (!isTerminating(pod) && !isTerminal(pod)) ++pods;
    for (const json::object& rs : cluster.list(gr::replicaSets))
      available += std::stoi("0" + field(rs, {"status", "availableReplicas"}));
    // maxSurge 1: never more than 4 pods; maxUnavailable 0: never fewer than 3 available.
    EXPECT_LE(pods, 4) << "at second " << second;
    EXPECT_GE(available, 3) << "at second " << second;
    deployment = cluster.must(gr::deployments, "web");
    if (conditionOf(deployment, "Progressing") == "Progressing=True/ReplicaSetUpdated") sawProgressing = true;
  }
  EXPECT_TRUE(sawProgressing);
  std::map<std::string, json::object> sets = replicaSetsByRevision(cluster);
  ASSERT_EQ(sets.size(), 2u);
  std::string second(metaString(sets.at("2"), "name"));
  EXPECT_EQ(field(sets.at("1"), {"spec", "replicas"}), "0");
  EXPECT_EQ(field(sets.at("2"), {"spec", "replicas"}), "3");
  EXPECT_EQ(field(sets.at("2"), {"status", "availableReplicas"}), "3");
  deployment = cluster.must(gr::deployments, "web");
  EXPECT_EQ(field(deployment, {"metadata", "annotations", "deployment.kubernetes.io/revision"}), "2");
  EXPECT_EQ(field(deployment, {"status", "observedGeneration"}), "2");
  EXPECT_EQ(field(deployment, {"status", "replicas"}), "3");
  EXPECT_EQ(field(deployment, {"status", "updatedReplicas"}), "3");
  EXPECT_EQ(field(deployment, {"status", "readyReplicas"}), "3");
  EXPECT_EQ(field(deployment, {"status", "availableReplicas"}), "3");
  EXPECT_EQ(testing::conditions(deployment),
            (std::vector<std::string>{"Available=True/MinimumReplicasAvailable",
                                      "Progressing=True/NewReplicaSetAvailable"}));
  EXPECT_EQ(progressingMessage(deployment), "ReplicaSet \"" + second + "\" has successfully progressed.");
  std::vector<std::string> expected = {
      "ScalingReplicaSet: Scaled up replica set " + first + " from 0 to 3",
      "ScalingReplicaSet: Scaled up replica set " + second + " from 0 to 1",
      "ScalingReplicaSet: Scaled down replica set " + first + " from 3 to 2",
      "ScalingReplicaSet: Scaled up replica set " + second + " from 1 to 2",
      "ScalingReplicaSet: Scaled down replica set " + first + " from 2 to 1",
      "ScalingReplicaSet: Scaled up replica set " + second + " from 2 to 3",
      "ScalingReplicaSet: Scaled down replica set " + first + " from 1 to 0",
  };
  EXPECT_EQ(cluster.eventsFor("web"), expected);
  EXPECT_TRUE(cluster.manager().problems().empty()) << ::testing::PrintToString(cluster.manager().problems());
}

TEST(DeploymentControllerTest, APausedDeploymentDoesNotProgressUntilResumed) {
  TestCluster cluster(kCluster);
  cluster.create(kDeployment);
  cluster.runUntilSecond(60);
  // kubectl rollout pause, then kubectl set image.
  cluster.patch("/apis/apps/v1/namespaces/default/deployments/web", R"({"spec":{"paused":true}})");
  cluster.patch(
      "/apis/apps/v1/namespaces/default/deployments/web",
      R"({"spec":{"template":{"spec":{"containers":[{"name":"app","image":"registry.example/web:2.0"}]}}}})");
  cluster.runUntilSecond(300);
  EXPECT_EQ(cluster.list(gr::replicaSets).size(), 1u);
  json::object deployment = cluster.must(gr::deployments, "web");
  EXPECT_EQ(conditionOf(deployment, "Progressing"), "Progressing=Unknown/DeploymentPaused");
  EXPECT_EQ(progressingMessage(deployment), "Deployment is paused");
  EXPECT_EQ(field(deployment, {"status", "observedGeneration"}), "3");
  EXPECT_EQ(field(deployment, {"status", "updatedReplicas"}), "");
  for (const json::object& pod : cluster.list(gr::pods))
    EXPECT_EQ(field(pod, {"spec", "containers"}).find("web:2.0"), std::string::npos);

  // kubectl rollout resume: the rollout runs to completion.
  cluster.patch("/apis/apps/v1/namespaces/default/deployments/web", R"({"spec":{"paused":null}})");
  cluster.runUntilSecond(301);
  EXPECT_EQ(cluster.list(gr::replicaSets).size(), 2u);
  EXPECT_EQ(conditionOf(cluster.must(gr::deployments, "web"), "Progressing"),
            "Progressing=True/ReplicaSetUpdated");
  std::string newest(metaString(replicaSetsByRevision(cluster).at("2"), "name"));
  EXPECT_EQ(cluster.eventsFor("web").back(),
            "ScalingReplicaSet: Scaled up replica set " + newest + " from 0 to 1");
  cluster.runUntilSecond(420);
  deployment = cluster.must(gr::deployments, "web");
  EXPECT_EQ(conditionOf(deployment, "Progressing"), "Progressing=True/NewReplicaSetAvailable");
  EXPECT_EQ(field(deployment, {"status", "updatedReplicas"}), "3");
  EXPECT_EQ(field(deployment, {"metadata", "annotations", "deployment.kubernetes.io/revision"}), "2");
}

TEST(DeploymentControllerTest, RolloutUndoAsKubectlPatchesItRoundTrips) {
  TestCluster cluster(kCluster);
  cluster.create(kDeployment);
  cluster.runUntilSecond(60);
  cluster.patch(
      "/apis/apps/v1/namespaces/default/deployments/web",
      R"({"spec":{"template":{"spec":{"containers":[{"name":"app","image":"registry.example/web:2.0"}]}}}})");
  cluster.runUntilSecond(180);
  std::map<std::string, json::object> sets = replicaSetsByRevision(cluster);
  ASSERT_EQ(sets.size(), 2u);
  std::string original(metaString(sets.at("1"), "name"));

  // What `kubectl rollout undo deployment/web` does: the previous revision's template and annotations,
  // sent as a JSON patch.
  std::vector<json::object> owned = cluster.list(gr::replicaSets);
  controllers::RollbackResult rollback =
      controllers::rollbackTarget(cluster.must(gr::deployments, "web"), owned, 0);
  ASSERT_EQ(rollback.error, "");
  ASSERT_FALSE(rollback.skipped);
  json::array patch{
      json::object{{"op", "replace"}, {"path", "/spec/template"}, {"value", rollback.podTemplate}},
      json::object{{"op", "replace"}, {"path", "/metadata/annotations"}, {"value", rollback.annotations}}};
  cluster.patch("/apis/apps/v1/namespaces/default/deployments/web", toJson(patch),
                "application/json-patch+json");
  cluster.runUntilSecond(300);

  sets = replicaSetsByRevision(cluster);
  ASSERT_EQ(sets.size(), 2u) << "no new ReplicaSet: the old one comes back";
  EXPECT_EQ(std::string(metaString(sets.at("3"), "name")), original);
  EXPECT_EQ(field(sets.at("3"), {"metadata", "annotations", "deployment.kubernetes.io/revision-history"}),
            "1");
  EXPECT_EQ(field(sets.at("3"), {"spec", "replicas"}), "3");
  EXPECT_EQ(field(sets.at("3"), {"status", "availableReplicas"}), "3");
  EXPECT_EQ(field(sets.at("2"), {"spec", "replicas"}), "0");
  json::object deployment = cluster.must(gr::deployments, "web");
  EXPECT_EQ(field(deployment, {"metadata", "annotations", "deployment.kubernetes.io/revision"}), "3");
  EXPECT_EQ(conditionOf(deployment, "Progressing"), "Progressing=True/NewReplicaSetAvailable");
  EXPECT_EQ(progressingMessage(deployment), "ReplicaSet \"" + original + "\" has successfully progressed.");
  for (const json::object& pod : cluster.list(gr::pods)) {
    if (!isTerminating(pod)) {
      EXPECT_NE(field(pod, {"spec", "containers"}).find("web:1.0"), std::string::npos);
    }
  }

  // Undoing to the revision in place changes nothing.
  controllers::RollbackResult again =
      controllers::rollbackTarget(cluster.must(gr::deployments, "web"), cluster.list(gr::replicaSets), 3);
  EXPECT_TRUE(again.skipped);
  EXPECT_EQ(again.message, "skipped rollback (current template already matches revision 3)");
}

TEST(DeploymentControllerTest, ProgressDeadlineExceededWhenPodsNeverBecomeReady) {
  RuntimeOptions options;
  options.badImages = {"registry.example/web:9.9"};
  TestCluster cluster(kCluster, options);
  cluster.create(kDeployment);
  cluster.runUntilSecond(60);
  cluster.patch(
      "/apis/apps/v1/namespaces/default/deployments/web",
      R"({"spec":{"progressDeadlineSeconds":120,"template":{"spec":{"containers":[{"name":"app","image":"registry.example/web:9.9"}]}}}})");
  cluster.runUntilSecond(170);
  json::object deployment = cluster.must(gr::deployments, "web");
  EXPECT_EQ(conditionOf(deployment, "Progressing"), "Progressing=True/ReplicaSetUpdated");
  cluster.runUntilSecond(200);
  deployment = cluster.must(gr::deployments, "web");
  std::string newest(metaString(replicaSetsByRevision(cluster).at("2"), "name"));
  EXPECT_EQ(conditionOf(deployment, "Progressing"), "Progressing=False/ProgressDeadlineExceeded");
  EXPECT_EQ(progressingMessage(deployment), "ReplicaSet \"" + newest + "\" has timed out progressing.");
  // maxUnavailable 0: the old pods keep serving.
  EXPECT_EQ(field(deployment, {"status", "availableReplicas"}), "3");
  EXPECT_EQ(conditionOf(deployment, "Available"), "Available=True/MinimumReplicasAvailable");
}

}  // namespace
}  // namespace kubesim::runtime

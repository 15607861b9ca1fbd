// LimitRanger and ResourceQuota admission as the server and the controllers use them, and the quota
// controller's status.used.
#include "admission.h"

#include <gtest/gtest.h>

#include "../errors.h"
#include "test_cluster.h"

namespace kubesim::runtime {
namespace {

using testing::field;
using testing::TestCluster;

json::object podWith(const std::string& resources, const std::string& name = "p") {
  return boost::json::parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
                            R"(","namespace":"default"},"spec":{"containers":[{"name":"app","image":"app:1",
                            "resources":)" +
                            resources + R"(}]}})")
      .as_object();
}

std::string refusal(const Store& store, json::object pod) {
  try {
    admitPod(store, pod);
  } catch (const ApiError& e) {
    return std::to_string(e.code()) + " " + e.what();
  }
  return "admitted";
}

TEST(AdmissionTest, LimitRangeDefaultsAndItsAnnotation) {
  TestCluster cluster(std::string(testing::kNodeYaml) + R"(---
apiVersion: v1
kind: LimitRange
metadata: {name: limits, namespace: default}
spec:
  limits:
  - type: Container
    default: {cpu: 500m, memory: 256Mi}
    defaultRequest: {cpu: 100m}
    max: {cpu: '1'}
)");
  json::object pod = podWith("{}");
  admitPod(cluster.store(), pod);
  EXPECT_EQ(
      field(pod, {"spec", "containers"})
              .find(
                  R"("resources":{"limits":{"cpu":"500m","memory":"256Mi"},"requests":{"cpu":"100m","memory":"256Mi"}})") !=
          std::string::npos,
      true)
      << field(pod, {"spec", "containers"});
  EXPECT_EQ(
      field(pod, {"metadata", "annotations", "kubernetes.io/limit-ranger"}),
      "LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app");
  EXPECT_EQ(field(pod, {"status", "qosClass"}), "Burstable");
  EXPECT_EQ(refusal(cluster.store(), podWith(R"({"limits":{"cpu":"2"}})")),
            "403 pods \"p\" is forbidden: maximum cpu usage per Container is 1, but limit is 2");
}

TEST(AdmissionTest, QuotaRefusesWhatWouldPassItAndNamesTheGeneratedPod) {
  TestCluster cluster(std::string(testing::kNodeYaml) + R"(---
apiVersion: v1
kind: ResourceQuota
metadata: {name: compute, namespace: default}
spec:
  hard: {requests.cpu: '1', pods: '10'}
)");
  cluster.create(R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: registry.example/web:1.0
        resources: {requests: {cpu: 500m}}
)");
  cluster.runUntilSecond(10);
  json::object quota = cluster.must(gr::resourceQuotas, "compute");
  EXPECT_EQ(quota["status"],
            boost::json::parse(
                R"({"hard":{"requests.cpu":"1","pods":"10"},"used":{"pods":"2","requests.cpu":"1"}})"));
  json::object rs = cluster.list(gr::replicaSets).front();
  std::string rsName(metaString(rs, "name"));
  EXPECT_EQ(field(rs, {"status", "replicas"}), "2");
  // Creates are retried after 1, 2 and 4 s (the work queue's back-off): at 0, 1, 3 and 7.
  std::vector<std::string> events = cluster.eventsFor(rsName);
  ASSERT_EQ(events.size(), 6u) << ::testing::PrintToString(events);
  std::string failed = events[2];
  std::string prefix = "FailedCreate: Error creating: pods \"" + rsName + "-";
  ASSERT_TRUE(failed.starts_with(prefix)) << failed;
  // The generated name: five characters of the apimachinery alphabet after the prefix.
  std::string rest = failed.substr(prefix.size());
  EXPECT_EQ(rest.find_first_not_of("bcdfghjklmnpqrstvwxz2456789"), 5u) << rest;
  EXPECT_TRUE(
      rest.substr(5).starts_with("\" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, "
                                 "used: requests.cpu=1, limited: "
                                 "requests.cpu=1"))
      << rest;
  EXPECT_EQ(testing::conditions(rs), (std::vector<std::string>{"ReplicaFailure=True/FailedCreate"}));
  EXPECT_EQ(field(cluster.must(gr::deployments, "web"), {"status", "conditions"}).find("ReplicaFailure") !=
                std::string::npos,
            true);

  // A quota on cpu needs every container to say: `must specify`.
  json::object pod = podWith("{}", "bare");
  EXPECT_EQ(refusal(cluster.store(), pod),
            "403 pods \"bare\" is forbidden: failed quota: compute: must specify requests.cpu for: app");
}

TEST(AdmissionTest, QuotaUsageCountsObjectsAndIgnoresFinishedPods) {
  TestCluster cluster(std::string(testing::kNodeYaml) + R"(---
apiVersion: v1
kind: ResourceQuota
metadata: {name: objects, namespace: default}
spec:
  hard: {configmaps: '5', services: '2', count/deployments.apps: '3', requests.memory: 1Gi, limits.memory: 2Gi}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: a, namespace: default}
---
apiVersion: v1
kind: Pod
metadata: {name: done, namespace: default}
spec:
  containers: [{name: app, image: app:1, resources: {requests: {memory: 512Mi}, limits: {memory: 512Mi}}}]
status: {phase: Succeeded}
---
apiVersion: v1
kind: Pod
metadata: {name: running, namespace: default}
spec:
  nodeName: node-1
  containers: [{name: app, image: app:1, resources: {requests: {memory: 256Mi}, limits: {memory: 768Mi}}}]
status: {phase: Running}
)");
  json::object quota = cluster.must(gr::resourceQuotas, "objects");
  // The default namespace has the kubernetes Service.
  EXPECT_EQ(
      json::value(quotaUsed(cluster.store(), quota)),
      boost::json::parse(
          R"({"configmaps":"1","services":"1","count/deployments.apps":"0","requests.memory":"256Mi","limits.memory":"768Mi"})"));
  EXPECT_EQ(quotaUsageOf(gr::pods, podWith(R"({"requests":{"cpu":"250m","memory":"64Mi"}})")),
            (ResourceList{{"count/pods", 1000},
                          {"cpu", 250},
                          {"memory", 64LL * 1024 * 1024 * 1000},
                          {"pods", 1000},
                          {"requests.cpu", 250},
                          {"requests.memory", 64LL * 1024 * 1024 * 1000}}));
}

}  // namespace
}  // namespace kubesim::runtime

// The HPA through the whole runtime: metrics-server samples from the behaviour profile at each pod's share
// of a Service's load, a load step that scales the Deployment out, and the scale-in once the load is gone and
// the stabilization window has passed.
#include "hpa_controller.h"

#include <gtest/gtest.h>

#include "test_cluster.h"

namespace kubesim::runtime {
namespace {

using namespace std::chrono_literals;
using testing::field;
using testing::TestCluster;

const std::string kCluster = std::string(testing::kNodeYaml) + R"(---
apiVersion: kubesim.aiops.dev/v1
kind: BehaviourProfile
name: api
images: [registry.example/api]
startup: 1s
cpu: {baselineMillicores: 10, perRpsMillicores: 2}
memory: {baselineMiB: 50}
---
apiVersion: kubesim.aiops.dev/v1
kind: LoadCurve
namespace: default
service: api
steps:
- {at: 0s, rps: 10}
---
apiVersion: kubesim.aiops.dev/v1
kind: Timeline
namespace: default
entries:
- {at: 2m, action: setLoad, service: api, rps: 200}
- {at: 10m, action: setLoad, service: api, rps: 10}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - name: api
        image: registry.example/api:1.0
        resources:
          requests: {cpu: 100m}
          limits: {cpu: '1'}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: default}
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api, namespace: default}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  minReplicas: 1
  maxReplicas: 6
  metrics:
  - type: Resource
    resource:
      name: cpu
      target: {type: Utilization, averageUtilization: 50}
)";

std::string replicas(TestCluster& cluster) {
  return field(cluster.must(gr::deployments, "api"), {"spec", "replicas"});
}

TEST(HpaControllerTest, ScalesOutUnderALoadStepAndBackInAfterTheStabilizationWindow) {
  TestCluster cluster(kCluster);
  // 10 rps on one pod: 10m + 2m x 10 = 30m, 30% of its 100m request, below the 50% target.
  cluster.runUntilSecond(120);
  EXPECT_EQ(replicas(cluster), "1");
  json::object hpa = cluster.must(gr::hpas, "api");
  EXPECT_EQ(
      field(hpa, {"status", "currentMetrics"}),
      R"([{"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":30,"averageValue":"30m"}}}])");
  // At 2m the load jumps to 200 rps: the scrape at 120 shows 410%, the HPA at 135 wants 9 pods and the
  // defaulted scale-up behavior allows max(1 + 4 pods, 1 + 100%) = 5; at 150 it reaches maxReplicas.
  cluster.runUntilSecond(135);
  EXPECT_EQ(replicas(cluster), "5");
  cluster.runUntilSecond(150);
  EXPECT_EQ(replicas(cluster), "6");
  hpa = cluster.must(gr::hpas, "api");
  EXPECT_EQ(testing::conditions(hpa), (std::vector<std::string>{"AbleToScale=True/SucceededRescale",
                                                                "ScalingActive=True/ValidMetricFound",
                                                                "ScalingLimited=True/TooManyReplicas"}));
  // Six pods share 200 rps: 10m + 2m x 33.3 = 77m each, still above target but capped.
  cluster.runUntilSecond(300);
  EXPECT_EQ(
      field(cluster.must(gr::hpas, "api"), {"status", "currentMetrics"}),
      R"([{"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":77,"averageValue":"77m"}}}])");
  // At 10m the load drops back: 13% recommends 2 pods from 615 on, but the 300 s window keeps the 6 of
  // t=600 until it has passed.
  cluster.runUntilSecond(885);
  EXPECT_EQ(replicas(cluster), "6");
  EXPECT_EQ(testing::conditions(cluster.must(gr::hpas, "api"))[0], "AbleToScale=True/ScaleDownStabilized");
  cluster.runUntilSecond(900);
  EXPECT_EQ(replicas(cluster), "2");
  // Two pods at 5 rps each: 20%, one pod is enough once the window has passed again.
  cluster.runUntilSecond(1185);
  EXPECT_EQ(replicas(cluster), "2");
  cluster.runUntilSecond(1200);
  EXPECT_EQ(replicas(cluster), "1");
  hpa = cluster.must(gr::hpas, "api");
  EXPECT_EQ(field(hpa, {"status", "lastScaleTime"}), "2026-03-01T12:20:00Z");
  EXPECT_EQ(testing::conditions(hpa), (std::vector<std::string>{"AbleToScale=True/SucceededRescale",
                                                                "ScalingActive=True/ValidMetricFound",
                                                                "ScalingLimited=False/DesiredWithinRange"}));
  std::string rs(metaString(cluster.list(gr::replicaSets).front(), "name"));
  std::vector<std::string> expected = {
      "ScalingReplicaSet: Scaled up replica set " + rs + " from 0 to 1",
      // No sample before the pod runs, then a sample too close to its readiness to count (cpu start-up).
      "FailedGetResourceMetric: failed to get cpu utilization: unable to get metrics for resource cpu: no "
      "metrics "
      "returned from resource metrics API (x2)",
      "FailedComputeMetricsReplicas: invalid metrics (1 invalid out of 1), first error is: failed to get cpu "
      "resource metric value: failed to get cpu utilization: unable to get metrics for resource cpu: no "
      "metrics "
      "returned from resource metrics API (x2)",
      "FailedGetResourceMetric: failed to get cpu utilization: did not receive metrics for targeted pods "
      "(pods "
      "might be unready)",
      "FailedComputeMetricsReplicas: invalid metrics (1 invalid out of 1), first error is: failed to get cpu "
      "resource metric value: failed to get cpu utilization: did not receive metrics for targeted pods (pods "
      "might be unready)",
      "SuccessfulRescale: New size: 5; reason: cpu resource utilization (percentage of request) above target",
      "ScalingReplicaSet: Scaled up replica set " + rs + " from 1 to 5",
      "SuccessfulRescale: New size: 6; reason: cpu resource utilization (percentage of request) above target",
      "ScalingReplicaSet: Scaled up replica set " + rs + " from 5 to 6",
      "SuccessfulRescale: New size: 2; reason: All metrics below target",
      "ScalingReplicaSet: Scaled down replica set " + rs + " from 6 to 2",
      "SuccessfulRescale: New size: 1; reason: All metrics below target",
      "ScalingReplicaSet: Scaled down replica set " + rs + " from 2 to 1",
  };
  EXPECT_EQ(cluster.eventsFor("api"), expected);
  EXPECT_TRUE(cluster.manager().problems().empty()) << ::testing::PrintToString(cluster.manager().problems());
}

TEST(HpaControllerTest, AMissingTargetCannotBeScaled) {
  TestCluster cluster(std::string(testing::kNodeYaml) + R"(---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: ghost, namespace: default}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: ghost}
  maxReplicas: 3
)");
  cluster.runUntilSecond(30);
  json::object hpa = cluster.must(gr::hpas, "ghost");
  EXPECT_EQ(testing::conditions(hpa)[0], "AbleToScale=False/FailedGetScale");
  EXPECT_EQ(cluster.eventsFor("ghost"),
            (std::vector<std::string>{"FailedGetScale: deployments.apps \"ghost\" not found (x3)"}));
}

}  // namespace
}  // namespace kubesim::runtime

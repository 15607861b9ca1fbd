// The metrics pipeline through the whole runtime: metrics.k8s.io objects for `kubectl top` from the
// profiles at each pod's share of the load, and the applications' Prometheus metrics for the proxies.
#include "metrics_controller.h"

#include <gtest/gtest.h>

#include "test_cluster.h"

namespace kubesim::runtime {
namespace {

using testing::field;
using testing::TestCluster;

const std::string kCluster = std::string(testing::kNodeYaml) + R"(---
apiVersion: kubesim.aiops.dev/v1
kind: BehaviourProfile
name: api
images: [registry.example/api]
startup: 1s
cpu: {baselineMillicores: 10, perRpsMillicores: 2}
memory: {baselineMiB: 50, perRpsMiB: 1}
requests:
  errorRate: 0.1
---
apiVersion: kubesim.aiops.dev/v1
kind: LoadCurve
namespace: default
service: api
rps: 10
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: default}
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: api-1, namespace: default, labels: {app: api}}
spec:
  nodeName: node-1
  containers: [{name: api, image: registry.example/api:1.0}]
)";

TEST(MetricsControllerTest, PodAndNodeMetricsFollowTheProfileAndTheLoad) {
  TestCluster cluster(kCluster);
  cluster.runUntilSecond(30);
  // One pod takes the Service's 10 rps: 10m + 2m x 10 cpu, 50 MiB + 1 MiB x 10 memory.
  json::object metrics = cluster.must(gr::podMetrics, "api-1");
  EXPECT_EQ(field(metrics, {"timestamp"}), "2026-03-01T12:00:30Z");
  EXPECT_EQ(field(metrics, {"window"}), "15s");
  EXPECT_EQ(field(metrics, {"metadata", "labels", "app"}), "api");
  EXPECT_EQ(field(metrics, {"containers"}),
            R"([{"name":"api","usage":{"cpu":"30000000n","memory":"61440Ki"}}])");
  json::object node = cluster.must(gr::nodeMetrics, "node-1", "");
  // Plus the node's own 80m and 650 MiB.
  EXPECT_EQ(field(node, {"usage"}), R"({"cpu":"110000000n","memory":"727040Ki"})");

  // The pod goes: so do its metrics.
  ASSERT_EQ(cluster.call("DELETE", "/api/v1/namespaces/default/pods/api-1").status, 200);
  cluster.runUntilSecond(45);
  EXPECT_FALSE(cluster.get(gr::podMetrics, "api-1"));
  EXPECT_EQ(field(cluster.must(gr::nodeMetrics, "node-1", ""), {"usage"}),
            R"({"cpu":"80000000n","memory":"665600Ki"})");
}

TEST(MetricsControllerTest, ApplicationMetricsCountTheServedRequests) {
  TestCluster cluster(kCluster);
  // The pod is ready at 3 (started at once: its image is pulled by 3); 10 rps from then on.
  cluster.runUntilSecond(103);
  std::optional<std::string> text = cluster.manager().serviceMetrics("default", "api");
  ASSERT_TRUE(text);
  EXPECT_NE(text->find("http_requests_total{code=\"200\",method=\"GET\"} 900\n"), std::string::npos) << *text;
  EXPECT_NE(text->find("http_requests_total{code=\"500\",method=\"GET\"} 100\n"), std::string::npos) << *text;
  EXPECT_NE(text->find("http_request_duration_seconds_count 1000\n"), std::string::npos) << *text;
  EXPECT_EQ(cluster.manager().podMetrics("default", "api-1"), text);
  EXPECT_FALSE(cluster.manager().serviceMetrics("default", "nothing"));
  EXPECT_FALSE(cluster.manager().podMetrics("default", "nothing"));
  // The counters follow the clock between steps too.
  cluster.clock().advance(std::chrono::seconds(10));
  text = cluster.manager().serviceMetrics("default", "api");
  EXPECT_NE(text->find("http_request_duration_seconds_count 1100\n"), std::string::npos) << *text;
}

TEST(MetricsControllerTest, TheServiceProxyServesOneReadyEndpointsMetrics) {
  TestCluster cluster(kCluster);
  cluster.runUntilSecond(60);
  cluster.create(R"(apiVersion: v1
kind: Pod
metadata: {name: api-2, namespace: default, labels: {app: api}}
spec:
  nodeName: node-1
  containers: [{name: api, image: registry.example/api:1.0}]
)");
  cluster.runUntilSecond(120);
  std::optional<std::string> first = cluster.manager().podMetrics("default", "api-1");
  std::optional<std::string> second = cluster.manager().podMetrics("default", "api-2");
  ASSERT_TRUE(first && second);
  EXPECT_NE(*first, *second);  // api-2 joined later and has served less
  // The proxy forwards to the first endpoint of the Endpoints object, as a real one picks one at random.
  json::object endpoints = cluster.must(gr::endpoints, "api");
  std::string pod(endpoints["subsets"]
                      .as_array()[0]
                      .as_object()["addresses"]
                      .as_array()[0]
                      .as_object()["targetRef"]
                      .as_object()["name"]
                      .as_string());
  EXPECT_EQ(cluster.manager().serviceMetrics("default", "api"), pod == "api-1" ? first : second);

  // Without a ready endpoint the Service answers nothing (the API server's 503).
  ASSERT_EQ(cluster.call("DELETE", "/api/v1/namespaces/default/pods/api-1").status, 200);
  ASSERT_EQ(cluster.call("DELETE", "/api/v1/namespaces/default/pods/api-2").status, 200);
  cluster.runUntilSecond(150);
  EXPECT_FALSE(cluster.manager().serviceMetrics("default", "api"));
}

}  // namespace
}  // namespace kubesim::runtime

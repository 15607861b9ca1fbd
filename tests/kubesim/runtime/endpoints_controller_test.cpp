// Endpoints and EndpointSlices through the whole runtime: ready and not-ready addresses, named target ports,
// a terminating pod, and the Service's share of the load following its ready endpoints.
#include "endpoints_controller.h"

#include <gtest/gtest.h>

#include "test_cluster.h"

namespace kubesim::runtime {
namespace {

using testing::field;
using testing::TestCluster;

const std::string kCluster = std::string(testing::kNodeYaml) + R"(---
apiVersion: kubesim.aiops.dev/v1
kind: BehaviourProfile
name: web
images: [registry.example/web]
startup: 1s
---
apiVersion: kubesim.aiops.dev/v1
kind: BehaviourProfile
name: never-ready
images: [registry.example/stuck]
startup: 1s
probes: {readyAfter: 24h}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default, labels: {tier: front}}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
)";

const std::string kPods = R"(apiVersion: v1
kind: Pod
metadata: {name: web-a, namespace: default, labels: {app: web}}
spec:
  containers:
  - name: app
    image: registry.example/web:1.0
    ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-b, namespace: default, labels: {app: web}}
spec:
  containers:
  - name: app
    image: registry.example/stuck:1.0
    ports: [{name: http, containerPort: 8080}]
    readinessProbe:
      httpGet: {path: /ready, port: http}
      periodSeconds: 5
)";

TEST(EndpointsControllerTest, ReadyAndNotReadyAddressesWithNamedPorts) {
  TestCluster cluster(kCluster);
  cluster.create(kPods);
  cluster.runUntilSecond(30);
  json::object a = cluster.must(gr::pods, "web-a");
  json::object b = cluster.must(gr::pods, "web-b");
  std::string ipA = field(a, {"status", "podIP"}), ipB = field(b, {"status", "podIP"});
  json::object endpoints = cluster.must(gr::endpoints, "web");
  json::value expected = boost::json::parse(R"([{
    "addresses": [{"ip": ")" + ipA + R"(", "nodeName": "node-1",
                   "targetRef": {"kind": "Pod", "namespace": "default", "name": "web-a", "uid": ")" +
                                            std::string(metaString(a, "uid")) + R"("}}],
    "notReadyAddresses": [{"ip": ")" + ipB + R"(", "nodeName": "node-1",
                   "targetRef": {"kind": "Pod", "namespace": "default", "name": "web-b", "uid": ")" +
                                            std::string(metaString(b, "uid")) + R"("}}],
    "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]
  }])");
  EXPECT_EQ(endpoints["subsets"], expected) << toJson(endpoints["subsets"]);
  EXPECT_EQ(field(endpoints, {"metadata", "labels", "tier"}), "front");

  std::vector<json::object> slices = cluster.list(gr::endpointSlices);
  ASSERT_EQ(slices.size(), 1u);
  json::object& slice = slices.front();
  EXPECT_TRUE(std::string(metaString(slice, "name")).starts_with("web-"));
  EXPECT_EQ(field(slice, {"metadata", "labels", "kubernetes.io/service-name"}), "web");
  EXPECT_EQ(field(slice, {"metadata", "labels", "endpointslice.kubernetes.io/managed-by"}),
            "endpointslice-controller.k8s.io");
  EXPECT_EQ(field(slice, {"addressType"}), "IPv4");
  EXPECT_EQ(field(slice, {"ports"}), R"([{"name":"http","port":8080,"protocol":"TCP"}])");
  const json::array& list = slice["endpoints"].as_array();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(field(list[0].as_object(), {"conditions"}),
            R"({"ready":true,"serving":true,"terminating":false})");
  EXPECT_EQ(field(list[1].as_object(), {"conditions"}),
            R"({"ready":false,"serving":false,"terminating":false})");
  EXPECT_EQ(field(slice, {"metadata", "ownerReferences"}).find("\"kind\":\"Service\"") != std::string::npos,
            true);

  // web-a is deleted: out of Endpoints at once, in the slice as terminating until it is gone.
  ASSERT_EQ(cluster.call("DELETE", "/api/v1/namespaces/default/pods/web-a").status, 200);
  cluster.manager().step();
  endpoints = cluster.must(gr::endpoints, "web");
  EXPECT_EQ(field(endpoints, {"subsets"}).find("web-a"), std::string::npos);
  slice = cluster.list(gr::endpointSlices).front();
  EXPECT_EQ(field(slice["endpoints"].as_array()[0].as_object(), {"conditions"}),
            R"({"ready":false,"serving":true,"terminating":true})");
  cluster.runUntilSecond(32);
  EXPECT_EQ(cluster.list(gr::endpointSlices).front()["endpoints"].as_array().size(), 1u);
}

TEST(EndpointsControllerTest, AServiceWithoutPodsHasEmptyEndpoints) {
  TestCluster cluster(kCluster);
  cluster.runUntilSecond(5);
  json::object endpoints = cluster.must(gr::endpoints, "web");
  EXPECT_FALSE(endpoints.contains("subsets"));
  json::object slice = cluster.list(gr::endpointSlices).front();
  EXPECT_TRUE(slice["endpoints"].is_null());
  EXPECT_TRUE(slice["ports"].is_null());
  // The Service goes: so do its Endpoints and (by ownership) its slices.
  ASSERT_EQ(cluster.call("DELETE", "/api/v1/namespaces/default/services/web").status, 200);
  cluster.manager().step();
  EXPECT_FALSE(cluster.get(gr::endpoints, "web"));
  EXPECT_TRUE(cluster.list(gr::endpointSlices).empty());
}

TEST(EndpointsControllerTest, AServiceThatLosesItsSelectorGetsNoMoreTraffic) {
  TestCluster cluster(kCluster);
  cluster.create(kPods);
  cluster.runUntilSecond(10);
  auto serving = [&] {
    const auto& all = cluster.manager().context().world.serviceEndpoints();
    auto it = all.find({"default", "web"});
    return it == all.end() ? std::vector<std::string>{} : it->second;
  };
  EXPECT_EQ(serving(), std::vector<std::string>{"web-a"});
  // Its endpoints become the user's to write; the load model stops sending it requests.
  cluster.patch("/api/v1/namespaces/default/services/web", R"({"spec":{"selector":null}})",
                "application/merge-patch+json");
  cluster.manager().step();
  EXPECT_TRUE(serving().empty());
  EXPECT_TRUE(cluster.get(gr::endpoints, "web"));  // kept, as the real controller leaves them
}

}  // namespace
}  // namespace kubesim::runtime

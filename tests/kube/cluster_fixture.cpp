// The scripted cluster behind status tests (JSON shaped as a 1.32 API server returns it).
#include "cluster_fixture.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace aiops::kube::testing {

std::string readyNode(const std::string& name, const std::string& cpu, const std::string& memory,
                      bool ready) {
  return fmt::format(
      R"({{"metadata":{{"name":"{}","creationTimestamp":"2024-04-01T00:00:00Z"}},"spec":{{}},)"
      R"("status":{{"conditions":[{{"type":"Ready","status":"{}","reason":"KubeletReady"}}],)"
      R"("allocatable":{{"cpu":"{}","memory":"{}","pods":"110"}},"capacity":{{"cpu":"4","memory":"16Gi"}}}}}})",
      name, ready ? "True" : "Unknown", cpu, memory);
}

std::string deployment(const std::string& ns, const std::string& name, int desired, int ready, int updated,
                       int available) {
  return fmt::format(
      R"({{"metadata":{{"name":"{}","namespace":"{}","generation":1}},"spec":{{"replicas":{}}},)"
      R"("status":{{"observedGeneration":1,"replicas":{},"readyReplicas":{},"updatedReplicas":{},"availableReplicas":{}}}}})",
      name, ns, desired, desired, ready, updated, available);
}

std::string runningPod(const std::string& ns, const std::string& name, const std::string& node,
                       int restarts) {
  return fmt::format(
      R"({{"metadata":{{"name":"{}","namespace":"{}","creationTimestamp":"2024-05-01T10:00:00Z"}},)"
      R"("spec":{{"nodeName":"{}","containers":[{{"name":"app"}}]}},)"
      R"("status":{{"phase":"Running","conditions":[{{"type":"Ready","status":"True"}}],)"
      R"("containerStatuses":[{{"name":"app","ready":true,"restartCount":{},"state":{{"running":{{}}}}}}]}}}})",
      name, ns, node, restarts);
}

std::string crashLoopPod(const std::string& ns, const std::string& name, const std::string& node,
                         int restarts) {
  return fmt::format(
      R"({{"metadata":{{"name":"{}","namespace":"{}","creationTimestamp":"2024-05-01T11:55:00Z"}},)"
      R"("spec":{{"nodeName":"{}","containers":[{{"name":"app"}}]}},)"
      R"("status":{{"phase":"Running","conditions":[{{"type":"Ready","status":"False"}}],)"
      R"("containerStatuses":[{{"name":"app","ready":false,"restartCount":{},)"
      R"("state":{{"waiting":{{"reason":"CrashLoopBackOff"}}}},"lastState":{{"terminated":{{"exitCode":1,"reason":"Error"}}}}}}]}}}})",
      name, ns, node, restarts);
}

std::string warningEvent(const std::string& ns, const std::string& name, const std::string& reason) {
  return fmt::format(
      R"({{"metadata":{{"name":"{}","namespace":"{}"}},"type":"Warning","reason":"{}","count":3,)"
      R"("involvedObject":{{"kind":"Pod","namespace":"{}","name":"web-2"}}}})",
      name, ns, reason, ns);
}

std::string list(const std::string& kind, const std::string& apiVersion,
                 const std::vector<std::string>& items) {
  return fmt::format(
      R"({{"kind":"{}","apiVersion":"{}","metadata":{{"resourceVersion":"100"}},"items":[{}]}})", kind,
      apiVersion, fmt::join(items, ","));
}

void serveStatusLists(FakeTransport& fake, const std::string& ns, const std::string& nodes,
                      const std::string& deployments, const std::string& pods, const std::string& events) {
  const std::string scope = ns.empty() ? "" : "/namespaces/" + ns;
  fake.respondJson("GET", "/api/v1/nodes?limit=500", nodes);
  fake.respondJson("GET", "/apis/apps/v1" + scope + "/deployments?limit=500", deployments);
  fake.respondJson("GET", "/api/v1" + scope + "/pods?limit=500", pods);
  fake.respondJson("GET", "/api/v1" + scope + "/events?fieldSelector=type%3DWarning&limit=500", events);
}

void serveHealthyShop(FakeTransport& fake) {
  serveStatusLists(
      fake, "shop",
      list("NodeList", "v1", {readyNode("node-a", "3920m", "15Gi"), readyNode("node-b", "4", "16Gi")}),
      list("DeploymentList", "apps/v1",
           {deployment("shop", "web", 2, 2, 2, 2), deployment("shop", "api", 1, 1, 1, 1)}),
      list("PodList", "v1",
           {runningPod("shop", "web-1", "node-a"), runningPod("shop", "web-2", "node-b", 1),
            runningPod("shop", "api-1", "node-a")}),
      list("EventList", "v1", {}));
}

void serveUnhealthyShop(FakeTransport& fake) {
  serveStatusLists(
      fake, "shop",
      list("NodeList", "v1",
           {readyNode("node-a", "3920m", "15Gi"), readyNode("node-b", "4", "16Gi", /*ready=*/false)}),
      list("DeploymentList", "apps/v1",
           {deployment("shop", "web", 2, 1, 2, 1), deployment("shop", "api", 1, 1, 1, 1)}),
      list("PodList", "v1",
           {runningPod("shop", "web-1", "node-a"), crashLoopPod("shop", "web-2", "node-b", 7),
            runningPod("shop", "api-1", "node-a")}),
      list("EventList", "v1",
           {warningEvent("shop", "web-2.1", "BackOff"), warningEvent("shop", "web-2.2", "Unhealthy")}));
}

}  // namespace aiops::kube::testing

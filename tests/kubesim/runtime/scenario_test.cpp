// The Todo Chatbot scenario (scenarios/todo-chatbot.yaml with behaviour/testdata/todo-chatbot-behaviour.yaml)
// living through its busy day's timeline.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "test_cluster.h"

namespace kubesim::runtime {
namespace {

using testing::field;
using testing::TestCluster;

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The shipped scenario's objects with the busy day's behaviour in place of its own steady one.
std::string todoScenario() {
  std::string objects;
  std::string text = readFile(std::string(KUBESIM_SCENARIOS) + "/todo-chatbot.yaml");
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find("\n---\n", start);
    std::string document = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    bool behaviour = false;
    for (const char* kind : {"Clock", "BehaviourProfile", "LoadCurve", "Timeline"})
      behaviour = behaviour || document.find(std::string("\nkind: ") + kind + "\n") != std::string::npos;
    if (!behaviour) objects += document + "\n---\n";
    if (end == std::string::npos) break;
    start = end + 5;
  }
  return objects + readFile(std::string(KUBESIM_BEHAVIOUR_TEST_DATA) + "/todo-chatbot-behaviour.yaml");
}

std::string usage(TestCluster& cluster, std::string_view pod) {
  std::optional<json::object> metrics = cluster.get(gr::podMetrics, pod, "todo");
  return metrics ? field(*metrics,
                         {
                             "containers",
                         })
                 : "none";
}

std::vector<std::string> podsOf(TestCluster& cluster, std::string_view prefix) {
  std::vector<std::string> out;
  for (const json::object& pod : cluster.podsOf(prefix, "todo")) {
    std::string line = std::string(metaString(pod, "name")) + " " + field(pod, {"status", "phase"});
    if (!field(pod, {"status", "reason"}).empty()) line += "/" + field(pod, {"status", "reason"});
    out.push_back(line);
  }
  return out;
}

TEST(ScenarioTest, TodoChatbotLivesThroughItsBusyDay) {
  TestCluster cluster(todoScenario(), {}, "2026-11-20T09:05:00Z");
  auto at = [&](int minutes) {
    cluster.manager().runUntil(testing::at("2026-11-20T09:05:00Z") + std::chrono::minutes(minutes));
  };
  const std::string backend = "todo-backend-7d9f8c6b5d-x2k4p";
  const std::string frontend = "todo-frontend-5c7b9d4f8-q7w2z";

  // The scenario's running pods are taken over as they are: no restart, still ready.
  at(20);
  for (const std::string& name : {backend, frontend}) {
    json::object pod = cluster.must(gr::pods, name, "todo");
    EXPECT_EQ(field(pod, {"status", "phase"}), "Running") << name;
    EXPECT_EQ(field(testing::containerStatus(pod), {"restartCount"}), "0") << name;
    EXPECT_EQ(field(testing::containerStatus(pod), {"ready"}), "true") << name;
    EXPECT_EQ(field(testing::containerStatus(pod), {"state", "running", "startedAt"}),
              "2026-11-20T09:00:08Z");
  }
  std::optional<std::string> metrics = cluster.manager().serviceMetrics("todo", "todo-backend");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->find("http_requests_total{code=\"429\",method=\"GET\"}"), std::string::npos);
  EXPECT_TRUE(cluster.manager().serviceMetrics("todo", "todo-frontend"));

  // 30m: 150 rps on the backend; its CPU (20m + 4m per rps) is held at its 500m limit, its memory grows by
  // 0.5 MiB per rps.
  at(40);
  EXPECT_EQ(usage(cluster, backend),
            R"([{"name":"backend","usage":{"cpu":"500000000n","memory":"261120Ki"}}])");
  EXPECT_EQ(usage(cluster, frontend),
            R"([{"name":"frontend","usage":{"cpu":"6000000n","memory":"40960Ki"}}])");

  // 1h: the frontend pod is killed; its ReplicaSet replaces it and the Endpoints follow.
  at(70);
  std::vector<std::string> frontends = podsOf(cluster, "todo-frontend-");
  ASSERT_EQ(frontends.size(), 1u);
  EXPECT_NE(frontends[0], frontend + " Running");
  EXPECT_TRUE(frontends[0].ends_with(" Running")) << frontends[0];
  std::string replacement = frontends[0].substr(0, frontends[0].find(' '));
  json::object endpoints = cluster.must(gr::endpoints, "todo-frontend", "todo");
  EXPECT_NE(field(endpoints, {"subsets"}).find(replacement), std::string::npos);
  EXPECT_EQ(field(endpoints, {"subsets"}).find(frontend), std::string::npos);

  // 90m: the backend switches to the leaky profile: 180 MiB plus 60 MiB an hour since it started at 09:00:08
  // (1h44m52s at 10:45).
  at(100);
  EXPECT_EQ(usage(cluster, backend),
            R"([{"name":"backend","usage":{"cpu":"500000000n","memory":"291703Ki"}}])");

  // 3h: memory pressure on the node. The backend uses more than its 256Mi request and is evicted; its
  // replacement cannot be scheduled on the tainted node. The frontend, within its request, stays.
  at(190);
  EXPECT_EQ(cluster.must(gr::nodes, "minikube", "")["spec"].as_object()["taints"],
            boost::json::parse(R"([{"key":"node.kubernetes.io/memory-pressure","effect":"NoSchedule"}])"));
  json::object evicted = cluster.must(gr::pods, backend, "todo");
  EXPECT_EQ(field(evicted, {"status", "phase"}), "Failed");
  EXPECT_EQ(field(evicted, {"status", "reason"}), "Evicted");
  EXPECT_TRUE(
      field(evicted, {"status", "message"})
          .starts_with("The node was low on resource: memory. Threshold quantity: 100Mi, available: "))
      << field(evicted, {"status", "message"});
  EXPECT_NE(field(evicted, {"status", "message"}).find("Container backend was using "), std::string::npos);
  std::vector<std::string> backends = podsOf(cluster, "todo-backend-");
  ASSERT_EQ(backends.size(), 2u);
  EXPECT_EQ(backends[0], backend + " Failed/Evicted");
  EXPECT_TRUE(backends[1].ends_with(" Pending")) << backends[1];
  EXPECT_EQ(
      cluster.eventsFor(backends[1].substr(0, backends[1].find(' ')), "todo").front(),
      "FailedScheduling: 0/1 nodes are available: 1 node(s) had untolerated taint "
      "{node.kubernetes.io/memory-pressure: }. preemption: 0/1 nodes are available: 1 Preemption is not "
      "helpful for scheduling.. (x3)");  // at eviction, then each five-minute flush of the queue
  EXPECT_EQ(podsOf(cluster, "todo-frontend-"), (std::vector<std::string>{replacement + " Running"}));
  EXPECT_TRUE(cluster.manager().problems().empty()) << ::testing::PrintToString(cluster.manager().problems());
}

}  // namespace
}  // namespace kubesim::runtime

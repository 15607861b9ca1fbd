// kubesim's live-cluster controls through the real kubectl: the clock endpoint (`kubectl get --raw
// /kubesim/v1/clock`, `kubectl create --raw` to advance it) moving timestamps and AGE, injected 500 and 429
// faults as kubectl reports and retries them, and `kubectl top pods` on a live scenario.
#include <gtest/gtest.h>

#include <thread>

#include "e2e_util.h"
#include "kubesim_harness.h"

namespace aiops::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

class ControlTest : public ::testing::Test {
 protected:
  ControlTest() : server_(e2eScenario("shop.yaml")) {}
  CommandResult kubectl(const std::vector<std::string>& args, const std::string& stdinData = "") {
    return server_.kubectl(args, stdinData);
  }
  json::object raw(const std::string& path) {
    CommandResult r = kubectl({"get", "--raw", path});
    EXPECT_EQ(r.exit, 0) << r.err;
    json::value v = parseJsonOrFail(r.out);
    return v.is_object() ? v.get_object() : json::object{};
  }
  json::object post(const std::string& path, const std::string& body) {
    CommandResult r = kubectl({"create", "--raw", path, "-f", "-"}, body);
    EXPECT_EQ(r.exit, 0) << r.err;
    json::value v = parseJsonOrFail(r.out);
    return v.is_object() ? v.get_object() : json::object{};
  }
  KubesimHarness server_;
};

TEST_F(ControlTest, ClockEndpointMovesTimestampsAndAges) {
  json::object clock = raw("/kubesim/v1/clock");
  EXPECT_EQ(clock.at("scale"), 1.0);
  EXPECT_EQ(clock.at("frozen"), false);

  clock = post("/kubesim/v1/clock", R"({"freeze":true})");
  EXPECT_EQ(clock.at("frozen"), true);
  std::string now(clock.at("now").as_string());  // 2026-...T..:..:..000000Z
  ASSERT_EQ(now.size(), 27u) << now;
  CommandResult r = kubectl({"create", "configmap", "settings", "-n", "shop", "--from-literal=a=1"});
  ASSERT_EQ(r.exit, 0) << r.err;
  r = kubectl({"get", "configmap", "settings", "-n", "shop", "-o", "jsonpath={.metadata.creationTimestamp}"});
  EXPECT_EQ(r.out, now.substr(0, 19) + "Z");

  post("/kubesim/v1/clock", R"({"advance":"49h"})");
  r = kubectl({"get", "configmap", "settings", "-n", "shop", "--no-headers"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(squeeze(r.out), "settings 1 2d1h\n");
}

TEST_F(ControlTest, ClockEndpointIsForClusterAdmins) {
  CommandResult r = kubectl({"get", "--raw", "/kubesim/v1/clock", "--as", "bob"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(r.err,
            "Error from server (Forbidden): forbidden: User \"bob\" cannot get path \"/kubesim/v1/clock\"\n");
  r = kubectl({"create", "--raw", "/kubesim/v1/clock", "-f", "-"}, R"({"scale":0})");
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(r.err, "Error from server (BadRequest): scale: must be a number greater than 0, not 0\n");
}

TEST_F(ControlTest, An500FaultIsReportedByKubectl) {
  json::object fault = post("/kubesim/v1/faults", R"({"path":"/api/v1/namespaces/shop/pods","verbs":["list"],
      "error":{"code":500,"message":"etcd is gone"},"count":1})");
  EXPECT_EQ(fault.at("remaining"), 1);
  CommandResult r = kubectl({"get", "pods", "-n", "shop"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(r.err, "Error from server (InternalError): Internal error occurred: etcd is gone\n");
  r = kubectl({"get", "pods", "-n", "shop", "--no-headers"});
  EXPECT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(lines(r.out).size(), 4u);
  json::object listed = raw("/kubesim/v1/faults");
  EXPECT_EQ(listed.at("faults").at(0).at("fired"), 1);
}

TEST_F(ControlTest, A429FaultMakesKubectlWaitAndRetry) {
  post("/kubesim/v1/faults", R"({"path":"/api/v1/namespaces/shop/pods","verbs":["list"],
      "error":{"code":429,"retryAfterSeconds":1},"count":2})");
  auto start = std::chrono::steady_clock::now();
  CommandResult r = kubectl({"get", "pods", "-n", "shop", "--no-headers", "-v=6"});
  EXPECT_EQ(r.exit, 0) << r.err;
  EXPECT_GE(std::chrono::steady_clock::now() - start, 2s);  // two Retry-After waits of a second
  EXPECT_NE(r.err.find("429 Too Many Requests"), std::string::npos) << r.err;
  EXPECT_EQ(raw("/kubesim/v1/faults").at("faults").at(0).at("remaining"), 0);

  // A fault that never lets up: kubectl gives up after its retries.
  CommandResult del = kubectl({"delete", "--raw", "/kubesim/v1/faults"});
  EXPECT_EQ(del.exit, 0) << del.err;
  post("/kubesim/v1/faults", R"({"path":"/api/v1/namespaces/shop/services","error":{"code":429,
      "message":"slow down","retryAfterSeconds":0}})");
  r = kubectl({"get", "services", "-n", "shop"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(r.err, "Error from server (TooManyRequests): slow down\n");
}

TEST(LiveCluster, TopPodsShowsUsageFromTheBehaviourProfile) {
  KubesimHarness server(e2eScenario("live.yaml"));
  // At 60x the controllers schedule, start and scrape within a few real seconds.
  CommandResult r;
  for (int i = 0; i < 60; ++i) {
    r = server.kubectl({"top", "pods", "-n", "live", "--no-headers"});
    if (r.exit == 0 && lines(r.out).size() == 2) break;
    std::this_thread::sleep_for(500ms);
  }
  ASSERT_EQ(r.exit, 0) << r.err;
  std::vector<std::string> rows = lines(r.out);
  ASSERT_EQ(rows.size(), 2u) << r.out;
  for (const std::string& row : rows) {
    std::string line = squeeze(row);
    EXPECT_TRUE(line.starts_with("api-")) << line;
    EXPECT_TRUE(line.ends_with(" 40m 100Mi")) << line;
  }
  json::object clock = parseJsonOrFail(server.kubectl({"get", "--raw", "/kubesim/v1/clock"}).out).as_object();
  EXPECT_EQ(clock.at("scale"), 60.0);
}

}  // namespace
}  // namespace aiops::test

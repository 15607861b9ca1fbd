// Probes: wrong path (patched to the readiness path that works), wrong port (patched to the port the log
// names), slow start (a startup probe), timeouts (a longer timeout), unhealthy answers linked to the
// Service they empty; old failures and a passing container stay quiet.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "fixture.h"

namespace aiops::diagnose {
namespace {

using testing::diagnoseFixture;
using testing::only;
using testing::summary;
namespace json = boost::json;

class Probes : public ::testing::Test {
 protected:
  Diagnosis d = diagnoseFixture("probes");
};

TEST_F(Probes, OneFindingPerFailingProbeAndTheServiceItEmpties) {
  EXPECT_EQ(summary(d), (std::vector<std::string>{"AIOPS-D801 Service shop/billing secondary",
                                                  "AIOPS-D604 Pod shop/billing-2b3c4d5e6-b1ll1 primary",
                                                  "AIOPS-D600 Pod shop/catalog-7a8b9c0d1-c4t4l primary",
                                                  "AIOPS-D603 Pod shop/gateway-3c4d5e6f7-g4t3w primary",
                                                  "AIOPS-D601 Pod shop/orders-5e6f7a8b9-0rd3r primary",
                                                  "AIOPS-D602 Pod shop/search-4d5e6f7a8-s34rc primary"}));
}

TEST_F(Probes, WrongPathUsesTheWorkingReadinessPath) {
  const model::Finding& f = only(d, "AIOPS-D600");
  EXPECT_EQ(f.rootCause,
            "The liveness probe of container catalog requests /healthz on port 8080 and gets HTTP 404: the "
            "path is wrong.");
  const model::Recommendation& r = f.recommendations.at(0);
  EXPECT_EQ(r.action, model::ActionKind::ProbeFix);
  EXPECT_EQ(r.summary, "use the readiness probe's path /ready for the liveness probe of container catalog");
  EXPECT_EQ(
      json::serialize(r.patch->body),
      R"({"spec":{"template":{"spec":{"containers":[{"name":"catalog","livenessProbe":{"httpGet":{"path":"/ready"}}}]}}}})");
  EXPECT_EQ(
      json::serialize(r.undo->body),
      R"({"spec":{"template":{"spec":{"containers":[{"name":"catalog","livenessProbe":{"httpGet":{"path":"/healthz"}}}]}}}})");
  std::vector<std::string> reasons;
  for (const auto& e : f.evidence)
    reasons.push_back(e.kind == model::EvidenceItem::Kind::Event ? e.reason : e.path);
  EXPECT_EQ(reasons,
            (std::vector<std::string>{"Unhealthy", "Killing", "spec.containers[catalog].livenessProbe"}));
  EXPECT_EQ(f.evidence[2].text,
            "httpGet /healthz port 8080 initialDelaySeconds=0 periodSeconds=10 timeoutSeconds=1 "
            "failureThreshold=3");
}

TEST_F(Probes, WrongPortIsTakenFromTheApplicationsLog) {
  const model::Finding& f = only(d, "AIOPS-D601");
  EXPECT_EQ(f.rootCause,
            "The liveness probe of container orders connects to port 8080 and is refused: the application "
            "listens on "
            "port 3000 (log line 3).");
  const model::Recommendation& r = f.recommendations.at(0);
  EXPECT_EQ(r.summary, "set the liveness probe port of container orders to 3000");
  EXPECT_EQ(
      json::serialize(r.patch->body),
      R"({"spec":{"template":{"spec":{"containers":[{"name":"orders","livenessProbe":{"httpGet":{"port":3000}}}]}}}})");
  EXPECT_EQ(
      json::serialize(r.undo->body),
      R"({"spec":{"template":{"spec":{"containers":[{"name":"orders","livenessProbe":{"httpGet":{"port":8080}}}]}}}})");
}

TEST_F(Probes, TheListeningLineIsCitedOnce) {
  const model::Finding& f = only(d, "AIOPS-D601");
  std::vector<std::string> logs;
  for (const model::EvidenceItem& item : f.evidence) {
    if (item.kind == model::EvidenceItem::Kind::Log) logs.push_back(model::describe(item));
  }
  EXPECT_EQ(
      logs,
      (std::vector<std::string>{
          "log Pod shop/orders-5e6f7a8b9-0rd3r container orders (previous) line 3: Listening on :3000"}));
}

TEST_F(Probes, SlowStartGetsAStartupProbe) {
  const model::Finding& f = only(d, "AIOPS-D602");
  EXPECT_EQ(f.rootCause,
            "Container search is killed by its liveness probe before it finishes starting: the probe checks "
            "first at the prober's first tick at least 10s after each start, then every 10s, and the 3rd "
            "failure in a row kills it, 30s to 40s after the start; each instance was killed 45s after it "
            "started, and there is no startup probe.");
  const model::Recommendation& r = f.recommendations.at(0);
  EXPECT_EQ(
      json::serialize(r.patch->body),
      R"({"spec":{"template":{"spec":{"containers":[{"name":"search","startupProbe":{"httpGet":{"path":"/health","port":9200},"periodSeconds":10,"failureThreshold":30}}]}}}})");
  EXPECT_EQ(json::serialize(r.undo->body),
            R"({"spec":{"template":{"spec":{"containers":[{"name":"search","startupProbe":null}]}}}})");
  // No crash-loop finding for the kills the liveness probe explains.
  EXPECT_TRUE(testing::withRule(d, "AIOPS-D106").empty());
}

TEST_F(Probes, TimeoutGetsALongerTimeout) {
  const model::Finding& f = only(d, "AIOPS-D603");
  EXPECT_EQ(f.rootCause,
            "The readiness probe of container gateway times out after 1s: the endpoint answers too slowly.");
  const model::Recommendation& r = f.recommendations.at(0);
  EXPECT_EQ(r.summary, "raise the readiness probe timeout of container gateway from 1s to 5s");
  EXPECT_EQ(
      json::serialize(r.patch->body),
      R"({"spec":{"template":{"spec":{"containers":[{"name":"gateway","readinessProbe":{"timeoutSeconds":5}}]}}}})");
}

TEST_F(Probes, UnhealthyReadinessExplainsTheEmptyService) {
  EXPECT_EQ(only(d, "AIOPS-D604").rootCause,
            "The readiness probe of container billing fails: HTTP probe failed with statuscode: 503.");
  const model::Finding& service = only(d, "AIOPS-D801");
  EXPECT_EQ(service.rootCause,
            "Service billing has 0 ready and 1 not-ready endpoints: its pods billing-2b3c4d5e6-b1ll1 do not "
            "pass their "
            "readiness checks.");
  ASSERT_TRUE(service.relatedTo.has_value());
  EXPECT_EQ(service.relatedTo->ruleId, "AIOPS-D604");
  EXPECT_EQ(service.relatedTo->object.name, "billing-2b3c4d5e6-b1ll1");
}

TEST_F(Probes, OldFailuresAndPassingContainersStayQuiet) {
  for (const model::Finding& f : d.findings) {
    EXPECT_NE(f.object.name, "warm");
    EXPECT_NE(f.object.name, "old");
  }
}

}  // namespace
}  // namespace aiops::diagnose

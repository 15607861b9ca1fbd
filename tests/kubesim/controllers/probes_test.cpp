// Tests for probe bookkeeping: tick timing, thresholds, ready/started flips, kills and the exact event texts.
#include "probes.h"

#include <gtest/gtest.h>

#include <string>

namespace kubesim::controllers {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

const TimePoint kStart = std::chrono::sys_days{std::chrono::year{2024} / 5 / 1} + std::chrono::hours(12);

json::object podWith(const std::string& probesJson, const std::string& restartPolicy = "Always") {
  return json::parse(R"({"metadata":{"name":"web-abc","namespace":"default"},
      "spec":{"restartPolicy":")" +
                     restartPolicy + R"(","containers":[{"name":"app","image":"web:1",
        "ports":[{"name":"http","containerPort":8080}],)" +
                     probesJson + R"(}]},
      "status":{"podIP":"10.244.1.5"}})")
      .as_object();
}

const json::object& containerOf(const json::object& pod) {
  return pod.at("spec").as_object().at("containers").as_array()[0].as_object();
}

TEST(ProbeSpecTest, FillsApiDefaults) {
  json::object pod = podWith(R"("livenessProbe":{"httpGet":{"path":"/healthz","port":8080}},
                                "readinessProbe":{"tcpSocket":{"port":8080},"periodSeconds":5,"failureThreshold":1})");
  std::optional<ProbeSpec> liveness = probeSpecOf(containerOf(pod), ProbeType::Liveness);
  ASSERT_TRUE(liveness);
  EXPECT_EQ(liveness->initialDelaySeconds, 0);
  EXPECT_EQ(liveness->periodSeconds, 10);
  EXPECT_EQ(liveness->timeoutSeconds, 1);
  EXPECT_EQ(liveness->successThreshold, 1);
  EXPECT_EQ(liveness->failureThreshold, 3);
  std::optional<ProbeSpec> readiness = probeSpecOf(containerOf(pod), ProbeType::Readiness);
  ASSERT_TRUE(readiness);
  EXPECT_EQ(readiness->periodSeconds, 5);
  EXPECT_EQ(readiness->failureThreshold, 1);
  EXPECT_FALSE(probeSpecOf(containerOf(pod), ProbeType::Startup));
}

TEST(ContainerProberTest, LivenessKillsAfterThreeFailuresWithUpstreamEvents) {
  json::object pod = podWith(R"("livenessProbe":{"httpGet":{"path":"/healthz","port":8080}})");
  ContainerProber prober(pod, containerOf(pod), kStart);
  prober.containerStarted(kStart);
  EXPECT_TRUE(prober.started());
  EXPECT_TRUE(prober.ready());  // no readiness probe: ready once running
  std::vector<Event> events;
  int killedAt = -1;
  for (int t = 0; t <= 60 && killedAt < 0; ++t) {
    for (ProbeType type : prober.due(kStart + seconds(t))) {
      EXPECT_EQ(type, ProbeType::Liveness);
      bool healthy = t < 20;  // the app starts failing at t=20
      ProbeOutcome outcome = prober.report(type, healthy, healthy ? "" : httpStatusFailure(500));
      events.insert(events.end(), outcome.events.begin(), outcome.events.end());
      if (outcome.kill) killedAt = t;
    }
  }
  EXPECT_EQ(killedAt, 40);  // failures at 20, 30 and 40
  ASSERT_EQ(events.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(events[i], (Event{"Warning", "Unhealthy",
                                "Liveness probe failed: HTTP probe failed with statuscode: 500"}));
  }
  EXPECT_EQ(events[3],
            (Event{"Normal", "Killing", "Container app failed liveness probe, will be restarted"}));
  // On hold until a new container runs; the tick phase is kept across the restart.
  EXPECT_TRUE(prober.due(kStart + seconds(50)).empty());
  prober.containerStopped();
  EXPECT_FALSE(prober.ready());
  prober.containerStarted(kStart + seconds(55));
  EXPECT_EQ(prober.nextTick(), kStart + seconds(60));
  EXPECT_EQ(prober.due(kStart + seconds(60)), (std::vector<ProbeType>{ProbeType::Liveness}));
}

TEST(ContainerProberTest, ReadinessFlipsOnlyAtThresholds) {
  json::object pod =
      podWith(R"("readinessProbe":{"httpGet":{"path":"/ready","port":"http"},"initialDelaySeconds":5,
                                 "periodSeconds":5,"successThreshold":2,"failureThreshold":2})");
  ContainerProber prober(pod, containerOf(pod), kStart);
  prober.containerStarted(kStart);
  EXPECT_FALSE(prober.ready());
  EXPECT_TRUE(prober.due(kStart).empty());  // 0 s < initialDelaySeconds
  auto probe = [&](int t, bool ok) {
    std::vector<ProbeType> due = prober.due(kStart + seconds(t));
    EXPECT_EQ(due, (std::vector<ProbeType>{ProbeType::Readiness})) << "t=" << t;
    return prober.report(ProbeType::Readiness, ok, ok ? "" : "HTTP probe failed with statuscode: 503");
  };
  EXPECT_FALSE(probe(5, true).readyChanged);
  EXPECT_FALSE(prober.ready());
  ProbeOutcome second = probe(10, true);
  EXPECT_TRUE(second.readyChanged);
  EXPECT_TRUE(prober.ready());
  ProbeOutcome firstFailure = probe(15, false);
  EXPECT_FALSE(firstFailure.readyChanged);
  EXPECT_TRUE(prober.ready());
  ASSERT_EQ(firstFailure.events.size(), 1u);
  EXPECT_EQ(firstFailure.events[0].message, "Readiness probe failed: HTTP probe failed with statuscode: 503");
  ProbeOutcome secondFailure = probe(20, false);
  EXPECT_TRUE(secondFailure.readyChanged);
  EXPECT_FALSE(secondFailure.kill);  // readiness never kills
  EXPECT_FALSE(prober.ready());
}

TEST(ContainerProberTest, StartupProbeGatesTheOthersAndCanKill) {
  json::object pod = podWith(
      R"("startupProbe":{"httpGet":{"path":"/healthz","port":8080},"periodSeconds":10,"failureThreshold":3},
                                 "livenessProbe":{"httpGet":{"path":"/healthz","port":8080}},
                                 "readinessProbe":{"httpGet":{"path":"/ready","port":8080}})");
  ContainerProber prober(pod, containerOf(pod), kStart);
  prober.containerStarted(kStart);
  EXPECT_FALSE(prober.started());
  EXPECT_EQ(prober.due(kStart), (std::vector<ProbeType>{ProbeType::Startup}));
  prober.report(ProbeType::Startup, false, "connection refused");
  EXPECT_EQ(prober.due(kStart + seconds(10)), (std::vector<ProbeType>{ProbeType::Startup}));
  ProbeOutcome started = prober.report(ProbeType::Startup, true, "");
  EXPECT_TRUE(started.startedChanged);
  EXPECT_TRUE(prober.started());
  EXPECT_FALSE(prober.ready());  // readiness has not passed yet
  EXPECT_EQ(prober.due(kStart + seconds(20)),
            (std::vector<ProbeType>{ProbeType::Liveness, ProbeType::Readiness}));
  EXPECT_TRUE(prober.report(ProbeType::Readiness, true, "").readyChanged);

  // A container that never starts is killed after failureThreshold startup failures.
  prober.containerStopped();
  prober.containerStarted(kStart + seconds(25));
  std::vector<Event> events;
  bool killed = false;
  for (int t = 30; t <= 50; t += 10) {
    for (ProbeType type : prober.due(kStart + seconds(t))) {
      ASSERT_EQ(type, ProbeType::Startup);
      ProbeOutcome outcome = prober.report(type, false, "HTTP probe failed with statuscode: 500");
      events.insert(events.end(), outcome.events.begin(), outcome.events.end());
      killed = killed || outcome.kill;
    }
  }
  EXPECT_TRUE(killed);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].message, "Startup probe failed: HTTP probe failed with statuscode: 500");
  EXPECT_EQ(events[3], (Event{"Normal", "Killing", "Container app failed startup probe, will be restarted"}));
}

TEST(ContainerProberTest, NeverRestartPolicyKillMessage) {
  json::object pod =
      podWith(R"("livenessProbe":{"exec":{"command":["true"]},"failureThreshold":1})", "Never");
  ContainerProber prober(pod, containerOf(pod), kStart);
  prober.containerStarted(kStart);
  ASSERT_EQ(prober.due(kStart).size(), 1u);
  ProbeOutcome outcome = prober.report(ProbeType::Liveness, false, "");
  EXPECT_TRUE(outcome.kill);
  EXPECT_EQ(outcome.events.back(), (Event{"Normal", "Killing", "Container app failed liveness probe"}));
}

TEST(ContainerProberTest, InitialDelayCountsWholeSecondsSinceStart) {
  json::object pod = podWith(R"("livenessProbe":{"tcpSocket":{"port":8080},"initialDelaySeconds":10})");
  ContainerProber prober(pod, containerOf(pod), kStart);
  prober.containerStarted(kStart + milliseconds(500));
  EXPECT_TRUE(prober.due(kStart).empty());                 // the tick came before the start
  EXPECT_TRUE(prober.due(kStart + seconds(10)).empty());   // 9.5 s counts as 9
  EXPECT_EQ(prober.due(kStart + seconds(20)).size(), 1u);  // 19.5 s
  EXPECT_EQ(prober.nextTick(), kStart + seconds(30));
  // Ticks missed while the caller was not looking run once, not once per missed period.
  EXPECT_EQ(prober.due(kStart + seconds(75)).size(), 1u);
  EXPECT_EQ(prober.nextTick(), kStart + seconds(80));
}

TEST(ProbeOutputTest, HttpAndTcpFailureTexts) {
  json::object pod = podWith(R"("livenessProbe":{"httpGet":{"path":"healthz","port":"http"}},
                                 "readinessProbe":{"tcpSocket":{"port":8080}})");
  ProbeEndpoint http = probeEndpoint(pod, containerOf(pod), ProbeType::Liveness);
  EXPECT_EQ(http.url, "http://10.244.1.5:8080/healthz");
  EXPECT_EQ(connectionRefused(http),
            "Get \"http://10.244.1.5:8080/healthz\": dial tcp 10.244.1.5:8080: connect: connection refused");
  EXPECT_EQ(
      probeTimeout(http),
      "Get \"http://10.244.1.5:8080/healthz\": context deadline exceeded (Client.Timeout exceeded while "
      "awaiting headers)");
  ProbeEndpoint tcp = probeEndpoint(pod, containerOf(pod), ProbeType::Readiness);
  EXPECT_EQ(tcp.url, "");
  EXPECT_EQ(connectionRefused(tcp), "dial tcp 10.244.1.5:8080: connect: connection refused");
  EXPECT_EQ(httpStatusFailure(404), "HTTP probe failed with statuscode: 404");
}

}  // namespace
}  // namespace kubesim::controllers

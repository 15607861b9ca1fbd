// Tests for the kubelet restart policy and crash-loop back-off: timing, reset rule and exact strings.
#include "backoff.h"

#include <gtest/gtest.h>

#include <vector>

namespace kubesim::controllers {
namespace {

using std::chrono::seconds;

json::object testPod(const std::string& restartPolicy = "") {
  json::object pod = json::parse(R"({"metadata":{"name":"web-abc","namespace":"default","uid":"0f1e2d"},
      "spec":{"containers":[{"name":"app","image":"web:1"}]}})")
                         .as_object();
  if (!restartPolicy.empty()) pod["spec"].as_object()["restartPolicy"] = restartPolicy;
  return pod;
}

const json::object& container(const json::object& pod) {
  return pod.at("spec").as_object().at("containers").as_array()[0].as_object();
}

TimePoint at(int second) {
  return TimePoint{} + std::chrono::hours(24 * 365 * 54) + seconds(second);
}

TEST(RestartPolicyTest, DecidesByPolicyAndExitCode) {
  EXPECT_EQ(restartPolicyOf(testPod()), RestartPolicy::Always);
  EXPECT_EQ(restartPolicyOf(testPod("OnFailure")), RestartPolicy::OnFailure);
  EXPECT_EQ(restartPolicyOf(testPod("Never")), RestartPolicy::Never);
  EXPECT_TRUE(shouldRestart(RestartPolicy::Always, 0));
  EXPECT_TRUE(shouldRestart(RestartPolicy::Always, 1));
  EXPECT_FALSE(shouldRestart(RestartPolicy::OnFailure, 0));
  EXPECT_TRUE(shouldRestart(RestartPolicy::OnFailure, 137));
  EXPECT_FALSE(shouldRestart(RestartPolicy::Never, 1));
  EXPECT_EQ(terminatedReason(0, false), "Completed");
  EXPECT_EQ(terminatedReason(1, false), "Error");
  EXPECT_EQ(terminatedReason(137, true), "OOMKilled");
}

TEST(CrashLoopBackOffTest, DoublesFromTenSecondsToFiveMinutes) {
  json::object pod = testPod();
  CrashLoopBackOff backOff;
  std::string key = CrashLoopBackOff::key(pod, container(pod));
  // The container crashes 5 s after every start; record how long each restart had to wait.
  std::vector<int> waits;
  std::vector<std::string> messages;
  int now = 5;
  for (int restart = 0; restart < 9; ++restart) {
    TimePoint finished = at(now);
    CrashLoopBackOff::Decision decision = backOff.check(key, finished, finished);
    int restartAt = now;
    if (decision.inBackOff) {
      messages.push_back(crashLoopMessage(decision.backOff, pod, "app"));
      restartAt = static_cast<int>(std::chrono::duration_cast<seconds>(decision.restartAt - at(0)).count());
      // Just before the deadline the kubelet still backs off; at the deadline it restarts.
      EXPECT_TRUE(backOff.check(key, finished, at(restartAt - 1)).inBackOff);
      EXPECT_FALSE(backOff.check(key, finished, at(restartAt)).inBackOff);
    }
    waits.push_back(restartAt - now);
    backOff.recordRestart(key, finished, at(restartAt));
    now = restartAt + 5;
  }
  EXPECT_EQ(waits, (std::vector<int>{0, 10, 20, 40, 80, 160, 300, 300, 300}));
  ASSERT_GE(messages.size(), 6u);
  EXPECT_EQ(messages[0], "back-off 10s restarting failed container=app pod=web-abc_default(0f1e2d)");
  EXPECT_EQ(messages[2], "back-off 40s restarting failed container=app pod=web-abc_default(0f1e2d)");
  EXPECT_EQ(messages[3], "back-off 1m20s restarting failed container=app pod=web-abc_default(0f1e2d)");
  EXPECT_EQ(messages[5], "back-off 5m0s restarting failed container=app pod=web-abc_default(0f1e2d)");
  EXPECT_EQ(backOff.current(key), seconds(300));
}

TEST(CrashLoopBackOffTest, ResetsAfterTenMinutesOfRunning) {
  json::object pod = testPod();
  CrashLoopBackOff backOff;
  std::string key = CrashLoopBackOff::key(pod, container(pod));
  backOff.recordRestart(key, at(0), at(0));
  backOff.recordRestart(key, at(20), at(30));
  backOff.recordRestart(key, at(40), at(60));  // back-off now 40 s, last restart at t=60
  ASSERT_EQ(backOff.current(key), seconds(40));

  // Crashing 599 s after the restart still counts as the same crash loop.
  CrashLoopBackOff::Decision stillLooping = backOff.check(key, at(659), at(659));
  EXPECT_TRUE(stillLooping.inBackOff);
  EXPECT_EQ(stillLooping.backOff, seconds(40));

  // Running more than 10 minutes makes the next crash restart at once and start again from 10 s.
  CrashLoopBackOff::Decision fresh = backOff.check(key, at(661), at(661));
  EXPECT_FALSE(fresh.inBackOff);
  backOff.recordRestart(key, at(661), at(661));
  EXPECT_EQ(backOff.current(key), seconds(10));
}

TEST(CrashLoopBackOffTest, GarbageCollectsIdleEntries) {
  json::object pod = testPod();
  CrashLoopBackOff backOff;
  std::string key = CrashLoopBackOff::key(pod, container(pod));
  backOff.recordRestart(key, at(0), at(0));
  backOff.collectGarbage(at(600));
  EXPECT_TRUE(backOff.current(key));
  backOff.collectGarbage(at(601));
  EXPECT_FALSE(backOff.current(key));
}

TEST(CrashLoopBackOffTest, KeyChangesWithTheContainerSpec) {
  json::object pod = testPod();
  json::object changed = container(pod);
  changed["image"] = "web:2";
  EXPECT_NE(CrashLoopBackOff::key(pod, container(pod)), CrashLoopBackOff::key(pod, changed));
  EXPECT_EQ(CrashLoopBackOff::key(pod, container(pod)).rfind("web-abc_default_0f1e2d_app_", 0), 0u);
}

TEST(CrashLoopBackOffTest, BackOffEventText) {
  EXPECT_EQ(backOffEvent(testPod(), "app"),
            (Event{"Warning", "BackOff",
                   "Back-off restarting failed container app in pod web-abc_default(0f1e2d)"}));
}

}  // namespace
}  // namespace kubesim::controllers

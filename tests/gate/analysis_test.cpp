// Unit tests for the rollout gate's decision rule (src/gate/analysis.h) and its reading of Helm
// (src/gate/helm.h), with hand-computed boundaries.
#include "gate/analysis.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "gate/helm.h"

namespace aiops::gate {
namespace {

using namespace std::chrono_literals;

const GateClock::time_point t0{std::chrono::hours(1000)};

AnalysisSettings settings() {
  AnalysisSettings s;
  s.maxErrorRate = 0.05;
  s.minRequests = 50;
  s.interval = 10s;
  s.window = 30s;
  return s;
}

PodObservation pod(const std::string& name, double requests, double errors, bool ready = true) {
  PodObservation p;
  p.name = name;
  p.ready = ready;
  p.requests = requests;
  p.errors = errors;
  return p;
}

TEST(RolloutAnalysis, TheWindowStartsAtTheFirstReadyPodAndEndsHealthy) {
  RolloutAnalysis a(settings(), 2, t0);
  EXPECT_EQ(a.observe(t0, {pod("a", 0, 0, false), pod("b", 0, 0, false)}).verdict, Verdict::Watching);
  EXPECT_FALSE(a.windowStart());
  // The controller counts minReadySeconds from each pod's own Ready: the first one starts the window.
  EXPECT_EQ(a.observe(t0 + 1s, {pod("a", 10, 0), pod("b", 0, 0, false)}).verdict, Verdict::Watching);
  ASSERT_TRUE(a.windowStart());
  EXPECT_EQ(*a.windowStart(), t0 + 1s);
  EXPECT_EQ(a.observe(t0 + 2s, {pod("a", 20, 0), pod("b", 0, 0)}).verdict, Verdict::Watching);
  EXPECT_EQ(a.observe(t0 + 30s, {pod("a", 60, 1), pod("b", 40, 1)}).verdict, Verdict::Watching);
  const Judgement end = a.observe(t0 + 31s, {pod("a", 61, 1), pod("b", 41, 1)});
  EXPECT_EQ(end.verdict, Verdict::Healthy);
  EXPECT_EQ(end.span.requests, 102);
  EXPECT_EQ(end.span.errors, 2);
  EXPECT_EQ(end.reason, "error rate 2.0% (2 of 102 requests) over the window, at most 5.0%");
}

TEST(RolloutAnalysis, ExactlyTheLimitPassesAndAboveItFails) {
  RolloutAnalysis exact(settings(), 1, t0);
  exact.observe(t0, {pod("a", 0, 0)});
  EXPECT_EQ(exact.observe(t0 + 1s, {pod("a", 100, 5)}).verdict, Verdict::Watching);  // 5.0% is not above

  RolloutAnalysis above(settings(), 1, t0);
  above.observe(t0, {pod("a", 0, 0)});
  const Judgement j = above.observe(t0 + 1s, {pod("a", 100, 6)});
  EXPECT_EQ(j.verdict, Verdict::Failing);
  EXPECT_EQ(j.reason, "error rate 6.0% (6 of 100 requests) over the last 10s is above 5.0%");
  ASSERT_TRUE(j.evidenceSince);
  EXPECT_EQ(*j.evidenceSince, t0 + 1s);
}

TEST(RolloutAnalysis, FewerRequestsThanTheMinimumSayNothing) {
  RolloutAnalysis a(settings(), 1, t0);
  a.observe(t0, {pod("a", 0, 0)});
  EXPECT_EQ(a.observe(t0 + 1s, {pod("a", 49, 49)}).verdict, Verdict::Watching);  // 100% of 49
  EXPECT_EQ(a.observe(t0 + 2s, {pod("a", 50, 50)}).verdict, Verdict::Failing);   // 100% of 50
}

TEST(RolloutAnalysis, ALateSpikeFailsOnTheRecentSpanAndNamesWhenItBegan) {
  RolloutAnalysis a(settings(), 1, t0);
  a.observe(t0, {pod("a", 0, 0)});
  // 20 s healthy: 1,000 requests without an error.
  for (int s = 1; s <= 20; ++s)
    ASSERT_EQ(a.observe(t0 + std::chrono::seconds(s), {pod("a", 50.0 * s, 0)}).verdict, Verdict::Watching);
  // Then 20% errors: the whole window stays below 5% for a while, the last 10 s do not.
  EXPECT_EQ(a.observe(t0 + 21s, {pod("a", 1050, 10)}).verdict, Verdict::Watching);  // 10 of 500 in 10 s: 2%
  EXPECT_EQ(a.observe(t0 + 22s, {pod("a", 1100, 20)}).verdict, Verdict::Watching);  // 20 of 500: 4%
  const Judgement j = a.observe(t0 + 23s, {pod("a", 1150, 30)});                    // 30 of 500: 6%
  EXPECT_EQ(j.verdict, Verdict::Failing);
  EXPECT_EQ(j.reason, "error rate 6.0% (30 of 500 requests) over the last 10s is above 5.0%");
  ASSERT_TRUE(j.evidenceSince);
  EXPECT_EQ(*j.evidenceSince, t0 + 21s);  // the first poll whose own share was above the limit
  EXPECT_NEAR(a.whole(t0 + 23s).rate(), 30.0 / 1150.0, 1e-12);
}

TEST(RolloutAnalysis, ACrashLoopFailsAtOnce) {
  RolloutAnalysis a(settings(), 2, t0);
  PodObservation crashing = pod("b", 0, 0, false);
  crashing.restarts = 1;
  crashing.waitingReason = "CrashLoopBackOff";
  const Judgement j = a.observe(t0, {pod("a", 0, 0), crashing});
  EXPECT_EQ(j.verdict, Verdict::Failing);
  EXPECT_EQ(j.reason, "new pod b is crash-looping: 1 restart, CrashLoopBackOff");
}

TEST(RolloutAnalysis, PodsThatNeverTurnReadyFailAfterTheWindow) {
  RolloutAnalysis a(settings(), 3, t0);
  EXPECT_EQ(a.observe(t0 + 30s, {pod("a", 0, 0), pod("b", 0, 0, false)}).verdict, Verdict::Watching);
  const Judgement j = a.observe(t0 + 31s, {pod("a", 0, 0), pod("b", 0, 0, false)});
  EXPECT_EQ(j.verdict, Verdict::Failing);
  EXPECT_EQ(j.reason, "readiness stayed low: 1 of 3 new pods Ready after 30s");
}

TEST(RolloutAnalysis, ReadinessLostForLongerThanTheIntervalFails) {
  RolloutAnalysis a(settings(), 1, t0);
  a.observe(t0, {pod("a", 0, 0)});
  EXPECT_EQ(a.observe(t0 + 1s, {pod("a", 0, 0, false)}).verdict, Verdict::Watching);
  EXPECT_EQ(a.observe(t0 + 11s, {pod("a", 0, 0, false)}).verdict, Verdict::Watching);  // exactly 10 s
  const Judgement j = a.observe(t0 + 12s, {pod("a", 0, 0, false)});
  EXPECT_EQ(j.verdict, Verdict::Failing);
  EXPECT_EQ(j.reason, "readiness dropped: new pod a not Ready for more than 10s");
  EXPECT_EQ(*j.evidenceSince, t0 + 1s);
}

TEST(RolloutAnalysis, NoTrafficAtTheWindowsEndAndTheExtension) {
  RolloutAnalysis a(settings(), 1, t0);
  a.observe(t0, {pod("a", 0, 0)});
  const Judgement first = a.observe(t0 + 30s, {pod("a", 10, 0)});
  EXPECT_EQ(first.verdict, Verdict::NoTraffic);
  EXPECT_EQ(first.reason, "no traffic: 10 requests in the window, fewer than the 50 needed");
  a.extendWindow(t0 + 30s);
  EXPECT_TRUE(a.extended());
  EXPECT_EQ(a.observe(t0 + 59s, {pod("a", 20, 0)}).verdict, Verdict::Watching);
  EXPECT_EQ(a.observe(t0 + 60s, {pod("a", 70, 0)}).verdict, Verdict::Healthy);  // 70 over both windows
}

TEST(RolloutAnalysis, NoTrafficIsCalledTheLeadBeforeTheWindowsEnd) {
  AnalysisSettings early = settings();
  early.noTrafficLead = 3s;
  RolloutAnalysis a(early, 1, t0);
  a.observe(t0, {pod("a", 0, 0)});
  EXPECT_EQ(a.observe(t0 + 26s, {pod("a", 10, 0)}).verdict, Verdict::Watching);
  EXPECT_EQ(a.observe(t0 + 27s, {pod("a", 10, 0)}).verdict, Verdict::NoTraffic);
  // With enough traffic the verdict still waits for the whole window.
  RolloutAnalysis busy(early, 1, t0);
  busy.observe(t0, {pod("a", 0, 0)});
  EXPECT_EQ(busy.observe(t0 + 27s, {pod("a", 100, 0)}).verdict, Verdict::Watching);
  EXPECT_EQ(busy.observe(t0 + 30s, {pod("a", 100, 0)}).verdict, Verdict::Healthy);
}

TEST(RolloutAnalysis, ACounterThatGoesBackIsANewBaseline) {
  RolloutAnalysis a(settings(), 1, t0);
  a.observe(t0, {pod("a", 100, 0)});
  a.observe(t0 + 1s, {pod("a", 5, 0)});  // the process restarted: 5 new requests
  EXPECT_EQ(a.whole(t0 + 1s).requests, 105);
}

TEST(RolloutAnalysis, UnreadableMetricsAddNothing) {
  RolloutAnalysis a(settings(), 1, t0);
  PodObservation unread = pod("a", 0, 0);
  unread.requests.reset();
  unread.errors.reset();
  a.observe(t0, {unread});
  EXPECT_EQ(a.whole(t0).requests, 0);
}

TEST(CountLogLines, AccessLinesAreRequestsAnd5xxOrErrorLinesAreErrors) {
  const LogCounts c = countLogLines(
      "2026-11-27T10:00:00Z INFO GET /api/todos 200 12ms\n"
      "2026-11-27T10:00:01Z INFO GET /api/todos 503 40ms\n"
      "2026-11-27T10:00:02Z ERROR unhandled exception: boom\n"
      "Traceback (most recent call last):\n"
      "2026-11-27T10:00:03Z INFO cache size 2000 entries\n"
      "  File \"/app/main.py\", line 42\n");
  EXPECT_EQ(c.requests, 4);  // two access lines, the ERROR line and the Traceback line
  EXPECT_EQ(c.errors, 3);
}

TEST(FormatDuration, ReadsAsPeopleWriteIt) {
  EXPECT_EQ(formatDuration(120s), "2m");
  EXPECT_EQ(formatDuration(90s), "1m30s");
  EXPECT_EQ(formatDuration(0s), "0s");
  EXPECT_EQ(formatDuration(1500ms), "1.5s");
  EXPECT_EQ(formatDuration(3725s), "1h2m5s");
}

TEST(HelmUpgradeArgs, ReleaseChartAndNamespaceWhereverTheFlagsAre) {
  const HelmUpgradeArgs a =
      parseHelmUpgradeArgs({"--set", "image=x", "todo", "-f", "values.yaml", "./charts/todo-chatbot", "-n",
                            "todo", "--wait", "--kube-context=kind", "--kubeconfig", "/k"});
  EXPECT_EQ(a.release, "todo");
  EXPECT_EQ(a.chart, "./charts/todo-chatbot");
  EXPECT_EQ(a.namespace_, "todo");
  EXPECT_EQ(a.kubeContext, "kind");
  EXPECT_EQ(a.kubeconfig, "/k");
  EXPECT_EQ(parseHelmUpgradeArgs({"-nshop", "r", "c"}).namespace_, "shop");
  EXPECT_EQ(parseHelmUpgradeArgs({"--namespace=shop", "r", "c"}).namespace_, "shop");
  EXPECT_EQ(parseHelmUpgradeArgs({"r"}).chart, "");
}

TEST(RollbackRevision, TheNewestDeployedOrSupersededBeforeTheCurrentSkippingFailedOnes) {
  const auto history = boost::json::parse(R"([
    {"revision":1,"updated":"2026-11-27T10:00:00Z","status":"superseded","chart":"todo-chatbot-0.1.0","app_version":"1.4.2","description":"Install complete"},
    {"revision":2,"updated":"2026-11-27T10:05:00Z","status":"superseded","chart":"todo-chatbot-0.1.0","app_version":"1.4.2","description":"Upgrade complete"},
    {"revision":3,"updated":"2026-11-27T10:10:00Z","status":"failed","chart":"todo-chatbot-0.1.0","app_version":"1.4.2","description":"Upgrade \"todo\" failed"},
    {"revision":4,"updated":"2026-11-27T10:15:00Z","status":"deployed","chart":"todo-chatbot-0.1.0","app_version":"1.4.2","description":"Upgrade complete"}])");
  std::string why;
  EXPECT_EQ(rollbackRevision(history, why), 2);  // not 3, which helm rollback without a revision would pick
}

TEST(RollbackRevision, NoneToGoBackTo) {
  std::string why;
  EXPECT_EQ(rollbackRevision(boost::json::parse(R"([{"revision":1,"status":"deployed"}])"), why),
            std::nullopt);
  EXPECT_EQ(why, "no earlier revision is deployed or superseded");
  EXPECT_EQ(rollbackRevision(boost::json::parse(R"({"revision":1})"), why), std::nullopt);
  EXPECT_EQ(why, "helm history did not print a JSON array");
}

}  // namespace
}  // namespace aiops::gate

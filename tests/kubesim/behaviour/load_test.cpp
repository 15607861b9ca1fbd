// Tests for load curves, their exact integrals, noise, the per-Service load model and LoadCurve parsing.
#include "load.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "clock.h"
#include "test_helpers.h"

namespace kubesim::behaviour {
namespace {

using namespace std::chrono_literals;
using testing::scenarioError;

const TimePoint kStart = *parseTime("2026-11-20T09:05:00Z");

LoadCurve steps(std::vector<LoadStep> s) {
  LoadCurve c = constantLoad("todo", "web", 0);
  c.shape = LoadCurve::Shape::Steps;
  c.steps = std::move(s);
  return c;
}

LoadCurve ramp(double from, double to, Duration over, Duration at) {
  LoadCurve c = constantLoad("todo", "web", 0);
  c.shape = LoadCurve::Shape::Ramp;
  c.rampFrom = from;
  c.rampTo = to;
  c.rampOver = over;
  c.rampAt = at;
  return c;
}

LoadCurve daily(double base, double peak, double peakHour) {
  LoadCurve c = constantLoad("todo", "web", 0);
  c.shape = LoadCurve::Shape::Daily;
  c.dailyBase = base;
  c.dailyPeak = peak;
  c.dailyPeakHour = peakHour;
  return c;
}

// The integral by the midpoint rule at 1 s resolution, to check the closed forms against.
double numericIntegral(const LoadCurve& c, Duration from, Duration to, TimePoint start) {
  double total = 0;
  for (Duration t = from; t < to; t += 1s)
    total += rpsAt(c, t + 500ms, start);
  return total;
}

TEST(LoadCurve, ConstantRate) {
  LoadCurve c = constantLoad("todo", "web", 12);
  EXPECT_EQ(rpsAt(c, 0s), 12);
  EXPECT_EQ(rpsAt(c, 7 * 24h), 12);
  EXPECT_EQ(rpsAt(c, -1s), 0);  // nothing before the scenario starts
  EXPECT_EQ(requestsBetween(c, 0s, 10min), 7200);
  EXPECT_EQ(requestsBetween(c, -10min, 10min), 7200);
  EXPECT_EQ(requestsBetween(c, 10min, 5min), 0);
}

TEST(LoadCurve, StepsHoldUntilTheNextStep) {
  LoadCurve c = steps({{5min, 2}, {2h, 10}});
  EXPECT_EQ(rpsAt(c, 0s), 0);
  EXPECT_EQ(rpsAt(c, 5min), 2);
  EXPECT_EQ(rpsAt(c, 2h - 1ns), 2);
  EXPECT_EQ(rpsAt(c, 2h), 10);
  EXPECT_EQ(requestsBetween(c, 0s, 3h), 2.0 * (7200 - 300) + 10.0 * 3600);
  EXPECT_EQ(requestsBetween(c, 1h, 3h), 2.0 * 3600 + 10.0 * 3600);
}

TEST(LoadCurve, RampIsLinearBetweenItsEnds) {
  LoadCurve c = ramp(10, 110, 100s, 50s);
  EXPECT_EQ(rpsAt(c, 0s), 10);
  EXPECT_EQ(rpsAt(c, 50s), 10);
  EXPECT_EQ(rpsAt(c, 100s), 60);
  EXPECT_EQ(rpsAt(c, 150s), 110);
  EXPECT_EQ(rpsAt(c, 1h), 110);
  EXPECT_EQ(requestsBetween(c, 0s, 200s), 10 * 50 + 60 * 100 + 110 * 50);
  EXPECT_EQ(requestsBetween(c, 75s, 125s), 60 * 50);
  LoadCurve down = ramp(100, 0, 10min, 0s);
  EXPECT_EQ(rpsAt(down, 5min), 50);
  EXPECT_EQ(requestsBetween(down, 0s, 1h), 50.0 * 600);
  LoadCurve jump = ramp(1, 9, 0s, 1min);  // no duration: a step
  EXPECT_EQ(rpsAt(jump, 1min - 1ns), 1);
  EXPECT_EQ(rpsAt(jump, 1min), 9);
  EXPECT_EQ(requestsBetween(jump, 0s, 2min), 60 + 9 * 60);
}

TEST(LoadCurve, DailyPeaksAtItsHourOfTheVirtualDay) {
  LoadCurve c = daily(5, 40, 14);
  // The scenario starts at 09:05 UTC: 14:00 is 4h55m in, 02:00 the next day 16h55m in.
  EXPECT_NEAR(rpsAt(c, 4h + 55min, kStart), 40, 1e-9);
  EXPECT_NEAR(rpsAt(c, 16h + 55min, kStart), 5, 1e-9);
  EXPECT_NEAR(rpsAt(c, 22h + 55min, kStart), 22.5,
              1e-9);  // 08:00 the next day, a quarter day before the peak
  EXPECT_NEAR(rpsAt(c, 4h + 55min + 24h, kStart), 40, 1e-9);
  // A whole day averages (base + peak) / 2.
  EXPECT_NEAR(requestsBetween(c, 0s, 24h, kStart), 22.5 * 86400, 1e-6);
  EXPECT_NEAR(requestsBetween(c, 3h, 9h, kStart), numericIntegral(c, 3h, 9h, kStart), 1e-3);
  // From the peak a quarter day on: (base + A/2) T + A/2 / omega.
  double expected = 22.5 * 21600 + 17.5 * 86400 / (2 * std::numbers::pi);
  EXPECT_NEAR(requestsBetween(c, 4h + 55min, 10h + 55min, kStart), expected, 1e-6);
}

TEST(LoadCurve, NoiseIsBoundedSteadyPerBucketAndIntegratedExactly) {
  LoadCurve c = constantLoad("todo", "web", 100);
  c.noise = 0.2;
  double low = 1e9, high = 0;
  for (int i = 0; i < 1000; ++i) {
    double r = rpsAt(c, i * 15s);
    low = std::min(low, r);
    high = std::max(high, r);
  }
  EXPECT_GE(low, 80);
  EXPECT_LE(high, 120);
  EXPECT_LT(low, 81);
  EXPECT_GT(high, 119);
  EXPECT_EQ(rpsAt(c, 30s), rpsAt(c, 44s));
  EXPECT_NE(rpsAt(c, 30s), rpsAt(c, 45s));
  LoadCurve other = c;
  other.service = "api";  // another Service draws other noise
  EXPECT_NE(rpsAt(other, 30s), rpsAt(c, 30s));
  double sum = 0;
  for (int i = 0; i < 240; ++i)
    sum += rpsAt(c, i * 15s) * 15;
  EXPECT_NEAR(requestsBetween(c, 0s, 1h), sum, 1e-6);
  EXPECT_NEAR(requestsBetween(c, 0s, 7min + 3s) + requestsBetween(c, 7min + 3s, 1h), sum, 1e-6);
  EXPECT_NEAR(requestsBetween(c, 20s, 25s), rpsAt(c, 20s) * 5, 1e-9);
}

TEST(LoadCurve, ServiceLoadSplitsEvenlyOverReadyEndpoints) {
  EXPECT_EQ(perEndpointRps(30, 3), 10);
  EXPECT_EQ(perEndpointRps(30, 1), 30);
  EXPECT_EQ(perEndpointRps(30, 0), 0);
}

TEST(LoadModel, SetLoadReplacesTheCurveFromThenOn) {
  LoadModel model({constantLoad("todo", "web", 10)}, kStart);
  EXPECT_TRUE(model.hasLoad("todo", "web"));
  EXPECT_FALSE(model.hasLoad("todo", "api"));
  EXPECT_EQ(model.rpsAt("todo", "api", 1h), 0);
  model.setLoad("todo", "web", 50, 10min);
  EXPECT_EQ(model.rpsAt("todo", "web", 5min), 10);
  EXPECT_EQ(model.rpsAt("todo", "web", 10min), 50);
  EXPECT_EQ(model.rpsAt("todo", "web", kStart + 15min), 50);
  EXPECT_EQ(model.requestsBetween("todo", "web", 0s, 20min), 10 * 600 + 50 * 600);
  EXPECT_EQ(model.requestsBetween("todo", "web", kStart + 5min, kStart + 15min), 10 * 300 + 50 * 300);
  // A later setLoad at an earlier time supersedes what was set after it.
  model.setLoad("todo", "web", 20, 5min);
  EXPECT_EQ(model.rpsAt("todo", "web", 15min), 20);
  EXPECT_EQ(model.requestsBetween("todo", "web", 0s, 20min), 10 * 300 + 20 * 900);
  // A Service without a curve has no load until set.
  model.setLoad("todo", "api", 4, 1h);
  EXPECT_EQ(model.rpsAt("todo", "api", 30min), 0);
  EXPECT_EQ(model.requestsBetween("todo", "api", 0s, 2h), 4 * 3600);
}

TEST(LoadCurveParse, ReadsEachShape) {
  Scenario s = parseScenario(
      loadScenario(std::filesystem::path(KUBESIM_BEHAVIOUR_TEST_DATA) / "todo-chatbot-behaviour.yaml")
          .behaviourDocuments);
  ASSERT_EQ(s.loadCurves.size(), 2u);
  const LoadCurve& backend = s.loadCurves[0];
  EXPECT_EQ(backend.namespace_, "todo");
  EXPECT_EQ(backend.service, "todo-backend");
  EXPECT_EQ(backend.shape, LoadCurve::Shape::Daily);
  EXPECT_EQ(backend.dailyBase, 5);
  EXPECT_EQ(backend.dailyPeak, 40);
  EXPECT_EQ(backend.dailyPeakHour, 14);
  EXPECT_EQ(backend.noise, 0.1);
  const LoadCurve& frontend = s.loadCurves[1];
  EXPECT_EQ(frontend.shape, LoadCurve::Shape::Steps);
  EXPECT_EQ(frontend.steps, (std::vector<LoadStep>{{0s, 2}, {2h, 10}}));

  Scenario more = testing::scenario(
      "apiVersion: kubesim.aiops.dev/v1\nkind: LoadCurve\nservice: a\nrps: 7\n---\n"
      "apiVersion: kubesim.aiops.dev/v1\nkind: LoadCurve\nservice: b\nramp: {from: 1, to: 5, over: 10m}\n");
  ASSERT_EQ(more.loadCurves.size(), 2u);
  EXPECT_EQ(more.loadCurves[0].namespace_, "default");
  EXPECT_EQ(more.loadCurves[0].shape, LoadCurve::Shape::Constant);
  EXPECT_EQ(more.loadCurves[0].rps, 7);
  EXPECT_EQ(more.loadCurves[1].shape, LoadCurve::Shape::Ramp);
  EXPECT_EQ(more.loadCurves[1].rampOver, 10min);
  EXPECT_EQ(more.loadCurves[1].rampAt, 0s);
}

TEST(LoadCurveParse, Errors) {
  const std::string h = "apiVersion: kubesim.aiops.dev/v1\nkind: LoadCurve\nnamespace: todo\n";
  EXPECT_EQ(scenarioError(h + "rps: 3\n"), "<file>:1: LoadCurve: service is required");
  EXPECT_EQ(scenarioError(h + "service: web\n"),
            "<file>:1: LoadCurve todo/web: needs exactly one of rps, steps, ramp and daily");
  EXPECT_EQ(scenarioError(h + "service: web\nrps: 3\ndaily: {base: 1, peak: 2}\n"),
            "<file>:1: LoadCurve todo/web: needs exactly one of rps, steps, ramp and daily");
  EXPECT_EQ(scenarioError(h + "service: web\nrps: -3\n"),
            "<file>:5: LoadCurve todo/web: rps: must be at least 0, not -3");
  EXPECT_EQ(scenarioError(h + "service: web\nrps: 3\nburst: 9\n"),
            "<file>:6: LoadCurve todo/web: unknown field \"burst\"");
  EXPECT_EQ(
      scenarioError(h + "service: web\nsteps:\n- {at: 5m, rps: 1}\n- {at: 1m, rps: 2}\n"),
      "<file>:7: LoadCurve todo/web: steps[1].at: steps must be in increasing order of at (1m0s does not "
      "come after 5m0s)");
  EXPECT_EQ(scenarioError(h + "service: web\nsteps:\n- {rps: 1}\n"),
            "<file>:6: LoadCurve todo/web: steps[0]: at is required");
  EXPECT_EQ(scenarioError(h + "service: web\nsteps: []\n"),
            "<file>:5: LoadCurve todo/web: steps: must list at least one step");
  EXPECT_EQ(scenarioError(h + "service: web\nramp: {from: 1, to: 2}\n"),
            "<file>:5: LoadCurve todo/web: ramp: over is required");
  EXPECT_EQ(scenarioError(h + "service: web\ndaily:\n  base: 10\n  peak: 4\n"),
            "<file>:7: LoadCurve todo/web: daily.peak: must not be below base (10), not 4");
  EXPECT_EQ(scenarioError(h + "service: web\ndaily: {base: 1, peak: 4, peakHour: 25}\n"),
            "<file>:5: LoadCurve todo/web: daily.peakHour: must be between 0 and 24, not 25");
  EXPECT_EQ(scenarioError(h + "service: web\nrps: 1\n---\n" + h + "service: web\nrps: 2\n"),
            "<file>:7: LoadCurve todo/web: the Service already has a load curve (at <file>:1)");
}

}  // namespace
}  // namespace kubesim::behaviour

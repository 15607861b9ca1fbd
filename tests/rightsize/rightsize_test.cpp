// The right-sizing and scaling maths against values computed by hand (docs/rightsizing.md shows the same
// arithmetic): requests, limits, floors, the OOM bump, the load verdict, HPA sizing, capacity, cost,
// quantities.
#include "rightsize/rightsize.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace aiops::rightsize {
namespace {

constexpr std::int64_t kMi = 1024 * 1024;
constexpr std::int64_t kGi = 1024 * kMi;

history::Distribution cpu(std::int64_t p95, std::int64_t max) {
  history::Distribution d;
  d.count = 20160;  // a week of 30 s samples
  d.p50 = p95 / 2;
  d.p95 = p95;
  d.p99 = max;
  d.max = max;
  return d;
}

history::Distribution memory(std::int64_t p99, std::int64_t max) {
  history::Distribution d;
  d.count = 20160;
  d.p50 = p99 / 2;
  d.p95 = p99;
  d.p99 = p99;
  d.max = max;
  return d;
}

// Designated initializers that skip a member trip GCC's -Wmissing-field-initializers; this names all four.
Resources resources(std::optional<std::int64_t> cpuRequest, std::optional<std::int64_t> cpuLimit,
                    std::optional<std::int64_t> memoryRequest, std::optional<std::int64_t> memoryLimit) {
  return {.cpuRequestMillis = cpuRequest,
          .cpuLimitMillis = cpuLimit,
          .memoryRequestBytes = memoryRequest,
          .memoryLimitBytes = memoryLimit};
}

ContainerUsage usage(history::Distribution c, history::Distribution m, Resources current = {}) {
  ContainerUsage u;
  u.container = "backend";
  u.cpu = c;
  u.memory = m;
  u.current = current;
  return u;
}

const std::string kUnsetCpuLimit =
    "cpu limit stays unset, as it is now (without a limit the container may use idle CPU instead of being "
    "throttled)";

std::string memoryLimitLine(const std::string& value) {
  return "memory limit " + value +
         " = the memory request (memory cannot be throttled: a higher limit only lets the container be "
         "evicted "
         "or OOM-killed later)";
}

// --- requests and limits
// ------------------------------------------------------------------------------------

// Scenario 3's numbers with the rule followed: the spec's 200m/150Mi would keep only 11% and 25% margins.
TEST(RecommendResources, SpecExampleFollowsTheThirtyPercentRule) {
  const Resources current = resources(500, {}, 256 * kMi, 512 * kMi);
  const ContainerRecommendation r =
      recommendResources(usage(cpu(180, 300), memory(120 * kMi, 130 * kMi), current));
  EXPECT_EQ(r.container, "backend");
  EXPECT_EQ(r.current, current);
  EXPECT_EQ(r.recommended, (Resources{.cpuRequestMillis = 235,
                                      .cpuLimitMillis = std::nullopt,
                                      .memoryRequestBytes = 156 * kMi,
                                      .memoryLimitBytes = 156 * kMi}));
  EXPECT_EQ(r.reasons, (std::vector<std::string>{
                           "cpu request 235m = p95 180m × 1.3 = 234m, rounded up to a multiple of 5m",
                           kUnsetCpuLimit,
                           "memory request 156Mi = max(p99 120Mi × 1.3 = 156Mi, max 130Mi × 1.15 = 149.5Mi)",
                           memoryLimitLine("156Mi"),
                       }));
  // More than the spec's 30% margin above p95, for both resources.
  EXPECT_GE(*r.recommended.cpuRequestMillis * 10, 180 * 13);
  EXPECT_GE(*r.recommended.memoryRequestBytes * 10, 120 * kMi * 13);
}

// p99 x 1.3 would land below what the container really used: the max x 1.15 term decides.
TEST(RecommendResources, MemoryNeverBelowTheObservedMax) {
  const ContainerRecommendation r = recommendResources(usage(cpu(100, 150), memory(100 * kMi, 201 * kMi)));
  // 201Mi x 1.15 = 242378342.4 bytes -> 242378343 -> 232Mi; p99 100Mi x 1.3 = 130Mi would be under the max.
  EXPECT_EQ(r.recommended.memoryRequestBytes, 232 * kMi);
  EXPECT_EQ(r.recommended.memoryLimitBytes, 232 * kMi);
  EXPECT_GT(*r.recommended.memoryRequestBytes, 201 * kMi);
  EXPECT_EQ(
      r.reasons.at(2),
      "memory request 232Mi = max(p99 100Mi × 1.3 = 130Mi, max 201Mi × 1.15 = 231.15Mi), rounded up to a "
      "multiple of 1Mi");
}

// 100m x 1.3 is 130.00000000000003 in double; the rule must give 130m, not 135m.
TEST(RecommendResources, MarginsAreExact) {
  const ContainerRecommendation r = recommendResources(usage(cpu(100, 150), memory(100 * kMi, 100 * kMi)));
  EXPECT_EQ(r.recommended.cpuRequestMillis, 130);
  EXPECT_EQ(r.reasons.at(0), "cpu request 130m = p95 100m × 1.3 = 130m");
  EXPECT_EQ(r.recommended.memoryRequestBytes, 130 * kMi);
  EXPECT_EQ(r.reasons.at(2), "memory request 130Mi = max(p99 100Mi × 1.3 = 130Mi, max 100Mi × 1.15 = 115Mi)");
}

TEST(RecommendResources, TinyUsageGetsTheFloors) {
  const ContainerRecommendation r = recommendResources(usage(cpu(2, 5), memory(10 * kMi, 12 * kMi)));
  EXPECT_EQ(r.recommended, (Resources{.cpuRequestMillis = 10,
                                      .cpuLimitMillis = std::nullopt,
                                      .memoryRequestBytes = 32 * kMi,
                                      .memoryLimitBytes = 32 * kMi}));
  EXPECT_EQ(r.reasons,
            (std::vector<std::string>{
                "cpu request 10m = the floor 10m (p95 2m × 1.3 = 2.6m is below it)",
                kUnsetCpuLimit,
                "memory request 32Mi = the floor 32Mi (max(p99 10Mi × 1.3 = 13Mi, max 12Mi × 1.15 = "
                "13.8Mi) is below it)",
                memoryLimitLine("32Mi"),
            }));
}

TEST(RecommendResources, FloorsAndStepsAreConfigurable) {
  ResourcePolicy policy;
  policy.cpuFloorMillis = 100;
  policy.cpuStepMillis = 50;
  policy.memoryFloorBytes = 100 * kMi;
  const ContainerRecommendation r =
      recommendResources(usage(cpu(180, 300), memory(10 * kMi, 12 * kMi)), policy);
  EXPECT_EQ(r.recommended.cpuRequestMillis, 250);
  EXPECT_EQ(r.reasons.at(0), "cpu request 250m = p95 180m × 1.3 = 234m, rounded up to a multiple of 50m");
  EXPECT_EQ(r.recommended.memoryRequestBytes, 100 * kMi);
}

// used = max(256Mi limit at the kill, 250Mi seen) = 256Mi; needed = max(256 + 100, 256 x 1.2 = 307.2) =
// 356Mi.
TEST(RecommendResources, OomKillBumpsMemoryTheVpaWay) {
  ContainerUsage u =
      usage(cpu(180, 300), memory(200 * kMi, 250 * kMi), resources({}, {}, 256 * kMi, 256 * kMi));
  u.oomKilledAtLimit = 256 * kMi;
  const ContainerRecommendation r = recommendResources(u);
  EXPECT_EQ(r.recommended.memoryRequestBytes, 356 * kMi);
  EXPECT_EQ(r.recommended.memoryLimitBytes, 356 * kMi);
  EXPECT_EQ(r.reasons,
            (std::vector<std::string>{
                "cpu request 235m = p95 180m × 1.3 = 234m, rounded up to a multiple of 5m",
                kUnsetCpuLimit,
                "memory request 288Mi = max(p99 200Mi × 1.3 = 260Mi, max 250Mi × 1.15 = 287.5Mi), "
                "rounded up to a multiple of 1Mi",
                "memory request raised to 356Mi after an OOM kill = max(used 256Mi + 100Mi = 356Mi, "
                "used 256Mi × 1.2 = 307.2Mi), used = max(limit at the kill 256Mi, max seen 250Mi)",
                memoryLimitLine("356Mi"),
            }));
}

// When usage since the kill already asks for more than the bump, the usage rule stands and says it covers it.
TEST(RecommendResources, OomBumpBelowTheUsageRuleIsReported) {
  ContainerUsage u = usage(cpu(180, 300), memory(400 * kMi, 410 * kMi));
  u.oomKilledAtLimit = 256 * kMi;
  const ContainerRecommendation r = recommendResources(u);
  EXPECT_EQ(r.recommended.memoryRequestBytes, 520 * kMi);
  EXPECT_EQ(
      r.reasons.at(3),
      "after an OOM kill memory needs at least 510Mi = max(used 410Mi + 100Mi = 510Mi, used 410Mi × 1.2 = "
      "492Mi), used = max(limit at the kill 256Mi, max seen 410Mi); the request 520Mi covers it");
}

// A kill above any usage seen since (the limit was the ceiling): the limit at the kill is what was used.
TEST(RecommendResources, OomBumpUsesTheLimitAtTheKillWhenHigherThanTheMaxSeen) {
  ContainerUsage u = usage(cpu(180, 300), memory(100 * kMi, 120 * kMi));
  u.oomKilledAtLimit = kGi;
  const ContainerRecommendation r = recommendResources(u);
  // max(1024Mi + 100Mi = 1124Mi, 1024Mi x 1.2 = 1228.8Mi) -> 1228.8Mi -> 1229Mi.
  EXPECT_EQ(r.recommended.memoryRequestBytes, 1229 * kMi);
  EXPECT_EQ(
      r.reasons.at(3),
      "memory request raised to 1229Mi after an OOM kill = max(used 1Gi + 100Mi = 1124Mi, used 1Gi × 1.2 "
      "= 1.2Gi), used = max(limit at the kill 1Gi, max seen 120Mi), rounded up to a multiple of 1Mi");
}

TEST(RecommendResources, CpuLimitKeepsItsRatioToTheRequest) {
  const ContainerRecommendation r =
      recommendResources(usage(cpu(180, 300), memory(120 * kMi, 130 * kMi), resources(200, 400, {}, {})));
  EXPECT_EQ(r.recommended.cpuRequestMillis, 235);
  EXPECT_EQ(r.recommended.cpuLimitMillis, 470);
  EXPECT_EQ(r.reasons.at(1), "cpu limit 470m = request 235m × limit/request 400m/200m = 470m");
}

TEST(RecommendResources, CpuLimitRoundsUpToTheStep) {
  const ContainerRecommendation r =
      recommendResources(usage(cpu(180, 250), memory(120 * kMi, 130 * kMi), resources(200, 250, {}, {})));
  // 235 x 250 / 200 = 293.75 -> 294 -> 295m.
  EXPECT_EQ(r.recommended.cpuLimitMillis, 295);
  EXPECT_EQ(
      r.reasons.at(1),
      "cpu limit 295m = request 235m × limit/request 250m/200m = 293.75m, rounded up to a multiple of 5m");
}

TEST(RecommendResources, CpuLimitNeverBelowTheObservedMax) {
  const ContainerRecommendation r =
      recommendResources(usage(cpu(180, 497), memory(120 * kMi, 130 * kMi), resources(200, 250, {}, {})));
  EXPECT_EQ(r.recommended.cpuLimitMillis, 500);
  EXPECT_EQ(
      r.reasons.at(1),
      "cpu limit 500m = the observed max 497m, rounded up to a multiple of 5m (request 235m × limit/request "
      "250m/200m = 293.75m is below it)");
}

// Kubernetes defaults an unset request to the limit, so the ratio is 1.
TEST(RecommendResources, CpuLimitWithoutARequestKeepsRatioOne) {
  const ContainerRecommendation r =
      recommendResources(usage(cpu(180, 200), memory(120 * kMi, 130 * kMi), resources({}, 1000, {}, {})));
  EXPECT_EQ(r.recommended.cpuRequestMillis, 235);
  EXPECT_EQ(r.recommended.cpuLimitMillis, 235);
  EXPECT_EQ(
      r.reasons.at(1),
      "cpu limit 235m = request 235m × limit/request 1/1 = 235m (the request was unset, so it equalled the "
      "limit)");
}

TEST(RecommendResources, NoSamplesKeepTheCurrentValues) {
  const Resources current{
      .cpuRequestMillis = 300, .cpuLimitMillis = 600, .memoryRequestBytes = kGi, .memoryLimitBytes = 2 * kGi};
  const ContainerRecommendation r = recommendResources(usage({}, {}, current));
  EXPECT_EQ(r.recommended, current);
  EXPECT_EQ(r.reasons, (std::vector<std::string>{
                           "cpu: no usage samples, so the request and limit stay as they are",
                           "memory: no usage samples, so the request and limit stay as they are",
                       }));
}

// --- quantities -------------------------------------------------------------------------------------------

TEST(Quantities, RoundUp) {
  EXPECT_EQ(roundUp(234, 5), 235);
  EXPECT_EQ(roundUp(235, 5), 235);
  EXPECT_EQ(roundUp(236, 5), 240);
  EXPECT_EQ(roundUp(0, 5), 0);
  EXPECT_EQ(roundUp(1, kMi), kMi);
  EXPECT_EQ(roundUp(-3, 5), 0);
}

TEST(Quantities, Millicores) {
  EXPECT_EQ(formatMillicores(235), "235m");
  EXPECT_EQ(formatMillicores(1000), "1");
  EXPECT_EQ(formatMillicores(1500), "1500m");
  EXPECT_EQ(formatMillicores(2000), "2");
  EXPECT_EQ(formatMillicores(5), "5m");
  EXPECT_EQ(formatMillicores(0), "0");
}

TEST(Quantities, Bytes) {
  EXPECT_EQ(formatBytes(157 * kMi), "157Mi");
  EXPECT_EQ(formatBytes(kGi), "1Gi");
  EXPECT_EQ(formatBytes(1536 * kMi), "1536Mi");
  EXPECT_EQ(formatBytes(512 * 1024), "512Ki");
  EXPECT_EQ(formatBytes(1024 * kGi), "1Ti");
  EXPECT_EQ(formatBytes(1500), "1500");
  EXPECT_EQ(formatBytes(kMi + 1), "1048577");
  EXPECT_EQ(formatBytes(0), "0");
}

// --- costs
// --------------------------------------------------------------------------------------------------

TEST(Cost, MonthlyCostOfRequests) {
  const Prices prices;
  // (0.25 core x $0.031 + 0.25 GiB x $0.0042) x 730 h = $6.424.
  EXPECT_NEAR(monthlyCost(250, 256 * kMi, prices), 6.424, 1e-9);
  EXPECT_NEAR(monthlyCost(1000, 0, prices), 22.63, 1e-9);
  EXPECT_NEAR(monthlyCost(0, kGi, prices), 3.066, 1e-9);
  const Prices custom{.perCoreHour = 0.05, .perGiBHour = 0.01, .hoursPerMonth = 720};
  EXPECT_NEAR(monthlyCost(2000, 4 * kGi, custom), 100.8, 1e-9);
}

// --- load
// ---------------------------------------------------------------------------------------------------

std::vector<UtilisationSample> series(std::int64_t from, std::int64_t to, std::int64_t step,
                                      std::int64_t percent) {
  std::vector<UtilisationSample> out;
  for (std::int64_t t = from; t <= to; t += step)
    out.push_back({.time = t, .percent = percent, .replicas = 1});
  return out;
}

TEST(JudgeLoad, ExactlyFiveMinutesAtSeventyCountsAsHigh) {
  const LoadVerdict v = judgeLoad(series(1000, 1300, 30, 70));
  EXPECT_EQ(v.load, Load::High);
  EXPECT_EQ(v.since, 1000);
  EXPECT_EQ(v.seconds, 300);
  EXPECT_EQ(v.peakPercent, 70);
  EXPECT_EQ(v.meanPercent, 70);
  EXPECT_EQ(v.samples, 11);
}

TEST(JudgeLoad, OneSecondShortIsNormal) {
  const LoadVerdict v = judgeLoad(series(1001, 1300, 1, 90));
  EXPECT_EQ(v.load, Load::Normal);
  EXPECT_EQ(v.seconds, 299);
  EXPECT_EQ(v.peakPercent, 90);
}

TEST(JudgeLoad, SixtyNinePercentBreaksTheRun) {
  std::vector<UtilisationSample> s = series(0, 600, 60, 80);
  s[6].percent = 69;  // t = 360: the run restarts at 420 and lasts 180 s
  s[8].percent = 95;
  const LoadVerdict v = judgeLoad(s);
  EXPECT_EQ(v.load, Load::Normal);
  EXPECT_EQ(v.since, 420);
  EXPECT_EQ(v.seconds, 180);
  EXPECT_EQ(v.peakPercent, 95);
  EXPECT_EQ(v.samples, 4);

  s[6].percent = 80;
  s[4].percent = 69;  // t = 240: the run from 300 to 600 is exactly 5 min
  const LoadVerdict after = judgeLoad(s);
  EXPECT_EQ(after.load, Load::High);
  EXPECT_EQ(after.since, 300);
  EXPECT_EQ(after.seconds, 300);
  EXPECT_EQ(after.peakPercent, 95);
  EXPECT_EQ(after.meanPercent, 83);  // (80 x 5 + 95) / 6 = 82.5, rounded to nearest
}

TEST(JudgeLoad, SustainedLowAndItsPeak) {
  std::vector<UtilisationSample> s = series(0, 900, 60, 10);
  s[3].percent = 19;
  const LoadVerdict v = judgeLoad(s);
  EXPECT_EQ(v.load, Load::Low);
  EXPECT_EQ(v.since, 0);
  EXPECT_EQ(v.seconds, 900);
  EXPECT_EQ(v.peakPercent, 19);  // the highest of the run: sizing on it stays conservative
  EXPECT_EQ(v.meanPercent, 11);  // (10 x 15 + 19) / 16 = 10.56
  EXPECT_EQ(v.samples, 16);
}

TEST(JudgeLoad, ExactlyTwentyPercentIsNotLow) {
  std::vector<UtilisationSample> s = series(0, 900, 60, 10);
  s[3].percent = 20;  // t = 180: the low run is 240..900, 11 minutes
  const LoadVerdict v = judgeLoad(s);
  EXPECT_EQ(v.load, Load::Normal);
  EXPECT_EQ(v.since, 240);
  EXPECT_EQ(v.seconds, 660);
  EXPECT_EQ(v.peakPercent, 10);
}

TEST(JudgeLoad, NewestSampleBetweenThresholdsIsNormalOnItsOwn) {
  std::vector<UtilisationSample> s = series(0, 900, 60, 90);
  s.back().percent = 50;
  const LoadVerdict v = judgeLoad(s);
  EXPECT_EQ(v.load, Load::Normal);
  EXPECT_EQ(v.since, 900);
  EXPECT_EQ(v.seconds, 0);
  EXPECT_EQ(v.peakPercent, 50);
  EXPECT_EQ(v.meanPercent, 50);
  EXPECT_EQ(v.samples, 1);
}

TEST(JudgeLoad, SamplesInAnyOrder) {
  std::vector<UtilisationSample> s = series(0, 300, 60, 75);
  s.push_back({.time = -60, .percent = 10, .replicas = 1});
  std::reverse(s.begin(), s.end());
  const LoadVerdict v = judgeLoad(s);
  EXPECT_EQ(v.load, Load::High);
  EXPECT_EQ(v.since, 0);
  EXPECT_EQ(v.seconds, 300);
}

TEST(JudgeLoad, NoSamples) {
  const LoadVerdict v = judgeLoad({});
  EXPECT_EQ(v.load, Load::Normal);
  EXPECT_EQ(v.samples, 0);
}

TEST(JudgeLoad, CustomThresholds) {
  const LoadPolicy policy{.highPercent = 80, .highSeconds = 60, .lowPercent = 30, .lowSeconds = 60};
  EXPECT_EQ(judgeLoad(series(0, 60, 30, 80), policy).load, Load::High);
  EXPECT_EQ(judgeLoad(series(0, 60, 30, 79), policy).load, Load::Normal);
  EXPECT_EQ(judgeLoad(series(0, 60, 30, 29), policy).load, Load::Low);
}

// --- scaling
// ------------------------------------------------------------------------------------------------

NodeCapacity node(std::string name, std::int64_t cpu, std::int64_t mem, std::int64_t cpuUsed,
                  std::int64_t memUsed, bool schedulable = true) {
  return {.name = std::move(name),
          .allocatableCpuMillis = cpu,
          .allocatableMemoryBytes = mem,
          .requestedCpuMillis = cpuUsed,
          .requestedMemoryBytes = memUsed,
          .schedulable = schedulable};
}

LoadVerdict verdict(Load load, std::int64_t seconds, std::int64_t peak, std::int64_t mean) {
  return {.load = load,
          .since = 1000,
          .seconds = seconds,
          .peakPercent = peak,
          .meanPercent = mean,
          .samples = 11};
}

const std::string kSingleReplicaNote =
    "minReplicas 1 has no redundancy: consider 2 if the workload must stay up through a node drain or a pod "
    "restart";
const std::string kPrices = "(prices $0.031 per core-hour, $0.0042 per GiB-hour, 730 h a month)";

// Scenario 2: backend at 75% for 5 min on 1 replica; the HPA should take it to 2. A 70% target would leave
// 75% alone (75 / 70 = 1.07, inside the HPA's 0.1 tolerance), so the target drops to 67% (74 / 67 = 1.104).
TEST(RecommendScaling, SustainedHighLoadScenarioTwo) {
  ScalingInput in;
  in.workload = "Deployment todo/todo-backend";
  in.replicas = 1;
  in.podCpuRequestMillis = 250;
  in.podMemoryRequestBytes = 256 * kMi;
  in.verdict = verdict(Load::High, 300, 75, 74);
  // 4000m x 0.9 - 1000m = 2600m: 10 pods of 250m; 8Gi x 0.9 - 2Gi = 5583457484 bytes: 20 pods of 256Mi.
  in.nodes = {node("node-1", 4000, 8 * kGi, 1000, 2 * kGi)};
  const ScalingRecommendation r = recommendScaling(in);
  EXPECT_TRUE(r.recommended);
  EXPECT_EQ(r.targetPercent, 67);  // ceil(74 / 1.1) - 1
  EXPECT_EQ(r.neededReplicas, 2);  // ceil(1 x 75 / 67)
  EXPECT_EQ(r.expectedReplicas, 2);
  EXPECT_EQ(r.expectedPercent, 38);  // ceil(75 / 2)
  EXPECT_EQ(r.minReplicas, 1);
  EXPECT_EQ(r.maxReplicas, 4);  // max(2 x 2, 1 + 2)
  EXPECT_EQ(r.fitReplicas, 11);
  EXPECT_TRUE(r.maxFits);
  // One pod: (0.25 x 0.031 + 0.25 x 0.0042) x 730 = 6.424.
  EXPECT_NEAR(r.monthlyCostNow, 6.424, 1e-9);
  EXPECT_NEAR(r.monthlyCostExpected, 12.848, 1e-9);
  EXPECT_NEAR(r.monthlyCostAtMax, 25.696, 1e-9);
  EXPECT_EQ(
      r.reasons,
      (std::vector<std::string>{
          "CPU has been at or above 70% of its request for 5m: peak 75%, mean 74%",
          "target 67%, below the 70% asked for: the HPA leaves a utilisation within 10% of its target alone "
          "(its tolerance), so the run's mean 74% must exceed 1.1 × the target; 74% / 67% = 1.104",
          "the HPA's formula at the peak: ceil(1 replica × 75% / 67%) = 2 replicas",
          "minReplicas 1 = the current replicas (never fewer than run today); maxReplicas 4 = max(2 × 2, 1 + "
          "2), room for the load to double again; target 67% average CPU utilisation of the request",
          "capacity: the free capacity of 1 schedulable node (10% headroom kept) holds 11 replicas in all "
          "(the current 1 and 10 more of 250m CPU and 256Mi memory), so the maximum of 4 fits",
          "expected effect: at the peak the HPA runs 2 replicas instead of 1, each near 38% of its CPU "
          "request instead of 75%; latency should fall, since queueing delay grows steeply as a pod nears "
          "full CPU, though each scale-up takes a minute or two (the metrics window and pod start-up)",
          "cost: 2 replicas instead of 1: +250m CPU and +256Mi memory requested, from $6.42 to $12.85 a "
          "month "
          "(+$6.42); at the maximum of 4, $25.70 a month " +
              kPrices,
          kSingleReplicaNote,
      }));
}

TEST(RecommendScaling, SustainedLowLoadScalesIn) {
  ScalingInput in;
  in.workload = "Deployment shop/api";
  in.replicas = 4;
  in.podCpuRequestMillis = 500;
  in.podMemoryRequestBytes = 512 * kMi;
  in.verdict = verdict(Load::Low, 1200, 15, 12);
  in.nodes = {node("node-1", 8000, 16 * kGi, 2000, 2 * kGi)};
  const ScalingRecommendation r = recommendScaling(in);
  EXPECT_TRUE(r.recommended);
  EXPECT_EQ(r.neededReplicas, 1);  // ceil(4 x 15 / 70)
  EXPECT_EQ(r.minReplicas, 1);
  EXPECT_EQ(r.maxReplicas, 4);
  EXPECT_EQ(r.expectedReplicas, 1);
  EXPECT_EQ(r.expectedPercent, 60);  // ceil(4 x 15 / 1)
  EXPECT_EQ(r.fitReplicas, 14);      // 7200m - 2000m = 10 pods; 15461882265 - 2Gi bytes = 24 pods
  EXPECT_TRUE(r.maxFits);
  EXPECT_NEAR(r.monthlyCostNow, 51.392, 1e-9);  // 4 x (0.5 x 0.031 + 0.5 x 0.0042) x 730
  EXPECT_NEAR(r.monthlyCostExpected, 12.848, 1e-9);
  EXPECT_NEAR(r.monthlyCostAtMax, 51.392, 1e-9);
  EXPECT_EQ(
      r.reasons,
      (std::vector<std::string>{
          "CPU has been below 20% of its request for 20m: peak 15%, mean 12%",
          "the HPA's formula at the peak: ceil(4 replicas × 15% / 70%) = 1 replica",
          "minReplicas 1 = max(1, 1); maxReplicas 4 = the current replicas (scale in only, never above "
          "today); target 70% average CPU utilisation of the request",
          "capacity: the free capacity of 1 schedulable node (10% headroom kept) holds 14 replicas in all "
          "(the current 4 and 10 more of 500m CPU and 512Mi memory), so the maximum of 4 fits",
          "expected effect: the HPA can run 1 replica instead of 4, each near 60% of its CPU request instead "
          "of 15%; latency may rise a little as each pod gets busier, and a sudden burst waits for a "
          "scale-up (a minute or two)",
          "cost: 1 replica instead of 4: -1500m CPU and -1536Mi memory requested, from $51.39 to $12.85 a "
          "month (-$38.54); at the maximum of 4, $51.39 a month " +
              kPrices,
          kSingleReplicaNote,
      }));
}

// The target stays as asked when the HPA acts on the run anyway: 85 / 70 = 1.21. With a zero tolerance 74% is
// enough for a 70% target; with 0.2, the target must be under 74 / 1.2 = 61.67.
TEST(RecommendScaling, TargetLoweredOnlyWhereTheToleranceWouldStopTheHpa) {
  ScalingInput in;
  in.replicas = 3;
  in.podCpuRequestMillis = 100;
  in.verdict = verdict(Load::High, 600, 90, 85);
  in.nodes = {node("a", 8000, 8 * kGi, 0, 0)};
  EXPECT_EQ(recommendScaling(in).targetPercent, 70);
  in.verdict = verdict(Load::High, 600, 80, 74);
  in.tolerance = 0;
  EXPECT_EQ(recommendScaling(in).targetPercent, 70);
  in.tolerance = 0.2;
  const ScalingRecommendation r = recommendScaling(in);
  EXPECT_EQ(r.targetPercent, 61);
  EXPECT_EQ(r.neededReplicas, 4);  // ceil(3 x 80 / 61)
  EXPECT_EQ(
      r.reasons.at(1),
      "target 61%, below the 70% asked for: the HPA leaves a utilisation within 20% of its target alone (its "
      "tolerance), so the run's mean 74% must exceed 1.2 × the target; 74% / 61% = 1.213");
  in.targetPercent = 50;  // asked for less than needed: kept
  EXPECT_EQ(recommendScaling(in).targetPercent, 50);
}

TEST(RecommendScaling, LowLoadInsideTheToleranceIsNotRecommended) {
  ScalingInput in;
  in.replicas = 10;
  in.podCpuRequestMillis = 500;
  in.verdict = verdict(Load::Low, 1200, 15, 15);
  in.targetPercent = 16;  // 15 >= 16 x 0.9 = 14.4
  in.nodes = {node("a", 8000, 8 * kGi, 0, 0)};
  const ScalingRecommendation r = recommendScaling(in);
  EXPECT_FALSE(r.recommended);
  EXPECT_EQ(
      r.reasons.back(),
      "the HPA would not scale in: the run's mean 15% is within 10% of the 16% target (its tolerance); a "
      "higher target would let it");
  in.targetPercent = 17;  // 15 < 15.3; ceil(10 x 15 / 17) = 9
  const ScalingRecommendation higher = recommendScaling(in);
  EXPECT_TRUE(higher.recommended);
  EXPECT_EQ(higher.minReplicas, 9);
  EXPECT_EQ(higher.maxReplicas, 10);
}

TEST(RecommendScaling, LowLoadOnOneReplicaCannotScaleIn) {
  ScalingInput in;
  in.replicas = 1;
  in.podCpuRequestMillis = 500;
  in.podMemoryRequestBytes = 512 * kMi;
  in.verdict = verdict(Load::Low, 1200, 5, 4);
  const ScalingRecommendation r = recommendScaling(in);
  EXPECT_FALSE(r.recommended);
  EXPECT_EQ(
      r.reasons.back(),
      "1 replica is already the fewest the load needs, so an HPA could not scale in; lower the CPU request "
      "instead (kubectl aiops recommend resources)");
}

// Node a holds 2 more (600m free / 250m); b is cordoned; c has no CPU left; d has no memory left
// (1Gi x 0.9 = 966367641 - 900Mi = 22649241 bytes, under one 128Mi pod). 2 current + 2 = 4.
std::vector<NodeCapacity> tightNodes() {
  return {node("a", 2000, 4 * kGi, 1200, kGi), node("b", 16000, 64 * kGi, 0, 0, /*schedulable=*/false),
          node("c", 1000, 2 * kGi, 900, 0), node("d", 4000, kGi, 0, 900 * kMi)};
}

TEST(RecommendScaling, MaximumCutToWhatFits) {
  ScalingInput in;
  in.replicas = 2;
  in.podCpuRequestMillis = 250;
  in.podMemoryRequestBytes = 128 * kMi;
  in.verdict = verdict(Load::High, 600, 90, 85);
  in.nodes = tightNodes();
  const ScalingRecommendation r = recommendScaling(in);
  EXPECT_TRUE(r.recommended);
  EXPECT_FALSE(r.maxFits);
  EXPECT_EQ(r.fitReplicas, 4);
  EXPECT_EQ(r.neededReplicas, 3);  // ceil(2 x 90 / 70)
  EXPECT_EQ(r.minReplicas, 2);
  EXPECT_EQ(r.maxReplicas, 4);  // max(2 x 3, 2 + 2) = 6, cut to 4
  EXPECT_EQ(r.expectedReplicas, 3);
  EXPECT_EQ(r.expectedPercent, 60);
  // One pod: (0.25 x 0.031 + 0.125 x 0.0042) x 730 = 6.04075.
  EXPECT_NEAR(r.monthlyCostNow, 12.0815, 1e-9);
  EXPECT_NEAR(r.monthlyCostExpected, 18.12225, 1e-9);
  EXPECT_NEAR(r.monthlyCostAtMax, 24.163, 1e-9);
  ASSERT_EQ(r.reasons.size(), 6U);
  EXPECT_EQ(
      r.reasons[3],
      "the maximum of 6 replicas would not fit: the free capacity of 3 schedulable nodes (10% headroom kept) "
      "holds 4 replicas in all (the current 2 and 2 more of 250m CPU and 128Mi memory); max set to 4");
  EXPECT_EQ(
      r.reasons[5],
      "cost: 3 replicas instead of 2: +250m CPU and +128Mi memory requested, from $12.08 to $18.12 a month "
      "(+$6.04); at the maximum of 4, $24.16 a month " +
          kPrices);
}

TEST(RecommendScaling, EvenTheNeededReplicasDoNotFit) {
  ScalingInput in;
  in.replicas = 2;
  in.podCpuRequestMillis = 250;
  in.podMemoryRequestBytes = 128 * kMi;
  in.verdict = verdict(Load::High, 300, 140, 120);   // no CPU limit: usage can pass the request
  in.nodes = {node("a", 2000, 4 * kGi, 1500, kGi)};  // 300m free: 1 more
  const ScalingRecommendation r = recommendScaling(in);
  EXPECT_TRUE(r.recommended);
  EXPECT_FALSE(r.maxFits);
  EXPECT_EQ(r.neededReplicas, 4);  // ceil(2 x 140 / 70)
  EXPECT_EQ(r.maxReplicas, 3);
  EXPECT_EQ(r.expectedReplicas, 3);
  EXPECT_EQ(r.expectedPercent, 94);  // ceil(280 / 3)
  EXPECT_EQ(
      r.reasons[3],
      "the maximum of 8 replicas would not fit: the free capacity of 1 schedulable node (10% headroom kept) "
      "holds 3 replicas in all (the current 2 and 1 more of 250m CPU and 128Mi memory); max set to 3");
  EXPECT_EQ(
      r.reasons[4],
      "even the 4 replicas the load needs would not fit; the HPA will stop at 3, each pod near ceil(2 × "
      "140% / 3) = 94% of its request");
}

TEST(RecommendScaling, NoRoomToScaleIsNotRecommended) {
  ScalingInput in;
  in.replicas = 2;
  in.podCpuRequestMillis = 250;
  in.podMemoryRequestBytes = 128 * kMi;
  in.verdict = verdict(Load::High, 600, 90, 85);
  in.nodes = {node("full", 2000, 4 * kGi, 1800, kGi)};
  const ScalingRecommendation r = recommendScaling(in);
  EXPECT_FALSE(r.recommended);
  EXPECT_FALSE(r.maxFits);
  EXPECT_EQ(r.fitReplicas, 2);
  EXPECT_EQ(r.maxReplicas, 2);
  EXPECT_EQ(r.reasons.back(),
            "no room to scale: an HPA with maxReplicas = minReplicas = 2 cannot add pods; add nodes or free "
            "capacity first");
}

TEST(RecommendScaling, HeadroomIsConfigurable) {
  ScalingInput in;
  in.replicas = 1;
  in.podCpuRequestMillis = 500;
  in.podMemoryRequestBytes = 0;  // no memory request: memory does not limit
  in.verdict = verdict(Load::High, 300, 80, 80);
  in.nodes = {node("a", 4000, kGi, 1000, kGi)};
  in.headroom = 0.25;  // 3000m usable - 1000m = 4 more
  EXPECT_EQ(recommendScaling(in).fitReplicas, 5);
  in.headroom = 0;  // 3000m free = 6 more
  EXPECT_EQ(recommendScaling(in).fitReplicas, 7);
}

TEST(RecommendScaling, NormalLoadIsNotRecommended) {
  ScalingInput in;
  in.replicas = 2;
  in.podCpuRequestMillis = 250;
  in.podMemoryRequestBytes = 128 * kMi;
  in.verdict = {
      .load = Load::Normal, .since = 900, .seconds = 0, .peakPercent = 50, .meanPercent = 50, .samples = 1};
  in.nodes = {node("a", 4000, 8 * kGi, 0, 0)};
  const ScalingRecommendation r = recommendScaling(in);
  EXPECT_FALSE(r.recommended);
  EXPECT_EQ(r.minReplicas, 2);
  EXPECT_EQ(r.maxReplicas, 2);
  EXPECT_EQ(r.fitReplicas, 16);  // 3600m / 250m = 14 more
  EXPECT_NEAR(r.monthlyCostExpected, r.monthlyCostNow, 1e-12);
  EXPECT_EQ(r.reasons,
            (std::vector<std::string>{
                "load is normal: CPU at 50% of its request, between 20% and 70%; no HPA recommended"}));

  in.verdict = {
      .load = Load::Normal, .since = 900, .seconds = 180, .peakPercent = 85, .meanPercent = 80, .samples = 4};
  EXPECT_EQ(
      recommendScaling(in).reasons,
      (std::vector<std::string>{"load is normal: CPU has been at or above 70% of its request for only 3m "
                                "(sustained means 5m); no HPA recommended"}));
  in.verdict = {
      .load = Load::Normal, .since = 900, .seconds = 630, .peakPercent = 12, .meanPercent = 9, .samples = 22};
  EXPECT_EQ(recommendScaling(in).reasons,
            (std::vector<std::string>{"load is normal: CPU has been below 20% of its request for only 10m30s "
                                      "(sustained means 15m); no HPA recommended"}));
  in.verdict = {};
  EXPECT_EQ(recommendScaling(in).reasons,
            (std::vector<std::string>{
                "no CPU utilisation samples, so the load cannot be judged; no HPA recommended"}));
}

TEST(RecommendScaling, NoCpuRequestNoHpa) {
  ScalingInput in;
  in.replicas = 1;
  in.verdict = verdict(Load::High, 300, 75, 75);
  const ScalingRecommendation r = recommendScaling(in);
  EXPECT_FALSE(r.recommended);
  EXPECT_EQ(r.reasons, (std::vector<std::string>{
                           "the pods request no CPU, and a CPU-utilisation HPA needs a CPU request on every "
                           "container; set one first (kubectl aiops recommend resources)"}));
}

TEST(RecommendScaling, NoReplicas) {
  ScalingInput in;
  in.workload = "Deployment todo/todo-backend";
  in.replicas = 0;
  in.podCpuRequestMillis = 250;
  in.verdict = verdict(Load::High, 300, 75, 75);
  const ScalingRecommendation r = recommendScaling(in);
  EXPECT_FALSE(r.recommended);
  EXPECT_EQ(r.reasons,
            (std::vector<std::string>{
                "Deployment todo/todo-backend has no replicas; scale it up before sizing an HPA"}));
}

// --- the HPA manifest
// ---------------------------------------------------------------------------------------

TEST(HpaManifest, ExactJson) {
  ScalingRecommendation r;
  r.minReplicas = 1;
  r.maxReplicas = 4;
  r.targetPercent = 70;
  EXPECT_EQ(boost::json::serialize(hpaManifest("todo", "todo-backend", r)),
            R"({"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler",)"
            R"("metadata":{"name":"todo-backend","namespace":"todo",)"
            R"("labels":{"app.kubernetes.io/managed-by":"kubectl-aiops"}},)"
            R"("spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"todo-backend"},)"
            R"("minReplicas":1,"maxReplicas":4,)"
            R"("metrics":[{"type":"Resource","resource":{"name":"cpu",)"
            R"("target":{"type":"Utilization","averageUtilization":70}}}]}})");
}

// Walks the manifest against the official OpenAPI definitions: every field known, every required one present,
// integers where the schema says integer.
void checkAgainst(const boost::json::value& v, const boost::json::object& schema,
                  const boost::json::object& definitions, const std::string& path) {
  SCOPED_TRACE(path);
  if (const auto* ref = schema.if_contains("$ref")) {
    const std::string name = std::string(ref->as_string()).substr(std::string("#/definitions/").size());
    ASSERT_TRUE(definitions.contains(name)) << name;
    checkAgainst(v, definitions.at(name).as_object(), definitions, path);
    return;
  }
  const std::string type = schema.contains("type") ? std::string(schema.at("type").as_string()) : "object";
  if (type == "integer") {
    EXPECT_TRUE(v.is_int64());
  } else if (type == "string") {
    EXPECT_TRUE(v.is_string());
  } else if (type == "array") {
    ASSERT_TRUE(v.is_array());
    for (const auto& item : v.as_array()) {
      checkAgainst(item, schema.at("items").as_object(), definitions, path + "[]");
    }
  } else if (type == "object") {
    ASSERT_TRUE(v.is_object());
    if (const auto* required = schema.if_contains("required")) {
      for (const auto& name : required->as_array())
        EXPECT_TRUE(v.as_object().contains(name.as_string())) << name;
    }
    for (const auto& [key, field] : v.as_object()) {
      if (const auto* properties = schema.if_contains("properties")) {
        ASSERT_TRUE(properties->as_object().contains(key)) << "unknown field " << path << "." << key;
        checkAgainst(field, properties->as_object().at(key).as_object(), definitions,
                     path + "." + std::string(key));
      } else {
        ASSERT_TRUE(schema.contains("additionalProperties")) << path << "." << key;
        checkAgainst(field, schema.at("additionalProperties").as_object(), definitions,
                     path + "." + std::string(key));
      }
    }
  }
}

TEST(HpaManifest, MatchesTheKubernetesOpenApiSchema) {
  // ../shared beside the checkout, as CI lays it out (the top-level CMakeLists.txt's AIOPS_OPENAPI_V2).
  const std::filesystem::path openapi =
      std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path() / "shared" /
      "k8s" / "openapi-v2.json";
  std::ifstream in(openapi);
  ASSERT_TRUE(in) << "cannot read " << openapi;
  std::stringstream text;
  text << in.rdbuf();
  const boost::json::value document = boost::json::parse(text.str());
  const boost::json::object& definitions = document.at("definitions").as_object();
  const boost::json::object& hpa =
      definitions.at("io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler").as_object();
  const auto& gvk = hpa.at("x-kubernetes-group-version-kind").as_array().at(0).as_object();

  ScalingRecommendation r;
  r.minReplicas = 2;
  r.maxReplicas = 6;
  r.targetPercent = 65;
  const boost::json::value manifest = hpaManifest("shop", "api", r);
  EXPECT_EQ(manifest.at("apiVersion").as_string(),
            std::string(gvk.at("group").as_string()) + "/" + std::string(gvk.at("version").as_string()));
  EXPECT_EQ(manifest.at("kind").as_string(), gvk.at("kind").as_string());
  checkAgainst(manifest, hpa, definitions, "");
}

}  // namespace
}  // namespace aiops::rightsize

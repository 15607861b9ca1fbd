// Tests for the HPA reconcile: the documented algorithm, missing/unready pods, conditions, events, behaviors.
#include "hpa.h"

#include <gtest/gtest.h>

#include <string>

namespace kubesim::controllers {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

const TimePoint kStart = std::chrono::sys_days{std::chrono::year{2024} / 5 / 1} + std::chrono::hours(12);

json::object hpaObject(const std::string& metricsJson, int minReplicas = 1, int maxReplicas = 10,
                       const std::string& behaviorJson = "") {
  std::string text = R"({"metadata":{"name":"web","namespace":"default"},"spec":{"scaleTargetRef":
      {"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"minReplicas":)" +
                     std::to_string(minReplicas) + R"(,"maxReplicas":)" + std::to_string(maxReplicas) +
                     R"(,"metrics":)" + metricsJson +
                     (behaviorJson.empty() ? "" : R"(,"behavior":)" + behaviorJson) + "}}";
  return json::parse(text).as_object();
}

const std::string kCpu50 =
    R"([{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":50}}}])";

// A running pod that became ready long ago (outside the cpu initialization period).
json::object runningPod(const std::string& name, const std::string& cpuRequest = "500m", bool ready = true,
                        TimePoint started = kStart - std::chrono::hours(1)) {
  json::object pod = json::parse(R"({"metadata":{"name":")" + name + R"(","namespace":"default"},
      "spec":{"containers":[{"name":"app","resources":{"requests":{"cpu":")" +
                                 cpuRequest + R"("}}}]},
      "status":{"phase":"Running"}})")
                         .as_object();
  json::object& status = pod["status"].as_object();
  status["startTime"] = formatTime(started);
  status["conditions"] = json::array{json::object{{"type", "Ready"},
                                                  {"status", ready ? "True" : "False"},
                                                  {"lastTransitionTime", formatTime(started + seconds(5))}}};
  return pod;
}

std::vector<json::object> pods(int count) {
  std::vector<json::object> list;
  for (int i = 1; i <= count; ++i)
    list.push_back(runningPod("web-" + std::to_string(i)));
  return list;
}

PodMetrics usage(std::initializer_list<std::pair<std::string, std::int64_t>> values, TimePoint at = kStart) {
  PodMetrics metrics;
  for (const auto& [name, milli] : values)
    metrics[name] = PodMetric{milli, at, seconds(30)};
  return metrics;
}

const json::object& condition(const HpaResult& result, const std::string& type) {
  for (const json::value& item : result.status.at("conditions").as_array()) {
    if (item.as_object().at("type").as_string() == type) return item.as_object();
  }
  static json::object none;
  ADD_FAILURE() << "no condition " << type;
  return none;
}

std::string reasonOf(const HpaResult& result, const std::string& type) {
  return std::string(condition(result, type).at("reason").as_string());
}

TEST(HpaTest, ScalesUpOnCpuUtilizationWithRealStatusAndEvent) {
  json::object hpa = hpaObject(kCpu50);
  std::vector<json::object> list = pods(3);
  HpaMetrics metrics;
  metrics.resource["cpu"] = usage({{"web-1", 400}, {"web-2", 400}, {"web-3", 400}});  // 80% of 500m
  HpaHistory history;
  HpaResult result = reconcileHpa({hpa, 3, 3, list, metrics, kStart}, history);
  EXPECT_TRUE(result.rescale);
  EXPECT_EQ(result.desiredReplicas, 5);  // ceil(3 * 80/50)
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_EQ(result.events[0],
            (Event{"Normal", "SuccessfulRescale",
                   "New size: 5; reason: cpu resource utilization (percentage of request) above target"}));
  json::value expected = json::parse(R"json({
    "lastScaleTime":"2024-05-01T12:00:00Z","currentReplicas":3,"desiredReplicas":5,
    "currentMetrics":[{"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":80,"averageValue":"400m"}}}],
    "conditions":[
      {"type":"AbleToScale","lastTransitionTime":"2024-05-01T12:00:00Z","status":"True","reason":"SucceededRescale",
       "message":"the HPA controller was able to update the target scale to 5"},
      {"type":"ScalingActive","lastTransitionTime":"2024-05-01T12:00:00Z","status":"True","reason":"ValidMetricFound",
       "message":"the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)"},
      {"type":"ScalingLimited","lastTransitionTime":"2024-05-01T12:00:00Z","status":"False","reason":"DesiredWithinRange",
       "message":"the desired count is within the acceptable range"}]})json");
  EXPECT_EQ(json::value(result.status), expected) << json::serialize(result.status);
}

TEST(HpaTest, DocsExampleDoublesAndHalvesOnAverageValue) {
  json::object hpa = hpaObject(
      R"([{"type":"Resource","resource":{"name":"cpu","target":{"type":"AverageValue","averageValue":"100m"}}}])",
      1, 20);
  HpaHistory history;
  HpaMetrics metrics;
  metrics.resource["cpu"] = usage({{"web-1", 200}, {"web-2", 200}});
  std::vector<json::object> two = pods(2);
  HpaResult up = reconcileHpa({hpa, 2, 2, two, metrics, kStart}, history);
  EXPECT_EQ(up.desiredReplicas, 4);  // 200.0 / 100.0 == 2.0
  EXPECT_EQ(up.status.at("currentMetrics").as_array()[0].as_object().at("resource").as_object().at("current"),
            json::parse(R"({"averageValue":"200m"})"));

  std::vector<json::object> four = pods(4);
  metrics.resource["cpu"] = usage({{"web-1", 50}, {"web-2", 50}, {"web-3", 50}, {"web-4", 50}});
  // Within five minutes of the recommendation for 4 the scale-down is held back ...
  HpaResult held = reconcileHpa({hpa, 4, 4, four, metrics, kStart + minutes(1)}, history);
  EXPECT_FALSE(held.rescale);
  EXPECT_EQ(held.desiredReplicas, 4);
  EXPECT_EQ(reasonOf(held, "AbleToScale"), "ScaleDownStabilized");
  EXPECT_EQ(
      condition(held, "AbleToScale").at("message"),
      "recent recommendations were higher than current one, applying the highest recent recommendation");
  // ... and afterwards it halves: 50.0 / 100.0 == 0.5.
  HpaResult down = reconcileHpa({hpa, 4, 4, four, metrics, kStart + minutes(6) + seconds(1)}, history);
  EXPECT_TRUE(down.rescale);
  EXPECT_EQ(down.desiredReplicas, 2);
  EXPECT_EQ(down.events[0].message, "New size: 2; reason: All metrics below target");
}

TEST(HpaTest, StaysWithinTolerance) {
  json::object hpa = hpaObject(kCpu50);
  HpaMetrics metrics;
  metrics.resource["cpu"] = usage({{"web-1", 270}, {"web-2", 270}});  // 54%: ratio 1.08, inside 0.1
  HpaHistory history;
  std::vector<json::object> list = pods(2);
  HpaResult result = reconcileHpa({hpa, 2, 2, list, metrics, kStart}, history);
  EXPECT_FALSE(result.rescale);
  EXPECT_EQ(result.desiredReplicas, 2);
  EXPECT_TRUE(result.events.empty());
  EXPECT_EQ(reasonOf(result, "AbleToScale"), "ReadyForNewScale");
  EXPECT_EQ(condition(result, "AbleToScale").at("message"), "recommended size matches current size");
  EXPECT_FALSE(result.status.contains("lastScaleTime"));

  metrics.resource["cpu"] = usage({{"web-1", 280}, {"web-2", 280}});  // 56%: ratio 1.12
  EXPECT_EQ(reconcileHpa({hpa, 2, 2, list, metrics, kStart + seconds(15)}, history).desiredReplicas, 3);
  // Exactly 55% is outside: |1 - 55.0/50.0| is 0.10000000000000009 in float64, as in the Go controller.
  metrics.resource["cpu"] = usage({{"web-1", 275}, {"web-2", 275}});
  EXPECT_EQ(reconcileHpa({hpa, 2, 2, list, metrics, kStart + seconds(30)}, history).desiredReplicas, 3);
}

TEST(HpaTest, MissingMetricsDampAScaleUpToNoChange) {
  json::object hpa = hpaObject(kCpu50);
  HpaMetrics metrics;
  metrics.resource["cpu"] =
      usage({{"web-1", 300}, {"web-2", 300}, {"web-3", 300}});  // 60%, web-4 has no sample
  HpaHistory history;
  std::vector<json::object> list = pods(4);
  HpaResult result = reconcileHpa({hpa, 4, 4, list, metrics, kStart}, history);
  // web-4 counts as 0%: 900m / 2000m = 45%, which would flip the direction, so nothing changes.
  EXPECT_FALSE(result.rescale);
  EXPECT_EQ(result.desiredReplicas, 4);
  // The status reports the utilization of the pods that had samples.
  EXPECT_EQ(
      result.status.at("currentMetrics").as_array()[0].as_object().at("resource").as_object().at("current"),
      json::parse(R"({"averageUtilization":60,"averageValue":"300m"})"));
}

TEST(HpaTest, MissingMetricsCountAsFullRequestOnScaleDown) {
  json::object hpa = hpaObject(kCpu50);
  HpaMetrics metrics;
  metrics.resource["cpu"] = usage({{"web-1", 100}, {"web-2", 100}, {"web-3", 100}});  // 20%
  HpaHistory history;
  history.initialized = true;  // no recent recommendations to stabilize against
  std::vector<json::object> list = pods(4);
  HpaResult result = reconcileHpa({hpa, 4, 4, list, metrics, kStart}, history);
  // web-4 assumed at 100%: (300m + 500m) / 2000m = 40% -> ceil(0.8 * 4) = 4, not ceil(0.4 * 3) = 2.
  EXPECT_EQ(result.desiredReplicas, 4);
}

TEST(HpaTest, UnreadyCpuPodsCountAsZeroOnScaleUp) {
  json::object hpa = hpaObject(kCpu50);
  std::vector<json::object> list = pods(2);
  // Two pods that started a minute ago and are not ready yet.
  list.push_back(runningPod("web-3", "500m", false, kStart - minutes(1)));
  list.push_back(runningPod("web-4", "500m", false, kStart - minutes(1)));
  HpaMetrics metrics;
  metrics.resource["cpu"] = usage({{"web-1", 500}, {"web-2", 500}, {"web-3", 450}, {"web-4", 450}});
  HpaHistory history;
  HpaResult result = reconcileHpa({hpa, 4, 4, list, metrics, kStart}, history);
  // Ready pods alone say 100% (x2), but with the unready ones at 0 the average is 50%: no change.
  EXPECT_FALSE(result.rescale);
  EXPECT_EQ(result.desiredReplicas, 4);

  // A Pending pod is unready too; a Failed pod is ignored entirely.
  list[2]["status"].as_object()["phase"] = "Pending";
  list[3]["status"].as_object()["phase"] = "Failed";
  result = reconcileHpa({hpa, 4, 4, list, metrics, kStart + seconds(15)}, history);
  // (1000m + 0) / 1500m = 66% -> ratio 1.33; ceil(1.33 * 3) = 4: unchanged.
  EXPECT_EQ(result.desiredReplicas, 4);
}

TEST(HpaTest, ReportsMetricsApiFailureWithUpstreamMessages) {
  json::object hpa = hpaObject(kCpu50);
  hpa["status"] = json::parse(R"({"desiredReplicas":2,"currentReplicas":2})");
  HpaMetrics metrics;  // metrics-server has nothing
  HpaHistory history;
  std::vector<json::object> list = pods(2);
  HpaResult result = reconcileHpa({hpa, 2, 2, list, metrics, kStart}, history);
  EXPECT_FALSE(result.rescale);
  ASSERT_EQ(result.events.size(), 2u);
  EXPECT_EQ(
      result.events[0],
      (Event{
          "Warning", "FailedGetResourceMetric",
          "failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from "
          "resource metrics API"}));
  EXPECT_EQ(
      result.events[1],
      (Event{
          "Warning", "FailedComputeMetricsReplicas",
          "invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: "
          "failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from "
          "resource metrics API"}));
  EXPECT_EQ(reasonOf(result, "ScalingActive"), "FailedGetResourceMetric");
  EXPECT_EQ(condition(result, "ScalingActive").at("status"), "False");
  EXPECT_EQ(
      condition(result, "ScalingActive").at("message"),
      "the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics "
      "for resource cpu: no metrics returned from resource metrics API");
  EXPECT_EQ(result.status.at("currentMetrics"), json::parse(R"([{"type":""}])"));
  EXPECT_EQ(result.status.at("desiredReplicas"), 2);
}

TEST(HpaTest, MissingRequestIsReported) {
  json::object hpa = hpaObject(kCpu50);
  std::vector<json::object> list = pods(1);
  list[0]["spec"].as_object()["containers"].as_array()[0].as_object().erase("resources");
  HpaMetrics metrics;
  metrics.resource["cpu"] = usage({{"web-1", 100}});
  HpaHistory history;
  HpaResult result = reconcileHpa({hpa, 1, 1, list, metrics, kStart}, history);
  EXPECT_EQ(result.events[0].message,
            "failed to get cpu utilization: missing request for cpu in container app of Pod web-1");
}

TEST(HpaTest, HighestProposalAcrossMetricsWins) {
  json::object hpa = hpaObject(R"([
      {"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":50}}},
      {"type":"Pods","pods":{"metric":{"name":"http_requests"},"target":{"type":"AverageValue","averageValue":"10"}}}])");
  std::vector<json::object> list = pods(2);
  HpaMetrics metrics;
  metrics.resource["cpu"] = usage({{"web-1", 400}, {"web-2", 400}});            // 80% -> 4
  metrics.pods["http_requests"] = usage({{"web-1", 30000}, {"web-2", 30000}});  // 30/10 -> 6
  HpaHistory history;
  HpaResult result = reconcileHpa({hpa, 2, 2, list, metrics, kStart}, history);
  EXPECT_EQ(result.desiredReplicas, 4);  // capped by the legacy scale-up limit max(2 x 2, 4)
  EXPECT_EQ(result.events[0].message, "New size: 4; reason: pods metric http_requests above target");
  EXPECT_EQ(reasonOf(result, "ScalingLimited"), "ScaleUpLimit");
  EXPECT_EQ(condition(result, "ScalingLimited").at("status"), "True");
  EXPECT_EQ(condition(result, "ScalingLimited").at("message"),
            "the desired replica count is increasing faster than the maximum scale rate");
  EXPECT_EQ(
      result.status.at("currentMetrics").as_array()[1],
      json::parse(
          R"({"type":"Pods","pods":{"metric":{"name":"http_requests"},"current":{"averageValue":"30"}}})"));
}

TEST(HpaTest, OneFailingMetricDoesNotBlockAScaleUp) {
  json::object hpa = hpaObject(R"([
      {"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":50}}},
      {"type":"Pods","pods":{"metric":{"name":"queue_depth"},"target":{"type":"AverageValue","averageValue":"5"}}}])");
  std::vector<json::object> list = pods(2);
  HpaMetrics metrics;
  metrics.resource["cpu"] = usage({{"web-1", 400}, {"web-2", 400}});
  HpaHistory history;
  HpaResult result = reconcileHpa({hpa, 2, 2, list, metrics, kStart}, history);
  EXPECT_EQ(result.desiredReplicas, 4);
  ASSERT_EQ(result.events.size(), 2u);
  EXPECT_EQ(result.events[0], (Event{"Warning", "FailedGetPodsMetric",
                                     "unable to get metric queue_depth: unable to fetch metrics from custom "
                                     "metrics API: the server could "
                                     "not find the metric queue_depth for pods"}));
  EXPECT_EQ(result.events[1].reason, "SuccessfulRescale");
  EXPECT_EQ(reasonOf(result, "ScalingActive"), "ValidMetricFound");
}

TEST(HpaTest, ClampsToMaxAndMinReplicas) {
  json::object hpa = hpaObject(kCpu50, 3, 5);
  std::vector<json::object> list = pods(4);
  HpaMetrics metrics;
  metrics.resource["cpu"] =
      usage({{"web-1", 500}, {"web-2", 500}, {"web-3", 500}, {"web-4", 500}});  // 100% -> 8
  HpaHistory history;
  HpaResult high = reconcileHpa({hpa, 4, 4, list, metrics, kStart}, history);
  hpa["status"] = high.status;  // the controller reads back what it wrote
  EXPECT_EQ(high.desiredReplicas, 5);
  EXPECT_EQ(reasonOf(high, "ScalingLimited"), "TooManyReplicas");
  EXPECT_EQ(condition(high, "ScalingLimited").at("message"),
            "the desired replica count is more than the maximum replica count");

  metrics.resource["cpu"] = usage({{"web-1", 25}, {"web-2", 25}, {"web-3", 25}, {"web-4", 25}});  // 5% -> 1
  HpaResult low = reconcileHpa({hpa, 4, 4, list, metrics, kStart + minutes(10)}, history);
  EXPECT_EQ(low.desiredReplicas, 3);
  EXPECT_EQ(reasonOf(low, "ScalingLimited"), "TooFewReplicas");
  EXPECT_EQ(condition(low, "ScalingLimited").at("message"),
            "the desired replica count is less than the minimum replica count");
  EXPECT_EQ(condition(low, "ScalingLimited").at("lastTransitionTime"), "2024-05-01T12:00:00Z");  // still True

  HpaResult above = reconcileHpa({hpa, 7, 7, list, metrics, kStart + minutes(11)}, history);
  EXPECT_EQ(above.desiredReplicas, 5);
  EXPECT_EQ(above.events[0].message,
            "New size: 5; reason: Current number of replicas above Spec.MaxReplicas");
}

TEST(HpaTest, ZeroReplicasDisablesScaling) {
  json::object hpa = hpaObject(kCpu50);
  HpaMetrics metrics;
  HpaHistory history;
  std::vector<json::object> none;
  HpaResult result = reconcileHpa({hpa, 0, 0, none, metrics, kStart}, history);
  EXPECT_FALSE(result.rescale);
  EXPECT_EQ(reasonOf(result, "ScalingActive"), "ScalingDisabled");
  EXPECT_EQ(condition(result, "ScalingActive").at("message"),
            "scaling is disabled since the replica count of the target is zero");
  EXPECT_FALSE(result.status.contains("currentReplicas"));
  EXPECT_EQ(result.status.at("desiredReplicas"), 0);
}

TEST(HpaTest, DocsExampleScaleDownPolicies) {
  // From the HPA docs: 4 pods or 10% per minute, whichever removes more; no stabilization to see each step.
  json::object hpa = hpaObject(
      R"([{"type":"Pods","pods":{"metric":{"name":"load"},"target":{"type":"AverageValue","averageValue":"1"}}}])",
      1, 100,
      R"({"scaleDown":{"stabilizationWindowSeconds":0,"policies":[{"type":"Pods","value":4,"periodSeconds":60},
                                                                   {"type":"Percent","value":10,"periodSeconds":60}]}})");
  HpaHistory history;
  std::int32_t replicas = 80;
  std::vector<std::int32_t> steps;
  TimePoint now = kStart;
  for (int i = 0; i < 12; ++i) {
    std::vector<json::object> list = pods(replicas);
    HpaMetrics metrics;
    for (const json::object& pod : list) {
      metrics.pods["load"][std::string(pod.at("metadata").as_object().at("name").as_string())] =
          PodMetric{125, now};
    }
    HpaResult result = reconcileHpa({hpa, replicas, replicas, list, metrics, now}, history);
    if (i == 0) {
      // A second reconcile in the same minute may not remove more.
      HpaResult again = reconcileHpa(
          {hpa, result.desiredReplicas, result.desiredReplicas, list, metrics, now + seconds(15)}, history);
      EXPECT_FALSE(again.rescale);
      EXPECT_EQ(reasonOf(again, "ScalingLimited"), "ScaleDownLimit");
      EXPECT_EQ(condition(again, "ScalingLimited").at("message"),
                "the desired replica count is decreasing faster than the maximum scale rate");
    }
    replicas = result.desiredReplicas;
    steps.push_back(replicas);
    now += seconds(61);
  }
  // 10% of 80 is 8, of 72 is 7.2 (8 removed), ...; below 40 replicas 4 pods a minute remove more.
  EXPECT_EQ(steps, (std::vector<std::int32_t>{72, 64, 57, 51, 45, 40, 36, 32, 28, 24, 20, 16}));
}

TEST(HpaTest, DefaultScaleUpBehaviorAllowsFourPodsOrDoublePerFifteenSeconds) {
  json::object hpa = hpaObject(kCpu50, 1, 50, R"({"scaleDown":{"stabilizationWindowSeconds":60}})");
  HpaHistory history;
  std::int32_t replicas = 1;
  std::vector<std::int32_t> steps;
  TimePoint now = kStart;
  for (int i = 0; i < 4; ++i) {
    std::vector<json::object> list = pods(replicas);
    HpaMetrics metrics;
    for (const json::object& pod : list) {
      metrics.resource["cpu"][std::string(pod.at("metadata").as_object().at("name").as_string())] =
          PodMetric{5000, now};  // 1000%: wants 20x
    }
    HpaResult result = reconcileHpa({hpa, replicas, replicas, list, metrics, now}, history);
    replicas = result.desiredReplicas;
    steps.push_back(replicas);
    if (i == 0) {
      EXPECT_EQ(reasonOf(result, "ScalingLimited"), "ScaleUpLimit");
    }
    now += seconds(16);
  }
  // max(1 + 4, 1 x 2) = 5, then max(5 + 4, 10) = 10, 20, 40.
  EXPECT_EQ(steps, (std::vector<std::int32_t>{5, 10, 20, 40}));
}

TEST(HpaTest, BehaviorStabilizationAndDisabledScaleDown) {
  json::object disabled =
      hpaObject(kCpu50, 1, 10, R"({"scaleDown":{"selectPolicy":"Disabled","stabilizationWindowSeconds":0}})");
  HpaHistory history;
  std::vector<json::object> list = pods(4);
  HpaMetrics metrics;
  metrics.resource["cpu"] = usage({{"web-1", 50}, {"web-2", 50}, {"web-3", 50}, {"web-4", 50}});
  HpaResult result = reconcileHpa({disabled, 4, 4, list, metrics, kStart + minutes(10)}, history);
  EXPECT_FALSE(result.rescale);
  EXPECT_EQ(reasonOf(result, "ScalingLimited"), "ScaleDownLimit");

  // A scale-up stabilization window applies the lowest recent recommendation.
  json::object slowUp = hpaObject(kCpu50, 1, 10, R"({"scaleUp":{"stabilizationWindowSeconds":120}})");
  HpaHistory upHistory;
  metrics.resource["cpu"] = usage({{"web-1", 500}, {"web-2", 500}, {"web-3", 500}, {"web-4", 500}});
  HpaResult first = reconcileHpa({slowUp, 4, 4, list, metrics, kStart}, upHistory);
  EXPECT_FALSE(first.rescale);  // the initial recommendation (4) is inside the window
  EXPECT_EQ(reasonOf(first, "AbleToScale"), "ScaleUpStabilized");
  EXPECT_EQ(condition(first, "AbleToScale").at("message"),
            "recent recommendations were lower than current one, applying the lowest recent recommendation");
  HpaResult later = reconcileHpa({slowUp, 4, 4, list, metrics, kStart + seconds(121)}, upHistory);
  EXPECT_EQ(later.desiredReplicas, 8);
}

TEST(HpaTest, ObjectAndExternalMetrics) {
  json::object hpa = hpaObject(R"([
      {"type":"Object","object":{"describedObject":{"apiVersion":"networking.k8s.io/v1","kind":"Ingress","name":"main"},
                                 "metric":{"name":"requests_per_second"},"target":{"type":"Value","value":"100"}}},
      {"type":"External","external":{"metric":{"name":"queue_messages"},"target":{"type":"AverageValue","averageValue":"30"}}}])",
                               1, 20);
  std::vector<json::object> list = pods(2);
  HpaMetrics metrics;
  metrics.object["Ingress/main/requests_per_second"] = 250000;  // 250 vs 100 on 2 ready pods -> 5
  metrics.external["queue_messages"] = 90000;                   // 90 / 30 -> 3
  HpaHistory history;
  history.initialized = true;
  HpaResult result = reconcileHpa({hpa, 2, 2, list, metrics, kStart}, history);
  EXPECT_EQ(result.desiredReplicas, 4);  // 5, limited to max(2 x 2, 4)
  EXPECT_EQ(result.events.back().message,
            "New size: 4; reason: Ingress metric requests_per_second above target");
  json::array current = result.status.at("currentMetrics").as_array();
  EXPECT_EQ(current[0].as_object().at("object").as_object().at("current"), json::parse(R"({"value":"250"})"));
  EXPECT_EQ(current[1], json::parse(R"({"type":"External","external":{"metric":{"name":"queue_messages"},
                                        "current":{"averageValue":"45"}}})"));
}

}  // namespace
}  // namespace kubesim::controllers

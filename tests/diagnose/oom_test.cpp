// OOMKilled: in the last state once running again, in a crash loop, without a limit, and long ago (quiet);
// the limit patch max(limit + 100Mi, limit × 1.2, peak × 1.2) rounded up to 64Mi, with its undo.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "fixture.h"

namespace aiops::diagnose {
namespace {

using testing::diagnoseFixture;
using testing::only;
using testing::summary;
namespace json = boost::json;

TEST(Oom, FindsOomInLastStateOfARunningContainerAndRaisesTheLimitFromThePeak) {
  Diagnosis d = diagnoseFixture("oom");
  EXPECT_EQ(summary(d), (std::vector<std::string>{"AIOPS-D110 Pod shop/api-6c9f7d8b4-x2v9k primary",
                                                  "AIOPS-D111 Pod shop/batch primary",
                                                  "AIOPS-D110 Pod shop/cache-0 primary"}));
  const model::Finding* api = testing::withRule(d, "AIOPS-D110").front();
  EXPECT_EQ(api->headline, "Deployment shop/api: 1/1 pods Running");
  EXPECT_EQ(
      api->rootCause,
      "Container api was OOMKilled 10m ago and has restarted 4 times: it reached its memory limit of 256Mi "
      "(working set peaked at 301Mi).");
  EXPECT_EQ(api->confidence, 95);
  ASSERT_EQ(api->recommendations.size(), 1U);
  const model::Recommendation& r = api->recommendations[0];
  EXPECT_EQ(r.action, model::ActionKind::ResourceIncrease);
  EXPECT_EQ(r.target.display(), "Deployment shop/api");
  EXPECT_EQ(r.target.apiVersion, "apps/v1");
  EXPECT_EQ(r.summary, "raise the memory limit of container api from 256Mi to 384Mi");
  EXPECT_EQ(r.risk, model::Risk::Low);
  ASSERT_TRUE(r.patch.has_value());
  EXPECT_EQ(r.patch->type, model::PatchType::Strategic);
  EXPECT_EQ(
      json::serialize(r.patch->body),
      R"({"spec":{"template":{"spec":{"containers":[{"name":"api","resources":{"limits":{"memory":"384Mi"}}}]}}}})");
  ASSERT_TRUE(r.undo.has_value());
  EXPECT_EQ(
      json::serialize(r.undo->body),
      R"({"spec":{"template":{"spec":{"containers":[{"name":"api","resources":{"limits":{"memory":"256Mi"}}}]}}}})");
  EXPECT_EQ(r.commands.front(),
            "kubectl -n shop patch deployment api --type strategic -p "
            "'{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"api\",\"resources\":{\"limits\":"
            "{\"memory\":"
            "\"384Mi\"}}}]}}}}'");
  EXPECT_EQ(r.expectedOutcome,
            "No more OOMKilled restarts at the load seen so far: the limit rises 50% to 384Mi, above the "
            "301Mi peak "
            "working set; the pods restart once to apply it.");
  EXPECT_EQ(
      r.rationale,
      "OOMKilled means the working set reached the 256Mi limit. The new limit is max(limit + 100Mi, limit × "
      "1.2, peak × 1.2) = 362Mi, rounded up to a multiple of 64Mi.");
  EXPECT_EQ(r.runbook, "oom-killed");
  // Evidence: the termination, the limit and request, and the peak.
  std::vector<std::string> lines;
  for (const auto& e : api->evidence)
    lines.push_back(model::describe(e));
  EXPECT_EQ(lines,
            (std::vector<std::string>{
                "field Pod shop/api-6c9f7d8b4-x2v9k status.containerStatuses[api].lastState.terminated = "
                "reason=OOMKilled exitCode=137 finishedAt=2024-05-01T11:50:00Z",
                "field Pod shop/api-6c9f7d8b4-x2v9k status.containerStatuses[api].restartCount = 4",
                "field Pod shop/api-6c9f7d8b4-x2v9k spec.containers[api].resources.limits.memory = 256Mi",
                "field Pod shop/api-6c9f7d8b4-x2v9k spec.containers[api].resources.requests.memory = 128Mi",
                "field Pod shop/api-6c9f7d8b4-x2v9k usage.api.memoryPeak[24h] = 301Mi"}));
}

TEST(Oom, WithoutUsageTheLimitFollowsTheVpaBump) {
  Diagnosis d = diagnoseFixture("oom");
  const model::Finding* cache = testing::withRule(d, "AIOPS-D110").back();
  EXPECT_EQ(cache->object.name, "cache-0");
  EXPECT_EQ(cache->headline, "StatefulSet shop/cache: 1/1 pods CrashLoopBackOff");
  EXPECT_EQ(
      cache->rootCause,
      "Container redis was OOMKilled 2m ago and has restarted 3 times: it reached its memory limit of 1Gi.");
  const model::Recommendation& r = cache->recommendations.at(0);
  // 1Gi + 100Mi = 1124Mi, 1Gi × 1.2 = 1229Mi (rounded up) → 1280Mi; Guaranteed, so the request follows.
  EXPECT_EQ(
      r.summary,
      "raise the memory limit of container redis from 1Gi to 1280Mi (and its request, to stay Guaranteed)");
  EXPECT_EQ(
      json::serialize(r.patch->body),
      R"({"spec":{"template":{"spec":{"containers":[{"name":"redis","resources":{"limits":{"memory":"1280Mi"},"requests":{"memory":"1280Mi"}}}]}}}})");
  EXPECT_EQ(
      json::serialize(r.undo->body),
      R"({"spec":{"template":{"spec":{"containers":[{"name":"redis","resources":{"limits":{"memory":"1Gi"},"requests":{"memory":"1Gi"}}}]}}}})");
  EXPECT_EQ(r.target.display(), "StatefulSet shop/cache");
}

TEST(Oom, WithoutALimitTheNodeRanOutOfMemory) {
  Diagnosis d = diagnoseFixture("oom");
  const model::Finding& f = only(d, "AIOPS-D111");
  EXPECT_EQ(f.rootCause,
            "Container etl was OOMKilled 20m ago without a memory limit of its own: node worker-2 ran out of "
            "memory "
            "and the kernel killed it.");
  EXPECT_EQ(f.headline, "Pod shop/batch: OOMKilled");
  const model::Recommendation& r = f.recommendations.at(0);
  EXPECT_EQ(r.summary, "set a memory request and limit on container etl");
  EXPECT_FALSE(r.patch.has_value());  // no usage known: the size is not knowable
  EXPECT_EQ(r.target.display(), "Pod shop/batch");
}

TEST(Oom, OomAWeekAgoOnAHealthyContainerIsHistory) {
  Diagnosis d = diagnoseFixture("oom");
  for (const model::Finding& f : d.findings)
    EXPECT_NE(f.object.name, "old");
  // With a longer history window it is reported.
  Options options = testing::fixtureOptions();
  options.historyWindow = std::chrono::hours(24 * 14);
  Diagnosis wide = diagnoseFixture("oom", options);
  EXPECT_EQ(testing::withRule(wide, "AIOPS-D110").size(), 3U);
}

TEST(Oom, LimitAboveTheNodeIsHighRisk) {
  Evidence e = testing::loadEvidence("oom");
  for (NodeEvidence& n : e.nodes)
    n.allocatable["memory"] = Quantity::mustParse("1Gi");
  Diagnosis d = diagnose(e, testing::fixtureOptions());
  EXPECT_EQ(testing::withRule(d, "AIOPS-D110").back()->recommendations.at(0).risk, model::Risk::High);
  EXPECT_EQ(testing::withRule(d, "AIOPS-D110").front()->recommendations.at(0).risk, model::Risk::Low);
}

}  // namespace
}  // namespace aiops::diagnose

// Controllers: FailedCreate for quota (with the quota patch), quota without limits, LimitRange, a missing
// ServiceAccount and Pod Security; a rollout stuck behind a missing image; failed Jobs behind their pods'
// cause; and old or superseded failures that stay quiet.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "fixture.h"

namespace aiops::diagnose {
namespace {

using testing::diagnoseFixture;
using testing::only;
using testing::summary;
namespace json = boost::json;

class Workloads : public ::testing::Test {
 protected:
  Diagnosis d = diagnoseFixture("workloads");
};

TEST_F(Workloads, EveryControllerProblemOnceAndConsequencesSecondary) {
  EXPECT_EQ(
      summary(d),
      (std::vector<std::string>{
          "AIOPS-D707 Job shop/backfill primary", "AIOPS-D700 ReplicaSet shop/cart-5b6c7d8e9 primary",
          "AIOPS-D702 StatefulSet shop/ledger primary", "AIOPS-D704 ReplicaSet shop/legacy-8e9f0a1b2 primary",
          "AIOPS-D703 ReplicaSet shop/mailer-7d8e9f0a1 primary",
          "AIOPS-D706 Job shop/nightly-report-28571040 secondary",
          "AIOPS-D907 Pod shop/nightly-report-28571040-4xkq2 primary",
          "AIOPS-D701 ReplicaSet shop/notify-6c7d8e9f0 primary", "AIOPS-D705 Deployment shop/web secondary",
          "AIOPS-D200 Pod shop/web-9f0a1b2c3-p0d11 primary"}));
}

TEST_F(Workloads, QuotaExceededIsPatchedForTheMissingPods) {
  const model::Finding& f = only(d, "AIOPS-D700");
  EXPECT_EQ(f.headline, "ReplicaSet shop/cart-5b6c7d8e9: Resource quota exceeded");
  EXPECT_EQ(
      f.rootCause,
      "Deployment cart cannot create pods: ResourceQuota compute-quota would be exceeded (limits.memory "
      "requested 512Mi, used 1792Mi of 2Gi).");
  const model::Recommendation& r = f.recommendations.at(0);
  EXPECT_EQ(r.action, model::ActionKind::QuotaChange);
  EXPECT_EQ(r.target.display(), "ResourceQuota shop/compute-quota");
  EXPECT_EQ(r.summary, "raise ResourceQuota compute-quota so that 2 more pods of Deployment cart fit");
  EXPECT_EQ(r.patch->type, model::PatchType::Merge);
  EXPECT_EQ(json::serialize(r.patch->body), R"({"spec":{"hard":{"limits.memory":"2816Mi"}}})");
  EXPECT_EQ(json::serialize(r.undo->body), R"({"spec":{"hard":{"limits.memory":"2Gi"}}})");
  EXPECT_EQ(r.commands.front(),
            "kubectl -n shop patch resourcequota compute-quota --type merge -p "
            "'{\"spec\":{\"hard\":{\"limits.memory\":\"2816Mi\"}}}'");
}

TEST_F(Workloads, OtherAdmissionRejections) {
  EXPECT_EQ(only(d, "AIOPS-D701").rootCause,
            "Deployment notify cannot create pods: ResourceQuota compute-quota requires limits.cpu and "
            "limits.memory to "
            "be set on every container.");
  EXPECT_EQ(
      only(d, "AIOPS-D702").rootCause,
      "StatefulSet ledger cannot create pods: maximum memory usage per Container is 1Gi, but limit is 2Gi.");
  const model::Finding& sa = only(d, "AIOPS-D703");
  EXPECT_EQ(sa.rootCause,
            "Deployment mailer cannot create pods because ServiceAccount mailer-sa does not exist in "
            "namespace shop.");
  EXPECT_EQ(sa.recommendations.at(0).commands,
            (std::vector<std::string>{"kubectl -n shop create serviceaccount mailer-sa"}));
  EXPECT_EQ(only(d, "AIOPS-D704").rootCause,
            "Deployment legacy cannot create pods: violates PodSecurity \"restricted:latest\": "
            "allowPrivilegeEscalation "
            "!= false (container \"app\" must set securityContext.allowPrivilegeEscalation=false), "
            "runAsNonRoot != true "
            "(pod or container \"app\" must set securityContext.runAsNonRoot=true).");
}

TEST_F(Workloads, StuckRolloutIsExplainedByItsNewPods) {
  const model::Finding& rollout = only(d, "AIOPS-D705");
  EXPECT_EQ(rollout.rootCause,
            "Rollout of Deployment web is stuck: ReplicaSet \"web-9f0a1b2c3\" has timed out progressing.");
  ASSERT_TRUE(rollout.relatedTo.has_value());
  EXPECT_EQ(rollout.relatedTo->ruleId, "AIOPS-D200");
  const model::Recommendation& r = rollout.recommendations.at(0);
  EXPECT_EQ(r.action, model::ActionKind::Rollback);
  EXPECT_EQ(
      json::serialize(r.patch->body),
      R"({"spec":{"template":{"spec":{"containers":[{"name":"app","image":"ghcr.io/example/web:1.9.0"}]}}}})");
}

TEST_F(Workloads, FailedJobIsExplainedByItsPods) {
  const model::Finding& pods = only(d, "AIOPS-D907");
  EXPECT_EQ(pods.headline, "CronJob shop/nightly-report: 3/3 pods Error, same cause");
  EXPECT_EQ(pods.rootCause,
            "Container report exited with code 1 and the pod failed because the database rejects the "
            "credentials of "
            "user report.");
  ASSERT_EQ(pods.object.owners.size(), 2U);
  EXPECT_EQ(pods.object.owners[1].display(), "CronJob shop/nightly-report");
  const model::Finding& job = only(d, "AIOPS-D706");
  EXPECT_EQ(job.rootCause,
            "Job nightly-report-28571040 failed: its pods failed 3 times, reaching the backoff limit of 2.");
  EXPECT_EQ(job.relatedTo->ruleId, "AIOPS-D907");
  EXPECT_EQ(job.recommendations.at(0).commands.back(),
            "kubectl -n shop create job nightly-report-retry --from=cronjob/nightly-report");
  EXPECT_EQ(only(d, "AIOPS-D707").rootCause,
            "Job backfill failed: it ran longer than its activeDeadlineSeconds of 60m.");
}

}  // namespace
}  // namespace aiops::diagnose

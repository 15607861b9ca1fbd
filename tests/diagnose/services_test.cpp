// Services: a selector mismatch patched to the one workload it nearly matches, an ambiguous mismatch left
// to a person, and Services that must stay quiet (ExternalName, no selector, ready endpoints).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "fixture.h"

namespace aiops::diagnose {
namespace {

using testing::diagnoseFixture;
using testing::only;
using testing::summary;
using testing::withRule;
namespace json = boost::json;

TEST(Services, OnlyTheServicesWithoutEndpoints) {
  Diagnosis d = diagnoseFixture("services");
  EXPECT_EQ(summary(d), (std::vector<std::string>{"AIOPS-D800 Service web/api primary",
                                                  "AIOPS-D800 Service web/queue primary"}));
}

TEST(Services, OneLabelOffIsPatchedToTheWorkloadsLabels) {
  Diagnosis d = diagnoseFixture("services");
  const model::Finding& f = *withRule(d, "AIOPS-D800").at(0);
  EXPECT_EQ(f.headline, "Service web/api: Service selector matches no pods");
  EXPECT_EQ(f.rootCause,
            "Service api has no endpoints: its selector app=api, tier=backend matches no running pod in "
            "namespace web; the pods "
            "of Deployment api carry tier=web.");
  const model::Recommendation& r = f.recommendations.at(0);
  EXPECT_EQ(r.action, model::ActionKind::SelectorFix);
  EXPECT_EQ(r.patch->type, model::PatchType::Merge);
  EXPECT_EQ(json::serialize(r.patch->body), R"({"spec":{"selector":{"tier":"web"}}})");
  EXPECT_EQ(json::serialize(r.undo->body), R"({"spec":{"selector":{"tier":"backend"}}})");
  EXPECT_EQ(
      r.commands.front(),
      "kubectl -n web patch service api --type merge -p '{\"spec\":{\"selector\":{\"tier\":\"web\"}}}'");
}

TEST(Services, TwoEquallyCloseWorkloadsAreNotGuessed) {
  Diagnosis d = diagnoseFixture("services");
  const model::Finding& f = *withRule(d, "AIOPS-D800").at(1);
  EXPECT_EQ(
      f.rootCause,
      "Service queue has no endpoints: its selector app=queue matches no running pod in namespace web.");
  EXPECT_FALSE(f.recommendations.at(0).patch.has_value());
  EXPECT_EQ(f.recommendations.at(0).summary,
            "make the selector of Service queue (app=queue) match the labels of the pods it should serve");
}

TEST(Services, PodsOfAnotherAppAreNoTypoToPatchTowards) {
  // Service db wants app=postgres; the only pods carry app=web and app=api: no database is deployed, and
  // pointing db at the web pods would be wrong.
  Evidence e = testing::loadEvidence("services");
  ServiceEvidence db;
  db.namespace_ = "web";
  db.name = "db";
  db.selector = {{"app", "postgres"}};
  db.endpointsRead = true;
  e.services.push_back(db);
  Diagnosis d = diagnose(e, testing::fixtureOptions());
  const model::Finding* f = nullptr;
  for (const model::Finding* x : withRule(d, "AIOPS-D800"))
    if (x->object.name == "db") f = x;
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(
      f->rootCause,
      "Service db has no endpoints: its selector app=postgres matches no running pod in namespace web.");
  const model::Recommendation& r = f->recommendations.at(0);
  EXPECT_FALSE(r.patch.has_value());
  EXPECT_EQ(
      r.rationale,
      "No pod in the namespace carries labels like the selector's: the workload this Service fronts may "
      "not be deployed, or its labels differ entirely.");
}

TEST(Services, SelectorMismatchBehindACrashLoopIsTheRootCause) {
  Diagnosis d = diagnoseFixture("crashloop-connection-refused");
  const model::Finding& f = *withRule(d, "AIOPS-D800").at(0);
  EXPECT_TRUE(f.primary);
  EXPECT_EQ(f.rootCause,
            "Service postgres has no endpoints: its selector app=postgres matches no running pod in "
            "namespace shop; the pods of "
            "StatefulSet postgres carry app=postgresql.");
  EXPECT_EQ(json::serialize(f.recommendations.at(0).patch->body),
            R"({"spec":{"selector":{"app":"postgresql"}}})");
}

TEST(Services, ASelectorMatchingOnlyTerminatedPodsIsExplainedByThem) {
  Evidence e = testing::loadEvidence("evictions");
  ServiceEvidence api;
  api.namespace_ = "shop";
  api.name = "api";
  api.selector = {{"app", "api"}};
  api.endpointsRead = true;
  e.services.push_back(api);
  Diagnosis d = diagnose(e, testing::fixtureOptions());
  const model::Finding& f = *withRule(d, "AIOPS-D800").at(0);
  EXPECT_EQ(f.rootCause,
            "Service api has no endpoints: its selector app=api matches no running pod in namespace shop; "
            "the 2 pods it matches "
            "have all terminated.");
  EXPECT_FALSE(f.primary);
  EXPECT_EQ(f.relatedTo->ruleId, "AIOPS-D410");
  EXPECT_FALSE(f.recommendations.at(0).patch.has_value());
}

TEST(Services, PodsThatAreNotScheduledAreNotBlamedOnReadiness) {
  Evidence e = testing::loadEvidence("scheduling");
  ServiceEvidence trainer;
  trainer.namespace_ = "shop";
  trainer.name = "trainer";
  for (const PodEvidence& p : e.pods) {
    if (p.name == "trainer-6f7a8b9c0-r2d2x") trainer.selector = {{"app", p.labels.at("app")}};
  }
  trainer.endpointsRead = true;
  trainer.endpointsExist = true;
  e.services.push_back(trainer);
  Diagnosis d = diagnose(e, testing::fixtureOptions());
  const model::Finding& f = only(d, "AIOPS-D801");
  EXPECT_EQ(f.rootCause,
            "Service trainer has 0 ready and 0 not-ready endpoints: its pod trainer-6f7a8b9c0-r2d2x is not "
            "scheduled to any node.");
  EXPECT_EQ(f.recommendations.at(0).summary,
            "fix why the pods behind Service trainer are not scheduled (see the related findings)");
  EXPECT_FALSE(f.primary);
  EXPECT_EQ(f.relatedTo->ruleId, "AIOPS-D403");
}

TEST(Services, WithoutEndpointsOrPodsListedNothingIsConcluded) {
  Evidence e = testing::loadEvidence("services");
  e.listed.clear();
  for (ServiceEvidence& s : e.services) {
    s.endpointsRead = false;
    s.endpointsExist = false;
  }
  EXPECT_TRUE(diagnose(e, testing::fixtureOptions()).healthy());
}

}  // namespace
}  // namespace aiops::diagnose

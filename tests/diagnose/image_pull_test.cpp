// Image pulls: not found (with a rollback to the previous revision's image), unauthorized (with the one
// registry secret of the namespace), unreachable, rate limited, invalid name, and pull policy Never.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "fixture.h"

namespace aiops::diagnose {
namespace {

using testing::diagnoseFixture;
using testing::only;
using testing::summary;
namespace json = boost::json;

class ImagePull : public ::testing::Test {
 protected:
  Diagnosis d = diagnoseFixture("image-pull");
};

TEST_F(ImagePull, EveryFailureHasItsOwnRule) {
  EXPECT_EQ(summary(d),
            (std::vector<std::string>{
                "AIOPS-D202 Pod shop/agent primary", "AIOPS-D205 Pod shop/local primary",
                "AIOPS-D201 Pod shop/private-84d5c6b7f9-q8w2x primary", "AIOPS-D204 Pod shop/typo primary",
                "AIOPS-D200 Pod shop/web-5f7d8c9b6-k2m4p primary", "AIOPS-D203 Pod shop/proxy primary"}));
}

TEST_F(ImagePull, NotFoundRollsBackToThePreviousRevisionsImage) {
  const model::Finding& f = only(d, "AIOPS-D200");
  EXPECT_EQ(f.headline, "Deployment shop/web: 1/1 pods ImagePullBackOff");
  EXPECT_EQ(f.rootCause,
            "Image ghcr.io/example/web:1.3.0 of container app does not exist in its registry (the registry "
            "answered "
            "\"not found\"), so the pod cannot start.");
  EXPECT_EQ(f.confidence, 90);
  ASSERT_EQ(f.recommendations.size(), 2U);
  const model::Recommendation& r = f.recommendations[0];
  EXPECT_EQ(r.action, model::ActionKind::ImageFix);
  EXPECT_EQ(
      r.summary,
      "roll Deployment web back to revision 2 (app ghcr.io/example/web:1.3.0 → ghcr.io/example/web:1.2.9)");
  EXPECT_EQ(
      json::serialize(r.patch->body),
      R"({"spec":{"template":{"spec":{"containers":[{"name":"app","image":"ghcr.io/example/web:1.2.9"}]}}}})");
  EXPECT_EQ(
      json::serialize(r.undo->body),
      R"({"spec":{"template":{"spec":{"containers":[{"name":"app","image":"ghcr.io/example/web:1.3.0"}]}}}})");
  EXPECT_EQ(r.commands.front(), "kubectl -n shop rollout undo deployment/web --to-revision=2");
  EXPECT_EQ(
      r.rationale,
      "The failing pods belong to revision 3 (ReplicaSet web-5f7d8c9b6), the newest; revision 2 (ReplicaSet "
      "web-7b8c9d6f5) is the one before it.");
  EXPECT_EQ(f.recommendations[1].summary,
            "correct the image reference ghcr.io/example/web:1.3.0 or push that tag");
  // The registry's answer is quoted from the kubelet's events, not just the back-off message.
  std::vector<std::string> reasons;
  for (const auto& e : f.evidence)
    reasons.push_back(e.kind == model::EvidenceItem::Kind::Event ? e.reason + " x" + std::to_string(e.count)
                                                                 : e.path);
  EXPECT_EQ(reasons, (std::vector<std::string>{"status.containerStatuses[app].state.waiting", "Failed x4",
                                               "BackOff x62"}));
}

TEST_F(ImagePull, UnauthorizedUsesTheNamespacesRegistrySecret) {
  const model::Finding& f = only(d, "AIOPS-D201");
  EXPECT_EQ(f.rootCause,
            "The registry refuses to serve image registry.example.com/team/private:4.0 of container app "
            "without valid "
            "credentials (the repository does not exist or requires authorization); the pod has no "
            "imagePullSecrets, while registry Secret regcred in the namespace is not referenced.");
  ASSERT_EQ(f.recommendations.size(), 2U);
  const model::Recommendation& r = f.recommendations[0];
  EXPECT_EQ(r.target.display(), "Deployment shop/private");
  EXPECT_EQ(r.summary, "add the registry secret regcred to the pod template's imagePullSecrets");
  EXPECT_EQ(json::serialize(r.patch->body),
            R"({"spec":{"template":{"spec":{"imagePullSecrets":[{"name":"regcred"}]}}}})");
  EXPECT_EQ(json::serialize(r.undo->body),
            R"({"spec":{"template":{"spec":{"imagePullSecrets":[{"$patch":"delete","name":"regcred"}]}}}})");
  EXPECT_EQ(f.recommendations[1].action, model::ActionKind::CreateObject);
}

TEST_F(ImagePull, UnreachableRegistryQuotesTheNetworkError) {
  EXPECT_EQ(
      only(d, "AIOPS-D202").rootCause,
      "Node worker-1 cannot reach the registry of image registry.internal:5000/tools/agent:2.1 (dial tcp "
      "10.20.0.15:5000: i/o timeout).");
}

TEST_F(ImagePull, RateLimitIsAWarning) {
  const model::Finding& f = only(d, "AIOPS-D203");
  EXPECT_EQ(f.severity, model::Severity::Warning);
  EXPECT_EQ(f.rootCause,
            "The registry rate-limits pulls of image nginx:1.25 (429 Too Many Requests); pulls resume when "
            "the limit "
            "resets or with authenticated pulls.");
}

TEST_F(ImagePull, InvalidImageName) {
  EXPECT_EQ(only(d, "AIOPS-D204").rootCause,
            "Container app names an image that is not a valid reference: ghcr.io/Example/Web:latest (invalid "
            "reference format: repository name must be lowercase).");
}

TEST_F(ImagePull, PullPolicyNeverIsPatchedToIfNotPresent) {
  const model::Finding& f = only(d, "AIOPS-D205");
  EXPECT_EQ(
      f.rootCause,
      "Image dev/app:snapshot of container app is not on node worker-1 and imagePullPolicy Never forbids "
      "pulling it.");
  const model::Recommendation& r = f.recommendations.at(0);
  EXPECT_EQ(r.target.display(), "Deployment shop/local");
  EXPECT_EQ(
      json::serialize(r.patch->body),
      R"({"spec":{"template":{"spec":{"containers":[{"name":"app","imagePullPolicy":"IfNotPresent"}]}}}})");
}

TEST(ImagePullClassification, BackOffWithoutThePullErrorIsUnclassifiedWithLowConfidence) {
  Evidence e = testing::loadEvidence("image-pull");
  e.events.clear();
  Diagnosis d = diagnose(e, testing::fixtureOptions());
  auto unclassified = testing::withRule(d, "AIOPS-D206");
  ASSERT_EQ(unclassified.size(), 2U);  // both pods whose waiting message is only "Back-off pulling image"
  EXPECT_EQ(unclassified[1]->object.name, "web-5f7d8c9b6-k2m4p");
  const model::Finding& f = *unclassified[0];
  EXPECT_EQ(f.object.name, "agent");
  EXPECT_EQ(f.confidence, 50);
  EXPECT_EQ(f.rootCause,
            "Image registry.internal:5000/tools/agent:2.1 of container app cannot be pulled: the pull error "
            "is not in "
            "the events that were read.");
}

}  // namespace
}  // namespace aiops::diagnose

// Recommendation: the JSON form with optional parts omitted, round trips, the kubectl patch command
// (quoting, cluster-scoped targets), enum names, and the exact error for each malformed document.
#include "model/recommendation.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace aiops::model {
namespace {

namespace json = boost::json;

Recommendation withoutPatch() {
  Recommendation r;
  r.action = ActionKind::CreateObject;
  r.target = ObjectRef{"v1", "ServiceAccount", "shop", "mailer-sa", {}};
  r.summary = "create ServiceAccount mailer-sa in namespace shop";
  r.expectedOutcome = "The controller creates its pods on its next retry.";
  r.risk = Risk::Low;
  r.rationale = "The pod template names this ServiceAccount.";
  return r;
}

TEST(Recommendation, JsonOmitsWhatIsAbsent) {
  EXPECT_EQ(
      json::serialize(toJson(withoutPatch())),
      R"({"action":"create-object","target":{"apiVersion":"v1","kind":"ServiceAccount","namespace":"shop",)"
      R"("name":"mailer-sa"},"summary":"create ServiceAccount mailer-sa in namespace shop","expectedOutcome":)"
      R"("The controller creates its pods on its next retry.","risk":"low","rationale":"The pod template names )"
      R"(this ServiceAccount."})");
}

TEST(Recommendation, RoundTripsWithPatchUndoAndCommands) {
  Recommendation r = withoutPatch();
  r.action = ActionKind::SelectorFix;
  r.target = ObjectRef{"v1", "Service", "shop", "postgres", {}};
  r.patch = Patch{PatchType::Merge, json::parse(R"({"spec":{"selector":{"app":"postgresql"}}})")};
  r.undo = Patch{PatchType::Merge, json::parse(R"({"spec":{"selector":{"app":"postgres"}}})")};
  r.commands = {kubectlPatchCommand(r.target, *r.patch)};
  r.runbook = "service-selector-mismatch";
  r.risk = Risk::Medium;
  std::string error;
  auto back = recommendationFromJson(toJson(r), &error);
  ASSERT_TRUE(back.has_value()) << error;
  EXPECT_EQ(*back, r);
}

TEST(Recommendation, KubectlPatchCommandQuotesForTheShell) {
  ObjectRef deployment{"apps/v1", "Deployment", "shop", "api", {}};
  EXPECT_EQ(
      kubectlPatchCommand(deployment, Patch{PatchType::Strategic,
                                            json::parse(R"({"metadata":{"annotations":{"note":"it's"}}})")}),
      R"(kubectl -n shop patch deployment api --type strategic -p '{"metadata":{"annotations":{"note":"it'\''s"}}}')");
  ObjectRef node{"v1", "Node", "", "worker-1", {}};
  EXPECT_EQ(
      kubectlPatchCommand(node, Patch{PatchType::Merge, json::parse(R"({"spec":{"unschedulable":false}})")}),
      R"(kubectl patch node worker-1 --type merge -p '{"spec":{"unschedulable":false}}')");
  EXPECT_EQ(kubectlPatchCommand(
                node, Patch{PatchType::Json, json::parse(R"([{"op":"remove","path":"/spec/taints"}])")}),
            R"(kubectl patch node worker-1 --type json -p '[{"op":"remove","path":"/spec/taints"}]')");
}

TEST(Recommendation, EnumNamesRoundTrip) {
  for (int i = 0; i <= static_cast<int>(ActionKind::Investigate); ++i) {
    auto a = static_cast<ActionKind>(i);
    EXPECT_EQ(parseActionKind(toString(a)), a) << toString(a);
  }
  EXPECT_EQ(toString(ActionKind::NodeDrain), "node-drain");
  EXPECT_EQ(toString(ActionKind::ResourceIncrease), "resource-increase");
  for (Risk r : {Risk::Low, Risk::Medium, Risk::High, Risk::Critical})
    EXPECT_EQ(parseRisk(toString(r)), r);
  for (PatchType t : {PatchType::Merge, PatchType::Json, PatchType::Strategic})
    EXPECT_EQ(parsePatchType(toString(t)), t);
  EXPECT_FALSE(parseActionKind("reboot").has_value());
  EXPECT_FALSE(parseRisk("severe").has_value());
  EXPECT_FALSE(parsePatchType("apply").has_value());
}

TEST(Recommendation, DisplayNamesTheObject) {
  EXPECT_EQ((ObjectRef{"apps/v1", "Deployment", "shop", "api", {}}).display(), "Deployment shop/api");
  EXPECT_EQ((ObjectRef{"v1", "Node", "", "worker-1", {}}).display(), "Node worker-1");
}

TEST(Recommendation, MalformedDocumentsNameTheFieldAtFault) {
  const std::pair<const char*, const char*> cases[] = {
      {R"("x")", "recommendation: expected an object"},
      {R"({"risk":"low","target":{"kind":"Pod","name":"p"},"summary":"s"})",
       "recommendation.action: missing"},
      {R"({"action":"restart","risk":"severe","target":{"kind":"Pod","name":"p"},"summary":"s"})",
       "recommendation.risk: unknown value \"severe\" (low, medium, high, critical)"},
      {R"({"action":"restart","risk":"low","summary":"s"})", "recommendation.target: missing"},
      {R"({"action":"restart","risk":"low","target":{"kind":"Pod"},"summary":"s"})",
       "recommendation.target.name: missing"},
      {R"({"action":"restart","risk":"low","target":{"kind":"Pod","name":"p"},"summary":"s","patch":{"type":"apply","body":{}}})",
       "recommendation.patch.type: unknown value \"apply\" (merge, json, strategic)"},
      {R"({"action":"restart","risk":"low","target":{"kind":"Pod","name":"p"},"summary":"s","undo":{"type":"merge"}})",
       "recommendation.undo.body: missing"},
      {R"({"action":"restart","risk":"low","target":{"kind":"Pod","name":"p"},"summary":"s","commands":["ok",2]})",
       "recommendation.commands[1]: expected a string"},
      {R"({"action":"restart","risk":"low","target":{"kind":"Pod","name":"p","owners":[{"kind":"ReplicaSet"}]},"summary":"s"})",
       "recommendation.target.owners[0].name: missing"},
  };
  for (const auto& [text, message] : cases) {
    SCOPED_TRACE(text);
    std::string error;
    EXPECT_FALSE(recommendationFromJson(json::parse(text), &error).has_value());
    EXPECT_EQ(error, message);
  }
}

}  // namespace
}  // namespace aiops::model

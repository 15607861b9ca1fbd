// Finding and EvidenceItem: the documented JSON form (golden file), round trips, defaults, one-line
// descriptions, and the exact error for each malformed document.
#include "model/finding.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "support/output.h"

namespace aiops::model {
namespace {

namespace json = boost::json;

WallTime at(const char* text) {
  return *parseTimestamp(text);
}

// The example of docs/findings-json.md.
Finding sample() {
  Finding f;
  f.ruleId = "AIOPS-D110";
  f.title = "Container OOMKilled";
  f.severity = Severity::Error;
  f.object = ObjectRef{"v1",
                       "Pod",
                       "shop",
                       "api-6c9f7d8b4-x2v9k",
                       {ObjectRef{"apps/v1", "ReplicaSet", "shop", "api-6c9f7d8b4", {}},
                        ObjectRef{"apps/v1", "Deployment", "shop", "api", {}}}};
  f.container = "api";
  f.affected = {"api-6c9f7d8b4-x2v9k"};
  f.headline = "Deployment shop/api: 1/1 pods Running";
  f.rootCause =
      "Container api was OOMKilled 10m ago and has restarted 4 times: it reached its memory limit of 256Mi "
      "(working set peaked at 301Mi).";
  f.confidence = 95;
  f.evidence = {
      EvidenceItem::field("Pod shop/api-6c9f7d8b4-x2v9k",
                          "status.containerStatuses[api].lastState.terminated",
                          "reason=OOMKilled exitCode=137 finishedAt=2024-05-01T11:50:00Z"),
      EvidenceItem::event("Pod shop/api-6c9f7d8b4-x2v9k", "Warning", "BackOff",
                          "Back-off restarting failed container api in pod api-6c9f7d8b4-x2v9k_shop(4b00)",
                          12, at("2024-05-01T10:12:00Z"), at("2024-05-01T11:51:00Z")),
      EvidenceItem::log("Pod shop/api-6c9f7d8b4-x2v9k", "api", true, 4812,
                        "java.lang.OutOfMemoryError: Java heap space", "runtime-out-of-memory")};
  f.relatedTo = FindingRef{"AIOPS-D851", ObjectRef{"", "Node", "", "worker-1", {}}};
  f.primary = false;
  Recommendation r;
  r.action = ActionKind::ResourceIncrease;
  r.target = ObjectRef{"apps/v1", "Deployment", "shop", "api", {}};
  r.summary = "raise the memory limit of container api from 256Mi to 384Mi";
  r.patch = Patch{
      PatchType::Strategic,
      json::parse(
          R"({"spec":{"template":{"spec":{"containers":[{"name":"api","resources":{"limits":{"memory":"384Mi"}}}]}}}})")};
  r.undo = Patch{
      PatchType::Strategic,
      json::parse(
          R"({"spec":{"template":{"spec":{"containers":[{"name":"api","resources":{"limits":{"memory":"256Mi"}}}]}}}})")};
  r.commands = {kubectlPatchCommand(r.target, *r.patch)};
  r.expectedOutcome = "No more OOMKilled restarts at the load seen so far.";
  r.risk = Risk::Low;
  r.rationale = "The new limit is max(limit + 100Mi, limit × 1.2, peak × 1.2), rounded up to 64Mi.";
  r.runbook = "oom-killed";
  f.recommendations = {r};
  f.runbook = "oom-killed";
  return f;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Finding, JsonMatchesTheDocumentedExample) {
  std::string actual = toPrettyJson(toJson(sample()));
  std::string expected = readFile(std::string(MODEL_TEST_DATA) + "/finding.json");
  if (actual != expected) std::ofstream("finding.json.actual") << actual;
  EXPECT_EQ(actual, expected)
      << "the schema changed: compare finding.json.actual (test working directory) with "
         "tests/model/testdata/finding.json and docs/findings-json.md";
}

TEST(Finding, RoundTripsThroughJson) {
  std::string error;
  auto back = findingFromJson(toJson(sample()), &error);
  ASSERT_TRUE(back.has_value()) << error;
  EXPECT_EQ(*back, sample());
}

TEST(Finding, OptionalFieldsHaveDefaults) {
  std::string error;
  auto f = findingFromJson(json::parse(R"({"ruleId":"AIOPS-D100","severity":"warning",
      "object":{"kind":"Node","name":"n1"},"rootCause":"x."})"),
                           &error);
  ASSERT_TRUE(f.has_value()) << error;
  EXPECT_TRUE(f->primary);
  EXPECT_EQ(f->confidence, 0);
  EXPECT_TRUE(f->evidence.empty());
  EXPECT_EQ(f->object.display(), "Node n1");
  // Absent values are omitted, never null.
  EXPECT_EQ(
      json::serialize(toJson(*f)),
      R"({"ruleId":"AIOPS-D100","title":"","severity":"warning","object":{"kind":"Node","name":"n1"},)"
      R"("headline":"","rootCause":"x.","confidence":0,"primary":true,"evidence":[],"recommendations":[]})");
}

struct BadCase {
  const char* json;
  const char* error;
};

TEST(Finding, MalformedDocumentsNameTheFieldAtFault) {
  const BadCase cases[] = {
      {R"([])", "finding: expected an object"},
      {R"({"severity":"error","object":{"kind":"Pod","name":"p"},"rootCause":"x"})",
       "finding.ruleId: missing"},
      {R"({"ruleId":"A","severity":"severe","object":{"kind":"Pod","name":"p"},"rootCause":"x"})",
       "finding.severity: unknown value \"severe\" (info, warning, error, critical)"},
      {R"({"ruleId":"A","severity":"error","rootCause":"x"})", "finding.object: missing"},
      {R"({"ruleId":"A","severity":"error","object":{"kind":"Pod"},"rootCause":"x"})",
       "finding: object.name: missing"},
      {R"({"ruleId":"A","severity":"error","object":{"kind":"Pod","name":"p"},"rootCause":"x","confidence":150})",
       "finding.confidence: must be between 0 and 100, not 150"},
      {R"({"ruleId":"A","severity":"error","object":{"kind":"Pod","name":"p"},"rootCause":"x","evidence":[{"type":"trace","text":"t"}]})",
       "finding.evidence[0].type: unknown value \"trace\" (event, log, field)"},
      {R"({"ruleId":"A","severity":"error","object":{"kind":"Pod","name":"p"},"rootCause":"x","evidence":[{"type":"event","text":"t","reason":"R","lastSeen":"yesterday"}]})",
       "finding.evidence[0].lastSeen: expected an RFC 3339 timestamp"},
      {R"({"ruleId":"A","severity":"error","object":{"kind":"Pod","name":"p"},"rootCause":"x","affected":[1]})",
       "finding.affected[0]: expected a string"},
      {R"({"ruleId":"A","severity":"error","object":{"kind":"Pod","name":"p"},"rootCause":"x","recommendations":[{"action":"fix","risk":"low"}]})",
       "finding.recommendations[0]: recommendation.action: unknown value \"fix\""},
      {R"({"ruleId":"A","severity":"error","object":{"kind":"Pod","name":"p"},"rootCause":"x","primary":"yes"})",
       "finding.primary: expected true or false"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.json);
    std::string error;
    EXPECT_FALSE(findingFromJson(json::parse(c.json), &error).has_value());
    EXPECT_EQ(error, c.error);
  }
}

TEST(Finding, DescribeGivesOneLinePerEvidenceKind) {
  Finding f = sample();
  EXPECT_EQ(describe(f.evidence[0]),
            "field Pod shop/api-6c9f7d8b4-x2v9k status.containerStatuses[api].lastState.terminated = "
            "reason=OOMKilled "
            "exitCode=137 finishedAt=2024-05-01T11:50:00Z");
  EXPECT_EQ(describe(f.evidence[1]),
            "event Pod shop/api-6c9f7d8b4-x2v9k BackOff ×12 (2024-05-01T10:12:00Z … 2024-05-01T11:51:00Z): "
            "\"Back-off "
            "restarting failed container api in pod api-6c9f7d8b4-x2v9k_shop(4b00)\"");
  EXPECT_EQ(
      describe(f.evidence[2]),
      "log Pod shop/api-6c9f7d8b4-x2v9k container api (previous) line 4812: java.lang.OutOfMemoryError: Java "
      "heap space");
  EXPECT_EQ(
      describe(EvidenceItem::event("Node n1", "Normal", "NodeNotReady", "Node n1 status is now: NodeNotReady",
                                   1, at("2024-05-01T11:50:00Z"), at("2024-05-01T11:50:00Z"))),
      "event Node n1 NodeNotReady (2024-05-01T11:50:00Z): \"Node n1 status is now: NodeNotReady\"");
}

TEST(Severity, NamesAndOrder) {
  for (Severity s : {Severity::Info, Severity::Warning, Severity::Error, Severity::Critical})
    EXPECT_EQ(parseSeverity(toString(s)), s);
  EXPECT_EQ(toString(Severity::Critical), "critical");
  EXPECT_FALSE(parseSeverity("Error").has_value());  // lowercase only
  EXPECT_GT(Severity::Critical, Severity::Error);
  EXPECT_GT(Severity::Warning, Severity::Info);
}

}  // namespace
}  // namespace aiops::model

// diagnose(): a healthy namespace of look-alikes stays silent; a namespace with several simultaneous
// failures gets one primary per problem; the JSON document; suppressed rules and severity overrides; and
// output that does not depend on input order.
#include "diagnose/diagnose.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "diagnose/evidence_builder.h"
#include "fixture.h"
#include "support/output.h"

namespace aiops::diagnose {
namespace {

using testing::diagnoseFixture;
using testing::summary;
namespace json = boost::json;

TEST(Diagnose, HealthyNamespaceOfLookAlikesHasNoFinding) {
  Diagnosis d = diagnoseFixture("healthy");
  EXPECT_TRUE(d.healthy()) << ::testing::PrintToString(summary(d));
  EXPECT_EQ(d.podsExamined, 7);
  json::value doc = toJson(d);
  EXPECT_EQ(
      json::serialize(doc.at("summary")),
      R"({"healthy":true,"podsExamined":7,"findings":0,"problems":0,"critical":0,"error":0,"warning":0,"info":0})");
}

TEST(Diagnose, SeveralSimultaneousFailuresInOneNamespace) {
  EvidenceBuilder b;
  for (const char* name : {"crashloop-connection-refused", "oom", "image-pull", "config-errors"}) {
    for (const json::value& doc : testing::loadDocuments(name)) {
      std::string kind = kube::stringAt(&doc, {"kind"});
      if (kind == "ContainerLog") {
        b.setLogs(kube::stringAt(&doc, {"namespace"}), kube::stringAt(&doc, {"pod"}),
                  kube::stringAt(&doc, {"container"}), kube::boolAt(&doc, {"previous"}),
                  LogTail{true, kube::stringAt(&doc, {"text"}), false, "", ""});
      } else if (kind != "MemoryPeak") {
        b.add(doc);
      }
    }
  }
  Diagnosis d = diagnose(b.build(), testing::fixtureOptions());
  std::vector<std::string> primaries;
  for (const model::Finding& f : d.findings) {
    if (f.primary) primaries.push_back(f.ruleId + " " + f.headline);
  }
  EXPECT_EQ(primaries,
            (std::vector<std::string>{
                "AIOPS-D202 Pod shop/agent: ImagePullBackOff",
                "AIOPS-D110 Deployment shop/api: 1/1 pods Running", "AIOPS-D111 Pod shop/batch: OOMKilled",
                "AIOPS-D110 StatefulSet shop/cache: 1/1 pods CrashLoopBackOff",
                "AIOPS-D300 Deployment shop/frontend: 1/1 pods CreateContainerConfigError",
                "AIOPS-D205 Deployment shop/local: 1/1 pods ErrImageNeverPull",
                "AIOPS-D301 Pod shop/migrate: CreateContainerConfigError",
                "AIOPS-D305 Pod shop/mounter: RunContainerError",
                "AIOPS-D304 Deployment shop/nginx: 1/1 pods CreateContainerConfigError",
                "AIOPS-D800 Service shop/postgres: Service selector matches no pods",
                "AIOPS-D201 Deployment shop/private: 1/1 pods ErrImagePull",
                "AIOPS-D303 Pod shop/reporter: CreateContainerConfigError",
                "AIOPS-D204 Pod shop/typo: InvalidImageName",
                "AIOPS-D200 Deployment shop/web: 1/1 pods ImagePullBackOff",
                "AIOPS-D302 Pod shop/worker: CreateContainerConfigError",
                "AIOPS-D203 Pod shop/proxy: ErrImagePull"}));
  EXPECT_EQ(d.findings.size(), primaries.size() + 1);  // the backend crash loop is secondary to the Service
}

TEST(Diagnose, JsonDocumentMatchesTheGoldenFile) {
  Diagnosis d = diagnoseFixture("oom");
  std::string actual = toPrettyJson(toJson(d));
  std::ifstream in(std::string(DIAGNOSE_FIXTURES) + "/oom.expected.json");
  ASSERT_TRUE(in);
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str());
  // The document reads back: every finding parses with the model's own reader.
  json::value doc = toJson(d);
  for (const json::value& f : doc.at("findings").as_array()) {
    std::string error;
    EXPECT_TRUE(model::findingFromJson(f, &error).has_value()) << error;
  }
}

TEST(Diagnose, SuppressedRulesAndSeverityOverrides) {
  Options options = testing::fixtureOptions();
  options.disabledRules.insert("AIOPS-D800");
  options.severityOverrides.emplace("AIOPS-D900", model::Severity::Critical);
  Diagnosis d = diagnoseFixture("crashloop-connection-refused", options);
  ASSERT_EQ(d.findings.size(), 1U);
  EXPECT_EQ(d.findings[0].ruleId, "AIOPS-D900");
  EXPECT_EQ(d.findings[0].severity, model::Severity::Critical);
  EXPECT_TRUE(d.findings[0].primary);  // nothing left to be secondary to
  EXPECT_FALSE(d.findings[0].relatedTo.has_value());
}

TEST(Diagnose, UnreadablePartsAreReportedNotFatal) {
  Evidence e = testing::loadEvidence("crashloop-connection-refused");
  e.unreadable.push_back(Unreadable{"logs of container app in pod shop/backend-7d9f8c6b5-8hj4n (previous)",
                                    "request timed out after 5s"});
  for (PodEvidence& p : e.pods) {
    for (ContainerEvidence& c : p.containers) {
      if (p.name == "backend-7d9f8c6b5-8hj4n") c.previousLog = LogTail{};
    }
  }
  Diagnosis d = diagnose(e, testing::fixtureOptions());
  json::value doc = toJson(d);
  EXPECT_EQ(
      json::serialize(doc.at("unreadable")),
      R"json([{"what":"logs of container app in pod shop/backend-7d9f8c6b5-8hj4n (previous)","error":"request timed out after 5s"}])json");
  // Without its log, that pod's crash is a plain application error, reported separately.
  EXPECT_EQ(summary(d), (std::vector<std::string>{"AIOPS-D900 Pod shop/backend-7d9f8c6b5-2xkqp secondary",
                                                  "AIOPS-D100 Pod shop/backend-7d9f8c6b5-8hj4n secondary",
                                                  "AIOPS-D800 Service shop/postgres primary"}));
}

TEST(Diagnose, EnvelopeNamesItsSchema) {
  json::value doc = toJson(diagnoseFixture("crashloop-connection-refused"));
  EXPECT_EQ(doc.at("apiVersion").as_string(), "aiops.dev/v1alpha1");
  EXPECT_EQ(doc.at("kind").as_string(), "Diagnosis");
  EXPECT_EQ(doc.at("generatedAt").as_string(), "2024-05-01T12:00:00Z");
  EXPECT_EQ(
      json::serialize(doc.at("summary")),
      R"({"healthy":false,"podsExamined":4,"findings":2,"problems":1,"critical":0,"error":2,"warning":0,"info":0})");
}

}  // namespace
}  // namespace aiops::diagnose

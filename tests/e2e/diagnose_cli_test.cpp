// `kubectl aiops diagnose` end to end: the real kubectl runs the built plugin against kubesim on
// scenarios/diagnose-cli.yaml. Exit codes, target forms, a missing target, and API errors injected
// mid-collection through kubesim's fault endpoint (a partial diagnosis that names what it could not read,
// never a crash). Every failure category has its own scenario test in diagnose_scenarios_test.cpp. And on
// scenarios/diagnose/biglog.yaml, a gigabyte of log: bounded reads that still cite the last lines.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "e2e_util.h"
#include "kubesim_harness.h"

namespace aiops::test {
namespace {

namespace json = boost::json;

std::vector<std::string> ruleIds(const json::value& diagnosis) {
  std::vector<std::string> ids;
  for (const json::value& f : diagnosis.at("findings").as_array())
    ids.emplace_back(f.at("ruleId").as_string());
  return ids;
}

std::vector<std::string> unreadable(const json::value& diagnosis) {
  std::vector<std::string> lines;
  for (const json::value& u : diagnosis.at("unreadable").as_array())
    lines.push_back(std::string(u.at("what").as_string()) + ": " + std::string(u.at("error").as_string()));
  std::sort(lines.begin(), lines.end());
  return lines;
}

// The text report tests/plugin/diagnose_test.cpp pins for the same cluster (recorded from this scenario).
std::string pluginGolden(const std::string& name) {
  const auto path = std::filesystem::path(__FILE__).parent_path() / ".." / "plugin" / "testdata" / name;
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class DiagnoseCliE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new KubesimHarness(e2eScenario("diagnose-cli.yaml")); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void TearDown() override {
    const CommandResult cleared = server_->kubectl({"delete", "--raw", "/kubesim/v1/faults"});
    EXPECT_EQ(cleared.exit, 0) << cleared.err;
  }

  static CommandResult aiops(const std::vector<std::string>& args) {
    // The reports pinned here are the diagnosis alone; recording it is GovernanceE2eTest's subject.
    std::vector<std::string> argv{"kubectl", "aiops", "diagnose", "--no-record"};
    argv.insert(argv.end(), args.begin(), args.end());
    return server_->run(argv);
  }

  static json::value diagnosisJson(const std::vector<std::string>& args, int expectedExit) {
    std::vector<std::string> withJson = args;
    withJson.insert(withJson.end(), {"-o", "json"});
    const CommandResult r = aiops(withJson);
    EXPECT_EQ(r.exit, expectedExit) << r.err;
    EXPECT_EQ(r.err, "");
    return parseJsonOrFail(r.out);
  }

  static void addFault(const std::string& fault) {
    const CommandResult r = server_->kubectl({"create", "--raw", "/kubesim/v1/faults", "-f", "-"}, fault);
    ASSERT_EQ(r.exit, 0) << r.err;
  }

  static KubesimHarness* server_;
};
KubesimHarness* DiagnoseCliE2eTest::server_ = nullptr;

TEST_F(DiagnoseCliE2eTest, AHealthyNamespaceIsOneLineAndExitZero) {
  const CommandResult r = aiops({"-n", "calm"});
  EXPECT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "No problems found in namespace calm (1 pod examined).\n");
  EXPECT_EQ(r.err, "");
  const json::value doc = diagnosisJson({"-n", "calm"}, 0);
  EXPECT_EQ(doc.at("summary").at("healthy").as_bool(), true);
  EXPECT_EQ(doc.at("findings").as_array().size(), 0U);
}

TEST_F(DiagnoseCliE2eTest, AFailingNamespaceNamesTheCauseAndExitsOne) {
  const json::value doc = diagnosisJson({"-n", "shop"}, 1);
  EXPECT_EQ(ruleIds(doc), (std::vector<std::string>{"AIOPS-D900", "AIOPS-D800"}));
  EXPECT_EQ(doc.at("summary").at("podsExamined").as_int64(), 3);
  EXPECT_EQ(doc.at("summary").at("problems").as_int64(), 1);
  EXPECT_EQ(doc.at("unreadable").as_array().size(), 0U);
  // The crash loop follows from the Service with no endpoints, and cites the log line that shows it.
  const json::value& crash = doc.at("findings").at(0);
  EXPECT_EQ(crash.at("primary").as_bool(), false);
  EXPECT_EQ(crash.at("relatedTo").at("ruleId").as_string(), "AIOPS-D800");
  EXPECT_EQ(crash.at("affected"), json::parse(R"(["api-5d4c8b7f9-k7pzt","api-5d4c8b7f9-w9d2m"])"));
  bool citedLog = false;
  for (const json::value& e : crash.at("evidence").as_array()) {
    if (e.at("type") == "log" && e.at("line").as_int64() == 3 &&
        e.at("text") ==
            "2026-11-20T09:58:12.141Z ERROR dial tcp 10.96.20.20:5432: connect: connection refused")
      citedLog = true;
  }
  EXPECT_TRUE(citedLog) << json::serialize(crash.at("evidence"));
  EXPECT_EQ(doc.at("findings").at(1).at("primary").as_bool(), true);
}

TEST_F(DiagnoseCliE2eTest, TheTextReportIsTheOnePinnedForThisCluster) {
  const CommandResult r = aiops({"-n", "shop"});
  EXPECT_EQ(r.exit, 1) << r.err;
  EXPECT_EQ(r.out, pluginGolden("diagnose-shop.txt"));
  const CommandResult markdown = aiops({"-n", "shop", "-o", "markdown"});
  EXPECT_EQ(markdown.out, pluginGolden("diagnose-shop.md"));
}

TEST_F(DiagnoseCliE2eTest, EveryTargetForm) {
  for (const std::string target :
       {"api-5d4c8b7f9-k7pzt", "pod/api-5d4c8b7f9-k7pzt", "deploy/api", "deployment/api"}) {
    const json::value doc = diagnosisJson({"-n", "shop", target}, 1);
    EXPECT_EQ(ruleIds(doc), (std::vector<std::string>{"AIOPS-D900", "AIOPS-D800"})) << target;
  }
  const json::value bySelector = diagnosisJson({"-n", "shop", "-l", "app=api"}, 1);
  EXPECT_EQ(bySelector.at("summary").at("podsExamined").as_int64(), 2);
  EXPECT_EQ(ruleIds(bySelector), (std::vector<std::string>{"AIOPS-D900", "AIOPS-D800"}));

  const CommandResult healthy = aiops({"-n", "shop", "deploy/web"});
  EXPECT_EQ(healthy.exit, 0) << healthy.err;
  EXPECT_EQ(healthy.out, "No problems found in Deployment shop/web (1 pod examined).\n");

  const json::value everything = diagnosisJson({"-A"}, 1);
  EXPECT_EQ(everything.at("summary").at("podsExamined").as_int64(), 4);
}

TEST_F(DiagnoseCliE2eTest, AMissingTargetExitsThreeNamingIt) {
  CommandResult r = aiops({"-n", "shop", "deploy/nope"});
  EXPECT_EQ(r.exit, 3);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(
      r.err,
      "error: deployments.apps \"nope\" not found in namespace shop; list them with 'kubectl get deployments "
      "-n shop'\n");
  r = aiops({"-n", "shop", "ghost"});
  EXPECT_EQ(r.exit, 3);
  EXPECT_EQ(r.err,
            "error: pods \"ghost\" not found in namespace shop; list them with 'kubectl get pods -n shop'\n");
}

TEST_F(DiagnoseCliE2eTest, UsageErrorsExitTwo) {
  CommandResult r = aiops({"-n", "shop", "svc/web"});
  EXPECT_EQ(r.exit, 2);
  EXPECT_EQ(
      r.err,
      "error: invalid target 'svc/web': cannot diagnose a 'svc'; use POD, pod/NAME, deploy/NAME, sts/NAME, "
      "ds/NAME or job/NAME; see 'kubectl aiops diagnose --help'\n");
  r = aiops({"-n", "shop", "deploy/api", "-l", "app=api"});
  EXPECT_EQ(r.exit, 2);
  r = aiops({"--since", "2d"});
  EXPECT_EQ(r.exit, 2);
  r = aiops({"-o", "html"});
  EXPECT_EQ(r.exit, 2);
}

TEST_F(DiagnoseCliE2eTest, ApiErrorsMidCollectionGiveAPartialDiagnosis) {
  addFault(R"({"name":"events down","path":"/api/v1/namespaces/shop/events","verbs":["list"],)"
           R"("error":{"code":500,"message":"etcd is gone"}})");
  addFault(R"({"name":"kubelet down","path":"/api/v1/namespaces/shop/pods/api-5d4c8b7f9-w9d2m/log",)"
           R"("error":{"code":503,"message":"the kubelet is unreachable"}})");
  addFault(
      R"({"name":"no nodes","path":"/api/v1/nodes","verbs":["list"],"error":{"code":403,"message":"no"}})");
  const json::value doc = diagnosisJson({"-n", "shop"}, 1);
  EXPECT_EQ(
      unreadable(doc),
      (std::vector<std::string>{
          "events in namespace shop: Internal error occurred: etcd is gone (500 InternalError)",
          "logs of container api in pod shop/api-5d4c8b7f9-w9d2m (previous): the kubelet is unreachable (503 "
          "ServiceUnavailable)",
          "nodes: nodes is forbidden: no (403 Forbidden)"}));
  // What could be read still gives its answer.
  const std::vector<std::string> ids = ruleIds(doc);
  EXPECT_NE(std::find(ids.begin(), ids.end(), "AIOPS-D800"), ids.end());
  EXPECT_NE(std::find(ids.begin(), ids.end(), "AIOPS-D900"), ids.end());

  const CommandResult text = aiops({"-n", "shop"});
  EXPECT_EQ(text.exit, 1);
  EXPECT_NE(
      text.out.find("\nCould not read (the diagnosis is partial; nothing was concluded from what is "
                    "missing):\n  - events in namespace shop: Internal error occurred: etcd is gone (500 "
                    "InternalError)\n"),
      std::string::npos)
      << text.out;
}

TEST_F(DiagnoseCliE2eTest, AnUnreadableTargetIsAClusterError) {
  addFault(
      R"({"path":"/api/v1/namespaces/shop/pods","verbs":["list"],"error":{"code":500,"message":"etcd is gone"}})");
  const CommandResult r = aiops({"-n", "shop"});
  EXPECT_EQ(r.exit, 3);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(
      r.err.starts_with("error: listing pods in namespace shop: Internal error occurred: etcd is gone (500 "
                        "InternalError)"))
      << r.err;
}

// --- a gigabyte of log ------------------------------------------------------------------------------------

// scenarios/diagnose/biglog.yaml: a crash-looping pod whose previous log is 14,000,000 generated lines
// (1.08 GB) followed by a refused connection, a line of bytes that are not UTF-8, and a FATAL line.
class DiagnoseBigLogE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new KubesimHarness(e2eScenario("diagnose/biglog.yaml")); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  // The log evidence of the only finding, and its field evidence about the log, described in one line each.
  static std::vector<std::string> logEvidence(const json::value& doc) {
    std::vector<std::string> lines;
    for (const json::value& e : doc.at("findings").at(0).at("evidence").as_array()) {
      if (e.at("type") == "log") {
        lines.push_back(
            fmt::format("line {}: {}", e.at("line").as_int64(), std::string(e.at("text").as_string())));
      } else if (e.at("type") == "field" && e.at("path").as_string().starts_with("log ")) {
        lines.push_back(fmt::format("{} = {}", std::string(e.at("path").as_string()),
                                    std::string(e.at("text").as_string())));
      }
    }
    return lines;
  }

  static KubesimHarness* server_;
};
KubesimHarness* DiagnoseBigLogE2eTest::server_ = nullptr;

const std::string kRefused =
    "2026-11-20T09:58:11.900Z ERROR ingest: flush to 10.96.30.30:9000 failed: dial tcp 10.96.30.30:9000: "
    "connect: connection refused";
const std::string kBinaryLine("\x00\xff\xfe\x9c raw frame \xc3\x28\n", 18);
const std::string kFatal = "2026-11-20T09:58:12.010Z FATAL ingest: giving up after 5 attempts";

TEST_F(DiagnoseBigLogE2eTest, KubesimServesTheTailAndTheByteLimitOfAGigabyteLog) {
  const auto start = std::chrono::steady_clock::now();
  CommandResult r = server_->kubectl({"-n", "biglog", "logs", "ingest", "--previous", "--tail=3"});
  EXPECT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, kRefused + "\n" + kBinaryLine + kFatal + "\n");
  // tailLines first, then limitBytes: the beginning of the last 100,000 lines.
  r = server_->kubectl({"-n", "biglog", "logs", "ingest", "--previous", "--tail=100000", "--limit-bytes=63"});
  EXPECT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "2026-11-20T09:58:10.120Z INFO  ingest: stored batch 13900004 of");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST_F(DiagnoseBigLogE2eTest, TheDiagnosisReadsABoundedTailAndCitesTheLastLines) {
  const auto start = std::chrono::steady_clock::now();
  const CommandResult r =
      server_->run({"kubectl", "aiops", "diagnose", "-n", "biglog", "ingest", "-o", "json"});
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  ASSERT_EQ(r.exit, 1) << r.err;
  const json::value doc = parseJsonOrFail(r.out);
  EXPECT_EQ(ruleIds(doc), (std::vector<std::string>{"AIOPS-D900"}));
  EXPECT_EQ(doc.at("unreadable").as_array().size(), 0U);
  // 200 lines: 197 generated, then the three written ones; the binary line is no obstacle.
  EXPECT_EQ(logEvidence(doc), (std::vector<std::string>{"line 198: " + kRefused}));
  EXPECT_NE(doc.at("findings").at(0).at("rootCause").as_string().find("10.96.30.30:9000"), std::string::npos);
}

TEST_F(DiagnoseBigLogE2eTest, ATailLongerThanTheByteLimitIsReadAgainAndSaidToBeTruncated) {
  // 100,000 lines are 8 MB; the first read brings the first 256 KiB of them, the second the last 2,842
  // lines that fit.
  const CommandResult r = server_->run(
      {"kubectl", "aiops", "diagnose", "-n", "biglog", "ingest", "--logs-tail", "100000", "-o", "json"});
  ASSERT_EQ(r.exit, 1) << r.err;
  const json::value doc = parseJsonOrFail(r.out);
  EXPECT_EQ(ruleIds(doc), (std::vector<std::string>{"AIOPS-D900"}));
  EXPECT_EQ(logEvidence(doc),
            (std::vector<std::string>{
                "log of container ingest (previous) = truncated at the byte limit; 2842 lines read",
                "line 2840: " + kRefused}));
}

}  // namespace
}  // namespace aiops::test

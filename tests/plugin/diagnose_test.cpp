// `kubectl aiops diagnose` through runCli over FakeTransport: target forms, flags, usage errors and exit
// codes, the requests flags cause, and the text, Markdown, JSON and YAML reports against golden files.
//
// The cluster is testdata/diagnose-shop-cluster.json: the answers kubesim gave for
// tests/e2e/scenarios/diagnose-cli.yaml (namespace shop: a healthy web Deployment, an api Deployment whose
// two pods crash-loop on "connection refused" to Service db, which selects no pods), keyed by request path.
#include "commands/diagnose.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli.h"
#include "fake_transport.h"
#include "governance/journal.h"
#include "shared_buffer.h"
#include "support/output.h"
#include "support/progress.h"

namespace aiops::plugin {
namespace {

namespace json = boost::json;
using kube::testing::FakeTransport;

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Compares `actual` with testdata/NAME; AIOPS_UPDATE_GOLDEN=1 rewrites the file instead (review the diff).
void expectGolden(const std::string& name, const std::string& actual) {
  const std::string path = std::string(PLUGIN_TEST_DATA) + "/" + name;
  if (const char* update = std::getenv("AIOPS_UPDATE_GOLDEN");
      update != nullptr && std::string(update) == "1") {
    std::ofstream(path) << actual;
    return;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << "missing golden file " << path;
  EXPECT_EQ(actual, readFile(path)) << "golden file " << name;
}

void serveCluster(FakeTransport& fake) {
  const json::value cluster =
      json::parse(readFile(std::string(PLUGIN_TEST_DATA) + "/diagnose-shop-cluster.json"));
  for (const auto& [path, answer] : cluster.as_object()) {
    const json::object& a = answer.as_object();
    if (const auto* body = a.if_contains("json")) {
      fake.respondJson("GET", std::string(path), json::serialize(*body));
    } else {
      fake.respond("GET", std::string(path), {std::string(a.at("text").as_string()), std::nullopt, false});
    }
  }
}

std::vector<std::string> ruleIds(const std::string& document) {
  std::vector<std::string> ids;
  const json::value parsed = json::parse(document);
  for (const json::value& f : parsed.at("findings").as_array())
    ids.emplace_back(f.at("ruleId").as_string());
  return ids;
}

class DiagnoseCliTest : public ::testing::Test {
 protected:
  DiagnoseCliTest() {
    // Every run records a PHR unless --no-record: into a journal of the test's own, never the real HOME.
    std::string pattern = (std::filesystem::temp_directory_path() / "aiops-diagnose-cli-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir = pattern;
    repo = dir / "phr";
    ::setenv("AIOPS_PHR_REPO", repo.c_str(), 1);
    fake.respondJson("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                     R"({"status":{"userInfo":{"username":"alice","groups":["shop-devs"]}}})");
    env.programName = "kubectl aiops";
    // The local clock is days after the scenario; the analysis follows the cluster's (see
    // collect::analysisTime).
    env.now = [] { return *parseTimestamp("2026-11-26T16:00:00Z"); };
    env.makeTransport = [this](const kube::ConnectionFlags&,
                               Streams&) -> std::unique_ptr<kube::KubeTransport> {
      ++transportsMade;
      return kube::testing::borrow(fake);
    };
    serveCluster(fake);
  }

  ~DiagnoseCliTest() override {
    ::unsetenv("AIOPS_PHR_REPO");
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }

  int run(const std::vector<std::string>& args) {
    out.str("");
    err.str("");
    Streams streams{out, err, false};
    return runCli(args, streams, env);
  }

  std::vector<std::string> requested(std::string_view part) const {
    std::vector<std::string> paths;
    for (const std::string& p : fake.paths("GET")) {
      if (p.find(part) != std::string::npos) paths.push_back(p);
    }
    std::sort(paths.begin(), paths.end());
    return paths;
  }

  std::filesystem::path dir;
  std::filesystem::path repo;
  FakeTransport fake;
  Environment env;
  int transportsMade = 0;
  std::ostringstream out;
  std::ostringstream err;
};

// --- reports -----------------------------------------------------------------------------------------------

TEST_F(DiagnoseCliTest, TextReportForANamespaceWithFindings) {
  EXPECT_EQ(run({"diagnose", "-n", "shop", "--no-record"}), 1);
  expectGolden("diagnose-shop.txt", out.str());
  EXPECT_EQ(err.str(), "");
}

TEST_F(DiagnoseCliTest, MarkdownReport) {
  EXPECT_EQ(run({"-n", "shop", "diagnose", "-o", "markdown", "--no-record"}), 1);
  expectGolden("diagnose-shop.md", out.str());
}

TEST_F(DiagnoseCliTest, JsonAndYamlAreTheSameDocument) {
  EXPECT_EQ(run({"diagnose", "-n", "shop", "-o", "json", "--no-record"}), 1);
  const std::string document = out.str();
  expectGolden("diagnose-shop.json", document);
  // Same severity: the pod (its namespace and name) sorts before the Service.
  EXPECT_EQ(ruleIds(document), (std::vector<std::string>{"AIOPS-D900", "AIOPS-D800"}));
  EXPECT_EQ(run({"diagnose", "-n", "shop", "-o", "yaml", "--no-record"}), 1);
  EXPECT_EQ(out.str(), toYaml(json::parse(document)));
}

TEST_F(DiagnoseCliTest, HealthyIsOneLineAndExitZero) {
  EXPECT_EQ(run({"diagnose", "-n", "shop", "deploy/web", "--no-record"}), 0);
  EXPECT_EQ(out.str(), "No problems found in Deployment shop/web (1 pod examined).\n");
  EXPECT_EQ(run({"diagnose", "-n", "shop", "-l", "app=web", "--no-record"}), 0);
  EXPECT_EQ(out.str(), "No problems found in pods matching app=web in namespace shop (1 pod examined).\n");
  EXPECT_EQ(run({"diagnose", "-n", "shop", "-l", "app=web", "-o", "markdown", "--no-record"}), 0);
  EXPECT_EQ(
      out.str(),
      "# Diagnosis: pods matching app=web in namespace shop\n\n**No problems found** (1 pod examined).\n");
  // Recorded, a healthy run says so after the one line.
  EXPECT_EQ(run({"diagnose", "-n", "shop", "deploy/web"}), 0);
  EXPECT_EQ(out.str(),
            "No problems found in Deployment shop/web (1 pod examined).\n\nRecorded as PHR "
            "diagnose-2026-11/0001.\n");
  EXPECT_EQ(run({"diagnose", "-n", "shop", "-l", "app=web", "-o", "markdown"}), 0);
  EXPECT_EQ(
      out.str(),
      "# Diagnosis: pods matching app=web in namespace shop\n\n**No problems found** (1 pod examined).\n\n"
      "Recorded as PHR diagnose-2026-11/0002.\n");
}

TEST_F(DiagnoseCliTest, NoPodsIsHealthyToo) {
  fake.respondJson("GET", "/api/v1/namespaces/shop/pods?labelSelector=app%3Dnothing&limit=500",
                   R"({"kind":"PodList","apiVersion":"v1","metadata":{},"items":[]})");
  EXPECT_EQ(run({"diagnose", "-n", "shop", "-l", "app=nothing", "--no-record"}), 0);
  EXPECT_EQ(out.str(),
            "No problems found in pods matching app=nothing in namespace shop: no pods to examine.\n");
}

// --- targets -----------------------------------------------------------------------------------------------

TEST_F(DiagnoseCliTest, APodByNameOrPodSlashNameReadsThatPod) {
  for (const std::string target :
       {"api-5d4c8b7f9-k7pzt", "pod/api-5d4c8b7f9-k7pzt", "po/api-5d4c8b7f9-k7pzt"}) {
    EXPECT_EQ(run({"diagnose", "-n", "shop", target, "-o", "json"}), 1) << target;
    EXPECT_EQ(ruleIds(out.str()), (std::vector<std::string>{"AIOPS-D900", "AIOPS-D800"})) << target;
    EXPECT_EQ(json::parse(out.str()).at("summary").at("podsExamined").as_int64(), 1);
  }
  EXPECT_EQ(requested("/pods?"), std::vector<std::string>{});  // never the namespace's pods
}

TEST_F(DiagnoseCliTest, AWorkloadReadsItsPodsBySelector) {
  for (const std::string target : {"deploy/api", "deployment/api", "Deployments.apps/api"}) {
    EXPECT_EQ(run({"diagnose", "-n", "shop", target, "-o", "json"}), 1) << target;
    EXPECT_EQ(json::parse(out.str()).at("summary").at("podsExamined").as_int64(), 2);
  }
  EXPECT_EQ(requested("/pods?"),
            (std::vector<std::string>{"/api/v1/namespaces/shop/pods?labelSelector=app%3Dapi&limit=500",
                                      "/api/v1/namespaces/shop/pods?labelSelector=app%3Dapi&limit=500",
                                      "/api/v1/namespaces/shop/pods?labelSelector=app%3Dapi&limit=500"}));
}

TEST_F(DiagnoseCliTest, AMissingTargetIsAClusterErrorNamingIt) {
  EXPECT_EQ(run({"diagnose", "-n", "shop", "deploy/nope"}), 3);
  EXPECT_EQ(
      err.str(),
      "error: deployments.apps \"nope\" not found in namespace shop; list them with 'kubectl get deployments "
      "-n shop'\n");
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(run({"diagnose", "-n", "shop", "nope"}), 3);
  EXPECT_EQ(err.str(),
            "error: pods \"nope\" not found in namespace shop; list them with 'kubectl get pods -n shop'\n");
  EXPECT_EQ(run({"diagnose", "-n", "shop", "sts/db"}), 3);
  EXPECT_EQ(
      err.str(),
      "error: statefulsets.apps \"db\" not found in namespace shop; list them with 'kubectl get statefulsets "
      "-n shop'\n");
}

TEST_F(DiagnoseCliTest, AForbiddenPodListIsAClusterError) {
  fake.respondApiError(
      "GET", "/api/v1/namespaces/shop/pods?limit=500", 403, "Forbidden",
      "pods is forbidden: User \"bob\" cannot list resource \"pods\" in API group \"\" in the "
      "namespace \"shop\"");
  EXPECT_EQ(run({"diagnose", "-n", "shop"}), 3);
  EXPECT_EQ(
      err.str(),
      "error: listing pods in namespace shop: pods is forbidden: User \"bob\" cannot list resource \"pods\" "
      "in API group \"\" in the namespace \"shop\" (403 Forbidden); ask for the RBAC permission it names, or "
      "use --as\n");
}

TEST_F(DiagnoseCliTest, AllNamespacesListsClusterWide) {
  for (const std::string path :
       {"/api/v1/pods", "/api/v1/events", "/api/v1/services", "/api/v1/endpoints",
        "/apis/apps/v1/replicasets", "/apis/apps/v1/deployments", "/apis/apps/v1/statefulsets",
        "/apis/apps/v1/daemonsets", "/apis/batch/v1/jobs", "/apis/batch/v1/cronjobs"})
    fake.respondJson("GET", path + "?limit=500",
                     R"({"kind":"List","apiVersion":"v1","metadata":{},"items":[]})");
  EXPECT_EQ(run({"diagnose", "-A", "--no-record"}), 0);
  EXPECT_EQ(out.str(), "No problems found in all namespaces: no pods to examine.\n");
  EXPECT_EQ(err.str(), "");
}

// --- flags -------------------------------------------------------------------------------------------------

TEST_F(DiagnoseCliTest, LogsTailAndSinceShapeTheLogRequests) {
  run({"diagnose", "-n", "shop", "deploy/api", "--logs-tail", "50", "--since", "1h30m"});
  // Both containers wait to restart: their last instance is the previous one.
  EXPECT_EQ(
      requested("/log?"),
      (std::vector<std::string>{
          "/api/v1/namespaces/shop/pods/api-5d4c8b7f9-k7pzt/log?container=api&previous=true&tailLines=50&"
          "limitBytes=262144&sinceSeconds=5400",
          "/api/v1/namespaces/shop/pods/api-5d4c8b7f9-w9d2m/log?container=api&previous=true&tailLines=50&"
          "limitBytes=262144&sinceSeconds=5400"}));
}

TEST_F(DiagnoseCliTest, LogsTailZeroReadsNoLogs) {
  EXPECT_EQ(run({"diagnose", "-n", "shop", "--logs-tail", "0", "-o", "json"}), 1);
  EXPECT_EQ(requested("/log?"), std::vector<std::string>{});
}

TEST_F(DiagnoseCliTest, RuleKeepsThoseFindingsAndReadsOnlyWhatTheirAnalyzersNeed) {
  EXPECT_EQ(run({"diagnose", "-n", "shop", "--rule", "aiops-d900", "-o", "json"}), 1);
  EXPECT_EQ(ruleIds(out.str()), std::vector<std::string>{"AIOPS-D900"});
  EXPECT_EQ(requested("/nodes"), std::vector<std::string>{});  // the crash-loop analyzer reads no nodes
  EXPECT_EQ(run({"diagnose", "-n", "shop", "--rule", "AIOPS-D850,AIOPS-D851", "-o", "json"}), 0);
  EXPECT_EQ(ruleIds(out.str()), std::vector<std::string>{});
}

TEST_F(DiagnoseCliTest, WhatCouldNotBeReadIsListedAndTheRestIsStillDiagnosed) {
  fake.respondApiError("GET", "/api/v1/namespaces/shop/events?limit=500", 500, "InternalError",
                       "Internal error occurred: etcd is gone");
  fake.respondError(
      "GET",
      "/api/v1/namespaces/shop/pods/api-5d4c8b7f9-w9d2m/log?container=api&previous=true&tailLines=200&"
      "limitBytes=262144",
      kube::KubeError(kube::ErrorKind::Timeout, "kubectl did not answer before the deadline", "x"));
  EXPECT_EQ(run({"diagnose", "-n", "shop", "--no-record"}), 1);
  const std::string text = out.str();
  EXPECT_TRUE(text.ends_with(
      "\nCould not read (the diagnosis is partial; nothing was concluded from what is missing):\n"
      "  - events in namespace shop: Internal error occurred: etcd is gone (500 InternalError)\n"
      "  - logs of container api in pod shop/api-5d4c8b7f9-w9d2m (previous): kubectl did not answer before "
      "the "
      "deadline\n"))
      << text;
  EXPECT_EQ(run({"diagnose", "-n", "shop", "-o", "json"}), 1);
  const json::value doc = json::parse(out.str());
  EXPECT_EQ(doc.at("unreadable").as_array().size(), 2U);
  EXPECT_EQ(doc.at("unreadable").at(0).at("what").as_string(), "events in namespace shop");
  // Without its log the second pod's crash cannot be tied to the connection refused: a finding of its own.
  EXPECT_EQ(ruleIds(out.str()), (std::vector<std::string>{"AIOPS-D900", "AIOPS-D100", "AIOPS-D800"}));
  EXPECT_EQ(doc.at("findings").at(1).at("object").at("name").as_string(), "api-5d4c8b7f9-w9d2m");
}

TEST_F(DiagnoseCliTest, UsageErrorsExitTwoBeforeAnyRequest) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"diagnose", "foo/bar"},
       "error: invalid target 'foo/bar': cannot diagnose a 'foo'; use POD, pod/NAME, deploy/NAME, sts/NAME, "
       "ds/NAME or job/NAME; see 'kubectl aiops diagnose --help'\n"},
      {{"diagnose", "deplyo/web"},
       "error: invalid target 'deplyo/web': cannot diagnose a 'deplyo' (did you mean 'deploy'?); use POD, "
       "pod/NAME, deploy/NAME, sts/NAME, ds/NAME or job/NAME; see 'kubectl aiops diagnose --help'\n"},
      {{"diagnose", "deploy/"},
       "error: invalid target 'deploy/': '' is not an object name (lowercase letters, digits, '-' and '.'); "
       "see "
       "'kubectl aiops diagnose --help'\n"},
      {{"diagnose", "Web_1"},
       "error: invalid pod name 'Web_1'; a name is lowercase letters, digits, '-' and '.'; see 'kubectl "
       "aiops "
       "diagnose --help'\n"},
      {{"diagnose", "web", "-l", "app=web"},
       "error: give a target ('web') or a selector (-l app=web), not both; see 'kubectl aiops diagnose "
       "--help'\n"},
      {{"diagnose", "a", "b"},
       "error: diagnose takes one target, got 'a' and 'b'; use -l to select several pods; see 'kubectl aiops "
       "diagnose --help'\n"},
      {{"diagnose", "-A", "deploy/web"},
       "error: 'deploy/web' names one object, which -A cannot find across all namespaces; use -n NAMESPACE; "
       "see "
       "'kubectl aiops diagnose --help'\n"},
      {{"diagnose", "--since", "1d"},
       "error: invalid --since '1d'; use a positive duration such as 30s, 15m, 2h or 1h30m (kubectl's units: "
       "ns, "
       "us, ms, s, m, h; a day is 24h); see 'kubectl aiops diagnose --help'\n"},
      {{"diagnose", "--since", "10"},
       "error: invalid --since '10'; use a positive duration such as 30s, 15m, 2h or 1h30m (kubectl's units: "
       "ns, "
       "us, ms, s, m, h; a day is 24h); see 'kubectl aiops diagnose --help'\n"},
      {{"diagnose", "--logs-tail", "-1"},
       "error: invalid --logs-tail -1; use a number of lines, or 0 to read no logs; see 'kubectl aiops "
       "diagnose "
       "--help'\n"},
      {{"diagnose", "-o", "yml"},
       "error: invalid output format 'yml'; use one of text, json, yaml, markdown; see 'kubectl aiops "
       "diagnose "
       "--help'\n"},
      {{"diagnose", "-l", "app in (web"},
       "error: invalid label selector 'app in (web'; use e.g. app=web, tier!=cache, 'env in (a,b)'; see "
       "'kubectl "
       "aiops diagnose --help'\n"},
      {{"diagnose", "--rule", "AIOPS-D90"},
       "error: unknown rule 'AIOPS-D90' (did you mean 'AIOPS-D900'?); the rules are listed in docs/rules.md; "
       "see "
       "'kubectl aiops diagnose --help'\n"},
      {{"diagnose", "--logs-tail", "many"},
       "error: could not convert: --logs-tail = many; see 'kubectl aiops diagnose --help'\n"},
  };
  for (const auto& [args, message] : cases) {
    EXPECT_EQ(run(args), 2) << args.back();
    EXPECT_EQ(err.str(), message);
    EXPECT_EQ(out.str(), "");
  }
  EXPECT_EQ(transportsMade, 0);
}

TEST_F(DiagnoseCliTest, HelpShowsTheTargetsExamplesAndExitStatus) {
  EXPECT_EQ(run({"diagnose", "--help"}), 0);
  const std::string help = out.str();
  EXPECT_TRUE(
      help.starts_with("Find what is wrong with pods and workloads, why, the evidence, and the exact fix\n"
                       "Usage: kubectl aiops diagnose [OPTIONS] [target...]\n"))
      << help;
  EXPECT_NE(help.find("  kubectl aiops diagnose deploy/backend -n shop\n"), std::string::npos);
  EXPECT_NE(help.find("  1  problems found (the findings are printed)\n"), std::string::npos);
  EXPECT_NE(help.find("--logs-tail"), std::string::npos);
  EXPECT_EQ(transportsMade, 0);
}

TEST_F(DiagnoseCliTest, VerboseReportsRequestsAndTheAnalysisTime) {
  EXPECT_EQ(run({"diagnose", "-n", "shop", "api-5d4c8b7f9-k7pzt", "-v", "1", "-o", "json", "--no-record"}),
            1);
  EXPECT_EQ(err.str(), "diagnose: 8 requests in 2 rounds; analysis time 2026-11-20T10:00:00Z\n");
}

// --- the PHR record ----------------------------------------------------------------------------------------

TEST_F(DiagnoseCliTest, EveryRunIsRecordedAsADiagnosisPhr) {
  EXPECT_EQ(run({"diagnose", "-n", "shop", "-o", "json", "--no-record"}), 1);
  const json::value document = json::parse(out.str());
  EXPECT_EQ(run({"diagnose", "-n", "shop"}), 1);
  EXPECT_EQ(err.str(), "");
  const std::string text = out.str();
  // No recommendation of this cluster carries a patch, so nothing is proposed.
  EXPECT_TRUE(text.ends_with("\n\nRecorded as PHR diagnose-2026-11/0001.\n")) << text;
  EXPECT_EQ(text.substr(0, text.size() - std::string("\nRecorded as PHR diagnose-2026-11/0001.\n").size()),
            readFile(std::string(PLUGIN_TEST_DATA) + "/diagnose-shop.txt"));
  EXPECT_EQ(fake.paths("POST"),
            (std::vector<std::string>{"/apis/authentication.k8s.io/v1/selfsubjectreviews"}));

  governance::JournalOptions options;
  options.path = repo;
  options.create = false;
  governance::Journal journal(options);
  const auto records = journal.list();
  ASSERT_EQ(records.size(), 1u);
  const governance::OperationData& a = records[0].record.aiops;
  EXPECT_EQ(a.record, governance::RecordKind::Diagnosis);
  EXPECT_EQ(a.actor, (governance::Identity{"alice", {"shop-devs"}}));
  EXPECT_EQ(a.target.kind, "Namespace");
  EXPECT_EQ(a.target.name, "shop");
  EXPECT_EQ(a.risk, model::Risk::Medium);  // the riskiest recommendation's
  EXPECT_EQ(a.time, *parseTimestamp("2026-11-26T16:00:00Z"));
  EXPECT_EQ(a.findings, document);
  EXPECT_EQ(a.evidence,
            (std::vector<std::string>{"AIOPS-D800: Service shop/db: Service selector matches no pods"}));
  EXPECT_EQ(records[0].record.header.command, "kubectl aiops diagnose -n shop");

  EXPECT_EQ(run({"diagnose", "-n", "shop", "-o", "json"}), 1);  // recorded too, but the document stays alone
  EXPECT_EQ(json::parse(out.str()), document);
  EXPECT_EQ(err.str(), "");
  EXPECT_EQ(journal.list().size(), 2u);
}

TEST_F(DiagnoseCliTest, NoRecordWritesNoJournalAndAsksNoIdentity) {
  EXPECT_EQ(run({"diagnose", "-n", "shop", "--no-record"}), 1);
  EXPECT_EQ(out.str().find("Recorded as"), std::string::npos);
  EXPECT_TRUE(fake.paths("POST").empty());
  EXPECT_FALSE(std::filesystem::exists(repo));
}

TEST_F(DiagnoseCliTest, ARunThatCannotBeRecordedIsStillADiagnosis) {
  fake.respondApiError("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", 403, "Forbidden",
                       "selfsubjectreviews.authentication.k8s.io is forbidden");
  EXPECT_EQ(run({"diagnose", "-n", "shop"}), 1);
  EXPECT_EQ(out.str(), readFile(std::string(PLUGIN_TEST_DATA) + "/diagnose-shop.txt"));
  EXPECT_EQ(err.str().rfind("warning: the diagnosis was not recorded in the PHR journal: ", 0), 0u)
      << err.str();
  EXPECT_FALSE(std::filesystem::exists(repo));
}

TEST_F(DiagnoseCliTest, TheJournalFlagWinsOverTheEnvironment) {
  const std::filesystem::path other = dir / "other";
  EXPECT_EQ(run({"diagnose", "-n", "shop", "--phr-repo", other.string()}), 1);
  EXPECT_TRUE(std::filesystem::exists(other / ".git"));
  EXPECT_FALSE(std::filesystem::exists(repo));
}

TEST(DiagnoseRecordedLine, NamesTheRecordAndWhatWaits) {
  diagnose::Recorded recorded;
  recorded.diagnosis = "diagnose-2026-11/0007";
  EXPECT_EQ(diagnose::recordedLine(recorded), "Recorded as PHR diagnose-2026-11/0007.");
  recorded.pending = {{"op-0003", false}, {"op-0002", true}};
  EXPECT_EQ(
      diagnose::recordedLine(recorded),
      "Recorded as PHR diagnose-2026-11/0007; pending: op-0003, op-0002 (already proposed) (approve with: "
      "kubectl aiops approve op-0003 --reason ...)");
}

// --- progress ----------------------------------------------------------------------------------------------

// Holds every GET until the progress line shows `needle`, so the line is drawn while a round is in flight.
class HeldTransport : public kube::KubeTransport {
 public:
  HeldTransport(kube::KubeTransport& target, test_support::SharedBuffer& buffer, std::string needle)
      : target_(target), buffer_(buffer), needle_(std::move(needle)) {}
  kube::Response get(const std::string& path, const kube::RequestOptions& options) override {
    buffer_.waitFor(needle_, std::chrono::seconds(30));
    return target_.get(path, options);
  }
  std::vector<kube::Response> getAll(const std::vector<std::string>& paths) override {
    return target_.getAll(paths);
  }
  kube::Response create(const std::string& path, const std::string& body) override {
    return target_.create(path, body);
  }
  kube::Response replace(const std::string& path, const std::string& body) override {
    return target_.replace(path, body);
  }
  kube::Response patch(const kube::ResourceRef& ref, kube::PatchType type, const std::string& body) override {
    return target_.patch(ref, type, body);
  }
  kube::Response remove(const std::string& path) override { return target_.remove(path); }
  std::unique_ptr<kube::LineStream> stream(const std::string& path) override { return target_.stream(path); }
  std::optional<std::string> contextNamespace() override { return target_.contextNamespace(); }

 private:
  kube::KubeTransport& target_;
  test_support::SharedBuffer& buffer_;
  std::string needle_;
};

TEST_F(DiagnoseCliTest, AProgressLineNamesTheRoundAndIsErasedBeforeTheReport) {
  ASSERT_EQ(run({"diagnose", "-n", "shop", "deploy/web", "--no-record"}), 0);
  const std::string report = out.str();
  test_support::SharedBuffer shared;
  const std::string first =
      ProgressLine::text("Reading Deployment web in namespace shop", std::chrono::seconds(0));
  env.errIsTerminal = true;
  env.progressDelay = std::chrono::milliseconds(0);
  env.makeTransport = [&](const kube::ConnectionFlags&, Streams&) -> std::unique_ptr<kube::KubeTransport> {
    return std::make_unique<HeldTransport>(fake, shared, first);
  };
  std::ostream both(&shared);
  Streams streams{both, both, false};
  ASSERT_EQ(runCli({"diagnose", "-n", "shop", "deploy/web", "--no-record"}, streams, env), 0);
  const std::string text = shared.text();
  EXPECT_TRUE(text.starts_with("\r" + first)) << text;
  const std::size_t start = text.find("No problems found");
  ASSERT_NE(start, std::string::npos) << text;
  EXPECT_EQ(text.substr(start), report);
  EXPECT_TRUE(text.substr(0, start).ends_with("\r")) << text;  // erased with blanks, then a carriage return
}

// --- parsing helpers ---------------------------------------------------------------------------------------

TEST(DiagnoseParsing, SinceFollowsGoDurations) {
  EXPECT_EQ(diagnose::parseSince("30s"), std::chrono::seconds(30));
  EXPECT_EQ(diagnose::parseSince("15m"), std::chrono::seconds(900));
  EXPECT_EQ(diagnose::parseSince("2h"), std::chrono::seconds(7200));
  EXPECT_EQ(diagnose::parseSince("1h30m"), std::chrono::seconds(5400));
  EXPECT_EQ(diagnose::parseSince("1.5h"), std::chrono::seconds(5400));
  EXPECT_EQ(diagnose::parseSince("1500ms"), std::chrono::seconds(2));  // rounded up, as kubectl does
  EXPECT_EQ(diagnose::parseSince("1d"), std::nullopt);
  EXPECT_EQ(diagnose::parseSince("90"), std::nullopt);
  EXPECT_EQ(diagnose::parseSince("0s"), std::nullopt);
  EXPECT_EQ(diagnose::parseSince("-5m"), std::nullopt);
  EXPECT_EQ(diagnose::parseSince("m"), std::nullopt);
  EXPECT_EQ(diagnose::parseSince("1h30"), std::nullopt);
  EXPECT_EQ(diagnose::parseSince(""), std::nullopt);
}

TEST(DiagnoseParsing, Targets) {
  using Kind = collect::Target::Kind;
  const collect::Target pod = diagnose::parseTarget("web-1");
  EXPECT_EQ(pod.kind, Kind::Pod);
  EXPECT_EQ(pod.name, "web-1");
  const std::vector<std::pair<std::string, std::string>> workloads{
      {"deploy/a", "Deployment"}, {"deployments.apps/a", "Deployment"},
      {"sts/a", "StatefulSet"},   {"statefulset/a", "StatefulSet"},
      {"ds/a", "DaemonSet"},      {"daemonsets/a", "DaemonSet"},
      {"job/a", "Job"},           {"jobs.batch/a", "Job"}};
  for (const auto& [text, kind] : workloads) {
    const collect::Target t = diagnose::parseTarget(text);
    EXPECT_EQ(t.kind, Kind::Workload) << text;
    EXPECT_EQ(t.workloadKind, kind) << text;
    EXPECT_EQ(t.name, "a") << text;
  }
  EXPECT_EQ(diagnose::parseTarget("pods/web.v2").kind, Kind::Pod);
  EXPECT_THROW(diagnose::parseTarget("svc/web"), UsageError);
  EXPECT_THROW(diagnose::parseTarget("deploy/web/x"), UsageError);
  EXPECT_THROW(diagnose::parseTarget("-web"), UsageError);
}

TEST(DiagnoseParsing, LabelSelectors) {
  for (const char* good :
       {"app=web", "app==web", "app!=web", "app", "!canary", "app=web,tier!=cache", "env in (prod, staging)",
        "env notin (dev)", "app.kubernetes.io/name=shop", "app=", "replicas>1"})
    EXPECT_TRUE(diagnose::validSelector(good)) << good;
  for (const char* bad :
       {"", "=web", "app=web,", "env in prod", "env in (a", "app=we b", "app=web)", "-app=x"})
    EXPECT_FALSE(diagnose::validSelector(bad)) << bad;
}

}  // namespace
}  // namespace aiops::plugin

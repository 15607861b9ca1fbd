// The kubectl-aiops front end over FakeTransport: parsing, help in plugin mode, usage errors, exit codes,
// connection flags, and every output format of `status` and `version` (JSON/YAML/Markdown against goldens).
#include "cli.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cluster_fixture.h"
#include "commands/version.h"
#include "fake_transport.h"
#include "shared_buffer.h"
#include "support/output.h"
#include "support/progress.h"

namespace aiops::plugin {
namespace {

using kube::testing::FakeTransport;

// Compares `actual` with testdata/NAME; with AIOPS_UPDATE_GOLDEN=1 set, rewrites the file instead (review
// the diff before committing: the goldens document the output schema).
void expectGolden(const std::string& name, const std::string& actual) {
  const std::string path = std::string(PLUGIN_TEST_DATA) + "/" + name;
  if (const char* update = std::getenv("AIOPS_UPDATE_GOLDEN");
      update != nullptr && std::string(update) == "1") {
    std::ofstream(path) << actual;
    return;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << "missing golden file " << path;
  std::ostringstream text;
  text << in.rdbuf();
  EXPECT_EQ(actual, text.str()) << "golden file " << name;
}

using aiops::test_support::SharedBuffer;

// Holds every GET until `buffer` shows `needle` (or `patience` passes): a request that is still in flight
// when the progress line is drawn, without guessing how long drawing takes.
class GatedTransport : public kube::KubeTransport {
 public:
  // `sawNeedle` is set when a request saw `needle` in time (it outlives the transport, which runCli owns).
  GatedTransport(kube::KubeTransport& target, SharedBuffer& buffer, std::string needle,
                 std::chrono::milliseconds patience, bool& sawNeedle)
      : target_(target),
        buffer_(buffer),
        needle_(std::move(needle)),
        patience_(patience),
        sawNeedle_(sawNeedle) {}

  kube::Response get(const std::string& path, const kube::RequestOptions& options) override {
    gate();
    return target_.get(path, options);
  }
  std::vector<kube::Response> getAll(const std::vector<std::string>& paths) override {
    gate();
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
  void gate() { sawNeedle_ = buffer_.waitFor(needle_, patience_) || sawNeedle_; }

  kube::KubeTransport& target_;
  SharedBuffer& buffer_;
  std::string needle_;
  std::chrono::milliseconds patience_;
  bool& sawNeedle_;
};

class CliTest : public ::testing::Test {
 protected:
  CliTest() {
    env.programName = "kubectl aiops";
    env.now = [] { return *parseTimestamp("2024-05-01T12:00:00Z"); };
    env.makeTransport = [this](const kube::ConnectionFlags& flags,
                               Streams&) -> std::unique_ptr<kube::KubeTransport> {
      flagsSeen = flags;
      ++transportsMade;
      return kube::testing::borrow(fake);
    };
  }

  int run(const std::vector<std::string>& args) {
    out.str("");
    err.str("");
    Streams streams{out, err, false};
    return runCli(args, streams, env);
  }

  FakeTransport fake;
  Environment env;
  kube::ConnectionFlags flagsSeen;
  int transportsMade = 0;
  std::ostringstream out;
  std::ostringstream err;
};

// --- parsing, help and usage errors ------------------------------------------------------------------

TEST_F(CliTest, RootHelpSaysKubectlAiopsInPluginMode) {
  EXPECT_EQ(run({"--help"}), 0);
  EXPECT_EQ(out.str().substr(0, out.str().find("Options:")),
            "AI-assisted operations for Kubernetes: diagnose, recommend, approve, apply and audit\n"
            "Usage: kubectl aiops [OPTIONS] [SUBCOMMAND]\n\n");
  EXPECT_NE(out.str().find("  status                      Show nodes, deployments, pods and Warning events"),
            std::string::npos);
  EXPECT_NE(
      out.str().find("Run 'kubectl aiops <command> --help' for a command's flags, examples and exit status."),
      std::string::npos);
  EXPECT_EQ(err.str(), "");
  EXPECT_EQ(transportsMade, 0);
}

TEST_F(CliTest, HelpOutsidePluginModeSaysKubectlDashAiops) {
  env.programName = programNameFor("/opt/tools/aiops");
  EXPECT_EQ(run({"status", "-h"}), 0);
  EXPECT_EQ(out.str().substr(0, out.str().find('\n', out.str().find('\n') + 1)),
            "Show nodes, deployments, pods and Warning events of a namespace (or all) at a glance\n"
            "Usage: kubectl-aiops status [OPTIONS]");
  EXPECT_NE(out.str().find("  kubectl-aiops status -A -o json\n"), std::string::npos);
}

TEST_F(CliTest, ProgramNameFollowsArgvZero) {
  EXPECT_EQ(programNameFor("/home/me/.krew/bin/kubectl-aiops"), "kubectl aiops");
  EXPECT_EQ(programNameFor("kubectl-aiops"), "kubectl aiops");
  EXPECT_EQ(programNameFor("./build/bin/aiops"), "kubectl-aiops");
  EXPECT_EQ(programNameFor("/usr/bin/kubectl"), "kubectl-aiops");
}

TEST_F(CliTest, SubcommandHelpDocumentsFlagsExamplesAndExitStatus) {
  EXPECT_EQ(run({"status", "--help"}), 0);
  const std::string help = out.str();
  for (const char* expected : {
           "Usage: kubectl aiops status [OPTIONS]",
           "-n,--namespace TEXT",
           "-A,--all-namespaces",
           "--context TEXT",
           "--kubeconfig TEXT",
           "--as TEXT",
           "--as-group TEXT",
           "--request-timeout TEXT",
           "-v,--v INT",
           "-o,--output TEXT",
           "  # Every namespace, for a script\n  kubectl aiops status -A -o json\n",
           "Exit status:\n  0  success\n  1  a pod is not ready, a deployment is short of replicas or a node "
           "is not "
           "ready\n  2  usage error (unknown command or flag, invalid value)\n  3  cluster or I/O error "
           "(unreachable, "
           "forbidden, kubeconfig or kubectl problem)\n",
       }) {
    EXPECT_NE(help.find(expected), std::string::npos) << expected;
  }
}

TEST_F(CliTest, NoCommandPrintsHelp) {
  EXPECT_EQ(run({}), 0);
  EXPECT_NE(out.str().find("Usage: kubectl aiops [OPTIONS] [SUBCOMMAND]"), std::string::npos);
}

TEST_F(CliTest, UnknownCommandSuggestsTheClosest) {
  EXPECT_EQ(run({"statsu", "-n", "shop"}), 2);
  EXPECT_EQ(err.str(),
            "error: unknown command 'statsu' for 'kubectl aiops'; did you mean 'status'? see 'kubectl aiops "
            "--help'\n");
  EXPECT_EQ(run({"versio"}), 2);
  EXPECT_EQ(err.str(),
            "error: unknown command 'versio' for 'kubectl aiops'; did you mean 'version'? see 'kubectl aiops "
            "--help'\n");
  EXPECT_EQ(run({"ver"}), 2);  // a prefix of verify and version: the nearer one
  EXPECT_EQ(err.str(),
            "error: unknown command 'ver' for 'kubectl aiops'; did you mean 'verify'? see 'kubectl aiops "
            "--help'\n");
  EXPECT_EQ(run({"frobnicate"}), 2);
  EXPECT_EQ(err.str(),
            "error: unknown command 'frobnicate' for 'kubectl aiops'; see 'kubectl aiops --help'\n");
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(transportsMade, 0);
}

TEST_F(CliTest, UnknownFlagIsAUsageError) {
  EXPECT_EQ(run({"status", "--bogus"}), 2);
  EXPECT_EQ(err.str(),
            "error: the following argument was not expected: --bogus; see 'kubectl aiops status --help'\n");
}

TEST_F(CliTest, InvalidValuesListWhatIsValid) {
  EXPECT_EQ(run({"status", "-o", "yml"}), 2);
  EXPECT_EQ(
      err.str(),
      "error: invalid output format 'yml'; use one of text, json, yaml, markdown; see 'kubectl aiops status "
      "--help'\n");
  EXPECT_EQ(run({"status", "--request-timeout", "soon"}), 2);
  EXPECT_EQ(err.str(),
            "error: invalid --request-timeout 'soon'; use a duration such as 30s, 2m or 0 (none); see "
            "'kubectl aiops "
            "status --help'\n");
  EXPECT_EQ(run({"version", "-n", "Shop_1"}), 2);
  EXPECT_EQ(
      err.str(),
      "error: invalid namespace 'Shop_1'; a namespace is a lowercase DNS label (a-z, 0-9, '-'); see 'kubectl "
      "aiops version --help'\n");
  EXPECT_EQ(run({"status", "--as-group", "dev"}), 2);
  EXPECT_EQ(err.str(),
            "error: --as-group needs --as: kubectl impersonates groups only together with a user; see "
            "'kubectl aiops "
            "status --help'\n");
  EXPECT_EQ(run({"status", "-v", "x"}), 2);
  EXPECT_EQ(transportsMade, 0);
}

TEST_F(CliTest, ConnectionFlagsReachTheTransport) {
  kube::testing::serveHealthyShop(fake);
  EXPECT_EQ(run({"status", "-n=shop", "--context", "prod", "--kubeconfig", "/tmp/kc", "--as", "jane",
                 "--as-group", "dev", "--as-group", "ops", "--request-timeout", "5s", "-v=3"}),
            0);
  EXPECT_EQ(flagsSeen.namespace_, "shop");
  EXPECT_FALSE(flagsSeen.allNamespaces);
  EXPECT_EQ(flagsSeen.context, "prod");
  EXPECT_EQ(flagsSeen.kubeconfig, "/tmp/kc");
  EXPECT_EQ(flagsSeen.as, "jane");
  EXPECT_EQ(flagsSeen.asGroups, (std::vector<std::string>{"dev", "ops"}));
  EXPECT_EQ(flagsSeen.requestTimeout, "5s");
  EXPECT_EQ(flagsSeen.verbosity, 3);
}

// --- flags before the command ------------------------------------------------------------------------

TEST(CommonFlags, SpanKnowsWhichFlagsTakeAValue) {
  using Args = std::vector<std::string>;
  EXPECT_EQ(commonFlagSpan(Args{"-n", "todo"}, 0), 2u);
  EXPECT_EQ(commonFlagSpan(Args{"--namespace", "todo"}, 0), 2u);
  EXPECT_EQ(commonFlagSpan(Args{"--namespace=todo"}, 0), 1u);
  EXPECT_EQ(commonFlagSpan(Args{"-ntodo"}, 0), 1u);
  EXPECT_EQ(commonFlagSpan(Args{"-A"}, 0), 1u);
  EXPECT_EQ(commonFlagSpan(Args{"--all-namespaces"}, 0), 1u);
  EXPECT_EQ(commonFlagSpan(Args{"--context", "prod"}, 0), 2u);
  EXPECT_EQ(commonFlagSpan(Args{"--kubeconfig", "/tmp/kc"}, 0), 2u);
  EXPECT_EQ(commonFlagSpan(Args{"--as-group", "dev"}, 0), 2u);
  EXPECT_EQ(commonFlagSpan(Args{"--request-timeout", "5s"}, 0), 2u);
  EXPECT_EQ(commonFlagSpan(Args{"-v", "6"}, 0), 2u);
  EXPECT_EQ(commonFlagSpan(Args{"-o", "json"}, 0), 2u);
  EXPECT_EQ(commonFlagSpan(Args{"status", "-o"}, 1), 2u);  // counts even when the value is missing
  EXPECT_EQ(commonFlagSpan(Args{"-h"}, 0), 0u);
  EXPECT_EQ(commonFlagSpan(Args{"--help"}, 0), 0u);
  EXPECT_EQ(commonFlagSpan(Args{"--client"}, 0), 0u);
  EXPECT_EQ(commonFlagSpan(Args{"--bogus"}, 0), 0u);
  EXPECT_EQ(commonFlagSpan(Args{"--"}, 0), 0u);
  EXPECT_EQ(commonFlagSpan(Args{"status"}, 0), 0u);
}

TEST(CommonFlags, CommandIndexSkipsFlagValues) {
  using Args = std::vector<std::string>;
  EXPECT_EQ(commandIndex(Args{"status", "-n", "todo"}), 0u);
  EXPECT_EQ(commandIndex(Args{"-n", "todo", "status"}), 2u);
  EXPECT_EQ(commandIndex(Args{"-A", "-o", "json", "statsu"}), 3u);
  EXPECT_EQ(commandIndex(Args{"--bogus", "status"}), 1u);
  EXPECT_EQ(commandIndex(Args{"-n", "todo"}), 2u);
  EXPECT_EQ(commandIndex(Args{"--", "status"}), 2u);
  EXPECT_EQ(commandIndex(Args{}), 0u);
}

TEST(CommonFlags, HoistMovesLeadingCommonFlagsAfterTheCommand) {
  using Args = std::vector<std::string>;
  EXPECT_EQ(hoistCommonFlags(Args{"-n", "todo", "status"}), (Args{"status", "-n", "todo"}));
  EXPECT_EQ(hoistCommonFlags(Args{"--context", "prod", "-A", "--output=json", "status", "-v", "2"}),
            (Args{"status", "--context", "prod", "-A", "--output=json", "-v", "2"}));
  EXPECT_EQ(hoistCommonFlags(Args{"-o", "json", "version", "--client"}),
            (Args{"version", "-o", "json", "--client"}));
  // Nothing to move, or no command right after the flags: unchanged, for the parser to judge.
  EXPECT_EQ(hoistCommonFlags(Args{"status", "-n", "todo"}), (Args{"status", "-n", "todo"}));
  EXPECT_EQ(hoistCommonFlags(Args{"-n", "todo"}), (Args{"-n", "todo"}));
  EXPECT_EQ(hoistCommonFlags(Args{"-n", "todo", "--bogus", "status"}),
            (Args{"-n", "todo", "--bogus", "status"}));
  EXPECT_EQ(hoistCommonFlags(Args{"--help", "status"}), (Args{"--help", "status"}));
  EXPECT_EQ(hoistCommonFlags(Args{}), Args{});
}

TEST_F(CliTest, FlagsBeforeTheCommandWorkAsAfterIt) {
  kube::testing::serveHealthyShop(fake);
  ASSERT_EQ(run({"status", "-n", "shop"}), 0);
  const std::string after = out.str();
  EXPECT_EQ(run({"-n", "shop", "--context", "prod", "--kubeconfig=/tmp/kc", "status", "-v", "2"}), 0);
  EXPECT_EQ(out.str(), after);
  EXPECT_EQ(err.str(), "");
  EXPECT_EQ(flagsSeen.namespace_, "shop");
  EXPECT_EQ(flagsSeen.context, "prod");
  EXPECT_EQ(flagsSeen.kubeconfig, "/tmp/kc");
  EXPECT_EQ(flagsSeen.verbosity, 2);

  EXPECT_EQ(run({"-o", "json", "-n=shop", "status"}), 0);
  EXPECT_TRUE(out.str().starts_with("{\n  \"namespace\": \"shop\",\n")) << out.str();
}

TEST_F(CliTest, FlagsBeforeTheCommandStillNeedACommand) {
  EXPECT_EQ(run({"-n", "shop"}), 2);
  EXPECT_EQ(
      err.str(),
      "error: no command given for flag '-n'; use one of: apply, approve, audit, collect, diagnose, pending, "
      "phr, recommend, reject, report, rollback, rollout, runbook, show, status, verify, version; see "
      "'kubectl aiops "
      "--help'\n");
  EXPECT_EQ(run({"-n", "shop", "statsu"}), 2);
  EXPECT_EQ(err.str(),
            "error: unknown command 'statsu' for 'kubectl aiops'; did you mean 'status'? see 'kubectl aiops "
            "--help'\n");
  EXPECT_EQ(run({"-n", "shop", "-o", "yml", "status"}), 2);
  EXPECT_EQ(
      err.str(),
      "error: invalid output format 'yml'; use one of text, json, yaml, markdown; see 'kubectl aiops status "
      "--help'\n");
  EXPECT_EQ(transportsMade, 0);
}

// --- progress --------------------------------------------------------------------------------------------

TEST(CommonFlags, ProgressOnlyForPeopleAtATerminalWithoutVerboseLogs) {
  CommonOptions options;
  EXPECT_TRUE(progressWanted(options, true));
  EXPECT_FALSE(progressWanted(options, false));
  options.output = OutputFormat::Markdown;
  EXPECT_TRUE(progressWanted(options, true));
  options.output = OutputFormat::Json;
  EXPECT_FALSE(progressWanted(options, true));
  options.output = OutputFormat::Yaml;
  EXPECT_FALSE(progressWanted(options, true));
  options.output = OutputFormat::Text;
  options.connection.verbosity = 1;
  EXPECT_FALSE(progressWanted(options, true));
}

class ProgressCliTest : public CliTest {
 protected:
  // Runs with stdout and stderr both going to `shared`, the GETs held until `needle` appears in it.
  int runGated(const std::vector<std::string>& args, const std::string& needle,
               std::chrono::milliseconds patience) {
    env.errIsTerminal = true;
    env.progressDelay = std::chrono::milliseconds(0);
    env.makeTransport = [&](const kube::ConnectionFlags&, Streams&) -> std::unique_ptr<kube::KubeTransport> {
      return std::make_unique<GatedTransport>(fake, shared, needle, patience, sawNeedle);
    };
    std::ostream both(&shared);
    Streams streams{both, both, false};
    return runCli(args, streams, env);
  }

  SharedBuffer shared;
  bool sawNeedle = false;
};

TEST_F(ProgressCliTest, DrawnWhileTheClusterIsSlowAndErasedBeforeTheOutput) {
  kube::testing::serveHealthyShop(fake);
  ASSERT_EQ(run({"status", "-n", "shop"}), 0);  // the report as it is without progress
  const std::string report = out.str();
  const std::string message = "Listing nodes, deployments, pods and events in namespace shop";
  ASSERT_EQ(runGated({"status", "-n", "shop"}, message, std::chrono::seconds(30)), 0);
  EXPECT_TRUE(sawNeedle);
  const std::string text = shared.text();
  const std::string firstLine = "\r" + ProgressLine::text(message, std::chrono::seconds(0));
  EXPECT_TRUE(text.starts_with(firstLine)) << text;
  const std::size_t start = text.find("Cluster status for namespace shop\n");
  ASSERT_NE(start, std::string::npos) << text;
  const std::string erase = "\r" + std::string(firstLine.size() - 1, ' ') + "\r";
  EXPECT_TRUE(text.substr(0, start).ends_with(erase)) << text;
  EXPECT_EQ(text.substr(start), report);  // the report itself is unchanged
}

TEST_F(ProgressCliTest, VersionShowsProgressToo) {
  fake.respondJson("GET", "/version", R"({"major":"1","minor":"32","gitVersion":"v1.32.0"})");
  ASSERT_EQ(runGated({"version"}, "Asking the API server for its version... 0s", std::chrono::seconds(30)),
            0);
  EXPECT_TRUE(sawNeedle);
  const std::string text = shared.text();
  EXPECT_NE(text.find("\rClient Version: v"), std::string::npos) << text;
  EXPECT_TRUE(text.ends_with("\nServer Version: v1.32.0\n")) << text;
}

TEST_F(ProgressCliTest, NeverForJsonOrYaml) {
  kube::testing::serveHealthyShop(fake);
  // With no delay an enabled progress line would be drawn at once; give it a generous moment to show.
  ASSERT_EQ(runGated({"status", "-n", "shop", "-o", "json"}, "Listing", std::chrono::milliseconds(300)), 0);
  EXPECT_FALSE(sawNeedle);
  EXPECT_TRUE(shared.text().starts_with("{\n")) << shared.text();
  EXPECT_EQ(shared.text().find('\r'), std::string::npos);
}

// --- status ------------------------------------------------------------------------------------------

TEST_F(CliTest, StatusOfAHealthyNamespaceExitsZero) {
  kube::testing::serveHealthyShop(fake);
  EXPECT_EQ(run({"status", "-n", "shop"}), 0);
  EXPECT_EQ(out.str(),
            "Cluster status for namespace shop\n"
            "\n"
            "Nodes\n"
            "NAME     STATUS   CPU     MEMORY\n"
            "node-a   Ready    3920m   15Gi\n"
            "node-b   Ready    4       16Gi\n"
            "\n"
            "Deployments\n"
            "NAME   READY   UP-TO-DATE   AVAILABLE\n"
            "api    1/1     1            1\n"
            "web    2/2     2            2\n"
            "\n"
            "Pods\n"
            "NAME    READY   STATUS    RESTARTS   NODE     AGE\n"
            "api-1   1/1     Running   0          node-a   120m\n"
            "web-1   1/1     Running   0          node-a   120m\n"
            "web-2   1/1     Running   1          node-b   120m\n"
            "\n"
            "Warning events: 0\n"
            "\n"
            "Healthy: every pod is ready and every deployment has its replicas\n");
  EXPECT_EQ(err.str(), "");
}

TEST_F(CliTest, StatusOfAnUnhealthyNamespaceExitsOne) {
  kube::testing::serveUnhealthyShop(fake);
  fake.setContextNamespace("shop");  // no -n: the context's namespace
  EXPECT_EQ(run({"status"}), 1);
  expectGolden("status-unhealthy.txt", out.str());
}

TEST_F(CliTest, StatusJsonMatchesTheDocumentedSchema) {
  kube::testing::serveUnhealthyShop(fake);
  EXPECT_EQ(run({"status", "-n", "shop", "-o", "json"}), 1);
  expectGolden("status-unhealthy.json", out.str());
  EXPECT_EQ(err.str(), "");
}

TEST_F(CliTest, StatusYaml) {
  kube::testing::serveUnhealthyShop(fake);
  EXPECT_EQ(run({"status", "-n", "shop", "-o", "yaml"}), 1);
  expectGolden("status-unhealthy.yaml", out.str());
}

TEST_F(CliTest, StatusMarkdown) {
  kube::testing::serveUnhealthyShop(fake);
  EXPECT_EQ(run({"status", "-n", "shop", "--output=markdown"}), 1);
  expectGolden("status-unhealthy.md", out.str());
}

TEST_F(CliTest, StatusAllNamespacesAddsTheNamespaceColumn) {
  using namespace kube::testing;
  serveStatusLists(
      fake, "", list("NodeList", "v1", {readyNode("node-a", "2", "8Gi")}),
      list("DeploymentList", "apps/v1", {deployment("shop", "web", 1, 1, 1, 1)}),
      list("PodList", "v1",
           {runningPod("kube-system", "dns-1", "node-a"), runningPod("shop", "web-1", "node-a")}),
      list("EventList", "v1", {}));
  EXPECT_EQ(run({"status", "-A", "-n", "ignored"}), 0);
  EXPECT_EQ(out.str(),
            "Cluster status for all namespaces\n"
            "\n"
            "Nodes\n"
            "NAME     STATUS   CPU   MEMORY\n"
            "node-a   Ready    2     8Gi\n"
            "\n"
            "Deployments\n"
            "NAMESPACE   NAME   READY   UP-TO-DATE   AVAILABLE\n"
            "shop        web    1/1     1            1\n"
            "\n"
            "Pods\n"
            "NAMESPACE     NAME    READY   STATUS    RESTARTS   NODE     AGE\n"
            "kube-system   dns-1   1/1     Running   0          node-a   120m\n"
            "shop          web-1   1/1     Running   0          node-a   120m\n"
            "\n"
            "Warning events: 0\n"
            "\n"
            "Healthy: every pod is ready and every deployment has its replicas\n");
  EXPECT_EQ(fake.paths("GET")[1], "/apis/apps/v1/deployments?limit=500");
}

TEST_F(CliTest, StatusWithoutNodePermissionStillReports) {
  using namespace kube::testing;
  serveHealthyShop(fake);
  fake.respondApiError("GET", "/api/v1/nodes?limit=500", 403, "Forbidden", "nodes is forbidden");
  EXPECT_EQ(run({"status", "-n", "shop"}), 0);
  EXPECT_NE(out.str().find("Nodes\nNot shown: listing nodes: nodes is forbidden (403 Forbidden)\n"),
            std::string::npos);
}

TEST_F(CliTest, EmptyNamespace) {
  using namespace kube::testing;
  serveStatusLists(fake, "empty", list("NodeList", "v1", {}), list("DeploymentList", "apps/v1", {}),
                   list("PodList", "v1", {}), list("EventList", "v1", {}));
  EXPECT_EQ(run({"status", "-n", "empty"}), 0);
  EXPECT_EQ(
      out.str(),
      "Cluster status for namespace empty\n\nNodes\nNo nodes found.\n\nDeployments\nNo deployments found.\n\n"
      "Pods\nNo pods found.\n\nWarning events: 0\n\nHealthy: every pod is ready and every deployment has its "
      "replicas\n");
}

TEST_F(CliTest, RolloutWatchFlagMistakesAreUsageErrorsBeforeTheCluster) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"rollout", "watch"},
       "error: name a Deployment (deploy/NAME) or a Helm release (--release NAME); see 'kubectl aiops "
       "rollout "
       "--help'\n"},
      {{"rollout", "watch", "sts/web"},
       "error: invalid target 'sts/web': the gate watches Deployments; use deploy/NAME; see 'kubectl aiops "
       "rollout --help'\n"},
      {{"rollout", "watch", "deploy/web", "--no-traffic", "ignore"},
       "error: invalid --no-traffic 'ignore'; use one of extend, continue, halt; see 'kubectl aiops rollout "
       "--help'\n"},
      {{"rollout", "watch", "deploy/web", "--window", "0s"},
       "error: invalid --window '0s'; use whole seconds from 1s to 24h; see 'kubectl aiops rollout "
       "--help'\n"},
      {{"rollout", "watch", "deploy/web", "--poll", "soon"},
       "error: invalid --poll 'soon'; use a duration such as 500ms, 10s or 2m; see 'kubectl aiops rollout "
       "--help'\n"},
      {{"rollout", "watch", "deploy/web", "--max-error-rate", "100"},
       "error: invalid --max-error-rate 100: a percentage from 0 to 100; see 'kubectl aiops rollout "
       "--help'\n"},
      {{"rollout", "watch", "deploy/web", "-o", "yaml"},
       "error: invalid output format for rollout watch; use one of text, json; see 'kubectl aiops rollout "
       "--help'\n"},
  };
  for (const auto& [args, message] : cases) {
    err.str("");
    EXPECT_EQ(run(args), 2) << args.back();
    EXPECT_EQ(err.str(), message);
  }
  EXPECT_EQ(transportsMade, 0);
}

TEST_F(CliTest, ClusterErrorsExitThree) {
  fake.respondError(
      "GET", "/api/v1/namespaces/default/pods?limit=500",
      kube::KubeError(kube::ErrorKind::Unreachable,
                      "cannot reach the cluster (The connection to the server 127.0.0.1:1 was refused)",
                      "check that the cluster is running and that --context/--kubeconfig select it"));
  fake.respondJson("GET", "/apis/apps/v1/namespaces/default/deployments?limit=500",
                   R"({"kind":"DeploymentList","items":[]})");
  EXPECT_EQ(run({"status"}), 3);
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(
      err.str(),
      "error: listing pods in namespace default: cannot reach the cluster (The connection to the server "
      "127.0.0.1:1 was refused); check that the cluster is running and that --context/--kubeconfig select "
      "it\n");
}

// --- version -----------------------------------------------------------------------------------------

TEST_F(CliTest, VersionClientOnlyNeverTouchesTheCluster) {
  EXPECT_EQ(run({"version", "--client", "-o", "json"}), 0);
  boost::json::object expected;
  expected["clientVersion"] = version::clientVersion();
  EXPECT_EQ(out.str(), toPrettyJson(expected));
  EXPECT_TRUE(fake.calls().empty());
  EXPECT_EQ(std::string(expected["clientVersion"].at("version").as_string()).substr(0, 1), "v");
}

TEST_F(CliTest, VersionWithServer) {
  fake.respondJson("GET", "/version",
                   R"({"major":"1","minor":"32","gitVersion":"v1.32.0","platform":"linux/amd64"})");
  const std::string client(version::clientVersion().at("version").as_string());
  EXPECT_EQ(run({"version"}), 0);
  EXPECT_EQ(out.str(), "Client Version: " + client + "\nServer Version: v1.32.0\n");
  EXPECT_EQ(run({"version", "-o", "markdown"}), 0);
  EXPECT_EQ(out.str(), "| Component | Version |\n| --- | --- |\n| Client (kubectl-aiops) | " + client +
                           " |\n| Server | v1.32.0 |\n");
}

TEST_F(CliTest, VersionYamlIncludesTheServerObject) {
  fake.respondJson("GET", "/version", R"({"major":"1","minor":"32","gitVersion":"v1.32.0"})");
  EXPECT_EQ(run({"version", "-o", "yaml"}), 0);
  const std::string text = out.str();
  EXPECT_NE(text.find("serverVersion:\n  major: \"1\"\n  minor: \"32\"\n  gitVersion: v1.32.0\n"),
            std::string::npos)
      << text;
}

TEST_F(CliTest, VersionWithAnUnreachableServerWarnsAndSucceeds) {
  fake.respondError(
      "GET", "/version",
      kube::KubeError(kube::ErrorKind::Unreachable, "cannot reach the cluster (refused)", "check it"));
  const std::string client(version::clientVersion().at("version").as_string());
  EXPECT_EQ(run({"version"}), 0);
  EXPECT_EQ(out.str(), "Client Version: " + client + "\n");
  EXPECT_EQ(err.str(),
            "warning: the server version is unavailable: GET /version: cannot reach the cluster (refused); "
            "check it\n");
}

}  // namespace
}  // namespace aiops::plugin

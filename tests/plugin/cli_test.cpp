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
#include "support/output.h"

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
  EXPECT_EQ(run({"ver"}), 2);
  EXPECT_EQ(err.str(),
            "error: unknown command 'ver' for 'kubectl aiops'; did you mean 'version'? see 'kubectl aiops "
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

// `kubectl aiops` end to end: the built plugin on PATH as `kubectl-aiops`, run through the real kubectl
// (which finds and executes it as a plugin) against kubesim on the Todo Chatbot scenario.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "e2e_util.h"
#include "kubesim_harness.h"
#include "support/timestamps.h"

namespace aiops::test {
namespace {

namespace fs = std::filesystem;

// The lead's scenario lives with kubesim; e2eScenario() resolves relative to tests/e2e/scenarios.
const char* const kTodoScenario = "../../kubesim/scenarios/todo-chatbot.yaml";

// Both healthy pods of the scenario were created at this time; the AGE column counts from it.
const char* const kPodsCreated = "2026-11-20T09:00:01Z";
const char* const kCrashingPodCreated = "2026-11-20T09:10:00Z";

std::string ageAt(WallTime now, const char* created) {
  return humanDuration(std::chrono::duration_cast<std::chrono::seconds>(now - *parseTimestamp(created)));
}

// A run of `kubectl aiops ...` and the clock on either side of it, to check the AGE column exactly: the
// output must match the expected text at one of the two times.
struct PluginRun {
  CommandResult result;
  WallTime before;
  WallTime after;
};

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void writeFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

// The healthy `status -n todo` text at time `now`; `nodes` is the body of the Nodes section.
std::string healthyTodoText(WallTime now, const std::string& nodes) {
  const std::string age = ageAt(now, kPodsCreated);
  return "Cluster status for namespace todo\n"
         "\n"
         "Nodes\n" +
         nodes +
         "\n"
         "Deployments\n"
         "NAME            READY   UP-TO-DATE   AVAILABLE\n"
         "todo-backend    1/1     1            1\n"
         "todo-frontend   1/1     1            1\n"
         "\n"
         "Pods\n"
         "NAME                            READY   STATUS    RESTARTS   NODE       AGE\n"
         "todo-backend-7d9f8c6b5d-x2k4p   1/1     Running   0          minikube   " +
         age +
         "\n"
         "todo-frontend-5c7b9d4f8-q7w2z   1/1     Running   0          minikube   " +
         age +
         "\n"
         "\n"
         "Warning events: 0\n"
         "\n"
         "Healthy: every pod is ready and every deployment has its replicas\n";
}

const std::string kAdminNodes =
    "NAME       STATUS   CPU   MEMORY\n"
    "minikube   Ready    4     7923024Ki\n";

// What the Nodes section says for a scenario user without a ClusterRole on nodes.
std::string nodesForbidden(const std::string& user) {
  return "Not shown: listing nodes: nodes is forbidden: User \"" + user +
         "\" cannot list resource \"nodes\" in API group \"\" at the cluster scope (403 Forbidden)\n";
}

std::string unhealthyTodoText(WallTime now) {
  const std::string age = ageAt(now, kPodsCreated);
  return "Cluster status for namespace todo\n"
         "\n"
         "Nodes\n"
         "NAME       STATUS   CPU   MEMORY\n"
         "minikube   Ready    4     7923024Ki\n"
         "\n"
         "Deployments\n"
         "NAME            READY   UP-TO-DATE   AVAILABLE\n"
         "todo-backend    1/2     2            1\n"
         "todo-frontend   1/1     1            1\n"
         "\n"
         "Pods\n"
         "NAME                            READY   STATUS             RESTARTS   NODE       AGE\n"
         "todo-backend-7d9f8c6b5d-r8m5n   0/1     CrashLoopBackOff   6          minikube   " +
         ageAt(now, kCrashingPodCreated) +
         "\n"
         "todo-backend-7d9f8c6b5d-x2k4p   1/1     Running            0          minikube   " +
         age +
         "\n"
         "todo-frontend-5c7b9d4f8-q7w2z   1/1     Running            0          minikube   " +
         age +
         "\n"
         "\n"
         "Warning events: 1\n"
         "\n"
         "2 problems:\n"
         "  - deployment todo/todo-backend has 1/2 ready and 1 available replicas\n"
         "  - pod todo/todo-backend-7d9f8c6b5d-r8m5n is not ready (CrashLoopBackOff)\n";
}

// `actual` against the text expected at the start of the run, else at its end (an AGE may tick over).
template <typename Expected>
void expectTextAtRunTime(const PluginRun& run, Expected expected) {
  const std::string atStart = expected(run.before);
  EXPECT_EQ(run.result.out, run.result.out == atStart ? atStart : expected(run.after));
}

class PluginTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new KubesimHarness(e2eScenario(kTodoScenario));
    // kubectl runs the first executable named kubectl-aiops on PATH: put only ours on it.
    pluginDir_ = new std::string(makeTempDir("aiops-plugin-path"));
    fs::create_symlink(AIOPS_PLUGIN_BINARY, fs::path(*pluginDir_) / "kubectl-aiops");
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    std::error_code ec;
    fs::remove_all(*pluginDir_, ec);
    delete pluginDir_;
    pluginDir_ = nullptr;
  }

  // `kubectl aiops ARGS` with `server`'s KUBECONFIG and HOME (overridden by `env`) and our plugin on PATH.
  static PluginRun aiopsOn(const KubesimHarness& server, const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env = {}) {
    ProcessSpec spec;
    spec.argv = {"kubectl", "aiops"};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.env = server.environment();
    const char* path = std::getenv("PATH");
    spec.env["PATH"] = *pluginDir_ + ":" + (path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
    for (const auto& [key, value] : env)
      spec.env[key] = value;
    spec.timeout = std::chrono::seconds(60);
    PluginRun run;
    run.before = std::chrono::system_clock::now();
    ProcessResult r = runProcess(spec);
    run.after = std::chrono::system_clock::now();
    run.result = {r.exitCode, r.out, r.err};
    return run;
  }
  static PluginRun aiops(const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env = {}) {
    return aiopsOn(*server_, args, env);
  }

  // A copy of kubesim's kubeconfig in a fresh file under the server's HOME, for tests that edit it.
  static std::string kubeconfigCopy(const std::string& name) {
    const std::string path = server_->environment().at("HOME") + "/" + name;
    writeFile(path, readFile(server_->kubeconfig()));
    return path;
  }

  static KubesimHarness* server_;
  static std::string* pluginDir_;
};
KubesimHarness* PluginTest::server_ = nullptr;
std::string* PluginTest::pluginDir_ = nullptr;

// --- version and help -----------------------------------------------------------------------------------

TEST_F(PluginTest, KubectlFindsThePlugin) {
  ProcessSpec spec;
  spec.argv = {"kubectl", "plugin", "list", "--name-only"};
  spec.env = server_->environment();
  spec.env["PATH"] = *pluginDir_ + ":/usr/bin:/bin";
  ProcessResult r = runProcess(spec);
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, "The following compatible plugins are available:\n\nkubectl-aiops\n");
}

TEST_F(PluginTest, VersionShowsClientAndServer) {
  const PluginRun client = aiops({"version", "--client", "-o", "json"});
  ASSERT_EQ(client.result.exit, 0) << client.result.err;
  const boost::json::value clientJson = parseJsonOrFail(client.result.out);
  const std::string clientVersion(clientJson.at("clientVersion").at("version").as_string());
  EXPECT_TRUE(clientVersion.starts_with("v0.")) << clientVersion;
  EXPECT_EQ(clientJson.as_object().size(), 1u) << "--client must not contact the server";

  const CommandResult server = server_->kubectl({"get", "--raw", "/version"});
  ASSERT_EQ(server.exit, 0) << server.err;
  const boost::json::value serverJson = parseJsonOrFail(server.out);

  const PluginRun text = aiops({"version"});
  EXPECT_EQ(text.result.exit, 0) << text.result.err;
  EXPECT_EQ(text.result.out, "Client Version: " + clientVersion + "\nServer Version: " +
                                 std::string(serverJson.at("gitVersion").as_string()) + "\n");
  EXPECT_EQ(text.result.err, "");
  EXPECT_EQ(serverJson.at("gitVersion"), "v1.32.0");

  const PluginRun json = aiops({"version", "-o", "json"});
  EXPECT_EQ(json.result.exit, 0) << json.result.err;
  const boost::json::value both = parseJsonOrFail(json.result.out);
  EXPECT_EQ(both.at("clientVersion"), clientJson.at("clientVersion"));
  EXPECT_EQ(both.at("serverVersion"), serverJson);  // the API server's /version, unchanged
  EXPECT_EQ(json.result.err, "");
}

TEST_F(PluginTest, HelpReadsKubectlAiops) {
  const PluginRun root = aiops({"--help"});
  ASSERT_EQ(root.result.exit, 0) << root.result.err;
  EXPECT_TRUE(root.result.out.starts_with(
      "AI-assisted operations for Kubernetes: diagnose, recommend, approve, apply and audit\n"
      "Usage: kubectl aiops [OPTIONS] [SUBCOMMAND]\n"))
      << root.result.out;
  EXPECT_NE(root.result.out.find("Run 'kubectl aiops <command> --help'"), std::string::npos);
  EXPECT_EQ(root.result.out.find("kubectl-aiops"), std::string::npos) << root.result.out;

  const PluginRun status = aiops({"status", "--help"});
  ASSERT_EQ(status.result.exit, 0) << status.result.err;
  EXPECT_NE(status.result.out.find("Usage: kubectl aiops status [OPTIONS]\n"), std::string::npos)
      << status.result.out;
  EXPECT_NE(status.result.out.find("  # Every namespace, for a script\n  kubectl aiops status -A -o json\n"),
            std::string::npos);
  EXPECT_EQ(status.result.out.find("kubectl-aiops"), std::string::npos) << status.result.out;
}

// --- status -----------------------------------------------------------------------------------------

TEST_F(PluginTest, StatusTextOfTheTodoNamespace) {
  const PluginRun run = aiops({"status", "-n", "todo"});
  EXPECT_EQ(run.result.exit, 0) << run.result.err;
  expectTextAtRunTime(run, [](WallTime now) { return healthyTodoText(now, kAdminNodes); });
  EXPECT_EQ(run.result.err, "");  // stderr is a pipe here: no progress line
}

TEST_F(PluginTest, FlagsMayComeBeforeTheCommand) {
  PluginRun run = aiops({"-n", "todo", "status"});
  EXPECT_EQ(run.result.exit, 0) << run.result.err;
  expectTextAtRunTime(run, [](WallTime now) { return healthyTodoText(now, kAdminNodes); });

  run = aiops({"--context", "kubesim-viewer", "-n=todo", "status", "-o", "text"});
  EXPECT_EQ(run.result.exit, 0) << run.result.err;
  expectTextAtRunTime(run, [](WallTime now) { return healthyTodoText(now, nodesForbidden("viewer")); });

  run = aiops({"-o", "json", "version", "--client"});
  EXPECT_EQ(run.result.exit, 0) << run.result.err;
  EXPECT_TRUE(parseJsonOrFail(run.result.out).as_object().contains("clientVersion")) << run.result.out;
}

TEST_F(PluginTest, StatusJsonFollowsTheDocumentedSchema) {
  const PluginRun run = aiops({"status", "-n", "todo", "-o", "json"});
  ASSERT_EQ(run.result.exit, 0) << run.result.err;
  EXPECT_EQ(run.result.err, "");
  const boost::json::value doc = parseJsonOrFail(run.result.out);
  ASSERT_TRUE(doc.is_object());
  std::vector<std::string> keys;
  for (const auto& entry : doc.as_object())
    keys.emplace_back(entry.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"namespace", "allNamespaces", "healthy", "nodes",
                                            "nodesUnavailable", "deployments", "pods", "warningEvents",
                                            "eventsUnavailable", "problems"}));
  EXPECT_EQ(doc.at("namespace"), "todo");
  EXPECT_EQ(doc.at("allNamespaces"), false);
  EXPECT_EQ(doc.at("healthy"), true);
  EXPECT_EQ(doc.at("nodes"),
            boost::json::parse(R"([{"name":"minikube","ready":true,"cpu":"4","memory":"7923024Ki"}])"));
  EXPECT_TRUE(doc.at("nodesUnavailable").is_null());
  EXPECT_EQ(doc.at("deployments"), boost::json::parse(R"([
    {"namespace":"todo","name":"todo-backend","desired":1,"ready":1,"upToDate":1,"available":1,"healthy":true},
    {"namespace":"todo","name":"todo-frontend","desired":1,"ready":1,"upToDate":1,"available":1,"healthy":true}
  ])"));
  const boost::json::array& pods = doc.at("pods").as_array();
  ASSERT_EQ(pods.size(), 2u);
  const std::vector<std::string> names{"todo-backend-7d9f8c6b5d-x2k4p", "todo-frontend-5c7b9d4f8-q7w2z"};
  const auto created = *parseTimestamp(kPodsCreated);
  for (std::size_t i = 0; i < pods.size(); ++i) {
    const boost::json::object& pod = pods[i].as_object();
    std::vector<std::string> podKeys;
    for (const auto& entry : pod)
      podKeys.emplace_back(entry.key());
    EXPECT_EQ(podKeys,
              (std::vector<std::string>{"namespace", "name", "readyContainers", "totalContainers", "status",
                                        "restarts", "node", "createdAt", "ageSeconds", "healthy"}));
    EXPECT_EQ(pod.at("namespace"), "todo");
    EXPECT_EQ(pod.at("name"), boost::json::value(names[i]));
    EXPECT_EQ(pod.at("readyContainers"), 1);
    EXPECT_EQ(pod.at("totalContainers"), 1);
    EXPECT_EQ(pod.at("status"), "Running");
    EXPECT_EQ(pod.at("restarts"), 0);
    EXPECT_EQ(pod.at("node"), "minikube");
    EXPECT_EQ(pod.at("createdAt"), kPodsCreated);
    const std::int64_t age = pod.at("ageSeconds").as_int64();
    EXPECT_GE(age, std::chrono::duration_cast<std::chrono::seconds>(run.before - created).count());
    EXPECT_LE(age, std::chrono::duration_cast<std::chrono::seconds>(run.after - created).count());
    EXPECT_EQ(pod.at("healthy"), true);
  }
  EXPECT_EQ(doc.at("warningEvents"), 0);
  EXPECT_TRUE(doc.at("eventsUnavailable").is_null());
  EXPECT_EQ(doc.at("problems"), boost::json::array());
}

TEST_F(PluginTest, AllNamespacesAddsTheNamespaceColumn) {
  const PluginRun run = aiops({"status", "-A"});
  EXPECT_EQ(run.result.exit, 0) << run.result.err;
  expectTextAtRunTime(run, [](WallTime now) {
    const std::string age = ageAt(now, kPodsCreated);
    return "Cluster status for all namespaces\n"
           "\n"
           "Nodes\n"
           "NAME       STATUS   CPU   MEMORY\n"
           "minikube   Ready    4     7923024Ki\n"
           "\n"
           "Deployments\n"
           "NAMESPACE   NAME            READY   UP-TO-DATE   AVAILABLE\n"
           "todo        todo-backend    1/1     1            1\n"
           "todo        todo-frontend   1/1     1            1\n"
           "\n"
           "Pods\n"
           "NAMESPACE   NAME                            READY   STATUS    RESTARTS   NODE       AGE\n"
           "todo        todo-backend-7d9f8c6b5d-x2k4p   1/1     Running   0          minikube   " +
           age +
           "\n"
           "todo        todo-frontend-5c7b9d4f8-q7w2z   1/1     Running   0          minikube   " +
           age +
           "\n"
           "\n"
           "Warning events: 0\n"
           "\n"
           "Healthy: every pod is ready and every deployment has its replicas\n";
  });
  const PluginRun json = aiops({"status", "--all-namespaces", "-o", "json"});
  EXPECT_EQ(json.result.exit, 0) << json.result.err;
  const boost::json::value doc = parseJsonOrFail(json.result.out);
  EXPECT_TRUE(doc.at("namespace").is_null());
  EXPECT_EQ(doc.at("allNamespaces"), true);
  EXPECT_EQ(doc.at("pods").as_array().size(), 2u);
}

TEST_F(PluginTest, ViewerSeesItsNamespaceAndIsToldWhatItMayNotList) {
  PluginRun run = aiops({"status", "-n", "todo", "--context", "kubesim-viewer"});
  EXPECT_EQ(run.result.exit, 0) << run.result.err;
  expectTextAtRunTime(run, [](WallTime now) { return healthyTodoText(now, nodesForbidden("viewer")); });
  EXPECT_EQ(run.result.err, "");

  run = aiops({"status", "-n", "todo", "--context", "kubesim-viewer", "-o", "json"});
  EXPECT_EQ(run.result.exit, 0) << run.result.err;
  const boost::json::value doc = parseJsonOrFail(run.result.out);
  EXPECT_EQ(doc.at("nodes"), boost::json::array());
  EXPECT_EQ(doc.at("nodesUnavailable"),
            "listing nodes: nodes is forbidden: User \"viewer\" cannot list resource \"nodes\" in API group "
            "\"\" at the cluster scope (403 Forbidden)");
  EXPECT_EQ(doc.at("healthy"), true);

  // Across every namespace the viewer may list nothing that `status` needs: a clear error, exit 3.
  run = aiops({"status", "-A", "--context", "kubesim-viewer"});
  EXPECT_EQ(run.result.exit, 3);
  EXPECT_EQ(run.result.out, "");
  EXPECT_EQ(run.result.err,
            "error: listing deployments.apps: deployments.apps is forbidden: User \"viewer\" cannot list "
            "resource \"deployments\" in API group \"apps\" at the cluster scope (403 Forbidden); ask for "
            "the RBAC permission it names, or use --as\n");

  // The architect's RoleBinding is to the todo namespace only, so nodes are reported the same way.
  run = aiops({"status", "-n", "todo", "--context", "kubesim-architect"});
  EXPECT_EQ(run.result.exit, 0) << run.result.err;
  expectTextAtRunTime(run, [](WallTime now) { return healthyTodoText(now, nodesForbidden("architect")); });
}

TEST_F(PluginTest, KubeconfigFlagWinsOverTheEnvironment) {
  // KUBECONFIG names a kubeconfig whose server is a closed port; --kubeconfig names the real one.
  const std::string closed = kubeconfigCopy("closed-port.kubeconfig");
  CommandResult set = server_->kubectl(
      {"config", "set-cluster", "kubesim", "--server=https://127.0.0.1:1", "--kubeconfig", closed});
  ASSERT_EQ(set.exit, 0) << set.err;

  PluginRun run =
      aiops({"status", "-n", "todo", "--kubeconfig", server_->kubeconfig()}, {{"KUBECONFIG", closed}});
  EXPECT_EQ(run.result.exit, 0) << run.result.err;
  expectTextAtRunTime(run, [](WallTime now) { return healthyTodoText(now, kAdminNodes); });

  run = aiops({"status", "-n", "todo", "--kubeconfig", closed});
  EXPECT_EQ(run.result.exit, 3);
  EXPECT_EQ(run.result.out, "");
  EXPECT_EQ(run.result.err,
            "error: listing deployments.apps in namespace todo: cannot reach the cluster (The connection to "
            "the server 127.0.0.1:1 was refused - did you specify the right host or port?); check that the "
            "cluster is running and that --context/--kubeconfig select it\n");
}

TEST_F(PluginTest, NamespaceComesFromTheContextWhenNotGiven) {
  const std::string config = kubeconfigCopy("todo-namespace.kubeconfig");
  CommandResult set = server_->kubectl(
      {"config", "set-context", "kubesim-viewer", "--namespace=todo", "--kubeconfig", config});
  ASSERT_EQ(set.exit, 0) << set.err;

  PluginRun run = aiops({"status", "--context", "kubesim-viewer"}, {{"KUBECONFIG", config}});
  EXPECT_EQ(run.result.exit, 0) << run.result.err;
  expectTextAtRunTime(run, [](WallTime now) { return healthyTodoText(now, nodesForbidden("viewer")); });

  // The admin context still says `default`, where the scenario has nothing.
  run = aiops({"status"}, {{"KUBECONFIG", config}});
  EXPECT_EQ(run.result.exit, 0) << run.result.err;
  EXPECT_EQ(run.result.out,
            "Cluster status for namespace default\n\nNodes\n" + kAdminNodes +
                "\nDeployments\nNo deployments found.\n\nPods\nNo pods found.\n\nWarning events: 0\n\n"
                "Healthy: every pod is ready and every deployment has its replicas\n");

  // -n wins over the context's namespace: the viewer may not list deployments in default.
  run = aiops({"status", "--context", "kubesim-viewer", "-n", "default"}, {{"KUBECONFIG", config}});
  EXPECT_EQ(run.result.exit, 3);
  EXPECT_EQ(run.result.err,
            "error: listing deployments.apps in namespace default: deployments.apps is forbidden: User "
            "\"viewer\" cannot list resource \"deployments\" in API group \"apps\" in the namespace "
            "\"default\" (403 Forbidden); ask for the RBAC permission it names, or use --as\n");
}

TEST_F(PluginTest, BadFlagIsAUsageError) {
  PluginRun run = aiops({"status", "-n", "todo", "--bogus"});
  EXPECT_EQ(run.result.exit, 2);
  EXPECT_EQ(run.result.out, "");
  EXPECT_EQ(run.result.err,
            "error: the following argument was not expected: --bogus; see 'kubectl aiops status --help'\n");

  run = aiops({"status", "-o", "yml"});
  EXPECT_EQ(run.result.exit, 2);
  EXPECT_EQ(run.result.err,
            "error: invalid output format 'yml'; use one of text, json, yaml, markdown; see 'kubectl aiops "
            "status --help'\n");

  run = aiops({"-n", "todo", "statsu"});
  EXPECT_EQ(run.result.exit, 2);
  EXPECT_EQ(run.result.err,
            "error: unknown command 'statsu' for 'kubectl aiops'; did you mean 'status'? see 'kubectl aiops "
            "--help'\n");
}

// --- other clusters ---------------------------------------------------------------------------------

TEST_F(PluginTest, UnhealthyScenarioExitsOne) {
  KubesimHarness unhealthy(e2eScenario("todo-unhealthy.yaml"));
  PluginRun run = aiopsOn(unhealthy, {"status", "-n", "todo"});
  EXPECT_EQ(run.result.exit, 1) << run.result.err;
  expectTextAtRunTime(run, unhealthyTodoText);
  EXPECT_EQ(run.result.err, "");

  run = aiopsOn(unhealthy, {"status", "-n", "todo", "-o", "json"});
  EXPECT_EQ(run.result.exit, 1) << run.result.err;
  const boost::json::value doc = parseJsonOrFail(run.result.out);
  EXPECT_EQ(doc.at("healthy"), false);
  EXPECT_EQ(doc.at("warningEvents"), 1);
  EXPECT_EQ(doc.at("problems"),
            boost::json::array({"deployment todo/todo-backend has 1/2 ready and 1 available replicas",
                                "pod todo/todo-backend-7d9f8c6b5d-r8m5n is not ready (CrashLoopBackOff)"}));
  EXPECT_EQ(doc.at("deployments").at(0), boost::json::parse(R"(
    {"namespace":"todo","name":"todo-backend","desired":2,"ready":1,"upToDate":2,"available":1,"healthy":false}
  )"));
  EXPECT_EQ(doc.at("pods").at(0).at("status"), "CrashLoopBackOff");
  EXPECT_EQ(doc.at("pods").at(0).at("restarts"), 6);
  EXPECT_EQ(doc.at("pods").at(0).at("healthy"), false);
}

TEST_F(PluginTest, StoppedServerExitsThreeWithAClearMessage) {
  KubesimHarness stopped(e2eScenario("todo-unhealthy.yaml"));
  const std::string hostPort = stopped.url().substr(std::string("https://").size());
  ASSERT_EQ(stopped.stop(), 0);

  PluginRun run = aiopsOn(stopped, {"status", "-n", "todo"});
  EXPECT_EQ(run.result.exit, 3);
  EXPECT_EQ(run.result.out, "");
  EXPECT_EQ(run.result.err,
            "error: listing deployments.apps in namespace todo: cannot reach the cluster (The "
            "connection to the server " +
                hostPort +
                " was refused - did you specify the right host or port?); check that the "
                "cluster is running and that --context/--kubeconfig select it\n");

  // `version` still reports the client and warns about the server.
  run = aiopsOn(stopped, {"version"});
  EXPECT_EQ(run.result.exit, 0);
  EXPECT_TRUE(run.result.out.starts_with("Client Version: v")) << run.result.out;
  EXPECT_EQ(run.result.out.find("Server Version"), std::string::npos) << run.result.out;
  EXPECT_EQ(run.result.err,
            "warning: the server version is unavailable: GET /version: cannot reach the cluster (The "
            "connection to the server " +
                hostPort +
                " was refused - did you specify the right host or port?); check that the cluster is running "
                "and that --context/--kubeconfig select it\n");
}

}  // namespace
}  // namespace aiops::test

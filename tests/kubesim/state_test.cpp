// Tests for loading scenarios and cluster-info dumps: object typing, users, logs, and the error messages.
#include "state.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace kubesim {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;

const fs::path kData = fs::path(KUBESIM_TEST_DATA) / "state";

const json::object* find(const ClusterState& state, std::string_view kind, std::string_view name) {
  for (const auto& o : state.objects) {
    if (o.at("kind").as_string() == kind && o.at("metadata").as_object().at("name").as_string() == name)
      return &o;
  }
  return nullptr;
}

std::string logOf(const ClusterState& state, std::string ns, std::string pod, std::string container,
                  bool previous) {
  auto it = state.logs.find(LogKey{std::move(ns), std::move(pod), std::move(container), previous});
  return it == state.logs.end() ? "<missing>" : it->second;
}

// Writes `content` to a fresh file under the test temp dir and returns its path.
fs::path writeTemp(const std::string& name, const std::string& content) {
  fs::path dir = fs::path(testing::TempDir()) / ("kubesim_state_test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path file = dir / name;
  std::ofstream(file, std::ios::binary) << content;
  return file;
}

std::string scenarioError(const std::string& name, const std::string& content) {
  fs::path file = writeTemp(name, content);
  try {
    loadScenario(file);
  } catch (const StateError& e) {
    std::string message = e.what();
    // Report relative to the file so expectations stay readable.
    if (message.starts_with(file.string())) message = "<file>" + message.substr(file.string().size());
    return message;
  }
  return "no error";
}

TEST(StateScenario, LoadsObjectsUsersAndLogs) {
  ClusterState state = loadScenario(kData / "scenario.yaml");
  std::vector<std::string> kinds;
  for (const auto& o : state.objects) {
    kinds.push_back(std::string(o.at("kind").as_string()) + "/" +
                    std::string(o.at("metadata").as_object().at("name").as_string()));
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"Namespace/shop", "Deployment/api", "Pod/api-6c9f8d7b5-xk2lp",
                                             "ConfigMap/typing", "Service/api", "ServiceAccount/builder",
                                             "ConfigMap/merged"}));
  const auto* deployment = find(state, "Deployment", "api");
  ASSERT_NE(deployment, nullptr);
  EXPECT_EQ(json::serialize(deployment->at("status")),
            R"({"replicas":2,"readyReplicas":1,"availableReplicas":1,"updatedReplicas":2})");
  EXPECT_EQ(deployment->at("metadata").at("annotations").at("deployment.kubernetes.io/revision"),
            json::value("3"));

  ASSERT_EQ(state.users.size(), 2u);
  EXPECT_EQ(state.users[0].name, "alice");
  EXPECT_EQ(state.users[0].groups, std::vector<std::string>{"shop-devs"});
  EXPECT_EQ(state.users[1].name, "bob");
  EXPECT_TRUE(state.users[1].groups.empty());

  // The first PodLog names no container: the pod's only container is taken.
  ASSERT_EQ(state.logs.size(), 2u);
  EXPECT_EQ(
      logOf(state, "shop", "api-6c9f8d7b5-xk2lp", "api", false),
      "2024-05-01T11:59:30Z starting api 1.4.2\n2024-05-01T11:59:31Z connecting to postgres at db:5432\n");
  EXPECT_EQ(logOf(state, "shop", "api-6c9f8d7b5-xk2lp", "api", true),
            "2024-05-01T11:57:58Z starting api 1.4.2\n"
            "2024-05-01T11:57:59Z FATAL: password authentication failed for user \"shop\"\n");
}

TEST(StateScenario, ScalarTypingFollowsKubectl) {
  ClusterState state = loadScenario(kData / "scenario.yaml");
  const auto* cm = find(state, "ConfigMap", "typing");
  ASSERT_NE(cm, nullptr);
  EXPECT_EQ(json::serialize(cm->at("data")),
            R"({"quoted":"3","single":"yes","block":"line one\nline two\n"})");
  const auto& extra = cm->at("extra").as_object();
  EXPECT_TRUE(extra.at("int").is_int64());
  EXPECT_EQ(extra.at("int").as_int64(), 42);
  EXPECT_EQ(extra.at("negative").as_int64(), -7);
  EXPECT_EQ(extra.at("octal").as_int64(), 8);
  EXPECT_EQ(extra.at("hex").as_int64(), 31);
  EXPECT_EQ(extra.at("underscore").as_int64(), 1000);
  EXPECT_TRUE(extra.at("float").is_double());
  EXPECT_EQ(extra.at("float").as_double(), 1.5);
  EXPECT_TRUE(extra.at("exponent").is_int64());  // float64(1000) encodes as 1000
  EXPECT_EQ(extra.at("exponent").as_int64(), 1000);
  EXPECT_EQ(extra.at("leadingDot").as_double(), 0.5);
  EXPECT_EQ(extra.at("true"), json::value(true));  // `yes: on` — YAML 1.1 booleans, the key formatted back
  EXPECT_EQ(extra.at("false"), json::value(false));
  EXPECT_EQ(extra.at("plainTrue"), json::value(true));
  EXPECT_TRUE(extra.at("tilde").is_null());
  EXPECT_TRUE(extra.at("nothing").is_null());
  EXPECT_EQ(extra.at("word"), json::value("hello"));
  EXPECT_EQ(extra.at("version"), json::value("1.20.3"));
  EXPECT_EQ(extra.at("timestamp"), json::value("2024-05-01T12:00:00Z"));
  EXPECT_TRUE(extra.at("big").is_uint64());
  EXPECT_EQ(extra.at("big").as_uint64(), 18446744073709551615ull);
}

TEST(StateScenario, FlattensListsAndMergesAnchors) {
  ClusterState state = loadScenario(kData / "scenario.yaml");
  const auto* svc = find(state, "Service", "api");
  ASSERT_NE(svc, nullptr);
  EXPECT_EQ(svc->at("apiVersion"), json::value("v1"));
  EXPECT_EQ(json::serialize(svc->at("spec").at("ports")), R"([{"port":80,"targetPort":8080}])");
  const auto* merged = find(state, "ConfigMap", "merged");
  ASSERT_NE(merged, nullptr);
  EXPECT_EQ(json::serialize(merged->at("metadata").at("labels")), R"({"tier":"backend","app":"web"})");
}

TEST(StateScenario, TypedListItemsGetTheirKind) {
  fs::path file = writeTemp("typed-list.yaml",
                            "apiVersion: apps/v1\nkind: DeploymentList\nitems:\n- metadata:\n    name: a\n"
                            "- metadata:\n    name: b\n");
  ClusterState state = loadScenario(file);
  ASSERT_EQ(state.objects.size(), 2u);
  EXPECT_EQ(state.objects[1].at("apiVersion"), json::value("apps/v1"));
  EXPECT_EQ(state.objects[1].at("kind"), json::value("Deployment"));
}

TEST(StateScenario, ErrorsNameTheFileAndLine) {
  EXPECT_EQ(scenarioError("no-api-version.yaml",
                          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n---\nkind: ConfigMap\n"
                          "metadata:\n  name: broken\n"),
            "<file>:6: object has no apiVersion");
  EXPECT_EQ(scenarioError("no-kind.yaml", "apiVersion: v1\nmetadata:\n  name: x\n"),
            "<file>:1: object has no kind");
  EXPECT_EQ(scenarioError("no-name.yaml",
                          "# comment\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  labels:\n"
                          "    app: x\n"),
            "<file>:2: Deployment has no metadata.name");
  EXPECT_EQ(scenarioError("list-item.yaml",
                          "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n"
                          "  metadata:\n    name: p\n- apiVersion: v1\n  kind: Pod\n"
                          "  metadata: {}\n"),
            "<file>:8: Pod has no metadata.name");
  EXPECT_EQ(scenarioError("bad-yaml.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n"),
            "<file>:5: invalid YAML: end of sequence flow not found");
  EXPECT_EQ(
      scenarioError("duplicate.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n"),
      "<file>:5: key \"name\" already set in map");
  EXPECT_EQ(scenarioError("sequence.yaml", "- a\n- b\n"),
            "<file>:1: expected a Kubernetes object (a mapping), found a sequence");
  EXPECT_EQ(scenarioError("nan.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\nratio: .nan\n"),
            "<file>:5: unsupported value .nan (NaN and infinities have no JSON form)");
  EXPECT_EQ(
      scenarioError("unknown-kind.yaml", "apiVersion: kubesim.aiops.dev/v1\nkind: Robot\nname: r2\n"),
      "<file>:1: unknown kind Robot in kubesim.aiops.dev/v1 (expected User, PodLog, Clock, BehaviourProfile, "
      "LoadCurve, Timeline or Fault)");
  EXPECT_EQ(scenarioError("user.yaml", "apiVersion: kubesim.aiops.dev/v1\nkind: User\ngroups: [a]\n"),
            "<file>:1: User has no name");
  EXPECT_EQ(scenarioError("podlog-text.yaml", "apiVersion: kubesim.aiops.dev/v1\nkind: PodLog\npod: p\n"),
            "<file>:1: PodLog for pod default/p has no text");
  EXPECT_EQ(scenarioError("podlog-nopod.yaml",
                          "apiVersion: kubesim.aiops.dev/v1\nkind: PodLog\npod: ghost\n"
                          "text: hi\n"),
            "<file>:1: PodLog for pod default/ghost has no container and the scenario defines no such pod");
  EXPECT_EQ(
      scenarioError("podlog-two.yaml",
                    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n"
                    "  - name: b\n---\napiVersion: kubesim.aiops.dev/v1\nkind: PodLog\npod: p\ntext: hi\n"),
      "<file>:10: PodLog for pod default/p must name its container (the pod has 2 containers)");
  EXPECT_EQ(
      scenarioError("podlog-dup.yaml",
                    "apiVersion: kubesim.aiops.dev/v1\nkind: PodLog\npod: p\ncontainer: c\ntext: a\n---\n"
                    "apiVersion: kubesim.aiops.dev/v1\nkind: PodLog\npod: p\ncontainer: c\ntext: b\n"),
      "<file>:7: duplicate log for container c of pod default/p");
  EXPECT_EQ(scenarioError("podlog-previous.yaml",
                          "apiVersion: kubesim.aiops.dev/v1\nkind: PodLog\npod: p\n"
                          "container: c\nprevious: \"yes\"\ntext: a\n"),
            "<file>:1: PodLog: previous must be true or false");
}

TEST(StateScenario, MissingFileIsAClearError) {
  fs::path missing = kData / "does-not-exist.yaml";
  try {
    loadScenario(missing);
    FAIL() << "expected StateError";
  } catch (const StateError& e) {
    EXPECT_EQ(std::string(e.what()), missing.string() + ": cannot read: No such file or directory");
  }
}

TEST(StateDump, LoadsTypedListsAndFillsKinds) {
  ClusterState state = loadClusterInfoDump(kData / "cluster-info-dump");
  std::vector<std::string> kinds;
  for (const auto& o : state.objects) {
    const auto& md = o.at("metadata").as_object();
    std::string ns = md.contains("namespace") ? std::string(md.at("namespace").as_string()) + "/" : "";
    kinds.push_back(std::string(o.at("apiVersion").as_string()) + " " +
                    std::string(o.at("kind").as_string()) + " " + ns +
                    std::string(md.at("name").as_string()));
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{
                       "v1 Node node-1",
                       "v1 Node node-2",
                       "v1 Pod default/web-7d4b9c6f5-abcde",
                       "apps/v1 Deployment default/web",
                       "apps/v1 ReplicaSet default/web-7d4b9c6f5",
                       "v1 Service default/kubernetes",
                       "v1 Service default/web",
                       "v1 Event shop/api-6c9f8d7b5-xk2lp.17c1a2b3c4d5e6f7",
                       "v1 Pod shop/api-6c9f8d7b5-xk2lp",
                       "v1 Pod shop/worker-5b8d6c4f9-q7r2t",
                       "apps/v1 Deployment shop/api",
                       "v1 ResourceQuota shop/shop-quota",
                       "v1 PersistentVolumeClaim shop/uploads",
                       "v1 ConfigMap shop/api-config",
                       "v1 Namespace default",
                       "v1 Namespace shop",
                   }));
  const auto* pod = find(state, "Pod", "api-6c9f8d7b5-xk2lp");
  ASSERT_NE(pod, nullptr);
  EXPECT_EQ(pod->at("status").at("containerStatuses").at(0).at("restartCount"), json::value(7));
  const auto* ns = find(state, "Namespace", "shop");
  ASSERT_NE(ns, nullptr);
  EXPECT_EQ(
      json::serialize(*ns),
      R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop"},"spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}})");
}

TEST(StateDump, LogsFromStartEndBlocksAndPreviousFiles) {
  ClusterState state = loadClusterInfoDump(kData / "cluster-info-dump");
  ASSERT_EQ(state.logs.size(), 3u);
  EXPECT_EQ(
      logOf(state, "default", "web-7d4b9c6f5-abcde", "nginx", false),
      "/docker-entrypoint.sh: Configuration complete; ready for start up\n"
      "10.244.1.1 - - [01/May/2024:11:59:58 +0000] \"GET / HTTP/1.1\" 200 615 \"-\" \"kube-probe/1.32\"\n");
  // No trailing newline in the dump: the END marker followed the last line directly.
  EXPECT_EQ(
      logOf(state, "shop", "api-6c9f8d7b5-xk2lp", "api", false),
      "2024-05-01T11:59:30Z starting api 1.4.2\n2024-05-01T11:59:31Z connecting to postgres at db:5432");
  EXPECT_EQ(
      logOf(state, "shop", "api-6c9f8d7b5-xk2lp", "api", true),
      "2024-05-01T11:57:58Z starting api 1.4.2\n2024-05-01T11:57:59Z connecting to postgres at db:5432\n"
      "2024-05-01T11:58:00Z FATAL: password authentication failed for user \"shop\"\n");
  // The dump recorded a failed log request for the pending worker: it has no log.
  EXPECT_EQ(logOf(state, "shop", "worker-5b8d6c4f9-q7r2t", "worker", false), "<missing>");
}

std::string dumpError(const std::string& name, const std::map<std::string, std::string>& files) {
  fs::path dir = fs::path(testing::TempDir()) / ("kubesim_dump_test-" + std::to_string(::getpid())) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const auto& [path, content] : files) {
    fs::create_directories((dir / path).parent_path());
    std::ofstream(dir / path, std::ios::binary) << content;
  }
  try {
    loadClusterInfoDump(dir);
  } catch (const StateError& e) {
    std::string message = e.what();
    if (message.starts_with(dir.string())) message = "<dir>" + message.substr(dir.string().size());
    return message;
  }
  return "no error";
}

TEST(StateDump, Errors) {
  EXPECT_EQ(dumpError("empty", {{"README", "not a dump"}}),
            "<dir>: not a kubectl cluster-info dump (no nodes.json and no namespace directories)");
  EXPECT_EQ(
      dumpError("bad-json", {{"nodes.json", "{\"kind\": \"NodeList\", \"items\": []}"},
                             {"shop/pods.json", "{\n  \"kind\": \"PodList\",\n  \"items\": [\n    {,\n"}}),
      "<dir>/shop/pods.json:4: invalid JSON: syntax error");
  EXPECT_EQ(dumpError("no-name", {{"default/pods.json",
                                   R"({"kind":"PodList","apiVersion":"v1","items":[{"metadata":{}}]})"}}),
            "<dir>/default/pods.json: items[0]: Pod has no metadata.name");
  EXPECT_EQ(dumpError("no-end", {{"default/p/logs.txt",
                                  "==== START logs for container c of pod default/p ====\nhi\n"}}),
            "<dir>/default/p/logs.txt:1: no END line for container c of pod default/p");
  try {
    loadClusterInfoDump(kData / "scenario.yaml");
    FAIL() << "expected StateError";
  } catch (const StateError& e) {
    EXPECT_EQ(std::string(e.what()), (kData / "scenario.yaml").string() + ": not a directory");
  }
}

TEST(StateScenario, CollectsBehaviourDocumentsWithFieldLines) {
  fs::path file = writeTemp("behaviour.yaml",
                            "apiVersion: v1\n"                    // 1
                            "kind: Namespace\n"                   // 2
                            "metadata: {name: shop}\n"            // 3
                            "---\n"                               // 4
                            "apiVersion: kubesim.aiops.dev/v1\n"  // 5
                            "kind: LoadCurve\n"                   // 6
                            "service: api\n"                      // 7
                            "steps:\n"                            // 8
                            "- at: 0s\n"                          // 9
                            "  rps: 5\n"                          // 10
                            "- {at: 5m, rps: 50}\n"               // 11
                            "labels: {a/b: x}\n"                  // 12
                            "---\n"                               // 13
                            "apiVersion: kubesim.aiops.dev/v1\n"  // 14
                            "kind: User\n"                        // 15
                            "name: ann\n"                         // 16
                            "---\n"                               // 17
                            "apiVersion: kubesim.aiops.dev/v1\n"  // 18
                            "kind: Timeline\n"                    // 19
                            "entries: []\n");                     // 20
  ClusterState state = loadScenario(file);
  ASSERT_EQ(state.behaviourDocuments.size(), 2u);
  const ScenarioDocument& curve = state.behaviourDocuments[0];
  EXPECT_EQ(curve.kind, "LoadCurve");
  EXPECT_EQ(curve.file, file.string());
  EXPECT_EQ(curve.line, 5);
  EXPECT_EQ(
      json::serialize(curve.body),
      R"({"apiVersion":"kubesim.aiops.dev/v1","kind":"LoadCurve","service":"api","steps":[{"at":"0s","rps":5},)"
      R"({"at":"5m","rps":50}],"labels":{"a/b":"x"}})");
  EXPECT_EQ(curve.lines.at("/service"), 7);
  EXPECT_EQ(curve.lines.at("/steps"), 8);
  EXPECT_EQ(curve.lines.at("/steps/0"), 9);
  EXPECT_EQ(curve.lines.at("/steps/0/rps"), 10);
  EXPECT_EQ(curve.lines.at("/steps/1/rps"), 11);
  EXPECT_EQ(curve.lines.at("/labels/a~1b"), 12);
  EXPECT_EQ(state.behaviourDocuments[1].kind, "Timeline");
  EXPECT_EQ(state.behaviourDocuments[1].line, 18);
  EXPECT_EQ(state.behaviourDocuments[1].lines.count("/service"), 0u);
  ASSERT_EQ(state.users.size(), 1u);
  EXPECT_EQ(state.objects.size(), 1u);
}

}  // namespace
}  // namespace kubesim

// End-to-end tests of the Todo Chatbot chart (charts/todo-chatbot): lint, render, values schema, validity
// against the official OpenAPI schema, and `helm upgrade/history/rollback/status` against kubesim with the
// real kubectl. They run a real `helm` when one is on PATH, else the helm TEST STAND-IN (tests/helm/standin).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "../e2e/e2e_util.h"
#include "codec.h"
#include "kubesim_harness.h"
#include "openapi.h"
#include "support/subprocess.h"
#include "validate.h"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using aiops::test::CommandResult;
using aiops::test::KubesimHarness;

const std::string kChart = AIOPS_CHART_DIR;
const std::string kStandinDir = AIOPS_HELM_STANDIN_DIR;

// A `helm` on PATH that is not the stand-in, or "".
std::string realHelm() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "");
  std::error_code ec;
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    const fs::path candidate = fs::path(dir) / "helm";
    if (::access(candidate.c_str(), X_OK) != 0) continue;
    if (fs::equivalent(fs::path(dir), fs::path(kStandinDir), ec)) continue;
    return candidate.string();
  }
  return {};
}

bool usingStandin() {
  static const bool standin = realHelm().empty();
  return standin;
}

// Every test gets its own release-state directory and argument log, removed afterwards.
class HelmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = aiops::test::makeTempDir("aiops-chart-test-");
    fs::create_directories(dir_ + "/home");
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  // The environment of a helm run: the stand-in's state and log, and its directory first on PATH.
  std::map<std::string, std::string> helmEnv(std::map<std::string, std::string> base = {}) const {
    const char* path = std::getenv("PATH");
    std::string tail = base.count("PATH") ? base["PATH"] : std::string(path ? path : "");
    base["PATH"] = usingStandin() ? kStandinDir + ":" + tail : tail;
    base["HELM_STANDIN_STATE"] = dir_ + "/state";
    base["HELM_STANDIN_LOG"] = dir_ + "/args.log";
    if (!base.count("HOME")) base["HOME"] = dir_ + "/home";
    return base;
  }

  CommandResult helm(const std::vector<std::string>& args, const KubesimHarness* cluster = nullptr) const {
    aiops::ProcessSpec spec;
    // runProcess looks argv[0] up on the test's own PATH, so the binary is named by its full path.
    spec.argv = {usingStandin() ? kStandinDir + "/helm" : realHelm()};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.env = helmEnv(cluster ? cluster->environment() : std::map<std::string, std::string>{});
    spec.timeout = std::chrono::minutes(4);
    aiops::ProcessResult r = aiops::runProcess(spec);
    return {r.exitCode, r.out, r.err};
  }

  std::string writeFile(const std::string& name, const std::string& text, bool executable = false) const {
    const std::string file = dir_ + "/" + name;
    std::ofstream(file) << text;
    if (executable) fs::permissions(file, fs::perms::owner_all, fs::perm_options::add);
    return file;
  }

  std::string dir_;
};

// The objects of a rendered stream, parsed (comments and `# Source:` lines are YAML comments).
std::vector<json::object> objectsOf(const std::string& stream) {
  std::vector<json::object> out;
  std::string doc;
  auto flush = [&] {
    json::value v = kubesim::parseYaml(doc);
    if (v.is_object()) out.push_back(v.as_object());
    doc.clear();
  };
  for (const std::string& line : aiops::test::lines(stream)) {
    if (line == "---") {
      flush();
      continue;
    }
    doc += line + "\n";
  }
  flush();
  return out;
}

std::string str(const json::value* v) {
  return v && v->is_string() ? std::string(v->as_string()) : "";
}

std::string kindName(const json::object& o) {
  return str(o.if_contains("kind")) + "/" + str(o.at("metadata").as_object().if_contains("name"));
}

const json::object* find(const std::vector<json::object>& objects, const std::string& kn) {
  for (const auto& o : objects)
    if (kindName(o) == kn) return &o;
  return nullptr;
}

std::vector<std::string> sortedKindNames(const std::vector<json::object>& objects) {
  std::vector<std::string> out;
  for (const auto& o : objects)
    out.push_back(kindName(o));
  std::sort(out.begin(), out.end());
  return out;
}

const std::vector<std::string> kDefaultObjects = {"ConfigMap/todo-backend",
                                                  "Deployment/todo-backend",
                                                  "Deployment/todo-frontend",
                                                  "NetworkPolicy/todo-backend",
                                                  "NetworkPolicy/todo-default-deny-ingress",
                                                  "NetworkPolicy/todo-frontend",
                                                  "PodDisruptionBudget/todo-backend",
                                                  "PodDisruptionBudget/todo-frontend",
                                                  "Role/aiops-reader",
                                                  "RoleBinding/aiops-reader",
                                                  "Service/todo-backend",
                                                  "Service/todo-frontend",
                                                  "ServiceAccount/aiops-reader",
                                                  "ServiceAccount/todo-backend",
                                                  "ServiceAccount/todo-frontend"};

std::vector<json::object> renderOrFail(const CommandResult& r) {
  EXPECT_EQ(r.exit, 0) << r.err;
  return objectsOf(r.out);
}

const json::object& container(const json::object& deployment) {
  return deployment.at("spec").at("template").at("spec").at("containers").as_array().at(0).as_object();
}

TEST_F(HelmTest, LintPasses) {
  CommandResult r = helm({"lint", kChart});
  EXPECT_EQ(r.exit, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("1 chart(s) linted, 0 chart(s) failed"), std::string::npos) << r.out;
}

TEST_F(HelmTest, LintFailsOnAValueTheSchemaRefuses) {
  CommandResult r = helm({"lint", kChart, "--set", "backend.replicas=three"});
  EXPECT_EQ(r.exit, 1) << r.out;
  EXPECT_NE(r.err.find("1 chart(s) linted, 1 chart(s) failed"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("backend.replicas: Invalid type. Expected: integer, given: string"), std::string::npos)
      << r.out;
}

TEST_F(HelmTest, DefaultRenderHasExactlyTheExpectedObjects) {
  std::vector<json::object> objects = renderOrFail(helm({"template", "todo", kChart, "-n", "todo"}));
  EXPECT_EQ(sortedKindNames(objects), kDefaultObjects);
}

TEST_F(HelmTest, NamesAndSelectorsMatchTheInstalledScenario) {
  // The e2e tests upgrade over tests/kubesim/scenarios/todo-chatbot.yaml, and selectors are immutable.
  std::vector<json::object> objects = renderOrFail(helm({"template", "todo", kChart, "-n", "todo"}));
  for (const char* component : {"backend", "frontend"}) {
    const std::string name = std::string("todo-") + component;
    const json::object* d = find(objects, "Deployment/" + name);
    ASSERT_NE(d, nullptr) << name;
    EXPECT_EQ(d->at("spec").at("selector"),
              json::parse(std::string(R"({"matchLabels":{"app.kubernetes.io/name":")") + component +
                          R"(","app.kubernetes.io/instance":"todo"}})"));
    EXPECT_EQ(d->at("spec").at("template").at("metadata").at("labels"),
              d->at("spec").at("selector").at("matchLabels"));
    EXPECT_EQ(str(container(*d).if_contains("image")),
              std::string("ghcr.io/todo-chatbot/") + component + ":1.4.2");
    const json::object* s = find(objects, "Service/" + name);
    ASSERT_NE(s, nullptr) << name;
    EXPECT_EQ(s->at("spec").at("selector"), d->at("spec").at("selector").at("matchLabels"));
  }
}

TEST_F(HelmTest, EveryRenderedObjectValidatesAgainstTheOfficialOpenApi) {
  const kubesim::OpenApi api = kubesim::OpenApi::load(KUBESIM_DEFAULT_OPENAPI);
  for (const std::vector<std::string>& extra :
       {std::vector<std::string>{}, std::vector<std::string>{"--set", "backend.autoscaling.enabled=true"},
        std::vector<std::string>{"--set", "networkPolicy.metricsFrom[0].ipBlock.cidr=192.168.49.2/32"}}) {
    std::vector<std::string> args = {"template", "todo", kChart, "-n", "todo"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<json::object> objects = renderOrFail(helm(args));
    ASSERT_GE(objects.size(), kDefaultObjects.size());
    for (const json::object& o : objects) {
      kubesim::ValidationResult result = kubesim::validateObject(api, o);
      for (const auto& p : result.problems)
        ADD_FAILURE() << kindName(o) << ": " << p.field << ": " << p.message;
    }
  }
}

TEST_F(HelmTest, NoSecretObjectAndNoSecretValueIsRendered) {
  CommandResult r = helm({"template", "todo", kChart, "-n", "todo"});
  std::vector<json::object> objects = renderOrFail(r);
  for (const json::object& o : objects)
    EXPECT_NE(str(o.if_contains("kind")), "Secret") << kindName(o);
  const json::object* backend = find(objects, "Deployment/todo-backend");
  ASSERT_NE(backend, nullptr);
  const json::array& env = container(*backend).at("env").as_array();
  ASSERT_EQ(env.size(), 1u);
  // The database URL is a reference (the Secret's name comes from a tpl'd value) and never a literal.
  EXPECT_EQ(env.at(0), json::parse(R"({"name":"DATABASE_URL","valueFrom":{"secretKeyRef":
      {"name":"todo-db","key":"database-url","optional":true}}})"));
  const json::object* config = find(objects, "ConfigMap/todo-backend");
  ASSERT_NE(config, nullptr);
  EXPECT_EQ(config->at("data"), json::parse(R"({"PORT":"8000","LOG_LEVEL":"info"})"));
  EXPECT_EQ(r.out.find("postgres://"), std::string::npos);
}

TEST_F(HelmTest, TheSecretNameIsATemplateAndCanBeTurnedOff) {
  const std::string values = writeFile("values.yaml",
                                       "backend:\n  existingSecret: \"{{ .Release.Name }}-pg\"\n"
                                       "  existingSecretKey: url\n");
  std::vector<json::object> objects = renderOrFail(helm({"template", "shop", kChart, "-f", values}));
  const json::object* backend = find(objects, "Deployment/shop-backend");
  ASSERT_NE(backend, nullptr);
  EXPECT_EQ(container(*backend).at("env").at(0).at("valueFrom"),
            json::parse(R"({"secretKeyRef":{"name":"shop-pg","key":"url","optional":true}})"));

  objects = renderOrFail(helm({"template", "shop", kChart, "--set", "backend.existingSecret="}));
  backend = find(objects, "Deployment/shop-backend");
  ASSERT_NE(backend, nullptr);
  EXPECT_FALSE(container(*backend).contains("env"));
}

TEST_F(HelmTest, SchemaRefusesAReplicaCountThatIsNotAnInteger) {
  CommandResult r = helm({"template", "todo", kChart, "--set", "backend.replicas=three"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(r.out, "");
  const std::string expected =
      "Error: values don't meet the specifications of the schema(s) in the following chart(s):\n"
      "todo-chatbot:\n"
      "- backend.replicas: Invalid type. Expected: integer, given: string\n";
  if (usingStandin()) {
    EXPECT_EQ(r.err, expected);
  } else {
    EXPECT_NE(r.err.find("backend.replicas"), std::string::npos) << r.err;
  }
}

TEST_F(HelmTest, SchemaRefusesUnknownKeysBadImagesAndBadQuantities) {
  CommandResult r = helm({"template", "todo", kChart, "--set", "backend.replica=2"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_NE(r.err.find("- backend: Additional property replica is not allowed\n"), std::string::npos)
      << r.err;
  r = helm({"template", "todo", kChart, "--set", "frontend.image=ghcr.io/todo-chatbot/frontend"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_NE(r.err.find("- frontend.image: Does not match pattern '"), std::string::npos) << r.err;
  r = helm({"template", "todo", kChart, "--set", "backend.resources.requests.cpu=lots"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_NE(r.err.find("- backend.resources.requests.cpu: Does not match pattern '"), std::string::npos)
      << r.err;
  r = helm({"template", "todo", kChart, "--set", "backend.autoscaling.targetCPUUtilizationPercentage=150"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_NE(
      r.err.find("- backend.autoscaling.targetCPUUtilizationPercentage: Must be less than or equal to 100"),
      std::string::npos)
      << r.err;
}

TEST_F(HelmTest, RequiredRefusesAnEmptyImageWhenNoSchemaStopsItFirst) {
  // values.schema.json refuses an empty image before rendering; without it, `required` in the template does.
  const std::string copy = dir_ + "/todo-chatbot";
  fs::copy(kChart, copy, fs::copy_options::recursive);
  fs::remove(copy + "/values.schema.json");
  CommandResult r = helm({"template", "todo", copy, "--set", "backend.image="});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "Error: execution error at (todo-chatbot/templates/backend.yaml:61:20): backend.image is "
            "required (e.g. ghcr.io/todo-chatbot/backend:1.4.2)\n");
}

TEST_F(HelmTest, AutoscalingAddsAnHpaAndDropsTheReplicaCount) {
  std::vector<json::object> objects =
      renderOrFail(helm({"template", "todo", kChart, "--set", "backend.autoscaling.enabled=true"}));
  std::vector<std::string> expected = kDefaultObjects;
  expected.push_back("HorizontalPodAutoscaler/todo-backend");
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(sortedKindNames(objects), expected);
  const json::object* hpa = find(objects, "HorizontalPodAutoscaler/todo-backend");
  ASSERT_NE(hpa, nullptr);
  EXPECT_EQ(str(hpa->if_contains("apiVersion")), "autoscaling/v2");
  EXPECT_EQ(hpa->at("spec"), json::parse(R"({"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment",
      "name":"todo-backend"},"minReplicas":1,"maxReplicas":4,"metrics":[{"type":"Resource","resource":
      {"name":"cpu","target":{"type":"Utilization","averageUtilization":70}}}]})"));
  EXPECT_FALSE(find(objects, "Deployment/todo-backend")->at("spec").as_object().contains("replicas"));
}

TEST_F(HelmTest, AnnotationsTellTheGateAndTheCollectorWhereMetricsAre) {
  std::vector<json::object> objects = renderOrFail(helm({"template", "todo", kChart}));
  for (const char* service : {"Service/todo-backend", "Service/todo-frontend"}) {
    ASSERT_NE(find(objects, service), nullptr) << service;
    EXPECT_EQ(find(objects, service)->at("metadata").at("annotations"),
              json::parse(R"({"aiops.dev/metrics-port":"http","aiops.dev/metrics-path":"/metrics"})"));
  }
  EXPECT_EQ(find(objects, "Deployment/todo-backend")->at("metadata").at("annotations"),
            json::parse(R"({"aiops.dev/gate":"true"})"));
  EXPECT_FALSE(find(objects, "Deployment/todo-frontend")->at("metadata").as_object().contains("annotations"));
  objects = renderOrFail(helm({"template", "todo", kChart, "--set", "backend.gate.enabled=false"}));
  EXPECT_FALSE(find(objects, "Deployment/todo-backend")->at("metadata").as_object().contains("annotations"));
  // An application without /metrics: no annotations, so the gate falls back to the pods' logs.
  objects = renderOrFail(helm({"template", "todo", kChart, "--set", "metrics.enabled=false"}));
  for (const char* service : {"Service/todo-backend", "Service/todo-frontend"})
    EXPECT_FALSE(find(objects, service)->at("metadata").as_object().contains("annotations")) << service;
}

TEST_F(HelmTest, ComponentsHaveNoApiAccessAndTheReaderMayProxyMetrics) {
  std::vector<json::object> objects = renderOrFail(helm({"template", "todo", kChart}));
  for (const char* component : {"todo-backend", "todo-frontend"}) {
    const json::object* sa = find(objects, std::string("ServiceAccount/") + component);
    ASSERT_NE(sa, nullptr);
    EXPECT_EQ(sa->at("automountServiceAccountToken"), json::value(false));
    const json::object& pod = find(objects, std::string("Deployment/") + component)
                                  ->at("spec")
                                  .at("template")
                                  .at("spec")
                                  .as_object();
    EXPECT_EQ(str(pod.if_contains("serviceAccountName")), component);
    EXPECT_EQ(pod.at("automountServiceAccountToken"), json::value(false));
  }
  // The only RoleBinding binds the aiops reader; the app's accounts hold no role.
  const json::object* binding = find(objects, "RoleBinding/aiops-reader");
  ASSERT_NE(binding, nullptr);
  EXPECT_EQ(binding->at("subjects"),
            json::parse(R"([{"kind":"ServiceAccount","name":"aiops-reader","namespace":"default"}])"));
  const json::array& rules = find(objects, "Role/aiops-reader")->at("rules").as_array();
  EXPECT_EQ(rules.back(),
            json::parse(R"({"apiGroups":[""],"resources":["pods/proxy","services/proxy"],"verbs":["get"]})"));
  for (const json::value& rule : rules)
    for (const json::value& verb : rule.at("verbs").as_array())
      EXPECT_TRUE(verb == "get" || verb == "list" || verb == "watch") << json::serialize(rule);
}

TEST_F(HelmTest, UpgradeWithoutInstallRefusesAMissingRelease) {
  KubesimHarness cluster(KUBESIM_SCENARIOS "/todo-chatbot.yaml");
  CommandResult r = helm({"upgrade", "todo", kChart, "-n", "todo"}, &cluster);
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(r.err, "Error: UPGRADE FAILED: \"todo\" has no deployed releases\n");
}

// The Deployments of `ns` are all Available with every replica updated and ready, on the given images.
void expectAppUp(const KubesimHarness& cluster, const std::string& ns) {
  CommandResult r = cluster.kubectl({"get", "deployments", "-n", ns, "-o", "json"});
  ASSERT_EQ(r.exit, 0) << r.err;
  json::value list = aiops::test::parseJsonOrFail(r.out);
  std::map<std::string, std::string> images;
  for (const json::value& d : list.at("items").as_array()) {
    const std::string name(d.at("metadata").at("name").as_string());
    images[name] =
        str(d.at("spec").at("template").at("spec").at("containers").at(0).as_object().if_contains("image"));
    const json::object& status = d.at("status").as_object();
    const auto replicas = d.at("spec").at("replicas").to_number<std::int64_t>();
    EXPECT_EQ(status.at("updatedReplicas").to_number<std::int64_t>(), replicas) << name;
    EXPECT_EQ(status.at("readyReplicas").to_number<std::int64_t>(), replicas) << name;
    bool available = false;
    for (const json::value& c : status.at("conditions").as_array())
      if (c.at("type") == "Available") available = c.at("status") == "True";
    EXPECT_TRUE(available) << name;
  }
  EXPECT_EQ(images,
            (std::map<std::string, std::string>{{"todo-backend", "ghcr.io/todo-chatbot/backend:1.4.2"},
                                                {"todo-frontend", "ghcr.io/todo-chatbot/frontend:1.4.2"}}));
}

TEST_F(HelmTest, UpgradeInstallOverTheScenarioBringsTheAppUp) {
  KubesimHarness cluster(KUBESIM_SCENARIOS "/todo-chatbot.yaml");
  CommandResult r =
      helm({"upgrade", "--install", "todo", kChart, "-n", "todo", "--wait", "--timeout", "180s"}, &cluster);
  ASSERT_EQ(r.exit, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("STATUS: deployed\nREVISION: 1\n"), std::string::npos) << r.out;
  expectAppUp(cluster, "todo");
  r = cluster.kubectl({"get", "networkpolicies,poddisruptionbudgets,configmaps,serviceaccounts", "-n", "todo",
                       "-o", "name", "-l", "app.kubernetes.io/part-of=todo-chatbot"});
  ASSERT_EQ(r.exit, 0) << r.err;
  std::vector<std::string> names = aiops::test::lines(r.out);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names,
            (std::vector<std::string>{
                "configmap/todo-backend", "networkpolicy.networking.k8s.io/todo-backend",
                "networkpolicy.networking.k8s.io/todo-default-deny-ingress",
                "networkpolicy.networking.k8s.io/todo-frontend", "poddisruptionbudget.policy/todo-backend",
                "poddisruptionbudget.policy/todo-frontend", "serviceaccount/aiops-reader",
                "serviceaccount/todo-backend", "serviceaccount/todo-frontend"}));
  // The backend's pods (those not terminating after the rollout) run under the component's own account.
  r = cluster.kubectl({"get", "pods", "-n", "todo", "-l", "app.kubernetes.io/name=backend", "-o", "json"});
  ASSERT_EQ(r.exit, 0) << r.err;
  std::vector<std::string> accounts;
  const json::value pods = aiops::test::parseJsonOrFail(r.out);
  for (const json::value& pod : pods.at("items").as_array())
    if (!pod.at("metadata").as_object().contains("deletionTimestamp"))
      accounts.push_back(str(pod.at("spec").as_object().if_contains("serviceAccountName")));
  EXPECT_EQ(accounts, std::vector<std::string>{"todo-backend"});
}

TEST_F(HelmTest, UpgradeInstallIntoAnEmptyNamespaceBringsTheAppUp) {
  KubesimHarness cluster(KUBESIM_SCENARIOS "/todo-chatbot.yaml");
  CommandResult r = helm({"upgrade", "--install", "todo", kChart, "-n", "fresh", "--create-namespace",
                          "--wait", "--timeout", "180s"},
                         &cluster);
  ASSERT_EQ(r.exit, 0) << r.out << r.err;
  expectAppUp(cluster, "fresh");
  // Helm's ownership metadata, by which the rollout gate finds the release's Deployments.
  r = cluster.kubectl({"get", "deployment", "todo-backend", "-n", "fresh", "-o",
                       "jsonpath={.metadata.annotations.meta\\.helm\\.sh/release-name} "
                       "{.metadata.annotations.meta\\.helm\\.sh/release-namespace} "
                       "{.metadata.labels.app\\.kubernetes\\.io/managed-by}"});
  EXPECT_EQ(r.out, "todo fresh Helm");
}

TEST_F(HelmTest, AnUpgradeDeletesWhatTheChartNoLongerRenders) {
  KubesimHarness cluster(KUBESIM_SCENARIOS "/todo-chatbot.yaml");
  CommandResult r = helm(
      {"upgrade", "--install", "todo", kChart, "-n", "todo", "--set", "backend.autoscaling.enabled=true"},
      &cluster);
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(cluster.kubectl({"get", "hpa", "todo-backend", "-n", "todo", "-o", "name"}).out,
            "horizontalpodautoscaler.autoscaling/todo-backend\n");
  r = helm({"upgrade", "todo", kChart, "-n", "todo"}, &cluster);
  ASSERT_EQ(r.exit, 0) << r.err;
  r = cluster.kubectl({"get", "hpa", "todo-backend", "-n", "todo", "-o", "name"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(
      r.err,
      "Error from server (NotFound): horizontalpodautoscalers.autoscaling \"todo-backend\" not found\n");
}

// The history as JSON, checked for Helm's exact element shape.
json::array historyOf(const CommandResult& r) {
  EXPECT_EQ(r.exit, 0) << r.err;
  json::value v = aiops::test::parseJsonOrFail(r.out);
  if (!v.is_array()) return {};
  for (const json::value& e : v.as_array()) {
    std::vector<std::string> keys;
    for (const auto& kv : e.as_object())
      keys.emplace_back(kv.key());
    std::sort(keys.begin(), keys.end());
    EXPECT_EQ(keys, (std::vector<std::string>{"app_version", "chart", "description", "revision", "status",
                                              "updated"}));
    EXPECT_EQ(str(e.as_object().if_contains("updated")).size() >= 20, true) << json::serialize(e);
  }
  return v.as_array();
}

// [revision, status, description] of each entry.
std::vector<std::string> summary(const json::array& history) {
  std::vector<std::string> out;
  for (const json::value& e : history)
    out.push_back(std::to_string(e.at("revision").as_int64()) + " " +
                  str(e.as_object().if_contains("status")) + " " +
                  str(e.as_object().if_contains("description")));
  return out;
}

TEST_F(HelmTest, HistoryAndRollbackFollowHelmsStatuses) {
  KubesimHarness cluster(KUBESIM_SCENARIOS "/todo-chatbot.yaml");
  ASSERT_EQ(helm({"upgrade", "--install", "todo", kChart, "-n", "todo"}, &cluster).exit, 0);
  ASSERT_EQ(
      helm({"upgrade", "todo", kChart, "-n", "todo", "--set", "backend.env.LOG_LEVEL=debug"}, &cluster).exit,
      0);
  // A post-renderer that adds an object the API server refuses: the apply fails, so the revision fails.
  const std::string breaker = writeFile("breaker.sh",
                                        "#!/bin/sh\ncat\nprintf -- '---\\napiVersion: v1\\nkind: "
                                        "ConfigMap\\nmetadata:\\n  name: Not_Valid\\n'\n",
                                        true);
  CommandResult failed =
      helm({"upgrade", "todo", kChart, "-n", "todo", "--post-renderer", breaker}, &cluster);
  EXPECT_EQ(failed.exit, 1);
  EXPECT_EQ(failed.err.rfind("Error: UPGRADE FAILED: ", 0), 0u) << failed.err;

  json::array history = historyOf(helm({"history", "todo", "-n", "todo", "-o", "json"}, &cluster));
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history.at(0).at("chart"), "todo-chatbot-0.1.0");
  EXPECT_EQ(history.at(0).at("app_version"), "1.4.2");
  EXPECT_EQ(summary(history)[0], "1 superseded Install complete");
  EXPECT_EQ(summary(history)[1], "2 deployed Upgrade complete");
  EXPECT_EQ(str(history.at(2).as_object().if_contains("status")), "failed");
  EXPECT_EQ(str(history.at(2).as_object().if_contains("description")).rfind("Upgrade \"todo\" failed: ", 0),
            0u);

  // No revision: "the previous one" is current - 1 (here the deployed 2); the failed 3 stays failed.
  CommandResult r = helm({"rollback", "todo", "-n", "todo", "--wait"}, &cluster);
  EXPECT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "Rollback was a success! Happy Helming!\n");
  r = helm({"rollback", "todo", "1", "-n", "todo"}, &cluster);
  EXPECT_EQ(r.exit, 0) << r.err;
  history = historyOf(helm({"history", "todo", "-n", "todo", "-o", "json"}, &cluster));
  std::vector<std::string> got = summary(history);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0], "1 superseded Install complete");
  EXPECT_EQ(got[1], "2 superseded Upgrade complete");
  EXPECT_EQ(got[2].rfind("3 failed Upgrade \"todo\" failed: ", 0), 0u) << got[2];
  EXPECT_EQ(got[3], "4 superseded Rollback to 2");
  EXPECT_EQ(got[4], "5 deployed Rollback to 1");
  // Revision 1 is back: LOG_LEVEL is info again.
  r = cluster.kubectl({"get", "configmap", "todo-backend", "-n", "todo", "-o", "jsonpath={.data.LOG_LEVEL}"});
  EXPECT_EQ(r.out, "info");

  r = helm({"status", "todo", "-n", "todo", "-o", "json"}, &cluster);
  ASSERT_EQ(r.exit, 0) << r.err;
  json::value status = aiops::test::parseJsonOrFail(r.out);
  EXPECT_EQ(status.at("name"), "todo");
  EXPECT_EQ(status.at("namespace"), "todo");
  EXPECT_EQ(status.at("version"), 5);
  EXPECT_EQ(status.at("info").at("status"), "deployed");
  EXPECT_EQ(status.at("info").at("description"), "Rollback to 1");
}

TEST_F(HelmTest, AFailingPostRendererStopsTheUpgradeBeforeAnythingIsRecorded) {
  KubesimHarness cluster(KUBESIM_SCENARIOS "/todo-chatbot.yaml");
  ASSERT_EQ(helm({"upgrade", "--install", "todo", kChart, "-n", "todo"}, &cluster).exit, 0);
  const std::string refuse = writeFile("refuse.sh", "#!/bin/sh\necho 'no gate today' >&2\nexit 3\n", true);
  CommandResult r = helm({"upgrade", "todo", kChart, "-n", "todo", "--post-renderer", refuse}, &cluster);
  EXPECT_EQ(r.exit, 1);
  if (usingStandin()) {
    EXPECT_EQ(
        r.err,
        "Error: UPGRADE FAILED: error while running post render on files: error while running command " +
            refuse + ". error output:\nno gate today\n: exit status 3\n");
  }
  // Helm 3 post-renders before it creates the revision: the history is unchanged.
  EXPECT_EQ(summary(historyOf(helm({"history", "todo", "-n", "todo", "-o", "json"}, &cluster))),
            (std::vector<std::string>{"1 deployed Install complete"}));
}

TEST_F(HelmTest, TheGatePostRendererShapesTheStoredManifest) {
  // The real aiops-gate as Helm 3 runs it: the executable, with its arguments from --post-renderer-args.
  CommandResult r = helm({"template", "todo", kChart, "--post-renderer", AIOPS_GATE_BIN});
  ASSERT_EQ(r.exit, 0) << r.err;
  std::vector<json::object> objects = objectsOf(r.out);
  ASSERT_EQ(sortedKindNames(objects), kDefaultObjects);
  EXPECT_TRUE(find(objects, "Deployment/todo-backend")
                  ->at("metadata")
                  .at("annotations")
                  .as_object()
                  .contains("aiops.dev/gate-original"));
  EXPECT_FALSE(find(objects, "Deployment/todo-frontend")->at("metadata").as_object().contains("annotations"));

  KubesimHarness cluster(KUBESIM_SCENARIOS "/todo-chatbot.yaml");
  r = helm({"upgrade", "--install", "todo", kChart, "-n", "todo", "--post-renderer", AIOPS_GATE_BIN},
           &cluster);
  ASSERT_EQ(r.exit, 0) << r.out << r.err;
  r = helm({"status", "todo", "-n", "todo", "-o", "json"}, &cluster);
  ASSERT_EQ(r.exit, 0) << r.err;
  const std::string manifest(aiops::test::parseJsonOrFail(r.out).at("manifest").as_string());
  const std::vector<json::object> storedObjects = objectsOf(manifest);
  const json::object* stored = find(storedObjects, "Deployment/todo-backend");
  ASSERT_NE(stored, nullptr);
  EXPECT_TRUE(stored->at("metadata").at("annotations").as_object().contains("aiops.dev/gate-original"));
  r = cluster.kubectl({"get", "deployment", "todo-backend", "-n", "todo", "-o",
                       "jsonpath={.metadata.annotations.aiops\\.dev/gate}"});
  EXPECT_EQ(r.out, "true");
}

TEST_F(HelmTest, WaitCountsAPausedDeploymentAsReady) {
  KubesimHarness cluster(KUBESIM_SCENARIOS "/todo-chatbot.yaml");
  ASSERT_EQ(helm({"upgrade", "--install", "todo", kChart, "-n", "todo", "--wait"}, &cluster).exit, 0);
  ASSERT_EQ(cluster.kubectl({"rollout", "pause", "deployment/todo-backend", "-n", "todo"}).exit, 0);
  // A paused Deployment never progresses; Helm's waiter does not wait for it, so this returns at once.
  const auto start = std::chrono::steady_clock::now();
  CommandResult r = helm({"upgrade", "todo", kChart, "-n", "todo", "--wait", "--timeout", "60s", "--set",
                          "backend.image=ghcr.io/todo-chatbot/backend:1.4.3"},
                         &cluster);
  EXPECT_EQ(r.exit, 0) << r.err;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
}

TEST_F(HelmTest, TheStandInLogsEveryInvocation) {
  if (!usingStandin()) GTEST_SKIP() << "a real helm is on PATH; the argument log is the stand-in's";
  ASSERT_EQ(helm({"template", "todo", kChart, "-n", "todo", "--set", "backend.replicas=2"}).exit, 0);
  EXPECT_EQ(helm({"history", "missing", "-n", "todo"}).exit, 1);
  std::ifstream in(dir_ + "/args.log");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "[\"template\",\"todo\",\"" + kChart +
                            "\",\"-n\",\"todo\",\"--set\",\"backend.replicas=2\"]\n"
                            "[\"history\",\"missing\",\"-n\",\"todo\"]\n");
}

TEST_F(HelmTest, TheStandInSaysWhatItIs) {
  if (!usingStandin()) GTEST_SKIP() << "a real helm is on PATH";
  CommandResult r = helm({"--help"});
  EXPECT_EQ(r.exit, 0);
  EXPECT_EQ(
      r.out.rfind("helm: a TEST STAND-IN for Helm 3 (kubectl-aiops tests/helm/standin), NOT Helm.\n", 0), 0u);
  r = helm({"history", "missing", "-n", "todo"});
  EXPECT_EQ(r.err, "Error: release: not found\n");
}

}  // namespace

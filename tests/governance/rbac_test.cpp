// deploy/rbac/aiops-clusterroles.yaml: six valid rbac.authorization.k8s.io/v1 ClusterRoles, and exactly
// which verbs each grants on recommendations.aiops.dev (approving and reviewing are separate powers).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace {

using Verbs = std::set<std::string>;

std::vector<YAML::Node> loadRoles() {
  return YAML::LoadAllFromFile(std::string(AIOPS_SOURCE_DIR) + "/deploy/rbac/aiops-clusterroles.yaml");
}

std::set<std::string> keysOf(const YAML::Node& map) {
  std::set<std::string> keys;
  for (const auto& item : map)
    keys.insert(item.first.as<std::string>());
  return keys;
}

bool contains(const YAML::Node& list, const std::string& value) {
  for (const auto& item : list) {
    if (item.as<std::string>() == value) return true;
  }
  return false;
}

// The verbs a role grants on `resource` in `group` (no resourceNames: the whole resource).
Verbs verbsOn(const YAML::Node& role, const std::string& group, const std::string& resource) {
  Verbs verbs;
  for (const auto& rule : role["rules"]) {
    if (!contains(rule["apiGroups"], group) || !contains(rule["resources"], resource)) continue;
    for (const auto& verb : rule["verbs"])
      verbs.insert(verb.as<std::string>());
  }
  return verbs;
}

std::map<std::string, YAML::Node> rolesByName() {
  std::map<std::string, YAML::Node> roles;
  for (const auto& doc : loadRoles())
    roles[doc["metadata"]["name"].as<std::string>()] = doc;
  return roles;
}

TEST(ClusterRoles, AreValidRbacV1ClusterRoles) {
  const auto docs = loadRoles();
  ASSERT_EQ(docs.size(), 6u);
  std::vector<std::string> names;
  for (const auto& doc : docs) {
    EXPECT_EQ(keysOf(doc), (std::set<std::string>{"apiVersion", "kind", "metadata", "rules"}));
    EXPECT_EQ(doc["apiVersion"].as<std::string>(), "rbac.authorization.k8s.io/v1");
    EXPECT_EQ(doc["kind"].as<std::string>(), "ClusterRole");
    EXPECT_EQ(keysOf(doc["metadata"]), (std::set<std::string>{"name", "labels"}));
    EXPECT_EQ(doc["metadata"]["labels"]["app.kubernetes.io/part-of"].as<std::string>(), "kubectl-aiops");
    names.push_back(doc["metadata"]["name"].as<std::string>());
    ASSERT_TRUE(doc["rules"].IsSequence());
    for (const auto& rule : doc["rules"]) {
      // PolicyRule: verbs is required; a resource rule names apiGroups and resources.
      EXPECT_EQ(keysOf(rule), (std::set<std::string>{"apiGroups", "resources", "verbs"}));
      EXPECT_TRUE(rule["apiGroups"].IsSequence());
      EXPECT_TRUE(rule["resources"].IsSequence());
      EXPECT_TRUE(rule["verbs"].IsSequence());
      EXPECT_GT(rule["verbs"].size(), 0u);
    }
  }
  EXPECT_EQ(names, (std::vector<std::string>{"aiops-viewer", "aiops-operator", "aiops-approver",
                                             "aiops-security-reviewer", "aiops-collector", "aiops-gate"}));
}

TEST(ClusterRoles, GrantExactlyTheirVerbsOnRecommendations) {
  auto roles = rolesByName();
  EXPECT_EQ(verbsOn(roles["aiops-viewer"], "aiops.dev", "recommendations"), (Verbs{"get", "list", "watch"}));
  EXPECT_EQ(verbsOn(roles["aiops-operator"], "aiops.dev", "recommendations"),
            (Verbs{"get", "list", "watch"}));
  EXPECT_EQ(verbsOn(roles["aiops-approver"], "aiops.dev", "recommendations"),
            (Verbs{"get", "list", "approve"}));
  EXPECT_EQ(verbsOn(roles["aiops-security-reviewer"], "aiops.dev", "recommendations"),
            (Verbs{"get", "list", "review"}));
  // Only approvers and reviewers hold anything on recommendations beyond reading; they hold nothing else.
  EXPECT_EQ(roles["aiops-approver"]["rules"].size(), 1u);
  EXPECT_EQ(roles["aiops-security-reviewer"]["rules"].size(), 1u);
}

TEST(ClusterRoles, TheViewerReadsAndTheOperatorWritesWhatApplyNeeds) {
  auto roles = rolesByName();
  const YAML::Node& viewer = roles["aiops-viewer"];
  const YAML::Node& op = roles["aiops-operator"];
  const Verbs read{"get", "list", "watch"};
  for (const std::string resource :
       {"pods", "events", "nodes", "services", "endpoints", "persistentvolumeclaims", "configmaps"}) {
    EXPECT_EQ(verbsOn(viewer, "", resource), read) << resource;
    const Verbs expected = resource == "pods" ? Verbs{"get", "list", "watch", "delete"} : read;
    EXPECT_EQ(verbsOn(op, "", resource), expected) << resource;
  }
  for (const std::string resource : {"deployments", "statefulsets", "daemonsets", "replicasets"}) {
    EXPECT_EQ(verbsOn(viewer, "apps", resource), read) << resource;
    EXPECT_EQ(verbsOn(op, "apps", resource), (Verbs{"get", "list", "watch", "patch", "update"})) << resource;
  }
  EXPECT_EQ(verbsOn(op, "apps", "deployments/scale"), (Verbs{"get", "patch", "update"}));
  EXPECT_EQ(verbsOn(op, "apps", "replicasets/scale"), (Verbs{"get", "patch", "update"}));
  EXPECT_EQ(verbsOn(viewer, "metrics.k8s.io", "pods"), (Verbs{"get", "list"}));
  EXPECT_EQ(verbsOn(viewer, "metrics.k8s.io", "nodes"), (Verbs{"get", "list"}));
  EXPECT_EQ(verbsOn(viewer, "autoscaling", "horizontalpodautoscalers"), read);
  EXPECT_EQ(verbsOn(op, "autoscaling", "horizontalpodautoscalers"),
            (Verbs{"get", "list", "watch", "create", "patch", "delete"}));
  EXPECT_EQ(verbsOn(viewer, "coordination.k8s.io", "leases"), Verbs{});
  EXPECT_EQ(verbsOn(op, "coordination.k8s.io", "leases"), (Verbs{"get", "create", "update"}));
}

TEST(ClusterRoles, TheCollectorReadsMetricsAndWritesNothing) {
  auto roles = rolesByName();
  const YAML::Node& collector = roles["aiops-collector"];
  for (const std::string resource : {"pods", "nodes", "services", "persistentvolumeclaims"})
    EXPECT_EQ(verbsOn(collector, "", resource), (Verbs{"get", "list"})) << resource;
  EXPECT_EQ(verbsOn(collector, "", "services/proxy"), Verbs{"get"});
  EXPECT_EQ(verbsOn(collector, "", "nodes/proxy"), Verbs{"get"});
  EXPECT_EQ(verbsOn(collector, "metrics.k8s.io", "pods"), (Verbs{"get", "list"}));
  EXPECT_EQ(verbsOn(collector, "", "secrets"), Verbs{});
  EXPECT_EQ(verbsOn(collector, "aiops.dev", "recommendations"), Verbs{});
}

TEST(ClusterRoles, TheGateReadsTheRolloutAndOnlyPatchesDeployments) {
  auto roles = rolesByName();
  const YAML::Node& gate = roles["aiops-gate"];
  EXPECT_EQ(verbsOn(gate, "apps", "deployments"), (Verbs{"get", "list", "watch", "patch"}));
  EXPECT_EQ(verbsOn(gate, "apps", "replicasets"), (Verbs{"get", "list", "watch"}));
  EXPECT_EQ(verbsOn(gate, "", "pods/proxy"), Verbs{"get"});
  EXPECT_EQ(verbsOn(gate, "", "events"), Verbs{"create"});
  EXPECT_EQ(verbsOn(gate, "", "secrets"), Verbs{});
  EXPECT_EQ(verbsOn(gate, "", "pods"), (Verbs{"get", "list", "watch"}));
  EXPECT_EQ(verbsOn(gate, "aiops.dev", "recommendations"), Verbs{});
}

}  // namespace

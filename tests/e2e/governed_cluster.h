// What the end-to-end tests of governed changes share: deploy/rbac/'s ClusterRoles granted to the scenario's
// people, and the simulated clock moved on demand.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "kubesim_harness.h"

namespace aiops::test {

// Applies deploy/rbac/aiops-clusterroles.yaml and binds each {user, ClusterRole} with a ClusterRoleBinding
// named USER-ROLE (without the "aiops-" prefix).
inline void grantRoles(const KubesimHarness& server,
                       const std::vector<std::pair<std::string, std::string>>& grants) {
  const std::string roles = (std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "deploy" / "rbac" /
                             "aiops-clusterroles.yaml")
                                .string();
  const CommandResult applied = server.kubectl({"apply", "-f", roles});
  ASSERT_EQ(applied.exit, 0) << applied.err;
  std::string bindings;
  for (const auto& [user, role] : grants) {
    const std::string shortRole = role.starts_with("aiops-") ? role.substr(6) : role;
    bindings +=
        "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: " + user +
        "-" + shortRole + "}\nsubjects: [{kind: User, name: " + user +
        ", apiGroup: rbac.authorization.k8s.io}]\nroleRef: {kind: ClusterRole, name: " + role +
        ", apiGroup: rbac.authorization.k8s.io}\n";
  }
  const CommandResult bound = server.kubectl({"apply", "-f", "-"}, bindings);
  ASSERT_EQ(bound.exit, 0) << bound.err;
}

// Moves kubesim's virtual clock; the controllers live through every instant before the answer comes.
inline void advanceClock(const KubesimHarness& server, const std::string& duration) {
  const CommandResult r = server.kubectl({"create", "--raw", "/kubesim/v1/clock", "-f", "-"},
                                         R"({"advance":")" + duration + "\"}");
  ASSERT_EQ(r.exit, 0) << r.err;
}

}  // namespace aiops::test

// The executor is the only code that changes the cluster on a person's approval, and the rollout gate's
// safety actions (pause, roll back, resume, allowed by the risk policy's automaticRollback.failedRollout) are
// the only changes made without one: every call of a kube::Client write method (create, replace, patch,
// remove) outside src/kube/ is listed here, so a new write path fails this test until someone decides, in
// review, that it belongs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

// "src/execute/lease.cpp" -> the write calls in it, as "create(kLeases" (method and first argument).
std::map<std::string, std::multiset<std::string>> writeCalls() {
  const fs::path root = AIOPS_SOURCE_DIR;
  const std::regex call(R"(\.\s*(create|replace|patch|remove)\(\s*([A-Za-z_][A-Za-z_0-9:]*))");
  std::map<std::string, std::multiset<std::string>> found;
  for (const char* top : {"src", "plugin", "hooks"}) {
    if (!fs::exists(root / top)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root / top)) {
      const fs::path& path = entry.path();
      if (!entry.is_regular_file() || (path.extension() != ".cpp" && path.extension() != ".h")) continue;
      const std::string relative = fs::relative(path, root).generic_string();
      if (relative.starts_with("src/kube/")) continue;  // the Client itself
      // Governance may not link the Kubernetes access layer (src/governance/CMakeLists.txt): its replace()
      // calls are std::string's.
      if (relative.starts_with("src/governance/")) continue;
      std::ifstream in(path);
      std::stringstream text;
      text << in.rdbuf();
      const std::string source = text.str();
      for (auto it = std::sregex_iterator(source.begin(), source.end(), call); it != std::sregex_iterator();
           ++it) {
        found[relative].insert((*it)[1].str() + "(" + (*it)[2].str());
      }
    }
  }
  return found;
}

TEST(WritePaths, OnlyTheExecutorWritesToTheCluster) {
  const std::map<std::string, std::multiset<std::string>> expected{
      // Reviews store nothing: they ask who the user is and what they may do.
      {"src/execute/identity.cpp", {"create(kSelfSubjectReviews", "create(kSelfSubjectAccessReviews"}},
      // The per-target Lease: take, renew, release; and the dry-run create that reads the API server's clock
      // and stores nothing.
      {"src/execute/lease.cpp",
       {"create(kLeases", "create(path", "replace(kube::ResourceRef", "replace(ref", "replace(ref"}},
      // The change itself (a patch, a whole manifest, or an object the operation creates), a rollback to the
      // recorded before-state, and the rollback of a creation, which deletes what it created.
      {"src/execute/executor.cpp", {"replace(ref", "patch(ref", "replace(ref", "create(ref", "remove(ref"}},
      // The rollout gate: one patch helper for the Deployment it watches (pause, resume, restore
      // minReadySeconds, the previous template), and the Event that tells the architect the outcome.
      {"src/gate/monitor.cpp", {"patch(ref", "create(kube::types::events"}},
      // The post-renderer's refusal, as an Event, where Helm 4 hides its stderr.
      {"hooks/aiops-gate/monitor_commands.cpp", {"create(kube::types::events"}},
  };
  EXPECT_EQ(writeCalls(), expected);
}

}  // namespace

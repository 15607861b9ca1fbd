// Helpers for the governance tests: per-process scratch directories, a deterministic clock, identities, a
// sample recommendation, and running the git CLI (the tampering tests use it as an attacker would).
#pragma once

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "governance/journal.h"
#include "support/subprocess.h"

namespace aiops::governance::testing {

// A fresh directory under the system temp dir, unique per process and test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "aiops-gov-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// 2024-05-01T10:00:00Z, one second later on every call: commits and records are deterministic.
inline std::function<WallTime()> steppingClock(std::string_view start = "2024-05-01T10:00:00Z") {
  auto next = std::make_shared<WallTime>(*parseTimestamp(start));
  return [next] {
    const WallTime now = *next;
    *next += std::chrono::seconds(1);
    return now;
  };
}

inline Identity alice() {
  return Identity{"alice", {"system:authenticated", "sre"}};
}
inline Identity bob() {
  return Identity{"bob", {"system:authenticated", "architects"}};
}

inline Target backendTarget() {
  Target t;
  t.apiVersion = "apps/v1";
  t.kind = "Deployment";
  t.namespace_ = "shop";
  t.name = "backend";
  t.uid = "6f1c2a7e-0000-4000-8000-000000000001";
  t.generation = 7;
  return t;
}

inline Proposal memoryProposal() {
  Proposal p;
  p.target = backendTarget();
  p.risk = model::Risk::Medium;
  p.action = "resource-increase";
  p.summary = "raise the memory limit of container app to 384Mi";
  p.rationale = "container app was OOMKilled 4 times in 10 minutes at its 256Mi limit";
  p.evidence = {"event Pod shop/backend-5d4f-abcde OOMKilling x4", "lastState.terminated.reason=OOMKilled"};
  p.change.type = ChangeType::Strategic;
  p.change.body = boost::json::parse(
      R"({"spec":{"template":{"spec":{"containers":[{"name":"app","resources":{"limits":{"memory":"384Mi"}}}]}}}})");
  p.rollback = Change{
      ChangeType::Strategic,
      boost::json::parse(
          R"({"spec":{"template":{"spec":{"containers":[{"name":"app","resources":{"limits":{"memory":"256Mi"}}}]}}}})")};
  p.before = boost::json::parse(
      R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"backend","namespace":"shop","generation":7},"spec":{"replicas":2}})");
  p.text.command = "kubectl aiops diagnose deploy/backend -n shop";
  return p;
}

inline std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void writeFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// Runs git in `dir` with a fixed identity; returns stdout. Throws on a non-zero exit.
inline std::string git(const std::filesystem::path& dir, std::vector<std::string> args) {
  ProcessSpec spec;
  spec.argv = {"git", "-C", dir.string()};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.env = {{"GIT_AUTHOR_NAME", "mallory"},    {"GIT_AUTHOR_EMAIL", "mallory@example.com"},
              {"GIT_COMMITTER_NAME", "mallory"}, {"GIT_COMMITTER_EMAIL", "mallory@example.com"},
              {"GIT_CONFIG_NOSYSTEM", "1"},      {"HOME", dir.string()}};
  spec.timeout = std::chrono::seconds(60);
  const ProcessResult result = runProcess(spec);
  if (result.exitCode != 0) {
    std::string command;
    for (const auto& a : args)
      command += " " + a;
    throw std::runtime_error("git" + command + " failed: " + result.err);
  }
  return result.out;
}

}  // namespace aiops::governance::testing

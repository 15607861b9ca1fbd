// Bearer-token authentication and the kubeconfig kubesim writes.
#include "auth.h"

#include <fmt/format.h>
#include <openssl/rand.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <stdexcept>

#include "meta.h"

namespace kubesim {

std::string randomToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("generating a token: RAND_bytes failed");
  std::string out;
  for (unsigned char b : bytes)
    out += fmt::format("{:02x}", b);
  return out;
}

std::vector<std::string> withAuthenticated(std::vector<std::string> groups) {
  if (std::find(groups.begin(), groups.end(), "system:authenticated") == groups.end())
    groups.push_back("system:authenticated");
  return groups;
}

bool isPrivileged(const UserInfo& user) {
  return std::find(user.groups.begin(), user.groups.end(), "system:masters") != user.groups.end();
}

Authenticator::Authenticator(const std::vector<ScenarioUser>& users) {
  credentials_.push_back({randomToken(),
                          UserInfo{std::string(kAdminUser), {"system:masters", "system:authenticated"}},
                          "kubesim-admin"});
  for (const ScenarioUser& u : users)
    credentials_.push_back(
        {randomToken(), UserInfo{u.name, withAuthenticated(u.groups)}, "kubesim-" + u.name});
}

std::optional<UserInfo> Authenticator::authenticate(std::string_view token) const {
  std::lock_guard lock(mutex_);
  for (const Credential& c : credentials_)
    if (!token.empty() && c.token == token) return c.user;
  return std::nullopt;
}

std::string Authenticator::mint(UserInfo user) {
  std::lock_guard lock(mutex_);
  std::string token = randomToken();
  credentials_.push_back({token, std::move(user), ""});
  return token;
}

std::vector<Credential> Authenticator::kubeconfigCredentials() const {
  std::lock_guard lock(mutex_);
  std::vector<Credential> out;
  for (const Credential& c : credentials_)
    if (!c.contextName.empty()) out.push_back(c);
  return out;
}

std::string kubeconfigYaml(const std::vector<Credential>& credentials, std::string_view server,
                           std::string_view caPem) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "apiVersion" << YAML::Value << "v1";
  out << YAML::Key << "kind" << YAML::Value << "Config";
  out << YAML::Key << "clusters" << YAML::Value << YAML::BeginSeq;
  out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << "kubesim";
  out << YAML::Key << "cluster" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "server" << YAML::Value << std::string(server);
  out << YAML::Key << "certificate-authority-data" << YAML::Value << base64Encode(caPem);
  out << YAML::EndMap << YAML::EndMap << YAML::EndSeq;
  out << YAML::Key << "users" << YAML::Value << YAML::BeginSeq;
  for (const Credential& c : credentials) {
    out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << c.contextName;
    out << YAML::Key << "user" << YAML::Value << YAML::BeginMap << YAML::Key << "token" << YAML::Value
        << c.token << YAML::EndMap << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::Key << "contexts" << YAML::Value << YAML::BeginSeq;
  for (const Credential& c : credentials) {
    out << YAML::BeginMap << YAML::Key << "name" << YAML::Value << c.contextName;
    out << YAML::Key << "context" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "cluster" << YAML::Value << "kubesim";
    out << YAML::Key << "user" << YAML::Value << c.contextName;
    out << YAML::Key << "namespace" << YAML::Value << "default";
    out << YAML::EndMap << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::Key << "current-context" << YAML::Value << "kubesim-admin";
  out << YAML::Key << "preferences" << YAML::Value << YAML::BeginMap << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace kubesim

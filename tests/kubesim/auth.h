// Authentication: bearer tokens mapped to users, as a static token file does on a real API server. The
// admin (`kubesim-admin` in `system:masters`, which bypasses RBAC as on any cluster) and each scenario user
// get a random token; the kubeconfig written at start holds one context per user.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rbac.h"
#include "state.h"

namespace kubesim {

inline constexpr std::string_view kAdminUser = "kubesim-admin";

struct Credential {
  std::string token;
  UserInfo user;
  std::string contextName;  // "kubesim-admin", "kubesim-<user>"; empty for tokens minted at run time
};

class Authenticator {
 public:
  // The admin plus `users`, each with a fresh random token.
  explicit Authenticator(const std::vector<ScenarioUser>& users);

  // The user a bearer token belongs to; nullopt for an unknown token.
  std::optional<UserInfo> authenticate(std::string_view token) const;
  // Adds a token for `user` (ServiceAccount TokenRequests); returns it.
  std::string mint(UserInfo user);
  // The credentials written to the kubeconfig, admin first.
  std::vector<Credential> kubeconfigCredentials() const;

 private:
  mutable std::mutex mutex_;
  std::vector<Credential> credentials_;
};

// True for members of system:masters, whom the real server never sends to RBAC.
bool isPrivileged(const UserInfo& user);
// `groups` plus system:authenticated when missing, as the authenticator adds it.
std::vector<std::string> withAuthenticated(std::vector<std::string> groups);
// A fresh random token: 32 bytes, hex.
std::string randomToken();

// A kubeconfig (YAML) with cluster "kubesim" at `server`, the CA embedded, one user and one context per
// credential, and `kubesim-admin` as the current context.
std::string kubeconfigYaml(const std::vector<Credential>& credentials, std::string_view server,
                           std::string_view caPem);

}  // namespace kubesim

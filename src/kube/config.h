// Connection settings shared by every command (-n, -A, --context, --kubeconfig, --as, --as-group,
// --request-timeout, -v) and namespace resolution.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aiops::kube {

class KubeTransport;

struct ConnectionFlags {
  std::string namespace_;  // -n; empty: the context's namespace
  bool allNamespaces = false;
  std::string context;
  std::string kubeconfig;
  std::string as;
  std::vector<std::string> asGroups;
  std::string requestTimeout;  // as kubectl takes it: "30s", "1m", "0" (none) or bare seconds
  int verbosity = 0;
};

// Parses a --request-timeout value as kubectl does: a Go duration ("1m30s", "500ms", "2h") or a bare
// integer number of seconds. Zero means "no timeout". nullopt when malformed or negative.
std::optional<std::chrono::milliseconds> parseRequestTimeout(std::string_view text);

// The namespace of the (single) context in `kubectl config view --minify -o json` output.
std::optional<std::string> namespaceFromConfigView(const boost::json::value& view);

// The service-account namespace file of a pod (kubectl's in-cluster fallback); nullopt when absent.
std::optional<std::string> inClusterNamespace(
    const std::string& path = "/var/run/secrets/kubernetes.io/serviceaccount/namespace");

// The namespace a command works in: -n, else the context's namespace, else "default". Empty when -A.
std::string resolveNamespace(const ConnectionFlags& flags, KubeTransport& transport);

}  // namespace aiops::kube

// Resource types and REST paths: /api/v1/namespaces/NS/pods/NAME, /apis/apps/v1/deployments, queries.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aiops::kube {

// A kind of resource as the REST API names it. `group` is empty for the core ("legacy") group.
struct ResourceType {
  std::string group;
  std::string version;
  std::string plural;
  bool namespaced = true;

  // "deployments.v1.apps", "pods.v1." — the fully qualified form kubectl accepts for patch.
  std::string kubectlName() const;
  bool operator==(const ResourceType&) const = default;
};

// One object, or (with an empty name) a collection; an empty namespace means all namespaces.
struct ResourceRef {
  ResourceType type;
  std::string namespace_;
  std::string name;
};

namespace types {
inline const ResourceType pods{"", "v1", "pods"};
inline const ResourceType events{"", "v1", "events"};
inline const ResourceType services{"", "v1", "services"};
inline const ResourceType endpoints{"", "v1", "endpoints"};
inline const ResourceType persistentVolumeClaims{"", "v1", "persistentvolumeclaims"};
inline const ResourceType configMaps{"", "v1", "configmaps"};
inline const ResourceType namespaces{"", "v1", "namespaces", false};
inline const ResourceType nodes{"", "v1", "nodes", false};
inline const ResourceType deployments{"apps", "v1", "deployments"};
inline const ResourceType replicaSets{"apps", "v1", "replicasets"};
inline const ResourceType statefulSets{"apps", "v1", "statefulsets"};
inline const ResourceType daemonSets{"apps", "v1", "daemonsets"};
inline const ResourceType horizontalPodAutoscalers{"autoscaling", "v2", "horizontalpodautoscalers"};
}  // namespace types

// Percent-encodes everything outside RFC 3986 "unreserved" (for path segments and query values).
std::string percentEncode(std::string_view text);

// "/api/v1" or "/apis/GROUP/VERSION".
std::string groupVersionPath(const ResourceType& type);

// The collection path; for a namespaced type with an empty namespace, the all-namespaces path.
std::string collectionPath(const ResourceType& type, std::string_view namespace_ = {});

// The object path; `subresource` ("log", "status", "scale") is appended when given.
std::string objectPath(const ResourceType& type, std::string_view namespace_, std::string_view name,
                       std::string_view subresource = {});

std::string path(const ResourceRef& ref);

// `path` with "?k=v&..." appended (values percent-encoded; empty values are left out).
std::string withQuery(std::string path, const std::vector<std::pair<std::string, std::string>>& query);

}  // namespace aiops::kube

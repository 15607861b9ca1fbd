// The cluster summary behind `kubectl aiops status`: nodes, deployments, pods and Warning events of one
// namespace (or all), fetched in parallel, with the problems that make it unhealthy.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kube/client.h"
#include "support/timestamps.h"

namespace aiops::kube {

struct NodeStatus {
  std::string name;
  bool ready = false;
  std::string cpu;     // allocatable, canonical quantity ("3900m"); empty when unknown
  std::string memory;  // allocatable ("15Gi")
};

struct DeploymentStatus {
  std::string namespace_;
  std::string name;
  std::int64_t desired = 0;
  std::int64_t ready = 0;
  std::int64_t upToDate = 0;
  std::int64_t available = 0;
  bool healthy = false;  // ready and available reach desired
};

struct PodStatus {
  std::string namespace_;
  std::string name;
  int readyContainers = 0;
  int totalContainers = 0;
  std::string status;  // kubectl's STATUS column: phase or reason (CrashLoopBackOff, Init:0/1, ...)
  std::int64_t restarts = 0;
  std::string node;
  std::optional<WallTime> created;
  bool healthy = false;  // Ready, or finished successfully
};

struct ClusterStatus {
  std::string namespace_;  // empty with allNamespaces
  bool allNamespaces = false;
  std::vector<NodeStatus> nodes;
  std::optional<std::string> nodesUnavailable;  // why nodes could not be listed (often RBAC); not a problem
  std::vector<DeploymentStatus> deployments;
  std::vector<PodStatus> pods;
  std::optional<std::int64_t> warningEvents;
  std::optional<std::string> eventsUnavailable;
  std::vector<std::string> problems;  // one line each, sorted; empty when healthy

  bool healthy() const { return problems.empty(); }
};

// Lists nodes, deployments, pods and Warning events concurrently. Pods and deployments are required
// (their errors throw KubeError); nodes and events are best effort, since namespace-scoped users often may
// not list nodes.
ClusterStatus collectClusterStatus(Client& client, const std::string& namespace_, bool allNamespaces);

}  // namespace aiops::kube

// Gathers and judges the cluster summary: one parallel round of lists (more rounds only for pagination).
#include "kube/cluster_status.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "kube/objects.h"

namespace aiops::kube {
namespace {

const boost::json::array& itemsOf(const boost::json::value& list) {
  static const boost::json::array empty;
  const auto* items = lookup(&list, {"items"});
  return items != nullptr && items->is_array() ? items->get_array() : empty;
}

std::string qualified(const std::string& namespace_, const std::string& name) {
  return namespace_.empty() ? name : namespace_ + "/" + name;
}

}  // namespace

ClusterStatus collectClusterStatus(Client& client, const std::string& namespace_, bool allNamespaces) {
  const std::string scope = allNamespaces ? std::string() : namespace_;
  ListOptions warnings;
  warnings.fieldSelector = "type=Warning";
  auto results = client.listAll({
      ListRequest{types::nodes, "", {}},
      ListRequest{types::deployments, scope, {}},
      ListRequest{types::pods, scope, {}},
      ListRequest{types::events, scope, warnings},
  });

  ClusterStatus status;
  status.namespace_ = scope;
  status.allNamespaces = allNamespaces;

  // Required lists first: a failure here is the command's failure.
  const auto& deployments = results[1].get();
  const auto& pods = results[2].get();

  if (results[0].ok()) {
    for (const auto& item : itemsOf(results[0].value)) {
      const NodeView node(item);
      NodeStatus row;
      row.name = node.name();
      row.ready = node.isReady();
      const auto allocatable = node.allocatable();
      if (auto it = allocatable.find("cpu"); it != allocatable.end()) row.cpu = it->second.toString();
      if (auto it = allocatable.find("memory"); it != allocatable.end()) row.memory = it->second.toString();
      if (!row.ready) status.problems.push_back(fmt::format("node {} is not ready", row.name));
      status.nodes.push_back(std::move(row));
    }
  } else {
    status.nodesUnavailable = results[0].error->message();
  }

  for (const auto& item : itemsOf(deployments)) {
    const DeploymentView deployment(item);
    DeploymentStatus row;
    row.namespace_ = deployment.namespace_();
    row.name = deployment.name();
    row.desired = deployment.desiredReplicas();
    row.ready = deployment.readyReplicas();
    row.upToDate = deployment.updatedReplicas();
    row.available = deployment.availableReplicas();
    row.healthy = row.ready >= row.desired && row.available >= row.desired;
    if (!row.healthy) {
      status.problems.push_back(fmt::format("deployment {} has {}/{} ready and {} available replicas",
                                            qualified(row.namespace_, row.name), row.ready, row.desired,
                                            row.available));
    }
    status.deployments.push_back(std::move(row));
  }

  for (const auto& item : itemsOf(pods)) {
    const PodView pod(item);
    PodStatus row;
    row.namespace_ = pod.namespace_();
    row.name = pod.name();
    row.readyContainers = pod.readyContainers();
    row.totalContainers = pod.totalContainers();
    row.status = pod.displayStatus();
    row.restarts = pod.restarts();
    row.node = pod.nodeName();
    row.created = pod.creationTimestamp();
    // The kubelet always reports a Ready condition; without one (hand-written objects) judge by containers.
    const bool ready = pod.condition("Ready") ? pod.isReady()
                                              : pod.phase() == "Running" && row.totalContainers > 0 &&
                                                    row.readyContainers == row.totalContainers;
    row.healthy = pod.phase() == "Succeeded" || (ready && !pod.deletionTimestamp());
    if (!row.healthy) {
      status.problems.push_back(
          fmt::format("pod {} is not ready ({})", qualified(row.namespace_, row.name), row.status));
    }
    status.pods.push_back(std::move(row));
  }

  if (results[3].ok()) {
    std::int64_t count = 0;
    for (const auto& item : itemsOf(results[3].value)) {
      if (EventView(item).type() == "Warning") ++count;  // the field selector already filters; be robust
    }
    status.warningEvents = count;
  } else {
    status.eventsUnavailable = results[3].error->message();
  }

  std::sort(status.nodes.begin(), status.nodes.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  auto byNamespaceName = [](const auto& a, const auto& b) {
    return std::tie(a.namespace_, a.name) < std::tie(b.namespace_, b.name);
  };
  std::sort(status.deployments.begin(), status.deployments.end(), byNamespaceName);
  std::sort(status.pods.begin(), status.pods.end(), byNamespaceName);
  std::sort(status.problems.begin(), status.problems.end());
  return status;
}

}  // namespace aiops::kube

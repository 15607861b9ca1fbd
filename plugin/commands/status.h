// `kubectl aiops status`: nodes, workloads, pods and Warning events of a namespace (or all), at a glance.
#pragma once

#include "common.h"
#include "kube/client.h"
#include "kube/cluster_status.h"

namespace aiops::plugin::status {

struct Options {
  CommonOptions common;
  WallTime now;  // for the AGE column; set by the front end from its clock
};

CLI::App* add(CLI::App& parent, Options& options);
void validate(Options& options);
// 0 when healthy, 1 when a pod is not ready, a deployment is short of replicas or a node is not ready.
int run(const Options& options, kube::Client& client, Streams& streams);

// The documented -o json/yaml document (docs/plugin.md).
boost::json::value toJson(const kube::ClusterStatus& status, WallTime now);

}  // namespace aiops::plugin::status

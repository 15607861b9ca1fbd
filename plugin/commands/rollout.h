// `kubectl aiops rollout watch deploy/NAME` (and `aiops-gate watch`, which takes the same flags): runs the
// rollout gate's monitor on a gated Deployment or a Helm release's gated Deployments, records each outcome
// as a rollout PHR, and tells the architect through a Kubernetes Event.
#pragma once

#include <optional>
#include <string>

#include "commands/operations.h"
#include "common.h"
#include "gate/monitor.h"
#include "kube/client.h"

namespace aiops::plugin::rollout {

// Exit status of an inconclusive watch (no traffic after the extended window): the rollout is left paused.
inline constexpr int kExitInconclusive = 4;

struct Options {
  CommonOptions common;
  std::string targetText;  // deploy/NAME
  std::string release;     // --release
  std::string windowText, pollText = "1s", intervalText = "10s", timeoutText = "10m";
  std::optional<std::int64_t> canary;
  double maxErrorPercent = 5;
  std::int64_t minRequests = 50;
  std::string noTrafficText = "extend";
  bool noRecord = false;
  operations::GovernanceFlags governance;  // --phr-repo, --phr-remote, --policy
  gate::MonitorOptions monitor;            // set by validate()
  WallTime now;                            // set by the front end
  std::string commandLine;                 // recorded as the PHR's prompt; set by the front end
};

// Registers `rollout` with its subcommand `watch`; returns `watch`.
CLI::App* add(CLI::App& parent, Options& options);
// Checks the target and the flags; throws UsageError.
void validate(Options& options);
// 0 every watched rollout succeeded; 1 one was halted (and rolled back unless the policy forbids it); 4 one
// was inconclusive (left paused); 3 cluster, Helm or journal error.
int run(Options& options, kube::Client& client, Streams& streams);

}  // namespace aiops::plugin::rollout

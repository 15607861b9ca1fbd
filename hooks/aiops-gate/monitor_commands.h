// aiops-gate's monitor commands: `watch` (the monitor of `kubectl aiops rollout watch`, same flags) and
// `upgrade` (helm upgrade with the post-renderer, then the monitor), so a CI pipeline sees a halted rollout
// as a non-zero exit.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace aiops::gate_cli {

// `aiops-gate watch <rollout watch flags>`; the exit status of `kubectl aiops rollout watch`.
int runWatch(const std::vector<std::string>& args);

// `aiops-gate upgrade [--all] [--canary N] [--window D] [watch flags] -- <helm upgrade args>`. Exit status:
// the monitor's (0 succeeded, 1 halted, 4 inconclusive), 2 usage error, 3 helm upgrade failed or cluster
// error.
int runUpgrade(const std::vector<std::string>& args);

// Helm 4 hides a post-renderer's stderr but tells its plugins the release namespace and context
// (HELM_NAMESPACE, HELM_KUBECONTEXT): there, a refused stream is also recorded as a Warning Event
// (reason PostRenderRefused, on the namespace). Returns why the Event could not be recorded, if it could not;
// nullopt when it was, or when there is no namespace to record it in.
std::optional<std::string> recordRefusalEvent(const std::string& message);

}  // namespace aiops::gate_cli

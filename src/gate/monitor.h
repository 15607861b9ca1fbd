// The rollout gate's monitor, shared by `aiops-gate watch` and `kubectl aiops rollout watch`: follows the
// first new replicas of a gated Deployment's rollout for the bake window, judges them (analysis.h), and then
// either lets the rollout finish (restoring the original minReadySeconds) or pauses it, rolls it back (Helm
// release: `helm rollback` to the newest deployed or superseded revision; otherwise the previous ReplicaSet's
// template), resumes it, and waits until the old version serves again.
//
// Why it pauses before rolling back: a paused Deployment starts no further new pods while the rollback is
// chosen, and Helm's rollback leaves `spec.paused` alone, so the gate resumes it itself afterwards.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "gate/analysis.h"
#include "gate/helm.h"
#include "kube/client.h"
#include "support/subprocess.h"

namespace aiops::gate {

enum class NoTrafficPolicy {
  Extend,    // pause the rollout and watch one more window; still no traffic: inconclusive (the default)
  Continue,  // let the rollout proceed
  Halt,      // treat it as a failure: roll back
};
std::optional<NoTrafficPolicy> parseNoTrafficPolicy(std::string_view text);  // "extend", "continue", "halt"

enum class Outcome { Succeeded, Halted, Inconclusive };
std::string_view toString(Outcome outcome);  // "succeeded", "halted", "inconclusive"

struct MonitorOptions {
  std::string namespace_;
  std::string deployment;
  std::string release;                 // a Helm release: roll back with `helm rollback`
  std::optional<std::int64_t> canary;  // default: the aiops.dev/gate-canary annotation, else 3
  std::optional<std::chrono::milliseconds>
      window;                 // default: the aiops.dev/gate-window annotation, else 120 s
  AnalysisSettings analysis;  // its window is set from `window`
  std::chrono::milliseconds poll{1000};
  NoTrafficPolicy noTraffic = NoTrafficPolicy::Extend;
  std::chrono::milliseconds timeout{600'000};  // to find the new ReplicaSet, and each wait for a rollout
  bool automaticRollback = true;               // the risk policy's automaticRollback.failedRollout
  std::vector<std::string> helm{"helm"};       // the helm command with its connection flags
};

struct RollbackTaken {
  std::string method;  // "helm" or "replicaset"
  std::string release;
  std::int64_t revision = 0;  // the Helm revision, or the Deployment revision whose template came back
  bool serving = false;       // the old version was serving again when the watch ended
};

struct MonitorResult {
  Outcome outcome = Outcome::Succeeded;
  std::string reason;
  std::string deployment;
  std::string namespace_;
  std::string uid;
  std::int64_t revision = 0;  // the Deployment revision under watch
  std::string image;          // its first container's image
  std::int64_t replicas = 0;
  std::int64_t canary = 0;
  std::chrono::milliseconds window{0};
  std::vector<std::string> pods;           // the watched new pods
  Span span;                               // requests and errors the verdict rests on
  std::optional<double> detectionSeconds;  // halted: from the first failing evidence to the pause
  std::optional<RollbackTaken> rollback;
  bool paused = false;             // the Deployment is left paused
  std::vector<std::string> steps;  // what the gate did, in order
  boost::json::value toJson() const;
};

// What the monitor needs from the outside world; tests replace each part.
struct MonitorHooks {
  std::function<void(const std::string&)> say = [](const std::string&) {};
  std::function<ProcessResult(const std::vector<std::string>&)> run;  // runs helm
  std::function<GateClock::time_point()> now = [] { return GateClock::now(); };
  std::function<void(std::chrono::milliseconds)> sleep;
};

// Cluster or Helm trouble that ends the watch without a verdict (exit status 3).
class MonitorError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

MonitorResult watchRollout(kube::Client& client, const MonitorOptions& options, const MonitorHooks& hooks);

// The Deployments of a Helm release (annotation meta.helm.sh/release-name) that the gate shaped.
std::vector<std::string> gatedDeploymentsOf(kube::Client& client, const std::string& namespace_,
                                            const std::string& release);

// Records a Kubernetes Event on the Deployment (reason RolloutSucceeded, RolloutHalted, RolloutInconclusive;
// source aiops-gate). Throws kube::KubeError when the API refuses it.
void postEvent(kube::Client& client, const MonitorResult& result, const std::string& message);

}  // namespace aiops::gate

// The kubelet's container restart decisions: restart policy, crash-loop back-off and the strings it reports.
//
// Reproduces pkg/kubelet/kuberuntime (doBackOff) over client-go's flowcontrol.Backoff as the kubelet builds
// it (initial 10 s, cap 300 s, no jitter) in 1.32:
// - A container that exits is restarted at once the first time; the restart records back-off 10 s.
// - While now - finishedAt < back-off the container waits in CrashLoopBackOff with the message `back-off 40s
//   restarting failed container=app pod=web-abc_default(uid)` and the Warning event BackOff `Back-off
//   restarting failed container app in pod web-abc_default(uid)`.
// - Each later restart doubles the back-off, up to 5m0s.
// - The back-off resets to 10 s when the container ran for more than 10 minutes (2 x the cap) since its last
//   restart: upstream's hasExpired(finishedAt, lastUpdate) and its periodic GC of entries idle that long.
// - The key is the pod name, namespace, uid, container name and a hash of the container spec, so editing the
//   container (a new spec hash) starts from 10 s again.
// Restart policy (pod-level restartPolicy; restartable init containers always restart): Always restarts every
// exit, OnFailure only non-zero exits, Never none.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "api_objects.h"

namespace kubesim::controllers {

enum class RestartPolicy { Always, OnFailure, Never };

// The pod's spec.restartPolicy ("Always" when missing, as the API server defaults it).
RestartPolicy restartPolicyOf(const json::object& pod);
// kubecontainer.ShouldContainerBeRestarted for a container that terminated with exitCode.
bool shouldRestart(RestartPolicy policy, int exitCode);
// The terminated-state reason the runtime reports: "OOMKilled", "Completed" (exit 0) or "Error".
std::string terminatedReason(int exitCode, bool oomKilled);

class CrashLoopBackOff {
 public:
  static constexpr std::chrono::seconds kInitial{10};
  static constexpr std::chrono::seconds kMax{300};

  // The per-container key the kubelet uses (getStableKey).
  static std::string key(const json::object& pod, const json::object& container);

  struct Decision {
    bool inBackOff = false;           // true: stay in CrashLoopBackOff for now
    std::chrono::seconds backOff{0};  // the current back-off (what the message shows)
    TimePoint restartAt{};            // when inBackOff: the earliest time the restart may happen
  };
  // Whether a container that exited at finishedAt may be restarted at now (IsInBackOffSince).
  Decision check(const std::string& key, TimePoint finishedAt, TimePoint now) const;
  // Records that the container is being restarted at now after exiting at finishedAt (Backoff.Next).
  void recordRestart(const std::string& key, TimePoint finishedAt, TimePoint now);
  // Drops entries idle for more than 2 x kMax, as the kubelet's housekeeping does.
  void collectGarbage(TimePoint now);
  // The current back-off for the key, if any.
  std::optional<std::chrono::seconds> current(const std::string& key) const;

 private:
  struct Entry {
    std::chrono::seconds backOff;
    TimePoint lastUpdate;
  };
  std::map<std::string, Entry> entries_;
};

// state.waiting.message while in CrashLoopBackOff.
std::string crashLoopMessage(std::chrono::seconds backOff, const json::object& pod,
                             std::string_view container);
// The Warning event BackOff recorded on each sync that finds the container in back-off.
Event backOffEvent(const json::object& pod, std::string_view container);

}  // namespace kubesim::controllers

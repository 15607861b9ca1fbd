// One node's kubelet: it runs the pods bound to its node as their behaviour profiles say, and reports them
// as a 1.32 kubelet does.
//
// Per pod: admission (startTime, hostIP, Pending with ContainerCreating), the sandbox (podIP,
// PodReadyToStartContainers), ConfigMap/Secret volumes (FailedMount), init containers in order, then the
// containers: the image (Pulled `already present on machine`, Pulling/Pulled with the pull time, failed
// pulls -> ErrImagePull -> ImagePullBackOff with the image back-off 10 s doubling to 5 min,
// ErrImageNeverPull, InvalidImageName), configuration (CreateContainerConfigError with `configmap "x" not
// found` / `couldn't find key K in ConfigMap ns/x` / `container has runAsNonRoot and image will run as
// root`), Created/Started, probes (controllers/probes.h), log lines appended to the log store, exits with
// the profile's code, OOMKilled (137) when memory use passes the limit, restarts under restartPolicy with
// the crash-loop back-off (10 s doubling to 5 min, CrashLoopBackOff and BackOff events), phase and
// conditions exactly as the kubelet computes them, activeDeadlineSeconds (DeadlineExceeded), and deletion
// (Killing `Stopping container x`, then the pod is removed).
// Per node: the Lease in kube-node-lease renewed every 10 s, node status heartbeats, and the eviction manager
// under MemoryPressure, DiskPressure or PIDPressure (EvictionThresholdMet on the node, then one pod evicted
// per 10 s pass with the eviction manager's message: `The node was low on resource: memory|ephemeral-storage
// |pids. ...`).
//
// The simulated world outside the API, as the runtime sees it (what real registries, images and programs
// would decide):
// - registries: an image marked bad (RuntimeOptions::badImages, the timeline's badImage) is not found; a
//   registry host in the reserved TLD `.invalid` does not resolve (`dial tcp: lookup H on 127.0.0.53:53: no
//   such host`); a registry named in a kubernetes.io/dockerconfigjson Secret of the pod's namespace is
//   private, and a pull without one of those credentials in the pod's (or its ServiceAccount's)
//   imagePullSecrets gets `401 Unauthorized`;
// - image users: images run as root unless their reference contains nonroot, non-root, unprivileged or
//   rootless;
// - ports: a container listens on the ports it declares (all ports if it declares none), so a probe aimed at
//   another port is refused;
// - disk and processes (for evictions): each container's writable layer is 32-512 MiB (fixed by its
// namespace,
//   pod and name) plus its log, and it runs 4-63 processes.
//
// Timing is fixed by RuntimeOptions (sandbox 1 s, pulls 2 s, ...) so runs repeat exactly; everything happens
// at the instant it is due (the manager steps to each), e.g. a crash-looping container restarts exactly when
// its back-off ends.
#pragma once

#include <map>
#include <memory>
#include <set>

#include "../controllers/backoff.h"
#include "../controllers/probes.h"
#include "context.h"

namespace kubesim::runtime {

class Kubelet final : public Controller {
 public:
  Kubelet(RuntimeContext& context, std::string nodeName);
  std::string name() const override { return "kubelet/" + node_; }
  void sync(TimePoint now) override;
  std::optional<TimePoint> nextDue() const override;
  const std::string& nodeName() const { return node_; }

 private:
  struct ContainerRun {
    std::string name;
    bool init = false;
    bool sidecar = false;  // an init container with restartPolicy Always
    enum class State { Waiting, Running, Terminated } state = State::Waiting;
    std::string waitingReason = "ContainerCreating";
    std::string waitingMessage;
    std::string image;  // the image of the current (or last) instance
    std::string imageId;
    std::string containerId;  // the current instance; empty before the first start
    TimePoint startedAt{};
    TimePoint finishedAt{};
    int exitCode = 0;
    std::string terminatedReason;
    std::optional<json::object> lastTerminated;  // lastState.terminated
    int restartCount = 0;
    bool everStarted = false;
    // The running instance's plan.
    const behaviour::Profile* profile = nullptr;
    std::optional<TimePoint> exitAt;
    int plannedExitCode = 0;
    std::optional<TimePoint> oomAt;
    std::unique_ptr<controllers::ContainerProber> prober;
    TimePoint logCursor{};
    // Restarting after an exit: the back-off check is pending.
    bool pendingRestart = false;
    std::optional<TimePoint> restartAt;
    // Pulls.
    std::optional<TimePoint> pullDoneAt;
    std::optional<TimePoint> pullRetryAt;
    Duration pullBackOff{0};
    std::string lastPullError;
    // Errors retried on the pod worker's schedule (config errors, back-off events).
    std::optional<TimePoint> retryAt;
    std::optional<TimePoint> nextBackOffEvent;
  };
  struct PodRun {
    std::string uid;
    std::string namespace_;
    std::string name;
    TimePoint admittedAt{};
    TimePoint startTime{};
    bool sandboxReady = false;
    TimePoint sandboxAt{};
    std::string podIp;
    std::optional<TimePoint> mountRetryAt;
    bool mountsReady = false;
    std::vector<ContainerRun> inits;
    std::vector<ContainerRun> containers;
    bool terminal = false;  // Succeeded or Failed: nothing runs any more
    std::string terminalReason;
    std::string terminalMessage;
    std::optional<TimePoint> killedAt;  // deletion requested; containers stopped then
    std::optional<TimePoint> removeAt;
    json::object extraConditions;  // DisruptionTarget for an eviction, by type
  };

  void syncNode(const json::object& node, TimePoint now);
  void syncPod(const json::object& pod, PodRun& run, TimePoint now);
  PodRun admit(const json::object& pod, TimePoint now);
  void adopt(const json::object& pod, PodRun& run, TimePoint now);
  // Moves one container along; returns true when it is (still) running or done, for init ordering.
  void drive(const json::object& pod, PodRun& run, ContainerRun& c, const json::object& spec, TimePoint now);
  bool checkConfig(const json::object& pod, ContainerRun& c, const json::object& spec, TimePoint now);
  enum class ImageState { Ready, Pending, Failed };
  ImageState ensureImage(const json::object& pod, ContainerRun& c, const json::object& spec, TimePoint now);
  // Why pulling `image` for `pod` fails, in the runtime's words; nullopt when the pull succeeds.
  std::optional<std::string> pullError(const json::object& pod, const std::string& image) const;
  void start(const json::object& pod, PodRun& run, ContainerRun& c, const json::object& spec, TimePoint now);
  void runProbes(const json::object& pod, PodRun& run, ContainerRun& c, const json::object& spec,
                 TimePoint now);
  void exit(const json::object& pod, PodRun& run, ContainerRun& c, const json::object& spec, TimePoint at,
            int exitCode, std::string reason);
  void stopAll(const json::object& pod, PodRun& run, TimePoint now, int exitCode, std::string_view reason,
               bool killingEvents);
  void appendLogs(const json::object& pod, ContainerRun& c, TimePoint from, TimePoint to);
  // The eviction signals, most urgent first: the node condition that reports each, and the resource the
  // eviction manager reclaims (the word its messages use).
  struct PressureSignal {
    std::string_view condition;
    std::string_view resource;
  };
  static constexpr PressureSignal kPressureSignals[] = {
      {"MemoryPressure", "memory"}, {"DiskPressure", "ephemeral-storage"}, {"PIDPressure", "pids"}};
  void evict(TimePoint now, const json::object& node);
  // A running container's use of the signal's resource: memory and disk in bytes, processes in count.
  std::int64_t usageOf(const PressureSignal& signal, const json::object& pod, const RunningPod& running,
                       const RunningContainer& container, TimePoint now) const;
  void writeStatus(const json::object& pod, PodRun& run, TimePoint now);
  json::object buildStatus(const json::object& pod, const PodRun& run, TimePoint now) const;
  void publishRunning(const json::object& pod, const PodRun& run);
  void record(const json::object& pod, const ContainerRun* c, controllers::Event event, TimePoint now);
  std::string allocateIp(const json::object& node);
  std::set<std::string> envNames(const json::object& pod, const json::object& spec) const;

  RuntimeContext& ctx_;
  std::string node_;
  std::string runtime_ = "containerd";
  std::string hostIp_;
  std::map<std::string, PodRun> pods_;  // by uid
  std::set<std::string> images_;        // normalised references present on the node
  std::set<std::string> usedIps_;
  controllers::CrashLoopBackOff backOff_;
  std::optional<TimePoint> lastLease_;
  std::optional<TimePoint> lastStatusCheck_;
  std::optional<TimePoint> lastEviction_;
  std::string pressure_;  // the node condition the eviction manager acts on; empty without pressure
  std::optional<TimePoint> nextDue_;
};

}  // namespace kubesim::runtime

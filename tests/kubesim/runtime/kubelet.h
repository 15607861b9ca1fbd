// One node's kubelet: it runs the pods bound to its node as their behaviour profiles say, and reports them
// as a 1.32 kubelet does.
//
// Per pod: admission (startTime, hostIP, Pending with ContainerCreating), the sandbox (podIP,
// PodReadyToStartContainers), ConfigMap/Secret volumes (FailedMount), init containers in order, then the
// containers: configuration (CreateContainerConfigError with `configmap "x" not found` / `couldn't find key K
// in ConfigMap ns/x`), the image (Pulled `already present on machine`, Pulling/Pulled with the pull time, bad
// images -> ErrImagePull -> ImagePullBackOff with the image back-off 10 s doubling to 5 min,
// ErrImageNeverPull, InvalidImageName), Created/Started, probes (controllers/probes.h), log lines appended to
// the log store, exits with the profile's code, OOMKilled (137) when memory use passes the limit, restarts
// under restartPolicy with the crash-loop back-off (10 s doubling to 5 min, CrashLoopBackOff and BackOff
// events), phase and conditions exactly as the kubelet computes them, activeDeadlineSeconds
// (DeadlineExceeded), and deletion (Killing `Stopping container x`, then the pod is removed).
// Per node: the Lease in kube-node-lease renewed every 10 s, node status heartbeats, and memory-pressure
// evictions (Evicted with the eviction manager's message).
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
  void start(const json::object& pod, PodRun& run, ContainerRun& c, const json::object& spec, TimePoint now);
  void runProbes(const json::object& pod, PodRun& run, ContainerRun& c, const json::object& spec,
                 TimePoint now);
  void exit(const json::object& pod, PodRun& run, ContainerRun& c, const json::object& spec, TimePoint at,
            int exitCode, std::string reason);
  void stopAll(const json::object& pod, PodRun& run, TimePoint now, int exitCode, std::string_view reason,
               bool killingEvents);
  void appendLogs(const json::object& pod, ContainerRun& c, TimePoint from, TimePoint to);
  void evict(TimePoint now, const json::object& node);
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
  bool underPressure_ = false;
  std::optional<TimePoint> nextDue_;
};

}  // namespace kubesim::runtime

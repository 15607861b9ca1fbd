// The controller manager of the simulated cluster: every controller of the runtime, run against the store on
// the virtual clock, in one of two modes.
//
// Deterministic (tests): step(now) runs every controller at `now` again and again until none of them writes
// (watch-driven controllers settle the same way); runUntil(t) advances a frozen VirtualClock through every
// instant a controller is due (a probe tick, a back-off ending, an HPA sync, a timeline entry) up to t,
// stepping at each, so a test lives through a crash loop or a day of load in milliseconds with exact times.
//
// Threaded (the server): start() runs a thread that follows the clock: it steps through every due instant up
// to the clock's now (so a clock advanced by an hour lives through that hour), then sleeps until the next
// due instant in real time (clock.realDelayUntil), or until a store write (an API request) or wake() (a
// clock change) calls it back.
//
// Controllers, in the order a step runs them: timeline, node lifecycle (taints), pod GC, CronJob, Job,
// Deployment, ReplicaSet, StatefulSet, DaemonSet, scheduler, persistent volumes, one kubelet per Node,
// endpoints/EndpointSlices, resource quota, HPA, metrics-server (and application traffic).
//
// Thread safety: every public member may be called from any thread; a step holds the manager's lock, so the
// server's metrics handlers wait for the current step to end.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "context.h"

namespace kubesim::runtime {

class Kubelet;
class MetricsController;
class TimelineController;

class ControllerManager {
 public:
  // The store must stamp objects with `clock` (construct it, or the ApiServer, with the same clock). The
  // scenario's load curves and timeline count from the clock's time now. With gracefulPodDeletion (the
  // default) the store's pods get graceful deletion from here on.
  ControllerManager(Store& store, LogStore& logs, behaviour::VirtualClock& clock,
                    behaviour::Scenario scenario = {}, RuntimeOptions options = {});
  ~ControllerManager();
  ControllerManager(const ControllerManager&) = delete;
  ControllerManager& operator=(const ControllerManager&) = delete;

  // The create path for the objects controllers make (pods, ReplicaSets, Jobs, ...). Default: the runtime's
  // own admission (admission.h) and Store::create. The server sets its registry create path here.
  void setCreateFunction(CreateFunction create);

  // ---- deterministic mode ----
  void step(TimePoint now);
  void step();  // at the clock's now
  // Steps through every due instant up to target, advancing the clock to each (it never goes back), and
  // ends with a step at target.
  void runUntil(TimePoint target);
  void runFor(Duration duration);
  // The next instant a controller is due after the last step; nullopt when nothing is scheduled.
  std::optional<TimePoint> nextDue() const;

  // ---- threaded mode ----
  void start();
  void stop();
  // Makes the thread look at the clock and the store now (after the clock was advanced, frozen, rescaled).
  void wake();
  bool running() const { return thread_.joinable(); }

  // ---- hooks for the server ----
  // Applies a timeline action now (the control endpoint's faults: kill a pod, node pressure, a bad image,
  // a load change...). Throws std::runtime_error naming what is missing.
  void apply(const behaviour::TimelineAction& action);
  // Prometheus text of a Service's (or pod's) application metrics at the clock's now; nullopt when unknown.
  std::optional<std::string> serviceMetrics(const std::string& ns, const std::string& service);
  std::optional<std::string> podMetrics(const std::string& ns, const std::string& pod);
  // Problems met without stopping (timeline actions that could not apply, controller errors).
  std::vector<std::string> problems() const;

  // The shared state, for tests that look inside (only while no thread runs).
  RuntimeContext& context() { return *ctx_; }
  behaviour::VirtualClock& clock() { return ctx_->clock; }

 private:
  void stepLocked(TimePoint now);
  std::optional<TimePoint> nextDueLocked() const;
  void catchUpLocked(TimePoint now);
  void syncKubeletsLocked();
  void loop();

  struct WakeState {
    std::mutex mutex;
    std::condition_variable changed;
    std::atomic<std::uint64_t> latest{0};   // the store's latest revision, from its observer
    std::atomic<std::uint64_t> settled{0};  // the revision the last step left the store at
    std::atomic<bool> alive{true};
    bool poked = false;  // wake() was called
  };

  mutable std::recursive_mutex mutex_;
  std::unique_ptr<RuntimeContext> ctx_;
  std::vector<std::unique_ptr<Controller>> before_;  // controllers that run before the kubelets
  std::vector<std::unique_ptr<Controller>> after_;   // and after them
  std::map<std::string, std::unique_ptr<Kubelet>> kubelets_;
  TimelineController* timeline_ = nullptr;
  MetricsController* metrics_ = nullptr;
  std::optional<TimePoint> lastStep_;
  std::optional<TimePoint> lastExpiry_;
  std::shared_ptr<WakeState> wake_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace kubesim::runtime

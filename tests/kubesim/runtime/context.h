// What every controller of the runtime shares: the store, the log store, the virtual clock, the event
// recorder, the options, and the simulated world the behaviour models describe (profiles, load, bad images,
// which pods serve which Service, which containers run where). Controllers run one at a time on the
// manager's thread, so none of this needs locking of its own; the manager's lock guards it for readers on
// other threads (the server's metrics and proxy handlers).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "../behaviour/clock.h"
#include "../behaviour/metrics.h"
#include "../behaviour/scenario.h"
#include "../controllers/hpa.h"
#include "../selectors.h"
#include "event_recorder.h"

namespace kubesim::runtime {

using namespace std::chrono_literals;

struct RuntimeOptions {
  // The kubelet's latencies, fixed so runs are reproducible.
  Duration sandboxDelay = 1s;        // pod admitted -> sandbox (IP) ready
  Duration imagePullDuration = 2s;   // a pull that succeeds (or fails) takes this long
  Duration terminationDelay = 1s;    // a deleted pod's containers stop this long after the request
  Duration podSyncRetry = 10s;       // the pod worker's re-sync after an error (back-off, config errors)
  Duration nodeStatusReport = 5min;  // nodeStatusReportFrequency: heartbeats in node status
  Duration nodeStatusCheck = 10s;    // nodeStatusUpdateFrequency: how often changes are looked for
  Duration leaseRenew = 10s;         // the node lease's renew interval (a quarter of its 40 s duration)
  Duration evictionInterval = 10s;   // the eviction manager's monitoring interval
  Duration hpaSync = 15s;            // --horizontal-pod-autoscaler-sync-period
  Duration metricsResolution = 15s;  // metrics-server's --metric-resolution
  Duration eventTtl = 1h;            // --event-ttl
  Duration schedulerRetry = 5min;    // podMaxInUnschedulablePodsDuration
  // Pods get a deletionTimestamp and a grace period on delete, and their kubelet finishes the deletion
  // once the containers stopped (what `kubectl get pods` shows as Terminating). Turned on in the store's
  // resource traits when the manager is constructed.
  bool gracefulPodDeletion = true;
  // Images no registry has (besides those the timeline's badImage actions add): pulls fail with NotFound.
  std::vector<std::string> badImages;
  controllers::HpaOptions hpa;
  int maxRoundsPerStep = 25;  // a guard against controllers that never settle
};

// How controllers create objects. The server wires its own create path (registry strategies, defaults,
// admission) in here; without it the runtime applies its own pod admission (admission.h) and writes to the
// store. Throws ApiError as a create through the API would (403 for an exceeded quota).
using CreateFunction = std::function<ObjectPtr(const GroupResource&, json::object)>;

// One container instance the kubelet runs, as the metrics pipeline and the load balancer see it.
struct RunningContainer {
  std::string name;
  const behaviour::Profile* profile = nullptr;
  TimePoint startedAt{};
  std::uint64_t seed = 0;
  std::optional<std::int64_t> cpuLimitMilli;
  std::optional<std::int64_t> memoryLimitBytes;
};
struct RunningPod {
  std::string namespace_;
  std::string name;
  std::string uid;
  std::string node;
  json::object labels;
  std::vector<RunningContainer> containers;  // only those running now
};

// The simulated world around the API objects.
class World {
 public:
  World(behaviour::Scenario scenario, TimePoint scenarioStart, std::vector<std::string> badImages);

  // ---- behaviour profiles ----
  // The profile of a container: a setProfile rule of the timeline (last match wins), the pod's annotations,
  // then the image.
  const behaviour::Profile& profileFor(const json::object& pod, std::string_view container,
                                       std::string_view image) const;
  struct ProfileRule {
    std::string namespace_;
    std::string pod;
    std::optional<LabelSelector> selector;  // from the rule's selector, or a Deployment's
    std::string image;
    std::string profile;
  };
  void addProfileRule(ProfileRule rule) { profileRules_.push_back(std::move(rule)); }
  const behaviour::ProfileSet& profiles() const { return profiles_; }

  // ---- images ----
  bool imageIsBad(std::string_view image) const;
  void markImageBad(std::string_view image);

  // ---- load ----
  behaviour::LoadModel& load() { return load_; }
  const behaviour::LoadModel& load() const { return load_; }
  TimePoint scenarioStart() const { return scenarioStart_; }
  const behaviour::Timeline& timeline() const { return timeline_; }

  // Which pods are ready endpoints of each Service (kept by the endpoints controller).
  void setServiceEndpoints(const std::string& ns, const std::string& service, std::vector<std::string> pods);
  void forgetService(const std::string& ns, const std::string& service);
  // The requests per second reaching a pod now: each Service's load split evenly over its ready endpoints.
  double podRps(const std::string& ns, const std::string& pod, TimePoint now) const;
  // The Services (namespace, name) whose ready endpoints include the pod.
  std::vector<std::pair<std::string, std::string>> servicesOf(const std::string& ns,
                                                              const std::string& pod) const;
  const std::map<std::pair<std::string, std::string>, std::vector<std::string>>& serviceEndpoints() const {
    return endpoints_;
  }

  // ---- running containers (kept by the kubelets) ----
  void setRunning(RunningPod pod);
  void forgetPod(const std::string& uid);
  const std::map<std::string, RunningPod>& running() const { return running_; }
  // A container's use at now: the profile at the pod's share of the load, CPU capped at its limit.
  behaviour::Usage usageOf(const RunningPod& pod, const RunningContainer& container, TimePoint now) const;

  // ---- metrics-server's latest samples (kept by the metrics controller, read by the HPA) ----
  struct PodSample {
    TimePoint timestamp{};
    Duration window{};
    std::map<std::string, behaviour::Usage> containers;  // by container name
  };
  std::map<std::pair<std::string, std::string>, PodSample>& samples() { return samples_; }
  const std::map<std::pair<std::string, std::string>, PodSample>& samples() const { return samples_; }

  // ---- application traffic (kept by the metrics controller) ----
  std::map<std::pair<std::string, std::string>, behaviour::ServiceTraffic>& traffic() { return traffic_; }
  const std::map<std::pair<std::string, std::string>, behaviour::ServiceTraffic>& traffic() const {
    return traffic_;
  }

 private:
  behaviour::ProfileSet profiles_;
  behaviour::LoadModel load_;
  behaviour::Timeline timeline_;
  TimePoint scenarioStart_;
  std::vector<ProfileRule> profileRules_;
  std::set<std::string> badImages_;  // normalised references
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> endpoints_;
  std::map<std::string, RunningPod> running_;  // by pod uid
  std::map<std::pair<std::string, std::string>, behaviour::ServiceTraffic> traffic_;
  std::map<std::pair<std::string, std::string>, PodSample> samples_;
};

struct RuntimeContext {
  Store& store;
  LogStore& logs;
  behaviour::VirtualClock& clock;
  RuntimeOptions options;
  World world;
  EventRecorder events;
  CreateFunction create;
  // What went wrong without stopping the run (a timeline action naming a missing object, a controller's
  // unexpected error): the latest 100, oldest first.
  std::vector<std::string> problems;
  void report(std::string problem) {
    if (problems.size() >= 100) problems.erase(problems.begin());
    problems.push_back(std::move(problem));
  }
};

// One controller of the manager.
class Controller {
 public:
  virtual ~Controller() = default;
  virtual std::string name() const = 0;
  // One pass at `now`: reads the store and writes what changed. The manager calls every controller again
  // and again within a step until none of them writes, as watch-driven controllers settle.
  virtual void sync(TimePoint now) = 0;
  // The next instant the controller must run although no object changed (a timer), if any.
  virtual std::optional<TimePoint> nextDue() const { return std::nullopt; }
};

// The earlier of two optional instants.
inline std::optional<TimePoint> earliest(std::optional<TimePoint> a, std::optional<TimePoint> b) {
  if (!a) return b;
  if (!b) return a;
  return std::min(*a, *b);
}

// Remembers the store revision a controller last worked from, so a pass with nothing new is skipped.
class ChangeTracker {
 public:
  // True when the store changed since the last pass began, or a requeue time has come.
  bool due(const Store& store, TimePoint now) const {
    return !seen_ || store.revision() != *seen_ || (requeue_ && *requeue_ <= now);
  }
  // Call at the start of a pass: writes of this pass make the next one run again.
  void begin(const Store& store, TimePoint now) {
    seen_ = store.revision();
    requeue_.reset();
    now_ = now;
  }
  // Asks for a pass at `at`; an instant not after the pass's own is ignored (it is being handled).
  void requeue(std::optional<TimePoint> at) {
    if (at && *at > now_) requeue_ = earliest(requeue_, at);
  }
  std::optional<TimePoint> requeueAt() const { return requeue_; }

 private:
  std::optional<std::uint64_t> seen_;
  std::optional<TimePoint> requeue_;
  TimePoint now_{};
};

}  // namespace kubesim::runtime

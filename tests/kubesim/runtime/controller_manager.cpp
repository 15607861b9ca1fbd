// The controller manager: deterministic steps and the threaded loop (see controller_manager.h).
#include "controller_manager.h"

#include <fmt/format.h>

#include "admission.h"
#include "cronjob_controller.h"
#include "daemonset_controller.h"
#include "deployment_controller.h"
#include "endpoints_controller.h"
#include "hpa_controller.h"
#include "job_controller.h"
#include "kubelet.h"
#include "metrics_controller.h"
#include "node_lifecycle_controller.h"
#include "pod_gc_controller.h"
#include "quota_controller.h"
#include "replicaset_controller.h"
#include "scheduler_controller.h"
#include "statefulset_controller.h"
#include "timeline_controller.h"
#include "volume_controller.h"

namespace kubesim::runtime {

namespace {

constexpr auto kMaxIdleWait = std::chrono::milliseconds(200);  // bounds a missed wake-up
constexpr Duration kEventExpiryInterval = std::chrono::minutes(1);

}  // namespace

ControllerManager::ControllerManager(Store& store, LogStore& logs, behaviour::VirtualClock& clock,
                                     behaviour::Scenario scenario, RuntimeOptions options)
    : wake_(std::make_shared<WakeState>()) {
  TimePoint start = clock.now();
  std::vector<std::string> badImages = options.badImages;
  Duration ttl = options.eventTtl;
  ctx_ = std::unique_ptr<RuntimeContext>(
      new RuntimeContext{store,
                         logs,
                         clock,
                         std::move(options),
                         World(std::move(scenario), start, std::move(badImages)),
                         EventRecorder(store, ttl),
                         storeCreateFunction(store),
                         {}});
  if (ctx_->options.gracefulPodDeletion) {
    if (std::optional<ResourceTraits> traits = store.traits(gr::pods)) {
      traits->gracefulDeletion = true;
      store.registerResource(gr::pods, *traits);
    }
  }
  auto timeline = std::make_unique<TimelineController>(*ctx_);
  timeline_ = timeline.get();
  before_.push_back(std::move(timeline));
  before_.push_back(std::make_unique<NodeLifecycleController>(*ctx_));
  before_.push_back(std::make_unique<PodGcController>(*ctx_));
  before_.push_back(std::make_unique<CronJobController>(*ctx_));
  before_.push_back(std::make_unique<JobController>(*ctx_));
  before_.push_back(std::make_unique<DeploymentController>(*ctx_));
  before_.push_back(std::make_unique<ReplicaSetController>(*ctx_));
  before_.push_back(std::make_unique<StatefulSetController>(*ctx_));
  before_.push_back(std::make_unique<DaemonSetController>(*ctx_));
  before_.push_back(std::make_unique<SchedulerController>(*ctx_));
  // After the scheduler: a WaitForFirstConsumer claim is provisioned for the pod just bound before its
  // kubelet looks at it (upstream the scheduler waits for that in PreBind).
  before_.push_back(std::make_unique<VolumeController>(*ctx_));
  after_.push_back(std::make_unique<EndpointsController>(*ctx_));
  after_.push_back(std::make_unique<QuotaController>(*ctx_));
  after_.push_back(std::make_unique<HpaController>(*ctx_));
  auto metrics = std::make_unique<MetricsController>(*ctx_);
  metrics_ = metrics.get();
  after_.push_back(std::move(metrics));

  std::shared_ptr<WakeState> wake = wake_;
  store.addObserver([wake](const StoreEvent& event) {
    if (!wake->alive) return;
    wake->latest = event.revision;
    if (event.revision > wake->settled) {
      std::lock_guard lock(wake->mutex);
      wake->changed.notify_all();
    }
  });
}

ControllerManager::~ControllerManager() {
  stop();
  wake_->alive = false;
}

void ControllerManager::setCreateFunction(CreateFunction create) {
  std::lock_guard lock(mutex_);
  ctx_->create = std::move(create);
}

void ControllerManager::syncKubeletsLocked() {
  std::set<std::string> nodes;
  for (const ObjectPtr& node : ctx_->store.list(gr::nodes).items)
    nodes.insert(std::string(metaString(*node, "name")));
  for (const std::string& node : nodes)
    if (!kubelets_.count(node)) kubelets_.emplace(node, std::make_unique<Kubelet>(*ctx_, node));
  for (auto it = kubelets_.begin(); it != kubelets_.end();) {
    if (nodes.count(it->first)) {
      ++it;
      continue;
    }
    it->second->sync(lastStep_.value_or(ctx_->clock.now()));  // forgets its pods
    it = kubelets_.erase(it);
  }
}

void ControllerManager::step(TimePoint now) {
  std::lock_guard lock(mutex_);
  stepLocked(now);
}

void ControllerManager::step() {
  std::lock_guard lock(mutex_);
  stepLocked(ctx_->clock.now());
}

void ControllerManager::stepLocked(TimePoint now) {
  if (lastStep_ && now < *lastStep_) now = *lastStep_;  // steps never go back in time
  Store& store = ctx_->store;
  auto run = [&](Controller& controller) {
    try {
      controller.sync(now);
    } catch (const std::exception& e) {
      ctx_->report(fmt::format("{} at {}: {}", controller.name(), formatMicroTime(now), e.what()));
    }
  };
  // The requests since the last step were served by the endpoints that were ready then.
  metrics_->advanceTraffic(now);
  int rounds = 0;
  for (; rounds < ctx_->options.maxRoundsPerStep; ++rounds) {
    std::uint64_t before = store.revision();
    syncKubeletsLocked();
    for (auto& controller : before_)
      run(*controller);
    for (auto& [node, kubelet] : kubelets_)
      run(*kubelet);
    for (auto& controller : after_)
      run(*controller);
    if (store.revision() == before) break;
  }
  if (rounds == ctx_->options.maxRoundsPerStep)
    ctx_->report(
        fmt::format("controllers did not settle within {} rounds at {}", rounds, formatMicroTime(now)));
  if (!lastExpiry_ || now - *lastExpiry_ >= kEventExpiryInterval) {
    ctx_->events.expire(now);
    lastExpiry_ = now;
  }
  lastStep_ = now;
  wake_->settled = store.revision();
}

std::optional<TimePoint> ControllerManager::nextDue() const {
  std::lock_guard lock(mutex_);
  return nextDueLocked();
}

std::optional<TimePoint> ControllerManager::nextDueLocked() const {
  std::optional<TimePoint> due;
  auto consider = [&](const Controller& controller) {
    std::optional<TimePoint> at = controller.nextDue();
    // An instant at or before the last step was handled by it.
    if (at && (!lastStep_ || *at > *lastStep_)) due = earliest(due, at);
  };
  for (const auto& controller : before_)
    consider(*controller);
  for (const auto& [node, kubelet] : kubelets_)
    consider(*kubelet);
  for (const auto& controller : after_)
    consider(*controller);
  return due;
}

void ControllerManager::catchUpLocked(TimePoint now) {
  if (!lastStep_) stepLocked(now);
  for (std::optional<TimePoint> due = nextDueLocked(); due && *due <= now; due = nextDueLocked())
    stepLocked(*due);
  stepLocked(now);
}

void ControllerManager::runUntil(TimePoint target) {
  std::lock_guard lock(mutex_);
  behaviour::VirtualClock& clock = ctx_->clock;
  if (!lastStep_) stepLocked(clock.now());
  for (std::optional<TimePoint> due = nextDueLocked(); due && *due <= target; due = nextDueLocked()) {
    clock.advanceTo(*due);
    stepLocked(*due);
  }
  clock.advanceTo(target);
  stepLocked(std::max(target, clock.now()));
}

void ControllerManager::runFor(Duration duration) {
  runUntil(ctx_->clock.now() + std::chrono::duration_cast<TimePoint::duration>(duration));
}

void ControllerManager::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void ControllerManager::stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  wake();
  thread_.join();
}

void ControllerManager::wake() {
  std::lock_guard lock(wake_->mutex);
  wake_->poked = true;
  wake_->changed.notify_all();
}

void ControllerManager::loop() {
  bool poked = true;
  while (!stopping_) {
    std::optional<TimePoint> due;
    {
      std::lock_guard lock(mutex_);
      TimePoint now = ctx_->clock.now();
      // Nothing to do while the clock stands, the store is as the last step left it and no one asked.
      bool idle = !poked && lastStep_ && now <= *lastStep_ && wake_->latest.load() <= wake_->settled.load();
      if (!idle) catchUpLocked(now);
      due = nextDueLocked();
    }
    auto wait = std::chrono::duration_cast<std::chrono::nanoseconds>(kMaxIdleWait);
    if (due) {
      if (std::optional<behaviour::VirtualClock::RealClock::duration> delay =
              ctx_->clock.realDelayUntil(*due))
        wait = std::min(wait, std::chrono::duration_cast<std::chrono::nanoseconds>(*delay));
    }
    std::unique_lock lock(wake_->mutex);
    wake_->changed.wait_for(lock, wait, [&] {
      return stopping_ || wake_->poked || wake_->latest.load() > wake_->settled.load();
    });
    poked = wake_->poked;
    wake_->poked = false;
  }
}

void ControllerManager::apply(const behaviour::TimelineAction& action) {
  {
    std::lock_guard lock(mutex_);
    timeline_->apply(action, std::max(ctx_->clock.now(), lastStep_.value_or(TimePoint{})));
  }
  wake();
}

std::optional<std::string> ControllerManager::serviceMetrics(const std::string& ns,
                                                             const std::string& service) {
  std::lock_guard lock(mutex_);
  metrics_->advanceTraffic(std::max(ctx_->clock.now(), lastStep_.value_or(TimePoint{})));
  return metrics_->serviceExposition(ns, service);
}

std::optional<std::string> ControllerManager::podMetrics(const std::string& ns, const std::string& pod) {
  std::lock_guard lock(mutex_);
  metrics_->advanceTraffic(std::max(ctx_->clock.now(), lastStep_.value_or(TimePoint{})));
  return metrics_->podExposition(ns, pod);
}

std::vector<std::string> ControllerManager::problems() const {
  std::lock_guard lock(mutex_);
  return ctx_->problems;
}

}  // namespace kubesim::runtime

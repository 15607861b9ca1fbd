// The kubelet's reporting: pod status (phase, conditions, container statuses) as the 1.32 kubelet computes
// it, the node's Lease and status heartbeats, pod IPs, and the eviction manager under memory, disk and PID
// pressure (see kubelet.h).
#include <fmt/format.h>

#include <algorithm>

#include "../controllers/api_objects.h"
#include "../errors.h"
#include "admission.h"
#include "kubelet.h"

namespace kubesim::runtime {

namespace {

// Kubelet-owned pod condition types, in the order the kubelet writes them.
constexpr std::string_view kOwnedConditions[] = {"PodReadyToStartContainers", "Initialized", "Ready",
                                                 "ContainersReady", "PodScheduled"};

bool kubeletOwned(std::string_view type) {
  return std::find(std::begin(kOwnedConditions), std::end(kOwnedConditions), type) !=
         std::end(kOwnedConditions);
}

std::string bracketed(const std::vector<std::string>& names) {
  return fmt::format("[{}]", fmt::join(names, " "));
}

struct NodeCondition {
  std::string_view type;
  std::string_view status;
  std::string_view reason;
  std::string_view message;
};
constexpr NodeCondition kNodeConditions[] = {
    {"MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"},
    {"DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"},
    {"PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"},
    {"Ready", "True", "KubeletReady", "kubelet is posting ready status"},
};

constexpr std::int64_t kEvictionThresholdBytes = 100LL * 1024 * 1024;     // memory.available<100Mi
constexpr std::int64_t kDefaultNodeFsBytes = 100LL * 1024 * 1024 * 1024;  // a node without ephemeral-storage
constexpr std::int64_t kMaxPids = 4194304;                                // kernel.pid_max on 64-bit nodes
constexpr std::int64_t kSystemCriticalPriority = 2000000000;

}  // namespace

std::string Kubelet::allocateIp(const json::object& node) {
  std::string cidr = controllers::stringAt(node, {"spec", "podCIDR"}, "10.244.0.0/24");
  std::string prefix = cidr.substr(0, cidr.find('/'));
  prefix = prefix.substr(0, prefix.rfind('.') + 1);
  for (int host = 2; host < 255; ++host) {
    std::string ip = prefix + std::to_string(host);
    if (usedIps_.insert(ip).second) return ip;
  }
  return prefix + "254";
}

json::object Kubelet::buildStatus(const json::object& pod, const PodRun& run, TimePoint now) const {
  json::object status;
  if (const json::object* current = objectField(pod, "status")) status = *current;
  std::vector<const json::object*> initSpecs = containersOf(pod, "initContainers");
  std::vector<const json::object*> specs = containersOf(pod);

  auto ready = [](const ContainerRun& c) {
    return c.state == ContainerRun::State::Running && (!c.prober || c.prober->ready());
  };
  auto started = [](const ContainerRun& c) {
    return c.state == ContainerRun::State::Running && (!c.prober || c.prober->started());
  };
  auto containerStatus = [&](const ContainerRun& c, const json::object* spec) {
    json::object s;
    s["name"] = c.name;
    json::object state;
    switch (c.state) {
      case ContainerRun::State::Waiting: {
        json::object waiting{{"reason", c.waitingReason}};
        if (!c.waitingMessage.empty()) waiting["message"] = c.waitingMessage;
        state["waiting"] = std::move(waiting);
        break;
      }
      case ContainerRun::State::Running:
        state["running"] = json::object{{"startedAt", formatTime(c.startedAt)}};
        break;
      case ContainerRun::State::Terminated:
        state["terminated"] = json::object{{"exitCode", c.exitCode},
                                           {"reason", c.terminatedReason},
                                           {"startedAt", formatTime(c.startedAt)},
                                           {"finishedAt", formatTime(c.finishedAt)},
                                           {"containerID", c.containerId}};
        break;
    }
    s["state"] = std::move(state);
    s["lastState"] = c.lastTerminated ? json::object{{"terminated", *c.lastTerminated}} : json::object{};
    bool isReady =
        c.init && !c.sidecar ? c.state == ContainerRun::State::Terminated && c.exitCode == 0 : ready(c);
    s["ready"] = isReady;
    s["restartCount"] = c.restartCount;
    std::string image = c.everStarted ? c.image : std::string(spec ? stringField(*spec, "image") : "");
    if (c.everStarted && runtime_ != "docker") image = behaviour::parseImage(image).normalized();
    s["image"] = image;
    s["imageID"] = c.imageId;
    if (!c.containerId.empty()) s["containerID"] = c.containerId;
    s["started"] = started(c);
    if (const json::array* mounts = spec ? controllers::findArray(*spec, {"volumeMounts"}) : nullptr) {
      json::array list;
      for (const json::value& m : *mounts) {
        if (!m.is_object()) continue;
        json::object mount{{"name", stringField(m.get_object(), "name")},
                           {"mountPath", stringField(m.get_object(), "mountPath")}};
        if (controllers::boolAt(m.get_object(), {"readOnly"})) mount["readOnly"] = true;
        mount["recursiveReadOnly"] = "Disabled";
        list.push_back(std::move(mount));
      }
      if (!list.empty()) s["volumeMounts"] = std::move(list);
    }
    return s;
  };

  // getPhase, over the same container states the statuses report.
  std::string restartPolicy = controllers::stringAt(pod, {"spec", "restartPolicy"}, "Always");
  int pendingInits = 0, pendingSidecars = 0, failedInit = 0;
  int unknown = 0, running = 0, waiting = 0, stopped = 0, succeeded = 0;
  std::vector<std::string> incompleteInits;
  for (const ContainerRun& c : run.inits) {
    if (c.sidecar) {
      if (c.state == ContainerRun::State::Running) {
        if (!started(c)) ++pendingSidecars;
        ++running;
      } else if (c.state == ContainerRun::State::Waiting && !c.lastTerminated) {
        ++pendingSidecars;
      }
      if (!started(c)) incompleteInits.push_back(c.name);
      continue;
    }
    switch (c.state) {
      case ContainerRun::State::Running:
        ++pendingInits;
        break;
      case ContainerRun::State::Terminated:
        if (c.exitCode != 0) ++failedInit;
        break;
      case ContainerRun::State::Waiting:
        if (c.lastTerminated) {
          if (controllers::intAt(*c.lastTerminated, {"exitCode"}) != 0) ++failedInit;
        } else {
          ++pendingInits;
        }
        break;
    }
    if (!(c.state == ContainerRun::State::Terminated && c.exitCode == 0)) incompleteInits.push_back(c.name);
  }
  std::vector<std::string> unready;
  for (const ContainerRun& c : run.containers) {
    switch (c.state) {
      case ContainerRun::State::Running:
        ++running;
        break;
      case ContainerRun::State::Terminated:
        ++stopped;
        if (c.exitCode == 0) ++succeeded;
        break;
      case ContainerRun::State::Waiting:
        if (c.lastTerminated)
          ++stopped;
        else
          ++waiting;
        break;
    }
    if (!ready(c)) unready.push_back(c.name);
  }
  std::string phase;
  if (!run.terminalReason.empty()) {
    phase = "Failed";
  } else if (failedInit > 0 && restartPolicy == "Never") {
    phase = "Failed";
  } else if (pendingInits > 0 || (pendingSidecars > 0 && failedInit == 0)) {
    phase = "Pending";
  } else if (waiting > 0) {
    phase = "Pending";
  } else if (running > 0 && unknown == 0) {
    phase = "Running";
  } else if (running == 0 && stopped > 0 && unknown == 0) {
    if (restartPolicy == "Always")
      phase = "Running";
    else if (stopped == succeeded)
      phase = "Succeeded";
    else if (restartPolicy == "Never")
      phase = "Failed";
    else
      phase = "Running";
  } else {
    phase = "Pending";
  }
  if (run.killedAt && phase == "Pending" && stopped > 0) phase = "Running";
  status["phase"] = phase;
  if (!run.terminalReason.empty()) {
    status["reason"] = run.terminalReason;
    status["message"] = run.terminalMessage;
  }
  if (!hostIp_.empty()) {
    status["hostIP"] = hostIp_;
    status["hostIPs"] = json::array{json::object{{"ip", hostIp_}}};
  }
  if (run.sandboxReady && !run.podIp.empty()) {
    status["podIP"] = run.podIp;
    status["podIPs"] = json::array{json::object{{"ip", run.podIp}}};
  }
  status["startTime"] = formatTime(run.startTime);
  if (!status.contains("qosClass")) status["qosClass"] = qosClassOf(pod);

  // Conditions: those the kubelet does not own first, then its own in its order.
  bool terminalPhase = phase == "Succeeded" || phase == "Failed";
  json::object scratch;
  if (auto it = status.find("conditions"); it != status.end() && it->value().is_array())
    scratch["conditions"] = it->value();
  for (const auto& [type, value] : run.extraConditions)
    if (value.is_object())
      setCondition(scratch, type, stringField(value.get_object(), "status"),
                   stringField(value.get_object(), "reason"), stringField(value.get_object(), "message"), now,
                   true);
  bool sandbox = run.sandboxReady && !terminalPhase && !run.killedAt;
  setCondition(scratch, "PodReadyToStartContainers", sandbox ? "True" : "False", "", "", now, true);
  if (phase == "Succeeded")
    setCondition(scratch, "Initialized", "True", "PodCompleted", "", now, true);
  else if (!incompleteInits.empty())
    setCondition(scratch, "Initialized", "False", "ContainersNotInitialized",
                 "containers with incomplete status: " + bracketed(incompleteInits), now, true);
  else
    setCondition(scratch, "Initialized", "True", "", "", now, true);
  std::string containersReadyStatus = "True", reason, message;
  if (phase == "Succeeded" || phase == "Failed") {
    containersReadyStatus = "False";
    reason = phase == "Succeeded" ? "PodCompleted" : "PodFailed";
  } else if (!incompleteInits.empty() || !unready.empty()) {
    containersReadyStatus = "False";
    reason = "ContainersNotReady";
    std::vector<std::string> names = unready;
    message = "containers with unready status: " + bracketed(names);
  }
  std::string readyStatus = containersReadyStatus, readyReason = reason, readyMessage = message;
  if (containersReadyStatus == "True") {
    std::vector<std::string> gates;
    if (const json::array* list = controllers::findArray(pod, {"spec", "readinessGates"})) {
      for (const json::value& g : *list) {
        if (!g.is_object()) continue;
        std::string type(stringField(g.get_object(), "conditionType"));
        const json::object* c = conditionOf(scratch, type);
        if (c == nullptr)
          gates.push_back(
              fmt::format("corresponding condition of pod readiness gate \"{}\" does not exist.", type));
        else if (stringField(*c, "status") != "True")
          gates.push_back(fmt::format("the status of pod readiness gate \"{}\" is not \"True\", but {}", type,
                                      stringField(*c, "status")));
      }
    }
    if (!gates.empty()) {
      readyStatus = "False";
      readyReason = "ReadinessGatesNotReady";
      readyMessage = fmt::format("{}", fmt::join(gates, ", "));
    }
  }
  setCondition(scratch, "Ready", readyStatus, readyReason, readyMessage, now, true);
  setCondition(scratch, "ContainersReady", containersReadyStatus, reason, message, now, true);
  if (!conditionOf(scratch, "PodScheduled")) setCondition(scratch, "PodScheduled", "True", "", "", now, true);
  json::array conditions;
  for (const json::value& c : scratch["conditions"].get_array())
    if (c.is_object() && !kubeletOwned(stringField(c.get_object(), "type"))) conditions.push_back(c);
  for (std::string_view type : kOwnedConditions)
    if (const json::object* c = conditionOf(scratch, type)) conditions.push_back(*c);
  status["conditions"] = std::move(conditions);

  if (!run.inits.empty()) {
    json::array list;
    for (std::size_t i = 0; i < run.inits.size(); ++i)
      list.push_back(containerStatus(run.inits[i], i < initSpecs.size() ? initSpecs[i] : nullptr));
    status["initContainerStatuses"] = std::move(list);
  }
  json::array list;
  for (std::size_t i = 0; i < run.containers.size(); ++i)
    list.push_back(containerStatus(run.containers[i], i < specs.size() ? specs[i] : nullptr));
  status["containerStatuses"] = std::move(list);
  return status;
}

void Kubelet::writeStatus(const json::object& pod, PodRun& run, TimePoint now) {
  json::object built = buildStatus(pod, run, now);
  const json::object* current = objectField(pod, "status");
  if (current != nullptr && *current == built) return;
  ctx_.store.modify(gr::pods, run.namespace_, run.name,
                    [&](const json::object& stored) {
                      if (metaString(stored, "uid") != run.uid) throw notFound(gr::pods, run.name);
                      json::object next = stored;
                      next["status"] = buildStatus(stored, run, now);
                      return next;
                    },
                    {UpdateScope::All, false});
}

void Kubelet::publishRunning(const json::object& pod, const PodRun& run) {
  RunningPod info;
  info.namespace_ = run.namespace_;
  info.name = run.name;
  info.uid = run.uid;
  info.node = node_;
  info.labels = labelsOf(pod);
  std::vector<const json::object*> initSpecs = containersOf(pod, "initContainers");
  std::vector<const json::object*> specs = containersOf(pod);
  auto add = [&](const ContainerRun& c, const json::object* spec) {
    if (c.state != ContainerRun::State::Running) return;
    RunningContainer rc;
    rc.name = c.name;
    rc.profile = c.profile;
    rc.startedAt = c.startedAt;
    rc.seed = behaviour::hash64(run.uid + "/" + c.name);
    if (spec) {
      rc.cpuLimitMilli = containerResource(*spec, "limits", "cpu");
      if (auto memory = containerResource(*spec, "limits", "memory")) rc.memoryLimitBytes = *memory / 1000;
    }
    info.containers.push_back(std::move(rc));
  };
  for (std::size_t i = 0; i < run.inits.size(); ++i)
    add(run.inits[i], i < initSpecs.size() ? initSpecs[i] : nullptr);
  for (std::size_t i = 0; i < run.containers.size(); ++i)
    add(run.containers[i], i < specs.size() ? specs[i] : nullptr);
  if (info.containers.empty())
    ctx_.world.forgetPod(run.uid);
  else
    ctx_.world.setRunning(std::move(info));
}

void Kubelet::syncNode(const json::object& node, TimePoint now) {
  // The eviction manager acts on the most urgent signal whose condition is True (byEvictionPriority:
  // memory, then disk, then processes).
  pressure_.clear();
  if (const json::object* status = objectField(node, "status"))
    for (const PressureSignal& p : kPressureSignals)
      if (const json::object* c = conditionOf(*status, p.condition);
          pressure_.empty() && c != nullptr && stringField(*c, "status") == "True")
        pressure_ = std::string(p.condition);

  if (!lastLease_ || now >= *lastLease_ + ctx_.options.leaseRenew) {
    lastLease_ = now;
    std::string renew = formatMicroTime(now);
    try {
      if (ctx_.store.get(gr::leases, "kube-node-lease", node_)) {
        ctx_.store.modify(gr::leases, "kube-node-lease", node_,
                          [&](const json::object& current) {
                            json::object next = current;
                            json::object& spec = objectAt(next, "spec");
                            spec["holderIdentity"] = node_;
                            spec["leaseDurationSeconds"] = 40;
                            spec["renewTime"] = renew;
                            return next;
                          },
                          {UpdateScope::All, false});
      } else {
        json::object owner{
            {"apiVersion", "v1"}, {"kind", "Node"}, {"name", node_}, {"uid", metaString(node, "uid")}};
        ctx_.store.create(gr::leases,
                          json::object{{"apiVersion", "coordination.k8s.io/v1"},
                                       {"kind", "Lease"},
                                       {"metadata", json::object{{"name", node_},
                                                                 {"namespace", "kube-node-lease"},
                                                                 {"ownerReferences", json::array{owner}}}},
                                       {"spec", json::object{{"holderIdentity", node_},
                                                             {"leaseDurationSeconds", 40},
                                                             {"renewTime", renew}}}});
      }
    } catch (const ApiError&) {
      // No kube-node-lease namespace (a bare store): the lease is skipped, as a kubelet retries later.
    }
  }

  if (!lastStatusCheck_ || now >= *lastStatusCheck_ + ctx_.options.nodeStatusCheck) {
    lastStatusCheck_ = now;
    bool report = !controllers::has(node, {"status", "allocatable"});
    const json::object* status = objectField(node, "status");
    for (const NodeCondition& nc : kNodeConditions) {
      const json::object* c = status ? conditionOf(*status, nc.type) : nullptr;
      std::optional<TimePoint> beat = c ? parseTime(stringField(*c, "lastHeartbeatTime")) : std::nullopt;
      if (!beat || now - *beat >= ctx_.options.nodeStatusReport) report = true;
    }
    if (report) {
      std::string stamp = formatTime(now);
      ctx_.store.modify(
          gr::nodes, "", node_,
          [&](const json::object& current) {
            json::object next = current;
            json::object& st = objectAt(next, "status");
            json::array& conditions = arrayAt(st, "conditions");
            for (const NodeCondition& nc : kNodeConditions) {
              json::object* found = nullptr;
              for (json::value& c : conditions)
                if (c.is_object() && stringField(c.get_object(), "type") == nc.type) found = &c.get_object();
              if (found == nullptr) {
                conditions.push_back(json::object{{"type", nc.type},
                                                  {"status", nc.status},
                                                  {"lastHeartbeatTime", stamp},
                                                  {"lastTransitionTime", stamp},
                                                  {"reason", nc.reason},
                                                  {"message", nc.message}});
              } else {
                (*found)["lastHeartbeatTime"] = stamp;
              }
            }
            if (!st.contains("capacity"))
              st["capacity"] = json::object{{"cpu", "4"}, {"memory", "8146012Ki"}, {"pods", "110"}};
            if (!st.contains("allocatable")) st["allocatable"] = st["capacity"];
            return next;
          },
          {UpdateScope::All, false});
    }
  }
}

void Kubelet::evict(TimePoint now, const json::object& node) {
  const PressureSignal* signal = nullptr;
  for (const PressureSignal& p : kPressureSignals)
    if (p.condition == pressure_) signal = &p;
  if (signal == nullptr) {
    lastEviction_.reset();
    return;
  }
  if (lastEviction_ && now < *lastEviction_ + ctx_.options.evictionInterval) return;
  lastEviction_ = now;
  // Every synchronize pass that finds a threshold met says so on the node before it ranks pods.
  ctx_.events.record(
      ObjectReference{"", "Node", "", node_, node_, "", ""}, EventSource{"kubelet", node_},
      {"Warning", "EvictionThresholdMet", fmt::format("Attempting to reclaim {}", signal->resource)}, now);

  struct Candidate {
    json::object pod;
    std::int64_t usage = 0;    // bytes, or processes for pids
    std::int64_t request = 0;  // bytes
    std::int64_t priority = 0;
  };
  std::vector<Candidate> candidates;
  std::int64_t totalUsage = 0;
  for (const auto& [uid, running] : ctx_.world.running()) {
    if (running.node != node_) continue;
    std::optional<json::object> pod = getObject(ctx_.store, gr::pods, running.namespace_, running.name);
    if (!pod || isTerminating(*pod) || isTerminal(*pod)) continue;
    Candidate c;
    for (const RunningContainer& container : running.containers)
      c.usage += usageOf(*signal, *pod, running, container, now);
    for (const json::object* spec : containersOf(*pod))
      c.request += containerResource(*spec, "requests", signal->resource).value_or(0) / 1000;
    c.priority = controllers::intAt(*pod, {"spec", "priority"});
    totalUsage += c.usage;
    c.pod = std::move(*pod);
    // Critical pods (system-node-critical and system-cluster-critical) are never evicted for pressure.
    if (c.priority >= kSystemCriticalPriority) continue;
    // Memory and disk: the pods using more than they request, the ones to reclaim from first (and, as
    // kubesim's pressure is forced, the only ones). Processes have no requests: every pod may go.
    if (signal->resource == "pids" || c.usage > c.request) candidates.push_back(std::move(c));
  }
  if (candidates.empty()) return;
  // rankMemoryPressure / rankDiskPressure: usage above requests first (all candidates are), then lower
  // priority, then the larger excess. rankPIDPressure: lower priority, then more processes.
  std::stable_sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.priority != b.priority) return a.priority < b.priority;
    return a.usage - a.request > b.usage - b.request;
  });
  Candidate& victim = candidates.front();
  auto run = pods_.find(std::string(metaString(victim.pod, "uid")));
  if (run == pods_.end()) return;

  // The signal just past its threshold. The pressure may be forced (a scenario's timeline), so the
  // observed value is made up: half the threshold for memory, 90 % of it for disk and processes.
  std::string message = fmt::format("The node was low on resource: {}. ", signal->resource);
  if (signal->resource == "memory") {
    std::int64_t capacity =
        quantityMilli(controllers::find(node, {"status", "capacity", "memory"})).value_or(0) / 1000;
    std::int64_t available =
        std::min(std::max<std::int64_t>(capacity - totalUsage, 0), kEvictionThresholdBytes / 2);
    available -= available % 1024;
    message +=
        fmt::format("Threshold quantity: 100Mi, available: {}. ", formatQuantity(available * 1000, true));
  } else if (signal->resource == "ephemeral-storage") {
    std::int64_t capacity =
        quantityMilli(controllers::find(node, {"status", "capacity", "ephemeral-storage"})).value_or(0) /
        1000;
    if (capacity <= 0) capacity = kDefaultNodeFsBytes;
    std::int64_t threshold = capacity / 10;  // nodefs.available<10%
    std::int64_t available = threshold - threshold / 10;
    available -= available % 4096;
    message += fmt::format("Threshold quantity: {}, available: {}. ", formatQuantity(threshold * 1000, true),
                           formatQuantity(available * 1000, true));
  } else {
    std::int64_t threshold = kMaxPids / 10;  // pid.available<10%
    message += fmt::format("Threshold quantity: {}, available: {}. ", threshold, threshold - threshold / 10);
  }
  // Each container using more than it requests is named (evictionMessage covers memory and disk only).
  auto usages = ctx_.world.running().find(run->first);
  for (const json::object* spec : containersOf(victim.pod)) {
    if (signal->resource == "pids") break;
    std::string name(stringField(*spec, "name"));
    std::int64_t used = 0;
    if (usages != ctx_.world.running().end())
      for (const RunningContainer& container : usages->second.containers)
        if (container.name == name) used = usageOf(*signal, victim.pod, usages->second, container, now);
    const json::value* request = controllers::find(*spec, {"resources", "requests", signal->resource});
    std::int64_t requestBytes = quantityMilli(request).value_or(0) / 1000;
    if (used > requestBytes)
      message += fmt::format("Container {} was using {}, request is {}, has larger consumption of {}. ", name,
                             formatQuantity(used * 1000, true),
                             request && request->is_string() ? std::string(request->get_string())
                                                             : formatQuantity(requestBytes * 1000, true),
                             signal->resource);
  }
  stopAll(victim.pod, run->second, now, 137, "Error", /*killingEvents=*/true);
  record(victim.pod, nullptr, {"Warning", "Evicted", message}, now);
  run->second.terminal = true;
  run->second.terminalReason = "Evicted";
  run->second.terminalMessage = message;
  run->second.extraConditions["DisruptionTarget"] =
      json::object{{"status", "True"}, {"reason", "TerminationByKubelet"}, {"message", message}};
  ctx_.world.forgetPod(run->first);
  try {
    writeStatus(victim.pod, run->second, now);
  } catch (const ApiError& e) {
    if (e.code() != 404 && e.code() != 409) throw;
  }
}

std::int64_t Kubelet::usageOf(const PressureSignal& signal, const json::object& pod,
                              const RunningPod& running, const RunningContainer& container,
                              TimePoint now) const {
  if (signal.resource == "memory") return ctx_.world.usageOf(running, container, now).memoryBytes;
  std::uint64_t seed = behaviour::hash64(running.namespace_ + "/" + running.name + "/" + container.name);
  if (signal.resource == "pids") return 4 + static_cast<std::int64_t>(seed % 60);
  // Disk: the container's writable layer (a size of its own, 32 to 512 MiB) plus its log, counted in 4 KiB
  // blocks as the filesystem reports them.
  std::int64_t layer = (32 + static_cast<std::int64_t>(seed % 480)) * 1024 * 1024;
  std::int64_t log =
      static_cast<std::int64_t>(ctx_.logs
                                    .get(LogKey{std::string(metaString(pod, "namespace")),
                                                std::string(metaString(pod, "name")), container.name, false})
                                    .value_or("")
                                    .size());
  std::int64_t bytes = layer + log;
  return (bytes + 4095) / 4096 * 4096;
}

}  // namespace kubesim::runtime

// The kubelet's pod lifecycle: admission, sandbox, volumes, images, configuration, container starts, probes,
// exits, restarts with back-off, and deletion (see kubelet.h). Status reporting, the node's lease and
// heartbeats, and evictions are in kubelet_status.cpp.
#include "kubelet.h"

#include <fmt/format.h>

#include <algorithm>

#include "../controllers/api_objects.h"
#include "../errors.h"

namespace kubesim::runtime {

namespace {

using controllers::ProbeType;

const GroupResource kServiceAccounts{"", "serviceaccounts"};
// The node's DNS resolver (systemd-resolved), as the runtime names it in lookup errors.
constexpr std::string_view kNodeResolver = "127.0.0.53:53";

std::string fieldPathOf(std::string_view name, bool init) {
  return fmt::format("spec.{}{{{}}}", init ? "initContainers" : "containers", name);
}

// The image pull policy the API server defaults: Always for :latest or no tag, else IfNotPresent.
std::string pullPolicyOf(const json::object& spec) {
  std::string policy(stringField(spec, "imagePullPolicy"));
  if (!policy.empty()) return policy;
  std::string image(stringField(spec, "image"));
  behaviour::ImageReference ref = behaviour::parseImage(image);
  bool latest = ref.digest.empty() && ref.tag == "latest";
  return latest ? "Always" : "IfNotPresent";
}

// Why the kubelet cannot parse an image reference (distribution/reference's ParseNormalizedNamed, as
// applyDefaultImageTag words it), or nullopt for a valid one.
std::optional<std::string> invalidImageReason(std::string_view image) {
  if (image.empty()) return "invalid reference format";
  for (char ch : image) {
    if (std::isspace(static_cast<unsigned char>(ch))) return "invalid reference format";
  }
  // splitDockerDomain: the first component is a registry when it has a dot or a port, is localhost, or is
  // not all lowercase; the repository path after it must be lowercase.
  std::string_view name = image.substr(0, image.find('@'));
  std::string_view remainder = name;
  if (std::size_t slash = name.find('/'); slash != std::string_view::npos) {
    std::string_view first = name.substr(0, slash);
    bool lower = std::none_of(first.begin(), first.end(),
                              [](char ch) { return std::isupper(static_cast<unsigned char>(ch)); });
    if (first.find_first_of(".:") != std::string_view::npos || first == "localhost" || !lower)
      remainder = name.substr(slash + 1);
  }
  std::string_view remote = remainder.substr(0, remainder.find(':'));
  if (std::any_of(remote.begin(), remote.end(),
                  [](char ch) { return std::isupper(static_cast<unsigned char>(ch)); }))
    return fmt::format("invalid reference format: repository name ({}{}) must be lowercase",
                       remainder.find('/') == std::string_view::npos && remainder == name ? "library/" : "",
                       remote);
  return std::nullopt;
}

// The registry host of a normalised repository ("docker.io", "registry.acme.io:5000") and the path in it.
std::pair<std::string, std::string> splitRepository(const std::string& repository) {
  std::size_t slash = repository.find('/');
  return {repository.substr(0, slash), slash == std::string::npos ? "" : repository.substr(slash + 1)};
}

// The registry a credential key names: "https://registry.acme.io/v1/" is registry.acme.io; Docker Hub's
// legacy names are docker.io.
std::string credentialHost(std::string_view key) {
  if (std::size_t scheme = key.find("://"); scheme != std::string_view::npos) key = key.substr(scheme + 3);
  key = key.substr(0, key.find('/'));
  if (key == "index.docker.io" || key == "registry-1.docker.io") return "docker.io";
  return std::string(key);
}

// The registries a kubernetes.io/dockerconfigjson (or legacy dockercfg) Secret holds credentials for.
std::set<std::string> credentialHosts(const json::object& secret) {
  std::string_view type = stringField(secret, "type");
  bool current = type == "kubernetes.io/dockerconfigjson";
  if (!current && type != "kubernetes.io/dockercfg") return {};
  std::string_view key = current ? ".dockerconfigjson" : ".dockercfg";
  std::optional<std::string> text;
  if (const json::object* data = objectField(secret, "data");
      data && data->contains(key) && data->at(key).is_string())
    text = base64Decode(data->at(key).get_string());
  if (const json::object* data = objectField(secret, "stringData");
      !text && data && data->contains(key) && data->at(key).is_string())
    text = std::string(data->at(key).get_string());
  if (!text) return {};
  boost::system::error_code ec;
  json::value config = json::parse(*text, ec);
  if (ec || !config.is_object()) return {};
  const json::object* auths = current ? objectField(config.get_object(), "auths") : &config.get_object();
  std::set<std::string> hosts;
  if (auths != nullptr)
    for (const auto& entry : *auths)
      hosts.insert(credentialHost(entry.key()));
  return hosts;
}

// The user an image runs as. kubesim has no image configs: images run as root, as most public images do,
// unless their reference says otherwise (distroless ":nonroot", "-unprivileged", "rootless" builds).
bool imageRunsAsRoot(std::string_view image) {
  std::string lower(image);
  for (char& ch : lower)
    ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (std::string_view marker : {"nonroot", "non-root", "unprivileged", "rootless"})
    if (lower.find(marker) != std::string::npos) return false;
  return true;
}

// The port a probe connects to, resolved through the container's named ports; nullopt for exec and gRPC
// probes and for names that resolve to nothing.
std::optional<std::int64_t> probePort(const json::object& probe, const json::object& container) {
  const json::object* action = objectField(probe, "httpGet");
  if (action == nullptr) action = objectField(probe, "tcpSocket");
  if (action == nullptr) return std::nullopt;
  const json::value* port = controllers::find(*action, {"port"});
  if (port == nullptr) return std::nullopt;
  if (port->is_int64()) return port->get_int64();
  if (!port->is_string()) return std::nullopt;
  if (const json::array* ports = controllers::findArray(container, {"ports"}))
    for (const json::value& p : *ports)
      if (p.is_object() && stringField(p.get_object(), "name") == port->get_string())
        return controllers::intAt(p.get_object(), {"containerPort"});
  return std::nullopt;
}

// Whether the program listens on `port`: the container's declared ports are where it listens, so a probe
// aimed elsewhere finds nothing (a container that declares no ports listens wherever it is probed).
bool listensOn(const json::object& container, std::int64_t port) {
  const json::array* ports = controllers::findArray(container, {"ports"});
  if (ports == nullptr || ports->empty()) return true;
  return std::any_of(ports->begin(), ports->end(), [&](const json::value& p) {
    return p.is_object() && controllers::intAt(p.get_object(), {"containerPort"}) == port &&
           stringField(p.get_object(), "protocol") != "UDP";
  });
}

// The image without its tag or digest, as the user wrote it: what docker prints in imageIDs.
std::string repositoryAsWritten(std::string_view image) {
  image = image.substr(0, image.find('@'));
  std::size_t colon = image.rfind(':');
  std::size_t slash = image.rfind('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash))
    image = image.substr(0, colon);
  return std::string(image);
}

std::int64_t imageSize(std::string_view image) {
  return 12'000'000 + static_cast<std::int64_t>(behaviour::hash64(image) % 280'000'000ULL);
}

const json::object* probeOf(const json::object& spec, ProbeType type) {
  switch (type) {
    case ProbeType::Startup:
      return objectField(spec, "startupProbe");
    case ProbeType::Liveness:
      return objectField(spec, "livenessProbe");
    case ProbeType::Readiness:
      return objectField(spec, "readinessProbe");
  }
  return nullptr;
}

bool hasKey(const json::object& object, std::string_view key) {
  for (std::string_view field : {"data", "binaryData", "stringData"})
    if (const json::object* data = objectField(object, field); data && data->contains(key)) return true;
  return false;
}

// verifyRunAsNonRoot: the effective security context asks for a non-root user, and the container would run
// as root (its runAsUser, or the image's user).
std::optional<std::string> nonRootViolation(const json::object& pod, const json::object& container) {
  auto effective = [&](std::string_view field) -> const json::value* {
    if (const json::value* v = controllers::find(container, {"securityContext", field})) return v;
    return controllers::find(pod, {"spec", "securityContext", field});
  };
  const json::value* nonRoot = effective("runAsNonRoot");
  if (nonRoot == nullptr || !nonRoot->is_bool() || !nonRoot->get_bool()) return std::nullopt;
  std::string who =
      fmt::format("(pod: \"{}_{}({})\", container: {})", metaString(pod, "name"),
                  metaString(pod, "namespace"), metaString(pod, "uid"), stringField(container, "name"));
  if (const json::value* user = effective("runAsUser"); user != nullptr && user->is_int64()) {
    if (user->get_int64() != 0) return std::nullopt;
    return "container's runAsUser breaks non-root policy " + who;
  }
  if (!imageRunsAsRoot(stringField(container, "image"))) return std::nullopt;
  return "container has runAsNonRoot and image will run as root " + who;
}

}  // namespace

Kubelet::Kubelet(RuntimeContext& context, std::string nodeName) : ctx_(context), node_(std::move(nodeName)) {}

std::optional<TimePoint> Kubelet::nextDue() const {
  return nextDue_;
}

void Kubelet::record(const json::object& pod, const ContainerRun* c, controllers::Event event,
                     TimePoint now) {
  ObjectReference ref = referenceTo(pod, "v1", "Pod", c ? fieldPathOf(c->name, c->init) : std::string());
  ctx_.events.record(ref, EventSource{"kubelet", node_}, event, now);
}

void Kubelet::sync(TimePoint now) {
  std::optional<json::object> node = getObject(ctx_.store, gr::nodes, "", node_);
  if (!node) {
    for (const auto& [uid, run] : pods_)
      ctx_.world.forgetPod(uid);
    pods_.clear();
    nextDue_.reset();
    return;
  }
  std::string runtimeVersion =
      controllers::stringAt(*node, {"status", "nodeInfo", "containerRuntimeVersion"});
  if (std::size_t sep = runtimeVersion.find("://"); sep != std::string::npos)
    runtime_ = runtimeVersion.substr(0, sep);
  if (const json::array* addresses = controllers::findArray(*node, {"status", "addresses"}))
    for (const json::value& a : *addresses)
      if (a.is_object() && stringField(a.get_object(), "type") == "InternalIP" && hostIp_.empty())
        hostIp_ = std::string(stringField(a.get_object(), "address"));
  if (const json::array* images = controllers::findArray(*node, {"status", "images"}))
    for (const json::value& image : *images)
      if (const json::array* names =
              image.is_object() ? controllers::findArray(image.get_object(), {"names"}) : nullptr)
        for (const json::value& n : *names)
          if (n.is_string() && n.get_string().find("@sha256:") == json::string::npos)
            images_.insert(behaviour::parseImage(n.get_string()).normalized());
  syncNode(*node, now);

  // Only this node's pods are copied out of the store: every kubelet looks at every step.
  std::vector<json::object> pods;
  for (const ObjectPtr& pod : ctx_.store.list(gr::pods).items)
    if (controllers::stringAt(*pod, {"spec", "nodeName"}) == node_) pods.push_back(*pod);
  usedIps_.clear();
  for (const json::object& pod : pods)
    if (std::string ip = controllers::stringAt(pod, {"status", "podIP"}); !ip.empty()) usedIps_.insert(ip);

  std::set<std::string> seen;
  for (const json::object& pod : pods) {
    std::string uid(metaString(pod, "uid"));
    auto it = pods_.find(uid);
    if (it == pods_.end()) {
      // A terminal pod the kubelet never ran (or ran before a restart) needs nothing but its deletion.
      if (isTerminal(pod) && !isTerminating(pod)) continue;
      it = pods_.emplace(uid, admit(pod, now)).first;
    }
    seen.insert(uid);
    try {
      syncPod(pod, it->second, now);
    } catch (const ApiError& e) {
      if (e.code() != 409 && e.code() != 404) throw;  // the pod changed or went: the next pass sees it
    }
  }
  for (auto it = pods_.begin(); it != pods_.end();) {
    if (seen.count(it->first)) {
      ++it;
      continue;
    }
    ctx_.world.forgetPod(it->first);
    it = pods_.erase(it);
  }
  evict(now, *node);

  // When this kubelet must act next with no object changing. Only instants after now count: one already
  // handled must not hide the later ones.
  std::optional<TimePoint> due;
  auto consider = [&](std::optional<TimePoint> at) {
    if (at && *at > now) due = earliest(due, at);
  };
  if (lastLease_) consider(*lastLease_ + ctx_.options.leaseRenew);
  if (lastStatusCheck_) consider(*lastStatusCheck_ + ctx_.options.nodeStatusCheck);
  if (!pressure_.empty() && lastEviction_) consider(*lastEviction_ + ctx_.options.evictionInterval);
  for (const auto& [uid, run] : pods_) {
    consider(run.removeAt);
    if (run.terminal || run.killedAt) continue;
    if (!run.sandboxReady) consider(run.admittedAt + ctx_.options.sandboxDelay);
    consider(run.mountRetryAt);
    for (const auto* list : {&run.inits, &run.containers}) {
      for (const ContainerRun& c : *list) {
        consider(c.pullDoneAt);
        consider(c.retryAt);
        consider(c.restartAt);
        if (c.pendingRestart) consider(c.nextBackOffEvent);
        consider(c.exitAt);
        consider(c.oomAt);
        if (c.state == ContainerRun::State::Running && c.prober) consider(c.prober->nextTick());
      }
    }
  }
  nextDue_ = due;
}

Kubelet::PodRun Kubelet::admit(const json::object& pod, TimePoint now) {
  PodRun run;
  run.uid = std::string(metaString(pod, "uid"));
  run.namespace_ = std::string(metaString(pod, "namespace"));
  run.name = std::string(metaString(pod, "name"));
  run.admittedAt = now;
  run.startTime = now;
  for (const json::object* spec : containersOf(pod, "initContainers")) {
    ContainerRun c;
    c.name = std::string(stringField(*spec, "name"));
    c.init = true;
    c.sidecar = stringField(*spec, "restartPolicy") == "Always";
    c.image = std::string(stringField(*spec, "image"));
    run.inits.push_back(std::move(c));
  }
  for (const json::object* spec : containersOf(pod)) {
    ContainerRun c;
    c.name = std::string(stringField(*spec, "name"));
    c.image = std::string(stringField(*spec, "image"));
    if (!run.inits.empty()) c.waitingReason = "PodInitializing";
    run.containers.push_back(std::move(c));
  }
  if (controllers::has(pod, {"status", "containerStatuses"}) || controllers::has(pod, {"status", "podIP"}))
    adopt(pod, run, now);
  return run;
}

void Kubelet::adopt(const json::object& pod, PodRun& run, TimePoint now) {
  if (auto start = controllers::timeAt(pod, {"status", "startTime"})) run.startTime = *start;
  run.podIp = controllers::stringAt(pod, {"status", "podIP"});
  run.sandboxReady = !run.podIp.empty();
  run.mountsReady = run.sandboxReady;
  run.sandboxAt = run.startTime;
  controllers::RestartPolicy policy = controllers::restartPolicyOf(pod);
  auto adoptList = [&](std::vector<ContainerRun>& list, std::string_view key, std::string_view specKey) {
    std::vector<const json::object*> specs = containersOf(pod, specKey);
    const json::array* statuses = controllers::findArray(pod, {"status", key});
    for (std::size_t i = 0; i < list.size() && statuses; ++i) {
      ContainerRun& c = list[i];
      const json::object* status = nullptr;
      for (const json::value& s : *statuses)
        if (s.is_object() && stringField(s.get_object(), "name") == c.name) status = &s.get_object();
      if (status == nullptr) continue;
      c.restartCount = static_cast<int>(controllers::intAt(*status, {"restartCount"}));
      c.containerId = std::string(stringField(*status, "containerID"));
      c.imageId = std::string(stringField(*status, "imageID"));
      if (const json::object* last = controllers::findObject(*status, {"lastState", "terminated"}))
        c.lastTerminated = *last;
      if (!c.imageId.empty()) images_.insert(behaviour::parseImage(c.image).normalized());
      if (const json::object* running = controllers::findObject(*status, {"state", "running"})) {
        c.state = ContainerRun::State::Running;
        c.everStarted = true;
        c.startedAt = controllers::timeAt(*running, {"startedAt"}).value_or(now);
        c.profile = &ctx_.world.profileFor(pod, c.name, c.image);
        std::optional<behaviour::PlannedExit> planned =
            behaviour::plannedExit(*c.profile, envNames(pod, *specs[i]));
        if (planned) {
          c.exitAt =
              std::max(now, c.startedAt + std::chrono::duration_cast<TimePoint::duration>(planned->after));
          c.plannedExitCode = planned->exitCode;
        }
        c.logCursor = now;  // what ran before this kubelet took over is in the scenario's logs already
        c.prober = std::make_unique<controllers::ContainerProber>(pod, *specs[i], now);
        c.prober->containerStarted(c.startedAt);
      } else if (const json::object* terminated = controllers::findObject(*status, {"state", "terminated"})) {
        c.everStarted = true;
        c.exitCode = static_cast<int>(controllers::intAt(*terminated, {"exitCode"}));
        c.terminatedReason = controllers::stringAt(*terminated, {"reason"});
        c.startedAt = controllers::timeAt(*terminated, {"startedAt"}).value_or(now);
        c.finishedAt = controllers::timeAt(*terminated, {"finishedAt"}).value_or(now);
        bool restart = c.init && !c.sidecar
                           ? (c.exitCode != 0 && policy != controllers::RestartPolicy::Never)
                           : controllers::shouldRestart(
                                 c.sidecar ? controllers::RestartPolicy::Always : policy, c.exitCode);
        if (restart) {
          c.lastTerminated = *terminated;
          c.state = ContainerRun::State::Waiting;
          c.pendingRestart = true;
        } else {
          c.state = ContainerRun::State::Terminated;
        }
      } else if (c.lastTerminated) {
        // Waiting to restart (CrashLoopBackOff in the dump): the back-off starts over here.
        c.everStarted = true;
        c.state = ContainerRun::State::Waiting;
        c.pendingRestart = true;
        c.finishedAt = controllers::timeAt(*c.lastTerminated, {"finishedAt"}).value_or(now);
      }
    }
  };
  adoptList(run.inits, "initContainerStatuses", "initContainers");
  adoptList(run.containers, "containerStatuses", "containers");
  run.terminal = isTerminal(pod);
}

void Kubelet::syncPod(const json::object& pod, PodRun& run, TimePoint now) {
  const json::object* spec = objectField(pod, "spec");
  if (spec == nullptr) return;
  if (isTerminating(pod)) {
    if (!run.killedAt) {
      run.killedAt = now;
      stopAll(pod, run, now, 0, "Completed", /*killingEvents=*/true);
      std::int64_t grace = controllers::intAt(pod, {"metadata", "deletionGracePeriodSeconds"}, 30);
      run.removeAt = now + std::min<Duration>(ctx_.options.terminationDelay,
                                              std::chrono::seconds(std::max<std::int64_t>(grace, 0)));
      ctx_.world.forgetPod(run.uid);
    }
    if (now >= *run.removeAt) {
      DeleteOptions options;
      options.gracePeriodSeconds = 0;
      options.preconditionUid = run.uid;
      ctx_.store.remove(gr::pods, run.namespace_, run.name, options);
      return;
    }
    // No status write while terminating: kubesim's store finishes a graceful deletion on any update of an
    // object without finalizers (the real registry only when deletionGracePeriodSeconds is 0), which would
    // cut the grace period short.
    return;
  }
  if (run.terminal) return;

  if (auto deadline = controllers::find(*spec, {"activeDeadlineSeconds"}); deadline && deadline->is_int64()) {
    if (now >= run.startTime + std::chrono::seconds(deadline->get_int64())) {
      stopAll(pod, run, now, 137, "Error", /*killingEvents=*/true);
      run.terminal = true;
      run.terminalReason = "DeadlineExceeded";
      run.terminalMessage = "Pod was active on the node longer than the specified deadline";
      record(pod, nullptr, {"Normal", "DeadlineExceeded", run.terminalMessage}, now);
      writeStatus(pod, run, now);
      ctx_.world.forgetPod(run.uid);
      return;
    }
  }

  if (!run.sandboxReady) {
    if (now < run.admittedAt + ctx_.options.sandboxDelay) {
      writeStatus(pod, run, now);
      return;
    }
    run.sandboxReady = true;
    run.sandboxAt = run.admittedAt + ctx_.options.sandboxDelay;
    if (std::optional<json::object> node = getObject(ctx_.store, gr::nodes, "", node_))
      run.podIp = allocateIp(*node);
  }

  if (!run.mountsReady) {
    std::optional<std::string> failure;
    if (const json::array* volumes = controllers::findArray(*spec, {"volumes"})) {
      for (const json::value& v : *volumes) {
        if (!v.is_object() || failure) continue;
        const json::object& volume = v.get_object();
        std::string volumeName(stringField(volume, "name"));
        for (bool secret : {false, true}) {
          const json::object* source = objectField(volume, secret ? "secret" : "configMap");
          if (source == nullptr) continue;
          std::string sourceName(stringField(*source, secret ? "secretName" : "name"));
          bool optional = controllers::boolAt(*source, {"optional"});
          std::optional<json::object> object =
              getObject(ctx_.store, secret ? gr::secrets : gr::configMaps, run.namespace_, sourceName);
          std::string why;
          if (!object) {
            if (!optional)
              why = fmt::format("{} \"{}\" not found", secret ? "secret" : "configmap", sourceName);
          } else if (const json::array* items = controllers::findArray(*source, {"items"})) {
            for (const json::value& item : *items)
              if (item.is_object() && why.empty() && !optional &&
                  !hasKey(*object, stringField(item.get_object(), "key")))
                why = fmt::format("{} references non-existent {} key: {}", secret ? "secret" : "configmap",
                                  secret ? "secret" : "config", stringField(item.get_object(), "key"));
          }
          if (!why.empty())
            failure = fmt::format("MountVolume.SetUp failed for volume \"{}\" : {}", volumeName, why);
        }
      }
    }
    if (failure) {
      if (!run.mountRetryAt || now >= *run.mountRetryAt) {
        record(pod, nullptr, {"Warning", "FailedMount", *failure}, now);
        run.mountRetryAt = now + ctx_.options.podSyncRetry;
      }
      writeStatus(pod, run, now);
      return;
    }
    run.mountsReady = true;
    run.mountRetryAt.reset();
  }

  std::vector<const json::object*> initSpecs = containersOf(pod, "initContainers");
  std::vector<const json::object*> specs = containersOf(pod);
  bool initialized = true;
  for (std::size_t i = 0; i < run.inits.size() && i < initSpecs.size(); ++i) {
    ContainerRun& c = run.inits[i];
    if (!c.sidecar && c.state == ContainerRun::State::Terminated && c.exitCode == 0) continue;
    drive(pod, run, c, *initSpecs[i], now);
    if (c.sidecar ? (c.state == ContainerRun::State::Running && (!c.prober || c.prober->started()))
                  : (c.state == ContainerRun::State::Terminated && c.exitCode == 0))
      continue;
    initialized = false;
    break;
  }
  if (initialized)
    for (std::size_t i = 0; i < run.containers.size() && i < specs.size(); ++i)
      drive(pod, run, run.containers[i], *specs[i], now);

  json::object status = buildStatus(pod, run, now);
  std::string phase(stringField(status, "phase"));
  if (phase == "Succeeded" || phase == "Failed") {
    // Sidecars stop once the pod is done.
    for (std::size_t i = 0; i < run.inits.size(); ++i)
      if (run.inits[i].sidecar && run.inits[i].state == ContainerRun::State::Running)
        exit(pod, run, run.inits[i], *initSpecs[i], now, 0, "Completed");
    run.terminal = true;
  }
  writeStatus(pod, run, now);
  publishRunning(pod, run);
}

void Kubelet::drive(const json::object& pod, PodRun& run, ContainerRun& c, const json::object& spec,
                    TimePoint now) {
  switch (c.state) {
    case ContainerRun::State::Terminated:
      return;
    case ContainerRun::State::Running: {
      c.profile = &ctx_.world.profileFor(pod, c.name, c.image);
      if (std::optional<std::int64_t> limit = containerResource(spec, "limits", "memory")) {
        double rps = ctx_.world.podRps(run.namespace_, run.name, now);
        c.oomAt = behaviour::memoryExceedsAt(*c.profile, c.startedAt, rps, *limit / 1000);
      } else {
        c.oomAt.reset();
      }
      bool oomDue = c.oomAt && *c.oomAt <= now;
      bool exitDue = c.exitAt && *c.exitAt <= now;
      if (oomDue && (!exitDue || *c.oomAt <= *c.exitAt)) {
        exit(pod, run, c, spec, std::max(*c.oomAt, c.logCursor), 137, "OOMKilled");
        return;
      }
      if (exitDue) {
        exit(pod, run, c, spec, *c.exitAt, c.plannedExitCode, "");
        return;
      }
      runProbes(pod, run, c, spec, now);
      if (c.state == ContainerRun::State::Running) appendLogs(pod, c, c.logCursor, now + Duration{1});
      return;
    }
    case ContainerRun::State::Waiting:
      break;
  }
  if (c.pendingRestart) {
    std::string key = controllers::CrashLoopBackOff::key(pod, spec);
    controllers::CrashLoopBackOff::Decision decision = backOff_.check(key, c.finishedAt, now);
    if (decision.inBackOff) {
      c.waitingReason = "CrashLoopBackOff";
      c.waitingMessage = controllers::crashLoopMessage(decision.backOff, pod, c.name);
      c.restartAt = decision.restartAt;
      if (!c.nextBackOffEvent || now >= *c.nextBackOffEvent) {
        record(pod, &c, controllers::backOffEvent(pod, c.name), now);
        c.nextBackOffEvent = now + ctx_.options.podSyncRetry;
      }
      return;
    }
    backOff_.recordRestart(key, c.finishedAt, now);
    c.pendingRestart = false;
    c.restartAt.reset();
    c.nextBackOffEvent.reset();
  }
  if (c.retryAt && now < *c.retryAt) return;
  c.retryAt.reset();
  ImageState image = ensureImage(pod, c, spec, now);
  if (image != ImageState::Ready) return;
  if (!checkConfig(pod, c, spec, now)) return;
  start(pod, run, c, spec, now);
}

bool Kubelet::checkConfig(const json::object& pod, ContainerRun& c, const json::object& spec, TimePoint now) {
  std::string ns(metaString(pod, "namespace"));
  std::optional<std::string> error;
  auto lookup = [&](bool secret, const std::string& name) {
    return getObject(ctx_.store, secret ? gr::secrets : gr::configMaps, ns, name);
  };
  if (const json::array* envFrom = controllers::findArray(spec, {"envFrom"})) {
    for (const json::value& item : *envFrom) {
      if (!item.is_object() || error) continue;
      for (bool secret : {false, true}) {
        const json::object* ref = objectField(item.get_object(), secret ? "secretRef" : "configMapRef");
        if (ref == nullptr) continue;
        std::string name(stringField(*ref, "name"));
        if (!lookup(secret, name) && !controllers::boolAt(*ref, {"optional"}))
          error = fmt::format("{} \"{}\" not found", secret ? "secret" : "configmap", name);
      }
    }
  }
  if (const json::array* env = controllers::findArray(spec, {"env"})) {
    for (const json::value& item : *env) {
      if (!item.is_object() || error) continue;
      for (bool secret : {false, true}) {
        const json::object* ref = controllers::findObject(
            item.get_object(), {"valueFrom", secret ? "secretKeyRef" : "configMapKeyRef"});
        if (ref == nullptr) continue;
        std::string name(stringField(*ref, "name"));
        std::string key(stringField(*ref, "key"));
        bool optional = controllers::boolAt(*ref, {"optional"});
        std::optional<json::object> object = lookup(secret, name);
        if (!object) {
          if (!optional) error = fmt::format("{} \"{}\" not found", secret ? "secret" : "configmap", name);
        } else if (!hasKey(*object, key) && !optional) {
          error =
              fmt::format("couldn't find key {} in {} {}/{}", key, secret ? "Secret" : "ConfigMap", ns, name);
        }
      }
    }
  }
  if (!error) error = nonRootViolation(pod, spec);
  if (!error) return true;
  c.waitingReason = "CreateContainerConfigError";
  c.waitingMessage = *error;
  record(pod, &c, {"Warning", "Failed", "Error: " + *error}, now);
  c.retryAt = now + ctx_.options.podSyncRetry;
  return false;
}

std::set<std::string> Kubelet::envNames(const json::object& pod, const json::object& spec) const {
  std::set<std::string> names;
  std::string ns(metaString(pod, "namespace"));
  if (const json::array* envFrom = controllers::findArray(spec, {"envFrom"})) {
    for (const json::value& item : *envFrom) {
      if (!item.is_object()) continue;
      std::string prefix(stringField(item.get_object(), "prefix"));
      for (bool secret : {false, true}) {
        const json::object* ref = objectField(item.get_object(), secret ? "secretRef" : "configMapRef");
        if (ref == nullptr) continue;
        if (std::optional<json::object> object =
                getObject(ctx_.store, secret ? gr::secrets : gr::configMaps, ns, stringField(*ref, "name")))
          for (std::string_view field : {"data", "binaryData", "stringData"})
            if (const json::object* data = objectField(*object, field))
              for (const auto& member : *data)
                names.insert(prefix + std::string(member.key()));
      }
    }
  }
  if (const json::array* env = controllers::findArray(spec, {"env"})) {
    for (const json::value& item : *env) {
      if (!item.is_object()) continue;
      const json::object& var = item.get_object();
      bool present = true;
      for (bool secret : {false, true}) {
        const json::object* ref =
            controllers::findObject(var, {"valueFrom", secret ? "secretKeyRef" : "configMapKeyRef"});
        if (ref == nullptr) continue;
        std::optional<json::object> object =
            getObject(ctx_.store, secret ? gr::secrets : gr::configMaps, ns, stringField(*ref, "name"));
        present = object && hasKey(*object, stringField(*ref, "key"));
      }
      if (present) names.insert(std::string(stringField(var, "name")));
    }
  }
  return names;
}

std::optional<std::string> Kubelet::pullError(const json::object& pod, const std::string& image) const {
  behaviour::ImageReference ref = behaviour::parseImage(image);
  std::string normalized = ref.normalized();
  auto [registry, path] = splitRepository(ref.repository);
  bool docker = runtime_ == "docker";
  std::string manifest = fmt::format("https://{}/v2/{}/manifests/{}",
                                     registry == "docker.io" ? "registry-1.docker.io" : registry, path,
                                     ref.digest.empty() ? ref.tag : ref.digest);
  if (ctx_.world.imageIsBad(image)) {
    if (docker) {
      std::string shown = image.find(':') == std::string::npos && image.find('@') == std::string::npos
                              ? image + ":latest"
                              : image;
      return fmt::format(
          "Error response from daemon: manifest for {} not found: manifest unknown: manifest unknown", shown);
    }
    return fmt::format(
        "rpc error: code = NotFound desc = failed to pull and unpack image \"{0}\": failed to resolve "
        "reference "
        "\"{0}\": {0}: not found",
        normalized);
  }
  std::string hostname = registry.substr(0, registry.find(':'));
  if (hostname.ends_with(".invalid")) {
    std::string dial = fmt::format("dial tcp: lookup {} on {}: no such host", hostname, kNodeResolver);
    if (docker) return fmt::format("Error response from daemon: Get \"https://{}/v2/\": {}", registry, dial);
    return fmt::format(
        "rpc error: code = Unknown desc = failed to pull and unpack image \"{0}\": failed to resolve "
        "reference "
        "\"{0}\": failed to do request: Head \"{1}\": {2}",
        normalized, manifest, dial);
  }
  // A private registry: the namespace holds credentials for it, and the pod must name one of them.
  std::string ns(metaString(pod, "namespace"));
  bool needsCredentials = false;
  for (const json::object& secret : listAll(ctx_.store, gr::secrets, ns))
    needsCredentials = needsCredentials || credentialHosts(secret).count(registry) != 0;
  if (!needsCredentials) return std::nullopt;
  std::vector<std::string> names;
  auto collect = [&](const json::object& object, std::initializer_list<std::string_view> at) {
    if (const json::array* list = controllers::findArray(object, at))
      for (const json::value& item : *list)
        if (item.is_object()) names.emplace_back(stringField(item.get_object(), "name"));
  };
  collect(pod, {"spec", "imagePullSecrets"});
  std::string account = controllers::stringAt(pod, {"spec", "serviceAccountName"}, "default");
  if (std::optional<json::object> sa = getObject(ctx_.store, kServiceAccounts, ns, account))
    collect(*sa, {"imagePullSecrets"});
  for (const std::string& name : names)
    if (std::optional<json::object> secret = getObject(ctx_.store, gr::secrets, ns, name);
        secret && credentialHosts(*secret).count(registry) != 0)
      return std::nullopt;
  if (docker)
    return fmt::format("Error response from daemon: Head \"{}\": unauthorized: authentication required",
                       manifest);
  return fmt::format(
      "rpc error: code = Unknown desc = failed to pull and unpack image \"{0}\": failed to resolve reference "
      "\"{0}\": unexpected status from HEAD request to {1}: 401 Unauthorized",
      normalized, manifest);
}

Kubelet::ImageState Kubelet::ensureImage(const json::object& pod, ContainerRun& c, const json::object& spec,
                                         TimePoint now) {
  std::string image(stringField(spec, "image"));
  std::string policy = pullPolicyOf(spec);
  auto fail = [&](std::string reason, std::string message) {
    c.waitingReason = std::move(reason);
    c.waitingMessage = std::move(message);
    c.retryAt = now + ctx_.options.podSyncRetry;
    return ImageState::Failed;
  };
  if (std::optional<std::string> invalid = invalidImageReason(image)) {
    std::string message =
        fmt::format("Failed to apply default image tag \"{}\": couldn't parse image name \"{}\": {}", image,
                    image, *invalid);
    record(pod, &c, {"Warning", "InspectFailed", message}, now);
    record(pod, &c, {"Warning", "Failed", "Error: InvalidImageName"}, now);
    return fail("InvalidImageName", message);
  }
  std::string normalized = behaviour::parseImage(image).normalized();
  bool present = images_.count(normalized) != 0;
  std::string presentMessage = fmt::format("Container image \"{}\" already present on machine", image);
  if (policy == "Never") {
    if (present) {
      record(pod, &c, {"Normal", "Pulled", presentMessage}, now);
      return ImageState::Ready;
    }
    std::string message =
        fmt::format("Container image \"{}\" is not present with pull policy of Never", image);
    record(pod, &c, {"Warning", "ErrImageNeverPull", message}, now);
    record(pod, &c, {"Warning", "Failed", "Error: ErrImageNeverPull"}, now);
    return fail("ErrImageNeverPull", message);
  }
  if (policy == "IfNotPresent" && present) {
    // Another pod's pull may have brought the image while this one waited for its own.
    c.pullDoneAt.reset();
    record(pod, &c, {"Normal", "Pulled", presentMessage}, now);
    return ImageState::Ready;
  }
  if (c.pullDoneAt) {
    if (now < *c.pullDoneAt) return ImageState::Pending;
    c.pullDoneAt.reset();
    if (std::optional<std::string> failure = pullError(pod, image)) {
      std::string error = *failure;
      record(pod, &c, {"Warning", "Failed", fmt::format("Failed to pull image \"{}\": {}", image, error)},
             now);
      record(pod, &c, {"Warning", "Failed", "Error: ErrImagePull"}, now);
      c.waitingReason = "ErrImagePull";
      c.waitingMessage = error;
      c.lastPullError = error;
      c.pullBackOff =
          c.pullBackOff.count() == 0 ? Duration(10s) : std::min<Duration>(c.pullBackOff * 2, 300s);
      c.pullRetryAt = now + c.pullBackOff;
      // The status change makes the pod worker look again at once, and it finds the pull backing off.
      c.retryAt = now + 1s;
      c.nextBackOffEvent.reset();
      return ImageState::Failed;
    }
    images_.insert(normalized);
    std::string took = goDuration(ctx_.options.imagePullDuration);
    record(
        pod, &c,
        {"Normal", "Pulled",
         fmt::format("Successfully pulled image \"{}\" in {} ({} including waiting). Image size: {} bytes.",
                     image, took, took, imageSize(normalized))},
        now);
    c.pullBackOff = Duration{0};
    c.pullRetryAt.reset();
    return ImageState::Ready;
  }
  if (c.pullRetryAt && now < *c.pullRetryAt) {
    c.waitingReason = "ImagePullBackOff";
    c.waitingMessage = fmt::format("Back-off pulling image \"{}\": ErrImagePull: {}", image, c.lastPullError);
    if (!c.nextBackOffEvent || now >= *c.nextBackOffEvent) {
      record(pod, &c, {"Normal", "BackOff", fmt::format("Back-off pulling image \"{}\"", image)}, now);
      record(pod, &c, {"Warning", "Failed", "Error: ImagePullBackOff"}, now);
      c.nextBackOffEvent = now + ctx_.options.podSyncRetry;
    }
    c.retryAt = std::min(*c.pullRetryAt, *c.nextBackOffEvent);
    return ImageState::Failed;
  }
  record(pod, &c, {"Normal", "Pulling", fmt::format("Pulling image \"{}\"", image)}, now);
  c.pullDoneAt = now + ctx_.options.imagePullDuration;
  c.nextBackOffEvent.reset();
  return ImageState::Pending;
}

void Kubelet::start(const json::object& pod, PodRun& run, ContainerRun& c, const json::object& spec,
                    TimePoint now) {
  if (c.everStarted) ++c.restartCount;
  c.everStarted = true;
  c.state = ContainerRun::State::Running;
  c.waitingReason.clear();
  c.waitingMessage.clear();
  c.image = std::string(stringField(spec, "image"));
  behaviour::ImageReference ref = behaviour::parseImage(c.image);
  std::string digest = "sha256:" + hexId("image:" + ref.normalized());
  c.imageId = runtime_ == "docker"
                  ? fmt::format("docker-pullable://{}@{}", repositoryAsWritten(c.image), digest)
                  : fmt::format("{}@{}", ref.repository, digest);
  c.containerId =
      fmt::format("{}://{}", runtime_, hexId(fmt::format("{}/{}/{}", run.uid, c.name, c.restartCount)));
  c.startedAt = now;
  record(pod, &c, {"Normal", "Created", fmt::format("Created container: {}", c.name)}, now);
  record(pod, &c, {"Normal", "Started", fmt::format("Started container {}", c.name)}, now);
  c.profile = &ctx_.world.profileFor(pod, c.name, c.image);
  c.exitAt.reset();
  c.oomAt.reset();
  std::optional<behaviour::PlannedExit> planned = behaviour::plannedExit(*c.profile, envNames(pod, spec));
  bool batch = controllers::restartPolicyOf(pod) != controllers::RestartPolicy::Always;
  if (planned) {
    c.exitAt = now + std::chrono::duration_cast<TimePoint::duration>(planned->after);
    c.plannedExitCode = planned->exitCode;
  } else if ((c.init && !c.sidecar) || (batch && !c.init && c.profile->name == "default")) {
    // A command that just runs to completion (an init step, a batch job without a profile of its own).
    c.exitAt = now + std::chrono::duration_cast<TimePoint::duration>(c.profile->startup);
    c.plannedExitCode = 0;
  }
  ctx_.logs.set(LogKey{run.namespace_, run.name, c.name, false}, "");
  c.logCursor = now;
  if (!c.init || c.sidecar) {
    if (!c.prober) c.prober = std::make_unique<controllers::ContainerProber>(pod, spec, run.admittedAt);
    c.prober->containerStarted(now);
  }
  runProbes(pod, run, c, spec, now);
  // Lines stamped with this very instant are written now (the cursor is exclusive).
  if (c.state == ContainerRun::State::Running) appendLogs(pod, c, c.logCursor, now + Duration{1});
}

void Kubelet::runProbes(const json::object& pod, PodRun& run, ContainerRun& c, const json::object& spec,
                        TimePoint now) {
  if (!c.prober || c.profile == nullptr) return;
  for (ProbeType type : c.prober->due(now)) {
    behaviour::ProbeKind kind = type == ProbeType::Startup    ? behaviour::ProbeKind::Startup
                                : type == ProbeType::Liveness ? behaviour::ProbeKind::Liveness
                                                              : behaviour::ProbeKind::Readiness;
    behaviour::ProbeAnswer answer = behaviour::probeAt(*c.profile, kind, c.startedAt, now);
    const json::object* probe = probeOf(spec, type);
    if (std::optional<std::int64_t> port = probe ? probePort(*probe, spec) : std::nullopt;
        port && !listensOn(spec, *port))
      answer.listening = false;
    controllers::ProbeEndpoint endpoint = controllers::probeEndpoint(pod, spec, type);
    bool success = answer.success();
    std::string output;
    if (probe && objectField(*probe, "httpGet")) {
      output = answer.listening ? controllers::httpStatusFailure(answer.statusCode)
                                : controllers::connectionRefused(endpoint);
    } else if (probe && objectField(*probe, "tcpSocket")) {
      success = answer.listening;
      output = controllers::connectionRefused(endpoint);
    } else if (probe && objectField(*probe, "grpc")) {
      output = fmt::format("timeout: failed to connect service \"{}\" within 1s: context deadline exceeded",
                           endpoint.hostPort.empty() ? run.podIp : endpoint.hostPort);
    }
    controllers::ProbeOutcome outcome = c.prober->report(type, success, output);
    for (const controllers::Event& event : outcome.events)
      record(pod, &c, event, now);
    if (outcome.kill) {
      exit(pod, run, c, spec, now, 137, "Error");
      return;
    }
  }
}

void Kubelet::appendLogs(const json::object& pod, ContainerRun& c, TimePoint from, TimePoint to) {
  if (c.profile == nullptr || to <= from) return;
  behaviour::LogContext context;
  context.namespace_ = std::string(metaString(pod, "namespace"));
  context.pod = std::string(metaString(pod, "name"));
  context.container = c.name;
  context.image = c.image;
  context.seed = behaviour::hash64(std::string(metaString(pod, "uid")) + "/" + c.name);
  context.rps = ctx_.world.podRps(context.namespace_, context.pod, to);
  for (const json::object* spec : containersOf(pod, c.init ? "initContainers" : "containers"))
    if (stringField(*spec, "name") == c.name) context.envNames = envNames(pod, *spec);
  std::string text;
  for (const behaviour::LogLine& line :
       behaviour::logLinesBetween(*c.profile, c.startedAt, from, to, context))
    text += line.text + "\n";
  if (!text.empty()) ctx_.logs.append(LogKey{context.namespace_, context.pod, c.name, false}, text);
  c.logCursor = to;
}

void Kubelet::exit(const json::object& pod, PodRun& run, ContainerRun& c, const json::object& spec,
                   TimePoint at, int exitCode, std::string reason) {
  // The lines up to and including the instant of exit (a crash's stack trace is stamped with it).
  appendLogs(pod, c, c.logCursor, at + Duration{1});
  c.state = ContainerRun::State::Terminated;
  c.exitCode = exitCode;
  c.finishedAt = at;
  c.terminatedReason = reason.empty() ? controllers::terminatedReason(exitCode, false) : reason;
  c.exitAt.reset();
  c.oomAt.reset();
  if (c.prober) c.prober->containerStopped();
  controllers::RestartPolicy policy = controllers::restartPolicyOf(pod);
  bool restart =
      c.init && !c.sidecar
          ? exitCode != 0 && policy != controllers::RestartPolicy::Never
          : controllers::shouldRestart(c.sidecar ? controllers::RestartPolicy::Always : policy, exitCode);
  if (!restart) return;
  c.lastTerminated = json::object{{"exitCode", c.exitCode},
                                  {"reason", c.terminatedReason},
                                  {"startedAt", formatTime(c.startedAt)},
                                  {"finishedAt", formatTime(c.finishedAt)},
                                  {"containerID", c.containerId}};
  LogKey current{run.namespace_, run.name, c.name, false};
  ctx_.logs.set(LogKey{run.namespace_, run.name, c.name, true}, ctx_.logs.get(current).value_or(""));
  c.state = ContainerRun::State::Waiting;
  c.pendingRestart = true;
  drive(pod, run, c, spec, at);
}

void Kubelet::stopAll(const json::object& pod, PodRun& run, TimePoint now, int exitCode,
                      std::string_view reason, bool killingEvents) {
  for (auto* list : {&run.containers, &run.inits}) {
    for (ContainerRun& c : *list) {
      if (c.state != ContainerRun::State::Running) {
        c.pendingRestart = false;
        c.restartAt.reset();
        c.retryAt.reset();
        c.pullDoneAt.reset();
        continue;
      }
      if (killingEvents)
        record(pod, &c, {"Normal", "Killing", fmt::format("Stopping container {}", c.name)}, now);
      appendLogs(pod, c, c.logCursor, now + Duration{1});
      c.state = ContainerRun::State::Terminated;
      c.exitCode = exitCode;
      c.terminatedReason = std::string(reason);
      c.finishedAt = now;
      c.exitAt.reset();
      c.oomAt.reset();
      if (c.prober) c.prober->containerStopped();
    }
  }
}

}  // namespace kubesim::runtime

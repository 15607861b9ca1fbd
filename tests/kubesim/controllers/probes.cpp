// Probe workers of one container and the prober's messages (see probes.h).
#include "probes.h"

#include <fmt/format.h>

#include <cctype>

namespace kubesim::controllers {

namespace {

std::string_view fieldOf(ProbeType type) {
  switch (type) {
    case ProbeType::Startup:
      return "startupProbe";
    case ProbeType::Liveness:
      return "livenessProbe";
    case ProbeType::Readiness:
      return "readinessProbe";
  }
  return "";
}

constexpr std::array<ProbeType, 3> kAllTypes{ProbeType::Startup, ProbeType::Liveness, ProbeType::Readiness};

}  // namespace

std::string_view probeTypeName(ProbeType type) {
  switch (type) {
    case ProbeType::Startup:
      return "Startup";
    case ProbeType::Liveness:
      return "Liveness";
    case ProbeType::Readiness:
      return "Readiness";
  }
  return "";
}

std::optional<ProbeSpec> probeSpecOf(const json::object& container, ProbeType type) {
  const json::object* probe = findObject(container, {fieldOf(type)});
  if (probe == nullptr) return std::nullopt;
  ProbeSpec spec;
  auto read = [&](std::string_view key, std::int32_t& out, std::int32_t minimum) {
    std::int64_t value = intAt(*probe, {key}, 0);
    if (value >= minimum) out = static_cast<std::int32_t>(value);
  };
  read("initialDelaySeconds", spec.initialDelaySeconds, 0);
  read("periodSeconds", spec.periodSeconds, 1);
  read("timeoutSeconds", spec.timeoutSeconds, 1);
  read("successThreshold", spec.successThreshold, 1);
  read("failureThreshold", spec.failureThreshold, 1);
  return spec;
}

ContainerProber::ContainerProber(const json::object& pod, const json::object& container,
                                 TimePoint workerStart)
    : containerName_(stringAt(container, {"name"})),
      restartOnKill_(stringAt(pod, {"spec", "restartPolicy"}) != "Never") {
  for (ProbeType type : kAllTypes) {
    std::optional<ProbeSpec> spec = probeSpecOf(container, type);
    if (!spec) continue;
    Worker& w = worker(type);
    w.present = true;
    w.spec = *spec;
    w.next = workerStart;  // the first tick probes right away
  }
}

void ContainerProber::containerStarted(TimePoint startedAt) {
  running_ = true;
  startedAt_ = startedAt;
  started_ = !worker(ProbeType::Startup).present;
  worker(ProbeType::Startup).result = Result::Unknown;
  worker(ProbeType::Liveness).result = Result::Success;
  worker(ProbeType::Readiness).result = Result::Failure;
  for (Worker& w : workers_)
    w.onHold = false;
}

void ContainerProber::containerStopped() {
  running_ = false;
  started_ = false;
  for (Worker& w : workers_)
    w.result = Result::Failure;
}

bool ContainerProber::ready() const {
  if (!running_ || !started_) return false;
  const Worker& readiness = worker(ProbeType::Readiness);
  return !readiness.present || readiness.result == Result::Success;
}

std::vector<ProbeType> ContainerProber::due(TimePoint now) {
  std::vector<ProbeType> list;
  for (ProbeType type : kAllTypes) {
    Worker& w = worker(type);
    if (!w.present || w.next > now) continue;
    std::chrono::seconds period(w.spec.periodSeconds);
    TimePoint tick = w.next;
    while (w.next <= now)
      w.next += period;
    if (!running_ || w.onHold) continue;
    // int32(time.Since(startedAt).Seconds()) < initialDelaySeconds skips the tick.
    auto sinceStart = std::chrono::duration_cast<std::chrono::seconds>(tick - startedAt_).count();
    if (sinceStart < w.spec.initialDelaySeconds) continue;
    if (started_ ? type == ProbeType::Startup : type != ProbeType::Startup) continue;
    list.push_back(type);
  }
  return list;
}

ProbeOutcome ContainerProber::report(ProbeType type, bool success, std::string_view output) {
  ProbeOutcome outcome;
  Worker& w = worker(type);
  if (!w.present || !running_) return outcome;
  Result result = success ? Result::Success : Result::Failure;
  if (!success) {
    outcome.events.push_back(
        Event{"Warning", "Unhealthy", fmt::format("{} probe failed: {}", probeTypeName(type), output)});
  }
  if (w.lastResult == result) {
    ++w.run;
  } else {
    w.lastResult = result;
    w.run = 1;
  }
  if ((!success && w.run < w.spec.failureThreshold) || (success && w.run < w.spec.successThreshold)) {
    return outcome;  // below the threshold: the published result stays
  }
  bool wasReady = ready();
  w.result = result;
  if (type == ProbeType::Startup && success && !started_) {
    started_ = true;
    outcome.startedChanged = true;
  }
  if ((type == ProbeType::Liveness || type == ProbeType::Startup) && !success) {
    // Stop probing this container; it is killed and a new one resets the worker.
    w.onHold = true;
    w.run = 0;
    outcome.kill = true;
    std::string message = fmt::format("Container {} failed {} probe", containerName_,
                                      type == ProbeType::Liveness ? "liveness" : "startup");
    if (restartOnKill_) message += ", will be restarted";
    outcome.events.push_back(Event{"Normal", "Killing", message});
  }
  outcome.readyChanged = ready() != wasReady;
  return outcome;
}

std::optional<TimePoint> ContainerProber::nextTick() const {
  std::optional<TimePoint> next;
  for (const Worker& w : workers_) {
    if (!w.present) continue;
    if (!next || w.next < *next) next = w.next;
  }
  return next;
}

std::string httpStatusFailure(int statusCode) {
  return fmt::format("HTTP probe failed with statuscode: {}", statusCode);
}

ProbeEndpoint probeEndpoint(const json::object& pod, const json::object& container, ProbeType type) {
  ProbeEndpoint endpoint;
  const json::object* probe = findObject(container, {fieldOf(type)});
  if (probe == nullptr) return endpoint;
  const json::object* action = findObject(*probe, {"httpGet"});
  bool http = action != nullptr;
  if (!http) action = findObject(*probe, {"tcpSocket"});
  if (action == nullptr) return endpoint;
  std::string host = stringAt(*action, {"host"});
  if (host.empty()) host = stringAt(pod, {"status", "podIP"});
  std::string port;
  const json::value* portValue = find(*action, {"port"});
  if (portValue != nullptr && portValue->is_int64()) {
    port = std::to_string(portValue->get_int64());
  } else if (portValue != nullptr && portValue->is_string()) {
    // A named port resolves through the container's ports.
    std::string_view name = portValue->get_string();
    port = std::string(name);
    if (const json::array* ports = findArray(container, {"ports"})) {
      for (const json::value& item : *ports) {
        if (item.is_object() && stringAt(item.as_object(), {"name"}) == name) {
          port = std::to_string(intAt(item.as_object(), {"containerPort"}));
        }
      }
    }
  }
  endpoint.hostPort = host + ":" + port;
  if (http) {
    std::string scheme = stringAt(*action, {"scheme"}, "HTTP");
    for (char& c : scheme)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string path = stringAt(*action, {"path"});
    if (path.empty() || path[0] != '/') path = "/" + path;
    endpoint.url = scheme + "://" + endpoint.hostPort + path;
  }
  return endpoint;
}

std::string connectionRefused(const ProbeEndpoint& endpoint) {
  std::string dial = fmt::format("dial tcp {}: connect: connection refused", endpoint.hostPort);
  if (endpoint.url.empty()) return dial;
  return fmt::format("Get \"{}\": {}", endpoint.url, dial);
}

std::string probeTimeout(const ProbeEndpoint& endpoint) {
  if (endpoint.url.empty()) return fmt::format("dial tcp {}: i/o timeout", endpoint.hostPort);
  return fmt::format("Get \"{}\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)",
                     endpoint.url);
}

}  // namespace kubesim::controllers

// Probe failures (AIOPS-D600-D604): liveness, readiness and startup probes, told apart by what the prober
// saw: HTTP 404 (wrong path), connection refused (wrong port, or a container killed while still starting),
// a timeout (slow responses), or an unhealthy answer.
//
// Wrong port versus slow start: when the application says in its log which port it listens on, or the
// probe's port is not one the container declares, the port is wrong. When the port is right and every
// instance is killed about when the liveness probe's budget runs out (the first check at the prober's first
// tick at least initialDelaySeconds after the start, then one every periodSeconds, the failureThreshold-th
// failure in a row kills: initialDelaySeconds + periodSeconds × (failureThreshold - 1) after the start, plus
// up to one period), the container starts too slowly for its probe and needs a startup probe.
#include <fmt/format.h>

#include <cstdlib>

#include "diagnose/analyzers.h"

namespace aiops::diagnose {
namespace {

namespace json = boost::json;

struct ProbeKind {
  std::string_view name;    // "liveness"
  std::string_view prefix;  // "Liveness probe"
  std::string_view field;   // "livenessProbe"
};

constexpr ProbeKind kStartup{"startup", "Startup probe", "startupProbe"};
constexpr ProbeKind kLiveness{"liveness", "Liveness probe", "livenessProbe"};
constexpr ProbeKind kReadiness{"readiness", "Readiness probe", "readinessProbe"};

const std::optional<ProbeSpec>& specOf(const ContainerEvidence& c, const ProbeKind& kind) {
  if (kind.name == "startup") return c.startup;
  if (kind.name == "liveness") return c.liveness;
  return c.readiness;
}

bool about(const EventRecord& e, const PodEvidence& pod, const ContainerEvidence& c) {
  std::string container = eventContainer(e);
  if (!container.empty()) return container == c.name;
  return pod.containers.size() == 1;
}

// The prober's output: the text after "<Kind> probe failed: " (or "errored: ").
std::string outputOf(const EventRecord& e, const ProbeKind& kind) {
  for (std::string_view verb : {" failed: ", " errored: "}) {
    std::string prefix = std::string(kind.prefix) + std::string(verb);
    if (startsWith(e.message, prefix)) return e.message.substr(prefix.size());
  }
  return {};
}

std::optional<std::int64_t> resolvePort(const ContainerEvidence& c, const std::string& port) {
  if (port.empty()) return std::nullopt;
  if (std::all_of(port.begin(), port.end(),
                  [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); }))
    return std::atoll(port.c_str());
  for (const ContainerPort& p : c.ports) {
    if (p.name == port) return p.containerPort;
  }
  return std::nullopt;
}

// "1st", "2nd", "3rd", "11th".
std::string ordinal(std::int64_t n) {
  const std::int64_t tens = n % 100;
  const std::int64_t ones = n % 10;
  const char* suffix = tens >= 11 && tens <= 13 ? "th"
                       : ones == 1              ? "st"
                       : ones == 2              ? "nd"
                       : ones == 3              ? "rd"
                                                : "th";
  return fmt::format("{}{}", n, suffix);
}

json::object handlerJson(const ProbeSpec& p) {
  auto port = [&]() -> json::value {
    if (!p.port.empty() && std::all_of(p.port.begin(), p.port.end(),
                                       [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); }))
      return std::atoll(p.port.c_str());
    return json::string(p.port);
  };
  switch (p.handler) {
    case ProbeSpec::Handler::Http: {
      json::object http{{"path", p.path.empty() ? "/" : p.path}, {"port", port()}};
      if (p.scheme == "HTTPS") http["scheme"] = "HTTPS";
      return json::object{{"httpGet", http}};
    }
    case ProbeSpec::Handler::Tcp:
      return json::object{{"tcpSocket", json::object{{"port", port()}}}};
    case ProbeSpec::Handler::Grpc:
      return json::object{{"grpc", json::object{{"port", port()}}}};
    case ProbeSpec::Handler::Exec: {
      json::array command;
      for (const std::string& part : p.command)
        command.push_back(json::string(part));
      return json::object{{"exec", json::object{{"command", command}}}};
    }
    case ProbeSpec::Handler::None:
      break;
  }
  return {};
}

model::Recommendation probeAdvice(const PodEvidence& pod, std::string summary, std::string rationale,
                                  std::string_view ruleId) {
  model::Recommendation r;
  r.action = model::ActionKind::ProbeFix;
  r.target = topOwnerRef(pod);
  r.summary = std::move(summary);
  r.commands.push_back(fmt::format("kubectl -n {} describe pod {}", pod.namespace_, pod.name));
  r.expectedOutcome =
      "The probe passes within one period of the rollout; restarts stop and the pods become Ready.";
  r.risk = model::Risk::Low;
  r.rationale = std::move(rationale);
  r.runbook = std::string(rule(ruleId).slug);
  return r;
}

// A patch of one probe's fields, with its undo restoring the previous values.
void attachProbePatch(model::Recommendation& r, const PodEvidence& pod, const ContainerEvidence& c,
                      const ProbeKind& kind, json::object change, json::object restore) {
  auto target = templateTarget(pod);
  if (!target) return;
  r.target = target->ref;
  r.patch = containerPatch(*target, c, json::object{{kind.field, std::move(change)}});
  r.undo = containerPatch(*target, c, json::object{{kind.field, std::move(restore)}});
  r.commands.insert(r.commands.begin(), model::kubectlPatchCommand(r.target, *r.patch));
}

void analyzeContainer(const Context& ctx, const PodEvidence& pod, const ContainerEvidence& c,
                      Detections& out) {
  std::string label = podLabel(pod);
  std::vector<const EventRecord*> killing;
  for (const EventRecord* e : ctx.podEvents(pod)) {
    if (e->reason == "Killing" && ctx.within(e->lastSeen, ctx.options.recentWindow) &&
        (contains(e->message, fmt::format("Container {} failed liveness probe", c.name)) ||
         contains(e->message, fmt::format("Container {} failed startup probe", c.name))))
      killing.push_back(e);
  }
  for (const ProbeKind* kind : {&kStartup, &kLiveness, &kReadiness}) {
    std::vector<const EventRecord*> failures;
    for (const EventRecord* e : ctx.podEvents(pod)) {
      if (e->reason == "Unhealthy" && about(*e, pod, c) && startsWith(e->message, kind->prefix) &&
          ctx.within(e->lastSeen, ctx.options.recentWindow))
        failures.push_back(e);
    }
    if (failures.empty()) continue;
    bool killedByThis = std::any_of(killing.begin(), killing.end(), [&](const EventRecord* e) {
      return contains(e->message, fmt::format("failed {} probe", kind->name));
    });
    bool fires = kind == &kReadiness ? (c.state.running() && !c.ready)
                                     : (killedByThis || (c.restartCount > 0 && c.lastState.terminated()) ||
                                        (kind == &kStartup && c.started.has_value() && !*c.started));
    if (!fires) continue;

    const EventRecord* newest = failures.front();
    for (const EventRecord* e : failures) {
      if (e->lastSeen.value_or(WallTime{}) >= newest->lastSeen.value_or(WallTime{})) newest = e;
    }
    std::string output = outputOf(*newest, *kind);
    ProbeSpec spec = specOf(c, *kind).value_or(ProbeSpec{});
    Detection d;
    d.pod = &pod;
    d.container = c.name;
    d.confidence = 85;
    d.params = {{"probe", std::string(kind->name)},
                {"container", c.name},
                {"path", spec.path.empty() ? "/" : spec.path},
                {"port", spec.port.empty() ? "(unknown)" : spec.port},
                {"timeout", humanDuration(std::chrono::seconds(spec.timeoutSeconds))},
                {"detail", output}};
    for (const EventRecord* e : failures)
      d.evidence.push_back(eventEvidence(label, *e));
    for (const EventRecord* e : killing)
      d.evidence.push_back(eventEvidence(label, *e));
    d.evidence.push_back(model::EvidenceItem::field(
        label, fmt::format("spec.containers[{}].{}", c.name, kind->field),
        fmt::format("{} {}{} initialDelaySeconds={} periodSeconds={} timeoutSeconds={} failureThreshold={}",
                    spec.handler == ProbeSpec::Handler::Http   ? "httpGet"
                    : spec.handler == ProbeSpec::Handler::Tcp  ? "tcpSocket"
                    : spec.handler == ProbeSpec::Handler::Exec ? "exec"
                                                               : "probe",
                    spec.handler == ProbeSpec::Handler::Http ? spec.path + " " : "",
                    spec.handler == ProbeSpec::Handler::Exec ? "" : "port " + spec.port,
                    spec.initialDelaySeconds, spec.periodSeconds, spec.timeoutSeconds,
                    spec.failureThreshold)));

    bool refused = containsNoCase(output, "connection refused");
    bool timedOut = containsNoCase(output, "context deadline exceeded") ||
                    containsNoCase(output, "Client.Timeout") || containsNoCase(output, "timed out") ||
                    containsNoCase(output, "i/o timeout") || startsWith(output, "timeout:");
    if (contains(output, "statuscode: 404")) {
      d.ruleId = "AIOPS-D600";
      d.confidence = 95;
      model::Recommendation r =
          probeAdvice(pod,
                      fmt::format("point the {} probe of container {} at the path the application serves",
                                  kind->name, c.name),
                      "The application answers on the port but not at this path.", d.ruleId);
      // The readiness probe of the same container may already use a working path.
      if (kind != &kReadiness && c.readiness && c.readiness->handler == ProbeSpec::Handler::Http &&
          c.readiness->path != spec.path && c.ready) {
        r.summary = fmt::format("use the readiness probe's path {} for the {} probe of container {}",
                                c.readiness->path, kind->name, c.name);
        attachProbePatch(r, pod, c, *kind,
                         json::object{{"httpGet", json::object{{"path", c.readiness->path}}}},
                         json::object{{"httpGet", json::object{{"path", spec.path}}}});
      }
      d.recommendations.push_back(std::move(r));
    } else if (refused) {
      std::optional<std::int64_t> port = resolvePort(c, spec.port);
      bool previous = usePreviousLog(c);
      const LogTail& tail = previous ? c.previousLog : c.currentLog;
      std::optional<ListeningPort> listen = tail.fetched ? listeningPort(tail.text) : std::nullopt;
      if (!listen && c.currentLog.fetched && previous) listen = listeningPort(c.currentLog.text);
      std::vector<std::int64_t> declared;
      for (const ContainerPort& p : c.ports)
        declared.push_back(p.containerPort);
      bool declaredElsewhere =
          port && !declared.empty() && std::find(declared.begin(), declared.end(), *port) == declared.end();
      std::optional<std::int64_t> rightPort;
      if (listen && port && listen->port != *port) {
        rightPort = listen->port;
        d.params["detail"] =
            fmt::format(": the application listens on port {} (log line {})", listen->port, listen->line);
        d.evidence.push_back(
            model::EvidenceItem::log(logSource(pod, tail), c.name, previous, listen->line, listen->text));
      } else if (declaredElsewhere && !listen) {
        d.params["detail"] =
            fmt::format(": port {} is not one of the container's ports ({})", *port, joinNames([&] {
                          std::vector<std::string> s;
                          for (auto p : declared)
                            s.push_back(std::to_string(p));
                          return s;
                        }()));
        if (declared.size() == 1) rightPort = declared.front();
      }
      // The kubelet's prober ticks every periodSeconds from when it starts watching the container, and
      // skips ticks until initialDelaySeconds have passed since the container started: the first check
      // comes between initialDelaySeconds and one period later. The failureThreshold-th failure in a row
      // kills, periodSeconds × (failureThreshold - 1) after the first.
      const std::int64_t earliest = spec.initialDelaySeconds +
                                    spec.periodSeconds * std::max<std::int64_t>(0, spec.failureThreshold - 1);
      const std::int64_t budget = earliest + spec.periodSeconds;
      std::optional<std::chrono::seconds> lived;
      if (c.lastState.terminated() && c.lastState.startedAt && c.lastState.finishedAt)
        lived = std::chrono::duration_cast<std::chrono::seconds>(*c.lastState.finishedAt -
                                                                 *c.lastState.startedAt);
      bool slowStart = !rightPort && kind == &kLiveness && killedByThis && !c.startup && lived &&
                       lived->count() <= budget + 2 * spec.periodSeconds;
      if (rightPort) {
        d.ruleId = "AIOPS-D601";
        d.confidence = 90;
        model::Recommendation r = probeAdvice(
            pod, fmt::format("set the {} probe port of container {} to {}", kind->name, c.name, *rightPort),
            "The probe knocks on a port the application does not listen on.", d.ruleId);
        std::string_view handler = spec.handler == ProbeSpec::Handler::Tcp    ? "tcpSocket"
                                   : spec.handler == ProbeSpec::Handler::Grpc ? "grpc"
                                                                              : "httpGet";
        json::value oldPort = handlerJson(spec).if_contains(handler) != nullptr
                                  ? handlerJson(spec).at(handler).at("port")
                                  : json::value(spec.port);
        attachProbePatch(r, pod, c, *kind, json::object{{handler, json::object{{"port", *rightPort}}}},
                         json::object{{handler, json::object{{"port", oldPort}}}});
        d.recommendations.push_back(std::move(r));
      } else if (slowStart) {
        d.ruleId = "AIOPS-D602";
        d.confidence = 80;
        d.params["first"] = spec.initialDelaySeconds > 0
                                ? fmt::format("at the prober's first tick at least {} after each start",
                                              humanDuration(std::chrono::seconds(spec.initialDelaySeconds)))
                                : "at the prober's first tick after each start";
        d.params["period"] = humanDuration(std::chrono::seconds(spec.periodSeconds));
        d.params["threshold"] = ordinal(spec.failureThreshold);
        d.params["budget"] = fmt::format("{} to {}", humanDuration(std::chrono::seconds(earliest)),
                                         humanDuration(std::chrono::seconds(budget)));
        d.params["detail"] =
            fmt::format("; each instance was killed {} after it started", humanDuration(*lived));
        model::Recommendation r = probeAdvice(
            pod,
            fmt::format("give container {} a startup probe with 5 minutes to start (periodSeconds 10, "
                        "failureThreshold 30)",
                        c.name),
            fmt::format("The liveness probe kills an instance that does not answer {} after it starts, "
                        "before it listens; a startup probe holds the liveness probe back until the first "
                        "success.",
                        d.params["budget"]),
            d.ruleId);
        json::object startup = handlerJson(spec);
        startup["periodSeconds"] = 10;
        startup["failureThreshold"] = 30;
        auto target = templateTarget(pod);
        if (target && spec.handler != ProbeSpec::Handler::None) {
          r.target = target->ref;
          r.patch = containerPatch(*target, c, json::object{{"startupProbe", startup}});
          r.undo = containerPatch(*target, c, json::object{{"startupProbe", nullptr}});
          r.commands.insert(r.commands.begin(), model::kubectlPatchCommand(r.target, *r.patch));
        }
        d.recommendations.push_back(std::move(r));
      } else {
        d.ruleId = "AIOPS-D601";
        d.confidence = 70;
        d.params["detail"] = ": nothing listens on that port";
        d.recommendations.push_back(
            probeAdvice(pod,
                        fmt::format("make the probe port of container {} match the port the application "
                                    "listens on (0.0.0.0, not localhost)",
                                    c.name),
                        "Nothing accepts connections on the probe's port; which side is wrong needs the "
                        "application's port.",
                        d.ruleId));
      }
      addLogEvidence(ctx, pod, c, d.evidence, 2);
    } else if (timedOut) {
      d.ruleId = "AIOPS-D603";
      d.confidence = 85;
      std::int64_t newTimeout = std::min<std::int64_t>(std::max<std::int64_t>(5, spec.timeoutSeconds * 3),
                                                       std::max<std::int64_t>(spec.periodSeconds, 5));
      model::Recommendation r =
          probeAdvice(pod,
                      fmt::format("raise the {} probe timeout of container {} from {}s to {}s", kind->name,
                                  c.name, spec.timeoutSeconds, newTimeout),
                      "The endpoint answers, but slower than timeoutSeconds allows; the new timeout stays "
                      "within the period.",
                      d.ruleId);
      if (newTimeout > spec.timeoutSeconds)
        attachProbePatch(r, pod, c, *kind, json::object{{"timeoutSeconds", newTimeout}},
                         json::object{{"timeoutSeconds", spec.timeoutSeconds}});
      d.recommendations.push_back(std::move(r));
    } else {
      d.ruleId = "AIOPS-D604";
      d.confidence = 75;
      d.params["detail"] = output.empty() ? newest->message : output;
      addLogEvidence(ctx, pod, c, d.evidence, 2);
      model::Recommendation r =
          probeAdvice(pod, fmt::format("find in the log of container {} why its health check fails", c.name),
                      "The application itself reports unhealthy; the probe is only the messenger.", d.ruleId);
      r.action = model::ActionKind::Investigate;
      d.recommendations.push_back(std::move(r));
    }
    // Probe output carries the pod's IP: the key keeps only what is the same for every pod with this cause.
    std::string same;
    if (auto at = output.find("statuscode: "); at != std::string::npos) same = output.substr(at);
    d.causeKey = fmt::format("{}|{}|{}|{}", kind->name, d.ruleId, spec.port, same);
    out.push_back(std::move(d));
    return;  // one probe finding per container: the first of startup, liveness, readiness
  }
}

}  // namespace

void analyzeProbes(const Context& ctx, Detections& out) {
  for (const PodEvidence& pod : ctx.evidence.pods) {
    if (pod.phase == "Succeeded" || pod.phase == "Failed" || pod.deleted) continue;
    for (const ContainerEvidence& c : pod.initContainers) {
      if (c.sidecar) analyzeContainer(ctx, pod, c, out);
    }
    for (const ContainerEvidence& c : pod.containers)
      analyzeContainer(ctx, pod, c, out);
  }
}

}  // namespace aiops::diagnose

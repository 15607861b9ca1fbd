// Crash analysis: containers that exit and restart (CrashLoopBackOff), fail for good, or flap, with
// exit-code decoding (1, 2, 126, 127, 128+n, 137, 139, 143), start failures, and the log signature that
// explains an application error (AIOPS-D100-D109, D130, and D900-D913 through the log library).
//
// OOMKilled terminations belong to oom.cpp and liveness kills to probes.cpp: both leave exit codes (137,
// 143) that would otherwise read as unexplained signals here.
#include <fmt/format.h>

#include "diagnose/analyzers.h"

namespace aiops::diagnose {
namespace {

// A container the kubelet killed because a liveness or startup probe failed.
bool killedByProbe(const Context& ctx, const PodEvidence& pod, const ContainerEvidence& c) {
  for (const EventRecord* e : ctx.podEvents(pod)) {
    if (e->reason != "Killing" || !ctx.within(e->lastSeen, ctx.options.recentWindow)) continue;
    if (contains(e->message, fmt::format("Container {} failed liveness probe", c.name)) ||
        contains(e->message, fmt::format("Container {} failed startup probe", c.name)))
      return true;
  }
  return false;
}

void addBackOffEvents(const Context& ctx, const PodEvidence& pod, const ContainerEvidence& c,
                      std::vector<model::EvidenceItem>& evidence) {
  for (const EventRecord* e : ctx.podEvents(pod)) {
    if (e->reason == "BackOff" && contains(e->message, "restarting failed container " + c.name + " "))
      evidence.push_back(eventEvidence(podLabel(pod), *e));
  }
}

// A Job that completed: its failed attempts before the success are not problems.
bool ofCompletedJob(const Context& ctx, const PodEvidence& pod) {
  if (pod.owners.empty() || pod.owners.front().kind != "Job") return false;
  const WorkloadEvidence* job = ctx.workload("Job", pod.namespace_, pod.owners.front().name);
  if (job == nullptr) return false;
  for (const Condition& c : job->conditions) {
    if ((c.type == "Complete" || c.type == "SuccessCriteriaMet") && c.isTrue()) return true;
  }
  return false;
}

// The program the container runs: for `sh -c "db-migrate --up"` that is db-migrate, not the shell (which
// exits 127 when the script's command is missing).
std::string commandOf(const ContainerEvidence& c) {
  std::vector<std::string> argv = c.command;
  argv.insert(argv.end(), c.args.begin(), c.args.end());
  if (argv.empty()) return "its command";
  std::string_view program = argv.front();
  std::string_view base =
      program.substr(program.rfind('/') == std::string_view::npos ? 0 : program.rfind('/') + 1);
  bool shell = base == "sh" || base == "bash" || base == "ash" || base == "dash" || base == "zsh";
  for (std::size_t i = 1; shell && i + 1 < argv.size(); ++i) {
    if (argv[i] != "-c") continue;
    std::string_view script = argv[i + 1];
    std::size_t start = script.find_first_not_of(" \t\n");
    if (start == std::string_view::npos) break;
    std::size_t end = script.find_first_of(" \t\n;&|", start);
    return fmt::format("\"{}\"", script.substr(start, end == std::string_view::npos ? end : end - start));
  }
  return fmt::format("\"{}\"", argv.front());
}

model::Recommendation investigate(const PodEvidence& pod, const ContainerEvidence& c, std::string summary,
                                  std::string_view runbook) {
  model::Recommendation r;
  r.action = model::ActionKind::Investigate;
  r.target = topOwnerRef(pod);
  r.summary = std::move(summary);
  r.commands.push_back(
      fmt::format("kubectl -n {} logs {} -c {} --previous --tail=100", pod.namespace_, pod.name, c.name));
  r.commands.push_back(fmt::format("kubectl -n {} describe pod {}", pod.namespace_, pod.name));
  r.expectedOutcome =
      "The error the container reports is found and fixed; the container then stays running and "
      "its restart count stops rising.";
  r.risk = model::Risk::Low;
  r.rationale = "No change can be derived safely from the evidence alone; reading it changes nothing.";
  r.runbook = std::string(runbook);
  return r;
}

model::Recommendation configChange(const PodEvidence& pod, std::string summary, std::string rationale,
                                   std::string_view runbook) {
  model::Recommendation r;
  r.action = model::ActionKind::ConfigChange;
  r.target = topOwnerRef(pod);
  r.summary = std::move(summary);
  r.expectedOutcome = "The container starts and stays running after the corrected template rolls out.";
  r.risk = model::Risk::Medium;
  r.rationale = std::move(rationale);
  r.runbook = std::string(runbook);
  if (r.target.kind != "Pod") {
    std::string kind = r.target.kind;
    for (char& ch : kind)
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    r.commands.push_back(fmt::format("kubectl -n {} edit {}/{}", r.target.namespace_, kind, r.target.name));
  }
  return r;
}

// Classifies one ended container and records the detection.
void classify(const Context& ctx, const PodEvidence& pod, const ContainerEvidence& c,
              const ContainerState& ended, Detections& out) {
  int code = ended.exitCode.value_or(0);
  bool failedPod = &ended == &c.state && (pod.restartPolicy == "Never" || pod.phase == "Failed");
  Detection d;
  d.pod = &pod;
  d.container = c.name;
  d.params = {{"container", c.name},
              {"exit", std::to_string(code)},
              {"loop", loopPhrase(pod, c)},
              {"crash", crashPhrase(pod, c, ended)},
              {"image", c.image},
              {"node", pod.nodeName.empty() ? "unknown" : pod.nodeName},
              {"policy", pod.restartPolicy},
              {"meaning", exitMeaning(code)}};
  addTerminationEvidence(pod, c, ended, d.evidence);
  addBackOffEvents(ctx, pod, c, d.evidence);

  bool previous = usePreviousLog(c);
  const LogTail& tail = previous ? c.previousLog : c.currentLog;
  const LogMatch* best = tail.fetched ? ctx.scan(pod, c, previous).best() : nullptr;
  bool generic = false;

  bool startError = ended.reason == "StartError" || ended.reason == "ContainerCannotRun" ||
                    (code == 128 && !ended.message.empty());
  if (startError) {
    StartFailure f = classifyStartFailure(ended.message);
    d.ruleId = f.ruleId;
    d.params["command"] = f.command.empty() ? commandOf(c) : f.command;
    d.params["reason"] = ended.reason.empty() ? "StartError" : ended.reason;
    d.params["detail"] = sanitizeLine(ended.message, 200);
    d.confidence = f.ruleId == "AIOPS-D305" ? 75 : 95;
  } else if (code == 0) {
    d.ruleId = "AIOPS-D107";
    d.confidence = 90;
  } else if (code == 2) {
    d.ruleId = "AIOPS-D101";
    d.confidence = 70;
    generic = true;  // Go panics also exit 2: a log signature explains better
  } else if (code == 126) {
    d.ruleId = "AIOPS-D102";
    d.params["command"] = commandOf(c);
    d.confidence = 85;
  } else if (code == 127) {
    d.ruleId = "AIOPS-D103";
    d.params["command"] = commandOf(c);
    d.confidence = 85;
  } else if (code == 139) {
    d.ruleId = "AIOPS-D104";
    d.confidence = 90;
  } else if (code == 143) {
    d.ruleId = "AIOPS-D105";
    d.confidence = 70;
  } else if (code > 128 && code < 160) {
    d.ruleId = "AIOPS-D106";
    d.params["signal"] = signalName(code - 128);
    d.confidence = 75;
  } else {
    d.ruleId = failedPod ? "AIOPS-D108" : "AIOPS-D100";
    d.confidence = 60;
    generic = true;
  }

  std::string target;
  if (best != nullptr && (generic || best->signature->ruleId == "AIOPS-D109")) {
    d.ruleId = best->signature->ruleId;
    d.params["cause"] = ctx.scan(pod, c, previous).explanation();
    d.confidence = best->target.empty() ? 80 : 85;
    target = best->target;
    if (best->signature->ruleId == "AIOPS-D109") d.confidence = 90;
    if (!target.empty() &&
        (best->signature->id == "connection-refused" || best->signature->id == "timeout")) {
      if (const ServiceEvidence* s = ctx.serviceForHost(target, pod.namespace_)) {
        d.dependsOn.push_back(ObjectKey{"Service", s->namespace_, s->name});
        d.params["cause"] = renderTemplate(
            best->signature->clause, Params{{"target", fmt::format("{} (Service {})", target, s->name)}});
      }
    }
  } else if (generic && tail.fetched) {
    d.confidence += 5;  // the last log line is quoted
  }
  if (d.ruleId == "AIOPS-D109") {
    std::string arch = "unknown";
    if (const NodeEvidence* n = ctx.node(pod.nodeName)) {
      auto it = n->labels.find("kubernetes.io/arch");
      if (it != n->labels.end()) arch = it->second;
    }
    d.params["arch"] = arch;
  }
  addLogEvidence(ctx, pod, c, d.evidence);
  d.causeKey = fmt::format("{}|{}|{}|{}", code, best != nullptr ? best->signature->id : "", target,
                           startError ? d.params["command"] : "");

  const Rule& r = rule(d.ruleId);
  if (d.ruleId == "AIOPS-D102" || d.ruleId == "AIOPS-D103") {
    d.recommendations.push_back(configChange(
        pod,
        fmt::format("correct the command of container {} or use an image that contains {}", c.name,
                    d.params["command"]),
        "The runtime reports the command itself as the failure; nothing else in the pod is involved.",
        r.slug));
  } else if (d.ruleId == "AIOPS-D107") {
    d.recommendations.push_back(configChange(
        pod, fmt::format("run container {} as a Job, or keep its process in the foreground", c.name),
        "The container finishes successfully; only the restart policy turns that into a loop.", r.slug));
  } else {
    if (d.ruleId != "AIOPS-D105" && d.ruleId != "AIOPS-D106" && d.ruleId != "AIOPS-D305") {
      if (auto rollback = rollbackRecommendation(ctx, pod, r.slug))
        d.recommendations.push_back(std::move(*rollback));
    }
    std::string summary =
        best != nullptr && d.ruleId == best->signature->ruleId
            ? fmt::format("resolve the {} reported in the log of container {}{}", best->signature->title,
                          c.name, target.empty() ? "" : fmt::format(" ({})", target))
            : fmt::format("read the log of container {} before its exit and fix the error it reports",
                          c.name);
    d.recommendations.push_back(investigate(pod, c, summary, r.slug));
  }
  out.push_back(std::move(d));
}

void analyzeContainer(const Context& ctx, const PodEvidence& pod, const ContainerEvidence& c,
                      Detections& out) {
  const ContainerState* ended = lastTermination(c);
  if (ended == nullptr || ended->reason == "OOMKilled") return;  // OOM kills: oom.cpp
  int code = ended->exitCode.value_or(0);
  if (killedByProbe(ctx, pod, c)) return;  // probes.cpp explains the kill

  if (c.state.running()) {
    if (!c.lastState.terminated() || code == 0 ||
        !ctx.within(c.lastState.finishedAt, ctx.options.recentWindow))
      return;
    if (c.restartCount < ctx.options.restartThreshold) return;
    // Running between crashes: it started minutes ago and will crash again.
    if (ctx.age(c.state.startedAt) < std::chrono::minutes(10)) {
      classify(ctx, pod, c, *ended, out);
      return;
    }
    Detection d;
    d.ruleId = "AIOPS-D130";
    d.pod = &pod;
    d.container = c.name;
    d.confidence = 70;
    d.params = {{"container", c.name},
                {"restarts", plural(c.restartCount, "time")},
                {"ago", humanDuration(ctx.age(c.lastState.finishedAt))},
                {"last", fmt::format("exit code {} ({})", code, exitMeaning(code))}};
    addTerminationEvidence(pod, c, *ended, d.evidence);
    addLogEvidence(ctx, pod, c, d.evidence);
    d.causeKey = std::to_string(code);
    d.recommendations.push_back(
        investigate(pod, c, fmt::format("read the previous log of container {} around its last exit", c.name),
                    rule("AIOPS-D130").slug));
    out.push_back(std::move(d));
    return;
  }

  bool looping = c.state.waiting() && c.state.reason == "CrashLoopBackOff";
  if (!looping && !c.state.terminated()) return;  // other waiting reasons belong to other analyzers
  if (c.state.terminated() && code == 0) {
    if (pod.restartPolicy != "Always" || c.restartCount == 0) return;  // finished as intended
  }
  classify(ctx, pod, c, *ended, out);
}

}  // namespace

void analyzeCrashLoop(const Context& ctx, Detections& out) {
  for (const PodEvidence& pod : ctx.evidence.pods) {
    // Succeeded pods are done (a sidecar's exit code there is not a failure); pods being deleted are going.
    if (pod.phase == "Succeeded" || pod.deleted) continue;
    if (!pod.reason.empty() && pod.phase == "Failed")
      continue;  // Evicted and kubelet rejections: eviction.cpp
    if (ofCompletedJob(ctx, pod)) continue;
    for (const ContainerEvidence& c : pod.initContainers) {
      if (c.sidecar) analyzeContainer(ctx, pod, c, out);
    }
    for (const ContainerEvidence& c : pod.containers)
      analyzeContainer(ctx, pod, c, out);
  }
}

}  // namespace aiops::diagnose

// Init containers (AIOPS-D120, D121): one that fails (Init:CrashLoopBackOff, Init:Error) or one that runs
// far longer than start-up should take. Image and configuration problems of init containers are the image
// and configuration analyzers' business; sidecars (restartable init containers) are treated as app
// containers by crashloop.cpp.
#include <fmt/format.h>

#include "diagnose/analyzers.h"

namespace aiops::diagnose {
namespace {

model::Recommendation readLog(const PodEvidence& pod, const ContainerEvidence& c, std::string summary,
                              std::string_view runbook) {
  model::Recommendation r;
  r.action = model::ActionKind::Investigate;
  r.target = topOwnerRef(pod);
  r.summary = std::move(summary);
  r.commands.push_back(fmt::format("kubectl -n {} logs {} -c {}{}", pod.namespace_, pod.name, c.name,
                                   c.lastState.terminated() ? " --previous" : ""));
  r.expectedOutcome = "Once what the init container needs is fixed, it exits 0 and the app containers start.";
  r.risk = model::Risk::Low;
  r.rationale = "The init container's own log says what it is waiting for or failing on.";
  r.runbook = std::string(runbook);
  return r;
}

void analyzeFailing(const Context& ctx, const PodEvidence& pod, const ContainerEvidence& c,
                    const ContainerState& ended, Detections& out) {
  Detection d;
  d.ruleId = "AIOPS-D120";
  d.pod = &pod;
  d.container = c.name;
  d.confidence = 85;
  int code = ended.exitCode.value_or(0);
  std::string crash = crashPhrase(pod, c, ended);
  if (code != 0 && code != 1) crash = fmt::format("{} ({})", crash, exitMeaning(code));
  std::string cause;
  bool previous = usePreviousLog(c);
  const LogTail& tail = previous ? c.previousLog : c.currentLog;
  std::string signature;
  if (tail.fetched) {
    const LogScan& scan = ctx.scan(pod, c, previous);
    if (const LogMatch* best = scan.best()) {
      cause = " because " + scan.explanation();
      signature = std::string(best->signature->id);
      d.confidence = 90;
      if (!best->target.empty() &&
          (best->signature->id == "connection-refused" || best->signature->id == "timeout")) {
        if (const ServiceEvidence* s = ctx.serviceForHost(best->target, pod.namespace_)) {
          d.dependsOn.push_back(ObjectKey{"Service", s->namespace_, s->name});
          cause = " because " +
                  renderTemplate(best->signature->clause,
                                 Params{{"target", fmt::format("{} (Service {})", best->target, s->name)}});
        }
      }
    }
  }
  if (ended.reason == "StartError" || ended.reason == "ContainerCannotRun") {
    StartFailure f = classifyStartFailure(ended.message);
    if (f.ruleId == "AIOPS-D103")
      cause =
          fmt::format(" because {} is not found in the image", f.command.empty() ? "its command" : f.command);
  }
  d.params = {{"container", c.name}, {"crash", crash}, {"cause", cause}};
  d.causeKey = fmt::format("{}|{}", code, signature);
  addTerminationEvidence(pod, c, ended, d.evidence);
  addLogEvidence(ctx, pod, c, d.evidence);
  d.recommendations.push_back(
      readLog(pod, c, fmt::format("fix what init container {} fails on, as its log reports", c.name),
              rule("AIOPS-D120").slug));
  out.push_back(std::move(d));
}

void analyzeStuck(const Context& ctx, const PodEvidence& pod, const ContainerEvidence& c, Detections& out) {
  std::chrono::seconds running = ctx.age(c.state.startedAt);
  if (!c.state.startedAt || running < ctx.options.initStuckAfter) return;
  Detection d;
  d.ruleId = "AIOPS-D121";
  d.pod = &pod;
  d.container = c.name;
  d.confidence = 70;
  std::string cause;
  if (c.currentLog.fetched) {
    const LogScan& scan = ctx.scan(pod, c, false);
    if (scan.best() != nullptr) {
      cause = fmt::format(" ({})", scan.explanation());
      d.confidence = 80;
    }
  }
  d.params = {{"container", c.name}, {"duration", humanDuration(running)}, {"cause", cause}};
  d.evidence.push_back(model::EvidenceItem::field(
      podLabel(pod), fmt::format("status.initContainerStatuses[{}].state.running.startedAt", c.name),
      formatTimestamp(*c.state.startedAt)));
  addLogEvidence(ctx, pod, c, d.evidence);
  d.recommendations.push_back(
      readLog(pod, c, fmt::format("find what init container {} is waiting for in its log", c.name),
              rule("AIOPS-D121").slug));
  out.push_back(std::move(d));
}

}  // namespace

void analyzeInitContainers(const Context& ctx, Detections& out) {
  for (const PodEvidence& pod : ctx.evidence.pods) {
    if (pod.phase == "Succeeded" || pod.deleted) continue;
    if (!pod.reason.empty() && pod.phase == "Failed") continue;
    for (const ContainerEvidence& c : pod.initContainers) {
      if (c.sidecar || !c.hasStatus) continue;
      const ContainerState* ended = lastTermination(c);
      bool failing = (c.state.waiting() && c.state.reason == "CrashLoopBackOff") ||
                     (c.state.terminated() && c.state.exitCode.value_or(0) != 0);
      if (failing && ended != nullptr && ended->reason != "OOMKilled") {
        analyzeFailing(ctx, pod, c, *ended, out);
        break;  // init containers run in order: the first failing one blocks the rest
      }
      if (c.state.running()) {
        analyzeStuck(ctx, pod, c, out);
        break;
      }
    }
  }
}

}  // namespace aiops::diagnose

// The rollout gate's monitor (see monitor.h): find the rollout, watch its first new pods, act on the verdict.
#include "gate/monitor.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "gate/post_renderer.h"
#include "kube/app_metrics.h"
#include "kube/errors.h"
#include "kube/objects.h"
#include "support/timestamps.h"

namespace aiops::gate {
namespace {

namespace json = boost::json;
using std::chrono::duration;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

constexpr std::int64_t kDefaultCanary = 3;
constexpr milliseconds kDefaultWindow{120'000};
constexpr std::string_view kRevisionAnnotation = "deployment.kubernetes.io/revision";

std::string str(const json::value& v, std::initializer_list<std::string_view> path) {
  return kube::stringAt(&v, path);
}
std::int64_t integer(const json::value& v, std::initializer_list<std::string_view> path,
                     std::int64_t fallback = 0) {
  return kube::intAt(&v, path).value_or(fallback);
}
const json::array& itemsOf(const json::value& list) {
  static const json::array empty;
  const json::value* items = kube::lookup(&list, {"items"});
  return items && items->is_array() ? items->get_array() : empty;
}

std::int64_t revisionOf(const json::value& object) {
  const std::string text =
      kube::stringMapAt(&object, {"metadata", "annotations"})[std::string(kRevisionAnnotation)];
  try {
    return text.empty() ? 0 : std::stoll(text);
  } catch (const std::exception&) {
    return 0;
  }
}

bool ownedBy(const json::value& object, const std::string& uid) {
  const json::value* refs = kube::lookup(&object, {"metadata", "ownerReferences"});
  if (!refs || !refs->is_array()) return false;
  return std::any_of(refs->get_array().begin(), refs->get_array().end(),
                     [&](const json::value& ref) { return str(ref, {"uid"}) == uid; });
}

std::string labelSelectorOf(const json::value& deployment) {
  std::string out;
  for (const auto& [key, value] : kube::stringMapAt(&deployment, {"spec", "selector", "matchLabels"}))
    out += (out.empty() ? "" : ",") + key + "=" + value;
  return out;
}

// Where the pods serve application metrics: a Service of theirs annotated aiops.dev/metrics-port (the
// Service port), resolved to the container port the pod proxy needs.
struct MetricsTarget {
  std::int64_t port = 0;
  std::string path = "/metrics";
  std::string service;
};

std::optional<std::int64_t> containerPortNamed(const json::value& podSpec, const std::string& name) {
  const json::value* containers = kube::lookup(&podSpec, {"containers"});
  if (!containers || !containers->is_array()) return std::nullopt;
  for (const json::value& c : containers->get_array()) {
    const json::value* ports = kube::lookup(&c, {"ports"});
    if (!ports || !ports->is_array()) continue;
    for (const json::value& p : ports->get_array())
      if (str(p, {"name"}) == name) return kube::intAt(&p, {"containerPort"});
  }
  return std::nullopt;
}

std::optional<MetricsTarget> metricsTargetOf(const json::value& deployment, const json::value& services) {
  const auto podLabels = kube::stringMapAt(&deployment, {"spec", "template", "metadata", "labels"});
  const json::value* podSpec = kube::lookup(&deployment, {"spec", "template", "spec"});
  for (const json::value& service : itemsOf(services)) {
    const auto annotations = kube::stringMapAt(&service, {"metadata", "annotations"});
    const auto portAnnotation = annotations.find("aiops.dev/metrics-port");
    if (portAnnotation == annotations.end()) continue;
    const auto selector = kube::stringMapAt(&service, {"spec", "selector"});
    if (selector.empty() || !std::all_of(selector.begin(), selector.end(), [&](const auto& kv) {
          const auto it = podLabels.find(kv.first);
          return it != podLabels.end() && it->second == kv.second;
        })) {
      continue;
    }
    MetricsTarget target;
    target.service = str(service, {"metadata", "name"});
    if (const auto path = annotations.find("aiops.dev/metrics-path"); path != annotations.end())
      target.path = path->second;
    const json::value* ports = kube::lookup(&service, {"spec", "ports"});
    if (!ports || !ports->is_array()) continue;
    for (const json::value& p : ports->get_array()) {
      const std::string want = portAnnotation->second;
      if (std::to_string(integer(p, {"port"})) != want && str(p, {"name"}) != want) continue;
      const json::value* targetPort = kube::lookup(&p, {"targetPort"});
      if (targetPort && targetPort->is_string()) {
        if (!podSpec) continue;
        const auto named = containerPortNamed(*podSpec, std::string(targetPort->get_string()));
        if (!named) continue;
        target.port = *named;
      } else {
        target.port = targetPort ? integer(p, {"targetPort"}) : integer(p, {"port"});
      }
      return target;
    }
  }
  return std::nullopt;
}

struct Original {
  std::optional<std::int64_t> minReadySeconds;
};

Original originalOf(const json::value& deployment) {
  Original original;
  const auto annotations = kube::stringMapAt(&deployment, {"metadata", "annotations"});
  const auto it = annotations.find(std::string(kOriginalAnnotation));
  if (it == annotations.end()) return original;
  try {
    const json::value v = json::parse(it->second);
    original.minReadySeconds = kube::intAt(&v, {"minReadySeconds"});
  } catch (const std::exception&) {
    // Unreadable: the Kubernetes default, 0, is restored.
  }
  return original;
}

class Watcher {
 public:
  Watcher(kube::Client& client, const MonitorOptions& options, const MonitorHooks& hooks)
      : client_(client), options_(options), hooks_(hooks), start_(hooks.now()) {}

  MonitorResult run();

 private:
  json::value deployment() {
    return client_.get({kube::types::deployments, options_.namespace_, options_.deployment});
  }
  void note(const std::string& step) {
    result_.steps.push_back(step);
    hooks_.say(step);
  }
  // The gate's only change to a workload: pause, resume, restore minReadySeconds, or put back an old
  // template.
  void patchDeployment(const json::value& body, kube::PatchType type = kube::PatchType::Merge) {
    const kube::ResourceRef ref{kube::types::deployments, options_.namespace_, options_.deployment};
    client_.patch(ref, type, body);
  }
  bool timedOut(GateClock::time_point since) const { return hooks_.now() - since > options_.timeout; }

  void findRollout();
  std::vector<PodObservation> observe();
  MonitorResult halt(const Judgement& judgement);
  MonitorResult promote(const std::string& reason);
  bool rollBack();
  bool rollBackHelm();
  void rollBackReplicaSet();
  bool waitForRollout(bool oldVersion);

  kube::Client& client_;
  const MonitorOptions& options_;
  const MonitorHooks& hooks_;
  GateClock::time_point start_;
  MonitorResult result_;
  json::value deployment_;
  std::string selector_;
  std::string newReplicaSet_;
  std::string newHash_;
  std::optional<json::value> previousReplicaSet_;
  Original original_;
  std::optional<MetricsTarget> metrics_;
};

void Watcher::findRollout() {
  // The controller has seen the latest spec once observedGeneration catches up; its newest ReplicaSet is
  // the one whose revision the Deployment carries.
  for (;;) {
    deployment_ = deployment();
    const std::int64_t generation = integer(deployment_, {"metadata", "generation"});
    const std::int64_t observed = integer(deployment_, {"status", "observedGeneration"});
    result_.uid = str(deployment_, {"metadata", "uid"});
    result_.revision = revisionOf(deployment_);
    selector_ = labelSelectorOf(deployment_);
    if (observed >= generation && result_.revision > 0) {
      kube::ListOptions list;
      list.labelSelector = selector_;
      const json::value sets = client_.list(kube::types::replicaSets, options_.namespace_, list);
      std::int64_t previousRevision = 0;
      for (const json::value& rs : itemsOf(sets)) {
        if (!ownedBy(rs, result_.uid)) continue;
        const std::int64_t revision = revisionOf(rs);
        if (revision == result_.revision) {
          newReplicaSet_ = str(rs, {"metadata", "name"});
          newHash_ = kube::stringMapAt(&rs, {"metadata", "labels"})["pod-template-hash"];
        } else if (revision < result_.revision && revision > previousRevision) {
          previousRevision = revision;
          previousReplicaSet_ = rs;
        }
      }
      if (!newReplicaSet_.empty()) return;
    }
    if (timedOut(start_)) {
      throw MonitorError(fmt::format("deployment {}/{} has no ReplicaSet for its latest spec after {}",
                                     options_.namespace_, options_.deployment,
                                     formatDuration(options_.timeout)));
    }
    hooks_.sleep(options_.poll);
  }
}

std::vector<PodObservation> Watcher::observe() {
  kube::ListOptions list;
  list.labelSelector = selector_;
  const json::value pods = client_.list(kube::types::pods, options_.namespace_, list);
  std::vector<const json::value*> fresh;
  for (const json::value& pod : itemsOf(pods)) {
    if (kube::lookup(&pod, {"metadata", "deletionTimestamp"}) != nullptr) continue;
    const json::value* refs = kube::lookup(&pod, {"metadata", "ownerReferences"});
    if (!refs || !refs->is_array()) continue;
    const bool ours = std::any_of(refs->get_array().begin(), refs->get_array().end(),
                                  [&](const json::value& r) { return str(r, {"name"}) == newReplicaSet_; });
    if (ours) fresh.push_back(&pod);
  }
  // The first new replicas: the oldest by creation (names break ties).
  std::sort(fresh.begin(), fresh.end(), [](const json::value* a, const json::value* b) {
    const std::string ta = str(*a, {"metadata", "creationTimestamp"});
    const std::string tb = str(*b, {"metadata", "creationTimestamp"});
    return ta != tb ? ta < tb : str(*a, {"metadata", "name"}) < str(*b, {"metadata", "name"});
  });
  if (static_cast<std::int64_t>(fresh.size()) > result_.canary)
    fresh.resize(static_cast<std::size_t>(result_.canary));

  std::vector<PodObservation> out;
  std::vector<std::string> paths;
  std::vector<std::size_t> scraped;
  for (const json::value* pod : fresh) {
    PodObservation o;
    o.name = str(*pod, {"metadata", "name"});
    if (const json::value* conditions = kube::lookup(pod, {"status", "conditions"});
        conditions && conditions->is_array()) {
      for (const json::value& c : conditions->get_array())
        if (str(c, {"type"}) == "Ready") o.ready = str(c, {"status"}) == "True";
    }
    if (const json::value* statuses = kube::lookup(pod, {"status", "containerStatuses"});
        statuses && statuses->is_array()) {
      for (const json::value& s : statuses->get_array()) {
        o.restarts += integer(s, {"restartCount"});
        const std::string waiting = str(s, {"state", "waiting", "reason"});
        if (!waiting.empty() && o.waitingReason.empty()) o.waitingReason = waiting;
      }
    }
    if (std::find(result_.pods.begin(), result_.pods.end(), o.name) == result_.pods.end())
      result_.pods.push_back(o.name);
    if (o.ready) {
      scraped.push_back(out.size());
      paths.push_back(metrics_ ? fmt::format("/api/v1/namespaces/{}/pods/{}:{}/proxy{}",
                                             kube::percentEncode(options_.namespace_),
                                             kube::percentEncode(o.name), metrics_->port, metrics_->path)
                               : std::string());
    }
    out.push_back(std::move(o));
  }
  if (metrics_ && !paths.empty()) {
    const std::vector<kube::Response> answers = client_.transport().getAll(paths);
    for (std::size_t i = 0; i < answers.size(); ++i) {
      if (!answers[i].ok()) continue;  // unreadable this time: the pod adds nothing to this poll
      const kube::ApplicationMetrics m = kube::parseApplicationMetrics(answers[i].body);
      out[scraped[i]].requests = m.total;
      out[scraped[i]].errors = m.errors;
    }
  } else if (!metrics_) {
    for (std::size_t index : scraped) {
      kube::LogOptions logOptions;
      logOptions.limitBytes = 8 << 20;
      try {
        const kube::Logs logs = client_.logs(options_.namespace_, out[index].name, logOptions);
        const LogCounts counts = countLogLines(logs.text);
        out[index].requests = counts.requests;
        out[index].errors = counts.errors;
      } catch (const kube::KubeError&) {
        // No log this time: the pod adds nothing to this poll.
      }
    }
  }
  return out;
}

bool Watcher::waitForRollout(bool oldVersion) {
  const GateClock::time_point since = hooks_.now();
  for (;;) {
    const json::value d = deployment();
    const std::int64_t want = integer(d, {"spec", "replicas"}, 1);
    const bool done =
        integer(d, {"status", "observedGeneration"}) >= integer(d, {"metadata", "generation"}) &&
        integer(d, {"status", "updatedReplicas"}) == want &&
        integer(d, {"status", "availableReplicas"}) == want && integer(d, {"status", "replicas"}) == want;
    bool badGone = true;
    if (done && oldVersion) {
      kube::ListOptions list;
      list.labelSelector = selector_;
      const json::value pods = client_.list(kube::types::pods, options_.namespace_, list);
      for (const json::value& pod : itemsOf(pods)) {
        if (kube::stringMapAt(&pod, {"metadata", "labels"})["pod-template-hash"] == newHash_ &&
            kube::lookup(&pod, {"metadata", "deletionTimestamp"}) == nullptr)
          badGone = false;
      }
    }
    if (done && badGone) return true;
    if (timedOut(since)) return false;
    hooks_.sleep(options_.poll);
  }
}

MonitorResult Watcher::promote(const std::string& reason) {
  // The rest of the rollout needs no bake window: back to the chart's own minReadySeconds (and out of the
  // pause a no-traffic extension put it in).
  json::object spec{{"minReadySeconds", original_.minReadySeconds ? json::value(*original_.minReadySeconds)
                                                                  : json::value(nullptr)}};
  if (result_.paused) spec["paused"] = false;
  patchDeployment(json::object{{"spec", std::move(spec)}});
  result_.paused = false;
  note(fmt::format("healthy: {}; restored minReadySeconds to {}; waiting for the rollout to complete", reason,
                   original_.minReadySeconds.value_or(0)));
  result_.reason = reason;
  if (!waitForRollout(false)) {
    result_.outcome = Outcome::Inconclusive;
    result_.reason = fmt::format("{}; but the rollout did not complete within {}", reason,
                                 formatDuration(options_.timeout));
    note(result_.reason);
    return result_;
  }
  result_.outcome = Outcome::Succeeded;
  note(fmt::format("rollout complete: {} of {} replicas on revision {}", result_.replicas, result_.replicas,
                   result_.revision));
  return result_;
}

bool Watcher::rollBackHelm() {
  std::vector<std::string> history = options_.helm;
  history.insert(history.end(), {"history", options_.release, "-n", options_.namespace_, "-o", "json"});
  const ProcessResult listed = hooks_.run(history);
  if (listed.exitCode != 0) {
    note(fmt::format("helm history failed: {}", listed.err.empty() ? listed.out : listed.err));
    return false;
  }
  std::string why;
  std::optional<std::int64_t> target;
  try {
    target = rollbackRevision(json::parse(listed.out), why);
  } catch (const std::exception&) {
    why = "helm history printed no JSON";
  }
  if (!target) {
    note(fmt::format("no Helm revision to roll back to: {}", why));
    return false;
  }
  std::vector<std::string> rollback = options_.helm;
  rollback.insert(rollback.end(),
                  {"rollback", options_.release, std::to_string(*target), "-n", options_.namespace_});
  const ProcessResult done = hooks_.run(rollback);
  if (done.exitCode != 0) {
    note(fmt::format("helm rollback {} {} failed: {}", options_.release, *target,
                     done.err.empty() ? done.out : done.err));
    return false;
  }
  note(fmt::format("rolled back: helm rollback {} {} -n {}", options_.release, *target, options_.namespace_));
  result_.rollback = RollbackTaken{"helm", options_.release, *target, false};
  return true;
}

void Watcher::rollBackReplicaSet() {
  if (!previousReplicaSet_) {
    throw MonitorError(fmt::format("deployment {}/{} has no earlier ReplicaSet to roll back to",
                                   options_.namespace_, options_.deployment));
  }
  // As `kubectl rollout undo` does: the old ReplicaSet's template without its pod-template-hash label.
  json::value tmpl = *kube::lookup(&*previousReplicaSet_, {"spec", "template"});
  if (json::value* labels = tmpl.as_object().if_contains("metadata"); labels && labels->is_object()) {
    if (json::value* l = labels->as_object().if_contains("labels"); l && l->is_object())
      l->as_object().erase("pod-template-hash");
  }
  patchDeployment(json::array{json::object{{"op", "replace"}, {"path", "/spec/template"}, {"value", tmpl}}},
                  kube::PatchType::Json);
  const std::int64_t revision = revisionOf(*previousReplicaSet_);
  note(fmt::format("rolled back: the template of revision {} ({}) restored", revision,
                   str(*previousReplicaSet_, {"metadata", "name"})));
  result_.rollback = RollbackTaken{"replicaset", "", revision, false};
}

bool Watcher::rollBack() {
  if (options_.release.empty() || !rollBackHelm()) {
    if (!options_.release.empty()) note("falling back to the previous ReplicaSet's template");
    rollBackReplicaSet();
  }
  // Helm's rollback and the template patch both leave spec.paused alone, and Helm re-applied the gated
  // manifest, bake window included: resume without one, so the old pods come back at once.
  patchDeployment(json::object{
      {"spec",
       json::object{{"paused", false},
                    {"minReadySeconds", original_.minReadySeconds ? json::value(*original_.minReadySeconds)
                                                                  : json::value(nullptr)}}}});
  result_.paused = false;
  note("resumed; waiting for the old version to serve again");
  result_.rollback->serving = waitForRollout(true);
  note(result_.rollback->serving ? "the old version is serving: every replica is available"
                                 : fmt::format("the old version did not become available within {}",
                                               formatDuration(options_.timeout)));
  return result_.rollback->serving;
}

MonitorResult Watcher::halt(const Judgement& judgement) {
  patchDeployment(json::object{{"spec", json::object{{"paused", true}}}});
  const GateClock::time_point pausedAt = hooks_.now();
  result_.paused = true;
  result_.outcome = Outcome::Halted;
  result_.reason = judgement.reason;
  result_.span = judgement.span;
  if (judgement.evidenceSince)
    result_.detectionSeconds = duration<double>(pausedAt - *judgement.evidenceSince).count();
  note(fmt::format("halted: {}; paused deployment {}", judgement.reason, options_.deployment));
  if (!options_.automaticRollback) {
    note(
        "the risk policy (automaticRollback.failedRollout: false) leaves the rollback to a person; the "
        "deployment stays paused");
    return result_;
  }
  // The Deployment is paused by now: whatever goes wrong from here is part of the outcome to record, not an
  // error that would leave it paused with no record and no Event.
  try {
    if (!rollBack()) result_.reason += "; the old version did not come back in time";
  } catch (const std::exception& e) {
    note(fmt::format("the rollback failed: {}; the deployment stays paused", e.what()));
    result_.reason += fmt::format("; the rollback failed ({}), the deployment stays paused", e.what());
  }
  return result_;
}

MonitorResult Watcher::run() {
  result_.deployment = options_.deployment;
  result_.namespace_ = options_.namespace_;
  findRollout();
  const auto annotations = kube::stringMapAt(&deployment_, {"metadata", "annotations"});
  original_ = originalOf(deployment_);
  result_.replicas = integer(deployment_, {"spec", "replicas"}, 1);
  if (const json::value* containers = kube::lookup(&deployment_, {"spec", "template", "spec", "containers"});
      containers && containers->is_array() && !containers->get_array().empty())
    result_.image = str(containers->get_array().front(), {"image"});
  std::int64_t canary = kDefaultCanary;
  if (options_.canary) {
    canary = *options_.canary;
  } else if (const auto it = annotations.find(std::string(kCanaryAnnotation)); it != annotations.end()) {
    try {
      canary = std::stoll(it->second);
    } catch (const std::exception&) {
    }
  }
  result_.canary = std::max<std::int64_t>(1, std::min(canary, result_.replicas));
  result_.window = kDefaultWindow;
  if (options_.window) {
    result_.window = *options_.window;
  } else if (const auto it = annotations.find(std::string(kWindowAnnotation)); it != annotations.end()) {
    if (const auto seconds = parseWindow(it->second)) result_.window = milliseconds(*seconds * 1000);
  }

  // Nothing to watch: the latest revision is already out.
  const bool complete = integer(deployment_, {"status", "updatedReplicas"}) == result_.replicas &&
                        integer(deployment_, {"status", "availableReplicas"}) == result_.replicas &&
                        integer(deployment_, {"status", "replicas"}) == result_.replicas;
  if (complete) {
    result_.reason =
        fmt::format("revision {} is already rolled out; there is nothing to gate", result_.revision);
    note(result_.reason);
    return result_;
  }

  const json::value services = client_.list(kube::types::services, options_.namespace_);
  metrics_ = metricsTargetOf(deployment_, services);
  note(
      fmt::format("watching deployment {}/{} revision {} ({}): the first {} of {} new replicas for {}; "
                  "errors from {}",
                  options_.namespace_, options_.deployment, result_.revision, result_.image, result_.canary,
                  result_.replicas, formatDuration(result_.window),
                  metrics_ ? fmt::format("{} on port {} of each pod, through the pod proxy (Service {})",
                                         metrics_->path, metrics_->port, metrics_->service)
                           : std::string("their logs (no service is annotated aiops.dev/metrics-port)")));

  AnalysisSettings settings = options_.analysis;
  settings.window = result_.window;
  // The gate sees a pod Ready up to a poll after the controller does, and pausing takes a request: call no
  // traffic early enough to hold the rollout before the controller moves on.
  settings.noTrafficLead = std::min<milliseconds>(result_.window / 4, 2 * options_.poll + milliseconds(1000));
  RolloutAnalysis analysis(settings, result_.canary, hooks_.now());
  GateClock::time_point lastSaid{};
  for (;;) {
    const std::vector<PodObservation> pods = observe();
    const GateClock::time_point now = hooks_.now();
    const Judgement j = analysis.observe(now, pods);
    result_.span = j.span;
    if (now - lastSaid >= settings.interval || j.verdict != Verdict::Watching) {
      const auto ready =
          std::count_if(pods.begin(), pods.end(), [](const PodObservation& p) { return p.ready; });
      note(fmt::format("{}/{} new pods Ready; {} requests, {} errors ({}) so far", ready, result_.canary,
                       std::llround(j.span.requests), std::llround(j.span.errors), percent(j.span.rate())));
      lastSaid = now;
    }
    switch (j.verdict) {
      case Verdict::Watching:
        break;
      case Verdict::Failing:
        return halt(j);
      case Verdict::Healthy:
        return promote(j.reason);
      case Verdict::NoTraffic:
        if (options_.noTraffic == NoTrafficPolicy::Continue)
          return promote(j.reason + "; continuing as --no-traffic continue says");
        if (options_.noTraffic == NoTrafficPolicy::Halt) {
          Judgement failing = j;
          failing.verdict = Verdict::Failing;
          failing.evidenceSince = now;
          return halt(failing);
        }
        if (!analysis.extended()) {
          patchDeployment(json::object{{"spec", json::object{{"paused", true}}}});
          result_.paused = true;
          analysis.extendWindow(now);
          note(fmt::format("{}; paused the rollout and extended the window by {}", j.reason,
                           formatDuration(result_.window)));
          break;
        }
        result_.outcome = Outcome::Inconclusive;
        result_.reason = j.reason +
                         " after the extended window; the deployment stays paused for a person to "
                         "resume (kubectl rollout resume) or roll back";
        note(result_.reason);
        return result_;
    }
    hooks_.sleep(options_.poll);
  }
}

}  // namespace

std::optional<NoTrafficPolicy> parseNoTrafficPolicy(std::string_view text) {
  if (text == "extend") return NoTrafficPolicy::Extend;
  if (text == "continue") return NoTrafficPolicy::Continue;
  if (text == "halt") return NoTrafficPolicy::Halt;
  return std::nullopt;
}

std::string_view toString(Outcome outcome) {
  switch (outcome) {
    case Outcome::Succeeded:
      return "succeeded";
    case Outcome::Halted:
      return "halted";
    case Outcome::Inconclusive:
      return "inconclusive";
  }
  return "unknown";
}

json::value MonitorResult::toJson() const {
  json::object o{{"deployment", deployment},
                 {"namespace", namespace_},
                 {"outcome", toString(outcome)},
                 {"reason", reason},
                 {"revision", revision},
                 {"image", image},
                 {"replicas", replicas},
                 {"canary", canary},
                 {"windowSeconds", static_cast<double>(window.count()) / 1000.0},
                 {"pods", json::value_from(pods)},
                 {"requests", span.requests},
                 {"errors", span.errors},
                 {"errorRate", span.rate()},
                 {"paused", paused},
                 {"steps", json::value_from(steps)}};
  if (detectionSeconds) o["detectionSeconds"] = *detectionSeconds;
  if (rollback) {
    json::object r{
        {"method", rollback->method}, {"revision", rollback->revision}, {"serving", rollback->serving}};
    if (!rollback->release.empty()) r["release"] = rollback->release;
    o["rollback"] = std::move(r);
  }
  return o;
}

MonitorResult watchRollout(kube::Client& client, const MonitorOptions& options, const MonitorHooks& hooks) {
  Watcher watcher(client, options, hooks);
  return watcher.run();
}

std::vector<std::string> gatedDeploymentsOf(kube::Client& client, const std::string& namespace_,
                                            const std::string& release) {
  std::vector<std::string> out;
  const json::value list = client.list(kube::types::deployments, namespace_);
  for (const json::value& d : itemsOf(list)) {
    const auto annotations = kube::stringMapAt(&d, {"metadata", "annotations"});
    const auto owner = annotations.find("meta.helm.sh/release-name");
    if (owner == annotations.end() || owner->second != release) continue;
    if (annotations.count(std::string(kOriginalAnnotation)) == 0) continue;
    out.push_back(str(d, {"metadata", "name"}));
  }
  std::sort(out.begin(), out.end());
  return out;
}

void postEvent(kube::Client& client, const MonitorResult& result, const std::string& message) {
  const std::string reason = result.outcome == Outcome::Succeeded ? "RolloutSucceeded"
                             : result.outcome == Outcome::Halted  ? "RolloutHalted"
                                                                  : "RolloutInconclusive";
  const auto now = std::chrono::system_clock::now();
  const std::string stamp = formatTimestamp(now);
  const auto nanos = duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  json::object event{{"apiVersion", "v1"},
                     {"kind", "Event"},
                     {"metadata", json::object{{"name", fmt::format("{}.{:x}", result.deployment, nanos)},
                                               {"namespace", result.namespace_}}},
                     {"involvedObject", json::object{{"apiVersion", "apps/v1"},
                                                     {"kind", "Deployment"},
                                                     {"name", result.deployment},
                                                     {"namespace", result.namespace_},
                                                     {"uid", result.uid}}},
                     {"reason", reason},
                     {"message", message},
                     {"type", result.outcome == Outcome::Succeeded ? "Normal" : "Warning"},
                     {"source", json::object{{"component", "aiops-gate"}}},
                     {"reportingComponent", "aiops-gate"},
                     {"firstTimestamp", stamp},
                     {"lastTimestamp", stamp},
                     {"count", 1}};
  client.create(kube::types::events, result.namespace_, event);
}

}  // namespace aiops::gate

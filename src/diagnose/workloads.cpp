// Workloads and controllers (AIOPS-D700-D707): pods a controller cannot create (FailedCreate for quota,
// LimitRange, a missing ServiceAccount or another admission denial), Deployments past their progress
// deadline, and Jobs that failed (BackoffLimitExceeded, DeadlineExceeded).
//
// A stuck rollout or a failed Job is a consequence: these findings rank below their pods' causes, so
// "Deployment web exceeded its progress deadline" is secondary to "its new pods cannot pull their image".
#include <fmt/format.h>
#include <re2/re2.h>

#include "diagnose/analyzers.h"

namespace aiops::diagnose {
namespace {

namespace json = boost::json;

model::ObjectRef workloadRef(const WorkloadEvidence& w) {
  model::ObjectRef ref{w.apiVersion, w.kind, w.namespace_, w.name, {}};
  for (const OwnerLink& o : w.owners)
    ref.owners.push_back(model::ObjectRef{o.apiVersion, o.kind, w.namespace_, o.name, {}});
  return ref;
}

std::string ownerPhrase(const WorkloadEvidence& w) {
  if (!w.owners.empty()) return fmt::format("{} {}", w.owners.back().kind, w.owners.back().name);
  return fmt::format("{} {}", w.kind, w.name);
}

model::ObjectRef topRef(const WorkloadEvidence& w) {
  if (w.owners.empty()) return model::ObjectRef{w.apiVersion, w.kind, w.namespace_, w.name, {}};
  const OwnerLink& top = w.owners.back();
  return model::ObjectRef{top.apiVersion, top.kind, w.namespace_, top.name, {}};
}

std::map<std::string, std::string> parseList(const std::string& text) {
  std::map<std::string, std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string part = text.substr(start, end - start);
    auto eq = part.find('=');
    if (eq != std::string::npos) out[part.substr(0, eq)] = part.substr(eq + 1);
    start = end + 1;
  }
  return out;
}

std::string showQuantity(const std::string& resource, const Quantity& q) {
  if (resource.find("memory") != std::string::npos || resource.find("storage") != std::string::npos)
    return formatMemory(q);
  return q.toString();
}

void quotaExceeded(const WorkloadEvidence& w, const std::string& message, Detection& d) {
  static const RE2 kQuota(R"(exceeded quota: ([^,]+), requested: (.*), used: (.*), limited: (.*)$)");
  std::string quota, requested, used, limited;
  d.ruleId = "AIOPS-D700";
  d.confidence = 95;
  if (!RE2::PartialMatch(message, kQuota, &quota, &requested, &used, &limited)) {
    d.params["quota"] = "(unknown)";
    d.params["detail"] = message;
    return;
  }
  d.params["quota"] = quota;
  auto req = parseList(requested);
  auto use = parseList(used);
  auto lim = parseList(limited);
  std::vector<std::string> parts;
  json::object hard;
  json::object restore;
  std::int64_t missing = std::max<std::int64_t>(1, w.desired - w.current);
  for (const auto& [resource, value] : req) {
    parts.push_back(
        fmt::format("{} requested {}, used {} of {}", resource, value, use[resource], lim[resource]));
    auto r = Quantity::parse(value);
    auto u = Quantity::parse(use[resource]);
    auto l = Quantity::parse(lim[resource]);
    if (!r || !u || !l) continue;
    Quantity needed = *u + *r * missing;
    if (needed > *l) {
      hard[resource] = showQuantity(resource, needed);
      restore[resource] = lim[resource];
    }
  }
  d.params["detail"] = joinNames(parts);
  d.causeKey = quota;
  model::Recommendation rec;
  rec.action = model::ActionKind::QuotaChange;
  rec.target = model::ObjectRef{"v1", "ResourceQuota", w.namespace_, quota, {}};
  rec.runbook = std::string(rule(d.ruleId).slug);
  rec.risk = model::Risk::Medium;
  rec.summary = fmt::format("raise ResourceQuota {} so that {} more pod{} of {} fit", quota, missing,
                            missing == 1 ? "" : "s", ownerPhrase(w));
  if (!hard.empty()) {
    rec.patch = model::Patch{model::PatchType::Merge, json::object{{"spec", json::object{{"hard", hard}}}}};
    rec.undo = model::Patch{model::PatchType::Merge, json::object{{"spec", json::object{{"hard", restore}}}}};
    rec.commands.push_back(model::kubectlPatchCommand(rec.target, *rec.patch));
  }
  rec.expectedOutcome = fmt::format("The controller creates the missing {} pod{} on its next retry.", missing,
                                    missing == 1 ? "" : "s");
  rec.rationale = fmt::format(
      "New hard limit = used + requested per pod × {} missing pod{}; lowering requests or "
      "replicas instead is the alternative when the quota is a budget.",
      missing, missing == 1 ? "" : "s");
  d.recommendations.push_back(std::move(rec));
}

model::Recommendation simple(model::ActionKind action, model::ObjectRef target, std::string summary,
                             std::vector<std::string> commands, std::string rationale,
                             std::string_view ruleId, model::Risk risk = model::Risk::Low) {
  model::Recommendation r;
  r.action = action;
  r.target = std::move(target);
  r.summary = std::move(summary);
  r.commands = std::move(commands);
  r.expectedOutcome = "The controller creates its pods on its next retry, within seconds.";
  r.risk = risk;
  r.rationale = std::move(rationale);
  r.runbook = std::string(rule(ruleId).slug);
  return r;
}

void failedCreate(const Context& ctx, const WorkloadEvidence& w, Detections& out) {
  if (w.kind == "Job" || w.kind == "CronJob") {
    if (w.active > 0 || w.succeeded > 0) return;
  } else if (w.current >= w.desired) {
    return;  // the controller has all its pods: an old FailedCreate is history
  }
  std::string label = fmt::format("{} {}/{}", w.kind, w.namespace_, w.name);
  const EventRecord* newest = nullptr;
  for (const EventRecord& e : ctx.events(w.kind, w.namespace_, w.name)) {
    if (e.reason == "FailedCreate" && ctx.within(e.lastSeen, ctx.options.recentWindow)) newest = &e;
  }
  std::string message;
  if (newest != nullptr) {
    message = newest->message;
  } else {
    for (const Condition& c : w.conditions) {
      if (c.type == "ReplicaFailure" && c.isTrue() && c.reason == "FailedCreate") message = c.message;
    }
  }
  if (message.empty()) return;
  Detection d;
  d.object = workloadRef(w);
  d.params = {{"owner", ownerPhrase(w)}, {"namespace", w.namespace_}};
  std::string detail = message;
  if (auto at = detail.find("is forbidden: "); at != std::string::npos)
    detail = detail.substr(at + 14);
  else if (startsWith(detail, "Error creating: "))
    detail = detail.substr(16);
  d.params["detail"] = sanitizeLine(detail, 240);
  if (newest != nullptr) d.evidence.push_back(eventEvidence(label, *newest));
  d.evidence.push_back(model::EvidenceItem::field(label, "status.replicas/spec.replicas",
                                                  fmt::format("{}/{}", w.current, w.desired)));
  static const RE2 kServiceAccount(R"(error looking up service account ([^/\s]+)/([^:\s]+))");
  std::string saNamespace, saName;
  if (contains(message, "exceeded quota:")) {
    quotaExceeded(w, message, d);
  } else if (contains(message, "failed quota:") && contains(message, "must specify")) {
    d.ruleId = "AIOPS-D701";
    d.confidence = 95;
    static const RE2 kMust(R"(failed quota: ([^:]+): must specify (.*)$)");
    std::string quota, resources;
    RE2::PartialMatch(message, kMust, &quota, &resources);
    d.params["quota"] = quota;
    // "limits.cpu for: app; limits.memory for: app" (1.29+) or "limits.cpu,limits.memory" (older).
    std::vector<std::string> names;
    for (std::size_t start = 0; start < resources.size();) {
      std::size_t end = resources.find_first_of(";,", start);
      if (end == std::string::npos) end = resources.size();
      std::string part = resources.substr(start, end - start);
      part = part.substr(part.find_first_not_of(' ') == std::string::npos ? part.size()
                                                                          : part.find_first_not_of(' '));
      part = part.substr(0, part.find(" for:"));
      if (!part.empty()) names.push_back(part);
      start = end + 1;
    }
    resources.clear();
    for (std::size_t i = 0; i < names.size(); ++i)
      resources += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
    d.params["resources"] = resources;
    d.causeKey = quota;
    d.recommendations.push_back(
        simple(model::ActionKind::ConfigChange, topRef(w),
               fmt::format("set {} on every container of {}", resources, ownerPhrase(w)),
               {fmt::format("kubectl -n {} describe resourcequota {}", w.namespace_, quota)},
               "A quota on requests or limits makes them mandatory for every container.", d.ruleId,
               model::Risk::Medium));
  } else if (contains(message, "usage per Container is") || contains(message, "usage per Pod is") ||
             contains(message, "limit to request ratio")) {
    d.ruleId = "AIOPS-D702";
    d.confidence = 95;
    d.causeKey = detail;
    d.recommendations.push_back(simple(
        model::ActionKind::ConfigChange, topRef(w),
        fmt::format("bring the requests and limits of {} inside the namespace's LimitRange", ownerPhrase(w)),
        {fmt::format("kubectl -n {} describe limitrange", w.namespace_)},
        "The LimitRange is the namespace's policy; the workload has to fit it.", d.ruleId,
        model::Risk::Medium));
  } else if (RE2::PartialMatch(message, kServiceAccount, &saNamespace, &saName)) {
    d.ruleId = "AIOPS-D703";
    d.confidence = 95;
    d.params["serviceaccount"] = saName;
    d.causeKey = saName;
    model::Recommendation r = simple(
        model::ActionKind::CreateObject, model::ObjectRef{"v1", "ServiceAccount", w.namespace_, saName, {}},
        fmt::format("create ServiceAccount {} in namespace {}", saName, w.namespace_),
        {fmt::format("kubectl -n {} create serviceaccount {}", w.namespace_, saName)},
        "The pod template names this ServiceAccount; any RoleBindings it needs must follow.", d.ruleId);
    d.recommendations.push_back(std::move(r));
  } else {
    d.ruleId = "AIOPS-D704";
    d.confidence = 85;
    d.causeKey = detail.substr(0, 80);
    d.recommendations.push_back(
        simple(model::ActionKind::Investigate, topRef(w),
               "change the pod template to satisfy the policy named in the message",
               {fmt::format("kubectl -n {} describe {} {}", w.namespace_,
                            w.kind == "ReplicaSet" ? "replicaset" : "deployment", w.name)},
               "Admission policies are owned by the cluster's operators.", d.ruleId));
  }
  out.push_back(std::move(d));
}

// Whether the Deployment owns a ReplicaSet older than its newest: only then has it a revision to go back to.
bool hasEarlierRevision(const Context& ctx, const WorkloadEvidence& deployment) {
  std::int64_t replicaSets = 0;
  for (const WorkloadEvidence& w : ctx.evidence.workloads) {
    if (w.kind != "ReplicaSet" || w.namespace_ != deployment.namespace_) continue;
    for (const OwnerLink& o : w.owners)
      if (o.kind == "Deployment" && o.name == deployment.name) ++replicaSets;
  }
  return replicaSets > 1;
}

std::string selectorText(const WorkloadEvidence& w) {
  std::string text;
  for (const auto& [k, v] : w.selector)
    text += (text.empty() ? "" : ",") + k + "=" + v;
  return text;
}

void progressDeadline(const Context& ctx, const WorkloadEvidence& w, Detections& out) {
  for (const Condition& c : w.conditions) {
    if (c.type != "Progressing" || c.status != "False" || c.reason != "ProgressDeadlineExceeded") continue;
    Detection d;
    d.ruleId = "AIOPS-D705";
    d.object = workloadRef(w);
    d.confidence = 95;
    d.params = {{"deployment", w.name},
                {"detail", c.message.empty() ? "ProgressDeadlineExceeded" : c.message}};
    std::string label = fmt::format("Deployment {}/{}", w.namespace_, w.name);
    d.evidence.push_back(
        model::EvidenceItem::field(label, "status.conditions[Progressing]",
                                   fmt::format("False ProgressDeadlineExceeded: {}", c.message)));
    d.evidence.push_back(
        model::EvidenceItem::field(label, "status",
                                   fmt::format("replicas={} updated={} ready={} available={} desired={}",
                                               w.current, w.updated, w.ready, w.available, w.desired)));
    std::string replicaSet;
    static const RE2 kReplicaSet(R"re(ReplicaSet "([^"]+)")re");
    RE2::PartialMatch(c.message, kReplicaSet, &replicaSet);
    if (auto r = replicaSet.empty()
                     ? std::nullopt
                     : rollbackFrom(ctx, w.namespace_, w.name, replicaSet, rule(d.ruleId).slug)) {
      d.recommendations.push_back(std::move(*r));
    } else if (!hasEarlierRevision(ctx, w)) {
      // The first revision never became available: there is nothing to roll back to.
      d.recommendations.push_back(
          simple(model::ActionKind::Investigate, topRef(w),
                 fmt::format("fix why the pods of Deployment {} do not become available (see the related "
                             "findings); it has no earlier revision to roll back to",
                             w.name),
                 {fmt::format("kubectl -n {} get pods -l {}", w.namespace_, selectorText(w)),
                  fmt::format("kubectl -n {} describe deployment {}", w.namespace_, w.name)},
                 "The Deployment becomes available once its pods start and pass readiness.", d.ruleId,
                 model::Risk::Low));
    } else {
      d.recommendations.push_back(
          simple(model::ActionKind::Rollback, topRef(w),
                 fmt::format("roll Deployment {} back to its previous revision", w.name),
                 {fmt::format("kubectl -n {} rollout undo deployment/{}", w.namespace_, w.name)},
                 "The new revision did not become available in time.", d.ruleId, model::Risk::Medium));
    }
    out.push_back(std::move(d));
  }
}

// A later Job of the same CronJob that completed makes an earlier failure history.
bool supersededBySuccess(const Context& ctx, const WorkloadEvidence& job, const WallTime& failedAt) {
  if (job.owners.empty() || job.owners.front().kind != "CronJob") return false;
  for (const WorkloadEvidence& other : ctx.evidence.workloads) {
    if (other.kind != "Job" || other.namespace_ != job.namespace_ || other.owners.empty() ||
        other.owners.front().name != job.owners.front().name)
      continue;
    for (const Condition& c : other.conditions) {
      if (c.type == "Complete" && c.isTrue() && c.lastTransitionTime && *c.lastTransitionTime > failedAt)
        return true;
    }
  }
  return false;
}

void failedJob(const Context& ctx, const WorkloadEvidence& w, Detections& out) {
  for (const Condition& c : w.conditions) {
    if (c.type != "Failed" || !c.isTrue()) continue;
    if (c.lastTransitionTime && !ctx.within(c.lastTransitionTime, ctx.options.historyWindow)) return;
    if (c.lastTransitionTime && supersededBySuccess(ctx, w, *c.lastTransitionTime)) return;
    Detection d;
    d.object = workloadRef(w);
    d.confidence = 95;
    d.params = {{"job", w.name},
                {"failed", std::to_string(w.failed)},
                {"limit", std::to_string(w.backoffLimit.value_or(6))},
                {"deadline", humanDuration(std::chrono::seconds(w.activeDeadlineSeconds.value_or(0)))}};
    if (c.reason == "DeadlineExceeded") {
      d.ruleId = "AIOPS-D707";
    } else if (c.reason == "BackoffLimitExceeded") {
      d.ruleId = "AIOPS-D706";
    } else {
      return;
    }
    std::string label = fmt::format("Job {}/{}", w.namespace_, w.name);
    d.evidence.push_back(model::EvidenceItem::field(label, "status.conditions[Failed]",
                                                    fmt::format("True {}: {}", c.reason, c.message)));
    for (const EventRecord& e : ctx.events("Job", w.namespace_, w.name)) {
      if (e.type == "Warning") d.evidence.push_back(eventEvidence(label, e));
    }
    std::string rerun = !w.owners.empty() && w.owners.front().kind == "CronJob"
                            ? fmt::format("kubectl -n {} create job {}-retry --from=cronjob/{}", w.namespace_,
                                          w.owners.front().name, w.owners.front().name)
                            : fmt::format("kubectl -n {} get job {} -o yaml", w.namespace_, w.name);
    d.recommendations.push_back(simple(
        model::ActionKind::Investigate, topRef(w),
        fmt::format("fix why the pods of Job {} fail (see the related findings), then run it again", w.name),
        {fmt::format("kubectl -n {} logs job/{}", w.namespace_, w.name), rerun},
        "A Job that gave up only runs again when recreated.", d.ruleId));
    out.push_back(std::move(d));
    return;
  }
}

}  // namespace

void analyzeWorkloads(const Context& ctx, Detections& out) {
  for (const WorkloadEvidence& w : ctx.evidence.workloads) {
    if (w.kind == "ReplicaSet" || w.kind == "StatefulSet" || w.kind == "DaemonSet" || w.kind == "Job")
      failedCreate(ctx, w, out);
    if (w.kind == "Deployment") progressDeadline(ctx, w, out);
    if (w.kind == "Job") failedJob(ctx, w, out);
  }
}

}  // namespace aiops::diagnose

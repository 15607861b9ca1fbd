// The executor: approve, reject, apply, verify, follow, rollback, reconcile and expire, each checked against
// the risk policy and recorded in the PHR journal, with the cluster written only through here.
#include "execute/executor.h"

#include <fmt/format.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <thread>

#include "execute/identity.h"
#include "execute/lease.h"
#include "governance/redact.h"

namespace aiops::execute {
namespace {

namespace json = boost::json;
using governance::RecordKind;
using governance::Status;

const json::value* field(const json::value& value, std::string_view key) {
  const auto* object = value.if_object();
  return object ? object->if_contains(key) : nullptr;
}

std::int64_t generationOf(const json::value& object) {
  const json::value* metadata = field(object, "metadata");
  const json::value* generation = metadata ? field(*metadata, "generation") : nullptr;
  return generation && generation->is_int64() ? generation->get_int64() : 0;
}

std::string stringAt(const json::value& object, std::string_view a, std::string_view b) {
  const json::value* outer = field(object, a);
  const json::value* inner = outer ? field(*outer, b) : nullptr;
  return inner && inner->is_string() ? std::string(inner->get_string()) : std::string();
}

// An operation that creates its target (an autoscaler for a Deployment): a whole manifest, and no
// before-state because the object did not exist. Its rollback deletes what it created.
bool createsTarget(const governance::OperationData& op) {
  return op.change && op.change->type == governance::ChangeType::Manifest && !op.before &&
         op.target.uid.empty();
}

// What an operation's baseline and checkpoints watch: the target itself, or, for an autoscaler, the workload
// it scales (an HPA has no pods of its own; its effect shows in its Deployment).
governance::Target watchedTarget(const governance::OperationData& op) {
  if (op.target.kind != "HorizontalPodAutoscaler" || !op.change) return op.target;
  const json::value* spec = field(op.change->body, "spec");
  const json::value* ref = spec ? field(*spec, "scaleTargetRef") : nullptr;
  if (ref == nullptr) return op.target;
  governance::Target workload;
  workload.apiVersion = stringAt(*spec, "scaleTargetRef", "apiVersion");
  workload.kind = stringAt(*spec, "scaleTargetRef", "kind");
  workload.namespace_ = op.target.namespace_;
  workload.name = stringAt(*spec, "scaleTargetRef", "name");
  return workload.kind.empty() || workload.name.empty() ? op.target : workload;
}

// Whether redaction replaced anything in `value`: such a body cannot be written back to a cluster.
bool holdsRedacted(const json::value& value) {
  if (value.is_string()) return value.get_string() == governance::kRedacted;
  if (value.is_array()) {
    for (const json::value& item : value.get_array())
      if (holdsRedacted(item)) return true;
  }
  if (value.is_object()) {
    for (const auto& member : value.get_object())
      if (holdsRedacted(member.value())) return true;
  }
  return false;
}

kube::PatchType patchTypeOf(governance::ChangeType type) {
  switch (type) {
    case governance::ChangeType::Merge:
      return kube::PatchType::Merge;
    case governance::ChangeType::Json:
      return kube::PatchType::Json;
    default:
      return kube::PatchType::Strategic;
  }
}

std::string hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

std::string percent(double fraction) {
  return fmt::format("{:.1f}%", fraction * 100);
}

// A checkpoint's verdict on `now` against the operation's baseline and the previous look.
struct Verdict {
  bool passed = true;
  std::string summary;
  std::vector<std::string> failures;
};

Verdict judge(const Observation& now, const Observation& baseline, const Observation& previous,
              bool previousIsBaseline) {
  Verdict v;
  std::int64_t newRestarts = 0;
  if (now.perPod.is_object()) {
    for (const auto& [pod, entry] : now.perPod.get_object()) {
      const json::value* restarts = field(entry, "restarts");
      const std::int64_t count = restarts && restarts->is_int64() ? restarts->get_int64() : 0;
      std::int64_t before = 0;
      if (const json::value* old = field(previous.perPod, pod)) {
        const json::value* r = field(*old, "restarts");
        before = r && r->is_int64() ? r->get_int64() : 0;
      }
      newRestarts += std::max<std::int64_t>(0, count - before);
    }
  }
  const std::int64_t newOom = now.oomKilled - (previousIsBaseline ? 0 : previous.oomKilled);
  std::vector<std::string> parts;
  const bool workload =
      now.desiredReplicas > 0 || !now.perPod.is_object() || !now.perPod.get_object().empty();
  if (workload) {
    parts.push_back(fmt::format("ready {}/{}", now.readyReplicas, now.desiredReplicas));
    if (now.readyReplicas != now.desiredReplicas) {
      v.failures.push_back(fmt::format("{} of {} replicas ready", now.readyReplicas, now.desiredReplicas));
    }
    if (now.updatedReplicas != now.desiredReplicas) {
      parts.push_back(fmt::format("updated {}/{}", now.updatedReplicas, now.desiredReplicas));
      v.failures.push_back(fmt::format("rollout incomplete: {} of {} replicas updated", now.updatedReplicas,
                                       now.desiredReplicas));
    }
    parts.push_back(fmt::format("new restarts {}", newRestarts));
    if (newRestarts > 0) v.failures.push_back(fmt::format("{} new container restart(s)", newRestarts));
    parts.push_back(fmt::format("CrashLoopBackOff {}", now.crashLooping));
    if (now.crashLooping > 0) {
      v.failures.push_back(fmt::format("{} container(s) in CrashLoopBackOff", now.crashLooping));
    }
    parts.push_back(fmt::format("new OOMKilled {}", std::max<std::int64_t>(0, newOom)));
    if (newOom > 0) v.failures.push_back(fmt::format("{} new OOMKilled container(s)", newOom));
  }
  if (now.errorRate) {
    parts.push_back(fmt::format("error rate {}", percent(*now.errorRate)));
    // One percentage point of slack: the rate is sampled, and a fresh pod's first requests are few.
    if (baseline.errorRate && *now.errorRate > *baseline.errorRate + 0.01) {
      v.failures.push_back(fmt::format("error rate {} above the baseline's {}", percent(*now.errorRate),
                                       percent(*baseline.errorRate)));
    }
  }
  if (now.latencyP95Ms) parts.push_back(fmt::format("p95 {:.0f}ms", *now.latencyP95Ms));
  v.passed = v.failures.empty();
  v.summary = fmt::format("{}", fmt::join(parts, ", "));
  return v;
}

}  // namespace

Executor::Executor(kube::Client& client, governance::Journal& journal, ExecutorOptions options)
    : client_(client), journal_(journal), options_(std::move(options)) {}

namespace {

governance::OperationData latest(governance::Journal& journal, const std::string& operationId) {
  return journal.show(operationId).record.aiops;
}

std::string statusText(const governance::OperationData& data) {
  return data.status ? std::string(governance::toString(*data.status)) : std::string("not an operation");
}

std::string holderFor(const ExecutorOptions& options, const governance::Identity& actor) {
  if (!options.holder.empty()) return options.holder;
  return fmt::format("{}/{}/{}", actor.user, hostname(), static_cast<long>(getpid()));
}

std::string heldMessage(const governance::Target& target, const LeaseHeld& held) {
  return fmt::format("another apply holds the lease {}/{} on {} ({}) since {}, until {}; try again later",
                     leaseNamespace(target), leaseName(target), target.display(), held.holder,
                     formatTimestamp(held.acquired), formatTimestamp(held.renewed + held.duration));
}

// Secret values of a live target, so that no later record repeats them.
std::vector<std::string> scrubFor(const governance::Target& target, const json::value& live) {
  if (target.kind != "Secret") return {};
  return governance::secretValues("Secret", live);
}

// Writes a change (or a whole object) to the target. A manifest is a PUT pinned to the live version we
// judged, so a concurrent edit fails with 409 instead of being overwritten.
json::value write(kube::Client& client, const kube::ResourceRef& ref, const governance::Change& change,
                  const json::value& live) {
  if (change.type == governance::ChangeType::Manifest) {
    json::value object = change.body;
    if (auto* o = object.if_object()) {
      auto& metadata = (*o)["metadata"];
      if (!metadata.is_object()) metadata = json::object{};
      metadata.as_object()["resourceVersion"] = stringAt(live, "metadata", "resourceVersion");
    }
    return client.replace(ref, object);
  }
  return client.patch(ref, patchTypeOf(change.type), change.body);
}

// Creates the object an operation adds (its recorded manifest, without a resourceVersion).
json::value createObject(kube::Client& client, const kube::ResourceRef& ref, const json::value& manifest) {
  json::value object = manifest;
  if (auto* metadata = object.is_object() ? object.as_object().if_contains("metadata") : nullptr;
      metadata != nullptr && metadata->is_object()) {
    metadata->as_object().erase("resourceVersion");
  }
  return client.create(ref.type, ref.namespace_, object);
}

// The recorded before-state as a PUT body: server-owned fields dropped, the live resourceVersion kept.
json::value restorable(const json::value& before, const json::value& live) {
  json::value object = before;
  if (auto* o = object.if_object()) {
    o->erase("status");
    auto& metadata = (*o)["metadata"];
    if (!metadata.is_object()) metadata = json::object{};
    auto& m = metadata.as_object();
    for (const char* key : {"managedFields", "generation", "creationTimestamp", "uid", "selfLink"})
      m.erase(key);
    m["resourceVersion"] = stringAt(live, "metadata", "resourceVersion");
  }
  return object;
}

}  // namespace

governance::Appended Executor::approve(const std::string& operationId, const governance::Identity& approver,
                                       governance::ApproverRights rights, const std::string& changeSha256,
                                       const std::string& reason, governance::StepText text) {
  if (!rights.approve && !rights.review) {
    throw Refused(fmt::format("user {} may not approve recommendations: RBAC denies verb approve on {}.{}",
                              approver.user, kResource, kApiGroup));
  }
  const governance::OperationData current = latest(journal_, operationId);
  const governance::ApprovalDecision decision =
      governance::checkApproval(options_.policy, current, approver, rights, changeSha256, options_.now());
  if (decision.refusal) throw Refused(*decision.refusal);
  governance::Step step;
  step.kind = RecordKind::Approval;
  step.status = decision.status;
  step.justification = reason;
  step.changeSha256 = changeSha256;
  // The approver's role is part of the record: the policy counts security reviewers by it.
  step.role = decision.role;
  if (!decision.remaining.empty() && step.outcome.empty()) {
    step.outcome = fmt::format("approved by {} as {}; still needed: {}", approver.user, decision.role,
                               decision.remaining);
  }
  step.text = std::move(text);
  return journal_.record(operationId, step, approver);
}

governance::Appended Executor::reject(const std::string& operationId, const governance::Identity& approver,
                                      governance::ApproverRights rights, const std::string& reason,
                                      governance::StepText text) {
  if (!rights.approve && !rights.review) {
    throw Refused(fmt::format("user {} may not reject recommendations: RBAC denies verb approve on {}.{}",
                              approver.user, kResource, kApiGroup));
  }
  const governance::OperationData current = latest(journal_, operationId);
  if (current.status != Status::Proposed) {
    throw Refused(
        fmt::format("{} is {}: only a proposed operation can be rejected", operationId, statusText(current)));
  }
  governance::Step step;
  step.kind = RecordKind::Rejection;
  step.justification = reason;
  step.changeSha256 = current.changeSha256;
  step.outcome = fmt::format("rejected by {}: {}", approver.user, reason);
  step.text = std::move(text);
  return journal_.record(operationId, step, approver);
}

ApplyResult Executor::apply(const std::string& operationId, const governance::Identity& actor,
                            governance::StepText text) {
  const governance::OperationData current = latest(journal_, operationId);
  const governance::Target& target = current.target;
  if (current.status != Status::Approved) {
    throw Refused(fmt::format("{} is {}, not approved: only an approved operation can be applied",
                              operationId, statusText(current)));
  }
  if (auto refusal = governance::applyRefusal(options_.policy, current, options_.now()))
    throw Refused(*refusal);
  if (!current.change) throw Refused(fmt::format("{} records no change to apply", operationId));
  if (holdsRedacted(current.change->body)) {
    throw Refused(
        fmt::format("the recorded change to {} holds redacted secret values, which cannot be written "
                    "back; apply it with the values from their source",
                    target.display()));
  }

  LeaseHeld held;
  std::optional<LeaseClaim> claim =
      acquireLease(client_, target, holderFor(options_, actor), options_.leaseDuration, &held);
  if (!claim) throw Refused(heldMessage(target, held));
  if (options_.onStage) options_.onStage("lease");

  ApplyResult result;
  try {
    const kube::ResourceRef ref = resourceRefOf(target);
    const std::optional<json::value> live = client_.find(ref);
    const bool creating = createsTarget(current);
    if (creating && live) {
      throw Refused(fmt::format(
          "{} exists already: it was created since the recommendation; re-run recommend", target.display()));
    }
    if (!creating && !live) {
      throw Refused(fmt::format("{} no longer exists; re-run diagnose", target.display()));
    }
    const std::int64_t generation = live ? generationOf(*live) : 0;
    if (live) {
      const std::string uid = stringAt(*live, "metadata", "uid");
      if (!target.uid.empty() && uid != target.uid) {
        throw Refused(
            fmt::format("{} was deleted and created again since the recommendation (uid {}, now {}); "
                        "re-run diagnose",
                        target.display(), target.uid, uid));
      }
      if (generation != target.generation) {
        throw Refused(
            fmt::format("{} changed since the recommendation: generation {}, now {}; re-run diagnose",
                        target.display(), target.generation, generation));
      }
      text.scrub = scrubFor(target, *live);
    }

    result.baseline = observe(watchedTarget(current));
    governance::Step applying;
    applying.kind = RecordKind::Applying;
    applying.metrics = result.baseline.toJson();
    applying.outcome =
        creating ? fmt::format("applying: creating {}", target.display())
                 : fmt::format("applying the {} change to {} (generation {})",
                               governance::toString(current.change->type), target.display(), generation);
    applying.text = text;
    result.records.push_back(journal_.record(operationId, applying, actor));
    if (options_.onStage) options_.onStage("applying-recorded");

    json::value written;
    try {
      written = creating ? createObject(client_, ref, current.change->body)
                         : write(client_, ref, *current.change, *live);
    } catch (const kube::KubeError& e) {
      governance::Step failed;
      failed.kind = RecordKind::Failed;
      failed.outcome = fmt::format("{} {} failed, nothing was applied: {}",
                                   creating ? "creating" : "the write to", target.display(), e.message());
      failed.text = text;
      result.records.push_back(journal_.record(operationId, failed, actor));
      throw;
    }
    if (options_.onStage) options_.onStage("written");

    governance::Step applied;
    applied.kind = RecordKind::Applied;
    applied.outcome =
        creating ? fmt::format("created {} (uid {})", target.display(), stringAt(written, "metadata", "uid"))
                 : fmt::format("applied the {} change to {}: generation {} -> {}",
                               governance::toString(current.change->type), target.display(), generation,
                               generationOf(written));
    applied.text = text;
    result.records.push_back(journal_.record(operationId, applied, actor));
    if (options_.onStage) options_.onStage("applied-recorded");
  } catch (...) {
    releaseLease(client_, *claim);
    throw;
  }
  releaseLease(client_, *claim);
  return result;
}

VerifyResult Executor::verify(const std::string& operationId, const governance::Identity& actor,
                              governance::StepText text) {
  const governance::OperationData current = latest(journal_, operationId);
  VerifyResult result;
  if (current.status == Status::Verified) return result;  // every checkpoint is recorded already
  if (current.status != Status::Applied) {
    throw Refused(fmt::format("{} is {}: only an applied operation has checkpoints to verify", operationId,
                              statusText(current)));
  }
  const governance::Target& target = current.target;
  const Observation baseline = Observation::fromJson(current.metrics);
  if (baseline.serverTime == WallTime{}) {
    throw Refused(fmt::format(
        "{} has no baseline with the API server's time; its checkpoints cannot be timed", operationId));
  }

  // The lease serialises verify with apply and rollback, and its write tells the server's time.
  LeaseHeld held;
  std::optional<LeaseClaim> claim =
      acquireLease(client_, target, holderFor(options_, actor), options_.leaseDuration, &held);
  if (!claim) throw Refused(heldMessage(target, held));
  try {
    const WallTime now = claim->serverTime;
    Observation previous =
        current.checkpoints.empty() ? baseline : Observation::fromJson(current.checkpoints.back().metrics);
    bool previousIsBaseline = current.checkpoints.empty();
    std::optional<Observation> seen;
    const auto& schedule = options_.checkpoints;
    for (std::size_t i = 0; i < schedule.size(); ++i) {
      const auto& [name, offset] = schedule[i];
      const bool done = std::any_of(current.checkpoints.begin(), current.checkpoints.end(),
                                    [&](const governance::Checkpoint& c) { return c.name == name; });
      if (done) continue;
      const WallTime due = baseline.serverTime + offset;
      if (due > now) {
        result.nextDue = std::chrono::ceil<std::chrono::seconds>(due - now);
        break;
      }
      if (!seen) {
        seen = observe(watchedTarget(current), baseline.serverTime);
        if (target.kind == "Secret") text.scrub = scrubFor(target, client_.get(resourceRefOf(target)));
      }
      const Verdict verdict = judge(*seen, baseline, previous, previousIsBaseline);
      governance::Checkpoint checkpoint;
      checkpoint.name = name;
      checkpoint.passed = verdict.passed;
      checkpoint.summary = verdict.summary;
      checkpoint.metrics = seen->toJson();
      governance::Step step;
      step.kind = RecordKind::Checkpoint;
      step.checkpoint = checkpoint;
      step.outcome =
          fmt::format("checkpoint {} {}: {}", name, verdict.passed ? "passed" : "failed", verdict.summary);
      step.text = text;
      result.records.push_back(journal_.record(operationId, step, actor));
      result.evaluated.push_back(checkpoint);
      if (!verdict.passed) {
        governance::Step failed;
        failed.kind = RecordKind::Failed;
        failed.outcome = fmt::format("checkpoint {} failed: {}; roll back with `kubectl aiops rollback {}`",
                                     name, fmt::join(verdict.failures, ", "), operationId);
        failed.text = text;
        result.records.push_back(journal_.record(operationId, failed, actor));
        result.nextDue.reset();
        break;
      }
      previous = *seen;
      previousIsBaseline = false;
      if (i + 1 == schedule.size()) {
        governance::Step verified;
        verified.kind = RecordKind::Verified;
        std::vector<std::string> names;
        for (const auto& entry : schedule)
          names.push_back(entry.first);
        verified.outcome =
            fmt::format("verified: all {} checkpoints passed ({})", schedule.size(), fmt::join(names, ", "));
        verified.text = text;
        result.records.push_back(journal_.record(operationId, verified, actor));
      }
    }
  } catch (...) {
    releaseLease(client_, *claim);
    throw;
  }
  releaseLease(client_, *claim);
  return result;
}

VerifyResult Executor::follow(const std::string& operationId, const governance::Identity& actor,
                              governance::StepText text) {
  VerifyResult all;
  for (;;) {
    VerifyResult step = verify(operationId, actor, text);
    all.records.insert(all.records.end(), step.records.begin(), step.records.end());
    all.evaluated.insert(all.evaluated.end(), step.evaluated.begin(), step.evaluated.end());
    all.nextDue = step.nextDue;
    if (!step.nextDue) return all;
    // Sleep no longer than the poll interval: on a simulated (or skewed) cluster the server's clock may move
    // faster than ours, so the server time is read again on every round.
    const auto wait = std::min<std::chrono::milliseconds>(options_.pollInterval, *step.nextDue);
    std::this_thread::sleep_for(wait);
  }
}

governance::Appended Executor::rollback(const std::string& operationId, const governance::Identity& actor,
                                        governance::StepText text) {
  const governance::OperationData current = latest(journal_, operationId);
  const governance::Target& target = current.target;
  if (current.status != Status::Applied && current.status != Status::Verified &&
      current.status != Status::Failed) {
    throw Refused(fmt::format("{} is {}: only an applied, verified or failed operation can be rolled back",
                              operationId, statusText(current)));
  }
  if (current.rollback ? holdsRedacted(current.rollback->body)
                       : (current.before && holdsRedacted(*current.before))) {
    throw Refused(
        fmt::format("the recorded {} of {} holds redacted secret values, which cannot be written back; "
                    "restore it from the values' source",
                    current.rollback ? "rollback change" : "before-state", target.display()));
  }
  if (!current.rollback && !current.before && !createsTarget(current)) {
    throw Refused(
        fmt::format("{} records neither a rollback change nor the before-state of {}; nothing to restore",
                    operationId, target.display()));
  }
  LeaseHeld held;
  std::optional<LeaseClaim> claim =
      acquireLease(client_, target, holderFor(options_, actor), options_.leaseDuration, &held);
  if (!claim) throw Refused(heldMessage(target, held));
  if (options_.onStage) options_.onStage("lease");
  governance::Appended appended;
  try {
    const kube::ResourceRef ref = resourceRefOf(target);
    const json::value live = client_.get(ref);
    text.scrub = scrubFor(target, live);
    json::value written;
    std::string how;
    if (createsTarget(current)) {
      client_.remove(ref);
      const Observation after = observe(watchedTarget(current));
      governance::Step step;
      step.kind = RecordKind::RolledBack;
      const std::string observed = judge(after, after, after, false).summary;
      step.outcome =
          fmt::format("rolled back: deleted {}, which this operation created (uid {}){}", target.display(),
                      stringAt(live, "metadata", "uid"), observed.empty() ? "" : "; " + observed);
      step.text = std::move(text);
      appended = journal_.record(operationId, step, actor);
      if (options_.onStage) options_.onStage("rolled-back-recorded");
      releaseLease(client_, *claim);
      return appended;
    }
    if (current.rollback) {
      written = write(client_, ref, *current.rollback, live);
      how = fmt::format("the recorded {} rollback change", governance::toString(current.rollback->type));
    } else {
      written = client_.replace(ref, restorable(*current.before, live));
      how = "the recorded before-state";
    }
    if (options_.onStage) options_.onStage("written");
    const Observation after = observe(watchedTarget(current));
    governance::Step step;
    step.kind = RecordKind::RolledBack;
    const std::string observed = judge(after, after, after, false).summary;
    step.outcome =
        fmt::format("rolled back {} with {}: generation {} -> {}{}", target.display(), how,
                    generationOf(live), generationOf(written), observed.empty() ? "" : "; " + observed);
    step.text = std::move(text);
    appended = journal_.record(operationId, step, actor);
    if (options_.onStage) options_.onStage("rolled-back-recorded");
  } catch (...) {
    releaseLease(client_, *claim);
    throw;
  }
  releaseLease(client_, *claim);
  return appended;
}

std::vector<governance::Appended> Executor::reconcile(const governance::Identity& actor) {
  std::vector<governance::Appended> records;
  for (const governance::OperationSummary& summary : journal_.operations()) {
    if (summary.status != Status::Applying) continue;
    if (leaseHolder(client_, summary.target)) continue;  // an apply is still running
    const governance::OperationData current = latest(journal_, summary.operationId);
    const Observation baseline = Observation::fromJson(current.metrics);
    const std::optional<json::value> live = client_.find(resourceRefOf(current.target));
    governance::Step step;
    governance::StepText text;
    text.command = "kubectl aiops (reconcile)";
    if (live) text.scrub = scrubFor(current.target, *live);
    // The write bumps metadata.generation; an unchanged generation means it never reached the server.
    // Kinds without a generation (Secret, ConfigMap) are judged by their resourceVersion instead.
    const bool moved =
        createsTarget(current)
            ? live.has_value()
            : live && (baseline.generation != 0
                           ? generationOf(*live) != baseline.generation
                           : stringAt(*live, "metadata", "resourceVersion") != baseline.resourceVersion);
    if (moved) {
      step.kind = RecordKind::Applied;
      step.outcome = fmt::format(
          "reconciled after an interrupted apply: the change is in the cluster ({})",
          baseline.generation != 0
              ? fmt::format("generation {}", generationOf(*live))
              : fmt::format("resourceVersion {}", stringAt(*live, "metadata", "resourceVersion")));
    } else {
      step.kind = RecordKind::Failed;
      step.outcome =
          live
              ? std::string("reconciled: the change never reached the cluster; nothing was applied")
              : fmt::format("reconciled: {} no longer exists; nothing was applied", current.target.display());
    }
    step.text = std::move(text);
    records.push_back(journal_.record(summary.operationId, step, actor));
  }
  return records;
}

std::vector<governance::Appended> Executor::expire(const governance::Identity& actor) {
  std::vector<governance::Appended> records;
  const WallTime now = options_.now();
  for (const governance::OperationSummary& summary : journal_.operations()) {
    if (summary.status != Status::Proposed && summary.status != Status::Approved) continue;
    const governance::OperationData current = latest(journal_, summary.operationId);
    const std::optional<WallTime> ends = governance::expiresAt(options_.policy, current);
    if (!ends || *ends > now) continue;
    governance::Step step;
    step.kind = RecordKind::Expiry;
    step.outcome =
        fmt::format("expired: the {} window ended at {}",
                    summary.status == Status::Proposed ? "approval" : "apply", formatTimestamp(*ends));
    step.text.command = "kubectl aiops (expire)";
    records.push_back(journal_.record(summary.operationId, step, actor));
  }
  return records;
}

}  // namespace aiops::execute

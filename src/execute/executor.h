// The executor: the only code path that writes a recommendation's change to the cluster.
//
// Every step goes through the PHR journal first or last, never neither:
//   apply    re-checks the policy (approvals, change hash, window), takes the target's Lease, re-reads the
//            target and refuses when its metadata.generation moved since the recommendation, records
//            `applying` with the baseline, writes the change, records `applied` (or `failed`);
//   verify   evaluates the checkpoints that are due (5m, 15m, 1h after the apply, by the API server's
//            clock) and records each; the last passing one makes the operation `verified`, a failing one
//            `failed`;
//   rollback writes the recorded rollback change (or restores the recorded before-state) and records
//            `rolled-back`;
//   reconcile finds operations left in `applying` by a killed process (their Lease is free or expired),
//            reads the target, and records `applied` when the change is there or `failed` when it is not,
//            so nothing is lost and nothing is applied twice.
// Approvals and rejections go through here too, so the policy is checked in one place.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "governance/journal.h"
#include "governance/policy.h"
#include "kube/client.h"

namespace aiops::execute {

// A refusal: nothing was written to the cluster or the journal (exit 1 in the front end). Other failures
// are kube::KubeError (cluster, exit 3) and governance::JournalError.
class Refused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ExecutorOptions {
  governance::RiskPolicy policy = governance::defaultPolicy();
  std::function<WallTime()> now = [] { return std::chrono::system_clock::now(); };  // the local clock
  std::chrono::seconds leaseDuration{60};
  std::string holder;  // Lease holder identity; default "<user>/<hostname>/<pid>"
  // The checkpoint schedule after an apply (the spec's 5 min, 15 min, 1 h).
  std::vector<std::pair<std::string, std::chrono::seconds>> checkpoints{
      {"5m", std::chrono::minutes(5)}, {"15m", std::chrono::minutes(15)}, {"1h", std::chrono::hours(1)}};
  // How long a follow-up wait sleeps between looks (apply --follow, the recovery wait).
  std::chrono::milliseconds pollInterval{1000};
  // Called as apply and rollback pass each stage ("lease", "applying-recorded", "written",
  // "applied-recorded"): progress lines in the front end, and a deterministic kill -9 point in tests.
  std::function<void(std::string_view stage)> onStage;
};

// Pods, replicas, usage and restarts of the target (and error rate and latency where the workload's Service
// exposes application metrics): what a baseline and a checkpoint record.
struct Observation {
  WallTime serverTime{};
  std::int64_t generation = 0;  // the target's metadata.generation when observed
  std::string resourceVersion;  // and its resourceVersion (for kinds without a generation: Secret, ConfigMap)
  std::int64_t desiredReplicas = 0;
  std::int64_t readyReplicas = 0;
  std::int64_t updatedReplicas = 0;  // pods of the current template (status.updatedReplicas)
  std::int64_t restarts = 0;         // summed over the target's pods
  std::int64_t crashLooping = 0;     // containers waiting in CrashLoopBackOff
  std::int64_t oomKilled = 0;        // containers whose last termination was OOMKilled since the apply
  std::optional<double> errorRate;   // fraction of 5xx responses, when the app exposes counters
  std::optional<double> latencyP95Ms;
  boost::json::value perPod;  // {"<pod>": {"cpu": "120m", "memory": "210Mi", "restarts": 0}}
  boost::json::value toJson() const;
  // Reads toJson's form back (as a record's metrics hold it); absent fields keep their defaults.
  static Observation fromJson(const boost::json::value& value);
};

struct ApplyResult {
  std::vector<governance::Appended> records;  // applying, applied (or failed)
  Observation baseline;
  std::optional<Observation> after;  // when the apply waited for the rollout
};

struct VerifyResult {
  std::vector<governance::Appended> records;  // one per checkpoint evaluated, then verified/failed if final
  std::vector<governance::Checkpoint> evaluated;
  std::optional<std::chrono::seconds> nextDue;  // until the next checkpoint (server clock); nullopt when done
};

class Executor {
 public:
  Executor(kube::Client& client, governance::Journal& journal, ExecutorOptions options = {});

  // Records an approval after checking RBAC rights and the policy; Refused with the policy's reason.
  governance::Appended approve(const std::string& operationId, const governance::Identity& approver,
                               governance::ApproverRights rights, const std::string& changeSha256,
                               const std::string& reason, governance::StepText text = {});
  governance::Appended reject(const std::string& operationId, const governance::Identity& approver,
                              governance::ApproverRights rights, const std::string& reason,
                              governance::StepText text = {});

  ApplyResult apply(const std::string& operationId, const governance::Identity& actor,
                    governance::StepText text = {});
  VerifyResult verify(const std::string& operationId, const governance::Identity& actor,
                      governance::StepText text = {});
  // apply's --follow: verify until every checkpoint is recorded (sleeping until each is due).
  VerifyResult follow(const std::string& operationId, const governance::Identity& actor,
                      governance::StepText text = {});
  governance::Appended rollback(const std::string& operationId, const governance::Identity& actor,
                                governance::StepText text = {});

  // Operations left in `applying` whose Lease is free: each gets an applied or failed record saying what
  // was found. Runs at the start of every executor command.
  std::vector<governance::Appended> reconcile(const governance::Identity& actor);
  // Proposed or approved operations past their window get an expiry record.
  std::vector<governance::Appended> expire(const governance::Identity& actor);

  // `oomSince`: count only OOM kills that ended at or after it (the apply); all of them when absent.
  Observation observe(const governance::Target& target, std::optional<WallTime> oomSince = std::nullopt);

 private:
  kube::Client& client_;
  governance::Journal& journal_;
  ExecutorOptions options_;
};

// The kube::ResourceRef of a recorded target ("Deployment" apps/v1 -> deployments.v1.apps).
kube::ResourceRef resourceRefOf(const governance::Target& target);

}  // namespace aiops::execute

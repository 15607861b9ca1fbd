// The Deployment and ReplicaSet controllers of kube-controller-manager 1.32, one reconcile pass at a time.
//
// Reproduces pkg/controller/deployment (sync.go, rolling.go, recreate.go, progress.go, util) and
// pkg/controller/replicaset:
// - pod-template-hash: FNV-32a of the pod template (here its canonical JSON with empty fields dropped, since
//   the Go struct dump upstream hashes cannot be reproduced) plus status.collisionCount, rendered as decimal
//   digits mapped through "bcdfghjklmnpqrstvwxz2456789" (rand.SafeEncodeString), e.g. "5d4f8c7b9".
// - maxSurge rounds up and maxUnavailable rounds down from percentages of spec.replicas; when both resolve to
//   0, maxUnavailable becomes 1. Defaults as the API server applies them: replicas 1, RollingUpdate 25%/25%,
//   revisionHistoryLimit 10, progressDeadlineSeconds 600.
// - Rolling update per pass: scale the new ReplicaSet up to replicas + maxSurge minus all pods (and never
//   past replicas); else scale old ReplicaSets down, first their unhealthy replicas, then down to replicas -
//   maxUnavailable available pods, oldest first. Availability comes from the ReplicaSets' status, which the
//   ReplicaSet controller computes with minReadySeconds.
// - Recreate: scale all old ReplicaSets to 0, wait until none of their pods runs, then create/scale the new
//   one.
// - paused, and scaling events (a desired-replicas annotation that differs from spec.replicas): proportional
//   scaling of all active ReplicaSets, no rollout progress; Progressing Unknown DeploymentPaused /
//   DeploymentResumed.
// - Revisions: deployment.kubernetes.io/revision = max old revision + 1 on the new ReplicaSet and the
//   Deployment, revision-history when an old template comes back (rollout undo), desired-replicas and
//   max-replicas annotations, cleanup of old ReplicaSets beyond revisionHistoryLimit once the rollout is
//   complete.
// - Status and conditions: Available (MinimumReplicasAvailable / MinimumReplicasUnavailable, "Deployment has
//   minimum availability.") and Progressing (NewReplicaSetCreated `Created new replica set "web-5d4f8c7b9"`,
//   FoundNewReplicaSet, ReplicaSetUpdated `ReplicaSet "web-5d4f8c7b9" is progressing.`,
//   NewReplicaSetAvailable `ReplicaSet "web-5d4f8c7b9" has successfully progressed.`,
//   ProgressDeadlineExceeded `ReplicaSet "web-5d4f8c7b9" has timed out progressing.`), ReplicaFailure copied
//   from the ReplicaSets.
// - Events ScalingReplicaSet `Scaled up replica set web-5d4f8c7b9 from 0 to 3` / `Scaled down ... from 3 to
//   2`.
// - `kubectl rollout undo`: the template and annotations kubectl patches back, its errors and "skipped
//   rollback".
// The ReplicaSet pass: create or delete pods toward spec.replicas (deleting unassigned, pending, not-ready,
// co-located, recently ready, often restarted, young pods first) and its status (replicas,
// fullyLabeledReplicas, readyReplicas, availableReplicas: Ready for longer than minReadySeconds).
// Not modelled: ReplicaSet adoption/orphaning by selector, hash collisions, the deprecated spec.rollbackTo,
// LogarithmicScaleDown's bucketing of ready and creation times (plain comparisons here, ties by pod name).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api_objects.h"

namespace kubesim::controllers {

inline constexpr std::string_view kRevisionAnnotation = "deployment.kubernetes.io/revision";
inline constexpr std::string_view kRevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history";
inline constexpr std::string_view kDesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas";
inline constexpr std::string_view kMaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";
inline constexpr std::string_view kPodTemplateHashLabel = "pod-template-hash";

// rand.SafeEncodeString: each character mapped into the alphabet without vowels and look-alike digits.
std::string safeEncodeString(std::string_view text);
// controller.ComputeHash for a pod template (the Deployment's spec.template, without the hash label).
std::string podTemplateHash(const json::object& podTemplate,
                            std::optional<std::int32_t> collisionCount = std::nullopt);

// intstr.GetScaledValueFromIntOrPercent: an int, or "N%" of total rounded up or down; nullopt when invalid.
std::optional<std::int32_t> scaledValue(const json::value& intOrPercent, std::int32_t total, bool roundUp);
struct Fenceposts {
  std::int32_t maxSurge = 0;
  std::int32_t maxUnavailable = 0;
};
// ResolveFenceposts for a Deployment (defaults applied); for Recreate both are 0.
Fenceposts resolveFenceposts(const json::object& deployment);

// podutil.IsPodAvailable: Ready, and Ready since more than minReadySeconds before now.
bool isPodAvailable(const json::object& pod, std::int32_t minReadySeconds, TimePoint now);

struct DeploymentSyncResult {
  std::optional<json::object> createdReplicaSet;  // to create (no creationTimestamp/uid: the store adds them)
  std::vector<json::object>
      updatedReplicaSets;  // full new objects of changed ReplicaSets (spec and annotations)
  std::vector<std::string> deletedReplicaSets;  // names, revision history cleanup
  std::optional<json::object> annotations;      // the Deployment's new metadata.annotations, when they change
  json::object status;                          // the Deployment's complete new .status
  bool statusChanged = false;
  std::vector<Event> events;
  // When the controller would look again without any object changing: the progress-deadline check.
  std::optional<TimePoint> requeueAt;
};

// One syncDeployment. replicaSets are the ReplicaSets the Deployment controls; pods are their pods (used by
// Recreate to wait for old pods to stop).
DeploymentSyncResult syncDeployment(const json::object& deployment,
                                    const std::vector<json::object>& replicaSets,
                                    const std::vector<json::object>& pods, TimePoint now);

struct ReplicaSetSyncResult {
  std::int32_t podsToCreate = 0;          // create this many pods from podFromReplicaSet(rs)
  std::vector<std::string> podsToDelete;  // names, in deletion order
  json::object status;                    // the ReplicaSet's complete new .status
  bool statusChanged = false;
  std::optional<TimePoint> requeueAt;  // when a Ready pod becomes available (minReadySeconds)
};

// One syncReplicaSet. pods are the pods the ReplicaSet controls (terminal and terminating ones are skipped).
ReplicaSetSyncResult syncReplicaSet(const json::object& replicaSet, const std::vector<json::object>& pods,
                                    TimePoint now);
// The pod the ReplicaSet controller creates: generateName "<rs>-", template labels and annotations, the
// controller ownerReference and the template spec.
json::object podFromReplicaSet(const json::object& replicaSet);
// The ReplicaSet controller's event messages.
Event createdPodEvent(std::string_view podName);
Event deletedPodEvent(std::string_view podName);

struct RollbackResult {
  std::string error;     // kubectl's error text, when the rollback cannot be done
  bool skipped = false;  // the template already matches: "skipped rollback (current template already matches
                         // revision N)"
  std::string message;   // "skipped rollback (...)" or "rolled back"
  json::object podTemplate;  // the template to put back into spec.template (hash label removed)
  json::object annotations;  // the Deployment's annotations after the rollback
};
// What `kubectl rollout undo [--to-revision=N]` patches into the Deployment (toRevision 0: the previous one).
RollbackResult rollbackTarget(const json::object& deployment, const std::vector<json::object>& replicaSets,
                              std::int64_t toRevision);

}  // namespace kubesim::controllers

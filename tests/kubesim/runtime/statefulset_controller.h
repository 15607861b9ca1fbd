// The StatefulSet controller of kube-controller-manager 1.32 (pkg/controller/statefulset) over the store.
//
// Per StatefulSet and pass:
// - Revisions: the update revision is the ControllerRevision holding the current template (created as
//   "<set>-<hash>" with revision max + 1, or an equal older one renumbered, as `kubectl rollout undo`
//   brings a template back); the current revision is status.currentRevision's, else the update revision.
//   Revisions beyond revisionHistoryLimit that no pod and neither status revision uses are deleted,
//   oldest first.
// - Pods: "<set>-<ordinal>" for ordinals spec.ordinals.start .. start + replicas - 1, from the current
//   revision's template below the partition (and the update revision's from it on), with hostname,
//   subdomain (serviceName), the labels statefulset.kubernetes.io/pod-name, apps.kubernetes.io/pod-index
//   and controller-revision-hash (the revision's name), and one PersistentVolumeClaim per
//   volumeClaimTemplate, "<template>-<set>-<ordinal>", created first (selector labels added; an
//   ownerReference to the set with persistentVolumeClaimRetentionPolicy.whenDeleted Delete, to the pod
//   being scaled away with whenScaled Delete).
// - OrderedReady (the default): one pod at a time in ordinal order, each created only once its
//   predecessors are Running, Ready and available (minReadySeconds); nothing proceeds while a pod
//   terminates; scale-down deletes the highest ordinal first, one at a time, once the rest are healthy.
//   Parallel: every missing pod at once, every condemned pod at once.
// - Failed or Succeeded pods are deleted and created again.
// - RollingUpdate: once every replica is healthy, the highest ordinal at or above the partition whose
//   revision is not the update revision is deleted (and recreated at the update revision); one at a time,
//   waiting for each to become available. OnDelete: pods change only when deleted.
// - Status: replicas, readyReplicas, currentReplicas, updatedReplicas, availableReplicas, currentRevision,
//   updateRevision, observedGeneration, collisionCount; once every pod is updated and ready the current
//   revision becomes the update revision.
// - Events, as StatefulPodControl records them: SuccessfulCreate `create Pod web-0 in StatefulSet web
//   successful` and `create Claim www-web-0 Pod web-0 in StatefulSet web success`, SuccessfulDelete
//   `delete Pod web-2 in StatefulSet web successful`, SuccessfulUpdate for an identity repair, FailedCreate
//   `create Pod web-0 in StatefulSet web failed error: ...` (then a back-off of 1 s doubling to 1000 s).
// Not modelled: adoption and release of pods by selector, stale claims of a whenScaled Delete policy, the
// alpha maxUnavailable of rolling updates, status conditions.
#pragma once

#include "context.h"

namespace kubesim::runtime {

class StatefulSetController final : public Controller {
 public:
  explicit StatefulSetController(RuntimeContext& context) : ctx_(context) {}
  std::string name() const override { return "statefulset-controller"; }
  void sync(TimePoint now) override;
  std::optional<TimePoint> nextDue() const override { return tracker_.requeueAt(); }

 private:
  class Pass;
  RuntimeContext& ctx_;
  ChangeTracker tracker_;
  RetryBackOff backOff_;  // by StatefulSet uid
};

}  // namespace kubesim::runtime

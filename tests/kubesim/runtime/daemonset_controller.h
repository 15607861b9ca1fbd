// The DaemonSet controller of kube-controller-manager 1.32 (pkg/controller/daemon) over the store.
//
// Per DaemonSet and pass:
// - Revisions: the ControllerRevision holding the current template, "<ds>-<pod-template-hash>" labelled
//   controller-revision-hash, created with revision max + 1 (or an equal older one renumbered, as
//   `kubectl rollout undo` brings a template back); the oldest unused ones beyond revisionHistoryLimit are
//   deleted.
// - Eligibility (NodeShouldRunDaemonPod): the template's nodeName, nodeSelector and required node affinity
//   must match, and its NoSchedule/NoExecute taints be tolerated, with the tolerations every daemon pod gets
//   (node.kubernetes.io/not-ready and unreachable NoExecute, disk-pressure, memory-pressure, pid-pressure
//   and unschedulable NoSchedule, network-unavailable for hostNetwork pods). An untolerated NoSchedule
//   taint keeps a running pod; an untolerated NoExecute one removes it.
// - One pod per eligible node, created with generateName "<ds>-", the labels controller-revision-hash
//   (and pod-template-generation when the DaemonSet carries deprecated.daemonset.template.generation) and
//   a required node affinity `matchFields metadata.name In [node]` that pins it for the scheduler; surplus
//   pods on a node (all but the oldest), pods on nodes that no longer qualify and pods aimed at nodes that
//   are gone are deleted; a Failed pod is deleted (FailedDaemonPod `Found failed daemon pod ns/name on node
//   n, will try to kill it`, with a back-off of 1 s doubling to 15 min per node) and created again.
// - RollingUpdate, once creations and deletions are done: without maxSurge, old pods are deleted while
//   at most maxUnavailable (of the desired nodes, rounded up) are unavailable, unavailable old pods first;
//   with maxSurge, a new pod starts beside an old one on up to maxSurge nodes and the old one goes when the
//   new one is available (minReadySeconds). OnDelete: pods change only when deleted.
// - Status: desiredNumberScheduled, currentNumberScheduled, numberMisscheduled, numberReady,
//   numberAvailable, updatedNumberScheduled, numberUnavailable, observedGeneration.
// - Events: SuccessfulCreate `Created pod: x`, SuccessfulDelete `Deleted pod: x`, FailedCreate `Error
//   creating: ...` (then a back-off of 1 s doubling to 1000 s).
// Not modelled: adoption of orphan pods by selector, burst limits, status conditions.
#pragma once

#include <map>

#include "context.h"

namespace kubesim::runtime {

class DaemonSetController final : public Controller {
 public:
  explicit DaemonSetController(RuntimeContext& context) : ctx_(context) {}
  std::string name() const override { return "daemonset-controller"; }
  void sync(TimePoint now) override;
  std::optional<TimePoint> nextDue() const override { return tracker_.requeueAt(); }

 private:
  class Pass;
  // failedPodsBackoff: per "<DaemonSet uid>/<node>", 1 s doubling to 15 min.
  struct FailedPods {
    Duration delay{0};
    TimePoint last{};
  };
  RuntimeContext& ctx_;
  ChangeTracker tracker_;
  RetryBackOff backOff_;  // refused creates, by DaemonSet uid
  std::map<std::string, FailedPods> failedPods_;
};

}  // namespace kubesim::runtime

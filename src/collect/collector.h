// The evidence collector: reads from the cluster, through the Client, exactly what the selected analyzers
// need for one diagnosis target, in parallel rounds, and hands it to EvidenceBuilder.
//
// src/collect/ is the one place where diagnosis meets the API: it uses src/kube/ (Client, resources) and
// src/diagnose/ (Evidence, EvidenceBuilder, the analyzers' Need bits). Analyzers stay pure; the collector
// decides nothing about health.
//
// Rounds, each one batch of concurrent requests (KubeTransport::getAll); a round only waits for what it
// needs:
//   1. the target (a pod, a workload, or the pods of a namespace or selector), together with everything that
//      does not depend on it: the namespace's events, Services and Endpoints, and for a namespace target its
//      workloads and the nodes;
//   2. around the pods: owners up the chain (ReplicaSet → Deployment, Job → CronJob, StatefulSet,
//      DaemonSet), their nodes, PVCs/PVs/StorageClasses and ConfigMaps/Secrets when the pods refer to any,
//      ResourceQuotas and ServiceAccounts when a FailedCreate event names them, pod and node metrics when a
//      container was OOMKilled, and the current and previous log tails of failing containers (restarted,
//      waiting for a reason other than ContainerCreating/PodInitializing, or terminated non-zero), bounded
//      by lines and bytes, for at most two pods (the most recently restarted) of each group failing the same
//      way (same controller, container, waiting reason, termination reason and exit code): the others share
//      their log (LogTail::sharedFrom). The namespace's registry credentials when an image pull fails;
//   2b. only when a log tail came back cut at the byte limit: that tail again, with the lines that fit;
//   3. only when needed: an owner whose name could not be inferred, and the events of unhealthy nodes.
// A workload target takes one round more (the workload first, then its pods by its selector).
// Events are listed per namespace and kept for the objects of interest only (the pods, their owners, their
// nodes and claims). A failed fetch other than the target itself never aborts the diagnosis: it becomes an
// Unreadable entry, and the resource is not marked listed, so no analyzer concludes from its absence.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "diagnose/diagnose.h"
#include "diagnose/evidence.h"
#include "kube/client.h"
#include "support/timestamps.h"

namespace aiops::collect {

// What to diagnose: everything in the namespace, one pod, one workload's pods, or pods by label selector.
struct Target {
  enum class Kind { Namespace, Pod, Workload, Selector };
  Kind kind = Kind::Namespace;
  std::string workloadKind;  // Deployment, StatefulSet, DaemonSet, Job (Kind::Workload)
  std::string name;          // the pod or workload name
  std::string selector;      // a label selector (Kind::Selector)
};

struct Options {
  std::string namespace_;  // the namespace the target lives in; ignored with allNamespaces
  bool allNamespaces = false;
  Target target;
  unsigned needs = ~0U;  // diagnose::Need bits; default: everything any analyzer reads
  std::int64_t logsTail = 200;
  std::int64_t logsBytes = 256 * 1024;        // per container instance
  std::optional<std::chrono::seconds> since;  // logs and events newer than this only
  // False when whatever reads the responses might print them (kubectl -v 8 and up logs response bodies):
  // Secrets are then not read at all, and say so as Unreadable.
  bool readSecrets = true;
  WallTime now{};  // the local clock: the start of the --since window, and the analysis time (see Collected)
  // Reports each round as it starts ("listing pods in namespace shop", "reading 3 logs"), for a progress
  // line. Called on the calling thread.
  std::function<void(const std::string&)> onProgress;
};

struct Collected {
  diagnose::Evidence evidence;
  // The time to diagnose at: Options::now, unless the cluster's own timestamps show that its clock
  // disagrees (see analysisTime).
  WallTime now{};
  std::int64_t requests = 0;  // API requests made
  std::int64_t rounds = 0;    // batches of concurrent requests
};

// Collects the evidence. Throws kube::KubeError when the target itself cannot be read (a missing pod or
// workload is a NotFound error naming it, as kubectl does: `pods "web-1" not found`; a forbidden list is
// Forbidden); everything else degrades to Evidence::unreadable.
Collected collect(kube::Client& client, const Options& options);

// The Need bits of every analyzer, or-ed together.
unsigned allNeeds();

// The time a diagnosis should treat as now. Ages and windows compare timestamps written by the cluster, so
// they must be measured on the cluster's clock, which the API does not expose. `newest` is the latest
// timestamp read from the cluster (nothing the cluster writes lies in its own future); `heartbeat` the latest
// lastHeartbeatTime of a Ready node (a kubelet reports at least every five minutes, so it trails the
// cluster's clock by less than that). The local clock wins unless these show the cluster's clock is ahead
// (newest more than two minutes after it) or behind (heartbeat more than fifteen minutes before it, as in a
// simulated or restored cluster); then it is the newest cluster timestamp.
WallTime analysisTime(WallTime local, std::optional<WallTime> newest, std::optional<WallTime> heartbeat);

}  // namespace aiops::collect

// Internal to src/diagnose/: what analyzers produce (Detection), what they read (Context, indexes over one
// Evidence), and the helpers several rule families share (exit codes, phrases, patch targets, evidence).
#pragma once

#include <boost/json.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "diagnose/catalogue.h"
#include "diagnose/diagnose.h"
#include "diagnose/evidence.h"
#include "diagnose/log_signatures.h"
#include "model/finding.h"

namespace aiops::diagnose {

// One problem seen by one analyzer, before grouping: diagnose() groups Detections of the same rule, scope,
// container and cause into one Finding, then ranks the Findings of each problem.
struct Detection {
  std::string_view ruleId;
  const PodEvidence* pod = nullptr;  // for pod-level detections
  model::ObjectRef object;           // for object-level detections (Service, Node, ReplicaSet, ...)
  std::string container;
  Params params;
  std::string causeKey;  // pods whose detections share rule, scope, container and causeKey are one Finding
  int confidence = 80;
  int rankAdjust = 0;       // added to the rule's rank (a control-plane taint explains less than a full node)
  std::int64_t weight = 0;  // breaks rank ties: the cause that affects more nodes or pods wins
  std::vector<model::EvidenceItem> evidence;
  std::vector<model::Recommendation> recommendations;
  // Objects whose problems would explain this one (a Service with no endpoints behind a connection
  // refused, the PVC behind an unbound-claim scheduling failure, the pods behind not-ready endpoints).
  std::vector<ObjectKey> dependsOn;
};

using Detections = std::vector<Detection>;

// Read-only indexes over one Evidence, built once per diagnose().
class Context {
 public:
  Context(const Evidence& evidence, const Options& options);

  const Evidence& evidence;
  const Options& options;

  const std::vector<EventRecord>& events(const std::string& kind, const std::string& namespace_,
                                         const std::string& name) const;
  // The pod's events, without those of an earlier pod with the same name (different uid).
  std::vector<const EventRecord*> podEvents(const PodEvidence& pod) const;
  const WorkloadEvidence* workload(const std::string& kind, const std::string& namespace_,
                                   const std::string& name) const;
  const NodeEvidence* node(const std::string& name) const;
  const ConfigObjectEvidence* configMap(const std::string& namespace_, const std::string& name) const;
  const ConfigObjectEvidence* secret(const std::string& namespace_, const std::string& name) const;
  const PvcEvidence* pvc(const std::string& namespace_, const std::string& name) const;
  const StorageClassEvidence* storageClass(const std::string& name) const;
  // The Service a host name or address refers to ("db", "db.shop", "db.shop.svc.cluster.local",
  // its cluster IP), seen from namespace `from`.
  const ServiceEvidence* serviceForHost(const std::string& host, const std::string& from) const;
  // Pods whose top owner (or the pod itself, if bare) is `scope`.
  std::int64_t podsInScope(const ObjectKey& scope) const;

  // The log scan of a container's previous or current log, computed once.
  const LogScan& scan(const PodEvidence& pod, const ContainerEvidence& container, bool previous) const;

  bool within(const std::optional<WallTime>& t, std::chrono::seconds window) const;
  std::chrono::seconds age(const std::optional<WallTime>& t) const;

 private:
  std::map<ObjectKey, const WorkloadEvidence*> workloads_;
  std::map<std::string, const NodeEvidence*> nodes_;
  std::map<std::pair<std::string, std::string>, const ConfigObjectEvidence*> configMaps_;
  std::map<std::pair<std::string, std::string>, const ConfigObjectEvidence*> secrets_;
  std::map<std::pair<std::string, std::string>, const PvcEvidence*> pvcs_;
  std::map<std::string, const StorageClassEvidence*> storageClasses_;
  std::map<ObjectKey, std::int64_t> scopeCounts_;
  mutable std::map<std::tuple<const PodEvidence*, const ContainerEvidence*, bool>, LogScan> scans_;
};

// --- Analyzers (one file per rule family) ---------------------------------------------------------------

void analyzeCrashLoop(const Context& ctx, Detections& out);       // crashloop.cpp: D100-D109, D130
void analyzeOom(const Context& ctx, Detections& out);             // oom.cpp: D110, D111
void analyzeInitContainers(const Context& ctx, Detections& out);  // init_containers.cpp: D120, D121
void analyzeImagePull(const Context& ctx, Detections& out);       // image_pull.cpp: D200-D206
void analyzeConfigErrors(const Context& ctx, Detections& out);    // config_error.cpp: D300-D306
void analyzeScheduling(const Context& ctx, Detections& out);      // scheduling.cpp: D400-D409, D500-D505
void analyzeEvictions(const Context& ctx, Detections& out);       // eviction.cpp: D410-D414
void analyzeVolumes(const Context& ctx, Detections& out);         // volumes.cpp: D415, D502-D504
void analyzeProbes(const Context& ctx, Detections& out);          // probes.cpp: D600-D604
void analyzeWorkloads(const Context& ctx, Detections& out);       // workloads.cpp: D700-D707
void analyzeServices(const Context& ctx, Detections& out);        // services.cpp: D800, D801
void analyzeNodes(const Context& ctx, Detections& out);           // nodes.cpp: D850-D854

// --- Shared helpers (analyzers.cpp) ----------------------------------------------------------------------

// "SIGKILL" for 9; "signal 42" for numbers without a common name.
std::string signalName(int signal);
// What an exit code conventionally means: "an application error", "command not found", "SIGSEGV".
std::string exitMeaning(int exitCode);
// The state that ended the container most recently: state if terminated, else lastState if terminated.
const ContainerState* lastTermination(const ContainerEvidence& c);
// "is in CrashLoopBackOff after 7 restarts", "has restarted 2 times", "is not restarted (restartPolicy
// Never)".
std::string loopPhrase(const PodEvidence& pod, const ContainerEvidence& c);
// "exits with code 1 and is in CrashLoopBackOff after 7 restarts".
std::string crashPhrase(const PodEvidence& pod, const ContainerEvidence& c, const ContainerState& ended);
// "1 restart", "3 restarts".
std::string plural(std::int64_t n, std::string_view word);
// The name of the container an event is about ("spec.containers{app}" → "app"), or "".
std::string eventContainer(const EventRecord& event);
bool startsWith(std::string_view text, std::string_view prefix);
bool contains(std::string_view text, std::string_view needle);
bool containsNoCase(std::string_view text, std::string_view needle);
// The closest candidate to `name` by edit distance, if it is close enough to be a typo.
std::optional<std::string> didYouMean(const std::string& name, const std::vector<std::string>& candidates);
std::size_t editDistance(std::string_view a, std::string_view b);
std::string joinNames(const std::vector<std::string>& names, std::size_t max = 5);

// "Pod shop/web-1".
std::string podLabel(const PodEvidence& pod);
model::ObjectRef podRef(const PodEvidence& pod);
// The object a pod template change goes to: the top controller with a pod template (Deployment,
// StatefulSet, DaemonSet, a bare ReplicaSet, a CronJob); nullopt for bare pods and Jobs (immutable template).
struct TemplateTarget {
  model::ObjectRef ref;
  std::vector<std::string> specPath;  // path of the pod spec: {"spec","template","spec"}
};
std::optional<TemplateTarget> templateTarget(const PodEvidence& pod);
// The top owner as an ObjectRef (for recommendations without a patch), or the pod itself.
model::ObjectRef topOwnerRef(const PodEvidence& pod);
// A strategic merge patch setting `fields` on one container of the pod template.
model::Patch containerPatch(const TemplateTarget& target, const ContainerEvidence& container,
                            boost::json::object fields);
// A strategic merge patch setting `fields` on the pod spec of the template.
model::Patch podSpecPatch(const TemplateTarget& target, boost::json::object fields);

// The pod a log was read from: the pod itself, or the one whose log stands for it (LogTail::sharedFrom).
std::string logSource(const PodEvidence& pod, const LogTail& tail);
model::EvidenceItem eventEvidence(const std::string& object, const EventRecord& event);
model::EvidenceItem logEvidence(const PodEvidence& pod, const ContainerEvidence& c, bool previous,
                                const LogMatch& match);
// Evidence for the termination that ended a container (reason, exit code, signal, message, finish time).
void addTerminationEvidence(const PodEvidence& pod, const ContainerEvidence& c, const ContainerState& ended,
                            std::vector<model::EvidenceItem>& evidence);
// Up to `max` log lines of the best signature (or the last line of the log when nothing matched).
void addLogEvidence(const Context& ctx, const PodEvidence& pod, const ContainerEvidence& c,
                    std::vector<model::EvidenceItem>& evidence, std::size_t max = 3);
// Whether the log to read for a container's last failure is the previous instance's.
bool usePreviousLog(const ContainerEvidence& c);

// A rollback to the newest older ReplicaSet whose images differ, for pods of a Deployment's newest
// ReplicaSet; nullopt when no such revision is known.
std::optional<model::Recommendation> rollbackRecommendation(const Context& ctx, const PodEvidence& pod,
                                                            std::string_view runbook);
// The same, from the ReplicaSet of the failing revision.
std::optional<model::Recommendation> rollbackFrom(const Context& ctx, const std::string& namespace_,
                                                  const std::string& deployment,
                                                  const std::string& replicaSet, std::string_view runbook);

// The outcome of a container start failure message (StartError, RunContainerError).
struct StartFailure {
  std::string_view ruleId;  // AIOPS-D102, D103, D109, or D305
  std::string command;      // the command named in the message, quoted, or ""
};
StartFailure classifyStartFailure(std::string_view message);

// Quantities as Kubernetes prints them; memory rounded up to whole MiB first.
std::string formatMemory(const Quantity& q);
std::int64_t mebibytesCeil(const Quantity& q);
Quantity mebibytes(std::int64_t mib);

}  // namespace aiops::diagnose

// Evidence: the read-only snapshot of the cluster that every diagnosis analyzer reads. Plain data only.
//
// src/diagnose/ turns Evidence into Findings. It uses src/model/ (the vocabulary) and src/kube/ for its
// typed views and quantities only; it never calls the transport or the executor. The collector
// (src/collect/) lists what the analyzers declare they need, in parallel, and hands the objects to
// EvidenceBuilder; unit tests build the same Evidence from YAML fixtures.
//
// Why a copy in plain structs rather than the JSON itself: analyzers then read typed fields with their
// defaults applied once, a test can state an Evidence literally, and the diagnosis cannot depend on
// anything the collector did not fetch. Secrets are reduced to their key names when the evidence is
// built: no value ever reaches an analyzer, a Finding or a log.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "kube/objects.h"
#include "kube/quantity.h"
#include "support/timestamps.h"

namespace aiops::diagnose {

using kube::Condition;
using kube::ContainerState;
using kube::Quantity;

// Names an object: kind, namespace ("" for cluster-scoped) and name.
struct ObjectKey {
  std::string kind;
  std::string namespace_;
  std::string name;
  friend auto operator<=>(const ObjectKey&, const ObjectKey&) = default;
};

struct OwnerLink {
  std::string apiVersion;
  std::string kind;
  std::string name;
  bool inferred = false;  // derived from naming (pod-template-hash), not read from the owner itself
  friend bool operator==(const OwnerLink&, const OwnerLink&) = default;
};

// Events about one object, aggregated by (type, reason, message): counts summed, first and last seen kept.
struct EventRecord {
  std::string type;  // Warning, Normal
  std::string reason;
  std::string message;
  std::int64_t count = 1;
  std::optional<WallTime> firstSeen;
  std::optional<WallTime> lastSeen;
  std::string source;     // kubelet, default-scheduler, replicaset-controller, ...
  std::string uid;        // involvedObject.uid: events of an earlier object with the same name differ
  std::string fieldPath;  // involvedObject.fieldPath: "spec.containers{app}" names the container
};

struct ProbeSpec {
  enum class Handler { None, Http, Tcp, Exec, Grpc };
  Handler handler = Handler::None;
  std::string path;                  // httpGet.path
  std::string port;                  // httpGet/tcpSocket/grpc port, as written (a number or a port name)
  std::string scheme;                // HTTP, HTTPS
  std::vector<std::string> command;  // exec.command
  std::int64_t initialDelaySeconds = 0;
  std::int64_t periodSeconds = 10;
  std::int64_t timeoutSeconds = 1;
  std::int64_t failureThreshold = 3;
  std::int64_t successThreshold = 1;
};

struct ContainerPort {
  std::string name;
  std::int64_t containerPort = 0;
  std::int64_t hostPort = 0;
  std::string protocol = "TCP";
};

// A reference from a container to a ConfigMap or Secret: one key (env valueFrom) or all keys (envFrom).
struct ConfigRef {
  enum class Kind { ConfigMap, Secret };
  Kind kind = Kind::ConfigMap;
  std::string name;
  std::string key;      // empty for envFrom (every key)
  std::string envName;  // the variable it fills, for env valueFrom
  bool optional = false;
};

struct ContainerUsage {
  std::optional<Quantity> cpu;         // metrics API, now
  std::optional<Quantity> memory;      // working set, now
  std::optional<Quantity> memoryPeak;  // highest working set seen in `peakWindow` (usage history)
  std::chrono::seconds peakWindow{0};
};

struct LogTail {
  bool fetched = false;
  std::string text;        // raw bytes as read: may be binary or invalid UTF-8
  bool truncated = false;  // cut at the byte limit
  std::string error;       // why it could not be read ("previous terminated container not found")
  // Not read: the pod named here fails the same way (same controller, container and failure), and its
  // log stands for this one. The collector reads a sample of each such group only.
  std::string sharedFrom;
};

struct ContainerEvidence {
  // Spec.
  std::string name;
  bool init = false;
  bool sidecar = false;  // an init container with restartPolicy Always
  std::string image;
  std::string imagePullPolicy;
  std::vector<std::string> command;
  std::vector<std::string> args;
  std::map<std::string, Quantity> requests;
  std::map<std::string, Quantity> limits;
  std::optional<ProbeSpec> liveness;
  std::optional<ProbeSpec> readiness;
  std::optional<ProbeSpec> startup;
  std::vector<ContainerPort> ports;
  std::vector<ConfigRef> configRefs;
  std::optional<bool> runAsNonRoot;  // container-level securityContext
  std::optional<std::int64_t> runAsUser;

  // Status (absent when the kubelet has not reported the container yet).
  bool hasStatus = false;
  bool ready = false;
  std::optional<bool> started;
  std::int64_t restartCount = 0;
  ContainerState state;
  ContainerState lastState;

  LogTail currentLog;
  LogTail previousLog;
  ContainerUsage usage;
};

struct Toleration {
  std::string key;
  std::string op;  // Equal (default), Exists
  std::string value;
  std::string effect;
  std::optional<std::int64_t> tolerationSeconds;
};

// One requirement of a node selector term (required node affinity): In, NotIn, Exists, DoesNotExist, Gt,
// Lt on a node label (matchExpressions) or field (matchFields: metadata.name).
struct NodeSelectorRequirement {
  std::string key;
  std::string op;
  std::vector<std::string> values;
  bool field = false;  // matchFields
};
using NodeSelectorTerm = std::vector<NodeSelectorRequirement>;  // requirements ANDed

struct VolumeRef {
  std::string name;
  std::string source;  // configMap, secret, persistentVolumeClaim, emptyDir, hostPath, projected, ...
  std::string object;  // the ConfigMap, Secret or claim it names
  bool optional = false;
};

struct PodEvidence {
  std::string namespace_;
  std::string name;
  std::string uid;
  std::map<std::string, std::string> labels;
  std::vector<OwnerLink> owners;  // the controller chain, the pod's own controller first
  std::optional<WallTime> created;
  std::optional<WallTime> deleted;  // deletionTimestamp

  std::string phase;   // Pending, Running, Succeeded, Failed, Unknown
  std::string reason;  // status.reason (Evicted, OutOfcpu, ...)
  std::string message;
  std::string displayStatus;  // kubectl's STATUS column
  std::string nodeName;
  std::optional<WallTime> startTime;
  std::vector<Condition> conditions;

  std::string restartPolicy = "Always";
  std::string serviceAccount;
  std::map<std::string, std::string> nodeSelector;
  bool hasNodeAffinity = false;
  // requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: terms ORed; empty when none.
  std::vector<NodeSelectorTerm> requiredNodeAffinity;
  std::vector<Toleration> tolerations;
  std::vector<std::string> imagePullSecrets;
  std::optional<bool> runAsNonRoot;  // pod-level securityContext
  std::optional<std::int64_t> runAsUser;
  std::vector<VolumeRef> volumes;
  std::vector<std::string> schedulingGates;

  std::vector<ContainerEvidence> initContainers;
  std::vector<ContainerEvidence> containers;

  std::string key() const { return namespace_ + "/" + name; }
};

// Deployment, ReplicaSet, StatefulSet, DaemonSet, Job or CronJob.
struct WorkloadEvidence {
  std::string kind;
  std::string apiVersion;
  std::string namespace_;
  std::string name;
  std::string uid;
  std::vector<OwnerLink> owners;  // its controller (ReplicaSet → Deployment, Job → CronJob)
  std::optional<WallTime> created;
  std::map<std::string, std::string> selector;  // matchLabels
  std::map<std::string, std::string> templateLabels;
  std::vector<ContainerEvidence> templateContainers;  // spec only
  std::vector<ContainerEvidence> templateInitContainers;
  std::string templateServiceAccount;
  bool hasTemplate = false;                     // the pod template was read (templateTolerations are known)
  std::vector<Toleration> templateTolerations;  // as written, without what admission adds to pods

  std::int64_t desired = 0;  // spec.replicas (default 1); DaemonSet: desiredNumberScheduled
  std::int64_t current = 0;  // status.replicas
  std::int64_t ready = 0;
  std::int64_t available = 0;
  std::int64_t updated = 0;
  std::optional<std::int64_t> revision;  // ReplicaSet: deployment.kubernetes.io/revision
  std::vector<Condition> conditions;

  // Jobs.
  std::optional<std::int64_t> backoffLimit;
  std::optional<std::int64_t> activeDeadlineSeconds;
  std::int64_t active = 0;
  std::int64_t succeeded = 0;
  std::int64_t failed = 0;
  std::optional<std::int64_t> completions;
  bool suspended = false;

  ObjectKey key() const { return ObjectKey{kind, namespace_, name}; }
};

struct NodeEvidence {
  std::string name;
  std::map<std::string, std::string> labels;
  std::vector<Condition> conditions;
  bool unschedulable = false;
  std::vector<kube::Taint> taints;
  std::map<std::string, Quantity> allocatable;
  std::optional<Quantity> cpuUsage;
  std::optional<Quantity> memoryUsage;
};

struct PvcEvidence {
  std::string namespace_;
  std::string name;
  std::optional<WallTime> created;
  std::string phase;             // Pending, Bound, Lost
  std::string storageClassName;  // empty: none requested (the default class applies, if any)
  bool storageClassSet = false;  // spec.storageClassName present (even "")
  std::string volumeName;
  std::vector<std::string> accessModes;
  std::optional<Quantity> requested;
};

struct PvEvidence {
  std::string name;
  std::string phase;
  std::string storageClassName;
  std::string claimNamespace;
  std::string claimName;
};

struct StorageClassEvidence {
  std::string name;
  std::string provisioner;
  std::string volumeBindingMode;  // Immediate (default), WaitForFirstConsumer
  bool isDefault = false;
};

struct ServiceEvidence {
  std::string namespace_;
  std::string name;
  std::string type;
  std::string clusterIP;
  std::map<std::string, std::string> selector;
  std::vector<kube::ServicePort> ports;
  bool endpointsRead = false;  // the Endpoints object was read (it may still not exist)
  bool endpointsExist = false;
  std::int64_t readyAddresses = 0;
  std::int64_t notReadyAddresses = 0;
  std::vector<std::string> notReadyPods;  // targetRef names of not-ready addresses
};

// A ConfigMap or Secret: its existence and key NAMES only, never values.
struct ConfigObjectEvidence {
  std::string namespace_;
  std::string name;
  std::string type;  // Secret type (Opaque, kubernetes.io/dockerconfigjson, ...); empty for ConfigMaps
  std::vector<std::string> keys;  // sorted
};

struct QuotaEvidence {
  std::string namespace_;
  std::string name;
  std::map<std::string, Quantity> hard;
  std::map<std::string, Quantity> used;
};

struct Unreadable {
  std::string what;   // "logs of container app in pod shop/web-1 (previous)"
  std::string error;  // the one-line error it failed with
  friend bool operator==(const Unreadable&, const Unreadable&) = default;
};

struct Evidence {
  std::vector<PodEvidence> pods;            // sorted by namespace and name
  std::vector<WorkloadEvidence> workloads;  // sorted by kind, namespace and name
  std::vector<NodeEvidence> nodes;
  std::vector<PvcEvidence> pvcs;
  std::vector<PvEvidence> pvs;
  std::vector<StorageClassEvidence> storageClasses;
  std::vector<ServiceEvidence> services;
  std::vector<ConfigObjectEvidence> configMaps;
  std::vector<ConfigObjectEvidence> secrets;
  std::vector<ObjectKey> serviceAccounts;
  std::vector<QuotaEvidence> quotas;
  std::map<ObjectKey, std::vector<EventRecord>> events;  // per involved object; each list newest last

  // What was listed completely, as "<resource>/<namespace>" ("configmaps/shop", "nodes/"): only then may an
  // analyzer conclude from absence that an object does not exist.
  std::set<std::string> listed;
  bool metricsAvailable = false;
  std::vector<Unreadable> unreadable;

  bool wasListed(const std::string& resource, const std::string& namespace_) const {
    return listed.count(resource + "/" + namespace_) > 0 || listed.count(resource + "/*") > 0;
  }
};

}  // namespace aiops::diagnose

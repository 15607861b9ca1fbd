// EvidenceBuilder: API objects (JSON) to plain Evidence, with owner chains, aggregated events and usage.
#include "diagnose/evidence_builder.h"

#include <algorithm>
#include <boost/json.hpp>
#include <utility>

namespace aiops::diagnose {
namespace {

namespace json = boost::json;
using kube::boolAt;
using kube::intAt;
using kube::lookup;
using kube::stringAt;
using kube::stringMapAt;

const json::array* arrayAt(const json::value* root, std::initializer_list<std::string_view> path) {
  const json::value* v = lookup(root, path);
  return v != nullptr ? v->if_array() : nullptr;
}

// A port or other int-or-string field, as text.
std::string intOrString(const json::value* v) {
  if (v == nullptr) return {};
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  return {};
}

std::optional<bool> optionalBool(const json::value* root, std::initializer_list<std::string_view> path) {
  const json::value* v = lookup(root, path);
  if (v == nullptr || !v->is_bool()) return std::nullopt;
  return v->get_bool();
}

std::vector<std::string> strings(const json::array* items) {
  std::vector<std::string> out;
  if (items == nullptr) return out;
  for (const json::value& item : *items) {
    if (item.is_string()) out.emplace_back(item.get_string());
  }
  return out;
}

std::optional<ProbeSpec> readProbe(const json::value* probe) {
  if (probe == nullptr || !probe->is_object()) return std::nullopt;
  ProbeSpec p;
  if (const json::value* http = lookup(probe, {"httpGet"})) {
    p.handler = ProbeSpec::Handler::Http;
    p.path = stringAt(http, {"path"});
    p.port = intOrString(lookup(http, {"port"}));
    p.scheme = stringAt(http, {"scheme"});
    if (p.scheme.empty()) p.scheme = "HTTP";
  } else if (const json::value* tcp = lookup(probe, {"tcpSocket"})) {
    p.handler = ProbeSpec::Handler::Tcp;
    p.port = intOrString(lookup(tcp, {"port"}));
  } else if (const json::value* exec = lookup(probe, {"exec"})) {
    p.handler = ProbeSpec::Handler::Exec;
    p.command = strings(arrayAt(exec, {"command"}));
  } else if (const json::value* grpc = lookup(probe, {"grpc"})) {
    p.handler = ProbeSpec::Handler::Grpc;
    p.port = intOrString(lookup(grpc, {"port"}));
  }
  p.initialDelaySeconds = intAt(probe, {"initialDelaySeconds"}).value_or(0);
  p.periodSeconds = intAt(probe, {"periodSeconds"}).value_or(10);
  p.timeoutSeconds = intAt(probe, {"timeoutSeconds"}).value_or(1);
  p.failureThreshold = intAt(probe, {"failureThreshold"}).value_or(3);
  p.successThreshold = intAt(probe, {"successThreshold"}).value_or(1);
  return p;
}

ContainerEvidence readContainerSpec(const json::value& c, bool init) {
  ContainerEvidence e;
  e.name = stringAt(&c, {"name"});
  e.init = init;
  e.sidecar = init && stringAt(&c, {"restartPolicy"}) == "Always";
  e.image = stringAt(&c, {"image"});
  e.imagePullPolicy = stringAt(&c, {"imagePullPolicy"});
  e.command = strings(arrayAt(&c, {"command"}));
  e.args = strings(arrayAt(&c, {"args"}));
  e.requests = kube::quantitiesAt(&c, {"resources", "requests"});
  e.limits = kube::quantitiesAt(&c, {"resources", "limits"});
  e.liveness = readProbe(lookup(&c, {"livenessProbe"}));
  e.readiness = readProbe(lookup(&c, {"readinessProbe"}));
  e.startup = readProbe(lookup(&c, {"startupProbe"}));
  if (const json::array* ports = arrayAt(&c, {"ports"})) {
    for (const json::value& p : *ports) {
      ContainerPort port;
      port.name = stringAt(&p, {"name"});
      port.containerPort = intAt(&p, {"containerPort"}).value_or(0);
      port.hostPort = intAt(&p, {"hostPort"}).value_or(0);
      port.protocol = stringAt(&p, {"protocol"});
      if (port.protocol.empty()) port.protocol = "TCP";
      e.ports.push_back(std::move(port));
    }
  }
  if (const json::array* env = arrayAt(&c, {"env"})) {
    for (const json::value& var : *env) {
      for (auto [field, kind] : {std::pair{"configMapKeyRef", ConfigRef::Kind::ConfigMap},
                                 std::pair{"secretKeyRef", ConfigRef::Kind::Secret}}) {
        const json::value* ref = lookup(&var, {"valueFrom", field});
        if (ref == nullptr) continue;
        e.configRefs.push_back(ConfigRef{kind, stringAt(ref, {"name"}), stringAt(ref, {"key"}),
                                         stringAt(&var, {"name"}), boolAt(ref, {"optional"})});
      }
    }
  }
  if (const json::array* envFrom = arrayAt(&c, {"envFrom"})) {
    for (const json::value& source : *envFrom) {
      for (auto [field, kind] : {std::pair{"configMapRef", ConfigRef::Kind::ConfigMap},
                                 std::pair{"secretRef", ConfigRef::Kind::Secret}}) {
        const json::value* ref = lookup(&source, {field});
        if (ref == nullptr) continue;
        e.configRefs.push_back(ConfigRef{kind, stringAt(ref, {"name"}), "", "", boolAt(ref, {"optional"})});
      }
    }
  }
  e.runAsNonRoot = optionalBool(&c, {"securityContext", "runAsNonRoot"});
  e.runAsUser = intAt(&c, {"securityContext", "runAsUser"});
  return e;
}

std::vector<ContainerEvidence> readContainerSpecs(const json::value* podSpec, std::string_view field,
                                                  bool init) {
  std::vector<ContainerEvidence> out;
  if (const json::array* items = arrayAt(podSpec, {field})) {
    for (const json::value& c : *items)
      out.push_back(readContainerSpec(c, init));
  }
  return out;
}

void applyStatus(ContainerEvidence& c, const kube::ContainerStatus& s) {
  c.hasStatus = true;
  c.ready = s.ready;
  c.started = s.started;
  c.restartCount = s.restartCount;
  c.state = s.state;
  c.lastState = s.lastState;
  if (c.image.empty()) c.image = s.image;
}

std::optional<OwnerLink> controllerOf(const kube::ObjectView& view) {
  auto owner = view.controllerOwner();
  if (!owner) {
    // Some objects list their owner without controller: true; the first owner is still the best guess.
    auto all = view.ownerReferences();
    if (all.empty()) return std::nullopt;
    owner = all.front();
  }
  return OwnerLink{owner->apiVersion, owner->kind, owner->name, false};
}

std::vector<NodeSelectorTerm> readRequiredNodeAffinity(const json::value* podSpec) {
  std::vector<NodeSelectorTerm> terms;
  const json::array* items = arrayAt(
      podSpec,
      {"affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"});
  if (items == nullptr) return terms;
  for (const json::value& t : *items) {
    NodeSelectorTerm term;
    for (std::string_view list : {"matchExpressions", "matchFields"}) {
      const json::array* requirements = arrayAt(&t, {list});
      if (requirements == nullptr) continue;
      for (const json::value& r : *requirements) {
        NodeSelectorRequirement req{
            stringAt(&r, {"key"}), stringAt(&r, {"operator"}), {}, list == "matchFields"};
        if (const json::array* values = arrayAt(&r, {"values"})) {
          for (const json::value& v : *values) {
            if (v.is_string()) req.values.emplace_back(v.get_string());
          }
        }
        term.push_back(std::move(req));
      }
    }
    terms.push_back(std::move(term));
  }
  return terms;
}

std::vector<Toleration> readTolerations(const json::value* podSpec) {
  std::vector<Toleration> out;
  if (const json::array* items = arrayAt(podSpec, {"tolerations"})) {
    for (const json::value& t : *items) {
      out.push_back(Toleration{stringAt(&t, {"key"}), stringAt(&t, {"operator"}), stringAt(&t, {"value"}),
                               stringAt(&t, {"effect"}), intAt(&t, {"tolerationSeconds"})});
    }
  }
  return out;
}

std::vector<VolumeRef> readVolumes(const json::value* podSpec) {
  std::vector<VolumeRef> out;
  const json::array* items = arrayAt(podSpec, {"volumes"});
  if (items == nullptr) return out;
  for (const json::value& v : *items) {
    VolumeRef ref;
    ref.name = stringAt(&v, {"name"});
    if (const json::value* cm = lookup(&v, {"configMap"})) {
      ref.source = "configMap";
      ref.object = stringAt(cm, {"name"});
      ref.optional = boolAt(cm, {"optional"});
    } else if (const json::value* secret = lookup(&v, {"secret"})) {
      ref.source = "secret";
      ref.object = stringAt(secret, {"secretName"});
      ref.optional = boolAt(secret, {"optional"});
    } else if (const json::value* claim = lookup(&v, {"persistentVolumeClaim"})) {
      ref.source = "persistentVolumeClaim";
      ref.object = stringAt(claim, {"claimName"});
    } else if (const json::object* o = v.if_object()) {
      for (const auto& member : *o) {
        if (member.key() != "name") {
          ref.source = std::string(member.key());
          break;
        }
      }
    }
    out.push_back(std::move(ref));
  }
  return out;
}

std::vector<std::string> keysOf(const json::value* root, std::initializer_list<std::string_view> fields) {
  std::vector<std::string> keys;
  for (std::string_view field : fields) {
    const json::value* v = lookup(root, {field});
    if (v == nullptr || !v->is_object()) continue;
    for (const auto& member : v->get_object())
      keys.emplace_back(member.key());
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

std::int64_t countOf(const json::value* root, std::initializer_list<std::string_view> path) {
  return intAt(root, path).value_or(0);
}

}  // namespace

bool EvidenceBuilder::add(const json::value& object) {
  std::string kind = stringAt(&object, {"kind"});
  if (kind.size() > 4 && kind.ends_with("List")) {
    const json::array* items = arrayAt(&object, {"items"});
    std::string itemKind = kind.substr(0, kind.size() - 4);
    bool any = true;
    if (items != nullptr) {
      for (const json::value& item : *items) {
        std::string own = stringAt(&item, {"kind"});
        any = addAs(own.empty() ? itemKind : own, item) && any;
      }
    }
    return any;
  }
  return addAs(kind, object);
}

bool EvidenceBuilder::addAs(const std::string& kind, const json::value& object) {
  kube::ObjectView view(object);
  if (kind == "Pod") {
    addPod(object);
  } else if (kind == "Event") {
    addEvent(object);
  } else if (kind == "Deployment" || kind == "ReplicaSet" || kind == "StatefulSet" || kind == "DaemonSet" ||
             kind == "Job" || kind == "CronJob") {
    addWorkload(kind, object);
  } else if (kind == "Node") {
    kube::NodeView node(object);
    NodeEvidence n;
    n.name = node.name();
    n.labels = node.labels();
    n.conditions = node.conditions();
    n.unschedulable = node.unschedulable();
    n.taints = node.taints();
    n.allocatable = node.allocatable();
    evidence_.nodes.push_back(std::move(n));
  } else if (kind == "PersistentVolumeClaim") {
    kube::PersistentVolumeClaimView pvc(object);
    PvcEvidence p;
    p.namespace_ = pvc.namespace_();
    p.name = pvc.name();
    p.created = pvc.creationTimestamp();
    p.phase = pvc.phase();
    p.storageClassName = pvc.storageClassName();
    p.storageClassSet = lookup(&object, {"spec", "storageClassName"}) != nullptr;
    p.volumeName = pvc.volumeName();
    p.accessModes = pvc.accessModes();
    p.requested = pvc.requestedStorage();
    evidence_.pvcs.push_back(std::move(p));
  } else if (kind == "PersistentVolume") {
    evidence_.pvs.push_back(PvEvidence{view.name(), stringAt(&object, {"status", "phase"}),
                                       stringAt(&object, {"spec", "storageClassName"}),
                                       stringAt(&object, {"spec", "claimRef", "namespace"}),
                                       stringAt(&object, {"spec", "claimRef", "name"})});
  } else if (kind == "StorageClass") {
    StorageClassEvidence sc;
    sc.name = view.name();
    sc.provisioner = stringAt(&object, {"provisioner"});
    sc.volumeBindingMode = stringAt(&object, {"volumeBindingMode"});
    if (sc.volumeBindingMode.empty()) sc.volumeBindingMode = "Immediate";
    auto annotations = view.annotations();
    sc.isDefault = annotations["storageclass.kubernetes.io/is-default-class"] == "true";
    evidence_.storageClasses.push_back(std::move(sc));
  } else if (kind == "Service") {
    kube::ServiceView svc(object);
    ServiceEvidence s;
    s.namespace_ = svc.namespace_();
    s.name = svc.name();
    s.type = svc.type();
    s.clusterIP = svc.clusterIP();
    s.selector = svc.selector();
    s.ports = svc.ports();
    evidence_.services.push_back(std::move(s));
  } else if (kind == "Endpoints") {
    EndpointsData data;
    if (const json::array* subsets = arrayAt(&object, {"subsets"})) {
      for (const json::value& subset : *subsets) {
        if (const json::array* ready = arrayAt(&subset, {"addresses"})) {
          data.ready += static_cast<std::int64_t>(ready->size());
        }
        if (const json::array* notReady = arrayAt(&subset, {"notReadyAddresses"})) {
          data.notReady += static_cast<std::int64_t>(notReady->size());
          for (const json::value& address : *notReady) {
            std::string pod = stringAt(&address, {"targetRef", "name"});
            if (!pod.empty()) data.notReadyPods.push_back(std::move(pod));
          }
        }
      }
    }
    endpoints_[{view.namespace_(), view.name()}] = std::move(data);
  } else if (kind == "ConfigMap") {
    evidence_.configMaps.push_back(
        ConfigObjectEvidence{view.namespace_(), view.name(), "", keysOf(&object, {"data", "binaryData"})});
  } else if (kind == "Secret") {
    // Key names only: the values are never copied out of the JSON.
    evidence_.secrets.push_back(ConfigObjectEvidence{view.namespace_(), view.name(),
                                                     stringAt(&object, {"type"}),
                                                     keysOf(&object, {"data", "stringData"})});
  } else if (kind == "ServiceAccount") {
    evidence_.serviceAccounts.push_back(ObjectKey{"ServiceAccount", view.namespace_(), view.name()});
  } else if (kind == "ResourceQuota") {
    QuotaEvidence q;
    q.namespace_ = view.namespace_();
    q.name = view.name();
    q.hard = kube::quantitiesAt(&object, {"status", "hard"});
    if (q.hard.empty()) q.hard = kube::quantitiesAt(&object, {"spec", "hard"});
    q.used = kube::quantitiesAt(&object, {"status", "used"});
    evidence_.quotas.push_back(std::move(q));
  } else if (kind == "PodMetrics") {
    addPodMetrics(object);
  } else if (kind == "NodeMetrics") {
    auto usage = kube::quantitiesAt(&object, {"usage"});
    Usage u;
    if (auto it = usage.find("cpu"); it != usage.end()) u.cpu = it->second;
    if (auto it = usage.find("memory"); it != usage.end()) u.memory = it->second;
    nodeUsage_[view.name()] = u;
    evidence_.metricsAvailable = true;
  } else {
    return false;
  }
  return true;
}

void EvidenceBuilder::addPod(const json::value& object) {
  kube::PodView view(object);
  PodEvidence p;
  p.namespace_ = view.namespace_();
  p.name = view.name();
  p.uid = view.uid();
  p.labels = view.labels();
  if (auto owner = controllerOf(view)) p.owners.push_back(*owner);
  p.created = view.creationTimestamp();
  p.deleted = view.deletionTimestamp();
  p.phase = view.phase();
  p.reason = view.reason();
  p.message = view.message();
  p.displayStatus = view.displayStatus();
  p.nodeName = view.nodeName();
  p.startTime = view.startTime();
  p.conditions = view.conditions();

  const json::value* spec = lookup(&object, {"spec"});
  p.restartPolicy = stringAt(spec, {"restartPolicy"});
  if (p.restartPolicy.empty()) p.restartPolicy = "Always";
  p.serviceAccount = stringAt(spec, {"serviceAccountName"});
  p.nodeSelector = stringMapAt(spec, {"nodeSelector"});
  p.hasNodeAffinity = lookup(spec, {"affinity", "nodeAffinity"}) != nullptr;
  p.requiredNodeAffinity = readRequiredNodeAffinity(spec);
  p.tolerations = readTolerations(spec);
  if (const json::array* secrets = arrayAt(spec, {"imagePullSecrets"})) {
    for (const json::value& s : *secrets)
      p.imagePullSecrets.push_back(stringAt(&s, {"name"}));
  }
  p.runAsNonRoot = optionalBool(spec, {"securityContext", "runAsNonRoot"});
  p.runAsUser = intAt(spec, {"securityContext", "runAsUser"});
  p.volumes = readVolumes(spec);
  if (const json::array* gates = arrayAt(spec, {"schedulingGates"})) {
    for (const json::value& g : *gates)
      p.schedulingGates.push_back(stringAt(&g, {"name"}));
  }
  p.initContainers = readContainerSpecs(spec, "initContainers", true);
  p.containers = readContainerSpecs(spec, "containers", false);
  for (const kube::ContainerStatus& s : view.initContainerStatuses()) {
    for (ContainerEvidence& c : p.initContainers) {
      if (c.name == s.name) applyStatus(c, s);
    }
  }
  for (const kube::ContainerStatus& s : view.containerStatuses()) {
    for (ContainerEvidence& c : p.containers) {
      if (c.name == s.name) applyStatus(c, s);
    }
  }
  evidence_.pods.push_back(std::move(p));
}

void EvidenceBuilder::addEvent(const json::value& object) {
  kube::EventView view(object);
  kube::ObjectReference involved = view.involvedObject();
  if (involved.kind.empty() || involved.name.empty()) return;
  ObjectKey key{involved.kind, involved.namespace_, involved.name};
  EventRecord record;
  record.type = view.type();
  record.reason = view.reason();
  record.message = view.message();
  record.count = view.count();
  record.firstSeen = view.firstTimestamp();
  record.lastSeen = view.lastTimestamp();
  record.source = view.source();
  record.uid = involved.uid;
  record.fieldPath = involved.fieldPath;
  std::vector<EventRecord>& list = evidence_.events[key];
  for (EventRecord& existing : list) {
    if (existing.type == record.type && existing.reason == record.reason &&
        existing.message == record.message && existing.uid == record.uid &&
        existing.fieldPath == record.fieldPath) {
      existing.count += record.count;
      if (record.firstSeen && (!existing.firstSeen || *record.firstSeen < *existing.firstSeen))
        existing.firstSeen = record.firstSeen;
      if (record.lastSeen && (!existing.lastSeen || *record.lastSeen > *existing.lastSeen))
        existing.lastSeen = record.lastSeen;
      return;
    }
  }
  list.push_back(std::move(record));
}

void EvidenceBuilder::addWorkload(const std::string& kind, const json::value& object) {
  kube::ObjectView view(object);
  WorkloadEvidence w;
  w.kind = kind;
  w.apiVersion = view.apiVersion();
  if (w.apiVersion.empty()) w.apiVersion = (kind == "Job" || kind == "CronJob") ? "batch/v1" : "apps/v1";
  w.namespace_ = view.namespace_();
  w.name = view.name();
  w.uid = view.uid();
  if (auto owner = controllerOf(view)) w.owners.push_back(*owner);
  w.created = view.creationTimestamp();
  w.selector = stringMapAt(&object, {"spec", "selector", "matchLabels"});
  w.conditions.clear();
  if (const json::array* conditions = arrayAt(&object, {"status", "conditions"})) {
    for (const json::value& c : *conditions) {
      w.conditions.push_back(Condition{stringAt(&c, {"type"}), stringAt(&c, {"status"}),
                                       stringAt(&c, {"reason"}), stringAt(&c, {"message"}),
                                       kube::timeAt(&c, {"lastTransitionTime"})});
    }
  }
  const json::value* podTemplate = kind == "CronJob"
                                       ? lookup(&object, {"spec", "jobTemplate", "spec", "template"})
                                       : lookup(&object, {"spec", "template"});
  w.templateLabels = stringMapAt(podTemplate, {"metadata", "labels"});
  const json::value* podSpec = lookup(podTemplate, {"spec"});
  w.templateContainers = readContainerSpecs(podSpec, "containers", false);
  w.templateInitContainers = readContainerSpecs(podSpec, "initContainers", true);
  w.templateServiceAccount = stringAt(podSpec, {"serviceAccountName"});
  w.hasTemplate = podSpec != nullptr;
  w.templateTolerations = readTolerations(podSpec);

  const json::value* status = lookup(&object, {"status"});
  if (kind == "DaemonSet") {
    w.desired = countOf(status, {"desiredNumberScheduled"});
    w.current = countOf(status, {"currentNumberScheduled"});
    w.ready = countOf(status, {"numberReady"});
    w.available = countOf(status, {"numberAvailable"});
    w.updated = countOf(status, {"updatedNumberScheduled"});
  } else if (kind == "Job" || kind == "CronJob") {
    const json::value* jobSpec =
        kind == "CronJob" ? lookup(&object, {"spec", "jobTemplate", "spec"}) : lookup(&object, {"spec"});
    w.backoffLimit = intAt(jobSpec, {"backoffLimit"}).value_or(6);
    w.activeDeadlineSeconds = intAt(jobSpec, {"activeDeadlineSeconds"});
    w.completions = intAt(jobSpec, {"completions"});
    w.suspended = boolAt(&object, {"spec", "suspend"});
    w.active = kind == "Job"
                   ? countOf(status, {"active"})
                   : static_cast<std::int64_t>(
                         arrayAt(status, {"active"}) != nullptr ? arrayAt(status, {"active"})->size() : 0);
    w.succeeded = countOf(status, {"succeeded"});
    w.failed = countOf(status, {"failed"});
  } else {
    w.desired = intAt(&object, {"spec", "replicas"}).value_or(1);
    w.current = countOf(status, {"replicas"});
    w.ready = countOf(status, {"readyReplicas"});
    w.available = countOf(status, {"availableReplicas"});
    w.updated = countOf(status, {"updatedReplicas"});
    if (kind == "ReplicaSet") w.revision = kube::ReplicaSetView(object).revision();
  }
  evidence_.workloads.push_back(std::move(w));
}

void EvidenceBuilder::addPodMetrics(const json::value& object) {
  kube::ObjectView view(object);
  evidence_.metricsAvailable = true;
  const json::array* containers = arrayAt(&object, {"containers"});
  if (containers == nullptr) return;
  for (const json::value& c : *containers) {
    auto usage = kube::quantitiesAt(&c, {"usage"});
    Usage u;
    if (auto it = usage.find("cpu"); it != usage.end()) u.cpu = it->second;
    if (auto it = usage.find("memory"); it != usage.end()) u.memory = it->second;
    usage_[{view.namespace_(), view.name(), stringAt(&c, {"name"})}] = u;
  }
}

void EvidenceBuilder::setLogs(const std::string& namespace_, const std::string& pod,
                              const std::string& container, bool previous, LogTail tail) {
  tail.fetched = tail.fetched || tail.error.empty();
  (previous ? previousLogs_ : currentLogs_)[{namespace_, pod, container}] = std::move(tail);
}

void EvidenceBuilder::setMemoryPeak(const std::string& namespace_, const std::string& pod,
                                    const std::string& container, Quantity peak,
                                    std::chrono::seconds window) {
  peaks_[{namespace_, pod, container}] = {peak, window};
}

void EvidenceBuilder::markListed(const std::string& resource, const std::string& namespace_) {
  evidence_.listed.insert(resource + "/" + namespace_);
}

void EvidenceBuilder::addUnreadable(std::string what, std::string error) {
  evidence_.unreadable.push_back(Unreadable{std::move(what), std::move(error)});
}

Evidence EvidenceBuilder::build() {
  Evidence e = std::move(evidence_);
  evidence_ = Evidence{};

  std::sort(e.workloads.begin(), e.workloads.end(),
            [](const WorkloadEvidence& a, const WorkloadEvidence& b) { return a.key() < b.key(); });
  auto findWorkload = [&](const std::string& kind, const std::string& ns,
                          const std::string& name) -> const WorkloadEvidence* {
    ObjectKey key{kind, ns, name};
    auto it = std::lower_bound(e.workloads.begin(), e.workloads.end(), key,
                               [](const WorkloadEvidence& w, const ObjectKey& k) { return w.key() < k; });
    return it != e.workloads.end() && it->key() == key ? &*it : nullptr;
  };
  // Follows controller owners upwards; at most 5 hops, so a cycle in bad data cannot loop.
  auto extend = [&](std::vector<OwnerLink>& chain, const std::string& ns,
                    const std::map<std::string, std::string>& labels) {
    for (int hop = 0; hop < 5 && !chain.empty(); ++hop) {
      const OwnerLink& last = chain.back();
      const WorkloadEvidence* owner = findWorkload(last.kind, ns, last.name);
      if (owner != nullptr) {
        if (owner->owners.empty()) return;
        chain.push_back(owner->owners.front());
        continue;
      }
      // A ReplicaSet we could not read: a Deployment's ReplicaSets are named
      // <deployment>-<pod-template-hash>.
      auto hash = labels.find("pod-template-hash");
      if (last.kind == "ReplicaSet" && hash != labels.end() && !hash->second.empty() &&
          last.name.size() > hash->second.size() + 1 && last.name.ends_with("-" + hash->second)) {
        chain.push_back(OwnerLink{"apps/v1", "Deployment",
                                  last.name.substr(0, last.name.size() - hash->second.size() - 1), true});
      }
      return;
    }
  };
  for (WorkloadEvidence& w : e.workloads)
    extend(w.owners, w.namespace_, w.templateLabels);

  for (PodEvidence& pod : e.pods) {
    extend(pod.owners, pod.namespace_, pod.labels);
    for (auto* containers : {&pod.initContainers, &pod.containers}) {
      for (ContainerEvidence& c : *containers) {
        ContainerKey key{pod.namespace_, pod.name, c.name};
        if (auto it = currentLogs_.find(key); it != currentLogs_.end()) c.currentLog = std::move(it->second);
        if (auto it = previousLogs_.find(key); it != previousLogs_.end())
          c.previousLog = std::move(it->second);
        if (auto it = usage_.find(key); it != usage_.end()) {
          c.usage.cpu = it->second.cpu;
          c.usage.memory = it->second.memory;
        }
        if (auto it = peaks_.find(key); it != peaks_.end()) {
          c.usage.memoryPeak = it->second.first;
          c.usage.peakWindow = it->second.second;
        }
      }
    }
  }
  std::sort(e.pods.begin(), e.pods.end(), [](const PodEvidence& a, const PodEvidence& b) {
    return std::tie(a.namespace_, a.name) < std::tie(b.namespace_, b.name);
  });

  for (NodeEvidence& node : e.nodes) {
    if (auto it = nodeUsage_.find(node.name); it != nodeUsage_.end()) {
      node.cpuUsage = it->second.cpu;
      node.memoryUsage = it->second.memory;
    }
  }
  std::sort(e.nodes.begin(), e.nodes.end(),
            [](const NodeEvidence& a, const NodeEvidence& b) { return a.name < b.name; });

  for (ServiceEvidence& s : e.services) {
    s.endpointsRead = e.wasListed("endpoints", s.namespace_);
    if (auto it = endpoints_.find({s.namespace_, s.name}); it != endpoints_.end()) {
      s.endpointsRead = true;
      s.endpointsExist = true;
      s.readyAddresses = it->second.ready;
      s.notReadyAddresses = it->second.notReady;
      s.notReadyPods = it->second.notReadyPods;
      std::sort(s.notReadyPods.begin(), s.notReadyPods.end());
    }
  }
  auto byNamespaceName = [](const auto& a, const auto& b) {
    return std::tie(a.namespace_, a.name) < std::tie(b.namespace_, b.name);
  };
  std::sort(e.services.begin(), e.services.end(), byNamespaceName);
  std::sort(e.pvcs.begin(), e.pvcs.end(), byNamespaceName);
  std::sort(e.configMaps.begin(), e.configMaps.end(), byNamespaceName);
  std::sort(e.secrets.begin(), e.secrets.end(), byNamespaceName);
  std::sort(e.quotas.begin(), e.quotas.end(), byNamespaceName);
  std::sort(e.serviceAccounts.begin(), e.serviceAccounts.end());
  std::sort(e.pvs.begin(), e.pvs.end(),
            [](const PvEvidence& a, const PvEvidence& b) { return a.name < b.name; });
  std::sort(e.storageClasses.begin(), e.storageClasses.end(),
            [](const StorageClassEvidence& a, const StorageClassEvidence& b) { return a.name < b.name; });
  for (auto& [key, list] : e.events) {
    std::stable_sort(list.begin(), list.end(), [](const EventRecord& a, const EventRecord& b) {
      WallTime ta = a.lastSeen.value_or(WallTime{});
      WallTime tb = b.lastSeen.value_or(WallTime{});
      return std::tie(ta, a.reason, a.message) < std::tie(tb, b.reason, b.message);
    });
  }

  currentLogs_.clear();
  previousLogs_.clear();
  usage_.clear();
  peaks_.clear();
  nodeUsage_.clear();
  endpoints_.clear();
  return e;
}

}  // namespace aiops::diagnose

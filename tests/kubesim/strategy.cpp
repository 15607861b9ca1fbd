// What the real API server's registry strategies, defaulting functions and admission plugins do to an object
// on its way to storage: status resets on create, the defaults `kubectl get -o yaml` shows on a real cluster
// (pkg/apis/*/v1/defaults.go), name format checks, ServiceAccount admission for pods, Service IP
// allocation and the pod-update restrictions.
#include <fmt/format.h>

#include <algorithm>
#include <regex>
#include <set>

#include "api.h"
#include "errors.h"

namespace kubesim {

namespace json = boost::json;

namespace {

json::object& objectAt(json::object& parent, std::string_view key) {
  json::value& v = parent[key];
  if (!v.is_object()) v = json::object{};
  return v.get_object();
}

void setDefault(json::object& o, std::string_view key, json::value value) {
  if (!o.contains(key) || o.at(key).is_null()) o[key] = std::move(value);
}

void forEachObject(json::object& parent, std::string_view key, const std::function<void(json::object&)>& f) {
  auto it = parent.find(key);
  if (it == parent.end() || !it->value().is_array()) return;
  for (json::value& v : it->value().get_array())
    if (v.is_object()) f(v.get_object());
}

void defaultProbe(json::object& container, std::string_view key) {
  json::object* probe = objectField(container, key);
  if (!probe) return;
  setDefault(*probe, "timeoutSeconds", 1);
  setDefault(*probe, "periodSeconds", 10);
  setDefault(*probe, "successThreshold", 1);
  setDefault(*probe, "failureThreshold", 3);
  if (json::object* http = objectField(*probe, "httpGet")) setDefault(*http, "scheme", "HTTP");
}

void defaultContainer(json::object& c) {
  std::string image(stringField(c, "image"));
  std::string lastSegment = image.substr(image.rfind('/') == std::string::npos ? 0 : image.rfind('/') + 1);
  bool latest = image.find('@') == std::string::npos &&
                (lastSegment.find(':') == std::string::npos || lastSegment.ends_with(":latest"));
  setDefault(c, "imagePullPolicy", latest ? "Always" : "IfNotPresent");
  setDefault(c, "terminationMessagePath", "/dev/termination-log");
  setDefault(c, "terminationMessagePolicy", "File");
  setDefault(c, "resources", json::object{});
  forEachObject(c, "ports", [](json::object& p) { setDefault(p, "protocol", "TCP"); });
  forEachObject(c, "env", [](json::object& e) {
    if (json::object* from = objectField(e, "valueFrom"))
      if (json::object* ref = objectField(*from, "fieldRef")) setDefault(*ref, "apiVersion", "v1");
  });
  for (std::string_view probe : {"livenessProbe", "readinessProbe", "startupProbe"})
    defaultProbe(c, probe);
}

void defaultPodSpec(json::object& spec) {
  setDefault(spec, "restartPolicy", "Always");
  setDefault(spec, "terminationGracePeriodSeconds", 30);
  setDefault(spec, "dnsPolicy", "ClusterFirst");
  setDefault(spec, "securityContext", json::object{});
  setDefault(spec, "schedulerName", "default-scheduler");
  forEachObject(spec, "containers", defaultContainer);
  forEachObject(spec, "initContainers", defaultContainer);
  forEachObject(spec, "volumes", [](json::object& v) {
    for (std::string_view source : {"configMap", "secret", "projected", "downwardAPI"})
      if (json::object* s = objectField(v, source)) setDefault(*s, "defaultMode", 420);
  });
}

void defaultTemplate(json::object& spec) {
  if (json::object* tmpl = objectField(spec, "template"))
    if (json::object* podSpec = objectField(*tmpl, "spec")) defaultPodSpec(*podSpec);
}

// A quantity's value for comparing requests with limits; exact text equality is enough for QoS here since
// the same quantity written twice is the common case, with a numeric fallback for plain numbers.
bool sameQuantity(const json::value& a, const json::value& b) {
  if (a == b) return true;
  if (a.is_string() && b.is_string()) return a.get_string() == b.get_string();
  return toJson(a) == toJson(b);
}

std::string qosClass(const json::object& spec) {
  bool anySet = false, guaranteed = true;
  auto visit = [&](const json::object& c) {
    const json::object* res = objectField(c, "resources");
    const json::object* req = res ? objectField(*res, "requests") : nullptr;
    const json::object* lim = res ? objectField(*res, "limits") : nullptr;
    for (std::string_view r : {"cpu", "memory"}) {
      const json::value* rq = req && req->contains(r) ? &req->at(r) : nullptr;
      const json::value* lm = lim && lim->contains(r) ? &lim->at(r) : nullptr;
      if (rq || lm) anySet = true;
      if (!lm || (rq && !sameQuantity(*rq, *lm))) guaranteed = false;
    }
  };
  for (std::string_view key : {"containers", "initContainers"}) {
    auto it = spec.find(key);
    if (it == spec.end() || !it->value().is_array()) continue;
    for (const json::value& c : it->value().get_array())
      if (c.is_object()) visit(c.get_object());
  }
  if (!anySet) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

const char* kSubdomainMessage =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const char* kLabelMessage =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
    "and "
    "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const char* kDns1035Message =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
    "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

// The metadata.name problems of `name` for `type`, in the real validators' words.
std::vector<FieldCause> nameProblems(const ResourceType& type, bool custom, std::string_view name) {
  static const std::regex subdomain("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  static const std::regex label("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  static const std::regex dns1035("[a-z]([-a-z0-9]*[a-z0-9])?");
  std::vector<FieldCause> out;
  std::string quoted = toJson(json::string(name));
  auto add = [&](const std::string& why) {
    out.push_back({"FieldValueInvalid", "metadata.name", fmt::format("Invalid value: {}: {}", quoted, why)});
  };
  std::string n(name);
  bool pathSegmentOnly = custom || type.group == "rbac.authorization.k8s.io";
  if (pathSegmentOnly) {
    if (n == "." || n == "..") add(fmt::format("may not be '{}'", n));
    if (n.find('/') != std::string::npos) add("may not contain '/'");
    if (n.find('%') != std::string::npos) add("may not contain '%'");
    return out;
  }
  if (type.group.empty() && type.plural == "namespaces") {
    if (n.size() > 63) add("must be no more than 63 characters");
    if (!std::regex_match(n, label)) add(kLabelMessage);
  } else if (type.group.empty() && type.plural == "services") {
    if (n.size() > 63) add("must be no more than 63 characters");
    if (!std::regex_match(n, dns1035)) add(kDns1035Message);
  } else {
    if (n.size() > 253) add("must be no more than 253 characters");
    if (!std::regex_match(n, subdomain)) add(kSubdomainMessage);
  }
  return out;
}

}  // namespace

void defaultHpaV2(json::object& object) {
  json::object& spec = objectAt(object, "spec");
  setDefault(spec, "minReplicas", 1);
  auto metrics = spec.find("metrics");
  if (metrics == spec.end() || !metrics->value().is_array() || metrics->value().get_array().empty())
    spec["metrics"] = json::array{json::object{
        {"type", "Resource"},
        {"resource",
         json::object{{"name", "cpu"},
                      {"target", json::object{{"type", "Utilization"}, {"averageUtilization", 80}}}}}}};
  json::object& behavior = objectAt(spec, "behavior");
  json::object& up = objectAt(behavior, "scaleUp");
  setDefault(up, "stabilizationWindowSeconds", 0);
  setDefault(up, "selectPolicy", "Max");
  setDefault(up, "policies",
             json::array{json::object{{"type", "Pods"}, {"value", 4}, {"periodSeconds", 15}},
                         json::object{{"type", "Percent"}, {"value", 100}, {"periodSeconds", 15}}});
  json::object& down = objectAt(behavior, "scaleDown");
  setDefault(down, "stabilizationWindowSeconds", 300);
  setDefault(down, "selectPolicy", "Max");
  setDefault(down, "policies",
             json::array{json::object{{"type", "Percent"}, {"value", 100}, {"periodSeconds", 15}}});
}

std::string ApiServer::allocateClusterIp() {
  std::set<std::string> used;
  for (const ObjectPtr& svc : store_.list({"", "services"}).items)
    if (const json::object* spec = objectField(*svc, "spec"))
      used.insert(std::string(stringField(*spec, "clusterIP")));
  for (;;) {
    unsigned n = nextClusterIp_++;
    std::string ip = fmt::format("10.96.{}.{}", n / 250, n % 250 + 1);
    if (!used.count(ip)) return ip;
  }
}

void ApiServer::applyDefaults(const ResourceType& type, json::object& object) {
  json::object& meta = metadataOf(object);
  const std::string& g = type.group;
  const std::string& p = type.plural;
  if (g.empty() && p == "pods") {
    json::object& spec = objectAt(object, "spec");
    defaultPodSpec(spec);
    setDefault(spec, "enableServiceLinks", true);
    setDefault(spec, "preemptionPolicy", "PreemptLowerPriority");
    setDefault(spec, "priority", 0);
  } else if (g == "apps" && p == "deployments") {
    json::object& spec = objectAt(object, "spec");
    setDefault(spec, "replicas", 1);
    setDefault(spec, "revisionHistoryLimit", 10);
    setDefault(spec, "progressDeadlineSeconds", 600);
    json::object& strategy = objectAt(spec, "strategy");
    setDefault(strategy, "type", "RollingUpdate");
    if (stringField(strategy, "type") == "RollingUpdate") {
      json::object& ru = objectAt(strategy, "rollingUpdate");
      setDefault(ru, "maxUnavailable", "25%");
      setDefault(ru, "maxSurge", "25%");
    }
    defaultTemplate(spec);
  } else if ((g == "apps" && p == "replicasets") || (g.empty() && p == "replicationcontrollers")) {
    json::object& spec = objectAt(object, "spec");
    setDefault(spec, "replicas", 1);
    if (g.empty() && !spec.contains("selector"))
      if (json::object* tmpl = objectField(spec, "template"))
        if (json::object* tmeta = objectField(*tmpl, "metadata"))
          if (auto labels = tmeta->find("labels"); labels != tmeta->end()) spec["selector"] = labels->value();
    defaultTemplate(spec);
  } else if (g == "apps" && p == "statefulsets") {
    json::object& spec = objectAt(object, "spec");
    setDefault(spec, "replicas", 1);
    setDefault(spec, "podManagementPolicy", "OrderedReady");
    setDefault(spec, "revisionHistoryLimit", 10);
    json::object& strategy = objectAt(spec, "updateStrategy");
    setDefault(strategy, "type", "RollingUpdate");
    if (stringField(strategy, "type") == "RollingUpdate")
      setDefault(objectAt(strategy, "rollingUpdate"), "partition", 0);
    json::object& retention = objectAt(spec, "persistentVolumeClaimRetentionPolicy");
    setDefault(retention, "whenDeleted", "Retain");
    setDefault(retention, "whenScaled", "Retain");
    defaultTemplate(spec);
  } else if (g == "apps" && p == "daemonsets") {
    json::object& spec = objectAt(object, "spec");
    setDefault(spec, "revisionHistoryLimit", 10);
    json::object& strategy = objectAt(spec, "updateStrategy");
    setDefault(strategy, "type", "RollingUpdate");
    if (stringField(strategy, "type") == "RollingUpdate") {
      json::object& ru = objectAt(strategy, "rollingUpdate");
      setDefault(ru, "maxUnavailable", 1);
      setDefault(ru, "maxSurge", 0);
    }
    defaultTemplate(spec);
  } else if (g == "batch" && p == "jobs") {
    json::object& spec = objectAt(object, "spec");
    setDefault(spec, "parallelism", 1);
    setDefault(spec, "completions", 1);
    setDefault(spec, "backoffLimit", 6);
    setDefault(spec, "completionMode", "NonIndexed");
    setDefault(spec, "suspend", false);
    setDefault(spec, "podReplacementPolicy", "TerminatingOrFailed");
    defaultTemplate(spec);
  } else if (g == "batch" && p == "cronjobs") {
    json::object& spec = objectAt(object, "spec");
    setDefault(spec, "concurrencyPolicy", "Allow");
    setDefault(spec, "suspend", false);
    setDefault(spec, "successfulJobsHistoryLimit", 3);
    setDefault(spec, "failedJobsHistoryLimit", 1);
    if (json::object* jt = objectField(spec, "jobTemplate"))
      if (json::object* jspec = objectField(*jt, "spec")) {
        setDefault(*jspec, "backoffLimit", 6);
        setDefault(*jspec, "completionMode", "NonIndexed");
        setDefault(*jspec, "suspend", false);
        setDefault(*jspec, "podReplacementPolicy", "TerminatingOrFailed");
        defaultTemplate(*jspec);
      }
  } else if (g.empty() && p == "services") {
    json::object& spec = objectAt(object, "spec");
    setDefault(spec, "type", "ClusterIP");
    setDefault(spec, "sessionAffinity", "None");
    std::string svcType(stringField(spec, "type"));
    forEachObject(spec, "ports", [](json::object& port) {
      setDefault(port, "protocol", "TCP");
      if (!port.contains("targetPort") && port.contains("port")) port["targetPort"] = port.at("port");
    });
    if (svcType != "ExternalName") {
      setDefault(spec, "internalTrafficPolicy", "Cluster");
      setDefault(spec, "ipFamilies", json::array{"IPv4"});
      setDefault(spec, "ipFamilyPolicy", "SingleStack");
      if (stringField(spec, "clusterIP").empty()) spec["clusterIP"] = allocateClusterIp();
      setDefault(spec, "clusterIPs", json::array{spec.at("clusterIP")});
    }
    if (svcType == "NodePort" || svcType == "LoadBalancer") {
      setDefault(spec, "externalTrafficPolicy", "Cluster");
      if (svcType == "LoadBalancer") setDefault(spec, "allocateLoadBalancerNodePorts", true);
      std::set<std::int64_t> used;
      for (const ObjectPtr& svc : store_.list({"", "services"}).items)
        if (const json::object* s = objectField(*svc, "spec")) {
          auto ports = s->find("ports");
          if (ports == s->end() || !ports->value().is_array()) continue;
          for (const json::value& port : ports->value().get_array())
            if (port.is_object() && port.get_object().contains("nodePort") &&
                port.get_object().at("nodePort").is_int64())
              used.insert(port.get_object().at("nodePort").get_int64());
        }
      std::int64_t next = 30000;
      forEachObject(spec, "ports", [&](json::object& port) {
        if (port.contains("nodePort")) return;
        while (used.count(next))
          ++next;
        port["nodePort"] = next;
        used.insert(next);
      });
    }
  } else if (g.empty() && p == "namespaces") {
    json::object& labels = objectAt(meta, "labels");
    labels["kubernetes.io/metadata.name"] = std::string(stringField(meta, "name"));
    setDefault(objectAt(object, "spec"), "finalizers", json::array{"kubernetes"});
    setDefault(objectAt(object, "status"), "phase", "Active");
  } else if (g.empty() && p == "persistentvolumeclaims") {
    setDefault(objectAt(object, "spec"), "volumeMode", "Filesystem");
  } else if (g.empty() && p == "persistentvolumes") {
    json::object& spec = objectAt(object, "spec");
    setDefault(spec, "persistentVolumeReclaimPolicy", "Retain");
    setDefault(spec, "volumeMode", "Filesystem");
  } else if (g.empty() && p == "secrets") {
    setDefault(object, "type", "Opaque");
  } else if (g == "autoscaling" && p == "horizontalpodautoscalers") {
    if (stringField(object, "apiVersion") == "autoscaling/v2")
      defaultHpaV2(object);
    else
      setDefault(objectAt(object, "spec"), "minReplicas", 1);
  } else if (g == "networking.k8s.io" && p == "networkpolicies") {
    json::object& spec = objectAt(object, "spec");
    if (!spec.contains("policyTypes")) {
      json::array types{"Ingress"};
      if (spec.contains("egress")) types.push_back("Egress");
      spec["policyTypes"] = std::move(types);
    }
    for (std::string_view dir : {"ingress", "egress"})
      forEachObject(spec, dir, [](json::object& rule) {
        forEachObject(rule, "ports", [](json::object& port) { setDefault(port, "protocol", "TCP"); });
      });
  } else if (g == "storage.k8s.io" && p == "storageclasses") {
    setDefault(object, "reclaimPolicy", "Delete");
    setDefault(object, "volumeBindingMode", "Immediate");
  } else if (g == "rbac.authorization.k8s.io" && (p == "rolebindings" || p == "clusterrolebindings")) {
    forEachObject(object, "subjects", [](json::object& s) {
      std::string_view kind = stringField(s, "kind");
      if ((kind == "User" || kind == "Group") && !s.contains("apiGroup"))
        s["apiGroup"] = "rbac.authorization.k8s.io";
    });
  }
}

void ApiServer::prepareForCreate(const ResourceType& type, json::object& object) {
  json::object& meta = metadataOf(object);
  bool custom = catalog_.isCustom(type.group, type.plural);
  std::string_view name = stringField(meta, "name");
  if (name.empty() && stringField(meta, "generateName").empty())
    throw invalid(
        type.kind, type.group, "",
        {{"FieldValueRequired", "metadata.name", "Required value: name or generateName is required"}});
  if (!name.empty()) {
    std::vector<FieldCause> problems = nameProblems(type, custom, name);
    if (!problems.empty()) throw invalid(type.kind, type.group, name, problems);
  }
  if (type.group.empty() && type.plural == "pods") {
    // ServiceAccount admission: the account must exist, and its token is mounted.
    json::object& spec = objectAt(object, "spec");
    std::string sa(stringField(spec, "serviceAccountName"));
    if (sa.empty()) sa = std::string(stringField(spec, "serviceAccount"));
    if (sa.empty()) sa = "default";
    spec["serviceAccountName"] = sa;
    spec["serviceAccount"] = sa;
    std::string ns(stringField(meta, "namespace"));
    if (!store_.get({"", "serviceaccounts"}, ns, sa))
      throw forbidden(
          {"", "pods"}, name,
          fmt::format("error looking up service account {}/{}: serviceaccount \"{}\" not found", ns, sa, sa));
    // DefaultTolerationSeconds admission.
    json::value& tolerations = spec["tolerations"];
    if (!tolerations.is_array()) tolerations = json::array{};
    for (std::string_view taint : {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"}) {
      bool present = std::any_of(
          tolerations.get_array().begin(), tolerations.get_array().end(),
          [&](const json::value& t) { return t.is_object() && stringField(t.get_object(), "key") == taint; });
      if (!present)
        tolerations.get_array().push_back(json::object{
            {"key", taint}, {"operator", "Exists"}, {"effect", "NoExecute"}, {"tolerationSeconds", 300}});
    }
  }
  applyDefaults(type, object);

  // Status on create: what the strategies' PrepareForCreate leave.
  const std::string& g = type.group;
  const std::string& p = type.plural;
  if (g.empty() && p == "pods") {
    object["status"] = json::object{{"phase", "Pending"}, {"qosClass", qosClass(objectAt(object, "spec"))}};
  } else if (g.empty() && p == "services") {
    object["status"] = json::object{{"loadBalancer", json::object{}}};
  } else if (g.empty() && (p == "persistentvolumeclaims" || p == "persistentvolumes")) {
    object["status"] = json::object{{"phase", "Pending"}};
  } else if (g.empty() && (p == "namespaces" || p == "nodes")) {
    // namespaces default to Active (applyDefaults); nodes report their own status
  } else if (g == "apiextensions.k8s.io" && p == "customresourcedefinitions") {
    std::vector<ResourceType> types = resourcesFromCrd(object);  // throws 422 for a malformed CRD
    const json::object& spec = object.at("spec").get_object();
    json::array stored;
    if (auto versions = spec.find("versions"); versions != spec.end() && versions->value().is_array())
      for (const json::value& v : versions->value().get_array())
        if (v.is_object() && v.get_object().contains("storage") &&
            v.get_object().at("storage") == json::value(true))
          stored.push_back(v.get_object().at("name"));
    std::string now = formatTime(clock_.now());
    object["status"] = json::object{
        {"acceptedNames", spec.at("names")},
        {"conditions", json::array{json::object{{"type", "NamesAccepted"},
                                                {"status", "True"},
                                                {"lastTransitionTime", now},
                                                {"reason", "NoConflicts"},
                                                {"message", "no conflicts found"}},
                                   json::object{{"type", "Established"},
                                                {"status", "True"},
                                                {"lastTransitionTime", now},
                                                {"reason", "InitialNamesAccepted"},
                                                {"message", "the initial names have been accepted"}}}},
        {"storedVersions", std::move(stored)}};
  } else if (std::find(type.subresources.begin(), type.subresources.end(), "status") !=
             type.subresources.end()) {
    if (custom)
      object.erase("status");
    else
      object["status"] = json::object{};
  }
  // Admission (LimitRanger, ResourceQuota) of the live cluster, after the strategy as in the real chain.
  if (hooks_.admission) hooks_.admission->admit(storageOf(type), object);
}

void ApiServer::prepareForUpdate(const ResourceType& type, json::object& object, const json::object& old) {
  if (type.group.empty() && type.plural == "services") {
    // Allocated values carry over when the new object leaves them out (patchAllocatedValues).
    json::object& spec = objectAt(object, "spec");
    if (const json::object* oldSpec = objectField(old, "spec")) {
      for (std::string_view key : {"clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"})
        if (!spec.contains(key) && oldSpec->contains(key)) spec[key] = oldSpec->at(key);
    }
  }
  applyDefaults(type, object);
  if (type.group.empty() && type.plural == "pods") {
    // Pod updates may change only images, activeDeadlineSeconds, tolerations (additions) and labels/metadata.
    const json::object* oldSpec = objectField(old, "spec");
    json::object* newSpec = objectField(object, "spec");
    if (oldSpec && newSpec) {
      auto strip = [](json::object spec) {
        for (std::string_view key : {"containers", "initContainers"}) {
          auto it = spec.find(key);
          if (it == spec.end() || !it->value().is_array()) continue;
          for (json::value& c : it->value().get_array())
            if (c.is_object()) c.get_object().erase("image");
        }
        spec.erase("activeDeadlineSeconds");
        spec.erase("tolerations");
        spec.erase("terminationGracePeriodSeconds");
        return spec;
      };
      if (strip(*oldSpec) != strip(*newSpec))
        throw invalid(
            type.kind, type.group, metaString(object, "name"),
            {{"FieldValueForbidden", "spec",
              "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
              "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only "
              "additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set "
              "to 1 if it was previously negative)"}});
    }
  }
}

}  // namespace kubesim

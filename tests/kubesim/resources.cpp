// The built-in resource catalogue: the group-versions, kinds, verbs, short names, categories and subresources
// a Kubernetes 1.32 API server lists in discovery for the resources kubesim serves. Groups appear in the
// order a real server lists them under /apis (and the first version of a group is its preferred version).
#include "resources.h"

#include <set>

namespace kubesim {

namespace {

using Strings = std::vector<std::string>;

const Strings kAllVerbs = {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"};
const Strings kNoCollectionDelete = {"create", "delete", "get", "list", "patch", "update", "watch"};
const Strings kCreateOnly = {"create"};
const Strings kReadOnly = {"get", "list"};

ResourceType make(std::string group, std::string version, std::string kind, std::string plural,
                  bool namespaced, Strings verbs, Strings shortNames = {}, Strings categories = {},
                  Strings subresources = {}) {
  ResourceType t;
  t.group = std::move(group);
  t.version = std::move(version);
  t.kind = std::move(kind);
  t.plural = std::move(plural);
  t.singular = t.kind;
  for (char& c : t.singular)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  t.namespaced = namespaced;
  t.verbs = std::move(verbs);
  t.shortNames = std::move(shortNames);
  t.categories = std::move(categories);
  t.subresources = std::move(subresources);
  return t;
}

std::vector<ResourceType> buildCatalogue() {
  const bool ns = true, cluster = false;
  std::vector<ResourceType> r;
  // core/v1
  r.push_back(make("", "v1", "Binding", "bindings", ns, kCreateOnly));
  r.push_back(make("", "v1", "ConfigMap", "configmaps", ns, kAllVerbs, {"cm"}));
  r.push_back(make("", "v1", "Endpoints", "endpoints", ns, kAllVerbs, {"ep"}));
  r.push_back(make("", "v1", "Event", "events", ns, kAllVerbs, {"ev"}));
  r.push_back(make("", "v1", "LimitRange", "limitranges", ns, kAllVerbs, {"limits"}));
  r.push_back(make("", "v1", "Namespace", "namespaces", cluster, kNoCollectionDelete, {"ns"}, {},
                   {"finalize", "status"}));
  r.push_back(make("", "v1", "Node", "nodes", cluster, kAllVerbs, {"no"}, {}, {"proxy", "status"}));
  r.push_back(make("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", ns, kAllVerbs, {"pvc"}, {},
                   {"status"}));
  r.push_back(
      make("", "v1", "PersistentVolume", "persistentvolumes", cluster, kAllVerbs, {"pv"}, {}, {"status"}));
  r.push_back(make("", "v1", "Pod", "pods", ns, kAllVerbs, {"po"}, {"all"},
                   {"attach", "binding", "ephemeralcontainers", "eviction", "exec", "log", "portforward",
                    "proxy", "status"}));
  r.push_back(make("", "v1", "ReplicationController", "replicationcontrollers", ns, kAllVerbs, {"rc"},
                   {"all"}, {"scale", "status"}));
  r.push_back(make("", "v1", "ResourceQuota", "resourcequotas", ns, kAllVerbs, {"quota"}, {}, {"status"}));
  r.push_back(make("", "v1", "Secret", "secrets", ns, kAllVerbs));
  r.push_back(make("", "v1", "ServiceAccount", "serviceaccounts", ns, kAllVerbs, {"sa"}, {}, {"token"}));
  r.push_back(make("", "v1", "Service", "services", ns, kAllVerbs, {"svc"}, {"all"}, {"proxy", "status"}));
  // apps/v1
  r.push_back(make("apps", "v1", "ControllerRevision", "controllerrevisions", ns, kAllVerbs));
  r.push_back(make("apps", "v1", "DaemonSet", "daemonsets", ns, kAllVerbs, {"ds"}, {"all"}, {"status"}));
  r.push_back(make("apps", "v1", "Deployment", "deployments", ns, kAllVerbs, {"deploy"}, {"all"},
                   {"scale", "status"}));
  r.push_back(
      make("apps", "v1", "ReplicaSet", "replicasets", ns, kAllVerbs, {"rs"}, {"all"}, {"scale", "status"}));
  r.push_back(make("apps", "v1", "StatefulSet", "statefulsets", ns, kAllVerbs, {"sts"}, {"all"},
                   {"scale", "status"}));
  // events.k8s.io/v1: the same objects as core events, in another shape
  r.push_back(make("events.k8s.io", "v1", "Event", "events", ns, kAllVerbs, {"ev"}));
  // authentication.k8s.io/v1
  r.push_back(
      make("authentication.k8s.io", "v1", "SelfSubjectReview", "selfsubjectreviews", cluster, kCreateOnly));
  r.push_back(make("authentication.k8s.io", "v1", "TokenReview", "tokenreviews", cluster, kCreateOnly));
  // authorization.k8s.io/v1
  r.push_back(make("authorization.k8s.io", "v1", "LocalSubjectAccessReview", "localsubjectaccessreviews", ns,
                   kCreateOnly));
  r.push_back(make("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews",
                   cluster, kCreateOnly));
  r.push_back(make("authorization.k8s.io", "v1", "SelfSubjectRulesReview", "selfsubjectrulesreviews", cluster,
                   kCreateOnly));
  r.push_back(make("authorization.k8s.io", "v1", "SubjectAccessReview", "subjectaccessreviews", cluster,
                   kCreateOnly));
  // autoscaling/v2 (preferred) and v1, one storage
  r.push_back(make("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", ns, kAllVerbs,
                   {"hpa"}, {"all"}, {"status"}));
  r.push_back(make("autoscaling", "v1", "HorizontalPodAutoscaler", "horizontalpodautoscalers", ns, kAllVerbs,
                   {"hpa"}, {"all"}, {"status"}));
  // batch/v1
  r.push_back(make("batch", "v1", "CronJob", "cronjobs", ns, kAllVerbs, {"cj"}, {"all"}, {"status"}));
  r.push_back(make("batch", "v1", "Job", "jobs", ns, kAllVerbs, {}, {"all"}, {"status"}));
  // networking.k8s.io/v1
  r.push_back(make("networking.k8s.io", "v1", "IngressClass", "ingressclasses", cluster, kAllVerbs));
  r.push_back(
      make("networking.k8s.io", "v1", "Ingress", "ingresses", ns, kAllVerbs, {"ing"}, {}, {"status"}));
  r.push_back(make("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", ns, kAllVerbs, {"netpol"}));
  // policy/v1
  r.push_back(make("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", ns, kAllVerbs, {"pdb"}, {},
                   {"status"}));
  // rbac.authorization.k8s.io/v1
  r.push_back(make("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", cluster,
                   kAllVerbs));
  r.push_back(make("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", cluster, kAllVerbs));
  r.push_back(make("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", ns, kAllVerbs));
  r.push_back(make("rbac.authorization.k8s.io", "v1", "Role", "roles", ns, kAllVerbs));
  // storage.k8s.io/v1
  r.push_back(make("storage.k8s.io", "v1", "StorageClass", "storageclasses", cluster, kAllVerbs, {"sc"}));
  // apiextensions.k8s.io/v1
  r.push_back(make("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions",
                   cluster, kAllVerbs, {"crd", "crds"}, {"api-extensions"}, {"status"}));
  // coordination.k8s.io/v1
  r.push_back(make("coordination.k8s.io", "v1", "Lease", "leases", ns, kAllVerbs));
  // discovery.k8s.io/v1
  r.push_back(make("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", ns, kAllVerbs));
  // metrics.k8s.io/v1beta1: served by metrics-server on a real cluster; read-only
  r.push_back(make("metrics.k8s.io", "v1beta1", "NodeMetrics", "nodes", cluster, kReadOnly));
  r.push_back(make("metrics.k8s.io", "v1beta1", "PodMetrics", "pods", ns, kReadOnly));
  // Singulars that are not simply the lower-cased kind.
  for (ResourceType& t : r) {
    if (t.plural == "endpoints") t.singular = "endpoints";
  }
  return r;
}

}  // namespace

const std::vector<ResourceType>& builtinResources() {
  static const std::vector<ResourceType> catalogue = buildCatalogue();
  return catalogue;
}

const ResourceType* findResource(std::string_view group, std::string_view version, std::string_view plural) {
  for (const ResourceType& t : builtinResources())
    if (t.group == group && t.version == version && t.plural == plural) return &t;
  return nullptr;
}

const ResourceType* findResourceByKind(std::string_view group, std::string_view kind) {
  for (const ResourceType& t : builtinResources())
    if (t.group == group && t.kind == kind) return &t;
  return nullptr;
}

bool isBuiltinGroup(std::string_view group) {
  static const std::set<std::string_view> groups = {"",
                                                    "apps",
                                                    "batch",
                                                    "autoscaling",
                                                    "policy",
                                                    "networking.k8s.io",
                                                    "rbac.authorization.k8s.io",
                                                    "storage.k8s.io",
                                                    "coordination.k8s.io",
                                                    "events.k8s.io",
                                                    "discovery.k8s.io",
                                                    "authentication.k8s.io",
                                                    "authorization.k8s.io",
                                                    "apiextensions.k8s.io",
                                                    "apiregistration.k8s.io",
                                                    "admissionregistration.k8s.io",
                                                    "scheduling.k8s.io",
                                                    "node.k8s.io",
                                                    "certificates.k8s.io",
                                                    "flowcontrol.apiserver.k8s.io",
                                                    "resource.k8s.io",
                                                    "internal.apiserver.k8s.io",
                                                    "storagemigration.k8s.io",
                                                    "metrics.k8s.io"};
  return groups.count(group) > 0;
}

}  // namespace kubesim

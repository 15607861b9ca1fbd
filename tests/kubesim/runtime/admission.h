// The admission plugins that decide pod creates on resources: LimitRanger (defaults from LimitRanges, their
// min/max checks) and ResourceQuota (usage per quota, the `exceeded quota` and `must specify` refusals), plus
// the quota usage the resource quota controller writes into status.used. The server's create path calls
// admitPod/admitObject; the runtime calls them for the objects it creates itself.
#pragma once

#include <map>
#include <string>

#include "common.h"
#include "context.h"

namespace kubesim::runtime {

// Quota usage by resource name ("pods", "requests.cpu", "count/deployments.apps", ...) in milli-units.
using ResourceList = std::map<std::string, std::int64_t>;

// LimitRanger's mutation of a pod about to be created: each container without a request or limit gets the
// Container LimitRange's defaultRequest/default (a request defaulting to the limit), and the annotation
// `kubernetes.io/limit-ranger: LimitRanger plugin set: cpu, memory request for container app; ...`. Then its
// validation: `minimum cpu usage per Container is 100m, but request is 50m`, `maximum memory usage per
// Container is 1Gi, but limit is 2Gi`, `maximum cpu usage per Container is 1.  No limit is specified` (and
// the Pod-type sums). Throws ApiError 403 `pods "<name>" is forbidden: <reasons>`.
void applyLimitRanges(const Store& store, json::object& pod);

// What an object counts against quotas: pods (unless terminal) count pods, count/pods, requests.* (also as
// cpu/memory), limits.*; services count services, services.loadbalancers and services.nodeports; claims
// count persistentvolumeclaims and requests.storage; every namespaced object counts
// count/<resource>[.<group>] and the legacy names (configmaps, secrets, replicationcontrollers,
// resourcequotas).
ResourceList quotaUsageOf(const GroupResource& resource, const json::object& object);
// True when a quota's scopes (Terminating, NotTerminating, BestEffort, NotBestEffort) select the object.
bool quotaSelects(const json::object& quota, const GroupResource& resource, const json::object& object);
// status.used of a quota: the usage of everything in its namespace that it selects, for the resources its
// spec.hard names, as quantities.
json::object quotaUsed(const Store& store, const json::object& quota);

// ResourceQuota admission of a create: throws ApiError 403 `<resource> "<name>" is forbidden: exceeded quota:
// q, requested: requests.cpu=500m, used: requests.cpu=1, limited: requests.cpu=1`, or `failed quota: q: must
// specify limits.cpu for: app` when a quota constrains cpu or memory and a container does not say.
void checkQuota(const Store& store, const GroupResource& resource, const json::object& object);

// Everything the API server's admission does to a pod create that the runtime needs for pods it makes
// itself: ServiceAccount (serviceAccountName, the account must exist), DefaultTolerationSeconds, LimitRanger,
// ResourceQuota, and the pod strategy's status (Pending, qosClass). Throws ApiError like the API.
void admitPod(const Store& store, json::object& pod);
// The name generateName asks for, chosen now (the registry's BeforeCreate runs before validating admission,
// so a refusal names the pod it would have created): the prefix and five random characters of
// k8s.io/apimachinery's alphabet, free in the store. Nothing when a name is set.
void generateName(const Store& store, const GroupResource& resource, json::object& object);
// generateName, then admitPod for pods, checkQuota for everything else. The server's Admission hook calls
// this after the registry strategy.
void admitObject(const Store& store, const GroupResource& resource, json::object& object);

// The pod's QoS class as the API server computes it.
std::string qosClassOf(const json::object& pod);

// The create path the runtime uses without the server: admitObject, then store.create.
CreateFunction storeCreateFunction(Store& store);

}  // namespace kubesim::runtime

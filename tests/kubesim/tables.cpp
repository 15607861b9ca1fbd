// The meta.k8s.io/v1 Table the API server returns to `kubectl get`: the columns and cell values of
// kubernetes/pkg/printers/internalversion/printers.go (1.32), computed from the JSON objects of the store.
//
// The server always prints with Wide=true (priority-1 columns are filled and kubectl hides them unless -o
// wide), so every printer here produces the wide row. Where a field would have been set by API defaulting on
// a real server (replicas 1, Service type ClusterIP, Secret type Opaque, pod phase Pending, ...), the printer
// applies the default itself, so objects loaded from hand-written scenarios print as they would on a real
// cluster. Column descriptions are the types' Swagger docs, taken from the official OpenAPI document.
#include "tables.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "selectors.h"

namespace kubesim {

namespace {

namespace json = boost::json;
using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

// ---- JSON access: absent or mistyped fields read as their Go zero value, as the typed objects would ----

const json::value* get(const json::object& o, std::initializer_list<std::string_view> path) {
  const json::object* cur = &o;
  const json::value* v = nullptr;
  for (auto key : path) {
    if (cur == nullptr) return nullptr;
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    v = &it->value();
    cur = v->if_object();
  }
  return v;
}

const json::object* obj(const json::object& o, std::initializer_list<std::string_view> path) {
  const auto* v = get(o, path);
  return v == nullptr ? nullptr : v->if_object();
}

const json::array* arr(const json::object& o, std::initializer_list<std::string_view> path) {
  const auto* v = get(o, path);
  return v == nullptr ? nullptr : v->if_array();
}

std::string str(const json::object& o, std::initializer_list<std::string_view> path) {
  const auto* v = get(o, path);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::optional<long long> optInt(const json::object& o, std::initializer_list<std::string_view> path) {
  const auto* v = get(o, path);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<long long>(v->get_uint64());
  if (v->is_double()) return static_cast<long long>(v->get_double());
  return std::nullopt;
}

long long integer(const json::object& o, std::initializer_list<std::string_view> path,
                  long long fallback = 0) {
  return optInt(o, path).value_or(fallback);
}

std::optional<bool> optBool(const json::object& o, std::initializer_list<std::string_view> path) {
  const auto* v = get(o, path);
  if (v == nullptr || !v->is_bool()) return std::nullopt;
  return v->get_bool();
}

bool boolean(const json::object& o, std::initializer_list<std::string_view> path) {
  return optBool(o, path).value_or(false);
}

size_t count(const json::object& o, std::initializer_list<std::string_view> path) {
  const auto* v = get(o, path);
  if (v == nullptr) return 0;
  if (const auto* a = v->if_array()) return a->size();
  if (const auto* m = v->if_object()) return m->size();
  return 0;
}

// A resource.Quantity or IntOrString field as its String() prints it (quantities are stored canonical).
std::string scalarText(const json::value* v, std::string_view absent) {
  if (v == nullptr || v->is_null()) return std::string(absent);
  if (v->is_string()) return std::string(v->get_string());
  if (v->is_int64()) return std::to_string(v->get_int64());
  if (v->is_uint64()) return std::to_string(v->get_uint64());
  return json::serialize(*v);
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    out += items[i];
  }
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trimSpace(std::string_view s) {
  auto isSpace = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
  };
  while (!s.empty() && isSpace(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back()))
    s.remove_suffix(1);
  return std::string(s);
}

// ---- time: RFC 3339 timestamps as metav1.Time / MicroTime carry them ----

long long daysFromCivil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

void civilFromDays(long long z, long long& y, unsigned& m, unsigned& d) {
  z += 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<long long>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

std::optional<TimePoint> parseTime(std::string_view s) {
  auto digits = [&](size_t pos, size_t len, int& out) {
    if (pos + len > s.size()) return false;
    out = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(0, 4, year) || s.size() < 20 || s[4] != '-' || !digits(5, 2, month) || s[7] != '-' ||
      !digits(8, 2, day) || (s[10] != 'T' && s[10] != 't') || !digits(11, 2, hour) || s[13] != ':' ||
      !digits(14, 2, minute) || s[16] != ':' || !digits(17, 2, second)) {
    return std::nullopt;
  }
  size_t pos = 19;
  long long nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int n = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n < 9) {
        nanos = nanos * 10 + (s[pos] - '0');
        ++n;
      }
      ++pos;
    }
    for (; n < 9; ++n)
      nanos *= 10;
  }
  long long offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (!digits(pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(pos + 4, 2, om)) {
      return std::nullopt;
    }
    offset = (s[pos] == '+' ? 1 : -1) * (oh * 3600LL + om * 60LL);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  long long secs = daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400LL +
                   hour * 3600LL + minute * 60LL + second - offset;
  // A nanosecond clock spans about 292 years either side of 1970; anything further (Go's zero time,
  // 0001-01-01) cannot be represented and reads as "no time", which is what the printers treat it as.
  constexpr long long kLimit = 9'000'000'000LL;
  if (secs <= -kLimit || secs >= kLimit) return std::nullopt;
  auto since = std::chrono::seconds(secs) + std::chrono::nanoseconds(nanos);
  return TimePoint(std::chrono::duration_cast<Clock::duration>(since));
}

// A metav1.Time field; nullopt for an absent, null or zero ("0001-01-01T00:00:00Z") time.
std::optional<TimePoint> timeAt(const json::object& o, std::initializer_list<std::string_view> path) {
  const auto* v = get(o, path);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return parseTime(v->get_string());
}

std::string formatRfc3339(std::optional<TimePoint> t) {
  if (!t) return "0001-01-01T00:00:00Z";
  auto secs = std::chrono::floor<std::chrono::seconds>(t->time_since_epoch()).count();
  long long days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  long long rem = secs - days * 86400;
  long long y = 0;
  unsigned m = 0, d = 0;
  civilFromDays(days, y, m, d);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lldZ", y, m, d, rem / 3600,
                (rem % 3600) / 60, rem % 60);
  return buf;
}

struct Ctx {
  TimePoint now;
  // translateTimestampSince: "<unknown>" for a zero time.
  std::string since(std::optional<TimePoint> t) const {
    if (!t) return "<unknown>";
    return humanDuration(now - *t);
  }
  std::string age(const json::object& o) const { return since(timeAt(o, {"metadata", "creationTimestamp"})); }
};

// ---- shared formatting helpers from printers.go and apimachinery ----

// labels.FormatLabels: sorted k=v pairs, "<none>" when empty.
std::string formatLabels(const json::object* labels) {
  if (labels == nullptr || labels->empty()) return "<none>";
  std::vector<std::string> keys;
  for (const auto& kv : *labels)
    keys.emplace_back(kv.key());
  std::sort(keys.begin(), keys.end());
  std::vector<std::string> parts;
  for (const auto& k : keys) {
    const auto& v = labels->at(k);
    parts.push_back(k + "=" + (v.is_string() ? std::string(v.get_string()) : ""));
  }
  return join(parts, ",");
}

// metav1.FormatLabelSelector: "<none>" for a nil or empty selector, "<error>" for an invalid one.
std::string formatLabelSelector(const json::object* selector) {
  if (selector == nullptr) return "<none>";
  try {
    std::string s = LabelSelector::fromObject(*selector).toString();
    return s.empty() ? "<none>" : s;
  } catch (const SelectorError&) {
    return "<error>";
  }
}

// layoutContainerCells: container names and images, comma separated.
std::pair<std::string, std::string> containerCells(const json::array* containers) {
  std::vector<std::string> names, images;
  if (containers != nullptr) {
    for (const auto& c : *containers) {
      if (!c.is_object()) continue;
      names.push_back(str(c.get_object(), {"name"}));
      images.push_back(str(c.get_object(), {"image"}));
    }
  }
  return {join(names, ","), join(images, ",")};
}

// helper.GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order, each once.
std::string accessModes(const json::array* modes) {
  auto has = [&](std::string_view m) {
    if (modes == nullptr) return false;
    return std::any_of(modes->begin(), modes->end(),
                       [&](const json::value& v) { return v.is_string() && v.get_string() == m; });
  };
  std::vector<std::string> out;
  if (has("ReadWriteOnce")) out.emplace_back("RWO");
  if (has("ReadOnlyMany")) out.emplace_back("ROX");
  if (has("ReadWriteMany")) out.emplace_back("RWX");
  if (has("ReadWriteOncePod")) out.emplace_back("RWOP");
  return join(out, ",");
}

// sets.NewString(...).List() joined: load-balancer ingress IPs (or hostnames), sorted and unique.
std::string loadBalancerIngress(const json::array* ingress) {
  std::set<std::string> result;
  if (ingress != nullptr) {
    for (const auto& i : *ingress) {
      if (!i.is_object()) continue;
      std::string ip = str(i.get_object(), {"ip"});
      std::string host = str(i.get_object(), {"hostname"});
      if (!ip.empty()) {
        result.insert(ip);
      } else if (!host.empty()) {
        result.insert(host);
      }
    }
  }
  return join(std::vector<std::string>(result.begin(), result.end()), ",");
}

std::string printBoolPtr(std::optional<bool> v) {
  if (!v) return "<unset>";
  return *v ? "True" : "False";
}

std::string listWithMore(const std::vector<std::string>& list, bool more, size_t count, size_t max) {
  std::string ret = join(list, ",");
  if (more) return ret + " + " + std::to_string(count - max) + " more...";
  if (ret.empty()) ret = "<unset>";
  return ret;
}

// ---- column definitions ----

struct Column {
  std::string name;
  std::string type;
  std::string format;
  std::string description;
  int priority = 0;
};

std::string doc(std::string_view key) {
  static const std::map<std::string_view, std::string_view> docs = {
      {"ObjectMeta.name",
       "Name must be unique within a namespace. Is required when creating resources, although some resources "
       "may allow a client to request the generation of an appropriate name automatically. Name is primarily "
       "intended for creation idempotence and configuration definition. Cannot be updated. More info: "
       "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"},
      {"ObjectMeta.creationTimestamp",
       "CreationTimestamp is a timestamp representing the server time when this object was created. It is "
       "not guaranteed to be set in happens-before order across separate operations. Clients may not set "
       "this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. "
       "Null for lists. More info: "
       "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"},
      {"PodStatus.podIP",
       "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet "
       "allocated."},
      {"PodSpec.nodeName",
       "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for "
       "scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this "
       "node becomes responsible for the lifecycle of this pod. This field should not be used to express a "
       "desire for the pod to be scheduled on a specific node. "
       "https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename"},
      {"PodStatus.nominatedNodeName",
       "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be "
       "scheduled right away as preemption victims receive their graceful termination periods. This field "
       "does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the "
       "pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the "
       "resources on this node to a higher priority pod that is created after preemption. As a result, this "
       "field may be different than PodSpec.nodeName when the pod is scheduled."},
      {"PodSpec.readinessGates",
       "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its "
       "containers are ready AND all conditions specified in the readiness gates have status equal to "
       "\"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates"},
      {"PodSpec.nodeSelector",
       "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must "
       "match a node's labels for the pod to be scheduled on that node. More info: "
       "https://kubernetes.io/docs/concepts/configuration/assign-pod-node/"},
      {"ReplicationControllerSpec.replicas",
       "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero "
       "and unspecified. Defaults to 1. More info: "
       "https://kubernetes.io/docs/concepts/workloads/controllers/"
       "replicationcontroller#what-is-a-replicationcontroller"},
      {"ReplicationControllerStatus.replicas",
       "Replicas is the most recently observed number of replicas. More info: "
       "https://kubernetes.io/docs/concepts/workloads/controllers/"
       "replicationcontroller#what-is-a-replicationcontroller"},
      {"ReplicationControllerStatus.readyReplicas",
       "The number of ready replicas for this replication controller."},
      {"ReplicationControllerSpec.selector",
       "Selector is a label query over pods that should match the Replicas count. If Selector is empty, it "
       "is defaulted to the labels present on the Pod template. Label keys and values that must match in "
       "order to be controlled by this replication controller, if empty defaulted to labels on Pod template. "
       "More info: "
       "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"},
      {"ReplicaSetSpec.replicas",
       "Replicas is the number of desired pods. This is a pointer to distinguish between explicit zero and "
       "unspecified. Defaults to 1. More info: "
       "https://kubernetes.io/docs/concepts/workloads/controllers/replicaset"},
      {"ReplicaSetStatus.replicas",
       "Replicas is the most recently observed number of non-terminating pods. More info: "
       "https://kubernetes.io/docs/concepts/workloads/controllers/replicaset"},
      {"ReplicaSetStatus.readyReplicas",
       "The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition."},
      {"ReplicaSetSpec.selector",
       "Selector is a label query over pods that should match the replica count. Label keys and values that "
       "must match in order to be controlled by this replica set. It must match the pod template's labels. "
       "More info: "
       "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"},
      {"DaemonSetStatus.desiredNumberScheduled",
       "The total number of nodes that should be running the daemon pod (including nodes correctly running "
       "the daemon pod). More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"},
      {"DaemonSetStatus.currentNumberScheduled",
       "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod. "
       "More info: https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/"},
      {"DaemonSetStatus.numberReady",
       "numberReady is the number of nodes that should be running the daemon pod and have one or more of the "
       "daemon pod running with a Ready Condition."},
      {"DaemonSetStatus.updatedNumberScheduled",
       "The total number of nodes that are running updated daemon pod"},
      {"DaemonSetStatus.numberAvailable",
       "The number of nodes that should be running the daemon pod and have one or more of the daemon pod "
       "running and available (ready for at least spec.minReadySeconds)"},
      {"DaemonSetSpec.selector",
       "A label query over pods that are managed by the daemon set. Must match in order to be controlled. It "
       "must match the pod template's labels. More info: "
       "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"},
      {"JobStatus.succeeded",
       "The number of pods which reached phase Succeeded. The value increases monotonically for a given "
       "spec. However, it may decrease in reaction to scale down of elastic indexed jobs."},
      {"JobSpec.selector",
       "A label query over pods that should match the pod count. Normally, the system sets this field for "
       "you. More info: "
       "https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors"},
      {"CronJobSpec.schedule", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."},
      {"CronJobSpec.timeZone",
       "The time zone name for the given schedule, see "
       "https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to "
       "the time zone of the kube-controller-manager process. The set of valid time zone names and the time "
       "zone offset is loaded from the system-wide time zone database by the API server during CronJob "
       "validation and the controller manager during execution. If no system-wide time zone database can be "
       "found a bundled version of the database is used instead. If the time zone name becomes invalid "
       "during the lifetime of a CronJob or due to a change in host configuration, the controller will stop "
       "creating new new Jobs and will create a system event with the reason UnknownTimeZone. More "
       "information can be found in "
       "https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones"},
      {"CronJobSpec.suspend",
       "This flag tells the controller to suspend subsequent executions, it does not apply to already "
       "started executions.  Defaults to false."},
      {"CronJobStatus.active", "A list of pointers to currently running jobs."},
      {"CronJobStatus.lastScheduleTime",
       "Information when was the last time the job was successfully scheduled."},
      {"ServiceSpec.type",
       "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, "
       "ClusterIP, NodePort, and LoadBalancer. \"ClusterIP\" allocates a cluster-internal IP address for "
       "load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, "
       "by manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is \"None\", no "
       "virtual IP is allocated and the endpoints are published as a set of endpoints rather than a virtual "
       "IP. \"NodePort\" builds on ClusterIP and allocates a port on every node which routes to the same "
       "endpoints as the clusterIP. \"LoadBalancer\" builds on NodePort and creates an external "
       "load-balancer (if supported in the current cloud) which routes to the same endpoints as the "
       "clusterIP. \"ExternalName\" aliases this service to the specified externalName. Several other fields "
       "do not apply to ExternalName services. More info: "
       "https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types"},
      {"ServiceSpec.clusterIP",
       "clusterIP is the IP address of the service and is usually assigned randomly. If an address is "
       "specified manually, is in-range (as per system configuration), and is not in use, it will be "
       "allocated to the service; otherwise creation of the service will fail. This field may not be changed "
       "through updates unless the type field is also being changed to ExternalName (which requires this "
       "field to be blank) or the type field is being changed from ExternalName (in which case this field "
       "may optionally be specified, as describe above).  Valid values are \"None\", empty string (\"\"), or "
       "a valid IP address. Setting this to \"None\" makes a \"headless service\" (no virtual IP), which is "
       "useful when direct endpoint connections are preferred and proxying is not required.  Only applies to "
       "types ClusterIP, NodePort, and LoadBalancer. If this field is specified when creating a Service of "
       "type ExternalName, creation will fail. This field will be wiped when updating a Service to type "
       "ExternalName. More info: "
       "https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies"},
      {"ServiceSpec.externalIPs",
       "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for "
       "this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring that "
       "traffic arrives at a node with this IP.  A common example is external load-balancers that are not "
       "part of the Kubernetes system."},
      {"ServiceSpec.ports",
       "The list of ports that are exposed by this service. More info: "
       "https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies"},
      {"ServiceSpec.selector",
       "Route service traffic to pods with label keys and values matching this selector. If empty or not "
       "present, the service is assumed to have an external process managing its endpoints, which Kubernetes "
       "will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is "
       "ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/"},
      {"Endpoints.subsets",
       "The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to "
       "the IPs they share. A single address with multiple ports, some of which are ready and some of which "
       "are not (because they come from different containers) will result in the address being displayed in "
       "different subsets for the different ports. No address will appear in both Addresses and "
       "NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service."},
      {"NodeSystemInfo.kubeletVersion", "Kubelet Version reported by the node."},
      {"NodeStatus.addresses",
       "List of addresses reachable to the node. Queried from cloud provider, if available. More info: "
       "https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as "
       "mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is "
       "merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an "
       "example. Consumers should assume that addresses can change during the lifetime of a Node. However, "
       "there are some exceptions where this may not be possible, such as Pods that inherit a Node's address "
       "in its own status or consumers of the downward API (status.hostIP)."},
      {"NodeSystemInfo.osImage",
       "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))."},
      {"NodeSystemInfo.kernelVersion",
       "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."},
      {"NodeSystemInfo.containerRuntimeVersion",
       "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2)."},
      {"Event.lastTimestamp", "The time at which the most recent occurrence of this event was recorded."},
      {"Event.type", "Type of this event (Normal, Warning), new types could be added in the future"},
      {"Event.reason",
       "This should be a short, machine understandable string that gives the reason for the transition into "
       "the object's current status."},
      {"Event.involvedObject", "The object that this event is about."},
      {"ObjectReference.fieldPath",
       "If referring to a piece of an object instead of an entire object, this string should contain a valid "
       "JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the "
       "object reference is to a container within a pod, this would take on a value like: "
       "\"spec.containers{name}\" (where \"name\" refers to the name of the container that triggered the "
       "event) or if no container name is specified \"spec.containers[2]\" (container with index 2 in this "
       "pod). This syntax is chosen only to have some well-defined way of referencing a part of an object."},
      {"Event.source",
       "The component reporting this event. Should be a short machine understandable string."},
      {"Event.message", "A human-readable description of the status of this operation."},
      {"Event.firstTimestamp",
       "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)"},
      {"Event.count", "The number of times this event has occurred."},
      {"Secret.type",
       "Used to facilitate programmatic handling of secret data. More info: "
       "https://kubernetes.io/docs/concepts/configuration/secret/#secret-types"},
      {"Secret.data",
       "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' or '.'. "
       "The serialized form of the secret data is a base64 encoded string, representing the arbitrary "
       "(possibly non-string) data value here. Described in https://tools.ietf.org/html/rfc4648#section-4"},
      {"ServiceAccount.secrets",
       "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount "
       "are allowed to use. Pods are only limited to this list if this service account has a "
       "\"kubernetes.io/enforce-mountable-secrets\" annotation set to \"true\". The "
       "\"kubernetes.io/enforce-mountable-secrets\" annotation is deprecated since v1.32. Prefer separate "
       "namespaces to isolate access to mounted secrets. This field should not be used to find "
       "auto-generated service account token secrets for use outside of pods. Instead, tokens can be "
       "requested directly using the TokenRequest API, or service account token secrets can be manually "
       "created. More info: https://kubernetes.io/docs/concepts/configuration/secret"},
      {"ConfigMap.data",
       "Data contains the configuration data. Each key must consist of alphanumeric characters, '-', '_' or "
       "'.'. Values with non-UTF-8 byte sequences must use the BinaryData field. The keys stored in Data "
       "must not overlap with the keys in the BinaryData field, this is enforced during validation process."},
      {"PersistentVolumeSpec.capacity",
       "capacity is the description of the persistent volume's resources and capacity. More info: "
       "https://kubernetes.io/docs/concepts/storage/persistent-volumes#capacity"},
      {"PersistentVolumeSpec.accessModes",
       "accessModes contains all ways the volume can be mounted. More info: "
       "https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes"},
      {"PersistentVolumeSpec.persistentVolumeReclaimPolicy",
       "persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its "
       "claim. Valid options are Retain (default for manually created PersistentVolumes), Delete (default "
       "for dynamically provisioned PersistentVolumes), and Recycle (deprecated). Recycle must be supported "
       "by the volume plugin underlying this PersistentVolume. More info: "
       "https://kubernetes.io/docs/concepts/storage/persistent-volumes#reclaiming"},
      {"PersistentVolumeStatus.phase",
       "phase indicates if a volume is available, bound to a claim, or released by a claim. More info: "
       "https://kubernetes.io/docs/concepts/storage/persistent-volumes#phase"},
      {"PersistentVolumeSpec.claimRef",
       "claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim. "
       "Expected to be non-nil when bound. claim.VolumeName is the authoritative bind between PV and PVC. "
       "More info: https://kubernetes.io/docs/concepts/storage/persistent-volumes#binding"},
      {"PersistentVolumeStatus.reason",
       "reason is a brief CamelCase string that describes any failure and is meant for machine parsing and "
       "tidy display in the CLI."},
      {"PersistentVolumeSpec.volumeMode",
       "volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in "
       "raw block state. Value of Filesystem is implied when not included in spec."},
      {"PersistentVolumeClaimStatus.phase", "phase represents the current phase of PersistentVolumeClaim."},
      {"PersistentVolumeClaimSpec.volumeName",
       "volumeName is the binding reference to the PersistentVolume backing this claim."},
      {"PersistentVolumeClaimStatus.capacity",
       "capacity represents the actual resources of the underlying volume."},
      {"PersistentVolumeClaimStatus.accessModes",
       "accessModes contains the actual access modes the volume backing the PVC has. More info: "
       "https://kubernetes.io/docs/concepts/storage/persistent-volumes#access-modes-1"},
      {"PersistentVolumeClaimSpec.volumeMode",
       "volumeMode defines what type of volume is required by the claim. Value of Filesystem is implied when "
       "not included in claim spec."},
      {"DeploymentStatus.updatedReplicas",
       "Total number of non-terminating pods targeted by this deployment that have the desired template "
       "spec."},
      {"DeploymentStatus.availableReplicas",
       "Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this "
       "deployment."},
      {"DeploymentSpec.selector",
       "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones "
       "affected by this deployment. It must match the pod template's labels."},
      {"HorizontalPodAutoscalerSpec.scaleTargetRef",
       "scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics "
       "should be collected, as well as to actually change the replica count."},
      {"HorizontalPodAutoscalerSpec.metrics",
       "metrics contains the specifications for which to use to calculate the desired replica count (the "
       "maximum replica count across all metrics will be used).  The desired replica count is calculated "
       "multiplying the ratio between the target value and the current value by the current number of pods.  "
       "Ergo, metrics used must decrease as the pod count is increased, and vice-versa.  See the individual "
       "metric source types for more information about how each type of metric must respond. If not set, the "
       "default metric will be set to 80% average CPU utilization."},
      {"HorizontalPodAutoscalerSpec.minReplicas",
       "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  "
       "It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is "
       "enabled and at least one Object or External metric is configured.  Scaling is active as long as at "
       "least one metric value is available."},
      {"HorizontalPodAutoscalerSpec.maxReplicas",
       "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It "
       "cannot be less that minReplicas."},
      {"HorizontalPodAutoscalerStatus.currentReplicas",
       "currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by "
       "the autoscaler."},
      {"NetworkPolicySpec.podSelector",
       "podSelector selects the pods to which this NetworkPolicy object applies. The array of rules is "
       "applied to any pods selected by this field. An empty selector matches all pods in the policy's "
       "namespace. Multiple network policies can select the same set of pods. In this case, the ingress "
       "rules for each are combined additively. This field is optional. If it is not specified, it defaults "
       "to an empty selector."},
      {"RoleBinding.roleRef",
       "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If "
       "the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable."},
      {"ClusterRoleBinding.roleRef",
       "RoleRef can only reference a ClusterRole in the global namespace. If the RoleRef cannot be resolved, "
       "the Authorizer must return an error. This field is immutable."},
      {"LeaseSpec.holderIdentity",
       "holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader "
       "Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name "
       "field."},
      {"StorageClass.provisioner", "provisioner indicates the type of the provisioner."},
      {"StorageClass.reclaimPolicy",
       "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this "
       "storage class. Defaults to Delete."},
      {"StorageClass.volumeBindingMode",
       "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, "
       "VolumeBindingImmediate is used. This field is only honored by servers that enable the "
       "VolumeScheduling feature."},
      {"StorageClass.allowVolumeExpansion",
       "allowVolumeExpansion shows whether the storage class allow volume expand."},
      {"ControllerRevision.revision", "Revision indicates the revision of the state represented by Data."},
      {"PriorityClass.value",
       "value represents the integer value of this priority class. This is the actual priority that pods "
       "receive when they have the name of this class in their pod spec."},
      {"PriorityClass.globalDefault",
       "globalDefault specifies whether this PriorityClass should be considered as the default priority for "
       "pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. "
       "However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the "
       "smallest value of such global default PriorityClasses will be used as the default priority."},
      {"PriorityClass.preemptionPolicy",
       "preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, "
       "PreemptLowerPriority. Defaults to PreemptLowerPriority if unset."},
      {"EndpointSlice.addressType",
       "addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice "
       "must be the same type. This field is immutable after creation. The following address types are "
       "currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: "
       "Represents a Fully Qualified Domain Name. (Deprecated) The EndpointSlice controller only generates, "
       "and kube-proxy only processes, slices of addressType \"IPv4\" and \"IPv6\". No semantics are defined "
       "for the \"FQDN\" type."},
      {"EndpointSlice.ports",
       "ports specifies the list of network ports exposed by each endpoint in this slice. Each port must "
       "have a unique name. Each slice may include a maximum of 100 ports. Services always have at least 1 "
       "port, so EndpointSlices generated by the EndpointSlice controller will likewise always have at least "
       "1 port. EndpointSlices used for other purposes may have an empty ports list."},
      {"EndpointSlice.endpoints",
       "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 "
       "endpoints."},
  };
  auto it = docs.find(key);
  return it == docs.end() ? std::string() : std::string(it->second);
}

Column nameColumn() {
  return {"Name", "string", "name", doc("ObjectMeta.name"), 0};
}
Column ageColumn() {
  return {"Age", "string", "", doc("ObjectMeta.creationTimestamp"), 0};
}
Column col(std::string name, std::string type, std::string description, int priority = 0) {
  return {std::move(name), std::move(type), "", std::move(description), priority};
}
Column containersColumn() {
  return col("Containers", "string", "Names of each container in the template.", 1);
}
Column imagesColumn() {
  return col("Images", "string", "Images referenced by each container in the template.", 1);
}

struct Row {
  json::array cells;
  json::array conditions;
};

using PrintFn = void (*)(const json::object&, const Ctx&, Row&);

struct Printer {
  std::vector<Column> columns;
  PrintFn print;
};

// ---- printers, one per kind (pkg/printers/internalversion/printers.go) ----

bool conditionTrue(const json::object& o, std::initializer_list<std::string_view> path,
                   std::string_view type) {
  const auto* conditions = arr(o, path);
  if (conditions == nullptr) return false;
  for (const auto& c : *conditions) {
    if (!c.is_object()) continue;
    if (str(c.get_object(), {"type"}) == type) return str(c.get_object(), {"status"}) == "True";
  }
  return false;
}

void printPod(const json::object& pod, const Ctx& ctx, Row& row) {
  long long restarts = 0;
  long long restartableInitRestarts = 0;
  const auto* containers = arr(pod, {"spec", "containers"});
  long long totalContainers = containers == nullptr ? 0 : static_cast<long long>(containers->size());
  long long readyContainers = 0;
  std::optional<TimePoint> lastRestart;
  std::optional<TimePoint> lastRestartableInitRestart;
  auto later = [](std::optional<TimePoint>& current, std::optional<TimePoint> candidate) {
    if (candidate && (!current || *current < *candidate)) current = candidate;
  };

  std::string phase = str(pod, {"status", "phase"});
  if (phase.empty()) phase = "Pending";  // what the registry sets on create
  std::string reason = phase;
  if (std::string r = str(pod, {"status", "reason"}); !r.empty()) reason = r;
  if (const auto* conditions = arr(pod, {"status", "conditions"})) {
    for (const auto& c : *conditions) {
      if (c.is_object() && str(c.get_object(), {"type"}) == "PodScheduled" &&
          str(c.get_object(), {"reason"}) == "SchedulingGated") {
        reason = "SchedulingGated";
      }
    }
  }
  if (phase == "Succeeded" || phase == "Failed") {
    json::object cond;
    cond["type"] = "Completed";
    cond["status"] = "True";
    cond["reason"] = phase;
    cond["message"] = phase == "Succeeded" ? "The pod has completed successfully." : "The pod failed.";
    row.conditions.push_back(std::move(cond));
  }

  // Sidecars (init containers with restartPolicy Always) count as regular containers.
  std::set<std::string> restartableInit;
  const auto* initSpecs = arr(pod, {"spec", "initContainers"});
  if (initSpecs != nullptr) {
    for (const auto& c : *initSpecs) {
      if (c.is_object() && str(c.get_object(), {"restartPolicy"}) == "Always") {
        restartableInit.insert(str(c.get_object(), {"name"}));
        ++totalContainers;
      }
    }
  }
  size_t initCount = initSpecs == nullptr ? 0 : initSpecs->size();

  bool initializing = false;
  if (const auto* statuses = arr(pod, {"status", "initContainerStatuses"})) {
    for (size_t i = 0; i < statuses->size(); ++i) {
      if (!(*statuses)[i].is_object()) continue;
      const auto& c = (*statuses)[i].get_object();
      bool restartable = restartableInit.count(str(c, {"name"})) > 0;
      restarts += integer(c, {"restartCount"});
      later(lastRestart, timeAt(c, {"lastState", "terminated", "finishedAt"}));
      if (restartable) {
        restartableInitRestarts += integer(c, {"restartCount"});
        later(lastRestartableInitRestart, timeAt(c, {"lastState", "terminated", "finishedAt"}));
      }
      const auto* terminated = obj(c, {"state", "terminated"});
      const auto* waiting = obj(c, {"state", "waiting"});
      if (terminated != nullptr && integer(*terminated, {"exitCode"}) == 0) continue;
      if (restartable && boolean(c, {"started"})) {
        if (boolean(c, {"ready"})) ++readyContainers;
        continue;
      }
      if (terminated != nullptr) {
        std::string r = str(*terminated, {"reason"});
        if (r.empty()) {
          long long signal = integer(*terminated, {"signal"});
          reason = signal != 0 ? "Init:Signal:" + std::to_string(signal)
                               : "Init:ExitCode:" + std::to_string(integer(*terminated, {"exitCode"}));
        } else {
          reason = "Init:" + r;
        }
      } else if (waiting != nullptr && !str(*waiting, {"reason"}).empty() &&
                 str(*waiting, {"reason"}) != "PodInitializing") {
        reason = "Init:" + str(*waiting, {"reason"});
      } else {
        reason = "Init:" + std::to_string(i) + "/" + std::to_string(initCount);
      }
      initializing = true;
      break;
    }
  }

  if (!initializing || conditionTrue(pod, {"status", "conditions"}, "Initialized")) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    bool hasRunning = false;
    if (const auto* statuses = arr(pod, {"status", "containerStatuses"})) {
      for (size_t k = statuses->size(); k-- > 0;) {
        if (!(*statuses)[k].is_object()) continue;
        const auto& c = (*statuses)[k].get_object();
        restarts += integer(c, {"restartCount"});
        later(lastRestart, timeAt(c, {"lastState", "terminated", "finishedAt"}));
        const auto* waiting = obj(c, {"state", "waiting"});
        const auto* terminated = obj(c, {"state", "terminated"});
        if (waiting != nullptr && !str(*waiting, {"reason"}).empty()) {
          reason = str(*waiting, {"reason"});
        } else if (terminated != nullptr && !str(*terminated, {"reason"}).empty()) {
          reason = str(*terminated, {"reason"});
        } else if (terminated != nullptr) {
          long long signal = integer(*terminated, {"signal"});
          reason = signal != 0 ? "Signal:" + std::to_string(signal)
                               : "ExitCode:" + std::to_string(integer(*terminated, {"exitCode"}));
        } else if (boolean(c, {"ready"}) && obj(c, {"state", "running"}) != nullptr) {
          hasRunning = true;
          ++readyContainers;
        }
      }
    }
    if (reason == "Completed" && hasRunning) {
      reason = conditionTrue(pod, {"status", "conditions"}, "Ready") ? "Running" : "NotReady";
    }
  }

  bool deleting = get(pod, {"metadata", "deletionTimestamp"}) != nullptr &&
                  !get(pod, {"metadata", "deletionTimestamp"})->is_null();
  if (deleting && str(pod, {"status", "reason"}) == "NodeLost") {
    reason = "Unknown";
  } else if (deleting && phase != "Succeeded" && phase != "Failed") {
    reason = "Terminating";
  }

  std::string restartsText = std::to_string(restarts);
  if (restarts != 0 && lastRestart) restartsText += " (" + ctx.since(lastRestart) + " ago)";

  std::string podIP;
  if (const auto* ips = arr(pod, {"status", "podIPs"});
      ips != nullptr && !ips->empty() && (*ips)[0].is_object()) {
    podIP = str((*ips)[0].get_object(), {"ip"});
  } else {
    podIP = str(pod, {"status", "podIP"});  // conversion fills podIPs from podIP
  }
  std::string nodeName = str(pod, {"spec", "nodeName"});
  std::string nominated = str(pod, {"status", "nominatedNodeName"});
  std::string readinessGates = "<none>";
  if (const auto* gates = arr(pod, {"spec", "readinessGates"}); gates != nullptr && !gates->empty()) {
    size_t trueConditions = 0;
    const auto* conditions = arr(pod, {"status", "conditions"});
    for (const auto& g : *gates) {
      if (!g.is_object() || conditions == nullptr) continue;
      std::string type = str(g.get_object(), {"conditionType"});
      for (const auto& c : *conditions) {
        if (c.is_object() && str(c.get_object(), {"type"}) == type) {
          if (str(c.get_object(), {"status"}) == "True") ++trueConditions;
          break;
        }
      }
    }
    readinessGates = std::to_string(trueConditions) + "/" + std::to_string(gates->size());
  }
  row.cells = {str(pod, {"metadata", "name"}),
               std::to_string(readyContainers) + "/" + std::to_string(totalContainers),
               reason,
               restartsText,
               ctx.age(pod),
               podIP.empty() ? "<none>" : podIP,
               nodeName.empty() ? "<none>" : nodeName,
               nominated.empty() ? "<none>" : nominated,
               readinessGates};
}

void printPodTemplate(const json::object& o, const Ctx&, Row& row) {
  auto [names, images] = containerCells(arr(o, {"template", "spec", "containers"}));
  row.cells = {str(o, {"metadata", "name"}), names, images,
               formatLabels(obj(o, {"template", "metadata", "labels"}))};
}

void printPodDisruptionBudget(const json::object& o, const Ctx& ctx, Row& row) {
  row.cells = {str(o, {"metadata", "name"}), scalarText(get(o, {"spec", "minAvailable"}), "N/A"),
               scalarText(get(o, {"spec", "maxUnavailable"}), "N/A"),
               integer(o, {"status", "disruptionsAllowed"}), ctx.age(o)};
}

void printReplicationController(const json::object& o, const Ctx& ctx, Row& row) {
  auto [names, images] = containerCells(arr(o, {"spec", "template", "spec", "containers"}));
  row.cells = {str(o, {"metadata", "name"}),
               integer(o, {"spec", "replicas"}, 1),
               integer(o, {"status", "replicas"}),
               integer(o, {"status", "readyReplicas"}),
               ctx.age(o),
               names,
               images,
               formatLabels(obj(o, {"spec", "selector"}))};
}

void printReplicaSet(const json::object& o, const Ctx& ctx, Row& row) {
  auto [names, images] = containerCells(arr(o, {"spec", "template", "spec", "containers"}));
  row.cells = {str(o, {"metadata", "name"}),
               integer(o, {"spec", "replicas"}, 1),
               integer(o, {"status", "replicas"}),
               integer(o, {"status", "readyReplicas"}),
               ctx.age(o),
               names,
               images,
               formatLabelSelector(obj(o, {"spec", "selector"}))};
}

void printDaemonSet(const json::object& o, const Ctx& ctx, Row& row) {
  auto [names, images] = containerCells(arr(o, {"spec", "template", "spec", "containers"}));
  row.cells = {str(o, {"metadata", "name"}),
               integer(o, {"status", "desiredNumberScheduled"}),
               integer(o, {"status", "currentNumberScheduled"}),
               integer(o, {"status", "numberReady"}),
               integer(o, {"status", "updatedNumberScheduled"}),
               integer(o, {"status", "numberAvailable"}),
               formatLabels(obj(o, {"spec", "template", "spec", "nodeSelector"})),
               ctx.age(o),
               names,
               images,
               formatLabelSelector(obj(o, {"spec", "selector"}))};
}

void printJob(const json::object& o, const Ctx& ctx, Row& row) {
  // Defaulting: a Job with neither completions nor parallelism runs once.
  auto completionsSpec = optInt(o, {"spec", "completions"});
  auto parallelismSpec = optInt(o, {"spec", "parallelism"});
  if (!completionsSpec && !parallelismSpec) completionsSpec = 1;
  long long succeeded = integer(o, {"status", "succeeded"});
  std::string completions;
  if (completionsSpec) {
    completions = std::to_string(succeeded) + "/" + std::to_string(*completionsSpec);
  } else {
    long long parallelism = parallelismSpec.value_or(1);
    completions =
        std::to_string(succeeded) + "/1" + (parallelism > 1 ? " of " + std::to_string(parallelism) : "");
  }
  std::string duration;
  auto start = timeAt(o, {"status", "startTime"});
  auto completion = timeAt(o, {"status", "completionTime"});
  if (start && !completion) {
    duration = humanDuration(ctx.now - *start);
  } else if (start && completion) {
    duration = humanDuration(*completion - *start);
  }
  std::string status;
  bool deleting = get(o, {"metadata", "deletionTimestamp"}) != nullptr;
  if (conditionTrue(o, {"status", "conditions"}, "Complete")) {
    status = "Complete";
  } else if (conditionTrue(o, {"status", "conditions"}, "Failed")) {
    status = "Failed";
  } else if (deleting) {
    status = "Terminating";
  } else if (conditionTrue(o, {"status", "conditions"}, "Suspended")) {
    status = "Suspended";
  } else if (conditionTrue(o, {"status", "conditions"}, "FailureTarget")) {
    status = "FailureTarget";
  } else {
    status = "Running";
  }
  auto [names, images] = containerCells(arr(o, {"spec", "template", "spec", "containers"}));
  row.cells = {str(o, {"metadata", "name"}),
               status,
               completions,
               duration,
               ctx.age(o),
               names,
               images,
               formatLabelSelector(obj(o, {"spec", "selector"}))};
}

void printCronJob(const json::object& o, const Ctx& ctx, Row& row) {
  std::string lastSchedule = "<none>";
  if (auto t = timeAt(o, {"status", "lastScheduleTime"})) lastSchedule = ctx.since(t);
  std::string timeZone = "<none>";
  if (const auto* tz = get(o, {"spec", "timeZone"}); tz != nullptr && tz->is_string())
    timeZone = tz->get_string();
  auto suspend = optBool(o, {"spec", "suspend"});
  if (!suspend) suspend = false;  // defaulted
  auto [names, images] =
      containerCells(arr(o, {"spec", "jobTemplate", "spec", "template", "spec", "containers"}));
  row.cells = {str(o, {"metadata", "name"}),
               str(o, {"spec", "schedule"}),
               timeZone,
               printBoolPtr(suspend),
               static_cast<long long>(count(o, {"status", "active"})),
               lastSchedule,
               ctx.age(o),
               names,
               images,
               formatLabelSelector(obj(o, {"spec", "jobTemplate", "spec", "selector"}))};
}

void printService(const json::object& o, const Ctx& ctx, Row& row) {
  std::string type = str(o, {"spec", "type"});
  if (type.empty()) type = "ClusterIP";
  std::string internalIP = "<none>";
  if (const auto* ips = arr(o, {"spec", "clusterIPs"});
      ips != nullptr && !ips->empty() && (*ips)[0].is_string()) {
    internalIP = (*ips)[0].get_string();
  } else if (std::string ip = str(o, {"spec", "clusterIP"}); !ip.empty()) {
    internalIP = ip;
  }
  std::vector<std::string> externalIPs;
  if (const auto* ips = arr(o, {"spec", "externalIPs"})) {
    for (const auto& ip : *ips) {
      if (ip.is_string()) externalIPs.emplace_back(ip.get_string());
    }
  }
  std::string externalIP = "<unknown>";
  if (type == "ClusterIP" || type == "NodePort") {
    externalIP = externalIPs.empty() ? "<none>" : join(externalIPs, ",");
  } else if (type == "LoadBalancer") {
    std::string lb = loadBalancerIngress(arr(o, {"status", "loadBalancer", "ingress"}));
    if (!externalIPs.empty()) {
      externalIP = lb.empty() ? join(externalIPs, ",") : lb + "," + join(externalIPs, ",");
    } else {
      externalIP = lb.empty() ? "<pending>" : lb;
    }
  } else if (type == "ExternalName") {
    externalIP = str(o, {"spec", "externalName"});
  }
  std::vector<std::string> ports;
  if (const auto* ps = arr(o, {"spec", "ports"})) {
    for (const auto& p : *ps) {
      if (!p.is_object()) continue;
      const auto& po = p.get_object();
      std::string protocol = str(po, {"protocol"});
      if (protocol.empty()) protocol = "TCP";
      long long nodePort = integer(po, {"nodePort"});
      ports.push_back(std::to_string(integer(po, {"port"})) +
                      (nodePort > 0 ? ":" + std::to_string(nodePort) : "") + "/" + protocol);
    }
  }
  row.cells = {str(o, {"metadata", "name"}),
               type,
               internalIP,
               externalIP,
               ports.empty() ? "<none>" : join(ports, ","),
               ctx.age(o),
               formatLabels(obj(o, {"spec", "selector"}))};
}

void printIngress(const json::object& o, const Ctx& ctx, Row& row) {
  std::string className = "<none>";
  if (const auto* c = get(o, {"spec", "ingressClassName"}); c != nullptr && c->is_string())
    className = c->get_string();
  std::vector<std::string> hosts;
  const size_t max = 3;
  bool more = false;
  const auto* rules = arr(o, {"spec", "rules"});
  size_t ruleCount = rules == nullptr ? 0 : rules->size();
  if (rules != nullptr) {
    for (const auto& r : *rules) {
      if (hosts.size() == max) more = true;
      std::string host = r.is_object() ? str(r.get_object(), {"host"}) : "";
      if (!more && !host.empty()) hosts.push_back(host);
    }
  }
  std::string hostText = hosts.empty() ? "*" : join(hosts, ",");
  if (!hosts.empty() && more) hostText += " + " + std::to_string(ruleCount - max) + " more...";
  std::string ports = count(o, {"spec", "tls"}) != 0 ? "80, 443" : "80";
  row.cells = {str(o, {"metadata", "name"}),
               className,
               hostText,
               loadBalancerIngress(arr(o, {"status", "loadBalancer", "ingress"})),
               ports,
               ctx.age(o)};
}

void printIngressClass(const json::object& o, const Ctx& ctx, Row& row) {
  std::string parameters = "<none>";
  if (const auto* p = obj(o, {"spec", "parameters"})) {
    parameters = str(*p, {"kind"});
    if (const auto* g = get(*p, {"apiGroup"}); g != nullptr && g->is_string()) {
      parameters += "." + std::string(g->get_string());
    }
    parameters += "/" + str(*p, {"name"});
  }
  row.cells = {str(o, {"metadata", "name"}), str(o, {"spec", "controller"}), parameters, ctx.age(o)};
}

void printStatefulSet(const json::object& o, const Ctx& ctx, Row& row) {
  auto [names, images] = containerCells(arr(o, {"spec", "template", "spec", "containers"}));
  row.cells = {str(o, {"metadata", "name"}),
               std::to_string(integer(o, {"status", "readyReplicas"})) + "/" +
                   std::to_string(integer(o, {"spec", "replicas"}, 1)),
               ctx.age(o), names, images};
}

void printEndpoints(const json::object& o, const Ctx& ctx, Row& row) {
  auto ipAt = [](const json::array& addresses, size_t i) {
    return addresses[i].is_object() ? str(addresses[i].get_object(), {"ip"}) : std::string();
  };
  std::string text;
  const auto* subsets = arr(o, {"subsets"});
  if (subsets == nullptr || subsets->empty()) {
    text = "<none>";
  } else {
    std::vector<std::string> list;
    const size_t max = 3;
    bool more = false;
    size_t total = 0;
    for (const auto& ssv : *subsets) {
      if (!ssv.is_object()) continue;
      const auto& ss = ssv.get_object();
      const auto* addresses = arr(ss, {"addresses"});
      size_t addressCount = addresses == nullptr ? 0 : addresses->size();
      const auto* ports = arr(ss, {"ports"});
      if (ports == nullptr || ports->empty()) {
        total += addressCount;  // headless services may have no ports
        for (size_t i = 0; i < addressCount; ++i) {
          if (list.size() == max) {
            more = true;
            break;
          }
          list.push_back(ipAt(*addresses, i));
        }
        continue;
      }
      for (const auto& port : *ports) {
        total += addressCount;
        for (size_t i = 0; i < addressCount; ++i) {
          if (list.size() == max) {
            more = true;
            break;
          }
          std::string ip = ipAt(*addresses, i);
          std::string p = std::to_string(port.is_object() ? integer(port.get_object(), {"port"}) : 0);
          list.push_back(ip.find(':') != std::string::npos ? "[" + ip + "]:" + p
                                                           : ip + ":" + p);  // JoinHostPort
        }
      }
    }
    text = join(list, ",");
    if (more) text += " + " + std::to_string(total - max) + " more...";
  }
  row.cells = {str(o, {"metadata", "name"}), text, ctx.age(o)};
}

void printEndpointSlice(const json::object& o, const Ctx& ctx, Row& row) {
  const size_t max = 3;
  std::vector<std::string> ports;
  bool morePorts = false;
  size_t portCount = 0;
  if (const auto* ps = arr(o, {"ports"})) {
    for (const auto& p : *ps) {
      if (ports.size() < max) {
        std::string n = "*";
        if (p.is_object()) {
          if (auto port = optInt(p.get_object(), {"port"})) {
            n = std::to_string(*port);
          } else if (const auto* name = get(p.get_object(), {"name"}); name != nullptr && name->is_string()) {
            n = name->get_string();
          }
        }
        ports.push_back(n);
      } else if (ports.size() == max) {
        morePorts = true;
      }
      ++portCount;
    }
  }
  std::vector<std::string> endpoints;
  bool moreEndpoints = false;
  size_t endpointCount = 0;
  if (const auto* es = arr(o, {"endpoints"})) {
    for (const auto& e : *es) {
      const auto* addresses = e.is_object() ? arr(e.get_object(), {"addresses"}) : nullptr;
      if (addresses == nullptr) continue;
      for (const auto& a : *addresses) {
        if (endpoints.size() < max) {
          endpoints.push_back(a.is_string() ? std::string(a.get_string()) : "");
        } else if (endpoints.size() == max) {
          moreEndpoints = true;
        }
        ++endpointCount;
      }
    }
  }
  row.cells = {str(o, {"metadata", "name"}), str(o, {"addressType"}),
               listWithMore(ports, morePorts, portCount, max),
               listWithMore(endpoints, moreEndpoints, endpointCount, max), ctx.age(o)};
}

std::string nodeAddress(const json::object& node, std::string_view type) {
  if (const auto* addresses = arr(node, {"status", "addresses"})) {
    for (const auto& a : *addresses) {
      if (a.is_object() && str(a.get_object(), {"type"}) == type) return str(a.get_object(), {"address"});
    }
  }
  return "<none>";
}

void printNode(const json::object& o, const Ctx& ctx, Row& row) {
  std::vector<std::string> status;
  if (const auto* conditions = arr(o, {"status", "conditions"})) {
    // Only Ready is shown; the last condition of that type wins, as with the printer's map.
    std::optional<std::string> ready;
    for (const auto& c : *conditions) {
      if (c.is_object() && str(c.get_object(), {"type"}) == "Ready") ready = str(c.get_object(), {"status"});
    }
    if (ready) status.push_back(*ready == "True" ? "Ready" : "NotReady");
  }
  if (status.empty()) status.emplace_back("Unknown");
  if (boolean(o, {"spec", "unschedulable"})) status.emplace_back("SchedulingDisabled");
  std::set<std::string> roles;
  if (const auto* labels = obj(o, {"metadata", "labels"})) {
    constexpr std::string_view prefix = "node-role.kubernetes.io/";
    for (const auto& kv : *labels) {
      std::string_view k = kv.key();
      std::string v = kv.value().is_string() ? std::string(kv.value().get_string()) : "";
      if (k.starts_with(prefix)) {
        if (k.size() > prefix.size()) roles.insert(std::string(k.substr(prefix.size())));
      } else if (k == "kubernetes.io/role" && !v.empty()) {
        roles.insert(v);
      }
    }
  }
  std::string roleText = join(std::vector<std::string>(roles.begin(), roles.end()), ",");
  auto orUnknown = [](std::string s) { return s.empty() ? std::string("<unknown>") : s; };
  row.cells = {str(o, {"metadata", "name"}),
               join(status, ","),
               roleText.empty() ? "<none>" : roleText,
               ctx.age(o),
               str(o, {"status", "nodeInfo", "kubeletVersion"}),
               nodeAddress(o, "InternalIP"),
               nodeAddress(o, "ExternalIP"),
               orUnknown(str(o, {"status", "nodeInfo", "osImage"})),
               orUnknown(str(o, {"status", "nodeInfo", "kernelVersion"})),
               orUnknown(str(o, {"status", "nodeInfo", "containerRuntimeVersion"}))};
}

// Core v1 and events.k8s.io/v1 Events print alike (both convert to the internal Event); the field names
// differ.
void printEventWith(const json::object& o, const Ctx& ctx, Row& row, bool eventsGroup) {
  auto f = [&](std::string_view core, std::string_view events) { return eventsGroup ? events : core; };
  std::string firstTimestamp = ctx.since(timeAt(o, {f("firstTimestamp", "deprecatedFirstTimestamp")}));
  if (!timeAt(o, {f("firstTimestamp", "deprecatedFirstTimestamp")}))
    firstTimestamp = ctx.since(timeAt(o, {"eventTime"}));
  std::string lastTimestamp = ctx.since(timeAt(o, {f("lastTimestamp", "deprecatedLastTimestamp")}));
  if (!timeAt(o, {f("lastTimestamp", "deprecatedLastTimestamp")})) lastTimestamp = firstTimestamp;
  long long eventCount = integer(o, {f("count", "deprecatedCount")});
  if (obj(o, {"series"}) != nullptr) {
    lastTimestamp = ctx.since(timeAt(o, {"series", "lastObservedTime"}));
    eventCount = integer(o, {"series", "count"});
  } else if (eventCount == 0) {
    eventCount = 1;  // singleton events carry no count in the new API
  }
  std::string_view involved = f("involvedObject", "regarding");
  std::string kind = str(o, {involved, "kind"});
  std::string name = str(o, {involved, "name"});
  std::string target = name.empty() ? lower(kind) : lower(kind) + "/" + name;
  std::string component = str(o, {f("source", "deprecatedSource"), "component"});
  if (component.empty()) component = str(o, {f("reportingComponent", "reportingController")});
  std::string host = str(o, {f("source", "deprecatedSource"), "host"});
  if (host.empty()) host = str(o, {"reportingInstance"});
  std::string source = host.empty() ? component : component + ", " + host;
  row.cells = {lastTimestamp,
               str(o, {"type"}),
               str(o, {"reason"}),
               target,
               str(o, {involved, "fieldPath"}),
               source,
               trimSpace(str(o, {f("message", "note")})),
               firstTimestamp,
               eventCount,
               str(o, {"metadata", "name"})};
}

void printEvent(const json::object& o, const Ctx& ctx, Row& row) {
  printEventWith(o, ctx, row, false);
}
void printEventsGroupEvent(const json::object& o, const Ctx& ctx, Row& row) {
  printEventWith(o, ctx, row, true);
}

void printNamespace(const json::object& o, const Ctx& ctx, Row& row) {
  std::string phase = str(o, {"status", "phase"});
  row.cells = {str(o, {"metadata", "name"}), phase.empty() ? "Active" : phase, ctx.age(o)};
}

void printSecret(const json::object& o, const Ctx& ctx, Row& row) {
  std::string type = str(o, {"type"});
  row.cells = {str(o, {"metadata", "name"}), type.empty() ? "Opaque" : type,
               static_cast<long long>(count(o, {"data"})), ctx.age(o)};
}

void printServiceAccount(const json::object& o, const Ctx& ctx, Row& row) {
  row.cells = {str(o, {"metadata", "name"}), static_cast<long long>(count(o, {"secrets"})), ctx.age(o)};
}

std::string storageClassOf(const json::object& o, std::initializer_list<std::string_view> specField) {
  // The beta annotation still wins over the field, as helper.GetPersistentVolume(Claim)Class does.
  if (const auto* a = get(o, {"metadata", "annotations", "volume.beta.kubernetes.io/storage-class"});
      a != nullptr && a->is_string()) {
    return std::string(a->get_string());
  }
  return str(o, specField);
}

void printPersistentVolume(const json::object& o, const Ctx& ctx, Row& row) {
  std::string claim;
  if (const auto* ref = obj(o, {"spec", "claimRef"}))
    claim = str(*ref, {"namespace"}) + "/" + str(*ref, {"name"});
  std::string reclaim = str(o, {"spec", "persistentVolumeReclaimPolicy"});
  if (reclaim.empty()) reclaim = "Retain";
  std::string phase = str(o, {"status", "phase"});
  if (phase.empty()) phase = "Pending";
  if (get(o, {"metadata", "deletionTimestamp"}) != nullptr) phase = "Terminating";
  std::string volumeMode = str(o, {"spec", "volumeMode"});
  if (volumeMode.empty()) volumeMode = "Filesystem";  // defaulted
  std::string vac = "<unset>";
  if (const auto* v = get(o, {"spec", "volumeAttributesClassName"}); v != nullptr && v->is_string())
    vac = v->get_string();
  row.cells = {str(o, {"metadata", "name"}),
               scalarText(get(o, {"spec", "capacity", "storage"}), "0"),
               accessModes(arr(o, {"spec", "accessModes"})),
               reclaim,
               phase,
               claim,
               storageClassOf(o, {"spec", "storageClassName"}),
               vac,
               str(o, {"status", "reason"}),
               ctx.age(o),
               volumeMode};
}

void printPersistentVolumeClaim(const json::object& o, const Ctx& ctx, Row& row) {
  std::string phase = str(o, {"status", "phase"});
  if (phase.empty()) phase = "Pending";
  if (get(o, {"metadata", "deletionTimestamp"}) != nullptr) phase = "Terminating";
  std::string capacity;
  std::string modes;
  std::string volumeName = str(o, {"spec", "volumeName"});
  if (!volumeName.empty()) {
    modes = accessModes(arr(o, {"status", "accessModes"}));
    capacity = scalarText(get(o, {"status", "capacity", "storage"}), "0");
  }
  std::string volumeMode = str(o, {"spec", "volumeMode"});
  if (volumeMode.empty()) volumeMode = "Filesystem";  // defaulted
  std::string vac = "<unset>";
  if (const auto* v = get(o, {"spec", "volumeAttributesClassName"}); v != nullptr && v->is_string())
    vac = v->get_string();
  row.cells = {str(o, {"metadata", "name"}),
               phase,
               volumeName,
               capacity,
               modes,
               storageClassOf(o, {"spec", "storageClassName"}),
               vac,
               ctx.age(o),
               volumeMode};
}

void printDeployment(const json::object& o, const Ctx& ctx, Row& row) {
  auto [names, images] = containerCells(arr(o, {"spec", "template", "spec", "containers"}));
  std::string selector;
  if (const auto* sel = obj(o, {"spec", "selector"})) {
    try {
      selector = LabelSelector::fromObject(*sel).toString();
    } catch (const SelectorError&) {
      selector = "<invalid>";
    }
  }
  row.cells = {str(o, {"metadata", "name"}),
               std::to_string(integer(o, {"status", "readyReplicas"})) + "/" +
                   std::to_string(integer(o, {"spec", "replicas"}, 1)),
               integer(o, {"status", "updatedReplicas"}),
               integer(o, {"status", "availableReplicas"}),
               ctx.age(o),
               names,
               images,
               selector};
}

// formatHPAMetrics over the autoscaling/v2 shape; `<nil>` is what a nil *Quantity prints.
std::string formatHPAMetrics(const json::array& specs, const json::array* statuses) {
  if (specs.empty()) return "<none>";
  auto status = [&](size_t i, std::string_view member) -> const json::object* {
    if (statuses == nullptr || i >= statuses->size() || !(*statuses)[i].is_object()) return nullptr;
    return obj((*statuses)[i].get_object(), {member});
  };
  std::vector<std::string> list;
  for (size_t i = 0; i < specs.size(); ++i) {
    if (!specs[i].is_object()) {
      list.emplace_back("<unknown type>");
      continue;
    }
    const auto& spec = specs[i].get_object();
    std::string type = str(spec, {"type"});
    auto valueOrAverage = [&](std::string_view member) {
      const auto* target = obj(spec, {member, "target"});
      const auto* st = status(i, member);
      if (target != nullptr && get(*target, {"averageValue"}) != nullptr) {
        std::string current = "<unknown>";
        if (st != nullptr && get(*st, {"current", "averageValue"}) != nullptr) {
          current = scalarText(get(*st, {"current", "averageValue"}), "<nil>");
        }
        return current + "/" + scalarText(get(*target, {"averageValue"}), "<nil>") + " (avg)";
      }
      std::string current = st != nullptr ? scalarText(get(*st, {"current", "value"}), "<nil>") : "<unknown>";
      return current + "/" + scalarText(target == nullptr ? nullptr : get(*target, {"value"}), "<nil>");
    };
    auto resource = [&](std::string_view member) {
      const auto* target = obj(spec, {member, "target"});
      const auto* st = status(i, member);
      std::string name = str(spec, {member, "name"});
      if (target != nullptr && get(*target, {"averageValue"}) != nullptr) {
        std::string current =
            st != nullptr ? scalarText(get(*st, {"current", "averageValue"}), "<nil>") : "<unknown>";
        return name + ": " + current + "/" + scalarText(get(*target, {"averageValue"}), "<nil>");
      }
      std::string current = "<unknown>";
      if (st != nullptr) {
        if (auto u = optInt(*st, {"current", "averageUtilization"})) current = std::to_string(*u) + "%";
      }
      std::string targetText = "<auto>";
      if (target != nullptr) {
        if (auto u = optInt(*target, {"averageUtilization"})) targetText = std::to_string(*u) + "%";
      }
      return name + ": " + current + "/" + targetText;
    };
    if (type == "External") {
      list.push_back(valueOrAverage("external"));
    } else if (type == "Pods") {
      const auto* st = status(i, "pods");
      std::string current =
          st != nullptr ? scalarText(get(*st, {"current", "averageValue"}), "<nil>") : "<unknown>";
      list.push_back(current + "/" + scalarText(get(spec, {"pods", "target", "averageValue"}), "<nil>"));
    } else if (type == "Object") {
      list.push_back(valueOrAverage("object"));
    } else if (type == "Resource") {
      list.push_back(resource("resource"));
    } else if (type == "ContainerResource") {
      list.push_back(resource("containerResource"));
    } else {
      list.emplace_back("<unknown type>");
    }
  }
  const size_t max = 2;
  size_t total = list.size();
  if (total > max) list.resize(max);
  std::string ret = join(list, ", ");
  if (total > max) ret += " + " + std::to_string(total - max) + " more...";
  return ret;
}

void printHorizontalPodAutoscaler(const json::object& o, const Ctx& ctx, Row& row) {
  // autoscaling/v1 objects carry a CPU target instead of metrics; both convert to the same internal form, and
  // v2 defaulting fills in an 80% CPU target when no metric is given.
  json::array specs;
  json::array statuses;
  auto resourceMetric = [](std::optional<long long> utilization, bool isStatus) {
    json::object m;
    m["type"] = "Resource";
    json::object r;
    r["name"] = "cpu";
    json::object value;
    if (utilization) value["averageUtilization"] = *utilization;
    if (!isStatus) value["type"] = "Utilization";
    r[isStatus ? "current" : "target"] = std::move(value);
    m["resource"] = std::move(r);
    return m;
  };
  if (const auto* m = arr(o, {"spec", "metrics"}); m != nullptr && !m->empty()) {
    specs = *m;
    if (const auto* s = arr(o, {"status", "currentMetrics"})) statuses = *s;
  } else if (auto target = optInt(o, {"spec", "targetCPUUtilizationPercentage"})) {
    specs.push_back(resourceMetric(target, false));
    if (auto current = optInt(o, {"status", "currentCPUUtilizationPercentage"})) {
      statuses.push_back(resourceMetric(current, true));
    }
  } else {
    specs.push_back(resourceMetric(80, false));
    if (auto current = optInt(o, {"status", "currentCPUUtilizationPercentage"})) {
      statuses.push_back(resourceMetric(current, true));
    }
  }
  std::string minPods = std::to_string(integer(o, {"spec", "minReplicas"}, 1));
  row.cells = {str(o, {"metadata", "name"}),
               str(o, {"spec", "scaleTargetRef", "kind"}) + "/" + str(o, {"spec", "scaleTargetRef", "name"}),
               formatHPAMetrics(specs, &statuses),
               minPods,
               integer(o, {"spec", "maxReplicas"}),
               integer(o, {"status", "currentReplicas"}),
               ctx.age(o)};
}

void printConfigMap(const json::object& o, const Ctx& ctx, Row& row) {
  row.cells = {str(o, {"metadata", "name"}),
               static_cast<long long>(count(o, {"data"}) + count(o, {"binaryData"})), ctx.age(o)};
}

void printNetworkPolicy(const json::object& o, const Ctx& ctx, Row& row) {
  static const json::object emptySelector;
  const auto* sel = obj(o, {"spec", "podSelector"});
  row.cells = {str(o, {"metadata", "name"}), formatLabelSelector(sel == nullptr ? &emptySelector : sel),
               ctx.age(o)};
}

void printBinding(const json::object& o, const Ctx& ctx, Row& row) {
  std::vector<std::string> users, groups, sas;
  if (const auto* subjects = arr(o, {"subjects"})) {
    for (const auto& s : *subjects) {
      if (!s.is_object()) continue;
      const auto& so = s.get_object();
      std::string kind = str(so, {"kind"});
      if (kind == "ServiceAccount") {
        sas.push_back(str(so, {"namespace"}) + "/" + str(so, {"name"}));
      } else if (kind == "User") {
        users.push_back(str(so, {"name"}));
      } else if (kind == "Group") {
        groups.push_back(str(so, {"name"}));
      }
    }
  }
  row.cells = {str(o, {"metadata", "name"}),
               str(o, {"roleRef", "kind"}) + "/" + str(o, {"roleRef", "name"}),
               ctx.age(o),
               join(users, ", "),
               join(groups, ", "),
               join(sas, ", ")};
}

void printLease(const json::object& o, const Ctx& ctx, Row& row) {
  row.cells = {str(o, {"metadata", "name"}), str(o, {"spec", "holderIdentity"}), ctx.age(o)};
}

void printStorageClass(const json::object& o, const Ctx& ctx, Row& row) {
  std::string name = str(o, {"metadata", "name"});
  if (str(o, {"metadata", "annotations", "storageclass.kubernetes.io/is-default-class"}) == "true" ||
      str(o, {"metadata", "annotations", "storageclass.beta.kubernetes.io/is-default-class"}) == "true") {
    name += " (default)";
  }
  std::string reclaim = str(o, {"reclaimPolicy"});
  std::string binding = str(o, {"volumeBindingMode"});
  row.cells = {name,
               str(o, {"provisioner"}),
               reclaim.empty() ? "Delete" : reclaim,
               binding.empty() ? "Immediate" : binding,
               boolean(o, {"allowVolumeExpansion"}),
               ctx.age(o)};
}

void printControllerRevision(const json::object& o, const Ctx& ctx, Row& row) {
  std::string controller = "<none>";
  if (const auto* refs = arr(o, {"metadata", "ownerReferences"})) {
    for (const auto& r : *refs) {
      if (!r.is_object() || !boolean(r.get_object(), {"controller"})) continue;
      std::string apiVersion = str(r.get_object(), {"apiVersion"});
      auto slash = apiVersion.find('/');
      std::string group = slash == std::string::npos ? "" : apiVersion.substr(0, slash);
      std::string kind = str(r.get_object(), {"kind"});
      std::string groupKind = group.empty() ? kind : kind + "." + group;
      std::string name = str(r.get_object(), {"name"});
      controller = groupKind.empty() ? name : lower(groupKind) + "/" + name;
      break;
    }
  }
  row.cells = {str(o, {"metadata", "name"}), controller, integer(o, {"revision"}), ctx.age(o)};
}

void printResourceQuota(const json::object& o, const Ctx& ctx, Row& row) {
  std::vector<std::string> names;
  const auto* hard = obj(o, {"status", "hard"});
  const auto* used = obj(o, {"status", "used"});
  if (hard != nullptr) {
    for (const auto& kv : *hard)
      names.emplace_back(kv.key());
  }
  std::sort(names.begin(), names.end());
  std::string requests, limits;
  for (const auto& n : names) {
    std::string& column = n.starts_with("limits.") ? limits : requests;
    const json::value* u = nullptr;
    if (used != nullptr) {
      auto it = used->find(n);
      if (it != used->end()) u = &it->value();
    }
    column += n + ": " + scalarText(u, "0") + "/" + scalarText(&hard->at(n), "0") + ", ";
  }
  auto trim = [](std::string s) {
    if (s.ends_with(", ")) s.resize(s.size() - 2);
    return s;
  };
  row.cells = {str(o, {"metadata", "name"}), trim(requests), trim(limits), ctx.age(o)};
}

void printPriorityClass(const json::object& o, const Ctx& ctx, Row& row) {
  row.cells = {str(o, {"metadata", "name"}), integer(o, {"value"}), boolean(o, {"globalDefault"}), ctx.age(o),
               str(o, {"preemptionPolicy"})};
}

const std::map<std::string, Printer, std::less<>>& printers() {
  static const std::map<std::string, Printer, std::less<>> table = [] {
    std::map<std::string, Printer, std::less<>> t;
    t["/pods"] = {{nameColumn(),
                   col("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
                   col("Status", "string", "The aggregate status of the containers in this pod."),
                   col("Restarts", "string",
                       "The number of times the containers in this pod have been restarted and when the last "
                       "container in this pod has restarted."),
                   ageColumn(), col("IP", "string", doc("PodStatus.podIP"), 1),
                   col("Node", "string", doc("PodSpec.nodeName"), 1),
                   col("Nominated Node", "string", doc("PodStatus.nominatedNodeName"), 1),
                   col("Readiness Gates", "string", doc("PodSpec.readinessGates"), 1)},
                  printPod};
    t["/podtemplates"] = {
        {nameColumn(), col("Containers", "string", "Names of each container in the template."),
         col("Images", "string", "Images referenced by each container in the template."),
         col("Pod Labels", "string", "The labels for the pod template.")},
        printPodTemplate};
    t["policy/poddisruptionbudgets"] = {
        {nameColumn(), col("Min Available", "string", "The minimum number of pods that must be available."),
         col("Max Unavailable", "string", "The maximum number of pods that may be unavailable."),
         col("Allowed Disruptions", "integer",
             "Calculated number of pods that may be disrupted at this time."),
         ageColumn()},
        printPodDisruptionBudget};
    t["/replicationcontrollers"] = {
        {nameColumn(), col("Desired", "integer", doc("ReplicationControllerSpec.replicas")),
         col("Current", "integer", doc("ReplicationControllerStatus.replicas")),
         col("Ready", "integer", doc("ReplicationControllerStatus.readyReplicas")), ageColumn(),
         containersColumn(), imagesColumn(),
         col("Selector", "string", doc("ReplicationControllerSpec.selector"), 1)},
        printReplicationController};
    t["apps/replicasets"] = {
        {nameColumn(), col("Desired", "integer", doc("ReplicaSetSpec.replicas")),
         col("Current", "integer", doc("ReplicaSetStatus.replicas")),
         col("Ready", "integer", doc("ReplicaSetStatus.readyReplicas")), ageColumn(), containersColumn(),
         imagesColumn(), col("Selector", "string", doc("ReplicaSetSpec.selector"), 1)},
        printReplicaSet};
    t["apps/daemonsets"] = {
        {nameColumn(), col("Desired", "integer", doc("DaemonSetStatus.desiredNumberScheduled")),
         col("Current", "integer", doc("DaemonSetStatus.currentNumberScheduled")),
         col("Ready", "integer", doc("DaemonSetStatus.numberReady")),
         col("Up-to-date", "integer", doc("DaemonSetStatus.updatedNumberScheduled")),
         col("Available", "integer", doc("DaemonSetStatus.numberAvailable")),
         col("Node Selector", "string", doc("PodSpec.nodeSelector")), ageColumn(), containersColumn(),
         imagesColumn(), col("Selector", "string", doc("DaemonSetSpec.selector"), 1)},
        printDaemonSet};
    t["batch/jobs"] = {
        {nameColumn(), col("Status", "string", "Status of the job."),
         col("Completions", "string", doc("JobStatus.succeeded")),
         col("Duration", "string", "Time required to complete the job."), ageColumn(), containersColumn(),
         imagesColumn(), col("Selector", "string", doc("JobSpec.selector"), 1)},
        printJob};
    t["batch/cronjobs"] = {
        {nameColumn(), col("Schedule", "string", doc("CronJobSpec.schedule")),
         col("Timezone", "string", doc("CronJobSpec.timeZone")),
         col("Suspend", "boolean", doc("CronJobSpec.suspend")),
         col("Active", "integer", doc("CronJobStatus.active")),
         col("Last Schedule", "string", doc("CronJobStatus.lastScheduleTime")), ageColumn(),
         containersColumn(), imagesColumn(), col("Selector", "string", doc("JobSpec.selector"), 1)},
        printCronJob};
    t["/services"] = {{nameColumn(), col("Type", "string", doc("ServiceSpec.type")),
                       col("Cluster-IP", "string", doc("ServiceSpec.clusterIP")),
                       col("External-IP", "string", doc("ServiceSpec.externalIPs")),
                       col("Port(s)", "string", doc("ServiceSpec.ports")), ageColumn(),
                       col("Selector", "string", doc("ServiceSpec.selector"), 1)},
                      printService};
    t["networking.k8s.io/ingresses"] = {
        {nameColumn(),
         col("Class", "string",
             "The name of the IngressClass resource that should be used for additional configuration"),
         col("Hosts", "string", "Hosts that incoming requests are matched against before the ingress rule"),
         col("Address", "string", "Address is a list containing ingress points for the load-balancer"),
         col("Ports", "string", "Ports of TLS configurations that open"), ageColumn()},
        printIngress};
    t["networking.k8s.io/ingressclasses"] = {
        {nameColumn(), col("Controller", "string", "Controller that is responsible for handling this class"),
         col("Parameters", "string", "A reference to a resource with additional parameters"), ageColumn()},
        printIngressClass};
    t["apps/statefulsets"] = {{nameColumn(), col("Ready", "string", "Number of the pod with ready state"),
                               ageColumn(), containersColumn(), imagesColumn()},
                              printStatefulSet};
    t["/endpoints"] = {{nameColumn(), col("Endpoints", "string", doc("Endpoints.subsets")), ageColumn()},
                       printEndpoints};
    t["discovery.k8s.io/endpointslices"] = {
        {nameColumn(), col("AddressType", "string", doc("EndpointSlice.addressType")),
         col("Ports", "string", doc("EndpointSlice.ports")),
         col("Endpoints", "string", doc("EndpointSlice.endpoints")), ageColumn()},
        printEndpointSlice};
    t["/nodes"] = {{nameColumn(), col("Status", "string", "The status of the node"),
                    col("Roles", "string", "The roles of the node"), ageColumn(),
                    col("Version", "string", doc("NodeSystemInfo.kubeletVersion")),
                    col("Internal-IP", "string", doc("NodeStatus.addresses"), 1),
                    col("External-IP", "string", doc("NodeStatus.addresses"), 1),
                    col("OS-Image", "string", doc("NodeSystemInfo.osImage"), 1),
                    col("Kernel-Version", "string", doc("NodeSystemInfo.kernelVersion"), 1),
                    col("Container-Runtime", "string", doc("NodeSystemInfo.containerRuntimeVersion"), 1)},
                   printNode};
    std::vector<Column> eventColumns = {col("Last Seen", "string", doc("Event.lastTimestamp")),
                                        col("Type", "string", doc("Event.type")),
                                        col("Reason", "string", doc("Event.reason")),
                                        col("Object", "string", doc("Event.involvedObject")),
                                        col("Subobject", "string", doc("ObjectReference.fieldPath"), 1),
                                        col("Source", "string", doc("Event.source"), 1),
                                        col("Message", "string", doc("Event.message")),
                                        col("First Seen", "string", doc("Event.firstTimestamp"), 1),
                                        col("Count", "string", doc("Event.count"), 1),
                                        {"Name", "string", "name", doc("ObjectMeta.name"), 1}};
    t["/events"] = {eventColumns, printEvent};
    t["events.k8s.io/events"] = {eventColumns, printEventsGroupEvent};
    t["/namespaces"] = {{nameColumn(), col("Status", "string", "The status of the namespace"), ageColumn()},
                        printNamespace};
    t["/secrets"] = {{nameColumn(), col("Type", "string", doc("Secret.type")),
                      col("Data", "string", doc("Secret.data")), ageColumn()},
                     printSecret};
    t["/serviceaccounts"] = {
        {nameColumn(), col("Secrets", "string", doc("ServiceAccount.secrets")), ageColumn()},
        printServiceAccount};
    t["/persistentvolumes"] = {
        {nameColumn(), col("Capacity", "string", doc("PersistentVolumeSpec.capacity")),
         col("Access Modes", "string", doc("PersistentVolumeSpec.accessModes")),
         col("Reclaim Policy", "string", doc("PersistentVolumeSpec.persistentVolumeReclaimPolicy")),
         col("Status", "string", doc("PersistentVolumeStatus.phase")),
         col("Claim", "string", doc("PersistentVolumeSpec.claimRef")),
         col("StorageClass", "string", "StorageClass of the pv"),
         col("VolumeAttributesClass", "string", "VolumeAttributesClass of the pv"),
         col("Reason", "string", doc("PersistentVolumeStatus.reason")), ageColumn(),
         col("VolumeMode", "string", doc("PersistentVolumeSpec.volumeMode"), 1)},
        printPersistentVolume};
    t["/persistentvolumeclaims"] = {
        {nameColumn(), col("Status", "string", doc("PersistentVolumeClaimStatus.phase")),
         col("Volume", "string", doc("PersistentVolumeClaimSpec.volumeName")),
         col("Capacity", "string", doc("PersistentVolumeClaimStatus.capacity")),
         col("Access Modes", "string", doc("PersistentVolumeClaimStatus.accessModes")),
         col("StorageClass", "string", "StorageClass of the pvc"),
         col("VolumeAttributesClass", "string", "VolumeAttributesClass of the pvc"), ageColumn(),
         col("VolumeMode", "string", doc("PersistentVolumeClaimSpec.volumeMode"), 1)},
        printPersistentVolumeClaim};
    t["apps/deployments"] = {
        {nameColumn(), col("Ready", "string", "Number of the pod with ready state"),
         col("Up-to-date", "string", doc("DeploymentStatus.updatedReplicas")),
         col("Available", "string", doc("DeploymentStatus.availableReplicas")), ageColumn(),
         containersColumn(), imagesColumn(), col("Selector", "string", doc("DeploymentSpec.selector"), 1)},
        printDeployment};
    t["autoscaling/horizontalpodautoscalers"] = {
        {nameColumn(), col("Reference", "string", doc("HorizontalPodAutoscalerSpec.scaleTargetRef")),
         col("Targets", "string", doc("HorizontalPodAutoscalerSpec.metrics")),
         col("MinPods", "string", doc("HorizontalPodAutoscalerSpec.minReplicas")),
         col("MaxPods", "string", doc("HorizontalPodAutoscalerSpec.maxReplicas")),
         col("Replicas", "string", doc("HorizontalPodAutoscalerStatus.currentReplicas")), ageColumn()},
        printHorizontalPodAutoscaler};
    t["/configmaps"] = {{nameColumn(), col("Data", "string", doc("ConfigMap.data")), ageColumn()},
                        printConfigMap};
    t["networking.k8s.io/networkpolicies"] = {
        {nameColumn(), col("Pod-Selector", "string", doc("NetworkPolicySpec.podSelector")), ageColumn()},
        printNetworkPolicy};
    t["rbac.authorization.k8s.io/rolebindings"] = {
        {nameColumn(), col("Role", "string", doc("RoleBinding.roleRef")), ageColumn(),
         col("Users", "string", "Users in the roleBinding", 1),
         col("Groups", "string", "Groups in the roleBinding", 1),
         col("ServiceAccounts", "string", "ServiceAccounts in the roleBinding", 1)},
        printBinding};
    t["rbac.authorization.k8s.io/clusterrolebindings"] = {
        {nameColumn(), col("Role", "string", doc("ClusterRoleBinding.roleRef")), ageColumn(),
         col("Users", "string", "Users in the clusterRoleBinding", 1),
         col("Groups", "string", "Groups in the clusterRoleBinding", 1),
         col("ServiceAccounts", "string", "ServiceAccounts in the clusterRoleBinding", 1)},
        printBinding};
    t["coordination.k8s.io/leases"] = {
        {nameColumn(), col("Holder", "string", doc("LeaseSpec.holderIdentity")), ageColumn()}, printLease};
    t["storage.k8s.io/storageclasses"] = {
        {nameColumn(), col("Provisioner", "string", doc("StorageClass.provisioner")),
         col("ReclaimPolicy", "string", doc("StorageClass.reclaimPolicy")),
         col("VolumeBindingMode", "string", doc("StorageClass.volumeBindingMode")),
         col("AllowVolumeExpansion", "string", doc("StorageClass.allowVolumeExpansion")), ageColumn()},
        printStorageClass};
    t["apps/controllerrevisions"] = {
        {nameColumn(), col("Controller", "string", "Controller of the object"),
         col("Revision", "string", doc("ControllerRevision.revision")), ageColumn()},
        printControllerRevision};
    t["/resourcequotas"] = {
        {nameColumn(),
         col("Request", "string",
             "Request represents a minimum amount of cpu/memory that a container may consume."),
         col("Limit", "string",
             "Limits control the maximum amount of cpu/memory that a container may use independent of "
             "contention on "
             "the node."),
         ageColumn()},
        printResourceQuota};
    t["scheduling.k8s.io/priorityclasses"] = {
        {nameColumn(), col("Value", "integer", doc("PriorityClass.value")),
         col("Global-Default", "boolean", doc("PriorityClass.globalDefault")), ageColumn(),
         col("PreemptionPolicy", "string", doc("PriorityClass.preemptionPolicy"))},
        printPriorityClass};
    return t;
  }();
  return table;
}

json::object columnJson(const Column& c) {
  json::object o;
  o["name"] = c.name;
  o["type"] = c.type;
  o["format"] = c.format;
  o["description"] = c.description;
  o["priority"] = c.priority;
  return o;
}

long long numericResourceVersion(const json::object& o) {
  std::string rv = str(o, {"metadata", "resourceVersion"});
  long long v = 0;
  for (char c : rv) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

std::string humanDuration(std::chrono::nanoseconds d) {
  using namespace std::chrono;
  const long long seconds =
      duration_cast<std::chrono::seconds>(d).count();  // truncates toward zero, like int()
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return std::to_string(seconds) + "s";
  const long long minutes = duration_cast<std::chrono::minutes>(d).count();
  if (minutes < 10) {
    long long s = seconds % 60;
    return s == 0 ? std::to_string(minutes) + "m" : std::to_string(minutes) + "m" + std::to_string(s) + "s";
  }
  if (minutes < 60 * 3) return std::to_string(minutes) + "m";
  const long long hours = duration_cast<std::chrono::hours>(d).count();
  if (hours < 8) {
    long long m = minutes % 60;
    return m == 0 ? std::to_string(hours) + "h" : std::to_string(hours) + "h" + std::to_string(m) + "m";
  }
  if (hours < 48) return std::to_string(hours) + "h";
  if (hours < 24 * 8) {
    long long h = hours % 24;
    return h == 0 ? std::to_string(hours / 24) + "d"
                  : std::to_string(hours / 24) + "d" + std::to_string(h) + "h";
  }
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24) + "d";
  if (hours < 24 * 365 * 8) {
    long long dy = (hours / 24) % 365;
    return dy == 0 ? std::to_string(hours / 24 / 365) + "y"
                   : std::to_string(hours / 24 / 365) + "y" + std::to_string(dy) + "d";
  }
  return std::to_string(hours / 24 / 365) + "y";
}

boost::json::object toTable(const ResourceType& type, const std::vector<boost::json::object>& items,
                            IncludeObject includeObject, std::chrono::system_clock::time_point now) {
  std::string rv;
  long long best = -1;
  for (const auto& item : items) {
    long long v = numericResourceVersion(item);
    if (v > best) {
      best = v;
      rv = str(item, {"metadata", "resourceVersion"});
    }
  }
  return toTable(type, items, includeObject, now, rv);
}

boost::json::object toTable(const ResourceType& type, const std::vector<boost::json::object>& items,
                            IncludeObject includeObject, std::chrono::system_clock::time_point now,
                            std::string_view resourceVersion) {
  Ctx ctx{now};
  std::vector<Column> columns;
  std::function<void(const json::object&, Row&)> print;
  const auto& table = printers();
  if (auto it = table.find(type.group + "/" + type.plural); it != table.end()) {
    columns = it->second.columns;
    PrintFn fn = it->second.print;
    print = [fn, &ctx](const json::object& o, Row& row) { fn(o, ctx, row); };
  } else if (isBuiltinGroup(type.group)) {
    // rest.NewDefaultTableConvertor: kinds without a printer show NAME and CREATED AT (an RFC 3339 time).
    columns = {nameColumn(), {"Created At", "date", "", doc("ObjectMeta.creationTimestamp"), 0}};
    print = [](const json::object& o, Row& row) {
      row.cells = {str(o, {"metadata", "name"}), formatRfc3339(timeAt(o, {"metadata", "creationTimestamp"}))};
    };
  } else {
    // Custom resources without additionalPrinterColumns: NAME and AGE (a "date" column printed as an age).
    columns = {nameColumn(), {"Age", "date", "", doc("ObjectMeta.creationTimestamp"), 0}};
    print = [&ctx](const json::object& o, Row& row) {
      row.cells = {str(o, {"metadata", "name"}), ctx.age(o)};
    };
  }

  json::array columnDefinitions;
  for (const auto& c : columns)
    columnDefinitions.push_back(columnJson(c));
  json::array rows;
  for (const auto& item : items) {
    Row row;
    print(item, row);
    json::object r;
    r["cells"] = std::move(row.cells);
    if (!row.conditions.empty()) r["conditions"] = std::move(row.conditions);
    if (includeObject == IncludeObject::Object) {
      r["object"] = item;
    } else if (includeObject == IncludeObject::Metadata) {
      json::object partial;
      partial["kind"] = "PartialObjectMetadata";
      partial["apiVersion"] = "meta.k8s.io/v1";
      const auto* md = obj(item, {"metadata"});
      partial["metadata"] = md == nullptr ? json::object() : *md;
      r["object"] = std::move(partial);
    }
    rows.push_back(std::move(r));
  }
  json::object metadata;
  metadata["resourceVersion"] = resourceVersion;
  json::object out;
  out["kind"] = "Table";
  out["apiVersion"] = "meta.k8s.io/v1";
  out["metadata"] = std::move(metadata);
  out["columnDefinitions"] = std::move(columnDefinitions);
  out["rows"] = std::move(rows);
  return out;
}

}  // namespace kubesim

// Observations of a target for baselines and checkpoints: replicas, pods, restarts, crash loops, OOM kills,
// per-pod usage (metrics.k8s.io) and the application's error rate and p95 latency (its Service's /metrics).
#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <sstream>

#include "execute/executor.h"
#include "execute/lease.h"
#include "kube/app_metrics.h"
#include "kube/quantity.h"

namespace aiops::execute {
namespace {

namespace json = boost::json;

const json::value* field(const json::value& value, std::string_view key) {
  const auto* object = value.if_object();
  return object ? object->if_contains(key) : nullptr;
}

const json::value* path(const json::value& value, std::initializer_list<std::string_view> keys) {
  const json::value* current = &value;
  for (const std::string_view key : keys) {
    current = field(*current, key);
    if (current == nullptr) return nullptr;
  }
  return current;
}

std::int64_t intAt(const json::value& value, std::initializer_list<std::string_view> keys) {
  const json::value* found = path(value, keys);
  if (found == nullptr) return 0;
  if (found->is_int64()) return found->get_int64();
  if (found->is_uint64()) return static_cast<std::int64_t>(found->get_uint64());
  if (found->is_double()) return static_cast<std::int64_t>(found->get_double());
  return 0;
}

std::string stringAt(const json::value& value, std::initializer_list<std::string_view> keys) {
  const json::value* found = path(value, keys);
  return found && found->is_string() ? std::string(found->get_string()) : std::string();
}

std::optional<double> numberAt(const json::value& value, std::string_view key) {
  const json::value* found = field(value, key);
  if (found == nullptr) return std::nullopt;
  if (found->is_double()) return found->get_double();
  if (found->is_int64()) return static_cast<double>(found->get_int64());
  if (found->is_uint64()) return static_cast<double>(found->get_uint64());
  return std::nullopt;
}

// A label selector (matchLabels and matchExpressions) in the query form the API takes.
std::string selectorText(const json::value* selector) {
  if (selector == nullptr || !selector->is_object()) return {};
  std::vector<std::string> parts;
  if (const json::value* labels = field(*selector, "matchLabels"); labels && labels->is_object()) {
    for (const auto& [key, value] : labels->get_object())
      if (value.is_string()) parts.push_back(fmt::format("{}={}", std::string_view(key), value.get_string()));
  }
  if (const json::value* expressions = field(*selector, "matchExpressions");
      expressions && expressions->is_array()) {
    for (const json::value& e : expressions->get_array()) {
      const std::string key = stringAt(e, {"key"});
      const std::string op = stringAt(e, {"operator"});
      std::vector<std::string> values;
      if (const json::value* list = field(e, "values"); list && list->is_array()) {
        for (const json::value& v : list->get_array())
          if (v.is_string()) values.emplace_back(v.get_string());
      }
      if (op == "In" || op == "NotIn") {
        parts.push_back(fmt::format("{} {} ({})", key, op == "In" ? "in" : "notin", fmt::join(values, ",")));
      } else if (op == "Exists") {
        parts.push_back(key);
      } else if (op == "DoesNotExist") {
        parts.push_back("!" + key);
      }
    }
  }
  return fmt::format("{}", fmt::join(parts, ","));
}

bool isSubset(const json::object& selector, const json::value* labels) {
  if (selector.empty() || labels == nullptr || !labels->is_object()) return false;
  for (const auto& [key, value] : selector) {
    const json::value* label = labels->get_object().if_contains(key);
    if (label == nullptr || *label != value) return false;
  }
  return true;
}

std::optional<WallTime> terminatedAt(const json::value& terminated) {
  return parseTimestamp(stringAt(terminated, {"finishedAt"}));
}

}  // namespace

json::value Observation::toJson() const {
  json::object out;
  out["serverTime"] = formatTimestamp(serverTime);
  out["generation"] = generation;
  out["resourceVersion"] = resourceVersion;
  out["desiredReplicas"] = desiredReplicas;
  out["readyReplicas"] = readyReplicas;
  out["updatedReplicas"] = updatedReplicas;
  out["restarts"] = restarts;
  out["crashLooping"] = crashLooping;
  out["oomKilled"] = oomKilled;
  if (errorRate) out["errorRate"] = *errorRate;
  if (latencyP95Ms) out["latencyP95Ms"] = *latencyP95Ms;
  out["pods"] = perPod.is_null() ? json::value(json::object{}) : perPod;
  return out;
}

Observation Observation::fromJson(const json::value& value) {
  Observation o;
  o.serverTime = parseTimestamp(stringAt(value, {"serverTime"})).value_or(WallTime{});
  o.generation = intAt(value, {"generation"});
  o.resourceVersion = stringAt(value, {"resourceVersion"});
  o.desiredReplicas = intAt(value, {"desiredReplicas"});
  o.readyReplicas = intAt(value, {"readyReplicas"});
  o.updatedReplicas = intAt(value, {"updatedReplicas"});
  o.restarts = intAt(value, {"restarts"});
  o.crashLooping = intAt(value, {"crashLooping"});
  o.oomKilled = intAt(value, {"oomKilled"});
  o.errorRate = numberAt(value, "errorRate");
  o.latencyP95Ms = numberAt(value, "latencyP95Ms");
  if (const json::value* pods = field(value, "pods")) o.perPod = *pods;
  return o;
}

kube::ResourceRef resourceRefOf(const governance::Target& target) {
  kube::ResourceType type;
  if (const auto slash = target.apiVersion.find('/'); slash != std::string::npos) {
    type.group = target.apiVersion.substr(0, slash);
    type.version = target.apiVersion.substr(slash + 1);
  } else {
    type.version = target.apiVersion.empty() ? "v1" : target.apiVersion;
  }
  std::string plural;
  for (const char c : target.kind)
    plural += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // The API's plurals (the RESTMapper's rules for the built-in kinds).
  if (plural == "endpoints") {
  } else if (plural.ends_with("s") || plural.ends_with("x") || plural.ends_with("ch")) {
    plural += "es";
  } else if (plural.ends_with("y") && plural.size() > 1 &&
             std::string_view("aeiou").find(plural[plural.size() - 2]) == std::string_view::npos) {
    plural.back() = 'i';
    plural += "es";
  } else {
    plural += "s";
  }
  type.plural = plural;
  type.namespaced = !target.namespace_.empty();
  return kube::ResourceRef{type, target.namespace_, target.name};
}

Observation Executor::observe(const governance::Target& target, std::optional<WallTime> oomSince) {
  Observation o;
  const kube::ResourceRef ref = resourceRefOf(target);
  const json::value live = client_.get(ref);
  o.generation = intAt(live, {"metadata", "generation"});
  o.resourceVersion = stringAt(live, {"metadata", "resourceVersion"});

  // Which pods belong to the target, and how many should be ready.
  std::string selector;
  const json::value* podLabels = nullptr;
  std::optional<std::string> singlePod;
  if (target.kind == "Deployment" || target.kind == "StatefulSet" || target.kind == "ReplicaSet") {
    selector = selectorText(path(live, {"spec", "selector"}));
    o.desiredReplicas = path(live, {"spec", "replicas"}) ? intAt(live, {"spec", "replicas"}) : 1;
    o.readyReplicas = intAt(live, {"status", "readyReplicas"});
    o.updatedReplicas = target.kind == "ReplicaSet" ? intAt(live, {"status", "replicas"})
                                                    : intAt(live, {"status", "updatedReplicas"});
    podLabels = path(live, {"spec", "template", "metadata", "labels"});
  } else if (target.kind == "DaemonSet") {
    selector = selectorText(path(live, {"spec", "selector"}));
    o.desiredReplicas = intAt(live, {"status", "desiredNumberScheduled"});
    o.readyReplicas = intAt(live, {"status", "numberReady"});
    o.updatedReplicas = intAt(live, {"status", "updatedNumberScheduled"});
    podLabels = path(live, {"spec", "template", "metadata", "labels"});
  } else if (target.kind == "Pod") {
    singlePod = target.name;
    podLabels = path(live, {"metadata", "labels"});
  }

  json::array pods;
  json::object usage;  // pod -> {cpu, memory} from metrics.k8s.io
  std::optional<std::string> metricsPath;
  if (!selector.empty() || singlePod) {
    std::vector<kube::ListRequest> requests;
    requests.push_back({kube::types::pods,
                        target.namespace_,
                        {selector, singlePod ? "metadata.name=" + *singlePod : "", 500}});
    requests.push_back({kube::ResourceType{"metrics.k8s.io", "v1beta1", "pods"},
                        target.namespace_,
                        {selector, singlePod ? "metadata.name=" + *singlePod : "", 500}});
    requests.push_back({kube::types::services, target.namespace_, {}});
    const std::vector<kube::Fetched> fetched = client_.listAll(requests);
    if (const json::value* items = field(fetched[0].get(), "items"); items && items->is_array()) {
      pods = items->get_array();
    }
    // Usage and the Service are best effort: a cluster without metrics-server still gets a baseline.
    if (fetched[1].ok()) {
      if (const json::value* items = field(fetched[1].value, "items"); items && items->is_array()) {
        for (const json::value& item : items->get_array()) {
          // Summed over the pod's containers, in Kubernetes' canonical quantity form.
          kube::Quantity cpu;
          kube::Quantity memory;
          if (const json::value* containers = field(item, "containers");
              containers && containers->is_array()) {
            for (const json::value& container : containers->get_array()) {
              if (auto q = kube::Quantity::parse(stringAt(container, {"usage", "cpu"}))) cpu += *q;
              if (auto q = kube::Quantity::parse(stringAt(container, {"usage", "memory"}))) memory += *q;
            }
          }
          usage[stringAt(item, {"metadata", "name"})] =
              json::object{{"cpu", cpu.toString()}, {"memory", memory.toString()}};
        }
      }
    }
    if (fetched[2].ok() && podLabels != nullptr) {
      if (const json::value* items = field(fetched[2].value, "items"); items && items->is_array()) {
        for (const json::value& service : items->get_array()) {
          const json::value* serviceSelector = path(service, {"spec", "selector"});
          if (serviceSelector == nullptr || !serviceSelector->is_object() ||
              !isSubset(serviceSelector->get_object(), podLabels)) {
            continue;
          }
          std::string port;
          if (const json::value* ports = path(service, {"spec", "ports"});
              ports && ports->is_array() && !ports->get_array().empty()) {
            const json::value& first = ports->get_array().front();
            port = stringAt(first, {"name"});
            if (port.empty()) port = std::to_string(intAt(first, {"port"}));
          }
          const std::string name = stringAt(service, {"metadata", "name"});
          metricsPath = fmt::format("/api/v1/namespaces/{}/services/{}{}/proxy/metrics",
                                    kube::percentEncode(target.namespace_), kube::percentEncode(name),
                                    port.empty() ? "" : ":" + kube::percentEncode(port));
          break;
        }
      }
    }
  }

  json::object perPod;
  std::int64_t readyPods = 0;
  for (const json::value& pod : pods) {
    const std::string name = stringAt(pod, {"metadata", "name"});
    if (path(pod, {"metadata", "deletionTimestamp"}) != nullptr)
      continue;  // leaving; not the workload's state
    std::int64_t podRestarts = 0;
    if (const json::value* statuses = path(pod, {"status", "containerStatuses"});
        statuses && statuses->is_array()) {
      for (const json::value& status : statuses->get_array()) {
        podRestarts += intAt(status, {"restartCount"});
        if (stringAt(status, {"state", "waiting", "reason"}) == "CrashLoopBackOff") ++o.crashLooping;
        for (const std::string_view which : {"lastState", "state"}) {
          const json::value* terminated = path(status, {which, "terminated"});
          if (terminated == nullptr || stringAt(*terminated, {"reason"}) != "OOMKilled") continue;
          const auto at = terminatedAt(*terminated);
          if (!oomSince || (at && *at >= *oomSince)) ++o.oomKilled;
        }
      }
    }
    bool ready = false;
    if (const json::value* conditions = path(pod, {"status", "conditions"});
        conditions && conditions->is_array()) {
      for (const json::value& c : conditions->get_array())
        if (stringAt(c, {"type"}) == "Ready" && stringAt(c, {"status"}) == "True") ready = true;
    }
    readyPods += ready ? 1 : 0;
    o.restarts += podRestarts;
    json::object entry{{"ready", ready}, {"restarts", podRestarts}};
    if (const json::value* use = usage.if_contains(name)) {
      entry["cpu"] = use->at("cpu");
      entry["memory"] = use->at("memory");
    }
    perPod[name] = std::move(entry);
  }
  if (singlePod) {
    o.desiredReplicas = 1;
    o.readyReplicas = readyPods;
    o.updatedReplicas = 1;
  }
  o.perPod = std::move(perPod);

  if (metricsPath) {
    const kube::Response response = client_.transport().get(*metricsPath);
    if (response.ok() && !response.truncated) {
      const kube::ApplicationMetrics requests = kube::parseApplicationMetrics(response.body);
      // Rounded to what a reader needs (a ten-thousandth of a percent, a hundredth of a millisecond), so the
      // numbers a record holds print short and read back exactly.
      if (requests.total > 0) o.errorRate = std::round(requests.errors / requests.total * 1e6) / 1e6;
      if (auto p95 = kube::latencyQuantileMs(requests, 0.95)) o.latencyP95Ms = std::round(*p95 * 100) / 100;
    }
  }
  o.serverTime = serverNow(client_, leaseNamespace(target));
  return o;
}

}  // namespace aiops::execute

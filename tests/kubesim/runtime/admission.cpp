// LimitRanger and ResourceQuota admission, quota usage, and the runtime's own pod create path (see
// admission.h).
#include "admission.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <set>

#include "../controllers/api_objects.h"
#include "../controllers/scheduler.h"
#include "../errors.h"

namespace kubesim::runtime {

namespace {

bool isBinaryResource(std::string_view name) {
  return name.find("memory") != std::string_view::npos || name.find("storage") != std::string_view::npos;
}

std::string render(const std::string& name, std::int64_t milli) {
  return formatQuantity(milli, isBinaryResource(name));
}

// A ResourceList object (requests, limits, hard, ...) as milli-values; malformed entries are skipped.
ResourceList parseList(const json::object* list) {
  ResourceList out;
  if (list == nullptr) return out;
  for (const auto& member : *list)
    if (std::optional<std::int64_t> milli = quantityMilli(&member.value())) out[member.key()] = *milli;
  return out;
}

// The text of a quantity as written (what Quantity.String() keeps for canonical input).
std::string quantityText(const json::value& value) {
  if (value.is_string()) return std::string(value.get_string());
  return toJson(value);
}

std::string podDisplayName(const json::object& pod) {
  std::string_view name = metaString(pod, "name");
  return std::string(name.empty() ? metaString(pod, "generateName") : name);
}

// Sum of containers (and sidecars), each init container as a floor: how requests and limits add up per pod.
ResourceList podLimits(const json::object& pod) {
  ResourceList sum;
  for (const json::object* c : containersOf(pod))
    for (const auto& [k, v] : parseList(controllers::findObject(*c, {"resources", "limits"})))
      sum[k] += v;
  for (const json::object* c : containersOf(pod, "initContainers")) {
    ResourceList limits = parseList(controllers::findObject(*c, {"resources", "limits"}));
    if (stringField(*c, "restartPolicy") == "Always") {
      for (const auto& [k, v] : limits)
        sum[k] += v;
      continue;
    }
    for (const auto& [k, v] : limits)
      sum[k] = std::max(sum[k], v);
  }
  if (const json::object* overhead = controllers::findObject(pod, {"spec", "overhead"}))
    for (const auto& [k, v] : parseList(overhead))
      if (sum.count(k)) sum[k] += v;
  return sum;
}

std::string countName(const GroupResource& resource) {
  return resource.group.empty() ? "count/" + resource.resource
                                : "count/" + resource.resource + "." + resource.group;
}

struct LimitItem {
  std::string type;
  const json::object* item;
};

std::vector<LimitItem> limitItems(const std::vector<json::object>& ranges) {
  std::vector<LimitItem> out;
  for (const json::object& range : ranges)
    if (const json::array* limits = controllers::findArray(range, {"spec", "limits"}))
      for (const json::value& item : *limits)
        if (item.is_object())
          out.push_back({std::string(stringField(item.get_object(), "type")), &item.get_object()});
  return out;
}

// SetDefaults_LimitRangeItem for Container items: default from max, defaultRequest from default, then min.
void effectiveDefaults(const json::object& item, json::object& defaults, json::object& defaultRequests) {
  if (const json::object* d = objectField(item, "default")) defaults = *d;
  if (const json::object* r = objectField(item, "defaultRequest")) defaultRequests = *r;
  if (const json::object* max = objectField(item, "max"))
    for (const auto& m : *max)
      if (!defaults.contains(m.key())) defaults[m.key()] = m.value();
  for (const auto& d : defaults)
    if (!defaultRequests.contains(d.key())) defaultRequests[d.key()] = d.value();
  if (const json::object* min = objectField(item, "min"))
    for (const auto& m : *min)
      if (!defaultRequests.contains(m.key())) defaultRequests[m.key()] = m.value();
}

void checkMinMax(const json::object& item, std::string_view limitType, const json::object& requests,
                 const json::object& limits, std::vector<std::string>& errors) {
  if (const json::object* min = objectField(item, "min")) {
    for (const auto& m : *min) {
      std::string resource(m.key());
      std::int64_t enforced = quantityMilli(&m.value()).value_or(0);
      const json::value* req = requests.if_contains(resource);
      const json::value* lim = limits.if_contains(resource);
      if (!req) {
        errors.push_back(fmt::format("minimum {} usage per {} is {}.  No request is specified", resource,
                                     limitType, quantityText(m.value())));
      } else if (quantityMilli(req).value_or(0) < enforced) {
        errors.push_back(fmt::format("minimum {} usage per {} is {}, but request is {}", resource, limitType,
                                     quantityText(m.value()), quantityText(*req)));
      } else if (lim && quantityMilli(lim).value_or(0) < enforced) {
        errors.push_back(fmt::format("minimum {} usage per {} is {}, but limit is {}", resource, limitType,
                                     quantityText(m.value()), quantityText(*lim)));
      }
    }
  }
  if (const json::object* max = objectField(item, "max")) {
    for (const auto& m : *max) {
      std::string resource(m.key());
      std::int64_t enforced = quantityMilli(&m.value()).value_or(0);
      const json::value* req = requests.if_contains(resource);
      const json::value* lim = limits.if_contains(resource);
      if (!lim) {
        errors.push_back(fmt::format("maximum {} usage per {} is {}.  No limit is specified", resource,
                                     limitType, quantityText(m.value())));
      } else if (quantityMilli(lim).value_or(0) > enforced) {
        errors.push_back(fmt::format("maximum {} usage per {} is {}, but limit is {}", resource, limitType,
                                     quantityText(m.value()), quantityText(*lim)));
      } else if (req && quantityMilli(req).value_or(0) > enforced) {
        errors.push_back(fmt::format("maximum {} usage per {} is {}, but request is {}", resource, limitType,
                                     quantityText(m.value()), quantityText(*req)));
      }
    }
  }
  if (const json::object* ratio = objectField(item, "maxLimitRequestRatio")) {
    for (const auto& r : *ratio) {
      std::string resource(r.key());
      const json::value* req = requests.if_contains(resource);
      const json::value* lim = limits.if_contains(resource);
      std::int64_t reqMilli = req ? quantityMilli(req).value_or(0) : 0;
      std::int64_t limMilli = lim ? quantityMilli(lim).value_or(0) : 0;
      if (!req || !lim || reqMilli == 0) {
        errors.push_back(
            fmt::format("{} max limit to request ratio per {} is {}, but no request is specified or "
                        "request is 0",
                        resource, limitType, quantityText(r.value())));
        continue;
      }
      double observed = static_cast<double>(limMilli) / static_cast<double>(reqMilli);
      double enforced = static_cast<double>(quantityMilli(&r.value()).value_or(0)) / 1000.0;
      if (observed > enforced)
        errors.push_back(fmt::format("{} max limit to request ratio per {} is {}, but provided ratio is {:f}",
                                     resource, limitType, quantityText(r.value()), observed));
    }
  }
}

json::object listToQuantities(const ResourceList& list) {
  json::object out;
  for (const auto& [k, v] : list)
    out[k] = render(k, v);
  return out;
}

std::string prettyPrint(const ResourceList& list) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : list)
    parts.push_back(k + "=" + render(k, v));
  return fmt::format("{}", fmt::join(parts, ","));
}

}  // namespace

void applyLimitRanges(const Store& store, json::object& pod) {
  std::string ns(metaString(pod, "namespace"));
  std::vector<json::object> ranges = listAll(store, gr::limitRanges, ns);
  if (ranges.empty()) return;
  std::vector<LimitItem> items = limitItems(ranges);

  // Defaults, first Container item first (upstream merges the first LimitRange's defaults).
  json::object defaults, defaultRequests;
  for (const LimitItem& item : items) {
    if (item.type != "Container") continue;
    json::object d, r;
    effectiveDefaults(*item.item, d, r);
    for (const auto& m : d)
      if (!defaults.contains(m.key())) defaults[m.key()] = m.value();
    for (const auto& m : r)
      if (!defaultRequests.contains(m.key())) defaultRequests[m.key()] = m.value();
  }
  std::vector<std::string> annotations;
  json::object& spec = objectAt(pod, "spec");
  for (std::string_view key : {"initContainers", "containers"}) {
    auto it = spec.find(key);
    if (it == spec.end() || !it->value().is_array()) continue;
    for (json::value& value : it->value().get_array()) {
      if (!value.is_object()) continue;
      json::object& container = value.get_object();
      json::object& resources = objectAt(container, "resources");
      std::vector<std::string> setRequests, setLimits;
      for (const auto& d : defaults) {
        json::object& limits = objectAt(resources, "limits");
        if (!limits.contains(d.key())) {
          limits[d.key()] = d.value();
          setLimits.emplace_back(d.key());
        }
      }
      for (const auto& r : defaultRequests) {
        json::object& requests = objectAt(resources, "requests");
        if (!requests.contains(r.key())) {
          requests[r.key()] = r.value();
          setRequests.emplace_back(r.key());
        }
      }
      if (objectAt(resources, "limits").empty()) resources.erase("limits");
      if (objectAt(resources, "requests").empty()) resources.erase("requests");
      std::string prefix = key == "containers" ? "container" : "init container";
      std::string name(stringField(container, "name"));
      std::sort(setRequests.begin(), setRequests.end());
      std::sort(setLimits.begin(), setLimits.end());
      if (!setRequests.empty())
        annotations.push_back(
            fmt::format("{} request for {} {}", fmt::join(setRequests, ", "), prefix, name));
      if (!setLimits.empty())
        annotations.push_back(fmt::format("{} limit for {} {}", fmt::join(setLimits, ", "), prefix, name));
    }
  }
  if (!annotations.empty())
    objectAt(metadataOf(pod), "annotations")["kubernetes.io/limit-ranger"] =
        fmt::format("LimitRanger plugin set: {}", fmt::join(annotations, "; "));

  // Validation.
  std::vector<std::string> errors;
  for (const LimitItem& item : items) {
    if (item.type == "Container") {
      for (const json::object* c : containersOf(pod)) {
        static const json::object kNone;
        const json::object* requests = controllers::findObject(*c, {"resources", "requests"});
        const json::object* limits = controllers::findObject(*c, {"resources", "limits"});
        checkMinMax(*item.item, "Container", requests ? *requests : kNone, limits ? *limits : kNone, errors);
      }
    } else if (item.type == "Pod") {
      json::object requests, limits;
      for (const auto& [k, v] : controllers::podRequests(pod))
        requests[k] = render(k, v);
      for (const auto& [k, v] : podLimits(pod))
        limits[k] = render(k, v);
      checkMinMax(*item.item, "Pod", requests, limits, errors);
    }
  }
  if (errors.empty()) return;
  std::string why = errors.size() == 1 ? errors.front() : fmt::format("[{}]", fmt::join(errors, ", "));
  throw forbidden(gr::pods, podDisplayName(pod), why);
}

std::string qosClassOf(const json::object& pod) {
  bool anySet = false;
  bool guaranteed = true;
  auto visit = [&](const json::object& c) {
    for (std::string_view r : {"cpu", "memory"}) {
      std::optional<std::int64_t> request = containerResource(c, "requests", r);
      std::optional<std::int64_t> limit = containerResource(c, "limits", r);
      if (request || limit) anySet = true;
      if (!limit || (request && *request != *limit)) guaranteed = false;
    }
  };
  for (const json::object* c : containersOf(pod))
    visit(*c);
  for (const json::object* c : containersOf(pod, "initContainers"))
    visit(*c);
  if (!anySet) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

ResourceList quotaUsageOf(const GroupResource& resource, const json::object& object) {
  ResourceList usage;
  usage[countName(resource)] = 1000;
  if (resource == gr::pods) {
    if (isTerminal(object)) return {};
    usage["pods"] = 1000;
    for (const auto& [k, v] : controllers::podRequests(object)) {
      usage["requests." + k] = v;
      if (k == "cpu" || k == "memory" || k == "ephemeral-storage") usage[k] = v;
    }
    for (const auto& [k, v] : podLimits(object))
      usage["limits." + k] = v;
  } else if (resource == gr::services) {
    usage["services"] = 1000;
    std::string type = controllers::stringAt(object, {"spec", "type"}, "ClusterIP");
    if (type == "LoadBalancer") usage["services.loadbalancers"] = 1000;
    if (type == "NodePort" || type == "LoadBalancer") {
      std::int64_t ports = 0;
      if (const json::array* list = controllers::findArray(object, {"spec", "ports"}))
        ports = static_cast<std::int64_t>(list->size());
      usage["services.nodeports"] = ports * 1000;
    }
  } else if (resource == gr::pvcs) {
    usage["persistentvolumeclaims"] = 1000;
    std::int64_t storage =
        quantityMilli(controllers::find(object, {"spec", "resources", "requests", "storage"})).value_or(0);
    usage["requests.storage"] = storage;
    std::string className = controllers::stringAt(object, {"spec", "storageClassName"});
    if (!className.empty()) {
      usage[className + ".storageclass.storage.k8s.io/requests.storage"] = storage;
      usage[className + ".storageclass.storage.k8s.io/persistentvolumeclaims"] = 1000;
    }
  } else if (resource == gr::configMaps) {
    usage["configmaps"] = 1000;
  } else if (resource == gr::secrets) {
    usage["secrets"] = 1000;
  } else if (resource == gr::replicationControllers) {
    usage["replicationcontrollers"] = 1000;
  } else if (resource == gr::resourceQuotas) {
    usage["resourcequotas"] = 1000;
  }
  return usage;
}

bool quotaSelects(const json::object& quota, const GroupResource& resource, const json::object& object) {
  const json::array* scopes = controllers::findArray(quota, {"spec", "scopes"});
  if (scopes == nullptr || scopes->empty()) return true;
  if (resource != gr::pods) return false;
  for (const json::value& scope : *scopes) {
    if (!scope.is_string()) continue;
    std::string_view s = scope.get_string();
    bool terminating = controllers::has(object, {"spec", "activeDeadlineSeconds"});
    bool bestEffort = qosClassOf(object) == "BestEffort";
    if ((s == "Terminating" && !terminating) || (s == "NotTerminating" && terminating) ||
        (s == "BestEffort" && !bestEffort) || (s == "NotBestEffort" && bestEffort))
      return false;
  }
  return true;
}

namespace {

// Every namespaced resource a quota can count, with where its objects live.
std::vector<GroupResource> countedResources(const json::object& hard) {
  std::set<GroupResource> out;
  for (const auto& member : hard) {
    std::string_view key = member.key();
    if (key == "pods" || key.starts_with("requests.") || key.starts_with("limits.") || key == "cpu" ||
        key == "memory" || key == "ephemeral-storage") {
      if (key == "requests.storage") {
        out.insert(gr::pvcs);
      } else {
        out.insert(gr::pods);
      }
    } else if (key.starts_with("services")) {
      out.insert(gr::services);
    } else if (key == "persistentvolumeclaims" ||
               key.find(".storageclass.storage.k8s.io/") != std::string_view::npos) {
      out.insert(gr::pvcs);
    } else if (key == "configmaps") {
      out.insert(gr::configMaps);
    } else if (key == "secrets") {
      out.insert(gr::secrets);
    } else if (key == "replicationcontrollers") {
      out.insert(gr::replicationControllers);
    } else if (key == "resourcequotas") {
      out.insert(gr::resourceQuotas);
    } else if (key.starts_with("count/")) {
      std::string_view rest = key.substr(6);
      std::size_t dot = rest.find('.');
      out.insert(dot == std::string_view::npos
                     ? GroupResource{"", std::string(rest)}
                     : GroupResource{std::string(rest.substr(dot + 1)), std::string(rest.substr(0, dot))});
    }
  }
  return {out.begin(), out.end()};
}

ResourceList usedOf(const Store& store, const json::object& quota, const ResourceList& hard) {
  ResourceList used;
  for (const auto& [k, v] : hard)
    used[k] = 0;
  static const json::object kNone;
  const json::object* hardObject = controllers::findObject(quota, {"spec", "hard"});
  std::string ns(metaString(quota, "namespace"));
  for (const GroupResource& resource : countedResources(hardObject ? *hardObject : kNone)) {
    for (const json::object& object : listAll(store, resource, ns)) {
      if (!quotaSelects(quota, resource, object)) continue;
      for (const auto& [k, v] : quotaUsageOf(resource, object))
        if (hard.count(k)) used[k] += v;
    }
  }
  return used;
}

}  // namespace

json::object quotaUsed(const Store& store, const json::object& quota) {
  ResourceList hard = parseList(controllers::findObject(quota, {"spec", "hard"}));
  return listToQuantities(usedOf(store, quota, hard));
}

void checkQuota(const Store& store, const GroupResource& resource, const json::object& object) {
  std::string ns(metaString(object, "namespace"));
  if (ns.empty()) return;
  std::string name = resource == gr::pods ? podDisplayName(object) : std::string(metaString(object, "name"));
  if (name.empty()) name = std::string(metaString(object, "generateName"));
  ResourceList delta = quotaUsageOf(resource, object);
  for (const json::object& quota : listAll(store, gr::resourceQuotas, ns)) {
    ResourceList hard = parseList(controllers::findObject(quota, {"spec", "hard"}));
    if (hard.empty() || !quotaSelects(quota, resource, object)) continue;
    std::string quotaName(metaString(quota, "name"));
    if (resource == gr::pods) {
      // Containers must say what a cpu or memory quota constrains (podEvaluator.Constraints).
      static const std::set<std::string> kValidation = {
          "cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"};
      std::map<std::string, std::set<std::string>> missing;
      for (const auto& [key, value] : hard) {
        if (!kValidation.count(key)) continue;
        bool limit = key.starts_with("limits.");
        std::string res = key.substr(key.find('.') == std::string::npos ? 0 : key.find('.') + 1);
        for (const json::object* c : containersOf(object))
          if (!containerResource(*c, limit ? "limits" : "requests", res))
            missing[key].insert(std::string(stringField(*c, "name")));
      }
      if (!missing.empty()) {
        std::vector<std::string> parts;
        for (const auto& [key, containers] : missing)
          parts.push_back(fmt::format("{} for: {}", key, fmt::join(containers, ",")));
        throw forbidden(resource, name,
                        fmt::format("failed quota: {}: must specify {}", quotaName, fmt::join(parts, "; ")));
      }
    }
    ResourceList used = usedOf(store, quota, hard);
    ResourceList requested, usedShown, limited;
    for (const auto& [key, limit] : hard) {
      auto d = delta.find(key);
      if (d == delta.end() || d->second == 0) continue;
      if (used[key] + d->second > limit) {
        requested[key] = d->second;
        usedShown[key] = used[key];
        limited[key] = limit;
      }
    }
    if (requested.empty()) continue;
    throw forbidden(resource, name,
                    fmt::format("exceeded quota: {}, requested: {}, used: {}, limited: {}", quotaName,
                                prettyPrint(requested), prettyPrint(usedShown), prettyPrint(limited)));
  }
}

void admitPod(const Store& store, json::object& pod) {
  json::object& spec = objectAt(pod, "spec");
  std::string ns(metaString(pod, "namespace"));
  std::string sa(stringField(spec, "serviceAccountName"));
  if (sa.empty()) sa = std::string(stringField(spec, "serviceAccount"));
  if (sa.empty()) sa = "default";
  spec["serviceAccountName"] = sa;
  spec["serviceAccount"] = sa;
  if (!store.get({"", "serviceaccounts"}, ns, sa))
    throw forbidden(
        gr::pods, podDisplayName(pod),
        fmt::format("error looking up service account {}/{}: serviceaccount \"{}\" not found", ns, sa, sa));
  json::array& tolerations = arrayAt(spec, "tolerations");
  for (std::string_view taint : {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"}) {
    bool present = std::any_of(tolerations.begin(), tolerations.end(), [&](const json::value& t) {
      return t.is_object() && stringField(t.get_object(), "key") == taint;
    });
    if (!present)
      tolerations.push_back(json::object{
          {"key", taint}, {"operator", "Exists"}, {"effect", "NoExecute"}, {"tolerationSeconds", 300}});
  }
  if (!spec.contains("restartPolicy")) spec["restartPolicy"] = "Always";
  if (!spec.contains("schedulerName")) spec["schedulerName"] = "default-scheduler";
  if (!spec.contains("terminationGracePeriodSeconds")) spec["terminationGracePeriodSeconds"] = 30;
  if (!spec.contains("priority")) spec["priority"] = 0;
  applyLimitRanges(store, pod);
  checkQuota(store, gr::pods, pod);
  pod["status"] = json::object{{"phase", "Pending"}, {"qosClass", qosClassOf(pod)}};
}

void generateName(const Store& store, const GroupResource& resource, json::object& object) {
  json::object& meta = metadataOf(object);
  std::string_view prefix = stringField(meta, "generateName");
  if (!stringField(meta, "name").empty() || prefix.empty()) return;
  // k8s.io/apimachinery/pkg/util/rand's alphabet: no vowels, no look-alike characters.
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  thread_local std::mt19937_64 random(std::random_device{}());
  std::string ns(stringField(meta, "namespace"));
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name(prefix);
    for (int i = 0; i < 5; ++i)
      name += kAlphabet[random() % kAlphabet.size()];
    if (!store.isRegistered(resource) || !store.get(resource, ns, name)) {
      meta["name"] = name;
      return;
    }
  }
}

void admitObject(const Store& store, const GroupResource& resource, json::object& object) {
  generateName(store, resource, object);
  if (resource == gr::pods) {
    admitPod(store, object);
    return;
  }
  checkQuota(store, resource, object);
}

CreateFunction storeCreateFunction(Store& store) {
  return [&store](const GroupResource& resource, json::object object) {
    admitObject(store, resource, object);
    return store.create(resource, std::move(object));
  };
}

}  // namespace kubesim::runtime

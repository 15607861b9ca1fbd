// Endpoints and EndpointSlices from Service selectors (see endpoints_controller.h).
#include "endpoints_controller.h"

#include <algorithm>
#include <map>

#include "../controllers/api_objects.h"
#include "../errors.h"

namespace kubesim::runtime {

namespace {

constexpr std::string_view kServiceNameLabel = "kubernetes.io/service-name";
constexpr std::string_view kManagedByLabel = "endpointslice.kubernetes.io/managed-by";
constexpr std::string_view kManagedBy = "endpointslice-controller.k8s.io";

// The ports a Service's ports resolve to on one pod (named target ports through its containers); a port
// whose name the pod does not have is left out, as upstream skips it for that pod.
json::array resolvePorts(const json::object& service, const json::object& pod) {
  json::array out;
  const json::array* ports = controllers::findArray(service, {"spec", "ports"});
  if (ports == nullptr) return out;
  for (const json::value& p : *ports) {
    if (!p.is_object()) continue;
    const json::object& port = p.get_object();
    std::string protocol = controllers::stringAt(port, {"protocol"}, "TCP");
    std::int64_t number = 0;
    const json::value* target = port.if_contains("targetPort");
    if (target == nullptr || target->is_null()) {
      number = controllers::intAt(port, {"port"});
    } else if (target->is_int64()) {
      number = target->get_int64();
    } else if (target->is_string()) {
      std::string_view name = target->get_string();
      for (const json::object* c : containersOf(pod))
        if (const json::array* list = controllers::findArray(*c, {"ports"}))
          for (const json::value& cp : *list)
            if (cp.is_object() && stringField(cp.get_object(), "name") == name &&
                controllers::stringAt(cp.get_object(), {"protocol"}, "TCP") == protocol && number == 0)
              number = controllers::intAt(cp.get_object(), {"containerPort"});
      if (number == 0) continue;
    }
    json::object resolved;
    if (std::string_view name = stringField(port, "name"); !name.empty()) resolved["name"] = name;
    resolved["port"] = number;
    resolved["protocol"] = protocol;
    if (std::string_view app = stringField(port, "appProtocol"); !app.empty()) resolved["appProtocol"] = app;
    out.push_back(std::move(resolved));
  }
  return out;
}

json::object targetRef(const json::object& pod) {
  return json::object{{"kind", "Pod"},
                      {"namespace", metaString(pod, "namespace")},
                      {"name", metaString(pod, "name")},
                      {"uid", metaString(pod, "uid")}};
}

std::string ipOf(const json::object& pod) {
  return controllers::stringAt(pod, {"status", "podIP"});
}

}  // namespace

void EndpointsController::sync(TimePoint now) {
  if (!tracker_.due(ctx_.store, now)) return;
  tracker_.begin(ctx_.store, now);
  std::vector<json::object> services = listAll(ctx_.store, gr::services);
  std::vector<json::object> pods = listAll(ctx_.store, gr::pods);
  std::set<std::pair<std::string, std::string>> live;
  for (const json::object& service : services) {
    live.insert({std::string(metaString(service, "namespace")), std::string(metaString(service, "name"))});
    try {
      syncService(service, pods, now);
    } catch (const ApiError& e) {
      if (e.code() != 409 && e.code() != 404) throw;
    }
  }
  // Services that went away: their Endpoints go too (slices follow their owner).
  std::vector<std::pair<std::string, std::string>> gone;
  for (const auto& entry : ctx_.world.serviceEndpoints())
    if (!live.count(entry.first)) gone.push_back(entry.first);
  for (const auto& [ns, name] : gone) {
    ctx_.world.forgetService(ns, name);
    try {
      ctx_.store.remove(gr::endpoints, ns, name);
    } catch (const ApiError&) {
    }
  }
}

void EndpointsController::syncService(const json::object& service, const std::vector<json::object>& pods,
                                      TimePoint /*now*/) {
  const json::object* selector = controllers::findObject(service, {"spec", "selector"});
  std::string ns(metaString(service, "namespace"));
  std::string name(metaString(service, "name"));
  if (selector == nullptr || selector->empty()) {
    // The endpoints of a selector-less Service are the user's; the load model sends it no traffic.
    ctx_.world.forgetService(ns, name);
    return;
  }
  bool publishNotReady = controllers::boolAt(service, {"spec", "publishNotReadyAddresses"});

  std::vector<const json::object*> members;
  for (const json::object& pod : pods)
    if (metaString(pod, "namespace") == ns && !ipOf(pod).empty() && !isTerminal(pod) &&
        mapSelectorMatches(selector, labelsOf(pod)))
      members.push_back(&pod);
  std::sort(members.begin(), members.end(),
            [](const json::object* a, const json::object* b) { return ipOf(*a) < ipOf(*b); });

  // Group by the ports each pod resolves to: one subset (and one slice) per distinct port list.
  std::vector<std::pair<json::array, std::vector<const json::object*>>> groups;
  for (const json::object* pod : members) {
    json::array ports = resolvePorts(service, *pod);
    auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == ports; });
    if (it == groups.end())
      groups.push_back({ports, {pod}});
    else
      it->second.push_back(pod);
  }

  // Endpoints: terminating pods are left out; not-ready ones are notReadyAddresses.
  json::array subsets;
  std::vector<std::string> readyPods;
  for (const auto& [ports, group] : groups) {
    json::array ready, notReady;
    for (const json::object* pod : group) {
      if (isTerminating(*pod)) continue;
      json::object address{{"ip", ipOf(*pod)},
                           {"nodeName", controllers::stringAt(*pod, {"spec", "nodeName"})},
                           {"targetRef", targetRef(*pod)}};
      if (publishNotReady || isPodReady(*pod)) {
        ready.push_back(std::move(address));
        readyPods.emplace_back(metaString(*pod, "name"));
      } else {
        notReady.push_back(std::move(address));
      }
    }
    if (ready.empty() && notReady.empty()) continue;
    json::object subset;
    if (!ready.empty()) subset["addresses"] = std::move(ready);
    if (!notReady.empty()) subset["notReadyAddresses"] = std::move(notReady);
    if (!ports.empty()) subset["ports"] = ports;
    subsets.push_back(std::move(subset));
  }
  ctx_.world.setServiceEndpoints(ns, name, readyPods);

  json::object labels = labelsOf(service);
  std::optional<json::object> existing = getObject(ctx_.store, gr::endpoints, ns, name);
  if (!existing) {
    json::object endpoints{{"apiVersion", "v1"},
                           {"kind", "Endpoints"},
                           {"metadata", json::object{{"name", name}, {"namespace", ns}}}};
    if (!labels.empty()) endpoints["metadata"].as_object()["labels"] = labels;
    if (!subsets.empty()) endpoints["subsets"] = subsets;
    ctx_.store.create(gr::endpoints, std::move(endpoints));
  } else {
    json::object next = *existing;
    if (subsets.empty())
      next.erase("subsets");
    else
      next["subsets"] = subsets;
    if (labels.empty())
      metadataOf(next).erase("labels");
    else
      metadataOf(next)["labels"] = labels;
    if (next != *existing) ctx_.store.update(gr::endpoints, std::move(next), {UpdateScope::All, false});
  }

  // EndpointSlices: terminating pods stay, with their conditions.
  std::vector<json::object> desired;
  for (const auto& [ports, group] : groups) {
    json::array endpoints;
    for (const json::object* pod : group) {
      bool terminating = isTerminating(*pod);
      bool podReady = isPodReady(*pod) || publishNotReady;
      json::object endpoint{{"addresses", json::array{json::value(ipOf(*pod))}},
                            {"conditions", json::object{{"ready", podReady && !terminating},
                                                        {"serving", podReady},
                                                        {"terminating", terminating}}},
                            {"targetRef", targetRef(*pod)}};
      if (std::string node = controllers::stringAt(*pod, {"spec", "nodeName"}); !node.empty())
        endpoint["nodeName"] = node;
      endpoints.push_back(std::move(endpoint));
    }
    desired.push_back(json::object{{"endpoints", std::move(endpoints)}, {"ports", ports}});
  }
  if (desired.empty()) desired.push_back(json::object{{"endpoints", nullptr}, {"ports", nullptr}});
  json::object sliceLabels = labels;
  sliceLabels[kServiceNameLabel] = name;
  sliceLabels[kManagedByLabel] = kManagedBy;

  std::vector<json::object> current;
  for (json::object& slice : listAll(ctx_.store, gr::endpointSlices, ns)) {
    const json::object& l = labelsOf(slice);
    if (stringField(l, kServiceNameLabel) == name && stringField(l, kManagedByLabel) == kManagedBy)
      current.push_back(std::move(slice));
  }
  for (std::size_t i = 0; i < desired.size(); ++i) {
    json::object& want = desired[i];
    if (want["ports"].is_array() && want["ports"].get_array().empty()) want["ports"] = nullptr;
    if (i < current.size()) {
      json::object next = current[i];
      next["addressType"] = "IPv4";
      next["endpoints"] = want["endpoints"];
      next["ports"] = want["ports"];
      metadataOf(next)["labels"] = sliceLabels;
      if (next != current[i])
        ctx_.store.update(gr::endpointSlices, std::move(next), {UpdateScope::All, false});
      continue;
    }
    json::object slice{{"apiVersion", "discovery.k8s.io/v1"},
                       {"kind", "EndpointSlice"},
                       {"metadata", json::object{{"generateName", name + "-"},
                                                 {"namespace", ns},
                                                 {"labels", sliceLabels},
                                                 {"ownerReferences",
                                                  json::array{ownerReference(service, "v1", "Service")}}}},
                       {"addressType", "IPv4"},
                       {"endpoints", want["endpoints"]},
                       {"ports", want["ports"]}};
    ctx_.store.create(gr::endpointSlices, std::move(slice));
  }
  for (std::size_t i = desired.size(); i < current.size(); ++i)
    ctx_.store.remove(gr::endpointSlices, ns, metaString(current[i], "name"));
}

}  // namespace kubesim::runtime

// Taints by node condition (see node_lifecycle_controller.h).
#include "node_lifecycle_controller.h"

#include "../controllers/api_objects.h"
#include "../errors.h"

namespace kubesim::runtime {

namespace {

constexpr std::string_view kManagedKeys[] = {
    "node.kubernetes.io/not-ready",     "node.kubernetes.io/unreachable",
    "node.kubernetes.io/unschedulable", "node.kubernetes.io/memory-pressure",
    "node.kubernetes.io/disk-pressure", "node.kubernetes.io/network-unavailable",
    "node.kubernetes.io/pid-pressure"};

bool managed(const json::value& taint) {
  if (!taint.is_object() || stringField(taint.get_object(), "effect") != "NoSchedule") return false;
  std::string_view key = stringField(taint.get_object(), "key");
  return std::find(std::begin(kManagedKeys), std::end(kManagedKeys), key) != std::end(kManagedKeys);
}

}  // namespace

json::array conditionTaints(const json::object& node) {
  json::array taints;
  auto add = [&](std::string_view key) {
    taints.push_back(json::object{{"key", key}, {"effect", "NoSchedule"}});
  };
  const json::object* status = objectField(node, "status");
  auto conditionIs = [&](std::string_view type, std::string_view value) {
    const json::object* c = status ? conditionOf(*status, type) : nullptr;
    return c != nullptr && stringField(*c, "status") == value;
  };
  if (conditionIs("Ready", "False")) add("node.kubernetes.io/not-ready");
  if (conditionIs("Ready", "Unknown")) add("node.kubernetes.io/unreachable");
  if (conditionIs("MemoryPressure", "True")) add("node.kubernetes.io/memory-pressure");
  if (conditionIs("DiskPressure", "True")) add("node.kubernetes.io/disk-pressure");
  if (conditionIs("NetworkUnavailable", "True")) add("node.kubernetes.io/network-unavailable");
  if (conditionIs("PIDPressure", "True")) add("node.kubernetes.io/pid-pressure");
  if (controllers::boolAt(node, {"spec", "unschedulable"})) add("node.kubernetes.io/unschedulable");
  return taints;
}

void NodeLifecycleController::sync(TimePoint now) {
  if (!tracker_.due(ctx_.store, now)) return;
  tracker_.begin(ctx_.store, now);
  for (const json::object& node : listAll(ctx_.store, gr::nodes)) {
    json::array wanted = conditionTaints(node);
    json::array current;
    if (const json::array* taints = controllers::findArray(node, {"spec", "taints"}))
      for (const json::value& t : *taints)
        if (managed(t)) current.push_back(t);
    if (current == wanted) continue;
    try {
      ctx_.store.modify(
          gr::nodes, "", metaString(node, "name"),
          [&](const json::object& stored) {
            json::object next = stored;
            json::object& spec = objectAt(next, "spec");
            json::array taints;
            if (const json::array* existing = controllers::findArray(stored, {"spec", "taints"}))
              for (const json::value& t : *existing)
                if (!managed(t)) taints.push_back(t);
            for (const json::value& t : conditionTaints(stored))
              taints.push_back(t);
            if (taints.empty())
              spec.erase("taints");
            else
              spec["taints"] = std::move(taints);
            return next;
          },
          {UpdateScope::All, false});
    } catch (const ApiError& e) {
      if (e.code() != 404) throw;
    }
  }
}

}  // namespace kubesim::runtime

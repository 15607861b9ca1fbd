// Persistent volume binding and provisioning (see volume_controller.h).
#include "volume_controller.h"

#include <fmt/format.h>

#include "../controllers/api_objects.h"
#include "../controllers/scheduler.h"
#include "../errors.h"

namespace kubesim::runtime {

namespace {

constexpr Duration kResync = std::chrono::seconds(15);  // the PV controller's --pvclaimbinder-sync-period

std::string classOf(const json::object& claim) {
  std::string beta =
      controllers::stringAt(claim, {"metadata", "annotations", "volume.beta.kubernetes.io/storage-class"});
  return beta.empty() ? controllers::stringAt(claim, {"spec", "storageClassName"}) : beta;
}

std::vector<std::string> stringsAt(const json::object& object, std::initializer_list<std::string_view> path) {
  std::vector<std::string> out;
  if (const json::array* list = controllers::findArray(object, path))
    for (const json::value& v : *list)
      if (v.is_string()) out.emplace_back(v.get_string());
  return out;
}

}  // namespace

bool VolumeController::due(const std::string& key, TimePoint now) {
  auto it = nextEvent_.find(key);
  if (it != nextEvent_.end() && now < it->second) {
    tracker_.requeue(it->second);
    return false;
  }
  nextEvent_[key] = now + kResync;
  tracker_.requeue(now + kResync);
  return true;
}

void VolumeController::sync(TimePoint now) {
  if (!tracker_.due(ctx_.store, now)) return;
  tracker_.begin(ctx_.store, now);
  std::vector<json::object> claims = listAll(ctx_.store, gr::pvcs);
  std::vector<json::object> volumes = listAll(ctx_.store, gr::pvs);
  if (claims.empty() && volumes.empty()) return;
  std::vector<json::object> classes = listAll(ctx_.store, gr::storageClasses);
  std::vector<json::object> pods = listAll(ctx_.store, gr::pods);
  for (const json::object& claim : claims) {
    if (isTerminating(claim)) continue;
    try {
      syncClaim(claim, volumes, classes, pods, now);
    } catch (const ApiError& e) {
      if (e.code() != 409 && e.code() != 404) throw;
    }
  }
  // Volumes whose claim is gone: reclaimed.
  for (const json::object& volume : listAll(ctx_.store, gr::pvs)) {
    const json::object* ref = controllers::findObject(volume, {"spec", "claimRef"});
    if (ref == nullptr || controllers::stringAt(volume, {"status", "phase"}) == "Released") continue;
    ObjectPtr claim = ctx_.store.get(gr::pvcs, stringField(*ref, "namespace"), stringField(*ref, "name"));
    if (claim && (stringField(*ref, "uid").empty() || metaString(*claim, "uid") == stringField(*ref, "uid")))
      continue;
    try {
      if (controllers::stringAt(volume, {"spec", "persistentVolumeReclaimPolicy"}, "Retain") == "Delete") {
        ctx_.store.remove(gr::pvs, "", metaString(volume, "name"));
      } else {
        ctx_.store.modify(gr::pvs, "", metaString(volume, "name"),
                          [](const json::object& current) {
                            json::object next = current;
                            objectAt(next, "status")["phase"] = "Released";
                            return next;
                          },
                          {UpdateScope::All, false});
      }
    } catch (const ApiError& e) {
      if (e.code() != 404 && e.code() != 409) throw;
    }
  }
}

void VolumeController::syncClaim(const json::object& claim, const std::vector<json::object>& volumes,
                                 const std::vector<json::object>& classes,
                                 const std::vector<json::object>& pods, TimePoint now) {
  if (controllers::stringAt(claim, {"status", "phase"}) == "Bound") return;
  std::string ns(metaString(claim, "namespace"));
  std::string name(metaString(claim, "name"));
  std::string uid(metaString(claim, "uid"));
  ObjectReference ref = referenceTo(claim, "v1", "PersistentVolumeClaim");
  EventSource controller{"persistentvolume-controller", ""};
  std::string className = classOf(claim);
  std::optional<std::int64_t> request =
      quantityMilli(controllers::find(claim, {"spec", "resources", "requests", "storage"}));
  std::vector<std::string> modes = stringsAt(claim, {"spec", "accessModes"});

  // Static binding: the smallest Available volume of the class that is big enough and has the modes.
  const json::object* match = nullptr;
  std::int64_t matchSize = 0;
  for (const json::object& volume : volumes) {
    if (controllers::stringAt(volume, {"status", "phase"}, "Available") != "Available" ||
        controllers::has(volume, {"spec", "claimRef"}) ||
        controllers::stringAt(volume, {"spec", "storageClassName"}) != className)
      continue;
    std::int64_t size = quantityMilli(controllers::find(volume, {"spec", "capacity", "storage"})).value_or(0);
    if (request && size < *request) continue;
    std::vector<std::string> offered = stringsAt(volume, {"spec", "accessModes"});
    bool allModes = std::all_of(modes.begin(), modes.end(), [&](const std::string& m) {
      return std::find(offered.begin(), offered.end(), m) != offered.end();
    });
    if (!allModes) continue;
    if (!match || size < matchSize) {
      match = &volume;
      matchSize = size;
    }
  }

  const json::object* storageClass = nullptr;
  for (const json::object& c : classes)
    if (metaString(c, "name") == className) storageClass = &c;
  std::string provisioner = storageClass ? controllers::stringAt(*storageClass, {"provisioner"}) : "";
  std::string selectedNode;
  if (!match) {
    if (std::optional<controllers::Event> failure = controllers::provisioningFailure(claim, classes)) {
      if (due(uid + "/" + failure->reason, now)) ctx_.events.record(ref, controller, *failure, now);
      return;
    }
    if (provisioner.empty() || provisioner == "kubernetes.io/no-provisioner") return;
    if (controllers::stringAt(*storageClass, {"volumeBindingMode"}, "Immediate") == "WaitForFirstConsumer") {
      for (const json::object& pod : pods) {
        if (metaString(pod, "namespace") != ns || controllers::stringAt(pod, {"spec", "nodeName"}).empty())
          continue;
        if (const json::array* list = controllers::findArray(pod, {"spec", "volumes"}))
          for (const json::value& v : *list)
            if (v.is_object() &&
                controllers::stringAt(v.get_object(), {"persistentVolumeClaim", "claimName"}) == name)
              selectedNode = controllers::stringAt(pod, {"spec", "nodeName"});
      }
      if (selectedNode.empty()) {
        if (due(uid + "/WaitForFirstConsumer", now))
          ctx_.events.record(
              ref, controller,
              {"Normal", "WaitForFirstConsumer", "waiting for first consumer to be created before binding"},
              now);
        return;
      }
    }
  }

  std::string volumeName = match ? std::string(metaString(*match, "name")) : "pvc-" + uid;
  std::string storage = request ? formatQuantity(*request, true) : "1Gi";
  if (!match) {
    ctx_.events.record(
        ref, controller,
        {"Normal", "ExternalProvisioning",
         fmt::format("Waiting for a volume to be created either by the external provisioner '{}' or "
                     "manually by the system administrator. If volume creation is delayed, please "
                     "verify that the provisioner is running and correctly registered.",
                     provisioner)},
        now);
    EventSource external{provisioner, ""};
    ctx_.events.record(
        ref, external,
        {"Normal", "Provisioning",
         fmt::format("External provisioner is provisioning volume for claim \"{}/{}\"", ns, name)},
        now);
    json::object spec{
        {"capacity", json::object{{"storage", storage}}},
        {"accessModes", controllers::find(claim, {"spec", "accessModes"})
                            ? *controllers::find(claim, {"spec", "accessModes"})
                            : json::value(json::array{"ReadWriteOnce"})},
        {"persistentVolumeReclaimPolicy", controllers::stringAt(*storageClass, {"reclaimPolicy"}, "Delete")},
        {"storageClassName", className},
        {"volumeMode", controllers::stringAt(claim, {"spec", "volumeMode"}, "Filesystem")}};
    if (provisioner.find("hostpath") != std::string::npos)
      spec["hostPath"] =
          json::object{{"path", fmt::format("/tmp/hostpath-provisioner/{}/{}", ns, name)}, {"type", ""}};
    else
      spec["csi"] = json::object{{"driver", provisioner}, {"volumeHandle", hexId("volume:" + uid, 32)}};
    json::object volume{
        {"apiVersion", "v1"},
        {"kind", "PersistentVolume"},
        {"metadata",
         json::object{{"name", volumeName},
                      {"annotations", json::object{{"pv.kubernetes.io/provisioned-by", provisioner}}}}},
        {"spec", std::move(spec)},
        {"status", json::object{{"phase", "Available"}}}};
    ctx_.store.create(gr::pvs, std::move(volume));
    ctx_.events.record(
        ref, external,
        {"Normal", "ProvisioningSucceeded", fmt::format("Successfully provisioned volume {}", volumeName)},
        now);
  }
  // Bind both ways, as the controller does: the volume's claimRef, then the claim.
  json::object claimRef{{"apiVersion", "v1"}, {"kind", "PersistentVolumeClaim"},
                        {"namespace", ns},    {"name", name},
                        {"uid", uid},         {"resourceVersion", metaString(claim, "resourceVersion")}};
  ObjectPtr bound = ctx_.store.modify(
      gr::pvs, "", volumeName,
      [&](const json::object& current) {
        json::object next = current;
        objectAt(next, "spec")["claimRef"] = claimRef;
        objectAt(next, "status")["phase"] = "Bound";
        if (match) objectAt(metadataOf(next), "annotations")["pv.kubernetes.io/bound-by-controller"] = "yes";
        return next;
      },
      {UpdateScope::All, false});
  ctx_.store.modify(gr::pvcs, ns, name,
                    [&](const json::object& current) {
                      json::object next = current;
                      json::object& annotations = objectAt(metadataOf(next), "annotations");
                      annotations["pv.kubernetes.io/bind-completed"] = "yes";
                      annotations["pv.kubernetes.io/bound-by-controller"] = "yes";
                      if (!match) {
                        annotations["volume.beta.kubernetes.io/storage-provisioner"] = provisioner;
                        annotations["volume.kubernetes.io/storage-provisioner"] = provisioner;
                      }
                      if (!selectedNode.empty())
                        annotations["volume.kubernetes.io/selected-node"] = selectedNode;
                      json::object& spec = objectAt(next, "spec");
                      spec["volumeName"] = volumeName;
                      if (!spec.contains("storageClassName") && !className.empty())
                        spec["storageClassName"] = className;
                      next["status"] = json::object{
                          {"phase", "Bound"},
                          {"accessModes", controllers::find(*bound, {"spec", "accessModes"})
                                              ? *controllers::find(*bound, {"spec", "accessModes"})
                                              : json::value(json::array{})},
                          {"capacity", controllers::find(*bound, {"spec", "capacity"})
                                           ? *controllers::find(*bound, {"spec", "capacity"})
                                           : json::value(json::object{})}};
                      return next;
                    },
                    {UpdateScope::All, false});
}

}  // namespace kubesim::runtime

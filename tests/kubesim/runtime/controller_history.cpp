// ControllerRevision helpers of the StatefulSet and DaemonSet controllers (see controller_history.h).
#include "controller_history.h"

#include <algorithm>

#include "../controllers/api_objects.h"
#include "../controllers/rollout.h"

namespace kubesim::runtime {

json::value sortedKeys(const json::value& value) {
  if (const json::object* object = value.if_object()) {
    std::vector<std::string_view> keys;
    for (const auto& member : *object)
      keys.push_back(member.key());
    std::sort(keys.begin(), keys.end());
    json::object out;
    for (std::string_view key : keys)
      out[key] = sortedKeys(object->at(key));
    return out;
  }
  if (const json::array* array = value.if_array()) {
    json::array out;
    for (const json::value& item : *array)
      out.push_back(sortedKeys(item));
    return out;
  }
  return value;
}

json::object templatePatch(const json::object& owner) {
  json::object podTemplate;
  if (const json::object* t = controllers::findObject(owner, {"spec", "template"})) podTemplate = *t;
  // The typed object the controller (and kubectl) encode has a zero ObjectMeta.creationTimestamp there.
  json::object& meta = objectAt(podTemplate, "metadata");
  if (!meta.contains("creationTimestamp")) meta["creationTimestamp"] = nullptr;
  podTemplate["$patch"] = "replace";
  json::object patch{{"spec", json::object{{"template", std::move(podTemplate)}}}};
  return sortedKeys(patch).as_object();
}

json::object revisionTemplate(const json::object& revision) {
  json::object podTemplate;
  if (const json::object* t = controllers::findObject(revision, {"data", "spec", "template"}))
    podTemplate = *t;
  podTemplate.erase("$patch");
  return podTemplate;
}

std::int64_t revisionNumber(const json::object& revision) {
  return controllers::intAt(revision, {"revision"}, 0);
}

std::string hashRevision(const json::object& data, std::optional<std::int64_t> collisionCount) {
  std::uint32_t hash = controllers::fnv32a(controllers::canonicalJson(data));
  if (collisionCount) hash = controllers::fnv32a(std::to_string(*collisionCount), hash);
  return controllers::safeEncodeString(std::to_string(hash));
}

bool sameRevisionData(const json::object& a, const json::object& b) {
  const json::object* da = controllers::findObject(a, {"data"});
  const json::object* db = controllers::findObject(b, {"data"});
  return da != nullptr && db != nullptr && controllers::canonicalJson(*da) == controllers::canonicalJson(*db);
}

std::vector<json::object> ownedRevisions(const Store& store, const json::object& owner,
                                         std::string_view kind) {
  std::vector<json::object> out;
  for (json::object& revision : listAll(store, gr::controllerRevisions, metaString(owner, "namespace")))
    if (controlledBy(revision, owner, kind)) out.push_back(std::move(revision));
  std::sort(out.begin(), out.end(), [](const json::object& a, const json::object& b) {
    auto key = [](const json::object& r) {
      return std::make_tuple(revisionNumber(r), std::string(metaString(r, "creationTimestamp")),
                             std::string(metaString(r, "name")));
    };
    return key(a) < key(b);
  });
  return out;
}

json::object newControllerRevision(const json::object& owner, std::string_view kind, std::string name,
                                   json::object labels, json::object annotations, json::object data,
                                   std::int64_t revision) {
  json::object metadata{{"name", std::move(name)}, {"namespace", metaString(owner, "namespace")}};
  if (!labels.empty()) metadata["labels"] = std::move(labels);
  if (!annotations.empty()) metadata["annotations"] = std::move(annotations);
  metadata["ownerReferences"] = json::array{ownerReference(owner, "apps/v1", kind)};
  return json::object{{"apiVersion", "apps/v1"},
                      {"kind", "ControllerRevision"},
                      {"metadata", std::move(metadata)},
                      {"data", std::move(data)},
                      {"revision", revision}};
}

json::object renumberRevision(Store& store, const json::object& revision, std::int64_t number) {
  ObjectPtr stored =
      store.modify(gr::controllerRevisions, metaString(revision, "namespace"), metaString(revision, "name"),
                   [&](const json::object& current) {
                     json::object next = current;
                     next["revision"] = number;
                     return next;
                   },
                   {UpdateScope::All, false});
  return *stored;
}

std::vector<std::string> revisionsToTruncate(const std::vector<json::object>& sorted,
                                             const std::set<std::string>& live, std::int64_t limit) {
  std::vector<std::string> history;
  for (const json::object& revision : sorted) {
    std::string name(metaString(revision, "name"));
    if (!live.count(name)) history.push_back(std::move(name));
  }
  if (limit < 0 || static_cast<std::int64_t>(history.size()) <= limit) return {};
  history.resize(history.size() - static_cast<std::size_t>(limit));
  return history;
}

}  // namespace kubesim::runtime

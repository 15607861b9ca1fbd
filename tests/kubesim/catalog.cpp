// The runtime resource table: built-ins plus CRD-defined resources.
#include "catalog.h"

#include <algorithm>
#include <mutex>

#include "errors.h"

namespace kubesim {

namespace json = boost::json;

Catalog::Catalog() : resources_(builtinResources()) {}

std::optional<ResourceType> Catalog::find(std::string_view group, std::string_view version,
                                          std::string_view plural) const {
  std::shared_lock lock(mutex_);
  for (const ResourceType& t : resources_)
    if (t.group == group && t.version == version && t.plural == plural) return t;
  return std::nullopt;
}

std::optional<ResourceType> Catalog::findByKind(std::string_view group, std::string_view kind) const {
  std::shared_lock lock(mutex_);
  for (const ResourceType& t : resources_)
    if (t.group == group && t.kind == kind) return t;
  return std::nullopt;
}

bool Catalog::servesGroupVersion(std::string_view group, std::string_view version) const {
  std::shared_lock lock(mutex_);
  return std::any_of(resources_.begin(), resources_.end(),
                     [&](const ResourceType& t) { return t.group == group && t.version == version; });
}

bool Catalog::servesGroup(std::string_view group) const {
  std::shared_lock lock(mutex_);
  return std::any_of(resources_.begin(), resources_.end(),
                     [&](const ResourceType& t) { return t.group == group; });
}

std::vector<ResourceType> Catalog::resourcesOf(std::string_view group, std::string_view version) const {
  std::shared_lock lock(mutex_);
  std::vector<ResourceType> out;
  for (const ResourceType& t : resources_)
    if (t.group == group && t.version == version) out.push_back(t);
  return out;
}

std::vector<GroupVersions> Catalog::groups() const {
  std::shared_lock lock(mutex_);
  std::vector<GroupVersions> out;
  for (const ResourceType& t : resources_) {
    if (t.group.empty()) continue;
    auto g =
        std::find_if(out.begin(), out.end(), [&](const GroupVersions& gv) { return gv.group == t.group; });
    if (g == out.end()) {
      out.push_back({t.group, {t.version}});
    } else if (std::find(g->versions.begin(), g->versions.end(), t.version) == g->versions.end()) {
      g->versions.push_back(t.version);
    }
  }
  return out;
}

std::vector<ResourceType> Catalog::all() const {
  std::shared_lock lock(mutex_);
  return resources_;
}

bool Catalog::isCustom(std::string_view group, std::string_view plural) const {
  std::shared_lock lock(mutex_);
  return std::find(custom_.begin(), custom_.end(), std::pair<std::string, std::string>(group, plural)) !=
         custom_.end();
}

void Catalog::addCustom(const std::vector<ResourceType>& types) {
  if (types.empty()) return;
  std::unique_lock lock(mutex_);
  const std::string group = types.front().group, plural = types.front().plural;
  std::erase_if(resources_, [&](const ResourceType& t) { return t.group == group && t.plural == plural; });
  for (const ResourceType& t : types)
    resources_.push_back(t);
  if (std::find(custom_.begin(), custom_.end(), std::pair(group, plural)) == custom_.end())
    custom_.emplace_back(group, plural);
}

void Catalog::removeCustom(std::string_view group, std::string_view plural) {
  std::unique_lock lock(mutex_);
  std::erase_if(resources_, [&](const ResourceType& t) { return t.group == group && t.plural == plural; });
  std::erase_if(custom_, [&](const auto& c) { return c.first == group && c.second == plural; });
}

GroupResource storageOf(const ResourceType& type) {
  if (type.group == "events.k8s.io" && type.plural == "events") return {"", "events"};
  return {type.group, type.plural};
}

ResourceTraits traitsOf(const ResourceType& type) {
  ResourceTraits traits;
  traits.namespaced = type.namespaced;
  traits.hasStatus =
      std::find(type.subresources.begin(), type.subresources.end(), "status") != type.subresources.end();
  // The kinds whose registry strategies maintain metadata.generation in Kubernetes 1.32.
  static const std::vector<std::pair<std::string, std::string>> generational = {
      {"apps", "deployments"},
      {"apps", "replicasets"},
      {"apps", "statefulsets"},
      {"apps", "daemonsets"},
      {"", "replicationcontrollers"},
      {"batch", "jobs"},
      {"batch", "cronjobs"},
      {"autoscaling", "horizontalpodautoscalers"},
      {"policy", "poddisruptionbudgets"},
      {"networking.k8s.io", "networkpolicies"},
      {"networking.k8s.io", "ingresses"},
      {"apiextensions.k8s.io", "customresourcedefinitions"},
  };
  traits.tracksGeneration = std::find(generational.begin(), generational.end(),
                                      std::pair(type.group, type.plural)) != generational.end();
  return traits;
}

std::vector<ResourceType> resourcesFromCrd(const json::object& crd) {
  std::string name = std::string(metaString(crd, "name"));
  auto fail = [&](const std::string& field, const std::string& message) {
    return invalid("CustomResourceDefinition", "apiextensions.k8s.io", name,
                   {{"FieldValueRequired", field, message}});
  };
  const json::object* spec = objectField(crd, "spec");
  if (!spec) throw fail("spec", "Required value");
  const json::object* names = objectField(*spec, "names");
  if (!names) throw fail("spec.names", "Required value");
  std::string group = std::string(stringField(*spec, "group"));
  std::string plural = std::string(stringField(*names, "plural"));
  std::string kind = std::string(stringField(*names, "kind"));
  if (group.empty()) throw fail("spec.group", "Required value");
  if (plural.empty()) throw fail("spec.names.plural", "Required value");
  if (kind.empty()) throw fail("spec.names.kind", "Required value");
  if (name != plural + "." + group)
    throw invalid("CustomResourceDefinition", "apiextensions.k8s.io", name,
                  {{"FieldValueInvalid", "metadata.name",
                    "Invalid value: \"" + name + "\": must be spec.names.plural+\".\"+spec.group"}});
  std::string singular = std::string(stringField(*names, "singular"));
  if (singular.empty()) {
    singular = kind;
    std::transform(singular.begin(), singular.end(), singular.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  }
  auto strings = [](const json::object& o, std::string_view key) {
    std::vector<std::string> out;
    auto it = o.find(key);
    if (it != o.end() && it->value().is_array())
      for (const json::value& v : it->value().get_array())
        if (v.is_string()) out.emplace_back(v.get_string());
    return out;
  };
  bool namespaced = stringField(*spec, "scope") != "Cluster";
  std::vector<ResourceType> out;
  auto versions = spec->find("versions");
  if (versions == spec->end() || !versions->value().is_array() || versions->value().get_array().empty())
    throw fail("spec.versions", "Required value: must have exactly one version marked as storage version");
  // The storage version is listed first among equals, as the real server orders CRD versions by priority.
  for (const json::value& v : versions->value().get_array()) {
    if (!v.is_object()) continue;
    const json::object& ver = v.get_object();
    auto served = ver.find("served");
    if (served != ver.end() && served->value().is_bool() && !served->value().get_bool()) continue;
    ResourceType t;
    t.group = group;
    t.version = std::string(stringField(ver, "name"));
    t.kind = kind;
    t.plural = plural;
    t.singular = singular;
    t.namespaced = namespaced;
    t.verbs = {"delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"};
    t.shortNames = strings(*names, "shortNames");
    t.categories = strings(*names, "categories");
    if (const json::object* sub = objectField(ver, "subresources")) {
      if (sub->contains("status")) t.subresources.push_back("status");
      if (sub->contains("scale")) t.subresources.push_back("scale");
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace kubesim

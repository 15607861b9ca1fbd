// The resources served right now: the built-in catalogue plus those added by CustomResourceDefinitions. The
// router, discovery and the store all consult this one table, so creating a CRD makes its resources
// discoverable and routable at once, and deleting it removes them.
#pragma once

#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "meta.h"
#include "resources.h"
#include "store.h"

namespace kubesim {

struct GroupVersions {
  std::string group;
  std::vector<std::string> versions;  // the first is the preferred version
};

class Catalog {
 public:
  Catalog();

  std::optional<ResourceType> find(std::string_view group, std::string_view version,
                                   std::string_view plural) const;
  // Any served version of group/kind, preferring the group's preferred version.
  std::optional<ResourceType> findByKind(std::string_view group, std::string_view kind) const;
  bool servesGroupVersion(std::string_view group, std::string_view version) const;
  bool servesGroup(std::string_view group) const;
  // Every resource of one group-version, in discovery order.
  std::vector<ResourceType> resourcesOf(std::string_view group, std::string_view version) const;
  // Non-core groups in /apis order with their versions.
  std::vector<GroupVersions> groups() const;
  std::vector<ResourceType> all() const;
  bool isCustom(std::string_view group, std::string_view plural) const;

  // Adds (or replaces) the resources a CRD defines: one ResourceType per served version.
  void addCustom(const std::vector<ResourceType>& types);
  void removeCustom(std::string_view group, std::string_view plural);

 private:
  mutable std::shared_mutex mutex_;
  std::vector<ResourceType> resources_;
  std::vector<std::pair<std::string, std::string>> custom_;  // (group, plural)
};

// Where a resource's objects live: events.k8s.io events share core events' storage, every version of a
// resource shares one storage.
GroupResource storageOf(const ResourceType& type);
// How the store treats a resource's objects (namespaced, status subresource, generation).
ResourceTraits traitsOf(const ResourceType& type);

// The resources one CustomResourceDefinition object defines (served versions only); throws ApiError 422 when
// its spec lacks what a CRD needs.
std::vector<ResourceType> resourcesFromCrd(const boost::json::object& crd);

}  // namespace kubesim

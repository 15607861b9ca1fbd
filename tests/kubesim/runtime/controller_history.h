// ControllerRevisions as kube-controller-manager's StatefulSet and DaemonSet controllers keep them
// (pkg/controller/history and the controllers' getPatch): one revision per distinct pod template, holding
// {"spec":{"template":{...,"$patch":"replace"}}} as data, numbered by `revision`, owned by its workload.
// `kubectl rollout history` lists them and `kubectl rollout undo` patches a revision's data back into the
// workload, after comparing it byte for byte with the patch it builds from the live object (Go's
// json.Marshal of a map: keys sorted, no spaces), so the data is kept in exactly that form.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "context.h"

namespace kubesim::runtime {

// The value with object keys in byte order at every level, as Go's json.Marshal writes a map.
json::value sortedKeys(const json::value& value);

// getPatch: the revision data for an object with spec.template, as Go encodes the typed object (the
// template's metadata carries "creationTimestamp":null).
json::object templatePatch(const json::object& owner);
// ApplyRevision: the pod template a revision holds.
json::object revisionTemplate(const json::object& revision);
// The revision's number (`revision`), 0 when missing.
std::int64_t revisionNumber(const json::object& revision);
// history.HashControllerRevision: FNV-32a of the data and the collision count, safe-encoded
// ("7c9d5b8f4d").
std::string hashRevision(const json::object& data, std::optional<std::int64_t> collisionCount);
// True when two revisions hold the same data (history.EqualRevision).
bool sameRevisionData(const json::object& a, const json::object& b);

// The ControllerRevisions in the owner's namespace that it controls, sorted as SortControllerRevisions
// does (revision, then creation time, then name).
std::vector<json::object> ownedRevisions(const Store& store, const json::object& owner,
                                         std::string_view kind);
// A new ControllerRevision of owner (an apps/v1 object of `kind`): labels and annotations as given, the
// controller ownerReference, data and revision.
json::object newControllerRevision(const json::object& owner, std::string_view kind, std::string name,
                                   json::object labels, json::object annotations, json::object data,
                                   std::int64_t revision);
// Sets an existing revision's number (a rollback to an older template makes it the newest again).
// Returns the revision as stored.
json::object renumberRevision(Store& store, const json::object& revision, std::int64_t number);
// The revisions to delete so that at most `limit` revisions outside `live` remain, oldest first
// (truncateHistory); `sorted` as ownedRevisions returns them. A negative limit keeps everything.
std::vector<std::string> revisionsToTruncate(const std::vector<json::object>& sorted,
                                             const std::set<std::string>& live, std::int64_t limit);

}  // namespace kubesim::runtime

// The ReplicaSet controller over the store (see replicaset_controller.h).
#include "replicaset_controller.h"

#include "../controllers/api_objects.h"
#include "../controllers/rollout.h"
#include "../errors.h"

namespace kubesim::runtime {

json::object adoptOwnerUid(Store& store, const GroupResource& resource, const json::object& object,
                           const json::object& owner) {
  const json::object* ref = controllerRef(object);
  std::string_view uid = metaString(owner, "uid");
  if (ref == nullptr || !stringField(*ref, "uid").empty() || uid.empty()) return object;
  ObjectPtr updated =
      store.modify(resource, metaString(object, "namespace"), metaString(object, "name"),
                   [&](const json::object& current) {
                     json::object next = current;
                     json::array& refs = arrayAt(metadataOf(next), "ownerReferences");
                     for (json::value& r : refs)
                       if (r.is_object() && controllers::boolAt(r.get_object(), {"controller"}) &&
                           stringField(r.get_object(), "uid").empty())
                         r.get_object()["uid"] = uid;
                     return next;
                   },
                   {UpdateScope::All, false});
  return *updated;
}

void ReplicaSetController::sync(TimePoint now) {
  if (!tracker_.due(ctx_.store, now)) return;
  tracker_.begin(ctx_.store, now);
  std::vector<json::object> replicaSets = listAll(ctx_.store, gr::replicaSets);
  if (replicaSets.empty()) return;
  std::vector<json::object> pods = listAll(ctx_.store, gr::pods);
  for (const json::object& rs : replicaSets) {
    if (isTerminating(rs)) continue;
    try {
      syncOne(rs, pods, now);
    } catch (const ApiError& e) {
      if (e.code() != 409 && e.code() != 404) throw;
    }
  }
}

void ReplicaSetController::syncOne(const json::object& replicaSet, const std::vector<json::object>& pods,
                                   TimePoint now) {
  std::string ns(metaString(replicaSet, "namespace"));
  std::vector<json::object> owned;
  for (const json::object& pod : pods)
    if (metaString(pod, "namespace") == ns && controlledBy(pod, replicaSet, "ReplicaSet"))
      owned.push_back(adoptOwnerUid(ctx_.store, gr::pods, pod, replicaSet));

  controllers::ReplicaSetSyncResult result = controllers::syncReplicaSet(replicaSet, owned, now);
  tracker_.requeue(result.requeueAt);
  EventSource source{"replicaset-controller", ""};
  ObjectReference ref = referenceTo(replicaSet, "apps/v1", "ReplicaSet");

  std::optional<std::string> failure;
  std::string uid(metaString(replicaSet, "uid"));
  auto failed = failures_.find(uid);
  std::int32_t toCreate = result.podsToCreate;
  if (toCreate > 0 && failed != failures_.end() && now < failed->second.retryAt) {
    tracker_.requeue(failed->second.retryAt);
    toCreate = 0;
  }
  for (std::int32_t i = 0; i < toCreate; ++i) {
    try {
      ObjectPtr pod = ctx_.create(gr::pods, controllers::podFromReplicaSet(replicaSet));
      ctx_.events.record(ref, source, controllers::createdPodEvent(metaString(*pod, "name")), now);
    } catch (const ApiError& e) {
      // The slow-start batch stops at the first refusal (a quota, a missing service account, ...).
      failure = std::string(e.what());
      ctx_.events.record(ref, source, {"Warning", "FailedCreate", "Error creating: " + *failure}, now);
      Failures& f = failures_[uid];
      f.backOff = f.backOff.count() == 0 ? Duration(1s) : std::min<Duration>(f.backOff * 2, 1000s);
      f.retryAt = now + f.backOff;
      tracker_.requeue(f.retryAt);
      break;
    }
  }
  if (toCreate > 0 && !failure) failures_.erase(uid);
  for (const std::string& name : result.podsToDelete) {
    try {
      ctx_.store.remove(gr::pods, ns, name);
      ctx_.events.record(ref, source, controllers::deletedPodEvent(name), now);
    } catch (const ApiError& e) {
      if (e.code() != 404) throw;
    }
  }

  json::object status = result.status;
  bool changed = result.statusChanged;
  if (!failure && failures_.count(uid) && result.podsToCreate > 0) {
    // Still backing off: the condition stays until a create succeeds.
    if (const json::object* st = objectField(replicaSet, "status"))
      if (const json::object* old = conditionOf(*st, "ReplicaFailure")) {
        arrayAt(status, "conditions").push_back(*old);
        changed = true;
      }
  }
  if (failure) {
    // The condition the controller keeps while creates fail; it goes once a sync creates what it needs.
    json::object previous;
    if (const json::object* st = objectField(replicaSet, "status")) previous = *st;
    if (const json::object* old = conditionOf(previous, "ReplicaFailure")) {
      json::array& list = arrayAt(status, "conditions");
      bool present = false;
      for (const json::value& c : list)
        present = present || (c.is_object() && stringField(c.get_object(), "type") == "ReplicaFailure");
      if (!present) list.push_back(*old);
    }
    changed = setCondition(status, "ReplicaFailure", "True", "FailedCreate", *failure, now) || changed;
  }
  if (!changed) return;
  ctx_.store.modify(gr::replicaSets, ns, metaString(replicaSet, "name"),
                    [&](const json::object& current) {
                      json::object next = current;
                      next["status"] = status;
                      return next;
                    },
                    {UpdateScope::All, false});
}

}  // namespace kubesim::runtime

// The Deployment controller over the store (see deployment_controller.h).
#include "deployment_controller.h"

#include "../controllers/rollout.h"
#include "../errors.h"
#include "replicaset_controller.h"

namespace kubesim::runtime {

void DeploymentController::sync(TimePoint now) {
  if (!tracker_.due(ctx_.store, now)) return;
  tracker_.begin(ctx_.store, now);
  std::vector<json::object> deployments = listAll(ctx_.store, gr::deployments);
  if (deployments.empty()) return;
  std::vector<json::object> replicaSets = listAll(ctx_.store, gr::replicaSets);
  std::vector<json::object> pods = listAll(ctx_.store, gr::pods);
  for (const json::object& deployment : deployments) {
    if (isTerminating(deployment)) continue;
    try {
      syncOne(deployment, replicaSets, pods, now);
    } catch (const ApiError& e) {
      // A conflict or a vanished object: the next pass works from fresh state, as a requeue would.
      if (e.code() != 409 && e.code() != 404) throw;
    }
  }
}

void DeploymentController::syncOne(const json::object& deployment,
                                   const std::vector<json::object>& replicaSets,
                                   const std::vector<json::object>& pods, TimePoint now) {
  std::string ns(metaString(deployment, "namespace"));
  std::vector<json::object> owned;
  for (const json::object& rs : replicaSets) {
    if (metaString(rs, "namespace") != ns || !controlledBy(rs, deployment, "Deployment")) continue;
    owned.push_back(adoptOwnerUid(ctx_.store, gr::replicaSets, rs, deployment));
  }
  std::vector<json::object> ownedPods;
  for (const json::object& pod : pods) {
    if (metaString(pod, "namespace") != ns) continue;
    for (const json::object& rs : owned)
      if (controlledBy(pod, rs, "ReplicaSet")) ownedPods.push_back(pod);
  }

  controllers::DeploymentSyncResult result = controllers::syncDeployment(deployment, owned, ownedPods, now);
  tracker_.requeue(result.requeueAt);

  if (result.createdReplicaSet) {
    try {
      ctx_.create(gr::replicaSets, *result.createdReplicaSet);
    } catch (const ApiError& e) {
      if (e.code() != 409) throw;
      // A ReplicaSet of that name with another template: a hash collision. Upstream bumps collisionCount so
      // the next hash differs.
      json::object next = deployment;
      json::object& status = objectAt(next, "status");
      std::int64_t count = 0;
      if (auto c = status.find("collisionCount"); c != status.end() && c->value().is_int64())
        count = c->value().get_int64();
      status["collisionCount"] = count + 1;
      ctx_.store.update(gr::deployments, std::move(next), {UpdateScope::All, false});
      return;
    }
  }
  for (const json::object& rs : result.updatedReplicaSets)
    ctx_.store.update(gr::replicaSets, rs, {UpdateScope::All, false});
  for (const std::string& name : result.deletedReplicaSets) {
    try {
      ctx_.store.remove(gr::replicaSets, ns, name);
    } catch (const ApiError& e) {
      if (e.code() != 404) throw;
    }
  }
  if (result.annotations || result.statusChanged) {
    json::object next = deployment;
    if (result.annotations) metadataOf(next)["annotations"] = *result.annotations;
    if (result.statusChanged) next["status"] = result.status;
    ctx_.store.update(gr::deployments, std::move(next), {UpdateScope::All, false});
  }
  EventSource source{"deployment-controller", ""};
  ObjectReference ref = referenceTo(deployment, "apps/v1", "Deployment");
  for (const controllers::Event& event : result.events)
    ctx_.events.record(ref, source, event, now);
}

}  // namespace kubesim::runtime

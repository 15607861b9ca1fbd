// The ReplicaSet controller: syncReplicaSet (controllers/rollout.h) for every ReplicaSet; pods created from
// the template through the create path (so quotas and LimitRanges apply: a refusal becomes the FailedCreate
// event and the ReplicaFailure condition), surplus pods deleted, status written.
#pragma once

#include <map>

#include "context.h"

namespace kubesim::runtime {

class ReplicaSetController final : public Controller {
 public:
  explicit ReplicaSetController(RuntimeContext& context) : ctx_(context) {}
  std::string name() const override { return "replicaset-controller"; }
  void sync(TimePoint now) override;
  std::optional<TimePoint> nextDue() const override { return tracker_.requeueAt(); }

 private:
  void syncOne(const json::object& replicaSet, const std::vector<json::object>& pods, TimePoint now);
  // The work queue's rate limit after failed creates: 1 s doubling to 1000 s per ReplicaSet.
  struct Failures {
    Duration backOff{0};
    TimePoint retryAt{};
  };
  RuntimeContext& ctx_;
  ChangeTracker tracker_;
  std::map<std::string, Failures> failures_;  // by ReplicaSet uid
};

// Gives ownerReferences that name their owner without a uid (hand-written scenarios) the owner's uid, so the
// store's cascading deletion and `kubectl describe` find them. Returns the object as stored afterwards.
json::object adoptOwnerUid(Store& store, const GroupResource& resource, const json::object& object,
                           const json::object& owner);

}  // namespace kubesim::runtime

// The Deployment controller: syncDeployment (controllers/rollout.h) for every Deployment, its results written
// through the store (new ReplicaSets, scaled ones, revision cleanup, the Deployment's revision annotation and
// status) and its ScalingReplicaSet events recorded as deployment-controller.
#pragma once

#include "context.h"

namespace kubesim::runtime {

class DeploymentController final : public Controller {
 public:
  explicit DeploymentController(RuntimeContext& context) : ctx_(context) {}
  std::string name() const override { return "deployment-controller"; }
  void sync(TimePoint now) override;
  std::optional<TimePoint> nextDue() const override { return tracker_.requeueAt(); }

 private:
  void syncOne(const json::object& deployment, const std::vector<json::object>& replicaSets,
               const std::vector<json::object>& pods, TimePoint now);
  RuntimeContext& ctx_;
  ChangeTracker tracker_;
};

}  // namespace kubesim::runtime

// The persistent volume controller with a dynamic provisioner behind every StorageClass: an unbound claim is
// bound to a matching Available volume, or provisioned (a `pvc-<claim uid>` volume, the ExternalProvisioning,
// Provisioning and ProvisioningSucceeded events) at once for Immediate classes and once a pod using it is
// scheduled for WaitForFirstConsumer ones (`waiting for first consumer to be created before binding` until
// then); a claim whose class is missing gets ProvisioningFailed (controllers/scheduler.h's
// provisioningFailure). A volume whose claim is gone is deleted (reclaim policy Delete) or Released (Retain).
// Classes with the kubernetes.io/no-provisioner provisioner only bind pre-made volumes.
#pragma once

#include <map>

#include "context.h"

namespace kubesim::runtime {

class VolumeController final : public Controller {
 public:
  explicit VolumeController(RuntimeContext& context) : ctx_(context) {}
  std::string name() const override { return "persistentvolume-controller"; }
  void sync(TimePoint now) override;
  std::optional<TimePoint> nextDue() const override { return tracker_.requeueAt(); }

 private:
  void syncClaim(const json::object& claim, const std::vector<json::object>& volumes,
                 const std::vector<json::object>& classes, const std::vector<json::object>& pods,
                 TimePoint now);
  // Records a claim's repeated events at the controller's 15 s resync, not on every pass.
  bool due(const std::string& key, TimePoint now);
  RuntimeContext& ctx_;
  ChangeTracker tracker_;
  std::map<std::string, TimePoint> nextEvent_;  // by claim uid and reason
};

}  // namespace kubesim::runtime

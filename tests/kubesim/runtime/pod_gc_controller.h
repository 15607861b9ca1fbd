// The pod garbage collector's immediate cases: a pod being deleted that no kubelet will finish (never
// scheduled, or already terminal) goes at once, as the API server deletes such pods without a grace period;
// a pod bound to a node that no longer exists is deleted.
#pragma once

#include "context.h"

namespace kubesim::runtime {

class PodGcController final : public Controller {
 public:
  explicit PodGcController(RuntimeContext& context) : ctx_(context) {}
  std::string name() const override { return "pod-garbage-collector"; }
  void sync(TimePoint now) override;

 private:
  RuntimeContext& ctx_;
  ChangeTracker tracker_;
};

}  // namespace kubesim::runtime

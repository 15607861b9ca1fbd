// Applies the scenario's timeline (behaviour/timeline.h) as the real events would happen: load changes in
// the load model, a pod deleted, a node condition set by its kubelet (with the NodeHas... event), a
// Deployment's image changed to one no registry has, a ConfigMap key removed, pods switched to another
// behaviour profile. The same actions can be applied at any moment (the server's control endpoint).
#pragma once

#include "../behaviour/timeline.h"
#include "context.h"

namespace kubesim::runtime {

class TimelineController final : public Controller {
 public:
  explicit TimelineController(RuntimeContext& context) : ctx_(context) {}
  std::string name() const override { return "timeline"; }
  void sync(TimePoint now) override;
  std::optional<TimePoint> nextDue() const override;

  // Applies one action at now. Throws ApiError, before changing anything, when it cannot apply: 404
  // NotFound as the API words it (`pods "web-1" not found`) for a missing object, 400 BadRequest for a
  // Deployment without the named container or an unknown profile.
  void apply(const behaviour::TimelineAction& action, TimePoint now);

 private:
  RuntimeContext& ctx_;
  Duration applied_{0};  // entries before this (since the scenario start) are done
  bool started_ = false;
};

}  // namespace kubesim::runtime

// kube-scheduler over the store: every pending pod of the default scheduler goes through schedule()
// (controllers/scheduler.h) in priority then creation order; a fit binds it (spec.nodeName, PodScheduled
// True, the Scheduled event), a misfit gets PodScheduled=False Unschedulable and the FailedScheduling event,
// and is retried when the cluster changes in a way that could help (or after five minutes, as the
// unschedulable queue's flush does). Preemption deletes its victims and nominates the node.
#pragma once

#include <map>

#include "context.h"

namespace kubesim::runtime {

class SchedulerController final : public Controller {
 public:
  explicit SchedulerController(RuntimeContext& context) : ctx_(context) {}
  std::string name() const override { return "default-scheduler"; }
  void sync(TimePoint now) override;
  std::optional<TimePoint> nextDue() const override;

 private:
  struct Attempt {
    std::string fingerprint;  // the cluster as the failed attempt saw it
    TimePoint at;
  };
  RuntimeContext& ctx_;
  ChangeTracker tracker_;
  std::map<std::string, Attempt> unschedulable_;  // by pod uid
};

}  // namespace kubesim::runtime

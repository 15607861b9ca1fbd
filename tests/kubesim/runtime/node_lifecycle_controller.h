// The node lifecycle controller's TaintNodesByCondition: NoSchedule taints that follow the node's
// conditions (node.kubernetes.io/memory-pressure, disk-pressure, pid-pressure, not-ready, unreachable,
// network-unavailable) and spec.unschedulable (node.kubernetes.io/unschedulable), so the scheduler keeps new
// pods off a node under pressure as on a real cluster.
#pragma once

#include "context.h"

namespace kubesim::runtime {

class NodeLifecycleController final : public Controller {
 public:
  explicit NodeLifecycleController(RuntimeContext& context) : ctx_(context) {}
  std::string name() const override { return "node-lifecycle-controller"; }
  void sync(TimePoint now) override;

 private:
  RuntimeContext& ctx_;
  ChangeTracker tracker_;
};

// The taints the conditions and spec of a node call for, as {key, effect} objects in upstream's order.
json::array conditionTaints(const json::object& node);

}  // namespace kubesim::runtime

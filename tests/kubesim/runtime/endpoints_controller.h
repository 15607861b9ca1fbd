// The endpoints and EndpointSlice controllers: for every Service with a selector, its matching pods with an
// IP become addresses (ready, or notReady while not Ready) in Endpoints subsets and EndpointSlice endpoints
// (ready/serving/terminating conditions), named target ports resolved per pod. Also tells the world which
// pods are ready endpoints of which Service, for the load model.
#pragma once

#include "context.h"

namespace kubesim::runtime {

class EndpointsController final : public Controller {
 public:
  explicit EndpointsController(RuntimeContext& context) : ctx_(context) {}
  std::string name() const override { return "endpoint-controller"; }
  void sync(TimePoint now) override;

 private:
  void syncService(const json::object& service, const std::vector<json::object>& pods, TimePoint now);
  RuntimeContext& ctx_;
  ChangeTracker tracker_;
};

}  // namespace kubesim::runtime

// The hooks through which a live cluster plugs into the API server: the virtual clock the control endpoint
// moves, admission of creates (ResourceQuota, LimitRanger), resource metrics for metrics.k8s.io (`kubectl
// top`), application metrics for the service and pod proxy paths, and timeline actions on demand. The API
// server never links the controllers (tests/kubesim/runtime links the server), so each hook is a narrow
// interface that the runtime (or a test's fake) implements and main() wires in. Every hook is optional:
// without them the server is the static one that serves a scenario or a dump.
#pragma once

#include <boost/json.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "behaviour/clock.h"
#include "behaviour/timeline.h"
#include "meta.h"

namespace kubesim {

// Admission of a create through the API (and of the objects controllers create through the server), after
// the registry strategy's defaults and resets and before storage: it may change the object (LimitRanger's
// defaults) and throws ApiError to refuse it (403 `exceeded quota`). Called on the request's thread.
class Admission {
 public:
  virtual ~Admission() = default;
  virtual void admit(const GroupResource& resource, boost::json::object& object) = 0;
};

// metrics.k8s.io/v1beta1 as metrics-server serves it. Without this hook the server serves the PodMetrics and
// NodeMetrics objects in its store (which the runtime's metrics controller keeps there).
class ResourceMetrics {
 public:
  virtual ~ResourceMetrics() = default;
  // Complete PodMetrics objects (apiVersion, kind, metadata with name, namespace and the pod's labels,
  // timestamp, window, containers) of one namespace, or of all when `ns` is empty.
  virtual std::vector<boost::json::object> podMetrics(std::string_view ns) = 0;
  // Complete NodeMetrics objects (metadata with name and the node's labels, timestamp, window, usage).
  virtual std::vector<boost::json::object> nodeMetrics() = 0;
};

// The Prometheus text (format 0.0.4) an application serves on /metrics, reached through
// /api/v1/namespaces/NS/services/[SCHEME:]NAME[:PORT]/proxy/metrics and .../pods/NAME[:PORT]/proxy/metrics.
// nullopt: nothing answers there (the server then answers as a real one does for a Service without
// endpoints or an unreachable pod).
class ApplicationMetrics {
 public:
  virtual ~ApplicationMetrics() = default;
  virtual std::optional<std::string> serviceMetrics(const std::string& ns, const std::string& service) = 0;
  virtual std::optional<std::string> podMetrics(const std::string& ns, const std::string& pod) = 0;
};

// The scenario timeline's actions applied on demand through /kubesim/v1/actions (change a Service's load,
// kill pods, node pressure, a bad image, a ConfigMap key removed, a behaviour profile switched).
class TimelineActions {
 public:
  virtual ~TimelineActions() = default;
  // Applies the action now, and lets the controllers react to it at the current instant before returning.
  // Throws ApiError when it cannot apply (404 NotFound for a missing pod, node, Deployment or ConfigMap).
  virtual void apply(const behaviour::TimelineAction& action) = 0;
};

struct SimulationHooks {
  // The clock /kubesim/v1/clock reads and moves; it must be the clock the ApiServer was built with. Without
  // it the endpoint answers 404.
  behaviour::VirtualClock* clock = nullptr;
  // Called after the control endpoint changed the clock (advance, freeze, resume, scale), so the controller
  // manager looks at it at once instead of sleeping through the jump.
  std::function<void()> clockChanged;
  Admission* admission = nullptr;
  ResourceMetrics* resourceMetrics = nullptr;
  ApplicationMetrics* applicationMetrics = nullptr;
  // Without it (no controllers run) /kubesim/v1/actions answers 404.
  TimelineActions* actions = nullptr;
};

}  // namespace kubesim

// EvidenceBuilder: turns Kubernetes API objects (as JSON) into the plain Evidence the analyzers read.
//
// The collector feeds it whatever it listed; tests feed it YAML fixtures. Objects may arrive in any order
// (pods before their ReplicaSets, Endpoints before their Services): build() joins them, resolves owner
// chains, aggregates events and sorts everything, so the result does not depend on arrival order.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "diagnose/evidence.h"

namespace aiops::diagnose {

class EvidenceBuilder {
 public:
  // Adds one object by its kind, or every item of a List (items without a kind take the list's kind
  // minus "List"). Returns false for a kind the diagnosis does not use; the object is then ignored.
  // Secrets keep their key names only.
  bool add(const boost::json::value& object);

  // The log tail of a container: the current instance, or the previous one.
  void setLogs(const std::string& namespace_, const std::string& pod, const std::string& container,
               bool previous, LogTail tail);
  // The highest memory working set seen for a container over `window` (from usage history).
  void setMemoryPeak(const std::string& namespace_, const std::string& pod, const std::string& container,
                     Quantity peak, std::chrono::seconds window);
  // Records that `resource` ("configmaps", "nodes", ...) was listed completely in `namespace_` ("" for
  // cluster-scoped, "*" for all namespaces).
  void markListed(const std::string& resource, const std::string& namespace_);
  void markMetricsAvailable() { evidence_.metricsAvailable = true; }
  void addUnreadable(std::string what, std::string error);

  Evidence build();

 private:
  struct EndpointsData {
    std::int64_t ready = 0;
    std::int64_t notReady = 0;
    std::vector<std::string> notReadyPods;
  };
  struct Usage {
    std::optional<Quantity> cpu;
    std::optional<Quantity> memory;
  };
  using ContainerKey = std::tuple<std::string, std::string, std::string>;  // namespace, pod, container

  bool addAs(const std::string& kind, const boost::json::value& object);
  void addPod(const boost::json::value& object);
  void addEvent(const boost::json::value& object);
  void addWorkload(const std::string& kind, const boost::json::value& object);
  void addPodMetrics(const boost::json::value& object);

  Evidence evidence_;
  std::map<std::pair<std::string, std::string>, EndpointsData> endpoints_;
  std::map<ContainerKey, LogTail> currentLogs_;
  std::map<ContainerKey, LogTail> previousLogs_;
  std::map<ContainerKey, Usage> usage_;
  std::map<ContainerKey, std::pair<Quantity, std::chrono::seconds>> peaks_;
  std::map<std::string, Usage> nodeUsage_;
};

}  // namespace aiops::diagnose

// Pod garbage collection (see pod_gc_controller.h).
#include "pod_gc_controller.h"

#include "../controllers/api_objects.h"
#include "../errors.h"

namespace kubesim::runtime {

void PodGcController::sync(TimePoint now) {
  if (!tracker_.due(ctx_.store, now)) return;
  tracker_.begin(ctx_.store, now);
  std::vector<json::object> pods = listAll(ctx_.store, gr::pods);
  if (pods.empty()) return;
  std::set<std::string> nodes;
  for (const json::object& node : listAll(ctx_.store, gr::nodes))
    nodes.insert(std::string(metaString(node, "name")));
  for (const json::object& pod : pods) {
    std::string node = controllers::stringAt(pod, {"spec", "nodeName"});
    bool orphaned = !node.empty() && !nodes.count(node);
    bool unfinishable = isTerminating(pod) && (node.empty() || isTerminal(pod));
    if (!orphaned && !unfinishable) continue;
    DeleteOptions options;
    options.gracePeriodSeconds = 0;
    options.preconditionUid = std::string(metaString(pod, "uid"));
    try {
      ctx_.store.remove(gr::pods, metaString(pod, "namespace"), metaString(pod, "name"), options);
    } catch (const ApiError& e) {
      if (e.code() != 404 && e.code() != 409) throw;
    }
  }
}

}  // namespace kubesim::runtime

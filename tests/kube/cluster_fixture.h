// A small scripted cluster for unit tests of `status`: two nodes, two deployments, their pods and events,
// served by a FakeTransport at the paths the client asks for.
#pragma once

#include <string>

#include "fake_transport.h"

namespace aiops::kube::testing {

// Pod, deployment, node and event JSON (one object each) for composing lists.
std::string readyNode(const std::string& name, const std::string& cpu, const std::string& memory,
                      bool ready = true);
std::string deployment(const std::string& ns, const std::string& name, int desired, int ready, int updated,
                       int available);
std::string runningPod(const std::string& ns, const std::string& name, const std::string& node,
                       int restarts = 0);
std::string crashLoopPod(const std::string& ns, const std::string& name, const std::string& node,
                         int restarts);
std::string warningEvent(const std::string& ns, const std::string& name, const std::string& reason);
std::string list(const std::string& kind, const std::string& apiVersion,
                 const std::vector<std::string>& items);

// Scripts the four lists `status` reads, for namespace `ns` (empty: all namespaces).
void serveStatusLists(FakeTransport& fake, const std::string& ns, const std::string& nodes,
                      const std::string& deployments, const std::string& pods, const std::string& events);

// shop: web 2/2 and api 1/1 healthy, two ready nodes, no warnings.
void serveHealthyShop(FakeTransport& fake);
// shop: web 1/2 with one pod in CrashLoopBackOff, node-b not ready, two Warning events.
void serveUnhealthyShop(FakeTransport& fake);

}  // namespace aiops::kube::testing

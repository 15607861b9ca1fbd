// A simulated cluster for the runtime's tests: the real API server in-process (defaults, strategies,
// patches as kubectl sends them), a frozen virtual clock the manager advances, and helpers to read objects,
// events and logs back.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "../api.h"
#include "../auth.h"
#include "../behaviour/scenario.h"
#include "../codec.h"
#include "../openapi.h"
#include "../state.h"
#include "common.h"
#include "controller_manager.h"

namespace kubesim::runtime::testing {

inline const OpenApi& openapi() {
  static const OpenApi api = OpenApi::load(KUBESIM_DEFAULT_OPENAPI);
  return api;
}

inline TimePoint at(std::string_view text) {
  return *kubesim::parseTime(text);
}

// A scenario (Kubernetes objects plus kubesim documents) from YAML text, through the real loader.
inline ClusterState stateFrom(const std::string& yaml) {
  std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / ("kubesim_runtime_test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::filesystem::path file = dir / "scenario.yaml";
  std::ofstream(file, std::ios::binary | std::ios::trunc) << yaml;
  return loadScenario(file);
}

// One node, minikube-like: 4 CPUs, 8 GiB, containerd.
inline const char* kNodeYaml = R"(apiVersion: v1
kind: Node
metadata:
  name: node-1
  labels:
    kubernetes.io/hostname: node-1
    kubernetes.io/os: linux
spec:
  podCIDR: 10.244.0.0/24
status:
  capacity: {cpu: '4', memory: 8Gi, pods: '110'}
  allocatable: {cpu: '4', memory: 8Gi, pods: '110'}
  addresses:
  - {type: InternalIP, address: 192.168.49.2}
  - {type: Hostname, address: node-1}
  nodeInfo:
    kubeletVersion: v1.32.4
    containerRuntimeVersion: containerd://1.7.22
  conditions:
  - {type: MemoryPressure, status: 'False', reason: KubeletHasSufficientMemory, message: kubelet has sufficient memory available, lastHeartbeatTime: '2026-03-01T12:00:00Z', lastTransitionTime: '2026-03-01T08:00:00Z'}
  - {type: DiskPressure, status: 'False', reason: KubeletHasNoDiskPressure, message: kubelet has no disk pressure, lastHeartbeatTime: '2026-03-01T12:00:00Z', lastTransitionTime: '2026-03-01T08:00:00Z'}
  - {type: PIDPressure, status: 'False', reason: KubeletHasSufficientPID, message: kubelet has sufficient PID available, lastHeartbeatTime: '2026-03-01T12:00:00Z', lastTransitionTime: '2026-03-01T08:00:00Z'}
  - {type: Ready, status: 'True', reason: KubeletReady, message: kubelet is posting ready status, lastHeartbeatTime: '2026-03-01T12:00:00Z', lastTransitionTime: '2026-03-01T08:00:00Z'}
)";

inline constexpr std::string_view kStart = "2026-03-01T12:00:00Z";

class TestCluster {
 public:
  // The cluster of `yaml` (objects and kubesim behaviour documents), its clock frozen at `start`.
  explicit TestCluster(const std::string& yaml, RuntimeOptions options = {}, std::string_view start = kStart)
      : clock_(at(start), 1.0, [] { return behaviour::VirtualClock::RealClock::time_point{}; }),
        auth_(std::vector<ScenarioUser>{}),
        api_(openapi(), auth_, clock_) {
    clock_.freeze();
    ClusterState state = stateFrom(yaml);
    api_.load(state);
    token_ = auth_.kubeconfigCredentials().front().token;
    manager_ = std::make_unique<ControllerManager>(
        api_.store(), api_.logs(), clock_, behaviour::parseScenario(state.behaviourDocuments), options);
  }

  ControllerManager& manager() { return *manager_; }
  behaviour::VirtualClock& clock() { return clock_; }
  Store& store() { return api_.store(); }
  LogStore& logs() { return api_.logs(); }
  ApiServer& api() { return api_; }
  TimePoint now() const { return clock_.now(); }
  // Seconds of virtual time since the start.
  void runFor(std::chrono::seconds seconds) { manager_->runFor(seconds); }
  void runUntilSecond(int second) { manager_->runUntil(at(kStart) + std::chrono::seconds(second)); }

  // A request as the admin; the body is JSON.
  HttpResponse call(const std::string& method, const std::string& path, const std::string& body = "",
                    const std::string& contentType = "application/json") {
    HttpRequest r;
    r.method = method;
    std::size_t q = path.find('?');
    r.path = path.substr(0, q);
    if (q != std::string::npos) {
      std::string query = path.substr(q + 1);
      std::size_t start = 0;
      while (start < query.size()) {
        std::size_t amp = query.find('&', start);
        std::string pair = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
        std::size_t eq = pair.find('=');
        r.params.emplace(pair.substr(0, eq), eq == std::string::npos ? "" : pair.substr(eq + 1));
        if (amp == std::string::npos) break;
        start = amp + 1;
      }
    }
    r.body = body;
    r.headers = {{"Authorization", "Bearer " + token_}, {"Accept", "application/json"}};
    if (!body.empty()) r.headers.emplace_back("Content-Type", contentType);
    return api_.handle(r);
  }
  // Creates objects from YAML (one or more documents) through the API, as `kubectl create` does.
  void create(const std::string& yaml) {
    for (const json::object& object : stateFrom(yaml).objects) {
      std::string apiVersion(stringField(object, "apiVersion"));
      std::string kind(stringField(object, "kind"));
      std::optional<ResourceType> type = api_.catalog().findByKind(
          apiVersion.find('/') == std::string::npos ? "" : apiVersion.substr(0, apiVersion.find('/')), kind);
      ASSERT_TRUE(type) << kind;
      std::string ns(metaString(object, "namespace"));
      if (ns.empty()) ns = "default";
      std::string path =
          type->pathPrefix() + (type->namespaced ? "/namespaces/" + ns : "") + "/" + type->plural;
      HttpResponse response = call("POST", path, toJson(object));
      ASSERT_EQ(response.status, 201) << response.body;
    }
  }
  // A strategic merge patch (what kubectl set image / rollout pause send).
  void patch(const std::string& path, const std::string& patch,
             const std::string& contentType = "application/strategic-merge-patch+json") {
    HttpResponse response = call("PATCH", path, patch, contentType);
    ASSERT_EQ(response.status, 200) << response.body;
  }

  std::optional<json::object> get(const GroupResource& resource, std::string_view name,
                                  std::string_view ns = "default") {
    return getObject(api_.store(), resource, ns, name);
  }
  json::object must(const GroupResource& resource, std::string_view name, std::string_view ns = "default") {
    std::optional<json::object> object = get(resource, name, ns);
    EXPECT_TRUE(object) << resource.str() << " " << name;
    return object.value_or(json::object{});
  }
  std::vector<json::object> list(const GroupResource& resource, std::string_view ns = "default") {
    return listAll(api_.store(), resource, ns);
  }
  // Pods whose names start with prefix, oldest first.
  std::vector<json::object> podsOf(std::string_view prefix, std::string_view ns = "default") {
    std::vector<json::object> out;
    for (json::object& pod : list(gr::pods, ns))
      if (metaString(pod, "name").starts_with(prefix)) out.push_back(std::move(pod));
    std::sort(out.begin(), out.end(), [](const json::object& a, const json::object& b) {
      return metaString(a, "creationTimestamp") < metaString(b, "creationTimestamp");
    });
    return out;
  }
  // "reason: message (xN)" of the events about one object, in the order they were first recorded.
  std::vector<std::string> eventsFor(std::string_view name, std::string_view ns = "default") {
    std::vector<json::object> events;
    for (json::object& e : list(gr::events, ns))
      if (controllersString(e, "involvedObject", "name") == name) events.push_back(std::move(e));
    std::stable_sort(events.begin(), events.end(), [](const json::object& a, const json::object& b) {
      return std::make_pair(std::string(stringField(a, "firstTimestamp")),
                            std::string(metaString(a, "name"))) <
             std::make_pair(std::string(stringField(b, "firstTimestamp")),
                            std::string(metaString(b, "name")));
    });
    std::vector<std::string> out;
    for (const json::object& e : events) {
      std::string line =
          std::string(stringField(e, "reason")) + ": " + std::string(stringField(e, "message"));
      std::int64_t count = e.contains("count") && e.at("count").is_int64() ? e.at("count").get_int64() : 1;
      if (count > 1) line += " (x" + std::to_string(count) + ")";
      out.push_back(line);
    }
    return out;
  }

 private:
  static std::string controllersString(const json::object& o, std::string_view a, std::string_view b) {
    const json::object* inner = objectField(o, a);
    return inner ? std::string(stringField(*inner, b)) : std::string();
  }

  behaviour::VirtualClock clock_;
  Authenticator auth_;
  ApiServer api_;
  std::string token_;
  std::unique_ptr<ControllerManager> manager_;
};

// The value at a path of keys ("status", "phase") as text: strings as they are, other JSON serialized, ""
// when missing.
inline std::string field(const json::object& object, std::initializer_list<std::string_view> path) {
  const json::value* value = nullptr;
  const json::object* current = &object;
  for (std::string_view key : path) {
    if (current == nullptr) return {};
    auto it = current->find(key);
    if (it == current->end()) return {};
    value = &it->value();
    current = value->if_object();
  }
  if (value == nullptr) return {};
  if (value->is_string()) return std::string(value->get_string());
  return toJson(*value);
}

// The first container status of a pod, or an empty object.
inline json::object containerStatus(const json::object& pod, std::size_t index = 0) {
  const json::object* status = objectField(pod, "status");
  if (!status) return {};
  auto it = status->find("containerStatuses");
  if (it == status->end() || !it->value().is_array() || it->value().get_array().size() <= index) return {};
  return it->value().get_array()[index].get_object();
}

// "Type=Status[/Reason]" of each pod condition, in order.
inline std::vector<std::string> conditions(const json::object& object) {
  std::vector<std::string> out;
  const json::object* status = objectField(object, "status");
  if (!status) return out;
  auto it = status->find("conditions");
  if (it == status->end() || !it->value().is_array()) return out;
  for (const json::value& c : it->value().get_array()) {
    const json::object& o = c.get_object();
    std::string line = std::string(stringField(o, "type")) + "=" + std::string(stringField(o, "status"));
    if (!stringField(o, "reason").empty()) line += "/" + std::string(stringField(o, "reason"));
    out.push_back(line);
  }
  return out;
}

}  // namespace kubesim::runtime::testing

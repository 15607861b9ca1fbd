// diagnose_cluster_bench: wall time of `kubectl aiops diagnose ... -o json` against kubesim, from the start
// of the process to its exit with the whole report written. Measured for one failing pod (target < 500 ms)
// and for a namespace of 1,000 pods with 100 failing in ten different ways (target < 2 s), next to the
// classification alone on the same objects (target < 50 ms), and next to what a person does with plain
// kubectl for the same answer: `get pods`, `get events`, then `describe pod` and `logs --previous` for each
// failing pod, one command after another. Prints Markdown tables (median, min and max); never asserts.
//
// The cluster is a static kubesim scenario generated here: statuses, Events and log lines as the kubelet and
// scheduler write them, with timestamps relative to the bench's start so that diagnose sees them as recent.
// No controllers run, so nothing changes between runs; the bench measures our tool, not kubesim.
#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "diagnose/diagnose.h"
#include "diagnose/evidence_builder.h"
#include "kubesim_harness.h"
#include "support/output.h"
#include "support/timestamps.h"

namespace {

namespace json = boost::json;
using aiops::test::CommandResult;
using aiops::test::KubesimHarness;

constexpr int kWorkloads = 100;  // Deployments in namespace bench, 10 pods each
constexpr int kPodsPerWorkload = 10;
constexpr int kFailingWays = 10;  // workloads 0..9 fail, one way each: 100 failing pods
constexpr int kNodes = 10;
constexpr const char* kNamespace = "bench";
constexpr const char* kSmallNamespace = "shop";

const char* const kWays[kFailingWays] = {"crash loop: connection refused",
                                         "OOMKilled, running again",
                                         "image not found",
                                         "missing ConfigMap",
                                         "insufficient CPU",
                                         "liveness probe on the wrong port",
                                         "evicted (node memory pressure)",
                                         "init container: DNS failure",
                                         "readiness probe 503",
                                         "missing Secret volume"};

struct Settings {
  int runs = 7;               // timed runs of each aiops measurement, after one untimed
  int manualRuns = 3;         // timed runs of the plain-kubectl walk (about 200 kubectl commands each)
  std::string writeScenario;  // --write-scenario FILE: write the generated scenario there and stop
};

// Timestamps relative to the bench's start, as metav1.Time writes them.
class Clock {
 public:
  Clock() : now_(std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now())) {}
  std::string ago(std::chrono::seconds s) const { return aiops::formatTimestamp(now_ - s); }
  aiops::WallTime now() const { return now_; }

 private:
  aiops::WallTime now_;
};

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

std::string uidFor(int kind, int n) {
  return fmt::format("{:08x}-0000-4000-8000-{:012x}", 0xd1a90000 + kind, n);
}

// Everything the scenario holds: API objects, and the PodLog documents beside them.
struct Scenario {
  std::vector<json::object> objects;
  struct Log {
    std::string ns, pod, container;
    bool previous;
    std::string text;
  };
  std::vector<Log> logs;
  std::vector<std::string> failingPods;  // in namespace bench
  std::string smallFailingPod;           // the one failing pod of namespace shop
  std::string benchFailingPod;           // a failing pod of namespace bench

  void event(const Clock& clock, const std::string& ns, const std::string& pod, const std::string& podUid,
             const std::string& fieldPath, const std::string& type, const std::string& reason,
             const std::string& message, int count, const std::string& component, const std::string& host,
             seconds first, seconds last) {
    json::object involved{
        {"apiVersion", "v1"}, {"kind", "Pod"}, {"name", pod}, {"namespace", ns}, {"uid", podUid}};
    if (!fieldPath.empty()) involved["fieldPath"] = fieldPath;
    json::object source{{"component", component}};
    if (!host.empty()) source["host"] = host;
    objects.push_back(json::object{
        {"apiVersion", "v1"},
        {"kind", "Event"},
        {"metadata",
         json::object{{"name", fmt::format("{}.{:016x}", pod, std::hash<std::string>{}(reason + message))},
                      {"namespace", ns},
                      {"creationTimestamp", clock.ago(first)}}},
        {"involvedObject", involved},
        {"reason", reason},
        {"message", message},
        {"type", type},
        {"count", count},
        {"firstTimestamp", clock.ago(first)},
        {"lastTimestamp", clock.ago(last)},
        {"source", source},
        {"reportingComponent", component},
        {"reportingInstance", host}});
  }
};

json::object node(const Clock& clock, int n) {
  const std::string name = fmt::format("node-{}", n);
  json::array conditions;
  for (const auto& [type, reason, message] : std::vector<std::tuple<const char*, const char*, const char*>>{
           {"MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"},
           {"DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"},
           {"PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"},
           {"Ready", "KubeletReady", "kubelet is posting ready status"}}) {
    conditions.push_back(json::object{{"type", type},
                                      {"status", std::string_view(type) == "Ready" ? "True" : "False"},
                                      {"reason", reason},
                                      {"message", message},
                                      {"lastHeartbeatTime", clock.ago(seconds(20))},
                                      {"lastTransitionTime", clock.ago(hours(24 * 20))}});
  }
  return json::object{
      {"apiVersion", "v1"},
      {"kind", "Node"},
      {"metadata", json::object{{"name", name},
                                {"uid", uidFor(1, n)},
                                {"creationTimestamp", clock.ago(hours(24 * 20))},
                                {"labels", json::object{{"kubernetes.io/hostname", name},
                                                        {"kubernetes.io/os", "linux"},
                                                        {"kubernetes.io/arch", "amd64"}}}}},
      {"spec", json::object{{"podCIDR", fmt::format("10.244.{}.0/24", n)}}},
      {"status",
       json::object{
           {"capacity", json::object{{"cpu", "8"}, {"memory", "32846012Ki"}, {"pods", "110"}}},
           {"allocatable", json::object{{"cpu", "7910m"}, {"memory", "31695036Ki"}, {"pods", "110"}}},
           {"conditions", conditions},
           {"nodeInfo", json::object{{"kubeletVersion", "v1.32.0"},
                                     {"kubeProxyVersion", "v1.32.0"},
                                     {"containerRuntimeVersion", "containerd://1.7.24"},
                                     {"operatingSystem", "linux"},
                                     {"architecture", "amd64"},
                                     {"osImage", "Ubuntu 22.04.5 LTS"},
                                     {"kernelVersion", "6.8.0-49-generic"},
                                     {"machineID", ""},
                                     {"systemUUID", ""},
                                     {"bootID", ""}}}}}};
}

json::array podConditions(const Clock& clock, bool scheduled, bool initialized, bool ready) {
  json::array out;
  auto add = [&](const char* type, bool status, const char* reason, const std::string& message) {
    json::object c{{"type", type},
                   {"status", status ? "True" : "False"},
                   {"lastTransitionTime", clock.ago(minutes(30))}};
    if (!status && reason != nullptr) {
      c["reason"] = reason;
      c["message"] = message;
    }
    out.push_back(std::move(c));
  };
  if (!scheduled) {
    add("PodScheduled", false, "Unschedulable",
        "0/10 nodes are available: 10 Insufficient cpu. preemption: 0/10 nodes are available: 10 No "
        "preemption "
        "victims found for incoming pod.");
    return out;
  }
  add("PodReadyToStartContainers", true, nullptr, "");
  add("Initialized", initialized, "ContainersNotInitialized", "containers with incomplete status: [wait-db]");
  add("Ready", ready, "ContainersNotReady", "containers with unready status: [app]");
  add("ContainersReady", ready, "ContainersNotReady", "containers with unready status: [app]");
  add("PodScheduled", true, nullptr, "");
  return out;
}

json::object running(const std::string& started) {
  return json::object{{"running", json::object{{"startedAt", started}}}};
}

json::object terminated(int code, const std::string& reason, const std::string& started,
                        const std::string& finished) {
  return json::object{
      {"terminated",
       json::object{
           {"exitCode", code}, {"reason", reason}, {"startedAt", started}, {"finishedAt", finished}}}};
}

json::object waiting(const std::string& reason, const std::string& message = "") {
  json::object w{{"reason", reason}};
  if (!message.empty()) w["message"] = message;
  return json::object{{"waiting", w}};
}

// 150 lines of ordinary request logging, then the lines that matter.
std::string logText(const Clock& clock, const std::vector<std::string>& last) {
  std::string text;
  const std::string stamp = clock.ago(minutes(3));
  for (int i = 1; i <= 150; ++i)
    text += fmt::format("{} INFO handled request id={} path=/api/items status=200 in {}ms\n", stamp, 4000 + i,
                        i % 17);
  for (const std::string& line : last)
    text += stamp + " " + line + "\n";
  return text;
}

// One workload: Deployment, ReplicaSet, Service, Endpoints and its pods; `way` < 0 for a healthy one.
void workload(Scenario& sc, const Clock& clock, const std::string& ns, int index, const std::string& app,
              int replicas, int way) {
  const std::string hash = fmt::format("{:x}", 0x5c7b9d4f8 + index);
  const std::string rs = app + "-" + hash;
  const std::string image = fmt::format("ghcr.io/example/{}:1.{}.0", app, index % 7);
  const int kindBase = ns == kNamespace ? 0 : 5000;
  const std::string deployUid = uidFor(2, kindBase + index);
  const std::string rsUid = uidFor(3, kindBase + index);
  json::object labels{{"app", app}};
  json::object podLabels{{"app", app}, {"pod-template-hash", hash}};

  json::object container{
      {"name", "app"},
      {"image", image},
      {"imagePullPolicy", "IfNotPresent"},
      {"ports", json::array{json::object{{"name", "http"}, {"containerPort", 8080}, {"protocol", "TCP"}}}},
      {"env", json::array{json::object{{"name", "DATABASE_URL"}, {"value", "postgres://db:5432/" + app}}}},
      {"resources", json::object{{"requests", json::object{{"cpu", "100m"}, {"memory", "128Mi"}}},
                                 {"limits", json::object{{"memory", "256Mi"}}}}},
      {"readinessProbe",
       json::object{{"httpGet", json::object{{"path", "/ready"}, {"port", 8080}, {"scheme", "HTTP"}}},
                    {"periodSeconds", 5},
                    {"timeoutSeconds", 1},
                    {"successThreshold", 1},
                    {"failureThreshold", 3}}}};
  json::object spec{{"restartPolicy", "Always"},
                    {"terminationGracePeriodSeconds", 30},
                    {"dnsPolicy", "ClusterFirst"},
                    {"serviceAccountName", "default"},
                    {"schedulerName", "default-scheduler"}};
  switch (way) {
    case 3:
      container["envFrom"] =
          json::array{json::object{{"configMapRef", json::object{{"name", app + "-config"}}}}};
      break;
    case 4:
      container["resources"] = json::object{{"requests", json::object{{"cpu", "16"}, {"memory", "1Gi"}}}};
      break;
    case 5:
      container["livenessProbe"] =
          json::object{{"httpGet", json::object{{"path", "/health"}, {"port", 8080}, {"scheme", "HTTP"}}},
                       {"initialDelaySeconds", 5},
                       {"periodSeconds", 10},
                       {"timeoutSeconds", 1},
                       {"successThreshold", 1},
                       {"failureThreshold", 3}};
      break;
    case 7:
      spec["initContainers"] = json::array{json::object{
          {"name", "wait-db"},
          {"image", "busybox:1.36"},
          {"command",
           json::array{"sh", "-c", "until nslookup db." + ns + ".svc.cluster.local; do sleep 2; done"}}}};
      break;
    case 9:
      container["volumeMounts"] =
          json::array{json::object{{"name", "tls"}, {"mountPath", "/etc/tls"}, {"readOnly", true}}};
      spec["volumes"] =
          json::array{json::object{{"name", "tls"}, {"secret", json::object{{"secretName", app + "-tls"}}}}};
      break;
    default:
      break;
  }
  spec["containers"] = json::array{container};
  const bool failing = way >= 0;
  const int ready = failing && way != 1 ? 0 : replicas;
  sc.objects.push_back(json::object{
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", json::object{{"name", app},
                                {"namespace", ns},
                                {"uid", deployUid},
                                {"generation", 1},
                                {"creationTimestamp", clock.ago(hours(48))},
                                {"labels", labels},
                                {"annotations", json::object{{"deployment.kubernetes.io/revision", "1"}}}}},
      {"spec", json::object{{"replicas", replicas},
                            {"selector", json::object{{"matchLabels", labels}}},
                            {"template",
                             json::object{{"metadata", json::object{{"labels", labels}}}, {"spec", spec}}}}},
      {"status", json::object{{"observedGeneration", 1},
                              {"replicas", replicas},
                              {"updatedReplicas", replicas},
                              {"readyReplicas", ready},
                              {"availableReplicas", ready},
                              {"unavailableReplicas", replicas - ready}}}});
  sc.objects.push_back(json::object{
      {"apiVersion", "apps/v1"},
      {"kind", "ReplicaSet"},
      {"metadata",
       json::object{{"name", rs},
                    {"namespace", ns},
                    {"uid", rsUid},
                    {"generation", 1},
                    {"creationTimestamp", clock.ago(hours(48))},
                    {"labels", podLabels},
                    {"annotations", json::object{{"deployment.kubernetes.io/revision", "1"}}},
                    {"ownerReferences", json::array{json::object{{"apiVersion", "apps/v1"},
                                                                 {"kind", "Deployment"},
                                                                 {"name", app},
                                                                 {"uid", deployUid},
                                                                 {"controller", true},
                                                                 {"blockOwnerDeletion", true}}}}}},
      {"spec", json::object{{"replicas", replicas},
                            {"selector", json::object{{"matchLabels", podLabels}}},
                            {"template", json::object{{"metadata", json::object{{"labels", podLabels}}},
                                                      {"spec", spec}}}}},
      {"status", json::object{{"replicas", replicas},
                              {"fullyLabeledReplicas", replicas},
                              {"readyReplicas", ready},
                              {"availableReplicas", ready},
                              {"observedGeneration", 1}}}});
  // The Service of the workload; the crash-looping one dials "db", whose selector matches nothing.
  const std::string service = way == 0 ? "db" : app;
  const std::string clusterIp = fmt::format("10.96.{}.{}", ns == kNamespace ? 1 : 2, 10 + index);
  sc.objects.push_back(json::object{
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata",
       json::object{{"name", service}, {"namespace", ns}, {"creationTimestamp", clock.ago(hours(48))}}},
      {"spec", json::object{{"selector", way == 0 ? json::object{{"app", "postgres"}} : labels},
                            {"clusterIP", clusterIp},
                            {"ports", json::array{json::object{{"port", way == 0 ? 5432 : 80},
                                                               {"targetPort", way == 0 ? 5432 : 8080},
                                                               {"protocol", "TCP"}}}}}}});
  json::array addresses;
  json::array notReady;

  for (int p = 0; p < replicas; ++p) {
    const int podNumber = (ns == kNamespace ? 0 : 5000) + index * kPodsPerWorkload + p;
    const std::string name = fmt::format("{}-{:05x}", rs, (podNumber * 7919) % 0xfffff);
    const std::string uid = uidFor(4, podNumber);
    const std::string nodeName = fmt::format("node-{}", podNumber % kNodes);
    const std::string ip = fmt::format("10.244.{}.{}", podNumber % kNodes, 2 + podNumber / kNodes % 250);
    json::object podSpec = spec;
    json::object status{{"phase", "Running"},
                        {"hostIP", fmt::format("192.168.49.{}", 2 + podNumber % kNodes)},
                        {"podIP", ip},
                        {"podIPs", json::array{json::object{{"ip", ip}}}},
                        {"startTime", clock.ago(failing ? minutes(30) : hours(47))},
                        {"qosClass", "Burstable"}};
    json::object cs{{"name", "app"},
                    {"image", image},
                    {"imageID", fmt::format("ghcr.io/example/{}@sha256:{:064x}", app, index + 1)},
                    {"containerID", fmt::format("containerd://{:064x}", podNumber + 1)},
                    {"ready", !failing},
                    {"started", !failing},
                    {"restartCount", 0},
                    {"state", running(clock.ago(hours(47)))}};
    bool scheduled = true;
    bool initialized = true;
    bool podReady = !failing;
    const std::string field = "spec.containers{app}";
    auto ev = [&](const std::string& type, const std::string& reason, const std::string& message, int count,
                  seconds first, seconds last, const std::string& fieldPath = "spec.containers{app}",
                  const std::string& component = "kubelet") {
      sc.event(clock, ns, name, uid, fieldPath, type, reason, message, count, component,
               component == "kubelet" ? nodeName : "", first, last);
    };
    auto started = [&] {
      ev("Normal", "Scheduled", fmt::format("Successfully assigned {}/{} to {}", ns, name, nodeName), 1,
         minutes(30), minutes(30), "", "default-scheduler");
      ev("Normal", "Pulled",
         fmt::format("Container image \"{}\" already present on machine and can be accessed by the pod",
                     image),
         7, minutes(30), minutes(2));
      ev("Normal", "Created", "Created container: app", 7, minutes(30), minutes(2));
      ev("Normal", "Started", "Started container app", 7, minutes(30), minutes(2));
    };
    switch (way) {
      case 0:  // crash loop: the database Service has no endpoints
        started();
        cs["restartCount"] = 7;
        cs["state"] = waiting(
            "CrashLoopBackOff",
            fmt::format("back-off 5m0s restarting failed container=app pod={}_{}({})", name, ns, uid));
        cs["lastState"] = terminated(1, "Error", clock.ago(seconds(130)), clock.ago(seconds(128)));
        ev("Warning", "BackOff",
           fmt::format("Back-off restarting failed container app in pod {}_{}({})", name, ns, uid), 41,
           minutes(29), seconds(10));
        sc.logs.push_back(
            {ns, name, "app", true,
             logText(clock,
                     {"INFO starting " + app + " 1.0.0", "INFO connecting to postgres://db:5432/" + app,
                      fmt::format("ERROR dial tcp {}:5432: connect: connection refused", clusterIp),
                      "FATAL cannot reach the database, exiting"})});
        break;
      case 1:  // OOMKilled, running again
        started();
        cs["restartCount"] = 6;
        cs["ready"] = true;
        cs["started"] = true;
        podReady = true;
        cs["state"] = running(clock.ago(seconds(100)));
        cs["lastState"] = terminated(137, "OOMKilled", clock.ago(minutes(9)), clock.ago(seconds(101)));
        sc.logs.push_back({ns, name, "app", true, logText(clock, {"INFO cache warm-up started"})});
        sc.logs.push_back({ns, name, "app", false, logText(clock, {"INFO cache warm-up started"})});
        break;
      case 2:  // image not found
        cs["state"] = waiting("ImagePullBackOff", fmt::format("Back-off pulling image \"{}\"", image));
        cs.erase("imageID");
        cs.erase("containerID");
        ev("Normal", "Scheduled", fmt::format("Successfully assigned {}/{} to {}", ns, name, nodeName), 1,
           minutes(30), minutes(30), "", "default-scheduler");
        ev("Normal", "Pulling", fmt::format("Pulling image \"{}\"", image), 8, minutes(30), minutes(3));
        ev("Warning", "Failed",
           fmt::format("Failed to pull image \"{0}\": rpc error: code = NotFound desc = failed to pull and "
                       "unpack image "
                       "\"{0}\": failed to resolve reference \"{0}\": {0}: not found",
                       image),
           8, minutes(30), minutes(3));
        ev("Warning", "Failed", "Error: ErrImagePull", 8, minutes(30), minutes(3));
        ev("Normal", "BackOff", fmt::format("Back-off pulling image \"{}\"", image), 120, minutes(30),
           seconds(20));
        ev("Warning", "Failed", "Error: ImagePullBackOff", 120, minutes(30), seconds(20));
        break;
      case 3:  // a ConfigMap that does not exist
        cs["state"] =
            waiting("CreateContainerConfigError", fmt::format("configmap \"{}-config\" not found", app));
        cs.erase("containerID");
        ev("Warning", "Failed", fmt::format("Error: configmap \"{}-config\" not found", app), 140,
           minutes(30), seconds(15));
        break;
      case 4:  // requests more CPU than any node has
        scheduled = false;
        podSpec.erase("nodeName");
        status = json::object{{"phase", "Pending"}, {"qosClass", "Burstable"}};
        sc.event(clock, ns, name, uid, "", "Warning", "FailedScheduling",
                 "0/10 nodes are available: 10 Insufficient cpu. preemption: 0/10 nodes are available: 10 No "
                 "preemption victims found for incoming pod.",
                 6, "default-scheduler", "", minutes(30), minutes(1));
        break;
      case 5:  // liveness probe on 8080, the application listens on 3000
        started();
        cs["restartCount"] = 6;
        cs["state"] = running(clock.ago(seconds(40)));
        cs["lastState"] = terminated(137, "Error", clock.ago(minutes(5)), clock.ago(seconds(41)));
        ev("Warning", "Unhealthy",
           fmt::format("Liveness probe failed: Get \"http://{}:8080/health\": dial tcp {}:8080: connect: "
                       "connection refused",
                       ip, ip),
           18, minutes(29), seconds(5));
        ev("Normal", "Killing", "Container app failed liveness probe, will be restarted", 6, minutes(29),
           seconds(41));
        sc.logs.push_back({ns, name, "app", true, logText(clock, {"INFO Listening on :3000"})});
        sc.logs.push_back({ns, name, "app", false, logText(clock, {"INFO Listening on :3000"})});
        break;
      case 6:  // evicted under node memory pressure
        status = json::object{
            {"phase", "Failed"},
            {"reason", "Evicted"},
            {"message",
             "The node was low on resource: memory. Threshold quantity: 100Mi, available: 90Mi. "
             "Container app was using 700Mi, request is 128Mi, has larger consumption of memory. "},
            {"startTime", clock.ago(minutes(30))},
            {"qosClass", "Burstable"}};
        cs = json::object{};
        sc.event(clock, ns, name, uid, "", "Warning", "Evicted",
                 "The node was low on resource: memory. Threshold quantity: 100Mi, available: 90Mi. "
                 "Container app was "
                 "using 700Mi, request is 128Mi, has larger consumption of memory. ",
                 1, "kubelet", nodeName, minutes(12), minutes(12));
        sc.event(clock, ns, name, uid, "spec.containers{app}", "Normal", "Killing", "Stopping container app",
                 1, "kubelet", nodeName, minutes(12), minutes(12));
        break;
      case 7: {  // the init container cannot resolve the database's name
        initialized = false;
        status["phase"] = "Pending";
        cs["state"] = waiting("PodInitializing");
        cs.erase("containerID");
        cs.erase("imageID");
        status["initContainerStatuses"] = json::array{json::object{
            {"name", "wait-db"},
            {"image", "busybox:1.36"},
            {"imageID",
             "docker.io/library/"
             "busybox@sha256:768e5c6f5cb6db0794eec98dc7a967f40631746c32232b78a3105fb946f3ab83"},
            {"containerID", fmt::format("containerd://{:064x}", podNumber + 100000)},
            {"ready", false},
            {"started", false},
            {"restartCount", 5},
            {"state", waiting("CrashLoopBackOff",
                              fmt::format("back-off 2m40s restarting failed container=wait-db pod={}_{}({})",
                                          name, ns, uid))},
            {"lastState", terminated(1, "Error", clock.ago(seconds(90)), clock.ago(seconds(60)))}}};
        ev("Warning", "BackOff",
           fmt::format("Back-off restarting failed container wait-db in pod {}_{}({})", name, ns, uid), 30,
           minutes(28), seconds(20), "spec.initContainers{wait-db}");
        sc.logs.push_back({ns, name, "wait-db", true,
                           "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n** server can't find db." + ns +
                               ".svc.cluster.local: NXDOMAIN\n\n** server can't find db." + ns +
                               ".svc.cluster.local: NXDOMAIN\n"});
        break;
      }
      case 8:  // readiness answers 503
        started();
        cs["started"] = true;
        ev("Warning", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503", 340,
           minutes(29), seconds(3));
        sc.logs.push_back({ns, name, "app", false,
                           logText(clock, {"WARN upstream inventory unavailable, reporting not ready",
                                           "INFO GET /ready 503 in 1ms"})});
        break;
      case 9:  // a Secret volume whose Secret does not exist
        status["phase"] = "Pending";
        cs["state"] = waiting("ContainerCreating");
        cs.erase("containerID");
        cs.erase("imageID");
        ev("Warning", "FailedMount",
           fmt::format("MountVolume.SetUp failed for volume \"tls\" : secret \"{}-tls\" not found", app), 23,
           minutes(30), seconds(50), "");
        break;
      default:
        break;
    }
    if (scheduled) podSpec["nodeName"] = nodeName;
    if (!cs.empty()) status["containerStatuses"] = json::array{cs};
    if (way != 6) status["conditions"] = podConditions(clock, scheduled, initialized, podReady);
    sc.objects.push_back(json::object{
        {"apiVersion", "v1"},
        {"kind", "Pod"},
        {"metadata",
         json::object{{"name", name},
                      {"generateName", rs + "-"},
                      {"namespace", ns},
                      {"uid", uid},
                      {"creationTimestamp", clock.ago(failing ? minutes(30) : hours(47))},
                      {"labels", podLabels},
                      {"ownerReferences", json::array{json::object{{"apiVersion", "apps/v1"},
                                                                   {"kind", "ReplicaSet"},
                                                                   {"name", rs},
                                                                   {"uid", rsUid},
                                                                   {"controller", true},
                                                                   {"blockOwnerDeletion", true}}}}}},
        {"spec", podSpec},
        {"status", status}});
    json::object address{
        {"ip", ip},
        {"nodeName", nodeName},
        {"targetRef", json::object{{"kind", "Pod"}, {"name", name}, {"namespace", ns}, {"uid", uid}}}};
    if (podReady && way != 0) {
      addresses.push_back(address);
    } else if (scheduled && way != 0 && way != 6) {
      notReady.push_back(address);
    }
    if (failing) {
      if (ns == kNamespace) sc.failingPods.push_back(name);
      if (ns == kNamespace && way == 0 && sc.benchFailingPod.empty()) sc.benchFailingPod = name;
      if (ns == kSmallNamespace) sc.smallFailingPod = name;
    }
  }
  json::object endpoints{{"apiVersion", "v1"},
                         {"kind", "Endpoints"},
                         {"metadata", json::object{{"name", service}, {"namespace", ns}}}};
  if (!addresses.empty() || !notReady.empty()) {
    json::object subset{{"ports", json::array{json::object{{"port", 8080}, {"protocol", "TCP"}}}}};
    if (!addresses.empty()) subset["addresses"] = addresses;
    if (!notReady.empty()) subset["notReadyAddresses"] = notReady;
    endpoints["subsets"] = json::array{subset};
  }
  sc.objects.push_back(endpoints);
}

Scenario generate(const Clock& clock) {
  Scenario sc;
  for (const char* ns : {kNamespace, kSmallNamespace}) {
    sc.objects.push_back(json::object{{"apiVersion", "v1"},
                                      {"kind", "Namespace"},
                                      {"metadata", json::object{{"name", ns}}},
                                      {"status", json::object{{"phase", "Active"}}}});
  }
  for (int n = 0; n < kNodes; ++n)
    sc.objects.push_back(node(clock, n));
  for (int w = 0; w < kWorkloads; ++w)
    workload(sc, clock, kNamespace, w, fmt::format("app{:03}", w), kPodsPerWorkload,
             w < kFailingWays ? w : -1);
  // The small namespace: a healthy web Deployment of three pods and one crash-looping api pod.
  workload(sc, clock, kSmallNamespace, 0, "web", 3, -1);
  workload(sc, clock, kSmallNamespace, 1, "api", 1, 0);
  return sc;
}

std::string scenarioText(const Scenario& sc) {
  std::string text = "# Generated by diagnose_cluster_bench.\n";
  for (const json::object& o : sc.objects)
    text += "---\n" + json::serialize(o) + "\n";
  for (const Scenario::Log& log : sc.logs) {
    json::object doc{
        {"apiVersion", "kubesim.aiops.dev/v1"}, {"kind", "PodLog"}, {"namespace", log.ns}, {"pod", log.pod},
        {"container", log.container},           {"text", log.text}};
    if (log.previous) doc["previous"] = true;
    text += "---\n" + json::serialize(doc) + "\n";
  }
  return text;
}

// The same namespace as the collector would hand it over: for timing the classification alone.
aiops::diagnose::Evidence evidenceOf(const Scenario& sc) {
  aiops::diagnose::EvidenceBuilder b;
  for (const json::object& o : sc.objects) {
    const json::value* ns = o.at("metadata").as_object().if_contains("namespace");
    if (ns == nullptr || ns->as_string() == kNamespace) b.add(o);
  }
  for (const Scenario::Log& log : sc.logs) {
    if (log.ns == kNamespace)
      b.setLogs(log.ns, log.pod, log.container, log.previous,
                aiops::diagnose::LogTail{true, log.text, false, "", ""});
  }
  for (const char* resource :
       {"pods", "events", "configmaps", "secrets", "services", "endpoints", "replicasets", "deployments",
        "persistentvolumeclaims", "serviceaccounts", "resourcequotas"})
    b.markListed(resource, kNamespace);
  for (const char* resource : {"nodes", "persistentvolumes", "storageclasses"})
    b.markListed(resource, "");
  return b.build();
}

struct Timing {
  double median = 0;
  double min = 0;
  double max = 0;
  int runs = 0;
};

Timing summarise(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  const std::size_t n = ms.size();
  const double median = n % 2 == 1 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
  return Timing{median, ms.front(), ms.back(), static_cast<int>(n)};
}

double since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

// Runs `once` untimed, then `runs` times timed.
template <typename F>
Timing measure(int runs, F&& once) {
  once();
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    once();
    ms.push_back(since(start));
  }
  return summarise(std::move(ms));
}

// What `diagnose -o json` found: findings per rule, and the pods they name.
struct Found {
  std::map<std::string, int> byRule;
  std::size_t findings = 0;
};

Found check(const CommandResult& r, const std::string& what) {
  if (r.exit != 1)
    throw std::runtime_error(
        fmt::format("{}: exit status {} (expected 1, problems found): {}", what, r.exit, r.err));
  Found found;
  const json::value doc = json::parse(r.out);
  for (const json::value& f : doc.at("findings").as_array()) {
    ++found.findings;
    ++found.byRule[std::string(f.at("ruleId").as_string())];
  }
  return found;
}

CommandResult runChecked(const KubesimHarness& server, const std::vector<std::string>& argv) {
  return server.run(argv, "", std::chrono::minutes(5));
}

int positive(const std::string& flag, const char* value) {
  const int n = value != nullptr ? std::atoi(value) : 0;
  if (n <= 0) throw std::invalid_argument(fmt::format("{} needs a positive number", flag));
  return n;
}

Settings parse(int argc, char** argv) {
  Settings s;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (arg == "--runs") {
      s.runs = positive(arg, value);
    } else if (arg == "--manual-runs") {
      s.manualRuns = positive(arg, value);
    } else if (arg == "--write-scenario" && value != nullptr) {
      s.writeScenario = value;
    } else {
      throw std::invalid_argument(
          fmt::format("unknown argument '{}'; use --runs N, --manual-runs N or --write-scenario FILE", arg));
    }
    ++i;
  }
  return s;
}

// The 1-minute load average: the machine may be shared, and every row here is wall time.
std::string loadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string first;
  in >> first;
  return first.empty() ? "unknown" : first;
}

std::string ms(double value) {
  return value >= 10000 ? fmt::format("{:.1f} s", value / 1000) : fmt::format("{:.0f} ms", value);
}

std::string msPrecise(double value) {
  return fmt::format("{:.1f} ms", value);
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  try {
    settings = parse(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "diagnose_cluster_bench: " << e.what() << '\n';
    return 2;
  }
  if (!settings.writeScenario.empty()) {  // for running kubesim on the same cluster by hand
    std::ofstream out(settings.writeScenario);
    out << scenarioText(generate(Clock()));
    if (!out) {
      std::cerr << "diagnose_cluster_bench: cannot write " << settings.writeScenario << '\n';
      return 1;
    }
    return 0;
  }
  const std::string dir = aiops::test::makeTempDir("diagnose-cluster-bench");
  try {
    const std::string loadBefore = loadAverage();
    const Clock clock;
    const Scenario sc = generate(clock);
    const std::string scenario = dir + "/scenario.yaml";
    std::ofstream(scenario) << scenarioText(sc);
    const auto startedAt = std::chrono::steady_clock::now();
    KubesimHarness server(
        KubesimHarness::Options{scenario, "", {"--controllers", "off"}, std::chrono::seconds(180)});
    const double startMs = since(startedAt);
    const std::string plugin = aiops::test::kubectlAiopsBinary();

    // aiops, through kubectl's plugin dispatch as a person types it, and the binary directly.
    const std::vector<std::string> onePodSmall{"kubectl", "aiops",         "diagnose", sc.smallFailingPod,
                                               "-n",      kSmallNamespace, "-o",       "json"};
    const std::vector<std::string> onePodBusy{"kubectl", "aiops",    "diagnose", sc.benchFailingPod,
                                              "-n",      kNamespace, "-o",       "json"};
    const std::vector<std::string> namespaceWide{"kubectl",  "aiops", "diagnose", "-n",
                                                 kNamespace, "-o",    "json"};
    std::vector<std::string> namespaceDirect = namespaceWide;
    namespaceDirect.erase(namespaceDirect.begin(), namespaceDirect.begin() + 2);
    namespaceDirect.insert(namespaceDirect.begin(), plugin);

    Found smallFound;
    Found nsFound;
    const Timing tOnePodSmall = measure(settings.runs, [&] {
      smallFound = check(runChecked(server, onePodSmall), "diagnose one pod (shop)");
    });
    Found busyFound;
    const Timing tOnePodBusy = measure(settings.runs, [&] {
      busyFound = check(runChecked(server, onePodBusy), "diagnose one pod (bench)");
    });
    const Timing tNamespace = measure(
        settings.runs, [&] { nsFound = check(runChecked(server, namespaceWide), "diagnose namespace"); });
    const Timing tNamespaceDirect = measure(settings.runs, [&] {
      check(runChecked(server, namespaceDirect), "kubectl-aiops diagnose namespace");
    });

    // The classification alone, on the same namespace in memory.
    const aiops::diagnose::Evidence evidence = evidenceOf(sc);
    aiops::diagnose::Options options;
    options.now = clock.now() + std::chrono::seconds(1);
    std::size_t classified = 0;
    const Timing tClassify = measure(std::max(settings.runs, 21), [&] {
      classified = aiops::diagnose::diagnose(evidence, options).findings.size();
    });

    // Plain kubectl, one command after another, as a person would: the listing, the events, then describe and
    // the previous log of every failing pod. Every command runs to completion before the next starts.
    auto manual = [&](const std::string& ns, const std::vector<std::string>& pods) {
      std::size_t commands = 0;
      auto kubectl = [&](const std::vector<std::string>& args) {
        server.kubectl(args, "", std::chrono::minutes(2));  // a failing `logs --previous` still counts
        ++commands;
      };
      kubectl({"get", "pods", "-n", ns});
      kubectl({"get", "events", "-n", ns});
      for (const std::string& pod : pods) {
        kubectl({"describe", "pod", pod, "-n", ns});
        kubectl({"logs", pod, "-n", ns, "--previous"});
      }
      return commands;
    };
    std::size_t manualOneCommands = 0;
    const Timing tManualOne =
        measure(settings.runs, [&] { manualOneCommands = manual(kSmallNamespace, {sc.smallFailingPod}); });
    std::size_t manualNsCommands = 0;
    const Timing tManualNs =
        measure(settings.manualRuns, [&] { manualNsCommands = manual(kNamespace, sc.failingPods); });

    std::size_t events = 0;
    for (const json::object& o : sc.objects)
      events += o.at("kind").as_string() == "Event" ? 1 : 0;
    std::string ways;
    for (int i = 0; i < kFailingWays; ++i)
      ways += fmt::format("{}{}", i == 0 ? "" : ", ", kWays[i]);

    std::cout << fmt::format(
        "## diagnose_cluster_bench: `kubectl aiops diagnose` against kubesim\n\n"
        "Cluster: kubesim (static scenario, no controllers; started in {}), {} nodes. Namespace `{}`: {} "
        "pods of "
        "{} Deployments, {} failing in {} ways ({}). Namespace `{}`: 4 pods, 1 crash-looping. {} Events and "
        "{} "
        "log documents in all. Wall time is measured from spawning the command to its exit with all output "
        "read; "
        "each row ran once untimed first. The kubectl rows run every command to completion before the next "
        "starts, as a person at a terminal would. Machine: {} cores, 1-minute load average {} at the start "
        "and "
        "{} at the end.\n\n",
        ms(startMs), kNodes, kNamespace, kWorkloads * kPodsPerWorkload, kWorkloads,
        kFailingWays * kPodsPerWorkload, kFailingWays, ways, kSmallNamespace, events, sc.logs.size(),
        std::thread::hardware_concurrency(), loadBefore, loadAverage());

    aiops::Table table({"Measurement", "Runs", "Median", "Min", "Max", "Target"});
    auto row = [&](const std::string& what, const Timing& t, const std::string& target,
                   bool precise = false) {
      auto f = precise ? msPrecise : ms;
      table.addRow({{what}, {std::to_string(t.runs)}, {f(t.median)}, {f(t.min)}, {f(t.max)}, {target}});
    };
    row("kubectl aiops diagnose POD -o json: 1 failing pod (namespace shop, 4 pods)", tOnePodSmall,
        "< 500 ms");
    row("kubectl aiops diagnose POD -o json: 1 failing pod (namespace bench, 1,000 pods)", tOnePodBusy,
        "< 500 ms");
    row("kubectl aiops diagnose -n bench -o json: 1,000 pods, 100 failing", tNamespace, "< 2 s");
    row("same, kubectl-aiops run directly (no kubectl plugin dispatch)", tNamespaceDirect, "");
    row("classification alone: Evidence in memory → findings, namespace bench", tClassify, "< 50 ms", true);
    row(fmt::format("plain kubectl, 1 pod: get pods, get events, describe pod, logs --previous ({} commands)",
                    manualOneCommands),
        tManualOne, "");
    row(fmt::format(
            "plain kubectl, namespace: get pods, get events, then describe + logs --previous for each of "
            "the {} failing pods ({} commands)",
            sc.failingPods.size(), manualNsCommands),
        tManualNs, "");
    table.printMarkdown(std::cout);

    std::cout << fmt::format(
        "\nRatio (plain kubectl ÷ aiops, medians): 1 pod {:.1f}×, namespace {:.1f}×. And plain kubectl only "
        "gathers the raw material: reading 100 describe outputs and logs is still ahead of the person.\n\n",
        tManualOne.median / tOnePodSmall.median, tManualNs.median / tNamespace.median);

    std::cout << fmt::format(
        "What `diagnose -n bench` reported: {} findings ({} from the in-memory classification); one pod in "
        "shop: "
        "{} finding(s); one pod in bench: {} finding(s).\n\n",
        nsFound.findings, classified, smallFound.findings, busyFound.findings);
    aiops::Table rules({"Rule", "Findings (namespace bench)"});
    for (const auto& [id, count] : nsFound.byRule)
      rules.addRow({{id}, {std::to_string(count)}});
    rules.printMarkdown(std::cout);
  } catch (const std::exception& e) {
    std::cerr << "diagnose_cluster_bench: " << e.what() << '\n';
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return 1;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}

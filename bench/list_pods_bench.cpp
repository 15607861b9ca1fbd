// Benchmark: listing 1,000 realistic pods from kubesim through the access layer (Client over
// KubectlTransport), unpaginated and with limit=500, beside the wall time of `kubectl get pods -A -o json` on
// the same data. Prints a Markdown table (median and min of N timed runs, after one untimed warm-up run of
// each method).
#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "kube/client.h"
#include "kube/kubectl_transport.h"
#include "kubesim_harness.h"
#include "support/output.h"
#include "support/subprocess.h"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using aiops::test::KubesimHarness;

struct Settings {
  int pods = 1000;
  int namespaces = 5;
  int replicas = 20;  // per Deployment: pods / replicas Deployments in all
  int nodes = 10;
  int runs = 7;
};

// A deterministic UUID-shaped uid for the n-th object of a kind (ownerReferences need real uids).
std::string uidFor(int kind, int n) {
  return fmt::format("{:08x}-0000-4000-8000-{:012x}", 0xbe0c0000 + kind, n);
}

json::object node(int n) {
  const std::string name = fmt::format("node-{:02}", n);
  return json::object{{"apiVersion", "v1"},
                      {"kind", "Node"},
                      {"metadata",
                       {{"name", name},
                        {"uid", uidFor(1, n)},
                        {"creationTimestamp", "2026-11-01T08:00:00Z"},
                        {"labels",
                         {{"kubernetes.io/hostname", name},
                          {"kubernetes.io/os", "linux"},
                          {"kubernetes.io/arch", "amd64"},
                          {"topology.kubernetes.io/zone", fmt::format("zone-{}", n % 3)}}}}},
                      {"spec", {{"podCIDR", fmt::format("10.244.{}.0/24", n)}}},
                      {"status",
                       {{"capacity", {{"cpu", "8"}, {"memory", "32846012Ki"}, {"pods", "110"}}},
                        {"allocatable", {{"cpu", "7910m"}, {"memory", "31695036Ki"}, {"pods", "110"}}},
                        {"conditions", json::array{{{"type", "Ready"},
                                                    {"status", "True"},
                                                    {"reason", "KubeletReady"},
                                                    {"message", "kubelet is posting ready status"},
                                                    {"lastHeartbeatTime", "2026-11-20T09:00:00Z"},
                                                    {"lastTransitionTime", "2026-11-01T08:00:05Z"}}}},
                        {"nodeInfo",
                         {{"kubeletVersion", "v1.32.0"},
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

// The pod template every Deployment, ReplicaSet and pod of `app` shares: an app container with probes,
// resources, env and a config mount, as a typical chart renders it.
json::object podSpec(const std::string& app) {
  json::object container{
      {"name", app},
      {"image", fmt::format("registry.example.com/shop/{}:2.14.3", app)},
      {"imagePullPolicy", "IfNotPresent"},
      {"ports", json::array{{{"name", "http"}, {"containerPort", 8080}, {"protocol", "TCP"}},
                            {{"name", "metrics"}, {"containerPort", 9090}, {"protocol", "TCP"}}}},
      {"env",
       json::array{{{"name", "LOG_LEVEL"}, {"value", "info"}},
                   {{"name", "SERVICE_NAME"}, {"value", app}},
                   {{"name", "DB_HOST"}, {"value", "postgres.data.svc.cluster.local"}},
                   {{"name", "POD_NAME"},
                    {"valueFrom", {{"fieldRef", {{"apiVersion", "v1"}, {"fieldPath", "metadata.name"}}}}}}}},
      {"resources",
       {{"requests", {{"cpu", "100m"}, {"memory", "128Mi"}}},
        {"limits", {{"cpu", "500m"}, {"memory", "512Mi"}}}}},
      {"readinessProbe",
       {{"httpGet", {{"path", "/ready"}, {"port", "http"}, {"scheme", "HTTP"}}},
        {"periodSeconds", 5},
        {"timeoutSeconds", 1},
        {"successThreshold", 1},
        {"failureThreshold", 3}}},
      {"livenessProbe",
       {{"httpGet", {{"path", "/healthz"}, {"port", "http"}, {"scheme", "HTTP"}}},
        {"initialDelaySeconds", 10},
        {"periodSeconds", 10},
        {"timeoutSeconds", 1},
        {"successThreshold", 1},
        {"failureThreshold", 3}}},
      {"volumeMounts", json::array{{{"name", "config"}, {"mountPath", "/etc/app"}, {"readOnly", true}}}},
      {"securityContext",
       {{"allowPrivilegeEscalation", false},
        {"readOnlyRootFilesystem", true},
        {"capabilities", {{"drop", json::array{"ALL"}}}}}},
      {"terminationMessagePath", "/dev/termination-log"},
      {"terminationMessagePolicy", "File"}};
  return json::object{
      {"containers", json::array{container}},
      {"volumes",
       json::array{{{"name", "config"}, {"configMap", {{"name", app + "-config"}, {"defaultMode", 420}}}}}},
      {"restartPolicy", "Always"},
      {"terminationGracePeriodSeconds", 30},
      {"dnsPolicy", "ClusterFirst"},
      {"serviceAccountName", "default"},
      {"securityContext", {{"runAsNonRoot", true}, {"runAsUser", 10001}}},
      {"schedulerName", "default-scheduler"}};
}

json::object labelsFor(const std::string& app) {
  return json::object{{"app.kubernetes.io/name", app}, {"app.kubernetes.io/instance", "shop"}};
}

json::array conditions(bool ready) {
  const char* status = ready ? "True" : "False";
  json::array out;
  for (const char* type :
       {"PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"}) {
    const bool gated = std::string_view(type) == "Ready" || std::string_view(type) == "ContainersReady";
    json::object c{
        {"type", type}, {"status", gated ? status : "True"}, {"lastTransitionTime", "2026-11-20T09:00:15Z"}};
    if (gated && !ready) {
      c["reason"] = "ContainersNotReady";
      c["message"] = "containers with unready status: [app]";
    }
    out.push_back(std::move(c));
  }
  return out;
}

// Pod `index` of a ReplicaSet: Running and ready, except every 50th, which crash-loops.
json::object pod(const std::string& ns, const std::string& app, const std::string& rsName, int rsIndex,
                 int index, int podNumber, const Settings& s) {
  const std::string name = fmt::format("{}-{:05x}", rsName, podNumber * 7919 % 0xfffff);
  const bool crashing = podNumber % 50 == 49;
  json::object labels = labelsFor(app);
  labels["pod-template-hash"] = rsName.substr(rsName.rfind('-') + 1);
  json::object spec = podSpec(app);
  spec["nodeName"] = fmt::format("node-{:02}", podNumber % s.nodes);
  json::object state =
      crashing ? json::object{{"waiting",
                               {{"reason", "CrashLoopBackOff"},
                                {"message", fmt::format("back-off 5m0s restarting failed container={} "
                                                        "pod={}_{}({})",
                                                        app, name, ns, uidFor(4, podNumber))}}}}
               : json::object{{"running", {{"startedAt", "2026-11-20T09:00:08Z"}}}};
  json::object containerStatus{
      {"name", app},
      {"image", fmt::format("registry.example.com/shop/{}:2.14.3", app)},
      {"imageID", fmt::format("registry.example.com/shop/{}@sha256:{:064x}", app, rsIndex)},
      {"containerID", fmt::format("containerd://{:064x}", podNumber)},
      {"ready", !crashing},
      {"started", !crashing},
      {"restartCount", crashing         ? 12
                       : index % 3 == 0 ? 1
                                        : 0},
      {"state", state},
      {"lastState", crashing
                        ? json::object{{"terminated",
                                        {{"exitCode", 1},
                                         {"reason", "Error"},
                                         {"startedAt", "2026-11-20T10:40:00Z"},
                                         {"finishedAt", "2026-11-20T10:40:02Z"},
                                         {"containerID", fmt::format("containerd://{:064x}", podNumber)}}}}
                        : json::object{}}};
  const std::string ip = fmt::format("10.244.{}.{}", podNumber % s.nodes, 2 + podNumber / s.nodes);
  return json::object{{"apiVersion", "v1"},
                      {"kind", "Pod"},
                      {"metadata",
                       {{"name", name},
                        {"generateName", rsName + "-"},
                        {"namespace", ns},
                        {"uid", uidFor(4, podNumber)},
                        {"creationTimestamp", "2026-11-20T09:00:01Z"},
                        {"labels", labels},
                        {"annotations", {{"prometheus.io/scrape", "true"}, {"prometheus.io/port", "9090"}}},
                        {"ownerReferences", json::array{{{"apiVersion", "apps/v1"},
                                                         {"kind", "ReplicaSet"},
                                                         {"name", rsName},
                                                         {"uid", uidFor(3, rsIndex)},
                                                         {"controller", true},
                                                         {"blockOwnerDeletion", true}}}}}},
                      {"spec", spec},
                      {"status",
                       {{"phase", "Running"},
                        {"conditions", conditions(!crashing)},
                        {"hostIP", fmt::format("192.168.49.{}", 2 + podNumber % s.nodes)},
                        {"podIP", ip},
                        {"podIPs", json::array{{{"ip", ip}}}},
                        {"startTime", "2026-11-20T09:00:01Z"},
                        {"qosClass", "Burstable"},
                        {"containerStatuses", json::array{containerStatus}}}}};
}

// Namespaces, nodes, and per Deployment its ReplicaSet and `replicas` pods, as one multi-document YAML file
// (each document JSON, which is YAML).
std::string generateScenario(const Settings& s) {
  std::vector<json::value> docs;
  for (int n = 0; n < s.namespaces; ++n) {
    const std::string ns = fmt::format("team-{:02}", n);
    docs.push_back(
        json::object{{"apiVersion", "v1"},
                     {"kind", "Namespace"},
                     {"metadata", {{"name", ns}, {"labels", {{"kubernetes.io/metadata.name", ns}}}}},
                     {"status", {{"phase", "Active"}}}});
  }
  for (int n = 0; n < s.nodes; ++n)
    docs.push_back(node(n));
  const int deployments = (s.pods + s.replicas - 1) / s.replicas;
  int podNumber = 0;
  for (int d = 0; d < deployments; ++d) {
    const std::string ns = fmt::format("team-{:02}", d % s.namespaces);
    const std::string app = fmt::format("svc-{:03}", d);
    const int replicas = std::min(s.replicas, s.pods - podNumber);
    const std::string rsName = fmt::format("{}-{:x}", app, 0x5c7b9d4f8 + d);
    int ready = 0;
    for (int i = 0; i < replicas; ++i)
      ready += (podNumber + i) % 50 == 49 ? 0 : 1;
    json::object selector{{"matchLabels", labelsFor(app)}};
    json::object templ{{"metadata", {{"labels", labelsFor(app)}}}, {"spec", podSpec(app)}};
    docs.push_back(
        json::object{{"apiVersion", "apps/v1"},
                     {"kind", "Deployment"},
                     {"metadata",
                      {{"name", app},
                       {"namespace", ns},
                       {"uid", uidFor(2, d)},
                       {"generation", 1},
                       {"creationTimestamp", "2026-11-20T09:00:00Z"},
                       {"labels", labelsFor(app)},
                       {"annotations", {{"deployment.kubernetes.io/revision", "1"}}}}},
                     {"spec", {{"replicas", replicas}, {"selector", selector}, {"template", templ}}},
                     {"status",
                      {{"observedGeneration", 1},
                       {"replicas", replicas},
                       {"updatedReplicas", replicas},
                       {"readyReplicas", ready},
                       {"availableReplicas", ready}}}});
    json::object rsLabels = labelsFor(app);
    rsLabels["pod-template-hash"] = rsName.substr(rsName.rfind('-') + 1);
    docs.push_back(
        json::object{{"apiVersion", "apps/v1"},
                     {"kind", "ReplicaSet"},
                     {"metadata",
                      {{"name", rsName},
                       {"namespace", ns},
                       {"uid", uidFor(3, d)},
                       {"generation", 1},
                       {"creationTimestamp", "2026-11-20T09:00:00Z"},
                       {"labels", rsLabels},
                       {"ownerReferences", json::array{{{"apiVersion", "apps/v1"},
                                                        {"kind", "Deployment"},
                                                        {"name", app},
                                                        {"uid", uidFor(2, d)},
                                                        {"controller", true},
                                                        {"blockOwnerDeletion", true}}}}}},
                     {"spec",
                      {{"replicas", replicas},
                       {"selector", {{"matchLabels", rsLabels}}},
                       {"template", {{"metadata", {{"labels", rsLabels}}}, {"spec", podSpec(app)}}}}},
                     {"status",
                      {{"replicas", replicas},
                       {"fullyLabeledReplicas", replicas},
                       {"readyReplicas", ready},
                       {"availableReplicas", ready},
                       {"observedGeneration", 1}}}});
    for (int i = 0; i < replicas; ++i, ++podNumber)
      docs.push_back(pod(ns, app, rsName, d, i, podNumber, s));
  }
  std::string text = "# Generated by list_pods_bench.\n";
  for (const auto& doc : docs)
    text += "---\n" + json::serialize(doc) + "\n";
  return text;
}

struct Timing {
  std::string method;
  std::vector<double> ms;
  std::size_t pods = 0;
};

double millisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

std::size_t itemCount(const json::value& list) {
  return list.at("items").as_array().size();
}

// One timed run: the pods it saw and how long the timed part took.
struct Sample {
  std::size_t pods = 0;
  double ms = 0;
};

// Times `work` (which returns the pod count it saw).
template <typename Work>
Sample timed(Work work) {
  const auto start = std::chrono::steady_clock::now();
  const std::size_t pods = work();
  return {pods, millisecondsSince(start)};
}

// Runs `once` (which returns a Sample) once as a warm-up, then `runs` times for the record: the warm-up fills
// kubectl's discovery cache and lets kubesim and the page cache settle.
template <typename Fn>
Timing measure(const std::string& method, int runs, std::size_t expectedPods, Fn once) {
  Timing t{method, {}, 0};
  once();
  for (int i = 0; i < runs; ++i) {
    const Sample sample = once();
    if (sample.pods != expectedPods)
      throw std::runtime_error(
          fmt::format("{}: saw {} pods, expected {}", method, sample.pods, expectedPods));
    t.ms.push_back(sample.ms);
    t.pods = sample.pods;
  }
  return t;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

int parsePositive(const std::string& flag, const char* value) {
  const int n = value != nullptr ? std::atoi(value) : 0;
  if (n <= 0) throw std::invalid_argument(fmt::format("{} needs a positive number", flag));
  return n;
}

Settings parseArgs(int argc, char** argv) {
  Settings s;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (arg == "--pods") {
      s.pods = parsePositive(arg, value);
    } else if (arg == "--runs") {
      s.runs = parsePositive(arg, value);
    } else {
      throw std::invalid_argument(fmt::format("unknown argument '{}'; use --pods N and --runs N", arg));
    }
    ++i;
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  try {
    settings = parseArgs(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "list_pods_bench: " << e.what() << '\n';
    return 2;
  }
  const std::string dir = aiops::test::makeTempDir("list-pods-bench");
  try {
    const std::string scenario = dir + "/scenario.yaml";
    std::ofstream(scenario) << generateScenario(settings);
    const auto startedAt = std::chrono::steady_clock::now();
    KubesimHarness server(KubesimHarness::Options{scenario, "", {}, std::chrono::seconds(120)});
    const double startMs = millisecondsSince(startedAt);

    // The access layer's kubectl children must see this server, and keep their caches out of $HOME.
    const auto env = server.environment();
    for (const auto& [key, value] : env)
      setenv(key.c_str(), value.c_str(), 1);
    aiops::kube::KubectlOptions options;
    options.flags.kubeconfig = server.kubeconfig();
    aiops::kube::KubectlTransport transport(options);
    aiops::kube::Client client(transport);
    const auto expected = static_cast<std::size_t>(settings.pods);

    std::vector<Timing> timings;
    aiops::kube::ListOptions unpaginated;
    unpaginated.pageSize = 0;
    timings.push_back(measure("Client::list, unpaginated", settings.runs, expected, [&] {
      return timed([&] { return itemCount(client.list(aiops::kube::types::pods, "", unpaginated)); });
    }));
    aiops::kube::ListOptions paged;
    paged.pageSize = 500;
    timings.push_back(measure("Client::list, limit=500", settings.runs, expected, [&] {
      return timed([&] { return itemCount(client.list(aiops::kube::types::pods, "", paged)); });
    }));
    // Only kubectl's run is timed; counting its pods (parsing its output) is not.
    std::size_t jsonBytes = 0;
    timings.push_back(measure("kubectl get pods -A -o json", settings.runs, expected, [&] {
      aiops::ProcessSpec spec = server.kubectlSpec({"get", "pods", "-A", "-o", "json"});
      spec.timeout = std::chrono::seconds(120);
      aiops::ProcessResult r;
      Sample sample = timed([&] {
        r = aiops::runProcess(spec);
        return std::size_t{0};
      });
      if (r.exitCode != 0) throw std::runtime_error("kubectl get pods failed: " + r.err);
      sample.pods = itemCount(json::parse(r.out));
      jsonBytes = r.out.size();
      return sample;
    }));

    const aiops::ProcessResult kubectlVersion =
        aiops::runProcess({{"kubectl", "version", "--client", "-o", "json"}, {}, ""});
    const std::string kubectlGitVersion(
        json::parse(kubectlVersion.out).at("clientVersion").at("gitVersion").as_string());
    std::cout << fmt::format(
        "## list_pods_bench: {} pods in {} namespaces on {} nodes\n\n"
        "Through kubectl {} against kubesim (started in {:.0f} ms); `kubectl get -o json` prints {:.1f} MB "
        "for "
        "these pods and pages with --chunk-size=500 by default. Each method ran once untimed, then {} timed "
        "runs.\n\n",
        settings.pods, settings.namespaces, settings.nodes, kubectlGitVersion, startMs,
        static_cast<double>(jsonBytes) / 1e6, settings.runs);
    aiops::Table table({"Method", "Runs", "Median ms", "Min ms", "Pods"});
    for (const auto& t : timings) {
      table.addRow({{t.method},
                    {std::to_string(t.ms.size())},
                    {fmt::format("{:.1f}", median(t.ms))},
                    {fmt::format("{:.1f}", *std::min_element(t.ms.begin(), t.ms.end()))},
                    {std::to_string(t.pods)}});
    }
    table.printMarkdown(std::cout);
  } catch (const std::exception& e) {
    std::cerr << "list_pods_bench: " << e.what() << '\n';
    std::error_code ec;
    fs::remove_all(dir, ec);
    return 3;
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return 0;
}

// diagnose_bench: how fast the diagnosis classifies a namespace of 1,000 pods, 100 of them failing in ten
// different ways (evidence already in memory → findings; the target is under 50 ms). Also times building
// that Evidence from API objects, which the collector does once per run. Prints Markdown tables (median, min
// and max of --runs timed runs after one untimed run); never asserts. --pods N scales the healthy part.
#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "diagnose/catalogue.h"
#include "diagnose/diagnose.h"
#include "diagnose/evidence_builder.h"
#include "support/output.h"

namespace {

namespace json = boost::json;
using aiops::diagnose::Diagnosis;
using aiops::diagnose::Evidence;
using aiops::diagnose::EvidenceBuilder;
using aiops::diagnose::LogTail;
using aiops::diagnose::Options;

constexpr int kWorkloads = 100;  // 10 pods each
constexpr int kPodsPerWorkload = 10;
constexpr int kFailingWays = 10;  // workloads 0..9 fail, one way each
constexpr int kLogLines = 200;

const char* const kWays[kFailingWays] = {
    "connection refused", "OOMKilled",        "image not found",  "missing ConfigMap", "insufficient cpu",
    "probe wrong port",   "evicted (memory)", "init DNS failure", "readiness 503",     "missing volume"};

json::object meta(const std::string& name, const std::string& rs, const std::string& app) {
  return json::object{
      {"name", name},
      {"namespace", "bench"},
      {"uid", "uid-" + name},
      {"creationTimestamp", "2024-05-01T11:00:00Z"},
      {"labels", json::object{{"app", app}, {"pod-template-hash", "5d4f8c7b9"}}},
      {"ownerReferences",
       json::array{json::object{
           {"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"}, {"name", rs}, {"controller", true}}}}};
}

json::object event(const std::string& pod, const std::string& type, const std::string& reason,
                   const std::string& message, int count, const std::string& container = "app") {
  return json::object{{"kind", "Event"},
                      {"metadata", json::object{{"name", pod + "." + reason}, {"namespace", "bench"}}},
                      {"involvedObject", json::object{{"kind", "Pod"},
                                                      {"name", pod},
                                                      {"namespace", "bench"},
                                                      {"uid", "uid-" + pod},
                                                      {"fieldPath", "spec.containers{" + container + "}"}}},
                      {"reason", reason},
                      {"message", message},
                      {"type", type},
                      {"count", count},
                      {"firstTimestamp", "2024-05-01T11:01:00Z"},
                      {"lastTimestamp", "2024-05-01T11:58:00Z"}};
}

json::object running(const std::string& started = "2024-05-01T11:00:05Z") {
  return json::object{{"running", json::object{{"startedAt", started}}}};
}

json::object terminated(int code, const std::string& reason) {
  return json::object{{"terminated", json::object{{"exitCode", code},
                                                  {"reason", reason},
                                                  {"startedAt", "2024-05-01T11:57:00Z"},
                                                  {"finishedAt", "2024-05-01T11:58:00Z"}}}};
}

json::object waiting(const std::string& reason, const std::string& message = "") {
  json::object w{{"reason", reason}};
  if (!message.empty()) w["message"] = message;
  return json::object{{"waiting", w}};
}

std::string logOf(const std::string& last) {
  std::string text;
  for (int i = 1; i < kLogLines; ++i)
    text += fmt::format(
        "2024-05-01T11:57:{:02}Z INFO handled request id={} path=/api/items status=200 in 3ms\n", i % 60, i);
  return text + last + "\n";
}

// One failing pod of way `way`: its status, its events and its log tail.
void failingPod(EvidenceBuilder& b, int way, const std::string& name, const std::string& rs,
                const std::string& app) {
  json::object container{{"name", "app"}, {"image", "ghcr.io/example/" + app + ":1.0.0"}};
  json::object spec{{"nodeName", "node-" + std::to_string(way)}};
  json::object status{{"phase", "Running"}};
  json::object cs{
      {"name", "app"}, {"image", "ghcr.io/example/" + app + ":1.0.0"}, {"ready", false}, {"restartCount", 6}};
  std::string previousLog;
  std::string currentLog;
  switch (way) {
    case 0:  // crash loop on a refused connection to a Service without endpoints
      cs["state"] = waiting("CrashLoopBackOff", "back-off 5m0s restarting failed container=app");
      cs["lastState"] = terminated(1, "Error");
      previousLog = logOf("FATAL dial tcp 10.96.0.99:5432: connect: connection refused");
      b.add(event(name, "Warning", "BackOff", "Back-off restarting failed container app in pod " + name, 25));
      break;
    case 1:  // OOMKilled, running again
      container["resources"] = json::object{{"limits", json::object{{"memory", "256Mi"}}}};
      cs["state"] = running("2024-05-01T11:58:01Z");
      cs["lastState"] = terminated(137, "OOMKilled");
      cs["ready"] = true;
      break;
    case 2:  // image not found
      status["phase"] = "Pending";
      cs["state"] =
          waiting("ImagePullBackOff", "Back-off pulling image \"ghcr.io/example/" + app + ":1.0.0\"");
      b.add(event(name, "Warning", "Failed",
                  "Failed to pull image \"ghcr.io/example/" + app +
                      ":1.0.0\": rpc error: code = NotFound desc = failed "
                      "to pull and unpack image: failed to resolve reference: not found",
                  6));
      break;
    case 3:  // missing ConfigMap
      status["phase"] = "Pending";
      cs["state"] = waiting("CreateContainerConfigError", "configmap \"" + app + "-config\" not found");
      break;
    case 4: {  // unschedulable
      spec.erase("nodeName");
      container["resources"] = json::object{{"requests", json::object{{"cpu", "3"}}}};
      status = json::object{
          {"phase", "Pending"},
          {"conditions",
           json::array{json::object{{"type", "PodScheduled"},
                                    {"status", "False"},
                                    {"reason", "Unschedulable"},
                                    {"message",
                                     "0/10 nodes are available: 10 Insufficient cpu. preemption: 0/10 "
                                     "nodes are available: 10 No preemption victims found for "
                                     "incoming pod.."}}}}};
      break;
    }
    case 5:  // liveness probe on the wrong port
      container["livenessProbe"] =
          json::object{{"httpGet", json::object{{"path", "/health"}, {"port", 8080}}}};
      cs["state"] = running("2024-05-01T11:58:30Z");
      cs["lastState"] = terminated(137, "Error");
      previousLog = logOf("Listening on :3000");
      b.add(event(
          name, "Warning", "Unhealthy",
          "Liveness probe failed: Get \"http://10.244.0.5:8080/health\": dial tcp 10.244.0.5:8080: connect: "
          "connection refused",
          18));
      b.add(event(name, "Normal", "Killing", "Container app failed liveness probe, will be restarted", 6));
      break;
    case 6:  // evicted for memory
      status = json::object{
          {"phase", "Failed"},
          {"reason", "Evicted"},
          {"message",
           "The node was low on resource: memory. Threshold quantity: 100Mi, available: 90Mi. "
           "Container app was using 700Mi, request is 128Mi, has larger consumption of memory. "}};
      container["resources"] = json::object{{"requests", json::object{{"memory", "128Mi"}}}};
      break;
    case 7: {  // init container failing on DNS
      status["phase"] = "Pending";
      json::object init{{"name", "wait-db"},
                        {"image", "busybox:1.36"},
                        {"ready", false},
                        {"restartCount", 4},
                        {"state", waiting("CrashLoopBackOff")},
                        {"lastState", terminated(1, "Error")}};
      status["initContainerStatuses"] = json::array{init};
      spec["initContainers"] = json::array{json::object{{"name", "wait-db"}, {"image", "busybox:1.36"}}};
      cs["state"] = waiting("PodInitializing");
      b.setLogs(
          "bench", name, "wait-db", true,
          LogTail{true, "Server: 10.96.0.10\n** server can't find db.bench.svc.cluster.local: NXDOMAIN\n",
                  false, "", ""});
      break;
    }
    case 8:  // readiness 503
      container["readinessProbe"] =
          json::object{{"httpGet", json::object{{"path", "/ready"}, {"port", 8080}}}};
      cs["state"] = running();
      cs["restartCount"] = 0;
      b.add(event(name, "Warning", "Unhealthy",
                  "Readiness probe failed: HTTP probe failed with statuscode: 503", 40));
      break;
    case 9:  // missing volume source
      status["phase"] = "Pending";
      cs["state"] = waiting("ContainerCreating");
      cs["restartCount"] = 0;
      b.add(event(name, "Warning", "FailedMount",
                  "MountVolume.SetUp failed for volume \"config\" : secret \"" + app + "-tls\" not found",
                  9));
      break;
  }
  spec["containers"] = json::array{container};
  if (way != 4 && way != 6) status["containerStatuses"] = json::array{cs};
  b.add(json::object{{"apiVersion", "v1"},
                     {"kind", "Pod"},
                     {"metadata", meta(name, rs, app)},
                     {"spec", spec},
                     {"status", status}});
  if (!previousLog.empty()) b.setLogs("bench", name, "app", true, LogTail{true, previousLog, false, "", ""});
  if (!currentLog.empty()) b.setLogs("bench", name, "app", false, LogTail{true, currentLog, false, "", ""});
}

void healthyPod(EvidenceBuilder& b, const std::string& name, const std::string& rs, const std::string& app) {
  json::object cs{{"name", "app"},
                  {"image", "ghcr.io/example/" + app + ":1.0.0"},
                  {"ready", true},
                  {"restartCount", 0},
                  {"state", running()}};
  b.add(json::object{
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata", meta(name, rs, app)},
      {"spec",
       json::object{{"nodeName", "node-1"},
                    {"containers", json::array{json::object{
                                       {"name", "app"}, {"image", "ghcr.io/example/" + app + ":1.0.0"}}}}}},
      {"status",
       json::object{{"phase", "Running"},
                    {"conditions", json::array{json::object{{"type", "Ready"}, {"status", "True"}}}},
                    {"containerStatuses", json::array{cs}}}}});
  for (const char* reason : {"Scheduled", "Pulled", "Created", "Started"})
    b.add(event(name, "Normal", reason, std::string(reason) + " container app", 1));
}

Evidence buildEvidence(int workloads) {
  EvidenceBuilder b;
  for (int n = 0; n < 10; ++n) {
    b.add(json::object{
        {"kind", "Node"},
        {"metadata", json::object{{"name", "node-" + std::to_string(n)}}},
        {"status",
         json::object{{"allocatable", json::object{{"cpu", "4"}, {"memory", "16Gi"}}},
                      {"conditions", json::array{json::object{{"type", "Ready"}, {"status", "True"}}}}}}});
  }
  for (int w = 0; w < workloads; ++w) {
    std::string app = fmt::format("app{:03}", w);
    std::string rs = app + "-5d4f8c7b9";
    b.add(json::object{
        {"apiVersion", "apps/v1"},
        {"kind", "ReplicaSet"},
        {"metadata", json::object{{"name", rs},
                                  {"namespace", "bench"},
                                  {"annotations", json::object{{"deployment.kubernetes.io/revision", "1"}}},
                                  {"ownerReferences", json::array{json::object{{"apiVersion", "apps/v1"},
                                                                               {"kind", "Deployment"},
                                                                               {"name", app},
                                                                               {"controller", true}}}}}},
        {"spec", json::object{{"replicas", kPodsPerWorkload}}},
        {"status", json::object{{"replicas", kPodsPerWorkload}}}});
    std::string service = w == 0 ? "db" : app;
    json::object selector{{"app", w == 0 ? "database" : app}};
    b.add(json::object{
        {"kind", "Service"},
        {"metadata", json::object{{"name", service}, {"namespace", "bench"}}},
        {"spec", json::object{{"clusterIP", w == 0 ? "10.96.0.99" : fmt::format("10.96.1.{}", w)},
                              {"selector", selector}}}});
    json::object endpoints{{"kind", "Endpoints"},
                           {"metadata", json::object{{"name", service}, {"namespace", "bench"}}}};
    if (w >= kFailingWays || w == 1)
      endpoints["subsets"] =
          json::array{json::object{{"addresses", json::array{json::object{{"ip", "10.244.0.1"}}}}}};
    b.add(endpoints);
    for (int p = 0; p < kPodsPerWorkload; ++p) {
      std::string name = fmt::format("{}-5d4f8c7b9-{:05}", app, p);
      if (w < kFailingWays) {
        failingPod(b, w, name, rs, app);
      } else {
        healthyPod(b, name, rs, app);
      }
    }
  }
  for (const char* resource :
       {"pods", "events", "configmaps", "secrets", "services", "endpoints", "replicasets"})
    b.markListed(resource, "bench");
  b.markListed("nodes", "");
  return b.build();
}

struct Timing {
  double median = 0;
  double min = 0;
  double max = 0;
};

template <typename F>
Timing measure(int runs, F&& f) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  return Timing{ms[ms.size() / 2], ms.front(), ms.back()};
}

struct Settings {
  int runs = 21;
  int pods = kWorkloads * kPodsPerWorkload;
};

int positive(const std::string& flag, const char* value) {
  if (value == nullptr) throw std::invalid_argument(fmt::format("{} needs a value", flag));
  int n = std::atoi(value);
  if (n <= 0) throw std::invalid_argument(fmt::format("{} must be a positive number, not '{}'", flag, value));
  return n;
}

Settings parse(int argc, char** argv) {
  Settings s;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (arg == "--runs") {
      s.runs = positive(arg, value);
      ++i;
    } else if (arg == "--pods") {
      s.pods = std::max(positive(arg, value), kFailingWays * kPodsPerWorkload);
      ++i;
    } else {
      throw std::invalid_argument(fmt::format("unknown argument '{}'; use --pods N and --runs N", arg));
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  try {
    settings = parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "diagnose_bench: %s\n", e.what());
    return 2;
  }
  Options options;
  options.now = *aiops::parseTimestamp("2024-05-01T12:00:00Z");

  int workloads = (settings.pods + kPodsPerWorkload - 1) / kPodsPerWorkload;
  Evidence evidence;
  int buildRuns = std::max(1, settings.runs / 4);
  Timing build = measure(buildRuns, [&] { evidence = buildEvidence(workloads); });
  std::size_t events = 0;
  for (const auto& [key, list] : evidence.events)
    events += list.size();

  // One untimed run first: it compiles the log signature set, which happens once per process.
  Diagnosis diagnosis = aiops::diagnose::diagnose(evidence, options);
  Timing classify = measure(settings.runs, [&] { diagnosis = aiops::diagnose::diagnose(evidence, options); });

  std::map<std::string, std::pair<int, std::size_t>> byRule;  // findings, affected pods
  int primary = 0;
  for (const auto& f : diagnosis.findings) {
    byRule[f.ruleId].first += 1;
    byRule[f.ruleId].second += f.affected.size();
    if (f.primary) ++primary;
  }

  std::string kinds;
  for (int i = 0; i < kFailingWays; ++i)
    kinds += fmt::format("{}{}", i == 0 ? "" : ", ", kWays[i]);
  std::cout << fmt::format(
      "## diagnose_bench: {} pods, {} failing in {} ways\n\n"
      "Evidence in memory: {} pods of {} Deployments, {} aggregated events, {} previous-log tails of {} "
      "lines; "
      "failures: {}. Each phase ran once untimed, then the timed runs below.\n\n",
      evidence.pods.size(), kFailingWays * kPodsPerWorkload, kFailingWays, evidence.pods.size(), workloads,
      events, 3 * kPodsPerWorkload, kLogLines, kinds);
  aiops::Table phases({"Phase", "Runs", "Median ms", "Min ms", "Max ms"});
  auto row = [&](const std::string& name, int runs, const Timing& t) {
    phases.addRow({{name},
                   {std::to_string(runs)},
                   {fmt::format("{:.1f}", t.median)},
                   {fmt::format("{:.1f}", t.min)},
                   {fmt::format("{:.1f}", t.max)}});
  };
  row("build Evidence from API objects (collector side)", buildRuns, build);
  row("diagnose: Evidence → findings (target < 50 ms)", settings.runs, classify);
  phases.printMarkdown(std::cout);
  std::cout << "\n";
  aiops::Table rules({"Rule", "Title", "Findings", "Affected pods"});
  for (const auto& [id, counts] : byRule) {
    rules.addRow({{id},
                  {std::string(aiops::diagnose::rule(id).title)},
                  {std::to_string(counts.first)},
                  {std::to_string(counts.second)}});
  }
  rules.printMarkdown(std::cout);
  std::cout << fmt::format(
      "\n{} findings, {} primary (one per problem). Classification median {:.1f} ms: target "
      "< 50 ms {}.\n",
      diagnosis.findings.size(), primary, classify.median, classify.median < 50.0 ? "met" : "NOT met");
  return 0;
}

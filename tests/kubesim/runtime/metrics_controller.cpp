// metrics-server and application metrics (see metrics_controller.h).
#include "metrics_controller.h"

#include <fmt/format.h>

#include <cmath>

#include "../controllers/api_objects.h"
#include "../errors.h"

namespace kubesim::runtime {

std::string formatNanocores(double millicores) {
  return fmt::format("{}n", static_cast<std::int64_t>(std::llround(millicores * 1e6)));
}

std::string formatKibibytes(std::int64_t bytes) {
  return fmt::format("{}Ki", bytes / 1024);
}

std::optional<TimePoint> MetricsController::nextDue() const {
  if (!lastScrape_) return std::nullopt;
  return *lastScrape_ + ctx_.options.metricsResolution;
}

void MetricsController::sync(TimePoint now) {
  advanceTraffic(now);
  if (lastScrape_ && now < *lastScrape_ + ctx_.options.metricsResolution) return;
  lastScrape_ = now;
  scrape(now);
}

void MetricsController::advanceTraffic(TimePoint now) {
  World& world = ctx_.world;
  for (const auto& [key, pods] : world.serviceEndpoints()) {
    auto it = world.traffic().find(key);
    if (it == world.traffic().end())
      it = world.traffic().emplace(key, behaviour::ServiceTraffic(key.first, key.second, now)).first;
    std::vector<behaviour::ServiceTraffic::Endpoint> ready;
    for (const std::string& pod : pods) {
      const behaviour::Profile* profile = nullptr;
      for (const auto& [uid, running] : world.running())
        if (running.namespace_ == key.first && running.name == pod && !running.containers.empty())
          profile = running.containers.front().profile;
      ready.push_back({pod, profile});
      servedBy_[key].insert(pod);
    }
    it->second.advance(world.load(), now, ready);
    // Pods that are gone keep their share in the Service's totals only.
    std::set<std::string>& served = servedBy_[key];
    for (auto p = served.begin(); p != served.end();) {
      bool alive = std::any_of(world.running().begin(), world.running().end(), [&](const auto& entry) {
        return entry.second.namespace_ == key.first && entry.second.name == *p;
      });
      if (alive || std::find(pods.begin(), pods.end(), *p) != pods.end()) {
        ++p;
        continue;
      }
      it->second.forget(*p);
      p = served.erase(p);
    }
  }
}

std::optional<std::string> MetricsController::serviceExposition(const std::string& ns,
                                                                const std::string& service) const {
  // A real service proxy forwards the request to one ready endpoint, chosen at random; here the first in
  // the Endpoints' order, so that successive reads see one pod's counters grow.
  auto it = ctx_.world.serviceEndpoints().find({ns, service});
  if (it == ctx_.world.serviceEndpoints().end()) return std::nullopt;
  for (const std::string& pod : it->second)
    if (std::optional<std::string> text = podExposition(ns, pod)) return text;
  return std::nullopt;
}

std::optional<std::string> MetricsController::podExposition(const std::string& ns,
                                                            const std::string& pod) const {
  bool running = std::any_of(
      ctx_.world.running().begin(), ctx_.world.running().end(),
      [&](const auto& entry) { return entry.second.namespace_ == ns && entry.second.name == pod; });
  if (!running) return std::nullopt;
  behaviour::RequestCounters sum;
  for (const auto& [key, traffic] : ctx_.world.traffic())
    if (key.first == ns)
      if (const behaviour::RequestCounters* counters = traffic.pod(pod)) sum.add(*counters);
  return behaviour::renderExposition(sum);
}

void MetricsController::scrape(TimePoint now) {
  World& world = ctx_.world;
  Store& store = ctx_.store;
  std::string window = behaviour::formatDuration(ctx_.options.metricsResolution);
  std::string stamp = formatTime(now);
  world.samples().clear();
  std::map<std::string, std::pair<double, std::int64_t>> nodeUse;  // node -> cpu milli, memory bytes
  std::set<std::pair<std::string, std::string>> live;
  bool serve = store.isRegistered(gr::podMetrics) && store.isRegistered(gr::nodeMetrics);
  for (const auto& [uid, pod] : world.running()) {
    World::PodSample sample{now, ctx_.options.metricsResolution, {}};
    json::array containers;
    for (const RunningContainer& container : pod.containers) {
      behaviour::Usage usage = world.usageOf(pod, container, now);
      sample.containers[container.name] = usage;
      nodeUse[pod.node].first += usage.cpuMillicores;
      nodeUse[pod.node].second += usage.memoryBytes;
      containers.push_back(
          json::object{{"name", container.name},
                       {"usage", json::object{{"cpu", formatNanocores(usage.cpuMillicores)},
                                              {"memory", formatKibibytes(usage.memoryBytes)}}}});
    }
    world.samples()[{pod.namespace_, pod.name}] = sample;
    live.insert({pod.namespace_, pod.name});
    if (!serve) continue;
    json::object metrics{{"apiVersion", "metrics.k8s.io/v1beta1"},
                         {"kind", "PodMetrics"},
                         {"metadata", json::object{{"name", pod.name}, {"namespace", pod.namespace_}}},
                         {"timestamp", stamp},
                         {"window", window},
                         {"containers", std::move(containers)}};
    if (!pod.labels.empty()) metrics["metadata"].as_object()["labels"] = pod.labels;
    try {
      if (std::optional<json::object> existing = getObject(store, gr::podMetrics, pod.namespace_, pod.name)) {
        json::object next = *existing;
        next["timestamp"] = metrics["timestamp"];
        next["window"] = metrics["window"];
        next["containers"] = metrics["containers"];
        metadataOf(next)["labels"] = pod.labels;
        store.update(gr::podMetrics, std::move(next), {UpdateScope::All, false});
      } else {
        store.create(gr::podMetrics, std::move(metrics));
      }
    } catch (const ApiError& e) {
      if (e.code() != 404 && e.code() != 409) throw;
    }
  }
  if (!serve) return;
  for (const json::object& metrics : listAll(store, gr::podMetrics))
    if (!live.count(
            {std::string(metaString(metrics, "namespace")), std::string(metaString(metrics, "name"))}))
      store.remove(gr::podMetrics, metaString(metrics, "namespace"), metaString(metrics, "name"));
  std::set<std::string> nodes;
  for (const json::object& node : listAll(store, gr::nodes)) {
    std::string name(metaString(node, "name"));
    nodes.insert(name);
    auto [cpu, memory] = nodeUse[name];
    json::object usage{{"cpu", formatNanocores(cpu + kNodeSystemCpuMillicores)},
                       {"memory", formatKibibytes(memory + kNodeSystemMemoryBytes)}};
    if (std::optional<json::object> existing = getObject(store, gr::nodeMetrics, "", name)) {
      json::object next = *existing;
      next["timestamp"] = stamp;
      next["window"] = window;
      next["usage"] = usage;
      store.update(gr::nodeMetrics, std::move(next), {UpdateScope::All, false});
    } else {
      json::object metrics{{"apiVersion", "metrics.k8s.io/v1beta1"},
                           {"kind", "NodeMetrics"},
                           {"metadata", json::object{{"name", name}}},
                           {"timestamp", stamp},
                           {"window", window},
                           {"usage", usage}};
      if (!labelsOf(node).empty()) metrics["metadata"].as_object()["labels"] = labelsOf(node);
      store.create(gr::nodeMetrics, std::move(metrics));
    }
  }
  for (const json::object& metrics : listAll(store, gr::nodeMetrics))
    if (!nodes.count(std::string(metaString(metrics, "name"))))
      store.remove(gr::nodeMetrics, "", metaString(metrics, "name"));
}

}  // namespace kubesim::runtime

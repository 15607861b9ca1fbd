// The metrics collector: one round reads pods, metrics.k8s.io, kubelet summaries and Services' application
// metrics into the history store; run() paces rounds on the API server's clock.
#include "history/collector.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <map>
#include <set>
#include <thread>

#include "kube/app_metrics.h"
#include "kube/quantity.h"
#include "support/timestamps.h"

namespace aiops::history {
namespace {

namespace json = boost::json;

const std::string kMetricsUnavailable =
    "the metrics API (metrics.k8s.io) is not served by this cluster: install metrics-server, or read history "
    "from Prometheus with --source prometheus=NAMESPACE/SERVICE:PORT";

const kube::ResourceType kPodMetrics{"metrics.k8s.io", "v1beta1", "pods"};
const kube::ResourceType kNodeMetrics{"metrics.k8s.io", "v1beta1", "nodes", false};

// Field readers over objects and over values (a value that is not an object has no fields). Both forms exist
// so that passing an object never makes a temporary value whose fields would dangle.
const json::value* valueAt(const json::object& o, std::string_view key) {
  const auto it = o.find(key);
  return it != o.end() ? &it->value() : nullptr;
}

const json::value* valueAt(const json::value& v, std::string_view key) {
  return v.is_object() ? valueAt(v.get_object(), key) : nullptr;
}

template <typename T>
const json::object* objectAt(const T& v, std::string_view key) {
  const json::value* x = valueAt(v, key);
  return x && x->is_object() ? &x->get_object() : nullptr;
}

template <typename T>
const json::array* arrayAt(const T& v, std::string_view key) {
  const json::value* x = valueAt(v, key);
  return x && x->is_array() ? &x->get_array() : nullptr;
}

template <typename T>
std::string stringAt(const T& v, std::string_view key) {
  const json::value* x = valueAt(v, key);
  return x && x->is_string() ? std::string(x->get_string()) : std::string();
}

std::string metaString(const json::value& object, std::string_view key) {
  const json::object* meta = objectAt(object, "metadata");
  return meta ? stringAt(*meta, key) : std::string();
}

std::optional<std::int64_t> unixSeconds(std::string_view text) {
  const auto t = parseTimestamp(text);
  if (!t) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count();
}

// An integer JSON field (the kubelet writes uint64 counters).
template <typename T>
std::optional<std::int64_t> integerAt(const T& v, std::string_view key) {
  const json::value* x = valueAt(v, key);
  if (!x) return std::nullopt;
  if (x->is_int64()) return x->get_int64();
  if (x->is_uint64()) return static_cast<std::int64_t>(std::min<std::uint64_t>(x->get_uint64(), INT64_MAX));
  if (x->is_double()) return static_cast<std::int64_t>(std::llround(x->get_double()));
  return std::nullopt;
}

template <typename T>
std::optional<kube::Quantity> quantityAt(const T& v, std::string_view key) {
  const json::value* x = valueAt(v, key);
  if (!x) return std::nullopt;
  if (x->is_string()) return kube::Quantity::parse(x->get_string());
  if (x->is_int64()) return kube::Quantity::fromValue(x->get_int64());
  return std::nullopt;
}

std::vector<const json::value*> items(const json::value& list) {
  std::vector<const json::value*> out;
  if (const json::array* a = arrayAt(list, "items"))
    for (const json::value& item : *a)
      out.push_back(&item);
  return out;
}

struct PodInfo {
  std::string workload;
  std::map<std::string, std::int64_t> memoryLimits;  // container -> bytes
};

// The proxy path of a Service's application metrics, or nullopt when it is not annotated for them.
std::optional<std::string> serviceMetricsPath(const json::value& service) {
  const json::object* meta = objectAt(service, "metadata");
  const json::object* annotations = meta ? objectAt(*meta, "annotations") : nullptr;
  if (!annotations) return std::nullopt;
  const std::string port = stringAt(*annotations, "aiops.dev/metrics-port");
  if (port.empty()) return std::nullopt;
  std::string path = stringAt(*annotations, "aiops.dev/metrics-path");
  if (path.empty()) path = "/metrics";
  if (path.front() != '/') path.insert(path.begin(), '/');
  return fmt::format("/api/v1/namespaces/{}/services/{}:{}/proxy{}",
                     kube::percentEncode(metaString(service, "namespace")),
                     kube::percentEncode(metaString(service, "name")), kube::percentEncode(port), path);
}

// Container terminations in a pod's status.
void terminationsOf(const json::value& pod, const PodInfo& info, std::vector<ContainerEvent>& out) {
  const json::object* status = objectAt(pod, "status");
  const json::array* statuses = status ? arrayAt(*status, "containerStatuses") : nullptr;
  if (!statuses) return;
  for (const json::value& cs : *statuses) {
    const std::string container = stringAt(cs, "name");
    for (const char* which : {"lastState", "state"}) {
      const json::object* state = objectAt(cs, which);
      const json::object* terminated = state ? objectAt(*state, "terminated") : nullptr;
      if (!terminated) continue;
      const auto finished = unixSeconds(stringAt(*terminated, "finishedAt"));
      if (!finished) continue;
      ContainerEvent e;
      e.namespace_ = metaString(pod, "namespace");
      e.workload = info.workload;
      e.pod = metaString(pod, "name");
      e.container = container;
      e.time = *finished;
      e.reason = stringAt(*terminated, "reason");
      e.exitCode = integerAt(*terminated, "exitCode").value_or(0);
      const auto limit = info.memoryLimits.find(container);
      e.memoryLimit = limit != info.memoryLimits.end() ? limit->second : 0;
      out.push_back(std::move(e));
    }
  }
}

PodInfo podInfo(const json::value& pod) {
  PodInfo info;
  info.workload = workloadOf(pod);
  const json::object* spec = objectAt(pod, "spec");
  if (const json::array* containers = spec ? arrayAt(*spec, "containers") : nullptr) {
    for (const json::value& c : *containers) {
      const json::object* resources = objectAt(c, "resources");
      const json::object* limits = resources ? objectAt(*resources, "limits") : nullptr;
      if (!limits) continue;
      if (auto memory = quantityAt(*limits, "memory"))
        info.memoryLimits[stringAt(c, "name")] = memory->value();
    }
  }
  return info;
}

void sleepSliced(std::chrono::milliseconds duration, const std::function<bool()>& stop) {
  const auto until = std::chrono::steady_clock::now() + duration;
  while (!stop()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) return;
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(until - now, std::chrono::milliseconds(100)));
  }
}

}  // namespace

std::string workloadOf(const json::value& pod) {
  const std::string name = metaString(pod, "name");
  const json::object* meta = objectAt(pod, "metadata");
  const json::array* owners = meta ? arrayAt(*meta, "ownerReferences") : nullptr;
  const json::value* owner = nullptr;
  if (owners) {
    for (const json::value& o : *owners) {
      const json::value* controller = valueAt(o, "controller");
      if (controller && controller->is_bool() && controller->get_bool()) owner = &o;
    }
    if (!owner && !owners->empty()) owner = &owners->front();
  }
  if (!owner) return "Pod/" + name;
  const std::string kind = stringAt(*owner, "kind");
  const std::string ownerName = stringAt(*owner, "name");
  if (kind == "ReplicaSet") {
    // A Deployment's ReplicaSet is named NAME-HASH, HASH being the pod's pod-template-hash label.
    const json::object* labels = meta ? objectAt(*meta, "labels") : nullptr;
    const std::string hash = labels ? stringAt(*labels, "pod-template-hash") : std::string();
    if (!hash.empty() && ownerName.size() > hash.size() + 1 && ownerName.ends_with("-" + hash))
      return "Deployment/" + ownerName.substr(0, ownerName.size() - hash.size() - 1);
    return "ReplicaSet/" + ownerName;
  }
  return kind + "/" + ownerName;
}

Collector::Collector(kube::Client& client, Store& store, CollectOptions options)
    : client_(client), store_(store), options_(std::move(options)) {}

RoundReport Collector::round() {
  RoundReport report;
  const std::string& ns = options_.namespace_;
  std::vector<kube::Fetched> first = client_.listAll({{kube::types::pods, ns, {}},
                                                      {kPodMetrics, ns, {}},
                                                      {kNodeMetrics, "", {}},
                                                      {kube::types::services, ns, {}}});
  const kube::Fetched& pods = first[0];
  const kube::Fetched& podMetrics = first[1];
  const kube::Fetched& nodeMetrics = first[2];
  const kube::Fetched& services = first[3];
  if (!podMetrics.ok() && podMetrics.error->isNotFound()) throw MetricsUnavailable(kMetricsUnavailable);
  if (!nodeMetrics.ok() && nodeMetrics.error->isNotFound()) throw MetricsUnavailable(kMetricsUnavailable);
  pods.get();        // throws the pods' error: nothing is attributable without them
  podMetrics.get();  // and the metrics are the round's point

  std::map<std::pair<std::string, std::string>, PodInfo> podInfos;  // (namespace, name)
  std::vector<ContainerEvent> events;
  for (const json::value* pod : items(pods.value)) {
    PodInfo info = podInfo(*pod);
    terminationsOf(*pod, info, events);
    podInfos[{metaString(*pod, "namespace"), metaString(*pod, "name")}] = std::move(info);
  }
  report.pods = podInfos.size();
  auto workloadFor = [&](const std::string& podNs, const std::string& pod) {
    const auto it = podInfos.find({podNs, pod});
    return it != podInfos.end() ? it->second.workload : "Pod/" + pod;
  };

  std::vector<Point> points;
  std::int64_t podTime = 0;
  auto add = [&](SeriesKey key, std::int64_t time, std::int64_t value) {
    points.push_back(Point{std::move(key), Sample{time, value}});
  };
  for (const json::value* pm : items(podMetrics.value)) {
    const auto time = unixSeconds(stringAt(*pm, "timestamp"));
    if (!time) continue;
    report.serverTime = std::max(report.serverTime, *time);
    podTime = std::max(podTime, *time);
    const std::string podNs = metaString(*pm, "namespace");
    const std::string pod = metaString(*pm, "name");
    const std::string workload = workloadFor(podNs, pod);
    if (const json::array* containers = arrayAt(*pm, "containers")) {
      for (const json::value& c : *containers) {
        const json::object* usage = objectAt(c, "usage");
        if (!usage) continue;
        const std::string container = stringAt(c, "name");
        if (auto cpu = quantityAt(*usage, "cpu"))
          add({"container", podNs, workload, pod, container, kCpu}, *time, cpu->milliValue());
        if (auto memory = quantityAt(*usage, "memory"))
          add({"container", podNs, workload, pod, container, kMemory}, *time, memory->value());
      }
    }
  }

  std::vector<std::string> nodeNames;
  if (nodeMetrics.ok()) {
    for (const json::value* nm : items(nodeMetrics.value)) {
      const std::string node = metaString(*nm, "name");
      nodeNames.push_back(node);
      const auto time = unixSeconds(stringAt(*nm, "timestamp"));
      const json::object* usage = objectAt(*nm, "usage");
      if (!time || !usage) continue;
      report.serverTime = std::max(report.serverTime, *time);
      if (auto cpu = quantityAt(*usage, "cpu"))
        add({"node", "", "", node, "", kCpu}, *time, cpu->milliValue());
      if (auto memory = quantityAt(*usage, "memory"))
        add({"node", "", "", node, "", kMemory}, *time, memory->value());
    }
  } else {
    report.warnings.push_back(nodeMetrics.error->what());
  }

  // Second batch: each node's kubelet summary and each annotated Service's application metrics.
  std::vector<std::string> paths;
  for (const std::string& node : nodeNames)
    paths.push_back(fmt::format("/api/v1/nodes/{}/proxy/stats/summary", kube::percentEncode(node)));
  std::vector<std::pair<std::string, std::string>> metricServices;  // (namespace, name)
  if (services.ok()) {
    for (const json::value* service : items(services.value)) {
      if (auto path = serviceMetricsPath(*service)) {
        paths.push_back(*path);
        metricServices.emplace_back(metaString(*service, "namespace"), metaString(*service, "name"));
      }
    }
  } else {
    report.warnings.push_back(services.error->what());
  }
  const std::vector<kube::Response> second =
      paths.empty() ? std::vector<kube::Response>{} : client_.transport().getAll(paths);

  for (std::size_t i = 0; i < nodeNames.size(); ++i) {
    const kube::Fetched summary =
        kube::interpret(second[i], fmt::format("reading the kubelet summary of node {}", nodeNames[i]));
    if (!summary.ok()) {
      report.warnings.push_back(summary.error->what());
      continue;
    }
    const json::array* podStats = arrayAt(summary.value, "pods");
    if (!podStats) continue;
    for (const json::value& ps : *podStats) {
      const json::object* ref = objectAt(ps, "podRef");
      if (!ref) continue;
      const std::string podNs = stringAt(*ref, "namespace");
      const std::string pod = stringAt(*ref, "name");
      if (!ns.empty() && podNs != ns) continue;
      const std::string workload = workloadFor(podNs, pod);
      if (const json::object* network = objectAt(ps, "network")) {
        const std::int64_t time = unixSeconds(stringAt(*network, "time")).value_or(report.serverTime);
        if (time > 0) {
          if (auto rx = integerAt(*network, "rxBytes"))
            add({"pod", podNs, workload, pod, "", kNetworkRx}, time, *rx);
          if (auto tx = integerAt(*network, "txBytes"))
            add({"pod", podNs, workload, pod, "", kNetworkTx}, time, *tx);
        }
      }
      if (const json::array* volumes = arrayAt(ps, "volume")) {
        for (const json::value& v : *volumes) {
          const json::object* pvc = objectAt(v, "pvcRef");
          const auto used = integerAt(v, "usedBytes");
          if (!pvc || !used) continue;
          const std::int64_t time = unixSeconds(stringAt(v, "time")).value_or(report.serverTime);
          if (time > 0)
            add({"volume", podNs, workload, pod, stringAt(*pvc, "name"), kVolumeUsed}, time, *used);
        }
      }
    }
  }

  for (std::size_t i = 0; i < metricServices.size(); ++i) {
    const kube::Response& r = second[nodeNames.size() + i];
    const auto& [serviceNs, service] = metricServices[i];
    if (!r.ok()) {
      report.warnings.push_back(
          r.error->withContext(fmt::format("reading the metrics of service {}/{}", serviceNs, service))
              .what());
      continue;
    }
    if (report.serverTime == 0) continue;  // no metrics timestamp to file them under
    const kube::ApplicationMetrics m = kube::parseApplicationMetrics(r.body);
    const SeriesKey base{"service", serviceNs, service, "", "", ""};
    auto keyed = [&](const char* metric) {
      SeriesKey k = base;
      k.metric = metric;
      return k;
    };
    add(keyed(kRequests), report.serverTime, static_cast<std::int64_t>(std::llround(m.total)));
    add(keyed(kErrors), report.serverTime, static_cast<std::int64_t>(std::llround(m.errors)));
    if (auto p95 = kube::latencyQuantileMs(m, 0.95))
      add(keyed(kLatencyP95), report.serverTime, static_cast<std::int64_t>(std::llround(*p95)));
  }

  lastPodTime_ = podTime > 0 ? podTime : report.serverTime;
  report.samplesSeen = points.size();
  report.samplesNew = store_.append(points);
  report.events = store_.record(events);
  if (report.serverTime > 0) {
    const auto last = store_.setting("collector.lastServerTime");
    std::int64_t previous = 0;
    try {
      previous = last ? std::stoll(*last) : 0;
    } catch (const std::exception&) {
      previous = 0;
    }
    if (report.serverTime > previous)
      store_.setSetting("collector.lastServerTime", std::to_string(report.serverTime));
  }
  return report;
}

std::int64_t Collector::probeServerTime() {
  const json::value list = client_.list(kPodMetrics, options_.namespace_);
  std::int64_t newest = 0;
  for (const json::value* pm : items(list))
    newest = std::max(newest, unixSeconds(stringAt(*pm, "timestamp")).value_or(0));
  return newest;
}

void ServerClockRate::observe(std::int64_t serverTime, std::chrono::steady_clock::time_point local) {
  observations_.emplace_back(serverTime, local);
  while (observations_.size() > 16)
    observations_.pop_front();
  const auto& [oldServer, oldLocal] = observations_.front();
  const double seconds = std::chrono::duration<double>(local - oldLocal).count();
  const auto advanced = static_cast<double>(serverTime - oldServer);
  if (seconds < 0.001 || advanced <= 0) return;
  rate_ = std::clamp(advanced / seconds, 1.0, 100000.0);
  known_ = true;
}

std::chrono::milliseconds ServerClockRate::sleepFor(std::int64_t serverNow, std::int64_t due) const {
  if (serverNow >= due) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(std::ceil(static_cast<double>(due - serverNow) * 1000.0 / rate_)));
}

void Collector::run(const std::function<bool()>& stop,
                    const std::function<void(const RoundReport&)>& onRound) {
  if (options_.prometheus) {
    runPrometheus(stop, onRound);
    return;
  }
  if (options_.once) {
    onRound(round());
    return;
  }
  using Clock = std::chrono::steady_clock;
  using std::chrono::milliseconds;
  const std::int64_t interval = std::max<std::int64_t>(options_.intervalSeconds, 1);
  ServerClockRate rate;
  std::optional<std::int64_t> start;
  std::int64_t lastCompact = 0;
  std::int64_t lastRound = -1;
  // While the clock's rate is unknown: probe again after this, doubling (a fast simulated clock moves a
  // 30 s interval in half a second; a real one needs a few probes until the metrics window first moves).
  milliseconds probe(200);
  while (!stop()) {
    RoundReport report;
    try {
      report = round();
    } catch (const kube::KubeError& e) {
      report.warnings.push_back(e.what());
      onRound(report);
      sleepSliced(rate.sleepFor(0, interval), stop);
      continue;
    }
    rate.observe(lastPodTime_, Clock::now());
    if (report.serverTime != lastRound) onRound(report);
    lastRound = report.serverTime;
    if (!start) start = report.serverTime;
    if (options_.forSeconds && report.serverTime - *start >= *options_.forSeconds) return;
    if (report.serverTime - lastCompact >= options_.compactEverySeconds) {
      store_.compact(report.serverTime);
      lastCompact = report.serverTime;
    }
    // Wait, probing the metrics' newest timestamp, until the server clock reaches the next round.
    // Probes read the PodMetrics' timestamps, so the next round is due an interval after those (the nodes'
    // may be a moment newer).
    const std::int64_t due = lastPodTime_ + interval;
    std::int64_t serverNow = lastPodTime_;
    while (!stop()) {
      milliseconds wait = rate.sleepFor(serverNow, due);
      if (!rate.known()) wait = std::min(wait, probe);
      // A window that has not moved yet: poll again soon, but never in a busy loop.
      wait = std::max(wait, milliseconds(50));
      sleepSliced(wait, stop);
      if (stop()) return;
      if (!rate.known()) probe = std::min(probe * 2, milliseconds(interval * 1000));
      try {
        serverNow = std::max(serverNow, probeServerTime());
      } catch (const kube::KubeError&) {
        break;  // the round says what is wrong
      }
      rate.observe(serverNow, Clock::now());
      if (serverNow >= due) break;
      if (options_.forSeconds && serverNow - *start >= *options_.forSeconds) break;
    }
  }
}

}  // namespace aiops::history

// The daily resource report: the facts of the cluster joined with the history store, and its renderings.
#include "rightsize/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <map>
#include <unordered_map>
#include <utility>

#include "history/collector.h"
#include "kube/quantity.h"
#include "support/output.h"
#include "support/timestamps.h"

namespace aiops::rightsize {
namespace {

namespace json = boost::json;
using history::Sample;

// --- reading Kubernetes objects
// ------------------------------------------------------------------------------

const json::value* field(const json::value& v, std::string_view key) {
  if (!v.is_object()) return nullptr;
  return v.as_object().if_contains(key);
}

const json::value* path(const json::value& v, std::initializer_list<std::string_view> keys) {
  const json::value* at = &v;
  for (std::string_view k : keys) {
    at = field(*at, k);
    if (at == nullptr) return nullptr;
  }
  return at;
}

std::string stringAt(const json::value& v, std::initializer_list<std::string_view> keys) {
  const json::value* at = path(v, keys);
  return at != nullptr && at->is_string() ? std::string(at->as_string()) : std::string();
}

// A quantity field in milli-units (CPU) or whole units (memory, storage); nullopt when absent or malformed.
std::optional<std::int64_t> quantityAt(const json::value* resources, std::string_view name, bool milli) {
  if (resources == nullptr) return std::nullopt;
  const json::value* q = field(*resources, name);
  if (q == nullptr) return std::nullopt;
  std::optional<kube::Quantity> parsed;
  if (q->is_string()) {
    parsed = kube::Quantity::parse(q->as_string());
  } else if (q->is_int64()) {
    parsed = kube::Quantity::fromValue(q->as_int64());
  }
  if (!parsed) return std::nullopt;
  return milli ? parsed->milliValue() : parsed->value();
}

Resources resourcesOf(const json::value& container) {
  Resources r;
  const json::value* requests = path(container, {"resources", "requests"});
  const json::value* limits = path(container, {"resources", "limits"});
  r.cpuRequestMillis = quantityAt(requests, "cpu", true);
  r.memoryRequestBytes = quantityAt(requests, "memory", false);
  r.cpuLimitMillis = quantityAt(limits, "cpu", true);
  r.memoryLimitBytes = quantityAt(limits, "memory", false);
  return r;
}

const json::array* itemsOf(const json::value& list) {
  const json::value* items = field(list, "items");
  return items != nullptr && items->is_array() ? &items->as_array() : nullptr;
}

// --- numbers
// -------------------------------------------------------------------------------------------------

CpuUsage cpuOf(const history::Distribution& d) {
  return CpuUsage{d.count, d.p50, d.p95, d.max};
}

MemoryUsage memoryOf(const history::Distribution& d, const std::vector<Sample>& samples) {
  std::optional<std::int64_t> growth;
  if (!samples.empty() && samples.back().time - samples.front().time >= kTrendSeconds)
    growth = std::llround(slopePerDay(samples));
  return MemoryUsage{d.count, d.max, d.p50, growth};
}

std::string podKey(std::string_view ns, std::string_view pod) {
  std::string key(ns);
  key += '/';
  key += pod;
  return key;
}

std::int64_t percentOf(std::int64_t used, std::int64_t reference) {
  return reference > 0 ? used * 100 / reference : 0;
}

// Sums a field over the containers; absent unless every container sets it.
std::optional<std::int64_t> sumOf(const std::vector<ContainerSpec>& containers,
                                  std::optional<std::int64_t> Resources::*member) {
  if (containers.empty()) return std::nullopt;
  std::int64_t total = 0;
  for (const ContainerSpec& c : containers) {
    if (!(c.resources.*member)) return std::nullopt;
    total += *(c.resources.*member);
  }
  return total;
}

double cents(double value) {
  return std::round(value * 100) / 100;
}

std::string money(double value) {
  return fmt::format("${:.2f}", value);
}

std::string timeText(std::int64_t unixSeconds) {
  return formatTimestamp(WallTime(std::chrono::seconds(unixSeconds)));
}

}  // namespace

// --- cluster facts
// -------------------------------------------------------------------------------------------

PodSpec podSpecOf(const json::value& pod) {
  PodSpec p;
  p.namespace_ = stringAt(pod, {"metadata", "namespace"});
  p.name = stringAt(pod, {"metadata", "name"});
  p.node = stringAt(pod, {"spec", "nodeName"});
  p.workload = history::workloadOf(pod);
  const std::string phase = stringAt(pod, {"status", "phase"});
  p.terminated = phase == "Succeeded" || phase == "Failed";

  std::int64_t appCpu = 0;
  std::int64_t appMemory = 0;
  if (const json::value* containers = path(pod, {"spec", "containers"});
      containers && containers->is_array()) {
    for (const json::value& c : containers->as_array()) {
      ContainerSpec spec{stringAt(c, {"name"}), resourcesOf(c)};
      appCpu += spec.resources.cpuRequestMillis.value_or(0);
      appMemory += spec.resources.memoryRequestBytes.value_or(0);
      p.containers.push_back(std::move(spec));
    }
  }
  // Init containers run one at a time before the app containers, except restartable ones (sidecars), which
  // keep running beside everything started after them (the scheduler's PodRequests).
  std::int64_t sidecarCpu = 0;
  std::int64_t sidecarMemory = 0;
  std::int64_t initCpu = 0;
  std::int64_t initMemory = 0;
  if (const json::value* inits = path(pod, {"spec", "initContainers"}); inits && inits->is_array()) {
    for (const json::value& c : inits->as_array()) {
      const Resources r = resourcesOf(c);
      if (stringAt(c, {"restartPolicy"}) == "Always") {
        sidecarCpu += r.cpuRequestMillis.value_or(0);
        sidecarMemory += r.memoryRequestBytes.value_or(0);
        initCpu = std::max(initCpu, sidecarCpu);
        initMemory = std::max(initMemory, sidecarMemory);
      } else {
        initCpu = std::max(initCpu, sidecarCpu + r.cpuRequestMillis.value_or(0));
        initMemory = std::max(initMemory, sidecarMemory + r.memoryRequestBytes.value_or(0));
      }
    }
  }
  const json::value* overhead = path(pod, {"spec", "overhead"});
  p.requestedCpuMillis =
      std::max(appCpu + sidecarCpu, initCpu) + quantityAt(overhead, "cpu", true).value_or(0);
  p.requestedMemoryBytes =
      std::max(appMemory + sidecarMemory, initMemory) + quantityAt(overhead, "memory", false).value_or(0);
  return p;
}

ClusterFacts clusterFacts(const json::value& podList, const json::value* nodePodList,
                          const json::value& nodeList, const json::value* claimList) {
  ClusterFacts facts;
  if (const json::array* items = itemsOf(podList)) {
    for (const json::value& item : *items) {
      PodSpec p = podSpecOf(item);
      if (!p.name.empty()) facts.pods.push_back(std::move(p));
    }
  }
  std::sort(facts.pods.begin(), facts.pods.end(), [](const PodSpec& a, const PodSpec& b) {
    return std::tie(a.namespace_, a.name) < std::tie(b.namespace_, b.name);
  });
  if (nodePodList == nullptr) {
    facts.nodePods = facts.pods;
  } else if (const json::array* items = itemsOf(*nodePodList)) {
    for (const json::value& item : *items) {
      PodSpec p = podSpecOf(item);
      if (!p.name.empty()) facts.nodePods.push_back(std::move(p));
    }
  }
  if (const json::array* items = itemsOf(nodeList)) {
    for (const json::value& item : *items) {
      NodeSpec n;
      n.name = stringAt(item, {"metadata", "name"});
      if (n.name.empty()) continue;
      const json::value* allocatable = path(item, {"status", "allocatable"});
      n.allocatableCpuMillis = quantityAt(allocatable, "cpu", true).value_or(0);
      n.allocatableMemoryBytes = quantityAt(allocatable, "memory", false).value_or(0);
      facts.nodes.push_back(std::move(n));
    }
  }
  std::sort(facts.nodes.begin(), facts.nodes.end(),
            [](const NodeSpec& a, const NodeSpec& b) { return a.name < b.name; });
  if (claimList != nullptr) {
    if (const json::array* items = itemsOf(*claimList)) {
      for (const json::value& item : *items) {
        ClaimSpec c;
        c.namespace_ = stringAt(item, {"metadata", "namespace"});
        c.name = stringAt(item, {"metadata", "name"});
        if (c.name.empty()) continue;
        c.capacityBytes = quantityAt(path(item, {"status", "capacity"}), "storage", false);
        if (!c.capacityBytes)
          c.capacityBytes = quantityAt(path(item, {"spec", "resources", "requests"}), "storage", false);
        facts.claims.push_back(std::move(c));
      }
    }
  }
  return facts;
}

// --- the pieces
// ----------------------------------------------------------------------------------------------

double slopePerDay(const std::vector<Sample>& samples) {
  if (samples.size() < 2) return 0;
  // Centred on the first sample's time and the means, so large Unix times and byte counts keep their
  // precision.
  const std::int64_t t0 = samples.front().time;
  double meanX = 0;
  double meanY = 0;
  for (const Sample& s : samples) {
    meanX += static_cast<double>(s.time - t0);
    meanY += static_cast<double>(s.value);
  }
  const double n = static_cast<double>(samples.size());
  meanX /= n;
  meanY /= n;
  double sxy = 0;
  double sxx = 0;
  for (const Sample& s : samples) {
    const double dx = static_cast<double>(s.time - t0) - meanX;
    sxy += dx * (static_cast<double>(s.value) - meanY);
    sxx += dx * dx;
  }
  if (sxx == 0) return 0;
  return sxy / sxx * 86400.0;
}

std::optional<double> counterRate(const std::vector<Sample>& samples) {
  if (samples.size() < 2) return std::nullopt;
  const std::int64_t span = samples.back().time - samples.front().time;
  if (span <= 0) return std::nullopt;
  std::int64_t increase = 0;
  for (std::size_t i = 1; i < samples.size(); ++i) {
    const std::int64_t delta = samples[i].value - samples[i - 1].value;
    increase += delta >= 0 ? delta : samples[i].value;  // a reset: the counter restarted from zero
  }
  return static_cast<double>(increase) / static_cast<double>(span);
}

std::vector<Sample> sumByTime(const std::vector<const std::vector<Sample>*>& series) {
  std::vector<Sample> all;
  std::size_t total = 0;
  for (const auto* s : series)
    total += s->size();
  all.reserve(total);
  for (const auto* s : series)
    all.insert(all.end(), s->begin(), s->end());
  std::stable_sort(all.begin(), all.end(), [](const Sample& a, const Sample& b) { return a.time < b.time; });
  std::vector<Sample> out;
  for (const Sample& s : all) {
    if (!out.empty() && out.back().time == s.time) {
      out.back().value += s.value;
    } else {
      out.push_back(s);
    }
  }
  return out;
}

// --- building
// ------------------------------------------------------------------------------------------------

namespace {

// Releases a series' samples once it has been read, so that a query's whole answer is never held twice.
struct Freed {
  std::vector<Sample>& samples;
  ~Freed() { std::vector<Sample>().swap(samples); }
};

struct PodWork {
  // Per container (indexed as PodReport::containers): the window's samples.
  std::vector<std::vector<Sample>> cpu;
  std::vector<std::vector<Sample>> memory;
};

// Usage of a pod: its one container's, or the sum over its containers at each time.
// A pod's usage: its one container's figures, or the sum over its containers at each time (the samples of a
// pod with several containers are kept for this; those of single-container pods are not).
void podUsage(const std::vector<std::vector<Sample>>& perContainer, bool isCpu, PodReport& pod) {
  std::vector<const std::vector<Sample>*> present;
  std::size_t only = 0;
  for (std::size_t i = 0; i < pod.containers.size(); ++i) {
    const ContainerReport& c = pod.containers[i];
    if ((isCpu ? c.cpu.samples : c.memory.samples) == 0) continue;
    present.push_back(&perContainer[i]);
    only = i;
  }
  if (present.empty()) return;
  if (present.size() == 1) {  // no second pass over the same samples
    if (isCpu) {
      pod.cpu = pod.containers[only].cpu;
    } else {
      pod.memory = pod.containers[only].memory;
    }
    return;
  }
  const std::vector<Sample> summed = sumByTime(present);
  const history::Distribution d = history::distributionOf(summed);
  if (isCpu) {
    pod.cpu = cpuOf(d);
  } else {
    pod.memory = memoryOf(d, summed);
  }
}

std::string cpuText(std::int64_t millis) {
  return formatMillicores(millis);
}

void judge(const PodReport& pod, const ReportOptions& options,
           const std::map<std::string, std::int64_t>& oomLimits, ResourceReport& report) {
  ProvisioningItem over{pod.namespace_, pod.name, pod.workload, {}, {}, 0, 0, 0};
  ProvisioningItem under = over;
  for (const ContainerReport& c : pod.containers) {
    if (c.cpu.samples == 0 && c.memory.samples == 0) continue;
    const Resources& r = c.resources;
    bool isOver = false;
    bool isUnder = false;
    auto add = [&](ProvisioningItem& item, const char* resource, std::int64_t used, std::int64_t reference,
                   const std::string& text) {
      item.reasons.push_back({c.name, resource, used, reference, percentOf(used, reference), text});
    };
    if (c.cpu.samples > 0 && r.cpuRequestMillis && *r.cpuRequestMillis > 0 &&
        static_cast<double>(c.cpu.p95) < options.overRatio * static_cast<double>(*r.cpuRequestMillis)) {
      add(over, "cpu", c.cpu.p95, *r.cpuRequestMillis,
          fmt::format("{}: cpu p95 {} is {}% of request {}", c.name, cpuText(c.cpu.p95),
                      percentOf(c.cpu.p95, *r.cpuRequestMillis), cpuText(*r.cpuRequestMillis)));
      isOver = true;
    }
    if (c.memory.samples > 0 && r.memoryRequestBytes && *r.memoryRequestBytes > 0 &&
        static_cast<double>(c.memory.peak) < options.overRatio * static_cast<double>(*r.memoryRequestBytes)) {
      add(over, "memory", c.memory.peak, *r.memoryRequestBytes,
          fmt::format("{}: memory peak {} is {}% of request {}", c.name,
                      humanBytes(static_cast<double>(c.memory.peak)),
                      percentOf(c.memory.peak, *r.memoryRequestBytes), formatBytes(*r.memoryRequestBytes)));
      isOver = true;
    }
    if (c.cpu.samples > 0 && r.cpuLimitMillis && *r.cpuLimitMillis > 0 &&
        static_cast<double>(c.cpu.peak) > options.underRatio * static_cast<double>(*r.cpuLimitMillis)) {
      add(under, "cpu", c.cpu.peak, *r.cpuLimitMillis,
          fmt::format("{}: cpu peak {} is {}% of limit {}", c.name, cpuText(c.cpu.peak),
                      percentOf(c.cpu.peak, *r.cpuLimitMillis), cpuText(*r.cpuLimitMillis)));
      isUnder = true;
    }
    if (c.memory.samples > 0 && r.memoryLimitBytes && *r.memoryLimitBytes > 0 &&
        static_cast<double>(c.memory.peak) > options.underRatio * static_cast<double>(*r.memoryLimitBytes)) {
      add(under, "memory", c.memory.peak, *r.memoryLimitBytes,
          fmt::format("{}: memory peak {} is {}% of limit {}", c.name,
                      humanBytes(static_cast<double>(c.memory.peak)),
                      percentOf(c.memory.peak, *r.memoryLimitBytes), formatBytes(*r.memoryLimitBytes)));
      isUnder = true;
    }
    if (!isOver && !isUnder) continue;
    ContainerUsage usage;
    usage.container = c.name;
    usage.cpu = c.cpuDistribution;
    usage.memory = c.memoryDistribution;
    usage.current = r;
    if (const auto it = oomLimits.find(podKey(pod.namespace_, pod.name) + "/" + c.name);
        it != oomLimits.end())
      usage.oomKilledAtLimit = it->second;
    const ContainerRecommendation rec = recommendResources(usage, options.policy);
    const double now =
        monthlyCost(r.cpuRequestMillis.value_or(0), r.memoryRequestBytes.value_or(0), options.prices);
    const double then = monthlyCost(rec.recommended.cpuRequestMillis.value_or(0),
                                    rec.recommended.memoryRequestBytes.value_or(0), options.prices);
    for (auto [flag, item] : {std::pair{isOver, &over}, std::pair{isUnder, &under}}) {
      if (!flag) continue;
      item->recommendations.push_back(rec);
      item->monthlyCostNow += now;
      item->monthlyCostRecommended += then;
      item->monthlySaving = item->monthlyCostNow - item->monthlyCostRecommended;
    }
  }
  if (!over.reasons.empty()) report.overProvisioned.push_back(std::move(over));
  if (!under.reasons.empty()) report.underProvisioned.push_back(std::move(under));
}

std::string listOf(const std::vector<std::string>& names, std::size_t shown) {
  std::string text;
  for (std::size_t i = 0; i < names.size() && i < shown; ++i)
    text += (i == 0 ? "" : ", ") + names[i];
  if (names.size() > shown) text += fmt::format(" and {} more", names.size() - shown);
  return text;
}

}  // namespace

ResourceReport buildReport(const history::Store& store, const ClusterFacts& facts,
                           const ReportOptions& options) {
  ResourceReport report;
  report.allNamespaces = options.allNamespaces;
  report.namespace_ = options.allNamespaces ? std::string() : options.namespace_;
  report.windowSeconds = options.windowSeconds;
  report.prices = options.prices;
  report.overRatio = options.overRatio;
  report.underRatio = options.underRatio;
  const std::string& ns = report.namespace_;

  if (options.end) {
    report.to = *options.end;
  } else {
    history::SeriesFilter scope;
    scope.namespace_ = ns;
    const history::Coverage coverage = store.coverage(scope);
    report.to = coverage.last == 0 ? 0 : coverage.last + 1;
  }
  report.from = report.to - options.windowSeconds;

  // The pods, indexed by namespace/name.
  std::unordered_map<std::string, std::size_t> podIndex;
  std::vector<PodWork> work(facts.pods.size());
  report.pods.reserve(facts.pods.size());
  for (const PodSpec& spec : facts.pods) {
    if (!options.allNamespaces && spec.namespace_ != ns) continue;
    PodReport pod;
    pod.namespace_ = spec.namespace_;
    pod.name = spec.name;
    pod.node = spec.node;
    pod.workload = spec.workload;
    for (const ContainerSpec& c : spec.containers)
      pod.containers.push_back(ContainerReport{c.name, c.resources, {}, {}, {}, {}});
    pod.resources.cpuRequestMillis = sumOf(spec.containers, &Resources::cpuRequestMillis);
    pod.resources.cpuLimitMillis = sumOf(spec.containers, &Resources::cpuLimitMillis);
    pod.resources.memoryRequestBytes = sumOf(spec.containers, &Resources::memoryRequestBytes);
    pod.resources.memoryLimitBytes = sumOf(spec.containers, &Resources::memoryLimitBytes);
    podIndex.emplace(podKey(pod.namespace_, pod.name), report.pods.size());
    work[report.pods.size()].cpu.resize(pod.containers.size());
    work[report.pods.size()].memory.resize(pod.containers.size());
    report.pods.push_back(std::move(pod));
  }

  // The nodes: every node (-A), else those running a reported pod.
  std::unordered_map<std::string, std::size_t> nodeIndex;
  {
    std::unordered_map<std::string, bool> wanted;
    for (const PodReport& p : report.pods)
      wanted[p.node] = true;
    for (const NodeSpec& n : facts.nodes) {
      if (!options.allNamespaces && wanted.count(n.name) == 0) continue;
      NodeReport node;
      node.name = n.name;
      node.allocatableCpuMillis = n.allocatableCpuMillis;
      node.allocatableMemoryBytes = n.allocatableMemoryBytes;
      nodeIndex.emplace(n.name, report.nodes.size());
      report.nodes.push_back(std::move(node));
    }
    for (const PodSpec& p : facts.nodePods) {
      if (p.terminated || p.node.empty()) continue;
      const auto it = nodeIndex.find(p.node);
      if (it == nodeIndex.end()) continue;
      NodeReport& node = report.nodes[it->second];
      node.requestedCpuMillis += p.requestedCpuMillis;
      node.requestedMemoryBytes += p.requestedMemoryBytes;
      ++node.pods;
    }
  }

  if (report.to == 0) {
    report.warnings.push_back(fmt::format(
        "the history store holds no samples of {}; run 'kubectl aiops collect'", scopeText(report)));
    return report;
  }

  // The store, read once per kind of series for the whole scope.
  auto filter = [&](const char* scope, const char* metric) {
    history::SeriesFilter f;
    f.scope = scope;
    f.namespace_ = ns;
    f.metric = metric;
    return f;
  };
  for (const char* metric : {history::kCpu, history::kMemory}) {
    const bool isCpu = std::string_view(metric) == history::kCpu;
    std::vector<history::Series> all = store.query(filter("container", metric), report.from, report.to);
    for (history::Series& s : all) {
      const Freed freed{s.samples};
      const auto it = podIndex.find(podKey(s.key.namespace_, s.key.pod));
      if (it == podIndex.end() || s.samples.empty()) continue;
      PodReport& pod = report.pods[it->second];
      for (std::size_t i = 0; i < pod.containers.size(); ++i) {
        if (pod.containers[i].name != s.key.container) continue;
        ContainerReport& c = pod.containers[i];
        const history::Distribution d = history::distributionOf(s.samples);
        if (isCpu) {
          c.cpuDistribution = d;
          c.cpu = cpuOf(d);
        } else {
          c.memoryDistribution = d;
          c.memory = memoryOf(d, s.samples);
        }
        // Kept only where the pod's sum needs them: a week of 1,000 pods would otherwise hold ~800 MB.
        if (pod.containers.size() > 1) {
          (isCpu ? work[it->second].cpu : work[it->second].memory)[i] = std::move(s.samples);
        }
        break;
      }
    }
  }
  for (std::size_t i = 0; i < report.pods.size(); ++i) {
    PodReport& pod = report.pods[i];
    podUsage(work[i].cpu, true, pod);
    podUsage(work[i].memory, false, pod);
    pod.hasHistory = pod.cpu.samples > 0 || pod.memory.samples > 0;
    work[i] = PodWork{};  // the samples are no longer needed
  }

  // Nodes: their own series (scope node, pod = the node's name).
  {
    history::SeriesFilter f;
    f.scope = "node";
    for (const history::Series& s : store.query(f, report.from, report.to)) {
      const auto it = nodeIndex.find(s.key.pod);
      if (it == nodeIndex.end() || s.samples.empty()) continue;
      NodeReport& node = report.nodes[it->second];
      const history::Distribution d = history::distributionOf(s.samples);
      if (s.key.metric == history::kCpu) {
        node.cpu = cpuOf(d);
      } else if (s.key.metric == history::kMemory) {
        node.memory = memoryOf(d, s.samples);
      }
      node.hasHistory = true;
    }
  }

  // Network counters (scope pod), one metric at a time: a week of them is the largest answer the store gives.
  for (const char* metric : {history::kNetworkRx, history::kNetworkTx}) {
    const bool rx = std::string_view(metric) == history::kNetworkRx;
    std::vector<history::Series> counters = store.query(filter("pod", metric), report.from, report.to);
    for (history::Series& s : counters) {
      const Freed freed{s.samples};
      const auto it = podIndex.find(podKey(s.key.namespace_, s.key.pod));
      if (it == podIndex.end()) continue;
      NetworkReport& network = report.pods[it->second].network;
      (rx ? network.rxBytesPerSecond : network.txBytesPerSecond) = counterRate(s.samples);
    }
  }

  // PVC use (scope volume, container = the claim): the newest sample in the window.
  {
    std::map<std::pair<std::string, std::string>, std::optional<std::int64_t>> capacity;
    for (const ClaimSpec& c : facts.claims)
      capacity[{c.namespace_, c.name}] = c.capacityBytes;
    for (const history::Series& s :
         store.query(filter("volume", history::kVolumeUsed), report.from, report.to)) {
      const auto it = podIndex.find(podKey(s.key.namespace_, s.key.pod));
      if (it == podIndex.end() || s.samples.empty()) continue;
      VolumeReport v;
      v.claim = s.key.container;
      v.usedBytes = s.samples.back().value;
      v.time = s.samples.back().time;
      if (const auto c = capacity.find({s.key.namespace_, s.key.container}); c != capacity.end())
        v.capacityBytes = c->second;
      report.pods[it->second].volumes.push_back(std::move(v));
    }
    for (PodReport& p : report.pods) {
      std::sort(p.volumes.begin(), p.volumes.end(),
                [](const VolumeReport& a, const VolumeReport& b) { return a.claim < b.claim; });
    }
  }

  // OOM kills in the window: the recommendation must stay above the limit the container was killed at.
  std::map<std::string, std::int64_t> oomLimits;
  {
    history::SeriesFilter f;
    f.namespace_ = ns;
    for (const history::ContainerEvent& e : store.events(f, report.from, report.to)) {
      if (e.reason != "OOMKilled" || e.memoryLimit <= 0) continue;
      std::int64_t& limit = oomLimits[podKey(e.namespace_, e.pod) + "/" + e.container];
      limit = std::max(limit, e.memoryLimit);
    }
  }

  std::vector<std::string> withoutHistory;
  for (const PodReport& pod : report.pods) {
    if (!pod.hasHistory) {
      withoutHistory.push_back(options.allNamespaces ? podKey(pod.namespace_, pod.name) : pod.name);
      continue;
    }
    judge(pod, options, oomLimits, report);
  }
  std::stable_sort(report.overProvisioned.begin(), report.overProvisioned.end(),
                   [](const ProvisioningItem& a, const ProvisioningItem& b) {
                     return cents(a.monthlySaving) > cents(b.monthlySaving);
                   });
  for (const ProvisioningItem& item : report.overProvisioned)
    report.monthlySaving += item.monthlySaving;
  if (!withoutHistory.empty()) {
    report.warnings.push_back(fmt::format("{} pod{} without samples in the window: {}", withoutHistory.size(),
                                          withoutHistory.size() == 1 ? "" : "s", listOf(withoutHistory, 10)));
  }
  return report;
}

// --- rendering
// -----------------------------------------------------------------------------------------------

std::string humanBytes(double bytes) {
  static const char* const units[] = {"Ki", "Mi", "Gi", "Ti", "Pi"};
  const double magnitude = std::fabs(bytes);
  if (magnitude < 1024) return fmt::format("{:.0f}B", bytes);
  double value = bytes / 1024;
  std::size_t unit = 0;
  while (std::fabs(value) >= 1024 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  std::string text = fmt::format("{:.1f}", value);
  if (text.size() > 2 && text.ends_with(".0")) text.resize(text.size() - 2);
  if (text == "1024" && unit + 1 < std::size(units)) return std::string("1") + units[unit + 1];
  return text + units[unit];
}

std::string scopeText(const ResourceReport& report) {
  return report.allNamespaces ? "all namespaces" : "namespace " + report.namespace_;
}

namespace {

json::object resourcesJson(const std::optional<std::int64_t>& cpu,
                           const std::optional<std::int64_t>& memory) {
  json::object o;
  if (cpu) o["cpuMillis"] = *cpu;
  if (memory) o["memoryBytes"] = *memory;
  return o;
}

json::object cpuJson(const CpuUsage& c) {
  return json::object{
      {"samples", c.samples}, {"p50Millis", c.p50}, {"p95Millis", c.p95}, {"peakMillis", c.peak}};
}

json::object memoryJson(const MemoryUsage& m) {
  json::object o{{"samples", m.samples}, {"peakBytes", m.peak}, {"sustainedBytes", m.sustained}};
  if (m.growthPerDay) o["growthBytesPerDay"] = *m.growthPerDay;
  return o;
}

void usageJson(json::object& o, const CpuUsage& cpu, const MemoryUsage& memory) {
  if (cpu.samples > 0) o["cpu"] = cpuJson(cpu);
  if (memory.samples > 0) o["memory"] = memoryJson(memory);
}

json::object recommendationJson(const ContainerRecommendation& r) {
  json::array reasons;
  for (const std::string& line : r.reasons)
    reasons.emplace_back(line);
  return json::object{
      {"container", r.container},
      {"current",
       json::object{{"requests", resourcesJson(r.current.cpuRequestMillis, r.current.memoryRequestBytes)},
                    {"limits", resourcesJson(r.current.cpuLimitMillis, r.current.memoryLimitBytes)}}},
      {"recommended",
       json::object{
           {"requests", resourcesJson(r.recommended.cpuRequestMillis, r.recommended.memoryRequestBytes)},
           {"limits", resourcesJson(r.recommended.cpuLimitMillis, r.recommended.memoryLimitBytes)}}},
      {"reasons", std::move(reasons)}};
}

json::array itemsJson(const std::vector<ProvisioningItem>& items) {
  json::array out;
  for (const ProvisioningItem& item : items) {
    json::array reasons;
    for (const ProvisioningReason& r : item.reasons) {
      reasons.push_back(json::object{{"container", r.container},
                                     {"resource", r.resource},
                                     {"used", r.used},
                                     {"reference", r.reference},
                                     {"percent", r.percent},
                                     {"text", r.text}});
    }
    json::array recommendations;
    for (const ContainerRecommendation& r : item.recommendations)
      recommendations.push_back(recommendationJson(r));
    out.push_back(json::object{{"namespace", item.namespace_},
                               {"pod", item.pod},
                               {"workload", item.workload},
                               {"reasons", std::move(reasons)},
                               {"recommendations", std::move(recommendations)},
                               {"monthlyCostNow", cents(item.monthlyCostNow)},
                               {"monthlyCostRecommended", cents(item.monthlyCostRecommended)},
                               {"monthlySaving", cents(item.monthlySaving)}});
  }
  return out;
}

}  // namespace

json::value toJson(const ResourceReport& report) {
  json::object doc;
  doc["kind"] = "ResourceReport";
  if (!report.allNamespaces) doc["namespace"] = report.namespace_;
  doc["allNamespaces"] = report.allNamespaces;
  json::object window{{"seconds", report.windowSeconds}};
  if (report.to > 0) {
    window["from"] = timeText(report.from);
    window["to"] = timeText(report.to);
  }
  doc["window"] = std::move(window);
  std::int64_t withHistory = 0;
  for (const PodReport& p : report.pods)
    withHistory += p.hasHistory ? 1 : 0;
  doc["summary"] =
      json::object{{"pods", static_cast<std::int64_t>(report.pods.size())},
                   {"podsWithHistory", withHistory},
                   {"nodes", static_cast<std::int64_t>(report.nodes.size())},
                   {"overProvisioned", static_cast<std::int64_t>(report.overProvisioned.size())},
                   {"underProvisioned", static_cast<std::int64_t>(report.underProvisioned.size())},
                   {"monthlySaving", cents(report.monthlySaving)},
                   {"currency", "USD"}};
  json::array pods;
  for (const PodReport& p : report.pods) {
    json::object o{{"namespace", p.namespace_}, {"name", p.name}};
    if (!p.node.empty()) o["node"] = p.node;
    o["workload"] = p.workload;
    o["requests"] = resourcesJson(p.resources.cpuRequestMillis, p.resources.memoryRequestBytes);
    o["limits"] = resourcesJson(p.resources.cpuLimitMillis, p.resources.memoryLimitBytes);
    usageJson(o, p.cpu, p.memory);
    json::object network;
    if (p.network.rxBytesPerSecond) network["rxBytesPerSecond"] = *p.network.rxBytesPerSecond;
    if (p.network.txBytesPerSecond) network["txBytesPerSecond"] = *p.network.txBytesPerSecond;
    o["network"] = std::move(network);
    json::array volumes;
    for (const VolumeReport& v : p.volumes) {
      json::object vo{{"claim", v.claim}, {"usedBytes", v.usedBytes}, {"time", timeText(v.time)}};
      if (v.capacityBytes) {
        vo["capacityBytes"] = *v.capacityBytes;
        vo["usedPercent"] = percentOf(v.usedBytes, *v.capacityBytes);
      }
      volumes.push_back(std::move(vo));
    }
    o["volumes"] = std::move(volumes);
    json::array containers;
    for (const ContainerReport& c : p.containers) {
      json::object co{
          {"name", c.name},
          {"requests", resourcesJson(c.resources.cpuRequestMillis, c.resources.memoryRequestBytes)},
          {"limits", resourcesJson(c.resources.cpuLimitMillis, c.resources.memoryLimitBytes)}};
      usageJson(co, c.cpu, c.memory);
      containers.push_back(std::move(co));
    }
    o["containers"] = std::move(containers);
    pods.push_back(std::move(o));
  }
  doc["pods"] = std::move(pods);
  json::array nodes;
  for (const NodeReport& n : report.nodes) {
    json::object o{{"name", n.name}};
    usageJson(o, n.cpu, n.memory);
    o["allocatable"] =
        json::object{{"cpuMillis", n.allocatableCpuMillis}, {"memoryBytes", n.allocatableMemoryBytes}};
    o["requested"] =
        json::object{{"cpuMillis", n.requestedCpuMillis}, {"memoryBytes", n.requestedMemoryBytes}};
    o["pods"] = n.pods;
    nodes.push_back(std::move(o));
  }
  doc["nodes"] = std::move(nodes);
  doc["overProvisioned"] = itemsJson(report.overProvisioned);
  doc["underProvisioned"] = itemsJson(report.underProvisioned);
  doc["thresholds"] =
      json::object{{"overProvisionedRatio", report.overRatio}, {"underProvisionedRatio", report.underRatio}};
  doc["prices"] = json::object{{"perCoreHour", report.prices.perCoreHour},
                               {"perGiBHour", report.prices.perGiBHour},
                               {"hoursPerMonth", report.prices.hoursPerMonth}};
  json::array warnings;
  for (const std::string& w : report.warnings)
    warnings.emplace_back(w);
  doc["warnings"] = std::move(warnings);
  return doc;
}

namespace {

std::string windowText(const ResourceReport& r) {
  const std::string length = humanDuration(std::chrono::seconds(r.windowSeconds));
  if (r.to == 0) return length + ", no samples";
  return fmt::format("{} from {} to {}", length, timeText(r.from), timeText(r.to));
}

std::string orDash(bool present, const std::string& text) {
  return present ? text : "-";
}

std::string cpuCell(const CpuUsage& c, std::int64_t CpuUsage::*member) {
  return orDash(c.samples > 0, cpuText(c.*member));
}

std::string memoryCell(const MemoryUsage& m, std::int64_t MemoryUsage::*member) {
  return orDash(m.samples > 0, humanBytes(static_cast<double>(m.*member)));
}

std::string growthCell(const MemoryUsage& m) {
  if (m.samples == 0 || !m.growthPerDay) return "-";
  return (*m.growthPerDay > 0 ? "+" : "") + humanBytes(static_cast<double>(*m.growthPerDay)) + "/day";
}

std::string rateCell(const std::optional<double>& rate) {
  return rate ? humanBytes(*rate) + "/s" : "-";
}

std::string volumesCell(const PodReport& p) {
  if (p.volumes.empty()) return "-";
  std::string text;
  for (const VolumeReport& v : p.volumes) {
    if (!text.empty()) text += ", ";
    text += v.claim + " " + humanBytes(static_cast<double>(v.usedBytes));
    if (v.capacityBytes)
      text +=
          fmt::format("/{} ({}%)", formatBytes(*v.capacityBytes), percentOf(v.usedBytes, *v.capacityBytes));
  }
  return text;
}

std::string shareCell(std::int64_t used, std::int64_t total, const std::string& usedText,
                      const std::string& totalText) {
  return fmt::format("{}/{} ({}%)", usedText, totalText, percentOf(used, total));
}

struct Tables {
  Table pods;
  Table io;
  Table nodes;
};

Tables buildTables(const ResourceReport& r) {
  std::vector<std::string> podHeaders{"Pod",      "Node",    "CPU p50", "CPU p95",
                                      "CPU peak", "CPU req", "CPU lim", "Mem sustained",
                                      "Mem peak", "Mem req", "Mem lim", "Mem trend"};
  std::vector<std::string> ioHeaders{"Pod", "Net rx", "Net tx", "Volumes (used/capacity)"};
  if (r.allNamespaces) {
    podHeaders.insert(podHeaders.begin(), "Namespace");
    ioHeaders.insert(ioHeaders.begin(), "Namespace");
  }
  Tables t{Table(podHeaders), Table(ioHeaders),
           Table({"Node", "Pods", "CPU p50", "CPU p95", "CPU peak", "CPU requested", "Mem sustained",
                  "Mem peak", "Mem requested"})};
  auto opt = [](const std::optional<std::int64_t>& v, bool cpu) {
    return v ? (cpu ? cpuText(*v) : formatBytes(*v)) : std::string("-");
  };
  for (const PodReport& p : r.pods) {
    std::vector<Table::Cell> row{{p.name},
                                 {p.node.empty() ? "<none>" : p.node},
                                 {cpuCell(p.cpu, &CpuUsage::p50)},
                                 {cpuCell(p.cpu, &CpuUsage::p95)},
                                 {cpuCell(p.cpu, &CpuUsage::peak)},
                                 {opt(p.resources.cpuRequestMillis, true)},
                                 {opt(p.resources.cpuLimitMillis, true)},
                                 {memoryCell(p.memory, &MemoryUsage::sustained)},
                                 {memoryCell(p.memory, &MemoryUsage::peak)},
                                 {opt(p.resources.memoryRequestBytes, false)},
                                 {opt(p.resources.memoryLimitBytes, false)},
                                 {growthCell(p.memory)}};
    if (r.allNamespaces) row.insert(row.begin(), {p.namespace_});
    t.pods.addRow(std::move(row));
    if (p.network.rxBytesPerSecond || p.network.txBytesPerSecond || !p.volumes.empty()) {
      std::vector<Table::Cell> io{{p.name},
                                  {rateCell(p.network.rxBytesPerSecond)},
                                  {rateCell(p.network.txBytesPerSecond)},
                                  {volumesCell(p)}};
      if (r.allNamespaces) io.insert(io.begin(), {p.namespace_});
      t.io.addRow(std::move(io));
    }
  }
  for (const NodeReport& n : r.nodes) {
    t.nodes.addRow({{n.name},
                    {std::to_string(n.pods)},
                    {cpuCell(n.cpu, &CpuUsage::p50)},
                    {cpuCell(n.cpu, &CpuUsage::p95)},
                    {cpuCell(n.cpu, &CpuUsage::peak)},
                    {shareCell(n.requestedCpuMillis, n.allocatableCpuMillis, cpuText(n.requestedCpuMillis),
                               cpuText(n.allocatableCpuMillis))},
                    {memoryCell(n.memory, &MemoryUsage::sustained)},
                    {memoryCell(n.memory, &MemoryUsage::peak)},
                    {shareCell(n.requestedMemoryBytes, n.allocatableMemoryBytes,
                               humanBytes(static_cast<double>(n.requestedMemoryBytes)),
                               humanBytes(static_cast<double>(n.allocatableMemoryBytes)))}});
  }
  return t;
}

// "requests cpu 200m -> 55m, memory 256Mi -> 128Mi; limits memory 256Mi -> 128Mi" (what changes only).
std::string changeText(const ContainerRecommendation& r) {
  auto one = [](const std::optional<std::int64_t>& from, const std::optional<std::int64_t>& to, bool cpu) {
    auto text = [cpu](const std::optional<std::int64_t>& v) {
      return v ? (cpu ? formatMillicores(*v) : formatBytes(*v)) : std::string("none");
    };
    return from == to ? std::string() : text(from) + " -> " + text(to);
  };
  std::string requests;
  std::string limits;
  auto append = [](std::string& part, const char* name, const std::string& change) {
    if (change.empty()) return;
    part += (part.empty() ? "" : ", ") + std::string(name) + " " + change;
  };
  append(requests, "cpu", one(r.current.cpuRequestMillis, r.recommended.cpuRequestMillis, true));
  append(requests, "memory", one(r.current.memoryRequestBytes, r.recommended.memoryRequestBytes, false));
  append(limits, "cpu", one(r.current.cpuLimitMillis, r.recommended.cpuLimitMillis, true));
  append(limits, "memory", one(r.current.memoryLimitBytes, r.recommended.memoryLimitBytes, false));
  std::string text;
  if (!requests.empty()) text = "requests " + requests;
  if (!limits.empty()) text += (text.empty() ? "" : "; ") + std::string("limits ") + limits;
  return text.empty() ? "keep the current resources" : text;
}

std::string costText(const ProvisioningItem& item) {
  const double saving = cents(item.monthlySaving);
  if (saving > 0) return "saves " + money(saving) + "/month";
  if (saving < 0) return "costs " + money(-saving) + "/month more";
  return "no change in cost";
}

void printItemsText(const std::vector<ProvisioningItem>& items, std::ostream& out) {
  for (const ProvisioningItem& item : items) {
    out << "  " << item.namespace_ << '/' << item.pod << " (" << item.workload << "): " << costText(item)
        << '\n';
    for (const ProvisioningReason& r : item.reasons)
      out << "    - " << r.text << '\n';
    for (const ContainerRecommendation& rec : item.recommendations)
      out << "    recommended for " << rec.container << ": " << changeText(rec) << '\n';
  }
}

void printItemsMarkdown(const std::vector<ProvisioningItem>& items, std::ostream& out) {
  for (const ProvisioningItem& item : items) {
    out << "- **" << escapeMarkdown(item.namespace_ + "/" + item.pod) << "** ("
        << escapeMarkdown(item.workload) << "): " << escapeMarkdown(costText(item)) << '\n';
    for (const ProvisioningReason& r : item.reasons)
      out << "  - " << escapeMarkdown(r.text) << '\n';
    for (const ContainerRecommendation& rec : item.recommendations)
      out << "  - recommended for `" << rec.container << "`: " << escapeMarkdown(changeText(rec)) << '\n';
  }
}

std::string countLine(const ResourceReport& r) {
  std::int64_t withHistory = 0;
  for (const PodReport& p : r.pods)
    withHistory += p.hasHistory ? 1 : 0;
  const auto count = [](std::size_t n, const char* noun) {
    return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s");
  };
  return fmt::format("{} ({} with history), {}; {} over-provisioned (saving {}/month), {} under-provisioned",
                     count(r.pods.size(), "pod"), withHistory, count(r.nodes.size(), "node"),
                     r.overProvisioned.size(), money(cents(r.monthlySaving)), r.underProvisioned.size());
}

}  // namespace

void printText(const ResourceReport& r, std::ostream& out, bool colour) {
  const Tables t = buildTables(r);
  out << "Resource report for " << scopeText(r) << ": " << windowText(r) << '\n';
  out << countLine(r) << "\n\n";
  out << paint("Pods", Colour::Bold, colour) << '\n';
  if (t.pods.empty()) {
    out << "No pods found.\n";
  } else {
    t.pods.printText(out, colour);
  }
  if (!t.io.empty()) {
    out << '\n' << paint("Network and volumes", Colour::Bold, colour) << '\n';
    t.io.printText(out, colour);
  }
  out << '\n' << paint("Nodes", Colour::Bold, colour) << '\n';
  if (t.nodes.empty()) {
    out << "No nodes found.\n";
  } else {
    t.nodes.printText(out, colour);
  }
  out << '\n'
      << paint(fmt::format("Over-provisioned ({}; p95 CPU or peak memory below {:.0f}% of the request)",
                           r.overProvisioned.size(), r.overRatio * 100),
               Colour::Bold, colour)
      << '\n';
  if (r.overProvisioned.empty()) out << "  none\n";
  printItemsText(r.overProvisioned, out);
  out << '\n'
      << paint(fmt::format("Under-provisioned ({}; peak CPU or memory above {:.0f}% of the limit)",
                           r.underProvisioned.size(), r.underRatio * 100),
               r.underProvisioned.empty() ? Colour::Bold : Colour::Red, colour)
      << '\n';
  if (r.underProvisioned.empty()) out << "  none\n";
  printItemsText(r.underProvisioned, out);
  for (const std::string& w : r.warnings)
    out << "\nWarning: " << w << '\n';
}

void printMarkdown(const ResourceReport& r, std::ostream& out) {
  const Tables t = buildTables(r);
  out << "# Resource report: " << escapeMarkdown(scopeText(r)) << "\n\n";
  out << "Window: " << escapeMarkdown(windowText(r)) << ".\n\n" << escapeMarkdown(countLine(r)) << ".\n\n";
  out << fmt::format("## Under-provisioned pods\n\nPeak CPU or memory above {:.0f}% of the limit.\n\n",
                     r.underRatio * 100);
  if (r.underProvisioned.empty()) out << "None.\n";
  printItemsMarkdown(r.underProvisioned, out);
  out << fmt::format("\n## Over-provisioned pods\n\np95 CPU or peak memory below {:.0f}% of the request.\n\n",
                     r.overRatio * 100);
  if (r.overProvisioned.empty()) out << "None.\n";
  printItemsMarkdown(r.overProvisioned, out);
  out << "\n## Pods\n\n";
  if (t.pods.empty()) {
    out << "No pods found.\n";
  } else {
    t.pods.printMarkdown(out);
  }
  if (!t.io.empty()) {
    out << "\n## Network and volumes\n\n";
    t.io.printMarkdown(out);
  }
  out << "\n## Nodes\n\n";
  if (t.nodes.empty()) {
    out << "No nodes found.\n";
  } else {
    t.nodes.printMarkdown(out);
  }
  if (!r.warnings.empty()) {
    out << "\n## Warnings\n\n";
    for (const std::string& w : r.warnings)
      out << "- " << escapeMarkdown(w) << '\n';
  }
}

}  // namespace aiops::rightsize

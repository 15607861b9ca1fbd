// `kubectl aiops recommend scaling|resources`: gathers a Deployment's history and the cluster's capacity,
// lets src/rightsize/ do the maths, prints the result with its arithmetic and proposes the change
// (docs/rightsizing.md).
#include "commands/recommend.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>

#include "cli.h"
#include "execute/identity.h"
#include "governance/journal.h"
#include "governance/policy.h"
#include "history/store.h"
#include "kube/quantity.h"
#include "support/output.h"

namespace aiops::plugin::recommend {
namespace {

namespace json = boost::json;

const json::value* at(const json::value& value, std::initializer_list<std::string_view> keys) {
  const json::value* current = &value;
  for (const std::string_view key : keys) {
    const auto* object = current->if_object();
    current = object ? object->if_contains(key) : nullptr;
    if (current == nullptr) return nullptr;
  }
  return current;
}

std::string textAt(const json::value& value, std::initializer_list<std::string_view> keys) {
  const json::value* found = at(value, keys);
  return found && found->is_string() ? std::string(found->get_string()) : std::string();
}

std::int64_t intAt(const json::value& value, std::initializer_list<std::string_view> keys,
                   std::int64_t otherwise) {
  const json::value* found = at(value, keys);
  return found && found->is_int64() ? found->get_int64() : otherwise;
}

std::optional<std::int64_t> milli(const json::value& value, std::initializer_list<std::string_view> keys) {
  const std::string text = textAt(value, keys);
  if (text.empty()) return std::nullopt;
  const auto q = kube::Quantity::parse(text);
  return q ? std::optional<std::int64_t>(q->milliValue()) : std::nullopt;
}

std::optional<std::int64_t> bytes(const json::value& value, std::initializer_list<std::string_view> keys) {
  const std::string text = textAt(value, keys);
  if (text.empty()) return std::nullopt;
  const auto q = kube::Quantity::parse(text);
  return q ? std::optional<std::int64_t>(q->value()) : std::nullopt;
}

const json::array& arrayAt(const json::value& value, std::initializer_list<std::string_view> keys) {
  static const json::array empty;
  const json::value* found = at(value, keys);
  return found && found->is_array() ? found->get_array() : empty;
}

std::string duration(std::int64_t seconds) {
  if (seconds >= 86400) return fmt::format("{}d {}h", seconds / 86400, seconds % 86400 / 3600);
  if (seconds >= 3600) return fmt::format("{}h {}m", seconds / 3600, seconds % 3600 / 60);
  if (seconds >= 60) return fmt::format("{}m {}s", seconds / 60, seconds % 60);
  return fmt::format("{}s", seconds);
}

std::string money(double usd) {
  return fmt::format("${:.2f}", usd);
}

std::optional<double> price(const std::string& flag, const char* variable, const char* name) {
  std::string text = flag;
  std::string source = std::string("--") + name;
  if (text.empty()) {
    const char* env = std::getenv(variable);
    if (env == nullptr || *env == '\0') return std::nullopt;
    text = env;
    source = variable;
  }
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || !std::isfinite(value) || value < 0) {
    throw UsageError(fmt::format("invalid {} '{}': use a non-negative number of US dollars", source, text));
  }
  return value;
}

// The cluster facts one Deployment's recommendations need.
struct Workload {
  std::string namespace_;
  std::string name;
  json::value live;  // the Deployment as read
  std::int64_t replicas = 1;
  std::int64_t podCpuMillis = 0;  // the pod template's requests, summed over containers
  std::int64_t podMemoryBytes = 0;
  std::vector<std::string> containersWithoutCpuRequest;

  std::string display() const { return fmt::format("Deployment {}/{}", namespace_, name); }
  std::string seriesWorkload() const { return "Deployment/" + name; }
};

Workload workloadOf(const json::value& deployment) {
  Workload w;
  w.namespace_ = textAt(deployment, {"metadata", "namespace"});
  w.name = textAt(deployment, {"metadata", "name"});
  w.live = deployment;
  w.replicas = intAt(deployment, {"spec", "replicas"}, 1);  // Kubernetes defaults it to 1
  for (const json::value& c : arrayAt(deployment, {"spec", "template", "spec", "containers"})) {
    const auto cpu = milli(c, {"resources", "requests", "cpu"});
    if (cpu) {
      w.podCpuMillis += *cpu;
    } else {
      w.containersWithoutCpuRequest.push_back(textAt(c, {"name"}));
    }
    w.podMemoryBytes += bytes(c, {"resources", "requests", "memory"}).value_or(0);
  }
  return w;
}

governance::Target targetOf(const json::value& object, const std::string& apiVersion,
                            const std::string& kind) {
  governance::Target t;
  t.apiVersion = apiVersion;
  t.kind = kind;
  t.namespace_ = textAt(object, {"metadata", "namespace"});
  t.name = textAt(object, {"metadata", "name"});
  t.uid = textAt(object, {"metadata", "uid"});
  t.generation = intAt(object, {"metadata", "generation"}, 0);
  return t;
}

// One workload's outcome, printed and, with --output json, returned as a document.
struct Outcome {
  json::object document;
  std::vector<std::string> lines;  // the text rendering
  std::optional<governance::Proposal> proposal;
  bool assessed = true;  // false: refused (too little history, a crash, no request)
  std::string operationId;
  bool existing = false;
};

// --- scaling ---------------------------------------------------------------------------------------------

// Mean CPU utilisation of the workload's pods at each sampled time, in percent of the pod's CPU request.
std::vector<rightsize::UtilisationSample> utilisation(const std::vector<history::Series>& series,
                                                      std::int64_t podCpuMillis) {
  std::map<std::int64_t, std::map<std::string, std::int64_t>> byTime;  // time -> pod -> millicores
  for (const history::Series& s : series) {
    for (const history::Sample& sample : s.samples)
      byTime[sample.time][s.key.pod] += sample.value;
  }
  std::vector<rightsize::UtilisationSample> out;
  for (const auto& [time, pods] : byTime) {
    std::int64_t total = 0;
    for (const auto& [pod, millicores] : pods)
      total += millicores;
    const auto replicas = static_cast<std::int64_t>(pods.size());
    const double percent = 100.0 * static_cast<double>(total) / static_cast<double>(podCpuMillis * replicas);
    out.push_back({time, static_cast<std::int64_t>(std::llround(percent)), replicas});
  }
  return out;
}

std::vector<rightsize::NodeCapacity> capacityOf(const json::value& nodes, const json::value& pods) {
  std::map<std::string, rightsize::NodeCapacity> byName;
  for (const json::value& node : arrayAt(nodes, {"items"})) {
    rightsize::NodeCapacity c;
    c.name = textAt(node, {"metadata", "name"});
    c.allocatableCpuMillis = milli(node, {"status", "allocatable", "cpu"}).value_or(0);
    c.allocatableMemoryBytes = bytes(node, {"status", "allocatable", "memory"}).value_or(0);
    bool ready = false;
    for (const json::value& condition : arrayAt(node, {"status", "conditions"}))
      if (textAt(condition, {"type"}) == "Ready" && textAt(condition, {"status"}) == "True") ready = true;
    const json::value* unschedulable = at(node, {"spec", "unschedulable"});
    c.schedulable = ready && !(unschedulable && unschedulable->is_bool() && unschedulable->get_bool());
    byName[c.name] = c;
  }
  for (const json::value& pod : arrayAt(pods, {"items"})) {
    const std::string phase = textAt(pod, {"status", "phase"});
    if (phase == "Succeeded" || phase == "Failed") continue;  // terminal pods hold no requests
    const auto node = byName.find(textAt(pod, {"spec", "nodeName"}));
    if (node == byName.end()) continue;
    for (const json::value& c : arrayAt(pod, {"spec", "containers"})) {
      node->second.requestedCpuMillis += milli(c, {"resources", "requests", "cpu"}).value_or(0);
      node->second.requestedMemoryBytes += bytes(c, {"resources", "requests", "memory"}).value_or(0);
    }
  }
  std::vector<rightsize::NodeCapacity> out;
  for (auto& [name, c] : byName)
    out.push_back(std::move(c));
  return out;
}

std::string_view loadText(rightsize::Load load) {
  switch (load) {
    case rightsize::Load::High:
      return "high";
    case rightsize::Load::Low:
      return "low";
    case rightsize::Load::Normal:
      break;
  }
  return "normal";
}

Outcome assessScaling(const Options& options, const Workload& w, const history::Store& store,
                      const json::value& hpas, const std::vector<rightsize::NodeCapacity>& nodes) {
  Outcome o;
  o.document = {{"workload", w.display()}, {"replicas", w.replicas}};
  for (const json::value& hpa : arrayAt(hpas, {"items"})) {
    if (textAt(hpa, {"spec", "scaleTargetRef", "kind"}) != "Deployment" ||
        textAt(hpa, {"spec", "scaleTargetRef", "name"}) != w.name)
      continue;
    const std::string name = textAt(hpa, {"metadata", "name"});
    o.document["existingAutoscaler"] = name;
    o.lines.push_back(fmt::format(
        "{}: already scaled by HorizontalPodAutoscaler {} (min {}, max {}); nothing "
        "to recommend",
        w.display(), name, intAt(hpa, {"spec", "minReplicas"}, 1), intAt(hpa, {"spec", "maxReplicas"}, 0)));
    return o;
  }
  if (!w.containersWithoutCpuRequest.empty()) {
    o.assessed = false;
    const std::string reason =
        fmt::format("container {} has no CPU request: CPU utilisation, and an autoscaler on it, need one",
                    fmt::join(w.containersWithoutCpuRequest, ", "));
    o.document["refused"] = reason;
    o.lines.push_back(fmt::format("{}: {}", w.display(), reason));
    return o;
  }
  history::SeriesFilter filter;
  filter.scope = "container";
  filter.namespace_ = w.namespace_;
  filter.workload = w.seriesWorkload();
  filter.metric = history::kCpu;
  const history::Coverage coverage = store.coverage(filter);
  if (coverage.samples == 0) {
    o.assessed = false;
    const std::string reason = "no CPU history; run `kubectl aiops collect` first";
    o.document["refused"] = reason;
    o.lines.push_back(fmt::format("{}: {}", w.display(), reason));
    return o;
  }
  const std::int64_t end = coverage.last + 1;
  const auto samples = utilisation(store.query(filter, end - options.windowSeconds, end),
                                   std::max<std::int64_t>(w.podCpuMillis, 1));

  rightsize::ScalingInput input;
  input.workload = w.display();
  input.replicas = w.replicas;
  input.podCpuRequestMillis = w.podCpuMillis;
  input.podMemoryRequestBytes = w.podMemoryBytes;
  input.verdict = rightsize::judgeLoad(samples);
  input.nodes = nodes;
  input.headroom = static_cast<double>(options.headroomPercent) / 100.0;
  input.targetPercent = options.targetPercent;
  input.prices = options.prices;
  const rightsize::ScalingRecommendation r = rightsize::recommendScaling(input);

  const rightsize::LoadVerdict& v = input.verdict;
  o.document["load"] = json::object{{"verdict", loadText(v.load)},
                                    {"since", v.since},
                                    {"seconds", v.seconds},
                                    {"peakPercent", v.peakPercent},
                                    {"meanPercent", v.meanPercent},
                                    {"samples", samples.size()},
                                    {"podCpuRequest", rightsize::formatMillicores(w.podCpuMillis)}};
  json::array reasons;
  for (const std::string& line : r.reasons)
    reasons.emplace_back(line);
  o.document["reasons"] = reasons;
  o.lines.push_back(fmt::format("{}: CPU load {} ({} samples over the last {}; pod request {})", w.display(),
                                loadText(v.load), samples.size(), duration(options.windowSeconds),
                                rightsize::formatMillicores(w.podCpuMillis)));
  for (const std::string& line : r.reasons)
    o.lines.push_back("  - " + line);
  if (!r.recommended) return o;

  const json::value manifest = rightsize::hpaManifest(w.namespace_, w.name, r);
  o.document["recommendation"] = json::object{{"minReplicas", r.minReplicas},
                                              {"maxReplicas", r.maxReplicas},
                                              {"targetCPUUtilization", r.targetPercent},
                                              {"expectedReplicas", r.expectedReplicas},
                                              {"expectedPercent", r.expectedPercent},
                                              {"fitReplicas", r.fitReplicas},
                                              {"maxFits", r.maxFits},
                                              {"horizontalPodAutoscaler", manifest}};
  o.document["cost"] = json::object{{"monthlyNow", r.monthlyCostNow},
                                    {"monthlyExpected", r.monthlyCostExpected},
                                    {"monthlyAtMax", r.monthlyCostAtMax},
                                    {"pricePerCoreHour", options.prices.perCoreHour},
                                    {"pricePerGiBHour", options.prices.perGiBHour}};
  o.lines.push_back(fmt::format("  Recommend: HorizontalPodAutoscaler {} (min {}, max {}, target CPU {}%)",
                                w.name, r.minReplicas, r.maxReplicas, r.targetPercent));
  o.lines.push_back(fmt::format(
      "  Expected: {} replicas at about {}% of request each{}", r.expectedReplicas, r.expectedPercent,
      v.load == rightsize::Load::High ? "; with CPU below the target, request queueing and latency fall back"
                                      : ""));
  o.lines.push_back(fmt::format("  Cost (requests, per month): {} now, {} at {} replicas, {} at the maximum",
                                money(r.monthlyCostNow), money(r.monthlyCostExpected), r.expectedReplicas,
                                money(r.monthlyCostAtMax)));

  governance::Proposal p;
  p.target.apiVersion = "autoscaling/v2";
  p.target.kind = "HorizontalPodAutoscaler";
  p.target.namespace_ = w.namespace_;
  p.target.name = w.name;
  p.action = std::string(model::toString(model::ActionKind::Scaling));
  p.summary = fmt::format("autoscale {}: HPA min {}, max {}, target CPU {}%", w.display(), r.minReplicas,
                          r.maxReplicas, r.targetPercent);
  p.rationale = fmt::format("sustained {} CPU: {}% of request on average ({}% at its highest) for {}",
                            loadText(v.load), v.meanPercent, v.peakPercent, duration(v.seconds));
  p.evidence = r.reasons;
  p.evidence.push_back(fmt::format("cost per month (requests): {} now, {} expected, {} at max {}",
                                   money(r.monthlyCostNow), money(r.monthlyCostExpected),
                                   money(r.monthlyCostAtMax), r.maxReplicas));
  p.change = governance::Change{governance::ChangeType::Manifest, manifest};
  p.risk = governance::classify(model::Risk::Medium, p.action, p.target, p.change, std::nullopt);
  o.proposal = std::move(p);
  return o;
}

// --- resources -------------------------------------------------------------------------------------------

std::string quantityOr(const std::optional<std::int64_t>& value, bool cpu) {
  if (!value) return "-";
  return cpu ? rightsize::formatMillicores(*value) : rightsize::formatBytes(*value);
}

void addRow(Table& table, const std::vector<std::string>& texts) {
  std::vector<Table::Cell> cells;
  for (const std::string& text : texts)
    cells.push_back({text});
  table.addRow(std::move(cells));
}

json::value resourcesJson(const rightsize::Resources& r) {
  json::object o;
  if (r.cpuRequestMillis) o["cpuRequest"] = rightsize::formatMillicores(*r.cpuRequestMillis);
  if (r.cpuLimitMillis) o["cpuLimit"] = rightsize::formatMillicores(*r.cpuLimitMillis);
  if (r.memoryRequestBytes) o["memoryRequest"] = rightsize::formatBytes(*r.memoryRequestBytes);
  if (r.memoryLimitBytes) o["memoryLimit"] = rightsize::formatBytes(*r.memoryLimitBytes);
  return o;
}

json::value distributionJson(const history::Distribution& d, bool cpu) {
  auto q = [&](std::int64_t v) -> json::value {
    return json::value(cpu ? rightsize::formatMillicores(v) : rightsize::formatBytes(v));
  };
  return json::object{
      {"samples", d.count}, {"p50", q(d.p50)}, {"p95", q(d.p95)}, {"p99", q(d.p99)}, {"max", q(d.max)}};
}

// The strategic-merge patch that sets `resources` on each container (a null removes a value that the
// recommendation leaves unset), keyed by name as the API merges containers.
json::value resourcesPatch(const std::vector<std::pair<std::string, rightsize::Resources>>& containers) {
  json::array list;
  for (const auto& [name, r] : containers) {
    json::object requests;
    json::object limits;
    auto put = [](json::object& into, const char* key, const std::optional<std::int64_t>& v, bool cpu) {
      into[key] = v ? json::value(cpu ? rightsize::formatMillicores(*v) : rightsize::formatBytes(*v))
                    : json::value(nullptr);
    };
    put(requests, "cpu", r.cpuRequestMillis, true);
    put(requests, "memory", r.memoryRequestBytes, false);
    put(limits, "cpu", r.cpuLimitMillis, true);
    put(limits, "memory", r.memoryLimitBytes, false);
    list.push_back(json::object{{"name", name}, {"resources", {{"requests", requests}, {"limits", limits}}}});
  }
  return json::object{{"spec", {{"template", {{"spec", {{"containers", list}}}}}}}};
}

// One container's CPU and memory over [from, end), every pod of the workload pooled.
rightsize::ContainerUsage usageOf(const history::Store& store, history::SeriesFilter filter,
                                  const std::string& container, std::int64_t from, std::int64_t end) {
  rightsize::ContainerUsage usage;
  usage.container = container;
  filter.container = container;
  filter.metric = history::kCpu;
  usage.cpu = store.pooled(filter, from, end);
  filter.metric = history::kMemory;
  usage.memory = store.pooled(filter, from, end);
  return usage;
}

Outcome assessResources(const Options& options, const Workload& w, const history::Store& store) {
  Outcome o;
  o.document = {{"workload", w.display()}, {"replicas", w.replicas}};
  history::SeriesFilter filter;
  filter.scope = "container";
  filter.namespace_ = w.namespace_;
  filter.workload = w.seriesWorkload();
  const history::Coverage coverage = store.coverage(filter);
  const std::int64_t required = options.days * 86400;
  auto refuse = [&](const std::string& reason) {
    o.assessed = false;
    o.document["refused"] = reason;
    o.lines.push_back(fmt::format("{}: {}", w.display(), reason));
    return o;
  };
  if (coverage.samples == 0) return refuse("no metrics history; run `kubectl aiops collect` first");
  const std::int64_t span = coverage.last - coverage.first;
  const bool shortHistory = span < required;
  if (shortHistory && !options.allowShortHistory) {
    return refuse(fmt::format(
        "only {} of history (since {}); right-sizing needs {} days: keep `kubectl aiops "
        "collect` running, or pass --allow-short-history for a low-confidence result",
        duration(span), formatTimestamp(WallTime{std::chrono::seconds(coverage.first)}), options.days));
  }
  const std::int64_t end = coverage.last + 1;
  const std::int64_t from = shortHistory ? coverage.first : end - required;

  // Crashes and OOM kills inside the window: the usage seen is not the workload's steady state.
  std::vector<history::ContainerEvent> crashes;
  std::map<std::string, std::int64_t> oomLimitBefore;  // container -> limit at an older OOM kill
  history::SeriesFilter eventFilter;
  eventFilter.namespace_ = w.namespace_;
  eventFilter.workload = w.seriesWorkload();
  for (const history::ContainerEvent& e : store.events(eventFilter, 0, end)) {
    if (e.reason == "Completed") continue;
    if (e.time >= from) {
      crashes.push_back(e);
    } else if (e.reason == "OOMKilled") {
      oomLimitBefore[e.container] = std::max(oomLimitBefore[e.container], e.memoryLimit);
    }
  }
  if (!crashes.empty()) {
    const history::ContainerEvent& e = crashes.back();
    std::string reason = fmt::format(
        "{} crash{} in the window, the last: container {} of pod {} {} (exit code {}) at {}; usage with "
        "crashes "
        "is not the steady state to size from",
        crashes.size(), crashes.size() == 1 ? "" : "es", e.container, e.pod, e.reason, e.exitCode,
        formatTimestamp(WallTime{std::chrono::seconds(e.time)}));
    if (e.reason == "OOMKilled") {
      // The immediate fix: the VPA-style bump over the limit it was killed at and the most it was seen using.
      rightsize::ContainerUsage usage = usageOf(store, filter, e.container, from, end);
      usage.oomKilledAtLimit = e.memoryLimit;
      const auto bumped = rightsize::recommendResources(usage).recommended.memoryRequestBytes;
      if (bumped) {
        reason += fmt::format(
            ". For the OOM kill now: raise the memory of {} to at least {} (killed at its {} limit; "
            "max(+100Mi, x1.2) of what it used); recommend resources again after {} days without crashes",
            e.container, rightsize::formatBytes(*bumped), rightsize::formatBytes(e.memoryLimit),
            options.days);
      }
    }
    return refuse(reason);
  }

  o.document["confidence"] = shortHistory ? "low" : "high";
  o.document["historySeconds"] = end - from;
  json::array containers;
  std::vector<std::pair<std::string, rightsize::Resources>> after;
  std::vector<std::pair<std::string, rightsize::Resources>> before;
  std::int64_t cpuBefore = 0, cpuAfter = 0, memoryBefore = 0, memoryAfter = 0;
  bool increases = false;
  bool changes = false;
  o.lines.push_back(fmt::format(
      "{}: {} of history, confidence {}{}", w.display(), duration(end - from), shortHistory ? "low" : "high",
      shortHistory ? fmt::format(" (less than the {} days required)", options.days) : std::string()));
  Table table(
      {"CONTAINER", "RESOURCE", "P50", "P95", "P99", "MAX", "REQUEST", "LIMIT", "NEW REQUEST", "NEW LIMIT"});
  std::vector<std::string> why;
  for (const json::value& c : arrayAt(w.live, {"spec", "template", "spec", "containers"})) {
    rightsize::ContainerUsage usage = usageOf(store, filter, textAt(c, {"name"}), from, end);
    usage.current.cpuRequestMillis = milli(c, {"resources", "requests", "cpu"});
    usage.current.cpuLimitMillis = milli(c, {"resources", "limits", "cpu"});
    usage.current.memoryRequestBytes = bytes(c, {"resources", "requests", "memory"});
    usage.current.memoryLimitBytes = bytes(c, {"resources", "limits", "memory"});
    if (const auto oom = oomLimitBefore.find(usage.container); oom != oomLimitBefore.end())
      usage.oomKilledAtLimit = oom->second;
    if (usage.cpu.count == 0 || usage.memory.count == 0) {
      why.push_back(fmt::format("container {}: no samples in the window; left as it is", usage.container));
      continue;
    }
    const rightsize::ContainerRecommendation r = rightsize::recommendResources(usage);
    json::array reasons;
    for (const std::string& line : r.reasons) {
      reasons.emplace_back(line);
      why.push_back(fmt::format("{}: {}", usage.container, line));
    }
    containers.push_back(json::object{{"name", usage.container},
                                      {"cpu", distributionJson(usage.cpu, true)},
                                      {"memory", distributionJson(usage.memory, false)},
                                      {"current", resourcesJson(r.current)},
                                      {"recommended", resourcesJson(r.recommended)},
                                      {"reasons", reasons}});
    addRow(table,
           {usage.container, "cpu", rightsize::formatMillicores(usage.cpu.p50),
            rightsize::formatMillicores(usage.cpu.p95), rightsize::formatMillicores(usage.cpu.p99),
            rightsize::formatMillicores(usage.cpu.max), quantityOr(r.current.cpuRequestMillis, true),
            quantityOr(r.current.cpuLimitMillis, true), quantityOr(r.recommended.cpuRequestMillis, true),
            quantityOr(r.recommended.cpuLimitMillis, true)});
    addRow(table,
           {"", "memory", rightsize::formatBytes(usage.memory.p50), rightsize::formatBytes(usage.memory.p95),
            rightsize::formatBytes(usage.memory.p99), rightsize::formatBytes(usage.memory.max),
            quantityOr(r.current.memoryRequestBytes, false), quantityOr(r.current.memoryLimitBytes, false),
            quantityOr(r.recommended.memoryRequestBytes, false),
            quantityOr(r.recommended.memoryLimitBytes, false)});
    cpuBefore += r.current.cpuRequestMillis.value_or(0);
    cpuAfter += r.recommended.cpuRequestMillis.value_or(0);
    memoryBefore += r.current.memoryRequestBytes.value_or(0);
    memoryAfter += r.recommended.memoryRequestBytes.value_or(0);
    auto larger = [](const std::optional<std::int64_t>& now, const std::optional<std::int64_t>& next) {
      return next && (!now || *next > *now);
    };
    increases = increases || larger(r.current.cpuRequestMillis, r.recommended.cpuRequestMillis) ||
                larger(r.current.memoryRequestBytes, r.recommended.memoryRequestBytes) ||
                larger(r.current.memoryLimitBytes, r.recommended.memoryLimitBytes) ||
                larger(r.current.cpuLimitMillis, r.recommended.cpuLimitMillis);
    changes = changes || r.current != r.recommended;
    after.emplace_back(r.container, r.recommended);
    before.emplace_back(r.container, r.current);
  }
  o.document["containers"] = containers;
  const double costBefore =
      rightsize::monthlyCost(cpuBefore * w.replicas, memoryBefore * w.replicas, options.prices);
  const double costAfter =
      rightsize::monthlyCost(cpuAfter * w.replicas, memoryAfter * w.replicas, options.prices);
  o.document["savings"] =
      json::object{{"cpuRequestBefore", rightsize::formatMillicores(cpuBefore * w.replicas)},
                   {"cpuRequestAfter", rightsize::formatMillicores(cpuAfter * w.replicas)},
                   {"memoryRequestBefore", rightsize::formatBytes(memoryBefore * w.replicas)},
                   {"memoryRequestAfter", rightsize::formatBytes(memoryAfter * w.replicas)},
                   {"monthlyCostBefore", costBefore},
                   {"monthlyCostAfter", costAfter},
                   {"monthlySaving", costBefore - costAfter}};
  std::ostringstream rendered;
  table.printText(rendered);
  std::istringstream rows(rendered.str());
  for (std::string row; std::getline(rows, row);)
    o.lines.push_back("  " + row);
  o.lines.push_back("  Why:");
  for (const std::string& line : why)
    o.lines.push_back("    - " + line);
  const std::string savingLine = fmt::format(
      "requests for {} replica{}: CPU {} -> {}, memory {} -> {}; {} -> {} per month ({} {})", w.replicas,
      w.replicas == 1 ? "" : "s", rightsize::formatMillicores(cpuBefore * w.replicas),
      rightsize::formatMillicores(cpuAfter * w.replicas), rightsize::formatBytes(memoryBefore * w.replicas),
      rightsize::formatBytes(memoryAfter * w.replicas), money(costBefore), money(costAfter),
      costBefore >= costAfter ? "saves" : "costs", money(std::abs(costBefore - costAfter)));
  o.lines.push_back("  Savings: " + savingLine);
  if (!changes) {
    o.lines.push_back("  The requests and limits already match the history; nothing to change.");
    return o;
  }

  governance::Proposal p;
  p.target = targetOf(w.live, "apps/v1", "Deployment");
  p.action = std::string(
      model::toString(increases ? model::ActionKind::ResourceIncrease : model::ActionKind::ResourceDecrease));
  p.change = governance::Change{governance::ChangeType::Strategic, resourcesPatch(after)};
  p.rollback = governance::Change{governance::ChangeType::Strategic, resourcesPatch(before)};
  p.before = w.live;
  p.risk = governance::classify(model::Risk::Medium, p.action, p.target, p.change, p.before);
  p.summary = fmt::format("right-size {}: {}", w.display(), savingLine);
  p.rationale = fmt::format(
      "{} of history with no crash or OOM kill{}: requests from p95/p99 and the observed "
      "maximum with margins (docs/rightsizing.md); applied as a rolling update, then "
      "checked for Ready pods and no restarts",
      duration(end - from), shortHistory ? " (short history: low confidence)" : "");
  p.evidence = why;
  o.proposal = std::move(p);
  return o;
}

}  // namespace

std::vector<CLI::App*> add(CLI::App& parent, Options& options) {
  auto* recommend = parent.add_subcommand(
      "recommend",
      "Recommend autoscaling or right-sized resources from metrics history, as proposed operations");
  recommend->require_subcommand(1);
  // The flags every command shares work before the subcommand too ("recommend -n todo scaling"), where the
  // front end moves them when they come before "recommend".
  addCommonFlags(*recommend, options.common);
  auto* scaling = recommend->add_subcommand(
      "scaling", "An autoscaler for a Deployment under sustained high (>= 70%) or low (< 20%) CPU");
  auto* resources = recommend->add_subcommand(
      "resources", "Right-sized requests and limits from at least 7 days of metrics history");
  for (CLI::App* command : {scaling, resources}) {
    command->add_option("target", options.targetText,
                        "deploy/NAME (default: every Deployment of the namespace)");
    command->add_option("--history", options.historyPath,
                        "The metrics history file (default: $AIOPS_HISTORY, else "
                        "~/.local/state/kubectl-aiops/history.db)");
    command->add_option("--price-cpu", options.priceCpuText,
                        "USD per requested core-hour (default: $AIOPS_PRICE_CPU, else 0.031)");
    command->add_option("--price-memory", options.priceMemoryText,
                        "USD per requested GiB-hour (default: $AIOPS_PRICE_MEMORY, else 0.0042)");
    command->add_flag("--no-record", options.noRecord, "Do not record the result nor propose the change");
    addCommonFlags(*command, options.common);
    operations::addGovernanceFlags(*command, options.governance, false);
  }
  scaling->add_option("--window", options.windowText, "How much recent history the load is judged on")
      ->default_str("1h");
  scaling
      ->add_option("--target-cpu", options.targetPercent, "The autoscaler's CPU utilisation target (percent)")
      ->default_str("70");
  scaling
      ->add_option("--headroom", options.headroomPercent,
                   "Percent of each node's allocatable kept free when checking capacity")
      ->default_str("10");
  resources->add_option("--days", options.days, "Days of history required and used")->default_str("7");
  resources->add_flag("--allow-short-history", options.allowShortHistory,
                      "With less history, recommend anyway and mark the result low-confidence");
  scaling->callback([&options] { options.kind = Kind::Scaling; });
  resources->callback([&options] { options.kind = Kind::Resources; });
  const std::string examples =
      "Examples:\n"
      "  # Is the backend's CPU sustained high or low, and what autoscaler would fix it?\n"
      "  kubectl aiops recommend scaling deploy/todo-backend -n todo\n"
      "  # Requests and limits for every Deployment of the namespace, from 7 days of history\n"
      "  kubectl aiops recommend resources -n todo\n\n"
      "Exit status: 0 every workload assessed, 1 one could not be (too little history, a crash or OOM kill "
      "in\n"
      "the window, no CPU request), 2 usage error, 3 cluster or history-store error.";
  scaling->footer(examples);
  resources->footer(examples);
  return {recommend, scaling, resources};
}

void validate(Options& options) {
  validateCommon(options.common);
  if (options.common.output == OutputFormat::Markdown) {
    throw UsageError("invalid output format 'markdown' for recommend; use one of text, json, yaml");
  }
  if (!options.targetText.empty()) {
    const std::string& t = options.targetText;
    const auto slash = t.find('/');
    const std::string kind = slash == std::string::npos ? "" : t.substr(0, slash);
    if (slash != std::string::npos && kind != "deploy" && kind != "deployment" && kind != "deployments" &&
        kind != "deployment.apps" && kind != "deployments.apps") {
      throw UsageError(
          fmt::format("invalid target '{}': recommend works on Deployments; use deploy/NAME", t));
    }
    options.deployment = slash == std::string::npos ? t : t.substr(slash + 1);
    if (options.deployment.empty()) throw UsageError(fmt::format("invalid target '{}': no name", t));
  }
  if (!options.windowText.empty()) {
    const auto window = parseDuration(options.windowText);
    if (!window || window->count() <= 0) {
      throw UsageError(
          fmt::format("invalid --window '{}': use a duration such as 30m or 2h", options.windowText));
    }
    options.windowSeconds = window->count();
  }
  if (options.days < 1) throw UsageError(fmt::format("invalid --days {}: at least 1", options.days));
  if (options.targetPercent < 1 || options.targetPercent > 100) {
    throw UsageError(
        fmt::format("invalid --target-cpu {}: a percentage from 1 to 100", options.targetPercent));
  }
  if (options.headroomPercent < 0 || options.headroomPercent > 90) {
    throw UsageError(
        fmt::format("invalid --headroom {}: a percentage from 0 to 90", options.headroomPercent));
  }
  if (auto p = price(options.priceCpuText, "AIOPS_PRICE_CPU", "price-cpu")) options.prices.perCoreHour = *p;
  if (auto p = price(options.priceMemoryText, "AIOPS_PRICE_MEMORY", "price-memory"))
    options.prices.perGiBHour = *p;
}

int run(const Options& options, kube::Client& client, Streams& streams) {
  const std::string ns = kube::resolveNamespace(options.common.connection, client.transport());
  history::StoreOptions storeOptions;
  storeOptions.path =
      options.historyPath.empty() ? history::defaultStorePath() : std::filesystem::path(options.historyPath);
  storeOptions.readOnly = true;
  std::unique_ptr<history::Store> store;
  try {
    store = history::Store::open(storeOptions);
  } catch (const history::StoreError& e) {
    streams.err << "error: " << e.what() << '\n';
    return kExitCluster;
  }

  // The Deployments, and for scaling the autoscalers, nodes and every pod (their requests hold capacity).
  std::vector<kube::ListRequest> requests{{kube::types::deployments, ns, {}}};
  if (options.kind == Kind::Scaling) {
    requests.push_back({kube::types::horizontalPodAutoscalers, ns, {}});
    requests.push_back({kube::types::nodes, "", {}});
    requests.push_back({kube::types::pods, "", {"", "status.phase!=Succeeded,status.phase!=Failed", 500}});
  }
  const std::vector<kube::Fetched> fetched = client.listAll(requests);
  std::vector<Workload> workloads;
  for (const json::value& d : arrayAt(fetched[0].get(), {"items"})) {
    if (options.deployment.empty() || textAt(d, {"metadata", "name"}) == options.deployment)
      workloads.push_back(workloadOf(d));
  }
  if (!options.deployment.empty() && workloads.empty()) {
    streams.err << fmt::format("error: deployments.apps \"{}\" not found in namespace {}\n",
                               options.deployment, ns);
    return kExitCluster;
  }
  std::vector<rightsize::NodeCapacity> nodes;
  if (options.kind == Kind::Scaling) nodes = capacityOf(fetched[2].get(), fetched[3].get());

  std::vector<Outcome> outcomes;
  for (const Workload& w : workloads) {
    outcomes.push_back(options.kind == Kind::Scaling
                           ? assessScaling(options, w, *store, fetched[1].get(), nodes)
                           : assessResources(options, w, *store));
  }

  // Each change becomes a proposed operation (or points to the identical one already waiting).
  const bool anyProposal =
      std::any_of(outcomes.begin(), outcomes.end(), [](const Outcome& o) { return o.proposal.has_value(); });
  if (!options.noRecord && anyProposal) {
    try {
      governance::JournalOptions journalOptions = operations::journalOptions(options.governance, true);
      journalOptions.now = [now = options.now] { return now; };
      governance::Journal journal(journalOptions);
      const governance::Identity actor = execute::whoAmI(client);
      for (Outcome& o : outcomes) {
        if (!o.proposal) continue;
        o.proposal->text.command = options.commandLine;
        const operations::Proposed proposed = operations::proposeOnce(journal, *o.proposal, actor);
        for (const auto& w : proposed.warnings)
          streams.err << "warning: " << w << '\n';
        o.operationId = proposed.operationId;
        o.existing = proposed.existing;
        o.document["operationId"] = proposed.operationId;
        o.document["risk"] = model::toString(o.proposal->risk);
      }
    } catch (const std::exception& e) {  // the recommendation stands without its record
      streams.err << "warning: the recommendation was not recorded in the PHR journal: " << e.what() << '\n';
    }
  }

  json::array documents;
  for (const Outcome& o : outcomes)
    documents.push_back(o.document);
  const json::object document{
      {"kind", options.kind == Kind::Scaling ? "ScalingRecommendations" : "ResourceRecommendations"},
      {"namespace", ns},
      {"items", documents}};
  switch (options.common.output) {
    case OutputFormat::Json:
      streams.out << toPrettyJson(document);
      break;
    case OutputFormat::Yaml:
      streams.out << toYaml(document);
      break;
    default:
      if (outcomes.empty()) streams.out << fmt::format("No Deployments in namespace {}.\n", ns);
      for (const Outcome& o : outcomes) {
        for (const std::string& line : o.lines)
          streams.out << line << '\n';
        if (!o.operationId.empty()) {
          streams.out << fmt::format(
              "  {} as {} ({} risk): approve with `kubectl aiops approve {} --reason ...`\n",
              o.existing ? "Already proposed" : "Proposed", o.operationId, model::toString(o.proposal->risk),
              o.operationId);
        }
        streams.out << '\n';
      }
  }
  const bool allAssessed =
      std::all_of(outcomes.begin(), outcomes.end(), [](const Outcome& o) { return o.assessed; });
  return allAssessed ? kExitOk : kExitProblems;
}

}  // namespace aiops::plugin::recommend

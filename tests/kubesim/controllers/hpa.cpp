// The HPA controller's reconcile and replica calculator (see hpa.h).
#include "hpa.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <set>

#include "resource_quantity.h"

namespace kubesim::controllers {

namespace {

using std::chrono::seconds;

// A replica proposal or the error upstream would return; error non-empty means failure.
struct Calc {
  std::string error;
  std::int32_t replicas = 0;
  std::int32_t utilization = 0;  // percentage, for Utilization targets
  std::int64_t usage = 0;        // milli-value average or total, as upstream reports it in the status
};

Calc failure(std::string message) {
  Calc calc;
  calc.error = std::move(message);
  return calc;
}

std::int32_t ceilToInt32(double value) {
  double c = std::ceil(value);
  if (c >= static_cast<double>(std::numeric_limits<std::int32_t>::max()))
    return std::numeric_limits<std::int32_t>::max();
  if (c <= static_cast<double>(std::numeric_limits<std::int32_t>::min()))
    return std::numeric_limits<std::int32_t>::min();
  return static_cast<std::int32_t>(c);
}

bool podReady(const json::object& pod) {
  const json::object* condition = findCondition(pod, "Ready");
  return condition != nullptr && stringAt(*condition, {"status"}) == "True";
}

struct Groups {
  int readyCount = 0;
  std::set<std::string> unready;
  std::set<std::string> missing;
  std::set<std::string> ignored;
};

// groupPods: which pods count, which are unready, which have no sample.
Groups groupPods(const std::vector<json::object>& pods, const PodMetrics& metrics, bool cpu, TimePoint now,
                 const HpaOptions& options) {
  Groups groups;
  for (const json::object& pod : pods) {
    std::string name = stringAt(pod, {"metadata", "name"});
    std::string phase = stringAt(pod, {"status", "phase"});
    if (has(pod, {"metadata", "deletionTimestamp"}) || phase == "Failed") {
      groups.ignored.insert(name);
      continue;
    }
    if (phase == "Pending") {
      groups.unready.insert(name);
      continue;
    }
    auto metric = metrics.find(name);
    if (metric == metrics.end()) {
      groups.missing.insert(name);
      continue;
    }
    if (cpu) {
      bool unready = false;
      const json::object* condition = findCondition(pod, "Ready");
      std::optional<TimePoint> started = timeAt(pod, {"status", "startTime"});
      if (condition == nullptr || !started) {
        unready = true;
      } else {
        TimePoint transition = timeAt(*condition, {"lastTransitionTime"}).value_or(TimePoint{});
        bool conditionFalse = stringAt(*condition, {"status"}) == "False";
        if (*started + options.cpuInitializationPeriod > now) {
          // Still initializing: ignore unready pods and samples taken before a full window of readiness.
          unready = conditionFalse || metric->second.timestamp < transition + metric->second.window;
        } else {
          // Ignore pods that are unready and never became ready after starting.
          unready = conditionFalse && *started + options.initialReadinessDelay > transition;
        }
      }
      if (unready) {
        groups.unready.insert(name);
        continue;
      }
    }
    ++groups.readyCount;
  }
  return groups;
}

void removeAll(PodMetrics& metrics, const std::set<std::string>& names) {
  for (const std::string& name : names)
    metrics.erase(name);
}

// calculatePodRequests: the summed requests of the containers the metric covers (regular and sidecars).
std::optional<std::string> podRequests(const std::vector<json::object>& pods, std::string_view container,
                                       std::string_view resource, std::map<std::string, std::int64_t>& out) {
  for (const json::object& pod : pods) {
    std::int64_t sum = 0;
    std::vector<const json::object*> containers;
    if (const json::array* list = findArray(pod, {"spec", "containers"})) {
      for (const json::value& item : *list) {
        if (const json::object* c = item.if_object()) containers.push_back(c);
      }
    }
    if (const json::array* list = findArray(pod, {"spec", "initContainers"})) {
      for (const json::value& item : *list) {
        const json::object* c = item.if_object();
        if (c != nullptr && stringAt(*c, {"restartPolicy"}) == "Always") containers.push_back(c);
      }
    }
    for (const json::object* c : containers) {
      std::string name = stringAt(*c, {"name"});
      if (!container.empty() && container != name) continue;
      const json::value* request = find(*c, {"resources", "requests", resource});
      std::optional<std::int64_t> milli;
      if (request != nullptr && request->is_string()) milli = parseQuantityMilli(request->get_string());
      if (!milli) {
        return fmt::format("missing request for {} in container {} of Pod {}", resource, name,
                           stringAt(pod, {"metadata", "name"}));
      }
      sum += *milli;
    }
    out[stringAt(pod, {"metadata", "name"})] = sum;
  }
  return std::nullopt;
}

struct Utilization {
  std::string error;
  double ratio = 0;
  std::int32_t utilization = 0;
  std::int64_t rawAverage = 0;
};

// GetResourceUtilizationRatio: integer percentage of summed usage over summed requests.
Utilization utilizationRatio(const PodMetrics& metrics, const std::map<std::string, std::int64_t>& requests,
                             std::int32_t target) {
  std::int64_t metricsTotal = 0;
  std::int64_t requestsTotal = 0;
  std::int64_t entries = 0;
  for (const auto& [name, metric] : metrics) {
    auto request = requests.find(name);
    if (request == requests.end()) continue;  // extraneous metric
    metricsTotal += metric.milliValue;
    requestsTotal += request->second;
    ++entries;
  }
  Utilization result;
  if (requestsTotal == 0) {
    result.error = "no metrics returned matched known pods";
    return result;
  }
  result.utilization = static_cast<std::int32_t>(metricsTotal * 100 / requestsTotal);
  result.ratio = static_cast<double>(result.utilization) / static_cast<double>(target);
  result.rawAverage = metricsTotal / entries;
  return result;
}

class Calculator {
 public:
  Calculator(const HpaInput& input, const HpaOptions& options) : in_(input), options_(options) {}

  // GetResourceReplicas (Utilization target).
  Calc resourceUtilization(std::int32_t current, std::int32_t target, const std::string& resource,
                           const std::string& container) {
    const PodMetrics* source = resourceMetrics(resource, container);
    if (source == nullptr) {
      return failure(fmt::format(
          "unable to get metrics for resource {}: no metrics returned from resource metrics API", resource));
    }
    if (in_.pods.empty()) return failure("no pods returned by selector while calculating replica count");
    PodMetrics metrics = *source;
    Groups groups = groupPods(in_.pods, metrics, resource == "cpu", in_.now, options_);
    removeAll(metrics, groups.ignored);
    removeAll(metrics, groups.unready);
    if (metrics.empty()) return failure("did not receive metrics for targeted pods (pods might be unready)");
    std::map<std::string, std::int64_t> requests;
    if (auto error = podRequests(in_.pods, container, resource, requests)) return failure(*error);
    Utilization usage = utilizationRatio(metrics, requests, target);
    if (!usage.error.empty()) return failure(usage.error);

    Calc calc;
    calc.utilization = usage.utilization;
    calc.usage = usage.rawAverage;
    bool scaleUpWithUnready = !groups.unready.empty() && usage.ratio > 1.0;
    if (!scaleUpWithUnready && groups.missing.empty()) {
      calc.replicas = withinTolerance(usage.ratio)
                          ? current
                          : ceilToInt32(usage.ratio * static_cast<double>(groups.readyCount));
      return calc;
    }
    if (!groups.missing.empty()) {
      if (usage.ratio < 1.0) {
        // On a scale-down, missing pods count as using their full request (or the target, when above 100%).
        std::int64_t fallback = std::max<std::int64_t>(100, target);
        for (const std::string& name : groups.missing)
          metrics[name].milliValue = requests[name] * fallback / 100;
      } else if (usage.ratio > 1.0) {
        for (const std::string& name : groups.missing)
          metrics[name].milliValue = 0;
      }
    }
    if (scaleUpWithUnready) {
      for (const std::string& name : groups.unready)
        metrics[name].milliValue = 0;
    }
    Utilization adjusted = utilizationRatio(metrics, requests, target);
    if (!adjusted.error.empty()) return failure(adjusted.error);
    calc.replicas = settle(current, usage.ratio, adjusted.ratio, metrics.size());
    return calc;
  }

  // calcPlainMetricReplicas: AverageValue of a resource, or a Pods metric (resource empty: no cpu readiness).
  Calc plainMetric(const PodMetrics& source, std::int32_t current, std::int64_t target,
                   const std::string& resource) {
    if (in_.pods.empty()) return failure("no pods returned by selector while calculating replica count");
    PodMetrics metrics = source;
    Groups groups = groupPods(in_.pods, metrics, resource == "cpu", in_.now, options_);
    removeAll(metrics, groups.ignored);
    removeAll(metrics, groups.unready);
    if (metrics.empty()) return failure("did not receive metrics for targeted pods (pods might be unready)");
    auto [ratio, average] = averageRatio(metrics, target);
    Calc calc;
    calc.usage = average;
    bool scaleUpWithUnready = !groups.unready.empty() && ratio > 1.0;
    if (!scaleUpWithUnready && groups.missing.empty()) {
      calc.replicas =
          withinTolerance(ratio) ? current : ceilToInt32(ratio * static_cast<double>(groups.readyCount));
      return calc;
    }
    if (!groups.missing.empty()) {
      // On a scale-down missing pods count as exactly the target, on a scale-up as zero.
      for (const std::string& name : groups.missing)
        metrics[name].milliValue = ratio < 1.0 ? target : 0;
    }
    if (scaleUpWithUnready) {
      for (const std::string& name : groups.unready)
        metrics[name].milliValue = 0;
    }
    double adjusted = averageRatio(metrics, target).first;
    calc.replicas = settle(current, ratio, adjusted, metrics.size());
    return calc;
  }

  // getUsageRatioReplicaCount: Object and External Value targets.
  Calc usageRatioReplicas(std::int32_t current, double ratio) {
    Calc calc;
    if (current == 0) {
      calc.replicas = ceilToInt32(ratio);
      return calc;
    }
    if (withinTolerance(ratio)) {
      calc.replicas = current;
      return calc;
    }
    if (in_.pods.empty()) return failure("no pods returned by selector while calculating replica count");
    int ready = 0;
    for (const json::object& pod : in_.pods) {
      if (stringAt(pod, {"status", "phase"}) == "Running" && podReady(pod)) ++ready;
    }
    calc.replicas = ceilToInt32(ratio * ready);
    return calc;
  }

  // GetObjectPerPodMetricReplicas / GetExternalPerPodMetricReplicas: AverageValue of a total.
  Calc perPodReplicas(std::int32_t statusReplicas, std::int64_t total, std::int64_t targetAverage) {
    Calc calc;
    calc.replicas = statusReplicas;
    double ratio = static_cast<double>(total) / (static_cast<double>(targetAverage) * statusReplicas);
    if (!withinTolerance(ratio)) {
      calc.replicas = ceilToInt32(static_cast<double>(total) / static_cast<double>(targetAverage));
    }
    calc.usage = statusReplicas == 0
                     ? total
                     : static_cast<std::int64_t>(std::ceil(static_cast<double>(total) / statusReplicas));
    return calc;
  }

  const PodMetrics* resourceMetrics(const std::string& resource, const std::string& container) const {
    const auto& map = container.empty() ? in_.metrics.resource : in_.metrics.containerResource;
    auto it = map.find(container.empty() ? resource : resource + "/" + container);
    if (it == map.end() || it->second.empty()) return nullptr;
    return &it->second;
  }

 private:
  bool withinTolerance(double ratio) const { return std::fabs(1.0 - ratio) <= options_.tolerance; }

  static std::pair<double, std::int64_t> averageRatio(const PodMetrics& metrics, std::int64_t target) {
    std::int64_t total = 0;
    for (const auto& entry : metrics)
      total += entry.second.milliValue;
    std::int64_t average = total / static_cast<std::int64_t>(metrics.size());
    return {static_cast<double>(average) / static_cast<double>(target), average};
  }

  // The re-run with assumed values: keep the current count when inside tolerance or when the assumptions flip
  // the direction of the change.
  std::int32_t settle(std::int32_t current, double ratio, double adjusted, std::size_t count) const {
    if (withinTolerance(adjusted) || (ratio < 1.0 && adjusted > 1.0) || (ratio > 1.0 && adjusted < 1.0)) {
      return current;
    }
    std::int32_t proposal = ceilToInt32(adjusted * static_cast<double>(count));
    if ((adjusted < 1.0 && proposal > current) || (adjusted > 1.0 && proposal < current)) return current;
    return proposal;
  }

  const HpaInput& in_;
  const HpaOptions& options_;
};

// A MetricTarget: type and the value parsed to milli-units / percent.
struct Target {
  std::string type;
  std::optional<std::int32_t> averageUtilization;
  std::optional<std::int64_t> averageValue;
  std::optional<std::int64_t> value;
};

std::optional<std::int64_t> quantityAt(const json::object& object, std::string_view key) {
  const json::value* v = find(object, {key});
  if (v == nullptr) return std::nullopt;
  if (v->is_string()) return parseQuantityMilli(v->get_string());
  if (v->is_int64()) return v->get_int64() * 1000;
  if (v->is_double()) return static_cast<std::int64_t>(std::ceil(v->get_double() * 1000));
  return std::nullopt;
}

Target targetOf(const json::object* target) {
  Target t;
  if (target == nullptr) return t;
  t.type = stringAt(*target, {"type"});
  if (has(*target, {"averageUtilization"})) {
    t.averageUtilization = static_cast<std::int32_t>(intAt(*target, {"averageUtilization"}));
  }
  t.averageValue = quantityAt(*target, "averageValue");
  t.value = quantityAt(*target, "value");
  return t;
}

// A metric's outcome: a proposal with its status entry, or a failure with its condition and events.
struct MetricOutcome {
  bool ok = false;
  std::int32_t replicas = 0;
  std::string name;     // metric name for "… above target" and ValidMetricFound
  json::object status;  // MetricStatus; {"type": ""} on failure, as upstream leaves a zero value
  std::string conditionReason;
  std::string conditionError;  // the error the condition message and the Failed*Metric event carry
  std::string error;           // the wrapped error computeReplicasForMetrics returns
};

std::string selectorText(const json::object& metric) {
  const json::value* selector = find(metric, {"selector"});
  if (selector == nullptr || selector->is_null()) return "<nil>";
  return canonicalJson(*selector);
}

json::object metricIdentifier(const json::object& metric) {
  json::object id{{"name", stringAt(metric, {"name"})}};
  if (const json::value* selector = find(metric, {"selector"}); selector != nullptr && !selector->is_null()) {
    id["selector"] = *selector;
  }
  return id;
}

json::object valueStatus(std::optional<std::int32_t> utilization, std::optional<std::int64_t> average,
                         std::optional<std::int64_t> value) {
  json::object current;
  if (utilization) current["averageUtilization"] = *utilization;
  if (average) current["averageValue"] = formatMilliDecimalSI(*average);
  if (value) current["value"] = formatMilliDecimalSI(*value);
  return current;
}

MetricOutcome failed(std::string reason, std::string conditionError, std::string wrapped) {
  MetricOutcome outcome;
  outcome.status = json::object{{"type", ""}};
  outcome.conditionReason = std::move(reason);
  outcome.conditionError = std::move(conditionError);
  outcome.error = std::move(wrapped);
  return outcome;
}

MetricOutcome computeMetric(Calculator& calc, const HpaInput& in, const json::object& spec) {
  std::string type = stringAt(spec, {"type"});
  std::string ns = stringAt(in.hpa, {"metadata", "namespace"});
  if (type == "Resource" || type == "ContainerResource") {
    bool perContainer = type == "ContainerResource";
    const json::object* source = findObject(spec, {perContainer ? "containerResource" : "resource"});
    json::object empty;
    if (source == nullptr) source = &empty;
    std::string resource = stringAt(*source, {"name"});
    std::string container = perContainer ? stringAt(*source, {"container"}) : "";
    Target target = targetOf(findObject(*source, {"target"}));
    std::string reason = perContainer ? "FailedGetContainerResourceMetric" : "FailedGetResourceMetric";
    auto wrap = [&](const std::string& inner) {
      return perContainer ? fmt::format("failed to get {} container metric value: {}", container, inner)
                          : fmt::format("failed to get {} resource metric value: {}", resource, inner);
    };
    MetricOutcome outcome;
    json::object current;
    if (target.averageValue) {
      Calc result;
      if (const PodMetrics* metrics = calc.resourceMetrics(resource, container)) {
        result = calc.plainMetric(*metrics, in.specReplicas, *target.averageValue, resource);
      } else {
        result = failure(fmt::format(
            "unable to get metrics for resource {}: no metrics returned from resource metrics API",
            resource));
      }
      if (!result.error.empty()) {
        std::string inner = fmt::format("failed to get {} usage: {}", resource, result.error);
        return failed(reason, inner, wrap(inner));
      }
      outcome.replicas = result.replicas;
      outcome.name = fmt::format("{} resource", resource);
      current = valueStatus(std::nullopt, result.usage, std::nullopt);
    } else if (target.averageUtilization) {
      Calc result =
          calc.resourceUtilization(in.specReplicas, *target.averageUtilization, resource, container);
      if (!result.error.empty()) {
        std::string inner = fmt::format("failed to get {} utilization: {}", resource, result.error);
        return failed(reason, inner, wrap(inner));
      }
      outcome.replicas = result.replicas;
      outcome.name = perContainer
                         ? fmt::format("{} container resource utilization (percentage of request)", resource)
                         : fmt::format("{} resource utilization (percentage of request)", resource);
      current = valueStatus(result.utilization, result.usage, std::nullopt);
    } else {
      std::string inner =
          "invalid resource metric source: neither an average utilization target nor an average value "
          "(usage) "
          "target was set";
      return failed(reason, inner, wrap(inner));
    }
    outcome.ok = true;
    json::object body{{"name", resource}};
    if (perContainer) body["container"] = container;
    body["current"] = current;
    outcome.status = json::object{{"type", type}, {perContainer ? "containerResource" : "resource", body}};
    return outcome;
  }
  if (type == "Pods") {
    const json::object* source = findObject(spec, {"pods"});
    json::object empty;
    if (source == nullptr) source = &empty;
    const json::object* metric = findObject(*source, {"metric"});
    if (metric == nullptr) metric = &empty;
    std::string name = stringAt(*metric, {"name"});
    Target target = targetOf(findObject(*source, {"target"}));
    Calc result;
    auto found = in.metrics.pods.find(name);
    if (found == in.metrics.pods.end()) {
      result =
          failure(fmt::format("unable to get metric {}: unable to fetch metrics from custom metrics API: the "
                              "server could not find the "
                              "metric {} for pods",
                              name, name));
    } else if (found->second.empty()) {
      result =
          failure(fmt::format("unable to get metric {}: no metrics returned from custom metrics API", name));
    } else {
      result = calc.plainMetric(found->second, in.specReplicas, target.averageValue.value_or(0), "");
    }
    if (!result.error.empty()) {
      return failed("FailedGetPodsMetric", result.error,
                    fmt::format("failed to get pods metric value: {}", result.error));
    }
    MetricOutcome outcome;
    outcome.ok = true;
    outcome.replicas = result.replicas;
    outcome.name = fmt::format("pods metric {}", name);
    outcome.status = json::object{
        {"type", "Pods"},
        {"pods", json::object{{"metric", metricIdentifier(*metric)},
                              {"current", valueStatus(std::nullopt, result.usage, std::nullopt)}}}};
    return outcome;
  }
  if (type == "Object") {
    const json::object* source = findObject(spec, {"object"});
    json::object empty;
    if (source == nullptr) source = &empty;
    const json::object* metric = findObject(*source, {"metric"});
    if (metric == nullptr) metric = &empty;
    const json::object* described = findObject(*source, {"describedObject"});
    if (described == nullptr) described = &empty;
    std::string name = stringAt(*metric, {"name"});
    std::string kind = stringAt(*described, {"kind"});
    std::string objectName = stringAt(*described, {"name"});
    Target target = targetOf(findObject(*source, {"target"}));
    auto found = in.metrics.object.find(kind + "/" + objectName + "/" + name);
    // Upstream's message passes its arguments in a shifted order; kept as is.
    std::string fetchError = fmt::format(
        "unable to get metric {}: {} on {} {}/unable to fetch metrics from custom metrics API: the server "
        "could not "
        "find the metric {} for {} {}",
        name, kind, ns, objectName, name, kind, objectName);
    MetricOutcome outcome;
    if (target.type == "Value" || (target.type.empty() && target.value)) {
      if (found == in.metrics.object.end()) {
        return failed("FailedGetObjectMetric", fetchError,
                      fmt::format("failed to get object metric value: {}", fetchError));
      }
      double ratio = static_cast<double>(found->second) / static_cast<double>(target.value.value_or(1));
      Calc result = calc.usageRatioReplicas(in.specReplicas, ratio);
      if (!result.error.empty()) {
        return failed("FailedGetObjectMetric", result.error,
                      fmt::format("failed to get object metric value: {}", result.error));
      }
      outcome.replicas = result.replicas;
      outcome.name = fmt::format("{} metric {}", kind, name);
      outcome.status = json::object{
          {"type", "Object"},
          {"object", json::object{{"describedObject", *described},
                                  {"metric", metricIdentifier(*metric)},
                                  {"current", valueStatus(std::nullopt, std::nullopt, found->second)}}}};
    } else if (target.type == "AverageValue" || target.averageValue) {
      if (found == in.metrics.object.end()) {
        std::string inner = fmt::format("failed to get {} object metric: {}", name, fetchError);
        return failed("FailedGetObjectMetric", fetchError,
                      fmt::format("failed to get object metric value: {}", inner));
      }
      Calc result = calc.perPodReplicas(in.statusReplicas, found->second, target.averageValue.value_or(1));
      outcome.replicas = result.replicas;
      outcome.name = fmt::format("external metric {}({})", name, selectorText(*metric));
      outcome.status = json::object{
          {"type", "Object"},
          {"object", json::object{{"describedObject", *described},
                                  {"metric", metricIdentifier(*metric)},
                                  {"current", valueStatus(std::nullopt, result.usage, std::nullopt)}}}};
    } else {
      std::string inner =
          "invalid object metric source: neither a value target nor an average value target was set";
      return failed("FailedGetObjectMetric", inner,
                    fmt::format("failed to get object metric value: {}", inner));
    }
    outcome.ok = true;
    return outcome;
  }
  if (type == "External") {
    const json::object* source = findObject(spec, {"external"});
    json::object empty;
    if (source == nullptr) source = &empty;
    const json::object* metric = findObject(*source, {"metric"});
    if (metric == nullptr) metric = &empty;
    std::string name = stringAt(*metric, {"name"});
    Target target = targetOf(findObject(*source, {"target"}));
    auto found = in.metrics.external.find(name);
    std::string fetchError = fmt::format(
        "unable to get external metric {}/{}/: unable to fetch metrics from external metrics API: the server "
        "could "
        "not find the requested resource",
        ns, name);
    std::string wrappedPrefix = fmt::format("failed to get {} external metric value: ", name);
    MetricOutcome outcome;
    if (target.averageValue) {
      if (found == in.metrics.external.end()) {
        std::string inner = fmt::format("failed to get {} external metric: {}", name, fetchError);
        return failed("FailedGetExternalMetric", fetchError, wrappedPrefix + inner);
      }
      Calc result = calc.perPodReplicas(in.statusReplicas, found->second, *target.averageValue);
      outcome.replicas = result.replicas;
      outcome.status = json::object{
          {"type", "External"},
          {"external", json::object{{"metric", metricIdentifier(*metric)},
                                    {"current", valueStatus(std::nullopt, result.usage, std::nullopt)}}}};
    } else if (target.value) {
      if (found == in.metrics.external.end()) {
        std::string inner = fmt::format("failed to get external metric {}: {}", name, fetchError);
        return failed("FailedGetExternalMetric", fetchError, wrappedPrefix + inner);
      }
      Calc result = calc.usageRatioReplicas(
          in.specReplicas, static_cast<double>(found->second) / static_cast<double>(*target.value));
      if (!result.error.empty()) {
        std::string inner = fmt::format("failed to get external metric {}: {}", name, result.error);
        return failed("FailedGetExternalMetric", result.error, wrappedPrefix + inner);
      }
      outcome.replicas = result.replicas;
      outcome.status = json::object{
          {"type", "External"},
          {"external", json::object{{"metric", metricIdentifier(*metric)},
                                    {"current", valueStatus(std::nullopt, std::nullopt, found->second)}}}};
    } else {
      std::string inner =
          "invalid external metric source: neither a value target nor an average value target was set";
      return failed("FailedGetExternalMetric", inner, wrappedPrefix + inner);
    }
    outcome.ok = true;
    outcome.name = fmt::format("external metric {}({})", name, selectorText(*metric));
    return outcome;
  }
  std::string error = fmt::format("unknown metric source type \"{}\"", type);
  return failed("InvalidMetricSourceType", error, error);
}

// setConditionInList: update in place (keeping order), move lastTransitionTime only on a status change.
void setCondition(json::array& conditions, std::string_view type, std::string_view status,
                  std::string_view reason, const std::string& message, TimePoint now) {
  json::object* existing = nullptr;
  for (json::value& item : conditions) {
    if (json::object* condition = item.if_object();
        condition != nullptr && stringAt(*condition, {"type"}) == type) {
      existing = condition;
      break;
    }
  }
  if (existing == nullptr) {
    conditions.push_back(json::object{{"type", type}});
    existing = &conditions.back().as_object();
  }
  if (stringAt(*existing, {"status"}) != status) (*existing)["lastTransitionTime"] = formatTime(now);
  (*existing)["status"] = status;
  (*existing)["reason"] = reason;
  (*existing)["message"] = message;
}

struct Rules {
  std::int32_t stabilizationSeconds = 0;
  std::string selectPolicy = "Max";
  struct Policy {
    std::string type;
    std::int32_t value;
    std::int32_t periodSeconds;
  };
  std::vector<Policy> policies;
};

// The API server's behavior defaulting plus the controller's scale-down window for a nil stabilization.
Rules rulesOf(const json::object* rules, bool up, const HpaOptions& options) {
  Rules result;
  result.stabilizationSeconds = up ? 0 : static_cast<std::int32_t>(options.downscaleStabilization.count());
  if (up) {
    result.policies = {{"Pods", 4, 15}, {"Percent", 100, 15}};
  } else {
    result.policies = {{"Percent", 100, 15}};
  }
  if (rules == nullptr) return result;
  if (has(*rules, {"stabilizationWindowSeconds"})) {
    result.stabilizationSeconds = static_cast<std::int32_t>(intAt(*rules, {"stabilizationWindowSeconds"}));
  }
  if (has(*rules, {"selectPolicy"})) result.selectPolicy = stringAt(*rules, {"selectPolicy"});
  if (const json::array* policies = findArray(*rules, {"policies"})) {
    result.policies.clear();
    for (const json::value& item : *policies) {
      const json::object* policy = item.if_object();
      if (policy == nullptr) continue;
      result.policies.push_back({stringAt(*policy, {"type"}),
                                 static_cast<std::int32_t>(intAt(*policy, {"value"})),
                                 static_cast<std::int32_t>(intAt(*policy, {"periodSeconds"}))});
    }
  }
  return result;
}

std::int32_t changeInPeriod(std::int32_t periodSeconds, const std::vector<HpaHistory::ScaleEvent>& events,
                            TimePoint now) {
  TimePoint cutoff = now - seconds(periodSeconds);
  std::int32_t total = 0;
  for (const auto& event : events) {
    if (event.at > cutoff) total += event.change;
  }
  return total;
}

std::int32_t scaleUpLimit(std::int32_t current, const HpaHistory& history, const Rules& rules,
                          TimePoint now) {
  if (rules.selectPolicy == "Disabled") return current;
  bool minimize = rules.selectPolicy == "Min";
  std::int32_t result =
      minimize ? std::numeric_limits<std::int32_t>::max() : std::numeric_limits<std::int32_t>::min();
  for (const Rules::Policy& policy : rules.policies) {
    std::int32_t periodStart = current - changeInPeriod(policy.periodSeconds, history.scaleUpEvents, now) +
                               changeInPeriod(policy.periodSeconds, history.scaleDownEvents, now);
    std::int32_t proposed = 0;
    if (policy.type == "Pods") {
      proposed = periodStart + policy.value;
    } else if (policy.type == "Percent") {
      proposed =
          ceilToInt32(static_cast<double>(periodStart) * (1 + static_cast<double>(policy.value) / 100));
    }
    result = minimize ? std::min(result, proposed) : std::max(result, proposed);
  }
  return result;
}

std::int32_t scaleDownLimit(std::int32_t current, const HpaHistory& history, const Rules& rules,
                            TimePoint now) {
  if (rules.selectPolicy == "Disabled") return current;
  bool minimize = rules.selectPolicy == "Min";
  std::int32_t result =
      minimize ? std::numeric_limits<std::int32_t>::min() : std::numeric_limits<std::int32_t>::max();
  for (const Rules::Policy& policy : rules.policies) {
    std::int32_t periodStart = current - changeInPeriod(policy.periodSeconds, history.scaleUpEvents, now) +
                               changeInPeriod(policy.periodSeconds, history.scaleDownEvents, now);
    std::int32_t proposed = 0;
    if (policy.type == "Pods") {
      proposed = periodStart - policy.value;
    } else if (policy.type == "Percent") {
      proposed = static_cast<std::int32_t>(static_cast<double>(periodStart) *
                                           (1 - static_cast<double>(policy.value) / 100));
    }
    result = minimize ? std::max(result, proposed) : std::min(result, proposed);
  }
  return result;
}

std::int32_t longestPeriod(const Rules& rules) {
  std::int32_t longest = 0;
  for (const Rules::Policy& policy : rules.policies)
    longest = std::max(longest, policy.periodSeconds);
  return longest;
}

void prune(std::vector<HpaHistory::ScaleEvent>& events, std::int32_t periodSeconds, TimePoint now) {
  std::erase_if(events,
                [&](const HpaHistory::ScaleEvent& e) { return e.at <= now - seconds(periodSeconds); });
}

}  // namespace

HpaResult reconcileHpa(const HpaInput& input, HpaHistory& history, const HpaOptions& options) {
  HpaResult result;
  const json::object& hpa = input.hpa;
  TimePoint now = input.now;
  json::array conditions;
  if (const json::array* existing = findArray(hpa, {"status", "conditions"})) conditions = *existing;
  setCondition(conditions, "AbleToScale", "True", "SucceededGetScale",
               "the HPA controller was able to get the target's current scale", now);

  std::int32_t currentReplicas = input.specReplicas;
  if (!history.initialized) {
    history.recommendations.push_back({currentReplicas, now});
    history.initialized = true;
  }
  std::int32_t minReplicas = static_cast<std::int32_t>(intAt(hpa, {"spec", "minReplicas"}, 1));
  std::int32_t maxReplicas = static_cast<std::int32_t>(intAt(hpa, {"spec", "maxReplicas"}, 0));
  const json::object* behavior = findObject(hpa, {"spec", "behavior"});

  json::array metricSpecs;
  if (const json::array* specs = findArray(hpa, {"spec", "metrics"}); specs != nullptr && !specs->empty()) {
    metricSpecs = *specs;
  } else {
    // The API server defaults an HPA without metrics to 80% cpu utilization.
    metricSpecs.push_back(json::parse(
        R"({"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}})"));
  }

  std::int32_t desiredReplicas = 0;
  std::string rescaleReason;
  bool rescale = true;
  std::optional<json::array> metricStatuses;

  auto finishStatus = [&](std::int32_t desired, bool scaled) {
    json::object status;
    if (scaled) {
      status["lastScaleTime"] = formatTime(now);
    } else if (const json::value* last = find(hpa, {"status", "lastScaleTime"});
               last != nullptr && !last->is_null()) {
      status["lastScaleTime"] = *last;
    }
    if (currentReplicas != 0) status["currentReplicas"] = currentReplicas;
    status["desiredReplicas"] = desired;
    if (metricStatuses && !metricStatuses->empty()) status["currentMetrics"] = *metricStatuses;
    status["conditions"] = conditions;
    result.status = std::move(status);
  };

  if (currentReplicas == 0 && minReplicas != 0) {
    desiredReplicas = 0;
    rescale = false;
    setCondition(conditions, "ScalingActive", "False", "ScalingDisabled",
                 "scaling is disabled since the replica count of the target is zero", now);
  } else if (currentReplicas > maxReplicas) {
    rescaleReason = "Current number of replicas above Spec.MaxReplicas";
    desiredReplicas = maxReplicas;
  } else if (currentReplicas < minReplicas) {
    rescaleReason = "Current number of replicas below Spec.MinReplicas";
    desiredReplicas = minReplicas;
  } else {
    Calculator calc(input, options);
    metricStatuses = json::array{};
    std::int32_t metricDesired = 0;
    std::string metricName;
    int invalid = 0;
    const MetricOutcome* firstFailure = nullptr;
    std::vector<MetricOutcome> outcomes;
    outcomes.reserve(metricSpecs.size());
    for (const json::value& item : metricSpecs) {
      json::object empty;
      const json::object* spec = item.if_object();
      outcomes.push_back(computeMetric(calc, input, spec != nullptr ? *spec : empty));
      const MetricOutcome& outcome = outcomes.back();
      metricStatuses->push_back(outcome.status);
      if (!outcome.ok) {
        // getUnableComputeReplicaCountCondition records the event for every failing metric.
        result.events.push_back(Event{"Warning", outcome.conditionReason, outcome.conditionError});
        if (invalid == 0) firstFailure = &outcome;
        ++invalid;
        continue;
      }
      if (metricDesired == 0 || outcome.replicas > metricDesired) {
        metricDesired = outcome.replicas;
        metricName = outcome.name;
      }
    }
    int total = static_cast<int>(metricSpecs.size());
    if (invalid >= total || (invalid > 0 && metricDesired < currentReplicas)) {
      setCondition(conditions, "ScalingActive", "False", firstFailure->conditionReason,
                   "the HPA was unable to compute the replica count: " + firstFailure->conditionError, now);
      std::string error = fmt::format("invalid metrics ({} invalid out of {}), first error is: {}", invalid,
                                      total, firstFailure->error);
      result.events.push_back(Event{"Warning", "FailedComputeMetricsReplicas", error});
      // setCurrentReplicasAndMetricsInStatus keeps the previous desiredReplicas.
      finishStatus(static_cast<std::int32_t>(intAt(hpa, {"status", "desiredReplicas"}, 0)), false);
      result.desiredReplicas = currentReplicas;
      return result;
    }
    setCondition(conditions, "ScalingActive", "True", "ValidMetricFound",
                 "the HPA was able to successfully calculate a replica count from " + metricName, now);

    std::string rescaleMetric;
    if (metricDesired > desiredReplicas) {
      desiredReplicas = metricDesired;
      rescaleMetric = metricName;
    }
    if (desiredReplicas > currentReplicas) rescaleReason = rescaleMetric + " above target";
    if (desiredReplicas < currentReplicas) rescaleReason = "All metrics below target";

    std::int32_t prenormalized = desiredReplicas;
    if (behavior == nullptr) {
      // stabilizeRecommendation: the highest recommendation inside the downscale window.
      TimePoint cutoff = now - options.downscaleStabilization;
      std::int32_t stabilized = prenormalized;
      for (const auto& rec : history.recommendations) {
        if (rec.at >= cutoff) stabilized = std::max(stabilized, rec.replicas);
      }
      std::erase_if(history.recommendations, [&](const auto& rec) { return rec.at < cutoff; });
      history.recommendations.push_back({prenormalized, now});
      if (stabilized != prenormalized) {
        setCondition(
            conditions, "AbleToScale", "True", "ScaleDownStabilized",
            "recent recommendations were higher than current one, applying the highest recent recommendation",
            now);
      } else {
        setCondition(conditions, "AbleToScale", "True", "ReadyForNewScale",
                     "recommended size matches current size", now);
      }
      // convertDesiredReplicasWithRules: scale-up limited to max(2 x current, 4).
      std::int32_t scaleUpCap = static_cast<std::int32_t>(std::max(2.0 * currentReplicas, 4.0));
      std::int32_t maximumAllowed = maxReplicas;
      std::string limitReason = "TooManyReplicas";
      std::string limitMessage = "the desired replica count is more than the maximum replica count";
      if (maxReplicas > scaleUpCap) {
        maximumAllowed = scaleUpCap;
        limitReason = "ScaleUpLimit";
        limitMessage = "the desired replica count is increasing faster than the maximum scale rate";
      }
      std::int32_t normalized = stabilized;
      if (stabilized < minReplicas) {
        normalized = minReplicas;
        limitReason = "TooFewReplicas";
        limitMessage = "the desired replica count is less than the minimum replica count";
      } else if (stabilized > maximumAllowed) {
        normalized = maximumAllowed;
      } else {
        limitReason = "DesiredWithinRange";
        limitMessage = "the desired count is within the acceptable range";
      }
      setCondition(conditions, "ScalingLimited", normalized == stabilized ? "False" : "True", limitReason,
                   limitMessage, now);
      desiredReplicas = normalized;
    } else {
      Rules up = rulesOf(findObject(*behavior, {"scaleUp"}), true, options);
      Rules down = rulesOf(findObject(*behavior, {"scaleDown"}), false, options);
      // stabilizeRecommendationWithBehaviors.
      TimePoint upCutoff = now - seconds(up.stabilizationSeconds);
      TimePoint downCutoff = now - seconds(down.stabilizationSeconds);
      std::int32_t upRecommendation = prenormalized;
      std::int32_t downRecommendation = prenormalized;
      for (const auto& rec : history.recommendations) {
        if (rec.at > upCutoff) upRecommendation = std::min(rec.replicas, upRecommendation);
        if (rec.at > downCutoff) downRecommendation = std::max(rec.replicas, downRecommendation);
      }
      std::erase_if(history.recommendations,
                    [&](const auto& rec) { return rec.at < upCutoff && rec.at < downCutoff; });
      history.recommendations.push_back({prenormalized, now});
      std::int32_t stabilized = std::min(std::max(currentReplicas, upRecommendation), downRecommendation);
      if (stabilized != prenormalized) {
        if (prenormalized >= currentReplicas) {
          setCondition(
              conditions, "AbleToScale", "True", "ScaleUpStabilized",
              "recent recommendations were lower than current one, applying the lowest recent recommendation",
              now);
        } else {
          setCondition(conditions, "AbleToScale", "True", "ScaleDownStabilized",
                       "recent recommendations were higher than current one, applying the highest recent "
                       "recommendation",
                       now);
        }
      } else {
        setCondition(conditions, "AbleToScale", "True", "ReadyForNewScale",
                     "recommended size matches current size", now);
      }
      // convertDesiredReplicasWithBehaviorRate.
      std::int32_t normalized = stabilized;
      std::string limitReason = "DesiredWithinRange";
      std::string limitMessage = "the desired count is within the acceptable range";
      if (stabilized > currentReplicas) {
        std::int32_t limit = std::max(scaleUpLimit(currentReplicas, history, up, now), currentReplicas);
        std::int32_t maximumAllowed = maxReplicas;
        std::string reason = "TooManyReplicas";
        std::string message = "the desired replica count is more than the maximum replica count";
        if (maximumAllowed > limit) {
          maximumAllowed = limit;
          reason = "ScaleUpLimit";
          message = "the desired replica count is increasing faster than the maximum scale rate";
        }
        if (stabilized > maximumAllowed) {
          normalized = maximumAllowed;
          limitReason = reason;
          limitMessage = message;
        }
      } else if (stabilized < currentReplicas) {
        std::int32_t limit = std::min(scaleDownLimit(currentReplicas, history, down, now), currentReplicas);
        std::int32_t minimumAllowed = minReplicas;
        std::string reason = "TooFewReplicas";
        std::string message = "the desired replica count is less than the minimum replica count";
        if (minimumAllowed < limit) {
          minimumAllowed = limit;
          reason = "ScaleDownLimit";
          message = "the desired replica count is decreasing faster than the maximum scale rate";
        }
        if (stabilized < minimumAllowed) {
          normalized = minimumAllowed;
          limitReason = reason;
          limitMessage = message;
        }
      }
      setCondition(conditions, "ScalingLimited", normalized == stabilized ? "False" : "True", limitReason,
                   limitMessage, now);
      desiredReplicas = normalized;
    }
    rescale = desiredReplicas != currentReplicas;
  }

  if (rescale) {
    setCondition(conditions, "AbleToScale", "True", "SucceededRescale",
                 fmt::format("the HPA controller was able to update the target scale to {}", desiredReplicas),
                 now);
    result.events.push_back(Event{"Normal", "SuccessfulRescale",
                                  fmt::format("New size: {}; reason: {}", desiredReplicas, rescaleReason)});
    if (behavior != nullptr) {
      // storeScaleEvent: remembered for the policies' periods.
      Rules up = rulesOf(findObject(*behavior, {"scaleUp"}), true, options);
      Rules down = rulesOf(findObject(*behavior, {"scaleDown"}), false, options);
      prune(history.scaleUpEvents, longestPeriod(up), now);
      prune(history.scaleDownEvents, longestPeriod(down), now);
      if (desiredReplicas > currentReplicas) {
        history.scaleUpEvents.push_back({desiredReplicas - currentReplicas, now});
      } else {
        history.scaleDownEvents.push_back({currentReplicas - desiredReplicas, now});
      }
    }
  } else {
    desiredReplicas = currentReplicas;
  }
  result.rescale = rescale;
  result.desiredReplicas = desiredReplicas;
  finishStatus(desiredReplicas, rescale);
  return result;
}

}  // namespace kubesim::controllers

// --source prometheus: reads container CPU and memory history from Prometheus' HTTP API (query_range through
// the API server's service proxy) into the history store, for clusters without metrics-server or to backfill.
#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <regex>
#include <thread>

#include "history/collector.h"
#include "kube/quantity.h"

namespace aiops::history {
namespace {

namespace json = boost::json;

// Prometheus refuses a range query of more than 11,000 points per series.
constexpr std::int64_t kMaxPoints = 11000;

const std::string kCpuQuery =
    R"(sum by (namespace,pod,container) (rate(container_cpu_usage_seconds_total{container!="",container!="POD"}[5m])))";
const std::string kMemoryQuery =
    R"(sum by (namespace,pod,container) (container_memory_working_set_bytes{container!="",container!="POD"}))";

std::string str(const json::object& o, std::string_view key) {
  const auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().get_string()) : std::string();
}

// Prometheus' error answer, when `text` is (or ends with) one: "Prometheus answered bad_data: ...".
std::optional<std::string> prometheusError(std::string_view text) {
  const auto open = text.find('{');
  if (open == std::string_view::npos) return std::nullopt;
  boost::system::error_code ec;
  const json::value v = json::parse(text.substr(open, text.rfind('}') - open + 1), ec);
  if (ec || !v.is_object() || str(v.get_object(), "status") != "error") return std::nullopt;
  return fmt::format("Prometheus answered {}: {}", str(v.get_object(), "errorType"),
                     str(v.get_object(), "error"));
}

std::int64_t timeOf(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return static_cast<std::int64_t>(v.get_uint64());
  if (v.is_double()) return static_cast<std::int64_t>(std::floor(v.get_double()));
  throw std::runtime_error("Prometheus answered a sample without a numeric time");
}

// "0.1" cores -> 100 millicores; rounded up, so a recommendation never starts below what was used.
std::optional<std::int64_t> scaled(const std::string& text, bool milli) {
  if (auto q = kube::Quantity::parse(text)) return milli ? q->milliValue() : q->value();
  try {
    const double v = std::stod(text);
    if (!std::isfinite(v)) return std::nullopt;
    return static_cast<std::int64_t>(std::ceil(milli ? v * 1000 : v));
  } catch (const std::exception&) {
    return std::nullopt;  // "NaN", "+Inf"
  }
}

}  // namespace

std::vector<PrometheusSeries> parsePrometheusMatrix(const std::string& body) {
  if (auto error = prometheusError(body)) throw std::runtime_error(*error);
  boost::system::error_code ec;
  const json::value v = json::parse(body, ec);
  if (ec || !v.is_object() || str(v.get_object(), "status") != "success")
    throw std::runtime_error(
        "Prometheus' answer is not a query result (is --source pointing at Prometheus?)");
  const json::object* data =
      v.get_object().if_contains("data") ? v.get_object().at("data").if_object() : nullptr;
  if (!data || str(*data, "resultType") != "matrix")
    throw std::runtime_error("Prometheus answered a result that is not a matrix");
  std::vector<PrometheusSeries> out;
  const json::array* result = data->if_contains("result") ? data->at("result").if_array() : nullptr;
  if (!result) return out;
  for (const json::value& r : *result) {
    if (!r.is_object()) continue;
    PrometheusSeries series;
    if (const json::object* metric =
            r.get_object().if_contains("metric") ? r.at("metric").if_object() : nullptr)
      for (const auto& [k, value] : *metric)
        if (value.is_string()) series.labels[std::string(k)] = std::string(value.get_string());
    if (const json::array* values =
            r.get_object().if_contains("values") ? r.at("values").if_array() : nullptr) {
      for (const json::value& pair : *values) {
        const json::array* p = pair.if_array();
        if (!p || p->size() != 2 || !(*p)[1].is_string()) continue;
        series.values.emplace_back(timeOf((*p)[0]), std::string((*p)[1].get_string()));
      }
    }
    out.push_back(std::move(series));
  }
  return out;
}

std::string workloadFromPodName(const std::string& pod) {
  // The alphabet Kubernetes' name generators (rand.SafeEncodeString) use: no vowels, no 0, 1, 3.
  static const std::string a = "[bcdfghjklmnpqrstvwxz2456789]";
  static const std::regex deployment("^(.+)-" + a + "{6,10}-" + a + "{5}$");
  static const std::regex cronJob("^(.+-[0-9]{8,})-" + a + "{5}$");
  static const std::regex statefulSet("^(.+)-([0-9]+)$");
  static const std::regex generated("^(.+)-" + a + "{5}$");
  std::smatch m;
  if (std::regex_match(pod, m, cronJob)) return "Job/" + m[1].str();
  if (std::regex_match(pod, m, deployment)) return "Deployment/" + m[1].str();
  if (std::regex_match(pod, m, statefulSet)) return "StatefulSet/" + m[1].str();
  if (std::regex_match(pod, m, generated)) return "DaemonSet/" + m[1].str();
  return "Pod/" + pod;
}

std::size_t Collector::backfill(std::int64_t from, std::int64_t to) {
  const PrometheusSource& source = *options_.prometheus;
  const std::int64_t step = std::max<std::int64_t>(options_.intervalSeconds, 1);
  const std::string base = fmt::format("/api/v1/namespaces/{}/services/{}:{}/proxy/api/v1/query_range",
                                       kube::percentEncode(source.namespace_),
                                       kube::percentEncode(source.service), kube::percentEncode(source.port));
  // The live pods name their workloads; pods that are gone are named by workloadFromPodName.
  std::map<std::pair<std::string, std::string>, std::string> workloads;
  const json::value pods = client_.list(kube::types::pods, options_.namespace_);
  if (const json::array* list =
          pods.as_object().if_contains("items") ? pods.at("items").if_array() : nullptr) {
    for (const json::value& pod : *list) {
      const json::object* meta =
          pod.as_object().if_contains("metadata") ? pod.at("metadata").if_object() : nullptr;
      if (meta) workloads[{str(*meta, "namespace"), str(*meta, "name")}] = workloadOf(pod);
    }
  }
  auto workloadFor = [&](const std::string& ns, const std::string& pod) {
    const auto it = workloads.find({ns, pod});
    return it != workloads.end() ? it->second : workloadFromPodName(pod);
  };
  auto scopedQuery = [&](std::string q) {
    if (options_.namespace_.empty()) return q;
    // Narrow both selectors to the namespace.
    const std::string label = fmt::format(R"(namespace="{}",)", options_.namespace_);
    const auto brace = q.find('{');
    return q.insert(brace + 1, label);
  };

  backfillSeen_ = 0;
  std::size_t stored = 0;
  const std::int64_t first =
      (from + step - 1) / step * step;  // aligned, so every run queries the same instants
  for (std::int64_t windowStart = first; windowStart < to; windowStart += kMaxPoints * step) {
    const std::int64_t windowEnd = std::min(windowStart + (kMaxPoints - 1) * step, to - 1);
    std::vector<Point> points;
    for (const bool cpu : {true, false}) {
      const std::string path = kube::withQuery(base, {{"query", scopedQuery(cpu ? kCpuQuery : kMemoryQuery)},
                                                      {"start", std::to_string(windowStart)},
                                                      {"end", std::to_string(windowEnd)},
                                                      {"step", std::to_string(step)}});
      const kube::Response response = client_.transport().get(path);
      if (!response.ok()) {
        if (auto error = prometheusError(response.error->message())) throw std::runtime_error(*error);
        throw response.error->withContext(
            fmt::format("querying Prometheus at {}/{}:{}", source.namespace_, source.service, source.port));
      }
      for (const PrometheusSeries& series : parsePrometheusMatrix(response.body)) {
        auto label = [&](const char* name) {
          const auto it = series.labels.find(name);
          return it != series.labels.end() ? it->second : std::string();
        };
        const std::string ns = label("namespace");
        const std::string pod = label("pod");
        const std::string container = label("container");
        if (pod.empty() || container.empty()) continue;
        const SeriesKey key{"container", ns, workloadFor(ns, pod), pod, container, cpu ? kCpu : kMemory};
        for (const auto& [time, text] : series.values) {
          if (time < from || time >= to) continue;
          if (auto value = scaled(text, cpu)) points.push_back(Point{key, Sample{time, *value}});
        }
      }
    }
    backfillSeen_ += points.size();
    stored += store_.append(points);
  }
  return stored;
}

std::int64_t Collector::prometheusNow() {
  const PrometheusSource& source = *options_.prometheus;
  const std::string path =
      kube::withQuery(fmt::format("/api/v1/namespaces/{}/services/{}:{}/proxy/api/v1/query",
                                  kube::percentEncode(source.namespace_), kube::percentEncode(source.service),
                                  kube::percentEncode(source.port)),
                      {{"query", "time()"}});
  const kube::Response response = client_.transport().get(path);
  if (!response.ok()) {
    if (auto error = prometheusError(response.error->message())) throw std::runtime_error(*error);
    throw response.error->withContext(
        fmt::format("querying Prometheus at {}/{}:{}", source.namespace_, source.service, source.port));
  }
  if (auto error = prometheusError(response.body)) throw std::runtime_error(*error);
  // {"status":"success","data":{"resultType":"scalar","result":[1700000000.123,"1700000000.123"]}}
  boost::system::error_code ec;
  const json::value v = json::parse(response.body, ec);
  const json::value* result = ec ? nullptr : v.find_pointer("/data/result/0", ec);
  if (!result) throw std::runtime_error("Prometheus' answer to time() is not a scalar");
  return timeOf(*result);
}

RoundReport Collector::prometheusRound(std::int64_t now) {
  RoundReport report;
  report.serverTime = now;
  std::int64_t from = now - options_.backfillSeconds;
  if (const auto last = store_.setting("collector.lastServerTime")) {
    try {
      from = std::max<std::int64_t>(from, std::stoll(*last) + 1);
    } catch (const std::exception&) {
    }
  }
  report.samplesNew = backfill(from, now + 1);
  report.samplesSeen = backfillSeen_;
  store_.setSetting("collector.lastServerTime", std::to_string(now));
  return report;
}

void Collector::runPrometheus(const std::function<bool()>& stop,
                              const std::function<void(const RoundReport&)>& onRound) {
  const std::int64_t interval = std::max<std::int64_t>(options_.intervalSeconds, 1);
  std::optional<std::int64_t> start;
  std::int64_t lastCompact = 0;
  while (!stop()) {
    if (options_.once) {
      onRound(prometheusRound(prometheusNow()));
      return;
    }
    std::int64_t now = 0;
    try {
      now = prometheusNow();
      if (!start) start = now;
      onRound(prometheusRound(now));
    } catch (const kube::KubeError& e) {  // retried at the next interval, as a metrics-API round is
      RoundReport failed;
      failed.warnings.push_back(e.what());
      onRound(failed);
    }
    if (!start) start = now;
    if (options_.forSeconds && now - *start >= *options_.forSeconds) return;
    if (now - lastCompact >= options_.compactEverySeconds) {
      store_.compact(now);
      lastCompact = now;
    }
    // Prometheus' clock is a real one: sleep the interval, checking `stop` every 100 ms.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(interval);
    while (!stop() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace aiops::history

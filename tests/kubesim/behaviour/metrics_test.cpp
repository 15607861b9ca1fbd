// Tests for the application metrics: the exposition text, Go float formatting, and counters that advance
// with virtual time, parsed back and checked for totals and monotonicity.
#include "metrics.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "clock.h"

namespace kubesim::behaviour {
namespace {

using namespace std::chrono_literals;

const TimePoint kStart = *parseTime("2026-11-20T09:05:00Z");

// A parsed exposition: series ("name{labels}") -> value, plus the TYPE of each family.
struct Exposition {
  std::map<std::string, double> series;
  std::map<std::string, std::string> types;
};

Exposition parse(const std::string& text) {
  Exposition e;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("# TYPE ")) {
      std::istringstream words(line.substr(7));
      std::string name, type;
      words >> name >> type;
      e.types[name] = type;
      continue;
    }
    if (line.starts_with("#")) continue;
    std::size_t space = line.rfind(' ');
    if (space == std::string::npos) throw std::runtime_error("malformed sample: " + line);
    std::string value = line.substr(space + 1);
    e.series[line.substr(0, space)] = value == "+Inf" ? HUGE_VAL : std::stod(value);
  }
  return e;
}

std::vector<std::string> bucketNames() {
  std::vector<std::string> names;
  for (double bound : latencyBuckets())
    names.push_back("http_request_duration_seconds_bucket{le=\"" + formatGoFloat(bound) + "\"}");
  names.push_back("http_request_duration_seconds_bucket{le=\"+Inf\"}");
  return names;
}

// Checks the invariants of one scrape; returns the sum of the request counters.
double checkScrape(const Exposition& e) {
  double requests = 0;
  for (const auto& [name, value] : e.series) {
    if (name.starts_with("http_requests_total{")) requests += value;
  }
  double previous = 0;
  for (const auto& name : bucketNames()) {
    EXPECT_TRUE(e.series.count(name)) << name;
    double count = e.series.at(name);
    EXPECT_GE(count, previous) << name;
    EXPECT_LE(count, requests) << name;
    previous = count;
  }
  EXPECT_EQ(e.series.at("http_request_duration_seconds_bucket{le=\"+Inf\"}"), requests);
  EXPECT_EQ(e.series.at("http_request_duration_seconds_count"), requests);
  return requests;
}

TEST(Metrics, FormatsFloatsAsGoDoes) {
  EXPECT_EQ(formatGoFloat(0), "0");
  EXPECT_EQ(formatGoFloat(1), "1");
  EXPECT_EQ(formatGoFloat(0.005), "0.005");
  EXPECT_EQ(formatGoFloat(2.5), "2.5");
  EXPECT_EQ(formatGoFloat(10), "10");
  EXPECT_EQ(formatGoFloat(1234), "1234");
  EXPECT_EQ(formatGoFloat(123456), "123456");
  EXPECT_EQ(formatGoFloat(999999), "999999");
  EXPECT_EQ(formatGoFloat(1e6), "1e+06");
  EXPECT_EQ(formatGoFloat(1234567), "1.234567e+06");
  EXPECT_EQ(formatGoFloat(0.0001), "0.0001");
  EXPECT_EQ(formatGoFloat(0.00001), "1e-05");
  EXPECT_EQ(formatGoFloat(53.25), "53.25");
  EXPECT_EQ(formatGoFloat(-2.5), "-2.5");
  EXPECT_EQ(formatGoFloat(HUGE_VAL), "+Inf");
  EXPECT_EQ(formatGoFloat(-HUGE_VAL), "-Inf");
  EXPECT_EQ(formatGoFloat(std::nan("")), "NaN");
}

TEST(Metrics, BeforeAnyRequestOnlyTheHistogramIsExposed) {
  EXPECT_EQ(renderExposition(RequestCounters{}),
            "# HELP http_request_duration_seconds Latency of HTTP requests in seconds.\n"
            "# TYPE http_request_duration_seconds histogram\n"
            "http_request_duration_seconds_bucket{le=\"0.005\"} 0\n"
            "http_request_duration_seconds_bucket{le=\"0.01\"} 0\n"
            "http_request_duration_seconds_bucket{le=\"0.025\"} 0\n"
            "http_request_duration_seconds_bucket{le=\"0.05\"} 0\n"
            "http_request_duration_seconds_bucket{le=\"0.1\"} 0\n"
            "http_request_duration_seconds_bucket{le=\"0.25\"} 0\n"
            "http_request_duration_seconds_bucket{le=\"0.5\"} 0\n"
            "http_request_duration_seconds_bucket{le=\"1\"} 0\n"
            "http_request_duration_seconds_bucket{le=\"2.5\"} 0\n"
            "http_request_duration_seconds_bucket{le=\"5\"} 0\n"
            "http_request_duration_seconds_bucket{le=\"10\"} 0\n"
            "http_request_duration_seconds_bucket{le=\"+Inf\"} 0\n"
            "http_request_duration_seconds_sum 0\n"
            "http_request_duration_seconds_count 0\n");
}

TEST(Metrics, RendersCountersByCodeAndTheHistogram) {
  Profile p;
  p.requests.errorRate = 0.1;
  p.requests.codes = {{429, 0.05}};
  p.requests.method = "POST";
  p.requests.latency = {20ms, 20ms};  // every request takes 20 ms
  RequestCounters counters;
  counters.record(p, 2000);
  EXPECT_EQ(renderExposition(counters),
            "# HELP http_requests_total Total number of HTTP requests by status code and method.\n"
            "# TYPE http_requests_total counter\n"
            "http_requests_total{code=\"200\",method=\"POST\"} 1700\n"
            "http_requests_total{code=\"429\",method=\"POST\"} 100\n"
            "http_requests_total{code=\"500\",method=\"POST\"} 200\n"
            "# HELP http_request_duration_seconds Latency of HTTP requests in seconds.\n"
            "# TYPE http_request_duration_seconds histogram\n"
            "http_request_duration_seconds_bucket{le=\"0.005\"} 0\n"
            "http_request_duration_seconds_bucket{le=\"0.01\"} 0\n"
            "http_request_duration_seconds_bucket{le=\"0.025\"} 2000\n"
            "http_request_duration_seconds_bucket{le=\"0.05\"} 2000\n"
            "http_request_duration_seconds_bucket{le=\"0.1\"} 2000\n"
            "http_request_duration_seconds_bucket{le=\"0.25\"} 2000\n"
            "http_request_duration_seconds_bucket{le=\"0.5\"} 2000\n"
            "http_request_duration_seconds_bucket{le=\"1\"} 2000\n"
            "http_request_duration_seconds_bucket{le=\"2.5\"} 2000\n"
            "http_request_duration_seconds_bucket{le=\"5\"} 2000\n"
            "http_request_duration_seconds_bucket{le=\"10\"} 2000\n"
            "http_request_duration_seconds_bucket{le=\"+Inf\"} 2000\n"
            "http_request_duration_seconds_sum 40\n"
            "http_request_duration_seconds_count 2000\n");
  Exposition e = parse(renderExposition(counters));
  EXPECT_EQ(e.types.at("http_requests_total"), "counter");
  EXPECT_EQ(e.types.at("http_request_duration_seconds"), "histogram");
  EXPECT_EQ(checkScrape(e), 2000);
}

TEST(Metrics, LargeCountersUseGoExponentForm) {
  Profile p;
  RequestCounters counters;
  counters.record(p, 1234567.8);
  Exposition e = parse(renderExposition(counters));
  EXPECT_EQ(e.series.at("http_requests_total{code=\"200\",method=\"GET\"}"), 1234567);
  EXPECT_NE(
      renderExposition(counters).find("http_requests_total{code=\"200\",method=\"GET\"} 1.234567e+06\n"),
      std::string::npos);
}

TEST(ServiceTraffic, SplitsTheLoadOverReadyEndpoints) {
  LoadModel load({constantLoad("todo", "web", 30)}, kStart);
  Profile p;
  ServiceTraffic traffic("todo", "web", kStart);
  traffic.advance(load, kStart + 10min, {{"a", &p}, {"b", &p}, {"c", &p}});
  for (const char* pod : {"a", "b", "c"}) {
    ASSERT_NE(traffic.pod(pod), nullptr);
    Exposition e = parse(renderExposition(*traffic.pod(pod)));
    EXPECT_EQ(checkScrape(e), 6000) << pod;
  }
  EXPECT_EQ(checkScrape(parse(renderExposition(traffic.total()))), 18000);
  EXPECT_EQ(traffic.pod("d"), nullptr);
  // Only b is ready for the next 10 minutes; then nobody is.
  traffic.advance(load, kStart + 20min, {{"b", &p}});
  EXPECT_EQ(checkScrape(parse(renderExposition(*traffic.pod("b")))), 24000);
  traffic.advance(load, kStart + 21min, {});
  EXPECT_EQ(traffic.unservedRequests(), 1800);
  EXPECT_EQ(checkScrape(parse(renderExposition(traffic.total()))), 36000);
  // Going back in time changes nothing.
  traffic.advance(load, kStart + 5min, {{"a", &p}});
  EXPECT_EQ(traffic.updatedAt(), kStart + 21min);
  EXPECT_EQ(checkScrape(parse(renderExposition(*traffic.pod("a")))), 6000);
  // A deleted pod's requests stay in the Service's total.
  traffic.forget("a");
  EXPECT_EQ(traffic.pod("a"), nullptr);
  EXPECT_EQ(checkScrape(parse(renderExposition(traffic.total()))), 36000);
}

TEST(ServiceTraffic, CountersDoNotDependOnHowOftenTheyAdvance) {
  LoadModel load({constantLoad("todo", "web", 7.3)}, kStart);
  Profile p;
  p.requests.errorRate = 0.01;
  p.requests.latency = {12ms, 180ms};
  ServiceTraffic once("todo", "web", kStart), often("todo", "web", kStart);
  once.advance(load, kStart + 1h, {{"a", &p}});
  for (TimePoint t = kStart + 7s; t < kStart + 1h; t += 7s)
    often.advance(load, t, {{"a", &p}});
  often.advance(load, kStart + 1h, {{"a", &p}});
  const RequestCounters& a = *once.pod("a");
  const RequestCounters& b = *often.pod("a");
  ASSERT_EQ(a.requests.size(), 2u);
  for (const auto& [key, value] : a.requests)
    EXPECT_NEAR(b.requests.at(key), value, 1e-6);
  for (std::size_t i = 0; i < a.buckets.size(); ++i)
    EXPECT_NEAR(b.buckets[i], a.buckets[i], 1e-6);
  EXPECT_NEAR(a.requests.at({"GET", 500}), 7.3 * 3600 * 0.01, 1e-9);
}

TEST(ServiceTraffic, ScrapesOverTwoNoisyDaysOnlyEverGrow) {
  LoadCurve curve = constantLoad("todo", "web", 0);
  curve.shape = LoadCurve::Shape::Daily;
  curve.dailyBase = 2;
  curve.dailyPeak = 60;
  curve.dailyPeakHour = 14;
  curve.noise = 0.3;
  LoadModel load({curve}, kStart);
  Profile healthy, flaky;
  healthy.requests.latency = {12ms, 180ms};
  flaky.requests.errorRate = 0.05;
  flaky.requests.codes = {{503, 0.02}};
  flaky.requests.latency = {80ms, 2s};
  ServiceTraffic traffic("todo", "web", kStart);
  std::map<std::string, double> last;
  double lastTotal = 0;
  for (int minute = 1; minute <= 2 * 24 * 60; minute += 7) {
    std::vector<ServiceTraffic::Endpoint> ready = {{"a", &healthy}};
    if (minute % 3 != 0) ready.push_back({"b", minute > 1500 ? &flaky : &healthy});
    traffic.advance(load, kStart + std::chrono::minutes(minute), ready);
    for (const char* pod : {"a", "b"}) {
      if (traffic.pod(pod) == nullptr) continue;
      Exposition e = parse(renderExposition(*traffic.pod(pod)));
      checkScrape(e);
      for (const auto& [name, value] : e.series) {
        std::string key = std::string(pod) + name;
        EXPECT_GE(value, last[key]) << key << " at minute " << minute;
        last[key] = value;
      }
    }
    double total = checkScrape(parse(renderExposition(traffic.total())));
    EXPECT_GE(total, lastTotal);
    lastTotal = total;
  }
  // Two days of the curve, less what fell in the last partial step.
  double expected = load.requestsBetween("todo", "web", kStart, kStart + std::chrono::minutes(2878));
  EXPECT_NEAR(lastTotal, expected, 5);
  EXPECT_NEAR(lastTotal, 31 * 2 * 86400.0, 0.02 * 31 * 2 * 86400.0);  // the daily mean, noise aside
}

}  // namespace
}  // namespace kubesim::behaviour

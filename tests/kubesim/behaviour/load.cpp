// Load curves and the per-Service load model, with exact integrals so request counters are deterministic.
#include "load.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "document.h"

namespace kubesim::behaviour {

namespace {

constexpr double kDay = 86400;

double seconds(Duration d) {
  return toSeconds(d);
}

std::uint64_t seedOf(const LoadCurve& curve) {
  return hash64(curve.namespace_ + "/" + curve.service);
}

// The second of the (UTC) day at which the scenario started, exactly, whatever the epoch offset.
double startSecondOfDay(TimePoint start) {
  std::int64_t ns = std::chrono::duration_cast<Duration>(start.time_since_epoch()).count();
  constexpr std::int64_t kDayNs = 86'400'000'000'000;
  std::int64_t r = ns % kDayNs;
  if (r < 0) r += kDayNs;
  return static_cast<double>(r) / 1e9;
}

double dailyPhase(const LoadCurve& c, double t, TimePoint start) {
  return 2 * std::numbers::pi * (startSecondOfDay(start) + t - c.dailyPeakHour * 3600) / kDay;
}

// The curve without noise at t seconds since the start.
double baseRate(const LoadCurve& c, double t, TimePoint start) {
  switch (c.shape) {
    case LoadCurve::Shape::Constant:
      return c.rps;
    case LoadCurve::Shape::Steps: {
      double rate = 0;
      for (const auto& step : c.steps) {
        if (seconds(step.at) <= t) rate = step.rps;
      }
      return rate;
    }
    case LoadCurve::Shape::Ramp: {
      double at = seconds(c.rampAt), over = seconds(c.rampOver);
      if (t < at) return c.rampFrom;
      if (t >= at + over) return c.rampTo;
      return c.rampFrom + (c.rampTo - c.rampFrom) * (t - at) / over;
    }
    case LoadCurve::Shape::Daily:
      return c.dailyBase + (c.dailyPeak - c.dailyBase) * (1 + std::cos(dailyPhase(c, t, start))) / 2;
  }
  return 0;
}

// The integral of baseRate over [a, b] seconds, in closed form.
double baseIntegral(const LoadCurve& c, double a, double b, TimePoint start) {
  if (b <= a) return 0;
  switch (c.shape) {
    case LoadCurve::Shape::Constant:
      return c.rps * (b - a);
    case LoadCurve::Shape::Steps: {
      double total = 0;
      for (std::size_t i = 0; i < c.steps.size(); ++i) {
        double from = std::max(a, seconds(c.steps[i].at));
        double to = i + 1 < c.steps.size() ? std::min(b, seconds(c.steps[i + 1].at)) : b;
        if (to > from) total += c.steps[i].rps * (to - from);
      }
      return total;
    }
    case LoadCurve::Shape::Ramp: {
      double at = seconds(c.rampAt), end = at + seconds(c.rampOver);
      double total = 0;
      if (a < at) total += c.rampFrom * (std::min(b, at) - a);
      double from = std::max(a, at), to = std::min(b, end);
      if (to > from) total += (baseRate(c, from, start) + baseRate(c, to, start)) / 2 * (to - from);
      if (b > end) total += c.rampTo * (b - std::max(a, end));
      return total;
    }
    case LoadCurve::Shape::Daily: {
      double amplitude = c.dailyPeak - c.dailyBase;
      double omega = 2 * std::numbers::pi / kDay;
      return (c.dailyBase + amplitude / 2) * (b - a) +
             amplitude / 2 / omega * (std::sin(dailyPhase(c, b, start)) - std::sin(dailyPhase(c, a, start)));
    }
  }
  return 0;
}

double noiseFactor(const LoadCurve& c, std::int64_t bucket) {
  return c.noise > 0 ? 1 + c.noise * signedNoise(seedOf(c), bucket) : 1;
}

std::int64_t bucketOf(Duration elapsed) {
  std::int64_t width = kNoiseBucket.count();
  std::int64_t ns = elapsed.count();
  return ns / width - (ns % width != 0 && ns < 0 ? 1 : 0);
}

double nonNegativeRate(const Fields& f, std::string_view key, bool required) {
  if (required && !f.has(key)) f.failHere(std::string(key) + " is required");
  return f.number(key, 0, 0, std::numeric_limits<double>::infinity());
}

Duration nonNegativeDuration(const Fields& f, std::string_view key, bool required) {
  std::optional<Duration> d = f.duration(key);
  if (!d) {
    if (required) f.failHere(std::string(key) + " is required");
    return Duration{0};
  }
  if (d->count() < 0) f.fail(key, "must not be negative, not " + formatDuration(*d));
  return *d;
}

}  // namespace

LoadCurve constantLoad(std::string namespace_, std::string service, double rps) {
  LoadCurve c;
  c.namespace_ = std::move(namespace_);
  c.service = std::move(service);
  c.shape = LoadCurve::Shape::Constant;
  c.rps = rps;
  return c;
}

LoadCurve parseLoadCurve(const ScenarioDocument& document) {
  Fields top(document, "LoadCurve");
  LoadCurve c;
  c.namespace_ = top.string("namespace").value_or("default");
  if (c.namespace_.empty()) c.namespace_ = "default";
  c.service = top.requiredString("service");
  Fields f(document, "LoadCurve " + c.namespace_ + "/" + c.service);
  f.allowOnly({"namespace", "service", "rps", "steps", "ramp", "daily", "noise"});
  int shapes = 0;
  for (const char* key : {"rps", "steps", "ramp", "daily"})
    shapes += f.has(key) ? 1 : 0;
  if (shapes != 1) f.failHere("needs exactly one of rps, steps, ramp and daily");
  c.noise = f.number("noise", 0, 0, 1);
  if (f.has("rps")) {
    c.shape = LoadCurve::Shape::Constant;
    c.rps = nonNegativeRate(f, "rps", true);
  } else if (f.has("steps")) {
    c.shape = LoadCurve::Shape::Steps;
    std::vector<Fields> steps = f.objects("steps");
    if (steps.empty()) f.fail("steps", "must list at least one step");
    for (const auto& step : steps) {
      step.allowOnly({"at", "rps"});
      LoadStep s{nonNegativeDuration(step, "at", true), nonNegativeRate(step, "rps", true)};
      if (!c.steps.empty() && s.at <= c.steps.back().at) {
        step.fail("at", "steps must be in increasing order of at (" + formatDuration(s.at) +
                            " does not come after " + formatDuration(c.steps.back().at) + ")");
      }
      c.steps.push_back(s);
    }
  } else if (auto ramp = f.object("ramp")) {
    c.shape = LoadCurve::Shape::Ramp;
    ramp->allowOnly({"from", "to", "over", "at"});
    c.rampFrom = nonNegativeRate(*ramp, "from", true);
    c.rampTo = nonNegativeRate(*ramp, "to", true);
    c.rampOver = nonNegativeDuration(*ramp, "over", true);
    c.rampAt = nonNegativeDuration(*ramp, "at", false);
  } else if (auto daily = f.object("daily")) {
    c.shape = LoadCurve::Shape::Daily;
    daily->allowOnly({"base", "peak", "peakHour"});
    c.dailyBase = nonNegativeRate(*daily, "base", true);
    c.dailyPeak = nonNegativeRate(*daily, "peak", true);
    c.dailyPeakHour = daily->number("peakHour", 12, 0, 24);
    if (c.dailyPeak < c.dailyBase) {
      daily->fail("peak", fmt::format("must not be below base ({}), not {}", c.dailyBase, c.dailyPeak));
    }
  }
  return c;
}

double rpsAt(const LoadCurve& curve, Duration elapsed, TimePoint scenarioStart) {
  if (elapsed.count() < 0) return 0;
  double rate = baseRate(curve, seconds(elapsed), scenarioStart) * noiseFactor(curve, bucketOf(elapsed));
  return std::max(rate, 0.0);
}

double requestsBetween(const LoadCurve& curve, Duration from, Duration to, TimePoint scenarioStart) {
  from = std::max(from, Duration{0});
  if (to <= from) return 0;
  if (curve.noise <= 0) return baseIntegral(curve, seconds(from), seconds(to), scenarioStart);
  // Noise is constant within a bucket: integrate bucket by bucket.
  double total = 0;
  Duration width = kNoiseBucket;
  for (std::int64_t bucket = bucketOf(from);; ++bucket) {
    Duration lo = std::max(from, width * bucket);
    Duration hi = std::min(to, width * (bucket + 1));
    if (lo >= to) break;
    total += baseIntegral(curve, seconds(lo), seconds(hi), scenarioStart) * noiseFactor(curve, bucket);
  }
  return total;
}

double perEndpointRps(double serviceRps, std::size_t readyEndpoints) {
  return readyEndpoints == 0 ? 0 : serviceRps / static_cast<double>(readyEndpoints);
}

LoadModel::LoadModel(std::vector<LoadCurve> curves, TimePoint scenarioStart) : start_(scenarioStart) {
  for (auto& curve : curves) {
    Key key{curve.namespace_, curve.service};
    services_[key] = {Segment{Duration{0}, std::move(curve)}};
  }
}

void LoadModel::setLoad(const std::string& namespace_, const std::string& service, double rps, Duration at) {
  std::vector<Segment>& segments = services_[Key{namespace_, service}];
  std::erase_if(segments, [&](const Segment& s) { return s.from >= at; });
  segments.push_back({at, constantLoad(namespace_, service, rps)});
}

double LoadModel::rpsAt(const std::string& namespace_, const std::string& service, Duration elapsed) const {
  auto it = services_.find(Key{namespace_, service});
  if (it == services_.end()) return 0;
  const Segment* current = nullptr;
  for (const auto& segment : it->second) {
    if (segment.from <= elapsed) current = &segment;
  }
  return current ? behaviour::rpsAt(current->curve, elapsed, start_) : 0;
}

double LoadModel::requestsBetween(const std::string& namespace_, const std::string& service, Duration from,
                                  Duration to) const {
  auto it = services_.find(Key{namespace_, service});
  if (it == services_.end()) return 0;
  const std::vector<Segment>& segments = it->second;
  double total = 0;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    Duration lo = std::max(from, segments[i].from);
    Duration hi = i + 1 < segments.size() ? std::min(to, segments[i + 1].from) : to;
    if (hi > lo) total += behaviour::requestsBetween(segments[i].curve, lo, hi, start_);
  }
  return total;
}

double LoadModel::rpsAt(const std::string& namespace_, const std::string& service, TimePoint now) const {
  return rpsAt(namespace_, service, std::chrono::duration_cast<Duration>(now - start_));
}

double LoadModel::requestsBetween(const std::string& namespace_, const std::string& service, TimePoint from,
                                  TimePoint to) const {
  return requestsBetween(namespace_, service, std::chrono::duration_cast<Duration>(from - start_),
                         std::chrono::duration_cast<Duration>(to - start_));
}

bool LoadModel::hasLoad(const std::string& namespace_, const std::string& service) const {
  return services_.count(Key{namespace_, service}) > 0;
}

}  // namespace kubesim::behaviour

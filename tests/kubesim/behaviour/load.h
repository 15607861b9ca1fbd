// The load model: requests per second reaching each Service over virtual time, from the scenario's LoadCurve
// documents and the timeline's setLoad actions. A Service's load is split evenly over its ready endpoints
// (kube-proxy's default balancing, in the long run), and drives their CPU use, the HPA and the application
// metrics.
//
// Curves are functions of the time elapsed since the scenario started (the virtual clock's start), except the
// daily one, which follows the hour of the day (UTC) of the virtual clock. Noise multiplies the curve by a
// factor that changes every 15 s bucket and is fixed by the service's name, so rates and their integrals are
// the same on every run.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "../state.h"
#include "support.h"

namespace kubesim::behaviour {

struct LoadStep {
  Duration at{0};
  double rps = 0;
  bool operator==(const LoadStep&) const = default;
};

struct LoadCurve {
  enum class Shape { Constant, Steps, Ramp, Daily };
  std::string namespace_ = "default";
  std::string service;
  Shape shape = Shape::Constant;
  double rps = 0;               // Constant
  std::vector<LoadStep> steps;  // Steps: each rate holds from its `at` to the next; 0 before the first
  double rampFrom = 0;  // Ramp: rampFrom until rampAt, then linear to rampTo over rampOver, then rampTo
  double rampTo = 0;
  Duration rampOver{0};
  Duration rampAt{0};
  double dailyBase = 0;  // Daily: a sinusoid between base and peak, peaking at peakHour (UTC, 0-24)
  double dailyPeak = 0;
  double dailyPeakHour = 12;
  double noise = 0;  // +/- this fraction, per 15 s bucket
};

// A constant curve (as setLoad makes).
LoadCurve constantLoad(std::string namespace_, std::string service, double rps);

// Parses a `kind: LoadCurve` document (fields in behaviour/README.md); throws kubesim::StateError.
LoadCurve parseLoadCurve(const ScenarioDocument& document);

// The rate at `elapsed` since the scenario started at scenarioStart (which only the daily shape reads).
double rpsAt(const LoadCurve& curve, Duration elapsed, TimePoint scenarioStart = {});
// The number of requests between two instants: the exact integral of rpsAt (noise included).
double requestsBetween(const LoadCurve& curve, Duration from, Duration to, TimePoint scenarioStart = {});
// One ready endpoint's share of a Service's rate; 0 when it has none.
double perEndpointRps(double serviceRps, std::size_t readyEndpoints);

// All Services' load over a run: the scenario's curves, replaced from a given instant by setLoad.
class LoadModel {
 public:
  LoadModel() = default;
  LoadModel(std::vector<LoadCurve> curves, TimePoint scenarioStart);

  // From `at` (elapsed) on, the Service gets a constant rps (a timeline setLoad); earlier times keep their
  // curve, so integrals over the past do not change.
  void setLoad(const std::string& namespace_, const std::string& service, double rps, Duration at);

  double rpsAt(const std::string& namespace_, const std::string& service, Duration elapsed) const;
  double requestsBetween(const std::string& namespace_, const std::string& service, Duration from,
                         Duration to) const;
  // The same at virtual clock instants.
  double rpsAt(const std::string& namespace_, const std::string& service, TimePoint now) const;
  double requestsBetween(const std::string& namespace_, const std::string& service, TimePoint from,
                         TimePoint to) const;

  bool hasLoad(const std::string& namespace_, const std::string& service) const;
  TimePoint scenarioStart() const { return start_; }

 private:
  // Segments in time order: segment i applies from its `from` until the next one's.
  struct Segment {
    Duration from;
    LoadCurve curve;
  };
  using Key = std::pair<std::string, std::string>;
  std::map<Key, std::vector<Segment>> services_;
  TimePoint start_{};
};

}  // namespace kubesim::behaviour

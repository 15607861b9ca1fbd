// The rollout gate's decision rule over what the monitor observed of the first new replicas: pure and
// clock-free (every call carries its time), so each boundary is unit-tested.
//
// The rule (docs/aiops-gate.md, "Decision rule"):
// - errors: the 5xx share of requests, pooled over the watched pods, over the last `interval` and over the
//   whole window so far. Either span fails when it holds at least `minRequests` requests and its rate is
//   strictly greater than `maxErrorRate` (exactly 5% passes, as Flagger's success-rate minimum of 95 does).
//   A span with fewer requests says nothing.
// - crash loop: a watched pod whose containers restart (more than `maxRestarts` times) or wait in
//   CrashLoopBackOff fails at once.
// - readiness: the watched pods must all be Ready within a window of the watch's start, and a pod that was
//   Ready may not stay unready for longer than `interval`.
// - the window starts when the first watched pod is Ready (the controller counts minReadySeconds from each
//   pod's own Ready) and lasts `window`; at its end the whole-window span decides: healthy, or no traffic
//   when it holds fewer than `minRequests` requests (called `noTrafficLead` early).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace aiops::gate {

using GateClock = std::chrono::steady_clock;

struct AnalysisSettings {
  double maxErrorRate = 0.05;
  std::int64_t minRequests = 50;
  std::chrono::milliseconds interval{10'000};
  std::chrono::milliseconds window{120'000};
  std::int64_t maxRestarts = 0;
  // How long before the window's end too little traffic is called, so the gate can pause the rollout before
  // the controller's minReadySeconds (counted from each pod's own Ready) lets it move on.
  std::chrono::milliseconds noTrafficLead{0};
};

// One watched pod as one poll saw it.
struct PodObservation {
  std::string name;
  bool ready = false;
  std::int64_t restarts = 0;
  std::string waitingReason;       // of a container that is not running: "CrashLoopBackOff", "Error", ...
  std::optional<double> requests;  // cumulative requests it served; nullopt: its metrics could not be read
  std::optional<double> errors;    // cumulative 5xx answers
};

// Requests and errors over a span of time.
struct Span {
  double requests = 0;
  double errors = 0;
  std::chrono::milliseconds length{0};
  double rate() const { return requests > 0 ? errors / requests : 0.0; }
};

enum class Verdict {
  Watching,   // the window is still open and nothing failed
  Healthy,    // the window ended with enough requests and nothing failed
  Failing,    // fail now: `reason` says which rule
  NoTraffic,  // the window ended with fewer than minRequests requests
};

struct Judgement {
  Verdict verdict = Verdict::Watching;
  std::string reason;  // "error rate 20.0% (40 of 200 requests) over the last 10s is above 5.0%"
  Span span;           // the span the verdict rests on (the whole window unless an interval failed)
  // Failing: when the gate first saw the evidence that failed (the first poll of the current run of polls
  // whose own error share was above the limit, or the poll that saw the crash or the unready pod).
  std::optional<GateClock::time_point> evidenceSince;
};

// Feeds one poll at a time; per pod it keeps the previous counters and turns them into per-poll deltas (a
// counter that goes back, a restarted process, starts a new baseline).
class RolloutAnalysis {
 public:
  RolloutAnalysis(AnalysisSettings settings, std::int64_t watched, GateClock::time_point start);

  Judgement observe(GateClock::time_point now, const std::vector<PodObservation>& pods);

  // No traffic at the window's end: the window runs once more from now.
  void extendWindow(GateClock::time_point now);
  bool extended() const { return extended_; }
  std::optional<GateClock::time_point> windowStart() const { return windowStart_; }
  Span whole(GateClock::time_point now) const;
  Span recent(GateClock::time_point now) const;

 private:
  struct Delta {
    GateClock::time_point at;
    double requests = 0;
    double errors = 0;
  };
  struct Counters {
    double requests = 0;
    double errors = 0;
  };

  Span sum(GateClock::time_point from, GateClock::time_point now) const;
  std::optional<Judgement> errorFailure(GateClock::time_point now, const Span& span,
                                        const std::string& over) const;

  AnalysisSettings settings_;
  std::int64_t watched_;
  GateClock::time_point start_;
  std::optional<GateClock::time_point> windowStart_;
  bool extended_ = false;
  std::map<std::string, Counters> last_;
  std::vector<Delta> deltas_;
  std::optional<GateClock::time_point> badSince_;  // first poll of the current run above the limit
  struct PodState {
    bool everReady = false;
    std::optional<GateClock::time_point> unreadySince;
  };
  std::map<std::string, PodState> podStates_;
};

// "20.0%": a rate as a percentage with one decimal.
std::string percent(double rate);
// "10s", "2m", "1m30s", "1.5s": a duration as people read it.
std::string formatDuration(std::chrono::milliseconds duration);

// Counts, in a container log, the lines that look like answered requests and the failed ones among them,
// for pods whose application serves no metrics: an access-log status code (a three-digit 1xx-5xx word)
// marks a request, a 5xx one or an ERROR/FATAL/panic/Traceback line marks an error.
struct LogCounts {
  double requests = 0;
  double errors = 0;
};
LogCounts countLogLines(std::string_view log);

}  // namespace aiops::gate

// The rollout gate's decision rule (see analysis.h).
#include "gate/analysis.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace aiops::gate {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

std::string percent(double rate) {
  return fmt::format("{:.1f}%", rate * 100.0);
}

std::string formatDuration(milliseconds duration) {
  const std::int64_t ms = duration.count();
  if (ms % 1000 != 0) return fmt::format("{}s", static_cast<double>(ms) / 1000.0);
  std::int64_t s = ms / 1000;
  std::string out;
  if (s >= 3600) {
    out += fmt::format("{}h", s / 3600);
    s %= 3600;
  }
  if (s >= 60) {
    out += fmt::format("{}m", s / 60);
    s %= 60;
  }
  if (s > 0 || out.empty()) out += fmt::format("{}s", s);
  return out;
}

RolloutAnalysis::RolloutAnalysis(AnalysisSettings settings, std::int64_t watched, GateClock::time_point start)
    : settings_(settings), watched_(watched), start_(start) {}

Span RolloutAnalysis::sum(GateClock::time_point from, GateClock::time_point now) const {
  Span span;
  span.length = duration_cast<milliseconds>(now - from);
  for (const Delta& d : deltas_) {
    if (d.at <= from) continue;  // a delta covers the time before its poll
    span.requests += d.requests;
    span.errors += d.errors;
  }
  return span;
}

Span RolloutAnalysis::whole(GateClock::time_point now) const {
  return sum(start_ - milliseconds(1), now);  // everything the watched pods served since the watch began
}

Span RolloutAnalysis::recent(GateClock::time_point now) const {
  return sum(now - settings_.interval, now);
}

void RolloutAnalysis::extendWindow(GateClock::time_point now) {
  windowStart_ = now;
  extended_ = true;
}

std::optional<Judgement> RolloutAnalysis::errorFailure(GateClock::time_point now, const Span& span,
                                                       const std::string& over) const {
  if (span.requests < static_cast<double>(settings_.minRequests) || span.rate() <= settings_.maxErrorRate)
    return std::nullopt;
  Judgement j;
  j.verdict = Verdict::Failing;
  j.span = span;
  j.reason = fmt::format("error rate {} ({} of {} requests) {} is above {}", percent(span.rate()),
                         std::llround(span.errors), std::llround(span.requests), over,
                         percent(settings_.maxErrorRate));
  j.evidenceSince = badSince_.value_or(now);
  return j;
}

Judgement RolloutAnalysis::observe(GateClock::time_point now, const std::vector<PodObservation>& pods) {
  // Counters into deltas. The poll's own share decides where a run of bad polls began.
  Delta delta{now, 0, 0};
  for (const PodObservation& pod : pods) {
    if (!pod.requests) continue;
    const Counters current{*pod.requests, pod.errors.value_or(0)};
    auto [it, fresh] = last_.try_emplace(pod.name, current);
    if (!fresh) {
      const bool reset = current.requests < it->second.requests || current.errors < it->second.errors;
      delta.requests += reset ? current.requests : current.requests - it->second.requests;
      delta.errors += reset ? current.errors : current.errors - it->second.errors;
      it->second = current;
    } else {
      // A pod's first reading counts whole: a new pod's counters start at zero when it starts serving.
      delta.requests += current.requests;
      delta.errors += current.errors;
    }
  }
  deltas_.push_back(delta);
  if (delta.requests > 0) {
    if (delta.errors / delta.requests > settings_.maxErrorRate) {
      if (!badSince_) badSince_ = now;
    } else {
      badSince_.reset();
    }
  }

  Judgement j;
  j.span = whole(now);

  // Crash loops: at once.
  for (const PodObservation& pod : pods) {
    if (pod.restarts > settings_.maxRestarts || pod.waitingReason == "CrashLoopBackOff") {
      j.verdict = Verdict::Failing;
      j.reason = fmt::format("new pod {} is crash-looping: {} restart{}{}", pod.name, pod.restarts,
                             pod.restarts == 1 ? "" : "s",
                             pod.waitingReason.empty() ? "" : ", " + pod.waitingReason);
      j.evidenceSince = now;
      return j;
    }
  }

  // Errors: the recent span first (a late spike), then the whole window.
  if (auto failed = errorFailure(now, recent(now), "over the last " + formatDuration(settings_.interval)))
    return *failed;
  if (auto failed = errorFailure(now, j.span, "over the window so far")) return *failed;

  // Readiness, per pod: Ready once and then unready for longer than the interval is a drop.
  std::int64_t ready = 0;
  for (const PodObservation& pod : pods) {
    PodState& state = podStates_[pod.name];
    if (pod.ready) {
      ++ready;
      state.everReady = true;
      state.unreadySince.reset();
      continue;
    }
    if (!state.everReady) continue;
    if (!state.unreadySince) state.unreadySince = now;
    if (now - *state.unreadySince > settings_.interval) {
      j.verdict = Verdict::Failing;
      j.reason = fmt::format("readiness dropped: new pod {} not Ready for more than {}", pod.name,
                             formatDuration(settings_.interval));
      j.evidenceSince = *state.unreadySince;
      return j;
    }
  }
  // The controller counts minReadySeconds from each pod's own Ready, so the first Ready pod is the one that
  // lets it move on: the window starts there.
  if (!windowStart_ && ready > 0) windowStart_ = now;
  const bool allReady = ready >= watched_ && static_cast<std::int64_t>(pods.size()) >= watched_;
  if (!allReady && now - start_ > settings_.window) {
    j.verdict = Verdict::Failing;
    j.reason = fmt::format("readiness stayed low: {} of {} new pods Ready after {}", ready, watched_,
                           formatDuration(settings_.window));
    j.evidenceSince = now;
    return j;
  }

  // The window's end. Too little traffic is called `noTrafficLead` early, so the rollout can be held before
  // the controller moves past the first replicas.
  if (!windowStart_) return j;
  const auto elapsed = now - *windowStart_;
  const bool enoughTraffic = j.span.requests >= static_cast<double>(settings_.minRequests);
  if (!enoughTraffic && elapsed >= settings_.window - settings_.noTrafficLead) {
    j.verdict = Verdict::NoTraffic;
    j.reason = fmt::format("no traffic: {} requests in the window, fewer than the {} needed",
                           std::llround(j.span.requests), settings_.minRequests);
  } else if (enoughTraffic && elapsed >= settings_.window) {
    j.verdict = Verdict::Healthy;
    j.reason = fmt::format("error rate {} ({} of {} requests) over the window, at most {}",
                           percent(j.span.rate()), std::llround(j.span.errors), std::llround(j.span.requests),
                           percent(settings_.maxErrorRate));
  }
  return j;
}

namespace {

bool isStatusWord(std::string_view word) {
  return word.size() == 3 && word[0] >= '1' && word[0] <= '5' &&
         std::isdigit(static_cast<unsigned char>(word[1])) &&
         std::isdigit(static_cast<unsigned char>(word[2]));
}

}  // namespace

LogCounts countLogLines(std::string_view log) {
  LogCounts counts;
  while (!log.empty()) {
    const std::size_t end = log.find('\n');
    std::string_view line = log.substr(0, end);
    log.remove_prefix(end == std::string_view::npos ? log.size() : end + 1);
    std::optional<char> status;
    for (std::size_t i = 0; i < line.size();) {
      const std::size_t j = std::min(line.find(' ', i), line.size());
      if (const std::string_view word = line.substr(i, j - i); isStatusWord(word)) {
        status = word[0];
        break;
      }
      i = j + 1;
    }
    const bool errorLine = line.find("ERROR") != std::string_view::npos ||
                           line.find("FATAL") != std::string_view::npos ||
                           line.find("panic:") != std::string_view::npos || line.starts_with("Traceback");
    if (status) {
      counts.requests += 1;
      if (*status == '5') counts.errors += 1;
    } else if (errorLine) {
      counts.requests += 1;
      counts.errors += 1;
    }
  }
  return counts;
}

}  // namespace aiops::gate

// kubesim's virtual clock: simulated time that runs scale times faster than real time, can be frozen and
// advanced by hand, and wakes the threads waiting on it when it jumps; plus RFC 3339 timestamp formatting.
//
// Virtual time = start + real time elapsed x scale + manual advances. Every change (freeze, resume, a new
// scale, an advance) re-bases the clock at the current virtual instant, so virtual time never jumps back and
// a scale change only affects time from then on. The real-time source is a function, so tests run on a fake
// one and see exact values.
//
// Waiters (controller loops) sleep in real time for realDelayUntil(deadline); a manual change bumps a
// generation counter and notifies a condition variable, so a sleeper whose deadline the change moved wakes at
// once instead of sleeping through it. Passing the generation the waiter last saw closes the race between
// reading the clock and starting to wait.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "../clock.h"
#include "support.h"

namespace kubesim::behaviour {

class VirtualClock final : public kubesim::Clock {
 public:
  using RealClock = std::chrono::steady_clock;
  using RealSource = std::function<RealClock::time_point()>;

  // realNow defaults to std::chrono::steady_clock::now. scale must be finite and positive.
  explicit VirtualClock(TimePoint start, double scale = 1.0, RealSource realNow = {});

  TimePoint now() const override;

  // Stops virtual time (manual advances still move it) / lets it run again from where it stands.
  void freeze();
  void resume();
  bool frozen() const;

  // Throws std::invalid_argument unless scale is finite and positive.
  void setScale(double scale);
  double scale() const;

  // Moves virtual time forward; throws std::invalid_argument for a negative duration.
  void advance(Duration by);
  // Moves virtual time forward to `time`; a time not after now() changes nothing (the clock never goes back)
  // and returns false.
  bool advanceTo(TimePoint time);

  // Bumped by every freeze, resume, setScale, advance and wakeAll.
  std::uint64_t generation() const;

  // How long, in real time, until virtual time reaches deadline: zero when it has; nullopt while frozen (only
  // a manual change can get there).
  std::optional<RealClock::duration> realDelayUntil(TimePoint deadline) const;

  enum class Wake { Reached, Changed, TimedOut };
  // Blocks until virtual time reaches deadline (Reached), the generation differs from seenGeneration
  // (Changed), or maxWait of real time has passed (TimedOut), whichever comes first.
  Wake waitUntil(TimePoint deadline, std::uint64_t seenGeneration, RealClock::duration maxWait);
  // Wakes every waiter (as a change does), e.g. when the server shuts down.
  void wakeAll();

 private:
  TimePoint nowLocked() const;
  void rebaseLocked();
  void changedLocked();

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  RealSource realNow_;
  TimePoint base_;  // virtual time at realBase_
  RealClock::time_point realBase_;
  double scale_ = 1.0;
  bool frozen_ = false;
  std::uint64_t generation_ = 0;
};

// metav1.Time: RFC 3339 in UTC, whole seconds (truncated, as Go's time.Format does): 2026-11-26T13:09:17Z.
std::string formatTime(TimePoint time);
// metav1.MicroTime: six fractional digits, always: 2026-11-26T13:09:17.123456Z.
std::string formatMicroTime(TimePoint time);
// The kubelet's `kubectl logs --timestamps` format (RFC3339NanoFixed): nine fractional digits, always.
std::string formatNanoTime(TimePoint time);
// RFC 3339 with "Z" or a numeric offset and optional fractional seconds (up to nanoseconds); nullopt when
// malformed.
std::optional<TimePoint> parseTime(std::string_view text);

}  // namespace kubesim::behaviour

// The virtual clock and RFC 3339 timestamps.
#include "clock.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace kubesim::behaviour {

namespace {

void checkScale(double scale) {
  if (!std::isfinite(scale) || scale <= 0) {
    throw std::invalid_argument(fmt::format("clock scale must be a positive number, not {}", scale));
  }
}

Duration scaled(std::chrono::nanoseconds real, double scale) {
  return fromSeconds(toSeconds(real) * scale);
}

}  // namespace

VirtualClock::VirtualClock(TimePoint start, double scale, RealSource realNow)
    : realNow_(realNow ? std::move(realNow) : RealSource([] { return RealClock::now(); })),
      base_(start),
      realBase_(realNow_()),
      scale_(scale) {
  checkScale(scale);
}

TimePoint VirtualClock::nowLocked() const {
  if (frozen_) return base_;
  auto real = std::chrono::duration_cast<std::chrono::nanoseconds>(realNow_() - realBase_);
  if (real.count() < 0) real = std::chrono::nanoseconds{0};  // a real source that went back: hold still
  return base_ + std::chrono::duration_cast<TimePoint::duration>(scaled(real, scale_));
}

void VirtualClock::rebaseLocked() {
  base_ = nowLocked();
  realBase_ = realNow_();
}

void VirtualClock::changedLocked() {
  ++generation_;
  changed_.notify_all();
}

TimePoint VirtualClock::now() const {
  std::lock_guard lock(mutex_);
  return nowLocked();
}

void VirtualClock::freeze() {
  std::lock_guard lock(mutex_);
  rebaseLocked();
  frozen_ = true;
  changedLocked();
}

void VirtualClock::resume() {
  std::lock_guard lock(mutex_);
  rebaseLocked();
  frozen_ = false;
  changedLocked();
}

bool VirtualClock::frozen() const {
  std::lock_guard lock(mutex_);
  return frozen_;
}

void VirtualClock::setScale(double scale) {
  checkScale(scale);
  std::lock_guard lock(mutex_);
  rebaseLocked();
  scale_ = scale;
  changedLocked();
}

double VirtualClock::scale() const {
  std::lock_guard lock(mutex_);
  return scale_;
}

void VirtualClock::advance(Duration by) {
  if (by.count() < 0) {
    throw std::invalid_argument("cannot advance the clock by a negative duration (" + formatDuration(by) +
                                ")");
  }
  std::lock_guard lock(mutex_);
  rebaseLocked();
  base_ += std::chrono::duration_cast<TimePoint::duration>(by);
  changedLocked();
}

bool VirtualClock::advanceTo(TimePoint time) {
  std::lock_guard lock(mutex_);
  rebaseLocked();
  if (time <= base_) return false;
  base_ = time;
  changedLocked();
  return true;
}

std::uint64_t VirtualClock::generation() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

std::optional<VirtualClock::RealClock::duration> VirtualClock::realDelayUntil(TimePoint deadline) const {
  std::lock_guard lock(mutex_);
  TimePoint now = nowLocked();
  if (deadline <= now) return RealClock::duration::zero();
  if (frozen_) return std::nullopt;
  double realSeconds = toSeconds(std::chrono::duration_cast<Duration>(deadline - now)) / scale_;
  // Rounded up, so a waiter that sleeps this long finds the deadline reached rather than a nanosecond short.
  Duration real = fromSeconds(realSeconds);
  if (toSeconds(real) < realSeconds) real += Duration{1};
  return std::chrono::duration_cast<RealClock::duration>(real);
}

VirtualClock::Wake VirtualClock::waitUntil(TimePoint deadline, std::uint64_t seenGeneration,
                                           RealClock::duration maxWait) {
  // The give-up time is measured on the real steady clock even when tests inject a fake source: a condition
  // variable can only wait in real time.
  auto giveUp = std::chrono::steady_clock::now() + maxWait;
  std::unique_lock lock(mutex_);
  while (true) {
    if (generation_ != seenGeneration) return Wake::Changed;
    TimePoint now = nowLocked();
    if (deadline <= now) return Wake::Reached;
    auto left = giveUp - std::chrono::steady_clock::now();
    if (left <= RealClock::duration::zero()) return Wake::TimedOut;
    auto wait = left;
    if (!frozen_) {
      double realSeconds = toSeconds(std::chrono::duration_cast<Duration>(deadline - now)) / scale_;
      auto untilDeadline =
          std::chrono::duration_cast<RealClock::duration>(fromSeconds(realSeconds)) + RealClock::duration{1};
      if (untilDeadline < wait) wait = untilDeadline;
    }
    changed_.wait_for(lock, wait);
  }
}

void VirtualClock::wakeAll() {
  std::lock_guard lock(mutex_);
  changedLocked();
}

namespace {

struct Civil {
  int year;
  unsigned month, day;
  std::int64_t hour, minute, second, nanos;
};

Civil civil(TimePoint time) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch());
  auto days = std::chrono::floor<std::chrono::days>(ns);
  std::chrono::year_month_day ymd{std::chrono::sys_days{days}};
  std::int64_t rest = (ns - days).count();
  return {static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
          rest / 3'600'000'000'000,     rest / 60'000'000'000 % 60,         rest / 1'000'000'000 % 60,
          rest % 1'000'000'000};
}

std::string formatWithDigits(TimePoint time, int digits) {
  Civil c = civil(time);
  std::string text =
      fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", c.year, c.month, c.day, c.hour, c.minute, c.second);
  if (digits == 6) text += fmt::format(".{:06}", c.nanos / 1000);
  if (digits == 9) text += fmt::format(".{:09}", c.nanos);
  return text + "Z";
}

bool digitsAt(std::string_view s, std::size_t pos, std::size_t count, int& out) {
  if (pos + count > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

std::string formatTime(TimePoint time) {
  return formatWithDigits(time, 0);
}
std::string formatMicroTime(TimePoint time) {
  return formatWithDigits(time, 6);
}
std::string formatNanoTime(TimePoint time) {
  return formatWithDigits(time, 9);
}

std::optional<TimePoint> parseTime(std::string_view s) {
  int year, month, day, hour, minute, second;
  if (!digitsAt(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !digitsAt(s, 5, 2, month) || s[7] != '-' ||
      !digitsAt(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't') || !digitsAt(s, 11, 2, hour) ||
      s[13] != ':' || !digitsAt(s, 14, 2, minute) || s[16] != ':' || !digitsAt(s, 17, 2, second)) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  std::int64_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int count = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (count < 9) nanos = nanos * 10 + (s[pos] - '0');
      ++count;
      ++pos;
    }
    if (count == 0) return std::nullopt;
    for (int i = count; i < 9; ++i)
      nanos *= 10;
  }
  std::int64_t offsetSeconds = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!digitsAt(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digitsAt(s, pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offsetSeconds = (s[pos] == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size() || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                                  std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok()) return std::nullopt;
  auto ns = std::chrono::sys_days{ymd}.time_since_epoch() + std::chrono::hours{hour} +
            std::chrono::minutes{minute} + std::chrono::seconds{second - offsetSeconds} +
            std::chrono::nanoseconds{nanos};
  return TimePoint{std::chrono::duration_cast<TimePoint::duration>(ns)};
}

}  // namespace kubesim::behaviour

// Tests for the virtual clock (on a fake real-time source) and RFC 3339 timestamps.
#include "clock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace kubesim::behaviour {
namespace {

using namespace std::chrono_literals;

// 2026-11-20T09:05:00Z
const TimePoint kStart = TimePoint{std::chrono::sys_days{std::chrono::year{2026} / 11 / 20}} + 9h + 5min;

struct FakeRealTime {
  VirtualClock::RealClock::time_point now{};
  VirtualClock::RealSource source() {
    return [this] { return now; };
  }
};

TEST(VirtualClock, RunsScaledFromItsStart) {
  FakeRealTime real;
  VirtualClock clock(kStart, 60, real.source());
  EXPECT_EQ(clock.now(), kStart);
  real.now += 10s;
  EXPECT_EQ(clock.now(), kStart + 10min);
  real.now += 1500ms;
  EXPECT_EQ(clock.now(), kStart + 11min + 30s);
  // Through the interface the store stamps objects with.
  const kubesim::Clock& asClock = clock;
  EXPECT_EQ(asClock.now(), kStart + 11min + 30s);
}

TEST(VirtualClock, FreezeHoldsTimeAndResumeContinuesFromThere) {
  FakeRealTime real;
  VirtualClock clock(kStart, 2, real.source());
  real.now += 5s;
  clock.freeze();
  EXPECT_TRUE(clock.frozen());
  real.now += 1h;
  EXPECT_EQ(clock.now(), kStart + 10s);
  clock.advance(5min);  // manual advances still move a frozen clock
  EXPECT_EQ(clock.now(), kStart + 5min + 10s);
  clock.resume();
  EXPECT_FALSE(clock.frozen());
  EXPECT_EQ(clock.now(), kStart + 5min + 10s);
  real.now += 3s;
  EXPECT_EQ(clock.now(), kStart + 5min + 16s);
}

TEST(VirtualClock, ScaleChangesApplyFromNowOn) {
  FakeRealTime real;
  VirtualClock clock(kStart, 1, real.source());
  real.now += 10s;
  clock.setScale(100);
  EXPECT_EQ(clock.scale(), 100);
  EXPECT_EQ(clock.now(), kStart + 10s);
  real.now += 2s;
  EXPECT_EQ(clock.now(), kStart + 210s);
  clock.setScale(0.5);
  real.now += 2s;
  EXPECT_EQ(clock.now(), kStart + 211s);
  EXPECT_THROW(clock.setScale(0), std::invalid_argument);
  EXPECT_THROW(clock.setScale(-1), std::invalid_argument);
  EXPECT_THROW(clock.setScale(std::numeric_limits<double>::infinity()), std::invalid_argument);
  EXPECT_THROW(VirtualClock(kStart, 0, real.source()), std::invalid_argument);
}

TEST(VirtualClock, AdvancesOnlyForward) {
  FakeRealTime real;
  VirtualClock clock(kStart, 1, real.source());
  clock.advance(7 * 24h);
  EXPECT_EQ(clock.now(), kStart + 7 * 24h);
  try {
    clock.advance(-1s);
    FAIL() << "a negative advance was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "cannot advance the clock by a negative duration (-1s)");
  }
  EXPECT_FALSE(clock.advanceTo(kStart));
  EXPECT_EQ(clock.now(), kStart + 7 * 24h);
  EXPECT_TRUE(clock.advanceTo(kStart + 8 * 24h));
  EXPECT_EQ(clock.now(), kStart + 8 * 24h);
  real.now += 1s;
  EXPECT_EQ(clock.now(), kStart + 8 * 24h + 1s);
}

TEST(VirtualClock, EveryManualChangeBumpsTheGeneration) {
  FakeRealTime real;
  VirtualClock clock(kStart, 1, real.source());
  EXPECT_EQ(clock.generation(), 0u);
  clock.advance(1s);
  clock.freeze();
  clock.resume();
  clock.setScale(3);
  clock.wakeAll();
  EXPECT_EQ(clock.generation(), 5u);
  EXPECT_FALSE(clock.advanceTo(kStart));  // no change, no wake-up
  EXPECT_EQ(clock.generation(), 5u);
  real.now += 1s;  // time passing on its own is not a change
  EXPECT_EQ(clock.generation(), 5u);
}

TEST(VirtualClock, RealDelayUntilAVirtualDeadline) {
  FakeRealTime real;
  VirtualClock clock(kStart, 10, real.source());
  EXPECT_EQ(clock.realDelayUntil(kStart + 100s), VirtualClock::RealClock::duration(10s));
  EXPECT_EQ(clock.realDelayUntil(kStart + 1s), VirtualClock::RealClock::duration(100ms));
  EXPECT_EQ(clock.realDelayUntil(kStart), VirtualClock::RealClock::duration::zero());
  EXPECT_EQ(clock.realDelayUntil(kStart - 1h), VirtualClock::RealClock::duration::zero());
  clock.setScale(3);
  // 1s / 3 rounds up, so sleeping that long always reaches the deadline.
  EXPECT_EQ(clock.realDelayUntil(kStart + 1s), VirtualClock::RealClock::duration(333333334ns));
  clock.freeze();
  EXPECT_EQ(clock.realDelayUntil(kStart + 1s), std::nullopt);
  EXPECT_EQ(clock.realDelayUntil(kStart), VirtualClock::RealClock::duration::zero());
}

TEST(VirtualClock, WaitReturnsAtOnceWhenReachedOrAlreadyChanged) {
  FakeRealTime real;
  VirtualClock clock(kStart, 1, real.source());
  EXPECT_EQ(clock.waitUntil(kStart, clock.generation(), 1h), VirtualClock::Wake::Reached);
  std::uint64_t seen = clock.generation();
  clock.advance(1s);
  // The change happened between reading the generation and waiting: no lost wake-up.
  EXPECT_EQ(clock.waitUntil(kStart + 1h, seen, 1h), VirtualClock::Wake::Changed);
  clock.freeze();
  EXPECT_EQ(clock.waitUntil(kStart + 1h, clock.generation(), 1ms), VirtualClock::Wake::TimedOut);
}

TEST(VirtualClock, ManualAdvanceWakesAWaiter) {
  VirtualClock clock(kStart, 1);  // the real steady clock: the waiter really sleeps
  clock.freeze();
  std::uint64_t seen = clock.generation();
  std::atomic<int> wake{-1};
  std::thread waiter([&] { wake = static_cast<int>(clock.waitUntil(kStart + 1h, seen, 60s)); });
  clock.advance(2h);
  waiter.join();
  EXPECT_EQ(wake.load(), static_cast<int>(VirtualClock::Wake::Changed));
  // Waiting again with the new generation finds the deadline passed.
  EXPECT_EQ(clock.waitUntil(kStart + 1h, clock.generation(), 60s), VirtualClock::Wake::Reached);
}

TEST(VirtualClock, AWaiterWakesWhenAFastClockReachesTheDeadline) {
  VirtualClock clock(kStart, 3600);  // an hour per real second
  EXPECT_EQ(clock.waitUntil(kStart + 36s, clock.generation(), 60s), VirtualClock::Wake::Reached);
  EXPECT_GE(clock.now(), kStart + 36s);
}

TEST(Timestamps, FormatsRfc3339AsKubernetesDoes) {
  TimePoint t = kStart + 4min + 17s + 123456789ns;
  EXPECT_EQ(formatTime(t), "2026-11-20T09:09:17Z");  // truncated, not rounded
  EXPECT_EQ(formatMicroTime(t), "2026-11-20T09:09:17.123456Z");
  EXPECT_EQ(formatNanoTime(t), "2026-11-20T09:09:17.123456789Z");
  EXPECT_EQ(formatMicroTime(kStart), "2026-11-20T09:05:00.000000Z");
  EXPECT_EQ(formatTime(TimePoint{}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(formatTime(TimePoint{} - 1s), "1969-12-31T23:59:59Z");
  EXPECT_EQ(
      formatTime(TimePoint{std::chrono::sys_days{std::chrono::year{2028} / 2 / 29}} + 23h + 59min + 59s),
      "2028-02-29T23:59:59Z");
}

TEST(Timestamps, ParsesRfc3339) {
  EXPECT_EQ(parseTime("2026-11-20T09:05:00Z"), kStart);
  EXPECT_EQ(parseTime("2026-11-20t09:05:00z"), kStart);
  EXPECT_EQ(parseTime("2026-11-20T10:05:00+01:00"), kStart);
  EXPECT_EQ(parseTime("2026-11-20T04:35:00-04:30"), kStart);
  EXPECT_EQ(parseTime("2026-11-20T09:05:00.5Z"), kStart + 500ms);
  EXPECT_EQ(parseTime("2026-11-20T09:05:00.123456789Z"), kStart + 123456789ns);
  for (const char* bad : {"", "2026-11-20", "2026-11-20T09:05:00", "2026-11-20 09:05:00Z",
                          "2026-02-30T00:00:00Z", "2026-11-20T24:00:00Z", "2026-11-20T09:05:00.Z",
                          "2026-11-20T09:05:00+0100", "2026-11-20T09:05:00Zjunk"}) {
    EXPECT_EQ(parseTime(bad), std::nullopt) << bad;
  }
  TimePoint t = kStart + 17s + 123456000ns;
  EXPECT_EQ(parseTime(formatMicroTime(t)), t);
}

}  // namespace
}  // namespace kubesim::behaviour

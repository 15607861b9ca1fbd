// Tests for Go-style durations and the deterministic noise source.
#include "support.h"

#include <gtest/gtest.h>

namespace kubesim::behaviour {
namespace {

using namespace std::chrono_literals;

TEST(Duration, ParsesGoDurationsAndDays) {
  EXPECT_EQ(parseDuration("90s"), Duration(90s));
  EXPECT_EQ(parseDuration("5m"), Duration(5min));
  EXPECT_EQ(parseDuration("1h30m"), Duration(90min));
  EXPECT_EQ(parseDuration("7d"), Duration(168h));
  EXPECT_EQ(parseDuration("1d12h"), Duration(36h));
  EXPECT_EQ(parseDuration("1.5h"), Duration(90min));
  EXPECT_EQ(parseDuration("250ms"), Duration(250ms));
  EXPECT_EQ(parseDuration("1.5s"), Duration(1500ms));
  EXPECT_EQ(parseDuration(".5s"), Duration(500ms));
  EXPECT_EQ(parseDuration("3us"), Duration(3us));
  EXPECT_EQ(parseDuration("3\xC2\xB5s"), Duration(3us));
  EXPECT_EQ(parseDuration("10ns"), Duration(10ns));
  EXPECT_EQ(parseDuration("0"), Duration(0));
  EXPECT_EQ(parseDuration("-2s"), Duration(-2s));
  EXPECT_EQ(parseDuration("+2m1s"), Duration(121s));
  EXPECT_EQ(parseDuration("2562047h"), Duration(2562047h));
}

TEST(Duration, RejectsMalformed) {
  for (const char* text : {"", "5", "1x", "h", "1.2.3s", "s", "-", "1h 30m", "5M", "1e3s", "2562048h"}) {
    EXPECT_EQ(parseDuration(text), std::nullopt) << text;
  }
}

TEST(Duration, FormatsAsGoDoes) {
  EXPECT_EQ(formatDuration(0s), "0s");
  EXPECT_EQ(formatDuration(90s), "1m30s");
  EXPECT_EQ(formatDuration(5min), "5m0s");
  EXPECT_EQ(formatDuration(90min), "1h30m0s");
  EXPECT_EQ(formatDuration(168h), "168h0m0s");
  EXPECT_EQ(formatDuration(1500ms), "1.5s");
  EXPECT_EQ(formatDuration(250ms), "250ms");
  EXPECT_EQ(formatDuration(1ms + 500us), "1.5ms");
  EXPECT_EQ(formatDuration(3us), "3\xC2\xB5s");
  EXPECT_EQ(formatDuration(10ns), "10ns");
  EXPECT_EQ(formatDuration(-2s), "-2s");
  EXPECT_EQ(formatDuration(Duration::min()), "-2562047h47m16.854775808s");
}

TEST(Noise, IsDeterministicAndBounded) {
  EXPECT_EQ(hash64(""), 14695981039346656037ull);
  EXPECT_EQ(hash64("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(unitNoise(42, 7), unitNoise(42, 7));
  EXPECT_NE(unitNoise(42, 7), unitNoise(42, 8));
  EXPECT_NE(unitNoise(42, 7), unitNoise(43, 7));
  double low = 1, high = -1, sum = 0;
  for (std::int64_t bucket = 0; bucket < 10000; ++bucket) {
    double n = signedNoise(99, bucket);
    low = std::min(low, n);
    high = std::max(high, n);
    sum += n;
  }
  EXPECT_GE(low, -1.0);
  EXPECT_LE(high, 1.0);
  EXPECT_LT(low, -0.99);  // spread over the whole range
  EXPECT_GT(high, 0.99);
  EXPECT_NEAR(sum / 10000, 0.0, 0.03);  // and centred
}

TEST(Noise, BucketsAre15SecondsAndFloorBeforeTheEpoch) {
  EXPECT_EQ(noiseBucket(TimePoint{}), 0);
  EXPECT_EQ(noiseBucket(TimePoint{14999ms}), 0);
  EXPECT_EQ(noiseBucket(TimePoint{15s}), 1);
  EXPECT_EQ(noiseBucket(TimePoint{-1ns}), -1);
  EXPECT_EQ(noiseBucket(TimePoint{-15s}), -1);
  EXPECT_EQ(noiseBucket(TimePoint{-15001ms}), -2);
}

}  // namespace
}  // namespace kubesim::behaviour

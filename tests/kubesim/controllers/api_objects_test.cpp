// Tests for the shared helpers: quantities, API timestamps, Go durations, canonical JSON and FNV hashing.
#include "api_objects.h"

#include <gtest/gtest.h>

#include "resource_quantity.h"

namespace kubesim::controllers {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(QuantityTest, ParsesCpuAndMemoryIntoMilliUnits) {
  EXPECT_EQ(parseQuantityMilli("250m"), 250);
  EXPECT_EQ(parseQuantityMilli("1"), 1000);
  EXPECT_EQ(parseQuantityMilli("1.5"), 1500);
  EXPECT_EQ(parseQuantityMilli("0.1"), 100);
  EXPECT_EQ(parseQuantityMilli("2k"), 2000000);
  EXPECT_EQ(parseQuantityMilli("1Ki"), 1024000);
  EXPECT_EQ(parseQuantityMilli("128Mi"), 134217728000LL);
  EXPECT_EQ(parseQuantityMilli("1Gi"), 1073741824000LL);
  EXPECT_EQ(parseQuantityMilli("1e3"), 1000000);
  EXPECT_EQ(parseQuantityMilli("1E-3"), 1);
  EXPECT_EQ(parseQuantityMilli("-1"), -1000);
}

TEST(QuantityTest, RoundsUpLikeMilliValueAndSaturates) {
  EXPECT_EQ(parseQuantityMilli("1u"), 1);      // 0.001m rounds up to 1m
  EXPECT_EQ(parseQuantityMilli("0.0001"), 1);  // 0.1m rounds up
  EXPECT_EQ(parseQuantityMilli("100n"), 1);
  EXPECT_EQ(parseQuantityMilli("0"), 0);
  EXPECT_EQ(parseQuantityMilli("8Ei"), std::numeric_limits<std::int64_t>::max());
}

TEST(QuantityTest, RejectsMalformedText) {
  EXPECT_FALSE(parseQuantityMilli(""));
  EXPECT_FALSE(parseQuantityMilli("abc"));
  EXPECT_FALSE(parseQuantityMilli("1Xi"));
  EXPECT_FALSE(parseQuantityMilli("1 Gi"));
  EXPECT_FALSE(parseQuantityMilli("Mi"));
  EXPECT_FALSE(parseQuantityMilli("1e"));
}

TEST(QuantityTest, FormatsMilliValuesAsDecimalSI) {
  EXPECT_EQ(formatMilliDecimalSI(0), "0");
  EXPECT_EQ(formatMilliDecimalSI(250), "250m");
  EXPECT_EQ(formatMilliDecimalSI(1000), "1");
  EXPECT_EQ(formatMilliDecimalSI(1500), "1500m");
  EXPECT_EQ(formatMilliDecimalSI(2000000), "2k");
  EXPECT_EQ(formatMilliDecimalSI(104857600000LL), "104857600");
  EXPECT_EQ(formatMilliDecimalSI(5000000000LL), "5M");
}

TEST(TimeTest, FormatsAndParsesRfc3339) {
  TimePoint t = std::chrono::sys_days{std::chrono::year{2024} / 5 / 1} + std::chrono::hours(10) +
                std::chrono::minutes(2) + seconds(3);
  EXPECT_EQ(formatTime(t), "2024-05-01T10:02:03Z");
  EXPECT_EQ(parseTime("2024-05-01T10:02:03Z"), t);
  EXPECT_EQ(parseTime("2024-05-01T12:02:03+02:00"), t);
  EXPECT_EQ(parseTime("2024-05-01T10:02:03.500Z"), t + milliseconds(500));
  EXPECT_EQ(formatTime(t + milliseconds(999)), "2024-05-01T10:02:03Z");
  EXPECT_FALSE(parseTime("2024-05-01 10:02:03Z"));
  EXPECT_FALSE(parseTime("2024-02-30T10:02:03Z"));
  EXPECT_FALSE(parseTime("2024-05-01T10:02:03"));
}

TEST(GoDurationTest, MatchesGoStringForm) {
  EXPECT_EQ(goDuration(seconds(0)), "0s");
  EXPECT_EQ(goDuration(seconds(10)), "10s");
  EXPECT_EQ(goDuration(seconds(40)), "40s");
  EXPECT_EQ(goDuration(seconds(80)), "1m20s");
  EXPECT_EQ(goDuration(seconds(160)), "2m40s");
  EXPECT_EQ(goDuration(seconds(300)), "5m0s");
  EXPECT_EQ(goDuration(seconds(3600)), "1h0m0s");
  EXPECT_EQ(goDuration(milliseconds(1500)), "1.5s");
  EXPECT_EQ(goDuration(milliseconds(250)), "250ms");
  EXPECT_EQ(goDuration(-seconds(5)), "-5s");
}

TEST(ObjectsTest, ReadsNestedFieldsWithFallbacks) {
  json::object pod = json::parse(R"({"metadata":{"name":"web-abc","namespace":"default","uid":"u-1"},
      "spec":{"priority":5,"nested":{"flag":true}}})")
                         .as_object();
  EXPECT_EQ(stringAt(pod, {"metadata", "name"}), "web-abc");
  EXPECT_EQ(stringAt(pod, {"metadata", "missing"}, "x"), "x");
  EXPECT_EQ(intAt(pod, {"spec", "priority"}), 5);
  EXPECT_EQ(intAt(pod, {"spec", "nested"}, -1), -1);
  EXPECT_TRUE(boolAt(pod, {"spec", "nested", "flag"}));
  EXPECT_FALSE(has(pod, {"spec", "nested", "other"}));
  EXPECT_EQ(podDisplayName(pod), "web-abc_default(u-1)");
}

TEST(ObjectsTest, CanonicalJsonIgnoresKeyOrder) {
  json::value a = json::parse(R"({"b":1,"a":{"y":[1,{"d":2,"c":3}],"x":"s"}})");
  json::value b = json::parse(R"({"a":{"x":"s","y":[1,{"c":3,"d":2}]},"b":1})");
  EXPECT_EQ(canonicalJson(a), canonicalJson(b));
  EXPECT_EQ(canonicalJson(a), R"({"a":{"x":"s","y":[1,{"c":3,"d":2}]},"b":1})");
}

TEST(ObjectsTest, Fnv32aMatchesReferenceVectors) {
  EXPECT_EQ(fnv32a(""), 0x811c9dc5u);
  EXPECT_EQ(fnv32a("a"), 0xe40c292cu);
  EXPECT_EQ(fnv32a("foobar"), 0xbf9cf968u);
}

}  // namespace
}  // namespace kubesim::controllers

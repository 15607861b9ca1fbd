// RFC 3339 parsing/formatting and kubectl's HumanDuration.
#include "support/timestamps.h"

#include <gtest/gtest.h>

namespace aiops {
namespace {

using namespace std::chrono;

TEST(Timestamps, ParseAndFormat) {
  const auto t = parseTimestamp("2024-05-01T10:00:00Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(duration_cast<seconds>(t->time_since_epoch()).count(), 1714557600);
  EXPECT_EQ(formatTimestamp(*t), "2024-05-01T10:00:00Z");
  const auto micro = parseTimestamp("2024-05-01T10:00:00.250000Z");
  ASSERT_TRUE(micro.has_value());
  EXPECT_EQ(duration_cast<milliseconds>(*micro - *t).count(), 250);
  const auto offset = parseTimestamp("2024-05-01T12:00:00+02:00");
  ASSERT_TRUE(offset.has_value());
  EXPECT_EQ(*offset, *t);
  EXPECT_EQ(parseTimestamp("2024-05-01T09:30:00-00:30"), t);
  for (const char* bad :
       {"", "2024-05-01", "2024-05-01 10:00:00Z", "2024-13-01T10:00:00Z", "2024-02-30T10:00:00Z",
        "2024-05-01T10:00:00", "2024-05-01T10:00:00.Z", "2024-05-01T10:00:00Zjunk", "garbage"}) {
    EXPECT_FALSE(parseTimestamp(bad).has_value()) << bad;
  }
}

TEST(HumanDuration, MatchesKubectl) {
  const std::pair<long long, const char*> table[] = {
      {-5, "<invalid>"}, {-1, "0s"},         {0, "0s"},         {59, "59s"},    {119, "119s"},
      {120, "2m"},       {125, "2m5s"},      {599, "9m59s"},    {600, "10m"},   {10799, "179m"},
      {10800, "3h"},     {11100, "3h5m"},    {28799, "7h59m"},  {28800, "8h"},  {172799, "47h"},
      {172800, "2d"},    {180000, "2d2h"},   {691199, "7d23h"}, {691200, "8d"}, {63071999, "729d"},
      {63072000, "2y"},  {63158400, "2y1d"}, {252288000, "8y"},
  };
  for (const auto& [s, expect] : table)
    EXPECT_EQ(humanDuration(seconds(s)), expect) << s;
}

}  // namespace
}  // namespace aiops

// Cron schedules: the fields, names, steps and descriptors CronJobs use, and the next run after an instant.
#include "cron.h"

#include <gtest/gtest.h>

#include "../meta.h"

namespace kubesim::runtime {
namespace {

std::chrono::system_clock::time_point at(std::string_view text) {
  return *kubesim::parseTime(text);
}

std::string nextAfter(std::string_view schedule, std::string_view after) {
  std::optional<CronSchedule> parsed = CronSchedule::parse(schedule);
  if (!parsed) return "invalid";
  auto next = parsed->next(at(after));
  return next ? kubesim::formatTime(*next) : "never";
}

TEST(CronTest, EveryFiveMinutesFromAnyInstant) {
  EXPECT_EQ(nextAfter("*/5 * * * *", "2026-11-20T09:03:17Z"), "2026-11-20T09:05:00Z");
  EXPECT_EQ(nextAfter("*/5 * * * *", "2026-11-20T09:05:00Z"), "2026-11-20T09:10:00Z");
  EXPECT_EQ(nextAfter("*/5 * * * *", "2026-11-20T23:59:00Z"), "2026-11-21T00:00:00Z");
}

TEST(CronTest, HoursDaysMonthsAndNames) {
  EXPECT_EQ(nextAfter("30 2 * * *", "2026-11-20T09:00:00Z"), "2026-11-21T02:30:00Z");
  EXPECT_EQ(nextAfter("0 0 1 * *", "2026-11-20T09:00:00Z"), "2026-12-01T00:00:00Z");
  EXPECT_EQ(nextAfter("0 12 * JAN MON", "2026-11-20T09:00:00Z"), "2027-01-04T12:00:00Z");
  EXPECT_EQ(nextAfter("0 9 * * 1-5", "2026-11-20T09:00:00Z"), "2026-11-23T09:00:00Z");  // Friday -> Monday
  EXPECT_EQ(nextAfter("0 0 * * 7", "2026-11-20T09:00:00Z"), "2026-11-22T00:00:00Z");    // 7 is Sunday
  EXPECT_EQ(nextAfter("0 0 29 2 *", "2026-11-20T09:00:00Z"), "2028-02-29T00:00:00Z");
}

TEST(CronTest, DayOfMonthOrDayOfWeekWhenBothAreRestricted) {
  // The 13th or any Friday: Friday 2026-11-20 13:00 is the first after 09:00.
  EXPECT_EQ(nextAfter("0 13 13 * 5", "2026-11-20T09:00:00Z"), "2026-11-20T13:00:00Z");
  // With the day of month a star, only the weekday counts.
  EXPECT_EQ(nextAfter("0 13 * * 0", "2026-11-20T09:00:00Z"), "2026-11-22T13:00:00Z");
}

TEST(CronTest, DescriptorsAndLists) {
  EXPECT_EQ(nextAfter("@hourly", "2026-11-20T09:00:00Z"), "2026-11-20T10:00:00Z");
  EXPECT_EQ(nextAfter("@daily", "2026-11-20T09:00:00Z"), "2026-11-21T00:00:00Z");
  EXPECT_EQ(nextAfter("@weekly", "2026-11-20T09:00:00Z"), "2026-11-22T00:00:00Z");
  EXPECT_EQ(nextAfter("@yearly", "2026-11-20T09:00:00Z"), "2027-01-01T00:00:00Z");
  EXPECT_EQ(nextAfter("15,45 * * * *", "2026-11-20T09:20:00Z"), "2026-11-20T09:45:00Z");
  EXPECT_EQ(nextAfter("10/20 * * * *", "2026-11-20T09:31:00Z"), "2026-11-20T09:50:00Z");
}

TEST(CronTest, MalformedSchedulesSayWhy) {
  std::string error;
  EXPECT_FALSE(CronSchedule::parse("* * * *", &error));
  EXPECT_EQ(error, "expected exactly 5 fields, found 4: * * * *");
  EXPECT_FALSE(CronSchedule::parse("61 * * * *", &error));
  EXPECT_EQ(error, "end of range (61) above maximum (59): 61");
  EXPECT_FALSE(CronSchedule::parse("@fortnightly", &error));
  EXPECT_EQ(error, "unrecognized descriptor: @fortnightly");
  EXPECT_FALSE(CronSchedule::parse("*/0 * * * *", &error));
  EXPECT_EQ(error, "failed to parse int from 0");
}

}  // namespace
}  // namespace kubesim::runtime

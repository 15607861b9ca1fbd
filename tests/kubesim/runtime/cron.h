// Cron schedules as CronJobs take them (robfig/cron's standard parser): five fields (minute, hour, day of
// month, month, day of week) with *, ?, lists, ranges, steps and month/day names, and the descriptors
// @yearly, @annually, @monthly, @weekly, @daily, @midnight and @hourly. Times are UTC.
#pragma once

#include <bitset>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace kubesim::runtime {

class CronSchedule {
 public:
  // The schedule, or nullopt with *error set to why it is malformed.
  static std::optional<CronSchedule> parse(std::string_view text, std::string* error = nullptr);
  // The first scheduled minute strictly after `after`; nullopt when none comes within five years.
  std::optional<std::chrono::system_clock::time_point> next(
      std::chrono::system_clock::time_point after) const;

 private:
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;
  std::bitset<13> months_;
  std::bitset<7> weekdays_;
  bool daysStar_ = false;
  bool weekdaysStar_ = false;
};

}  // namespace kubesim::runtime

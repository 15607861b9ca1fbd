// RFC 3339 parsing and kubectl-style durations (apimachinery util/duration.HumanDuration rules).
#include "support/timestamps.h"

#include <fmt/format.h>

#include <charconv>

namespace aiops {
namespace {

bool readInt(std::string_view text, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > text.size()) return false;
  for (std::size_t i = pos; i < pos + len; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return std::from_chars(text.data() + pos, text.data() + pos + len, out).ec == std::errc();
}

}  // namespace

std::optional<WallTime> parseTimestamp(std::string_view text) {
  using namespace std::chrono;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!readInt(text, 0, 4, year) || text.size() < 20 || text[4] != '-' || !readInt(text, 5, 2, month) ||
      text[7] != '-' || !readInt(text, 8, 2, day) || (text[10] != 'T' && text[10] != 't') ||
      !readInt(text, 11, 2, hour) || text[13] != ':' || !readInt(text, 14, 2, minute) || text[16] != ':' ||
      !readInt(text, 17, 2, second)) {
    return std::nullopt;
  }
  const year_month_day date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                            std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::size_t pos = 19;
  nanoseconds fraction{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    long long scale = 100000000;
    const std::size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fraction += nanoseconds((text[pos] - '0') * scale);
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  minutes offset{0};
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh = 0, om = 0;
    if (!readInt(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !readInt(text, pos + 4, 2, om)) {
      return std::nullopt;
    }
    offset = hours(oh) + minutes(om);
    if (text[pos] == '-') offset = -offset;
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  const auto local = sys_days(date) + hours(hour) + minutes(minute) + seconds(second);
  return time_point_cast<system_clock::duration>(local - offset + fraction);
}

std::string formatTimestamp(WallTime time) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(time);
  const auto days = floor<std::chrono::days>(secs);
  const year_month_day date(days);
  const hh_mm_ss<seconds> tod(secs - days);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     tod.hours().count(), tod.minutes().count(), tod.seconds().count());
}

std::string humanDuration(std::chrono::seconds age) {
  const long long s = age.count();
  if (s < -1) return "<invalid>";
  if (s < 0) return "0s";
  if (s < 120) return fmt::format("{}s", s);
  const long long minutes = s / 60;
  if (minutes < 10) return s % 60 == 0 ? fmt::format("{}m", minutes) : fmt::format("{}m{}s", minutes, s % 60);
  if (minutes < 180) return fmt::format("{}m", minutes);
  const long long hours = s / 3600;
  if (hours < 8)
    return minutes % 60 == 0 ? fmt::format("{}h", hours) : fmt::format("{}h{}m", hours, minutes % 60);
  if (hours < 48) return fmt::format("{}h", hours);
  if (hours < 24 * 8)
    return hours % 24 == 0 ? fmt::format("{}d", hours / 24) : fmt::format("{}d{}h", hours / 24, hours % 24);
  if (hours < 24 * 365 * 2) return fmt::format("{}d", hours / 24);
  if (hours < 24 * 365 * 8) {
    const long long days = (hours / 24) % 365;
    return days == 0 ? fmt::format("{}y", hours / 24 / 365) : fmt::format("{}y{}d", hours / 24 / 365, days);
  }
  return fmt::format("{}y", hours / 24 / 365);
}

std::optional<std::chrono::seconds> parseDuration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::int64_t number = 0;
    const std::size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      number = number * 10 + (text[i] - '0');
      if (number > 100'000'000) return std::nullopt;
      ++i;
    }
    if (i == start || i == text.size()) return std::nullopt;
    const char unit = text[i++];
    switch (unit) {
      case 'd':
        total += number * 86400;
        break;
      case 'h':
        total += number * 3600;
        break;
      case 'm':
        total += number * 60;
        break;
      case 's':
        total += number;
        break;
      default:
        return std::nullopt;
    }
  }
  return std::chrono::seconds(total);
}

}  // namespace aiops

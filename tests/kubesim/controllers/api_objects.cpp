// Helpers for reading API objects, API timestamps and Go durations (see api_objects.h).
#include "api_objects.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <vector>

namespace kubesim::controllers {

const json::value* find(const json::object& object, std::initializer_list<std::string_view> path) {
  const json::object* current = &object;
  const json::value* value = nullptr;
  for (auto it = path.begin(); it != path.end(); ++it) {
    if (current == nullptr) return nullptr;
    auto found = current->find(*it);
    if (found == current->end()) return nullptr;
    value = &found->value();
    current = value->if_object();
  }
  return value;
}

const json::object* findObject(const json::object& object, std::initializer_list<std::string_view> path) {
  const json::value* value = find(object, path);
  return value == nullptr ? nullptr : value->if_object();
}

const json::array* findArray(const json::object& object, std::initializer_list<std::string_view> path) {
  const json::value* value = find(object, path);
  return value == nullptr ? nullptr : value->if_array();
}

std::string stringAt(const json::object& object, std::initializer_list<std::string_view> path,
                     std::string_view fallback) {
  const json::value* value = find(object, path);
  if (value == nullptr || !value->is_string()) return std::string(fallback);
  return std::string(value->get_string());
}

std::int64_t intAt(const json::object& object, std::initializer_list<std::string_view> path,
                   std::int64_t fallback) {
  const json::value* value = find(object, path);
  if (value == nullptr) return fallback;
  if (value->is_int64()) return value->get_int64();
  if (value->is_uint64()) return static_cast<std::int64_t>(value->get_uint64());
  if (value->is_double()) {
    double d = value->get_double();
    if (std::isfinite(d) && std::floor(d) == d) return static_cast<std::int64_t>(d);
  }
  return fallback;
}

bool boolAt(const json::object& object, std::initializer_list<std::string_view> path, bool fallback) {
  const json::value* value = find(object, path);
  if (value == nullptr || !value->is_bool()) return fallback;
  return value->get_bool();
}

bool has(const json::object& object, std::initializer_list<std::string_view> path) {
  const json::value* value = find(object, path);
  return value != nullptr && !value->is_null();
}

std::string formatTime(TimePoint time) {
  std::time_t seconds = Clock::to_time_t(std::chrono::floor<std::chrono::seconds>(time));
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                     utc.tm_hour, utc.tm_min, utc.tm_sec);
}

namespace {

bool readDigits(std::string_view text, std::size_t& pos, std::size_t count, int& out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  pos += count;
  out = value;
  return true;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

std::optional<TimePoint> parseTime(std::string_view text) {
  std::size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!readDigits(text, pos, 4, year) || !expect(text, pos, '-') || !readDigits(text, pos, 2, month) ||
      !expect(text, pos, '-') || !readDigits(text, pos, 2, day))
    return std::nullopt;
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't')) return std::nullopt;
  ++pos;
  if (!readDigits(text, pos, 2, hour) || !expect(text, pos, ':') || !readDigits(text, pos, 2, minute) ||
      !expect(text, pos, ':') || !readDigits(text, pos, 2, second))
    return std::nullopt;
  std::chrono::nanoseconds fraction{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::int64_t nanos = 0;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 9) {
        nanos = nanos * 10 + (text[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 9; ++digits)
      nanos *= 10;
    fraction = std::chrono::nanoseconds(nanos);
  }
  int offsetMinutes = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int offHour = 0, offMinute = 0;
    if (!readDigits(text, pos, 2, offHour) || !expect(text, pos, ':') || !readDigits(text, pos, 2, offMinute))
      return std::nullopt;
    offsetMinutes = sign * (offHour * 60 + offMinute);
  } else {
    return std::nullopt;
  }
  if (pos != text.size() || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 ||
      second > 60)
    return std::nullopt;
  std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                                   std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return std::nullopt;
  auto days = std::chrono::sys_days{date};
  auto result = std::chrono::time_point_cast<Clock::duration>(
      days + std::chrono::hours(hour) + std::chrono::minutes(minute) + std::chrono::seconds(second) -
      std::chrono::minutes(offsetMinutes));
  return result + std::chrono::duration_cast<Clock::duration>(fraction);
}

std::optional<TimePoint> timeAt(const json::object& object, std::initializer_list<std::string_view> path) {
  const json::value* value = find(object, path);
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return parseTime(value->get_string());
}

namespace {

// Go's fmtFrac/fmtInt for the seconds part: digits of value with `precision` fractional digits, trailing
// zeros dropped.
std::string withFraction(std::uint64_t value, int precision) {
  std::string fraction;
  bool printed = false;
  for (int i = 0; i < precision; ++i) {
    std::uint64_t digit = value % 10;
    printed = printed || digit != 0;
    if (printed) fraction.insert(fraction.begin(), static_cast<char>('0' + digit));
    value /= 10;
  }
  std::string result = std::to_string(value);
  if (printed) result += "." + fraction;
  return result;
}

}  // namespace

std::string goDuration(std::chrono::nanoseconds duration) {
  std::int64_t count = duration.count();
  if (count == 0) return "0s";
  bool negative = count < 0;
  std::uint64_t u =
      negative ? static_cast<std::uint64_t>(-(count + 1)) + 1 : static_cast<std::uint64_t>(count);
  std::string body;
  if (u < 1000000000ULL) {
    // Sub-second durations use the smallest unit that keeps a leading digit.
    if (u < 1000ULL) {
      body = std::to_string(u) + "ns";
    } else if (u < 1000000ULL) {
      body = withFraction(u, 3) + "µs";
    } else {
      body = withFraction(u, 6) + "ms";
    }
  } else {
    std::uint64_t seconds = u / 1000000000ULL;
    std::uint64_t nanos = u % 1000000000ULL;
    std::string secondsPart = withFraction(seconds % 60 * 1000000000ULL + nanos, 9) + "s";
    std::uint64_t minutes = seconds / 60;
    if (minutes == 0) {
      body = secondsPart;
    } else {
      std::uint64_t hours = minutes / 60;
      body = std::to_string(minutes % 60) + "m" + secondsPart;
      if (hours > 0) body = std::to_string(hours) + "h" + body;
    }
  }
  return negative ? "-" + body : body;
}

std::string podDisplayName(const json::object& pod) {
  return fmt::format("{}_{}({})", stringAt(pod, {"metadata", "name"}),
                     stringAt(pod, {"metadata", "namespace"}), stringAt(pod, {"metadata", "uid"}));
}

const json::object* findCondition(const json::object& object, std::string_view type) {
  const json::array* conditions = findArray(object, {"status", "conditions"});
  if (conditions == nullptr) return nullptr;
  for (const json::value& item : *conditions) {
    const json::object* condition = item.if_object();
    if (condition != nullptr && stringAt(*condition, {"type"}) == type) return condition;
  }
  return nullptr;
}

std::uint32_t fnv32a(std::string_view bytes, std::uint32_t seed) {
  std::uint32_t hash = seed;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 16777619u;
  }
  return hash;
}

std::string canonicalJson(const json::value& value) {
  if (const json::object* object = value.if_object()) {
    std::vector<std::string_view> keys;
    keys.reserve(object->size());
    for (const auto& member : *object)
      keys.push_back(member.key());
    std::sort(keys.begin(), keys.end());
    std::string out = "{";
    bool first = true;
    for (std::string_view key : keys) {
      if (!first) out += ',';
      first = false;
      out += json::serialize(json::value(key));
      out += ':';
      out += canonicalJson(object->at(key));
    }
    return out + "}";
  }
  if (const json::array* array = value.if_array()) {
    std::string out = "[";
    bool first = true;
    for (const json::value& item : *array) {
      if (!first) out += ',';
      first = false;
      out += canonicalJson(item);
    }
    return out + "]";
  }
  return json::serialize(value);
}

}  // namespace kubesim::controllers

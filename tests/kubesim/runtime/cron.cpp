// Cron schedule parsing and the next-run search (see cron.h).
#include "cron.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace kubesim::runtime {

namespace {

using namespace std::chrono;

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    std::size_t at = text.find(sep, start);
    out.push_back(text.substr(start, at - start));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return out;
}

std::optional<int> number(std::string_view text, const std::vector<std::string_view>& names, int nameBase) {
  if (text.empty()) return std::nullopt;
  if (std::all_of(text.begin(), text.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    if (text.size() > 4) return std::nullopt;
    int value = 0;
    for (char c : text)
      value = value * 10 + (c - '0');
    return value;
  }
  std::string upper(text);
  for (char& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == upper) return static_cast<int>(i) + nameBase;
  return std::nullopt;
}

// Sets the bits one field selects; returns an error text, empty when fine; star reports a bare `*`/`?`.
template <std::size_t N>
std::string parseField(std::string_view field, int min, int max, const std::vector<std::string_view>& names,
                       int nameBase, std::bitset<N>& bits, bool& star) {
  star = field == "*" || field == "?";
  for (std::string_view part : split(field, ',')) {
    std::string_view range = part;
    int step = 1;
    if (std::size_t slash = part.find('/'); slash != std::string_view::npos) {
      range = part.substr(0, slash);
      std::optional<int> s = number(part.substr(slash + 1), {}, 0);
      if (!s || *s <= 0) return fmt::format("failed to parse int from {}", part.substr(slash + 1));
      step = *s;
    }
    int low = min, high = max;
    if (range != "*" && range != "?") {
      std::size_t dash = range.find('-');
      std::optional<int> a = number(range.substr(0, dash), names, nameBase);
      if (!a) return fmt::format("failed to parse int from {}", range.substr(0, dash));
      low = high = *a;
      if (dash != std::string_view::npos) {
        std::optional<int> b = number(range.substr(dash + 1), names, nameBase);
        if (!b) return fmt::format("failed to parse int from {}", range.substr(dash + 1));
        high = *b;
      } else if (part.find('/') != std::string_view::npos) {
        high = max;  // "a/n" means from a to the end
      }
    }
    if (low < min) return fmt::format("beginning of range ({}) below minimum ({}): {}", low, min, part);
    if (high > max) return fmt::format("end of range ({}) above maximum ({}): {}", high, max, part);
    if (low > high)
      return fmt::format("beginning of range ({}) beyond end of range ({}): {}", low, high, part);
    for (int v = low; v <= high; v += step)
      bits.set(static_cast<std::size_t>(v));
  }
  return {};
}

}  // namespace

std::optional<CronSchedule> CronSchedule::parse(std::string_view text, std::string* error) {
  auto fail = [&](std::string message) -> std::optional<CronSchedule> {
    if (error) *error = std::move(message);
    return std::nullopt;
  };
  std::string spec(text);
  while (!spec.empty() && std::isspace(static_cast<unsigned char>(spec.back())))
    spec.pop_back();
  while (!spec.empty() && std::isspace(static_cast<unsigned char>(spec.front())))
    spec.erase(spec.begin());
  if (spec.starts_with("@")) {
    static const std::vector<std::pair<std::string_view, std::string_view>> descriptors = {
        {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
        {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
        {"@hourly", "0 * * * *"}};
    for (const auto& [name, expansion] : descriptors)
      if (spec == name) return parse(expansion, error);
    return fail(fmt::format("unrecognized descriptor: {}", spec));
  }
  std::vector<std::string> fields;
  std::string current;
  for (char c : spec) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!current.empty()) fields.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) fields.push_back(current);
  if (fields.size() != 5)
    return fail(fmt::format("expected exactly 5 fields, found {}: {}", fields.size(), spec));
  static const std::vector<std::string_view> kMonths = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                        "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
  static const std::vector<std::string_view> kDays = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};
  CronSchedule s;
  bool star = false;
  std::string problem = parseField(fields[0], 0, 59, {}, 0, s.minutes_, star);
  if (problem.empty()) problem = parseField(fields[1], 0, 23, {}, 0, s.hours_, star);
  if (problem.empty()) problem = parseField(fields[2], 1, 31, {}, 0, s.days_, s.daysStar_);
  if (problem.empty()) problem = parseField(fields[3], 1, 12, kMonths, 1, s.months_, star);
  std::bitset<8> weekdays;
  if (problem.empty()) problem = parseField(fields[4], 0, 7, kDays, 0, weekdays, s.weekdaysStar_);
  if (!problem.empty()) return fail(problem);
  for (std::size_t d = 0; d < 7; ++d)
    s.weekdays_[d] = weekdays[d];
  if (weekdays[7]) s.weekdays_[0] = true;  // 7 is Sunday too
  return s;
}

std::optional<system_clock::time_point> CronSchedule::next(system_clock::time_point after) const {
  sys_time<minutes> t = floor<minutes>(after) + minutes(1);
  sys_time<minutes> limit = t + hours(24 * 366 * 5);
  while (t < limit) {
    sys_days day = floor<days>(t);
    year_month_day date{day};
    auto month = static_cast<unsigned>(date.month());
    if (!months_[month]) {
      year_month first = year_month(date.year(), date.month()) + months(1);
      t = sys_days(first / 1);
      continue;
    }
    bool domMatch = days_[static_cast<unsigned>(date.day())];
    bool dowMatch = weekdays_[weekday(day).c_encoding()];
    bool dayMatch = daysStar_ || weekdaysStar_ ? domMatch && dowMatch : domMatch || dowMatch;
    if (!dayMatch) {
      t = day + days(1);
      continue;
    }
    auto hour = duration_cast<hours>(t - day).count();
    if (!hours_[static_cast<std::size_t>(hour)]) {
      t = day + hours(hour + 1);
      continue;
    }
    auto minute = duration_cast<minutes>(t - day).count() % 60;
    if (!minutes_[static_cast<std::size_t>(minute)]) {
      t += minutes(1);
      continue;
    }
    return time_point_cast<system_clock::duration>(t);
  }
  return std::nullopt;
}

}  // namespace kubesim::runtime

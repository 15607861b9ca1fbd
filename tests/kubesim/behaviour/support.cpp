// Go-style durations and the deterministic noise every behaviour model draws from.
#include "support.h"

#include <cmath>
#include <limits>

namespace kubesim::behaviour {

namespace {

struct Unit {
  std::string_view name;
  std::int64_t nanoseconds;
};

// Longest names first, so "ms" is not read as "m" followed by garbage.
constexpr Unit kUnits[] = {
    {"ns", 1},
    {"us", 1'000},
    {"\xC2\xB5s", 1'000},  // U+00B5 micro sign, as Go accepts
    {"\xCE\xBCs", 1'000},  // U+03BC Greek mu
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
    {"d", 86'400'000'000'000},
};

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

}  // namespace

std::optional<Duration> parseDuration(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return Duration{0};
  if (s.empty()) return std::nullopt;
  // Whole nanoseconds as a long double: exact for every duration Go can represent (< 2^63 ns needs 63 bits;
  // long double has 64 on x86-64), and simpler than Go's overflow-checked integer arithmetic.
  long double total = 0;
  while (!s.empty()) {
    std::uint64_t whole = 0;
    bool digits = false;
    while (!s.empty() && isDigit(s[0])) {
      if (whole > (std::numeric_limits<std::uint64_t>::max() - 9) / 10) return std::nullopt;
      whole = whole * 10 + static_cast<std::uint64_t>(s[0] - '0');
      digits = true;
      s.remove_prefix(1);
    }
    long double fraction = 0;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      long double scale = 0.1L;
      while (!s.empty() && isDigit(s[0])) {
        fraction += scale * (s[0] - '0');
        scale /= 10;
        digits = true;
        s.remove_prefix(1);
      }
    }
    if (!digits) return std::nullopt;
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (s.starts_with(u.name) && (unit == nullptr || u.name.size() > unit->name.size())) unit = &u;
    }
    if (unit == nullptr) return std::nullopt;  // Go requires a unit on every component but a bare "0"
    s.remove_prefix(unit->name.size());
    total += (static_cast<long double>(whole) + fraction) * static_cast<long double>(unit->nanoseconds);
    if (total > static_cast<long double>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
  }
  auto ns = static_cast<std::int64_t>(std::llroundl(total));
  return Duration{negative ? -ns : ns};
}

std::string formatDuration(Duration duration) {
  std::int64_t ns = duration.count();
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  // The magnitude as unsigned, so the minimum value does not overflow.
  std::uint64_t u = ns < 0 ? static_cast<std::uint64_t>(-(ns + 1)) + 1 : static_cast<std::uint64_t>(ns);
  auto fractionText = [](std::uint64_t value, int digits) {
    // value has `digits` fractional digits; drop trailing zeros.
    std::string text;
    for (int i = 0; i < digits; ++i) {
      text.insert(text.begin(), static_cast<char>('0' + value % 10));
      value /= 10;
    }
    while (!text.empty() && text.back() == '0')
      text.pop_back();
    return text.empty() ? std::string() : "." + text;
  };
  if (u < 1'000'000'000) {
    // Below a second Go switches to the smallest unit that keeps an integral part.
    if (u < 1'000) return sign + std::to_string(u) + "ns";
    if (u < 1'000'000) return sign + std::to_string(u / 1'000) + fractionText(u % 1'000, 3) + "\xC2\xB5s";
    return sign + std::to_string(u / 1'000'000) + fractionText(u % 1'000'000, 6) + "ms";
  }
  std::uint64_t seconds = u / 1'000'000'000;
  std::string text = std::to_string(seconds % 60) + fractionText(u % 1'000'000'000, 9) + "s";
  std::uint64_t minutes = seconds / 60;
  if (minutes > 0) {
    text = std::to_string(minutes % 60) + "m" + text;
    std::uint64_t hours = minutes / 60;
    if (hours > 0) text = std::to_string(hours) + "h" + text;
  }
  return sign + text;
}

double toSeconds(Duration duration) {
  return static_cast<double>(duration.count()) / 1e9;
}

Duration fromSeconds(double seconds) {
  double ns = std::round(seconds * 1e9);
  constexpr double kMax = 9.2e18;  // just inside the int64 range
  if (!(ns < kMax)) return Duration::max();
  if (!(ns > -kMax)) return Duration::min();
  return Duration{static_cast<std::int64_t>(ns)};
}

std::uint64_t hash64(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ull;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

double unitNoise(std::uint64_t seed, std::int64_t bucket) {
  std::uint64_t bits = mix64(seed ^ mix64(static_cast<std::uint64_t>(bucket)));
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

double signedNoise(std::uint64_t seed, std::int64_t bucket) {
  return unitNoise(seed, bucket) * 2.0 - 1.0;
}

std::int64_t noiseBucket(TimePoint time) {
  std::int64_t ns = std::chrono::duration_cast<Duration>(time.time_since_epoch()).count();
  std::int64_t width = kNoiseBucket.count();
  std::int64_t bucket = ns / width;
  if (ns % width != 0 && ns < 0) --bucket;
  return bucket;
}

}  // namespace kubesim::behaviour

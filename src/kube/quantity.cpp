// Quantity parsing and canonical printing. The rules are Kubernetes' (resource.ParseQuantity and
// CanonicalizeBytes), re-derived from its documented behaviour and test tables:
// - parsing rounds the magnitude up to a whole nano-unit ("3.001n" -> 4n, "0.00000012345" -> 124n);
// - binary values are capped at 2^63-1 units ("9Ei"), and a binary value below one unit becomes DecimalSI;
// - printing picks binary only for whole multiples of 1024 at or above 1024, else the decimal form with an
//   exponent that is a multiple of 3 and the largest one that keeps the mantissa whole;
// - exponents past the suffix tables (beyond "E" or "Ei") fall back to exponent notation ("1e21").
#include "kube/quantity.h"

#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace aiops::kube {
namespace {

__extension__ typedef unsigned __int128 UInt128;

constexpr Int128 kNanoPerUnit = 1'000'000'000;
constexpr UInt128 kMaxMagnitude = static_cast<UInt128>(std::numeric_limits<Int128>::max());
// Kubernetes' cap for binary quantities: 2^63-1 whole units.
constexpr UInt128 kBinaryCapNano =
    static_cast<UInt128>(std::numeric_limits<std::int64_t>::max()) * 1'000'000'000u;

struct Suffix {
  std::string_view text;
  int base;  // 2 or 10
  int exponent;
};

constexpr std::array kSuffixes{
    Suffix{"Ki", 2, 10}, Suffix{"Mi", 2, 20}, Suffix{"Gi", 2, 30}, Suffix{"Ti", 2, 40},
    Suffix{"Pi", 2, 50}, Suffix{"Ei", 2, 60}, Suffix{"n", 10, -9}, Suffix{"u", 10, -6},
    Suffix{"m", 10, -3}, Suffix{"", 10, 0},   Suffix{"k", 10, 3},  Suffix{"M", 10, 6},
    Suffix{"G", 10, 9},  Suffix{"T", 10, 12}, Suffix{"P", 10, 15}, Suffix{"E", 10, 18},
};

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

// 10^n as an unsigned 128-bit value; nullopt when it does not fit.
std::optional<UInt128> pow10(int n) {
  if (n < 0 || n > 38) return std::nullopt;
  UInt128 result = 1;
  for (int i = 0; i < n; ++i)
    result *= 10;
  return result;
}

bool mulOverflows(UInt128 a, UInt128 b, UInt128& out) {
  return __builtin_mul_overflow(a, b, &out) || out > kMaxMagnitude;
}

std::optional<UInt128> parseDigits(std::string_view digits) {
  UInt128 value = 0;
  for (char c : digits) {
    if (mulOverflows(value, 10, value)) return std::nullopt;
    value += static_cast<unsigned>(c - '0');
    if (value > kMaxMagnitude) return std::nullopt;
  }
  return value;
}

std::string toDecimal(UInt128 value) {
  if (value == 0) return "0";
  std::string digits;
  while (value > 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  }
  return digits;
}

// |value| as an unsigned magnitude (safe for the most negative value).
UInt128 magnitude(Int128 value) {
  return value < 0 ? static_cast<UInt128>(-(value + 1)) + 1 : static_cast<UInt128>(value);
}

// Decimal rendering: mantissa and exponent (a multiple of 3) with the largest exponent keeping it whole.
std::string decimalString(UInt128 nano, bool negative, Quantity::Format format) {
  UInt128 mantissa = nano;
  int exponent = -9;
  while (mantissa % 1000 == 0) {
    mantissa /= 1000;
    exponent += 3;
  }
  // Appended rather than `"-" + toDecimal(...)`: GCC 12 at -O3 warns falsely (-Wrestrict) on that form.
  std::string text(negative ? "-" : "");
  text += toDecimal(mantissa);
  if (format == Quantity::Format::DecimalSI) {
    for (const auto& suffix : kSuffixes) {
      if (suffix.base == 10 && suffix.exponent == exponent) return text + std::string(suffix.text);
    }
  }
  return exponent == 0 ? text : text + "e" + std::to_string(exponent);
}

std::int64_t saturate(Int128 value) {
  if (value > std::numeric_limits<std::int64_t>::max()) return std::numeric_limits<std::int64_t>::max();
  if (value < std::numeric_limits<std::int64_t>::min()) return std::numeric_limits<std::int64_t>::min();
  return static_cast<std::int64_t>(value);
}

Int128 checkedAdd(Int128 a, Int128 b) {
  Int128 out = 0;
  if (__builtin_add_overflow(a, b, &out)) throw std::overflow_error("quantity arithmetic overflow");
  return out;
}

}  // namespace

std::optional<Quantity> Quantity::parse(std::string_view text) {
  std::size_t pos = 0;
  bool negative = false;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) negative = text[pos++] == '-';
  const std::size_t intStart = pos;
  while (pos < text.size() && isDigit(text[pos]))
    ++pos;
  std::string_view intDigits = text.substr(intStart, pos - intStart);
  std::string_view fracDigits;
  bool hasPoint = false;
  if (pos < text.size() && text[pos] == '.') {
    hasPoint = true;
    const std::size_t fracStart = ++pos;
    while (pos < text.size() && isDigit(text[pos]))
      ++pos;
    fracDigits = text.substr(fracStart, pos - fracStart);
  }
  if (intDigits.empty() && !hasPoint) return std::nullopt;  // no number at all ("Ki", "", "aoeu")

  // The suffix: an SI suffix, or e/E followed by a signed integer exponent.
  const std::string_view suffixText = text.substr(pos);
  int base = 10;
  long long exponent = 0;
  Format format = Format::DecimalSI;
  bool known = false;
  for (const auto& suffix : kSuffixes) {
    if (suffix.text == suffixText) {
      base = suffix.base;
      exponent = suffix.exponent;
      format = base == 2 ? Format::BinarySI : Format::DecimalSI;
      known = true;
      break;
    }
  }
  if (!known) {
    if (suffixText.size() < 2 || (suffixText[0] != 'e' && suffixText[0] != 'E')) return std::nullopt;
    std::size_t e = 1;
    bool expNegative = false;
    if (suffixText[e] == '+' || suffixText[e] == '-') expNegative = suffixText[e++] == '-';
    if (e == suffixText.size()) return std::nullopt;
    for (; e < suffixText.size(); ++e) {
      if (!isDigit(suffixText[e])) return std::nullopt;
      exponent = exponent * 10 + (suffixText[e] - '0');
      if (exponent > std::numeric_limits<std::int32_t>::max()) return std::nullopt;
    }
    if (expNegative) exponent = -exponent;
    format = Format::DecimalExponent;
  }

  // Significant digits D and the count L of those after the point: the number is D * 10^-L.
  std::string digits = std::string(intDigits) + std::string(fracDigits);
  const auto firstNonZero = digits.find_first_not_of('0');
  const long long fracLen = static_cast<long long>(fracDigits.size());
  UInt128 nano = 0;
  if (firstNonZero != std::string::npos) {
    digits.erase(0, firstNonZero);
    if (base == 10) {
      // nano = D * 10^(exponent - L + 9), rounded up when digits fall below one nano-unit.
      const long long shift = exponent - fracLen + 9;
      if (shift >= 0) {
        const auto scale = pow10(static_cast<int>(std::min<long long>(shift, 39)));
        const auto value = parseDigits(digits);
        if (!scale || !value || mulOverflows(*value, *scale, nano)) return std::nullopt;
      } else {
        const auto drop = static_cast<std::size_t>(-shift);
        if (drop >= digits.size()) {
          nano = 1;  // a non-zero value finer than 1n rounds up to 1n
        } else {
          const auto kept = parseDigits(std::string_view(digits).substr(0, digits.size() - drop));
          if (!kept) return std::nullopt;
          const bool remainder = digits.find_first_not_of('0', digits.size() - drop) != std::string::npos;
          nano = *kept + (remainder ? 1 : 0);
        }
      }
    } else {
      // nano = D * 2^exponent * 10^(9 - L), capped at 2^63-1 units.
      const auto value = parseDigits(digits);
      if (!value) return std::nullopt;
      UInt128 scaled = *value;
      bool capped = false;
      for (long long i = 0; i < exponent && !capped; ++i)
        capped = mulOverflows(scaled, 2, scaled);
      if (!capped && fracLen <= 9) {
        capped = mulOverflows(scaled, *pow10(static_cast<int>(9 - fracLen)), scaled);
      } else if (!capped) {
        const auto divisor = pow10(static_cast<int>(std::min<long long>(fracLen - 9, 39)));
        if (!divisor) {
          scaled = 1;
        } else {
          scaled = scaled / *divisor + (scaled % *divisor != 0 ? 1 : 0);
        }
      }
      nano = capped ? kBinaryCapNano : std::min(scaled, kBinaryCapNano);
    }
  }
  if (nano > kMaxMagnitude) return std::nullopt;
  if (format == Format::BinarySI && nano > 0 && nano < static_cast<UInt128>(kNanoPerUnit)) {
    format = Format::DecimalSI;  // Kubernetes avoids binary for values below one unit
  }
  const auto signedNano = static_cast<Int128>(nano);
  return Quantity(negative ? -signedNano : signedNano, format);
}

Quantity Quantity::mustParse(std::string_view text) {
  auto q = parse(text);
  if (!q) throw std::invalid_argument("not a Kubernetes quantity: '" + std::string(text) + "'");
  return *q;
}

Quantity Quantity::fromValue(std::int64_t value, Format format) {
  return Quantity(static_cast<Int128>(value) * kNanoPerUnit, format);
}

Quantity Quantity::fromMilli(std::int64_t milli, Format format) {
  return Quantity(static_cast<Int128>(milli) * 1'000'000, format);
}

Quantity Quantity::fromNano(Int128 nano, Format format) {
  return Quantity(nano, format);
}

std::string Quantity::toString() const {
  if (nano_ == 0) return "0";
  const bool negative = nano_ < 0;
  const UInt128 abs = magnitude(nano_);
  if (format_ == Format::BinarySI && abs >= static_cast<UInt128>(1024) * kNanoPerUnit &&
      abs % static_cast<UInt128>(kNanoPerUnit) == 0) {
    UInt128 units = abs / static_cast<UInt128>(kNanoPerUnit);
    int exponent = 0;
    while (units % 1024 == 0) {
      units /= 1024;
      ++exponent;
    }
    if (exponent <= 6) {
      static constexpr std::array<std::string_view, 7> kBinary{"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
      std::string text(negative ? "-" : "");
      text += toDecimal(units);
      text += kBinary[static_cast<std::size_t>(exponent)];
      return text;
    }
    return decimalString(abs, negative, Format::DecimalExponent);
  }
  return decimalString(abs, negative, format_ == Format::BinarySI ? Format::DecimalSI : format_);
}

std::int64_t Quantity::scaledValue(int scale) const {
  if (scale <= -9) {
    Int128 result = nano_;
    for (int i = scale; i < -9; ++i) {
      if (__builtin_mul_overflow(result, static_cast<Int128>(10), &result)) {
        return nano_ > 0 ? std::numeric_limits<std::int64_t>::max()
                         : std::numeric_limits<std::int64_t>::min();
      }
    }
    return saturate(result);
  }
  const auto divisor = pow10(scale + 9);
  if (!divisor) return nano_ == 0 ? 0 : sign();  // any non-zero value rounds up to one unit of 10^scale
  const auto d = static_cast<Int128>(*divisor);
  Int128 result = nano_ / d;
  if (nano_ % d != 0) result += sign();
  return saturate(result);
}

std::int64_t Quantity::value() const {
  return scaledValue(0);
}

std::int64_t Quantity::milliValue() const {
  return scaledValue(-3);
}

double Quantity::asDouble() const {
  return static_cast<double>(nano_) / 1e9;
}

bool Quantity::roundUp(int scale) {
  if (scale <= -9) return true;
  const auto divisor = pow10(scale + 9);
  if (!divisor) throw std::overflow_error("quantity rounding scale too large");
  const auto unit = static_cast<Int128>(*divisor);
  const Int128 remainder = nano_ % unit;
  if (remainder == 0) return true;
  nano_ = checkedAdd(nano_ - remainder, nano_ > 0 ? unit : -unit);
  return false;
}

Quantity& Quantity::operator+=(const Quantity& other) {
  if (nano_ == 0) format_ = other.format_;
  nano_ = checkedAdd(nano_, other.nano_);
  return *this;
}

Quantity& Quantity::operator-=(const Quantity& other) {
  if (nano_ == 0) format_ = other.format_;
  if (other.nano_ == std::numeric_limits<Int128>::min())
    throw std::overflow_error("quantity arithmetic overflow");
  nano_ = checkedAdd(nano_, -other.nano_);
  return *this;
}

Quantity& Quantity::operator*=(std::int64_t factor) {
  Int128 out = 0;
  if (__builtin_mul_overflow(nano_, static_cast<Int128>(factor), &out)) {
    throw std::overflow_error("quantity arithmetic overflow");
  }
  nano_ = out;
  return *this;
}

Quantity Quantity::operator-() const {
  if (nano_ == std::numeric_limits<Int128>::min()) throw std::overflow_error("quantity arithmetic overflow");
  return Quantity(-nano_, format_);
}

}  // namespace aiops::kube

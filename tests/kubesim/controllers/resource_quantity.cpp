// Resource quantity parsing and DecimalSI rendering (see resource_quantity.h).
#include "resource_quantity.h"

#include <limits>

namespace kubesim::controllers {

namespace {

// 128-bit intermediates keep "1Ei" in milli-units exact before saturating; __extension__ keeps -Wpedantic
// quiet.
__extension__ typedef __int128 Wide;

constexpr Wide kWideLimit = static_cast<Wide>(1) << 120;

Wide multiplySaturated(Wide a, Wide b) {
  if (a == 0 || b == 0) return 0;
  if (a > kWideLimit / b) return kWideLimit;
  return a * b;
}

Wide power(Wide base, int exponent) {
  Wide result = 1;
  for (int i = 0; i < exponent; ++i)
    result = multiplySaturated(result, base);
  return result;
}

}  // namespace

std::optional<std::int64_t> parseQuantityMilli(std::string_view text) {
  std::size_t pos = 0;
  bool negative = false;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    negative = text[pos] == '-';
    ++pos;
  }
  Wide mantissa = 0;
  int fractionDigits = 0;
  bool anyDigit = false;
  bool inFraction = false;
  for (; pos < text.size(); ++pos) {
    char c = text[pos];
    if (c >= '0' && c <= '9') {
      anyDigit = true;
      if (mantissa < kWideLimit / 10) {
        mantissa = mantissa * 10 + (c - '0');
        if (inFraction) ++fractionDigits;
      } else if (!inFraction) {
        return std::nullopt;  // absurdly long integer part
      }
    } else if (c == '.' && !inFraction) {
      inFraction = true;
    } else {
      break;
    }
  }
  if (!anyDigit) return std::nullopt;

  std::string_view suffix = text.substr(pos);
  int binaryPower = 0;   // multiples of 1024
  int decimalPower = 0;  // powers of ten
  if (suffix.empty()) {
  } else if (suffix == "Ki") {
    binaryPower = 1;
  } else if (suffix == "Mi") {
    binaryPower = 2;
  } else if (suffix == "Gi") {
    binaryPower = 3;
  } else if (suffix == "Ti") {
    binaryPower = 4;
  } else if (suffix == "Pi") {
    binaryPower = 5;
  } else if (suffix == "Ei") {
    binaryPower = 6;
  } else if (suffix == "n") {
    decimalPower = -9;
  } else if (suffix == "u") {
    decimalPower = -6;
  } else if (suffix == "m") {
    decimalPower = -3;
  } else if (suffix == "k") {
    decimalPower = 3;
  } else if (suffix == "M") {
    decimalPower = 6;
  } else if (suffix == "G") {
    decimalPower = 9;
  } else if (suffix == "T") {
    decimalPower = 12;
  } else if (suffix == "P") {
    decimalPower = 15;
  } else if (suffix == "E") {
    decimalPower = 18;
  } else if (suffix[0] == 'e' || suffix[0] == 'E') {
    std::string_view exponentText = suffix.substr(1);
    bool exponentNegative = false;
    if (!exponentText.empty() && (exponentText[0] == '+' || exponentText[0] == '-')) {
      exponentNegative = exponentText[0] == '-';
      exponentText.remove_prefix(1);
    }
    if (exponentText.empty() || exponentText.size() > 3) return std::nullopt;
    int exponent = 0;
    for (char c : exponentText) {
      if (c < '0' || c > '9') return std::nullopt;
      exponent = exponent * 10 + (c - '0');
    }
    decimalPower = exponentNegative ? -exponent : exponent;
  } else {
    return std::nullopt;
  }

  // milli = mantissa * 1024^b * 10^(decimalPower + 3 - fractionDigits), rounded up.
  Wide numerator = multiplySaturated(mantissa, power(1024, binaryPower));
  int tenPower = decimalPower + 3 - fractionDigits;
  Wide milli = 0;
  if (tenPower >= 0) {
    milli = multiplySaturated(numerator, power(10, tenPower > 40 ? 40 : tenPower));
  } else {
    int shift = -tenPower;
    if (shift > 38) {
      milli = numerator == 0 ? 0 : 1;
    } else {
      Wide divisor = power(10, shift);
      milli = numerator / divisor + (numerator % divisor != 0 ? 1 : 0);
    }
  }
  constexpr Wide kMax = std::numeric_limits<std::int64_t>::max();
  if (milli > kMax) milli = kMax;
  std::int64_t result = static_cast<std::int64_t>(milli);
  return negative ? -result : result;
}

std::string formatMilliDecimalSI(std::int64_t milli) {
  if (milli == 0) return "0";
  bool negative = milli < 0;
  std::uint64_t value =
      negative ? static_cast<std::uint64_t>(-(milli + 1)) + 1 : static_cast<std::uint64_t>(milli);
  std::string text;
  if (value % 1000 != 0) {
    text = std::to_string(value) + "m";
  } else {
    value /= 1000;
    static constexpr const char* kSuffixes[] = {"", "k", "M", "G", "T", "P", "E"};
    std::size_t index = 0;
    while (index + 1 < std::size(kSuffixes) && value % 1000 == 0) {
      value /= 1000;
      ++index;
    }
    text = std::to_string(value) + kSuffixes[index];
  }
  return negative ? "-" + text : text;
}

}  // namespace kubesim::controllers

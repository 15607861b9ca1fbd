// Resource quantities ("500m", "1.5Gi", "1e3") parsed, compared and printed exactly as Kubernetes does
// (k8s.io/apimachinery/pkg/api/resource.Quantity).
//
// Representation: an exact integer count of nano-units (10^-9) plus the format the value was written in.
// Kubernetes itself rounds every parsed value up (away from zero) to nano precision, so nothing finer can
// exist; a 128-bit count covers ±1.7e29 whole units, far beyond any real request or capacity (Kubernetes
// caps binary quantities at 2^63-1). Values beyond that are rejected on parse rather than silently wrapped.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aiops::kube {

__extension__ typedef __int128 Int128;  // GCC/Clang extension; __extension__ keeps -Wpedantic quiet

class Quantity {
 public:
  enum class Format {
    DecimalExponent,  // 1e3, 12e-3
    BinarySI,         // Ki Mi Gi Ti Pi Ei
    DecimalSI,        // n u m "" k M G T P E
  };

  Quantity() = default;  // zero, DecimalSI

  // nullopt when `text` is not a quantity (empty, spaces, unknown suffix, too large to represent).
  static std::optional<Quantity> parse(std::string_view text);
  // For literals and tests: throws std::invalid_argument on a malformed quantity.
  static Quantity mustParse(std::string_view text);

  static Quantity fromValue(std::int64_t value, Format format = Format::DecimalSI);
  static Quantity fromMilli(std::int64_t milli, Format format = Format::DecimalSI);
  static Quantity fromNano(Int128 nano, Format format = Format::DecimalSI);

  // Canonical form: largest suffix or exponent (multiple of 3) with no fractional digits; binary only for
  // whole multiples of 1024 ("1536Mi"), otherwise decimal ("500m").
  std::string toString() const;

  Format format() const { return format_; }
  Int128 nanoValue() const { return nano_; }
  // Whole units, rounded up away from zero ("0.5" -> 1, "-0.5" -> -1); saturates at the int64 range.
  std::int64_t value() const;
  // Milli-units, rounded up away from zero ("1n" -> 1); saturates at the int64 range.
  std::int64_t milliValue() const;
  // The value in units of 10^scale, rounded up away from zero (scale -3 is milliValue()).
  std::int64_t scaledValue(int scale) const;
  double asDouble() const;
  bool isZero() const { return nano_ == 0; }
  int sign() const { return nano_ > 0 ? 1 : (nano_ < 0 ? -1 : 0); }

  // Rounds up (away from zero) to a multiple of 10^scale; returns false when that changed the value.
  bool roundUp(int scale);

  // Arithmetic keeps the left operand's format, except that a zero left operand takes the right one's
  // (so "0" + "100m" prints "100m"). Throws std::overflow_error beyond the representable range.
  Quantity& operator+=(const Quantity& other);
  Quantity& operator-=(const Quantity& other);
  Quantity& operator*=(std::int64_t factor);
  friend Quantity operator+(Quantity a, const Quantity& b) { return a += b; }
  friend Quantity operator-(Quantity a, const Quantity& b) { return a -= b; }
  friend Quantity operator*(Quantity a, std::int64_t factor) { return a *= factor; }
  Quantity operator-() const;

  // Compares values only ("1Gi" == "1024Mi").
  friend bool operator==(const Quantity& a, const Quantity& b) { return a.nano_ == b.nano_; }
  friend std::strong_ordering operator<=>(const Quantity& a, const Quantity& b) {
    return a.nano_ <=> b.nano_;
  }

 private:
  Quantity(Int128 nano, Format format) : nano_(nano), format_(format) {}
  Int128 nano_ = 0;
  Format format_ = Format::DecimalSI;
};

}  // namespace aiops::kube

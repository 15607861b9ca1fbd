// Quantity tests: parse, canonical print, accessors and arithmetic, against Kubernetes' own examples
// (apimachinery resource quantity tests and API docs).
#include "kube/quantity.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace aiops::kube {
namespace {

using Format = Quantity::Format;

std::string canonical(std::string_view text) {
  return Quantity::mustParse(text).toString();
}

TEST(Quantity, CanonicalFormsFromTheBrief) {
  EXPECT_EQ(canonical("0.5"), "500m");
  EXPECT_EQ(canonical("1000m"), "1");
  EXPECT_EQ(canonical("1e3"), "1e3");
  EXPECT_EQ(canonical("1024Mi"), "1Gi");
  EXPECT_EQ(canonical("1.5Gi"), "1536Mi");
  EXPECT_EQ(canonical("100m"), "100m");
  EXPECT_EQ(canonical("1.5"), "1500m");
}

TEST(Quantity, ParseEmitTable) {
  const std::vector<std::pair<std::string, std::string>> table{
      {"1Ki", "1Ki"},
      {"1Mi", "1Mi"},
      {"1Gi", "1Gi"},
      {"1024Mi", "1Gi"},
      {"1000M", "1G"},
      {".001Ki", "1024m"},
      {".000001Ki", "1024u"},
      {".000000001Ki", "1024n"},
      {".000000000001Ki", "2n"},
      {"0", "0"},
      {"0Ki", "0"},
      {"0m", "0"},
      {"5Gi", "5Gi"},
      {"5G", "5G"},
      {"5300m", "5300m"},
      {"5.4", "5400m"},
      {"300Mi", "300Mi"},
      {"307200Ki", "300Mi"},
      {"1025024Mi", "1001Gi"},
      {"1024Gi", "1Ti"},
      {"5000m", "5"},
      {"0.001T", "1G"},
      {"1000u", "1m"},
      {"1.08", "1080m"},
      {"1080000000n", "1080m"},
      {"3k", "3k"},
      {"1025", "1025"},
      {"2000", "2k"},
      {".001e12", "1e9"},
      {"0.001e0", "1e-3"},
      {"1000e-12", "1e-9"},
      {"80e-3", "80e-3"},
      {"300e6", "300e6"},
      {"00", "0"},
      {"1E", "1E"},
      {"1000E", "1e21"},
      {"12E", "12E"},
      {"1.5k", "1500"},
      {"1e1", "10"},
      {"1e5", "100e3"},
      {"+1", "1"},
      {"1.", "1"},
      {".", "0"},
      {"1.G", "1G"},
      {"100.035k", "100035"},
      {"0.5Mi", "512Ki"},
      {"1.1Ki", "1126400m"},
      {"1023", "1023"},
  };
  for (const auto& [in, expect] : table)
    EXPECT_EQ(canonical(in), expect) << "input " << in;
}

TEST(Quantity, NegativeValuesPrintWithASign) {
  EXPECT_EQ(canonical("-1Gi"), "-1Gi");
  EXPECT_EQ(canonical("-9.01"), "-9010m");
  EXPECT_EQ(canonical("-.001Ki"), "-1024m");
  EXPECT_EQ(canonical("-1e3"), "-1e3");
  EXPECT_EQ(canonical("-0"), "0");
  EXPECT_EQ((-Quantity::mustParse("100m")).toString(), "-100m");
}

TEST(Quantity, ParsedValuesAndFormats) {
  struct Case {
    std::string in;
    std::int64_t nano;
    Format format;
  };
  const std::vector<Case> table{
      {"5n", 5, Format::DecimalSI},
      {"4u", 4000, Format::DecimalSI},
      {"3m", 3'000'000, Format::DecimalSI},
      {"8k", 8'000'000'000'000, Format::DecimalSI},
      {"1E-3", 1'000'000, Format::DecimalExponent},
      {"1.3E+6", 1'300'000'000'000'000, Format::DecimalExponent},
      {"0.5e-2", 5'000'000, Format::DecimalExponent},
      {"8Ki", 8192'000'000'000, Format::BinarySI},
      {"0.0005k", 500'000'000, Format::DecimalSI},
      {"9.01", 9'010'000'000, Format::DecimalSI},
      {"100.035Ki", 102435'840'000'000, Format::BinarySI},
      // Things that round up to a whole nano-unit.
      {"3.001n", 4, Format::DecimalSI},
      {"1.1E-9", 2, Format::DecimalExponent},
      {"0.0000000001", 1, Format::DecimalSI},
      {"0.00000000050", 1, Format::DecimalSI},
      {"0.9n", 1, Format::DecimalSI},
      {"0.00000012345", 124, Format::DecimalSI},
      {"0.00000012354", 124, Format::DecimalSI},
      // Binary below one unit is decimal.
      {"0.000000000001Ki", 2, Format::DecimalSI},
      {"-0.5Ki", -512'000'000'000, Format::BinarySI},
  };
  for (const auto& c : table) {
    const auto q = Quantity::parse(c.in);
    ASSERT_TRUE(q.has_value()) << c.in;
    EXPECT_TRUE(q->nanoValue() == static_cast<Int128>(c.nano)) << c.in;
    EXPECT_EQ(q->format(), c.format) << c.in;
  }
}

TEST(Quantity, BinaryValuesAreCappedAtTwoToTheSixtyThreeMinusOne) {
  const auto max = Quantity::mustParse("9Ei");
  EXPECT_EQ(max.value(), INT64_MAX);
  EXPECT_EQ(max.toString(), "9223372036854775807");
  EXPECT_EQ(Quantity::mustParse("9223372036854775807Ki").value(), INT64_MAX);
  EXPECT_EQ(Quantity::mustParse("12E").toString(), "12E");  // decimal values are not capped
}

TEST(Quantity, RejectsMalformedInput) {
  for (const char* bad :
       {"",        " 1",           "1 ", "1.1.M", "1+1.0M", "0.1mi", "0.1am", "aoeu", ".5i", "1i", "-3.01i",
        "-3.01e-", "1e4294967297", "Ki", "e3",    "1e",     "1e+",   "1.5.5", "--1",  "1KI", "1kb"}) {
    EXPECT_FALSE(Quantity::parse(bad).has_value()) << "'" << bad << "'";
  }
  EXPECT_THROW(Quantity::mustParse("abc"), std::invalid_argument);
}

TEST(Quantity, RejectsValuesBeyondTheRepresentableRange) {
  EXPECT_FALSE(Quantity::parse("1e40").has_value());
  EXPECT_TRUE(Quantity::parse("1e-40").has_value());  // rounds up to 1n
  EXPECT_EQ(canonical("1e-40"), "1e-9");              // keeps the exponent format
  EXPECT_EQ(canonical("0.0000000000000000000000000000000000000001"), "1n");
}

TEST(Quantity, ValueAndMilliValueRoundUpAwayFromZero) {
  EXPECT_EQ(Quantity::mustParse("5Gi").value(), 5368709120);
  EXPECT_EQ(Quantity::mustParse("5G").value(), 5000000000);
  EXPECT_EQ(Quantity::mustParse("5300m").milliValue(), 5300);
  EXPECT_EQ(Quantity::mustParse("5.4").milliValue(), 5400);
  EXPECT_EQ(Quantity::mustParse("0.5").value(), 1);
  EXPECT_EQ(Quantity::mustParse("-0.5").value(), -1);
  EXPECT_EQ(Quantity::mustParse("1n").milliValue(), 1);
  EXPECT_EQ(Quantity::mustParse("-1n").milliValue(), -1);
  EXPECT_EQ(Quantity::mustParse("100m").milliValue(), 100);
  EXPECT_EQ(Quantity::mustParse("2").scaledValue(3), 1);  // 2 in thousands, rounded up
  EXPECT_EQ(Quantity::mustParse("1.5k").scaledValue(3), 2);
  EXPECT_EQ(Quantity::mustParse("1").scaledValue(-9), 1'000'000'000);
  EXPECT_EQ(Quantity::mustParse("1").scaledValue(-12), 1'000'000'000'000);
  EXPECT_EQ(Quantity::mustParse("12E").value(), INT64_MAX);  // 1.2e19 saturates
  EXPECT_DOUBLE_EQ(Quantity::mustParse("1536Mi").asDouble(), 1610612736.0);
  EXPECT_DOUBLE_EQ(Quantity::mustParse("250m").asDouble(), 0.25);
}

TEST(Quantity, RoundUpMatchesKubernetes) {
  struct Case {
    std::string in;
    int scale;
    std::string out;
    bool exact;
  };
  const std::vector<Case> table{
      {"9.01", -3, "9010m", true},   {"9.01", -2, "9010m", true},    {"9.01", -1, "9100m", false},
      {"9.01", 0, "10", false},      {"9.01", 1, "10", false},       {"9.01", 2, "100", false},
      {"-9.01", -3, "-9010m", true}, {"-9.01", -1, "-9100m", false}, {"-9.01", 0, "-10", false},
      {"-9.01", 2, "-100", false},   {"1234567n", -3, "2m", false},
  };
  for (const auto& c : table) {
    Quantity q = Quantity::mustParse(c.in);
    EXPECT_EQ(q.roundUp(c.scale), c.exact) << c.in << " " << c.scale;
    EXPECT_EQ(q.toString(), c.out) << c.in << " " << c.scale;
  }
}

TEST(Quantity, ComparesValuesAcrossFormats) {
  EXPECT_EQ(Quantity::mustParse("1Gi"), Quantity::mustParse("1024Mi"));
  EXPECT_EQ(Quantity::mustParse("1"), Quantity::mustParse("1000m"));
  EXPECT_GT(Quantity::mustParse("100m"), Quantity::mustParse("50m"));
  EXPECT_LT(Quantity::mustParse("50m"), Quantity::mustParse("100m"));
  EXPECT_GT(Quantity::mustParse("10000T"), Quantity::mustParse("100Gi"));
  EXPECT_LT(Quantity::mustParse("-1"), Quantity());
  EXPECT_EQ(Quantity::mustParse("0"), Quantity::mustParse("0Gi"));
}

TEST(Quantity, ArithmeticKeepsTheFormatAndZeroTakesTheOther) {
  const Quantity zero = Quantity::mustParse("0");
  for (const char* text : {"100m", "1Gi"}) {
    const Quantity value = Quantity::mustParse(text);
    EXPECT_EQ((value + zero).toString(), text);
    EXPECT_EQ((zero + value).toString(), text);
    EXPECT_EQ((value - zero).toString(), text);
    EXPECT_EQ((zero - value).toString(), (-value).toString());
  }
  EXPECT_EQ((Quantity::mustParse("1Gi") + Quantity::mustParse("512Mi")).toString(), "1536Mi");
  EXPECT_EQ((Quantity::mustParse("250m") + Quantity::mustParse("1")).toString(), "1250m");
  EXPECT_EQ((Quantity::mustParse("1") - Quantity::mustParse("250m")).toString(), "750m");
  EXPECT_EQ((Quantity::mustParse("1Ei") * 1024).toString(), "1180591620717411303424");
  EXPECT_EQ((Quantity::mustParse("300Mi") * 3).toString(), "900Mi");
  EXPECT_EQ((Quantity::mustParse("100m") * 0).toString(), "0");
}

TEST(Quantity, ConstructorsAndBinaryFallbacks) {
  EXPECT_EQ(Quantity::fromValue(5LL * 1024 * 1024 * 1024, Format::BinarySI).toString(), "5Gi");
  EXPECT_EQ(Quantity::fromValue(5'000'000'000, Format::DecimalSI).toString(), "5G");
  EXPECT_EQ(Quantity::fromMilli(5300).toString(), "5300m");
  EXPECT_EQ(Quantity::fromValue(5, Format::BinarySI).toString(), "5");
  EXPECT_EQ(Quantity::fromMilli(500, Format::BinarySI).toString(), "500m");
  EXPECT_EQ(Quantity::fromValue(2000, Format::BinarySI).toString(), "2000");
  EXPECT_EQ(Quantity::fromValue(-2000, Format::BinarySI).toString(), "-2000");
  EXPECT_EQ(Quantity::fromMilli(1234567, Format::BinarySI).toString(), "1234567m");
  EXPECT_EQ(Quantity::fromValue(1, Format::DecimalExponent).toString(), "1");
  EXPECT_EQ(Quantity::fromValue(3000, Format::DecimalExponent).toString(), "3e3");
  EXPECT_EQ(Quantity().toString(), "0");
}

}  // namespace
}  // namespace aiops::kube

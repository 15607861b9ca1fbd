// Canonical JSON and SHA-256: sorted keys, escapes, and known digests.
#include "governance/canonical.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace aiops::governance {
namespace {

namespace json = boost::json;

TEST(CanonicalJson, SortsKeysRecursivelyWithoutWhitespace) {
  const json::value value = json::parse(R"({"b": 1, "a": {"z": [true, null, 2.5], "y": "x"}, "A": -3})");
  EXPECT_EQ(canonicalJson(value), R"({"A":-3,"a":{"y":"x","z":[true,null,2.5E0]},"b":1})");
}

TEST(CanonicalJson, EqualValuesGiveEqualBytesWhateverTheInsertionOrder) {
  EXPECT_EQ(canonicalJson(json::parse(R"({"x":1,"y":{"p":1,"q":2}})")),
            canonicalJson(json::parse(R"({"y":{"q":2,"p":1},"x":1})")));
}

TEST(CanonicalJson, EscapesQuotesControlsAndYamlBreakCharacters) {
  EXPECT_EQ(quoteJsonString("a\"b\\c\n\t\x01\x7f"), R"("a\"b\\c\n\t\u0001\u007f")");
  EXPECT_EQ(quoteJsonString("caf\xC3\xA9 \xE2\x80\xA8 \xEF\xBB\xBF"), "\"caf\xC3\xA9 \\u2028 \\ufeff\"");
  EXPECT_EQ(quoteJsonString("bad \xFF byte"), "\"bad \xEF\xBF\xBD byte\"");
}

TEST(Sha256, MatchesTheFips180TestVectors) {
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(canonicalSha256(json::parse(R"({"b":1,"a":2})")), sha256Hex(R"({"a":2,"b":1})"));
}

TEST(Sha256, RecognisesHexDigests) {
  EXPECT_TRUE(isSha256Hex(kZeroSha256));
  EXPECT_FALSE(isSha256Hex(std::string(63, 'a')));
  EXPECT_FALSE(isSha256Hex(std::string(64, 'A')));
}

}  // namespace
}  // namespace aiops::governance

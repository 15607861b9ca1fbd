// Canonical JSON and SHA-256: the byte forms the PHR journal hashes (before-states, changes, record files).
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace aiops::governance {

// Object keys sorted by their UTF-8 bytes, recursively; no whitespace; strings escaped as in RFC 8259 (only
// '"', '\\' and control characters, which use \n \t \r \b \f or \u00XX); integers in decimal; doubles as
// Boost.JSON prints them (shortest round-trip form). Equal JSON values always give equal bytes.
std::string canonicalJson(const boost::json::value& value);

// Lowercase hex SHA-256 of `bytes` (64 characters).
std::string sha256Hex(std::string_view bytes);

// sha256Hex(canonicalJson(value)).
std::string canonicalSha256(const boost::json::value& value);

// 64 zeros: the prevRecordSha256 of the first record of a journal.
inline constexpr std::string_view kZeroSha256 =
    "0000000000000000000000000000000000000000000000000000000000000000";

// Whether `text` is 64 lowercase hex digits.
bool isSha256Hex(std::string_view text);

// `text` as a JSON string literal with the quotes, escaped as canonicalJson does. U+0085, U+2028, U+2029 and
// U+FEFF are escaped too (YAML reads them as breaks). Invalid UTF-8 sequences become U+FFFD, so the result is
// always valid UTF-8 (and valid YAML inside double quotes).
std::string quoteJsonString(std::string_view text);

}  // namespace aiops::governance

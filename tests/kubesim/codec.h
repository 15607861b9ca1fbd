// Body codecs: JSON and YAML in both directions with the API's type rules (a plain YAML scalar resolves to a
// bool, number or null as in YAML 1.1's core schema that sigs.k8s.io/yaml uses; a quoted one stays a string).
#pragma once

#include <boost/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

namespace kubesim {

class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses a JSON document; throws DecodeError with the parser's message.
boost::json::value parseJson(std::string_view text);
// Parses one YAML document (JSON is YAML too); throws DecodeError.
boost::json::value parseYaml(std::string_view text);
// Emits YAML as the API server does (block style, keys sorted).
std::string toYaml(const boost::json::value& value);

// The word Go's encoding/json uses for a value's JSON type in unmarshal errors ("string", "number", "bool",
// "array", "object", "null"), which the API server's decode errors quote.
std::string_view jsonKind(const boost::json::value& value);

}  // namespace kubesim

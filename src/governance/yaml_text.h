// Internal to src/governance/: the one YAML dialect PHR front matter is written in, and reading it back.
//
// Why our own emitter rather than yaml-cpp's: records are hashed and must round-trip byte for byte, so the
// layout must be fixed by us, not by a library version. Strings are plain only when every YAML 1.1 and 1.2
// reader takes them as the same string (an identifier-like word that is no keyword); everything else is
// double-quoted with JSON escapes, which YAML's double-quoted style accepts unchanged.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aiops::governance::detail {

// Whether `text` can be written as a plain scalar and read back as the same string by any YAML reader.
bool isPlainSafe(std::string_view text);

// `text` plain when isPlainSafe, else double-quoted.
std::string yamlString(std::string_view text);

// A JSON scalar (or an empty object/array as {} / []) as YAML.
std::string yamlScalar(const boost::json::value& value);

// Appends what follows "key:" for `value`: " scalar\n", or a newline and a block mapping/sequence indented by
// `indent` spaces.
void appendYamlValue(std::string& out, const boost::json::value& value, int indent);

// Appends the members of `object` as a block mapping at `indent`.
void appendYamlMapping(std::string& out, const boost::json::object& object, int indent);

// A node of the front matter as the reader sees it. Lines are 1-based within the parsed text.
struct YamlNode {
  enum class Kind { Null, Scalar, Map, Seq };
  Kind kind = Kind::Null;
  bool quoted = false;                                    // a double-quoted scalar (always a string)
  std::string text;                                       // a scalar's value, escapes decoded
  std::vector<std::pair<std::string, YamlNode>> members;  // a mapping's keys and values, in order
  std::vector<YamlNode> items;                            // a sequence's items
  std::size_t line = 0;

  // The value of `key` in a mapping, or nullptr.
  const YamlNode* find(std::string_view key) const;
};

// A problem in the front matter's YAML, at a 1-based line of the parsed text.
struct YamlError {
  std::size_t line;
  std::string message;
};

// Reads the block YAML this emitter writes: mappings and sequences by indentation, "- key: value" items,
// plain and double-quoted scalars, [] and {}, and flow sequences of double-quoted strings. Throws YamlError
// for anything else. Why not yaml-cpp: profiling showed it spends about 1 ms per record, which made
// verifying 10,000 records take over 10 s; this reader handles only our fixed dialect, and whatever it
// accepts is re-rendered and compared byte for byte, so being narrow costs nothing.
YamlNode parseYaml(std::string_view text);

// A node as JSON: quoted scalars are strings; plain scalars are null, booleans, numbers or strings as the
// emitter wrote them. Throws YamlError (for a number out of range).
boost::json::value yamlToJson(const YamlNode& node);

}  // namespace aiops::governance::detail

// The PHR front-matter YAML emitter and its reader.
#include "governance/yaml_text.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <stdexcept>

#include "governance/canonical.h"

namespace aiops::governance::detail {
namespace {

namespace json = boost::json;

bool isScalarLike(const json::value& value) {
  if (value.is_object()) return value.get_object().empty();
  if (value.is_array()) return value.get_array().empty();
  return true;
}

bool isInteger(std::string_view text) {
  std::size_t i = text.starts_with('-') ? 1 : 0;
  return i < text.size() && std::all_of(text.begin() + static_cast<std::ptrdiff_t>(i), text.end(),
                                        [](char c) { return c >= '0' && c <= '9'; });
}

void appendSequence(std::string& out, const json::array& array, int indent);

void appendIndent(std::string& out, int indent) {
  out.append(static_cast<std::size_t>(indent), ' ');
}

}  // namespace

bool isPlainSafe(std::string_view text) {
  if (text.empty()) return false;
  const char first = text.front();
  if (!(std::isalpha(static_cast<unsigned char>(first)) || first == '_' || first == '/')) return false;
  const bool charactersOk = std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '/' || c == '+' ||
           c == '-' || c == '@';
  });
  if (!charactersOk) return false;
  // Words YAML 1.1 or 1.2 readers turn into booleans or null.
  static constexpr std::array<std::string_view, 9> kKeywords{"true", "false", "yes", "no",  "on",
                                                             "off",  "y",     "n",   "null"};
  std::string lowered(text);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::find(kKeywords.begin(), kKeywords.end(), lowered) == kKeywords.end();
}

std::string yamlString(std::string_view text) {
  return isPlainSafe(text) ? std::string(text) : quoteJsonString(text);
}

std::string yamlScalar(const json::value& value) {
  switch (value.kind()) {
    case json::kind::string:
      return yamlString(value.get_string());
    case json::kind::object:
      return "{}";
    case json::kind::array:
      return "[]";
    case json::kind::null:
      return "null";
    case json::kind::double_: {
      // std::to_chars and std::from_chars round-trip exactly; Boost.JSON's own parser may not (1.81 reads
      // some 17-digit values one unit off), and a record must read back to its own bytes.
      const double d = value.get_double();
      if (!std::isfinite(d)) return "null";  // NaN and infinities have no JSON form
      char buffer[32];
      const auto end = std::to_chars(buffer, buffer + sizeof buffer, d).ptr;
      std::string text(buffer, end);
      if (text.find_first_of(".e") == std::string::npos) text += ".0";  // stays a double when read back
      return text;
    }
    default:
      return json::serialize(value);
  }
}

void appendYamlMapping(std::string& out, const json::object& object, int indent) {
  for (const auto& member : object) {
    appendIndent(out, indent);
    out += yamlString(member.key());
    out += ':';
    appendYamlValue(out, member.value(), indent);
  }
}

void appendYamlValue(std::string& out, const json::value& value, int indent) {
  if (isScalarLike(value)) {
    out += ' ';
    out += yamlScalar(value);
    out += '\n';
  } else if (value.is_object()) {
    out += '\n';
    appendYamlMapping(out, value.get_object(), indent + 2);
  } else {
    out += '\n';
    appendSequence(out, value.get_array(), indent + 2);
  }
}

namespace {

void appendSequence(std::string& out, const json::array& array, int indent) {
  for (const auto& element : array) {
    appendIndent(out, indent);
    out += '-';
    if (isScalarLike(element)) {
      out += ' ';
      out += yamlScalar(element);
      out += '\n';
    } else if (element.is_object()) {
      // The first member shares the dash's line; the rest align with it.
      bool first = true;
      for (const auto& member : element.get_object()) {
        if (first) {
          out += ' ';
          first = false;
        } else {
          appendIndent(out, indent + 2);
        }
        out += yamlString(member.key());
        out += ':';
        appendYamlValue(out, member.value(), indent + 2);
      }
    } else {
      out += '\n';
      appendSequence(out, element.get_array(), indent + 2);
    }
  }
}

}  // namespace

const YamlNode* YamlNode::find(std::string_view key) const {
  for (const auto& [name, value] : members) {
    if (name == key) return &value;
  }
  return nullptr;
}

namespace {

struct Line {
  std::size_t number = 0;  // 1-based
  std::size_t indent = 0;
  std::string_view content;  // after the indentation
};

class Parser {
 public:
  explicit Parser(std::string_view text) {
    std::size_t start = 0;
    std::size_t number = 1;
    while (start < text.size()) {
      const std::size_t end = std::min(text.find('\n', start), text.size());
      std::string_view line = text.substr(start, end - start);
      const std::size_t indent = line.find_first_not_of(' ');
      if (indent == std::string_view::npos) {
        if (!line.empty()) fail(number, "a line holds only spaces");
        fail(number, "an empty line inside the front matter");
      }
      if (line[indent] == '\t') fail(number, "tabs are not allowed for indentation");
      lines_.push_back(Line{number, indent, line.substr(indent)});
      start = end + 1;
      ++number;
    }
  }

  YamlNode document() {
    YamlNode root = mapping(0);
    if (next_ < lines_.size()) fail(lines_[next_].number, "unexpected indentation");
    return root;
  }

 private:
  [[noreturn]] static void fail(std::size_t line, std::string message) {
    throw YamlError{line, std::move(message)};
  }

  bool more(std::size_t indent) const { return next_ < lines_.size() && lines_[next_].indent == indent; }
  static bool isItem(std::string_view content) { return content == "-" || content.starts_with("- "); }

  // A double-quoted scalar at the start of `text`: its decoded value and length, or nullopt.
  static std::optional<std::pair<std::string, std::size_t>> quoted(std::string_view text, std::size_t line) {
    if (text.empty() || text.front() != '"') return std::nullopt;
    std::size_t i = 1;
    while (i < text.size() && text[i] != '"')
      i += text[i] == '\\' ? 2 : 1;
    if (i >= text.size()) fail(line, "a double-quoted string is not closed");
    boost::system::error_code error;
    const json::value value = json::parse(text.substr(0, i + 1), error);
    if (error || !value.is_string()) fail(line, "a double-quoted string has an invalid escape");
    return std::pair{std::string(value.get_string()), i + 1};
  }

  // "key:" or "key: value" → the key and the rest after the colon ("" or " value"), or nullopt.
  static std::optional<std::pair<std::string, std::string_view>> entry(std::string_view content,
                                                                       std::size_t line) {
    if (const auto q = quoted(content, line)) {
      const std::string_view rest = content.substr(q->second);
      if (!rest.starts_with(':')) return std::nullopt;
      return std::pair{q->first, rest.substr(1)};
    }
    const std::size_t colon = content.find(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    const std::string_view rest = content.substr(colon + 1);
    if (!rest.empty() && rest.front() != ' ') return std::nullopt;
    return std::pair{std::string(content.substr(0, colon)), rest};
  }

  // The value after "key:" (rest is "" or " value"), with nested blocks below a bare "key:".
  YamlNode value(std::string_view rest, std::size_t line, std::size_t indent) {
    if (rest.empty()) {
      if (next_ < lines_.size() && lines_[next_].indent > indent) {
        const std::size_t inner = lines_[next_].indent;
        return isItem(lines_[next_].content) ? sequence(inner) : mapping(inner);
      }
      YamlNode null;
      null.line = line;
      return null;
    }
    if (rest.front() != ' ' || rest.size() < 2 || rest[1] == ' ') fail(line, "expected one space after ':'");
    return scalar(rest.substr(1), line);
  }

  YamlNode scalar(std::string_view text, std::size_t line) {
    YamlNode node;
    node.line = line;
    if (text == "[]") {
      node.kind = YamlNode::Kind::Seq;
      return node;
    }
    if (text == "{}") {
      node.kind = YamlNode::Kind::Map;
      return node;
    }
    if (text.front() == '[') {  // a flow sequence of double-quoted strings: ["a","b"]
      boost::system::error_code error;
      const json::value list = json::parse(text, error);
      if (error || !list.is_array()) fail(line, "a flow sequence must be a list of double-quoted strings");
      node.kind = YamlNode::Kind::Seq;
      for (const auto& item : list.get_array()) {
        if (!item.is_string()) fail(line, "a flow sequence must be a list of double-quoted strings");
        YamlNode element;
        element.kind = YamlNode::Kind::Scalar;
        element.quoted = true;
        element.text = std::string(item.get_string());
        element.line = line;
        node.items.push_back(std::move(element));
      }
      return node;
    }
    if (const auto q = quoted(text, line)) {
      if (q->second != text.size()) fail(line, "unexpected text after a double-quoted string");
      node.kind = YamlNode::Kind::Scalar;
      node.quoted = true;
      node.text = q->first;
      return node;
    }
    if (text.front() == '{' || text.front() == '\'' || text.front() == '&' || text.front() == '*' ||
        text.front() == '!' || text.front() == '|' || text.front() == '>' ||
        text.find(" #") != std::string_view::npos) {
      fail(line, "unsupported YAML syntax (the journal writes only plain and double-quoted scalars)");
    }
    if (text == "null" || text == "~") {
      node.kind = YamlNode::Kind::Null;
      return node;
    }
    node.kind = YamlNode::Kind::Scalar;
    node.text = std::string(text);
    return node;
  }

  YamlNode mapping(std::size_t indent) {
    YamlNode node;
    node.kind = YamlNode::Kind::Map;
    node.line = next_ < lines_.size() ? lines_[next_].number : 0;
    while (more(indent) && !isItem(lines_[next_].content)) {
      const Line line = lines_[next_++];
      const auto kv = entry(line.content, line.number);
      if (!kv) fail(line.number, "expected 'key: value'");
      if (node.find(kv->first) != nullptr) fail(line.number, "duplicate key '" + kv->first + "'");
      YamlNode child = value(kv->second, line.number, indent);
      if (child.line == 0) child.line = line.number;
      node.members.emplace_back(kv->first, std::move(child));
    }
    return node;
  }

  YamlNode sequence(std::size_t indent) {
    YamlNode node;
    node.kind = YamlNode::Kind::Seq;
    node.line = lines_[next_].number;
    while (more(indent) && isItem(lines_[next_].content)) {
      Line& line = lines_[next_];
      if (line.content == "-") {  // a nested sequence below
        ++next_;
        if (!(next_ < lines_.size() && lines_[next_].indent > indent && isItem(lines_[next_].content))) {
          fail(line.number, "a bare '-' must be followed by a nested sequence");
        }
        node.items.push_back(sequence(lines_[next_].indent));
        continue;
      }
      const std::string_view rest = line.content.substr(2);
      if (rest.empty() || rest.front() == ' ') fail(line.number, "expected one space after '-'");
      if (entry(rest, line.number)) {
        // "- key: value": the item is a mapping whose first entry shares the dash's line.
        line.indent = indent + 2;
        line.content = rest;
        node.items.push_back(mapping(indent + 2));
        continue;
      }
      ++next_;
      node.items.push_back(scalar(rest, line.number));
    }
    return node;
  }

  std::vector<Line> lines_;
  std::size_t next_ = 0;
};

}  // namespace

YamlNode parseYaml(std::string_view text) {
  return Parser(text).document();
}

json::value yamlToJson(const YamlNode& node) {
  switch (node.kind) {
    case YamlNode::Kind::Null:
      return nullptr;
    case YamlNode::Kind::Map: {
      json::object object;
      for (const auto& [key, value] : node.members)
        object[key] = yamlToJson(value);
      return object;
    }
    case YamlNode::Kind::Seq: {
      json::array array;
      for (const auto& item : node.items)
        array.push_back(yamlToJson(item));
      return array;
    }
    case YamlNode::Kind::Scalar:
      break;
  }
  const std::string& text = node.text;
  if (node.quoted) return json::value(text);
  if (text == "true") return true;
  if (text == "false") return false;
  if (isInteger(text)) {
    std::int64_t signedValue = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), signedValue);
    if (error == std::errc() && end == text.data() + text.size()) return signedValue;
    std::uint64_t unsignedValue = 0;
    const auto [end2, error2] = std::from_chars(text.data(), text.data() + text.size(), unsignedValue);
    if (error2 == std::errc() && end2 == text.data() + text.size()) return unsignedValue;
    throw YamlError{node.line, "number '" + text + "' is out of range"};
  }
  if (!text.empty() && (std::isdigit(static_cast<unsigned char>(text[0])) || text[0] == '-')) {
    double number = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error == std::errc() && end == text.data() + text.size() && std::isfinite(number)) return number;
  }
  return json::value(text);
}

}  // namespace aiops::governance::detail

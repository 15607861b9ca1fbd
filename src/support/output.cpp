// Output rendering: JSON by hand (Boost.JSON's serializer has no pretty printer), YAML through yaml-cpp.
#include "support/output.h"

#include <fmt/format.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <regex>

namespace aiops {
namespace {

namespace json = boost::json;

void writeJson(std::string& out, const json::value& value, int indent) {
  const std::string pad(static_cast<std::size_t>(indent) * 2, ' ');
  const std::string inner(static_cast<std::size_t>(indent + 1) * 2, ' ');
  switch (value.kind()) {
    case json::kind::object: {
      const auto& object = value.get_object();
      if (object.empty()) {
        out += "{}";
        return;
      }
      out += "{\n";
      bool first = true;
      for (const auto& member : object) {
        if (!first) out += ",\n";
        first = false;
        out += inner;
        out += json::serialize(json::string_view(member.key()));
        out += ": ";
        writeJson(out, member.value(), indent + 1);
      }
      out += "\n" + pad + "}";
      return;
    }
    case json::kind::array: {
      const auto& array = value.get_array();
      if (array.empty()) {
        out += "[]";
        return;
      }
      out += "[\n";
      bool first = true;
      for (const auto& element : array) {
        if (!first) out += ",\n";
        first = false;
        out += inner;
        writeJson(out, element, indent + 1);
      }
      out += "\n" + pad + "]";
      return;
    }
    case json::kind::double_:
      // Shortest round-trip form ("1.5", "0.25"); Boost.JSON would print "1.5E0".
      out += fmt::format("{}", value.get_double());
      return;
    default:
      out += json::serialize(value);
      return;
  }
}

void writeYaml(YAML::Emitter& emitter, const json::value& value) {
  switch (value.kind()) {
    case json::kind::object:
      if (value.get_object().empty()) {
        emitter << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        return;
      }
      emitter << YAML::BeginMap;
      for (const auto& member : value.get_object()) {
        emitter << YAML::Key;
        const std::string key(member.key());
        if (yamlNeedsQuotes(key)) emitter << YAML::DoubleQuoted;
        emitter << key << YAML::Value;
        writeYaml(emitter, member.value());
      }
      emitter << YAML::EndMap;
      return;
    case json::kind::array:
      if (value.get_array().empty()) {
        emitter << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        return;
      }
      emitter << YAML::BeginSeq;
      for (const auto& element : value.get_array())
        writeYaml(emitter, element);
      emitter << YAML::EndSeq;
      return;
    case json::kind::string: {
      const std::string text(value.get_string());
      if (yamlNeedsQuotes(text)) emitter << YAML::DoubleQuoted;
      emitter << text;
      return;
    }
    case json::kind::bool_:
      emitter << (value.get_bool() ? "true" : "false");
      return;
    case json::kind::int64:
      emitter << value.get_int64();
      return;
    case json::kind::uint64:
      emitter << value.get_uint64();
      return;
    case json::kind::double_:
      emitter << fmt::format("{}", value.get_double());
      return;
    case json::kind::null:
      emitter << YAML::Null;
      return;
  }
}

// Display width of UTF-8 text: one column per code point (our cells are names, numbers and short words).
std::size_t displayWidth(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string upper(std::string_view text) {
  std::string result(text);
  std::transform(result.begin(), result.end(), result.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return result;
}

}  // namespace

std::string toPrettyJson(const json::value& value) {
  std::string out;
  writeJson(out, value, 0);
  out += '\n';
  return out;
}

bool yamlNeedsQuotes(std::string_view text) {
  // YAML 1.1 and 1.2 core-schema scalars that do not resolve to strings (booleans, nulls, numbers in every
  // base, infinities, sexagesimals, timestamps); yaml-cpp itself only guards against syntax, not these.
  static const std::regex nonString(
      "y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF"
      "|null|Null|NULL|~"
      "|[-+]?[0-9][0-9_]*"
      "|[-+]?0x[0-9a-fA-F_]+|0o[0-7_]+|[-+]?0b[01_]+"
      "|[-+]?([0-9][0-9_]*)?\\.[0-9_]*([eE][-+]?[0-9]+)?"
      "|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+"
      "|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)"
      "|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\\.[0-9_]*)?"
      "|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
      "|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(\\.[0-9]*)?"
      "([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?");
  if (text.empty()) return true;
  if (text == ".") return false;
  return std::regex_match(text.begin(), text.end(), nonString);
}

std::string toYaml(const json::value& value) {
  YAML::Emitter emitter;
  emitter.SetNullFormat(YAML::LowerNull);
  writeYaml(emitter, value);
  std::string out = emitter.c_str();
  out += '\n';
  return out;
}

bool colourWanted(int fd) {
  const char* noColor = std::getenv("NO_COLOR");
  if (noColor != nullptr && *noColor != '\0') return false;
  return ::isatty(fd) == 1;
}

std::string paint(std::string_view text, Colour colour, bool enabled) {
  if (!enabled || colour == Colour::None) return std::string(text);
  const char* code = "";
  switch (colour) {
    case Colour::Red:
      code = "31";
      break;
    case Colour::Green:
      code = "32";
      break;
    case Colour::Yellow:
      code = "33";
      break;
    case Colour::Bold:
      code = "1";
      break;
    case Colour::None:
      break;
  }
  return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
}

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::addRow(std::vector<Cell> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

void Table::printText(std::ostream& out, bool colour) const {
  std::vector<std::size_t> widths(headers_.size());
  for (std::size_t c = 0; c < headers_.size(); ++c) {
    widths[c] = displayWidth(headers_[c]);
    for (const auto& row : rows_)
      widths[c] = std::max(widths[c], displayWidth(row[c].text));
  }
  auto printLine = [&](const std::vector<Cell>& cells) {
    std::string line;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      line += paint(cells[c].text, cells[c].colour, colour);
      if (c + 1 < cells.size()) line.append(widths[c] - displayWidth(cells[c].text) + 3, ' ');
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out << line << '\n';
  };
  std::vector<Cell> header;
  for (const auto& h : headers_)
    header.push_back({upper(h), Colour::None});
  printLine(header);
  for (const auto& row : rows_)
    printLine(row);
}

void Table::printMarkdown(std::ostream& out) const {
  out << '|';
  for (const auto& h : headers_)
    out << ' ' << escapeMarkdown(h) << " |";
  out << "\n|";
  for (std::size_t c = 0; c < headers_.size(); ++c)
    out << " --- |";
  out << '\n';
  for (const auto& row : rows_) {
    out << '|';
    for (const auto& cell : row)
      out << ' ' << escapeMarkdown(cell.text) << " |";
    out << '\n';
  }
}

std::string escapeMarkdown(std::string_view text) {
  std::string result;
  for (char c : text) {
    if (c == '|' || c == '\\' || c == '`' || c == '*' || c == '_') result += '\\';
    if (c == '\n') {
      result += ' ';
      continue;
    }
    result += c;
  }
  return result;
}

}  // namespace aiops

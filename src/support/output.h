// Output helpers shared by every command: JSON and YAML rendering, aligned and Markdown tables, colour.
#pragma once

#include <boost/json/value.hpp>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace aiops {

// Pretty JSON, 2-space indent, object keys in insertion order, trailing newline.
std::string toPrettyJson(const boost::json::value& value);

// Block-style YAML (yaml-cpp), trailing newline. Strings a YAML reader would take for a number, boolean or
// null ("123", "true", "no", "1e3", "null") are double-quoted so they read back as strings.
std::string toYaml(const boost::json::value& value);

// Whether a plain YAML scalar with this text would be read back as something other than a string.
bool yamlNeedsQuotes(std::string_view text);

enum class Colour { None, Red, Green, Yellow, Bold };

// Colour only on a terminal, and never when NO_COLOR is set to a non-empty value (no-color.org).
bool colourWanted(int fd);

// `text` wrapped in the ANSI sequence for `colour` when `enabled`, else unchanged.
std::string paint(std::string_view text, Colour colour, bool enabled);

// A table printed kubectl-style (upper-case headers, columns padded to the widest cell plus three spaces,
// no trailing blanks) or as a GitHub-flavoured Markdown table.
class Table {
 public:
  struct Cell {
    std::string text;
    Colour colour = Colour::None;
  };

  explicit Table(std::vector<std::string> headers);
  void addRow(std::vector<Cell> cells);
  bool empty() const { return rows_.empty(); }
  std::size_t size() const { return rows_.size(); }

  void printText(std::ostream& out, bool colour = false) const;
  void printMarkdown(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<Cell>> rows_;
};

// Markdown-safe text for a table cell or paragraph: escapes `|`, `\`, backticks and `*_` emphasis markers.
std::string escapeMarkdown(std::string_view text);

}  // namespace aiops

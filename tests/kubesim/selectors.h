// Label and field selectors, parsed and matched with the API server's rules.
#pragma once

#include <boost/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kubesim {

// Thrown for a selector the API server would reject; what() is the message it would send (400 BadRequest).
class SelectorError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Set-based and equality-based label selectors: `a=b,c!=d,e in (x,y),f notin (z),g,!h`.
class LabelSelector {
 public:
  static LabelSelector parse(std::string_view text);  // throws SelectorError
  // Builds one from an API LabelSelector object (matchLabels / matchExpressions), as workloads carry.
  static LabelSelector fromObject(const boost::json::object& selector);  // throws SelectorError
  bool matches(const boost::json::object& labels) const;
  bool empty() const { return requirements_.empty(); }

  struct Requirement {
    std::string key;
    enum class Op { Equals, NotEquals, In, NotIn, Exists, DoesNotExist } op;
    std::vector<std::string> values;
  };

 private:
  std::vector<Requirement> requirements_;
};

// Field selectors: `metadata.name=x,status.phase!=Running`. Only the fields the real server supports for the
// resource are accepted; anything else fails as the real server fails.
class FieldSelector {
 public:
  static FieldSelector parse(std::string_view text, std::string_view group, std::string_view plural);
  bool matches(const boost::json::object& object) const;
  bool empty() const { return terms_.empty(); }

 private:
  struct Term {
    std::string field;
    bool equals;
    std::string value;
  };
  std::vector<Term> terms_;
};

}  // namespace kubesim

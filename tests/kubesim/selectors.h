// Label and field selectors, parsed and matched with the API server's rules.
#pragma once

#include <boost/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
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
  bool empty() const { return requirements_.empty() && numeric_.empty(); }
  // The canonical text form the API server prints (requirements sorted by key, `k=v`, `k in (a,b)`, `!k`), as
  // the printers show in SELECTOR columns; "" for an empty selector.
  std::string toString() const;

  struct Requirement {
    std::string key;
    enum class Op { Equals, NotEquals, In, NotIn, Exists, DoesNotExist } op;
    std::vector<std::string> values;
  };

 private:
  // `key>n` / `key<n`: the parser accepts them (as the real one does), so they are kept apart from the
  // Requirement ops above.
  struct NumericRequirement {
    std::string key;
    bool greater;
    long long value;
  };
  std::vector<Requirement> requirements_;
  std::vector<NumericRequirement> numeric_;
  friend class LabelSelectorParser;
};

// Field selectors: `metadata.name=x,status.phase!=Running`. Only the fields the real server supports for the
// resource are accepted; anything else fails as the real server fails.
class FieldSelector {
 public:
  static FieldSelector parse(std::string_view text, std::string_view group, std::string_view plural);
  bool matches(const boost::json::object& object) const;
  bool empty() const { return terms_.empty(); }

  // The field set the server matches against for an object of the resource (e.g. `status.phase`), the way
  // the registry's ToSelectableFields builds it. Exposed for the watch cache and tests.
  static std::vector<std::pair<std::string, std::string>> fieldSet(const boost::json::object& object,
                                                                   std::string_view group,
                                                                   std::string_view plural);

 private:
  struct Term {
    std::string field;
    bool equals;
    std::string value;
  };
  std::vector<Term> terms_;
  std::string group_;
  std::string plural_;
};

}  // namespace kubesim

// Label and field selectors with the API server's grammar, validation, error texts and per-resource fields.
//
// The label parser mirrors apimachinery's labels.Parse step by step (lexer, lookahead rules, the order in
// which errors are detected) because kubectl shows the server's message verbatim: a different order of
// checks would produce a different, wrong message. Field selectors follow fields.ParseSelector plus the
// per-kind field label conversions registered in the scheme (pkg/apis/*/v1/conversion.go) and the registry
// ToSelectableFields functions that say what value each field has.
#include "selectors.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "resources.h"

namespace kubesim {

namespace {

// ---- apimachinery validation messages (k8s.io/apimachinery/pkg/util/validation) ----

constexpr std::string_view kQualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr std::string_view kQualifiedNameErr =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
    "character";
constexpr std::string_view kLabelValueErr =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
    "start and end with an alphanumeric character";
constexpr std::string_view kDns1123SubdomainFmt =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
constexpr std::string_view kDns1123SubdomainErr =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character";

std::string regexError(std::string_view msg, std::string_view fmt,
                       std::initializer_list<std::string_view> examples) {
  std::string out(msg);
  if (examples.size() == 0) return out + " (regex used for validation is '" + std::string(fmt) + "')";
  out += " (e.g. ";
  bool first = true;
  for (auto example : examples) {
    if (!first) out += " or ";
    first = false;
    out += "'" + std::string(example) + "', ";
  }
  out += "regex used for validation is '" + std::string(fmt) + "')";
  return out;
}

bool isAlnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

bool matchesQualifiedName(std::string_view s) {
  if (s.empty() || !isAlnum(s.front()) || !isAlnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return isAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

bool matchesDns1123Subdomain(std::string_view s) {
  if (s.empty()) return false;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    std::string_view label =
        s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    auto lowerAlnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (label.empty() || !lowerAlnum(label.front()) || !lowerAlnum(label.back())) return false;
    if (!std::all_of(label.begin(), label.end(), [&](char c) { return lowerAlnum(c) || c == '-'; }))
      return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string maxLenError(size_t n) {
  return "must be no more than " + std::to_string(n) + " characters";
}

std::vector<std::string> isQualifiedName(std::string_view value) {
  std::vector<std::string> errs;
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t slash = value.find('/', start);
    parts.push_back(
        value.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  std::string_view name;
  if (parts.size() == 1) {
    name = parts[0];
  } else if (parts.size() == 2) {
    std::string_view prefix = parts[0];
    name = parts[1];
    if (prefix.empty()) {
      errs.push_back("prefix part must be non-empty");
    } else {
      if (prefix.size() > 253) errs.push_back("prefix part " + maxLenError(253));
      if (!matchesDns1123Subdomain(prefix)) {
        errs.push_back("prefix part " +
                       regexError(kDns1123SubdomainErr, kDns1123SubdomainFmt, {"example.com"}));
      }
    }
  } else {
    errs.push_back("a qualified name " +
                   regexError(kQualifiedNameErr, kQualifiedNameFmt, {"MyName", "my.name", "123-abc"}) +
                   " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
    return errs;
  }
  if (name.empty()) {
    errs.push_back("name part must be non-empty");
  } else if (name.size() > 63) {
    errs.push_back("name part " + maxLenError(63));
  }
  if (!matchesQualifiedName(name)) {
    errs.push_back("name part " +
                   regexError(kQualifiedNameErr, kQualifiedNameFmt, {"MyName", "my.name", "123-abc"}));
  }
  return errs;
}

std::vector<std::string> isValidLabelValue(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 63) errs.push_back(maxLenError(63));
  if (!value.empty() && !matchesQualifiedName(value)) {
    errs.push_back(regexError(kLabelValueErr, "(" + std::string(kQualifiedNameFmt) + ")?",
                              {"MyValue", "my_value", "12345"}));
  }
  return errs;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    out += items[i];
  }
  return out;
}

// Go's %q for the plain ASCII strings selectors carry.
std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// field.Invalid(path, value, detail).Error(): "<path>: Invalid value: "<value>": <detail>".
std::string invalidValue(std::string_view path, std::string_view value, std::string_view detail) {
  return std::string(path) + ": Invalid value: " + quote(value) + ": " + std::string(detail);
}

// utilerrors.NewAggregate(errs).Error(): one message alone, several de-duplicated inside [...].
std::string aggregate(const std::vector<std::string>& errs) {
  if (errs.size() == 1) return errs[0];
  std::vector<std::string> unique;
  for (const auto& e : errs) {
    if (std::find(unique.begin(), unique.end(), e) == unique.end()) unique.push_back(e);
  }
  if (unique.size() == 1) return unique[0];
  return "[" + join(unique, ", ") + "]";
}

std::string jsonStringArray(const std::vector<std::string>& values, bool nilWhenEmpty) {
  if (values.empty()) return nilWhenEmpty ? "null" : "[]";
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ",";
    out += quote(values[i]);
  }
  return out + "]";
}

enum class Op { Equals, DoubleEquals, NotEquals, In, NotIn, Exists, DoesNotExist, GreaterThan, LessThan };

bool parseInt64(std::string_view s, long long& out) {
  if (s.empty()) return false;
  std::string_view digits = s;
  if (digits.front() == '+') digits.remove_prefix(1);  // strconv.ParseInt accepts a leading '+'
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
  return ec == std::errc() && ptr == digits.data() + digits.size() && !digits.empty();
}

// labels.NewRequirement's checks; `path` is the field path prefix ("" from the string parser).
std::vector<std::string> requirementErrors(std::string_view key, Op op,
                                           const std::vector<std::string>& values, std::string_view path,
                                           bool nilValues) {
  std::vector<std::string> errs;
  std::string keyPath = path.empty() ? "key" : std::string(path) + ".key";
  std::string valuesPath = path.empty() ? "values" : std::string(path) + ".values";
  if (auto e = isQualifiedName(key); !e.empty()) errs.push_back(invalidValue(keyPath, key, join(e, "; ")));
  auto invalidList = [&](std::string_view detail) {
    return valuesPath + ": Invalid value: " + jsonStringArray(values, nilValues) + ": " + std::string(detail);
  };
  switch (op) {
    case Op::In:
    case Op::NotIn:
      if (values.empty())
        errs.push_back(invalidList("for 'in', 'notin' operators, values set can't be empty"));
      break;
    case Op::Equals:
    case Op::DoubleEquals:
    case Op::NotEquals:
      if (values.size() != 1)
        errs.push_back(invalidList("exact-match compatibility requires one single value"));
      break;
    case Op::Exists:
    case Op::DoesNotExist:
      if (!values.empty())
        errs.push_back(invalidList("values set must be empty for exists and does not exist"));
      break;
    case Op::GreaterThan:
    case Op::LessThan: {
      if (values.size() != 1)
        errs.push_back(invalidList("for 'Gt', 'Lt' operators, exactly one value is required"));
      for (size_t i = 0; i < values.size(); ++i) {
        long long ignored = 0;
        if (!parseInt64(values[i], ignored)) {
          errs.push_back(invalidValue(valuesPath + "[" + std::to_string(i) + "]", values[i],
                                      "for 'Gt', 'Lt' operators, the value must be an integer"));
        }
      }
      break;
    }
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (auto e = isValidLabelValue(values[i]); !e.empty()) {
      errs.push_back(invalidValue(valuesPath + "[" + std::to_string(i) + "][" + std::string(key) + "]",
                                  values[i], join(e, "; ")));
    }
  }
  return errs;
}

const boost::json::value* member(const boost::json::object& obj, std::string_view key) {
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &it->value();
}

const boost::json::value* path(const boost::json::object& obj, std::initializer_list<std::string_view> keys) {
  const boost::json::object* cur = &obj;
  const boost::json::value* v = nullptr;
  for (auto key : keys) {
    if (cur == nullptr) return nullptr;
    v = member(*cur, key);
    if (v == nullptr) return nullptr;
    cur = v->if_object();
  }
  return v;
}

std::string str(const boost::json::object& obj, std::initializer_list<std::string_view> keys) {
  const auto* v = path(obj, keys);
  if (v == nullptr || !v->is_string()) return "";
  return std::string(v->get_string());
}

long long integer(const boost::json::object& obj, std::initializer_list<std::string_view> keys) {
  const auto* v = path(obj, keys);
  if (v == nullptr) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<long long>(v->get_uint64());
  if (v->is_double()) return static_cast<long long>(v->get_double());
  return 0;
}

bool boolean(const boost::json::object& obj, std::initializer_list<std::string_view> keys) {
  const auto* v = path(obj, keys);
  return v != nullptr && v->is_bool() && v->get_bool();
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// Label selectors
// ---------------------------------------------------------------------------------------------------------

class LabelSelectorParser {
 public:
  explicit LabelSelectorParser(std::string_view text) : text_(text) {}

  LabelSelector run() {
    scan();
    struct Parsed {
      std::string key;
      Op op;
      std::vector<std::string> values;
    };
    std::vector<Parsed> parsed;
    while (true) {
      auto [tok, lit] = lookahead(true);
      if (tok == Tok::Identifier || tok == Tok::DoesNotExist) {
        Parsed r;
        try {
          parseRequirement(r.key, r.op, r.values);
        } catch (const SelectorError& e) {
          throw SelectorError(std::string("unable to parse requirement: ") + e.what());
        }
        parsed.push_back(std::move(r));
        auto [t, l] = consume(true);
        if (t == Tok::End) break;
        if (t == Tok::Comma) {
          auto [t2, l2] = lookahead(true);
          if (t2 != Tok::Identifier && t2 != Tok::DoesNotExist) {
            throw SelectorError("found '" + l2 + "', expected: identifier after ','");
          }
          continue;
        }
        throw SelectorError("found '" + l + "', expected: ',' or 'end of string'");
      }
      if (tok == Tok::End) break;
      throw SelectorError("found '" + lit + "', expected: !, identifier, or 'end of string'");
    }
    // parse() sorts requirements by key so the selector (and its String()) is deterministic.
    std::stable_sort(parsed.begin(), parsed.end(),
                     [](const Parsed& a, const Parsed& b) { return a.key < b.key; });
    LabelSelector out;
    for (auto& p : parsed)
      add(out, p.key, p.op, std::move(p.values));
    return out;
  }

  static void add(LabelSelector& out, std::string key, Op op, std::vector<std::string> values) {
    using R = LabelSelector::Requirement;
    switch (op) {
      case Op::GreaterThan:
      case Op::LessThan: {
        long long v = 0;
        parseInt64(values.at(0), v);
        out.numeric_.push_back({std::move(key), op == Op::GreaterThan, v});
        return;
      }
      case Op::Equals:
      case Op::DoubleEquals:
        out.requirements_.push_back({std::move(key), R::Op::Equals, std::move(values)});
        return;
      case Op::NotEquals:
        out.requirements_.push_back({std::move(key), R::Op::NotEquals, std::move(values)});
        return;
      case Op::In:
        out.requirements_.push_back({std::move(key), R::Op::In, std::move(values)});
        return;
      case Op::NotIn:
        out.requirements_.push_back({std::move(key), R::Op::NotIn, std::move(values)});
        return;
      case Op::Exists:
        out.requirements_.push_back({std::move(key), R::Op::Exists, {}});
        return;
      case Op::DoesNotExist:
        out.requirements_.push_back({std::move(key), R::Op::DoesNotExist, {}});
        return;
    }
  }

 private:
  enum class Tok {
    Error,
    End,
    ClosedPar,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenPar
  };
  struct Item {
    Tok tok;
    std::string lit;
  };

  static bool isWhitespace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
  static bool isSpecial(char c) {
    return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
  }
  static std::optional<Tok> keyword(std::string_view s) {
    static const std::map<std::string_view, Tok> table = {
        {")", Tok::ClosedPar},  {",", Tok::Comma},       {"!", Tok::DoesNotExist}, {"==", Tok::DoubleEquals},
        {"=", Tok::Equals},     {">", Tok::GreaterThan}, {"in", Tok::In},          {"<", Tok::LessThan},
        {"!=", Tok::NotEquals}, {"notin", Tok::NotIn},   {"(", Tok::OpenPar}};
    auto it = table.find(s);
    if (it == table.end()) return std::nullopt;
    return it->second;
  }

  Item lex() {
    while (pos_ < text_.size() && isWhitespace(text_[pos_]))
      ++pos_;
    if (pos_ >= text_.size()) return {Tok::End, ""};
    if (isSpecial(text_[pos_])) {
      // Longest operator made of special symbols: "!=" and "==" win over "!" and "=".
      std::string buffer;
      std::optional<Item> last;
      while (pos_ < text_.size() && isSpecial(text_[pos_])) {
        buffer += text_[pos_];
        if (auto t = keyword(buffer)) {
          last = Item{*t, buffer};
          ++pos_;
        } else if (last) {
          break;
        } else {
          ++pos_;
        }
      }
      if (!last) return {Tok::Error, "error expected: keyword found '" + buffer + "'"};
      return *last;
    }
    std::string buffer;
    while (pos_ < text_.size() && !isSpecial(text_[pos_]) && !isWhitespace(text_[pos_]))
      buffer += text_[pos_++];
    if (auto t = keyword(buffer)) return {*t, buffer};
    return {Tok::Identifier, buffer};
  }

  void scan() {
    while (true) {
      items_.push_back(lex());
      if (items_.back().tok == Tok::End) break;
    }
  }

  // In a values context "in" and "notin" are ordinary identifiers (`x in (in)`).
  std::pair<Tok, std::string> lookahead(bool values) const {
    const auto& item = items_[position_];
    Tok tok = item.tok;
    if (values && (tok == Tok::In || tok == Tok::NotIn)) tok = Tok::Identifier;
    return {tok, item.lit};
  }
  std::pair<Tok, std::string> consume(bool values) {
    auto result = lookahead(values);
    if (position_ + 1 < items_.size()) ++position_;
    return result;
  }

  void parseRequirement(std::string& key, Op& op, std::vector<std::string>& values) {
    bool doesNotExist = false;
    auto [tok, lit] = consume(true);
    if (tok == Tok::DoesNotExist) {
      doesNotExist = true;
      std::tie(tok, lit) = consume(true);
    }
    if (tok != Tok::Identifier) throw SelectorError("found '" + lit + "', expected: identifier");
    if (auto e = isQualifiedName(lit); !e.empty()) throw SelectorError(invalidValue("", lit, join(e, "; ")));
    key = lit;
    auto [next, ignored] = lookahead(true);
    if (doesNotExist || next == Tok::End || next == Tok::Comma) {
      op = doesNotExist ? Op::DoesNotExist : Op::Exists;
      values.clear();
      return;
    }
    auto [opTok, opLit] = consume(false);
    switch (opTok) {
      case Tok::In:
        op = Op::In;
        break;
      case Tok::Equals:
        op = Op::Equals;
        break;
      case Tok::DoubleEquals:
        op = Op::DoubleEquals;
        break;
      case Tok::GreaterThan:
        op = Op::GreaterThan;
        break;
      case Tok::LessThan:
        op = Op::LessThan;
        break;
      case Tok::NotIn:
        op = Op::NotIn;
        break;
      case Tok::NotEquals:
        op = Op::NotEquals;
        break;
      default:
        throw SelectorError("found '" + opLit + "', expected: in, notin, =, ==, !=, gt, lt");
    }
    std::set<std::string> set;
    if (op == Op::In || op == Op::NotIn) {
      set = parseValues();
    } else {
      set = parseExactValue();
    }
    values.assign(set.begin(), set.end());  // sets.String.List(): sorted
    auto errs = requirementErrors(key, op, values, "", false);
    if (!errs.empty()) throw SelectorError(aggregate(errs));
  }

  std::set<std::string> parseValues() {
    auto [tok, lit] = consume(true);
    if (tok != Tok::OpenPar) throw SelectorError("found '" + lit + "' expected: '('");
    std::tie(tok, lit) = lookahead(true);
    if (tok == Tok::Identifier || tok == Tok::Comma) {
      auto set = parseIdentifiersList();
      if (consume(true).first != Tok::ClosedPar) throw SelectorError("found '" + lit + "', expected: ')'");
      return set;
    }
    if (tok == Tok::ClosedPar) {
      consume(true);
      return {""};
    }
    throw SelectorError("found '" + lit + "', expected: ',', ')' or identifier");
  }

  std::set<std::string> parseIdentifiersList() {
    std::set<std::string> set;
    while (true) {
      auto [tok, lit] = consume(true);
      if (tok == Tok::Identifier) {
        set.insert(lit);
        auto [tok2, lit2] = lookahead(true);
        if (tok2 == Tok::Comma) continue;
        if (tok2 == Tok::ClosedPar) return set;
        throw SelectorError("found '" + lit2 + "', expected: ',' or ')'");
      }
      if (tok == Tok::Comma) {
        if (set.empty()) set.insert("");  // "(,"
        auto [tok2, ignored] = lookahead(true);
        if (tok2 == Tok::ClosedPar) {
          set.insert("");  // ",)"
          return set;
        }
        if (tok2 == Tok::Comma) {
          consume(true);
          set.insert("");  // ",,"
        }
        continue;
      }
      throw SelectorError("found '" + lit + "', expected: ',', or identifier");
    }
  }

  std::set<std::string> parseExactValue() {
    auto [tok, ignored] = lookahead(true);
    if (tok == Tok::End || tok == Tok::Comma) return {""};
    auto [t, lit] = consume(true);
    if (t == Tok::Identifier) return {lit};
    throw SelectorError("found '" + lit + "', expected: identifier");
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::vector<Item> items_;
  size_t position_ = 0;
};

LabelSelector LabelSelector::parse(std::string_view text) {
  return LabelSelectorParser(text).run();
}

LabelSelector LabelSelector::fromObject(const boost::json::object& selector) {
  // metav1.LabelSelectorAsSelector: matchLabels become Equals requirements, matchExpressions map one to one.
  struct Pending {
    std::string key;
    Op op;
    std::vector<std::string> values;
  };
  std::vector<Pending> pending;
  if (const auto* ml = member(selector, "matchLabels"); ml != nullptr && ml->is_object()) {
    for (const auto& [k, v] : ml->get_object()) {
      std::string value = v.is_string() ? std::string(v.get_string()) : "";
      std::vector<std::string> values{value};
      auto errs = requirementErrors(k, Op::Equals, values, "", false);
      if (!errs.empty()) throw SelectorError(aggregate(errs));
      pending.push_back({std::string(k), Op::Equals, std::move(values)});
    }
  }
  if (const auto* me = member(selector, "matchExpressions"); me != nullptr && me->is_array()) {
    for (const auto& exprValue : me->get_array()) {
      if (!exprValue.is_object()) continue;
      const auto& expr = exprValue.get_object();
      std::string key = str(expr, {"key"});
      std::string opName = str(expr, {"operator"});
      Op op;
      if (opName == "In") {
        op = Op::In;
      } else if (opName == "NotIn") {
        op = Op::NotIn;
      } else if (opName == "Exists") {
        op = Op::Exists;
      } else if (opName == "DoesNotExist") {
        op = Op::DoesNotExist;
      } else {
        throw SelectorError(quote(opName) + " is not a valid label selector operator");
      }
      std::vector<std::string> values;
      if (const auto* vs = member(expr, "values"); vs != nullptr && vs->is_array()) {
        for (const auto& v : vs->get_array())
          values.push_back(v.is_string() ? std::string(v.get_string()) : "");
      }
      auto errs = requirementErrors(key, op, values, "", /*nilValues=*/true);
      if (!errs.empty()) throw SelectorError(aggregate(errs));
      pending.push_back({std::move(key), op, std::move(values)});
    }
  }
  std::stable_sort(pending.begin(), pending.end(),
                   [](const Pending& a, const Pending& b) { return a.key < b.key; });
  LabelSelector out;
  for (auto& p : pending)
    LabelSelectorParser::add(out, std::move(p.key), p.op, std::move(p.values));
  return out;
}

bool LabelSelector::matches(const boost::json::object& labels) const {
  auto lookup = [&](const std::string& key) -> std::optional<std::string> {
    const auto* v = member(labels, key);
    if (v == nullptr) return std::nullopt;
    if (v->is_string()) return std::string(v->get_string());
    return std::string();
  };
  for (const auto& r : requirements_) {
    auto value = lookup(r.key);
    bool has = value.has_value() && std::find(r.values.begin(), r.values.end(), *value) != r.values.end();
    switch (r.op) {
      case Requirement::Op::Equals:
      case Requirement::Op::In:
        if (!has) return false;
        break;
      case Requirement::Op::NotEquals:
      case Requirement::Op::NotIn:
        if (has) return false;
        break;
      case Requirement::Op::Exists:
        if (!value) return false;
        break;
      case Requirement::Op::DoesNotExist:
        if (value) return false;
        break;
    }
  }
  for (const auto& n : numeric_) {
    auto value = lookup(n.key);
    long long v = 0;
    if (!value || !parseInt64(*value, v)) return false;
    if (n.greater ? !(v > n.value) : !(v < n.value)) return false;
  }
  return true;
}

std::string LabelSelector::toString() const {
  std::vector<std::pair<std::string, std::string>> parts;
  for (const auto& r : requirements_) {
    std::vector<std::string> sorted = r.values;
    std::sort(sorted.begin(), sorted.end());
    std::string text;
    switch (r.op) {
      case Requirement::Op::Equals:
        text = r.key + "=" + join(sorted, ",");
        break;
      case Requirement::Op::NotEquals:
        text = r.key + "!=" + join(sorted, ",");
        break;
      case Requirement::Op::In:
        text = r.key + " in (" + join(sorted, ",") + ")";
        break;
      case Requirement::Op::NotIn:
        text = r.key + " notin (" + join(sorted, ",") + ")";
        break;
      case Requirement::Op::Exists:
        text = r.key;
        break;
      case Requirement::Op::DoesNotExist:
        text = "!" + r.key;
        break;
    }
    parts.emplace_back(r.key, std::move(text));
  }
  for (const auto& n : numeric_) {
    parts.emplace_back(n.key, n.key + (n.greater ? ">" : "<") + std::to_string(n.value));
  }
  std::stable_sort(parts.begin(), parts.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += ",";
    out += parts[i].second;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Field selectors
// ---------------------------------------------------------------------------------------------------------

namespace {

// How the scheme's conversion function for a kind words its refusal.
enum class RefusalStyle {
  NotSupported,  // core kinds and custom resources: "field label not supported: <label>"
  BatchJob,      // batch/v1 Job: `field label "<label>" not supported for batchv1.Job`
  Default,       // kinds without a registered conversion: runtime.DefaultMetaV1FieldSelectorConversion
};

struct FieldRules {
  std::vector<std::string_view> labels;
  RefusalStyle style;
};

FieldRules rulesFor(std::string_view group, std::string_view plural) {
  using S = RefusalStyle;
  if (group.empty()) {
    if (plural == "pods") {
      return {{"metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy",
               "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase",
               "status.podIP", "status.podIPs", "status.nominatedNodeName", "spec.host"},
              S::NotSupported};
    }
    if (plural == "nodes") return {{"metadata.name", "spec.unschedulable"}, S::NotSupported};
    if (plural == "replicationcontrollers") {
      return {{"metadata.name", "metadata.namespace", "status.replicas"}, S::NotSupported};
    }
    if (plural == "events") {
      return {{"involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
               "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
               "reason", "reportingComponent", "source", "type", "metadata.namespace", "metadata.name"},
              S::NotSupported};
    }
    if (plural == "namespaces") return {{"status.phase", "metadata.name"}, S::NotSupported};
    if (plural == "secrets") return {{"type", "metadata.namespace", "metadata.name"}, S::NotSupported};
    if (plural == "services") {
      return {{"metadata.namespace", "metadata.name", "spec.clusterIP", "spec.type"}, S::NotSupported};
    }
  }
  if (group == "apps" && plural == "replicasets") {
    return {{"metadata.name", "metadata.namespace", "status.replicas"}, S::NotSupported};
  }
  if (group == "batch" && plural == "jobs") {
    return {{"metadata.name", "metadata.namespace", "status.successful"}, S::BatchJob};
  }
  if (group == "events.k8s.io" && plural == "events") {
    return {{"metadata.name", "metadata.namespace", "regarding.kind", "regarding.namespace", "regarding.name",
             "regarding.uid", "regarding.apiVersion", "regarding.resourceVersion", "regarding.fieldPath",
             "reason", "reportingController", "type"},
            S::NotSupported};
  }
  if (isBuiltinGroup(group)) return {{"metadata.name", "metadata.namespace"}, S::Default};
  return {{"metadata.name", "metadata.namespace"}, S::NotSupported};
}

std::string refusal(RefusalStyle style, std::string_view label) {
  switch (style) {
    case RefusalStyle::NotSupported:
      return "field label not supported: " + std::string(label);
    case RefusalStyle::BatchJob:
      return "field label " + quote(label) + " not supported for batchv1.Job";
    case RefusalStyle::Default:
      break;
  }
  return quote(label) + " is not a known field selector: only \"metadata.name\", \"metadata.namespace\"";
}

std::vector<std::string> splitTerms(std::string_view selector) {
  std::vector<std::string> terms;
  if (selector.empty()) return terms;
  size_t start = 0;
  bool inSlash = false;
  for (size_t i = 0; i < selector.size(); ++i) {
    char c = selector[i];
    if (inSlash) {
      inSlash = false;
    } else if (c == '\\') {
      inSlash = true;
    } else if (c == ',') {
      terms.emplace_back(selector.substr(start, i - start));
      start = i + 1;
    }
  }
  terms.emplace_back(selector.substr(start));
  return terms;
}

std::string unescapeValue(std::string_view s) {
  if (s.find_first_of("\\,=") == std::string_view::npos) return std::string(s);
  std::string out;
  bool inSlash = false;
  for (char c : s) {
    if (inSlash) {
      if (c == '\\' || c == ',' || c == '=') {
        out += c;
      } else {
        throw SelectorError(std::string("invalid field selector: invalid escape sequence: \\") + c);
      }
      inSlash = false;
      continue;
    }
    if (c == '\\') {
      inSlash = true;
    } else if (c == ',' || c == '=') {
      // UnescapedRune formats the rune with %v, which prints its code point.
      throw SelectorError("invalid field selector: unescaped character in value: " +
                          std::to_string(static_cast<int>(static_cast<unsigned char>(c))));
    } else {
      out += c;
    }
  }
  if (inSlash) throw SelectorError("invalid field selector: invalid escape sequence: \\");
  return out;
}

}  // namespace

FieldSelector FieldSelector::parse(std::string_view text, std::string_view group, std::string_view plural) {
  FieldSelector out;
  out.group_ = std::string(group);
  out.plural_ = std::string(plural);
  auto parts = splitTerms(text);
  std::sort(parts.begin(), parts.end());
  for (const auto& part : parts) {
    if (part.empty()) continue;
    size_t at = std::string::npos;
    std::string_view op;
    for (size_t i = 0; i < part.size() && at == std::string::npos; ++i) {
      for (std::string_view candidate : {"!=", "==", "="}) {
        if (std::string_view(part).substr(i).starts_with(candidate)) {
          at = i;
          op = candidate;
          break;
        }
      }
    }
    if (at == std::string::npos) {
      throw SelectorError("invalid selector: '" + std::string(text) + "'; can't understand '" + part + "'");
    }
    out.terms_.push_back(
        {part.substr(0, at), op != "!=", unescapeValue(std::string_view(part).substr(at + op.size()))});
  }
  // The handler then converts every label with the kind's field label conversion; the first refusal wins.
  FieldRules rules = rulesFor(group, plural);
  for (auto& term : out.terms_) {
    if (std::find(rules.labels.begin(), rules.labels.end(), term.field) == rules.labels.end()) {
      throw SelectorError(refusal(rules.style, term.field));
    }
    if (group.empty() && plural == "pods" && term.field == "spec.host") term.field = "spec.nodeName";
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> FieldSelector::fieldSet(const boost::json::object& object,
                                                                         std::string_view group,
                                                                         std::string_view plural) {
  std::vector<std::pair<std::string, std::string>> set;
  set.emplace_back("metadata.name", str(object, {"metadata", "name"}));
  if (const auto* ns = path(object, {"metadata", "namespace"}); ns != nullptr && ns->is_string()) {
    set.emplace_back("metadata.namespace", std::string(ns->get_string()));
  }
  auto add = [&](std::string name, std::string value) {
    set.emplace_back(std::move(name), std::move(value));
  };
  if (group.empty() && plural == "pods") {
    add("spec.nodeName", str(object, {"spec", "nodeName"}));
    add("spec.restartPolicy", str(object, {"spec", "restartPolicy"}));
    add("spec.schedulerName", str(object, {"spec", "schedulerName"}));
    add("spec.serviceAccountName", str(object, {"spec", "serviceAccountName"}));
    add("spec.hostNetwork", boolean(object, {"spec", "hostNetwork"}) ? "true" : "false");
    add("status.phase", str(object, {"status", "phase"}));
    std::string podIP;
    if (const auto* ips = path(object, {"status", "podIPs"});
        ips != nullptr && ips->is_array() && !ips->get_array().empty() && ips->get_array()[0].is_object()) {
      podIP = str(ips->get_array()[0].get_object(), {"ip"});
    } else {
      podIP = str(object, {"status", "podIP"});
    }
    add("status.podIP", podIP);
    add("status.nominatedNodeName", str(object, {"status", "nominatedNodeName"}));
  } else if (group.empty() && plural == "nodes") {
    add("spec.unschedulable", boolean(object, {"spec", "unschedulable"}) ? "true" : "false");
  } else if ((group.empty() && plural == "replicationcontrollers") ||
             (group == "apps" && plural == "replicasets")) {
    add("status.replicas", std::to_string(integer(object, {"status", "replicas"})));
  } else if (group.empty() && plural == "events") {
    for (auto f : {"kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"}) {
      add(std::string("involvedObject.") + f, str(object, {"involvedObject", f}));
    }
    add("reason", str(object, {"reason"}));
    add("reportingComponent", str(object, {"reportingComponent"}));
    std::string source = str(object, {"source", "component"});
    if (source.empty()) source = str(object, {"reportingComponent"});
    add("source", source);
    add("type", str(object, {"type"}));
  } else if (group == "events.k8s.io" && plural == "events") {
    for (auto f : {"kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"}) {
      add(std::string("regarding.") + f, str(object, {"regarding", f}));
    }
    add("reason", str(object, {"reason"}));
    add("reportingController", str(object, {"reportingController"}));
    add("type", str(object, {"type"}));
  } else if (group.empty() && plural == "namespaces") {
    add("status.phase", str(object, {"status", "phase"}));
  } else if (group.empty() && plural == "secrets") {
    add("type", str(object, {"type"}));
  } else if (group.empty() && plural == "services") {
    add("spec.clusterIP", str(object, {"spec", "clusterIP"}));
    add("spec.type", str(object, {"spec", "type"}));
  } else if (group == "batch" && plural == "jobs") {
    add("status.successful", std::to_string(integer(object, {"status", "succeeded"})));
  }
  return set;
}

bool FieldSelector::matches(const boost::json::object& object) const {
  if (terms_.empty()) return true;
  auto set = fieldSet(object, group_, plural_);
  for (const auto& term : terms_) {
    std::string value;  // fields.Set.Get: a field the object does not carry reads as ""
    for (const auto& [name, v] : set) {
      if (name == term.field) {
        value = v;
        break;
      }
    }
    if ((value == term.value) != term.equals) return false;
  }
  return true;
}

}  // namespace kubesim

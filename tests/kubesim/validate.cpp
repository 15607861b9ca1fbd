// Validation of written objects against the OpenAPI schema with the API server's outcomes and wording.
//
// Three passes, in the order the API server meets them. (1) Decoding: the server decodes the body into the
// kind's Go struct with encoding/json semantics, so a wrong JSON type is the first error the decoder saves,
// worded `json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32`
// (innermost struct, then the field path without list indices or map keys); Quantity, IntOrString and Time
// decode themselves and report their own errors. (2) Strict decoding: every field the struct does not declare
// is an unknown field, named by its path with list indices (`spec.containers[0].foo`). (3) Validation of the
// decoded object: the checks the real validation code runs for the kinds kubectl users write most (object
// names, Deployment/ReplicaSet/StatefulSet/DaemonSet selectors and templates, pod containers, Job restart
// policy, Service ports, labels), then the schema's `required` fields for everything else.
//
// Why hand-written checks next to the schema: OpenAPI knows types and required fields but not the rules
// (name formats, selector/label agreement, port ranges), and those are what users trip over. The wording is
// Kubernetes' (k8s.io/apimachinery/pkg/util/validation, pkg/apis/*/validation); values print as Go's %q/%#v.
#include "validate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "codec.h"

namespace kubesim {

namespace json = boost::json;

namespace {

// ---------------------------------------------------------------------------------------------------------
// Small helpers

std::string_view str(const json::object& obj, std::string_view key) {
  auto it = obj.find(key);
  return it != obj.end() && it->value().is_string() ? std::string_view(it->value().get_string()) : "";
}

const json::object* obj(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_object() ? &it->value().get_object() : nullptr;
}

const json::array* arr(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_array() ? &it->value().get_array() : nullptr;
}

std::string shortName(std::string_view definition) {
  auto dot = definition.rfind('.');
  return std::string(dot == std::string_view::npos ? definition : definition.substr(dot + 1));
}

// Go's package name for a definition: io.k8s.api.apps.v1.Deployment -> v1.
std::string packageName(std::string_view definition) {
  auto last = definition.rfind('.');
  if (last == std::string_view::npos || last == 0) return "";
  auto prev = definition.rfind('.', last - 1);
  return std::string(definition.substr(prev == std::string_view::npos ? 0 : prev + 1,
                                       last - (prev == std::string_view::npos ? 0 : prev + 1)));
}

// strconv.Quote: the form Go's %q prints.
std::string goQuote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\x{:02x}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out += '"';
  return out;
}

// The JSON number as encoding/json quotes it in "number X".
std::string numberText(const json::value& v) {
  if (v.is_int64()) return std::to_string(v.get_int64());
  if (v.is_uint64()) return std::to_string(v.get_uint64());
  return fmt::format("{}", v.get_double());
}

// %#v of a map[string]string: keys sorted, `map[string]string(nil)` when absent.
std::string goStringMap(const json::object* labels) {
  if (!labels) return "map[string]string(nil)";
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& [k, v] : *labels) {
    entries.emplace_back(std::string(k), v.is_string() ? std::string(v.get_string()) : "");
  }
  std::sort(entries.begin(), entries.end());
  std::string out = "map[string]string{";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i) out += ", ";
    out += goQuote(entries[i].first) + ":" + goQuote(entries[i].second);
  }
  return out + "}";
}

std::string goStringSlice(const json::array* values) {
  if (!values) return "[]string(nil)";
  std::string out = "[]string{";
  for (std::size_t i = 0; i < values->size(); ++i) {
    if (i) out += ", ";
    out += goQuote((*values)[i].is_string() ? std::string_view((*values)[i].get_string()) : "");
  }
  return out + "}";
}

// %#v of a metav1.LabelSelector.
std::string goLabelSelector(const json::object& selector) {
  std::string out =
      "v1.LabelSelector{MatchLabels:" + goStringMap(obj(selector, "matchLabels")) + ", MatchExpressions:";
  const auto* expressions = arr(selector, "matchExpressions");
  if (!expressions) {
    out += "[]v1.LabelSelectorRequirement(nil)";
  } else {
    out += "[]v1.LabelSelectorRequirement{";
    for (std::size_t i = 0; i < expressions->size(); ++i) {
      if (i) out += ", ";
      static const json::object kEmpty;
      const auto& e = (*expressions)[i].is_object() ? (*expressions)[i].get_object() : kEmpty;
      out += "v1.LabelSelectorRequirement{Key:" + goQuote(str(e, "key")) +
             ", Operator:" + goQuote(str(e, "operator")) + ", Values:" + goStringSlice(arr(e, "values")) +
             "}";
    }
    out += "}";
  }
  return out + "}";
}

// ---------------------------------------------------------------------------------------------------------
// Name and label rules (k8s.io/apimachinery/pkg/util/validation)

bool isLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool isAlnum(char c) {
  return isLowerAlnum(c) || (c >= 'A' && c <= 'Z');
}

std::string regexError(std::string_view msg, std::string_view format,
                       std::initializer_list<std::string_view> examples) {
  std::string out(msg);
  out += " (e.g. ";
  bool first = true;
  for (auto example : examples) {
    if (!first) out += " or ";
    first = false;
    out += "'" + std::string(example) + "', ";
  }
  return out + "regex used for validation is '" + std::string(format) + "')";
}

std::string maxLenError(std::size_t length) {
  return fmt::format("must be no more than {} characters", length);
}

bool matchesDns1123Label(std::string_view s) {
  if (s.empty() || !isLowerAlnum(s.front()) || !isLowerAlnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return isLowerAlnum(c) || c == '-'; });
}

std::vector<std::string> dns1123Label(std::string_view s) {
  std::vector<std::string> errors;
  if (s.size() > 63) errors.push_back(maxLenError(63));
  if (!matchesDns1123Label(s)) {
    errors.push_back(
        regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
                   "'-', and must start and end with an alphanumeric character",
                   "[a-z0-9]([-a-z0-9]*[a-z0-9])?", {"my-name", "123-abc"}));
  }
  return errors;
}

std::vector<std::string> dns1123Subdomain(std::string_view s) {
  std::vector<std::string> errors;
  if (s.size() > 253) errors.push_back(maxLenError(253));
  bool ok = !s.empty();
  std::size_t start = 0;
  while (ok && start <= s.size()) {
    auto end = s.find('.', start);
    if (end == std::string_view::npos) end = s.size();
    ok = matchesDns1123Label(s.substr(start, end - start));
    start = end + 1;
  }
  if (!ok) {
    errors.push_back(
        regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
                   "'-' or '.', and must start and end with an alphanumeric character",
                   "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*", {"example.com"}));
  }
  return errors;
}

std::vector<std::string> dns1035Label(std::string_view s) {
  std::vector<std::string> errors;
  if (s.size() > 63) errors.push_back(maxLenError(63));
  bool ok = !s.empty() && s.front() >= 'a' && s.front() <= 'z' && matchesDns1123Label(s);
  if (!ok) {
    errors.push_back(
        regexError("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start "
                   "with an alphabetic character, and end with an alphanumeric character",
                   "[a-z]([-a-z0-9]*[a-z0-9])?", {"my-name", "abc-123"}));
  }
  return errors;
}

std::vector<std::string> pathSegmentName(std::string_view s) {
  if (s == "." || s == "..") return {fmt::format("may not be '{}'", s)};
  std::vector<std::string> errors;
  if (s.find('/') != std::string_view::npos) errors.emplace_back("may not contain '/'");
  if (s.find('%') != std::string_view::npos) errors.emplace_back("may not contain '%'");
  return errors;
}

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
bool matchesQualifiedNamePart(std::string_view s) {
  if (s.empty() || !isAlnum(s.front()) || !isAlnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return isAlnum(c) || c == '-' || c == '_' || c == '.'; });
}

constexpr std::string_view kQualifiedNameFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr std::string_view kQualifiedNameMessage =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
    "character";

std::vector<std::string> qualifiedName(std::string_view s) {
  std::vector<std::string> errors;
  std::string_view name = s;
  auto slash = s.find('/');
  if (slash != std::string_view::npos) {
    if (s.find('/', slash + 1) != std::string_view::npos) {
      return {"a qualified name " +
              regexError(kQualifiedNameMessage, kQualifiedNameFormat, {"MyName", "my.name", "123-abc"}) +
              " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"};
    }
    auto prefix = s.substr(0, slash);
    name = s.substr(slash + 1);
    if (prefix.empty()) {
      errors.emplace_back("prefix part must be non-empty");
    } else {
      for (auto& e : dns1123Subdomain(prefix))
        errors.push_back("prefix part " + e);
    }
  }
  if (name.empty()) {
    errors.emplace_back("name part must be non-empty");
  } else if (name.size() > 63) {
    errors.push_back("name part " + maxLenError(63));
  }
  if (!name.empty() && !matchesQualifiedNamePart(name)) {
    errors.push_back("name part " + regexError(kQualifiedNameMessage, kQualifiedNameFormat,
                                               {"MyName", "my.name", "123-abc"}));
  }
  return errors;
}

std::vector<std::string> labelValue(std::string_view s) {
  std::vector<std::string> errors;
  if (s.size() > 63) errors.push_back(maxLenError(63));
  if (!s.empty() && !matchesQualifiedNamePart(s)) {
    errors.push_back(
        regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', "
                   "'_' or '.', and must start and end with an alphanumeric character",
                   "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?", {"MyValue", "my_value", "12345"}));
  }
  return errors;
}

// ---------------------------------------------------------------------------------------------------------
// Pass 1 and 2: decoding and strict decoding

enum class Shape {
  Any,
  Struct,
  Map,
  List,
  String,
  Bytes,
  Integer,
  Number,
  Boolean,
  IntOrString,
  Quantity,
  Time,
  MicroTime
};

struct Resolved {
  Shape shape = Shape::Any;
  const json::object* schema = nullptr;  // the dereferenced schema
  std::string definition;                // its definition name, "" when inline
};

Resolved classify(const OpenApi& api, const json::object& property) {
  Resolved r;
  r.schema = &api.deref(property, &r.definition);
  const auto& s = *r.schema;
  const auto& d = r.definition;
  if (d == "io.k8s.apimachinery.pkg.util.intstr.IntOrString" || str(s, "format") == "int-or-string" ||
      s.contains("x-kubernetes-int-or-string")) {
    r.shape = Shape::IntOrString;
  } else if (d == "io.k8s.apimachinery.pkg.api.resource.Quantity") {
    r.shape = Shape::Quantity;
  } else if (d == "io.k8s.apimachinery.pkg.apis.meta.v1.Time") {
    r.shape = Shape::Time;
  } else if (d == "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime") {
    r.shape = Shape::MicroTime;
  } else if (s.contains("x-kubernetes-preserve-unknown-fields") && !s.contains("properties")) {
    r.shape = Shape::Any;
  } else {
    auto type = str(s, "type");
    if (type == "object") {
      if (obj(s, "properties")) {
        r.shape = Shape::Struct;
      } else if (obj(s, "additionalProperties")) {
        r.shape = Shape::Map;
      } else {
        r.shape = Shape::Any;
      }
    } else if (type == "array") {
      r.shape = obj(s, "items") ? Shape::List : Shape::Any;
    } else if (type == "string") {
      r.shape = str(s, "format") == "byte" ? Shape::Bytes : Shape::String;
    } else if (type == "integer") {
      r.shape = Shape::Integer;
    } else if (type == "number") {
      r.shape = Shape::Number;
    } else if (type == "boolean") {
      r.shape = Shape::Boolean;
    } else {
      r.shape = obj(s, "properties") ? Shape::Struct : Shape::Any;
    }
  }
  return r;
}

// The Go type encoding/json names in an UnmarshalTypeError.
std::string goTypeName(const OpenApi& api, const json::object& property) {
  auto r = classify(api, property);
  const auto& s = *r.schema;
  switch (r.shape) {
    case Shape::Struct:
      return r.definition.empty() ? "struct" : packageName(r.definition) + "." + shortName(r.definition);
    case Shape::Map: {
      const auto& element = *obj(s, "additionalProperties");
      if (classify(api, element).shape == Shape::Quantity) return "v1.ResourceList";
      return "map[string]" + goTypeName(api, element);
    }
    case Shape::List:
      return "[]" + goTypeName(api, *obj(s, "items"));
    case Shape::String:
    case Shape::Time:
    case Shape::MicroTime:
      return "string";
    case Shape::Bytes:
      return "[]uint8";
    case Shape::Integer: {
      auto format = str(s, "format");
      return format == "int32" ? "int32" : format == "int64" ? "int64" : "int";
    }
    case Shape::Number:
      return str(s, "format") == "float" ? "float32" : "float64";
    case Shape::Boolean:
      return "bool";
    case Shape::IntOrString:
      return "int32";
    case Shape::Quantity:
      return "resource.Quantity";
    case Shape::Any:
      return "interface {}";
  }
  return "interface {}";
}

// base64.StdEncoding.Decode's verdict: the offset of the first bad byte, or nullopt when the text decodes.
std::optional<std::size_t> base64Error(std::string_view src) {
  auto valid = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
  };
  auto newline = [](char c) { return c == '\n' || c == '\r'; };
  std::size_t si = 0;
  while (si < src.size()) {
    std::size_t j = 0;
    for (; j < 4; ++j) {
      if (si == src.size()) {
        if (j == 0) return std::nullopt;
        return si - j;
      }
      char in = src[si++];
      if (newline(in)) {
        --j;
        continue;
      }
      if (valid(in)) continue;
      if (in != '=') return si - 1;
      if (j == 0 || j == 1) return si - 1;
      if (j == 2) {
        while (si < src.size() && newline(src[si]))
          ++si;
        if (si == src.size()) return src.size();
        if (src[si] != '=') return si - 1;
        ++si;
      }
      while (si < src.size() && newline(src[si]))
        ++si;
      if (si < src.size()) return si;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

// resource.ParseQuantity's verdict: nullopt, or the error it returns.
std::optional<std::string> quantityError(std::string_view s) {
  static const std::string kFormat =
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
  if (s.empty()) return kFormat;
  if (s == "0") return std::nullopt;
  std::size_t pos = 0;
  if (s[pos] == '+' || s[pos] == '-') ++pos;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  while (pos < s.size() && digit(s[pos]))
    ++pos;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    while (pos < s.size() && digit(s[pos]))
      ++pos;
  }
  auto suffixStart = pos;
  while (pos < s.size() && std::string_view("eEinumkKMGTP").find(s[pos]) != std::string_view::npos)
    ++pos;
  if (pos < s.size() && (s[pos] == '-' || s[pos] == '+')) ++pos;
  while (pos < s.size() && digit(s[pos]))
    ++pos;
  if (pos < s.size()) return kFormat;
  auto suffix = s.substr(suffixStart);
  static const std::set<std::string_view> kSuffixes = {"",  "n", "u",  "m",  "k",  "M",  "G",  "T",
                                                       "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  if (kSuffixes.contains(suffix)) return std::nullopt;
  if (suffix.size() >= 2 && (suffix[0] == 'e' || suffix[0] == 'E')) {
    auto exponent = suffix.substr(1);
    if (exponent[0] == '+' || exponent[0] == '-') exponent.remove_prefix(1);
    if (!exponent.empty() && std::all_of(exponent.begin(), exponent.end(), digit)) return std::nullopt;
  }
  return "unable to parse quantity's suffix";
}

// time.Parse(time.RFC3339, s)'s verdict, worded as Go words it.
std::optional<std::string> rfc3339Error(std::string_view value) {
  constexpr std::string_view kLayout = "2006-01-02T15:04:05Z07:00";
  auto fail = [&](std::string_view rest, std::string_view element) {
    return fmt::format("parsing time {} as {}: cannot parse {} as {}", goQuote(value), goQuote(kLayout),
                       goQuote(rest), goQuote(element));
  };
  auto range = [&](std::string_view what) {
    return fmt::format("parsing time {}: {} out of range", goQuote(value), what);
  };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  std::string_view rest = value;
  auto number = [&](std::size_t width, bool fixed, int& out) -> bool {
    std::size_t n = 0;
    while (n < rest.size() && n < width && digit(rest[n]))
      ++n;
    if (n == 0 || (fixed && n < width)) return false;
    out = 0;
    for (std::size_t i = 0; i < n; ++i)
      out = out * 10 + (rest[i] - '0');
    rest.remove_prefix(n);
    return true;
  };
  auto literal = [&](std::string_view text) -> bool {
    if (!rest.starts_with(text)) return false;
    rest.remove_prefix(text.size());
    return true;
  };
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (rest.size() < 4 || !number(4, true, year)) return fail(rest, "2006");
  if (!literal("-")) return fail(rest, "-");
  if (!number(2, true, month)) return fail(rest, "01");
  if (!literal("-")) return fail(rest, "-");
  if (!number(2, true, day)) return fail(rest, "02");
  if (!literal("T")) return fail(rest, "T");
  if (!number(2, false, hour)) return fail(rest, "15");
  if (!literal(":")) return fail(rest, ":");
  if (!number(2, true, minute)) return fail(rest, "04");
  if (!literal(":")) return fail(rest, ":");
  if (!number(2, true, second)) return fail(rest, "05");
  if (rest.size() >= 2 && (rest[0] == '.' || rest[0] == ',') && digit(rest[1])) {
    rest.remove_prefix(1);
    while (!rest.empty() && digit(rest[0]))
      rest.remove_prefix(1);
  }
  if (!literal("Z")) {
    if (rest.size() < 6 || (rest[0] != '+' && rest[0] != '-') || !digit(rest[1]) || !digit(rest[2]) ||
        rest[3] != ':' || !digit(rest[4]) || !digit(rest[5])) {
      return fail(rest, "Z07:00");
    }
    rest.remove_prefix(6);
  }
  if (!rest.empty()) return fmt::format("parsing time {}: extra text: {}", goQuote(value), goQuote(rest));
  if (month < 1 || month > 12) return range("month");
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day < 1 || day > kDays[month - 1] || (month == 2 && day == 29 && !leap)) return range("day");
  if (hour > 23) return range("hour");
  if (minute > 59) return range("minute");
  if (second > 59) return range("second");
  return std::nullopt;
}

class Decoder {
 public:
  explicit Decoder(const OpenApi& api) : api_(api) {}

  // path: the strict decoder's field path (with list indices); goPath: encoding/json's (without);
  // goStruct: the innermost struct whose field is being decoded.
  void decode(const json::value& v, const json::object& property, const std::string& path,
              const std::string& goPath, const std::string& goStruct) {
    if (v.is_null()) return;
    auto r = classify(api_, property);
    const auto& s = *r.schema;
    auto typeError = [&](std::string_view valueText) {
      decodeError(path, fmt::format("json: cannot unmarshal {} into Go struct field {}.{} of type {}",
                                    valueText, goStruct, goPath, goTypeName(api_, property)));
    };
    switch (r.shape) {
      case Shape::Any:
        return;
      case Shape::Struct: {
        if (!v.is_object()) return typeError(jsonKind(v));
        decodeStruct(v.get_object(), s, r.definition.empty() ? "struct" : shortName(r.definition), path,
                     goPath);
        return;
      }
      case Shape::Map: {
        if (!v.is_object()) return typeError(jsonKind(v));
        const auto& element = *obj(s, "additionalProperties");
        for (const auto& [key, item] : v.get_object()) {
          decode(item, element, path + "." + std::string(key), goPath, goStruct);
        }
        return;
      }
      case Shape::List: {
        if (!v.is_array()) return typeError(jsonKind(v));
        const auto& items = *obj(s, "items");
        const auto& list = v.get_array();
        for (std::size_t i = 0; i < list.size(); ++i) {
          decode(list[i], items, path + "[" + std::to_string(i) + "]", goPath, goStruct);
        }
        return;
      }
      case Shape::String:
      case Shape::MicroTime:
        if (!v.is_string()) return typeError(jsonKind(v));
        return;
      case Shape::Time:
        if (!v.is_string()) return typeError(jsonKind(v));
        if (auto error = rfc3339Error(v.get_string())) decodeError(path, *error);
        return;
      case Shape::Bytes:
        if (!v.is_string()) return typeError(jsonKind(v));
        if (auto offset = base64Error(v.get_string())) {
          decodeError(path, fmt::format("illegal base64 data at input byte {}", *offset));
        }
        return;
      case Shape::Boolean:
        if (!v.is_bool()) return typeError(jsonKind(v));
        return;
      case Shape::Number:
        if (!v.is_number()) return typeError(jsonKind(v));
        return;
      case Shape::Integer:
      case Shape::IntOrString: {
        if (r.shape == Shape::IntOrString && v.is_string()) return;
        if (!v.is_number()) return typeError(jsonKind(v));
        bool int32 = r.shape == Shape::IntOrString || str(s, "format") == "int32";
        bool fits = false;
        if (v.is_int64()) {
          auto n = v.get_int64();
          fits = !int32 || (n >= std::numeric_limits<std::int32_t>::min() &&
                            n <= std::numeric_limits<std::int32_t>::max());
        } else if (v.is_uint64()) {
          fits = !int32 &&
                 v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
        }
        if (!fits) typeError("number " + numberText(v));
        return;
      }
      case Shape::Quantity: {
        if (v.is_number()) return;
        std::string text;
        if (v.is_string()) {
          text = std::string(v.get_string());
          auto first = text.find_first_not_of(" \t\n\r");
          auto last = text.find_last_not_of(" \t\n\r");
          text = first == std::string::npos ? "" : text.substr(first, last - first + 1);
        } else {
          text = json::serialize(v);
        }
        if (auto error = quantityError(text)) decodeError(path, *error);
        return;
      }
    }
  }

  void decodeStruct(const json::object& o, const json::object& schema, const std::string& goStruct,
                    const std::string& path, const std::string& goPath) {
    const auto* properties = obj(schema, "properties");
    bool preserveUnknown = schema.contains("x-kubernetes-preserve-unknown-fields");
    for (const auto& [key, value] : o) {
      auto childPath = path.empty() ? std::string(key) : path + "." + std::string(key);
      auto childGoPath = goPath.empty() ? std::string(key) : goPath + "." + std::string(key);
      const json::object* property = properties ? obj(*properties, key) : nullptr;
      if (!property) {
        if (!preserveUnknown)
          unknown_.push_back({ValidationProblem::Kind::UnknownField, childPath,
                              fmt::format("unknown field \"{}\"", childPath)});
        continue;
      }
      decode(value, *property, childPath, childGoPath, goStruct);
    }
  }

  const std::optional<ValidationProblem>& decodeError() const { return decodeError_; }
  std::vector<ValidationProblem>& unknownFields() { return unknown_; }

 private:
  void decodeError(const std::string& path, std::string message) {
    if (!decodeError_)
      decodeError_ = ValidationProblem{ValidationProblem::Kind::Decode, path, std::move(message)};
  }

  const OpenApi& api_;
  std::optional<ValidationProblem> decodeError_;
  std::vector<ValidationProblem> unknown_;
};

// ---------------------------------------------------------------------------------------------------------
// Pass 3: validation of the decoded object

class Validator {
 public:
  explicit Validator(const OpenApi& api) : api_(api) {}

  std::vector<ValidationProblem> run(const json::object& object, const json::object& schema,
                                     std::string_view group, std::string_view kind) {
    validateMetadata(object, group, kind);
    const json::object* spec = obj(object, "spec");
    static const json::object kEmpty;
    const auto& s = spec ? *spec : kEmpty;
    if (group == "apps" && (kind == "Deployment" || kind == "ReplicaSet" || kind == "StatefulSet")) {
      validateReplicatedSpec(s, kind);
    } else if (group == "apps" && kind == "DaemonSet") {
      validateDaemonSetSpec(s);
    } else if (group.empty() && kind == "Pod") {
      validatePodSpec(s, "spec");
    } else if (group.empty() && kind == "PodTemplate") {
      if (const auto* t = obj(object, "template")) validatePodTemplate(*t, "template");
    } else if (group.empty() && kind == "ReplicationController") {
      if (const auto* t = obj(s, "template")) validatePodTemplate(*t, "spec.template");
    } else if (group == "batch" && kind == "Job") {
      validateJobSpec(s, "spec");
    } else if (group == "batch" && kind == "CronJob") {
      if (str(s, "schedule").empty()) required("spec.schedule");
      const auto* jobTemplate = obj(s, "jobTemplate");
      const auto* jobSpec = jobTemplate ? obj(*jobTemplate, "spec") : nullptr;
      validateJobSpec(jobSpec ? *jobSpec : kEmpty, "spec.jobTemplate.spec");
    } else if (group.empty() && kind == "Service") {
      validateServiceSpec(s);
    } else if (group == "rbac.authorization.k8s.io" && (kind == "Role" || kind == "ClusterRole")) {
      validateRules(object, kind == "Role");
    } else if (group == "rbac.authorization.k8s.io" &&
               (kind == "RoleBinding" || kind == "ClusterRoleBinding")) {
      validateBinding(object, kind == "RoleBinding");
    }
    requiredFields(object, schema, "", /*root=*/true);

    // Checks may meet the same field twice (explicit and from `required`): keep the first.
    std::vector<ValidationProblem> out;
    std::set<std::pair<std::string, std::string>> seen;
    for (auto& p : problems_) {
      if (seen.emplace(p.field, p.message).second) out.push_back(std::move(p));
    }
    return out;
  }

 private:
  void add(std::string field, std::string message) {
    problems_.push_back({ValidationProblem::Kind::Invalid, std::move(field), std::move(message)});
  }
  void required(std::string field, std::string_view detail = "") {
    add(std::move(field), detail.empty() ? "Required value" : "Required value: " + std::string(detail));
  }
  void invalid(std::string field, std::string_view valueText, std::string_view detail) {
    add(std::move(field), fmt::format("Invalid value: {}: {}", valueText, detail));
  }
  void notSupported(std::string field, std::string_view value,
                    std::initializer_list<std::string_view> supported) {
    std::string list;
    for (auto s : supported)
      list += (list.empty() ? "" : ", ") + goQuote(s);
    add(std::move(field), fmt::format("Unsupported value: {}: supported values: {}", goQuote(value), list));
  }

  void validateMetadata(const json::object& object, std::string_view group, std::string_view kind) {
    static const json::object kEmpty;
    const auto* meta = obj(object, "metadata");
    const auto& m = meta ? *meta : kEmpty;
    auto name = str(m, "name");
    if (name.empty()) {
      if (str(m, "generateName").empty()) required("metadata.name", "name or generateName is required");
    } else {
      for (auto& e : nameRule(group, kind)(name))
        invalid("metadata.name", goQuote(name), e);
    }
    validateLabels(obj(m, "labels"), "metadata.labels");
  }

  using NameRule = std::vector<std::string> (*)(std::string_view);
  static NameRule nameRule(std::string_view group, std::string_view kind) {
    static const std::set<std::pair<std::string_view, std::string_view>> kSubdomain = {
        {"", "Pod"},
        {"", "ConfigMap"},
        {"", "Secret"},
        {"", "ServiceAccount"},
        {"", "PersistentVolumeClaim"},
        {"", "PersistentVolume"},
        {"", "Node"},
        {"", "Endpoints"},
        {"", "ResourceQuota"},
        {"", "LimitRange"},
        {"", "ReplicationController"},
        {"", "PodTemplate"},
        {"apps", "Deployment"},
        {"apps", "ReplicaSet"},
        {"apps", "StatefulSet"},
        {"apps", "DaemonSet"},
        {"batch", "Job"},
        {"batch", "CronJob"},
        {"networking.k8s.io", "Ingress"},
        {"networking.k8s.io", "NetworkPolicy"},
        {"policy", "PodDisruptionBudget"},
        {"autoscaling", "HorizontalPodAutoscaler"},
        {"coordination.k8s.io", "Lease"},
        {"storage.k8s.io", "StorageClass"},
    };
    if (group.empty() && kind == "Service") return dns1035Label;
    if (group.empty() && kind == "Namespace") return dns1123Label;
    if (group == "rbac.authorization.k8s.io") return pathSegmentName;
    if (kSubdomain.contains({group, kind})) return dns1123Subdomain;
    return [](std::string_view) { return std::vector<std::string>{}; };
  }

  void validateLabels(const json::object* labels, const std::string& field) {
    if (!labels) return;
    for (const auto& [key, value] : *labels) {
      for (auto& e : qualifiedName(key))
        invalid(field, goQuote(key), e);
      auto text = value.is_string() ? std::string_view(value.get_string()) : "";
      for (auto& e : labelValue(text))
        invalid(field, goQuote(text), e);
    }
  }

  static bool selectorMatches(const json::object& selector, const json::object* labels) {
    auto label = [&](std::string_view key) -> std::optional<std::string_view> {
      if (!labels) return std::nullopt;
      auto it = labels->find(key);
      if (it == labels->end() || !it->value().is_string()) return std::nullopt;
      return std::string_view(it->value().get_string());
    };
    if (const auto* matchLabels = obj(selector, "matchLabels")) {
      for (const auto& [key, value] : *matchLabels) {
        auto have = label(key);
        if (!have || !value.is_string() || *have != value.get_string()) return false;
      }
    }
    if (const auto* expressions = arr(selector, "matchExpressions")) {
      for (const auto& e : *expressions) {
        if (!e.is_object()) return false;
        const auto& r = e.get_object();
        auto have = label(str(r, "key"));
        auto op = str(r, "operator");
        bool inValues = false;
        if (const auto* values = arr(r, "values"); values && have) {
          inValues = std::any_of(values->begin(), values->end(), [&](const json::value& v) {
            return v.is_string() && v.get_string() == *have;
          });
        }
        if (op == "In" && !(have && inValues)) return false;
        if (op == "NotIn" && have && inValues) return false;
        if (op == "Exists" && !have) return false;
        if (op == "DoesNotExist" && have) return false;
      }
    }
    return true;
  }

  static bool selectorEmpty(const json::object& selector) {
    const auto* matchLabels = obj(selector, "matchLabels");
    const auto* expressions = arr(selector, "matchExpressions");
    return (!matchLabels || matchLabels->empty()) && (!expressions || expressions->empty());
  }

  // Deployment, ReplicaSet and StatefulSet (apps validation ValidateDeploymentSpec and friends).
  void validateReplicatedSpec(const json::object& spec, std::string_view kind) {
    if (auto it = spec.find("replicas");
        it != spec.end() && it->value().is_int64() && it->value().get_int64() < 0) {
      invalid("spec.replicas", std::to_string(it->value().get_int64()), "must be greater than or equal to 0");
    }
    const auto* selector = obj(spec, "selector");
    if (!selector) {
      required("spec.selector");
    } else if (selectorEmpty(*selector)) {
      invalid("spec.selector", goLabelSelector(*selector),
              kind == "StatefulSet" ? "empty selector is invalid for statefulset"
                                    : "empty selector is invalid for deployment");
    }
    static const json::object kEmpty;
    const auto* template_ = obj(spec, "template");
    const auto& t = template_ ? *template_ : kEmpty;
    const auto* templateMeta = obj(t, "metadata");
    const auto* templateLabels = templateMeta ? obj(*templateMeta, "labels") : nullptr;
    // A missing selector selects nothing, so it never matches the template's labels; an empty one selects
    // all.
    if (!selector || (!selectorEmpty(*selector) && !selectorMatches(*selector, templateLabels))) {
      invalid("spec.template.metadata.labels", goStringMap(templateLabels),
              "`selector` does not match template `labels`");
    }
    validatePodTemplate(t, "spec.template");
    auto restartPolicy = restartPolicyOf(t);
    if (restartPolicy != "Always")
      notSupported("spec.template.spec.restartPolicy", restartPolicy, {"Always"});
  }

  void validateDaemonSetSpec(const json::object& spec) {
    static const json::object kEmpty;
    const auto* selector = obj(spec, "selector");
    const auto* template_ = obj(spec, "template");
    const auto& t = template_ ? *template_ : kEmpty;
    const auto* templateMeta = obj(t, "metadata");
    const auto* templateLabels = templateMeta ? obj(*templateMeta, "labels") : nullptr;
    if (!selector || !selectorMatches(*selector, templateLabels)) {
      invalid("spec.template.metadata.labels", goStringMap(templateLabels),
              "`selector` does not match template `labels`");
    }
    if (selector && selectorEmpty(*selector)) {
      invalid("spec.selector", goLabelSelector(*selector), "empty selector is invalid for daemonset");
    }
    validatePodTemplate(t, "spec.template");
    auto restartPolicy = restartPolicyOf(t);
    if (restartPolicy != "Always")
      notSupported("spec.template.spec.restartPolicy", restartPolicy, {"Always"});
  }

  void validateJobSpec(const json::object& spec, const std::string& path) {
    static const json::object kEmpty;
    const auto* template_ = obj(spec, "template");
    const auto& t = template_ ? *template_ : kEmpty;
    validatePodTemplate(t, path + ".template");
    auto restartPolicy = restartPolicyOf(t);
    if (restartPolicy != "OnFailure" && restartPolicy != "Never") {
      notSupported(path + ".template.spec.restartPolicy", restartPolicy, {"OnFailure", "Never"});
    }
  }

  // The pod template's restartPolicy after defaulting (an unset policy defaults to Always).
  static std::string_view restartPolicyOf(const json::object& podTemplate) {
    const auto* spec = obj(podTemplate, "spec");
    auto policy = spec ? str(*spec, "restartPolicy") : "";
    return policy.empty() ? "Always" : policy;
  }

  // ValidatePodTemplateSpec: note the labels path is <template>.labels, not <template>.metadata.labels.
  void validatePodTemplate(const json::object& podTemplate, const std::string& path) {
    const auto* meta = obj(podTemplate, "metadata");
    validateLabels(meta ? obj(*meta, "labels") : nullptr, path + ".labels");
    static const json::object kEmpty;
    const auto* spec = obj(podTemplate, "spec");
    validatePodSpec(spec ? *spec : kEmpty, path + ".spec");
  }

  void validatePodSpec(const json::object& spec, const std::string& path) {
    std::set<std::string> names;
    const auto* containers = arr(spec, "containers");
    if (!containers || containers->empty()) {
      required(path + ".containers");
    } else {
      validateContainers(*containers, path + ".containers", names);
    }
    if (const auto* init = arr(spec, "initContainers"))
      validateContainers(*init, path + ".initContainers", names);
    auto restartPolicy = str(spec, "restartPolicy");
    if (!restartPolicy.empty() && restartPolicy != "Always" && restartPolicy != "OnFailure" &&
        restartPolicy != "Never") {
      notSupported(path + ".restartPolicy", restartPolicy, {"Always", "OnFailure", "Never"});
    }
  }

  void validateContainers(const json::array& containers, const std::string& path,
                          std::set<std::string>& names) {
    for (std::size_t i = 0; i < containers.size(); ++i) {
      if (!containers[i].is_object()) continue;
      const auto& c = containers[i].get_object();
      auto at = fmt::format("{}[{}]", path, i);
      auto name = str(c, "name");
      if (name.empty()) {
        required(at + ".name");
      } else {
        for (auto& e : dns1123Label(name))
          invalid(at + ".name", goQuote(name), e);
        if (!names.insert(std::string(name)).second) add(at + ".name", "Duplicate value: " + goQuote(name));
      }
      if (str(c, "image").empty()) required(at + ".image");
      if (const auto* ports = arr(c, "ports")) {
        for (std::size_t p = 0; p < ports->size(); ++p) {
          if (!(*ports)[p].is_object()) continue;
          const auto& port = (*ports)[p].get_object();
          auto portPath = fmt::format("{}.ports[{}].containerPort", at, p);
          auto it = port.find("containerPort");
          std::int64_t number = it != port.end() && it->value().is_int64() ? it->value().get_int64() : 0;
          if (number == 0) {
            required(portPath);
          } else if (number < 1 || number > 65535) {
            invalid(portPath, std::to_string(number), "must be between 1 and 65535, inclusive");
          }
        }
      }
    }
  }

  void validateServiceSpec(const json::object& spec) {
    auto type = str(spec, "type");
    if (!type.empty() && type != "ClusterIP" && type != "ExternalName" && type != "LoadBalancer" &&
        type != "NodePort") {
      notSupported("spec.type", type, {"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"});
    }
    const auto* ports = arr(spec, "ports");
    bool headless = str(spec, "clusterIP") == "None";
    if ((!ports || ports->empty()) && !headless && type != "ExternalName") required("spec.ports");
    if (!ports) return;
    for (std::size_t i = 0; i < ports->size(); ++i) {
      if (!(*ports)[i].is_object()) continue;
      const auto& port = (*ports)[i].get_object();
      auto at = fmt::format("spec.ports[{}]", i);
      if (ports->size() > 1 && str(port, "name").empty()) required(at + ".name");
      auto it = port.find("port");
      std::int64_t number = it != port.end() && it->value().is_int64() ? it->value().get_int64() : 0;
      if (number < 1 || number > 65535)
        invalid(at + ".port", std::to_string(number), "must be between 1 and 65535, inclusive");
    }
  }

  // rbac validation ValidatePolicyRule (an aggregated ClusterRole may have no rules of its own).
  void validateRules(const json::object& role, bool namespaced) {
    const auto* rules = arr(role, "rules");
    if (!rules) return;
    for (std::size_t i = 0; i < rules->size(); ++i) {
      if (!(*rules)[i].is_object()) continue;
      const auto& rule = (*rules)[i].get_object();
      auto at = fmt::format("rules[{}]", i);
      auto count = [&](std::string_view key) { return arr(rule, key) ? arr(rule, key)->size() : 0; };
      if (count("verbs") == 0) required(at + ".verbs", "verbs must contain at least one value");
      if (count("nonResourceURLs") > 0) {
        auto urls = goStringSlice(arr(rule, "nonResourceURLs"));
        if (namespaced)
          invalid(at + ".nonResourceURLs", urls, "namespaced rules cannot apply to non-resource URLs");
        if (count("apiGroups") > 0 || count("resources") > 0 || count("resourceNames") > 0) {
          invalid(at + ".nonResourceURLs", urls,
                  "rules cannot apply to both regular resources and non-resource URLs");
        }
        continue;
      }
      if (count("apiGroups") == 0)
        required(at + ".apiGroups", "resource rules must supply at least one api group");
      if (count("resources") == 0)
        required(at + ".resources", "resource rules must supply at least one resource");
    }
  }

  // rbac validation ValidateRoleBinding, after defaulting (an empty roleRef.apiGroup, and a User or Group
  // subject's empty apiGroup, default to rbac.authorization.k8s.io).
  void validateBinding(const json::object& binding, bool namespaced) {
    static const json::object kEmpty;
    constexpr std::string_view kRbac = "rbac.authorization.k8s.io";
    const auto* roleRef = obj(binding, "roleRef");
    const auto& ref = roleRef ? *roleRef : kEmpty;
    auto apiGroup = str(ref, "apiGroup");
    if (!apiGroup.empty() && apiGroup != kRbac) notSupported("roleRef.apiGroup", apiGroup, {kRbac});
    auto kind = str(ref, "kind");
    if (kind != "Role" && kind != "ClusterRole") notSupported("roleRef.kind", kind, {"Role", "ClusterRole"});
    auto name = str(ref, "name");
    if (name.empty()) {
      required("roleRef.name");
    } else {
      for (auto& e : pathSegmentName(name))
        invalid("roleRef.name", goQuote(name), e);
    }
    const auto* subjects = arr(binding, "subjects");
    if (!subjects) return;
    for (std::size_t i = 0; i < subjects->size(); ++i) {
      if (!(*subjects)[i].is_object()) continue;
      const auto& subject = (*subjects)[i].get_object();
      auto at = fmt::format("subjects[{}]", i);
      auto subjectName = str(subject, "name");
      auto subjectKind = str(subject, "kind");
      auto subjectGroup = str(subject, "apiGroup");
      if (subjectName.empty()) required(at + ".name");
      if (subjectKind == "ServiceAccount") {
        if (!subjectName.empty()) {
          for (auto& e : dns1123Subdomain(subjectName))
            invalid(at + ".name", goQuote(subjectName), e);
        }
        if (!subjectGroup.empty()) notSupported(at + ".apiGroup", subjectGroup, {""});
        if (!namespaced && str(subject, "namespace").empty()) required(at + ".namespace");
      } else if (subjectKind == "User" || subjectKind == "Group") {
        if (!subjectGroup.empty() && subjectGroup != kRbac)
          notSupported(at + ".apiGroup", subjectGroup, {kRbac});
      } else {
        notSupported(at + ".kind", subjectKind, {"ServiceAccount", "User", "Group"});
      }
    }
  }

  // The schema's `required` fields the explicit checks above do not already cover (with their own wording).
  // The few required fields whose validation explains itself.
  static std::string_view requiredDetail(std::string_view definition, std::string_view field) {
    if (definition == "HTTPIngressPath" && field == "pathType") return "pathType must be specified";
    return "";
  }

  // A missing required struct decodes as its zero value, so its own required fields are what validation
  // reports missing (a missing scaleTargetRef gives scaleTargetRef.kind and scaleTargetRef.name).
  void requiredFields(const json::object& value, const json::object& schema, const std::string& path,
                      bool root) {
    std::string definition;
    const auto& s = api_.deref(schema, &definition);
    auto shortDef = shortName(definition);
    static const std::set<std::pair<std::string_view, std::string_view>> kCoveredElsewhere = {
        {"PodSpec", "containers"},
        {"Container", "name"},
        {"DeploymentSpec", "selector"},
        {"DeploymentSpec", "template"},
        {"ReplicaSetSpec", "selector"},
        {"StatefulSetSpec", "selector"},
        {"StatefulSetSpec", "template"},
        {"DaemonSetSpec", "selector"},
        {"DaemonSetSpec", "template"},
        {"JobSpec", "template"},
        {"Event", "metadata"},
        {"Event", "involvedObject"},
        {"Event", "eventTime"},
        {"RoleBinding", "roleRef"},
        {"ClusterRoleBinding", "roleRef"},
        {"Subject", "kind"},
        {"Subject", "name"},
        {"PolicyRule", "verbs"},
    };
    static const json::object kEmpty;
    const auto* properties = obj(s, "properties");
    if (!properties) return;
    if (const auto* requiredList = arr(s, "required")) {
      for (const auto& entry : *requiredList) {
        if (!entry.is_string()) continue;
        std::string_view name = entry.get_string();
        if (kCoveredElsewhere.contains({shortDef, name})) continue;
        if (shortDef.ends_with("List") && name == "items") continue;
        const auto* property = obj(*properties, name);
        if (!property) continue;
        auto childPath = path.empty() ? std::string(name) : path + "." + std::string(name);
        auto it = value.find(name);
        bool absent = it == value.end() || it->value().is_null();
        // Numbers and booleans decode to 0 and false; validation words those as range errors, not as missing.
        switch (classify(api_, *property).shape) {
          case Shape::String:
          case Shape::Bytes:
            if (absent || (it->value().is_string() && it->value().get_string().empty())) {
              required(childPath, requiredDetail(shortDef, name));
            }
            break;
          case Shape::List:
            if (absent || (it->value().is_array() && it->value().get_array().empty())) required(childPath);
            break;
          case Shape::Struct:
            if (absent) requiredFields(kEmpty, *property, childPath, false);
            break;
          default:
            break;
        }
      }
    }
    for (const auto& [key, child] : value) {
      // Status is not validated on writes of the resource; metadata has its own checks.
      if (root && (key == "status" || key == "metadata")) continue;
      const auto* property = obj(*properties, key);
      if (!property) continue;
      auto childPath = path.empty() ? std::string(key) : path + "." + std::string(key);
      auto r = classify(api_, *property);
      if (r.shape == Shape::Struct && child.is_object()) {
        requiredFields(child.get_object(), *property, childPath, false);
      } else if (r.shape == Shape::List && child.is_array()) {
        const auto& items = *obj(*r.schema, "items");
        if (classify(api_, items).shape != Shape::Struct) continue;
        const auto& list = child.get_array();
        for (std::size_t i = 0; i < list.size(); ++i) {
          if (list[i].is_object())
            requiredFields(list[i].get_object(), items, fmt::format("{}[{}]", childPath, i), false);
        }
      } else if (r.shape == Shape::Map && child.is_object()) {
        const auto& element = *obj(*r.schema, "additionalProperties");
        if (classify(api_, element).shape != Shape::Struct) continue;
        for (const auto& [entryKey, entry] : child.get_object()) {
          if (entry.is_object()) {
            requiredFields(entry.get_object(), element,
                           fmt::format("{}[{}]", childPath, std::string_view(entryKey)), false);
          }
        }
      }
    }
  }

  const OpenApi& api_;
  std::vector<ValidationProblem> problems_;
};

}  // namespace

ValidationResult validateObject(const OpenApi& api, const boost::json::object& object) {
  ValidationResult result;
  const auto* schema = api.schemaOf(object);
  if (!schema) return result;

  auto apiVersion = str(object, "apiVersion");
  auto kind = str(object, "kind");
  Decoder decoder(api);
  // The root struct's Go name is the kind; its fields are named from the root ("spec.replicas").
  decoder.decodeStruct(object, *schema, std::string(kind), "", "");
  if (decoder.decodeError()) {
    result.problems.push_back(*decoder.decodeError());
    return result;
  }
  for (auto& p : decoder.unknownFields())
    result.problems.push_back(std::move(p));

  auto slash = apiVersion.find('/');
  auto group = slash == std::string_view::npos ? std::string_view() : apiVersion.substr(0, slash);
  for (auto& p : Validator(api).run(object, *schema, group, kind))
    result.problems.push_back(std::move(p));
  return result;
}

std::string causeReason(const ValidationProblem& problem) {
  if (problem.kind != ValidationProblem::Kind::Invalid) return "";
  static const std::pair<std::string_view, std::string_view> kPrefixes[] = {
      {"Required value", "FieldValueRequired"},
      {"Invalid value", "FieldValueInvalid"},
      {"Unsupported value", "FieldValueNotSupported"},
      {"Duplicate value", "FieldValueDuplicate"},
      {"Forbidden", "FieldValueForbidden"},
      {"Too long", "FieldValueTooLong"},
      {"Too many", "FieldValueTooMany"},
      {"Internal error", "InternalError"},
      {"Not found", "FieldValueNotFound"},
  };
  for (const auto& [prefix, reason] : kPrefixes) {
    if (std::string_view(problem.message).starts_with(prefix)) return std::string(reason);
  }
  return "FieldValueInvalid";
}

}  // namespace kubesim

// Field access with line-numbered errors for kubesim's scenario documents.
#include "document.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace kubesim::behaviour {

namespace json = boost::json;

std::string describe(const json::value& value) {
  switch (value.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return value.get_bool() ? "true" : "false";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return "the number " + json::serialize(value);
    case json::kind::string:
      return json::serialize(value);
    case json::kind::array:
      return "a list";
    case json::kind::object:
      return "a mapping";
  }
  return "a value";
}

Fields::Fields(const ScenarioDocument& document, std::string label)
    : Fields(document, std::move(label), document.body, "", "") {}

Fields::Fields(const ScenarioDocument& document, std::string label, const json::object& object,
               std::string pointer, std::string dotted)
    : document_(&document),
      label_(std::move(label)),
      object_(&object),
      pointer_(std::move(pointer)),
      dotted_(std::move(dotted)) {}

std::string Fields::pointerOf(std::string_view key) const {
  std::string pointer = pointer_ + "/";
  for (char c : key) {
    if (c == '~') {
      pointer += "~0";
    } else if (c == '/') {
      pointer += "~1";
    } else {
      pointer += c;
    }
  }
  return pointer;
}

std::string Fields::path(std::string_view key) const {
  if (key.empty()) return dotted_;
  return dotted_.empty() ? std::string(key) : dotted_ + "." + std::string(key);
}

std::string Fields::where(std::string_view key) const {
  // The nearest recorded line: the key's own, else the closest enclosing field's, else the document's.
  std::string pointer = key.empty() ? pointer_ : pointerOf(key);
  int line = document_->line;
  while (!pointer.empty()) {
    auto it = document_->lines.find(pointer);
    if (it != document_->lines.end()) {
      line = it->second;
      break;
    }
    pointer.erase(pointer.rfind('/'));
  }
  return line > 0 ? document_->file + ":" + std::to_string(line) : document_->file;
}

void Fields::fail(std::string_view key, std::string_view message) const {
  std::string field = path(key);
  throw StateError(where(key) + ": " + label_ + ": " + (field.empty() ? "" : field + ": ") +
                   std::string(message));
}

void Fields::failHere(std::string_view message) const {
  fail({}, message);
}

void Fields::failAt(std::string_view key, std::size_t index, std::string_view message) const {
  Fields item(*document_, label_, *object_, pointerOf(key) + "/" + std::to_string(index),
              path(key) + "[" + std::to_string(index) + "]");
  item.failHere(message);
}

void Fields::allowOnly(std::initializer_list<std::string_view> keys) const {
  for (const auto& kv : *object_) {
    std::string_view key = kv.key();
    if (pointer_.empty() && (key == "apiVersion" || key == "kind")) continue;
    if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
    throw StateError(where(key) + ": " + label_ + ": unknown field \"" + path(key) + "\"");
  }
}

bool Fields::has(std::string_view key) const {
  auto it = object_->find(key);
  return it != object_->end() && !it->value().is_null();
}

const json::value* Fields::raw(std::string_view key) const {
  auto it = object_->find(key);
  if (it == object_->end() || it->value().is_null()) return nullptr;
  return &it->value();
}

std::optional<std::string> Fields::string(std::string_view key) const {
  const json::value* v = raw(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) fail(key, "expected a string, found " + describe(*v));
  return std::string(v->get_string());
}

std::string Fields::requiredString(std::string_view key) const {
  std::optional<std::string> s = string(key);
  if (!s || s->empty()) failHere(std::string(key) + " is required");
  return *s;
}

std::optional<double> Fields::number(std::string_view key) const {
  const json::value* v = raw(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  if (v->is_double()) return v->get_double();
  fail(key, "expected a number, found " + describe(*v));
}

double Fields::number(std::string_view key, double fallback, double min, double max) const {
  std::optional<double> n = number(key);
  if (!n) return fallback;
  if (*n < min || *n > max) {
    std::string range = max == HUGE_VAL ? fmt::format("must be at least {}", min)
                                        : fmt::format("must be between {} and {}", min, max);
    fail(key, fmt::format("{}, not {}", range, *n));
  }
  return *n;
}

std::optional<std::int64_t> Fields::integer(std::string_view key) const {
  const json::value* v = raw(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() &&
      v->get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return static_cast<std::int64_t>(v->get_uint64());
  fail(key, "expected an integer, found " + describe(*v));
}

std::optional<bool> Fields::boolean(std::string_view key) const {
  const json::value* v = raw(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_bool()) fail(key, "expected true or false, found " + describe(*v));
  return v->get_bool();
}

std::optional<Duration> Fields::duration(std::string_view key) const {
  const json::value* v = raw(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_string()) {
    std::optional<Duration> d = parseDuration(v->get_string());
    if (!d) {
      fail(key,
           "invalid duration " + describe(*v) + " (expected a Go duration such as 90s, 5m, 1h30m or 7d)");
    }
    return d;
  }
  if (v->is_number()) {
    double seconds = v->to_number<double>();
    if (std::fabs(seconds) > 9.2e9) fail(key, "duration " + describe(*v) + " seconds is out of range");
    return fromSeconds(seconds);
  }
  fail(key, "expected a duration such as 90s, 5m, 1h30m or 7d, found " + describe(*v));
}

std::vector<std::string> Fields::strings(std::string_view key) const {
  std::vector<std::string> out;
  const json::value* v = raw(key);
  if (v == nullptr) return out;
  if (v->is_string()) {  // a single string stands for a list of one
    out.emplace_back(v->get_string());
    return out;
  }
  if (!v->is_array()) fail(key, "expected a list of strings, found " + describe(*v));
  std::size_t i = 0;
  for (const auto& item : v->get_array()) {
    if (!item.is_string()) failAt(key, i, "expected a string, found " + describe(item));
    out.emplace_back(item.get_string());
    ++i;
  }
  return out;
}

std::optional<Fields> Fields::object(std::string_view key) const {
  const json::value* v = raw(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_object()) fail(key, "expected a mapping, found " + describe(*v));
  return Fields(*document_, label_, v->get_object(), pointerOf(key), path(key));
}

std::vector<Fields> Fields::objects(std::string_view key) const {
  std::vector<Fields> out;
  const json::value* v = raw(key);
  if (v == nullptr) return out;
  if (!v->is_array()) fail(key, "expected a list, found " + describe(*v));
  std::size_t i = 0;
  for (const auto& item : v->get_array()) {
    std::string pointer = pointerOf(key) + "/" + std::to_string(i);
    std::string dotted = path(key) + "[" + std::to_string(i) + "]";
    if (!item.is_object()) failAt(key, i, "expected a mapping, found " + describe(item));
    out.push_back(Fields(*document_, label_, item.get_object(), pointer, dotted));
    ++i;
  }
  return out;
}

}  // namespace kubesim::behaviour

// JsonReader: field access with one error message naming the path (see json_reader.h).
#include "model/json_reader.h"

#include <fmt/format.h>

namespace aiops::model::detail {

namespace json = boost::json;

void JsonReader::fail(std::string_view where, std::string_view what) {
  if (failed_) return;
  failed_ = true;
  if (error_ != nullptr) *error_ = fmt::format("{}: {}", where, what);
}

const json::object* JsonReader::object(const json::value& value, std::string_view where) {
  if (const json::object* o = value.if_object()) return o;
  fail(where, "expected an object");
  return nullptr;
}

std::string JsonReader::string(const json::object& object, std::string_view key, std::string_view where,
                               bool required) {
  const json::value* v = object.if_contains(key);
  if (v == nullptr) {
    if (required) fail(fmt::format("{}.{}", where, key), "missing");
    return {};
  }
  if (const json::string* s = v->if_string()) return std::string(*s);
  fail(fmt::format("{}.{}", where, key), "expected a string");
  return {};
}

std::int64_t JsonReader::integer(const json::object& object, std::string_view key, std::string_view where,
                                 std::int64_t fallback) {
  const json::value* v = object.if_contains(key);
  if (v == nullptr) return fallback;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(v->get_uint64());
  fail(fmt::format("{}.{}", where, key), "expected an integer");
  return fallback;
}

bool JsonReader::boolean(const json::object& object, std::string_view key, std::string_view where,
                         bool fallback) {
  const json::value* v = object.if_contains(key);
  if (v == nullptr) return fallback;
  if (v->is_bool()) return v->get_bool();
  fail(fmt::format("{}.{}", where, key), "expected true or false");
  return fallback;
}

std::optional<WallTime> JsonReader::time(const json::object& object, std::string_view key,
                                         std::string_view where) {
  const json::value* v = object.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (const json::string* s = v->if_string()) {
    if (auto t = parseTimestamp(std::string_view(*s))) return t;
  }
  fail(fmt::format("{}.{}", where, key), "expected an RFC 3339 timestamp");
  return std::nullopt;
}

const json::array* JsonReader::array(const json::object& object, std::string_view key,
                                     std::string_view where) {
  const json::value* v = object.if_contains(key);
  if (v == nullptr) return nullptr;
  if (const json::array* a = v->if_array()) return a;
  fail(fmt::format("{}.{}", where, key), "expected an array");
  return nullptr;
}

}  // namespace aiops::model::detail

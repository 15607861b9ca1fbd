// The API server's patch mechanisms and field management: JSON merge patch and JSON patch as the apiserver's
// json-patch library (evanphx/json-patch v4) applies them, strategic merge patch as
// k8s.io/apimachinery/pkg/util/strategicpatch applies it, and server-side apply with managedFields as
// sigs.k8s.io/structured-merge-diff does it.
//
// Why reproduce the libraries' quirks rather than the RFCs alone: kubectl and our own binaries see the
// apiserver's behaviour, including its edges (a JSON patch `replace` of a missing object key adds it; a
// failed operation is a 422 whose message is generic and whose cause holds the library's error; a strategic
// list item without its merge key is a 500). The error texts are the libraries' own.
//
// Server-side apply, in brief: every manager owns a set of field paths (serialized as fieldsV1:
// `f:spec: {f:replicas: {}}`, list items by key `k:{"name":"web"}`, set items by value `v:"x"`, "." when a
// node is owned as well as some of its children). An apply merges the applied configuration into the live
// object (lists by their x-kubernetes-list-type/map-keys, maps recursively unless atomic), removes what the
// same manager applied before but no longer applies (unless someone else owns it), and fails with 409 when it
// changes a field another manager owns, unless forced, in which case ownership moves. Plain writes are
// recorded as "Update" entries owning what they changed.
#include "patch.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "codec.h"

namespace kubesim {

namespace json = boost::json;

namespace {

// ---------------------------------------------------------------------------------------------------------
// Shared helpers

const json::object kEmptyObject;

std::string_view str(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string_view(it->value().get_string()) : "";
}

const json::object* objAt(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_object() ? &it->value().get_object() : nullptr;
}

// Go's %v of a decoded JSON value: map[a:1 b:[x y]] with sorted keys, <nil> for null.
std::string goValue(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "<nil>";
    case json::kind::bool_:
      return v.get_bool() ? "true" : "false";
    case json::kind::int64:
      return std::to_string(v.get_int64());
    case json::kind::uint64:
      return std::to_string(v.get_uint64());
    case json::kind::double_:
      return fmt::format("{}", v.get_double());
    case json::kind::string:
      return std::string(v.get_string());
    case json::kind::array: {
      std::string out = "[";
      bool first = true;
      for (const auto& item : v.get_array()) {
        if (!first) out += ' ';
        first = false;
        out += goValue(item);
      }
      return out + "]";
    }
    case json::kind::object: {
      std::vector<std::pair<std::string, std::string>> entries;
      for (const auto& [key, item] : v.get_object())
        entries.emplace_back(std::string(key), goValue(item));
      std::sort(entries.begin(), entries.end());
      std::string out = "map[";
      for (std::size_t i = 0; i < entries.size(); ++i) {
        if (i) out += ' ';
        out += entries[i].first + ":" + entries[i].second;
      }
      return out + "]";
    }
  }
  return "";
}

// The Go type a JSON value decodes to in an interface{}: numbers keep ints apart from floats.
enum class GoType { Nil, Bool, Int, Float, String, Slice, Map };
GoType goType(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return GoType::Nil;
    case json::kind::bool_:
      return GoType::Bool;
    case json::kind::int64:
    case json::kind::uint64:
      return GoType::Int;
    case json::kind::double_:
      return GoType::Float;
    case json::kind::string:
      return GoType::String;
    case json::kind::array:
      return GoType::Slice;
    case json::kind::object:
      return GoType::Map;
  }
  return GoType::Nil;
}

// interface{} == for scalars (ints and floats never equal each other).
bool scalarEqual(const json::value& a, const json::value& b) {
  if (goType(a) != goType(b)) return false;
  switch (goType(a)) {
    case GoType::Nil:
      return true;
    case GoType::Bool:
      return a.get_bool() == b.get_bool();
    case GoType::Int:
      if (a.is_int64() && b.is_int64()) return a.get_int64() == b.get_int64();
      if (a.is_uint64() && b.is_uint64()) return a.get_uint64() == b.get_uint64();
      return false;
    case GoType::Float:
      return a.get_double() == b.get_double();
    case GoType::String:
      return a.get_string() == b.get_string();
    default:
      return false;
  }
}

// Structural equality with numbers compared by value (1 == 1.0), as structured-merge-diff compares.
bool deepEqual(const json::value& a, const json::value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_double() || b.is_double()) return a.to_number<double>() == b.to_number<double>();
    return a == b;
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_object()) {
    const auto& ao = a.get_object();
    const auto& bo = b.get_object();
    if (ao.size() != bo.size()) return false;
    for (const auto& [key, value] : ao) {
      auto it = bo.find(key);
      if (it == bo.end() || !deepEqual(value, it->value())) return false;
    }
    return true;
  }
  if (a.is_array()) {
    const auto& aa = a.get_array();
    const auto& ba = b.get_array();
    if (aa.size() != ba.size()) return false;
    for (std::size_t i = 0; i < aa.size(); ++i) {
      if (!deepEqual(aa[i], ba[i])) return false;
    }
    return true;
  }
  return a == b;
}

// "the server rejected our request due to an error in our request": how the apiserver answers an error the
// patch library reports, with the library's message as the cause (NewGenericServerResponse with 422).
[[noreturn]] void rejectInvalid(const std::string& cause) {
  throw PatchError(422, "Invalid", "the server rejected our request due to an error in our request",
                   {PatchCause{"UnexpectedServerResponse", cause, ""}});
}

// An error the apiserver has no status for: 500 with the error's text and no reason.
[[noreturn]] void internalError(const std::string& message) {
  throw PatchError(500, "", message);
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// JSON merge patch (RFC 7386, as json-patch's MergePatch applies it)

namespace {

void pruneNulls(json::value& v);

void pruneDocNulls(json::object& o) {
  for (auto it = o.begin(); it != o.end();) {
    if (it->value().is_null()) {
      it = o.erase(it);
    } else {
      pruneNulls(it->value());
      ++it;
    }
  }
}

// Null elements of an array stay; nulls inside its objects go.
void pruneNulls(json::value& v) {
  if (v.is_object()) {
    pruneDocNulls(v.get_object());
  } else if (v.is_array()) {
    for (auto& item : v.get_array()) {
      if (!item.is_null()) pruneNulls(item);
    }
  }
}

void mergeDocs(json::object& doc, const json::object& patch);

json::value mergeValue(json::value current, const json::value& patch) {
  if (!current.is_object()) {
    json::value out = patch;
    pruneNulls(out);
    return out;
  }
  if (!patch.is_object()) return patch;  // the library does not prune here
  mergeDocs(current.get_object(), patch.get_object());
  return current;
}

void mergeDocs(json::object& doc, const json::object& patch) {
  for (const auto& [key, value] : patch) {
    if (value.is_null()) {
      doc.erase(key);
      continue;
    }
    auto it = doc.find(key);
    if (it == doc.end() || it->value().is_null()) {
      json::value added = value;
      pruneNulls(added);
      doc[key] = std::move(added);
    } else {
      it->value() = mergeValue(std::move(it->value()), value);
    }
  }
}

}  // namespace

boost::json::value applyMergePatch(const boost::json::value& target, const boost::json::value& patch) {
  if (patch.is_array()) {
    json::value out = patch;
    pruneNulls(out);
    return out;
  }
  if (!patch.is_object()) throw PatchError(400, "BadRequest", "Invalid JSON Patch");
  if (!target.is_object()) {
    json::value out = patch;
    pruneNulls(out);
    return out;
  }
  json::value out = target;
  mergeDocs(out.get_object(), patch.get_object());
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// JSON patch (RFC 6902, as json-patch v4 applies it)

namespace {

struct OpFailure {
  std::string message;
};

std::string decodePointerToken(std::string_view token) {
  std::string out;
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size() && token[i + 1] == '1') {
      out += '/';
      ++i;
    } else if (token[i] == '~' && i + 1 < token.size() && token[i + 1] == '0') {
      out += '~';
      ++i;
    } else {
      out += token[i];
    }
  }
  return out;
}

// strconv.Atoi, with its error text.
std::int64_t atoi(const std::string& s) {
  std::size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  if (i == s.size())
    throw OpFailure{fmt::format("strconv.Atoi: parsing {}: invalid syntax", json::serialize(json::value(s)))};
  std::int64_t value = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') {
      throw OpFailure{
          fmt::format("strconv.Atoi: parsing {}: invalid syntax", json::serialize(json::value(s)))};
    }
    if (value > (std::numeric_limits<std::int64_t>::max() - (s[i] - '0')) / 10) {
      throw OpFailure{
          fmt::format("strconv.Atoi: parsing {}: value out of range", json::serialize(json::value(s)))};
    }
    value = value * 10 + (s[i] - '0');
  }
  return negative ? -value : value;
}

std::string invalidIndex(std::int64_t index) {
  return fmt::format("Unable to access invalid index: {}: invalid index referenced", index);
}

// The container holding the pointer's last token, and that token; nullptr when the path does not lead to an
// object or array (json-patch's findObject).
json::value* findContainer(json::value& doc, std::string_view path, std::string& key) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    auto slash = path.find('/', start);
    parts.push_back(
        path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (parts.size() < 2) return nullptr;
  json::value* current = &doc;
  for (std::size_t i = 1; i + 1 < parts.size(); ++i) {
    auto token = decodePointerToken(parts[i]);
    json::value* next = nullptr;
    if (current->is_object()) {
      auto& o = current->get_object();
      auto it = o.find(token);
      if (it != o.end()) next = &it->value();
    } else if (current->is_array()) {
      try {
        auto index = atoi(token);
        auto& a = current->get_array();
        if (index >= 0 && static_cast<std::size_t>(index) < a.size())
          next = &a[static_cast<std::size_t>(index)];
      } catch (const OpFailure&) {
      }
    }
    if (!next || !(next->is_object() || next->is_array())) return nullptr;
    current = next;
  }
  key = decodePointerToken(parts.back());
  return current;
}

// container.get: the value (nullptr for a missing or null object member), or an OpFailure for arrays.
json::value* containerGet(json::value& container, const std::string& key) {
  if (container.is_object()) {
    auto& o = container.get_object();
    auto it = o.find(key);
    return it == o.end() || it->value().is_null() ? nullptr : &it->value();
  }
  auto& a = container.get_array();
  auto index = atoi(key);
  if (index < 0 || static_cast<std::size_t>(index) >= a.size()) throw OpFailure{invalidIndex(index)};
  auto* item = &a[static_cast<std::size_t>(index)];
  return item->is_null() ? nullptr : item;
}

void containerAdd(json::value& container, const std::string& key, json::value value) {
  if (container.is_object()) {
    container.get_object()[key] = std::move(value);
    return;
  }
  auto& a = container.get_array();
  if (key == "-") {
    a.push_back(std::move(value));
    return;
  }
  std::int64_t index = 0;
  try {
    index = atoi(key);
  } catch (const OpFailure& e) {
    throw OpFailure{fmt::format("value was not a proper array index: '{}': {}", key, e.message)};
  }
  auto size = static_cast<std::int64_t>(a.size()) + 1;
  if (index >= size || index < -size) throw OpFailure{invalidIndex(index)};
  if (index < 0) index += size;
  a.insert(a.begin() + index, std::move(value));
}

void containerRemove(json::value& container, const std::string& key) {
  if (container.is_object()) {
    auto& o = container.get_object();
    if (!o.contains(key))
      throw OpFailure{fmt::format("Unable to remove nonexistent key: {}: missing value", key)};
    o.erase(key);
    return;
  }
  auto& a = container.get_array();
  auto index = atoi(key);
  auto size = static_cast<std::int64_t>(a.size());
  if (index >= size || index < -size) throw OpFailure{invalidIndex(index)};
  if (index < 0) index += size;
  a.erase(a.begin() + index);
}

void containerSet(json::value& container, const std::string& key, json::value value) {
  if (container.is_object()) {
    container.get_object()[key] = std::move(value);
  } else {
    container.get_array()[static_cast<std::size_t>(atoi(key))] = std::move(value);
  }
}

// json-patch's lazyNode.equal: objects compare by the left side's keys only.
bool patchEqual(const json::value& a, const json::value& b) {
  if (a.is_object()) {
    if (!b.is_object()) return false;
    for (const auto& [key, value] : a.get_object()) {
      auto it = b.get_object().find(key);
      if (it == b.get_object().end()) return false;
      if (value.is_null() && it->value().is_null()) continue;
      if (!patchEqual(value, it->value())) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (!b.is_array() || a.get_array().size() != b.get_array().size()) return false;
    for (std::size_t i = 0; i < a.get_array().size(); ++i) {
      if (!patchEqual(a.get_array()[i], b.get_array()[i])) return false;
    }
    return true;
  }
  if (b.is_object() || b.is_array()) return false;
  return json::serialize(a) == json::serialize(b);
}

// Operation.Path / Operation.From: the string, or the error json-patch wraps.
std::optional<std::string> opString(const json::object& op, std::string_view field, std::string& error) {
  auto it = op.find(field);
  if (it == op.end() || it->value().is_null()) {
    error = field == "path" ? "operation missing path field: missing value"
                            : "operation, missing from field: missing value";
    return std::nullopt;
  }
  if (!it->value().is_string()) {
    error = fmt::format("json: cannot unmarshal {} into Go value of type string", jsonKind(it->value()));
    return std::nullopt;
  }
  return std::string(it->value().get_string());
}

json::value opValue(const json::object& op) {
  auto it = op.find("value");
  return it == op.end() ? json::value() : it->value();
}

void applyOperation(json::value& doc, const json::object& op) {
  auto kindIt = op.find("op");
  std::string kind = kindIt != op.end() && kindIt->value().is_string()
                         ? std::string(kindIt->value().get_string())
                         : "unknown";
  std::string error;
  if (kind == "add") {
    auto path = opString(op, "path", error);
    if (!path) throw OpFailure{"add operation failed to decode path: missing value"};
    std::string key;
    auto* con = findContainer(doc, *path, key);
    if (!con)
      throw OpFailure{
          fmt::format("add operation does not apply: doc is missing path: \"{}\": missing value", *path)};
    try {
      containerAdd(*con, key, opValue(op));
    } catch (const OpFailure& e) {
      throw OpFailure{fmt::format("error in add for path: '{}': {}", *path, e.message)};
    }
  } else if (kind == "remove") {
    auto path = opString(op, "path", error);
    if (!path) throw OpFailure{"remove operation failed to decode path: missing value"};
    std::string key;
    auto* con = findContainer(doc, *path, key);
    if (!con) {
      throw OpFailure{
          fmt::format("remove operation does not apply: doc is missing path: \"{}\": missing value", *path)};
    }
    try {
      containerRemove(*con, key);
    } catch (const OpFailure& e) {
      throw OpFailure{fmt::format("error in remove for path: '{}': {}", *path, e.message)};
    }
  } else if (kind == "replace") {
    auto path = opString(op, "path", error);
    if (!path) throw OpFailure{"replace operation failed to decode path: " + error};
    std::string key;
    auto* con = findContainer(doc, *path, key);
    if (!con)
      throw OpFailure{
          fmt::format("replace operation does not apply: doc is missing path: {}: missing value", *path)};
    try {
      containerGet(*con, key);
    } catch (const OpFailure&) {
      throw OpFailure{
          fmt::format("replace operation does not apply: doc is missing key: {}: missing value", *path)};
    }
    containerSet(*con, key, opValue(op));
  } else if (kind == "move") {
    auto from = opString(op, "from", error);
    if (!from) throw OpFailure{"move operation failed to decode from: " + error};
    std::string key;
    auto* con = findContainer(doc, *from, key);
    if (!con)
      throw OpFailure{
          fmt::format("move operation does not apply: doc is missing from path: {}: missing value", *from)};
    json::value moved;
    try {
      auto* value = containerGet(*con, key);
      if (value) moved = *value;
      containerRemove(*con, key);
    } catch (const OpFailure& e) {
      throw OpFailure{fmt::format("error in move for path: '{}': {}", key, e.message)};
    }
    auto path = opString(op, "path", error);
    if (!path) throw OpFailure{"move operation failed to decode path: " + error};
    con = findContainer(doc, *path, key);
    if (!con) {
      throw OpFailure{fmt::format(
          "move operation does not apply: doc is missing destination path: {}: missing value", *path)};
    }
    try {
      containerAdd(*con, key, std::move(moved));
    } catch (const OpFailure& e) {
      throw OpFailure{fmt::format("error in move for path: '{}': {}", *path, e.message)};
    }
  } else if (kind == "test") {
    auto path = opString(op, "path", error);
    if (!path) throw OpFailure{"test operation failed to decode path: " + error};
    std::string key;
    auto* con = findContainer(doc, *path, key);
    if (!con)
      throw OpFailure{
          fmt::format("test operation does not apply: is missing path: {}: missing value", *path)};
    json::value* value = nullptr;
    try {
      value = containerGet(*con, key);
    } catch (const OpFailure& e) {
      throw OpFailure{fmt::format("error in test for path: '{}': {}", *path, e.message)};
    }
    auto expected = opValue(op);
    bool ok = value ? (!expected.is_null() && patchEqual(*value, expected)) : expected.is_null();
    if (!ok) throw OpFailure{fmt::format("testing value {} failed: test failed", *path)};
  } else if (kind == "copy") {
    auto from = opString(op, "from", error);
    if (!from) throw OpFailure{"copy operation failed to decode from: " + error};
    std::string key;
    auto* con = findContainer(doc, *from, key);
    if (!con)
      throw OpFailure{
          fmt::format("copy operation does not apply: doc is missing from path: {}: missing value", *from)};
    json::value copied;
    try {
      auto* value = containerGet(*con, key);
      if (value) copied = *value;
    } catch (const OpFailure& e) {
      throw OpFailure{fmt::format("error in copy for from: '{}': {}", *from, e.message)};
    }
    auto path = opString(op, "path", error);
    if (!path) throw OpFailure{"copy operation failed to decode path: missing value"};
    con = findContainer(doc, *path, key);
    if (!con) {
      throw OpFailure{fmt::format(
          "copy operation does not apply: doc is missing destination path: {}: missing value", *path)};
    }
    try {
      containerAdd(*con, key, std::move(copied));
    } catch (const OpFailure& e) {
      throw OpFailure{"error while adding value during copy: " + e.message};
    }
  } else {
    throw OpFailure{"Unexpected kind: " + kind};
  }
}

}  // namespace

boost::json::value applyJsonPatch(const boost::json::value& target, const boost::json::value& operations) {
  if (!operations.is_array()) {
    throw PatchError(
        400, "BadRequest",
        fmt::format("json: cannot unmarshal {} into Go value of type jsonpatch.Patch", jsonKind(operations)));
  }
  for (const auto& op : operations.get_array()) {
    if (!op.is_object() && !op.is_null()) {
      throw PatchError(
          400, "BadRequest",
          fmt::format("json: cannot unmarshal {} into Go value of type jsonpatch.Operation", jsonKind(op)));
    }
  }
  json::value doc = target;
  for (const auto& op : operations.get_array()) {
    try {
      applyOperation(doc, op.is_object() ? op.get_object() : kEmptyObject);
    } catch (const OpFailure& e) {
      rejectInvalid(e.message);
    }
  }
  return doc;
}

// ---------------------------------------------------------------------------------------------------------
// Strategic merge patch

namespace {

constexpr std::string_view kDirective = "$patch";
constexpr std::string_view kRetainKeys = "$retainKeys";
constexpr std::string_view kSetElementOrder = "$setElementOrder";
constexpr std::string_view kDeleteFromPrimitiveList = "$deleteFromPrimitiveList";

// The mergepatch errors, with the status the apiserver gives each (interpretStrategicMergePatchError).
struct SmpError {
  int code;
  std::string message;
};
[[noreturn]] void badRequest(std::string message) {
  throw SmpError{400, std::move(message)};
}
[[noreturn]] void unprocessable(std::string message) {
  throw SmpError{422, std::move(message)};
}
[[noreturn]] void failure(std::string message) {
  throw SmpError{500, std::move(message)};
}

const std::string kBadPrimitiveList = "invalid patch format of primitive list";
const std::string kBadRetainKeys = "invalid patch format of retainKeys";
const std::string kBadSetElementOrder = "invalid patch format of setElementOrder list";

std::string errNoMergeKey(const json::value& m, std::string_view key) {
  return fmt::format("map: {} does not contain declared merge key: {}", goValue(m), key);
}

std::string goTypeName(const json::value& v) {
  switch (goType(v)) {
    case GoType::Nil:
      return "<nil>";
    case GoType::Bool:
      return "bool";
    case GoType::Int:
      return "int64";
    case GoType::Float:
      return "float64";
    case GoType::String:
      return "string";
    case GoType::Slice:
      return "[]interface {}";
    case GoType::Map:
      return "map[string]interface {}";
  }
  return "";
}

// The patch metadata of one field: strategy ("merge", "replace" or ""), whether retainKeys applies, the merge
// key, and the schema of the field's value (a map) or of its elements (a list).
struct FieldMeta {
  std::string strategy;
  std::string mergeKey;
  const json::object* schema = nullptr;
};

class SmpSchema {
 public:
  explicit SmpSchema(const OpenApi& api) : api_(api) {}

  FieldMeta lookup(const json::object* schema, std::string_view key, bool list) const {
    FieldMeta meta;
    if (!schema) return meta;
    const json::object* property = nullptr;
    if (const auto* properties = objAt(*schema, "properties")) {
      property = objAt(*properties, key);
    } else if (const auto* additional = objAt(*schema, "additionalProperties")) {
      property = additional;
    }
    if (!property) return meta;
    std::vector<std::string> strategies;
    auto text = str(*property, "x-kubernetes-patch-strategy");
    std::size_t start = 0;
    while (!text.empty() && start <= text.size()) {
      auto comma = text.find(',', start);
      strategies.emplace_back(
          text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    // extractRetainKeysPatchStrategy: retainKeys rides along with at most one other strategy.
    if (strategies.size() == 1) {
      meta.strategy = strategies[0] == "retainKeys" ? "" : strategies[0];
    } else if (strategies.size() == 2) {
      if (strategies[0] == "retainKeys") {
        meta.strategy = strategies[1];
      } else if (strategies[1] == "retainKeys") {
        meta.strategy = strategies[0];
      } else {
        failure(fmt::format("unexpected patch strategy: [{} {}]", strategies[0], strategies[1]));
      }
    } else if (strategies.size() > 2) {
      failure("unexpected patch strategy: [" + std::string(text) + "]");
    }
    meta.mergeKey = std::string(str(*property, "x-kubernetes-patch-merge-key"));
    const auto& resolved = api_.deref(*property);
    if (list) {
      const auto* items = objAt(resolved, "items");
      meta.schema = items ? &api_.deref(*items) : nullptr;
    } else {
      meta.schema = &resolved;
    }
    return meta;
  }

 private:
  const OpenApi& api_;
};

// Drops every map holding a $patch directive; false when `v` itself is one.
bool removeDirectives(json::value& v) {
  if (v.is_object()) {
    auto& o = v.get_object();
    if (o.contains(kDirective)) return false;
    for (auto it = o.begin(); it != o.end();) {
      if (!removeDirectives(it->value())) {
        it = o.erase(it);
      } else {
        ++it;
      }
    }
  } else if (v.is_array()) {
    json::array kept;
    for (auto& item : v.get_array()) {
      if (removeDirectives(item)) kept.push_back(std::move(item));
    }
    v = std::move(kept);
  }
  return true;
}

void discardNulls(json::value& v) {
  if (v.is_object()) {
    auto& o = v.get_object();
    for (auto it = o.begin(); it != o.end();) {
      if (it->value().is_null()) {
        it = o.erase(it);
      } else {
        discardNulls(it->value());
        ++it;
      }
    }
  } else if (v.is_array()) {
    for (auto& item : v.get_array())
      discardNulls(item);
  }
}

// "$setElementOrder/containers" -> "containers"; the error when the prefix is not followed by a key.
std::string extractKey(std::string_view key, std::string_view prefix, const std::string& formatError) {
  auto slash = key.find('/');
  if (slash == std::string_view::npos || key.substr(0, slash) != prefix) badRequest(formatError);
  return std::string(key.substr(slash + 1));
}

// sliceElementType: every element of the lists has one Go type, and it is not a list.
GoType sliceElementType(const json::array& a, const json::array& b) {
  std::optional<GoType> type;
  for (const auto* list : {&a, &b}) {
    for (const auto& item : *list) {
      auto t = goType(item);
      if (!type) {
        type = t;
        if (t == GoType::Slice) unprocessable("lists of lists are not supported");
      } else if (*type != t) {
        failure(fmt::format("list element types are not identical: [{} {}]", goValue(a), goValue(b)));
      }
    }
  }
  if (!type) failure("no elements in any of the given slices");
  return *type;
}

// findMapInSliceBasedOnKeyValue.
std::optional<std::size_t> findByKey(const json::array& list, std::string_view mergeKey,
                                     const json::value& value) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_object()) failure(fmt::format("value for key {} is not a map.", i));
    auto it = list[i].get_object().find(mergeKey);
    if (it != list[i].get_object().end() && scalarEqual(it->value(), value)) return i;
  }
  return std::nullopt;
}

// The position of `item` in `order` (by merge key for maps, by value for scalars), -1 when absent.
std::ptrdiff_t indexIn(const json::array& order, const json::value& item, std::string_view mergeKey,
                       bool maps) {
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (maps) {
      if (!order[i].is_object() || !item.is_object()) continue;
      auto a = order[i].get_object().find(mergeKey);
      auto b = item.get_object().find(mergeKey);
      if (a != order[i].get_object().end() && b != item.get_object().end() &&
          scalarEqual(a->value(), b->value())) {
        return static_cast<std::ptrdiff_t>(i);
      }
    } else if (scalarEqual(order[i], item)) {
      return static_cast<std::ptrdiff_t>(i);
    }
  }
  return -1;
}

json::array normalizeSliceOrder(json::array toSort, const json::array& order, std::string_view mergeKey,
                                bool maps) {
  if (maps) {
    for (const json::array* list : {static_cast<const json::array*>(&toSort), &order}) {
      for (const auto& item : *list) {
        if (!item.is_object() || !item.get_object().contains(mergeKey))
          failure(errNoMergeKey(item, mergeKey));
      }
    }
  }
  std::vector<std::pair<std::ptrdiff_t, json::value>> keyed;
  for (auto& item : toSort)
    keyed.emplace_back(indexIn(order, item, mergeKey, maps), std::move(item));
  std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) {
    return a.first >= 0 && b.first >= 0 && a.first < b.first;
  });
  json::array out;
  for (auto& [index, item] : keyed)
    out.push_back(std::move(item));
  return out;
}

// normalizeElementOrder: patch items in the patch's order, server-only items in the server's order, then the
// two interleaved by the server's order where both are known.
json::array normalizeElementOrder(json::array patch, json::array serverOnly, const json::array& patchOrder,
                                  const json::array& serverOrder, std::string_view mergeKey, bool maps) {
  patch = normalizeSliceOrder(std::move(patch), patchOrder, mergeKey, maps);
  serverOnly = normalizeSliceOrder(std::move(serverOnly), serverOrder, mergeKey, maps);
  json::array out;
  std::size_t i = 0, j = 0;
  while (i < serverOnly.size() || j < patch.size()) {
    if (i >= serverOnly.size()) {
      out.push_back(patch[j++]);
    } else if (j >= patch.size()) {
      out.push_back(serverOnly[i++]);
    } else {
      auto li = indexIn(serverOrder, serverOnly[i], mergeKey, maps);
      auto ri = indexIn(serverOrder, patch[j], mergeKey, maps);
      if (li >= 0 && ri >= 0 && li < ri) {
        out.push_back(serverOnly[i++]);
      } else {
        out.push_back(patch[j++]);
      }
    }
  }
  return out;
}

// Items of `merged` present in `by` (by merge key, or by value) and those that are not.
std::pair<json::array, json::array> splitByPresence(const json::array& merged, const json::array& by,
                                                    std::string_view mergeKey) {
  json::array inPatch, serverOnly;
  for (const auto& item : merged) {
    bool found;
    if (mergeKey.empty()) {
      found = std::any_of(by.begin(), by.end(), [&](const json::value& v) { return scalarEqual(v, item); });
    } else {
      if (!item.is_object())
        failure(fmt::format("expected a map[string]interface {{}}, but received a {}", goTypeName(item)));
      auto it = item.get_object().find(mergeKey);
      if (it == item.get_object().end()) failure(errNoMergeKey(item, mergeKey));
      found = findByKey(by, mergeKey, it->value()).has_value();
    }
    (found ? inPatch : serverOnly).push_back(item);
  }
  return {std::move(inPatch), std::move(serverOnly)};
}

class StrategicMerge {
 public:
  explicit StrategicMerge(const OpenApi& api) : schema_(api) {}

  json::object mergeMap(json::object original, json::object patch, const json::object* schema) {
    if (auto it = patch.find(kDirective); it != patch.end()) {
      if (it->value().is_string() && it->value().get_string() == "replace") {
        patch.erase(kDirective);
        return patch;
      }
      if (it->value().is_string() && it->value().get_string() == "delete") return {};
      failure(fmt::format("unknown patch type: {} in map: {}", goValue(it->value()), goValue(patch)));
    }
    applyRetainKeys(original, patch);
    mergeSetElementOrder(original, patch, schema);

    for (auto& [patchKey, patchValue] : patch) {
      std::string key(patchKey);
      bool deleteList = false;
      if (key.starts_with(kDeleteFromPrimitiveList)) {
        key = extractKey(key, kDeleteFromPrimitiveList, kBadPrimitiveList);
        deleteList = true;
      }
      if (patchValue.is_null()) {
        original.erase(key);
        continue;
      }
      auto it = original.find(key);
      if (it == original.end() || goType(it->value()) != goType(patchValue)) {
        if (!deleteList) {
          json::value added = patchValue;
          discardNulls(added);
          if (removeDirectives(added)) {
            original[key] = std::move(added);
          } else {
            original.erase(key);
          }
        }
        continue;
      }
      auto& current = it->value();
      if (current.is_object()) {
        auto meta = schema_.lookup(schema, key, /*list=*/false);
        if (meta.strategy == "replace") {
          current = patchValue;
        } else {
          current = mergeMap(std::move(current.get_object()), patchValue.get_object(), meta.schema);
        }
      } else if (current.is_array()) {
        auto meta = schema_.lookup(schema, key, /*list=*/true);
        current = mergeSliceHandler(std::move(current.get_array()), patchValue.get_array(), meta, deleteList);
      } else {
        json::value replaced = patchValue;
        if (removeDirectives(replaced)) {
          current = std::move(replaced);
        } else {
          original.erase(key);
        }
      }
    }
    return original;
  }

 private:
  void applyRetainKeys(json::object& original, json::object& patch) {
    auto it = patch.find(kRetainKeys);
    if (it == patch.end()) return;
    json::value retain = it->value();
    patch.erase(kRetainKeys);
    if (!retain.is_array()) badRequest(kBadRetainKeys);
    const auto& keys = retain.get_array();
    auto listed = [&](std::string_view key) {
      return std::any_of(keys.begin(), keys.end(),
                         [&](const json::value& k) { return k.is_string() && k.get_string() == key; });
    };
    for (const auto& [key, value] : patch) {
      if (value.is_null() || std::string_view(key).starts_with(kDeleteFromPrimitiveList) ||
          std::string_view(key).starts_with(kSetElementOrder)) {
        continue;
      }
      if (!listed(key)) badRequest(kBadRetainKeys);
    }
    for (auto o = original.begin(); o != original.end();) {
      if (!listed(o->key())) {
        o = original.erase(o);
      } else {
        ++o;
      }
    }
  }

  void mergeSetElementOrder(json::object& original, json::object& patch, const json::object* schema) {
    std::vector<std::string> directives;
    for (const auto& [key, value] : patch) {
      if (std::string_view(key).starts_with(kSetElementOrder)) directives.emplace_back(key);
    }
    for (const auto& directive : directives) {
      json::value orderValue = patch.at(directive);
      patch.erase(directive);
      if (!orderValue.is_array()) {
        failure(fmt::format("expected a []interface {{}}, but received a {}", goTypeName(orderValue)));
      }
      const auto& order = orderValue.get_array();
      auto key = extractKey(directive, kSetElementOrder, kBadSetElementOrder);
      auto originalIt = original.find(key);
      auto patchIt = patch.find(key);
      bool foundOriginal = originalIt != original.end();
      bool foundPatch = patchIt != patch.end();
      json::array originalList, patchList;
      if (foundOriginal) {
        if (!originalIt->value().is_array()) {
          failure(
              fmt::format("expected a []interface {{}}, but received a {}", goTypeName(originalIt->value())));
        }
        originalList = originalIt->value().get_array();
      }
      if (foundPatch) {
        if (!patchIt->value().is_array()) {
          failure(
              fmt::format("expected a []interface {{}}, but received a {}", goTypeName(patchIt->value())));
        }
        patchList = patchIt->value().get_array();
      }
      auto meta = schema_.lookup(schema, key, /*list=*/true);
      validateOrder(patchList, order, meta.mergeKey, foundPatch);

      json::array merged;
      if (foundOriginal && !foundPatch) {
        merged = originalList;
      } else if (!foundOriginal && foundPatch) {
        json::value v = patchList;
        removeDirectives(v);
        merged = std::move(v.get_array());
      } else if (foundOriginal && foundPatch) {
        merged = mergeSliceHandler(originalList, patchList, meta, /*deleteList=*/false);
      } else {
        continue;
      }
      auto [inOrder, serverOnly] = splitByPresence(merged, order, meta.mergeKey);
      bool maps = sliceElementType(originalList, patchList) == GoType::Map;
      original[key] = normalizeElementOrder(std::move(inOrder), std::move(serverOnly), order, originalList,
                                            meta.mergeKey, maps);
      patch.erase(key);
    }
  }

  // validatePatchWithSetOrderList: the patch's items (deletions aside) appear in the order list, in order.
  static void validateOrder(const json::array& patchList, const json::array& order, std::string_view mergeKey,
                            bool foundPatch) {
    if (!foundPatch || order.empty() || patchList.empty()) return;
    json::array items;
    for (const auto& item : patchList) {
      if (!mergeKey.empty()) {
        if (!item.is_object())
          failure(fmt::format("expected a map[string]interface {{}}, but received a {}", goTypeName(item)));
        auto d = item.get_object().find(kDirective);
        if (d != item.get_object().end() && d->value().is_string() && d->value().get_string() == "delete")
          continue;
      }
      items.push_back(item);
    }
    std::size_t p = 0, s = 0;
    while (p < items.size() && s < order.size()) {
      if (items[p].is_object() && items[p].get_object().contains(kDirective)) {
        ++p;
        continue;
      }
      bool equal;
      if (mergeKey.empty()) {
        equal = scalarEqual(items[p], order[s]);
      } else {
        if (!items[p].is_object()) failure(errNoMergeKey(items[p], mergeKey));
        if (!order[s].is_object()) failure(errNoMergeKey(order[s], mergeKey));
        auto a = items[p].get_object().find(mergeKey);
        auto b = order[s].get_object().find(mergeKey);
        if (a == items[p].get_object().end()) failure(errNoMergeKey(items[p], mergeKey));
        if (b == order[s].get_object().end()) failure(errNoMergeKey(order[s], mergeKey));
        equal = scalarEqual(a->value(), b->value());
      }
      if (equal) ++p;
      ++s;
    }
    if (p < items.size() && s >= order.size()) {
      failure(fmt::format("The order in patch list:\n{}\n doesn't match {} list:\n{}\n", goValue(patchList),
                          kSetElementOrder, goValue(order)));
    }
  }

  json::array mergeSliceHandler(json::array original, const json::array& patch, const FieldMeta& meta,
                                bool deleteList) {
    if (meta.strategy != "merge") return patch;
    return mergeSlice(std::move(original), patch, meta, deleteList);
  }

  json::array mergeSlice(json::array original, json::array patch, const FieldMeta& meta, bool deleteList) {
    if (original.empty() && patch.empty()) return original;
    auto type = sliceElementType(original, patch);
    json::array merged;
    if (type != GoType::Map) {
      if (deleteList) {
        json::array kept;
        for (auto& item : original) {
          bool drop = std::any_of(patch.begin(), patch.end(),
                                  [&](const json::value& d) { return scalarEqual(d, item); });
          if (!drop) kept.push_back(std::move(item));
        }
        return kept;
      }
      // deduplicateScalars: a later duplicate is overwritten by the last element (order is restored below).
      json::array both = original;
      for (const auto& item : patch)
        both.push_back(item);
      std::size_t length = both.size();
      for (std::size_t i = 0; i + 1 < length; ++i) {
        for (std::size_t j = i + 1; j < length; ++j) {
          if (scalarEqual(both[i], both[j])) {
            both[j] = both[length - 1];
            --length;
            --j;
          }
        }
      }
      both.resize(length);
      merged = std::move(both);
    } else {
      if (meta.mergeKey.empty()) failure("cannot merge lists without merge key for type map");
      withSpecialElements(original, patch, meta.mergeKey);
      merged = withoutSpecialElements(original, patch, meta);
    }
    auto [inPatch, serverOnly] = splitByPresence(merged, patch, meta.mergeKey);
    return normalizeElementOrder(std::move(inPatch), std::move(serverOnly), patch, original, meta.mergeKey,
                                 type == GoType::Map);
  }

  // mergeSliceWithSpecialElements: `$patch: delete` items delete from the original, `$patch: replace` makes
  // the rest of the patch the whole list.
  static void withSpecialElements(json::array& original, json::array& patch, const std::string& mergeKey) {
    json::array plain;
    bool replace = false;
    for (auto& item : patch) {
      const auto& o = item.get_object();
      auto directive = o.find(kDirective);
      if (directive == o.end()) {
        plain.push_back(item);
        continue;
      }
      const auto& type = directive->value();
      if (type.is_string() && type.get_string() == "delete") {
        auto key = o.find(mergeKey);
        if (key == o.end()) failure(errNoMergeKey(item, mergeKey));
        while (auto index = findByKey(original, mergeKey, key->value()))
          original.erase(original.begin() + *index);
      } else if (type.is_string() && type.get_string() == "replace") {
        replace = true;
      } else if (type.is_string() && type.get_string() == "merge") {
        failure("merging lists cannot yet be specified in the patch");
      } else {
        failure(fmt::format("unknown patch type: {} in map: {}", goValue(type), goValue(item)));
      }
    }
    if (replace) {
      original = std::move(plain);
      patch = json::array{};
    } else {
      patch = std::move(plain);
    }
  }

  json::array withoutSpecialElements(json::array original, const json::array& patch, const FieldMeta& meta) {
    for (const auto& item : patch) {
      const auto& o = item.get_object();
      auto key = o.find(meta.mergeKey);
      if (key == o.end()) failure(errNoMergeKey(item, meta.mergeKey));
      if (auto index = findByKey(original, meta.mergeKey, key->value())) {
        auto& target = original[*index];
        target = mergeMap(std::move(target.get_object()), o, meta.schema);
      } else {
        original.push_back(item);
      }
    }
    return original;
  }

  SmpSchema schema_;
};

}  // namespace

boost::json::value applyStrategicMergePatch(const OpenApi& api, const boost::json::object& original,
                                            const boost::json::value& patch) {
  if (!patch.is_object()) {
    throw PatchError(400, "BadRequest",
                     fmt::format("json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
                                 jsonKind(patch)));
  }
  try {
    return StrategicMerge(api).mergeMap(original, patch.get_object(), api.schemaOf(original));
  } catch (const SmpError& e) {
    if (e.code == 400) throw PatchError(400, "BadRequest", e.message);
    if (e.code == 422) rejectInvalid(e.message);
    internalError(e.message);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Field sets (structured-merge-diff's fieldpath) and the typed view of the schema they are computed with

namespace {

// SMD's value.Compare order for scalars: numbers < strings < bools < lists < maps < null.
int compareValues(const json::value& a, const json::value& b) {
  auto rank = [](const json::value& v) {
    if (v.is_number()) return 0;
    if (v.is_string()) return 1;
    if (v.is_bool()) return 2;
    if (v.is_array()) return 3;
    if (v.is_object()) return 4;
    return 5;
  };
  if (rank(a) != rank(b)) return rank(a) < rank(b) ? -1 : 1;
  if (a.is_number()) {
    if (a.is_double() || b.is_double()) {
      auto x = a.to_number<double>(), y = b.to_number<double>();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    if (a.is_int64() && b.is_int64())
      return a.get_int64() < b.get_int64() ? -1 : a.get_int64() > b.get_int64() ? 1 : 0;
    auto x = a.to_number<double>(), y = b.to_number<double>();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.is_string()) return a.get_string() < b.get_string() ? -1 : a.get_string() > b.get_string() ? 1 : 0;
  if (a.is_bool()) return a.get_bool() == b.get_bool() ? 0 : (!a.get_bool() ? -1 : 1);
  auto x = json::serialize(a), y = json::serialize(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

struct PathElement {
  enum class Kind { Field = 0, Key = 1, Value = 2, Index = 3 } kind = Kind::Field;
  std::string name;                                       // Field
  std::vector<std::pair<std::string, json::value>> keys;  // Key, sorted by name
  json::value value;                                      // Value
  std::int64_t index = 0;                                 // Index

  static PathElement field(std::string_view n) {
    PathElement e;
    e.name = std::string(n);
    return e;
  }

  // The fieldsV1 key: f:name, k:{"name":"web"}, v:"x", i:0.
  std::string serialize() const {
    switch (kind) {
      case Kind::Field:
        return "f:" + name;
      case Kind::Key: {
        json::object o;
        for (const auto& [k, v] : keys)
          o[k] = v;
        return "k:" + json::serialize(o);
      }
      case Kind::Value:
        return "v:" + json::serialize(value);
      case Kind::Index:
        return "i:" + std::to_string(index);
    }
    return "";
  }

  // As conflict messages print it: .name, [name="web"], [="x"], [0].
  std::string display() const {
    switch (kind) {
      case Kind::Field:
        return "." + name;
      case Kind::Key: {
        std::string out = "[";
        for (std::size_t i = 0; i < keys.size(); ++i) {
          if (i) out += ",";
          out += keys[i].first + "=" + json::serialize(keys[i].second);
        }
        return out + "]";
      }
      case Kind::Value:
        return "[=" + json::serialize(value) + "]";
      case Kind::Index:
        return "[" + std::to_string(index) + "]";
    }
    return "";
  }

  int compare(const PathElement& o) const {
    if (kind != o.kind) return static_cast<int>(kind) < static_cast<int>(o.kind) ? -1 : 1;
    switch (kind) {
      case Kind::Field:
        return name.compare(o.name) < 0 ? -1 : name == o.name ? 0 : 1;
      case Kind::Key:
        for (std::size_t i = 0;; ++i) {
          if (i >= keys.size() && i >= o.keys.size()) return 0;
          if (i >= keys.size()) return -1;
          if (i >= o.keys.size()) return 1;
          if (keys[i].first != o.keys[i].first) return keys[i].first < o.keys[i].first ? -1 : 1;
          if (int c = compareValues(keys[i].second, o.keys[i].second)) return c;
        }
      case Kind::Value:
        return compareValues(value, o.value);
      case Kind::Index:
        return index < o.index ? -1 : index == o.index ? 0 : 1;
    }
    return 0;
  }
  bool operator<(const PathElement& o) const { return compare(o) < 0; }
  bool operator==(const PathElement& o) const { return compare(o) == 0; }
};

using Path = std::vector<PathElement>;

std::string displayPath(const Path& path) {
  std::string out;
  for (const auto& e : path)
    out += e.display();
  return out;
}

std::optional<PathElement> parsePathElement(std::string_view text) {
  if (text.size() < 2 || text[1] != ':') return std::nullopt;
  auto body = text.substr(2);
  PathElement e;
  boost::system::error_code ec;
  switch (text[0]) {
    case 'f':
      e.kind = PathElement::Kind::Field;
      e.name = std::string(body);
      return e;
    case 'k': {
      auto parsed = json::parse(body, ec);
      if (ec || !parsed.is_object()) return std::nullopt;
      e.kind = PathElement::Kind::Key;
      for (const auto& [k, v] : parsed.get_object())
        e.keys.emplace_back(std::string(k), v);
      std::sort(e.keys.begin(), e.keys.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      return e;
    }
    case 'v': {
      auto parsed = json::parse(body, ec);
      if (ec) return std::nullopt;
      e.kind = PathElement::Kind::Value;
      e.value = parsed;
      return e;
    }
    case 'i': {
      e.kind = PathElement::Kind::Index;
      try {
        e.index = std::stoll(std::string(body));
      } catch (const std::exception&) {
        return std::nullopt;
      }
      return e;
    }
    default:
      return std::nullopt;
  }
}

// A set of field paths as a tree: a node is in the set when `member` is true.
struct FieldSet {
  bool member = false;
  std::map<PathElement, FieldSet> children;

  bool empty() const {
    if (member) return false;
    return std::all_of(children.begin(), children.end(), [](const auto& c) { return c.second.empty(); });
  }

  void prune() {
    for (auto it = children.begin(); it != children.end();) {
      it->second.prune();
      if (it->second.empty()) {
        it = children.erase(it);
      } else {
        ++it;
      }
    }
  }

  void insert(const Path& path) {
    FieldSet* node = this;
    for (const auto& e : path)
      node = &node->children[e];
    node->member = true;
  }

  const FieldSet* find(const Path& path) const {
    const FieldSet* node = this;
    for (const auto& e : path) {
      auto it = node->children.find(e);
      if (it == node->children.end()) return nullptr;
      node = &it->second;
    }
    return node;
  }

  bool has(const Path& path) const {
    const auto* node = find(path);
    return node && node->member;
  }

  // Some member at `path` or below it.
  bool ownsAtOrUnder(const Path& path) const {
    const auto* node = find(path);
    return node && !node->empty();
  }

  void unite(const FieldSet& other) {
    member = member || other.member;
    for (const auto& [e, child] : other.children)
      children[e].unite(child);
  }

  void subtract(const FieldSet& other) {
    if (other.member) member = false;
    for (const auto& [e, child] : other.children) {
      auto it = children.find(e);
      if (it != children.end()) it->second.subtract(child);
    }
    prune();
  }

  FieldSet intersect(const FieldSet& other) const {
    FieldSet out;
    out.member = member && other.member;
    for (const auto& [e, child] : children) {
      auto it = other.children.find(e);
      if (it == other.children.end()) continue;
      auto sub = child.intersect(it->second);
      if (!sub.empty()) out.children.emplace(e, std::move(sub));
    }
    return out;
  }

  // Removes the member at `path` and everything below it.
  void eraseTree(const Path& path) {
    if (path.empty()) {
      member = false;
      children.clear();
      return;
    }
    FieldSet* node = this;
    for (std::size_t i = 0; i + 1 < path.size(); ++i) {
      auto it = node->children.find(path[i]);
      if (it == node->children.end()) return;
      node = &it->second;
    }
    node->children.erase(path.back());
    prune();
  }

  // Every member, a level's members before its children's (structured-merge-diff's Set.Iterate).
  void members(Path& prefix, std::vector<Path>& out) const {
    for (const auto& [e, child] : children) {
      if (!child.member) continue;
      prefix.push_back(e);
      out.push_back(prefix);
      prefix.pop_back();
    }
    for (const auto& [e, child] : children) {
      prefix.push_back(e);
      child.members(prefix, out);
      prefix.pop_back();
    }
  }
  std::vector<Path> members() const {
    Path prefix;
    std::vector<Path> out;
    members(prefix, out);
    return out;
  }

  json::object toFieldsV1() const {
    json::object out;
    if (member && !children.empty()) out["."] = json::object{};
    for (const auto& [e, child] : children) {
      if (child.empty()) continue;
      out[e.serialize()] = child.toFieldsV1();
    }
    return out;
  }

  static FieldSet fromFieldsV1(const json::object& o) {
    FieldSet set;
    for (const auto& [key, value] : o) {
      if (key == ".") {
        set.member = true;
        continue;
      }
      auto e = parsePathElement(key);
      if (!e || !value.is_object()) continue;
      auto child = fromFieldsV1(value.get_object());
      if (value.get_object().empty()) child.member = true;
      set.children[*e].unite(child);
    }
    return set;
  }
};

// How structured-merge-diff sees a schema node.
struct TypeView {
  enum class Kind { Scalar, Struct, Map, List, Deduced } kind = Kind::Deduced;
  enum class Scalar { String, Numeric, Boolean, Untyped } scalar = Scalar::Untyped;
  enum class ListType { Atomic, Set, Map } listType = ListType::Atomic;
  bool atomic = false;
  bool preserveUnknown = false;
  std::vector<std::string> keys;          // list map keys
  const json::object* schema = nullptr;   // dereferenced
  const json::object* element = nullptr;  // items / additionalProperties (not dereferenced)
};

class Types {
 public:
  explicit Types(const OpenApi& api) : api_(api) {}

  TypeView view(const json::object* property) const {
    TypeView v;
    if (!property) return v;
    std::string definition;
    const auto& s = api_.deref(*property, &definition);
    v.schema = &s;
    if (definition == "io.k8s.apimachinery.pkg.api.resource.Quantity" ||
        definition == "io.k8s.apimachinery.pkg.util.intstr.IntOrString" ||
        str(s, "format") == "int-or-string" || s.contains("x-kubernetes-int-or-string")) {
      v.kind = TypeView::Kind::Scalar;
      v.scalar = TypeView::Scalar::Untyped;
      return v;
    }
    auto mapType = str(*property, "x-kubernetes-map-type");
    if (mapType.empty()) mapType = str(s, "x-kubernetes-map-type");
    v.atomic = mapType == "atomic";
    v.preserveUnknown = s.contains("x-kubernetes-preserve-unknown-fields");
    auto type = str(s, "type");
    if (type == "object" || (type.empty() && objAt(s, "properties"))) {
      if (objAt(s, "properties")) {
        v.kind = TypeView::Kind::Struct;
      } else if (const auto* additional = objAt(s, "additionalProperties")) {
        v.kind = TypeView::Kind::Map;
        v.element = additional;
      } else {
        v.kind = TypeView::Kind::Deduced;
      }
    } else if (type == "array") {
      v.kind = TypeView::Kind::List;
      v.element = objAt(s, "items");
      auto listType = str(*property, "x-kubernetes-list-type");
      if (listType == "map") {
        v.listType = TypeView::ListType::Map;
        if (auto it = property->find("x-kubernetes-list-map-keys");
            it != property->end() && it->value().is_array()) {
          for (const auto& k : it->value().get_array()) {
            if (k.is_string()) v.keys.emplace_back(k.get_string());
          }
        }
      } else if (listType == "set") {
        v.listType = TypeView::ListType::Set;
      } else if (listType.empty()) {
        // Without a list type, a merge patch strategy makes the list associative.
        auto strategy = str(*property, "x-kubernetes-patch-strategy");
        if (strategy.find("merge") != std::string_view::npos) {
          auto mergeKey = str(*property, "x-kubernetes-patch-merge-key");
          if (mergeKey.empty()) {
            v.listType = TypeView::ListType::Set;
          } else {
            v.listType = TypeView::ListType::Map;
            v.keys.emplace_back(mergeKey);
          }
        }
      }
    } else if (type == "string") {
      v.kind = TypeView::Kind::Scalar;
      v.scalar = TypeView::Scalar::String;
    } else if (type == "integer" || type == "number") {
      v.kind = TypeView::Kind::Scalar;
      v.scalar = TypeView::Scalar::Numeric;
    } else if (type == "boolean") {
      v.kind = TypeView::Kind::Scalar;
      v.scalar = TypeView::Scalar::Boolean;
    }
    return v;
  }

  // The type of a map entry or struct field; nullopt for a field a struct does not declare.
  std::optional<TypeView> child(const TypeView& parent, std::string_view key) const {
    switch (parent.kind) {
      case TypeView::Kind::Struct: {
        const auto* property = objAt(*objAt(*parent.schema, "properties"), key);
        if (!property) {
          if (parent.preserveUnknown) return TypeView{};
          return std::nullopt;
        }
        return view(property);
      }
      case TypeView::Kind::Map:
        return view(parent.element);
      default:
        return TypeView{};
    }
  }

  TypeView item(const TypeView& list) const {
    return list.kind == TypeView::Kind::List ? view(list.element) : TypeView{};
  }

  // Whether the field exists in the Go zero value of the parent struct, so that its appearing in an object
  // being created is not an addition of the field itself: fields serialized without omitempty (the schema's
  // required ones) and value (non-pointer) structs, which in the Kubernetes API are the metadata, spec,
  // status and template kind of fields (optional structs are otherwise pointers).
  static bool presentWhenZero(const TypeView& parent, std::string_view key, const TypeView& child) {
    if (!declaredField(parent, key)) return false;
    if (auto it = parent.schema->find("required"); it != parent.schema->end() && it->value().is_array()) {
      for (const auto& name : it->value().get_array()) {
        if (name.is_string() && name.get_string() == key) return true;
      }
    }
    static const std::set<std::string_view> kValueStructs = {
        "metadata", "spec", "status", "template", "strategy", "updateStrategy", "resources", "jobTemplate"};
    return child.kind == TypeView::Kind::Struct && kValueStructs.contains(key);
  }

  // Whether a map entry of this parent is a declared struct field (which is not itself a member when it has
  // children) rather than a map element (which always is).
  static bool declaredField(const TypeView& parent, std::string_view key) {
    if (parent.kind != TypeView::Kind::Struct) return false;
    return objAt(*objAt(*parent.schema, "properties"), key) != nullptr;
  }

 private:
  const OpenApi& api_;
};

// structured-merge-diff's "granular" nodes: maps and structs not marked atomic.
bool isGranularMap(const TypeView& t, const json::value& v) {
  if (!v.is_object()) return false;
  return (t.kind == TypeView::Kind::Struct || t.kind == TypeView::Kind::Map ||
          t.kind == TypeView::Kind::Deduced) &&
         !t.atomic;
}
bool isGranularList(const TypeView& t, const json::value& v) {
  return v.is_array() && t.kind == TypeView::Kind::List && t.listType != TypeView::ListType::Atomic;
}

// The path element of a list item: Key for an associative list (a missing "protocol" key field defaults to
// TCP, as the schema's default says), Value for a set; nullopt with `error` set when it has none.
std::optional<PathElement> itemElement(const TypeView& list, const json::value& item, std::string& error) {
  PathElement e;
  if (list.listType == TypeView::ListType::Map) {
    if (!item.is_object()) {
      error = "expected map, got " + goValue(item);
      return std::nullopt;
    }
    e.kind = PathElement::Kind::Key;
    for (const auto& key : list.keys) {
      auto it = item.get_object().find(key);
      if (it == item.get_object().end() || it->value().is_null()) {
        if (key == "protocol") {
          e.keys.emplace_back(key, json::value("TCP"));
          continue;
        }
        error = fmt::format(
            "associative list with keys has an element that omits key field \"{}\" (and doesn't have default "
            "value)",
            key);
        return std::nullopt;
      }
      e.keys.emplace_back(key, it->value());
    }
    std::sort(e.keys.begin(), e.keys.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    return e;
  }
  if (item.is_object() || item.is_array()) {
    error = "only lists of scalars can be sets";
    return std::nullopt;
  }
  e.kind = PathElement::Kind::Value;
  e.value = item;
  return e;
}

struct TypeError {
  std::string path;
  std::string message;
};

// The type check of an applied configuration (structured-merge-diff's ObjectToTyped), its messages.
void typeCheck(const Types& types, const json::value& v, const TypeView& t, const std::string& path,
               std::vector<TypeError>& errors) {
  if (v.is_null()) return;
  switch (t.kind) {
    case TypeView::Kind::Scalar:
      if (t.scalar == TypeView::Scalar::Numeric && !v.is_number()) {
        std::string goType = v.is_string()  ? "string"
                             : v.is_bool()  ? "bool"
                             : v.is_array() ? "[]interface {}"
                                            : "map[string]interface {}";
        errors.push_back({path, "expected numeric (int or float), got " + goType});
      } else if (t.scalar == TypeView::Scalar::String && !v.is_string()) {
        errors.push_back({path, "expected string, got &value.valueUnstructured{Value:" + goValue(v) + "}"});
      } else if (t.scalar == TypeView::Scalar::Boolean && !v.is_bool()) {
        errors.push_back({path, "expected boolean, got &{" + goValue(v) + "}"});
      } else if (t.scalar == TypeView::Scalar::Untyped && (v.is_object() || v.is_array())) {
        errors.push_back({path, "expected any scalar, got &{" + goValue(v) + "}"});
      }
      return;
    case TypeView::Kind::Struct:
    case TypeView::Kind::Map:
      if (!v.is_object()) {
        errors.push_back({path, "expected map, got &{" + goValue(v) + "}"});
        return;
      }
      for (const auto& [key, child] : v.get_object()) {
        auto childPath = path + "." + std::string(key);
        auto childType = types.child(t, key);
        if (!childType) {
          errors.push_back({childPath, "field not declared in schema"});
          continue;
        }
        typeCheck(types, child, *childType, childPath, errors);
      }
      return;
    case TypeView::Kind::List: {
      if (!v.is_array()) {
        errors.push_back({path, "expected list, got &{" + goValue(v) + "}"});
        return;
      }
      auto itemType = types.item(t);
      std::set<PathElement> seen;
      std::int64_t index = 0;
      for (const auto& item : v.get_array()) {
        std::string itemPath = path + fmt::format("[{}]", index);
        if (t.listType != TypeView::ListType::Atomic) {
          std::string error;
          auto e = itemElement(t, item, error);
          if (!e) {
            errors.push_back({path, error});
            ++index;
            continue;
          }
          if (!seen.insert(*e).second) errors.push_back({path, "duplicate entries for key " + e->display()});
          itemPath = path + e->display();
        }
        typeCheck(types, item, itemType, itemPath, errors);
        ++index;
      }
      return;
    }
    case TypeView::Kind::Deduced:
      return;
  }
}

// structured-merge-diff's ToFieldSet: scalars, atomic nodes, list items, map elements and empty or null
// values are members; struct fields with content are not (only their contents are).
void toFieldSet(const Types& types, const json::value& v, const TypeView& t, FieldSet& node) {
  if (isGranularMap(t, v)) {
    for (const auto& [key, child] : v.get_object()) {
      auto childType = types.child(t, key).value_or(TypeView{});
      auto& childNode = node.children[PathElement::field(key)];
      toFieldSet(types, child, childType, childNode);
      if (child.is_null() || (child.is_object() && child.get_object().empty()) ||
          !Types::declaredField(t, key)) {
        childNode.member = true;
      }
    }
    return;
  }
  if (isGranularList(t, v)) {
    auto itemType = types.item(t);
    for (const auto& item : v.get_array()) {
      std::string error;
      auto e = itemElement(t, item, error);
      if (!e) continue;
      auto& childNode = node.children[*e];
      toFieldSet(types, item, itemType, childNode);
      childNode.member = true;
    }
    return;
  }
  node.member = true;
}

// The items of a list keyed by their path elements, in order; items without one (possible only in a live
// object) are keyed by index.
std::vector<std::pair<PathElement, const json::value*>> keyedItems(const TypeView& t,
                                                                   const json::array& list) {
  std::vector<std::pair<PathElement, const json::value*>> out;
  std::int64_t index = 0;
  for (const auto& item : list) {
    std::string error;
    auto e = itemElement(t, item, error);
    if (!e) {
      e = PathElement{};
      e->kind = PathElement::Kind::Index;
      e->index = index;
    }
    out.emplace_back(*e, &item);
    ++index;
  }
  return out;
}

// structured-merge-diff's Compare: which paths `rhs` adds, modifies and removes relative to `lhs`. A field
// the Go zero value already has does not count as added or removed by itself (`zeroField`), only its contents
// do.
struct Comparison {
  FieldSet added, modified, removed;
};

void compareNodes(const Types& types, const json::value* lhs, const json::value* rhs, const TypeView& t,
                  bool zeroField, Path& path, Comparison& out) {
  if (lhs && lhs->is_null()) lhs = nullptr;
  if (rhs && rhs->is_null()) rhs = nullptr;
  if (!lhs && !rhs) return;
  const json::value& probe = rhs ? *rhs : *lhs;
  bool sameShape = !lhs || !rhs || lhs->kind() == rhs->kind() || (lhs->is_number() && rhs->is_number());
  if (sameShape && isGranularMap(t, probe)) {
    if (!lhs && !zeroField) out.added.insert(path);
    if (!rhs && !zeroField) out.removed.insert(path);
    const json::object& l = lhs ? lhs->get_object() : kEmptyObject;
    const json::object& r = rhs ? rhs->get_object() : kEmptyObject;
    auto visit = [&](std::string_view key) {
      auto li = l.find(key);
      auto ri = r.find(key);
      auto childType = types.child(t, key).value_or(TypeView{});
      path.push_back(PathElement::field(key));
      compareNodes(types, li == l.end() ? nullptr : &li->value(), ri == r.end() ? nullptr : &ri->value(),
                   childType, Types::presentWhenZero(t, key, childType), path, out);
      path.pop_back();
    };
    for (const auto& [key, value] : l)
      visit(key);
    for (const auto& [key, value] : r) {
      if (!l.contains(key)) visit(key);
    }
    return;
  }
  if (sameShape && isGranularList(t, probe)) {
    if (!lhs && !zeroField) out.added.insert(path);
    if (!rhs) out.removed.insert(path);
    static const json::array kEmptyArray;
    auto l = keyedItems(t, lhs ? lhs->get_array() : kEmptyArray);
    auto r = keyedItems(t, rhs ? rhs->get_array() : kEmptyArray);
    auto itemType = types.item(t);
    auto find = [](const auto& items, const PathElement& e) -> const json::value* {
      for (const auto& [k, v] : items) {
        if (k == e) return v;
      }
      return nullptr;
    };
    for (const auto& [e, value] : l) {
      path.push_back(e);
      compareNodes(types, value, find(r, e), itemType, false, path, out);
      path.pop_back();
    }
    for (const auto& [e, value] : r) {
      if (find(l, e)) continue;
      path.push_back(e);
      compareNodes(types, nullptr, value, itemType, false, path, out);
      path.pop_back();
    }
    return;
  }
  if (!lhs) {
    out.added.insert(path);
  } else if (!rhs) {
    out.removed.insert(path);
  } else if (!deepEqual(*lhs, *rhs)) {
    out.modified.insert(path);
  }
}

// structured-merge-diff's Merge of an applied configuration into the live object.
json::value mergeApplied(const Types& types, const json::value* live, const json::value& applied,
                         const TypeView& t) {
  if (!live || live->is_null() || live->kind() != applied.kind()) return applied;
  if (isGranularMap(t, applied)) {
    json::object out = live->get_object();
    for (const auto& [key, value] : applied.get_object()) {
      if (value.is_null()) {
        out.erase(key);
        continue;
      }
      auto childType = types.child(t, key).value_or(TypeView{});
      auto it = out.find(key);
      out[key] = mergeApplied(types, it == out.end() ? nullptr : &it->value(), value, childType);
    }
    return out;
  }
  if (isGranularList(t, applied)) {
    auto lhs = keyedItems(t, live->get_array());
    auto rhs = keyedItems(t, applied.get_array());
    auto itemType = types.item(t);
    auto find = [](const auto& items, const PathElement& e) -> const json::value* {
      for (const auto& [k, v] : items) {
        if (k == e) return v;
      }
      return nullptr;
    };
    // Shared items follow the applied order; items only the live list has keep their place among them.
    std::vector<PathElement> sharedOrder;
    for (const auto& [e, v] : rhs) {
      if (find(lhs, e)) sharedOrder.push_back(e);
    }
    std::size_t nextShared = 0;
    std::set<PathElement> merged;
    json::array out;
    std::size_t li = 0, ri = 0;
    auto advanceShared = [&](const PathElement& e) {
      if (nextShared < sharedOrder.size() && sharedOrder[nextShared] == e) ++nextShared;
    };
    while (li < lhs.size() || ri < rhs.size()) {
      if (li < lhs.size() && ri < rhs.size()) {
        const auto& e = lhs[li].first;
        if (e == rhs[ri].first) {
          merged.insert(e);
          out.push_back(mergeApplied(types, lhs[li].second, *rhs[ri].second, itemType));
          advanceShared(e);
          ++li;
          ++ri;
          continue;
        }
        if (find(rhs, e) && nextShared < sharedOrder.size() && !(sharedOrder[nextShared] == e)) {
          ++li;
          continue;
        }
      }
      if (li < lhs.size()) {
        const auto& e = lhs[li].first;
        if (!find(rhs, e)) {
          out.push_back(*lhs[li].second);
          ++li;
          continue;
        }
        if (merged.contains(e)) {
          ++li;
          continue;
        }
      }
      if (ri < rhs.size()) {
        const auto& e = rhs[ri].first;
        merged.insert(e);
        out.push_back(mergeApplied(types, find(lhs, e), *rhs[ri].second, itemType));
        advanceShared(e);
        ++ri;
      }
    }
    return out;
  }
  return applied;
}

// The value at a field path, or nullptr.
json::value* valueAt(json::value& root, const Path& path, json::value** parent = nullptr) {
  json::value* current = &root;
  for (const auto& e : path) {
    if (parent) *parent = current;
    json::value* next = nullptr;
    if (e.kind == PathElement::Kind::Field && current->is_object()) {
      auto it = current->get_object().find(e.name);
      if (it != current->get_object().end()) next = &it->value();
    } else if (current->is_array()) {
      auto& a = current->get_array();
      for (std::size_t i = 0; i < a.size() && !next; ++i) {
        if (e.kind == PathElement::Kind::Index) {
          if (static_cast<std::int64_t>(i) == e.index) next = &a[i];
        } else if (e.kind == PathElement::Kind::Value) {
          if (deepEqual(a[i], e.value)) next = &a[i];
        } else if (e.kind == PathElement::Kind::Key && a[i].is_object()) {
          bool match = true;
          for (const auto& [k, v] : e.keys) {
            auto it = a[i].get_object().find(k);
            bool equal = it != a[i].get_object().end()
                             ? deepEqual(it->value(), v)
                             : (k == "protocol" && v.is_string() && v.get_string() == "TCP");
            match = match && equal;
          }
          if (match) next = &a[i];
        }
      }
    }
    if (!next) return nullptr;
    current = next;
  }
  return current;
}

void eraseAt(json::value& root, const Path& path) {
  if (path.empty()) return;
  json::value* parent = nullptr;
  auto* target = valueAt(root, path, &parent);
  if (!target || !parent) return;
  if (parent->is_object()) {
    parent->get_object().erase(path.back().name);
  } else if (parent->is_array()) {
    auto& a = parent->get_array();
    for (auto it = a.begin(); it != a.end(); ++it) {
      if (&*it == target) {
        a.erase(it);
        break;
      }
    }
  }
}

// The paths structured-merge-diff never records (the server owns them) and, for the resource itself, status.
void stripUnmanaged(FieldSet& set, std::string_view subresource) {
  auto metadata = PathElement::field("metadata");
  for (std::string_view top : {"apiVersion", "kind"})
    set.eraseTree({PathElement::field(top)});
  if (auto it = set.children.find(metadata); it != set.children.end()) {
    it->second.member = false;
    for (std::string_view field : {"name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName",
                                   "generation", "managedFields", "resourceVersion"}) {
      it->second.eraseTree({PathElement::field(field)});
    }
  }
  if (subresource == "status") {
    for (auto it = set.children.begin(); it != set.children.end();) {
      if (it->first.kind == PathElement::Kind::Field && it->first.name == "status") {
        ++it;
      } else {
        it = set.children.erase(it);
      }
    }
  } else {
    set.eraseTree({PathElement::field("status")});
  }
  set.prune();
}

// One metadata.managedFields entry.
struct Manager {
  std::string manager;
  std::string operation;  // "Apply" or "Update"
  std::string apiVersion;
  std::string time;
  std::string subresource;
  FieldSet fields;

  // BuildManagerIdentifier: an applier is the same manager whatever the API version it applies with.
  bool sameIdentity(const Manager& o) const {
    return manager == o.manager && operation == o.operation && subresource == o.subresource &&
           (operation == "Apply" || apiVersion == o.apiVersion);
  }

  // How conflict messages name the manager (printManager).
  std::string describe() const {
    std::string out = json::serialize(json::value(manager));
    if (!subresource.empty()) out += " with subresource " + json::serialize(json::value(subresource));
    if (operation == "Update") out += " using " + apiVersion;
    return out;
  }

  json::object toJson() const {
    json::object o;
    o["manager"] = manager;
    o["operation"] = operation;
    o["apiVersion"] = apiVersion;
    if (!time.empty()) o["time"] = time;
    o["fieldsType"] = "FieldsV1";
    o["fieldsV1"] = fields.toFieldsV1();
    if (!subresource.empty()) o["subresource"] = subresource;
    return o;
  }
};

std::vector<Manager> readManagers(const json::object* object) {
  std::vector<Manager> out;
  if (!object) return out;
  const auto* meta = objAt(*object, "metadata");
  if (!meta) return out;
  auto it = meta->find("managedFields");
  if (it == meta->end() || !it->value().is_array()) return out;
  for (const auto& entry : it->value().get_array()) {
    if (!entry.is_object()) continue;
    const auto& e = entry.get_object();
    Manager m;
    m.manager = std::string(str(e, "manager"));
    m.operation = std::string(str(e, "operation"));
    m.apiVersion = std::string(str(e, "apiVersion"));
    m.time = std::string(str(e, "time"));
    m.subresource = std::string(str(e, "subresource"));
    if (const auto* fields = objAt(e, "fieldsV1")) m.fields = FieldSet::fromFieldsV1(*fields);
    out.push_back(std::move(m));
  }
  return out;
}

// Writes the entries as the API server encodes them: empty ones dropped, appliers first, then by time,
// manager, API version and subresource.
void writeManagers(json::object& object, std::vector<Manager> managers) {
  std::erase_if(managers, [](const Manager& m) { return m.fields.empty(); });
  std::stable_sort(managers.begin(), managers.end(), [](const Manager& p, const Manager& q) {
    if (p.operation != q.operation) return p.operation < q.operation;
    if (p.time != q.time) return p.time < q.time;
    if (p.manager != q.manager) return p.manager < q.manager;
    if (p.apiVersion != q.apiVersion) return p.apiVersion < q.apiVersion;
    return p.subresource < q.subresource;
  });
  json::array entries;
  for (const auto& m : managers)
    entries.push_back(m.toJson());
  auto& meta = object["metadata"];
  if (!meta.is_object()) meta = json::object{};
  if (entries.empty()) {
    meta.get_object().erase("managedFields");
  } else {
    meta.get_object()["managedFields"] = std::move(entries);
  }
}

std::string gvkText(const json::object& object) {
  auto apiVersion = str(object, "apiVersion");
  std::string groupVersion = apiVersion.find('/') == std::string_view::npos ? "/" + std::string(apiVersion)
                                                                            : std::string(apiVersion);
  return fmt::format("{}, Kind={}", groupVersion, str(object, "kind"));
}

std::string objectName(const json::object& object) {
  const auto* meta = objAt(object, "metadata");
  return fmt::format("{}/{}", meta ? str(*meta, "namespace") : "", meta ? str(*meta, "name") : "");
}

}  // namespace

boost::json::object applyServerSide(const OpenApi& api, const boost::json::object* existing,
                                    const boost::json::object& applied, std::string_view fieldManager,
                                    bool force, std::string_view timestamp) {
  Types types(api);
  auto rootType = types.view(api.schemaOf(applied));
  auto appliedVersion = std::string(str(applied, "apiVersion"));

  if (const auto* meta = objAt(applied, "metadata")) {
    if (auto it = meta->find("managedFields"); it != meta->end() && !it->value().is_null()) {
      throw PatchError(400, "BadRequest", "metadata.managedFields must be nil");
    }
  }
  if (existing && str(*existing, "apiVersion") != appliedVersion) {
    throw PatchError(
        400, "BadRequest",
        fmt::format("Incorrect version specified in apply patch. Specified patch version: {}, expected: {}",
                    appliedVersion, str(*existing, "apiVersion")));
  }

  // The main resource ignores status in an apply, as it ignores it in an update.
  json::value config = applied;
  config.get_object().erase("status");
  std::vector<TypeError> errors;
  typeCheck(types, config, rootType, "", errors);
  if (!errors.empty()) {
    std::string text;
    if (errors.size() == 1) {
      text = errors[0].path + ": " + errors[0].message;
    } else {
      text = "errors:";
      for (const auto& e : errors)
        text += "\n  " + e.path + ": " + e.message;
    }
    internalError(fmt::format("failed to create typed patch object ({}; {}): {}", objectName(applied),
                              gvkText(applied), text));
  }

  FieldSet appliedSet;
  toFieldSet(types, config, rootType, appliedSet);
  stripUnmanaged(appliedSet, "");

  json::value live = existing ? json::value(*existing) : json::value(json::object{});
  if (auto* meta = live.get_object().if_contains("metadata"); meta && meta->is_object()) {
    meta->get_object().erase("managedFields");
  }
  auto managers = readManagers(existing);
  if (existing && managers.empty()) {
    // An object nobody manages yet: its current fields belong to a placeholder the first apply can conflict
    // with.
    Manager placeholder{"before-first-apply",   "Update", std::string(str(*existing, "apiVersion")),
                        std::string(timestamp), "",       {}};
    toFieldSet(types, live, rootType, placeholder.fields);
    stripUnmanaged(placeholder.fields, "");
    managers.push_back(std::move(placeholder));
  }

  Manager self{std::string(fieldManager), "Apply", appliedVersion,
               std::string(timestamp),    "",      std::move(appliedSet)};
  FieldSet lastApplied;
  auto selfIt =
      std::find_if(managers.begin(), managers.end(), [&](const Manager& m) { return m.sameIdentity(self); });
  if (selfIt != managers.end()) {
    lastApplied = selfIt->fields;
    managers.erase(selfIt);
  }

  json::value merged = mergeApplied(types, &live, config, rootType);

  // Fields this manager applied before and applies no more go, unless another manager still owns them.
  FieldSet owned = self.fields;
  for (const auto& m : managers)
    owned.unite(m.fields);
  FieldSet dropped = lastApplied;
  dropped.subtract(self.fields);
  for (const auto& path : dropped.members()) {
    if (owned.ownsAtOrUnder(path)) continue;
    eraseAt(merged, path);
    // A container the removal left empty, and that nobody owns anything in, goes with it.
    Path parent = path;
    while (parent.size() > 1) {
      parent.pop_back();
      auto* value = valueAt(merged, parent);
      bool empty = value && ((value->is_object() && value->get_object().empty()) ||
                             (value->is_array() && value->get_array().empty()));
      if (!empty || owned.ownsAtOrUnder(parent)) break;
      eraseAt(merged, parent);
    }
  }

  Comparison changes;
  Path root;
  compareNodes(types, &live, &merged, rootType, true, root, changes);
  FieldSet changed = changes.added;
  changed.unite(changes.modified);
  stripUnmanaged(changed, "");

  std::vector<PatchCause> causes;
  std::vector<std::pair<const Manager*, Path>> conflicts;
  for (auto& m : managers) {
    auto overlap = m.fields.intersect(changed);
    if (overlap.empty()) continue;
    if (force) {
      m.fields.subtract(overlap);
      continue;
    }
    for (const auto& path : overlap.members())
      conflicts.emplace_back(&m, path);
  }
  if (!conflicts.empty()) {
    for (const auto& [m, path] : conflicts) {
      causes.push_back({"FieldManagerConflict", "conflict with " + m->describe(), displayPath(path)});
    }
    std::string message;
    if (conflicts.size() == 1) {
      message = fmt::format("Apply failed with 1 conflict: conflict with {}: {}",
                            conflicts[0].first->describe(), displayPath(conflicts[0].second));
    } else {
      // Grouped by manager, managers in order of their identities (the API server sorts its encoded names).
      std::vector<const Manager*> order;
      for (const auto& [m, path] : conflicts) {
        if (std::find(order.begin(), order.end(), m) == order.end()) order.push_back(m);
      }
      auto identity = [](const Manager* m) {
        json::object o{{"manager", m->manager}, {"operation", m->operation}};
        if (m->operation == "Update") o["apiVersion"] = m->apiVersion;
        if (!m->subresource.empty()) o["subresource"] = m->subresource;
        return json::serialize(o);
      };
      std::stable_sort(order.begin(), order.end(),
                       [&](const Manager* a, const Manager* b) { return identity(a) < identity(b); });
      std::vector<std::string> lines;
      for (const auto* m : order) {
        lines.push_back("conflicts with " + m->describe() + ":");
        for (const auto& [owner, path] : conflicts) {
          if (owner == m) lines.push_back("- " + displayPath(path));
        }
      }
      message = fmt::format("Apply failed with {} conflicts: {}", conflicts.size(), fmt::join(lines, "\n"));
    }
    throw PatchError(409, "Conflict", message, std::move(causes));
  }

  FieldSet removed = changes.removed;
  for (auto& m : managers)
    m.fields.subtract(removed);
  managers.push_back(std::move(self));

  auto& out = merged.get_object();
  out["apiVersion"] = appliedVersion;
  if (!str(applied, "kind").empty()) out["kind"] = str(applied, "kind");
  writeManagers(out, std::move(managers));
  return std::move(out);
}

boost::json::object recordUpdate(const OpenApi& api, const boost::json::object* existing,
                                 boost::json::object updated, std::string_view fieldManager,
                                 std::string_view timestamp, std::string_view subresource) {
  Types types(api);
  auto rootType = types.view(api.schemaOf(updated));
  auto apiVersion = std::string(str(updated, "apiVersion"));

  // The request's own managedFields win when it sets some (`[]` resets them); otherwise the live object's.
  std::vector<Manager> managers;
  const json::value* requested = nullptr;
  if (const auto* meta = objAt(updated, "metadata")) requested = meta->if_contains("managedFields");
  bool reset = requested && requested->is_array() &&
               (requested->get_array().empty() ||
                (requested->get_array().size() == 1 && requested->get_array()[0].is_object() &&
                 requested->get_array()[0].get_object().empty()));
  if (!reset) {
    managers = readManagers(&updated);
    if (managers.empty()) managers = readManagers(existing);
  }

  json::value live = existing ? json::value(*existing) : json::value(json::object{});
  json::value next = updated;
  for (auto* v : {&live, &next}) {
    if (auto* meta = v->get_object().if_contains("metadata"); meta && meta->is_object())
      meta->get_object().erase("managedFields");
  }
  Comparison changes;
  Path root;
  compareNodes(types, &live, &next, rootType, true, root, changes);
  FieldSet changed = changes.added;
  changed.unite(changes.modified);
  stripUnmanaged(changed, subresource);
  FieldSet removed = changes.removed;

  for (auto& m : managers) {
    m.fields.subtract(changed);
    m.fields.subtract(removed);
  }
  if (!changed.empty()) {
    Manager self{std::string(fieldManager), "Update", apiVersion, std::string(timestamp),
                 std::string(subresource),  {}};
    auto it = std::find_if(managers.begin(), managers.end(),
                           [&](const Manager& m) { return m.sameIdentity(self); });
    if (it != managers.end()) {
      it->fields.unite(changed);
      it->time = std::string(timestamp);
    } else {
      self.fields = std::move(changed);
      managers.push_back(std::move(self));
    }
  }
  writeManagers(updated, std::move(managers));
  return updated;
}

}  // namespace kubesim

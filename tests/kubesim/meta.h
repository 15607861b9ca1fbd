// Small shared vocabulary of the API server: GroupResource (the storage identity of a resource, versionless,
// as Kubernetes prints it in messages), JSON field helpers and the API's timestamp formats.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace kubesim {

struct GroupResource {
  std::string group;     // "" for the core group
  std::string resource;  // plural, e.g. "deployments"

  // "deployments.apps", or "pods" for the core group: the form error messages use.
  std::string str() const { return group.empty() ? resource : resource + "." + group; }
  auto operator<=>(const GroupResource&) const = default;
};

// The string at obj[key], or "" when absent or not a string.
std::string_view stringField(const boost::json::object& obj, std::string_view key);
// metadata.<key> as a string, or "".
std::string_view metaString(const boost::json::object& obj, std::string_view key);
// obj["metadata"], created as an empty object when absent (or not an object).
boost::json::object& metadataOf(boost::json::object& obj);
// obj[key] when it is an object, else nullptr.
const boost::json::object* objectField(const boost::json::object& obj, std::string_view key);
boost::json::object* objectField(boost::json::object& obj, std::string_view key);

// RFC 3339 with seconds ("2024-05-01T12:00:00Z"): metav1.Time.
std::string formatTime(std::chrono::system_clock::time_point t);
// RFC 3339 with microseconds ("2024-05-01T12:00:00.000000Z"): metav1.MicroTime.
std::string formatMicroTime(std::chrono::system_clock::time_point t);
// RFC 3339 with nanoseconds, trailing zeros trimmed, as container log timestamps are printed.
std::string formatNanoTime(std::chrono::system_clock::time_point t);
// Parses the RFC 3339 forms above (any fraction, "Z" or a numeric offset); nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parseTime(std::string_view text);

// Standard base64 (with padding) and its inverse; decoding accepts the URL-safe alphabet and missing padding
// too, and returns nullopt on anything else.
std::string base64Encode(std::string_view data);
std::optional<std::string> base64Decode(std::string_view text);

// Serializes JSON; a thin name so call sites read as intent.
inline std::string toJson(const boost::json::value& v) {
  return boost::json::serialize(v);
}

}  // namespace kubesim

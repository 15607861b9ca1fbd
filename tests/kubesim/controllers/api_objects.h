// Small helpers shared by the controller cores: reading API objects as boost::json, API timestamps, Go-style
// durations, and the Event record every controller returns instead of writing to the store.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace kubesim::controllers {

namespace json = boost::json;
using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

// An event a controller would record: type is "Normal" or "Warning", reason and message as the real component
// writes them. The caller decides the involved object and the source component.
struct Event {
  std::string type;
  std::string reason;
  std::string message;
  bool operator==(const Event&) const = default;
};

// The value at a path of object keys, or nullptr when any step is missing or not an object.
const json::value* find(const json::object& object, std::initializer_list<std::string_view> path);
const json::object* findObject(const json::object& object, std::initializer_list<std::string_view> path);
const json::array* findArray(const json::object& object, std::initializer_list<std::string_view> path);
// A string at the path, or fallback when missing or not a string.
std::string stringAt(const json::object& object, std::initializer_list<std::string_view> path,
                     std::string_view fallback = "");
// An integer at the path (int64, uint64 or an integral double), or fallback.
std::int64_t intAt(const json::object& object, std::initializer_list<std::string_view> path,
                   std::int64_t fallback = 0);
bool boolAt(const json::object& object, std::initializer_list<std::string_view> path, bool fallback = false);
// True when the path exists and is not null.
bool has(const json::object& object, std::initializer_list<std::string_view> path);

// API timestamps (metav1.Time): RFC 3339 in UTC with second precision, e.g. "2024-05-01T10:00:00Z".
std::string formatTime(TimePoint time);
// Parses RFC 3339 ("Z" or a numeric offset, optional fractional seconds); nullopt when malformed.
std::optional<TimePoint> parseTime(std::string_view text);
// A timestamp at the path, parsed; nullopt when missing or malformed.
std::optional<TimePoint> timeAt(const json::object& object, std::initializer_list<std::string_view> path);

// Go's time.Duration.String(): "10s", "1m20s", "5m0s", "1h0m0s", "1.5s", "250ms", "0s".
std::string goDuration(std::chrono::nanoseconds duration);

// kubelet's format.Pod: "name_namespace(uid)".
std::string podDisplayName(const json::object& pod);

// The condition of the given type in status.conditions, or nullptr.
const json::object* findCondition(const json::object& object, std::string_view type);

// FNV-1a, 32 bit: the hash Kubernetes uses for pod-template-hash and container hashes.
std::uint32_t fnv32a(std::string_view bytes, std::uint32_t seed = 2166136261u);
// A serialization of a JSON value with object keys sorted at every level, so equal objects hash equally
// whatever order their keys were written in.
std::string canonicalJson(const json::value& value);

}  // namespace kubesim::controllers

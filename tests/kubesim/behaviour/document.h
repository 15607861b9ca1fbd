// Reading the fields of a kubesim scenario document (BehaviourProfile, LoadCurve, Timeline, Clock) with
// errors that name the file, the line of the offending field and its path, in the scenario loader's format:
//   scenario.yaml:14: BehaviourProfile api: cpu.noise: must be between 0 and 1, not 2
// Unknown fields are errors too (`unknown field "cpu.baseline"`), as kubectl's strict decoding makes them, so
// a typo cannot silently fall back to a default.
#pragma once

#include <boost/json.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../state.h"
#include "support.h"

namespace kubesim::behaviour {

class Fields {
 public:
  // The document's top level. label names the document in errors ("BehaviourProfile api").
  Fields(const ScenarioDocument& document, std::string label);

  // Fails unless every key of this object is listed (apiVersion and kind are always allowed at the top).
  void allowOnly(std::initializer_list<std::string_view> keys) const;
  bool has(std::string_view key) const;
  const boost::json::value* raw(std::string_view key) const;

  std::optional<std::string> string(std::string_view key) const;
  std::string requiredString(std::string_view key) const;
  std::optional<double> number(std::string_view key) const;
  // A number within [min, max] (inclusive), or fallback when absent.
  double number(std::string_view key, double fallback, double min, double max) const;
  std::optional<std::int64_t> integer(std::string_view key) const;
  std::optional<bool> boolean(std::string_view key) const;
  // A Go-style duration string ("90s", "1h30m", "7d"); a bare number means seconds.
  std::optional<Duration> duration(std::string_view key) const;
  std::vector<std::string> strings(std::string_view key) const;
  // A nested object; nullopt when absent.
  std::optional<Fields> object(std::string_view key) const;
  std::vector<Fields> objects(std::string_view key) const;
  const boost::json::object& json() const { return *object_; }

  // "<file>:<line of key>: <label>: <path.key>: <message>".
  [[noreturn]] void fail(std::string_view key, std::string_view message) const;
  // The same for item `index` of the list at key: "<file>:<line of item>: <label>: <path.key>[<index>]: ...".
  [[noreturn]] void failAt(std::string_view key, std::size_t index, std::string_view message) const;
  // The same for this object as a whole.
  [[noreturn]] void failHere(std::string_view message) const;
  // "<file>:<line>" of a key (or of this object).
  std::string where(std::string_view key = {}) const;
  std::string path(std::string_view key) const;

 private:
  Fields(const ScenarioDocument& document, std::string label, const boost::json::object& object,
         std::string pointer, std::string dotted);
  std::string pointerOf(std::string_view key) const;

  const ScenarioDocument* document_;
  std::string label_;
  const boost::json::object* object_;
  std::string pointer_;  // JSON pointer of this object
  std::string dotted_;   // "cpu" / "entries[2]" (empty at the top)
};

// "a string", "a number", "a list", ...: for "expected X, found Y" messages.
std::string describe(const boost::json::value& value);

}  // namespace kubesim::behaviour

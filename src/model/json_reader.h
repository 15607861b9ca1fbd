// Internal to src/model/: reads our JSON schema back, recording the first error with the path it was at.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "support/timestamps.h"

namespace aiops::model::detail {

// Reads fields of JSON objects; the first problem is kept in `error` as "<where>.<key>: <what>" and every
// later read returns a default, so a parser can read everything and check ok() once.
class JsonReader {
 public:
  explicit JsonReader(std::string* error) : error_(error) {}

  bool ok() const { return !failed_; }
  void fail(std::string_view where, std::string_view what);

  const boost::json::object* object(const boost::json::value& value, std::string_view where);
  // A required string must be present; an optional one reads as "" when absent.
  std::string string(const boost::json::object& object, std::string_view key, std::string_view where,
                     bool required);
  std::int64_t integer(const boost::json::object& object, std::string_view key, std::string_view where,
                       std::int64_t fallback);
  bool boolean(const boost::json::object& object, std::string_view key, std::string_view where,
               bool fallback);
  std::optional<WallTime> time(const boost::json::object& object, std::string_view key,
                               std::string_view where);
  // nullptr when absent; an error when present but not an array.
  const boost::json::array* array(const boost::json::object& object, std::string_view key,
                                  std::string_view where);

 private:
  std::string* error_;
  bool failed_ = false;
};

}  // namespace aiops::model::detail

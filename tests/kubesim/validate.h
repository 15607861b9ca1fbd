// Validation of written objects against the OpenAPI schema, with the API server's outcomes: a body that does
// not decode (wrong JSON types) is a 400 BadRequest; with fieldValidation=Strict an unknown or duplicate field
// is a 400 BadRequest ("strict decoding error: ..."), with Warn it is a Warning header, with Ignore nothing;
// a missing required field or an invalid value is a 422 Invalid with one cause per field.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "openapi.h"

namespace kubesim {

enum class FieldValidation { Ignore, Warn, Strict };

struct ValidationProblem {
  enum class Kind { Decode, UnknownField, Invalid } kind;
  std::string field;    // JSON path as the API server prints it, e.g. "spec.replicas"
  std::string message;  // the API server's wording for this one problem
};

struct ValidationResult {
  std::vector<ValidationProblem> problems;
  bool ok() const { return problems.empty(); }
};

// Checks `object` (already carrying apiVersion and kind) against its schema. Unknown kinds with no schema
// (custom resources) pass.
ValidationResult validateObject(const OpenApi& api, const boost::json::object& object);

}  // namespace kubesim

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
//
// What comes back, in the order the API server meets it: when the body does not decode, exactly one Decode
// problem (the JSON decoder stops at its first error; `message` is the decode error, to be wrapped by the
// server as `<Kind> in version "<v>" cannot be handled as a <Kind>: <message>`). Otherwise every
// UnknownField problem in document order (`message` is `unknown field "spec.foo"`; strict decoding joins
// them as `strict decoding error: unknown field "spec.foo", unknown field "spec.bar"`), then the Invalid
// problems (`message` is the error body after the field, e.g. `Required value`).

// The StatusCause reason of an Invalid problem ("FieldValueRequired", "FieldValueInvalid",
// "FieldValueNotSupported", "FieldValueDuplicate", "FieldValueForbidden", "FieldValueTooLong"), read from
// the wording its message starts with; "" for problems of the other kinds.
std::string causeReason(const ValidationProblem& problem);

}  // namespace kubesim

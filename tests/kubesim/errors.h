// API errors as the real API server reports them: a metav1.Status with the same code, reason, details and
// message text (k8s.io/apimachinery/pkg/api/errors). Handlers throw ApiError; the server renders it.
#pragma once

#include <boost/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "meta.h"

namespace kubesim {

class ApiError : public std::runtime_error {
 public:
  ApiError(int code, std::string reason, const std::string& message, boost::json::object details = {})
      : std::runtime_error(message), code_(code), reason_(std::move(reason)), details_(std::move(details)) {}

  int code() const { return code_; }
  const std::string& reason() const { return reason_; }
  const boost::json::object& details() const { return details_; }
  // The Status object sent as the response body.
  boost::json::object status() const;

 private:
  int code_;
  std::string reason_;
  boost::json::object details_;
};

// One field error of an Invalid (422) answer: field.Error in Kubernetes.
struct FieldCause {
  std::string type;     // "FieldValueInvalid", "FieldValueRequired", "FieldValueNotSupported", ...
  std::string field;    // "spec.replicas"
  std::string message;  // error body, e.g. `Invalid value: -1: must be greater than or equal to 0`
};

// `pods "x" not found` (404 NotFound).
ApiError notFound(const GroupResource& gr, std::string_view name);
// `pods "x" already exists` (409 AlreadyExists).
ApiError alreadyExists(const GroupResource& gr, std::string_view name);
// `Operation cannot be fulfilled on deployments.apps "x": <cause>` (409 Conflict).
ApiError conflict(const GroupResource& gr, std::string_view name, std::string_view cause);
// The stale-resourceVersion conflict.
ApiError modifiedConflict(const GroupResource& gr, std::string_view name);
// 400 BadRequest with the message as given.
ApiError badRequest(const std::string& message);
// `Deployment.apps "x" is invalid: spec.replicas: ...` (422 Invalid); group may be empty.
ApiError invalid(std::string_view kind, std::string_view group, std::string_view name,
                 const std::vector<FieldCause>& causes);
// `pods "x" is forbidden: <why>` (403 Forbidden); `forbidden: <why>` when the resource is empty.
ApiError forbidden(const GroupResource& gr, std::string_view name, std::string_view why);
// `the server could not find the requested resource` (404 NotFound): unknown path, group or resource.
ApiError pathNotFound();
// `the server does not allow this method on the requested resource` (405 MethodNotAllowed).
ApiError methodNotAllowed();
// `<action> is not supported on resources of kind "pods"` (405 MethodNotAllowed).
ApiError methodNotSupported(const GroupResource& gr, std::string_view action);
// 410 Expired: `too old resource version: X (Y)` and friends.
ApiError expired(const std::string& message);
// 415 UnsupportedMediaType for a body type the endpoint does not take; `accepted` lists those it does.
ApiError unsupportedMediaType(std::string_view contentType, const std::vector<std::string>& accepted);
// 406 NotAcceptable for an Accept header the server cannot satisfy.
ApiError notAcceptable();
// 401 Unauthorized.
ApiError unauthorized();
// 500 InternalError: `Internal error occurred: <message>`.
ApiError internalError(std::string_view message);
// 503 ServiceUnavailable with the message as given.
ApiError serviceUnavailable(const std::string& message);

// The Status a successful delete returns when the object itself is not returned.
boost::json::object successStatus(boost::json::object details);
// {"name":..,"group":..,"kind":<plural>} in the API's field order, omitting empty values.
boost::json::object statusDetails(const GroupResource& gr, std::string_view name);

}  // namespace kubesim

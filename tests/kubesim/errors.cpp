// API errors with the real API server's wording (k8s.io/apimachinery/pkg/api/errors, apiserver negotiation).
#include "errors.h"

#include <fmt/format.h>

namespace kubesim {

namespace json = boost::json;

namespace {

std::string quoted(std::string_view s) {
  return toJson(json::string(s));
}

}  // namespace

json::object ApiError::status() const {
  json::object s;
  s["kind"] = "Status";
  s["apiVersion"] = "v1";
  s["metadata"] = json::object{};
  s["status"] = "Failure";
  s["message"] = what();
  s["reason"] = reason_;
  s["details"] = details_;
  s["code"] = code_;
  if (details_.empty() && code_ != 404) s.erase("details");
  return s;
}

json::object statusDetails(const GroupResource& gr, std::string_view name) {
  json::object d;
  if (!name.empty()) d["name"] = name;
  if (!gr.group.empty()) d["group"] = gr.group;
  if (!gr.resource.empty()) d["kind"] = gr.resource;
  return d;
}

ApiError notFound(const GroupResource& gr, std::string_view name) {
  return ApiError(404, "NotFound", fmt::format("{} {} not found", gr.str(), quoted(name)),
                  statusDetails(gr, name));
}

ApiError alreadyExists(const GroupResource& gr, std::string_view name) {
  return ApiError(409, "AlreadyExists", fmt::format("{} {} already exists", gr.str(), quoted(name)),
                  statusDetails(gr, name));
}

ApiError conflict(const GroupResource& gr, std::string_view name, std::string_view cause) {
  return ApiError(409, "Conflict",
                  fmt::format("Operation cannot be fulfilled on {} {}: {}", gr.str(), quoted(name), cause),
                  statusDetails(gr, name));
}

ApiError modifiedConflict(const GroupResource& gr, std::string_view name) {
  return conflict(
      gr, name,
      "the object has been modified; please apply your changes to the latest version and try again");
}

ApiError badRequest(const std::string& message) {
  return ApiError(400, "BadRequest", message);
}

ApiError invalid(std::string_view kind, std::string_view group, std::string_view name,
                 const std::vector<FieldCause>& causes) {
  std::string qualified = group.empty() ? std::string(kind) : fmt::format("{}.{}", kind, group);
  std::string message = fmt::format("{} {} is invalid", qualified, quoted(name));
  json::array causeList;
  std::vector<std::string> texts;
  for (const FieldCause& c : causes) {
    json::object cause;
    cause["reason"] = c.type;
    cause["message"] = c.message;
    cause["field"] = c.field;
    causeList.push_back(std::move(cause));
    texts.push_back(c.field.empty() ? c.message : c.field + ": " + c.message);
  }
  if (texts.size() == 1) message += ": " + texts.front();
  if (texts.size() > 1) message += fmt::format(": [{}]", fmt::join(texts, ", "));
  json::object details;
  if (!name.empty()) details["name"] = name;
  if (!group.empty()) details["group"] = group;
  details["kind"] = kind;
  details["causes"] = std::move(causeList);
  return ApiError(422, "Invalid", message, std::move(details));
}

ApiError forbidden(const GroupResource& gr, std::string_view name, std::string_view why) {
  std::string message;
  if (gr.resource.empty() && gr.group.empty())
    message = fmt::format("forbidden: {}", why);
  else if (name.empty())
    message = fmt::format("{} is forbidden: {}", gr.str(), why);
  else
    message = fmt::format("{} {} is forbidden: {}", gr.str(), quoted(name), why);
  return ApiError(403, "Forbidden", message, statusDetails(gr, name));
}

ApiError pathNotFound() {
  return ApiError(404, "NotFound", "the server could not find the requested resource");
}

ApiError methodNotAllowed() {
  return ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
}

ApiError methodNotSupported(const GroupResource& gr, std::string_view action) {
  return ApiError(405, "MethodNotAllowed",
                  fmt::format("{} is not supported on resources of kind {}", action, quoted(gr.str())),
                  statusDetails(gr, ""));
}

ApiError expired(const std::string& message) {
  return ApiError(410, "Expired", message);
}

ApiError unsupportedMediaType(std::string_view contentType, const std::vector<std::string>& accepted) {
  (void)contentType;
  return ApiError(
      415, "UnsupportedMediaType",
      fmt::format("the body of the request was in an unknown format - accepted media types include: {}",
                  fmt::join(accepted, ", ")));
}

ApiError notAcceptable() {
  return ApiError(406, "NotAcceptable",
                  "only the following media types are accepted: application/json, application/yaml");
}

ApiError unauthorized() {
  return ApiError(401, "Unauthorized", "Unauthorized");
}

ApiError internalError(std::string_view message) {
  json::object cause;
  cause["message"] = message;
  json::object details;
  details["causes"] = json::array{cause};
  return ApiError(500, "InternalError", fmt::format("Internal error occurred: {}", message),
                  std::move(details));
}

ApiError serviceUnavailable(const std::string& message) {
  return ApiError(503, "ServiceUnavailable", message);
}

json::object successStatus(json::object details) {
  json::object s;
  s["kind"] = "Status";
  s["apiVersion"] = "v1";
  s["metadata"] = json::object{};
  s["status"] = "Success";
  if (!details.empty()) s["details"] = std::move(details);
  return s;
}

}  // namespace kubesim

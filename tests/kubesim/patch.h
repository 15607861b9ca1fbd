// The patch types the API server accepts: JSON merge patch (RFC 7386), JSON patch (RFC 6902), strategic merge
// patch (list merge keys and strategies from the OpenAPI x-kubernetes-patch-* extensions), and server-side
// apply. Each returns the patched object or throws PatchError with the API server's message.
#pragma once

#include <boost/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "openapi.h"

namespace kubesim {

// One StatusCause of a patch failure: a failed JSON patch operation (reason "UnexpectedServerResponse",
// message the operation's error) or an apply conflict (reason "FieldManagerConflict", message
// `conflict with "kubectl-client-side-apply" using apps/v1`, field ".spec.replicas").
struct PatchCause {
  std::string reason;
  std::string message;
  std::string field;
};

class PatchError : public std::runtime_error {
 public:
  // code: the HTTP status the API server answers with (400, 409 for an apply conflict, 422).
  PatchError(int code, std::string reason, const std::string& message)
      : std::runtime_error(message), code_(code), reason_(std::move(reason)) {}
  PatchError(int code, std::string reason, const std::string& message, std::vector<PatchCause> causes)
      : std::runtime_error(message), code_(code), reason_(std::move(reason)), causes_(std::move(causes)) {}
  int code() const { return code_; }
  const std::string& reason() const { return reason_; }  // "BadRequest", "Conflict", "Invalid"
  // Status.details.causes; empty for most errors. reason() is "" (StatusReasonUnknown) for the 500s the API
  // server gives errors it has no status for (a strategic merge patch list item without its merge key, an
  // apply the schema rejects).
  const std::vector<PatchCause>& causes() const { return causes_; }

 private:
  int code_;
  std::string reason_;
  std::vector<PatchCause> causes_;
};

boost::json::value applyMergePatch(const boost::json::value& target, const boost::json::value& patch);
boost::json::value applyJsonPatch(const boost::json::value& target, const boost::json::value& operations);
boost::json::value applyStrategicMergePatch(const OpenApi& api, const boost::json::object& original,
                                            const boost::json::value& patch);

// Server-side apply of `applied` (a full or partial object) by `fieldManager`. Fields owned by another manager
// with a different value are a 409 conflict unless `force`. Updates metadata.managedFields.
boost::json::object applyServerSide(const OpenApi& api, const boost::json::object* existing,
                                    const boost::json::object& applied, std::string_view fieldManager,
                                    bool force, std::string_view timestamp);
// `existing` is null for a create. The result is the merged object with metadata.managedFields rewritten;
// the server still sets what it owns (uid, resourceVersion, creationTimestamp, generation). `status` in the
// applied object is ignored, as the main resource of a kind with a status subresource ignores it.

// Records a write that is not an apply (create, update, or a JSON/merge/strategic patch, such as kubectl's
// client-side apply with manager "kubectl-client-side-apply") in `updated`'s metadata.managedFields the way
// the API server does: the manager's "Update" entry gains the fields the write added or changed (they leave
// every other manager), and fields the write removed leave every entry. `existing` is null for a create.
// `subresource` is "" for the resource itself (status changes are not recorded) or "status" (only status is).
boost::json::object recordUpdate(const OpenApi& api, const boost::json::object* existing,
                                 boost::json::object updated, std::string_view fieldManager,
                                 std::string_view timestamp, std::string_view subresource = "");

}  // namespace kubesim

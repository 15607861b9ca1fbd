// The patch types the API server accepts: JSON merge patch (RFC 7386), JSON patch (RFC 6902), strategic merge
// patch (list merge keys and strategies from the OpenAPI x-kubernetes-patch-* extensions), and server-side
// apply. Each returns the patched object or throws PatchError with the API server's message.
#pragma once

#include <boost/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

#include "openapi.h"

namespace kubesim {

class PatchError : public std::runtime_error {
 public:
  // code: the HTTP status the API server answers with (400, 409 for an apply conflict, 422).
  PatchError(int code, std::string reason, const std::string& message)
      : std::runtime_error(message), code_(code), reason_(std::move(reason)) {}
  int code() const { return code_; }
  const std::string& reason() const { return reason_; }  // "BadRequest", "Conflict", "Invalid"

 private:
  int code_;
  std::string reason_;
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

}  // namespace kubesim

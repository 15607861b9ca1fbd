// Request bodies in the Kubernetes protobuf encoding (application/vnd.kubernetes.protobuf): kubectl's typed
// clients send them for `auth can-i`, `auth whoami`, `create token`, `drain` (evictions) and the simple
// `create namespace|configmap|secret|serviceaccount` generators and `autoscale` (autoscaling/v1), with no
// JSON fallback. Decoding needs each kind's field numbers, which the OpenAPI document does not carry, so only
// those kinds are known here (their numbers are the ones in Kubernetes' generated.proto files); any other
// kind answers 415.
//
// Responses are always JSON: every client that sends protobuf also accepts JSON.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string_view>

namespace kubesim {

// The JSON form of a protobuf body for group/kind, or nullopt when the kind is not one kubesim can decode.
// Throws DecodeError (codec.h) for a body that is not a well-formed Kubernetes protobuf envelope.
std::optional<boost::json::object> decodeProtobuf(std::string_view body, std::string_view group,
                                                  std::string_view kind);

}  // namespace kubesim

// Typed errors for everything that can go wrong talking to a cluster, each with a one-line next step.
//
// Policy: the kube library throws KubeError (one typed exception); front ends catch it only in main and map
// it to exit code 3. Where a caller needs per-request outcomes (parallel fetches, "get if it exists"),
// the client returns the error as a value instead (see Fetched in client.h), so no code below main has to
// catch anything.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace aiops::kube {

enum class ErrorKind {
  Api,             // the API server answered with a Status error (NotFound, Conflict, Forbidden, ...)
  KubectlMissing,  // kubectl is not installed or KUBECTL_PATH is wrong
  Kubeconfig,      // the kubeconfig cannot be loaded, or the context does not exist
  Unreachable,     // connection refused, unknown host, TLS failure
  Timeout,         // --request-timeout or our own deadline expired
  Transport,       // kubectl failed in a way we do not recognise
  BadResponse,     // the server's answer was not what the API promises (not JSON, wrong shape)
};

// A Kubernetes Status failure: HTTP code, machine-readable reason, human message.
struct ApiError {
  int code = 0;
  std::string reason;
  std::string message;
  bool operator==(const ApiError&) const = default;
};

class KubeError : public std::runtime_error {
 public:
  // `message` says what failed; `nextStep` what the user can do. what() is "message; nextStep".
  KubeError(ErrorKind kind, std::string message, std::string nextStep,
            std::optional<ApiError> api = std::nullopt);

  ErrorKind kind() const { return kind_; }
  const std::optional<ApiError>& api() const { return api_; }
  const std::string& message() const { return message_; }
  const std::string& nextStep() const { return nextStep_; }
  int code() const { return api_ ? api_->code : 0; }  // HTTP status, 0 when not an API error
  bool is(std::string_view reason) const { return api_ && api_->reason == reason; }
  bool isNotFound() const { return code() == 404; }
  bool isConflict() const { return is("Conflict"); }
  bool isForbidden() const { return code() == 403; }

  // The same error with `context` (e.g. "listing pods in namespace shop") prefixed to the message.
  KubeError withContext(std::string_view context) const;

 private:
  ErrorKind kind_;
  std::optional<ApiError> api_;
  std::string message_;
  std::string nextStep_;
};

// HTTP status for a Kubernetes StatusReason (metav1.StatusReason*), 0 when unknown.
int httpCodeForReason(std::string_view reason);

// StatusReason for an HTTP status, as client-go infers one when the body carries none.
std::string reasonForHttpCode(int code);

// A KubeError for an API failure, with the next step that suits its reason.
KubeError apiError(ApiError api);

// An ApiError from a metav1.Status object (a failed response body or a watch ERROR event); nullopt when
// `status` is not a failure Status.
std::optional<ApiError> parseStatus(const boost::json::value& status);

// Classifies a failed kubectl run from its stderr (wordings of kubectl 1.32, checked against real runs).
// `timedOut` is true when our own deadline killed kubectl.
KubeError classifyKubectlFailure(std::string_view stderrText, int exitCode, bool timedOut);

// The error for a kubectl binary that cannot be started; `detail` is the launcher's message.
KubeError kubectlMissing(std::string_view detail);

}  // namespace aiops::kube

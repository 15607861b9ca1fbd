// Turning kubectl's stderr and Kubernetes Status objects into KubeError.
//
// kubectl 1.32 wordings this relies on (each reproduced by running kubectl against a stub server, a closed
// port, an unresolvable host, a silent listener and broken kubeconfigs):
//   Error from server (NotFound): pods "x" not found                      -> Api, reason in parentheses
//   Error from server (InternalError): an error on the server ("oops") ... -> Api (non-Status body)
//   error: You must be logged in to the server (Unauthorized)             -> Api 401
//   The request is invalid: Deployment.apps "web" is invalid: ...         -> Api 422
//   The connection to the server 127.0.0.1:1 was refused - did you ...    -> Unreachable
//   Unable to connect to the server: dial tcp: lookup h on ...: no such host -> Unreachable
//   Unable to connect to the server: net/http: request canceled ... (Client.Timeout exceeded ...) -> Timeout
//   Unable to connect to the server: context deadline exceeded            -> Timeout
//   error: error loading config file "/f": yaml: ...                      -> Kubeconfig
//   Error in configuration: context was not found for specified context: x -> Kubeconfig
//   error: context "x" does not exist / error: stat /f: no such file or directory -> Kubeconfig
#include "kube/errors.h"

#include <fmt/format.h>

#include <array>
#include <boost/json.hpp>
#include <utility>

namespace aiops::kube {
namespace {

struct ReasonCode {
  std::string_view reason;
  int code;
};

// metav1.StatusReason values and the HTTP codes the API server uses for them.
constexpr std::array kReasons{
    ReasonCode{"BadRequest", 400},
    ReasonCode{"Unauthorized", 401},
    ReasonCode{"Forbidden", 403},
    ReasonCode{"NotFound", 404},
    ReasonCode{"MethodNotAllowed", 405},
    ReasonCode{"NotAcceptable", 406},
    ReasonCode{"AlreadyExists", 409},
    ReasonCode{"Conflict", 409},
    ReasonCode{"Gone", 410},
    ReasonCode{"Expired", 410},
    ReasonCode{"RequestEntityTooLarge", 413},
    ReasonCode{"UnsupportedMediaType", 415},
    ReasonCode{"Invalid", 422},
    ReasonCode{"TooManyRequests", 429},
    ReasonCode{"InternalError", 500},
    ReasonCode{"ServerTimeout", 500},
    ReasonCode{"ServiceUnavailable", 503},
    ReasonCode{"Timeout", 504},
};

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}
bool startsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\r'))
    text.remove_prefix(1);
  while (!text.empty() &&
         (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

// klog lines ("E1126 13:16:29.932549 8849 memcache.go:265] ...") are retries and noise, not the verdict.
bool isKlogLine(std::string_view line) {
  return line.size() > 5 && (line[0] == 'E' || line[0] == 'W' || line[0] == 'I') && line[1] >= '0' &&
         line[1] <= '9' && contains(line.substr(0, 40), "] ");
}

// The line that carries kubectl's verdict: the last non-klog line (kubectl prints it just before exiting).
std::string_view verdictLine(std::string_view text) {
  std::string_view best;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = trim(text.substr(start, end - start));
    if (!line.empty() && !isKlogLine(line)) best = line;
    start = end + 1;
  }
  return best.empty() ? trim(text) : best;
}

bool looksLikeTimeout(std::string_view text) {
  return contains(text, "Client.Timeout exceeded") || contains(text, "context deadline exceeded") ||
         contains(text, "i/o timeout") || contains(text, "TLS handshake timeout") ||
         contains(text, "net/http: request canceled") || contains(text, "timed out");
}

std::string nextStepFor(const ApiError& api) {
  if (api.reason == "NotFound") return "check the name and the namespace (-n)";
  if (api.reason == "AlreadyExists") return "it exists already; update it instead of creating it";
  if (api.reason == "Conflict") return "the object changed since it was read; read it again and retry";
  if (api.reason == "Forbidden") return "ask for the RBAC permission it names, or use --as";
  if (api.reason == "Unauthorized") return "refresh your credentials (kubeconfig user, token or exec plugin)";
  if (api.reason == "Invalid" || api.reason == "BadRequest") return "fix the fields the server names";
  if (api.reason == "Gone" || api.reason == "Expired") return "the resource version is too old; list again";
  if (api.reason == "TooManyRequests") return "the server is throttling requests; retry shortly";
  if (api.reason == "Timeout" || api.reason == "ServerTimeout") return "retry, or raise --request-timeout";
  return "retry; if it persists, check the API server's health";
}

}  // namespace

KubeError::KubeError(ErrorKind kind, std::string message, std::string nextStep, std::optional<ApiError> api)
    : std::runtime_error(nextStep.empty() ? message : message + "; " + nextStep),
      kind_(kind),
      api_(std::move(api)),
      message_(std::move(message)),
      nextStep_(std::move(nextStep)) {}

KubeError KubeError::withContext(std::string_view context) const {
  return KubeError(kind_, fmt::format("{}: {}", context, message_), nextStep_, api_);
}

int httpCodeForReason(std::string_view reason) {
  for (const auto& entry : kReasons) {
    if (entry.reason == reason) return entry.code;
  }
  return 0;
}

std::string reasonForHttpCode(int code) {
  // The first reason listed for a code is the one client-go picks when the body names none.
  for (const auto& entry : kReasons) {
    if (entry.code == code) return std::string(entry.reason);
  }
  return code >= 500 ? "InternalError" : "Unknown";
}

KubeError apiError(ApiError api) {
  std::string message = api.code != 0 ? fmt::format("{} ({} {})", api.message, api.code, api.reason)
                                      : fmt::format("{} ({})", api.message, api.reason);
  std::string step = nextStepFor(api);
  return KubeError(ErrorKind::Api, std::move(message), std::move(step), std::move(api));
}

std::optional<ApiError> parseStatus(const boost::json::value& status) {
  const auto* object = status.if_object();
  if (object == nullptr) return std::nullopt;
  const auto* kind = object->if_contains("kind");
  if (kind == nullptr || !kind->is_string() || kind->get_string() != "Status") return std::nullopt;
  const auto* state = object->if_contains("status");
  if (state != nullptr && state->is_string() && state->get_string() == "Success") return std::nullopt;
  ApiError api;
  if (const auto* reason = object->if_contains("reason"); reason != nullptr && reason->is_string()) {
    api.reason = std::string(reason->get_string());
  }
  if (const auto* message = object->if_contains("message"); message != nullptr && message->is_string()) {
    api.message = std::string(message->get_string());
  }
  if (const auto* code = object->if_contains("code"); code != nullptr && code->is_number()) {
    api.code = static_cast<int>(code->to_number<std::int64_t>());
  }
  if (api.code == 0) api.code = httpCodeForReason(api.reason);
  if (api.reason.empty()) api.reason = reasonForHttpCode(api.code);
  return api;
}

KubeError kubectlMissing(std::string_view detail) {
  return KubeError(ErrorKind::KubectlMissing, fmt::format("kubectl cannot be run ({})", detail),
                   "install kubectl, or set KUBECTL_PATH to its full path");
}

KubeError classifyKubectlFailure(std::string_view stderrText, int exitCode, bool timedOut) {
  const std::string_view line = verdictLine(stderrText);
  if (timedOut) {
    return KubeError(ErrorKind::Timeout, "kubectl did not answer before the deadline",
                     "check that the cluster is reachable, or raise --request-timeout");
  }
  constexpr std::string_view fromServer = "Error from server";
  if (startsWith(line, fromServer)) {
    std::string_view rest = line.substr(fromServer.size());
    ApiError api;
    if (startsWith(rest, " (")) {
      const auto close = rest.find("): ");
      if (close != std::string_view::npos) {
        api.reason = std::string(rest.substr(2, close - 2));
        rest = rest.substr(close + 3);
      }
    } else if (startsWith(rest, ": ")) {
      rest.remove_prefix(2);
    }
    api.message = std::string(rest);
    api.code = httpCodeForReason(api.reason);
    if (api.reason.empty()) api.reason = "Unknown";
    return apiError(std::move(api));
  }
  if (startsWith(line, "error: You must be logged in to the server")) {
    return apiError(ApiError{401, "Unauthorized", "you must be logged in to the server"});
  }
  constexpr std::string_view invalid = "The request is invalid: ";
  if (startsWith(line, invalid))
    return apiError(ApiError{422, "Invalid", std::string(line.substr(invalid.size()))});
  if (contains(line, "the server doesn't have a resource type")) {
    return apiError(
        ApiError{404, "NotFound", std::string(startsWith(line, "error: ") ? line.substr(7) : line)});
  }
  if (looksLikeTimeout(line)) {
    return KubeError(ErrorKind::Timeout, fmt::format("the request timed out ({})", line),
                     "check that the cluster is reachable, or raise --request-timeout");
  }
  if (startsWith(line, "The connection to the server") ||
      startsWith(line, "Unable to connect to the server") || contains(line, "connection refused") ||
      contains(line, "no such host") || contains(line, "network is unreachable") ||
      contains(line, "no route to host")) {
    return KubeError(ErrorKind::Unreachable, fmt::format("cannot reach the cluster ({})", line),
                     "check that the cluster is running and that --context/--kubeconfig select it");
  }
  if (contains(line, "error loading config file") || contains(line, "invalid configuration") ||
      startsWith(line, "Error in configuration") ||
      (startsWith(line, "error: context \"") && contains(line, "does not exist")) ||
      contains(line, "cannot locate context") || contains(line, "current-context must exist") ||
      (startsWith(line, "error: stat ") && contains(line, "no such file or directory")) ||
      contains(line, "no configuration has been provided")) {
    return KubeError(ErrorKind::Kubeconfig, fmt::format("the kubeconfig cannot be used ({})", line),
                     "fix the file, or pass a working --kubeconfig/--context");
  }
  if (line.empty()) {
    return KubeError(ErrorKind::Transport,
                     fmt::format("kubectl failed with exit code {} and no message", exitCode),
                     "rerun with -v=6 to see kubectl's requests");
  }
  return KubeError(ErrorKind::Transport, fmt::format("kubectl failed: {}", line),
                   "rerun with -v=6 to see kubectl's requests");
}

}  // namespace aiops::kube

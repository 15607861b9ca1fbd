// KubeTransport: the one interface through which the library reaches the API server. The real
// implementation runs kubectl (kubectl_transport.h); unit tests use a fake; a native HTTP client could
// replace kubectl later without touching anything above this interface.
//
// Transports never throw for cluster problems: every outcome, including "kubectl is not installed", comes
// back as a Response (or a LineStream) carrying a KubeError, so parallel requests can fail independently.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kube/errors.h"
#include "kube/resource.h"

namespace aiops::kube {

struct Response {
  std::string body;                // the raw response body (JSON, or text for logs)
  std::optional<KubeError> error;  // set when the request failed; body is then empty
  bool truncated = false;          // the body reached the byte cap and the rest was dropped
  bool ok() const { return !error.has_value(); }
};

enum class PatchType { Merge, Json, Strategic };

struct RequestOptions {
  std::size_t maxBytes = 0;  // 0: the transport's default cap
};

// Lines of a long-lived response (a watch): one JSON event per line.
class LineStream {
 public:
  virtual ~LineStream() = default;
  // The next line; nullopt when `timeout` passes first or the stream has ended (see finished()).
  virtual std::optional<std::string> next(std::chrono::milliseconds timeout) = 0;
  // True once the stream has ended and every line was read.
  virtual bool finished() = 0;
  // Why the stream ended, when it ended badly (only meaningful once finished()).
  virtual std::optional<KubeError> error() = 0;
  // Stops the stream early.
  virtual void close() = 0;
};

class KubeTransport {
 public:
  virtual ~KubeTransport() = default;

  virtual Response get(const std::string& path, const RequestOptions& options = {}) = 0;
  // Independent GETs run concurrently; results come back in the order of `paths`.
  virtual std::vector<Response> getAll(const std::vector<std::string>& paths) = 0;
  virtual Response create(const std::string& path, const std::string& body) = 0;   // POST
  virtual Response replace(const std::string& path, const std::string& body) = 0;  // PUT
  virtual Response patch(const ResourceRef& ref, PatchType type, const std::string& body) = 0;
  virtual Response remove(const std::string& path) = 0;  // DELETE
  virtual std::unique_ptr<LineStream> stream(const std::string& path) = 0;
  // The namespace of the current kubeconfig context (or of the in-cluster service account); nullopt when
  // none is set.
  virtual std::optional<std::string> contextNamespace() = 0;
};

}  // namespace aiops::kube

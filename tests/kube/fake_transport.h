// FakeTransport: a scripted KubeTransport for unit tests (never for end-to-end tests, which use kubesim).
// Responses are keyed by method and exact path (query included); anything unscripted answers 404.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kube/transport.h"

namespace aiops::kube::testing {

class FakeTransport : public KubeTransport {
 public:
  struct Call {
    std::string method;  // GET, POST, PUT, PATCH, DELETE, WATCH
    std::string path;    // for PATCH: "<kubectlName> <namespace>/<name>"
    std::string body;
    std::size_t maxBytes = 0;
    std::optional<PatchType> patchType;
  };

  // Scripts the answer to METHOD PATH.
  void respond(const std::string& method, const std::string& path, Response response);
  void respondJson(const std::string& method, const std::string& path, const std::string& body);
  void respondError(const std::string& method, const std::string& path, KubeError error);
  void respondApiError(const std::string& method, const std::string& path, int code,
                       const std::string& reason, const std::string& message);
  // Scripts a watch: the lines, then the end of the stream (with `endError` if given).
  void respondStream(const std::string& path, std::vector<std::string> lines,
                     std::optional<KubeError> endError = std::nullopt);
  void setContextNamespace(std::optional<std::string> ns) { contextNamespace_ = std::move(ns); }

  std::vector<Call> calls() const;
  std::vector<std::string> paths(const std::string& method) const;

  Response get(const std::string& path, const RequestOptions& options = {}) override;
  std::vector<Response> getAll(const std::vector<std::string>& paths) override;
  Response create(const std::string& path, const std::string& body) override;
  Response replace(const std::string& path, const std::string& body) override;
  Response patch(const ResourceRef& ref, PatchType type, const std::string& body) override;
  Response remove(const std::string& path) override;
  std::unique_ptr<LineStream> stream(const std::string& path) override;
  std::optional<std::string> contextNamespace() override { return contextNamespace_; }

 private:
  Response answer(Call call);

  mutable std::mutex mutex_;
  std::map<std::string, Response> responses_;
  std::map<std::string, std::pair<std::vector<std::string>, std::optional<KubeError>>> streams_;
  std::vector<Call> calls_;
  std::optional<std::string> contextNamespace_;
};

// A transport that forwards to `target` without owning it (for factories that must return ownership while
// the test keeps inspecting its fake).
std::unique_ptr<KubeTransport> borrow(KubeTransport& target);

}  // namespace aiops::kube::testing

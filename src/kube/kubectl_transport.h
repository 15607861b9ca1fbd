// KubectlTransport: KubeTransport over the kubectl binary (get/create/replace/delete --raw, patch, and
// --raw watch streams), so every authentication method kubectl supports works for us unchanged.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "kube/config.h"
#include "kube/transport.h"

namespace aiops::kube {

struct KubectlOptions {
  ConnectionFlags flags;
  std::string kubectlPath;                     // empty: $KUBECTL_PATH if set, else "kubectl" on PATH
  std::chrono::milliseconds deadline{60'000};  // per request, when --request-timeout is not given
  std::size_t maxBytes = 64u << 20;            // default cap on one response body
  std::function<void(std::string_view)> log;   // -v >= 1: receives command lines and kubectl's stderr
};

class KubectlTransport : public KubeTransport {
 public:
  explicit KubectlTransport(KubectlOptions options);

  Response get(const std::string& path, const RequestOptions& options = {}) override;
  std::vector<Response> getAll(const std::vector<std::string>& paths) override;
  Response create(const std::string& path, const std::string& body) override;
  Response replace(const std::string& path, const std::string& body) override;
  Response patch(const ResourceRef& ref, PatchType type, const std::string& body) override;
  Response remove(const std::string& path) override;
  std::unique_ptr<LineStream> stream(const std::string& path) override;
  std::optional<std::string> contextNamespace() override;

  // The kubectl command line for `args` with the connection flags added (exposed for tests).
  std::vector<std::string> commandLine(const std::vector<std::string>& args, bool forStream = false) const;

 private:
  struct Call {
    std::vector<std::string> args;
    std::string stdinData;
    std::size_t maxBytes = 0;
  };
  std::vector<Response> run(const std::vector<Call>& calls);
  void log(std::string_view line);

  KubectlOptions options_;
  std::string kubectl_;
  std::chrono::milliseconds timeout_{0};
  std::mutex logMutex_;
};

}  // namespace aiops::kube

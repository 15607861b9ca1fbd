// FakeTransport implementation: scripted responses, recorded calls.
#include "fake_transport.h"

#include <deque>

namespace aiops::kube::testing {
namespace {

class ScriptedStream : public LineStream {
 public:
  ScriptedStream(std::vector<std::string> lines, std::optional<KubeError> endError)
      : lines_(lines.begin(), lines.end()), endError_(std::move(endError)) {}
  std::optional<std::string> next(std::chrono::milliseconds) override {
    if (lines_.empty() || closed_) return std::nullopt;
    std::string line = std::move(lines_.front());
    lines_.pop_front();
    return line;
  }
  bool finished() override { return lines_.empty() || closed_; }
  std::optional<KubeError> error() override { return closed_ ? std::nullopt : endError_; }
  void close() override { closed_ = true; }

 private:
  std::deque<std::string> lines_;
  std::optional<KubeError> endError_;
  bool closed_ = false;
};

std::string key(const std::string& method, const std::string& path) {
  return method + " " + path;
}

}  // namespace

void FakeTransport::respond(const std::string& method, const std::string& path, Response response) {
  std::lock_guard lock(mutex_);
  responses_.insert_or_assign(key(method, path), std::move(response));
}

void FakeTransport::respondJson(const std::string& method, const std::string& path, const std::string& body) {
  respond(method, path, Response{body, std::nullopt, false});
}

void FakeTransport::respondError(const std::string& method, const std::string& path, KubeError error) {
  respond(method, path, Response{"", std::move(error), false});
}

void FakeTransport::respondApiError(const std::string& method, const std::string& path, int code,
                                    const std::string& reason, const std::string& message) {
  respondError(method, path, apiError(ApiError{code, reason, message}));
}

void FakeTransport::respondStream(const std::string& path, std::vector<std::string> lines,
                                  std::optional<KubeError> endError) {
  std::lock_guard lock(mutex_);
  streams_.insert_or_assign(path, std::make_pair(std::move(lines), std::move(endError)));
}

std::vector<FakeTransport::Call> FakeTransport::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}

std::vector<std::string> FakeTransport::paths(const std::string& method) const {
  std::vector<std::string> result;
  for (const auto& call : calls()) {
    if (call.method == method) result.push_back(call.path);
  }
  return result;
}

Response FakeTransport::answer(Call call) {
  std::lock_guard lock(mutex_);
  const std::string k = key(call.method, call.path);
  calls_.push_back(std::move(call));
  if (auto it = responses_.find(k); it != responses_.end()) return it->second;
  return Response{"", apiError(ApiError{404, "NotFound", "the server could not find the requested resource"}),
                  false};
}

Response FakeTransport::get(const std::string& path, const RequestOptions& options) {
  return answer(Call{"GET", path, "", options.maxBytes, std::nullopt});
}

std::vector<Response> FakeTransport::getAll(const std::vector<std::string>& paths) {
  std::vector<Response> result;
  for (const auto& path : paths)
    result.push_back(get(path));
  return result;
}

Response FakeTransport::create(const std::string& path, const std::string& body) {
  return answer(Call{"POST", path, body, 0, std::nullopt});
}

Response FakeTransport::replace(const std::string& path, const std::string& body) {
  return answer(Call{"PUT", path, body, 0, std::nullopt});
}

Response FakeTransport::patch(const ResourceRef& ref, PatchType type, const std::string& body) {
  return answer(Call{"PATCH", ref.type.kubectlName() + " " + ref.namespace_ + "/" + ref.name, body, 0, type});
}

Response FakeTransport::remove(const std::string& path) {
  return answer(Call{"DELETE", path, "", 0, std::nullopt});
}

std::unique_ptr<LineStream> FakeTransport::stream(const std::string& path) {
  std::lock_guard lock(mutex_);
  calls_.push_back(Call{"WATCH", path, "", 0, std::nullopt});
  if (auto it = streams_.find(path); it != streams_.end()) {
    return std::make_unique<ScriptedStream>(it->second.first, it->second.second);
  }
  return std::make_unique<ScriptedStream>(
      std::vector<std::string>{},
      apiError(ApiError{404, "NotFound", "the server could not find the requested resource"}));
}

namespace {

class Borrowed : public KubeTransport {
 public:
  explicit Borrowed(KubeTransport& target) : t_(target) {}
  Response get(const std::string& path, const RequestOptions& options) override {
    return t_.get(path, options);
  }
  std::vector<Response> getAll(const std::vector<std::string>& paths) override { return t_.getAll(paths); }
  Response create(const std::string& path, const std::string& body) override { return t_.create(path, body); }
  Response replace(const std::string& path, const std::string& body) override {
    return t_.replace(path, body);
  }
  Response patch(const ResourceRef& ref, PatchType type, const std::string& body) override {
    return t_.patch(ref, type, body);
  }
  Response remove(const std::string& path) override { return t_.remove(path); }
  std::unique_ptr<LineStream> stream(const std::string& path) override { return t_.stream(path); }
  std::optional<std::string> contextNamespace() override { return t_.contextNamespace(); }

 private:
  KubeTransport& t_;
};

}  // namespace

std::unique_ptr<KubeTransport> borrow(KubeTransport& target) {
  return std::make_unique<Borrowed>(target);
}

}  // namespace aiops::kube::testing

// kubectl as the transport: builds kubectl command lines, runs them through aiops::runProcess (in
// parallel for getAll), and turns failures into KubeError via classifyKubectlFailure.
//
// Why kubectl and not HTTP: kubectl is always present where a kubectl plugin runs and brings every
// authentication method (client certificates, tokens, exec plugins, OIDC, in-cluster accounts) for free.
// The price is a process per request, which parallel execution keeps off the critical path.
#include "kube/kubectl_transport.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <boost/json.hpp>
#include <cstdlib>

#include "support/subprocess.h"

namespace aiops::kube {
namespace {

// Grace added to --request-timeout before we kill kubectl ourselves: kubectl retries once on timeouts.
constexpr std::chrono::milliseconds kTimeoutSlack{15'000};

std::string resolveKubectl(const std::string& configured) {
  if (!configured.empty()) return configured;
  if (const char* env = std::getenv("KUBECTL_PATH"); env != nullptr && *env != '\0') return env;
  return "kubectl";
}

Response fromProcess(const ProcessResult& result) {
  Response response;
  if (result.exitCode != 0 || result.timedOut) {
    if (result.outputTruncated) {
      // We killed kubectl for exceeding the cap: the output so far is what the caller asked for.
      response.body = result.out;
      response.truncated = true;
      return response;
    }
    response.error = classifyKubectlFailure(result.err, result.exitCode, result.timedOut);
    return response;
  }
  response.body = result.out;
  response.truncated = result.outputTruncated;
  return response;
}

std::string_view patchTypeName(PatchType type) {
  switch (type) {
    case PatchType::Merge:
      return "merge";
    case PatchType::Json:
      return "json";
    case PatchType::Strategic:
      return "strategic";
  }
  return "merge";
}

// A watch: kubectl get --raw PATH?watch=1 whose stdout is a line per event.
class KubectlStream : public LineStream {
 public:
  explicit KubectlStream(const ProcessSpec& spec) : process_(spec) {}

  std::optional<std::string> next(std::chrono::milliseconds timeout) override {
    return process_.readLine(timeout);
  }
  bool finished() override { return process_.eof(); }
  std::optional<KubeError> error() override {
    if (!process_.eof()) return std::nullopt;
    // At the end of its output kubectl is exiting; give it a moment rather than signalling it mid-exit.
    auto exited = process_.wait(std::chrono::seconds(5));
    const int code = exited ? *exited : process_.terminate(std::chrono::seconds(1));
    if (code == 0 || closed_) return std::nullopt;
    return classifyKubectlFailure(process_.stderrSoFar(), code, /*timedOut=*/false);
  }
  void close() override {
    closed_ = true;
    process_.terminate(std::chrono::seconds(2));
  }

 private:
  StreamingProcess process_;
  bool closed_ = false;
};

// A stream that failed to start: finished at once with its error.
class FailedStream : public LineStream {
 public:
  explicit FailedStream(KubeError error) : error_(std::move(error)) {}
  std::optional<std::string> next(std::chrono::milliseconds) override { return std::nullopt; }
  bool finished() override { return true; }
  std::optional<KubeError> error() override { return error_; }
  void close() override {}

 private:
  KubeError error_;
};

}  // namespace

KubectlTransport::KubectlTransport(KubectlOptions options)
    : options_(std::move(options)), kubectl_(resolveKubectl(options_.kubectlPath)) {
  if (!options_.flags.requestTimeout.empty()) {
    const auto parsed = parseRequestTimeout(options_.flags.requestTimeout);
    // Zero means "no timeout" to kubectl; then we impose none either.
    timeout_ = parsed ? (parsed->count() == 0 ? std::chrono::milliseconds(0) : *parsed + kTimeoutSlack)
                      : options_.deadline;
  } else {
    timeout_ = options_.deadline;
  }
}

std::vector<std::string> KubectlTransport::commandLine(const std::vector<std::string>& args,
                                                       bool forStream) const {
  std::vector<std::string> argv{kubectl_};
  const auto& flags = options_.flags;
  if (!flags.kubeconfig.empty()) argv.push_back("--kubeconfig=" + flags.kubeconfig);
  if (!flags.context.empty()) argv.push_back("--context=" + flags.context);
  if (!flags.as.empty()) argv.push_back("--as=" + flags.as);
  for (const auto& group : flags.asGroups)
    argv.push_back("--as-group=" + group);
  // A watch is meant to outlive any request timeout; its lifetime is bounded by timeoutSeconds instead.
  if (!flags.requestTimeout.empty() && !forStream)
    argv.push_back("--request-timeout=" + flags.requestTimeout);
  if (flags.verbosity > 0) argv.push_back(fmt::format("-v={}", flags.verbosity));
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

void KubectlTransport::log(std::string_view line) {
  if (!options_.log) return;
  std::lock_guard lock(logMutex_);
  options_.log(line);
}

std::vector<Response> KubectlTransport::run(const std::vector<Call>& calls) {
  std::vector<ProcessSpec> specs;
  for (const auto& call : calls) {
    ProcessSpec spec;
    spec.argv = commandLine(call.args);
    spec.stdinData = call.stdinData;
    spec.timeout = timeout_;
    spec.maxOutputBytes = call.maxBytes != 0 ? call.maxBytes : options_.maxBytes;
    if (options_.flags.verbosity > 0) log(fmt::format("running: {}", fmt::join(spec.argv, " ")));
    specs.push_back(std::move(spec));
  }
  std::vector<ProcessResult> results;
  try {
    results = runProcesses(specs);
  } catch (const ProcessError& e) {
    return std::vector<Response>(calls.size(), Response{{}, kubectlMissing(e.what()), false});
  }
  std::vector<Response> responses;
  for (const auto& result : results) {
    if (options_.flags.verbosity > 0 && !result.err.empty()) log(result.err);
    responses.push_back(fromProcess(result));
  }
  return responses;
}

Response KubectlTransport::get(const std::string& path, const RequestOptions& options) {
  return run({Call{{"get", "--raw", path}, "", options.maxBytes}}).front();
}

std::vector<Response> KubectlTransport::getAll(const std::vector<std::string>& paths) {
  std::vector<Call> calls;
  for (const auto& path : paths)
    calls.push_back(Call{{"get", "--raw", path}, "", 0});
  return run(calls);
}

Response KubectlTransport::create(const std::string& path, const std::string& body) {
  return run({Call{{"create", "--raw", path, "-f", "-"}, body, 0}}).front();
}

Response KubectlTransport::replace(const std::string& path, const std::string& body) {
  return run({Call{{"replace", "--raw", path, "-f", "-"}, body, 0}}).front();
}

Response KubectlTransport::patch(const ResourceRef& ref, PatchType type, const std::string& body) {
  std::vector<std::string> args{"patch", ref.type.kubectlName(), ref.name};
  if (ref.type.namespaced) {
    args.push_back("-n");
    args.push_back(ref.namespace_);
  }
  args.insert(args.end(), {"--type", std::string(patchTypeName(type)), "-p", body, "-o", "json"});
  return run({Call{args, "", 0}}).front();
}

Response KubectlTransport::remove(const std::string& path) {
  return run({Call{{"delete", "--raw", path}, "", 0}}).front();
}

std::unique_ptr<LineStream> KubectlTransport::stream(const std::string& path) {
  ProcessSpec spec;
  spec.argv = commandLine({"get", "--raw", path}, /*forStream=*/true);
  if (options_.flags.verbosity > 0) log(fmt::format("streaming: {}", fmt::join(spec.argv, " ")));
  try {
    return std::make_unique<KubectlStream>(spec);
  } catch (const ProcessError& e) {
    return std::make_unique<FailedStream>(kubectlMissing(e.what()));
  }
}

std::optional<std::string> KubectlTransport::contextNamespace() {
  std::vector<std::string> args{kubectl_};
  if (!options_.flags.kubeconfig.empty()) args.push_back("--kubeconfig=" + options_.flags.kubeconfig);
  if (!options_.flags.context.empty()) args.push_back("--context=" + options_.flags.context);
  args.insert(args.end(), {"config", "view", "--minify", "-o", "json"});
  ProcessSpec spec;
  spec.argv = std::move(args);
  spec.timeout = std::chrono::seconds(20);
  spec.maxOutputBytes = 4u << 20;
  try {
    const ProcessResult result = runProcess(spec);
    if (result.exitCode == 0) {
      boost::system::error_code ec;
      const auto view = boost::json::parse(result.out, ec);
      // A kubeconfig was found: its context's namespace, or none (then "default"), never the pod's.
      if (!ec) return namespaceFromConfigView(view);
    }
  } catch (const ProcessError&) {
    // kubectl is missing: the first API request reports that with its next step.
  }
  // No usable kubeconfig: inside a pod kubectl falls back to the service account, and so do we.
  return inClusterNamespace();
}

}  // namespace aiops::kube

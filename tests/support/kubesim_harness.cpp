// The kubesim end-to-end harness (see kubesim_harness.h).
#include "kubesim_harness.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace aiops::test {

namespace fs = std::filesystem;

std::string kubesimBinary() {
  return KUBESIM_BINARY;
}

std::string kubectlAiopsBinary() {
  return KUBECTL_AIOPS_BINARY;
}

std::string e2eScenario(const std::string& name) {
  return std::string(KUBESIM_E2E_SCENARIOS) + "/" + name;
}

std::string makeTempDir(const std::string& prefix) {
  std::string tmpl = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("cannot create a temporary directory for " + prefix);
  return tmpl;
}

KubesimHarness::KubesimHarness(const std::string& scenario)
    : KubesimHarness(Options{scenario, "", {}, std::chrono::seconds(20)}) {}

KubesimHarness::KubesimHarness(Options options) {
  dir_ = makeTempDir("kubesim-e2e");
  fs::create_directories(fs::path(dir_) / "home");
  ProcessSpec spec;
  spec.argv = {kubesimBinary(), "--port", "0", "--state-dir", dir_ + "/state"};
  if (!options.scenario.empty()) spec.argv.insert(spec.argv.end(), {"--scenario", options.scenario});
  if (!options.dump.empty()) spec.argv.insert(spec.argv.end(), {"--dump", options.dump});
  spec.argv.insert(spec.argv.end(), options.extraArgs.begin(), options.extraArgs.end());
  process_ = std::make_unique<StreamingProcess>(spec);
  auto deadline = std::chrono::steady_clock::now() + options.startTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    std::optional<std::string> line = process_->readLine(left);
    if (!line) break;
    const std::string prefix = "kubesim: ready ";
    if (!line->starts_with(prefix)) continue;
    std::string rest = line->substr(prefix.size());
    url_ = rest.substr(0, rest.find(' '));
    std::size_t k = rest.find("kubeconfig=");
    if (k != std::string::npos) kubeconfig_ = rest.substr(k + 11, rest.find(' ', k) - k - 11);
    return;
  }
  std::string err = process_->stderrSoFar();
  process_->terminate(std::chrono::seconds(2));
  std::error_code ec;
  fs::remove_all(dir_, ec);
  throw std::runtime_error("kubesim did not become ready: " + (err.empty() ? std::string("no output") : err));
}

KubesimHarness::~KubesimHarness() {
  stop();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

int KubesimHarness::stop() {
  if (process_) {
    exitCode_ = process_->terminate(std::chrono::seconds(10));
    process_.reset();
  }
  return exitCode_;
}

std::map<std::string, std::string> KubesimHarness::environment() const {
  const char* path = std::getenv("PATH");
  std::string pluginDir = fs::path(kubectlAiopsBinary()).parent_path().string();
  return {{"KUBECONFIG", kubeconfig_},
          {"HOME", dir_ + "/home"},
          {"PATH", pluginDir + (path ? std::string(":") + path : std::string())}};
}

ProcessSpec KubesimHarness::kubectlSpec(const std::vector<std::string>& args,
                                        const std::string& stdinData) const {
  ProcessSpec spec;
  spec.argv = {"kubectl"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.env = environment();
  spec.stdinData = stdinData;
  return spec;
}

CommandResult KubesimHarness::kubectl(const std::vector<std::string>& args, const std::string& stdinData,
                                      std::chrono::milliseconds timeout) const {
  ProcessSpec spec = kubectlSpec(args, stdinData);
  spec.timeout = timeout;
  ProcessResult r = runProcess(spec);
  return {r.exitCode, r.out, r.err};
}

CommandResult KubesimHarness::run(std::vector<std::string> argv, const std::string& stdinData,
                                  std::chrono::milliseconds timeout) const {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.env = environment();
  spec.stdinData = stdinData;
  spec.timeout = timeout;
  ProcessResult r = runProcess(spec);
  return {r.exitCode, r.out, r.err};
}

}  // namespace aiops::test

// End-to-end test harness: runs the kubesim binary on a scenario (port 0), waits for its ready line, and runs
// the real kubectl against it with KUBECONFIG set and a private HOME, so kubectl's discovery cache never
// leaks from one server (or test run) to another. Stops kubesim on destruction.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "support/subprocess.h"

namespace aiops::test {

struct CommandResult {
  int exit = -1;
  std::string out;
  std::string err;
};

class KubesimHarness {
 public:
  struct Options {
    std::string scenario;                // a scenario file, or
    std::string dump;                    // a `kubectl cluster-info dump` directory
    std::vector<std::string> extraArgs;  // further kubesim flags
    std::chrono::milliseconds startTimeout{std::chrono::seconds(20)};
  };

  // Starts kubesim; throws std::runtime_error with kubesim's stderr when it does not become ready.
  explicit KubesimHarness(Options options);
  explicit KubesimHarness(const std::string& scenario);
  ~KubesimHarness();
  KubesimHarness(const KubesimHarness&) = delete;
  KubesimHarness& operator=(const KubesimHarness&) = delete;

  const std::string& kubeconfig() const { return kubeconfig_; }
  const std::string& url() const { return url_; }  // https://127.0.0.1:PORT
  // KUBECONFIG and HOME for any child that should talk to this server (kubectl, kubectl-aiops), and PATH
  // with the kubectl-aiops build directory first, so `kubectl aiops ...` finds the plugin.
  std::map<std::string, std::string> environment() const;

  // Runs `kubectl ARGS` to completion.
  CommandResult kubectl(const std::vector<std::string>& args, const std::string& stdinData = "",
                        std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;
  // The ProcessSpec of that run, for runProcesses or a StreamingProcess (`kubectl get -w`).
  ProcessSpec kubectlSpec(const std::vector<std::string>& args, const std::string& stdinData = "") const;
  // Runs any program with this server's environment.
  CommandResult run(std::vector<std::string> argv, const std::string& stdinData = "",
                    std::chrono::milliseconds timeout = std::chrono::seconds(60)) const;

  // SIGTERM, then the exit status (0 for a clean stop); also done by the destructor.
  int stop();

 private:
  std::unique_ptr<StreamingProcess> process_;
  std::string dir_;
  std::string kubeconfig_;
  std::string url_;
  int exitCode_ = -1;
};

// The kubesim binary this build made.
std::string kubesimBinary();
// Where this build puts kubectl-aiops (built by the tests that need it).
std::string kubectlAiopsBinary();
// tests/e2e/scenarios/<name>.
std::string e2eScenario(const std::string& name);
// A fresh directory under the system temp directory, removed by the caller.
std::string makeTempDir(const std::string& prefix);

}  // namespace aiops::test

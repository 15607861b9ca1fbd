// aiops-gate watch and upgrade: thin wrappers over the plugin's `rollout watch` and over `helm upgrade`.
#include "monitor_commands.h"

#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string_view>

#include "cli.h"
#include "gate/helm.h"
#include "kube/client.h"
#include "kube/kubectl_transport.h"
#include "support/output.h"
#include "support/subprocess.h"
#include "support/timestamps.h"

namespace aiops::gate_cli {
namespace {

constexpr int kExitUsage = 2;
constexpr int kExitHelm = 3;

std::string selfPath() {
  if (auto onPath = findOnPath("aiops-gate")) return *onPath;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("aiops-gate") : self.string();
}

int usage(const std::string& message) {
  std::cerr << "error: " << message << "; see 'aiops-gate upgrade --help'\n";
  return kExitUsage;
}

}  // namespace

std::optional<std::string> recordRefusalEvent(const std::string& message) {
  const char* ns = std::getenv("HELM_NAMESPACE");
  if (ns == nullptr || *ns == '\0') return std::nullopt;
  kube::KubectlOptions options;
  options.flags.namespace_ = ns;
  if (const char* context = std::getenv("HELM_KUBECONTEXT")) options.flags.context = context;
  options.deadline = std::chrono::seconds(5);  // Helm waits on the post-renderer: never hang it for long
  kube::KubectlTransport transport(std::move(options));
  kube::Client client(transport);
  const std::string stamp = formatTimestamp(std::chrono::system_clock::now());
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  const boost::json::object event{
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", boost::json::object{{"name", fmt::format("aiops-gate.{:x}", nanos)}, {"namespace", ns}}},
      {"involvedObject", boost::json::object{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"name", ns}}},
      {"reason", "PostRenderRefused"},
      {"message", message.substr(0, 1024)},
      {"type", "Warning"},
      {"source", boost::json::object{{"component", "aiops-gate"}}},
      {"reportingComponent", "aiops-gate"},
      {"firstTimestamp", stamp},
      {"lastTimestamp", stamp},
      {"count", 1}};
  try {
    client.create(kube::types::events, ns, event);
  } catch (const kube::KubeError& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

int runWatch(const std::vector<std::string>& args) {
  plugin::Streams streams{std::cout, std::cerr, colourWanted(STDOUT_FILENO)};
  plugin::Environment env;
  env.programName = "aiops-gate";
  env.helpHint = "see 'aiops-gate watch --help'";
  env.errIsTerminal = isatty(STDERR_FILENO) == 1;
  env.makeTransport = [](const kube::ConnectionFlags& flags, plugin::Streams& s) {
    kube::KubectlOptions options;
    options.flags = flags;
    if (flags.verbosity > 0)
      options.log = [&s](std::string_view line) { s.err << line << (line.ends_with('\n') ? "" : "\n"); };
    return std::make_unique<kube::KubectlTransport>(std::move(options));
  };
  std::vector<std::string> command{"rollout", "watch"};
  command.insert(command.end(), args.begin(), args.end());
  const int code = plugin::runCli(command, streams, env);
  std::cout.flush();
  return code;
}

int runUpgrade(const std::vector<std::string>& args) {
  if (!args.empty() && (args.front() == "--help" || args.front() == "-h")) {
    std::cout
        << "aiops-gate upgrade: helm upgrade with the gate's post-renderer, then watch the release's gated\n"
           "rollouts; exits non-zero when the gate halted one, so CI pipelines see it.\n\n"
           "Usage:\n"
           "  aiops-gate upgrade [--all] [--canary N] [--window D] [rollout watch flags] -- <helm upgrade "
           "args>\n\n"
           "--all, --canary and --window go to the post-renderer (and --canary and --window to the\n"
           "monitor); every other flag before '--' is a 'kubectl aiops rollout watch' flag.\n\n"
           "Example:\n"
           "  aiops-gate upgrade --window 2m -- todo ./charts/todo-chatbot -n todo --set "
           "backend.image=ghcr.io/todo-chatbot/backend:1.5.0\n\n"
           "Exit status: 0 every gated rollout succeeded, 1 one was halted, 4 one was inconclusive, 2 usage\n"
           "error, 3 helm upgrade failed or a cluster error.\n";
    return 0;
  }
  const auto dashes = std::find(args.begin(), args.end(), "--");
  if (dashes == args.end()) return usage("put the helm upgrade arguments after '--'");
  const std::vector<std::string> helmArgs(dashes + 1, args.end());
  const gate::HelmUpgradeArgs parsed = gate::parseHelmUpgradeArgs(helmArgs);
  if (parsed.release.empty() || parsed.chart.empty())
    return usage("helm upgrade needs a release and a chart: -- RELEASE CHART [flags]");

  std::vector<std::string> rendererArgs;
  std::vector<std::string> watchArgs{"--release", parsed.release};
  for (auto it = args.begin(); it != dashes; ++it) {
    const std::string& a = *it;
    const bool gateFlag = a == "--canary" || a == "--window";
    if (a == "--all") {
      rendererArgs.push_back(a);
    } else if (gateFlag || a.starts_with("--canary=") || a.starts_with("--window=")) {
      std::string flag = a;
      if (gateFlag) {
        if (std::next(it) == dashes) return usage(a + " needs a value");
        flag += "=" + *++it;
      }
      rendererArgs.push_back(flag);
      watchArgs.push_back(flag);
    } else {
      watchArgs.push_back(a);
    }
  }
  if (!parsed.namespace_.empty()) watchArgs.insert(watchArgs.end(), {"-n", parsed.namespace_});
  if (!parsed.kubeContext.empty()) watchArgs.insert(watchArgs.end(), {"--context", parsed.kubeContext});
  if (!parsed.kubeconfig.empty()) watchArgs.insert(watchArgs.end(), {"--kubeconfig", parsed.kubeconfig});

  ProcessSpec helm;
  helm.argv = {"helm", "upgrade"};
  helm.argv.insert(helm.argv.end(), helmArgs.begin(), helmArgs.end());
  helm.argv.insert(helm.argv.end(), {"--post-renderer", selfPath()});
  for (const std::string& a : rendererArgs)
    helm.argv.push_back("--post-renderer-args=" + a);
  std::cerr << "running: helm upgrade";
  for (std::size_t i = 2; i < helm.argv.size(); ++i)
    std::cerr << ' ' << helm.argv[i];
  std::cerr << std::endl;
  ProcessResult upgraded;
  try {
    upgraded = runProcess(helm);
  } catch (const ProcessError& e) {
    std::cerr << "error: " << e.what() << '\n';
    return kExitHelm;
  }
  std::cerr << upgraded.out << upgraded.err;
  if (upgraded.exitCode != 0) {
    std::cerr << "error: helm upgrade failed (exit " << upgraded.exitCode << "); nothing to watch\n";
    return kExitHelm;
  }
  return runWatch(watchArgs);
}

}  // namespace aiops::gate_cli

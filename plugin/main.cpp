// kubectl-aiops entry point: wires runCli to the real streams, clock and kubectl; nothing else.
#include <unistd.h>

#include <iostream>

#include "cli.h"
#include "kube/kubectl_transport.h"
#include "support/output.h"

int main(int argc, char** argv) {
  using namespace aiops;
  plugin::Streams streams{std::cout, std::cerr, colourWanted(STDOUT_FILENO)};
  plugin::Environment env;
  env.programName = plugin::programNameFor(argc > 0 ? argv[0] : "kubectl-aiops");
  env.errIsTerminal = isatty(STDERR_FILENO) == 1;
  env.makeTransport = [](const kube::ConnectionFlags& flags, plugin::Streams& s) {
    kube::KubectlOptions options;
    options.flags = flags;
    if (flags.verbosity > 0)
      options.log = [&s](std::string_view line) { s.err << line << (line.ends_with('\n') ? "" : "\n"); };
    return std::make_unique<kube::KubectlTransport>(std::move(options));
  };
  const int code =
      plugin::runCli(std::vector<std::string>(argv + (argc > 0 ? 1 : 0), argv + argc), streams, env);
  std::cout.flush();
  return code;
}

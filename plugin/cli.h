// The kubectl-aiops front end: parses the command line, runs one subcommand, and maps every outcome to the
// documented exit status. main() only wires it to the real streams, clock and kubectl.
#pragma once

#include <string>
#include <vector>

#include "common.h"

namespace aiops::plugin {

enum ExitCode : int {
  kExitOk = 0,
  kExitProblems = 1,  // problems found (unhealthy cluster, gate failed)
  kExitUsage = 2,     // unknown command or flag, invalid value
  kExitCluster = 3,   // cluster or I/O error
};

// `args` excludes argv[0]; the program name comes from `env.programName`.
int runCli(const std::vector<std::string>& args, Streams& streams, const Environment& env);

}  // namespace aiops::plugin

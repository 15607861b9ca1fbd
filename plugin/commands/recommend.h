// `kubectl aiops recommend scaling|resources`: an autoscaler for a Deployment under sustained high or low
// CPU, and right-sized requests and limits from a week of metrics history; each proposed as a medium-risk
// operation, so approval, apply, checkpoints and the PHR come from governance.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "commands/operations.h"
#include "common.h"
#include "kube/client.h"
#include "rightsize/rightsize.h"

namespace aiops::plugin::recommend {

enum class Kind { Scaling, Resources };

struct Options {
  Kind kind = Kind::Scaling;  // set by the subcommand that parsed
  CommonOptions common;
  std::string targetText;   // "deploy/NAME", "deployment/NAME" or "NAME"; empty: every Deployment
  std::string historyPath;  // --history; default history::defaultStorePath()
  std::string windowText;   // scaling: --window (default 1h), the history the load is judged on
  std::int64_t days = 7;    // resources: --days, the history required and used
  bool allowShortHistory = false;
  std::int64_t targetPercent = 70;    // scaling: --target-cpu
  std::int64_t headroomPercent = 10;  // scaling: --headroom
  std::string priceCpuText;           // --price-cpu (USD per core-hour); else AIOPS_PRICE_CPU
  std::string priceMemoryText;        // --price-memory (USD per GiB-hour); else AIOPS_PRICE_MEMORY
  bool noRecord = false;
  operations::GovernanceFlags governance;

  // Set by validate().
  std::string deployment;
  std::int64_t windowSeconds = 3600;
  rightsize::Prices prices;

  WallTime now;             // set by the front end
  std::string commandLine;  // recorded as the PHR's prompt; set by the front end
};

// Adds `recommend` with its `scaling` and `resources` subcommands; returns [recommend, scaling, resources].
std::vector<CLI::App*> add(CLI::App& parent, Options& options);
// Parses the target, --window, --days, the percentages and prices; throws UsageError.
void validate(Options& options);
// 0 when every workload was assessed (with or without a recommendation), 1 when one could not be (too little
// history, a crash or OOM kill in the window, no CPU request), 3 for cluster and history-store errors.
int run(const Options& options, kube::Client& client, Streams& streams);

}  // namespace aiops::plugin::recommend

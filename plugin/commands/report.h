// `kubectl aiops report resources`: the daily resource report (per pod and per node usage, PVCs, network I/O,
// over- and under-provisioned pods with their recommendations) from the metrics history, recorded as a PHR.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "commands/operations.h"
#include "common.h"
#include "kube/client.h"
#include "rightsize/report.h"

namespace aiops::plugin::report {

struct Options {
  CommonOptions common;
  std::string windowText = "24h";          // --window, as typed
  std::string history;                     // --history; empty: history::defaultStorePath()
  bool noRecord = false;                   // --no-record
  operations::GovernanceFlags governance;  // --phr-repo, --phr-remote

  std::int64_t windowSeconds = 86400;  // set by validate()
  WallTime now;                        // set by the front end
  std::string commandLine;             // recorded as the PHR's prompt; set by the front end
};

// Registers `report` with its subcommand `resources`; returns `resources`.
CLI::App* add(CLI::App& parent, Options& options);
// Checks -o and --window; throws UsageError.
void validate(Options& options);
// 0 when the report was produced (over- and under-provisioned pods are part of the report, not a failure: the
// report runs from a CronJob); 3 when the cluster or the history store cannot be read.
int run(const Options& options, kube::Client& client, Streams& streams);

// "24h", "90m", "1h30m" (Go durations, as --since) or "7d"; nullopt when malformed or not positive.
std::optional<std::int64_t> parseWindow(std::string_view text);

}  // namespace aiops::plugin::report

// `kubectl aiops collect`: samples the cluster's metrics into the history store every interval (or reads them
// from Prometheus), for the recommend and report commands.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "common.h"
#include "history/collector.h"
#include "history/store.h"
#include "kube/client.h"

namespace aiops::plugin::collect {

struct Options {
  CommonOptions common;
  std::string intervalText = "30s";
  std::string forText;
  bool once = false;
  std::string historyText;  // empty: history::defaultStorePath()
  std::string sourceText = "metrics-api";
  std::string retentionRawText = "8d";
  std::string retentionAggregateText = "90d";

  // Set by validate():
  history::CollectOptions collect;
  history::Retention retention;
  std::filesystem::path history;
  // Tests replace the signal handling: nullptr stops on SIGINT/SIGTERM.
  std::function<bool()> stop;
};

CLI::App* add(CLI::App& parent, Options& options);
// Throws UsageError for a bad duration, --source or -o.
void validate(Options& options);
// 0 when done (--once, --for, or stopped by SIGINT/SIGTERM after finishing the round in progress); 3 when
// the metrics API is not served, the store cannot be opened or written, or Prometheus answers an error.
int run(const Options& options, kube::Client& client, Streams& streams);

// "30s", "1m30s", "8d", "2h" -> seconds (units d, h, m, s); nullopt for anything else or 0.
std::optional<std::int64_t> parseDurationSeconds(std::string_view text);
// The progress line of one round: "2026-11-20T09:05:00Z  12 pods  26 samples stored (0 already stored)  1
// termination".
std::string roundLine(const history::RoundReport& report, bool prometheus);

}  // namespace aiops::plugin::collect

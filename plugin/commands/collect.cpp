// `kubectl aiops collect`: flags, the store, signal handling and one progress line per round around
// history::Collector.
#include "commands/collect.h"

#include <fmt/format.h>

#include <atomic>
#include <boost/json.hpp>
#include <csignal>
#include <set>

#include "kube/config.h"
#include "support/timestamps.h"

namespace aiops::plugin::collect {
namespace {

namespace json = boost::json;

std::atomic<bool> gStopRequested{false};

extern "C" void onStopSignal(int) {
  gStopRequested.store(true);
}

// SIGINT and SIGTERM set a flag that the collector checks between rounds and while it sleeps, so the round
// in progress finishes its transaction; the previous handlers come back when the run ends.
class StopSignals {
 public:
  StopSignals() {
    gStopRequested.store(false);
    struct sigaction action {};
    action.sa_handler = onStopSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, &oldInt_);
    sigaction(SIGTERM, &action, &oldTerm_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &oldInt_, nullptr);
    sigaction(SIGTERM, &oldTerm_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction oldInt_ {};
  struct sigaction oldTerm_ {};
};

std::string plural(std::size_t n, const char* word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

std::string timeText(std::int64_t unixSeconds) {
  return formatTimestamp(WallTime(std::chrono::seconds(unixSeconds)));
}

std::optional<history::PrometheusSource> parseSource(const std::string& text) {
  const std::string prefix = "prometheus=";
  if (!text.starts_with(prefix)) return std::nullopt;
  const std::string rest = text.substr(prefix.size());
  const auto slash = rest.find('/');
  const auto colon = rest.rfind(':');
  if (slash == std::string::npos || colon == std::string::npos || colon < slash) return std::nullopt;
  history::PrometheusSource source{rest.substr(0, slash), rest.substr(slash + 1, colon - slash - 1),
                                   rest.substr(colon + 1)};
  if (source.namespace_.empty() || source.service.empty() || source.port.empty()) return std::nullopt;
  return source;
}

std::int64_t durationFlag(const std::string& flag, const std::string& text) {
  const auto seconds = parseDurationSeconds(text);
  if (!seconds) {
    throw UsageError(fmt::format("invalid {} '{}'; use a duration such as 30s, 5m, 1h30m or 8d", flag, text));
  }
  return *seconds;
}

json::object roundJson(const history::RoundReport& r) {
  json::array warnings;
  for (const std::string& w : r.warnings)
    warnings.emplace_back(w);
  return json::object{{"serverTime", r.serverTime > 0 ? json::value(timeText(r.serverTime)) : json::value()},
                      {"pods", r.pods},
                      {"samplesStored", r.samplesNew},
                      {"samplesAlreadyStored", r.samplesSeen - r.samplesNew},
                      {"terminations", r.events},
                      {"warnings", std::move(warnings)}};
}

}  // namespace

std::optional<std::int64_t> parseDurationSeconds(std::string_view text) {
  const auto duration = parseDuration(text);
  if (!duration || duration->count() <= 0) return std::nullopt;
  return duration->count();
}

std::string roundLine(const history::RoundReport& r, bool prometheus) {
  const std::string stored = fmt::format("{} stored ({} already stored)", plural(r.samplesNew, "sample"),
                                         r.samplesSeen - r.samplesNew);
  if (prometheus) return fmt::format("{}  {} from Prometheus", timeText(r.serverTime), stored);
  return fmt::format("{}  {}  {}  {}", timeText(r.serverTime), plural(r.pods, "pod"), stored,
                     plural(r.events, "termination"));
}

CLI::App* add(CLI::App& parent, Options& options) {
  auto* command = parent.add_subcommand(
      "collect", "Sample CPU, memory and application metrics into the local history store, every interval");
  command
      ->add_option("--interval", options.intervalText,
                   "Time between rounds on the API server's clock (at least 1s)")
      ->default_str("30s");
  command->add_option("--for", options.forText, "Stop after this much server time (default: until stopped)");
  command->add_flag("--once", options.once, "One round, then exit");
  command->add_option("--history", options.historyText,
                      "The history store file (default: $AIOPS_HISTORY, else "
                      "~/.local/state/kubectl-aiops/history.db)");
  command
      ->add_option("--source", options.sourceText,
                   "Where the metrics come from: metrics-api (metrics-server), or "
                   "prometheus=NAMESPACE/SERVICE:PORT (range queries through the API server's service proxy)")
      ->default_str("metrics-api");
  command->add_option("--retention-raw", options.retentionRawText, "How long raw samples are kept")
      ->default_str("8d");
  command
      ->add_option("--retention-aggregate", options.retentionAggregateText,
                   "How long the 5-minute aggregates of older samples are kept")
      ->default_str("90d");
  addCommonFlags(*command, options.common);
  command->footer(fmt::format(
      "Examples:\n"
      "  # Every namespace, every 30 seconds, until Ctrl-C\n"
      "  {0} collect -A\n"
      "  # One namespace for a day, every minute\n"
      "  {0} collect -n shop --interval 1m --for 24h\n"
      "  # One round, from cron\n"
      "  {0} collect -A --once\n"
      "  # A cluster without metrics-server: 30 days of history from Prometheus\n"
      "  {0} collect -A --source prometheus=monitoring/prometheus-server:80 --once\n\n"
      "Exit status:\n"
      "  0  done (--once, --for, or stopped by SIGINT/SIGTERM after the round in progress)\n"
      "  2  usage error (unknown flag, invalid value)\n"
      "  3  cluster or I/O error (metrics API not served, pods not readable, history store unusable, "
      "Prometheus error)\n",
      parent.get_name()));
  return command;
}

void validate(Options& options) {
  validateCommon(options.common);
  if (options.common.output != OutputFormat::Text && options.common.output != OutputFormat::Json) {
    throw UsageError(fmt::format("collect prints text or json (one object per round), not '{}'",
                                 options.common.outputText));
  }
  history::CollectOptions& c = options.collect;
  c.intervalSeconds = durationFlag("--interval", options.intervalText);
  if (!options.forText.empty()) {
    if (options.once) throw UsageError("--once and --for exclude each other: --once is a single round");
    c.forSeconds = durationFlag("--for", options.forText);
  }
  c.once = options.once;
  if (options.sourceText != "metrics-api") {
    c.prometheus = parseSource(options.sourceText);
    if (!c.prometheus) {
      throw UsageError(fmt::format(
          "invalid --source '{}'; use metrics-api or prometheus=NAMESPACE/SERVICE:PORT", options.sourceText));
    }
  }
  options.retention.rawSeconds = durationFlag("--retention-raw", options.retentionRawText);
  options.retention.aggregateSeconds = durationFlag("--retention-aggregate", options.retentionAggregateText);
  if (options.retention.aggregateSeconds < options.retention.rawSeconds) {
    throw UsageError(fmt::format("--retention-aggregate ({}) must be at least --retention-raw ({})",
                                 options.retentionAggregateText, options.retentionRawText));
  }
  options.history =
      options.historyText.empty() ? history::defaultStorePath() : std::filesystem::path(options.historyText);
}

int run(const Options& options, kube::Client& client, Streams& streams) {
  history::CollectOptions c = options.collect;
  const auto& connection = options.common.connection;
  c.namespace_ =
      connection.allNamespaces ? std::string() : kube::resolveNamespace(connection, client.transport());

  std::unique_ptr<history::Store> store;
  try {
    std::error_code ec;
    if (options.history.has_parent_path())
      std::filesystem::create_directories(options.history.parent_path(), ec);
    store = history::Store::open(history::StoreOptions{options.history, options.retention, false});
  } catch (const history::StoreError& e) {
    streams.err << "error: " << e.what() << '\n';
    return 3;
  }

  std::optional<StopSignals> signals;
  std::function<bool()> stop = options.stop;
  if (!stop) {
    signals.emplace();
    stop = [] { return gStopRequested.load(); };
  }
  std::set<std::string> warned;  // a warning that repeats every round is printed once
  const bool json = options.common.output == OutputFormat::Json;
  auto onRound = [&](const history::RoundReport& r) {
    if (json) {
      streams.out << json::serialize(roundJson(r)) << '\n' << std::flush;
    } else if (r.serverTime > 0) {
      streams.out << roundLine(r, c.prometheus.has_value()) << '\n' << std::flush;
    } else if (r.warnings.empty()) {  // an empty namespace, or a metrics-server that has not scraped yet
      streams.out << fmt::format("no metrics yet ({} seen); waiting for the metrics API's first window\n",
                                 plural(r.pods, "pod"))
                  << std::flush;
    }
    for (const std::string& w : r.warnings) {
      if (warned.insert(w).second) streams.err << "warning: " << w << '\n' << std::flush;
    }
  };
  history::Collector collector(client, *store, c);
  try {
    collector.run(stop, onRound);
  } catch (const history::MetricsUnavailable& e) {
    streams.err << "error: " << e.what() << '\n';
    return 3;
  } catch (const history::StoreError& e) {
    streams.err << "error: " << e.what() << '\n';
    return 3;
  } catch (const kube::KubeError&) {
    throw;                                 // the front end's one-line error and exit 3
  } catch (const std::runtime_error& e) {  // Prometheus' error answers
    streams.err << "error: " << e.what() << '\n';
    return 3;
  }
  return 0;
}

}  // namespace aiops::plugin::collect

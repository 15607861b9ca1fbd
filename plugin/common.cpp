// Shared flags and helpers for every subcommand.
#include "common.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

namespace aiops::plugin {

void addCommonFlags(CLI::App& command, CommonOptions& options) {
  auto& c = options.connection;
  command
      .add_option("-n,--namespace", c.namespace_, "Namespace to work in (default: the context's namespace)")
      ->group("Connection");
  command.add_flag("-A,--all-namespaces", c.allNamespaces, "Work across all namespaces (ignores -n)")
      ->group("Connection");
  command.add_option("--context", c.context, "Kubeconfig context to use")->group("Connection");
  command.add_option("--kubeconfig", c.kubeconfig, "Path to the kubeconfig file")->group("Connection");
  command.add_option("--as", c.as, "Username to impersonate")->group("Connection");
  command.add_option("--as-group", c.asGroups, "Group to impersonate (repeatable)")
      ->take_all()
      ->expected(1)
      ->group("Connection");
  command.add_option("--request-timeout", c.requestTimeout, "Per-request timeout: 30s, 1m, 0 (none)")
      ->group("Connection");
  command.add_option("-v,--v", c.verbosity, "Log level: 1+ prints kubectl commands, 6+ kubectl's requests")
      ->group("Connection");
  command.add_option("-o,--output", options.outputText, "Output format: text, json, yaml or markdown")
      ->group("Output");
}

void validateCommon(CommonOptions& options) {
  static const std::vector<std::pair<std::string, OutputFormat>> formats{
      {"text", OutputFormat::Text},
      {"json", OutputFormat::Json},
      {"yaml", OutputFormat::Yaml},
      {"markdown", OutputFormat::Markdown}};
  const auto it = std::find_if(formats.begin(), formats.end(),
                               [&](const auto& entry) { return entry.first == options.outputText; });
  if (it == formats.end()) {
    throw UsageError(
        fmt::format("invalid output format '{}'; use one of text, json, yaml, markdown", options.outputText));
  }
  options.output = it->second;
  const auto& c = options.connection;
  if (!c.requestTimeout.empty() && !kube::parseRequestTimeout(c.requestTimeout)) {
    throw UsageError(fmt::format("invalid --request-timeout '{}'; use a duration such as 30s, 2m or 0 (none)",
                                 c.requestTimeout));
  }
  // A namespace name is a DNS-1123 label; anything else would only fail later at the server.
  static const std::regex label("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  if (!c.namespace_.empty() && (c.namespace_.size() > 63 || !std::regex_match(c.namespace_, label))) {
    throw UsageError(fmt::format(
        "invalid namespace '{}'; a namespace is a lowercase DNS label (a-z, 0-9, '-')", c.namespace_));
  }
  if (!c.asGroups.empty() && c.as.empty()) {
    throw UsageError("--as-group needs --as: kubectl impersonates groups only together with a user");
  }
  if (c.verbosity < 0) throw UsageError(fmt::format("invalid -v {}; use a level from 0 to 10", c.verbosity));
}

std::string programNameFor(std::string_view argv0) {
  const auto slash = argv0.find_last_of('/');
  const std::string_view base = slash == std::string_view::npos ? argv0 : argv0.substr(slash + 1);
  return base.substr(0, 8) == "kubectl-" ? "kubectl aiops" : "kubectl-aiops";
}

std::vector<std::string> normaliseShortFlags(const std::vector<std::string>& args) {
  std::vector<std::string> result;
  for (const auto& arg : args) {
    if (arg.size() > 3 && arg[0] == '-' && arg[1] != '-' && arg[2] == '=') {
      result.push_back(arg.substr(0, 2));
      result.push_back(arg.substr(3));
    } else {
      result.push_back(arg);
    }
  }
  return result;
}

std::size_t commonFlagSpan(const std::vector<std::string>& args, std::size_t i) {
  // The flags exactly as every subcommand declares them, so this cannot drift from addCommonFlags.
  struct Probe {
    CommonOptions options;
    CLI::App app;
    Probe() {
      app.set_help_flag();
      addCommonFlags(app, options);
    }
  };
  static const Probe probe;
  const std::string& arg = args[i];
  if (arg.size() < 2 || arg[0] != '-' || arg == "--") return 0;
  std::string name = arg;
  bool attached = false;  // the value is in the same argument
  if (arg.starts_with("--")) {
    if (const auto eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      attached = true;
    }
  } else if (arg.size() > 2) {
    name = arg.substr(0, 2);
    attached = true;
  }
  const CLI::Option* option = probe.app.get_option_no_throw(name);
  if (option == nullptr) return 0;
  const bool takesValue = option->get_items_expected_max() > 0;
  return takesValue && !attached ? 2 : 1;
}

namespace {

std::size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::size_t commandIndex(const std::vector<std::string>& args) {
  std::size_t i = 0;
  while (i < args.size()) {
    const std::string& arg = args[i];
    if (arg == "--") return args.size();  // only operands follow; a command never does
    if (arg.empty() || arg[0] != '-' || arg == "-") return i;
    const std::size_t span = commonFlagSpan(args, i);
    i += span == 0 ? 1 : span;
  }
  return args.size();
}

std::vector<std::string> hoistCommonFlags(const std::vector<std::string>& args) {
  std::size_t i = 0;
  while (i < args.size()) {
    const std::size_t span = commonFlagSpan(args, i);
    if (span == 0) break;
    i += span;
  }
  // Nothing to move, or what follows the flags is not a command word: leave it all to the parser.
  if (i == 0 || i >= args.size() || args[i].empty() || args[i][0] == '-') return args;
  std::vector<std::string> result{args[i]};
  result.insert(result.end(), args.begin(), args.begin() + static_cast<std::ptrdiff_t>(i));
  result.insert(result.end(), args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
  return result;
}

bool progressWanted(const CommonOptions& options, bool errIsTerminal) {
  const bool forPeople = options.output == OutputFormat::Text || options.output == OutputFormat::Markdown;
  return errIsTerminal && forPeople && options.connection.verbosity == 0;
}

std::optional<std::string> closestMatch(std::string_view word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t bestDistance = 3;
  for (const auto& candidate : candidates) {
    const bool prefix = !word.empty() && candidate.starts_with(word);
    const std::size_t distance = prefix ? 0 : editDistance(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

std::string exitStatusHelp(std::string_view problemsMeaning) {
  return fmt::format(
      "Exit status:\n"
      "  0  success\n"
      "  1  {}\n"
      "  2  usage error (unknown command or flag, invalid value)\n"
      "  3  cluster or I/O error (unreachable, forbidden, kubeconfig or kubectl problem)\n",
      problemsMeaning);
}

}  // namespace aiops::plugin

// What every subcommand shares: the injected output streams, the connection and output flags, usage
// errors, and the spelling suggestions for mistyped words.
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "kube/config.h"
#include "kube/transport.h"
#include "support/timestamps.h"

namespace aiops::plugin {

// Commands write only here, never to std::cout, so tests can capture both streams.
struct Streams {
  std::ostream& out;
  std::ostream& err;
  bool colour = false;    // colour on `out` (a terminal, NO_COLOR unset)
  bool progress = false;  // a progress line may be drawn on `err` (support/progress.h); set by runCli
  std::chrono::milliseconds progressDelay{1000};  // how long work runs before its progress line appears
};

enum class OutputFormat { Text, Json, Yaml, Markdown };

// The flags on every subcommand: connection flags forwarded to kubectl, and -o.
struct CommonOptions {
  kube::ConnectionFlags connection;
  std::string outputText = "text";  // as typed; validated into `output`
  OutputFormat output = OutputFormat::Text;
};

// A mistake in the command line: exit status 2, with a pointer to the command's help.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What the front end needs from the outside world; tests replace each part.
struct Environment {
  std::string programName = "kubectl aiops";  // "kubectl aiops" in plugin mode, else "kubectl-aiops"
  // Creates the transport for the parsed connection flags (KubectlTransport in the real binary).
  std::function<std::unique_ptr<kube::KubeTransport>(const kube::ConnectionFlags&, Streams&)> makeTransport;
  std::function<WallTime()> now = [] { return std::chrono::system_clock::now(); };
  bool errIsTerminal = false;  // stderr is a terminal: progress lines may be drawn there
  std::chrono::milliseconds progressDelay{1000};
  std::string helpHint;  // replaces "see 'kubectl aiops <command> --help'" (another front end's own words)
};

// Binds -n/--namespace, -A/--all-namespaces, --context, --kubeconfig, --as, --as-group, --request-timeout,
// -o/--output and -v/--v to `options`.
void addCommonFlags(CLI::App& command, CommonOptions& options);

// Checks the common flags: -o is one of the formats, --request-timeout parses, -n is a DNS label.
// Throws UsageError.
void validateCommon(CommonOptions& options);

// "kubectl aiops" when argv[0]'s basename starts with "kubectl-" (kubectl runs plugins that way).
std::string programNameFor(std::string_view argv0);

// kubectl accepts "-n=shop" and "-v=6"; CLI11 reads those as the values "=shop" and "=6". This splits
// "-X=value" into "-X" "value" before parsing.
std::vector<std::string> normaliseShortFlags(const std::vector<std::string>& args);

// How many arguments the common flag at args[i] spans: 2 for "-n todo", 1 for "-A", "--namespace=todo" or
// "-ntodo", and 0 when args[i] is not one of the flags addCommonFlags declares.
std::size_t commonFlagSpan(const std::vector<std::string>& args, std::size_t i);

// The index of the subcommand word in `args` (skipping the common flags and their values), or args.size()
// when there is none. Other flags are assumed to take no value.
std::size_t commandIndex(const std::vector<std::string>& args);

// kubectl users put flags anywhere: "-n todo status" means "status -n todo". Moves the common flags (with
// their values) that come before the subcommand to just after it. Stops at the first other flag (--help, a
// typo), leaving the rest for the parser to accept or reject.
std::vector<std::string> hoistCommonFlags(const std::vector<std::string>& args);

// Whether a command may draw a progress line: stderr is a terminal, the output is for people (text or
// Markdown; never JSON or YAML, which scripts read), and -v is 0 (kubectl's log lines would tear the line).
bool progressWanted(const CommonOptions& options, bool errIsTerminal);

// The closest candidate to `word` (edit distance <= 2, or `word` a prefix of it); nullopt when none is close.
std::optional<std::string> closestMatch(std::string_view word, const std::vector<std::string>& candidates);

// The exit-status section every command's help ends with.
std::string exitStatusHelp(std::string_view problemsMeaning);

}  // namespace aiops::plugin

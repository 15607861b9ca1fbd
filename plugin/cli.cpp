// Command-line dispatch and the single place where errors become exit codes.
#include "cli.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <optional>

#include "commands/audit.h"
#include "commands/collect.h"
#include "commands/diagnose.h"
#include "commands/operations.h"
#include "commands/phr.h"
#include "commands/recommend.h"
#include "commands/report.h"
#include "commands/rollout.h"
#include "commands/runbook.h"
#include "commands/status.h"
#include "commands/version.h"
#include "history/store.h"
#include "kube/client.h"
#include "support/subprocess.h"

namespace aiops::plugin {
namespace {

// "The following argument was not expected: x" -> "the following argument was not expected: x".
std::string lowerFirst(std::string text) {
  if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z' &&
      !(text.size() > 1 && text[1] >= 'A' && text[1] <= 'Z')) {
    text[0] = static_cast<char>(text[0] - 'A' + 'a');
  }
  return text;
}

// The command line as a shell would take it back, for the PHR records' prompt field.
std::string commandLineOf(const std::string& program, const std::vector<std::string>& args) {
  std::string line = program;
  for (const std::string& arg : args) {
    const bool plain = !arg.empty() && arg.find_first_not_of(
                                           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                           "0123456789-_./=:,@+") == std::string::npos;
    if (plain) {
      line += " " + arg;
      continue;
    }
    std::string quoted = "'";
    for (char c : arg)
      quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    line += " " + quoted + "'";
  }
  return line;
}

}  // namespace

int runCli(const std::vector<std::string>& rawArgs, Streams& streams, const Environment& env) {
  const std::string& program = env.programName;
  CLI::App app{"AI-assisted operations for Kubernetes: diagnose, recommend, approve, apply and audit",
               program};
  app.footer(fmt::format(
      "Run '{0} <command> --help' for a command's flags, examples and exit status.\n"
      "The flags every command shares (-n, -A, --context, --kubeconfig, -o, ...) may also come before the "
      "command: '{0} -n shop status'.",
      program));

  version::Options versionOptions;
  status::Options statusOptions;
  CLI::App* versionCommand = version::add(app, versionOptions);
  CLI::App* statusCommand = status::add(app, statusOptions);
  runbook::Options runbookOptions;
  CLI::App* runbookCommand = runbook::add(app, runbookOptions);
  diagnose::Options diagnoseOptions;
  CLI::App* diagnoseCommand = diagnose::add(app, diagnoseOptions);
  phr::Options phrOptions;
  CLI::App* phrCommand = phr::add(app, phrOptions);
  operations::Options operationsOptions;
  const std::vector<CLI::App*> operationsCommands = operations::add(app, operationsOptions);
  audit::Options auditOptions;
  CLI::App* auditCommand = audit::add(app, auditOptions);
  collect::Options collectOptions;
  CLI::App* collectCommand = collect::add(app, collectOptions);
  recommend::Options recommendOptions;
  const std::vector<CLI::App*> recommendCommands = recommend::add(app, recommendOptions);
  report::Options reportOptions;
  CLI::App* reportCommand = report::add(app, reportOptions);
  rollout::Options rolloutOptions;
  CLI::App* rolloutCommand = rollout::add(app, rolloutOptions);
  const std::vector<std::string> commands{"apply",   "approve",   "audit",  "collect", "diagnose", "pending",
                                          "phr",     "recommend", "reject", "report",  "rollback", "rollout",
                                          "runbook", "show",      "status", "verify",  "version"};

  const std::vector<std::string> args = hoistCommonFlags(normaliseShortFlags(rawArgs));
  const std::size_t wordIndex = commandIndex(args);
  const std::string word = wordIndex < args.size() ? args[wordIndex] : std::string();
  const bool known = std::find(commands.begin(), commands.end(), word) != commands.end();
  const std::string helpHint =
      !env.helpHint.empty() ? env.helpHint
                            : fmt::format("see '{}{} --help'", program, known ? " " + word : std::string());

  try {
    if (!word.empty() && !known) {
      const auto suggestion = closestMatch(word, commands);
      throw UsageError(
          fmt::format("unknown command '{}' for '{}'{}", word, program,
                      suggestion ? fmt::format("; did you mean '{}'?", *suggestion) : std::string()));
    }
    if (word.empty() && !args.empty() && commonFlagSpan(args, 0) > 0) {
      throw UsageError(fmt::format("no command given for flag '{}'; use one of: {}", args.front(),
                                   fmt::join(commands, ", ")));
    }
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 consumes from the back
    try {
      app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
      streams.out
          << app.help();  // delegates to the parsed subcommand, with the full "kubectl aiops status" usage
      return kExitOk;
    } catch (const CLI::CallForAllHelp&) {
      streams.out << app.help("", CLI::AppFormatMode::All);
      return kExitOk;
    } catch (const CLI::ParseError& e) {
      throw UsageError(lowerFirst(e.what()));
    }

    if (word.empty()) {  // no command: show what there is, as kubectl does for a bare plugin
      streams.out << app.help();
      return kExitOk;
    }

    if (runbookCommand->parsed()) {  // offline: no transport, so no kubectl and no kubeconfig needed
      runbook::validate(runbookOptions);
      return runbook::run(runbookOptions, streams);
    }
    if (phrCommand->parsed()) {  // the journal is local: no transport, no cluster
      phrOptions.now = env.now();
      phr::validate(phrOptions);
      return phr::run(phrOptions, streams);
    }

    const bool operationsParsed = std::any_of(operationsCommands.begin(), operationsCommands.end(),
                                              [](const CLI::App* c) { return c->parsed(); });
    if (operationsParsed || auditCommand->parsed()) {
      // pending, show and audit read the journal and the policy: they need the cluster only for the
      // policy's ConfigMap, and only when neither --policy nor AIOPS_POLICY names one.
      CommonOptions& common = operationsParsed ? operationsOptions.common : auditOptions.common;
      bool needsCluster = false;
      if (operationsParsed) {
        operationsOptions.now = env.now();
        operationsOptions.commandLine = commandLineOf(program, rawArgs);
        operations::validate(operationsOptions);
        needsCluster = operations::usesExecutor(operationsOptions.action) ||
                       !operations::policyIsLocal(operationsOptions.governance.policy);
      } else {
        auditOptions.now = env.now();
        audit::validate(auditOptions);
        needsCluster = !operations::policyIsLocal(auditOptions.governance.policy);
      }
      Streams commandStreams{streams.out, streams.err, streams.colour,
                             progressWanted(common, env.errIsTerminal), env.progressDelay};
      std::unique_ptr<kube::KubeTransport> transport;
      std::optional<kube::Client> client;
      if (needsCluster) {
        transport = env.makeTransport(common.connection, commandStreams);
        client.emplace(*transport);
      }
      kube::Client* clientPtr = client ? &*client : nullptr;
      if (operationsParsed) return operations::run(operationsOptions, clientPtr, commandStreams);
      return audit::run(auditOptions, clientPtr, commandStreams);
    }

    CommonOptions* common = versionCommand->parsed()         ? &versionOptions.common
                            : collectCommand->parsed()       ? &collectOptions.common
                            : diagnoseCommand->parsed()      ? &diagnoseOptions.common
                            : reportCommand->parsed()        ? &reportOptions.common
                            : rolloutCommand->parsed()       ? &rolloutOptions.common
                            : recommendCommands[0]->parsed() ? &recommendOptions.common
                                                             : &statusOptions.common;
    if (versionCommand->parsed()) version::validate(versionOptions);
    if (statusCommand->parsed()) status::validate(statusOptions);
    if (diagnoseCommand->parsed()) diagnose::validate(diagnoseOptions);
    if (collectCommand->parsed()) collect::validate(collectOptions);
    if (reportCommand->parsed()) report::validate(reportOptions);
    if (rolloutCommand->parsed()) rollout::validate(rolloutOptions);
    if (recommendCommands[0]->parsed()) recommend::validate(recommendOptions);

    Streams commandStreams{streams.out, streams.err, streams.colour,
                           progressWanted(*common, env.errIsTerminal), env.progressDelay};
    std::unique_ptr<kube::KubeTransport> transport = env.makeTransport(common->connection, commandStreams);
    kube::Client client(*transport);
    if (versionCommand->parsed()) return version::run(versionOptions, client, commandStreams);
    if (collectCommand->parsed()) return collect::run(collectOptions, client, commandStreams);
    if (diagnoseCommand->parsed()) {
      diagnoseOptions.now = env.now();
      diagnoseOptions.commandLine = commandLineOf(program, rawArgs);
      return diagnose::run(diagnoseOptions, client, commandStreams);
    }
    if (recommendCommands[0]->parsed()) {
      recommendOptions.now = env.now();
      recommendOptions.commandLine = commandLineOf(program, rawArgs);
      return recommend::run(recommendOptions, client, commandStreams);
    }
    if (rolloutCommand->parsed()) {
      rolloutOptions.now = env.now();
      rolloutOptions.commandLine = commandLineOf(program, rawArgs);
      return rollout::run(rolloutOptions, client, commandStreams);
    }
    if (reportCommand->parsed()) {
      reportOptions.now = env.now();
      reportOptions.commandLine = commandLineOf(program, rawArgs);
      return report::run(reportOptions, client, commandStreams);
    }
    statusOptions.now = env.now();
    return status::run(statusOptions, client, commandStreams);
  } catch (const UsageError& e) {
    const std::string_view message = e.what();
    streams.err << "error: " << message << (message.ends_with('?') ? " " : "; ") << helpHint << '\n';
    return kExitUsage;
  } catch (const kube::KubeError& e) {
    streams.err << "error: " << e.what() << '\n';
    return kExitCluster;
  } catch (const history::StoreError& e) {
    streams.err << "error: " << e.what() << '\n';
    return kExitCluster;
  } catch (const ProcessError& e) {
    streams.err << "error: " << e.what() << '\n';
    return kExitCluster;
  } catch (const std::exception& e) {  // a bug or resource exhaustion: still one line, never a stack trace
    streams.err << "error: unexpected failure (" << e.what() << "); please report it with the command line\n";
    return kExitCluster;
  }
}

}  // namespace aiops::plugin

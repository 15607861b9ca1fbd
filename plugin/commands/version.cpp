// `kubectl aiops version`: client version from the build, server version from GET /version.
#include "commands/version.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "support/output.h"
#include "support/progress.h"

#ifndef AIOPS_VERSION
#define AIOPS_VERSION "0.0.0"
#endif
#ifndef AIOPS_GIT_COMMIT
#define AIOPS_GIT_COMMIT ""
#endif

namespace aiops::plugin::version {

CLI::App* add(CLI::App& parent, Options& options) {
  auto* command =
      parent.add_subcommand("version", "Print the plugin version and the cluster's server version");
  command->add_flag("--client", options.clientOnly,
                    "Print the plugin version only; do not contact the cluster");
  addCommonFlags(*command, options.common);
  command->footer(
      fmt::format("Examples:\n"
                  "  # Plugin and server versions\n"
                  "  {0} version\n"
                  "  # Machine-readable, without contacting the cluster\n"
                  "  {0} version --client -o json\n\n"
                  "Output (-o json): {{\"clientVersion\": {{\"version\", \"gitCommit\"?}}, "
                  "\"serverVersion\"?: the API server's "
                  "/version}}\n\n{1}",
                  parent.get_name(), exitStatusHelp("not used")));
  return command;
}

void validate(Options& options) {
  validateCommon(options.common);
}

boost::json::object clientVersion() {
  boost::json::object client;
  client["version"] = std::string("v") + AIOPS_VERSION;
  if (std::string_view(AIOPS_GIT_COMMIT).size() > 0) client["gitCommit"] = AIOPS_GIT_COMMIT;
  return client;
}

int run(const Options& options, kube::Client& client, Streams& streams) {
  boost::json::object result;
  result["clientVersion"] = clientVersion();
  if (!options.clientOnly) {
    const auto fetched = [&] {
      ProgressLine progress(streams.err, streams.progress, "Asking the API server for its version",
                            streams.progressDelay);
      return client.getAll({"/version"});
    }();
    if (fetched.front().ok()) {
      result["serverVersion"] = fetched.front().value;
    } else {
      streams.err << "warning: the server version is unavailable: " << fetched.front().error->what() << '\n';
    }
  }
  const std::string clientText = std::string(result["clientVersion"].at("version").as_string());
  std::string serverText;
  if (const auto* server = result.if_contains("serverVersion")) {
    const auto* git = server->is_object() ? server->as_object().if_contains("gitVersion") : nullptr;
    serverText = git && git->is_string() ? std::string(git->as_string()) : "unknown";
  }
  switch (options.common.output) {
    case OutputFormat::Json:
      streams.out << toPrettyJson(result);
      break;
    case OutputFormat::Yaml:
      streams.out << toYaml(result);
      break;
    case OutputFormat::Markdown: {
      Table table({"Component", "Version"});
      table.addRow({{"Client (kubectl-aiops)"}, {clientText}});
      if (!serverText.empty()) table.addRow({{"Server"}, {serverText}});
      table.printMarkdown(streams.out);
      break;
    }
    case OutputFormat::Text:
      streams.out << "Client Version: " << clientText << '\n';
      if (!serverText.empty()) streams.out << "Server Version: " << serverText << '\n';
      break;
  }
  return 0;
}

}  // namespace aiops::plugin::version

// `kubectl aiops report resources`: lists the pods, nodes and PVCs, opens the history store read-only, builds
// rightsize::ResourceReport, prints it and records it as a report PHR.
#include "commands/report.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <filesystem>

#include "execute/identity.h"
#include "governance/journal.h"
#include "history/store.h"
#include "support/output.h"
#include "support/progress.h"

namespace aiops::plugin::report {
namespace {

namespace json = boost::json;
namespace rs = aiops::rightsize;

// The report's PHR: what was reported on, a one-line summary and the whole document as its findings.
std::string recordRun(const Options& options, const rs::ResourceReport& r, const json::value& document,
                      const governance::Identity& actor, Streams& streams) {
  governance::JournalOptions journalOptions = operations::journalOptions(options.governance, true);
  journalOptions.now = [now = options.now] { return now; };
  governance::Journal journal(journalOptions);
  governance::DiagnosisRun run;
  run.target = r.allNamespaces ? governance::Target{"", "Cluster", "", "all-namespaces", "", 0}
                               : governance::Target{"v1", "Namespace", "", r.namespace_, "", 0};
  run.summary = fmt::format("resource report for {}: {} over-provisioned, {} under-provisioned",
                            rs::scopeText(r), r.overProvisioned.size(), r.underProvisioned.size());
  std::int64_t withHistory = 0;
  for (const rs::PodReport& p : r.pods)
    withHistory += p.hasHistory ? 1 : 0;
  run.rationale = fmt::format(
      "{} pods ({} with history) and {} nodes over {} s of history; monthly saving "
      "${:.2f}",
      r.pods.size(), withHistory, r.nodes.size(), r.windowSeconds, r.monthlySaving);
  for (const rs::ProvisioningItem& item : r.underProvisioned) {
    for (const rs::ProvisioningReason& reason : item.reasons)
      run.evidence.push_back(
          fmt::format("under-provisioned {}/{}: {}", item.namespace_, item.pod, reason.text));
  }
  for (const rs::ProvisioningItem& item : r.overProvisioned) {
    for (const rs::ProvisioningReason& reason : item.reasons)
      run.evidence.push_back(
          fmt::format("over-provisioned {}/{}: {}", item.namespace_, item.pod, reason.text));
  }
  run.findings = document;
  run.text.command = options.commandLine;
  const governance::Appended recorded = journal.recordReport(run, actor);
  for (const auto& w : recorded.warnings)
    streams.err << "warning: " << w << '\n';
  return recorded.feature + "/" + recorded.id;
}

const json::value* listed(const kube::Fetched& fetched, const char* what, Streams& streams) {
  if (fetched.ok()) return &fetched.value;
  streams.err << "warning: " << what << " not shown: " << fetched.error->what() << '\n';
  return nullptr;
}

}  // namespace

CLI::App* add(CLI::App& parent, Options& options) {
  auto* report = parent.add_subcommand("report", "Reports built from the metrics history");
  report->require_subcommand(1);
  // The front end moves "-n shop" typed before the command to just after "report": bind the same flags here.
  addCommonFlags(*report, options.common);
  auto* command = report->add_subcommand("resources",
                                         "Per pod and per node CPU, memory, PVC and network use over a day, "
                                         "with the over- and under-provisioned "
                                         "pods and their right-sized requests");
  command
      ->add_option("--window", options.windowText,
                   "How much history, ending at the newest sample: 24h, 90m, 7d")
      ->default_str("24h");
  command->add_option(
      "--history", options.history,
      "The history store (default: $AIOPS_HISTORY, else ~/.local/state/kubectl-aiops/history.db)");
  command->add_flag("--no-record", options.noRecord, "Do not record the report in the PHR journal");
  addCommonFlags(*command, options.common);
  operations::addGovernanceFlags(*command, options.governance, false);
  command->footer(
      fmt::format("Examples:\n"
                  "  # The last day of the current namespace (collected by '{0} collect')\n"
                  "  {0} report resources\n"
                  "  # Every namespace over a week, for a script\n"
                  "  {0} report resources -A --window 7d -o json\n"
                  "  # A report to paste into a ticket, without recording it\n"
                  "  {0} report resources -n shop -o markdown --no-record\n\n"
                  "Exit status:\n"
                  "  0  the report was produced (over- and under-provisioned pods are listed in it)\n"
                  "  2  usage error\n"
                  "  3  the cluster or the history store could not be read",
                  parent.get_name()));
  return command;
}

void validate(Options& options) {
  validateCommon(options.common);
  const auto window = parseDuration(options.windowText);
  if (!window || window->count() <= 0) {
    throw UsageError(fmt::format("invalid --window '{}'; use a positive duration such as 24h, 90m or 7d",
                                 options.windowText));
  }
  options.windowSeconds = window->count();
}

int run(const Options& options, kube::Client& client, Streams& streams) {
  const auto& connection = options.common.connection;
  const std::string ns = kube::resolveNamespace(connection, client.transport());
  const bool all = connection.allNamespaces;

  const std::filesystem::path storePath =
      options.history.empty() ? history::defaultStorePath() : std::filesystem::path(options.history);
  std::error_code ec;
  if (!std::filesystem::exists(storePath, ec)) {
    throw history::StoreError(fmt::format(
        "no history store at {}; run 'kubectl aiops collect' first, or name the store with --history",
        storePath.string()));
  }
  history::StoreOptions storeOptions;
  storeOptions.path = storePath;
  storeOptions.readOnly = true;
  const std::unique_ptr<history::Store> store = history::Store::open(storeOptions);

  const std::string scope = all ? "all namespaces" : "namespace " + ns;
  std::vector<kube::Fetched> lists;
  {
    ProgressLine progress(streams.err, streams.progress, "Listing pods, nodes and claims in " + scope,
                          streams.progressDelay);
    std::vector<kube::ListRequest> requests{{kube::types::pods, all ? "" : ns, {}},
                                            {kube::types::nodes, "", {}},
                                            {kube::types::persistentVolumeClaims, all ? "" : ns, {}}};
    // A node's requested resources count every pod on it, whatever its namespace.
    if (!all) requests.push_back({kube::types::pods, "", {}});
    lists = client.listAll(requests);
  }
  const json::value& pods = lists[0].get();  // without the pods there is no report
  const json::value empty = json::object{{"items", json::array()}};
  const json::value* nodes = listed(lists[1], "nodes", streams);
  const json::value* claims = listed(lists[2], "PVC capacities", streams);
  const json::value* nodePods = all ? &pods : nullptr;
  if (!all) {
    if (lists[3].ok()) {
      nodePods = &lists[3].value;
    } else if (nodes != nullptr) {
      streams.err << "warning: the nodes' requested resources count the pods of " << scope
                  << " only: " << lists[3].error->what() << '\n';
    }
  }
  const rs::ClusterFacts facts = rs::clusterFacts(pods, nodePods, nodes ? *nodes : empty, claims);

  rs::ReportOptions reportOptions;
  reportOptions.namespace_ = ns;
  reportOptions.allNamespaces = all;
  reportOptions.windowSeconds = options.windowSeconds;
  const rs::ResourceReport r = [&] {
    ProgressLine progress(streams.err, streams.progress, "Reading the history of " + scope,
                          streams.progressDelay);
    return rs::buildReport(*store, facts, reportOptions);
  }();
  const json::value document = rs::toJson(r);

  std::optional<std::string> recorded;
  if (!options.noRecord) {
    try {
      recorded = recordRun(options, r, document, execute::whoAmI(client), streams);
    } catch (const std::exception& e) {  // the report stands without its record
      streams.err << "warning: the report was not recorded in the PHR journal: " << e.what() << '\n';
    }
  }
  switch (options.common.output) {
    case OutputFormat::Json:
      streams.out << toPrettyJson(document);
      break;
    case OutputFormat::Yaml:
      streams.out << toYaml(document);
      break;
    case OutputFormat::Markdown:
      rs::printMarkdown(r, streams.out);
      break;
    case OutputFormat::Text:
      rs::printText(r, streams.out, streams.colour);
      break;
  }
  const bool documentOutput =
      options.common.output == OutputFormat::Json || options.common.output == OutputFormat::Yaml;
  if (recorded && !documentOutput) streams.out << "\nRecorded as PHR " << *recorded << ".\n";
  return 0;
}

}  // namespace aiops::plugin::report

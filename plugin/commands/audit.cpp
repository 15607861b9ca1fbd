// `kubectl aiops audit compliance`: governance::auditMonth over the journal, as a table, JSON or YAML.
#include "commands/audit.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <ctime>
#include <regex>

#include "support/output.h"

namespace aiops::plugin::audit {
namespace {

namespace json = boost::json;

std::string approversText(const std::vector<governance::Approval>& approvals) {
  std::string text;
  for (const auto& a : approvals) {
    if (a.decision != governance::Decision::Approve) continue;
    text += (text.empty() ? "" : ", ") + a.identity.user;
  }
  return text.empty() ? "-" : text;
}

std::string monthOf(WallTime time) {
  const std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&t, &utc);
  return fmt::format("{:04}-{:02}", utc.tm_year + 1900, utc.tm_mon + 1);
}

}  // namespace

CLI::App* add(CLI::App& parent, Options& options) {
  auto* audit = parent.add_subcommand("audit", "Audit the PHR journal against the risk policy");
  audit->require_subcommand(1);
  // Also before the subcommand ('audit --context x compliance'): the front end moves the shared flags there.
  addCommonFlags(*audit, options.common);
  operations::addGovernanceFlags(*audit, options.governance, true);
  const std::string program = parent.get_name();
  auto* compliance = audit->add_subcommand(
      "compliance", "Every medium-or-higher operation executed in a month, and whether its approvals comply");
  compliance->add_option("--month", options.month,
                         "The month to audit, YYYY-MM in UTC (default: this month)");
  addCommonFlags(*compliance, options.common);
  operations::addGovernanceFlags(*compliance, options.governance, true);
  compliance->footer(
      fmt::format("Examples:\n  {0} audit compliance --month 2026-11\n  {0} audit compliance --month 2026-11 "
                  "-o json\n\n{1}",
                  program, exitStatusHelp("at least one operation lacks an approval the policy requires")));
  compliance->callback([&options] { options.action = Action::Compliance; });
  return audit;
}

void validate(Options& options) {
  validateCommon(options.common);
  if (options.common.output == OutputFormat::Markdown) {
    throw UsageError(
        fmt::format("invalid output format '{}'; use one of text, json, yaml", options.common.outputText));
  }
  if (options.month.empty()) options.month = monthOf(options.now);
  static const std::regex month("[0-9]{4}-(0[1-9]|1[0-2])");
  if (!std::regex_match(options.month, month))
    throw UsageError(fmt::format("invalid --month '{}'; use YYYY-MM, e.g. 2026-11", options.month));
}

int run(const Options& options, kube::Client* client, Streams& streams) {
  try {
    const governance::RiskPolicy policy = operations::resolvePolicy(options.governance.policy, client);
    governance::Journal journal(operations::journalOptions(options.governance, false));
    const governance::ComplianceReport report = governance::auditMonth(journal, policy, options.month);
    const std::size_t violations = report.violations();
    if (options.common.output != OutputFormat::Text) {
      const json::value doc = complianceJson(journal.path().string(), policy.source, report);
      streams.out << (options.common.output == OutputFormat::Yaml ? toYaml(doc) : toPrettyJson(doc));
      return violations == 0 ? 0 : 1;
    }
    auto& out = streams.out;
    if (report.rows.empty()) {
      out << fmt::format("No medium-or-higher operations were executed in {}.\n", report.month);
      return 0;
    }
    Table table(
        {"OPERATION", "RISK", "TARGET", "EXECUTED", "REQUESTED BY", "APPROVED BY", "STATUS", "COMPLIANCE"});
    for (const auto& row : report.rows) {
      std::string verdict = "ok";
      if (!row.violations.empty()) {
        verdict = "VIOLATION: ";
        for (std::size_t i = 0; i < row.violations.size(); ++i)
          verdict += (i == 0 ? "" : "; ") + row.violations[i];
      }
      table.addRow({{row.operationId},
                    {std::string(model::toString(row.risk))},
                    {row.target.display()},
                    {formatTimestamp(row.executed)},
                    {row.requestedBy},
                    {approversText(row.approvals)},
                    {std::string(governance::toString(row.status))},
                    {verdict, row.violations.empty() ? Colour::Green : Colour::Red}});
    }
    table.printText(out, streams.colour);
    std::size_t failing = 0;
    for (const auto& row : report.rows)
      failing += row.violations.empty() ? 0 : 1;
    out << fmt::format("\n{} operation{} executed in {} (policy: {}): {} compliant, {} with violations.\n",
                       report.rows.size(), report.rows.size() == 1 ? "" : "s", report.month, policy.source,
                       report.rows.size() - failing, failing);
    return violations == 0 ? 0 : 1;
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  } catch (const governance::JournalError& e) {
    streams.err << "error: " << e.what() << '\n';
    return 3;
  }
}

json::value complianceJson(const std::string& journal, const std::string& policy,
                           const governance::ComplianceReport& report) {
  json::array rows;
  for (const auto& row : report.rows) {
    json::array approvals;
    for (const auto& a : row.approvals) {
      approvals.push_back(
          json::object{{"user", a.identity.user},
                       {"decision", a.decision == governance::Decision::Approve ? "approve" : "reject"},
                       {"time", formatTimestamp(a.time)},
                       {"justification", a.justification},
                       {"changeSha256", a.changeSha256}});
    }
    json::array violations;
    for (const auto& v : row.violations)
      violations.emplace_back(v);
    rows.push_back(json::object{{"operationId", row.operationId},
                                {"risk", model::toString(row.risk)},
                                {"target", governance::toJson(row.target)},
                                {"summary", row.summary},
                                {"status", governance::toString(row.status)},
                                {"executed", formatTimestamp(row.executed)},
                                {"requestedBy", row.requestedBy},
                                {"approvals", std::move(approvals)},
                                {"compliant", row.violations.empty()},
                                {"violations", std::move(violations)}});
  }
  return json::object{{"journal", journal},
                      {"policy", policy},
                      {"month", report.month},
                      {"violations", report.violations()},
                      {"operations", std::move(rows)}};
}

}  // namespace aiops::plugin::audit

// `kubectl aiops pending|show|approve|reject|apply|verify|rollback` over governance::Journal and
// execute::Executor; text, JSON or YAML.
#include "commands/operations.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <regex>
#include <set>

#include "execute/executor.h"
#include "execute/identity.h"
#include "governance/canonical.h"
#include "support/output.h"

namespace aiops::plugin::operations {
namespace {

namespace json = boost::json;
using governance::Journal;
using governance::JournalError;
using governance::OperationData;
using governance::Status;

constexpr std::string_view kPolicyNamespace = "aiops-system";
constexpr std::string_view kPolicyConfigMap = "aiops-risk-policy";
constexpr std::string_view kPolicyKey = "policy.yaml";

std::optional<std::string> environment(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

std::string footer(const std::string& program, std::string_view examples, std::string_view problems) {
  return fmt::format("Examples:\n{}\n{}", fmt::format(fmt::runtime(examples), program),
                     exitStatusHelp(problems));
}

std::string ago(WallTime now, WallTime then) {
  return humanDuration(std::chrono::duration_cast<std::chrono::seconds>(now - then));
}

std::string expiresText(const governance::RiskPolicy& policy, const OperationData& current, WallTime now) {
  const auto at = governance::expiresAt(policy, current);
  if (!at) return "-";
  if (*at <= now) return "expired";
  return humanDuration(std::chrono::duration_cast<std::chrono::seconds>(*at - now));
}

Colour riskColour(model::Risk risk) {
  return risk == model::Risk::Critical ? Colour::Red
         : risk == model::Risk::High   ? Colour::Yellow
                                       : Colour::None;
}

model::ObjectRef objectRef(const governance::Target& target) {
  model::ObjectRef ref;
  ref.apiVersion = target.apiVersion;
  ref.kind = target.kind;
  ref.namespace_ = target.namespace_;
  ref.name = target.name;
  return ref;
}

// The change as the command that would make it by hand: what the approver reads and approves.
std::string changeCommand(const governance::Target& target, const governance::Change& change) {
  std::optional<model::PatchType> type;
  switch (change.type) {
    case governance::ChangeType::Merge:
      type = model::PatchType::Merge;
      break;
    case governance::ChangeType::Json:
      type = model::PatchType::Json;
      break;
    case governance::ChangeType::Strategic:
      type = model::PatchType::Strategic;
      break;
    case governance::ChangeType::Manifest:
      break;
  }
  if (!type) return "kubectl apply -f - <<'EOF'\n" + toPrettyJson(change.body) + "EOF";
  return model::kubectlPatchCommand(objectRef(target), model::Patch{*type, change.body});
}

std::string targetText(const governance::Target& target) {
  std::string text = target.display();
  if (!target.uid.empty()) text += fmt::format(" (uid {}, generation {})", target.uid, target.generation);
  return text;
}

void print(const json::value& doc, OutputFormat format, std::ostream& out) {
  out << (format == OutputFormat::Yaml ? toYaml(doc) : toPrettyJson(doc));
}

json::value timeOrNull(std::optional<WallTime> time) {
  return time ? json::value(formatTimestamp(*time)) : json::value(nullptr);
}

json::value operationJson(const governance::RiskPolicy& policy, const OperationData& op, WallTime now) {
  json::object o;
  o["operationId"] = op.operationId;
  o["status"] = op.status ? json::value(governance::toString(*op.status)) : json::value(nullptr);
  o["risk"] = model::toString(op.risk);
  o["target"] = governance::toJson(op.target);
  o["summary"] = op.summary;
  o["updated"] = formatTimestamp(op.time);
  o["expiresAt"] = timeOrNull(governance::expiresAt(policy, op));
  o["needs"] = needsText(policy, op);
  o["changeSha256"] = op.changeSha256;
  const auto at = governance::expiresAt(policy, op);
  o["expired"] = at.has_value() && *at <= now;
  return o;
}

// The first record of an operation names who asked and when.
struct Origin {
  std::string requestedBy;
  WallTime proposed{};
};

Origin originOf(Journal& journal, const std::string& operationId) {
  governance::Filter filter;
  filter.operationId = operationId;
  filter.kind = governance::RecordKind::Recommendation;
  const auto records = journal.list(filter);
  if (records.empty()) return {};
  return Origin{records.front().record.aiops.actor.user, records.front().record.aiops.time};
}

// --- the journal's side ------------------------------------------------------------------------------------

Journal openJournal(const Options& options, bool create) {
  return Journal(journalOptions(options.governance, create));
}

governance::StoredRecord latestOf(Journal& journal, const std::string& operationId) {
  try {
    return journal.show(operationId);
  } catch (const JournalError& e) {
    if (e.kind() == JournalError::Kind::NotFound) {
      throw UsageError(
          fmt::format("operation {} not found in the PHR journal; list them with 'kubectl aiops "
                      "pending --all'",
                      operationId));
    }
    throw;
  }
}

int runPending(const Options& options, const governance::RiskPolicy& policy, Streams& streams) {
  Journal journal = openJournal(options, false);
  const std::string& ns = options.common.connection.namespace_;
  std::vector<OperationData> shown;
  std::vector<governance::OperationSummary> summaries;
  for (const auto& summary : journal.operations()) {
    if (!options.all && summary.status != Status::Proposed && summary.status != Status::Approved) continue;
    if (!ns.empty() && !options.common.connection.allNamespaces && summary.target.namespace_ != ns) continue;
    shown.push_back(journal.show(summary.operationId).record.aiops);
    summaries.push_back(summary);
  }
  if (options.common.output != OutputFormat::Text) {
    json::value doc = pendingJson(journal.path().string(), policy, shown, options.now);
    auto& list = doc.as_object()["operations"].as_array();
    for (std::size_t i = 0; i < summaries.size(); ++i) {
      auto& o = list[i].as_object();
      o["requestedBy"] = summaries[i].requestedBy;
      o["proposed"] = formatTimestamp(summaries[i].proposed);
    }
    print(doc, options.common.output, streams.out);
    return 0;
  }
  if (shown.empty()) {
    streams.out << (options.all ? "No operations in the PHR journal" : "No pending operations")
                << (ns.empty() || options.common.connection.allNamespaces ? std::string()
                                                                          : " in namespace " + ns)
                << ".\n";
    return 0;
  }
  std::vector<std::string> headers{"ID",           "RISK", "TARGET",     "SUMMARY",
                                   "REQUESTED BY", "AGE",  "EXPIRES IN", "NEEDS"};
  if (options.all) headers.insert(headers.begin() + 1, "STATUS");
  Table table(headers);
  for (std::size_t i = 0; i < shown.size(); ++i) {
    const OperationData& op = shown[i];
    const auto& summary = summaries[i];
    std::vector<Table::Cell> row{{op.operationId},
                                 {std::string(model::toString(op.risk)), riskColour(op.risk)},
                                 {op.target.display()},
                                 {op.summary},
                                 {summary.requestedBy},
                                 {ago(options.now, summary.proposed)},
                                 {expiresText(policy, op, options.now)},
                                 {needsText(policy, op)}};
    if (options.all) row.insert(row.begin() + 1, {std::string(governance::toString(summary.status))});
    table.addRow(std::move(row));
  }
  table.printText(streams.out, streams.colour);
  return 0;
}

void printShowText(const governance::RiskPolicy& policy, const OperationData& op, const Origin& origin,
                   const std::vector<governance::StoredRecord>& records, WallTime now, Streams& streams) {
  auto& out = streams.out;
  const auto field = [&out](std::string_view name, const std::string& value) {
    out << fmt::format("{:<14}{}\n", std::string(name) + ":", value);
  };
  field("Operation", op.operationId);
  field("Status", op.status ? std::string(governance::toString(*op.status)) : "-");
  field("Risk", std::string(model::toString(op.risk)));
  field("Target", targetText(op.target));
  field("Summary", op.summary);
  if (!op.action.empty()) field("Action", op.action);
  field("Requested by", fmt::format("{} at {} ({} ago)", origin.requestedBy, formatTimestamp(origin.proposed),
                                    ago(now, origin.proposed)));
  if (!op.source.empty()) field("Source", op.source);
  if (const auto at = governance::expiresAt(policy, op))
    field("Expires", fmt::format("{} ({})", formatTimestamp(*at),
                                 *at <= now ? "expired" : "in " + expiresText(policy, op, now)));
  field("Needs", needsText(policy, op));
  if (!op.rationale.empty()) field("Why", op.rationale);
  if (!op.outcome.empty()) field("Outcome", op.outcome);

  if (op.change) {
    out << fmt::format("\nChange ({}, sha256 {}):\n  {}\n", governance::toString(op.change->type),
                       op.changeSha256, changeCommand(op.target, *op.change));
  }
  if (op.rollback) {
    out << fmt::format("Rollback ({}):\n  {}\n", governance::toString(op.rollback->type),
                       changeCommand(op.target, *op.rollback));
  } else {
    out << "Rollback: restore the recorded before-state"
        << (op.beforeSha256.empty() ? "" : fmt::format(" (sha256 {})", op.beforeSha256)) << '\n';
  }

  out << "\nApprovals:\n";
  if (op.approvals.empty()) {
    out << "  none yet\n";
  } else {
    Table table({"  USER", "DECISION", "TIME", "CHANGE", "REASON"});
    for (const auto& a : op.approvals) {
      table.addRow({{"  " + a.identity.user},
                    {a.decision == governance::Decision::Approve ? "approve" : "reject"},
                    {formatTimestamp(a.time)},
                    {a.changeSha256.substr(0, 12)},
                    {a.justification}});
    }
    table.printText(out, streams.colour);
  }
  if (!op.checkpoints.empty()) {
    out << "\nCheckpoints:\n";
    Table table({"  NAME", "TIME", "RESULT", "SUMMARY"});
    for (const auto& c : op.checkpoints) {
      table.addRow({{"  " + c.name},
                    {formatTimestamp(c.time)},
                    {c.passed ? "passed" : "failed", c.passed ? Colour::Green : Colour::Red},
                    {c.summary}});
    }
    table.printText(out, streams.colour);
  }
  out << "\nRecords:\n";
  Table table({"  RECORD", "TIME", "KIND", "STATUS", "USER"});
  for (const auto& s : records) {
    const auto& a = s.record.aiops;
    table.addRow({{"  " + a.operationId + "/" + s.record.header.id},
                  {formatTimestamp(a.time)},
                  {std::string(governance::toString(a.record))},
                  {a.status ? std::string(governance::toString(*a.status)) : "-"},
                  {a.actor.user}});
  }
  table.printText(out, streams.colour);
}

int runShow(const Options& options, const governance::RiskPolicy& policy, Streams& streams) {
  Journal journal = openJournal(options, false);
  const governance::StoredRecord latest = latestOf(journal, options.operationId);
  governance::Filter filter;
  filter.operationId = options.operationId;
  const auto records = journal.list(filter);
  if (options.common.output != OutputFormat::Text) {
    print(showJson(policy, latest.record.aiops, records, options.now), options.common.output, streams.out);
    return 0;
  }
  printShowText(policy, latest.record.aiops, originOf(journal, options.operationId), records, options.now,
                streams);
  return 0;
}

// --- the executor's side -----------------------------------------------------------------------------------

void printWarnings(const governance::Appended& appended, Streams& streams) {
  for (const auto& warning : appended.warnings)
    streams.err << "warning: " << warning << '\n';
}

std::string reference(const governance::Appended& appended) {
  return appended.operationId + "/" + appended.id;
}

json::value appendedJson(const std::vector<governance::Appended>& records) {
  json::array list;
  for (const auto& a : records) {
    list.push_back(json::object{
        {"reference", reference(a)},
        {"path", a.path},
        {"status", a.status ? json::value(governance::toString(*a.status)) : json::value(nullptr)},
        {"commit", a.commit}});
  }
  return list;
}

std::string checkpointLine(const governance::Checkpoint& c) {
  return fmt::format("checkpoint {}: {}{}", c.name, c.passed ? "passed" : "FAILED",
                     c.summary.empty() ? std::string() : " (" + c.summary + ")");
}

void printVerifyText(const execute::VerifyResult& result, const std::string& operationId, Streams& streams);

int runExecutor(const Options& options, kube::Client& client, Streams& streams) {
  const governance::RiskPolicy policy = resolvePolicy(options.governance.policy, &client);
  Journal journal = openJournal(options, false);  // an operation exists only in an existing journal
  execute::ExecutorOptions executorOptions;
  executorOptions.policy = policy;
  execute::Executor executor(client, journal, executorOptions);
  const governance::Identity actor = execute::whoAmI(client);
  for (const auto& a : executor.reconcile(actor)) {
    streams.err << fmt::format("note: {} was left applying by an interrupted run; recorded as {}\n",
                               a.operationId, a.status ? governance::toString(*a.status) : "-");
  }
  for (const auto& a : executor.expire(actor))
    streams.err << fmt::format("note: {} expired (its approval window elapsed)\n", a.operationId);

  const OperationData current = latestOf(journal, options.operationId).record.aiops;
  governance::StepText text;
  text.command = options.commandLine;
  const bool structured = options.common.output != OutputFormat::Text;
  auto& out = streams.out;
  json::object doc{{"operationId", options.operationId}, {"actor", actor.user}};

  switch (options.action) {
    case Action::Approve:
    case Action::Reject: {
      const governance::ApproverRights rights = execute::rightsOf(client, current.target.namespace_);
      // The approver approves what they are shown: the hash is computed from the change printed here.
      const std::string shownSha = current.change ? governance::canonicalSha256(current.change->body) : "";
      if (!structured) {
        out << fmt::format("{} ({} risk): {}\nTarget: {}\n", current.operationId,
                           model::toString(current.risk), current.summary, targetText(current.target));
        if (current.change) {
          out << fmt::format("Change (sha256 {}):\n  {}\n", shownSha,
                             changeCommand(current.target, *current.change));
        }
        if (current.rollback)
          out << fmt::format("Rollback:\n  {}\n", changeCommand(current.target, *current.rollback));
      }
      const bool approve = options.action == Action::Approve;
      const governance::Appended appended =
          approve ? executor.approve(options.operationId, actor, rights, shownSha, options.reason, text)
                  : executor.reject(options.operationId, actor, rights, options.reason, text);
      printWarnings(appended, streams);
      const Status status = appended.status.value_or(Status::Proposed);
      if (structured) {
        doc["status"] = governance::toString(status);
        doc["changeSha256"] = shownSha;
        doc["records"] = appendedJson({appended});
        const OperationData after = latestOf(journal, options.operationId).record.aiops;
        doc["needs"] = needsText(policy, after);
        print(doc, options.common.output, out);
        return 0;
      }
      if (!approve) {
        out << fmt::format("{} rejected by {} (record {}).\n", options.operationId, actor.user,
                           reference(appended));
      } else if (status == Status::Approved) {
        out << fmt::format("{} approved by {} (record {}); apply with: kubectl aiops apply {}\n",
                           options.operationId, actor.user, reference(appended), options.operationId);
      } else {
        const OperationData after = latestOf(journal, options.operationId).record.aiops;
        out << fmt::format("Approval by {} recorded ({}); {} still needs {}.\n", actor.user,
                           reference(appended), options.operationId, needsText(policy, after));
      }
      return 0;
    }
    case Action::Apply: {
      const execute::ApplyResult result = executor.apply(options.operationId, actor, text);
      for (const auto& a : result.records)
        printWarnings(a, streams);
      const Status status =
          result.records.empty() ? Status::Applying : result.records.back().status.value_or(Status::Applying);
      std::optional<execute::VerifyResult> followed;
      if (options.follow && status == Status::Applied) {
        if (!structured)
          out << fmt::format("{} applied to {} ({}); following the checkpoints...\n", options.operationId,
                             current.target.display(), reference(result.records.back()));
        followed = executor.follow(options.operationId, actor, text);
      }
      if (structured) {
        std::vector<governance::Appended> all = result.records;
        if (followed) all.insert(all.end(), followed->records.begin(), followed->records.end());
        doc["status"] = all.empty() ? json::value(nullptr)
                                    : json::value(governance::toString(all.back().status.value_or(status)));
        doc["baseline"] = result.baseline.toJson();
        doc["after"] = result.after ? result.after->toJson() : json::value(nullptr);
        doc["records"] = appendedJson(all);
        print(doc, options.common.output, out);
      } else if (followed) {
        printVerifyText(*followed, options.operationId, streams);
      } else if (status == Status::Applied) {
        const auto& b = result.baseline;
        out << fmt::format("{} applied to {} ({}).\n", options.operationId, current.target.display(),
                           reference(result.records.back()));
        out << fmt::format("Baseline: ready {}/{}, restarts {}, OOMKilled {}, crash-looping {}.\n",
                           b.readyReplicas, b.desiredReplicas, b.restarts, b.oomKilled, b.crashLooping);
        out << fmt::format(
            "Checkpoints are due 5m, 15m and 1h after the apply: run 'kubectl aiops verify {}' "
            "(or apply with --follow).\n",
            options.operationId);
      } else {
        out << fmt::format("{} {} ({}).\n", options.operationId, governance::toString(status),
                           result.records.empty() ? std::string("-") : reference(result.records.back()));
      }
      if (followed) {
        const bool failed = std::any_of(followed->evaluated.begin(), followed->evaluated.end(),
                                        [](const governance::Checkpoint& c) { return !c.passed; });
        return failed ? 1 : 0;
      }
      return status == Status::Failed ? 1 : 0;
    }
    case Action::Verify: {
      const execute::VerifyResult result = executor.verify(options.operationId, actor, text);
      for (const auto& a : result.records)
        printWarnings(a, streams);
      const bool failed = std::any_of(result.evaluated.begin(), result.evaluated.end(),
                                      [](const governance::Checkpoint& c) { return !c.passed; });
      if (structured) {
        const OperationData after = latestOf(journal, options.operationId).record.aiops;
        doc["status"] =
            after.status ? json::value(governance::toString(*after.status)) : json::value(nullptr);
        json::array checkpoints;
        for (const auto& c : result.evaluated) {
          checkpoints.push_back(json::object{{"name", c.name},
                                             {"time", formatTimestamp(c.time)},
                                             {"passed", c.passed},
                                             {"summary", c.summary},
                                             {"metrics", c.metrics}});
        }
        doc["checkpoints"] = std::move(checkpoints);
        doc["nextDueSeconds"] = result.nextDue ? json::value(result.nextDue->count()) : json::value(nullptr);
        doc["records"] = appendedJson(result.records);
        print(doc, options.common.output, out);
      } else {
        printVerifyText(result, options.operationId, streams);
        const OperationData after = latestOf(journal, options.operationId).record.aiops;
        out << fmt::format("{} is {}.\n", options.operationId,
                           after.status ? governance::toString(*after.status) : "-");
      }
      return failed ? 1 : 0;
    }
    case Action::Rollback: {
      const governance::Appended appended = executor.rollback(options.operationId, actor, text);
      printWarnings(appended, streams);
      if (structured) {
        doc["status"] =
            appended.status ? json::value(governance::toString(*appended.status)) : json::value(nullptr);
        doc["records"] = appendedJson({appended});
        print(doc, options.common.output, out);
      } else {
        out << fmt::format("{} rolled back: {} restored ({}).\n", options.operationId,
                           current.target.display(), reference(appended));
      }
      return 0;
    }
    case Action::None:
    case Action::Pending:
    case Action::Show:
      break;
  }
  return 0;
}

void printVerifyText(const execute::VerifyResult& result, const std::string& operationId, Streams& streams) {
  auto& out = streams.out;
  if (result.evaluated.empty()) out << "No checkpoint of " << operationId << " is due yet.\n";
  for (const auto& c : result.evaluated)
    out << paint(checkpointLine(c), c.passed ? Colour::None : Colour::Red, streams.colour) << '\n';
  if (result.nextDue) {
    out << fmt::format("Next checkpoint due in {}: run 'kubectl aiops verify {}' then.\n",
                       humanDuration(*result.nextDue), operationId);
  }
}

void addIdArgument(CLI::App& command, Options& options) {
  command.add_option("ID", options.operationId, "The operation: op-0042")->required();
}

}  // namespace

void addGovernanceFlags(CLI::App& command, GovernanceFlags& flags, bool withPolicy) {
  command
      .add_option("--phr-repo", flags.repo,
                  "The PHR journal (default: $AIOPS_PHR_REPO, else $XDG_DATA_HOME/kubectl-aiops/phr, else "
                  "~/.local/share/kubectl-aiops/phr)")
      ->group("Journal");
  command
      .add_option("--phr-remote", flags.remote,
                  "A git remote every new record is pushed to (default: $AIOPS_PHR_REMOTE; none)")
      ->group("Journal");
  if (withPolicy) {
    command
        .add_option("--policy", flags.policy,
                    "The risk policy file (default: $AIOPS_POLICY, else ConfigMap "
                    "aiops-system/aiops-risk-policy key policy.yaml, else the built-in defaults)")
        ->group("Journal");
  }
}

governance::JournalOptions journalOptions(const GovernanceFlags& flags, bool create) {
  governance::JournalOptions options;
  options.path = governance::resolveJournalPath(flags.repo);
  options.create = create;
  options.remoteUrl = !flags.remote.empty() ? flags.remote : environment("AIOPS_PHR_REMOTE").value_or("");
  return options;
}

Proposed proposeOnce(governance::Journal& journal, const governance::Proposal& proposal,
                     const governance::Identity& actor) {
  const std::string sha = governance::canonicalSha256(proposal.change.body);
  for (const auto& op : journal.operations()) {
    if (op.status != governance::Status::Proposed && op.status != governance::Status::Approved) continue;
    if (op.target.kind != proposal.target.kind || op.target.namespace_ != proposal.target.namespace_ ||
        op.target.name != proposal.target.name)
      continue;
    if (journal.show(op.operationId).record.aiops.changeSha256 == sha) return {op.operationId, true, {}};
  }
  const governance::Appended appended = journal.propose(proposal, actor);
  return {appended.operationId, false, appended.warnings};
}

bool policyIsLocal(const std::string& flag) {
  return !flag.empty() || environment("AIOPS_POLICY").has_value();
}

governance::RiskPolicy resolvePolicy(const std::string& flag, kube::Client* client) {
  try {
    if (auto local = governance::policyFromFlagOrEnv(flag)) return *local;
  } catch (const governance::PolicyError& e) {
    throw UsageError(fmt::format("invalid risk policy: {}", e.what()));
  }
  if (client == nullptr) return governance::defaultPolicy();
  std::optional<json::value> configMap;
  try {
    configMap = client->find(kube::ResourceRef{kube::types::configMaps, std::string(kPolicyNamespace),
                                               std::string(kPolicyConfigMap)});
  } catch (const std::exception&) {
    return governance::defaultPolicy();  // not readable (forbidden, no cluster): the defaults apply
  }
  if (!configMap) return governance::defaultPolicy();
  const json::object* data = nullptr;
  if (const auto* d = configMap->as_object().if_contains("data"); d != nullptr && d->is_object())
    data = &d->as_object();
  const json::value* yaml = data != nullptr ? data->if_contains(kPolicyKey) : nullptr;
  if (yaml == nullptr || !yaml->is_string()) return governance::defaultPolicy();
  const std::string source =
      fmt::format("configmap {}/{} key {}", kPolicyNamespace, kPolicyConfigMap, kPolicyKey);
  try {
    return governance::parsePolicy(std::string_view(yaml->as_string()), source);
  } catch (const governance::PolicyError& e) {
    throw kube::KubeError(kube::ErrorKind::BadResponse, fmt::format("invalid risk policy: {}", e.what()),
                          fmt::format("fix {} {}/{}", "ConfigMap", kPolicyNamespace, kPolicyConfigMap));
  }
}

std::string needsText(const governance::RiskPolicy& policy, const OperationData& current) {
  if (!current.status) return "-";
  if (*current.status == Status::Approved) return "apply";
  if (*current.status == Status::Applied) return "verify";
  if (*current.status != Status::Proposed) return "-";
  const governance::TierPolicy& tier = policy.tier(current.risk);
  if (tier.rollbackPlan && !current.rollback) return "a rollback plan";
  // What counts is the policy's business: distinct people, this change's hash, inside the window.
  const governance::ApprovalJudgement judged = governance::judgeApprovals(
      policy, current.risk, current, current.requestedBy.user, current.requestedAt);
  const std::size_t given = judged.counted.size();
  const std::size_t wanted = static_cast<std::size_t>(std::max(tier.approvers, 1));
  const std::size_t remaining = wanted > given ? wanted - given : 1;
  std::string text =
      fmt::format("{}{} approver{}", remaining, given > 0 ? " more" : "", remaining == 1 ? "" : "s");
  if (tier.securityReviewer && !judged.securityReviewed)
    text += remaining == 1 ? ", a security reviewer" : ", one a security reviewer";
  if (!tier.selfApproval && given == 0) text += ", not the requester";
  return text;
}

json::value pendingJson(const std::string& journal, const governance::RiskPolicy& policy,
                        const std::vector<OperationData>& operations, WallTime now) {
  json::array list;
  for (const auto& op : operations)
    list.push_back(operationJson(policy, op, now));
  return json::object{{"journal", journal}, {"policy", policy.source}, {"operations", std::move(list)}};
}

json::value showJson(const governance::RiskPolicy& policy, const OperationData& current,
                     const std::vector<governance::StoredRecord>& records, WallTime now) {
  json::object out;
  out["operationId"] = current.operationId;
  out["status"] = current.status ? json::value(governance::toString(*current.status)) : json::value(nullptr);
  out["expiresAt"] = timeOrNull(governance::expiresAt(policy, current));
  out["needs"] = needsText(policy, current);
  out["policy"] = policy.source;
  out["now"] = formatTimestamp(now);
  out["operation"] = governance::toJson(current);
  json::array list;
  for (const auto& s : records) {
    const auto& a = s.record.aiops;
    list.push_back(json::object{
        {"reference", a.operationId + "/" + s.record.header.id},
        {"path", s.path},
        {"kind", governance::toString(a.record)},
        {"status", a.status ? json::value(governance::toString(*a.status)) : json::value(nullptr)},
        {"user", a.actor.user},
        {"time", formatTimestamp(a.time)},
        {"commit", s.commit},
        {"sha256", s.sha256}});
  }
  out["records"] = std::move(list);
  return out;
}

std::vector<CLI::App*> add(CLI::App& parent, Options& options) {
  const std::string program = parent.get_name();
  std::vector<CLI::App*> commands;
  const auto make = [&](std::string name, std::string description, Action action, bool id) {
    auto* command = parent.add_subcommand(name, description);
    if (id) addIdArgument(*command, options);
    addCommonFlags(*command, options.common);
    addGovernanceFlags(*command, options.governance, true);
    command->callback([&options, action] { options.action = action; });
    commands.push_back(command);
    return command;
  };

  auto* pending =
      make("pending", "List the operations waiting for approval or to be applied", Action::Pending, false);
  pending->add_flag("--all", options.all, "Every operation, whatever its status");
  pending->footer(footer(program,
                         "  # What waits for a decision\n  {0} pending\n"
                         "  # Only one namespace's, for a script\n  {0} pending -n shop -o json\n"
                         "  # Every operation ever proposed\n  {0} pending --all\n",
                         "not used by this command"));

  auto* show = make("show", "Show an operation: its change and rollback, approvals, checkpoints and records",
                    Action::Show, true);
  show->footer(
      footer(program, "  {0} show op-0001\n  {0} show op-0001 -o yaml\n", "not used by this command"));

  auto* approve = make("approve", "Approve an operation's change (the approval is bound to the change shown)",
                       Action::Approve, true);
  approve->add_option("--reason", options.reason, "Why: recorded as the approval's justification")
      ->required();
  approve->footer(footer(program, "  {0} approve op-0001 --reason \"OOMKilled 4 times in 10m; limit +50%\"\n",
                         "refused: the policy or RBAC does not allow this approval (nothing was recorded)"));

  auto* reject = make("reject", "Reject an operation (final)", Action::Reject, true);
  reject->add_option("--reason", options.reason, "Why: recorded as the rejection's justification")
      ->required();
  reject->footer(footer(program, "  {0} reject op-0001 --reason \"fix the leak instead\"\n",
                        "refused: the policy or RBAC does not allow this decision"));

  auto* apply = make("apply", "Apply an approved operation's change to the cluster", Action::Apply, true);
  apply->add_flag("--follow", options.follow,
                  "Stay and record every checkpoint (5m, 15m, 1h after the apply) as it falls due");
  apply->footer(footer(program, "  {0} apply op-0001\n  {0} apply op-0001 --follow\n",
                       "refused (not approved, window elapsed, target changed) or the change failed"));

  auto* verify = make("verify", "Record the checkpoints that are due after an apply", Action::Verify, true);
  verify->footer(footer(program, "  {0} verify op-0001\n", "a checkpoint failed, or the step was refused"));

  auto* rollback =
      make("rollback", "Undo an applied operation with its recorded rollback", Action::Rollback, true);
  rollback->footer(
      footer(program, "  {0} rollback op-0001\n", "refused: the operation cannot be rolled back"));
  return commands;
}

void validate(Options& options) {
  validateCommon(options.common);
  if (options.common.output == OutputFormat::Markdown) {
    throw UsageError(
        fmt::format("invalid output format '{}'; use one of text, json, yaml", options.common.outputText));
  }
  if (options.action != Action::Pending) {
    static const std::regex id("op-[0-9]{4,}");
    if (!std::regex_match(options.operationId, id)) {
      throw UsageError(
          fmt::format("invalid operation id '{}'; operation ids look like op-0042", options.operationId));
    }
  }
  if (options.action == Action::Approve || options.action == Action::Reject) {
    const bool blank = options.reason.find_first_not_of(" \t") == std::string::npos;
    if (blank) throw UsageError("--reason must say why; it is recorded with the decision");
    if (options.reason.find('\n') != std::string::npos) throw UsageError("--reason must be one line");
  }
  if (options.follow && options.action != Action::Apply) throw UsageError("--follow is for apply only");
}

bool usesExecutor(Action action) {
  return action == Action::Approve || action == Action::Reject || action == Action::Apply ||
         action == Action::Verify || action == Action::Rollback;
}

int run(const Options& options, kube::Client* client, Streams& streams) {
  try {
    if (usesExecutor(options.action)) {
      if (client == nullptr) throw std::logic_error("the executor needs a cluster");
      return runExecutor(options, *client, streams);
    }
    const governance::RiskPolicy policy = resolvePolicy(options.governance.policy, client);
    if (options.action == Action::Show) return runShow(options, policy, streams);
    return runPending(options, policy, streams);
  } catch (const execute::Refused& e) {
    streams.err << "error: " << e.what() << '\n';
    return 1;
  } catch (const JournalError& e) {
    switch (e.kind()) {
      case JournalError::Kind::Refused:
        streams.err << "error: " << e.what() << '\n';
        return 1;
      case JournalError::Kind::NotFound:
        if (!options.operationId.empty() &&
            std::string_view(e.what()).find(options.operationId) != std::string_view::npos) {
          throw UsageError(e.what());
        }
        break;
      case JournalError::Kind::Io:
      case JournalError::Kind::Corrupt:
        break;
    }
    streams.err << "error: " << e.what() << '\n';
    return 3;
  }
}

}  // namespace aiops::plugin::operations

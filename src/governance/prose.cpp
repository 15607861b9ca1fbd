// The prose of a record (title, response, Outcome and evaluation bullets) made from its data, and the single
// redaction choke point every record passes before it is rendered.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <boost/json.hpp>

#include "governance/canonical.h"
#include "governance/journal_impl.h"
#include "governance/redact.h"

namespace aiops::governance::detail {
namespace {

namespace json = boost::json;

// A prompt or response line that equals one of the record's section headings is escaped with a backslash,
// which Markdown renders as the same text, so the body's structure stays unambiguous.
std::string escapeSections(std::string_view text) {
  static constexpr std::string_view kHeadings[] = {"## Prompt", "## Response snapshot", "## Outcome",
                                                   "## Evaluation notes (flywheel)"};
  std::string out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view line = text.substr(start, end - start);
    if (std::find(std::begin(kHeadings), std::end(kHeadings), line) != std::end(kHeadings)) out += '\\';
    out.append(line);
    if (end < text.size()) out += '\n';
    start = end + 1;
  }
  return out;
}

std::string capitalised(std::string_view text) {
  std::string out(text);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

std::string titleFor(RecordKind kind, const std::string& operationId, const OperationData& data,
                     const std::optional<Checkpoint>& checkpoint) {
  switch (kind) {
    case RecordKind::Diagnosis:
      return fmt::format("Diagnose {}: {}", data.target.display(), data.summary);
    case RecordKind::Report:
      return fmt::format("Report on {}: {}", data.target.display(), data.summary);
    case RecordKind::Rollout:
      return fmt::format("Gate the rollout of {}: {}", data.target.display(), data.summary);
    case RecordKind::Recommendation:
      return fmt::format("Propose {}: {}", operationId, data.summary);
    case RecordKind::Approval:
      return fmt::format("Approve {}: {}", operationId, data.summary);
    case RecordKind::Rejection:
      return fmt::format("Reject {}: {}", operationId, data.summary);
    case RecordKind::Expiry:
      return fmt::format("Expire {}: {}", operationId, data.summary);
    case RecordKind::Applying:
      return fmt::format("Apply {}: {}", operationId, data.summary);
    case RecordKind::Applied:
      return fmt::format("Applied {}: {}", operationId, data.summary);
    case RecordKind::Checkpoint:
      return fmt::format("Checkpoint {} of {}: {}", checkpoint ? checkpoint->name : "", operationId,
                         data.summary);
    case RecordKind::Verified:
      return fmt::format("Verified {}: {}", operationId, data.summary);
    case RecordKind::Failed:
      return fmt::format("Failed {}: {}", operationId, data.summary);
    case RecordKind::RolledBack:
      return fmt::format("Roll back {}: {}", operationId, data.summary);
  }
  return data.summary;
}

std::string nextPromptFor(const OperationData& data) {
  if (!data.status) return "none";
  const std::string& id = data.operationId;
  switch (*data.status) {
    case Status::Proposed:
      return fmt::format("kubectl aiops approve {} --reason \"...\"", id);
    case Status::Approved:
      return fmt::format("kubectl aiops apply {}", id);
    case Status::Applying:
      return fmt::format("kubectl aiops show {}", id);
    case Status::Applied:
      return fmt::format("kubectl aiops verify {}", id);
    case Status::Verified:
    case Status::Failed:
      return fmt::format("kubectl aiops rollback {} (if needed)", id);
    default:
      return "none";
  }
}

std::string checkpointLine(const Checkpoint& c) {
  return fmt::format("checkpoint {}: {} ({})", c.name, c.summary.empty() ? "no summary" : c.summary,
                     c.passed ? "PASS" : "FAIL");
}

// The journal's own labels, then the caller's.
std::vector<std::string> labelsFor(const OperationData& data, const std::vector<std::string>& extra) {
  std::vector<std::string> labels{"aiops", std::string(toString(data.record))};
  if (data.status) labels.emplace_back(toString(*data.status));
  labels.emplace_back(model::toString(data.risk));
  for (const auto& label : extra) {
    const std::string line = oneLine(label, "");
    if (!line.empty() && std::find(labels.begin(), labels.end(), line) == labels.end())
      labels.push_back(line);
  }
  return labels;
}

}  // namespace

// Fills the prose of `r` from its data and the caller's text; the data must be complete.
void fillProse(Record& r, std::optional<Status> from, const StepText& text,
               const std::optional<Checkpoint>& checkpoint) {
  const OperationData& a = r.aiops;
  r.header.title = oneLine(titleFor(a.record, a.operationId, a, checkpoint), "record");
  r.header.model = oneLine(text.model, "none");
  r.header.command = oneLine(text.command, "kubectl aiops");
  r.header.user = a.actor.user;
  r.header.date = formatDate(a.time);
  r.header.links.ticket =
      text.ticket ? std::optional<std::string>(oneLine(*text.ticket, "none")) : std::nullopt;
  r.header.labels = labelsFor(a, text.labels);
  const bool writes = a.record == RecordKind::Applying || a.record == RecordKind::Applied ||
                      a.record == RecordKind::RolledBack;
  r.header.files = writes ? std::vector<std::string>{a.target.display()} : std::vector<std::string>{};
  r.header.tests.clear();
  for (const auto& c : a.checkpoints)
    r.header.tests.push_back(oneLine(checkpointLine(c), "checkpoint"));

  r.prompt = escapeSections(text.prompt.empty() ? r.header.command : text.prompt);
  std::string response = text.response;
  if (response.empty()) {
    switch (a.record) {
      case RecordKind::Diagnosis:
        response = fmt::format("Diagnosed {}: {}.", a.target.display(), a.summary);
        break;
      case RecordKind::Report:
        response = fmt::format("Reported on {}: {}.", a.target.display(), a.summary);
        break;
      case RecordKind::Rollout:
        response = fmt::format("Gated the rollout of {}: {}.", a.target.display(), a.summary);
        break;
      case RecordKind::Recommendation:
        response = fmt::format("Recommended for {} ({} risk): {}.", a.target.display(),
                               model::toString(a.risk), a.summary);
        break;
      default: {
        response = fmt::format("{} recorded {} for {}; status {} -> {}.", a.actor.user, toString(a.record),
                               a.operationId, from ? toString(*from) : "none",
                               a.status ? toString(*a.status) : "none");
        if ((a.record == RecordKind::Approval || a.record == RecordKind::Rejection) && !a.approvals.empty() &&
            !a.approvals.back().justification.empty()) {
          response += " Reason: " + a.approvals.back().justification;
        }
        if (a.record == RecordKind::Checkpoint && checkpoint)
          response += " " + capitalised(checkpointLine(*checkpoint)) + ".";
      }
    }
  }
  r.response = escapeSections(response);

  r.outcome.impact =
      oneLine(isStandalone(a.record) ? fmt::format("{} {}",
                                                   a.record == RecordKind::Report    ? "reported on"
                                                   : a.record == RecordKind::Rollout ? "gated the rollout of"
                                                                                     : "diagnosed",
                                                   a.target.display())
                                     : fmt::format("{} {} ({} risk, {})", a.operationId,
                                                   a.status ? toString(*a.status) : "recorded",
                                                   model::toString(a.risk), a.target.display()),
              "none");
  r.outcome.tests =
      r.header.tests.empty() ? "none" : oneLine(fmt::format("{}", fmt::join(r.header.tests, "; ")), "none");
  r.outcome.files = writes ? a.target.display() : "none";
  r.outcome.nextPrompts = oneLine(nextPromptFor(a), "none");
  r.outcome.reflection = oneLine(text.reflection, "none");
  r.evaluation.failureModes =
      a.status == Status::Failed ? oneLine(a.outcome, "the change failed its checks") : "none observed";
  std::vector<std::string> graders;
  for (const auto& c : a.checkpoints)
    graders.push_back(fmt::format("checkpoint {}: {}", c.name, c.passed ? "PASS" : "FAIL"));
  r.evaluation.graders =
      graders.empty() ? "none" : oneLine(fmt::format("{}", fmt::join(graders, ", ")), "none");
  r.evaluation.promptVariant = "n/a";
  r.evaluation.nextExperiment = "none";
}

// The single choke point: everything a record says passes through redaction, and then through scrubbing
// of the secret values the record itself reveals (a Secret's data, secret-named env values), so a value that
// also appears in free text ("the old password hunter2 leaked") goes too. The change and before-state hashes
// are taken of what is stored.
void redactRecord(Record& r, const std::vector<std::string>& scrub) {
  OperationData& a = r.aiops;
  std::vector<std::string> values;
  for (const auto& value : scrub) {
    if (value.size() >= 4 && value != kRedacted) values.push_back(value);
  }
  const auto collect = [&](const json::value& v) {
    for (auto& value : secretValues(a.target.kind, v))
      values.push_back(std::move(value));
  };
  if (a.before) collect(*a.before);
  if (a.change) collect(a.change->body);
  if (a.rollback) collect(a.rollback->body);
  collect(a.metrics);
  collect(a.findings);
  for (const auto& c : a.checkpoints)
    collect(c.metrics);
  std::sort(values.begin(), values.end(), [](const std::string& x, const std::string& y) {
    return x.size() != y.size() ? x.size() > y.size() : x < y;
  });
  values.erase(std::unique(values.begin(), values.end()), values.end());
  const auto text = [&](std::string& t) { t = scrubValues(redactText(t), values); };
  const auto object = [&](json::value& v) {
    if (!v.is_null()) v = scrubValues(redactObject(v), values);
  };
  const auto change = [&](Change& c) {
    c.body = scrubValues(
        c.type == ChangeType::Manifest ? redactObject(c.body) : redactChangeBody(a.target.kind, c.body),
        values);
  };

  Header& h = r.header;
  text(h.title);
  text(h.command);
  if (h.links.ticket) text(*h.links.ticket);
  for (auto* list : {&h.labels, &h.files, &h.tests}) {
    for (auto& item : *list)
      text(item);
  }
  text(r.prompt);
  text(r.response);
  for (auto* bullet : {&r.outcome.impact, &r.outcome.tests, &r.outcome.files, &r.outcome.nextPrompts,
                       &r.outcome.reflection, &r.evaluation.failureModes, &r.evaluation.graders,
                       &r.evaluation.promptVariant, &r.evaluation.nextExperiment}) {
    text(*bullet);
  }
  for (auto* t : {&a.summary, &a.rationale, &a.outcome, &a.source})
    text(*t);
  for (auto& line : a.evidence)
    text(line);
  object(a.findings);
  object(a.metrics);
  for (auto& approval : a.approvals)
    text(approval.justification);
  for (auto& c : a.checkpoints) {
    text(c.summary);
    object(c.metrics);
  }
  if (a.change) {
    change(*a.change);
    a.changeSha256 = canonicalSha256(a.change->body);
  } else {
    a.changeSha256.clear();
  }
  if (a.rollback) change(*a.rollback);
  if (a.before) {
    object(*a.before);
    a.beforeSha256 = canonicalSha256(*a.before);
  } else {
    a.beforeSha256.clear();
  }
}

}  // namespace aiops::governance::detail

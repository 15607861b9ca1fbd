// Rendering and parsing PHR files (layout in record.h and docs/phr.md).
#include "governance/record.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <ctime>
#include <map>

#include "governance/canonical.h"
#include "governance/yaml_text.h"

namespace aiops::governance {
namespace {

namespace json = boost::json;
using detail::appendYamlValue;
using detail::yamlString;

constexpr std::array<std::string_view, 15> kHeaderKeys{"id",     "title",   "stage",  "date",  "surface",
                                                       "model",  "feature", "branch", "user",  "command",
                                                       "labels", "links",   "files",  "tests", "aiops"};

// The body's fixed text around the free-form parts.
constexpr std::string_view kPromptHeading = "\n## Prompt\n\n";
constexpr std::string_view kResponseHeading = "\n\n## Response snapshot\n\n";
constexpr std::string_view kOutcomeHeading = "\n\n## Outcome\n\n";
constexpr std::string_view kEvaluationHeading = "\n## Evaluation notes (flywheel)\n\n";
constexpr std::array<std::string_view, 5> kOutcomeBullets{
    "- \xE2\x9C\x85 Impact: ", "- \xF0\x9F\xA7\xAA Tests: ", "- \xF0\x9F\x93\x81 Files: ",
    "- \xF0\x9F\x94\x81 Next prompts: ", "- \xF0\x9F\xA7\xA0 Reflection: "};
constexpr std::array<std::string_view, 4> kEvaluationBullets{
    "- Failure modes observed: ", "- Graders run and results (PASS/FAIL): ",
    "- Prompt variant (if applicable): ", "- Next experiment (smallest change to try): "};
constexpr std::array<std::string_view, 4> kSectionLines{"## Prompt", "## Response snapshot", "## Outcome",
                                                        "## Evaluation notes (flywheel)"};

bool singleLine(std::string_view text) {
  return text.find('\n') == std::string_view::npos && text.find('\r') == std::string_view::npos;
}

bool isDigits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool isFeatureName(std::string_view text) {
  return !text.empty() && text.front() != '-' && text.back() != '-' &&
         std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

bool holdsSectionLine(std::string_view text) {
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view line = text.substr(start, end - start);
    if (std::find(kSectionLines.begin(), kSectionLines.end(), line) != kSectionLines.end()) return true;
    start = end + 1;
  }
  return false;
}

struct FieldError {
  std::string field;  // dotted, e.g. "aiops.changeSha256", "title", "body.prompt"
  std::string message;
};

std::optional<FieldError> checkFields(const Record& r) {
  const Header& h = r.header;
  const OperationData& a = r.aiops;
  auto error = [](std::string field, std::string message) {
    return std::optional<FieldError>(FieldError{std::move(field), std::move(message)});
  };
  if (h.id.size() < 4 || !isDigits(h.id)) return error("id", fmt::format("'{}' is not a 4-digit id", h.id));
  if (h.title.empty() || !singleLine(h.title)) return error("title", "must be one non-empty line");
  if (h.stage != "misc")
    return error("stage", fmt::format("'{}' is not misc, the stage the journal writes", h.stage));
  if (h.date != formatDate(a.time)) {
    return error("date", fmt::format("'{}' is not the date of aiops.time ({})", h.date, formatDate(a.time)));
  }
  if (h.surface != "agent") return error("surface", "must be agent");
  if (h.model.empty() || !singleLine(h.model)) return error("model", "must be one non-empty line");
  if (!isFeatureName(h.feature))
    return error("feature", fmt::format("'{}' is not a directory name of a-z, 0-9 and '-'", h.feature));
  if (h.branch.empty() || !singleLine(h.branch)) return error("branch", "must be one non-empty line");
  if (h.user.empty() || !singleLine(h.user)) return error("user", "must be one non-empty line");
  if (h.command.empty() || !singleLine(h.command)) return error("command", "must be one non-empty line");
  for (const auto& list : {&h.labels, &h.files, &h.tests}) {
    for (const auto& item : *list) {
      if (item.empty() || !singleLine(item))
        return error("labels/files/tests", "items must be one non-empty line");
    }
  }
  for (const auto* link : {&h.links.spec, &h.links.ticket, &h.links.adr, &h.links.pr}) {
    if (*link && (link->value().empty() || !singleLine(**link)))
      return error("links", "a link must be one line");
  }
  const bool standalone = isStandalone(a.record);
  if (standalone != a.operationId.empty()) {
    return error("aiops.operationId",
                 standalone ? fmt::format("a {} belongs to no operation", toString(a.record)) : "is missing");
  }
  if (standalone != !a.status.has_value()) {
    return error("aiops.status",
                 standalone ? fmt::format("a {} has no status", toString(a.record)) : "is missing");
  }
  if (a.status && !legalTargets(std::nullopt, a.record).empty() && a.status != Status::Proposed) {
    return error("aiops.status", "a recommendation's status is proposed");
  }
  if (a.actor.user.empty()) return error("aiops.actor.user", "is missing");
  if (a.actor.user != h.user)
    return error("user", fmt::format("'{}' is not aiops.actor.user '{}'", h.user, a.actor.user));
  if (a.requestedBy.user.empty() != !a.requestedAt.has_value()) {
    return error(a.requestedAt ? "aiops.requestedAt" : "aiops.requestedBy",
                 "requestedBy and requestedAt are written together");
  }
  if (standalone && a.requestedAt)
    return error("aiops.requestedBy", fmt::format("a {} has no requester", toString(a.record)));
  if (a.record == RecordKind::Recommendation && a.requestedAt &&
      (a.requestedBy != a.actor || *a.requestedAt != a.time)) {
    return error("aiops.requestedBy", "a recommendation's requester is its actor, at its time");
  }
  if (a.target.kind.empty() || a.target.name.empty()) return error("aiops.target", "needs a kind and a name");
  if (a.summary.empty() || !singleLine(a.summary))
    return error("aiops.summary", "must be one non-empty line");
  if (a.change) {
    if (a.changeSha256 != canonicalSha256(a.change->body)) {
      return error("aiops.change.sha256", "does not match the SHA-256 of the change's canonical JSON");
    }
  } else if (!a.changeSha256.empty()) {
    return error("aiops.change.sha256", "is set without a change");
  }
  if (a.before) {
    if (a.beforeSha256 != canonicalSha256(*a.before)) {
      return error("aiops.before.sha256", "does not match the SHA-256 of the before-state's canonical JSON");
    }
  } else if (!a.beforeSha256.empty()) {
    return error("aiops.before.sha256", "is set without a before-state");
  }
  for (const auto& approval : a.approvals) {
    if (approval.identity.user.empty()) return error("aiops.approvals.user", "is missing");
    if (!isSha256Hex(approval.changeSha256)) return error("aiops.approvals.changeSha256", "is not a SHA-256");
    if (!approval.role.empty() && approval.role != "approver" && approval.role != "security-reviewer") {
      return error("aiops.approvals.role",
                   fmt::format("'{}' is not approver or security-reviewer", approval.role));
    }
  }
  for (const auto& checkpoint : a.checkpoints) {
    if (checkpoint.name.empty() || !singleLine(checkpoint.name))
      return error("aiops.checkpoints.name", "must be one line");
  }
  if (!isSha256Hex(a.prevRecordSha256))
    return error("aiops.prevRecordSha256", "is not 64 lowercase hex digits");
  if (r.prompt.empty()) return error("body.prompt", "the prompt is empty");
  if (r.response.empty()) return error("body.response", "the response snapshot is empty");
  if (holdsSectionLine(r.prompt) || holdsSectionLine(r.response)) {
    return error("body", "the prompt or response holds a line that is one of the record's section headings");
  }
  const std::array<const std::string*, 9> bullets{&r.outcome.impact,
                                                  &r.outcome.tests,
                                                  &r.outcome.files,
                                                  &r.outcome.nextPrompts,
                                                  &r.outcome.reflection,
                                                  &r.evaluation.failureModes,
                                                  &r.evaluation.graders,
                                                  &r.evaluation.promptVariant,
                                                  &r.evaluation.nextExperiment};
  for (const auto* bullet : bullets) {
    if (bullet->empty() || !singleLine(*bullet))
      return error("body.outcome", "each bullet must be one non-empty line");
  }
  return std::nullopt;
}

json::value optionalLink(const std::optional<std::string>& link) {
  return link ? json::value(*link) : json::value(nullptr);
}

json::array stringArray(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& item : items)
    out.emplace_back(item);
  return out;
}

json::value toJson(const Change& change, bool withSha) {
  json::object out;
  out["type"] = toString(change.type);
  if (withSha) out["sha256"] = canonicalSha256(change.body);
  out["body"] = change.body;
  return out;
}

// ---- parsing -------------------------------------------------------------------------------------------

std::size_t lineAt(std::string_view text, std::size_t offset) {
  return 1 +
         static_cast<std::size_t>(std::count(
             text.begin(), text.begin() + static_cast<std::ptrdiff_t>(std::min(offset, text.size())), '\n'));
}

// Reads typed fields of the YAML front matter, failing with "<path>:<line>: <field>: <what>".
using detail::YamlNode;
using NodeKind = detail::YamlNode::Kind;

class Reader {
 public:
  explicit Reader(std::string_view path) : path_(path) {}

  [[noreturn]] void fail(const YamlNode& node, std::string_view field, std::string_view what) const {
    throw RecordError(fmt::format("{}:{}: {}: {}", path_, line(node), field, what));
  }
  [[noreturn]] void failAt(std::size_t fileLine, std::string_view what) const {
    throw RecordError(fmt::format("{}:{}: {}", path_, fileLine, what));
  }
  // The front matter starts on the file's second line.
  static std::size_t line(const YamlNode& node) { return node.line + 1; }

  void note(const std::string& field, const YamlNode& node) { lines_[field] = line(node); }
  // The line of `field`, or of the closest enclosing field that was read.
  std::size_t lineOf(std::string field, std::size_t fallback) const {
    while (!field.empty()) {
      if (const auto it = lines_.find(field); it != lines_.end()) return it->second;
      const auto dot = field.find_last_of('.');
      if (dot == std::string::npos) break;
      field.resize(dot);
    }
    return fallback;
  }

  const YamlNode* child(const YamlNode& map, std::string_view key, const std::string& field,
                        bool required = true) {
    if (map.kind != NodeKind::Map) fail(map, field, "expected a mapping");
    const YamlNode* node = map.find(key);
    if (node == nullptr && required) fail(map, fmt::format("{}.{}", field, key), "is missing");
    if (node != nullptr) note(fmt::format("{}.{}", field, key), *node);
    return node;
  }

  std::string scalar(const YamlNode& node, const std::string& field) const {
    if (node.kind != NodeKind::Scalar) fail(node, field, "expected a string");
    return node.text;
  }
  std::string string(const YamlNode& map, std::string_view key, const std::string& field) {
    return scalar(*child(map, key, field), fmt::format("{}.{}", field, key));
  }
  std::optional<std::string> nullableString(const YamlNode& node, const std::string& field) const {
    if (node.kind == NodeKind::Null) return std::nullopt;
    return scalar(node, field);
  }
  std::vector<std::string> strings(const YamlNode& node, const std::string& field) const {
    std::vector<std::string> out;
    if (node.kind != NodeKind::Seq) fail(node, field, "expected a list");
    for (const auto& item : node.items)
      out.push_back(scalar(item, field));
    return out;
  }
  std::int64_t integer(const YamlNode& node, const std::string& field) const {
    const json::value value = anyJson(node, field);
    if (!value.is_int64()) fail(node, field, "expected an integer");
    return value.get_int64();
  }
  WallTime time(const YamlNode& node, const std::string& field) const {
    const std::string text = scalar(node, field);
    const auto parsed = parseTimestamp(text);
    if (!parsed) fail(node, field, fmt::format("'{}' is not an RFC 3339 time", text));
    return *parsed;
  }
  json::value anyJson(const YamlNode& node, const std::string& field) const {
    try {
      return detail::yamlToJson(node);
    } catch (const detail::YamlError& e) {
      fail(node, field, e.message);
    }
  }
  // Refuses keys other than `allowed`, so a misspelt key is an error rather than silently lost data.
  void onlyKeys(const YamlNode& map, std::initializer_list<std::string_view> allowed,
                const std::string& field) const {
    if (map.kind != NodeKind::Map) fail(map, field, "expected a mapping");
    for (const auto& [key, value] : map.members) {
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        fail(value, field, fmt::format("unknown key '{}'", key));
      }
    }
  }

 private:
  std::string_view path_;
  std::map<std::string, std::size_t> lines_;
};

Identity readIdentity(Reader& reader, const YamlNode& node, const std::string& field) {
  reader.onlyKeys(node, {"user", "groups"}, field);
  Identity identity;
  identity.user = reader.string(node, "user", field);
  identity.groups = reader.strings(*reader.child(node, "groups", field), field + ".groups");
  return identity;
}

Change readChange(Reader& reader, const YamlNode& node, const std::string& field, bool withSha,
                  std::string* sha) {
  if (withSha) {
    reader.onlyKeys(node, {"type", "sha256", "body"}, field);
  } else {
    reader.onlyKeys(node, {"type", "body"}, field);
  }
  Change change;
  const std::string typeText = reader.string(node, "type", field);
  const auto type = parseChangeType(typeText);
  if (!type) {
    reader.fail(
        *node.find("type"), field + ".type",
        fmt::format("unknown change type '{}'; expected merge, json, strategic or manifest", typeText));
  }
  change.type = *type;
  if (withSha) *sha = reader.string(node, "sha256", field);
  change.body = reader.anyJson(*reader.child(node, "body", field), field + ".body");
  return change;
}

OperationData readOperation(Reader& reader, const YamlNode& node) {
  const std::string f = "aiops";
  reader.onlyKeys(node,
                  {"schema",      "record",      "operationId", "status",      "time",    "actor",
                   "requestedBy", "requestedAt", "target",      "risk",        "action",  "summary",
                   "rationale",   "source",      "evidence",    "findings",    "change",  "before",
                   "rollback",    "approvals",   "metrics",     "checkpoints", "outcome", "prevRecordSha256"},
                  f);
  OperationData a;
  const std::string schema = reader.string(node, "schema", f);
  if (schema != kSchema) {
    reader.fail(*node.find("schema"), "aiops.schema",
                fmt::format("'{}' is not {}, the schema this version reads", schema, kSchema));
  }
  const std::string recordText = reader.string(node, "record", f);
  const auto kind = parseRecordKind(recordText);
  if (!kind)
    reader.fail(*node.find("record"), "aiops.record", fmt::format("unknown record kind '{}'", recordText));
  a.record = *kind;
  if (node.find("operationId") != nullptr) a.operationId = reader.string(node, "operationId", f);
  if (node.find("status") != nullptr) {
    const std::string statusText = reader.string(node, "status", f);
    const auto status = parseStatus(statusText);
    if (!status)
      reader.fail(*node.find("status"), "aiops.status", fmt::format("unknown status '{}'", statusText));
    a.status = status;
  }
  a.time = reader.time(*reader.child(node, "time", f), "aiops.time");
  a.actor = readIdentity(reader, *reader.child(node, "actor", f), "aiops.actor");
  // Optional: records written before the requester was carried along have neither key.
  if (const YamlNode* requestedBy = reader.child(node, "requestedBy", f, /*required=*/false)) {
    a.requestedBy = readIdentity(reader, *requestedBy, "aiops.requestedBy");
  }
  if (const YamlNode* requestedAt = reader.child(node, "requestedAt", f, /*required=*/false)) {
    a.requestedAt = reader.time(*requestedAt, "aiops.requestedAt");
  }

  const YamlNode& target = *reader.child(node, "target", f);
  const std::string t = "aiops.target";
  reader.onlyKeys(target, {"apiVersion", "kind", "namespace", "name", "uid", "generation"}, t);
  a.target.apiVersion = reader.string(target, "apiVersion", t);
  a.target.kind = reader.string(target, "kind", t);
  a.target.namespace_ = reader.string(target, "namespace", t);
  a.target.name = reader.string(target, "name", t);
  a.target.uid = reader.string(target, "uid", t);
  a.target.generation = reader.integer(*reader.child(target, "generation", t), t + ".generation");

  const std::string riskText = reader.string(node, "risk", f);
  const auto risk = model::parseRisk(riskText);
  if (!risk) reader.fail(*node.find("risk"), "aiops.risk", fmt::format("unknown risk '{}'", riskText));
  a.risk = *risk;
  a.action = reader.string(node, "action", f);
  a.summary = reader.string(node, "summary", f);
  a.rationale = reader.string(node, "rationale", f);
  a.source = reader.string(node, "source", f);
  a.evidence = reader.strings(*reader.child(node, "evidence", f), "aiops.evidence");
  if (const YamlNode* findings = reader.child(node, "findings", f, /*required=*/false)) {
    a.findings = reader.anyJson(*findings, "aiops.findings");
  }
  if (const YamlNode* change = reader.child(node, "change", f, /*required=*/false)) {
    a.change = readChange(reader, *change, "aiops.change", /*withSha=*/true, &a.changeSha256);
  }
  if (const YamlNode* before = reader.child(node, "before", f, /*required=*/false)) {
    reader.onlyKeys(*before, {"sha256", "object"}, "aiops.before");
    a.beforeSha256 = reader.string(*before, "sha256", "aiops.before");
    a.before = reader.anyJson(*reader.child(*before, "object", "aiops.before"), "aiops.before.object");
  }
  if (const YamlNode* rollback = reader.child(node, "rollback", f, /*required=*/false)) {
    a.rollback = readChange(reader, *rollback, "aiops.rollback", /*withSha=*/false, nullptr);
  }
  const YamlNode& approvals = *reader.child(node, "approvals", f);
  if (approvals.kind != NodeKind::Seq) reader.fail(approvals, "aiops.approvals", "expected a list");
  for (const auto& item : approvals.items) {
    const std::string af = "aiops.approvals";
    reader.onlyKeys(item, {"user", "groups", "decision", "justification", "time", "changeSha256", "role"},
                    af);
    Approval approval;
    approval.identity.user = reader.string(item, "user", af);
    approval.identity.groups = reader.strings(*reader.child(item, "groups", af), af + ".groups");
    const std::string decision = reader.string(item, "decision", af);
    if (decision != "approve" && decision != "reject") {
      reader.fail(*item.find("decision"), af + ".decision",
                  fmt::format("'{}' is not approve or reject", decision));
    }
    approval.decision = decision == "approve" ? Decision::Approve : Decision::Reject;
    approval.justification = reader.string(item, "justification", af);
    approval.time = reader.time(*reader.child(item, "time", af), af + ".time");
    approval.changeSha256 = reader.string(item, "changeSha256", af);
    // Optional: approvals recorded before roles were have none (the policy reads that as "approver").
    if (item.find("role") != nullptr) approval.role = reader.string(item, "role", af);
    a.approvals.push_back(std::move(approval));
  }
  a.metrics = reader.anyJson(*reader.child(node, "metrics", f), "aiops.metrics");
  const YamlNode& checkpoints = *reader.child(node, "checkpoints", f);
  if (checkpoints.kind != NodeKind::Seq) reader.fail(checkpoints, "aiops.checkpoints", "expected a list");
  for (const auto& item : checkpoints.items) {
    const std::string cf = "aiops.checkpoints";
    reader.onlyKeys(item, {"name", "time", "verdict", "summary", "metrics"}, cf);
    Checkpoint checkpoint;
    checkpoint.name = reader.string(item, "name", cf);
    checkpoint.time = reader.time(*reader.child(item, "time", cf), cf + ".time");
    const std::string verdict = reader.string(item, "verdict", cf);
    if (verdict != "pass" && verdict != "fail") {
      reader.fail(*item.find("verdict"), cf + ".verdict", fmt::format("'{}' is not pass or fail", verdict));
    }
    checkpoint.passed = verdict == "pass";
    checkpoint.summary = reader.string(item, "summary", cf);
    checkpoint.metrics = reader.anyJson(*reader.child(item, "metrics", cf), cf + ".metrics");
    a.checkpoints.push_back(std::move(checkpoint));
  }
  a.outcome = reader.string(node, "outcome", f);
  a.prevRecordSha256 = reader.string(node, "prevRecordSha256", f);
  return a;
}

// Consumes `literal` at `offset` or fails naming the line.
void expect(const Reader& reader, std::string_view text, std::size_t& offset, std::string_view literal,
            std::string_view what) {
  if (text.substr(offset, literal.size()) != literal) {
    reader.failAt(lineAt(text, offset), fmt::format("expected {}", what));
  }
  offset += literal.size();
}

// Reads up to the next `terminator` (exclusive) and moves past it.
std::string until(const Reader& reader, std::string_view text, std::size_t& offset,
                  std::string_view terminator, std::string_view what) {
  const std::size_t end = text.find(terminator, offset);
  if (end == std::string_view::npos) reader.failAt(lineAt(text, offset), fmt::format("expected {}", what));
  std::string value(text.substr(offset, end - offset));
  offset = end + terminator.size();
  return value;
}

}  // namespace

std::string Target::display() const {
  return namespace_.empty() ? kind + " " + name : kind + " " + namespace_ + "/" + name;
}

std::string_view toString(ChangeType type) {
  switch (type) {
    case ChangeType::Merge:
      return "merge";
    case ChangeType::Json:
      return "json";
    case ChangeType::Strategic:
      return "strategic";
    case ChangeType::Manifest:
      return "manifest";
  }
  return "unknown";
}

std::optional<ChangeType> parseChangeType(std::string_view text) {
  for (ChangeType type : {ChangeType::Merge, ChangeType::Json, ChangeType::Strategic, ChangeType::Manifest}) {
    if (toString(type) == text) return type;
  }
  return std::nullopt;
}

std::string formatDate(WallTime time) {
  return formatTimestamp(time).substr(0, 10);
}

std::string formatId(std::uint64_t number) {
  return fmt::format("{:04d}", number);
}

std::string slugify(std::string_view text, std::size_t maxLength) {
  std::string slug;
  bool dash = false;
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) && u < 0x80) {
      if (dash && !slug.empty()) slug += '-';
      dash = false;
      slug += static_cast<char>(std::tolower(u));
    } else {
      dash = true;
    }
  }
  if (slug.size() > maxLength) {
    const std::size_t cut = slug.find_last_of('-', maxLength);
    slug.resize(cut != std::string::npos && cut > maxLength / 2 ? cut : maxLength);
    while (!slug.empty() && slug.back() == '-')
      slug.pop_back();
  }
  return slug.empty() ? "record" : slug;
}

std::string recordFileName(const Header& header) {
  return fmt::format("{}-{}.{}.prompt.md", header.id, slugify(header.title), header.stage);
}

std::optional<FileName> parseRecordFileName(std::string_view name) {
  constexpr std::string_view suffix = ".prompt.md";
  if (!name.ends_with(suffix)) return std::nullopt;
  name.remove_suffix(suffix.size());
  const auto dot = name.find_last_of('.');
  const auto dash = name.find('-');
  if (dot == std::string_view::npos || dash == std::string_view::npos || dash > dot) return std::nullopt;
  FileName out;
  out.id = std::string(name.substr(0, dash));
  out.slug = std::string(name.substr(dash + 1, dot - dash - 1));
  out.stage = std::string(name.substr(dot + 1));
  if (out.id.size() < 4 || !isDigits(out.id) || out.id.size() > 12 || !isFeatureName(out.slug) ||
      out.stage.empty() ||
      !std::all_of(out.stage.begin(), out.stage.end(), [](char c) { return c >= 'a' && c <= 'z'; })) {
    return std::nullopt;
  }
  out.number = std::stoull(out.id);
  return out;
}

json::value toJson(const Identity& identity) {
  return json::object{{"user", identity.user}, {"groups", stringArray(identity.groups)}};
}

json::value toJson(const Target& t) {
  return json::object{{"apiVersion", t.apiVersion},
                      {"kind", t.kind},
                      {"namespace", t.namespace_},
                      {"name", t.name},
                      {"uid", t.uid},
                      {"generation", t.generation}};
}

json::value toJson(const OperationData& a) {
  json::object out;
  out["schema"] = kSchema;
  out["record"] = toString(a.record);
  if (!a.operationId.empty()) out["operationId"] = a.operationId;
  if (a.status) out["status"] = toString(*a.status);
  out["time"] = formatTimestamp(a.time);
  out["actor"] = toJson(a.actor);
  if (!a.requestedBy.user.empty()) out["requestedBy"] = toJson(a.requestedBy);
  if (a.requestedAt) out["requestedAt"] = formatTimestamp(*a.requestedAt);
  out["target"] = toJson(a.target);
  out["risk"] = model::toString(a.risk);
  out["action"] = a.action;
  out["summary"] = a.summary;
  out["rationale"] = a.rationale;
  out["source"] = a.source;
  out["evidence"] = stringArray(a.evidence);
  if (!a.findings.is_null()) out["findings"] = a.findings;
  if (a.change) {
    json::object change;
    change["type"] = toString(a.change->type);
    change["sha256"] = a.changeSha256;
    change["body"] = a.change->body;
    out["change"] = std::move(change);
  }
  if (a.before) out["before"] = json::object{{"sha256", a.beforeSha256}, {"object", *a.before}};
  if (a.rollback) out["rollback"] = toJson(*a.rollback, /*withSha=*/false);
  json::array approvals;
  for (const auto& approval : a.approvals) {
    json::object item{{"user", approval.identity.user},
                      {"groups", stringArray(approval.identity.groups)},
                      {"decision", approval.decision == Decision::Approve ? "approve" : "reject"},
                      {"justification", approval.justification},
                      {"time", formatTimestamp(approval.time)},
                      {"changeSha256", approval.changeSha256}};
    if (!approval.role.empty()) item["role"] = approval.role;
    approvals.push_back(std::move(item));
  }
  out["approvals"] = std::move(approvals);
  out["metrics"] = a.metrics;
  json::array checkpoints;
  for (const auto& c : a.checkpoints) {
    checkpoints.push_back(json::object{{"name", c.name},
                                       {"time", formatTimestamp(c.time)},
                                       {"verdict", c.passed ? "pass" : "fail"},
                                       {"summary", c.summary},
                                       {"metrics", c.metrics}});
  }
  out["checkpoints"] = std::move(checkpoints);
  out["outcome"] = a.outcome;
  out["prevRecordSha256"] = a.prevRecordSha256;
  return out;
}

json::value toJson(const Record& r) {
  const Header& h = r.header;
  json::object header{{"id", h.id},
                      {"title", h.title},
                      {"stage", h.stage},
                      {"date", h.date},
                      {"surface", h.surface},
                      {"model", h.model},
                      {"feature", h.feature},
                      {"branch", h.branch},
                      {"user", h.user},
                      {"command", h.command},
                      {"labels", stringArray(h.labels)},
                      {"links", json::object{{"spec", optionalLink(h.links.spec)},
                                             {"ticket", optionalLink(h.links.ticket)},
                                             {"adr", optionalLink(h.links.adr)},
                                             {"pr", optionalLink(h.links.pr)}}},
                      {"files", stringArray(h.files)},
                      {"tests", stringArray(h.tests)}};
  json::object body{{"prompt", r.prompt},
                    {"response", r.response},
                    {"outcome", json::object{{"impact", r.outcome.impact},
                                             {"tests", r.outcome.tests},
                                             {"files", r.outcome.files},
                                             {"nextPrompts", r.outcome.nextPrompts},
                                             {"reflection", r.outcome.reflection}}},
                    {"evaluation", json::object{{"failureModes", r.evaluation.failureModes},
                                                {"graders", r.evaluation.graders},
                                                {"promptVariant", r.evaluation.promptVariant},
                                                {"nextExperiment", r.evaluation.nextExperiment}}}};
  return json::object{{"header", std::move(header)}, {"aiops", toJson(r.aiops)}, {"body", std::move(body)}};
}

std::optional<std::string> validateRecord(const Record& record) {
  if (auto error = checkFields(record)) return error->field + ": " + error->message;
  return std::nullopt;
}

namespace {

// The bytes of a record already known to be valid.
std::string renderValid(const Record& r) {
  const Header& h = r.header;
  std::string out;
  out.reserve(4096);
  out += "---\n";
  out += "id: " + quoteJsonString(h.id) + "\n";
  out += "title: " + yamlString(h.title) + "\n";
  out += "stage: " + yamlString(h.stage) + "\n";
  out += "date: " + h.date + "\n";
  out += "surface: " + yamlString(h.surface) + "\n";
  out += "model: " + yamlString(h.model) + "\n";
  out += "feature: " + yamlString(h.feature) + "\n";
  out += "branch: " + yamlString(h.branch) + "\n";
  out += "user: " + yamlString(h.user) + "\n";
  out += "command: " + yamlString(h.command) + "\n";
  out += "labels: [";
  for (std::size_t i = 0; i < h.labels.size(); ++i) {
    if (i > 0) out += ',';
    out += quoteJsonString(h.labels[i]);
  }
  out += "]\n";
  out += "links:\n";
  const auto link = [](const std::optional<std::string>& l) {
    return l ? yamlString(*l) : std::string("null");
  };
  out += "  spec: " + link(h.links.spec) + "\n";
  out += "  ticket: " + link(h.links.ticket) + "\n";
  out += "  adr: " + link(h.links.adr) + "\n";
  out += "  pr: " + link(h.links.pr) + "\n";
  for (const auto& [key, items] : {std::pair{"files", &h.files}, std::pair{"tests", &h.tests}}) {
    out += key;
    if (items->empty()) {
      out += ": []\n";
      continue;
    }
    out += ":\n";
    for (const auto& item : *items)
      out += " - " + yamlString(item) + "\n";
  }
  out += "aiops:";
  appendYamlValue(out, toJson(r.aiops), 0);
  out += "---\n";
  out += kPromptHeading;
  out += r.prompt;
  out += kResponseHeading;
  out += r.response;
  out += kOutcomeHeading;
  const std::array<const std::string*, 5> outcome{&r.outcome.impact, &r.outcome.tests, &r.outcome.files,
                                                  &r.outcome.nextPrompts, &r.outcome.reflection};
  for (std::size_t i = 0; i < outcome.size(); ++i)
    out += std::string(kOutcomeBullets[i]) + *outcome[i] + "\n";
  out += kEvaluationHeading;
  const std::array<const std::string*, 4> evaluation{&r.evaluation.failureModes, &r.evaluation.graders,
                                                     &r.evaluation.promptVariant,
                                                     &r.evaluation.nextExperiment};
  for (std::size_t i = 0; i < evaluation.size(); ++i)
    out += std::string(kEvaluationBullets[i]) + *evaluation[i] + "\n";
  return out;
}

}  // namespace

std::string renderRecord(const Record& r) {
  if (auto error = validateRecord(r)) throw RecordError("cannot write the record: " + *error);
  return renderValid(r);
}

Record parseRecord(std::string_view text, std::string_view path) {
  Reader reader(path);
  if (!text.starts_with("---\n")) reader.failAt(1, "a record starts with a '---' line (YAML front matter)");
  const std::size_t close = text.find("\n---\n", 3);
  if (close == std::string_view::npos)
    reader.failAt(lineAt(text, text.size()), "the front matter has no closing '---' line");
  const std::string_view front = text.substr(4, close + 1 - 4);

  YamlNode root;
  try {
    root = detail::parseYaml(front);
  } catch (const detail::YamlError& e) {
    reader.failAt(e.line + 1, "invalid YAML: " + e.message);
  }
  if (root.kind != NodeKind::Map) reader.failAt(2, "the front matter is not a YAML mapping");

  Record r;
  for (std::size_t index = 0; index < root.members.size() || index < kHeaderKeys.size(); ++index) {
    if (index >= root.members.size()) {
      reader.failAt(lineAt(text, close + 1),
                    fmt::format("front-matter key '{}' is missing", kHeaderKeys[index]));
    }
    const auto& [key, value] = root.members[index];
    if (index >= kHeaderKeys.size()) reader.fail(value, key, "unknown front-matter key");
    if (key != kHeaderKeys[index]) {
      reader.fail(
          value, key,
          fmt::format("found where '{}' belongs (Spec-Kit Plus keys come in template order, then aiops)",
                      kHeaderKeys[index]));
    }
    reader.note(key, value);
  }
  const auto field = [&](std::string_view key) -> const YamlNode& { return *root.find(key); };
  Header& h = r.header;
  const YamlNode& idNode = field("id");
  if (idNode.kind != NodeKind::Scalar || !idNode.quoted)
    reader.fail(idNode, "id", "must be a quoted string such as \"0007\"");
  h.id = idNode.text;
  h.title = reader.scalar(field("title"), "title");
  h.stage = reader.scalar(field("stage"), "stage");
  h.date = reader.scalar(field("date"), "date");
  h.surface = reader.scalar(field("surface"), "surface");
  h.model = reader.scalar(field("model"), "model");
  h.feature = reader.scalar(field("feature"), "feature");
  h.branch = reader.scalar(field("branch"), "branch");
  h.user = reader.scalar(field("user"), "user");
  h.command = reader.scalar(field("command"), "command");
  h.labels = reader.strings(field("labels"), "labels");
  const YamlNode& links = field("links");
  reader.onlyKeys(links, {"spec", "ticket", "adr", "pr"}, "links");
  h.links.spec = reader.nullableString(*reader.child(links, "spec", "links"), "links.spec");
  h.links.ticket = reader.nullableString(*reader.child(links, "ticket", "links"), "links.ticket");
  h.links.adr = reader.nullableString(*reader.child(links, "adr", "links"), "links.adr");
  h.links.pr = reader.nullableString(*reader.child(links, "pr", "links"), "links.pr");
  h.files = reader.strings(field("files"), "files");
  h.tests = reader.strings(field("tests"), "tests");
  r.aiops = readOperation(reader, field("aiops"));

  std::size_t offset = close + 5;
  const std::string_view bodyText = text;
  expect(reader, bodyText, offset, kPromptHeading, "a blank line, then '## Prompt' and a blank line");
  r.prompt =
      until(reader, bodyText, offset, kResponseHeading, "a '## Response snapshot' section after the prompt");
  r.response =
      until(reader, bodyText, offset, kOutcomeHeading, "a '## Outcome' section after the response snapshot");
  const std::array<std::string*, 5> outcome{&r.outcome.impact, &r.outcome.tests, &r.outcome.files,
                                            &r.outcome.nextPrompts, &r.outcome.reflection};
  for (std::size_t i = 0; i < outcome.size(); ++i) {
    expect(reader, bodyText, offset, kOutcomeBullets[i],
           fmt::format("the Outcome bullet '{}'", kOutcomeBullets[i]));
    *outcome[i] = until(reader, bodyText, offset, "\n", "the end of the line");
  }
  expect(reader, bodyText, offset, kEvaluationHeading, "a blank line, then '## Evaluation notes (flywheel)'");
  const std::array<std::string*, 4> evaluation{&r.evaluation.failureModes, &r.evaluation.graders,
                                               &r.evaluation.promptVariant, &r.evaluation.nextExperiment};
  for (std::size_t i = 0; i < evaluation.size(); ++i) {
    expect(reader, bodyText, offset, kEvaluationBullets[i],
           fmt::format("the evaluation bullet '{}'", kEvaluationBullets[i]));
    *evaluation[i] = until(reader, bodyText, offset, "\n", "the end of the line");
  }
  if (offset != text.size())
    reader.failAt(lineAt(text, offset), "unexpected text after the evaluation notes");

  if (auto error = checkFields(r)) {
    reader.failAt(reader.lineOf(error->field, 1), error->field + ": " + error->message);
  }
  // Exactness: only the form the journal writes is a record; anything else was edited by hand.
  const std::string canonical = renderValid(r);
  if (canonical != text) {
    const auto mismatch = std::mismatch(canonical.begin(), canonical.end(), text.begin(), text.end());
    const auto offsetOfDifference = static_cast<std::size_t>(mismatch.second - text.begin());
    reader.failAt(lineAt(text, offsetOfDifference),
                  "not in the exact form the journal writes (spacing, quoting or key order differ)");
  }
  return r;
}

}  // namespace aiops::governance

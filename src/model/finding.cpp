// Finding and EvidenceItem: constructors, the one-line description, and the JSON form
// (docs/findings-json.md).
#include "model/finding.h"

#include <fmt/format.h>

#include <array>
#include <boost/json.hpp>
#include <utility>

#include "model/json_reader.h"

namespace aiops::model {
namespace {

namespace json = boost::json;

constexpr std::array<std::pair<Severity, std::string_view>, 4> kSeverities{
    {{Severity::Info, "info"},
     {Severity::Warning, "warning"},
     {Severity::Error, "error"},
     {Severity::Critical, "critical"}}};
constexpr std::array<std::pair<EvidenceItem::Kind, std::string_view>, 3> kEvidenceKinds{
    {{EvidenceItem::Kind::Event, "event"},
     {EvidenceItem::Kind::Log, "log"},
     {EvidenceItem::Kind::Field, "field"}}};

json::value refToJson(const FindingRef& ref) {
  json::object o;
  o["ruleId"] = ref.ruleId;
  o["kind"] = ref.object.kind;
  if (!ref.object.namespace_.empty()) o["namespace"] = ref.object.namespace_;
  o["name"] = ref.object.name;
  return o;
}

std::optional<EvidenceItem> readEvidence(detail::JsonReader& reader, const json::value& value,
                                         const std::string& where) {
  const json::object* o = reader.object(value, where);
  if (o == nullptr) return std::nullopt;
  EvidenceItem item;
  std::string type = reader.string(*o, "type", where, true);
  if (!reader.ok()) return std::nullopt;
  bool known = false;
  for (const auto& [kind, name] : kEvidenceKinds) {
    if (name == type) {
      item.kind = kind;
      known = true;
    }
  }
  if (!known) {
    reader.fail(where + ".type", fmt::format("unknown value \"{}\" (event, log, field)", type));
    return std::nullopt;
  }
  item.object = reader.string(*o, "object", where, false);
  item.text = reader.string(*o, "text", where, true);
  switch (item.kind) {
    case EvidenceItem::Kind::Event:
      item.reason = reader.string(*o, "reason", where, true);
      item.eventType = reader.string(*o, "eventType", where, false);
      item.count = reader.integer(*o, "count", where, 1);
      item.firstSeen = reader.time(*o, "firstSeen", where);
      item.lastSeen = reader.time(*o, "lastSeen", where);
      break;
    case EvidenceItem::Kind::Log:
      item.container = reader.string(*o, "container", where, false);
      item.previous = reader.boolean(*o, "previous", where, false);
      item.line = reader.integer(*o, "line", where, 0);
      item.signature = reader.string(*o, "signature", where, false);
      break;
    case EvidenceItem::Kind::Field:
      item.path = reader.string(*o, "path", where, true);
      break;
  }
  if (!reader.ok()) return std::nullopt;
  return item;
}

}  // namespace

std::string_view toString(Severity severity) {
  for (const auto& [s, name] : kSeverities) {
    if (s == severity) return name;
  }
  return "unknown";
}

std::optional<Severity> parseSeverity(std::string_view text) {
  for (const auto& [s, name] : kSeverities) {
    if (name == text) return s;
  }
  return std::nullopt;
}

EvidenceItem EvidenceItem::event(std::string object, std::string eventType, std::string reason,
                                 std::string message, std::int64_t count, std::optional<WallTime> firstSeen,
                                 std::optional<WallTime> lastSeen) {
  EvidenceItem item;
  item.kind = Kind::Event;
  item.object = std::move(object);
  item.eventType = std::move(eventType);
  item.reason = std::move(reason);
  item.text = std::move(message);
  item.count = count;
  item.firstSeen = firstSeen;
  item.lastSeen = lastSeen;
  return item;
}

EvidenceItem EvidenceItem::log(std::string object, std::string container, bool previous, std::int64_t line,
                               std::string text, std::string signature) {
  EvidenceItem item;
  item.kind = Kind::Log;
  item.object = std::move(object);
  item.container = std::move(container);
  item.previous = previous;
  item.line = line;
  item.text = std::move(text);
  item.signature = std::move(signature);
  return item;
}

EvidenceItem EvidenceItem::field(std::string object, std::string path, std::string value) {
  EvidenceItem item;
  item.kind = Kind::Field;
  item.object = std::move(object);
  item.path = std::move(path);
  item.text = std::move(value);
  return item;
}

std::string describe(const EvidenceItem& item) {
  switch (item.kind) {
    case EvidenceItem::Kind::Event: {
      std::string when;
      if (item.firstSeen && item.lastSeen && *item.firstSeen != *item.lastSeen) {
        when = fmt::format(" ({} … {})", formatTimestamp(*item.firstSeen), formatTimestamp(*item.lastSeen));
      } else if (item.lastSeen) {
        when = fmt::format(" ({})", formatTimestamp(*item.lastSeen));
      }
      std::string times = item.count > 1 ? fmt::format(" ×{}", item.count) : "";
      return fmt::format("event {} {}{}{}: \"{}\"", item.object, item.reason, times, when, item.text);
    }
    case EvidenceItem::Kind::Log:
      return fmt::format("log {} container {}{} line {}: {}", item.object, item.container,
                         item.previous ? " (previous)" : "", item.line, item.text);
    case EvidenceItem::Kind::Field:
      return fmt::format("field {} {} = {}", item.object, item.path, item.text);
  }
  return item.text;
}

json::value toJson(const EvidenceItem& item) {
  json::object o;
  for (const auto& [kind, name] : kEvidenceKinds) {
    if (kind == item.kind) o["type"] = name;
  }
  if (!item.object.empty()) o["object"] = item.object;
  switch (item.kind) {
    case EvidenceItem::Kind::Event:
      o["reason"] = item.reason;
      if (!item.eventType.empty()) o["eventType"] = item.eventType;
      o["count"] = item.count;
      if (item.firstSeen) o["firstSeen"] = formatTimestamp(*item.firstSeen);
      if (item.lastSeen) o["lastSeen"] = formatTimestamp(*item.lastSeen);
      break;
    case EvidenceItem::Kind::Log:
      if (!item.container.empty()) o["container"] = item.container;
      o["previous"] = item.previous;
      o["line"] = item.line;
      if (!item.signature.empty()) o["signature"] = item.signature;
      break;
    case EvidenceItem::Kind::Field:
      o["path"] = item.path;
      break;
  }
  o["text"] = item.text;
  return o;
}

json::value toJson(const Finding& f) {
  json::object o;
  o["ruleId"] = f.ruleId;
  o["title"] = f.title;
  o["severity"] = toString(f.severity);
  o["object"] = toJson(f.object);
  if (!f.container.empty()) o["container"] = f.container;
  if (!f.affected.empty()) {
    json::array affected;
    for (const std::string& name : f.affected)
      affected.push_back(json::string(name));
    o["affected"] = std::move(affected);
  }
  o["headline"] = f.headline;
  o["rootCause"] = f.rootCause;
  o["confidence"] = f.confidence;
  o["primary"] = f.primary;
  if (f.relatedTo) o["relatedTo"] = refToJson(*f.relatedTo);
  json::array evidence;
  for (const EvidenceItem& item : f.evidence)
    evidence.push_back(toJson(item));
  o["evidence"] = std::move(evidence);
  json::array recommendations;
  for (const Recommendation& r : f.recommendations)
    recommendations.push_back(toJson(r));
  o["recommendations"] = std::move(recommendations);
  if (!f.runbook.empty()) o["runbook"] = f.runbook;
  return o;
}

std::optional<EvidenceItem> evidenceFromJson(const json::value& value, std::string* error) {
  detail::JsonReader reader(error);
  return readEvidence(reader, value, "evidence");
}

std::optional<Finding> findingFromJson(const json::value& value, std::string* error) {
  detail::JsonReader reader(error);
  constexpr std::string_view where = "finding";
  const json::object* o = reader.object(value, where);
  if (o == nullptr) return std::nullopt;
  Finding f;
  f.ruleId = reader.string(*o, "ruleId", where, true);
  f.title = reader.string(*o, "title", where, false);
  std::string severity = reader.string(*o, "severity", where, true);
  if (!reader.ok()) return std::nullopt;
  auto s = parseSeverity(severity);
  if (!s) {
    reader.fail("finding.severity",
                fmt::format("unknown value \"{}\" (info, warning, error, critical)", severity));
    return std::nullopt;
  }
  f.severity = *s;
  const json::value* object = o->if_contains("object");
  if (object == nullptr) {
    reader.fail("finding.object", "missing");
    return std::nullopt;
  }
  std::string refError;
  auto ref = objectRefFromJson(*object, &refError);
  if (!ref) {
    reader.fail("finding", refError);
    return std::nullopt;
  }
  f.object = std::move(*ref);
  f.container = reader.string(*o, "container", where, false);
  if (const json::array* affected = reader.array(*o, "affected", where)) {
    for (std::size_t i = 0; i < affected->size(); ++i) {
      const json::string* name = (*affected)[i].if_string();
      if (name == nullptr) {
        reader.fail(fmt::format("finding.affected[{}]", i), "expected a string");
        return std::nullopt;
      }
      f.affected.emplace_back(*name);
    }
  }
  f.headline = reader.string(*o, "headline", where, false);
  f.rootCause = reader.string(*o, "rootCause", where, true);
  std::int64_t confidence = reader.integer(*o, "confidence", where, 0);
  if (confidence < 0 || confidence > 100) {
    reader.fail("finding.confidence", fmt::format("must be between 0 and 100, not {}", confidence));
    return std::nullopt;
  }
  f.confidence = static_cast<int>(confidence);
  f.primary = reader.boolean(*o, "primary", where, true);
  if (const json::value* related = o->if_contains("relatedTo")) {
    const json::object* r = reader.object(*related, "finding.relatedTo");
    if (r == nullptr) return std::nullopt;
    FindingRef ref2;
    ref2.ruleId = reader.string(*r, "ruleId", "finding.relatedTo", true);
    ref2.object.kind = reader.string(*r, "kind", "finding.relatedTo", true);
    ref2.object.namespace_ = reader.string(*r, "namespace", "finding.relatedTo", false);
    ref2.object.name = reader.string(*r, "name", "finding.relatedTo", true);
    f.relatedTo = std::move(ref2);
  }
  if (const json::array* evidence = reader.array(*o, "evidence", where)) {
    for (std::size_t i = 0; i < evidence->size(); ++i) {
      auto item = readEvidence(reader, (*evidence)[i], fmt::format("finding.evidence[{}]", i));
      if (!item) return std::nullopt;
      f.evidence.push_back(std::move(*item));
    }
  }
  if (const json::array* recommendations = reader.array(*o, "recommendations", where)) {
    for (std::size_t i = 0; i < recommendations->size(); ++i) {
      std::string recError;
      auto r = recommendationFromJson((*recommendations)[i], &recError);
      if (!r) {
        reader.fail(fmt::format("finding.recommendations[{}]", i), recError);
        return std::nullopt;
      }
      f.recommendations.push_back(std::move(*r));
    }
  }
  f.runbook = reader.string(*o, "runbook", where, false);
  if (!reader.ok()) return std::nullopt;
  return f;
}

}  // namespace aiops::model

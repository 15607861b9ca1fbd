// Recommendation enums, the kubectl command for a patch, and the JSON form (docs/findings-json.md).
#include "model/recommendation.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cctype>
#include <utility>

#include "model/json_reader.h"

namespace aiops::model {
namespace {

namespace json = boost::json;

// One table per enum, so that printing and parsing cannot drift apart.
constexpr std::array<std::pair<ActionKind, std::string_view>, 15> kActions{{
    {ActionKind::Restart, "restart"},
    {ActionKind::ConfigChange, "config-change"},
    {ActionKind::ResourceIncrease, "resource-increase"},
    {ActionKind::ResourceDecrease, "resource-decrease"},
    {ActionKind::Scaling, "scaling"},
    {ActionKind::NodeDrain, "node-drain"},
    {ActionKind::NodeUncordon, "node-uncordon"},
    {ActionKind::ImageFix, "image-fix"},
    {ActionKind::ProbeFix, "probe-fix"},
    {ActionKind::SelectorFix, "selector-fix"},
    {ActionKind::SchedulingChange, "scheduling-change"},
    {ActionKind::CreateObject, "create-object"},
    {ActionKind::QuotaChange, "quota-change"},
    {ActionKind::Rollback, "rollback"},
    {ActionKind::Investigate, "investigate"},
}};
constexpr std::array<std::pair<Risk, std::string_view>, 4> kRisks{
    {{Risk::Low, "low"}, {Risk::Medium, "medium"}, {Risk::High, "high"}, {Risk::Critical, "critical"}}};
constexpr std::array<std::pair<PatchType, std::string_view>, 3> kPatchTypes{
    {{PatchType::Merge, "merge"}, {PatchType::Json, "json"}, {PatchType::Strategic, "strategic"}}};

template <typename E, std::size_t N>
std::string_view nameOf(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return "unknown";
}

template <typename E, std::size_t N>
std::optional<E> valueOf(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view text) {
  for (const auto& [e, name] : table) {
    if (name == text) return e;
  }
  return std::nullopt;
}

// Single-quoted for a POSIX shell: a ' inside becomes '\''.
std::string shellQuote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

json::value patchToJson(const Patch& patch) {
  return json::object{{"type", nameOf(kPatchTypes, patch.type)}, {"body", patch.body}};
}

std::optional<Patch> patchFromJson(detail::JsonReader& reader, const json::value& value,
                                   std::string_view where) {
  const json::object* o = reader.object(value, where);
  if (o == nullptr) return std::nullopt;
  Patch patch;
  std::string type = reader.string(*o, "type", where, /*required=*/true);
  if (!reader.ok()) return std::nullopt;
  auto parsed = valueOf(kPatchTypes, type);
  if (!parsed) {
    reader.fail(fmt::format("{}.type", where),
                fmt::format("unknown value \"{}\" (merge, json, strategic)", type));
    return std::nullopt;
  }
  patch.type = *parsed;
  const json::value* body = o->if_contains("body");
  if (body == nullptr) {
    reader.fail(fmt::format("{}.body", where), "missing");
    return std::nullopt;
  }
  patch.body = *body;
  return patch;
}

std::optional<ObjectRef> readRef(detail::JsonReader& reader, const json::value& value, std::string_view where,
                                 int depth) {
  const json::object* o = reader.object(value, where);
  if (o == nullptr) return std::nullopt;
  ObjectRef ref;
  ref.apiVersion = reader.string(*o, "apiVersion", where, false);
  ref.kind = reader.string(*o, "kind", where, true);
  ref.namespace_ = reader.string(*o, "namespace", where, false);
  ref.name = reader.string(*o, "name", where, true);
  if (const json::array* owners = reader.array(*o, "owners", where)) {
    if (depth > 8) {
      reader.fail(fmt::format("{}.owners", where), "owner chain nested too deeply");
      return std::nullopt;
    }
    for (std::size_t i = 0; i < owners->size(); ++i) {
      auto owner = readRef(reader, (*owners)[i], fmt::format("{}.owners[{}]", where, i), depth + 1);
      if (!owner) return std::nullopt;
      ref.owners.push_back(std::move(*owner));
    }
  }
  if (!reader.ok()) return std::nullopt;
  return ref;
}

}  // namespace

std::string ObjectRef::display() const {
  if (namespace_.empty()) return fmt::format("{} {}", kind, name);
  return fmt::format("{} {}/{}", kind, namespace_, name);
}

std::string_view toString(ActionKind action) {
  return nameOf(kActions, action);
}
std::string_view toString(Risk risk) {
  return nameOf(kRisks, risk);
}
std::string_view toString(PatchType type) {
  return nameOf(kPatchTypes, type);
}
std::optional<ActionKind> parseActionKind(std::string_view text) {
  return valueOf(kActions, text);
}
std::optional<Risk> parseRisk(std::string_view text) {
  return valueOf(kRisks, text);
}
std::optional<PatchType> parsePatchType(std::string_view text) {
  return valueOf(kPatchTypes, text);
}

std::string kubectlPatchCommand(const ObjectRef& target, const Patch& patch) {
  std::string resource = target.kind;
  std::transform(resource.begin(), resource.end(), resource.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string command = "kubectl";
  if (!target.namespace_.empty()) command += fmt::format(" -n {}", target.namespace_);
  command += fmt::format(" patch {} {} --type {} -p {}", resource, target.name, toString(patch.type),
                         shellQuote(json::serialize(patch.body)));
  return command;
}

json::value toJson(const ObjectRef& ref) {
  json::object o;
  if (!ref.apiVersion.empty()) o["apiVersion"] = ref.apiVersion;
  o["kind"] = ref.kind;
  if (!ref.namespace_.empty()) o["namespace"] = ref.namespace_;
  o["name"] = ref.name;
  if (!ref.owners.empty()) {
    json::array owners;
    for (const ObjectRef& owner : ref.owners)
      owners.push_back(toJson(owner));
    o["owners"] = std::move(owners);
  }
  return o;
}

json::value toJson(const Recommendation& r) {
  json::object o;
  o["action"] = toString(r.action);
  o["target"] = toJson(r.target);
  o["summary"] = r.summary;
  if (r.patch) o["patch"] = patchToJson(*r.patch);
  if (r.undo) o["undo"] = patchToJson(*r.undo);
  if (!r.commands.empty()) {
    json::array commands;
    for (const std::string& c : r.commands)
      commands.push_back(json::string(c));
    o["commands"] = std::move(commands);
  }
  o["expectedOutcome"] = r.expectedOutcome;
  o["risk"] = toString(r.risk);
  o["rationale"] = r.rationale;
  if (!r.runbook.empty()) o["runbook"] = r.runbook;
  return o;
}

std::optional<ObjectRef> objectRefFromJson(const json::value& value, std::string* error) {
  detail::JsonReader reader(error);
  return readRef(reader, value, "object", 0);
}

std::optional<Recommendation> recommendationFromJson(const json::value& value, std::string* error) {
  detail::JsonReader reader(error);
  constexpr std::string_view where = "recommendation";
  const json::object* o = reader.object(value, where);
  if (o == nullptr) return std::nullopt;
  Recommendation r;
  std::string action = reader.string(*o, "action", where, true);
  std::string risk = reader.string(*o, "risk", where, true);
  if (!reader.ok()) return std::nullopt;
  if (auto a = parseActionKind(action)) {
    r.action = *a;
  } else {
    reader.fail("recommendation.action", fmt::format("unknown value \"{}\"", action));
    return std::nullopt;
  }
  if (auto k = parseRisk(risk)) {
    r.risk = *k;
  } else {
    reader.fail("recommendation.risk",
                fmt::format("unknown value \"{}\" (low, medium, high, critical)", risk));
    return std::nullopt;
  }
  const json::value* target = o->if_contains("target");
  if (target == nullptr) {
    reader.fail("recommendation.target", "missing");
    return std::nullopt;
  }
  auto ref = readRef(reader, *target, "recommendation.target", 0);
  if (!ref) return std::nullopt;
  r.target = std::move(*ref);
  r.summary = reader.string(*o, "summary", where, true);
  if (const json::value* p = o->if_contains("patch")) {
    r.patch = patchFromJson(reader, *p, "recommendation.patch");
    if (!r.patch) return std::nullopt;
  }
  if (const json::value* u = o->if_contains("undo")) {
    r.undo = patchFromJson(reader, *u, "recommendation.undo");
    if (!r.undo) return std::nullopt;
  }
  if (const json::array* commands = reader.array(*o, "commands", where)) {
    for (std::size_t i = 0; i < commands->size(); ++i) {
      const json::string* s = (*commands)[i].if_string();
      if (s == nullptr) {
        reader.fail(fmt::format("recommendation.commands[{}]", i), "expected a string");
        return std::nullopt;
      }
      r.commands.emplace_back(*s);
    }
  }
  r.expectedOutcome = reader.string(*o, "expectedOutcome", where, false);
  r.rationale = reader.string(*o, "rationale", where, false);
  r.runbook = reader.string(*o, "runbook", where, false);
  if (!reader.ok()) return std::nullopt;
  return r;
}

}  // namespace aiops::model

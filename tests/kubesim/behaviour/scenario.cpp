// Parsing and cross-checking a scenario's behaviour documents.
#include "scenario.h"

#include <limits>
#include <map>
#include <set>

#include "clock.h"
#include "document.h"

namespace kubesim::behaviour {

namespace {

ClockSettings parseClock(const ScenarioDocument& document) {
  Fields f(document, "Clock");
  f.allowOnly({"start", "scale", "frozen"});
  ClockSettings settings;
  if (std::optional<std::string> start = f.string("start")) {
    settings.start = parseTime(*start);
    if (!settings.start)
      f.fail("start", "invalid RFC 3339 time \"" + *start + "\" (e.g. 2026-11-20T09:05:00Z)");
  }
  settings.scale = f.number("scale", 1, 0, std::numeric_limits<double>::infinity());
  if (settings.scale <= 0) f.fail("scale", "must be more than 0");
  settings.frozen = f.boolean("frozen").value_or(false);
  return settings;
}

}  // namespace

Scenario parseScenario(const std::vector<ScenarioDocument>& documents) {
  Scenario scenario;
  std::vector<Profile> profiles;
  std::map<std::string, std::string> profileWhere;
  std::map<std::pair<std::string, std::string>, std::string> curveWhere;
  std::vector<TimelineEntry> entries;
  std::string clockWhere;
  auto documentWhere = [](const ScenarioDocument& d) {
    return d.line > 0 ? d.file + ":" + std::to_string(d.line) : d.file;
  };
  for (const ScenarioDocument& document : documents) {
    if (document.kind == "Clock") {
      if (!clockWhere.empty()) {
        throw StateError(documentWhere(document) + ": Clock: a scenario has one Clock (the first is at " +
                         clockWhere + ")");
      }
      clockWhere = documentWhere(document);
      scenario.clock = parseClock(document);
    } else if (document.kind == "BehaviourProfile") {
      Profile profile = parseProfile(document);
      auto [it, inserted] = profileWhere.emplace(profile.name, documentWhere(document));
      if (!inserted) {
        throw StateError(documentWhere(document) + ": BehaviourProfile " + profile.name +
                         ": duplicate name (first defined at " + it->second + ")");
      }
      profiles.push_back(std::move(profile));
    } else if (document.kind == "LoadCurve") {
      LoadCurve curve = parseLoadCurve(document);
      auto [it, inserted] =
          curveWhere.emplace(std::pair{curve.namespace_, curve.service}, documentWhere(document));
      if (!inserted) {
        throw StateError(documentWhere(document) + ": LoadCurve " + curve.namespace_ + "/" + curve.service +
                         ": the Service already has a load curve (at " + it->second + ")");
      }
      scenario.loadCurves.push_back(std::move(curve));
    } else if (document.kind == "Timeline") {
      for (auto& entry : parseTimeline(document))
        entries.push_back(std::move(entry));
    } else {
      throw StateError(documentWhere(document) + ": " + document.kind + " is not a behaviour document");
    }
  }
  scenario.profiles = ProfileSet(std::move(profiles));
  for (const auto& entry : entries) {
    if (const auto* set = std::get_if<SetProfile>(&entry.action)) {
      if (scenario.profiles.byName(set->profile) == nullptr) {
        throw StateError(entry.where + ": Timeline: setProfile: no BehaviourProfile named \"" + set->profile +
                         "\"");
      }
    }
  }
  scenario.timeline = Timeline(std::move(entries));
  return scenario;
}

}  // namespace kubesim::behaviour

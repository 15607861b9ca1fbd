// A scenario's behaviour: its clock settings, profiles, load curves and timeline, parsed from the kubesim
// documents the scenario loader collected (ClusterState::behaviourDocuments) and checked against each other.
#pragma once

#include <optional>
#include <vector>

#include "../state.h"
#include "load.h"
#include "profile.h"
#include "timeline.h"

namespace kubesim::behaviour {

// `kind: Clock`: where virtual time starts and how fast it runs.
struct ClockSettings {
  std::optional<TimePoint> start;  // when absent, the server picks (e.g. the real time at start-up)
  double scale = 1;
  bool frozen = false;
};

struct Scenario {
  ClockSettings clock;
  ProfileSet profiles;
  std::vector<LoadCurve> loadCurves;
  Timeline timeline;
};

// Throws kubesim::StateError ("<file>:<line>: <kind> <name>: <problem>") for a malformed document, a
// duplicate profile name, two curves for one Service, more than one Clock, or a setProfile naming an unknown
// profile.
Scenario parseScenario(const std::vector<ScenarioDocument>& documents);

}  // namespace kubesim::behaviour

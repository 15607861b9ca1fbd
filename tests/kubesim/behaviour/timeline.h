// A scenario's timeline: things that happen to the cluster at set times after the scenario starts (load
// changes, a pod killed, node pressure, an image gone bad, a ConfigMap key removed, a pod's behaviour
// switched). The models only say what is due; the controllers apply each action to the store as the real
// event would happen (a deleted pod, a node condition, ErrImagePull, CreateContainerConfigError).
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "../state.h"
#include "support.h"

namespace kubesim::behaviour {

// The Service's load becomes a constant rps (LoadModel::setLoad).
struct SetLoad {
  std::string namespace_;
  std::string service;
  double rps = 0;
  bool operator==(const SetLoad&) const = default;
};
// Deletes the named pod, or every pod the label selector matches.
struct KillPod {
  std::string namespace_;
  std::string name;
  std::string selector;
  bool operator==(const KillPod&) const = default;
};
// Sets a node condition: MemoryPressure, DiskPressure or PIDPressure, to True (pressure) or False.
struct NodePressure {
  std::string node;
  std::string condition;
  bool status = true;
  bool operator==(const NodePressure&) const = default;
};
// The Deployment's container (the first when unnamed) is set to `image`, and that image cannot be pulled.
struct BadImage {
  std::string namespace_;
  std::string deployment;
  std::string container;
  std::string image;
  bool operator==(const BadImage&) const = default;
};
// The key disappears from the ConfigMap (pods that need it fail with CreateContainerConfigError).
struct RemoveConfigMapKey {
  std::string namespace_;
  std::string name;
  std::string key;
  bool operator==(const RemoveConfigMapKey&) const = default;
};
// Running pods switch to another behaviour profile, without a restart: those of one pod, of a Deployment,
// of a label selector, or (cluster-wide) of an image.
struct SetProfile {
  std::string namespace_;
  std::string pod;
  std::string deployment;
  std::string selector;
  std::string image;
  std::string profile;
  bool operator==(const SetProfile&) const = default;
};

using TimelineAction = std::variant<SetLoad, KillPod, NodePressure, BadImage, RemoveConfigMapKey, SetProfile>;

// "setLoad", "killPod", "nodePressure", "badImage", "removeConfigMapKey", "setProfile".
std::string actionName(const TimelineAction& action);

struct TimelineEntry {
  Duration at{0};  // since the scenario started
  TimelineAction action;
  std::string where;  // "<file>:<line>" of the entry, for errors found when applying it
};

// Parses a `kind: Timeline` document (fields in behaviour/README.md); throws kubesim::StateError.
std::vector<TimelineEntry> parseTimeline(const ScenarioDocument& document);

// One action given on its own, to apply at once (the body of kubesim's /kubesim/v1/actions): the fields of
// a timeline entry without `at`; `namespace` defaults to "default". Throws kubesim::StateError with a
// message naming the field, without a file position: `rps: expected a number, found a string`.
TimelineAction parseTimelineAction(const boost::json::object& body);
// The action as a JSON object in the entry's form, defaults filled in: {"action":"killPod","namespace":...}.
boost::json::object actionToJson(const TimelineAction& action);

class Timeline {
 public:
  Timeline() = default;
  // Orders the entries by `at`; entries at the same time keep their scenario order.
  explicit Timeline(std::vector<TimelineEntry> entries);

  // The entries with from <= at < to, in order. Calling it with consecutive intervals ([0, t1), [t1, t2),
  // ...) yields every entry exactly once.
  std::vector<TimelineEntry> dueBetween(Duration from, Duration to) const;
  // The first `at` at or after `from`, to know how long to sleep; nullopt when nothing is left.
  std::optional<Duration> nextAt(Duration from) const;

  const std::vector<TimelineEntry>& entries() const { return entries_; }

 private:
  std::vector<TimelineEntry> entries_;
};

}  // namespace kubesim::behaviour

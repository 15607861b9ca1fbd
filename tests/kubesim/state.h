// The initial state of a simulated cluster: objects, container logs and users, read from a scenario file or
// from a `kubectl cluster-info dump --output-directory` directory.
#pragma once

#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "logs.h"

namespace kubesim {

struct LogKey {
  std::string namespace_;
  std::string pod;
  std::string container;
  bool previous = false;
  auto operator<=>(const LogKey&) const = default;
};

struct ScenarioUser {
  std::string name;
  std::vector<std::string> groups;
};

// A kubesim document that the behaviour models parse (kinds Clock, BehaviourProfile, LoadCurve, Timeline; see
// behaviour/README.md), kept as JSON with the line of each field so their errors can point into the scenario.
struct ScenarioDocument {
  std::string kind;
  boost::json::object body;
  std::string file;
  int line = 0;                      // the line the document starts on; 0 when unknown (a JSON file)
  std::map<std::string, int> lines;  // JSON pointer of a field ("/cpu/baselineMillicores") -> its line
};

struct ClusterState {
  std::vector<boost::json::object> objects;  // full objects, each with apiVersion, kind and metadata.name
  std::map<LogKey, std::string> logs;
  std::map<LogKey, GeneratedLog> generatedLogs;  // lines before the text of the same key (PodLog generate)
  std::vector<ScenarioUser> users;               // besides the built-in admin
  std::vector<ScenarioDocument> behaviourDocuments;  // in file order
  std::vector<ScenarioDocument> faultDocuments;      // `kind: Fault`, parsed by faults.h
};

// Thrown with "<file>:<line>: <what is wrong>" (or the directory and file for a dump).
class StateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A scenario is a YAML stream of ordinary Kubernetes objects (which may carry status) plus kubesim documents
// (apiVersion kubesim.aiops.dev/v1): `kind: User` {name, groups} and `kind: PodLog` {namespace, pod,
// container, previous, text or textBase64 (bytes YAML cannot hold), generate: {line, count}: count lines
// before the text, "{n}" in line numbering them, served without being held in memory}. See docs/kubesim.md.
// The behaviour kinds (Clock, BehaviourProfile, LoadCurve, Timeline) are collected unparsed into
// behaviourDocuments; kubesim::behaviour::parseScenario reads them.
ClusterState loadScenario(const std::filesystem::path& file);

// The layout `kubectl cluster-info dump --output-directory` writes: nodes.json,
// <ns>/{events,pods,deployments, replicasets,services,daemonsets,replication-controllers}.json,
// <ns>/<pod>/logs.txt, plus the common additions <ns>/<pod>/logs-<container>-previous.txt and any further
// <ns>/*.yaml or *.json object files.
ClusterState loadClusterInfoDump(const std::filesystem::path& directory);

}  // namespace kubesim

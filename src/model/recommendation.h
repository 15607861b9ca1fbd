// Recommendation: the exact change that would fix a Finding, with its risk, expected outcome and undo.
//
// src/model/ owns the vocabulary every capability ends in (diagnose, recommend, rollout, report, security):
// a Finding says what is wrong, a Recommendation what to change. It uses src/support/ only; governance and
// the executor read these types, analyzers write them. The JSON form is a stable schema documented in
// docs/findings-json.md: keys are lowerCamelCase, enums are lowercase-hyphenated words, absent optional
// values are omitted (never null), and a key is never renamed or given another meaning.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aiops::model {

// What kind of change a Recommendation makes. The executor and the approval policy key off this.
enum class ActionKind {
  Restart,           // restart pods (rollout restart); nothing in the spec changes
  ConfigChange,      // change configuration: env, command, ConfigMap/Secret content, security context
  ResourceIncrease,  // raise requests or limits
  ResourceDecrease,  // lower requests or limits
  Scaling,           // change replicas or add capacity
  NodeDrain,         // cordon and drain a node
  NodeUncordon,      // make a cordoned node schedulable again
  ImageFix,          // change the image reference or its pull credentials
  ProbeFix,          // change a liveness, readiness or startup probe
  SelectorFix,       // change a Service or workload selector
  SchedulingChange,  // tolerations, node selector, affinity, host ports
  CreateObject,      // create a missing object (ConfigMap, Secret, ServiceAccount, StorageClass)
  QuotaChange,       // change a ResourceQuota or LimitRange
  Rollback,          // return a workload to its previous revision
  Investigate,       // no safe automatic change: a person must look (the steps say where)
};

enum class Risk { Low, Medium, High, Critical };

enum class PatchType { Merge, Json, Strategic };  // application/merge-patch+json, json-patch, strategic

// A reference to a Kubernetes object. `owners` is the controller chain upwards (Pod → ReplicaSet →
// Deployment lists the ReplicaSet first); it is empty for top-level objects.
struct ObjectRef {
  std::string apiVersion;  // may be empty when unknown (e.g. an owner seen only by kind and name)
  std::string kind;
  std::string namespace_;  // empty for cluster-scoped objects
  std::string name;
  std::vector<ObjectRef> owners;

  // "Deployment shop/backend", "Node worker-1".
  std::string display() const;
  friend bool operator==(const ObjectRef&, const ObjectRef&) = default;
};

struct Patch {
  PatchType type = PatchType::Strategic;
  boost::json::value body;
  friend bool operator==(const Patch&, const Patch&) = default;
};

struct Recommendation {
  ActionKind action = ActionKind::Investigate;
  ObjectRef target;                   // the object the change applies to (the Deployment, not its pod)
  std::string summary;                // one line: "raise the memory limit of container app to 384Mi"
  std::optional<Patch> patch;         // the exact change, when it is knowable
  std::optional<Patch> undo;          // the inverse patch; absent when the change cannot be undone by a patch
  std::vector<std::string> commands;  // kubectl commands that confirm or perform the change
  std::string expectedOutcome;
  Risk risk = Risk::Low;
  std::string rationale;
  std::string runbook;  // runbook id (file operations/runbooks/<id>.md)

  friend bool operator==(const Recommendation&, const Recommendation&) = default;
};

std::string_view toString(ActionKind action);  // "resource-increase"
std::string_view toString(Risk risk);          // "low"
std::string_view toString(PatchType type);     // "merge", "json", "strategic"
std::optional<ActionKind> parseActionKind(std::string_view text);
std::optional<Risk> parseRisk(std::string_view text);
std::optional<PatchType> parsePatchType(std::string_view text);

// The `kubectl patch` command that applies `patch` to `target` (namespace and --type included).
std::string kubectlPatchCommand(const ObjectRef& target, const Patch& patch);

boost::json::value toJson(const ObjectRef& ref);
boost::json::value toJson(const Recommendation& recommendation);
// nullopt with `error` set ("recommendation.risk: unknown value \"severe\"") on a malformed document.
std::optional<ObjectRef> objectRefFromJson(const boost::json::value& json, std::string* error);
std::optional<Recommendation> recommendationFromJson(const boost::json::value& json, std::string* error);

}  // namespace aiops::model

// diagnose(): runs every analyzer over one Evidence snapshot and joins what they detect into one answer
// per problem: pods grouped by owner, concurrent causes ranked with one primary, deterministic order.
//
// A pure function of its inputs: no clock (`now` is an option), no I/O, no transport. The same Evidence and
// Options always give the same Diagnosis, byte for byte.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "diagnose/evidence.h"
#include "model/finding.h"

namespace aiops::diagnose {

struct Options {
  WallTime now{};
  // Pending, ContainerCreating and Init states younger than this are normal start-up, not problems.
  std::chrono::seconds startupGrace{120};
  // Restarts, probe failures and workload events older than this are history.
  std::chrono::seconds recentWindow{3600};
  // OOM kills, evictions and failed Jobs older than this are history.
  std::chrono::seconds historyWindow{24 * 3600};
  // An init container running longer than this without finishing is stuck.
  std::chrono::seconds initStuckAfter{300};
  // A container running again after this many recent restarts still gets a finding (AIOPS-D130).
  std::int64_t restartThreshold = 3;
  // Suppressed rule IDs, and severities overridden by rule ID.
  std::set<std::string, std::less<>> disabledRules;
  std::map<std::string, model::Severity, std::less<>> severityOverrides;
};

struct Diagnosis {
  WallTime generatedAt{};
  std::vector<model::Finding> findings;  // most severe first, then namespace, name and rule ID
  std::vector<Unreadable> unreadable;    // what the evidence could not include
  std::int64_t podsExamined = 0;

  bool healthy() const { return findings.empty(); }
};

Diagnosis diagnose(const Evidence& evidence, const Options& options);

// What an analyzer reads, so that a collector fetches only what the selected analyzers need.
enum class Need : unsigned {
  Pods = 1U << 0,
  Events = 1U << 1,
  Logs = 1U << 2,  // current and previous log tails of failing containers
  Workloads = 1U << 3,
  Nodes = 1U << 4,
  Storage = 1U << 5,   // PersistentVolumeClaims, PersistentVolumes, StorageClasses
  Services = 1U << 6,  // Services and Endpoints
  Config = 1U << 7,    // ConfigMap and Secret names and key names
  ServiceAccounts = 1U << 8,
  Quotas = 1U << 9,
  Metrics = 1U << 10,
  RegistrySecrets = 1U << 11,  // the namespace's registry credentials, when an image pull fails
};

struct AnalyzerInfo {
  std::string_view name;  // "crashloop"
  std::string_view description;
  unsigned needs;                       // Need bits
  std::vector<std::string_view> rules;  // the rule IDs it can emit
};

// Every analyzer, in the order diagnose() runs them.
const std::vector<AnalyzerInfo>& analyzers();

// The JSON document of `kubectl aiops diagnose -o json` (schema in docs/findings-json.md).
boost::json::value toJson(const Diagnosis& diagnosis);

}  // namespace aiops::diagnose

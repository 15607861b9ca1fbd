// Test fixtures for src/diagnose/: Evidence from the YAML files in tests/fixtures/diagnose/, and helpers to
// pick findings out of a Diagnosis.
//
// A fixture is a stream of ordinary Kubernetes objects (as `kubectl get -o yaml` prints them) plus three
// documents that stand for what the collector reads besides objects:
//   kind: ContainerLog   {namespace, pod, container, previous, text, truncated}
//   kind: MemoryPeak     {namespace, pod, container, peak, windowSeconds}
//   kind: Unreadable     {what, error}
// Every namespace that appears, and the cluster scope, count as completely listed unless a
//   kind: Listed         {entries: ["configmaps/shop", ...]}
// document says exactly what was.
#pragma once

#include <yaml-cpp/yaml.h>

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "diagnose/diagnose.h"
#include "diagnose/evidence.h"

namespace aiops::diagnose::testing {

// 2024-05-01T12:00:00Z: "now" in every fixture.
WallTime fixtureNow();
Options fixtureOptions();

boost::json::value yamlToJson(const YAML::Node& node);
// Every document of a YAML file (tests/fixtures/diagnose/<name>.yaml).
std::vector<boost::json::value> loadDocuments(const std::string& name);
Evidence loadEvidence(const std::string& name);
Diagnosis diagnoseFixture(const std::string& name, const Options& options = fixtureOptions());

// The findings with this rule ID (in diagnosis order).
std::vector<const model::Finding*> withRule(const Diagnosis& d, std::string_view ruleId);
// The only finding with this rule ID; fails the test (and returns an empty finding) if there is not exactly
// one.
const model::Finding& only(const Diagnosis& d, std::string_view ruleId);
// "AIOPS-D100 Pod shop/web-1 primary" for each finding, in order: a compact picture for exact comparisons.
std::vector<std::string> summary(const Diagnosis& d);

}  // namespace aiops::diagnose::testing

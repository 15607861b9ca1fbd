// YAML fixtures to Evidence (see fixture.h).
#include "fixture.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <regex>
#include <set>

#include "diagnose/evidence_builder.h"

namespace aiops::diagnose::testing {
namespace {

namespace json = boost::json;

json::value scalar(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return json::string(text);  // quoted: always a string
  if (text == "null" || text == "~" || text.empty()) return nullptr;
  if (text == "true") return true;
  if (text == "false") return false;
  static const std::regex kInteger("-?[0-9]+");
  if (std::regex_match(text, kInteger)) {
    try {
      return static_cast<std::int64_t>(std::stoll(text));
    } catch (const std::out_of_range&) {
      return json::string(text);
    }
  }
  return json::string(text);
}

}  // namespace

WallTime fixtureNow() {
  return *parseTimestamp("2024-05-01T12:00:00Z");
}

Options fixtureOptions() {
  Options options;
  options.now = fixtureNow();
  return options;
}

json::value yamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json::object o;
      for (const auto& item : node)
        o[item.first.Scalar()] = yamlToJson(item.second);
      return o;
    }
    case YAML::NodeType::Sequence: {
      json::array a;
      for (const auto& item : node)
        a.push_back(yamlToJson(item));
      return a;
    }
    case YAML::NodeType::Scalar:
      return scalar(node);
    default:
      return nullptr;
  }
}

std::vector<json::value> loadDocuments(const std::string& name) {
  std::string path = fmt::format("{}/{}.yaml", DIAGNOSE_FIXTURES, name);
  std::vector<json::value> out;
  for (const YAML::Node& doc : YAML::LoadAllFromFile(path)) {
    if (doc.IsNull()) continue;
    out.push_back(yamlToJson(doc));
  }
  return out;
}

Evidence loadEvidence(const std::string& name) {
  EvidenceBuilder builder;
  std::set<std::string> namespaces;
  bool explicitListing = false;
  for (const json::value& doc : loadDocuments(name)) {
    std::string kind = kube::stringAt(&doc, {"kind"});
    if (kind == "ContainerLog") {
      LogTail tail;
      tail.fetched = true;
      tail.text = kube::stringAt(&doc, {"text"});
      tail.truncated = kube::boolAt(&doc, {"truncated"});
      builder.setLogs(kube::stringAt(&doc, {"namespace"}), kube::stringAt(&doc, {"pod"}),
                      kube::stringAt(&doc, {"container"}), kube::boolAt(&doc, {"previous"}), tail);
    } else if (kind == "MemoryPeak") {
      builder.setMemoryPeak(kube::stringAt(&doc, {"namespace"}), kube::stringAt(&doc, {"pod"}),
                            kube::stringAt(&doc, {"container"}),
                            Quantity::mustParse(kube::stringAt(&doc, {"peak"})),
                            std::chrono::seconds(kube::intAt(&doc, {"windowSeconds"}).value_or(86400)));
    } else if (kind == "Unreadable") {
      builder.addUnreadable(kube::stringAt(&doc, {"what"}), kube::stringAt(&doc, {"error"}));
    } else if (kind == "Listed") {
      explicitListing = true;
      if (const auto* entries = kube::lookup(&doc, {"entries"}); entries != nullptr && entries->is_array()) {
        for (const json::value& e : entries->get_array()) {
          std::string entry(e.get_string());
          auto slash = entry.find('/');
          builder.markListed(entry.substr(0, slash), entry.substr(slash + 1));
        }
      }
    } else {
      std::string ns = kube::stringAt(&doc, {"metadata", "namespace"});
      if (!ns.empty()) namespaces.insert(ns);
      EXPECT_TRUE(builder.add(doc)) << "fixture " << name << ": kind " << kind
                                    << " is not used by the diagnosis";
    }
  }
  if (!explicitListing) {
    for (const std::string& ns : namespaces) {
      for (const char* resource :
           {"pods", "events", "configmaps", "secrets", "services", "endpoints", "persistentvolumeclaims",
            "serviceaccounts", "resourcequotas", "replicasets", "deployments", "statefulsets", "daemonsets",
            "jobs", "cronjobs"})
        builder.markListed(resource, ns);
    }
    for (const char* resource : {"nodes", "storageclasses", "persistentvolumes"})
      builder.markListed(resource, "");
  }
  return builder.build();
}

Diagnosis diagnoseFixture(const std::string& name, const Options& options) {
  return diagnose(loadEvidence(name), options);
}

std::vector<const model::Finding*> withRule(const Diagnosis& d, std::string_view ruleId) {
  std::vector<const model::Finding*> out;
  for (const model::Finding& f : d.findings) {
    if (f.ruleId == ruleId) out.push_back(&f);
  }
  return out;
}

const model::Finding& only(const Diagnosis& d, std::string_view ruleId) {
  static const model::Finding kEmpty;
  auto found = withRule(d, ruleId);
  EXPECT_EQ(found.size(), 1U) << "findings with " << ruleId
                              << "; all: " << ::testing::PrintToString(summary(d));
  return found.size() == 1 ? *found.front() : kEmpty;
}

std::vector<std::string> summary(const Diagnosis& d) {
  std::vector<std::string> out;
  for (const model::Finding& f : d.findings) {
    std::string name =
        f.object.namespace_.empty() ? f.object.name : f.object.namespace_ + "/" + f.object.name;
    out.push_back(
        fmt::format("{} {} {} {}", f.ruleId, f.object.kind, name, f.primary ? "primary" : "secondary"));
  }
  return out;
}

}  // namespace aiops::diagnose::testing

// The rule catalogue: stable ID format, complete runbooks, templates that use known parameters, every rule
// reachable from an analyzer, and docs/rules.md in agreement with the table.
#include "diagnose/catalogue.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "diagnose/diagnose.h"
#include "diagnose/log_signatures.h"

namespace aiops::diagnose {
namespace {

// Every parameter an analyzer fills in; a template may use only these.
const std::set<std::string> kParameters{
    "ago",       "arch",           "budget",   "cause",      "claim",        "command",
    "configmap", "container",      "count",    "crash",      "deadline",     "deployment",
    "detail",    "duration",       "exit",     "failed",     "fit",          "gates",
    "hint",      "hook",           "image",    "job",        "key",          "last",
    "limit",     "loop",           "meaning",  "namespace",  "node",         "notReady",
    "object",    "owner",          "path",     "pod",        "pods",         "policy",
    "port",      "probe",          "quota",    "reason",     "ready",        "requested",
    "resource",  "resources",      "restarts", "secret",     "secrets",      "selector",
    "service",   "serviceaccount", "signal",   "sourceKind", "storageclass", "taint",
    "timeout",   "times",          "total",    "usage",      "user",         "volume",
    "first",     "note",           "period",   "threshold",  "why"};

TEST(Catalogue, IdsAreStableSortedAndUnique) {
  const std::regex id("AIOPS-D[1-9][0-9]{2}");
  const std::regex slug("[a-z0-9]+(-[a-z0-9]+)*");
  std::set<std::string_view> slugs;
  std::string_view previous;
  for (const Rule& r : catalogue()) {
    SCOPED_TRACE(std::string(r.id));
    EXPECT_TRUE(std::regex_match(std::string(r.id), id));
    EXPECT_LT(previous, r.id);
    previous = r.id;
    EXPECT_TRUE(std::regex_match(std::string(r.slug), slug));
    EXPECT_TRUE(slugs.insert(r.slug).second) << "duplicate runbook id " << r.slug;
  }
  EXPECT_EQ(catalogue().size(), 85U);
}

TEST(Catalogue, EveryRuleHasACompleteRunbook) {
  for (const Rule& r : catalogue()) {
    SCOPED_TRACE(std::string(r.id));
    EXPECT_FALSE(r.title.empty());
    EXPECT_FALSE(r.runbook.what.empty());
    EXPECT_FALSE(r.runbook.causes.empty());
    EXPECT_FALSE(r.runbook.confirm.empty());
    EXPECT_FALSE(r.runbook.fix.empty());
    EXPECT_FALSE(r.runbook.recovery.empty());
    EXPECT_FALSE(r.runbook.verify.empty());
    EXPECT_FALSE(r.runbook.rollback.empty());
    EXPECT_FALSE(r.runbook.prevention.empty());
  }
}

TEST(Catalogue, TemplatesUseOnlyKnownParameters) {
  for (const Rule& r : catalogue()) {
    SCOPED_TRACE(std::string(r.id));
    for (const std::string& p : placeholders(r.message))
      EXPECT_EQ(kParameters.count(p), 1U) << "unknown parameter {" << p << "}";
    EXPECT_FALSE(placeholders(r.message).empty());
  }
}

TEST(Catalogue, EveryRuleIsEmittedByAnAnalyzerAndEverySignatureNamesARule) {
  std::set<std::string_view> emitted;
  std::set<std::string_view> names;
  for (const AnalyzerInfo& a : analyzers()) {
    EXPECT_TRUE(names.insert(a.name).second) << a.name;
    EXPECT_NE(a.needs, 0U) << a.name;
    for (std::string_view id : a.rules) {
      EXPECT_NE(findRule(id), nullptr) << a.name << " names unknown rule " << id;
      emitted.insert(id);
    }
  }
  for (const Rule& r : catalogue())
    EXPECT_EQ(emitted.count(r.id), 1U) << r.id << " is emitted by no analyzer";
  for (const Signature& s : signatures())
    EXPECT_NE(findRule(s.ruleId), nullptr) << s.id;
}

TEST(Catalogue, LookupAndRendering) {
  ASSERT_NE(findRule("AIOPS-D110"), nullptr);
  EXPECT_EQ(findRule("AIOPS-D110")->slug, "oom-killed");
  EXPECT_EQ(findRule("AIOPS-D999"), nullptr);
  EXPECT_THROW(
      {
        try {
          rule("AIOPS-D999");
        } catch (const std::logic_error& e) {
          EXPECT_STREQ(e.what(), "diagnosis rule AIOPS-D999 is not in the catalogue");
          throw;
        }
      },
      std::logic_error);
  EXPECT_EQ(renderTemplate("Container {container} was OOMKilled {times}{usage}.",
                           Params{{"container", "api"}, {"times", "twice"}, {"usage", ""}}),
            "Container api was OOMKilled twice.");
  EXPECT_EQ(renderTemplate("missing {param} stays {visible", Params{}), "missing {param} stays {visible");
  EXPECT_EQ(placeholders("{a} and {b} and {a}"), (std::vector<std::string>{"a", "b"}));
}

// The table row docs/rules.md must carry for a rule.
std::string row(const Rule& r) {
  return fmt::format("| {} | {} | {} | `{}` | {} |", r.id, r.title, model::toString(r.severity), r.slug,
                     r.message);
}

std::string familyHeading(std::string_view family) {
  if (family == "runtime") return "## Container runtime";
  if (family == "image") return "## Images";
  if (family == "configuration") return "## Container configuration";
  if (family == "scheduling") return "## Scheduling, admission and eviction";
  if (family == "storage") return "## Storage";
  if (family == "probes") return "## Probes";
  if (family == "workloads") return "## Workloads and controllers";
  if (family == "services" || family == "nodes") return "## Services and nodes";
  return "## Log signatures";
}

// The rules part of docs/rules.md, as it must read.
std::string expectedRulesSection() {
  std::string out;
  std::string heading;
  for (const Rule& r : catalogue()) {
    std::string h = familyHeading(r.family);
    if (h != heading) {
      out += fmt::format(
          "\n{}\n\n| Rule | Title | Severity | Runbook | Root cause (template) |\n|---|---|---|---|---|\n",
          h);
      heading = h;
    }
    out += row(r) + "\n";
  }
  return out;
}

TEST(CatalogueDoc, RulesPageMatchesTheCatalogue) {
  std::ifstream in(AIOPS_RULES_DOC);
  ASSERT_TRUE(in) << "cannot read " << AIOPS_RULES_DOC;
  std::stringstream text;
  text << in.rdbuf();
  std::string page = text.str();
  static constexpr std::string_view kMarker = "<!-- rules: generated from the catalogue; keep in step -->\n";
  auto at = page.find(kMarker);
  ASSERT_NE(at, std::string::npos) << "docs/rules.md lacks the marker line " << kMarker;
  std::string expected = expectedRulesSection();
  std::string actual = page.substr(at + kMarker.size());
  if (actual != expected) {
    std::ofstream out("rules.md.expected");
    out << page.substr(0, at + kMarker.size()) << expected;
  }
  EXPECT_EQ(actual, expected)
      << "docs/rules.md disagrees with src/diagnose/catalogue.cpp; the page as it should "
         "read was written to rules.md.expected in the test's working directory";
}

}  // namespace
}  // namespace aiops::diagnose

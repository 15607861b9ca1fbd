// Tests for the scenario timeline: parsing every action, its errors, and which entries fall due when.
#include "timeline.h"

#include <gtest/gtest.h>

#include "test_helpers.h"

namespace kubesim::behaviour {
namespace {

using namespace std::chrono_literals;
using testing::scenarioError;

const std::filesystem::path kExample =
    std::filesystem::path(KUBESIM_BEHAVIOUR_TEST_DATA) / "todo-chatbot-behaviour.yaml";

std::vector<std::string> names(const std::vector<TimelineEntry>& entries) {
  std::vector<std::string> out;
  for (const auto& e : entries)
    out.push_back(formatDuration(e.at) + " " + actionName(e.action));
  return out;
}

TEST(TimelineParse, ReadsEveryAction) {
  Scenario s = parseScenario(loadScenario(kExample).behaviourDocuments);
  const std::vector<TimelineEntry>& entries = s.timeline.entries();
  ASSERT_EQ(entries.size(), 6u);
  EXPECT_EQ(names(entries), (std::vector<std::string>{"30m0s setLoad", "1h0m0s killPod", "1h30m0s setProfile",
                                                      "3h0m0s nodePressure", "5h0m0s removeConfigMapKey",
                                                      "24h0m0s badImage"}));
  EXPECT_EQ(std::get<SetLoad>(entries[0].action), (SetLoad{"todo", "todo-backend", 150}));
  EXPECT_EQ(std::get<KillPod>(entries[1].action), (KillPod{"todo", "", "app.kubernetes.io/name=frontend"}));
  EXPECT_EQ(std::get<SetProfile>(entries[2].action),
            (SetProfile{"todo", "", "todo-backend", "", "", "todo-backend-leaky"}));
  EXPECT_EQ(std::get<NodePressure>(entries[3].action), (NodePressure{"minikube", "MemoryPressure", true}));
  EXPECT_EQ(std::get<RemoveConfigMapKey>(entries[4].action),
            (RemoveConfigMapKey{"todo", "todo-config", "DATABASE_URL"}));
  EXPECT_EQ(std::get<BadImage>(entries[5].action),
            (BadImage{"todo", "todo-frontend", "", "ghcr.io/todo-chatbot/frontend:1.5.0-typo"}));
  EXPECT_EQ(entries[0].where, kExample.string() + ":133");
}

TEST(TimelineParse, DefaultsAndAlternativeForms) {
  Scenario s = testing::scenario(
      "apiVersion: kubesim.aiops.dev/v1\nkind: Timeline\nentries:\n"
      "- {at: 90s, action: killPod, name: web-1}\n"
      "- {at: 0, action: nodePressure, node: n1, condition: DiskPressure, status: false}\n"
      "- {at: 7d, action: setProfile, namespace: shop, image: 'nginx:*', profile: default}\n"
      "- {at: 90s, action: badImage, deployment: web, container: app, image: nope:1}\n");
  const auto& entries = s.timeline.entries();
  ASSERT_EQ(entries.size(), 4u);
  // Ordered by time; the two at 90s keep their order.
  EXPECT_EQ(names(entries), (std::vector<std::string>{"0s nodePressure", "1m30s killPod", "1m30s badImage",
                                                      "168h0m0s setProfile"}));
  EXPECT_EQ(std::get<NodePressure>(entries[0].action), (NodePressure{"n1", "DiskPressure", false}));
  EXPECT_EQ(std::get<KillPod>(entries[1].action), (KillPod{"default", "web-1", ""}));
  EXPECT_EQ(std::get<BadImage>(entries[2].action), (BadImage{"default", "web", "app", "nope:1"}));
  EXPECT_EQ(std::get<SetProfile>(entries[3].action), (SetProfile{"shop", "", "", "", "nginx:*", "default"}));
}

TEST(TimelineParse, Errors) {
  const std::string h = "apiVersion: kubesim.aiops.dev/v1\nkind: Timeline\nentries:\n";
  EXPECT_EQ(scenarioError("apiVersion: kubesim.aiops.dev/v1\nkind: Timeline\n"),
            "<file>:1: Timeline: entries is required");
  EXPECT_EQ(scenarioError(h + "- action: killPod\n  name: a\n"),
            "<file>:4: Timeline: entries[0]: at is required");
  EXPECT_EQ(
      scenarioError(h + "- {at: soon, action: killPod, name: a}\n"),
      "<file>:4: Timeline: entries[0].at: invalid duration \"soon\" (expected a Go duration such as 90s, 5m, "
      "1h30m or 7d)");
  EXPECT_EQ(scenarioError(h + "- {at: -5m, action: killPod, name: a}\n"),
            "<file>:4: Timeline: entries[0].at: must not be negative, not -5m0s");
  EXPECT_EQ(scenarioError(h + "- at: 1m\n  action: reboot\n"),
            "<file>:5: Timeline: entries[0].action: unknown action \"reboot\" (expected setLoad, killPod, "
            "nodePressure, badImage, removeConfigMapKey or setProfile)");
  EXPECT_EQ(scenarioError(h + "- {at: 1m, action: killPod}\n"),
            "<file>:4: Timeline: entries[0]: killPod needs exactly one of name and selector");
  EXPECT_EQ(scenarioError(h + "- {at: 1m, action: killPod, name: a, selector: b=c}\n"),
            "<file>:4: Timeline: entries[0]: killPod needs exactly one of name and selector");
  EXPECT_EQ(scenarioError(h + "- {at: 1m, action: setLoad, service: web}\n"),
            "<file>:4: Timeline: entries[0]: rps is required");
  EXPECT_EQ(scenarioError(h + "- {at: 1m, action: setLoad, rps: 3}\n"),
            "<file>:4: Timeline: entries[0]: service is required");
  EXPECT_EQ(scenarioError(h + "- {at: 1m, action: setLoad, service: web, rps: 3, node: x}\n"),
            "<file>:4: Timeline: unknown field \"entries[0].node\"");
  EXPECT_EQ(
      scenarioError(h + "- at: 1m\n  action: nodePressure\n  node: n1\n  condition: CPUPressure\n"),
      "<file>:7: Timeline: entries[0].condition: must be MemoryPressure, DiskPressure or PIDPressure, not "
      "\"CPUPressure\"");
  EXPECT_EQ(scenarioError(
                h + "- {at: 1m, action: nodePressure, node: n1, condition: PIDPressure, status: maybe}\n"),
            "<file>:4: Timeline: entries[0].status: must be \"True\" or \"False\", not \"maybe\"");
  EXPECT_EQ(
      scenarioError(h + "- {at: 1m, action: setProfile, profile: default}\n"),
      "<file>:4: Timeline: entries[0]: setProfile needs exactly one of pod, deployment, selector and image");
  EXPECT_EQ(scenarioError(h + "- {at: 1m, action: setProfile, pod: p, profile: ghost}\n"),
            "<file>:4: Timeline: setProfile: no BehaviourProfile named \"ghost\"");
  EXPECT_EQ(scenarioError(h + "- {at: 1m, action: removeConfigMapKey, name: cfg}\n"),
            "<file>:4: Timeline: entries[0]: key is required");
  EXPECT_EQ(scenarioError(h + "- just a string\n"),
            "<file>:4: Timeline: entries[0]: expected a mapping, found "
            "\"just a string\"");
}

// The error of parsing one action on its own, "no error" if none.
std::string actionError(const std::string& json) {
  try {
    parseTimelineAction(boost::json::parse(json).as_object());
    return "no error";
  } catch (const StateError& e) {
    return e.what();
  }
}

TEST(TimelineAction, AnActionOnItsOwnParsesAsAnEntryWithoutAt) {
  auto parse = [](const std::string& json) {
    return parseTimelineAction(boost::json::parse(json).as_object());
  };
  EXPECT_EQ(std::get<SetLoad>(parse(R"({"action":"setLoad","namespace":"shop","service":"web","rps":150})")),
            (SetLoad{"shop", "web", 150}));
  // The namespace defaults to "default", as in a Timeline without one.
  EXPECT_EQ(std::get<KillPod>(parse(R"({"action":"killPod","selector":"app=web"})")),
            (KillPod{"default", "", "app=web"}));
  EXPECT_EQ(std::get<NodePressure>(parse(R"({"action":"nodePressure","node":"n1","condition":"PIDPressure",
                                             "status":"False"})")),
            (NodePressure{"n1", "PIDPressure", false}));
  EXPECT_EQ(std::get<BadImage>(parse(R"({"action":"badImage","deployment":"web","image":"web:typo"})")),
            (BadImage{"default", "web", "", "web:typo"}));
  EXPECT_EQ(
      std::get<RemoveConfigMapKey>(parse(R"({"action":"removeConfigMapKey","name":"cfg","key":"URL"})")),
      (RemoveConfigMapKey{"default", "cfg", "URL"}));
  EXPECT_EQ(std::get<SetProfile>(parse(R"({"action":"setProfile","pod":"web-1","profile":"leaky"})")),
            (SetProfile{"default", "web-1", "", "", "", "leaky"}));
}

TEST(TimelineAction, ErrorsNameTheFieldWithoutAPosition) {
  EXPECT_EQ(actionError(R"({"action":"setLoad","service":"web"})"), "rps is required");
  EXPECT_EQ(actionError(R"({"action":"setLoad","service":"web","rps":"lots"})"),
            "rps: expected a number, found \"lots\"");
  EXPECT_EQ(actionError(R"({"action":"killPod","namespace":"shop"})"),
            "killPod needs exactly one of name and selector");
  EXPECT_EQ(actionError(R"({"action":"reboot"})"),
            "action: unknown action \"reboot\" (expected setLoad, killPod, nodePressure, badImage, "
            "removeConfigMapKey or setProfile)");
  EXPECT_EQ(actionError(R"({"service":"web"})"), "action is required");
  EXPECT_EQ(actionError(R"({"action":"killPod","name":"web-1","force":true})"), "unknown field \"force\"");
  EXPECT_EQ(actionError(R"({"action":"killPod","name":"web-1","at":"5m"})"),
            "at: not allowed here: the action is applied at once");
}

TEST(TimelineAction, ToJsonGivesTheEntryFormWithDefaults) {
  EXPECT_EQ(boost::json::serialize(actionToJson(SetLoad{"shop", "web", 200})),
            R"({"action":"setLoad","namespace":"shop","service":"web","rps":200})");
  EXPECT_EQ(boost::json::serialize(actionToJson(SetLoad{"shop", "web", 2.5})),
            R"({"action":"setLoad","namespace":"shop","service":"web","rps":2.5E0})");
  EXPECT_EQ(boost::json::serialize(actionToJson(KillPod{"default", "", "app=web"})),
            R"({"action":"killPod","namespace":"default","selector":"app=web"})");
  EXPECT_EQ(boost::json::serialize(actionToJson(NodePressure{"n1", "MemoryPressure", true})),
            R"({"action":"nodePressure","node":"n1","condition":"MemoryPressure","status":"True"})");
  EXPECT_EQ(
      boost::json::serialize(actionToJson(BadImage{"shop", "web", "app", "web:typo"})),
      R"({"action":"badImage","namespace":"shop","deployment":"web","container":"app","image":"web:typo"})");
  EXPECT_EQ(boost::json::serialize(actionToJson(RemoveConfigMapKey{"shop", "cfg", "URL"})),
            R"({"action":"removeConfigMapKey","namespace":"shop","name":"cfg","key":"URL"})");
  // An image rule is cluster-wide: no namespace.
  EXPECT_EQ(boost::json::serialize(actionToJson(SetProfile{"default", "", "", "", "nginx", "idle"})),
            R"({"action":"setProfile","image":"nginx","profile":"idle"})");
  // Parsing the JSON form gives the action back.
  TimelineAction round = parseTimelineAction(actionToJson(BadImage{"shop", "web", "app", "web:typo"}));
  EXPECT_EQ(std::get<BadImage>(round), (BadImage{"shop", "web", "app", "web:typo"}));
}

TEST(Timeline, ConsecutiveIntervalsYieldEachEntryOnce) {
  Timeline t({{5min, SetLoad{"a", "web", 1}, ""},
              {0s, KillPod{"a", "p", ""}, ""},
              {5min, RemoveConfigMapKey{"a", "c", "k"}, ""},
              {1h, NodePressure{"n", "PIDPressure", true}, ""}});
  EXPECT_EQ(names(t.dueBetween(0s, 1s)), std::vector<std::string>{"0s killPod"});
  EXPECT_TRUE(t.dueBetween(1s, 5min).empty());
  EXPECT_EQ(names(t.dueBetween(5min, 5min + 1ns)),
            (std::vector<std::string>{"5m0s setLoad", "5m0s removeConfigMapKey"}));
  EXPECT_EQ(names(t.dueBetween(0s, 2h)),
            (std::vector<std::string>{"0s killPod", "5m0s setLoad", "5m0s removeConfigMapKey",
                                      "1h0m0s nodePressure"}));
  EXPECT_TRUE(t.dueBetween(1h + 1ns, 24h).empty());
  std::size_t seen = 0;
  for (Duration from = 0s; from < 2h; from += 7s)
    seen += t.dueBetween(from, from + 7s).size();
  EXPECT_EQ(seen, 4u);
  EXPECT_EQ(t.nextAt(0s), Duration(0s));
  EXPECT_EQ(t.nextAt(1s), Duration(5min));
  EXPECT_EQ(t.nextAt(5min + 1ns), Duration(1h));
  EXPECT_EQ(t.nextAt(1h + 1ns), std::nullopt);
}

}  // namespace
}  // namespace kubesim::behaviour

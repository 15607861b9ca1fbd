// Tests for reading a whole scenario's behaviour: the Clock document, cross-document checks, and the models
// working together over a simulated day of the example scenario.
#include "scenario.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "clock.h"
#include "metrics.h"
#include "test_helpers.h"

namespace kubesim::behaviour {
namespace {

using namespace std::chrono_literals;
using testing::scenarioError;

const std::filesystem::path kData = KUBESIM_BEHAVIOUR_TEST_DATA;

TEST(Scenario, ReadsTheExample) {
  Scenario s = parseScenario(loadScenario(kData / "todo-chatbot-behaviour.yaml").behaviourDocuments);
  EXPECT_EQ(s.clock.start, parseTime("2026-11-20T09:05:00Z"));
  EXPECT_EQ(s.clock.scale, 60);
  EXPECT_FALSE(s.clock.frozen);
  std::vector<std::string> profiles;
  for (const auto& p : s.profiles.profiles())
    profiles.push_back(p.name);
  EXPECT_EQ(profiles, (std::vector<std::string>{"todo-backend", "todo-backend-leaky",
                                                "todo-backend-misconfigured", "todo-frontend"}));
  EXPECT_EQ(s.loadCurves.size(), 2u);
  EXPECT_EQ(s.timeline.entries().size(), 6u);
}

TEST(Scenario, AScenarioWithoutBehaviourGetsDefaults) {
  Scenario s = parseScenario({});
  EXPECT_EQ(s.clock.start, std::nullopt);
  EXPECT_EQ(s.clock.scale, 1);
  EXPECT_TRUE(s.profiles.profiles().empty());
  EXPECT_EQ(s.profiles.forImage("nginx").name, "default");
  EXPECT_TRUE(s.loadCurves.empty());
  EXPECT_TRUE(s.timeline.entries().empty());
}

TEST(Scenario, TheShippedTodoChatbotIsLiveWithSteadyLoad) {
  // The real clock (no Clock document), a profile per image, steady load, no timeline.
  ClusterState state = loadScenario(std::filesystem::path(KUBESIM_SCENARIOS) / "todo-chatbot.yaml");
  Scenario todo = parseScenario(state.behaviourDocuments);
  EXPECT_EQ(todo.clock.start, std::nullopt);
  EXPECT_EQ(todo.clock.scale, 1);
  EXPECT_EQ(todo.profiles.forImage("ghcr.io/todo-chatbot/backend:1.4.2").name, "todo-backend");
  EXPECT_EQ(todo.profiles.forImage("ghcr.io/todo-chatbot/frontend:1.4.2").name, "todo-frontend");
  ASSERT_EQ(todo.loadCurves.size(), 2u);
  EXPECT_EQ(todo.loadCurves[0].service, "todo-backend");
  EXPECT_EQ(todo.loadCurves[1].service, "todo-frontend");
  const TimePoint start = *parseTime("2026-11-20T09:05:00Z");
  LoadModel load(todo.loadCurves, start);
  EXPECT_EQ(load.rpsAt("todo", "todo-backend", start + 3h), 20);
  EXPECT_EQ(load.rpsAt("todo", "todo-frontend", start + 3h), 5);
  EXPECT_TRUE(todo.timeline.entries().empty());
}

TEST(Scenario, ClockDocument) {
  Scenario s =
      testing::scenario("apiVersion: kubesim.aiops.dev/v1\nkind: Clock\nscale: 3600\nfrozen: true\n");
  EXPECT_EQ(s.clock.start, std::nullopt);
  EXPECT_EQ(s.clock.scale, 3600);
  EXPECT_TRUE(s.clock.frozen);
  const std::string h = "apiVersion: kubesim.aiops.dev/v1\nkind: Clock\n";
  EXPECT_EQ(scenarioError(h + "start: yesterday\n"),
            "<file>:3: Clock: start: invalid RFC 3339 time \"yesterday\" (e.g. 2026-11-20T09:05:00Z)");
  EXPECT_EQ(scenarioError(h + "scale: 0\n"), "<file>:3: Clock: scale: must be more than 0");
  EXPECT_EQ(scenarioError(h + "speed: 2\n"), "<file>:3: Clock: unknown field \"speed\"");
  EXPECT_EQ(scenarioError(h + "---\n" + h),
            "<file>:4: Clock: a scenario has one Clock (the first is at <file>:1)");
}

TEST(Scenario, BehaviourDocumentsFromAJsonDumpFileHaveNoFieldLines) {
  std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / ("kubesim_behaviour_dump-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "todo");
  std::ofstream(dir / "nodes.json") << R"({"kind":"NodeList","apiVersion":"v1","items":[]})";
  std::ofstream(dir / "todo" / "behaviour.json")
      << R"({"apiVersion":"kubesim.aiops.dev/v1","kind":"LoadCurve","service":"web","rps":"lots"})";
  ClusterState state = loadClusterInfoDump(dir);
  ASSERT_EQ(state.behaviourDocuments.size(), 1u);
  try {
    parseScenario(state.behaviourDocuments);
    FAIL() << "a string rps was accepted";
  } catch (const StateError& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "todo" / "behaviour.json").string() +
                                         ": LoadCurve default/web: rps: expected a number, found "
                                         "\"lots\"");
  }
}

// The models together over the example's first hours: the backend's CPU follows its load, setLoad from the
// timeline takes effect at 30m, and the leaky profile switched in at 90m ends in an OOM kill.
TEST(Scenario, TheExampleBackendFollowsItsLoadAndTimeline) {
  Scenario s = parseScenario(loadScenario(kData / "todo-chatbot-behaviour.yaml").behaviourDocuments);
  TimePoint start = *s.clock.start;
  LoadModel load(s.loadCurves, start);
  const Profile* backend = &s.profiles.forImage("ghcr.io/todo-chatbot/backend:1.4.2");
  EXPECT_EQ(backend->name, "todo-backend");
  TimePoint podStart = start - 5min;
  std::uint64_t seed = hash64("0d6c3e4e-1111-4a4a-9c9c-000000000001");
  ServiceTraffic traffic("todo", "todo-backend", start);
  std::optional<TimePoint> oomAt;
  for (Duration now = 0s; now < 10h; now += 1min) {
    for (const TimelineEntry& entry : s.timeline.dueBetween(now, now + 1min)) {
      if (const auto* set = std::get_if<SetLoad>(&entry.action))
        load.setLoad(set->namespace_, set->service, set->rps, entry.at);
      if (const auto* set = std::get_if<SetProfile>(&entry.action)) {
        backend = s.profiles.byName(set->profile);
        podStart = start + entry.at;  // treated as a restart, so the leak starts from the baseline
      }
    }
    TimePoint t = start + now;
    double rps = perEndpointRps(load.rpsAt("todo", "todo-backend", t), 1);
    Usage usage = usageAt(*backend, podStart, t, rps, seed);
    double expectedCpu = backend->cpu.baselineMillicores + backend->cpu.perRpsMillicores * rps;
    if (t - podStart >= backend->startup) {
      EXPECT_NEAR(usage.cpuMillicores, expectedCpu, expectedCpu * backend->cpu.noise + 1e-9)
          << formatDuration(now);
    }
    if (now == 29min) {
      EXPECT_LT(rps, 40);
    }
    if (now == 30min) {
      EXPECT_EQ(rps, 150);
    }
    traffic.advance(load, t, {{"backend-1", backend}});
    if (!oomAt && usage.memoryBytes > 512LL * 1024 * 1024) oomAt = t;
  }
  // Leaky from 1h30m: 180 MiB growing 60 MiB/h passes the 512Mi limit 5h32m and a byte (57.22 us) later.
  std::optional<TimePoint> predicted = memoryExceedsAt(*backend, start + 90min, 150, 512LL * 1024 * 1024);
  ASSERT_TRUE(predicted.has_value());
  EXPECT_GE(*predicted - (start + 90min), Duration(5h + 32min + 57220ns));
  EXPECT_LE(*predicted - (start + 90min), Duration(5h + 32min + 57222ns));
  ASSERT_TRUE(oomAt.has_value());
  EXPECT_EQ(*oomAt, start + 90min + 5h + 33min);  // the first 1-minute tick past the prediction
  std::string text = renderExposition(traffic.total());
  EXPECT_NE(text.find("http_requests_total{code=\"500\",method=\"GET\"}"), std::string::npos);
}

}  // namespace
}  // namespace kubesim::behaviour

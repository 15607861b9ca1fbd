// Tests for behaviour profiles: parsing and its errors, choosing a profile, resource use, exits, probes, log
// lines and request outcomes.
#include "profile.h"

#include <gtest/gtest.h>

#include <regex>

#include "clock.h"
#include "test_helpers.h"

namespace kubesim::behaviour {
namespace {

using namespace std::chrono_literals;
using testing::scenarioError;

constexpr std::int64_t kMiB = 1024 * 1024;
const TimePoint kStart = *parseTime("2026-11-20T09:05:00Z");
const std::filesystem::path kExample =
    std::filesystem::path(KUBESIM_BEHAVIOUR_TEST_DATA) / "todo-chatbot-behaviour.yaml";

Scenario example() {
  return parseScenario(loadScenario(kExample).behaviourDocuments);
}

const Profile& profileNamed(const Scenario& s, std::string_view name) {
  const Profile* p = s.profiles.byName(name);
  if (p == nullptr) throw std::runtime_error("no profile " + std::string(name));
  return *p;
}

std::vector<std::string> texts(const std::vector<LogLine>& lines) {
  std::vector<std::string> out;
  for (const auto& line : lines)
    out.push_back(formatTime(line.time) + " | " + line.text);
  return out;
}

const std::string kHeader = "apiVersion: kubesim.aiops.dev/v1\nkind: BehaviourProfile\nname: api\n";

TEST(ProfileParse, ReadsEveryField) {
  Scenario s = example();
  const Profile& p = profileNamed(s, "todo-backend");
  EXPECT_EQ(p.images, std::vector<std::string>{"ghcr.io/todo-chatbot/backend"});
  EXPECT_EQ(p.cpu.baselineMillicores, 20);
  EXPECT_EQ(p.cpu.perRpsMillicores, 4);
  EXPECT_EQ(p.cpu.startupMillicores, 250);
  EXPECT_EQ(p.cpu.noise, 0.1);
  EXPECT_EQ(p.memory.baselineMiB, 180);
  EXPECT_EQ(p.memory.perRpsMiB, 0.5);
  EXPECT_EQ(p.memory.growthMiBPerHour, 0);
  EXPECT_EQ(p.startup, 4s);
  EXPECT_EQ(p.probes.readyAfter, 6s);
  EXPECT_EQ(p.probes.livenessFailsAfter, std::nullopt);
  EXPECT_EQ(p.logs.startup.size(), 3u);
  ASSERT_TRUE(p.logs.periodic.has_value());
  EXPECT_EQ(p.logs.periodic->every, 30s);
  EXPECT_EQ(p.logs.periodic->lines, std::vector<std::string>{"{time} INFO GET /api/todos 200 {latencyMs}ms"});
  EXPECT_EQ(p.logs.failure.size(), 5u);
  EXPECT_EQ(p.requests.errorRate, 0.002);
  EXPECT_EQ(p.requests.codes, (std::map<int, double>{{429, 0.001}}));
  EXPECT_EQ(p.requests.method, "GET");
  EXPECT_EQ(p.requests.latency.median, 12ms);
  EXPECT_EQ(p.requests.latency.p99, 180ms);
  EXPECT_FALSE(p.exit.has_value());
  EXPECT_FALSE(p.crashOnStart.has_value());

  const Profile& crash = profileNamed(s, "todo-backend-misconfigured");
  ASSERT_TRUE(crash.crashOnStart.has_value());
  EXPECT_EQ(crash.crashOnStart->after, 2s);
  EXPECT_EQ(crash.crashOnStart->exitCode, 1);
  EXPECT_EQ(crash.crashOnStart->whenEnvMissing, std::vector<std::string>{"DATABASE_URL"});
  // Defaults of an unspecified section.
  EXPECT_EQ(crash.cpu.baselineMillicores, 1);
  EXPECT_EQ(crash.memory.baselineMiB, 16);
  EXPECT_EQ(crash.startup, 1s);
  EXPECT_EQ(crash.requests.latency.median, 5ms);
}

TEST(ProfileParse, ExitAndProbesAndMetadataName) {
  Scenario s = testing::scenario(
      "apiVersion: kubesim.aiops.dev/v1\nkind: BehaviourProfile\nmetadata: {name: batch}\n"
      "exit: {after: 90s, exitCode: 3, reason: done}\nprobes: {livenessFailsAfter: 2h}\n"
      "requests: {method: POST, codes: {\"503\": 0.25}}\n");
  const Profile& p = profileNamed(s, "batch");
  ASSERT_TRUE(p.exit.has_value());
  EXPECT_EQ(p.exit->after, 90s);
  EXPECT_EQ(p.exit->exitCode, 3);
  EXPECT_EQ(p.exit->reason, "done");
  EXPECT_EQ(p.probes.livenessFailsAfter, Duration(2h));
  EXPECT_EQ(p.requests.method, "POST");
  EXPECT_EQ(statusShares(p), (std::vector<std::pair<int, double>>{{200, 0.75}, {503, 0.25}}));
  EXPECT_TRUE(p.logs.startup.empty());  // a profile without logs writes none

  Scenario spread = testing::scenario(
      "apiVersion: kubesim.aiops.dev/v1\nkind: BehaviourProfile\nname: slow\n"
      "requests: {latency: {median: 80ms}}\n---\n"
      "apiVersion: kubesim.aiops.dev/v1\nkind: BehaviourProfile\nname: tail\n"
      "requests: {latency: {p99: 2s}}\n");
  EXPECT_EQ(profileNamed(spread, "slow").requests.latency.median, 80ms);
  EXPECT_EQ(profileNamed(spread, "slow").requests.latency.p99, 800ms);
  EXPECT_EQ(profileNamed(spread, "tail").requests.latency.median, 200ms);
  EXPECT_EQ(profileNamed(spread, "tail").requests.latency.p99, 2s);
}

TEST(ProfileParse, ErrorsNameTheLineAndField) {
  EXPECT_EQ(scenarioError(kHeader + "cpu:\n  baseline: 5\n"),
            "<file>:5: BehaviourProfile api: unknown field \"cpu.baseline\"");
  EXPECT_EQ(scenarioError(kHeader + "cpu:\n  noise: 2\n"),
            "<file>:5: BehaviourProfile api: cpu.noise: must be between 0 and 1, not 2");
  EXPECT_EQ(scenarioError(kHeader + "cpu: lots\n"),
            "<file>:4: BehaviourProfile api: cpu: expected a mapping, found \"lots\"");
  EXPECT_EQ(scenarioError(kHeader + "memory: {baselineMiB: many}\n"),
            "<file>:4: BehaviourProfile api: memory.baselineMiB: expected a number, found \"many\"");
  EXPECT_EQ(scenarioError(kHeader + "startup: -1s\n"),
            "<file>:4: BehaviourProfile api: startup: must not be negative, not -1s");
  EXPECT_EQ(
      scenarioError(kHeader + "startup: 5 minutes\n"),
      "<file>:4: BehaviourProfile api: startup: invalid duration \"5 minutes\" (expected a Go duration such "
      "as 90s, 5m, 1h30m or 7d)");
  EXPECT_EQ(
      scenarioError(kHeader + "logs:\n  startup:\n  - ok {time}\n  - \"{host} up\"\n"),
      "<file>:7: BehaviourProfile api: logs.startup[1]: unknown placeholder {host} (expected one of "
      "{time} {timeMicro} {namespace} {pod} {container} {image} {profile} {uptime} {seq} {rand:MIN-MAX} "
      "{latencyMs} {rps} {exitCode} {reason} {missingEnv})");
  EXPECT_EQ(
      scenarioError(kHeader + "logs:\n  failure: [\"a } b\"]\n"),
      "<file>:5: BehaviourProfile api: logs.failure[0]: unmatched } in \"a } b\" (write }} for a literal "
      "brace)");
  EXPECT_EQ(scenarioError(kHeader + "logs:\n  startup: [1]\n"),
            "<file>:5: BehaviourProfile api: logs.startup[0]: expected a string, found the number 1");
  EXPECT_EQ(scenarioError(kHeader + "logs:\n  periodic: {lines: [x]}\n"),
            "<file>:5: BehaviourProfile api: logs.periodic: every is required");
  EXPECT_EQ(scenarioError(kHeader + "logs:\n  periodic: {every: 0s, lines: [x]}\n"),
            "<file>:5: BehaviourProfile api: logs.periodic.every: must be at least 1ms, not 0s");
  EXPECT_EQ(
      scenarioError(kHeader + "requests:\n  codes:\n    \"200\": 0.1\n"),
      "<file>:6: BehaviourProfile api: requests.codes.200: not a status code other than 200 (100 to 599; "
      "200 takes what the others leave)");
  EXPECT_EQ(scenarioError(kHeader + "requests:\n  errorRate: 0.6\n  codes: {\"503\": 0.5}\n"),
            "<file>:4: BehaviourProfile api: requests: errorRate and codes add up to 1.1, more than 1");
  EXPECT_EQ(scenarioError(kHeader + "requests:\n  latency: {median: 50ms, p99: 10ms}\n"),
            "<file>:5: BehaviourProfile api: requests.latency.p99: must not be below the median (50ms)");
  EXPECT_EQ(scenarioError(kHeader + "crashOnStart: {exitCode: 0}\n"),
            "<file>:4: BehaviourProfile api: crashOnStart.exitCode: must be between 1 and 255, not 0");
  EXPECT_EQ(scenarioError(kHeader + "exit: {exitCode: 2}\n"),
            "<file>:4: BehaviourProfile api: exit: after is required");
  EXPECT_EQ(scenarioError("apiVersion: kubesim.aiops.dev/v1\nkind: BehaviourProfile\ncpu: {}\n"),
            "<file>:1: BehaviourProfile: name is required");
  EXPECT_EQ(scenarioError(kHeader + "---\n" + kHeader),
            "<file>:5: BehaviourProfile api: duplicate name (first defined at <file>:1)");
}

TEST(ProfileChoice, ParsesImageReferencesAsTheRuntimeNormalisesThem) {
  auto text = [](std::string_view image) {
    ImageReference r = parseImage(image);
    return r.repository + " " + r.tag + " " + r.digest;
  };
  EXPECT_EQ(text("nginx"), "docker.io/library/nginx latest ");
  EXPECT_EQ(text("nginx:1.25"), "docker.io/library/nginx 1.25 ");
  EXPECT_EQ(text("bitnami/redis:7"), "docker.io/bitnami/redis 7 ");
  EXPECT_EQ(text("index.docker.io/library/nginx"), "docker.io/library/nginx latest ");
  EXPECT_EQ(text("localhost:5000/app:v1"), "localhost:5000/app v1 ");
  EXPECT_EQ(text("localhost/app"), "localhost/app latest ");
  EXPECT_EQ(text("registry:5000/app"), "registry:5000/app latest ");
  EXPECT_EQ(text("ghcr.io/a/b@sha256:ff"), "ghcr.io/a/b  sha256:ff");
  EXPECT_EQ(text("ghcr.io/a/b:1@sha256:ff"), "ghcr.io/a/b 1 sha256:ff");
  EXPECT_EQ(parseImage("nginx").normalized(), "docker.io/library/nginx:latest");
}

TEST(ProfileChoice, ExactBeforeRepositoryBeforeGlobBeforeDefault) {
  auto named = [](std::string name, std::vector<std::string> images) {
    Profile p;
    p.name = std::move(name);
    p.images = std::move(images);
    return p;
  };
  ProfileSet set({named("glob", {"ghcr.io/x/*"}), named("repo", {"ghcr.io/x/backend"}),
                  named("exact", {"ghcr.io/x/backend:1.4.2"}), named("nginx", {"nginx"}),
                  named("digest", {"localhost:5000/app@sha256:abc"}), named("glob2", {"*/x/backend:1.4.2"})});
  EXPECT_EQ(set.forImage("ghcr.io/x/backend:1.4.2").name, "exact");
  EXPECT_EQ(set.forImage("ghcr.io/x/backend:1.5.0").name, "repo");
  EXPECT_EQ(set.forImage("ghcr.io/x/backend@sha256:123").name, "repo");
  EXPECT_EQ(set.forImage("ghcr.io/x/frontend:1").name, "glob");
  EXPECT_EQ(set.forImage("nginx").name, "nginx");
  EXPECT_EQ(set.forImage("nginx:1.25-alpine").name, "nginx");
  EXPECT_EQ(set.forImage("docker.io/library/nginx:1.25").name, "nginx");
  EXPECT_EQ(set.forImage("localhost:5000/app@sha256:abc").name, "digest");
  EXPECT_EQ(set.forImage("localhost:5000/app@sha256:def").name, "default");
  EXPECT_EQ(set.forImage("quay.io/other/thing:2").name, "default");
  EXPECT_EQ(&set.forImage("quay.io/other/thing:2"), &defaultProfile());
}

TEST(ProfileChoice, AScenarioProfileNamedDefaultReplacesTheBuiltIn) {
  Profile mine;
  mine.name = "default";
  mine.cpu.baselineMillicores = 7;
  ProfileSet set({mine});
  EXPECT_EQ(set.forImage("anything").cpu.baselineMillicores, 7);
  EXPECT_EQ(set.fallback().cpu.baselineMillicores, 7);
}

TEST(ProfileChoice, AnnotationsOverrideTheImage) {
  Scenario s = example();
  auto pod = [](boost::json::object annotations) {
    return boost::json::object{{"metadata", {{"name", "p"}, {"annotations", std::move(annotations)}}}};
  };
  std::string backend = "ghcr.io/todo-chatbot/backend:1.4.2";
  EXPECT_EQ(s.profiles.forContainer(pod({}), "backend", backend).profile->name, "todo-backend");
  EXPECT_EQ(
      s.profiles.forContainer(pod({{"kubesim.aiops.dev/profile", "todo-backend-leaky"}}), "backend", backend)
          .profile->name,
      "todo-backend-leaky");
  auto both = pod({{"kubesim.aiops.dev/profile", "todo-backend-leaky"},
                   {"kubesim.aiops.dev/profile.backend", "todo-backend-misconfigured"}});
  EXPECT_EQ(s.profiles.forContainer(both, "backend", backend).profile->name, "todo-backend-misconfigured");
  EXPECT_EQ(s.profiles.forContainer(both, "sidecar", "busybox").profile->name, "todo-backend-leaky");
  ProfileSet::Choice unknown =
      s.profiles.forContainer(pod({{"kubesim.aiops.dev/profile", "nope"}}), "backend", backend);
  EXPECT_EQ(unknown.profile->name, "todo-backend");
  EXPECT_EQ(unknown.unknownName, "nope");
  EXPECT_EQ(s.profiles.forContainer(boost::json::object{}, "x", "ghcr.io/todo-chatbot/frontend:1.4.2")
                .profile->name,
            "todo-frontend");
}

Profile usageProfile() {
  Profile p;
  p.cpu = {20, 4, 250, 0};
  p.memory = {180, 0.5, 0};
  p.startup = 4s;
  return p;
}

TEST(ProfileUsage, BaselinePlusLoadAfterStartUp) {
  Profile p = usageProfile();
  EXPECT_EQ(usageAt(p, kStart, kStart - 1s, 10, 1), Usage{});
  EXPECT_EQ(usageAt(p, kStart, kStart + 2s, 10, 1), (Usage{250, 185 * kMiB}));
  EXPECT_EQ(usageAt(p, kStart, kStart + 4s, 10, 1), (Usage{60, 185 * kMiB}));
  EXPECT_EQ(usageAt(p, kStart, kStart + 1h, 0, 1), (Usage{20, 180 * kMiB}));
  EXPECT_EQ(usageAt(p, kStart, kStart + 1h, 2.5, 1), (Usage{30, 180 * kMiB + kMiB * 5 / 4}));
  p.cpu.startupMillicores.reset();
  EXPECT_EQ(usageAt(p, kStart, kStart + 1s, 0, 1).cpuMillicores, 20);
}

TEST(ProfileUsage, MemoryGrowsFromEachStart) {
  Profile p = usageProfile();
  p.memory.growthMiBPerHour = 60;
  EXPECT_EQ(usageAt(p, kStart, kStart + 90min, 0, 1).memoryBytes, 270 * kMiB);
  // A restarted container starts from the baseline again.
  EXPECT_EQ(usageAt(p, kStart + 90min, kStart + 90min, 0, 1).memoryBytes, 180 * kMiB);
}

TEST(ProfileUsage, MemoryExceedsTheLimitAtTheFirstInstantPastIt) {
  Profile p = usageProfile();
  p.memory.growthMiBPerHour = 60;
  const std::int64_t limit = 512 * kMiB;
  std::optional<TimePoint> oom = memoryExceedsAt(p, kStart, 0, limit);
  ASSERT_TRUE(oom.has_value());
  EXPECT_GT(usageAt(p, kStart, *oom, 0, 1).memoryBytes, limit);
  EXPECT_LE(usageAt(p, kStart, *oom - 1ns, 0, 1).memoryBytes, limit);
  // (512 - 180) MiB at 60 MiB/h is 5h32m; one more byte takes 1/(60 MiB/h) = 57.2 us.
  EXPECT_GT(*oom - kStart, Duration(5h + 32min + 57us));
  EXPECT_LT(*oom - kStart, Duration(5h + 32min + 58us));
  // Load raises the floor: at 100 rps the baseline is 230 MiB, 4h42m from 512.
  std::optional<TimePoint> busy = memoryExceedsAt(p, kStart, 100, limit);
  ASSERT_TRUE(busy.has_value());
  EXPECT_GT(*busy - kStart, Duration(4h + 42min));
  EXPECT_LT(*busy - kStart, Duration(4h + 42min + 1ms));
  EXPECT_EQ(memoryExceedsAt(p, kStart, 0, 100 * kMiB), kStart);  // over the limit from the start
  p.memory.growthMiBPerHour = 0;
  EXPECT_EQ(memoryExceedsAt(p, kStart, 0, limit), std::nullopt);
}

TEST(ProfileUsage, CpuNoiseIsBoundedSeededAndSteadyWithinABucket) {
  Profile p;
  p.cpu.baselineMillicores = 100;
  p.cpu.noise = 0.1;
  p.startup = 0s;
  double low = 1e9, high = 0;
  for (int i = 0; i < 2000; ++i) {
    double cpu = usageAt(p, kStart, kStart + i * 15s, 0, 42).cpuMillicores;
    low = std::min(low, cpu);
    high = std::max(high, cpu);
  }
  EXPECT_GE(low, 90);
  EXPECT_LE(high, 110);
  EXPECT_LT(low, 91);
  EXPECT_GT(high, 109);
  // kStart is on a 15 s boundary: the same bucket for 15 s, the same value on every call.
  double first = usageAt(p, kStart, kStart + 30s, 0, 42).cpuMillicores;
  EXPECT_EQ(usageAt(p, kStart, kStart + 44s, 0, 42).cpuMillicores, first);
  EXPECT_NE(usageAt(p, kStart, kStart + 45s, 0, 42).cpuMillicores, first);
  EXPECT_NE(usageAt(p, kStart, kStart + 30s, 0, 43).cpuMillicores, first);  // another pod, another draw
}

TEST(ProfileExit, CrashOnStartWhenAnEnvironmentVariableIsMissing) {
  Scenario s = example();
  const Profile& p = profileNamed(s, "todo-backend-misconfigured");
  EXPECT_EQ(plannedExit(p, {}),
            (PlannedExit{2s, 1, "missing required environment variable DATABASE_URL", true}));
  EXPECT_EQ(plannedExit(p, {"LOG_LEVEL", "DATABASE_URL"}), std::nullopt);
  EXPECT_EQ(plannedExit(profileNamed(s, "todo-backend"), {}), std::nullopt);

  Profile always;
  always.crashOnStart = CrashOnStartModel{};
  EXPECT_EQ(plannedExit(always, {}), (PlannedExit{1s, 1, "fatal error during start-up", true}));
  always.crashOnStart->reason = "cannot open {missingEnv}/config";
  always.exit = ExitModel{30min, 0, "done"};
  EXPECT_EQ(plannedExit(always, {}), (PlannedExit{1s, 1, "cannot open /config", true}));
  always.crashOnStart.reset();
  EXPECT_EQ(plannedExit(always, {}), (PlannedExit{30min, 0, "done", false}));
}

TEST(ProfileProbes, RefusedThenNotReadyThenHealthyThenFailing) {
  Profile p;
  p.startup = 4s;
  p.probes.readyAfter = 6s;
  p.probes.livenessFailsAfter = 1h;
  EXPECT_EQ(probeAt(p, ProbeKind::Readiness, kStart, kStart + 3s), (ProbeAnswer{false, 0}));
  EXPECT_EQ(probeAt(p, ProbeKind::Liveness, kStart, kStart + 3s), (ProbeAnswer{false, 0}));
  EXPECT_EQ(probeAt(p, ProbeKind::Startup, kStart, kStart + 4s), (ProbeAnswer{true, 200}));
  EXPECT_EQ(probeAt(p, ProbeKind::Readiness, kStart, kStart + 4s), (ProbeAnswer{true, 503}));
  EXPECT_FALSE(probeAt(p, ProbeKind::Readiness, kStart, kStart + 4s).success());
  EXPECT_EQ(probeAt(p, ProbeKind::Liveness, kStart, kStart + 4s), (ProbeAnswer{true, 200}));
  EXPECT_EQ(probeAt(p, ProbeKind::Readiness, kStart, kStart + 6s), (ProbeAnswer{true, 200}));
  EXPECT_TRUE(probeAt(p, ProbeKind::Readiness, kStart, kStart + 6s).success());
  EXPECT_EQ(probeAt(p, ProbeKind::Liveness, kStart, kStart + 1h - 1ns), (ProbeAnswer{true, 200}));
  EXPECT_EQ(probeAt(p, ProbeKind::Liveness, kStart, kStart + 1h), (ProbeAnswer{true, 500}));
  EXPECT_EQ(probeAt(p, ProbeKind::Readiness, kStart, kStart + 1h), (ProbeAnswer{true, 500}));
}

TEST(ProfileLogs, StartUpLinesSpreadOverStartUpThenPeriodicLines) {
  Scenario s = example();
  const Profile& p = profileNamed(s, "todo-backend");
  LogContext ctx{"todo", "todo-backend-1", "backend", "ghcr.io/todo-chatbot/backend:1.4.2", 7, 3, {}};
  std::vector<LogLine> lines = logLinesBetween(p, kStart, kStart, kStart + 65s, ctx);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(texts({lines.begin(), lines.begin() + 3}),
            (std::vector<std::string>{
                "2026-11-20T09:05:00Z | 2026-11-20T09:05:00Z INFO starting todo-chatbot backend 1.4.2",
                "2026-11-20T09:05:02Z | 2026-11-20T09:05:02Z INFO connected to database",
                "2026-11-20T09:05:04Z | 2026-11-20T09:05:04Z INFO listening on :8000"}));
  EXPECT_EQ(lines[3].time, kStart + 34s);
  EXPECT_EQ(lines[4].time, kStart + 64s);
  std::smatch m;
  ASSERT_TRUE(std::regex_match(lines[3].text, m,
                               std::regex(R"(2026-11-20T09:05:34Z INFO GET /api/todos 200 (\d+)ms)")))
      << lines[3].text;
  // Same inputs, same lines.
  EXPECT_EQ(logLinesBetween(p, kStart, kStart, kStart + 65s, ctx), lines);
}

TEST(ProfileLogs, ConsecutiveWindowsAddUpToTheWhole) {
  Scenario s = example();
  const Profile& p = profileNamed(s, "todo-backend");
  LogContext ctx;
  ctx.seed = 11;
  std::vector<LogLine> whole = logLinesBetween(p, kStart, kStart - 1h, kStart + 2h, ctx);
  EXPECT_EQ(whole.size(), 3u + 239u);  // 2h of 30 s ticks after the 4 s start-up, less the last (at 2h+4s)
  std::vector<LogLine> parts;
  for (TimePoint t = kStart - 1h; t < kStart + 2h; t += 7min + 3s) {
    auto part = logLinesBetween(p, kStart, t, std::min(t + 7min + 3s, kStart + 2h), ctx);
    parts.insert(parts.end(), part.begin(), part.end());
  }
  EXPECT_EQ(parts, whole);
  EXPECT_TRUE(logLinesBetween(p, kStart, kStart + 1h, kStart + 1h, ctx).empty());
}

TEST(ProfileLogs, TemplatesFillUptimeSequenceAndDeterministicRandomValues) {
  Scenario s = example();
  const Profile& p = profileNamed(s, "todo-backend-leaky");
  std::vector<LogLine> lines = logLinesBetween(p, kStart, kStart, kStart + 25min, {});
  ASSERT_EQ(lines.size(), 2u);
  std::smatch m;
  ASSERT_TRUE(std::regex_match(
      lines[0].text, m, std::regex(R"(2026-11-20T09:15:04Z WARN cache size (\d+) entries, uptime 10m4s)")))
      << lines[0].text;
  int size = std::stoi(m[1]);
  EXPECT_GE(size, 1000);
  EXPECT_LE(size, 9000);
  EXPECT_TRUE(std::regex_match(
      lines[1].text, std::regex(R"(2026-11-20T09:25:04Z WARN cache size \d+ entries, uptime 20m4s)")))
      << lines[1].text;

  Profile t;
  t.name = "t";
  t.startup = 0s;
  t.logs.startup = {"{{literal}} {seq} {namespace}/{pod}/{container} {image} {profile} {rps} {timeMicro}"};
  LogContext ctx{"shop", "api-1", "app", "nginx:1", 0, 2.5, {}};
  EXPECT_EQ(logLinesBetween(t, kStart, kStart, kStart + 1s, ctx)[0].text,
            "{literal} 0 shop/api-1/app nginx:1 t 2.5 2026-11-20T09:05:00.000000Z");
}

TEST(ProfileLogs, FailureLinesAtACrashAndNothingAfter) {
  Scenario s = example();
  const Profile& p = profileNamed(s, "todo-backend-misconfigured");
  EXPECT_EQ(texts(logLinesBetween(p, kStart, kStart, kStart + 1h, {})),
            (std::vector<std::string>{
                "2026-11-20T09:05:00Z | 2026-11-20T09:05:00Z INFO starting todo-chatbot backend 1.4.2",
                "2026-11-20T09:05:02Z | 2026-11-20T09:05:02Z ERROR missing required environment variable "
                "DATABASE_URL",
                "2026-11-20T09:05:02Z | KeyError: 'DATABASE_URL'"}));
  LogContext withEnv;
  withEnv.envNames = {"DATABASE_URL"};
  EXPECT_EQ(texts(logLinesBetween(p, kStart, kStart, kStart + 1h, withEnv)),
            (std::vector<std::string>{
                "2026-11-20T09:05:00Z | 2026-11-20T09:05:00Z INFO starting todo-chatbot backend 1.4.2"}));
}

TEST(ProfileLogs, FailureLinesWhenLivenessStartsFailingAndNoneForACleanExit) {
  Profile p;
  p.startup = 1s;
  p.probes.livenessFailsAfter = 1h;
  p.logs.failure = {"{time} ERROR deadlock detected", "goroutine 1 [semacquire]:"};
  EXPECT_EQ(texts(logLinesBetween(p, kStart, kStart, kStart + 2h, {})),
            (std::vector<std::string>{"2026-11-20T10:05:00Z | 2026-11-20T10:05:00Z ERROR deadlock detected",
                                      "2026-11-20T10:05:00Z | goroutine 1 [semacquire]:"}));
  p.probes.livenessFailsAfter.reset();
  p.exit = ExitModel{10min, 0, ""};
  p.logs.periodic = PeriodicLogs{4min, {"{time} tick {seq}"}};
  EXPECT_EQ(texts(logLinesBetween(p, kStart, kStart, kStart + 2h, {})),
            (std::vector<std::string>{"2026-11-20T09:09:01Z | 2026-11-20T09:09:01Z tick 1",
                                      "2026-11-20T09:13:01Z | 2026-11-20T09:13:01Z tick 2"}));
  p.exit->exitCode = 3;
  p.exit->reason = "job failed";
  p.logs.failure = {"{time} exiting with {exitCode}: {reason}"};
  EXPECT_EQ(
      texts(logLinesBetween(p, kStart, kStart + 5min, kStart + 2h, {})),
      (std::vector<std::string>{"2026-11-20T09:13:01Z | 2026-11-20T09:13:01Z tick 2",
                                "2026-11-20T09:15:00Z | 2026-11-20T09:15:00Z exiting with 3: job failed"}));
}

TEST(ProfileRequests, LatencyDistributionHasTheGivenMedianAndP99) {
  Profile p;
  p.requests.latency = {12ms, 180ms};
  EXPECT_NEAR(latencyCdf(p, 0.012), 0.5, 1e-12);
  EXPECT_NEAR(latencyCdf(p, 0.180), 0.99, 1e-9);
  EXPECT_EQ(latencyCdf(p, 0), 0);
  EXPECT_NEAR(latencyQuantile(p, 0.5), 0.012, 1e-12);
  EXPECT_NEAR(latencyQuantile(p, 0.99), 0.180, 1e-9);
  // Mean of a log-normal: exp(mu + sigma^2 / 2), sigma = ln(15) / z(0.99).
  double sigma = std::log(15.0) / 2.3263478740408408;
  EXPECT_NEAR(meanLatency(p), 0.012 * std::exp(sigma * sigma / 2), 1e-12);
  p.requests.latency = {20ms, 20ms};  // no spread: every request takes the median
  EXPECT_EQ(latencyCdf(p, 0.0199), 0);
  EXPECT_EQ(latencyCdf(p, 0.02), 1);
  EXPECT_NEAR(sampleLatency(p, 5), 0.02, 1e-15);
}

TEST(ProfileRequests, OutcomesAddUpAndFollowTheRates) {
  Scenario s = example();
  const Profile& p = profileNamed(s, "todo-backend");
  std::vector<std::pair<int, double>> shares = statusShares(p);
  ASSERT_EQ(shares.size(), 3u);
  EXPECT_EQ(shares[0].first, 200);
  EXPECT_NEAR(shares[0].second, 0.997, 1e-15);
  EXPECT_EQ(shares[1], (std::pair<int, double>{429, 0.001}));
  EXPECT_EQ(shares[2], (std::pair<int, double>{500, 0.002}));
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    Outcomes o = requestOutcomes(p, 100000, seed);
    EXPECT_EQ(o.count, 100000u);
    std::uint64_t sum = 0;
    for (const auto& [code, n] : o.byCode)
      sum += n;
    EXPECT_EQ(sum, 100000u);
    EXPECT_NEAR(static_cast<double>(o.byCode[429]), 100, 1);
    EXPECT_NEAR(static_cast<double>(o.byCode[500]), 200, 1);
    ASSERT_EQ(o.buckets.size(), 11u);
    for (std::size_t i = 1; i < o.buckets.size(); ++i)
      EXPECT_LE(o.buckets[i - 1], o.buckets[i]);
    EXPECT_LE(o.buckets.back(), o.count);
    // 5 ms, 10 ms, 25 ms: expected counts within one.
    for (std::size_t i : {0u, 1u, 2u})
      EXPECT_NEAR(static_cast<double>(o.buckets[i]), 100000 * latencyCdf(p, latencyBuckets()[i]), 1);
    EXPECT_NEAR(o.latencySumSeconds, 100000 * meanLatency(p), 1e-6);
  }
  EXPECT_EQ(requestOutcomes(p, 0, 1).byCode.size(), 0u);
}

TEST(ProfileRequests, ASingleRequestFailsWithTheErrorRateAcrossSeeds) {
  Profile p;
  p.requests.errorRate = 0.2;
  int failures = 0;
  for (std::uint64_t seed = 0; seed < 10000; ++seed) {
    Outcomes o = requestOutcomes(p, 1, seed);
    ASSERT_EQ(o.byCode.size(), 1u);
    failures += o.byCode.count(500) ? 1 : 0;
  }
  EXPECT_NEAR(failures, 2000, 150);
  EXPECT_EQ(requestOutcomes(p, 1, 77).byCode, requestOutcomes(p, 1, 77).byCode);
}

}  // namespace
}  // namespace kubesim::behaviour

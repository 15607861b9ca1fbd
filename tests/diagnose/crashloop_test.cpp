// Crash analysis: exit-code decoding, start failures, log signatures that explain an application error,
// grouping of a Deployment's pods, and the restart-history look-alikes that must stay quiet.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "fixture.h"

namespace aiops::diagnose {
namespace {

using testing::diagnoseFixture;
using testing::only;
using testing::summary;

TEST(CrashLoop, DeploymentCrashingOnARefusedConnectionIsOneFindingBehindItsService) {
  Diagnosis d = diagnoseFixture("crashloop-connection-refused");
  EXPECT_EQ(summary(d), (std::vector<std::string>{"AIOPS-D900 Pod shop/backend-7d9f8c6b5-2xkqp secondary",
                                                  "AIOPS-D800 Service shop/postgres primary"}));
  const model::Finding& f = only(d, "AIOPS-D900");
  EXPECT_EQ(f.title, "Connection refused");
  EXPECT_EQ(f.severity, model::Severity::Error);
  EXPECT_EQ(f.headline, "Deployment shop/backend: 3/3 pods CrashLoopBackOff, same cause");
  EXPECT_EQ(
      f.rootCause,
      "Container app exits with code 1 and is in CrashLoopBackOff after 6 restarts because its connection to "
      "10.96.14.2:5432 (Service postgres) is refused.");
  EXPECT_EQ(f.affected, (std::vector<std::string>{"backend-7d9f8c6b5-2xkqp", "backend-7d9f8c6b5-8hj4n",
                                                  "backend-7d9f8c6b5-tq7wz"}));
  EXPECT_EQ(f.container, "app");
  EXPECT_EQ(f.confidence, 90);
  ASSERT_EQ(f.object.owners.size(), 2U);
  EXPECT_EQ(f.object.owners[0].kind, "ReplicaSet");
  EXPECT_EQ(f.object.owners[0].name, "backend-7d9f8c6b5");
  EXPECT_EQ(f.object.owners[1].kind, "Deployment");
  EXPECT_EQ(f.object.owners[1].name, "backend");
  ASSERT_TRUE(f.relatedTo.has_value());
  EXPECT_EQ(f.relatedTo->ruleId, "AIOPS-D800");
  EXPECT_EQ(f.relatedTo->object.kind, "Service");
  EXPECT_EQ(f.relatedTo->object.name, "postgres");
  EXPECT_EQ(f.runbook, "connection-refused");

  ASSERT_EQ(f.evidence.size(), 4U);
  EXPECT_EQ(model::describe(f.evidence[0]),
            "field Pod shop/backend-7d9f8c6b5-2xkqp status.containerStatuses[app].lastState.terminated = "
            "reason=Error exitCode=1 finishedAt=2024-05-01T11:58:02Z");
  EXPECT_EQ(model::describe(f.evidence[1]),
            "field Pod shop/backend-7d9f8c6b5-2xkqp status.containerStatuses[app].restartCount = 6");
  EXPECT_EQ(
      model::describe(f.evidence[2]),
      "event Pod shop/backend-7d9f8c6b5-2xkqp BackOff ×25 (2024-05-01T11:31:10Z … 2024-05-01T11:58:03Z): "
      "\"Back-off restarting failed container app in pod "
      "backend-7d9f8c6b5-2xkqp_shop(0d2c5a4e-0000-4000-8000-00000000a001)\"");
  EXPECT_EQ(f.evidence[3].kind, model::EvidenceItem::Kind::Log);
  EXPECT_EQ(f.evidence[3].line, 3);
  EXPECT_TRUE(f.evidence[3].previous);
  EXPECT_EQ(f.evidence[3].signature, "connection-refused");
  EXPECT_EQ(f.evidence[3].text,
            "2024-05-01T11:58:02Z ERROR failed to connect to database: dial tcp 10.96.14.2:5432: connect: "
            "connection refused");

  ASSERT_EQ(f.recommendations.size(), 1U);
  EXPECT_EQ(f.recommendations[0].action, model::ActionKind::Investigate);
  EXPECT_EQ(f.recommendations[0].summary,
            "resolve the connection refused reported in the log of container app (10.96.14.2:5432)");
  EXPECT_EQ(f.recommendations[0].target.display(), "Deployment shop/backend");
}

struct ExitCase {
  const char* pod;
  const char* rule;
  const char* rootCause;
};

TEST(CrashLoop, ExitCodesAreDecoded) {
  Diagnosis d = diagnoseFixture("crashloop-exit-codes");
  const ExitCase cases[] = {
      {"usage", "AIOPS-D101",
       "Container app exits with code 2, the conventional code for invalid command-line usage, and is in "
       "CrashLoopBackOff after 3 restarts; its command or arguments are wrong."},
      {"noexec", "AIOPS-D102",
       "Container app cannot run \"/app/start.sh\": it exists but is not executable, and is in "
       "CrashLoopBackOff "
       "after 3 restarts."},
      {"notfound", "AIOPS-D103",
       "Container app cannot start because \"gunicorn\" is not found in the image, and is in "
       "CrashLoopBackOff "
       "after 3 restarts."},
      {"segv", "AIOPS-D104",
       "Container app is killed by SIGSEGV (exit code 139): the process accessed invalid memory, and is in "
       "CrashLoopBackOff after 4 restarts."},
      {"sigterm", "AIOPS-D105",
       "Container app exits on SIGTERM (exit code 143): something stopped it, and is in CrashLoopBackOff "
       "after 2 "
       "restarts."},
      {"killed", "AIOPS-D106",
       "Container app is killed by SIGKILL (exit code 137) and is in CrashLoopBackOff after 2 restarts."},
      {"completed", "AIOPS-D107",
       "Container app exits with code 0 but its pod's restartPolicy is Always, so it is in CrashLoopBackOff "
       "after 5 "
       "restarts; a run-to-completion task belongs in a Job, or the command must stay in the foreground."},
      {"report", "AIOPS-D108",
       "Container app exited with code 3 (an application error) and the pod failed; restartPolicy Never does "
       "not "
       "restart it."},
      {"armonly", "AIOPS-D109",
       "Container app fails with \"exec format error\": image ghcr.io/example/app:arm64-only was built for a "
       "different CPU architecture than node worker-1 (amd64) or its entrypoint is not a valid executable, "
       "and is "
       "in CrashLoopBackOff after 2 restarts."},
  };
  ASSERT_EQ(d.findings.size(), std::size(cases)) << ::testing::PrintToString(summary(d));
  for (const ExitCase& c : cases) {
    SCOPED_TRACE(c.pod);
    const model::Finding& f = only(d, c.rule);
    EXPECT_EQ(f.object.name, c.pod);
    EXPECT_EQ(f.rootCause, c.rootCause);
    EXPECT_TRUE(f.primary);
    EXPECT_EQ(f.headline, std::string("Pod jobs/") + c.pod +
                              (std::string(c.pod) == "report" ? ": Error" : ": CrashLoopBackOff"));
  }
  // Sorted: errors before warnings, then by name.
  EXPECT_EQ(summary(d), (std::vector<std::string>{
                            "AIOPS-D109 Pod jobs/armonly primary", "AIOPS-D106 Pod jobs/killed primary",
                            "AIOPS-D102 Pod jobs/noexec primary", "AIOPS-D103 Pod jobs/notfound primary",
                            "AIOPS-D108 Pod jobs/report primary", "AIOPS-D104 Pod jobs/segv primary",
                            "AIOPS-D101 Pod jobs/usage primary", "AIOPS-D107 Pod jobs/completed primary",
                            "AIOPS-D105 Pod jobs/sigterm primary"}));
}

TEST(CrashLoop, StartErrorQuotesTheRuntimeMessage) {
  Diagnosis d = diagnoseFixture("crashloop-exit-codes");
  const model::Finding& f = only(d, "AIOPS-D103");
  EXPECT_EQ(f.confidence, 95);
  ASSERT_GE(f.evidence.size(), 2U);
  EXPECT_EQ(f.evidence[0].text, "reason=StartError exitCode=128 finishedAt=2024-05-01T11:58:31Z");
  EXPECT_EQ(f.evidence[1].path, "status.containerStatuses[app].lastState.terminated.message");
  EXPECT_EQ(
      f.evidence[1].text,
      "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create "
      "failed: unable to start container process: exec: \"gunicorn\": executable file not found in $PATH: "
      "unknown");
  ASSERT_EQ(f.recommendations.size(), 1U);
  EXPECT_EQ(f.recommendations[0].action, model::ActionKind::ConfigChange);
  EXPECT_EQ(f.recommendations[0].summary,
            "correct the command of container app or use an image that contains \"gunicorn\"");
}

TEST(CrashLoop, FailedPodQuotesTheLastLogLineWhenNoSignatureMatches) {
  Diagnosis d = diagnoseFixture("crashloop-exit-codes");
  const model::Finding& f = only(d, "AIOPS-D108");
  const model::EvidenceItem& last = f.evidence.back();
  EXPECT_EQ(last.kind, model::EvidenceItem::Kind::Log);
  EXPECT_FALSE(last.previous);
  EXPECT_EQ(last.line, 3);
  EXPECT_EQ(last.text, "upload: bucket reports-2024 returned 500, aborting");
  EXPECT_EQ(last.signature, "");
}

TEST(CrashLoop, GenericErrorQuotesLastLogLine) {
  Diagnosis d = diagnoseFixture("crashloop-logs");
  const model::Finding& f = only(d, "AIOPS-D100");
  EXPECT_EQ(f.rootCause,
            "Container worker exits with code 1 (an application error) and is in CrashLoopBackOff after 4 "
            "restarts.");
  EXPECT_EQ(f.confidence, 65);
  EXPECT_EQ(model::describe(f.evidence.back()),
            "log Pod jobs/worker container worker (previous) line 2: configuration invalid: field \"queue\" "
            "must be a "
            "non-empty string");
}

TEST(CrashLoop, AnErrorLineIsCitedRatherThanTheShutdownAfterIt) {
  Evidence e = testing::loadEvidence("crashloop-logs");
  for (PodEvidence& p : e.pods) {
    if (p.name != "worker") continue;
    p.containers.at(0).previousLog.text =
        "INFO worker 1.4 starting\nERROR cannot open queue orders: broker answered 403\nINFO closing "
        "connections\nINFO exiting with status 1\n";
  }
  Diagnosis d = diagnose(e, testing::fixtureOptions());
  const model::Finding& f = only(d, "AIOPS-D100");
  EXPECT_EQ(model::describe(f.evidence.back()),
            "log Pod jobs/worker container worker (previous) line 2: ERROR cannot open queue orders: broker "
            "answered 403");
}

TEST(CrashLoop, MissingEnvironmentVariableBeatsTheTraceback) {
  Diagnosis d = diagnoseFixture("crashloop-logs");
  const model::Finding& f = only(d, "AIOPS-D911");
  EXPECT_EQ(f.object.name, "pyapi");
  EXPECT_EQ(f.rootCause,
            "Container api exits with code 1 and is in CrashLoopBackOff after 7 restarts because environment "
            "variable DATABASE_URL is not set.");
  EXPECT_EQ(model::describe(f.evidence.back()),
            "log Pod jobs/pyapi container api (previous) line 7: KeyError: 'DATABASE_URL'");
}

TEST(CrashLoop, GoPanicExitingWithTwoIsAnUnhandledError) {
  Diagnosis d = diagnoseFixture("crashloop-logs");
  const model::Finding& f = only(d, "AIOPS-D909");
  EXPECT_EQ(
      f.rootCause,
      "Container svc exits with code 2 and is in CrashLoopBackOff after 3 restarts because it aborts on an "
      "unhandled error (panic: runtime error: invalid memory address or nil pointer dereference).");
  EXPECT_EQ(d.findings.size(), 3U);
}

TEST(CrashLoop, FlappingContainerIsACrashLoopAndARecoveredOneARecentRestart) {
  Diagnosis d = diagnoseFixture("crashloop-restarts");
  EXPECT_EQ(summary(d), (std::vector<std::string>{"AIOPS-D100 Pod web/flapping primary",
                                                  "AIOPS-D130 Pod web/recovered primary"}));
  EXPECT_EQ(only(d, "AIOPS-D100").rootCause,
            "Container app exits with code 1 (an application error) and has restarted 5 times.");
  EXPECT_EQ(
      only(d, "AIOPS-D130").rootCause,
      "Container app restarted 4 times; the last instance ended 31m ago with exit code 1 (an application "
      "error), and it is running again.");
  EXPECT_EQ(only(d, "AIOPS-D130").severity, model::Severity::Warning);
}

TEST(CrashLoop, RestartOnceAWeekAgoStaysQuiet) {
  Diagnosis d = diagnoseFixture("crashloop-restarts");
  for (const model::Finding& f : d.findings)
    EXPECT_NE(f.object.name, "steady");
}

TEST(CrashLoop, RecentRestartsNeedTheThreshold) {
  Options options = testing::fixtureOptions();
  options.restartThreshold = 5;
  Diagnosis d = diagnoseFixture("crashloop-restarts", options);
  EXPECT_EQ(summary(d), (std::vector<std::string>{"AIOPS-D100 Pod web/flapping primary"}));
}

}  // namespace
}  // namespace aiops::diagnose

// Jobs and CronJobs through the whole runtime: pods one after another to the completions, the Complete
// conditions and events, the back-off limit, and a CronJob's schedule, names, history and status.
#include "job_controller.h"

#include <gtest/gtest.h>

#include "test_cluster.h"

namespace kubesim::runtime {
namespace {

using testing::field;
using testing::TestCluster;

const std::string kCluster = std::string(testing::kNodeYaml) + R"(---
apiVersion: kubesim.aiops.dev/v1
kind: BehaviourProfile
name: batch
images: [registry.example/batch]
startup: 1s
exit: {after: 10s, exitCode: 0}
logs:
  startup: ["processing"]
---
apiVersion: kubesim.aiops.dev/v1
kind: BehaviourProfile
name: failing-batch
images: [registry.example/failing]
startup: 1s
exit: {after: 2s, exitCode: 2, reason: input missing}
)";

TEST(JobControllerTest, AJobRunsItsCompletionsAndCompletes) {
  TestCluster cluster(kCluster);
  cluster.create(R"(apiVersion: batch/v1
kind: Job
metadata: {name: report, namespace: default}
spec:
  completions: 2
  parallelism: 1
  template:
    spec:
      restartPolicy: Never
      containers: [{name: report, image: registry.example/batch:1.0}]
)");
  // Pod 1: created at 0, pulled by 3, exits at 13; pod 2: created at 13, started at 14, exits at 24.
  cluster.runUntilSecond(12);
  json::object job = cluster.must(gr::jobs, "report");
  EXPECT_EQ(field(job, {"status", "active"}), "1");
  EXPECT_EQ(field(job, {"status", "ready"}), "1");
  cluster.runUntilSecond(23);
  job = cluster.must(gr::jobs, "report");
  EXPECT_EQ(field(job, {"status", "succeeded"}), "1");
  EXPECT_EQ(field(job, {"status", "active"}), "1");
  cluster.runUntilSecond(24);
  job = cluster.must(gr::jobs, "report");
  json::object expected = boost::json::parse(R"({
    "startTime": "2026-03-01T12:00:00Z",
    "conditions": [
      {"type": "SuccessCriteriaMet", "status": "True", "lastProbeTime": "2026-03-01T12:00:24Z",
       "lastTransitionTime": "2026-03-01T12:00:24Z", "reason": "CompletionsReached",
       "message": "Reached expected number of succeeded pods"},
      {"type": "Complete", "status": "True", "lastProbeTime": "2026-03-01T12:00:24Z",
       "lastTransitionTime": "2026-03-01T12:00:24Z", "reason": "CompletionsReached",
       "message": "Reached expected number of succeeded pods"}
    ],
    "completionTime": "2026-03-01T12:00:24Z",
    "succeeded": 2,
    "ready": 0,
    "terminating": 0,
    "uncountedTerminatedPods": {}
  })")
                              .as_object();
  EXPECT_EQ(job["status"], json::value(expected)) << toJson(job["status"]);
  std::vector<json::object> pods = cluster.podsOf("report-");
  ASSERT_EQ(pods.size(), 2u);
  for (const json::object& pod : pods) {
    EXPECT_EQ(field(pod, {"status", "phase"}), "Succeeded");
    EXPECT_EQ(field(pod, {"metadata", "labels", "job-name"}), "report");
    EXPECT_EQ(field(testing::containerStatus(pod), {"state", "terminated", "reason"}), "Completed");
    EXPECT_EQ(testing::conditions(pod),
              (std::vector<std::string>{"PodReadyToStartContainers=False", "Initialized=True/PodCompleted",
                                        "Ready=False/PodCompleted", "ContainersReady=False/PodCompleted",
                                        "PodScheduled=True"}));
  }
  EXPECT_EQ(
      cluster.eventsFor("report"),
      (std::vector<std::string>{"SuccessfulCreate: Created pod: " + std::string(metaString(pods[0], "name")),
                                "SuccessfulCreate: Created pod: " + std::string(metaString(pods[1], "name")),
                                "Completed: Job completed"}));
  EXPECT_EQ(
      cluster.logs().get({"default", std::string(metaString(pods[1], "name")), "report", false}).value_or(""),
      "processing\n");
}

TEST(JobControllerTest, FailuresPastTheBackoffLimitFailTheJob) {
  TestCluster cluster(kCluster);
  cluster.create(R"(apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: default}
spec:
  backoffLimit: 1
  template:
    spec:
      restartPolicy: Never
      containers: [{name: etl, image: registry.example/failing:1.0}]
)");
  // Pod 1 fails at 5; its replacement comes after the 10 s pod failure back-off (15) and fails at 18.
  cluster.runUntilSecond(14);
  EXPECT_EQ(cluster.podsOf("etl-").size(), 1u);
  EXPECT_EQ(field(cluster.must(gr::jobs, "etl"), {"status", "failed"}), "1");
  cluster.runUntilSecond(15);
  EXPECT_EQ(cluster.podsOf("etl-").size(), 2u);
  cluster.runUntilSecond(18);
  json::object job = cluster.must(gr::jobs, "etl");
  EXPECT_EQ(testing::conditions(job), (std::vector<std::string>{"FailureTarget=True/BackoffLimitExceeded",
                                                                "Failed=True/BackoffLimitExceeded"}));
  EXPECT_EQ(field(job, {"status", "failed"}), "2");
  EXPECT_EQ(field(job, {"status", "completionTime"}), "");
  EXPECT_EQ(cluster.eventsFor("etl").back(),
            "BackoffLimitExceeded: Job has reached the specified backoff limit");
  json::object pod = cluster.podsOf("etl-").front();
  EXPECT_EQ(field(pod, {"status", "phase"}), "Failed");
  EXPECT_EQ(field(testing::containerStatus(pod), {"state", "terminated", "exitCode"}), "2");
  EXPECT_EQ(field(testing::containerStatus(pod), {"state", "terminated", "reason"}), "Error");
}

TEST(JobControllerTest, ACronJobRunsOnScheduleAndKeepsItsHistory) {
  TestCluster cluster(kCluster);
  cluster.create(R"(apiVersion: batch/v1
kind: CronJob
metadata: {name: tick, namespace: default}
spec:
  schedule: "*/1 * * * *"
  successfulJobsHistoryLimit: 2
  jobTemplate:
    metadata: {labels: {team: ops}}
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: tick, image: registry.example/batch:1.0}]
)");
  auto minutes = [](int minute) {
    return std::to_string(
        std::chrono::duration_cast<std::chrono::minutes>(
            (testing::at(testing::kStart) + std::chrono::minutes(minute)).time_since_epoch())
            .count());
  };
  cluster.runUntilSecond(59);
  EXPECT_TRUE(cluster.list(gr::jobs).empty());
  cluster.runUntilSecond(60);
  json::object job = cluster.must(gr::jobs, "tick-" + minutes(1));
  EXPECT_EQ(field(job, {"metadata", "annotations", "batch.kubernetes.io/cronjob-scheduled-timestamp"}),
            "2026-03-01T12:01:00Z");
  EXPECT_EQ(field(job, {"metadata", "labels", "team"}), "ops");
  json::object cron = cluster.must(gr::cronJobs, "tick");
  EXPECT_EQ(field(cron, {"status", "lastScheduleTime"}), "2026-03-01T12:01:00Z");
  EXPECT_NE(field(cron, {"status", "active"}).find("tick-" + minutes(1)), std::string::npos);

  // Runs at 1, 2, 3 and 4 minutes, each done 11 s later (sandbox 1 s, 10 s of work; the first pulls 2 s
  // more); two kept.
  cluster.runUntilSecond(4 * 60 + 30);
  std::vector<std::string> names;
  for (const json::object& j : cluster.list(gr::jobs))
    names.emplace_back(metaString(j, "name"));
  EXPECT_EQ(names, (std::vector<std::string>{"tick-" + minutes(3), "tick-" + minutes(4)}));
  cron = cluster.must(gr::cronJobs, "tick");
  EXPECT_EQ(field(cron, {"status", "lastScheduleTime"}), "2026-03-01T12:04:00Z");
  EXPECT_EQ(field(cron, {"status", "lastSuccessfulTime"}), "2026-03-01T12:04:11Z");
  EXPECT_EQ(field(cron, {"status", "active"}), "");
  std::vector<std::string> events = cluster.eventsFor("tick");
  EXPECT_EQ(events[0], "SuccessfulCreate: Created job tick-" + minutes(1));
  EXPECT_EQ(events[1], "SawCompletedJob: Saw completed job: tick-" + minutes(1) + ", condition: Complete");
  EXPECT_NE(std::find(events.begin(), events.end(), "SuccessfulDelete: Deleted job tick-" + minutes(1)),
            events.end());
  EXPECT_NE(std::find(events.begin(), events.end(), "SuccessfulDelete: Deleted job tick-" + minutes(2)),
            events.end());
}

}  // namespace
}  // namespace kubesim::runtime

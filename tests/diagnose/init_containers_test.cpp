// Init containers: a failing one explained by its log (DNS), a stuck one whose dependency times out, and
// the look-alikes (just started, completed) that must not fire.
#include <gtest/gtest.h>

#include "fixture.h"

namespace aiops::diagnose {
namespace {

using testing::diagnoseFixture;
using testing::only;
using testing::summary;

class InitContainers : public ::testing::Test {
 protected:
  Diagnosis d = diagnoseFixture("init-containers");
};

TEST_F(InitContainers, FailingAndStuckInitContainersOnly) {
  EXPECT_EQ(summary(d), (std::vector<std::string>{"AIOPS-D120 Pod shop/backend-8c9d0e1f2-w41td primary",
                                                  "AIOPS-D121 Pod shop/migrator primary"}));
}

TEST_F(InitContainers, FailingInitContainerCitesTheDnsFailure) {
  const model::Finding& f = only(d, "AIOPS-D120");
  EXPECT_EQ(f.headline, "Deployment shop/backend: 1/1 pods Init:CrashLoopBackOff");
  EXPECT_EQ(f.container, "wait-db");
  EXPECT_EQ(f.rootCause,
            "Init container wait-db exits with code 1 and is in CrashLoopBackOff after 4 restarts because "
            "host name "
            "postgres.shop.svc.cluster.local does not resolve, so the pod's containers never start.");
  EXPECT_EQ(f.confidence, 90);
  EXPECT_EQ(model::describe(f.evidence.back()),
            "log Pod shop/backend-8c9d0e1f2-w41td container wait-db (previous) line 4: ** server can't find "
            "postgres.shop.svc.cluster.local: NXDOMAIN");
  EXPECT_EQ(f.evidence.front().path, "status.initContainerStatuses[wait-db].lastState.terminated");
  EXPECT_EQ(f.recommendations.at(0).commands,
            (std::vector<std::string>{"kubectl -n shop logs backend-8c9d0e1f2-w41td -c wait-db --previous"}));
}

TEST_F(InitContainers, StuckInitContainerCitesWhatItWaitsFor) {
  const model::Finding& f = only(d, "AIOPS-D121");
  EXPECT_EQ(f.severity, model::Severity::Warning);
  EXPECT_EQ(
      f.rootCause,
      "Init container migrate has been running for 24m without completing, so the pod's containers have not "
      "started (requests to 10.96.7.7:5432 time out).");
}

}  // namespace
}  // namespace aiops::diagnose

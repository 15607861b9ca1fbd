// ContainerCreating: a missing ConfigMap volume (the specific FailedMount wins over the generic timeout),
// Multi-Attach, sandbox creation, other mount failures, and a pod still within its start-up grace.
#include <gtest/gtest.h>

#include "fixture.h"

namespace aiops::diagnose {
namespace {

using testing::diagnoseFixture;
using testing::only;
using testing::summary;

class Volumes : public ::testing::Test {
 protected:
  Diagnosis d = diagnoseFixture("volumes");
};

TEST_F(Volumes, OneFindingPerStuckPod) {
  EXPECT_EQ(summary(d), (std::vector<std::string>{"AIOPS-D504 Pod shop/db-5d6c7b8a9-new34 primary",
                                                  "AIOPS-D415 Pod shop/netpod primary",
                                                  "AIOPS-D503 Pod shop/nfs-client primary",
                                                  "AIOPS-D502 Pod shop/web-6d7e8f9a0-bb2cc primary"}));
}

TEST_F(Volumes, MissingConfigMapVolume) {
  const model::Finding& f = only(d, "AIOPS-D502");
  EXPECT_EQ(f.headline, "Deployment shop/web: 1/1 pods ContainerCreating");
  EXPECT_EQ(
      f.rootCause,
      "Pod web-6d7e8f9a0-bb2cc cannot mount volume config because ConfigMap web-config does not exist.");
  EXPECT_EQ(f.recommendations.at(0).target.display(), "ConfigMap shop/web-config");
  EXPECT_EQ(f.recommendations.at(0).commands,
            (std::vector<std::string>{"kubectl -n shop create configmap web-config --from-file=<path>"}));
  ASSERT_EQ(f.evidence.size(), 1U);
  EXPECT_EQ(f.evidence[0].count, 7);
}

TEST_F(Volumes, MultiAttachNamesThePodHoldingTheVolume) {
  EXPECT_EQ(only(d, "AIOPS-D504").rootCause,
            "Pod db-5d6c7b8a9-new34 cannot attach volume pvc-3f2a1b0c-5d6e-4f70-8a9b-0c1d2e3f4a5b: it is a "
            "ReadWriteOnce volume already attached to another node (in use by pod db-5d6c7b8a9-old12).");
}

TEST_F(Volumes, SandboxFailureTargetsTheNode) {
  const model::Finding& f = only(d, "AIOPS-D415");
  std::string event =
      "Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "
      "\"7f3e9c1d\": "
      "plugin type=\"calico\" failed (add): stat /var/lib/calico/nodename: no such file or directory: check "
      "that the "
      "calico/node container is running and has mounted /var/lib/calico/";
  // Quoted up to 200 bytes.
  EXPECT_EQ(f.rootCause,
            "Pod netpod is stuck in ContainerCreating: node worker-3 cannot create its sandbox (" +
                event.substr(0, 200) + "…).");
  EXPECT_EQ(f.recommendations.at(0).target.display(), "Node worker-3");
}

TEST_F(Volumes, OtherMountFailures) {
  EXPECT_EQ(only(d, "AIOPS-D503").rootCause,
            "Pod nfs-client cannot mount its volumes: MountVolume.SetUp failed for volume \"shared\" : mount "
            "failed: "
            "exit status 32.");
}

TEST(VolumesGrace, AYoungPodsMountErrorIsReportedAfterTheGrace) {
  Options options = testing::fixtureOptions();
  options.startupGrace = std::chrono::seconds(5);
  Diagnosis d = diagnoseFixture("volumes", options);
  auto missing = testing::withRule(d, "AIOPS-D502");
  ASSERT_EQ(missing.size(), 2U);
  EXPECT_EQ(missing[1]->rootCause,
            "Pod young cannot mount volume token because Secret young-token does not exist.");
}

}  // namespace
}  // namespace aiops::diagnose

// The controller manager: deterministic stepping (due instants, settling) and the threaded mode the server
// runs, which reacts to API writes at once and lives through a jump of the clock.
#include "controller_manager.h"

#include <gtest/gtest.h>

#include <thread>

#include "test_cluster.h"

namespace kubesim::runtime {
namespace {

using namespace std::chrono_literals;
using testing::field;
using testing::TestCluster;

const std::string kCrasher = std::string(testing::kNodeYaml) + R"(---
apiVersion: kubesim.aiops.dev/v1
kind: BehaviourProfile
name: crasher
images: [registry.example/crasher]
startup: 1s
exit: {after: 5s, exitCode: 1}
)";

const std::string kPod = R"(apiVersion: v1
kind: Pod
metadata: {name: crasher, namespace: default}
spec:
  containers: [{name: app, image: registry.example/crasher:1.0}]
)";

// Polls until `done` holds or ten seconds of real time pass (a rendezvous, not a timing assumption).
template <typename Predicate>
bool eventually(Predicate done) {
  for (int i = 0; i < 1000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

TEST(ControllerManagerTest, NextDueIsTheEarliestTimerOfAnyController) {
  TestCluster cluster(kCrasher);
  cluster.create(kPod);
  cluster.manager().step();
  // The sandbox is due a second after admission.
  EXPECT_EQ(formatMicroTime(*cluster.manager().nextDue()), "2026-03-01T12:00:01.000000Z");
  cluster.runUntilSecond(1);
  // Pulling until 3.
  EXPECT_EQ(formatMicroTime(*cluster.manager().nextDue()), "2026-03-01T12:00:03.000000Z");
  EXPECT_EQ(formatTime(cluster.now()), "2026-03-01T12:00:01Z");
}

TEST(ControllerManagerTest, TheThreadReactsToWritesAndCatchesUpWithTheClock) {
  TestCluster cluster(kCrasher);
  cluster.manager().start();
  EXPECT_TRUE(cluster.manager().running());
  // The clock stands still: only the write wakes the manager, which schedules the pod at once.
  cluster.create(kPod);
  ASSERT_TRUE(eventually([&] {
    std::optional<json::object> pod = cluster.get(gr::pods, "crasher");
    return pod && field(*pod, {"spec", "nodeName"}) == "node-1";
  }));
  // A jump of 100 s: the manager lives through every instant of it, as a deterministic run would (see the
  // kubelet's crash-loop test): the fourth restart at 93 s, the exit at 98 s into an 80 s back-off.
  cluster.clock().advance(100s);
  cluster.manager().wake();
  ASSERT_TRUE(eventually([&] {
    std::optional<json::object> pod = cluster.get(gr::pods, "crasher");
    return pod && field(testing::containerStatus(*pod), {"lastState", "terminated", "finishedAt"}) ==
                      "2026-03-01T12:01:38Z";
  }));
  cluster.manager().stop();
  EXPECT_FALSE(cluster.manager().running());
  json::object pod = cluster.must(gr::pods, "crasher");
  json::object status = testing::containerStatus(pod);
  EXPECT_EQ(field(status, {"restartCount"}), "4");
  EXPECT_EQ(field(status, {"state", "waiting", "message"}),
            "back-off 1m20s restarting failed container=app pod=crasher_default(" +
                std::string(metaString(pod, "uid")) + ")");
}

TEST(ControllerManagerTest, ARunningClockIsFollowedInRealTime) {
  behaviour::VirtualClock clock(testing::at(testing::kStart), 600.0);  // ten virtual minutes a real second
  Authenticator auth(std::vector<ScenarioUser>{});
  ApiServer api(testing::openapi(), auth, clock);
  api.load(testing::stateFrom(kCrasher + "---\n" + kPod));
  ControllerManager manager(api.store(), api.logs(), clock,
                            behaviour::parseScenario(testing::stateFrom(kCrasher).behaviourDocuments));
  manager.start();
  ASSERT_TRUE(eventually([&] {
    ObjectPtr pod = api.store().get(gr::pods, "default", "crasher");
    return pod && field(testing::containerStatus(*pod), {"restartCount"}) == "3";
  }));
  manager.stop();
  EXPECT_TRUE(manager.problems().empty()) << ::testing::PrintToString(manager.problems());
}

TEST(ControllerManagerTest, TimelineActionsApplyOnDemand) {
  TestCluster cluster(kCrasher);
  cluster.create(kPod);
  cluster.runUntilSecond(5);
  cluster.manager().apply(behaviour::KillPod{"default", "crasher", ""});
  EXPECT_TRUE(isTerminating(cluster.must(gr::pods, "crasher")));
  EXPECT_THROW(cluster.manager().apply(behaviour::KillPod{"default", "nobody", ""}), std::runtime_error);
  EXPECT_THROW(cluster.manager().apply(behaviour::RemoveConfigMapKey{"default", "nothing", "key"}),
               std::runtime_error);
}

}  // namespace
}  // namespace kubesim::runtime

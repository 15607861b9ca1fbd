// Tests for the Deployment and ReplicaSet passes: a simulated cluster steps rollouts to completion and checks
// the surge and availability bounds at every step, plus hashes, fenceposts, conditions, revisions and undo.
#include "rollout.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>
#include <string>

namespace kubesim::controllers {
namespace {

using std::chrono::seconds;

const TimePoint kStart = std::chrono::sys_days{std::chrono::year{2024} / 5 / 1} + std::chrono::hours(12);

json::object deploymentObject(int replicas, const std::string& image, const std::string& strategyJson,
                              int minReadySeconds = 0, int progressDeadlineSeconds = 600) {
  json::object d = json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment",
      "metadata":{"name":"web","namespace":"default","uid":"d-uid","generation":1,
                  "annotations":{"kubernetes.io/change-cause":"initial"}},
      "spec":{"selector":{"matchLabels":{"app":"web"}},
              "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"app","image":"x"}]}}}})")
                       .as_object();
  json::object& spec = d["spec"].as_object();
  spec["replicas"] = replicas;
  spec["strategy"] = json::parse(strategyJson);
  spec["minReadySeconds"] = minReadySeconds;
  spec["progressDeadlineSeconds"] = progressDeadlineSeconds;
  spec["template"].as_object()["spec"].as_object()["containers"].as_array()[0].as_object()["image"] = image;
  return d;
}

const std::string kRolling =
    R"({"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":"25%"}})";

std::string ownerOf(const json::object& pod) {
  return stringAt(pod.at("metadata").as_object().at("ownerReferences").as_array()[0].as_object(), {"name"});
}

// A tiny cluster: the store's bookkeeping (names, generations, timestamps) and a kubelet that makes pods
// Ready a few seconds after creation unless the image is bad.
struct Cluster {
  json::object deployment;
  std::vector<json::object> replicaSets;
  std::vector<json::object> pods;
  TimePoint now = kStart;
  int readyAfter = 2;
  std::set<std::string> badImages;
  std::vector<Event> events;
  std::optional<TimePoint> requeueAt;
  int podCounter = 0;
  int rsCounter = 0;

  json::object* findReplicaSet(const std::string& name) {
    for (json::object& rs : replicaSets) {
      if (stringAt(rs, {"metadata", "name"}) == name) return &rs;
    }
    return nullptr;
  }

  void syncDeployment() {
    DeploymentSyncResult result = controllers::syncDeployment(deployment, replicaSets, pods, now);
    if (result.createdReplicaSet) {
      json::object rs = *result.createdReplicaSet;
      json::object& meta = rs["metadata"].as_object();
      meta["creationTimestamp"] = formatTime(now);
      meta["uid"] = "rs-uid-" + std::to_string(++rsCounter);
      meta["generation"] = 1;
      replicaSets.push_back(rs);
    }
    for (const json::object& updated : result.updatedReplicaSets) {
      json::object* rs = findReplicaSet(stringAt(updated, {"metadata", "name"}));
      ASSERT_NE(rs, nullptr);
      json::object next = updated;
      std::int64_t generation = intAt(*rs, {"metadata", "generation"}, 1);
      if (rs->at("spec") != updated.at("spec")) ++generation;  // the store bumps generation on spec changes
      next["metadata"].as_object()["generation"] = generation;
      *rs = next;
    }
    for (const std::string& name : result.deletedReplicaSets) {
      std::erase_if(replicaSets, [&](const json::object& rs) {
        return stringAt(rs, {"metadata", "name"}) == name;
      });
      std::erase_if(pods, [&](const json::object& pod) { return ownerOf(pod) == name; });
    }
    if (result.annotations) deployment["metadata"].as_object()["annotations"] = *result.annotations;
    deployment["status"] = result.status;
    events.insert(events.end(), result.events.begin(), result.events.end());
    requeueAt = result.requeueAt;
  }

  void syncReplicaSets() {
    for (json::object& rs : replicaSets) {
      std::string name = stringAt(rs, {"metadata", "name"});
      std::vector<json::object> owned;
      for (const json::object& pod : pods) {
        if (ownerOf(pod) == name) owned.push_back(pod);
      }
      ReplicaSetSyncResult result = syncReplicaSet(rs, owned, now);
      for (const std::string& podName : result.podsToDelete) {
        std::erase_if(pods, [&](const json::object& pod) {
          return stringAt(pod, {"metadata", "name"}) == podName;
        });
      }
      for (int i = 0; i < result.podsToCreate; ++i) {
        json::object pod = podFromReplicaSet(rs);
        json::object& meta = pod["metadata"].as_object();
        meta["name"] = std::string(meta["generateName"].as_string()) + std::to_string(++podCounter);
        meta["creationTimestamp"] = formatTime(now);
        pod["status"] = json::object{{"phase", "Pending"}};
        pods.push_back(pod);
      }
      rs["status"] = result.status;
    }
  }

  void kubelet() {
    for (json::object& pod : pods) {
      if (stringAt(pod, {"status", "phase"}) != "Pending") continue;
      std::string image =
          stringAt(pod.at("spec").as_object().at("containers").as_array()[0].as_object(), {"image"});
      if (badImages.count(image) != 0) continue;
      TimePoint created = *timeAt(pod, {"metadata", "creationTimestamp"});
      if (now - created < seconds(readyAfter)) continue;
      pod["spec"].as_object()["nodeName"] = "node-1";
      pod["status"] = json::object{
          {"phase", "Running"},
          {"startTime", formatTime(now)},
          {"conditions",
           json::array{json::object{
               {"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", formatTime(now)}}}}};
    }
  }

  void tick() {
    kubelet();
    syncReplicaSets();
    syncDeployment();
    syncReplicaSets();
    now += seconds(1);
  }

  void setImage(const std::string& image) {
    json::object& spec = deployment["spec"].as_object();
    spec["template"].as_object()["spec"].as_object()["containers"].as_array()[0].as_object()["image"] = image;
    json::object& meta = deployment["metadata"].as_object();
    meta["generation"] = intAt(meta, {"generation"}) + 1;
  }

  std::int32_t minReady() const {
    return static_cast<std::int32_t>(intAt(deployment, {"spec", "minReadySeconds"}));
  }

  int availablePods() const {
    return static_cast<int>(std::count_if(pods.begin(), pods.end(), [&](const json::object& pod) {
      return isPodAvailable(pod, minReady(), now);
    }));
  }

  int specTotal() const {
    int total = 0;
    for (const json::object& rs : replicaSets)
      total += static_cast<int>(intAt(rs, {"spec", "replicas"}));
    return total;
  }

  bool complete() const {
    std::int64_t replicas = intAt(deployment, {"spec", "replicas"});
    const json::object* progressing = findCondition(deployment, "Progressing");
    return intAt(deployment, {"status", "updatedReplicas"}) == replicas &&
           intAt(deployment, {"status", "replicas"}) == replicas &&
           intAt(deployment, {"status", "availableReplicas"}) == replicas && progressing != nullptr &&
           stringAt(*progressing, {"reason"}) == "NewReplicaSetAvailable";
  }

  std::string newReplicaSetName() const {
    std::string revision =
        stringAt(deployment, {"metadata", "annotations", std::string(kRevisionAnnotation)});
    for (const json::object& rs : replicaSets) {
      if (stringAt(rs, {"metadata", "annotations", std::string(kRevisionAnnotation)}) == revision) {
        return stringAt(rs, {"metadata", "name"});
      }
    }
    return "";
  }

  // Runs until the rollout completes, checking the rolling-update bounds after every step.
  int runRollout(int maxTicks, int maxSurge, int maxUnavailable) {
    std::int64_t replicas = intAt(deployment, {"spec", "replicas"});
    for (int i = 0; i < maxTicks; ++i) {
      tick();
      EXPECT_LE(specTotal(), replicas + maxSurge) << "tick " << i;
      EXPECT_LE(static_cast<std::int64_t>(pods.size()), replicas + maxSurge) << "tick " << i;
      EXPECT_GE(availablePods(), replicas - maxUnavailable) << "tick " << i;
      if (complete()) return i + 1;
    }
    ADD_FAILURE() << "rollout did not complete: " << json::serialize(deployment.at("status"));
    return maxTicks;
  }
};

Cluster settledCluster(int replicas, const std::string& strategy, int minReadySeconds = 0,
                       int deadline = 600) {
  Cluster cluster;
  cluster.deployment = deploymentObject(replicas, "web:1", strategy, minReadySeconds, deadline);
  for (int i = 0; i < 60 && !cluster.complete(); ++i)
    cluster.tick();
  EXPECT_TRUE(cluster.complete());
  cluster.events.clear();
  return cluster;
}

TEST(PodTemplateHashTest, UsesTheSafeAlphabetAndIgnoresKeyOrder) {
  EXPECT_EQ(safeEncodeString("0123456789"), "456789bcdf");
  json::object a =
      json::parse(
          R"({"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"app","image":"web:1"}]}})")
          .as_object();
  json::object b =
      json::parse(
          R"({"spec":{"containers":[{"image":"web:1","name":"app"}]},"metadata":{"labels":{"app":"web"}}})")
          .as_object();
  std::string hash = podTemplateHash(a);
  EXPECT_EQ(hash, podTemplateHash(b));
  EXPECT_GE(hash.size(), 1u);
  EXPECT_LE(hash.size(), 10u);
  EXPECT_EQ(hash.find_first_not_of("456789bcdf"), std::string::npos) << hash;
  // Decimal digits of the FNV-32a sum, each mapped through the alphabet.
  EXPECT_EQ(hash, safeEncodeString(std::to_string(fnv32a(canonicalJson(json::value(a))))));
  json::object changed = a;
  changed["spec"].as_object()["containers"].as_array()[0].as_object()["image"] = "web:2";
  EXPECT_NE(podTemplateHash(changed), hash);
  EXPECT_NE(podTemplateHash(a, 1), hash);
  // Empty fields (as defaulting may add) do not change the hash.
  json::object padded = a;
  padded["spec"].as_object()["volumes"] = json::array{};
  EXPECT_EQ(podTemplateHash(padded), hash);
}

TEST(FencepostTest, RoundsSurgeUpAndUnavailableDown) {
  auto posts = [](int replicas, const std::string& strategy) {
    return resolveFenceposts(deploymentObject(replicas, "web:1", strategy));
  };
  Fenceposts ten = posts(10, kRolling);
  EXPECT_EQ(ten.maxSurge, 3);
  EXPECT_EQ(ten.maxUnavailable, 2);
  Fenceposts one = posts(1, kRolling);
  EXPECT_EQ(one.maxSurge, 1);
  EXPECT_EQ(one.maxUnavailable, 0);
  Fenceposts zero =
      posts(3, R"({"type":"RollingUpdate","rollingUpdate":{"maxSurge":"10%","maxUnavailable":"10%"}})");
  EXPECT_EQ(zero.maxSurge, 1);
  EXPECT_EQ(zero.maxUnavailable, 0);
  Fenceposts both =
      posts(3, R"({"type":"RollingUpdate","rollingUpdate":{"maxSurge":0,"maxUnavailable":"10%"}})");
  EXPECT_EQ(both.maxSurge, 0);
  EXPECT_EQ(both.maxUnavailable, 1);
  Fenceposts ints = posts(4, R"({"type":"RollingUpdate","rollingUpdate":{"maxSurge":2,"maxUnavailable":1}})");
  EXPECT_EQ(ints.maxSurge, 2);
  EXPECT_EQ(ints.maxUnavailable, 1);
  Fenceposts defaults = posts(8, R"({})");
  EXPECT_EQ(defaults.maxSurge, 2);
  EXPECT_EQ(defaults.maxUnavailable, 2);
  Fenceposts recreate = posts(8, R"({"type":"Recreate"})");
  EXPECT_EQ(recreate.maxSurge, 0);
  EXPECT_EQ(recreate.maxUnavailable, 0);
  EXPECT_FALSE(scaledValue(json::value("25"), 10, true));
}

TEST(RolloutTest, InitialRolloutCreatesRevisionOne) {
  Cluster cluster;
  cluster.deployment = deploymentObject(3, "web:1", kRolling);
  cluster.tick();
  ASSERT_EQ(cluster.replicaSets.size(), 1u);
  const json::object& rs = cluster.replicaSets[0];
  std::string hash = stringAt(rs, {"metadata", "labels", "pod-template-hash"});
  EXPECT_EQ(stringAt(rs, {"metadata", "name"}), "web-" + hash);
  EXPECT_EQ(hash, podTemplateHash(cluster.deployment.at("spec").as_object().at("template").as_object()));
  EXPECT_EQ(rs.at("spec").as_object().at("selector"),
            json::parse(R"({"matchLabels":{"app":"web","pod-template-hash":")" + hash + R"("}})"));
  EXPECT_EQ(rs.at("metadata").as_object().at("annotations"),
            json::parse(R"({"kubernetes.io/change-cause":"initial","deployment.kubernetes.io/revision":"1",
                            "deployment.kubernetes.io/desired-replicas":"3","deployment.kubernetes.io/max-replicas":"4"})"));
  EXPECT_EQ(rs.at("metadata").as_object().at("ownerReferences").as_array()[0].as_object().at("uid"), "d-uid");
  EXPECT_EQ(stringAt(cluster.deployment, {"metadata", "annotations", std::string(kRevisionAnnotation)}), "1");
  ASSERT_GE(cluster.events.size(), 1u);
  EXPECT_EQ(cluster.events[0],
            (Event{"Normal", "ScalingReplicaSet", "Scaled up replica set web-" + hash + " from 0 to 3"}));
  const json::object* progressing = findCondition(cluster.deployment, "Progressing");
  ASSERT_NE(progressing, nullptr);
  EXPECT_EQ(stringAt(*progressing, {"reason"}), "NewReplicaSetCreated");
  EXPECT_EQ(stringAt(*progressing, {"message"}), "Created new replica set \"web-" + hash + "\"");
  const json::object* available = findCondition(cluster.deployment, "Available");
  ASSERT_NE(available, nullptr);
  EXPECT_EQ(stringAt(*available, {"status"}), "False");
  EXPECT_EQ(stringAt(*available, {"reason"}), "MinimumReplicasUnavailable");
  EXPECT_EQ(stringAt(*available, {"message"}), "Deployment does not have minimum availability.");

  for (int i = 0; i < 10 && !cluster.complete(); ++i)
    cluster.tick();
  ASSERT_TRUE(cluster.complete());
  progressing = findCondition(cluster.deployment, "Progressing");
  EXPECT_EQ(stringAt(*progressing, {"message"}),
            "ReplicaSet \"web-" + hash + "\" has successfully progressed.");
  available = findCondition(cluster.deployment, "Available");
  EXPECT_EQ(stringAt(*available, {"reason"}), "MinimumReplicasAvailable");
  EXPECT_EQ(stringAt(*available, {"message"}), "Deployment has minimum availability.");
  EXPECT_EQ(cluster.deployment.at("status").as_object().at("observedGeneration"), 1);
  EXPECT_FALSE(cluster.deployment.at("status").as_object().contains("unavailableReplicas"));
}

TEST(RolloutTest, RollingUpdateHonoursSurgeAndUnavailableAtEveryStep) {
  Cluster cluster = settledCluster(10, kRolling);
  std::string oldName = cluster.replicaSets[0].at("metadata").as_object().at("name").as_string().c_str();
  cluster.setImage("web:2");
  int ticks = cluster.runRollout(120, 3, 2);
  EXPECT_GT(ticks, 3);
  std::string newName = cluster.newReplicaSetName();
  ASSERT_NE(newName, oldName);
  ASSERT_GE(cluster.events.size(), 2u);
  EXPECT_EQ(cluster.events[0].message, "Scaled up replica set " + newName + " from 0 to 3");
  EXPECT_EQ(cluster.events[1].message, "Scaled down replica set " + oldName + " from 10 to 8");
  EXPECT_EQ(cluster.events.back().message.rfind("Scaled down replica set " + oldName, 0), 0u);
  EXPECT_EQ(stringAt(cluster.deployment, {"metadata", "annotations", std::string(kRevisionAnnotation)}), "2");
  EXPECT_EQ(intAt(*cluster.findReplicaSet(oldName), {"spec", "replicas"}), 0);
  EXPECT_EQ(stringAt(*cluster.findReplicaSet(oldName),
                     {"metadata", "annotations", std::string(kRevisionAnnotation)}),
            "1");
  EXPECT_EQ(cluster.pods.size(), 10u);
  for (const json::object& pod : cluster.pods)
    EXPECT_EQ(ownerOf(pod), newName);
}

TEST(RolloutTest, MaxUnavailableZeroNeverDropsBelowReplicas) {
  Cluster cluster =
      settledCluster(4, R"({"type":"RollingUpdate","rollingUpdate":{"maxSurge":1,"maxUnavailable":0}})");
  cluster.setImage("web:2");
  cluster.runRollout(120, 1, 0);
}

TEST(RolloutTest, MinReadySecondsSlowsTheRolloutAndIsReportedAsRequeue) {
  Cluster quick = settledCluster(4, kRolling);
  quick.setImage("web:2");
  int fast = quick.runRollout(200, 1, 1);

  Cluster slow = settledCluster(4, kRolling, /*minReadySeconds=*/10);
  slow.setImage("web:2");
  int waited = slow.runRollout(400, 1, 1);
  EXPECT_GT(waited, fast + 20);

  // The ReplicaSet pass says when its Ready pods become available.
  json::object rs =
      json::parse(R"({"metadata":{"name":"web-x","generation":1},"spec":{"replicas":1,"minReadySeconds":10,
      "template":{"metadata":{"labels":{"app":"web"}}}}})")
          .as_object();
  json::object pod =
      json::parse(R"({"metadata":{"name":"web-x-1","labels":{"app":"web"}},"status":{"phase":"Running",
      "conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2024-05-01T12:00:00Z"}]}})")
          .as_object();
  ReplicaSetSyncResult early = syncReplicaSet(rs, {pod}, kStart + seconds(10));
  EXPECT_EQ(
      early.status,
      json::parse(R"({"replicas":1,"fullyLabeledReplicas":1,"readyReplicas":1,"observedGeneration":1})"));
  ASSERT_TRUE(early.requeueAt);
  EXPECT_EQ(*early.requeueAt, kStart + seconds(11));
  ReplicaSetSyncResult later = syncReplicaSet(rs, {pod}, kStart + seconds(11));
  EXPECT_EQ(later.status.at("availableReplicas"), 1);
  EXPECT_FALSE(later.requeueAt);
}

TEST(RolloutTest, PausedDeploymentDoesNotProgressUntilResumed) {
  Cluster cluster = settledCluster(4, kRolling);
  cluster.deployment["spec"].as_object()["paused"] = true;
  cluster.setImage("web:2");
  for (int i = 0; i < 20; ++i)
    cluster.tick();
  EXPECT_EQ(cluster.replicaSets.size(), 1u);
  EXPECT_TRUE(cluster.events.empty());
  const json::object* progressing = findCondition(cluster.deployment, "Progressing");
  ASSERT_NE(progressing, nullptr);
  EXPECT_EQ(stringAt(*progressing, {"status"}), "Unknown");
  EXPECT_EQ(stringAt(*progressing, {"reason"}), "DeploymentPaused");
  EXPECT_EQ(stringAt(*progressing, {"message"}), "Deployment is paused");
  EXPECT_EQ(stringAt(cluster.deployment, {"metadata", "annotations", std::string(kRevisionAnnotation)}), "1");

  cluster.deployment["spec"].as_object().erase("paused");
  cluster.tick();
  EXPECT_EQ(cluster.replicaSets.size(), 2u);
  cluster.runRollout(60, 1, 1);
  EXPECT_EQ(stringAt(cluster.deployment, {"metadata", "annotations", std::string(kRevisionAnnotation)}), "2");
}

TEST(RolloutTest, StuckRolloutExceedsItsProgressDeadline) {
  Cluster cluster = settledCluster(4, kRolling, 0, /*deadline=*/30);
  cluster.badImages.insert("web:bad");
  cluster.setImage("web:bad");
  for (int i = 0; i < 10; ++i)
    cluster.tick();  // the new pods never become ready: the rollout is stuck
  std::string newName = cluster.newReplicaSetName();
  const json::object* updating = findCondition(cluster.deployment, "Progressing");
  ASSERT_NE(updating, nullptr);
  EXPECT_EQ(stringAt(*updating, {"reason"}), "ReplicaSetUpdated");
  EXPECT_EQ(stringAt(*updating, {"message"}), "ReplicaSet \"" + newName + "\" is progressing.");
  // The controller asks to look again one second after the deadline measured from the last progress.
  ASSERT_TRUE(cluster.requeueAt);
  TimePoint lastProgress = *timeAt(*updating, {"lastUpdateTime"});
  EXPECT_EQ(*cluster.requeueAt, lastProgress + seconds(31));
  while (cluster.now < *cluster.requeueAt)
    cluster.tick();
  EXPECT_EQ(stringAt(*findCondition(cluster.deployment, "Progressing"), {"reason"}), "ReplicaSetUpdated");
  cluster.tick();
  const json::object* progressing = findCondition(cluster.deployment, "Progressing");
  ASSERT_NE(progressing, nullptr);
  EXPECT_EQ(stringAt(*progressing, {"status"}), "False");
  EXPECT_EQ(stringAt(*progressing, {"reason"}), "ProgressDeadlineExceeded");
  EXPECT_EQ(stringAt(*progressing, {"message"}), "ReplicaSet \"" + newName + "\" has timed out progressing.");
  // The old pods keep the Deployment available.
  const json::object* available = findCondition(cluster.deployment, "Available");
  EXPECT_EQ(stringAt(*available, {"status"}), "True");
  EXPECT_EQ(intAt(cluster.deployment, {"status", "availableReplicas"}), 3);
  EXPECT_EQ(intAt(cluster.deployment, {"status", "unavailableReplicas"}), 2);
}

TEST(RolloutTest, RecreateStopsOldPodsBeforeStartingNewOnes) {
  Cluster cluster = settledCluster(3, R"({"type":"Recreate"})");
  std::string oldName = cluster.replicaSets[0].at("metadata").as_object().at("name").as_string().c_str();
  cluster.setImage("web:2");
  bool sawNewPod = false;
  for (int i = 0; i < 60 && (i == 0 || !cluster.complete()); ++i) {
    cluster.tick();
    std::set<std::string> owners;
    for (const json::object& pod : cluster.pods)
      owners.insert(ownerOf(pod));
    EXPECT_LE(owners.size(), 1u) << "old and new pods must never run together";
    sawNewPod = sawNewPod || (owners.size() == 1 && *owners.begin() != oldName);
  }
  EXPECT_TRUE(cluster.complete());
  EXPECT_TRUE(sawNewPod);
  ASSERT_EQ(cluster.events.size(), 2u);
  EXPECT_EQ(cluster.events[0].message, "Scaled down replica set " + oldName + " from 3 to 0");
  EXPECT_EQ(cluster.events[1].message,
            "Scaled up replica set " + cluster.newReplicaSetName() + " from 0 to 3");
}

TEST(RolloutTest, ScalingASettledDeploymentScalesItsReplicaSet) {
  Cluster cluster = settledCluster(3, kRolling);
  std::string name = cluster.newReplicaSetName();
  cluster.deployment["spec"].as_object()["replicas"] = 5;  // kubectl scale --replicas=5
  cluster.tick();
  ASSERT_EQ(cluster.events.size(), 1u);
  EXPECT_EQ(cluster.events[0],
            (Event{"Normal", "ScalingReplicaSet", "Scaled up replica set " + name + " from 3 to 5"}));
  EXPECT_EQ(stringAt(*cluster.findReplicaSet(name),
                     {"metadata", "annotations", std::string(kDesiredReplicasAnnotation)}),
            "5");
  EXPECT_EQ(stringAt(*cluster.findReplicaSet(name),
                     {"metadata", "annotations", std::string(kMaxReplicasAnnotation)}),
            "7");
  for (int i = 0; i < 10; ++i)
    cluster.tick();
  EXPECT_TRUE(cluster.complete());
  EXPECT_EQ(cluster.pods.size(), 5u);

  cluster.deployment["spec"].as_object()["replicas"] = 1;
  cluster.events.clear();
  for (int i = 0; i < 3; ++i)
    cluster.tick();
  ASSERT_EQ(cluster.events.size(), 1u);
  EXPECT_EQ(cluster.events[0].message, "Scaled down replica set " + name + " from 5 to 1");
  EXPECT_EQ(cluster.pods.size(), 1u);
}

TEST(RolloutTest, ScalingMidRolloutIsProportional) {
  // The docs' example: 10 replicas, maxSurge 3, maxUnavailable 2, a stuck new ReplicaSet; scaling to 15 adds
  // 3 replicas to the old ReplicaSet and 2 to the new one.
  json::object d = deploymentObject(
      15, "web:2", R"({"type":"RollingUpdate","rollingUpdate":{"maxSurge":3,"maxUnavailable":2}})");
  d["status"] = json::parse(R"({"replicas":13})");
  std::string newHash = podTemplateHash(d.at("spec").as_object().at("template").as_object());
  auto rs = [](const std::string& name, int replicas, const std::string& image, const std::string& revision,
               const std::string& created) {
    return json::
        parse(R"({"metadata":{"name":")" + name + R"(","creationTimestamp":")" + created +
              R"(","annotations":{"deployment.kubernetes.io/revision":")" + revision +
              R"(","deployment.kubernetes.io/desired-replicas":"10","deployment.kubernetes.io/max-replicas":"13"}},
        "spec":{"replicas":)" +
              std::to_string(replicas) +
              R"(,"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"app","image":")" +
              image + R"("}]}}},"status":{"replicas":)" + std::to_string(replicas) + "}}")
            .as_object();
  };
  std::vector<json::object> sets{rs("web-old", 8, "web:1", "1", "2024-05-01T10:00:00Z"),
                                 rs("web-" + newHash, 5, "web:2", "2", "2024-05-01T11:00:00Z")};
  DeploymentSyncResult result = syncDeployment(d, sets, {}, kStart);
  ASSERT_EQ(result.updatedReplicaSets.size(), 2u);
  std::map<std::string, std::int64_t> sizes;
  for (const json::object& updated : result.updatedReplicaSets) {
    sizes[stringAt(updated, {"metadata", "name"})] = intAt(updated, {"spec", "replicas"});
    EXPECT_EQ(stringAt(updated, {"metadata", "annotations", std::string(kDesiredReplicasAnnotation)}), "15");
    EXPECT_EQ(stringAt(updated, {"metadata", "annotations", std::string(kMaxReplicasAnnotation)}), "18");
  }
  EXPECT_EQ(sizes["web-old"], 11);
  EXPECT_EQ(sizes["web-" + newHash], 7);
  ASSERT_EQ(result.events.size(), 2u);
  EXPECT_EQ(result.events[0].message, "Scaled up replica set web-old from 8 to 11");
  EXPECT_EQ(result.events[1].message, "Scaled up replica set web-" + newHash + " from 5 to 7");
}

TEST(RolloutTest, UndoBringsBackTheOldReplicaSetAsANewRevision) {
  Cluster cluster = settledCluster(3, kRolling);
  cluster.deployment["metadata"].as_object()["annotations"].as_object()["kubernetes.io/change-cause"] = "v2";
  cluster.setImage("web:2");
  cluster.runRollout(60, 1, 0);
  std::string firstName = cluster.replicaSets[0].at("metadata").as_object().at("name").as_string().c_str();

  RollbackResult undo = rollbackTarget(cluster.deployment, cluster.replicaSets, 0);
  ASSERT_TRUE(undo.error.empty()) << undo.error;
  EXPECT_FALSE(undo.skipped);
  EXPECT_EQ(undo.message, "rolled back");
  EXPECT_EQ(
      undo.podTemplate,
      json::parse(
          R"({"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"app","image":"web:1"}]}})"));
  EXPECT_EQ(undo.annotations.at("kubernetes.io/change-cause"), "initial");
  EXPECT_EQ(undo.annotations.at(kRevisionAnnotation), "2");

  // Apply what kubectl patches, then let the controllers run.
  cluster.deployment["spec"].as_object()["template"] = undo.podTemplate;
  cluster.deployment["metadata"].as_object()["annotations"] = undo.annotations;
  cluster.deployment["metadata"].as_object()["generation"] =
      intAt(cluster.deployment, {"metadata", "generation"}) + 1;
  for (int i = 0; i < 60 && !(cluster.complete() && cluster.newReplicaSetName() == firstName); ++i)
    cluster.tick();
  EXPECT_EQ(cluster.replicaSets.size(), 2u);
  const json::object& first = *cluster.findReplicaSet(firstName);
  EXPECT_EQ(stringAt(first, {"metadata", "annotations", std::string(kRevisionAnnotation)}), "3");
  EXPECT_EQ(stringAt(first, {"metadata", "annotations", std::string(kRevisionHistoryAnnotation)}), "1");
  EXPECT_EQ(stringAt(cluster.deployment, {"metadata", "annotations", std::string(kRevisionAnnotation)}), "3");
  EXPECT_EQ(intAt(first, {"spec", "replicas"}), 3);

  RollbackResult again = rollbackTarget(cluster.deployment, cluster.replicaSets, 3);
  EXPECT_TRUE(again.skipped);
  EXPECT_EQ(again.message, "skipped rollback (current template already matches revision 3)");
}

TEST(RolloutTest, RollbackErrorsAreKubectls) {
  json::object d = deploymentObject(1, "web:1", kRolling);
  EXPECT_EQ(rollbackTarget(d, {}, 0).error, "no rollout history found for deployment \"web\"");
  EXPECT_EQ(rollbackTarget(d, {}, 7).error, "unable to find specified revision 7 in history");
  d["spec"].as_object()["paused"] = true;
  EXPECT_EQ(
      rollbackTarget(d, {}, 0).error,
      "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again");
}

TEST(RolloutTest, CleansUpReplicaSetsBeyondTheHistoryLimit) {
  Cluster cluster = settledCluster(2, kRolling);
  cluster.deployment["spec"].as_object()["revisionHistoryLimit"] = 1;
  for (int version = 2; version <= 4; ++version) {
    cluster.setImage("web:" + std::to_string(version));
    cluster.runRollout(60, 1, 0);
    for (int i = 0; i < 3; ++i)
      cluster.tick();  // the pass after completion cleans up
  }
  ASSERT_EQ(cluster.replicaSets.size(), 2u);
  std::set<std::string> revisions;
  for (const json::object& rs : cluster.replicaSets) {
    revisions.insert(stringAt(rs, {"metadata", "annotations", std::string(kRevisionAnnotation)}));
  }
  EXPECT_EQ(revisions, (std::set<std::string>{"3", "4"}));
}

TEST(ReplicaSetTest, CreatesAndDeletesTowardReplicasInRankOrder) {
  json::object rs =
      json::parse(R"({"metadata":{"name":"web-abc","namespace":"default","uid":"rs-1","generation":2},
      "spec":{"replicas":2,"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"app","image":"web:1"}]}}}})")
          .as_object();
  auto pod = [](const std::string& name, const std::string& node, const std::string& phase, bool ready,
                const std::string& readySince, int restarts) {
    json::object p{
        {"metadata", json::object{{"name", name},
                                  {"labels", json::object{{"app", "web"}}},
                                  {"creationTimestamp", "2024-05-01T10:00:00Z"}}},
        {"spec", json::object{{"nodeName", node}}},
        {"status",
         json::object{{"phase", phase},
                      {"conditions", json::array{json::object{{"type", "Ready"},
                                                              {"status", ready ? "True" : "False"},
                                                              {"lastTransitionTime", readySince}}}},
                      {"containerStatuses", json::array{json::object{{"restartCount", restarts}}}}}}};
    return p;
  };
  std::vector<json::object> pods{
      pod("ready-old", "n1", "Running", true, "2024-05-01T10:00:00Z", 0),
      pod("ready-new", "n2", "Running", true, "2024-05-01T11:00:00Z", 0),
      pod("not-ready", "n3", "Running", false, "2024-05-01T10:00:00Z", 0),
      pod("pending", "", "Pending", false, "2024-05-01T10:00:00Z", 0),
      pod("crashy", "n4", "Running", true, "2024-05-01T10:00:00Z", 7),
  };
  json::object finished = pod("done", "n1", "Succeeded", false, "2024-05-01T10:00:00Z", 0);
  pods.push_back(finished);
  ReplicaSetSyncResult result = syncReplicaSet(rs, pods, kStart);
  EXPECT_EQ(result.podsToCreate, 0);
  EXPECT_EQ(result.podsToDelete, (std::vector<std::string>{"pending", "not-ready", "ready-new"}));
  EXPECT_EQ(
      result.status,
      json::parse(
          R"({"replicas":5,"fullyLabeledReplicas":5,"readyReplicas":3,"availableReplicas":3,"observedGeneration":2})"));

  rs["spec"].as_object()["replicas"] = 8;
  EXPECT_EQ(syncReplicaSet(rs, pods, kStart).podsToCreate, 3);

  json::object created = podFromReplicaSet(rs);
  EXPECT_EQ(
      created,
      json::parse(
          R"({"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"web-abc-","namespace":"default",
      "labels":{"app":"web"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-abc","uid":"rs-1",
      "controller":true,"blockOwnerDeletion":true}]},"spec":{"containers":[{"name":"app","image":"web:1"}]}})"));
  EXPECT_EQ(createdPodEvent("web-abc-x1"), (Event{"Normal", "SuccessfulCreate", "Created pod: web-abc-x1"}));
  EXPECT_EQ(deletedPodEvent("web-abc-x1"), (Event{"Normal", "SuccessfulDelete", "Deleted pod: web-abc-x1"}));
}

}  // namespace
}  // namespace kubesim::controllers

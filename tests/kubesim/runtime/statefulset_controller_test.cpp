// StatefulSets through the whole runtime: ordered creation with stable names, identity labels and claims
// from volumeClaimTemplates; scale-down from the highest ordinal; a partitioned rolling update from the
// highest ordinal; `kubectl rollout undo` renumbering the old ControllerRevision; Parallel management; and
// a refused create as FailedCreate with a back-off.
#include "statefulset_controller.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "controller_history.h"
#include "test_cluster.h"

namespace kubesim::runtime {
namespace {

using namespace std::chrono_literals;
using testing::field;
using testing::TestCluster;

const std::string kCluster = std::string(testing::kNodeYaml) + R"(---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: standard}
provisioner: k8s.io/minikube-hostpath
reclaimPolicy: Delete
volumeBindingMode: Immediate
---
apiVersion: kubesim.aiops.dev/v1
kind: BehaviourProfile
name: db
images: [registry.example/db]
startup: 2s
)";

std::string statefulSet(int replicas, std::string_view extraSpec = "") {
  return fmt::format(R"(apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: web, namespace: default}}
spec:
  replicas: {}
  serviceName: web
  selector: {{matchLabels: {{app: web}}}}
{}  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: db
        image: registry.example/db:1.0
        volumeMounts: [{{name: www, mountPath: /data}}]
  volumeClaimTemplates:
  - metadata: {{name: www}}
    spec:
      storageClassName: standard
      accessModes: [ReadWriteOnce]
      resources: {{requests: {{storage: 1Gi}}}}
)",
                     replicas, extraSpec);
}

const GroupResource kStatefulSets{"apps", "statefulsets"};
const std::string kPath = "/apis/apps/v1/namespaces/default/statefulsets/web";

// "name@created" of the set's pods, by name.
std::vector<std::string> podsCreated(TestCluster& cluster) {
  std::vector<std::string> out;
  for (const json::object& pod : cluster.list(gr::pods))
    out.push_back(std::string(metaString(pod, "name")) + "@" +
                  std::string(metaString(pod, "creationTimestamp")));
  return out;
}

std::string readySince(const json::object& pod) {
  for (const json::value& c : pod.at("status").at("conditions").as_array())
    if (c.at("type") == "Ready") return std::string(c.at("lastTransitionTime").as_string());
  return {};
}

// "name:revision" of every ControllerRevision, oldest revision first.
std::vector<std::string> revisions(TestCluster& cluster, const json::object& owner, std::string_view kind) {
  std::vector<std::string> out;
  for (const json::object& r : ownedRevisions(cluster.store(), owner, kind))
    out.push_back(std::string(metaString(r, "name")) + ":" + std::to_string(revisionNumber(r)));
  return out;
}

std::vector<std::string> eventsMatching(TestCluster& cluster, std::string_view needle) {
  std::vector<std::string> out;
  for (const std::string& e : cluster.eventsFor("web"))
    if (e.find(needle) != std::string::npos) out.push_back(e);
  return out;
}

TEST(StatefulSetControllerTest, OrderedReadyCreatesEachPodOnceItsPredecessorIsReady) {
  TestCluster cluster(kCluster);
  cluster.create(statefulSet(3));
  cluster.runUntilSecond(2);
  // Only web-0 (and its claim) exist until web-0 is Running and Ready.
  ASSERT_EQ(cluster.list(gr::pods).size(), 1u);
  cluster.runUntilSecond(60);
  std::vector<json::object> pods = cluster.podsOf("web-");
  ASSERT_EQ(pods.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const json::object& pod = pods[i];
    std::string name = "web-" + std::to_string(i);
    EXPECT_EQ(metaString(pod, "name"), name);
    EXPECT_EQ(field(pod, {"status", "phase"}), "Running");
    EXPECT_EQ(field(pod, {"metadata", "generateName"}), "web-");
    EXPECT_EQ(field(pod, {"metadata", "labels", "statefulset.kubernetes.io/pod-name"}), name);
    EXPECT_EQ(field(pod, {"metadata", "labels", "apps.kubernetes.io/pod-index"}), std::to_string(i));
    EXPECT_EQ(field(pod, {"spec", "hostname"}), name);
    EXPECT_EQ(field(pod, {"spec", "subdomain"}), "web");
    EXPECT_EQ(field(pod, {"spec", "volumes"}),
              R"([{"name":"www","persistentVolumeClaim":{"claimName":"www-)" + name + R"("}}])");
    const json::object& owner = pod.at("metadata").at("ownerReferences").at(0).as_object();
    EXPECT_EQ(owner.at("kind"), "StatefulSet");
    EXPECT_EQ(owner.at("controller"), true);
    // Each pod is created once its predecessor became Ready.
    if (i > 0) {
      EXPECT_EQ(metaString(pod, "creationTimestamp"), readySince(pods[i - 1]));
    }
    json::object claim = cluster.must(gr::pvcs, "www-" + name);
    EXPECT_EQ(field(claim, {"metadata", "labels"}), R"({"app":"web"})");
    EXPECT_EQ(field(claim, {"status", "phase"}), "Bound");
    EXPECT_FALSE(claim.at("metadata").as_object().contains("ownerReferences"));
  }
  json::object set = cluster.must(kStatefulSets, "web");
  std::string revision = "web-" + hashRevision(templatePatch(set), 0);
  for (const json::object& pod : pods)
    EXPECT_EQ(field(pod, {"metadata", "labels", "controller-revision-hash"}), revision);
  EXPECT_EQ(
      field(set, {"status"}),
      R"({"observedGeneration":1,"replicas":3,"readyReplicas":3,"currentReplicas":3,"updatedReplicas":3,)"
      R"("currentRevision":")" +
          revision + R"(","updateRevision":")" + revision + R"(","collisionCount":0,"availableReplicas":3})");
  EXPECT_EQ(revisions(cluster, set, "StatefulSet"), std::vector<std::string>{revision + ":1"});
  json::object history = cluster.must(gr::controllerRevisions, revision);
  EXPECT_EQ(field(history, {"metadata", "labels"}),
            R"({"app":"web","controller.kubernetes.io/hash":")" + revision.substr(4) + R"("})");
  EXPECT_EQ(
      toJson(history.at("data")),
      R"({"spec":{"template":{"$patch":"replace","metadata":{"creationTimestamp":null,"labels":{"app":"web"}},)"
      R"("spec":{"containers":)"
      R"([{"image":"registry.example/db:1.0","imagePullPolicy":"IfNotPresent","name":"db","resources":{},)"
      R"("terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","volumeMounts":)"
      R"([{"mountPath":"/data","name":"www"}]}],"dnsPolicy":"ClusterFirst","restartPolicy":"Always",)"
      R"("schedulerName":"default-scheduler","securityContext":{},"terminationGracePeriodSeconds":30}}}})");
  EXPECT_EQ(eventsMatching(cluster, "SuccessfulCreate"),
            (std::vector<std::string>{
                "SuccessfulCreate: create Claim www-web-0 Pod web-0 in StatefulSet web success",
                "SuccessfulCreate: create Pod web-0 in StatefulSet web successful",
                "SuccessfulCreate: create Claim www-web-1 Pod web-1 in StatefulSet web success",
                "SuccessfulCreate: create Pod web-1 in StatefulSet web successful",
                "SuccessfulCreate: create Claim www-web-2 Pod web-2 in StatefulSet web success",
                "SuccessfulCreate: create Pod web-2 in StatefulSet web successful"}));
}

TEST(StatefulSetControllerTest, ScaleDownDeletesTheHighestOrdinalFirstOneAtATime) {
  TestCluster cluster(kCluster);
  cluster.create(statefulSet(3));
  cluster.runUntilSecond(60);
  cluster.patch(kPath + "/scale", R"({"spec":{"replicas":1}})", "application/merge-patch+json");
  cluster.manager().step();
  // web-2 terminates first; web-1 is left alone until web-2 is gone.
  EXPECT_TRUE(isTerminating(cluster.must(gr::pods, "web-2")));
  EXPECT_FALSE(isTerminating(cluster.must(gr::pods, "web-1")));
  cluster.runUntilSecond(70);
  EXPECT_EQ(podsCreated(cluster).size(), 1u);
  EXPECT_EQ(eventsMatching(cluster, "SuccessfulDelete"),
            (std::vector<std::string>{"SuccessfulDelete: delete Pod web-2 in StatefulSet web successful",
                                      "SuccessfulDelete: delete Pod web-1 in StatefulSet web successful"}));
  // Claims stay (whenScaled: Retain) for the pods that come back.
  EXPECT_TRUE(cluster.get(gr::pvcs, "www-web-2"));
  json::object set = cluster.must(kStatefulSets, "web");
  EXPECT_EQ(field(set, {"status", "replicas"}), "1");
  EXPECT_EQ(field(set, {"status", "readyReplicas"}), "1");
  EXPECT_EQ(field(set, {"status", "observedGeneration"}), "2");
}

TEST(StatefulSetControllerTest, PartitionedRollingUpdateGoesFromTheHighestOrdinal) {
  TestCluster cluster(kCluster);
  cluster.create(statefulSet(3, "  updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 1}}\n"));
  cluster.runUntilSecond(60);
  json::object before = cluster.must(kStatefulSets, "web");
  std::string first = field(before, {"status", "currentRevision"});
  cluster.patch(
      kPath,
      R"({"spec":{"template":{"spec":{"containers":[{"name":"db","image":"registry.example/db:2.0"}]}}}})");
  cluster.manager().step();
  json::object set = cluster.must(kStatefulSets, "web");
  std::string second = field(set, {"status", "updateRevision"});
  EXPECT_NE(second, first);
  EXPECT_TRUE(isTerminating(cluster.must(gr::pods, "web-2")));
  EXPECT_FALSE(isTerminating(cluster.must(gr::pods, "web-1")));
  cluster.runUntilSecond(120);
  auto revisionOf = [&](std::string_view pod) {
    return field(cluster.must(gr::pods, pod), {"metadata", "labels", "controller-revision-hash"});
  };
  EXPECT_EQ(revisionOf("web-0"), first);
  EXPECT_EQ(revisionOf("web-1"), second);
  EXPECT_EQ(revisionOf("web-2"), second);
  set = cluster.must(kStatefulSets, "web");
  EXPECT_EQ(field(set, {"status", "currentRevision"}), first);
  EXPECT_EQ(field(set, {"status", "updatedReplicas"}), "2");
  EXPECT_EQ(field(set, {"status", "currentReplicas"}), "1");
  EXPECT_EQ(eventsMatching(cluster, "SuccessfulDelete"),
            (std::vector<std::string>{"SuccessfulDelete: delete Pod web-2 in StatefulSet web successful",
                                      "SuccessfulDelete: delete Pod web-1 in StatefulSet web successful"}));

  // Partition 0: web-0 follows, and the update revision becomes the current one.
  cluster.patch(kPath, R"({"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}})");
  cluster.runUntilSecond(180);
  EXPECT_EQ(revisionOf("web-0"), second);
  set = cluster.must(kStatefulSets, "web");
  EXPECT_EQ(field(set, {"status", "currentRevision"}), second);
  EXPECT_EQ(field(set, {"status", "currentReplicas"}), "3");
  EXPECT_EQ(revisions(cluster, set, "StatefulSet"), (std::vector<std::string>{first + ":1", second + ":2"}));
}

TEST(StatefulSetControllerTest, RollbackRenumbersTheEarlierRevision) {
  TestCluster cluster(kCluster);
  cluster.create(statefulSet(2));
  cluster.runUntilSecond(60);
  std::string first = field(cluster.must(kStatefulSets, "web"), {"status", "currentRevision"});
  cluster.patch(
      kPath,
      R"({"spec":{"template":{"spec":{"containers":[{"name":"db","image":"registry.example/db:2.0"}]}}}})");
  cluster.runUntilSecond(120);
  json::object set = cluster.must(kStatefulSets, "web");
  std::string second = field(set, {"status", "currentRevision"});
  ASSERT_NE(second, first);
  // `kubectl rollout undo` patches the previous revision's data back as a strategic merge patch.
  json::object old = cluster.must(gr::controllerRevisions, first);
  cluster.patch(kPath, toJson(old.at("data")));
  cluster.runUntilSecond(180);
  set = cluster.must(kStatefulSets, "web");
  EXPECT_EQ(field(set, {"status", "currentRevision"}), first);
  EXPECT_EQ(field(set, {"status", "updateRevision"}), first);
  EXPECT_EQ(revisions(cluster, set, "StatefulSet"), (std::vector<std::string>{second + ":2", first + ":3"}));
  EXPECT_EQ(
      field(cluster.must(gr::pods, "web-0"), {"spec", "containers"}).find("db:1.0") != std::string::npos,
      true);
  // kubectl decides "skipped rollback" by comparing its own patch of the live set with the data, byte for
  // byte: the data is Go's json.Marshal of the template with "$patch":"replace".
  EXPECT_EQ(toJson(templatePatch(set)), toJson(cluster.must(gr::controllerRevisions, first).at("data")));
}

TEST(StatefulSetControllerTest, ParallelCreatesAndDeletesEveryPodAtOnce) {
  TestCluster cluster(kCluster);
  cluster.create(statefulSet(3, "  podManagementPolicy: Parallel\n"));
  cluster.manager().step();
  std::vector<std::string> created = podsCreated(cluster);
  EXPECT_EQ(created, (std::vector<std::string>{"web-0@2026-03-01T12:00:00Z", "web-1@2026-03-01T12:00:00Z",
                                               "web-2@2026-03-01T12:00:00Z"}));
  cluster.runUntilSecond(30);
  cluster.patch(kPath + "/scale", R"({"spec":{"replicas":0}})", "application/merge-patch+json");
  cluster.manager().step();
  for (const json::object& pod : cluster.list(gr::pods))
    EXPECT_TRUE(isTerminating(pod)) << metaString(pod, "name");
  cluster.runUntilSecond(40);
  EXPECT_TRUE(cluster.list(gr::pods).empty());
  EXPECT_EQ(field(cluster.must(kStatefulSets, "web"), {"status", "replicas"}), "0");
}

TEST(StatefulSetControllerTest, ClaimsFollowTheRetentionPolicy) {
  TestCluster cluster(kCluster);
  cluster.create(
      statefulSet(2, "  persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete, whenScaled: Delete}\n"));
  cluster.runUntilSecond(60);
  json::object set = cluster.must(kStatefulSets, "web");
  json::object claim = cluster.must(gr::pvcs, "www-web-1");
  const json::object& owner = claim.at("metadata").at("ownerReferences").at(0).as_object();
  EXPECT_EQ(owner.at("kind"), "StatefulSet");
  EXPECT_EQ(owner.at("uid").as_string(), metaString(set, "uid"));
  // Scaled away, web-1's claim is handed to the pod and goes with it.
  cluster.patch(kPath + "/scale", R"({"spec":{"replicas":1}})", "application/merge-patch+json");
  cluster.manager().step();
  EXPECT_EQ(
      field(cluster.must(gr::pvcs, "www-web-1"), {"metadata", "ownerReferences"}).find(R"("kind":"Pod")") !=
          std::string::npos,
      true);
  cluster.runUntilSecond(70);
  EXPECT_FALSE(cluster.get(gr::pvcs, "www-web-1"));
  EXPECT_TRUE(cluster.get(gr::pvcs, "www-web-0"));
}

TEST(StatefulSetControllerTest, ARefusedCreateIsAFailedCreateEventAndBacksOff) {
  TestCluster cluster(kCluster + R"(---
apiVersion: v1
kind: ResourceQuota
metadata: {name: pods, namespace: default}
spec:
  hard: {pods: "1"}
)");
  cluster.create(statefulSet(2));
  cluster.runUntilSecond(30);
  std::vector<std::string> failures = eventsMatching(cluster, "FailedCreate");
  ASSERT_EQ(failures.size(), 1u);
  EXPECT_EQ(
      failures[0].substr(0, failures[0].find(" (x")),
      "FailedCreate: create Pod web-1 in StatefulSet web failed error: pods \"web-1\" is forbidden: exceeded "
      "quota: pods, requested: pods=1, used: pods=1, limited: pods=1");
  json::object set = cluster.must(kStatefulSets, "web");
  EXPECT_EQ(field(set, {"status", "replicas"}), "1");
  EXPECT_EQ(field(set, {"status", "readyReplicas"}), "1");
  // Retries back off: 1 s, 2 s, 4 s, 8 s ... so about 5 in the first 30 s, not one per step.
  std::string count = failures[0].substr(failures[0].find(" (x") + 3);
  EXPECT_LE(std::stoi(count), 6) << failures[0];
}

}  // namespace
}  // namespace kubesim::runtime

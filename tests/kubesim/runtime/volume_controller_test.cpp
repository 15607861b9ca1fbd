// Persistent volumes through the whole runtime: a claim of an Immediate class provisioned and bound, the
// pod using it scheduled once it is; a WaitForFirstConsumer claim bound for its first pod; a missing class.
#include "volume_controller.h"

#include <gtest/gtest.h>

#include "test_cluster.h"

namespace kubesim::runtime {
namespace {

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
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: lazy}
provisioner: ebs.csi.aws.com
reclaimPolicy: Retain
volumeBindingMode: WaitForFirstConsumer
)";

TEST(VolumeControllerTest, AnImmediateClaimIsProvisionedAndItsPodScheduled) {
  TestCluster cluster(kCluster);
  cluster.create(R"(apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: default}
spec:
  storageClassName: standard
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 2Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: default}
spec:
  containers: [{name: db, image: registry.example/db:1.0}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
)");
  cluster.runUntilSecond(5);
  json::object claim = cluster.must(gr::pvcs, "data");
  std::string volume = "pvc-" + std::string(metaString(claim, "uid"));
  EXPECT_EQ(field(claim, {"status"}),
            R"({"phase":"Bound","accessModes":["ReadWriteOnce"],"capacity":{"storage":"2Gi"}})");
  EXPECT_EQ(field(claim, {"spec", "volumeName"}), volume);
  EXPECT_EQ(field(claim, {"metadata", "annotations", "volume.kubernetes.io/storage-provisioner"}),
            "k8s.io/minikube-hostpath");
  json::object pv = cluster.must(gr::pvs, volume, "");
  EXPECT_EQ(field(pv, {"status", "phase"}), "Bound");
  EXPECT_EQ(field(pv, {"spec", "hostPath", "path"}), "/tmp/hostpath-provisioner/default/data");
  EXPECT_EQ(field(pv, {"spec", "claimRef", "name"}), "data");
  EXPECT_EQ(cluster.eventsFor("data"),
            (std::vector<std::string>{
                "ExternalProvisioning: Waiting for a volume to be created either by the external provisioner "
                "'k8s.io/minikube-hostpath' or manually by the system administrator. If volume creation is "
                "delayed, "
                "please verify that the provisioner is running and correctly registered.",
                "Provisioning: External provisioner is provisioning volume for claim \"default/data\"",
                "ProvisioningSucceeded: Successfully provisioned volume " + volume}));
  EXPECT_EQ(field(cluster.must(gr::pods, "db"), {"status", "phase"}), "Running");

  // The claim goes: its volume (reclaim policy Delete) goes too.
  ASSERT_EQ(cluster.call("DELETE", "/api/v1/namespaces/default/pods/db").status, 200);
  cluster.runUntilSecond(10);
  ASSERT_EQ(cluster.call("DELETE", "/api/v1/namespaces/default/persistentvolumeclaims/data").status, 200);
  cluster.runUntilSecond(11);
  EXPECT_FALSE(cluster.get(gr::pvs, volume, ""));
}

TEST(VolumeControllerTest, AWaitForFirstConsumerClaimWaitsForItsPod) {
  TestCluster cluster(kCluster);
  cluster.create(R"(apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: cache, namespace: default}
spec:
  storageClassName: lazy
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
)");
  cluster.runUntilSecond(20);
  EXPECT_EQ(field(cluster.must(gr::pvcs, "cache"), {"status", "phase"}), "Pending");
  EXPECT_EQ(cluster.eventsFor("cache"),
            (std::vector<std::string>{
                "WaitForFirstConsumer: waiting for first consumer to be created before binding (x2)"}));
  cluster.create(R"(apiVersion: v1
kind: Pod
metadata: {name: worker, namespace: default}
spec:
  containers: [{name: worker, image: registry.example/worker:1.0}]
  volumes: [{name: cache, persistentVolumeClaim: {claimName: cache}}]
)");
  cluster.runUntilSecond(21);
  json::object claim = cluster.must(gr::pvcs, "cache");
  EXPECT_EQ(field(claim, {"status", "phase"}), "Bound");
  EXPECT_EQ(field(claim, {"metadata", "annotations", "volume.kubernetes.io/selected-node"}), "node-1");
  json::object pv = cluster.must(gr::pvs, field(claim, {"spec", "volumeName"}), "");
  EXPECT_EQ(field(pv, {"spec", "csi", "driver"}), "ebs.csi.aws.com");
  EXPECT_EQ(field(pv, {"spec", "persistentVolumeReclaimPolicy"}), "Retain");
  EXPECT_EQ(field(cluster.must(gr::pods, "worker"), {"spec", "nodeName"}), "node-1");
}

TEST(VolumeControllerTest, AClaimOfAMissingClassCannotBeProvisioned) {
  TestCluster cluster(kCluster);
  cluster.create(R"(apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: fast, namespace: default}
spec:
  storageClassName: fast-ssd
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: needs-fast, namespace: default}
spec:
  containers: [{name: app, image: registry.example/app:1.0}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: fast}}]
)");
  cluster.runUntilSecond(30);
  EXPECT_EQ(cluster.eventsFor("fast"),
            (std::vector<std::string>{
                "ProvisioningFailed: storageclass.storage.k8s.io \"fast-ssd\" not found (x3)"}));
  EXPECT_EQ(cluster.eventsFor("needs-fast"),
            (std::vector<std::string>{
                "FailedScheduling: 0/1 nodes are available: pod has unbound immediate "
                "PersistentVolumeClaims. preemption: 0/1 nodes are available: 1 Preemption is "
                "not helpful for scheduling.."}));
}

}  // namespace
}  // namespace kubesim::runtime

// The kubelet through the whole runtime: a pod scheduled, pulled, started, probed, crashing into back-off,
// OOMKilled, refused its configuration, its image, and its status as a 1.32 kubelet writes it.
#include "kubelet.h"

#include <gtest/gtest.h>

#include "test_cluster.h"

namespace kubesim::runtime {
namespace {

using namespace std::chrono_literals;
using testing::containerStatus;
using testing::field;
using testing::TestCluster;

const std::string kCrasher = std::string(testing::kNodeYaml) + R"(---
apiVersion: kubesim.aiops.dev/v1
kind: BehaviourProfile
name: crasher
images: [registry.example/crasher]
startup: 1s
exit: {after: 5s, exitCode: 1, reason: database unreachable}
logs:
  startup: ["starting {container}"]
  failure: ["FATAL {reason}"]
)";

const std::string kCrasherPod = R"(apiVersion: v1
kind: Pod
metadata: {name: crasher, namespace: default}
spec:
  containers:
  - name: app
    image: registry.example/crasher:1.0
)";

TEST(KubeletTest, CrashLoopRestartsWithTheKubeletsBackOff) {
  TestCluster cluster(kCrasher);
  cluster.create(kCrasherPod);
  // t=0 scheduled, t=1 sandbox and pull, t=3 pulled and started, t=8 exits, restarted at once.
  cluster.runUntilSecond(2);
  json::object pod = cluster.must(gr::pods, "crasher");
  EXPECT_EQ(field(pod, {"status", "phase"}), "Pending");
  EXPECT_EQ(field(containerStatus(pod), {"state", "waiting", "reason"}), "ContainerCreating");
  EXPECT_EQ(field(pod, {"status", "podIP"}), "10.244.0.2");

  cluster.runUntilSecond(3);
  pod = cluster.must(gr::pods, "crasher");
  EXPECT_EQ(field(pod, {"status", "phase"}), "Running");
  EXPECT_EQ(field(containerStatus(pod), {"state", "running", "startedAt"}), "2026-03-01T12:00:03Z");
  EXPECT_EQ(field(containerStatus(pod), {"restartCount"}), "0");

  cluster.runUntilSecond(8);
  pod = cluster.must(gr::pods, "crasher");
  json::object status = containerStatus(pod);
  EXPECT_EQ(field(status, {"restartCount"}), "1");
  EXPECT_EQ(field(status, {"state", "running", "startedAt"}), "2026-03-01T12:00:08Z");
  EXPECT_EQ(field(status, {"lastState", "terminated", "exitCode"}), "1");
  EXPECT_EQ(field(status, {"lastState", "terminated", "reason"}), "Error");
  EXPECT_EQ(field(status, {"lastState", "terminated", "finishedAt"}), "2026-03-01T12:00:08Z");

  // The second exit (t=13) waits 10 s: restart at 23; the third (28) 20 s: restart at 48; then 40 s.
  cluster.runUntilSecond(22);
  status = containerStatus(cluster.must(gr::pods, "crasher"));
  EXPECT_EQ(field(status, {"state", "waiting", "reason"}), "CrashLoopBackOff");
  std::string uid(metaString(cluster.must(gr::pods, "crasher"), "uid"));
  EXPECT_EQ(field(status, {"state", "waiting", "message"}),
            "back-off 10s restarting failed container=app pod=crasher_default(" + uid + ")");
  EXPECT_EQ(field(status, {"restartCount"}), "1");
  EXPECT_EQ(field(status, {"ready"}), "false");
  cluster.runUntilSecond(23);
  status = containerStatus(cluster.must(gr::pods, "crasher"));
  EXPECT_EQ(field(status, {"state", "running", "startedAt"}), "2026-03-01T12:00:23Z");
  EXPECT_EQ(field(status, {"restartCount"}), "2");

  cluster.runUntilSecond(47);
  status = containerStatus(cluster.must(gr::pods, "crasher"));
  EXPECT_EQ(field(status, {"state", "waiting", "message"}),
            "back-off 20s restarting failed container=app pod=crasher_default(" + uid + ")");
  cluster.runUntilSecond(48);
  EXPECT_EQ(field(containerStatus(cluster.must(gr::pods, "crasher")), {"restartCount"}), "3");
  cluster.runUntilSecond(92);
  status = containerStatus(cluster.must(gr::pods, "crasher"));
  EXPECT_EQ(field(status, {"state", "waiting", "message"}),
            "back-off 40s restarting failed container=app pod=crasher_default(" + uid + ")");
  EXPECT_EQ(field(status, {"lastState", "terminated", "finishedAt"}), "2026-03-01T12:00:53Z");
  cluster.runUntilSecond(93);
  EXPECT_EQ(field(containerStatus(cluster.must(gr::pods, "crasher")), {"restartCount"}), "4");

  // Logs: the running instance's, and --previous the one before, failure line included.
  EXPECT_EQ(cluster.logs().get({"default", "crasher", "app", false}).value_or("<none>"), "starting app\n");
  EXPECT_EQ(cluster.logs().get({"default", "crasher", "app", true}).value_or("<none>"),
            "starting app\nFATAL database unreachable\n");

  std::vector<std::string> events = cluster.eventsFor("crasher");
  std::vector<std::string> expected = {"Scheduled: Successfully assigned default/crasher to node-1",
                                       "Pulling: Pulling image \"registry.example/crasher:1.0\"",
                                       "Pulled: Successfully pulled image \"registry.example/crasher:1.0\" "
                                       "in 2s (2s including waiting). Image size: "};
  ASSERT_GE(events.size(), 6u) << ::testing::PrintToString(events);
  EXPECT_EQ(events[0], expected[0]);
  EXPECT_EQ(events[1], expected[1]);
  EXPECT_TRUE(events[2].starts_with(expected[2])) << events[2];
  EXPECT_EQ(events[3], "Created: Created container: app (x5)");
  EXPECT_EQ(events[4], "Started: Started container app (x5)");
  EXPECT_EQ(events[5],
            "Pulled: Container image \"registry.example/crasher:1.0\" already present on machine (x4)");
  // BackOff when an exit finds the back-off (13, 28, 53) and at each pod worker re-sync 10 s apart until the
  // restart: 13; 28, 38; 53, 63, 73, 83.
  EXPECT_EQ(events[6],
            "BackOff: Back-off restarting failed container app in pod crasher_default(" + uid + ") (x7)");
  EXPECT_TRUE(cluster.manager().problems().empty()) << ::testing::PrintToString(cluster.manager().problems());
}

const std::string kApps = std::string(testing::kNodeYaml) + R"(---
apiVersion: kubesim.aiops.dev/v1
kind: BehaviourProfile
name: leaky
images: [registry.example/leaky]
startup: 1s
memory: {baselineMiB: 100, growthMiBPerHour: 600}
---
apiVersion: kubesim.aiops.dev/v1
kind: BehaviourProfile
name: web
images: [registry.example/web]
startup: 4s
probes: {readyAfter: 6s}
logs:
  startup: ["{time} listening"]
---
apiVersion: kubesim.aiops.dev/v1
kind: BehaviourProfile
name: wedged
images: [registry.example/wedged]
startup: 2s
probes: {livenessFailsAfter: 30s}
logs:
  failure: ["deadlock detected"]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: app-config, namespace: default}
data: {MODE: prod}
)";

TEST(KubeletTest, OomKilledWhenMemoryUsePassesTheLimit) {
  TestCluster cluster(kApps);
  cluster.create(R"(apiVersion: v1
kind: Pod
metadata: {name: leaky, namespace: default}
spec:
  containers:
  - name: app
    image: registry.example/leaky:2.0
    resources:
      requests: {memory: 100Mi}
      limits: {memory: 128Mi}
)");
  // Started at t=3 with 100 MiB, growing 600 MiB an hour: past 128 MiB just after 168 s, at t=171.
  cluster.runUntilSecond(170);
  json::object status = containerStatus(cluster.must(gr::pods, "leaky"));
  EXPECT_EQ(field(status, {"restartCount"}), "0");
  EXPECT_EQ(field(status, {"state", "running", "startedAt"}), "2026-03-01T12:00:03Z");
  cluster.runUntilSecond(172);
  status = containerStatus(cluster.must(gr::pods, "leaky"));
  EXPECT_EQ(field(status, {"restartCount"}), "1");
  EXPECT_EQ(field(status, {"lastState", "terminated", "reason"}), "OOMKilled");
  EXPECT_EQ(field(status, {"lastState", "terminated", "exitCode"}), "137");
  EXPECT_EQ(field(status, {"lastState", "terminated", "startedAt"}), "2026-03-01T12:00:03Z");
  EXPECT_EQ(field(status, {"lastState", "terminated", "finishedAt"}), "2026-03-01T12:02:51Z");
  EXPECT_EQ(field(status, {"state", "running", "startedAt"}), "2026-03-01T12:02:51Z");
  // The second OOM (168 s later, t=339) meets the back-off: waiting for 10 s.
  cluster.runUntilSecond(340);
  status = containerStatus(cluster.must(gr::pods, "leaky"));
  EXPECT_EQ(field(status, {"state", "waiting", "reason"}), "CrashLoopBackOff");
  EXPECT_EQ(field(status, {"lastState", "terminated", "reason"}), "OOMKilled");
  EXPECT_EQ(field(status, {"lastState", "terminated", "finishedAt"}), "2026-03-01T12:05:39Z");
  EXPECT_EQ(field(status, {"restartCount"}), "1");
  cluster.runUntilSecond(350);
  status = containerStatus(cluster.must(gr::pods, "leaky"));
  EXPECT_EQ(field(status, {"restartCount"}), "2");
  EXPECT_EQ(field(status, {"state", "running", "startedAt"}), "2026-03-01T12:05:49Z");
  EXPECT_TRUE(cluster.manager().problems().empty()) << ::testing::PrintToString(cluster.manager().problems());
}

TEST(KubeletTest, CreateContainerConfigErrorForAMissingKeyUntilItAppears) {
  TestCluster cluster(kApps);
  cluster.create(R"(apiVersion: v1
kind: Pod
metadata: {name: needs-key, namespace: default}
spec:
  containers:
  - name: app
    image: registry.example/app:1.0
    env:
    - name: LOG_LEVEL
      valueFrom:
        configMapKeyRef: {name: app-config, key: LOG_LEVEL}
---
apiVersion: v1
kind: Pod
metadata: {name: needs-map, namespace: default}
spec:
  containers:
  - name: app
    image: registry.example/app:1.0
    envFrom:
    - configMapRef: {name: missing-config}
---
apiVersion: v1
kind: Pod
metadata: {name: needs-secret, namespace: default}
spec:
  containers:
  - name: app
    image: registry.example/app:1.0
    env:
    - name: PASSWORD
      valueFrom:
        secretKeyRef: {name: db, key: password}
)");
  // Pulled at t=3 (one pull serves the three pods), then the configuration fails, retried every 10 s.
  cluster.runUntilSecond(24);
  json::object pod = cluster.must(gr::pods, "needs-key");
  EXPECT_EQ(field(pod, {"status", "phase"}), "Pending");
  json::object status = containerStatus(pod);
  EXPECT_EQ(field(status, {"state", "waiting", "reason"}), "CreateContainerConfigError");
  EXPECT_EQ(field(status, {"state", "waiting", "message"}),
            "couldn't find key LOG_LEVEL in ConfigMap default/app-config");
  EXPECT_EQ(field(containerStatus(cluster.must(gr::pods, "needs-map")), {"state", "waiting", "message"}),
            "configmap \"missing-config\" not found");
  EXPECT_EQ(field(containerStatus(cluster.must(gr::pods, "needs-secret")), {"state", "waiting", "message"}),
            "secret \"db\" not found");
  std::vector<std::string> events = cluster.eventsFor("needs-key");
  // Each retry finds the image again, then fails on the configuration (at 3, 13 and 23).
  ASSERT_EQ(events.size(), 5u) << ::testing::PrintToString(events);
  EXPECT_EQ(events[3], "Failed: Error: couldn't find key LOG_LEVEL in ConfigMap default/app-config (x3)");
  EXPECT_EQ(events[4],
            "Pulled: Container image \"registry.example/app:1.0\" already present on machine (x2)");

  cluster.patch("/api/v1/namespaces/default/configmaps/app-config", R"({"data":{"LOG_LEVEL":"debug"}})");
  cluster.runUntilSecond(32);
  EXPECT_EQ(field(containerStatus(cluster.must(gr::pods, "needs-key")), {"state", "waiting", "reason"}),
            "CreateContainerConfigError");
  cluster.runUntilSecond(33);
  pod = cluster.must(gr::pods, "needs-key");
  EXPECT_EQ(field(pod, {"status", "phase"}), "Running");
  EXPECT_EQ(field(containerStatus(pod), {"state", "running", "startedAt"}), "2026-03-01T12:00:33Z");
  EXPECT_EQ(cluster.eventsFor("needs-key").back(), "Started: Started container app");
}

TEST(KubeletTest, BadImageGoesFromErrImagePullToImagePullBackOff) {
  RuntimeOptions options;
  options.badImages = {"registry.example/app:9.9"};
  TestCluster cluster(kApps, options);
  cluster.create(R"(apiVersion: v1
kind: Pod
metadata: {name: typo, namespace: default}
spec:
  containers:
  - name: app
    image: registry.example/app:9.9
)");
  std::string notFound =
      "rpc error: code = NotFound desc = failed to pull and unpack image \"registry.example/app:9.9\": "
      "failed to "
      "resolve reference \"registry.example/app:9.9\": registry.example/app:9.9: not found";
  cluster.runUntilSecond(3);
  json::object status = containerStatus(cluster.must(gr::pods, "typo"));
  EXPECT_EQ(field(status, {"state", "waiting", "reason"}), "ErrImagePull");
  EXPECT_EQ(field(status, {"state", "waiting", "message"}), notFound);
  cluster.runUntilSecond(4);
  status = containerStatus(cluster.must(gr::pods, "typo"));
  EXPECT_EQ(field(status, {"state", "waiting", "reason"}), "ImagePullBackOff");
  EXPECT_EQ(field(status, {"state", "waiting", "message"}),
            "Back-off pulling image \"registry.example/app:9.9\": ErrImagePull: " + notFound);
  // Pulls at 1, 13 and 35: the image back-off doubles from 10 s.
  cluster.runUntilSecond(40);
  std::vector<std::string> events = cluster.eventsFor("typo");
  std::vector<std::string> expected = {
      "Scheduled: Successfully assigned default/typo to node-1",
      "Pulling: Pulling image \"registry.example/app:9.9\" (x3)",
      "Failed: Failed to pull image \"registry.example/app:9.9\": " + notFound + " (x3)",
      "Failed: Error: ErrImagePull (x3)",
      "BackOff: Back-off pulling image \"registry.example/app:9.9\" (x4)",
      "Failed: Error: ImagePullBackOff (x4)",
  };
  EXPECT_EQ(events, expected);
  EXPECT_EQ(field(cluster.must(gr::pods, "typo"), {"status", "phase"}), "Pending");
}

TEST(KubeletTest, ReadinessFollowsTheProbesAndThePodStatusIsTheKubelets) {
  TestCluster cluster(kApps);
  cluster.create(R"(apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default, labels: {app: web}}
spec:
  containers:
  - name: app
    image: registry.example/web:1.0
    ports: [{name: http, containerPort: 8080}]
    resources:
      requests: {cpu: 100m, memory: 64Mi}
      limits: {cpu: 100m, memory: 64Mi}
    readinessProbe:
      httpGet: {path: /healthz, port: http}
      periodSeconds: 5
    livenessProbe:
      tcpSocket: {port: 8080}
      periodSeconds: 10
)");
  // Probe ticks at 0, 5, 10 (readiness) from admission; the container starts at 3, listens from 7, is ready
  // from 9: refused at 5, ready at 10.
  cluster.runUntilSecond(9);
  EXPECT_EQ(field(containerStatus(cluster.must(gr::pods, "web")), {"ready"}), "false");
  cluster.runUntilSecond(10);
  json::object pod = cluster.must(gr::pods, "web");
  std::string uid(metaString(pod, "uid"));
  json::object expected = boost::json::parse(R"({
    "phase": "Running",
    "qosClass": "Guaranteed",
    "conditions": [
      {"type": "PodReadyToStartContainers", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-03-01T12:00:01Z"},
      {"type": "Initialized", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-03-01T12:00:00Z"},
      {"type": "Ready", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-03-01T12:00:10Z"},
      {"type": "ContainersReady", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-03-01T12:00:10Z"},
      {"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": "2026-03-01T12:00:00Z"}
    ],
    "hostIP": "192.168.49.2",
    "hostIPs": [{"ip": "192.168.49.2"}],
    "startTime": "2026-03-01T12:00:00Z",
    "containerStatuses": [{
      "name": "app",
      "state": {"running": {"startedAt": "2026-03-01T12:00:03Z"}},
      "lastState": {},
      "ready": true,
      "restartCount": 0,
      "image": "registry.example/web:1.0",
      "imageID": "",
      "started": true
    }],
    "podIP": "10.244.0.2",
    "podIPs": [{"ip": "10.244.0.2"}]
  })")
                              .as_object();
  json::object status = pod["status"].as_object();
  // Ids are hashes: checked for their form, then set aside.
  json::object& cs = status["containerStatuses"].as_array()[0].as_object();
  EXPECT_TRUE(field(cs, {"containerID"}).starts_with("containerd://")) << field(cs, {"containerID"});
  EXPECT_EQ(field(cs, {"containerID"}).size(), 13u + 64u);
  EXPECT_TRUE(field(cs, {"imageID"}).starts_with("registry.example/web@sha256:")) << field(cs, {"imageID"});
  cs.erase("containerID");
  cs["imageID"] = "";
  EXPECT_EQ(toJson(status), toJson(expected));
  EXPECT_EQ(
      cluster.eventsFor("web")[5],
      "Unhealthy: Readiness probe failed: Get \"http://10.244.0.2:8080/healthz\": dial tcp 10.244.0.2:8080: "
      "connect: connection refused");
  EXPECT_EQ(cluster.logs().get({"default", "web", "app", false}).value_or(""),
            "2026-03-01T12:00:03Z listening\n");
}

TEST(KubeletTest, LivenessFailuresKillAndRestartTheContainer) {
  TestCluster cluster(kApps);
  cluster.create(R"(apiVersion: v1
kind: Pod
metadata: {name: wedged, namespace: default}
spec:
  containers:
  - name: app
    image: registry.example/wedged:1.0
    livenessProbe:
      httpGet: {path: /livez, port: 8080}
      periodSeconds: 10
      failureThreshold: 3
)");
  // Started at 3, answering 500 from 33: failures at 40, 50, 60, killed at 60 and restarted at once.
  cluster.runUntilSecond(59);
  EXPECT_EQ(field(containerStatus(cluster.must(gr::pods, "wedged")), {"restartCount"}), "0");
  cluster.runUntilSecond(60);
  json::object status = containerStatus(cluster.must(gr::pods, "wedged"));
  EXPECT_EQ(field(status, {"restartCount"}), "1");
  EXPECT_EQ(field(status, {"lastState", "terminated", "exitCode"}), "137");
  EXPECT_EQ(field(status, {"lastState", "terminated", "reason"}), "Error");
  EXPECT_EQ(field(status, {"lastState", "terminated", "finishedAt"}), "2026-03-01T12:01:00Z");
  std::vector<std::string> events = cluster.eventsFor("wedged");
  ASSERT_EQ(events.size(), 8u) << ::testing::PrintToString(events);
  EXPECT_EQ(events[5], "Unhealthy: Liveness probe failed: HTTP probe failed with statuscode: 500 (x3)");
  EXPECT_EQ(events[6], "Killing: Container app failed liveness probe, will be restarted");
  EXPECT_EQ(events[7], "Pulled: Container image \"registry.example/wedged:1.0\" already present on machine");
  EXPECT_EQ(cluster.logs().get({"default", "wedged", "app", true}).value_or(""), "deadlock detected\n");
}

TEST(KubeletTest, InitContainersRunToCompletionFirst) {
  TestCluster cluster(kApps);
  cluster.create(R"(apiVersion: v1
kind: Pod
metadata: {name: with-init, namespace: default}
spec:
  initContainers:
  - name: migrate
    image: registry.example/tools:1.0
  containers:
  - name: app
    image: registry.example/web:1.0
)");
  // The init image is pulled at 1-3 and runs 1 s; the app image is pulled at 4-6.
  cluster.runUntilSecond(3);
  json::object pod = cluster.must(gr::pods, "with-init");
  EXPECT_EQ(field(pod, {"status", "phase"}), "Pending");
  EXPECT_EQ(testing::conditions(pod)[1], "Initialized=False/ContainersNotInitialized");
  EXPECT_EQ(field(containerStatus(pod), {"state", "waiting", "reason"}), "PodInitializing");
  cluster.runUntilSecond(6);
  pod = cluster.must(gr::pods, "with-init");
  EXPECT_EQ(field(pod, {"status", "phase"}), "Running");
  EXPECT_EQ(testing::conditions(pod)[1], "Initialized=True");
  json::object init = pod["status"].as_object()["initContainerStatuses"].as_array()[0].as_object();
  EXPECT_EQ(field(init, {"state", "terminated", "reason"}), "Completed");
  EXPECT_EQ(field(init, {"state", "terminated", "exitCode"}), "0");
  EXPECT_EQ(field(init, {"state", "terminated", "finishedAt"}), "2026-03-01T12:00:04Z");
  EXPECT_EQ(field(init, {"ready"}), "true");
  EXPECT_EQ(field(containerStatus(pod), {"state", "running", "startedAt"}), "2026-03-01T12:00:06Z");
}

TEST(KubeletTest, ADeletedPodStopsItsContainersAndGoes) {
  TestCluster cluster(kApps);
  cluster.create(R"(apiVersion: v1
kind: Pod
metadata: {name: doomed, namespace: default}
spec:
  containers:
  - name: app
    image: registry.example/web:1.0
)");
  cluster.runUntilSecond(20);
  ASSERT_EQ(cluster.call("DELETE", "/api/v1/namespaces/default/pods/doomed").status, 200);
  json::object pod = cluster.must(gr::pods, "doomed");
  EXPECT_EQ(field(pod, {"metadata", "deletionTimestamp"}), "2026-03-01T12:00:50Z");
  cluster.manager().step();
  EXPECT_EQ(cluster.eventsFor("doomed").back(), "Killing: Stopping container app");
  EXPECT_TRUE(cluster.get(gr::pods, "doomed"));
  cluster.runUntilSecond(21);
  EXPECT_FALSE(cluster.get(gr::pods, "doomed"));
}
TEST(KubeletTest, APrivateRegistryRefusesPullsWithoutItsCredentials) {
  TestCluster cluster(kApps);
  // The namespace holds credentials for registry.acme.io, which makes that registry private.
  cluster.create(R"(apiVersion: v1
kind: Secret
metadata: {name: acme-registry, namespace: default}
type: kubernetes.io/dockerconfigjson
data:
  .dockerconfigjson: eyJhdXRocyI6eyJyZWdpc3RyeS5hY21lLmlvIjp7ImF1dGgiOiJZMms2ZEc5clpXND0ifX19
---
apiVersion: v1
kind: Pod
metadata: {name: anonymous, namespace: default}
spec:
  containers: [{name: app, image: registry.acme.io/payments/api:2.3.1}]
---
apiVersion: v1
kind: Pod
metadata: {name: authorized, namespace: default}
spec:
  imagePullSecrets: [{name: acme-registry}]
  containers: [{name: app, image: registry.acme.io/payments/api:2.3.0}]
)");
  std::string unauthorized =
      "rpc error: code = Unknown desc = failed to pull and unpack image "
      "\"registry.acme.io/payments/api:2.3.1\": "
      "failed to resolve reference \"registry.acme.io/payments/api:2.3.1\": unexpected status from HEAD "
      "request "
      "to https://registry.acme.io/v2/payments/api/manifests/2.3.1: 401 Unauthorized";
  cluster.runUntilSecond(3);
  json::object status = containerStatus(cluster.must(gr::pods, "anonymous"));
  EXPECT_EQ(field(status, {"state", "waiting", "reason"}), "ErrImagePull");
  EXPECT_EQ(field(status, {"state", "waiting", "message"}), unauthorized);
  std::vector<std::string> events = cluster.eventsFor("anonymous");
  ASSERT_EQ(events.size(), 4u) << ::testing::PrintToString(events);
  EXPECT_EQ(events[2],
            "Failed: Failed to pull image \"registry.acme.io/payments/api:2.3.1\": " + unauthorized);
  EXPECT_EQ(field(cluster.must(gr::pods, "authorized"), {"status", "phase"}), "Running");
}

TEST(KubeletTest, UnresolvableRegistriesAndInvalidNamesFailAsTheRuntimeSays) {
  TestCluster cluster(kApps);
  cluster.create(R"(apiVersion: v1
kind: Pod
metadata: {name: offline, namespace: default}
spec:
  containers: [{name: app, image: "registry.acme.invalid:5000/tools/sync:1.2"}]
---
apiVersion: v1
kind: Pod
metadata: {name: shouting, namespace: default}
spec:
  containers: [{name: app, image: ghcr.io/acme/Checkout:1.0}]
)");
  cluster.runUntilSecond(4);
  json::object status = containerStatus(cluster.must(gr::pods, "offline"));
  EXPECT_EQ(field(status, {"state", "waiting", "reason"}), "ImagePullBackOff");
  EXPECT_EQ(
      field(status, {"state", "waiting", "message"}),
      "Back-off pulling image \"registry.acme.invalid:5000/tools/sync:1.2\": ErrImagePull: rpc error: code = "
      "Unknown desc = failed to pull and unpack image \"registry.acme.invalid:5000/tools/sync:1.2\": failed "
      "to resolve reference \"registry.acme.invalid:5000/tools/sync:1.2\": failed to do request: Head "
      "\"https://registry.acme.invalid:5000/v2/tools/sync/manifests/1.2\": dial tcp: lookup "
      "registry.acme.invalid on 127.0.0.53:53: no such host");
  std::string invalid =
      "Failed to apply default image tag \"ghcr.io/acme/Checkout:1.0\": couldn't parse image name "
      "\"ghcr.io/acme/Checkout:1.0\": invalid reference format: repository name (acme/Checkout) must be "
      "lowercase";
  status = containerStatus(cluster.must(gr::pods, "shouting"));
  EXPECT_EQ(field(status, {"state", "waiting", "reason"}), "InvalidImageName");
  EXPECT_EQ(field(status, {"state", "waiting", "message"}), invalid);
  std::vector<std::string> events = cluster.eventsFor("shouting");
  ASSERT_EQ(events.size(), 3u) << ::testing::PrintToString(events);
  EXPECT_EQ(events[1], "InspectFailed: " + invalid);
  EXPECT_EQ(events[2], "Failed: Error: InvalidImageName");
}

TEST(KubeletTest, RunAsNonRootRefusesContainersThatWouldRunAsRoot) {
  TestCluster cluster(kApps);
  cluster.create(R"(apiVersion: v1
kind: Pod
metadata: {name: root-image, namespace: default, uid: 0f000000-0000-4000-8000-000000000001}
spec:
  securityContext: {runAsNonRoot: true}
  containers: [{name: app, image: registry.example/app:1.0}]
---
apiVersion: v1
kind: Pod
metadata: {name: root-user, namespace: default}
spec:
  securityContext: {runAsNonRoot: true}
  containers: [{name: app, image: registry.example/app:1.0, securityContext: {runAsUser: 0}}]
---
apiVersion: v1
kind: Pod
metadata: {name: distroless, namespace: default}
spec:
  securityContext: {runAsNonRoot: true}
  containers: [{name: app, image: "gcr.io/distroless/static:nonroot"}]
---
apiVersion: v1
kind: Pod
metadata: {name: numbered, namespace: default}
spec:
  securityContext: {runAsNonRoot: true, runAsUser: 10001}
  containers: [{name: app, image: registry.example/app:1.0}]
)");
  cluster.runUntilSecond(4);
  json::object pod = cluster.must(gr::pods, "root-image");
  std::string uid(metaString(pod, "uid"));
  json::object status = containerStatus(pod);
  EXPECT_EQ(field(status, {"state", "waiting", "reason"}), "CreateContainerConfigError");
  EXPECT_EQ(field(status, {"state", "waiting", "message"}),
            "container has runAsNonRoot and image will run as root (pod: \"root-image_default(" + uid +
                ")\", container: app)");
  EXPECT_EQ(
      cluster.eventsFor("root-image").back(),
      "Failed: Error: container has runAsNonRoot and image will run as root (pod: \"root-image_default(" +
          uid + ")\", container: app)");
  pod = cluster.must(gr::pods, "root-user");
  EXPECT_EQ(field(containerStatus(pod), {"state", "waiting", "message"}),
            "container's runAsUser breaks non-root policy (pod: \"root-user_default(" +
                std::string(metaString(pod, "uid")) + ")\", container: app)");
  EXPECT_EQ(field(cluster.must(gr::pods, "distroless"), {"status", "phase"}), "Running");
  EXPECT_EQ(field(cluster.must(gr::pods, "numbered"), {"status", "phase"}), "Running");
}

TEST(KubeletTest, AProbeOnAPortTheContainerDoesNotDeclareIsRefused) {
  TestCluster cluster(kApps);
  cluster.create(R"(apiVersion: v1
kind: Pod
metadata: {name: misprobed, namespace: default}
spec:
  containers:
  - name: app
    image: registry.example/app:1.0
    ports: [{name: http, containerPort: 8080}]
    readinessProbe:
      httpGet: {path: /ready, port: http}
      periodSeconds: 10
    livenessProbe:
      httpGet: {path: /healthz, port: 8081}
      periodSeconds: 10
      failureThreshold: 3
)");
  // Started at 3: the liveness probe on 8081 fails three times, 10 s apart, and the container is killed; the
  // readiness probe on the declared port passes.
  cluster.runUntilSecond(22);
  json::object pod = cluster.must(gr::pods, "misprobed");
  std::string ip = field(pod, {"status", "podIP"});
  EXPECT_EQ(field(containerStatus(pod), {"ready"}), "true");
  cluster.runUntilSecond(32);
  pod = cluster.must(gr::pods, "misprobed");
  EXPECT_EQ(field(containerStatus(pod), {"restartCount"}), "1");
  EXPECT_EQ(field(containerStatus(pod), {"lastState", "terminated", "exitCode"}), "137");
  std::vector<std::string> events = cluster.eventsFor("misprobed");
  ASSERT_GE(events.size(), 7u) << ::testing::PrintToString(events);
  EXPECT_EQ(events[5], "Unhealthy: Liveness probe failed: Get \"http://" + ip + ":8081/healthz\": dial tcp " +
                           ip + ":8081: connect: connection refused (x3)");
  EXPECT_EQ(events[6], "Killing: Container app failed liveness probe, will be restarted");
}

}  // namespace
}  // namespace kubesim::runtime

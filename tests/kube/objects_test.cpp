// Object view tests: kubectl's pod STATUS/READY/RESTARTS rules, event timestamps, and every other view,
// including objects with fields missing.
#include "kube/objects.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace aiops::kube {
namespace {

namespace json = boost::json;

// A pod whose status.containerStatuses / initContainerStatuses and spec are given as JSON fragments.
json::value pod(const std::string& status, const std::string& spec = R"({"containers":[{"name":"app"}]})",
                const std::string& metadata = R"({"name":"web-1","namespace":"shop"})") {
  return json::parse(R"({"apiVersion":"v1","kind":"Pod","metadata":)" + metadata + R"(,"spec":)" + spec +
                     R"(,"status":)" + status + "}");
}

struct PodCase {
  const char* name;
  json::value object;
  std::string status;
  int ready;
  int total;
  std::int64_t restarts;
};

TEST(PodView, StatusColumnFollowsKubectl) {
  const std::string twoInits =
      R"({"initContainers":[{"name":"init-a"},{"name":"init-b"}],"containers":[{"name":"app"}]})";
  const PodCase cases[] = {
      {"running", pod(R"({"phase":"Running","conditions":[{"type":"Ready","status":"True"}],
          "containerStatuses":[{"name":"app","ready":true,"restartCount":0,"state":{"running":{"startedAt":"2024-05-01T10:00:00Z"}}}]})"),
       "Running", 1, 1, 0},
      {"crashloop",
       pod(R"({"phase":"Running","containerStatuses":[{"name":"app","ready":false,"restartCount":5,
          "state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 2m40s restarting failed container"}},
          "lastState":{"terminated":{"exitCode":1,"reason":"Error"}}}]})"),
       "CrashLoopBackOff", 0, 1, 5},
      {"image pull",
       pod(R"({"phase":"Pending","containerStatuses":[{"name":"app","ready":false,"restartCount":0,
          "state":{"waiting":{"reason":"ImagePullBackOff"}}}]})"),
       "ImagePullBackOff", 0, 1, 0},
      {"oom", pod(R"({"phase":"Running","containerStatuses":[{"name":"app","ready":false,"restartCount":1,
          "state":{"terminated":{"exitCode":137,"reason":"OOMKilled"}}}]})"),
       "OOMKilled", 0, 1, 1},
      {"signal", pod(R"({"phase":"Running","containerStatuses":[{"name":"app","restartCount":0,
          "state":{"terminated":{"exitCode":137,"signal":9}}}]})"),
       "Signal:9", 0, 1, 0},
      {"exit code", pod(R"({"phase":"Running","containerStatuses":[{"name":"app","restartCount":0,
          "state":{"terminated":{"exitCode":3}}}]})"),
       "ExitCode:3", 0, 1, 0},
      {"init running",
       pod(R"({"phase":"Pending","initContainerStatuses":[
          {"name":"init-a","restartCount":0,"state":{"running":{}}},
          {"name":"init-b","restartCount":0,"state":{"waiting":{"reason":"PodInitializing"}}}],
          "containerStatuses":[{"name":"app","restartCount":0,"state":{"waiting":{"reason":"PodInitializing"}}}]})",
           twoInits),
       "Init:0/2", 0, 1, 0},
      {"init second",
       pod(R"({"phase":"Pending","initContainerStatuses":[
          {"name":"init-a","restartCount":0,"state":{"terminated":{"exitCode":0,"reason":"Completed"}}},
          {"name":"init-b","restartCount":0,"state":{"running":{}}}]})",
           twoInits),
       "Init:1/2", 0, 1, 0},
      {"init crashloop",
       pod(R"({"phase":"Pending","initContainerStatuses":[
          {"name":"init-a","restartCount":4,"state":{"waiting":{"reason":"CrashLoopBackOff"}}}]})",
           twoInits),
       "Init:CrashLoopBackOff", 0, 1, 4},
      {"init error",
       pod(R"({"phase":"Pending","initContainerStatuses":[
          {"name":"init-a","restartCount":1,"state":{"terminated":{"exitCode":1,"reason":"Error"}}}]})",
           twoInits),
       "Init:Error", 0, 1, 1},
      {"init exit code",
       pod(R"({"phase":"Pending","initContainerStatuses":[
          {"name":"init-a","restartCount":0,"state":{"terminated":{"exitCode":2}}}]})",
           twoInits),
       "Init:ExitCode:2", 0, 1, 0},
      {"pending unscheduled", pod(R"({"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False",
          "reason":"Unschedulable"}]})"),
       "Pending", 0, 1, 0},
      {"scheduling gated", pod(R"({"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False",
          "reason":"SchedulingGated"}]})"),
       "SchedulingGated", 0, 1, 0},
      {"evicted",
       pod(R"({"phase":"Failed","reason":"Evicted","message":"The node was low on resource: memory."})"),
       "Evicted", 0, 1, 0},
      {"completed", pod(R"({"phase":"Succeeded","containerStatuses":[{"name":"app","restartCount":0,
          "state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]})"),
       "Completed", 0, 1, 0},
      {"completed with a running container",
       pod(R"({"phase":"Running","conditions":[{"type":"Ready","status":"False"}],
          "containerStatuses":[
          {"name":"app","ready":true,"restartCount":0,"state":{"running":{}}},
          {"name":"job","ready":false,"restartCount":0,"state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]})",
           R"({"containers":[{"name":"app"},{"name":"job"}]})"),
       "NotReady", 1, 2, 0},
      {"terminating",
       pod(R"({"phase":"Running","conditions":[{"type":"Ready","status":"True"}],
          "containerStatuses":[{"name":"app","ready":true,"restartCount":2,"state":{"running":{}}}]})",
           R"({"containers":[{"name":"app"}]})",
           R"({"name":"web-1","namespace":"shop","deletionTimestamp":"2024-05-01T10:00:00Z"})"),
       "Terminating", 1, 1, 2},
      {"node lost",
       pod(R"({"phase":"Running","reason":"NodeLost"})", R"({"containers":[{"name":"app"}]})",
           R"({"name":"web-1","deletionTimestamp":"2024-05-01T10:00:00Z"})"),
       "Unknown", 0, 1, 0},
      {"sidecar",
       pod(R"({"phase":"Running","conditions":[{"type":"Initialized","status":"True"},{"type":"Ready","status":"True"}],
          "initContainerStatuses":[{"name":"proxy","ready":true,"started":true,"restartCount":3,"state":{"running":{}}}],
          "containerStatuses":[{"name":"app","ready":true,"restartCount":1,"state":{"running":{}}}]})",
           R"({"initContainers":[{"name":"proxy","restartPolicy":"Always"}],"containers":[{"name":"app"}]})"),
       "Running", 2, 2, 4},
      {"empty", json::parse("{}"), "", 0, 0, 0},
  };
  for (const auto& c : cases) {
    const PodView view(c.object);
    EXPECT_EQ(view.displayStatus(), c.status) << c.name;
    EXPECT_EQ(view.readyContainers(), c.ready) << c.name;
    EXPECT_EQ(view.totalContainers(), c.total) << c.name;
    EXPECT_EQ(view.restarts(), c.restarts) << c.name;
  }
}

TEST(PodView, FieldsAndContainerDetails) {
  const json::value object = json::parse(R"({
    "apiVersion":"v1","kind":"Pod",
    "metadata":{"name":"web-7d9f-abcde","namespace":"shop","uid":"u-1","resourceVersion":"77",
      "labels":{"app":"web"},"creationTimestamp":"2024-05-01T10:00:00Z",
      "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d9f","uid":"rs-1","controller":true}]},
    "spec":{"nodeName":"node-a","containers":[{"name":"app","image":"web:1.2",
      "resources":{"requests":{"cpu":"250m","memory":"128Mi"},"limits":{"cpu":"1","memory":"256Mi"}},
      "livenessProbe":{"httpGet":{"path":"/healthz","port":8080}}}]},
    "status":{"phase":"Running","qosClass":"Burstable","startTime":"2024-05-01T10:00:05Z",
      "conditions":[{"type":"Ready","status":"False","reason":"ContainersNotReady","lastTransitionTime":"2024-05-01T10:01:00Z"}],
      "containerStatuses":[{"name":"app","ready":false,"started":false,"restartCount":3,"image":"web:1.2",
        "state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 40s"}},
        "lastState":{"terminated":{"exitCode":137,"reason":"OOMKilled","startedAt":"2024-05-01T10:02:00Z",
          "finishedAt":"2024-05-01T10:02:30Z"}}}]}})");
  const PodView view(object);
  EXPECT_EQ(view.name(), "web-7d9f-abcde");
  EXPECT_EQ(view.namespace_(), "shop");
  EXPECT_EQ(view.uid(), "u-1");
  EXPECT_EQ(view.resourceVersion(), "77");
  EXPECT_EQ(view.labels().at("app"), "web");
  EXPECT_EQ(view.nodeName(), "node-a");
  EXPECT_EQ(view.phase(), "Running");
  EXPECT_EQ(view.qosClass(), "Burstable");
  EXPECT_EQ(formatTimestamp(*view.creationTimestamp()), "2024-05-01T10:00:00Z");
  EXPECT_EQ(formatTimestamp(*view.startTime()), "2024-05-01T10:00:05Z");
  EXPECT_FALSE(view.isReady());
  EXPECT_EQ(view.condition("Ready")->reason, "ContainersNotReady");
  EXPECT_FALSE(view.condition("PodScheduled").has_value());
  const auto owner = view.controllerOwner();
  ASSERT_TRUE(owner.has_value());
  EXPECT_EQ(owner->kind, "ReplicaSet");
  EXPECT_EQ(owner->name, "web-7d9f");

  const auto containers = view.containers();
  ASSERT_EQ(containers.size(), 1u);
  EXPECT_EQ(containers[0].image, "web:1.2");
  EXPECT_EQ(containers[0].requests.at("cpu").milliValue(), 250);
  EXPECT_EQ(containers[0].requests.at("memory").toString(), "128Mi");
  EXPECT_EQ(containers[0].limits.at("cpu").toString(), "1");
  EXPECT_TRUE(containers[0].hasLivenessProbe);
  EXPECT_FALSE(containers[0].hasReadinessProbe);

  const auto status = view.containerStatus("app");
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->restartCount, 3);
  EXPECT_EQ(status->started, std::optional<bool>(false));
  EXPECT_TRUE(status->state.waiting());
  EXPECT_EQ(status->state.reason, "CrashLoopBackOff");
  EXPECT_EQ(status->state.message, "back-off 40s");
  EXPECT_TRUE(status->lastState.terminated());
  EXPECT_EQ(status->lastState.reason, "OOMKilled");
  EXPECT_EQ(status->lastState.exitCode, std::optional<int>(137));
  EXPECT_FALSE(status->lastState.signal.has_value());
  EXPECT_EQ(formatTimestamp(*status->lastState.finishedAt), "2024-05-01T10:02:30Z");
  EXPECT_FALSE(view.containerStatus("sidecar").has_value());
}

TEST(PodView, MissingAndMistypedFieldsReadAsEmpty) {
  const json::value object = json::parse(R"({"metadata":{"name":5,"labels":[]},"spec":{"containers":"x"},
    "status":{"containerStatuses":[{"state":{"terminated":{"exitCode":"1"}}}]}})");
  const PodView view(object);
  EXPECT_EQ(view.name(), "");
  EXPECT_TRUE(view.labels().empty());
  EXPECT_TRUE(view.containers().empty());
  EXPECT_FALSE(view.creationTimestamp().has_value());
  ASSERT_EQ(view.containerStatuses().size(), 1u);
  EXPECT_FALSE(view.containerStatuses()[0].state.exitCode.has_value());
  const json::value notAnObject = json::parse("[1]");
  EXPECT_EQ(PodView(notAnObject).phase(), "");
}

TEST(EventView, CountsAndTimestamps) {
  const json::value legacy = json::parse(R"({"kind":"Event","type":"Warning","reason":"BackOff",
    "message":"Back-off restarting failed container","count":12,
    "firstTimestamp":"2024-05-01T10:00:00Z","lastTimestamp":"2024-05-01T10:30:00Z",
    "involvedObject":{"kind":"Pod","namespace":"shop","name":"web-1","uid":"u-1","fieldPath":"spec.containers{app}"},
    "source":{"component":"kubelet","host":"node-a"},"metadata":{"creationTimestamp":"2024-05-01T09:59:59Z"}})");
  const EventView e(legacy);
  EXPECT_EQ(e.type(), "Warning");
  EXPECT_EQ(e.reason(), "BackOff");
  EXPECT_EQ(e.count(), 12);
  EXPECT_EQ(formatTimestamp(*e.firstTimestamp()), "2024-05-01T10:00:00Z");
  EXPECT_EQ(formatTimestamp(*e.lastTimestamp()), "2024-05-01T10:30:00Z");
  EXPECT_EQ(e.involvedObject().name, "web-1");
  EXPECT_EQ(e.involvedObject().fieldPath, "spec.containers{app}");
  EXPECT_EQ(e.source(), "kubelet");

  // New-style events: eventTime (MicroTime) and a series instead of count/first/last.
  const json::value series = json::parse(R"({"kind":"Event","type":"Warning","reason":"FailedScheduling",
    "message":"0/3 nodes are available","eventTime":"2024-05-01T11:00:00.123456Z",
    "series":{"count":4,"lastObservedTime":"2024-05-01T11:20:00.000001Z"},"reportingController":"default-scheduler",
    "involvedObject":{"kind":"Pod","name":"web-2"},"metadata":{"creationTimestamp":"2024-05-01T11:00:00Z"}})");
  const EventView s(series);
  EXPECT_EQ(s.count(), 4);
  EXPECT_EQ(formatTimestamp(*s.firstTimestamp()), "2024-05-01T11:00:00Z");
  EXPECT_EQ(formatTimestamp(*s.lastTimestamp()), "2024-05-01T11:20:00Z");
  EXPECT_EQ(s.source(), "default-scheduler");

  const json::value bare =
      json::parse(R"({"kind":"Event","metadata":{"creationTimestamp":"2024-05-01T12:00:00Z"}})");
  const EventView b(bare);
  EXPECT_EQ(b.count(), 1);
  EXPECT_EQ(formatTimestamp(*b.lastTimestamp()), "2024-05-01T12:00:00Z");

  const json::value v1 = json::parse(R"({"apiVersion":"events.k8s.io/v1","kind":"Event","note":"pulled",
    "regarding":{"kind":"Pod","name":"web-3"},"deprecatedCount":2})");
  EXPECT_EQ(EventView(v1).message(), "pulled");
  EXPECT_EQ(EventView(v1).involvedObject().name, "web-3");
  EXPECT_EQ(EventView(v1).count(), 2);
}

TEST(DeploymentView, ReplicaCountsAndDefaults) {
  const json::value object =
      json::parse(R"({"kind":"Deployment","metadata":{"name":"web","namespace":"shop","generation":4},
    "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},"strategy":{"type":"Recreate"},
      "template":{"spec":{"containers":[{"name":"app","image":"web:2","resources":{"requests":{"cpu":"100m"}}}]}}},
    "status":{"observedGeneration":4,"replicas":3,"readyReplicas":2,"updatedReplicas":3,"availableReplicas":2,
      "unavailableReplicas":1,"conditions":[{"type":"Available","status":"False","reason":"MinimumReplicasUnavailable"}]}})");
  const DeploymentView d(object);
  EXPECT_EQ(d.desiredReplicas(), 3);
  EXPECT_EQ(d.readyReplicas(), 2);
  EXPECT_EQ(d.updatedReplicas(), 3);
  EXPECT_EQ(d.availableReplicas(), 2);
  EXPECT_EQ(d.unavailableReplicas(), 1);
  EXPECT_EQ(d.generation(), std::optional<std::int64_t>(4));
  EXPECT_EQ(d.observedGeneration(), std::optional<std::int64_t>(4));
  EXPECT_EQ(d.strategy(), "Recreate");
  EXPECT_EQ(d.selector().at("app"), "web");
  EXPECT_EQ(d.condition("Available")->reason, "MinimumReplicasUnavailable");
  EXPECT_EQ(d.containers().at(0).requests.at("cpu").toString(), "100m");
  EXPECT_FALSE(d.paused());

  const json::value bare = json::parse(R"({"kind":"Deployment","spec":{}})");
  const DeploymentView b(bare);
  EXPECT_EQ(b.desiredReplicas(), 1);
  EXPECT_EQ(b.readyReplicas(), 0);
  EXPECT_EQ(b.strategy(), "RollingUpdate");
}

TEST(ReplicaSetView, RevisionAndReplicas) {
  const json::value object = json::parse(R"({"kind":"ReplicaSet","metadata":{"name":"web-7d9f",
    "annotations":{"deployment.kubernetes.io/revision":"5"}},"spec":{"replicas":2},"status":{"replicas":2,"readyReplicas":1,"availableReplicas":1}})");
  const ReplicaSetView rs(object);
  EXPECT_EQ(rs.revision(), std::optional<std::int64_t>(5));
  EXPECT_EQ(rs.desiredReplicas(), 2);
  EXPECT_EQ(rs.readyReplicas(), 1);
  const json::value bad =
      json::parse(R"({"metadata":{"annotations":{"deployment.kubernetes.io/revision":"x"}}})");
  EXPECT_FALSE(ReplicaSetView(bad).revision().has_value());
}

TEST(NodeView, ConditionsResourcesAndTaints) {
  const json::value object = json::parse(R"({"kind":"Node","metadata":{"name":"node-a"},
    "spec":{"unschedulable":true,"taints":[{"key":"node.kubernetes.io/not-ready","effect":"NoSchedule"},
      {"key":"dedicated","value":"db","effect":"NoExecute"}]},
    "status":{"conditions":[{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":"True"}],
      "capacity":{"cpu":"4","memory":"16393216Ki","pods":"110"},
      "allocatable":{"cpu":"3920m","memory":"15767552Ki","pods":"110","bogus":"x y"},
      "nodeInfo":{"kubeletVersion":"v1.32.0"}}})");
  const NodeView n(object);
  EXPECT_TRUE(n.isReady());
  EXPECT_TRUE(n.unschedulable());
  EXPECT_EQ(n.allocatable().at("cpu").toString(), "3920m");
  EXPECT_EQ(n.allocatable().at("memory").toString(), "15398Mi");  // 15767552Ki, canonical
  EXPECT_EQ(n.allocatable().count("bogus"), 0u);
  EXPECT_EQ(n.capacity().at("memory").value(), 16393216LL * 1024);
  ASSERT_EQ(n.taints().size(), 2u);
  EXPECT_EQ(n.taints()[1].value, "db");
  EXPECT_EQ(n.taints()[1].effect, "NoExecute");
  EXPECT_EQ(n.kubeletVersion(), "v1.32.0");
  const json::value notReady =
      json::parse(R"({"status":{"conditions":[{"type":"Ready","status":"Unknown"}]}})");
  EXPECT_FALSE(NodeView(notReady).isReady());
}

TEST(HorizontalPodAutoscalerView, V2SpecAndStatus) {
  const json::value object = json::parse(R"({"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler",
    "metadata":{"name":"web","namespace":"shop"},
    "spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"minReplicas":2,"maxReplicas":10,
      "metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":70}}},
                 {"type":"Pods","pods":{"metric":{"name":"rps"},"target":{"type":"AverageValue","averageValue":"100"}}}]},
    "status":{"currentReplicas":3,"desiredReplicas":4,
      "currentMetrics":[{"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":85,"averageValue":"425m"}}}],
      "conditions":[{"type":"ScalingLimited","status":"False","reason":"DesiredWithinRange"}]}})");
  const HorizontalPodAutoscalerView h(object);
  EXPECT_EQ(h.scaleTargetRef().kind, "Deployment");
  EXPECT_EQ(h.scaleTargetRef().name, "web");
  EXPECT_EQ(h.scaleTargetRef().namespace_, "shop");
  EXPECT_EQ(h.minReplicas(), 2);
  EXPECT_EQ(h.maxReplicas(), 10);
  EXPECT_EQ(h.currentReplicas(), 3);
  EXPECT_EQ(h.desiredReplicas(), 4);
  const auto metrics = h.metrics();
  ASSERT_EQ(metrics.size(), 2u);
  EXPECT_EQ(metrics[0].resourceName, "cpu");
  EXPECT_EQ(metrics[0].targetType, "Utilization");
  EXPECT_EQ(metrics[0].averageUtilization, std::optional<std::int64_t>(70));
  EXPECT_EQ(metrics[1].metricName, "rps");
  EXPECT_EQ(metrics[1].averageValue->toString(), "100");
  const auto current = h.currentMetrics();
  ASSERT_EQ(current.size(), 1u);
  EXPECT_EQ(current[0].averageUtilization, std::optional<std::int64_t>(85));
  EXPECT_EQ(current[0].averageValue->milliValue(), 425);
  EXPECT_EQ(h.condition("ScalingLimited")->reason, "DesiredWithinRange");
  const json::value bare = json::parse(R"({"spec":{"maxReplicas":5}})");
  EXPECT_EQ(HorizontalPodAutoscalerView(bare).minReplicas(), 1);
}

TEST(ServiceEndpointsAndClaims, Views) {
  const json::value service =
      json::parse(R"({"kind":"Service","spec":{"clusterIP":"10.0.0.5","selector":{"app":"web"},
    "ports":[{"name":"http","port":80,"targetPort":8080},{"port":443,"targetPort":"https","protocol":"TCP","nodePort":30443}]}})");
  const ServiceView s(service);
  EXPECT_EQ(s.type(), "ClusterIP");
  EXPECT_EQ(s.clusterIP(), "10.0.0.5");
  EXPECT_EQ(s.selector().at("app"), "web");
  ASSERT_EQ(s.ports().size(), 2u);
  EXPECT_EQ(s.ports()[0].targetPort, "8080");
  EXPECT_EQ(s.ports()[0].protocol, "TCP");
  EXPECT_EQ(s.ports()[1].targetPort, "https");
  EXPECT_EQ(s.ports()[1].nodePort, std::optional<std::int64_t>(30443));

  const json::value endpoints = json::parse(R"({"kind":"Endpoints","subsets":[
    {"addresses":[{"ip":"10.1.0.4","targetRef":{"kind":"Pod","name":"web-1"}},{"ip":"10.1.0.5"}],
     "notReadyAddresses":[{"ip":"10.1.0.6","targetRef":{"kind":"Pod","name":"web-3"}}]},
    {"addresses":[{"ip":"10.1.0.7","targetRef":{"kind":"Pod","name":"web-4"}}]}]})");
  const EndpointsView e(endpoints);
  EXPECT_EQ(e.readyAddresses(), 3);
  EXPECT_EQ(e.notReadyAddresses(), 1);
  EXPECT_EQ(e.readyTargetPods(), (std::vector<std::string>{"web-1", "web-4"}));
  const json::value empty = json::parse(R"({"kind":"Endpoints"})");
  EXPECT_EQ(EndpointsView(empty).readyAddresses(), 0);

  const json::value claim =
      json::parse(R"({"kind":"PersistentVolumeClaim","spec":{"accessModes":["ReadWriteOnce"],
    "storageClassName":"standard","volumeName":"pv-1","resources":{"requests":{"storage":"10Gi"}}},
    "status":{"phase":"Bound","capacity":{"storage":"10Gi"}}})");
  const PersistentVolumeClaimView c(claim);
  EXPECT_EQ(c.phase(), "Bound");
  EXPECT_EQ(c.storageClassName(), "standard");
  EXPECT_EQ(c.volumeName(), "pv-1");
  EXPECT_EQ(c.accessModes(), std::vector<std::string>{"ReadWriteOnce"});
  EXPECT_EQ(c.requestedStorage()->toString(), "10Gi");
  EXPECT_EQ(c.capacity()->value(), 10LL << 30);
  const json::value pending = json::parse(R"({"status":{"phase":"Pending"}})");
  EXPECT_FALSE(PersistentVolumeClaimView(pending).capacity().has_value());
}

}  // namespace
}  // namespace aiops::kube

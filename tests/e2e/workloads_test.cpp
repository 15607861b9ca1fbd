// StatefulSets and DaemonSets under kubesim's controllers through the real kubectl (workloads.yaml: three
// nodes, node-3 tainted, a clock at 30x): ordered pod creation followed by `kubectl rollout status`,
// scaling with stable names and claims, rolling updates with partitions, `kubectl rollout history` and
// `rollout undo` over ControllerRevisions, and a DaemonSet with one pod per eligible node.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <thread>

#include "e2e_util.h"
#include "kubesim_harness.h"

namespace aiops::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// The StatefulSet of these tests: web-N pods with a claim each from the "standard" class.
std::string statefulSet(int replicas, const std::string& extraSpec = "") {
  return R"(apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web, namespace: workloads}
spec:
  replicas: )" +
         std::to_string(replicas) + R"(
  serviceName: web
  selector: {matchLabels: {app: web}}
)" + extraSpec +
         R"(  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: example.com/web:1.0
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      storageClassName: standard
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
)";
}

const std::string kDaemonSet = R"(apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: workloads}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers:
      - name: agent
        image: example.com/agent:1.0
)";

class WorkloadsTest : public ::testing::Test {
 protected:
  WorkloadsTest() : server_(e2eScenario("workloads.yaml")) {}

  CommandResult kubectl(std::vector<std::string> args, const std::string& stdinData = "") {
    args.insert(args.end(), {"-n", "workloads"});
    return server_.kubectl(args, stdinData);
  }
  void apply(const std::string& yaml) {
    CommandResult r = kubectl({"apply", "-f", "-"}, yaml);
    ASSERT_EQ(r.exit, 0) << r.err;
  }
  void clock(const std::string& body) {
    CommandResult r = server_.kubectl({"create", "--raw", "/kubesim/v1/clock", "-f", "-"}, body);
    ASSERT_EQ(r.exit, 0) << r.err;
  }
  // `kubectl rollout status` to the end; its lines with repeats of the same line collapsed (kubectl prints
  // the status for every change of the object, so repeats depend on how many writes it sees).
  std::vector<std::string> rolloutStatus(const std::string& target) {
    CommandResult r = kubectl({"rollout", "status", target, "--timeout=60s"});
    EXPECT_EQ(r.exit, 0) << r.out << r.err;
    return collapsed(lines(r.out));
  }
  static std::vector<std::string> collapsed(const std::vector<std::string>& all) {
    std::vector<std::string> out;
    for (const std::string& line : all)
      if (out.empty() || out.back() != line) out.push_back(line);
    return out;
  }
  // The output of a kubectl query once `done` accepts it (polled for up to 20 s).
  std::string waitFor(const std::vector<std::string>& args,
                      const std::function<bool(const std::string&)>& done) {
    CommandResult r;
    for (int i = 0; i < 80; ++i) {
      r = kubectl(args);
      if (r.exit == 0 && done(r.out)) return r.out;
      std::this_thread::sleep_for(250ms);
    }
    ADD_FAILURE() << "gave up waiting; last output: " << r.out << r.err;
    return r.out;
  }
  // "reason: message" of the events about an object, oldest first.
  std::vector<std::string> events(const std::string& kind, const std::string& name) {
    CommandResult r = kubectl({"get", "events", "--field-selector",
                               "involvedObject.kind=" + kind + ",involvedObject.name=" + name, "-o", "json"});
    EXPECT_EQ(r.exit, 0) << r.err;
    std::vector<std::pair<std::string, std::string>> sorted;
    json::value list = parseJsonOrFail(r.out);
    for (const json::value& e : list.at("items").as_array()) {
      // Event names end in the recording's hex nanoseconds: they order events within a second.
      std::string key = std::string(e.at("firstTimestamp").as_string()) +
                        std::string(e.at("metadata").at("name").as_string());
      sorted.emplace_back(
          key, std::string(e.at("reason").as_string()) + ": " + std::string(e.at("message").as_string()));
    }
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::string> out;
    for (auto& [key, line] : sorted)
      out.push_back(line);
    return out;
  }
  std::string jsonpath(const std::vector<std::string>& target, const std::string& path) {
    std::vector<std::string> args = {"get"};
    args.insert(args.end(), target.begin(), target.end());
    args.insert(args.end(), {"-o", "jsonpath=" + path});
    CommandResult r = kubectl(args);
    EXPECT_EQ(r.exit, 0) << r.err;
    return r.out;
  }

  KubesimHarness server_;
};

TEST_F(WorkloadsTest, StatefulSetPodsComeUpOneAtATimeInOrdinalOrder) {
  // With the clock frozen nothing starts until it moves, so rollout status sees every step.
  clock(R"({"freeze":true})");
  apply(statefulSet(3));
  StreamingProcess watch(server_.kubectlSpec({"rollout", "status", "sts/web", "-n", "workloads"}));
  std::vector<std::string> seen;
  while (seen.empty() || seen.back() != "Waiting for 3 pods to be ready...") {
    std::optional<std::string> line = watch.readLine(15s);
    ASSERT_TRUE(line) << watch.stderrSoFar();
    seen.push_back(*line);
  }
  // A second at a time: a pod exists only once the one before it is Ready.
  auto ready = [](const json::value& pod) {
    if (!pod.at("status").as_object().contains("conditions")) return false;
    for (const json::value& c : pod.at("status").at("conditions").as_array())
      if (c.at("type") == "Ready") return c.at("status") == "True";
    return false;
  };
  for (int second = 1; second <= 30; ++second) {
    clock(R"({"advance":"1s"})");
    json::value list = parseJsonOrFail(kubectl({"get", "pods", "-o", "json"}).out);
    const json::array& items = list.at("items").as_array();
    for (std::size_t i = 1; i < items.size(); ++i) {
      EXPECT_EQ(items[i].at("metadata").at("name").as_string(), "web-" + std::to_string(i));
      EXPECT_TRUE(ready(items[i - 1])) << "web-" << i << " exists before web-" << i - 1 << " is ready";
    }
    if (items.size() == 3 && ready(items[2])) break;
  }
  for (std::optional<std::string> line = watch.readLine(15s); line; line = watch.readLine(15s))
    seen.push_back(*line);
  EXPECT_EQ(watch.wait(5s), 0);
  std::vector<std::string> steps = collapsed(seen);
  if (steps.front() == "Waiting for statefulset spec update to be observed...") steps.erase(steps.begin());
  EXPECT_EQ(steps, (std::vector<std::string>{
                       "Waiting for 3 pods to be ready...", "Waiting for 2 pods to be ready...",
                       "Waiting for 1 pods to be ready...",
                       "partitioned roll out complete: 3 new pods have been updated..."}));

  // Stable names, identity labels and one claim per pod; each pod created after the previous became ready.
  CommandResult pods = kubectl(
      {"get", "pods", "--no-headers", "-o",
       "custom-columns=NAME:.metadata.name,INDEX:.metadata.labels.apps\\.kubernetes\\.io/pod-index,"
       "POD:.metadata.labels.statefulset\\.kubernetes\\.io/pod-name,HOST:.spec.hostname,SUB:.spec.subdomain,"
       "CLAIM:.spec.volumes[0].persistentVolumeClaim.claimName,STATUS:.status.phase"});
  ASSERT_EQ(pods.exit, 0) << pods.err;
  std::vector<std::string> rows;
  for (const std::string& row : lines(pods.out))
    rows.push_back(squeeze(row));
  EXPECT_EQ(rows, (std::vector<std::string>{"web-0 0 web-0 web-0 web data-web-0 Running",
                                            "web-1 1 web-1 web-1 web data-web-1 Running",
                                            "web-2 2 web-2 web-2 web data-web-2 Running"}));
  CommandResult claims = kubectl(
      {"get", "pvc", "--no-headers", "-o", "custom-columns=NAME:.metadata.name,STATUS:.status.phase"});
  EXPECT_EQ(squeeze(claims.out), "data-web-0 Bound\ndata-web-1 Bound\ndata-web-2 Bound\n");
  std::string revision = jsonpath({"sts", "web"}, "{.status.currentRevision}");
  EXPECT_EQ(jsonpath({"pods"}, "{.items[*].metadata.labels.controller-revision-hash}"),
            revision + " " + revision + " " + revision);
  EXPECT_EQ(events("StatefulSet", "web"),
            (std::vector<std::string>{
                "SuccessfulCreate: create Claim data-web-0 Pod web-0 in StatefulSet web success",
                "SuccessfulCreate: create Pod web-0 in StatefulSet web successful",
                "SuccessfulCreate: create Claim data-web-1 Pod web-1 in StatefulSet web success",
                "SuccessfulCreate: create Pod web-1 in StatefulSet web successful",
                "SuccessfulCreate: create Claim data-web-2 Pod web-2 in StatefulSet web success",
                "SuccessfulCreate: create Pod web-2 in StatefulSet web successful"}));
  CommandResult sts = kubectl({"get", "sts", "web", "--no-headers"});
  EXPECT_TRUE(squeeze(sts.out).starts_with("web 3/3 ")) << sts.out;
}

TEST_F(WorkloadsTest, ScalingRemovesTheHighestOrdinalsFirstAndKeepsTheClaims) {
  apply(statefulSet(3));
  rolloutStatus("sts/web");
  std::string claimUid = jsonpath({"pvc", "data-web-2"}, "{.metadata.uid}");
  CommandResult r = kubectl({"scale", "sts", "web", "--replicas=1"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "statefulset.apps/web scaled\n");
  waitFor({"get", "pods", "-o", "name"}, [](const std::string& out) { return out == "pod/web-0\n"; });
  std::vector<std::string> all = events("StatefulSet", "web");
  std::vector<std::string> deletes;
  std::copy_if(all.begin(), all.end(), std::back_inserter(deletes),
               [](const std::string& e) { return e.starts_with("SuccessfulDelete"); });
  EXPECT_EQ(deletes,
            (std::vector<std::string>{"SuccessfulDelete: delete Pod web-2 in StatefulSet web successful",
                                      "SuccessfulDelete: delete Pod web-1 in StatefulSet web successful"}));
  EXPECT_EQ(rolloutStatus("sts/web").back(),
            "partitioned roll out complete: 1 new pods have been updated...");
  EXPECT_EQ(jsonpath({"sts", "web"}, "{.status.replicas} {.status.readyReplicas}"), "1 1");

  // Scaled up again, web-2 comes back under its old name with its old claim.
  ASSERT_EQ(kubectl({"scale", "sts", "web", "--replicas=3"}).exit, 0);
  std::vector<std::string> steps = rolloutStatus("sts/web");
  EXPECT_EQ(steps.back(), "partitioned roll out complete: 3 new pods have been updated...");
  EXPECT_EQ(kubectl({"get", "pods", "-o", "name"}).out, "pod/web-0\npod/web-1\npod/web-2\n");
  EXPECT_EQ(jsonpath({"pvc", "data-web-2"}, "{.metadata.uid}"), claimUid);
}

TEST_F(WorkloadsTest, RollingUpdateHistoryAndUndo) {
  apply(statefulSet(3));
  rolloutStatus("sts/web");
  ASSERT_EQ(kubectl({"set", "image", "sts/web", "web=example.com/web:2.0"}).exit, 0);
  std::vector<std::string> steps = rolloutStatus("sts/web");
  // Every line is one kubectl prints for a StatefulSet with a partition, ending with the complete rollout.
  std::regex progress(
      R"(Waiting for statefulset spec update to be observed\.\.\.|Waiting for 1 pods to be ready\.\.\.|)"
      R"(Waiting for partitioned roll out to finish: [0-2] out of 3 new pods have been updated\.\.\.)");
  ASSERT_FALSE(steps.empty());
  for (std::size_t i = 0; i + 1 < steps.size(); ++i)
    EXPECT_TRUE(std::regex_match(steps[i], progress)) << steps[i];
  EXPECT_EQ(steps.back(), "partitioned roll out complete: 3 new pods have been updated...");
  EXPECT_EQ(jsonpath({"pods"}, "{.items[*].spec.containers[0].image}"),
            "example.com/web:2.0 example.com/web:2.0 example.com/web:2.0");
  // The newest pod ordinal went first.
  std::vector<std::string> all = events("StatefulSet", "web");
  std::vector<std::string> deletes;
  std::copy_if(all.begin(), all.end(), std::back_inserter(deletes),
               [](const std::string& e) { return e.starts_with("SuccessfulDelete"); });
  EXPECT_EQ(deletes,
            (std::vector<std::string>{"SuccessfulDelete: delete Pod web-2 in StatefulSet web successful",
                                      "SuccessfulDelete: delete Pod web-1 in StatefulSet web successful",
                                      "SuccessfulDelete: delete Pod web-0 in StatefulSet web successful"}));

  CommandResult r = kubectl({"rollout", "history", "sts/web"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "statefulset.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n");
  r = kubectl({"rollout", "history", "sts/web", "--revision=2"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("statefulset.apps/web with revision #2\nPod Template:\n  Labels:\tapp=web\n"))
      << r.out;
  EXPECT_NE(r.out.find("    Image:\texample.com/web:2.0\n"), std::string::npos) << r.out;

  r = kubectl({"rollout", "undo", "sts/web"});
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.out, "statefulset.apps/web rolled back\n");
  EXPECT_EQ(rolloutStatus("sts/web").back(),
            "partitioned roll out complete: 3 new pods have been updated...");
  EXPECT_EQ(jsonpath({"pods"}, "{.items[*].spec.containers[0].image}"),
            "example.com/web:1.0 example.com/web:1.0 example.com/web:1.0");
  // The first revision came back as revision 3.
  r = kubectl({"rollout", "history", "sts/web"});
  EXPECT_EQ(r.out, "statefulset.apps/web \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n");
  r = kubectl({"get", "controllerrevisions", "--no-headers"});
  std::vector<std::string> revisions = lines(r.out);
  ASSERT_EQ(revisions.size(), 2u) << r.out;
  for (const std::string& row : revisions)
    EXPECT_NE(squeeze(row).find(" statefulset.apps/web "), std::string::npos) << row;
  // kubectl compares the live template with the revision byte for byte.
  r = kubectl({"rollout", "undo", "sts/web", "--to-revision=3"});
  EXPECT_EQ(r.out, "statefulset.apps/web skipped rollback (current template already matches revision 3)\n");
  r = kubectl({"rollout", "undo", "sts/web", "--to-revision=1"});
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(r.err, "error: unable to find specified revision 1 in history\n");
}

TEST_F(WorkloadsTest, APartitionKeepsTheLowerOrdinalsAtTheOldRevision) {
  apply(statefulSet(3, "  updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 2}}\n"));
  rolloutStatus("sts/web");
  ASSERT_EQ(kubectl({"set", "image", "sts/web", "web=example.com/web:2.0"}).exit, 0);
  EXPECT_EQ(rolloutStatus("sts/web").back(),
            "partitioned roll out complete: 1 new pods have been updated...");
  EXPECT_EQ(jsonpath({"pods"}, "{.items[*].spec.containers[0].image}"),
            "example.com/web:1.0 example.com/web:1.0 example.com/web:2.0");
  EXPECT_EQ(jsonpath({"sts", "web"}, "{.status.currentReplicas} {.status.updatedReplicas}"), "2 1");
  EXPECT_NE(jsonpath({"sts", "web"}, "{.status.currentRevision}"),
            jsonpath({"sts", "web"}, "{.status.updateRevision}"));
}

TEST_F(WorkloadsTest, DaemonSetRunsOnePodPerEligibleNodeAndRollsOut) {
  apply(kDaemonSet);
  std::vector<std::string> steps = rolloutStatus("ds/agent");
  EXPECT_EQ(steps.back(), "daemon set \"agent\" successfully rolled out");
  // node-3 is tainted dedicated=gpu:NoSchedule; the daemon does not tolerate it.
  CommandResult r = kubectl(
      {"get", "pods", "-l", "app=agent", "--no-headers", "-o",
       "custom-columns=NODE:.spec.nodeName,PIN:.spec.affinity.nodeAffinity."
       "requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].values[0]"});
  std::vector<std::string> nodes;
  for (const std::string& row : lines(r.out))
    nodes.push_back(squeeze(row));
  std::sort(nodes.begin(), nodes.end());
  EXPECT_EQ(nodes, (std::vector<std::string>{"node-1 node-1", "node-2 node-2"}));
  r = kubectl({"get", "ds", "agent", "--no-headers"});
  EXPECT_TRUE(squeeze(r.out).starts_with("agent 2 2 2 2 2 <none> ")) << r.out;

  // A toleration for the taint brings the daemon to node-3 too.
  ASSERT_EQ(
      kubectl(
          {"patch", "ds", "agent", "--type=merge", "-p",
           R"({"spec":{"template":{"spec":{"tolerations":[{"key":"dedicated","operator":"Exists","effect":"NoSchedule"}]}}}})"})
          .exit,
      0);
  steps = rolloutStatus("ds/agent");
  std::regex progress(
      R"(Waiting for daemon set spec update to be observed\.\.\.|)"
      R"(Waiting for daemon set "agent" rollout to finish: [0-2] out of 3 new pods have been updated\.\.\.|)"
      R"(Waiting for daemon set "agent" rollout to finish: [0-2] of 3 updated pods are available\.\.\.)");
  for (std::size_t i = 0; i + 1 < steps.size(); ++i)
    EXPECT_TRUE(std::regex_match(steps[i], progress)) << steps[i];
  EXPECT_EQ(steps.back(), "daemon set \"agent\" successfully rolled out");
  EXPECT_EQ(
      jsonpath({"ds", "agent"},
               "{.status.desiredNumberScheduled} {.status.currentNumberScheduled} {.status.numberReady} "
               "{.status.updatedNumberScheduled} {.status.numberAvailable} {.status.numberMisscheduled}"),
      "3 3 3 3 3 0");
  std::vector<std::string> all = events("DaemonSet", "agent");
  EXPECT_EQ(std::count_if(
                all.begin(), all.end(),
                [](const std::string& e) { return e.starts_with("SuccessfulCreate: Created pod: agent-"); }),
            5);
  EXPECT_EQ(std::count_if(
                all.begin(), all.end(),
                [](const std::string& e) { return e.starts_with("SuccessfulDelete: Deleted pod: agent-"); }),
            2);

  r = kubectl({"rollout", "history", "ds/agent"});
  EXPECT_EQ(r.out, "daemonset.apps/agent \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n");
  r = kubectl({"rollout", "undo", "ds/agent"});
  EXPECT_EQ(r.out, "daemonset.apps/agent rolled back\n");
  EXPECT_EQ(rolloutStatus("ds/agent").back(), "daemon set \"agent\" successfully rolled out");
  EXPECT_EQ(jsonpath({"ds", "agent"}, "{.status.desiredNumberScheduled}"), "2");
  waitFor({"get", "pods", "-l", "app=agent", "-o", "name"},
          [](const std::string& out) { return lines(out).size() == 2; });
  r = kubectl({"rollout", "undo", "ds/agent", "--to-revision=3"});
  EXPECT_EQ(r.out, "daemonset.apps/agent skipped rollback (current template already matches revision 3)\n");
}

}  // namespace
}  // namespace aiops::test

// kubesim's controllers through the real kubectl: rollouts (`rollout status|history|undo|pause|resume`),
// `scale`, `wait`, a crash loop's back-off and `logs --previous`, an OOMKill, `top pods|nodes` following the
// load model, an HPA scaling out and back in, application metrics through the service proxy, the Todo
// Chatbot scenario live with traffic, and timeline actions through /kubesim/v1/actions.
//
// Every scenario starts with its clock frozen; a test moves it with /kubesim/v1/clock, whose answer comes
// after the controllers lived through the time it skipped, so each step happens at an instant the test chose
// and the outputs are exact. Tests of one suite share a kubesim: each works on its own objects and counts
// its times from them, so the suite's tests pass alone and together, in any order.
#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "e2e_util.h"
#include "kubesim_harness.h"
#include "support/timestamps.h"

namespace aiops::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

// A live kubesim and the moves a test makes on it.
class LiveServer {
 public:
  explicit LiveServer(const std::string& scenario, std::vector<std::string> extraArgs = {})
      : harness_(KubesimHarness::Options{scenario, "", std::move(extraArgs), std::chrono::seconds(20)}) {}

  const KubesimHarness& harness() const { return harness_; }
  CommandResult kubectl(const std::vector<std::string>& args, const std::string& stdinData = "") const {
    return harness_.kubectl(args, stdinData);
  }
  // stdout of a kubectl run that must succeed.
  std::string ok(const std::vector<std::string>& args, const std::string& stdinData = "") const {
    CommandResult r = kubectl(args, stdinData);
    EXPECT_EQ(r.exit, 0) << "kubectl " << ::testing::PrintToString(args) << ": " << r.err;
    return r.out;
  }
  json::object postJson(const std::string& path, const std::string& body) const {
    CommandResult r = kubectl({"create", "--raw", path, "-f", "-"}, body);
    EXPECT_EQ(r.exit, 0) << path << " " << body << ": " << r.err;
    json::value v = parseJsonOrFail(r.out);
    return v.is_object() ? v.get_object() : json::object{};
  }
  // Moves the clock; returns once the controllers have lived through every instant up to the new now.
  void advance(const std::string& duration) const {
    postJson("/kubesim/v1/clock", R"({"advance":")" + duration + R"("})");
  }
  void advanceTo(WallTime time) const {
    postJson("/kubesim/v1/clock", R"({"advanceTo":")" + formatTimestamp(time) + R"("})");
  }
  // The controllers react to the writes so far at the current instant.
  void settle() const { advance("0s"); }
  WallTime now() const {
    CommandResult r = kubectl({"get", "--raw", "/kubesim/v1/clock"});
    json::value v = parseJsonOrFail(r.out);
    return parseTimestamp(v.at("now").as_string()).value_or(WallTime{});
  }
  // Applies a timeline action now (POST /kubesim/v1/actions).
  json::object action(const std::string& body) const { return postJson("/kubesim/v1/actions", body); }
  // A field of an object, by jsonpath.
  std::string jsonpath(const std::string& ns, const std::string& object, const std::string& path) const {
    std::vector<std::string> args = {"get", object, "-o", "jsonpath=" + path};
    if (!ns.empty()) args.insert(args.end(), {"-n", ns});
    return ok(args);
  }
  // The rows of a `kubectl get ... --no-headers` with padding squeezed to single spaces.
  std::vector<std::string> rows(std::vector<std::string> args) const {
    args.push_back("--no-headers");
    std::vector<std::string> out;
    for (const std::string& line : lines(ok(args)))
      out.push_back(squeeze(line));
    return out;
  }

 private:
  KubesimHarness harness_;
};

// The lines a streaming kubectl prints until `done` accepts one (or it ends, or 20 s pass).
std::vector<std::string> readUntil(StreamingProcess& process,
                                   const std::function<bool(const std::string&)>& done) {
  std::vector<std::string> seen;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::optional<std::string> line = process.readLine(250ms);
    if (!line) {
      if (process.eof()) break;
      continue;
    }
    seen.push_back(*line);
    if (done(*line)) break;
  }
  return seen;
}

// A row without its last column (an AGE that depends on when the suite's clock got here).
std::string withoutAge(const std::string& row) {
  return row.substr(0, row.rfind(' '));
}

// The words of a squeezed row.
std::vector<std::string> words(const std::string& row) {
  std::vector<std::string> out;
  for (std::size_t start = 0; start <= row.size();) {
    std::size_t space = row.find(' ', start);
    out.push_back(row.substr(start, space == std::string::npos ? std::string::npos : space - start));
    if (space == std::string::npos) break;
    start = space + 1;
  }
  return out;
}

// ---- Deployments: rollout, scale, wait ------------------------------------------------------------------

class ControllersRollout : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new LiveServer(e2eScenario("controllers-rollout.yaml")); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  // `kubectl rollout status` on a Deployment whose rollout the controllers have just started: its first
  // line comes from the state now; then the clock lives through `duration` and every further line is read.
  static std::vector<std::string> rolloutStatusOver(const std::string& deployment,
                                                    const std::string& duration) {
    StreamingProcess status(
        server_->harness().kubectlSpec({"rollout", "status", "deployment/" + deployment, "-n", "rollout"}));
    std::vector<std::string> out = readUntil(status, [](const std::string&) { return true; });
    server_->advance(duration);
    for (const std::string& line : readUntil(status, [](const std::string& l) {
           return l.find("successfully rolled out") != std::string::npos;
         }))
      out.push_back(line);
    EXPECT_EQ(status.wait(10s), 0) << status.stderrSoFar();
    return out;
  }
  static LiveServer* server_;
};
LiveServer* ControllersRollout::server_ = nullptr;

// The lines `kubectl rollout status` prints for a 3-replica rolling update with maxSurge 1 and
// maxUnavailable 0, one per change of the Deployment's status, as on a real cluster.
std::vector<std::string> threeReplicaRollout(const std::string& name) {
  const std::string waiting = "Waiting for deployment \"" + name + "\" rollout to finish: ";
  return {waiting + "1 out of 3 new replicas have been updated...",
          waiting + "1 out of 3 new replicas have been updated...",
          waiting + "1 out of 3 new replicas have been updated...",
          waiting + "2 out of 3 new replicas have been updated...",
          waiting + "2 out of 3 new replicas have been updated...",
          waiting + "2 out of 3 new replicas have been updated...",
          waiting + "1 old replicas are pending termination...",
          waiting + "1 old replicas are pending termination...",
          "deployment \"" + name + "\" successfully rolled out"};
}

TEST_F(ControllersRollout, RollingUpdateStatusHistoryAndUndo) {
  const LiveServer& s = *server_;
  s.advance("1m");  // the scenario's first rollout
  EXPECT_EQ(s.ok({"rollout", "status", "deployment/web", "-n", "rollout"}),
            "deployment \"web\" successfully rolled out\n");
  const std::string firstReplicaSet =
      s.jsonpath("rollout", "rs", "{.items[?(@.metadata.labels.app==\"web\")].metadata.name}");
  ASSERT_TRUE(firstReplicaSet.starts_with("web-")) << firstReplicaSet;

  // A new image, recorded as the change cause: the new ReplicaSet surges one pod at a time.
  CommandResult set = s.kubectl(
      {"set", "image", "deploy/web", "web=registry.example/web:1.1", "--namespace=rollout", "--record"});
  ASSERT_EQ(set.exit, 0) << set.err;
  EXPECT_EQ(set.out, "deployment.apps/web image updated\n");
  s.settle();
  EXPECT_EQ(rolloutStatusOver("web", "1m"), threeReplicaRollout("web"));
  EXPECT_EQ(s.rows({"get", "deploy", "web", "-n", "rollout"})[0].substr(0, 12), "web 3/3 3 3 ");
  std::vector<std::string> replicaSets = s.rows({"get", "rs", "-n", "rollout", "-l", "app=web"});
  ASSERT_EQ(replicaSets.size(), 2u);
  std::string secondReplicaSet;
  for (const std::string& row : replicaSets) {
    std::vector<std::string> w = words(row);
    ASSERT_EQ(w.size(), 5u) << row;
    if (w[0] == firstReplicaSet) {
      EXPECT_EQ(w[1] + " " + w[2] + " " + w[3], "0 0 0") << row;
    } else {
      secondReplicaSet = w[0];
      EXPECT_EQ(w[1] + " " + w[2] + " " + w[3], "3 3 3") << row;
    }
  }
  EXPECT_EQ(s.ok({"rollout", "history", "deployment/web", "-n", "rollout"}),
            "deployment.apps/web \n"
            "REVISION  CHANGE-CAUSE\n"
            "1         <none>\n"
            "2         kubectl set image deploy/web web=registry.example/web:1.1 --namespace=rollout "
            "--record=true\n"
            "\n");
  std::string revision2 = s.ok({"rollout", "history", "deployment/web", "-n", "rollout", "--revision=2"});
  EXPECT_TRUE(
      revision2.starts_with("deployment.apps/web with revision #2\nPod Template:\n  Labels:\tapp=web\n\t"
                            "pod-template-hash=" +
                            secondReplicaSet.substr(4) + "\n"))
      << revision2;
  EXPECT_NE(revision2.find("    Image:\tregistry.example/web:1.1\n"), std::string::npos) << revision2;

  // Undo: the first template comes back as revision 3 (its ReplicaSet keeps its name and remembers
  // revision 1), and rolls out the same way.
  CommandResult undo = s.kubectl({"rollout", "undo", "deployment/web", "-n", "rollout"});
  ASSERT_EQ(undo.exit, 0) << undo.err;
  EXPECT_EQ(undo.out, "deployment.apps/web rolled back\n");
  s.settle();
  EXPECT_EQ(rolloutStatusOver("web", "1m"), threeReplicaRollout("web"));
  EXPECT_EQ(s.ok({"rollout", "history", "deployment/web", "-n", "rollout"}),
            "deployment.apps/web \n"
            "REVISION  CHANGE-CAUSE\n"
            "2         kubectl set image deploy/web web=registry.example/web:1.1 --namespace=rollout "
            "--record=true\n"
            "3         <none>\n"
            "\n");
  EXPECT_EQ(s.jsonpath("rollout", "rs/" + firstReplicaSet,
                       "{.metadata.annotations.deployment\\.kubernetes\\.io/revision} "
                       "{.metadata.annotations.deployment\\.kubernetes\\.io/revision-history} "
                       "{.spec.replicas} {.spec.template.spec.containers[0].image}"),
            "3 1 3 registry.example/web:1.0");
  EXPECT_EQ(s.jsonpath("rollout", "deploy/web",
                       "{.metadata.annotations.deployment\\.kubernetes\\.io/revision} "
                       "{.spec.template.spec.containers[0].image}"),
            "3 registry.example/web:1.0");
  // Undoing to the revision already in place changes nothing; an unknown revision is an error.
  EXPECT_EQ(s.ok({"rollout", "undo", "deployment/web", "-n", "rollout", "--to-revision=3"}),
            "deployment.apps/web skipped rollback (current template already matches revision 3)\n");
  CommandResult missing =
      s.kubectl({"rollout", "undo", "deployment/web", "-n", "rollout", "--to-revision=9"});
  EXPECT_EQ(missing.exit, 1);
  EXPECT_EQ(missing.err, "error: unable to find specified revision 9 in history\n");
}

TEST_F(ControllersRollout, PausedDeploymentDoesNotProgressUntilResumed) {
  const LiveServer& s = *server_;
  s.advance("1m");
  EXPECT_EQ(s.ok({"rollout", "pause", "deployment/cart", "-n", "rollout"}), "deployment.apps/cart paused\n");
  EXPECT_EQ(s.ok({"set", "image", "deployment/cart", "cart=registry.example/web:1.1", "-n", "rollout"}),
            "deployment.apps/cart image updated\n");
  s.advance("1m");
  // Nothing rolls: no new ReplicaSet, no pod updated, and Progressing says why.
  EXPECT_EQ(s.rows({"get", "rs", "-n", "rollout", "-l", "app=cart"}).size(), 1u);
  EXPECT_EQ(withoutAge(s.rows({"get", "deploy", "cart", "-n", "rollout"})[0]), "cart 3/3 0 3");
  EXPECT_EQ(s.jsonpath("rollout", "deploy/cart",
                       "{range .status.conditions[*]}{.type}={.status} {.reason}: {.message}\n{end}"),
            "Available=True MinimumReplicasAvailable: Deployment has minimum availability.\n"
            "Progressing=Unknown DeploymentPaused: Deployment is paused\n");
  const std::string waiting =
      "Waiting for deployment \"cart\" rollout to finish: 0 out of 3 new replicas have "
      "been updated...\n";
  EXPECT_EQ(s.ok({"rollout", "status", "deployment/cart", "-n", "rollout", "--watch=false"}), waiting);
  CommandResult timedOut =
      s.kubectl({"rollout", "status", "deployment/cart", "-n", "rollout", "--timeout=1s"});
  EXPECT_EQ(timedOut.exit, 1);
  EXPECT_EQ(timedOut.out, waiting);
  EXPECT_EQ(timedOut.err, "error: timed out waiting for the condition\n");
  CommandResult again = s.kubectl({"rollout", "pause", "deployment/cart", "-n", "rollout"});
  EXPECT_EQ(again.exit, 1);
  EXPECT_EQ(again.err, "error: deployments.apps \"cart\" is already paused\n");

  // Resumed, the update rolls out as any other.
  EXPECT_EQ(s.ok({"rollout", "resume", "deployment/cart", "-n", "rollout"}),
            "deployment.apps/cart resumed\n");
  s.settle();
  EXPECT_EQ(rolloutStatusOver("cart", "1m"), threeReplicaRollout("cart"));
  EXPECT_EQ(s.jsonpath("rollout", "deploy/cart", "{.status.conditions[?(@.type==\"Progressing\")].reason}"),
            "NewReplicaSetAvailable");
}

TEST_F(ControllersRollout, ScaleResizesTheReplicaSet) {
  const LiveServer& s = *server_;
  s.advance("1m");
  EXPECT_EQ(s.ok({"scale", "deployment/search", "-n", "rollout", "--replicas=4"}),
            "deployment.apps/search scaled\n");
  s.settle();
  // The ReplicaSet wants 4 at once; the two new pods are not ready yet.
  std::vector<std::string> rs = words(s.rows({"get", "rs", "-n", "rollout", "-l", "app=search"})[0]);
  ASSERT_EQ(rs.size(), 5u);
  EXPECT_EQ(rs[1] + " " + rs[2] + " " + rs[3], "4 4 2");
  EXPECT_EQ(withoutAge(s.rows({"get", "deploy", "search", "-n", "rollout"})[0]), "search 2/4 4 2");
  s.advance("30s");
  EXPECT_EQ(withoutAge(s.rows({"get", "deploy", "search", "-n", "rollout"})[0]), "search 4/4 4 4");
  rs = words(s.rows({"get", "rs", "-n", "rollout", "-l", "app=search"})[0]);
  EXPECT_EQ(rs[1] + " " + rs[2] + " " + rs[3], "4 4 4");

  // Down to one: three pods terminate, then go.
  EXPECT_EQ(s.ok({"scale", "deployment/search", "-n", "rollout", "--replicas=1"}),
            "deployment.apps/search scaled\n");
  s.settle();
  rs = words(s.rows({"get", "rs", "-n", "rollout", "-l", "app=search"})[0]);
  EXPECT_EQ(rs[1] + " " + rs[2] + " " + rs[3], "1 1 1");
  int terminating = 0;
  for (const std::string& row : s.rows({"get", "pods", "-n", "rollout", "-l", "app=search"}))
    terminating += words(row)[2] == "Terminating";
  EXPECT_EQ(terminating, 3);
  s.advance("10s");
  EXPECT_EQ(s.rows({"get", "pods", "-n", "rollout", "-l", "app=search"}).size(), 1u);
  EXPECT_EQ(withoutAge(s.rows({"get", "deploy", "search", "-n", "rollout"})[0]), "search 1/1 1 1");
  // The scale subresource's precondition, as kubectl checks it.
  CommandResult wrong =
      s.kubectl({"scale", "deployment/search", "-n", "rollout", "--current-replicas=3", "--replicas=2"});
  EXPECT_EQ(wrong.exit, 1);
  EXPECT_EQ(wrong.err, "error: Expected replicas to be 3, was 1\n");
}

TEST_F(ControllersRollout, WaitForAvailableDeploymentAndReadyPods) {
  const LiveServer& s = *server_;
  ASSERT_EQ(s.ok({"apply", "-f", "-"}, R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: queue, namespace: rollout}
spec:
  replicas: 2
  selector: {matchLabels: {app: queue}}
  template:
    metadata: {labels: {app: queue}}
    spec:
      containers:
      - name: queue
        image: registry.example/web:1.0
        readinessProbe:
          httpGet: {path: /ready, port: 8080}
          periodSeconds: 2
)"),
            "deployment.apps/queue created\n");
  s.settle();  // the pods exist (Pending), so `wait -l` has something to wait for
  EXPECT_EQ(s.jsonpath("rollout", "deploy/queue", "{.status.conditions[?(@.type==\"Available\")].reason}"),
            "MinimumReplicasUnavailable");
  StreamingProcess available(s.harness().kubectlSpec(
      {"wait", "--for=condition=Available", "deployment/queue", "-n", "rollout", "--timeout=30s"}));
  StreamingProcess ready(s.harness().kubectlSpec(
      {"wait", "--for=condition=Ready", "pod", "-l", "app=queue", "-n", "rollout", "--timeout=30s"}));
  std::this_thread::sleep_for(500ms);  // both have looked and are waiting
  EXPECT_TRUE(available.running());
  EXPECT_TRUE(ready.running());
  s.advance("30s");
  EXPECT_EQ(readUntil(available, [](const std::string&) { return true; }),
            std::vector<std::string>{"deployment.apps/queue condition met"});
  EXPECT_EQ(available.wait(10s), 0);
  std::vector<std::string> pods = readUntil(ready, [](const std::string&) { return false; });
  EXPECT_EQ(ready.wait(10s), 0);
  ASSERT_EQ(pods.size(), 2u) << ::testing::PrintToString(pods);
  for (const std::string& line : pods) {
    EXPECT_TRUE(line.starts_with("pod/queue-")) << line;
    EXPECT_TRUE(line.ends_with(" condition met")) << line;
  }
  // Met already: kubectl answers at once.
  EXPECT_EQ(s.ok({"wait", "--for=condition=Available", "deployment/queue", "-n", "rollout", "--timeout=5s"}),
            "deployment.apps/queue condition met\n");
}

// ---- containers that fail: crash loop, OOMKill -----------------------------------------------------------

class ControllersCrash : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new LiveServer(e2eScenario("controllers-crash.yaml")); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  // Creates a one-container pod and returns its creation time.
  static WallTime createPod(const std::string& name, const std::string& image,
                            const std::string& extra = "") {
    std::string manifest = "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
                           ", namespace: crash}\nspec:\n" + extra + "  containers:\n  - name: " + name +
                           "\n    image: " + image + "\n    resources:\n      limits: {memory: 256Mi}\n";
    EXPECT_EQ(server_->ok({"apply", "-f", "-"}, manifest), "pod/" + name + " created\n");
    return parseTimestamp(server_->jsonpath("crash", "pod/" + name, "{.metadata.creationTimestamp}"))
        .value_or(WallTime{});
  }
  static LiveServer* server_;
};
LiveServer* ControllersCrash::server_ = nullptr;

TEST_F(ControllersCrash, CrashLoopBacksOffAsTheKubeletDoesAndKeepsThePreviousLog) {
  const LiveServer& s = *server_;
  // The worker starts 3 s after creation (sandbox 1 s, image pull 2 s) and exits with code 2 five seconds
  // later. The kubelet restarts it at once the first time, then after 10 s, 20 s, 40 s, ... at most 5 min.
  const WallTime t0 = createPod("worker", "registry.example/worker:2.0");
  auto at = [&](int seconds) { return t0 + std::chrono::seconds(seconds); };
  auto stamp = [&](int seconds) { return formatTimestamp(at(seconds)); };
  const std::string uid = s.jsonpath("crash", "pod/worker", "{.metadata.uid}");

  s.advanceTo(at(10));
  EXPECT_EQ(s.rows({"get", "pod", "worker", "-n", "crash"})[0], "worker 1/1 Running 1 (2s ago) 10s");
  EXPECT_EQ(s.ok({"logs", "worker", "-n", "crash", "--previous"}),
            stamp(3) + " INFO worker starting\n" + stamp(8) + " ERROR lost connection to queue\n" + stamp(8) +
                " INFO exiting with status 2\n");
  EXPECT_EQ(s.ok({"logs", "worker", "-n", "crash"}), stamp(8) + " INFO worker starting\n");
  EXPECT_EQ(s.jsonpath("crash", "pod/worker",
                       "{.status.containerStatuses[0].lastState.terminated.reason} "
                       "{.status.containerStatuses[0].lastState.terminated.exitCode}"),
            "Error 2");

  // Each later restart: waiting in CrashLoopBackOff until the back-off from the last exit has passed.
  struct Restart {
    int count;         // restartCount once it happened
    int exitedAt;      // the exit before it, seconds after creation
    int backOff;       // seconds
    std::string text;  // as the waiting message words it
  };
  const std::vector<Restart> restarts = {{2, 13, 10, "10s"},   {3, 28, 20, "20s"},     {4, 53, 40, "40s"},
                                         {5, 98, 80, "1m20s"}, {6, 183, 160, "2m40s"}, {7, 348, 300, "5m0s"},
                                         {8, 653, 300, "5m0s"}};
  for (const Restart& r : restarts) {
    SCOPED_TRACE("restart " + std::to_string(r.count));
    const int restartAt = r.exitedAt + r.backOff;
    s.advanceTo(at(restartAt - 1));
    EXPECT_EQ(s.jsonpath("crash", "pod/worker",
                         "{.status.containerStatuses[0].restartCount} "
                         "{.status.containerStatuses[0].lastState.terminated.finishedAt} "
                         "{.status.containerStatuses[0].state.waiting.reason}: "
                         "{.status.containerStatuses[0].state.waiting.message}"),
              std::to_string(r.count - 1) + " " + stamp(r.exitedAt) + " CrashLoopBackOff: back-off " +
                  r.text + " restarting failed container=worker pod=worker_crash(" + uid + ")");
    s.advanceTo(at(restartAt + 1));
    EXPECT_EQ(s.jsonpath("crash", "pod/worker",
                         "{.status.containerStatuses[0].restartCount} "
                         "{.status.containerStatuses[0].state.running.startedAt}"),
              std::to_string(r.count) + " " + stamp(restartAt));
  }
  // What `kubectl get` and the previous log say now: the eighth restart ran from 953 s and exited at 958 s.
  s.advanceTo(at(1000));
  EXPECT_EQ(s.rows({"get", "pod", "worker", "-n", "crash"})[0],
            "worker 0/1 CrashLoopBackOff 8 (42s ago) 16m");
  EXPECT_EQ(s.ok({"logs", "worker", "-n", "crash", "--previous"}),
            stamp(953) + " INFO worker starting\n" + stamp(958) + " ERROR lost connection to queue\n" +
                stamp(958) + " INFO exiting with status 2\n");
  std::vector<std::string> backOff = lines(
      s.ok({"get", "events", "-n", "crash", "--field-selector", "involvedObject.name=worker,reason=BackOff",
            "-o", "custom-columns=TYPE:.type,MESSAGE:.message", "--no-headers"}));
  ASSERT_EQ(backOff.size(), 1u);
  EXPECT_EQ(squeeze(backOff[0]),
            "Warning Back-off restarting failed container worker in pod worker_crash(" + uid + ")");
}

TEST_F(ControllersCrash, MemoryPastTheLimitIsOOMKilled) {
  const LiveServer& s = *server_;
  // 100 MiB at start plus 100 MiB a minute passes the 256Mi limit 93.6 s after the start (3 s after
  // creation): the kernel kills the container with SIGKILL, exit code 137, reason OOMKilled.
  const WallTime t0 = createPod("hog", "registry.example/hog:1.0");
  createPod("hog-once", "registry.example/hog:1.0", "  restartPolicy: Never\n");
  auto at = [&](int seconds) { return t0 + std::chrono::seconds(seconds); };

  s.advanceTo(at(90));
  EXPECT_EQ(s.rows({"get", "pod", "hog", "-n", "crash"})[0], "hog 1/1 Running 0 90s");

  s.advanceTo(at(100));
  // Restarted at once (its first restart); the last state says why.
  EXPECT_EQ(s.rows({"get", "pod", "hog", "-n", "crash"})[0], "hog 1/1 Running 1 (4s ago) 100s");
  EXPECT_EQ(s.jsonpath("crash", "pod/hog",
                       "{.status.containerStatuses[0].lastState.terminated.reason} "
                       "{.status.containerStatuses[0].lastState.terminated.exitCode} "
                       "{.status.containerStatuses[0].lastState.terminated.finishedAt}"),
            "OOMKilled 137 " + formatTimestamp(at(96)));
  // Without restarts the pod stays failed, and `kubectl get` shows the reason.
  EXPECT_EQ(s.rows({"get", "pod", "hog-once", "-n", "crash"})[0], "hog-once 0/1 OOMKilled 0 100s");
  EXPECT_EQ(s.jsonpath("crash", "pod/hog-once",
                       "{.status.phase} {.status.containerStatuses[0].state.terminated.reason} "
                       "{.status.containerStatuses[0].state.terminated.exitCode}"),
            "Failed OOMKilled 137");
}

// ---- load: top, the HPA, application metrics ------------------------------------------------------------

class ControllersLoad : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new LiveServer(e2eScenario("controllers-load.yaml"));
    server_->advance("1m");  // every pod runs and has been scraped
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static std::string setLoad(const std::string& service, int rps) {
    json::object answer = server_->action(R"({"action":"setLoad","namespace":"load","service":")" + service +
                                          R"(","rps":)" + std::to_string(rps) + "}");
    return json::serialize(answer.at("rps"));
  }
  // `kubectl top pods -l app=LABEL` rows without the pods' names.
  static std::vector<std::string> topPods(const std::string& app) {
    std::vector<std::string> out;
    for (const std::string& row : server_->rows({"top", "pods", "-n", "load", "-l", "app=" + app}))
      out.push_back(row.substr(row.find(' ') + 1));
    return out;
  }
  static LiveServer* server_;
};
LiveServer* ControllersLoad::server_ = nullptr;

TEST_F(ControllersLoad, TopFollowsTheLoadModel) {
  const LiveServer& s = *server_;
  // 20 rps over two pods: 10m + 2m x 10 and 100 MiB + 0.5 MiB x 10 each.
  EXPECT_EQ(topPods("web"), (std::vector<std::string>{"30m 105Mi", "30m 105Mi"}));
  // The node: four such pods (web and api) and its own 80m and 650 MiB.
  EXPECT_EQ(s.rows({"top", "nodes"}), std::vector<std::string>{"node-1 200m 2% 1070Mi 6%"});

  // Three times the load: the next scrape (every 15 s) shows 10m + 2m x 30 and 100 + 15 MiB.
  setLoad("web", 60);
  s.advance("15s");
  EXPECT_EQ(topPods("web"), (std::vector<std::string>{"70m 115Mi", "70m 115Mi"}));
  EXPECT_EQ(s.rows({"top", "nodes"}), std::vector<std::string>{"node-1 280m 3% 1090Mi 6%"});
  setLoad("web", 20);
  s.advance("15s");
  EXPECT_EQ(topPods("web"), (std::vector<std::string>{"30m 105Mi", "30m 105Mi"}));
}

TEST_F(ControllersLoad, HpaScalesOutUnderLoadAndBackInAfterTheStabilizationWindow) {
  const LiveServer& s = *server_;
  auto hpa = [&] { return withoutAge(s.rows({"get", "hpa", "api", "-n", "load"})[0]); };
  auto deployment = [&] { return withoutAge(s.rows({"get", "deploy", "api", "-n", "load"})[0]); };
  // 10 rps a pod: 30m of the 100m request, under the 50% target.
  EXPECT_EQ(hpa(), "api Deployment/api cpu: 30%/50% 2 6 2");

  // 200 rps: 210m a pod. The HPA sees it at its sync after the next scrape and wants ceil(2 x 210/50) = 9,
  // held to maxReplicas.
  EXPECT_EQ(setLoad("api", 200), "200");
  s.advance("30s");
  EXPECT_EQ(hpa(), "api Deployment/api cpu: 210%/50% 2 6 2");
  EXPECT_EQ(s.jsonpath("load", "deploy/api", "{.spec.replicas}"), "6");
  s.advance("1m");
  EXPECT_EQ(deployment(), "api 6/6 6 6");
  // Six pods share the load: 10m + 2m x 33.3, 77% a pod, still above target but at the maximum.
  EXPECT_EQ(hpa(), "api Deployment/api cpu: 77%/50% 2 6 6");
  EXPECT_EQ(s.jsonpath("load", "hpa/api", "{.status.conditions[?(@.type==\"ScalingLimited\")].reason}"),
            "TooManyReplicas");

  // 10 rps: 14% a pod recommends 2, but the highest recommendation of the last 300 s (made 15 s after the
  // drop, on the scrape before it) holds the 6 until it is older than the window.
  EXPECT_EQ(setLoad("api", 10), "10");
  s.advance("5m");
  EXPECT_EQ(hpa(), "api Deployment/api cpu: 14%/50% 2 6 6");
  EXPECT_EQ(s.jsonpath("load", "hpa/api", "{.status.conditions[?(@.type==\"AbleToScale\")].reason}"),
            "ScaleDownStabilized");
  s.advance("15s");
  EXPECT_EQ(s.jsonpath("load", "deploy/api", "{.spec.replicas}"), "2");
  s.advance("30s");
  EXPECT_EQ(deployment(), "api 2/2 2 2");
  EXPECT_EQ(hpa(), "api Deployment/api cpu: 20%/50% 2 6 2");
  std::vector<std::string> rescales = lines(s.ok(
      {"get", "events", "-n", "load", "--field-selector", "involvedObject.name=api,reason=SuccessfulRescale",
       "-o", "custom-columns=MESSAGE:.message", "--no-headers", "--sort-by=.lastTimestamp"}));
  EXPECT_EQ(rescales,
            (std::vector<std::string>{
                "New size: 6; reason: cpu resource utilization (percentage of request) above target",
                "New size: 2; reason: All metrics below target"}));
  setLoad("api", 20);  // as the suite's other tests expect it
  s.advance("30s");
}

TEST_F(ControllersLoad, ServiceProxyServesApplicationMetrics) {
  const LiveServer& s = *server_;
  const std::string path = "/api/v1/namespaces/load/services/web:80/proxy/metrics";
  std::string before = s.ok({"get", "--raw", path});
  std::vector<std::string> text = lines(before);
  // The Prometheus text format: a counter by status code and method, then the latency histogram.
  ASSERT_EQ(text.size(), 21u) << before;
  EXPECT_EQ(text[0], "# HELP http_requests_total Total number of HTTP requests by status code and method.");
  EXPECT_EQ(text[1], "# TYPE http_requests_total counter");
  EXPECT_TRUE(text[2].starts_with("http_requests_total{code=\"200\",method=\"GET\"} ")) << text[2];
  EXPECT_TRUE(text[3].starts_with("http_requests_total{code=\"404\",method=\"GET\"} ")) << text[3];
  EXPECT_TRUE(text[4].starts_with("http_requests_total{code=\"500\",method=\"GET\"} ")) << text[4];
  EXPECT_EQ(text[5], "# HELP http_request_duration_seconds Latency of HTTP requests in seconds.");
  EXPECT_EQ(text[6], "# TYPE http_request_duration_seconds histogram");
  const std::vector<std::string> bounds = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                                           "0.5",   "1",    "2.5",   "5",    "10",  "+Inf"};
  for (std::size_t i = 0; i < bounds.size(); ++i)
    EXPECT_TRUE(text[7 + i].starts_with("http_request_duration_seconds_bucket{le=\"" + bounds[i] + "\"} "))
        << text[7 + i];
  EXPECT_TRUE(text[19].starts_with("http_request_duration_seconds_sum ")) << text[19];
  EXPECT_TRUE(text[20].starts_with("http_request_duration_seconds_count ")) << text[20];
  auto value = [](const std::string& line) { return std::stoll(line.substr(line.rfind(' ') + 1)); };
  // Every request is counted once by code and once in the histogram.
  EXPECT_EQ(value(text[2]) + value(text[3]) + value(text[4]), value(text[20]));
  EXPECT_EQ(value(text[18]), value(text[20]));

  // A minute later the pod behind the proxy (one of two sharing 20 rps) has served exactly 600 more: 95%
  // answered 200, 4% 404, 1% 500.
  s.advance("1m");
  std::vector<std::string> after = lines(s.ok({"get", "--raw", path}));
  ASSERT_EQ(after.size(), 21u);
  EXPECT_EQ(value(after[2]) - value(text[2]), 570);
  EXPECT_EQ(value(after[3]) - value(text[3]), 24);
  EXPECT_EQ(value(after[4]) - value(text[4]), 6);
  EXPECT_EQ(value(after[20]) - value(text[20]), 600);

  // The service proxy forwards to one ready pod (here the first endpoint): the same text as that pod's own
  // proxy path.
  const std::string first = s.jsonpath("load", "endpoints/web", "{.subsets[0].addresses[0].targetRef.name}");
  ASSERT_TRUE(first.starts_with("web-")) << first;
  EXPECT_EQ(s.ok({"get", "--raw", "/api/v1/namespaces/load/pods/" + first + ":8080/proxy/metrics"}),
            s.ok({"get", "--raw", path}));
  // Other paths are the application's 404; a Service without endpoints is the API server's 503.
  CommandResult other = s.kubectl({"get", "--raw", "/api/v1/namespaces/load/services/web:80/proxy/healthz"});
  EXPECT_EQ(other.exit, 1);
  EXPECT_EQ(other.err, "Error from server (NotFound): the server could not find the requested resource\n");
}

// ---- the Todo Chatbot scenario, live ---------------------------------------------------------------------

const char* const kTodoScenario = "../../kubesim/scenarios/todo-chatbot.yaml";

TEST(TodoChatbotLive, HealthyWithSteadyTrafficAndMetrics) {
  // The scenario runs on the real clock: frozen where it starts, then ten minutes of traffic.
  LiveServer s(e2eScenario(kTodoScenario), {"--frozen"});
  const WallTime now = s.now() + 10min;
  auto age = [&](const char* created) {
    return humanDuration(std::chrono::duration_cast<std::chrono::seconds>(now - *parseTimestamp(created)));
  };
  s.advance("10m");
  EXPECT_EQ(s.rows({"get", "pods", "-n", "todo"}),
            (std::vector<std::string>{
                "todo-backend-7d9f8c6b5d-x2k4p 1/1 Running 0 " + age("2026-11-20T09:00:01Z"),
                "todo-frontend-5c7b9d4f8-q7w2z 1/1 Running 0 " + age("2026-11-20T09:00:01Z")}));
  EXPECT_EQ(s.rows({"get", "deploy", "-n", "todo"}),
            (std::vector<std::string>{"todo-backend 1/1 1 1 " + age("2026-11-20T09:00:00Z"),
                                      "todo-frontend 1/1 1 1 " + age("2026-11-20T09:00:00Z")}));
  // 20 rps on the backend (20m + 4m x 20, 180 MiB + 0.5 MiB x 20), 5 on the frontend (5m + 1m x 5).
  EXPECT_EQ(s.rows({"top", "pods", "-n", "todo"}),
            (std::vector<std::string>{"todo-backend-7d9f8c6b5d-x2k4p 100m 190Mi",
                                      "todo-frontend-5c7b9d4f8-q7w2z 10m 40Mi"}));
  EXPECT_EQ(s.rows({"get", "events", "-n", "todo", "--field-selector", "type=Warning"}),
            std::vector<std::string>{});
  // Ten minutes at 20 rps: 12,000 requests, 0.2% answered 500 and 0.1% 429.
  std::vector<std::string> metrics =
      lines(s.ok({"get", "--raw", "/api/v1/namespaces/todo/services/todo-backend:http/proxy/metrics"}));
  ASSERT_GE(metrics.size(), 5u);
  EXPECT_EQ(std::vector<std::string>(metrics.begin() + 2, metrics.begin() + 5),
            (std::vector<std::string>{"http_requests_total{code=\"200\",method=\"GET\"} 11964",
                                      "http_requests_total{code=\"429\",method=\"GET\"} 12",
                                      "http_requests_total{code=\"500\",method=\"GET\"} 24"}));
  EXPECT_EQ(metrics.back(), "http_request_duration_seconds_count 12000");
}

// ---- timeline actions on demand --------------------------------------------------------------------------

TEST(ActionsEndpoint, AppliesTimelineActionsThroughKubectl) {
  LiveServer s(e2eScenario(kTodoScenario), {"--frozen"});
  s.advance("1m");
  const std::string now(parseJsonOrFail(s.ok({"get", "--raw", "/kubesim/v1/clock"})).at("now").as_string());
  // Killing the frontend pod: it terminates and its ReplicaSet replaces it, before the answer.
  json::object answer =
      s.action(R"({"action":"killPod","namespace":"todo","name":"todo-frontend-5c7b9d4f8-q7w2z"})");
  EXPECT_EQ(json::serialize(answer),
            R"({"action":"killPod","namespace":"todo","name":"todo-frontend-5c7b9d4f8-q7w2z","appliedAt":")" +
                now + R"("})");
  std::vector<std::string> frontends =
      s.rows({"get", "pods", "-n", "todo", "-l", "app.kubernetes.io/name=frontend"});
  ASSERT_EQ(frontends.size(), 2u);
  std::string replacement;
  for (const std::string& row : frontends) {
    std::vector<std::string> w = words(row);
    if (w[0] == "todo-frontend-5c7b9d4f8-q7w2z") {
      EXPECT_EQ(w[2], "Terminating") << row;
    } else {
      replacement = w[0];
      EXPECT_EQ(w[1] + " " + w[2], "0/1 ContainerCreating") << row;
    }
  }
  s.advance("30s");
  EXPECT_EQ(s.rows({"get", "pods", "-n", "todo", "-l", "app.kubernetes.io/name=frontend"}),
            std::vector<std::string>{replacement + " 1/1 Running 0 30s"});

  // A bad image on the backend: the rollout's new pod cannot pull it.
  s.action(
      R"({"action":"badImage","namespace":"todo","deployment":"todo-backend","image":"ghcr.io/todo-chatbot/backend:9.9.9"})");
  s.advance("20s");
  int pulling = 0;
  for (const std::string& row : s.rows({"get", "pods", "-n", "todo", "-l", "app.kubernetes.io/name=backend"}))
    pulling += words(row)[2] == "ImagePullBackOff" || words(row)[2] == "ErrImagePull";
  EXPECT_EQ(pulling, 1);
  // Ten minutes without progress pass the Deployment's progressDeadlineSeconds (600).
  s.advance("10m");
  const std::string newReplicaSet = s.jsonpath(
      "todo", "rs",
      R"({.items[?(@.spec.template.spec.containers[0].image=="ghcr.io/todo-chatbot/backend:9.9.9")].metadata.name})");
  EXPECT_EQ(s.jsonpath("todo", "deploy/todo-backend",
                       R"({.status.conditions[?(@.type=="Progressing")].reason}: )"
                       R"({.status.conditions[?(@.type=="Progressing")].message})"),
            "ProgressDeadlineExceeded: ReplicaSet \"" + newReplicaSet + "\" has timed out progressing.");
  CommandResult status = s.kubectl({"rollout", "status", "deployment/todo-backend", "-n", "todo"});
  EXPECT_EQ(status.exit, 1);
  EXPECT_EQ(status.out, "");
  EXPECT_EQ(status.err, "error: deployment \"todo-backend\" exceeded its progress deadline\n");

  // Memory pressure on the node, as its kubelet reports it.
  s.action(R"({"action":"nodePressure","node":"minikube","condition":"MemoryPressure"})");
  EXPECT_EQ(s.jsonpath("", "node/minikube",
                       "{.status.conditions[?(@.type==\"MemoryPressure\")].status} "
                       "{.status.conditions[?(@.type==\"MemoryPressure\")].reason}"),
            "True KubeletHasInsufficientMemory");

  // What cannot apply is refused with the API's errors, and changes nothing.
  CommandResult missing = s.kubectl({"create", "--raw", "/kubesim/v1/actions", "-f", "-"},
                                    R"({"action":"killPod","namespace":"todo","name":"nope"})");
  EXPECT_EQ(missing.exit, 1);
  EXPECT_EQ(missing.err, "Error from server (NotFound): pods \"nope\" not found\n");
  CommandResult invalid = s.kubectl({"create", "--raw", "/kubesim/v1/actions", "-f", "-"},
                                    R"({"action":"setLoad","service":"todo-backend"})");
  EXPECT_EQ(invalid.exit, 1);
  EXPECT_EQ(invalid.err, "Error from server (BadRequest): invalid action: rps is required\n");
  CommandResult forbidden = s.kubectl({"create", "--raw", "/kubesim/v1/actions", "-f", "-", "--as", "viewer"},
                                      R"({"action":"killPod","namespace":"todo","name":"nope"})");
  EXPECT_EQ(forbidden.exit, 1);
  EXPECT_EQ(
      forbidden.err,
      "Error from server (Forbidden): forbidden: User \"viewer\" cannot post path \"/kubesim/v1/actions\"\n");
}

}  // namespace
}  // namespace aiops::test

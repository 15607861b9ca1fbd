// The evidence collector over FakeTransport: which requests each target and Need set makes, in how many
// rounds; which objects it keeps; log selection and truncation; API errors that become Unreadable entries;
// binary logs, missing fields, metrics, pagination, --since and the analysis clock.
#include "collect/collector.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>

#include "diagnose/diagnose.h"
#include "fake_transport.h"

namespace aiops::collect {
namespace {

namespace json = boost::json;
using diagnose::Need;
using kube::testing::FakeTransport;

const std::string kShop = "/api/v1/namespaces/shop";
const std::string kApps = "/apis/apps/v1/namespaces/shop";
const std::string kBatch = "/apis/batch/v1/namespaces/shop";

WallTime at(const char* text) {
  return *parseTimestamp(text);
}

// A pod in namespace shop, owned by ReplicaSet `rs` (when given), with the container status JSON given.
std::string pod(const std::string& name, const std::string& rs, const std::string& statuses,
                const std::string& extraSpec = "", const std::string& node = "node-a") {
  std::string owners = rs.empty()
                           ? ""
                           : R"(,"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":")" +
                                 rs + R"(","uid":"rs-uid","controller":true}])";
  std::string hash = rs.empty() ? "" : R"(,"pod-template-hash":")" + rs.substr(rs.rfind('-') + 1) + "\"";
  return R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":")" + name +
         R"(","namespace":"shop","uid":"uid-)" + name + R"(","creationTimestamp":"2024-05-01T10:00:00Z",)" +
         R"("labels":{"app":"web")" + hash + "}" + owners + R"(},"spec":{)" +
         (node.empty() ? "" : R"("nodeName":")" + node + "\",") + extraSpec +
         R"("containers":[{"name":"app","image":"shop/web:1.0"}]},"status":{"phase":")" +
         (node.empty() ? "Pending" : "Running") + R"(","containerStatuses":)" + statuses + "}}";
}

const std::string kRunning =
    R"([{"name":"app","ready":true,"restartCount":0,"state":{"running":{"startedAt":"2024-05-01T10:00:05Z"}}}])";
const std::string kRunningAgain =
    R"([{"name":"app","ready":true,"restartCount":1,"state":{"running":{"startedAt":"2024-05-01T11:51:00Z"}},)"
    R"("lastState":{"terminated":{"exitCode":2,"reason":"Error","finishedAt":"2024-05-01T11:50:50Z"}}}])";
const std::string kCrashLooping =
    R"([{"name":"app","ready":false,"restartCount":5,)"
    R"("state":{"waiting":{"reason":"CrashLoopBackOff","message":"back-off 5m0s restarting failed container"}},)"
    R"("lastState":{"terminated":{"exitCode":1,"reason":"Error","startedAt":"2024-05-01T11:50:00Z",)"
    R"("finishedAt":"2024-05-01T11:50:02Z"}}}])";

std::string replicaSet(const std::string& name, const std::string& deployment, int revision) {
  return R"({"kind":"ReplicaSet","apiVersion":"apps/v1","metadata":{"name":")" + name +
         R"(","namespace":"shop","uid":"uid-)" + name +
         R"(","annotations":{"deployment.kubernetes.io/revision":")" + std::to_string(revision) +
         R"("},"ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":")" + deployment +
         R"(","uid":"uid-)" + deployment +
         R"(","controller":true}]},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},)"
         R"("template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"app","image":"shop/web:1.0"}]}}}})";
}

const std::string kDeployment =
    R"({"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","namespace":"shop","uid":"uid-web"},)"
    R"("spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},)"
    R"("spec":{"containers":[{"name":"app","image":"shop/web:1.0"}]}}},"status":{"replicas":2,"readyReplicas":1}})";

std::string node(const std::string& name, const std::string& readyStatus = "True",
                 const std::string& heartbeat = "2024-05-01T11:58:00Z") {
  return R"({"kind":"Node","apiVersion":"v1","metadata":{"name":")" + name +
         R"("},"status":{"conditions":[{"type":"Ready","status":")" + readyStatus +
         R"(","lastHeartbeatTime":")" + heartbeat + R"(","lastTransitionTime":"2024-04-01T00:00:00Z"}]}})";
}

std::string event(const std::string& name, const std::string& kind, const std::string& object,
                  const std::string& reason, const std::string& last = "2024-05-01T11:55:00Z",
                  const std::string& ns = "shop") {
  return R"({"metadata":{"name":")" + name + R"(","namespace":")" + ns + R"(","uid":"ev-)" + name +
         R"("},"involvedObject":{"kind":")" + kind + R"(","namespace":")" + (kind == "Node" ? "" : ns) +
         R"(","name":")" + object + R"("},"type":"Warning","reason":")" + reason + R"(","message":")" +
         reason + R"( happened","count":3,"firstTimestamp":"2024-05-01T11:00:00Z",)" +
         R"("lastTimestamp":")" + last + R"("})";
}

std::string service(const std::string& name, const std::string& app) {
  return R"({"metadata":{"name":")" + name + R"(","namespace":"shop"},"spec":{"selector":{"app":")" + app +
         R"("},"clusterIP":"10.0.0.)" + std::to_string(name.size()) + R"(","ports":[{"port":80}]}})";
}

std::string endpoints(const std::string& name) {
  return R"({"metadata":{"name":")" + name +
         R"(","namespace":"shop"},"subsets":[{"addresses":[{"ip":"10.1.0.1"}]}]})";
}

std::string list(const std::string& kind, const std::vector<std::string>& items,
                 const std::string& next = "") {
  std::string joined;
  for (const std::string& item : items)
    joined += (joined.empty() ? "" : ",") + item;
  return R"({"kind":")" + kind + R"(List","apiVersion":"v1","metadata":{"resourceVersion":"7")" +
         (next.empty() ? "" : R"(,"continue":")" + next + "\"") + R"(},"items":[)" + joined + "]}";
}

std::string logPath(const std::string& pod, const std::string& container, bool previous,
                    const std::string& extra = "&tailLines=200&limitBytes=262144") {
  return kShop + "/pods/" + pod + "/log?container=" + container + (previous ? "&previous=true" : "") + extra;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<std::string> podNames(const diagnose::Evidence& e) {
  std::vector<std::string> names;
  for (const auto& p : e.pods)
    names.push_back(p.name);
  return names;
}

std::vector<std::string> workloadNames(const diagnose::Evidence& e) {
  std::vector<std::string> names;
  for (const auto& w : e.workloads)
    names.push_back(w.kind + "/" + w.name);
  return names;
}

std::vector<std::string> unreadableLines(const diagnose::Evidence& e) {
  std::vector<std::string> lines;
  for (const auto& u : e.unreadable)
    lines.push_back(u.what + ": " + u.error);
  return lines;
}

std::vector<std::string> eventKeys(const diagnose::Evidence& e) {
  std::vector<std::string> keys;
  for (const auto& [key, records] : e.events)
    keys.push_back(key.kind + " " + key.namespace_ + "/" + key.name);
  return keys;
}

class CollectorTest : public ::testing::Test {
 protected:
  CollectorTest() {
    options.namespace_ = "shop";
    options.now = at("2024-05-01T12:00:00Z");
  }

  // The namespace lists every target starts with, empty unless scripted otherwise later.
  void serveEmptyNamespaceLists() {
    fake.respondJson("GET", kShop + "/events?limit=500", list("Event", {}));
    fake.respondJson("GET", kShop + "/services?limit=500", list("Service", {}));
    fake.respondJson("GET", kShop + "/endpoints?limit=500", list("Endpoints", {}));
  }

  // One crash-looping pod of Deployment web (ReplicaSet web-5d9c7b, revision 2, and an older one), on node-a,
  // with Services web (selecting it), db (named in its env and logs) and other, events for it, its owners,
  // its node and an unrelated pod, a ConfigMap and a Secret it refers to and two it does not, a claim.
  void serveShop() {
    const std::string spec = R"("volumes":[{"name":"data","persistentVolumeClaim":{"claimName":"data"}},)"
                             R"({"name":"cfg","configMap":{"name":"web-config"}}],)"
                             R"("imagePullSecrets":[{"name":"pull"}],)";
    std::string crashing = pod("web-5d9c7b-abcde", "web-5d9c7b", kCrashLooping, spec);
    // Its container reads DB_HOST and a Secret key.
    const std::string image = R"("image":"shop/web:1.0"})";
    crashing.replace(
        crashing.find(image), image.size(),
        R"("image":"shop/web:1.0","env":[{"name":"DB_HOST","value":"db.shop.svc"},)"
        R"({"name":"TOKEN","valueFrom":{"secretKeyRef":{"name":"web-secret","key":"token"}}}]})");
    fake.respondJson("GET", kShop + "/pods/web-5d9c7b-abcde", crashing);
    fake.respondJson("GET", kShop + "/pods?limit=500",
                     list("Pod", {crashing, pod("web-5d9c7b-fghij", "web-5d9c7b", kRunning),
                                  pod("other-1", "", kRunning)}));
    fake.respondJson("GET", kShop + "/events?limit=500",
                     list("Event", {event("e1", "Pod", "web-5d9c7b-abcde", "BackOff"),
                                    event("e2", "ReplicaSet", "web-5d9c7b", "FailedCreate"),
                                    event("e3", "Deployment", "web", "ProgressDeadlineExceeded"),
                                    event("e4", "Pod", "other-1", "Unhealthy"),
                                    event("e5", "Pod", "deleted-pod", "BackOff"),
                                    event("e6", "PersistentVolumeClaim", "data", "ProvisioningFailed"),
                                    event("e7", "Pod", "web-5d9c7b-abcde", "Old", "2024-04-01T00:00:00Z")}));
    fake.respondJson(
        "GET", kShop + "/services?limit=500",
        list("Service", {service("web", "web"), service("db", "db"), service("other", "other")}));
    fake.respondJson("GET", kShop + "/endpoints?limit=500",
                     list("Endpoints", {endpoints("web"), endpoints("db"), endpoints("other")}));
    fake.respondJson(
        "GET", kApps + "/replicasets?limit=500",
        list("ReplicaSet", {replicaSet("web-5d9c7b", "web", 2), replicaSet("web-11aa22", "web", 1),
                            replicaSet("api-33bb44", "api", 1)}));
    fake.respondJson(
        "GET", kApps + "/replicasets?labelSelector=app%3Dweb&limit=500",
        list("ReplicaSet", {replicaSet("web-5d9c7b", "web", 2), replicaSet("web-11aa22", "web", 1)}));
    fake.respondJson("GET", kApps + "/deployments/web", kDeployment);
    fake.respondJson("GET", kApps + "/deployments?limit=500", list("Deployment", {kDeployment}));
    for (const char* kind : {"statefulsets", "daemonsets"})
      fake.respondJson("GET", kApps + "/" + kind + "?limit=500", list("X", {}));
    for (const char* kind : {"jobs", "cronjobs"})
      fake.respondJson("GET", kBatch + "/" + kind + "?limit=500", list("X", {}));
    fake.respondJson("GET", "/api/v1/nodes/node-a", node("node-a"));
    fake.respondJson("GET", "/api/v1/nodes?limit=500", list("Node", {node("node-a"), node("node-b")}));
    fake.respondJson(
        "GET", kShop + "/persistentvolumeclaims?limit=500",
        list(
            "PersistentVolumeClaim",
            {R"({"metadata":{"name":"data","namespace":"shop"},"spec":{"volumeName":"pv-1"},"status":{"phase":"Bound"}})",
             R"({"metadata":{"name":"unused","namespace":"shop"},"status":{"phase":"Bound"}})"}));
    fake.respondJson(
        "GET", "/api/v1/persistentvolumes?limit=500",
        list("PersistentVolume", {R"({"metadata":{"name":"pv-1"},"status":{"phase":"Bound"}})",
                                  R"({"metadata":{"name":"pv-2"},"status":{"phase":"Bound"}})"}));
    fake.respondJson("GET", "/apis/storage.k8s.io/v1/storageclasses?limit=500",
                     list("StorageClass", {R"({"metadata":{"name":"standard"},"provisioner":"x"})"}));
    fake.respondJson(
        "GET", kShop + "/configmaps?limit=500",
        list("ConfigMap", {R"({"metadata":{"name":"web-config","namespace":"shop"},"data":{"a":"1"}})",
                           R"({"metadata":{"name":"unrelated","namespace":"shop"},"data":{"b":"2"}})"}));
    fake.respondJson(
        "GET", kShop + "/secrets?limit=500",
        list("Secret",
             {R"({"metadata":{"name":"web-secret","namespace":"shop"},"type":"Opaque",)"
              R"("data":{"token":"c2VjcmV0LXZhbHVlLTQy"}})",
              R"({"metadata":{"name":"pull","namespace":"shop"},"type":"kubernetes.io/dockerconfigjson",)"
              R"("data":{".dockerconfigjson":"e30="}})",
              R"({"metadata":{"name":"other","namespace":"shop"},"data":{"x":"eA=="}})"}));
    fake.respond("GET", logPath("web-5d9c7b-abcde", "app", true),
                 {"dial tcp: lookup db.shop.svc: no such host\n", std::nullopt, false});
  }

  Collected run() { return collect(client, options); }

  FakeTransport fake;
  kube::Client client{fake};
  Options options;
};

// --- targets and requests ----------------------------------------------------------------------------------

TEST_F(CollectorTest, OnePodTakesTwoRoundsOfTargetedRequests) {
  serveShop();
  options.target = Target{Target::Kind::Pod, "", "web-5d9c7b-abcde", ""};
  const Collected c = run();
  EXPECT_EQ(sorted(fake.paths("GET")),
            sorted({kShop + "/pods/web-5d9c7b-abcde", kShop + "/events?limit=500",
                    kShop + "/services?limit=500", kShop + "/endpoints?limit=500",
                    kApps + "/replicasets?limit=500", kApps + "/deployments/web", "/api/v1/nodes/node-a",
                    kShop + "/persistentvolumeclaims?limit=500", "/api/v1/persistentvolumes?limit=500",
                    "/apis/storage.k8s.io/v1/storageclasses?limit=500", kShop + "/configmaps?limit=500",
                    kShop + "/secrets?limit=500", logPath("web-5d9c7b-abcde", "app", true)}));
  EXPECT_EQ(c.rounds, 2);
  EXPECT_EQ(c.requests, 13);
  EXPECT_TRUE(c.evidence.unreadable.empty()) << unreadableLines(c.evidence).front();
}

TEST_F(CollectorTest, OnePodKeepsOnlyWhatConcernsIt) {
  serveShop();
  options.target = Target{Target::Kind::Pod, "", "web-5d9c7b-abcde", ""};
  const diagnose::Evidence e = run().evidence;
  EXPECT_EQ(podNames(e), std::vector<std::string>{"web-5d9c7b-abcde"});
  // The chain, and the Deployment's older ReplicaSet (a rollback names it); not another Deployment's.
  EXPECT_EQ(workloadNames(e),
            (std::vector<std::string>{"Deployment/web", "ReplicaSet/web-11aa22", "ReplicaSet/web-5d9c7b"}));
  ASSERT_EQ(e.pods.size(), 1U);
  ASSERT_EQ(e.pods[0].owners.size(), 2U);
  EXPECT_FALSE(e.pods[0].owners[1].inferred);
  // web selects it; db is named in its env and its log; other is unrelated.
  std::vector<std::string> services;
  for (const auto& s : e.services)
    services.push_back(s.name + (s.endpointsExist ? "+endpoints" : ""));
  EXPECT_EQ(services, (std::vector<std::string>{"db+endpoints", "web+endpoints"}));
  ASSERT_EQ(e.configMaps.size(), 1U);
  EXPECT_EQ(e.configMaps[0].name, "web-config");
  ASSERT_EQ(e.secrets.size(), 2U);
  EXPECT_EQ(e.secrets[0].name, "pull");
  EXPECT_EQ(e.secrets[1].name, "web-secret");
  EXPECT_EQ(e.secrets[1].keys, std::vector<std::string>{"token"});
  ASSERT_EQ(e.pvcs.size(), 1U);
  EXPECT_EQ(e.pvcs[0].name, "data");
  ASSERT_EQ(e.pvs.size(), 1U);
  EXPECT_EQ(e.pvs[0].name, "pv-1");
  EXPECT_EQ(e.nodes.size(), 1U);
  // Events of the pod (both, aggregated by reason), its owners and its claim; not of other pods.
  EXPECT_EQ(eventKeys(e),
            (std::vector<std::string>{"Deployment shop/web", "PersistentVolumeClaim shop/data",
                                      "Pod shop/web-5d9c7b-abcde", "ReplicaSet shop/web-5d9c7b"}));
  EXPECT_EQ(e.events.at({"Pod", "shop", "web-5d9c7b-abcde"}).size(), 2U);
  const auto& app = e.pods[0].containers.at(0);
  // Waiting to restart: its last instance is the previous one, read once.
  EXPECT_FALSE(app.currentLog.fetched);
  EXPECT_TRUE(app.previousLog.fetched);
  EXPECT_EQ(app.previousLog.text, "dial tcp: lookup db.shop.svc: no such host\n");
  EXPECT_TRUE(e.wasListed("configmaps", "shop"));
  EXPECT_TRUE(e.wasListed("persistentvolumeclaims", "shop"));
  EXPECT_FALSE(e.wasListed("pods", "shop"));  // one pod was read, not the namespace
  EXPECT_FALSE(e.metricsAvailable);
}

TEST_F(CollectorTest, SecretValuesNeverReachTheEvidenceOrTheDiagnosis) {
  serveShop();
  options.target = Target{Target::Kind::Pod, "", "web-5d9c7b-abcde", ""};
  const Collected c = run();
  diagnose::Options d;
  d.now = c.now;
  const std::string document = json::serialize(diagnose::toJson(diagnose::diagnose(c.evidence, d)));
  EXPECT_EQ(document.find("c2VjcmV0LXZhbHVlLTQy"), std::string::npos);
  EXPECT_EQ(document.find("secret-value-42"), std::string::npos);
  for (const auto& s : c.evidence.secrets) {
    for (const std::string& key : s.keys)
      EXPECT_EQ(key.find("c2Vj"), std::string::npos);
  }
}

TEST_F(CollectorTest, AFailingPullBringsTheNamespacesRegistryCredentialsOnly) {
  serveShop();
  const std::string pulling =
      pod("private", "",
          R"([{"name":"app","restartCount":0,"state":{"waiting":{"reason":"ImagePullBackOff"}}}])");
  fake.respondJson("GET", kShop + "/pods/private", pulling);
  options.target = Target{Target::Kind::Pod, "", "private", ""};
  options.needs = static_cast<unsigned>(Need::Pods) | static_cast<unsigned>(Need::Config) |
                  static_cast<unsigned>(Need::RegistrySecrets);
  const Collected c = run();
  EXPECT_EQ(sorted(fake.paths("GET")), sorted({kShop + "/pods/private", kShop + "/secrets?limit=500"}));
  // The dockerconfigjson Secret the pod does not reference, by its key names; not the Opaque ones.
  ASSERT_EQ(c.evidence.secrets.size(), 1U);
  EXPECT_EQ(c.evidence.secrets[0].name, "pull");
  EXPECT_EQ(c.evidence.secrets[0].type, "kubernetes.io/dockerconfigjson");
  EXPECT_EQ(c.evidence.secrets[0].keys, (std::vector<std::string>{".dockerconfigjson"}));
}

TEST_F(CollectorTest, RegistryCredentialsAreReadOnlyWhenAnImagePullFailsAndTheyAreNeeded) {
  serveShop();
  const std::string pulling = pod(
      "private", "", R"([{"name":"app","restartCount":0,"state":{"waiting":{"reason":"ErrImagePull"}}}])");
  fake.respondJson("GET", kShop + "/pods/private", pulling);
  fake.respondJson("GET", kShop + "/pods/healthy", pod("healthy", "", kRunning));
  options.needs = static_cast<unsigned>(Need::Pods) | static_cast<unsigned>(Need::Config);
  options.target = Target{Target::Kind::Pod, "", "private", ""};
  run();  // without the need
  options.needs |= static_cast<unsigned>(Need::RegistrySecrets);
  options.target = Target{Target::Kind::Pod, "", "healthy", ""};
  run();  // without a failing pull
  EXPECT_EQ(sorted(fake.paths("GET")), sorted({kShop + "/pods/private", kShop + "/pods/healthy"}));
}

TEST_F(CollectorTest, SecretsAreNotReadWhenResponsesMightBePrinted) {
  serveShop();
  options.target = Target{Target::Kind::Pod, "", "web-5d9c7b-abcde", ""};
  options.readSecrets = false;
  const Collected c = run();
  const std::vector<std::string> paths = fake.paths("GET");
  EXPECT_EQ(std::count(paths.begin(), paths.end(), kShop + "/secrets?limit=500"), 0);
  EXPECT_EQ(
      unreadableLines(c.evidence),
      std::vector<std::string>{
          "secrets in namespace shop: not read at this verbosity, where kubectl would print their values"});
  EXPECT_TRUE(c.evidence.secrets.empty());
  EXPECT_FALSE(c.evidence.wasListed("secrets", "shop"));
}

TEST_F(CollectorTest, NeedsDecideWhatIsRead) {
  serveShop();
  options.target = Target{Target::Kind::Pod, "", "web-5d9c7b-abcde", ""};
  options.needs = static_cast<unsigned>(Need::Pods) | static_cast<unsigned>(Need::Events);
  const Collected c = run();
  EXPECT_EQ(sorted(fake.paths("GET")),
            sorted({kShop + "/pods/web-5d9c7b-abcde", kShop + "/events?limit=500"}));
  EXPECT_EQ(c.rounds, 1);
  EXPECT_TRUE(c.evidence.workloads.empty());
  EXPECT_FALSE(c.evidence.pods.at(0).containers.at(0).previousLog.fetched);
}

TEST_F(CollectorTest, OnlyLogsNeededReadsThePodAndItsLogs) {
  serveShop();
  options.target = Target{Target::Kind::Pod, "", "web-5d9c7b-abcde", ""};
  options.needs = static_cast<unsigned>(Need::Pods) | static_cast<unsigned>(Need::Logs);
  options.logsTail = 50;
  options.logsBytes = 1000;
  fake.respond("GET", logPath("web-5d9c7b-abcde", "app", true, "&tailLines=50&limitBytes=1000"),
               {"boom\n", std::nullopt, false});
  run();
  EXPECT_EQ(sorted(fake.paths("GET")),
            sorted({kShop + "/pods/web-5d9c7b-abcde",
                    logPath("web-5d9c7b-abcde", "app", true, "&tailLines=50&limitBytes=1000")}));
}

TEST_F(CollectorTest, NamespaceTargetListsEverythingInTheFirstRound) {
  serveShop();
  const Collected c = run();
  EXPECT_EQ(sorted(fake.paths("GET")),
            sorted({kShop + "/pods?limit=500", kShop + "/events?limit=500", kShop + "/services?limit=500",
                    kShop + "/endpoints?limit=500", kApps + "/replicasets?limit=500",
                    kApps + "/deployments?limit=500", kApps + "/statefulsets?limit=500",
                    kApps + "/daemonsets?limit=500", kBatch + "/jobs?limit=500",
                    kBatch + "/cronjobs?limit=500", "/api/v1/nodes?limit=500",
                    kShop + "/persistentvolumeclaims?limit=500", "/api/v1/persistentvolumes?limit=500",
                    "/apis/storage.k8s.io/v1/storageclasses?limit=500", kShop + "/configmaps?limit=500",
                    kShop + "/secrets?limit=500", logPath("web-5d9c7b-abcde", "app", true)}));
  EXPECT_EQ(c.rounds, 2);
  const diagnose::Evidence& e = c.evidence;
  EXPECT_EQ(podNames(e), (std::vector<std::string>{"other-1", "web-5d9c7b-abcde", "web-5d9c7b-fghij"}));
  EXPECT_EQ(workloadNames(e), (std::vector<std::string>{"Deployment/web", "ReplicaSet/api-33bb44",
                                                        "ReplicaSet/web-11aa22", "ReplicaSet/web-5d9c7b"}));
  EXPECT_EQ(e.services.size(), 3U);
  EXPECT_EQ(e.nodes.size(), 1U);  // node-b runs none of the pods
  EXPECT_EQ(e.pvcs.size(), 2U);
  // A deleted pod's events are left out; an unrelated pod's are kept.
  EXPECT_EQ(eventKeys(e), (std::vector<std::string>{"Deployment shop/web", "PersistentVolumeClaim shop/data",
                                                    "Pod shop/other-1", "Pod shop/web-5d9c7b-abcde",
                                                    "ReplicaSet shop/web-5d9c7b"}));
  EXPECT_TRUE(e.wasListed("pods", "shop"));
  EXPECT_TRUE(e.wasListed("services", "shop"));
  EXPECT_TRUE(e.wasListed("replicasets", "shop"));
}

TEST_F(CollectorTest, AllNamespacesListsClusterWide) {
  options.allNamespaces = true;
  fake.respondJson("GET", "/api/v1/pods?limit=500", list("Pod", {}));
  options.needs = static_cast<unsigned>(Need::Pods) | static_cast<unsigned>(Need::Events);
  fake.respondJson("GET", "/api/v1/events?limit=500", list("Event", {}));
  const Collected c = run();
  EXPECT_EQ(sorted(fake.paths("GET")), sorted({"/api/v1/pods?limit=500", "/api/v1/events?limit=500"}));
  EXPECT_TRUE(c.evidence.wasListed("pods", "kube-system"));  // "pods/*"
}

TEST_F(CollectorTest, DeploymentTargetReadsItsPodsBySelectorAndOwnership) {
  serveShop();
  // A pod with the same labels but another owner is not the Deployment's.
  fake.respondJson("GET", kShop + "/pods?labelSelector=app%3Dweb&limit=500",
                   list("Pod", {pod("web-5d9c7b-fghij", "web-5d9c7b", kRunning),
                                pod("web-11aa22-zzzzz", "web-11aa22", kRunning),
                                pod("impostor", "api-33bb44", kRunning), pod("bare", "", kRunning)}));
  options.target = Target{Target::Kind::Workload, "Deployment", "web", ""};
  const Collected c = run();
  EXPECT_EQ(podNames(c.evidence), (std::vector<std::string>{"bare", "web-11aa22-zzzzz", "web-5d9c7b-fghij"}));
  EXPECT_EQ(workloadNames(c.evidence),
            (std::vector<std::string>{"Deployment/web", "ReplicaSet/web-11aa22", "ReplicaSet/web-5d9c7b"}));
  EXPECT_EQ(sorted(fake.paths("GET")),
            sorted({kApps + "/deployments/web", kShop + "/events?limit=500", kShop + "/services?limit=500",
                    kShop + "/endpoints?limit=500", kShop + "/pods?labelSelector=app%3Dweb&limit=500",
                    kApps + "/replicasets?labelSelector=app%3Dweb&limit=500", "/api/v1/nodes/node-a"}));
  EXPECT_EQ(c.rounds, 3);
  EXPECT_TRUE(c.evidence.unreadable.empty());
}

TEST_F(CollectorTest, WorkloadSelectorsWithExpressionsBecomeSetBasedSelectors) {
  serveEmptyNamespaceLists();
  fake.respondJson(
      "GET", kApps + "/statefulsets/db",
      R"({"kind":"StatefulSet","metadata":{"name":"db","namespace":"shop","uid":"uid-db"},"spec":{"selector":{)"
      R"("matchLabels":{"app":"db"},"matchExpressions":[{"key":"tier","operator":"In","values":["a","b"]},)"
      R"({"key":"canary","operator":"DoesNotExist"},{"key":"zone","operator":"Exists"},)"
      R"({"key":"x","operator":"NotIn","values":["y"]}]}}})");
  const std::string selectorPath = kShop +
                                   "/pods?labelSelector=app%3Ddb%2Ctier%20in%20%28a%2Cb%29%2C%21canary%"
                                   "2Czone%2Cx%20notin%20%28y%29&limit=500";
  fake.respondJson("GET", selectorPath, list("Pod", {}));
  options.target = Target{Target::Kind::Workload, "StatefulSet", "db", ""};
  options.needs = static_cast<unsigned>(Need::Pods);
  const Collected c = run();
  EXPECT_EQ(sorted(fake.paths("GET")), sorted({kApps + "/statefulsets/db", selectorPath}));
  EXPECT_EQ(workloadNames(c.evidence), std::vector<std::string>{"StatefulSet/db"});
}

TEST_F(CollectorTest, JobTargetWithoutSelectorFindsItsPodsByOwnerAndItsCronJob) {
  serveEmptyNamespaceLists();
  fake.respondJson(
      "GET", kBatch + "/jobs/backup-28912345",
      R"({"kind":"Job","apiVersion":"batch/v1","metadata":{"name":"backup-28912345","namespace":"shop",)"
      R"("uid":"uid-job","ownerReferences":[{"apiVersion":"batch/v1","kind":"CronJob","name":"backup",)"
      R"("uid":"uid-cj","controller":true}]},"spec":{}})");
  std::string mine = pod("backup-28912345-x1", "", kRunning);
  mine.replace(
      mine.find(R"("labels")"), 0,
      R"("ownerReferences":[{"apiVersion":"batch/v1","kind":"Job","name":"backup-28912345","uid":"uid-job","controller":true}],)");
  std::string other = pod("backup-1-x1", "", kRunning);
  other.replace(
      other.find(R"("labels")"), 0,
      R"("ownerReferences":[{"apiVersion":"batch/v1","kind":"Job","name":"backup-1","uid":"uid-other","controller":true}],)");
  fake.respondJson("GET", kShop + "/pods?limit=500", list("Pod", {mine, other}));
  fake.respondJson("GET", kBatch + "/jobs?limit=500", list("Job", {}));
  fake.respondJson(
      "GET", kBatch + "/cronjobs/backup",
      R"({"kind":"CronJob","apiVersion":"batch/v1","metadata":{"name":"backup","namespace":"shop"}})");
  options.target = Target{Target::Kind::Workload, "Job", "backup-28912345", ""};
  options.needs = static_cast<unsigned>(Need::Pods) | static_cast<unsigned>(Need::Workloads);
  const Collected c = run();
  EXPECT_EQ(podNames(c.evidence), std::vector<std::string>{"backup-28912345-x1"});
  EXPECT_EQ(workloadNames(c.evidence), (std::vector<std::string>{"CronJob/backup", "Job/backup-28912345"}));
  EXPECT_EQ(c.evidence.pods.at(0).owners.size(), 2U);
  EXPECT_EQ(sorted(fake.paths("GET")), sorted({kBatch + "/jobs/backup-28912345", kShop + "/pods?limit=500",
                                               kBatch + "/jobs?limit=500", kBatch + "/cronjobs/backup"}));
  EXPECT_TRUE(c.evidence.unreadable.empty());
}

TEST_F(CollectorTest, SelectorTargetListsPodsByLabel) {
  serveShop();
  fake.respondJson("GET", kShop + "/pods?labelSelector=app%3Dweb&limit=500",
                   list("Pod", {pod("web-5d9c7b-fghij", "web-5d9c7b", kRunning)}));
  options.target = Target{Target::Kind::Selector, "", "", "app=web"};
  options.needs = static_cast<unsigned>(Need::Pods) | static_cast<unsigned>(Need::Workloads);
  const Collected c = run();
  EXPECT_EQ(sorted(fake.paths("GET")),
            sorted({kShop + "/pods?labelSelector=app%3Dweb&limit=500", kApps + "/replicasets?limit=500",
                    kApps + "/deployments/web"}));
  EXPECT_FALSE(c.evidence.wasListed("pods", "shop"));
}

TEST_F(CollectorTest, AStatefulSetOwnerIsReadByName) {
  serveEmptyNamespaceLists();
  std::string member = pod("db-0", "", kRunning);
  member.replace(
      member.find(R"("labels")"), 0,
      R"("ownerReferences":[{"apiVersion":"apps/v1","kind":"StatefulSet","name":"db","controller":true}],)");
  fake.respondJson("GET", kShop + "/pods/db-0", member);
  fake.respondApiError("GET", kApps + "/statefulsets/db", 403, "Forbidden",
                       "statefulsets.apps \"db\" is forbidden: User \"bob\" cannot get resource");
  options.target = Target{Target::Kind::Pod, "", "db-0", ""};
  options.needs = static_cast<unsigned>(Need::Pods) | static_cast<unsigned>(Need::Workloads);
  const Collected c = run();
  EXPECT_EQ(sorted(fake.paths("GET")), sorted({kShop + "/pods/db-0", kApps + "/statefulsets/db"}));
  EXPECT_EQ(
      unreadableLines(c.evidence),
      std::vector<std::string>{"StatefulSet shop/db: statefulsets.apps \"db\" is forbidden: User \"bob\" "
                               "cannot get resource (403 Forbidden)"});
}

// --- the target itself -------------------------------------------------------------------------------------

TEST_F(CollectorTest, AMissingPodIsNotFoundNamingIt) {
  serveEmptyNamespaceLists();
  fake.respondApiError("GET", kShop + "/pods/nope", 404, "NotFound", "pods \"nope\" not found");
  options.target = Target{Target::Kind::Pod, "", "nope", ""};
  try {
    run();
    FAIL() << "expected KubeError";
  } catch (const kube::KubeError& e) {
    EXPECT_TRUE(e.isNotFound());
    EXPECT_STREQ(e.what(),
                 "pods \"nope\" not found in namespace shop; list them with 'kubectl get pods -n shop'");
  }
}

TEST_F(CollectorTest, AMissingWorkloadIsNotFoundWithItsGroup) {
  serveEmptyNamespaceLists();
  options.target = Target{Target::Kind::Workload, "Deployment", "nope", ""};
  try {
    run();
    FAIL() << "expected KubeError";
  } catch (const kube::KubeError& e) {
    EXPECT_TRUE(e.isNotFound());
    EXPECT_EQ(e.message(), "deployments.apps \"nope\" not found in namespace shop");
  }
  options.target = Target{Target::Kind::Workload, "Job", "nope", ""};
  EXPECT_THROW(
      {
        try {
          run();
        } catch (const kube::KubeError& e) {
          EXPECT_EQ(e.message(), "jobs.batch \"nope\" not found in namespace shop");
          throw;
        }
      },
      kube::KubeError);
}

TEST_F(CollectorTest, AForbiddenPodListFailsTheDiagnosis) {
  serveEmptyNamespaceLists();
  fake.respondApiError("GET", kShop + "/pods?limit=500", 403, "Forbidden",
                       "pods is forbidden: User \"bob\" cannot list resource \"pods\"");
  try {
    run();
    FAIL() << "expected KubeError";
  } catch (const kube::KubeError& e) {
    EXPECT_TRUE(e.isForbidden());
    EXPECT_EQ(
        e.message(),
        "listing pods in namespace shop: pods is forbidden: User \"bob\" cannot list resource \"pods\" (403 "
        "Forbidden)");
  }
}

// --- logs --------------------------------------------------------------------------------------------------

TEST_F(CollectorTest, LogsAreReadForFailingContainersOnly) {
  serveEmptyNamespaceLists();
  const std::map<std::string, std::string> statuses{
      {"healthy", kRunning},
      {"crashing", kCrashLooping},
      {"never-pulled",
       R"([{"name":"app","restartCount":0,"state":{"waiting":{"reason":"ImagePullBackOff"}}}])"},
      {"creating", R"([{"name":"app","restartCount":0,"state":{"waiting":{"reason":"ContainerCreating"}}}])"},
      {"completed",
       R"([{"name":"app","restartCount":0,"state":{"terminated":{"exitCode":0,"reason":"Completed"}}}])"},
      {"failed-once",
       R"([{"name":"app","restartCount":0,"state":{"terminated":{"exitCode":2,"reason":"Error"}}}])"},
      {"running-again",
       R"([{"name":"app","restartCount":1,"state":{"running":{}},"lastState":{"terminated":{"exitCode":137,"reason":"OOMKilled"}}}])"},
      {"no-status", "[]"},
      {"restarted-no-last-state",
       R"([{"name":"app","restartCount":2,"state":{"waiting":{"reason":"CrashLoopBackOff"}}}])"},
  };
  std::vector<std::string> pods;
  for (const auto& [name, status] : statuses)
    pods.push_back(pod(name, "", status));
  // A failing init container (of a pod whose app container waits for it).
  std::string init =
      pod("init-failing", "",
          R"([{"name":"app","restartCount":0,"state":{"waiting":{"reason":"PodInitializing"}}}])");
  init.replace(
      init.find(R"("containerStatuses")"), 0,
      R"("initContainerStatuses":[{"name":"migrate","restartCount":3,"state":{"waiting":{"reason":"CrashLoopBackOff"}},)"
      R"("lastState":{"terminated":{"exitCode":1}}}],)");
  pods.push_back(init);
  fake.respondJson("GET", kShop + "/pods?limit=500", list("Pod", pods));
  options.needs = static_cast<unsigned>(Need::Pods) | static_cast<unsigned>(Need::Logs);
  run();
  std::vector<std::string> logs;
  for (const std::string& p : fake.paths("GET")) {
    if (p.find("/log?") != std::string::npos) logs.push_back(p);
  }
  EXPECT_EQ(
      sorted(logs),
      sorted({logPath("crashing", "app", true), logPath("failed-once", "app", false),
              logPath("running-again", "app", false), logPath("running-again", "app", true),
              logPath("restarted-no-last-state", "app", false),
              logPath("restarted-no-last-state", "app", true), logPath("init-failing", "migrate", true)}));
}

// A crash-looping container whose last instance ended at `finished`, with exit code `code`.
std::string crashLooping(const std::string& finished, int code = 1) {
  return R"([{"name":"app","ready":false,"restartCount":5,"state":{"waiting":{"reason":"CrashLoopBackOff"}},)"
         R"("lastState":{"terminated":{"exitCode":)" +
         std::to_string(code) + R"(,"reason":"Error","startedAt":"2024-05-01T11:40:00Z","finishedAt":")" +
         finished + R"("}}}])";
}

// An OOMKilled container running again since `started`.
std::string oomRunningAgain(const std::string& started) {
  return R"([{"name":"app","ready":true,"restartCount":1,"state":{"running":{"startedAt":")" + started +
         R"("}},"lastState":{"terminated":{"exitCode":137,"reason":"OOMKilled","finishedAt":")" + started +
         R"("}}}])";
}

// Four groups of pods failing the same way: ReplicaSet web-5d9c7b has 5 crash-looping pods (exit 1) and 3
// OOMKilled ones running again, ReplicaSet api-33bb44 3 pods exiting 2, and a bare pod crashes alone.
class LogSampling : public CollectorTest {
 protected:
  LogSampling() {
    serveEmptyNamespaceLists();
    std::vector<std::string> pods;
    for (int i = 1; i <= 5; ++i) {
      pods.push_back(pod(numbered("web-5d9c7b-a", i), "web-5d9c7b",
                         crashLooping(numbered("2024-05-01T11:50:0", i) + "Z")));
    }
    for (int i = 1; i <= 3; ++i)
      pods.push_back(pod(numbered("web-5d9c7b-m", i), "web-5d9c7b",
                         oomRunningAgain(numbered("2024-05-01T11:4", i) + ":00Z")));
    // The oldest restart last in the list: the order of the list does not decide the sample.
    for (int i : {3, 1, 2})
      pods.push_back(pod(numbered("api-33bb44-c", i), "api-33bb44",
                         crashLooping(numbered("2024-05-01T11:5", i) + ":00Z", 2)));
    pods.push_back(pod("solo", "", crashLooping("2024-05-01T11:30:00Z")));
    fake.respondJson("GET", kShop + "/pods?limit=500", list("Pod", pods));
    for (const char* name : {"web-5d9c7b-a5", "web-5d9c7b-a4"}) {
      fake.respond("GET", logPath(name, "app", true),
                   {"starting\nError: connect ECONNREFUSED 10.0.0.2:5432\n", std::nullopt, false});
    }
    options.needs = static_cast<unsigned>(Need::Pods) | static_cast<unsigned>(Need::Logs);
  }

  static std::string numbered(const std::string& prefix, int n) { return prefix + std::to_string(n); }

  std::vector<std::string> logRequests() const {
    std::vector<std::string> logs;
    for (const std::string& p : fake.paths("GET")) {
      if (p.find("/log?") != std::string::npos) logs.push_back(p);
    }
    return sorted(logs);
  }

  static const diagnose::ContainerEvidence& app(const diagnose::Evidence& e, const std::string& pod) {
    for (const auto& p : e.pods) {
      if (p.name == pod) return p.containers.at(0);
    }
    throw std::runtime_error("no pod " + pod);
  }
};

TEST_F(LogSampling, TwoPodsPerGroupMostRecentlyRestartedFirst) {
  const Collected c = run();
  // 15 log reads without sampling (5 + 3 × 2 + 3 + 1); 9 with it.
  EXPECT_EQ(logRequests(),
            sorted({logPath("web-5d9c7b-a5", "app", true), logPath("web-5d9c7b-a4", "app", true),
                    logPath("web-5d9c7b-m3", "app", false), logPath("web-5d9c7b-m3", "app", true),
                    logPath("web-5d9c7b-m2", "app", false), logPath("web-5d9c7b-m2", "app", true),
                    logPath("api-33bb44-c3", "app", true), logPath("api-33bb44-c2", "app", true),
                    logPath("solo", "app", true)}));
  EXPECT_EQ(c.requests, 10);  // the pod list and 9 logs
  EXPECT_EQ(c.rounds, 2);
}

TEST_F(LogSampling, ThePodsNotReadShareTheFirstSamplesLog) {
  const Collected c = run();
  const diagnose::Evidence& e = c.evidence;
  EXPECT_EQ(app(e, "web-5d9c7b-a5").previousLog.sharedFrom, "");
  EXPECT_EQ(app(e, "web-5d9c7b-a4").previousLog.sharedFrom, "");
  for (const char* name : {"web-5d9c7b-a1", "web-5d9c7b-a2", "web-5d9c7b-a3"}) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(app(e, name).previousLog.fetched);
    EXPECT_EQ(app(e, name).previousLog.text, "starting\nError: connect ECONNREFUSED 10.0.0.2:5432\n");
    EXPECT_EQ(app(e, name).previousLog.sharedFrom, "web-5d9c7b-a5");
    EXPECT_FALSE(app(e, name).currentLog.fetched);
  }
  // Both instances of an OOMKilled pod running again; the unread ones name the newest sample.
  EXPECT_EQ(app(e, "web-5d9c7b-m1").currentLog.sharedFrom, "web-5d9c7b-m3");
  EXPECT_EQ(app(e, "web-5d9c7b-m1").previousLog.sharedFrom, "web-5d9c7b-m3");
  EXPECT_EQ(app(e, "api-33bb44-c1").previousLog.sharedFrom, "api-33bb44-c3");
}

TEST_F(LogSampling, TheGroupIsOneFindingThatCitesTheSampleAndSaysThePodsShareTheCause) {
  const Collected c = run();
  diagnose::Options d;
  d.now = c.now;
  const diagnose::Diagnosis diagnosis = diagnose::diagnose(c.evidence, d);
  const model::Finding* crash = nullptr;
  for (const model::Finding& f : diagnosis.findings) {
    if (f.ruleId == "AIOPS-D900") {
      ASSERT_EQ(crash, nullptr) << "one finding for the five pods";
      crash = &f;
    }
  }
  ASSERT_NE(crash, nullptr);
  EXPECT_EQ(crash->headline, "Deployment shop/web: 5/8 pods CrashLoopBackOff, same cause");
  EXPECT_EQ(crash->affected, (std::vector<std::string>{"web-5d9c7b-a1", "web-5d9c7b-a2", "web-5d9c7b-a3",
                                                       "web-5d9c7b-a4", "web-5d9c7b-a5"}));
  std::vector<std::string> logs;
  for (const model::EvidenceItem& item : crash->evidence) {
    if (item.kind != model::EvidenceItem::Kind::Field || item.path.starts_with("log "))
      logs.push_back(model::describe(item));
  }
  EXPECT_EQ(logs,
            (std::vector<std::string>{
                "field Pod shop/web-5d9c7b-a1 log of container app = not read: pod web-5d9c7b-a5 fails "
                "the same way, and its log stands for this one",
                "log Pod shop/web-5d9c7b-a5 container app (previous) line 2: Error: connect ECONNREFUSED "
                "10.0.0.2:5432"}));
}

TEST_F(CollectorTest, ALogAtTheByteLimitIsCutAndMarkedTruncated) {
  serveEmptyNamespaceLists();
  fake.respondJson("GET", kShop + "/pods/web", pod("web", "", kRunningAgain));
  options.target = Target{Target::Kind::Pod, "", "web", ""};
  options.needs = static_cast<unsigned>(Need::Pods) | static_cast<unsigned>(Need::Logs);
  options.logsBytes = 16;
  options.since = std::chrono::seconds(600);
  const std::string extra = "&tailLines=200&limitBytes=16&sinceSeconds=600";
  // The server ignored limitBytes: 40 bytes came back.
  fake.respond("GET", logPath("web", "app", true, extra), {std::string(40, 'x'), std::nullopt, false});
  fake.respond("GET", logPath("web", "app", false, extra), {"short\n", std::nullopt, false});
  const Collected c = run();
  const auto& app = c.evidence.pods.at(0).containers.at(0);
  EXPECT_EQ(app.previousLog.text, std::string(16, 'x'));
  EXPECT_TRUE(app.previousLog.truncated);
  EXPECT_EQ(app.currentLog.text, "short\n");
  EXPECT_FALSE(app.currentLog.truncated);
  // The transport was told to stop well before a flood.
  for (const auto& call : fake.calls()) {
    if (call.path.find("/log?") != std::string::npos) {
      EXPECT_EQ(call.maxBytes, 16U + 64U * 1024U);
    }
  }
}

TEST_F(CollectorTest, ATailCutByTheByteLimitIsReadAgainWithTheLinesThatFit) {
  serveEmptyNamespaceLists();
  fake.respondJson("GET", kShop + "/pods/web", pod("web", "", kCrashLooping));
  options.target = Target{Target::Kind::Pod, "", "web", ""};
  options.needs = static_cast<unsigned>(Need::Pods) | static_cast<unsigned>(Need::Logs);
  options.logsTail = 50;
  options.logsBytes = 100;
  // 50 lines of 8 bytes: the server sends the first 100 bytes of them, as limitBytes says.
  std::string all;
  for (int i = 1; i <= 50; ++i)
    all += fmt::format("line-{:02}\n", i);
  fake.respond("GET", logPath("web", "app", true, "&tailLines=50&limitBytes=100"),
               {all.substr(0, 100), std::nullopt, false});
  // 12 whole lines in 100 bytes: 9 bytes a line on average, so 10 lines fit in 90% of the limit.
  fake.respond("GET", logPath("web", "app", true, "&tailLines=10&limitBytes=100"),
               {all.substr(all.size() - 80), std::nullopt, false});
  const Collected c = run();
  EXPECT_EQ(fake.paths("GET"),
            (std::vector<std::string>{kShop + "/pods/web",
                                      logPath("web", "app", true, "&tailLines=50&limitBytes=100"),
                                      logPath("web", "app", true, "&tailLines=10&limitBytes=100")}));
  EXPECT_EQ(c.rounds, 3);
  const auto& log = c.evidence.pods.at(0).containers.at(0).previousLog;
  EXPECT_EQ(log.text, all.substr(all.size() - 80));
  EXPECT_TRUE(log.truncated);
  diagnose::Options d;
  d.now = c.now;
  const diagnose::Diagnosis diagnosis = diagnose::diagnose(c.evidence, d);
  ASSERT_EQ(diagnosis.findings.size(), 1U);
  std::vector<std::string> logs;
  for (const model::EvidenceItem& item : diagnosis.findings[0].evidence) {
    if (item.kind == model::EvidenceItem::Kind::Log || item.path.starts_with("log "))
      logs.push_back(model::describe(item));
  }
  EXPECT_EQ(
      logs,
      (std::vector<std::string>{
          "field Pod shop/web log of container app (previous) = truncated at the byte limit; 10 lines read",
          "log Pod shop/web container app (previous) line 10: line-50"}));
}

TEST_F(CollectorTest, BinaryAndInvalidUtf8LogsArriveAsBytesAndDiagnoseCleanly) {
  serveEmptyNamespaceLists();
  fake.respondJson("GET", kShop + "/pods/web", pod("web", "", kCrashLooping));
  options.target = Target{Target::Kind::Pod, "", "web", ""};
  static const char kBinary[] =
      "\x7f"
      "ELF\x00\x01\xff\xfe panic: \xc3\x28 bad\n\x1b[31mred\x1b[0m\n";
  const std::string binary(kBinary, sizeof(kBinary) - 1);
  fake.respond("GET", logPath("web", "app", true), {binary, std::nullopt, false});
  options.needs = static_cast<unsigned>(Need::Pods) | static_cast<unsigned>(Need::Logs);
  const Collected c = run();
  EXPECT_EQ(c.evidence.pods.at(0).containers.at(0).previousLog.text, binary);
  diagnose::Options d;
  d.now = c.now;
  const diagnose::Diagnosis diagnosis = diagnose::diagnose(c.evidence, d);
  const std::string document = json::serialize(diagnose::toJson(diagnosis));
  boost::system::error_code ec;
  json::parse(document, ec);  // valid JSON, hence valid UTF-8 strings
  EXPECT_FALSE(ec);
  EXPECT_FALSE(diagnosis.healthy());
}

// --- errors mid-collection ---------------------------------------------------------------------------------

TEST_F(CollectorTest, ErrorsAroundTheTargetBecomeUnreadableAndNothingIsListed) {
  serveShop();
  fake.respondApiError("GET", kShop + "/events?limit=500", 500, "InternalError",
                       "Internal error occurred: etcd is gone");
  fake.respondError("GET", "/api/v1/nodes/node-a",
                    kube::KubeError(kube::ErrorKind::Timeout, "kubectl did not answer before the deadline",
                                    "raise --request-timeout"));
  fake.respondApiError("GET", kShop + "/configmaps?limit=500", 403, "Forbidden",
                       "configmaps is forbidden: User \"bob\" cannot list resource \"configmaps\"");
  fake.respond("GET", kShop + "/secrets?limit=500", {"<html>proxy error</html>", std::nullopt, false});
  fake.respond("GET", kShop + "/services?limit=500", {"{\"items\":[", std::nullopt, true});
  fake.respondApiError("GET", logPath("web-5d9c7b-abcde", "app", true), 500, "InternalError",
                       "Internal error occurred: kubelet unreachable");
  options.target = Target{Target::Kind::Pod, "", "web-5d9c7b-abcde", ""};
  const Collected c = run();
  const diagnose::Evidence& e = c.evidence;
  EXPECT_EQ(
      sorted(unreadableLines(e)),
      sorted({"Node node-a: kubectl did not answer before the deadline",
              "configmaps in namespace shop: configmaps is forbidden: User \"bob\" cannot list resource "
              "\"configmaps\" (403 Forbidden)",
              "events in namespace shop: Internal error occurred: etcd is gone (500 InternalError)",
              "logs of container app in pod shop/web-5d9c7b-abcde (previous): Internal error occurred: "
              "kubelet unreachable (500 InternalError)",
              "secrets in namespace shop: the server's answer is not JSON (syntax error)",
              "services in namespace shop: the response exceeded the size limit and was cut off"}));
  EXPECT_FALSE(e.wasListed("configmaps", "shop"));
  EXPECT_FALSE(e.wasListed("events", "shop"));
  EXPECT_TRUE(e.events.empty());
  EXPECT_TRUE(e.nodes.empty());
  const auto& app = e.pods.at(0).containers.at(0);
  EXPECT_FALSE(app.previousLog.fetched);
  EXPECT_EQ(app.previousLog.error, "Internal error occurred: kubelet unreachable (500 InternalError)");
  // The rest still arrived, and the diagnosis runs.
  EXPECT_EQ(e.workloads.size(), 3U);
  diagnose::Options d;
  d.now = c.now;
  EXPECT_EQ(diagnose::diagnose(e, d).unreadable.size(), 6U);
}

TEST_F(CollectorTest, AKubeletsNoSuchInstanceIsNoGap) {
  serveEmptyNamespaceLists();
  fake.respondJson(
      "GET", kShop + "/pods/web",
      pod("web", "",
          R"([{"name":"app","restartCount":2,"state":{"waiting":{"reason":"CrashLoopBackOff"}}}])"));
  fake.respondApiError("GET", logPath("web", "app", false), 400, "BadRequest",
                       "container \"app\" in pod \"web\" is waiting to start: CrashLoopBackOff");
  fake.respondApiError("GET", logPath("web", "app", true), 400, "BadRequest",
                       "previous terminated container \"app\" in pod \"web\" not found");
  options.target = Target{Target::Kind::Pod, "", "web", ""};
  options.needs = static_cast<unsigned>(Need::Pods) | static_cast<unsigned>(Need::Logs);
  const Collected c = run();
  EXPECT_TRUE(c.evidence.unreadable.empty());
  const auto& app = c.evidence.pods.at(0).containers.at(0);
  EXPECT_FALSE(app.currentLog.fetched);
  EXPECT_EQ(app.currentLog.error,
            "container \"app\" in pod \"web\" is waiting to start: CrashLoopBackOff (400 BadRequest)");
  EXPECT_FALSE(app.previousLog.fetched);
  EXPECT_EQ(app.previousLog.error,
            "previous terminated container \"app\" in pod \"web\" not found (400 BadRequest)");
}

// --- missing fields, metrics, pagination, since, nodes -----------------------------------------------------

TEST_F(CollectorTest, APodWithMissingFieldsIsCollectedWithoutFurtherRequests) {
  serveEmptyNamespaceLists();
  fake.respondJson("GET", kShop + "/pods/bare",
                   R"({"kind":"Pod","metadata":{"name":"bare","namespace":"shop"}})");
  fake.respondJson("GET", "/api/v1/nodes?limit=500", list("Node", {}));
  options.target = Target{Target::Kind::Pod, "", "bare", ""};
  const Collected c = run();
  // Without spec.nodeName it waits to be scheduled, so the nodes matter; nothing else is read.
  EXPECT_EQ(sorted(fake.paths("GET")),
            sorted({kShop + "/pods/bare", kShop + "/events?limit=500", kShop + "/services?limit=500",
                    kShop + "/endpoints?limit=500", "/api/v1/nodes?limit=500"}));
  EXPECT_TRUE(c.evidence.unreadable.empty());
  ASSERT_EQ(c.evidence.pods.size(), 1U);
  EXPECT_TRUE(c.evidence.pods[0].containers.empty());
  EXPECT_EQ(c.now, options.now);
}

TEST_F(CollectorTest, MetricsAreReadForOomKilledPodsAndTheirAbsenceIsNoError) {
  serveEmptyNamespaceLists();
  const std::string oom =
      R"([{"name":"app","restartCount":2,"state":{"running":{}},"lastState":{"terminated":{"exitCode":137,"reason":"OOMKilled"}}}])";
  fake.respondJson("GET", kShop + "/pods/web", pod("web", "", oom));
  fake.respondJson("GET", "/api/v1/nodes/node-a", node("node-a"));
  options.target = Target{Target::Kind::Pod, "", "web", ""};
  options.needs = static_cast<unsigned>(Need::Pods) | static_cast<unsigned>(Need::Metrics) |
                  static_cast<unsigned>(Need::Nodes);
  const std::string podMetrics = "/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/web";
  const std::string nodeMetrics = "/apis/metrics.k8s.io/v1beta1/nodes/node-a";

  // No metrics API at all: 404 (unscripted) and 503.
  fake.respondApiError("GET", nodeMetrics, 503, "ServiceUnavailable",
                       "the server is currently unable to handle the request");
  Collected c = run();
  EXPECT_EQ(sorted(fake.paths("GET")),
            sorted({kShop + "/pods/web", "/api/v1/nodes/node-a", podMetrics, nodeMetrics}));
  EXPECT_FALSE(c.evidence.metricsAvailable);
  EXPECT_TRUE(c.evidence.unreadable.empty());

  // Metrics present.
  fake.respondJson(
      "GET", podMetrics,
      R"({"kind":"PodMetrics","apiVersion":"metrics.k8s.io/v1beta1","metadata":{"name":"web","namespace":"shop"},)"
      R"("containers":[{"name":"app","usage":{"cpu":"120m","memory":"250Mi"}}]})");
  fake.respondJson(
      "GET", nodeMetrics,
      R"({"kind":"NodeMetrics","apiVersion":"metrics.k8s.io/v1beta1","metadata":{"name":"node-a"},)"
      R"("usage":{"cpu":"1","memory":"3Gi"}})");
  c = run();
  EXPECT_TRUE(c.evidence.metricsAvailable);
  ASSERT_TRUE(c.evidence.pods.at(0).containers.at(0).usage.memory.has_value());
  EXPECT_EQ(c.evidence.pods[0].containers[0].usage.memory->toString(), "250Mi");
  ASSERT_TRUE(c.evidence.nodes.at(0).memoryUsage.has_value());

  // Forbidden is a real gap.
  fake.respondApiError("GET", podMetrics, 403, "Forbidden", "pods.metrics.k8s.io \"web\" is forbidden");
  c = run();
  EXPECT_EQ(unreadableLines(c.evidence),
            std::vector<std::string>{
                "metrics.k8s.io usage: pods.metrics.k8s.io \"web\" is forbidden (403 Forbidden)"});
}

TEST_F(CollectorTest, EveryPageOfAListIsRead) {
  serveEmptyNamespaceLists();
  fake.respondJson("GET", kShop + "/pods?limit=500",
                   list("Pod", {pod("a", "", kRunning), pod("b", "", kRunning)}, "tok/1"));
  fake.respondJson("GET", kShop + "/pods?limit=500&continue=tok%2F1", list("Pod", {pod("c", "", kRunning)}));
  options.needs = static_cast<unsigned>(Need::Pods);
  const Collected c = run();
  EXPECT_EQ(podNames(c.evidence), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(c.rounds, 2);
  EXPECT_EQ(c.evidence.pods[0].containers.at(0).name, "app");  // items without a kind took the list's
}

TEST_F(CollectorTest, SinceDropsOlderEventsAndBoundsLogs) {
  serveShop();
  options.target = Target{Target::Kind::Pod, "", "web-5d9c7b-abcde", ""};
  options.needs = static_cast<unsigned>(Need::Pods) | static_cast<unsigned>(Need::Events);
  options.since = std::chrono::hours(1);
  const Collected c = run();
  const auto& records = c.evidence.events.at({"Pod", "shop", "web-5d9c7b-abcde"});
  ASSERT_EQ(records.size(), 1U);
  EXPECT_EQ(records[0].reason, "BackOff");
}

TEST_F(CollectorTest, APendingPodListsEveryNodeAndAnUnhealthyNodeBringsItsEvents) {
  serveEmptyNamespaceLists();
  fake.respondJson("GET", kShop + "/pods/waiting", pod("waiting", "", "[]", "", ""));
  fake.respondJson("GET", "/api/v1/nodes?limit=500",
                   list("Node", {node("node-a"), node("node-b", "Unknown")}));
  const std::string nodeEvents =
      "/api/v1/namespaces/default/events?fieldSelector=involvedObject.kind%3DNode&limit=500";
  fake.respondJson(
      "GET", nodeEvents,
      list("Event", {event("n1", "Node", "node-b", "NodeNotReady", "2024-05-01T11:59:00Z", "default")}));
  options.target = Target{Target::Kind::Pod, "", "waiting", ""};
  const Collected c = run();
  EXPECT_EQ(sorted(fake.paths("GET")),
            sorted({kShop + "/pods/waiting", kShop + "/events?limit=500", kShop + "/services?limit=500",
                    kShop + "/endpoints?limit=500", "/api/v1/nodes?limit=500", nodeEvents}));
  EXPECT_EQ(c.rounds, 3);
  EXPECT_EQ(c.evidence.nodes.size(), 2U);
  EXPECT_TRUE(c.evidence.wasListed("nodes", ""));
  EXPECT_EQ(eventKeys(c.evidence), std::vector<std::string>{"Node /node-b"});
}

// --- the analysis clock ------------------------------------------------------------------------------------

TEST(AnalysisTimeTest, TheLocalClockWinsWhenTheClusterAgrees) {
  const WallTime local = at("2024-05-01T12:00:00Z");
  EXPECT_EQ(analysisTime(local, std::nullopt, std::nullopt), local);
  EXPECT_EQ(analysisTime(local, at("2024-05-01T12:01:00Z"), at("2024-05-01T11:57:00Z")), local);
  // A quiet cluster: nothing new for days, but its nodes still report.
  EXPECT_EQ(analysisTime(local, at("2024-04-20T00:00:00Z"), at("2024-05-01T11:56:00Z")), local);
  // A dead node's old heartbeat says nothing without a Ready node's.
  EXPECT_EQ(analysisTime(local, at("2024-04-20T00:00:00Z"), std::nullopt), local);
}

TEST(AnalysisTimeTest, TheClustersClockWinsWhenItIsClearlyAheadOrBehind) {
  const WallTime local = at("2024-05-01T12:00:00Z");
  EXPECT_EQ(analysisTime(local, at("2024-05-01T12:05:00Z"), std::nullopt), at("2024-05-01T12:05:00Z"));
  EXPECT_EQ(analysisTime(local, at("2024-04-20T09:14:00Z"), at("2024-04-20T09:00:00Z")),
            at("2024-04-20T09:14:00Z"));
  EXPECT_EQ(analysisTime(local, std::nullopt, at("2024-04-20T09:00:00Z")), at("2024-04-20T09:00:00Z"));
}

TEST_F(CollectorTest, TheAnalysisTimeFollowsASimulatedClusterBehindTheLocalClock) {
  serveEmptyNamespaceLists();
  fake.respondJson("GET", kShop + "/pods/web", pod("web", "", kCrashLooping));
  fake.respondJson("GET", "/api/v1/nodes/node-a", node("node-a", "True", "2024-05-01T11:40:00Z"));
  options.target = Target{Target::Kind::Pod, "", "web", ""};
  options.needs = static_cast<unsigned>(Need::Pods) | static_cast<unsigned>(Need::Nodes);
  options.now = at("2024-06-01T00:00:00Z");
  EXPECT_EQ(run().now, at("2024-05-01T11:50:02Z"));  // the container's last finishedAt
}

TEST(AllNeedsTest, CoversEveryAnalyzer) {
  unsigned expected = 0;
  for (const auto& a : diagnose::analyzers())
    expected |= a.needs;
  EXPECT_EQ(allNeeds(), expected);
  EXPECT_NE(allNeeds() & static_cast<unsigned>(Need::Logs), 0U);
  EXPECT_NE(allNeeds() & static_cast<unsigned>(Need::Metrics), 0U);
}

}  // namespace
}  // namespace aiops::collect

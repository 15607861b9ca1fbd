// The API server in-process (no sockets): authentication, discovery, content negotiation, strategies,
// subresources, conversions, CRDs, protobuf bodies and streams, answered with the real server's shapes.
#include "api.h"

#include <gtest/gtest.h>

#include <thread>

#include "codec.h"

namespace kubesim {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class FixedClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::sys_days{std::chrono::year{2026} / 3 / 1} + 12h;
  }
};

const OpenApi& openapi() {
  static const OpenApi api = OpenApi::load(KUBESIM_DEFAULT_OPENAPI);
  return api;
}

json::object parse(const std::string& text) {
  json::value v = parseJson(text);
  EXPECT_TRUE(v.is_object()) << text;
  return v.is_object() ? v.get_object() : json::object{};
}

class ApiTest : public ::testing::Test {
 protected:
  ApiTest() : auth_(std::vector<ScenarioUser>{{"alice", {"devs"}}}), api_(openapi(), auth_, clock_) {
    ClusterState state;
    state.objects.push_back(
        parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"default",
        "labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx:1"}]},
        "status":{"phase":"Running","containerStatuses":[{"name":"c","containerID":"containerd://1","restartCount":0,
        "state":{"running":{"startedAt":"2026-03-01T11:00:00Z"}}}]}})"));
    state.objects.push_back(parse(R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web",
        "namespace":"default"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
        "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"nginx:1"}]}}},
        "status":{"replicas":2}})"));
    state.objects.push_back(parse(R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{
        "name":"pods","namespace":"default"},"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get","list"]}]})"));
    state.objects.push_back(
        parse(R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{
        "name":"devs","namespace":"default"},"subjects":[{"kind":"Group","name":"devs",
        "apiGroup":"rbac.authorization.k8s.io"}],"roleRef":{"kind":"Role","name":"pods",
        "apiGroup":"rbac.authorization.k8s.io"}})"));
    state.logs[{"default", "web", "c", false}] = "line 1\nline 2\n";
    api_.load(state);
    for (const Credential& c : auth_.kubeconfigCredentials())
      tokens_[c.user.name] = c.token;
  }

  HttpResponse call(const std::string& method, const std::string& target, const std::string& body = "",
                    const std::string& user = "kubesim-admin",
                    std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpRequest r;
    r.method = method;
    std::size_t q = target.find('?');
    r.path = target.substr(0, q);
    if (q != std::string::npos) {
      std::string query = target.substr(q + 1);
      std::size_t start = 0;
      while (start < query.size()) {
        std::size_t amp = query.find('&', start);
        std::string pair = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
        std::size_t eq = pair.find('=');
        r.params.emplace(pair.substr(0, eq), eq == std::string::npos ? "" : pair.substr(eq + 1));
        if (amp == std::string::npos) break;
        start = amp + 1;
      }
    }
    r.body = body;
    r.headers = std::move(headers);
    if (!user.empty()) r.headers.emplace_back("Authorization", "Bearer " + tokens_[user]);
    if (!body.empty() && r.header("Content-Type").empty())
      r.headers.emplace_back("Content-Type", "application/json");
    return api_.handle(r);
  }
  json::object callJson(const std::string& method, const std::string& target, const std::string& body = "",
                        const std::string& user = "kubesim-admin") {
    return parse(call(method, target, body, user).body);
  }

  FixedClock clock_;
  Authenticator auth_;
  ApiServer api_;
  std::map<std::string, std::string> tokens_;
};

TEST_F(ApiTest, UnauthenticatedRequestsAre401) {
  HttpResponse r = call("GET", "/api/v1/pods", "", "");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body,
            R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized",)"
            R"("reason":"Unauthorized","code":401})");
  r = call("GET", "/healthz", "", "");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok");
}

TEST_F(ApiTest, LegacyDiscovery) {
  json::object core = callJson("GET", "/api/v1");
  EXPECT_EQ(core.at("kind"), "APIResourceList");
  EXPECT_EQ(core.at("groupVersion"), "v1");
  std::map<std::string, json::object> byName;
  for (const json::value& r : core.at("resources").as_array())
    byName[std::string(r.at("name").as_string())] = r.as_object();
  EXPECT_EQ(byName["pods"].at("shortNames"), json::array({"po"}));
  EXPECT_EQ(byName["pods"].at("categories"), json::array({"all"}));
  EXPECT_EQ(byName["pods/log"].at("verbs"), json::array({"get"}));
  EXPECT_EQ(byName["pods/eviction"].at("group"), "policy");
  EXPECT_EQ(byName["pods/eviction"].at("kind"), "Eviction");
  EXPECT_EQ(byName["namespaces"].at("namespaced"), false);
  json::object apps = callJson("GET", "/apis/apps/v1");
  bool scale = false;
  for (const json::value& r : apps.at("resources").as_array())
    scale |= r.at("name") == "deployments/scale" && r.at("group") == "autoscaling" && r.at("kind") == "Scale";
  EXPECT_TRUE(scale);
  json::object groups = callJson("GET", "/apis");
  for (const json::value& g : groups.at("groups").as_array())
    if (g.at("name") == "autoscaling") {
      EXPECT_EQ(g.at("preferredVersion").at("version"), "v2");
      EXPECT_EQ(g.at("versions").as_array().size(), 2u);
    }
  EXPECT_EQ(callJson("GET", "/apis/apps").at("kind"), "APIGroup");
}

TEST_F(ApiTest, AggregatedDiscoveryRequestsGetTheLegacyDocument) {
  HttpResponse r = call("GET", "/apis", "", "kubesim-admin",
                        {{"Accept",
                          "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                          "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
                          "application/json"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.contentType, "application/json");
  EXPECT_EQ(parse(r.body).at("kind"), "APIGroupList");
}

TEST_F(ApiTest, UnknownGroupsAndResourcesAre404) {
  HttpResponse r = call("GET", "/apis/nope.example.com/v1/namespaces/default/things");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(
      r.body,
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not )"
      R"(find the requested resource","reason":"NotFound","details":{},"code":404})");
  EXPECT_EQ(call("GET", "/api/v1/namespaces/default/things").status, 404);
  EXPECT_EQ(call("GET", "/api/v1/nodes/x/log").status, 404);
  EXPECT_EQ(call("GET", "/api/v1/pods/web").status, 404);  // a namespaced object outside its namespace
}

TEST_F(ApiTest, CreateAppliesTheRegistryStrategy) {
  HttpResponse r = call("POST", "/api/v1/namespaces/default/pods?fieldManager=kubectl-create",
                        R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
                            "spec":{"containers":[{"name":"c","image":"nginx"}]},"status":{"phase":"Running"}})");
  ASSERT_EQ(r.status, 201) << r.body;
  json::object pod = parse(r.body);
  EXPECT_EQ(pod.at("status"), (json::object{{"phase", "Pending"}, {"qosClass", "BestEffort"}}));
  EXPECT_EQ(pod.at("metadata").at("namespace"), "default");
  EXPECT_EQ(pod.at("metadata").at("creationTimestamp"), "2026-03-01T12:00:00Z");
  EXPECT_EQ(pod.at("spec").at("serviceAccountName"), "default");
  EXPECT_EQ(pod.at("spec").at("restartPolicy"), "Always");
  EXPECT_EQ(pod.at("spec").at("containers").at(0).at("imagePullPolicy"), "Always");
  EXPECT_EQ(pod.at("spec").at("containers").at(0).at("terminationMessagePath"), "/dev/termination-log");
  EXPECT_EQ(pod.at("metadata").at("managedFields").at(0).at("manager"), "kubectl-create");
  EXPECT_EQ(pod.at("metadata").at("managedFields").at(0).at("operation"), "Update");
}

TEST_F(ApiTest, CreateRefusals) {
  HttpResponse r = call("POST", "/api/v1/namespaces/default/pods",
                        R"({"metadata":{"name":"p"},"spec":{"serviceAccountName":"robot",
                            "containers":[{"name":"c","image":"nginx"}]}})");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(parse(r.body).at("message"),
            "pods \"p\" is forbidden: error looking up service account default/robot: serviceaccount "
            "\"robot\" not found");
  r = call("POST", "/api/v1/namespaces/default/configmaps", R"({"metadata":{"name":"Bad_Name"}})");
  EXPECT_EQ(r.status, 422);
  json::object status = parse(r.body);
  EXPECT_EQ(status.at("reason"), "Invalid");
  EXPECT_EQ(
      status.at("message"),
      "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 "
      "subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with "
      "an alphanumeric character (e.g. 'example.com', regex used for validation is "
      "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  EXPECT_EQ(status.at("details").at("causes").at(0).at("field"), "metadata.name");
  r = call("POST", "/api/v1/namespaces/default/configmaps",
           R"({"metadata":{"name":"x","namespace":"other"}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(parse(r.body).at("message"),
            "the namespace of the provided object does not match the namespace sent on the request");
  r = call("POST", "/api/v1/namespaces/default/configmaps",
           R"({"apiVersion":"apps/v1","metadata":{"name":"x"}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(parse(r.body).at("message"),
            "the API version in the data (apps/v1) does not match the expected API version (v1)");
  r = call("POST", "/api/v1/namespaces/default/configmaps?dryRun=Bogus", R"({"metadata":{"name":"x"}})");
  EXPECT_EQ(r.status, 422);
  r = call("POST", "/api/v1/namespaces/default/configmaps", "{not json");
  EXPECT_EQ(r.status, 400);
}

TEST_F(ApiTest, DryRunCreatesNothing) {
  HttpResponse r =
      call("POST", "/api/v1/namespaces/default/configmaps?dryRun=All", R"({"metadata":{"name":"dry"}})");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(call("GET", "/api/v1/namespaces/default/configmaps/dry").status, 404);
}

TEST_F(ApiTest, ForbiddenMessages) {
  HttpResponse r = call("GET", "/api/v1/namespaces/default/pods", "", "alice");
  EXPECT_EQ(r.status, 200);
  r = call("DELETE", "/api/v1/namespaces/default/pods/web", "", "alice");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(
      r.body,
      R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"web\" is )"
      R"(forbidden: User \"alice\" cannot delete resource \"pods\" in API group \"\" in the namespace )"
      R"(\"default\"","reason":"Forbidden","details":{"name":"web","kind":"pods"},"code":403})");
  r = call("GET", "/api/v1/namespaces/default/pods/web/log", "", "alice");
  EXPECT_EQ(
      parse(r.body).at("message"),
      "pods \"web\" is forbidden: User \"alice\" cannot get resource \"pods/log\" in API group \"\" in the "
      "namespace \"default\"");
  r = call("GET", "/metrics", "", "alice");
  EXPECT_EQ(parse(r.body).at("message"), "forbidden: User \"alice\" cannot get path \"/metrics\"");
  // Admins may act as others.
  r = call("DELETE", "/api/v1/namespaces/default/pods/web", "", "kubesim-admin",
           {{"Impersonate-User", "alice"}, {"Impersonate-Group", "devs"}});
  EXPECT_EQ(r.status, 403);
}

TEST_F(ApiTest, TablesPartialMetadataAndYaml) {
  const std::string table = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
  HttpResponse r = call("GET", "/api/v1/namespaces/default/pods", "", "kubesim-admin", {{"Accept", table}});
  json::object t = parse(r.body);
  EXPECT_EQ(t.at("kind"), "Table");
  EXPECT_EQ(t.at("columnDefinitions").at(0).at("name"), "Name");
  EXPECT_EQ(t.at("rows").as_array().size(), 1u);
  EXPECT_FALSE(t.at("metadata").at("resourceVersion").as_string().empty());
  r = call("GET", "/apis/apps/v1/namespaces/default/deployments", "", "kubesim-admin",
           {{"Accept", "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io"}});
  json::object partial = parse(r.body);
  EXPECT_EQ(partial.at("kind"), "PartialObjectMetadataList");
  EXPECT_EQ(partial.at("items").at(0).at("kind"), "PartialObjectMetadata");
  EXPECT_FALSE(partial.at("items").at(0).as_object().contains("spec"));
  r = call("GET", "/api/v1/namespaces/default/pods/web", "", "kubesim-admin",
           {{"Accept", "application/yaml"}});
  EXPECT_EQ(r.contentType, "application/yaml");
  EXPECT_TRUE(r.body.starts_with("apiVersion: v1\nkind: Pod\nmetadata:\n")) << r.body;
  EXPECT_NE(r.body.find("\n  name: web\n"), std::string::npos) << r.body;
  r = call("GET", "/api/v1/namespaces/default/pods/web", "", "kubesim-admin",
           {{"Accept", "application/vnd.kubernetes.protobuf"}});
  EXPECT_EQ(r.status, 406);
}

TEST_F(ApiTest, WatchStreamsThroughTheSink) {
  HttpResponse r = call("GET", "/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1");
  ASSERT_TRUE(r.stream);
  EXPECT_EQ(r.contentType, "application/json;stream=watch");
  std::vector<std::string> lines;
  std::thread writer([&] {
    std::this_thread::sleep_for(100ms);
    call("POST", "/api/v1/namespaces/default/configmaps", R"({"metadata":{"name":"seen"}})");
  });
  r.stream(StreamSink{[&](std::string_view s) {
                        lines.emplace_back(s);
                        return true;
                      },
                      [] { return true; }});
  writer.join();
  // kube-root-ca.crt is not simulated, so the namespace starts empty: one ADDED for the new ConfigMap.
  ASSERT_EQ(lines.size(), 1u);
  json::object event = parse(lines[0]);
  EXPECT_EQ(event.at("type"), "ADDED");
  EXPECT_EQ(event.at("object").at("metadata").at("name"), "seen");
  EXPECT_EQ(event.at("object").at("kind"), "ConfigMap");
}

TEST_F(ApiTest, EventsServeInBothGroups) {
  ASSERT_EQ(
      call("POST", "/api/v1/namespaces/default/events",
           R"({"metadata":{"name":"e1"},"involvedObject":{"kind":"Pod","name":"web","namespace":"default"},
                     "reason":"Started","message":"Started container c","type":"Normal","count":2,
                     "source":{"component":"kubelet"}})")
          .status,
      201);
  json::object e = callJson("GET", "/apis/events.k8s.io/v1/namespaces/default/events/e1");
  EXPECT_EQ(e.at("apiVersion"), "events.k8s.io/v1");
  EXPECT_EQ(e.at("note"), "Started container c");
  EXPECT_EQ(e.at("regarding").at("name"), "web");
  EXPECT_EQ(e.at("deprecatedCount"), 2);
  EXPECT_EQ(e.at("deprecatedSource").at("component"), "kubelet");
  EXPECT_FALSE(e.contains("message"));
}

TEST_F(ApiTest, HpaIsServedAsV2AndV1) {
  ASSERT_EQ(call("POST", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers",
                 R"({"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"web"},
                     "spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},
                     "minReplicas":1,"maxReplicas":5,"targetCPUUtilizationPercentage":70}})")
                .status,
            201);
  json::object v2 = callJson("GET", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web");
  EXPECT_EQ(v2.at("spec").at("metrics").at(0).at("resource").at("target").at("averageUtilization"), 70);
  EXPECT_EQ(v2.at("spec").at("behavior").at("scaleDown").at("stabilizationWindowSeconds"), 300);
  json::object v1 = callJson("GET", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/web");
  EXPECT_EQ(v1.at("apiVersion"), "autoscaling/v1");
  EXPECT_EQ(v1.at("spec").at("targetCPUUtilizationPercentage"), 70);
  EXPECT_FALSE(v1.at("spec").as_object().contains("metrics"));
}

TEST_F(ApiTest, CustomResourceDefinitionsAddResources) {
  HttpResponse r =
      call("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
           R"({"metadata":{"name":"widgets.example.com"},"spec":{"group":"example.com","scope":"Namespaced",
                            "names":{"plural":"widgets","singular":"widget","kind":"Widget","shortNames":["wd"]},
                            "versions":[{"name":"v1","served":true,"storage":true,
                            "schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}})");
  ASSERT_EQ(r.status, 201) << r.body;
  json::object crd = parse(r.body);
  EXPECT_EQ(crd.at("status").at("conditions").at(1).at("type"), "Established");
  json::object list = callJson("GET", "/apis/example.com/v1");
  EXPECT_EQ(list.at("resources").at(0).at("name"), "widgets");
  EXPECT_EQ(list.at("resources").at(0).at("shortNames"), json::array({"wd"}));
  r = call("POST", "/apis/example.com/v1/namespaces/default/widgets",
           R"({"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w1"},"spec":{"size":3}})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(parse(r.body).at("metadata").at("generation"), 1);
  json::object widgets = callJson("GET", "/apis/example.com/v1/namespaces/default/widgets");
  EXPECT_EQ(widgets.at("kind"), "WidgetList");
  EXPECT_EQ(widgets.at("items").at(0).at("kind"), "Widget");  // custom resource list items keep their kind
  r = call("PATCH", "/apis/example.com/v1/namespaces/default/widgets/w1", R"({"spec":{"size":4}})",
           "kubesim-admin", {{"Content-Type", "application/strategic-merge-patch+json"}});
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(
      call("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com").status,
      200);
  EXPECT_EQ(call("GET", "/apis/example.com/v1/namespaces/default/widgets").status, 404);
}

TEST_F(ApiTest, EvictionHonoursDisruptionBudgets) {
  json::object pdb =
      parse(R"({"apiVersion":"policy/v1","kind":"PodDisruptionBudget","metadata":{"name":"web-pdb",
      "namespace":"default","generation":1},"spec":{"minAvailable":1,"selector":{"matchLabels":{"app":"web"}}},
      "status":{"observedGeneration":1,"disruptionsAllowed":0,"currentHealthy":1,"desiredHealthy":1,
      "expectedPods":1}})");
  api_.store().create({"policy", "poddisruptionbudgets"}, pdb, {false, true});
  const std::string eviction =
      R"({"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"web","namespace":"default"}})";
  HttpResponse r = call("POST", "/api/v1/namespaces/default/pods/web/eviction", eviction);
  EXPECT_EQ(r.status, 429);
  json::object status = parse(r.body);
  EXPECT_EQ(status.at("message"), "Cannot evict pod as it would violate the pod's disruption budget.");
  EXPECT_EQ(status.at("details").at("causes").at(0).at("message"),
            "The disruption budget web-pdb needs 1 healthy pods and has 1 currently");
  api_.store().modify({"policy", "poddisruptionbudgets"}, "default", "web-pdb",
                      [](const json::object& o) {
                        json::object next = o;
                        next["status"].as_object()["disruptionsAllowed"] = 1;
                        return next;
                      },
                      {UpdateScope::Status, false});
  r = call("POST", "/api/v1/namespaces/default/pods/web/eviction", eviction);
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","code":201})");
  EXPECT_EQ(call("GET", "/api/v1/namespaces/default/pods/web").status, 404);
}

TEST_F(ApiTest, ScaleSubresource) {
  json::object scale = callJson("GET", "/apis/apps/v1/namespaces/default/deployments/web/scale");
  EXPECT_EQ(scale.at("kind"), "Scale");
  EXPECT_EQ(scale.at("apiVersion"), "autoscaling/v1");
  EXPECT_EQ(scale.at("spec").at("replicas"), 2);
  EXPECT_EQ(scale.at("status"), (json::object{{"replicas", 2}, {"selector", "app=web"}}));
  scale["spec"].as_object()["replicas"] = 4;
  HttpResponse r = call("PUT", "/apis/apps/v1/namespaces/default/deployments/web/scale", toJson(scale));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(callJson("GET", "/apis/apps/v1/namespaces/default/deployments/web").at("spec").at("replicas"), 4);
  r = call("PUT", "/apis/apps/v1/namespaces/default/deployments/web/scale", toJson(scale));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(
      parse(r.body).at("message"),
      "Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified; please apply "
      "your changes to the latest version and try again");
}

TEST_F(ApiTest, DeleteAnswersWithStatusOrObject) {
  json::object status = callJson("DELETE", "/apis/apps/v1/namespaces/default/deployments/web");
  EXPECT_EQ(status.at("kind"), "Status");
  EXPECT_EQ(status.at("status"), "Success");
  EXPECT_EQ(status.at("details").at("name"), "web");
  EXPECT_EQ(status.at("details").at("group"), "apps");
  EXPECT_EQ(status.at("details").at("kind"), "deployments");
  json::object pod = callJson("DELETE", "/api/v1/namespaces/default/pods/web");
  EXPECT_EQ(pod.at("kind"), "Pod");
  EXPECT_EQ(pod.at("metadata").at("name"), "web");
}

TEST_F(ApiTest, PodLogs) {
  HttpResponse r = call("GET", "/api/v1/namespaces/default/pods/web/log?tailLines=1");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.contentType, "text/plain");
  EXPECT_EQ(r.body, "line 2\n");
  r = call("GET", "/api/v1/namespaces/default/pods/web/log?previous=true");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(parse(r.body).at("message"), "previous terminated container \"c\" in pod \"web\" not found");
  r = call("GET", "/api/v1/namespaces/default/pods/web/log?follow=true");
  ASSERT_TRUE(r.stream);
  std::string received;
  std::thread writer([&] {
    std::this_thread::sleep_for(100ms);
    api_.logs().append({"default", "web", "c", false}, "line 3\n");
    std::this_thread::sleep_for(100ms);
    call("DELETE", "/api/v1/namespaces/default/pods/web");
  });
  r.stream(StreamSink{[&](std::string_view s) {
                        received += s;
                        return true;
                      },
                      [] { return true; }});
  writer.join();
  EXPECT_EQ(received, "line 1\nline 2\nline 3\n");
}

// A protobuf SelfSubjectAccessReview as kubectl's typed client encodes it.
std::string protobufAccessReview(const std::string& verb, const std::string& resource,
                                 const std::string& ns) {
  auto varint = [](std::uint64_t v) {
    std::string out;
    do {
      unsigned char b = v & 0x7F;
      v >>= 7;
      if (v) b |= 0x80;
      out += static_cast<char>(b);
    } while (v);
    return out;
  };
  auto field = [&](int number, const std::string& bytes) {
    return varint(number << 3 | 2) + varint(bytes.size()) + bytes;
  };
  std::string attributes = field(1, ns) + field(2, verb) + field(3, "") + field(5, resource);
  std::string spec = field(1, attributes);
  std::string review = field(1, "") + field(2, spec);
  std::string typeMeta = field(1, "authorization.k8s.io/v1") + field(2, "SelfSubjectAccessReview");
  return std::string("k8s\0", 4) + field(1, typeMeta) + field(2, review);
}

TEST_F(ApiTest, ProtobufBodiesOfTypedClients) {
  HttpResponse r = call("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                        protobufAccessReview("list", "pods", "default"), "alice",
                        {{"Content-Type", "application/vnd.kubernetes.protobuf"},
                         {"Accept", "application/vnd.kubernetes.protobuf,application/json"}});
  ASSERT_EQ(r.status, 201) << r.body;
  json::object review = parse(r.body);
  EXPECT_EQ(review.at("status").at("allowed"), true);
  EXPECT_EQ(review.at("spec").at("resourceAttributes"),
            (json::object{{"namespace", "default"}, {"verb", "list"}, {"resource", "pods"}}));
  r = call("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
           protobufAccessReview("delete", "nodes", ""), "alice",
           {{"Content-Type", "application/vnd.kubernetes.protobuf"}});
  EXPECT_EQ(parse(r.body).at("status"), (json::object{{"allowed", false}}));
  r = call("POST", "/apis/apps/v1/namespaces/default/deployments", std::string("k8s\0\x0a\x00", 6),
           "kubesim-admin", {{"Content-Type", "application/vnd.kubernetes.protobuf"}});
  EXPECT_EQ(r.status, 415);
}

TEST_F(ApiTest, SelfSubjectReviewAndRules) {
  json::object review =
      callJson("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
               R"({"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"})", "alice");
  EXPECT_EQ(review.at("status").at("userInfo"),
            (json::object{{"username", "alice"}, {"groups", json::array{"devs", "system:authenticated"}}}));
  json::object rules = callJson("POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
                                R"({"spec":{"namespace":"default"}})", "alice");
  EXPECT_EQ(rules.at("status").at("incomplete"), false);
  bool pods = false;
  for (const json::value& rule : rules.at("status").at("resourceRules").as_array())
    pods |= rule.at("resources") == json::array({"pods"});
  EXPECT_TRUE(pods) << toJson(rules);
}

}  // namespace
}  // namespace kubesim

// The live-cluster side of the API server: the clock control endpoint, injected faults (each kind, counts,
// probabilities, the control endpoint, scenario documents) and the runtime's hooks with fake providers.
#include "simulation.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "api.h"
#include "codec.h"
#include "errors.h"
#include "faults.h"

namespace kubesim {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

const OpenApi& openapi() {
  static const OpenApi api = OpenApi::load(KUBESIM_DEFAULT_OPENAPI);
  return api;
}

json::object parse(const std::string& text) {
  json::value v = parseJson(text);
  EXPECT_TRUE(v.is_object()) << text;
  return v.is_object() ? v.get_object() : json::object{};
}

const behaviour::TimePoint kStart = std::chrono::sys_days{std::chrono::year{2026} / 11 / 20} + 9h;

// A frozen virtual clock on a fake real-time source, so every timestamp is exact.
class SimulationTest : public ::testing::Test {
 protected:
  SimulationTest()
      : clock_(kStart, 1.0, [this] { return real_; }),
        auth_(std::vector<ScenarioUser>{{"alice", {"devs"}}}),
        api_(openapi(), auth_, clock_) {
    ClusterState state;
    state.objects.push_back(parse(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"todo"}})"));
    state.objects.push_back(
        parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"todo",
        "labels":{"app":"web"},"creationTimestamp":"2026-11-20T08:00:00Z"},
        "spec":{"containers":[{"name":"c","image":"nginx:1"}]},"status":{"phase":"Running"}})"));
    state.objects.push_back(parse(R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"todo-backend",
        "namespace":"todo"},"spec":{"selector":{"app":"web"},"ports":[{"name":"http","port":80}]}})"));
    api_.load(state);
    for (const Credential& c : auth_.kubeconfigCredentials())
      tokens_[c.user.name] = c.token;
    hooks_.clock = &clock_;
    hooks_.clockChanged = [this] { ++clockChanges_; };
    api_.setSimulation(hooks_);
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
      for (std::size_t start = 0; start < query.size();) {
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
    r.headers.emplace_back("Authorization", "Bearer " + tokens_[user]);
    if (!body.empty()) r.headers.emplace_back("Content-Type", "application/json");
    return api_.handle(r);
  }
  json::object callJson(const std::string& method, const std::string& target, const std::string& body = "",
                        const std::string& user = "kubesim-admin") {
    return parse(call(method, target, body, user).body);
  }
  static std::string header(const HttpResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return "<none>";
  }
  int addFault(const std::string& spec) {
    HttpResponse r = call("POST", "/kubesim/v1/faults", spec);
    EXPECT_EQ(r.status, 201) << r.body;
    return static_cast<int>(parse(r.body).at("id").as_int64());
  }
  // Runs a streamed response to its end, collecting what it wrote.
  static std::vector<std::string> drain(const HttpResponse& r) {
    std::vector<std::string> writes;
    if (!r.stream) return writes;
    r.stream(StreamSink{[&](std::string_view data) {
                          writes.emplace_back(data);
                          return true;
                        },
                        [] { return true; }});
    return writes;
  }

  behaviour::VirtualClock::RealClock::time_point real_{};
  behaviour::VirtualClock clock_;
  Authenticator auth_;
  ApiServer api_;
  SimulationHooks hooks_;
  int clockChanges_ = 0;
  std::map<std::string, std::string> tokens_;
};

// ---- the clock ----

TEST_F(SimulationTest, ClockEndpointReportsTheVirtualClock) {
  real_ += 90s;  // runs at scale 1
  EXPECT_EQ(call("GET", "/kubesim/v1/clock").body,
            R"({"now":"2026-11-20T09:01:30.000000Z","scale":1E0,"frozen":false})");
}

TEST_F(SimulationTest, ClockEndpointAdvancesFreezesAndScales) {
  json::object state = callJson("POST", "/kubesim/v1/clock", R"({"freeze":true,"advance":"5m"})");
  EXPECT_EQ(state.at("now"), "2026-11-20T09:05:00.000000Z");
  EXPECT_EQ(state.at("frozen"), true);
  real_ += 1h;  // frozen: real time does not move it
  EXPECT_EQ(callJson("GET", "/kubesim/v1/clock").at("now"), "2026-11-20T09:05:00.000000Z");
  state = callJson("POST", "/kubesim/v1/clock", R"({"freeze":false,"scale":60})");
  EXPECT_EQ(state.at("scale"), 60.0);
  EXPECT_EQ(state.at("frozen"), false);
  real_ += 2s;  // two real seconds are two virtual minutes
  EXPECT_EQ(callJson("GET", "/kubesim/v1/clock").at("now"), "2026-11-20T09:07:00.000000Z");
  callJson("POST", "/kubesim/v1/clock", R"({"advanceTo":"2026-11-21T00:00:00Z"})");
  EXPECT_EQ(callJson("GET", "/kubesim/v1/clock").at("now"), "2026-11-21T00:00:00.000000Z");
  EXPECT_EQ(clockChanges_, 3);
}

TEST_F(SimulationTest, ClockEndpointRefusesBadInputAndLeavesTheClockAlone) {
  HttpResponse r = call("POST", "/kubesim/v1/clock", R"({"advance":"5m","scale":-1})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(parse(r.body).at("message"), "scale: must be a number greater than 0, not -1");
  EXPECT_EQ(parse(call("POST", "/kubesim/v1/clock", R"({"advance":"soon"})").body).at("message"),
            R"(advance: must be a non-negative duration such as "5m", not "soon")");
  EXPECT_EQ(parse(call("POST", "/kubesim/v1/clock", R"({"rewind":"5m"})").body).at("message"),
            R"(unknown field "rewind" (expected advance, advanceTo, freeze or scale))");
  EXPECT_EQ(callJson("GET", "/kubesim/v1/clock").at("now"), "2026-11-20T09:00:00.000000Z");
  EXPECT_EQ(clockChanges_, 0);
  EXPECT_EQ(call("DELETE", "/kubesim/v1/clock").status, 405);
}

TEST_F(SimulationTest, ControlEndpointsAreForClusterAdminsOnly) {
  HttpResponse r = call("POST", "/kubesim/v1/clock", R"({"advance":"1h"})", "alice");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(parse(r.body).at("message"), R"(forbidden: User "alice" cannot post path "/kubesim/v1/clock")");
  EXPECT_EQ(call("GET", "/kubesim/v1/faults", "", "alice").status, 403);
  EXPECT_EQ(callJson("GET", "/kubesim/v1/clock").at("now"), "2026-11-20T09:00:00.000000Z");
}

TEST_F(SimulationTest, TimestampsAndAgesFollowTheClock) {
  callJson("POST", "/kubesim/v1/clock", R"({"freeze":true,"advance":"3h"})");
  json::object created = callJson("POST", "/api/v1/namespaces/todo/configmaps",
                                  R"({"metadata":{"name":"settings"},"data":{"a":"1"}})");
  EXPECT_EQ(created.at("metadata").at("creationTimestamp"), "2026-11-20T12:00:00Z");
  json::object table = parse(call("GET", "/api/v1/namespaces/todo/pods/web", "", "kubesim-admin",
                                  {{"Accept", "application/json;as=Table;v=v1;g=meta.k8s.io"}})
                                 .body);
  // Created 08:00, now 12:00.
  EXPECT_EQ(table.at("rows").at(0).at("cells").at(4), "4h");
}

// ---- faults ----

TEST_F(SimulationTest, An500FaultAnswersInternalError) {
  addFault(
      R"({"path":"/api/v1/namespaces/todo/pods","verbs":["list"],"error":{"code":500,"message":"etcd is gone"}})");
  HttpResponse r = call("GET", "/api/v1/namespaces/todo/pods");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body, R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
                    R"("message":"Internal error occurred: etcd is gone","reason":"InternalError",)"
                    R"("details":{"causes":[{"message":"etcd is gone"}]},"code":500})");
  // Another verb on the same path is not hit.
  EXPECT_EQ(call("GET", "/api/v1/namespaces/todo/pods/web").status, 200);
}

TEST_F(SimulationTest, A429FaultCarriesRetryAfter) {
  addFault(R"({"pathRegex":"/api/v1/namespaces/[^/]+/pods.*","error":{"code":429,"retryAfterSeconds":3}})");
  HttpResponse r = call("GET", "/api/v1/namespaces/todo/pods/web");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(header(r, "Retry-After"), "3");
  EXPECT_EQ(r.body, R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
                    R"("message":"Too many requests, please try again later.","reason":"TooManyRequests",)"
                    R"("details":{"retryAfterSeconds":3},"code":429})");
  EXPECT_EQ(call("GET", "/api/v1/namespaces/todo/services").status, 200);  // the regex does not match
}

TEST_F(SimulationTest, A403FaultIsForbiddenForTheResource) {
  addFault(R"({"path":"/api/v1/namespaces/todo/pods/web","error":{"code":403,"message":"policy says no"}})");
  HttpResponse r = call("DELETE", "/api/v1/namespaces/todo/pods/web");
  EXPECT_EQ(r.status, 403);
  json::object status = parse(r.body);
  EXPECT_EQ(status.at("message"), R"(pods "web" is forbidden: policy says no)");
  EXPECT_EQ(status.at("reason"), "Forbidden");
  EXPECT_EQ(status.at("details"), parse(R"({"name":"web","kind":"pods"})"));
  EXPECT_EQ(call("GET", "/api/v1/namespaces/todo/pods/web").status, 403);  // no verbs: every verb
}

TEST_F(SimulationTest, CountLimitedFaultsHitTheNextRequestsOnly) {
  int id = addFault(R"({"name":"flaky","path":"/api/","error":{"code":503},"count":2})");
  EXPECT_EQ(call("GET", "/api/v1/namespaces/todo/pods").status, 503);
  EXPECT_EQ(call("GET", "/api/v1/namespaces/todo/services").status, 503);
  EXPECT_EQ(call("GET", "/api/v1/namespaces/todo/pods").status, 200);
  json::object listed = callJson("GET", "/kubesim/v1/faults");
  EXPECT_EQ(listed, parse(R"({"faults":[{"id":)" + std::to_string(id) +
                          R"(,"name":"flaky","path":"/api/","error":{"code":503,"message":
                          "the server is currently unable to handle the request"},"probability":1E0,
                          "count":2,"remaining":0,"fired":2}]})"));
}

TEST_F(SimulationTest, ProbabilityDecidesWhichRequestsAreHit) {
  addFault(R"({"path":"/api/v1/namespaces/todo/services","error":{"code":500},"probability":0})");
  addFault(R"({"path":"/api/v1/namespaces/todo/pods","error":{"code":500},"probability":0.5})");
  int hits = 0;
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(call("GET", "/api/v1/namespaces/todo/services").status, 200);
    hits += call("GET", "/api/v1/namespaces/todo/pods").status == 500;
  }
  EXPECT_GT(hits, 60);  // 100 expected; the seeded generator gives the same count every run
  EXPECT_LT(hits, 140);
}

TEST_F(SimulationTest, LatencyFaultsDelayTheAnswer) {
  addFault(R"({"path":"/api/v1/namespaces/todo/pods/web","latency":"300ms"})");
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(call("GET", "/api/v1/namespaces/todo/pods/web").status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
  start = std::chrono::steady_clock::now();
  EXPECT_EQ(call("GET", "/api/v1/namespaces/todo/services").status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 300ms);
}

TEST_F(SimulationTest, DroppedWatchEndsAfterNEvents) {
  callJson("POST", "/api/v1/namespaces/todo/pods",
           R"({"metadata":{"name":"two"},"spec":{"containers":[{"name":"c","image":"nginx:1"}]}})");
  addFault(R"({"path":"/api/v1/namespaces/todo/pods","dropWatch":{"afterEvents":1}})");
  // Plain requests do not spend a watch-only fault.
  EXPECT_EQ(call("GET", "/api/v1/namespaces/todo/pods").status, 200);
  HttpResponse r = call("GET", "/api/v1/namespaces/todo/pods?watch=1&timeoutSeconds=30");
  std::vector<std::string> writes = drain(r);  // would run 30 s without the fault
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(parse(writes[0]).at("type"), "ADDED");
  EXPECT_EQ(api_.faults().list().at(0).fired, 1);
}

TEST_F(SimulationTest, DroppedWatchEndsAfterATime) {
  addFault(R"({"path":"/api/v1/namespaces/todo/pods","dropWatch":{"after":"200ms"}})");
  HttpResponse r = call("GET", "/api/v1/namespaces/todo/pods?watch=1&timeoutSeconds=30");
  auto start = std::chrono::steady_clock::now();
  std::vector<std::string> writes = drain(r);
  EXPECT_EQ(writes.size(), 1u);  // the pod's ADDED event, then nothing until the cut
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST_F(SimulationTest, FaultEndpointAddsListsAndDeletes) {
  int a = addFault(R"({"path":"/apis/apps","error":{"code":500}})");
  int b = addFault(R"({"path":"/api","latency":"10ms"})");
  EXPECT_EQ(callJson("GET", "/kubesim/v1/faults").at("faults").as_array().size(), 2u);
  EXPECT_EQ(callJson("GET", "/kubesim/v1/faults/" + std::to_string(b)).at("latency"), "10ms");
  EXPECT_EQ(call("DELETE", "/kubesim/v1/faults/" + std::to_string(a)).status, 200);
  EXPECT_EQ(call("GET", "/kubesim/v1/faults/" + std::to_string(a)).status, 404);
  EXPECT_EQ(call("GET", "/apis/apps/v1/namespaces/todo/deployments").status, 200);
  callJson("DELETE", "/kubesim/v1/faults");
  EXPECT_TRUE(api_.faults().empty());
  // The control endpoint itself is never hit, even by a fault on every path.
  addFault(R"({"path":"/","error":{"code":500}})");
  EXPECT_EQ(call("GET", "/kubesim/v1/faults").status, 200);
  EXPECT_EQ(call("GET", "/api/v1/namespaces").status, 500);
}

TEST_F(SimulationTest, FaultEndpointRefusesBadFaults) {
  auto message = [&](const std::string& spec) {
    HttpResponse r = call("POST", "/kubesim/v1/faults", spec);
    EXPECT_EQ(r.status, 400);
    return std::string(parse(r.body).at("message").as_string());
  };
  EXPECT_EQ(message(R"({"error":{"code":500}})"),
            "invalid fault: path: give exactly one of path and pathRegex");
  EXPECT_EQ(message(R"({"path":"/api","error":{"code":200}})"),
            "invalid fault: error.code: must be between 400 and 599, not 200");
  EXPECT_EQ(message(R"({"path":"/api"})"),
            "invalid fault: error: a fault needs at least one of error, latency and dropWatch");
  EXPECT_EQ(message(R"({"path":"/api","latency":"1s","verbs":["fetch"]})"),
            "invalid fault: verbs: unknown verb \"fetch\" (expected one of get, list, watch, create, update, "
            "patch, delete, deletecollection, proxy)");
  EXPECT_EQ(message(R"({"path":"/api","latency":"1s","probability":2})"),
            "invalid fault: probability: must be between 0 and 1, not 2");
  EXPECT_EQ(message(R"({"path":"/api","latency":"1s","colour":"red"})"),
            "invalid fault: colour: unknown field");
}

TEST(FaultDocuments, ScenarioFaultsLoadWithLineNumberedErrors) {
  fs::path file = fs::temp_directory_path() / ("kubesim-faults-test-" + std::to_string(::getpid()) + ".yaml");
  {
    std::ofstream out(file);
    out << "apiVersion: kubesim.aiops.dev/v1\nkind: Fault\nname: slow-pods\npath: /api/v1/pods\n"
           "verbs: [list]\nlatency: 2s\ncount: 3\n---\n"
           "apiVersion: kubesim.aiops.dev/v1\nkind: Fault\nname: bad\npath: /api\nerror:\n  code: 700\n";
  }
  ClusterState state = loadScenario(file);
  ASSERT_EQ(state.faultDocuments.size(), 2u);
  try {
    parseFaultDocuments(state.faultDocuments);
    ADD_FAILURE() << "no error";
  } catch (const StateError& e) {
    EXPECT_EQ(std::string(e.what()),
              file.string() + ":14: Fault bad: error.code: must be between 400 and 599, not 700");
  }
  std::vector<FaultSpec> first = parseFaultDocuments({state.faultDocuments.front()});
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].name, "slow-pods");
  EXPECT_EQ(first[0].latency, 2s);
  EXPECT_EQ(first[0].verbs, std::vector<std::string>{"list"});
  EXPECT_EQ(first[0].count, 3);
  fs::remove(file);
}

// ---- hooks ----

class FakeAdmission final : public Admission {
 public:
  void admit(const GroupResource& resource, json::object& object) override {
    seen.push_back(resource.str());
    if (resource.resource != "pods") return;
    json::object& meta = object["metadata"].as_object();
    if (meta["name"] == "greedy")
      throw ApiError(
          403, "Forbidden",
          R"(pods "greedy" is forbidden: exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1)");
    meta["annotations"] = json::object{{"kubernetes.io/limit-ranger", "LimitRanger plugin set: cpu request"}};
  }
  std::vector<std::string> seen;
};

TEST_F(SimulationTest, AdmissionRunsOnCreatesThroughTheApiAndForControllers) {
  FakeAdmission admission;
  hooks_.admission = &admission;
  api_.setSimulation(hooks_);
  json::object pod =
      callJson("POST", "/api/v1/namespaces/todo/pods",
               R"({"metadata":{"name":"ok"},"spec":{"containers":[{"name":"c","image":"x"}]}})");
  EXPECT_EQ(pod.at("metadata").at("annotations").at("kubernetes.io/limit-ranger"),
            "LimitRanger plugin set: cpu request");
  HttpResponse r = call("POST", "/api/v1/namespaces/todo/pods",
                        R"({"metadata":{"name":"greedy"},"spec":{"containers":[{"name":"c","image":"x"}]}})");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(parse(r.body).at("reason"), "Forbidden");
  EXPECT_EQ(call("GET", "/api/v1/namespaces/todo/pods/greedy").status, 404);

  // A controller's create: strategy defaults, admission, managedFields of the controller.
  ObjectPtr made = api_.createAs({"", "pods"}, parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{
      "generateName":"web-","namespace":"todo"},"spec":{"containers":[{"name":"c","image":"x"}]}})"));
  const json::object& meta = made->at("metadata").as_object();
  EXPECT_TRUE(std::string_view(meta.at("name").as_string()).starts_with("web-"));
  EXPECT_EQ(meta.at("annotations").at("kubernetes.io/limit-ranger"), "LimitRanger plugin set: cpu request");
  EXPECT_EQ(meta.at("managedFields").at(0).at("manager"), "kube-controller-manager");
  EXPECT_EQ(made->at("spec").at("serviceAccountName"), "default");
  EXPECT_EQ(made->at("status").at("phase"), "Pending");
  EXPECT_THROW(
      api_.createAs({"", "pods"}, parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"greedy",
      "namespace":"todo"},"spec":{"containers":[{"name":"c","image":"x"}]}})")),
      ApiError);
  EXPECT_EQ(admission.seen, (std::vector<std::string>{"pods", "pods", "pods", "pods"}));
}

class FakeResourceMetrics final : public ResourceMetrics {
 public:
  std::vector<json::object> podMetrics(std::string_view ns) override {
    std::vector<json::object> out;
    for (auto [n, name, app] :
         {std::tuple{"todo", "web", "web"}, {"todo", "db", "db"}, {"other", "x", "web"}})
      if (ns.empty() || ns == n)
        out.push_back(parse(fmt::format(R"({{"apiVersion":"metrics.k8s.io/v1beta1","kind":"PodMetrics",
            "metadata":{{"name":"{}","namespace":"{}","labels":{{"app":"{}"}}}},"timestamp":"2026-11-20T09:00:00Z",
            "window":"15s","containers":[{{"name":"c","usage":{{"cpu":"25000000n","memory":"65536Ki"}}}}]}})",
                                        name, n, app)));
    return out;
  }
  std::vector<json::object> nodeMetrics() override {
    return {
        parse(R"({"apiVersion":"metrics.k8s.io/v1beta1","kind":"NodeMetrics","metadata":{"name":"minikube"},
        "timestamp":"2026-11-20T09:00:00Z","window":"15s","usage":{"cpu":"250000000n","memory":"1048576Ki"}})")};
  }
};

TEST_F(SimulationTest, ResourceMetricsServeMetricsApi) {
  FakeResourceMetrics metrics;
  hooks_.resourceMetrics = &metrics;
  api_.setSimulation(hooks_);
  json::object list = callJson("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/todo/pods");
  EXPECT_EQ(list.at("kind"), "PodMetricsList");
  EXPECT_EQ(list.at("items").as_array().size(), 2u);
  list = callJson("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/todo/pods?labelSelector=app=web");
  ASSERT_EQ(list.at("items").as_array().size(), 1u);
  EXPECT_EQ(list.at("items").at(0).at("metadata").at("name"), "web");
  EXPECT_EQ(callJson("GET", "/apis/metrics.k8s.io/v1beta1/pods").at("items").as_array().size(), 3u);
  json::object one = callJson("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/todo/pods/db");
  EXPECT_EQ(one.at("containers").at(0).at("usage").at("cpu"), "25000000n");
  EXPECT_EQ(call("GET", "/apis/metrics.k8s.io/v1beta1/namespaces/todo/pods/nope").status, 404);
  json::object nodes = callJson("GET", "/apis/metrics.k8s.io/v1beta1/nodes");
  EXPECT_EQ(nodes.at("kind"), "NodeMetricsList");
  EXPECT_EQ(nodes.at("items").at(0).at("usage").at("memory"), "1048576Ki");
}

class FakeApplicationMetrics final : public ApplicationMetrics {
 public:
  std::optional<std::string> serviceMetrics(const std::string& ns, const std::string& service) override {
    if (ns == "todo" && service == "todo-backend") return "http_requests_total{code=\"200\"} 42\n";
    return std::nullopt;
  }
  std::optional<std::string> podMetrics(const std::string& ns, const std::string& pod) override {
    if (ns == "todo" && pod == "web") return "http_requests_total{code=\"200\"} 7\n";
    return std::nullopt;
  }
};

TEST_F(SimulationTest, ApplicationMetricsServeTheProxyPaths) {
  HttpResponse r = call("GET", "/api/v1/namespaces/todo/services/todo-backend:http/proxy/metrics");
  EXPECT_EQ(r.status, 503);  // without the hook: a Service without endpoints
  EXPECT_EQ(parse(r.body).at("message"), R"(no endpoints available for service "todo-backend:http")");

  FakeApplicationMetrics metrics;
  hooks_.applicationMetrics = &metrics;
  api_.setSimulation(hooks_);
  for (const std::string name : {"todo-backend", "todo-backend:http", "http:todo-backend:80"}) {
    r = call("GET", "/api/v1/namespaces/todo/services/" + name + "/proxy/metrics");
    EXPECT_EQ(r.status, 200) << name;
    EXPECT_EQ(r.contentType, "text/plain; version=0.0.4; charset=utf-8");
    EXPECT_EQ(r.body, "http_requests_total{code=\"200\"} 42\n");
  }
  r = call("GET", "/api/v1/namespaces/todo/pods/web:8080/proxy/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "http_requests_total{code=\"200\"} 7\n");
  r = call("GET", "/api/v1/namespaces/todo/services/todo-backend/proxy/api/todos");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "404 page not found\n");
  EXPECT_EQ(call("GET", "/api/v1/namespaces/todo/services/missing/proxy/metrics").status, 404);
}

// Records the actions it is given; refuses those naming the pod "missing" as the runtime would.
class FakeTimelineActions final : public TimelineActions {
 public:
  void apply(const behaviour::TimelineAction& action) override {
    if (const auto* kill = std::get_if<behaviour::KillPod>(&action); kill && kill->name == "missing")
      throw notFound({"", "pods"}, kill->name);
    applied.push_back(behaviour::actionName(action));
  }
  std::vector<std::string> applied;
};

TEST_F(SimulationTest, ActionsEndpointAppliesTimelineActions) {
  // Without the hook (no controllers) there is nothing to apply them.
  HttpResponse r = call("POST", "/kubesim/v1/actions", R"({"action":"killPod","name":"web"})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(parse(r.body).at("message"), "this kubesim runs no controllers (start it with --controllers on)");

  FakeTimelineActions actions;
  hooks_.actions = &actions;
  api_.setSimulation(hooks_);
  callJson("POST", "/kubesim/v1/clock", R"({"freeze":true,"advance":"90s"})");
  r = call("POST", "/kubesim/v1/actions", R"({"action":"setLoad","namespace":"todo","service":"todo-backend",
      "rps":150})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"action":"setLoad","namespace":"todo","service":"todo-backend","rps":150,)"
                    R"("appliedAt":"2026-11-20T09:01:30.000000Z"})");
  r = call("PUT", "/kubesim/v1/actions/", R"({"action":"nodePressure","node":"minikube",
      "condition":"MemoryPressure"})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(parse(r.body).at("status"), "True");
  EXPECT_EQ(actions.applied, (std::vector<std::string>{"setLoad", "nodePressure"}));

  // Refusals: the hook's own error, a bad action, a body that is not an object, another verb, a user
  // without cluster-admin. None of them reaches the hook.
  r = call("POST", "/kubesim/v1/actions", R"({"action":"killPod","namespace":"todo","name":"missing"})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(parse(r.body).at("message"), R"(pods "missing" not found)");
  r = call("POST", "/kubesim/v1/actions", R"({"action":"killPod","namespace":"todo"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(parse(r.body).at("message"), "invalid action: killPod needs exactly one of name and selector");
  r = call("POST", "/kubesim/v1/actions", "[1,2]");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(parse(r.body).at("message"), "the request body must be a JSON object");
  EXPECT_EQ(call("GET", "/kubesim/v1/actions").status, 405);
  r = call("POST", "/kubesim/v1/actions", R"({"action":"killPod","name":"web"})", "alice");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(parse(r.body).at("message"), R"(forbidden: User "alice" cannot post path "/kubesim/v1/actions")");
  EXPECT_EQ(actions.applied.size(), 2u);
}

}  // namespace
}  // namespace kubesim

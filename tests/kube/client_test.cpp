// Client tests over FakeTransport: paths, pagination, selectors, writes, logs, watch and parallel fetches.
#include "kube/client.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "fake_transport.h"

namespace aiops::kube {
namespace {

namespace json = boost::json;
using testing::FakeTransport;
using namespace std::chrono_literals;

const std::string kPodsShop = "/api/v1/namespaces/shop/pods";

class ClientTest : public ::testing::Test {
 protected:
  FakeTransport fake;
  Client client{fake};
};

TEST_F(ClientTest, GetBuildsTheObjectPath) {
  fake.respondJson("GET", kPodsShop + "/web-1", R"({"kind":"Pod","metadata":{"name":"web-1"}})");
  const json::value pod = client.get({types::pods, "shop", "web-1"});
  EXPECT_EQ(pod.at("metadata").at("name").as_string(), "web-1");
  EXPECT_EQ(fake.paths("GET"), std::vector<std::string>{kPodsShop + "/web-1"});
}

TEST_F(ClientTest, GetOfAGroupedClusterScopedAndNamespacedType) {
  fake.respondJson("GET", "/apis/apps/v1/namespaces/shop/deployments/web", "{}");
  fake.respondJson("GET", "/api/v1/nodes/n1", "{}");
  fake.respondJson("GET", "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/web", "{}");
  client.get({types::deployments, "shop", "web"});
  client.get({types::nodes, "ignored", "n1"});
  client.get({types::horizontalPodAutoscalers, "shop", "web"});
  EXPECT_EQ(fake.paths("GET"),
            (std::vector<std::string>{"/apis/apps/v1/namespaces/shop/deployments/web", "/api/v1/nodes/n1",
                                      "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/web"}));
}

TEST_F(ClientTest, GetOfAMissingObjectThrowsNotFoundWithContext) {
  fake.respondApiError("GET", kPodsShop + "/nope", 404, "NotFound", "pods \"nope\" not found");
  try {
    client.get({types::pods, "shop", "nope"});
    FAIL() << "expected KubeError";
  } catch (const KubeError& e) {
    EXPECT_TRUE(e.isNotFound());
    EXPECT_STREQ(
        e.what(),
        "getting pods/nope in namespace shop: pods \"nope\" not found (404 NotFound); check the name and the "
        "namespace (-n)");
  }
}

TEST_F(ClientTest, FindReturnsNulloptOnlyForNotFound) {
  fake.respondApiError("GET", kPodsShop + "/gone", 404, "NotFound", "pods \"gone\" not found");
  fake.respondApiError("GET", kPodsShop + "/secret", 403, "Forbidden", "pods \"secret\" is forbidden");
  fake.respondJson("GET", kPodsShop + "/there", R"({"kind":"Pod"})");
  EXPECT_FALSE(client.find({types::pods, "shop", "gone"}).has_value());
  EXPECT_EQ(client.find({types::pods, "shop", "there"})->at("kind").as_string(), "Pod");
  EXPECT_THROW(client.find({types::pods, "shop", "secret"}), KubeError);
}

TEST_F(ClientTest, ListCollectsEveryPageAndNamesTheItems) {
  fake.respondJson(
      "GET", kPodsShop + "?limit=2",
      R"({"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"10","continue":"tok1"},
                       "items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]})");
  fake.respondJson("GET", kPodsShop + "?limit=2&continue=tok1",
                   R"({"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"10"},
                       "items":[{"metadata":{"name":"c"}}]})");
  ListOptions options;
  options.pageSize = 2;
  const json::value list = client.list(types::pods, "shop", options);
  EXPECT_EQ(json::serialize(list),
            R"({"apiVersion":"v1","kind":"PodList","metadata":{"resourceVersion":"10"},"items":[)"
            R"({"metadata":{"name":"a"},"apiVersion":"v1","kind":"Pod"},)"
            R"({"metadata":{"name":"b"},"apiVersion":"v1","kind":"Pod"},)"
            R"({"metadata":{"name":"c"},"apiVersion":"v1","kind":"Pod"}]})");
}

TEST_F(ClientTest, ListEncodesSelectors) {
  const std::string path =
      "/apis/apps/v1/"
      "deployments?labelSelector=app%3Dweb%2Ctier%21%3Dcache&fieldSelector=metadata.name%3Dweb&limit=500";
  fake.respondJson("GET", path,
                   R"({"kind":"DeploymentList","apiVersion":"apps/v1","metadata":{},"items":[]})");
  ListOptions options;
  options.labelSelector = "app=web,tier!=cache";
  options.fieldSelector = "metadata.name=web";
  const json::value list = client.list(types::deployments, "", options);
  EXPECT_TRUE(list.at("items").as_array().empty());
  EXPECT_EQ(fake.paths("GET"), std::vector<std::string>{path});
}

TEST_F(ClientTest, ListAllFetchesInParallelRoundsAndKeepsErrorsPerList) {
  fake.respondJson(
      "GET", "/api/v1/nodes?limit=500",
      R"({"kind":"NodeList","apiVersion":"v1","metadata":{"continue":"n2"},"items":[{"metadata":{"name":"n1"}}]})");
  fake.respondJson(
      "GET", "/api/v1/nodes?limit=500&continue=n2",
      R"({"kind":"NodeList","apiVersion":"v1","metadata":{},"items":[{"metadata":{"name":"n2"}}]})");
  fake.respondApiError("GET", kPodsShop + "?limit=500", 403, "Forbidden", "pods is forbidden");
  fake.respondJson("GET", "/api/v1/namespaces/shop/events?fieldSelector=type%3DWarning&limit=500",
                   R"({"kind":"EventList","apiVersion":"v1","metadata":{},"items":[]})");
  ListOptions warnings;
  warnings.fieldSelector = "type=Warning";
  const auto results =
      client.listAll({ListRequest{types::nodes, "", {}}, ListRequest{types::pods, "shop", {}},
                      ListRequest{types::events, "shop", warnings}});
  ASSERT_EQ(results.size(), 3u);
  ASSERT_TRUE(results[0].ok());
  EXPECT_EQ(results[0].value.at("items").as_array().size(), 2u);
  ASSERT_FALSE(results[1].ok());
  EXPECT_EQ(results[1].error->message(), "listing pods in namespace shop: pods is forbidden (403 Forbidden)");
  EXPECT_THROW(results[1].get(), KubeError);
  EXPECT_TRUE(results[2].ok());
  // Round one asks for all three first pages; round two only for the node list's second page.
  EXPECT_EQ(fake.paths("GET"),
            (std::vector<std::string>{"/api/v1/nodes?limit=500", kPodsShop + "?limit=500",
                                      "/api/v1/namespaces/shop/events?fieldSelector=type%3DWarning&limit=500",
                                      "/api/v1/nodes?limit=500&continue=n2"}));
}

TEST_F(ClientTest, CreateReplacePatchDelete) {
  fake.respondJson("POST", "/api/v1/namespaces/shop/configmaps",
                   R"({"kind":"ConfigMap","metadata":{"name":"c"}})");
  fake.respondApiError(
      "PUT", "/apis/apps/v1/namespaces/shop/deployments/web", 409, "Conflict",
      "Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified");
  fake.respondJson("PATCH", "deployments.v1.apps shop/web", R"({"kind":"Deployment","spec":{"replicas":3}})");
  fake.respondJson("DELETE", "/api/v1/namespaces/shop/configmaps/c",
                   R"({"kind":"Status","status":"Success"})");

  const json::value created =
      client.create(types::configMaps, "shop", json::parse(R"({"metadata":{"name":"c"}})"));
  EXPECT_EQ(created.at("kind").as_string(), "ConfigMap");

  try {
    client.replace({types::deployments, "shop", "web"},
                   json::parse(R"({"metadata":{"resourceVersion":"1"}})"));
    FAIL() << "expected a conflict";
  } catch (const KubeError& e) {
    EXPECT_TRUE(e.isConflict());
    EXPECT_EQ(e.code(), 409);
  }

  const json::value patched = client.patch({types::deployments, "shop", "web"}, PatchType::Merge,
                                           json::parse(R"({"spec":{"replicas":3}})"));
  EXPECT_EQ(patched.at("spec").at("replicas").as_int64(), 3);
  const json::value removed = client.remove({types::configMaps, "shop", "c"});
  EXPECT_EQ(removed.at("status").as_string(), "Success");

  const auto calls = fake.calls();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[0].body, R"({"metadata":{"name":"c"}})");
  EXPECT_EQ(calls[1].method, "PUT");
  EXPECT_EQ(calls[1].body, R"({"metadata":{"resourceVersion":"1"}})");
  EXPECT_EQ(calls[2].patchType, PatchType::Merge);
  EXPECT_EQ(calls[2].body, R"({"spec":{"replicas":3}})");
  EXPECT_EQ(calls[3].method, "DELETE");
}

TEST_F(ClientTest, JsonPatchIsSentAsJsonPatch) {
  fake.respondJson("PATCH", "pods.v1. shop/web-1", R"({"kind":"Pod"})");
  client.patch({types::pods, "shop", "web-1"}, PatchType::Json,
               json::parse(R"([{"op":"add","path":"/metadata/labels/x","value":"y"}])"));
  EXPECT_EQ(fake.calls().at(0).patchType, PatchType::Json);
  EXPECT_EQ(fake.calls().at(0).body, R"([{"op":"add","path":"/metadata/labels/x","value":"y"}])");
}

TEST_F(ClientTest, AFailureStatusInABodyIsAnError) {
  fake.respondJson("GET", "/version",
                   R"({"kind":"Status","status":"Failure","reason":"Forbidden","code":403,"message":"no"})");
  EXPECT_THROW(client.getPath("/version"), KubeError);
}

TEST_F(ClientTest, ANonJsonBodyIsABadResponse) {
  fake.respondJson("GET", "/version", "<html>hello</html>");
  try {
    client.getPath("/version");
    FAIL();
  } catch (const KubeError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::BadResponse);
    EXPECT_EQ(e.nextStep(), "check that --context points at a Kubernetes API server");
  }
}

TEST_F(ClientTest, ATruncatedJsonBodyIsABadResponse) {
  fake.respond("GET", "/api/v1/pods?limit=500", Response{R"({"items":[)", std::nullopt, true});
  try {
    client.list(types::pods, "");
    FAIL();
  } catch (const KubeError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::BadResponse);
    EXPECT_EQ(e.message(), "listing pods: the response exceeded the size limit and was cut off");
  }
}

TEST_F(ClientTest, LogsPassTheLimitsAndCapTheTransfer) {
  const std::string path = kPodsShop + "/web-1/log?container=app&previous=true&tailLines=100&limitBytes=2048";
  fake.respondJson("GET", path, "line 1\nline 2\n");
  LogOptions options;
  options.container = "app";
  options.previous = true;
  options.tailLines = 100;
  options.limitBytes = 2048;
  const Logs logs = client.logs("shop", "web-1", options);
  EXPECT_EQ(logs.text, "line 1\nline 2\n");
  EXPECT_FALSE(logs.truncated);
  ASSERT_EQ(fake.calls().size(), 1u);
  EXPECT_EQ(fake.calls()[0].path, path);
  EXPECT_EQ(fake.calls()[0].maxBytes, 2048u + 64u * 1024u);
}

TEST_F(ClientTest, LogsAlwaysSendLimitBytesAndMarkTruncation) {
  fake.respondJson("GET", kPodsShop + "/web-1/log?limitBytes=1048576", std::string(1048576, 'x'));
  const Logs logs = client.logs("shop", "web-1");
  EXPECT_TRUE(logs.truncated);
  EXPECT_EQ(logs.text.size(), 1048576u);
}

TEST_F(ClientTest, LogsFromAServerIgnoringLimitBytesAreCut) {
  LogOptions options;
  options.limitBytes = 10;
  fake.respond("GET", kPodsShop + "/web-1/log?limitBytes=10",
               Response{std::string(50, 'y'), std::nullopt, true});
  const Logs logs = client.logs("shop", "web-1", options);
  EXPECT_TRUE(logs.truncated);
  EXPECT_EQ(logs.text, std::string(10, 'y'));
}

TEST_F(ClientTest, LogsOfAMissingPreviousContainer) {
  fake.respondApiError("GET", kPodsShop + "/web-1/log?previous=true&limitBytes=1048576", 400, "BadRequest",
                       "previous terminated container \"app\" in pod \"web-1\" not found");
  LogOptions options;
  options.previous = true;
  try {
    client.logs("shop", "web-1", options);
    FAIL();
  } catch (const KubeError& e) {
    EXPECT_EQ(
        e.message(),
        "reading previous logs of pod web-1 in namespace shop: previous terminated container \"app\" in pod "
        "\"web-1\" not found (400 BadRequest)");
  }
}

TEST_F(ClientTest, WatchDeliversEventsAndEnds) {
  const std::string path =
      kPodsShop + "?watch=1&labelSelector=app%3Dweb&resourceVersion=42&timeoutSeconds=30";
  fake.respondStream(path, {R"({"type":"ADDED","object":{"kind":"Pod","metadata":{"name":"a"}}})", "",
                            R"({"type":"DELETED","object":{"kind":"Pod","metadata":{"name":"a"}}})"});
  WatchOptions options;
  options.labelSelector = "app=web";
  options.resourceVersion = "42";
  options.timeoutSeconds = 30;
  Watch watch = client.watch(types::pods, "shop", options);
  auto first = watch.next(1s);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->type, "ADDED");
  EXPECT_EQ(first->object.at("metadata").at("name").as_string(), "a");
  auto second = watch.next(1s);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->type, "DELETED");
  EXPECT_FALSE(watch.next(1s).has_value());
  EXPECT_TRUE(watch.finished());
  EXPECT_EQ(fake.paths("WATCH"), std::vector<std::string>{path});
}

TEST_F(ClientTest, WatchErrorEventThrowsTheStatus) {
  fake.respondStream(kPodsShop + "?watch=1",
                     {R"({"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure",)"
                      R"j("message":"too old resource version: 1 (5)","reason":"Expired","code":410}})j"});
  Watch watch = client.watch(types::pods, "shop");
  try {
    watch.next(1s);
    FAIL();
  } catch (const KubeError& e) {
    EXPECT_EQ(e.code(), 410);
    EXPECT_EQ(e.message(), "watching: too old resource version: 1 (5) (410 Expired)");
  }
}

TEST_F(ClientTest, WatchThatEndsWithATransportErrorThrows) {
  fake.respondStream(kPodsShop + "?watch=1", {},
                     KubeError(ErrorKind::Unreachable, "cannot reach the cluster (x)", "check it"));
  Watch watch = client.watch(types::pods, "shop");
  try {
    watch.next(1s);
    FAIL();
  } catch (const KubeError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Unreachable);
  }
}

TEST_F(ClientTest, GetAllReturnsOutcomesInOrder) {
  fake.respondJson("GET", "/version", R"({"gitVersion":"v1.32.0"})");
  fake.respondJson("GET", "/api/v1/nodes/n1", "not json");
  const auto results = client.getAll({"/version", "/api/v1/nodes/missing", "/api/v1/nodes/n1"});
  ASSERT_EQ(results.size(), 3u);
  ASSERT_TRUE(results[0].ok());
  EXPECT_EQ(results[0].get().at("gitVersion").as_string(), "v1.32.0");
  ASSERT_FALSE(results[1].ok());
  EXPECT_TRUE(results[1].error->isNotFound());
  ASSERT_FALSE(results[2].ok());
  EXPECT_EQ(results[2].error->kind(), ErrorKind::BadResponse);
}

TEST(ResourcePaths, BuildsCollectionObjectAndQuery) {
  EXPECT_EQ(collectionPath(types::pods), "/api/v1/pods");
  EXPECT_EQ(collectionPath(types::pods, "shop"), "/api/v1/namespaces/shop/pods");
  EXPECT_EQ(collectionPath(types::nodes, "shop"), "/api/v1/nodes");
  EXPECT_EQ(collectionPath(types::deployments, "a b"), "/apis/apps/v1/namespaces/a%20b/deployments");
  EXPECT_EQ(objectPath(types::pods, "shop", "web-1", "log"), "/api/v1/namespaces/shop/pods/web-1/log");
  EXPECT_EQ(objectPath(types::deployments, "shop", "web", "scale"),
            "/apis/apps/v1/namespaces/shop/deployments/web/scale");
  EXPECT_EQ(withQuery("/p", {{"a", "x=y"}, {"b", ""}, {"c", "1"}}), "/p?a=x%3Dy&c=1");
  EXPECT_EQ(withQuery("/p?watch=1", {{"a", "b"}}), "/p?watch=1&a=b");
  EXPECT_EQ(types::deployments.kubectlName(), "deployments.v1.apps");
  EXPECT_EQ(types::pods.kubectlName(), "pods.v1.");
  EXPECT_EQ(types::horizontalPodAutoscalers.kubectlName(), "horizontalpodautoscalers.v2.autoscaling");
  EXPECT_EQ(percentEncode("a-b_c.d~e/f g"), "a-b_c.d~e%2Ff%20g");
}

}  // namespace
}  // namespace aiops::kube

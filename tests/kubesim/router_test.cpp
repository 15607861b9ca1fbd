// RequestInfo parsing: the verb, resource, subresource, name and namespace RBAC sees for each URL form.
#include "router.h"

#include <gtest/gtest.h>

namespace kubesim {
namespace {

std::string describe(const RequestInfo& i) {
  if (!i.isResourceRequest) return "nonresource " + i.verb + " " + i.path;
  return i.verb + " group=" + i.apiGroup + " version=" + i.apiVersion + " ns=" + i.namespace_ +
         " resource=" + i.resource + " sub=" + i.subresource + " name=" + i.name;
}

TEST(RouterTest, CollectionsAndObjects) {
  EXPECT_EQ(describe(parseRequestInfo("GET", "/api/v1/namespaces/shop/pods", false, "")),
            "list group= version=v1 ns=shop resource=pods sub= name=");
  EXPECT_EQ(describe(parseRequestInfo("GET", "/api/v1/namespaces/shop/pods/web", false, "")),
            "get group= version=v1 ns=shop resource=pods sub= name=web");
  EXPECT_EQ(describe(parseRequestInfo("GET", "/apis/apps/v1/deployments", true, "")),
            "watch group=apps version=v1 ns= resource=deployments sub= name=");
  EXPECT_EQ(describe(parseRequestInfo("POST", "/apis/apps/v1/namespaces/shop/deployments", false, "")),
            "create group=apps version=v1 ns=shop resource=deployments sub= name=");
  EXPECT_EQ(describe(parseRequestInfo("PUT", "/apis/apps/v1/namespaces/shop/deployments/web", false, "")),
            "update group=apps version=v1 ns=shop resource=deployments sub= name=web");
  EXPECT_EQ(
      describe(parseRequestInfo("PATCH", "/apis/apps/v1/namespaces/shop/deployments/web/scale", false, "")),
      "patch group=apps version=v1 ns=shop resource=deployments sub=scale name=web");
  EXPECT_EQ(describe(parseRequestInfo("DELETE", "/api/v1/namespaces/shop/pods", false, "")),
            "deletecollection group= version=v1 ns=shop resource=pods sub= name=");
  EXPECT_EQ(describe(parseRequestInfo("DELETE", "/api/v1/nodes/n1", false, "")),
            "delete group= version=v1 ns= resource=nodes sub= name=n1");
}

TEST(RouterTest, NamespacesAreTheirOwnNamespace) {
  EXPECT_EQ(describe(parseRequestInfo("GET", "/api/v1/namespaces/shop", false, "")),
            "get group= version=v1 ns=shop resource=namespaces sub= name=shop");
  EXPECT_EQ(describe(parseRequestInfo("PUT", "/api/v1/namespaces/shop/finalize", false, "")),
            "update group= version=v1 ns=shop resource=namespaces sub=finalize name=shop");
  EXPECT_EQ(describe(parseRequestInfo("GET", "/api/v1/namespaces", false, "")),
            "list group= version=v1 ns= resource=namespaces sub= name=");
}

TEST(RouterTest, SubresourcesAndLegacyForms) {
  RequestInfo log = parseRequestInfo("GET", "/api/v1/namespaces/shop/pods/api/log", false, "");
  EXPECT_EQ(describe(log), "get group= version=v1 ns=shop resource=pods sub=log name=api");
  RequestInfo watch = parseRequestInfo("GET", "/api/v1/watch/namespaces/shop/pods/api", false, "");
  EXPECT_EQ(describe(watch), "watch group= version=v1 ns=shop resource=pods sub= name=api");
  EXPECT_TRUE(watch.legacyWatchPath);
  RequestInfo proxy = parseRequestInfo("GET", "/api/v1/nodes/n1/proxy/stats/summary", false, "");
  EXPECT_EQ(describe(proxy), "get group= version=v1 ns= resource=nodes sub=proxy name=n1");
  EXPECT_EQ(proxy.parts, (std::vector<std::string>{"nodes", "n1", "proxy", "stats", "summary"}));
  RequestInfo legacyProxy =
      parseRequestInfo("GET", "/api/v1/proxy/namespaces/shop/services/web/x", false, "");
  EXPECT_EQ(describe(legacyProxy), "proxy group= version=v1 ns=shop resource=services sub= name=web");
}

TEST(RouterTest, FieldSelectorOnNameNamesTheObject) {
  EXPECT_EQ(describe(parseRequestInfo("GET", "/api/v1/namespaces/shop/pods", true, "metadata.name=api")),
            "watch group= version=v1 ns=shop resource=pods sub= name=api");
  EXPECT_EQ(describe(parseRequestInfo("GET", "/api/v1/namespaces/shop/pods", false, "status.phase=Running")),
            "list group= version=v1 ns=shop resource=pods sub= name=");
}

TEST(RouterTest, NonResourcePaths) {
  EXPECT_EQ(describe(parseRequestInfo("GET", "/api", false, "")), "nonresource get /api");
  EXPECT_EQ(describe(parseRequestInfo("GET", "/api/v1", false, "")), "nonresource get /api/v1");
  EXPECT_EQ(describe(parseRequestInfo("GET", "/apis/apps/v1", false, "")), "nonresource get /apis/apps/v1");
  EXPECT_EQ(describe(parseRequestInfo("GET", "/openapi/v3/apis/apps/v1", false, "")),
            "nonresource get /openapi/v3/apis/apps/v1");
  EXPECT_EQ(describe(parseRequestInfo("POST", "/healthz", false, "")), "nonresource post /healthz");
}

TEST(RouterTest, GoBooleans) {
  bool v = false;
  EXPECT_TRUE(parseBoolParam("1", v));
  EXPECT_TRUE(v);
  EXPECT_TRUE(parseBoolParam("false", v));
  EXPECT_FALSE(v);
  EXPECT_FALSE(parseBoolParam("yes", v));
}

}  // namespace
}  // namespace kubesim

// Tests of the OpenAPI layer: loading the official v2 document, the GVK index, and the v3 documents derived
// from it in the shape kubectl 1.32 reads (discovery, requestBody media types, the fieldValidation parameter,
// components with the x-kubernetes extensions).
#include "openapi.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace kubesim {
namespace {

namespace json = boost::json;

const OpenApi& officialApi() {
  static const OpenApi api = OpenApi::load(KUBESIM_DEFAULT_OPENAPI);
  return api;
}

const std::string kTestData = std::string(KUBESIM_TEST_DATA) + "/schema/";

json::object v3(const OpenApi& api, std::string_view path) {
  auto text = api.v3Document(path);
  EXPECT_TRUE(text.has_value()) << path;
  return text ? json::parse(*text).as_object() : json::object{};
}

// Every "$ref" in a document, wherever it is.
void collectRefs(const json::value& v, std::vector<std::string>& out) {
  if (v.is_object()) {
    for (const auto& [key, child] : v.get_object()) {
      if (key == "$ref" && child.is_string()) out.emplace_back(child.get_string());
      collectRefs(child, out);
    }
  } else if (v.is_array()) {
    for (const auto& child : v.get_array())
      collectRefs(child, out);
  }
}

const json::object* findParameter(const json::object& op, std::string_view name) {
  for (const auto& p : op.at("parameters").as_array()) {
    if (p.as_object().at("name").as_string() == name) return &p.as_object();
  }
  return nullptr;
}

TEST(OpenApiLoad, IndexesDefinitionsByGroupVersionKind) {
  const auto& api = officialApi();
  const auto* deployment = api.schemaFor("apps", "v1", "Deployment");
  ASSERT_NE(deployment, nullptr);
  EXPECT_EQ(deployment->at("properties").as_object().at("spec").as_object().at("$ref").as_string(),
            "#/definitions/io.k8s.api.apps.v1.DeploymentSpec");
  const auto* pod = api.schemaFor("", "v1", "Pod");
  ASSERT_NE(pod, nullptr);
  EXPECT_TRUE(std::string_view(pod->at("description").as_string()).starts_with("Pod is a collection "));
  EXPECT_EQ(api.schemaFor("apps", "v1", "Widget"), nullptr);
  EXPECT_EQ(api.schemaFor("", "v1", "Deployment"), nullptr);
  // DeleteOptions carries one GVK per group: any of them finds it.
  EXPECT_EQ(api.schemaFor("batch", "v1", "DeleteOptions"), api.schemaFor("", "v1", "DeleteOptions"));
}

TEST(OpenApiLoad, SchemaOfReadsApiVersionAndKind) {
  const auto& api = officialApi();
  EXPECT_EQ(api.schemaOf(json::object{{"apiVersion", "apps/v1"}, {"kind", "Deployment"}}),
            api.schemaFor("apps", "v1", "Deployment"));
  EXPECT_EQ(api.schemaOf(json::object{{"apiVersion", "v1"}, {"kind", "ConfigMap"}}),
            api.schemaFor("", "v1", "ConfigMap"));
  EXPECT_EQ(api.schemaOf(json::object{{"apiVersion", "example.com/v1"}, {"kind", "Widget"}}), nullptr);
  EXPECT_EQ(api.schemaOf(json::object{{"kind", "Pod"}}), nullptr);
}

TEST(OpenApiLoad, ResolvesAndDereferences) {
  const auto& api = officialApi();
  const auto* spec = api.resolve("#/definitions/io.k8s.api.apps.v1.DeploymentSpec");
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(api.resolve("#/definitions/io.k8s.api.apps.v1.Nope"), nullptr);
  EXPECT_EQ(api.resolve("io.k8s.api.apps.v1.DeploymentSpec"), nullptr);

  const auto& strategy = spec->at("properties").as_object().at("strategy").as_object();
  std::string name;
  const auto& target = api.deref(strategy, &name);
  EXPECT_EQ(name, "io.k8s.api.apps.v1.DeploymentStrategy");
  EXPECT_TRUE(target.at("properties").as_object().contains("rollingUpdate"));
  json::object wrapped{
      {"allOf", json::array{json::object{{"$ref", "#/definitions/io.k8s.api.apps.v1.DeploymentStrategy"}}}}};
  EXPECT_EQ(&api.deref(wrapped), &target);
  const auto& replicas = spec->at("properties").as_object().at("replicas").as_object();
  EXPECT_EQ(&api.deref(replicas, &name), &replicas);
  EXPECT_EQ(name, "");
}

TEST(OpenApiLoad, RefusesMissingAndNonV2Documents) {
  try {
    OpenApi::load(kTestData + "does-not-exist.json");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "openapi: cannot read " + kTestData + "does-not-exist.json");
  }
  try {
    OpenApi::load(kTestData + "not-v2.json");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "openapi: " + kTestData + "not-v2.json is not an OpenAPI v2 document");
  }
}

TEST(OpenApiV3, DiscoveryListsEveryGroupVersionWithItsHash) {
  const auto& api = officialApi();
  auto discovery = json::parse(api.v3Discovery()).as_object();
  ASSERT_EQ(discovery.size(), 1u);
  const auto& paths = discovery.at("paths").as_object();
  for (const char* gv : {"api", "api/v1", "apis", "apis/apps", "apis/apps/v1", "apis/batch/v1",
                         "apis/rbac.authorization.k8s.io/v1", "apis/autoscaling/v2", "version",
                         ".well-known/openid-configuration", "logs", "openid/v1/jwks"}) {
    ASSERT_TRUE(paths.contains(gv)) << gv;
    auto hash = api.v3Hash(gv);
    ASSERT_TRUE(hash.has_value());
    EXPECT_EQ(hash->size(), 128u);
    EXPECT_EQ(hash->find_first_not_of("0123456789ABCDEF"), std::string::npos);
    EXPECT_EQ(paths.at(gv).as_object().at("serverRelativeURL").as_string(),
              "/openapi/v3/" + std::string(gv) + "?hash=" + *hash);
  }
  EXPECT_FALSE(paths.contains("apis/apps/v1beta1"));
  EXPECT_NE(*api.v3Hash("api/v1"), *api.v3Hash("apis/apps/v1"));
  EXPECT_FALSE(api.v3Hash("apis/example.com/v1").has_value());
  EXPECT_FALSE(api.v3Document("apis/example.com/v1").has_value());
  // Loading the same file again gives the same hashes: clients may cache by them.
  auto again = OpenApi::load(KUBESIM_DEFAULT_OPENAPI);
  EXPECT_EQ(again.v3Discovery(), api.v3Discovery());
}

TEST(OpenApiV3, AppsV1DocumentHasThePathsAndOperationsKubectlReads) {
  auto doc = v3(officialApi(), "apis/apps/v1");
  EXPECT_EQ(doc.at("openapi").as_string(), "3.0.0");
  EXPECT_EQ(doc.at("info").as_object().at("title").as_string(), "Kubernetes");
  const auto& paths = doc.at("paths").as_object();
  for (const auto& [path, item] : paths) {
    EXPECT_TRUE(std::string_view(path).starts_with("/apis/apps/v1/")) << path;
  }
  ASSERT_TRUE(paths.contains("/apis/apps/v1/namespaces/{namespace}/deployments/{name}"));
  ASSERT_TRUE(paths.contains("/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"));
  ASSERT_TRUE(paths.contains("/apis/apps/v1/watch/namespaces/{namespace}/deployments"));
  const auto& item = paths.at("/apis/apps/v1/namespaces/{namespace}/deployments/{name}").as_object();

  // Path-level parameters are inlined, with a schema.
  const auto& pathParams = item.at("parameters").as_array();
  ASSERT_EQ(pathParams.size(), 3u);
  EXPECT_EQ(pathParams[0].as_object().at("name").as_string(), "name");
  EXPECT_EQ(pathParams[1].as_object().at("name").as_string(), "namespace");
  EXPECT_EQ(pathParams[1].as_object().at("in").as_string(), "path");
  EXPECT_EQ(pathParams[1].as_object().at("required").as_bool(), true);
  EXPECT_EQ(json::serialize(pathParams[1].as_object().at("schema")),
            R"({"type":"string","uniqueItems":true})");

  const auto& patch = item.at("patch").as_object();
  EXPECT_EQ(patch.at("operationId").as_string(), "patchAppsV1NamespacedDeployment");
  EXPECT_EQ(json::serialize(patch.at("x-kubernetes-group-version-kind")),
            R"({"group":"apps","kind":"Deployment","version":"v1"})");
  EXPECT_EQ(patch.at("x-kubernetes-action").as_string(), "patch");
  EXPECT_FALSE(patch.contains("consumes"));
  EXPECT_FALSE(patch.contains("produces"));
  const auto* fieldValidation = findParameter(patch, "fieldValidation");
  ASSERT_NE(fieldValidation, nullptr);
  EXPECT_EQ(fieldValidation->at("in").as_string(), "query");
  EXPECT_NE(findParameter(patch, "fieldManager"), nullptr);
  EXPECT_NE(findParameter(patch, "force"), nullptr);
  EXPECT_EQ(findParameter(patch, "body"), nullptr);

  const auto& body = patch.at("requestBody").as_object();
  EXPECT_EQ(body.at("required").as_bool(), true);
  const auto& content = body.at("content").as_object();
  for (const char* type : {"application/json-patch+json", "application/merge-patch+json",
                           "application/strategic-merge-patch+json", "application/apply-patch+yaml"}) {
    ASSERT_TRUE(content.contains(type)) << type;
    EXPECT_EQ(json::serialize(content.at(type)),
              R"({"schema":{"$ref":"#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch"}})");
  }
  const auto& ok = patch.at("responses").as_object().at("200").as_object();
  EXPECT_EQ(ok.at("description").as_string(), "OK");
  EXPECT_EQ(json::serialize(ok.at("content").as_object().at("application/json")),
            R"({"schema":{"$ref":"#/components/schemas/io.k8s.api.apps.v1.Deployment"}})");
  EXPECT_EQ(json::serialize(patch.at("responses").as_object().at("401")),
            R"({"description":"Unauthorized"})");

  const auto& put = item.at("put").as_object();
  EXPECT_NE(findParameter(put, "fieldValidation"), nullptr);
  EXPECT_EQ(json::serialize(put.at("requestBody").as_object().at("content")),
            R"({"*/*":{"schema":{"$ref":"#/components/schemas/io.k8s.api.apps.v1.Deployment"}}})");
  const auto& post =
      paths.at("/apis/apps/v1/namespaces/{namespace}/deployments").as_object().at("post").as_object();
  EXPECT_NE(findParameter(post, "fieldValidation"), nullptr);
}

TEST(OpenApiV3, ComponentsCarryEveryReachableSchemaWithItsExtensions) {
  auto doc = v3(officialApi(), "apis/apps/v1");
  const auto& schemas = doc.at("components").as_object().at("schemas").as_object();
  std::vector<std::string> refs;
  collectRefs(doc, refs);
  ASSERT_FALSE(refs.empty());
  for (const auto& ref : refs) {
    ASSERT_TRUE(ref.starts_with("#/components/schemas/")) << ref;
    EXPECT_TRUE(schemas.contains(ref.substr(21))) << ref;
  }
  EXPECT_EQ(doc.at("components")
                .as_object()
                .at("securitySchemes")
                .as_object()
                .at("BearerToken")
                .as_object()
                .at("type")
                .as_string(),
            "apiKey");
  // Only what the paths reach: apps/v1 never mentions a batch Job.
  EXPECT_FALSE(schemas.contains("io.k8s.api.batch.v1.Job"));
  EXPECT_TRUE(schemas.contains("io.k8s.api.core.v1.PodSpec"));

  const auto& deployment = schemas.at("io.k8s.api.apps.v1.Deployment").as_object();
  EXPECT_EQ(json::serialize(deployment.at("x-kubernetes-group-version-kind")),
            R"([{"group":"apps","kind":"Deployment","version":"v1"}])");
  // A reference with siblings is wrapped in allOf (OpenAPI 3.0 ignores siblings of $ref); the patch
  // strategy stays beside it, where kubectl's strategic merge reads it.
  const auto& strategy = schemas.at("io.k8s.api.apps.v1.DeploymentSpec")
                             .as_object()
                             .at("properties")
                             .as_object()
                             .at("strategy")
                             .as_object();
  EXPECT_EQ(json::serialize(strategy.at("allOf")),
            R"([{"$ref":"#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy"}])");
  EXPECT_EQ(strategy.at("x-kubernetes-patch-strategy").as_string(), "retainKeys");
  EXPECT_FALSE(strategy.contains("$ref"));

  const auto& containers = schemas.at("io.k8s.api.core.v1.PodSpec")
                               .as_object()
                               .at("properties")
                               .as_object()
                               .at("containers")
                               .as_object();
  EXPECT_EQ(containers.at("x-kubernetes-patch-merge-key").as_string(), "name");
  EXPECT_EQ(containers.at("x-kubernetes-patch-strategy").as_string(), "merge");
  EXPECT_EQ(containers.at("x-kubernetes-list-type").as_string(), "map");
  EXPECT_EQ(json::serialize(containers.at("x-kubernetes-list-map-keys")), R"(["name"])");
  EXPECT_EQ(json::serialize(containers.at("items")),
            R"({"$ref":"#/components/schemas/io.k8s.api.core.v1.Container"})");
  const auto& quantity = schemas.at("io.k8s.apimachinery.pkg.api.resource.Quantity").as_object();
  EXPECT_FALSE(quantity.contains("type"));
  EXPECT_EQ(json::serialize(quantity.at("oneOf")), R"([{"type":"string"},{"type":"number"}])");
  const auto& intOrString = schemas.at("io.k8s.apimachinery.pkg.util.intstr.IntOrString").as_object();
  EXPECT_EQ(json::serialize(intOrString.at("oneOf")), R"([{"type":"integer"},{"type":"string"}])");
  EXPECT_EQ(intOrString.at("format").as_string(), "int-or-string");
  const auto& selector = schemas.at("io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector").as_object();
  EXPECT_EQ(selector.at("x-kubernetes-map-type").as_string(), "atomic");
}

TEST(OpenApiV3, CoreAndGroupDocuments) {
  const auto& api = officialApi();
  auto core = v3(api, "api/v1");
  const auto& paths = core.at("paths").as_object();
  EXPECT_TRUE(paths.contains("/api/v1/namespaces/{namespace}/pods/{name}/log"));
  EXPECT_TRUE(paths.contains("/api/v1/namespaces/{namespace}/pods/{name}/eviction"));
  EXPECT_FALSE(paths.contains("/api/"));
  const auto& podPatch =
      paths.at("/api/v1/namespaces/{namespace}/pods/{name}").as_object().at("patch").as_object();
  EXPECT_NE(findParameter(podPatch, "fieldValidation"), nullptr);

  auto apiRoot = v3(api, "api");
  EXPECT_EQ(apiRoot.at("paths").as_object().size(), 1u);
  EXPECT_TRUE(apiRoot.at("paths").as_object().contains("/api/"));
  auto appsGroup = v3(api, "apis/apps");
  EXPECT_TRUE(appsGroup.at("paths").as_object().contains("/apis/apps/"));
  auto version = v3(api, "version");
  EXPECT_TRUE(version.at("paths").as_object().contains("/version/"));
  // A second request is served from the cache, byte for byte.
  EXPECT_EQ(*api.v3Document("api/v1"), *api.v3Document("api/v1"));
}

TEST(OpenApiV3, AddsFieldValidationToResourceWritesThatLackIt) {
  auto api = OpenApi::load(kTestData + "minimal-v2.json");
  EXPECT_EQ(api.v3Discovery(),
            R"({"paths":{"apis/example.com":{"serverRelativeURL":"/openapi/v3/apis/example.com?hash=)" +
                *api.v3Hash("apis/example.com") +
                R"("},"apis/example.com/v1":{"serverRelativeURL":"/openapi/v3/apis/example.com/v1?hash=)" +
                *api.v3Hash("apis/example.com/v1") +
                R"("},"version":{"serverRelativeURL":"/openapi/v3/version?hash=)" + *api.v3Hash("version") +
                R"("}}})");
  auto doc = v3(api, "apis/example.com/v1");
  const auto& paths = doc.at("paths").as_object();
  const auto& item = paths.at("/apis/example.com/v1/namespaces/{namespace}/widgets/{name}").as_object();
  const auto& patch = item.at("patch").as_object();
  const auto& parameters = patch.at("parameters").as_array();
  ASSERT_EQ(parameters.size(), 2u);
  EXPECT_EQ(
      json::serialize(parameters[0]),
      R"({"name":"dryRun","in":"query","description":"dry run","schema":{"type":"string","uniqueItems":true}})");
  EXPECT_EQ(parameters[1].as_object().at("name").as_string(), "fieldValidation");
  EXPECT_EQ(parameters[1].as_object().at("in").as_string(), "query");
  EXPECT_EQ(json::serialize(parameters[1].as_object().at("schema")),
            R"({"type":"string","uniqueItems":true})");
  // A read gains nothing, nor does a connect (proxy) operation.
  EXPECT_FALSE(item.at("get").as_object().contains("parameters"));
  const auto& proxy = paths.at("/apis/example.com/v1/namespaces/{namespace}/widgets/{name}/proxy")
                          .as_object()
                          .at("post")
                          .as_object();
  EXPECT_FALSE(proxy.contains("parameters"));
  // The shared namespace parameter is inlined.
  EXPECT_EQ(
      json::serialize(item.at("parameters").as_array()[0]),
      R"({"name":"namespace","in":"path","description":"object name and auth scope","required":true,"schema":{"type":"string","uniqueItems":true}})");
  // Components: exactly the reachable schemas, sorted.
  const auto& schemas = doc.at("components").as_object().at("schemas").as_object();
  std::vector<std::string> names;
  for (const auto& [name, schema] : schemas)
    names.emplace_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"com.example.v1.Part", "com.example.v1.Widget",
                                             "com.example.v1.WidgetSpec",
                                             "io.k8s.apimachinery.pkg.apis.meta.v1.Patch"}));
  EXPECT_EQ(
      json::serialize(
          schemas.at("com.example.v1.Widget").as_object().at("properties").as_object().at("spec")),
      R"({"allOf":[{"$ref":"#/components/schemas/com.example.v1.WidgetSpec"}],"description":"the widget's desired state"})");
  EXPECT_EQ(json::serialize(doc.at("security")), R"([{"BearerToken":[]}])");
}

}  // namespace
}  // namespace kubesim

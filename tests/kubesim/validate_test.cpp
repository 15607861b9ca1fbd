// Tests of object validation against the official schema: decode errors, strict-decoding unknown fields, and
// the Invalid checks, each with the API server's exact wording.
#include "validate.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace kubesim {
namespace {

namespace json = boost::json;

const OpenApi& api() {
  static const OpenApi loaded = OpenApi::load(KUBESIM_DEFAULT_OPENAPI);
  return loaded;
}

json::object fixture(const std::string& name) {
  std::ifstream in(std::string(KUBESIM_TEST_DATA) + "/schema/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str()).as_object();
}

// The value at a dotted path with [i] indices ("spec.template.spec.containers[0].image"), created as needed.
json::value& at(json::object& root, std::string_view path) {
  json::value* current = nullptr;
  json::object* object = &root;
  while (!path.empty()) {
    auto end = path.find_first_of(".[");
    auto key = path.substr(0, end);
    current = &(*object)[key];
    path = end == std::string_view::npos ? std::string_view() : path.substr(end);
    while (!path.empty() && path.front() == '[') {
      auto close = path.find(']');
      auto index = std::stoul(std::string(path.substr(1, close - 1)));
      current = &current->as_array().at(index);
      path.remove_prefix(close + 1);
    }
    if (!path.empty() && path.front() == '.') path.remove_prefix(1);
    if (!path.empty()) {
      if (!current->is_object()) *current = json::object{};
      object = &current->as_object();
    }
  }
  return *current;
}

void erase(json::object& root, std::string_view path) {
  auto dot = path.rfind('.');
  if (dot == std::string_view::npos) {
    root.erase(path);
    return;
  }
  at(root, path.substr(0, dot)).as_object().erase(path.substr(dot + 1));
}

// "kind field: message" lines, one per problem, for exact comparison.
std::vector<std::string> problems(const json::object& object) {
  std::vector<std::string> out;
  for (const auto& p : validateObject(api(), object).problems) {
    const char* kind = p.kind == ValidationProblem::Kind::Decode         ? "Decode"
                       : p.kind == ValidationProblem::Kind::UnknownField ? "UnknownField"
                                                                         : "Invalid";
    out.push_back(std::string(kind) + " " + p.field + ": " + p.message);
  }
  return out;
}

using Lines = std::vector<std::string>;

TEST(ValidateDecode, WellFormedObjectsPass) {
  EXPECT_EQ(problems(fixture("deployment.json")), Lines{});
  EXPECT_EQ(problems(fixture("service.json")), Lines{});
  EXPECT_EQ(problems(fixture("job.json")), Lines{});
  EXPECT_EQ(problems(fixture("rolebinding.json")), Lines{});
}

TEST(ValidateDecode, KindsWithoutSchemaPass) {
  auto widget = json::parse(
      R"({"apiVersion":"example.com/v1","kind":"Widget","metadata":{},"spec":{"anything":[1,2]}})");
  EXPECT_TRUE(validateObject(api(), widget.as_object()).ok());
}

TEST(ValidateDecode, WrongScalarTypeNamesTheGoStructAndField) {
  auto d = fixture("deployment.json");
  at(d, "spec.replicas") = "3";
  EXPECT_EQ(problems(d), Lines{"Decode spec.replicas: json: cannot unmarshal string into Go struct field "
                               "DeploymentSpec.spec.replicas of type int32"});

  d = fixture("deployment.json");
  at(d, "spec.template.spec.containers[0].image") = 5;
  EXPECT_EQ(problems(d),
            Lines{"Decode spec.template.spec.containers[0].image: json: cannot unmarshal number into "
                  "Go struct field Container.spec.template.spec.containers.image of type string"});

  d = fixture("deployment.json");
  at(d, "spec.paused") = "yes";
  EXPECT_EQ(problems(d), Lines{"Decode spec.paused: json: cannot unmarshal string into Go struct field "
                               "DeploymentSpec.spec.paused of type bool"});
}

TEST(ValidateDecode, NumbersOutOfRangeOrFractionalQuoteTheNumber) {
  auto d = fixture("deployment.json");
  at(d, "spec.replicas") = 1.5;
  EXPECT_EQ(problems(d), Lines{"Decode spec.replicas: json: cannot unmarshal number 1.5 into Go struct field "
                               "DeploymentSpec.spec.replicas of type int32"});
  at(d, "spec.replicas") = 3000000000;
  EXPECT_EQ(problems(d),
            Lines{"Decode spec.replicas: json: cannot unmarshal number 3000000000 into Go struct field "
                  "DeploymentSpec.spec.replicas of type int32"});
  at(d, "spec.replicas") = 3000000000;
  erase(d, "spec.replicas");
  at(d, "spec.template.spec.terminationGracePeriodSeconds") = 3000000000;  // int64: fits
  EXPECT_EQ(problems(d), Lines{});
}

TEST(ValidateDecode, MapValuesAndCompositeTypes) {
  // The classic: an unquoted number as a label value.
  auto d = fixture("deployment.json");
  at(d, "metadata.labels.version") = 2;
  EXPECT_EQ(problems(d),
            Lines{"Decode metadata.labels.version: json: cannot unmarshal number into Go struct field "
                  "ObjectMeta.metadata.labels of type string"});

  d = fixture("deployment.json");
  at(d, "spec.template.spec.containers") = json::object{{"name", "web"}};
  EXPECT_EQ(problems(d),
            Lines{"Decode spec.template.spec.containers: json: cannot unmarshal object into Go struct "
                  "field PodSpec.spec.template.spec.containers of type []v1.Container"});

  d = fixture("deployment.json");
  at(d, "spec") = "web";
  EXPECT_EQ(problems(d),
            Lines{"Decode spec: json: cannot unmarshal string into Go struct field Deployment.spec of "
                  "type v1.DeploymentSpec"});

  d = fixture("deployment.json");
  at(d, "spec.template.spec.containers[0].resources.limits") = json::array{"1"};
  EXPECT_EQ(problems(d),
            Lines{"Decode spec.template.spec.containers[0].resources.limits: json: cannot unmarshal "
                  "array into Go struct field ResourceRequirements.spec.template.spec.containers."
                  "resources.limits of type v1.ResourceList"});

  d = fixture("deployment.json");
  at(d, "spec.template.spec.containers[0].args") = json::array{"--port", 8080};
  EXPECT_EQ(problems(d),
            Lines{"Decode spec.template.spec.containers[0].args[1]: json: cannot unmarshal number into "
                  "Go struct field Container.spec.template.spec.containers.args of type string"});
}

TEST(ValidateDecode, OnlyTheFirstDecodeErrorIsReportedAndItHidesUnknownFields) {
  auto d = fixture("deployment.json");
  at(d, "spec.foo") = 1;
  at(d, "spec.replicas") = "two";
  at(d, "spec.minReadySeconds") = "ten";
  auto result = validateObject(api(), d);
  ASSERT_EQ(result.problems.size(), 1u);
  EXPECT_EQ(result.problems[0].kind, ValidationProblem::Kind::Decode);
  EXPECT_EQ(result.problems[0].field, "spec.replicas");
}

TEST(ValidateDecode, NullIsTheZeroValue) {
  auto d = fixture("deployment.json");
  at(d, "spec.replicas") = nullptr;
  at(d, "metadata.annotations") = nullptr;
  EXPECT_EQ(problems(d), Lines{});
}

TEST(ValidateDecode, QuantitiesAcceptStringsAndNumbers) {
  auto d = fixture("deployment.json");
  auto& limits = at(d, "spec.template.spec.containers[0].resources.limits").as_object();
  for (json::value ok : {json::value("500m"), json::value("1Gi"), json::value("1e3"), json::value(" 2 "),
                         json::value(2), json::value(0.25), json::value("+1.5M"), json::value("0")}) {
    limits["cpu"] = ok;
    EXPECT_EQ(problems(d), Lines{}) << json::serialize(ok);
  }
  const std::string format =
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
  limits["cpu"] = "abc";
  EXPECT_EQ(problems(d), Lines{"Decode spec.template.spec.containers[0].resources.limits.cpu: " + format});
  limits["cpu"] = "";
  EXPECT_EQ(problems(d), Lines{"Decode spec.template.spec.containers[0].resources.limits.cpu: " + format});
  limits["cpu"] = true;
  EXPECT_EQ(problems(d), Lines{"Decode spec.template.spec.containers[0].resources.limits.cpu: " + format});
  limits["cpu"] = "1mm";
  EXPECT_EQ(
      problems(d),
      Lines{
          "Decode spec.template.spec.containers[0].resources.limits.cpu: unable to parse quantity's suffix"});
  limits["cpu"] = "2ki";
  EXPECT_EQ(
      problems(d),
      Lines{
          "Decode spec.template.spec.containers[0].resources.limits.cpu: unable to parse quantity's suffix"});
}

TEST(ValidateDecode, IntOrStringAcceptsBothAndReportsInt32) {
  auto s = fixture("service.json");
  at(s, "spec.ports[0].targetPort") = 8080;
  EXPECT_EQ(problems(s), Lines{});
  at(s, "spec.ports[0].targetPort") = true;
  EXPECT_EQ(problems(s),
            Lines{"Decode spec.ports[0].targetPort: json: cannot unmarshal bool into Go struct field "
                  "ServicePort.spec.ports.targetPort of type int32"});
  at(s, "spec.ports[0].targetPort") = 80.5;
  EXPECT_EQ(problems(s),
            Lines{"Decode spec.ports[0].targetPort: json: cannot unmarshal number 80.5 into Go struct "
                  "field ServicePort.spec.ports.targetPort of type int32"});
}

TEST(ValidateDecode, SecretDataMustBeBase64) {
  auto secret = json::parse(R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"db"},"type":"Opaque",
                                "data":{"password":"aGVsbG8=","token":"dG9r\nZW4="},"stringData":{"user":"admin"}})")
                    .as_object();
  EXPECT_EQ(problems(secret), Lines{});
  at(secret, "data.password") = "hello";
  EXPECT_EQ(problems(secret), Lines{"Decode data.password: illegal base64 data at input byte 4"});
  at(secret, "data.password") = "a$bc";
  EXPECT_EQ(problems(secret), Lines{"Decode data.password: illegal base64 data at input byte 1"});
  at(secret, "data.password") = "aGVsbG8=x";
  EXPECT_EQ(problems(secret), Lines{"Decode data.password: illegal base64 data at input byte 8"});
  at(secret, "data.password") = 12;
  EXPECT_EQ(problems(secret),
            Lines{"Decode data.password: json: cannot unmarshal number into Go struct field "
                  "Secret.data of type []uint8"});
}

TEST(ValidateDecode, TimesAreRfc3339) {
  auto d = fixture("deployment.json");
  at(d, "metadata.creationTimestamp") = "2024-05-01T12:00:00Z";
  EXPECT_EQ(problems(d), Lines{});
  at(d, "metadata.creationTimestamp") = "2024-05-01T12:00:00.5+02:00";
  EXPECT_EQ(problems(d), Lines{});
  at(d, "metadata.creationTimestamp") = "yesterday";
  EXPECT_EQ(problems(d), Lines{"Decode metadata.creationTimestamp: parsing time \"yesterday\" as "
                               "\"2006-01-02T15:04:05Z07:00\": cannot parse \"yesterday\" as \"2006\""});
  at(d, "metadata.creationTimestamp") = "2024-05-01 12:00:00Z";
  EXPECT_EQ(problems(d), Lines{"Decode metadata.creationTimestamp: parsing time \"2024-05-01 12:00:00Z\" as "
                               "\"2006-01-02T15:04:05Z07:00\": cannot parse \" 12:00:00Z\" as \"T\""});
  at(d, "metadata.creationTimestamp") = "2024-13-01T12:00:00Z";
  EXPECT_EQ(problems(d),
            Lines{"Decode metadata.creationTimestamp: parsing time \"2024-13-01T12:00:00Z\": month out "
                  "of range"});
  at(d, "metadata.creationTimestamp") = 5;
  EXPECT_EQ(problems(d),
            Lines{"Decode metadata.creationTimestamp: json: cannot unmarshal number into Go struct field "
                  "ObjectMeta.metadata.creationTimestamp of type string"});
}

TEST(ValidateStrict, UnknownFieldsAreListedInDocumentOrderWithIndices) {
  auto d = fixture("deployment.json");
  at(d, "spec.template.spec.containers[0].imagePullPolcy") = "Always";
  at(d, "spec.foo") = 1;
  at(d, "status.bar") = 1;
  at(d, "extra") = true;
  at(d, "spec.template.spec.containers[0].resources.limit") = json::object{{"cpu", "1"}};
  EXPECT_EQ(problems(d), (Lines{
                             "UnknownField spec.template.spec.containers[0].resources.limit: unknown field "
                             "\"spec.template.spec.containers[0].resources.limit\"",
                             "UnknownField spec.template.spec.containers[0].imagePullPolcy: unknown field "
                             "\"spec.template.spec.containers[0].imagePullPolcy\"",
                             "UnknownField spec.foo: unknown field \"spec.foo\"",
                             "UnknownField status.bar: unknown field \"status.bar\"",
                             "UnknownField extra: unknown field \"extra\"",
                         }));
}

TEST(ValidateStrict, FieldNamesAreCaseSensitiveAndFreeFormFieldsTakeAnything) {
  auto d = fixture("deployment.json");
  at(d, "spec.Replicas") = 2;
  EXPECT_EQ(problems(d), Lines{"UnknownField spec.Replicas: unknown field \"spec.Replicas\""});
  auto revision =
      json::parse(R"({"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"web-1"},
                                  "revision":1,"data":{"spec":{"anything":{"goes":[1,"x"]}}}})")
          .as_object();
  EXPECT_EQ(problems(revision), Lines{});
}

TEST(ValidateInvalid, DeploymentSelectorRules) {
  auto d = fixture("deployment.json");
  erase(d, "spec.selector");
  EXPECT_EQ(problems(d),
            (Lines{"Invalid spec.selector: Required value",
                   "Invalid spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\", "
                   "\"tier\":\"frontend\"}: `selector` does not match template `labels`"}));

  d = fixture("deployment.json");
  at(d, "spec.selector.matchLabels.app") = "api";
  EXPECT_EQ(problems(d),
            Lines{"Invalid spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\", "
                  "\"tier\":\"frontend\"}: `selector` does not match template `labels`"});

  d = fixture("deployment.json");
  at(d, "spec.selector") = json::object{{"matchLabels", json::object{}}};
  EXPECT_EQ(problems(d),
            Lines{"Invalid spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, "
                  "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for "
                  "deployment"});

  d = fixture("deployment.json");
  at(d, "spec.selector") =
      json::parse(R"({"matchExpressions":[{"key":"tier","operator":"In","values":["frontend"]},
                                           {"key":"canary","operator":"DoesNotExist"}]})");
  EXPECT_EQ(problems(d), Lines{});
  at(d, "spec.selector.matchExpressions[0].operator") = "NotIn";
  EXPECT_EQ(problems(d).size(), 1u);
}

TEST(ValidateInvalid, DeploymentReplicasAndRestartPolicy) {
  auto d = fixture("deployment.json");
  at(d, "spec.replicas") = -1;
  at(d, "spec.template.spec.restartPolicy") = "Never";
  EXPECT_EQ(problems(d),
            (Lines{"Invalid spec.replicas: Invalid value: -1: must be greater than or equal to 0",
                   "Invalid spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported "
                   "values: \"Always\""}));
}

TEST(ValidateInvalid, PodTemplateContainers) {
  auto d = fixture("deployment.json");
  erase(d, "spec.template.spec.containers");
  EXPECT_EQ(problems(d), Lines{"Invalid spec.template.spec.containers: Required value"});

  d = fixture("deployment.json");
  at(d, "spec.template.spec.containers") = json::parse(
      R"([{"image":"nginx"},{"name":"Web_1"},{"name":"sidecar","image":"busybox","ports":[{"containerPort":70000},{"name":"x"}]},{"name":"sidecar","image":"busybox"}])");
  EXPECT_EQ(
      problems(d),
      (Lines{
          "Invalid spec.template.spec.containers[0].name: Required value",
          "Invalid spec.template.spec.containers[1].name: Invalid value: \"Web_1\": a lowercase RFC 1123 "
          "label must "
          "consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric "
          "character (e.g. 'my-name',  or '123-abc', regex used for validation is "
          "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
          "Invalid spec.template.spec.containers[1].image: Required value",
          "Invalid spec.template.spec.containers[2].ports[0].containerPort: Invalid value: 70000: must be "
          "between 1 "
          "and 65535, inclusive",
          "Invalid spec.template.spec.containers[2].ports[1].containerPort: Required value",
          "Invalid spec.template.spec.containers[3].name: Duplicate value: \"sidecar\"",
      }));

  d = fixture("deployment.json");
  at(d, "spec.template.spec.containers[0].env[0].name") = "";
  EXPECT_EQ(problems(d), Lines{"Invalid spec.template.spec.containers[0].env[0].name: Required value"});
}

TEST(ValidateInvalid, ObjectNames) {
  auto d = fixture("deployment.json");
  at(d, "metadata.name") = "My_App";
  EXPECT_EQ(problems(d),
            Lines{"Invalid metadata.name: Invalid value: \"My_App\": a lowercase RFC 1123 subdomain must "
                  "consist of lower case alphanumeric characters, '-' or '.', and must start and end with "
                  "an alphanumeric character (e.g. 'example.com', regex used for validation is "
                  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"});
  erase(d, "metadata.name");
  EXPECT_EQ(problems(d), Lines{"Invalid metadata.name: Required value: name or generateName is required"});
  at(d, "metadata.generateName") = "web-";
  EXPECT_EQ(problems(d), Lines{});

  auto s = fixture("service.json");
  at(s, "metadata.name") = "1web";
  EXPECT_EQ(problems(s),
            Lines{"Invalid metadata.name: Invalid value: \"1web\": a DNS-1035 label must consist of lower "
                  "case alphanumeric characters or '-', start with an alphabetic character, and end with "
                  "an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is "
                  "'[a-z]([-a-z0-9]*[a-z0-9])?')"});

  auto ns =
      json::parse(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop.eu"}})").as_object();
  EXPECT_EQ(problems(ns),
            Lines{"Invalid metadata.name: Invalid value: \"shop.eu\": a lowercase RFC 1123 label must "
                  "consist of lower case alphanumeric characters or '-', and must start and end with an "
                  "alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
                  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"});
  at(ns, "metadata.name") = std::string(64, 'a');
  EXPECT_EQ(problems(ns), Lines{"Invalid metadata.name: Invalid value: \"" + std::string(64, 'a') +
                                "\": must be no more than 63 characters"});
}

TEST(ValidateInvalid, Labels) {
  auto d = fixture("deployment.json");
  at(d, "metadata.labels.team") = "bad value!";
  auto& labels = at(d, "metadata.labels").as_object();
  labels["example.com/owner"] = "ok";
  labels["a/b/c"] = "x";
  EXPECT_EQ(
      problems(d),
      (Lines{
          "Invalid metadata.labels: Invalid value: \"bad value!\": a valid label must be an empty string or "
          "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
          "character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
          "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
          "Invalid metadata.labels: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric "
          "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
          "'MyName',  "
          "or 'my.name',  or '123-abc', regex used for validation is "
          "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') "
          "with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"}));
  // Pod template labels are checked under <template>.labels, as the real validation names them.
  d = fixture("deployment.json");
  at(d, "spec.template.metadata.labels.-bad") = "x";
  at(d, "spec.selector.matchLabels") = json::object{{"app", "web"}};
  EXPECT_EQ(problems(d),
            Lines{"Invalid spec.template.labels: Invalid value: \"-bad\": name part must consist of "
                  "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
                  "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
                  "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"});
}

TEST(ValidateInvalid, JobRestartPolicyAfterDefaulting) {
  auto j = fixture("job.json");
  erase(j, "spec.template.spec.restartPolicy");
  EXPECT_EQ(problems(j),
            Lines{"Invalid spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported "
                  "values: \"OnFailure\", \"Never\""});
}

TEST(ValidateInvalid, PodAndService) {
  auto pod =
      json::parse(
          R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"restartPolicy":"Sometimes",
                             "containers":[{"name":"c","image":"busybox","volumeMounts":[{"name":"data"}]}]}})")
          .as_object();
  EXPECT_EQ(problems(pod),
            (Lines{"Invalid spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: "
                   "\"Always\", \"OnFailure\", \"Never\"",
                   "Invalid spec.containers[0].volumeMounts[0].mountPath: Required value"}));

  auto s = fixture("service.json");
  at(s, "spec.ports") = json::parse(R"([{"port":80},{"port":0,"name":"b"}])");
  at(s, "spec.type") = "Internal";
  EXPECT_EQ(problems(s),
            (Lines{"Invalid spec.type: Unsupported value: \"Internal\": supported values: \"ClusterIP\", "
                   "\"ExternalName\", \"LoadBalancer\", \"NodePort\"",
                   "Invalid spec.ports[0].name: Required value",
                   "Invalid spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive"}));
  s = fixture("service.json");
  erase(s, "spec.ports");
  EXPECT_EQ(problems(s), Lines{"Invalid spec.ports: Required value"});
  at(s, "spec.clusterIP") = "None";
  EXPECT_EQ(problems(s), Lines{});
}

TEST(ValidateInvalid, RbacRulesAndBindings) {
  auto role =
      json::parse(R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"r"},
                              "rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get"]},{"resources":["pods"]},
                                       {"verbs":["get"],"nonResourceURLs":["/healthz"]}]})")
          .as_object();
  EXPECT_EQ(
      problems(role),
      (Lines{
          "Invalid rules[1].verbs: Required value: verbs must contain at least one value",
          "Invalid rules[1].apiGroups: Required value: resource rules must supply at least one api group",
          "Invalid rules[2].nonResourceURLs: Invalid value: []string{\"/healthz\"}: namespaced rules cannot "
          "apply to non-resource URLs"}));

  auto b = fixture("rolebinding.json");
  at(b, "roleRef.kind") = "Group";
  at(b, "subjects[0].kind") = "Robot";
  at(b, "subjects[1].apiGroup") = "rbac.authorization.k8s.io";
  EXPECT_EQ(problems(b),
            (Lines{"Invalid roleRef.kind: Unsupported value: \"Group\": supported values: \"Role\", "
                   "\"ClusterRole\"",
                   "Invalid subjects[0].kind: Unsupported value: \"Robot\": supported values: "
                   "\"ServiceAccount\", \"User\", \"Group\"",
                   "Invalid subjects[1].apiGroup: Unsupported value: \"rbac.authorization.k8s.io\": "
                   "supported values: \"\""}));
  auto crb = fixture("rolebinding.json");
  at(crb, "kind") = "ClusterRoleBinding";
  erase(crb, "subjects[1].namespace");
  erase(crb, "roleRef.name");
  EXPECT_EQ(problems(crb),
            (Lines{"Invalid roleRef.name: Required value", "Invalid subjects[1].namespace: Required value"}));
}

TEST(ValidateInvalid, CronJobAndIngress) {
  auto cron =
      json::parse(R"({"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"nightly"},"spec":{}})")
          .as_object();
  EXPECT_EQ(problems(cron),
            (Lines{"Invalid spec.schedule: Required value",
                   "Invalid spec.jobTemplate.spec.template.spec.containers: Required value",
                   "Invalid spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "
                   "\"Always\": supported values: \"OnFailure\", \"Never\""}));
  auto ingress =
      json::parse(R"({"apiVersion":"networking.k8s.io/v1","kind":"Ingress","metadata":{"name":"web"},
      "spec":{"rules":[{"host":"shop.example.com","http":{"paths":[{"path":"/","backend":{"service":{"name":"web","port":{"number":80}}}}]}}]}})")
          .as_object();
  EXPECT_EQ(
      problems(ingress),
      Lines{"Invalid spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified"});
}

TEST(ValidateInvalid, MissingRequiredStructReportsItsRequiredFields) {
  auto hpa = json::parse(
                 R"({"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"web"},
                             "spec":{"maxReplicas":5}})")
                 .as_object();
  EXPECT_EQ(problems(hpa), (Lines{"Invalid spec.scaleTargetRef.kind: Required value",
                                  "Invalid spec.scaleTargetRef.name: Required value"}));
}

TEST(ValidateInvalid, UnknownFieldsAndInvalidValuesComeTogether) {
  auto d = fixture("deployment.json");
  at(d, "spec.foo") = 1;
  at(d, "spec.replicas") = -2;
  auto result = validateObject(api(), d);
  ASSERT_EQ(result.problems.size(), 2u);
  EXPECT_EQ(result.problems[0].kind, ValidationProblem::Kind::UnknownField);
  EXPECT_EQ(result.problems[1].kind, ValidationProblem::Kind::Invalid);
  EXPECT_EQ(causeReason(result.problems[0]), "");
  EXPECT_EQ(causeReason(result.problems[1]), "FieldValueInvalid");
}

TEST(ValidateInvalid, CauseReasons) {
  using K = ValidationProblem::Kind;
  EXPECT_EQ(causeReason({K::Invalid, "spec.selector", "Required value"}), "FieldValueRequired");
  EXPECT_EQ(causeReason({K::Invalid, "metadata.name", "Required value: name or generateName is required"}),
            "FieldValueRequired");
  EXPECT_EQ(causeReason({K::Invalid, "spec.type", "Unsupported value: \"X\": supported values: \"A\""}),
            "FieldValueNotSupported");
  EXPECT_EQ(causeReason({K::Invalid, "x", "Duplicate value: \"a\""}), "FieldValueDuplicate");
  EXPECT_EQ(causeReason({K::Invalid, "x", "Forbidden: nope"}), "FieldValueForbidden");
  EXPECT_EQ(causeReason({K::Decode, "spec.replicas", "json: cannot unmarshal"}), "");
}

}  // namespace
}  // namespace kubesim

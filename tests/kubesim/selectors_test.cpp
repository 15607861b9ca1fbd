// Tests for label and field selectors: grammar, matching, canonical text and the server's error messages.
#include "selectors.h"

#include <gtest/gtest.h>

namespace kubesim {
namespace {

namespace json = boost::json;

json::object labels(std::initializer_list<std::pair<std::string_view, std::string_view>> kv) {
  json::object o;
  for (const auto& [k, v] : kv)
    o[k] = v;
  return o;
}

std::string labelError(std::string_view text) {
  try {
    LabelSelector::parse(text);
  } catch (const SelectorError& e) {
    return e.what();
  }
  return "no error";
}

std::string fieldError(std::string_view text, std::string_view group, std::string_view plural) {
  try {
    FieldSelector::parse(text, group, plural);
  } catch (const SelectorError& e) {
    return e.what();
  }
  return "no error";
}

std::string objectError(std::string_view selectorJson) {
  try {
    LabelSelector::fromObject(json::parse(selectorJson).as_object());
  } catch (const SelectorError& e) {
    return e.what();
  }
  return "no error";
}

const std::string kNameRegexHelp =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
    "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

TEST(LabelSelector, EqualityAndSetBasedRequirements) {
  auto s = LabelSelector::parse("app=web,tier!=db,env in (prod,staging),zone notin (a),release,!canary");
  EXPECT_TRUE(s.matches(labels({{"app", "web"}, {"env", "prod"}, {"zone", "b"}, {"release", "1"}})));
  EXPECT_TRUE(s.matches(labels({{"app", "web"}, {"tier", "fe"}, {"env", "staging"}, {"release", ""}})));
  EXPECT_FALSE(s.matches(labels({{"app", "api"}, {"env", "prod"}, {"release", "1"}})));  // app
  EXPECT_FALSE(
      s.matches(labels({{"app", "web"}, {"tier", "db"}, {"env", "prod"}, {"release", "1"}})));  // tier
  EXPECT_FALSE(s.matches(labels({{"app", "web"}, {"env", "dev"}, {"release", "1"}})));          // env
  EXPECT_FALSE(s.matches(labels({{"app", "web"}, {"release", "1"}})));                          // env missing
  EXPECT_FALSE(
      s.matches(labels({{"app", "web"}, {"env", "prod"}, {"zone", "a"}, {"release", "1"}})));  // zone
  EXPECT_FALSE(s.matches(labels({{"app", "web"}, {"env", "prod"}})));                          // release
  EXPECT_FALSE(
      s.matches(labels({{"app", "web"}, {"env", "prod"}, {"release", "1"}, {"canary", "y"}})));  // !canary
  EXPECT_FALSE(s.empty());
}

TEST(LabelSelector, DoubleEqualsSpacesAndKeywordsAsValues) {
  auto s = LabelSelector::parse("  app == web ,  mode in ( in , notin )");
  EXPECT_TRUE(s.matches(labels({{"app", "web"}, {"mode", "notin"}})));
  EXPECT_FALSE(s.matches(labels({{"app", "web"}, {"mode", "x"}})));
  EXPECT_EQ(s.toString(), "app=web,mode in (in,notin)");
}

TEST(LabelSelector, EmptyValues) {
  auto empty = LabelSelector::parse("x in (),y=");
  EXPECT_TRUE(empty.matches(labels({{"x", ""}, {"y", ""}})));
  EXPECT_FALSE(empty.matches(labels({{"x", "a"}, {"y", ""}})));
  EXPECT_TRUE(LabelSelector::parse("").empty());
  EXPECT_TRUE(LabelSelector::parse("   ").matches(labels({})));
}

TEST(LabelSelector, NumericComparisons) {
  auto s = LabelSelector::parse("priority>5,weight<10");
  EXPECT_FALSE(s.empty());
  EXPECT_TRUE(s.matches(labels({{"priority", "7"}, {"weight", "3"}})));
  EXPECT_FALSE(s.matches(labels({{"priority", "5"}, {"weight", "3"}})));
  EXPECT_FALSE(s.matches(labels({{"priority", "x"}, {"weight", "3"}})));
  EXPECT_FALSE(s.matches(labels({{"weight", "3"}})));
  EXPECT_EQ(s.toString(), "priority>5,weight<10");
  EXPECT_EQ(labelError("a>b"),
            "unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt' operators, the "
            "value must "
            "be an integer");
}

TEST(LabelSelector, CanonicalTextIsSortedByKey) {
  EXPECT_EQ(LabelSelector::parse("b=2,a in (y,x),!c").toString(), "a in (x,y),b=2,!c");
  EXPECT_EQ(LabelSelector::parse("z notin (b,a),y!=1,x").toString(), "x,y!=1,z notin (a,b)");
}

TEST(LabelSelector, ParseErrorsAreTheServerMessages) {
  EXPECT_EQ(labelError("app in"), "unable to parse requirement: found '' expected: '('");
  EXPECT_EQ(labelError("app in (a"), "unable to parse requirement: found '', expected: ',' or ')'");
  EXPECT_EQ(labelError("app in (a b)"), "unable to parse requirement: found 'b', expected: ',' or ')'");
  EXPECT_EQ(labelError("app in (=)"),
            "unable to parse requirement: found '=', expected: ',', ')' or identifier");
  EXPECT_EQ(labelError("a b"),
            "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt");
  EXPECT_EQ(labelError("a=b c"), "found 'c', expected: ',' or 'end of string'");
  EXPECT_EQ(labelError("a=b,"), "found '', expected: identifier after ','");
  EXPECT_EQ(labelError(",a"), "found ',', expected: !, identifier, or 'end of string'");
  EXPECT_EQ(labelError("!=a"), "found '!=', expected: !, identifier, or 'end of string'");
  EXPECT_EQ(labelError("!"), "unable to parse requirement: found '', expected: identifier");
  EXPECT_EQ(labelError("a=(b)"), "unable to parse requirement: found '(', expected: identifier");
  EXPECT_EQ(labelError("!a=b"), "found '=', expected: ',' or 'end of string'");
}

TEST(LabelSelector, KeyAndValueValidation) {
  EXPECT_EQ(labelError("-app=x"),
            "unable to parse requirement: : Invalid value: \"-app\": name part " + kNameRegexHelp);
  EXPECT_EQ(
      labelError("app=-x"),
      "unable to parse requirement: values[0][app]: Invalid value: \"-x\": a valid label must be an empty "
      "string "
      "or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
      "character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
      "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
  EXPECT_EQ(
      labelError("Example.com/app=x"),
      "unable to parse requirement: : Invalid value: \"Example.com/app\": prefix part a lowercase RFC 1123 "
      "subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with "
      "an alphanumeric character (e.g. 'example.com', regex used for validation is "
      "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  EXPECT_EQ(labelError("/app"),
            "unable to parse requirement: : Invalid value: \"/app\": prefix part must be non-empty");
  EXPECT_EQ(labelError("a/b/c"),
            "unable to parse requirement: : Invalid value: \"a/b/c\": a qualified name " + kNameRegexHelp +
                " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
  EXPECT_EQ(labelError(std::string(64, 'k')), "unable to parse requirement: : Invalid value: \"" +
                                                  std::string(64, 'k') +
                                                  "\": name part must be no more than 63 characters");
  EXPECT_EQ(labelError("app.kubernetes.io/name=shop"), "no error");
}

TEST(LabelSelector, FromObject) {
  auto s = LabelSelector::fromObject(json::parse(R"({
    "matchLabels": {"app": "web"},
    "matchExpressions": [
      {"key": "tier", "operator": "In", "values": ["fe", "be"]},
      {"key": "legacy", "operator": "DoesNotExist"},
      {"key": "track", "operator": "NotIn", "values": ["canary"]},
      {"key": "team", "operator": "Exists"}
    ]})")
                                         .as_object());
  EXPECT_EQ(s.toString(), "app=web,!legacy,team,tier in (be,fe),track notin (canary)");
  EXPECT_TRUE(s.matches(labels({{"app", "web"}, {"tier", "be"}, {"team", "x"}})));
  EXPECT_FALSE(s.matches(labels({{"app", "web"}, {"tier", "be"}, {"team", "x"}, {"track", "canary"}})));
  EXPECT_FALSE(s.matches(labels({{"app", "web"}, {"tier", "be"}})));
  EXPECT_TRUE(LabelSelector::fromObject(json::object()).empty());
  EXPECT_TRUE(LabelSelector::fromObject(json::object()).matches(labels({{"any", "thing"}})));
}

TEST(LabelSelector, FromObjectErrors) {
  EXPECT_EQ(objectError(R"({"matchExpressions":[{"key":"a","operator":"Foo"}]})"),
            "\"Foo\" is not a valid label selector operator");
  EXPECT_EQ(objectError(R"({"matchExpressions":[{"key":"a","operator":"In","values":[]}]})"),
            "values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty");
  EXPECT_EQ(objectError(R"({"matchExpressions":[{"key":"a","operator":"Exists","values":["x"]}]})"),
            "values: Invalid value: [\"x\"]: values set must be empty for exists and does not exist");
  EXPECT_EQ(objectError(R"({"matchLabels":{"-bad":"x"}})"),
            "key: Invalid value: \"-bad\": name part " + kNameRegexHelp);
}

TEST(FieldSelector, PodFieldsMatchTheRegistryFieldSet) {
  auto pod = json::parse(R"({
    "metadata": {"name": "api-1", "namespace": "shop"},
    "spec": {"nodeName": "node-1", "restartPolicy": "Always", "schedulerName": "default-scheduler",
             "serviceAccountName": "api"},
    "status": {"phase": "Running", "podIP": "10.0.0.9", "podIPs": [{"ip": "10.0.0.9"}, {"ip": "fd00::9"}]}})")
                 .as_object();
  auto matches = [&](std::string_view text) { return FieldSelector::parse(text, "", "pods").matches(pod); };
  EXPECT_TRUE(matches("status.phase=Running,spec.nodeName!=node-2"));
  EXPECT_TRUE(matches("metadata.name==api-1,metadata.namespace=shop"));
  EXPECT_TRUE(matches("spec.hostNetwork=false"));  // absent reads as false
  EXPECT_TRUE(matches("status.podIP=10.0.0.9"));
  EXPECT_TRUE(matches("spec.host=node-1"));  // legacy alias of spec.nodeName
  EXPECT_TRUE(matches("status.nominatedNodeName="));
  EXPECT_TRUE(
      matches("spec.restartPolicy=Always,spec.schedulerName=default-scheduler,spec.serviceAccountName=api"));
  EXPECT_FALSE(matches("status.phase!=Running"));
  EXPECT_FALSE(matches("status.podIPs=10.0.0.9"));  // accepted label, but not in the field set
  EXPECT_TRUE(FieldSelector::parse("", "", "pods").empty());
  EXPECT_TRUE(FieldSelector::parse("", "", "pods").matches(pod));
}

TEST(FieldSelector, FieldsOfOtherResources) {
  auto event = json::parse(R"({"metadata": {"name": "e1", "namespace": "shop"},
    "involvedObject": {"kind": "Pod", "name": "api-1", "namespace": "shop", "uid": "u-1", "fieldPath": "spec.containers{api}"},
    "reason": "BackOff", "type": "Warning", "source": {"component": "kubelet", "host": "node-1"},
    "reportingComponent": "kubelet"})")
                   .as_object();
  EXPECT_TRUE(
      FieldSelector::parse("involvedObject.kind=Pod,involvedObject.name=api-1,type=Warning", "", "events")
          .matches(event));
  EXPECT_TRUE(FieldSelector::parse("source=kubelet,reason=BackOff,involvedObject.uid=u-1", "", "events")
                  .matches(event));
  EXPECT_FALSE(FieldSelector::parse("type=Normal", "", "events").matches(event));

  auto node = json::parse(R"({"metadata": {"name": "node-1"}, "spec": {"unschedulable": true}})").as_object();
  EXPECT_TRUE(FieldSelector::parse("spec.unschedulable=true", "", "nodes").matches(node));
  EXPECT_TRUE(FieldSelector::parse("metadata.name=node-1", "", "nodes").matches(node));

  auto ns = json::parse(R"({"metadata": {"name": "shop"}, "status": {"phase": "Terminating"}})").as_object();
  EXPECT_TRUE(FieldSelector::parse("status.phase=Terminating", "", "namespaces").matches(ns));

  auto secret =
      json::parse(R"({"metadata": {"name": "tls", "namespace": "shop"}, "type": "kubernetes.io/tls"})")
          .as_object();
  EXPECT_TRUE(FieldSelector::parse("type=kubernetes.io/tls", "", "secrets").matches(secret));
  EXPECT_FALSE(FieldSelector::parse("type=Opaque", "", "secrets").matches(secret));

  auto rs = json::parse(R"({"metadata": {"name": "web-1", "namespace": "shop"}, "status": {"replicas": 0}})")
                .as_object();
  EXPECT_TRUE(FieldSelector::parse("status.replicas=0", "apps", "replicasets").matches(rs));
  EXPECT_FALSE(FieldSelector::parse("status.replicas!=0", "apps", "replicasets").matches(rs));

  auto job = json::parse(R"({"metadata": {"name": "j", "namespace": "shop"}, "status": {"succeeded": 1}})")
                 .as_object();
  EXPECT_TRUE(FieldSelector::parse("status.successful=1", "batch", "jobs").matches(job));

  auto svc =
      json::parse(R"({"metadata": {"name": "web"}, "spec": {"type": "NodePort", "clusterIP": "10.96.0.10"}})")
          .as_object();
  EXPECT_TRUE(
      FieldSelector::parse("spec.type=NodePort,spec.clusterIP=10.96.0.10", "", "services").matches(svc));

  auto deployment = json::parse(R"({"metadata": {"name": "web", "namespace": "shop"}})").as_object();
  EXPECT_TRUE(FieldSelector::parse("metadata.name=web", "apps", "deployments").matches(deployment));
  EXPECT_FALSE(FieldSelector::parse("metadata.namespace=default", "apps", "deployments").matches(deployment));

  auto newEvent = json::parse(R"({"metadata": {"name": "e"}, "regarding": {"kind": "Node", "name": "n1"},
    "reportingController": "kubelet", "type": "Normal"})")
                      .as_object();
  EXPECT_TRUE(
      FieldSelector::parse("regarding.kind=Node,reportingController=kubelet", "events.k8s.io", "events")
          .matches(newEvent));
}

TEST(FieldSelector, UnsupportedFieldsFailAsOnARealServer) {
  EXPECT_EQ(fieldError("foo=bar", "", "pods"), "field label not supported: foo");
  EXPECT_EQ(fieldError("metadata.namespace=x", "", "nodes"), "field label not supported: metadata.namespace");
  EXPECT_EQ(fieldError("metadata.namespace=x", "", "namespaces"),
            "field label not supported: metadata.namespace");
  EXPECT_EQ(
      fieldError("spec.replicas=1", "apps", "deployments"),
      "\"spec.replicas\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"");
  EXPECT_EQ(fieldError("status.active=1", "batch", "jobs"),
            "field label \"status.active\" not supported for batchv1.Job");
  EXPECT_EQ(fieldError("spec.size=1", "example.com", "widgets"), "field label not supported: spec.size");
  EXPECT_EQ(fieldError("metadata.name=w", "example.com", "widgets"), "no error");
  // Terms are sorted before conversion, so the first unsupported one in sorted order is reported.
  EXPECT_EQ(fieldError("zeta=1,alpha=2", "", "pods"), "field label not supported: alpha");
}

TEST(FieldSelector, SyntaxAndEscapes) {
  EXPECT_EQ(fieldError("status.phase", "", "pods"),
            "invalid selector: 'status.phase'; can't understand 'status.phase'");
  EXPECT_EQ(fieldError("metadata.name=a=b", "", "pods"),
            "invalid field selector: unescaped character in value: 61");
  EXPECT_EQ(fieldError("metadata.name=a\\x", "", "pods"),
            "invalid field selector: invalid escape sequence: \\x");
  EXPECT_EQ(fieldError("metadata.name=a\\", "", "pods"),
            "invalid field selector: invalid escape sequence: \\");
  auto pod = json::parse(R"({"metadata": {"name": "a,b=c"}})").as_object();
  EXPECT_TRUE(FieldSelector::parse("metadata.name=a\\,b\\=c", "", "pods").matches(pod));
  EXPECT_TRUE(
      FieldSelector::parse("metadata.name=a\\,b\\=c,,", "", "pods").matches(pod));  // empty terms are skipped
}

TEST(FieldSelector, FieldSetOfAPod) {
  auto pod = json::parse(R"({"metadata": {"name": "p", "namespace": "ns"}, "spec": {"hostNetwork": true},
    "status": {"phase": "Pending", "podIP": "10.1.1.1"}})")
                 .as_object();
  auto set = FieldSelector::fieldSet(pod, "", "pods");
  std::vector<std::string> rendered;
  for (const auto& [k, v] : set)
    rendered.push_back(k + "=" + v);
  EXPECT_EQ(rendered, (std::vector<std::string>{
                          "metadata.name=p", "metadata.namespace=ns", "spec.nodeName=", "spec.restartPolicy=",
                          "spec.schedulerName=", "spec.serviceAccountName=", "spec.hostNetwork=true",
                          "status.phase=Pending", "status.podIP=10.1.1.1", "status.nominatedNodeName="}));
}

}  // namespace
}  // namespace kubesim

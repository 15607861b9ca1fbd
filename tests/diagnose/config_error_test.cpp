// Container configuration: missing ConfigMap (with "did you mean" and a reference patch), missing Secret,
// missing keys with the keys that exist, runAsNonRoot with a root image, RunContainerError; a pod seconds
// old stays quiet, and Secret values never reach the output.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "fixture.h"

namespace aiops::diagnose {
namespace {

using testing::diagnoseFixture;
using testing::only;
using testing::summary;
namespace json = boost::json;

class ConfigErrors : public ::testing::Test {
 protected:
  Diagnosis d = diagnoseFixture("config-errors");
};

TEST_F(ConfigErrors, OneFindingPerBrokenPodAndNoneForTheFreshOne) {
  EXPECT_EQ(summary(d),
            (std::vector<std::string>{
                "AIOPS-D300 Pod shop/frontend-6b7c8d9e5-p4q7r primary", "AIOPS-D301 Pod shop/migrate primary",
                "AIOPS-D305 Pod shop/mounter primary", "AIOPS-D304 Pod shop/nginx-7c5b8f9d4-abcde primary",
                "AIOPS-D303 Pod shop/reporter primary", "AIOPS-D302 Pod shop/worker primary"}));
}

TEST_F(ConfigErrors, MissingConfigMapWithANearMissIsARenamePatch) {
  const model::Finding& f = only(d, "AIOPS-D300");
  EXPECT_EQ(
      f.rootCause,
      "Container web cannot be created because ConfigMap frontend-confg does not exist in namespace shop "
      "(ConfigMap frontend-config exists: did you mean it?).");
  EXPECT_EQ(f.headline, "Deployment shop/frontend: 1/1 pods CreateContainerConfigError");
  ASSERT_EQ(f.recommendations.size(), 2U);
  const model::Recommendation& rename = f.recommendations[0];
  EXPECT_EQ(rename.action, model::ActionKind::ConfigChange);
  EXPECT_EQ(rename.summary, "point container web at ConfigMap frontend-config instead of frontend-confg");
  EXPECT_EQ(
      json::serialize(rename.patch->body),
      R"({"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"API_URL","valueFrom":{"configMapKeyRef":{"name":"frontend-config","key":"API_URL"}}}]}]}}}})");
  EXPECT_EQ(
      json::serialize(rename.undo->body),
      R"({"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"API_URL","valueFrom":{"configMapKeyRef":{"name":"frontend-confg","key":"API_URL"}}}]}]}}}})");
  const model::Recommendation& create = f.recommendations[1];
  EXPECT_EQ(create.action, model::ActionKind::CreateObject);
  EXPECT_EQ(create.target.display(), "ConfigMap shop/frontend-confg");
  EXPECT_EQ(create.summary, "create ConfigMap frontend-confg in namespace shop with key API_URL");
  EXPECT_EQ(create.commands,
            (std::vector<std::string>{
                "kubectl -n shop create configmap frontend-confg --from-literal=API_URL=<value>"}));
  ASSERT_EQ(f.evidence.size(), 2U);
  EXPECT_EQ(
      model::describe(f.evidence[1]),
      "event Pod shop/frontend-6b7c8d9e5-p4q7r Failed ×12 (2024-05-01T11:45:03Z … 2024-05-01T11:58:10Z): "
      "\"Error: configmap \"frontend-confg\" not found\"");
}

TEST_F(ConfigErrors, MissingSecretUsedThroughEnvFrom) {
  const model::Finding& f = only(d, "AIOPS-D301");
  EXPECT_EQ(
      f.rootCause,
      "Container migrate cannot be created because Secret db-credentials does not exist in namespace shop.");
  ASSERT_EQ(f.recommendations.size(), 1U);
  EXPECT_EQ(f.recommendations[0].commands,
            (std::vector<std::string>{
                "kubectl -n shop create secret generic db-credentials --from-literal=<key>=<value>"}));
}

TEST_F(ConfigErrors, MissingKeysListTheKeysThatExist) {
  EXPECT_EQ(only(d, "AIOPS-D302").rootCause,
            "Container worker cannot be created because ConfigMap app-settings has no key DB_HOST (its keys: "
            "DB_HOSTNAME, DB_PORT; did you mean DB_HOSTNAME?).");
  EXPECT_EQ(only(d, "AIOPS-D302").recommendations.at(0).summary,
            "add key DB_HOST to ConfigMap app-settings, or reference the existing key DB_HOSTNAME instead");
  EXPECT_EQ(only(d, "AIOPS-D303").rootCause,
            "Container reporter cannot be created because Secret smtp has no key password (its keys: passwd, "
            "username; did you mean passwd?).");
}

TEST_F(ConfigErrors, SecretValuesNeverReachTheOutput) {
  std::string text = json::serialize(toJson(d));
  EXPECT_NE(text.find("passwd"), std::string::npos);  // key names are evidence
  EXPECT_EQ(text.find("c2VjcmV0LXZhbHVl"), std::string::npos);
  EXPECT_EQ(text.find("cmVwb3J0cw=="), std::string::npos);
}

TEST_F(ConfigErrors, RunAsNonRootWithARootImage) {
  const model::Finding& f = only(d, "AIOPS-D304");
  EXPECT_EQ(f.rootCause,
            "Container nginx requires a non-root user (runAsNonRoot) but image nginx:1.25 runs as root, so "
            "the kubelet "
            "refuses to start it.");
  const model::Recommendation& r = f.recommendations.at(0);
  EXPECT_EQ(r.risk, model::Risk::Medium);
  EXPECT_EQ(r.target.display(), "Deployment shop/nginx");
  EXPECT_EQ(
      json::serialize(r.patch->body),
      R"({"spec":{"template":{"spec":{"containers":[{"name":"nginx","securityContext":{"runAsUser":1000}}]}}}})");
  EXPECT_EQ(
      json::serialize(r.undo->body),
      R"({"spec":{"template":{"spec":{"containers":[{"name":"nginx","securityContext":{"runAsUser":null}}]}}}})");
}

TEST_F(ConfigErrors, RunContainerErrorQuotesTheRuntime) {
  const model::Finding& f = only(d, "AIOPS-D305");
  std::string message =
      "failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create "
      "failed: "
      "unable to start container process: error during container init: error mounting "
      "\"/var/lib/kubelet/pods/"
      "6d000000-0000-4000-8000-000000000006/volumes/kubernetes.io~configmap/cfg\" to rootfs at "
      "\"/etc/app/app.conf\": "
      "not a directory: unknown";
  EXPECT_EQ(f.rootCause, "The container runtime cannot start container app (RunContainerError): " +
                             message.substr(0, 200) + "….");
}

TEST(ConfigErrorGrace, AFreshPodIsReportedOnceTheGraceHasPassed) {
  Options options = testing::fixtureOptions();
  options.startupGrace = std::chrono::seconds(10);
  Diagnosis d = diagnoseFixture("config-errors", options);
  auto missing = testing::withRule(d, "AIOPS-D300");
  ASSERT_EQ(missing.size(), 2U);
  EXPECT_EQ(missing[0]->object.name, "fresh");
}

}  // namespace
}  // namespace aiops::diagnose

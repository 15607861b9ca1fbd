// Redaction: Secret data, last-applied copies, secret-looking env values and credential-shaped strings never
// survive; ordinary content does; redaction is idempotent (records are re-redacted on every step).
#include "governance/redact.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "governance/canonical.h"

namespace aiops::governance {
namespace {

namespace json = boost::json;

TEST(Redact, SecretDataAndStringDataKeepKeysButLoseValues) {
  const json::value secret = json::parse(R"({
    "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
    "metadata": {"name": "db", "namespace": "shop"},
    "data": {"password": "aHVudGVyMi12ZXJ5LXNlY3JldA==", "user": "YWRtaW4="},
    "stringData": {"token": "plain-text-token-value"}})");
  const json::value redacted = redactObject(secret);
  EXPECT_EQ(
      canonicalJson(redacted),
      R"({"apiVersion":"v1","data":{"password":"<redacted>","user":"<redacted>"},"kind":"Secret",)"
      R"("metadata":{"name":"db","namespace":"shop"},"stringData":{"token":"<redacted>"},"type":"Opaque"})");
}

TEST(Redact, LastAppliedConfigurationIsRedactedAsTheObjectItCopies) {
  json::object secret =
      json::parse(R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"db"},"data":{"k":"c2VjcmV0"}})")
          .as_object();
  secret["metadata"].as_object()["annotations"] =
      json::object{{"kubectl.kubernetes.io/last-applied-configuration", json::serialize(secret)}};
  const std::string text = canonicalJson(redactObject(secret));
  EXPECT_EQ(text.find("c2VjcmV0"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(\"k\":\"<redacted>\")"), std::string::npos) << text;

  const json::value notJson = json::parse(
      R"({"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{broken"}}})");
  EXPECT_EQ(
      canonicalJson(redactObject(notJson)),
      R"({"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"<redacted>"}}})");
}

TEST(Redact, EnvValuesWithSecretNamesAreRedactedOthersKept) {
  const json::value pod =
      json::parse(R"({"kind":"Deployment","spec":{"template":{"spec":{"containers":[{"name":"app",
    "env":[{"name":"DB_PASSWORD","value":"s3cr3t"},{"name":"LOG_LEVEL","value":"debug"},
           {"name":"API_TOKEN","value":"abc"},{"name":"DB_HOST","valueFrom":{"secretKeyRef":{"name":"db","key":"host"}}}]}]}}}})");
  const std::string text = canonicalJson(redactObject(pod));
  EXPECT_NE(text.find(R"({"name":"DB_PASSWORD","value":"<redacted>"})"), std::string::npos) << text;
  EXPECT_NE(text.find(R"({"name":"LOG_LEVEL","value":"debug"})"), std::string::npos) << text;
  EXPECT_NE(text.find(R"({"name":"API_TOKEN","value":"<redacted>"})"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("secretKeyRef":{"key":"host","name":"db"})"), std::string::npos) << text;
}

TEST(Redact, SecretNamesByConvention) {
  EXPECT_TRUE(looksLikeSecretName("DB_PASSWORD"));
  EXPECT_TRUE(looksLikeSecretName("github_token"));
  EXPECT_TRUE(looksLikeSecretName("AWS_SECRET_ACCESS_KEY"));
  EXPECT_TRUE(looksLikeSecretName("StripeApiKey"));
  EXPECT_FALSE(looksLikeSecretName("LOG_LEVEL"));
  EXPECT_FALSE(looksLikeSecretName("MONKEY"));
}

TEST(Redact, CredentialFormatsInTextAreReplaced) {
  EXPECT_EQ(redactText("key AKIAIOSFODNN7EXAMPLE in use"), "key <redacted> in use");
  EXPECT_EQ(redactText("token ghp_0123456789abcdefghijABCDEFGHIJ012345 leaked"), "token <redacted> leaked");
  EXPECT_EQ(redactText("DATABASE_URL=postgres://app:hunter2@db:5432/shop"),
            "DATABASE_URL=postgres://app:<redacted>@db:5432/shop");
  EXPECT_EQ(redactText("kubectl create secret generic db --from-literal=password=hunter2"),
            "kubectl create secret generic db --from-literal=password=<redacted>");
  EXPECT_EQ(redactText(R"({"api_key": "abcd1234efgh"})"), R"({"api_key": "<redacted>"})");
  EXPECT_EQ(redactText("Authorization: Bearer abc.def.ghi-123"), "Authorization: Bearer <redacted>");
  EXPECT_EQ(redactText("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig-part_1"), "jwt <redacted>");
  EXPECT_EQ(redactText("-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\nafter"),
            "<redacted>\nafter");
  EXPECT_EQ(redactText("slack xoxb-1234567890-abcdefghij"), "slack <redacted>");
}

TEST(Redact, OrdinaryTextIsUntouched) {
  for (const char* text :
       {"container app was OOMKilled 4 times at its 256Mi limit", "secret \"db-creds\" not found",
        "MountVolume.SetUp failed for volume \"tls\"", "raise the memory limit of container app to 384Mi",
        "https://example.com/runbooks/oom"}) {
    EXPECT_EQ(redactText(text), text);
  }
}

TEST(Redact, IsIdempotent) {
  for (const char* text :
       {"password=hunter2", "postgres://app:hunter2@db/x", "Bearer abcdefghijk", "AKIAIOSFODNN7EXAMPLE"}) {
    const std::string once = redactText(text);
    EXPECT_EQ(redactText(once), once) << text;
  }
  const json::value secret = json::parse(R"({"apiVersion":"v1","kind":"Secret","data":{"a":"b"}})");
  EXPECT_EQ(redactObject(redactObject(secret)), redactObject(secret));
}

TEST(Redact, PatchesOfASecretTargetLoseTheirValues) {
  const json::value merge = json::parse(
      R"({"data":{"password":"bmV3LXBhc3N3b3Jk"},"stringData":{"pin":"1234"},"metadata":{"labels":{"rotated":"yes"}}})");
  EXPECT_EQ(
      canonicalJson(redactChangeBody("Secret", merge)),
      R"({"data":{"password":"<redacted>"},"metadata":{"labels":{"rotated":"yes"}},"stringData":{"pin":"<redacted>"}})");
  const json::value jsonPatch = json::parse(R"([{"op":"replace","path":"/data/password","value":"bmV3"},
      {"op":"add","path":"/data","value":{"k":"dg=="}},{"op":"replace","path":"/metadata/labels/x","value":"y"}])");
  EXPECT_EQ(
      canonicalJson(redactChangeBody("Secret", jsonPatch)),
      R"([{"op":"replace","path":"/data/password","value":"<redacted>"},{"op":"add","path":"/data","value":{"k":"<redacted>"}},)"
      R"({"op":"replace","path":"/metadata/labels/x","value":"y"}])");
  // The same patch on a ConfigMap keeps its data: only Secrets are secret by kind.
  EXPECT_EQ(canonicalJson(redactChangeBody("ConfigMap", json::parse(R"({"data":{"mode":"fast"}})"))),
            R"({"data":{"mode":"fast"}})");
}

}  // namespace
}  // namespace aiops::governance

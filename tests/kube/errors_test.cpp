// KubeError classification of kubectl 1.32's stderr (texts captured from real runs) and of Status bodies.
#include "kube/errors.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace aiops::kube {
namespace {

TEST(ClassifyKubectlFailure, NotFoundFromServer) {
  const KubeError e =
      classifyKubectlFailure("Error from server (NotFound): pods \"x\" not found\n", 1, false);
  EXPECT_EQ(e.kind(), ErrorKind::Api);
  ASSERT_TRUE(e.api().has_value());
  EXPECT_EQ(*e.api(), (ApiError{404, "NotFound", "pods \"x\" not found"}));
  EXPECT_TRUE(e.isNotFound());
  EXPECT_STREQ(e.what(), "pods \"x\" not found (404 NotFound); check the name and the namespace (-n)");
}

TEST(ClassifyKubectlFailure, ConflictForbiddenAlreadyExistsAndOthers) {
  struct Case {
    const char* stderrText;
    int code;
    const char* reason;
    const char* message;
  };
  const Case cases[] = {
      {"Error from server (Conflict): Operation cannot be fulfilled on deployments.apps \"web\": the object "
       "has "
       "been modified; please apply your changes to the latest version and try again",
       409, "Conflict",
       "Operation cannot be fulfilled on deployments.apps \"web\": the object has been modified; please "
       "apply your "
       "changes to the latest version and try again"},
      {"Error from server (AlreadyExists): pods \"x\" already exists", 409, "AlreadyExists",
       "pods \"x\" already exists"},
      {"Error from server (Forbidden): pods is forbidden: User \"bob\" cannot list resource \"pods\" in API "
       "group "
       "\"\" in the namespace \"shop\"",
       403, "Forbidden",
       "pods is forbidden: User \"bob\" cannot list resource \"pods\" in API group \"\" in the namespace "
       "\"shop\""},
      {"error: You must be logged in to the server (Unauthorized)", 401, "Unauthorized",
       "you must be logged in to the server"},
      {"The request is invalid: Deployment.apps \"web\" is invalid: spec.replicas: Invalid value: -1: must "
       "be "
       "greater than or equal to 0",
       422, "Invalid",
       "Deployment.apps \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal "
       "to 0"},
      {"Error from server (BadRequest): the body of the request was in an unknown format", 400, "BadRequest",
       "the body of the request was in an unknown format"},
      {"Error from server (TooManyRequests): too many requests", 429, "TooManyRequests", "too many requests"},
      {"Error from server (InternalError): an error on the server (\"oops\") has prevented the request from "
       "succeeding",
       500, "InternalError", "an error on the server (\"oops\") has prevented the request from succeeding"},
      {"Error from server (ServiceUnavailable): the server is currently unable to handle the request", 503,
       "ServiceUnavailable", "the server is currently unable to handle the request"},
      {"Error from server (Expired): too old resource version: 1 (2)", 410, "Expired",
       "too old resource version: 1 (2)"},
      {"Error from server (Timeout): the server was unable to return a response in the time allotted", 504,
       "Timeout", "the server was unable to return a response in the time allotted"},
      {"error: the server doesn't have a resource type \"widgets\"", 404, "NotFound",
       "the server doesn't have a resource type \"widgets\""},
  };
  for (const auto& c : cases) {
    const KubeError e = classifyKubectlFailure(c.stderrText, 1, false);
    EXPECT_EQ(e.kind(), ErrorKind::Api) << c.stderrText;
    ASSERT_TRUE(e.api().has_value()) << c.stderrText;
    EXPECT_EQ(e.api()->code, c.code) << c.stderrText;
    EXPECT_EQ(e.api()->reason, c.reason) << c.stderrText;
    EXPECT_EQ(e.api()->message, c.message) << c.stderrText;
  }
}

TEST(ClassifyKubectlFailure, ConflictCarriesTheRetryAdvice) {
  const KubeError e = classifyKubectlFailure(
      "Error from server (Conflict): Operation cannot be fulfilled on deployments.apps \"web\": the object "
      "has "
      "been modified",
      1, false);
  EXPECT_TRUE(e.isConflict());
  EXPECT_EQ(e.nextStep(), "the object changed since it was read; read it again and retry");
}

TEST(ClassifyKubectlFailure, UnreachableServer) {
  for (const char* text : {
           "The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?",
           "Unable to connect to the server: dial tcp: lookup no-such-host.invalid on 10.255.255.53:53: no "
           "such host",
           "Unable to connect to the server: tls: failed to verify certificate: x509: cannot validate "
           "certificate",
       }) {
    const KubeError e = classifyKubectlFailure(text, 1, false);
    EXPECT_EQ(e.kind(), ErrorKind::Unreachable) << text;
    EXPECT_EQ(e.message(), std::string("cannot reach the cluster (") + text + ")");
    EXPECT_EQ(e.nextStep(), "check that the cluster is running and that --context/--kubeconfig select it");
  }
}

TEST(ClassifyKubectlFailure, Timeouts) {
  for (const char* text : {
           "Unable to connect to the server: net/http: request canceled while waiting for connection "
           "(Client.Timeout exceeded while awaiting headers)",
           "Unable to connect to the server: net/http: request canceled (Client.Timeout exceeded while "
           "awaiting "
           "headers)",
           "E1126 13:16:29.932549    8849 memcache.go:265] \"Unhandled Error\" err=\"couldn't get current "
           "server "
           "API group list: Get \\\"http://127.0.0.1:18555/api?timeout=1s\\\": context deadline exceeded\"\n"
           "Unable to connect to the server: context deadline exceeded",
           "Unable to connect to the server: dial tcp 10.0.0.1:443: i/o timeout",
       }) {
    const KubeError e = classifyKubectlFailure(text, 1, false);
    EXPECT_EQ(e.kind(), ErrorKind::Timeout) << text;
    EXPECT_EQ(e.nextStep(), "check that the cluster is reachable, or raise --request-timeout");
  }
  const KubeError killed = classifyKubectlFailure("", -1, /*timedOut=*/true);
  EXPECT_EQ(killed.kind(), ErrorKind::Timeout);
  EXPECT_STREQ(killed.what(),
               "kubectl did not answer before the deadline; check that the cluster is reachable, or raise "
               "--request-timeout");
}

TEST(ClassifyKubectlFailure, BrokenKubeconfig) {
  for (const char* text : {
           "error: error loading config file \"/tmp/badkc\": yaml: line 1: did not find expected node "
           "content",
           "Error in configuration: context was not found for specified context: missing",
           "error: context \"nope\" does not exist",
           "error: stat /nonexistent: no such file or directory",
           "error: cannot locate context missing",
           "error: current-context must exist in order to minify",
           "error: invalid configuration: no configuration has been provided",
       }) {
    const KubeError e = classifyKubectlFailure(text, 1, false);
    EXPECT_EQ(e.kind(), ErrorKind::Kubeconfig) << text;
    EXPECT_EQ(e.nextStep(), "fix the file, or pass a working --kubeconfig/--context");
  }
}

TEST(ClassifyKubectlFailure, UnknownFailuresKeepTheirText) {
  const KubeError e = classifyKubectlFailure("error: something odd happened\n", 1, false);
  EXPECT_EQ(e.kind(), ErrorKind::Transport);
  EXPECT_STREQ(e.what(),
               "kubectl failed: error: something odd happened; rerun with -v=6 to see kubectl's requests");
  const KubeError silent = classifyKubectlFailure("", 2, false);
  EXPECT_EQ(silent.kind(), ErrorKind::Transport);
  EXPECT_EQ(silent.message(), "kubectl failed with exit code 2 and no message");
}

TEST(ClassifyKubectlFailure, ErrorFromServerWithoutReason) {
  const KubeError e = classifyKubectlFailure("Error from server: etcdserver: request timed out", 1, false);
  EXPECT_EQ(e.kind(), ErrorKind::Api);
  EXPECT_EQ(e.api()->reason, "Unknown");
  EXPECT_EQ(e.api()->message, "etcdserver: request timed out");
}

TEST(KubeError, WithContextPrefixesTheMessage) {
  const KubeError e =
      apiError(ApiError{403, "Forbidden", "pods is forbidden"}).withContext("listing pods in namespace shop");
  EXPECT_STREQ(
      e.what(),
      "listing pods in namespace shop: pods is forbidden (403 Forbidden); ask for the RBAC permission it "
      "names, or use --as");
  EXPECT_TRUE(e.isForbidden());
  EXPECT_EQ(e.code(), 403);
}

TEST(KubectlMissing, SaysWhatToDo) {
  const KubeError e = kubectlMissing("cannot run 'kubectl': not found on PATH");
  EXPECT_EQ(e.kind(), ErrorKind::KubectlMissing);
  EXPECT_STREQ(e.what(),
               "kubectl cannot be run (cannot run 'kubectl': not found on PATH); install kubectl, or set "
               "KUBECTL_PATH to its full path");
}

TEST(HttpCodeForReason, KnownReasons) {
  EXPECT_EQ(httpCodeForReason("NotFound"), 404);
  EXPECT_EQ(httpCodeForReason("AlreadyExists"), 409);
  EXPECT_EQ(httpCodeForReason("Conflict"), 409);
  EXPECT_EQ(httpCodeForReason("Forbidden"), 403);
  EXPECT_EQ(httpCodeForReason("Unauthorized"), 401);
  EXPECT_EQ(httpCodeForReason("Invalid"), 422);
  EXPECT_EQ(httpCodeForReason("BadRequest"), 400);
  EXPECT_EQ(httpCodeForReason("TooManyRequests"), 429);
  EXPECT_EQ(httpCodeForReason("InternalError"), 500);
  EXPECT_EQ(httpCodeForReason("ServiceUnavailable"), 503);
  EXPECT_EQ(httpCodeForReason("Timeout"), 504);
  EXPECT_EQ(httpCodeForReason("Gone"), 410);
  EXPECT_EQ(httpCodeForReason("Expired"), 410);
  EXPECT_EQ(httpCodeForReason("MethodNotAllowed"), 405);
  EXPECT_EQ(httpCodeForReason("Nonsense"), 0);
  EXPECT_EQ(reasonForHttpCode(404), "NotFound");
  EXPECT_EQ(reasonForHttpCode(409), "AlreadyExists");
  EXPECT_EQ(reasonForHttpCode(502), "InternalError");
}

TEST(ParseStatus, FailureStatus) {
  const auto status =
      boost::json::parse(R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
    "message":"pods \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"pods"},"code":404})");
  EXPECT_EQ(parseStatus(status), (ApiError{404, "NotFound", "pods \"x\" not found"}));
}

TEST(ParseStatus, FillsCodeOrReasonWhenOneIsMissing) {
  EXPECT_EQ(parseStatus(boost::json::parse(
                R"({"kind":"Status","status":"Failure","reason":"Conflict","message":"m"})")),
            (ApiError{409, "Conflict", "m"}));
  EXPECT_EQ(
      parseStatus(boost::json::parse(R"({"kind":"Status","status":"Failure","code":410,"message":"gone"})")),
      (ApiError{410, "Gone", "gone"}));
}

TEST(ParseStatus, NotAFailure) {
  EXPECT_FALSE(
      parseStatus(boost::json::parse(R"({"kind":"Status","status":"Success","code":200})")).has_value());
  EXPECT_FALSE(parseStatus(boost::json::parse(R"({"kind":"Pod","status":{"phase":"Running"}})")).has_value());
  EXPECT_FALSE(parseStatus(boost::json::parse(R"([1,2])")).has_value());
}

}  // namespace
}  // namespace aiops::kube

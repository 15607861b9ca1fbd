// EvidenceBuilder: owner chains (read and inferred), event aggregation (core/v1 and events.k8s.io/v1),
// events of an earlier pod with the same name, Secrets reduced to key names, Lists, order independence,
// logs, usage, and objects with fields missing.
#include "diagnose/evidence_builder.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "diagnose/analyzers.h"
#include "fixture.h"

namespace aiops::diagnose {
namespace {

namespace json = boost::json;

json::value pod(const std::string& name, const std::string& owner, const std::string& hash = "") {
  std::string labels = hash.empty() ? "{}" : R"({"pod-template-hash":")" + hash + R"("})";
  std::string owners = owner.empty() ? "[]"
                                     : R"([{"apiVersion":"apps/v1","kind":"ReplicaSet","name":")" + owner +
                                           R"(","controller":true}])";
  return json::parse(
      R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":")" + name +
      R"(","namespace":"shop","uid":"uid-)" + name + R"(","labels":)" + labels + R"(,"ownerReferences":)" +
      owners +
      R"(},"spec":{"containers":[{"name":"app","image":"a:1"}]},)"
      R"("status":{"phase":"Running","containerStatuses":[{"name":"app","ready":true,"restartCount":0,)"
      R"("state":{"running":{"startedAt":"2024-05-01T10:00:00Z"}}}]}})");
}

TEST(EvidenceBuilder, OwnerChainsFollowTheControllersThatWereRead) {
  EvidenceBuilder b;
  b.add(pod("web-5d4f8c7b9-abcde", "web-5d4f8c7b9"));
  b.add(json::parse(
      R"({"apiVersion":"apps/v1","kind":"ReplicaSet","metadata":{"name":"web-5d4f8c7b9","namespace":"shop",
    "ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"web","controller":true}]}})"));
  Evidence e = b.build();
  ASSERT_EQ(e.pods.size(), 1U);
  EXPECT_EQ(e.pods[0].owners, (std::vector<OwnerLink>{{"apps/v1", "ReplicaSet", "web-5d4f8c7b9", false},
                                                      {"apps/v1", "Deployment", "web", false}}));
}

TEST(EvidenceBuilder, DeploymentIsInferredFromThePodTemplateHashWhenTheReplicaSetWasNotRead) {
  EvidenceBuilder b;
  b.add(pod("web-5d4f8c7b9-abcde", "web-5d4f8c7b9", "5d4f8c7b9"));
  b.add(pod("other-abcde", "other-rs", "5d4f8c7b9"));  // name does not end in the hash: no guess
  Evidence e = b.build();
  ASSERT_EQ(e.pods.size(), 2U);
  EXPECT_EQ(e.pods[0].name, "other-abcde");
  EXPECT_EQ(e.pods[0].owners.size(), 1U);
  EXPECT_EQ(e.pods[1].owners.back(), (OwnerLink{"apps/v1", "Deployment", "web", true}));
}

TEST(EvidenceBuilder, EventsAreAggregatedPerObjectWithCountsAndTimes) {
  EvidenceBuilder b;
  b.add(json::parse(R"({"kind":"EventList","items":[
    {"metadata":{"name":"e1","namespace":"shop"},"involvedObject":{"kind":"Pod","name":"web","namespace":"shop","uid":"u1"},
     "reason":"BackOff","message":"Back-off restarting failed container app in pod web_shop_u1","type":"Warning",
     "count":3,"firstTimestamp":"2024-05-01T11:00:00Z","lastTimestamp":"2024-05-01T11:10:00Z"},
    {"metadata":{"name":"e2","namespace":"shop"},"involvedObject":{"kind":"Pod","name":"web","namespace":"shop","uid":"u1"},
     "reason":"BackOff","message":"Back-off restarting failed container app in pod web_shop_u1","type":"Warning",
     "count":4,"firstTimestamp":"2024-05-01T10:30:00Z","lastTimestamp":"2024-05-01T11:40:00Z"}]})"));
  // events.k8s.io/v1: regarding, note, series and eventTime instead of the core fields.
  b.add(json::parse(
      R"({"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"e3","namespace":"shop"},
    "regarding":{"kind":"Pod","name":"web","namespace":"shop","uid":"u1"},"reason":"Unhealthy","type":"Warning",
    "note":"Readiness probe failed: HTTP probe failed with statuscode: 503","eventTime":"2024-05-01T11:00:00.000000Z",
    "series":{"count":12,"lastObservedTime":"2024-05-01T11:55:00.000000Z"}})"));
  Evidence e = b.build();
  const auto& events = e.events.at(ObjectKey{"Pod", "shop", "web"});
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0].reason, "BackOff");  // newest last
  EXPECT_EQ(events[0].count, 7);
  EXPECT_EQ(formatTimestamp(*events[0].firstSeen), "2024-05-01T10:30:00Z");
  EXPECT_EQ(formatTimestamp(*events[0].lastSeen), "2024-05-01T11:40:00Z");
  EXPECT_EQ(events[1].reason, "Unhealthy");
  EXPECT_EQ(events[1].count, 12);
  EXPECT_EQ(formatTimestamp(*events[1].lastSeen), "2024-05-01T11:55:00Z");
}

TEST(EvidenceBuilder, EventsOfAnEarlierPodWithTheSameNameAreNotItsEvents) {
  EvidenceBuilder b;
  b.add(pod("db-0", ""));
  b.add(json::parse(R"({"kind":"Event","metadata":{"name":"old","namespace":"shop"},
    "involvedObject":{"kind":"Pod","name":"db-0","namespace":"shop","uid":"uid-of-the-deleted-pod"},
    "reason":"FailedMount","message":"old","type":"Warning","count":1,"lastTimestamp":"2024-05-01T11:00:00Z"})"));
  b.add(json::parse(R"({"kind":"Event","metadata":{"name":"new","namespace":"shop"},
    "involvedObject":{"kind":"Pod","name":"db-0","namespace":"shop","uid":"uid-db-0"},
    "reason":"Pulled","message":"new","type":"Normal","count":1,"lastTimestamp":"2024-05-01T11:01:00Z"})"));
  Evidence e = b.build();
  Options options = testing::fixtureOptions();
  Context ctx(e, options);
  auto events = ctx.podEvents(e.pods.at(0));
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0]->message, "new");
}

TEST(EvidenceBuilder, SecretsKeepKeyNamesOnly) {
  EvidenceBuilder b;
  b.add(json::parse(
      R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"db","namespace":"shop"},"type":"Opaque",
    "data":{"password":"c3VwZXItc2VjcmV0","username":"YXBw"},"stringData":{"url":"postgres://app:super-secret@db"}})"));
  b.add(json::parse(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","namespace":"shop"},
    "data":{"LOG_LEVEL":"debug"},"binaryData":{"logo.png":"iVBORw0KGgo="}})"));
  Evidence e = b.build();
  ASSERT_EQ(e.secrets.size(), 1U);
  EXPECT_EQ(e.secrets[0].type, "Opaque");
  EXPECT_EQ(e.secrets[0].keys, (std::vector<std::string>{"password", "url", "username"}));
  EXPECT_EQ(e.configMaps[0].keys, (std::vector<std::string>{"LOG_LEVEL", "logo.png"}));
}

TEST(EvidenceBuilder, EndpointsJoinTheirServiceInAnyOrder) {
  json::value endpoints = json::parse(R"({"kind":"Endpoints","metadata":{"name":"api","namespace":"shop"},
    "subsets":[{"addresses":[{"ip":"10.0.0.1"}],"notReadyAddresses":[{"ip":"10.0.0.2","targetRef":{"kind":"Pod","name":"api-2"}},
    {"ip":"10.0.0.3","targetRef":{"kind":"Pod","name":"api-1"}}]}]})");
  json::value service = json::parse(R"({"kind":"Service","metadata":{"name":"api","namespace":"shop"},
    "spec":{"selector":{"app":"api"},"clusterIP":"10.96.0.9"}})");
  for (bool endpointsFirst : {true, false}) {
    EvidenceBuilder b;
    b.add(endpointsFirst ? endpoints : service);
    b.add(endpointsFirst ? service : endpoints);
    Evidence e = b.build();
    ASSERT_EQ(e.services.size(), 1U);
    const ServiceEvidence& s = e.services[0];
    EXPECT_TRUE(s.endpointsRead);
    EXPECT_TRUE(s.endpointsExist);
    EXPECT_EQ(s.readyAddresses, 1);
    EXPECT_EQ(s.notReadyAddresses, 2);
    EXPECT_EQ(s.notReadyPods, (std::vector<std::string>{"api-1", "api-2"}));
    EXPECT_EQ(s.clusterIP, "10.96.0.9");
  }
}

TEST(EvidenceBuilder, LogsUsageAndPeaksAttachToTheirContainers) {
  EvidenceBuilder b;
  b.add(pod("web", ""));
  b.add(json::parse(
      R"({"apiVersion":"metrics.k8s.io/v1beta1","kind":"PodMetrics","metadata":{"name":"web","namespace":"shop"},
    "containers":[{"name":"app","usage":{"cpu":"12m","memory":"180Mi"}}]})"));
  b.setLogs("shop", "web", "app", /*previous=*/true, LogTail{false, "boom\n", true, "", ""});
  b.setLogs("shop", "web", "app", /*previous=*/false,
            LogTail{false, "", false, "container \"app\" is waiting to start", ""});
  b.setMemoryPeak("shop", "web", "app", Quantity::mustParse("301Mi"), std::chrono::hours(24));
  Evidence e = b.build();
  const ContainerEvidence& c = e.pods.at(0).containers.at(0);
  EXPECT_TRUE(e.metricsAvailable);
  EXPECT_EQ(c.usage.memory->toString(), "180Mi");
  EXPECT_EQ(c.usage.cpu->toString(), "12m");
  EXPECT_EQ(c.usage.memoryPeak->toString(), "301Mi");
  EXPECT_TRUE(c.previousLog.fetched);
  EXPECT_TRUE(c.previousLog.truncated);
  EXPECT_EQ(c.previousLog.text, "boom\n");
  EXPECT_FALSE(c.currentLog.fetched);
  EXPECT_EQ(c.currentLog.error, "container \"app\" is waiting to start");
}

TEST(EvidenceBuilder, ObjectsWithFieldsMissingGiveDefaultsNotCrashes) {
  EvidenceBuilder b;
  EXPECT_TRUE(b.add(json::parse(R"({"kind":"Pod","metadata":{"name":"bare","namespace":"x"}})")));
  EXPECT_TRUE(b.add(json::parse(R"({"kind":"Pod"})")));
  EXPECT_TRUE(b.add(json::parse(R"({"kind":"Event","metadata":{"name":"orphan"}})")));
  EXPECT_TRUE(b.add(
      json::parse(R"({"kind":"Deployment","metadata":{"name":"d","namespace":"x"},"status":"weird"})")));
  EXPECT_TRUE(
      b.add(json::parse(R"({"kind":"Node","metadata":{"name":"n"},"status":{"conditions":"not a list"}})")));
  EXPECT_FALSE(b.add(json::parse(R"({"kind":"Ingress","metadata":{"name":"i"}})")));
  EXPECT_TRUE(b.add(json::parse(R"({"kind":"PodList"})")));
  Evidence e = b.build();
  ASSERT_EQ(e.pods.size(), 2U);
  EXPECT_EQ(e.pods[1].name, "bare");
  EXPECT_EQ(e.pods[1].restartPolicy, "Always");
  EXPECT_TRUE(e.pods[1].containers.empty());
  EXPECT_TRUE(e.events.empty());  // an event about nothing is dropped
  EXPECT_EQ(e.workloads.at(0).desired, 1);
  EXPECT_TRUE(diagnose(e, testing::fixtureOptions()).healthy());
}

TEST(EvidenceBuilder, ListedResourcesAndUnreadableParts) {
  EvidenceBuilder b;
  b.markListed("configmaps", "shop");
  b.markListed("nodes", "*");
  b.addUnreadable("logs of container app in pod shop/web (previous)",
                  "previous terminated container \"app\" in pod \"web\" not found");
  Evidence e = b.build();
  EXPECT_TRUE(e.wasListed("configmaps", "shop"));
  EXPECT_FALSE(e.wasListed("configmaps", "web"));
  EXPECT_TRUE(e.wasListed("nodes", "anything"));
  Diagnosis d = diagnose(e, testing::fixtureOptions());
  EXPECT_EQ(d.unreadable, e.unreadable);
}

TEST(EvidenceBuilder, ArrivalOrderDoesNotChangeTheEvidence) {
  std::vector<json::value> docs = testing::loadDocuments("crashloop-connection-refused");
  auto build = [](const std::vector<json::value>& objects) {
    EvidenceBuilder b;
    for (const json::value& o : objects) {
      if (kube::stringAt(&o, {"kind"}) != "ContainerLog") b.add(o);
    }
    return b.build();
  };
  Evidence forward = build(docs);
  std::reverse(docs.begin(), docs.end());
  Evidence backward = build(docs);
  ASSERT_EQ(forward.pods.size(), backward.pods.size());
  for (std::size_t i = 0; i < forward.pods.size(); ++i) {
    EXPECT_EQ(forward.pods[i].name, backward.pods[i].name);
    EXPECT_EQ(forward.pods[i].owners, backward.pods[i].owners);
  }
  EXPECT_EQ(json::serialize(toJson(diagnose(forward, testing::fixtureOptions()))),
            json::serialize(toJson(diagnose(backward, testing::fixtureOptions()))));
}

}  // namespace
}  // namespace aiops::diagnose

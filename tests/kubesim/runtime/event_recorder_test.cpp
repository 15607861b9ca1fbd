// The event recorder: names, the core v1 fields, counting repeats, combining similar events, expiry.
#include "event_recorder.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "test_cluster.h"

namespace kubesim::runtime {
namespace {

using testing::field;
using testing::TestCluster;

TEST(EventRecorderTest, RepeatsCountOnOneEventWithTheFirstAndLastTimes) {
  TestCluster cluster(testing::kNodeYaml);
  EventRecorder recorder(cluster.store());
  json::object pod =
      boost::json::parse(R"({"metadata":{"name":"web","namespace":"default","uid":"u-1"}})").as_object();
  ObjectReference ref = referenceTo(pod, "v1", "Pod", "spec.containers{app}");
  EventSource kubelet{"kubelet", "node-1"};
  TimePoint t0 = testing::at("2026-03-01T12:00:00Z");
  recorder.record(ref, kubelet, {"Warning", "BackOff", "Back-off restarting failed container"}, t0);
  recorder.record(ref, kubelet, {"Warning", "BackOff", "Back-off restarting failed container"},
                  t0 + std::chrono::seconds(10));
  recorder.record(ref, kubelet, {"Warning", "BackOff", "Back-off restarting failed container"},
                  t0 + std::chrono::seconds(30));
  std::vector<json::object> events = cluster.list(gr::events);
  ASSERT_EQ(events.size(), 1u);
  json::object& event = events.front();
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(t0.time_since_epoch()).count();
  EXPECT_EQ(field(event, {"metadata", "name"}), fmt::format("web.{:x}", nanos));
  event.erase("metadata");
  EXPECT_EQ(json::value(event), boost::json::parse(R"({
    "apiVersion": "v1", "kind": "Event",
    "involvedObject": {"kind": "Pod", "namespace": "default", "name": "web", "uid": "u-1", "apiVersion": "v1",
                       "fieldPath": "spec.containers{app}"},
    "reason": "BackOff", "message": "Back-off restarting failed container",
    "source": {"component": "kubelet", "host": "node-1"},
    "firstTimestamp": "2026-03-01T12:00:00Z", "lastTimestamp": "2026-03-01T12:00:30Z", "count": 3,
    "type": "Warning", "eventTime": null, "reportingComponent": "kubelet", "reportingInstance": "node-1"})"))
      << toJson(event);
}

TEST(EventRecorderTest, MoreThanTenDifferentMessagesAreCombined) {
  TestCluster cluster(testing::kNodeYaml);
  EventRecorder recorder(cluster.store());
  json::object rs =
      boost::json::parse(R"({"metadata":{"name":"web-1","namespace":"default","uid":"u-2"}})").as_object();
  ObjectReference ref = referenceTo(rs, "apps/v1", "ReplicaSet");
  TimePoint t0 = testing::at("2026-03-01T12:00:00Z");
  for (int i = 0; i < 13; ++i)
    recorder.record(ref, {"replicaset-controller", ""},
                    {"Warning", "FailedCreate", fmt::format("Error creating: pod {}", i)},
                    t0 + std::chrono::seconds(i));
  std::vector<std::string> events = cluster.eventsFor("web-1");
  ASSERT_EQ(events.size(), 11u);
  EXPECT_EQ(events[9], "FailedCreate: Error creating: pod 9");
  EXPECT_EQ(events[10], "FailedCreate: (combined from similar events): Error creating: pod 12 (x3)");
}

TEST(EventRecorderTest, EventsExpireAnHourAfterTheirLastUpdate) {
  TestCluster cluster(testing::kNodeYaml);
  EventRecorder recorder(cluster.store());
  json::object pod =
      boost::json::parse(R"({"metadata":{"name":"web","namespace":"default","uid":"u-1"}})").as_object();
  TimePoint t0 = testing::at("2026-03-01T12:00:00Z");
  recorder.record(referenceTo(pod, "v1", "Pod"), {"kubelet", "node-1"}, {"Normal", "Pulled", "a"}, t0);
  recorder.record(referenceTo(pod, "v1", "Pod"), {"kubelet", "node-1"}, {"Normal", "Pulled", "b"},
                  t0 + std::chrono::minutes(30));
  recorder.expire(t0 + std::chrono::minutes(61));
  EXPECT_EQ(cluster.eventsFor("web"), (std::vector<std::string>{"Pulled: b"}));
  // Recorded again after expiry: a new event, counting from one.
  recorder.record(referenceTo(pod, "v1", "Pod"), {"kubelet", "node-1"}, {"Normal", "Pulled", "a"},
                  t0 + std::chrono::minutes(62));
  EXPECT_EQ(cluster.eventsFor("web"), (std::vector<std::string>{"Pulled: b", "Pulled: a"}));
}

}  // namespace
}  // namespace kubesim::runtime

// Core v1 Events as client-go's event recorder writes them: one Event per distinct (source, involved
// object, type, reason, message), named "<object>.<hex unix nanos>", and on a repeat the same Event with
// count + 1 and a new lastTimestamp (the EventCorrelator's eventLogger). Like its EventAggregator, once an
// object has had 10 events of one reason with different messages within 10 minutes, further ones go into
// one Event "(combined from similar events): <latest message>" that counts them. Events expire an hour
// after their last update, as the API server's --event-ttl makes them.
#pragma once

#include <map>
#include <set>
#include <string>

#include "../controllers/api_objects.h"
#include "common.h"

namespace kubesim::runtime {

// metav1/corev1 ObjectReference: what an Event is about.
struct ObjectReference {
  std::string apiVersion;
  std::string kind;
  std::string namespace_;
  std::string name;
  std::string uid;
  std::string fieldPath;  // "spec.containers{app}" for container events
  std::string resourceVersion;
};
// A reference to a stored object of the given kind; fieldPath for container events.
ObjectReference referenceTo(const json::object& object, std::string_view apiVersion, std::string_view kind,
                            std::string fieldPath = {});

// The component that records: {"deployment-controller", ""}, {"kubelet", "<node>"}.
struct EventSource {
  std::string component;
  std::string host;
};

class EventRecorder {
 public:
  explicit EventRecorder(Store& store, Duration ttl = std::chrono::hours(1));

  // Records (or counts again) an event at `now`. Never throws: an event that cannot be written is dropped,
  // as the real recorder drops them.
  void record(const ObjectReference& object, const EventSource& source, const controllers::Event& event,
              TimePoint now);
  // Deletes events not updated for longer than the TTL (the API server's lease-based expiry).
  void expire(TimePoint now);

 private:
  Store& store_;
  Duration ttl_;
  struct Similar {
    std::set<std::string> messages;
    TimePoint last{};
  };
  std::map<std::string, std::string> names_;  // aggregation key -> "<namespace>/<event name>"
  std::map<std::string, Similar> similar_;    // events of one object and reason with different messages
  std::map<std::string, int> nanosUsed_;      // avoids two events named alike in one nanosecond
};

}  // namespace kubesim::runtime

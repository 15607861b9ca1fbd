// Conversions between the versions and groups that share one storage: core/v1 Event and events.k8s.io/v1
// Event, autoscaling/v2 and autoscaling/v1 HorizontalPodAutoscaler (v2 is the storage form), with the
// field mappings of the real conversion functions.
#pragma once

#include <boost/json.hpp>

namespace kubesim {

boost::json::object eventToEventsV1(boost::json::object coreEvent);
boost::json::object eventsV1ToEvent(boost::json::object event);
boost::json::object hpaV2ToV1(boost::json::object hpa);
boost::json::object hpaV1ToV2(boost::json::object hpa);
// autoscaling/v2 defaulting (minReplicas, the CPU metric, behavior), which the real server applies whenever
// it decodes a v2 object, so an HPA written as v1 reads back as v2 with them.
void defaultHpaV2(boost::json::object& hpa);

}  // namespace kubesim

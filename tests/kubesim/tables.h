// Server-side printing: the meta.k8s.io/v1 Table that `kubectl get` asks for (Accept: ...;as=Table), with the
// same columns, priorities and cell values the real API server prints for each built-in kind.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "resources.h"

namespace kubesim {

// `items` are full objects. `includeObject` follows the request's includeObject parameter: "None" omits the
// object, "Metadata" (kubectl's default) embeds a PartialObjectMetadata, "Object" embeds it whole. `now` is the
// clock the AGE column is measured against.
enum class IncludeObject { None, Metadata, Object };
boost::json::object toTable(const ResourceType& type, const std::vector<boost::json::object>& items,
                            IncludeObject includeObject, std::chrono::system_clock::time_point now);
// The same, with `resourceVersion` as the table's metadata.resourceVersion (a list passes the list's version;
// the overload above uses the single object's version, or the highest among several items).
boost::json::object toTable(const ResourceType& type, const std::vector<boost::json::object>& items,
                            IncludeObject includeObject, std::chrono::system_clock::time_point now,
                            std::string_view resourceVersion);

// apimachinery's duration.HumanDuration ("45s", "5m", "3h12m", "2d", ...), as the AGE column prints it.
std::string humanDuration(std::chrono::nanoseconds d);

}  // namespace kubesim

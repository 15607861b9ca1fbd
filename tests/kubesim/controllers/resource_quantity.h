// Kubernetes resource quantities ("250m", "1.5", "512Mi", "1e3") as milli-units, the way the scheduler, the
// HPA and the kubelet compare them (resource.Quantity.MilliValue: exact, rounded up).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kubesim::controllers {

// Parses a quantity and returns its value in thousandths ("250m" -> 250, "1" -> 1000, "1Ki" -> 1024000).
// Rounds up like MilliValue; saturates at the int64 limits; nullopt when the text is not a quantity.
std::optional<std::int64_t> parseQuantityMilli(std::string_view text);

// Renders a milli-value as resource.NewMilliQuantity(v, DecimalSI).String() does: "250m", "1", "1500m", "2k",
// "104857600". This is the form the HPA writes into status.currentMetrics.
std::string formatMilliDecimalSI(std::int64_t milli);

}  // namespace kubesim::controllers

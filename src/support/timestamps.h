// Kubernetes timestamps (RFC 3339) and the kubectl-style age column ("5m30s", "3d4h").
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace aiops {

using WallTime = std::chrono::system_clock::time_point;

// Parses RFC 3339 as the API server writes it: "2024-05-01T10:00:00Z", with optional fractional seconds
// (metav1.MicroTime) and a numeric offset. nullopt for anything else.
std::optional<WallTime> parseTimestamp(std::string_view text);

// "2024-05-01T10:00:00Z" (UTC, whole seconds), as metav1.Time serialises.
std::string formatTimestamp(WallTime time);

// kubectl's age: 2-3 significant figures ("45s", "2m5s", "3h", "5d2h", "2y10d"); "<invalid>" for a time
// more than a second in the future.
std::string humanDuration(std::chrono::seconds age);

// A duration as the policy file and the flags take it: whole numbers with the units d, h, m and s, in any
// combination ("90s", "1h30m", "8d"); nullopt when malformed (empty, no unit, a fraction, a sign, spaces).
std::optional<std::chrono::seconds> parseDuration(std::string_view text);

}  // namespace aiops

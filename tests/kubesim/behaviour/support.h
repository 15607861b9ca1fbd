// Shared pieces of kubesim's behaviour models: the time types, Go-style durations and deterministic noise.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kubesim::behaviour {

using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::nanoseconds;

// Go's time.ParseDuration ("90s", "5m", "1h30m", "1.5h", "250ms", "-2s", "0"; units ns, us, µs, ms, s, m, h)
// plus the day unit "d" (24h), which scenario timelines want ("7d"). nullopt when malformed or out of range.
std::optional<Duration> parseDuration(std::string_view text);

// Go's Duration.String(): "1h30m0s", "1.5s", "250ms", "0s".
std::string formatDuration(Duration duration);

double toSeconds(Duration duration);
// Rounds to the nearest nanosecond; saturates at the range of Duration.
Duration fromSeconds(double seconds);

// FNV-1a, 64 bit: how a pod uid or a service name becomes a noise seed.
std::uint64_t hash64(std::string_view text);
// The splitmix64 finaliser: a well-mixed 64-bit value from any input.
std::uint64_t mix64(std::uint64_t x);
// A value in [0, 1) fixed by the seed and the bucket: the same inputs give the same value on every run.
double unitNoise(std::uint64_t seed, std::int64_t bucket);
// A value in [-1, 1], likewise.
double signedNoise(std::uint64_t seed, std::int64_t bucket);

// Noise changes once per bucket of virtual time: metrics-server's default resolution, so two `kubectl top`
// calls within one scrape window agree, as they do on a real cluster.
inline constexpr Duration kNoiseBucket = std::chrono::seconds(15);
// The bucket a point of virtual time falls in (floor division, also before the epoch).
std::int64_t noiseBucket(TimePoint time);

}  // namespace kubesim::behaviour

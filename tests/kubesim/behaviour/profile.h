// Behaviour profiles: how the program in a container behaves (CPU and memory use, start-up, exits, probe
// answers, log lines, request errors and latency), as pure functions of time, load and a seed.
//
// A profile is chosen per container by image (see ProfileSet), or by the pod annotation
// `kubesim.aiops.dev/profile: <name>` (`kubesim.aiops.dev/profile.<container>` for one container). Every
// function here is deterministic: noise comes from a seed (the pod uid's hash) and the 15 s bucket of virtual
// time, so the same scenario on the same clock gives the same numbers, run after run.
//
// Times passed in are virtual; "start" is when the container instance started (each restart starts afresh:
// a memory leak starts from the baseline again, as a restarted process does).
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../state.h"
#include "support.h"

namespace kubesim::behaviour {

struct CpuModel {
  double baselineMillicores = 1;
  double perRpsMillicores = 0;
  std::optional<double> startupMillicores;  // use during start-up instead of the baseline (a JIT warming up)
  double noise = 0;                         // +/- this fraction of the value, per 15 s bucket
};

struct MemoryModel {
  double baselineMiB = 16;
  double perRpsMiB = 0;
  double growthMiBPerHour = 0;  // a leak: the container is OOMKilled once use passes its limit
};

// A planned exit after running for `after` (a batch job's completion, or a crash some time in).
struct ExitModel {
  Duration after{0};
  int exitCode = 0;
  std::string reason;  // written into the failure log lines as {reason}
};

// A crash during start-up: always, or only when one of whenEnvMissing is not set in the container.
struct CrashOnStartModel {
  Duration after = std::chrono::seconds(1);
  int exitCode = 1;
  std::string
      reason;  // default: "missing required environment variable <NAME>" or "fatal error during start-up"
  std::vector<std::string> whenEnvMissing;
};

struct ProbeModel {
  Duration readyAfter{0};                      // readiness answers 503 until then (counted from start)
  std::optional<Duration> livenessFailsAfter;  // liveness (and readiness) answer 500 from then on
};

struct PeriodicLogs {
  Duration every = std::chrono::seconds(60);
  std::vector<std::string> lines;  // all written at each tick, in order
};

struct LogModel {
  std::vector<std::string> startup;  // spread over the start-up duration; the last one when it completes
  std::optional<PeriodicLogs> periodic;
  std::vector<std::string> failure;  // at a failing exit, or when liveness starts failing (a stack trace)
};

struct LatencyModel {
  Duration median = std::chrono::milliseconds(5);
  Duration p99 = std::chrono::milliseconds(50);
};

struct RequestModel {
  double errorRate = 0;         // fraction answered 500
  std::map<int, double> codes;  // further fractions by status code (503, 429, 404, ...)
  std::string method = "GET";   // the method label of the request counter
  LatencyModel latency;         // log-normal, fixed by its median and 99th percentile
};

struct Profile {
  std::string name;
  std::vector<std::string> images;  // patterns: "repo:tag", "repo@sha256:...", "repo" (any tag) or a glob
  CpuModel cpu;
  MemoryModel memory;
  Duration startup = std::chrono::seconds(1);  // not listening (probes refused) before this
  std::optional<ExitModel> exit;
  std::optional<CrashOnStartModel> crashOnStart;
  ProbeModel probes;
  LogModel logs;
  RequestModel requests;
};

// The built-in profile for images no profile matches: idle, healthy, one start-up log line.
const Profile& defaultProfile();

// Parses a `kind: BehaviourProfile` document (fields in behaviour/README.md). Throws kubesim::StateError with
// "<file>:<line>: BehaviourProfile <name>: <field>: <problem>".
Profile parseProfile(const ScenarioDocument& document);

// ---- Choosing a profile ----

inline constexpr std::string_view kProfileAnnotation = "kubesim.aiops.dev/profile";

// The parts of an image reference, normalised as the container runtime does: "nginx" is
// docker.io/library/nginx:latest.
struct ImageReference {
  std::string repository;  // "docker.io/library/nginx", "ghcr.io/todo-chatbot/backend"
  std::string tag;         // "latest" when neither tag nor digest is given
  std::string digest;      // "sha256:..." or empty
  std::string normalized() const;
};
ImageReference parseImage(std::string_view image);

// The scenario's profiles plus the built-in default. A profile named "default" replaces the built-in one.
class ProfileSet {
 public:
  ProfileSet() = default;
  explicit ProfileSet(std::vector<Profile> profiles);

  const Profile* byName(std::string_view name) const;
  // The profile for an image: an exact pattern ("repo:tag", "repo@digest") first, then a repository pattern
  // ("repo", any tag), then a glob (* ? [...], matched against the image as written and normalised); within
  // each, the first profile in scenario order. The default when none matches.
  const Profile& forImage(std::string_view image) const;

  struct Choice {
    const Profile* profile = nullptr;
    std::string unknownName;  // an annotation named a profile that does not exist (the image decided)
  };
  // For a container of a pod: the container's annotation, the pod's annotation, then the image.
  Choice forContainer(const boost::json::object& pod, std::string_view container,
                      std::string_view image) const;

  const std::vector<Profile>& profiles() const { return profiles_; }
  const Profile& fallback() const;

 private:
  std::vector<Profile> profiles_;
};

// ---- Resources ----

struct Usage {
  double cpuMillicores = 0;
  std::int64_t memoryBytes = 0;
  bool operator==(const Usage&) const = default;
};

// Use at `now` of a container started at `start` serving `rps` requests per second (its share of its
// Services' load; 0 while not ready). CPU is not capped: the caller applies the container's limit.
Usage usageAt(const Profile& profile, TimePoint start, TimePoint now, double rps, std::uint64_t seed);

// The first instant memory use exceeds limitBytes at a steady rps (OOMKilled), or nullopt if it never does.
std::optional<TimePoint> memoryExceedsAt(const Profile& profile, TimePoint start, double rps,
                                         std::int64_t limitBytes);

// ---- Exits and probes ----

struct PlannedExit {
  Duration after{0};  // since start
  int exitCode = 0;
  std::string reason;
  bool duringStartup = false;  // crashOnStart (never becomes ready)
  bool operator==(const PlannedExit&) const = default;
};
// When and how the container exits by itself, given the names of the environment variables it has (env and
// envFrom resolved by the kubelet). crashOnStart wins over exit.
std::optional<PlannedExit> plannedExit(const Profile& profile, const std::set<std::string>& envNames);

enum class ProbeKind { Startup, Liveness, Readiness };
struct ProbeAnswer {
  bool listening = false;  // false: connection refused
  int statusCode = 0;      // when listening
  bool success() const { return listening && statusCode >= 200 && statusCode < 400; }
  bool operator==(const ProbeAnswer&) const = default;
};
// What an HTTP (or TCP/exec: success only) probe of that kind gets at `now`.
ProbeAnswer probeAt(const Profile& profile, ProbeKind kind, TimePoint start, TimePoint now);

// ---- Logs ----

struct LogLine {
  TimePoint time;
  std::string text;
  bool operator==(const LogLine&) const = default;
};

// What the log templates may refer to besides time.
struct LogContext {
  std::string namespace_;
  std::string pod;
  std::string container;
  std::string image;
  std::uint64_t seed = 0;
  double rps = 0;
  std::set<std::string> envNames;  // decides crashOnStart.whenEnvMissing, as for plannedExit
};

// The lines the container writes with from <= time < to: start-up lines, periodic lines, and failure lines at
// its failure (planned exit with a non-zero code, or liveness starting to fail). Nothing after a planned
// exit. Templates may use {time} {timeMicro} {namespace} {pod} {container} {image} {profile} {uptime} {seq}
// {rand:MIN-MAX} {latencyMs} {rps} {exitCode} {reason} {missingEnv}; {{ and }} are literal braces.
std::vector<LogLine> logLinesBetween(const Profile& profile, TimePoint start, TimePoint from, TimePoint to,
                                     const LogContext& context = {});

// ---- Requests ----

// Prometheus' default histogram buckets (client_golang DefBuckets), in seconds.
const std::vector<double>& latencyBuckets();

// The share of requests answered with each status code (200 takes the rest), ascending by code.
std::vector<std::pair<int, double>> statusShares(const Profile& profile);
// The log-normal latency distribution in seconds.
double latencyCdf(const Profile& profile, double seconds);
double latencyQuantile(const Profile& profile, double q);
double meanLatency(const Profile& profile);

struct Outcomes {
  std::map<int, std::uint64_t> byCode;
  std::vector<std::uint64_t> buckets;  // cumulative, one per latencyBuckets() bound
  std::uint64_t count = 0;             // the +Inf bucket
  double latencySumSeconds = 0;
};
// How `requests` requests fare: counts by code that add up to requests exactly, and how many fall in each
// latency bucket. Expected values, rounded by systematic sampling from the seed, so a single request gets a
// 500 with the error rate's probability over seeds.
Outcomes requestOutcomes(const Profile& profile, std::uint64_t requests, std::uint64_t seed);
// The latency of one request, drawn from the distribution by the seed.
double sampleLatency(const Profile& profile, std::uint64_t seed);

}  // namespace kubesim::behaviour

// Injected faults for reliability tests: requests matching a path (prefix or regular expression) and verbs
// get an error Status (500, 429 with Retry-After, 403, ...), added latency, or a watch stream that is cut
// after N events or T seconds; each with a probability and an optional count ("the next 2 requests"). Set
// from a scenario's `kind: Fault` documents at start and through /kubesim/v1/faults at run time.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "state.h"

namespace kubesim {

struct FaultSpec {
  std::string name;                         // for people; optional
  std::string path;                         // a path prefix ("/api/v1/namespaces/todo/pods"); or
  std::string pathRegex;                    // an ECMAScript regular expression matched against the whole path
  std::vector<std::string> verbs;           // Kubernetes verbs (get, list, watch, create, ...); empty: all
  std::optional<int> errorCode;             // answer with this status (400-599) instead of serving
  std::string errorMessage;                 // the Status message; a default per code when empty
  std::optional<int> retryAfterSeconds;     // Retry-After header and details.retryAfterSeconds
  std::chrono::milliseconds latency{0};     // real time added before the answer
  std::optional<int> dropWatchAfterEvents;  // cut a watch stream after this many events
  std::optional<std::chrono::milliseconds> dropWatchAfter;  // or after this much real time
  double probability = 1;                                   // chance that a matching request is hit
  std::optional<int> count;  // how many requests it hits in all; unset: unlimited
};

// A fault in force, as /kubesim/v1/faults lists it.
struct ActiveFault {
  int id = 0;
  FaultSpec spec;
  int fired = 0;  // requests hit so far
};

// What the faults hitting one request do to it.
struct FaultOutcome {
  std::chrono::milliseconds latency{0};
  std::optional<int> errorCode;  // the first erroring fault wins
  std::string errorMessage;
  std::optional<int> retryAfterSeconds;
  std::optional<int> dropWatchAfterEvents;
  std::optional<std::chrono::milliseconds> dropWatchAfter;
  bool any() const { return latency.count() > 0 || errorCode || dropWatchAfterEvents || dropWatchAfter; }
};

// Reads a fault from its JSON (or scenario) form:
//   {name, path | pathRegex, verbs: [..], error: {code, message, retryAfterSeconds}, latency: "250ms",
//    dropWatch: {afterEvents, after: "10s"}, probability, count}
// Throws std::invalid_argument naming the field ("error.code: must be between 400 and 599, not 200").
FaultSpec faultFromJson(const boost::json::object& body);
boost::json::object faultToJson(const ActiveFault& fault);
// The scenario's `kind: Fault` documents; throws StateError "<file>:<line>: Fault <name>: <problem>".
std::vector<FaultSpec> parseFaultDocuments(const std::vector<ScenarioDocument>& documents);

class FaultSet {
 public:
  explicit FaultSet(std::uint64_t seed = 0x6b756265);

  // Adds a fault; returns its id (1, 2, ...). Throws std::invalid_argument for a bad regular expression.
  int add(FaultSpec spec);
  bool remove(int id);
  void clear();
  std::vector<ActiveFault> list() const;
  bool empty() const;

  // The faults that hit a request now: each matching fault with count left fires with its probability and
  // uses up one of its count. A used-up fault stays listed (remaining 0) and hits nothing more.
  FaultOutcome hit(std::string_view path, std::string_view verb);

 private:
  struct Entry {
    ActiveFault fault;
    std::optional<std::regex> regex;
  };
  mutable std::mutex mutex_;
  std::vector<Entry> entries_;
  int nextId_ = 1;
  std::mt19937_64 random_;
};

}  // namespace kubesim

// Kubelet restart policy and crash-loop back-off bookkeeping (see backoff.h).
#include "backoff.h"

#include <fmt/format.h>

#include <algorithm>

namespace kubesim::controllers {

RestartPolicy restartPolicyOf(const json::object& pod) {
  std::string policy = stringAt(pod, {"spec", "restartPolicy"});
  if (policy == "OnFailure") return RestartPolicy::OnFailure;
  if (policy == "Never") return RestartPolicy::Never;
  return RestartPolicy::Always;
}

bool shouldRestart(RestartPolicy policy, int exitCode) {
  switch (policy) {
    case RestartPolicy::Always:
      return true;
    case RestartPolicy::OnFailure:
      return exitCode != 0;
    case RestartPolicy::Never:
      return false;
  }
  return false;
}

std::string terminatedReason(int exitCode, bool oomKilled) {
  if (oomKilled) return "OOMKilled";
  return exitCode == 0 ? "Completed" : "Error";
}

std::string CrashLoopBackOff::key(const json::object& pod, const json::object& container) {
  return fmt::format("{}_{}_{}_{}_{:x}", stringAt(pod, {"metadata", "name"}),
                     stringAt(pod, {"metadata", "namespace"}), stringAt(pod, {"metadata", "uid"}),
                     stringAt(container, {"name"}), fnv32a(canonicalJson(container)));
}

namespace {

// Backoff.hasExpired: an entry not updated for twice the cap no longer counts.
bool expired(TimePoint eventTime, TimePoint lastUpdate) {
  return eventTime - lastUpdate > 2 * CrashLoopBackOff::kMax;
}

}  // namespace

CrashLoopBackOff::Decision CrashLoopBackOff::check(const std::string& key, TimePoint finishedAt,
                                                   TimePoint now) const {
  Decision decision;
  auto it = entries_.find(key);
  if (it == entries_.end()) return decision;
  const Entry& entry = it->second;
  // The kubelet's housekeeping would have collected an entry idle this long.
  if (expired(now, entry.lastUpdate) || expired(finishedAt, entry.lastUpdate)) return decision;
  decision.backOff = entry.backOff;
  if (now - finishedAt < entry.backOff) {
    decision.inBackOff = true;
    decision.restartAt = std::chrono::time_point_cast<Clock::duration>(finishedAt + entry.backOff);
  }
  return decision;
}

void CrashLoopBackOff::recordRestart(const std::string& key, TimePoint finishedAt, TimePoint now) {
  auto it = entries_.find(key);
  if (it == entries_.end() || expired(finishedAt, it->second.lastUpdate) ||
      expired(now, it->second.lastUpdate)) {
    entries_[key] = Entry{kInitial, now};
    return;
  }
  it->second.backOff = std::min(it->second.backOff * 2, kMax);
  it->second.lastUpdate = now;
}

void CrashLoopBackOff::collectGarbage(TimePoint now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (expired(now, it->second.lastUpdate)) {
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

std::optional<std::chrono::seconds> CrashLoopBackOff::current(const std::string& key) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second.backOff;
}

std::string crashLoopMessage(std::chrono::seconds backOff, const json::object& pod,
                             std::string_view container) {
  return fmt::format("back-off {} restarting failed container={} pod={}", goDuration(backOff), container,
                     podDisplayName(pod));
}

Event backOffEvent(const json::object& pod, std::string_view container) {
  return Event{
      "Warning", "BackOff",
      fmt::format("Back-off restarting failed container {} in pod {}", container, podDisplayName(pod))};
}

}  // namespace kubesim::controllers

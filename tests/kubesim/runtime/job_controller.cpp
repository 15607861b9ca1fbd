// The Job controller over the store (see job_controller.h).
#include "job_controller.h"

#include <fmt/format.h>

#include "../controllers/api_objects.h"
#include "../errors.h"

namespace kubesim::runtime {

namespace {

bool finished(const json::object& job) {
  for (std::string_view type : {"Complete", "Failed"}) {
    const json::object* status = objectField(job, "status");
    const json::object* c = status ? conditionOf(*status, type) : nullptr;
    if (c && stringField(*c, "status") == "True") return true;
  }
  return false;
}

// A Job condition: the controller stamps lastProbeTime along with lastTransitionTime.
void addJobCondition(json::object& status, std::string_view type, std::string_view reason,
                     std::string_view message, TimePoint now) {
  std::string stamp = formatTime(now);
  arrayAt(status, "conditions")
      .push_back(json::object{{"type", type},
                              {"status", "True"},
                              {"lastProbeTime", stamp},
                              {"lastTransitionTime", stamp},
                              {"reason", reason},
                              {"message", message}});
}

json::object podFromJob(const json::object& job) {
  std::string name(metaString(job, "name"));
  std::string uid(metaString(job, "uid"));
  json::object labels;
  if (const json::object* l = controllers::findObject(job, {"spec", "template", "metadata", "labels"}))
    labels = *l;
  labels["batch.kubernetes.io/controller-uid"] = uid;
  labels["batch.kubernetes.io/job-name"] = name;
  labels["controller-uid"] = uid;
  labels["job-name"] = name;
  json::object metadata{{"generateName", name + "-"},
                        {"namespace", metaString(job, "namespace")},
                        {"labels", labels},
                        {"ownerReferences", json::array{ownerReference(job, "batch/v1", "Job")}}};
  if (const json::object* a = controllers::findObject(job, {"spec", "template", "metadata", "annotations"}))
    metadata["annotations"] = *a;
  json::object pod{{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", std::move(metadata)}};
  if (const json::object* spec = controllers::findObject(job, {"spec", "template", "spec"}))
    pod["spec"] = *spec;
  return pod;
}

std::int64_t restartsOf(const json::object& pod) {
  std::int64_t total = 0;
  for (std::string_view key : {"initContainerStatuses", "containerStatuses"})
    if (const json::array* list = controllers::findArray(pod, {"status", key}))
      for (const json::value& s : *list)
        if (s.is_object()) total += controllers::intAt(s.get_object(), {"restartCount"});
  return total;
}

}  // namespace

void JobController::sync(TimePoint now) {
  if (!tracker_.due(ctx_.store, now)) return;
  tracker_.begin(ctx_.store, now);
  std::vector<json::object> jobs = listAll(ctx_.store, gr::jobs);
  std::set<std::string> live;
  if (!jobs.empty()) {
    std::vector<json::object> pods = listAll(ctx_.store, gr::pods);
    for (const json::object& job : jobs) {
      live.insert(std::string(metaString(job, "uid")));
      if (finished(job) || isTerminating(job)) continue;
      try {
        syncOne(job, pods, now);
      } catch (const ApiError& e) {
        if (e.code() != 409 && e.code() != 404) throw;
      }
    }
  }
  std::erase_if(counts_, [&](const auto& entry) { return !live.count(entry.first); });
}

void JobController::syncOne(const json::object& job, const std::vector<json::object>& pods, TimePoint now) {
  std::string ns(metaString(job, "namespace"));
  std::string name(metaString(job, "name"));
  Counts& counts = counts_[std::string(metaString(job, "uid"))];
  EventSource source{"job-controller", ""};
  ObjectReference ref = referenceTo(job, "batch/v1", "Job");
  const json::object* spec = objectField(job, "spec");
  if (spec == nullptr) return;

  std::vector<const json::object*> active;
  std::int64_t ready = 0, terminating = 0, activeRestarts = 0;
  for (const json::object& pod : pods) {
    if (metaString(pod, "namespace") != ns || !controlledBy(pod, job, "Job")) continue;
    std::string uid(metaString(pod, "uid"));
    std::string phase = podPhase(pod);
    if (phase == "Succeeded") {
      counts.succeeded.insert(uid);
    } else if (phase == "Failed") {
      if (counts.failed.insert(uid).second) counts.lastFailure = now;
    } else if (isTerminating(pod)) {
      ++terminating;
    } else {
      active.push_back(&pod);
      if (isPodReady(pod)) ++ready;
      activeRestarts += restartsOf(pod);
    }
  }
  auto succeeded = static_cast<std::int64_t>(counts.succeeded.size());
  auto failed = static_cast<std::int64_t>(counts.failed.size());
  std::optional<std::int64_t> completions;
  if (const json::value* c = spec->if_contains("completions"); c == nullptr || c->is_int64())
    completions = c ? c->get_int64() : 1;
  std::int64_t parallelism = controllers::intAt(*spec, {"parallelism"}, 1);
  std::int64_t backoffLimit = controllers::intAt(*spec, {"backoffLimit"}, 6);
  std::string restartPolicy = controllers::stringAt(*spec, {"template", "spec", "restartPolicy"}, "Never");

  json::object status;
  if (const json::object* current = objectField(job, "status")) status = *current;
  if (!status.contains("startTime")) status["startTime"] = formatTime(now);
  TimePoint started = parseTime(stringField(status, "startTime")).value_or(now);

  bool overBackoff =
      restartPolicy == "OnFailure"
          ? (backoffLimit == 0 ? activeRestarts > 0 : activeRestarts >= backoffLimit) || failed > backoffLimit
          : failed > backoffLimit;
  std::optional<std::int64_t> deadline;
  if (const json::value* d = spec->if_contains("activeDeadlineSeconds"); d && d->is_int64())
    deadline = d->get_int64();
  bool pastDeadline = deadline && now >= started + std::chrono::seconds(*deadline);
  bool complete = completions ? succeeded >= *completions : succeeded > 0 && active.empty();

  auto removeActive = [&] {
    for (const json::object* pod : active) {
      ctx_.store.remove(gr::pods, ns, metaString(*pod, "name"));
      ctx_.events.record(
          ref, source,
          {"Normal", "SuccessfulDelete", fmt::format("Deleted pod: {}", metaString(*pod, "name"))}, now);
    }
  };
  std::vector<controllers::Event> events;
  std::int64_t created = 0;
  if (!complete && (overBackoff || pastDeadline)) {
    std::string reason = overBackoff ? "BackoffLimitExceeded" : "DeadlineExceeded";
    std::string message = overBackoff ? "Job has reached the specified backoff limit"
                                      : "Job was active longer than specified deadline";
    removeActive();
    failed += static_cast<std::int64_t>(active.size());
    active.clear();
    ready = 0;
    addJobCondition(status, "FailureTarget", reason, message, now);
    addJobCondition(status, "Failed", reason, message, now);
    events.push_back({"Warning", reason, message});
  } else if (complete) {
    removeActive();
    active.clear();
    ready = 0;
    addJobCondition(status, "SuccessCriteriaMet", "CompletionsReached",
                    "Reached expected number of succeeded pods", now);
    addJobCondition(status, "Complete", "CompletionsReached", "Reached expected number of succeeded pods",
                    now);
    status["completionTime"] = formatTime(now);
    events.push_back({"Normal", "Completed", "Job completed"});
  } else if (!controllers::boolAt(*spec, {"suspend"})) {
    std::int64_t wanted =
        completions ? std::min(parallelism, *completions - succeeded) : (succeeded > 0 ? 0 : parallelism);
    std::int64_t missing = wanted - static_cast<std::int64_t>(active.size());
    // Failed pods are replaced after the pod failure back-off: 10 s, doubling, at most 6 minutes.
    TimePoint allowed = now;
    if (failed > 0 && counts.lastFailure) {
      Duration backOff = 10s;
      for (std::int64_t i = 1; i < failed && backOff < 360s; ++i)
        backOff *= 2;
      allowed = *counts.lastFailure + std::min<Duration>(backOff, 360s);
    }
    if (missing > 0 && now < allowed) {
      tracker_.requeue(allowed);
    } else {
      for (std::int64_t i = 0; i < missing; ++i) {
        try {
          ObjectPtr pod = ctx_.create(gr::pods, podFromJob(job));
          events.push_back(
              {"Normal", "SuccessfulCreate", fmt::format("Created pod: {}", metaString(*pod, "name"))});
          ++created;
        } catch (const ApiError& e) {
          events.push_back({"Warning", "FailedCreate", fmt::format("Error creating: {}", e.what())});
          break;
        }
      }
    }
  }
  if (deadline && !finished(job)) tracker_.requeue(started + std::chrono::seconds(*deadline));

  std::int64_t activeCount = static_cast<std::int64_t>(active.size()) + created;
  if (activeCount == 0)
    status.erase("active");
  else
    status["active"] = activeCount;
  if (succeeded > 0) status["succeeded"] = succeeded;
  if (failed > 0) status["failed"] = failed;
  status["ready"] = ready;
  status["terminating"] = terminating;
  status["uncountedTerminatedPods"] = json::object{};
  const json::object* current = objectField(job, "status");
  if (!current || *current != status) {
    ctx_.store.modify(gr::jobs, ns, name,
                      [&](const json::object& stored) {
                        json::object next = stored;
                        next["status"] = status;
                        return next;
                      },
                      {UpdateScope::All, false});
  }
  for (const controllers::Event& event : events)
    ctx_.events.record(ref, source, event, now);
}

}  // namespace kubesim::runtime

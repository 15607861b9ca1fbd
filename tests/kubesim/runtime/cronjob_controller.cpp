// The CronJob controller over the store (see cronjob_controller.h).
#include "cronjob_controller.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "../controllers/api_objects.h"
#include "../errors.h"
#include "cron.h"

namespace kubesim::runtime {

namespace {

// "Complete" or "Failed" when the Job finished, else "".
std::string finishedAs(const json::object& job) {
  const json::object* status = objectField(job, "status");
  for (std::string_view type : {"Complete", "Failed"}) {
    const json::object* c = status ? conditionOf(*status, type) : nullptr;
    if (c && stringField(*c, "status") == "True") return std::string(type);
  }
  return {};
}

json::object jobReference(const json::object& job) {
  return json::object{{"kind", "Job"},
                      {"namespace", metaString(job, "namespace")},
                      {"name", metaString(job, "name")},
                      {"uid", metaString(job, "uid")},
                      {"apiVersion", "batch/v1"},
                      {"resourceVersion", metaString(job, "resourceVersion")}};
}

}  // namespace

void CronJobController::sync(TimePoint now) {
  if (!tracker_.due(ctx_.store, now)) return;
  tracker_.begin(ctx_.store, now);
  std::vector<json::object> cronJobs = listAll(ctx_.store, gr::cronJobs);
  if (cronJobs.empty()) return;
  std::vector<json::object> jobs = listAll(ctx_.store, gr::jobs);
  for (const json::object& cronJob : cronJobs) {
    if (isTerminating(cronJob)) continue;
    try {
      syncOne(cronJob, jobs, now);
    } catch (const ApiError& e) {
      if (e.code() != 409 && e.code() != 404) throw;
    }
  }
}

void CronJobController::syncOne(const json::object& cronJob, const std::vector<json::object>& jobs,
                                TimePoint now) {
  std::string ns(metaString(cronJob, "namespace"));
  std::string name(metaString(cronJob, "name"));
  EventSource source{"cronjob-controller", ""};
  ObjectReference ref = referenceTo(cronJob, "batch/v1", "CronJob");
  const json::object* spec = objectField(cronJob, "spec");
  if (spec == nullptr) return;
  json::object status;
  if (const json::object* current = objectField(cronJob, "status")) status = *current;
  std::vector<controllers::Event> events;

  std::vector<const json::object*> owned;
  for (const json::object& job : jobs)
    if (metaString(job, "namespace") == ns && controlledBy(job, cronJob, "CronJob")) owned.push_back(&job);

  // The active list: finished Jobs leave it, running ones it lacks join it, vanished ones are dropped.
  json::array active;
  std::vector<std::string> listed;
  std::map<std::string, json::object> listedRefs;
  if (const json::array* list = controllers::findArray(status, {"active"}))
    for (const json::value& r : *list)
      if (r.is_object()) {
        listed.emplace_back(stringField(r.get_object(), "name"));
        listedRefs[listed.back()] = r.get_object();
      }
  for (const std::string& jobName : listed)
    if (std::none_of(owned.begin(), owned.end(),
                     [&](const json::object* j) { return metaString(*j, "name") == jobName; }))
      events.push_back({"Normal", "MissingJob", fmt::format("Active job went missing: {}", jobName)});
  std::optional<TimePoint> lastSuccess = parseTime(stringField(status, "lastSuccessfulTime"));
  std::vector<const json::object*> succeeded, failed;
  for (const json::object* job : owned) {
    std::string jobName(metaString(*job, "name"));
    bool wasListed = std::find(listed.begin(), listed.end(), jobName) != listed.end();
    std::string outcome = finishedAs(*job);
    if (outcome.empty()) {
      active.push_back(wasListed ? listedRefs[jobName] : jobReference(*job));
      continue;
    }
    (outcome == "Complete" ? succeeded : failed).push_back(job);
    if (wasListed)
      events.push_back({"Normal", "SawCompletedJob",
                        fmt::format("Saw completed job: {}, condition: {}", jobName, outcome)});
    if (outcome == "Complete")
      if (std::optional<TimePoint> done = controllers::timeAt(*job, {"status", "completionTime"}))
        if (!lastSuccess || *done > *lastSuccess) lastSuccess = done;
  }
  if (lastSuccess) status["lastSuccessfulTime"] = formatTime(*lastSuccess);

  // History limits: the oldest finished Jobs beyond them go.
  auto prune = [&](std::vector<const json::object*>& list, std::int64_t limit) {
    std::sort(list.begin(), list.end(), [](const json::object* a, const json::object* b) {
      return controllers::stringAt(*a, {"status", "startTime"},
                                   std::string(metaString(*a, "creationTimestamp"))) <
             controllers::stringAt(*b, {"status", "startTime"},
                                   std::string(metaString(*b, "creationTimestamp")));
    });
    for (std::int64_t i = 0; i + limit < static_cast<std::int64_t>(list.size()); ++i) {
      std::string jobName(metaString(*list[static_cast<std::size_t>(i)], "name"));
      ctx_.store.remove(gr::jobs, ns, jobName);
      events.push_back({"Normal", "SuccessfulDelete", fmt::format("Deleted job {}", jobName)});
    }
  };
  prune(succeeded, controllers::intAt(*spec, {"successfulJobsHistoryLimit"}, 3));
  prune(failed, controllers::intAt(*spec, {"failedJobsHistoryLimit"}, 1));

  std::string error;
  std::optional<CronSchedule> schedule =
      CronSchedule::parse(controllers::stringAt(*spec, {"schedule"}), &error);
  if (!schedule) {
    events.push_back(
        {"Warning", "InvalidSchedule",
         fmt::format("invalid schedule: {} : {}", controllers::stringAt(*spec, {"schedule"}), error)});
  } else if (!controllers::boolAt(*spec, {"suspend"})) {
    TimePoint since = parseTime(stringField(status, "lastScheduleTime"))
                          .value_or(parseTime(metaString(cronJob, "creationTimestamp")).value_or(now));
    std::optional<TimePoint> scheduled;
    int missed = 0;
    for (std::optional<TimePoint> t = schedule->next(since); t && *t <= now && missed < 100;
         t = schedule->next(*t)) {
      scheduled = t;
      ++missed;
    }
    std::optional<std::int64_t> deadline;
    if (const json::value* d = spec->if_contains("startingDeadlineSeconds"); d && d->is_int64())
      deadline = d->get_int64();
    std::string policy = controllers::stringAt(*spec, {"concurrencyPolicy"}, "Allow");
    if (scheduled && deadline && *scheduled + std::chrono::seconds(*deadline) < now) {
      events.push_back({"Warning", "MissSchedule",
                        fmt::format("Missed scheduled time to start a job: {}", formatTime(*scheduled))});
      status["lastScheduleTime"] = formatTime(*scheduled);
    } else if (scheduled && policy == "Forbid" && !active.empty()) {
      events.push_back(
          {"Normal", "JobAlreadyActive",
           "Not starting job because prior execution is running and concurrency policy is Forbid"});
    } else if (scheduled) {
      if (policy == "Replace") {
        for (const json::value& r : active) {
          std::string jobName(stringField(r.get_object(), "name"));
          ctx_.store.remove(gr::jobs, ns, jobName);
          events.push_back({"Normal", "SuccessfulDelete", fmt::format("Deleted job {}", jobName)});
        }
        active.clear();
      }
      auto minutes = std::chrono::duration_cast<std::chrono::minutes>(scheduled->time_since_epoch()).count();
      std::string jobName = fmt::format("{}-{}", name, minutes);
      json::object metadata{{"name", jobName},
                            {"namespace", ns},
                            {"ownerReferences", json::array{ownerReference(cronJob, "batch/v1", "CronJob")}}};
      json::object annotations;
      if (const json::object* a = controllers::findObject(*spec, {"jobTemplate", "metadata", "annotations"}))
        annotations = *a;
      annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"] = formatTime(*scheduled);
      metadata["annotations"] = std::move(annotations);
      if (const json::object* l = controllers::findObject(*spec, {"jobTemplate", "metadata", "labels"}))
        metadata["labels"] = *l;
      json::object job{{"apiVersion", "batch/v1"}, {"kind", "Job"}, {"metadata", std::move(metadata)}};
      if (const json::object* js = controllers::findObject(*spec, {"jobTemplate", "spec"})) job["spec"] = *js;
      try {
        ObjectPtr created = ctx_.create(gr::jobs, std::move(job));
        active.push_back(jobReference(*created));
        events.push_back({"Normal", "SuccessfulCreate", fmt::format("Created job {}", jobName)});
      } catch (const ApiError& e) {
        if (e.code() != 409) {
          events.push_back({"Warning", "FailedCreate", fmt::format("Error creating job: {}", e.what())});
        }
      }
      status["lastScheduleTime"] = formatTime(*scheduled);
    }
    tracker_.requeue(schedule->next(now));
  }
  if (active.empty())
    status.erase("active");
  else
    status["active"] = std::move(active);
  const json::object* current = objectField(cronJob, "status");
  if (!current || *current != status) {
    ctx_.store.modify(gr::cronJobs, ns, name,
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

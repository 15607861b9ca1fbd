// The CronJob controller (batch/v1, 1.32): at each scheduled minute (cron.h, UTC) a Job named
// `<cronjob>-<minutes since the epoch>` from the jobTemplate, with the cronjob-scheduled-timestamp
// annotation (SuccessfulCreate `Created job x`); concurrencyPolicy Allow/Forbid/Replace, suspend,
// startingDeadlineSeconds; finished Jobs leave status.active (SawCompletedJob `Saw completed job: x,
// condition: Complete`), lastSuccessfulTime follows, and history beyond successfulJobsHistoryLimit (3) and
// failedJobsHistoryLimit (1) is deleted (SuccessfulDelete `Deleted job x`).
#pragma once

#include "context.h"

namespace kubesim::runtime {

class CronJobController final : public Controller {
 public:
  explicit CronJobController(RuntimeContext& context) : ctx_(context) {}
  std::string name() const override { return "cronjob-controller"; }
  void sync(TimePoint now) override;
  std::optional<TimePoint> nextDue() const override { return tracker_.requeueAt(); }

 private:
  void syncOne(const json::object& cronJob, const std::vector<json::object>& jobs, TimePoint now);
  RuntimeContext& ctx_;
  ChangeTracker tracker_;
};

}  // namespace kubesim::runtime

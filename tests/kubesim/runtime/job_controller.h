// The Job controller (batch/v1, 1.32): creates pods from the template up to parallelism (and what the
// completions still need), counts succeeded and failed pods, backs off re-creating failed pods (10 s
// doubling to 6 min), and finishes the Job: SuccessCriteriaMet + Complete (CompletionsReached, `Reached
// expected number of succeeded pods`, the Completed event) or FailureTarget + Failed (BackoffLimitExceeded
// `Job has reached the specified backoff limit` when failures pass backoffLimit, restarts counting for
// OnFailure pods; DeadlineExceeded `Job was active longer than specified deadline`).
#pragma once

#include <map>
#include <set>

#include "context.h"

namespace kubesim::runtime {

class JobController final : public Controller {
 public:
  explicit JobController(RuntimeContext& context) : ctx_(context) {}
  std::string name() const override { return "job-controller"; }
  void sync(TimePoint now) override;
  std::optional<TimePoint> nextDue() const override { return tracker_.requeueAt(); }

 private:
  struct Counts {
    std::set<std::string> succeeded;  // pod uids counted, so a pod deleted later still counts
    std::set<std::string> failed;
    std::optional<TimePoint> lastFailure;
  };
  void syncOne(const json::object& job, const std::vector<json::object>& pods, TimePoint now);
  RuntimeContext& ctx_;
  ChangeTracker tracker_;
  std::map<std::string, Counts> counts_;  // by Job uid
};

}  // namespace kubesim::runtime

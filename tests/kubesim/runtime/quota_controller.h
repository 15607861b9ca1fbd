// The resource quota controller: every ResourceQuota's status.hard (its spec.hard) and status.used (what its
// namespace's objects count, admission.h's quotaUsed) kept current, as `kubectl describe quota` shows them.
#pragma once

#include "context.h"

namespace kubesim::runtime {

class QuotaController final : public Controller {
 public:
  explicit QuotaController(RuntimeContext& context) : ctx_(context) {}
  std::string name() const override { return "resourcequota-controller"; }
  void sync(TimePoint now) override;

 private:
  RuntimeContext& ctx_;
  ChangeTracker tracker_;
};

}  // namespace kubesim::runtime

// ResourceQuota status (see quota_controller.h).
#include "quota_controller.h"

#include "../errors.h"
#include "admission.h"

namespace kubesim::runtime {

void QuotaController::sync(TimePoint now) {
  if (!tracker_.due(ctx_.store, now)) return;
  tracker_.begin(ctx_.store, now);
  for (const json::object& quota : listAll(ctx_.store, gr::resourceQuotas)) {
    json::object status;
    const json::object* spec = objectField(quota, "spec");
    const json::object* hard = spec ? objectField(*spec, "hard") : nullptr;
    status["hard"] = hard ? *hard : json::object{};
    status["used"] = quotaUsed(ctx_.store, quota);
    const json::object* current = objectField(quota, "status");
    if (current && *current == status) continue;
    try {
      ctx_.store.modify(gr::resourceQuotas, metaString(quota, "namespace"), metaString(quota, "name"),
                        [&](const json::object& stored) {
                          json::object next = stored;
                          next["status"] = status;
                          return next;
                        },
                        {UpdateScope::All, false});
    } catch (const ApiError& e) {
      if (e.code() != 404) throw;
    }
  }
}

}  // namespace kubesim::runtime

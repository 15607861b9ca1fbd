// The StatefulSet controller over the store (see statefulset_controller.h).
#include "statefulset_controller.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "../controllers/api_objects.h"
#include "../controllers/rollout.h"
#include "../errors.h"
#include "controller_history.h"
#include "replicaset_controller.h"

namespace kubesim::runtime {

namespace {

constexpr std::string_view kPodNameLabel = "statefulset.kubernetes.io/pod-name";
constexpr std::string_view kPodIndexLabel = "apps.kubernetes.io/pod-index";
constexpr std::string_view kRevisionLabel = "controller-revision-hash";
constexpr std::string_view kRevisionHashLabel = "controller.kubernetes.io/hash";

// getParentNameAndOrdinal: "web-2" -> ("web", 2); -1 when the name has no ordinal suffix.
std::pair<std::string, std::int64_t> parentAndOrdinal(std::string_view name) {
  std::size_t dash = name.rfind('-');
  if (dash == std::string_view::npos || dash + 1 == name.size()) return {"", -1};
  std::string_view digits = name.substr(dash + 1);
  if (digits.size() > 9 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return {"", -1};
  return {std::string(name.substr(0, dash)), std::stoll(std::string(digits))};
}

std::int64_t ordinalOf(const json::object& pod) {
  return parentAndOrdinal(metaString(pod, "name")).second;
}

bool isRunningAndReady(const json::object& pod) {
  return podPhase(pod) == "Running" && isPodReady(pod);
}

std::string podRevision(const json::object& pod) {
  return controllers::stringAt(pod, {"metadata", "labels", kRevisionLabel});
}

// The label map of a LabelSelector's matchLabels.
json::object matchLabelsOf(const json::object& set) {
  const json::object* labels = controllers::findObject(set, {"spec", "selector", "matchLabels"});
  return labels ? *labels : json::object{};
}

std::vector<const json::object*> claimTemplates(const json::object& set) {
  std::vector<const json::object*> out;
  if (const json::array* list = controllers::findArray(set, {"spec", "volumeClaimTemplates"}))
    for (const json::value& item : *list)
      if (item.is_object()) out.push_back(&item.get_object());
  return out;
}

std::string claimName(const json::object& claimTemplate, std::string_view podName) {
  return fmt::format("{}-{}", metaString(claimTemplate, "name"), podName);
}

}  // namespace

// One reconcile of one StatefulSet: updateStatefulSet and the status write.
class StatefulSetController::Pass {
 public:
  Pass(StatefulSetController& controller, const json::object& set, TimePoint now)
      : c_(controller),
        ctx_(controller.ctx_),
        set_(set),
        now_(now),
        ns_(metaString(set, "namespace")),
        name_(metaString(set, "name")),
        ref_(referenceTo(set, "apps/v1", "StatefulSet")) {
    minReady_ = controllers::intAt(set_, {"spec", "minReadySeconds"}, 0);
    strategy_ = controllers::stringAt(set_, {"spec", "updateStrategy", "type"}, "RollingUpdate");
    rollingUpdate_ = controllers::findObject(set_, {"spec", "updateStrategy", "rollingUpdate"});
    partition_ = rollingUpdate_ ? controllers::intAt(*rollingUpdate_, {"partition"}, 0) : 0;
    monotonic_ = controllers::stringAt(set_, {"spec", "podManagementPolicy"}, "OrderedReady") != "Parallel";
    start_ = controllers::intAt(set_, {"spec", "ordinals", "start"}, 0);
    count_ = controllers::intAt(set_, {"spec", "replicas"}, 1);
  }

  void run(const std::vector<json::object>& pods) {
    resolveRevisions();
    std::vector<json::object> owned;
    for (const json::object& pod : pods) {
      if (metaString(pod, "namespace") != ns_ || !controlledBy(pod, set_, "StatefulSet")) continue;
      if (parentAndOrdinal(metaString(pod, "name")).first != name_) continue;  // isMemberOf
      owned.push_back(adoptOwnerUid(ctx_.store, gr::pods, pod, set_));
    }
    replicas_.assign(static_cast<std::size_t>(std::max<std::int64_t>(count_, 0)), std::nullopt);
    for (json::object& pod : owned) {
      std::int64_t ordinal = ordinalOf(pod);
      if (ordinal >= start_ && ordinal < start_ + count_)
        replicas_[static_cast<std::size_t>(ordinal - start_)] = std::move(pod);
      else if (ordinal >= 0)
        condemned_.push_back(std::move(pod));
    }
    std::sort(condemned_.begin(), condemned_.end(),
              [](const json::object& a, const json::object& b) { return ordinalOf(a) > ordinalOf(b); });
    if (!isTerminating(set_)) update();
    writeStatus();
  }

 private:
  // ---- revisions ----

  json::object revisionFor(std::int64_t number, std::int64_t collisions) const {
    json::object data = templatePatch(set_);
    std::string hash = hashRevision(data, collisions);
    json::object labels;
    if (const json::object* l = controllers::findObject(set_, {"spec", "template", "metadata", "labels"}))
      labels = *l;
    labels[kRevisionHashLabel] = hash;
    json::object annotations;
    if (const json::object* a = controllers::findObject(set_, {"metadata", "annotations"})) annotations = *a;
    return newControllerRevision(set_, "StatefulSet", fmt::format("{}-{}", name_, hash), std::move(labels),
                                 std::move(annotations), std::move(data), number);
  }

  // getStatefulSetRevisions.
  void resolveRevisions() {
    revisions_ = ownedRevisions(ctx_.store, set_, "StatefulSet");
    collisions_ = controllers::intAt(set_, {"status", "collisionCount"}, 0);
    std::int64_t next = revisions_.empty() ? 1 : revisionNumber(revisions_.back()) + 1;
    json::object wanted = revisionFor(next, collisions_);
    std::vector<const json::object*> equal;
    for (const json::object& revision : revisions_)
      if (sameRevisionData(revision, wanted)) equal.push_back(&revision);
    if (!equal.empty() && metaString(*equal.back(), "name") == metaString(revisions_.back(), "name")) {
      update_ = revisions_.back();
    } else if (!equal.empty()) {
      update_ = renumberRevision(ctx_.store, *equal.back(), next);
    } else {
      // CreateControllerRevision: a name taken by other data is a hash collision; count it and rehash.
      for (int attempt = 0;; ++attempt) {
        try {
          update_ = *ctx_.create(gr::controllerRevisions, wanted);
          break;
        } catch (const ApiError& e) {
          if (e.code() != 409 || attempt >= 10) throw;
          std::optional<json::object> existing =
              getObject(ctx_.store, gr::controllerRevisions, ns_, metaString(wanted, "name"));
          if (existing && sameRevisionData(*existing, wanted)) {
            update_ = *existing;
            break;
          }
          wanted = revisionFor(next, ++collisions_);
        }
      }
    }
    std::string currentName = controllers::stringAt(set_, {"status", "currentRevision"});
    current_ = update_;
    for (const json::object& revision : revisions_)
      if (metaString(revision, "name") == currentName) current_ = revision;
  }

  std::string currentName() const { return std::string(metaString(current_, "name")); }
  std::string updateName() const { return std::string(metaString(update_, "name")); }

  // ---- pods ----

  bool available(const json::object& pod) const {
    return isRunningAndReady(pod) &&
           controllers::isPodAvailable(pod, static_cast<std::int32_t>(minReady_), now_);
  }
  bool unavailable(const std::optional<json::object>& pod) const {
    return !pod || isTerminating(*pod) || !available(*pod);
  }

  // getPersistentVolumeClaims: the claims a pod of the set uses, in template order.
  std::vector<json::object> claimsFor(std::string_view podName) const {
    std::vector<json::object> out;
    json::object selectorLabels = matchLabelsOf(set_);
    for (const json::object* t : claimTemplates(set_)) {
      json::object claim = *t;
      claim.erase("status");
      claim["apiVersion"] = "v1";
      claim["kind"] = "PersistentVolumeClaim";
      json::object& meta = metadataOf(claim);
      meta["name"] = claimName(*t, podName);
      meta["namespace"] = ns_;
      json::object& labels = objectAt(meta, "labels");
      for (const auto& member : selectorLabels)
        labels[member.key()] = member.value();
      if (labels.empty()) meta.erase("labels");
      out.push_back(std::move(claim));
    }
    return out;
  }

  // newStatefulSetPod and newVersionedStatefulSetPod.
  json::object newPod(std::int64_t ordinal) const {
    bool fromCurrent = strategy_ == "RollingUpdate" &&
                       ((rollingUpdate_ == nullptr &&
                         ordinal < start_ + controllers::intAt(set_, {"status", "currentReplicas"}, 0)) ||
                        (rollingUpdate_ != nullptr && ordinal < start_ + partition_));
    const json::object& revision = fromCurrent ? current_ : update_;
    json::object pod = podFromTemplate(set_, "StatefulSet", revisionTemplate(revision));
    std::string podName = fmt::format("{}-{}", name_, ordinal);
    json::object& meta = metadataOf(pod);
    meta["name"] = podName;
    meta["namespace"] = ns_;
    json::object& labels = objectAt(meta, "labels");
    labels[kPodNameLabel] = podName;
    labels[kPodIndexLabel] = std::to_string(ordinal);
    labels[kRevisionLabel] = std::string(metaString(revision, "name"));
    json::object& spec = objectAt(pod, "spec");
    spec["hostname"] = podName;
    std::string service = controllers::stringAt(set_, {"spec", "serviceName"});
    if (!service.empty()) spec["subdomain"] = service;
    // updateStorage: the claims' volumes first, then the template's other volumes.
    json::array volumes;
    std::set<std::string> claimed;
    for (const json::object* t : claimTemplates(set_)) {
      claimed.insert(std::string(metaString(*t, "name")));
      volumes.push_back(
          json::object{{"name", metaString(*t, "name")},
                       {"persistentVolumeClaim", json::object{{"claimName", claimName(*t, podName)}}}});
    }
    if (const json::array* existing = controllers::findArray(spec, {"volumes"}))
      for (const json::value& v : *existing)
        if (!v.is_object() || !claimed.count(std::string(stringField(v.get_object(), "name"))))
          volumes.push_back(v);
    if (!volumes.empty()) spec["volumes"] = std::move(volumes);
    return pod;
  }

  bool identityMatches(const json::object& pod) const {
    auto [parent, ordinal] = parentAndOrdinal(metaString(pod, "name"));
    return ordinal >= 0 && parent == name_ && metaString(pod, "namespace") == ns_ &&
           controllers::stringAt(pod, {"metadata", "labels", kPodNameLabel}) == metaString(pod, "name");
  }

  bool storageMatches(const json::object& pod) const {
    for (const json::object* t : claimTemplates(set_)) {
      bool found = false;
      if (const json::array* volumes = controllers::findArray(pod, {"spec", "volumes"}))
        for (const json::value& v : *volumes)
          if (v.is_object() && stringField(v.get_object(), "name") == metaString(*t, "name"))
            found = controllers::stringAt(v.get_object(), {"persistentVolumeClaim", "claimName"}) ==
                    claimName(*t, metaString(pod, "name"));
      if (!found) return false;
    }
    return true;
  }

  // The claim's owner references under persistentVolumeClaimRetentionPolicy
  // (updateClaimOwnerRefForSetAndPod).
  json::array claimOwners(const json::object& claim, const json::object* pod, bool scaledDown) const {
    std::string whenDeleted = controllers::stringAt(
        set_, {"spec", "persistentVolumeClaimRetentionPolicy", "whenDeleted"}, "Retain");
    std::string whenScaled =
        controllers::stringAt(set_, {"spec", "persistentVolumeClaimRetentionPolicy", "whenScaled"}, "Retain");
    json::array refs;
    if (const json::array* existing = controllers::findArray(claim, {"metadata", "ownerReferences"}))
      for (const json::value& r : *existing) {
        std::string_view uid = r.is_object() ? stringField(r.get_object(), "uid") : std::string_view();
        if (uid != metaString(set_, "uid") && (pod == nullptr || uid != metaString(*pod, "uid")))
          refs.push_back(r);
      }
    if (whenScaled == "Delete" && scaledDown && pod != nullptr)
      refs.push_back(ownerReference(*pod, "v1", "Pod"));
    else if (whenDeleted == "Delete" && !(whenScaled == "Delete" && scaledDown))
      refs.push_back(ownerReference(set_, "apps/v1", "StatefulSet"));
    return refs;
  }

  void record(const controllers::Event& event) {
    ctx_.events.record(ref_, EventSource{"statefulset-controller", ""}, event, now_);
  }
  void recordPod(std::string_view verb, std::string_view pod, const std::string* error) {
    std::string title(verb);
    title[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(title[0])));
    if (error == nullptr)
      record({"Normal", "Successful" + title,
              fmt::format("{} Pod {} in StatefulSet {} successful", verb, pod, name_)});
    else
      record({"Warning", "Failed" + title,
              fmt::format("{} Pod {} in StatefulSet {} failed error: {}", verb, pod, name_, *error)});
  }

  // createPersistentVolumeClaims: the missing claims; nullopt on success, else the aggregated error.
  std::optional<std::string> createClaims(const std::string& podName) {
    std::vector<std::string> errors;
    for (json::object& claim : claimsFor(podName)) {
      std::string pvc(metaString(claim, "name"));
      if (getObject(ctx_.store, gr::pvcs, ns_, pvc)) continue;
      json::array owners = claimOwners(claim, nullptr, false);
      if (!owners.empty()) metadataOf(claim)["ownerReferences"] = std::move(owners);
      try {
        ctx_.create(gr::pvcs, std::move(claim));
        record({"Normal", "SuccessfulCreate",
                fmt::format("create Claim {} Pod {} in StatefulSet {} success", pvc, podName, name_)});
      } catch (const ApiError& e) {
        errors.push_back(fmt::format("failed to create PVC {}: {}", pvc, e.what()));
        if (e.code() != 409)
          record({"Warning", "FailedCreate",
                  fmt::format("create Claim {} for Pod {} in StatefulSet {} failed error: {}", pvc, podName,
                              name_, e.what())});
      }
    }
    if (errors.empty()) return std::nullopt;
    if (errors.size() == 1) return errors.front();
    std::string joined = "[";
    for (std::size_t i = 0; i < errors.size(); ++i)
      joined += (i ? ", " : "") + errors[i];
    return joined + "]";
  }

  // CreateStatefulPod; false when it failed (an error for the pass).
  bool createPod(std::optional<json::object>& slot, std::int64_t ordinal) {
    std::string uid(metaString(set_, "uid"));
    if (std::optional<TimePoint> until = c_.backOff_.waitingUntil(uid, now_)) {
      c_.tracker_.requeue(until);
      return false;
    }
    json::object pod = newPod(ordinal);
    std::string podName(metaString(pod, "name"));
    std::optional<std::string> error = createClaims(podName);
    if (!error) {
      try {
        slot = *ctx_.create(gr::pods, std::move(pod));
        recordPod("create", podName, nullptr);
        c_.backOff_.succeeded(uid);
        return true;
      } catch (const ApiError& e) {
        if (e.code() == 409) return false;  // an old pod of that name is still going; the next pass sees it
        error = e.what();
      }
    }
    recordPod("create", podName, &*error);
    c_.tracker_.requeue(c_.backOff_.failed(uid, now_));
    return false;
  }

  bool deletePod(const json::object& pod) {
    std::string podName(metaString(pod, "name"));
    try {
      DeleteOptions options;
      options.preconditionUid = std::string(metaString(pod, "uid"));
      ctx_.store.remove(gr::pods, ns_, podName, options);
      recordPod("delete", podName, nullptr);
      return true;
    } catch (const ApiError& e) {
      if (e.code() == 404) return true;
      std::string error = e.what();
      recordPod("delete", podName, &error);
      return false;
    }
  }

  // UpdateStatefulPod for a pod whose identity labels or claims drifted.
  bool repairPod(const json::object& pod) {
    std::string podName(metaString(pod, "name"));
    if (!storageMatches(pod) && createClaims(podName)) return false;
    if (identityMatches(pod)) return true;
    try {
      ctx_.store.modify(gr::pods, ns_, podName, [&](const json::object& current) {
        json::object next = current;
        json::object& labels = objectAt(metadataOf(next), "labels");
        labels[kPodNameLabel] = podName;
        labels[kPodIndexLabel] = std::to_string(ordinalOf(current));
        return next;
      });
      recordPod("update", podName, nullptr);
      return true;
    } catch (const ApiError& e) {
      std::string error = e.what();
      recordPod("update", podName, &error);
      return false;
    }
  }

  // processReplica; true when the pass must stop here.
  bool processReplica(std::size_t i) {
    std::optional<json::object>& slot = replicas_[i];
    std::int64_t ordinal = start_ + static_cast<std::int64_t>(i);
    if (slot && isTerminal(*slot)) {
      // Recreated on a later pass, once the old pod is gone.
      if (!isTerminating(*slot) && !deletePod(*slot)) failed_ = true;
      return true;
    }
    if (!slot) {
      if (!createPod(slot, ordinal)) {
        failed_ = true;
        return true;
      }
      if (monotonic_) return true;
    }
    if (podPhase(*slot) == "Pending" && !claimTemplates(set_).empty()) {
      if (createClaims(std::string(metaString(*slot, "name")))) {
        failed_ = true;
        return true;
      }
    }
    if (isTerminating(*slot) && monotonic_) return true;
    if (!isRunningAndReady(*slot) && monotonic_) return true;
    if (!available(*slot) && monotonic_) {
      c_.tracker_.requeue(podAvailableAt(*slot, minReady_));
      return true;
    }
    if (identityMatches(*slot) && storageMatches(*slot)) return false;
    if (!repairPod(*slot)) {
      failed_ = true;
      return true;
    }
    return false;
  }

  // processCondemned; true when the pass must stop here.
  bool processCondemned(std::size_t i, const json::object* firstUnhealthy) {
    const json::object& pod = condemned_[i];
    if (isTerminating(pod)) return monotonic_;
    bool first = firstUnhealthy == &pod;
    if (!isRunningAndReady(pod) && monotonic_ && !first) return true;
    if (!available(pod) && monotonic_ && !first) {
      c_.tracker_.requeue(podAvailableAt(pod, minReady_));
      return true;
    }
    // A whenScaled Delete policy hands the pod's claims to the pod, so they go with it.
    for (json::object& claim : claimsFor(metaString(pod, "name"))) {
      std::optional<json::object> stored = getObject(ctx_.store, gr::pvcs, ns_, metaString(claim, "name"));
      if (!stored) continue;
      json::array owners = claimOwners(*stored, &pod, true);
      const json::array* have = controllers::findArray(*stored, {"metadata", "ownerReferences"});
      if (have != nullptr ? *have == owners : owners.empty()) continue;
      ctx_.store.modify(gr::pvcs, ns_, metaString(*stored, "name"), [&](const json::object& current) {
        json::object next = current;
        if (owners.empty())
          metadataOf(next).erase("ownerReferences");
        else
          metadataOf(next)["ownerReferences"] = owners;
        return next;
      });
    }
    if (!deletePod(pod)) failed_ = true;
    return true;
  }

  // updateStatefulSet after the status of the pods as found.
  void update() {
    const json::object* firstUnhealthy = nullptr;
    for (const std::optional<json::object>& slot : replicas_)
      if (!firstUnhealthy && slot && unavailable(slot)) firstUnhealthy = &*slot;
    for (auto it = condemned_.rbegin(); it != condemned_.rend() && !firstUnhealthy; ++it)
      if (unavailable(*it)) firstUnhealthy = &*it;

    // Replicas in ordinal order: in OrderedReady the first one that blocks ends the pass; in Parallel only
    // an error does.
    for (std::size_t i = 0; i < replicas_.size(); ++i)
      if (processReplica(i) && (monotonic_ || failed_)) return;
    for (std::size_t i = 0; i < condemned_.size(); ++i)
      if (processCondemned(i, firstUnhealthy) && (monotonic_ || failed_)) return;
    if (strategy_ == "OnDelete") return;

    // The rolling update: the highest ordinal not at the update revision goes first.
    for (std::int64_t target = static_cast<std::int64_t>(replicas_.size()) - 1; target >= partition_;
         --target) {
      const std::optional<json::object>& slot = replicas_[static_cast<std::size_t>(target)];
      if (!slot) return;
      if (podRevision(*slot) != updateName() && !isTerminating(*slot)) {
        if (deletePod(*slot)) deletedForUpdate_ = true;
        return;
      }
      if (unavailable(slot)) {
        if (slot && !isTerminating(*slot)) c_.tracker_.requeue(podAvailableAt(*slot, minReady_));
        return;
      }
    }
  }

  // ---- status ----

  void writeStatus() {
    std::int64_t replicas = 0, ready = 0, availableCount = 0, current = 0, updated = 0;
    auto count = [&](const json::object& pod) {
      ++replicas;
      if (isRunningAndReady(pod)) {
        ++ready;
        if (available(pod))
          ++availableCount;
        else
          c_.tracker_.requeue(podAvailableAt(pod, minReady_));
      }
      if (!isTerminating(pod)) {
        if (podRevision(pod) == currentName()) ++current;
        if (podRevision(pod) == updateName()) ++updated;
      }
    };
    for (const std::optional<json::object>& slot : replicas_)
      if (slot) count(*slot);
    for (const json::object& pod : condemned_)
      count(pod);
    if (deletedForUpdate_) --current;
    std::string currentRevision = currentName();
    // completeRollingUpdate.
    if (strategy_ == "RollingUpdate" && updated == replicas && ready == replicas) {
      current = updated;
      currentRevision = updateName();
    }
    json::object status;
    if (std::int64_t generation = controllers::intAt(set_, {"metadata", "generation"}, 0))
      status["observedGeneration"] = generation;
    status["replicas"] = replicas;
    if (ready) status["readyReplicas"] = ready;
    if (current) status["currentReplicas"] = current;
    if (updated) status["updatedReplicas"] = updated;
    status["currentRevision"] = currentRevision;
    status["updateRevision"] = updateName();
    status["collisionCount"] = collisions_;
    status["availableReplicas"] = availableCount;
    if (const json::array* conditions = controllers::findArray(set_, {"status", "conditions"}))
      status["conditions"] = *conditions;
    const json::object* previous = controllers::findObject(set_, {"status"});
    if (previous != nullptr && controllers::canonicalJson(*previous) == controllers::canonicalJson(status)) {
      truncateHistory();
      return;
    }
    ctx_.store.modify(gr::statefulSets, ns_, name_,
                      [&](const json::object& stored) {
                        json::object next = stored;
                        next["status"] = status;
                        return next;
                      },
                      {UpdateScope::All, false});
    truncateHistory();
  }

  void truncateHistory() {
    std::set<std::string> live{currentName(), updateName()};
    for (const std::optional<json::object>& slot : replicas_)
      if (slot) live.insert(podRevision(*slot));
    for (const json::object& pod : condemned_)
      live.insert(podRevision(pod));
    std::int64_t limit = controllers::intAt(set_, {"spec", "revisionHistoryLimit"}, 10);
    for (const std::string& name : revisionsToTruncate(revisions_, live, limit)) {
      try {
        ctx_.store.remove(gr::controllerRevisions, ns_, name);
      } catch (const ApiError& e) {
        if (e.code() != 404) throw;
      }
    }
  }

  StatefulSetController& c_;
  RuntimeContext& ctx_;
  const json::object& set_;
  TimePoint now_;
  std::string ns_;
  std::string name_;
  ObjectReference ref_;
  std::int64_t minReady_ = 0;
  std::string strategy_;
  const json::object* rollingUpdate_ = nullptr;
  std::int64_t partition_ = 0;
  bool monotonic_ = true;
  std::int64_t start_ = 0;
  std::int64_t count_ = 1;
  std::vector<json::object> revisions_;
  json::object current_;
  json::object update_;
  std::int64_t collisions_ = 0;
  std::vector<std::optional<json::object>> replicas_;
  std::vector<json::object> condemned_;
  bool failed_ = false;
  bool deletedForUpdate_ = false;
};

void StatefulSetController::sync(TimePoint now) {
  if (!tracker_.due(ctx_.store, now)) return;
  tracker_.begin(ctx_.store, now);
  std::vector<json::object> sets = listAll(ctx_.store, gr::statefulSets);
  if (sets.empty()) return;
  std::vector<json::object> pods = listAll(ctx_.store, gr::pods);
  for (const json::object& set : sets) {
    try {
      Pass(*this, set, now).run(pods);
    } catch (const ApiError& e) {
      // A conflict or a vanished object: the next pass works from fresh state, as a requeue would.
      if (e.code() != 409 && e.code() != 404) throw;
    }
  }
}

}  // namespace kubesim::runtime

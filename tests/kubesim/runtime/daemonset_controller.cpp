// The DaemonSet controller over the store (see daemonset_controller.h).
#include "daemonset_controller.h"

#include <fmt/format.h>

#include <algorithm>

#include "../controllers/api_objects.h"
#include "../controllers/rollout.h"
#include "../controllers/scheduler.h"
#include "../errors.h"
#include "controller_history.h"
#include "replicaset_controller.h"

namespace kubesim::runtime {

namespace {

constexpr std::string_view kHashLabel = "controller-revision-hash";
constexpr std::string_view kGenerationLabel = "pod-template-generation";
constexpr std::string_view kGenerationAnnotation = "deprecated.daemonset.template.generation";
constexpr Duration kMaxFailedPodBackOff = std::chrono::minutes(15);

// util.AddOrUpdateDaemonPodTolerations: daemon pods survive node problems and cordons.
void addDaemonTolerations(json::object& spec) {
  std::vector<std::pair<std::string_view, std::string_view>> wanted = {
      {"node.kubernetes.io/not-ready", "NoExecute"},
      {"node.kubernetes.io/unreachable", "NoExecute"},
      {"node.kubernetes.io/disk-pressure", "NoSchedule"},
      {"node.kubernetes.io/memory-pressure", "NoSchedule"},
      {"node.kubernetes.io/pid-pressure", "NoSchedule"},
      {"node.kubernetes.io/unschedulable", "NoSchedule"}};
  if (controllers::boolAt(spec, {"hostNetwork"}))
    wanted.emplace_back("node.kubernetes.io/network-unavailable", "NoSchedule");
  json::array& tolerations = arrayAt(spec, "tolerations");
  for (auto [key, effect] : wanted) {
    json::object toleration{{"key", key}, {"operator", "Exists"}, {"effect", effect}};
    // AddOrUpdateTolerationInPodSpec: one with the same key, operator, value and effect is replaced.
    bool replaced = false;
    for (json::value& item : tolerations) {
      if (!item.is_object()) continue;
      json::object& t = item.get_object();
      if (stringField(t, "key") == key && stringField(t, "effect") == effect &&
          stringField(t, "operator") == "Exists" && stringField(t, "value").empty()) {
        item = toleration;
        replaced = true;
      }
    }
    if (!replaced) tolerations.push_back(std::move(toleration));
  }
}

// util.ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes "this node".
void pinToNode(json::object& spec, const std::string& node) {
  json::object term{
      {"matchFields", json::array{json::object{
                          {"key", "metadata.name"}, {"operator", "In"}, {"values", json::array{node}}}}}};
  json::object& nodeAffinity = objectAt(objectAt(spec, "affinity"), "nodeAffinity");
  objectAt(nodeAffinity, "requiredDuringSchedulingIgnoredDuringExecution")["nodeSelectorTerms"] =
      json::array{std::move(term)};
}

// util.GetTargetNodeName: spec.nodeName, else the node the matchFields affinity names.
std::string targetNode(const json::object& pod) {
  std::string node = controllers::stringAt(pod, {"spec", "nodeName"});
  if (!node.empty()) return node;
  const json::array* terms =
      controllers::findArray(pod, {"spec", "affinity", "nodeAffinity",
                                   "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms"});
  if (terms == nullptr) return {};
  for (const json::value& term : *terms) {
    const json::array* fields =
        term.is_object() ? controllers::findArray(term.get_object(), {"matchFields"}) : nullptr;
    if (fields == nullptr) continue;
    for (const json::value& f : *fields) {
      if (!f.is_object()) continue;
      const json::object& req = f.get_object();
      const json::array* values = controllers::findArray(req, {"values"});
      if (stringField(req, "key") == "metadata.name" && stringField(req, "operator") == "In" && values &&
          values->size() == 1 && (*values)[0].is_string())
        return std::string((*values)[0].get_string());
    }
  }
  return {};
}

// podByCreationTimestampAndPhase: bound pods first, then the oldest, then by name.
bool olderPod(const json::object& a, const json::object& b) {
  bool boundA = !controllers::stringAt(a, {"spec", "nodeName"}).empty();
  bool boundB = !controllers::stringAt(b, {"spec", "nodeName"}).empty();
  if (boundA != boundB) return boundA;
  std::string ta(metaString(a, "creationTimestamp")), tb(metaString(b, "creationTimestamp"));
  if (ta != tb) return ta < tb;
  return metaString(a, "name") < metaString(b, "name");
}

}  // namespace

// One reconcile of one DaemonSet: syncDaemonSet (manage, rollingUpdate, cleanupHistory, status).
class DaemonSetController::Pass {
 public:
  Pass(DaemonSetController& controller, const json::object& ds, const std::vector<json::object>& nodes,
       TimePoint now)
      : c_(controller),
        ctx_(controller.ctx_),
        ds_(ds),
        nodes_(nodes),
        now_(now),
        ns_(metaString(ds, "namespace")),
        name_(metaString(ds, "name")),
        uid_(metaString(ds, "uid")),
        ref_(referenceTo(ds, "apps/v1", "DaemonSet")) {
    minReady_ = static_cast<std::int32_t>(controllers::intAt(ds_, {"spec", "minReadySeconds"}, 0));
    strategy_ = controllers::stringAt(ds_, {"spec", "updateStrategy", "type"}, "RollingUpdate");
    generation_ = controllers::stringAt(ds_, {"metadata", "annotations", kGenerationAnnotation});
    if (const json::object* t = controllers::findObject(ds_, {"spec", "template"})) template_ = *t;
    eligibility_ = template_;
    addDaemonTolerations(objectAt(eligibility_, "spec"));
  }

  void run(const std::vector<json::object>& pods) {
    if (!resolveRevisions()) return;
    for (const json::object& pod : pods) {
      if (metaString(pod, "namespace") != ns_ || !controlledBy(pod, ds_, "DaemonSet")) continue;
      json::object owned = adoptOwnerUid(ctx_.store, gr::pods, pod, ds_);
      std::string node = targetNode(owned);
      if (node.empty()) continue;
      // Terminal pods being deleted are done with; they count for nothing.
      if (isTerminal(owned) && isTerminating(owned)) {
        liveHashes_.insert(controllers::stringAt(owned, {"metadata", "labels", kHashLabel}));
        continue;
      }
      nodeToPods_[node].push_back(std::move(owned));
    }
    for (auto& [node, list] : nodeToPods_) {
      std::sort(list.begin(), list.end(), olderPod);
      for (const json::object& pod : list)
        liveHashes_.insert(controllers::stringAt(pod, {"metadata", "labels", kHashLabel}));
    }
    if (!isTerminating(ds_)) {
      bool wrote = manage();
      if (!wrote && strategy_ == "RollingUpdate") rollingUpdate();
    }
    cleanupHistory();
    writeStatus();
  }

 private:
  // ---- revisions ----

  // constructHistory; false when a hash collision was counted (the status write starts a new pass).
  bool resolveRevisions() {
    std::vector<json::object> histories = ownedRevisions(ctx_.store, ds_, "DaemonSet");
    json::object data = templatePatch(ds_);
    json::object probe{{"data", data}};
    std::int64_t maxRevision = 0;
    for (const json::object& h : histories)
      maxRevision = std::max(maxRevision, revisionNumber(h));
    std::vector<json::object> matching;
    for (json::object& h : histories) {
      if (sameRevisionData(h, probe))
        matching.push_back(h);
      else
        old_.push_back(std::move(h));
    }
    if (matching.empty()) {
      std::optional<std::int32_t> collisions;
      if (controllers::has(ds_, {"status", "collisionCount"}))
        collisions = static_cast<std::int32_t>(controllers::intAt(ds_, {"status", "collisionCount"}));
      hash_ = controllers::podTemplateHash(template_, collisions);
      json::object labels;
      if (const json::object* l = controllers::findObject(template_, {"metadata", "labels"})) labels = *l;
      labels[kHashLabel] = hash_;
      json::object annotations;
      if (const json::object* a = controllers::findObject(ds_, {"metadata", "annotations"})) annotations = *a;
      json::object revision =
          newControllerRevision(ds_, "DaemonSet", fmt::format("{}-{}", name_, hash_), std::move(labels),
                                std::move(annotations), data, maxRevision + 1);
      try {
        cur_ = *ctx_.create(gr::controllerRevisions, std::move(revision));
      } catch (const ApiError& e) {
        if (e.code() != 409) throw;
        std::optional<json::object> existing =
            getObject(ctx_.store, gr::controllerRevisions, ns_, fmt::format("{}-{}", name_, hash_));
        if (existing && sameRevisionData(*existing, probe) && controlledBy(*existing, ds_, "DaemonSet")) {
          cur_ = *existing;
        } else {
          // A name taken by another template: count the collision so the next hash differs.
          ctx_.store.modify(
              gr::daemonSets, ns_, name_,
              [&](const json::object& current) {
                json::object next = current;
                json::object& status = objectAt(next, "status");
                status["collisionCount"] = controllers::intAt(current, {"status", "collisionCount"}, 0) + 1;
                return next;
              },
              {UpdateScope::All, false});
          return false;
        }
      }
    } else {
      // dedupCurHistories: the highest revision stays.
      std::sort(matching.begin(), matching.end(), [](const json::object& a, const json::object& b) {
        return revisionNumber(a) < revisionNumber(b);
      });
      cur_ = matching.back();
      for (std::size_t i = 0; i + 1 < matching.size(); ++i)
        removeRevision(metaString(matching[i], "name"));
      std::int64_t newest = 0;
      for (const json::object& h : old_)
        newest = std::max(newest, revisionNumber(h));
      if (revisionNumber(cur_) < newest + 1) cur_ = renumberRevision(ctx_.store, cur_, newest + 1);
    }
    hash_ = controllers::stringAt(cur_, {"metadata", "labels", kHashLabel});
    return true;
  }

  void removeRevision(std::string_view name) {
    try {
      ctx_.store.remove(gr::controllerRevisions, ns_, name);
    } catch (const ApiError& e) {
      if (e.code() != 404) throw;
    }
  }

  // cleanupHistory: the oldest revisions no pod uses, beyond revisionHistoryLimit.
  void cleanupHistory() {
    std::int64_t toKill = static_cast<std::int64_t>(old_.size()) -
                          controllers::intAt(ds_, {"spec", "revisionHistoryLimit"}, 10);
    std::sort(old_.begin(), old_.end(), [](const json::object& a, const json::object& b) {
      return revisionNumber(a) < revisionNumber(b);
    });
    for (const json::object& h : old_) {
      if (toKill <= 0) break;
      if (liveHashes_.count(controllers::stringAt(h, {"metadata", "labels", kHashLabel}))) continue;
      removeRevision(metaString(h, "name"));
      --toKill;
    }
  }

  // ---- nodes ----

  struct Fit {
    bool shouldRun = false;
    bool shouldContinueRunning = false;
  };
  // NodeShouldRunDaemonPod.
  Fit fit(const json::object& node) const {
    std::string nodeName(metaString(node, "name"));
    std::string wanted = controllers::stringAt(template_, {"spec", "nodeName"});
    if (!wanted.empty() && wanted != nodeName) return {};
    if (!controllers::matchesNodeAffinity(eligibility_, node)) return {};
    const json::array* tolerations = controllers::findArray(eligibility_, {"spec", "tolerations"});
    Fit result{true, true};
    if (const json::array* taints = controllers::findArray(node, {"spec", "taints"})) {
      for (const json::value& item : *taints) {
        if (!item.is_object()) continue;
        std::string effect = controllers::stringAt(item.get_object(), {"effect"});
        if (effect != "NoSchedule" && effect != "NoExecute") continue;
        if (controllers::toleratesTaint(tolerations, item.get_object())) continue;
        result.shouldRun = false;
        if (effect == "NoExecute") result.shouldContinueRunning = false;
      }
    }
    return result;
  }

  bool available(const json::object& pod) const { return controllers::isPodAvailable(pod, minReady_, now_); }
  // util.IsPodUpdated.
  bool updated(const json::object& pod) const {
    std::string labelsHash = controllers::stringAt(pod, {"metadata", "labels", kHashLabel});
    bool generationMatches =
        !generation_.empty() &&
        controllers::stringAt(pod, {"metadata", "labels", kGenerationLabel}) == generation_;
    return generationMatches || (!hash_.empty() && labelsHash == hash_);
  }
  bool allowsSurge() const {
    if (strategy_ != "RollingUpdate") return false;
    const json::value* surge =
        controllers::find(ds_, {"spec", "updateStrategy", "rollingUpdate", "maxSurge"});
    return surge != nullptr && controllers::scaledValue(*surge, 1, true).value_or(0) != 0;
  }

  void record(const controllers::Event& event) {
    ctx_.events.record(ref_, EventSource{"daemonset-controller", ""}, event, now_);
  }

  // ---- manage ----

  // The failed-pod back-off of one node: true when the pod may be deleted now.
  bool failedPodMayGo(const std::string& node) {
    FailedPods& entry = c_.failedPods_[uid_ + "/" + node];
    if (entry.delay.count() != 0 && now_ - entry.last < entry.delay) {
      c_.tracker_.requeue(entry.last + entry.delay);
      return false;
    }
    entry.delay = entry.delay.count() == 0 ? Duration(std::chrono::seconds(1))
                                           : std::min<Duration>(entry.delay * 2, kMaxFailedPodBackOff);
    entry.last = now_;
    return true;
  }

  // podsShouldBeOnNode for every node, then syncNodes; true when anything was written.
  bool manage() {
    std::vector<std::string> needing;
    std::vector<json::object> toDelete;
    std::set<std::string> known;
    for (const json::object& node : nodes_) {
      std::string nodeName(metaString(node, "name"));
      known.insert(nodeName);
      Fit f = fit(node);
      auto it = nodeToPods_.find(nodeName);
      bool exists = it != nodeToPods_.end();
      if (f.shouldRun && !exists) {
        needing.push_back(nodeName);
      } else if (f.shouldContinueRunning && exists) {
        std::vector<const json::object*> running;
        for (const json::object& pod : it->second) {
          if (isTerminating(pod)) continue;
          std::string phase = podPhase(pod);
          if (phase == "Failed") {
            if (!failedPodMayGo(nodeName)) continue;
            record({"Warning", "FailedDaemonPod",
                    fmt::format("Found failed daemon pod {}/{} on node {}, will try to kill it", ns_,
                                metaString(pod, "name"), nodeName)});
            toDelete.push_back(pod);
          } else if (phase == "Succeeded") {
            toDelete.push_back(pod);
          } else {
            running.push_back(&pod);
          }
        }
        if (!allowsSurge()) {
          for (std::size_t i = 1; i < running.size(); ++i)
            toDelete.push_back(*running[i]);  // all but the oldest
        } else if (running.empty()) {
          if (f.shouldRun) needing.push_back(nodeName);
        } else if (running.size() > 1) {
          // Two pods only while the oldest new one is not ready and the oldest old one still is.
          const json::object* oldestNew = nullptr;
          const json::object* oldestOld = nullptr;
          for (const json::object* pod : running) {
            const json::object*& slot = updated(*pod) ? oldestNew : oldestOld;
            if (slot == nullptr)
              slot = pod;
            else
              toDelete.push_back(*pod);
          }
          if (oldestNew && oldestOld && (!isPodReady(*oldestOld) || available(*oldestNew)))
            toDelete.push_back(*oldestOld);
        }
      } else if (exists && !f.shouldContinueRunning) {
        for (const json::object& pod : it->second)
          if (!isTerminating(pod)) toDelete.push_back(pod);
      }
    }
    // Unscheduled pods aimed at nodes that are gone.
    for (const auto& [node, list] : nodeToPods_) {
      if (known.count(node)) continue;
      for (const json::object& pod : list)
        if (!isTerminating(pod) && controllers::stringAt(pod, {"spec", "nodeName"}).empty())
          toDelete.push_back(pod);
    }
    return syncNodes(toDelete, needing);
  }

  // The pod for a node: the template with the daemon tolerations, the revision labels and the node pin.
  json::object podFor(const std::string& node) const {
    json::object podTemplate = template_;
    json::object& labels = objectAt(objectAt(podTemplate, "metadata"), "labels");
    if (!generation_.empty()) labels[kGenerationLabel] = generation_;
    labels[kHashLabel] = hash_;
    json::object& spec = objectAt(podTemplate, "spec");
    addDaemonTolerations(spec);
    pinToNode(spec, node);
    return podFromTemplate(ds_, "DaemonSet", podTemplate);
  }

  // syncNodes: deletions, then creations (stopping at the first refusal); true when anything was written.
  bool syncNodes(const std::vector<json::object>& toDelete, const std::vector<std::string>& needing) {
    bool wrote = false;
    for (const json::object& pod : toDelete) {
      std::string podName(metaString(pod, "name"));
      try {
        DeleteOptions options;
        options.preconditionUid = std::string(metaString(pod, "uid"));
        ctx_.store.remove(gr::pods, ns_, podName, options);
        record(controllers::deletedPodEvent(podName));
        wrote = true;
      } catch (const ApiError& e) {
        if (e.code() != 404 && e.code() != 409) throw;
      }
    }
    if (needing.empty()) return wrote;
    if (std::optional<TimePoint> until = c_.backOff_.waitingUntil(uid_, now_)) {
      c_.tracker_.requeue(until);
      return true;  // the creations are still due: no rolling update meanwhile
    }
    for (const std::string& node : needing) {
      try {
        ObjectPtr pod = ctx_.create(gr::pods, podFor(node));
        record(controllers::createdPodEvent(metaString(*pod, "name")));
        c_.backOff_.succeeded(uid_);
        wrote = true;
      } catch (const ApiError& e) {
        record({"Warning", "FailedCreate", fmt::format("Error creating: {}", e.what())});
        c_.tracker_.requeue(c_.backOff_.failed(uid_, now_));
        return true;
      }
    }
    return wrote;
  }

  // ---- rolling update ----

  // findUpdatedPodsOnNode: the node's new and old pod; false when it has more than one of either.
  bool splitPods(const std::vector<json::object>& pods, const json::object*& newPod,
                 const json::object*& oldPod) const {
    newPod = oldPod = nullptr;
    for (const json::object& pod : pods) {
      if (isTerminating(pod)) continue;
      const json::object*& slot = updated(pod) ? newPod : oldPod;
      if (slot != nullptr) return false;
      slot = &pod;
    }
    return true;
  }

  void rollingUpdate() {
    // updatedDesiredNodeCounts: every node that should run the daemon takes part, with or without a pod.
    std::map<std::string, std::vector<json::object>> byNode = nodeToPods_;
    std::int32_t desired = 0;
    std::set<std::string> wanted;
    for (const json::object& node : nodes_) {
      if (!fit(node).shouldRun) continue;
      ++desired;
      wanted.insert(std::string(metaString(node, "name")));
      byNode[std::string(metaString(node, "name"))];
    }
    const json::object* ru = controllers::findObject(ds_, {"spec", "updateStrategy", "rollingUpdate"});
    auto scaled = [&](std::string_view key, json::value fallback) {
      const json::value* v = ru ? controllers::find(*ru, {key}) : nullptr;
      return controllers::scaledValue(v && !v->is_null() ? *v : fallback, desired, true).value_or(0);
    };
    std::int32_t maxUnavailable = scaled("maxUnavailable", 1);
    std::int32_t maxSurge = scaled("maxSurge", 0);
    if (desired > 0 && maxUnavailable == 0 && maxSurge == 0) maxUnavailable = 1;

    std::vector<json::object> toDelete;
    if (maxSurge == 0) {
      // Delete just enough old pods to stay within maxUnavailable; the manage loop recreates them.
      std::int32_t unavailableCount = 0;
      std::vector<json::object> replacements, candidates;
      for (const auto& [node, pods] : byNode) {
        const json::object* newPod = nullptr;
        const json::object* oldPod = nullptr;
        if (!splitPods(pods, newPod, oldPod) || (oldPod == nullptr) == (newPod == nullptr)) {
          ++unavailableCount;
        } else if (newPod != nullptr) {
          if (!available(*newPod)) ++unavailableCount;
        } else if (!available(*oldPod)) {
          replacements.push_back(*oldPod);
        } else if (unavailableCount < maxUnavailable) {
          candidates.push_back(*oldPod);
        }
      }
      std::int32_t remaining = std::clamp<std::int32_t>(maxUnavailable - unavailableCount, 0,
                                                        static_cast<std::int32_t>(candidates.size()));
      toDelete = std::move(replacements);
      toDelete.insert(toDelete.end(), candidates.begin(), candidates.begin() + remaining);
      syncNodes(toDelete, {});
      return;
    }
    // Surge: a new pod beside an unavailable old one at once, beside available ones on up to maxSurge
    // nodes; an old pod goes once the new one beside it is available.
    std::vector<std::string> allowed, candidates;
    std::int32_t surging = 0;
    for (const auto& [node, pods] : byNode) {
      const json::object* newPod = nullptr;
      const json::object* oldPod = nullptr;
      if (!splitPods(pods, newPod, oldPod) || oldPod == nullptr) continue;
      if (newPod == nullptr) {
        if (!available(*oldPod)) {
          // Not available and not wanted here any more: it goes; else a replacement starts at once.
          if (!wanted.count(node))
            toDelete.push_back(*oldPod);
          else
            allowed.push_back(node);
        } else if (surging < maxSurge) {
          candidates.push_back(node);
        }
      } else if (!available(*newPod)) {
        ++surging;  // waiting for the new pod to become available
      } else {
        toDelete.push_back(*oldPod);
      }
    }
    std::int32_t remaining =
        std::clamp<std::int32_t>(maxSurge - surging, 0, static_cast<std::int32_t>(candidates.size()));
    allowed.insert(allowed.end(), candidates.begin(), candidates.begin() + remaining);
    syncNodes(toDelete, allowed);
  }

  // ---- status ----

  void writeStatus() {
    std::int64_t desired = 0, current = 0, misscheduled = 0, ready = 0, availableCount = 0, updatedCount = 0;
    for (const json::object& node : nodes_) {
      auto it = nodeToPods_.find(std::string(metaString(node, "name")));
      bool scheduled = it != nodeToPods_.end() && !it->second.empty();
      if (!fit(node).shouldRun) {
        if (scheduled) ++misscheduled;
        continue;
      }
      ++desired;
      if (!scheduled) continue;
      ++current;
      const json::object& pod = it->second.front();  // the oldest
      if (isPodReady(pod)) {
        ++ready;
        if (available(pod))
          ++availableCount;
        else
          c_.tracker_.requeue(podAvailableAt(pod, minReady_));
      }
      if (updated(pod)) ++updatedCount;
    }
    json::object status;
    status["currentNumberScheduled"] = current;
    status["numberMisscheduled"] = misscheduled;
    status["desiredNumberScheduled"] = desired;
    status["numberReady"] = ready;
    if (std::int64_t generation = controllers::intAt(ds_, {"metadata", "generation"}, 0))
      status["observedGeneration"] = generation;
    if (updatedCount) status["updatedNumberScheduled"] = updatedCount;
    if (availableCount) status["numberAvailable"] = availableCount;
    if (desired - availableCount) status["numberUnavailable"] = desired - availableCount;
    if (const json::value* collisions = controllers::find(ds_, {"status", "collisionCount"}))
      status["collisionCount"] = *collisions;
    if (const json::array* conditions = controllers::findArray(ds_, {"status", "conditions"}))
      status["conditions"] = *conditions;
    const json::object* previous = controllers::findObject(ds_, {"status"});
    if (previous != nullptr && controllers::canonicalJson(*previous) == controllers::canonicalJson(status))
      return;
    ctx_.store.modify(gr::daemonSets, ns_, name_,
                      [&](const json::object& stored) {
                        json::object next = stored;
                        next["status"] = status;
                        return next;
                      },
                      {UpdateScope::All, false});
  }

  DaemonSetController& c_;
  RuntimeContext& ctx_;
  const json::object& ds_;
  const std::vector<json::object>& nodes_;
  TimePoint now_;
  std::string ns_;
  std::string name_;
  std::string uid_;
  ObjectReference ref_;
  std::int32_t minReady_ = 0;
  std::string strategy_;
  std::string generation_;
  json::object template_;
  json::object eligibility_;  // the template with the daemon tolerations: what NodeShouldRunDaemonPod tests
  json::object cur_;
  std::vector<json::object> old_;
  std::string hash_;
  std::map<std::string, std::vector<json::object>> nodeToPods_;  // by target node, oldest first
  std::set<std::string> liveHashes_;
};

void DaemonSetController::sync(TimePoint now) {
  if (!tracker_.due(ctx_.store, now)) return;
  tracker_.begin(ctx_.store, now);
  std::vector<json::object> sets = listAll(ctx_.store, gr::daemonSets);
  if (sets.empty()) return;
  std::vector<json::object> nodes = listAll(ctx_.store, gr::nodes);
  std::vector<json::object> pods = listAll(ctx_.store, gr::pods);
  for (const json::object& ds : sets) {
    try {
      Pass(*this, ds, nodes, now).run(pods);
    } catch (const ApiError& e) {
      // A conflict or a vanished object: the next pass works from fresh state, as a requeue would.
      if (e.code() != 409 && e.code() != 404) throw;
    }
  }
}

}  // namespace kubesim::runtime

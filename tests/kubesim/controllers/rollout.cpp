// The Deployment and ReplicaSet controller passes, rollout maths and rollback target (see rollout.h).
#include "rollout.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace kubesim::controllers {

namespace {

constexpr std::string_view kAlphanums = "bcdfghjklmnpqrstvwxz2456789";
constexpr std::int32_t kMaxInt32 = std::numeric_limits<std::int32_t>::max();
constexpr std::size_t kMaxRevisionHistoryChars = 2000;

// Semantic equality upstream treats empty and missing maps and lists alike; drop them (and nulls) everywhere.
json::value normalized(const json::value& value) {
  if (const json::object* object = value.if_object()) {
    json::object out;
    for (const auto& member : *object) {
      json::value child = normalized(member.value());
      if (child.is_null()) continue;
      if (child.is_object() && child.get_object().empty()) continue;
      if (child.is_array() && child.get_array().empty()) continue;
      out[member.key()] = std::move(child);
    }
    return out;
  }
  if (const json::array* array = value.if_array()) {
    json::array out;
    for (const json::value& item : *array)
      out.push_back(normalized(item));
    return out;
  }
  return value;
}

json::object withoutHashLabel(const json::object& podTemplate) {
  json::object copy = podTemplate;
  if (json::value* labels =
          copy.if_contains("metadata") ? copy["metadata"].as_object().if_contains("labels") : nullptr) {
    if (labels->is_object()) labels->as_object().erase(kPodTemplateHashLabel);
  }
  return copy;
}

bool equalIgnoreHash(const json::object& a, const json::object& b) {
  return normalized(withoutHashLabel(a)) == normalized(withoutHashLabel(b));
}

std::int32_t replicasOf(const json::object& object) {
  return static_cast<std::int32_t>(intAt(object, {"spec", "replicas"}, 1));
}

std::int32_t statusCount(const json::object& object, std::string_view field) {
  return static_cast<std::int32_t>(intAt(object, {"status", field}, 0));
}

std::optional<std::string> annotation(const json::object& object, std::string_view key) {
  const json::value* value = find(object, {"metadata", "annotations", key});
  if (value == nullptr || !value->is_string()) return std::nullopt;
  return std::string(value->get_string());
}

json::object& ensureObject(json::object& parent, std::string_view key) {
  json::value& value = parent[key];
  if (!value.is_object()) value = json::object{};
  return value.as_object();
}

json::object& annotationsOf(json::object& object) {
  return ensureObject(ensureObject(object, "metadata"), "annotations");
}

std::optional<std::int64_t> parseInt(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t value = 0;
  bool negative = text[0] == '-';
  std::size_t i = negative ? 1 : 0;
  if (i == text.size()) return std::nullopt;
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    if (value > (std::numeric_limits<std::int64_t>::max() - 9) / 10) return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return negative ? -value : value;
}

// deploymentutil.Revision: a missing annotation is revision 0; a malformed one is an error (nullopt).
std::optional<std::int64_t> revisionOf(const json::object& rs) {
  std::optional<std::string> text = annotation(rs, kRevisionAnnotation);
  if (!text) return 0;
  return parseInt(*text);
}

TimePoint createdAt(const json::object& object) {
  return timeAt(object, {"metadata", "creationTimestamp"}).value_or(TimePoint{});
}

bool olderThan(const json::object& a, const json::object& b) {
  TimePoint ta = createdAt(a);
  TimePoint tb = createdAt(b);
  if (ta == tb) return stringAt(a, {"metadata", "name"}) < stringAt(b, {"metadata", "name"});
  return ta < tb;
}

json::object newCondition(std::string_view type, std::string_view status, std::string_view reason,
                          const std::string& message, TimePoint now) {
  return json::object{{"type", type},
                      {"status", status},
                      {"lastUpdateTime", formatTime(now)},
                      {"lastTransitionTime", formatTime(now)},
                      {"reason", reason},
                      {"message", message}};
}

json::object* conditionIn(json::array& conditions, std::string_view type) {
  for (json::value& item : conditions) {
    if (json::object* condition = item.if_object();
        condition != nullptr && stringAt(*condition, {"type"}) == type) {
      return condition;
    }
  }
  return nullptr;
}

void removeCondition(json::array& conditions, std::string_view type) {
  for (auto it = conditions.begin(); it != conditions.end();) {
    if (it->is_object() && stringAt(it->as_object(), {"type"}) == type) {
      it = conditions.erase(it);
    } else {
      ++it;
    }
  }
}

// deploymentutil.SetDeploymentCondition: no-op for the same status and reason; keeps lastTransitionTime when
// only the reason changes; the condition moves to the end.
void setCondition(json::array& conditions, json::object condition) {
  std::string type = stringAt(condition, {"type"});
  if (json::object* current = conditionIn(conditions, type)) {
    if (stringAt(*current, {"status"}) == stringAt(condition, {"status"}) &&
        stringAt(*current, {"reason"}) == stringAt(condition, {"reason"})) {
      return;
    }
    if (stringAt(*current, {"status"}) == stringAt(condition, {"status"})) {
      condition["lastTransitionTime"] = (*current)["lastTransitionTime"];
    }
  }
  removeCondition(conditions, type);
  conditions.push_back(std::move(condition));
}

json::value defaultedIntOrString(const json::object* rollingUpdate, std::string_view key) {
  if (rollingUpdate != nullptr) {
    const json::value* value = find(*rollingUpdate, {key});
    if (value != nullptr && !value->is_null()) return *value;
  }
  return json::value("25%");
}

// The Deployment with its status conditions as the working state of one pass.
class DeploymentPass {
 public:
  DeploymentPass(const json::object& deployment, const std::vector<json::object>& replicaSets,
                 const std::vector<json::object>& pods, TimePoint now)
      : d_(deployment), pods_(pods), now_(now) {
    rs_.reserve(replicaSets.size() + 1);
    for (const json::object& rs : replicaSets)
      rs_.push_back(rs);
    json::object& status = ensureObject(d_, "status");
    if (!status["conditions"].is_array()) status["conditions"] = json::array{};
    originalStatus_ = status;
    replicas_ = replicasOf(d_);
    strategy_ = stringAt(d_, {"spec", "strategy", "type"}, "RollingUpdate");
    Fenceposts posts = resolveFenceposts(d_);
    maxSurge_ = posts.maxSurge;
    maxUnavailable_ =
        strategy_ == "RollingUpdate" && replicas_ != 0 ? std::min(posts.maxUnavailable, replicas_) : 0;
    if (strategy_ != "RollingUpdate") maxSurge_ = 0;
    if (has(d_, {"spec", "progressDeadlineSeconds"})) {
      std::int64_t deadline = intAt(d_, {"spec", "progressDeadlineSeconds"});
      if (deadline != kMaxInt32) progressDeadline_ = deadline;
    } else {
      progressDeadline_ = 600;
    }
    if (has(d_, {"spec", "revisionHistoryLimit"})) {
      std::int64_t limit = intAt(d_, {"spec", "revisionHistoryLimit"});
      if (limit != kMaxInt32) revisionHistoryLimit_ = limit;
    } else {
      revisionHistoryLimit_ = 10;
    }
  }

  DeploymentSyncResult run() {
    checkPausedConditions();
    if (boolAt(d_, {"spec", "paused"})) {
      syncScaleOnly(/*paused=*/true);
    } else if (isScalingEvent()) {
      syncScaleOnly(/*paused=*/false);
    } else if (strategy_ == "Recreate") {
      rolloutRecreate();
    } else {
      rolloutRolling();
    }
    for (std::size_t index : modified_) {
      if (created_ && *created_ == index) continue;
      result_.updatedReplicaSets.push_back(rs_[index]);
    }
    if (created_) {
      // Later steps of the pass may have changed it; the store assigns the creation time itself.
      json::object created = rs_[*created_];
      created["metadata"].as_object().erase("creationTimestamp");
      result_.createdReplicaSet = std::move(created);
    }
    return std::move(result_);
  }

 private:
  json::array& conditions() { return d_["status"].as_object()["conditions"].as_array(); }
  std::string name() const { return stringAt(d_, {"metadata", "name"}); }
  std::string rsName(std::size_t index) const { return stringAt(rs_[index], {"metadata", "name"}); }
  const json::object& podTemplate() const {
    static const json::object empty;
    const json::object* t = findObject(d_, {"spec", "template"});
    return t != nullptr ? *t : empty;
  }

  void checkPausedConditions() {
    if (!progressDeadline_) return;
    json::object* condition = conditionIn(conditions(), "Progressing");
    if (condition != nullptr && stringAt(*condition, {"reason"}) == "ProgressDeadlineExceeded") return;
    bool pausedExists = condition != nullptr && stringAt(*condition, {"reason"}) == "DeploymentPaused";
    bool paused = boolAt(d_, {"spec", "paused"});
    if (paused && !pausedExists) {
      setCondition(conditions(),
                   newCondition("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", now_));
    } else if (!paused && pausedExists) {
      setCondition(conditions(), newCondition("Progressing", "Unknown", "DeploymentResumed",
                                              "Deployment is resumed", now_));
    }
  }

  std::vector<std::size_t> byAge() const {
    std::vector<std::size_t> order(rs_.size());
    for (std::size_t i = 0; i < order.size(); ++i)
      order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return olderThan(rs_[a], rs_[b]); });
    return order;
  }

  // FindNewReplicaSet and the old ones, then getNewReplicaSet with revision bookkeeping.
  void resolveReplicaSets(bool createIfMissing) {
    newIndex_.reset();
    old_.clear();
    for (std::size_t index : byAge()) {
      const json::object* rsTemplate = findObject(rs_[index], {"spec", "template"});
      if (!newIndex_ && rsTemplate != nullptr && equalIgnoreHash(*rsTemplate, podTemplate())) {
        newIndex_ = index;
      } else {
        old_.push_back(index);
      }
    }
    std::int64_t maxOld = 0;
    for (std::size_t index : old_) {
      if (std::optional<std::int64_t> revision = revisionOf(rs_[index])) maxOld = std::max(maxOld, *revision);
    }
    std::string newRevision = std::to_string(maxOld + 1);
    if (newIndex_) {
      json::object& rs = rs_[*newIndex_];
      bool annotationsUpdated = setNewReplicaSetAnnotations(rs, newRevision, /*exists=*/true);
      std::int64_t minReady = intAt(d_, {"spec", "minReadySeconds"}, 0);
      bool minReadyUpdated = intAt(rs, {"spec", "minReadySeconds"}, 0) != minReady;
      if (annotationsUpdated || minReadyUpdated) {
        ensureObject(rs, "spec")["minReadySeconds"] = minReady;
        modified_.insert(*newIndex_);
        return;  // upstream returns the updated ReplicaSet and syncs the Deployment's revision next pass
      }
      setDeploymentRevision(annotation(rs, kRevisionAnnotation).value_or(""));
      if (progressDeadline_ && conditionIn(conditions(), "Progressing") == nullptr) {
        setCondition(conditions(),
                     newCondition("Progressing", "True", "FoundNewReplicaSet",
                                  fmt::format("Found new replica set \"{}\"", rsName(*newIndex_)), now_));
      }
      return;
    }
    if (!createIfMissing) return;

    json::object templateCopy = podTemplate();
    std::optional<std::int32_t> collisions;
    if (has(d_, {"status", "collisionCount"})) {
      collisions = static_cast<std::int32_t>(intAt(d_, {"status", "collisionCount"}));
    }
    std::string hash = podTemplateHash(templateCopy, collisions);
    json::object& templateMeta = ensureObject(templateCopy, "metadata");
    json::object labels =
        templateMeta["labels"].is_object() ? templateMeta["labels"].as_object() : json::object{};
    labels[kPodTemplateHashLabel] = hash;
    templateMeta["labels"] = labels;
    json::object selector =
        findObject(d_, {"spec", "selector"}) ? *findObject(d_, {"spec", "selector"}) : json::object{};
    ensureObject(selector, "matchLabels")[kPodTemplateHashLabel] = hash;

    json::object owner{{"apiVersion", "apps/v1"}, {"kind", "Deployment"},
                       {"name", name()},          {"uid", stringAt(d_, {"metadata", "uid"})},
                       {"controller", true},      {"blockOwnerDeletion", true}};
    json::object rs{{"apiVersion", "apps/v1"},
                    {"kind", "ReplicaSet"},
                    {"metadata", json::object{{"name", name() + "-" + hash},
                                              {"namespace", stringAt(d_, {"metadata", "namespace"})},
                                              {"labels", labels},
                                              {"ownerReferences", json::array{owner}}}},
                    {"spec", json::object{{"replicas", 0},
                                          {"minReadySeconds", intAt(d_, {"spec", "minReadySeconds"}, 0)},
                                          {"selector", selector},
                                          {"template", templateCopy}}}};
    // NewRSNewReplicas with the new ReplicaSet counted at 0.
    std::int32_t count = replicas_;
    if (strategy_ == "RollingUpdate") {
      std::int32_t current = 0;
      for (std::size_t index : old_)
        current += replicasOf(rs_[index]);
      std::int32_t maxTotal = replicas_ + maxSurge_;
      count = current >= maxTotal ? 0 : std::min(maxTotal - current, replicas_);
    }
    rs["spec"].as_object()["replicas"] = count;
    setNewReplicaSetAnnotations(rs, newRevision, /*exists=*/false);
    rs["metadata"].as_object()["creationTimestamp"] = formatTime(now_);
    rs_.push_back(std::move(rs));
    newIndex_ = rs_.size() - 1;
    created_ = newIndex_;
    if (count > 0) {
      result_.events.push_back(
          Event{"Normal", "ScalingReplicaSet",
                fmt::format("Scaled up replica set {} from 0 to {}", rsName(*newIndex_), count)});
    }
    setDeploymentRevision(newRevision);
    if (progressDeadline_) {
      setCondition(conditions(),
                   newCondition("Progressing", "True", "NewReplicaSetCreated",
                                fmt::format("Created new replica set \"{}\"", rsName(*newIndex_)), now_));
    }
  }

  void setDeploymentRevision(const std::string& revision) {
    if (annotation(d_, kRevisionAnnotation) == revision) return;
    annotationsOf(d_)[kRevisionAnnotation] = revision;
    result_.annotations = annotationsOf(d_);
  }

  bool setReplicasAnnotations(json::object& rs) {
    std::string desired = std::to_string(replicas_);
    std::string max = std::to_string(replicas_ + maxSurge_);
    bool changed = false;
    json::object& annotations = annotationsOf(rs);
    if (annotation(rs, kDesiredReplicasAnnotation) != desired) {
      annotations[kDesiredReplicasAnnotation] = desired;
      changed = true;
    }
    if (annotation(rs, kMaxReplicasAnnotation) != max) {
      annotations[kMaxReplicasAnnotation] = max;
      changed = true;
    }
    return changed;
  }

  bool setNewReplicaSetAnnotations(json::object& rs, const std::string& newRevision, bool exists) {
    static const std::set<std::string, std::less<>> skip{"kubectl.kubernetes.io/last-applied-configuration",
                                                         std::string(kRevisionAnnotation),
                                                         std::string(kRevisionHistoryAnnotation),
                                                         std::string(kDesiredReplicasAnnotation),
                                                         std::string(kMaxReplicasAnnotation),
                                                         "deprecated.deployment.rollback.to"};
    bool changed = false;
    json::object& annotations = annotationsOf(rs);
    if (const json::object* own = findObject(d_, {"metadata", "annotations"})) {
      for (const auto& member : *own) {
        if (skip.count(member.key()) != 0) continue;
        auto it = annotations.find(member.key());
        if (it != annotations.end() && it->value() == member.value()) continue;
        annotations[member.key()] = member.value();
        changed = true;
      }
    }
    std::optional<std::string> oldText = annotation(rs, kRevisionAnnotation);
    std::int64_t oldRevision = 0;
    if (oldText) {
      std::optional<std::int64_t> parsed = parseInt(*oldText);
      if (!parsed) return false;
      oldRevision = *parsed;
    }
    std::int64_t next = parseInt(newRevision).value_or(0);
    if (oldRevision < next) {
      annotations[kRevisionAnnotation] = newRevision;
      changed = true;
      if (oldText) {
        // An old template came back (rollout undo): remember the revisions it had.
        std::string history = annotation(rs, kRevisionHistoryAnnotation).value_or("");
        if (history.empty()) {
          annotations[kRevisionHistoryAnnotation] = *oldText;
        } else {
          std::vector<std::string> revisions;
          std::size_t start = 0;
          while (true) {
            std::size_t comma = history.find(',', start);
            revisions.push_back(history.substr(start, comma - start));
            if (comma == std::string::npos) break;
            start = comma + 1;
          }
          std::size_t total = history.size() + oldText->size() + 1;
          std::size_t first = 0;
          while (total > kMaxRevisionHistoryChars && first < revisions.size()) {
            total -= revisions[first].size() + 1;
            ++first;
          }
          if (total <= kMaxRevisionHistoryChars) {
            std::string joined;
            for (std::size_t i = first; i < revisions.size(); ++i)
              joined += revisions[i] + ",";
            annotations[kRevisionHistoryAnnotation] = joined + *oldText;
          }
        }
      }
    }
    if (!exists && setReplicasAnnotations(rs)) changed = true;
    return changed;
  }

  // scaleReplicaSet: replicas plus the desired/max annotations; an event when the size changes.
  bool scaleTo(std::size_t index, std::int32_t newScale) {
    json::object& rs = rs_[index];
    std::int32_t oldScale = replicasOf(rs);
    bool sizeChanged = oldScale != newScale;
    bool annotationsChanged = setReplicasAnnotations(rs);
    if (!sizeChanged && !annotationsChanged) return false;
    ensureObject(rs, "spec")["replicas"] = newScale;
    modified_.insert(index);
    if (sizeChanged) {
      result_.events.push_back(
          Event{"Normal", "ScalingReplicaSet",
                fmt::format("Scaled {} replica set {} from {} to {}", oldScale < newScale ? "up" : "down",
                            rsName(index), oldScale, newScale)});
    }
    return sizeChanged;
  }

  // scaleReplicaSetAndRecordEvent: nothing at all when the size already matches.
  bool scaleIfNeeded(std::size_t index, std::int32_t newScale) {
    if (replicasOf(rs_[index]) == newScale) return false;
    return scaleTo(index, newScale);
  }

  std::vector<std::size_t> all() const {
    std::vector<std::size_t> list = old_;
    if (newIndex_) list.push_back(*newIndex_);
    return list;
  }

  std::vector<std::size_t> active(const std::vector<std::size_t>& list) const {
    std::vector<std::size_t> out;
    for (std::size_t index : list) {
      if (replicasOf(rs_[index]) > 0) out.push_back(index);
    }
    return out;
  }

  std::int32_t sumSpec(const std::vector<std::size_t>& list) const {
    std::int32_t total = 0;
    for (std::size_t index : list)
      total += replicasOf(rs_[index]);
    return total;
  }

  bool isScalingEvent() {
    resolveReplicaSets(/*createIfMissing=*/false);
    for (std::size_t index : active(all())) {
      std::optional<std::string> desired = annotation(rs_[index], kDesiredReplicasAnnotation);
      if (!desired) continue;
      std::optional<std::int64_t> value = parseInt(*desired);
      if (value && *value != replicas_) return true;
    }
    return false;
  }

  // sync(): proportional scaling for scaling events and paused Deployments.
  void syncScaleOnly(bool paused) {
    resolveReplicaSets(/*createIfMissing=*/false);
    std::vector<json::object> snapshot = rs_;
    scale();
    if (paused) cleanup();
    finishStatus(calculateStatus(snapshot));
  }

  void scale() {
    // FindActiveOrLatest.
    std::vector<std::size_t> activeAll = active(all());
    if (activeAll.size() <= 1 && (newIndex_ || !old_.empty())) {
      std::size_t target = 0;
      if (activeAll.size() == 1) {
        target = activeAll.front();
      } else if (newIndex_) {
        target = *newIndex_;
      } else {
        target = old_.back();  // the newest old ReplicaSet
      }
      if (replicasOf(rs_[target]) != replicas_) scaleIfNeeded(target, replicas_);
      return;
    }
    if (activeAll.empty()) return;
    if (newIndex_) {
      const json::object& rs = rs_[*newIndex_];
      bool saturated = replicasOf(rs) == replicas_ &&
                       annotation(rs, kDesiredReplicasAnnotation) == std::to_string(replicas_) &&
                       statusCount(rs, "availableReplicas") == replicas_;
      if (saturated) {
        for (std::size_t index : active(old_))
          scaleIfNeeded(index, 0);
        return;
      }
    }
    if (strategy_ != "RollingUpdate") return;
    std::int32_t allowed = replicas_ > 0 ? replicas_ + maxSurge_ : 0;
    std::int32_t toAdd = allowed - sumSpec(activeAll);
    std::vector<std::size_t> order = activeAll;
    if (toAdd > 0) {
      // Larger first; among equals the newer one gets the extra replicas.
      std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        if (replicasOf(rs_[a]) != replicasOf(rs_[b])) return replicasOf(rs_[a]) > replicasOf(rs_[b]);
        return olderThan(rs_[b], rs_[a]);
      });
    } else if (toAdd < 0) {
      std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        if (replicasOf(rs_[a]) != replicasOf(rs_[b])) return replicasOf(rs_[a]) > replicasOf(rs_[b]);
        return olderThan(rs_[a], rs_[b]);
      });
    }
    std::map<std::size_t, std::int32_t> sizes;
    std::int32_t added = 0;
    for (std::size_t index : order) {
      std::int32_t size = replicasOf(rs_[index]);
      if (toAdd != 0) {
        std::int32_t proportion = proportionOf(index, toAdd, added);
        sizes[index] = size + proportion;
        added += proportion;
      } else {
        sizes[index] = size;
      }
    }
    for (std::size_t i = 0; i < order.size(); ++i) {
      std::size_t index = order[i];
      if (i == 0 && toAdd != 0)
        sizes[index] = std::max(0, sizes[index] + toAdd - added);  // leftovers to the largest
      scaleTo(index, sizes[index]);
    }
  }

  // GetReplicaSetProportion.
  std::int32_t proportionOf(std::size_t index, std::int32_t toAdd, std::int32_t added) const {
    const json::object& rs = rs_[index];
    std::int32_t size = replicasOf(rs);
    if (size == 0 || toAdd == 0 || toAdd == added) return 0;
    std::int32_t fraction = 0;
    if (replicas_ == 0) {
      fraction = -size;
    } else {
      std::int32_t maxNow = replicas_ + maxSurge_;
      std::int64_t before = parseInt(annotation(rs, kMaxReplicasAnnotation).value_or("")).value_or(0);
      if (before == 0) {
        before = statusCount(d_, "replicas");
        if (before == 0) before = replicas_;
      }
      double target = static_cast<double>(size) * maxNow / static_cast<double>(before);
      fraction = static_cast<std::int32_t>(std::round(target)) - size;
    }
    std::int32_t allowed = toAdd - added;
    return toAdd > 0 ? std::min(fraction, allowed) : std::max(fraction, allowed);
  }

  void rolloutRolling() {
    resolveReplicaSets(/*createIfMissing=*/true);
    std::vector<json::object> snapshot = rs_;
    if (reconcileNew() || reconcileOld()) {
      finishRolloutStatus(snapshot);
      return;
    }
    if (complete(originalStatus_)) cleanup();
    finishRolloutStatus(snapshot);
  }

  bool reconcileNew() {
    if (!newIndex_) return false;
    std::int32_t current = replicasOf(rs_[*newIndex_]);
    if (current == replicas_) return false;
    if (current > replicas_) return scaleIfNeeded(*newIndex_, replicas_);
    std::int32_t maxTotal = replicas_ + maxSurge_;
    std::int32_t total = sumSpec(all());
    if (total >= maxTotal) return false;
    std::int32_t scaleUp = std::min(maxTotal - total, replicas_ - current);
    return scaleIfNeeded(*newIndex_, current + scaleUp);
  }

  bool reconcileOld() {
    std::vector<std::size_t> oldActive = active(old_);
    if (sumSpec(oldActive) == 0) return false;
    std::int32_t allPods = sumSpec(all());
    std::int32_t minAvailable = replicas_ - maxUnavailable_;
    std::int32_t newUnavailable =
        newIndex_ ? replicasOf(rs_[*newIndex_]) - statusCount(rs_[*newIndex_], "availableReplicas") : 0;
    std::int32_t maxScaledDown = allPods - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;

    // Unhealthy replicas of old ReplicaSets go first: removing them does not reduce availability.
    std::sort(oldActive.begin(), oldActive.end(),
              [&](std::size_t a, std::size_t b) { return olderThan(rs_[a], rs_[b]); });
    std::int32_t cleaned = 0;
    for (std::size_t index : oldActive) {
      if (cleaned >= maxScaledDown) break;
      std::int32_t size = replicasOf(rs_[index]);
      std::int32_t available = statusCount(rs_[index], "availableReplicas");
      if (size == 0 || size == available) continue;
      std::int32_t down = std::min(maxScaledDown - cleaned, size - available);
      scaleIfNeeded(index, size - down);
      cleaned += down;
    }

    // Then down to minAvailable available pods, oldest first.
    std::int32_t scaledDown = 0;
    std::int32_t availableCount = 0;
    for (std::size_t index : all())
      availableCount += statusCount(rs_[index], "availableReplicas");
    if (availableCount > minAvailable) {
      std::int32_t budget = availableCount - minAvailable;
      for (std::size_t index : oldActive) {
        if (scaledDown >= budget) break;
        std::int32_t size = replicasOf(rs_[index]);
        if (size == 0) continue;
        std::int32_t down = std::min(size, budget - scaledDown);
        scaleIfNeeded(index, size - down);
        scaledDown += down;
      }
    }
    return cleaned + scaledDown > 0;
  }

  bool oldPodsRunning() const {
    std::int32_t oldStatusReplicas = 0;
    for (std::size_t index : old_)
      oldStatusReplicas += statusCount(rs_[index], "replicas");
    if (oldStatusReplicas > 0) return true;
    std::string newName = newIndex_ ? rsName(*newIndex_) : "";
    for (const json::object& pod : pods_) {
      std::string owner;
      if (const json::array* owners = findArray(pod, {"metadata", "ownerReferences"})) {
        for (const json::value& item : *owners) {
          const json::object* ref = item.if_object();
          if (ref != nullptr && boolAt(*ref, {"controller"}) && stringAt(*ref, {"kind"}) == "ReplicaSet") {
            owner = stringAt(*ref, {"name"});
          }
        }
      }
      if (owner.empty() || owner == newName) continue;
      std::string phase = stringAt(pod, {"status", "phase"});
      if (phase != "Succeeded" && phase != "Failed") return true;
    }
    return false;
  }

  void rolloutRecreate() {
    resolveReplicaSets(/*createIfMissing=*/false);
    std::vector<json::object> snapshot = rs_;
    bool scaledDown = false;
    for (std::size_t index : active(old_))
      scaledDown = scaleIfNeeded(index, 0) || scaledDown;
    if (scaledDown || oldPodsRunning()) {
      finishRolloutStatus(snapshot);
      return;
    }
    if (!newIndex_) {
      resolveReplicaSets(/*createIfMissing=*/true);
      snapshot = rs_;
    }
    scaleIfNeeded(*newIndex_, replicas_);
    if (complete(originalStatus_)) cleanup();
    finishRolloutStatus(snapshot);
  }

  // cleanupDeployment: delete the oldest scaled-down ReplicaSets beyond revisionHistoryLimit.
  void cleanup() {
    if (!revisionHistoryLimit_) return;
    std::vector<std::size_t> cleanable;
    for (std::size_t index : old_) {
      if (!has(rs_[index], {"metadata", "deletionTimestamp"})) cleanable.push_back(index);
    }
    std::int64_t diff = static_cast<std::int64_t>(cleanable.size()) - *revisionHistoryLimit_;
    if (diff <= 0) return;
    std::sort(cleanable.begin(), cleanable.end(), [&](std::size_t a, std::size_t b) {
      std::optional<std::int64_t> ra = revisionOf(rs_[a]);
      std::optional<std::int64_t> rb = revisionOf(rs_[b]);
      if (!ra || !rb || *ra == *rb) return olderThan(rs_[a], rs_[b]);
      return *ra < *rb;
    });
    for (std::int64_t i = 0; i < diff; ++i) {
      const json::object& rs = rs_[cleanable[static_cast<std::size_t>(i)]];
      if (statusCount(rs, "replicas") != 0 || replicasOf(rs) != 0 ||
          intAt(rs, {"metadata", "generation"}, 0) > intAt(rs, {"status", "observedGeneration"}, 0)) {
        continue;
      }
      result_.deletedReplicaSets.push_back(stringAt(rs, {"metadata", "name"}));
    }
  }

  bool complete(const json::object& status) const {
    return intAt(status, {"updatedReplicas"}) == replicas_ && intAt(status, {"replicas"}) == replicas_ &&
           intAt(status, {"availableReplicas"}) == replicas_ &&
           intAt(status, {"observedGeneration"}) >= intAt(d_, {"metadata", "generation"}, 0);
  }

  json::object calculateStatus(const std::vector<json::object>& snapshot) {
    std::int32_t available = 0;
    std::int32_t total = 0;
    std::int32_t actual = 0;
    std::int32_t ready = 0;
    std::int32_t updated = 0;
    for (std::size_t index : all()) {
      const json::object& rs = index < snapshot.size() ? snapshot[index] : rs_[index];
      available += statusCount(rs, "availableReplicas");
      total += replicasOf(rs);
      actual += statusCount(rs, "replicas");
      ready += statusCount(rs, "readyReplicas");
      if (newIndex_ && index == *newIndex_) updated = statusCount(rs, "replicas");
    }
    json::object status;
    auto put = [&](std::string_view key, std::int64_t value) {
      if (value != 0) status[key] = value;  // the API omits zero counts
    };
    put("observedGeneration", intAt(d_, {"metadata", "generation"}, 0));
    put("replicas", actual);
    put("updatedReplicas", updated);
    put("readyReplicas", ready);
    put("availableReplicas", available);
    put("unavailableReplicas", std::max(0, total - available));
    if (has(d_, {"status", "collisionCount"}))
      status["collisionCount"] = intAt(d_, {"status", "collisionCount"});
    json::array conditionsCopy = conditions();
    if (available >= replicas_ - maxUnavailable_) {
      setCondition(conditionsCopy, newCondition("Available", "True", "MinimumReplicasAvailable",
                                                "Deployment has minimum availability.", now_));
    } else {
      setCondition(conditionsCopy, newCondition("Available", "False", "MinimumReplicasUnavailable",
                                                "Deployment does not have minimum availability.", now_));
    }
    status["conditions"] = conditionsCopy;
    return status;
  }

  void finishRolloutStatus(const std::vector<json::object>& snapshot) {
    json::object status = calculateStatus(snapshot);
    json::array& list = status["conditions"].as_array();
    if (!progressDeadline_) removeCondition(list, "Progressing");
    const json::object* current = conditionIn(conditions(), "Progressing");
    bool completedBefore = intAt(status, {"replicas"}) == intAt(status, {"updatedReplicas"}) &&
                           current != nullptr && stringAt(*current, {"reason"}) == "NewReplicaSetAvailable";
    std::string subject = newIndex_ ? fmt::format("ReplicaSet \"{}\"", rsName(*newIndex_))
                                    : fmt::format("Deployment \"{}\"", name());
    if (progressDeadline_ && !completedBefore) {
      if (complete(status)) {
        setCondition(list, newCondition("Progressing", "True", "NewReplicaSetAvailable",
                                        subject + " has successfully progressed.", now_));
      } else if (progressing(status)) {
        json::object condition =
            newCondition("Progressing", "True", "ReplicaSetUpdated", subject + " is progressing.", now_);
        if (current != nullptr) {
          if (stringAt(*current, {"status"}) == "True")
            condition["lastTransitionTime"] = (*current).at("lastTransitionTime");
          removeCondition(list, "Progressing");
        }
        setCondition(list, std::move(condition));
      } else if (timedOut(list)) {
        setCondition(list, newCondition("Progressing", "False", "ProgressDeadlineExceeded",
                                        subject + " has timed out progressing.", now_));
      }
    }
    std::optional<json::object> failure = replicaFailure(snapshot);
    if (failure) {
      setCondition(list, *failure);
    } else {
      removeCondition(list, "ReplicaFailure");
    }
    // requeueStuckDeployment: look again when the deadline would pass.
    if (progressDeadline_ && !complete(status)) {
      if (const json::object* condition = conditionIn(list, "Progressing")) {
        std::string reason = stringAt(*condition, {"reason"});
        std::optional<TimePoint> updatedAt = timeAt(*condition, {"lastUpdateTime"});
        if (reason != "ProgressDeadlineExceeded" && reason != "NewReplicaSetAvailable" && updatedAt) {
          result_.requeueAt = *updatedAt + std::chrono::seconds(*progressDeadline_) + std::chrono::seconds(1);
        }
      }
    }
    finishStatus(std::move(status));
  }

  bool progressing(const json::object& status) const {
    std::int64_t oldOld = intAt(originalStatus_, {"replicas"}) - intAt(originalStatus_, {"updatedReplicas"});
    std::int64_t newOld = intAt(status, {"replicas"}) - intAt(status, {"updatedReplicas"});
    return intAt(status, {"updatedReplicas"}) > intAt(originalStatus_, {"updatedReplicas"}) ||
           newOld < oldOld || intAt(status, {"readyReplicas"}) > intAt(originalStatus_, {"readyReplicas"}) ||
           intAt(status, {"availableReplicas"}) > intAt(originalStatus_, {"availableReplicas"});
  }

  bool timedOut(const json::array& list) const {
    if (!progressDeadline_) return false;
    const json::object* condition = nullptr;
    for (const json::value& item : list) {
      if (item.is_object() && stringAt(item.as_object(), {"type"}) == "Progressing")
        condition = &item.as_object();
    }
    if (condition == nullptr) return false;
    std::string reason = stringAt(*condition, {"reason"});
    if (reason == "NewReplicaSetAvailable") return false;
    if (reason == "ProgressDeadlineExceeded") return true;
    std::optional<TimePoint> from = timeAt(*condition, {"lastUpdateTime"});
    if (!from) return false;
    return *from + std::chrono::seconds(*progressDeadline_) < now_;
  }

  std::optional<json::object> replicaFailure(const std::vector<json::object>& snapshot) const {
    auto fromReplicaSet = [](const json::object& rs) -> std::optional<json::object> {
      const json::object* condition = findCondition(rs, "ReplicaFailure");
      if (condition == nullptr) return std::nullopt;
      json::object out{{"type", "ReplicaFailure"},
                       {"status", stringAt(*condition, {"status"})},
                       {"lastUpdateTime", stringAt(*condition, {"lastTransitionTime"})},
                       {"lastTransitionTime", stringAt(*condition, {"lastTransitionTime"})},
                       {"reason", stringAt(*condition, {"reason"})},
                       {"message", stringAt(*condition, {"message"})}};
      return out;
    };
    auto at = [&](std::size_t index) -> const json::object& {
      return index < snapshot.size() ? snapshot[index] : rs_[index];
    };
    if (newIndex_) {
      if (auto failure = fromReplicaSet(at(*newIndex_))) return failure;
    }
    for (std::size_t index : all()) {
      if (auto failure = fromReplicaSet(at(index))) return failure;
    }
    return std::nullopt;
  }

  void finishStatus(json::object status) {
    result_.statusChanged = normalized(status) != normalized(originalStatus_);
    result_.status = std::move(status);
  }

  json::object d_;
  const std::vector<json::object>& pods_;
  TimePoint now_;
  std::vector<json::object> rs_;
  json::object originalStatus_;
  std::int32_t replicas_ = 1;
  std::string strategy_;
  std::int32_t maxSurge_ = 0;
  std::int32_t maxUnavailable_ = 0;
  std::optional<std::int64_t> progressDeadline_;
  std::optional<std::int64_t> revisionHistoryLimit_;
  std::optional<std::size_t> newIndex_;
  std::vector<std::size_t> old_;
  std::optional<std::size_t> created_;
  std::set<std::size_t> modified_;
  DeploymentSyncResult result_;
};

bool isPodReady(const json::object& pod) {
  const json::object* condition = findCondition(pod, "Ready");
  return condition != nullptr && stringAt(*condition, {"status"}) == "True";
}

std::optional<TimePoint> readySince(const json::object& pod) {
  const json::object* condition = findCondition(pod, "Ready");
  if (condition == nullptr || stringAt(*condition, {"status"}) != "True") return std::nullopt;
  return timeAt(*condition, {"lastTransitionTime"});
}

bool isActive(const json::object& pod) {
  std::string phase = stringAt(pod, {"status", "phase"});
  return phase != "Succeeded" && phase != "Failed" && !has(pod, {"metadata", "deletionTimestamp"});
}

int phaseOrdinal(const json::object& pod) {
  std::string phase = stringAt(pod, {"status", "phase"});
  if (phase == "Pending") return 0;
  if (phase == "Unknown") return 1;
  if (phase == "Running") return 2;
  return 0;
}

std::int64_t maxRestarts(const json::object& pod) {
  std::int64_t most = 0;
  if (const json::array* statuses = findArray(pod, {"status", "containerStatuses"})) {
    for (const json::value& item : *statuses) {
      if (item.is_object()) most = std::max(most, intAt(item.as_object(), {"restartCount"}, 0));
    }
  }
  return most;
}

std::int64_t deletionCost(const json::object& pod) {
  std::optional<std::string> cost = annotation(pod, "controller.kubernetes.io/pod-deletion-cost");
  if (!cost) return 0;
  return parseInt(*cost).value_or(0);
}

}  // namespace

std::string safeEncodeString(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text)
    out.push_back(kAlphanums[c % kAlphanums.size()]);
  return out;
}

std::string podTemplateHash(const json::object& podTemplate, std::optional<std::int32_t> collisionCount) {
  std::uint32_t hash = fnv32a(canonicalJson(normalized(podTemplate)));
  if (collisionCount) {
    // Eight little-endian bytes, the low four holding the count.
    std::string bytes(8, '\0');
    std::uint32_t count = static_cast<std::uint32_t>(*collisionCount);
    for (int i = 0; i < 4; ++i)
      bytes[static_cast<std::size_t>(i)] = static_cast<char>((count >> (8 * i)) & 0xff);
    hash = fnv32a(bytes, hash);
  }
  return safeEncodeString(std::to_string(hash));
}

std::optional<std::int32_t> scaledValue(const json::value& intOrPercent, std::int32_t total, bool roundUp) {
  if (intOrPercent.is_int64()) return static_cast<std::int32_t>(intOrPercent.get_int64());
  if (intOrPercent.is_uint64()) return static_cast<std::int32_t>(intOrPercent.get_uint64());
  if (!intOrPercent.is_string()) return std::nullopt;
  std::string_view text = intOrPercent.get_string();
  if (text.size() < 2 || text.back() != '%') return std::nullopt;
  std::optional<std::int64_t> percent = parseInt(text.substr(0, text.size() - 1));
  if (!percent) return std::nullopt;
  double value = static_cast<double>(*percent) * total / 100.0;
  return static_cast<std::int32_t>(roundUp ? std::ceil(value) : std::floor(value));
}

Fenceposts resolveFenceposts(const json::object& deployment) {
  Fenceposts posts;
  if (stringAt(deployment, {"spec", "strategy", "type"}, "RollingUpdate") != "RollingUpdate") return posts;
  std::int32_t replicas = replicasOf(deployment);
  const json::object* rolling = findObject(deployment, {"spec", "strategy", "rollingUpdate"});
  posts.maxSurge = scaledValue(defaultedIntOrString(rolling, "maxSurge"), replicas, true).value_or(0);
  posts.maxUnavailable =
      scaledValue(defaultedIntOrString(rolling, "maxUnavailable"), replicas, false).value_or(0);
  // Both resolving to zero would stall the rollout; upstream then allows one unavailable pod.
  if (posts.maxSurge == 0 && posts.maxUnavailable == 0) posts.maxUnavailable = 1;
  return posts;
}

bool isPodAvailable(const json::object& pod, std::int32_t minReadySeconds, TimePoint now) {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds == 0) return true;
  std::optional<TimePoint> since = readySince(pod);
  return since && *since + std::chrono::seconds(minReadySeconds) < now;
}

DeploymentSyncResult syncDeployment(const json::object& deployment,
                                    const std::vector<json::object>& replicaSets,
                                    const std::vector<json::object>& pods, TimePoint now) {
  return DeploymentPass(deployment, replicaSets, pods, now).run();
}

ReplicaSetSyncResult syncReplicaSet(const json::object& replicaSet, const std::vector<json::object>& pods,
                                    TimePoint now) {
  ReplicaSetSyncResult result;
  std::vector<const json::object*> activePods;
  for (const json::object& pod : pods) {
    if (isActive(pod)) activePods.push_back(&pod);
  }
  std::int32_t desired = replicasOf(replicaSet);
  std::int32_t minReady = static_cast<std::int32_t>(intAt(replicaSet, {"spec", "minReadySeconds"}, 0));
  std::int32_t diff = static_cast<std::int32_t>(activePods.size()) - desired;
  if (diff < 0) {
    result.podsToCreate = std::min(-diff, 500);  // burstReplicas
  } else if (diff > 0) {
    std::map<std::string, int> perNode;
    for (const json::object* pod : activePods) {
      std::string nodeName = stringAt(*pod, {"spec", "nodeName"});
      if (!nodeName.empty()) ++perNode[nodeName];
    }
    auto rank = [&](const json::object& pod) {
      std::string nodeName = stringAt(pod, {"spec", "nodeName"});
      return nodeName.empty() ? 0 : perNode[nodeName];
    };
    std::vector<const json::object*> ordered = activePods;
    std::sort(ordered.begin(), ordered.end(), [&](const json::object* a, const json::object* b) {
      bool assignedA = !stringAt(*a, {"spec", "nodeName"}).empty();
      bool assignedB = !stringAt(*b, {"spec", "nodeName"}).empty();
      if (assignedA != assignedB) return !assignedA;
      if (phaseOrdinal(*a) != phaseOrdinal(*b)) return phaseOrdinal(*a) < phaseOrdinal(*b);
      if (isPodReady(*a) != isPodReady(*b)) return !isPodReady(*a);
      if (deletionCost(*a) != deletionCost(*b)) return deletionCost(*a) < deletionCost(*b);
      if (rank(*a) != rank(*b)) return rank(*a) > rank(*b);
      if (isPodReady(*a) && isPodReady(*b)) {
        TimePoint ra = readySince(*a).value_or(TimePoint::max());
        TimePoint rb = readySince(*b).value_or(TimePoint::max());
        if (ra != rb) return ra > rb;  // most recently ready first
      }
      if (maxRestarts(*a) != maxRestarts(*b)) return maxRestarts(*a) > maxRestarts(*b);
      std::optional<TimePoint> ca = timeAt(*a, {"metadata", "creationTimestamp"});
      std::optional<TimePoint> cb = timeAt(*b, {"metadata", "creationTimestamp"});
      TimePoint ta = ca.value_or(TimePoint::max());
      TimePoint tb = cb.value_or(TimePoint::max());
      if (ta != tb) return ta > tb;  // youngest first
      return stringAt(*a, {"metadata", "name"}) < stringAt(*b, {"metadata", "name"});
    });
    for (std::int32_t i = 0; i < std::min<std::int32_t>(diff, 500); ++i) {
      result.podsToDelete.push_back(stringAt(*ordered[static_cast<std::size_t>(i)], {"metadata", "name"}));
    }
  }

  const json::object* templateLabels = findObject(replicaSet, {"spec", "template", "metadata", "labels"});
  std::int32_t fullyLabeled = 0;
  std::int32_t ready = 0;
  std::int32_t available = 0;
  std::optional<TimePoint> nextAvailable;
  for (const json::object* pod : activePods) {
    bool labeled = true;
    if (templateLabels != nullptr) {
      const json::object* labels = findObject(*pod, {"metadata", "labels"});
      for (const auto& member : *templateLabels) {
        if (labels == nullptr || !labels->contains(member.key()) ||
            labels->at(member.key()) != member.value()) {
          labeled = false;
          break;
        }
      }
    }
    if (labeled) ++fullyLabeled;
    if (!isPodReady(*pod)) continue;
    ++ready;
    if (isPodAvailable(*pod, minReady, now)) {
      ++available;
    } else if (std::optional<TimePoint> since = readySince(*pod)) {
      // Available once strictly past since + minReadySeconds: the next whole second on a second-granular
      // clock.
      TimePoint at = *since + std::chrono::seconds(minReady) + std::chrono::seconds(1);
      if (!nextAvailable || at < *nextAvailable) nextAvailable = at;
    }
  }
  json::object status;
  status["replicas"] = static_cast<std::int32_t>(activePods.size());
  if (fullyLabeled != 0) status["fullyLabeledReplicas"] = fullyLabeled;
  if (ready != 0) status["readyReplicas"] = ready;
  if (available != 0) status["availableReplicas"] = available;
  std::int64_t generation = intAt(replicaSet, {"metadata", "generation"}, 0);
  if (generation != 0) status["observedGeneration"] = generation;
  if (const json::array* conditions = findArray(replicaSet, {"status", "conditions"})) {
    json::array kept;
    for (const json::value& item : *conditions) {
      if (item.is_object() && stringAt(item.as_object(), {"type"}) != "ReplicaFailure") kept.push_back(item);
    }
    if (!kept.empty()) status["conditions"] = kept;
  }
  const json::object* previous = findObject(replicaSet, {"status"});
  result.statusChanged = previous == nullptr || normalized(*previous) != normalized(status);
  result.status = std::move(status);
  result.requeueAt = nextAvailable;
  return result;
}

json::object podFromReplicaSet(const json::object& replicaSet) {
  json::object metadata{{"generateName", stringAt(replicaSet, {"metadata", "name"}) + "-"},
                        {"namespace", stringAt(replicaSet, {"metadata", "namespace"})}};
  if (const json::object* labels = findObject(replicaSet, {"spec", "template", "metadata", "labels"})) {
    metadata["labels"] = *labels;
  }
  if (const json::object* annotations =
          findObject(replicaSet, {"spec", "template", "metadata", "annotations"})) {
    metadata["annotations"] = *annotations;
  }
  if (const json::array* finalizers = findArray(replicaSet, {"spec", "template", "metadata", "finalizers"})) {
    metadata["finalizers"] = *finalizers;
  }
  metadata["ownerReferences"] = json::array{json::object{{"apiVersion", "apps/v1"},
                                                         {"kind", "ReplicaSet"},
                                                         {"name", stringAt(replicaSet, {"metadata", "name"})},
                                                         {"uid", stringAt(replicaSet, {"metadata", "uid"})},
                                                         {"controller", true},
                                                         {"blockOwnerDeletion", true}}};
  json::object pod{{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", metadata}};
  if (const json::object* spec = findObject(replicaSet, {"spec", "template", "spec"})) pod["spec"] = *spec;
  return pod;
}

Event createdPodEvent(std::string_view podName) {
  return Event{"Normal", "SuccessfulCreate", fmt::format("Created pod: {}", podName)};
}

Event deletedPodEvent(std::string_view podName) {
  return Event{"Normal", "SuccessfulDelete", fmt::format("Deleted pod: {}", podName)};
}

RollbackResult rollbackTarget(const json::object& deployment, const std::vector<json::object>& replicaSets,
                              std::int64_t toRevision) {
  RollbackResult result;
  if (toRevision < 0) {
    result.error = fmt::format("unable to find specified revision {} in history", toRevision);
    return result;
  }
  if (boolAt(deployment, {"spec", "paused"})) {
    result.error =
        "you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try "
        "again";
    return result;
  }
  const json::object* target = nullptr;
  const json::object* latest = nullptr;
  const json::object* previous = nullptr;
  std::int64_t latestRevision = -1;
  std::int64_t previousRevision = -1;
  for (const json::object& rs : replicaSets) {
    std::optional<std::int64_t> revision = revisionOf(rs);
    if (!revision) continue;
    if (toRevision == 0) {
      if (latestRevision < *revision) {
        previousRevision = latestRevision;
        previous = latest;
        latestRevision = *revision;
        latest = &rs;
      } else if (previousRevision < *revision) {
        previousRevision = *revision;
        previous = &rs;
      }
    } else if (*revision == toRevision) {
      target = &rs;
      break;
    }
  }
  if (toRevision > 0 && target == nullptr) {
    result.error = fmt::format("unable to find specified revision {} in history", toRevision);
    return result;
  }
  if (toRevision == 0) {
    if (previous == nullptr) {
      result.error = fmt::format("no rollout history found for deployment \"{}\"",
                                 stringAt(deployment, {"metadata", "name"}));
      return result;
    }
    target = previous;
    toRevision = previousRevision;
  }
  const json::object* rsTemplate = findObject(*target, {"spec", "template"});
  const json::object* current = findObject(deployment, {"spec", "template"});
  json::object empty;
  if (equalIgnoreHash(rsTemplate != nullptr ? *rsTemplate : empty, current != nullptr ? *current : empty)) {
    result.skipped = true;
    result.message =
        fmt::format("skipped rollback (current template already matches revision {})", toRevision);
    return result;
  }
  result.podTemplate = withoutHashLabel(rsTemplate != nullptr ? *rsTemplate : empty);
  if (json::value* metadata = result.podTemplate.if_contains("metadata")) {
    if (json::value* labels = metadata->as_object().if_contains("labels");
        labels != nullptr && labels->is_object() && labels->as_object().empty()) {
      metadata->as_object().erase("labels");
    }
  }
  static const std::set<std::string, std::less<>> skip{"kubectl.kubernetes.io/last-applied-configuration",
                                                       std::string(kRevisionAnnotation),
                                                       std::string(kRevisionHistoryAnnotation),
                                                       std::string(kDesiredReplicasAnnotation),
                                                       std::string(kMaxReplicasAnnotation),
                                                       "deprecated.deployment.rollback.to"};
  if (const json::object* own = findObject(deployment, {"metadata", "annotations"})) {
    for (const auto& member : *own) {
      if (skip.count(member.key()) != 0) result.annotations[member.key()] = member.value();
    }
  }
  if (const json::object* fromRs = findObject(*target, {"metadata", "annotations"})) {
    for (const auto& member : *fromRs) {
      if (skip.count(member.key()) == 0) result.annotations[member.key()] = member.value();
    }
  }
  result.message = "rolled back";
  return result;
}

}  // namespace kubesim::controllers

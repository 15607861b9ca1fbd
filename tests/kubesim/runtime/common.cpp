// Shared helpers of the controller runtime (see common.h).
#include "common.h"

#include <fmt/format.h>

#include "../behaviour/support.h"
#include "../controllers/api_objects.h"
#include "../controllers/resource_quantity.h"
#include "../controllers/rollout.h"
#include "../selectors.h"

namespace kubesim::runtime {

json::object& objectAt(json::object& parent, std::string_view key) {
  json::value& value = parent[key];
  if (!value.is_object()) value = json::object{};
  return value.get_object();
}

json::array& arrayAt(json::object& parent, std::string_view key) {
  json::value& value = parent[key];
  if (!value.is_array()) value = json::array{};
  return value.get_array();
}

const json::object& labelsOf(const json::object& object) {
  static const json::object kNone;
  const json::object* meta = objectField(object, "metadata");
  const json::object* labels = meta ? objectField(*meta, "labels") : nullptr;
  return labels ? *labels : kNone;
}

std::optional<std::int64_t> quantityMilli(const json::value* value) {
  if (value == nullptr) return std::nullopt;
  if (value->is_string()) return controllers::parseQuantityMilli(value->get_string());
  if (value->is_int64()) return value->get_int64() * 1000;
  if (value->is_uint64()) return static_cast<std::int64_t>(value->get_uint64()) * 1000;
  if (value->is_double()) return static_cast<std::int64_t>(std::ceil(value->get_double() * 1000));
  return std::nullopt;
}

std::optional<std::int64_t> containerResource(const json::object& container, std::string_view kind,
                                              std::string_view resource) {
  return quantityMilli(controllers::find(container, {"resources", kind, resource}));
}

std::vector<json::object> listAll(const Store& store, const GroupResource& resource, std::string_view ns) {
  std::vector<json::object> out;
  if (!store.isRegistered(resource)) return out;
  ListOptions options;
  options.namespace_ = std::string(ns);
  for (const ObjectPtr& item : store.list(resource, options).items)
    out.push_back(*item);
  return out;
}

std::optional<json::object> getObject(const Store& store, const GroupResource& resource, std::string_view ns,
                                      std::string_view name) {
  if (!store.isRegistered(resource)) return std::nullopt;
  ObjectPtr object = store.get(resource, ns, name);
  if (!object) return std::nullopt;
  return *object;
}

const json::object* controllerRef(const json::object& object) {
  const json::array* refs = controllers::findArray(object, {"metadata", "ownerReferences"});
  if (refs == nullptr) return nullptr;
  for (const json::value& ref : *refs)
    if (ref.is_object() && controllers::boolAt(ref.get_object(), {"controller"})) return &ref.get_object();
  return nullptr;
}

bool controlledBy(const json::object& object, const json::object& owner, std::string_view ownerKind) {
  const json::object* ref = controllerRef(object);
  if (ref == nullptr || stringField(*ref, "kind") != ownerKind) return false;
  std::string_view uid = stringField(*ref, "uid");
  if (!uid.empty()) return uid == metaString(owner, "uid");
  return stringField(*ref, "name") == metaString(owner, "name");
}

json::object ownerReference(const json::object& owner, std::string_view apiVersion, std::string_view kind,
                            bool blockOwnerDeletion) {
  return json::object{
      {"apiVersion", apiVersion},        {"kind", kind},       {"name", metaString(owner, "name")},
      {"uid", metaString(owner, "uid")}, {"controller", true}, {"blockOwnerDeletion", blockOwnerDeletion}};
}

bool selectorMatches(const json::object* selector, const json::object& labels) {
  if (selector == nullptr) return false;
  try {
    LabelSelector parsed = LabelSelector::fromObject(*selector);
    return !parsed.empty() && parsed.matches(labels);
  } catch (const SelectorError&) {
    return false;
  }
}

bool mapSelectorMatches(const json::object* selector, const json::object& labels) {
  if (selector == nullptr || selector->empty()) return false;
  for (const auto& member : *selector) {
    auto it = labels.find(member.key());
    if (it == labels.end() || it->value() != member.value()) return false;
  }
  return true;
}

json::object podFromTemplate(const json::object& owner, std::string_view ownerKind,
                             const json::object& podTemplate) {
  // The ReplicaSet controller's templating, with the owner's identity and kind.
  json::object shell{{"metadata", json::object{{"name", metaString(owner, "name")},
                                               {"namespace", metaString(owner, "namespace")},
                                               {"uid", metaString(owner, "uid")}}},
                     {"spec", json::object{{"template", podTemplate}}}};
  json::object pod = controllers::podFromReplicaSet(shell);
  metadataOf(pod)["ownerReferences"] = json::array{ownerReference(owner, "apps/v1", ownerKind)};
  return pod;
}

std::optional<TimePoint> podAvailableAt(const json::object& pod, std::int64_t minReadySeconds) {
  const json::object* condition = controllers::findCondition(pod, "Ready");
  if (condition == nullptr || stringField(*condition, "status") != "True") return std::nullopt;
  TimePoint since = controllers::timeAt(*condition, {"lastTransitionTime"}).value_or(TimePoint{});
  if (minReadySeconds == 0) return since;
  // Strictly past since + minReadySeconds: the next whole second.
  return since + Seconds(minReadySeconds) + Seconds(1);
}

std::optional<TimePoint> RetryBackOff::waitingUntil(const std::string& key, TimePoint now) const {
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.retryAt <= now) return std::nullopt;
  return it->second.retryAt;
}

TimePoint RetryBackOff::failed(const std::string& key, TimePoint now) {
  Entry& entry = entries_[key];
  entry.delay =
      entry.delay.count() == 0 ? Duration(Seconds(1)) : std::min<Duration>(entry.delay * 2, Seconds(1000));
  entry.retryAt = now + entry.delay;
  return entry.retryAt;
}

std::string podPhase(const json::object& pod) {
  return controllers::stringAt(pod, {"status", "phase"});
}

bool isTerminal(const json::object& pod) {
  std::string phase = podPhase(pod);
  return phase == "Succeeded" || phase == "Failed";
}

bool isTerminating(const json::object& pod) {
  return !metaString(pod, "deletionTimestamp").empty();
}

bool isPodReady(const json::object& pod) {
  const json::object* condition = controllers::findCondition(pod, "Ready");
  return condition != nullptr && stringField(*condition, "status") == "True";
}

std::vector<const json::object*> containersOf(const json::object& pod, std::string_view key) {
  std::vector<const json::object*> out;
  if (const json::array* list = controllers::findArray(pod, {"spec", key}))
    for (const json::value& item : *list)
      if (item.is_object()) out.push_back(&item.get_object());
  return out;
}

const json::object* conditionOf(const json::object& status, std::string_view type) {
  auto it = status.find("conditions");
  if (it == status.end() || !it->value().is_array()) return nullptr;
  for (const json::value& item : it->value().get_array())
    if (item.is_object() && stringField(item.get_object(), "type") == type) return &item.get_object();
  return nullptr;
}

bool setCondition(json::object& status, std::string_view type, std::string_view conditionStatus,
                  std::string_view reason, std::string_view message, TimePoint now, bool withProbeTime) {
  json::array& conditions = arrayAt(status, "conditions");
  json::object* existing = nullptr;
  for (json::value& item : conditions)
    if (item.is_object() && stringField(item.get_object(), "type") == type) existing = &item.get_object();
  json::object next;
  next["type"] = type;
  next["status"] = conditionStatus;
  if (withProbeTime) next["lastProbeTime"] = nullptr;
  std::string transition = formatTime(now);
  if (existing && stringField(*existing, "status") == conditionStatus) {
    std::string_view kept = stringField(*existing, "lastTransitionTime");
    if (!kept.empty()) transition = std::string(kept);
  }
  next["lastTransitionTime"] = transition;
  if (!reason.empty()) next["reason"] = reason;
  if (!message.empty()) next["message"] = message;
  if (existing) {
    if (*existing == next) return false;
    *existing = std::move(next);
    return true;
  }
  conditions.push_back(std::move(next));
  return true;
}

std::string formatQuantity(std::int64_t milli, bool binary) {
  if (binary && milli >= 0 && milli % 1000 == 0) {
    std::int64_t value = milli / 1000;
    static constexpr std::string_view kSuffixes[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    std::size_t power = 0;
    while (value != 0 && value % 1024 == 0 && power + 1 < std::size(kSuffixes)) {
      value /= 1024;
      ++power;
    }
    // Values below 1Ki, or not whole multiples of it, print as plain integers in BinarySI.
    if (power > 0 || milli / 1000 < 1024) return fmt::format("{}{}", value, kSuffixes[power]);
  }
  return controllers::formatMilliDecimalSI(milli);
}

std::string hexId(std::string_view seed, std::size_t length) {
  std::string out;
  std::uint64_t state = behaviour::hash64(seed);
  while (out.size() < length) {
    state = behaviour::mix64(state + 0x9e3779b97f4a7c15ull);
    out += fmt::format("{:016x}", state);
  }
  out.resize(length);
  return out;
}

std::string goDuration(Duration duration) {
  return controllers::goDuration(duration);
}

}  // namespace kubesim::runtime

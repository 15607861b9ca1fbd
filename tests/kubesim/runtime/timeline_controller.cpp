// The scenario timeline applied to the cluster (see timeline_controller.h).
#include "timeline_controller.h"

#include <fmt/format.h>

#include <stdexcept>

#include "../controllers/api_objects.h"
#include "../errors.h"

namespace kubesim::runtime {

namespace {

struct PressureText {
  std::string_view condition;
  std::string_view trueReason, trueMessage, trueEvent;
  std::string_view falseReason, falseMessage, falseEvent;
};
constexpr PressureText kPressures[] = {
    {"MemoryPressure", "KubeletHasInsufficientMemory", "kubelet has insufficient memory available",
     "NodeHasInsufficientMemory", "KubeletHasSufficientMemory", "kubelet has sufficient memory available",
     "NodeHasSufficientMemory"},
    {"DiskPressure", "KubeletHasDiskPressure", "kubelet has disk pressure", "NodeHasDiskPressure",
     "KubeletHasNoDiskPressure", "kubelet has no disk pressure", "NodeHasNoDiskPressure"},
    {"PIDPressure", "KubeletHasInsufficientPID", "kubelet has insufficient PID available",
     "NodeHasInsufficientPID", "KubeletHasSufficientPID", "kubelet has sufficient PID available",
     "NodeHasSufficientPID"},
};

std::string nsOr(const std::string& ns) {
  return ns.empty() ? "default" : ns;
}

// A label selector of an action; a malformed one is the caller's error, worded as the API words it.
LabelSelector selectorOf(const std::string& text) {
  try {
    return LabelSelector::parse(text);
  } catch (const SelectorError& e) {
    throw badRequest(fmt::format("unable to parse selector \"{}\": {}", text, e.what()));
  }
}

}  // namespace

std::optional<TimePoint> TimelineController::nextDue() const {
  std::optional<Duration> at = ctx_.world.timeline().nextAt(applied_);
  if (!at) return std::nullopt;
  return ctx_.world.scenarioStart() + std::chrono::duration_cast<TimePoint::duration>(*at);
}

void TimelineController::sync(TimePoint now) {
  Duration to = std::chrono::duration_cast<Duration>(now - ctx_.world.scenarioStart()) + Duration{1};
  if (to <= applied_) return;
  std::vector<behaviour::TimelineEntry> due = ctx_.world.timeline().dueBetween(applied_, to);
  applied_ = to;
  for (const behaviour::TimelineEntry& entry : due) {
    try {
      apply(entry.action, now);
    } catch (const std::exception& e) {
      ctx_.report(fmt::format("{}: {}: {}", entry.where, behaviour::actionName(entry.action), e.what()));
    }
  }
}

void TimelineController::apply(const behaviour::TimelineAction& action, TimePoint now) {
  Store& store = ctx_.store;
  UpdateOptions all{UpdateScope::All, false};
  if (const auto* a = std::get_if<behaviour::SetLoad>(&action)) {
    ctx_.world.load().setLoad(nsOr(a->namespace_), a->service, a->rps,
                              std::chrono::duration_cast<Duration>(now - ctx_.world.scenarioStart()));
    return;
  }
  if (const auto* a = std::get_if<behaviour::KillPod>(&action)) {
    std::string ns = nsOr(a->namespace_);
    if (!a->name.empty()) {
      if (!store.get(gr::pods, ns, a->name)) throw notFound(gr::pods, a->name);
      store.remove(gr::pods, ns, a->name);
      return;
    }
    LabelSelector selector = selectorOf(a->selector);
    for (const json::object& pod : listAll(store, gr::pods, ns))
      if (!isTerminating(pod) && selector.matches(labelsOf(pod)))
        store.remove(gr::pods, ns, metaString(pod, "name"));
    return;
  }
  if (const auto* a = std::get_if<behaviour::NodePressure>(&action)) {
    const PressureText* text = nullptr;
    for (const PressureText& p : kPressures)
      if (p.condition == a->condition) text = &p;
    if (text == nullptr) throw badRequest(fmt::format("unknown node condition {}", a->condition));
    if (!store.get(gr::nodes, "", a->node)) throw notFound(gr::nodes, a->node);
    std::string_view reason = a->status ? text->trueReason : text->falseReason;
    std::string_view message = a->status ? text->trueMessage : text->falseMessage;
    bool changed = false;
    store.modify(
        gr::nodes, "", a->node,
        [&](const json::object& current) {
          json::object next = current;
          json::object& status = objectAt(next, "status");
          const json::object* before = conditionOf(status, text->condition);
          changed = before == nullptr || stringField(*before, "status") != (a->status ? "True" : "False");
          setCondition(status, text->condition, a->status ? "True" : "False", reason, message, now);
          for (json::value& c : arrayAt(status, "conditions"))
            if (c.is_object() && stringField(c.get_object(), "type") == text->condition)
              c.get_object()["lastHeartbeatTime"] = formatTime(now);
          return next;
        },
        all);
    if (changed) {
      // The kubelet refers to its node by name, uid included, which `kubectl describe node` expects.
      ObjectReference ref{"", "Node", "", a->node, a->node, "", ""};
      std::string event(a->status ? text->trueEvent : text->falseEvent);
      ctx_.events.record(ref, EventSource{"kubelet", a->node},
                         {"Normal", event, fmt::format("Node {} status is now: {}", a->node, event)}, now);
    }
    return;
  }
  if (const auto* a = std::get_if<behaviour::BadImage>(&action)) {
    std::string ns = nsOr(a->namespace_);
    if (a->deployment.empty()) {
      ctx_.world.markImageBad(a->image);
      return;
    }
    // Checked before anything changes, so an action that cannot apply leaves the cluster alone.
    std::optional<json::object> deployment = getObject(store, gr::deployments, ns, a->deployment);
    if (!deployment) throw notFound(gr::deployments, a->deployment);
    bool found = false;
    if (const json::array* containers =
            controllers::findArray(*deployment, {"spec", "template", "spec", "containers"}))
      for (const json::value& c : *containers)
        found = found || (c.is_object() &&
                          (a->container.empty() || stringField(c.get_object(), "name") == a->container));
    if (!found)
      throw badRequest(fmt::format("deployment {} has no container {}", a->deployment, a->container));
    ctx_.world.markImageBad(a->image);
    store.modify(
        gr::deployments, ns, a->deployment,
        [&](const json::object& current) {
          json::object next = current;
          json::object& spec = objectAt(objectAt(objectAt(next, "spec"), "template"), "spec");
          json::array& containers = arrayAt(spec, "containers");
          for (json::value& c : containers) {
            if (!c.is_object()) continue;
            if (a->container.empty() || stringField(c.get_object(), "name") == a->container) {
              c.get_object()["image"] = a->image;
              return next;
            }
          }
          throw std::runtime_error(
              fmt::format("deployment {} has no container {}", a->deployment, a->container));
        },
        all);
    return;
  }
  if (const auto* a = std::get_if<behaviour::RemoveConfigMapKey>(&action)) {
    std::string ns = nsOr(a->namespace_);
    if (!store.get(gr::configMaps, ns, a->name)) throw notFound(gr::configMaps, a->name);
    store.modify(
        gr::configMaps, ns, a->name,
        [&](const json::object& current) {
          json::object next = current;
          for (std::string_view field : {"data", "binaryData"})
            if (json::object* data = objectField(next, field)) data->erase(a->key);
          return next;
        },
        all);
    return;
  }
  if (const auto* a = std::get_if<behaviour::SetProfile>(&action)) {
    if (ctx_.world.profiles().byName(a->profile) == nullptr)
      throw badRequest(fmt::format("no behaviour profile named {}", a->profile));
    World::ProfileRule rule;
    // An image rule is cluster-wide; the parser fills in a namespace for every action.
    rule.namespace_ = a->image.empty() ? nsOr(a->namespace_) : std::string();
    rule.profile = a->profile;
    if (!a->pod.empty()) {
      rule.pod = a->pod;
    } else if (!a->deployment.empty()) {
      std::optional<json::object> deployment =
          getObject(store, gr::deployments, rule.namespace_, a->deployment);
      if (!deployment) throw notFound(gr::deployments, a->deployment);
      const json::object* selector = controllers::findObject(*deployment, {"spec", "selector"});
      if (selector == nullptr) throw badRequest(fmt::format("deployment {} has no selector", a->deployment));
      rule.selector = LabelSelector::fromObject(*selector);
    } else if (!a->selector.empty()) {
      rule.selector = selectorOf(a->selector);
    } else {
      rule.image = a->image;
    }
    ctx_.world.addProfileRule(std::move(rule));
  }
}

}  // namespace kubesim::runtime

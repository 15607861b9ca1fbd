// Parsing a scenario timeline and picking the actions due in an interval of virtual time.
#include "timeline.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "document.h"

namespace kubesim::behaviour {

namespace {

std::string namespaceOf(const Fields& entry, const std::string& fallback) {
  std::string ns = entry.string("namespace").value_or(fallback);
  return ns.empty() ? "default" : ns;
}

TimelineAction parseAction(const Fields& e, const std::string& action, const std::string& defaultNamespace) {
  if (action == "setLoad") {
    e.allowOnly({"at", "action", "namespace", "service", "rps"});
    if (!e.has("rps")) e.failHere("rps is required");
    return SetLoad{namespaceOf(e, defaultNamespace), e.requiredString("service"),
                   e.number("rps", 0, 0, std::numeric_limits<double>::infinity())};
  }
  if (action == "killPod") {
    e.allowOnly({"at", "action", "namespace", "name", "selector"});
    KillPod kill{namespaceOf(e, defaultNamespace), e.string("name").value_or(""),
                 e.string("selector").value_or("")};
    if (kill.name.empty() == kill.selector.empty())
      e.failHere("killPod needs exactly one of name and selector");
    return kill;
  }
  if (action == "nodePressure") {
    e.allowOnly({"at", "action", "node", "condition", "status"});
    NodePressure pressure{e.requiredString("node"), e.requiredString("condition"), true};
    if (pressure.condition != "MemoryPressure" && pressure.condition != "DiskPressure" &&
        pressure.condition != "PIDPressure") {
      e.fail("condition",
             "must be MemoryPressure, DiskPressure or PIDPressure, not \"" + pressure.condition + "\"");
    }
    if (const boost::json::value* status = e.raw("status")) {
      if (status->is_bool()) {
        pressure.status = status->get_bool();
      } else if (status->is_string() && (status->get_string() == "True" || status->get_string() == "False")) {
        pressure.status = status->get_string() == "True";
      } else {
        e.fail("status", "must be \"True\" or \"False\", not " + describe(*status));
      }
    }
    return pressure;
  }
  if (action == "badImage") {
    e.allowOnly({"at", "action", "namespace", "deployment", "container", "image"});
    return BadImage{namespaceOf(e, defaultNamespace), e.requiredString("deployment"),
                    e.string("container").value_or(""), e.requiredString("image")};
  }
  if (action == "removeConfigMapKey") {
    e.allowOnly({"at", "action", "namespace", "name", "key"});
    return RemoveConfigMapKey{namespaceOf(e, defaultNamespace), e.requiredString("name"),
                              e.requiredString("key")};
  }
  if (action == "setProfile") {
    e.allowOnly({"at", "action", "namespace", "pod", "deployment", "selector", "image", "profile"});
    SetProfile set{namespaceOf(e, defaultNamespace),    e.string("pod").value_or(""),
                   e.string("deployment").value_or(""), e.string("selector").value_or(""),
                   e.string("image").value_or(""),      e.requiredString("profile")};
    int targets = !set.pod.empty() + !set.deployment.empty() + !set.selector.empty() + !set.image.empty();
    if (targets != 1) e.failHere("setProfile needs exactly one of pod, deployment, selector and image");
    return set;
  }
  e.fail("action",
         "unknown action \"" + action +
             "\" (expected setLoad, killPod, nodePressure, badImage, removeConfigMapKey or setProfile)");
}

}  // namespace

std::string actionName(const TimelineAction& action) {
  static const char* const kNames[] = {
      "setLoad", "killPod", "nodePressure", "badImage", "removeConfigMapKey", "setProfile"};
  return kNames[action.index()];
}

std::vector<TimelineEntry> parseTimeline(const ScenarioDocument& document) {
  Fields f(document, "Timeline");
  f.allowOnly({"name", "metadata", "namespace", "entries"});
  std::string defaultNamespace = f.string("namespace").value_or("default");
  if (!f.has("entries")) f.failHere("entries is required");
  std::vector<TimelineEntry> entries;
  for (const Fields& e : f.objects("entries")) {
    std::optional<Duration> at = e.duration("at");
    if (!at) e.failHere("at is required");
    if (at->count() < 0) e.fail("at", "must not be negative, not " + formatDuration(*at));
    std::string action = e.requiredString("action");
    entries.push_back({*at, parseAction(e, action, defaultNamespace), e.where()});
  }
  return entries;
}

TimelineAction parseTimelineAction(const boost::json::object& body) {
  // A document without a file or line: Fields' errors then start with ": <label>: ", which goes.
  const std::string label = "action";
  const std::string prefix = ": " + label + ": ";
  ScenarioDocument document{"Timeline", body, "", 0, {}};
  try {
    Fields e(document, label);
    if (e.has("at")) e.fail("at", "not allowed here: the action is applied at once");
    std::string action = e.requiredString("action");
    return parseAction(e, action, "default");
  } catch (const StateError& error) {
    std::string message = error.what();
    if (message.starts_with(prefix)) message.erase(0, prefix.size());
    throw StateError(message);
  }
}

boost::json::object actionToJson(const TimelineAction& action) {
  boost::json::object out{{"action", actionName(action)}};
  auto put = [&](std::string_view key, const std::string& value) {
    if (!value.empty()) out[key] = value;
  };
  if (const auto* a = std::get_if<SetLoad>(&action)) {
    put("namespace", a->namespace_);
    put("service", a->service);
    // A whole rate as an integer (200, not 2E2).
    if (a->rps == std::floor(a->rps) && a->rps < 1e15)
      out["rps"] = static_cast<std::int64_t>(a->rps);
    else
      out["rps"] = a->rps;
  } else if (const auto* k = std::get_if<KillPod>(&action)) {
    put("namespace", k->namespace_);
    put("name", k->name);
    put("selector", k->selector);
  } else if (const auto* n = std::get_if<NodePressure>(&action)) {
    put("node", n->node);
    put("condition", n->condition);
    out["status"] = n->status ? "True" : "False";
  } else if (const auto* b = std::get_if<BadImage>(&action)) {
    put("namespace", b->namespace_);
    put("deployment", b->deployment);
    put("container", b->container);
    put("image", b->image);
  } else if (const auto* r = std::get_if<RemoveConfigMapKey>(&action)) {
    put("namespace", r->namespace_);
    put("name", r->name);
    put("key", r->key);
  } else if (const auto* p = std::get_if<SetProfile>(&action)) {
    if (p->image.empty()) put("namespace", p->namespace_);
    put("pod", p->pod);
    put("deployment", p->deployment);
    put("selector", p->selector);
    put("image", p->image);
    put("profile", p->profile);
  }
  return out;
}

Timeline::Timeline(std::vector<TimelineEntry> entries) : entries_(std::move(entries)) {
  std::stable_sort(entries_.begin(), entries_.end(),
                   [](const TimelineEntry& a, const TimelineEntry& b) { return a.at < b.at; });
}

std::vector<TimelineEntry> Timeline::dueBetween(Duration from, Duration to) const {
  std::vector<TimelineEntry> due;
  for (const auto& entry : entries_) {
    if (entry.at >= from && entry.at < to) due.push_back(entry);
  }
  return due;
}

std::optional<Duration> Timeline::nextAt(Duration from) const {
  for (const auto& entry : entries_) {
    if (entry.at >= from) return entry.at;
  }
  return std::nullopt;
}

}  // namespace kubesim::behaviour

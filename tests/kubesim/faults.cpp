// Fault injection: parsing fault specs and deciding, per request, which faults hit it.
#include "faults.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "behaviour/support.h"

namespace kubesim {

namespace json = boost::json;

namespace {

const std::vector<std::string> kVerbs = {
    "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "proxy"};

[[noreturn]] void fail(const std::string& field, const std::string& problem) {
  throw std::invalid_argument(field + ": " + problem);
}

std::string describe(const json::value& v) {
  return json::serialize(v);
}

int integerField(const json::value& v, const std::string& field, int min, int max) {
  std::int64_t n = 0;
  if (v.is_int64())
    n = v.get_int64();
  else if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(max))
    n = static_cast<std::int64_t>(v.get_uint64());
  else if (v.is_double() && std::floor(v.get_double()) == v.get_double() && std::abs(v.get_double()) < 1e9)
    n = static_cast<std::int64_t>(v.get_double());
  else
    fail(field, "must be an integer, not " + describe(v));
  if (n < min || n > max) fail(field, fmt::format("must be between {} and {}, not {}", min, max, n));
  return static_cast<int>(n);
}

std::chrono::milliseconds durationField(const json::value& v, const std::string& field) {
  std::optional<behaviour::Duration> d;
  if (v.is_string())
    d = behaviour::parseDuration(v.get_string());
  else if (v.is_number())
    d = behaviour::fromSeconds(v.to_number<double>());
  if (!d || d->count() < 0)
    fail(field, "must be a duration such as \"250ms\" or \"10s\", not " + describe(v));
  return std::chrono::duration_cast<std::chrono::milliseconds>(*d);
}

std::string stringOf(const json::value& v, const std::string& field) {
  if (!v.is_string()) fail(field, "must be a string, not " + describe(v));
  return std::string(v.get_string());
}

void checkKeys(const json::object& o, const std::string& prefix,
               std::initializer_list<std::string_view> known) {
  for (const auto& kv : o) {
    bool ok = false;
    for (std::string_view k : known)
      ok = ok || kv.key() == k;
    if (!ok) fail(prefix + std::string(kv.key()), "unknown field");
  }
}

std::string defaultMessage(int code) {
  switch (code) {
    case 429:
      return "Too many requests, please try again later.";
    case 403:
      return "injected fault";
    case 503:
      return "the server is currently unable to handle the request";
    default:
      return "injected fault";
  }
}

}  // namespace

FaultSpec faultFromJson(const json::object& body) {
  FaultSpec spec;
  checkKeys(body, "",
            {"apiVersion", "kind", "metadata", "name", "path", "pathRegex", "verbs", "error", "latency",
             "dropWatch", "probability", "count", "id", "fired", "remaining"});
  if (auto* v = body.if_contains("name")) spec.name = stringOf(*v, "name");
  if (auto* meta = body.if_contains("metadata"); meta && meta->is_object() && spec.name.empty())
    if (auto* n = meta->get_object().if_contains("name")) spec.name = stringOf(*n, "metadata.name");
  if (auto* v = body.if_contains("path")) spec.path = stringOf(*v, "path");
  if (auto* v = body.if_contains("pathRegex")) spec.pathRegex = stringOf(*v, "pathRegex");
  if (spec.path.empty() == spec.pathRegex.empty()) fail("path", "give exactly one of path and pathRegex");
  if (!spec.path.empty() && spec.path.front() != '/') fail("path", "must start with \"/\", not " + spec.path);
  if (!spec.pathRegex.empty()) {
    try {
      std::regex check(spec.pathRegex);
    } catch (const std::regex_error& e) {
      fail("pathRegex", std::string("invalid regular expression: ") + e.what());
    }
  }
  if (auto* v = body.if_contains("verbs")) {
    if (!v->is_array()) fail("verbs", "must be a list of verbs, not " + describe(*v));
    for (const json::value& verb : v->get_array()) {
      std::string s = stringOf(verb, "verbs");
      if (std::find(kVerbs.begin(), kVerbs.end(), s) == kVerbs.end())
        fail("verbs", fmt::format("unknown verb \"{}\" (expected one of {})", s, fmt::join(kVerbs, ", ")));
      spec.verbs.push_back(s);
    }
  }
  if (auto* v = body.if_contains("error")) {
    if (!v->is_object()) fail("error", "must be an object with code, message and retryAfterSeconds");
    const json::object& e = v->get_object();
    checkKeys(e, "error.", {"code", "message", "retryAfterSeconds"});
    const json::value* code = e.if_contains("code");
    if (!code) fail("error.code", "required");
    spec.errorCode = integerField(*code, "error.code", 400, 599);
    if (auto* m = e.if_contains("message")) spec.errorMessage = stringOf(*m, "error.message");
    if (auto* r = e.if_contains("retryAfterSeconds"))
      spec.retryAfterSeconds = integerField(*r, "error.retryAfterSeconds", 0, 86400);
    if (spec.errorMessage.empty()) spec.errorMessage = defaultMessage(*spec.errorCode);
  }
  if (auto* v = body.if_contains("latency")) spec.latency = durationField(*v, "latency");
  if (auto* v = body.if_contains("dropWatch")) {
    if (!v->is_object()) fail("dropWatch", "must be an object with afterEvents and/or after");
    const json::object& d = v->get_object();
    checkKeys(d, "dropWatch.", {"afterEvents", "after"});
    if (auto* n = d.if_contains("afterEvents"))
      spec.dropWatchAfterEvents = integerField(*n, "dropWatch.afterEvents", 0, 1000000000);
    if (auto* t = d.if_contains("after")) spec.dropWatchAfter = durationField(*t, "dropWatch.after");
    if (!spec.dropWatchAfterEvents && !spec.dropWatchAfter)
      fail("dropWatch", "give afterEvents, after, or both");
  }
  if (auto* v = body.if_contains("probability")) {
    if (!v->is_number()) fail("probability", "must be a number between 0 and 1, not " + describe(*v));
    spec.probability = v->to_number<double>();
    if (!(spec.probability >= 0 && spec.probability <= 1))
      fail("probability", fmt::format("must be between 0 and 1, not {}", spec.probability));
  }
  if (auto* v = body.if_contains("count")) spec.count = integerField(*v, "count", 1, 1000000000);
  if (!spec.errorCode && spec.latency.count() == 0 && !spec.dropWatchAfterEvents && !spec.dropWatchAfter)
    fail("error", "a fault needs at least one of error, latency and dropWatch");
  return spec;
}

json::object faultToJson(const ActiveFault& fault) {
  const FaultSpec& s = fault.spec;
  json::object o;
  o["id"] = fault.id;
  if (!s.name.empty()) o["name"] = s.name;
  if (!s.path.empty()) o["path"] = s.path;
  if (!s.pathRegex.empty()) o["pathRegex"] = s.pathRegex;
  if (!s.verbs.empty()) {
    json::array verbs;
    for (const std::string& v : s.verbs)
      verbs.push_back(json::string(v));
    o["verbs"] = std::move(verbs);
  }
  if (s.errorCode) {
    json::object e{{"code", *s.errorCode}, {"message", s.errorMessage}};
    if (s.retryAfterSeconds) e["retryAfterSeconds"] = *s.retryAfterSeconds;
    o["error"] = std::move(e);
  }
  if (s.latency.count() > 0) o["latency"] = behaviour::formatDuration(s.latency);
  if (s.dropWatchAfterEvents || s.dropWatchAfter) {
    json::object d;
    if (s.dropWatchAfterEvents) d["afterEvents"] = *s.dropWatchAfterEvents;
    if (s.dropWatchAfter) d["after"] = behaviour::formatDuration(*s.dropWatchAfter);
    o["dropWatch"] = std::move(d);
  }
  o["probability"] = s.probability;
  if (s.count) {
    o["count"] = *s.count;
    o["remaining"] = std::max(0, *s.count - fault.fired);
  }
  o["fired"] = fault.fired;
  return o;
}

std::vector<FaultSpec> parseFaultDocuments(const std::vector<ScenarioDocument>& documents) {
  std::vector<FaultSpec> out;
  for (const ScenarioDocument& document : documents) {
    json::object body = document.body;
    body.erase("apiVersion");
    body.erase("kind");
    std::string name;
    if (auto* n = body.if_contains("name"); n && n->is_string()) name = std::string(n->get_string());
    try {
      out.push_back(faultFromJson(body));
    } catch (const std::invalid_argument& e) {
      // Point at the offending field's line when the loader recorded it.
      std::string message = e.what();
      std::string field = message.substr(0, message.find(':'));
      std::string pointer = "/" + field;
      std::replace(pointer.begin(), pointer.end(), '.', '/');
      int line = document.line;
      if (auto it = document.lines.find(pointer); it != document.lines.end()) line = it->second;
      throw StateError(
          fmt::format("{}:{}: Fault{}: {}", document.file, line, name.empty() ? "" : " " + name, message));
    }
  }
  return out;
}

FaultSet::FaultSet(std::uint64_t seed) : random_(seed) {}

int FaultSet::add(FaultSpec spec) {
  Entry entry;
  if (!spec.pathRegex.empty()) {
    try {
      entry.regex.emplace(spec.pathRegex);
    } catch (const std::regex_error& e) {
      throw std::invalid_argument(std::string("pathRegex: invalid regular expression: ") + e.what());
    }
  }
  std::lock_guard lock(mutex_);
  entry.fault.id = nextId_++;
  entry.fault.spec = std::move(spec);
  entries_.push_back(std::move(entry));
  return entries_.back().fault.id;
}

bool FaultSet::remove(int id) {
  std::lock_guard lock(mutex_);
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.fault.id == id; });
  if (it == entries_.end()) return false;
  entries_.erase(it);
  return true;
}

void FaultSet::clear() {
  std::lock_guard lock(mutex_);
  entries_.clear();
}

std::vector<ActiveFault> FaultSet::list() const {
  std::lock_guard lock(mutex_);
  std::vector<ActiveFault> out;
  for (const Entry& e : entries_)
    out.push_back(e.fault);
  return out;
}

bool FaultSet::empty() const {
  std::lock_guard lock(mutex_);
  return entries_.empty();
}

FaultOutcome FaultSet::hit(std::string_view path, std::string_view verb) {
  FaultOutcome outcome;
  std::lock_guard lock(mutex_);
  for (Entry& entry : entries_) {
    ActiveFault& f = entry.fault;
    const FaultSpec& s = f.spec;
    if (s.count && f.fired >= *s.count) continue;
    if (!s.verbs.empty() && std::find(s.verbs.begin(), s.verbs.end(), verb) == s.verbs.end()) continue;
    // A fault that only cuts streams spends its count on watches alone.
    bool onlyDrops = !s.errorCode && s.latency.count() == 0;
    if (onlyDrops && verb != "watch") continue;
    bool matches =
        entry.regex ? std::regex_match(path.begin(), path.end(), *entry.regex) : path.starts_with(s.path);
    if (!matches) continue;
    if (s.probability < 1 && std::uniform_real_distribution<double>(0, 1)(random_) >= s.probability) continue;
    ++f.fired;
    outcome.latency += s.latency;
    if (s.errorCode && !outcome.errorCode) {
      outcome.errorCode = s.errorCode;
      outcome.errorMessage = s.errorMessage;
      outcome.retryAfterSeconds = s.retryAfterSeconds;
    }
    if (s.dropWatchAfterEvents &&
        (!outcome.dropWatchAfterEvents || *s.dropWatchAfterEvents < *outcome.dropWatchAfterEvents))
      outcome.dropWatchAfterEvents = s.dropWatchAfterEvents;
    if (s.dropWatchAfter && (!outcome.dropWatchAfter || *s.dropWatchAfter < *outcome.dropWatchAfter))
      outcome.dropWatchAfter = s.dropWatchAfter;
  }
  return outcome;
}

}  // namespace kubesim

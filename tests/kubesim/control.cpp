// kubesim's control endpoints for tests (/kubesim/v1/clock, /kubesim/v1/faults, /kubesim/v1/actions;
// cluster-admin only, through the same RBAC as every non-resource path), the faults applied to ordinary
// requests, and metrics.k8s.io served from the ResourceMetrics hook.
#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <thread>

#include "api.h"
#include "codec.h"
#include "errors.h"

namespace kubesim {

namespace json = boost::json;

namespace {

HttpResponse jsonResponse(int status, const json::value& body) {
  HttpResponse r;
  r.status = status;
  r.body = toJson(body);
  return r;
}

json::object parseBody(const std::string& body) {
  if (body.empty()) return {};
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) throw badRequest("the request body must be a JSON object");
  return std::move(v.get_object());
}

std::string reasonFor(int code) {
  switch (code) {
    case 400:
      return "BadRequest";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "NotFound";
    case 405:
      return "MethodNotAllowed";
    case 409:
      return "Conflict";
    case 410:
      return "Expired";
    case 422:
      return "Invalid";
    case 429:
      return "TooManyRequests";
    case 500:
      return "InternalError";
    case 503:
      return "ServiceUnavailable";
    case 504:
      return "Timeout";
    default:
      return "";
  }
}

}  // namespace

HttpResponse ApiServer::serveControl(Call& call) {
  std::string path = call.http.path;
  if (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path == "/kubesim/v1/clock") return serveClockControl(call);
  if (path == "/kubesim/v1/faults" || path.starts_with("/kubesim/v1/faults/")) return serveFaultControl(call);
  if (path == "/kubesim/v1/actions") return serveActionControl(call);
  throw pathNotFound();
}

HttpResponse ApiServer::serveActionControl(Call& call) {
  if (call.http.method != "POST" && call.http.method != "PUT") throw methodNotAllowed();
  if (!hooks_.actions)
    throw ApiError(404, "NotFound", "this kubesim runs no controllers (start it with --controllers on)");
  behaviour::TimelineAction action;
  try {
    action = behaviour::parseTimelineAction(parseBody(call.http.body));
  } catch (const StateError& e) {
    throw badRequest(std::string("invalid action: ") + e.what());
  }
  hooks_.actions->apply(action);
  json::object body = behaviour::actionToJson(action);
  if (hooks_.clock) body["appliedAt"] = behaviour::formatMicroTime(hooks_.clock->now());
  return jsonResponse(200, body);
}

HttpResponse ApiServer::serveClockControl(Call& call) {
  behaviour::VirtualClock* clock = hooks_.clock;
  if (!clock) throw ApiError(404, "NotFound", "this kubesim runs on the real clock");
  const std::string& method = call.http.method;
  if (method == "POST" || method == "PUT" || method == "PATCH") {
    json::object body = parseBody(call.http.body);
    for (const auto& kv : body)
      if (kv.key() != "advance" && kv.key() != "advanceTo" && kv.key() != "freeze" && kv.key() != "scale")
        throw badRequest(fmt::format("unknown field \"{}\" (expected advance, advanceTo, freeze or scale)",
                                     std::string_view(kv.key())));
    // Check everything before changing anything, so a bad request leaves the clock alone.
    std::optional<behaviour::Duration> advance;
    std::optional<behaviour::TimePoint> advanceTo;
    std::optional<bool> freeze;
    std::optional<double> scale;
    if (const json::value* v = body.if_contains("advance")) {
      if (v->is_string()) advance = behaviour::parseDuration(v->get_string());
      if (!advance || advance->count() < 0)
        throw badRequest("advance: must be a non-negative duration such as \"5m\", not " +
                         json::serialize(*v));
    }
    if (const json::value* v = body.if_contains("advanceTo")) {
      if (v->is_string()) advanceTo = behaviour::parseTime(v->get_string());
      if (!advanceTo) throw badRequest("advanceTo: must be an RFC 3339 time, not " + json::serialize(*v));
    }
    if (const json::value* v = body.if_contains("freeze")) {
      if (!v->is_bool()) throw badRequest("freeze: must be true or false, not " + json::serialize(*v));
      freeze = v->get_bool();
    }
    if (const json::value* v = body.if_contains("scale")) {
      if (v->is_number()) scale = v->to_number<double>();
      if (!scale || !std::isfinite(*scale) || *scale <= 0)
        throw badRequest("scale: must be a number greater than 0, not " + json::serialize(*v));
    }
    if (freeze) *freeze ? clock->freeze() : clock->resume();
    if (scale) clock->setScale(*scale);
    if (advance) clock->advance(*advance);
    if (advanceTo) clock->advanceTo(*advanceTo);
    if (hooks_.clockChanged) hooks_.clockChanged();
  } else if (method != "GET" && method != "HEAD") {
    throw methodNotAllowed();
  }
  return jsonResponse(200, json::object{{"now", behaviour::formatMicroTime(clock->now())},
                                        {"scale", clock->scale()},
                                        {"frozen", clock->frozen()}});
}

HttpResponse ApiServer::serveFaultControl(Call& call) {
  std::string path = call.http.path;
  if (path.back() == '/') path.pop_back();
  const std::string& method = call.http.method;
  std::string rest = path.size() > 18 ? path.substr(19) : "";  // after "/kubesim/v1/faults/"
  if (!rest.empty()) {
    int id = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), id);
    if (ec != std::errc() || end != rest.data() + rest.size()) throw pathNotFound();
    std::vector<ActiveFault> all = faults_.list();
    auto it = std::find_if(all.begin(), all.end(), [&](const ActiveFault& f) { return f.id == id; });
    if (it == all.end()) throw ApiError(404, "NotFound", fmt::format("fault {} not found", id));
    if (method == "GET" || method == "HEAD") return jsonResponse(200, faultToJson(*it));
    if (method == "DELETE") {
      faults_.remove(id);
      return jsonResponse(200, faultToJson(*it));
    }
    throw methodNotAllowed();
  }
  if (method == "POST") {
    FaultSpec spec;
    try {
      spec = faultFromJson(parseBody(call.http.body));
    } catch (const std::invalid_argument& e) {
      throw badRequest(std::string("invalid fault: ") + e.what());
    }
    int id = faults_.add(spec);
    return jsonResponse(201, faultToJson(ActiveFault{id, std::move(spec), 0}));
  }
  if (method == "DELETE")
    faults_.clear();
  else if (method != "GET" && method != "HEAD")
    throw methodNotAllowed();
  json::array items;
  for (const ActiveFault& f : faults_.list())
    items.push_back(faultToJson(f));
  return jsonResponse(200, json::object{{"faults", std::move(items)}});
}

FaultOutcome ApiServer::applyFaults(const Call& call) {
  if (faults_.empty()) return {};
  FaultOutcome outcome = faults_.hit(call.http.path, call.info.verb);
  if (outcome.latency.count() > 0) std::this_thread::sleep_for(outcome.latency);
  if (!outcome.errorCode) return outcome;
  int code = *outcome.errorCode;
  const std::string& message = outcome.errorMessage;
  json::object details;
  if (outcome.retryAfterSeconds) details["retryAfterSeconds"] = *outcome.retryAfterSeconds;
  // The Status the real helpers build, plus the retry hint.
  std::optional<ApiError> base;
  if (code == 500) base = internalError(message);
  if (code == 403) {
    base = call.info.isResourceRequest
               ? forbidden({call.info.apiGroup, call.info.resource}, call.info.name, message)
               : forbidden({}, "", message);
  }
  if (base) {
    json::object merged = base->details();
    for (const auto& kv : details)
      merged[kv.key()] = kv.value();
    throw ApiError(code, base->reason(), base->what(), std::move(merged));
  }
  throw ApiError(code, reasonFor(code), message, std::move(details));
}

void ApiServer::cutStream(HttpResponse& response, const FaultOutcome& outcome) {
  auto inner = std::move(response.stream);
  std::optional<int> events = outcome.dropWatchAfterEvents;
  std::optional<std::chrono::steady_clock::time_point> deadline;
  if (outcome.dropWatchAfter) deadline = std::chrono::steady_clock::now() + *outcome.dropWatchAfter;
  response.stream = [inner, events, deadline](const StreamSink& sink) {
    auto sent = std::make_shared<int>(0);
    auto expired = [deadline] { return deadline && std::chrono::steady_clock::now() >= *deadline; };
    StreamSink cut{[sink, sent, events, expired](std::string_view data) {
                     // Reporting the client gone ends the handler: the stream closes as a dropped connection
                     // would, without the rest of the events.
                     if ((events && *sent >= *events) || expired()) return false;
                     if (!sink.write(data)) return false;
                     ++*sent;
                     return !(events && *sent >= *events);
                   },
                   [sink, sent, events, expired] {
                     return sink.alive() && !(events && *sent >= *events) && !expired();
                   }};
    inner(cut);
  };
}

HttpResponse ApiServer::serveResourceMetrics(Call& call) {
  const ResourceType& type = *call.type;
  bool pods = type.plural == "pods";
  std::vector<json::object> all =
      pods ? hooks_.resourceMetrics->podMetrics(call.info.namespace_) : hooks_.resourceMetrics->nodeMetrics();
  if (call.info.verb == "get") {
    for (json::object& o : all)
      if (metaString(o, "name") == call.info.name &&
          (!pods || metaString(o, "namespace") == call.info.namespace_))
        return respondObject(call, 200, o);
    throw notFound(call.storage, call.info.name);
  }
  auto predicate = selectorPredicate(call);
  std::vector<ObjectPtr> items;
  for (json::object& o : all) {
    if (pods && !call.info.namespace_.empty() && metaString(o, "namespace") != call.info.namespace_) continue;
    if (predicate && !predicate(o)) continue;
    items.push_back(std::make_shared<const json::object>(std::move(o)));
  }
  ListResult page;
  page.items = items;
  page.revision = store_.revision();
  return respondJson(call, 200, listBody(call, negotiate(call, true), items, page));
}

}  // namespace kubesim

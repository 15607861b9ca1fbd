// Subresources: status, pods/log (from the log store, with the kubelet's options and error messages),
// pods/eviction (PodDisruptionBudget checks), scale (autoscaling/v1 Scale), pods/binding, proxies (nodes'
// stats/summary from stored metrics; services and pods answer as a cluster without a network would) and
// serviceaccounts/token.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "api.h"
#include "codec.h"
#include "errors.h"
#include "patch.h"
#include "selectors.h"

namespace kubesim {

namespace json = boost::json;

namespace {

std::vector<std::string> containerNames(const json::object& pod, std::string_view key) {
  std::vector<std::string> names;
  const json::object* spec = objectField(pod, "spec");
  if (!spec) return names;
  auto it = spec->find(key);
  if (it == spec->end() || !it->value().is_array()) return names;
  for (const json::value& c : it->value().get_array())
    if (c.is_object()) names.emplace_back(stringField(c.get_object(), "name"));
  return names;
}

// The container's entry in status.containerStatuses (or init/ephemeral), or nullptr.
const json::object* containerStatus(const json::object& pod, std::string_view container) {
  const json::object* status = objectField(pod, "status");
  if (!status) return nullptr;
  for (std::string_view key : {"containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"}) {
    auto it = status->find(key);
    if (it == status->end() || !it->value().is_array()) continue;
    for (const json::value& s : it->value().get_array())
      if (s.is_object() && stringField(s.get_object(), "name") == container) return &s.get_object();
  }
  return nullptr;
}

std::string withTimestamps(const std::string& text, const std::string& stamp) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    std::size_t end = nl == std::string::npos ? text.size() : nl + 1;
    out += stamp + " " + text.substr(start, end - start);
    start = end;
  }
  return out;
}

std::int64_t intParam(const HttpRequest& http, std::string_view name, std::int64_t fallback) {
  if (!http.hasParam(name)) return fallback;
  std::string v = http.param(name);
  try {
    std::size_t used = 0;
    long long n = std::stoll(v, &used);
    if (used != v.size()) throw std::invalid_argument(v);
    return n;
  } catch (const std::exception&) {
    throw badRequest(
        fmt::format("{}: strconv.ParseInt: parsing {}: invalid syntax", name, toJson(json::string(v))));
  }
}

// A selector as the string Scale.status.selector carries ("app=web,tier in (a,b)"): a LabelSelector object,
// or a plain label map as replication controllers have.
std::string selectorString(const json::value* selector) {
  if (!selector || !selector->is_object()) return {};
  const json::object& sel = selector->get_object();
  bool structured = sel.contains("matchLabels") || sel.contains("matchExpressions");
  try {
    return LabelSelector::fromObject(structured ? sel : json::object{{"matchLabels", sel}}).toString();
  } catch (const SelectorError&) {
    return {};
  }
}

// A Kubernetes quantity as a double in base units ("250m" -> 0.25, "128Mi" -> 134217728); 0 when malformed.
double quantityValue(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_double()) return v.get_double();
  if (!v.is_string()) return 0;
  std::string s(v.get_string());
  static const std::map<std::string, double> suffixes = {{"n", 1e-9},
                                                         {"u", 1e-6},
                                                         {"m", 1e-3},
                                                         {"", 1},
                                                         {"k", 1e3},
                                                         {"M", 1e6},
                                                         {"G", 1e9},
                                                         {"T", 1e12},
                                                         {"P", 1e15},
                                                         {"E", 1e18},
                                                         {"Ki", 1024.0},
                                                         {"Mi", 1048576.0},
                                                         {"Gi", 1073741824.0},
                                                         {"Ti", 1099511627776.0},
                                                         {"Pi", 1125899906842624.0},
                                                         {"Ei", 1152921504606846976.0}};
  std::size_t end = 0;
  double number = 0;
  try {
    number = std::stod(s, &end);
  } catch (const std::exception&) {
    return 0;
  }
  auto it = suffixes.find(s.substr(end));
  return it == suffixes.end() ? 0 : number * it->second;
}

}  // namespace

HttpResponse ApiServer::serveSubresource(Call& call) {
  const std::string& sub = call.info.subresource;
  const std::string& verb = call.info.verb;
  const ResourceType& type = *call.type;
  bool core = type.group.empty();
  if (sub == "status") {
    if (verb == "get") return getObject(call);
    if (verb == "update") return updateObject(call, UpdateScope::Status);
    if (verb == "patch") return patchObject(call, UpdateScope::Status);
    throw methodNotAllowed();
  }
  if (sub == "scale") return serveScale(call);
  if (core && type.plural == "pods") {
    if (sub == "log") {
      if (verb != "get") throw methodNotAllowed();
      return servePodLog(call);
    }
    if (sub == "eviction") {
      if (verb != "create") throw methodNotAllowed();
      return serveEviction(call);
    }
    if (sub == "binding") {
      if (verb != "create") throw methodNotAllowed();
      return serveBinding(call);
    }
    if (sub == "proxy") return serveProxy(call);
    if (sub == "exec" || sub == "attach" || sub == "portforward")
      throw badRequest("Upgrade request required");
    if (sub == "ephemeralcontainers") {
      if (verb == "get") return getObject(call);
      throw methodNotSupported(call.storage, verb);
    }
  }
  if (core && type.plural == "services" && sub == "proxy") return serveProxy(call);
  if (core && type.plural == "nodes" && sub == "proxy") return serveNodeProxy(call);
  if (core && type.plural == "serviceaccounts" && sub == "token") {
    if (verb != "create") throw methodNotAllowed();
    return serveToken(call);
  }
  if (core && type.plural == "namespaces" && sub == "finalize") {
    if (verb != "update") throw methodNotAllowed();
    return updateObject(call, UpdateScope::Main);
  }
  throw pathNotFound();
}

HttpResponse ApiServer::servePodLog(Call& call) {
  const std::string& ns = call.info.namespace_;
  const std::string& name = call.info.name;
  ObjectPtr pod = store_.get(call.storage, ns, name);
  if (!pod) throw notFound(call.storage, name);
  std::vector<std::string> containers = containerNames(*pod, "containers");
  std::vector<std::string> inits = containerNames(*pod, "initContainers");
  std::vector<std::string> ephemeral = containerNames(*pod, "ephemeralContainers");
  std::string container = call.http.param("container");
  if (container.empty()) {
    if (containers.size() == 1) {
      container = containers.front();
    } else if (containers.empty()) {
      throw badRequest(fmt::format("pod {} does not have a container", name));
    } else {
      std::string message = fmt::format("a container name must be specified for pod {}, choose one of: [{}]",
                                        name, fmt::join(containers, " "));
      if (!inits.empty())
        message += fmt::format(" or one of the init containers: [{}]", fmt::join(inits, " "));
      throw badRequest(message);
    }
  } else if (std::find(containers.begin(), containers.end(), container) == containers.end() &&
             std::find(inits.begin(), inits.end(), container) == inits.end() &&
             std::find(ephemeral.begin(), ephemeral.end(), container) == ephemeral.end()) {
    throw badRequest(fmt::format("container {} is not valid for pod {}", container, name));
  }
  bool previous = false, follow = false, timestamps = false;
  parseBoolParam(call.http.param("previous"), previous);
  parseBoolParam(call.http.param("follow"), follow);
  parseBoolParam(call.http.param("timestamps"), timestamps);
  std::int64_t tail = intParam(call.http, "tailLines", -1);
  std::int64_t limitBytes = intParam(call.http, "limitBytes", -1);
  if (tail < -1)
    throw invalid("PodLogOptions", "", "",
                  {{"FieldValueInvalid", "tailLines",
                    fmt::format("Invalid value: {}: must be greater than or equal to 0", tail)}});
  if (call.http.hasParam("limitBytes") && limitBytes < 1)
    throw invalid("PodLogOptions", "", "",
                  {{"FieldValueInvalid", "limitBytes",
                    fmt::format("Invalid value: {}: must be greater than 0", limitBytes)}});

  LogKey key{ns, name, container, previous};
  std::optional<LogWindow> window = logs_.window(key, tail, limitBytes);
  const json::object* status = containerStatus(*pod, container);
  if (!window) {
    if (previous)
      throw badRequest(
          fmt::format("previous terminated container \"{}\" in pod \"{}\" not found", container, name));
    const json::object* state = status ? objectField(*status, "state") : nullptr;
    const json::object* waiting = state ? objectField(*state, "waiting") : nullptr;
    bool neverRan = !status || stringField(*status, "containerID").empty();
    if (neverRan && (waiting || !status)) {
      std::string reason = waiting ? std::string(stringField(*waiting, "reason")) : "ContainerCreating";
      if (reason.empty()) reason = "ContainerCreating";
      throw badRequest(
          fmt::format("container \"{}\" in pod \"{}\" is waiting to start: {}", container, name, reason));
    }
    window = LogWindow{};
  }
  // Log lines carry no times of their own here; the container's start time stands in for them.
  std::string stamp;
  if (timestamps) {
    std::string_view started;
    if (status) {
      const json::object* state = objectField(*status, previous ? "lastState" : "state");
      for (std::string_view s : {"running", "terminated"})
        if (const json::object* st = state ? objectField(*state, s) : nullptr)
          if (started.empty()) started = stringField(*st, "startedAt");
    }
    if (started.empty()) started = metaString(*pod, "creationTimestamp");
    auto t = parseTime(started);
    stamp = formatNanoTime(t ? *t : clock_.now());
  }
  // As the kubelet: tailLines picks the lines, limitBytes then cuts what they (with their timestamps) come
  // to. The window is computed without reading the log, so only the bytes served are ever produced.
  const std::size_t offset = window->size;
  if (window->cut) follow = false;
  constexpr std::uint64_t kWhole = 4 << 20;  // larger answers are streamed in pieces of this size
  if (window->end - window->begin > kWhole && !follow) {
    HttpResponse response;
    response.contentType = "text/plain";
    response.stream = [this, key, w = *window, stamp, limitBytes](const StreamSink& sink) {
      std::uint64_t sent = 0;
      bool lineStart = true;
      for (std::uint64_t at = w.begin; at < w.end && !shuttingDown_; at += kWhole) {
        std::optional<std::string> piece = logs_.read(key, at, std::min(w.end, at + kWhole));
        if (!piece) return;
        if (!stamp.empty()) {
          std::string stamped;
          for (char ch : *piece) {
            if (lineStart) stamped += stamp + " ";
            stamped += ch;
            lineStart = ch == '\n';
          }
          *piece = std::move(stamped);
        }
        if (limitBytes > 0 && sent + piece->size() > static_cast<std::uint64_t>(limitBytes)) {
          piece->resize(static_cast<std::size_t>(static_cast<std::uint64_t>(limitBytes) - sent));
          sink.write(*piece);
          return;
        }
        sent += piece->size();
        if (!sink.write(*piece)) return;
      }
    };
    return response;
  }
  std::string body = logs_.read(key, window->begin, window->end).value_or("");
  if (timestamps) body = withTimestamps(body, stamp);
  if (limitBytes > 0 && body.size() > static_cast<std::size_t>(limitBytes)) {
    body.resize(static_cast<std::size_t>(limitBytes));
    follow = false;
  }
  HttpResponse response;
  response.contentType = "text/plain";
  if (!follow) {
    response.body = std::move(body);
    return response;
  }
  // Follow: what is there, then whatever is appended, until the client goes or the pod does.
  GroupResource pods = call.storage;
  response.stream = [this, key, body, offset, stamp, limitBytes, pods](const StreamSink& sink) {
    std::size_t sent = body.size();
    std::size_t at = offset;
    if (!body.empty() && !sink.write(body)) return;
    while (!shuttingDown_) {
      std::optional<std::string> more = logs_.readFrom(key, at, std::chrono::seconds(1));
      if (shuttingDown_ || !store_.get(pods, key.namespace_, key.pod)) return;
      if (!more || more->empty()) {
        if (!sink.alive()) return;
        continue;
      }
      at += more->size();
      std::string chunk = stamp.empty() ? *more : withTimestamps(*more, stamp);
      if (limitBytes > 0 && sent + chunk.size() > static_cast<std::size_t>(limitBytes)) {
        chunk.resize(static_cast<std::size_t>(limitBytes) - sent);
        sink.write(chunk);
        return;
      }
      sent += chunk.size();
      if (!sink.write(chunk)) return;
    }
  };
  return response;
}

HttpResponse ApiServer::serveEviction(Call& call) {
  const std::string& ns = call.info.namespace_;
  const std::string& name = call.info.name;
  json::object eviction = decodeBody(call);
  if (std::string_view n = metaString(eviction, "name"); !n.empty() && n != name)
    throw badRequest("name in URL does not match name in Eviction object");
  ObjectPtr pod = store_.get(call.storage, ns, name);
  if (!pod) throw notFound(call.storage, name);

  // Pods that are not running can go without consulting budgets (canIgnorePDB).
  std::string_view phase;
  if (const json::object* st = objectField(*pod, "status")) phase = stringField(*st, "phase");
  bool ignoreBudgets = phase == "Succeeded" || phase == "Failed" || phase == "Pending" ||
                       !metaString(*pod, "deletionTimestamp").empty();
  const GroupResource pdbs{"policy", "poddisruptionbudgets"};
  if (!ignoreBudgets) {
    static const json::object kNoLabels;
    const json::object* podMeta = objectField(*pod, "metadata");
    const json::object* labels = podMeta ? objectField(*podMeta, "labels") : nullptr;
    std::vector<ObjectPtr> matching;
    ListOptions options;
    options.namespace_ = ns;
    for (const ObjectPtr& pdb : store_.list(pdbs, options).items) {
      const json::object* spec = objectField(*pdb, "spec");
      const json::object* selector = spec ? objectField(*spec, "selector") : nullptr;
      if (!selector) continue;
      try {
        LabelSelector sel = LabelSelector::fromObject(*selector);
        if (!sel.empty() && sel.matches(labels ? *labels : kNoLabels)) matching.push_back(pdb);
      } catch (const SelectorError&) {
      }
    }
    if (matching.size() > 1)
      throw internalError(
          "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
    if (matching.size() == 1) {
      const json::object& pdb = *matching.front();
      std::string pdbName(metaString(pdb, "name"));
      const json::object* status = objectField(pdb, "status");
      auto number = [&](std::string_view key) -> std::int64_t {
        if (!status) return 0;
        auto it = status->find(key);
        return it != status->end() && it->value().is_int64() ? it->value().get_int64() : 0;
      };
      const json::object* pdbMeta = objectField(pdb, "metadata");
      std::int64_t generation =
          pdbMeta && pdbMeta->contains("generation") && pdbMeta->at("generation").is_int64()
              ? pdbMeta->at("generation").get_int64()
              : 0;
      auto tooMany = [&](const std::string& cause) {
        json::object details;
        details["causes"] = json::array{json::object{{"reason", "DisruptionBudget"}, {"message", cause}}};
        return ApiError(429, "TooManyRequests",
                        "Cannot evict pod as it would violate the pod's disruption budget.",
                        std::move(details));
      };
      if (number("observedGeneration") < generation)
        throw tooMany(
            fmt::format("The disruption budget {} is still being processed by the server.", pdbName));
      if (number("disruptionsAllowed") <= 0)
        throw tooMany(fmt::format("The disruption budget {} needs {} healthy pods and has {} currently",
                                  pdbName, number("desiredHealthy"), number("currentHealthy")));
      std::string now = formatTime(clock_.now());
      store_.modify(pdbs, ns, pdbName,
                    [&](const json::object& current) {
                      json::object next = current;
                      json::value& st = next["status"];
                      if (!st.is_object()) st = json::object{};
                      json::object& s = st.get_object();
                      std::int64_t allowed =
                          s.contains("disruptionsAllowed") && s.at("disruptionsAllowed").is_int64()
                              ? s.at("disruptionsAllowed").get_int64()
                              : 0;
                      s["disruptionsAllowed"] = std::max<std::int64_t>(0, allowed - 1);
                      json::value& disrupted = s["disruptedPods"];
                      if (!disrupted.is_object()) disrupted = json::object{};
                      disrupted.get_object()[name] = now;
                      return next;
                    },
                    {UpdateScope::Status, false});
    }
  }
  DeleteOptions options;
  if (const json::object* del = objectField(eviction, "deleteOptions")) {
    if (const json::object* pre = objectField(*del, "preconditions")) {
      options.preconditionUid = std::string(stringField(*pre, "uid"));
      options.preconditionResourceVersion = std::string(stringField(*pre, "resourceVersion"));
    }
    if (auto g = del->find("gracePeriodSeconds"); g != del->end() && g->value().is_int64())
      options.gracePeriodSeconds = g->value().get_int64();
  }
  store_.remove(call.storage, ns, name, options);
  json::object status = successStatus({});
  status["code"] = 201;
  return respondJson(call, 201, status);
}

HttpResponse ApiServer::serveScale(Call& call) {
  const ResourceType& type = *call.type;
  const std::string& ns = call.info.namespace_;
  const std::string& name = call.info.name;
  const std::string& verb = call.info.verb;
  auto toScale = [&](const json::object& obj) {
    json::object scale;
    scale["kind"] = "Scale";
    scale["apiVersion"] = "autoscaling/v1";
    json::object meta;
    for (std::string_view key : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"})
      if (const json::object* m = objectField(obj, "metadata"); m && m->contains(key)) meta[key] = m->at(key);
    scale["metadata"] = std::move(meta);
    const json::object* spec = objectField(obj, "spec");
    const json::object* status = objectField(obj, "status");
    json::object scaleSpec;
    if (spec && spec->contains("replicas")) scaleSpec["replicas"] = spec->at("replicas");
    scale["spec"] = std::move(scaleSpec);
    json::object scaleStatus;
    scaleStatus["replicas"] =
        status && status->contains("replicas") ? status->at("replicas") : json::value(0);
    std::string selector =
        selectorString(spec && spec->contains("selector") ? &spec->at("selector") : nullptr);
    if (!selector.empty()) scaleStatus["selector"] = selector;
    scale["status"] = std::move(scaleStatus);
    return scale;
  };
  ObjectPtr current = store_.get(call.storage, ns, name);
  if (!current) throw notFound(call.storage, name);
  if (verb == "get") return respondJson(call, 200, toScale(present(type, *current)));
  if (verb != "update" && verb != "patch") throw methodNotAllowed();

  bool dryRun = call.http.param("dryRun") == "All";
  ObjectPtr updated = store_.modify(
      call.storage, ns, name,
      [&](const json::object& stored) {
        json::object obj = present(type, stored);
        json::object scale = toScale(obj);
        json::object wanted;
        if (verb == "update") {
          wanted = decodeBody(call);
        } else {
          std::string contentType = call.http.header("Content-Type");
          contentType = contentType.substr(0, contentType.find(';'));
          json::value patch;
          try {
            patch = parseJson(call.http.body);
            json::value result;
            if (contentType == "application/json-patch+json")
              result = applyJsonPatch(scale, patch);
            else if (contentType == "application/merge-patch+json" ||
                     contentType == "application/strategic-merge-patch+json")
              result = applyMergePatch(scale, patch);
            else
              throw unsupportedMediaType(contentType,
                                         {"application/json-patch+json", "application/merge-patch+json",
                                          "application/strategic-merge-patch+json"});
            if (!result.is_object()) throw badRequest("the patched Scale is not an object");
            wanted = std::move(result.get_object());
          } catch (const DecodeError& e) {
            throw badRequest(fmt::format("error decoding patch: {}", e.what()));
          } catch (const PatchError& e) {
            throw ApiError(e.code(), e.reason(), e.what());
          }
        }
        std::string_view rv = metaString(wanted, "resourceVersion");
        if (!rv.empty() && rv != metaString(stored, "resourceVersion"))
          throw modifiedConflict(call.storage, name);
        const json::object* wantedSpec = objectField(wanted, "spec");
        json::value replicas =
            wantedSpec && wantedSpec->contains("replicas") ? wantedSpec->at("replicas") : json::value(0);
        if (!replicas.is_int64() || replicas.get_int64() < 0)
          throw invalid(
              "Scale", "autoscaling", name,
              {{"FieldValueInvalid", "spec.replicas",
                fmt::format("Invalid value: {}: must be greater than or equal to 0", toJson(replicas))}});
        json::value& spec = obj["spec"];
        if (!spec.is_object()) spec = json::object{};
        spec.get_object()["replicas"] = replicas;
        return toStorage(type, std::move(obj));
      },
      {UpdateScope::Main, dryRun});
  return respondJson(call, 200, toScale(present(type, *updated)));
}

HttpResponse ApiServer::serveBinding(Call& call) {
  json::object binding = decodeBody(call);
  std::string ns = call.info.namespace_;
  std::string podName =
      call.info.subresource == "binding" ? call.info.name : std::string(metaString(binding, "name"));
  const json::object* target = objectField(binding, "target");
  std::string node = target ? std::string(stringField(*target, "name")) : "";
  if (node.empty())
    throw invalid("Binding", "", podName, {{"FieldValueRequired", "target.name", "Required value"}});
  const GroupResource pods{"", "pods"};
  store_.modify(
      pods, ns, podName,
      [&](const json::object& pod) {
        json::object next = pod;
        json::value& spec = next["spec"];
        if (!spec.is_object()) spec = json::object{};
        std::string_view current = stringField(spec.get_object(), "nodeName");
        if (!metaString(pod, "deletionTimestamp").empty())
          throw conflict({"", "pods/binding"}, podName,
                         fmt::format("pod {} is being deleted, cannot be assigned to a host", podName));
        if (!current.empty())
          throw conflict({"", "pods/binding"}, podName,
                         fmt::format("pod {} is already assigned to node \"{}\"", podName, current));
        spec.get_object()["nodeName"] = node;
        json::value& status = next["status"];
        if (!status.is_object()) status = json::object{};
        json::value& conditions = status.get_object()["conditions"];
        if (!conditions.is_array()) conditions = json::array{};
        json::array& list = conditions.get_array();
        list.erase(std::remove_if(list.begin(), list.end(),
                                  [](const json::value& c) {
                                    return c.is_object() &&
                                           stringField(c.get_object(), "type") == "PodScheduled";
                                  }),
                   list.end());
        conditions.get_array().push_back(json::object{{"type", "PodScheduled"},
                                                      {"status", "True"},
                                                      {"lastProbeTime", nullptr},
                                                      {"lastTransitionTime", formatTime(clock_.now())}});
        return next;
      },
      {UpdateScope::All, false});
  json::object status = successStatus({});
  status["code"] = 201;
  return respondJson(call, 201, status);
}

HttpResponse ApiServer::serveProxy(Call& call) {
  // The name is [SCHEME:]NAME[:PORT] (net.SplitSchemeNamePort); what follows "proxy" is the path on the
  // target.
  const std::string& id = call.info.name;
  std::vector<std::string> pieces;
  for (std::size_t start = 0;;) {
    std::size_t colon = id.find(':', start);
    pieces.push_back(id.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  std::string target = pieces.front();
  if (pieces.size() == 3 || (pieces.size() == 2 && (pieces[0] == "http" || pieces[0] == "https")))
    target = pieces[1];
  if (pieces.size() > 3 || target.empty())
    throw badRequest(fmt::format("invalid service request \"{}\"", id));
  std::string subpath;
  for (std::size_t i = 3; i < call.info.parts.size(); ++i)
    subpath += "/" + call.info.parts[i];
  if (subpath.empty()) subpath = "/";
  bool service = call.type->plural == "services";
  if (!store_.get(call.storage, call.info.namespace_, target)) throw notFound(call.storage, target);

  std::optional<std::string> metrics;
  if (ApplicationMetrics* app = hooks_.applicationMetrics)
    metrics = service ? app->serviceMetrics(call.info.namespace_, target)
                      : app->podMetrics(call.info.namespace_, target);
  if (metrics) {
    HttpResponse response;
    if (subpath == "/metrics") {
      response.contentType = "text/plain; version=0.0.4; charset=utf-8";
      response.body = std::move(*metrics);
    } else {
      // The application's own answer to a path it does not serve (Go's http.NotFound).
      response.status = 404;
      response.contentType = "text/plain; charset=utf-8";
      response.body = "404 page not found\n";
    }
    return response;
  }
  if (service) throw serviceUnavailable(fmt::format("no endpoints available for service \"{}\"", id));
  throw serviceUnavailable(
      fmt::format("error trying to reach pod \"{}\": kubesim carries no pod traffic", target));
}

HttpResponse ApiServer::serveNodeProxy(Call& call) {
  const std::string& nodeName = call.info.name;
  ObjectPtr node = store_.get(call.storage, "", nodeName);
  if (!node) throw notFound(call.storage, nodeName);
  std::string rest;
  for (std::size_t i = 3; i < call.info.parts.size(); ++i)
    rest += "/" + call.info.parts[i];
  if (rest == "/healthz") {
    HttpResponse r;
    r.contentType = "text/plain; charset=utf-8";
    r.body = "ok";
    return r;
  }
  if (rest != "/stats/summary") throw pathNotFound();

  // A minimal kubelet Summary from the stored metrics.k8s.io usage.
  std::string now = formatTime(clock_.now());
  auto usageOf = [&](const json::object* usage, json::object& cpu, json::object& memory) {
    double nanoCores = usage && usage->contains("cpu") ? quantityValue(usage->at("cpu")) * 1e9 : 0;
    double bytes = usage && usage->contains("memory") ? quantityValue(usage->at("memory")) : 0;
    cpu = json::object{{"time", now}, {"usageNanoCores", static_cast<std::int64_t>(std::llround(nanoCores))}};
    memory = json::object{{"time", now},
                          {"workingSetBytes", static_cast<std::int64_t>(std::llround(bytes))},
                          {"usageBytes", static_cast<std::int64_t>(std::llround(bytes))}};
  };
  json::object summary;
  json::object nodeStats;
  nodeStats["nodeName"] = nodeName;
  nodeStats["startTime"] = std::string(metaString(*node, "creationTimestamp"));
  ObjectPtr nodeMetrics = store_.get({"metrics.k8s.io", "nodes"}, "", nodeName);
  json::object cpu, memory;
  usageOf(nodeMetrics ? objectField(*nodeMetrics, "usage") : nullptr, cpu, memory);
  nodeStats["cpu"] = cpu;
  nodeStats["memory"] = memory;
  nodeStats["systemContainers"] = json::array{};
  summary["node"] = std::move(nodeStats);
  json::array pods;
  for (const ObjectPtr& pod : store_.list({"", "pods"}).items) {
    const json::object* spec = objectField(*pod, "spec");
    if (!spec || stringField(*spec, "nodeName") != nodeName) continue;
    json::object podStats;
    podStats["podRef"] = json::object{{"name", metaString(*pod, "name")},
                                      {"namespace", metaString(*pod, "namespace")},
                                      {"uid", metaString(*pod, "uid")}};
    if (const json::object* st = objectField(*pod, "status"); st && st->contains("startTime"))
      podStats["startTime"] = st->at("startTime");
    ObjectPtr metrics =
        store_.get({"metrics.k8s.io", "pods"}, metaString(*pod, "namespace"), metaString(*pod, "name"));
    json::array containers;
    double podCpu = 0, podMem = 0;
    if (metrics) {
      auto list = metrics->find("containers");
      if (list != metrics->end() && list->value().is_array())
        for (const json::value& c : list->value().get_array()) {
          if (!c.is_object()) continue;
          const json::object* usage = objectField(c.get_object(), "usage");
          json::object ccpu, cmem;
          usageOf(usage, ccpu, cmem);
          podCpu += static_cast<double>(ccpu["usageNanoCores"].as_int64());
          podMem += static_cast<double>(cmem["workingSetBytes"].as_int64());
          containers.push_back(
              json::object{{"name", stringField(c.get_object(), "name")}, {"cpu", ccpu}, {"memory", cmem}});
        }
    }
    podStats["containers"] = std::move(containers);
    podStats["cpu"] = json::object{{"time", now}, {"usageNanoCores", static_cast<std::int64_t>(podCpu)}};
    podStats["memory"] = json::object{{"time", now}, {"workingSetBytes", static_cast<std::int64_t>(podMem)}};
    pods.push_back(std::move(podStats));
  }
  summary["pods"] = std::move(pods);
  HttpResponse r;
  r.body = toJson(summary);
  return r;
}

HttpResponse ApiServer::serveToken(Call& call) {
  const std::string& ns = call.info.namespace_;
  const std::string& name = call.info.name;
  if (!store_.get(call.storage, ns, name)) throw notFound(call.storage, name);
  json::object request = call.http.body.empty() ? json::object{} : decodeBody(call);
  std::int64_t expiration = 3600;
  json::array audiences{"https://kubernetes.default.svc.cluster.local"};
  if (const json::object* spec = objectField(request, "spec")) {
    if (auto e = spec->find("expirationSeconds"); e != spec->end() && e->value().is_int64())
      expiration = e->value().get_int64();
    if (auto a = spec->find("audiences");
        a != spec->end() && a->value().is_array() && !a->value().get_array().empty())
      audiences = a->value().get_array();
  }
  std::string token = authenticator_.mint(
      UserInfo{"system:serviceaccount:" + ns + ":" + name,
               {"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"}});
  json::object response;
  response["kind"] = "TokenRequest";
  response["apiVersion"] = "authentication.k8s.io/v1";
  response["metadata"] =
      json::object{{"name", name}, {"namespace", ns}, {"creationTimestamp", formatTime(clock_.now())}};
  response["spec"] =
      json::object{{"audiences", audiences}, {"expirationSeconds", expiration}, {"boundObjectRef", nullptr}};
  response["status"] = json::object{
      {"token", token}, {"expirationTimestamp", formatTime(clock_.now() + std::chrono::seconds(expiration))}};
  return respondJson(call, 201, response);
}

}  // namespace kubesim

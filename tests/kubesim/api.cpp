// The request pipeline: authentication, impersonation, RequestInfo, RBAC, dispatch, content negotiation and
// error rendering, in the order the real API server's filter chain applies them.
#include "api.h"

#include <fmt/format.h>

#include <algorithm>

#include "codec.h"
#include "errors.h"

namespace kubesim {

namespace json = boost::json;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Paths system:public-info-viewer opens to everyone on a real cluster.
bool isPublicPath(std::string_view path) {
  for (std::string_view p : {"/healthz", "/livez", "/readyz"})
    if (path == p || (path.starts_with(p) && path.size() > p.size() && path[p.size()] == '/')) return true;
  return path == "/version" || path == "/version/";
}

struct MediaRange {
  std::string type;  // "application/json"
  std::map<std::string, std::string> params;
};

std::vector<MediaRange> parseAccept(std::string_view accept) {
  std::vector<MediaRange> out;
  std::size_t start = 0;
  while (start <= accept.size()) {
    std::size_t comma = accept.find(',', start);
    std::string_view item =
        accept.substr(start, comma == std::string_view::npos ? accept.npos : comma - start);
    MediaRange range;
    std::size_t semi = item.find(';');
    range.type = lower(trim(item.substr(0, semi)));
    while (semi != std::string_view::npos) {
      std::size_t next = item.find(';', semi + 1);
      std::string_view param =
          trim(item.substr(semi + 1, next == std::string_view::npos ? item.npos : next - semi - 1));
      std::size_t eq = param.find('=');
      if (eq != std::string_view::npos)
        range.params[lower(trim(param.substr(0, eq)))] = std::string(trim(param.substr(eq + 1)));
      semi = next;
    }
    if (!range.type.empty()) out.push_back(std::move(range));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string param(const MediaRange& r, const std::string& key) {
  auto it = r.params.find(key);
  return it == r.params.end() ? std::string() : it->second;
}

}  // namespace

std::string listKind(const ResourceType& type) {
  return type.kind + "List";
}

ApiServer::ApiServer(const OpenApi& openapi, Authenticator& authenticator, const Clock& clock,
                     ApiServerOptions options)
    : openapi_(openapi),
      authenticator_(authenticator),
      clock_(clock),
      options_(options),
      store_(clock),
      authorizer_([this](std::string_view resource) {
        std::vector<json::object> out;
        ListResult all = store_.list({"rbac.authorization.k8s.io", std::string(resource)});
        out.reserve(all.items.size());
        for (const ObjectPtr& o : all.items)
          out.push_back(*o);
        return out;
      }) {
  registerBuiltins();
}

void ApiServer::shutdown() {
  shuttingDown_ = true;
  store_.shutdown();
  logs_.shutdown();
}

HttpResponse ApiServer::handle(const HttpRequest& request) {
  Call call{request, {}, {}, std::nullopt, {}, {}};
  try {
    std::string authorization = request.header("Authorization");
    std::optional<UserInfo> user;
    if (authorization.size() > 7 && equalsIgnoreCase(authorization.substr(0, 7), "Bearer "))
      user = authenticator_.authenticate(trim(std::string_view(authorization).substr(7)));
    bool publicPath = isPublicPath(request.path);
    if (!user) {
      if (!publicPath || !authorization.empty()) throw unauthorized();
      user = UserInfo{"system:anonymous", {"system:unauthenticated"}};
    }
    call.user = impersonate(request, *user);
    bool watchParam = false;
    if (request.hasParam("watch") && !parseBoolParam(request.param("watch"), watchParam))
      throw badRequest(
          fmt::format("strconv.ParseBool: parsing \"{}\": invalid syntax", request.param("watch")));
    call.info = parseRequestInfo(request.method, request.path, watchParam, request.param("fieldSelector"));
    if (!publicPath) authorize(call.user, call.info);
    // Faults hit what clients do, never the control endpoint that sets them.
    FaultOutcome faults;
    if (!request.path.starts_with("/kubesim/")) faults = applyFaults(call);
    HttpResponse response = dispatch(call);
    if (response.stream && (faults.dropWatchAfterEvents || faults.dropWatchAfter))
      cutStream(response, faults);
    for (const std::string& w : call.warnings)
      response.headers.emplace_back("Warning", fmt::format("299 - {}", toJson(json::string(w))));
    return response;
  } catch (const ApiError& e) {
    HttpResponse response;
    response.status = e.code();
    response.body = toJson(e.status());
    if (e.code() == 401) response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"kubernetes\"");
    // What the real server's 429 and 5xx answers with a retry hint carry; client-go waits that long and
    // retries.
    if (const json::value* retry = e.details().if_contains("retryAfterSeconds"); retry && retry->is_int64())
      response.headers.emplace_back("Retry-After", std::to_string(retry->get_int64()));
    return response;
  } catch (const std::exception& e) {
    HttpResponse response;
    ApiError err = internalError(e.what());
    response.status = err.code();
    response.body = toJson(err.status());
    return response;
  }
}

UserInfo ApiServer::impersonate(const HttpRequest& http, const UserInfo& requester) {
  std::string asUser = http.header("Impersonate-User");
  std::vector<std::string> asGroups = http.headerValues("Impersonate-Group");
  if (asUser.empty()) {
    if (!asGroups.empty())
      throw internalError("requested [{Kind:Group Name:" + asGroups.front() +
                          "}] without impersonating a user");
    return requester;
  }
  // The requester needs `impersonate` on what it becomes, as the real impersonation filter checks.
  auto check = [&](RequestAttributes attrs) {
    if (isPrivileged(requester)) return;
    Decision d = decide(requester, attrs);
    if (!d.allowed) {
      std::string target = attrs.resource == "groups"  ? "group"
                           : attrs.resource == "users" ? "user"
                                                       : "serviceaccount";
      throw forbidden(
          {attrs.apiGroup, attrs.resource}, attrs.name,
          fmt::format("User \"{}\" cannot impersonate resource \"{}\" in API group \"{}\"{}", requester.name,
                      attrs.resource, attrs.apiGroup,
                      attrs.namespace_.empty() ? " at the cluster scope"
                                               : " in the namespace \"" + attrs.namespace_ + "\""));
    }
  };
  UserInfo user;
  user.name = asUser;
  const std::string saPrefix = "system:serviceaccount:";
  if (asUser.starts_with(saPrefix)) {
    std::string rest = asUser.substr(saPrefix.size());
    std::size_t colon = rest.find(':');
    std::string ns = rest.substr(0, colon), name = colon == std::string::npos ? "" : rest.substr(colon + 1);
    check({"impersonate", true, "", "serviceaccounts", "", name, ns, ""});
    if (asGroups.empty()) asGroups = {"system:serviceaccounts", "system:serviceaccounts:" + ns};
  } else {
    check({"impersonate", true, "", "users", "", asUser, "", ""});
  }
  for (const std::string& g : asGroups)
    check({"impersonate", true, "", "groups", "", g, "", ""});
  user.groups = asUser == "system:anonymous" ? asGroups : withAuthenticated(asGroups);
  return user;
}

Decision ApiServer::decide(const UserInfo& user, const RequestAttributes& attributes) const {
  if (isPrivileged(user)) return Decision{true, ""};
  return authorizer_.authorize(user, attributes);
}

void ApiServer::authorize(const UserInfo& user, const RequestInfo& info) {
  RequestAttributes attrs = info.attributes();
  Decision d = decide(user, attrs);
  if (d.allowed) return;
  if (!info.isResourceRequest)
    throw forbidden({}, "",
                    fmt::format("User \"{}\" cannot {} path \"{}\"", user.name, attrs.verb, info.path));
  std::string resource = info.subresource.empty() ? info.resource : info.resource + "/" + info.subresource;
  std::string where = info.namespace_.empty() ? "at the cluster scope"
                                              : fmt::format("in the namespace \"{}\"", info.namespace_);
  throw forbidden({info.apiGroup, info.resource}, info.name,
                  fmt::format("User \"{}\" cannot {} resource \"{}\" in API group \"{}\" {}", user.name,
                              attrs.verb, resource, info.apiGroup, where));
}

HttpResponse ApiServer::dispatch(Call& call) {
  if (call.info.isResourceRequest) return serveResource(call);
  if (call.http.path == "/kubesim" || call.http.path.starts_with("/kubesim/")) return serveControl(call);
  return serveNonResource(call);
}

HttpResponse ApiServer::serveResource(Call& call) {
  const RequestInfo& info = call.info;
  if (info.resource.empty()) throw pathNotFound();
  call.type = catalog_.find(info.apiGroup, info.apiVersion, info.resource);
  if (!call.type) throw pathNotFound();
  const ResourceType& type = *call.type;
  call.storage = storageOf(type);

  // Scope: a namespaced resource is addressed under /namespaces/NS (lists and watches may span all
  // namespaces); a cluster-scoped one never is. The namespaces resource carries its own name as namespace.
  bool namespacedPath = !info.namespace_.empty() && info.resource != "namespaces";
  if (!type.namespaced && namespacedPath) throw pathNotFound();
  if (type.namespaced && !namespacedPath && !(info.verb == "list" || info.verb == "watch")) {
    if (info.verb == "create" || info.verb == "deletecollection") throw methodNotAllowed();
    throw pathNotFound();
  }

  if (!info.subresource.empty()) {
    if (std::find(type.subresources.begin(), type.subresources.end(), info.subresource) ==
        type.subresources.end())
      throw pathNotFound();
    return serveSubresource(call);
  }
  if (info.verb == "proxy") throw pathNotFound();

  auto allows = [&](std::string_view verb) {
    return std::find(type.verbs.begin(), type.verbs.end(), verb) != type.verbs.end();
  };
  if (!allows(info.verb)) {
    if (info.verb == "watch" && allows("list")) throw methodNotSupported(call.storage, "watch");
    throw methodNotAllowed();
  }
  if (type.group == "authorization.k8s.io" || type.group == "authentication.k8s.io") return serveReview(call);
  if (type.plural == "bindings" && type.group.empty()) return serveBinding(call);

  if (type.group == "metrics.k8s.io" && hooks_.resourceMetrics && (info.verb == "get" || info.verb == "list"))
    return serveResourceMetrics(call);
  if (info.verb == "get") return getObject(call);
  if (info.verb == "list") return listObjects(call);
  if (info.verb == "watch") return watchObjects(call);
  if (info.verb == "create") return createObject(call);
  if (info.verb == "update") return updateObject(call, UpdateScope::Main);
  if (info.verb == "patch") return patchObject(call, UpdateScope::Main);
  if (info.verb == "delete") return deleteObject(call);
  if (info.verb == "deletecollection") return deleteCollection(call);
  throw methodNotAllowed();
}

ApiServer::Output ApiServer::negotiate(const Call& call, bool tableAllowed) const {
  std::string accept = call.http.header("Accept");
  if (accept.empty()) return Output::Json;
  for (const MediaRange& r : parseAccept(accept)) {
    std::string as = param(r, "as");
    bool jsonType = r.type == "application/json" || r.type == "*/*" || r.type == "application/*";
    if (!as.empty()) {
      if (!jsonType || param(r, "g") != "meta.k8s.io") continue;
      std::string v = param(r, "v");
      if (as == "Table" && tableAllowed && (v == "v1" || v == "v1beta1")) return Output::Table;
      if ((as == "PartialObjectMetadata" || as == "PartialObjectMetadataList") &&
          (v == "v1" || v == "v1beta1"))
        return Output::PartialMetadata;
      continue;
    }
    if (jsonType) return Output::Json;
    if (r.type == "application/yaml") return Output::Yaml;
  }
  throw notAcceptable();
}

IncludeObject ApiServer::includeObject(const Call& call) const {
  std::string v = call.http.param("includeObject");
  if (v == "None") return IncludeObject::None;
  if (v == "Object") return IncludeObject::Object;
  return IncludeObject::Metadata;
}

HttpResponse ApiServer::respondJson(const Call& call, int status, const json::value& body) {
  HttpResponse response;
  response.status = status;
  bool yaml = false;
  try {
    yaml = negotiate(call, false) == Output::Yaml;
  } catch (const ApiError&) {
  }
  if (yaml) {
    response.contentType = "application/yaml";
    response.body = toYaml(body);
  } else {
    response.body = toJson(body);
  }
  return response;
}

HttpResponse ApiServer::respondObject(const Call& call, int status, const json::object& object) {
  Output output = negotiate(call, call.type.has_value());
  if (output == Output::Table && call.type) {
    json::object table = toTable(*call.type, {object}, includeObject(call), clock_.now());
    json::object& meta = metadataOf(table);
    meta["resourceVersion"] = std::string(metaString(object, "resourceVersion"));
    return respondJson(call, status, table);
  }
  if (output == Output::PartialMetadata) {
    json::object partial;
    partial["kind"] = "PartialObjectMetadata";
    partial["apiVersion"] = "meta.k8s.io/v1";
    if (const json::object* meta = objectField(object, "metadata")) partial["metadata"] = *meta;
    return respondJson(call, status, partial);
  }
  return respondJson(call, status, object);
}

}  // namespace kubesim

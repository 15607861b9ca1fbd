// Non-resource endpoints: legacy discovery (/api, /apis, group and group-version resource lists), OpenAPI
// v2 and v3, /version and the health checks. Aggregated discovery (apidiscovery.k8s.io/v2) is not served:
// asked for it, we answer the legacy document as application/json and kubectl falls back, as it does
// against any server without aggregated discovery.
#include <fmt/format.h>

#include <algorithm>

#include "api.h"
#include "errors.h"

namespace kubesim {

namespace json = boost::json;

namespace {

struct SubresourceInfo {
  std::string kind;  // empty: the parent's kind
  std::string group;
  std::string version;
  std::vector<std::string> verbs;
  bool differentGroup = false;
};

SubresourceInfo subresourceInfo(const ResourceType& type, std::string_view sub) {
  const std::vector<std::string> proxyVerbs = {"create", "delete", "get", "patch", "update"};
  if (sub == "status") return {"", "", "", {"get", "patch", "update"}};
  if (sub == "scale") return {"Scale", "autoscaling", "v1", {"get", "patch", "update"}, true};
  if (sub == "log") return {"Pod", "", "", {"get"}};
  if (sub == "eviction") return {"Eviction", "policy", "v1", {"create"}, true};
  if (sub == "binding") return {"Binding", "", "", {"create"}};
  if (sub == "exec") return {"PodExecOptions", "", "", {"create", "get"}};
  if (sub == "attach") return {"PodAttachOptions", "", "", {"create", "get"}};
  if (sub == "portforward") return {"PodPortForwardOptions", "", "", {"create", "get"}};
  if (sub == "ephemeralcontainers") return {"", "", "", {"get", "patch", "update"}};
  if (sub == "token") return {"TokenRequest", "authentication.k8s.io", "v1", {"create"}, true};
  if (sub == "finalize") return {"", "", "", {"update"}};
  if (sub == "proxy") return {type.kind + "ProxyOptions", "", "", proxyVerbs};
  return {"", "", "", {"get"}};
}

json::array stringArray(const std::vector<std::string>& values) {
  json::array out;
  for (const std::string& v : values)
    out.push_back(json::string(v));
  return out;
}

HttpResponse text(std::string body, int status = 200) {
  HttpResponse r;
  r.status = status;
  r.contentType = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

HttpResponse jsonResponse(std::string body) {
  HttpResponse r;
  r.body = std::move(body);
  return r;
}

}  // namespace

json::object ApiServer::resourceList(std::string_view group, std::string_view version) const {
  std::vector<std::pair<std::string, json::object>> entries;
  for (const ResourceType& t : catalog_.resourcesOf(group, version)) {
    json::object r;
    r["name"] = t.plural;
    r["singularName"] = t.singular;
    r["namespaced"] = t.namespaced;
    r["kind"] = t.kind;
    r["verbs"] = stringArray(t.verbs);
    if (!t.shortNames.empty()) r["shortNames"] = stringArray(t.shortNames);
    if (!t.categories.empty()) r["categories"] = stringArray(t.categories);
    entries.emplace_back(t.plural, std::move(r));
    for (const std::string& sub : t.subresources) {
      SubresourceInfo info = subresourceInfo(t, sub);
      json::object s;
      s["name"] = t.plural + "/" + sub;
      s["singularName"] = "";
      s["namespaced"] = t.namespaced;
      if (info.differentGroup) {
        s["group"] = info.group;
        s["version"] = info.version;
      }
      s["kind"] = info.kind.empty() ? t.kind : info.kind;
      s["verbs"] = stringArray(info.verbs);
      entries.emplace_back(t.plural + "/" + sub, std::move(s));
    }
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  json::array resources;
  for (auto& [name, entry] : entries)
    resources.push_back(std::move(entry));
  json::object list;
  list["kind"] = "APIResourceList";
  list["apiVersion"] = "v1";
  list["groupVersion"] = group.empty() ? std::string(version) : fmt::format("{}/{}", group, version);
  list["resources"] = std::move(resources);
  return list;
}

json::object ApiServer::groupObject(const GroupVersions& group) const {
  json::object g;
  g["name"] = group.group;
  json::array versions;
  for (const std::string& v : group.versions)
    versions.push_back(json::object{{"groupVersion", group.group + "/" + v}, {"version", v}});
  g["versions"] = std::move(versions);
  g["preferredVersion"] = json::object{{"groupVersion", group.group + "/" + group.versions.front()},
                                       {"version", group.versions.front()}};
  return g;
}

json::object ApiServer::groupList() const {
  json::array groups;
  for (const GroupVersions& g : catalog_.groups())
    groups.push_back(groupObject(g));
  json::object list;
  list["kind"] = "APIGroupList";
  list["apiVersion"] = "v1";
  list["groups"] = std::move(groups);
  return list;
}

const std::string& ApiServer::openapiV2Json() const {
  std::call_once(v2Once_, [this] { v2Json_ = toJson(openapi_.v2()); });
  return v2Json_;
}

HttpResponse ApiServer::serveNonResource(Call& call) {
  std::string path = call.http.path;
  if (path.size() > 1 && path.back() == '/') path.pop_back();
  const std::string& method = call.http.method;
  if (method != "GET" && method != "HEAD") {
    if (path == "/api" || path == "/apis" || path.starts_with("/api/") || path.starts_with("/apis/"))
      throw methodNotAllowed();
    throw pathNotFound();
  }

  if (path == "/healthz" || path == "/livez" || path == "/readyz") {
    if (call.http.hasParam("verbose"))
      return text(fmt::format("[+]ping ok\n[+]log ok\n[+]etcd ok\n{} check passed\n", path.substr(1)));
    return text("ok");
  }
  if (path.starts_with("/healthz/") || path.starts_with("/livez/") || path.starts_with("/readyz/"))
    return text("ok");
  if (path == "/version") {
    json::object v{{"major", "1"},
                   {"minor", "32"},
                   {"gitVersion", "v1.32.0"},
                   {"gitCommit", "70d3cc986aa8221cd1dfb1121852688902d3bf53"},
                   {"gitTreeState", "clean"},
                   {"buildDate", "2024-12-11T17:59:15Z"},
                   {"goVersion", "go1.23.3"},
                   {"compiler", "gc"},
                   {"platform", "linux/amd64"}};
    return respondJson(call, 200, v);
  }
  if (path == "/api") {
    json::object versions;
    versions["kind"] = "APIVersions";
    versions["versions"] = json::array{"v1"};
    versions["serverAddressByClientCIDRs"] =
        json::array{json::object{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", address_}}};
    return respondJson(call, 200, versions);
  }
  if (path == "/api/v1") return respondJson(call, 200, resourceList("", "v1"));
  if (path == "/apis") return respondJson(call, 200, groupList());
  if (path.starts_with("/apis/")) {
    std::string rest = path.substr(6);
    std::size_t slash = rest.find('/');
    std::string group = rest.substr(0, slash);
    if (slash == std::string::npos) {
      for (const GroupVersions& g : catalog_.groups())
        if (g.group == group) {
          json::object obj = groupObject(g);
          json::object out{{"kind", "APIGroup"}, {"apiVersion", "v1"}};
          for (auto& kv : obj)
            out[kv.key()] = kv.value();
          return respondJson(call, 200, out);
        }
      throw pathNotFound();
    }
    std::string version = rest.substr(slash + 1);
    if (version.find('/') == std::string::npos && catalog_.servesGroupVersion(group, version))
      return respondJson(call, 200, resourceList(group, version));
    throw pathNotFound();
  }
  if (path == "/openapi/v2") {
    std::string accept = call.http.header("Accept");
    if (!accept.empty() && accept.find("application/json") == std::string::npos &&
        accept.find("*/*") == std::string::npos)
      throw notAcceptable();
    return jsonResponse(openapiV2Json());
  }
  if (path == "/openapi/v3") return jsonResponse(openapi_.v3Discovery());
  if (path.starts_with("/openapi/v3/")) {
    std::optional<std::string> doc = openapi_.v3Document(std::string_view(path).substr(12));
    if (!doc) throw pathNotFound();
    HttpResponse r = jsonResponse(std::move(*doc));
    if (call.http.hasParam("hash")) r.headers.emplace_back("Cache-Control", "public, immutable");
    return r;
  }
  throw pathNotFound();
}

}  // namespace kubesim

// RequestInfo parsing, after the API server's RequestInfoFactory.
#include "router.h"

#include <algorithm>

namespace kubesim {

namespace {

// strings.Split(strings.Trim(path, "/"), "/"), as the API server splits.
std::vector<std::string> splitPath(std::string_view path) {
  std::vector<std::string> parts;
  while (!path.empty() && path.front() == '/')
    path.remove_prefix(1);
  while (!path.empty() && path.back() == '/')
    path.remove_suffix(1);
  if (path.empty()) return parts;
  for (;;) {
    std::size_t slash = path.find('/');
    parts.emplace_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The value a selector like "metadata.name=x" or "metadata.name==x" pins, when it pins one exactly.
std::string exactName(std::string_view selector) {
  std::size_t start = 0;
  while (start <= selector.size()) {
    std::size_t comma = selector.find(',', start);
    std::string_view term =
        selector.substr(start, comma == std::string_view::npos ? selector.npos : comma - start);
    for (std::string_view prefix : {"metadata.name==", "metadata.name="})
      if (term.starts_with(prefix)) return std::string(term.substr(prefix.size()));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return {};
}

}  // namespace

bool parseBoolParam(std::string_view v, bool& out) {
  if (v == "1" || v == "t" || v == "T" || v == "true" || v == "TRUE" || v == "True") {
    out = true;
    return true;
  }
  if (v == "0" || v == "f" || v == "F" || v == "false" || v == "FALSE" || v == "False") {
    out = false;
    return true;
  }
  return false;
}

RequestAttributes RequestInfo::attributes() const {
  RequestAttributes a;
  a.verb = verb;
  a.resourceRequest = isResourceRequest;
  a.apiGroup = apiGroup;
  a.resource = resource;
  a.subresource = subresource;
  a.name = name;
  a.namespace_ = namespace_;
  a.path = path;
  return a;
}

RequestInfo parseRequestInfo(std::string_view method, std::string_view path, bool watchParam,
                             std::string_view fieldSelector) {
  RequestInfo info;
  info.path = std::string(path);
  info.verb = lower(method);
  std::vector<std::string> parts = splitPath(path);
  if (parts.size() < 3 || (parts[0] != "api" && parts[0] != "apis")) return info;
  info.apiPrefix = parts[0];
  std::size_t i = 1;
  if (info.apiPrefix == "apis") {
    if (parts.size() < 4) return info;
    info.apiGroup = parts[i++];
  }
  info.isResourceRequest = true;
  info.apiVersion = parts[i++];

  std::vector<std::string> rest(parts.begin() + static_cast<std::ptrdiff_t>(i), parts.end());
  if (rest.front() == "watch" || rest.front() == "proxy") {
    if (rest.size() < 2) {
      // A real server refuses "unable to determine kind and namespace from url"; routing answers 404.
      info.isResourceRequest = false;
      return info;
    }
    info.verb = rest.front();
    info.legacyWatchPath = rest.front() == "watch";
    rest.erase(rest.begin());
  } else if (method == "POST") {
    info.verb = "create";
  } else if (method == "GET" || method == "HEAD") {
    info.verb = "get";
  } else if (method == "PUT") {
    info.verb = "update";
  } else if (method == "PATCH") {
    info.verb = "patch";
  } else if (method == "DELETE") {
    info.verb = "delete";
  } else {
    info.verb.clear();
  }

  if (rest.front() == "namespaces" && rest.size() > 1) {
    info.namespace_ = rest[1];
    if (rest.size() > 2 && rest[2] != "status" && rest[2] != "finalize")
      rest.erase(rest.begin(), rest.begin() + 2);
  }
  info.parts = rest;
  if (rest.size() >= 3 && info.verb != "proxy") info.subresource = rest[2];
  if (rest.size() >= 2) info.name = rest[1];
  if (!rest.empty()) info.resource = rest[0];

  if (info.name.empty() && info.verb == "get") {
    info.verb = watchParam ? "watch" : "list";
    std::string pinned = exactName(fieldSelector);
    if (!pinned.empty() && pinned != "." && pinned != ".." && pinned.find('/') == std::string::npos &&
        pinned.find('%') == std::string::npos)
      info.name = pinned;
  }
  if (info.name.empty() && info.verb == "delete") info.verb = "deletecollection";
  return info;
}

}  // namespace kubesim

// Client: REST semantics (pagination, log limits, watch events, Status errors) over a KubeTransport.
#include "kube/client.h"

#include <fmt/format.h>

#include <boost/json.hpp>

namespace aiops::kube {
namespace {

namespace json = boost::json;

// Headroom over limitBytes before our own cap kills the transfer (the server counts log bytes, the cap
// counts the HTTP body; both are the same text, but a server that ignores limitBytes must not stream GBs).
constexpr std::size_t kLogCapSlack = 64 * 1024;

std::string describe(const ResourceType& type, const std::string& namespace_, const std::string& name = {}) {
  std::string what = type.group.empty() ? type.plural : fmt::format("{}.{}", type.plural, type.group);
  if (!name.empty()) what += "/" + name;
  if (type.namespaced && !namespace_.empty()) what += fmt::format(" in namespace {}", namespace_);
  return what;
}

json::value take(Fetched&& fetched) {
  if (fetched.error) throw *fetched.error;
  return std::move(fetched.value);
}

json::value checked(const Response& response, const std::string& what) {
  return take(interpret(response, what));
}

std::string listPath(const ResourceType& type, const std::string& namespace_, const ListOptions& options,
                     const std::string& continueToken) {
  return withQuery(collectionPath(type, namespace_),
                   {{"labelSelector", options.labelSelector},
                    {"fieldSelector", options.fieldSelector},
                    {"limit", options.pageSize > 0 ? std::to_string(options.pageSize) : ""},
                    {"continue", continueToken}});
}

std::string continueToken(const json::value& page) {
  const auto* object = page.if_object();
  const auto* metadata = object ? object->if_contains("metadata") : nullptr;
  const auto* token =
      metadata && metadata->is_object() ? metadata->get_object().if_contains("continue") : nullptr;
  return token && token->is_string() ? std::string(token->get_string()) : std::string();
}

// Starts the merged List from the first page, giving each item its kind as kubectl does.
void appendPage(json::object& merged, json::value& page) {
  auto* object = page.if_object();
  if (object == nullptr) return;
  if (merged.empty()) {
    merged["apiVersion"] = object->contains("apiVersion") ? object->at("apiVersion") : json::value("v1");
    merged["kind"] = object->contains("kind") ? object->at("kind") : json::value("List");
    merged["metadata"] = json::object();
    merged["items"] = json::array();
  }
  if (const auto* metadata = object->if_contains("metadata"); metadata && metadata->is_object()) {
    if (const auto* rv = metadata->get_object().if_contains("resourceVersion")) {
      merged["metadata"].as_object()["resourceVersion"] = *rv;
    }
  }
  std::string itemKind;
  if (const auto* kind = object->if_contains("kind"); kind && kind->is_string()) {
    itemKind = std::string(kind->get_string());
    if (itemKind.size() > 4 && itemKind.ends_with("List")) itemKind.resize(itemKind.size() - 4);
  }
  auto* items = object->if_contains("items");
  if (items == nullptr || !items->is_array()) return;
  auto& out = merged["items"].as_array();
  for (auto& item : items->as_array()) {
    if (auto* itemObject = item.if_object()) {
      if (!itemObject->contains("apiVersion") && merged.contains("apiVersion")) {
        itemObject->emplace("apiVersion", merged["apiVersion"]);
      }
      if (!itemObject->contains("kind") && !itemKind.empty()) itemObject->emplace("kind", itemKind);
    }
    out.push_back(std::move(item));
  }
}

}  // namespace

const json::value& Fetched::get() const {
  if (error) throw *error;
  return value;
}

Fetched interpret(const Response& response, const std::string& what) {
  Fetched result;
  if (response.error) {
    result.error = response.error->withContext(what);
    return result;
  }
  if (response.truncated) {
    result.error = KubeError(ErrorKind::BadResponse,
                             fmt::format("{}: the response exceeded the size limit and was cut off", what),
                             "narrow the request with -n or a label selector");
    return result;
  }
  boost::system::error_code ec;
  json::value value = json::parse(response.body, ec);
  if (ec) {
    result.error = KubeError(ErrorKind::BadResponse,
                             fmt::format("{}: the server's answer is not JSON ({})", what, ec.message()),
                             "check that --context points at a Kubernetes API server");
    return result;
  }
  if (auto status = parseStatus(value)) {
    result.error = apiError(*status).withContext(what);
    return result;
  }
  result.value = std::move(value);
  return result;
}

json::value Client::get(const ResourceRef& ref) {
  return checked(transport_.get(path(ref)), "getting " + describe(ref.type, ref.namespace_, ref.name));
}

std::optional<json::value> Client::find(const ResourceRef& ref) {
  const Response response = transport_.get(path(ref));
  if (response.error && response.error->isNotFound()) return std::nullopt;
  return checked(response, "getting " + describe(ref.type, ref.namespace_, ref.name));
}

json::value Client::getPath(const std::string& path) {
  return checked(transport_.get(path), "GET " + path);
}

json::value Client::list(const ResourceType& type, const std::string& namespace_,
                         const ListOptions& options) {
  auto results = listAll({ListRequest{type, namespace_, options}});
  return results.front().get();
}

std::vector<Fetched> Client::listAll(const std::vector<ListRequest>& requests) {
  std::vector<Fetched> results(requests.size());
  std::vector<json::object> merged(requests.size());
  std::vector<std::string> tokens(requests.size());
  std::vector<std::size_t> pending(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i)
    pending[i] = i;
  // Each round fetches the next page of every list that has one, all in parallel.
  while (!pending.empty()) {
    std::vector<std::string> paths;
    for (const std::size_t i : pending) {
      paths.push_back(listPath(requests[i].type, requests[i].namespace_, requests[i].options, tokens[i]));
    }
    const std::vector<Response> responses = transport_.getAll(paths);
    std::vector<std::size_t> next;
    for (std::size_t k = 0; k < pending.size(); ++k) {
      const std::size_t i = pending[k];
      Fetched page = interpret(responses[k], "listing " + describe(requests[i].type, requests[i].namespace_));
      if (!page.ok()) {
        results[i].error = std::move(page.error);  // a per-list outcome, not a failure of the batch
        continue;
      }
      tokens[i] = continueToken(page.value);
      appendPage(merged[i], page.value);
      if (!tokens[i].empty()) {
        next.push_back(i);
      } else {
        results[i].value = std::move(merged[i]);
      }
    }
    pending = std::move(next);
  }
  return results;
}

std::vector<Fetched> Client::getAll(const std::vector<std::string>& paths) {
  const std::vector<Response> responses = transport_.getAll(paths);
  std::vector<Fetched> results(paths.size());
  for (std::size_t i = 0; i < paths.size(); ++i)
    results[i] = interpret(responses[i], "GET " + paths[i]);
  return results;
}

json::value Client::create(const ResourceType& type, const std::string& namespace_,
                           const json::value& object) {
  return checked(transport_.create(collectionPath(type, namespace_), json::serialize(object)),
                 "creating " + describe(type, namespace_));
}

json::value Client::replace(const ResourceRef& ref, const json::value& object) {
  return checked(transport_.replace(path(ref), json::serialize(object)),
                 "replacing " + describe(ref.type, ref.namespace_, ref.name));
}

json::value Client::patch(const ResourceRef& ref, PatchType type, const json::value& patch) {
  return checked(transport_.patch(ref, type, json::serialize(patch)),
                 "patching " + describe(ref.type, ref.namespace_, ref.name));
}

json::value Client::remove(const ResourceRef& ref) {
  return checked(transport_.remove(path(ref)), "deleting " + describe(ref.type, ref.namespace_, ref.name));
}

Logs Client::logs(const std::string& namespace_, const std::string& pod, const LogOptions& options) {
  const std::string logPath =
      withQuery(objectPath(types::pods, namespace_, pod, "log"),
                {{"container", options.container},
                 {"previous", options.previous ? "true" : ""},
                 {"tailLines", options.tailLines ? std::to_string(*options.tailLines) : ""},
                 {"limitBytes", options.limitBytes > 0 ? std::to_string(options.limitBytes) : ""},
                 {"sinceSeconds", options.sinceSeconds ? std::to_string(*options.sinceSeconds) : ""},
                 {"timestamps", options.timestamps ? "true" : ""}});
  RequestOptions request;
  request.maxBytes = options.limitBytes > 0 ? static_cast<std::size_t>(options.limitBytes) + kLogCapSlack : 0;
  Response response = transport_.get(logPath, request);
  const std::string what = fmt::format("reading {}logs of pod {} in namespace {}",
                                       options.previous ? "previous " : "", pod, namespace_);
  if (response.error) throw response.error->withContext(what);
  Logs logs;
  logs.text = std::move(response.body);
  logs.truncated = response.truncated;
  if (options.limitBytes > 0 && logs.text.size() >= static_cast<std::size_t>(options.limitBytes)) {
    logs.text.resize(static_cast<std::size_t>(options.limitBytes));
    logs.truncated = true;
  }
  return logs;
}

Watch Client::watch(const ResourceType& type, const std::string& namespace_, const WatchOptions& options) {
  const std::string watchPath =
      withQuery(collectionPath(type, namespace_),
                {{"watch", "1"},
                 {"labelSelector", options.labelSelector},
                 {"fieldSelector", options.fieldSelector},
                 {"resourceVersion", options.resourceVersion},
                 {"timeoutSeconds", options.timeoutSeconds > 0 ? std::to_string(options.timeoutSeconds) : ""},
                 {"allowWatchBookmarks", options.allowBookmarks ? "true" : ""}});
  return Watch(transport_.stream(watchPath));
}

std::optional<WatchEvent> Watch::next(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    auto line = stream_->next(std::max(left, std::chrono::milliseconds(0)));
    if (!line) {
      if (stream_->finished()) {
        if (auto error = stream_->error()) throw error->withContext("watching");
      }
      return std::nullopt;
    }
    if (line->empty()) continue;
    boost::system::error_code ec;
    json::value event = json::parse(*line, ec);
    if (ec || !event.is_object()) {
      throw KubeError(ErrorKind::BadResponse,
                      fmt::format("watching: an event is not JSON ({})", line->substr(0, 80)),
                      "check that --context points at a Kubernetes API server");
    }
    auto& object = event.as_object();
    WatchEvent result;
    if (const auto* type = object.if_contains("type"); type && type->is_string()) {
      result.type = std::string(type->get_string());
    }
    if (auto* payload = object.if_contains("object")) result.object = std::move(*payload);
    if (result.type == "ERROR") {
      auto status = parseStatus(result.object);
      throw apiError(status.value_or(ApiError{500, "InternalError", "the watch failed"}))
          .withContext("watching");
    }
    return result;
  }
}

bool Watch::finished() {
  return stream_->finished();
}

}  // namespace aiops::kube

// The generic resource handlers: get, list, watch, create, update (PUT), patch and delete, with the query
// parameters, status codes and messages of the real API server's handlers (apiserver/pkg/endpoints/handlers).
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <thread>

#include "api.h"
#include "codec.h"
#include "errors.h"
#include "patch.h"
#include "protobuf.h"
#include "selectors.h"

namespace kubesim {

namespace json = boost::json;

namespace {

std::string mediaType(const std::string& contentType) {
  std::string t = contentType.substr(0, contentType.find(';'));
  while (!t.empty() && t.back() == ' ')
    t.pop_back();
  std::transform(t.begin(), t.end(), t.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return t;
}

bool dryRunRequested(const HttpRequest& http) {
  auto range = http.params.equal_range("dryRun");
  bool dry = false;
  for (auto it = range.first; it != range.second; ++it) {
    if (it->second != "All")
      throw invalid("", "", "",
                    {{"FieldValueNotSupported", "dryRun",
                      fmt::format("Unsupported value: \"{}\": supported values: \"All\"", it->second)}});
    dry = true;
  }
  return dry;
}

std::int64_t parseInt(std::string_view text, std::string_view name) {
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size())
    throw badRequest(
        fmt::format("{}: strconv.ParseInt: parsing {}: invalid syntax", name, toJson(json::string(text))));
  return v;
}

// Built-in list items carry no apiVersion/kind (their TypeMeta is empty); custom resources keep theirs.
json::object listItem(json::object item, bool custom) {
  if (!custom) {
    item.erase("apiVersion");
    item.erase("kind");
  }
  return item;
}

json::object partialMetadata(const json::object& object) {
  json::object partial;
  partial["kind"] = "PartialObjectMetadata";
  partial["apiVersion"] = "meta.k8s.io/v1";
  if (const json::object* meta = objectField(object, "metadata")) partial["metadata"] = *meta;
  return partial;
}

std::string watchLine(std::string_view type, const json::value& object) {
  json::object event;
  event["type"] = type;
  event["object"] = object;
  return toJson(event) + "\n";
}

// The field manager a write is recorded under: fieldManager, else the User-Agent's program name.
std::string managerOf(const HttpRequest& http) {
  std::string manager = http.param("fieldManager");
  if (!manager.empty()) return manager;
  std::string agent = http.header("User-Agent");
  manager = agent.substr(0, agent.find('/'));
  return manager.empty() ? "unknown" : manager;
}

}  // namespace

json::object ApiServer::decodeBody(const Call& call) const {
  std::string type = mediaType(call.http.header("Content-Type"));
  json::value value;
  try {
    if (type == "application/vnd.kubernetes.protobuf") {
      const ResourceType& resource = *call.type;
      std::optional<json::object> decoded = decodeProtobuf(call.http.body, resource.group, resource.kind);
      if (!decoded) throw unsupportedMediaType(type, {"application/json", "application/yaml"});
      return std::move(*decoded);
    }
    if (type == "application/yaml")
      value = parseYaml(call.http.body);
    else if (type.empty() || type == "application/json" || type == "*/*")
      value = parseJson(call.http.body);
    else
      throw unsupportedMediaType(type, {"application/json", "application/yaml"});
  } catch (const DecodeError& e) {
    throw badRequest(fmt::format("couldn't get version/kind; json parse error: {}", e.what()));
  }
  if (!value.is_object()) throw badRequest("couldn't get version/kind; json parse error: expected an object");
  return std::move(value.get_object());
}

json::object ApiServer::present(const ResourceType& type, const json::object& stored) const {
  json::object out = stored;
  std::string_view storedVersion = stringField(stored, "apiVersion");
  if (type.group == "events.k8s.io" && storedVersion == "v1") out = eventToEventsV1(std::move(out));
  if (type.group == "autoscaling" && type.version == "v1" && storedVersion == "autoscaling/v2")
    out = hpaV2ToV1(std::move(out));
  else if (type.group == "autoscaling" && type.plural == "horizontalpodautoscalers")
    defaultHpaV2(out);
  // Rebuild with apiVersion and kind first, as the real server's encoding orders them.
  json::object ordered;
  ordered["kind"] = type.kind;
  ordered["apiVersion"] = type.groupVersion();
  for (auto& kv : out)
    if (kv.key() != "kind" && kv.key() != "apiVersion") ordered[kv.key()] = std::move(kv.value());
  return ordered;
}

std::function<bool(const json::object&)> ApiServer::selectorPredicate(const Call& call) const {
  std::string labelText = call.http.param("labelSelector");
  std::string fieldText = call.http.param("fieldSelector");
  if (labelText.empty() && fieldText.empty()) return nullptr;
  try {
    auto labels = std::make_shared<LabelSelector>(LabelSelector::parse(labelText));
    auto fields = std::make_shared<FieldSelector>(
        FieldSelector::parse(fieldText, call.storage.group, call.storage.resource));
    return [labels, fields](const json::object& obj) {
      static const json::object kNoLabels;
      const json::object* meta = objectField(obj, "metadata");
      const json::object* lbls = meta ? objectField(*meta, "labels") : nullptr;
      return labels->matches(lbls ? *lbls : kNoLabels) && fields->matches(obj);
    };
  } catch (const SelectorError& e) {
    throw badRequest(e.what());
  }
}

json::object ApiServer::listBody(const Call& call, Output output, const std::vector<ObjectPtr>& items,
                                 const ListResult& page) const {
  const ResourceType& type = *call.type;
  json::object meta;
  meta["resourceVersion"] = std::to_string(page.revision);
  if (!page.continueToken.empty()) meta["continue"] = page.continueToken;
  if (page.remainingItemCount) meta["remainingItemCount"] = *page.remainingItemCount;
  if (output == Output::Table) {
    std::vector<json::object> presented;
    presented.reserve(items.size());
    for (const ObjectPtr& o : items)
      presented.push_back(present(type, *o));
    json::object table =
        toTable(type, presented, includeObject(call), clock_.now(), std::to_string(page.revision));
    json::object& tableMeta = metadataOf(table);
    for (auto& kv : meta)
      tableMeta[kv.key()] = kv.value();
    return table;
  }
  json::array list;
  list.reserve(items.size());
  bool custom = catalog_.isCustom(type.group, type.plural);
  for (const ObjectPtr& o : items) {
    if (output == Output::PartialMetadata)
      list.push_back(partialMetadata(*o));
    else
      list.push_back(listItem(present(type, *o), custom));
  }
  json::object body;
  if (output == Output::PartialMetadata) {
    body["kind"] = "PartialObjectMetadataList";
    body["apiVersion"] = "meta.k8s.io/v1";
  } else {
    body["kind"] = listKind(type);
    body["apiVersion"] = type.groupVersion();
  }
  body["metadata"] = std::move(meta);
  body["items"] = std::move(list);
  return body;
}

HttpResponse ApiServer::getObject(Call& call) {
  ObjectPtr obj = store_.get(call.storage, call.info.namespace_, call.info.name);
  if (!obj) throw notFound(call.storage, call.info.name);
  return respondObject(call, 200, present(*call.type, *obj));
}

HttpResponse ApiServer::listObjects(Call& call) {
  ListOptions options;
  options.namespace_ = call.type->namespaced ? call.info.namespace_ : "";
  options.predicate = selectorPredicate(call);
  options.countRemaining = !options.predicate;
  if (call.http.hasParam("limit")) {
    std::int64_t limit = parseInt(call.http.param("limit"), "limit");
    if (limit > 0) options.limit = static_cast<std::size_t>(limit);
  }
  options.continueToken = call.http.param("continue");
  Output output = negotiate(call, true);
  ListResult page = store_.list(call.storage, options);
  return respondJson(call, 200, listBody(call, output, page.items, page));
}

HttpResponse ApiServer::watchObjects(Call& call) {
  const ResourceType type = *call.type;
  Output output = negotiate(call, true);
  IncludeObject include = includeObject(call);
  auto predicate = selectorPredicate(call);
  if (call.info.legacyWatchPath && !call.info.name.empty()) {
    std::string name = call.info.name;
    auto base = predicate;
    predicate = [base, name](const json::object& o) {
      return metaString(o, "name") == name && (!base || base(o));
    };
  }
  std::string ns = type.namespaced ? call.info.namespace_ : "";
  bool bookmarks = false;
  parseBoolParam(call.http.param("allowWatchBookmarks"), bookmarks);
  bool sendInitial = false;
  parseBoolParam(call.http.param("sendInitialEvents"), sendInitial);
  std::chrono::milliseconds timeout = options_.maxWatchTimeout;
  if (call.http.hasParam("timeoutSeconds")) {
    std::int64_t seconds = parseInt(call.http.param("timeoutSeconds"), "timeoutSeconds");
    if (seconds > 0) timeout = std::min(timeout, std::chrono::milliseconds(seconds * 1000));
  }

  // Where the stream starts: "" and "0" mean the current state as synthetic ADDED events, then changes;
  // a revision means the changes after it.
  std::string rv = call.http.param("resourceVersion");
  std::vector<ObjectPtr> initial;
  std::uint64_t from = 0;
  if (rv.empty() || rv == "0" || sendInitial) {
    ListOptions options;
    options.namespace_ = ns;
    options.predicate = predicate;
    ListResult snapshot = store_.list(call.storage, options);
    initial = std::move(snapshot.items);
    from = snapshot.revision;
  } else {
    std::int64_t parsed = parseInt(rv, "resourceVersion");
    if (parsed < 0) throw badRequest(fmt::format("invalid resource version \"{}\"", rv));
    from = static_cast<std::uint64_t>(parsed);
  }
  std::shared_ptr<Watch> watch;
  std::optional<json::object> startError;
  try {
    watch = store_.watch(call.storage, ns, from);
  } catch (const ApiError& e) {
    startError = e.status();
  }

  HttpResponse response;
  response.contentType = "application/json;stream=watch";
  const ApiServerOptions options = options_;
  response.stream = [this, type, output, include, predicate, initial = std::move(initial), watch, startError,
                     bookmarks, sendInitial, timeout, options](const StreamSink& sink) {
    bool first = true;
    auto render = [&](const json::object& stored) -> json::value {
      json::object obj = present(type, stored);
      if (output == Output::PartialMetadata) return partialMetadata(obj);
      if (output != Output::Table) return obj;
      json::object table = toTable(type, {obj}, include, clock_.now());
      metadataOf(table)["resourceVersion"] = std::string(metaString(obj, "resourceVersion"));
      // Only the first event carries the column definitions, as on a real server.
      if (!first) table["columnDefinitions"] = nullptr;
      first = false;
      return table;
    };
    auto bookmark = [&](std::uint64_t revision, bool initialEnd) {
      json::object meta;
      meta["resourceVersion"] = std::to_string(revision);
      meta["creationTimestamp"] = nullptr;
      if (initialEnd) meta["annotations"] = json::object{{"k8s.io/initial-events-end", "true"}};
      json::object obj;
      obj["kind"] = type.kind;
      obj["apiVersion"] = type.groupVersion();
      obj["metadata"] = std::move(meta);
      return sink.write(watchLine("BOOKMARK", obj));
    };
    if (startError) {
      sink.write(watchLine("ERROR", *startError));
      return;
    }
    for (const ObjectPtr& o : initial)
      if (!sink.write(watchLine("ADDED", render(*o)))) return;
    if (sendInitial && bookmarks && !bookmark(watch->revision(), true)) return;

    auto start = std::chrono::steady_clock::now();
    auto deadline = start + timeout;
    auto nextBookmark = [&](auto now) {
      auto next = now + options.bookmarkInterval;
      auto beforeDeadline = deadline - std::chrono::seconds(2);
      return beforeDeadline > now && beforeDeadline < next ? beforeDeadline : next;
    };
    auto bookmarkAt = nextBookmark(start);
    for (;;) {
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline || shuttingDown_) return;
      auto wait =
          std::min({deadline - now, std::chrono::steady_clock::duration(std::chrono::seconds(1)),
                    bookmarks ? std::max(bookmarkAt - now, std::chrono::steady_clock::duration::zero())
                              : std::chrono::steady_clock::duration(std::chrono::seconds(1))});
      std::optional<StoreEvent> event;
      try {
        event = watch->next(std::chrono::duration_cast<std::chrono::milliseconds>(wait));
      } catch (const ApiError& e) {
        sink.write(watchLine("ERROR", e.status()));
        return;
      }
      if (!event) {
        if (watch->closed() || !sink.alive()) return;
        if (bookmarks && std::chrono::steady_clock::now() >= bookmarkAt) {
          if (!bookmark(watch->revision(), false)) return;
          bookmarkAt = nextBookmark(std::chrono::steady_clock::now());
        }
        continue;
      }
      std::string_view kind = eventTypeName(event->type);
      ObjectPtr object = event->object;
      if (predicate) {
        bool now_ = predicate(*event->object);
        bool before = event->previous ? predicate(*event->previous) : now_;
        if (event->type == EventType::Modified && now_ != before) {
          kind = now_ ? "ADDED" : "DELETED";
          if (!now_) {
            json::object last = *event->previous;
            metadataOf(last)["resourceVersion"] = std::string(metaString(*event->object, "resourceVersion"));
            object = std::make_shared<const json::object>(std::move(last));
          }
        } else if (!now_) {
          continue;
        }
      }
      if (!sink.write(watchLine(kind, render(*object)))) return;
    }
  };
  return response;
}

namespace {

// Removes the field at a validation path ("spec.template.spec.containers[0].foo"): what the decoder does to
// an unknown field it does not refuse.
void eraseFieldPath(json::object& root, std::string_view path) {
  json::object* parent = &root;
  std::string key;
  std::size_t i = 0;
  while (i < path.size()) {
    std::size_t end = path.find_first_of(".[", i);
    key = std::string(path.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i));
    i = end == std::string_view::npos ? path.size() : end;
    while (i < path.size() && path[i] == '[') {
      std::size_t close = path.find(']', i);
      if (close == std::string_view::npos) return;
      auto it = parent->find(key);
      if (it == parent->end() || !it->value().is_array()) return;
      std::size_t index = std::strtoul(std::string(path.substr(i + 1, close - i - 1)).c_str(), nullptr, 10);
      json::array& arr = it->value().get_array();
      if (index >= arr.size() || !arr[index].is_object()) return;
      parent = &arr[index].get_object();
      key.clear();
      i = close + 1;
    }
    if (i < path.size() && path[i] == '.') {
      ++i;
      if (key.empty()) continue;
      auto it = parent->find(key);
      if (it == parent->end() || !it->value().is_object()) return;
      parent = &it->value().get_object();
      key.clear();
    }
  }
  if (!key.empty()) parent->erase(key);
}

}  // namespace

void ApiServer::validateForWrite(Call& call, json::object& object, std::string_view name) {
  std::string directive = call.http.param("fieldValidation");
  FieldValidation mode = FieldValidation::Warn;
  if (directive == "Strict")
    mode = FieldValidation::Strict;
  else if (directive == "Ignore")
    mode = FieldValidation::Ignore;
  else if (!directive.empty() && directive != "Warn")
    throw badRequest(fmt::format("fieldValidation parameter unsupported: {}", directive));

  ValidationResult result = validateObject(openapi_, object);
  const ResourceType& type = *call.type;
  std::string version(stringField(object, "apiVersion"));
  version = version.substr(version.find('/') == std::string::npos ? 0 : version.find('/') + 1);
  std::string kind(stringField(object, "kind"));
  bool patch = call.info.verb == "patch";
  for (const ValidationProblem& p : result.problems) {
    if (p.kind != ValidationProblem::Kind::Decode) continue;
    if (patch)
      throw invalid("", "", "",
                    {{"FieldValueInvalid", "patch",
                      fmt::format("Invalid value: \"{}\": {}", toJson(object), p.message)}});
    throw badRequest(fmt::format("{} in version \"{}\" cannot be handled as a {}: {}", kind, version,
                                 type.kind, p.message));
  }
  std::vector<std::string> unknown;
  for (const ValidationProblem& p : result.problems)
    if (p.kind == ValidationProblem::Kind::UnknownField)
      unknown.push_back(fmt::format("unknown field {}", toJson(json::string(p.field))));
  if (!unknown.empty() && mode == FieldValidation::Strict) {
    std::string strict = fmt::format("strict decoding error: {}", fmt::join(unknown, ", "));
    if (patch) throw badRequest(strict);
    throw badRequest(
        fmt::format("{} in version \"{}\" cannot be handled as a {}: {}", kind, version, type.kind, strict));
  }
  if (mode == FieldValidation::Warn)
    for (std::string& w : unknown)
      call.warnings.push_back(std::move(w));
  // Unknown fields that are not refused are dropped, as the decoder drops them.
  for (const ValidationProblem& p : result.problems)
    if (p.kind == ValidationProblem::Kind::UnknownField) eraseFieldPath(object, p.field);
  std::vector<FieldCause> causes;
  for (const ValidationProblem& p : result.problems)
    if (p.kind == ValidationProblem::Kind::Invalid) causes.push_back({causeReason(p), p.field, p.message});
  if (!causes.empty()) throw invalid(type.kind, type.group, name, causes);
}

HttpResponse ApiServer::createObject(Call& call) {
  const ResourceType& type = *call.type;
  json::object object = decodeBody(call);
  normalizeTypeMeta(type, object);
  json::object& meta = metadataOf(object);
  if (type.namespaced) {
    std::string_view ns = stringField(meta, "namespace");
    if (ns.empty())
      meta["namespace"] = call.info.namespace_;
    else if (ns != call.info.namespace_)
      throw badRequest(
          "the namespace of the provided object does not match the namespace sent on the request");
  } else {
    meta.erase("namespace");
  }
  bool dryRun = dryRunRequested(call.http);
  validateForWrite(call, object, stringField(meta, "name"));
  prepareForCreate(type, object);
  object = recordUpdate(openapi_, nullptr, std::move(object), managerOf(call.http), formatTime(clock_.now()));
  ObjectPtr created = store_.create(call.storage, toStorage(type, std::move(object)), {dryRun, false});
  if (!dryRun) afterWrite(type, *created, false);
  return respondObject(call, 201, present(type, *created));
}

ObjectPtr ApiServer::createAs(const GroupResource& resource, json::object object, std::string_view manager) {
  // The served type of the object's apiVersion, or the resource's first served version.
  std::string apiVersion(stringField(object, "apiVersion"));
  std::optional<ResourceType> type;
  for (const ResourceType& t : catalog_.all()) {
    if (storageOf(t) != resource) continue;
    std::string tv = t.group.empty() ? t.version : t.group + "/" + t.version;
    if (!type || tv == apiVersion) type = t;
    if (tv == apiVersion) break;
  }
  if (!type) throw pathNotFound();
  normalizeTypeMeta(*type, object);
  json::object& meta = metadataOf(object);
  if (type->namespaced && stringField(meta, "namespace").empty()) meta["namespace"] = "default";
  prepareForCreate(*type, object);
  object = recordUpdate(openapi_, nullptr, std::move(object), std::string(manager), formatTime(clock_.now()));
  ObjectPtr created = store_.create(resource, toStorage(*type, std::move(object)));
  afterWrite(*type, *created, false);
  return created;
}

HttpResponse ApiServer::updateObject(Call& call, UpdateScope scope) {
  const ResourceType& type = *call.type;
  json::object object = decodeBody(call);
  normalizeTypeMeta(type, object);
  json::object& meta = metadataOf(object);
  std::string_view name = stringField(meta, "name");
  if (name.empty())
    meta["name"] = call.info.name;
  else if (name != call.info.name)
    throw badRequest(fmt::format("the name of the object ({}) does not match the name on the URL ({})", name,
                                 call.info.name));
  if (type.namespaced) {
    std::string_view ns = stringField(meta, "namespace");
    if (ns.empty())
      meta["namespace"] = call.info.namespace_;
    else if (ns != call.info.namespace_)
      throw badRequest(
          "the namespace of the provided object does not match the namespace sent on the request");
  }
  bool dryRun = dryRunRequested(call.http);
  validateForWrite(call, object, call.info.name);
  ObjectPtr existing = store_.get(call.storage, call.info.namespace_, call.info.name);
  if (!existing) throw notFound(call.storage, call.info.name);
  json::object old = present(type, *existing);
  prepareForUpdate(type, object, old);
  object = recordUpdate(openapi_, &old, std::move(object), managerOf(call.http), formatTime(clock_.now()),
                        scope == UpdateScope::Status ? "status" : "");
  ObjectPtr updated = store_.update(call.storage, toStorage(type, std::move(object)), {scope, dryRun});
  if (!dryRun) afterWrite(type, *updated, false);
  return respondObject(call, 200, present(type, *updated));
}

HttpResponse ApiServer::patchObject(Call& call, UpdateScope scope) {
  const ResourceType& type = *call.type;
  std::string contentType = mediaType(call.http.header("Content-Type"));
  static const std::vector<std::string> kPatchTypes = {
      "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json",
      "application/apply-patch+yaml"};
  bool custom = catalog_.isCustom(type.group, type.plural);
  if (std::find(kPatchTypes.begin(), kPatchTypes.end(), contentType) == kPatchTypes.end() ||
      (custom && contentType == "application/strategic-merge-patch+json")) {
    std::vector<std::string> accepted = kPatchTypes;
    if (custom) std::erase(accepted, "application/strategic-merge-patch+json");
    throw unsupportedMediaType(contentType, accepted);
  }
  bool apply = contentType == "application/apply-patch+yaml";
  json::value patch;
  try {
    patch = apply ? parseYaml(call.http.body) : parseJson(call.http.body);
  } catch (const DecodeError& e) {
    throw badRequest(fmt::format("error decoding patch: {}", e.what()));
  }
  bool dryRun = dryRunRequested(call.http);
  bool force = false;
  parseBoolParam(call.http.param("force"), force);
  std::string manager = call.http.param("fieldManager");
  if (apply) {
    if (manager.empty())
      throw badRequest(
          "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for "
          "apply patch");
    if (!patch.is_object())
      throw badRequest("error decoding YAML: the apply configuration must be an object");
  } else if (force) {
    throw invalid("PatchOptions", "meta.k8s.io", "",
                  {{"FieldValueForbidden", "force", "Forbidden: may not be specified for non-apply patch"}});
  }
  if (manager.empty()) manager = managerOf(call.http);
  std::string now = formatTime(clock_.now());
  std::string subresource = scope == UpdateScope::Status ? "status" : "";

  auto patchOnto = [&](const json::object* current) -> json::object {
    try {
      if (apply) {
        json::object applied = patch.get_object();
        normalizeTypeMeta(type, applied);
        json::object& meta = metadataOf(applied);
        if (stringField(meta, "name").empty()) meta["name"] = call.info.name;
        if (type.namespaced && stringField(meta, "namespace").empty())
          meta["namespace"] = call.info.namespace_;
        return applyServerSide(openapi_, current, applied, manager, force, now);
      }
      json::value result;
      if (contentType == "application/json-patch+json")
        result = applyJsonPatch(*current, patch);
      else if (contentType == "application/merge-patch+json")
        result = applyMergePatch(*current, patch);
      else
        result = applyStrategicMergePatch(openapi_, *current, patch);
      if (!result.is_object()) throw badRequest("the patched object is not an object");
      return std::move(result.get_object());
    } catch (const PatchError& e) {
      throw ApiError(e.code(), e.reason(), e.what());
    }
  };

  ObjectPtr existing = store_.get(call.storage, call.info.namespace_, call.info.name);
  if (!existing) {
    if (!apply || scope != UpdateScope::Main) throw notFound(call.storage, call.info.name);
    json::object object = patchOnto(nullptr);
    validateForWrite(call, object, call.info.name);
    prepareForCreate(type, object);
    ObjectPtr created = store_.create(call.storage, toStorage(type, std::move(object)), {dryRun, false});
    if (!dryRun) afterWrite(type, *created, false);
    return respondObject(call, 201, present(type, *created));
  }

  ObjectPtr updated =
      store_.modify(call.storage, call.info.namespace_, call.info.name,
                    [&](const json::object& stored) {
                      json::object old = present(type, stored);
                      json::object object = patchOnto(&old);
                      call.warnings.clear();
                      validateForWrite(call, object, call.info.name);
                      prepareForUpdate(type, object, old);
                      if (!apply)
                        object = recordUpdate(openapi_, &old, std::move(object), manager, now, subresource);
                      return toStorage(type, std::move(object));
                    },
                    {scope, dryRun});
  if (!dryRun) afterWrite(type, *updated, false);
  return respondObject(call, 200, present(type, *updated));
}

namespace {

DeleteOptions deleteOptionsOf(const HttpRequest& http, const json::object* body) {
  DeleteOptions options;
  std::string policy = http.param("propagationPolicy");
  std::optional<bool> orphan;
  if (http.hasParam("orphanDependents")) {
    bool v = false;
    parseBoolParam(http.param("orphanDependents"), v);
    orphan = v;
  }
  if (http.hasParam("gracePeriodSeconds"))
    options.gracePeriodSeconds = parseInt(http.param("gracePeriodSeconds"), "gracePeriodSeconds");
  if (body) {
    if (auto p = stringField(*body, "propagationPolicy"); !p.empty()) policy = std::string(p);
    if (auto g = body->find("gracePeriodSeconds"); g != body->end() && g->value().is_int64())
      options.gracePeriodSeconds = g->value().get_int64();
    if (auto o = body->find("orphanDependents"); o != body->end() && o->value().is_bool())
      orphan = o->value().get_bool();
    if (const json::object* pre = objectField(*body, "preconditions")) {
      options.preconditionUid = std::string(stringField(*pre, "uid"));
      options.preconditionResourceVersion = std::string(stringField(*pre, "resourceVersion"));
    }
    if (auto d = body->find("dryRun"); d != body->end() && d->value().is_array())
      for (const json::value& v : d->value().get_array())
        if (v.is_string() && v.get_string() == "All") options.dryRun = true;
  }
  if (!policy.empty() && orphan)
    throw invalid(
        "DeleteOptions", "meta.k8s.io", "",
        {{"FieldValueInvalid", "propagationPolicy",
          "Invalid value: \"" + policy + "\": orphanDependents and deletionPropagation cannot be both set"}});
  if (policy == "Orphan" || (orphan && *orphan))
    options.propagation = Propagation::Orphan;
  else if (policy == "Foreground")
    options.propagation = Propagation::Foreground;
  else if (policy.empty() || policy == "Background")
    options.propagation = Propagation::Background;
  else
    throw invalid("DeleteOptions", "meta.k8s.io", "",
                  {{"FieldValueNotSupported", "propagationPolicy",
                    "Unsupported value: \"" + policy +
                        "\": supported values: \"Foreground\", \"Background\", \"Orphan\", \"nil\""}});
  return options;
}

// Kinds whose DELETE answers with the object rather than a Status (ReturnDeletedObject in their registries).
bool returnsDeletedObject(const ResourceType& type, bool custom) {
  if (custom) return true;
  return (type.group.empty() &&
          (type.plural == "pods" || type.plural == "services" || type.plural == "namespaces")) ||
         (type.group == "apiextensions.k8s.io" && type.plural == "customresourcedefinitions");
}

}  // namespace

HttpResponse ApiServer::deleteObject(Call& call) {
  const ResourceType& type = *call.type;
  std::optional<json::object> body;
  if (!call.http.body.empty()) body = decodeBody(call);
  DeleteOptions options = deleteOptionsOf(call.http, body ? &*body : nullptr);
  options.dryRun = options.dryRun || dryRunRequested(call.http);
  ObjectPtr removed = store_.remove(call.storage, call.info.namespace_, call.info.name, options);
  if (!options.dryRun)
    afterWrite(type, *removed,
               metaString(*removed, "deletionTimestamp").empty() ||
                   !store_.get(call.storage, call.info.namespace_, call.info.name));
  if (returnsDeletedObject(type, catalog_.isCustom(type.group, type.plural)))
    return respondObject(call, 200, present(type, *removed));
  json::object details = statusDetails(call.storage, call.info.name);
  details["uid"] = std::string(metaString(*removed, "uid"));
  return respondJson(call, 200, successStatus(std::move(details)));
}

HttpResponse ApiServer::deleteCollection(Call& call) {
  const ResourceType& type = *call.type;
  std::optional<json::object> body;
  if (!call.http.body.empty()) body = decodeBody(call);
  DeleteOptions options = deleteOptionsOf(call.http, body ? &*body : nullptr);
  options.dryRun = options.dryRun || dryRunRequested(call.http);
  ListOptions listOptions;
  listOptions.namespace_ = call.info.namespace_;
  listOptions.predicate = selectorPredicate(call);
  ListResult victims = store_.list(call.storage, listOptions);
  std::vector<ObjectPtr> removed;
  for (const ObjectPtr& o : victims.items) {
    try {
      ObjectPtr r = store_.remove(call.storage, metaString(*o, "namespace"), metaString(*o, "name"), options);
      if (!options.dryRun) afterWrite(type, *r, true);
      removed.push_back(r);
    } catch (const ApiError& e) {
      if (e.code() != 404) throw;  // already gone with an owner: fine
    }
  }
  ListResult page;
  page.revision = store_.revision();
  return respondJson(call, 200, listBody(call, Output::Json, removed, page));
}

void ApiServer::afterWrite(const ResourceType& type, const json::object& object, bool deleted) {
  if (type.group.empty() && type.plural == "namespaces" && !deleted)
    ensureDefaultServiceAccount(std::string(metaString(object, "name")));
  if (type.group != "apiextensions.k8s.io" || type.plural != "customresourcedefinitions") return;
  const json::object* spec = objectField(object, "spec");
  if (!spec) return;
  std::string group(stringField(*spec, "group"));
  const json::object* names = objectField(*spec, "names");
  std::string plural = names ? std::string(stringField(*names, "plural")) : "";
  if (deleted) {
    catalog_.removeCustom(group, plural);
    store_.unregisterResource({group, plural});
    return;
  }
  std::vector<ResourceType> types = resourcesFromCrd(object);
  if (types.empty()) return;
  ResourceTraits traits = traitsOf(types.front());
  traits.tracksGeneration = true;  // custom resources always track generation
  if (!store_.isRegistered({group, plural})) store_.registerResource({group, plural}, traits);
  catalog_.addCustom(types);
}

}  // namespace kubesim

// Loads the Kubernetes OpenAPI v2 document, indexes its definitions by group-version-kind, and derives the
// OpenAPI v3 documents (one per group-version) that kubectl 1.32 reads before anything else.
//
// Why the v3 documents matter: kubectl checks the PATCH operation of a kind for a `fieldValidation` query
// parameter; only then does it send fieldValidation=Strict and leave validation to the server (otherwise it
// asks for v2 as protobuf, which kubesim does not serve). Client-side apply reads the strategic-merge-patch
// metadata (x-kubernetes-patch-*) and `kubectl explain` the descriptions from the same documents.
//
// The conversion follows kube-openapi's v2-to-v3 rules: a `body` parameter becomes a requestBody with one
// media type per consumed type, responses get one media type per produced type, simple parameters get a
// `schema`, and "#/definitions/X" becomes "#/components/schemas/X" with a reference that has siblings wrapped
// in a one-element allOf (OpenAPI 3.0 ignores siblings of $ref). Shared "#/parameters/..." are inlined, as
// the real server's documents have them. Each document carries only the schemas its paths reach.
//
// Why lazily: the core/v1 document alone references hundreds of schemas; building every document would cost
// more than kubesim's whole startup budget, and a test run asks for only a few of them. The hash in the
// discovery document is therefore a digest of the v2 document and the group-version (stable for a given file
// and converter) rather than of the finished document.
#include "openapi.h"

#include <openssl/evp.h>

#include <algorithm>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace kubesim {

namespace json = boost::json;

struct OpenApi::V3Cache {
  std::mutex mutex;
  std::map<std::string, std::string, std::less<>> documents;
};

namespace {

constexpr std::string_view kV2DefinitionPrefix = "#/definitions/";
constexpr std::string_view kV2ParameterPrefix = "#/parameters/";
constexpr std::string_view kV3SchemaPrefix = "#/components/schemas/";
constexpr std::string_view kQuantity = "io.k8s.apimachinery.pkg.api.resource.Quantity";
constexpr std::string_view kIntOrString = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
// Bumped whenever the conversion below changes, so clients that cache documents by hash refetch them.
constexpr std::string_view kConverterVersion = "kubesim-openapi-v3-2";

constexpr std::string_view kFieldValidationDescription =
    "fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) "
    "containing "
    "unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are "
    "silently dropped from the object, and will ignore all but the last duplicate field that the decoder "
    "encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the "
    "standard "
    "warning response header for each unknown field that is dropped from the object, and for each duplicate "
    "field that is encountered. The request will still succeed if there are no other errors, and will only "
    "persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the "
    "request with a BadRequest error if any unknown fields would be dropped from the object, or if any "
    "duplicate fields are present. The error returned from the server will contain all unknown and duplicate "
    "fields encountered.";

std::string sha512Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha512(), nullptr) != 1) {
    throw std::runtime_error("openapi: SHA-512 digest failed");
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xF]);
  }
  return out;
}

// "/apis/apps/v1/namespaces/{namespace}/deployments" -> "apis/apps/v1"; "/apis/apps/" -> "apis/apps";
// "/api/" -> "api"; "/version/" -> "version"; "/logs/{logpath}" -> "logs": the document a v2 path belongs to,
// named as the real server's /openapi/v3 discovery names it.
std::string groupVersionPathOf(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = path.empty() || path.front() != '/' ? 0 : 1;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  while (!segments.empty() && segments.back().empty())
    segments.pop_back();
  if (segments.empty()) return "";
  if (segments[0] == "api") return segments.size() >= 2 ? "api/" + std::string(segments[1]) : "api";
  if (segments[0] == "apis") {
    if (segments.size() == 1) return "apis";
    if (segments.size() == 2) return "apis/" + std::string(segments[1]);
    return "apis/" + std::string(segments[1]) + "/" + std::string(segments[2]);
  }
  std::string out;
  for (auto segment : segments) {
    if (!segment.empty() && segment.front() == '{') break;
    if (!out.empty()) out += '/';
    out += segment;
  }
  return out;
}

std::string gvkKey(std::string_view group, std::string_view version, std::string_view kind) {
  std::string key;
  key.reserve(group.size() + version.size() + kind.size() + 2);
  key.append(group).append("/").append(version).append("/").append(kind);
  return key;
}

const json::object* objectAt(const json::object& obj, std::string_view key) {
  auto it = obj.find(key);
  return it != obj.end() && it->value().is_object() ? &it->value().get_object() : nullptr;
}

const json::array* arrayAt(const json::object& obj, std::string_view key) {
  auto it = obj.find(key);
  return it != obj.end() && it->value().is_array() ? &it->value().get_array() : nullptr;
}

std::string_view stringAt(const json::object& obj, std::string_view key) {
  auto it = obj.find(key);
  return it != obj.end() && it->value().is_string() ? std::string_view(it->value().get_string()) : "";
}

// Builds one v3 document, collecting the schemas its paths reference as it goes.
class V3Builder {
 public:
  explicit V3Builder(const json::object& v2) : v2_(v2) {
    static const json::object kEmpty;
    const auto* definitions = objectAt(v2, "definitions");
    definitions_ = definitions ? definitions : &kEmpty;
    const auto* parameters = objectAt(v2, "parameters");
    parameters_ = parameters ? parameters : &kEmpty;
  }

  json::object build(const std::vector<std::string>& v2Paths) {
    json::object paths;
    const auto& v2PathItems = *objectAt(v2_, "paths");
    for (const auto& path : v2Paths)
      paths[path] = convertPathItem(v2PathItems.at(path).as_object());

    json::object schemas;
    while (!pending_.empty()) {
      auto name = std::move(pending_.back());
      pending_.pop_back();
      auto it = definitions_->find(name);
      if (it == definitions_->end()) continue;
      auto schema = convertSchema(it->value());
      // The two types that take more than one JSON type are described by oneOf in v3, as the real
      // server's documents describe them (kubectl explain then prints <Quantity>, <IntOrString>).
      if (schema.is_object() && (name == kQuantity || name == kIntOrString)) {
        schema.get_object().erase("type");
        schema.get_object()["oneOf"] =
            name == kQuantity
                ? json::array{json::object{{"type", "string"}}, json::object{{"type", "number"}}}
                : json::array{json::object{{"type", "integer"}}, json::object{{"type", "string"}}};
      }
      converted_[name] = std::move(schema);
    }
    for (auto& [name, schema] : converted_)
      schemas[name] = std::move(schema);

    json::object components;
    components["schemas"] = std::move(schemas);
    if (const auto* security = objectAt(v2_, "securityDefinitions")) {
      json::object schemes;
      for (const auto& [name, scheme] : *security)
        schemes[name] = scheme;
      components["securitySchemes"] = std::move(schemes);
    }

    json::object doc;
    doc["openapi"] = "3.0.0";
    if (const auto* info = objectAt(v2_, "info")) doc["info"] = *info;
    doc["paths"] = std::move(paths);
    doc["components"] = std::move(components);
    if (const auto* security = arrayAt(v2_, "security")) doc["security"] = *security;
    return doc;
  }

 private:
  void reference(std::string_view name) {
    if (seen_.insert(std::string(name)).second) pending_.emplace_back(name);
  }

  json::value convertSchema(const json::value& schema) {
    if (!schema.is_object()) return schema;
    const auto& in = schema.get_object();
    json::object out;
    std::string v3Ref;
    if (auto ref = stringAt(in, "$ref"); ref.starts_with(kV2DefinitionPrefix)) {
      auto name = ref.substr(kV2DefinitionPrefix.size());
      reference(name);
      v3Ref = std::string(kV3SchemaPrefix) + std::string(name);
      if (in.size() == 1) {
        out["$ref"] = v3Ref;
        return out;
      }
      json::object refOnly;
      refOnly["$ref"] = v3Ref;
      out["allOf"] = json::array{std::move(refOnly)};
    }
    for (const auto& [key, value] : in) {
      if (key == "$ref" && !v3Ref.empty()) continue;
      if (key == "properties" && value.is_object()) {
        json::object properties;
        for (const auto& [name, property] : value.get_object())
          properties[name] = convertSchema(property);
        out[key] = std::move(properties);
      } else if (key == "items" || key == "additionalProperties" || key == "not") {
        out[key] = convertSchema(value);
      } else if ((key == "allOf" || key == "anyOf" || key == "oneOf") && value.is_array()) {
        json::array list;
        for (const auto& item : value.get_array())
          list.push_back(convertSchema(item));
        out[key] = std::move(list);
      } else {
        out[key] = value;
      }
    }
    return out;
  }

  const json::object& resolveParameter(const json::object& parameter) {
    auto ref = stringAt(parameter, "$ref");
    if (!ref.starts_with(kV2ParameterPrefix)) return parameter;
    const auto* target = objectAt(*parameters_, ref.substr(kV2ParameterPrefix.size()));
    return target ? *target : parameter;
  }

  json::object convertParameter(const json::object& parameter) {
    json::object out;
    out["name"] = parameter.contains("name") ? parameter.at("name") : json::value("");
    out["in"] = parameter.contains("in") ? parameter.at("in") : json::value("");
    if (parameter.contains("description")) out["description"] = parameter.at("description");
    if (parameter.contains("required")) out["required"] = parameter.at("required");
    if (parameter.contains("allowEmptyValue")) out["allowEmptyValue"] = parameter.at("allowEmptyValue");
    if (parameter.contains("schema")) {
      out["schema"] = convertSchema(parameter.at("schema"));
    } else {
      json::object schema;
      for (std::string_view key : {"type", "format", "items", "enum", "default", "uniqueItems"}) {
        if (parameter.contains(key)) schema[key] = parameter.at(key);
      }
      out["schema"] = std::move(schema);
    }
    for (const auto& [key, value] : parameter) {
      if (key.starts_with("x-")) out[key] = value;
    }
    return out;
  }

  json::object convertOperation(std::string_view method, const json::object& op,
                                const json::array* pathParameters) {
    json::object out;
    for (std::string_view key : {"tags", "summary", "description", "externalDocs", "operationId"}) {
      if (op.contains(key)) out[key] = op.at(key);
    }

    json::array parameters;
    json::object requestBody;
    bool hasFieldValidation = false;
    if (const auto* list = arrayAt(op, "parameters")) {
      for (const auto& entry : *list) {
        if (!entry.is_object()) continue;
        const auto& parameter = resolveParameter(entry.get_object());
        if (stringAt(parameter, "in") == "body") {
          json::object content;
          auto schema = convertSchema(parameter.contains("schema") ? parameter.at("schema") : json::object{});
          if (const auto* consumes = arrayAt(op, "consumes")) {
            for (const auto& type : *consumes) {
              if (type.is_string()) content[type.get_string()] = json::object{{"schema", schema}};
            }
          }
          requestBody["content"] = std::move(content);
          if (parameter.contains("description")) requestBody["description"] = parameter.at("description");
          if (auto it = parameter.find("required"); it != parameter.end())
            requestBody["required"] = it->value();
          continue;
        }
        if (stringAt(parameter, "name") == "fieldValidation" && stringAt(parameter, "in") == "query") {
          hasFieldValidation = true;
        }
        parameters.push_back(convertParameter(parameter));
      }
    }
    if (pathParameters) {
      for (const auto& entry : *pathParameters) {
        if (!entry.is_object()) continue;
        const auto& parameter = resolveParameter(entry.get_object());
        if (stringAt(parameter, "name") == "fieldValidation" && stringAt(parameter, "in") == "query") {
          hasFieldValidation = true;
        }
      }
    }
    // kubectl sends fieldValidation=Strict only when a kind's writes list the parameter; every write of a
    // resource kind (not connect/proxy operations) gets it, as on a real 1.32 server.
    auto action = stringAt(op, "x-kubernetes-action");
    bool resourceWrite = (method == "post" || method == "put" || method == "patch") &&
                         op.contains("x-kubernetes-group-version-kind") && action != "connect";
    if (resourceWrite && !hasFieldValidation) {
      json::object parameter;
      parameter["name"] = "fieldValidation";
      parameter["in"] = "query";
      parameter["description"] = kFieldValidationDescription;
      parameter["schema"] = json::object{{"type", "string"}, {"uniqueItems", true}};
      parameters.push_back(std::move(parameter));
    }
    if (!parameters.empty()) out["parameters"] = std::move(parameters);
    if (!requestBody.empty()) out["requestBody"] = std::move(requestBody);

    json::object responses;
    if (const auto* v2Responses = objectAt(op, "responses")) {
      const auto* produces = arrayAt(op, "produces");
      for (const auto& [code, response] : *v2Responses) {
        if (!response.is_object()) continue;
        const auto& in = response.get_object();
        json::object converted;
        converted["description"] = in.contains("description") ? in.at("description") : json::value("");
        if (in.contains("schema") && produces) {
          auto schema = convertSchema(in.at("schema"));
          json::object content;
          for (const auto& type : *produces) {
            if (type.is_string()) content[type.get_string()] = json::object{{"schema", schema}};
          }
          converted["content"] = std::move(content);
        }
        for (const auto& [key, value] : in) {
          if (key.starts_with("x-")) converted[key] = value;
        }
        responses[code] = std::move(converted);
      }
    }
    out["responses"] = std::move(responses);
    if (op.contains("deprecated")) out["deprecated"] = op.at("deprecated");
    for (const auto& [key, value] : op) {
      if (key.starts_with("x-")) out[key] = value;
    }
    return out;
  }

  json::object convertPathItem(const json::object& item) {
    json::object out;
    const auto* pathParameters = arrayAt(item, "parameters");
    for (std::string_view method : {"get", "put", "post", "delete", "options", "head", "patch"}) {
      if (const auto* op = objectAt(item, method))
        out[method] = convertOperation(method, *op, pathParameters);
    }
    if (pathParameters) {
      json::array parameters;
      for (const auto& entry : *pathParameters) {
        if (entry.is_object()) parameters.push_back(convertParameter(resolveParameter(entry.get_object())));
      }
      out["parameters"] = std::move(parameters);
    }
    for (const auto& [key, value] : item) {
      if (key.starts_with("x-")) out[key] = value;
    }
    return out;
  }

  const json::object& v2_;
  const json::object* definitions_;
  const json::object* parameters_;
  std::vector<std::string> pending_;
  std::set<std::string> seen_;
  std::map<std::string, json::value> converted_;  // sorted, so documents are deterministic
};

}  // namespace

OpenApi OpenApi::load(const std::filesystem::path& v2Document) {
  std::ifstream in(v2Document, std::ios::binary);
  if (!in) throw std::runtime_error("openapi: cannot read " + v2Document.string());
  std::string text;
  in.seekg(0, std::ios::end);
  auto size = in.tellg();
  if (size > 0) {
    text.resize(static_cast<std::size_t>(size));
    in.seekg(0, std::ios::beg);
    in.read(text.data(), size);
  }
  if (!in) throw std::runtime_error("openapi: cannot read " + v2Document.string());

  boost::system::error_code ec;
  auto parsed = json::parse(text, ec);
  if (ec) throw std::runtime_error("openapi: " + v2Document.string() + " is not JSON: " + ec.message());
  if (!parsed.is_object() || stringAt(parsed.get_object(), "swagger") != "2.0" ||
      !objectAt(parsed.get_object(), "definitions") || !objectAt(parsed.get_object(), "paths")) {
    throw std::runtime_error("openapi: " + v2Document.string() + " is not an OpenAPI v2 document");
  }

  OpenApi api;
  api.v2_ = std::move(parsed.get_object());
  api.v3Cache_ = std::make_shared<V3Cache>();

  for (const auto& [name, definition] : *objectAt(api.v2_, "definitions")) {
    if (!definition.is_object()) continue;
    const auto* gvks = arrayAt(definition.get_object(), "x-kubernetes-group-version-kind");
    if (!gvks) continue;
    for (const auto& gvk : *gvks) {
      if (!gvk.is_object()) continue;
      const auto& o = gvk.get_object();
      api.definitionByGvk_.emplace(gvkKey(stringAt(o, "group"), stringAt(o, "version"), stringAt(o, "kind")),
                                   std::string(name));
    }
  }

  std::set<std::string> groupVersions;
  for (const auto& [path, item] : *objectAt(api.v2_, "paths")) {
    auto gv = groupVersionPathOf(path);
    if (!gv.empty()) groupVersions.insert(std::move(gv));
  }
  auto fileDigest = sha512Hex(text);
  json::object discoveryPaths;
  for (const auto& gv : groupVersions) {
    auto hash = sha512Hex(std::string(kConverterVersion) + "\n" + fileDigest + "\n" + gv);
    discoveryPaths[gv] = json::object{{"serverRelativeURL", "/openapi/v3/" + gv + "?hash=" + hash}};
    api.v3Hashes_.emplace(gv, std::move(hash));
  }
  api.v3Discovery_ = json::serialize(json::object{{"paths", std::move(discoveryPaths)}});
  return api;
}

std::optional<std::string> OpenApi::v3Document(std::string_view groupVersionPath) const {
  if (!v3Hashes_.contains(groupVersionPath) || !v3Cache_) return std::nullopt;
  std::lock_guard lock(v3Cache_->mutex);
  if (auto it = v3Cache_->documents.find(groupVersionPath); it != v3Cache_->documents.end())
    return it->second;

  std::vector<std::string> paths;
  for (const auto& [path, item] : v2_.at("paths").as_object()) {
    if (groupVersionPathOf(path) == groupVersionPath) paths.emplace_back(path);
  }
  std::sort(paths.begin(), paths.end());
  auto document = json::serialize(V3Builder(v2_).build(paths));
  v3Cache_->documents.emplace(std::string(groupVersionPath), document);
  return document;
}

std::optional<std::string> OpenApi::v3Hash(std::string_view groupVersionPath) const {
  auto it = v3Hashes_.find(groupVersionPath);
  if (it == v3Hashes_.end()) return std::nullopt;
  return it->second;
}

const boost::json::object* OpenApi::schemaFor(std::string_view group, std::string_view version,
                                              std::string_view kind) const {
  auto it = definitionByGvk_.find(gvkKey(group, version, kind));
  if (it == definitionByGvk_.end()) return nullptr;
  const auto* definitions = objectAt(v2_, "definitions");
  return definitions ? objectAt(*definitions, it->second) : nullptr;
}

const boost::json::object* OpenApi::resolve(std::string_view ref) const {
  if (!ref.starts_with(kV2DefinitionPrefix)) return nullptr;
  const auto* definitions = objectAt(v2_, "definitions");
  return definitions ? objectAt(*definitions, ref.substr(kV2DefinitionPrefix.size())) : nullptr;
}

const boost::json::object* OpenApi::schemaOf(const boost::json::object& object) const {
  auto apiVersion = stringAt(object, "apiVersion");
  auto kind = stringAt(object, "kind");
  if (apiVersion.empty() || kind.empty()) return nullptr;
  auto slash = apiVersion.find('/');
  if (slash == std::string_view::npos) return schemaFor("", apiVersion, kind);
  return schemaFor(apiVersion.substr(0, slash), apiVersion.substr(slash + 1), kind);
}

const boost::json::object& OpenApi::deref(const boost::json::object& schema,
                                          std::string* definitionName) const {
  if (definitionName) definitionName->clear();
  auto ref = stringAt(schema, "$ref");
  if (ref.empty()) {
    const auto* allOf = arrayAt(schema, "allOf");
    if (allOf && allOf->size() == 1 && allOf->front().is_object())
      ref = stringAt(allOf->front().get_object(), "$ref");
  }
  if (ref.empty()) return schema;
  const auto* target = resolve(ref);
  if (!target) return schema;
  if (definitionName) *definitionName = std::string(ref.substr(kV2DefinitionPrefix.size()));
  return *target;
}

}  // namespace kubesim

// The Kubernetes OpenAPI document kubesim serves and validates against. It is read from the official v2
// document (or any cluster's `kubectl get --raw /openapi/v2`); the v3 documents kubectl reads first are
// derived from it, one per group-version.
#pragma once

#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace kubesim {

class OpenApi {
 public:
  // Throws std::runtime_error naming the file when it is missing or is not an OpenAPI v2 document.
  static OpenApi load(const std::filesystem::path& v2Document);

  const boost::json::object& v2() const { return v2_; }

  // Body of GET /openapi/v3: {"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=..."}, ...}}.
  const std::string& v3Discovery() const { return v3Discovery_; }
  // Body of GET /openapi/v3/<path>, e.g. "api/v1" or "apis/apps/v1"; nullopt when there is no such document.
  std::optional<std::string> v3Document(std::string_view groupVersionPath) const;

  // The definition of a kind, e.g. ("apps","v1","Deployment") -> io.k8s.api.apps.v1.Deployment; nullptr when
  // the document has no such kind.
  const boost::json::object* schemaFor(std::string_view group, std::string_view version,
                                       std::string_view kind) const;
  // Resolves a "$ref": "#/definitions/NAME" to its definition; nullptr when absent.
  const boost::json::object* resolve(std::string_view ref) const;

  // The "hash" the discovery document gives for a v3 document (uppercase hex SHA-512); nullopt when there is
  // no such document. A request with another hash may be redirected to this one, as the real server does.
  std::optional<std::string> v3Hash(std::string_view groupVersionPath) const;
  // The definition for an object's own apiVersion and kind; nullptr when it has none (a custom resource).
  const boost::json::object* schemaOf(const boost::json::object& object) const;
  // Follows a schema's "$ref" (also one wrapped in a one-element "allOf") to its definition; returns `schema`
  // itself when it is not a reference or the reference does not resolve. `definitionName` receives the
  // definition's name, or "" when `schema` is not a reference.
  const boost::json::object& deref(const boost::json::object& schema,
                                   std::string* definitionName = nullptr) const;

 private:
  boost::json::object v2_;
  std::string v3Discovery_;
  std::map<std::string, std::string, std::less<>> definitionByGvk_;  // "apps/v1/Deployment" -> name

  // v3 documents are derived on first request, not at load (startup stays fast); this cache, shared by copies
  // of this OpenApi and guarded by its own mutex, holds them.
  struct V3Cache;
  std::shared_ptr<V3Cache> v3Cache_;
  std::map<std::string, std::string, std::less<>> v3Hashes_;  // "apis/apps/v1" -> hash
};

}  // namespace kubesim

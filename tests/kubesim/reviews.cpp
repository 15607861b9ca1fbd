// The review resources: SelfSubjectReview (who am I), SelfSubjectAccessReview (`kubectl auth can-i`),
// SelfSubjectRulesReview (`kubectl auth can-i --list`), SubjectAccessReview, LocalSubjectAccessReview and
// TokenReview. Each is a create that stores nothing and answers with the request plus a status.
#include <fmt/format.h>

#include "api.h"
#include "errors.h"

namespace kubesim {

namespace json = boost::json;

namespace {

RequestAttributes attributesOf(const json::object& spec) {
  RequestAttributes a;
  if (const json::object* r = objectField(spec, "resourceAttributes")) {
    a.resourceRequest = true;
    a.verb = std::string(stringField(*r, "verb"));
    a.apiGroup = std::string(stringField(*r, "group"));
    a.resource = std::string(stringField(*r, "resource"));
    a.subresource = std::string(stringField(*r, "subresource"));
    a.name = std::string(stringField(*r, "name"));
    a.namespace_ = std::string(stringField(*r, "namespace"));
  } else if (const json::object* n = objectField(spec, "nonResourceAttributes")) {
    a.resourceRequest = false;
    a.verb = std::string(stringField(*n, "verb"));
    a.path = std::string(stringField(*n, "path"));
  }
  return a;
}

json::object reviewStatus(const Decision& d) {
  json::object status;
  status["allowed"] = d.allowed;
  if (!d.reason.empty()) status["reason"] = d.reason;
  return status;
}

std::vector<std::string> strings(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  auto it = o.find(key);
  if (it != o.end() && it->value().is_array())
    for (const json::value& v : it->value().get_array())
      if (v.is_string()) out.emplace_back(v.get_string());
  return out;
}

}  // namespace

HttpResponse ApiServer::serveReview(Call& call) {
  const ResourceType& type = *call.type;
  json::object body = decodeBody(call);
  normalizeTypeMeta(type, body);
  json::object out;
  out["kind"] = type.kind;
  out["apiVersion"] = type.groupVersion();
  json::object meta = objectField(body, "metadata") ? *objectField(body, "metadata") : json::object{};
  meta["creationTimestamp"] = nullptr;
  out["metadata"] = std::move(meta);
  const json::object* specPtr = objectField(body, "spec");
  json::object spec = specPtr ? *specPtr : json::object{};
  const std::string& plural = type.plural;

  if (plural == "selfsubjectreviews") {
    json::object userInfo;
    userInfo["username"] = call.user.name;
    json::array groups;
    for (const std::string& g : call.user.groups)
      groups.push_back(json::string(g));
    userInfo["groups"] = std::move(groups);
    out["status"] = json::object{{"userInfo", std::move(userInfo)}};
    return respondJson(call, 201, out);
  }
  if (plural == "selfsubjectaccessreviews") {
    RequestAttributes attrs = attributesOf(spec);
    if (attrs.verb.empty() && attrs.path.empty() && attrs.resource.empty())
      throw invalid(
          type.kind, type.group, "",
          {{"FieldValueRequired", "spec.resourceAttributes",
            "Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified"}});
    out["spec"] = spec;
    out["status"] = reviewStatus(decide(call.user, attrs));
    return respondJson(call, 201, out);
  }
  if (plural == "selfsubjectrulesreviews") {
    std::string ns(stringField(spec, "namespace"));
    json::object status = authorizer_.rulesReviewStatus(call.user, ns);
    status["incomplete"] = false;
    out["spec"] = spec;
    out["status"] = std::move(status);
    return respondJson(call, 201, out);
  }
  if (plural == "subjectaccessreviews" || plural == "localsubjectaccessreviews") {
    RequestAttributes attrs = attributesOf(spec);
    if (plural == "localsubjectaccessreviews") {
      if (!attrs.resourceRequest || attrs.namespace_ != call.info.namespace_)
        throw invalid(type.kind, type.group, "",
                      {{"FieldValueInvalid", "spec.resourceAttributes.namespace",
                        fmt::format("Invalid value: {}: must match metadata.namespace",
                                    toJson(json::string(attrs.namespace_)))}});
    }
    UserInfo subject{std::string(stringField(spec, "user")), strings(spec, "groups")};
    if (subject.name.empty() && subject.groups.empty())
      throw invalid(type.kind, type.group, "",
                    {{"FieldValueRequired", "spec.user",
                      "Required value: at least one of user or group must be specified"}});
    out["spec"] = spec;
    out["status"] = reviewStatus(decide(subject, attrs));
    return respondJson(call, 201, out);
  }
  if (plural == "tokenreviews") {
    std::optional<UserInfo> user = authenticator_.authenticate(stringField(spec, "token"));
    json::object status;
    status["authenticated"] = user.has_value();
    if (user) {
      json::array groups;
      for (const std::string& g : user->groups)
        groups.push_back(json::string(g));
      status["user"] = json::object{{"username", user->name}, {"groups", std::move(groups)}};
      status["audiences"] = json::array{"https://kubernetes.default.svc.cluster.local"};
    }
    out["spec"] = spec;
    out["status"] = std::move(status);
    return respondJson(call, 201, out);
  }
  throw methodNotAllowed();
}

}  // namespace kubesim

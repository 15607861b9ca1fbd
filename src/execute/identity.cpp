// whoAmI and approval rights: SelfSubjectReview and SelfSubjectAccessReview, both cluster-scoped creates that
// the API server answers without storing anything.
#include "execute/identity.h"

#include <fmt/format.h>

#include <boost/json.hpp>

namespace aiops::execute {
namespace {

namespace json = boost::json;

const kube::ResourceType kSelfSubjectReviews{"authentication.k8s.io", "v1", "selfsubjectreviews", false};
const kube::ResourceType kSelfSubjectAccessReviews{"authorization.k8s.io", "v1", "selfsubjectaccessreviews",
                                                   false};

const json::value* field(const json::value& value, std::string_view key) {
  const auto* object = value.if_object();
  return object ? object->if_contains(key) : nullptr;
}

}  // namespace

governance::Identity whoAmI(kube::Client& client) {
  const json::value review{{"apiVersion", "authentication.k8s.io/v1"},
                           {"kind", "SelfSubjectReview"},
                           {"metadata", json::object{}}};
  const json::value answer = client.create(kSelfSubjectReviews, "", review);
  const json::value* status = field(answer, "status");
  const json::value* userInfo = status ? field(*status, "userInfo") : nullptr;
  const json::value* username = userInfo ? field(*userInfo, "username") : nullptr;
  if (username == nullptr || !username->is_string() || username->get_string().empty()) {
    throw kube::KubeError(
        kube::ErrorKind::BadResponse,
        "the SelfSubjectReview answer names no user (status.userInfo.username is empty)",
        "check that the cluster serves authentication.k8s.io/v1 (Kubernetes 1.28 or later)");
  }
  governance::Identity identity;
  identity.user = std::string(username->get_string());
  if (const json::value* groups = field(*userInfo, "groups"); groups && groups->is_array()) {
    for (const json::value& group : groups->get_array())
      if (group.is_string()) identity.groups.emplace_back(group.get_string());
  }
  return identity;
}

bool canI(kube::Client& client, std::string_view verb, std::string_view namespace_) {
  json::object attributes{{"group", kApiGroup}, {"resource", kResource}, {"verb", verb}};
  if (!namespace_.empty()) attributes["namespace"] = namespace_;
  const json::value review{{"apiVersion", "authorization.k8s.io/v1"},
                           {"kind", "SelfSubjectAccessReview"},
                           {"metadata", json::object{}},
                           {"spec", json::object{{"resourceAttributes", std::move(attributes)}}}};
  const json::value answer = client.create(kSelfSubjectAccessReviews, "", review);
  const json::value* status = field(answer, "status");
  const json::value* allowed = status ? field(*status, "allowed") : nullptr;
  if (allowed == nullptr || !allowed->is_bool()) {
    throw kube::KubeError(
        kube::ErrorKind::BadResponse,
        fmt::format("the SelfSubjectAccessReview for verb {} on {}.{} has no status.allowed", verb, kResource,
                    kApiGroup),
        "check that the cluster serves authorization.k8s.io/v1");
  }
  return allowed->get_bool();
}

governance::ApproverRights rightsOf(kube::Client& client, std::string_view namespace_) {
  // One after the other: the transport runs GETs in parallel itself, but not creates, and starting kubectl
  // from two threads at once is not fork-safe under the sanitizers.
  governance::ApproverRights rights;
  rights.approve = canI(client, "approve", namespace_);
  rights.review = canI(client, "review", namespace_);
  return rights;
}

}  // namespace aiops::execute

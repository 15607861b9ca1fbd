// Who is acting, as the API server sees it, and what they may do with recommendations.
//
// The identity of every PHR step comes from SelfSubjectReview (authentication.k8s.io/v1), never from local
// configuration, so a record's author is the user the cluster authenticated. Approval rights are RBAC
// permissions on a resource that needs no CRD: verb `approve` (or `review`, for security reviewers) on
// `recommendations` in API group `aiops.dev`, asked with SelfSubjectAccessReview; deploy/rbac/ ships the
// ClusterRoles that grant them.
#pragma once

#include "governance/policy.h"
#include "governance/record.h"
#include "kube/client.h"

namespace aiops::execute {

inline constexpr std::string_view kApiGroup = "aiops.dev";
inline constexpr std::string_view kResource = "recommendations";

// The user name and groups; throws kube::KubeError when the server refuses or the review is unavailable.
governance::Identity whoAmI(kube::Client& client);

// SelfSubjectAccessReview for `verb` on recommendations.aiops.dev (cluster-wide, or in `namespace_`).
bool canI(kube::Client& client, std::string_view verb, std::string_view namespace_ = {});

// Both reviews (approve, review).
governance::ApproverRights rightsOf(kube::Client& client, std::string_view namespace_ = {});

}  // namespace aiops::execute

// A coordination.k8s.io/v1 Lease per target, so two `apply` (or `rollback`) runs on one object never race,
// and so a killed run's claim runs out by itself.
//
// The Lease lives in the target's namespace (kube-system for cluster-scoped targets), named
// "aiops-<kind>-<name>" (lowercase, cut to a valid name). Acquire creates it, or takes it over when it is
// free (holder empty) or expired (renewTime + leaseDurationSeconds in the past, by the API server's clock);
// every write carries the resourceVersion it read, so two takers cannot both win. The API server's time is
// read from the write's response (metadata.managedFields[].time), which is also how the executor measures
// checkpoint times on a simulated cluster whose clock runs fast.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "governance/record.h"
#include "kube/client.h"
#include "support/timestamps.h"

namespace aiops::execute {

struct LeaseClaim {
  std::string namespace_;
  std::string name;
  std::string holder;            // "<user>/<hostname>/<pid>"
  std::string resourceVersion;   // of our last write
  std::int64_t transitions = 0;  // spec.leaseTransitions, kept when the Lease is given back
  WallTime serverTime{};         // the API server's clock at our last write
};

struct LeaseHeld {
  std::string holder;
  WallTime acquired{};  // spec.acquireTime: since when this holder has it
  WallTime renewed{};
  std::chrono::seconds duration{0};
};

// The Lease name for a target: "aiops-deployment-backend".
std::string leaseName(const governance::Target& target);

// Takes the target's Lease for `duration`; nullopt with `heldBy` set when someone else holds it unexpired.
std::optional<LeaseClaim> acquireLease(kube::Client& client, const governance::Target& target,
                                       const std::string& holder, std::chrono::seconds duration,
                                       LeaseHeld* heldBy);
// Extends the claim (updates renewTime); false when it was lost.
bool renewLease(kube::Client& client, LeaseClaim& claim);
// Gives it up (holder cleared). Errors are swallowed: the Lease expires on its own.
void releaseLease(kube::Client& client, const LeaseClaim& claim) noexcept;
// Who holds it now, if anyone (an expired claim counts as nobody).
std::optional<LeaseHeld> leaseHolder(kube::Client& client, const governance::Target& target);

// The namespace a target's Lease lives in: the target's own, kube-system for cluster-scoped targets.
std::string leaseNamespace(const governance::Target& target);

// The API server's clock now, without a stored write: a dry-run create of a Lease (generateName) in
// `namespace_`, whose answer carries the server's managedFields time. Needs `create` on leases there, which
// every executor command needs anyway.
WallTime serverNow(kube::Client& client, const std::string& namespace_);

// The latest metadata.managedFields[].time of an object the server returned (the time of the write that
// answered it); nullopt when there is none.
std::optional<WallTime> writeTime(const boost::json::value& object);

}  // namespace aiops::execute

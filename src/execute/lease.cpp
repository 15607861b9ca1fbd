// Per-target coordination.k8s.io/v1 Leases: acquire, renew, release and read, judged by the API server's
// clock (read from write responses), never by the local one.
#include "execute/lease.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

namespace aiops::execute {
namespace {

namespace json = boost::json;

const kube::ResourceType kLeases{"coordination.k8s.io", "v1", "leases"};
constexpr int kAttempts = 3;  // create/replace races lost before we report who won

const json::value* field(const json::value& value, std::string_view key) {
  const auto* object = value.if_object();
  return object ? object->if_contains(key) : nullptr;
}

std::string stringAt(const json::value& value, std::string_view a, std::string_view b) {
  const json::value* outer = field(value, a);
  const json::value* inner = outer ? field(*outer, b) : nullptr;
  return inner && inner->is_string() ? std::string(inner->get_string()) : std::string();
}

// metav1.MicroTime, as Leases carry it: "2026-11-20T09:05:00.000000Z".
std::string microTime(WallTime time) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(time - seconds).count();
  std::string text = formatTimestamp(seconds);  // "...:SSZ"
  text.pop_back();
  return fmt::format("{}.{:06d}Z", text, micros);
}

LeaseHeld heldOf(const json::value& lease) {
  LeaseHeld held;
  held.holder = stringAt(lease, "spec", "holderIdentity");
  held.acquired = parseTimestamp(stringAt(lease, "spec", "acquireTime")).value_or(WallTime{});
  held.renewed = parseTimestamp(stringAt(lease, "spec", "renewTime")).value_or(WallTime{});
  const json::value* spec = field(lease, "spec");
  const json::value* duration = spec ? field(*spec, "leaseDurationSeconds") : nullptr;
  if (duration && duration->is_int64()) held.duration = std::chrono::seconds(duration->get_int64());
  return held;
}

bool activeAt(const LeaseHeld& held, WallTime now) {
  return !held.holder.empty() && held.renewed + held.duration > now;
}

std::int64_t transitionsOf(const json::value& lease) {
  const json::value* spec = field(lease, "spec");
  const json::value* transitions = spec ? field(*spec, "leaseTransitions") : nullptr;
  return transitions && transitions->is_int64() ? transitions->get_int64() : 0;
}

json::object leaseObject(const std::string& namespace_, const std::string& name) {
  return json::object{
      {"apiVersion", "coordination.k8s.io/v1"},
      {"kind", "Lease"},
      {"metadata",
       json::object{{"name", name},
                    {"namespace", namespace_},
                    {"labels", json::object{{"app.kubernetes.io/managed-by", "kubectl-aiops"}}}}}};
}

LeaseClaim claimOf(const json::value& written, const std::string& namespace_, const std::string& name,
                   const std::string& holder, WallTime fallbackTime) {
  LeaseClaim claim;
  claim.namespace_ = namespace_;
  claim.name = name;
  claim.holder = holder;
  claim.resourceVersion = stringAt(written, "metadata", "resourceVersion");
  claim.serverTime = writeTime(written).value_or(fallbackTime);
  claim.transitions = transitionsOf(written);
  return claim;
}

}  // namespace

std::string leaseNamespace(const governance::Target& target) {
  return target.namespace_.empty() ? "kube-system" : target.namespace_;
}

std::string leaseName(const governance::Target& target) {
  // A DNS subdomain: lowercase alphanumerics, '-' and '.', at most 253, alphanumeric at both ends.
  std::string name = "aiops-";
  for (const char c : target.kind + "-" + target.name) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '.') {
      name += static_cast<char>(std::tolower(u));
    } else {
      name += '-';
    }
  }
  if (name.size() > 253) name.resize(253);
  while (!name.empty() && std::isalnum(static_cast<unsigned char>(name.back())) == 0)
    name.pop_back();
  return name;
}

std::optional<WallTime> writeTime(const json::value& object) {
  const json::value* metadata = field(object, "metadata");
  const json::value* managed = metadata ? field(*metadata, "managedFields") : nullptr;
  std::optional<WallTime> latest;
  if (managed && managed->is_array()) {
    for (const json::value& entry : managed->get_array()) {
      const json::value* time = field(entry, "time");
      if (time == nullptr || !time->is_string()) continue;
      if (auto parsed = parseTimestamp(time->get_string()); parsed && (!latest || *parsed > *latest)) {
        latest = parsed;
      }
    }
  }
  return latest;
}

WallTime serverNow(kube::Client& client, const std::string& namespace_) {
  json::object probe = leaseObject(namespace_, "");
  auto& metadata = probe["metadata"].as_object();
  metadata.erase("name");
  metadata["generateName"] = "aiops-clock-";
  probe["spec"] = json::object{};
  const std::string path = kube::withQuery(kube::collectionPath(kLeases, namespace_), {{"dryRun", "All"}});
  const json::value answer =
      kube::interpret(
          client.transport().create(path, json::serialize(probe)),
          fmt::format("reading the API server's clock (a dry-run Lease create in namespace {})", namespace_))
          .get();
  if (auto time = writeTime(answer)) return *time;
  if (auto created = parseTimestamp(stringAt(answer, "metadata", "creationTimestamp"))) return *created;
  throw kube::KubeError(kube::ErrorKind::BadResponse,
                        "the API server's answer to a dry-run Lease create carries no time (no "
                        "managedFields time, no creationTimestamp)",
                        "the executor needs the server's clock; check the API server version");
}

std::optional<LeaseClaim> acquireLease(kube::Client& client, const governance::Target& target,
                                       const std::string& holder, std::chrono::seconds duration,
                                       LeaseHeld* heldBy) {
  const std::string namespace_ = leaseNamespace(target);
  const std::string name = leaseName(target);
  const kube::ResourceRef ref{kLeases, namespace_, name};
  for (int attempt = 1;; ++attempt) {
    const std::optional<json::value> existing = client.find(ref);
    const WallTime now = serverNow(client, namespace_);
    json::object lease = leaseObject(namespace_, name);
    std::int64_t transitions = 0;
    WallTime acquired = now;
    if (existing) {
      const LeaseHeld held = heldOf(*existing);
      if (held.holder != holder && activeAt(held, now)) {
        if (heldBy != nullptr) *heldBy = held;
        return std::nullopt;
      }
      transitions = transitionsOf(*existing) + (held.holder == holder || held.holder.empty() ? 0 : 1);
      if (held.holder == holder && activeAt(held, now)) acquired = held.acquired;
      lease["metadata"].as_object()["resourceVersion"] = stringAt(*existing, "metadata", "resourceVersion");
    }
    lease["spec"] = json::object{{"holderIdentity", holder},
                                 {"leaseDurationSeconds", duration.count()},
                                 {"acquireTime", microTime(acquired)},
                                 {"renewTime", microTime(now)},
                                 {"leaseTransitions", transitions}};
    try {
      const json::value written =
          existing ? client.replace(ref, lease) : client.create(kLeases, namespace_, lease);
      return claimOf(written, namespace_, name, holder, now);
    } catch (const kube::KubeError& e) {
      // Someone else wrote it between our read and our write: read again and judge their claim.
      if ((!e.isConflict() && !e.is("AlreadyExists")) || attempt >= kAttempts) throw;
    }
  }
}

bool renewLease(kube::Client& client, LeaseClaim& claim) {
  const kube::ResourceRef ref{kLeases, claim.namespace_, claim.name};
  const std::optional<json::value> existing = client.find(ref);
  if (!existing || heldOf(*existing).holder != claim.holder) return false;
  const WallTime now = serverNow(client, claim.namespace_);
  json::value lease = *existing;
  auto& object = lease.as_object();
  object["metadata"].as_object().erase("managedFields");
  object["spec"].as_object()["renewTime"] = microTime(now);
  try {
    const json::value written = client.replace(ref, lease);
    claim = claimOf(written, claim.namespace_, claim.name, claim.holder, now);
    return true;
  } catch (const kube::KubeError& e) {
    if (e.isConflict() || e.isNotFound()) return false;
    throw;
  }
}

void releaseLease(kube::Client& client, const LeaseClaim& claim) noexcept {
  try {
    // Written as client-go releases: no holder and a one-second duration, against the version we wrote,
    // so a Lease someone took over since is left alone (409).
    json::object lease = leaseObject(claim.namespace_, claim.name);
    lease["metadata"].as_object()["resourceVersion"] = claim.resourceVersion;
    lease["spec"] = json::object{{"leaseDurationSeconds", 1}, {"leaseTransitions", claim.transitions}};
    client.replace(kube::ResourceRef{kLeases, claim.namespace_, claim.name}, lease);
  } catch (...) {  // NOLINT(bugprone-empty-catch): the Lease runs out by itself
  }
}

std::optional<LeaseHeld> leaseHolder(kube::Client& client, const governance::Target& target) {
  const std::string namespace_ = leaseNamespace(target);
  const std::optional<json::value> existing =
      client.find(kube::ResourceRef{kLeases, namespace_, leaseName(target)});
  if (!existing) return std::nullopt;
  const LeaseHeld held = heldOf(*existing);
  if (held.holder.empty()) return std::nullopt;
  if (!activeAt(held, serverNow(client, namespace_))) return std::nullopt;
  return held;
}

}  // namespace aiops::execute

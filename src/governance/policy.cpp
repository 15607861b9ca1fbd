// The risk policy: its defaults, the policy file (yaml-cpp), the risk table and the approval rules.
#include "governance/policy.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace aiops::governance {
namespace {

namespace json = boost::json;
using std::chrono::seconds;

constexpr std::string_view kApiVersion = "aiops.dev/v1";
constexpr std::string_view kKind = "RiskPolicy";
constexpr std::array<std::string_view, 7> kTierKeys{"approvers",  "securityReviewer", "selfApproval",
                                                    "window",     "rollbackPlan",     "recordMetrics",
                                                    "prevalidate"};

// ---- the policy file -----------------------------------------------------------------------------------

class PolicyReader {
 public:
  explicit PolicyReader(std::string_view source) : source_(source) {}

  [[noreturn]] void fail(const YAML::Node& node, std::string_view what) const {
    throw PolicyError(fmt::format("{}:{}: {}", source_, node.Mark().line + 1, what));
  }

  void onlyKeys(const YAML::Node& map, std::string_view field, auto&& allowed) const {
    if (!map.IsMap()) fail(map, fmt::format("{}: expected a mapping", field));
    std::set<std::string> seen;
    for (const auto& item : map) {
      const std::string key = item.first.as<std::string>();
      if (!seen.insert(key).second) {  // yaml-cpp keeps the first silently; a policy must not be ambiguous
        fail(item.first,
             fmt::format("{}: duplicate key '{}'", field.empty() ? std::string_view("policy") : field, key));
      }
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        fail(item.first,
             fmt::format("{}: unknown key '{}'", field.empty() ? std::string_view("policy") : field, key));
      }
    }
  }

  std::string scalar(const YAML::Node& node, std::string_view field) const {
    if (!node.IsScalar()) fail(node, fmt::format("{}: expected a single value", field));
    return node.Scalar();
  }

  bool boolean(const YAML::Node& node, std::string_view field) const {
    const std::string text = scalar(node, field);
    if (text == "true") return true;
    if (text == "false") return false;
    fail(node, fmt::format("{}: '{}' is not true or false", field, text));
  }

  int integer(const YAML::Node& node, std::string_view field) const {
    const std::string text = scalar(node, field);
    if (text.empty() || text.size() > 4 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      fail(node, fmt::format("{}: '{}' is not a whole number", field, text));
    }
    return std::stoi(text);
  }

  seconds duration(const YAML::Node& node, std::string_view field) const {
    const std::string text = scalar(node, field);
    const auto parsed = parseDuration(text);
    if (!parsed)
      fail(node, fmt::format("{}: '{}' is not a duration such as 5m, 30m, 2h or 1h30m", field, text));
    return *parsed;
  }

 private:
  std::string_view source_;
};

void readTier(const PolicyReader& reader, const YAML::Node& node, const std::string& name, TierPolicy& tier) {
  const std::string field = "tiers." + name;
  reader.onlyKeys(node, field, kTierKeys);
  if (const auto n = node["approvers"]) {
    tier.approvers = reader.integer(n, field + ".approvers");
    if (tier.approvers < 1) {
      reader.fail(n, fmt::format("{}.approvers: must be at least 1 (every decision is recorded)", field));
    }
    if (name == "critical" && tier.approvers < 2) {
      reader.fail(n, fmt::format("{}.approvers: must be at least 2; the two approvers of a critical change "
                                 "are different people (a rule, not a setting)",
                                 field));
    }
  }
  if (const auto n = node["securityReviewer"])
    tier.securityReviewer = reader.boolean(n, field + ".securityReviewer");
  if (const auto n = node["selfApproval"]) {
    tier.selfApproval = reader.boolean(n, field + ".selfApproval");
    if (tier.selfApproval && name != "low") {
      reader.fail(n, fmt::format("{}.selfApproval: must be false; the requester never approves their own {} "
                                 "change (a rule, not a setting)",
                                 field, name));
    }
  }
  if (const auto n = node["window"]) {
    tier.window = reader.duration(n, field + ".window");
    if (tier.window <= seconds(0)) reader.fail(n, fmt::format("{}.window: must be longer than 0s", field));
  }
  if (const auto n = node["rollbackPlan"]) tier.rollbackPlan = reader.boolean(n, field + ".rollbackPlan");
  if (const auto n = node["recordMetrics"]) tier.recordMetrics = reader.boolean(n, field + ".recordMetrics");
  if (const auto n = node["prevalidate"]) tier.prevalidate = reader.boolean(n, field + ".prevalidate");
}

// ---- the risk table -------------------------------------------------------------------------------------

bool criticalKind(std::string_view kind) {
  return kind == "Secret" || kind == "Namespace" || kind == "ResourceQuota" || kind == "LimitRange";
}

std::optional<std::int64_t> integerAt(const json::value& value,
                                      std::initializer_list<std::string_view> path) {
  const json::value* at = &value;
  for (const auto key : path) {
    if (!at->is_object()) return std::nullopt;
    at = at->as_object().if_contains(key);
    if (at == nullptr) return std::nullopt;
  }
  if (at->is_int64()) return at->get_int64();
  if (at->is_uint64() && at->get_uint64() <= 1'000'000) return static_cast<std::int64_t>(at->get_uint64());
  return std::nullopt;
}

// spec.replicas after the change, when the change sets spec.replicas and nothing else.
std::optional<std::int64_t> replicasOnlyChange(const Change& change) {
  const json::value& body = change.body;
  if (change.type == ChangeType::Json) {
    if (!body.is_array() || body.as_array().size() != 1) return std::nullopt;
    const json::value& op = body.as_array().front();
    if (!op.is_object()) return std::nullopt;
    const auto* kind = op.as_object().if_contains("op");
    const auto* path = op.as_object().if_contains("path");
    if (kind == nullptr || path == nullptr || !kind->is_string() || !path->is_string()) return std::nullopt;
    if ((kind->as_string() != "replace" && kind->as_string() != "add") ||
        path->as_string() != "/spec/replicas")
      return std::nullopt;
    const json::object wrapper{{"value", op.as_object().contains("value") ? op.at("value") : json::value()}};
    return integerAt(wrapper, {"value"});
  }
  if (change.type == ChangeType::Manifest) return std::nullopt;  // a whole object: more than a scale
  if (!body.is_object() || body.as_object().size() != 1) return std::nullopt;
  const auto* spec = body.as_object().if_contains("spec");
  if (spec == nullptr || !spec->is_object() || spec->as_object().size() != 1) return std::nullopt;
  return integerAt(body, {"spec", "replicas"});
}

model::Risk tableRisk(std::string_view action, const Target& target, const Change& change,
                      const std::optional<json::value>& before) {
  using model::Risk;
  if (criticalKind(target.kind)) return Risk::Critical;
  if (target.kind == "HorizontalPodAutoscaler") return Risk::Medium;
  const auto kind = model::parseActionKind(action);
  if (!kind) return Risk::Critical;  // unknown (or empty) action: anything the table does not know
  switch (*kind) {
    case model::ActionKind::Restart:
      return target.kind == "Pod" ? Risk::Low : Risk::Medium;  // a rollout restart touches every pod
    case model::ActionKind::Scaling: {
      const auto after = replicasOnlyChange(change);
      // Kubernetes defaults spec.replicas to 1 when it is not set.
      const std::optional<std::int64_t> previous =
          before ? std::optional<std::int64_t>(integerAt(*before, {"spec", "replicas"}).value_or(1))
                 : std::nullopt;
      if (!after || !previous) return Risk::Medium;
      return (*after > *previous ? *after - *previous : *previous - *after) <= 2 ? Risk::Low : Risk::Medium;
    }
    case model::ActionKind::ResourceIncrease:
    case model::ActionKind::ResourceDecrease:
      return Risk::Medium;
    // Not in the spec's table, but known: each changes one workload's pod template (or one object) the way a
    // request/limit change does, and is undone the same way, so it is judged like one. The analyzer's own
    // risk still wins when it is higher.
    case model::ActionKind::ConfigChange:
    case model::ActionKind::ImageFix:
    case model::ActionKind::ProbeFix:
    case model::ActionKind::SelectorFix:
    case model::ActionKind::SchedulingChange:
    case model::ActionKind::CreateObject:
    case model::ActionKind::Rollback:
    case model::ActionKind::NodeUncordon:
      return Risk::Medium;
    case model::ActionKind::NodeDrain:  // moves every pod on the node
      return Risk::High;
    case model::ActionKind::QuotaChange:  // namespace-level
    case model::ActionKind::Investigate:  // no change is known, so nothing may be applied lightly
      return Risk::Critical;
  }
  return Risk::Critical;
}

std::string tierName(model::Risk risk) {
  return std::string(model::toString(risk));
}

}  // namespace

std::string formatDuration(seconds value) {
  const auto total = value.count();
  const auto h = total / 3600;
  const auto m = (total % 3600) / 60;
  const auto s = total % 60;
  std::string out;
  if (h > 0) out += fmt::format("{}h", h);
  if (m > 0) out += fmt::format("{}m", m);
  if (s > 0 || out.empty()) out += fmt::format("{}s", s);
  return out;
}

namespace {

std::string roleOf(const Approval& approval) {
  return approval.role.empty() ? "approver" : approval.role;
}

}  // namespace

ApprovalJudgement judgeApprovals(const RiskPolicy& policy, model::Risk risk, const OperationData& data,
                                 std::string_view requester, std::optional<WallTime> proposed) {
  const TierPolicy& tier = policy.tier(risk);
  ApprovalJudgement out;
  bool anyDecision = false;
  bool stale = false;
  bool self = false;
  bool late = false;
  std::set<std::string> people;
  for (const Approval& approval : data.approvals) {
    if (approval.decision != Decision::Approve) continue;
    anyDecision = true;
    if (approval.changeSha256 != data.changeSha256) {
      stale = true;  // bound to another change: void
      continue;
    }
    if (!tier.selfApproval && approval.identity.user == requester) {
      self = true;
      continue;
    }
    if (proposed && approval.time > *proposed + tier.window) {
      late = true;
      continue;
    }
    if (!people.insert(approval.identity.user).second) continue;  // the same person counts once
    out.counted.push_back(approval);
    if (roleOf(approval) == "security-reviewer") out.securityReviewed = true;
  }
  if (!anyDecision) {
    out.violations.push_back("no approval record");
    return out;
  }
  if (self) out.violations.push_back("approved by the requester");
  if (stale) out.violations.push_back("approval bound to another change");
  if (late) out.violations.push_back("approval given after the window");
  const int counted = static_cast<int>(out.counted.size());
  // A shortfall the reasons above already explain (nothing valid at all) is not repeated.
  if (counted < tier.approvers && (counted > 0 || out.violations.empty())) {
    out.violations.push_back(
        fmt::format("{} of {} required approver{}", counted, tier.approvers, tier.approvers == 1 ? "" : "s"));
  }
  if (tier.securityReviewer && !out.securityReviewed && counted > 0)
    out.violations.push_back("no security reviewer");
  if (tier.rollbackPlan && !data.rollback) out.violations.push_back("no rollback plan");
  return out;
}

namespace {

// When the operation was proposed, and by whom; unknown for a partly approved operation whose records predate
// requestedBy (docs/phr.md).
std::optional<WallTime> proposalTime(const OperationData& data) {
  if (data.requestedAt) return data.requestedAt;
  if (data.record == RecordKind::Recommendation) return data.time;
  return std::nullopt;
}

std::string requesterOf(const OperationData& data) {
  if (!data.requestedBy.user.empty()) return data.requestedBy.user;
  if (data.record == RecordKind::Recommendation) return data.actor.user;
  return {};
}

}  // namespace

const TierPolicy& RiskPolicy::tier(model::Risk risk) const {
  switch (risk) {
    case model::Risk::Low:
      return low;
    case model::Risk::Medium:
      return medium;
    case model::Risk::High:
      return high;
    case model::Risk::Critical:
      return critical;
  }
  return critical;
}

RiskPolicy defaultPolicy() {
  RiskPolicy policy;
  policy.low = TierPolicy{.approvers = 1,
                          .securityReviewer = false,
                          .selfApproval = true,
                          .window = std::chrono::minutes(5),
                          .rollbackPlan = false,
                          .recordMetrics = false,
                          .prevalidate = false};
  policy.medium = TierPolicy{.approvers = 1,
                             .securityReviewer = false,
                             .selfApproval = false,
                             .window = std::chrono::minutes(30),
                             .rollbackPlan = false,
                             .recordMetrics = true,
                             .prevalidate = true};
  policy.high = TierPolicy{.approvers = 1,
                           .securityReviewer = false,
                           .selfApproval = false,
                           .window = std::chrono::minutes(60),
                           .rollbackPlan = true,
                           .recordMetrics = true,
                           .prevalidate = true};
  policy.critical = TierPolicy{.approvers = 2,
                               .securityReviewer = true,
                               .selfApproval = false,
                               .window = std::chrono::minutes(120),
                               .rollbackPlan = true,
                               .recordMetrics = true,
                               .prevalidate = true};
  return policy;
}

RiskPolicy parsePolicy(std::string_view yaml, std::string_view sourceName) {
  const PolicyReader reader(sourceName);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    throw PolicyError(fmt::format("{}:{}: invalid YAML: {}", sourceName, e.mark.line + 1, e.msg));
  }
  if (!root.IsMap()) {
    throw PolicyError(fmt::format("{}:{}: a policy is a mapping with apiVersion, kind and tiers", sourceName,
                                  root.IsDefined() && !root.IsNull() ? root.Mark().line + 1 : 1));
  }
  RiskPolicy policy = defaultPolicy();
  policy.source = std::string(sourceName);
  try {
    reader.onlyKeys(root, "",
                    std::array<std::string_view, 4>{"apiVersion", "kind", "tiers", "automaticRollback"});
    const YAML::Node apiVersion = root["apiVersion"];
    if (!apiVersion)
      throw PolicyError(fmt::format("{}:1: apiVersion: is missing (expected {})", sourceName, kApiVersion));
    if (reader.scalar(apiVersion, "apiVersion") != kApiVersion) {
      reader.fail(apiVersion, fmt::format("apiVersion: '{}' is not {}", apiVersion.Scalar(), kApiVersion));
    }
    const YAML::Node kind = root["kind"];
    if (!kind) throw PolicyError(fmt::format("{}:1: kind: is missing (expected {})", sourceName, kKind));
    if (reader.scalar(kind, "kind") != kKind) {
      reader.fail(kind, fmt::format("kind: '{}' is not {}", kind.Scalar(), kKind));
    }
    if (const YAML::Node rollback = root["automaticRollback"]; rollback && !rollback.IsNull()) {
      reader.onlyKeys(rollback, "automaticRollback", std::array<std::string_view, 1>{"failedRollout"});
      if (const YAML::Node n = rollback["failedRollout"])
        policy.rollbackFailedRollouts = reader.boolean(n, "automaticRollback.failedRollout");
    }
    if (const YAML::Node tiers = root["tiers"]) {
      if (tiers.IsNull()) return policy;
      reader.onlyKeys(tiers, "tiers", std::array<std::string_view, 4>{"low", "medium", "high", "critical"});
      for (const auto& [name, tier] : {std::pair<std::string, TierPolicy*>{"low", &policy.low},
                                       {"medium", &policy.medium},
                                       {"high", &policy.high},
                                       {"critical", &policy.critical}}) {
        if (const YAML::Node node = tiers[name]) readTier(reader, node, name, *tier);
      }
    }
  } catch (const YAML::Exception& e) {
    throw PolicyError(fmt::format("{}:{}: {}", sourceName, e.mark.line + 1, e.msg));
  }
  return policy;
}

RiskPolicy loadPolicy(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw PolicyError(
        fmt::format("{}: cannot read the risk policy: {}", file.string(), std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  return parsePolicy(text.str(), file.string());
}

std::optional<RiskPolicy> policyFromFlagOrEnv(std::string_view flag) {
  if (!flag.empty()) return loadPolicy(std::filesystem::path(flag));
  const char* env = std::getenv("AIOPS_POLICY");
  if (env != nullptr && *env != '\0') return loadPolicy(std::filesystem::path(env));
  return std::nullopt;
}

model::Risk classify(model::Risk proposed, std::string_view action, const Target& target,
                     const Change& change, const std::optional<boost::json::value>& before) {
  return std::max(proposed, tableRisk(action, target, change, before));
}

ApprovalDecision checkApproval(const RiskPolicy& policy, const OperationData& current,
                               const Identity& approver, ApproverRights rights, std::string_view changeSha256,
                               WallTime now) {
  ApprovalDecision out;
  const auto refuse = [&](std::string reason) {
    out.refusal = std::move(reason);
    out.status = current.status.value_or(Status::Proposed);
    return out;
  };
  const std::string& id = current.operationId;
  const std::string risk = tierName(current.risk);
  const TierPolicy& tier = policy.tier(current.risk);
  if (current.status != Status::Proposed) {
    return refuse(fmt::format("{} is {}; only a proposed operation can be approved", id,
                              current.status ? std::string(toString(*current.status)) : "not an operation"));
  }
  if (!rights.approve && !rights.review) {
    return refuse(
        fmt::format("{} may not approve {}: no RBAC permission for verb approve on "
                    "recommendations.aiops.dev",
                    approver.user, id));
  }
  if (changeSha256 != current.changeSha256) {
    return refuse(
        fmt::format("the approval is for change sha256 {} but {}'s change is sha256 {}: the change was "
                    "edited since it was reviewed; review the current change",
                    changeSha256.substr(0, 12), id, current.changeSha256.substr(0, 12)));
  }
  const std::string requester = requesterOf(current);
  if (!tier.selfApproval) {
    if (requester.empty()) {
      return refuse(
          fmt::format("{} does not record who requested it, so self-approval cannot be ruled out; "
                      "propose it again",
                      id));
    }
    if (requester == approver.user) {
      return refuse(
          fmt::format("{} requested {} and may not approve it: the requester never approves their own "
                      "{} change",
                      approver.user, id, risk));
    }
  }
  const ApprovalJudgement so_far =
      judgeApprovals(policy, current.risk, current, requester, proposalTime(current));
  for (const Approval& approval : current.approvals) {
    if (approval.decision == Decision::Approve && approval.changeSha256 == current.changeSha256 &&
        approval.identity.user == approver.user) {
      return refuse(
          fmt::format("{} already approved {}; the approvers of a {} change must be different people",
                      approver.user, id, risk));
    }
  }
  const auto proposed = proposalTime(current);
  if (!proposed) {
    return refuse(
        fmt::format("{} does not record when it was proposed, so its approval window cannot be "
                    "checked; propose it again",
                    id));
  }
  if (now > *proposed + tier.window) {
    return refuse(
        fmt::format("the approval window of {} for a {} change closed at {}; {} must be proposed again",
                    formatDuration(tier.window), risk, formatTimestamp(*proposed + tier.window), id));
  }
  if (tier.rollbackPlan && !current.rollback) {
    return refuse(
        fmt::format("a {} change needs a rollback plan in its record before it can be approved; {} has "
                    "none",
                    risk, id));
  }
  const int have = static_cast<int>(so_far.counted.size());
  const bool reviewerNeeded = tier.securityReviewer && !so_far.securityReviewed;
  // The reviewer fills the security slot first; anyone else needs verb approve.
  if (reviewerNeeded && rights.review) {
    out.role = "security-reviewer";
  } else if (rights.approve) {
    out.role = "approver";
  } else if (tier.securityReviewer) {
    return refuse(
        fmt::format("{} holds only verb review on recommendations.aiops.dev and {}'s security review is "
                    "done; the remaining approval needs verb approve",
                    approver.user, id));
  } else {
    return refuse(
        fmt::format("{} may not approve {}: no RBAC permission for verb approve on "
                    "recommendations.aiops.dev (verb review counts only where a security reviewer "
                    "is required)",
                    approver.user, id));
  }
  const int after = have + 1;
  const bool reviewed = so_far.securityReviewed || out.role == "security-reviewer";
  if (tier.securityReviewer && !reviewed && after >= tier.approvers) {
    return refuse(
        fmt::format("{} needs a security reviewer for its last approval; {} does not hold verb review "
                    "on recommendations.aiops.dev",
                    id, approver.user));
  }
  std::vector<std::string> remaining;
  if (after < tier.approvers) {
    const int more = tier.approvers - after;
    remaining.push_back(fmt::format("{} more approver{}", more, more == 1 ? "" : "s"));
  }
  if (tier.securityReviewer && !reviewed) remaining.emplace_back("a security reviewer");
  out.status = remaining.empty() ? Status::Approved : Status::Proposed;
  for (const auto& part : remaining)
    out.remaining += (out.remaining.empty() ? "" : ", ") + part;
  return out;
}

std::optional<std::string> applyRefusal(const RiskPolicy& policy, const OperationData& current,
                                        WallTime now) {
  const std::string& id = current.operationId;
  const TierPolicy& tier = policy.tier(current.risk);
  if (current.status != Status::Approved) {
    return fmt::format("{} is {}, not approved; only an approved operation can be applied", id,
                       current.status ? std::string(toString(*current.status)) : "not an operation");
  }
  const std::string requester = requesterOf(current);
  const auto proposed = proposalTime(current);
  if (requester.empty() || !proposed) {
    return fmt::format(
        "{} does not record who requested it and when, so its approvals cannot be checked; propose "
        "it again",
        id);
  }
  const ApprovalJudgement judgement = judgeApprovals(policy, current.risk, current, requester, proposed);
  if (!judgement.violations.empty()) {
    std::string reasons;
    for (const auto& v : judgement.violations)
      reasons += (reasons.empty() ? "" : "; ") + v;
    return fmt::format("{}'s approvals do not satisfy the {} policy: {}", id, tierName(current.risk),
                       reasons);
  }
  const auto expires = expiresAt(policy, current);
  if (expires && now > *expires) {
    return fmt::format(
        "the approval of {} expired at {} (window {} for a {} change); it must be proposed again", id,
        formatTimestamp(*expires), formatDuration(tier.window), tierName(current.risk));
  }
  return std::nullopt;
}

std::optional<WallTime> expiresAt(const RiskPolicy& policy, const OperationData& current) {
  const TierPolicy& tier = policy.tier(current.risk);
  if (current.status == Status::Proposed) {
    const auto proposed = proposalTime(current);
    if (!proposed) return std::nullopt;
    return *proposed + tier.window;
  }
  if (current.status == Status::Approved) {
    // The approval that completed the tier's needs: the latest counted one.
    const ApprovalJudgement judgement =
        judgeApprovals(policy, current.risk, current, requesterOf(current), proposalTime(current));
    std::optional<WallTime> completed;
    for (const Approval& approval : judgement.counted)
      completed = std::max(completed.value_or(approval.time), approval.time);
    if (!completed) return std::nullopt;
    return *completed + tier.window;
  }
  return std::nullopt;
}

}  // namespace aiops::governance

// `kubectl aiops pending|show|approve|reject|apply|verify|rollback`: the operations of the PHR journal, and
// the only front end to the executor (src/execute/), which is the only code that changes the cluster.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common.h"
#include "governance/journal.h"
#include "governance/policy.h"
#include "kube/client.h"

namespace aiops::plugin::operations {

// The journal and policy flags every governance command shares (diagnose takes the journal ones).
struct GovernanceFlags {
  std::string repo;    // --phr-repo; else AIOPS_PHR_REPO, $XDG_DATA_HOME/..., ~/.local/share/...
  std::string remote;  // --phr-remote; else AIOPS_PHR_REMOTE; else none
  std::string policy;  // --policy; else AIOPS_POLICY; else the cluster's ConfigMap; else the defaults
};

// Adds --phr-repo and --phr-remote, and --policy when `withPolicy`.
void addGovernanceFlags(CLI::App& command, GovernanceFlags& flags, bool withPolicy);
// Where the journal is and where it pushes; `create` false: a missing journal is JournalError(NotFound).
governance::JournalOptions journalOptions(const GovernanceFlags& flags, bool create);

// The policy named by --policy or AIOPS_POLICY (a file that does not parse is a UsageError), else the
// cluster's ConfigMap aiops-system/aiops-risk-policy key policy.yaml when `client` can read it (one that
// does not parse is a kube::KubeError), else the built-in defaults.
governance::RiskPolicy resolvePolicy(const std::string& flag, kube::Client* client);
// Whether the policy comes from the flag or the environment, so the cluster need not be asked.
bool policyIsLocal(const std::string& flag);

// Proposes `proposal` as a new operation, unless the same change (by its SHA-256) to the same object is
// already waiting for a decision or an apply: then that operation's id is returned with `existing` set.
struct Proposed {
  std::string operationId;
  bool existing = false;
  std::vector<std::string> warnings;
};
Proposed proposeOnce(governance::Journal& journal, const governance::Proposal& proposal,
                     const governance::Identity& actor);

enum class Action { None, Pending, Show, Approve, Reject, Apply, Verify, Rollback };

struct Options {
  Action action = Action::None;  // set by the subcommand that parsed
  CommonOptions common;          // connection flags and -o (text, json, yaml)
  GovernanceFlags governance;
  std::string operationId;  // show, approve, reject, apply, verify, rollback
  std::string reason;       // approve, reject: --reason
  bool follow = false;      // apply --follow
  bool all = false;         // pending --all: every operation, whatever its status

  std::string commandLine;  // the command as typed, recorded as the step's prompt; set by the front end
  WallTime now;             // the local clock; set by the front end
};

// Registers the seven commands; each returned App sets options.action when it parses.
std::vector<CLI::App*> add(CLI::App& parent, Options& options);
// Checks the flags (throws UsageError): -o is text, json or yaml; IDs look like op-0042; --reason is given
// (and one line) for approve and reject.
void validate(Options& options);
// Whether the command writes through the executor (and so needs the cluster for identity, rights, Leases).
bool usesExecutor(Action action);

// 0 done; 1 refused (policy, RBAC, lifecycle) or a checkpoint failed; 2 (as UsageError) no such operation;
// 3 cluster or journal error. `client` is null for pending and show when the policy is local.
int run(const Options& options, kube::Client* client, Streams& streams);

// What an operation still needs under `policy`, for people: "1 approver", "1 more approver, a security
// reviewer", "apply" (approved), "-" (nothing: final or in progress).
std::string needsText(const governance::RiskPolicy& policy, const governance::OperationData& current);

// The documented -o json documents (docs/operations.md).
boost::json::value pendingJson(const std::string& journal, const governance::RiskPolicy& policy,
                               const std::vector<governance::OperationData>& operations, WallTime now);
boost::json::value showJson(const governance::RiskPolicy& policy, const governance::OperationData& current,
                            const std::vector<governance::StoredRecord>& records, WallTime now);

}  // namespace aiops::plugin::operations

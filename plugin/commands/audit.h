// `kubectl aiops audit compliance --month YYYY-MM`: every medium-or-higher operation executed in a month and
// whether the approvals the risk policy requires are in its PHR record. Reads only the journal and the
// policy.
#pragma once

#include <boost/json/value.hpp>
#include <string>

#include "commands/operations.h"
#include "common.h"
#include "governance/compliance.h"

namespace aiops::plugin::audit {

enum class Action { None, Compliance };

struct Options {
  Action action = Action::None;
  CommonOptions common;  // -o text|json|yaml; connection flags for the policy ConfigMap
  operations::GovernanceFlags governance;
  std::string month;  // YYYY-MM (UTC); default: the month of `now`
  WallTime now;       // the local clock; set by the front end
};

CLI::App* add(CLI::App& parent, Options& options);
// Checks -o and --month (throws UsageError); fills in the current month when none is given.
void validate(Options& options);
// 0 compliant; 1 at least one violation; 3 the journal is missing or unreadable. `client` may be null (the
// policy is local or the cluster is not needed).
int run(const Options& options, kube::Client* client, Streams& streams);

// The documented -o json document (docs/operations.md).
boost::json::value complianceJson(const std::string& journal, const std::string& policy,
                                  const governance::ComplianceReport& report);

}  // namespace aiops::plugin::audit

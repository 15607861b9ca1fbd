// What the rollout gate needs of Helm's command line and output: the release and namespace of a `helm
// upgrade`, and the revision a rollback must go to (never `helm rollback`'s own "previous", which may be a
// failed revision).
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace aiops::gate {

// The pieces of a `helm upgrade` command line the monitor needs.
struct HelmUpgradeArgs {
  std::string release;
  std::string chart;
  std::string namespace_;
  std::string kubeContext;
  std::string kubeconfig;
};
// Reads RELEASE, CHART, -n/--namespace, --kube-context and --kubeconfig from helm upgrade's arguments
// (flags may come anywhere; the value of a flag that takes one is never a positional).
HelmUpgradeArgs parseHelmUpgradeArgs(const std::vector<std::string>& args);

// The revision `helm rollback` should go to, from `helm history -o json`: the newest one whose status is
// deployed or superseded, other than the newest revision (the one being rolled back). nullopt with `why`
// set when there is none or the JSON is not a history.
std::optional<std::int64_t> rollbackRevision(const boost::json::value& history, std::string& why);

}  // namespace aiops::gate

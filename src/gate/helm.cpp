// Helm's command line and `helm history -o json`, as the rollout gate reads them.
#include "gate/helm.h"

#include <algorithm>
#include <string_view>

#include "kube/objects.h"

namespace aiops::gate {
namespace {

// helm upgrade's flags that take a value as the next argument (Helm 3 and 4); any other flag is a switch.
constexpr std::string_view kValueFlags =
    " -f --values --set --set-string --set-file --set-json --set-literal -n --namespace --kube-context "
    "--kubeconfig --version --timeout --description --post-renderer --post-renderer-args --repo --username "
    "--password --ca-file --cert-file --key-file --history-max --labels --kube-apiserver --kube-token "
    "--kube-as-user --registry-config ";

bool takesValue(const std::string& flag) {
  return kValueFlags.find(" " + flag + " ") != std::string_view::npos;
}

}  // namespace

HelmUpgradeArgs parseHelmUpgradeArgs(const std::vector<std::string>& args) {
  HelmUpgradeArgs out;
  std::vector<std::string> positional;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.size() < 2 || a[0] != '-') {
      positional.push_back(a);
      continue;
    }
    std::string flag = a;
    std::string value;
    bool hasValue = false;
    if (const auto eq = a.find('='); a.starts_with("--") && eq != std::string::npos) {
      flag = a.substr(0, eq);
      value = a.substr(eq + 1);
      hasValue = true;
    } else if (a.starts_with("-n") && a.size() > 2 && !a.starts_with("--")) {
      flag = "-n";
      value = a.substr(a[2] == '=' ? 3 : 2);
      hasValue = true;
    } else if (takesValue(a) && i + 1 < args.size()) {
      value = args[++i];
      hasValue = true;
    }
    if (!hasValue) continue;
    if (flag == "-n" || flag == "--namespace") out.namespace_ = value;
    if (flag == "--kube-context") out.kubeContext = value;
    if (flag == "--kubeconfig") out.kubeconfig = value;
  }
  if (!positional.empty()) out.release = positional[0];
  if (positional.size() > 1) out.chart = positional[1];
  return out;
}

std::optional<std::int64_t> rollbackRevision(const boost::json::value& history, std::string& why) {
  if (!history.is_array()) {
    why = "helm history did not print a JSON array";
    return std::nullopt;
  }
  std::int64_t newest = 0;
  for (const boost::json::value& entry : history.get_array())
    newest = std::max(newest, kube::intAt(&entry, {"revision"}).value_or(0));
  std::optional<std::int64_t> best;
  for (const boost::json::value& entry : history.get_array()) {
    const std::int64_t revision = kube::intAt(&entry, {"revision"}).value_or(0);
    const std::string status = kube::stringAt(&entry, {"status"});
    if (revision == newest || (status != "deployed" && status != "superseded")) continue;
    if (!best || revision > *best) best = revision;
  }
  if (!best) why = "no earlier revision is deployed or superseded";
  return best;
}

}  // namespace aiops::gate

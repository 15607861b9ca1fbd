// Nodes (AIOPS-D850-D854): Ready False or Unknown, and the kubelet's standard pressure conditions. Only the
// standard condition types count: node-problem-detector and cloud providers add their own (KernelDeadlock,
// FrequentKubeletRestart, ...), and reporting every unknown type is what makes other tools noisy.
#include <fmt/format.h>

#include "diagnose/analyzers.h"

namespace aiops::diagnose {
namespace {

model::Recommendation nodeAdvice(const NodeEvidence& n, model::ActionKind action, std::string summary,
                                 std::vector<std::string> commands, model::Risk risk, std::string rationale,
                                 std::string_view ruleId) {
  model::Recommendation r;
  r.action = action;
  r.target = model::ObjectRef{"v1", "Node", "", n.name, {}};
  r.summary = std::move(summary);
  r.commands = std::move(commands);
  r.expectedOutcome = "The node reports the condition cleared; its pods run normally again.";
  r.risk = risk;
  r.rationale = std::move(rationale);
  r.runbook = std::string(rule(ruleId).slug);
  return r;
}

}  // namespace

void analyzeNodes(const Context& ctx, Detections& out) {
  struct Pressure {
    std::string_view type;
    std::string_view ruleId;
  };
  static constexpr Pressure kPressures[] = {{"MemoryPressure", "AIOPS-D851"},
                                            {"DiskPressure", "AIOPS-D852"},
                                            {"PIDPressure", "AIOPS-D853"},
                                            {"NetworkUnavailable", "AIOPS-D854"}};
  for (const NodeEvidence& n : ctx.evidence.nodes) {
    std::string label = fmt::format("Node {}", n.name);
    for (const Condition& c : n.conditions) {
      Detection d;
      d.object = model::ObjectRef{"v1", "Node", "", n.name, {}};
      d.params = {{"node", n.name},
                  {"reason", c.reason.empty() ? c.status : c.reason},
                  {"detail", c.message.empty() ? c.reason : c.message}};
      d.confidence = 95;
      if (c.type == "Ready") {
        if (c.status == "True") continue;
        d.ruleId = "AIOPS-D850";
        d.recommendations.push_back(
            nodeAdvice(n, model::ActionKind::NodeDrain,
                       fmt::format("restore the kubelet on node {}, or drain it", n.name),
                       {fmt::format("kubectl describe node {}", n.name),
                        fmt::format("kubectl drain {} --ignore-daemonsets --delete-emptydir-data", n.name)},
                       model::Risk::High,
                       "Draining moves every pod off the node: right when the machine is gone, disruptive "
                       "when it recovers.",
                       d.ruleId));
      } else {
        auto pressure = std::find_if(std::begin(kPressures), std::end(kPressures),
                                     [&](const Pressure& p) { return p.type == c.type; });
        if (pressure == std::end(kPressures) || c.status != "True") continue;
        d.ruleId = pressure->ruleId;
        d.recommendations.push_back(nodeAdvice(
            n, model::ActionKind::Investigate, fmt::format("relieve the {} on node {}", c.type, n.name),
            {fmt::format("kubectl describe node {}", n.name),
             fmt::format("kubectl get pods -A -o wide --field-selector spec.nodeName={}", n.name)},
            model::Risk::Low, "The pods to move or resize depend on what uses the resource.", d.ruleId));
      }
      d.evidence.push_back(
          model::EvidenceItem::field(label, fmt::format("status.conditions[{}]", c.type),
                                     fmt::format("{} {}: {}", c.status, c.reason, c.message)));
      for (const EventRecord& e : ctx.events("Node", "", n.name)) {
        if (e.type == "Warning" || e.reason == "NodeNotReady") d.evidence.push_back(eventEvidence(label, e));
      }
      d.causeKey = std::string(c.type);
      out.push_back(std::move(d));
    }
  }
}

}  // namespace aiops::diagnose

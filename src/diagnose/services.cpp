// Services (AIOPS-D800, D801): a Service whose selector matches no pod, and one whose pods exist but none
// is ready. For a selector that matches nothing, the pods that come closest (same keys, other values) point
// at the likely typo, and when they all belong to one workload the fix is a selector patch.
#include <fmt/format.h>

#include "diagnose/analyzers.h"

namespace aiops::diagnose {
namespace {

namespace json = boost::json;

bool selects(const std::map<std::string, std::string>& selector,
             const std::map<std::string, std::string>& labels) {
  for (const auto& [k, v] : selector) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  return true;
}

// A label value that could be a typo of the selector's: a few edits apart, or one containing the other
// ("postgresql" for "postgres"). "web" is no typo of "postgres": those pods serve another app.
bool lookAlike(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty()) return false;
  if (a.find(b) != std::string::npos || b.find(a) != std::string::npos) return true;
  return editDistance(a, b) <= std::max<std::size_t>(1, std::min(a.size(), b.size()) / 3);
}

// 100 per key with the same value, up to 49 per key with a look-alike value (more the closer it is), 1 per
// key with another value. A pod that shares no value with the selector and has no look-alike either is not
// a candidate (0): those pods serve another app.
int similarity(const std::map<std::string, std::string>& selector,
               const std::map<std::string, std::string>& labels) {
  int score = 0;
  bool related = false;
  for (const auto& [k, v] : selector) {
    auto it = labels.find(k);
    if (it == labels.end()) continue;
    if (it->second == v) {
      score += 100;
      related = true;
    } else if (lookAlike(it->second, v)) {
      score += 50 - static_cast<int>(std::min<std::size_t>(49, editDistance(it->second, v)));
      related = true;
    } else {
      score += 1;
    }
  }
  return related ? score : 0;
}

std::string showSelector(const std::map<std::string, std::string>& selector) {
  std::vector<std::string> pairs;
  for (const auto& [k, v] : selector)
    pairs.push_back(fmt::format("{}={}", k, v));
  return joinNames(pairs, 10);
}

ObjectKey scopeOf(const PodEvidence& pod) {
  if (pod.owners.empty()) return ObjectKey{"Pod", pod.namespace_, pod.name};
  return ObjectKey{pod.owners.back().kind, pod.namespace_, pod.owners.back().name};
}

bool live(const PodEvidence& pod) {
  return pod.phase != "Succeeded" && pod.phase != "Failed" && !pod.deleted;
}

void noMatch(const Context& ctx, const ServiceEvidence& s, Detection& d) {
  d.ruleId = "AIOPS-D800";
  d.confidence = 95;
  d.params["hint"] = "";
  int best = 0;
  std::vector<const PodEvidence*> candidates;
  for (const PodEvidence& pod : ctx.evidence.pods) {
    if (pod.namespace_ != s.namespace_ || !live(pod)) continue;
    int score = similarity(s.selector, pod.labels);
    if (score == 0 || score < best) continue;
    if (score > best) candidates.clear();
    best = score;
    candidates.push_back(&pod);
  }
  std::set<ObjectKey> owners;
  for (const PodEvidence* p : candidates)
    owners.insert(scopeOf(*p));
  model::Recommendation r;
  r.action = model::ActionKind::SelectorFix;
  r.target = model::ObjectRef{"v1", "Service", s.namespace_, s.name, {}};
  r.runbook = std::string(rule(d.ruleId).slug);
  r.risk = model::Risk::Medium;
  r.commands.push_back(fmt::format("kubectl -n {} get pods --show-labels", s.namespace_));
  r.expectedOutcome =
      "The endpoints controller adds the matching pods' addresses at once; clients connect again.";
  if (owners.size() != 1) {
    r.summary =
        fmt::format("make the selector of Service {} ({}) match the labels of the pods it should serve",
                    s.name, showSelector(s.selector));
    r.rationale =
        owners.empty()
            ? "No pod in the namespace carries labels like the selector's: the workload this Service fronts "
              "may not be deployed, or its labels differ entirely."
            : "No single workload's pods come close enough to the selector to say which side has the typo.";
    d.recommendations.push_back(std::move(r));
    return;
  }
  const PodEvidence& pod = *candidates.front();
  json::object selector;
  json::object restore;
  std::vector<std::string> differences;
  for (const auto& [k, v] : s.selector) {
    auto it = pod.labels.find(k);
    if (it != pod.labels.end() && it->second == v) continue;
    selector[k] = it == pod.labels.end() ? json::value(nullptr) : json::value(json::string(it->second));
    restore[k] = v;
    differences.push_back(it == pod.labels.end() ? fmt::format("no {} label", k)
                                                 : fmt::format("{}={}", k, it->second));
  }
  ObjectKey owner = scopeOf(pod);
  d.params["hint"] =
      fmt::format("; the pods of {} {} carry {}", owner.kind, owner.name, joinNames(differences));
  r.summary = fmt::format("change the selector of Service {} to match the pods of {} {}", s.name, owner.kind,
                          owner.name);
  r.patch =
      model::Patch{model::PatchType::Merge, json::object{{"spec", json::object{{"selector", selector}}}}};
  r.undo = model::Patch{model::PatchType::Merge, json::object{{"spec", json::object{{"selector", restore}}}}};
  r.commands.insert(r.commands.begin(), model::kubectlPatchCommand(r.target, *r.patch));
  r.rationale = fmt::format(
      "Only the pods of {} {} share the selector's keys; they differ in {}. If those pods are "
      "the ones with the wrong labels, fix their template instead.",
      owner.kind, owner.name, joinNames(differences));
  d.recommendations.push_back(std::move(r));
}

// The Service's selector is right and its pods are the problem: the finding depends on theirs, and the
// recommendation is to look at those pods.
void blamePods(const ServiceEvidence& s, const std::vector<const PodEvidence*>& pods, std::string summary,
               std::string expectedOutcome, std::string rationale, Detection& d) {
  std::set<ObjectKey> scopes;
  for (const PodEvidence* p : pods)
    scopes.insert(scopeOf(*p));
  d.dependsOn.assign(scopes.begin(), scopes.end());
  model::Recommendation r;
  r.action = model::ActionKind::Investigate;
  r.target = model::ObjectRef{"v1", "Service", s.namespace_, s.name, {}};
  r.summary = std::move(summary);
  r.commands.push_back(fmt::format("kubectl -n {} get pods -l {}", s.namespace_, showSelector(s.selector)));
  r.expectedOutcome = std::move(expectedOutcome);
  r.risk = model::Risk::Low;
  r.rationale = std::move(rationale);
  r.runbook = std::string(rule(d.ruleId).slug);
  d.recommendations.push_back(std::move(r));
}

}  // namespace

void analyzeServices(const Context& ctx, Detections& out) {
  for (const ServiceEvidence& s : ctx.evidence.services) {
    if (s.selector.empty() || s.type == "ExternalName" || !s.endpointsRead || s.readyAddresses > 0) continue;
    bool podsKnown = ctx.evidence.wasListed("pods", s.namespace_);
    std::vector<const PodEvidence*> matching;
    std::vector<const PodEvidence*> ended;  // matching pods that have terminated (Failed, Succeeded, deleted)
    for (const PodEvidence& pod : ctx.evidence.pods) {
      if (pod.namespace_ != s.namespace_) continue;
      podsKnown = true;
      if (!selects(s.selector, pod.labels)) continue;
      (live(pod) ? matching : ended).push_back(&pod);
    }
    if (!podsKnown) continue;  // without the namespace's pods, "matches nothing" cannot be told
    Detection d;
    d.object = model::ObjectRef{"v1", "Service", s.namespace_, s.name, {}};
    d.params = {{"service", s.name}, {"namespace", s.namespace_}, {"selector", showSelector(s.selector)}};
    std::string label = fmt::format("Service {}/{}", s.namespace_, s.name);
    d.evidence.push_back(model::EvidenceItem::field(label, "spec.selector", showSelector(s.selector)));
    d.evidence.push_back(model::EvidenceItem::field(
        fmt::format("Endpoints {}/{}", s.namespace_, s.name), "subsets",
        s.endpointsExist ? fmt::format("{} ready, {} not ready", s.readyAddresses, s.notReadyAddresses)
                         : "(none)"));
    if (matching.empty() && !ended.empty()) {
      // The selector is right; the pods it selects have all terminated (evicted, failed): they explain it.
      d.ruleId = "AIOPS-D800";
      d.confidence = 90;
      d.params["hint"] = fmt::format("; the {} it matches {} terminated",
                                     plural(static_cast<std::int64_t>(ended.size()), "pod"),
                                     ended.size() == 1 ? "has" : "have all");
      blamePods(
          s, ended,
          fmt::format("find why the pods behind Service {} terminated (see the related findings)", s.name),
          "Endpoints return as soon as running, ready pods match the selector again.",
          "The selector matches pods, but none of them is running.", d);
    } else if (matching.empty()) {
      noMatch(ctx, s, d);
    } else {
      // Pods that are Ready (the endpoints controller has not caught up) or still starting are not a problem.
      bool anyReady = std::any_of(matching.begin(), matching.end(), [](const PodEvidence* p) {
        return std::any_of(p->conditions.begin(), p->conditions.end(),
                           [](const Condition& c) { return c.type == "Ready" && c.isTrue(); });
      });
      bool allStarting = std::all_of(matching.begin(), matching.end(), [&](const PodEvidence* p) {
        return ctx.age(p->created) < ctx.options.startupGrace;
      });
      if (anyReady || allStarting) continue;
      d.ruleId = "AIOPS-D801";
      d.confidence = 90;
      // A pod the scheduler has not placed has no address, so it is no endpoint at all: say so, rather than
      // blame a readiness check that never ran.
      std::vector<std::string> names = s.notReadyPods;
      std::vector<std::string> unscheduled;
      for (const PodEvidence* p : matching) {
        if (p->nodeName.empty()) {
          unscheduled.push_back(p->name);
        } else if (s.notReadyPods.empty()) {
          names.push_back(p->name);
        }
      }
      d.params["ready"] = std::to_string(s.readyAddresses);
      d.params["notReady"] = std::to_string(s.endpointsExist ? s.notReadyAddresses : 0);
      d.params["pods"] = joinNames(names);
      std::string why;
      if (!names.empty())
        why = fmt::format("its pods {} do not pass their readiness checks", joinNames(names));
      if (!unscheduled.empty()) {
        why += fmt::format(
            "{} {} {} not scheduled to any node", why.empty() ? "its" : ", and its",
            unscheduled.size() == 1 ? "pod " + unscheduled.front() : "pods " + joinNames(unscheduled),
            unscheduled.size() == 1 ? "is" : "are");
      }
      d.params["why"] = why;
      blamePods(
          s, matching,
          fmt::format("fix why the pods behind Service {} are not {} (see the related findings)", s.name,
                      names.empty()         ? "scheduled"
                      : unscheduled.empty() ? "ready"
                                            : "scheduled or ready"),
          "Endpoints follow readiness: the Service routes again as soon as one pod is ready.",
          "The selector is right; the pods are the problem.", d);
    }
    out.push_back(std::move(d));
  }
}

}  // namespace aiops::diagnose

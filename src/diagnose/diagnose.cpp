// diagnose(): the analyzer registry, and the join that turns detections into ranked, grouped Findings.
//
// Join, in three steps:
//  1. Group: detections of the same rule, scope (the pod's top owner, or the object's), container and
//     cause become one Finding listing every affected pod ("Deployment shop/backend: 3/3 pods
//     CrashLoopBackOff, same cause").
//  2. Relate: Findings of one scope belong together, and so do a Finding and the Findings of the objects
//     it depends on (a crash with "connection refused" to a Service with no endpoints, a pod waiting for a
//     claim that cannot be provisioned, pods on a NotReady node, a Service whose pods are not ready).
//  3. Rank: in each related set the Finding with the lowest catalogue rank (the most fundamental cause)
//     is primary; every other one names it in relatedTo.
// Finally Findings are sorted by severity, namespace, name, rule ID and container, so output never depends
// on analyzer or map order.
#include "diagnose/diagnose.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <numeric>
#include <tuple>

#include "diagnose/analyzers.h"

namespace aiops::diagnose {
namespace {

namespace json = boost::json;

using Run = void (*)(const Context&, Detections&);

struct Entry {
  AnalyzerInfo info;
  Run run;
};

constexpr unsigned operator|(Need a, Need b) {
  return static_cast<unsigned>(a) | static_cast<unsigned>(b);
}
constexpr unsigned operator|(unsigned a, Need b) {
  return a | static_cast<unsigned>(b);
}

// Every analyzer: name, one line of description, the evidence it reads, the rules it can emit.
const std::vector<Entry>& registry() {
  static const std::vector<Entry> table{
      {{"crashloop",
        "containers that exit and restart, with exit-code decoding and log signatures",
        Need::Pods | Need::Events | Need::Logs | Need::Workloads | Need::Services,
        {"AIOPS-D100", "AIOPS-D101", "AIOPS-D102", "AIOPS-D103", "AIOPS-D104", "AIOPS-D105", "AIOPS-D106",
         "AIOPS-D107", "AIOPS-D108", "AIOPS-D109", "AIOPS-D130", "AIOPS-D305", "AIOPS-D900", "AIOPS-D901",
         "AIOPS-D902", "AIOPS-D903", "AIOPS-D904", "AIOPS-D905", "AIOPS-D906", "AIOPS-D907", "AIOPS-D908",
         "AIOPS-D909", "AIOPS-D910", "AIOPS-D911", "AIOPS-D912", "AIOPS-D913"}},
       analyzeCrashLoop},
      {{"oom",
        "OOMKilled containers, current or last state, with the memory limit to set",
        Need::Pods | Need::Events | Need::Logs | Need::Nodes | Need::Metrics,
        {"AIOPS-D110", "AIOPS-D111"}},
       analyzeOom},
      {{"init-containers",
        "init containers that fail or never finish",
        Need::Pods | Need::Logs | Need::Services,
        {"AIOPS-D120", "AIOPS-D121"}},
       analyzeInitContainers},
      {{"image-pull",
        "images that cannot be pulled: not found, unauthorized, unreachable, rate limited, invalid",
        Need::Pods | Need::Events | Need::Workloads | Need::Config | Need::RegistrySecrets,
        {"AIOPS-D200", "AIOPS-D201", "AIOPS-D202", "AIOPS-D203", "AIOPS-D204", "AIOPS-D205", "AIOPS-D206"}},
       analyzeImagePull},
      {{"config-errors",
        "missing ConfigMaps, Secrets and keys, runAsNonRoot, runtime start failures, hooks",
        Need::Pods | Need::Events | Need::Config | Need::Nodes,
        {"AIOPS-D300", "AIOPS-D301", "AIOPS-D302", "AIOPS-D303", "AIOPS-D304", "AIOPS-D305", "AIOPS-D306",
         "AIOPS-D102", "AIOPS-D103", "AIOPS-D109"}},
       analyzeConfigErrors},
      {{"scheduling",
        "unschedulable pods by FailedScheduling sub-cause, and claims that cannot be provisioned",
        Need::Pods | Need::Events | Need::Nodes | Need::Storage,
        {"AIOPS-D400", "AIOPS-D401", "AIOPS-D402", "AIOPS-D403", "AIOPS-D404", "AIOPS-D405", "AIOPS-D406",
         "AIOPS-D407", "AIOPS-D408", "AIOPS-D409", "AIOPS-D500", "AIOPS-D501", "AIOPS-D505"}},
       analyzeScheduling},
      {{"evictions",
        "evicted pods and kubelet admission rejections",
        Need::Pods | Need::Events,
        {"AIOPS-D410", "AIOPS-D411", "AIOPS-D412", "AIOPS-D413", "AIOPS-D414"}},
       analyzeEvictions},
      {{"volumes",
        "pods stuck in ContainerCreating: mounts, Multi-Attach, sandboxes",
        Need::Pods | Need::Events | Need::Storage,
        {"AIOPS-D415", "AIOPS-D502", "AIOPS-D503", "AIOPS-D504"}},
       analyzeVolumes},
      {{"probes",
        "failing liveness, readiness and startup probes: wrong path or port, slow start, timeouts",
        Need::Pods | Need::Events | Need::Logs,
        {"AIOPS-D600", "AIOPS-D601", "AIOPS-D602", "AIOPS-D603", "AIOPS-D604"}},
       analyzeProbes},
      {{"workloads",
        "FailedCreate (quota, LimitRange, ServiceAccount, admission), stuck rollouts, failed Jobs",
        Need::Workloads | Need::Events | Need::Quotas | Need::ServiceAccounts,
        {"AIOPS-D700", "AIOPS-D701", "AIOPS-D702", "AIOPS-D703", "AIOPS-D704", "AIOPS-D705", "AIOPS-D706",
         "AIOPS-D707"}},
       analyzeWorkloads},
      {{"services",
        "Services with no endpoints (selector mismatch) or no ready endpoints",
        Need::Services | Need::Pods,
        {"AIOPS-D800", "AIOPS-D801"}},
       analyzeServices},
      {{"nodes",
        "nodes NotReady or under memory, disk or PID pressure",
        Need::Nodes | Need::Events,
        {"AIOPS-D850", "AIOPS-D851", "AIOPS-D852", "AIOPS-D853", "AIOPS-D854"}},
       analyzeNodes},
  };
  return table;
}

ObjectKey scopeOf(const Detection& d) {
  if (d.pod != nullptr) {
    if (d.pod->owners.empty()) return ObjectKey{"Pod", d.pod->namespace_, d.pod->name};
    return ObjectKey{d.pod->owners.back().kind, d.pod->namespace_, d.pod->owners.back().name};
  }
  if (!d.object.owners.empty()) {
    const model::ObjectRef& top = d.object.owners.back();
    return ObjectKey{top.kind, d.object.namespace_, top.name};
  }
  return ObjectKey{d.object.kind, d.object.namespace_, d.object.name};
}

ObjectKey objectKeyOf(const Detection& d) {
  if (d.pod != nullptr) return ObjectKey{"Pod", d.pod->namespace_, d.pod->name};
  return ObjectKey{d.object.kind, d.object.namespace_, d.object.name};
}

struct Group {
  std::string_view ruleId;
  ObjectKey scope;
  std::vector<const Detection*> members;
  std::set<ObjectKey> objects;  // the objects it is about (pods or the object), for dependency lookups
};

// The most common STATUS among the pods ("CrashLoopBackOff"); ties go to the alphabetically first. A failed
// pod's own reason (Evicted, OutOfcpu) says more than the container state kubectl would show instead.
std::string commonStatus(const std::vector<const Detection*>& members) {
  std::map<std::string, int> counts;
  for (const Detection* d : members) {
    const PodEvidence& p = *d->pod;
    ++counts[p.phase == "Failed" && !p.reason.empty() ? p.reason : p.displayStatus];
  }
  auto best = std::max_element(counts.begin(), counts.end(),
                               [](const auto& a, const auto& b) { return a.second < b.second; });
  return best == counts.end() ? "" : best->first;
}

std::string headlineOf(const Context& ctx, const Group& g, const Rule& rule) {
  const Detection& rep = *g.members.front();
  if (rep.pod == nullptr) {
    std::string name = rep.object.namespace_.empty()
                           ? rep.object.name
                           : fmt::format("{}/{}", rep.object.namespace_, rep.object.name);
    return fmt::format("{} {}: {}", rep.object.kind, name, rule.title);
  }
  std::string status = commonStatus(g.members);
  if (g.scope.kind == "Pod") return fmt::format("Pod {}/{}: {}", g.scope.namespace_, g.scope.name, status);
  std::size_t n = g.members.size();
  return fmt::format("{} {}/{}: {}/{} pods {}{}", g.scope.kind, g.scope.namespace_, g.scope.name, n,
                     std::max<std::int64_t>(ctx.podsInScope(g.scope), static_cast<std::int64_t>(n)), status,
                     n > 1 ? ", same cause" : "");
}

// Union-find over Finding indices.
struct Sets {
  std::vector<std::size_t> parent;
  explicit Sets(std::size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), 0); }
  std::size_t find(std::size_t i) {
    while (parent[i] != i)
      i = parent[i] = parent[parent[i]];
    return i;
  }
  void join(std::size_t a, std::size_t b) { parent[find(a)] = find(b); }
};

model::FindingRef refOf(const model::Finding& f) {
  return model::FindingRef{f.ruleId,
                           model::ObjectRef{"", f.object.kind, f.object.namespace_, f.object.name, {}}};
}

}  // namespace

const std::vector<AnalyzerInfo>& analyzers() {
  static const std::vector<AnalyzerInfo> infos = [] {
    std::vector<AnalyzerInfo> out;
    for (const Entry& e : registry())
      out.push_back(e.info);
    return out;
  }();
  return infos;
}

Diagnosis diagnose(const Evidence& evidence, const Options& options) {
  Context ctx(evidence, options);
  Detections detections;
  for (const Entry& e : registry())
    e.run(ctx, detections);

  // 1. Group.
  std::map<std::tuple<std::string_view, ObjectKey, std::string, std::string>, std::size_t> index;
  std::vector<Group> groups;
  for (const Detection& d : detections) {
    if (options.disabledRules.count(d.ruleId) > 0) continue;
    auto key = std::make_tuple(d.ruleId, scopeOf(d), d.container, d.causeKey);
    auto [it, added] = index.emplace(key, groups.size());
    if (added) groups.push_back(Group{d.ruleId, scopeOf(d), {}, {}});
    Group& g = groups[it->second];
    g.members.push_back(&d);
    g.objects.insert(objectKeyOf(d));
  }
  std::vector<model::Finding> findings;
  std::vector<int> ranks;
  std::vector<std::int64_t> weights;
  findings.reserve(groups.size());
  for (Group& g : groups) {
    std::stable_sort(g.members.begin(), g.members.end(), [](const Detection* a, const Detection* b) {
      return a->pod != nullptr && b->pod != nullptr && a->pod->name < b->pod->name;
    });
    const Detection& rep = *g.members.front();
    const Rule& r = rule(rep.ruleId);
    model::Finding f;
    f.ruleId = std::string(r.id);
    f.title = std::string(r.title);
    f.severity = r.severity;
    if (auto o = options.severityOverrides.find(r.id); o != options.severityOverrides.end())
      f.severity = o->second;
    f.object = rep.pod != nullptr ? podRef(*rep.pod) : rep.object;
    f.container = rep.container;
    for (const Detection* d : g.members)
      f.affected.push_back(d->pod != nullptr ? d->pod->name : d->object.name);
    f.headline = headlineOf(ctx, g, r);
    f.rootCause = renderTemplate(r.message, rep.params);
    // A quoted message that ends its own sentence ("... has timed out progressing.") needs no second period.
    if (f.rootCause.ends_with("..") && !f.rootCause.ends_with("...")) f.rootCause.pop_back();
    f.confidence = std::min(99, rep.confidence + (g.members.size() > 1 ? 5 : 0));
    f.evidence = rep.evidence;
    f.recommendations = rep.recommendations;
    f.runbook = std::string(r.slug);
    findings.push_back(std::move(f));
    ranks.push_back(r.rank + rep.rankAdjust);
    std::int64_t weight = 0;
    for (const Detection* d : g.members)
      weight += d->weight;
    weights.push_back(weight);
  }

  // 2. Relate.
  Sets sets(findings.size());
  std::map<ObjectKey, std::vector<std::size_t>> byKey;  // scope and object keys → findings
  for (std::size_t i = 0; i < groups.size(); ++i) {
    byKey[groups[i].scope].push_back(i);
    for (const ObjectKey& k : groups[i].objects) {
      if (!(k == groups[i].scope)) byKey[k].push_back(i);
    }
  }
  for (const auto& [key, members] : byKey) {
    std::optional<std::size_t> first;
    for (std::size_t m : members) {
      if (!(groups[m].scope == key)) continue;
      if (first)
        sets.join(m, *first);
      else
        first = m;
    }
  }
  std::set<std::string> brokenNodes;  // NotReady or network-less: every pod on them is affected
  for (std::size_t i = 0; i < groups.size(); ++i) {
    if (groups[i].ruleId == "AIOPS-D850" || groups[i].ruleId == "AIOPS-D854")
      brokenNodes.insert(groups[i].scope.name);
  }
  for (std::size_t i = 0; i < groups.size(); ++i) {
    std::set<ObjectKey> wanted;
    for (const Detection* d : groups[i].members) {
      wanted.insert(d->dependsOn.begin(), d->dependsOn.end());
      if (d->pod != nullptr && brokenNodes.count(d->pod->nodeName) > 0)
        wanted.insert(ObjectKey{"Node", "", d->pod->nodeName});
    }
    for (const ObjectKey& k : wanted) {
      auto it = byKey.find(k);
      if (it == byKey.end()) continue;
      for (std::size_t j : it->second) {
        if (j != i) sets.join(i, j);
      }
    }
  }

  // 3. Rank.
  auto better = [&](std::size_t a, std::size_t b) {
    if (ranks[a] != ranks[b]) return ranks[a] < ranks[b];
    if (findings[a].severity != findings[b].severity) return findings[a].severity > findings[b].severity;
    if (weights[a] != weights[b]) return weights[a] > weights[b];
    if (findings[a].affected.size() != findings[b].affected.size())
      return findings[a].affected.size() > findings[b].affected.size();
    return std::tie(findings[a].object.namespace_, findings[a].object.name, findings[a].ruleId) <
           std::tie(findings[b].object.namespace_, findings[b].object.name, findings[b].ruleId);
  };
  std::map<std::size_t, std::size_t> primaryOf;
  for (std::size_t i = 0; i < findings.size(); ++i) {
    std::size_t root = sets.find(i);
    auto [it, added] = primaryOf.emplace(root, i);
    if (!added && better(i, it->second)) it->second = i;
  }
  for (std::size_t i = 0; i < findings.size(); ++i) {
    std::size_t primary = primaryOf[sets.find(i)];
    findings[i].primary = primary == i;
    if (primary != i) findings[i].relatedTo = refOf(findings[primary]);
  }

  std::sort(findings.begin(), findings.end(), [](const model::Finding& a, const model::Finding& b) {
    if (a.severity != b.severity) return a.severity > b.severity;
    return std::tie(a.object.namespace_, a.object.name, a.ruleId, a.container, a.rootCause) <
           std::tie(b.object.namespace_, b.object.name, b.ruleId, b.container, b.rootCause);
  });

  Diagnosis result;
  result.generatedAt = options.now;
  result.findings = std::move(findings);
  result.unreadable = evidence.unreadable;
  result.podsExamined = static_cast<std::int64_t>(evidence.pods.size());
  return result;
}

json::value toJson(const Diagnosis& d) {
  std::int64_t primary = 0;
  std::map<model::Severity, std::int64_t> bySeverity;
  json::array findings;
  for (const model::Finding& f : d.findings) {
    if (f.primary) ++primary;
    ++bySeverity[f.severity];
    findings.push_back(model::toJson(f));
  }
  json::object summary;
  summary["healthy"] = d.healthy();
  summary["podsExamined"] = d.podsExamined;
  summary["findings"] = static_cast<std::int64_t>(d.findings.size());
  summary["problems"] = primary;
  for (model::Severity s :
       {model::Severity::Critical, model::Severity::Error, model::Severity::Warning, model::Severity::Info})
    summary[model::toString(s)] = bySeverity[s];
  json::array unreadable;
  for (const Unreadable& u : d.unreadable)
    unreadable.push_back(json::object{{"what", u.what}, {"error", u.error}});
  json::object out;
  out["apiVersion"] = "aiops.dev/v1alpha1";
  out["kind"] = "Diagnosis";
  out["generatedAt"] = formatTimestamp(d.generatedAt);
  out["summary"] = std::move(summary);
  out["findings"] = std::move(findings);
  out["unreadable"] = std::move(unreadable);
  return out;
}

}  // namespace aiops::diagnose

// `kubectl aiops diagnose`: parses the target, collects the evidence (src/collect/), runs the analyzers
// (src/diagnose/) and renders the Diagnosis as text, JSON, YAML or Markdown.
//
// The text output is written for someone paged at night: each problem leads with its headline and rule,
// then the root cause in one sentence, the few pieces of evidence that show it, and the fix as a command to
// copy, with what it should change and what it risks. Consequences of a problem are listed under it rather
// than as problems of their own, so the first thing read is the cause.
#include "commands/diagnose.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <future>
#include <map>
#include <memory>
#include <regex>

#include "diagnose/catalogue.h"
#include "execute/executor.h"
#include "execute/identity.h"
#include "governance/canonical.h"
#include "governance/journal.h"
#include "governance/policy.h"
#include "kube/config.h"
#include "support/output.h"
#include "support/progress.h"

namespace aiops::plugin::diagnose {
namespace {

namespace dx = aiops::diagnose;
using model::Finding;
using model::Severity;

// Evidence lines per finding in text and Markdown (fewer for a consequence); -o json has them all.
constexpr std::size_t kEvidenceShown = 8;
constexpr std::size_t kRelatedEvidenceShown = 4;

struct KindSpelling {
  std::vector<std::string_view> words;  // as kubectl accepts them before the slash
  std::string_view kind;                // "" for a pod
};

const std::vector<KindSpelling>& kindSpellings() {
  static const std::vector<KindSpelling> table{
      {{"po", "pod", "pods"}, ""},
      {{"deploy", "deployment", "deployments", "deployment.apps", "deployments.apps"}, "Deployment"},
      {{"sts", "statefulset", "statefulsets", "statefulset.apps", "statefulsets.apps"}, "StatefulSet"},
      {{"ds", "daemonset", "daemonsets", "daemonset.apps", "daemonsets.apps"}, "DaemonSet"},
      {{"job", "jobs", "job.batch", "jobs.batch"}, "Job"},
  };
  return table;
}

constexpr std::string_view kTargetForms = "POD, pod/NAME, deploy/NAME, sts/NAME, ds/NAME or job/NAME";

// An object name as the API server requires it for pods and workloads: a DNS-1123 subdomain.
bool validName(std::string_view name) {
  static const std::regex subdomain("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  return !name.empty() && name.size() <= 253 && std::regex_match(name.begin(), name.end(), subdomain);
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string capitalised(std::string text) {
  if (!text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 'a' + 'A');
  return text;
}

std::string plural(std::int64_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

std::string upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

Colour severityColour(Severity s) {
  switch (s) {
    case Severity::Critical:
    case Severity::Error:
      return Colour::Red;
    case Severity::Warning:
      return Colour::Yellow;
    case Severity::Info:
      return Colour::None;
  }
  return Colour::None;
}

// A problem: its primary finding and the findings that are its consequences or concurrent causes.
struct Problem {
  const Finding* primary = nullptr;
  std::vector<const Finding*> related;
};

bool refersTo(const Finding& secondary, const Finding& primary) {
  if (!secondary.relatedTo) return false;
  const model::FindingRef& ref = *secondary.relatedTo;
  return ref.ruleId == primary.ruleId && ref.object.kind == primary.object.kind &&
         ref.object.namespace_ == primary.object.namespace_ && ref.object.name == primary.object.name;
}

std::vector<Problem> problemsOf(const dx::Diagnosis& d) {
  std::vector<Problem> problems;
  for (const Finding& f : d.findings) {
    if (f.primary) problems.push_back(Problem{&f, {}});
  }
  for (const Finding& f : d.findings) {
    if (f.primary) continue;
    auto it = std::find_if(problems.begin(), problems.end(),
                           [&](const Problem& p) { return refersTo(f, *p.primary); });
    if (it != problems.end()) {
      it->related.push_back(&f);
    } else {
      problems.push_back(Problem{&f, {}});  // its primary was filtered out (--rule): show it on its own
    }
  }
  return problems;
}

std::string countsText(const dx::Diagnosis& d) {
  std::map<Severity, std::int64_t> bySeverity;
  for (const Finding& f : d.findings)
    ++bySeverity[f.severity];
  std::vector<std::string> parts;
  for (Severity s : {Severity::Critical, Severity::Error, Severity::Warning, Severity::Info}) {
    const std::int64_t n = bySeverity[s];
    if (n == 0) continue;
    const bool countable = s == Severity::Error || s == Severity::Warning;  // "2 errors", but "2 critical"
    parts.push_back(countable ? plural(n, model::toString(s)) : fmt::format("{} {}", n, model::toString(s)));
  }
  std::string joined;
  for (const std::string& p : parts)
    joined += (joined.empty() ? "" : ", ") + p;
  return joined;
}

std::string summaryLine(const dx::Diagnosis& d, std::size_t problems) {
  return fmt::format("{} examined, {}, {} ({})", plural(d.podsExamined, "pod"),
                     plural(static_cast<std::int64_t>(problems), "problem"),
                     plural(static_cast<std::int64_t>(d.findings.size()), "finding"), countsText(d));
}

std::string runbookPath(const std::string& id) {
  return fmt::format("operations/runbooks/{}.md", id);
}

// The commands of a recommendation, the patch as a command first (analyzers usually put it there already).
std::vector<std::string> commandsOf(const model::Recommendation& r) {
  std::vector<std::string> commands = r.commands;
  if (r.patch) {
    const std::string patch = model::kubectlPatchCommand(r.target, *r.patch);
    if (std::find(commands.begin(), commands.end(), patch) == commands.end())
      commands.insert(commands.begin(), patch);
  }
  return commands;
}

std::string actionText(const model::Recommendation& r) {
  return fmt::format("{}, {} risk", model::toString(r.action), model::toString(r.risk));
}

// --- text --------------------------------------------------------------------------------------------------

void printEvidenceText(const Finding& f, std::ostream& out, const std::string& indent, std::size_t limit) {
  if (f.evidence.empty()) return;
  out << indent << "Evidence:\n";
  for (std::size_t i = 0; i < f.evidence.size() && i < limit; ++i)
    out << indent << "  - " << model::describe(f.evidence[i]) << '\n';
  if (f.evidence.size() > limit)
    out << indent << "  - ... and " << f.evidence.size() - limit << " more (-o json lists them all)\n";
}

void printFixText(const Finding& f, std::ostream& out, const std::string& indent, bool colour) {
  for (std::size_t i = 0; i < f.recommendations.size(); ++i) {
    const model::Recommendation& r = f.recommendations[i];
    out << indent << paint(i == 0 ? "Fix" : "Or", Colour::Bold, colour) << " (" << actionText(r)
        << "): " << r.summary << '\n';
    for (const std::string& command : commandsOf(r))
      out << indent << "    " << command << '\n';
    if (!r.expectedOutcome.empty()) out << indent << "  Expected: " << r.expectedOutcome << '\n';
    if (r.undo) out << indent << "  Undo: " << model::kubectlPatchCommand(r.target, *r.undo) << '\n';
  }
}

// Everything under a finding's headline: rule and severity, root cause, evidence, fix, runbook.
void printFindingBody(const Finding& f, std::ostream& out, const std::string& indent, bool colour,
                      std::size_t evidenceLimit) {
  out << indent
      << paint(fmt::format("{:<8}", upper(model::toString(f.severity))), severityColour(f.severity), colour)
      << " " << f.ruleId << "  " << f.title << " (confidence " << f.confidence << "%)\n";
  out << indent << "Root cause: " << f.rootCause << '\n';
  printEvidenceText(f, out, indent, evidenceLimit);
  printFixText(f, out, indent, colour);
  if (!f.runbook.empty()) out << indent << "Runbook: " << runbookPath(f.runbook) << '\n';
}

void printProblemText(const Problem& p, std::size_t number, std::ostream& out, bool colour) {
  const std::string label = std::to_string(number) + ". ";
  out << paint(label + p.primary->headline, Colour::Bold, colour) << '\n';
  printFindingBody(*p.primary, out, std::string(label.size(), ' '), colour, kEvidenceShown);
  for (std::size_t i = 0; i < p.related.size(); ++i) {
    const std::string sub = fmt::format("{}.{} ", number, i + 1);
    out << '\n'
        << std::string(label.size(), ' ') << paint(sub + p.related[i]->headline, Colour::Bold, colour)
        << " (follows from " << number << ")\n";
    printFindingBody(*p.related[i], out, std::string(label.size() + sub.size(), ' '), colour,
                     kRelatedEvidenceShown);
  }
}

void printUnreadableText(const dx::Diagnosis& d, std::ostream& out, bool colour) {
  if (d.unreadable.empty()) return;
  out << '\n'
      << paint("Could not read", Colour::Yellow, colour)
      << " (the diagnosis is partial; nothing was concluded from what is missing):\n";
  for (const dx::Unreadable& u : d.unreadable)
    out << "  - " << u.what << ": " << u.error << '\n';
}

// --- Markdown ----------------------------------------------------------------------------------------------

void printFindingMarkdown(const Finding& f, std::ostream& out) {
  out << "- **Rule:** `" << f.ruleId << "` " << escapeMarkdown(f.title) << "\n"
      << "- **Severity:** " << model::toString(f.severity) << ", confidence " << f.confidence << "%\n"
      << "- **Object:** " << escapeMarkdown(f.object.display()) << "\n";
  if (!f.container.empty()) out << "- **Container:** " << escapeMarkdown(f.container) << "\n";
  out << "\n**Root cause:** " << escapeMarkdown(f.rootCause) << "\n\n";
  if (!f.evidence.empty()) {
    out << "**Evidence**\n\n";
    for (std::size_t i = 0; i < f.evidence.size() && i < kEvidenceShown; ++i)
      out << "- " << escapeMarkdown(model::describe(f.evidence[i])) << '\n';
    if (f.evidence.size() > kEvidenceShown)
      out << "- ... and " << f.evidence.size() - kEvidenceShown << " more (`-o json` lists them all)\n";
    out << '\n';
  }
  for (std::size_t i = 0; i < f.recommendations.size(); ++i) {
    const model::Recommendation& r = f.recommendations[i];
    out << "**" << (i == 0 ? "Fix" : "Alternative") << "** (" << actionText(r)
        << "): " << escapeMarkdown(r.summary) << "\n\n";
    const std::vector<std::string> commands = commandsOf(r);
    if (!commands.empty()) {
      out << "```sh\n";
      for (const std::string& command : commands)
        out << command << '\n';
      out << "```\n\n";
    }
    if (!r.expectedOutcome.empty())
      out << "- Expected outcome: " << escapeMarkdown(r.expectedOutcome) << '\n';
    if (r.undo) out << "- Undo: `" << model::kubectlPatchCommand(r.target, *r.undo) << "`\n";
    if (!r.rationale.empty()) out << "- Why: " << escapeMarkdown(r.rationale) << '\n';
    out << '\n';
  }
  if (!f.runbook.empty()) out << "Runbook: `" << runbookPath(f.runbook) << "`\n\n";
}

std::string unitOf(std::string_view text, std::size_t& pos) {
  const std::size_t start = pos;
  while (pos < text.size() && !(text[pos] >= '0' && text[pos] <= '9') && text[pos] != '.')
    ++pos;
  return std::string(text.substr(start, pos - start));
}

// --- label selectors ---------------------------------------------------------------------------------------

bool keyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '/';
}

bool valueChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.';
}

void skipSpaces(std::string_view s, std::size_t& i) {
  while (i < s.size() && s[i] == ' ')
    ++i;
}

std::string readWhile(std::string_view s, std::size_t& i, bool (*accept)(char)) {
  const std::size_t start = i;
  while (i < s.size() && accept(s[i]))
    ++i;
  return std::string(s.substr(start, i - start));
}

// --- the PHR record ----------------------------------------------------------------------------------------

// The apiVersion of a kind the analyzers name without one.
std::string apiVersionOf(std::string_view kind) {
  static const std::map<std::string_view, std::string_view> table{
      {"Deployment", "apps/v1"},
      {"StatefulSet", "apps/v1"},
      {"DaemonSet", "apps/v1"},
      {"ReplicaSet", "apps/v1"},
      {"Job", "batch/v1"},
      {"CronJob", "batch/v1"},
      {"HorizontalPodAutoscaler", "autoscaling/v2"},
      {"StorageClass", "storage.k8s.io/v1"},
      {"PersistentVolumeClaim", "v1"},
      {"Service", "v1"},
      {"ConfigMap", "v1"},
      {"Secret", "v1"},
      {"Pod", "v1"},
      {"Namespace", "v1"},
      {"Node", "v1"},
      {"ServiceAccount", "v1"},
      {"ResourceQuota", "v1"},
      {"LimitRange", "v1"}};
  const auto it = table.find(kind);
  return it == table.end() ? std::string() : std::string(it->second);
}

governance::Target targetOf(const model::ObjectRef& ref) {
  governance::Target t;
  t.apiVersion = ref.apiVersion.empty() ? apiVersionOf(ref.kind) : ref.apiVersion;
  t.kind = ref.kind;
  t.namespace_ = ref.namespace_;
  t.name = ref.name;
  return t;
}

// What a diagnosis run is about: the pod or workload named, else the namespace, else the whole cluster.
governance::Target scopeTarget(const aiops::collect::Target& target, const std::string& ns,
                               bool allNamespaces) {
  using Kind = aiops::collect::Target::Kind;
  if (target.kind == Kind::Pod) return governance::Target{"v1", "Pod", ns, target.name, "", 0};
  if (target.kind == Kind::Workload)
    return governance::Target{apiVersionOf(target.workloadKind), target.workloadKind, ns, target.name, "", 0};
  if (allNamespaces) return governance::Target{"v1", "Namespace", "", "all-namespaces", "", 0};
  return governance::Target{"v1", "Namespace", "", ns, "", 0};
}

governance::ChangeType changeType(model::PatchType type) {
  switch (type) {
    case model::PatchType::Merge:
      return governance::ChangeType::Merge;
    case model::PatchType::Json:
      return governance::ChangeType::Json;
    case model::PatchType::Strategic:
      break;
  }
  return governance::ChangeType::Strategic;
}

struct Candidate {
  const Finding* finding = nullptr;
  const model::Recommendation* recommendation = nullptr;
  governance::Proposal proposal;
  std::string error;  // why it cannot be proposed (its target could not be read)
};

// Every recommendation that carries its exact change (once per target and change), with its target read
// live: the uid and generation pin the operation, the object is its before-state (the evidence holds neither
// in full), and the policy's risk may depend on it. The reads run together.
std::vector<Candidate> candidatesOf(const dx::Diagnosis& d, kube::Client& client) {
  std::vector<Candidate> candidates;
  std::set<std::string> seen;
  for (const Finding& f : d.findings) {
    for (const model::Recommendation& r : f.recommendations) {
      if (!r.patch || r.target.kind.empty() || r.target.name.empty()) continue;
      Candidate c{&f, &r, {}, {}};
      c.proposal.target = targetOf(r.target);
      const std::string key = fmt::format("{}/{}/{}/{}", c.proposal.target.kind, c.proposal.target.namespace_,
                                          c.proposal.target.name, governance::canonicalSha256(r.patch->body));
      if (c.proposal.target.apiVersion.empty() || !seen.insert(key).second) continue;
      candidates.push_back(std::move(c));
    }
  }
  if (candidates.empty()) return candidates;
  std::vector<std::string> paths;
  for (const Candidate& c : candidates)
    paths.push_back(kube::path(execute::resourceRefOf(c.proposal.target)));
  const std::vector<kube::Fetched> live = client.getAll(paths);
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    Candidate& c = candidates[i];
    const model::Recommendation& r = *c.recommendation;
    if (!live[i].ok() || !live[i].value.is_object()) {
      c.error = live[i].error ? live[i].error->what() : "unexpected answer";
      continue;
    }
    const boost::json::value& object = live[i].value;
    governance::Proposal& p = c.proposal;
    if (const auto* meta = object.as_object().if_contains("metadata"); meta != nullptr && meta->is_object()) {
      if (const auto* uid = meta->as_object().if_contains("uid"); uid != nullptr && uid->is_string())
        p.target.uid = std::string(uid->as_string());
      if (const auto* g = meta->as_object().if_contains("generation"); g != nullptr && g->is_int64())
        p.target.generation = g->as_int64();
    }
    p.action = std::string(model::toString(r.action));
    p.change = governance::Change{changeType(r.patch->type), r.patch->body};
    p.before = object;
    p.risk = governance::classify(r.risk, p.action, p.target, p.change, p.before);
    p.summary = r.summary;
    p.rationale = r.rationale.empty() ? c.finding->rootCause : r.rationale;
    p.evidence.push_back(c.finding->ruleId + ": " + c.finding->headline);
    for (const auto& e : c.finding->evidence)
      p.evidence.push_back(model::describe(e));
    if (r.undo) p.rollback = governance::Change{changeType(r.undo->type), r.undo->body};
  }
  return candidates;
}

// A fix is shown with the risk the policy will judge it by (never lower than the analyzer's), so the report,
// the record and `pending` agree: a proposed change's own, else the policy's table without the live object.
void alignRisks(dx::Diagnosis& d, const std::vector<Candidate>& candidates) {
  for (Finding& f : d.findings) {
    for (model::Recommendation& r : f.recommendations) {
      if (!r.patch) continue;
      const governance::Target target = targetOf(r.target);
      const governance::Change change{changeType(r.patch->type), r.patch->body};
      const auto proposed = std::find_if(candidates.begin(), candidates.end(), [&](const Candidate& c) {
        return c.error.empty() && c.proposal.target.kind == target.kind &&
               c.proposal.target.namespace_ == target.namespace_ && c.proposal.target.name == target.name &&
               c.proposal.change == change;
      });
      r.risk = proposed != candidates.end()
                   ? proposed->proposal.risk
                   : governance::classify(r.risk, model::toString(r.action), target, change, std::nullopt);
    }
  }
}

Recorded recordRun(const Options& options, const dx::Diagnosis& d, std::vector<Candidate> candidates,
                   const governance::Target& scope, const std::string& scopeLabel,
                   const governance::Identity& actor, Streams& streams) {
  governance::JournalOptions journalOptions = operations::journalOptions(options.governance, true);
  journalOptions.now = [now = options.now] { return now; };  // the front end's clock, as the report's
  governance::Journal journal(journalOptions);
  governance::StepText text;
  text.command = options.commandLine;

  governance::DiagnosisRun run;
  run.target = scope;
  const std::vector<Problem> problems = problemsOf(d);
  run.summary =
      d.healthy() ? "no problems found in " + scopeLabel
                  : fmt::format("{} in {}: {}", plural(static_cast<std::int64_t>(problems.size()), "problem"),
                                scopeLabel, problems.front().primary->headline);
  run.rationale = d.healthy() ? fmt::format("{} examined", plural(d.podsExamined, "pod"))
                              : summaryLine(d, problems.size());
  for (const Problem& p : problems)
    run.evidence.push_back(p.primary->ruleId + ": " + p.primary->headline);
  run.findings = dx::toJson(d);
  // The riskiest fix, as the analyzers rate it or (for a proposed change) as the policy does.
  for (const Finding& f : d.findings) {
    for (const model::Recommendation& r : f.recommendations)
      run.risk = std::max(run.risk, r.risk);
  }
  for (const Candidate& c : candidates) {
    if (c.error.empty()) run.risk = std::max(run.risk, c.proposal.risk);
  }
  run.text = text;
  const governance::Appended recorded = journal.recordDiagnosis(run, actor);
  for (const auto& w : recorded.warnings)
    streams.err << "warning: " << w << '\n';
  Recorded result;
  result.diagnosis = recorded.feature + "/" + recorded.id;
  if (candidates.empty()) return result;

  for (Candidate& c : candidates) {
    governance::Proposal& p = c.proposal;
    if (!c.error.empty()) {
      streams.err << fmt::format("warning: the fix for {} was not proposed: {}\n", p.target.display(),
                                 c.error);
      continue;
    }
    p.source = recorded.path;
    p.text = text;
    const operations::Proposed proposed = operations::proposeOnce(journal, p, actor);
    for (const auto& w : proposed.warnings)
      streams.err << "warning: " << w << '\n';
    result.pending.push_back({proposed.operationId, proposed.existing});
  }
  return result;
}
}  // namespace

std::string recordedLine(const Recorded& recorded) {
  std::string line = "Recorded as PHR " + recorded.diagnosis;
  if (recorded.pending.empty()) return line + ".";
  std::string ids;
  for (const auto& p : recorded.pending)
    ids += (ids.empty() ? "" : ", ") + p.operationId + (p.existing ? " (already proposed)" : "");
  return fmt::format("{}; pending: {} (approve with: kubectl aiops approve {} --reason ...)", line, ids,
                     recorded.pending.front().operationId);
}

aiops::collect::Target parseTarget(std::string_view text) {
  aiops::collect::Target target;
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    if (!validName(text)) {
      throw UsageError(
          fmt::format("invalid pod name '{}'; a name is lowercase letters, digits, '-' and '.'", text));
    }
    target.kind = aiops::collect::Target::Kind::Pod;
    target.name = std::string(text);
    return target;
  }
  const std::string word = lower(text.substr(0, slash));
  const std::string_view name = text.substr(slash + 1);
  const KindSpelling* spelling = nullptr;
  std::vector<std::string> known;
  for (const KindSpelling& s : kindSpellings()) {
    for (std::string_view w : s.words) {
      known.emplace_back(w);
      if (w == word) spelling = &s;
    }
  }
  if (spelling == nullptr) {
    // Short words are too close to the short names to suggest anything useful ('foo' is not 'po').
    const auto suggestion = word.size() >= 4 ? closestMatch(word, known) : std::nullopt;
    throw UsageError(fmt::format("invalid target '{}': cannot diagnose a '{}'{}; use {}", text, word,
                                 suggestion ? fmt::format(" (did you mean '{}'?)", *suggestion) : "",
                                 kTargetForms));
  }
  if (!validName(name)) {
    throw UsageError(
        fmt::format("invalid target '{}': '{}' is not an object name (lowercase letters, digits, "
                    "'-' and '.')",
                    text, name));
  }
  target.kind =
      spelling->kind.empty() ? aiops::collect::Target::Kind::Pod : aiops::collect::Target::Kind::Workload;
  target.workloadKind = std::string(spelling->kind);
  target.name = std::string(name);
  return target;
}

std::optional<std::chrono::seconds> parseSince(std::string_view text) {
  // A bare number has no unit, which Go's time.ParseDuration (and so kubectl) rejects.
  if (text.empty() || text.find_first_not_of("0123456789") == std::string_view::npos) return std::nullopt;
  std::size_t pos = 0;
  while (pos < text.size()) {  // every number needs a unit; parseRequestTimeout checks the units themselves
    while (pos < text.size() && ((text[pos] >= '0' && text[pos] <= '9') || text[pos] == '.'))
      ++pos;
    if (unitOf(text, pos).empty()) return std::nullopt;
  }
  const auto parsed = kube::parseRequestTimeout(text);
  if (!parsed || parsed->count() <= 0) return std::nullopt;
  return std::chrono::seconds((parsed->count() + 999) / 1000);  // kubectl rounds up to whole seconds
}

bool validSelector(std::string_view s) {
  std::size_t i = 0;
  skipSpaces(s, i);
  if (i == s.size()) return false;
  for (;;) {
    skipSpaces(s, i);
    const bool negated = i < s.size() && s[i] == '!';
    if (negated) ++i;
    skipSpaces(s, i);
    const std::string key = readWhile(s, i, keyChar);
    if (key.empty() || !std::isalnum(static_cast<unsigned char>(key.front())) ||
        !std::isalnum(static_cast<unsigned char>(key.back())))
      return false;
    skipSpaces(s, i);
    if (!negated && i < s.size() && s[i] != ',') {
      if (s.substr(i, 2) == "==" || s.substr(i, 2) == "!=") {
        i += 2;
      } else if (s[i] == '=' || s[i] == '>' || s[i] == '<') {
        ++i;
      } else {
        const std::string word = readWhile(s, i, valueChar);
        if (word != "in" && word != "notin") return false;
        skipSpaces(s, i);
        if (i >= s.size() || s[i] != '(') return false;
        ++i;
        for (;;) {
          skipSpaces(s, i);
          readWhile(s, i, valueChar);
          skipSpaces(s, i);
          if (i < s.size() && s[i] == ',') {
            ++i;
            continue;
          }
          if (i < s.size() && s[i] == ')') {
            ++i;
            break;
          }
          return false;
        }
        skipSpaces(s, i);
        if (i == s.size()) return true;
        if (s[i] != ',') return false;
        ++i;
        continue;
      }
      skipSpaces(s, i);
      readWhile(s, i, valueChar);
      skipSpaces(s, i);
    }
    if (i == s.size()) return true;
    if (s[i] != ',') return false;
    ++i;
  }
}

std::string scopeText(const aiops::collect::Target& target, const std::string& namespace_,
                      bool allNamespaces) {
  using Kind = aiops::collect::Target::Kind;
  const std::string where = allNamespaces ? "all namespaces" : "namespace " + namespace_;
  switch (target.kind) {
    case Kind::Namespace:
      return where;
    case Kind::Selector:
      return fmt::format("pods matching {} in {}", target.selector, where);
    case Kind::Pod:
      return fmt::format("pod {}/{}", namespace_, target.name);
    case Kind::Workload:
      return fmt::format("{} {}/{}", target.workloadKind, namespace_, target.name);
  }
  return where;
}

void printText(const dx::Diagnosis& d, const std::string& scope, std::ostream& out, bool colour) {
  if (d.healthy()) {
    if (d.podsExamined == 0) {
      out << paint("No problems found", Colour::Green, colour) << " in " << scope
          << ": no pods to examine.\n";
    } else {
      out << paint("No problems found", Colour::Green, colour) << " in " << scope << " ("
          << plural(d.podsExamined, "pod") << " examined).\n";
    }
    printUnreadableText(d, out, colour);
    return;
  }
  const std::vector<Problem> problems = problemsOf(d);
  out << "Diagnosis of " << scope << ": "
      << paint(plural(static_cast<std::int64_t>(problems.size()), "problem"), Colour::Red, colour) << "\n\n";
  for (std::size_t i = 0; i < problems.size(); ++i) {
    printProblemText(problems[i], i + 1, out, colour);
    out << '\n';
  }
  out << "Summary: " << summaryLine(d, problems.size()) << ".\n";
  printUnreadableText(d, out, colour);
}

void printMarkdown(const dx::Diagnosis& d, const std::string& scope, std::ostream& out) {
  out << "# Diagnosis: " << escapeMarkdown(scope) << "\n\n";
  if (d.healthy()) {
    out << "**No problems found** (" << plural(d.podsExamined, "pod") << " examined).\n";
  } else {
    const std::vector<Problem> problems = problemsOf(d);
    out << "**" << capitalised(summaryLine(d, problems.size()))
        << ".** Cluster time of the analysis: " << formatTimestamp(d.generatedAt) << ".\n\n";
    for (std::size_t i = 0; i < problems.size(); ++i) {
      const Problem& p = problems[i];
      out << "## " << i + 1 << ". " << escapeMarkdown(p.primary->headline) << "\n\n";
      printFindingMarkdown(*p.primary, out);
      for (const Finding* r : p.related) {
        out << "### Related: " << escapeMarkdown(r->headline) << "\n\n";
        printFindingMarkdown(*r, out);
      }
    }
  }
  if (!d.unreadable.empty()) {
    out << (d.healthy() ? "\n" : "") << "## Could not read\n\n"
        << "The diagnosis is partial; nothing was concluded from what is missing.\n\n";
    for (const dx::Unreadable& u : d.unreadable)
      out << "- " << escapeMarkdown(u.what) << ": " << escapeMarkdown(u.error) << '\n';
  }
}

CLI::App* add(CLI::App& parent, Options& options) {
  auto* command = parent.add_subcommand(
      "diagnose", "Find what is wrong with pods and workloads, why, the evidence, and the exact fix");
  command->add_option("target", options.targets,
                      "What to diagnose: POD, pod/NAME, deploy/NAME, sts/NAME, ds/NAME or job/NAME "
                      "(default: every pod of the namespace)");
  command->add_option("-l,--selector", options.selector, "Diagnose the pods matching this label selector");
  command->add_option("--since", options.sinceText,
                      "Only events and logs newer than this duration: 30s, 15m, 2h (default: all)");
  command
      ->add_option("--logs-tail", options.logsTail,
                   "Log lines to read per failing container instance (0: read no logs)")
      ->default_str("200");
  command->add_option("--rule", options.rules, "Only these rule IDs (repeatable, or comma-separated)")
      ->take_all()
      ->expected(1)
      ->delimiter(',');
  command->add_flag("--no-record", options.noRecord,
                    "Do not record the run in the PHR journal nor propose its fixes as operations");
  addCommonFlags(*command, options.common);
  operations::addGovernanceFlags(*command, options.governance, false);
  command->footer(
      fmt::format("Examples:\n"
                  "  # Everything in the current namespace\n"
                  "  {0} diagnose\n"
                  "  # One pod, or every pod of a workload\n"
                  "  {0} diagnose backend-7d9f8c6b5d-x2k4p -n shop\n"
                  "  {0} diagnose deploy/backend -n shop\n"
                  "  # Pods by label, with the last hour of events and logs only\n"
                  "  {0} diagnose -l app=web --since 1h\n"
                  "  # The whole cluster, for a script\n"
                  "  {0} diagnose -A -o json\n"
                  "  # A report to paste into an incident ticket\n"
                  "  {0} diagnose deploy/backend -o markdown\n\n{1}",
                  parent.get_name(), exitStatusHelp("problems found (the findings are printed)")));
  return command;
}

void validate(Options& options) {
  validateCommon(options.common);
  if (options.targets.size() > 1) {
    throw UsageError(
        fmt::format("diagnose takes one target, got '{}' and '{}'; use -l to select several pods",
                    options.targets[0], options.targets[1]));
  }
  if (!options.targets.empty() && !options.selector.empty()) {
    throw UsageError(fmt::format("give a target ('{}') or a selector (-l {}), not both", options.targets[0],
                                 options.selector));
  }
  if (!options.targets.empty()) {
    options.target = parseTarget(options.targets[0]);
    if (options.common.connection.allNamespaces) {
      throw UsageError(
          fmt::format("'{}' names one object, which -A cannot find across all namespaces; use -n "
                      "NAMESPACE",
                      options.targets[0]));
    }
  } else if (!options.selector.empty()) {
    if (!validSelector(options.selector)) {
      throw UsageError(fmt::format(
          "invalid label selector '{}'; use e.g. app=web, tier!=cache, 'env in (a,b)'", options.selector));
    }
    options.target = aiops::collect::Target{aiops::collect::Target::Kind::Selector, "", "", options.selector};
  } else {
    options.target = aiops::collect::Target{};
  }
  if (!options.sinceText.empty()) {
    options.since = parseSince(options.sinceText);
    if (!options.since) {
      throw UsageError(
          fmt::format("invalid --since '{}'; use a positive duration such as 30s, 15m, 2h or 1h30m "
                      "(kubectl's units: ns, us, ms, s, m, h; a day is 24h)",
                      options.sinceText));
    }
  }
  if (options.logsTail < 0) {
    throw UsageError(
        fmt::format("invalid --logs-tail {}; use a number of lines, or 0 to read no logs", options.logsTail));
  }

  // --rule: the analyzers that can emit the rules decide what is read; every other rule is disabled.
  options.needs = aiops::collect::allNeeds();
  options.disabledRules.clear();
  if (!options.rules.empty()) {
    std::vector<std::string> known;
    for (const dx::Rule& r : dx::catalogue())
      known.emplace_back(r.id);
    std::set<std::string, std::less<>> wanted;
    for (const std::string& typed : options.rules) {
      const std::string id = upper(typed);
      if (dx::findRule(id) == nullptr) {
        const auto suggestion = closestMatch(id, known);
        throw UsageError(fmt::format("unknown rule '{}'{}; the rules are listed in docs/rules.md", typed,
                                     suggestion ? fmt::format(" (did you mean '{}'?)", *suggestion) : ""));
      }
      wanted.insert(id);
    }
    unsigned needs = static_cast<unsigned>(dx::Need::Pods);
    for (const dx::AnalyzerInfo& analyzer : dx::analyzers()) {
      const bool emits = std::any_of(analyzer.rules.begin(), analyzer.rules.end(),
                                     [&](std::string_view id) { return wanted.count(id) > 0; });
      if (emits) needs |= analyzer.needs;
    }
    options.needs = needs;
    for (const std::string& id : known) {
      if (wanted.count(id) == 0) options.disabledRules.insert(id);
    }
  }
  if (options.logsTail == 0) options.needs &= ~static_cast<unsigned>(dx::Need::Logs);
}

int run(const Options& options, kube::Client& client, Streams& streams) {
  const auto& connection = options.common.connection;
  const std::string ns = kube::resolveNamespace(connection, client.transport());
  const std::string scope = scopeText(options.target, ns, connection.allNamespaces);

  aiops::collect::Options collectOptions;
  collectOptions.namespace_ = ns;
  collectOptions.allNamespaces = connection.allNamespaces;
  collectOptions.target = options.target;
  collectOptions.needs = options.needs;
  collectOptions.logsTail = options.logsTail;
  collectOptions.since = options.since;
  // From -v 8 kubectl logs response bodies: a Secret read then would print its values.
  collectOptions.readSecrets = connection.verbosity < 8;
  collectOptions.now = options.now;

  // One progress line, showing the round in progress, once the whole collection has taken longer than the
  // delay.
  const auto started = std::chrono::steady_clock::now();
  std::unique_ptr<ProgressLine> progress;
  collectOptions.onProgress = [&](const std::string& message) {
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    progress.reset();
    progress = std::make_unique<ProgressLine>(
        streams.err, streams.progress, capitalised(message),
        std::max(std::chrono::milliseconds(0), streams.progressDelay - elapsed));
  };
  aiops::collect::Collected collected = [&] {
    struct Done {  // erases the progress line before anything else is written, error or not
      std::unique_ptr<ProgressLine>& line;
      ~Done() { line.reset(); }
    } done{progress};
    return aiops::collect::collect(client, collectOptions);
  }();

  dx::Options diagnoseOptions;
  diagnoseOptions.now = collected.now;
  diagnoseOptions.disabledRules = options.disabledRules;
  dx::Diagnosis diagnosis = dx::diagnose(collected.evidence, diagnoseOptions);
  std::vector<Candidate> candidates;
  if (!options.noRecord) {
    try {
      candidates = candidatesOf(diagnosis, client);
    } catch (const std::exception& e) {  // the diagnosis stands without its proposals
      streams.err << "warning: the fixes were not proposed: " << e.what() << '\n';
    }
  }
  alignRisks(diagnosis, candidates);

  if (connection.verbosity > 0) {
    streams.err << fmt::format("diagnose: {} requests in {} rounds; analysis time {}\n", collected.requests,
                               collected.rounds, formatTimestamp(collected.now));
  }
  std::optional<Recorded> recorded;
  if (!options.noRecord) {
    try {
      recorded = recordRun(options, diagnosis, std::move(candidates),
                           scopeTarget(options.target, ns, connection.allNamespaces), scope,
                           execute::whoAmI(client), streams);
    } catch (const std::exception& e) {  // the diagnosis stands without its record
      streams.err << "warning: the diagnosis was not recorded in the PHR journal: " << e.what() << '\n';
    }
  }
  switch (options.common.output) {
    case OutputFormat::Json:
      streams.out << toPrettyJson(dx::toJson(diagnosis));
      break;
    case OutputFormat::Yaml:
      streams.out << toYaml(dx::toJson(diagnosis));
      break;
    case OutputFormat::Markdown:
      printMarkdown(diagnosis, scope, streams.out);
      break;
    case OutputFormat::Text:
      printText(diagnosis, scope, streams.out, streams.colour);
      break;
  }
  // JSON and YAML stay the findings document alone, with nothing on stderr: scripts find the operations with
  // 'kubectl aiops pending -o json'.
  const bool document =
      options.common.output == OutputFormat::Json || options.common.output == OutputFormat::Yaml;
  if (recorded && !document) streams.out << '\n' << recordedLine(*recorded) << '\n';
  return diagnosis.healthy() ? 0 : 1;
}

}  // namespace aiops::plugin::diagnose

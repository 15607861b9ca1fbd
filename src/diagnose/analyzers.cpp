// Context indexes and the helpers shared by the analyzer families (see analyzers.h).
#include "diagnose/analyzers.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace aiops::diagnose {

namespace json = boost::json;

// --- Context -------------------------------------------------------------------------------------------

Context::Context(const Evidence& e, const Options& o) : evidence(e), options(o) {
  for (const WorkloadEvidence& w : e.workloads)
    workloads_[w.key()] = &w;
  for (const NodeEvidence& n : e.nodes)
    nodes_[n.name] = &n;
  for (const ConfigObjectEvidence& c : e.configMaps)
    configMaps_[{c.namespace_, c.name}] = &c;
  for (const ConfigObjectEvidence& s : e.secrets)
    secrets_[{s.namespace_, s.name}] = &s;
  for (const PvcEvidence& p : e.pvcs)
    pvcs_[{p.namespace_, p.name}] = &p;
  for (const StorageClassEvidence& sc : e.storageClasses)
    storageClasses_[sc.name] = &sc;
  for (const PodEvidence& p : e.pods) {
    ObjectKey scope = p.owners.empty() ? ObjectKey{"Pod", p.namespace_, p.name}
                                       : ObjectKey{p.owners.back().kind, p.namespace_, p.owners.back().name};
    ++scopeCounts_[scope];
  }
}

const std::vector<EventRecord>& Context::events(const std::string& kind, const std::string& namespace_,
                                                const std::string& name) const {
  static const std::vector<EventRecord> kNone;
  auto it = evidence.events.find(ObjectKey{kind, namespace_, name});
  return it == evidence.events.end() ? kNone : it->second;
}

std::vector<const EventRecord*> Context::podEvents(const PodEvidence& pod) const {
  std::vector<const EventRecord*> out;
  for (const EventRecord& e : events("Pod", pod.namespace_, pod.name)) {
    if (!e.uid.empty() && !pod.uid.empty() && e.uid != pod.uid) continue;
    out.push_back(&e);
  }
  return out;
}

const WorkloadEvidence* Context::workload(const std::string& kind, const std::string& namespace_,
                                          const std::string& name) const {
  auto it = workloads_.find(ObjectKey{kind, namespace_, name});
  return it == workloads_.end() ? nullptr : it->second;
}

const NodeEvidence* Context::node(const std::string& name) const {
  auto it = nodes_.find(name);
  return it == nodes_.end() ? nullptr : it->second;
}

const ConfigObjectEvidence* Context::configMap(const std::string& namespace_, const std::string& name) const {
  auto it = configMaps_.find({namespace_, name});
  return it == configMaps_.end() ? nullptr : it->second;
}

const ConfigObjectEvidence* Context::secret(const std::string& namespace_, const std::string& name) const {
  auto it = secrets_.find({namespace_, name});
  return it == secrets_.end() ? nullptr : it->second;
}

const PvcEvidence* Context::pvc(const std::string& namespace_, const std::string& name) const {
  auto it = pvcs_.find({namespace_, name});
  return it == pvcs_.end() ? nullptr : it->second;
}

const StorageClassEvidence* Context::storageClass(const std::string& name) const {
  auto it = storageClasses_.find(name);
  return it == storageClasses_.end() ? nullptr : it->second;
}

const ServiceEvidence* Context::serviceForHost(const std::string& hostAndPort,
                                               const std::string& from) const {
  std::string host = hostAndPort.substr(0, hostAndPort.find(':'));
  if (host.empty()) return nullptr;
  bool ip = std::all_of(host.begin(), host.end(),
                        [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; });
  for (const ServiceEvidence& s : evidence.services) {
    if (ip) {
      if (s.clusterIP == host) return &s;
      continue;
    }
    std::string name = host.substr(0, host.find('.'));
    std::string rest = host.find('.') == std::string::npos ? "" : host.substr(host.find('.') + 1);
    std::string ns = rest.empty() ? from : rest.substr(0, rest.find('.'));
    if (s.name == name && s.namespace_ == ns) return &s;
  }
  return nullptr;
}

std::int64_t Context::podsInScope(const ObjectKey& scope) const {
  auto it = scopeCounts_.find(scope);
  return it == scopeCounts_.end() ? 0 : it->second;
}

const LogScan& Context::scan(const PodEvidence& pod, const ContainerEvidence& container,
                             bool previous) const {
  auto key = std::make_tuple(&pod, &container, previous);
  auto it = scans_.find(key);
  if (it != scans_.end()) return it->second;
  const LogTail& tail = previous ? container.previousLog : container.currentLog;
  return scans_.emplace(key, scanLog(tail.text)).first->second;
}

bool Context::within(const std::optional<WallTime>& t, std::chrono::seconds window) const {
  if (!t) return false;
  return options.now - *t <= window;
}

std::chrono::seconds Context::age(const std::optional<WallTime>& t) const {
  if (!t) return std::chrono::seconds{0};
  return std::chrono::duration_cast<std::chrono::seconds>(options.now - *t);
}

// --- Phrases ---------------------------------------------------------------------------------------------

std::string signalName(int signal) {
  switch (signal) {
    case 1:
      return "SIGHUP";
    case 2:
      return "SIGINT";
    case 3:
      return "SIGQUIT";
    case 4:
      return "SIGILL";
    case 5:
      return "SIGTRAP";
    case 6:
      return "SIGABRT";
    case 7:
      return "SIGBUS";
    case 8:
      return "SIGFPE";
    case 9:
      return "SIGKILL";
    case 10:
      return "SIGUSR1";
    case 11:
      return "SIGSEGV";
    case 12:
      return "SIGUSR2";
    case 13:
      return "SIGPIPE";
    case 14:
      return "SIGALRM";
    case 15:
      return "SIGTERM";
    default:
      return fmt::format("signal {}", signal);
  }
}

std::string exitMeaning(int exitCode) {
  if (exitCode == 0) return "success";
  if (exitCode == 1) return "an application error";
  if (exitCode == 2) return "invalid usage";
  if (exitCode == 126) return "command not executable";
  if (exitCode == 127) return "command not found";
  if (exitCode > 128 && exitCode < 160) return fmt::format("killed by {}", signalName(exitCode - 128));
  return "an application error";
}

const ContainerState* lastTermination(const ContainerEvidence& c) {
  if (c.state.terminated()) return &c.state;
  if (c.lastState.terminated()) return &c.lastState;
  return nullptr;
}

std::string plural(std::int64_t n, std::string_view word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

std::string loopPhrase(const PodEvidence& pod, const ContainerEvidence& c) {
  if (c.state.waiting() && c.state.reason == "CrashLoopBackOff")
    return fmt::format("is in CrashLoopBackOff after {}", plural(c.restartCount, "restart"));
  if (c.state.terminated() && (pod.restartPolicy == "Never" || pod.phase == "Failed"))
    return fmt::format("is not restarted (restartPolicy {})", pod.restartPolicy);
  if (c.restartCount > 0) return fmt::format("has restarted {}", plural(c.restartCount, "time"));
  return "has stopped";
}

std::string crashPhrase(const PodEvidence& pod, const ContainerEvidence& c, const ContainerState& ended) {
  int code = ended.exitCode.value_or(0);
  std::string exit = code > 128 && code < 160
                         ? fmt::format("is killed by {} (exit code {})", signalName(code - 128), code)
                         : fmt::format("exits with code {}", code);
  if (&ended == &c.state && (pod.restartPolicy == "Never" || pod.phase == "Failed")) {
    exit = code > 128 && code < 160
               ? fmt::format("was killed by {} (exit code {})", signalName(code - 128), code)
               : fmt::format("exited with code {}", code);
    return exit + " and the pod failed";
  }
  return exit + " and " + loopPhrase(pod, c);
}

std::string eventContainer(const EventRecord& event) {
  // "spec.containers{app}", "spec.initContainers{init-db}"
  auto open = event.fieldPath.find('{');
  auto close = event.fieldPath.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close <= open) return {};
  return event.fieldPath.substr(open + 1, close - open - 1);
}

bool startsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool contains(std::string_view text, std::string_view needle) {
  return text.find(needle) != std::string_view::npos;
}

bool containsNoCase(std::string_view text, std::string_view needle) {
  auto it = std::search(text.begin(), text.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
  return it != text.end();
}

std::size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::optional<std::string> didYouMean(const std::string& name, const std::vector<std::string>& candidates) {
  // A name that extends or truncates the wanted one (DB_HOST / DB_HOSTNAME) is the likeliest mix-up, even
  // when another candidate is fewer edits away (DB_PORT).
  std::optional<std::string> prefixed;
  for (const std::string& candidate : candidates) {
    if (candidate == name || candidate.empty() || name.empty()) continue;
    if (startsWith(candidate, name) || startsWith(name, candidate)) {
      if (!prefixed || candidate.size() < prefixed->size()) prefixed = candidate;
    }
  }
  if (prefixed) return prefixed;
  std::optional<std::string> best;
  std::size_t bestDistance = std::max<std::size_t>(1, std::min<std::size_t>(3, name.size() / 3)) + 1;
  for (const std::string& candidate : candidates) {
    if (candidate == name) continue;
    std::size_t d = editDistance(name, candidate);
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best;
}

std::string joinNames(const std::vector<std::string>& names, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < max; ++i) {
    if (i > 0) out += ", ";
    out += names[i];
  }
  if (names.size() > max) out += fmt::format(" and {} more", names.size() - max);
  return out;
}

// --- Objects and patches
// ------------------------------------------------------------------------------------

std::string podLabel(const PodEvidence& pod) {
  return fmt::format("Pod {}/{}", pod.namespace_, pod.name);
}

model::ObjectRef podRef(const PodEvidence& pod) {
  model::ObjectRef ref{"v1", "Pod", pod.namespace_, pod.name, {}};
  for (const OwnerLink& owner : pod.owners)
    ref.owners.push_back(model::ObjectRef{owner.apiVersion, owner.kind, pod.namespace_, owner.name, {}});
  return ref;
}

model::ObjectRef topOwnerRef(const PodEvidence& pod) {
  if (pod.owners.empty()) return model::ObjectRef{"v1", "Pod", pod.namespace_, pod.name, {}};
  const OwnerLink& top = pod.owners.back();
  return model::ObjectRef{top.apiVersion, top.kind, pod.namespace_, top.name, {}};
}

std::optional<TemplateTarget> templateTarget(const PodEvidence& pod) {
  if (pod.owners.empty()) return std::nullopt;
  const OwnerLink& top = pod.owners.back();
  std::string apiVersion = top.apiVersion;
  TemplateTarget target;
  if (top.kind == "Deployment" || top.kind == "StatefulSet" || top.kind == "DaemonSet" ||
      top.kind == "ReplicaSet") {
    if (apiVersion.empty()) apiVersion = "apps/v1";
    target.specPath = {"spec", "template", "spec"};
  } else if (top.kind == "CronJob") {
    if (apiVersion.empty()) apiVersion = "batch/v1";
    target.specPath = {"spec", "jobTemplate", "spec", "template", "spec"};
  } else {
    return std::nullopt;
  }
  target.ref = model::ObjectRef{apiVersion, top.kind, pod.namespace_, top.name, {}};
  return target;
}

model::Patch podSpecPatch(const TemplateTarget& target, json::object fields) {
  json::value body = std::move(fields);
  for (auto it = target.specPath.rbegin(); it != target.specPath.rend(); ++it) {
    json::object wrapper;
    wrapper[*it] = std::move(body);
    body = std::move(wrapper);
  }
  return model::Patch{model::PatchType::Strategic, std::move(body)};
}

model::Patch containerPatch(const TemplateTarget& target, const ContainerEvidence& container,
                            json::object fields) {
  json::object entry;
  entry["name"] = container.name;
  for (auto& member : fields)
    entry[member.key()] = std::move(member.value());
  json::object spec;
  spec[container.init ? "initContainers" : "containers"] = json::array{std::move(entry)};
  return podSpecPatch(target, std::move(spec));
}

// --- Evidence ----------------------------------------------------------------------------------------------

model::EvidenceItem eventEvidence(const std::string& object, const EventRecord& event) {
  return model::EvidenceItem::event(object, event.type, event.reason, event.message, event.count,
                                    event.firstSeen, event.lastSeen);
}

std::string logSource(const PodEvidence& pod, const LogTail& tail) {
  return tail.sharedFrom.empty() ? podLabel(pod) : fmt::format("Pod {}/{}", pod.namespace_, tail.sharedFrom);
}

model::EvidenceItem logEvidence(const PodEvidence& pod, const ContainerEvidence& c, bool previous,
                                const LogMatch& match) {
  return model::EvidenceItem::log(logSource(pod, previous ? c.previousLog : c.currentLog), c.name, previous,
                                  match.line, match.text, std::string(match.signature->id));
}

void addTerminationEvidence(const PodEvidence& pod, const ContainerEvidence& c, const ContainerState& ended,
                            std::vector<model::EvidenceItem>& evidence) {
  std::string base =
      fmt::format("status.{}[{}].{}.terminated", c.init ? "initContainerStatuses" : "containerStatuses",
                  c.name, &ended == &c.state ? "state" : "lastState");
  std::string value = fmt::format("reason={} exitCode={}", ended.reason.empty() ? "Error" : ended.reason,
                                  ended.exitCode.value_or(0));
  if (ended.signal) value += fmt::format(" signal={}", *ended.signal);
  if (ended.finishedAt) value += fmt::format(" finishedAt={}", formatTimestamp(*ended.finishedAt));
  evidence.push_back(model::EvidenceItem::field(podLabel(pod), base, value));
  if (!ended.message.empty()) {
    evidence.push_back(
        model::EvidenceItem::field(podLabel(pod), base + ".message", sanitizeLine(ended.message, 400)));
  }
  if (c.restartCount > 0) {
    evidence.push_back(model::EvidenceItem::field(
        podLabel(pod),
        fmt::format("status.{}[{}].restartCount", c.init ? "initContainerStatuses" : "containerStatuses",
                    c.name),
        std::to_string(c.restartCount)));
  }
}

bool usePreviousLog(const ContainerEvidence& c) {
  if (c.state.terminated()) return !c.currentLog.fetched && c.previousLog.fetched;
  if (c.lastState.terminated()) return c.previousLog.fetched;
  return false;
}

namespace {

// A log line an analyzer already cited (the listening port a probe finding quotes may also match a
// signature): each line once.
bool cited(const std::vector<model::EvidenceItem>& evidence, const model::EvidenceItem& item) {
  return std::any_of(evidence.begin(), evidence.end(), [&](const model::EvidenceItem& e) {
    return e.kind == model::EvidenceItem::Kind::Log && e.object == item.object &&
           e.container == item.container && e.previous == item.previous && e.line == item.line;
  });
}

// Whether a line reports an error by its level or a crash ("ERROR ...", "level=fatal", "panic: ...").
bool errorLine(std::string_view line) {
  for (std::string_view marker :
       {"ERROR", "FATAL", "CRITICAL", "SEVERE", "panic:", "Error:", "error:", "level=error", "level=fatal",
        "\"level\":\"error\"", "\"level\":\"fatal\""}) {
    if (line.find(marker) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace

void addLogEvidence(const Context& ctx, const PodEvidence& pod, const ContainerEvidence& c,
                    std::vector<model::EvidenceItem>& evidence, std::size_t max) {
  bool previous = usePreviousLog(c);
  const LogTail& tail = previous ? c.previousLog : c.currentLog;
  if (!tail.fetched) return;
  if (!tail.sharedFrom.empty()) {
    evidence.push_back(model::EvidenceItem::field(
        podLabel(pod), fmt::format("log of container {}", c.name),
        fmt::format("not read: pod {} fails the same way, and its log stands for this one",
                    tail.sharedFrom)));
  }
  if (tail.truncated) {
    // The tail reached the byte limit: what is cited is all there is of a longer log.
    const auto lines = std::count(tail.text.begin(), tail.text.end(), '\n');
    evidence.push_back(model::EvidenceItem::field(
        logSource(pod, tail), fmt::format("log of container {}{}", c.name, previous ? " (previous)" : ""),
        fmt::format("truncated at the byte limit; {} read", plural(lines, "line"))));
  }
  const LogScan& scan = ctx.scan(pod, c, previous);
  if (const LogMatch* best = scan.best()) {
    std::vector<const LogMatch*> lines;
    for (const LogMatch& m : scan.matches) {
      if (m.signature == best->signature) lines.push_back(&m);
    }
    std::size_t from = lines.size() > max ? lines.size() - max : 0;
    for (std::size_t i = from; i < lines.size(); ++i) {
      model::EvidenceItem item = logEvidence(pod, c, previous, *lines[i]);
      if (!cited(evidence, item)) evidence.push_back(std::move(item));
    }
    return;
  }
  // No signature: the last line that reports an error, else the last line the container wrote, is the best
  // clue (after an ERROR line a program often still logs its shutdown).
  std::string_view text = tail.text;
  std::int64_t number = 0;
  std::int64_t lastNumber = 0;
  std::string_view lastLine;
  std::int64_t errorNumber = 0;
  std::string_view lastError;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    ++number;
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) {
      lastNumber = number;
      lastLine = line;
      if (errorLine(line)) {
        errorNumber = number;
        lastError = line;
      }
    }
    start = end + 1;
  }
  if (errorNumber > 0) {
    lastNumber = errorNumber;
    lastLine = lastError;
  }
  if (lastNumber > 0) {
    model::EvidenceItem item =
        model::EvidenceItem::log(logSource(pod, tail), c.name, previous, lastNumber, sanitizeLine(lastLine));
    if (!cited(evidence, item)) evidence.push_back(std::move(item));
  }
}

std::optional<model::Recommendation> rollbackRecommendation(const Context& ctx, const PodEvidence& pod,
                                                            std::string_view runbook) {
  if (pod.owners.size() < 2 || pod.owners[0].kind != "ReplicaSet" || pod.owners[1].kind != "Deployment")
    return std::nullopt;
  return rollbackFrom(ctx, pod.namespace_, pod.owners[1].name, pod.owners[0].name, runbook);
}

std::optional<model::Recommendation> rollbackFrom(const Context& ctx, const std::string& namespace_,
                                                  const std::string& deployment,
                                                  const std::string& replicaSet, std::string_view runbook) {
  const WorkloadEvidence* current = ctx.workload("ReplicaSet", namespace_, replicaSet);
  if (current == nullptr || !current->revision) return std::nullopt;
  const WorkloadEvidence* previous = nullptr;
  for (const WorkloadEvidence& w : ctx.evidence.workloads) {
    if (w.kind != "ReplicaSet" || w.namespace_ != namespace_ || w.owners.empty() ||
        w.owners.front().kind != "Deployment" || w.owners.front().name != deployment || !w.revision)
      continue;
    if (*w.revision > *current->revision)
      return std::nullopt;  // the failing pods are not the newest revision
    if (*w.revision < *current->revision && (previous == nullptr || *w.revision > *previous->revision))
      previous = &w;
  }
  if (previous == nullptr) return std::nullopt;
  json::array toPrevious;
  json::array toCurrent;
  std::vector<std::string> changes;
  for (const ContainerEvidence& now : current->templateContainers) {
    for (const ContainerEvidence& before : previous->templateContainers) {
      if (before.name != now.name || before.image == now.image) continue;
      toPrevious.push_back(json::object{{"name", now.name}, {"image", before.image}});
      toCurrent.push_back(json::object{{"name", now.name}, {"image", now.image}});
      changes.push_back(fmt::format("{} {} → {}", now.name, now.image, before.image));
    }
  }
  model::Recommendation r;
  r.action = model::ActionKind::Rollback;
  r.target = model::ObjectRef{"apps/v1", "Deployment", namespace_, deployment, {}};
  r.runbook = std::string(runbook);
  r.risk = model::Risk::Medium;
  r.commands.push_back(fmt::format("kubectl -n {} rollout undo deployment/{} --to-revision={}", namespace_,
                                   deployment, *previous->revision));
  if (!changes.empty()) {
    TemplateTarget target{r.target, {"spec", "template", "spec"}};
    r.patch = podSpecPatch(target, json::object{{"containers", std::move(toPrevious)}});
    r.undo = podSpecPatch(target, json::object{{"containers", std::move(toCurrent)}});
    r.commands.push_back(model::kubectlPatchCommand(r.target, *r.patch));
    r.summary = fmt::format("roll Deployment {} back to revision {} ({})", deployment, *previous->revision,
                            joinNames(changes));
  } else {
    r.summary = fmt::format("roll Deployment {} back to revision {}", deployment, *previous->revision);
  }
  r.expectedOutcome = fmt::format(
      "Pods run revision {} again, which this failure did not affect; the rollout "
      "completes within the Deployment's rolling-update budget.",
      *previous->revision);
  r.rationale = fmt::format(
      "The failing pods belong to revision {} (ReplicaSet {}), the newest; revision {} "
      "(ReplicaSet {}) is the one before it.",
      *current->revision, current->name, *previous->revision, previous->name);
  return r;
}

StartFailure classifyStartFailure(std::string_view message) {
  StartFailure f{"AIOPS-D305", ""};
  auto quoted = [&](std::string_view marker) -> std::string {
    auto at = message.find(marker);
    if (at == std::string_view::npos) return {};
    auto start = at + marker.size();
    auto end = message.find('"', start);
    if (end == std::string_view::npos) return {};
    return fmt::format("\"{}\"", message.substr(start, end - start));
  };
  if (contains(message, "executable file not found") ||
      (contains(message, "exec: \"") && contains(message, "no such file or directory"))) {
    f.ruleId = "AIOPS-D103";
    f.command = quoted("exec: \"");
  } else if (contains(message, "exec format error")) {
    f.ruleId = "AIOPS-D109";
  } else if (contains(message, "permission denied") && contains(message, "exec")) {
    f.ruleId = "AIOPS-D102";
    f.command = quoted("exec: \"");
  }
  return f;
}

std::int64_t mebibytesCeil(const Quantity& q) {
  constexpr std::int64_t kMi = 1024 * 1024;
  std::int64_t bytes = q.value();
  return (bytes + kMi - 1) / kMi;
}

Quantity mebibytes(std::int64_t mib) {
  return Quantity::fromValue(mib * 1024 * 1024, Quantity::Format::BinarySI);
}

std::string formatMemory(const Quantity& q) {
  return mebibytes(mebibytesCeil(q)).toString();
}

}  // namespace aiops::diagnose

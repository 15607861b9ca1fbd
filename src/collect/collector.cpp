// The evidence collector: plans the requests of each round from what the previous rounds returned, runs them
// concurrently, keeps what concerns the target, and feeds EvidenceBuilder.
//
// Why requests go through KubeTransport::get from a small pool of threads rather than Client::listAll and
// getAll: one round mixes lists, GETs and log reads, and only get() takes a per-request byte cap, which is
// what keeps a gigabyte log from being transferred whole when a server ignores limitBytes. Pages of a list
// are fed to the builder page by page (each page is a List whose items take its kind), so pagination needs
// no merging: the next page simply runs in the next round.
//
// Why everything is fetched first and selected at the end: whether an event, a Service or a sibling
// ReplicaSet matters is only known once the pods, their owners and their logs are in; a namespace-wide list
// is one request, where asking for each object separately would be many.
#include "collect/collector.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <exception>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <tuple>

#include "diagnose/evidence_builder.h"
#include "kube/objects.h"
#include "kube/resource.h"

namespace aiops::collect {
namespace {

namespace json = boost::json;
using diagnose::Need;
using diagnose::ObjectKey;
using kube::lookup;
using kube::stringAt;

// As many kubectl children as KubectlTransport::getAll runs at once; one in the sanitizer build
// (CMakeLists.txt says why).
#ifdef AIOPS_SERIAL_CHILDREN
constexpr std::size_t kParallel = 1;
#else
constexpr std::size_t kParallel = 8;
#endif
constexpr std::int64_t kPageSize = 500;
constexpr std::size_t kMaxNodeGets = 5;  // more distinct nodes than this: one list is cheaper
constexpr int kMaxOwnerHops = 3;
constexpr std::size_t kLogSamples = 2;  // pods whose logs are read per group of pods failing the same way

namespace types {
using kube::ResourceType;
const ResourceType& pods = kube::types::pods;
const ResourceType& events = kube::types::events;
const ResourceType& services = kube::types::services;
const ResourceType& endpoints = kube::types::endpoints;
const ResourceType& pvcs = kube::types::persistentVolumeClaims;
const ResourceType& configMaps = kube::types::configMaps;
const ResourceType& nodes = kube::types::nodes;
const ResourceType& deployments = kube::types::deployments;
const ResourceType& replicaSets = kube::types::replicaSets;
const ResourceType& statefulSets = kube::types::statefulSets;
const ResourceType& daemonSets = kube::types::daemonSets;
const ResourceType secrets{"", "v1", "secrets"};
const ResourceType serviceAccounts{"", "v1", "serviceaccounts"};
const ResourceType quotas{"", "v1", "resourcequotas"};
const ResourceType pvs{"", "v1", "persistentvolumes", false};
const ResourceType storageClasses{"storage.k8s.io", "v1", "storageclasses", false};
const ResourceType jobs{"batch", "v1", "jobs"};
const ResourceType cronJobs{"batch", "v1", "cronjobs"};
const ResourceType podMetrics{"metrics.k8s.io", "v1beta1", "pods"};
const ResourceType nodeMetrics{"metrics.k8s.io", "v1beta1", "nodes", false};
}  // namespace types

bool wants(unsigned needs, Need need) {
  return (needs & static_cast<unsigned>(need)) != 0;
}

// The workload kinds the collector follows, with their REST type.
const kube::ResourceType* workloadType(const std::string& kind) {
  if (kind == "Deployment") return &types::deployments;
  if (kind == "ReplicaSet") return &types::replicaSets;
  if (kind == "StatefulSet") return &types::statefulSets;
  if (kind == "DaemonSet") return &types::daemonSets;
  if (kind == "Job") return &types::jobs;
  if (kind == "CronJob") return &types::cronJobs;
  return nullptr;
}

// `pods "web-1"`, `deployments.apps "backend"`: how the API server names an object in its messages.
std::string qualifiedName(const kube::ResourceType& type, const std::string& name) {
  return fmt::format("{}{} \"{}\"", type.plural, type.group.empty() ? "" : "." + type.group, name);
}

// --- Requests ----------------------------------------------------------------------------------------------

// The outcome of one request: a JSON object, every item of a list (each carrying its kind), or log text.
struct Fetch {
  json::value value;
  std::vector<json::value> items;
  std::string text;
  bool truncated = false;
  std::optional<kube::KubeError> error;

  bool ok() const { return !error.has_value(); }
  bool notFound() const { return error && error->isNotFound(); }
};
using FetchPtr = std::shared_ptr<Fetch>;

// The one-line error for an Unreadable entry: the server's message, without our context or next step.
std::string errorLine(const kube::KubeError& error) {
  std::string line = error.message();
  std::replace(line.begin(), line.end(), '\n', ' ');
  return line;
}

// A JSON response as a value, or the error it carries (a transport failure, a cut-off or non-JSON body, or a
// Status failure object).
std::optional<kube::KubeError> parseBody(const kube::Response& response, json::value& out) {
  if (response.error) return *response.error;
  if (response.truncated) {
    return kube::KubeError(kube::ErrorKind::BadResponse,
                           "the response exceeded the size limit and was cut off",
                           "narrow the request with -n or a label selector");
  }
  boost::system::error_code ec;
  out = json::parse(response.body, ec);
  if (ec) {
    return kube::KubeError(kube::ErrorKind::BadResponse,
                           fmt::format("the server's answer is not JSON ({})", ec.message()),
                           "check that --context points at a Kubernetes API server");
  }
  if (auto status = kube::parseStatus(out)) return kube::apiError(*status);
  return std::nullopt;
}

// Runs batches of requests, kParallel at a time; a list's further pages run in further rounds of the same
// batch. Counts requests and rounds.
class Batch {
 public:
  explicit Batch(kube::KubeTransport& transport) : transport_(transport) {}

  FetchPtr get(std::string path) {
    Entry e;
    e.path = std::move(path);
    return add(std::move(e));
  }

  FetchPtr list(const kube::ResourceType& type, const std::string& namespace_, std::string itemKind,
                std::string labelSelector = {}, std::string fieldSelector = {}) {
    Entry e;
    e.kind = Entry::Kind::List;
    e.type = type;
    e.namespace_ = namespace_;
    e.itemKind = std::move(itemKind);
    e.labelSelector = std::move(labelSelector);
    e.fieldSelector = std::move(fieldSelector);
    e.path = pagePath(e, {});
    return add(std::move(e));
  }

  FetchPtr log(std::string path, std::int64_t limitBytes) {
    Entry e;
    e.path = std::move(path);
    e.kind = Entry::Kind::Log;
    e.limitBytes = limitBytes;
    return add(std::move(e));
  }

  bool empty() const { return pending_.empty(); }
  std::int64_t requests() const { return requests_; }
  std::int64_t rounds() const { return rounds_; }

  // Runs every pending request, and the further pages of lists, until each has its outcome.
  void run() {
    while (!pending_.empty()) {
      std::vector<Entry> entries = std::move(pending_);
      pending_.clear();
      const std::vector<kube::Response> responses = fetchAll(entries);
      ++rounds_;
      requests_ += static_cast<std::int64_t>(entries.size());
      for (std::size_t i = 0; i < entries.size(); ++i)
        complete(std::move(entries[i]), responses[i]);
    }
  }

 private:
  struct Entry {
    std::string path;
    enum class Kind { Get, List, Log } kind = Kind::Get;
    FetchPtr fetch;
    // Lists.
    kube::ResourceType type;
    std::string namespace_;
    std::string itemKind;
    std::string labelSelector;
    std::string fieldSelector;
    // Logs.
    std::int64_t limitBytes = 0;
  };

  FetchPtr add(Entry e) {
    e.fetch = std::make_shared<Fetch>();
    FetchPtr fetch = e.fetch;
    pending_.push_back(std::move(e));
    return fetch;
  }

  static std::string pagePath(const Entry& e, const std::string& continueToken) {
    return kube::withQuery(kube::collectionPath(e.type, e.namespace_), {{"labelSelector", e.labelSelector},
                                                                        {"fieldSelector", e.fieldSelector},
                                                                        {"limit", std::to_string(kPageSize)},
                                                                        {"continue", continueToken}});
  }

  std::vector<kube::Response> fetchAll(const std::vector<Entry>& entries) {
    std::vector<kube::Response> responses(entries.size());
    std::vector<std::exception_ptr> failures(entries.size());
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
      for (std::size_t i = next++; i < entries.size(); i = next++) {
        try {
          kube::RequestOptions options;
          // A log is capped just above its limitBytes: a server that ignores the limit cannot flood us.
          if (entries[i].kind == Entry::Kind::Log)
            options.maxBytes = static_cast<std::size_t>(entries[i].limitBytes) + 64 * 1024;
          responses[i] = transport_.get(entries[i].path, options);
        } catch (...) {
          failures[i] = std::current_exception();
        }
      }
    };
    const std::size_t threads = std::min(entries.size(), kParallel);
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < threads; ++t)
      pool.emplace_back(worker);
    worker();
    for (std::thread& t : pool)
      t.join();
    for (const std::exception_ptr& failure : failures) {
      if (failure) std::rethrow_exception(failure);
    }
    return responses;
  }

  void complete(Entry e, const kube::Response& response) {
    Fetch& fetch = *e.fetch;
    if (e.kind == Entry::Kind::Log) {
      if (response.error) {
        fetch.error = *response.error;
        return;
      }
      fetch.text = response.body;
      fetch.truncated = response.truncated;
      const auto limit = static_cast<std::size_t>(e.limitBytes);
      // A server that honours limitBytes stops exactly there: a log of exactly that size was cut too.
      if (fetch.text.size() >= limit) {
        fetch.truncated = true;
        fetch.text.resize(limit);
      }
      return;
    }
    json::value body;
    if (auto error = parseBody(response, body)) {
      fetch.error = std::move(*error);
      fetch.items.clear();
      return;
    }
    if (e.kind == Entry::Kind::Get) {
      fetch.value = std::move(body);
      return;
    }
    std::string apiVersion = e.type.group.empty() ? e.type.version : e.type.group + "/" + e.type.version;
    if (const std::string v = stringAt(&body, {"apiVersion"}); !v.empty()) apiVersion = v;
    if (auto* items = body.is_object() ? body.as_object().if_contains("items") : nullptr;
        items != nullptr && items->is_array()) {
      for (json::value& item : items->as_array()) {
        if (auto* object = item.if_object()) {
          if (!object->contains("kind")) object->emplace("kind", e.itemKind);
          if (!object->contains("apiVersion")) object->emplace("apiVersion", apiVersion);
          fetch.items.push_back(std::move(item));
        }
      }
    }
    const std::string token = stringAt(&body, {"metadata", "continue"});
    if (!token.empty()) {
      e.path = pagePath(e, token);
      pending_.push_back(std::move(e));  // the same Fetch collects the next page
    }
  }

  kube::KubeTransport& transport_;
  std::vector<Entry> pending_;
  std::int64_t requests_ = 0;
  std::int64_t rounds_ = 0;
};

// --- Reading objects ---------------------------------------------------------------------------------------

struct OwnerRef {
  std::string kind;
  std::string name;
  std::string uid;
};

std::optional<OwnerRef> controllerOf(const json::value& object) {
  kube::ObjectView view(object);
  auto owner = view.controllerOwner();
  if (!owner) {
    auto all = view.ownerReferences();
    if (all.empty()) return std::nullopt;
    owner = all.front();
  }
  return OwnerRef{owner->kind, owner->name, owner->uid};
}

ObjectKey keyOf(const json::value& object) {
  kube::ObjectView view(object);
  return ObjectKey{view.kind(), view.namespace_(), view.name()};
}

// The label selector of a workload as a query string (matchLabels and matchExpressions); nullopt when the
// workload has none.
std::optional<std::string> selectorOf(const json::value& workload) {
  const json::value* selector = lookup(&workload, {"spec", "selector"});
  if (selector == nullptr || !selector->is_object()) return std::nullopt;
  std::vector<std::string> terms;
  for (const auto& [key, value] : kube::stringMapAt(selector, {"matchLabels"}))
    terms.push_back(key + "=" + value);
  if (const json::value* expressions = lookup(selector, {"matchExpressions"});
      expressions != nullptr && expressions->is_array()) {
    for (const json::value& e : expressions->get_array()) {
      const std::string key = stringAt(&e, {"key"});
      const std::string op = stringAt(&e, {"operator"});
      std::vector<std::string> values;
      if (const json::value* v = lookup(&e, {"values"}); v != nullptr && v->is_array()) {
        for (const json::value& item : v->get_array()) {
          if (item.is_string()) values.emplace_back(item.get_string());
        }
      }
      std::string joined;
      for (const std::string& value : values)
        joined += (joined.empty() ? "" : ",") + value;
      if (op == "In") {
        terms.push_back(fmt::format("{} in ({})", key, joined));
      } else if (op == "NotIn") {
        terms.push_back(fmt::format("{} notin ({})", key, joined));
      } else if (op == "Exists") {
        terms.push_back(key);
      } else if (op == "DoesNotExist") {
        terms.push_back("!" + key);
      }
    }
  }
  if (terms.empty()) return std::nullopt;
  std::string text;
  for (const std::string& term : terms)
    text += (text.empty() ? "" : ",") + term;
  return text;
}

// Which logs of a container to read: the previous instance when there is one, and the current one when it
// runs or has ended. Only failing containers are read at all. A container waiting to restart
// (CrashLoopBackOff) has no current instance: the kubelet answers a plain read with its last terminated one,
// which is what the previous read returns too, so one request does for both.
struct LogPick {
  std::string container;
  bool current = false;
  bool previous = false;
  std::string failure;                  // how it fails: waiting reason, last termination reason, exit code
  std::optional<WallTime> lastRestart;  // when its latest instance ended (or started), for sampling
};

std::vector<LogPick> logsToRead(const json::value& pod) {
  kube::PodView view(pod);
  std::vector<LogPick> picks;
  auto consider = [&](const kube::ContainerStatus& s) {
    const bool waitingBadly = s.state.waiting() && !s.state.reason.empty() &&
                              s.state.reason != "ContainerCreating" && s.state.reason != "PodInitializing";
    const bool failedExit = s.state.terminated() && s.state.exitCode.value_or(0) != 0;
    if (s.restartCount == 0 && !waitingBadly && !failedExit) return;
    LogPick pick;
    pick.container = s.name;
    pick.previous = s.restartCount > 0 || s.lastState.terminated();
    pick.current = s.state.running() || s.state.terminated() ||
                   (s.state.waiting() && s.restartCount > 0 && !s.lastState.terminated());
    const kube::ContainerState& ended = s.state.terminated() ? s.state : s.lastState;
    pick.failure = fmt::format("{}|{}|{}", s.state.waiting() ? s.state.reason : "",
                               ended.terminated() ? ended.reason : "",
                               ended.terminated() ? std::to_string(ended.exitCode.value_or(0)) : "");
    pick.lastRestart = ended.terminated() ? ended.finishedAt : std::nullopt;
    if (!pick.lastRestart) pick.lastRestart = s.state.startedAt;
    if (pick.current || pick.previous) picks.push_back(std::move(pick));
  };
  for (const kube::ContainerStatus& s : view.initContainerStatuses())
    consider(s);
  for (const kube::ContainerStatus& s : view.containerStatuses())
    consider(s);
  return picks;
}

bool oomKilled(const json::value& pod) {
  kube::PodView view(pod);
  for (const auto& statuses : {view.initContainerStatuses(), view.containerStatuses()}) {
    for (const kube::ContainerStatus& s : statuses) {
      if (s.state.reason == "OOMKilled" || s.lastState.reason == "OOMKilled") return true;
    }
  }
  return false;
}

// A container that waits because its image cannot be pulled.
bool pullFailing(const json::value& pod) {
  kube::PodView view(pod);
  for (const auto& statuses : {view.initContainerStatuses(), view.containerStatuses()}) {
    for (const kube::ContainerStatus& s : statuses) {
      if (s.state.waiting() && (s.state.reason == "ErrImagePull" || s.state.reason == "ImagePullBackOff"))
        return true;
    }
  }
  return false;
}

bool registryCredential(const json::value& secret) {
  const std::string type = stringAt(&secret, {"type"});
  return type == "kubernetes.io/dockerconfigjson" || type == "kubernetes.io/dockercfg";
}

bool unscheduled(const json::value& pod) {
  kube::PodView view(pod);
  return view.nodeName().empty() && view.phase() != "Succeeded" && view.phase() != "Failed";
}

// The names of ConfigMaps and Secrets a pod refers to: env, envFrom, volumes (projected too) and image
// pull secrets.
struct ConfigNames {
  std::set<std::string> configMaps;
  std::set<std::string> secrets;
};

void addConfigNames(const json::value& pod, ConfigNames& names) {
  const json::value* spec = lookup(&pod, {"spec"});
  for (std::string_view field : {"initContainers", "containers", "ephemeralContainers"}) {
    const json::value* containers = lookup(spec, {field});
    if (containers == nullptr || !containers->is_array()) continue;
    for (const json::value& c : containers->get_array()) {
      if (const json::value* env = lookup(&c, {"env"}); env != nullptr && env->is_array()) {
        for (const json::value& var : env->get_array()) {
          if (std::string n = stringAt(&var, {"valueFrom", "configMapKeyRef", "name"}); !n.empty())
            names.configMaps.insert(n);
          if (std::string n = stringAt(&var, {"valueFrom", "secretKeyRef", "name"}); !n.empty())
            names.secrets.insert(n);
        }
      }
      if (const json::value* from = lookup(&c, {"envFrom"}); from != nullptr && from->is_array()) {
        for (const json::value& source : from->get_array()) {
          if (std::string n = stringAt(&source, {"configMapRef", "name"}); !n.empty())
            names.configMaps.insert(n);
          if (std::string n = stringAt(&source, {"secretRef", "name"}); !n.empty()) names.secrets.insert(n);
        }
      }
    }
  }
  if (const json::value* volumes = lookup(spec, {"volumes"}); volumes != nullptr && volumes->is_array()) {
    for (const json::value& v : volumes->get_array()) {
      if (std::string n = stringAt(&v, {"configMap", "name"}); !n.empty()) names.configMaps.insert(n);
      if (std::string n = stringAt(&v, {"secret", "secretName"}); !n.empty()) names.secrets.insert(n);
      const json::value* sources = lookup(&v, {"projected", "sources"});
      if (sources == nullptr || !sources->is_array()) continue;
      for (const json::value& s : sources->get_array()) {
        if (std::string n = stringAt(&s, {"configMap", "name"}); !n.empty()) names.configMaps.insert(n);
        if (std::string n = stringAt(&s, {"secret", "name"}); !n.empty()) names.secrets.insert(n);
      }
    }
  }
  if (const json::value* pulls = lookup(spec, {"imagePullSecrets"}); pulls != nullptr && pulls->is_array()) {
    for (const json::value& s : pulls->get_array()) {
      if (std::string n = stringAt(&s, {"name"}); !n.empty()) names.secrets.insert(n);
    }
  }
}

std::vector<std::string> claimNames(const json::value& pod) {
  std::vector<std::string> names;
  const json::value* volumes = lookup(&pod, {"spec", "volumes"});
  if (volumes == nullptr || !volumes->is_array()) return names;
  for (const json::value& v : volumes->get_array()) {
    if (std::string n = stringAt(&v, {"persistentVolumeClaim", "claimName"}); !n.empty()) names.push_back(n);
  }
  return names;
}

// Whether `text` names `host` as a whole word, as a host name does in a URL, an address or a log line
// ("db:5432", "db.shop.svc", "//db/"), but not inside another name ("dbproxy", "admin-db").
bool mentions(std::string_view text, std::string_view host) {
  if (host.empty()) return false;
  auto partOfName = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  };
  for (std::size_t at = text.find(host); at != std::string_view::npos; at = text.find(host, at + 1)) {
    const bool before = at > 0 && partOfName(text[at - 1]);
    const std::size_t end = at + host.size();
    const bool after = end < text.size() && partOfName(text[end]);
    if (!before && !after) return true;
  }
  return false;
}

// Every string value in the env, command and args of a pod's containers: where a client names its servers.
std::string containerSettings(const json::value& pod) {
  std::string text;
  const json::value* spec = lookup(&pod, {"spec"});
  for (std::string_view field : {"initContainers", "containers"}) {
    const json::value* containers = lookup(spec, {field});
    if (containers == nullptr || !containers->is_array()) continue;
    for (const json::value& c : containers->get_array()) {
      for (std::string_view list : {"command", "args"}) {
        if (const json::value* items = lookup(&c, {list}); items != nullptr && items->is_array()) {
          for (const json::value& item : items->get_array()) {
            if (item.is_string()) text.append(item.get_string()).append("\n");
          }
        }
      }
      if (const json::value* env = lookup(&c, {"env"}); env != nullptr && env->is_array()) {
        for (const json::value& var : env->get_array())
          text.append(stringAt(&var, {"value"})).append("\n");
      }
    }
  }
  return text;
}

bool labelsMatch(const std::map<std::string, std::string>& selector,
                 const std::map<std::string, std::string>& labels) {
  if (selector.empty()) return false;  // a Service without a selector selects no pods by labels
  for (const auto& [key, value] : selector) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

bool nodeUnhealthy(const json::value& node) {
  kube::NodeView view(node);
  for (const kube::Condition& c : view.conditions()) {
    if (c.type == "Ready" && !c.isTrue()) return true;
    if ((c.type == "MemoryPressure" || c.type == "DiskPressure" || c.type == "PIDPressure") && c.isTrue())
      return true;
  }
  return view.unschedulable();
}

void keepLatest(std::optional<WallTime>& latest, const std::optional<WallTime>& t) {
  if (t && (!latest || *t > *latest)) latest = t;
}

// --- The collector -----------------------------------------------------------------------------------------

class Collector {
 public:
  Collector(kube::Client& client, const Options& options)
      : options_(options),
        needs_(options.needs),
        batch_(client.transport()),
        all_(options.allNamespaces),
        ns_(options.allNamespaces ? std::string() : options.namespace_) {}

  Collected run() {
    fetchTarget();
    fetchAround();
    fetchFollowUps();
    return assemble();
  }

 private:
  using Kind = Target::Kind;

  struct LogFetch {
    std::string namespace_;
    std::string pod;
    std::string container;
    bool previous = false;
    FetchPtr fetch;
  };

  std::string scope() const { return all_ ? "all namespaces" : "namespace " + ns_; }
  std::string in(const std::string& namespace_) const {
    return namespace_.empty() ? "" : " in namespace " + namespace_;
  }
  std::string listedScope() const { return all_ ? "*" : ns_; }
  bool namespaceTarget() const { return options_.target.kind == Kind::Namespace; }

  void progress(const std::string& message) {
    if (options_.onProgress) options_.onProgress(message);
  }

  void unreadable(std::string what, const kube::KubeError& error) {
    unreadable_.push_back(diagnose::Unreadable{std::move(what), errorLine(error)});
  }

  // Keeps a list's items in `into`; records `resource` as listed (when given), or the list as unreadable.
  bool takeList(const FetchPtr& fetch, std::vector<json::value>& into, const std::string& resource,
                const std::string& listedNamespace, const std::string& what) {
    if (!fetch) return false;
    if (!fetch->ok()) {
      unreadable(what, *fetch->error);
      return false;
    }
    for (json::value& item : fetch->items)
      into.push_back(std::move(item));
    fetch->items.clear();
    if (!resource.empty()) listed_.insert({resource, listedNamespace});
    return true;
  }

  void addWorkload(json::value object) {
    ObjectKey key = keyOf(object);
    if (key.kind.empty() || key.name.empty()) return;
    workloads_.insert_or_assign(std::move(key), std::move(object));
  }

  // The namespace-level lists that do not depend on the target, started with it in round 1.
  void startNamespaceLists() {
    if (wants(needs_, Need::Events)) eventsFetch_ = batch_.list(types::events, ns_, "Event");
    if (wants(needs_, Need::Services)) {
      servicesFetch_ = batch_.list(types::services, ns_, "Service");
      endpointsFetch_ = batch_.list(types::endpoints, ns_, "Endpoints");
    }
    if (namespaceTarget()) {
      if (wants(needs_, Need::Workloads)) {
        for (const char* kind : {"ReplicaSet", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"})
          workloadLists_.emplace_back(kind, batch_.list(*workloadType(kind), ns_, kind));
        workloadsListed_ = true;
      }
      if (wants(needs_, Need::Nodes)) nodesFetch_ = batch_.list(types::nodes, "", "Node");
    }
  }

  void takeNamespaceLists() {
    takeList(eventsFetch_, events_, "events", listedScope(), "events" + in(ns_));
    takeList(servicesFetch_, services_, "services", listedScope(), "services" + in(ns_));
    takeList(endpointsFetch_, endpoints_, "endpoints", listedScope(), "endpoints" + in(ns_));
    for (auto& [kind, fetch] : workloadLists_) {
      std::vector<json::value> items;
      const kube::ResourceType& type = *workloadType(kind);
      std::string resource = type.plural + (type.group.empty() ? "" : "." + type.group);
      if (takeList(fetch, items, type.plural, listedScope(), resource + in(ns_))) {
        for (json::value& item : items)
          addWorkload(std::move(item));
      }
    }
    workloadLists_.clear();
    if (nodesFetch_) {
      std::vector<json::value> items;
      if (takeList(nodesFetch_, items, "nodes", "", "nodes")) {
        nodesListed_ = true;
        for (json::value& n : items)
          nodes_.insert_or_assign(kube::ObjectView(n).name(), std::move(n));
      }
      nodesFetch_.reset();
    }
  }

  [[noreturn]] void targetFailed(const kube::ResourceType& type, const std::string& name,
                                 const kube::KubeError& error) {
    if (error.isNotFound()) {
      std::string message = fmt::format("{} not found{}", qualifiedName(type, name), in(ns_));
      throw kube::KubeError(kube::ErrorKind::Api, message,
                            fmt::format("list them with 'kubectl get {} -n {}'", type.plural, ns_),
                            error.api().value_or(kube::ApiError{404, "NotFound", message}));
    }
    std::string singular = type.plural.substr(0, type.plural.size() - 1);
    throw error.withContext(fmt::format("reading {} {}{}", singular, name, in(ns_)));
  }

  // Round 1 (and, for a workload, round 2): the target and its pods.
  void fetchTarget() {
    const Target& target = options_.target;
    switch (target.kind) {
      case Kind::Namespace:
      case Kind::Selector: {
        progress(fmt::format("listing pods{} in {}",
                             target.kind == Kind::Selector ? " matching " + target.selector : "", scope()));
        FetchPtr podsFetch = batch_.list(types::pods, ns_, "Pod", target.selector);
        startNamespaceLists();
        batch_.run();
        if (!podsFetch->ok()) throw podsFetch->error->withContext("listing pods" + in(ns_));
        pods_ = std::move(podsFetch->items);
        if (target.kind == Kind::Namespace) listed_.insert({"pods", listedScope()});
        takeNamespaceLists();
        break;
      }
      case Kind::Pod: {
        progress(fmt::format("reading pod {}{}", target.name, in(ns_)));
        FetchPtr podFetch = batch_.get(kube::objectPath(types::pods, ns_, target.name));
        startNamespaceLists();
        batch_.run();
        if (!podFetch->ok()) targetFailed(types::pods, target.name, *podFetch->error);
        pods_.push_back(std::move(podFetch->value));
        takeNamespaceLists();
        break;
      }
      case Kind::Workload:
        fetchWorkloadTarget();
        break;
    }
  }

  void fetchWorkloadTarget() {
    const Target& target = options_.target;
    const kube::ResourceType* type = workloadType(target.workloadKind);
    if (type == nullptr) {
      throw kube::KubeError(
          kube::ErrorKind::Api,
          fmt::format("cannot diagnose a {}: use a Deployment, StatefulSet, DaemonSet or Job",
                      target.workloadKind),
          "see 'kubectl aiops diagnose --help'");
    }
    progress(fmt::format("reading {} {}{}", target.workloadKind, target.name, in(ns_)));
    FetchPtr workloadFetch = batch_.get(kube::objectPath(*type, ns_, target.name));
    startNamespaceLists();
    batch_.run();
    if (!workloadFetch->ok()) targetFailed(*type, target.name, *workloadFetch->error);
    json::value workload = std::move(workloadFetch->value);
    if (auto* object = workload.if_object(); object != nullptr && !object->contains("kind"))
      object->emplace("kind", target.workloadKind);
    targetKey_ = ObjectKey{target.workloadKind, ns_, target.name};
    const std::string uid = kube::ObjectView(workload).uid();
    addWorkload(workload);
    takeNamespaceLists();

    // Its pods, by its selector; a Job without one (an old or hand-written object) by ownership.
    const std::optional<std::string> selector = selectorOf(workload);
    if (!selector && target.workloadKind != "Job") {
      throw kube::KubeError(
          kube::ErrorKind::BadResponse,
          fmt::format("{} has no spec.selector{}", qualifiedName(*type, target.name), in(ns_)),
          "check the object with 'kubectl get -o yaml'");
    }
    progress(fmt::format("listing the pods of {} {}", target.workloadKind, target.name));
    FetchPtr podsFetch = batch_.list(types::pods, ns_, "Pod", selector.value_or(""));
    FetchPtr replicaSetsFetch;
    if (target.workloadKind == "Deployment" && wants(needs_, Need::Workloads))
      replicaSetsFetch = batch_.list(types::replicaSets, ns_, "ReplicaSet", *selector);
    batch_.run();
    if (!podsFetch->ok()) throw podsFetch->error->withContext("listing pods" + in(ns_));

    std::set<std::string> ownedReplicaSets;
    if (replicaSetsFetch) {
      std::vector<json::value> items;
      // Selected by labels, so not a complete list of the namespace's ReplicaSets.
      if (takeList(replicaSetsFetch, items, "", ns_, "replicasets.apps" + in(ns_))) {
        for (json::value& rs : items) {
          auto owner = controllerOf(rs);
          if (!owner || owner->kind != "Deployment" || owner->name != target.name) continue;
          ownedReplicaSets.insert(kube::ObjectView(rs).name());
          addWorkload(std::move(rs));
        }
      }
    }
    // Pods that another controller owns only share labels with the target: leave them out.
    for (json::value& pod : podsFetch->items) {
      auto owner = controllerOf(pod);
      bool mine = !owner.has_value();
      if (owner && target.workloadKind == "Deployment") {
        const std::string hash = kube::ObjectView(pod).labels()["pod-template-hash"];
        mine = owner->kind == "ReplicaSet" && (ownedReplicaSets.count(owner->name) > 0 ||
                                               (!hash.empty() && owner->name == target.name + "-" + hash));
      } else if (owner) {
        mine = owner->kind == target.workloadKind && owner->name == target.name &&
               (owner->uid.empty() || uid.empty() || owner->uid == uid);
      }
      if (mine) pods_.push_back(std::move(pod));
    }
  }

  // Round 2: owners, nodes, storage, configuration, quotas, metrics and logs around the pods.
  void fetchAround() {
    std::vector<std::string> parts;
    if (!namespaceTarget() && wants(needs_, Need::Workloads)) {
      requestOwners();
      if (!ownerFetches_.empty() || !ownerLists_.empty()) parts.push_back("owners");
    }
    if (wants(needs_, Need::Nodes) && requestNodes()) parts.push_back("nodes");
    if (wants(needs_, Need::Storage) && requestStorage()) parts.push_back("volumes");
    if (wants(needs_, Need::Config) && requestConfig()) parts.push_back("ConfigMaps and Secrets");
    requestRejections();
    if (wants(needs_, Need::Metrics) && requestMetrics()) parts.push_back("metrics");
    std::size_t logs = wants(needs_, Need::Logs) ? requestLogs() : 0;
    if (logs > 0) parts.push_back(fmt::format("{} log{}", logs, logs == 1 ? "" : "s"));
    if (batch_.empty()) return;
    std::string what;
    for (std::size_t i = 0; i < parts.size(); ++i)
      what += (i == 0 ? "" : i + 1 == parts.size() ? " and " : ", ") + parts[i];
    progress(fmt::format("reading {} of {} pod{}", what.empty() ? "details" : what, pods_.size(),
                         pods_.size() == 1 ? "" : "s"));
    batch_.run();
    rereadCutLogs();
    takeOwners();
    takeAround();
  }

  // Owners of the pods for targets that did not list the namespace's workloads: the ReplicaSets (all of
  // the namespace, so a rollback can name the previous revision) and the Deployment their name implies,
  // the Jobs and the CronJob theirs implies, StatefulSets and DaemonSets by name.
  void requestOwners() {
    for (const json::value& pod : pods_) {
      auto owner = controllerOf(pod);
      if (!owner) continue;
      const std::string podNamespace = kube::ObjectView(pod).namespace_();
      if (owner->kind == "ReplicaSet" || owner->kind == "Job") {
        const std::string& listKind = owner->kind;
        if (!workloadsListed_ &&
            !(listKind == "ReplicaSet" && targetKey_ && targetKey_->kind == "Deployment") &&
            listedOwnerKinds_.insert({listKind, podNamespace}).second) {
          ownerLists_.emplace_back(listKind, podNamespace,
                                   batch_.list(*workloadType(listKind), podNamespace, listKind));
        }
        // The top owner its name implies: <deployment>-<pod-template-hash>, <cronjob>-<scheduled minute>.
        std::string implied;
        std::string impliedKind;
        if (owner->kind == "ReplicaSet") {
          const std::string hash = kube::ObjectView(pod).labels()["pod-template-hash"];
          if (!hash.empty() && owner->name.size() > hash.size() + 1 && owner->name.ends_with("-" + hash)) {
            implied = owner->name.substr(0, owner->name.size() - hash.size() - 1);
            impliedKind = "Deployment";
          }
        } else if (const auto dash = owner->name.rfind('-');
                   dash != std::string::npos && dash > 0 && dash + 1 < owner->name.size() &&
                   owner->name.find_first_not_of("0123456789", dash + 1) == std::string::npos) {
          implied = owner->name.substr(0, dash);
          impliedKind = "CronJob";
        }
        if (!implied.empty()) requestOwner(impliedKind, podNamespace, implied, /*speculative=*/true);
      } else if (owner->kind == "StatefulSet" || owner->kind == "DaemonSet") {
        requestOwner(owner->kind, podNamespace, owner->name, /*speculative=*/false);
      }
    }
  }

  void requestOwner(const std::string& kind, const std::string& namespace_, const std::string& name,
                    bool speculative) {
    ObjectKey key{kind, namespace_, name};
    if (workloads_.count(key) > 0 || !requestedOwners_.insert(key).second) return;
    ownerFetches_.push_back(
        OwnerFetch{key, speculative, batch_.get(kube::objectPath(*workloadType(kind), namespace_, name))});
  }

  void takeOwners() {
    for (auto& [kind, namespace_, fetch] : ownerLists_) {
      std::vector<json::value> items;
      const kube::ResourceType& type = *workloadType(kind);
      if (takeList(fetch, items, type.plural, namespace_, type.plural + "." + type.group + in(namespace_))) {
        for (json::value& item : items)
          addWorkload(std::move(item));
      }
    }
    ownerLists_.clear();
    for (OwnerFetch& o : ownerFetches_) {
      if (o.fetch->ok()) {
        if (auto* object = o.fetch->value.if_object(); object != nullptr && !object->contains("kind"))
          object->emplace("kind", o.key.kind);
        addWorkload(std::move(o.fetch->value));
      } else if (!o.fetch->notFound()) {
        // A missing owner was deleted (or never was, for an implied one): nothing to read, nothing wrong.
        if (!o.speculative)
          unreadable(fmt::format("{} {}/{}", o.key.kind, o.key.namespace_, o.key.name), *o.fetch->error);
      }
    }
    ownerFetches_.clear();
  }

  // Round 3: owners up the chain whose names could not be implied, until the top (a few hops at most).
  bool requestChainOwners() {
    // Each chain, from a pod or the target, up to its first link not read yet.
    std::set<ObjectKey> missing;
    auto climb = [&](const std::string& namespace_, std::optional<OwnerRef> owner) {
      for (int hop = 0; hop < 6 && owner && workloadType(owner->kind) != nullptr; ++hop) {
        ObjectKey key{owner->kind, namespace_, owner->name};
        auto it = workloads_.find(key);
        if (it == workloads_.end()) {
          missing.insert(key);
          return;
        }
        owner = controllerOf(it->second);
      }
    };
    for (const json::value& pod : pods_)
      climb(kube::ObjectView(pod).namespace_(), controllerOf(pod));
    if (targetKey_) {
      auto it = workloads_.find(*targetKey_);
      if (it != workloads_.end()) climb(targetKey_->namespace_, controllerOf(it->second));
    }
    bool any = false;
    for (const ObjectKey& key : missing) {
      if (requestedOwners_.count(key) > 0) continue;
      // Listed kinds are complete: an owner missing from the list was deleted.
      if (workloadsListed_ || listedOwnerKinds_.count({key.kind, key.namespace_}) > 0) continue;
      requestOwner(key.kind, key.namespace_, key.name, /*speculative=*/false);
      any = true;
    }
    return any;
  }

  bool requestNodes() {
    if (nodesListed_) return false;  // a namespace target listed them in round 1
    std::set<std::string> names;
    bool anyUnscheduled = false;
    for (const json::value& pod : pods_) {
      const std::string node = kube::PodView(pod).nodeName();
      if (!node.empty()) names.insert(node);
      anyUnscheduled = anyUnscheduled || unscheduled(pod);
    }
    if (anyUnscheduled || names.size() > kMaxNodeGets) {
      nodesFetch_ = batch_.list(types::nodes, "", "Node");
      return true;
    }
    for (const std::string& name : names)
      nodeFetches_.emplace_back(name, batch_.get(kube::objectPath(types::nodes, "", name)));
    return !names.empty();
  }

  bool requestStorage() {
    bool any = false;
    for (const json::value& pod : pods_)
      any = any || !claimNames(pod).empty();
    if (!any) return false;
    pvcsFetch_ = batch_.list(types::pvcs, ns_, "PersistentVolumeClaim");
    pvsFetch_ = batch_.list(types::pvs, "", "PersistentVolume");
    storageClassesFetch_ = batch_.list(types::storageClasses, "", "StorageClass");
    return true;
  }

  // ConfigMaps and Secrets the pods refer to; and, when an image pull fails, the namespace's registry
  // credentials, which the pod may merely fail to reference.
  bool requestConfig() {
    for (const json::value& pod : pods_)
      addConfigNames(pod, configNames_);
    if (wants(needs_, Need::RegistrySecrets)) {
      registrySecrets_ =
          std::any_of(pods_.begin(), pods_.end(), [](const json::value& pod) { return pullFailing(pod); });
    }
    if (!configNames_.configMaps.empty()) configMapsFetch_ = batch_.list(types::configMaps, ns_, "ConfigMap");
    if (!configNames_.secrets.empty() || registrySecrets_) {
      if (options_.readSecrets) {
        secretsFetch_ = batch_.list(types::secrets, ns_, "Secret");
      } else {
        unreadable_.push_back(diagnose::Unreadable{
            "secrets" + in(ns_), "not read at this verbosity, where kubectl would print their values"});
      }
    }
    return configMapsFetch_ || secretsFetch_;
  }

  // ResourceQuotas and ServiceAccounts matter only when a controller could not create pods because of one.
  void requestRejections() {
    bool quota = false;
    bool account = false;
    for (const json::value& e : events_) {
      kube::EventView view(e);
      if (view.reason() != "FailedCreate") continue;
      const std::string message = view.message();
      quota = quota || message.find("quota") != std::string::npos;
      account = account || message.find("serviceaccount") != std::string::npos;
    }
    if (quota && wants(needs_, Need::Quotas)) quotasFetch_ = batch_.list(types::quotas, ns_, "ResourceQuota");
    if (account && wants(needs_, Need::ServiceAccounts))
      serviceAccountsFetch_ = batch_.list(types::serviceAccounts, ns_, "ServiceAccount");
  }

  // Usage matters for OOM kills only: the working set next to the limit.
  bool requestMetrics() {
    std::vector<const json::value*> killed;
    for (const json::value& pod : pods_) {
      if (oomKilled(pod)) killed.push_back(&pod);
    }
    if (killed.empty()) return false;
    std::set<std::string> nodeNames;
    for (const json::value* pod : killed) {
      const std::string node = kube::PodView(*pod).nodeName();
      if (!node.empty()) nodeNames.insert(node);
    }
    if (namespaceTarget() || killed.size() > kMaxNodeGets) {
      metricsFetches_.push_back(batch_.list(types::podMetrics, ns_, "PodMetrics"));
    } else {
      for (const json::value* pod : killed) {
        kube::ObjectView view(*pod);
        metricsFetches_.push_back(
            batch_.get(kube::objectPath(types::podMetrics, view.namespace_(), view.name())));
      }
    }
    if (nodeNames.size() > kMaxNodeGets) {
      metricsFetches_.push_back(batch_.list(types::nodeMetrics, "", "NodeMetrics"));
    } else {
      for (const std::string& node : nodeNames)
        metricsFetches_.push_back(batch_.get(kube::objectPath(types::nodeMetrics, "", node)));
    }
    return true;
  }

  // Logs of failing containers, a bounded sample per group of pods that fail the same way: the same
  // controller (for a Deployment, one ReplicaSet: one revision), container and failure (waiting reason,
  // last termination reason, exit code). A hundred replicas crashing on one bug write the same log; the
  // kLogSamples most recently restarted say it, and every read is one more request (with kubectl, one more
  // child process). The other pods of the group share the first sample's log (see assemble).
  std::size_t requestLogs() {
    struct Candidate {
      const json::value* pod;
      LogPick pick;
    };
    std::map<std::string, std::vector<Candidate>> groups;  // ordered, so requests are deterministic
    for (const json::value& pod : pods_) {
      kube::ObjectView view(pod);
      const auto owner = controllerOf(pod);
      const std::string scope = owner ? fmt::format("{}/{}/{}", view.namespace_(), owner->kind, owner->name)
                                      : fmt::format("{}/Pod/{}", view.namespace_(), view.name());
      for (LogPick& pick : logsToRead(pod)) {
        std::string key = fmt::format("{}|{}|{}", scope, pick.container, pick.failure);
        groups[std::move(key)].push_back(Candidate{&pod, std::move(pick)});
      }
    }
    for (auto& [key, members] : groups) {
      std::stable_sort(members.begin(), members.end(), [](const Candidate& a, const Candidate& b) {
        if (a.pick.lastRestart != b.pick.lastRestart) return a.pick.lastRestart > b.pick.lastRestart;
        return kube::ObjectView(*a.pod).name() < kube::ObjectView(*b.pod).name();
      });
      const std::string sample = kube::ObjectView(*members.front().pod).name();
      for (std::size_t i = 0; i < members.size(); ++i) {
        if (i >= kLogSamples) {
          kube::ObjectView view(*members[i].pod);
          logShares_.push_back(LogShare{view.namespace_(), view.name(), members[i].pick.container, sample});
          continue;
        }
        requestLogs(*members[i].pod, members[i].pick);
      }
    }
    return logFetches_.size();
  }

  void requestLogs(const json::value& pod, const LogPick& pick) {
    kube::ObjectView view(pod);
    for (bool previous : {false, true}) {
      if (previous ? !pick.previous : !pick.current) continue;
      LogFetch l{view.namespace_(), view.name(), pick.container, previous, nullptr};
      l.fetch = batch_.log(logPath(l, options_.logsTail), options_.logsBytes);
      logFetches_.push_back(std::move(l));
    }
  }

  std::string logPath(const LogFetch& l, std::int64_t tailLines) const {
    std::vector<std::pair<std::string, std::string>> query{
        {"container", l.container},
        {"previous", l.previous ? "true" : ""},
        {"tailLines", tailLines > 0 ? std::to_string(tailLines) : ""},
        {"limitBytes", std::to_string(options_.logsBytes)},
        {"sinceSeconds", options_.since ? std::to_string(options_.since->count()) : ""}};
    return kube::withQuery(kube::objectPath(types::pods, l.namespace_, l.pod, "log"), query);
  }

  // The API server applies tailLines first and limitBytes to what they select: a tail longer than the
  // byte limit comes back as its beginning, without the last lines, where a failure is told. Such a log is
  // read once more with as many lines as the limit holds (at the lines' average length, with a margin).
  void rereadCutLogs() {
    std::vector<std::pair<LogFetch*, FetchPtr>> rereads;
    for (LogFetch& l : logFetches_) {
      if (options_.logsTail <= 0 || !l.fetch->ok() || !l.fetch->truncated) continue;
      const auto lines =
          static_cast<std::int64_t>(std::count(l.fetch->text.begin(), l.fetch->text.end(), '\n'));
      if (lines == 0) continue;
      const std::int64_t average = static_cast<std::int64_t>(l.fetch->text.size()) / lines + 1;
      const std::int64_t fits = std::max<std::int64_t>(1, options_.logsBytes * 9 / 10 / average);
      if (fits >= options_.logsTail) continue;
      rereads.emplace_back(&l, batch_.log(logPath(l, fits), options_.logsBytes));
    }
    if (rereads.empty()) return;
    progress(fmt::format("reading the last lines of {} long log{}", rereads.size(),
                         rereads.size() == 1 ? "" : "s"));
    batch_.run();
    for (auto& [l, fetch] : rereads) {
      if (!fetch->ok()) continue;
      fetch->truncated = true;  // still fewer lines than asked for
      l->fetch = fetch;
    }
  }

  void takeAround() {
    if (nodesFetch_) {
      std::vector<json::value> items;
      if (takeList(nodesFetch_, items, "nodes", "", "nodes")) {
        nodesListed_ = true;
        for (json::value& n : items)
          nodes_.insert_or_assign(kube::ObjectView(n).name(), std::move(n));
      }
      nodesFetch_.reset();
    }
    for (auto& [name, fetch] : nodeFetches_) {
      if (fetch->ok()) {
        nodes_.insert_or_assign(name, std::move(fetch->value));
      } else if (!fetch->notFound()) {
        unreadable("Node " + name, *fetch->error);
      }
    }
    nodeFetches_.clear();
    takeList(pvcsFetch_, pvcs_, "persistentvolumeclaims", listedScope(), "persistentvolumeclaims" + in(ns_));
    takeList(pvsFetch_, pvs_, "persistentvolumes", "", "persistentvolumes");
    takeList(storageClassesFetch_, storageClasses_, "storageclasses", "", "storageclasses.storage.k8s.io");
    takeList(configMapsFetch_, configMaps_, "configmaps", listedScope(), "configmaps" + in(ns_));
    takeList(secretsFetch_, secrets_, "secrets", listedScope(), "secrets" + in(ns_));
    takeList(quotasFetch_, quotas_, "resourcequotas", listedScope(), "resourcequotas" + in(ns_));
    takeList(serviceAccountsFetch_, serviceAccounts_, "serviceaccounts", listedScope(),
             "serviceaccounts" + in(ns_));
    for (const FetchPtr& fetch : metricsFetches_) {
      // The metrics API is an optional add-on: absent (404) or not ready (503) just means no usage figures.
      if (!fetch->ok()) {
        const int code = fetch->error->code();
        if (code != 404 && code != 503) unreadable("metrics.k8s.io usage", *fetch->error);
        continue;
      }
      metricsAvailable_ = true;
      if (fetch->value.is_object()) metrics_.push_back(std::move(fetch->value));
      for (json::value& item : fetch->items)
        metrics_.push_back(std::move(item));
    }
    metricsFetches_.clear();
    for (LogFetch& l : logFetches_) {
      diagnose::LogTail tail;
      if (l.fetch->ok()) {
        tail.fetched = true;
        tail.text = std::move(l.fetch->text);
        tail.truncated = l.fetch->truncated;
      } else {
        const kube::KubeError& error = *l.fetch->error;
        tail.error = errorLine(error);
        // 400 is the kubelet saying there is no such instance (never started, no previous one): expected.
        if (error.code() != 400) {
          unreadable(fmt::format("logs of container {} in pod {}/{}{}", l.container, l.namespace_, l.pod,
                                 l.previous ? " (previous)" : ""),
                     error);
        }
      }
      logs_.push_back(LogResult{l.namespace_, l.pod, l.container, l.previous, std::move(tail)});
    }
    logFetches_.clear();
  }

  // Round 3 and later: owners up the chain, and the events of unhealthy nodes (kubelets report them in the
  // default namespace).
  void fetchFollowUps() {
    FetchPtr nodeEvents;
    if (wants(needs_, Need::Events) && wants(needs_, Need::Nodes) && !all_ && ns_ != "default") {
      bool unhealthy = false;
      for (const std::string& name : nodesOfInterest()) {
        auto it = nodes_.find(name);
        unhealthy = unhealthy || (it != nodes_.end() && nodeUnhealthy(it->second));
      }
      if (unhealthy)
        nodeEvents = batch_.list(types::events, "default", "Event", "", "involvedObject.kind=Node");
    }
    for (int hop = 0; hop < kMaxOwnerHops; ++hop) {
      const bool owners = wants(needs_, Need::Workloads) && requestChainOwners();
      if (batch_.empty()) break;
      progress(owners ? "reading owners" : "reading node events");
      batch_.run();
      takeOwners();
      if (nodeEvents) {
        takeList(nodeEvents, events_, "", "", "events in namespace default");
        nodeEvents.reset();
      }
    }
  }

  // Nodes that matter: those running the pods, or all of them when a pod waits to be scheduled.
  std::set<std::string> nodesOfInterest() const {
    std::set<std::string> names;
    bool anyUnscheduled = false;
    for (const json::value& pod : pods_) {
      const std::string node = kube::PodView(pod).nodeName();
      if (!node.empty()) names.insert(node);
      anyUnscheduled = anyUnscheduled || unscheduled(pod);
    }
    if (anyUnscheduled) {
      for (const auto& [name, node] : nodes_)
        names.insert(name);
    }
    return names;
  }

  // Workloads that matter: every one for a namespace target; otherwise the target, the owner chains of the
  // pods, and the other ReplicaSets and Jobs of the Deployments and CronJobs in those chains.
  std::set<ObjectKey> workloadsOfInterest() const {
    std::set<ObjectKey> keys;
    if (namespaceTarget()) {
      for (const auto& [key, w] : workloads_)
        keys.insert(key);
      return keys;
    }
    auto climb = [&](ObjectKey key) {
      for (int hop = 0; hop < 6; ++hop) {
        auto it = workloads_.find(key);
        if (it == workloads_.end() || !keys.insert(key).second) return;
        auto owner = controllerOf(it->second);
        if (!owner) return;
        key = ObjectKey{owner->kind, key.namespace_, owner->name};
      }
    };
    if (targetKey_) climb(*targetKey_);
    for (const json::value& pod : pods_) {
      auto owner = controllerOf(pod);
      if (owner) climb(ObjectKey{owner->kind, kube::ObjectView(pod).namespace_(), owner->name});
    }
    std::set<ObjectKey> tops;
    for (const ObjectKey& k : keys) {
      if (k.kind == "Deployment" || k.kind == "CronJob") tops.insert(k);
    }
    for (const auto& [key, w] : workloads_) {
      auto owner = controllerOf(w);
      if (owner && tops.count(ObjectKey{owner->kind, key.namespace_, owner->name}) > 0) keys.insert(key);
    }
    return keys;
  }

  // Services that matter: every one for a namespace target; otherwise those selecting a target pod, and
  // those a target pod names in its settings or logs (the server it cannot reach).
  bool serviceOfInterest(const json::value& service, const std::string& podText) const {
    if (namespaceTarget()) return true;
    kube::ServiceView view(service);
    for (const json::value& pod : pods_) {
      kube::PodView p(pod);
      if (p.namespace_() == view.namespace_() && labelsMatch(view.selector(), p.labels())) return true;
    }
    return mentions(podText, view.name()) ||
           (!view.clusterIP().empty() && view.clusterIP() != "None" && mentions(podText, view.clusterIP()));
  }

  std::optional<WallTime> newestTimestamp() const {
    std::optional<WallTime> newest;
    for (const json::value& pod : pods_) {
      kube::PodView view(pod);
      keepLatest(newest, view.creationTimestamp());
      keepLatest(newest, view.startTime());
      for (const kube::Condition& c : view.conditions())
        keepLatest(newest, c.lastTransitionTime);
      for (const auto& statuses : {view.initContainerStatuses(), view.containerStatuses()}) {
        for (const kube::ContainerStatus& s : statuses) {
          for (const kube::ContainerState* state : {&s.state, &s.lastState}) {
            keepLatest(newest, state->startedAt);
            keepLatest(newest, state->finishedAt);
          }
        }
      }
    }
    for (const json::value& e : events_) {
      kube::EventView view(e);
      keepLatest(newest, view.lastTimestamp());
    }
    for (const auto& [key, w] : workloads_) {
      keepLatest(newest, kube::ObjectView(w).creationTimestamp());
      if (const json::value* conditions = lookup(&w, {"status", "conditions"});
          conditions != nullptr && conditions->is_array()) {
        for (const json::value& c : conditions->get_array()) {
          keepLatest(newest, kube::timeAt(&c, {"lastUpdateTime"}));
          keepLatest(newest, kube::timeAt(&c, {"lastTransitionTime"}));
        }
      }
    }
    for (const auto& [name, n] : nodes_) {
      for (const kube::Condition& c : kube::NodeView(n).conditions())
        keepLatest(newest, c.lastTransitionTime);
    }
    return newest;
  }

  std::optional<WallTime> newestHeartbeat() const {
    std::optional<WallTime> newest;
    for (const auto& [name, n] : nodes_) {
      const json::value* conditions = lookup(&n, {"status", "conditions"});
      if (conditions == nullptr || !conditions->is_array()) continue;
      for (const json::value& c : conditions->get_array()) {
        if (stringAt(&c, {"type"}) == "Ready" && stringAt(&c, {"status"}) == "True")
          keepLatest(newest, kube::timeAt(&c, {"lastHeartbeatTime"}));
      }
    }
    return newest;
  }

  Collected assemble() {
    Collected result;
    result.now = analysisTime(options_.now, newestTimestamp(), newestHeartbeat());
    diagnose::EvidenceBuilder builder;

    std::set<ObjectKey> interesting;
    std::string podText;
    for (const json::value& pod : pods_) {
      kube::ObjectView view(pod);
      interesting.insert(ObjectKey{"Pod", view.namespace_(), view.name()});
      podText += containerSettings(pod);
      builder.add(pod);
    }
    for (const LogResult& l : logs_)
      podText.append(l.tail.text).append("\n");

    for (const ObjectKey& key : workloadsOfInterest()) {
      interesting.insert(key);
      builder.add(workloads_.at(key));
    }
    const std::set<std::string> nodeNames = nodesOfInterest();
    for (const std::string& name : nodeNames) {
      auto it = nodes_.find(name);
      if (it == nodes_.end()) continue;
      interesting.insert(ObjectKey{"Node", "", name});
      builder.add(it->second);
    }
    if (nodesListed_ && nodeNames.size() == nodes_.size()) builder.markListed("nodes", "");

    std::set<std::pair<std::string, std::string>> claims;
    for (const json::value& pod : pods_) {
      for (const std::string& claim : claimNames(pod))
        claims.insert({kube::ObjectView(pod).namespace_(), claim});
    }
    std::set<std::string> volumes;
    for (const json::value& pvc : pvcs_) {
      kube::ObjectView view(pvc);
      if (!namespaceTarget() && claims.count({view.namespace_(), view.name()}) == 0) continue;
      interesting.insert(ObjectKey{"PersistentVolumeClaim", view.namespace_(), view.name()});
      volumes.insert(stringAt(&pvc, {"spec", "volumeName"}));
      builder.add(pvc);
    }
    for (const json::value& pv : pvs_) {
      const std::string claimNamespace = stringAt(&pv, {"spec", "claimRef", "namespace"});
      const std::string claimName = stringAt(&pv, {"spec", "claimRef", "name"});
      if (volumes.count(kube::ObjectView(pv).name()) > 0 ||
          interesting.count(ObjectKey{"PersistentVolumeClaim", claimNamespace, claimName}) > 0)
        builder.add(pv);
    }
    for (const json::value& sc : storageClasses_)
      builder.add(sc);

    // ConfigMaps and Secrets the pods refer to, by name; a Secret's values are dropped by the builder.
    for (const json::value& cm : configMaps_) {
      if (configNames_.configMaps.count(kube::ObjectView(cm).name()) > 0) builder.add(cm);
    }
    for (const json::value& secret : secrets_) {
      if (configNames_.secrets.count(kube::ObjectView(secret).name()) > 0 ||
          (registrySecrets_ && registryCredential(secret)))
        builder.add(secret);
    }
    std::set<std::pair<std::string, std::string>> services;
    for (const json::value& service : services_) {
      if (!serviceOfInterest(service, podText)) continue;
      kube::ObjectView view(service);
      services.insert({view.namespace_(), view.name()});
      builder.add(service);
    }
    for (const json::value& e : endpoints_) {
      kube::ObjectView view(e);
      if (services.count({view.namespace_(), view.name()}) > 0) builder.add(e);
    }
    for (const json::value& q : quotas_)
      builder.add(q);
    for (const json::value& sa : serviceAccounts_)
      builder.add(sa);
    for (const json::value& m : metrics_) {
      kube::ObjectView view(m);
      const bool node = view.kind() == "NodeMetrics";
      if (interesting.count(ObjectKey{node ? "Node" : "Pod", view.namespace_(), view.name()}) > 0)
        builder.add(m);
    }
    if (metricsAvailable_) builder.markMetricsAvailable();

    // With --since, events last seen before the window are history (those without a time are kept).
    const WallTime oldest = options_.since ? result.now - *options_.since : WallTime::min();
    std::set<std::string> seenEvents;  // a node event can arrive twice (namespace and node lists)
    for (const json::value& e : events_) {
      kube::EventView view(e);
      kube::ObjectReference involved = view.involvedObject();
      if (interesting.count(ObjectKey{involved.kind, involved.namespace_, involved.name}) == 0) continue;
      if (const auto last = view.lastTimestamp(); last && *last < oldest) continue;
      const std::string uid = view.uid();
      if (!uid.empty() && !seenEvents.insert(uid).second) continue;
      builder.add(e);
    }

    for (const auto& [resource, namespace_] : listed_)
      builder.markListed(resource, namespace_);
    // The pods whose logs were not read get their group's sample, marked as such (after podText: the same
    // text again names no new Service).
    std::map<std::tuple<std::string, std::string, std::string>, std::vector<const LogResult*>> samples;
    for (const LogResult& l : logs_)
      samples[{l.namespace_, l.pod, l.container}].push_back(&l);
    for (const LogShare& share : logShares_) {
      auto it = samples.find({share.namespace_, share.sample, share.container});
      if (it == samples.end()) continue;
      for (const LogResult* l : it->second) {
        diagnose::LogTail tail = l->tail;
        tail.sharedFrom = share.sample;
        builder.setLogs(share.namespace_, share.pod, share.container, l->previous, std::move(tail));
      }
    }
    for (LogResult& l : logs_)
      builder.setLogs(l.namespace_, l.pod, l.container, l.previous, std::move(l.tail));
    for (diagnose::Unreadable& u : unreadable_)
      builder.addUnreadable(std::move(u.what), std::move(u.error));

    result.evidence = builder.build();
    result.requests = batch_.requests();
    result.rounds = batch_.rounds();
    return result;
  }

  struct OwnerFetch {
    ObjectKey key;
    bool speculative = false;  // implied by a name: a 404 is no news
    FetchPtr fetch;
  };
  struct LogShare {  // a container whose log was not read: the sample's stands for it
    std::string namespace_;
    std::string pod;
    std::string container;
    std::string sample;
  };
  struct LogResult {
    std::string namespace_;
    std::string pod;
    std::string container;
    bool previous = false;
    diagnose::LogTail tail;
  };

  const Options& options_;
  const unsigned needs_;
  Batch batch_;
  const bool all_;
  const std::string ns_;  // empty with all namespaces

  std::optional<ObjectKey> targetKey_;  // a workload target
  std::vector<json::value> pods_;
  std::map<ObjectKey, json::value> workloads_;
  std::map<std::string, json::value> nodes_;
  std::vector<json::value> events_, services_, endpoints_, pvcs_, pvs_, storageClasses_, configMaps_,
      secrets_, quotas_, serviceAccounts_, metrics_;
  ConfigNames configNames_;
  std::set<std::pair<std::string, std::string>> listed_;
  std::vector<diagnose::Unreadable> unreadable_;
  std::vector<LogResult> logs_;
  std::vector<LogShare> logShares_;
  bool metricsAvailable_ = false;
  bool registrySecrets_ = false;  // keep the namespace's registry credentials
  bool workloadsListed_ = false;
  bool nodesListed_ = false;

  // Requests in flight.
  FetchPtr eventsFetch_, servicesFetch_, endpointsFetch_, nodesFetch_, pvcsFetch_, pvsFetch_,
      storageClassesFetch_, configMapsFetch_, secretsFetch_, quotasFetch_, serviceAccountsFetch_;
  std::vector<std::pair<std::string, FetchPtr>> workloadLists_;
  std::vector<std::tuple<std::string, std::string, FetchPtr>> ownerLists_;  // kind, namespace, list
  std::set<std::pair<std::string, std::string>> listedOwnerKinds_;          // kind, namespace
  std::set<ObjectKey> requestedOwners_;
  std::vector<OwnerFetch> ownerFetches_;
  std::vector<std::pair<std::string, FetchPtr>> nodeFetches_;
  std::vector<FetchPtr> metricsFetches_;
  std::vector<LogFetch> logFetches_;
};

}  // namespace

Collected collect(kube::Client& client, const Options& options) {
  return Collector(client, options).run();
}

unsigned allNeeds() {
  unsigned needs = 0;
  for (const diagnose::AnalyzerInfo& analyzer : diagnose::analyzers())
    needs |= analyzer.needs;
  return needs;
}

WallTime analysisTime(WallTime local, std::optional<WallTime> newest, std::optional<WallTime> heartbeat) {
  using std::chrono::minutes;
  if (newest && *newest > local + minutes(2)) return *newest;  // the cluster's clock is ahead of ours
  if (heartbeat && *heartbeat < local - minutes(15))           // ... or behind it
    return newest && *newest > *heartbeat ? *newest : *heartbeat;
  return local;
}

}  // namespace aiops::collect

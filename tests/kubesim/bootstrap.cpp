// The initial state of the simulated cluster: the built-in resources registered with the store, what every
// real cluster has before anyone touches it (namespaces, default service accounts, the `kubernetes`
// service, the bootstrap RBAC policy of rbac.h), and then the scenario's or dump's objects and logs.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "api.h"
#include "errors.h"

namespace kubesim {

namespace json = boost::json;

namespace {

std::string describe(const json::object& obj) {
  std::string ns(metaString(obj, "namespace"));
  return fmt::format("{} {}{}{} ({})", stringField(obj, "kind"), ns, ns.empty() ? "" : "/",
                     metaString(obj, "name"), stringField(obj, "apiVersion"));
}

}  // namespace

void ApiServer::registerBuiltins() {
  for (const ResourceType& t : builtinResources()) {
    GroupResource gr = storageOf(t);
    if (!store_.isRegistered(gr)) store_.registerResource(gr, traitsOf(t));
  }
}

void ApiServer::loadObject(json::object object, const std::string& origin) {
  std::string apiVersion(stringField(object, "apiVersion"));
  std::string kind(stringField(object, "kind"));
  std::size_t slash = apiVersion.find('/');
  std::string group = slash == std::string::npos ? "" : apiVersion.substr(0, slash);
  std::string version = slash == std::string::npos ? apiVersion : apiVersion.substr(slash + 1);
  std::optional<ResourceType> type;
  for (const ResourceType& t : catalog_.all())
    if (t.group == group && t.version == version && t.kind == kind) type = t;
  if (!type) throw StateError(fmt::format("{}: {} is not a kind kubesim serves", origin, describe(object)));
  if (metaString(object, "name").empty())
    throw StateError(fmt::format("{}: {} has no metadata.name", origin, describe(object)));
  if (type->namespaced && metaString(object, "namespace").empty())
    metadataOf(object)["namespace"] = "default";
  applyDefaults(*type, object);
  if (type->group == "apiextensions.k8s.io" && !object.contains("status")) {
    json::object copy = object;
    try {
      prepareForCreate(*type, copy);
    } catch (const ApiError& e) {
      throw StateError(fmt::format("{}: {}: {}", origin, describe(object), e.what()));
    }
    object["status"] = copy["status"];
  }
  try {
    ObjectPtr stored = store_.create(storageOf(*type), toStorage(*type, std::move(object)), {false, true});
    afterWrite(*type, *stored, false);
  } catch (const ApiError& e) {
    throw StateError(fmt::format("{}: {}", origin, e.what()));
  }
}

void ApiServer::load(const ClusterState& state) {
  const GroupResource namespaces{"", "namespaces"};
  auto kindOf = [](const json::object& o) { return stringField(o, "kind"); };
  auto originOf = [&](std::size_t i) { return fmt::format("object {}", i + 1); };

  // Namespaces and CRDs first: other objects live in the one and may be instances of the other.
  for (std::size_t i = 0; i < state.objects.size(); ++i)
    if (kindOf(state.objects[i]) == "Namespace" || kindOf(state.objects[i]) == "CustomResourceDefinition")
      loadObject(state.objects[i], originOf(i));
  std::set<std::string> wanted = {"default", "kube-system", "kube-public", "kube-node-lease"};
  for (const json::object& o : state.objects)
    if (std::string_view ns = metaString(o, "namespace"); !ns.empty()) wanted.insert(std::string(ns));
  for (const std::string& ns : wanted)
    if (!store_.get(namespaces, "", ns))
      loadObject(
          json::object{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", json::object{{"name", ns}}}},
          "namespace " + ns);

  for (const json::object& o : bootstrapPolicy()) {
    GroupResource gr{"rbac.authorization.k8s.io",
                     o.at("kind") == "ClusterRole" ? "clusterroles" : "clusterrolebindings"};
    bool overridden = std::any_of(state.objects.begin(), state.objects.end(), [&](const json::object& s) {
      return kindOf(s) == kindOf(o) && metaString(s, "name") == metaString(o, "name");
    });
    if (!overridden && !store_.get(gr, "", metaString(o, "name"))) loadObject(o, "bootstrap RBAC");
  }
  bool hasKubernetesService =
      std::any_of(state.objects.begin(), state.objects.end(), [&](const json::object& s) {
        return kindOf(s) == "Service" && metaString(s, "name") == "kubernetes" &&
               metaString(s, "namespace") == "default";
      });
  if (!hasKubernetesService)
    loadObject(
        json::object{{"apiVersion", "v1"},
                     {"kind", "Service"},
                     {"metadata", json::object{{"name", "kubernetes"},
                                               {"namespace", "default"},
                                               {"labels", json::object{{"component", "apiserver"},
                                                                       {"provider", "kubernetes"}}}}},
                     {"spec", json::object{{"clusterIP", "10.96.0.1"},
                                           {"ports", json::array{json::object{{"name", "https"},
                                                                              {"port", 443},
                                                                              {"protocol", "TCP"},
                                                                              {"targetPort", 6443}}}}}},
                     {"status", json::object{{"loadBalancer", json::object{}}}}},
        "kubernetes service");

  for (std::size_t i = 0; i < state.objects.size(); ++i) {
    std::string_view kind = kindOf(state.objects[i]);
    if (kind == "Namespace" || kind == "CustomResourceDefinition" || kind == "Event") continue;
    loadObject(state.objects[i], originOf(i));
  }
  // Events last, so that one naming an object without its uid (as hand-written scenarios do) can be given
  // the uid: `kubectl describe` finds an object's events by involvedObject.uid.
  for (std::size_t i = 0; i < state.objects.size(); ++i) {
    if (kindOf(state.objects[i]) != "Event") continue;
    json::object event = state.objects[i];
    bool core = stringField(event, "apiVersion") == "v1";
    if (json::object* ref = objectField(event, core ? "involvedObject" : "regarding");
        ref && stringField(*ref, "uid").empty()) {
      std::string apiVersion(stringField(*ref, "apiVersion"));
      std::size_t slash = apiVersion.find('/');
      std::string group = slash == std::string::npos ? "" : apiVersion.substr(0, slash);
      if (auto type = catalog_.findByKind(group, stringField(*ref, "kind"))) {
        std::string ns(stringField(*ref, "namespace"));
        if (ns.empty() && type->namespaced)
          ns = metaString(event, "namespace").empty() ? "default"
                                                      : std::string(metaString(event, "namespace"));
        if (ObjectPtr target =
                store_.get(storageOf(*type), type->namespaced ? ns : "", stringField(*ref, "name")))
          (*ref)["uid"] = std::string(metaString(*target, "uid"));
      }
    }
    loadObject(std::move(event), originOf(i));
  }
  // What the service account controller does for every namespace.
  for (const ObjectPtr& ns : store_.list(namespaces).items)
    ensureDefaultServiceAccount(std::string(metaString(*ns, "name")));
  for (const auto& [key, text] : state.logs) {
    if (auto generated = state.generatedLogs.find(key); generated != state.generatedLogs.end()) {
      logs_.setGenerated(key, generated->second, text);
    } else {
      logs_.set(key, text);
    }
  }
}

void ApiServer::ensureDefaultServiceAccount(const std::string& ns) {
  const GroupResource serviceAccounts{"", "serviceaccounts"};
  if (store_.get(serviceAccounts, ns, "default")) return;
  try {
    store_.create(serviceAccounts,
                  json::object{{"apiVersion", "v1"},
                               {"kind", "ServiceAccount"},
                               {"metadata", json::object{{"name", "default"}, {"namespace", ns}}}});
  } catch (const ApiError&) {
    // created concurrently, or the namespace went away: either way nothing to do
  }
}

}  // namespace kubesim

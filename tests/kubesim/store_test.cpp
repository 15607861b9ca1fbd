// Store semantics: identity, resourceVersions, preconditions, generation, status scoping, deletion cascades,
// pagination, the watch history and the log store.
#include "store.h"

#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "errors.h"

namespace kubesim {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class FixedClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override { return at; }
  std::chrono::system_clock::time_point at = std::chrono::sys_days{std::chrono::year{2026} / 3 / 1} + 12h;
};

const GroupResource kNamespaces{"", "namespaces"};
const GroupResource kConfigMaps{"", "configmaps"};
const GroupResource kPods{"", "pods"};
const GroupResource kDeployments{"apps", "deployments"};
const GroupResource kReplicaSets{"apps", "replicasets"};
const GroupResource kNodes{"", "nodes"};

json::object object(std::string_view kind, std::string_view ns, std::string_view name,
                    json::object extra = {}) {
  json::object meta{{"name", name}};
  if (!ns.empty()) meta["namespace"] = ns;
  json::object o{{"kind", kind}, {"metadata", std::move(meta)}};
  for (auto& kv : extra)
    o[kv.key()] = kv.value();
  return o;
}

// What a throwing call answered, as "<code> <reason>: <message>".
template <typename F>
std::string errorOf(F&& f) {
  try {
    f();
  } catch (const ApiError& e) {
    return std::to_string(e.code()) + " " + e.reason() + ": " + e.what();
  }
  return "no error";
}

class StoreTest : public ::testing::Test {
 protected:
  StoreTest() : store_(clock_, 100) {
    store_.registerResource(kNamespaces, {false, true, false, false});
    store_.registerResource(kConfigMaps, {true, false, false, false});
    store_.registerResource(kPods, {true, true, false, false});
    store_.registerResource(kDeployments, {true, true, true, false});
    store_.registerResource(kReplicaSets, {true, true, true, false});
    store_.registerResource(kNodes, {false, true, false, false});
    store_.create(kNamespaces, object("Namespace", "", "default"));
    store_.create(kNamespaces, object("Namespace", "", "other"));
  }
  std::string rv(const ObjectPtr& o) { return std::string(metaString(*o, "resourceVersion")); }
  FixedClock clock_;
  Store store_;
};

TEST_F(StoreTest, CreateAssignsIdentity) {
  ObjectPtr cm = store_.create(kConfigMaps, object("ConfigMap", "default", "a"));
  EXPECT_EQ(rv(cm), "3");
  EXPECT_EQ(metaString(*cm, "creationTimestamp"), "2026-03-01T12:00:00Z");
  EXPECT_TRUE(
      std::regex_match(std::string(metaString(*cm, "uid")),
                       std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  EXPECT_FALSE(cm->at("metadata").as_object().contains("generation"));
  ObjectPtr d = store_.create(kDeployments, object("Deployment", "default", "web"));
  EXPECT_EQ(d->at("metadata").at("generation"), 1);
  EXPECT_EQ(store_.revision(), 4u);
}

TEST_F(StoreTest, ClientSuppliedIdentityIsReplacedUnlessRestoring) {
  json::object o = object("ConfigMap", "default", "a");
  metadataOf(o)["uid"] = "given";
  metadataOf(o)["creationTimestamp"] = "2020-01-01T00:00:00Z";
  metadataOf(o)["resourceVersion"] = "999";
  ObjectPtr created = store_.create(kConfigMaps, o);
  EXPECT_NE(metaString(*created, "uid"), "given");
  EXPECT_EQ(metaString(*created, "creationTimestamp"), "2026-03-01T12:00:00Z");
  metadataOf(o)["name"] = "b";
  metadataOf(o)["namespace"] = "not-yet-created";
  ObjectPtr restored = store_.create(kConfigMaps, o, {false, true});
  EXPECT_EQ(metaString(*restored, "uid"), "given");
  EXPECT_EQ(metaString(*restored, "creationTimestamp"), "2020-01-01T00:00:00Z");
  EXPECT_EQ(rv(restored), "4");
}

TEST_F(StoreTest, CreateErrors) {
  store_.create(kConfigMaps, object("ConfigMap", "default", "a"));
  EXPECT_EQ(errorOf([&] { store_.create(kConfigMaps, object("ConfigMap", "default", "a")); }),
            "409 AlreadyExists: configmaps \"a\" already exists");
  EXPECT_EQ(errorOf([&] { store_.create(kDeployments, object("Deployment", "nope", "a")); }),
            "404 NotFound: namespaces \"nope\" not found");
  // The same name in another namespace is another object.
  EXPECT_EQ(metaString(*store_.create(kConfigMaps, object("ConfigMap", "other", "a")), "namespace"), "other");
}

TEST_F(StoreTest, GenerateName) {
  json::object o = object("ConfigMap", "default", "");
  metadataOf(o)["generateName"] = "job-";
  ObjectPtr a = store_.create(kConfigMaps, o);
  ObjectPtr b = store_.create(kConfigMaps, o);
  EXPECT_TRUE(std::regex_match(std::string(metaString(*a, "name")),
                               std::regex("job-[bcdfghjklmnpqrstvwxz2456789]{5}")));
  EXPECT_NE(metaString(*a, "name"), metaString(*b, "name"));
}

TEST_F(StoreTest, DryRunCreatesNothing) {
  ObjectPtr dry = store_.create(kConfigMaps, object("ConfigMap", "default", "a"), {true, false});
  EXPECT_EQ(metaString(*dry, "name"), "a");
  EXPECT_EQ(store_.get(kConfigMaps, "default", "a"), nullptr);
  EXPECT_EQ(store_.revision(), 2u);
}

TEST_F(StoreTest, StaleResourceVersionIsAConflict) {
  ObjectPtr d = store_.create(
      kDeployments, object("Deployment", "default", "x", {{"spec", json::object{{"replicas", 1}}}}));
  json::object next = *d;
  next["spec"].as_object()["replicas"] = 2;
  ObjectPtr updated = store_.update(kDeployments, next);
  EXPECT_EQ(rv(updated), "4");
  EXPECT_EQ(
      errorOf([&] { store_.update(kDeployments, next); }),
      "409 Conflict: Operation cannot be fulfilled on deployments.apps \"x\": the object has been modified; "
      "please apply your changes to the latest version and try again");
  // Without a resourceVersion the update is unconditional.
  metadataOf(next).erase("resourceVersion");
  next["spec"].as_object()["replicas"] = 3;
  EXPECT_EQ(rv(store_.update(kDeployments, next)), "5");
  EXPECT_EQ(errorOf([&] { store_.update(kDeployments, object("Deployment", "default", "missing")); }),
            "404 NotFound: deployments.apps \"missing\" not found");
}

TEST_F(StoreTest, AnUpdateThatChangesNothingIsNotWritten) {
  ObjectPtr cm =
      store_.create(kConfigMaps, object("ConfigMap", "default", "a", {{"data", json::object{{"k", "v"}}}}));
  ObjectPtr same = store_.update(kConfigMaps, *cm);
  EXPECT_EQ(same, cm);
  EXPECT_EQ(store_.revision(), 3u);
}

TEST_F(StoreTest, GenerationFollowsSpecOnly) {
  ObjectPtr d = store_.create(
      kDeployments, object("Deployment", "default", "x", {{"spec", json::object{{"replicas", 1}}}}));
  json::object labelled = *d;
  metadataOf(labelled)["labels"] = json::object{{"a", "b"}};
  ObjectPtr afterLabel = store_.update(kDeployments, labelled);
  EXPECT_EQ(afterLabel->at("metadata").at("generation"), 1);
  json::object scaled = *afterLabel;
  scaled["spec"].as_object()["replicas"] = 5;
  EXPECT_EQ(store_.update(kDeployments, scaled)->at("metadata").at("generation"), 2);
  json::object status = *store_.get(kDeployments, "default", "x");
  status["status"] = json::object{{"replicas", 5}};
  EXPECT_EQ(
      store_.update(kDeployments, status, {UpdateScope::Status, false})->at("metadata").at("generation"), 2);
}

TEST_F(StoreTest, StatusBelongsToTheStatusSubresource) {
  ObjectPtr d = store_.create(kDeployments, object("Deployment", "default", "x",
                                                   {{"spec", json::object{{"replicas", 1}}},
                                                    {"status", json::object{{"replicas", 0}}}}));
  json::object main = *d;
  main["status"] = json::object{{"replicas", 7}};
  main["spec"].as_object()["replicas"] = 2;
  ObjectPtr afterMain = store_.update(kDeployments, main);
  EXPECT_EQ(afterMain->at("status").at("replicas"), 0);
  EXPECT_EQ(afterMain->at("spec").at("replicas"), 2);
  json::object status = *afterMain;
  status["status"] = json::object{{"replicas", 2}};
  status["spec"].as_object()["replicas"] = 9;
  ObjectPtr afterStatus = store_.update(kDeployments, status, {UpdateScope::Status, false});
  EXPECT_EQ(afterStatus->at("status").at("replicas"), 2);
  EXPECT_EQ(afterStatus->at("spec").at("replicas"), 2);
}

TEST_F(StoreTest, ModifyRetriesOnConcurrentChangesButNotPinnedOnes) {
  store_.create(kConfigMaps, object("ConfigMap", "default", "a", {{"data", json::object{{"n", "0"}}}}));
  int calls = 0;
  ObjectPtr r = store_.modify(kConfigMaps, "default", "a", [&](const json::object& current) {
    if (calls++ == 0) {
      // Someone else writes between this read and its write.
      json::object other = current;
      other["data"].as_object()["n"] = "1";
      store_.update(kConfigMaps, other);
    }
    json::object next = current;
    next["data"].as_object()["m"] = "x";
    return next;
  });
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(r->at("data"), (json::object{{"n", "1"}, {"m", "x"}}));
  EXPECT_EQ(
      errorOf([&] {
        store_.modify(kConfigMaps, "default", "a", [](const json::object& current) {
          json::object next = current;
          metadataOf(next)["resourceVersion"] = "1";
          next["data"].as_object()["z"] = "1";
          return next;
        });
      }),
      "409 Conflict: Operation cannot be fulfilled on configmaps \"a\": the object has been modified; please "
      "apply your changes to the latest version and try again");
}

TEST_F(StoreTest, DeleteCascadesToDependentsUnlessOrphaned) {
  ObjectPtr rs = store_.create(kReplicaSets, object("ReplicaSet", "default", "rs"));
  json::array owner{json::object{{"apiVersion", "apps/v1"},
                                 {"kind", "ReplicaSet"},
                                 {"name", "rs"},
                                 {"uid", metaString(*rs, "uid")},
                                 {"controller", true}}};
  for (std::string_view name : {"p1", "p2"}) {
    json::object pod = object("Pod", "default", name);
    metadataOf(pod)["ownerReferences"] = owner;
    store_.create(kPods, pod);
  }
  ObjectPtr removed = store_.remove(kReplicaSets, "default", "rs");
  EXPECT_EQ(metaString(*removed, "name"), "rs");
  EXPECT_EQ(store_.list(kPods).items.size(), 0u);

  ObjectPtr rs2 = store_.create(kReplicaSets, object("ReplicaSet", "default", "rs2"));
  json::object pod = object("Pod", "default", "p3");
  metadataOf(pod)["ownerReferences"] =
      json::array{json::object{{"kind", "ReplicaSet"}, {"name", "rs2"}, {"uid", metaString(*rs2, "uid")}}};
  store_.create(kPods, pod);
  store_.remove(kReplicaSets, "default", "rs2", {false, "", "", Propagation::Orphan, std::nullopt});
  ObjectPtr orphan = store_.get(kPods, "default", "p3");
  ASSERT_NE(orphan, nullptr);
  EXPECT_FALSE(orphan->at("metadata").as_object().contains("ownerReferences"));
}

TEST_F(StoreTest, DeletingANamespaceDeletesItsContents) {
  store_.create(kConfigMaps, object("ConfigMap", "other", "a"));
  store_.create(kPods, object("Pod", "other", "p"));
  store_.create(kConfigMaps, object("ConfigMap", "default", "keep"));
  ObjectPtr ns = store_.remove(kNamespaces, "", "other");
  EXPECT_EQ(ns->at("status").at("phase"), "Terminating");
  EXPECT_EQ(store_.list(kConfigMaps).items.size(), 1u);
  EXPECT_EQ(store_.list(kPods).items.size(), 0u);
}

TEST_F(StoreTest, DeletePreconditions) {
  ObjectPtr cm = store_.create(kConfigMaps, object("ConfigMap", "default", "a"));
  EXPECT_EQ(errorOf([&] {
              store_.remove(kConfigMaps, "default", "a",
                            {false, "wrong", "", Propagation::Background, std::nullopt});
            }),
            "409 Conflict: Operation cannot be fulfilled on configmaps \"a\": Precondition failed: UID in "
            "precondition: wrong, UID in object meta: " +
                std::string(metaString(*cm, "uid")));
  EXPECT_EQ(
      errorOf([&] {
        store_.remove(kConfigMaps, "default", "a", {false, "", "1", Propagation::Background, std::nullopt});
      }),
      "409 Conflict: Operation cannot be fulfilled on configmaps \"a\": Precondition failed: ResourceVersion "
      "in precondition: 1, ResourceVersion in object meta: 3");
  EXPECT_EQ(errorOf([&] { store_.remove(kConfigMaps, "default", "b"); }),
            "404 NotFound: configmaps \"b\" not found");
}

TEST_F(StoreTest, ListsPageWithContinueTokens) {
  for (std::string_view name : {"e", "a", "d", "c", "b"})
    store_.create(kConfigMaps, object("ConfigMap", "default", name));
  store_.create(kConfigMaps, object("ConfigMap", "other", "z"));
  ListOptions options;
  options.namespace_ = "default";
  options.limit = 2;
  ListResult first = store_.list(kConfigMaps, options);
  ASSERT_EQ(first.items.size(), 2u);
  EXPECT_EQ(metaString(*first.items[0], "name"), "a");
  EXPECT_EQ(metaString(*first.items[1], "name"), "b");
  EXPECT_EQ(first.remainingItemCount, 3);
  EXPECT_EQ(first.revision, 8u);
  options.continueToken = first.continueToken;
  ListResult second = store_.list(kConfigMaps, options);
  ASSERT_EQ(second.items.size(), 2u);
  EXPECT_EQ(metaString(*second.items[0], "name"), "c");
  options.continueToken = second.continueToken;
  ListResult last = store_.list(kConfigMaps, options);
  ASSERT_EQ(last.items.size(), 1u);
  EXPECT_EQ(metaString(*last.items[0], "name"), "e");
  EXPECT_TRUE(last.continueToken.empty());
  EXPECT_FALSE(last.remainingItemCount.has_value());
  options.continueToken = "garbage!";
  EXPECT_EQ(errorOf([&] { store_.list(kConfigMaps, options); }).substr(0, 15), "400 BadRequest:");
  // All namespaces, with a predicate.
  ListOptions all;
  all.predicate = [](const json::object& o) { return metaString(o, "name") > "c"; };
  ListResult filtered = store_.list(kConfigMaps, all);
  ASSERT_EQ(filtered.items.size(), 3u);
  EXPECT_EQ(metaString(*filtered.items[2], "name"), "z");
}

TEST_F(StoreTest, WatchReplaysHistoryAfterARevision) {
  std::uint64_t start = store_.revision();
  store_.create(kConfigMaps, object("ConfigMap", "default", "a"));
  store_.create(kConfigMaps, object("ConfigMap", "other", "b"));
  store_.create(kPods, object("Pod", "default", "p"));
  store_.remove(kConfigMaps, "default", "a");
  auto watch = store_.watch(kConfigMaps, "default", start);
  auto first = watch->next(0ms);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->type, EventType::Added);
  EXPECT_EQ(metaString(*first->object, "name"), "a");
  auto second = watch->next(0ms);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->type, EventType::Deleted);
  EXPECT_EQ(metaString(*second->object, "resourceVersion"), "6");
  EXPECT_FALSE(watch->next(10ms));
  EXPECT_EQ(watch->revision(), 6u);
}

TEST_F(StoreTest, WatchWaitsForTheNextChange) {
  auto watch = store_.watch(kConfigMaps, "", store_.revision());
  std::thread writer([&] {
    std::this_thread::sleep_for(50ms);
    store_.create(kConfigMaps, object("ConfigMap", "default", "late"));
  });
  auto event = watch->next(5s);
  writer.join();
  ASSERT_TRUE(event);
  EXPECT_EQ(metaString(*event->object, "name"), "late");
  EXPECT_EQ(event->previous, nullptr);
}

TEST_F(StoreTest, ModifiedEventsCarryThePreviousState) {
  ObjectPtr cm = store_.create(kConfigMaps, object("ConfigMap", "default", "a"));
  auto watch = store_.watch(kConfigMaps, "", store_.revision());
  json::object next = *cm;
  next["data"] = json::object{{"k", "v"}};
  store_.update(kConfigMaps, next);
  auto event = watch->next(0ms);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->type, EventType::Modified);
  ASSERT_NE(event->previous, nullptr);
  EXPECT_FALSE(event->previous->contains("data"));
}

TEST_F(StoreTest, WatchFromBeforeTheHistoryIsExpired) {
  for (int i = 0; i < 120; ++i)
    store_.create(kConfigMaps, object("ConfigMap", "default", "c" + std::to_string(i)));
  EXPECT_EQ(errorOf([&] { store_.watch(kConfigMaps, "", 5); }),
            "410 Expired: too old resource version: 5 (22)");
  EXPECT_NO_THROW(store_.watch(kConfigMaps, "", 22));
}

TEST_F(StoreTest, ShutdownEndsWatches) {
  auto watch = store_.watch(kConfigMaps, "", store_.revision());
  std::thread stopper([&] {
    std::this_thread::sleep_for(50ms);
    store_.shutdown();
  });
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(watch->next(10s));
  stopper.join();
  EXPECT_TRUE(watch->closed());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST_F(StoreTest, ObserversSeeEveryCommitInOrder) {
  std::vector<std::string> seen;
  store_.addObserver([&](const StoreEvent& e) {
    seen.push_back(std::string(eventTypeName(e.type)) + " " + e.resource.str() + " " +
                   std::string(metaString(*e.object, "name")) + " " + std::to_string(e.revision));
  });
  ObjectPtr cm = store_.create(kConfigMaps, object("ConfigMap", "default", "a"));
  json::object next = *cm;
  next["data"] = json::object{{"k", "v"}};
  store_.update(kConfigMaps, next);
  store_.remove(kConfigMaps, "default", "a");
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED configmaps a 3", "MODIFIED configmaps a 4",
                                            "DELETED configmaps a 5"}));
}

// Pods as the controller manager registers them: status subresource and graceful deletion.
class GracefulStoreTest : public StoreTest {
 protected:
  GracefulStoreTest() { store_.registerResource(kPods, {true, true, false, true}); }
  ObjectPtr pod(std::string_view name, json::array finalizers = {}) {
    json::object p = object("Pod", "default", name, {{"spec", json::object{{"nodeName", "node-1"}}}});
    if (!finalizers.empty()) metadataOf(p)["finalizers"] = std::move(finalizers);
    return store_.create(kPods, p);
  }
  // "TYPE deletionTimestamp/deletionGracePeriodSeconds" of each change to the pods after `from`.
  std::vector<std::string> changes(std::uint64_t from) {
    auto watch = store_.watch(kPods, "default", from);
    std::vector<std::string> out;
    while (std::optional<StoreEvent> e = watch->next(0ms)) {
      const json::object& meta = e->object->at("metadata").as_object();
      std::string grace = meta.contains("deletionGracePeriodSeconds")
                              ? json::serialize(meta.at("deletionGracePeriodSeconds"))
                              : std::string("-");
      out.push_back(std::string(eventTypeName(e->type)) + " " +
                    std::string(stringField(meta, "deletionTimestamp")) + "/" + grace);
    }
    return out;
  }
  DeleteOptions grace(std::int64_t seconds) {
    DeleteOptions options;
    options.gracePeriodSeconds = seconds;
    return options;
  }
};

TEST_F(GracefulStoreTest, UpdatesDuringTheGracePeriodKeepThePod) {
  pod("web");
  std::uint64_t start = store_.revision();
  ObjectPtr marked = store_.remove(kPods, "default", "web");
  EXPECT_EQ(metaString(*marked, "deletionTimestamp"), "2026-03-01T12:00:30Z");
  EXPECT_EQ(marked->at("metadata").at("deletionGracePeriodSeconds"), 30);
  // The kubelet reports the stopped containers; neither that nor a label change finishes the deletion.
  json::object status = *marked;
  status["status"] = json::object{{"phase", "Running"}};
  store_.update(kPods, status, {UpdateScope::Status, false});
  store_.modify(kPods, "default", "web", [](const json::object& current) {
    json::object next = current;
    metadataOf(next)["labels"] = json::object{{"app", "web"}};
    return next;
  });
  ObjectPtr kept = store_.get(kPods, "default", "web");
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(metaString(*kept, "deletionTimestamp"), "2026-03-01T12:00:30Z");
  EXPECT_EQ(kept->at("status").at("phase"), "Running");
  // The kubelet's final delete (gracePeriodSeconds=0) brings the period to 0 and removes it.
  clock_.at += 2s;
  ObjectPtr gone = store_.remove(kPods, "default", "web", grace(0));
  EXPECT_EQ(store_.get(kPods, "default", "web"), nullptr);
  EXPECT_EQ(gone->at("metadata").at("deletionGracePeriodSeconds"), 0);
  EXPECT_EQ(changes(start),
            (std::vector<std::string>{"MODIFIED 2026-03-01T12:00:30Z/30", "MODIFIED 2026-03-01T12:00:30Z/30",
                                      "MODIFIED 2026-03-01T12:00:30Z/30", "MODIFIED 2026-03-01T12:00:00Z/0",
                                      "DELETED 2026-03-01T12:00:00Z/0"}));
}

TEST_F(GracefulStoreTest, ALaterDeleteOnlyShortensTheGracePeriod) {
  pod("web");
  ObjectPtr marked = store_.remove(kPods, "default", "web", grace(30));
  clock_.at += 5s;
  // A longer (or equal, or unspecified) period changes nothing.
  EXPECT_EQ(store_.remove(kPods, "default", "web", grace(60)), marked);
  EXPECT_EQ(store_.remove(kPods, "default", "web"), marked);
  // A shorter one counts from the first request: 12:00:00 + 10 s.
  ObjectPtr shorter = store_.remove(kPods, "default", "web", grace(10));
  EXPECT_EQ(metaString(*shorter, "deletionTimestamp"), "2026-03-01T12:00:10Z");
  EXPECT_EQ(shorter->at("metadata").at("deletionGracePeriodSeconds"), 10);
  // Negative periods count as 1 s.
  ObjectPtr negative = store_.remove(kPods, "default", "web", grace(-5));
  EXPECT_EQ(metaString(*negative, "deletionTimestamp"), "2026-03-01T12:00:01Z");
  EXPECT_EQ(negative->at("metadata").at("deletionGracePeriodSeconds"), 1);
  ASSERT_NE(store_.get(kPods, "default", "web"), nullptr);
}

TEST_F(GracefulStoreTest, FinalizersHoldAPodPastItsFinalDelete) {
  pod("web", {"example.com/cleanup"});
  store_.remove(kPods, "default", "web");
  ObjectPtr held = store_.remove(kPods, "default", "web", grace(0));
  EXPECT_EQ(held->at("metadata").at("deletionGracePeriodSeconds"), 0);
  ASSERT_NE(store_.get(kPods, "default", "web"), nullptr);
  // Deleting again while only finalizers hold it changes nothing.
  EXPECT_EQ(store_.remove(kPods, "default", "web", grace(0)), held);
  std::uint64_t before = store_.revision();
  json::object cleared = *held;
  metadataOf(cleared).erase("finalizers");
  ObjectPtr gone = store_.update(kPods, cleared);
  EXPECT_EQ(store_.get(kPods, "default", "web"), nullptr);
  EXPECT_FALSE(gone->at("metadata").as_object().contains("finalizers"));
  // The emptying update is not written on its own: the DELETED event carries it.
  EXPECT_EQ(changes(before), (std::vector<std::string>{"DELETED 2026-03-01T12:00:00Z/0"}));
}

TEST_F(GracefulStoreTest, RemovingFinalizersDuringTheGracePeriodLeavesTheDeletionToTheKubelet) {
  pod("web", {"example.com/cleanup"});
  ObjectPtr marked = store_.remove(kPods, "default", "web");
  json::object cleared = *marked;
  metadataOf(cleared).erase("finalizers");
  store_.update(kPods, cleared);
  ASSERT_NE(store_.get(kPods, "default", "web"), nullptr);
  store_.remove(kPods, "default", "web", grace(0));
  EXPECT_EQ(store_.get(kPods, "default", "web"), nullptr);
}

TEST_F(GracefulStoreTest, AZeroPeriodWithFinalizersMarksTheObjectNow) {
  pod("web", {"example.com/cleanup"});
  ObjectPtr marked = store_.remove(kPods, "default", "web", grace(0));
  EXPECT_EQ(metaString(*marked, "deletionTimestamp"), "2026-03-01T12:00:00Z");
  EXPECT_EQ(marked->at("metadata").at("deletionGracePeriodSeconds"), 0);
  json::object cleared = *marked;
  metadataOf(cleared).erase("finalizers");
  store_.update(kPods, cleared);
  EXPECT_EQ(store_.get(kPods, "default", "web"), nullptr);
  // Without finalizers a zero period deletes at once.
  pod("force");
  store_.remove(kPods, "default", "force", grace(0));
  EXPECT_EQ(store_.get(kPods, "default", "force"), nullptr);
}

TEST(LogStoreTest, FollowersSeeAppendedText) {
  LogStore logs;
  LogKey key{"default", "p", "c", false};
  EXPECT_FALSE(logs.get(key));
  EXPECT_FALSE(logs.readFrom(key, 0, 0ms));
  logs.set(key, "one\n");
  EXPECT_EQ(logs.readFrom(key, 0, 0ms), "one\n");
  EXPECT_EQ(logs.readFrom(key, 4, 10ms), "");
  std::thread writer([&] {
    std::this_thread::sleep_for(50ms);
    logs.append(key, "two\n");
  });
  EXPECT_EQ(logs.readFrom(key, 4, 5s), "two\n");
  writer.join();
  EXPECT_EQ(logs.get(key), "one\ntwo\n");
}

}  // namespace
}  // namespace kubesim

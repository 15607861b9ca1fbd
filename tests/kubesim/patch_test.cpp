// Tests of the patch mechanisms (JSON merge patch, JSON patch, strategic merge patch) and of server-side
// apply and managedFields, with realistic Deployments and the API server's exact errors.
#include "patch.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace kubesim {
namespace {

namespace json = boost::json;

const OpenApi& api() {
  static const OpenApi loaded = OpenApi::load(KUBESIM_DEFAULT_OPENAPI);
  return loaded;
}

json::value fixture(const std::string& name) {
  std::ifstream in(std::string(KUBESIM_TEST_DATA) + "/schema/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

json::value parse(std::string_view text) {
  return json::parse(text);
}

std::string containerNames(const json::value& deployment) {
  std::string out;
  for (const auto& c : deployment.at_pointer("/spec/template/spec/containers").as_array()) {
    if (!out.empty()) out += ",";
    out += std::string(c.as_object().at("name").as_string());
  }
  return out;
}

// Runs `f`, expecting a PatchError; returns "code reason: message".
template <typename F>
std::string patchError(F&& f) {
  try {
    f();
  } catch (const PatchError& e) {
    return std::to_string(e.code()) + " " + e.reason() + ": " + e.what();
  }
  return "no error";
}

// The cause message of a 422 from a failed patch operation.
template <typename F>
std::string causeOf(F&& f) {
  try {
    f();
  } catch (const PatchError& e) {
    EXPECT_EQ(e.code(), 422);
    EXPECT_EQ(e.reason(), "Invalid");
    EXPECT_EQ(std::string(e.what()), "the server rejected our request due to an error in our request");
    if (e.causes().size() != 1) return "causes: " + std::to_string(e.causes().size());
    EXPECT_EQ(e.causes()[0].reason, "UnexpectedServerResponse");
    return e.causes()[0].message;
  }
  return "no error";
}

// ---- JSON merge patch -------------------------------------------------------------------------------------

TEST(MergePatch, MergesObjectsReplacesListsAndDeletesOnNull) {
  auto live = fixture("deployment.json");
  auto patched = applyMergePatch(live, parse(R"({"metadata":{"labels":{"tier":null,"track":"stable"}},
      "spec":{"replicas":5,"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.27"}]}}}})"));
  EXPECT_EQ(json::serialize(patched.at_pointer("/metadata/labels")), R"({"app":"web","track":"stable"})");
  EXPECT_EQ(patched.at_pointer("/spec/replicas").as_int64(), 5);
  // A list is replaced whole: the container loses its ports, env and probes.
  EXPECT_EQ(json::serialize(patched.at_pointer("/spec/template/spec/containers")),
            R"([{"name":"web","image":"nginx:1.27"}])");
  EXPECT_EQ(json::serialize(patched.at_pointer("/spec/strategy")),
            json::serialize(live.at_pointer("/spec/strategy")));
}

TEST(MergePatch, Rfc7386Examples) {
  auto apply = [](std::string_view target, std::string_view patch) {
    return json::serialize(applyMergePatch(parse(target), parse(patch)));
  };
  EXPECT_EQ(apply(R"({"a":"b"})", R"({"a":"c"})"), R"({"a":"c"})");
  EXPECT_EQ(apply(R"({"a":"b"})", R"({"b":"c"})"), R"({"a":"b","b":"c"})");
  EXPECT_EQ(apply(R"({"a":"b"})", R"({"a":null})"), R"({})");
  EXPECT_EQ(apply(R"({"a":"b","b":"c"})", R"({"a":null})"), R"({"b":"c"})");
  EXPECT_EQ(apply(R"({"a":["b"]})", R"({"a":"c"})"), R"({"a":"c"})");
  EXPECT_EQ(apply(R"({"a":"c"})", R"({"a":["b"]})"), R"({"a":["b"]})");
  EXPECT_EQ(apply(R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})"), R"({"a":{"b":"d"}})");
  EXPECT_EQ(apply(R"({"a":[{"b":"c"}]})", R"({"a":[1]})"), R"({"a":[1]})");
  EXPECT_EQ(apply(R"({"e":null})", R"({"a":1})"), R"({"e":null,"a":1})");
  EXPECT_EQ(apply(R"({})", R"({"a":{"bb":{"ccc":null}}})"), R"({"a":{"bb":{}}})");
  // Nulls inside a new object are dropped; inside a list they stay.
  EXPECT_EQ(apply(R"({})", R"({"a":[{"x":null,"y":1},null]})"), R"({"a":[{"y":1},null]})");
}

TEST(MergePatch, PatchMustBeAnObject) {
  EXPECT_EQ(patchError([] { applyMergePatch(parse(R"({"a":1})"), parse(R"("x")")); }),
            "400 BadRequest: Invalid JSON Patch");
  EXPECT_EQ(patchError([] { applyMergePatch(parse(R"({"a":1})"), json::value()); }),
            "400 BadRequest: Invalid JSON Patch");
  // An array patch is the library's document: the result is the array.
  EXPECT_EQ(json::serialize(applyMergePatch(parse(R"({"a":1})"), parse(R"([{"b":null}])"))), R"([{}])");
}

// ---- JSON patch
// ---------------------------------------------------------------------------------------------

TEST(JsonPatch, AllOperationsOnADeployment) {
  auto live = fixture("deployment.json");
  auto patched = applyJsonPatch(live, parse(R"([
      {"op":"test","path":"/spec/replicas","value":2},
      {"op":"replace","path":"/spec/replicas","value":3},
      {"op":"add","path":"/metadata/labels/app.kubernetes.io~1name","value":"web"},
      {"op":"add","path":"/metadata/annotations","value":{"a~b":"x"}},
      {"op":"test","path":"/metadata/annotations/a~0b","value":"x"},
      {"op":"add","path":"/spec/template/spec/containers/-","value":{"name":"sidecar","image":"busybox"}},
      {"op":"add","path":"/spec/template/spec/containers/0/env/0","value":{"name":"FIRST","value":"1"}},
      {"op":"remove","path":"/spec/template/spec/containers/0/readinessProbe"},
      {"op":"copy","from":"/spec/template/spec/containers/0/image","path":"/spec/template/spec/containers/1/env"},
      {"op":"move","from":"/metadata/labels/tier","path":"/metadata/labels/layer"}
  ])"));
  EXPECT_EQ(patched.at_pointer("/spec/replicas").as_int64(), 3);
  EXPECT_EQ(json::serialize(patched.at_pointer("/metadata/labels")),
            R"({"app":"web","app.kubernetes.io/name":"web","layer":"frontend"})");
  EXPECT_EQ(json::serialize(patched.at_pointer("/metadata/annotations")), R"({"a~b":"x"})");
  EXPECT_EQ(containerNames(patched), "web,sidecar");
  EXPECT_EQ(json::serialize(patched.at_pointer("/spec/template/spec/containers/0/env")),
            R"([{"name":"FIRST","value":"1"},{"name":"MODE","value":"prod"}])");
  EXPECT_FALSE(patched.at_pointer("/spec/template/spec/containers/0").as_object().contains("readinessProbe"));
  EXPECT_EQ(patched.at_pointer("/spec/template/spec/containers/1/env").as_string(), "nginx:1.25");
}

TEST(JsonPatch, NegativeIndicesCountFromTheEnd) {
  auto doc = parse(R"({"a":[1,2,3]})");
  EXPECT_EQ(json::serialize(applyJsonPatch(doc, parse(R"([{"op":"add","path":"/a/-1","value":9}])"))),
            R"({"a":[1,2,3,9]})");
  EXPECT_EQ(json::serialize(applyJsonPatch(doc, parse(R"([{"op":"remove","path":"/a/-1"}])"))),
            R"({"a":[1,2]})");
}

TEST(JsonPatch, ReplaceOfAMissingObjectMemberAddsIt) {
  // json-patch v4 (what the API server runs) checks only that the parent exists.
  auto patched = applyJsonPatch(parse(R"({"spec":{}})"),
                                parse(R"([{"op":"replace","path":"/spec/paused","value":true}])"));
  EXPECT_EQ(json::serialize(patched), R"({"spec":{"paused":true}})");
}

TEST(JsonPatch, FailedOperationsAre422WithTheLibraryErrorAsCause) {
  auto live = fixture("deployment.json");
  auto run = [&](std::string_view ops) { return causeOf([&] { applyJsonPatch(live, parse(ops)); }); };
  EXPECT_EQ(run(R"([{"op":"test","path":"/spec/replicas","value":5}])"),
            "testing value /spec/replicas failed: test failed");
  EXPECT_EQ(run(R"([{"op":"test","path":"/spec/nothing","value":5}])"),
            "testing value /spec/nothing failed: test failed");
  EXPECT_EQ(run(R"([{"op":"remove","path":"/metadata/labels/nope"}])"),
            "error in remove for path: '/metadata/labels/nope': Unable to remove nonexistent key: nope: "
            "missing value");
  EXPECT_EQ(run(R"([{"op":"add","path":"/spec/foo/bar","value":1}])"),
            "add operation does not apply: doc is missing path: \"/spec/foo/bar\": missing value");
  EXPECT_EQ(run(R"([{"op":"replace","path":"/spec/template/spec/containers/5","value":{}}])"),
            "replace operation does not apply: doc is missing key: /spec/template/spec/containers/5: missing "
            "value");
  EXPECT_EQ(run(R"([{"op":"add","path":"/spec/template/spec/containers/7","value":{}}])"),
            "error in add for path: '/spec/template/spec/containers/7': Unable to access invalid index: 7: "
            "invalid index "
            "referenced");
  EXPECT_EQ(
      run(R"([{"op":"add","path":"/spec/template/spec/containers/x","value":{}}])"),
      "error in add for path: '/spec/template/spec/containers/x': value was not a proper array index: 'x': "
      "strconv.Atoi: parsing \"x\": invalid syntax");
  EXPECT_EQ(run(R"([{"op":"move","from":"/spec/nope","path":"/spec/x"}])"),
            "error in move for path: 'nope': Unable to remove nonexistent key: nope: missing value");
  EXPECT_EQ(run(R"([{"op":"copy","from":"/nope/a","path":"/spec/x"}])"),
            "copy operation does not apply: doc is missing from path: /nope/a: missing value");
  EXPECT_EQ(run(R"([{"op":"replace","value":1}])"),
            "replace operation failed to decode path: operation missing path field: missing value");
  EXPECT_EQ(run(R"([{"op":"add","value":1}])"), "add operation failed to decode path: missing value");
  EXPECT_EQ(run(R"([{"op":"frobnicate","path":"/a"}])"), "Unexpected kind: frobnicate");
  EXPECT_EQ(run(R"([{"path":"/a"}])"), "Unexpected kind: unknown");
  EXPECT_EQ(run(R"([{"op":"remove","path":""}])"),
            "remove operation does not apply: doc is missing path: \"\": missing value");
}

TEST(JsonPatch, TheWholePatchFailsTogether) {
  auto live = fixture("deployment.json");
  EXPECT_EQ(
      causeOf([&] {
        applyJsonPatch(
            live,
            parse(
                R"([{"op":"replace","path":"/spec/replicas","value":9},{"op":"test","path":"/spec/replicas","value":2}])"));
      }),
      "testing value /spec/replicas failed: test failed");
  EXPECT_EQ(live.at_pointer("/spec/replicas").as_int64(), 2);
}

TEST(JsonPatch, BodyMustBeAListOfOperations) {
  EXPECT_EQ(patchError([] { applyJsonPatch(parse("{}"), parse(R"({"op":"add"})")); }),
            "400 BadRequest: json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  EXPECT_EQ(patchError([] { applyJsonPatch(parse("{}"), parse(R"(["add"])")); }),
            "400 BadRequest: json: cannot unmarshal string into Go value of type jsonpatch.Operation");
}

// ---- Strategic merge patch
// ----------------------------------------------------------------------------------

json::value smp(const json::value& original, std::string_view patch) {
  return applyStrategicMergePatch(api(), original.as_object(), parse(patch));
}

TEST(StrategicMergePatch, KubectlClientSideApplyPatchWithSetElementOrder) {
  // The patch kubectl 1.32 sent when a sidecar was added in front of `web` and web's image changed.
  auto live = fixture("web-live.json");
  auto patch = fixture("client-side-apply-patch.json");
  auto patched = applyStrategicMergePatch(api(), live.as_object(), patch);
  EXPECT_EQ(containerNames(patched), "sidecar,web");
  EXPECT_EQ(json::serialize(patched.at_pointer("/spec/template/spec/containers/0")),
            R"({"args":["sleep","infinity"],"image":"busybox:1.36","name":"sidecar"})");
  const auto& web = patched.at_pointer("/spec/template/spec/containers/1").as_object();
  EXPECT_EQ(web.at("image").as_string(), "nginx:1.27");
  EXPECT_EQ(json::serialize(web.at("env")), R"([{"name":"MODE","value":"prod"}])");
  // What the patch does not mention stays: ports, the server's defaults, the rest of the object.
  EXPECT_EQ(json::serialize(web.at("ports")), R"([{"containerPort":80,"protocol":"TCP"}])");
  EXPECT_EQ(web.at("imagePullPolicy").as_string(), "IfNotPresent");
  EXPECT_EQ(patched.at_pointer("/spec/replicas").as_int64(), 2);
  EXPECT_EQ(patched.at_pointer("/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration")
                .as_string(),
            patch.at_pointer("/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration")
                .as_string());
  EXPECT_FALSE(patched.at_pointer("/spec/template/spec").as_object().contains("$setElementOrder/containers"));
  EXPECT_EQ(json::serialize(patched.at("status")), json::serialize(live.at("status")));
}

TEST(StrategicMergePatch, ListsMergeByTheirMergeKey) {
  auto live = fixture("deployment.json");
  auto patched = smp(live, R"({"spec":{"template":{"spec":{"containers":[
      {"name":"web","env":[{"name":"MODE","value":"debug"},{"name":"LOG","value":"1"}],"ports":[{"containerPort":9090}]},
      {"name":"metrics","image":"prom/exporter"}]}}}})");
  // Patch items come first, in the patch's order, then the items only the server had.
  EXPECT_EQ(containerNames(patched), "web,metrics");
  const auto& web = patched.at_pointer("/spec/template/spec/containers/0").as_object();
  EXPECT_EQ(json::serialize(web.at("env")),
            R"([{"name":"MODE","value":"debug"},{"name":"LOG","value":"1"}])");
  EXPECT_EQ(json::serialize(web.at("ports")),
            R"([{"containerPort":9090},{"containerPort":80,"name":"http"}])");
  EXPECT_EQ(web.at("image").as_string(), "nginx:1.25");

  auto added = smp(
      live, R"({"spec":{"template":{"spec":{"containers":[{"name":"metrics","image":"prom/exporter"}]}}}})");
  EXPECT_EQ(containerNames(added), "metrics,web");
}

TEST(StrategicMergePatch, ListsWithoutMergeStrategyAreReplaced) {
  auto live = fixture("deployment.json");
  auto patched =
      smp(live, R"({"spec":{"template":{"spec":{"containers":[{"name":"web","args":["--port","81"]}]}}}})");
  EXPECT_EQ(json::serialize(patched.at_pointer("/spec/template/spec/containers/0/args")),
            R"(["--port","81"])");
  patched =
      smp(patched, R"({"spec":{"template":{"spec":{"containers":[{"name":"web","args":["--verbose"]}]}}}})");
  EXPECT_EQ(json::serialize(patched.at_pointer("/spec/template/spec/containers/0/args")), R"(["--verbose"])");
}

TEST(StrategicMergePatch, Directives) {
  auto live = fixture("deployment.json");
  auto deleted =
      smp(live, R"({"spec":{"template":{"spec":{"containers":[{"name":"web","$patch":"delete"}]}}}})");
  EXPECT_EQ(json::serialize(deleted.at("spec").at("template").at("spec").at("containers")), "[]");

  auto replaced = smp(
      live,
      R"({"spec":{"template":{"spec":{"containers":[{"$patch":"replace"},{"name":"only","image":"x"}]}}}})");
  EXPECT_EQ(json::serialize(replaced.at("spec").at("template").at("spec").at("containers")),
            R"([{"name":"only","image":"x"}])");

  auto labels = smp(live, R"({"metadata":{"labels":{"$patch":"replace","owner":"me"}}})");
  EXPECT_EQ(json::serialize(labels.at("metadata").at("labels")), R"({"owner":"me"})");
  auto noLabels = smp(live, R"({"metadata":{"labels":{"$patch":"delete"}}})");
  EXPECT_EQ(json::serialize(noLabels.at("metadata").at("labels")), "{}");

  auto nulls = smp(live, R"({"metadata":{"labels":{"tier":null}},"spec":{"strategy":null}})");
  EXPECT_EQ(json::serialize(nulls.at("metadata").at("labels")), R"({"app":"web"})");
  EXPECT_FALSE(nulls.at("spec").as_object().contains("strategy"));
}

TEST(StrategicMergePatch, RetainKeysClearsWhatIsNotListed) {
  auto live = fixture("deployment.json");
  auto patched =
      smp(live, R"({"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate","rollingUpdate":null}}})");
  EXPECT_EQ(json::serialize(patched.at("spec").at("strategy")), R"({"type":"Recreate"})");
  EXPECT_EQ(patchError([&] {
              smp(live, R"({"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":{"maxSurge":1}}}})");
            }),
            "400 BadRequest: invalid patch format of retainKeys");
}

TEST(StrategicMergePatch, PrimitiveListsUnionAndDeleteFromPrimitiveList) {
  auto live = parse(
      R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","finalizers":["a.io/x","b.io/y"]}})");
  auto added = smp(live, R"({"metadata":{"finalizers":["c.io/z","a.io/x"]}})");
  EXPECT_EQ(json::serialize(added.at("metadata").at("finalizers")), R"(["c.io/z","a.io/x","b.io/y"])");
  auto removed = smp(live, R"({"metadata":{"$deleteFromPrimitiveList/finalizers":["a.io/x"]}})");
  EXPECT_EQ(json::serialize(removed.at("metadata").at("finalizers")), R"(["b.io/y"])");
  auto ordered = smp(live, R"({"metadata":{"$setElementOrder/finalizers":["b.io/y","a.io/x"]}})");
  EXPECT_EQ(json::serialize(ordered.at("metadata").at("finalizers")), R"(["b.io/y","a.io/x"])");
}

TEST(StrategicMergePatch, ErrorsWithTheApiServersStatus) {
  auto live = fixture("deployment.json");
  EXPECT_EQ(patchError(
                [&] { smp(live, R"({"spec":{"template":{"spec":{"containers":[{"image":"busybox"}]}}}})"); }),
            "500 : map: map[image:busybox] does not contain declared merge key: name");
  EXPECT_EQ(patchError([&] { smp(live, R"({"metadata":{"labels":{"$patch":"frobnicate","a":"b"}}})"); }),
            "500 : unknown patch type: frobnicate in map: map[$patch:frobnicate a:b]");
  EXPECT_EQ(patchError([&] { applyStrategicMergePatch(api(), live.as_object(), parse("[]")); }),
            "400 BadRequest: json: cannot unmarshal array into Go value of type map[string]interface {}");
  EXPECT_EQ(causeOf([&] {
              smp(parse(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"finalizers":[["a"]]}})"),
                  R"({"metadata":{"finalizers":[["b"]]}})");
            }),
            "lists of lists are not supported");
  EXPECT_EQ(
      patchError([&] {
        smp(live,
            R"({"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"web"}],"containers":[{"name":"x","image":"y"}]}}}})");
      }),
      "500 : The order in patch list:\n[map[image:y name:x]]\n doesn't match $setElementOrder "
      "list:\n[map[name:web]]\n");
}

TEST(StrategicMergePatch, KindsWithoutSchemaMergeMapsAndReplaceLists) {
  auto live = parse(R"({"apiVersion":"example.com/v1","kind":"Widget","spec":{"a":{"x":1},"list":[1,2]}})");
  auto patched = smp(live, R"({"spec":{"a":{"y":2},"list":[3]}})");
  EXPECT_EQ(json::serialize(patched.at("spec")), R"({"a":{"x":1,"y":2},"list":[3]})");
}

// ---- Server-side apply and managedFields
// --------------------------------------------------------------------

constexpr std::string_view kT1 = "2024-05-01T12:00:00Z";
constexpr std::string_view kT2 = "2024-05-01T12:05:00Z";

// The Deployment `kubectl apply --server-side` sends.
json::object appliedDeployment(int replicas = 2, std::string_view image = "nginx:1.25") {
  auto text =
      std::string(
          R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"labels":{"app":"web"},"name":"web","namespace":"default"},
      "spec":{"replicas":)") +
      std::to_string(replicas) +
      R"(,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
      "spec":{"containers":[{"image":")" +
      std::string(image) + R"(","name":"web","ports":[{"containerPort":80}]}]}}}})";
  return parse(text).as_object();
}

std::string managedFields(const json::object& object) {
  return json::serialize(object.at("metadata").at("managedFields"));
}

const std::string kAppliedFields =
    R"({"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},)"
    R"("f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}})";

TEST(ServerSideApply, CreateRecordsTheAppliedFields) {
  auto created = applyServerSide(api(), nullptr, appliedDeployment(), "kubectl", false, kT1);
  EXPECT_EQ(
      managedFields(created),
      R"([{"manager":"kubectl","operation":"Apply","apiVersion":"apps/v1","time":"2024-05-01T12:00:00Z",)"
      R"("fieldsType":"FieldsV1","fieldsV1":)" +
          kAppliedFields + "}]");
  EXPECT_EQ(created.at("spec").at("replicas").as_int64(), 2);
  EXPECT_EQ(created.at("metadata").at("name").as_string(), "web");
}

TEST(ServerSideApply, ReapplyBySameManagerChangesValuesWithoutConflict) {
  auto created = applyServerSide(api(), nullptr, appliedDeployment(), "kubectl", false, kT1);
  auto updated = applyServerSide(api(), &created, appliedDeployment(4, "nginx:1.27"), "kubectl", false, kT2);
  EXPECT_EQ(updated.at("spec").at("replicas").as_int64(), 4);
  EXPECT_EQ(updated.at("spec").at("template").at("spec").at("containers").at(0).at("image").as_string(),
            "nginx:1.27");
  EXPECT_EQ(
      managedFields(updated),
      R"([{"manager":"kubectl","operation":"Apply","apiVersion":"apps/v1","time":"2024-05-01T12:05:00Z",)"
      R"("fieldsType":"FieldsV1","fieldsV1":)" +
          kAppliedFields + "}]");
}

// A Deployment created by `kubectl apply` (client-side): the whole object belongs to
// kubectl-client-side-apply.
json::object clientSideApplied() {
  auto object = appliedDeployment();
  return recordUpdate(api(), nullptr, object, "kubectl-client-side-apply", kT1);
}

TEST(ServerSideApply, ConflictWithAnotherManagersField) {
  auto live = clientSideApplied();
  try {
    applyServerSide(api(), &live, appliedDeployment(5), "kubectl", false, kT2);
    FAIL() << "expected a conflict";
  } catch (const PatchError& e) {
    EXPECT_EQ(e.code(), 409);
    EXPECT_EQ(e.reason(), "Conflict");
    EXPECT_EQ(std::string(e.what()),
              "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: "
              ".spec.replicas");
    ASSERT_EQ(e.causes().size(), 1u);
    EXPECT_EQ(e.causes()[0].reason, "FieldManagerConflict");
    EXPECT_EQ(e.causes()[0].message, "conflict with \"kubectl-client-side-apply\" using apps/v1");
    EXPECT_EQ(e.causes()[0].field, ".spec.replicas");
  }
}

TEST(ServerSideApply, SeveralConflictsAreListedPerManager) {
  auto live = clientSideApplied();
  EXPECT_EQ(patchError([&] {
              applyServerSide(api(), &live, appliedDeployment(5, "nginx:1.27"), "kubectl", false, kT2);
            }),
            "409 Conflict: Apply failed with 2 conflicts: conflicts with \"kubectl-client-side-apply\" using "
            "apps/v1:\n"
            "- .spec.replicas\n"
            "- .spec.template.spec.containers[name=\"web\"].image");
}

TEST(ServerSideApply, SameValuesShareOwnershipAndForceMovesIt) {
  auto live = clientSideApplied();
  // Same values: no conflict, both own the fields.
  auto shared = applyServerSide(api(), &live, appliedDeployment(), "kubectl", false, kT2);
  const auto& entries = shared.at("metadata").at("managedFields").as_array();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].at("manager").as_string(), "kubectl");
  EXPECT_EQ(entries[1].at("manager").as_string(), "kubectl-client-side-apply");
  EXPECT_TRUE(entries[1].at("fieldsV1").at("f:spec").as_object().contains("f:replicas"));

  auto forced = applyServerSide(api(), &live, appliedDeployment(5), "kubectl", true, kT2);
  EXPECT_EQ(forced.at("spec").at("replicas").as_int64(), 5);
  const auto& after = forced.at("metadata").at("managedFields").as_array();
  ASSERT_EQ(after.size(), 2u);
  EXPECT_TRUE(after[0].at("fieldsV1").at("f:spec").as_object().contains("f:replicas"));
  EXPECT_FALSE(after[1].at("fieldsV1").at("f:spec").as_object().contains("f:replicas"));
  EXPECT_TRUE(after[1].at("fieldsV1").at("f:spec").as_object().contains("f:selector"));
}

TEST(ServerSideApply, FieldsNoLongerAppliedAreRemovedUnlessOthersOwnThem) {
  auto config = appliedDeployment();
  config["metadata"].as_object()["labels"].as_object()["tier"] = "frontend";
  auto& containers =
      config["spec"].as_object()["template"].as_object()["spec"].as_object()["containers"].as_array();
  containers.push_back(parse(R"({"name":"sidecar","image":"busybox"})"));
  auto live = applyServerSide(api(), nullptr, config, "kubectl", false, kT1);
  EXPECT_EQ(containerNames(live), "web,sidecar");

  // Another manager also sets the tier label.
  auto labelled = live;
  labelled["metadata"].as_object()["labels"].as_object()["owner"] = "ops";
  labelled = recordUpdate(api(), &live, labelled, "kubectl-label", kT1);

  auto next = applyServerSide(api(), &labelled, appliedDeployment(), "kubectl", false, kT2);
  EXPECT_EQ(containerNames(next), "web");
  EXPECT_EQ(json::serialize(next.at("metadata").at("labels")), R"({"app":"web","owner":"ops"})");

  // A field another applier also applied (with the same value, so both own it) stays.
  auto helmConfig =
      parse(R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default",
                              "labels":{"tier":"frontend"}}})")
          .as_object();
  auto coOwned = applyServerSide(api(), &live, helmConfig, "helm", false, kT1);
  auto kept = applyServerSide(api(), &coOwned, appliedDeployment(), "kubectl", false, kT2);
  EXPECT_EQ(json::serialize(kept.at("metadata").at("labels")), R"({"app":"web","tier":"frontend"})");
  EXPECT_EQ(containerNames(kept), "web");
}

TEST(ServerSideApply, MapsAndSetsInFieldsV1) {
  auto config =
      parse(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"settings","namespace":"shop",
                          "finalizers":["shop.io/keep"]},"data":{"mode":"prod","level":"info"}})")
          .as_object();
  auto created = applyServerSide(api(), nullptr, config, "shop-operator", false, kT1);
  EXPECT_EQ(
      json::serialize(created.at("metadata").at("managedFields").at(0).at("fieldsV1")),
      R"({"f:data":{"f:level":{},"f:mode":{}},"f:metadata":{"f:finalizers":{"v:\"shop.io/keep\"":{}}}})");
  // Dropping a data key and adding a finalizer: the key goes, the set gains the value.
  config["data"].as_object().erase("level");
  config["metadata"].as_object()["finalizers"].as_array().push_back("shop.io/audit");
  auto next = applyServerSide(api(), &created, config, "shop-operator", false, kT2);
  EXPECT_EQ(json::serialize(next.at("data")), R"({"mode":"prod"})");
  EXPECT_EQ(json::serialize(next.at("metadata").at("finalizers")), R"(["shop.io/keep","shop.io/audit"])");
}

TEST(ServerSideApply, ObjectsWithoutManagedFieldsBelongToBeforeFirstApply) {
  auto live = appliedDeployment();
  EXPECT_EQ(patchError([&] { applyServerSide(api(), &live, appliedDeployment(3), "kubectl", false, kT2); }),
            "409 Conflict: Apply failed with 1 conflict: conflict with \"before-first-apply\" using apps/v1: "
            ".spec.replicas");
}

TEST(ServerSideApply, StatusIsIgnored) {
  auto live = applyServerSide(api(), nullptr, appliedDeployment(), "kubectl", false, kT1);
  live["status"] = parse(R"({"replicas":2,"readyReplicas":2})");
  auto config = appliedDeployment();
  config["status"] = parse(R"({"replicas":7})");
  auto next = applyServerSide(api(), &live, config, "kubectl", false, kT2);
  EXPECT_EQ(json::serialize(next.at("status")), R"({"replicas":2,"readyReplicas":2})");
}

TEST(ServerSideApply, TheSchemaRejectsUnknownFieldsAndWrongTypes) {
  auto config = appliedDeployment();
  config["spec"].as_object()["foo"] = 1;
  EXPECT_EQ(patchError([&] { applyServerSide(api(), nullptr, config, "kubectl", false, kT1); }),
            "500 : failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.foo: "
            "field not declared "
            "in schema");
  config = appliedDeployment();
  config["spec"].as_object()["replicas"] = "3";
  config["spec"].as_object()["paused"] = "no";
  EXPECT_EQ(patchError([&] { applyServerSide(api(), nullptr, config, "kubectl", false, kT1); }),
            "500 : failed to create typed patch object (default/web; apps/v1, Kind=Deployment): errors:\n"
            "  .spec.replicas: expected numeric (int or float), got string\n"
            "  .spec.paused: expected boolean, got &{no}");
  config = appliedDeployment();
  auto& containers =
      config["spec"].as_object()["template"].as_object()["spec"].as_object()["containers"].as_array();
  containers.push_back(parse(R"({"name":"web","image":"busybox"})"));
  EXPECT_EQ(patchError([&] { applyServerSide(api(), nullptr, config, "kubectl", false, kT1); }),
            "500 : failed to create typed patch object (default/web; apps/v1, Kind=Deployment): "
            ".spec.template.spec.containers: "
            "duplicate entries for key [name=\"web\"]");
}

TEST(ServerSideApply, RequestErrors) {
  auto config = appliedDeployment();
  config["metadata"].as_object()["managedFields"] = json::array{};
  EXPECT_EQ(patchError([&] { applyServerSide(api(), nullptr, config, "kubectl", false, kT1); }),
            "400 BadRequest: metadata.managedFields must be nil");
  auto live = applyServerSide(api(), nullptr, appliedDeployment(), "kubectl", false, kT1);
  config = appliedDeployment();
  config["apiVersion"] = "apps/v1beta2";
  EXPECT_EQ(patchError([&] { applyServerSide(api(), &live, config, "kubectl", false, kT1); }),
            "400 BadRequest: Incorrect version specified in apply patch. Specified patch version: "
            "apps/v1beta2, expected: apps/v1");
}

TEST(ServerSideApply, ListOrderFollowsTheAppliedConfiguration) {
  auto config = appliedDeployment();
  auto& containers =
      config["spec"].as_object()["template"].as_object()["spec"].as_object()["containers"].as_array();
  containers.push_back(parse(R"({"name":"b","image":"busybox"})"));
  containers.push_back(parse(R"({"name":"c","image":"busybox"})"));
  auto live = applyServerSide(api(), nullptr, config, "kubectl", false, kT1);
  EXPECT_EQ(containerNames(live), "web,b,c");
  // Another manager's container stays where it was among them.
  auto withOther = live;
  withOther["spec"].as_object()["template"].as_object()["spec"].as_object()["containers"].as_array().insert(
      withOther["spec"]
              .as_object()["template"]
              .as_object()["spec"]
              .as_object()["containers"]
              .as_array()
              .begin() +
          1,
      parse(R"({"name":"injected","image":"proxy"})"));
  withOther = recordUpdate(api(), &live, withOther, "injector", kT1);
  std::swap(containers[0], containers[2]);  // c, b, web
  auto next = applyServerSide(api(), &withOther, config, "kubectl", false, kT2);
  EXPECT_EQ(containerNames(next), "injected,c,b,web");
}

// ---- recordUpdate
// -------------------------------------------------------------------------------------------

TEST(RecordUpdate, CreateOwnsEverythingItSet) {
  auto created = recordUpdate(api(), nullptr, appliedDeployment(), "kubectl-create", kT1);
  EXPECT_EQ(
      managedFields(created),
      R"([{"manager":"kubectl-create","operation":"Update","apiVersion":"apps/v1","time":"2024-05-01T12:00:00Z","fieldsType":"FieldsV1",)"
      R"("fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},)"
      R"("f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{".":{},"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}}}])");
}

TEST(RecordUpdate, ChangedFieldsMoveToTheWriterAndNoOpsChangeNothing) {
  auto created = recordUpdate(api(), nullptr, appliedDeployment(), "kubectl-create", kT1);
  auto scaled = created;
  scaled["spec"].as_object()["replicas"] = 5;
  scaled = recordUpdate(api(), &created, scaled, "kubectl-scale", kT2);
  const auto& entries = scaled.at("metadata").at("managedFields").as_array();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].at("manager").as_string(), "kubectl-create");
  EXPECT_FALSE(entries[0].at("fieldsV1").at("f:spec").as_object().contains("f:replicas"));
  EXPECT_EQ(
      json::serialize(entries[1]),
      R"({"manager":"kubectl-scale","operation":"Update","apiVersion":"apps/v1",)"
      R"("time":"2024-05-01T12:05:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:replicas":{}}}})");

  auto same = recordUpdate(api(), &scaled, scaled, "kubectl-edit", "2024-05-01T13:00:00Z");
  EXPECT_EQ(managedFields(same), managedFields(scaled));
}

TEST(RecordUpdate, StatusIsRecordedOnlyThroughTheStatusSubresource) {
  auto created = recordUpdate(api(), nullptr, appliedDeployment(), "kubectl-create", kT1);
  auto withStatus = created;
  withStatus["status"] = parse(R"({"replicas":2,"readyReplicas":2})");
  auto viaMain = recordUpdate(api(), &created, withStatus, "someone", kT2);
  EXPECT_EQ(managedFields(viaMain), managedFields(created));
  auto viaStatus = recordUpdate(api(), &created, withStatus, "kube-controller-manager", kT2, "status");
  const auto& entries = viaStatus.at("metadata").at("managedFields").as_array();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(
      json::serialize(entries[1]),
      R"({"manager":"kube-controller-manager","operation":"Update","apiVersion":"apps/v1",)"
      R"("time":"2024-05-01T12:05:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:status":{"f:readyReplicas":{},"f:replicas":{}}},)"
      R"("subresource":"status"})");
}

TEST(RecordUpdate, RequestManagedFieldsReplaceOrReset) {
  auto created = recordUpdate(api(), nullptr, appliedDeployment(), "kubectl-create", kT1);
  // kubectl's migration to server-side apply rewrites the entries itself.
  auto migrated = created;
  migrated["metadata"].as_object()["managedFields"] = parse(
      R"([{"manager":"kubectl","operation":"Apply","apiVersion":"apps/v1","time":"2024-05-01T12:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:replicas":{}}}}])");
  auto result = recordUpdate(api(), &created, migrated, "kubectl", kT2);
  EXPECT_EQ(
      managedFields(result),
      R"([{"manager":"kubectl","operation":"Apply","apiVersion":"apps/v1","time":"2024-05-01T12:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:spec":{"f:replicas":{}}}}])");
  auto reset = created;
  reset["metadata"].as_object()["managedFields"] = json::array{};
  EXPECT_FALSE(recordUpdate(api(), &created, reset, "kubectl", kT2)
                   .at("metadata")
                   .as_object()
                   .contains("managedFields"));
}

}  // namespace
}  // namespace kubesim

// Tests for the aiops-gate post-renderer: byte-stable pass-through, the canary shape, refusals, the published
// manifest corpus, the built binary as Helm runs it, and the Helm 4 plugin manifest.
#include "gate/post_renderer.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/subprocess.h"

namespace {

using aiops::gate::DocumentSpan;
using aiops::gate::GateOptions;
using aiops::gate::postRender;
using aiops::gate::PostRendered;
using aiops::gate::RenderError;
using aiops::gate::splitDocuments;

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

PostRendered render(const std::string& input, const GateOptions& options = {}) {
  auto result = postRender(input, options);
  if (auto* err = std::get_if<RenderError>(&result)) {
    ADD_FAILURE() << "unexpected error: " << err->describe();
    return {};
  }
  return std::get<PostRendered>(result);
}

RenderError refuse(const std::string& input, const GateOptions& options = {}) {
  auto result = postRender(input, options);
  if (auto* err = std::get_if<RenderError>(&result)) return *err;
  ADD_FAILURE() << "expected an error, got output:\n" << std::get<PostRendered>(result).output;
  return {};
}

std::vector<std::string> documentTexts(const std::string& stream) {
  std::vector<std::string> out;
  for (const DocumentSpan& s : splitDocuments(stream))
    out.push_back(stream.substr(s.begin, s.end - s.begin));
  return out;
}

// The one document of a single-document output, loaded with yaml-cpp (an independent parser).
YAML::Node loadOnly(const std::string& output) {
  std::vector<YAML::Node> docs = YAML::LoadAll(output);
  EXPECT_EQ(docs.size(), 1u);
  return docs.empty() ? YAML::Node() : docs.front();
}

GateOptions allOptions() {
  GateOptions o;
  o.all = true;
  return o;
}

const std::string kGatedDeployment = R"(---
# Source: shop/templates/api.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
  annotations:
    aiops.dev/gate: "true"
    team: payments
spec:
  replicas: 5
  minReadySeconds: 10
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 25%
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
    spec:
      containers:
      - name: api
        image: "registry.example/api:2.0"
        env:
        - name: PORT
          value: "8080"
        - name: DEBUG
          value: 'false'
)";

std::string deployment(const std::string& name, const std::string& extraSpec,
                       const std::string& annotations = "") {
  std::string s = "---\n# Source: c/templates/" + name +
                  ".yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\n";
  if (!annotations.empty()) s += "  annotations:\n" + annotations;
  s += "spec:\n" + extraSpec + "  selector:\n    matchLabels:\n      app: " + name +
       "\n  template:\n    metadata:\n      labels:\n        app: " + name +
       "\n    spec:\n      containers:\n      - name: c\n        image: nginx\n";
  return s;
}

// ---------------------------------------------------------------------------------------------------------
// Splitting

TEST(SplitDocuments, CutsAtMarkersAndKeepsPrefixCommentsWithTheNextDocument) {
  const std::string in = "# header\n---\na: 1\n--- # two\nb: 2\n...\n# between\n---\nc: 3\n...\n# tail\n";
  auto spans = splitDocuments(in);
  ASSERT_EQ(spans.size(), 4u);
  EXPECT_EQ(in.substr(spans[0].begin, spans[0].end - spans[0].begin), "# header\n---\na: 1\n");
  EXPECT_EQ(spans[0].firstLine, 1);
  EXPECT_EQ(in.substr(spans[1].begin, spans[1].end - spans[1].begin), "--- # two\nb: 2\n...\n");
  EXPECT_EQ(spans[1].firstLine, 4);
  EXPECT_EQ(in.substr(spans[2].begin, spans[2].end - spans[2].begin), "# between\n---\nc: 3\n...\n");
  EXPECT_EQ(spans[2].firstLine, 7);
  EXPECT_EQ(in.substr(spans[3].begin, spans[3].end - spans[3].begin), "# tail\n");
  EXPECT_FALSE(spans[3].isDocument);
  EXPECT_TRUE(spans[2].isDocument);
}

TEST(SplitDocuments, BareDocumentAfterEndMarkerAndMarkersThatAreNotMarkers) {
  const std::string in = "a: 1\n...\nb: 2\n---x: not a marker\n ---\nc: |\n  ---\n";
  auto spans = splitDocuments(in);
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(in.substr(spans[1].begin), "b: 2\n---x: not a marker\n ---\nc: |\n  ---\n");
  EXPECT_EQ(spans[1].firstLine, 3);
}

TEST(SplitDocuments, EmptyInputHasNoSpans) {
  EXPECT_TRUE(splitDocuments("").empty());
}

// ---------------------------------------------------------------------------------------------------------
// Byte-stable pass-through

struct PassThroughCase {
  const char* name;
  std::string input;
  int documents;
  bool alsoWithAll = true;  // false: --all would gate it
};

class PassThrough : public ::testing::TestWithParam<PassThroughCase> {};

TEST_P(PassThrough, UntouchedStreamComesOutByteIdentical) {
  const PassThroughCase& c = GetParam();
  for (const GateOptions& options : {GateOptions{}, allOptions()}) {
    if (options.all && !c.alsoWithAll) continue;
    PostRendered out = render(c.input, options);
    EXPECT_EQ(out.output, c.input);
    EXPECT_EQ(out.documents, c.documents);
    EXPECT_TRUE(out.gated.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Streams, PassThrough,
    ::testing::Values(
        PassThroughCase{"Comments",
                        "# top\n---\n# Source: c/templates/cm.yaml\napiVersion: v1 # why\nkind: ConfigMap\n"
                        "metadata:\n  name: a   \n  # inner\ndata: {k: v}\n",
                        1},
        PassThroughCase{"AnchorsAndAliases",
                        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: &m\n  name: x\ndata:\n  a: &v '1'\n"
                        "  b: *v\n  <<: {c: \"3\"}\n",
                        1},
        PassThroughCase{
            "BlockScalars",
            "apiVersion: v1\nkind: ConfigMap\ndata:\n  keep: |+\n    a\n\n  strip: >-\n    folded\n"
            "    text\n  lit: |2\n      indented\n",
            1},
        PassThroughCase{"Crlf", "---\r\napiVersion: v1\r\nkind: ConfigMap\r\n---\r\nkind: Secret\r\n", 2},
        PassThroughCase{"NoTrailingNewline", "---\na: 1\n---\nb: 2", 2},
        PassThroughCase{"MarkerWithTrailingComment", "--- # first\na: 1\n---   # second\t\nb: 2\n", 2},
        PassThroughCase{"EndMarkersAndDirectives", "%YAML 1.1\n---\na: 1\n...\n---\nb: 2\n...\n# done\n", 2},
        PassThroughCase{
            "EmptyAndCommentOnlyDocuments",
            "---\n# Source: c/templates/empty.yaml\n---\n---\n# Source: c/templates/a.yaml\na: 1\n", 3},
        PassThroughCase{"ByteOrderMark", "\xEF\xBB\xBF---\na: 1\n---\nb: 2\n", 2},
        PassThroughCase{"InlineMarkerContent", "--- {a: 1}\n--- |\n  text\n--- !!map\nb: 2\n", 3},
        PassThroughCase{"TabsAndTrailingWhitespace", "a: \"x\ty\"   \nb:    c\t\n", 1},
        PassThroughCase{"UngatedDeployment", deployment("web", "  replicas: 3\n"), 1, false},
        PassThroughCase{"OptedOutDeployment",
                        deployment("web", "  replicas: 3\n", "    aiops.dev/gate: \"false\"\n"), 1},
        PassThroughCase{
            "OtherApiVersion",
            "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata:\n  name: old\nspec: {}\n", 1},
        PassThroughCase{"Empty", "", 0}, PassThroughCase{"WhitespaceOnly", "\n  \n", 0}),
    [](const ::testing::TestParamInfo<PassThroughCase>& p) { return std::string(p.param.name); });

TEST(PassThrough, UngatedDeploymentWithoutAllIsUntouchedButGatedWithAll) {
  std::string in = deployment("web", "  replicas: 3\n");
  EXPECT_EQ(render(in).output, in);
  PostRendered out = render(in, allOptions());
  EXPECT_NE(out.output, in);
  ASSERT_EQ(out.gated.size(), 1u);
  EXPECT_EQ(out.gated[0].name, "web");
}

// ---------------------------------------------------------------------------------------------------------
// The canary shape

TEST(CanaryShape, GatedDeploymentGetsExactShapeAndRecordsOriginals) {
  PostRendered out = render(kGatedDeployment);
  ASSERT_EQ(out.gated.size(), 1u);
  EXPECT_EQ(out.gated[0].document, 1);
  EXPECT_EQ(out.gated[0].name, "api");
  EXPECT_EQ(out.gated[0].ns, "shop");
  EXPECT_EQ(out.gated[0].canary, 3);
  EXPECT_FALSE(out.gated[0].wasGated);
  EXPECT_TRUE(out.warnings.empty());
  // The leading marker and # Source: comment are kept verbatim.
  EXPECT_EQ(out.output.rfind("---\n# Source: shop/templates/api.yaml\napiVersion: apps/v1\n", 0), 0u);

  YAML::Node d = loadOnly(out.output);
  EXPECT_EQ(d["spec"]["strategy"]["type"].as<std::string>(), "RollingUpdate");
  EXPECT_EQ(d["spec"]["strategy"]["rollingUpdate"]["maxSurge"].as<int>(), 3);
  EXPECT_EQ(d["spec"]["strategy"]["rollingUpdate"]["maxSurge"].Tag(), "?");  // an integer, not "3"
  EXPECT_EQ(d["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"].as<int>(), 0);
  EXPECT_EQ(d["spec"]["strategy"]["rollingUpdate"].size(), 2u);
  EXPECT_EQ(d["spec"]["minReadySeconds"].as<int>(), 120);
  EXPECT_FALSE(d["spec"]["progressDeadlineSeconds"]);
  EXPECT_EQ(d["spec"]["replicas"].as<int>(), 5);
  YAML::Node ann = d["metadata"]["annotations"];
  EXPECT_EQ(ann.size(), 5u);
  EXPECT_EQ(ann["aiops.dev/gate"].as<std::string>(), "true");
  EXPECT_EQ(ann["team"].as<std::string>(), "payments");
  EXPECT_EQ(ann["aiops.dev/gate-canary"].as<std::string>(), "3");
  EXPECT_EQ(ann["aiops.dev/gate-canary"].Tag(), "!");  // a string, as annotations must be
  EXPECT_EQ(ann["aiops.dev/gate-window"].as<std::string>(), "120s");
  EXPECT_EQ(
      boost::json::parse(ann["aiops.dev/gate-original"].as<std::string>()),
      boost::json::parse(R"({"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%",)"
                         R"("maxUnavailable":"25%"}},"minReadySeconds":10,"progressDeadlineSeconds":null})"));
  // The pod template is untouched, types included.
  YAML::Node env = d["spec"]["template"]["spec"]["containers"][0]["env"];
  EXPECT_EQ(env[0]["value"].as<std::string>(), "8080");
  EXPECT_EQ(env[0]["value"].Tag(), "!");
  EXPECT_EQ(env[1]["value"].as<std::string>(), "false");
  EXPECT_EQ(env[1]["value"].Tag(), "!");
  EXPECT_EQ(d["spec"]["template"]["spec"]["containers"][0]["image"].as<std::string>(),
            "registry.example/api:2.0");
  EXPECT_FALSE(d["spec"]["template"]["metadata"]["annotations"]);
}

TEST(CanaryShape, ExactEmittedText) {
  const std::string in =
      "---\n# Source: c/templates/web.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
      "  annotations:\n    aiops.dev/gate: \"true\"\nspec:\n  replicas: 1\n  template:\n    spec:\n"
      "      containers:\n      - name: web\n        args: [\"--port\", '80']\n        command:\n        - "
      "|-\n"
      "          echo hi\n          # not a comment\n# trailing note\n";
  const std::string expected =
      "---\n# Source: c/templates/web.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"
      "  annotations:\n    aiops.dev/gate: \"true\"\n"
      "    aiops.dev/gate-original: "
      "'{\"strategy\":null,\"minReadySeconds\":null,\"progressDeadlineSeconds\":null}'\n"
      "    aiops.dev/gate-canary: \"1\"\n    aiops.dev/gate-window: \"120s\"\n"
      "spec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: web\n"
      "        args: [\"--port\", '80']\n        command:\n        - |-\n          echo hi\n"
      "          # not a comment\n"
      "  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxSurge: 1\n      maxUnavailable: 0\n"
      "  minReadySeconds: 120\n# trailing note\n";
  EXPECT_EQ(render(in).output, expected);
}

struct ReplicasCase {
  std::string spec;
  std::int64_t canary;
  std::int64_t expectedSurge;
};

class ReplicasToSurge : public ::testing::TestWithParam<ReplicasCase> {};

TEST_P(ReplicasToSurge, MaxSurgeIsCanaryCappedByReplicas) {
  GateOptions o = allOptions();
  o.canary = GetParam().canary;
  PostRendered out = render(deployment("web", GetParam().spec), o);
  YAML::Node d = loadOnly(out.output);
  EXPECT_EQ(d["spec"]["strategy"]["rollingUpdate"]["maxSurge"].as<std::int64_t>(), GetParam().expectedSurge);
  EXPECT_EQ(d["metadata"]["annotations"]["aiops.dev/gate-canary"].as<std::string>(),
            std::to_string(GetParam().expectedSurge));
  ASSERT_EQ(out.gated.size(), 1u);
  EXPECT_EQ(out.gated[0].canary, GetParam().expectedSurge);
}

INSTANTIATE_TEST_SUITE_P(
    Gate, ReplicasToSurge,
    ::testing::Values(ReplicasCase{"  replicas: 1\n", 3, 1},
                      ReplicasCase{"", 3, 1},  // replicas defaults to 1
                      ReplicasCase{"  replicas: ~\n", 3, 1},
                      ReplicasCase{"  replicas: 0\n", 3, 1},  // maxSurge 0 would be invalid
                      ReplicasCase{"  replicas: 2\n", 3, 2}, ReplicasCase{"  replicas: 10\n", 3, 3},
                      ReplicasCase{"  replicas: 10\n", 5, 5}));

TEST(CanaryShape, WindowAndProgressDeadline) {
  GateOptions o = allOptions();
  o.windowSeconds = 600;  // not below the default deadline of 600: raised to window + 600
  YAML::Node d = loadOnly(render(deployment("web", "  replicas: 4\n"), o).output);
  EXPECT_EQ(d["spec"]["minReadySeconds"].as<int>(), 600);
  EXPECT_EQ(d["spec"]["progressDeadlineSeconds"].as<int>(), 1200);
  EXPECT_EQ(d["metadata"]["annotations"]["aiops.dev/gate-window"].as<std::string>(), "600s");

  o.windowSeconds = 300;
  d = loadOnly(render(deployment("web", "  progressDeadlineSeconds: 900\n"), o).output);
  EXPECT_EQ(d["spec"]["progressDeadlineSeconds"].as<int>(), 900);
  d = loadOnly(render(deployment("web", "  progressDeadlineSeconds: 200\n"), o).output);
  EXPECT_EQ(d["spec"]["progressDeadlineSeconds"].as<int>(), 900);
  EXPECT_EQ(boost::json::parse(d["metadata"]["annotations"]["aiops.dev/gate-original"].as<std::string>())
                .at("progressDeadlineSeconds"),
            boost::json::value(200));
}

TEST(CanaryShape, RecreateIsReplacedWithAWarning) {
  PostRendered out = render(deployment("db", "  strategy:\n    type: Recreate\n"), allOptions());
  ASSERT_EQ(out.warnings.size(), 1u);
  EXPECT_EQ(out.warnings[0],
            "deploy/db: strategy Recreate replaced by RollingUpdate for the gate; the original is kept in "
            "aiops.dev/gate-original");
  YAML::Node d = loadOnly(out.output);
  EXPECT_EQ(d["metadata"]["annotations"]["aiops.dev/gate-original"].as<std::string>(),
            R"({"strategy":{"type":"Recreate"},"minReadySeconds":null,"progressDeadlineSeconds":null})");
}

TEST(CanaryShape, GatingTwiceIsIdempotentAndKeepsTheFirstOriginals) {
  PostRendered once = render(kGatedDeployment);
  PostRendered twice = render(once.output);
  EXPECT_EQ(twice.output, once.output);
  ASSERT_EQ(twice.gated.size(), 1u);
  EXPECT_TRUE(twice.gated[0].wasGated);
}

TEST(CanaryShape, AnchoredAnnotationsDoNotLeakIntoTheirAliases) {
  const std::string in =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  annotations: &ann\n"
      "    aiops.dev/gate: \"true\"\n    owner: me\nspec:\n  replicas: 2\n  template:\n    metadata:\n"
      "      annotations: *ann\n    spec:\n      containers: []\n";
  YAML::Node d = loadOnly(render(in).output);
  EXPECT_EQ(d["metadata"]["annotations"].size(), 5u);
  YAML::Node podAnn = d["spec"]["template"]["metadata"]["annotations"];
  ASSERT_EQ(podAnn.size(), 2u);  // a changed pod template would start a rollout
  EXPECT_EQ(podAnn["owner"].as<std::string>(), "me");
}

TEST(CanaryShape, MergeKeysAreHonoured) {
  const std::string in =
      "base: &base\n  replicas: 8\n  strategy: {type: Recreate}\napiVersion: apps/v1\nkind: Deployment\n"
      "metadata: {name: web, annotations: {aiops.dev/gate: \"true\"}}\nspec:\n  <<: *base\n  template: {}\n";
  PostRendered out = render(in);
  YAML::Node d = loadOnly(out.output);
  EXPECT_EQ(d["spec"]["strategy"]["type"].as<std::string>(), "RollingUpdate");
  EXPECT_EQ(d["spec"]["strategy"]["rollingUpdate"]["maxSurge"].as<int>(), 3);  // replicas 8 from the merge
  EXPECT_EQ(d["metadata"]["annotations"]["aiops.dev/gate-original"].as<std::string>(),
            R"({"strategy":{"type":"Recreate"},"minReadySeconds":null,"progressDeadlineSeconds":null})");
}

TEST(CanaryShape, ReEmittedScalarsKeepTheirMeaning) {
  const std::string in =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec:\n  x: ! 123\n  e: {a: , b: ~}\n  "
      "f:\n"
      "  w: plain\n    continued\n\n    para\n  t: !!str 12\n  k: |+\n    keep\n\n  s: 'it''s'\n";
  const std::string expected =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w\n  annotations:\n"
      "    aiops.dev/gate-original: "
      "'{\"strategy\":null,\"minReadySeconds\":null,\"progressDeadlineSeconds\":null}'\n"
      "    aiops.dev/gate-canary: \"1\"\n    aiops.dev/gate-window: \"120s\"\nspec:\n  x: '123'\n"
      "  e: {a: null, b: ~}\n  f: null\n  w: 'plain continued\n\n    para'\n  t: !!str 12\n  k: |+\n    "
      "keep\n\n"
      "  s: 'it''s'\n  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxSurge: 1\n"
      "      maxUnavailable: 0\n  minReadySeconds: 120\n...\n";
  std::string out = render(in, allOptions()).output;
  EXPECT_EQ(out, expected);
  YAML::Node spec = loadOnly(out)["spec"];
  EXPECT_EQ(spec["x"].Tag(), "!");
  EXPECT_TRUE(spec["e"]["a"].IsNull());
  EXPECT_TRUE(spec["f"].IsNull());
  EXPECT_EQ(spec["w"].as<std::string>(), "plain continued\npara");
  EXPECT_EQ(spec["k"].as<std::string>(), "keep\n\n");
  EXPECT_EQ(spec["s"].as<std::string>(), "it's");
}

TEST(CanaryShape, CrlfDocumentIsEmittedWithCrlf) {
  std::string in = kGatedDeployment;
  for (std::size_t p = 0; (p = in.find('\n', p)) != std::string::npos; p += 2)
    in.insert(p, "\r");
  std::string out = render(in).output;
  std::size_t bare = 0;
  for (std::size_t i = 0; i < out.size(); ++i)
    bare += out[i] == '\n' && (i == 0 || out[i - 1] != '\r');
  EXPECT_EQ(bare, 0u);
  EXPECT_EQ(loadOnly(out)["spec"]["minReadySeconds"].as<int>(), 120);
}

TEST(CanaryShape, InlineMarkerContentKeepsAMarker) {
  std::string in = "--- {apiVersion: apps/v1, kind: Deployment, metadata: {name: w}, spec: {replicas: 2}}\n";
  std::string out = render(in, allOptions()).output;
  EXPECT_EQ(out.rfind("---\n", 0), 0u);
  EXPECT_EQ(loadOnly(out)["spec"]["strategy"]["rollingUpdate"]["maxSurge"].as<int>(), 2);
}

TEST(CanaryShape, OnlyTheGatedDocumentChangesInAMixedStream) {
  const std::string before =
      "# Source: c/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\ndata: {a: '1'}\n";
  const std::string after = "---\n# Source: c/templates/svc.yaml\napiVersion: v1\nkind: Service\n";
  PostRendered out = render(before + kGatedDeployment + after);
  std::vector<std::string> docs = documentTexts(out.output);
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0], before);
  EXPECT_EQ(docs[2], after);
  ASSERT_EQ(out.gated.size(), 1u);
  EXPECT_EQ(out.gated[0].document, 2);
  EXPECT_EQ(out.documents, 3);
}

TEST(Lists, DeploymentsInsideListItemsAreGated) {
  const std::string in =
      "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: s}\n"
      "  spec: {ports: [{port: 80}]}\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: d\n"
      "    annotations: {aiops.dev/gate: \"true\"}\n  spec: {replicas: 4}\n"
      "- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: other}\n  spec: {replicas: 4}\n";
  PostRendered out = render(in);
  ASSERT_EQ(out.gated.size(), 1u);
  EXPECT_EQ(out.gated[0].name, "d");
  YAML::Node d = loadOnly(out.output);
  EXPECT_EQ(d["items"][0]["spec"]["ports"][0]["port"].as<int>(), 80);
  EXPECT_FALSE(d["items"][0]["spec"]["strategy"]);
  EXPECT_EQ(d["items"][1]["spec"]["strategy"]["rollingUpdate"]["maxSurge"].as<int>(), 3);
  EXPECT_EQ(d["items"][1]["spec"]["minReadySeconds"].as<int>(), 120);
  EXPECT_FALSE(d["items"][2]["spec"]["strategy"]);  // not annotated, no --all
  EXPECT_EQ(render(in, allOptions()).gated.size(), 2u);
}

TEST(Lists, DeploymentListItemsWithoutKindAreDeployments) {
  const std::string in =
      "apiVersion: apps/v1\nkind: DeploymentList\nitems:\n- metadata: {name: a}\n  spec: {replicas: 2}\n";
  PostRendered out = render(in, allOptions());
  ASSERT_EQ(out.gated.size(), 1u);
  EXPECT_EQ(loadOnly(out.output)["items"][0]["spec"]["strategy"]["rollingUpdate"]["maxSurge"].as<int>(), 2);
}

TEST(Lists, ListWithoutDeploymentsIsUntouched) {
  const std::string in =
      "apiVersion: v1\nkind: ConfigMapList\nitems:\n- kind: ConfigMap\n  data:\n    a: |\n      x\n";
  EXPECT_EQ(render(in, allOptions()).output, in);
}

// ---------------------------------------------------------------------------------------------------------
// Refusals: document number, line, nothing produced

TEST(Refusal, MalformedYamlNamesDocumentSourceAndLine) {
  const std::string in =
      "---\n# Source: c/templates/a.yaml\na: 1\n---\n# Source: c/templates/bad.yaml\napiVersion: v1\n"
      "kind: ConfigMap\nmetadata:\n  name: x\n data: 1\n---\nc: 3\n";
  RenderError e = refuse(in);
  EXPECT_EQ(e.document, 2);
  EXPECT_EQ(e.line, 10);
  EXPECT_EQ(e.source, "c/templates/bad.yaml");
  EXPECT_EQ(
      e.describe(),
      "document 2 (c/templates/bad.yaml), line 10: did not find expected key (while parsing a block mapping "
      "at line 6)");
}

struct RefusalCase {
  const char* name;
  std::string input;
  int document;
  int line;
  std::string message;
};

class Refusals : public ::testing::TestWithParam<RefusalCase> {};

TEST_P(Refusals, Refused) {
  RenderError e = refuse(GetParam().input, allOptions());
  EXPECT_EQ(e.document, GetParam().document);
  EXPECT_EQ(e.line, GetParam().line);
  EXPECT_EQ(e.message, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Inputs, Refusals,
    ::testing::Values(
        RefusalCase{"UnclosedFlowSequence", "a: 1\n---\nb: [1, 2\n---\nc: 3\n", 2, 4,
                    "did not find expected ',' or ']' (while parsing a flow sequence at line 3)"},
        RefusalCase{
            "TabIndentation", "---\nx: 1\n---\na:\n\t- b\n", 2, 5,
            "found character that cannot start any token (while scanning for the next token at line 5)"},
        RefusalCase{"NestedMappingOnOneLine", "a: b: c\n", 1, 1,
                    "mapping values are not allowed in this context"},
        RefusalCase{"UnknownAnchor", "a: 1\n---\nb:\n  c: *nope\n", 2, 4, "unknown anchor 'nope' referenced"},
        RefusalCase{"RecursiveAlias", "a: &x [1, *x]\n", 1, 1, "anchor 'x' value contains itself"},
        RefusalCase{"InvalidUtf8", "a: 1\n---\nb: \"\xff\"\n", 2, 3,
                    "invalid leading UTF-8 octet (byte 0xff)"},
        RefusalCase{"MalformedLastOfMany", kGatedDeployment + "---\nkind: [\n", 2, 37,
                    "did not find expected node content (while parsing a flow node at line 37)"},
        RefusalCase{
            "BadGateAnnotation", deployment("w", "", "    aiops.dev/gate: \"yes\"\n"), 1, 8,
            "deploy/w: annotation aiops.dev/gate must be \"true\" or \"false\", got the string \"yes\""},
        RefusalCase{"ReplicasNotAnInteger", deployment("w", "  replicas: three\n"), 1, 8,
                    "deploy/w: spec.replicas must be a non-negative integer, got \"three\""},
        RefusalCase{"ReplicasQuoted", deployment("w", "  replicas: \"3\"\n"), 1, 8,
                    "deploy/w: spec.replicas must be a non-negative integer, got the string \"3\""},
        RefusalCase{"NegativeReplicas", deployment("w", "  replicas: -1\n"), 1, 8,
                    "deploy/w: spec.replicas must be a non-negative integer, got \"-1\""},
        RefusalCase{"SpecNotAMapping",
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec: [1]\n", 1, 4,
                    "deploy/w: spec must be a mapping to be gated"}),
    [](const ::testing::TestParamInfo<RefusalCase>& p) { return std::string(p.param.name); });

TEST(Refusal, AliasBombIsRefused) {
  std::string in =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec:\n  a0: &a0 [x, x, x, x, x, x, x, x, "
      "x, x]\n";
  for (int i = 1; i <= 6; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    in += "  a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev;
    for (int k = 0; k < 9; ++k)
      in += ", " + prev;
    in += "]\n";
  }
  RenderError e = refuse(in, allOptions());
  EXPECT_EQ(e.document, 1);
  EXPECT_EQ(e.message, "aliases expand to more than 100000 nodes");
}

// ---------------------------------------------------------------------------------------------------------
// Window parsing

TEST(ParseWindow, AcceptsGoStyleDurationsInWholeSeconds) {
  EXPECT_EQ(aiops::gate::parseWindow("120s"), 120);
  EXPECT_EQ(aiops::gate::parseWindow("2m"), 120);
  EXPECT_EQ(aiops::gate::parseWindow("1m30s"), 90);
  EXPECT_EQ(aiops::gate::parseWindow("1h"), 3600);
  EXPECT_EQ(aiops::gate::parseWindow("90"), 90);
  EXPECT_EQ(aiops::gate::parseWindow("24h"), 86400);
  EXPECT_EQ(aiops::gate::parseWindow(""), std::nullopt);
  EXPECT_EQ(aiops::gate::parseWindow("0s"), std::nullopt);
  EXPECT_EQ(aiops::gate::parseWindow("25h"), std::nullopt);
  EXPECT_EQ(aiops::gate::parseWindow("500ms"), std::nullopt);
  EXPECT_EQ(aiops::gate::parseWindow("2x"), std::nullopt);
  EXPECT_EQ(aiops::gate::parseWindow("m"), std::nullopt);
  EXPECT_EQ(aiops::gate::parseWindow("-5s"), std::nullopt);
}

// ---------------------------------------------------------------------------------------------------------
// Large streams

std::string largeStream(std::size_t targetBytes, int& deployments, int& documents) {
  std::string out;
  deployments = documents = 0;
  const std::string blob(2000, 'x');
  for (int i = 0; out.size() < targetBytes; ++i) {
    out += "---\n# Source: big/templates/cm-" + std::to_string(i) +
           ".yaml\napiVersion: v1\nkind: ConfigMap\n"
           "metadata:\n  name: cm-" +
           std::to_string(i) + "\ndata:\n  script: |\n    #!/bin/sh\n    echo " + blob + "\n";
    out += deployment("web-" + std::to_string(i), "  replicas: " + std::to_string(i % 7) + "\n");
    documents += 2;
    ++deployments;
  }
  return out;
}

TEST(LargeStream, MultiMegabyteStreamPassesThroughAndGatesOnlyDeployments) {
  int deployments = 0;
  int documents = 0;
  std::string in = largeStream(4u << 20, deployments, documents);
  PostRendered plain = render(in);
  EXPECT_EQ(plain.output, in);
  EXPECT_EQ(plain.documents, documents);

  PostRendered all = render(in, allOptions());
  EXPECT_EQ(static_cast<int>(all.gated.size()), deployments);
  std::vector<std::string> a = documentTexts(in);
  std::vector<std::string> b = documentTexts(all.output);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (i % 2 == 0) {
      ASSERT_EQ(a[i], b[i]) << "document " << i + 1;
    } else {
      ASSERT_NE(a[i], b[i]) << "document " << i + 1;
    }
  }
}

TEST(LargeStream, EarliestErrorWinsAcrossWorkerThreads) {
  int deployments = 0;
  int documents = 0;
  std::string good = largeStream(3u << 20, deployments, documents);
  std::string in = "a: 1\n---\nb: [\n" + good + "---\nc: d: e\n";  // errors in document 2 and the last one
  RenderError e = refuse(in, allOptions());
  EXPECT_EQ(e.document, 2);
  EXPECT_EQ(e.line, 4);
  RenderError last = refuse("a: 1\n" + good + "---\nc: d: e\n", allOptions());
  EXPECT_EQ(last.document, documents + 2);
  EXPECT_EQ(last.message, "mapping values are not allowed in this context");
}

TEST(LargeStream, VeryLongLineIsKept) {
  std::string in = "apiVersion: v1\nkind: ConfigMap\ndata:\n  big: \"" + std::string(3u << 20, 'y') + "\"\n";
  EXPECT_EQ(render(in, allOptions()).output, in);
}

// ---------------------------------------------------------------------------------------------------------
// The published corpus

// Scalars compared by what they mean (type and value), so a style change in a re-emitted document is allowed
// and a type change is not.
std::string meaning(const YAML::Node& n) {
  const std::string& v = n.Scalar();
  if (n.Tag() != "?") return "str:" + v;
  static const std::regex kInt("[-+]?[0-9]+"), kFloat("[-+]?([0-9]*\\.[0-9]+|[0-9]+)([eE][-+]?[0-9]+)?");
  if (v == "true" || v == "True" || v == "TRUE" || v == "false" || v == "False" || v == "FALSE")
    return "bool:" + v;
  if (std::regex_match(v, kInt)) return "int:" + v;
  if (std::regex_match(v, kFloat)) return "float:" + v;
  return "str:" + v;
}

// Deep equality, skipping the paths the gate may change.
void expectSame(const YAML::Node& a, const YAML::Node& b, const std::string& path,
                const std::set<std::string>& skip) {
  if (skip.contains(path)) return;
  ASSERT_EQ(a.Type(), b.Type()) << path;
  switch (a.Type()) {
    case YAML::NodeType::Scalar:
      ASSERT_EQ(meaning(a), meaning(b)) << path;
      break;
    case YAML::NodeType::Sequence:
      ASSERT_EQ(a.size(), b.size()) << path;
      for (std::size_t i = 0; i < a.size(); ++i)
        expectSame(a[i], b[i], path + "/" + std::to_string(i), skip);
      break;
    case YAML::NodeType::Map: {
      std::set<std::string> keysA, keysB;
      for (const auto& kv : a)
        keysA.insert(kv.first.Scalar());
      for (const auto& kv : b) {
        std::string k = kv.first.Scalar();
        if (!skip.contains(path + "/" + k)) keysB.insert(k);
      }
      std::erase_if(keysA, [&](const std::string& k) { return skip.contains(path + "/" + k); });
      ASSERT_EQ(keysA, keysB) << path;
      for (const std::string& k : keysA)
        expectSame(a[k], b[k], path + "/" + k, skip);
      break;
    }
    default:
      break;
  }
}

struct CorpusCase {
  const char* file;
  int documents;
  int deployments;
};

class Corpus : public ::testing::TestWithParam<CorpusCase> {};

TEST_P(Corpus, UngatedStreamIsByteIdentical) {
  std::string in = readFile(std::string(AIOPS_CORPUS_DIR) + "/" + GetParam().file);
  ASSERT_FALSE(in.empty());
  PostRendered out = render(in);
  EXPECT_TRUE(out.output == in);  // not EXPECT_EQ: a failure would print megabytes
  EXPECT_EQ(out.documents, GetParam().documents);
  EXPECT_TRUE(out.gated.empty());
}

TEST_P(Corpus, AllGatedChangesOnlyDeploymentDocuments) {
  std::string in = readFile(std::string(AIOPS_CORPUS_DIR) + "/" + GetParam().file);
  PostRendered out = render(in, allOptions());
  EXPECT_EQ(static_cast<int>(out.gated.size()), GetParam().deployments);
  std::vector<DocumentSpan> inSpans = splitDocuments(in);
  std::vector<DocumentSpan> outSpans = splitDocuments(out.output);
  ASSERT_EQ(inSpans.size(), outSpans.size());
  int changed = 0;
  for (std::size_t i = 0; i < inSpans.size(); ++i) {
    std::string a = in.substr(inSpans[i].begin, inSpans[i].end - inSpans[i].begin);
    std::string b = out.output.substr(outSpans[i].begin, outSpans[i].end - outSpans[i].begin);
    YAML::Node original = YAML::Load(a);
    bool isDeployment = original.IsMap() && original["kind"] && original["kind"].Scalar() == "Deployment" &&
                        original["apiVersion"].Scalar() == "apps/v1";
    if (!isDeployment) {
      ASSERT_TRUE(a == b) << GetParam().file << " document " << i + 1 << " changed";
      continue;
    }
    ++changed;
    YAML::Node gated = YAML::Load(b);
    const YAML::Node& spec = gated["spec"];
    const YAML::Node& r = original["spec"]["replicas"];
    std::int64_t replicas = r && !r.IsNull() ? r.as<std::int64_t>() : 1;  // kyverno has `replicas:` (null)
    EXPECT_EQ(spec["strategy"]["type"].as<std::string>(), "RollingUpdate");
    EXPECT_EQ(spec["strategy"]["rollingUpdate"]["maxSurge"].as<std::int64_t>(),
              std::max<std::int64_t>(1, std::min<std::int64_t>(3, replicas)));
    EXPECT_EQ(spec["strategy"]["rollingUpdate"]["maxUnavailable"].as<int>(), 0);
    EXPECT_EQ(spec["minReadySeconds"].as<int>(), 120);
    // Everything else means exactly what it meant, and the leading comments are byte-identical.
    expectSame(original, gated, "",
               {"/spec/strategy", "/spec/minReadySeconds", "/metadata/annotations/aiops.dev/gate-original",
                "/metadata/annotations/aiops.dev/gate-canary", "/metadata/annotations/aiops.dev/gate-window",
                original["metadata"]["annotations"] ? "" : "/metadata/annotations"});
    std::size_t contentA = a.find("apiVersion:") < a.find("kind:") ? a.find("apiVersion:") : a.find("kind:");
    EXPECT_EQ(b.substr(0, contentA), a.substr(0, contentA));
  }
  EXPECT_EQ(changed, GetParam().deployments);
}

INSTANTIATE_TEST_SUITE_P(Published, Corpus,
                         ::testing::Values(CorpusCase{"ingress-nginx-deploy-cloud.yaml", 19, 1},
                                           CorpusCase{"argo-cd-install.yaml", 59, 6},
                                           CorpusCase{"kube-prometheus-manifests.yaml", 87, 5},
                                           CorpusCase{"metallb-native.yaml", 26, 1},
                                           CorpusCase{"dashboard-recommended.yaml", 14, 2},
                                           CorpusCase{"trivy-operator-static.yaml", 30, 1},
                                           CorpusCase{"linkerd-control-plane-helm.yaml", 50, 3},
                                           CorpusCase{"kyverno-install-latest-testing.yaml", 65, 4}),
                         [](const ::testing::TestParamInfo<CorpusCase>& p) {
                           std::string n = p.param.file;
                           n = n.substr(0, n.find('.'));
                           std::erase(n, '-');
                           return n;
                         });

// ---------------------------------------------------------------------------------------------------------
// The built binary, run as Helm runs it

class Binary : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("aiops-gate-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  aiops::ProcessResult run(std::vector<std::string> args, const std::string& input,
                           std::map<std::string, std::string> env = {}) {
    aiops::ProcessSpec spec;
    spec.argv = {AIOPS_GATE_BIN};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.stdinData = input;
    env.emplace("AIOPS_GATE_ERROR_FILE", "");
    env.emplace("HELM_PLUGIN_NAME", "");
    spec.env = std::move(env);
    spec.timeout = std::chrono::seconds(30);
    return aiops::runProcess(spec);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

TEST_F(Binary, Helm3StyleArgumentsGateAndMatchTheLibrary) {
  aiops::ProcessResult r = run({"--all", "--canary", "2", "--window=3m"}, kGatedDeployment);
  EXPECT_EQ(r.exitCode, 0) << r.err;
  GateOptions o = allOptions();
  o.canary = 2;
  o.windowSeconds = 180;
  EXPECT_EQ(r.out, render(kGatedDeployment, o).output);
  EXPECT_EQ(r.err, "");
  YAML::Node d = loadOnly(r.out);
  EXPECT_EQ(d["spec"]["minReadySeconds"].as<int>(), 180);
  EXPECT_EQ(d["spec"]["strategy"]["rollingUpdate"]["maxSurge"].as<int>(), 2);
}

TEST_F(Binary, PostRenderSubcommandAsTheHelm4PluginRunsIt) {
  aiops::ProcessResult r = run({"post-render"}, kGatedDeployment, {{"HELM_PLUGIN_NAME", "aiops-gate"}});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, render(kGatedDeployment).output);
}

TEST_F(Binary, MalformedInputExitsOneWithNothingOnStdoutAndTheErrorInTheFile) {
  const std::string in = kGatedDeployment + "---\n# Source: shop/templates/bad.yaml\nkind: [\n";
  aiops::ProcessResult r = run({"--error-file", path("errors.log")}, in);
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.out, "");
  const std::string message =
      "error: document 2 (shop/templates/bad.yaml), line 38: did not find expected node content (while "
      "parsing a "
      "flow node at line 38); nothing was written, fix the template and render again";
  EXPECT_EQ(r.err, message + "\n");
  std::string logged = readFile(path("errors.log"));
  std::regex line("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z aiops-gate post-render: (.*)\n");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(logged, m, line)) << logged;
  EXPECT_EQ(m[1].str(), message);
}

TEST_F(Binary, EmptyInputIsEmptyOutputUnderHelm3AndAnErrorUnderHelm4) {
  aiops::ProcessResult r3 = run({}, "");
  EXPECT_EQ(r3.exitCode, 0);
  EXPECT_EQ(r3.out, "");
  EXPECT_EQ(r3.err, "");

  // Helm 4 hides stderr: with no --error-file the error lands under $XDG_STATE_HOME.
  aiops::ProcessResult r4 =
      run({"post-render"}, "\n", {{"HELM_PLUGIN_NAME", "aiops-gate"}, {"XDG_STATE_HOME", dir_.string()}});
  EXPECT_EQ(r4.exitCode, 1);
  EXPECT_EQ(r4.out, "");
  EXPECT_NE(
      readFile(path("aiops-gate/errors.log"))
          .find("error: the rendered manifest stream is empty; Helm 4 refuses empty post-renderer output"),
      std::string::npos);
}

TEST_F(Binary, ErrorFileFromTheEnvironment) {
  aiops::ProcessResult r = run({}, "a: b: c\n", {{"AIOPS_GATE_ERROR_FILE", path("env.log")}});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(
      readFile(path("env.log")).find("document 1, line 1: mapping values are not allowed in this context"),
      std::string::npos);
}

TEST_F(Binary, UsageErrorsExitTwo) {
  aiops::ProcessResult r = run({"--canary", "0"}, "");
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(r.err, "error: --canary: Value 0 not in range 1 to 1000000; see 'aiops-gate --help'\n");
  r = run({"--window", "5x"}, "");
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(r.err, "error: --window: '5x' is not a duration from 1s to 24h (e.g. 120s, 2m, 1m30s)\n");
  r = run({"wach"}, "");
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(r.err,
            "error: unknown command 'wach'; use post-render (the default), watch or upgrade; see 'aiops-gate "
            "--help'\n");
  EXPECT_EQ(r.out, "");
  // watch and upgrade check their flags before they reach for a cluster or for helm.
  r = run({"watch"}, "");
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(
      r.err,
      "error: name a Deployment (deploy/NAME) or a Helm release (--release NAME); see 'aiops-gate watch "
      "--help'\n");
  r = run({"rollout", "watch", "sts/web"}, "");  // kubectl aiops' spelling of the same command
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(r.err,
            "error: invalid target 'sts/web': the gate watches Deployments; use deploy/NAME; see 'aiops-gate "
            "watch --help'\n");
  r = run({"upgrade", "todo", "./chart"}, "");
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(r.err, "error: put the helm upgrade arguments after '--'; see 'aiops-gate upgrade --help'\n");
  r = run({"upgrade", "--window", "--", "todo", "./chart"}, "");
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(r.err, "error: --window needs a value; see 'aiops-gate upgrade --help'\n");
  r = run({"upgrade", "--", "--set", "a=b", "todo"}, "");
  EXPECT_EQ(r.exitCode, 2);
  EXPECT_EQ(
      r.err,
      "error: helm upgrade needs a release and a chart: -- RELEASE CHART [flags]; see 'aiops-gate upgrade "
      "--help'\n");
  EXPECT_EQ(r.out, "");
}

TEST_F(Binary, CorpusStreamThroughTheBinaryIsByteIdentical) {
  std::string in = readFile(std::string(AIOPS_CORPUS_DIR) + "/kyverno-install-latest-testing.yaml");
  aiops::ProcessResult r = run({"post-render"}, in);
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_TRUE(r.out == in);
}

// ---------------------------------------------------------------------------------------------------------
// The Helm 4 plugin manifest

// Helm 4 decodes plugin.yaml (apiVersion v1) with KnownFields(true) into MetadataV1; runtimeConfig is then
// decoded into the subprocess runtime config (platformCommand entries: os, arch, command, args).
std::vector<std::string> helm4Violations(const YAML::Node& p) {
  static const std::set<std::string> kTopLevel = {"apiVersion", "name",      "type",   "runtime",
                                                  "version",    "sourceURL", "config", "runtimeConfig"};
  static const std::set<std::string> kRuntime = {"platformCommand", "platformHooks", "protocolCommands"};
  static const std::set<std::string> kCommand = {"os", "arch", "command", "args"};
  std::vector<std::string> v;
  if (!p.IsMap()) return {"not a mapping"};
  for (const auto& kv : p) {
    if (!kTopLevel.contains(kv.first.Scalar())) v.push_back("unknown key " + kv.first.Scalar());
  }
  for (const char* required : {"apiVersion", "name", "type", "runtime", "version"}) {
    if (!p[required] || !p[required].IsScalar() || p[required].Scalar().empty()) {
      v.push_back(std::string("missing ") + required);
    }
  }
  if (p["apiVersion"] && p["apiVersion"].Scalar() != "v1") v.push_back("apiVersion is not v1");
  if (p["name"] && !std::regex_match(p["name"].Scalar(), std::regex("^[A-Za-z0-9_-]+$")))
    v.push_back("bad name");
  static const std::regex kSemver(
      R"(^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$)");
  if (p["version"] && !std::regex_match(p["version"].Scalar(), kSemver))
    v.push_back("version is not strict semver");
  if (p["config"] && !(p["config"].IsMap() && p["config"].size() == 0))
    v.push_back("postrenderer/v1 has no config");
  YAML::Node rc = p["runtimeConfig"];
  if (!rc || !rc.IsMap()) return v.push_back("runtimeConfig missing"), v;
  for (const auto& kv : rc) {
    if (!kRuntime.contains(kv.first.Scalar())) v.push_back("unknown runtimeConfig key " + kv.first.Scalar());
  }
  if (!rc["platformCommand"] || !rc["platformCommand"].IsSequence() || rc["platformCommand"].size() == 0) {
    v.push_back("no platformCommand");
    return v;
  }
  for (const auto& cmd : rc["platformCommand"]) {
    for (const auto& kv : cmd) {
      if (!kCommand.contains(kv.first.Scalar()))
        v.push_back("unknown platformCommand key " + kv.first.Scalar());
    }
    if (!cmd["command"] || cmd["command"].Scalar().empty()) v.push_back("platformCommand without command");
    if (cmd["args"] && !cmd["args"].IsSequence()) v.push_back("args is not a list");
  }
  return v;
}

TEST(Helm4Plugin, ManifestPassesStrictParsingWithTheRightValues) {
  YAML::Node p = YAML::LoadFile(std::string(AIOPS_HELM4_PLUGIN_DIR) + "/plugin.yaml");
  EXPECT_EQ(helm4Violations(p), std::vector<std::string>{});
  EXPECT_EQ(p.size(), 6u);
  EXPECT_EQ(p["apiVersion"].as<std::string>(), "v1");
  EXPECT_EQ(p["type"].as<std::string>(), "postrenderer/v1");
  EXPECT_EQ(p["name"].as<std::string>(), "aiops-gate");
  EXPECT_EQ(p["version"].as<std::string>(), AIOPS_VERSION);
  EXPECT_EQ(p["runtime"].as<std::string>(), "subprocess");
  ASSERT_EQ(p["runtimeConfig"].size(), 1u);
  YAML::Node cmd = p["runtimeConfig"]["platformCommand"];
  ASSERT_EQ(cmd.size(), 1u);
  EXPECT_FALSE(cmd[0]["os"]);  // one command for every platform
  EXPECT_EQ(cmd[0]["command"].as<std::string>(), "aiops-gate");
  EXPECT_EQ(cmd[0]["args"].as<std::vector<std::string>>(), std::vector<std::string>{"post-render"});
}

TEST(Helm4Plugin, StrictCheckRefusesWhatHelm4Refuses) {
  YAML::Node p = YAML::LoadFile(std::string(AIOPS_HELM4_PLUGIN_DIR) + "/plugin.yaml");
  p["usage"] = "legacy key";
  p["version"] = "v0.1.0";
  p["runtimeConfig"]["platformCommand"][0]["shell"] = "sh";
  EXPECT_EQ(helm4Violations(p), (std::vector<std::string>{"unknown key usage", "version is not strict semver",
                                                          "unknown platformCommand key shell"}));
}

TEST_F(Binary, PluginCommandLineRunsTheGate) {
  // What Helm 4 executes: platformCommand[0].command (looked up on PATH) + args + --post-renderer-args.
  YAML::Node p = YAML::LoadFile(std::string(AIOPS_HELM4_PLUGIN_DIR) + "/plugin.yaml");
  YAML::Node cmd = p["runtimeConfig"]["platformCommand"][0];
  std::filesystem::path bin = dir_ / "bin";
  std::filesystem::create_directories(bin);
  std::filesystem::create_symlink(AIOPS_GATE_BIN, bin / "aiops-gate");
  aiops::ProcessSpec spec;
  std::string command = cmd["command"].as<std::string>();
  ASSERT_EQ(command.find('/'), std::string::npos);  // Helm runs it through exec.LookPath on $PATH
  spec.argv = {(bin / command).string()};
  for (const auto& a : cmd["args"])
    spec.argv.push_back(a.as<std::string>());
  spec.argv.push_back("--canary=1");
  spec.env = {{"PATH", bin.string() + ":/usr/bin:/bin"},
              {"HELM_PLUGIN_NAME", "aiops-gate"},
              {"HELM_PLUGIN_DIR", AIOPS_HELM4_PLUGIN_DIR}};
  spec.stdinData = kGatedDeployment;
  spec.timeout = std::chrono::seconds(30);
  aiops::ProcessResult r = aiops::runProcess(spec);
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(loadOnly(r.out)["spec"]["strategy"]["rollingUpdate"]["maxSurge"].as<int>(), 1);
}

}  // namespace

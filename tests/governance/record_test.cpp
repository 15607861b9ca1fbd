// PHR files: the exact Spec-Kit Plus layout, byte-exact round trips, slugs and file names, and parse errors
// that name the file and line.
#include "governance/record.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "governance/canonical.h"

namespace aiops::governance {
namespace {

namespace json = boost::json;

Record sampleRecord() {
  Record r;
  r.header.id = "0002";
  r.header.title = "Approve op-0001: raise the memory limit of container app to 384Mi";
  r.header.date = "2024-05-01";
  r.header.feature = "op-0001-raise-the-memory-limit";
  r.header.user = "bob";
  r.header.command = "kubectl aiops approve op-0001 --reason \"OOM x4\"";
  r.header.labels = {"aiops", "approval", "approved", "medium"};
  r.header.links.ticket = "https://tickets.example.com/OPS-12";
  OperationData& a = r.aiops;
  a.record = RecordKind::Approval;
  a.operationId = "op-0001";
  a.status = Status::Approved;
  a.time = *parseTimestamp("2024-05-01T10:05:00Z");
  a.actor = Identity{"bob", {"system:authenticated"}};
  a.requestedBy = Identity{"alice", {"system:authenticated", "sre"}};
  a.requestedAt = *parseTimestamp("2024-05-01T10:00:00Z");
  a.target = Target{"apps/v1", "Deployment", "shop", "backend", "uid-1", 7};
  a.risk = model::Risk::Medium;
  a.action = "resource-increase";
  a.summary = "raise the memory limit of container app to 384Mi";
  a.rationale = "OOMKilled 4 times\nat 256Mi";
  a.evidence = {"event OOMKilling x4"};
  a.change =
      Change{ChangeType::Strategic, json::parse(R"({"spec":{"replicas":2,"paused":false,"ratio":0.5}})")};
  a.changeSha256 = canonicalSha256(a.change->body);
  a.before = json::parse(
      R"({"kind":"Deployment","metadata":{"labels":{"app.kubernetes.io/name":"backend","1":"yes"}},"spec":{"containers":[{"name":"app","args":["--port","8080"]}],"empty":{},"none":[]}})");
  a.beforeSha256 = canonicalSha256(*a.before);
  a.rollback =
      Change{ChangeType::Json, json::parse(R"([{"op":"replace","path":"/spec/replicas","value":1}])")};
  a.approvals = {Approval{Identity{"bob", {"architects"}}, Decision::Approve, "OOM x4", a.time,
                          a.changeSha256, "approver"}};
  a.metrics = json::parse(R"({"restarts":4,"memoryBytes":268435456})");
  a.checkpoints = {};
  a.outcome = "";
  a.prevRecordSha256 = sha256Hex("previous");
  r.prompt = "kubectl aiops approve op-0001 --reason \"OOM x4\"";
  r.response = "bob approved op-0001.\n\nStatus: approved.";
  r.outcome = {"op-0001 approved", "none", "none", "kubectl aiops apply op-0001", "none"};
  r.evaluation = {"none observed", "none", "n/a", "none"};
  return r;
}

const char* const kSampleText = R"(---
id: "0002"
title: "Approve op-0001: raise the memory limit of container app to 384Mi"
stage: misc
date: 2024-05-01
surface: agent
model: none
feature: op-0001-raise-the-memory-limit
branch: main
user: bob
command: "kubectl aiops approve op-0001 --reason \"OOM x4\""
labels: ["aiops","approval","approved","medium"]
links:
  spec: null
  ticket: "https://tickets.example.com/OPS-12"
  adr: null
  pr: null
files: []
tests: []
aiops:
  schema: kubectl-aiops/phr/v1
  record: approval
  operationId: op-0001
  status: approved
  time: "2024-05-01T10:05:00Z"
  actor:
    user: bob
    groups:
      - "system:authenticated"
  requestedBy:
    user: alice
    groups:
      - "system:authenticated"
      - sre
  requestedAt: "2024-05-01T10:00:00Z"
  target:
    apiVersion: apps/v1
    kind: Deployment
    namespace: shop
    name: backend
    uid: uid-1
    generation: 7
  risk: medium
  action: resource-increase
  summary: "raise the memory limit of container app to 384Mi"
  rationale: "OOMKilled 4 times\nat 256Mi"
  source: ""
  evidence:
    - "event OOMKilling x4"
  change:
    type: strategic
    sha256: CHANGE_SHA
    body:
      spec:
        replicas: 2
        paused: false
        ratio: 0.5
  before:
    sha256: BEFORE_SHA
    object:
      kind: Deployment
      metadata:
        labels:
          app.kubernetes.io/name: backend
          "1": "yes"
      spec:
        containers:
          - name: app
            args:
              - "--port"
              - "8080"
        empty: {}
        none: []
  rollback:
    type: json
    body:
      - op: replace
        path: /spec/replicas
        value: 1
  approvals:
    - user: bob
      groups:
        - architects
      decision: approve
      justification: "OOM x4"
      time: "2024-05-01T10:05:00Z"
      changeSha256: CHANGE_SHA
      role: approver
  metrics:
    restarts: 4
    memoryBytes: 268435456
  checkpoints: []
  outcome: ""
  prevRecordSha256: PREV_SHA
---

## Prompt

kubectl aiops approve op-0001 --reason "OOM x4"

## Response snapshot

bob approved op-0001.

Status: approved.

## Outcome

- ✅ Impact: op-0001 approved
- 🧪 Tests: none
- 📁 Files: none
- 🔁 Next prompts: kubectl aiops apply op-0001
- 🧠 Reflection: none

## Evaluation notes (flywheel)

- Failure modes observed: none observed
- Graders run and results (PASS/FAIL): none
- Prompt variant (if applicable): n/a
- Next experiment (smallest change to try): none
)";

std::string expectedSample() {
  const Record r = sampleRecord();
  std::string text = kSampleText;
  const auto replaceAll = [&](const std::string& from, const std::string& to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
      text.replace(at, from.size(), to);
  };
  // A hash is written plain when it starts with a letter and quoted when it starts with a digit (YAML would
  // otherwise read some as numbers).
  const auto scalar = [](const std::string& sha) {
    return std::isalpha(static_cast<unsigned char>(sha[0])) ? sha : "\"" + sha + "\"";
  };
  replaceAll("CHANGE_SHA", scalar(r.aiops.changeSha256));
  replaceAll("BEFORE_SHA", scalar(r.aiops.beforeSha256));
  replaceAll("PREV_SHA", scalar(r.aiops.prevRecordSha256));
  return text;
}

TEST(Record, RendersTheSpecKitPlusLayoutExactly) {
  EXPECT_EQ(renderRecord(sampleRecord()), expectedSample());
}

TEST(Record, RoundTripsByteForByte) {
  const Record r = sampleRecord();
  const std::string text = renderRecord(r);
  const Record parsed = parseRecord(text, "x.md");
  EXPECT_EQ(parsed, r);
  EXPECT_EQ(renderRecord(parsed), text);
}

TEST(Record, RoundTripsAwkwardStrings) {
  Record r = sampleRecord();
  r.header.title = "Diagnose: \"quotes\", colons: # hashes & unicode caf\xC3\xA9 \xE2\x80\xA8";
  r.header.user = "system:serviceaccount:aiops:runner";
  r.aiops.actor.user = r.header.user;
  r.aiops.summary = "yes";  // a YAML 1.1 boolean word must stay a string
  r.aiops.rationale = "  leading and trailing spaces  ";
  r.aiops.evidence = {"true",   "null",       "123",    "1e3",    "0x1F", "~",
                      "- dash", "key: value", "[flow]", "{flow}", "@at",  "`tick`"};
  r.aiops.metrics =
      json::parse(R"({"big":18446744073709551615,"neg":-5,"zero":0.0,"tiny":1e-300,"s":"007"})");
  r.prompt = "line one\n## Prompt is fine inside text when not the whole line\n\ttabbed\n";
  r.response = "ok\n";
  const std::string text = renderRecord(r);
  const Record parsed = parseRecord(text, "x.md");
  EXPECT_EQ(parsed, r);
  EXPECT_EQ(renderRecord(parsed), text);
}

// Computed metrics (a p95 latency, an error rate) are arbitrary doubles; each must read back to the same
// value and the same bytes, or the journal would refuse its own record.
TEST(Record, RoundTripsComputedDoubles) {
  Record r = sampleRecord();
  json::object metrics;
  metrics["p95"] = 99.37499999999999;
  metrics["rate"] = 0.1;
  metrics["whole"] = 100.0;
  metrics["huge"] = 1.7976931348623157e308;
  metrics["small"] = 5e-324;
  metrics["third"] = 1.0 / 3.0;
  r.aiops.metrics = metrics;
  const std::string text = renderRecord(r);
  EXPECT_NE(text.find("p95: 99.37499999999999\n"), std::string::npos) << text;
  EXPECT_NE(text.find("whole: 100.0\n"), std::string::npos) << text;
  const Record parsed = parseRecord(text, "x.md");
  EXPECT_EQ(parsed, r);
  EXPECT_EQ(renderRecord(parsed), text);
  for (const auto& [key, value] : parsed.aiops.metrics.as_object())
    EXPECT_TRUE(value.is_double()) << key;
}

TEST(Record, RefusesToRenderInconsistentRecords) {
  Record r = sampleRecord();
  r.aiops.changeSha256 = std::string(64, 'a');
  EXPECT_THROW(
      {
        try {
          renderRecord(r);
        } catch (const RecordError& e) {
          EXPECT_STREQ(e.what(),
                       "cannot write the record: aiops.change.sha256: does not match the SHA-256 of the "
                       "change's canonical JSON");
          throw;
        }
      },
      RecordError);
  r = sampleRecord();
  r.header.date = "2024-05-02";
  EXPECT_EQ(validateRecord(r), "date: '2024-05-02' is not the date of aiops.time (2024-05-01)");
  r = sampleRecord();
  r.prompt = "text\n## Outcome\nmore";
  EXPECT_EQ(validateRecord(r),
            "body: the prompt or response holds a line that is one of the record's section headings");
  r = sampleRecord();
  r.header.id = "12";
  EXPECT_EQ(validateRecord(r), "id: '12' is not a 4-digit id");
}

std::string parseError(const std::string& text) {
  try {
    parseRecord(text, "history/prompts/op-0001-x/0002-y.misc.prompt.md");
  } catch (const RecordError& e) {
    return e.what();
  }
  return "no error";
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

TEST(Record, ParseErrorsNameTheFileAndLine) {
  const std::string good = expectedSample();
  const std::string file = "history/prompts/op-0001-x/0002-y.misc.prompt.md";
  EXPECT_EQ(parseError("# not a record\n"),
            file + ":1: a record starts with a '---' line (YAML front matter)");
  EXPECT_EQ(parseError(replaced(good, "id: \"0002\"", "id: 0002")),
            file + ":2: id: must be a quoted string such as \"0007\"");
  EXPECT_EQ(parseError(replaced(good, "status: approved", "status: aproved")),
            file + ":24: aiops.status: unknown status 'aproved'");
  EXPECT_EQ(
      parseError(replaced(good, "stage: misc\ndate: 2024-05-01", "date: 2024-05-01\nstage: misc")),
      file + ":4: date: found where 'stage' belongs (Spec-Kit Plus keys come in template order, then aiops)");
  EXPECT_EQ(parseError(replaced(good, "    generation: 7", "    generation: seven")),
            file + ":42: aiops.target.generation: expected an integer");
  EXPECT_EQ(parseError(replaced(good, "  outcome: \"\"", "  outcome: \"\"\n  extra: 1")),
            file + ":94: aiops: unknown key 'extra'");
  EXPECT_EQ(parseError(replaced(good, "## Response snapshot", "## Answer")),
            file + ":99: expected a '## Response snapshot' section after the prompt");
  EXPECT_EQ(parseError(replaced(good, "- 🧪 Tests: none", "- Tests: none")),
            file + ":110: expected the Outcome bullet '- 🧪 Tests: '");
  EXPECT_EQ(parseError(replaced(good, "title: \"Approve", "title:   \"Approve")),
            file + ":3: invalid YAML: expected one space after ':'");
  EXPECT_EQ(parseError(replaced(good, "stage: misc", "stage: \"misc\"")),
            file + ":4: not in the exact form the journal writes (spacing, quoting or key order differ)");
  EXPECT_EQ(parseError(replaced(good, "    memoryBytes: 268435456", "    memoryBytes: [268435456")),
            file + ":91: invalid YAML: a flow sequence must be a list of double-quoted strings");
  EXPECT_EQ(parseError(replaced(good, "  risk: medium", "  risk: &anchor medium")),
            file +
                ":43: invalid YAML: unsupported YAML syntax (the journal writes only plain and double-quoted "
                "scalars)");
  EXPECT_EQ(parseError(replaced(good, "surface: agent\n", "surface: agent\n\n")),
            file + ":7: invalid YAML: an empty line inside the front matter");
  EXPECT_EQ(parseError(good + "trailing\n"), file + ":121: unexpected text after the evaluation notes");
  EXPECT_EQ(
      parseError(replaced(good, "    sha256: " + sampleRecord().aiops.beforeSha256,
                          "    sha256: " + std::string(64, '0'))),
      file + ":59: aiops.before.sha256: does not match the SHA-256 of the before-state's canonical JSON");
}

TEST(Record, RecordsWithoutRequesterOrRoleStillParse) {
  // Written before requestedBy, requestedAt and approvals[].role existed: still a record, read as such.
  std::string legacy = expectedSample();
  legacy =
      replaced(legacy,
               "  requestedBy:\n    user: alice\n    groups:\n      - \"system:authenticated\"\n      - sre\n"
               "  requestedAt: \"2024-05-01T10:00:00Z\"\n",
               "");
  legacy = replaced(legacy, "      role: approver\n", "");
  const Record parsed = parseRecord(legacy, "x.md");
  EXPECT_EQ(parsed.aiops.requestedBy, Identity{});
  EXPECT_FALSE(parsed.aiops.requestedAt);
  ASSERT_EQ(parsed.aiops.approvals.size(), 1u);
  EXPECT_EQ(parsed.aiops.approvals[0].role, "");
  EXPECT_EQ(renderRecord(parsed), legacy);
}

TEST(Record, RequesterAndRoleAreChecked) {
  Record r = sampleRecord();
  r.aiops.approvals[0].role = "boss";
  EXPECT_EQ(validateRecord(r), "aiops.approvals.role: 'boss' is not approver or security-reviewer");
  r = sampleRecord();
  r.aiops.requestedAt.reset();
  EXPECT_EQ(validateRecord(r), "aiops.requestedBy: requestedBy and requestedAt are written together");
  r = sampleRecord();
  r.aiops.record = RecordKind::Recommendation;
  r.aiops.status = Status::Proposed;
  EXPECT_EQ(validateRecord(r), "aiops.requestedBy: a recommendation's requester is its actor, at its time");
  r.aiops.requestedBy = r.aiops.actor;
  r.aiops.requestedAt = r.aiops.time;
  EXPECT_EQ(validateRecord(r), std::nullopt);
  r = sampleRecord();
  r.aiops.record = RecordKind::Diagnosis;
  r.aiops.operationId.clear();
  r.aiops.status.reset();
  EXPECT_EQ(validateRecord(r), "aiops.requestedBy: a diagnosis has no requester");
  const std::string file = "history/prompts/op-0001-x/0002-y.misc.prompt.md";
  EXPECT_EQ(parseError(replaced(expectedSample(), "      role: approver", "      role: boss")),
            file + ":88: aiops.approvals.role: 'boss' is not approver or security-reviewer");
}

TEST(Record, SlugsFollowSpecKitPlus) {
  EXPECT_EQ(slugify("Approve op-0001: Raise the memory limit!"), "approve-op-0001-raise-the-memory-limit");
  EXPECT_EQ(slugify("  --Hello__World--  "), "hello-world");
  EXPECT_EQ(slugify("caf\xC3\xA9 au lait"), "caf-au-lait");
  EXPECT_EQ(slugify("!!!"), "record");
  EXPECT_EQ(slugify("one two three four five six seven eight nine ten eleven twelve thirteen"),
            "one-two-three-four-five-six-seven-eight-nine-ten-eleven");
  EXPECT_EQ(slugify("abcdefghij", 4), "abcd");
}

TEST(Record, FileNames) {
  Header h;
  h.id = "0007";
  h.title = "Propose op-0003: scale web";
  EXPECT_EQ(recordFileName(h), "0007-propose-op-0003-scale-web.misc.prompt.md");
  const auto parsed = parseRecordFileName("0007-propose-op-0003-scale-web.misc.prompt.md");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->number, 7u);
  EXPECT_EQ(parsed->id, "0007");
  EXPECT_EQ(parsed->slug, "propose-op-0003-scale-web");
  EXPECT_EQ(parsed->stage, "misc");
  EXPECT_EQ(parseRecordFileName("12345-x.misc.prompt.md")->number, 12345u);
  EXPECT_FALSE(parseRecordFileName("007-x.misc.prompt.md"));
  EXPECT_FALSE(parseRecordFileName("0007-x.misc.md"));
  EXPECT_FALSE(parseRecordFileName("0007-X.misc.prompt.md"));
  EXPECT_EQ(formatId(7), "0007");
  EXPECT_EQ(formatId(12345), "12345");
}

TEST(Record, JsonFormHasHeaderDataAndBody) {
  const json::value doc = toJson(sampleRecord());
  EXPECT_EQ(doc.at("header").at("id"), "0002");
  EXPECT_EQ(doc.at("header").at("links").at("spec"), nullptr);
  EXPECT_EQ(doc.at("aiops").at("status"), "approved");
  EXPECT_EQ(doc.at("aiops").at("approvals").at(0).at("user"), "bob");
  EXPECT_EQ(doc.at("aiops").at("approvals").at(0).at("role"), "approver");
  EXPECT_EQ(doc.at("aiops").at("requestedBy").at("user"), "alice");
  EXPECT_EQ(doc.at("aiops").at("requestedAt"), "2024-05-01T10:00:00Z");
  EXPECT_EQ(doc.at("body").at("outcome").at("nextPrompts"), "kubectl aiops apply op-0001");
}

}  // namespace
}  // namespace aiops::governance

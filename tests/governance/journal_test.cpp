// The PHR journal: layout, commits and trailers, the lifecycle on append, change-hash binding, queries,
// pushing to a remote, archiving, path resolution, and that no secret value reaches any record or object.
#include "governance/journal.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "governance/canonical.h"
#include "governance_test_util.h"

namespace aiops::governance {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using testing::alice;
using testing::bob;
using testing::git;
using testing::memoryProposal;
using testing::readFile;
using testing::steppingClock;
using testing::TempDir;

constexpr std::string_view kFeature = "op-0001-raise-the-memory-limit-of-container-app";
constexpr std::string_view kFirstFile =
    "0001-propose-op-0001-raise-the-memory-limit-of-container-app-to.misc.prompt.md";

JournalOptions optionsAt(const fs::path& path) {
  JournalOptions options;
  options.path = path;
  options.now = steppingClock();
  return options;
}

Step approval(const std::string& changeSha256, std::optional<Status> status = std::nullopt) {
  Step step;
  step.kind = RecordKind::Approval;
  step.status = status;
  step.justification = "OOMKilled 4 times; 384Mi keeps a 30% margin";
  step.changeSha256 = changeSha256;
  step.text.command = "kubectl aiops approve op-0001 --reason \"OOMKilled 4 times\"";
  return step;
}

Step simple(RecordKind kind) {
  Step step;
  step.kind = kind;
  return step;
}

Step checkpoint(const std::string& name, bool passed) {
  Step step;
  step.kind = RecordKind::Checkpoint;
  step.checkpoint = Checkpoint{
      name, {}, passed, passed ? "ready 2/2, restarts 0" : "CrashLoopBackOff", json::parse(R"({"ready":2})")};
  return step;
}

std::string changeOf(Journal& journal, const std::string& operation) {
  return journal.show(operation).record.aiops.changeSha256;
}

std::string refusal(const std::function<void()>& action,
                    JournalError::Kind expected = JournalError::Kind::Refused) {
  try {
    action();
  } catch (const JournalError& e) {
    EXPECT_EQ(e.kind(), expected) << e.what();
    return e.what();
  }
  return "not refused";
}

TEST(Journal, CreatesTheRepositoryOnFirstUseAndWritesTheRecordAsFileAndCommit) {
  TempDir dir;
  const fs::path repo = dir / "phr";
  Journal journal(optionsAt(repo));
  const Appended a = journal.propose(memoryProposal(), alice());
  EXPECT_EQ(a.path, fmt::format("history/prompts/{}/{}", kFeature, kFirstFile));
  EXPECT_EQ(a.id, "0001");
  EXPECT_EQ(a.feature, kFeature);
  EXPECT_EQ(a.operationId, "op-0001");
  EXPECT_EQ(a.status, Status::Proposed);
  EXPECT_TRUE(a.warnings.empty()) << a.warnings.front();

  // The working tree mirrors the commit, the index is in step, and the branch is main.
  const std::string bytes = readFile(repo / a.path);
  EXPECT_EQ(sha256Hex(bytes), a.sha256);
  EXPECT_EQ(git(repo, {"status", "--porcelain"}), "");
  EXPECT_EQ(git(repo, {"rev-parse", "--abbrev-ref", "HEAD"}), "main\n");
  EXPECT_EQ(git(repo, {"rev-parse", "HEAD"}), a.commit + "\n");
  EXPECT_EQ(git(repo, {"log", "-1", "--format=%an <%ae> %aI"}),
            "alice <alice@kubernetes> 2024-05-01T10:00:00+00:00\n");
  const std::string blob = git(repo, {"rev-parse", "HEAD:" + a.path});
  EXPECT_EQ(git(repo, {"log", "-1", "--format=%B"}),
            fmt::format("recommendation op-0001: raise the memory limit of container app to 384Mi\n\n"
                        "Propose op-0001: raise the memory limit of container app to 384Mi\n\n"
                        "Operation-Id: op-0001\nRecord: {}\nRecord-Blob: {}Chain-Head: {}\nStatus: proposed\n"
                        "Risk: medium\nTarget: Deployment shop/backend\nRequested-by: alice\n\n",
                        a.path, blob, a.sha256));
  const Record r = parseRecord(bytes, a.path);
  EXPECT_EQ(r.header.id, "0001");
  EXPECT_EQ(r.header.title, "Propose op-0001: raise the memory limit of container app to 384Mi");
  EXPECT_EQ(r.header.stage, "misc");
  EXPECT_EQ(r.header.date, "2024-05-01");
  EXPECT_EQ(r.header.surface, "agent");
  EXPECT_EQ(r.header.feature, kFeature);
  EXPECT_EQ(r.header.user, "alice");
  EXPECT_EQ(r.header.command, "kubectl aiops diagnose deploy/backend -n shop");
  EXPECT_EQ(r.header.labels, (std::vector<std::string>{"aiops", "recommendation", "proposed", "medium"}));
  EXPECT_EQ(r.aiops.prevRecordSha256, kZeroSha256);
  EXPECT_EQ(r.aiops.changeSha256, canonicalSha256(memoryProposal().change.body));
  EXPECT_EQ(r.aiops.beforeSha256, canonicalSha256(*memoryProposal().before));
  EXPECT_EQ(r.prompt, "kubectl aiops diagnose deploy/backend -n shop");
  EXPECT_EQ(r.response,
            "Recommended for Deployment shop/backend (medium risk): raise the memory limit of container app "
            "to 384Mi.");
  EXPECT_EQ(r.outcome.nextPrompts, "kubectl aiops approve op-0001 --reason \"...\"");
  EXPECT_EQ(journal.anchor()->commit, a.commit);
  EXPECT_EQ(journal.anchor()->chainHead, a.sha256);
}

TEST(Journal, RecordsAWholeLifecycleOneFileAndCommitPerStep) {
  TempDir dir;
  Journal journal(optionsAt(dir / "phr"));
  const Appended proposed = journal.propose(memoryProposal(), alice());
  const std::string change = changeOf(journal, "op-0001");
  Step applying = simple(RecordKind::Applying);
  applying.metrics = json::parse(R"({"pods":2,"restarts":4,"memory":{"backend-1":"250Mi"}})");
  std::vector<Appended> steps{proposed,
                              journal.record("op-0001", approval(change), bob()),
                              journal.record("op-0001", applying, alice()),
                              journal.record("op-0001", simple(RecordKind::Applied), alice()),
                              journal.record("op-0001", checkpoint("5m", true), alice()),
                              journal.record("op-0001", checkpoint("15m", true), alice()),
                              journal.record("op-0001", checkpoint("1h", true), alice()),
                              journal.record("op-0001", simple(RecordKind::Verified), alice())};
  const std::vector<Status> statuses{Status::Proposed, Status::Approved, Status::Applying, Status::Applied,
                                     Status::Applied,  Status::Applied,  Status::Applied,  Status::Verified};
  for (std::size_t i = 0; i < steps.size(); ++i) {
    EXPECT_EQ(steps[i].id, formatId(i + 1));
    EXPECT_EQ(steps[i].status, statuses[i]);
    EXPECT_EQ(steps[i].feature, kFeature);
    const Record r = journal.show(steps[i].path).record;
    EXPECT_EQ(r.aiops.prevRecordSha256, i == 0 ? std::string(kZeroSha256) : steps[i - 1].sha256);
  }
  EXPECT_EQ(git(dir / "phr", {"rev-list", "--count", "main"}), "8\n");
  EXPECT_EQ(git(dir / "phr", {"log", "-1", "--skip=6", "--format=%an|%(trailers:key=Approved-by,valueonly)"}),
            "bob|bob\n\n");

  const Record last = journal.show("op-0001").record;
  EXPECT_EQ(last.header.title, "Verified op-0001: raise the memory limit of container app to 384Mi");
  ASSERT_EQ(last.aiops.approvals.size(), 1u);
  EXPECT_EQ(last.aiops.approvals[0].identity, bob());
  EXPECT_EQ(last.aiops.approvals[0].changeSha256, change);
  EXPECT_EQ(formatTimestamp(last.aiops.approvals[0].time), "2024-05-01T10:00:01Z");
  EXPECT_EQ(last.aiops.metrics, applying.metrics);
  ASSERT_EQ(last.aiops.checkpoints.size(), 3u);
  EXPECT_EQ(last.aiops.checkpoints[2].name, "1h");
  EXPECT_EQ(last.header.tests, (std::vector<std::string>{"checkpoint 5m: ready 2/2, restarts 0 (PASS)",
                                                         "checkpoint 15m: ready 2/2, restarts 0 (PASS)",
                                                         "checkpoint 1h: ready 2/2, restarts 0 (PASS)"}));
  EXPECT_EQ(last.evaluation.graders, "checkpoint 5m: PASS, checkpoint 15m: PASS, checkpoint 1h: PASS");
  const Record applied = journal.show("op-0001/0004").record;
  EXPECT_EQ(applied.header.files, std::vector<std::string>{"Deployment shop/backend"});
  EXPECT_EQ(applied.response, "alice recorded applied for op-0001; status applying -> applied.");

  const auto operations = journal.operations();
  ASSERT_EQ(operations.size(), 1u);
  EXPECT_EQ(operations[0].operationId, "op-0001");
  EXPECT_EQ(operations[0].status, Status::Verified);
  EXPECT_EQ(operations[0].requestedBy, "alice");
  EXPECT_EQ(operations[0].records, 8u);
  EXPECT_EQ(operations[0].latestPath, steps.back().path);
  EXPECT_TRUE(journal.verify().ok());
}

TEST(Journal, RefusesIllegalStepsAndWritesNothing) {
  TempDir dir;
  Journal journal(optionsAt(dir / "phr"));
  journal.propose(memoryProposal(), alice());
  const std::string change = changeOf(journal, "op-0001");
  EXPECT_EQ(
      refusal([&] { journal.record("op-0001", simple(RecordKind::Applying), alice()); }),
      "operation op-0001 is proposed; an applying record needs it to be approved; nothing was recorded");
  EXPECT_EQ(
      refusal([&] { journal.record("op-0001", approval(std::string(64, 'a')), bob()); }),
      fmt::format(
          "the approval is for change sha256 aaaaaaaaaaaa but op-0001's change is sha256 {}: the change is "
          "not the one that was reviewed; nothing was recorded",
          change.substr(0, 12)));
  EXPECT_EQ(refusal([&] { journal.record("op-0001", approval(""), bob()); }),
            "an approval must name the SHA-256 of the change it decides on; nothing was recorded");
  EXPECT_EQ(
      refusal([&] { journal.record("op-0009", approval(change), bob()); }, JournalError::Kind::NotFound),
      "no operation op-0009 in the journal");
  EXPECT_EQ(
      refusal([&] { journal.record("backend", approval(change), bob()); }, JournalError::Kind::NotFound),
      "'backend' is not an operation id; operation ids look like op-0042");
  EXPECT_EQ(refusal([&] { journal.record("op-0001", simple(RecordKind::Checkpoint), alice()); }),
            "a checkpoint record needs the checkpoint's verdict and metrics; nothing was recorded");
  EXPECT_EQ(refusal([&] { journal.record("op-0001", approval(change), Identity{}); }),
            "the acting identity has no user name; nothing was recorded");
  Step reject = approval(change);
  reject.kind = RecordKind::Rejection;
  journal.record("op-0001", reject, bob());
  EXPECT_EQ(refusal([&] { journal.record("op-0001", approval(change), bob()); }),
            "operation op-0001 is rejected, which is final; no approval record may follow it; nothing was "
            "recorded");
  EXPECT_EQ(refusal([&] { journal.record("op-0001", simple(RecordKind::RolledBack), bob()); }),
            "operation op-0001 is rejected, which is final; no rolled-back record may follow it; nothing was "
            "recorded");
  EXPECT_EQ(git(dir / "phr", {"rev-list", "--count", "main"}), "2\n");
  Proposal noChange = memoryProposal();
  noChange.change.body = nullptr;
  EXPECT_EQ(refusal([&] { journal.propose(noChange, alice()); }),
            "a recommendation needs the exact change (a patch or a manifest); nothing was recorded");
}

TEST(Journal, ApprovalsCanLeaveTheOperationProposedUntilThePolicyIsSatisfied) {
  TempDir dir;
  Journal journal(optionsAt(dir / "phr"));
  Proposal critical = memoryProposal();
  critical.risk = model::Risk::Critical;
  journal.propose(critical, alice());
  const std::string change = changeOf(journal, "op-0001");
  EXPECT_EQ(journal.record("op-0001", approval(change, Status::Proposed), bob()).status, Status::Proposed);
  EXPECT_EQ(journal.record("op-0001", approval(change), Identity{"carol", {"security"}}).status,
            Status::Approved);
  const Record r = journal.show("op-0001").record;
  ASSERT_EQ(r.aiops.approvals.size(), 2u);
  EXPECT_EQ(r.aiops.approvals[0].identity.user, "bob");
  EXPECT_EQ(r.aiops.approvals[1].identity.user, "carol");
  EXPECT_EQ(
      refusal([&] { journal.record("op-0001", approval(change), bob()); }),
      "operation op-0001 is approved; an approval record needs it to be proposed; nothing was recorded");
}

TEST(Journal, CarriesTheRequesterAndRecordsEachApproversRole) {
  TempDir dir;
  Journal journal(optionsAt(dir / "phr"));
  Proposal critical = memoryProposal();
  critical.risk = model::Risk::Critical;
  journal.propose(critical, alice());
  const Record proposed = journal.show("op-0001").record;
  EXPECT_EQ(proposed.aiops.requestedBy, alice());
  EXPECT_EQ(proposed.aiops.requestedAt, proposed.aiops.time);
  const std::string change = changeOf(journal, "op-0001");
  Step review = approval(change, Status::Proposed);
  review.role = "security-reviewer";
  journal.record("op-0001", review, Identity{"carol", {"security"}});
  journal.record("op-0001", approval(change), bob());  // no role given: "approver"
  const Record r = journal.show("op-0001").record;
  EXPECT_EQ(r.aiops.requestedBy, alice());
  EXPECT_EQ(r.aiops.requestedAt, proposed.aiops.time);
  ASSERT_EQ(r.aiops.approvals.size(), 2u);
  EXPECT_EQ(r.aiops.approvals[0].role, "security-reviewer");
  EXPECT_EQ(r.aiops.approvals[1].role, "approver");
  journal.record("op-0001", simple(RecordKind::Applying), bob());
  EXPECT_EQ(journal.show("op-0001").record.aiops.requestedBy, alice());
  EXPECT_TRUE(journal.verify().ok());

  journal.propose(memoryProposal(), alice());
  Step odd = approval(changeOf(journal, "op-0002"));
  odd.role = "boss";
  EXPECT_EQ(refusal([&] { journal.record("op-0002", odd, bob()); }),
            "'boss' is not an approver role (approver or security-reviewer); nothing was recorded");
}

TEST(Journal, RecordsDiagnosisRunsPerMonth) {
  TempDir dir;
  Journal journal(optionsAt(dir / "phr"));
  DiagnosisRun run;
  run.target = testing::backendTarget();
  run.risk = model::Risk::Medium;
  run.summary = "container app OOMKilled (AIOPS-D110)";
  run.evidence = {"lastState.terminated.reason=OOMKilled"};
  run.findings = json::parse(R"([{"ruleId":"AIOPS-D110","severity":"error"}])");
  run.text.command = "kubectl aiops diagnose deploy/backend -n shop";
  const Appended first = journal.recordDiagnosis(run, alice());
  const Appended second = journal.recordDiagnosis(run, alice());
  EXPECT_EQ(first.path,
            "history/prompts/diagnose-2024-05/"
            "0001-diagnose-deployment-shop-backend-container-app-oomkilled.misc.prompt.md");
  EXPECT_EQ(second.id, "0002");
  EXPECT_EQ(first.operationId, "");
  EXPECT_EQ(first.status, std::nullopt);
  const Record r = journal.show("diagnose-2024-05/0002").record;
  EXPECT_EQ(r.aiops.record, RecordKind::Diagnosis);
  EXPECT_EQ(r.aiops.findings, run.findings);
  EXPECT_EQ(r.header.labels, (std::vector<std::string>{"aiops", "diagnosis", "medium"}));
  EXPECT_EQ(git(dir / "phr", {"log", "-1", "--format=%s"}), "diagnosis: Deployment shop/backend\n");
}

TEST(Journal, RecordsReportRunsBesideDiagnosesAndVerifiesThem) {
  TempDir dir;
  Journal journal(optionsAt(dir / "phr"));
  DiagnosisRun run;
  run.target = Target{"v1", "Namespace", "", "shop", "", 0};
  run.summary = "2 over-provisioned pods, 1 under-provisioned";
  run.findings = json::parse(R"({"pods":[{"name":"backend-1"}]})");
  run.text.command = "kubectl aiops report resources -n shop";
  const Appended diagnosis = journal.recordDiagnosis(run, alice());
  const Appended report = journal.recordReport(run, alice());
  EXPECT_EQ(diagnosis.id, "0001");
  EXPECT_EQ(report.path,
            "history/prompts/report-2024-05/"
            "0001-report-on-namespace-shop-2-over-provisioned-pods-1-under.misc.prompt.md");
  const Record r = journal.show("report-2024-05/0001").record;
  EXPECT_EQ(r.aiops.record, RecordKind::Report);
  EXPECT_EQ(r.aiops.operationId, "");
  EXPECT_EQ(r.aiops.findings, run.findings);
  EXPECT_EQ(git(dir / "phr", {"log", "-1", "--format=%s"}), "report: Namespace shop\n");
  const VerifyReport verified = journal.verify();
  EXPECT_TRUE(verified.ok()) << verified.problem->message;
  EXPECT_EQ(verified.records, 2u);
  Step step;
  step.kind = RecordKind::Report;
  EXPECT_EQ(refusal([&] { journal.record("op-0001", step, alice()); }),
            "a report record is not a step of an operation; nothing was recorded");
}

TEST(Journal, RecordsRolloutOutcomesInTheirOwnMonthlyDirectory) {
  TempDir dir;
  Journal journal(optionsAt(dir / "phr"));
  DiagnosisRun run;
  run.target = Target{"apps/v1", "Deployment", "todo", "todo-backend", "uid-1", 0};
  run.risk = model::Risk::High;
  run.summary = "halted: error rate 20.0% (40 of 200 requests) over the last 10s is above 5.0%";
  run.findings = json::parse(R"({"outcome":"halted","policyRule":"automaticRollback.failedRollout"})");
  const Appended rollout = journal.recordRollout(run, alice());
  EXPECT_EQ(rollout.path,
            "history/prompts/rollout-2024-05/"
            "0001-gate-the-rollout-of-deployment-todo-todo-backend-halted.misc.prompt.md");
  const Record r = journal.show("rollout-2024-05/0001").record;
  EXPECT_EQ(r.aiops.record, RecordKind::Rollout);
  EXPECT_EQ(r.aiops.findings, run.findings);
  EXPECT_EQ(git(dir / "phr", {"log", "-1", "--format=%s"}), "rollout: Deployment todo/todo-backend\n");
  const VerifyReport verified = journal.verify();
  EXPECT_TRUE(verified.ok()) << verified.problem->message;
}

TEST(Journal, ListsAndFiltersRecords) {
  TempDir dir;
  Journal journal(optionsAt(dir / "phr"));
  journal.propose(memoryProposal(), alice());  // 10:00:00
  Proposal web = memoryProposal();
  web.target.name = "web";
  web.target.kind = "StatefulSet";
  web.risk = model::Risk::Low;
  web.summary = "restart web";
  journal.propose(web, alice());                                             // 10:00:01
  journal.record("op-0001", approval(changeOf(journal, "op-0001")), bob());  // 10:00:02
  const auto paths = [&](const Filter& filter) {
    std::vector<std::string> out;
    for (const auto& stored : journal.list(filter))
      out.push_back(stored.record.aiops.operationId + "/" + stored.record.header.id);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(paths({}), (V{"op-0001/0001", "op-0002/0001", "op-0001/0002"}));
  Filter f;
  f.status = Status::Proposed;
  EXPECT_EQ(paths(f), (V{"op-0001/0001", "op-0002/0001"}));
  f = {};
  f.risk = model::Risk::Low;
  EXPECT_EQ(paths(f), (V{"op-0002/0001"}));
  for (const char* target :
       {"deploy/shop/backend", "Deployment/backend", "shop/backend", "backend", "deployments/backend"}) {
    f = {};
    f.target = target;
    EXPECT_EQ(paths(f), (V{"op-0001/0001", "op-0001/0002"})) << target;
  }
  f = {};
  f.target = "sts/web";
  EXPECT_EQ(paths(f), (V{"op-0002/0001"}));
  f.target = "other/backend";
  EXPECT_EQ(paths(f), V{});
  f = {};
  f.since = parseTimestamp("2024-05-01T10:00:01Z");
  EXPECT_EQ(paths(f), (V{"op-0002/0001", "op-0001/0002"}));
  f = {};
  f.operationId = "op-0001";
  f.kind = RecordKind::Approval;
  EXPECT_EQ(paths(f), (V{"op-0001/0002"}));
}

TEST(Journal, ShowsRecordsByPathIdOrOperation) {
  TempDir dir;
  Journal journal(optionsAt(dir / "phr"));
  const Appended first = journal.propose(memoryProposal(), alice());
  journal.record("op-0001", approval(changeOf(journal, "op-0001")), bob());
  Proposal web = memoryProposal();
  web.summary = "restart web";
  const Appended other = journal.propose(web, alice());
  EXPECT_EQ(journal.show(first.path).record.header.id, "0001");
  EXPECT_EQ(journal.show("op-0001/0002").record.aiops.record, RecordKind::Approval);
  EXPECT_EQ(journal.show(std::string(kFeature) + "/0001").path, first.path);
  EXPECT_EQ(journal.show("op-0001").record.aiops.record, RecordKind::Approval);  // the latest
  EXPECT_EQ(journal.show("0002").record.aiops.operationId, "op-0001");           // unique bare id
  const StoredRecord stored = journal.show("op-0002");
  EXPECT_EQ(stored.path, other.path);
  EXPECT_EQ(stored.commit, other.commit);
  EXPECT_EQ(stored.sha256, other.sha256);
  EXPECT_EQ(stored.bytes, readFile(dir / "phr" / other.path));
  EXPECT_EQ(refusal([&] { journal.show("0001"); }),
            "record id '0001' is in 2 directories (op-0001-raise-the-memory-limit-of-container-app/0001, "
            "op-0002-restart-web/0001); name one as <directory>/<id>");
  EXPECT_EQ(refusal([&] { journal.show("op-0001/0009"); }, JournalError::Kind::NotFound),
            fmt::format("no record 'op-0001/0009' in the journal at {}", (dir / "phr").string()));
}

TEST(Journal, OpensOnlyWhatIsAJournal) {
  TempDir dir;
  JournalOptions options = optionsAt(dir / "absent");
  options.create = false;
  EXPECT_EQ(refusal([&] { Journal j(options); }, JournalError::Kind::NotFound),
            fmt::format("no PHR journal at {}; it is created by the first recorded step",
                        (dir / "absent").string()));
  EXPECT_FALSE(fs::exists(dir / "absent"));
  fs::create_directories(dir / "notes");
  testing::writeFile(dir / "notes" / "todo.txt", "x");
  EXPECT_EQ(refusal([&] { Journal j(optionsAt(dir / "notes")); }),
            fmt::format("{} exists and is not a PHR journal (no .git); choose a new or empty directory",
                        (dir / "notes").string()));
}

TEST(Journal, RefusesToAppendOnTopOfAForeignCommit) {
  TempDir dir;
  const fs::path repo = dir / "phr";
  Journal journal(optionsAt(repo));
  journal.propose(memoryProposal(), alice());
  testing::writeFile(repo / "README.md", "hello\n");
  git(repo, {"add", "README.md"});
  git(repo, {"commit", "-q", "-m", "notes"});
  const std::string head = git(repo, {"rev-parse", "--short=12", "HEAD"});
  EXPECT_EQ(
      refusal([&] { journal.propose(memoryProposal(), alice()); }, JournalError::Kind::Corrupt),
      fmt::format(
          "the journal's last commit {} was not written by the journal (no Chain-Head trailer); nothing "
          "was recorded; run 'kubectl aiops phr verify'",
          head.substr(0, 12)));
}

TEST(Journal, PushesEveryAppendToTheRemoteAndRetriesAfterAFailure) {
  TempDir dir;
  const fs::path remote = dir / "remote.git";
  git(dir.path(), {"init", "-q", "--bare", remote.string()});
  JournalOptions options = optionsAt(dir / "phr");
  options.remoteUrl = remote.string();
  Journal journal(options);
  const Appended first = journal.propose(memoryProposal(), alice());
  EXPECT_TRUE(first.warnings.empty());
  EXPECT_EQ(git(remote, {"rev-parse", "main"}), first.commit + "\n");

  fs::rename(remote, dir / "away.git");  // the remote is unreachable
  const Appended second = journal.record("op-0001", approval(changeOf(journal, "op-0001")), bob());
  ASSERT_EQ(second.warnings.size(), 1u);
  EXPECT_NE(second.warnings[0].find("could not push the journal to " + remote.string()), std::string::npos)
      << second.warnings[0];
  EXPECT_NE(
      second.warnings[0].find("the record is safe locally and the next append (or sync) pushes it again"),
      std::string::npos);
  EXPECT_EQ(journal.show("op-0001").commit, second.commit);  // kept locally
  EXPECT_THROW(journal.sync(), JournalError);

  fs::rename(dir / "away.git", remote);
  journal.sync();
  EXPECT_EQ(git(remote, {"rev-parse", "main"}), second.commit + "\n");
  const Appended third = journal.record("op-0001", simple(RecordKind::Applying), alice());
  EXPECT_TRUE(third.warnings.empty());
  EXPECT_EQ(git(remote, {"rev-parse", "main"}), third.commit + "\n");

  Journal local(optionsAt(dir / "other"));
  EXPECT_EQ(refusal([&] { local.sync(); }, JournalError::Kind::NotFound),
            "the journal has no remote; set one with --phr-remote");
}

TEST(Journal, ArchivesOperationsOlderThanAYearWithoutDeletingAnything) {
  TempDir dir;
  const fs::path repo = dir / "phr";
  auto now = std::make_shared<WallTime>(*parseTimestamp("2023-03-10T09:00:00Z"));
  JournalOptions options;
  options.path = repo;
  options.now = [now] {
    const WallTime t = *now;
    *now += std::chrono::seconds(1);
    return t;
  };
  Journal journal(options);
  journal.propose(memoryProposal(), alice());
  journal.record("op-0001", approval(changeOf(journal, "op-0001")), bob());
  DiagnosisRun run;
  run.target = testing::backendTarget();
  run.summary = "OOMKilled";
  journal.recordDiagnosis(run, alice());
  *now = *parseTimestamp("2024-04-01T08:00:00Z");
  Proposal web = memoryProposal();
  web.summary = "restart web";
  journal.propose(web, alice());

  *now = *parseTimestamp("2024-06-01T00:00:00Z");
  const ArchiveResult result = journal.archive(alice());
  EXPECT_EQ(result.directories, 2u);
  EXPECT_EQ(result.records, 3u);
  EXPECT_EQ(result.moved, (std::vector<std::string>{
                              "history/prompts/diagnose-2023-03 -> history/archive/2023/diagnose-2023-03",
                              fmt::format("history/prompts/{0} -> history/archive/2023/{0}", kFeature)}));
  EXPECT_TRUE(result.warnings.empty()) << result.warnings.front();
  EXPECT_EQ(
      git(repo, {"log", "-1", "--format=%B"}),
      fmt::format(
          "archive: 2 directories (3 records) older than 2023-06-02\n\nRecords are moved, never deleted; "
          "verify follows the move.\n\nArchived: diagnose-2023-03 -> 2023\nArchived: {} -> 2023\n"
          "Chain-Head: {}\nRecorded-by: alice\n\n",
          kFeature, journal.anchor()->chainHead));
  EXPECT_EQ(git(repo, {"status", "--porcelain"}), "");
  EXPECT_TRUE(fs::exists(repo / "history/archive/2023" / kFeature / kFirstFile));
  EXPECT_FALSE(fs::exists(repo / "history/prompts" / kFeature));
  const VerifyReport report = journal.verify();
  EXPECT_TRUE(report.ok()) << report.problem->message;
  EXPECT_EQ(report.records, 4u);

  const auto all = journal.list();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[0].path, fmt::format("history/archive/2023/{}/{}", kFeature, kFirstFile));
  EXPECT_EQ(journal.show(fmt::format("history/prompts/{}/{}", kFeature, kFirstFile)).path, all[0].path);
  EXPECT_EQ(refusal([&] { journal.record("op-0001", simple(RecordKind::Applying), alice()); }),
            "operation op-0001 is archived; archived operations take no further steps");
  EXPECT_EQ(journal.propose(web, alice()).operationId, "op-0003");  // numbers are never reused
  EXPECT_EQ(journal.archive(alice()).directories, 0u);              // nothing else is old enough
  EXPECT_TRUE(journal.verify().ok());
}

TEST(Journal, NoSecretValueReachesAnyRecordCommitOrObject) {
  TempDir dir;
  const fs::path repo = dir / "phr";
  Journal journal(optionsAt(repo));
  const std::vector<std::string> secrets{
      "hunter2-very-secret",      "aHVudGVyMi12ZXJ5LXNlY3JldA==", "n3w-p4ssw0rd-value",
      "bjN3LXA0c3N3MHJkLXZhbHVl", "AKIAIOSFODNN7EXAMPLE",         "ghp_0123456789abcdefghijABCDEFGHIJ012345",
      "s3cr3t-env-value"};
  Proposal p;
  p.target = Target{"v1", "Secret", "shop", "db-credentials", "uid-secret", 0};
  p.risk = model::Risk::Critical;
  p.action = "config-change";
  p.summary = "rotate the database password";
  p.rationale = "the old password hunter2-very-secret leaked in a log: password=hunter2-very-secret";
  p.evidence = {"log line: connecting with password=hunter2-very-secret",
                "aws key AKIAIOSFODNN7EXAMPLE in env"};
  p.change = Change{
      ChangeType::Merge,
      json::parse(
          R"({"data":{"password":"bjN3LXA0c3N3MHJkLXZhbHVl"},"stringData":{"plain":"n3w-p4ssw0rd-value"}})")};
  p.rollback =
      Change{ChangeType::Merge, json::parse(R"({"data":{"password":"aHVudGVyMi12ZXJ5LXNlY3JldA=="}})")};
  json::object before = json::parse(R"({"apiVersion":"v1","kind":"Secret","type":"Opaque",
      "metadata":{"name":"db-credentials","namespace":"shop"},"data":{"password":"aHVudGVyMi12ZXJ5LXNlY3JldA=="}})")
                            .as_object();
  before["metadata"].as_object()["annotations"] =
      json::object{{"kubectl.kubernetes.io/last-applied-configuration", json::serialize(before)}};
  p.before = before;
  p.text.command = "kubectl aiops recommend --token ghp_0123456789abcdefghijABCDEFGHIJ012345";
  p.text.prompt = "rotate it; the new one is password=n3w-p4ssw0rd-value";
  journal.propose(p, alice());
  const std::string change = changeOf(journal, "op-0001");
  Step approve = approval(change, Status::Proposed);
  approve.justification = "confirmed the leaked log line (password=hunter2-very-secret)";
  journal.record("op-0001", approve, bob());
  journal.record("op-0001", approval(change), Identity{"carol", {"security"}});
  Step applying = simple(RecordKind::Applying);
  applying.metrics = json::parse(R"({"env":[{"name":"DB_PASSWORD","value":"s3cr3t-env-value"}]})");
  journal.record("op-0001", applying, alice());
  journal.record("op-0001", simple(RecordKind::Applied), alice());
  EXPECT_TRUE(journal.verify().ok());  // redaction is stable across steps: the change never "changed"

  // Every object in the repository (records, trees, commit messages), decompressed, and every file on disk.
  const std::string objects = git(repo, {"cat-file", "--batch-all-objects", "--batch"});
  std::string files;
  for (const auto& entry : fs::recursive_directory_iterator(repo)) {
    if (entry.is_regular_file() && entry.path().string().find("/objects/") == std::string::npos)
      files += readFile(entry.path());
  }
  ASSERT_NE(objects.find("<redacted>"), std::string::npos);
  for (const auto& secret : secrets) {
    EXPECT_EQ(objects.find(secret), std::string::npos) << secret;
    EXPECT_EQ(files.find(secret), std::string::npos) << secret;
  }
  const Record last = journal.show("op-0001").record;
  EXPECT_EQ(canonicalJson(last.aiops.change->body),
            R"({"data":{"password":"<redacted>"},"stringData":{"plain":"<redacted>"}})");
  EXPECT_EQ(last.aiops.before->at("data").at("password"), "<redacted>");
}

TEST(Journal, LaterStepsScrubTheSecretValuesTheCallerPasses) {
  TempDir dir;
  Journal journal(optionsAt(dir / "phr"));
  journal.propose(memoryProposal(), alice());
  Step approve = approval(changeOf(journal, "op-0001"));
  approve.justification = "the token tok-4f9a2b is the one in the incident";  // no recognisable pattern
  approve.text.scrub = {"tok-4f9a2b"};
  const Appended a = journal.record("op-0001", approve, bob());
  const std::string bytes = readFile(dir / "phr" / a.path);
  EXPECT_EQ(bytes.find("tok-4f9a2b"), std::string::npos);
  EXPECT_EQ(journal.show("op-0001").record.aiops.approvals[0].justification,
            "the token <redacted> is the one in the incident");
}

TEST(JournalPath, FollowsFlagThenEnvironmentThenXdgThenHome) {
  std::map<std::string, std::string> env;
  const auto lookup = [&](const char* name) -> std::optional<std::string> {
    const auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  env = {{"AIOPS_PHR_REPO", "/env/phr"}, {"XDG_DATA_HOME", "/xdg"}, {"HOME", "/home/a"}};
  EXPECT_EQ(resolveJournalPath("/flag/phr", lookup), "/flag/phr");
  EXPECT_EQ(resolveJournalPath("", lookup), "/env/phr");
  env.erase("AIOPS_PHR_REPO");
  EXPECT_EQ(resolveJournalPath("", lookup), "/xdg/kubectl-aiops/phr");
  env["XDG_DATA_HOME"] = "relative/data";  // ignored: the XDG spec requires an absolute path
  EXPECT_EQ(resolveJournalPath("", lookup), "/home/a/.local/share/kubectl-aiops/phr");
  env.clear();
  EXPECT_EQ(refusal([&] { resolveJournalPath("", lookup); }, JournalError::Kind::NotFound),
            "cannot place the PHR journal: none of --phr-repo, AIOPS_PHR_REPO, XDG_DATA_HOME or HOME is set");
}

TEST(JournalAuthor, IsTheKubernetesUser) {
  EXPECT_EQ(authorFor(Identity{"alice", {}}),
            (std::pair<std::string, std::string>{"alice", "alice@kubernetes"}));
  EXPECT_EQ(authorFor(Identity{"system:serviceaccount:aiops:runner", {}}).second,
            "system:serviceaccount:aiops:runner@kubernetes");
  EXPECT_EQ(authorFor(Identity{"jane@example.com", {}}).second, "jane@example.com");
  EXPECT_EQ(authorFor(Identity{"odd <name>", {}}),
            (std::pair<std::string, std::string>{"odd _name_", "odd__name_@kubernetes"}));
}

}  // namespace
}  // namespace aiops::governance

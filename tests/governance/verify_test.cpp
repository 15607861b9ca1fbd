// `verify`: a clean journal passes; every kind of tampering is caught and the first bad record is named.
// The tampering is done the way an attacker would: with the git CLI (commit, rm, rebase, amend, reset) or by
// forging a journal-looking commit.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "governance/canonical.h"
#include "governance/journal.h"
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
using testing::TempDir;
using testing::writeFile;

JournalOptions optionsAt(const fs::path& path) {
  JournalOptions options;
  options.path = path;
  options.now = testing::steppingClock();
  return options;
}

// One operation through approval, applying and applied (4 records), then `diagnoses` diagnosis records.
std::vector<Appended> smallJournal(Journal& journal, int diagnoses = 2) {
  std::vector<Appended> out{journal.propose(memoryProposal(), alice())};
  Step approve;
  approve.kind = RecordKind::Approval;
  approve.changeSha256 = journal.show("op-0001").record.aiops.changeSha256;
  out.push_back(journal.record("op-0001", approve, bob()));
  Step step;
  step.kind = RecordKind::Applying;
  out.push_back(journal.record("op-0001", step, alice()));
  step.kind = RecordKind::Applied;
  out.push_back(journal.record("op-0001", step, alice()));
  DiagnosisRun run;
  run.target = testing::backendTarget();
  for (int i = 0; i < diagnoses; ++i) {
    run.summary = fmt::format("run {}", i + 1);
    out.push_back(journal.recordDiagnosis(run, alice()));
  }
  return out;
}

std::string describe(const VerifyReport& report) {
  if (report.ok()) return "ok";
  return fmt::format("{} {}: {}", toString(report.problem->kind), report.problem->path,
                     report.problem->message);
}

TEST(Verify, ACleanJournalOfHundredRecordsPasses) {
  TempDir dir;
  Journal journal(optionsAt(dir / "phr"));
  std::vector<Appended> appended;
  for (int op = 1; op <= 12; ++op) {
    Proposal p = memoryProposal();
    p.summary = fmt::format("scale worker {}", op);
    appended.push_back(journal.propose(p, alice()));
    const std::string id = appended.back().operationId;
    Step step;
    step.kind = RecordKind::Approval;
    step.changeSha256 = journal.show(id).record.aiops.changeSha256;
    appended.push_back(journal.record(id, step, bob()));
    for (RecordKind kind : {RecordKind::Applying, RecordKind::Applied}) {
      step.kind = kind;
      appended.push_back(journal.record(id, step, alice()));
    }
    for (const char* name : {"5m", "15m", "1h"}) {
      step.kind = RecordKind::Checkpoint;
      step.checkpoint = Checkpoint{name, {}, true, "ready", nullptr};
      appended.push_back(journal.record(id, step, alice()));
    }
    step.kind = op % 3 == 0 ? RecordKind::RolledBack : RecordKind::Verified;
    appended.push_back(journal.record(id, step, alice()));
  }
  DiagnosisRun run;
  run.target = testing::backendTarget();
  run.summary = "healthy";
  for (int i = 0; i < 4; ++i)
    appended.push_back(journal.recordDiagnosis(run, alice()));
  ASSERT_EQ(appended.size(), 100u);

  const VerifyReport report = journal.verify();
  EXPECT_EQ(describe(report), "ok");
  EXPECT_EQ(report.records, 100u);
  EXPECT_EQ(report.commits, 100u);
  EXPECT_EQ(report.head, appended.back().commit);
  EXPECT_EQ(report.chainHead, appended.back().sha256);
  ASSERT_EQ(report.anchorsChecked.size(), 1u);
  EXPECT_EQ(report.anchorsChecked[0].commit, appended.back().commit);
  EXPECT_TRUE(report.notes.empty());
}

TEST(Verify, AnEmptyJournalPasses) {
  TempDir dir;
  Journal journal(optionsAt(dir / "phr"));
  const VerifyReport report = journal.verify();
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.records, 0u);
  EXPECT_EQ(report.chainHead, kZeroSha256);
  EXPECT_EQ(report.notes, (std::vector<std::string>{"no anchor yet (.git/aiops-anchor): a rewritten history "
                                                    "can only be detected against an --anchor"}));
}

TEST(Verify, StillPassesAfterGitGcPacksTheRepository) {
  TempDir dir;
  const fs::path repo = dir / "phr";
  Journal journal(optionsAt(repo));
  const auto records = smallJournal(journal);
  git(repo, {"gc", "-q"});  // packs every object and deletes the loose ones; history is unchanged
  EXPECT_EQ(git(repo, {"count-objects"}).substr(0, 10), "0 objects,");
  const VerifyReport report = journal.verify();
  EXPECT_EQ(describe(report), "ok");
  EXPECT_EQ(report.records, records.size());
  EXPECT_EQ(journal.list().size(), records.size());
  DiagnosisRun run;
  run.target = testing::backendTarget();
  run.summary = "after gc";
  journal.recordDiagnosis(run, alice());
  EXPECT_TRUE(journal.verify().ok());
}

TEST(Verify, NamesARecordEditedByALaterCommit) {
  TempDir dir;
  const fs::path repo = dir / "phr";
  Journal journal(optionsAt(repo));
  const auto records = smallJournal(journal);
  std::string text = readFile(repo / records[1].path);
  text.replace(text.find("decision: approve"), 17, "decision: reject");
  writeFile(repo / records[1].path, text);
  git(repo, {"commit", "-q", "-am", "fix typo"});
  const VerifyReport report = journal.verify();
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problem->kind, ProblemKind::Edited);
  EXPECT_EQ(report.problem->path, records[1].path);
  EXPECT_EQ(report.problem->commit, git(repo, {"rev-parse", "HEAD"}).substr(0, 40));
  EXPECT_EQ(
      report.problem->message,
      fmt::format("edited by commit {} (\"fix typo\"), which the journal did not write (it has no Record and "
                  "Record-Blob trailers); the journal never changes a record",
                  report.problem->commit.substr(0, 12)));
}

TEST(Verify, NamesARecordDeletedByALaterCommit) {
  TempDir dir;
  const fs::path repo = dir / "phr";
  Journal journal(optionsAt(repo));
  const auto records = smallJournal(journal);
  git(repo, {"rm", "-q", records[4].path});
  git(repo, {"commit", "-q", "-m", "cleanup"});
  const VerifyReport report = journal.verify();
  EXPECT_EQ(describe(report),
            fmt::format(
                "deleted {}: deleted by commit {} (\"cleanup\"), which the journal did not write (it has no "
                "Record and Record-Blob trailers); the journal never deletes a record",
                records[4].path, git(repo, {"rev-parse", "--short=12", "HEAD"}).substr(0, 12)));
}

TEST(Verify, NamesTheFirstOfTwoReorderedRecords) {
  TempDir dir;
  const fs::path repo = dir / "phr";
  Journal journal(optionsAt(repo));
  const auto records =
      smallJournal(journal, 3);  // the last three are diagnoses: swapping two applies cleanly
  git(repo, {"checkout", "-q", "-b", "swap", "HEAD~2"});
  git(repo, {"cherry-pick", "main"});
  git(repo, {"cherry-pick", "main~1"});
  git(repo, {"branch", "-f", "main", "swap"});
  git(repo, {"checkout", "-q", "main"});
  const VerifyReport report = journal.verify();
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problem->kind, ProblemKind::Reordered);
  EXPECT_EQ(report.problem->path, records[6].path);
  EXPECT_EQ(
      report.problem->message,
      fmt::format("it names {} as its predecessor, which comes after it in history: records were reordered",
                  records[5].path));
}

TEST(Verify, DetectsAnAmendedHeadAgainstTheAnchor) {
  TempDir dir;
  const fs::path repo = dir / "phr";
  Journal journal(optionsAt(repo));
  const auto records = smallJournal(journal);
  git(repo, {"commit", "-q", "--amend", "--no-edit", "--date=2030-01-01T00:00:00Z"});
  const VerifyReport report = journal.verify();
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problem->kind, ProblemKind::Rewritten);
  EXPECT_EQ(report.problem->path, records.back().path);
  EXPECT_EQ(
      report.problem->message,
      fmt::format(
          "the history was rewritten from here: commit {} is not commit {} of the history anchored at {} "
          "(.git/aiops-anchor)",
          git(repo, {"rev-parse", "--short=12", "HEAD"}).substr(0, 12), records.back().commit.substr(0, 12),
          records.back().commit.substr(0, 12)));
}

TEST(Verify, NamesARecordEditedInARewrittenHistory) {
  TempDir dir;
  const fs::path repo = dir / "phr";
  Journal journal(optionsAt(repo));
  const auto records = smallJournal(journal);
  // Rebase from the root, stopping at the second commit to edit its record, then replay the rest.
  ProcessSpec spec;
  spec.argv = {"git", "-C", repo.string(), "rebase", "-q", "-i", "--root"};
  spec.env = {{"GIT_SEQUENCE_EDITOR", "sed -i '2s/^pick/edit/'"},
              {"GIT_AUTHOR_NAME", "m"},
              {"GIT_AUTHOR_EMAIL", "m@x"},
              {"GIT_COMMITTER_NAME", "m"},
              {"GIT_COMMITTER_EMAIL", "m@x"},
              {"HOME", repo.string()}};
  ASSERT_EQ(runProcess(spec).exitCode, 0);
  std::string text = readFile(repo / records[1].path);
  text.replace(text.find("decision: approve"), 17, "decision: reject");
  writeFile(repo / records[1].path, text);
  git(repo, {"commit", "-q", "-a", "--amend", "--no-edit"});
  git(repo, {"rebase", "--continue"});
  const VerifyReport report = journal.verify();
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problem->kind, ProblemKind::Edited);
  EXPECT_EQ(report.problem->path, records[1].path);
  EXPECT_NE(
      report.problem->message.find("is not the blob the commit names (Record-Blob); it was changed when the "
                                   "history was rewritten"),
      std::string::npos)
      << report.problem->message;
}

TEST(Verify, NamesRecordsRemovedByAResetAgainstTheAnchor) {
  TempDir dir;
  const fs::path repo = dir / "phr";
  Journal journal(optionsAt(repo));
  const auto records = smallJournal(journal);
  git(repo, {"reset", "-q", "--hard", "HEAD~2"});
  const VerifyReport report = journal.verify();
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problem->kind, ProblemKind::Deleted);
  EXPECT_EQ(report.problem->path, records[4].path);
  EXPECT_EQ(report.problem->commit, records[4].commit);
}

TEST(Verify, NamesARecordDroppedFromARewrittenHistory) {
  TempDir dir;
  const fs::path repo = dir / "phr";
  Journal journal(optionsAt(repo));
  const auto records = smallJournal(journal, 3);
  fs::remove(repo / ".git" / "aiops-anchor");  // the attacker also removed the local anchor
  git(repo, {"rebase", "-q", "--onto", "HEAD~2", "HEAD~1", "main"});  // drops the second-to-last record
  VerifyReport report = journal.verify();
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problem->kind, ProblemKind::ChainBroken);
  EXPECT_EQ(report.problem->path, records[6].path);
  EXPECT_EQ(
      report.problem->message,
      fmt::format(
          "its prevRecordSha256 names no record in the journal: the record before it ({}) was edited, or "
          "a record between them was removed",
          records[4].path));
}

TEST(Verify, AnExternalAnchorCatchesARewriteAfterTheLocalAnchorWasRewrittenToo) {
  TempDir dir;
  const fs::path repo = dir / "phr";
  Journal journal(optionsAt(repo));
  const auto records = smallJournal(journal);
  const Anchor published{records.back().commit, records.back().sha256};
  git(repo, {"commit", "-q", "--amend", "--no-edit", "--date=2030-01-01T00:00:00Z"});
  writeFile(repo / ".git" / "aiops-anchor",
            git(repo, {"rev-parse", "HEAD"}).substr(0, 40) + ":" + records.back().sha256 + "\n");
  EXPECT_TRUE(journal.verify().ok());
  VerifyOptions options;
  options.anchor = published;
  const VerifyReport report = journal.verify(options);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problem->kind, ProblemKind::Rewritten);
  EXPECT_NE(report.problem->message.find("(--anchor)"), std::string::npos);
  EXPECT_EQ(parseAnchor(records.back().commit + ":" + records.back().sha256)->commit, records.back().commit);
  EXPECT_FALSE(parseAnchor("abc:def"));
}

TEST(Verify, NamesARecordInsertedIntoTheChain) {
  // Two journals written with the same clock are identical commit for commit; one gets an extra record and
  // then the other's next record is replayed on top of it.
  TempDir dir;
  Journal original(optionsAt(dir / "a"));
  const auto kept = smallJournal(original, 2);
  Journal forged(optionsAt(dir / "b"));
  const auto prefix = smallJournal(forged, 1);
  ASSERT_EQ(prefix.back().commit, kept[4].commit);
  DiagnosisRun run;
  run.target = testing::backendTarget();
  run.summary = "inserted later";
  const Appended inserted = forged.recordDiagnosis(run, alice());
  git(dir / "b", {"fetch", "-q", (dir / "a").string(), "main:theirs"});
  git(dir / "b", {"cherry-pick", "theirs"});  // conflicts in the diagnose directory? no: another file name
  const VerifyReport report = forged.verify();
  ASSERT_FALSE(report.ok()) << describe(report);
  EXPECT_EQ(report.problem->kind, ProblemKind::Inserted);
  EXPECT_EQ(report.problem->path, inserted.path);
}

// Writes `bytes` as the record at `path` in a commit that looks like the journal's (all trailers right).
void forgeCommit(const fs::path& repo, const std::string& path, const std::string& bytes,
                 const std::string& operation, const std::string& status) {
  writeFile(repo / path, bytes);
  git(repo, {"add", path});
  const std::string blob = git(repo, {"hash-object", path}).substr(0, 40);
  std::string message = "forged\n\n";
  if (!operation.empty()) message += "Operation-Id: " + operation + "\n";
  message += fmt::format("Record: {}\nRecord-Blob: {}\nChain-Head: {}\n", path, blob, sha256Hex(bytes));
  if (!status.empty()) message += "Status: " + status + "\n";
  git(repo, {"commit", "-q", "-m", message});
}

TEST(Verify, NamesAnUnparseableRecordEvenInAJournalLookingCommit) {
  TempDir dir;
  const fs::path repo = dir / "phr";
  Journal journal(optionsAt(repo));
  smallJournal(journal);
  const std::string path = "history/prompts/diagnose-2024-05/0003-junk.misc.prompt.md";
  forgeCommit(repo, path, "---\nid: 3\n---\n", "", "");
  const VerifyReport report = journal.verify();
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problem->kind, ProblemKind::Unparseable);
  EXPECT_EQ(report.problem->path, path);
  EXPECT_EQ(report.problem->message, path + ":3: front-matter key 'title' is missing");
}

// Commits, as record 0002 of op-0001 (proposed by alice), a copy of the recommendation turned into a `kind`
// step leading to `status`, after `edit`; returns the record's path. Well-formed and correctly chained, so
// only verify's lifecycle replay can object to it.
std::string forgeSecondStep(Journal& journal, const fs::path& repo, const Appended& proposed, RecordKind kind,
                            Status status, const std::function<void(Record&)>& edit) {
  Record r = journal.show("op-0001").record;
  r.header.id = "0002";
  r.aiops.record = kind;
  r.aiops.status = status;
  r.aiops.prevRecordSha256 = proposed.sha256;
  edit(r);
  const std::string path = fmt::format("history/prompts/{}/{}", proposed.feature, recordFileName(r.header));
  forgeCommit(repo, path, renderRecord(r), "op-0001", std::string(toString(status)));
  return path;
}

TEST(Verify, NamesAForgedRecordThatSkipsTheLifecycle) {
  TempDir dir;
  const fs::path repo = dir / "phr";
  Journal journal(optionsAt(repo));
  const Appended proposed = journal.propose(memoryProposal(), alice());
  // Straight from proposed to applied.
  const std::string path =
      forgeSecondStep(journal, repo, proposed, RecordKind::Applied, Status::Applied, [](Record& r) {
        r.header.title = "Applied op-0001: raise the memory limit of container app to 384Mi";
      });
  const VerifyReport report = journal.verify();
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problem->kind, ProblemKind::IllegalLifecycle);
  EXPECT_EQ(report.problem->path, path);
  EXPECT_EQ(report.problem->message,
            "operation op-0001 is proposed; an applied record needs it to be applying");
}

TEST(Verify, NamesAForgedStepThatChangesTheRequester) {
  TempDir dir;
  const fs::path repo = dir / "phr";
  Journal journal(optionsAt(repo));
  const Appended proposed = journal.propose(memoryProposal(), alice());
  // A legal approval step, except that it names someone else as the requester: the way to make a
  // self-approval look like a four-eyes one.
  const std::string path =
      forgeSecondStep(journal, repo, proposed, RecordKind::Approval, Status::Approved, [](Record& r) {
        r.header.title = "Approved op-0001";
        r.aiops.requestedBy = Identity{"mallory", {"system:authenticated"}};
        r.aiops.approvals.push_back(
            Approval{alice(), Decision::Approve, "fine", r.aiops.time, r.aiops.changeSha256, "approver"});
      });
  const VerifyReport report = journal.verify();
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problem->kind, ProblemKind::IllegalLifecycle);
  EXPECT_EQ(report.problem->path, path);
  EXPECT_EQ(report.problem->message, "it changes the requester of op-0001, which no later step may alter");
}

TEST(Verify, NamesWorkingTreeFilesEditedDeletedOrAddedOutsideTheTool) {
  TempDir dir;
  const fs::path repo = dir / "phr";
  Journal journal(optionsAt(repo));
  const auto records = smallJournal(journal);
  writeFile(repo / records[2].path, "edited\n");
  VerifyReport report = journal.verify();
  EXPECT_EQ(describe(report),
            "working-tree " + records[2].path +
                ": the checked-out file differs from the committed record (edited outside the tool)");
  git(repo, {"checkout", "--", "history"});
  fs::remove(repo / records[0].path);
  report = journal.verify();
  EXPECT_EQ(describe(report),
            fmt::format("working-tree {0}: missing from the working tree (deleted outside the tool); the "
                        "committed record is intact: restore it with 'git checkout -- {0}'",
                        records[0].path));
  git(repo, {"checkout", "--", "history"});
  writeFile(repo / "history/prompts/diagnose-2024-05/0009-fake.misc.prompt.md", "---\n");
  report = journal.verify();
  EXPECT_EQ(describe(report),
            "working-tree history/prompts/diagnose-2024-05/0009-fake.misc.prompt.md: this file is not a "
            "record of the journal (added outside the tool)");
  VerifyOptions committedOnly;
  committedOnly.workingTree = false;
  EXPECT_TRUE(journal.verify(committedOnly).ok());
}

TEST(Verify, NamesAFileAddedWithoutTheJournal) {
  TempDir dir;
  const fs::path repo = dir / "phr";
  Journal journal(optionsAt(repo));
  smallJournal(journal);
  writeFile(repo / "history/prompts/diagnose-2024-05/0009-fake.misc.prompt.md", "---\n");
  git(repo, {"add", "history"});
  git(repo, {"commit", "-q", "-m", "add"});
  const VerifyReport report = journal.verify();
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.problem->kind, ProblemKind::ForeignCommit);
  EXPECT_EQ(report.problem->path, "history/prompts/diagnose-2024-05/0009-fake.misc.prompt.md");
}

}  // namespace
}  // namespace aiops::governance

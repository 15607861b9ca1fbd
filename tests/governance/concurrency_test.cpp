// Concurrent writers: threads (each with its own Journal) and processes append at once; every record is
// kept, no ID is taken twice, and the chain verifies.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <thread>

#include "governance/journal.h"
#include "governance_test_util.h"
#include "support/subprocess.h"

namespace aiops::governance {
namespace {

namespace fs = std::filesystem;

// Every record's path is unique, each directory's ids are 0001..n without gaps, and verify passes.
void expectWellFormed(const fs::path& repo, std::size_t expectedRecords) {
  JournalOptions options;
  options.path = repo;
  options.create = false;
  Journal journal(options);
  const VerifyReport report = journal.verify();
  EXPECT_TRUE(report.ok()) << report.problem->path << ": " << report.problem->message;
  EXPECT_EQ(report.records, expectedRecords);
  const auto records = journal.list();
  ASSERT_EQ(records.size(), expectedRecords);
  std::map<std::string, std::set<std::uint64_t>> ids;
  std::set<std::string> paths;
  for (const auto& stored : records) {
    EXPECT_TRUE(paths.insert(stored.path).second) << stored.path;
    EXPECT_TRUE(ids[stored.record.header.feature].insert(std::stoull(stored.record.header.id)).second)
        << stored.path;
  }
  for (const auto& [feature, numbers] : ids) {
    EXPECT_EQ(*numbers.rbegin(), numbers.size()) << feature << " has gaps or duplicates";
  }
}

TEST(Concurrency, ThreadsWithTheirOwnJournalNeverLoseOrDuplicateARecord) {
  testing::TempDir dir;
  const fs::path repo = dir / "phr";
  {
    Journal create(JournalOptions{repo, true, "", [] { return std::chrono::system_clock::now(); }});
  }
  constexpr int kThreads = 4;
  constexpr int kEach = 12;
  std::vector<std::thread> threads;
  std::vector<std::string> errors(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        JournalOptions options;
        options.path = repo;
        Journal journal(options);
        const Identity actor{fmt::format("user{}", t), {}};
        DiagnosisRun run;
        run.target = testing::backendTarget();
        run.summary = actor.user;
        Proposal p = testing::memoryProposal();
        p.summary = "thread " + actor.user;
        const std::string operation = journal.propose(p, actor).operationId;
        for (int i = 1; i < kEach; ++i) {
          if (i == 1) {
            Step approve;
            approve.kind = RecordKind::Approval;
            approve.changeSha256 = journal.show(operation).record.aiops.changeSha256;
            journal.record(operation, approve, actor);
          } else {
            journal.recordDiagnosis(run, actor);
          }
        }
      } catch (const std::exception& e) {
        errors[static_cast<std::size_t>(t)] = e.what();
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  for (const auto& error : errors)
    EXPECT_EQ(error, "");
  expectWellFormed(repo, kThreads * kEach);
}

TEST(Concurrency, ProcessesCreatingAndAppendingAtOnceNeverLoseOrDuplicateARecord) {
  testing::TempDir dir;
  const fs::path repo = dir / "phr";  // does not exist yet: the first appends race to create it
  constexpr int kProcesses = 4;
  constexpr int kEach = 10;
  std::vector<ProcessSpec> specs;
  for (int p = 0; p < kProcesses; ++p) {
    ProcessSpec spec;
    spec.argv = {PHR_APPEND_HELPER, repo.string(), fmt::format("writer{}", p), std::to_string(kEach)};
    spec.timeout = std::chrono::seconds(120);
    specs.push_back(spec);
  }
  for (const auto& result : runProcesses(specs))
    EXPECT_EQ(result.exitCode, 0) << result.err;
  expectWellFormed(repo, kProcesses * kEach);
}

}  // namespace
}  // namespace aiops::governance

// `kubectl aiops phr log|show|verify` through runCli: output formats, filters, exit codes (0 ok, 1 tampered,
// 2 usage, 3 missing journal), and that no transport (no cluster) is ever created.
#include "commands/phr.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli.h"
#include "fake_transport.h"
#include "governance/journal.h"
#include "support/subprocess.h"

namespace aiops::plugin {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace governance;

class PhrTest : public ::testing::Test {
 protected:
  PhrTest() {
    std::string pattern = (fs::temp_directory_path() / "aiops-phr-cli-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir = pattern;
    repo = dir / "phr";
    env.programName = "kubectl aiops";
    env.now = [] { return *parseTimestamp("2024-05-01T12:00:00Z"); };
    env.makeTransport = [this](const kube::ConnectionFlags&,
                               Streams&) -> std::unique_ptr<kube::KubeTransport> {
      ++transportsMade;
      return kube::testing::borrow(fake);
    };
  }
  ~PhrTest() override {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }

  // op-0001 proposed by alice and approved by bob; one diagnosis run; op-0002 proposed (low risk).
  void makeJournal() {
    JournalOptions options;
    options.path = repo;
    auto next = std::make_shared<WallTime>(*parseTimestamp("2024-05-01T10:00:00Z"));
    options.now = [next] {
      const WallTime t = *next;
      *next += std::chrono::minutes(1);
      return t;
    };
    Journal journal(options);
    Proposal p;
    p.target = Target{"apps/v1", "Deployment", "shop", "backend", "uid-1", 7};
    p.risk = model::Risk::Medium;
    p.summary = "raise the memory limit of container app to 384Mi";
    p.change = Change{ChangeType::Strategic, json::parse(R"({"spec":{"replicas":3}})")};
    appended.push_back(journal.propose(p, Identity{"alice", {}}));
    Step approve;
    approve.kind = RecordKind::Approval;
    approve.justification = "OOMKilled 4 times";
    approve.changeSha256 = journal.show("op-0001").record.aiops.changeSha256;
    appended.push_back(journal.record("op-0001", approve, Identity{"bob", {}}));
    DiagnosisRun run;
    run.target = p.target;
    run.summary = "container app OOMKilled";
    appended.push_back(journal.recordDiagnosis(run, Identity{"alice", {}}));
    p.target.name = "web";
    p.risk = model::Risk::Low;
    p.summary = "restart web";
    appended.push_back(journal.propose(p, Identity{"carol", {}}));
  }

  int run(std::vector<std::string> args) {
    out.str("");
    err.str("");
    Streams streams{out, err, false};
    return runCli(args, streams, env);
  }

  void git(const std::vector<std::string>& args) {
    ProcessSpec spec;
    spec.argv = {"git", "-C", repo.string()};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.env = {{"GIT_AUTHOR_NAME", "m"},
                {"GIT_AUTHOR_EMAIL", "m@x"},
                {"GIT_COMMITTER_NAME", "m"},
                {"GIT_COMMITTER_EMAIL", "m@x"},
                {"HOME", dir.string()}};
    ASSERT_EQ(runProcess(spec).exitCode, 0);
  }

  fs::path dir;
  fs::path repo;
  std::vector<Appended> appended;
  kube::testing::FakeTransport fake;
  Environment env;
  int transportsMade = 0;
  std::ostringstream out;
  std::ostringstream err;
};

TEST_F(PhrTest, LogListsRecordsOldestFirstWithoutACluster) {
  makeJournal();
  EXPECT_EQ(run({"phr", "log", "--phr-repo", repo.string()}), 0);
  EXPECT_EQ(out.str(),
            "RECORD                  TIME                   KIND             STATUS     RISK     TARGET      "
            "              USER\n"
            "op-0001/0001            2024-05-01T10:00:00Z   recommendation   proposed   medium   Deployment "
            "shop/backend   alice\n"
            "op-0001/0002            2024-05-01T10:01:00Z   approval         approved   medium   Deployment "
            "shop/backend   bob\n"
            "diagnose-2024-05/0001   2024-05-01T10:02:00Z   diagnosis        -          low      Deployment "
            "shop/backend   alice\n"
            "op-0002/0001            2024-05-01T10:03:00Z   recommendation   proposed   low      Deployment "
            "shop/web       carol\n");
  EXPECT_EQ(err.str(), "");
  EXPECT_EQ(transportsMade, 0);
}

TEST_F(PhrTest, LogFiltersAndPrintsTheDocumentedJson) {
  makeJournal();
  EXPECT_EQ(run({"phr", "log", "--phr-repo", repo.string(), "--status", "proposed", "--target",
                 "deploy/shop/backend", "-o", "json"}),
            0);
  const json::value doc = json::parse(out.str());
  EXPECT_EQ(doc.at("journal").as_string(), repo.string());
  ASSERT_EQ(doc.at("records").as_array().size(), 1u);
  const json::value& r = doc.at("records").at(0);
  EXPECT_EQ(r.at("reference"), "op-0001/0001");
  EXPECT_EQ(r.at("id"), "0001");
  EXPECT_EQ(r.at("path").as_string(), appended[0].path);
  EXPECT_EQ(r.at("operationId"), "op-0001");
  EXPECT_EQ(r.at("kind"), "recommendation");
  EXPECT_EQ(r.at("status"), "proposed");
  EXPECT_EQ(r.at("risk"), "medium");
  EXPECT_EQ(r.at("target").at("name"), "backend");
  EXPECT_EQ(r.at("user"), "alice");
  EXPECT_EQ(r.at("time"), "2024-05-01T10:00:00Z");
  EXPECT_EQ(r.at("commit").as_string(), appended[0].commit);
  EXPECT_EQ(r.at("sha256").as_string(), appended[0].sha256);
  const std::vector<std::string> keys{"reference", "id",     "path",   "feature", "operationId",
                                      "kind",      "status", "risk",   "target",  "user",
                                      "time",      "title",  "commit", "sha256"};
  std::vector<std::string> actual;
  for (const auto& member : r.as_object())
    actual.emplace_back(member.key());
  EXPECT_EQ(actual, keys);

  EXPECT_EQ(run({"phr", "log", "--phr-repo", repo.string(), "--since", "90m", "--risk", "low"}),
            0);  // since 10:30
  EXPECT_EQ(out.str(), "No records match the filters.\n");
  EXPECT_EQ(run({"phr", "log", "--phr-repo", repo.string(), "--since", "2024-05-01", "--operation", "op-0002",
                 "-o", "yaml"}),
            0);
  EXPECT_NE(out.str().find("  - reference: op-0002/0001\n"), std::string::npos) << out.str();
}

TEST_F(PhrTest, TheJournalComesFromTheEnvironmentWithoutAFlag) {
  makeJournal();
  ::setenv("AIOPS_PHR_REPO", repo.c_str(), 1);
  const int code = run({"-o", "json", "phr", "log"});  // -o before the command is hoisted after it
  ::unsetenv("AIOPS_PHR_REPO");
  EXPECT_EQ(code, 0) << err.str();
  EXPECT_EQ(json::parse(out.str()).at("records").as_array().size(), 4u);
}

TEST_F(PhrTest, ShowPrintsTheRecordExactlyAsStored) {
  makeJournal();
  EXPECT_EQ(run({"phr", "show", "op-0001/0002", "--phr-repo", repo.string()}), 0);
  std::ifstream file(repo / appended[1].path, std::ios::binary);
  std::ostringstream bytes;
  bytes << file.rdbuf();
  EXPECT_EQ(out.str(), bytes.str());
  EXPECT_EQ(run({"phr", "show", "op-0001", "--phr-repo", repo.string(), "-o", "json"}), 0);
  const json::value doc = json::parse(out.str());
  EXPECT_EQ(doc.at("reference"), "op-0001/0002");
  EXPECT_EQ(doc.at("record").at("header").at("user"), "bob");
  EXPECT_EQ(doc.at("record").at("aiops").at("approvals").at(0).at("justification"), "OOMKilled 4 times");
  EXPECT_EQ(doc.at("record").at("body").at("outcome").at("nextPrompts"), "kubectl aiops apply op-0001");
}

TEST_F(PhrTest, ShowOfAnUnknownOrAmbiguousRecordIsAUsageError) {
  makeJournal();
  EXPECT_EQ(run({"phr", "show", "op-0009/0001", "--phr-repo", repo.string()}), 2);
  EXPECT_EQ(err.str(),
            fmt::format("error: no record 'op-0009/0001' in the journal at {}; list them with 'kubectl aiops "
                        "phr log'; see 'kubectl aiops phr --help'\n",
                        repo.string()));
  EXPECT_EQ(run({"phr", "show", "0001", "--phr-repo", repo.string()}), 2);
  EXPECT_NE(err.str().find("error: record id '0001' is in 3 directories"), std::string::npos) << err.str();
}

TEST_F(PhrTest, VerifyPassesThenNamesTheFirstBadRecord) {
  makeJournal();
  EXPECT_EQ(run({"phr", "verify", "--phr-repo", repo.string()}), 0);
  const std::string head = appended.back().commit;
  const std::string chain = appended.back().sha256;
  EXPECT_EQ(
      out.str(),
      fmt::format("ok: 4 records in 4 commits verified in {}\nhead {} chain {}\nPublish '{}:{}' and check "
                  "it later with --anchor to detect a rewritten history.\n",
                  repo.string(), head, chain, head, chain));
  EXPECT_EQ(run({"phr", "verify", "--phr-repo", repo.string(), "--anchor", head + ":" + chain}), 0);

  {
    std::ofstream edit(repo / appended[1].path, std::ios::app);
    edit << "edited\n";
  }
  git({"commit", "-q", "-am", "tweak"});
  EXPECT_EQ(run({"phr", "verify", "--phr-repo", repo.string()}), 1);
  std::istringstream lines(out.str());
  std::string first, second, third;
  std::getline(lines, first);
  std::getline(lines, second);
  std::getline(lines, third);
  EXPECT_EQ(first, fmt::format("TAMPERED: the PHR journal in {} fails verification", repo.string()));
  EXPECT_EQ(second, "first bad record: " + appended[1].path);
  EXPECT_EQ(third.substr(0, 28), "problem: edited: edited by c");
  EXPECT_EQ(run({"phr", "verify", "--phr-repo", repo.string(), "-o", "json"}), 1);
  const json::value doc = json::parse(out.str());
  EXPECT_EQ(doc.at("ok"), false);
  EXPECT_EQ(doc.at("problem").at("kind"), "edited");
  EXPECT_EQ(doc.at("problem").at("path").as_string(), appended[1].path);
  EXPECT_EQ(transportsMade, 0);
}

TEST_F(PhrTest, UsageErrorsExitTwo) {
  makeJournal();
  const std::string r = repo.string();
  EXPECT_EQ(run({"phr", "log", "--phr-repo", r, "--status", "done"}), 2);
  EXPECT_EQ(err.str(),
            "error: invalid --status 'done'; use one of proposed, approved, rejected, expired, applying, "
            "applied, verified, failed, rolled-back; see 'kubectl aiops phr --help'\n");
  EXPECT_EQ(run({"phr", "log", "--phr-repo", r, "-o", "markdown"}), 2);
  EXPECT_EQ(err.str(),
            "error: invalid output format 'markdown'; use one of text, json, yaml; see 'kubectl aiops phr "
            "--help'\n");
  EXPECT_EQ(run({"phr", "log", "--phr-repo", r, "--since", "yesterday"}), 2);
  EXPECT_EQ(run({"phr", "log", "--phr-repo", r, "--risk", "severe"}), 2);
  EXPECT_EQ(run({"phr", "log", "--phr-repo", r, "--target", "a/b/c/d"}), 2);
  EXPECT_EQ(run({"phr", "verify", "--phr-repo", r, "--anchor", "nope"}), 2);
  EXPECT_EQ(err.str(),
            "error: invalid --anchor 'nope'; use COMMIT:CHAIN-SHA256 as 'phr verify' prints it; see "
            "'kubectl aiops phr --help'\n");
  EXPECT_EQ(run({"phr"}), 2);
  EXPECT_EQ(run({"phr", "show"}), 2);
  EXPECT_EQ(transportsMade, 0);
}

TEST_F(PhrTest, AMissingJournalIsAnIoErrorAndIsNotCreated) {
  EXPECT_EQ(run({"phr", "verify", "--phr-repo", repo.string()}), 3);
  EXPECT_EQ(err.str(), fmt::format("error: no PHR journal at {}; it is created by the first recorded step\n",
                                   repo.string()));
  EXPECT_FALSE(fs::exists(repo));
}

TEST_F(PhrTest, ArchiveMovesOnlyWhatIsAYearOldAndVerifyFollows) {
  makeJournal();
  env.now = [] { return *parseTimestamp("2025-04-30T12:00:00Z"); };  // a day short of a year
  EXPECT_EQ(run({"phr", "archive", "--phr-repo", repo.string()}), 0) << err.str();
  EXPECT_EQ(out.str(),
            "Nothing to archive: no operation or diagnosis month was last touched more than 365d ago.\n");

  env.now = [] { return *parseTimestamp("2025-06-02T12:00:00Z"); };
  EXPECT_EQ(run({"phr", "archive", "--phr-repo", repo.string(), "-o", "json"}), 0) << err.str();
  const json::value doc = json::parse(out.str());
  EXPECT_EQ(doc.at("records"), 4);
  EXPECT_EQ(doc.at("directories"), 3);
  EXPECT_EQ(doc.at("moved").as_array().size(), 3U);
  EXPECT_EQ(doc.at("moved").at(0).as_string().starts_with("history/prompts/"), true);
  EXPECT_NE(std::string(doc.at("moved").at(0).as_string()).find(" -> history/archive/2024/"),
            std::string::npos);

  EXPECT_EQ(run({"phr", "verify", "--phr-repo", repo.string()}), 0) << out.str();
  EXPECT_EQ(run({"phr", "log", "--phr-repo", repo.string(), "-o", "json"}), 0);
  EXPECT_EQ(json::parse(out.str()).at("records").as_array().size(), 4U);  // moved, not deleted
  EXPECT_EQ(run({"phr", "archive", "--phr-repo", repo.string(), "--older-than", "30d"}), 2);
  EXPECT_EQ(err.str(),
            "error: invalid --older-than '30d'; use a duration of at least 365d (records are kept in place "
            "for a year); see 'kubectl aiops phr --help'\n");
  EXPECT_EQ(transportsMade, 0);
}

TEST_F(PhrTest, HelpListsTheSubcommands) {
  EXPECT_EQ(run({"phr", "--help"}), 0);
  for (const char* line : {"  log ", "  show ", "  verify "})
    EXPECT_NE(out.str().find(line), std::string::npos) << line;
  EXPECT_EQ(run({"phr", "verify", "--help"}), 0);
  EXPECT_NE(out.str().find("  1  verification failed: the first bad record is named"), std::string::npos)
      << out.str();
  EXPECT_NE(out.str().find("kubectl aiops phr verify --anchor"), std::string::npos);
}

}  // namespace
}  // namespace aiops::plugin

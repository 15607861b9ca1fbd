// `kubectl aiops runbook` through runCli: generate into a temporary directory (every file, every section,
// CATEGORY filtering, the index), usage and I/O errors with their exit codes, list and show, that no
// transport is ever made, and that the committed operations/runbooks/ is what the generator writes.
#include "commands/runbook.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "cli.h"
#include "diagnose/runbooks.h"

namespace aiops::plugin {
namespace {

namespace fs = std::filesystem;
using diagnose::RunbookEntry;

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::set<std::string> filesIn(const fs::path& dir) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir))
    names.insert(entry.path().filename().string());
  return names;
}

std::set<std::string> fileNames(const std::vector<std::string_view>& slugs) {
  std::set<std::string> names{std::string(diagnose::kRunbookIndexFile)};
  for (std::string_view slug : slugs)
    names.insert(std::string(slug) + ".md");
  return names;
}

class RunbookCliTest : public ::testing::Test {
 protected:
  RunbookCliTest() {
    env.programName = "kubectl aiops";
    env.makeTransport = [this](const kube::ConnectionFlags&,
                               Streams&) -> std::unique_ptr<kube::KubeTransport> {
      ++transportsMade;
      throw std::runtime_error("runbook commands must not make a transport");
    };
    std::string pattern = (fs::temp_directory_path() / "aiops-runbook-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create a temporary directory");
    tmp = pattern;
  }
  ~RunbookCliTest() override {
    std::error_code ec;
    fs::remove_all(tmp, ec);
  }

  int run(const std::vector<std::string>& args) {
    out.str("");
    err.str("");
    Streams streams{out, err, false};
    return runCli(args, streams, env);
  }

  Environment env;
  int transportsMade = 0;
  fs::path tmp;
  std::ostringstream out;
  std::ostringstream err;
};

TEST_F(RunbookCliTest, GenerateWritesEveryRunbookAndTheIndex) {
  const fs::path dir = tmp / "books";
  ASSERT_EQ(run({"runbook", "generate", "--out", dir.string()}), 0) << err.str();
  EXPECT_EQ(out.str(), "Wrote 88 runbooks and the index README.md to " + dir.string() + "\n");
  EXPECT_EQ(err.str(), "");
  std::set<std::string> expected{"README.md"};
  for (const RunbookEntry& e : diagnose::runbooks())
    expected.insert(diagnose::runbookFileName(e));
  EXPECT_EQ(filesIn(dir), expected);  // and no temporary file left behind
  for (const RunbookEntry& e : diagnose::runbooks()) {
    SCOPED_TRACE(std::string(e.slug));
    const std::string page = readFile(dir / diagnose::runbookFileName(e));
    EXPECT_EQ(page, diagnose::renderRunbook(e));
    std::size_t at = 0;
    for (const char* section :
         {"\n## What it is\n\n", "\n## What `kubectl aiops diagnose` reports\n\n", "\n## Root causes\n\n- ",
          "\n## Confirm\n\n", "\n## Fix\n\n", "\n## Expected recovery time\n\n", "\n## Verify\n\n",
          "\n## Roll back\n\n", "\n## Prevention\n\n- "}) {
      const std::size_t found = page.find(section, at);
      ASSERT_NE(found, std::string::npos) << "missing or out of order: " << section;
      EXPECT_NE(page[found + std::string_view(section).size()], '\n') << "empty: " << section;
      at = found + 1;
    }
  }
  const std::string index = readFile(dir / "README.md");
  for (const RunbookEntry& e : diagnose::runbooks())
    EXPECT_NE(index.find("](" + diagnose::runbookFileName(e) + ")"), std::string::npos) << e.slug;
  EXPECT_EQ(transportsMade, 0);
}

TEST_F(RunbookCliTest, GenerateDefaultsToOperationsRunbooksUnderTheWorkingDirectory) {
  const fs::path before = fs::current_path();
  fs::current_path(tmp);
  const int code = run({"runbook", "generate", "timeout"});
  fs::current_path(before);
  ASSERT_EQ(code, 0) << err.str();
  EXPECT_EQ(out.str(), "Wrote 1 runbook and the index README.md to operations/runbooks\n");
  EXPECT_EQ(filesIn(tmp / "operations" / "runbooks"), fileNames({"timeout"}));
}

TEST_F(RunbookCliTest, CategoriesSelectBySlugRuleIdFamilyAndReason) {
  const fs::path dir = tmp / "some";
  ASSERT_EQ(run({"runbook", "generate", "--out", dir.string(), "oom-killed", "AIOPS-D902", "image",
                 "CrashLoopBackOff"}),
            0)
      << err.str();
  EXPECT_EQ(out.str(), "Wrote 10 runbooks and the index README.md to " + dir.string() + "\n");
  EXPECT_EQ(filesIn(dir),
            fileNames({"crash-loop-backoff", "oom-killed", "image-not-found", "image-pull-unauthorized",
                       "registry-unreachable", "registry-rate-limited", "invalid-image-name",
                       "image-never-pull", "image-pull-failed", "timeout"}));
  std::string index = readFile(dir / "README.md");
  EXPECT_NE(index.find("| AIOPS-D110 | [Container OOMKilled](oom-killed.md) | error |\n"), std::string::npos);
  EXPECT_EQ(index.find("segfault.md"), std::string::npos);
  EXPECT_EQ(index.find("## Probes"), std::string::npos);

  // A second run into the same directory keeps the pages already there in the index.
  ASSERT_EQ(run({"runbook", "generate", "--out", dir.string(), "probe-timeout"}), 0) << err.str();
  EXPECT_EQ(filesIn(dir).size(), 12U);
  index = readFile(dir / "README.md");
  EXPECT_NE(index.find("(oom-killed.md)"), std::string::npos);
  EXPECT_NE(index.find("## Probes\n\n| Rule | Runbook | Severity |\n|---|---|---|\n| AIOPS-D603 | "),
            std::string::npos);
}

TEST_F(RunbookCliTest, GenerateReplacesAnExistingPage) {
  const fs::path dir = tmp / "books";
  fs::create_directories(dir);
  std::ofstream(dir / "timeout.md") << "stale\n";
  ASSERT_EQ(run({"runbook", "generate", "--out", dir.string(), "timeout"}), 0) << err.str();
  EXPECT_TRUE(readFile(dir / "timeout.md").starts_with("# Timeout\n"));
}

TEST_F(RunbookCliTest, DryRunListsTheFilesAndWritesNone) {
  const fs::path dir = tmp / "never";
  ASSERT_EQ(run({"runbook", "generate", "--dry-run", "--out", dir.string(), "symptoms"}), 0);
  EXPECT_EQ(out.str(), (dir / "crash-loop-backoff.md").string() + "\n" +
                           (dir / "image-pull-backoff.md").string() + "\n" +
                           (dir / "high-latency.md").string() + "\n" + (dir / "README.md").string() + "\n");
  EXPECT_FALSE(fs::exists(dir));
}

TEST_F(RunbookCliTest, UnknownCategoryIsAUsageErrorWithASuggestion) {
  const fs::path dir = tmp / "never";
  EXPECT_EQ(run({"runbook", "generate", "--out", dir.string(), "timeout", "oom-kiled"}), 2);
  EXPECT_EQ(
      err.str(),
      "error: unknown runbook category 'oom-kiled'; did you mean 'oom-killed'? see 'kubectl aiops runbook "
      "--help'\n");
  EXPECT_EQ(out.str(), "");
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_EQ(run({"runbook", "list", "AIOPS-D11"}), 2);
  EXPECT_EQ(
      err.str(),
      "error: unknown runbook category 'AIOPS-D11'; did you mean 'AIOPS-D110'? see 'kubectl aiops runbook "
      "--help'\n");
  EXPECT_EQ(run({"runbook", "show", "frobnicate"}), 2);
  EXPECT_EQ(
      err.str(),
      "error: unknown runbook category 'frobnicate'; 'runbook list' shows the runbooks; see 'kubectl aiops "
      "runbook --help'\n");
  EXPECT_EQ(transportsMade, 0);
}

TEST_F(RunbookCliTest, MissingOrMistypedSubcommandIsAUsageError) {
  EXPECT_EQ(run({"runbook"}), 2);
  EXPECT_EQ(err.str(),
            "error: no runbook command given; use one of: generate, list, show; see 'kubectl aiops runbook "
            "--help'\n");
  EXPECT_EQ(run({"runbook", "generte"}), 2);
  EXPECT_EQ(err.str(),
            "error: unknown runbook command 'generte'; did you mean 'generate'? see 'kubectl aiops runbook "
            "--help'\n");
  EXPECT_EQ(run({"runbook", "frob"}), 2);
  EXPECT_EQ(
      err.str(),
      "error: unknown runbook command 'frob'; use one of: generate, list, show; see 'kubectl aiops runbook "
      "--help'\n");
  EXPECT_EQ(run({"runbook", "show"}), 2);
  EXPECT_EQ(err.str(), "error: CATEGORY is required; see 'kubectl aiops runbook --help'\n");
  EXPECT_EQ(run({"runbook", "list", "-o", "yml"}), 2);
  EXPECT_EQ(err.str(),
            "error: invalid output format 'yml'; use one of text, json, yaml, markdown; see 'kubectl aiops "
            "runbook --help'\n");
  EXPECT_EQ(run({"runbook", "--bogus"}), 2);
  EXPECT_EQ(err.str(),
            "error: the following argument was not expected: --bogus; see 'kubectl aiops runbook --help'\n");
  EXPECT_EQ(run({"runbook", "generate", "--out", (tmp / "never").string(), "--bogus"}), 2);
  EXPECT_EQ(err.str(),
            "error: the following argument was not expected: --bogus; see 'kubectl aiops runbook --help'\n");
  EXPECT_EQ(run({"runbok"}), 2);
  EXPECT_EQ(err.str(),
            "error: unknown command 'runbok' for 'kubectl aiops'; did you mean 'runbook'? see 'kubectl aiops "
            "--help'\n");
  EXPECT_EQ(transportsMade, 0);
}

TEST_F(RunbookCliTest, UnwritableDirectoryExitsThree) {
  // A path below a regular file cannot be created, whoever runs the test (root ignores permissions).
  std::ofstream(tmp / "file") << "x";
  const fs::path below = tmp / "file" / "books";
  EXPECT_EQ(run({"runbook", "generate", "--out", below.string()}), 3);
  EXPECT_EQ(err.str(), "error: cannot create directory '" + below.string() +
                           "': Not a directory; choose a writable directory with --out\n");
  EXPECT_EQ(out.str(), "");
  EXPECT_EQ(run({"runbook", "generate", "--out", (tmp / "file").string()}), 3);
  EXPECT_EQ(err.str(), "error: cannot create directory '" + (tmp / "file").string() +
                           "': Not a directory; choose a writable directory with --out\n");
}

TEST_F(RunbookCliTest, AFileThatCannotBeReplacedExitsThreeAndLeavesNoTemporaryFile) {
  const fs::path dir = tmp / "books";
  fs::create_directories(dir / "timeout.md");  // a directory where the page should go: rename fails
  EXPECT_EQ(run({"runbook", "generate", "--out", dir.string(), "oom-killed", "timeout"}), 3);
  EXPECT_EQ(err.str(), "error: cannot write '" + (dir / "timeout.md").string() +
                           "': Is a directory; choose a writable directory with --out\n");
  EXPECT_EQ(out.str(), "");
  // The page before it is complete, the failed one untouched, and the index not written.
  EXPECT_EQ(filesIn(dir), (std::set<std::string>{"oom-killed.md", "timeout.md"}));
  EXPECT_TRUE(fs::is_directory(dir / "timeout.md"));
}

TEST(WriteFileAtomically, ReplacesTheContentAndReportsTheReason) {
  std::string pattern = (fs::temp_directory_path() / "aiops-atomic-test-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const fs::path dir = pattern;
  const std::string path = (dir / "page.md").string();
  runbook::writeFileAtomically(path, "first\n");
  runbook::writeFileAtomically(path, "second\n");
  EXPECT_EQ(readFile(path), "second\n");
  EXPECT_EQ(filesIn(dir), (std::set<std::string>{"page.md"}));
  const std::string missing = (dir / "no" / "page.md").string();
  try {
    runbook::writeFileAtomically(missing, "x");
    ADD_FAILURE() << "expected a WriteError";
  } catch (const runbook::WriteError& e) {
    EXPECT_EQ(
        std::string(e.what()),
        "cannot write '" + missing + "': No such file or directory; choose a writable directory with --out");
  }
  fs::remove_all(dir);
}

TEST_F(RunbookCliTest, ListShowsNameRuleSeverityFamilyAndTitle) {
  ASSERT_EQ(run({"runbook", "list", "timeout", "CrashLoopBackOff"}), 0);
  EXPECT_EQ(out.str(),
            "RUNBOOK              RULE         SEVERITY   FAMILY     TITLE\n"
            "crash-loop-backoff   -            -          symptoms   CrashLoopBackOff: a container keeps "
            "restarting\n"
            "timeout              AIOPS-D902   error      logs       Timeout\n");
  ASSERT_EQ(run({"runbook", "list", "ImagePullBackOff", "OOMKilled", "-o", "json"}), 0);
  EXPECT_EQ(out.str(), R"({
  "runbooks": [
    {
      "runbook": "image-pull-backoff",
      "file": "image-pull-backoff.md",
      "title": "ImagePullBackOff: the image cannot be pulled",
      "family": "symptoms",
      "kind": "symptom",
      "rules": [
        "AIOPS-D200",
        "AIOPS-D201",
        "AIOPS-D202",
        "AIOPS-D203",
        "AIOPS-D204",
        "AIOPS-D205",
        "AIOPS-D206"
      ],
      "severity": null
    },
    {
      "runbook": "oom-killed",
      "file": "oom-killed.md",
      "title": "Container OOMKilled",
      "family": "runtime",
      "kind": "rule",
      "rules": [
        "AIOPS-D110"
      ],
      "severity": "error"
    }
  ]
}
)");
  ASSERT_EQ(run({"runbook", "list", "timeout", "-o", "markdown"}), 0);
  EXPECT_EQ(out.str(),
            "| Runbook | Rule | Severity | Family | Title |\n| --- | --- | --- | --- | --- |\n"
            "| timeout | AIOPS-D902 | error | logs | Timeout |\n");
  ASSERT_EQ(run({"runbook", "list"}), 0);
  const std::string all = out.str();
  EXPECT_EQ(static_cast<std::size_t>(std::count(all.begin(), all.end(), '\n')),
            diagnose::runbooks().size() + 1);
  EXPECT_EQ(transportsMade, 0);
}

TEST_F(RunbookCliTest, ShowPrintsThePages) {
  ASSERT_EQ(run({"runbook", "show", "AIOPS-D110"}), 0);
  EXPECT_EQ(out.str(), diagnose::renderRunbook(*diagnose::selectRunbooks({"oom-killed"}).entries.front()));
  ASSERT_EQ(run({"runbook", "show", "timeout", "oom-killed"}), 0);
  const auto both = diagnose::selectRunbooks({"timeout", "oom-killed"}).entries;
  EXPECT_EQ(out.str(), diagnose::renderRunbook(*both[0]) + "\n" + diagnose::renderRunbook(*both[1]));
}

TEST_F(RunbookCliTest, HelpNamesTheSubcommandsAndExitStatus) {
  ASSERT_EQ(run({"runbook", "--help"}), 0);
  for (const char* expected :
       {"Usage: kubectl aiops runbook [OPTIONS] [SUBCOMMAND]", "  generate ", "  list ", "  show ",
        "  kubectl aiops runbook generate --out docs/runbooks runtime AIOPS-D200\n",
        "  3  I/O error (the output directory or a file in it cannot be written)\n"})
    EXPECT_NE(out.str().find(expected), std::string::npos) << expected << "\n" << out.str();
  ASSERT_EQ(run({"runbook", "generate", "--help"}), 0);
  EXPECT_NE(out.str().find("Usage: kubectl aiops runbook generate [OPTIONS] [CATEGORY...]"),
            std::string::npos)
      << out.str();
}

// operations/runbooks/ is committed so the runbooks can be read on the forge; it must be exactly what the
// generator writes, or a catalogue change has left it stale.
TEST_F(RunbookCliTest, CommittedRunbooksAreWhatTheGeneratorWrites) {
  const fs::path fresh = tmp / "fresh";
  ASSERT_EQ(run({"runbook", "generate", "--out", fresh.string()}), 0) << err.str();
  const fs::path committed = AIOPS_RUNBOOKS_DIR;
  ASSERT_TRUE(fs::is_directory(committed)) << committed;
  const std::string regenerate =
      "; regenerate with 'kubectl-aiops runbook generate' in the repository root and commit the result";
  EXPECT_EQ(filesIn(committed), filesIn(fresh))
      << "the committed runbooks differ in their files" << regenerate;
  for (const std::string& name : filesIn(fresh))
    EXPECT_EQ(readFile(committed / name), readFile(fresh / name)) << name << " is stale" << regenerate;
}

}  // namespace
}  // namespace aiops::plugin

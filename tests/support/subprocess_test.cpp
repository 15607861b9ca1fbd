// Unit tests for src/support/subprocess: real /bin/sh children, exit codes, streams, limits and streaming.
#include "support/subprocess.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace aiops {
namespace {

using namespace std::chrono_literals;

ProcessSpec program(std::vector<std::string> argv, std::string stdinData = "") {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.stdinData = std::move(stdinData);
  return spec;
}

ProcessSpec shell(const std::string& script) {
  return program({"/bin/sh", "-c", script});
}

TEST(RunProcess, CapturesStdoutAndExitCodeZero) {
  const ProcessResult r = runProcess(shell("printf 'hello\\nworld\\n'"));
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_EQ(r.out, "hello\nworld\n");
  EXPECT_EQ(r.err, "");
  EXPECT_FALSE(r.timedOut);
  EXPECT_FALSE(r.outputTruncated);
}

TEST(RunProcess, ReportsNonZeroExitCodeAndStderr) {
  const ProcessResult r = runProcess(shell("echo out; echo 'Error from server (NotFound): x' >&2; exit 7"));
  EXPECT_EQ(r.exitCode, 7);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "Error from server (NotFound): x\n");
}

TEST(RunProcess, KilledBySignalGivesMinusOne) {
  const ProcessResult r = runProcess(shell("kill -TERM $$"));
  EXPECT_EQ(r.exitCode, -1);
  EXPECT_FALSE(r.timedOut);
}

TEST(RunProcess, WritesStdinAndClosesIt) {
  ProcessSpec spec = program({"cat"}, "line one\nline two");
  const ProcessResult r = runProcess(spec);
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_EQ(r.out, "line one\nline two");
}

TEST(RunProcess, EmptyStdinReadsEndOfFile) {
  const ProcessResult r = runProcess(program({"wc", "-c"}));
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_EQ(r.out, "0\n");
}

TEST(RunProcess, ChildIgnoringLargeStdinDoesNotHang) {
  ProcessSpec spec = shell("exit 3");
  spec.stdinData = std::string(1 << 20, 'x');
  const ProcessResult r = runProcess(spec);
  EXPECT_EQ(r.exitCode, 3);
}

TEST(RunProcess, LargeOutputOnBothStreamsDoesNotDeadlock) {
  // 1 MiB on each stream, more than a pipe buffer: needs concurrent reading.
  const ProcessResult r =
      runProcess(shell("head -c 1048576 /dev/zero | tr '\\0' a; head -c 1048576 /dev/zero | tr '\\0' b >&2"));
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_EQ(r.out, std::string(1048576, 'a'));
  EXPECT_EQ(r.err, std::string(1048576, 'b'));
}

TEST(RunProcess, EnvironmentOverridesAreSetAndTheRestInherited) {
  ::setenv("AIOPS_SUBPROCESS_TEST_INHERITED", "kept", 1);
  ProcessSpec spec = shell("printf '%s %s' \"$AIOPS_A\" \"$AIOPS_SUBPROCESS_TEST_INHERITED\"");
  spec.env = {{"AIOPS_A", "set"}};
  const ProcessResult r = runProcess(spec);
  EXPECT_EQ(r.out, "set kept");
  ::unsetenv("AIOPS_SUBPROCESS_TEST_INHERITED");
}

TEST(RunProcess, TimeoutKillsTheChild) {
  ProcessSpec spec = shell("echo started; exec sleep 30");
  spec.timeout = 200ms;
  const auto start = std::chrono::steady_clock::now();
  const ProcessResult r = runProcess(spec);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(r.timedOut);
  EXPECT_EQ(r.exitCode, -1);
  EXPECT_EQ(r.out, "started\n");
  EXPECT_LT(elapsed, 5s);
}

TEST(RunProcess, TimeoutReturnsEvenWhenAGrandchildHoldsTheOutput) {
  // sh forks sleep (no exec): killing sh leaves sleep holding stdout open.
  ProcessSpec spec = shell("sleep 30; echo never");
  spec.timeout = 200ms;
  const auto start = std::chrono::steady_clock::now();
  const ProcessResult r = runProcess(spec);
  EXPECT_TRUE(r.timedOut);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(RunProcess, ExitedChildWithBackgroundGrandchildReturnsPromptly) {
  const auto start = std::chrono::steady_clock::now();
  const ProcessResult r = runProcess(shell("sleep 30 & echo done"));
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_EQ(r.out, "done\n");
  EXPECT_FALSE(r.timedOut);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST(RunProcess, OutputCapKillsTheChildAndKeepsExactlyTheCap) {
  ProcessSpec spec = shell("while :; do echo 0123456789; done");
  spec.maxOutputBytes = 100000;
  const ProcessResult r = runProcess(spec);
  EXPECT_TRUE(r.outputTruncated);
  EXPECT_FALSE(r.timedOut);
  EXPECT_EQ(r.exitCode, -1);
  ASSERT_EQ(r.out.size(), 100000u);
  EXPECT_EQ(r.out.substr(0, 22), "0123456789\n0123456789\n");
}

TEST(RunProcess, OutputExactlyAtTheCapIsNotTruncated) {
  ProcessSpec spec = shell("printf 12345");
  spec.maxOutputBytes = 5;
  const ProcessResult r = runProcess(spec);
  EXPECT_FALSE(r.outputTruncated);
  EXPECT_EQ(r.exitCode, 0);
  EXPECT_EQ(r.out, "12345");
}

TEST(RunProcess, MissingProgramThrowsProcessError) {
  try {
    runProcess(program({"aiops-no-such-program-xyz"}));
    FAIL() << "expected ProcessError";
  } catch (const ProcessError& e) {
    EXPECT_STREQ(e.what(), "cannot run 'aiops-no-such-program-xyz': not found on PATH");
  }
}

TEST(RunProcess, MissingAbsoluteProgramThrowsProcessError) {
  try {
    runProcess(program({"/nonexistent/kubectl"}));
    FAIL() << "expected ProcessError";
  } catch (const ProcessError& e) {
    EXPECT_STREQ(e.what(), "cannot run '/nonexistent/kubectl': No such file or directory");
  }
}

TEST(RunProcess, EmptyArgvThrowsProcessError) {
  EXPECT_THROW(runProcess(ProcessSpec{}), ProcessError);
}

TEST(RunProcesses, RunsInParallelAndKeepsOrder) {
#ifdef AIOPS_SERIAL_CHILDREN
  GTEST_SKIP() << "the sanitizer build starts children one at a time (src/support/subprocess.cpp)";
#endif
  // Each child waits until all six have started, so run one after another the first would give up (exit 99).
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("run-processes-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::vector<ProcessSpec> specs;
  for (int i = 0; i < 6; ++i)
    specs.push_back(shell("touch " + dir.string() + "/" + std::to_string(i) + "; n=0; while [ $(ls " +
                          dir.string() +
                          " | wc -l) -lt 6 ]; do n=$((n+1)); [ $n -gt 1000 ] && exit 99; sleep 0.01; "
                          "done; echo " +
                          std::to_string(i) + "; exit " + std::to_string(i)));
  const std::vector<ProcessResult> results = runProcesses(specs);
  std::filesystem::remove_all(dir);
  ASSERT_EQ(results.size(), 6u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(results[static_cast<std::size_t>(i)].out, std::to_string(i) + "\n");
    EXPECT_EQ(results[static_cast<std::size_t>(i)].exitCode, i);
  }
}

TEST(RunProcesses, EmptyListGivesEmptyResult) {
  EXPECT_TRUE(runProcesses({}).empty());
}

TEST(RunProcesses, OneUnstartableSpecThrows) {
  EXPECT_THROW(runProcesses({shell("true"), program({"aiops-no-such-program-xyz"})}), ProcessError);
}

TEST(FindOnPath, FindsShAndRejectsUnknown) {
  const auto sh = findOnPath("sh");
  ASSERT_TRUE(sh.has_value());
  EXPECT_EQ(sh->back(), 'h');
  EXPECT_EQ(::access(sh->c_str(), X_OK), 0);
  EXPECT_FALSE(findOnPath("aiops-no-such-program-xyz").has_value());
  EXPECT_EQ(findOnPath("/bin/sh"), std::optional<std::string>("/bin/sh"));
  EXPECT_FALSE(findOnPath("").has_value());
}

TEST(StreamingProcess, DeliversLinesAsTheyArrive) {
  StreamingProcess p(shell("echo one; echo two; sleep 0.3; printf 'three'"));
  EXPECT_EQ(p.readLine(5s), std::optional<std::string>("one"));
  EXPECT_EQ(p.readLine(5s), std::optional<std::string>("two"));
  EXPECT_EQ(p.readLine(5s), std::optional<std::string>("three"));  // last line without newline
  EXPECT_EQ(p.readLine(5s), std::nullopt);
  EXPECT_TRUE(p.eof());
  EXPECT_EQ(p.terminate(1s), 0);
}

TEST(StreamingProcess, ReadLineTimesOutWhileTheChildIsQuiet) {
  StreamingProcess p(shell("sleep 30"));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(p.readLine(150ms), std::nullopt);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 140ms);
  EXPECT_FALSE(p.eof());
  EXPECT_TRUE(p.running());
  EXPECT_GT(p.pid(), 0);
}

TEST(StreamingProcess, TerminateStopsTheChildWithSigterm) {
  StreamingProcess p(shell("echo ready; exec sleep 30"));
  EXPECT_EQ(p.readLine(5s), std::optional<std::string>("ready"));
  EXPECT_TRUE(p.running());
  EXPECT_EQ(p.terminate(2s), -1);
  EXPECT_FALSE(p.running());
  EXPECT_EQ(::kill(p.pid(), 0), -1);  // reaped
}

TEST(StreamingProcess, TerminateEscalatesToSigkill) {
  StreamingProcess p(shell("trap '' TERM; echo ready; while :; do sleep 0.05; done"));
  EXPECT_EQ(p.readLine(5s), std::optional<std::string>("ready"));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(p.terminate(200ms), -1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_FALSE(p.running());
}

TEST(StreamingProcess, ExitCodeAndStderrOfAFinishedChild) {
  StreamingProcess p(shell("echo problem >&2; exit 4"));
  EXPECT_EQ(p.readLine(5s), std::nullopt);
  for (int i = 0; i < 100 && p.running(); ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_FALSE(p.running());
  EXPECT_EQ(p.terminate(1s), 4);
  for (int i = 0; i < 100 && p.stderrSoFar().empty(); ++i)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(p.stderrSoFar(), "problem\n");
}

TEST(StreamingProcess, WaitReturnsTheExitCodeOrTimesOut) {
  StreamingProcess quick(shell("exit 5"));
  EXPECT_EQ(quick.wait(5s), std::optional<int>(5));
  StreamingProcess slow(shell("exec sleep 30"));
  EXPECT_EQ(slow.wait(100ms), std::nullopt);
  EXPECT_TRUE(slow.running());
}

TEST(StreamingProcess, PassesStdin) {
  ProcessSpec spec = program({"cat"}, "a\nb\n");
  StreamingProcess p(spec);
  EXPECT_EQ(p.readLine(5s), std::optional<std::string>("a"));
  EXPECT_EQ(p.readLine(5s), std::optional<std::string>("b"));
  EXPECT_EQ(p.readLine(5s), std::nullopt);
}

TEST(StreamingProcess, DestructorTerminatesARunningChild) {
  int pid = 0;
  {
    StreamingProcess p(shell("exec sleep 30"));
    pid = p.pid();
    EXPECT_EQ(::kill(pid, 0), 0);
  }
  EXPECT_EQ(::kill(pid, 0), -1);
}

TEST(StreamingProcess, MissingProgramThrows) {
  EXPECT_THROW(StreamingProcess(program({"aiops-no-such-program-xyz"})), ProcessError);
}

}  // namespace
}  // namespace aiops

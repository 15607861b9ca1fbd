// Running child processes: the one place that uses Boost.Process (its headers cost about ten seconds per
// translation unit, so nothing else includes them). The kubectl transport and the test harness build on it.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace aiops {

struct ProcessSpec {
  std::vector<std::string> argv;            // argv[0] is looked up on PATH when it has no slash
  std::map<std::string, std::string> env;   // set on top of the inherited environment
  std::string stdinData;                    // written to the child's stdin, which is then closed
  std::chrono::milliseconds timeout{0};     // 0: none; on expiry the child is killed
  std::size_t maxOutputBytes = 256u << 20;  // stdout beyond this kills the child: a huge output is never kept
};

struct ProcessResult {
  int exitCode = -1;  // -1 when killed by a signal or the timeout
  std::string out;
  std::string err;
  bool timedOut = false;
  bool outputTruncated = false;  // stdout reached maxOutputBytes
};

// Thrown when the program cannot be started at all (not found, not executable).
class ProcessError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Runs a program to completion, reading stdout and stderr concurrently (no pipe deadlock).
ProcessResult runProcess(const ProcessSpec& spec);

// Runs independent programs in parallel and returns their results in the same order.
std::vector<ProcessResult> runProcesses(const std::vector<ProcessSpec>& specs);

// A long-running child whose stdout is consumed line by line: watch streams, kubesim under test.
class StreamingProcess {
 public:
  explicit StreamingProcess(const ProcessSpec& spec);  // spec.timeout is ignored; throws ProcessError
  ~StreamingProcess();                                 // terminates the child if it still runs
  StreamingProcess(const StreamingProcess&) = delete;
  StreamingProcess& operator=(const StreamingProcess&) = delete;

  // The next stdout line without its newline; nullopt at end of stream or when `timeout` passes first.
  std::optional<std::string> readLine(std::chrono::milliseconds timeout);
  bool running();
  // True once stdout has reached its end and every line has been read.
  bool eof();
  // Waits up to `timeout` for the child to exit by itself; its exit code (-1 when signalled), else nullopt.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // Sends SIGTERM, waits up to `grace`, then SIGKILL; returns the exit code (-1 when signalled).
  int terminate(std::chrono::milliseconds grace = std::chrono::seconds(5));
  std::string stderrSoFar();
  int pid() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Looks a program up on PATH; nullopt when absent.
std::optional<std::string> findOnPath(const std::string& program);

}  // namespace aiops

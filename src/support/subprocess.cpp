// Child processes through Boost.Process v2 and Boost.Asio: the only translation unit that includes them.
//
// Design notes (why, once):
// - v2 rather than v1: its POSIX launcher closes every inherited descriptor except stdio in the child, so
//   children spawned in parallel from several threads never hold each other's pipes open (v1 leaks them and
//   a reader then waits for an EOF that only comes when an unrelated child exits).
// - stdin is a sealed memfd holding spec.stdinData rather than a pipe: the child reads a finished file, we
//   never block writing, and there is no SIGPIPE to handle when the child ignores its input.
// - One io_context per child, run on the calling thread (runProcess) or on one background thread
//   (StreamingProcess); stdout and stderr are read concurrently so neither pipe can fill up and deadlock.
// - A child that exited while a grandchild still holds its stdout open would otherwise keep us reading for
//   ever, so once the child is reaped the pipes get a short grace period to reach EOF and are then closed.
#include "support/subprocess.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/process/v2/environment.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/stdio.hpp>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

extern char** environ;

namespace aiops {
namespace {

namespace asio = boost::asio;
namespace bp = boost::process::v2;

constexpr auto kDrainGrace = std::chrono::milliseconds(300);  // pipes still open after the child was reaped
constexpr std::size_t kReadChunk = 64 * 1024;
#ifdef AIOPS_SERIAL_CHILDREN
// GCC 12's ASan is not fork-safe in a multithreaded process (fixed upstream in LLVM 18): a child forked while
// another thread holds an allocator lock can hang before exec. The sanitizer build runs children one at a
// time.
constexpr std::size_t kMaxParallel = 1;
#else
constexpr std::size_t kMaxParallel = 8;  // kubectl children are heavy; more buys nothing on small machines
#endif

// Exit status as documented in ProcessResult: the exit code, or -1 when a signal ended the child.
int decodeStatus(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Owns a file descriptor.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd& operator=(Fd&&) = delete;
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// The child's stdin: an anonymous file holding the data, positioned at its start; /dev/null when empty.
Fd makeStdin(const std::string& data) {
  if (data.empty()) {
    Fd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) throw ProcessError(std::string("cannot open /dev/null: ") + std::strerror(errno));
    return fd;
  }
  Fd fd(::memfd_create("aiops-stdin", MFD_CLOEXEC));
  if (fd.get() < 0) throw ProcessError(std::string("cannot create stdin buffer: ") + std::strerror(errno));
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw ProcessError(std::string("cannot write stdin buffer: ") + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
  if (::lseek(fd.get(), 0, SEEK_SET) < 0) {
    throw ProcessError(std::string("cannot rewind stdin buffer: ") + std::strerror(errno));
  }
  return fd;
}

std::string resolveProgram(const std::vector<std::string>& argv) {
  if (argv.empty() || argv.front().empty()) throw ProcessError("cannot start a process: empty command line");
  const std::string& program = argv.front();
  if (program.find('/') != std::string::npos) {
    if (::access(program.c_str(), X_OK) != 0) {
      throw ProcessError("cannot run '" + program + "': " + std::strerror(errno));
    }
    return program;
  }
  auto found = findOnPath(program);
  if (!found) throw ProcessError("cannot run '" + program + "': not found on PATH");
  return *found;
}

// The inherited environment with spec.env laid over it, as NAME=VALUE strings.
std::vector<std::string> mergedEnvironment(const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> result;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry(*e);
    const auto eq = entry.find('=');
    const std::string name = entry.substr(0, eq);
    if (!overrides.contains(name)) result.push_back(std::move(entry));
  }
  for (const auto& [name, value] : overrides)
    result.push_back(name + "=" + value);
  return result;
}

// Launches the child with the given stdio; translates launch failures into ProcessError.
bp::process launch(asio::io_context& ctx, const ProcessSpec& spec, int stdinFd, asio::readable_pipe& out,
                   asio::readable_pipe& err) {
  const std::string exe = resolveProgram(spec.argv);
  const std::vector<std::string> args(spec.argv.begin() + 1, spec.argv.end());
  try {
    bp::default_process_launcher launcher;
    // Set the environment on the launcher directly: process_environment's out-of-line setup is missing from
    // Boost 1.81's header-only build.
    std::vector<std::string> env;
    std::vector<const char*> envp;
    if (!spec.env.empty()) {
      env = mergedEnvironment(spec.env);
      for (const auto& entry : env)
        envp.push_back(entry.c_str());
      envp.push_back(nullptr);
      launcher.env = envp.data();
    }
    return launcher(ctx, exe, args, bp::process_stdio{stdinFd, out, err});
  } catch (const boost::system::system_error& e) {
    throw ProcessError("cannot run '" + spec.argv.front() + "': " + e.code().message());
  }
}

}  // namespace

std::optional<std::string> findOnPath(const std::string& program) {
  if (program.empty()) return std::nullopt;
  if (program.find('/') != std::string::npos) {
    return ::access(program.c_str(), X_OK) == 0 ? std::optional<std::string>(program) : std::nullopt;
  }
  const char* path = std::getenv("PATH");
  const std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    std::string dir = dirs.substr(start, end - start);
    if (dir.empty()) dir = ".";  // an empty PATH element means the current directory
    const std::string candidate = dir + "/" + program;
    struct stat info {};
    if (::stat(candidate.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    start = end + 1;
  }
  return std::nullopt;
}

ProcessResult runProcess(const ProcessSpec& spec) {
  asio::io_context ctx;
  asio::readable_pipe outPipe(ctx);
  asio::readable_pipe errPipe(ctx);
  Fd in = makeStdin(spec.stdinData);
  bp::process proc = launch(ctx, spec, in.get(), outPipe, errPipe);
  in.reset();

  ProcessResult result;
  bool exited = false;
  int status = 0;
  int openReads = 2;
  asio::steady_timer deadline(ctx);
  asio::steady_timer drain(ctx);
  std::array<char, kReadChunk> outBuf{};
  std::array<char, kReadChunk> errBuf{};

  auto killChild = [&] {
    if (!exited) ::kill(proc.id(), SIGKILL);
    boost::system::error_code ignored;
    outPipe.close(ignored);
    errPipe.close(ignored);
  };
  auto readDone = [&] {
    if (--openReads == 0) drain.cancel();
  };

  std::function<void()> readOut = [&] {
    outPipe.async_read_some(asio::buffer(outBuf), [&](boost::system::error_code ec, std::size_t n) {
      const std::size_t room = spec.maxOutputBytes - std::min(spec.maxOutputBytes, result.out.size());
      result.out.append(outBuf.data(), std::min(n, room));
      if (n > room) {
        result.outputTruncated = true;
        killChild();
      }
      if (ec || result.outputTruncated) return readDone();
      readOut();
    });
  };
  std::function<void()> readErr = [&] {
    errPipe.async_read_some(asio::buffer(errBuf), [&](boost::system::error_code ec, std::size_t n) {
      // stderr is for messages; keep its tail bounded like stdout so a chatty child cannot exhaust memory.
      if (result.err.size() < spec.maxOutputBytes) result.err.append(errBuf.data(), n);
      if (ec) return readDone();
      readErr();
    });
  };
  readOut();
  readErr();

  proc.async_wait([&](boost::system::error_code, int) {
    exited = true;
    status = proc.native_exit_code();
    deadline.cancel();
    if (openReads > 0) {
      drain.expires_after(kDrainGrace);
      drain.async_wait([&](boost::system::error_code ec) {
        if (!ec) killChild();
      });
    }
  });
  if (spec.timeout.count() > 0) {
    deadline.expires_after(spec.timeout);
    deadline.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      result.timedOut = true;
      killChild();
    });
  }
  ctx.run();
  proc.detach();  // reaped already: keeps the destructor from signalling a pid that may have been reused

  // A child we killed reports -1 even if it managed to exit on its own in the same instant.
  result.exitCode = (result.timedOut || result.outputTruncated) ? -1 : decodeStatus(status);
  return result;
}

std::vector<ProcessResult> runProcesses(const std::vector<ProcessSpec>& specs) {
  std::vector<ProcessResult> results(specs.size());
  std::vector<std::exception_ptr> errors(specs.size());
  std::mutex mutex;
  std::size_t next = 0;
  auto worker = [&] {
    for (;;) {
      std::size_t i = 0;
      {
        std::lock_guard lock(mutex);
        if (next == specs.size()) return;
        i = next++;
      }
      try {
        results[i] = runProcess(specs[i]);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  const std::size_t threads = std::min(specs.size(), kMaxParallel);
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t)
    pool.emplace_back(worker);
  if (threads > 0) worker();
  for (auto& t : pool)
    t.join();
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  return results;
}

// --- StreamingProcess -----------------------------------------------------------------------------------

struct StreamingProcess::Impl {
  asio::io_context ctx;
  asio::readable_pipe outPipe{ctx};
  asio::readable_pipe errPipe{ctx};
  asio::steady_timer drain{ctx};
  std::optional<bp::process> proc;
  int pid = -1;
  std::thread io;

  std::mutex mutex;
  std::condition_variable changed;
  std::deque<std::string> lines;
  std::string partial;  // stdout after the last newline
  std::string err;
  bool outEof = false;
  bool exited = false;
  int status = 0;
  int openReads = 2;

  std::array<char, kReadChunk> outBuf{};
  std::array<char, kReadChunk> errBuf{};

  void closePipes() {
    boost::system::error_code ignored;
    outPipe.close(ignored);
    errPipe.close(ignored);
  }
  void readDone() {
    if (--openReads == 0) drain.cancel();
  }
  void readOut() {
    outPipe.async_read_some(asio::buffer(outBuf), [this](boost::system::error_code ec, std::size_t n) {
      {
        std::lock_guard lock(mutex);
        partial.append(outBuf.data(), n);
        std::size_t start = 0;
        for (auto nl = partial.find('\n'); nl != std::string::npos; nl = partial.find('\n', start)) {
          lines.push_back(partial.substr(start, nl - start));
          start = nl + 1;
        }
        partial.erase(0, start);
        if (ec) {
          if (!partial.empty()) lines.push_back(std::move(partial));
          partial.clear();
          outEof = true;
        }
      }
      changed.notify_all();
      if (ec) return readDone();
      readOut();
    });
  }
  void readErr() {
    errPipe.async_read_some(asio::buffer(errBuf), [this](boost::system::error_code ec, std::size_t n) {
      {
        std::lock_guard lock(mutex);
        err.append(errBuf.data(), n);
      }
      if (ec) return readDone();
      readErr();
    });
  }
  void waitExit() {
    proc->async_wait([this](boost::system::error_code, int) {
      {
        std::lock_guard lock(mutex);
        exited = true;
        status = proc->native_exit_code();
      }
      changed.notify_all();
      if (openReads > 0) {
        drain.expires_after(kDrainGrace);
        drain.async_wait([this](boost::system::error_code ec) {
          if (!ec) closePipes();
        });
      }
    });
  }
  // Signals the child unless it has been reaped (the pid could then belong to someone else).
  void signal(int sig) {
    std::lock_guard lock(mutex);
    if (!exited) ::kill(pid, sig);
  }
};

StreamingProcess::StreamingProcess(const ProcessSpec& spec) : impl_(std::make_unique<Impl>()) {
  Fd in = makeStdin(spec.stdinData);
  impl_->proc.emplace(launch(impl_->ctx, spec, in.get(), impl_->outPipe, impl_->errPipe));
  impl_->pid = impl_->proc->id();
  impl_->readOut();
  impl_->readErr();
  impl_->waitExit();
  impl_->io = std::thread([impl = impl_.get()] { impl->ctx.run(); });
}

StreamingProcess::~StreamingProcess() {
  if (!impl_) return;
  if (running()) terminate(std::chrono::seconds(2));
  asio::post(impl_->ctx, [impl = impl_.get()] { impl->closePipes(); });
  if (impl_->io.joinable()) impl_->io.join();
  impl_->proc->detach();
}

std::optional<std::string> StreamingProcess::readLine(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  impl_->changed.wait_for(lock, timeout, [&] { return !impl_->lines.empty() || impl_->outEof; });
  if (impl_->lines.empty()) return std::nullopt;
  std::string line = std::move(impl_->lines.front());
  impl_->lines.pop_front();
  return line;
}

bool StreamingProcess::eof() {
  std::lock_guard lock(impl_->mutex);
  return impl_->outEof && impl_->lines.empty();
}

bool StreamingProcess::running() {
  std::lock_guard lock(impl_->mutex);
  return !impl_->exited;
}

std::optional<int> StreamingProcess::wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  if (!impl_->changed.wait_for(lock, timeout, [&] { return impl_->exited; })) return std::nullopt;
  return decodeStatus(impl_->status);
}

int StreamingProcess::terminate(std::chrono::milliseconds grace) {
  impl_->signal(SIGTERM);
  std::unique_lock lock(impl_->mutex);
  if (!impl_->changed.wait_for(lock, grace, [&] { return impl_->exited; })) {
    ::kill(impl_->pid, SIGKILL);  // still unreaped: we hold the lock that the reaper needs to publish
    impl_->changed.wait(lock, [&] { return impl_->exited; });
  }
  return decodeStatus(impl_->status);
}

std::string StreamingProcess::stderrSoFar() {
  std::lock_guard lock(impl_->mutex);
  return impl_->err;
}

int StreamingProcess::pid() const {
  return impl_->pid;
}

}  // namespace aiops

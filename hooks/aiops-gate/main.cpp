// aiops-gate: command-line front end of the Helm post-renderer (flags in, postRender, output and exit code
// out).
//
// Helm 3 runs `aiops-gate <--post-renderer-args...>` with no subcommand; the Helm 4 plugin runs
// `aiops-gate post-render <args...>`. Both read the rendered stream on stdin. Nothing is written to stdout
// until the whole stream has been processed, so a failure never leaves half a manifest behind.
//
// Exit status: 0 success; 1 input refused (malformed YAML, a gated Deployment that cannot be gated, empty
// input under Helm 4); 2 usage error; 3 reading stdin or writing stdout failed.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "gate/post_renderer.h"
#include "monitor_commands.h"

namespace {

constexpr int kExitRefused = 1;
constexpr int kExitUsage = 2;
constexpr int kExitIo = 3;

struct Options {
  aiops::gate::GateOptions gate;
  std::string window = "120s";
  std::string errorFile;
};

std::string envOr(const char* name, std::string fallback = {}) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

// Helm 4 runs post-renderer plugins with HELM_PLUGIN_NAME set; Helm 3 sets nothing for a post-renderer.
bool underHelm4() {
  return !envOr("HELM_PLUGIN_NAME").empty();
}

// Where failures are recorded besides stderr, which Helm 4 hides: --error-file, else $AIOPS_GATE_ERROR_FILE,
// else (under Helm 4 only) $XDG_STATE_HOME/aiops-gate/errors.log (default ~/.local/state).
std::string errorFilePath(const std::string& flag) {
  if (!flag.empty()) return flag;
  std::string env = envOr("AIOPS_GATE_ERROR_FILE");
  if (!env.empty() || !underHelm4()) return env;
  std::string state = envOr("XDG_STATE_HOME");
  if (state.empty()) {
    std::string home = envOr("HOME");
    if (home.empty()) return {};
    state = home + "/.local/state";
  }
  return state + "/aiops-gate/errors.log";
}

// Appends one timestamped line; one write(2) on an O_APPEND descriptor, so concurrent runs do not interleave.
void recordError(const std::string& path, const std::string& line) {
  if (path.empty()) return;
  std::error_code ec;
  std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::string text = std::string(stamp) + " aiops-gate post-render: " + line + "\n";
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    std::fprintf(stderr, "aiops-gate: warning: cannot write the error file %s: %s\n", path.c_str(),
                 std::strerror(errno));
  }
  if (fd >= 0) ::close(fd);
}

int fail(int code, const std::string& errorFile, const std::string& message) {
  std::string line = "error: " + message;
  std::fprintf(stderr, "%s\n", line.c_str());
  recordError(errorFilePath(errorFile), line);
  return code;
}

// A refused stream: also an Event where Helm 4 says which namespace the release is in.
int refuse(const std::string& errorFile, const std::string& message) {
  const int code = fail(kExitRefused, errorFile, message);
  if (underHelm4()) {
    if (auto why = aiops::gate_cli::recordRefusalEvent("aiops-gate post-render: " + message))
      recordError(errorFilePath(errorFile), "warning: no Event was recorded: " + *why);
  }
  return code;
}

// --error-file as given, even when the rest of the command line does not parse.
std::string scanErrorFile(const std::vector<std::string>& args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--error-file" && i + 1 < args.size()) return args[i + 1];
    if (args[i].rfind("--error-file=", 0) == 0) return args[i].substr(13);
  }
  return {};
}

// stdin, read whole. Grown with realloc, which moves large blocks by remapping pages, not by copying them.
class InputBuffer {
 public:
  InputBuffer() = default;
  ~InputBuffer() { std::free(data_); }
  InputBuffer(const InputBuffer&) = delete;
  InputBuffer& operator=(const InputBuffer&) = delete;

  bool readAll(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
      if (!grow(static_cast<std::size_t>(st.st_size) + 1)) return false;
    }
    for (;;) {
      if (capacity_ - size_ < (64u << 10) && !grow(std::max<std::size_t>(capacity_ * 2, 1u << 20)))
        return false;
      ssize_t n = ::read(fd, data_ + size_, capacity_ - size_);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return false;
      if (n == 0) return true;
      size_ += static_cast<std::size_t>(n);
    }
  }
  std::string_view view() const { return {data_, size_}; }
  void release() {
    std::free(data_);
    data_ = nullptr;
    size_ = capacity_ = 0;
  }

 private:
  bool grow(std::size_t capacity) {
    void* p = std::realloc(data_, capacity);
    if (!p) return false;
    data_ = static_cast<char*>(p);
    capacity_ = capacity;
    return true;
  }
  char* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

bool writeAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed stdout is reported as exit 3, not a silent death
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args.front() == "watch")
    return aiops::gate_cli::runWatch({args.begin() + 1, args.end()});
  // As `kubectl aiops` spells it (and as the shared help's usage line shows it).
  if (args.size() >= 2 && args[0] == "rollout" && args[1] == "watch")
    return aiops::gate_cli::runWatch({args.begin() + 2, args.end()});
  if (!args.empty() && args.front() == "upgrade")
    return aiops::gate_cli::runUpgrade({args.begin() + 1, args.end()});
  if (!args.empty() && args.front() == "post-render") args.erase(args.begin());
  if (!args.empty() && !args.front().empty() && args.front().front() != '-') {
    return fail(kExitUsage, scanErrorFile(args),
                "unknown command '" + args.front() +
                    "'; use post-render (the default), watch or upgrade; see 'aiops-gate --help'");
  }

  Options options;
  CLI::App app{
      "aiops-gate post-render: Helm post-renderer that gives gated Deployments a canary rollout shape.\n"
      "Reads rendered manifests on stdin and writes them to stdout; documents it does not change are copied\n"
      "byte for byte. A Deployment (apps/v1) is gated when annotated aiops.dev/gate: \"true\", or with "
      "--all\n"
      "unless annotated \"false\". Gated: strategy RollingUpdate with maxSurge = --canary (at most\n"
      "spec.replicas) and maxUnavailable 0, minReadySeconds = --window, originals kept in annotations.",
      "aiops-gate"};
  app.set_version_flag("--version", std::string("aiops-gate ") + AIOPS_VERSION);
  app.add_flag("--all", options.gate.all, "Gate every Deployment not annotated aiops.dev/gate: \"false\"");
  app.add_option("--canary", options.gate.canary, "First replicas to watch (maxSurge); default 3")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1000000}));
  app.add_option("--window", options.window, "Bake window (minReadySeconds): 120s, 2m, 1m30s; default 120s");
  app.add_option("--error-file", options.errorFile,
                 "Also append errors to this file (default $AIOPS_GATE_ERROR_FILE; under Helm 4\n"
                 "~/.local/state/aiops-gate/errors.log, as Helm 4 hides stderr)");
  app.footer(
      "Other commands:\n"
      "  aiops-gate watch --release R -n NS    watch the release's gated rollouts (see 'aiops-gate watch "
      "--help';\n"
      "                                        'aiops-gate rollout watch' is the same command)\n"
      "  aiops-gate upgrade [flags] -- ARGS    helm upgrade ARGS with this post-renderer, then watch\n\n"
      "Examples:\n"
      "  # Helm 3: gate Deployments annotated aiops.dev/gate: \"true\"\n"
      "  helm upgrade shop ./chart --post-renderer aiops-gate\n"
      "  # Helm 3: gate every Deployment, watching 2 replicas for 3 minutes\n"
      "  helm upgrade shop ./chart --post-renderer aiops-gate --post-renderer-args=--all \\\n"
      "    --post-renderer-args=--canary=2 --post-renderer-args=--window=3m\n"
      "  # Helm 4: helm plugin install hooks/helm4-plugin, then\n"
      "  helm upgrade shop ./chart --post-renderer aiops-gate --post-renderer-args=--all\n\n"
      "Exit status: 0 success; 1 input refused (malformed YAML, a gated Deployment that cannot be gated,\n"
      "empty input under Helm 4); 2 usage error; 3 stdin or stdout failed.");
  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    std::printf("%s", app.help().c_str());
    return 0;
  } catch (const CLI::CallForVersion&) {
    std::printf("aiops-gate %s\n", AIOPS_VERSION);
    return 0;
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    return fail(kExitUsage, scanErrorFile(args), what + "; see 'aiops-gate --help'");
  }
  auto window = aiops::gate::parseWindow(options.window);
  if (!window) {
    return fail(kExitUsage, options.errorFile,
                "--window: '" + options.window + "' is not a duration from 1s to 24h (e.g. 120s, 2m, 1m30s)");
  }
  options.gate.windowSeconds = *window;

  InputBuffer buffer;
  if (!buffer.readAll(STDIN_FILENO)) {
    return fail(kExitIo, options.errorFile, std::string("reading stdin failed: ") + std::strerror(errno));
  }
  std::string_view input = buffer.view();
  if (underHelm4() && input.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return refuse(
        options.errorFile,
        "the rendered manifest stream is empty; Helm 4 refuses empty post-renderer output, so check that "
        "the chart renders at least one object");
  }
  auto result = aiops::gate::postRender(input, options.gate);
  if (auto* err = std::get_if<aiops::gate::RenderError>(&result)) {
    return refuse(options.errorFile,
                  err->describe() + "; nothing was written, fix the template and render again");
  }
  auto& rendered = std::get<aiops::gate::PostRendered>(result);
  for (const std::string& w : rendered.warnings)
    std::fprintf(stderr, "warning: %s\n", w.c_str());
  buffer.release();
  if (!writeAll(STDOUT_FILENO, rendered.output)) {
    return fail(kExitIo, options.errorFile, std::string("writing stdout failed: ") + std::strerror(errno));
  }
  return 0;
}

// Log signatures: the table, the one-pass scan with an RE2::Set, target extraction and line sanitising.
#include "diagnose/log_signatures.h"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <stdexcept>
#include <tuple>

#include "diagnose/catalogue.h"

namespace aiops::diagnose {
namespace {

// Host and port in the usual spellings: "10.96.0.5:5432", "postgres:5432", "db.shop.svc:5432". The word
// boundary keeps timestamps ("2024-05-01T10:42:00") from reading as hosts.
constexpr std::string_view kHostPort =
    R"(\b((?:\d{1,3}\.){3}\d{1,3}|[A-Za-z][A-Za-z0-9-]*(?:\.[A-Za-z0-9-]+)*):(\d{2,5})\b)";

std::vector<Signature> buildSignatures() {
  return {
      {"connection-refused",
       "AIOPS-D900",
       "connection refused",
       25,
       R"((?i)connection refused|econnrefused)",
       "its connection to {target} is refused",
       "its connection to a dependency is refused",
       {R"re(server at "([^"]+)"[^,]*, port (\d{2,5}))re",
        R"((?i)(?:dial tcp|connect|connecting to|connection to|econnrefused|connect to)\s+\[?((?:\d{1,3}\.){3}\d{1,3}|[A-Za-z][A-Za-z0-9.-]*)\]?:(\d{2,5}))",
        kHostPort}},
      {"dns-failure",
       "AIOPS-D901",
       "DNS resolution failure",
       26,
       R"((?i)no such host|name or service not known|temporary failure in name resolution|getaddrinfo (?:enotfound|eai_again)|unknownhostexception|could not translate host name|nodename nor servname provided|server misbehaving|could not resolve host|nxdomain|can't resolve)",
       "host name {target} does not resolve",
       "a host name does not resolve",
       {R"(lookup ([A-Za-z0-9._-]+)(?: on [^ ]+)?: )",
        R"((?i)getaddrinfo (?:ENOTFOUND|EAI_AGAIN) ([A-Za-z0-9._-]+))",
        R"re(could not translate host name "([^"]+)")re", R"(UnknownHostException: ([A-Za-z0-9._-]+))",
        R"((?i)could not resolve host:? ([A-Za-z0-9._-]+))",
        R"re(can't (?:find|resolve) '?([A-Za-z0-9._-]*[A-Za-z0-9])'?(?::| |$))re"}},
      {"timeout",
       "AIOPS-D902",
       "timeout",
       22,
       R"((?i)i/o timeout|context deadline exceeded|etimedout|timed out|timeout exceeded|sockettimeoutexception|readtimeout|connecttimeout|deadline exceeded)",
       "requests to {target} time out",
       "requests to a dependency time out",
       {R"((?i)(?:dial tcp|connect|connecting to|connection to|etimedout|connect to)\s+\[?((?:\d{1,3}\.){3}\d{1,3}|[A-Za-z][A-Za-z0-9.-]*)\]?:(\d{2,5}))",
        kHostPort}},
      {"permission-denied",
       "AIOPS-D903",
       "permission denied",
       20,
       R"((?i)permission denied|eacces|operation not permitted|accessdeniedexception|permissionerror)",
       "access to {target} is denied",
       "an operation is denied (permission denied)",
       {R"((?:open|mkdir|stat|write|read|unlink|create|remove|chmod) ([^:\s]+): (?:permission denied|operation not permitted))",
        R"(Permission denied: '([^']+)')", R"(EACCES: permission denied, \w+ '([^']+)')"}},
      {"address-in-use",
       "AIOPS-D904",
       "address already in use",
       30,
       R"((?i)address already in use|eaddrinuse|bindexception)",
       "address {target} is already in use",
       "the address it binds is already in use",
       {R"((?:listen tcp|bind|EADDRINUSE:? (?:address already in use)?)\s*((?:[0-9.]+|\[::\])?:\d{2,5}))",
        R"(already in use [:\[\]0-9.]*?:?(\d{2,5})\b)", R"((?i)port (\d{2,5}))"}},
      {"module-not-found",
       "AIOPS-D905",
       "command or module not found",
       25,
       R"((?i)modulenotfounderror|no module named|cannot find module|classnotfoundexception|noclassdeffounderror|could not find or load main class|command not found|executable file not found|error while loading shared libraries|importerror:)",
       "{target} is missing from the image",
       "a command or module is missing from the image",
       {R"(No module named '([^']+)')", R"(Cannot find module '([^']+)')",
        R"(ClassNotFoundException: ([\w.$]+))", R"(NoClassDefFoundError: ([\w./$]+))",
        R"(Could not find or load main class ([\w.$]+))", R"re(exec: "([^"]+)": executable file not found)re",
        R"(([\w./-]+): command not found)", R"(error while loading shared libraries: ([^:]+):)"}},
      {"exec-format-error",
       "AIOPS-D109",
       "exec format error",
       30,
       R"((?i)exec format error)",
       "{target} cannot be executed on this CPU architecture (exec format error)",
       "its entrypoint cannot be executed on this CPU architecture (exec format error)",
       {R"(exec ([^:\s]+): exec format error)"}},
      {"tls-error",
       "AIOPS-D906",
       "TLS certificate error",
       28,
       R"((?i)x509:|certificate verify failed|certificate_verify_failed|pkix path building failed|unable to verify the first certificate|self[- ]signed certificate|certificate has expired|tls: handshake failure|sslhandshakeexception|unable_to_verify_leaf_signature|cert_has_expired)",
       "a TLS certificate is rejected ({target})",
       "a TLS certificate is rejected",
       {R"re((x509: [^"]{1,100}?)(?:"|$))re",
        R"((?i)(certificate has expired|self[- ]signed certificate(?: in certificate chain)?|unable to verify the first certificate|certificate verify failed))",
        R"((PKIX path building failed))"}},
      {"database-auth-failed",
       "AIOPS-D907",
       "database authentication failed",
       30,
       R"re((?i)password authentication failed for user|access denied for user|authentication failed for user|login failed for user|wrongpass|noauth authentication required|mongoservererror: authentication failed|sasl authentication failed|fatal: +role "[^"]*" does not exist)re",
       "the database rejects the credentials of user {target}",
       "the database rejects its credentials",
       {R"re((?i)for user ["']?([\w.-]+))re", R"re((?i)role "([^"]+)" does not exist)re"}},
      {"runtime-out-of-memory",
       "AIOPS-D908",
       "runtime out of memory",
       30,
       R"((?i)java\.lang\.outofmemoryerror|javascript heap out of memory|fatal error: runtime: out of memory|\bmemoryerror\b|cannot allocate memory|std::bad_alloc)",
       "its runtime ran out of memory ({target})",
       "its runtime ran out of memory",
       {R"((java\.lang\.OutOfMemoryError(?:: [\w ]{1,40})?))", R"((JavaScript heap out of memory))",
        R"((runtime: out of memory))", R"((std::bad_alloc))", R"(\b(MemoryError)\b)"}},
      {"unhandled-exception",
       "AIOPS-D909",
       "panic or uncaught exception",
       10,
       R"re((?m)^panic: |^fatal error: |goroutine \d+ \[running\]|^Traceback \(most recent call last\)|Exception in thread "|^Caused by: |UnhandledPromiseRejection|Uncaught \w*(?:Error|Exception)|^\s+throw \w+;|thread '[^']*' panicked at|terminate called after throwing|^[A-Za-z_][\w.]*(?:Error|Exception): )re",
       "it aborts on an unhandled error ({target})",
       "it aborts on an unhandled error",
       {R"(^(panic: .{1,120}))", R"((thread '[^']*' panicked at .{1,100}))",
        R"re((Exception in thread "[^"]*" [\w.$]+(?:: .{1,80})?))re",
        R"(^([A-Za-z_][\w.]*(?:Error|Exception): .{1,120}))"}},
      {"division-by-zero",
       "AIOPS-D910",
       "division by zero",
       25,
       R"((?i)zerodivisionerror|division by zero|divide by zero|/ by zero|floating point exception)",
       "it divides by zero ({target})",
       "it divides by zero",
       {R"((ZeroDivisionError: .{1,80}))", R"((integer divide by zero))",
        R"((ArithmeticException: / by zero))"}},
      {"missing-environment-variable",
       "AIOPS-D911",
       "missing environment variable",
       30,
       R"((?i:environment variable|env var)[^\n]{0,80}(?i:not set|missing|required|undefined|is empty|must be set)|(?i:missing|required|undefined|unset)[^\n]{0,20}(?i:environment variable|env var)|KeyError: '[A-Z][A-Z0-9_]*')",
       "environment variable {target} is not set",
       "a required environment variable is not set",
       {R"(KeyError: '([A-Z][A-Z0-9_]*)')",
        R"re((?i:variable|var)\W+["'`]?([A-Z][A-Z0-9]*_[A-Z0-9_]+|[A-Z]{3,}))re",
        R"re(["'`]([A-Z][A-Z0-9]*_[A-Z0-9_]+)["'`])re", R"(\b([A-Z][A-Z0-9]*_[A-Z0-9_]+)\b)"}},
      {"read-only-filesystem",
       "AIOPS-D912",
       "read-only file system",
       28,
       R"((?i)read-only file system|erofs)",
       "it writes to {target} on a read-only file system",
       "it writes to a read-only file system",
       {R"((?:open|mkdir|create|write|rename|unlink) ([^:\s]+): read-only file system)",
        R"(EROFS: read-only file system, \w+ '([^']+)')", R"(Read-only file system: '([^']+)')"}},
      {"disk-full",
       "AIOPS-D913",
       "no space left on device",
       28,
       R"((?i)no space left on device|enospc|disk quota exceeded)",
       "there is no space left on the device it writes {target} to",
       "there is no space left on the device it writes to",
       {R"((?:write|open|create|mkdir) ([^:\s]+): no space left on device)",
        R"(ENOSPC: no space left on device, \w+ '([^']+)')"}},
  };
}

RE2::Options latin1Options() {
  RE2::Options options;
  options.set_encoding(RE2::Options::EncodingLatin1);
  options.set_log_errors(false);
  options.set_max_mem(64 << 20);
  return options;
}

// The compiled form of the table, built once.
struct Compiled {
  std::unique_ptr<RE2::Set> set;
  std::vector<std::vector<std::unique_ptr<RE2>>> targets;  // per signature
  std::vector<std::unique_ptr<RE2>> listen;
};

const Compiled& compiled() {
  static const Compiled c = [] {
    Compiled out;
    RE2::Options options = latin1Options();
    out.set = std::make_unique<RE2::Set>(options, RE2::UNANCHORED);
    for (const Signature& s : signatures()) {
      std::string error;
      if (out.set->Add(re2::StringPiece(s.pattern.data(), s.pattern.size()), &error) < 0) {
        throw std::logic_error("log signature " + std::string(s.id) + " does not compile: " + error);
      }
      std::vector<std::unique_ptr<RE2>> targets;
      for (std::string_view p : s.targetPatterns) {
        auto re = std::make_unique<RE2>(re2::StringPiece(p.data(), p.size()), options);
        if (!re->ok()) throw std::logic_error("target pattern of " + std::string(s.id) + " does not compile");
        targets.push_back(std::move(re));
      }
      out.targets.push_back(std::move(targets));
    }
    if (!out.set->Compile()) throw std::logic_error("the log signature set does not compile");
    for (
        std::string_view p : {
            R"((?i)\b(?:listen(?:ing)?|serving|running|started|bound)\b.{0,60}?(?::|\bport\(?s?\)?:?\s*)(\d{2,5})\b)",
        }) {
      out.listen.push_back(std::make_unique<RE2>(re2::StringPiece(p.data(), p.size()), options));
    }
    return out;
  }();
  return c;
}

// Extracts the target of a line: all capture groups of the first pattern that matches, joined by ':'.
std::string extractTarget(const std::vector<std::unique_ptr<RE2>>& patterns, std::string_view line) {
  re2::StringPiece input(line.data(), line.size());
  for (const auto& re : patterns) {
    int groups = re->NumberOfCapturingGroups();
    if (groups <= 0) continue;
    std::vector<re2::StringPiece> captures(static_cast<std::size_t>(groups) + 1);
    if (!re->Match(input, 0, input.size(), RE2::UNANCHORED, captures.data(), groups + 1)) continue;
    std::string target;
    for (int i = 1; i <= groups; ++i) {
      const re2::StringPiece& piece = captures[static_cast<std::size_t>(i)];
      if (piece.empty()) continue;
      if (!target.empty()) target += ':';
      target.append(piece.data(), piece.size());
    }
    if (!target.empty()) return sanitizeLine(target, 120);
  }
  return {};
}

// Calls `visit(lineNumber, line)` for each line (without its '\n' or a trailing '\r').
template <typename Visit>
std::int64_t forEachLine(std::string_view text, Visit&& visit) {
  std::int64_t number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    visit(++number, line);
    start = end + 1;
  }
  return number;
}

// The length of a valid UTF-8 sequence at text[i], or 0 when the bytes there are not one.
std::size_t utf8Length(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char b = byte(i);
  std::size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > text.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  if (n == 2 && b < 0xC2) return 0;                                          // overlong
  if (n == 3 && b == 0xE0 && byte(i + 1) < 0xA0) return 0;                   // overlong
  if (n == 3 && b == 0xED && byte(i + 1) >= 0xA0) return 0;                  // surrogate
  if (n == 4 && b == 0xF0 && byte(i + 1) < 0x90) return 0;                   // overlong
  if (n == 4 && (b > 0xF4 || (b == 0xF4 && byte(i + 1) >= 0x90))) return 0;  // beyond U+10FFFF
  return n;
}

}  // namespace

const std::vector<Signature>& signatures() {
  static const std::vector<Signature> table = buildSignatures();
  return table;
}

const LogMatch* LogScan::best() const {
  const LogMatch* best = nullptr;
  // Most specific signature first; then a line that names what failed; then the line nearest the end.
  auto key = [](const LogMatch& m) {
    return std::make_tuple(m.signature->specificity, !m.target.empty(), m.line);
  };
  for (const LogMatch& m : matches) {
    if (best == nullptr || key(m) > key(*best)) best = &m;
  }
  return best;
}

std::string LogScan::explanation() const {
  const LogMatch* m = best();
  if (m == nullptr) return {};
  if (m->target.empty()) return std::string(m->signature->clauseWithoutTarget);
  return renderTemplate(m->signature->clause, Params{{"target", m->target}});
}

LogScan scanLog(std::string_view text, std::size_t keepPerSignature) {
  LogScan scan;
  const Compiled& c = compiled();
  const auto& table = signatures();
  std::vector<int> hits;
  // One pass over the whole text first: most logs match nothing, and then we are done.
  if (!c.set->Match(re2::StringPiece(text.data(), text.size()), &hits) || hits.empty()) {
    scan.lines = forEachLine(text, [](std::int64_t, std::string_view) {});
    return scan;
  }
  std::vector<std::deque<LogMatch>> kept(table.size());
  scan.lines = forEachLine(text, [&](std::int64_t number, std::string_view line) {
    hits.clear();
    if (!c.set->Match(re2::StringPiece(line.data(), line.size()), &hits)) return;
    for (int index : hits) {
      auto i = static_cast<std::size_t>(index);
      ++scan.counts[table[i].id];
      std::deque<LogMatch>& queue = kept[i];
      if (keepPerSignature == 0) continue;
      if (queue.size() == keepPerSignature) queue.pop_front();
      queue.push_back(LogMatch{&table[i], number, std::string(line), {}});
    }
  });
  for (std::size_t i = 0; i < kept.size(); ++i) {
    for (LogMatch& m : kept[i]) {
      m.target = extractTarget(c.targets[i], m.text);
      m.text = sanitizeLine(m.text);
      scan.matches.push_back(std::move(m));
    }
  }
  std::sort(scan.matches.begin(), scan.matches.end(), [](const LogMatch& a, const LogMatch& b) {
    return a.line != b.line ? a.line < b.line : a.signature->id < b.signature->id;
  });
  return scan;
}

std::optional<ListeningPort> listeningPort(std::string_view text) {
  const Compiled& c = compiled();
  std::optional<ListeningPort> found;
  forEachLine(text, [&](std::int64_t number, std::string_view line) {
    re2::StringPiece input(line.data(), line.size());
    for (const auto& re : c.listen) {
      std::string port;
      if (RE2::PartialMatch(input, *re, &port)) {
        int value = std::stoi(port);
        if (value > 0 && value < 65536) found = ListeningPort{value, number, sanitizeLine(line)};
      }
    }
  });
  return found;
}

std::string sanitizeLine(std::string_view raw, std::size_t maxBytes) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  std::string out;
  out.reserve(std::min(raw.size(), maxBytes) + 4);
  std::size_t i = 0;
  bool cut = false;
  while (i < raw.size()) {
    unsigned char b = static_cast<unsigned char>(raw[i]);
    // ANSI escape sequences (colours): ESC [ parameters final-byte.
    if (b == 0x1B && i + 1 < raw.size() && raw[i + 1] == '[') {
      std::size_t j = i + 2;
      while (j < raw.size() && ((raw[j] >= '0' && raw[j] <= '9') || raw[j] == ';' || raw[j] == '?'))
        ++j;
      i = j < raw.size() ? j + 1 : j;
      continue;
    }
    std::string_view piece;
    std::size_t advance = 1;
    if (b == '\t') {
      piece = " ";
    } else if (b < 0x20 || b == 0x7F) {
      piece = kReplacement;
    } else if (std::size_t n = utf8Length(raw, i); n > 0) {
      piece = raw.substr(i, n);
      advance = n;
    } else {
      piece = kReplacement;
    }
    if (out.size() + piece.size() > maxBytes) {
      cut = true;
      break;
    }
    out += piece;
    i += advance;
  }
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  if (cut) out += "…";
  return out;
}

}  // namespace aiops::diagnose

// Behaviour profiles: parsing, choosing one for a container, and the pure functions of time and load that
// drive the kubelet, metrics-server, the probes, the logs and the application metrics.
#include "profile.h"

#include <fmt/format.h>
#include <fnmatch.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "clock.h"
#include "document.h"

namespace kubesim::behaviour {

namespace json = boost::json;

namespace {

constexpr double kMiB = 1024.0 * 1024.0;
// The standard normal quantile of 0.99: how many sigmas the p99 of a log-normal lies above its median.
constexpr double kZ99 = 2.3263478740408408;
// Salts that keep the noise of different quantities of one pod uncorrelated.
constexpr std::uint64_t kCpuSalt = 0x6370755f6e6f6973ull;
constexpr std::uint64_t kRoundingSalt = 0x726f756e64696e67ull;
constexpr std::uint64_t kLatencySalt = 0x6c6174656e637921ull;

// ---- log templates ----

struct TemplateValues {
  TimePoint time;
  const Profile* profile = nullptr;
  const LogContext* context = nullptr;
  TimePoint start;
  std::uint64_t seq = 0;
  std::uint64_t lineSeed = 0;
  const PlannedExit* exit = nullptr;
  std::string missingEnv;
};

const std::vector<std::string_view>& placeholderNames() {
  static const std::vector<std::string_view> names = {
      "time",   "timeMicro", "namespace", "pod", "container", "image",  "profile",
      "uptime", "seq",       "latencyMs", "rps", "exitCode",  "reason", "missingEnv"};
  return names;
}

bool parseRandRange(std::string_view spec, long long& low, long long& high) {
  // "rand:MIN-MAX" with non-negative integers.
  spec.remove_prefix(5);
  std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 >= spec.size()) return false;
  auto parse = [](std::string_view digits, long long& out) {
    if (digits.size() > 15) return false;
    out = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return false;
      out = out * 10 + (c - '0');
    }
    return true;
  };
  return parse(spec.substr(0, dash), low) && parse(spec.substr(dash + 1), high) && low <= high;
}

// Walks a template, calling onText for literal text and onPlaceholder for each {name}. Returns an error
// message, or empty when the template is well formed.
template <typename Text, typename Placeholder>
std::string walkTemplate(std::string_view text, Text onText, Placeholder onPlaceholder) {
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '{' && i + 1 < text.size() && text[i + 1] == '{') {
      onText("{");
      i += 2;
    } else if (c == '}' && i + 1 < text.size() && text[i + 1] == '}') {
      onText("}");
      i += 2;
    } else if (c == '{') {
      std::size_t close = text.find('}', i);
      if (close == std::string_view::npos) return "unclosed { in \"" + std::string(text) + "\"";
      std::string_view name = text.substr(i + 1, close - i - 1);
      long long low = 0, high = 0;
      bool known =
          std::find(placeholderNames().begin(), placeholderNames().end(), name) != placeholderNames().end();
      if (!known && !(name.starts_with("rand:") && parseRandRange(name, low, high))) {
        return "unknown placeholder {" + std::string(name) + "} (expected one of {time} {timeMicro} " +
               "{namespace} {pod} {container} {image} {profile} {uptime} {seq} {rand:MIN-MAX} {latencyMs} " +
               "{rps} {exitCode} {reason} {missingEnv})";
      }
      onPlaceholder(name);
      i = close + 1;
    } else if (c == '}') {
      return "unmatched } in \"" + std::string(text) + "\" (write }} for a literal brace)";
    } else {
      std::size_t next = text.find_first_of("{}", i);
      if (next == std::string_view::npos) next = text.size();
      onText(text.substr(i, next - i));
      i = next;
    }
  }
  return "";
}

std::string checkTemplate(std::string_view text) {
  return walkTemplate(
      text, [](std::string_view) {}, [](std::string_view) {});
}

std::string renderTemplate(std::string_view text, const TemplateValues& v) {
  std::string out;
  std::uint64_t draw = 0;  // each {rand} and {latencyMs} of a line draws afresh
  walkTemplate(
      text, [&](std::string_view literal) { out += literal; },
      [&](std::string_view name) {
        const LogContext& ctx = *v.context;
        if (name == "time") {
          out += formatTime(v.time);
        } else if (name == "timeMicro") {
          out += formatMicroTime(v.time);
        } else if (name == "namespace") {
          out += ctx.namespace_;
        } else if (name == "pod") {
          out += ctx.pod;
        } else if (name == "container") {
          out += ctx.container;
        } else if (name == "image") {
          out += ctx.image;
        } else if (name == "profile") {
          out += v.profile->name;
        } else if (name == "uptime") {
          out += formatDuration(std::chrono::floor<std::chrono::seconds>(v.time - v.start));
        } else if (name == "seq") {
          out += std::to_string(v.seq);
        } else if (name == "latencyMs") {
          double seconds = sampleLatency(*v.profile, mix64(v.lineSeed + ++draw));
          out += fmt::format("{:.0f}", seconds * 1000);
        } else if (name == "rps") {
          out += fmt::format("{:.1f}", ctx.rps);
        } else if (name == "exitCode") {
          out += v.exit ? std::to_string(v.exit->exitCode) : "0";
        } else if (name == "reason") {
          out += v.exit ? v.exit->reason : "";
        } else if (name == "missingEnv") {
          out += v.missingEnv;
        } else {
          long long low = 0, high = 0;
          parseRandRange(name, low, high);
          double u = unitNoise(v.lineSeed, static_cast<std::int64_t>(++draw));
          auto span = static_cast<double>(high - low + 1);
          out += std::to_string(low + std::min(high - low, static_cast<long long>(u * span)));
        }
      });
  return out;
}

// ---- parsing ----

Duration nonNegative(const Fields& f, std::string_view key, Duration fallback) {
  std::optional<Duration> d = f.duration(key);
  if (!d) return fallback;
  if (d->count() < 0) f.fail(key, "must not be negative, not " + formatDuration(*d));
  return *d;
}

std::vector<std::string> templates(const Fields& f, std::string_view key) {
  std::vector<std::string> lines = f.strings(key);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string error = checkTemplate(lines[i]);
    if (!error.empty()) f.failAt(key, i, error);
  }
  return lines;
}

int exitCode(const Fields& f, std::string_view key, int fallback, int min) {
  std::optional<std::int64_t> code = f.integer(key);
  if (!code) return fallback;
  if (*code < min || *code > 255) f.fail(key, fmt::format("must be between {} and 255, not {}", min, *code));
  return static_cast<int>(*code);
}

bool hasTagOrDigest(std::string_view image) {
  if (image.find('@') != std::string_view::npos) return true;
  std::size_t slash = image.rfind('/');
  std::size_t colon = image.rfind(':');
  return colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash);
}

bool isGlob(std::string_view pattern) {
  return pattern.find_first_of("*?[") != std::string_view::npos;
}

bool globMatches(const std::string& pattern, const std::string& text) {
  return fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

}  // namespace

const Profile& defaultProfile() {
  static const Profile profile = [] {
    Profile p;
    p.name = "default";
    p.cpu.baselineMillicores = 1;
    p.memory.baselineMiB = 16;
    p.startup = std::chrono::seconds(1);
    p.logs.startup = {"{time} INFO {container} started"};
    return p;
  }();
  return profile;
}

Profile parseProfile(const ScenarioDocument& document) {
  Fields top(document, "BehaviourProfile");
  std::string name = top.string("name").value_or("");
  if (name.empty()) {
    if (auto metadata = top.object("metadata")) name = metadata->string("name").value_or("");
  }
  if (name.empty()) top.failHere("name is required");
  Fields f(document, "BehaviourProfile " + name);
  f.allowOnly({"name", "metadata", "description", "images", "cpu", "memory", "startup", "exit",
               "crashOnStart", "probes", "logs", "requests"});

  Profile p;
  p.name = name;
  p.images = f.strings("images");
  for (const auto& image : p.images) {
    if (image.empty()) f.fail("images", "an image pattern must not be empty");
  }
  constexpr double kInf = std::numeric_limits<double>::infinity();
  if (auto cpu = f.object("cpu")) {
    cpu->allowOnly({"baselineMillicores", "perRpsMillicores", "startupMillicores", "noise"});
    p.cpu.baselineMillicores = cpu->number("baselineMillicores", p.cpu.baselineMillicores, 0, kInf);
    p.cpu.perRpsMillicores = cpu->number("perRpsMillicores", 0, 0, kInf);
    if (cpu->has("startupMillicores")) p.cpu.startupMillicores = cpu->number("startupMillicores", 0, 0, kInf);
    p.cpu.noise = cpu->number("noise", 0, 0, 1);
  }
  if (auto memory = f.object("memory")) {
    memory->allowOnly({"baselineMiB", "perRpsMiB", "growthMiBPerHour"});
    p.memory.baselineMiB = memory->number("baselineMiB", p.memory.baselineMiB, 0, kInf);
    p.memory.perRpsMiB = memory->number("perRpsMiB", 0, 0, kInf);
    p.memory.growthMiBPerHour = memory->number("growthMiBPerHour", 0, 0, kInf);
  }
  p.startup = nonNegative(f, "startup", p.startup);
  if (auto exit = f.object("exit")) {
    exit->allowOnly({"after", "exitCode", "reason"});
    if (!exit->has("after")) exit->failHere("after is required");
    ExitModel e;
    e.after = nonNegative(*exit, "after", Duration{0});
    e.exitCode = exitCode(*exit, "exitCode", 0, 0);
    e.reason = exit->string("reason").value_or("");
    p.exit = e;
  }
  if (auto crash = f.object("crashOnStart")) {
    crash->allowOnly({"after", "exitCode", "reason", "whenEnvMissing"});
    CrashOnStartModel c;
    c.after = nonNegative(*crash, "after", c.after);
    c.exitCode = exitCode(*crash, "exitCode", 1, 1);
    c.reason = crash->string("reason").value_or("");
    std::string error = checkTemplate(c.reason);
    if (!error.empty()) crash->fail("reason", error);
    c.whenEnvMissing = crash->strings("whenEnvMissing");
    p.crashOnStart = c;
  }
  if (auto probes = f.object("probes")) {
    probes->allowOnly({"readyAfter", "livenessFailsAfter"});
    p.probes.readyAfter = nonNegative(*probes, "readyAfter", Duration{0});
    if (probes->has("livenessFailsAfter"))
      p.probes.livenessFailsAfter = nonNegative(*probes, "livenessFailsAfter", Duration{0});
  }
  if (auto logs = f.object("logs")) {
    logs->allowOnly({"startup", "periodic", "failure"});
    if (logs->has("startup")) p.logs.startup = templates(*logs, "startup");
    p.logs.failure = templates(*logs, "failure");
    if (auto periodic = logs->object("periodic")) {
      periodic->allowOnly({"every", "lines"});
      PeriodicLogs pl;
      std::optional<Duration> every = periodic->duration("every");
      if (!every) periodic->failHere("every is required");
      if (*every < std::chrono::milliseconds(1)) {
        periodic->fail("every", "must be at least 1ms, not " + formatDuration(*every));
      }
      pl.every = *every;
      pl.lines = templates(*periodic, "lines");
      if (pl.lines.empty()) periodic->failHere("lines is required");
      p.logs.periodic = pl;
    }
  }
  if (auto requests = f.object("requests")) {
    requests->allowOnly({"errorRate", "codes", "method", "latency"});
    p.requests.errorRate = requests->number("errorRate", 0, 0, 1);
    p.requests.method = requests->string("method").value_or("GET");
    if (p.requests.method.empty()) requests->fail("method", "must not be empty");
    double total = p.requests.errorRate;
    if (auto codes = requests->object("codes")) {
      for (const auto& kv : codes->json()) {
        std::string key(kv.key());
        int code = 0;
        bool numeric = !key.empty() && key.size() <= 3 &&
                       std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (numeric) code = std::stoi(key);
        if (!numeric || code < 100 || code > 599 || code == 200) {
          codes->fail(key, "not a status code other than 200 (100 to 599; 200 takes what the others leave)");
        }
        double share = codes->number(key, 0, 0, 1);
        p.requests.codes[code] += share;
        total += share;
      }
    }
    if (total > 1 + 1e-9) {
      requests->failHere(fmt::format("errorRate and codes add up to {}, more than 1", total));
    }
    if (auto latency = requests->object("latency")) {
      latency->allowOnly({"median", "p99"});
      // Either alone keeps the default spread: a p99 ten times the median.
      bool hasMedian = latency->has("median"), hasP99 = latency->has("p99");
      p.requests.latency.median = nonNegative(*latency, "median", p.requests.latency.median);
      p.requests.latency.p99 = nonNegative(*latency, "p99", p.requests.latency.p99);
      if (hasMedian && !hasP99) p.requests.latency.p99 = p.requests.latency.median * 10;
      if (hasP99 && !hasMedian) p.requests.latency.median = p.requests.latency.p99 / 10;
      if (p.requests.latency.median.count() <= 0) latency->fail("median", "must be more than 0s");
      if (p.requests.latency.p99 < p.requests.latency.median) {
        latency->fail("p99",
                      "must not be below the median (" + formatDuration(p.requests.latency.median) + ")");
      }
    }
  }
  return p;
}

// ---- choosing ----

std::string ImageReference::normalized() const {
  std::string text = repository;
  if (!tag.empty()) text += ":" + tag;
  if (!digest.empty()) text += "@" + digest;
  return text;
}

ImageReference parseImage(std::string_view image) {
  ImageReference ref;
  std::string_view name = image;
  if (std::size_t at = name.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(name.substr(at + 1));
    name = name.substr(0, at);
  }
  std::size_t slash = name.rfind('/');
  std::size_t colon = name.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    ref.tag = std::string(name.substr(colon + 1));
    name = name.substr(0, colon);
  }
  // The first component is a registry when it looks like a host (a dot or a port) or is localhost, as in the
  // distribution reference grammar; otherwise the image lives on Docker Hub.
  std::string domain = "docker.io";
  std::string path(name);
  if (std::size_t first = name.find('/'); first != std::string_view::npos) {
    std::string_view component = name.substr(0, first);
    if (component.find_first_of(".:") != std::string_view::npos || component == "localhost") {
      domain = std::string(component);
      path = std::string(name.substr(first + 1));
    }
  }
  if (domain == "index.docker.io") domain = "docker.io";
  if (domain == "docker.io" && path.find('/') == std::string::npos) path = "library/" + path;
  ref.repository = domain + "/" + path;
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

ProfileSet::ProfileSet(std::vector<Profile> profiles) : profiles_(std::move(profiles)) {}

const Profile* ProfileSet::byName(std::string_view name) const {
  for (const auto& p : profiles_) {
    if (p.name == name) return &p;
  }
  if (name == defaultProfile().name) return &defaultProfile();
  return nullptr;
}

const Profile& ProfileSet::fallback() const {
  return *byName(defaultProfile().name);
}

const Profile& ProfileSet::forImage(std::string_view image) const {
  ImageReference ref = parseImage(image);
  std::string normalized = ref.normalized();
  std::string raw(image);
  for (int tier = 0; tier < 3; ++tier) {
    for (const auto& p : profiles_) {
      for (const auto& pattern : p.images) {
        bool match = false;
        if (isGlob(pattern)) {
          match = tier == 2 && (globMatches(pattern, raw) || globMatches(pattern, normalized));
        } else if (hasTagOrDigest(pattern)) {
          match = tier == 0 && parseImage(pattern).normalized() == normalized;
        } else {
          match = tier == 1 && parseImage(pattern).repository == ref.repository;
        }
        if (match) return p;
      }
    }
  }
  return fallback();
}

ProfileSet::Choice ProfileSet::forContainer(const json::object& pod, std::string_view container,
                                            std::string_view image) const {
  Choice choice;
  const json::object* annotations = nullptr;
  if (auto m = pod.find("metadata"); m != pod.end() && m->value().is_object()) {
    const json::object& metadata = m->value().get_object();
    if (auto a = metadata.find("annotations"); a != metadata.end() && a->value().is_object())
      annotations = &a->value().get_object();
  }
  if (annotations != nullptr) {
    std::string perContainer = std::string(kProfileAnnotation) + "." + std::string(container);
    for (const std::string& key : {perContainer, std::string(kProfileAnnotation)}) {
      auto it = annotations->find(key);
      if (it == annotations->end() || !it->value().is_string()) continue;
      std::string_view name = it->value().get_string();
      if (const Profile* p = byName(name)) {
        choice.profile = p;
        return choice;
      }
      if (choice.unknownName.empty()) choice.unknownName = std::string(name);
    }
  }
  choice.profile = &forImage(image);
  return choice;
}

// ---- resources ----

Usage usageAt(const Profile& profile, TimePoint start, TimePoint now, double rps, std::uint64_t seed) {
  if (now < start) return {};
  rps = std::max(rps, 0.0);
  Duration elapsed = std::chrono::duration_cast<Duration>(now - start);
  double cpu = elapsed < profile.startup
                   ? profile.cpu.startupMillicores.value_or(profile.cpu.baselineMillicores)
                   : profile.cpu.baselineMillicores + profile.cpu.perRpsMillicores * rps;
  if (profile.cpu.noise > 0) cpu *= 1 + profile.cpu.noise * signedNoise(seed ^ kCpuSalt, noiseBucket(now));
  double mib = profile.memory.baselineMiB + profile.memory.perRpsMiB * rps +
               profile.memory.growthMiBPerHour * toSeconds(elapsed) / 3600;
  return {std::max(cpu, 0.0), static_cast<std::int64_t>(std::floor(mib * kMiB))};
}

std::optional<TimePoint> memoryExceedsAt(const Profile& profile, TimePoint start, double rps,
                                         std::int64_t limitBytes) {
  auto bytesAt = [&](TimePoint t) { return usageAt(profile, start, t, rps, 0).memoryBytes; };
  if (bytesAt(start) > limitBytes) return start;
  double growthBytesPerSecond = profile.memory.growthMiBPerHour * kMiB / 3600;
  if (growthBytesPerSecond <= 0) return std::nullopt;
  double fixedBytes = (profile.memory.baselineMiB + profile.memory.perRpsMiB * std::max(rps, 0.0)) * kMiB;
  double seconds = (static_cast<double>(limitBytes) + 1 - fixedBytes) / growthBytesPerSecond;
  TimePoint t = start + std::chrono::duration_cast<TimePoint::duration>(fromSeconds(seconds));
  // Floating point puts the estimate within a few nanoseconds of the instant; settle on the exact first one.
  for (int i = 0; i < 100000 && bytesAt(t) <= limitBytes; ++i)
    t += Duration{1};
  for (int i = 0; i < 100000 && t > start && bytesAt(t - Duration{1}) > limitBytes; ++i)
    t -= Duration{1};
  return t;
}

// ---- exits and probes ----

std::optional<PlannedExit> plannedExit(const Profile& profile, const std::set<std::string>& envNames) {
  if (profile.crashOnStart) {
    const CrashOnStartModel& crash = *profile.crashOnStart;
    std::string missing;
    for (const auto& name : crash.whenEnvMissing) {
      if (!envNames.count(name)) {
        missing = name;
        break;
      }
    }
    if (crash.whenEnvMissing.empty() || !missing.empty()) {
      std::string reason = crash.reason;
      if (reason.empty()) {
        reason = missing.empty() ? "fatal error during start-up"
                                 : "missing required environment variable " + missing;
      } else {
        LogContext context;
        TemplateValues values;
        values.context = &context;
        values.profile = &profile;
        values.missingEnv = missing;
        reason = renderTemplate(reason, values);
      }
      return PlannedExit{crash.after, crash.exitCode, reason, true};
    }
  }
  if (profile.exit)
    return PlannedExit{profile.exit->after, profile.exit->exitCode, profile.exit->reason, false};
  return std::nullopt;
}

ProbeAnswer probeAt(const Profile& profile, ProbeKind kind, TimePoint start, TimePoint now) {
  if (now < start + profile.startup) return {false, 0};
  Duration elapsed = std::chrono::duration_cast<Duration>(now - start);
  bool failing = profile.probes.livenessFailsAfter && elapsed >= *profile.probes.livenessFailsAfter;
  if (failing) return {true, 500};
  if (kind == ProbeKind::Readiness && elapsed < profile.probes.readyAfter) return {true, 503};
  return {true, 200};
}

// ---- logs ----

std::vector<LogLine> logLinesBetween(const Profile& profile, TimePoint start, TimePoint from, TimePoint to,
                                     const LogContext& context) {
  std::vector<LogLine> lines;
  if (to <= from) return lines;
  std::optional<PlannedExit> exit = plannedExit(profile, context.envNames);
  TimePoint end =
      exit ? start + std::chrono::duration_cast<TimePoint::duration>(exit->after) : TimePoint::max();
  std::string missing;
  if (exit && profile.crashOnStart) {
    for (const auto& name : profile.crashOnStart->whenEnvMissing) {
      if (!context.envNames.count(name)) {
        missing = name;
        break;
      }
    }
  }
  auto emit = [&](TimePoint time, const std::string& text, std::uint64_t seq) {
    if (time < from || time >= to) return;
    TemplateValues values;
    values.time = time;
    values.profile = &profile;
    values.context = &context;
    values.start = start;
    values.seq = seq;
    values.lineSeed =
        mix64(context.seed ^ mix64(static_cast<std::uint64_t>(time.time_since_epoch().count())) ^
              (seq * 0x9e3779b97f4a7c15ull));
    values.exit = exit ? &*exit : nullptr;
    values.missingEnv = missing;
    lines.push_back({time, renderTemplate(text, values)});
  };

  const auto& startup = profile.logs.startup;
  for (std::size_t i = 0; i < startup.size(); ++i) {
    TimePoint t = start;
    if (startup.size() > 1) {
      t += std::chrono::duration_cast<TimePoint::duration>(profile.startup * static_cast<std::int64_t>(i) /
                                                           static_cast<std::int64_t>(startup.size() - 1));
    }
    if (t < end) emit(t, startup[i], i);
  }
  if (profile.logs.periodic) {
    const PeriodicLogs& periodic = *profile.logs.periodic;
    TimePoint base = start + std::chrono::duration_cast<TimePoint::duration>(profile.startup);
    TimePoint stop = std::min(to, end);
    std::int64_t every = periodic.every.count();
    std::int64_t k = 1;
    if (from > base) {
      std::int64_t since = std::chrono::duration_cast<Duration>(from - base).count();
      k = std::max<std::int64_t>(1, (since + every - 1) / every);
    }
    for (;; ++k) {
      TimePoint t = base + std::chrono::duration_cast<TimePoint::duration>(Duration{k * every});
      if (t >= stop) break;
      for (const auto& line : periodic.lines)
        emit(t, line, static_cast<std::uint64_t>(k));
    }
  }
  std::optional<TimePoint> failedAt;
  if (exit && exit->exitCode != 0) {
    failedAt = end;
  } else if (profile.probes.livenessFailsAfter) {
    TimePoint t = start + std::chrono::duration_cast<TimePoint::duration>(
                              std::max(*profile.probes.livenessFailsAfter, profile.startup));
    if (t < end) failedAt = t;
  }
  if (failedAt) {
    for (std::size_t i = 0; i < profile.logs.failure.size(); ++i)
      emit(*failedAt, profile.logs.failure[i], i);
  }
  std::stable_sort(lines.begin(), lines.end(),
                   [](const LogLine& a, const LogLine& b) { return a.time < b.time; });
  return lines;
}

// ---- requests ----

const std::vector<double>& latencyBuckets() {
  static const std::vector<double> buckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return buckets;
}

std::vector<std::pair<int, double>> statusShares(const Profile& profile) {
  std::map<int, double> shares = profile.requests.codes;
  if (profile.requests.errorRate > 0) shares[500] += profile.requests.errorRate;
  double rest = 1;
  for (const auto& [code, share] : shares)
    rest -= share;
  if (rest > 1e-12) shares[200] = rest;
  std::vector<std::pair<int, double>> out;
  for (const auto& [code, share] : shares) {
    if (share > 0) out.emplace_back(code, share);
  }
  return out;
}

namespace {

struct LogNormal {
  double mu;
  double sigma;
};

LogNormal logNormal(const Profile& profile) {
  double median = toSeconds(profile.requests.latency.median);
  double p99 = toSeconds(profile.requests.latency.p99);
  if (median <= 0) median = 1e-9;
  double mu = std::log(median);
  return {mu, std::max(0.0, (std::log(std::max(p99, median)) - mu) / kZ99)};
}

}  // namespace

double latencyCdf(const Profile& profile, double seconds) {
  if (seconds <= 0) return 0;
  LogNormal d = logNormal(profile);
  double x = std::log(seconds) - d.mu;
  if (d.sigma == 0) return x >= 0 ? 1 : 0;
  return 0.5 * std::erfc(-x / (d.sigma * std::sqrt(2.0)));
}

double latencyQuantile(const Profile& profile, double q) {
  LogNormal d = logNormal(profile);
  if (d.sigma == 0) return toSeconds(profile.requests.latency.median);
  q = std::clamp(q, 1e-15, 1 - 1e-15);
  // The standard normal quantile by bisection on erfc: slow-ish but exact to double precision, and only used
  // for single samples.
  double low = -40, high = 40;
  for (int i = 0; i < 200 && high - low > 1e-15; ++i) {
    double mid = (low + high) / 2;
    if (0.5 * std::erfc(-mid / std::sqrt(2.0)) < q) {
      low = mid;
    } else {
      high = mid;
    }
  }
  return std::exp(d.mu + d.sigma * (low + high) / 2);
}

double meanLatency(const Profile& profile) {
  LogNormal d = logNormal(profile);
  if (d.sigma == 0) return toSeconds(profile.requests.latency.median);
  return std::exp(d.mu + d.sigma * d.sigma / 2);
}

Outcomes requestOutcomes(const Profile& profile, std::uint64_t requests, std::uint64_t seed) {
  Outcomes out;
  out.count = requests;
  auto n = static_cast<double>(requests);
  // Systematic sampling: one uniform offset rounds every cumulative expected count, so the counts are the
  // expected ones rounded up or down and still add up to the total exactly.
  double offset = unitNoise(seed ^ kRoundingSalt, 0);
  std::vector<std::pair<int, double>> shares = statusShares(profile);
  double cumulative = 0;
  std::uint64_t previous = 0;
  for (std::size_t i = 0; i < shares.size(); ++i) {
    cumulative += shares[i].second;
    std::uint64_t upTo =
        i + 1 == shares.size()
            ? requests
            : std::min(requests, static_cast<std::uint64_t>(std::floor(cumulative * n + offset)));
    upTo = std::max(upTo, previous);
    if (upTo > previous) out.byCode[shares[i].first] = upTo - previous;
    previous = upTo;
  }
  double bucketOffset = unitNoise(seed ^ kRoundingSalt, 1);
  for (double bound : latencyBuckets()) {
    auto count = static_cast<std::uint64_t>(std::floor(latencyCdf(profile, bound) * n + bucketOffset));
    out.buckets.push_back(std::min(count, requests));
  }
  out.latencySumSeconds = n * meanLatency(profile);
  return out;
}

double sampleLatency(const Profile& profile, std::uint64_t seed) {
  return latencyQuantile(profile, unitNoise(seed ^ kLatencySalt, 0));
}

}  // namespace kubesim::behaviour

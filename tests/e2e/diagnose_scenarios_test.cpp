// `kubectl aiops diagnose -o json` end to end on the scenarios of tests/e2e/scenarios/diagnose/, where
// kubesim's controllers produce each failure from the spec: per namespace, the rule ID, a distinctive part of
// the root cause, and the recommended action and patch; a healthy namespace with no finding; and a namespace
// with several failures at once, ranked.
//
// Each scenario runs in one kubesim per suite. It starts frozen nine minutes in the past and lives up to now
// in 30-second steps, so back-offs, restarts, deadlines and evictions have accumulated exactly as the
// controllers make them, the cluster's clock agrees with the local one, and objects created on the way carry
// their times. Every namespace is diagnosed once, in parallel, when the suite starts; the tests read the
// answers.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "e2e_util.h"
#include "kubesim_harness.h"
#include "support/timestamps.h"

namespace aiops::test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

// How long each scenario has run when the tests look: restarts and back-offs have accumulated, and it stays
// clear of the default progress deadline of 10 minutes, which would otherwise be met or not by a second.
constexpr std::chrono::seconds kLived = 9min;
constexpr std::chrono::seconds kStep = 30s;  // the clock moves in steps of this

// A kubectl command a test runs on the cluster at a moment of its life, as an operator would.
struct Action {
  std::chrono::seconds at;
  std::vector<std::string> kubectl;
};

std::string readText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The scenario's documents without its Clock, behind a Clock that starts frozen at `start`.
std::string withFrozenClock(const std::string& scenario, WallTime start) {
  std::string out =
      fmt::format("apiVersion: kubesim.aiops.dev/v1\nkind: Clock\nstart: \"{}\"\nscale: 60\nfrozen: true\n",
                  formatTimestamp(start));
  std::istringstream in(scenario);
  std::string document;
  auto flush = [&] {
    if (document.find("\nkind: Clock\n") == std::string::npos && !document.starts_with("kind: Clock\n"))
      out += "---\n" + document;
    document.clear();
  };
  for (std::string line; std::getline(in, line);) {
    if (line == "---") {
      flush();
      continue;
    }
    document += line + "\n";
  }
  flush();
  return out;
}

std::string resourceVersion(const KubesimHarness& k) {
  CommandResult r = k.kubectl({"get", "--raw", "/api/v1/namespaces/default/configmaps?limit=1"});
  if (r.exit != 0) throw std::runtime_error("reading the resourceVersion: " + r.err);
  return json::value_to<std::string>(json::parse(r.out).at("metadata").at("resourceVersion"));
}

// Starts kubesim on tests/e2e/scenarios/<name> and lives kLived of its virtual time, running `actions` when
// due; returns once the controllers have settled.
std::unique_ptr<KubesimHarness> startLived(const std::string& name, const std::vector<Action>& actions) {
  std::string dir = makeTempDir("diagnose-scenario");
  fs::path copy = fs::path(dir) / fs::path(name).filename();
  std::ofstream(copy, std::ios::binary)
      << withFrozenClock(readText(e2eScenario(name)), std::chrono::system_clock::now() - kLived);
  std::unique_ptr<KubesimHarness> k;
  try {
    k = std::make_unique<KubesimHarness>(copy.string());
  } catch (...) {
    fs::remove_all(dir);
    throw;
  }
  fs::remove_all(dir);  // kubesim has read it
  for (std::chrono::seconds at = kStep; at <= kLived; at += kStep) {
    CommandResult r = k->kubectl({"create", "--raw", "/kubesim/v1/clock", "-f", "-"},
                                 fmt::format(R"({{"advance":"{}s"}})", kStep.count()));
    if (r.exit != 0) throw std::runtime_error("advancing the clock: " + r.err);
    for (const Action& action : actions) {
      if (action.at != at) continue;
      r = k->kubectl(action.kubectl);
      if (r.exit != 0) throw std::runtime_error("kubectl " + action.kubectl.front() + ": " + r.err);
    }
  }
  // The controllers catch up with the clock before answering; should they ever do it in the background,
  // the store stops changing once they have.
  std::string before = resourceVersion(*k);
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(200ms);
    std::string now = resourceVersion(*k);
    if (now == before) return k;
    before = now;
  }
  throw std::runtime_error("the controllers of " + name + " did not settle");
}

struct Answer {
  int exit = -1;
  std::string err;
  json::object doc;
};

// `kubectl aiops diagnose -n NS -o json` for every namespace, run in parallel.
std::map<std::string, Answer> diagnoseAll(const KubesimHarness& k,
                                          const std::vector<std::string>& namespaces) {
  std::vector<ProcessSpec> specs;
  for (const std::string& ns : namespaces) {
    ProcessSpec spec = k.kubectlSpec({"aiops", "diagnose", "-n", ns, "-o", "json"});
    spec.timeout = 60s;
    specs.push_back(std::move(spec));
  }
  std::vector<ProcessResult> results = runProcesses(specs);
  std::map<std::string, Answer> answers;
  for (std::size_t i = 0; i < namespaces.size(); ++i) {
    Answer& a = answers[namespaces[i]];
    a.exit = results[i].exitCode;
    a.err = results[i].err;
    boost::system::error_code ec;
    json::value v = json::parse(results[i].out, ec);
    if (!ec && v.is_object()) a.doc = v.as_object();
  }
  return answers;
}

// ---- reading a Diagnosis ----

std::string text(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

const json::array& findings(const json::object& doc) {
  static const json::array kNone;
  const json::value* v = doc.if_contains("findings");
  return v != nullptr && v->is_array() ? v->get_array() : kNone;
}

// The rule IDs of the findings, in the diagnosis' order.
std::vector<std::string> rules(const json::object& doc) {
  std::vector<std::string> out;
  for (const json::value& f : findings(doc))
    out.push_back(text(f.as_object(), "ruleId"));
  return out;
}

// The rule IDs of the primary findings, in order.
std::vector<std::string> primaries(const json::object& doc) {
  std::vector<std::string> out;
  for (const json::value& f : findings(doc))
    if (f.as_object().contains("primary") && f.at("primary").as_bool())
      out.push_back(text(f.as_object(), "ruleId"));
  return out;
}

// The one finding with this rule ID (and object name prefix); a failure and an empty object otherwise.
const json::object& only(const json::object& doc, std::string_view ruleId, std::string_view namePrefix = "") {
  static const json::object kEmpty;
  const json::object* found = nullptr;
  int count = 0;
  for (const json::value& f : findings(doc)) {
    const json::object& o = f.as_object();
    if (text(o, "ruleId") != ruleId || !text(o.at("object").as_object(), "name").starts_with(namePrefix))
      continue;
    found = &o;
    ++count;
  }
  EXPECT_EQ(count, 1) << ruleId << " " << namePrefix << " in " << ::testing::PrintToString(rules(doc));
  return count == 1 ? *found : kEmpty;
}

// "Kind/name" of the finding's object and of its owners, innermost first.
std::vector<std::string> chain(const json::object& finding) {
  std::vector<std::string> out;
  const json::value* object = finding.if_contains("object");
  if (object == nullptr) return out;
  out.push_back(text(object->as_object(), "kind") + "/" + text(object->as_object(), "name"));
  if (const json::value* owners = object->as_object().if_contains("owners"))
    for (const json::value& o : owners->as_array())
      out.push_back(text(o.as_object(), "kind") + "/" + text(o.as_object(), "name"));
  return out;
}

// The first recommendation of the finding with this action; a failure and an empty object otherwise.
const json::object& recommendation(const json::object& finding, std::string_view action) {
  static const json::object kEmpty;
  if (const json::value* list = finding.if_contains("recommendations"))
    for (const json::value& r : list->as_array())
      if (text(r.as_object(), "action") == action) return r.as_object();
  ADD_FAILURE() << "no " << action << " recommendation in " << json::serialize(finding);
  return kEmpty;
}

std::string patchOf(const json::object& recommendation) {
  const json::value* patch = recommendation.if_contains("patch");
  return patch != nullptr ? json::serialize(*patch) : std::string();
}

std::string targetOf(const json::object& recommendation) {
  const json::value* target = recommendation.if_contains("target");
  return target != nullptr ? text(target->as_object(), "kind") + "/" + text(target->as_object(), "name")
                           : std::string();
}

// "ruleId kind/name" of the finding this one belongs to, or "".
std::string relatedTo(const json::object& finding) {
  const json::value* r = finding.if_contains("relatedTo");
  if (r == nullptr) return {};
  return text(r->as_object(), "ruleId") + " " + text(r->as_object(), "kind") + "/" +
         text(r->as_object(), "name");
}

// The evidence items of one type, as "reason: text" for events, "line N: text" for log lines and "path: text"
// for fields.
std::vector<std::string> evidence(const json::object& finding, std::string_view type) {
  std::vector<std::string> out;
  if (const json::value* list = finding.if_contains("evidence")) {
    for (const json::value& e : list->as_array()) {
      const json::object& o = e.as_object();
      if (text(o, "type") != type) continue;
      if (type == "event")
        out.push_back(text(o, "reason") + ": " + text(o, "text"));
      else if (type == "log")
        out.push_back(fmt::format("line {}: {}", o.at("line").as_int64(), text(o, "text")));
      else
        out.push_back(text(o, "path") + ": " + text(o, "text"));
    }
  }
  return out;
}

// Log lines start with the time the kubelet wrote them; the tests compare what follows.
std::vector<std::string> untimed(std::vector<std::string> lines) {
  for (std::string& line : lines) {
    std::size_t colon = line.find(": ");
    std::size_t z = line.find("Z ", colon);
    if (colon != std::string::npos && z == colon + 21) line.erase(colon + 2, 21);
  }
  return lines;
}

::testing::AssertionResult HasSubstr(const std::string& text, std::string_view needle) {
  if (text.find(needle) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\"\n  does not contain \"" << needle << "\"";
}

::testing::AssertionResult StartsWith(const std::string& text, std::string_view prefix) {
  if (text.starts_with(prefix)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\"\n  does not start with \"" << prefix << "\"";
}

::testing::AssertionResult AnyContains(const std::vector<std::string>& items, std::string_view needle) {
  if (std::any_of(items.begin(), items.end(),
                  [&](const std::string& s) { return s.find(needle) != std::string::npos; }))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "none of " << ::testing::PrintToString(items) << "\n  contains \"" << needle << "\"";
}

// A suite over one scenario: the cluster, lived, and every namespace's diagnosis.
class ScenarioSuite : public ::testing::Test {
 protected:
  // Exceptions stop here: a suite that cannot start fails each of its tests with the reason.
  static void start(const std::string& scenario, const std::vector<std::string>& namespaces,
                    const std::vector<Action>& actions = {}) {
    try {
      cluster_ = startLived(scenario, actions).release();
      answers_ = new std::map<std::string, Answer>(diagnoseAll(*cluster_, namespaces));
    } catch (const std::exception& e) {
      startError_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    startError_.clear();
    delete answers_;
    answers_ = nullptr;
    // A clean stop: under the sanitizers, a report ends kubesim with another status.
    if (cluster_ != nullptr && cluster_->stop() != 0) ADD_FAILURE() << "kubesim did not stop cleanly";
    delete cluster_;
    cluster_ = nullptr;
  }
  // The diagnosis of a namespace; `problems` says whether the exit code must be 1 (found) or 0 (healthy).
  static const json::object& diagnosis(const std::string& ns, bool problems = true) {
    static const json::object kEmpty;
    if (answers_ == nullptr) {
      ADD_FAILURE() << "the scenario did not start: " << startError_;
      return kEmpty;
    }
    auto it = answers_->find(ns);
    if (it == answers_->end()) {
      ADD_FAILURE() << ns << " was not diagnosed";
      return kEmpty;
    }
    const Answer& a = it->second;
    EXPECT_EQ(a.exit, problems ? 1 : 0) << a.err;
    EXPECT_EQ(text(a.doc, "kind"), "Diagnosis") << a.err;
    const json::value* unreadable = a.doc.if_contains("unreadable");
    EXPECT_TRUE(unreadable == nullptr || unreadable->as_array().empty()) << json::serialize(a.doc);
    return a.doc;
  }
  static CommandResult kubectl(const std::vector<std::string>& args) {
    if (cluster_ == nullptr) return CommandResult{-1, "", "the scenario did not start: " + startError_};
    return cluster_->kubectl(args);
  }

  static KubesimHarness* cluster_;
  static std::map<std::string, Answer>* answers_;
  static std::string startError_;
};
KubesimHarness* ScenarioSuite::cluster_ = nullptr;
std::string ScenarioSuite::startError_;
std::map<std::string, Answer>* ScenarioSuite::answers_ = nullptr;

// ================================================================================================
// runtime.yaml

class DiagnoseRuntimeTest : public ScenarioSuite {
 protected:
  static void SetUpTestSuite() {
    start("diagnose/runtime.yaml",
          {"crash-error", "crash-command", "crash-kill", "crash-segv", "crash-sigterm", "oom-limit",
           "oom-leak", "probe-port", "probe-ready", "probe-slow", "init-fail", "job-fail", "log-refused",
           "log-dns", "log-env", "log-panic", "healthy", "multi"});
  }
};

TEST_F(DiagnoseRuntimeTest, ExitCode1WithAnUnknownCauseIsAnApplicationError) {
  const json::object& d = diagnosis("crash-error");
  EXPECT_EQ(rules(d), std::vector<std::string>{"AIOPS-D100"});
  const json::object& f = only(d, "AIOPS-D100");
  EXPECT_EQ(chain(f).back(), "Deployment/billing");
  EXPECT_EQ(text(f, "container"), "billing");
  EXPECT_TRUE(StartsWith(
      text(f, "rootCause"),
      "Container billing exits with code 1 (an application error) and is in CrashLoopBackOff after "));
  EXPECT_TRUE(StartsWith(evidence(f, "field").front(),
                         "status.containerStatuses[billing].lastState.terminated: reason=Error exitCode=1 "));
  EXPECT_TRUE(
      AnyContains(evidence(f, "event"), "BackOff: Back-off restarting failed container billing in pod "));
  EXPECT_FALSE(evidence(f, "log").empty());
  const json::object& r = recommendation(f, "investigate");
  EXPECT_EQ(targetOf(r), "Deployment/billing");
  EXPECT_TRUE(HasSubstr(json::serialize(r.at("commands")), " -c billing --previous --tail=100"));
}

TEST_F(DiagnoseRuntimeTest, ExitCode127IsACommandNotFound) {
  const json::object& d = diagnosis("crash-command");
  EXPECT_EQ(rules(d), std::vector<std::string>{"AIOPS-D103"});
  const json::object& f = only(d, "AIOPS-D103");
  EXPECT_TRUE(StartsWith(text(f, "rootCause"), "Container migrate cannot start because "));
  EXPECT_TRUE(
      HasSubstr(text(f, "rootCause"), " is not found in the image, and is in CrashLoopBackOff after "));
  EXPECT_EQ(evidence(f, "log"), std::vector<std::string>{"line 1: /bin/sh: 1: db-migrate: not found"});
  EXPECT_EQ(targetOf(recommendation(f, "config-change")), "Deployment/migrate");
}

TEST_F(DiagnoseRuntimeTest, ExitCode137WithMemoryToSpareIsSigkillNotOom) {
  const json::object& d = diagnosis("crash-kill");
  EXPECT_EQ(rules(d), std::vector<std::string>{"AIOPS-D106"});
  const json::object& f = only(d, "AIOPS-D106");
  EXPECT_TRUE(
      StartsWith(text(f, "rootCause"), "Container indexer is killed by SIGKILL (exit code 137) and "));
  EXPECT_TRUE(HasSubstr(evidence(f, "field").front(), "reason=Error exitCode=137 "));
}

TEST_F(DiagnoseRuntimeTest, ExitCode139IsASegmentationFault) {
  const json::object& f = only(diagnosis("crash-segv"), "AIOPS-D104");
  EXPECT_TRUE(
      StartsWith(text(f, "rootCause"),
                 "Container thumbnails is killed by SIGSEGV (exit code 139): the process accessed invalid "
                 "memory, and is in CrashLoopBackOff after "));
  EXPECT_EQ(text(f, "severity"), "error");
}

TEST_F(DiagnoseRuntimeTest, ExitCode143IsAnExitOnSigterm) {
  const json::object& d = diagnosis("crash-sigterm");
  EXPECT_EQ(rules(d), std::vector<std::string>{"AIOPS-D105"});
  const json::object& f = only(d, "AIOPS-D105");
  EXPECT_TRUE(StartsWith(text(f, "rootCause"),
                         "Container worker exits on SIGTERM (exit code 143): something stopped it, and "));
  EXPECT_EQ(text(f, "severity"), "warning");
}

TEST_F(DiagnoseRuntimeTest, OomKilledAtItsLimitGetsALargerLimit) {
  const json::object& d = diagnosis("oom-limit");
  EXPECT_EQ(rules(d), std::vector<std::string>{"AIOPS-D110"});
  const json::object& f = only(d, "AIOPS-D110");
  EXPECT_TRUE(StartsWith(text(f, "rootCause"), "Container cache was OOMKilled "));
  EXPECT_TRUE(HasSubstr(text(f, "rootCause"), ": it reached its memory limit of 256Mi."));
  EXPECT_TRUE(HasSubstr(evidence(f, "field").front(), "reason=OOMKilled exitCode=137 "));
  // max(limit + 100Mi, limit × 1.2), rounded up; the request follows to keep the pod Guaranteed.
  const json::object& r = recommendation(f, "resource-increase");
  EXPECT_EQ(targetOf(r), "Deployment/cache");
  EXPECT_EQ(patchOf(r),
            R"({"type":"strategic","body":{"spec":{"template":{"spec":{"containers":[{"name":"cache",)"
            R"("resources":{"limits":{"memory":"384Mi"},"requests":{"memory":"384Mi"}}}]}}}}})");
}

TEST_F(DiagnoseRuntimeTest, OomKilledIsReportedWhileTheContainerRunsAgain) {
  // The leak reaches the limit about every nine minutes: the container runs again after its first OOM kill.
  CommandResult pod = kubectl({"get", "pods", "-n", "oom-leak", "-o",
                               "jsonpath={.items[0].status.containerStatuses[0].lastState.terminated.reason} "
                               "{.items[0].status.containerStatuses[0].restartCount} "
                               "{.items[0].status.containerStatuses[0].ready}"});
  EXPECT_EQ(pod.out, "OOMKilled 1 true") << pod.err;
  const json::object& d = diagnosis("oom-leak");
  EXPECT_EQ(rules(d), std::vector<std::string>{"AIOPS-D110"});
  const json::object& f = only(d, "AIOPS-D110");
  EXPECT_TRUE(HasSubstr(text(f, "headline"), "1/1 pods Running"));
  EXPECT_TRUE(
      HasSubstr(text(f, "rootCause"), "and has restarted 1 time: it reached its memory limit of 192Mi"));
  EXPECT_EQ(patchOf(recommendation(f, "resource-increase")),
            R"({"type":"strategic","body":{"spec":{"template":{"spec":{"containers":[{"name":"sessions",)"
            R"("resources":{"limits":{"memory":"320Mi"}}}]}}}}})");
}

TEST_F(DiagnoseRuntimeTest, LivenessProbeOnTheWrongPortIsPointedAtTheListeningOne) {
  const json::object& d = diagnosis("probe-port");
  EXPECT_EQ(rules(d), std::vector<std::string>{"AIOPS-D601"});
  const json::object& f = only(d, "AIOPS-D601");
  EXPECT_EQ(
      text(f, "rootCause"),
      "The liveness probe of container catalog connects to port 8081 and is refused: the application listens "
      "on port 8080 (log line 2).");
  std::vector<std::string> events = evidence(f, "event");
  ASSERT_FALSE(events.empty());
  EXPECT_TRUE(StartsWith(events.front(), "Unhealthy: Liveness probe failed: Get \"http://10.244."));
  EXPECT_TRUE(HasSubstr(events.front(), ":8081/healthz\": dial tcp 10.244."));
  EXPECT_TRUE(HasSubstr(events.front(), ":8081: connect: connection refused"));
  EXPECT_TRUE(AnyContains(events, "Killing: Container catalog failed liveness probe, will be restarted"));
  EXPECT_TRUE(AnyContains(untimed(evidence(f, "log")), "line 2: INFO listening on :8080"));
  const json::object& r = recommendation(f, "probe-fix");
  EXPECT_EQ(patchOf(r),
            R"({"type":"strategic","body":{"spec":{"template":{"spec":{"containers":[{"name":"catalog",)"
            R"("livenessProbe":{"httpGet":{"port":8080}}}]}}}}})");
  EXPECT_EQ(json::serialize(r.at("undo")),
            R"({"type":"strategic","body":{"spec":{"template":{"spec":{"containers":[{"name":"catalog",)"
            R"("livenessProbe":{"httpGet":{"port":8081}}}]}}}}})");
}

TEST_F(DiagnoseRuntimeTest, FailingReadinessIsTheCauseOfTheStuckRollout) {
  const json::object& d = diagnosis("probe-ready");
  EXPECT_EQ(primaries(d), std::vector<std::string>{"AIOPS-D604"});
  const json::object& f = only(d, "AIOPS-D604");
  EXPECT_EQ(text(f, "rootCause"),
            "The readiness probe of container search fails: HTTP probe failed with statuscode: 503.");
  EXPECT_TRUE(AnyContains(evidence(f, "event"),
                          "Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 503"));
  EXPECT_TRUE(StartsWith(relatedTo(only(d, "AIOPS-D705")), "AIOPS-D604 Pod/search-"));
}

TEST_F(DiagnoseRuntimeTest, ASlowStartKilledByLivenessGetsAStartupProbe) {
  const json::object& d = diagnosis("probe-slow");
  EXPECT_EQ(rules(d), std::vector<std::string>{"AIOPS-D602"});
  const json::object& f = only(d, "AIOPS-D602");
  EXPECT_TRUE(StartsWith(text(f, "rootCause"),
                         "Container reports is killed by its liveness probe before it finishes starting: "));
  // initialDelaySeconds 10, periodSeconds 10, failureThreshold 3, as the kubelet's prober runs them.
  EXPECT_TRUE(
      HasSubstr(text(f, "rootCause"),
                ": the probe checks first at the prober's first tick at least 10s after each start, then "
                "every 10s, and the 3rd failure in a row kills it, 30s to 40s after the start"));
  EXPECT_TRUE(HasSubstr(text(f, "rootCause"), "and there is no startup probe."));
  EXPECT_EQ(
      patchOf(recommendation(f, "probe-fix")),
      R"({"type":"strategic","body":{"spec":{"template":{"spec":{"containers":[{"name":"reports",)"
      R"("startupProbe":{"httpGet":{"path":"/actuator/health/liveness","port":8080},"periodSeconds":10,)"
      R"("failureThreshold":30}}]}}}}})");
}

TEST_F(DiagnoseRuntimeTest, AFailingInitContainerIsExplainedByItsLog) {
  const json::object& d = diagnosis("init-fail");
  EXPECT_EQ(primaries(d), std::vector<std::string>{"AIOPS-D120"});
  const json::object& f = only(d, "AIOPS-D120");
  EXPECT_EQ(text(f, "container"), "wait-for-db");
  EXPECT_TRUE(StartsWith(text(f, "rootCause"),
                         "Init container wait-for-db exits with code 1 and is in "
                         "CrashLoopBackOff after "));
  EXPECT_TRUE(
      HasSubstr(text(f, "rootCause"),
                " because host name orders-db does not resolve, so the pod's containers never start."));
  EXPECT_TRUE(AnyContains(untimed(evidence(f, "log")),
                          "line 2: dial tcp: lookup orders-db on 10.96.0.10:53: no such host"));
}

TEST_F(DiagnoseRuntimeTest, AJobThatReachedItsBackoffLimit) {
  const json::object& d = diagnosis("job-fail");
  const json::object& job = only(d, "AIOPS-D706");
  EXPECT_EQ(text(job, "rootCause"),
            "Job nightly-report failed: its pods failed 3 times, reaching the backoff limit of 2.");
  EXPECT_TRUE(AnyContains(evidence(job, "event"),
                          "BackoffLimitExceeded: Job has reached the specified backoff limit"));
  const json::object& pods = only(d, "AIOPS-D108");
  EXPECT_EQ(pods.at("affected").as_array().size(), 3u);
  EXPECT_EQ(
      text(pods, "rootCause"),
      "Container report exited with code 1 (an application error) and the pod failed; restartPolicy Never "
      "does not restart it.");
  EXPECT_TRUE(AnyContains(untimed(evidence(pods, "log")),
                          "line 2: ERROR report template monthly.tmpl has no section 'totals'"));
  EXPECT_TRUE(StartsWith(relatedTo(job), "AIOPS-D108 Pod/nightly-report-"));
}

TEST_F(DiagnoseRuntimeTest, LogSignatureConnectionRefused) {
  const json::object& d = diagnosis("log-refused");
  EXPECT_EQ(rules(d), std::vector<std::string>{"AIOPS-D900"});
  const json::object& f = only(d, "AIOPS-D900");
  EXPECT_TRUE(HasSubstr(text(f, "rootCause"), " because its connection to redis:6379 is refused."));
  EXPECT_EQ(untimed(evidence(f, "log")),
            std::vector<std::string>{
                "line 3: ERROR cannot connect to redis:6379: dial tcp 10.96.45.3:6379: connect: "
                "connection refused"});
}

TEST_F(DiagnoseRuntimeTest, LogSignatureDnsFailure) {
  const json::object& d = diagnosis("log-dns");
  EXPECT_EQ(rules(d), std::vector<std::string>{"AIOPS-D901"});
  const json::object& f = only(d, "AIOPS-D901");
  EXPECT_TRUE(
      HasSubstr(text(f, "rootCause"), " because host name smtp.mail.svc.cluster.local does not resolve."));
  EXPECT_EQ(
      untimed(evidence(f, "log")),
      std::vector<std::string>{"line 2: FATAL smtp client: dial tcp: lookup smtp.mail.svc.cluster.local on "
                               "10.96.0.10:53: no such host"});
}

TEST_F(DiagnoseRuntimeTest, LogSignatureMissingEnvironmentVariable) {
  const json::object& d = diagnosis("log-env");
  EXPECT_EQ(rules(d), std::vector<std::string>{"AIOPS-D911"});
  const json::object& f = only(d, "AIOPS-D911");
  EXPECT_TRUE(HasSubstr(text(f, "rootCause"), " because environment variable DATABASE_URL is not set."));
  EXPECT_EQ(untimed(evidence(f, "log")),
            (std::vector<std::string>{"line 2: ERROR missing required environment variable DATABASE_URL",
                                      "line 6: KeyError: 'DATABASE_URL'"}));
}

TEST_F(DiagnoseRuntimeTest, LogSignatureGoPanic) {
  const json::object& d = diagnosis("log-panic");
  EXPECT_EQ(rules(d), std::vector<std::string>{"AIOPS-D909"});
  const json::object& f = only(d, "AIOPS-D909");
  EXPECT_TRUE(StartsWith(text(f, "rootCause"),
                         "Container gateway exits with code 2 and is in CrashLoopBackOff after "));
  EXPECT_TRUE(
      HasSubstr(text(f, "rootCause"),
                " because it aborts on an unhandled error (panic: runtime error: invalid memory address or "
                "nil pointer dereference)."));
  EXPECT_EQ(evidence(f, "log"),
            (std::vector<std::string>{"line 2: panic: runtime error: invalid memory address or nil pointer "
                                      "dereference",
                                      "line 5: goroutine 1 [running]:"}));
}

TEST_F(DiagnoseRuntimeTest, AHealthyNamespaceHasNoFindings) {
  // Two ready replicas behind a Service, and a Job that completed.
  const json::object& d = diagnosis("healthy", /*problems=*/false);
  EXPECT_TRUE(findings(d).empty()) << json::serialize(d);
  EXPECT_EQ(
      json::serialize(d.at("summary")),
      R"({"healthy":true,"podsExamined":3,"findings":0,"problems":0,"critical":0,"error":0,"warning":0,"info":0})");
}

TEST_F(DiagnoseRuntimeTest, SeveralFailuresAtOnceAreRankedByCause) {
  const json::object& d = diagnosis("multi");
  std::vector<std::string> found = rules(d);
  EXPECT_EQ(std::set<std::string>(found.begin(), found.end()),
            (std::set<std::string>{"AIOPS-D110", "AIOPS-D200", "AIOPS-D405", "AIOPS-D500", "AIOPS-D705",
                                   "AIOPS-D801", "AIOPS-D900"}));
  EXPECT_EQ(d.at("summary").at("problems").as_int64(), 3);
  std::vector<std::string> primary = primaries(d);
  EXPECT_EQ(std::set<std::string>(primary.begin(), primary.end()),
            (std::set<std::string>{"AIOPS-D110", "AIOPS-D200", "AIOPS-D500"}));
  // The database cannot start because its claim names a missing StorageClass: everything waiting on it
  // (its pod, its Service, its rollout, and the backend refused by it) belongs to that cause.
  const json::object& claim = only(d, "AIOPS-D500");
  EXPECT_EQ(text(claim, "rootCause"),
            "PersistentVolumeClaim postgres-data cannot be provisioned because StorageClass fast-ssd does "
            "not exist; "
            "available: standard (default).");
  for (std::string_view rule : {"AIOPS-D405", "AIOPS-D705", "AIOPS-D801", "AIOPS-D900"})
    EXPECT_EQ(relatedTo(only(d, rule)), "AIOPS-D500 PersistentVolumeClaim/postgres-data") << rule;
  const json::object& backend = only(d, "AIOPS-D900");
  EXPECT_TRUE(HasSubstr(text(backend, "headline"),
                        "Deployment multi/backend: 2/2 pods CrashLoopBackOff, same cause"));
  EXPECT_TRUE(HasSubstr(text(backend, "rootCause"),
                        "because its connection to postgres:5432 (Service postgres) is refused."));
  // The frontend's new release names a tag that was never pushed: back to the previous revision.
  const json::object& image = only(d, "AIOPS-D200");
  EXPECT_TRUE(StartsWith(text(image, "rootCause"),
                         "Image ghcr.io/acme/shop-frontend:2.8.0 of container frontend does "
                         "not exist in its registry"));
  EXPECT_EQ(patchOf(recommendation(image, "image-fix")),
            R"({"type":"strategic","body":{"spec":{"template":{"spec":{"containers":[{"name":"frontend",)"
            R"("image":"ghcr.io/acme/shop-frontend:2.7.0"}]}}}}})");
  EXPECT_TRUE(HasSubstr(text(only(d, "AIOPS-D110"), "rootCause"), "it reached its memory limit of 512Mi."));
}

// ================================================================================================
// startup.yaml

class DiagnoseStartupTest : public ScenarioSuite {
 protected:
  static void SetUpTestSuite() {
    start("diagnose/startup.yaml", {"image-notfound",     "image-auth",       "image-unreachable",
                                    "image-invalid",      "config-configmap", "config-secret",
                                    "config-key",         "config-nonroot",   "mount",
                                    "sched-cpu",          "sched-memory",     "sched-taint",
                                    "sched-selector",     "sched-affinity",   "sched-pvc",
                                    "sched-storageclass", "sched-hostport",   "quota",
                                    "limitrange",         "serviceaccount",   "progress-deadline",
                                    "svc-selector",       "svc-notready"},
          {Action{1min,
                  {"-n", "progress-deadline", "set", "image", "deploy/ledger",
                   "ledger=ghcr.io/acme/ledger:2.0.0"}}});
  }
};

TEST_F(DiagnoseStartupTest, ImageNotFoundIsRolledBack) {
  const json::object& d = diagnosis("image-notfound");
  EXPECT_EQ(rules(d), std::vector<std::string>{"AIOPS-D200"});
  const json::object& f = only(d, "AIOPS-D200");
  EXPECT_EQ(
      text(f, "rootCause"),
      "Image ghcr.io/acme/web:1.4.1 of container web does not exist in its registry (the registry answered "
      "\"not found\"), so the pod cannot start.");
  EXPECT_TRUE(AnyContains(
      evidence(f, "event"),
      "Failed: Failed to pull image \"ghcr.io/acme/web:1.4.1\": rpc error: code = NotFound desc = "
      "failed to pull and unpack image \"ghcr.io/acme/web:1.4.1\": failed to resolve reference "
      "\"ghcr.io/acme/web:1.4.1\": ghcr.io/acme/web:1.4.1: not found"));
  const json::object& r = recommendation(f, "image-fix");
  EXPECT_EQ(targetOf(r), "Deployment/web");
  EXPECT_EQ(patchOf(r),
            R"({"type":"strategic","body":{"spec":{"template":{"spec":{"containers":[{"name":"web",)"
            R"("image":"ghcr.io/acme/web:1.4.0"}]}}}}})");
}

TEST_F(DiagnoseStartupTest, ImagePullUnauthorized) {
  const json::object& f = only(diagnosis("image-auth"), "AIOPS-D201");
  EXPECT_EQ(text(f, "rootCause"),
            "The registry refuses to serve image registry.acme.io/payments/api:2.3.1 of container api "
            "without valid "
            "credentials (401 Unauthorized); the pod has no imagePullSecrets, while registry Secret "
            "acme-registry in the namespace is not referenced.");
  EXPECT_TRUE(AnyContains(evidence(f, "event"),
                          "unexpected status from HEAD request to "
                          "https://registry.acme.io/v2/payments/api/manifests/2.3.1: 401 Unauthorized"));
  const json::object& reference = f.at("recommendations").at(0).as_object();
  EXPECT_EQ(targetOf(reference), "Deployment/payments");
  EXPECT_EQ(patchOf(reference),
            R"({"type":"strategic","body":{"spec":{"template":{"spec":{"imagePullSecrets":)"
            R"([{"name":"acme-registry"}]}}}}})");
}

TEST_F(DiagnoseStartupTest, RegistryUnreachable) {
  const json::object& f = only(diagnosis("image-unreachable"), "AIOPS-D202");
  EXPECT_TRUE(
      HasSubstr(text(f, "rootCause"),
                " cannot reach the registry of image registry.acme.invalid/tools/sync:1.2 (dial tcp: lookup "
                "registry.acme.invalid on 127.0.0.53:53: no such host)."));
}

TEST_F(DiagnoseStartupTest, InvalidImageName) {
  const json::object& f = only(diagnosis("image-invalid"), "AIOPS-D204");
  EXPECT_EQ(
      text(f, "rootCause"),
      "Container checkout names an image that is not a valid reference: ghcr.io/acme/Checkout:1.0 (invalid "
      "reference format: repository name (acme/Checkout) must be lowercase).");
  EXPECT_EQ(targetOf(recommendation(f, "image-fix")), "Deployment/checkout");
}

TEST_F(DiagnoseStartupTest, MissingConfigMap) {
  const json::object& f = only(diagnosis("config-configmap"), "AIOPS-D300");
  EXPECT_EQ(text(f, "rootCause"),
            "Container api cannot be created because ConfigMap app-settings does not exist in namespace "
            "config-configmap.");
  EXPECT_TRUE(AnyContains(evidence(f, "event"), "Failed: Error: configmap \"app-settings\" not found"));
  EXPECT_EQ(targetOf(recommendation(f, "create-object")), "ConfigMap/app-settings");
}

TEST_F(DiagnoseStartupTest, MissingSecret) {
  const json::object& f = only(diagnosis("config-secret"), "AIOPS-D301");
  EXPECT_EQ(text(f, "rootCause"),
            "Container api cannot be created because Secret db-credentials does not exist in namespace "
            "config-secret.");
  EXPECT_TRUE(AnyContains(evidence(f, "event"), "Failed: Error: secret \"db-credentials\" not found"));
  EXPECT_EQ(targetOf(recommendation(f, "create-object")), "Secret/db-credentials");
}

TEST_F(DiagnoseStartupTest, MissingConfigMapKey) {
  const json::object& f = only(diagnosis("config-key"), "AIOPS-D302");
  EXPECT_EQ(
      text(f, "rootCause"),
      "Container api cannot be created because ConfigMap app-settings has no key LOG_LEVEL (its keys: PORT, "
      "log_level).");
  EXPECT_TRUE(AnyContains(evidence(f, "event"),
                          "Failed: Error: couldn't find key LOG_LEVEL in ConfigMap config-key/app-settings"));
  EXPECT_EQ(targetOf(recommendation(f, "config-change")), "ConfigMap/app-settings");
}

TEST_F(DiagnoseStartupTest, RunAsNonRootWithARootImage) {
  const json::object& f = only(diagnosis("config-nonroot"), "AIOPS-D304");
  EXPECT_EQ(
      text(f, "rootCause"),
      "Container nginx requires a non-root user (runAsNonRoot) but image nginx:1.27.3 runs as root, so the "
      "kubelet refuses to start it.");
  EXPECT_TRUE(AnyContains(evidence(f, "event"),
                          "Failed: Error: container has runAsNonRoot and image will run as "
                          "root (pod: \"proxy-"));
  EXPECT_EQ(patchOf(recommendation(f, "config-change")),
            R"({"type":"strategic","body":{"spec":{"template":{"spec":{"containers":[{"name":"nginx",)"
            R"("securityContext":{"runAsUser":1000}}]}}}}})");
}

TEST_F(DiagnoseStartupTest, FailedMountOfAMissingConfigMap) {
  const json::object& f = only(diagnosis("mount"), "AIOPS-D502");
  EXPECT_TRUE(HasSubstr(text(f, "rootCause"),
                        " cannot mount volume config because ConfigMap nginx-conf does not exist."));
  EXPECT_TRUE(AnyContains(
      evidence(f, "event"),
      "FailedMount: MountVolume.SetUp failed for volume \"config\" : configmap \"nginx-conf\" not "
      "found"));
  EXPECT_EQ(targetOf(recommendation(f, "create-object")), "ConfigMap/nginx-conf");
}

TEST_F(DiagnoseStartupTest, PendingOnInsufficientCpu) {
  const json::object& d = diagnosis("sched-cpu");
  EXPECT_EQ(primaries(d), std::vector<std::string>{"AIOPS-D400"});
  const json::object& f = only(d, "AIOPS-D400");
  EXPECT_TRUE(HasSubstr(text(f, "rootCause"),
                        " cannot be scheduled: 2 of 3 nodes have too little free CPU for its "
                        "request of 32; no node has that much allocatable (largest: 16)."));
  EXPECT_TRUE(
      AnyContains(evidence(f, "event"),
                  "FailedScheduling: 0/3 nodes are available: 1 node(s) had untolerated taint "
                  "{nvidia.com/gpu: present}, 2 Insufficient cpu. preemption: 0/3 nodes are available: "));
  EXPECT_EQ(targetOf(recommendation(f, "resource-decrease")), "Deployment/trainer");
  // Its Service is empty because the pod was never scheduled, not because a readiness check fails.
  const json::object& service = only(d, "AIOPS-D801");
  EXPECT_TRUE(StartsWith(text(service, "rootCause"),
                         "Service trainer has 0 ready and 0 not-ready endpoints: its pod trainer-"));
  EXPECT_TRUE(HasSubstr(text(service, "rootCause"), " is not scheduled to any node."));
  EXPECT_TRUE(StartsWith(relatedTo(service), "AIOPS-D400 Pod/trainer-"));
}

TEST_F(DiagnoseStartupTest, PendingOnInsufficientMemory) {
  const json::object& d = diagnosis("sched-memory");
  EXPECT_EQ(primaries(d), std::vector<std::string>{"AIOPS-D401"});
  EXPECT_TRUE(
      HasSubstr(text(only(d, "AIOPS-D401"), "rootCause"),
                " cannot be scheduled: 2 of 3 nodes have too little free memory for its request of 128Gi; no "
                "node has that much allocatable (largest: 64Gi)."));
}

TEST_F(DiagnoseStartupTest, PendingOnAnUntoleratedTaintOfTheSelectedNode) {
  const json::object& d = diagnosis("sched-taint");
  EXPECT_EQ(primaries(d), std::vector<std::string>{"AIOPS-D403"});
  const json::object& f = only(d, "AIOPS-D403");
  EXPECT_TRUE(
      HasSubstr(text(f, "rootCause"),
                " cannot be scheduled: 1 of 3 nodes have taint {nvidia.com/gpu: present} that the pod does "
                "not tolerate."));
  const json::object& r = recommendation(f, "scheduling-change");
  EXPECT_EQ(targetOf(r), "Deployment/inference");
  const json::array& tolerations =
      r.at("patch").at("body").at("spec").at("template").at("spec").at("tolerations").as_array();
  // The template's own toleration and the new one; not those admission added to the pod.
  EXPECT_EQ(json::serialize(tolerations),
            R"([{"key":"dedicated","operator":"Equal","value":"ml","effect":"NoSchedule"},)"
            R"({"key":"nvidia.com/gpu","operator":"Equal","value":"present","effect":"NoSchedule"}])");
  EXPECT_EQ(json::serialize(r.at("undo").at("body").at("spec").at("template").at("spec").at("tolerations")),
            R"([{"key":"dedicated","operator":"Equal","value":"ml","effect":"NoSchedule"}])");
}

TEST_F(DiagnoseStartupTest, PendingOnANodeSelectorThatMatchesNoNode) {
  const json::object& d = diagnosis("sched-selector");
  EXPECT_EQ(primaries(d), std::vector<std::string>{"AIOPS-D404"});
  // The GPU node's taint is no cause: the pod's placement rules exclude that node anyway.
  const std::vector<std::string> all = rules(d);
  EXPECT_EQ(std::count(all.begin(), all.end(), "AIOPS-D403"), 0) << ::testing::PrintToString(all);
  EXPECT_TRUE(
      HasSubstr(text(only(d, "AIOPS-D404"), "rootCause"),
                " cannot be scheduled: 3 of 3 nodes do not match its node selector or affinity (nodeSelector "
                "disktype=nvme)."));
}

TEST_F(DiagnoseStartupTest, PendingOnRequiredNodeAffinity) {
  const json::object& d = diagnosis("sched-affinity");
  EXPECT_EQ(primaries(d), std::vector<std::string>{"AIOPS-D404"});
  // The GPU node's taint is no cause: the pod's placement rules exclude that node anyway.
  const std::vector<std::string> all = rules(d);
  EXPECT_EQ(std::count(all.begin(), all.end(), "AIOPS-D403"), 0) << ::testing::PrintToString(all);
  EXPECT_TRUE(HasSubstr(
      text(only(d, "AIOPS-D404"), "rootCause"),
      " cannot be scheduled: 3 of 3 nodes do not match its node selector or affinity (required node "
      "affinity)."));
}

TEST_F(DiagnoseStartupTest, PendingOnAnUnboundClaim) {
  const json::object& d = diagnosis("sched-pvc");
  EXPECT_EQ(primaries(d), std::vector<std::string>{"AIOPS-D501"});
  EXPECT_EQ(text(only(d, "AIOPS-D501"), "rootCause"),
            "PersistentVolumeClaim uploads cannot be provisioned: no persistent volumes available for this "
            "claim and "
            "no storage class is set.");
  const json::object& pod = only(d, "AIOPS-D405");
  EXPECT_TRUE(
      HasSubstr(text(pod, "rootCause"),
                " cannot be scheduled: PersistentVolumeClaim uploads is Pending and not bound to a volume."));
  EXPECT_TRUE(AnyContains(evidence(pod, "event"),
                          "FailedScheduling: 0/3 nodes are available: pod has unbound immediate "
                          "PersistentVolumeClaims."));
  EXPECT_EQ(relatedTo(pod), "AIOPS-D501 PersistentVolumeClaim/uploads");
}

TEST_F(DiagnoseStartupTest, PendingOnAClaimOfAMissingStorageClass) {
  const json::object& d = diagnosis("sched-storageclass");
  EXPECT_EQ(primaries(d), std::vector<std::string>{"AIOPS-D500"});
  const json::object& f = only(d, "AIOPS-D500");
  EXPECT_EQ(text(f, "rootCause"),
            "PersistentVolumeClaim postgres-data cannot be provisioned because StorageClass fast-ssd does "
            "not exist; "
            "available: standard (default).");
  EXPECT_TRUE(AnyContains(evidence(f, "event"),
                          "ProvisioningFailed: storageclass.storage.k8s.io \"fast-ssd\" not found"));
  EXPECT_TRUE(HasSubstr(text(recommendation(f, "config-change"), "summary"),
                        "recreate PersistentVolumeClaim postgres-data with storageClassName standard"));
  EXPECT_EQ(relatedTo(only(d, "AIOPS-D405")), "AIOPS-D500 PersistentVolumeClaim/postgres-data");
}

TEST_F(DiagnoseStartupTest, PendingOnAHostPortInUse) {
  const json::object& d = diagnosis("sched-hostport");
  EXPECT_EQ(primaries(d), std::vector<std::string>{"AIOPS-D406"});
  EXPECT_TRUE(HasSubstr(text(only(d, "AIOPS-D406"), "rootCause"),
                        " cannot be scheduled: 2 of 3 nodes already use host port 8443."));
}

TEST_F(DiagnoseStartupTest, ReplicaSetRefusedByAQuota) {
  const json::object& d = diagnosis("quota");
  EXPECT_EQ(rules(d), std::vector<std::string>{"AIOPS-D700"});
  const json::object& f = only(d, "AIOPS-D700");
  EXPECT_EQ(text(f, "rootCause"),
            "Deployment api cannot create pods: ResourceQuota team-quota would be exceeded (pods requested "
            "1, used 2 "
            "of 2).");
  EXPECT_TRUE(
      AnyContains(evidence(f, "event"),
                  " is forbidden: exceeded quota: team-quota, requested: pods=1, used: pods=2, limited: "
                  "pods=2"));
  const json::object& r = recommendation(f, "quota-change");
  EXPECT_EQ(targetOf(r), "ResourceQuota/team-quota");
  EXPECT_EQ(patchOf(r), R"({"type":"merge","body":{"spec":{"hard":{"pods":"3"}}}})");
}

TEST_F(DiagnoseStartupTest, ReplicaSetRefusedByALimitRange) {
  const json::object& d = diagnosis("limitrange");
  EXPECT_EQ(primaries(d), std::vector<std::string>{"AIOPS-D702"});
  EXPECT_EQ(
      text(only(d, "AIOPS-D702"), "rootCause"),
      "Deployment renderer cannot create pods: maximum cpu usage per Container is 500m, but limit is 1.");
}

TEST_F(DiagnoseStartupTest, ReplicaSetRefusedForAMissingServiceAccount) {
  const json::object& d = diagnosis("serviceaccount");
  EXPECT_EQ(primaries(d), std::vector<std::string>{"AIOPS-D703"});
  const json::object& f = only(d, "AIOPS-D703");
  EXPECT_EQ(
      text(f, "rootCause"),
      "Deployment deployer cannot create pods because ServiceAccount deployer does not exist in namespace "
      "serviceaccount.");
  EXPECT_EQ(targetOf(recommendation(f, "create-object")), "ServiceAccount/deployer");
}

TEST_F(DiagnoseStartupTest, ProgressDeadlineExceededByACrashingRelease) {
  const json::object& d = diagnosis("progress-deadline");
  EXPECT_EQ(rules(d), (std::vector<std::string>{"AIOPS-D705", "AIOPS-D100"}));
  const json::object& rollout = only(d, "AIOPS-D705");
  EXPECT_TRUE(
      StartsWith(text(rollout, "rootCause"), "Rollout of Deployment ledger is stuck: ReplicaSet \"ledger-"));
  EXPECT_TRUE(HasSubstr(text(rollout, "rootCause"), "\" has timed out progressing."));
  EXPECT_TRUE(StartsWith(relatedTo(rollout), "AIOPS-D100 Pod/ledger-"));
  std::string rollback =
      R"({"type":"strategic","body":{"spec":{"template":{"spec":{"containers":[{"name":"ledger",)"
      R"("image":"ghcr.io/acme/ledger:1.9.4"}]}}}}})";
  EXPECT_EQ(patchOf(recommendation(rollout, "rollback")), rollback);
  const json::object& crash = only(d, "AIOPS-D100");
  EXPECT_TRUE(AnyContains(untimed(evidence(crash, "log")),
                          "line 2: ERROR schema version 41 is newer than this binary supports"));
  EXPECT_EQ(patchOf(recommendation(crash, "rollback")), rollback);
}

TEST_F(DiagnoseStartupTest, ServiceSelectorMatchesNoPod) {
  const json::object& d = diagnosis("svc-selector");
  EXPECT_EQ(rules(d), std::vector<std::string>{"AIOPS-D800"});
  const json::object& f = only(d, "AIOPS-D800");
  EXPECT_EQ(text(f, "rootCause"),
            "Service web has no endpoints: its selector app=web-frontend matches no running pod in namespace "
            "svc-selector; the pods of Deployment web carry app=web.");
  const json::object& r = recommendation(f, "selector-fix");
  EXPECT_EQ(targetOf(r), "Service/web");
  EXPECT_EQ(patchOf(r), R"({"type":"merge","body":{"spec":{"selector":{"app":"web"}}}})");
}

TEST_F(DiagnoseStartupTest, ServiceWithOnlyNotReadyEndpoints) {
  const json::object& d = diagnosis("svc-notready");
  EXPECT_EQ(primaries(d), std::vector<std::string>{"AIOPS-D604"});
  const json::object& f = only(d, "AIOPS-D801");
  EXPECT_TRUE(StartsWith(text(f, "rootCause"),
                         "Service search has 0 ready and 2 not-ready endpoints: its pods search-"));
  EXPECT_TRUE(StartsWith(relatedTo(f), "AIOPS-D604 Pod/search-"));
  EXPECT_EQ(only(d, "AIOPS-D604").at("affected").as_array().size(), 2u);
}

// ==================================================================================================
// nodes.yaml

class DiagnoseNodesTest : public ScenarioSuite {
 protected:
  static void SetUpTestSuite() {
    start("diagnose/nodes.yaml", {"evict-memory", "evict-disk", "evict-pid", "node-down"});
  }
};

TEST_F(DiagnoseNodesTest, EvictedUnderMemoryPressureGetsARequestThatMatchesItsUse) {
  const json::object& d = diagnosis("evict-memory");
  const json::object& node = only(d, "AIOPS-D851");
  EXPECT_EQ(text(node, "rootCause"),
            "Node mem-node has MemoryPressure: kubelet has insufficient memory available.");
  EXPECT_TRUE(AnyContains(evidence(node, "event"), "EvictionThresholdMet: Attempting to reclaim memory"));
  const json::object& f = only(d, "AIOPS-D410");
  EXPECT_TRUE(
      HasSubstr(text(f, "rootCause"),
                " was evicted from node mem-node because the node ran low on memory; container analytics was "
                "using 600Mi against a request of 256Mi."));
  EXPECT_TRUE(AnyContains(
      evidence(f, "event"),
      "Evicted: The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. "
      "Container analytics was using 600Mi, request is 256Mi, has larger consumption of memory."));
  EXPECT_EQ(relatedTo(f), "AIOPS-D851 Node/mem-node");
  EXPECT_EQ(patchOf(recommendation(f, "resource-increase")),
            R"({"type":"strategic","body":{"spec":{"template":{"spec":{"containers":[{"name":"analytics",)"
            R"("resources":{"requests":{"memory":"640Mi"}}}]}}}}})");
}

TEST_F(DiagnoseNodesTest, EvictedUnderDiskPressure) {
  const json::object& d = diagnosis("evict-disk");
  const json::object& node = only(d, "AIOPS-D852");
  EXPECT_EQ(text(node, "rootCause"), "Node disk-node has DiskPressure: kubelet has disk pressure.");
  EXPECT_TRUE(
      AnyContains(evidence(node, "event"), "EvictionThresholdMet: Attempting to reclaim ephemeral-storage"));
  const json::object& f = only(d, "AIOPS-D411");
  EXPECT_TRUE(HasSubstr(text(f, "rootCause"),
                        " was evicted from node disk-node because the node ran low on disk "
                        "(ephemeral storage); container shipper was using "));
  EXPECT_TRUE(
      AnyContains(evidence(f, "event"),
                  "Evicted: The node was low on resource: ephemeral-storage. Threshold quantity: 5Gi, "
                  "available: 4608Mi. Container shipper was using "));
  EXPECT_EQ(relatedTo(f), "AIOPS-D852 Node/disk-node");
  EXPECT_EQ(targetOf(recommendation(f, "config-change")), "Deployment/log-shipper");
}

TEST_F(DiagnoseNodesTest, EvictedUnderPidPressure) {
  const json::object& d = diagnosis("evict-pid");
  EXPECT_EQ(text(only(d, "AIOPS-D853"), "rootCause"),
            "Node pid-node has PIDPressure: kubelet has insufficient PID available.");
  const json::object& f = only(d, "AIOPS-D413");
  EXPECT_TRUE(HasSubstr(text(f, "rootCause"),
                        " was evicted from node pid-node: The node was low on resource: pids. "
                        "Threshold quantity: 419430, available: 377487."));
  EXPECT_EQ(relatedTo(f), "AIOPS-D853 Node/pid-node");
}

TEST_F(DiagnoseNodesTest, ANotReadyNodeKeepsItsPodPending) {
  const json::object& d = diagnosis("node-down");
  const json::object& node = only(d, "AIOPS-D850");
  EXPECT_EQ(text(node, "severity"), "critical");
  EXPECT_EQ(
      text(node, "rootCause"),
      "Node down-node is NotReady (KubeletNotReady): container runtime network not ready: NetworkReady=false "
      "reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized.");
  EXPECT_EQ(targetOf(recommendation(node, "node-drain")), "Node/down-node");
  // The pod's node selector names the node; the scheduler reports its not-ready taint.
  bool notReadyTaint = false;
  for (const json::value& f : findings(d)) {
    const json::object& o = f.as_object();
    if (text(o, "ruleId") == "AIOPS-D403" &&
        HasSubstr(text(o, "rootCause"), "{node.kubernetes.io/not-ready: }")) {
      notReadyTaint = true;
      EXPECT_TRUE(StartsWith(chain(o).front(), "Pod/edge-cache-"));
      // The node's state is the cause; its taint only the consequence.
      EXPECT_TRUE(
          HasSubstr(text(o, "rootCause"),
                    "that the pod does not tolerate (the node lifecycle controller sets it on NotReady "
                    "node down-node)."));
      EXPECT_EQ(relatedTo(o), "AIOPS-D850 Node/down-node");
    }
  }
  EXPECT_TRUE(notReadyTaint) << ::testing::PrintToString(rules(d));
}

}  // namespace
}  // namespace aiops::test

// Benchmark: the rollout gate's detection lag, from an error spike to the Deployment paused. Each run starts
// kubesim on tests/e2e/scenarios/rollout-gate.yaml, installs the Todo Chatbot with the stand-in helm and runs
// `aiops-gate upgrade` with the real binaries, as tests/e2e/rollout_gate_test.cpp does: "immediate" upgrades
// to 1.6.0 (20% errors from the first Ready canary pod on), "late spike" upgrades to 1.7.0 and switches its
// pods to 20% errors 9 s into the 15 s window. The Deployment is polled every 100 ms straight from the API;
// the gate's own figure is detectionSeconds of its JSON result. Prints a Markdown table of min/median/max.
// Usage: gate_lag_bench [--runs N]   (default 5 per case)
#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api_reader.h"
#include "kubesim_harness.h"
#include "support/subprocess.h"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using aiops::ProcessSpec;
using aiops::StreamingProcess;
using aiops::test::ApiReader;
using aiops::test::jsonFind;
using aiops::test::jsonString;
using aiops::test::KubesimHarness;
using aiops::test::podImage;
using aiops::test::podReady;
using Clock = std::chrono::steady_clock;

const std::string kRepository = "ghcr.io/todo-chatbot/backend:";

double secondsBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

// How many pods of `image` are Ready.
int readyPods(ApiReader& api, const std::string& image) {
  int ready = 0;
  for (const json::value& pod :
       api.items("/api/v1/namespaces/todo/pods?labelSelector=app.kubernetes.io%2Fname%3Dbackend"))
    ready += podImage(pod) == image && podReady(pod) ? 1 : 0;
  return ready;
}

struct Measurement {
  bool halted = false;
  std::optional<double> polled;     // spike to the first sample that saw spec.paused
  std::optional<double> detection;  // the gate's detectionSeconds
  std::string problem;
};

Measurement measure(bool late) {
  Measurement m;
  KubesimHarness server(aiops::test::e2eScenario("rollout-gate.yaml"));
  const std::string dir = aiops::test::makeTempDir("aiops-gate-lag-bench-");
  std::map<std::string, std::string> env = server.environment();
  env["PATH"] = std::string(AIOPS_HELM_STANDIN_DIR) + ":" + env["PATH"];
  env["HELM_STANDIN_STATE"] = dir + "/helm-state";
  env["AIOPS_PHR_REPO"] = dir + "/phr";
  ApiReader api(server);
  const auto cleanup = [&] {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  };

  ProcessSpec install;
  install.argv = {std::string(AIOPS_HELM_STANDIN_DIR) + "/helm",
                  "upgrade",
                  "--install",
                  "todo",
                  AIOPS_CHART_DIR,
                  "-n",
                  "todo",
                  "--set",
                  "backend.image=" + kRepository + "1.4.2",
                  "--set",
                  "backend.replicas=6"};
  install.env = env;
  install.timeout = std::chrono::seconds(120);
  if (const aiops::ProcessResult r = aiops::runProcess(install); r.exitCode != 0) {
    m.problem = "install failed: " + r.err;
    cleanup();
    return m;
  }
  for (auto deadline = Clock::now() + std::chrono::seconds(90);
       Clock::now() < deadline && readyPods(api, kRepository + "1.4.2") < 6;)
    std::this_thread::sleep_for(std::chrono::milliseconds(250));

  const std::string image = kRepository + (late ? "1.7.0" : "1.6.0");
  ProcessSpec gate;
  gate.argv = {(fs::path(aiops::test::kubectlAiopsBinary()).parent_path() / "aiops-gate").string(),
               "upgrade",
               "--window",
               "15s",
               "-o",
               "json",
               "--",
               "todo",
               AIOPS_CHART_DIR,
               "-n",
               "todo",
               "--set",
               "backend.image=" + image,
               "--set",
               "backend.replicas=6"};
  gate.env = env;
  StreamingProcess process(gate);
  std::string out;
  std::optional<Clock::time_point> spike, allReady, paused;
  const Clock::time_point start = Clock::now();
  while (Clock::now() - start < std::chrono::seconds(240)) {
    if (auto line = process.readLine(std::chrono::milliseconds(100))) out += *line + "\n";
    if (process.eof()) break;
    const Clock::time_point now = Clock::now();
    if (!paused) {
      if (const auto d = api.get("/apis/apps/v1/namespaces/todo/deployments/todo-backend")) {
        const json::value* p = jsonFind(*d, {"spec", "paused"});
        if (p != nullptr && p->is_bool() && p->as_bool()) paused = now;
      }
    }
    if (!allReady || (!late && !spike)) {
      const int ready = readyPods(api, image);
      if (!late && ready > 0 && !spike) spike = now;  // 1.6.0 fails from its first served request
      if (ready >= 3 && !allReady) allReady = now;
    }
    if (late && !spike && allReady && now - *allReady >= std::chrono::seconds(9)) {
      ProcessSpec action;
      action.argv = {"kubectl", "create", "--raw", "/kubesim/v1/actions", "-f", "-"};
      action.env = env;
      action.stdinData =
          R"({"action":"setProfile","image":")" + image + R"(","profile":"todo-backend-spiking"})";
      action.timeout = std::chrono::seconds(30);
      const Clock::time_point before = Clock::now();
      const aiops::ProcessResult r = aiops::runProcess(action);
      // The action applies while the request is served: halfway through kubectl's run is the best estimate.
      spike = before + (Clock::now() - before) / 2;
      if (r.exitCode != 0) m.problem = "setProfile failed: " + r.err;
    }
  }
  const int exit = process.eof() ? process.wait(std::chrono::seconds(10)).value_or(-1) : process.terminate();
  boost::system::error_code ec;
  json::value result = json::parse(out, ec);  // -o json: stdout holds the result alone
  if (ec) result = nullptr;
  m.halted = exit == 1 && jsonString(result, {"outcome"}) == "halted";
  if (spike && paused) m.polled = secondsBetween(*spike, *paused);
  if (const json::value* d = jsonFind(result, {"detectionSeconds"}); d != nullptr && d->is_number())
    m.detection = d->to_number<double>();
  if (!m.halted && m.problem.empty())
    m.problem = fmt::format("exit {}, outcome {}: {}", exit, jsonString(result, {"outcome"}),
                            jsonString(result, {"reason"}));
  cleanup();
  return m;
}

std::string stats(std::vector<double> values) {
  if (values.empty()) return "n/a | n/a | n/a";
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  const double median = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  return fmt::format("{:.2f} | {:.2f} | {:.2f}", values.front(), median, values.back());
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--runs" && i + 1 < argc) {
      runs = std::atoi(argv[++i]);
    } else {
      std::cerr << "usage: gate_lag_bench [--runs N]\n";
      return 2;
    }
  }
  if (runs < 1) {
    std::cerr << "gate_lag_bench: --runs must be at least 1\n";
    return 2;
  }
  std::cout
      << "## Rollout gate: detection lag, error spike to Deployment paused (s)\n\n"
      << "| case | runs halted | polled min | polled median | polled max | gate min | gate median | gate max "
         "|\n|---|---|---|---|---|---|---|---|\n";
  int failures = 0;
  for (const bool late : {false, true}) {
    std::vector<double> polled, detection;
    int halted = 0;
    for (int i = 0; i < runs; ++i) {
      Measurement m;
      try {
        m = measure(late);
      } catch (const std::exception& e) {
        m.problem = e.what();
      }
      if (m.halted) ++halted;
      if (m.polled) polled.push_back(*m.polled);
      if (m.detection) detection.push_back(*m.detection);
      if (!m.problem.empty()) {
        ++failures;
        std::cerr << (late ? "late spike" : "immediate") << " run " << i + 1 << ": " << m.problem << '\n';
      }
    }
    std::cout << fmt::format(
        "| {} | {}/{} | {} | {} |\n",
        late ? "late spike (1.7.0, 9 s into the window)" : "immediate (1.6.0, 20% errors)", halted, runs,
        stats(polled), stats(detection));
  }
  std::cout
      << "\npolled: from the spike (the first 1.6.0 pod seen Ready, or the setProfile action) to the first "
         "100 ms sample of the Deployment with spec.paused; gate: detectionSeconds of the JSON result, from "
         "the first failing evidence to the pause.\n";
  return failures == 0 ? 0 : 1;
}

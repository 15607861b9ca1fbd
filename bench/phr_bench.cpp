// phr_bench: how fast the PHR journal appends a record (target: median under 20 ms) and verifies a journal
// of 10,000 records (target: under 2 s). Builds a journal of realistic operation lifecycles (recommendation,
// approval, applying, applied, three checkpoints, verified) with a diagnosis run every ninth record, timing
// every append, then times `verify` (--runs times). Prints Markdown tables; never asserts.
// Usage: phr_bench [--records N] [--runs N] [--dir PATH] (the directory is removed afterwards unless --keep).
#include <fmt/format.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "governance/journal.h"

namespace {

namespace fs = std::filesystem;
using namespace aiops::governance;
using Clock = std::chrono::steady_clock;

double milliseconds(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// CPU time of this (single-threaded) process in ms: unlike wall time, it does not count waiting for a CPU
// on a busy machine.
double cpuMilliseconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

struct Stats {
  double median = 0, p90 = 0, p99 = 0, min = 0, max = 0;
};

Stats stats(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  const auto at = [&](double q) {
    return samples[static_cast<std::size_t>(q * static_cast<double>(samples.size() - 1))];
  };
  return {at(0.5), at(0.9), at(0.99), samples.front(), samples.back()};
}

std::uintmax_t directorySize(const fs::path& path) {
  std::uintmax_t total = 0;
  for (const auto& entry : fs::recursive_directory_iterator(path)) {
    if (entry.is_regular_file()) total += entry.file_size();
  }
  return total;
}

Proposal proposal(int n) {
  Proposal p;
  p.target = Target{
      "apps/v1", "Deployment", "bench", fmt::format("service-{}", n % 50), fmt::format("uid-{}", n), n};
  p.risk = n % 4 == 0 ? aiops::model::Risk::Low : aiops::model::Risk::Medium;
  p.action = "resource-increase";
  p.summary = fmt::format("raise the memory limit of service-{} to {}Mi", n % 50, 256 + n % 7 * 64);
  p.rationale = "container app was OOMKilled 4 times in 10 minutes at its limit";
  p.evidence = {"event Pod bench/service-x OOMKilling x4", "lastState.terminated.reason=OOMKilled"};
  p.change = Change{
      ChangeType::Strategic,
      boost::json::parse(
          R"({"spec":{"template":{"spec":{"containers":[{"name":"app","resources":{"limits":{"memory":"384Mi"}}}]}}}})")};
  p.rollback = Change{
      ChangeType::Strategic,
      boost::json::parse(
          R"({"spec":{"template":{"spec":{"containers":[{"name":"app","resources":{"limits":{"memory":"256Mi"}}}]}}}})")};
  p.before = boost::json::parse(
      R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"service","namespace":"bench",
    "labels":{"app":"service"}},"spec":{"replicas":3,"template":{"spec":{"containers":[{"name":"app","image":"registry.example.com/service:1.4.2",
    "resources":{"limits":{"memory":"256Mi"},"requests":{"cpu":"100m","memory":"128Mi"}},"env":[{"name":"LOG_LEVEL","value":"info"}]}]}}}})");
  p.text.command = "kubectl aiops diagnose deploy/service -n bench";
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  int records = 10000;
  int runs = 3;
  fs::path dir = fs::temp_directory_path() / fmt::format("aiops-phr-bench-{}", ::getpid());
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--records" && i + 1 < argc)
      records = std::stoi(argv[++i]);
    else if (arg == "--runs" && i + 1 < argc)
      runs = std::stoi(argv[++i]);
    else if (arg == "--dir" && i + 1 < argc)
      dir = argv[++i];
    else if (arg == "--keep")
      keep = true;
    else {
      std::cerr << "usage: phr_bench [--records N] [--runs N] [--dir PATH] [--keep]\n";
      return 2;
    }
  }
  try {
    fs::remove_all(dir);
    JournalOptions options;
    options.path = dir;
    Journal journal(options);
    const Identity requester{"alice", {"sre"}};
    const Identity approver{"bob", {"architects"}};
    std::vector<double> appends;
    std::vector<double> appendsCpu;
    appends.reserve(static_cast<std::size_t>(records));
    const auto timed = [&](auto&& append) {
      const auto start = Clock::now();
      const double cpu = cpuMilliseconds();
      append();
      appends.push_back(milliseconds(Clock::now() - start));
      appendsCpu.push_back(cpuMilliseconds() - cpu);
      if (appends.size() % 1000 == 0) std::cerr << "appended " << appends.size() << " records\n";
    };
    int operation = 0;
    std::string current;
    std::string change;
    int step = 0;
    const RecordKind lifecycle[] = {RecordKind::Approval,   RecordKind::Applying,   RecordKind::Applied,
                                    RecordKind::Checkpoint, RecordKind::Checkpoint, RecordKind::Checkpoint,
                                    RecordKind::Verified};
    const char* checkpoints[] = {"5m", "15m", "1h"};
    while (static_cast<int>(appends.size()) < records) {
      if (appends.size() % 9 == 8) {
        DiagnosisRun run;
        run.target = Target{"apps/v1", "Deployment", "bench", "service", "uid", 1};
        run.summary = "container app OOMKilled (AIOPS-D110)";
        run.evidence = {"lastState.terminated.reason=OOMKilled"};
        timed([&] { journal.recordDiagnosis(run, requester); });
        continue;
      }
      if (current.empty() || step == static_cast<int>(std::size(lifecycle))) {
        Appended a;
        timed([&] { a = journal.propose(proposal(++operation), requester); });
        current = a.operationId;
        change =
            journal.show(current + "/0001").record.aiops.changeSha256;  // untimed: what an approver reads
        step = 0;
        continue;
      }
      Step s;
      s.kind = lifecycle[step];
      s.changeSha256 = change;
      s.justification = "keeps a 30% margin over the observed peak";
      if (s.kind == RecordKind::Applying)
        s.metrics = boost::json::parse(R"({"pods":3,"restarts":4,"memoryMi":[250,251,249]})");
      if (s.kind == RecordKind::Checkpoint) {
        s.checkpoint = Checkpoint{checkpoints[step - 3],
                                  {},
                                  true,
                                  "ready 3/3, restarts 0",
                                  boost::json::parse(R"({"ready":3,"restarts":0})")};
      }
      timed([&] { journal.record(current, s, s.kind == RecordKind::Approval ? approver : requester); });
      ++step;
    }

    std::vector<double> verifies, verifiesCpu;
    VerifyReport report;
    for (int r = 0; r < runs; ++r) {
      const auto start = Clock::now();
      const double cpu = cpuMilliseconds();
      report = journal.verify();
      verifies.push_back(milliseconds(Clock::now() - start));
      verifiesCpu.push_back(cpuMilliseconds() - cpu);
    }
    std::vector<double> lists, listsCpu;
    for (int r = 0; r < runs; ++r) {
      const auto start = Clock::now();
      const double cpu = cpuMilliseconds();
      const auto all = journal.list();
      lists.push_back(milliseconds(Clock::now() - start));
      listsCpu.push_back(cpuMilliseconds() - cpu);
      if (static_cast<int>(all.size()) != records) throw std::runtime_error("list lost records");
    }
    if (!report.ok()) throw std::runtime_error("verify failed: " + report.problem->message);

    const std::size_t n = appends.size();
    const std::size_t window = std::min<std::size_t>(1000, n);
    const auto slice = [&](const std::vector<double>& v, bool first) {
      return first ? std::vector<double>(v.begin(), v.begin() + static_cast<long>(window))
                   : std::vector<double>(v.end() - static_cast<long>(window), v.end());
    };
    std::cout << fmt::format(
        "## PHR journal: {} records in {} operations ({:.1f} MB on disk, before any git gc)\n\n", n,
        operation, static_cast<double>(directorySize(dir)) / 1e6);
    std::cout << "| Append latency (ms) | wall median | wall p90 | wall p99 | wall max | CPU median | CPU "
                 "p90 | CPU p99 |\n"
                 "|---|---|---|---|---|---|---|---|\n";
    const auto row = [](const std::string& name, const Stats& w, const Stats& c) {
      return fmt::format("| {} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.2f} | {:.2f} |\n", name,
                         w.median, w.p90, w.p99, w.max, c.median, c.p90, c.p99);
    };
    std::cout << row(fmt::format("all {} appends", n), stats(appends), stats(appendsCpu))
              << row("first 1,000 (empty journal)", stats(slice(appends, true)),
                     stats(slice(appendsCpu, true)))
              << row(fmt::format("last 1,000 (journal of {}+)", n - window), stats(slice(appends, false)),
                     stats(slice(appendsCpu, false)));
    std::cout << "\nTarget: median under 20 ms. CPU time excludes waiting for a CPU on a busy machine.\n\n";
    std::cout << fmt::format(
        "| Whole journal ({} records, {} runs) | wall median ms | wall min ms | CPU median ms |\n"
        "|---|---|---|---|\n",
        n, runs);
    const Stats v = stats(verifies);
    const Stats l = stats(lists);
    std::cout << fmt::format(
        "| verify (history, chain, lifecycle, anchor, working tree) | {:.0f} | {:.0f} | {:.0f} |\n", v.median,
        v.min, stats(verifiesCpu).median);
    std::cout << fmt::format("| list (every record parsed) | {:.0f} | {:.0f} | {:.0f} |\n", l.median, l.min,
                             stats(listsCpu).median);
    std::cout << "\nTarget: verify under 2,000 ms.\n";
    if (!keep) fs::remove_all(dir);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << '\n';
    if (!keep) fs::remove_all(dir);
    return 1;
  }
}

// report_bench: how fast `kubectl aiops report resources` turns a history store into its report: 1,000 pods
// (a fifth with a sidecar) on 20 nodes, 7 days of CPU, memory and network samples every 30 s, plus PVC use of
// 100 pods; the target is under 2 s for the report (10 s at most). Fills the store once (timed, reported),
// then times reading the cluster's lists into facts, buildReport over 24 h and 7 d, and the renderings.
// Prints Markdown tables (median, min and max of --runs runs after one untimed run); never asserts.
//
// Flags: --pods N --nodes N --days N --interval SECONDS --runs N --store PATH (reuse a filled store: the fill
// is skipped when the file exists) --keep (leave the temporary store).
#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "history/store.h"
#include "rightsize/report.h"
#include "support/output.h"

namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using aiops::history::Point;
using aiops::history::Sample;
using aiops::history::SeriesKey;
using Clock = std::chrono::steady_clock;

struct Config {
  int pods = 1000;
  int nodes = 20;
  int days = 7;
  int interval = 30;
  int runs = 5;
  std::string store;
  bool keep = false;
};

constexpr std::int64_t kMi = 1 << 20;
constexpr std::int64_t kEnd = 1'795'000'000;  // 2026-11-18T...: any fixed instant

// A small deterministic hash for noise.
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  return x ^ (x >> 33);
}

std::string podName(int i) {
  return fmt::format("app-{:02}-{:04}", i / 20, i);
}
std::string workloadOf(int i) {
  return fmt::format("Deployment/app-{:02}", i / 20);
}
bool hasSidecar(int i) {
  return i % 5 == 0;
}
std::int64_t baseCpu(int i) {
  return 20 + static_cast<std::int64_t>(mix(static_cast<std::uint64_t>(i)) % 300);
}
std::int64_t baseMemory(int i) {
  return (64 + static_cast<std::int64_t>(mix(static_cast<std::uint64_t>(i) + 7) % 448)) * kMi;
}

// The pod objects the API server would list: requests from 0.8 to 3 times the base use, limits on half.
json::value podList(const Config& c) {
  json::array items;
  for (int i = 0; i < c.pods; ++i) {
    const double factor = std::array{0.8, 1.5, 3.0}[static_cast<std::size_t>(i % 3)];
    auto resources = [&](std::int64_t cpu, std::int64_t memory) {
      json::object r{
          {"requests",
           json::object{
               {"cpu", fmt::format("{}m", static_cast<std::int64_t>(static_cast<double>(cpu) * factor))},
               {"memory", std::to_string(static_cast<std::int64_t>(static_cast<double>(memory) * factor))}}}};
      if (i % 2 == 0) {
        r["limits"] =
            json::object{{"cpu", fmt::format("{}m", cpu * 2)}, {"memory", std::to_string(memory * 2)}};
      }
      return r;
    };
    json::array containers{
        json::object{{"name", "app"}, {"resources", resources(baseCpu(i), baseMemory(i))}}};
    if (hasSidecar(i))
      containers.push_back(json::object{{"name", "proxy"}, {"resources", resources(10, 32 * kMi)}});
    items.push_back(json::object{
        {"metadata",
         json::object{{"name", podName(i)},
                      {"namespace", "bench"},
                      {"labels", json::object{{"pod-template-hash", "7d9f8c6b5d"}}},
                      {"ownerReferences",
                       json::array{json::object{{"kind", "ReplicaSet"},
                                                {"name", fmt::format("app-{:02}-7d9f8c6b5d", i / 20)},
                                                {"controller", true}}}}}},
        {"spec",
         json::object{{"nodeName", fmt::format("node-{:02}", i % c.nodes)}, {"containers", containers}}},
        {"status", json::object{{"phase", "Running"}}}});
  }
  return json::object{{"items", std::move(items)}};
}

json::value nodeList(const Config& c) {
  json::array items;
  for (int n = 0; n < c.nodes; ++n) {
    items.push_back(json::object{
        {"metadata", json::object{{"name", fmt::format("node-{:02}", n)}}},
        {"status", json::object{{"allocatable", json::object{{"cpu", "16"}, {"memory", "64Gi"}}}}}});
  }
  return json::object{{"items", std::move(items)}};
}

json::value claimList(const Config& c) {
  json::array items;
  for (int i = 0; i < c.pods; i += 10) {
    items.push_back(
        json::object{{"metadata", json::object{{"name", "data-" + podName(i)}, {"namespace", "bench"}}},
                     {"status", json::object{{"capacity", json::object{{"storage", "10Gi"}}}}}});
  }
  return json::object{{"items", std::move(items)}};
}

// Fills the store, one append per pod (all its series over the whole history): returns the samples written.
std::int64_t fill(aiops::history::Store& store, const Config& c) {
  const std::int64_t steps = static_cast<std::int64_t>(c.days) * 86400 / c.interval;
  const std::int64_t start = kEnd - steps * c.interval;
  std::int64_t written = 0;
  std::vector<Point> points;
  auto series = [&](SeriesKey key, const std::function<std::int64_t(std::int64_t, std::int64_t)>& value) {
    for (std::int64_t s = 0; s < steps; ++s) {
      const std::int64_t t = start + s * c.interval;
      points.push_back(Point{key, Sample{t, value(s, t)}});
    }
  };
  for (int i = 0; i < c.pods; ++i) {
    points.clear();
    const std::string pod = podName(i);
    const std::string workload = workloadOf(i);
    const auto ui = static_cast<std::uint64_t>(i);
    auto daily = [](std::int64_t t) {
      return std::sin(static_cast<double>(t % 86400) / 86400.0 * 6.283185307);
    };
    series({"container", "bench", workload, pod, "app", aiops::history::kCpu},
           [&](std::int64_t s, std::int64_t t) {
             return std::max<std::int64_t>(
                 1, baseCpu(i) + static_cast<std::int64_t>(30 * daily(t)) +
                        static_cast<std::int64_t>(mix(ui * 1'000'003 + static_cast<std::uint64_t>(s)) % 20));
           });
    series({"container", "bench", workload, pod, "app", aiops::history::kMemory},
           [&](std::int64_t s, std::int64_t) {
             return baseMemory(i) + s * 64 +
                    static_cast<std::int64_t>(mix(ui + static_cast<std::uint64_t>(s)) % kMi);
           });
    if (hasSidecar(i)) {
      series({"container", "bench", workload, pod, "proxy", aiops::history::kCpu},
             [&](std::int64_t s, std::int64_t) {
               return 3 + static_cast<std::int64_t>(mix(ui ^ static_cast<std::uint64_t>(s)) % 4);
             });
      series({"container", "bench", workload, pod, "proxy", aiops::history::kMemory},
             [&](std::int64_t, std::int64_t) { return 20 * kMi; });
    }
    series({"pod", "bench", workload, pod, "", aiops::history::kNetworkRx},
           [&](std::int64_t s, std::int64_t) { return s * 30'000; });
    series({"pod", "bench", workload, pod, "", aiops::history::kNetworkTx},
           [&](std::int64_t s, std::int64_t) { return s * 12'000; });
    if (i % 10 == 0) {
      const SeriesKey key{"volume", "bench", workload, pod, "data-" + pod, aiops::history::kVolumeUsed};
      for (std::int64_t s = 0; s < steps; s += 10)
        points.push_back(Point{key, Sample{start + s * c.interval, kMi * 512 + s * 1000}});
    }
    written += static_cast<std::int64_t>(store.append(points));
  }
  for (int n = 0; n < c.nodes; ++n) {
    points.clear();
    const std::string node = fmt::format("node-{:02}", n);
    series({"node", "", "", node, "", aiops::history::kCpu}, [&](std::int64_t s, std::int64_t) {
      return 4000 + static_cast<std::int64_t>(mix(static_cast<std::uint64_t>(n * 99991 + s)) % 2000);
    });
    series({"node", "", "", node, "", aiops::history::kMemory}, [&](std::int64_t s, std::int64_t) {
      return 30 * 1024 * kMi + static_cast<std::int64_t>(mix(static_cast<std::uint64_t>(s)) % (1024 * kMi));
    });
    written += static_cast<std::int64_t>(store.append(points));
  }
  return written;
}

double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

struct Timing {
  std::string step;
  std::vector<double> ms;
};

void printTimings(const std::string& title, std::vector<Timing>& rows) {
  std::cout << "\n### " << title << "\n\n| Step | median ms | min ms | max ms |\n|---|---:|---:|---:|\n";
  for (Timing& t : rows) {
    std::sort(t.ms.begin(), t.ms.end());
    std::cout << fmt::format("| {} | {:.1f} | {:.1f} | {:.1f} |\n", t.step, t.ms[t.ms.size() / 2],
                             t.ms.front(), t.ms.back());
  }
}

Config parse(int argc, char** argv) {
  Config c;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "report_bench: " << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--pods")
      c.pods = std::stoi(next());
    else if (a == "--nodes")
      c.nodes = std::stoi(next());
    else if (a == "--days")
      c.days = std::stoi(next());
    else if (a == "--interval")
      c.interval = std::stoi(next());
    else if (a == "--runs")
      c.runs = std::stoi(next());
    else if (a == "--store")
      c.store = next();
    else if (a == "--keep")
      c.keep = true;
    else {
      std::cerr << "report_bench: unknown flag " << a
                << "; use --pods, --nodes, --days, --interval, --runs, --store, --keep\n";
      std::exit(2);
    }
  }
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  const Config c = parse(argc, argv);
  const bool temporary = c.store.empty();
  const fs::path path = temporary
                            ? fs::temp_directory_path() / fmt::format("aiops-report-bench-{}.db", ::getpid())
                            : fs::path(c.store);
  std::cout << fmt::format("## report resources: {} pods ({} with a sidecar), {} nodes, {} days every {} s\n",
                           c.pods, (c.pods + 4) / 5, c.nodes, c.days, c.interval);
  if (!fs::exists(path)) {
    aiops::history::StoreOptions options;
    options.path = path;
    auto store = aiops::history::Store::open(options);
    const auto started = Clock::now();
    const std::int64_t samples = fill(*store, c);
    const double ms = msSince(started);
    const auto stats = store->stats();
    std::cout << fmt::format(
        "\nFilled {} samples in {} series in {:.1f} s ({:.2f} M samples/s); file {:.1f} MB, {:.2f} "
        "bytes/sample\n",
        samples, stats.series, ms / 1000, static_cast<double>(samples) / ms / 1000,
        static_cast<double>(stats.bytes) / 1e6, stats.bytesPerSample);
  } else {
    std::cout << "\nUsing the filled store " << path.string() << '\n';
  }

  const json::value pods = podList(c);
  const json::value nodes = nodeList(c);
  const json::value claims = claimList(c);
  for (const std::int64_t window : {std::int64_t{86400}, std::int64_t{7 * 86400}}) {
    std::vector<Timing> rows{{"open the store (read-only)", {}},
                             {"cluster lists -> facts", {}},
                             {"buildReport", {}},
                             {"JSON document + pretty print", {}},
                             {"text", {}},
                             {"Markdown", {}},
                             {"total", {}}};
    std::size_t over = 0;
    std::size_t under = 0;
    std::size_t bytes = 0;
    for (int run = 0; run <= c.runs; ++run) {
      const auto total = Clock::now();
      auto t = Clock::now();
      aiops::history::StoreOptions options;
      options.path = path;
      options.readOnly = true;
      auto store = aiops::history::Store::open(options);
      const double open = msSince(t);
      t = Clock::now();
      const auto facts = aiops::rightsize::clusterFacts(pods, nullptr, nodes, &claims);
      const double factsMs = msSince(t);
      t = Clock::now();
      aiops::rightsize::ReportOptions reportOptions;
      reportOptions.namespace_ = "bench";
      reportOptions.windowSeconds = window;
      const auto report = aiops::rightsize::buildReport(*store, facts, reportOptions);
      const double build = msSince(t);
      t = Clock::now();
      const std::string document = aiops::toPrettyJson(aiops::rightsize::toJson(report));
      const double jsonMs = msSince(t);
      t = Clock::now();
      std::ostringstream text;
      aiops::rightsize::printText(report, text, false);
      const double textMs = msSince(t);
      t = Clock::now();
      std::ostringstream markdown;
      aiops::rightsize::printMarkdown(report, markdown);
      const double markdownMs = msSince(t);
      const double totalMs = msSince(total);
      over = report.overProvisioned.size();
      under = report.underProvisioned.size();
      bytes = document.size();
      if (run == 0) continue;  // warm-up
      for (auto [row, ms] : {std::pair{0, open},
                             {1, factsMs},
                             {2, build},
                             {3, jsonMs},
                             {4, textMs},
                             {5, markdownMs},
                             {6, totalMs}})
        rows[static_cast<std::size_t>(row)].ms.push_back(ms);
    }
    printTimings(fmt::format("window {} h: {} over-provisioned, {} under-provisioned, JSON {:.1f} MB",
                             window / 3600, over, under, static_cast<double>(bytes) / 1e6),
                 rows);
  }
  struct rusage usage {};
  ::getrusage(RUSAGE_SELF, &usage);
  std::cout << fmt::format("\nPeak resident memory of the process: {:.0f} MB\n",
                           static_cast<double>(usage.ru_maxrss) / 1024);
  if (temporary && !c.keep) {
    std::error_code ignored;
    fs::remove(path, ignored);
    fs::remove(path.string() + "-wal", ignored);
    fs::remove(path.string() + "-shm", ignored);
  }
  return 0;
}

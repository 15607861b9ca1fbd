// history_bench: the metrics history store at the size right-sizing needs. Ingests 7 days of 30 s CPU samples
// of 1,000 containers (20.16 M samples, noisy daily curves with spikes) round by round in batches, then times
// the reads recommend and report do (per-container p95/p99 over the week, one workload pooled), single-round
// appends as the collector makes them, and compaction (a no-op hourly run, then folding 5 days into 5-minute
// buckets). Prints Markdown tables; never asserts.
// Usage: history_bench [--containers N] [--days N] [--batch-rounds N] [--dir PATH] [--keep]; the environment
// variables AIOPS_HISTORY_BENCH_CONTAINERS / _DAYS / _BATCH_ROUNDS set the same (for a quicker run).
#include <fmt/format.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "history/store.h"

namespace {

namespace fs = std::filesystem;
using namespace aiops::history;
using Clock = std::chrono::steady_clock;

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// CPU time of this (single-threaded) process: unlike wall time, not inflated by a busy machine.
double cpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

struct Timing {
  double wall = 0, cpu = 0;
};

template <typename F>
Timing timed(F&& f) {
  const auto start = Clock::now();
  const double cpu = cpuSeconds();
  f();
  return {seconds(Clock::now() - start), cpuSeconds() - cpu};
}

// The best of `runs` (the least disturbed by other work on the machine).
template <typename F>
Timing best(int runs, F&& f) {
  Timing b{1e300, 1e300};
  for (int i = 0; i < runs; ++i) {
    const Timing t = timed(f);
    b.wall = std::min(b.wall, t.wall);
    b.cpu = std::min(b.cpu, t.cpu);
  }
  return b;
}

std::int64_t envOr(const char* name, std::int64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::stoll(v) : fallback;
}

std::uintmax_t sizeOr0(const fs::path& p) {
  std::error_code ec;
  const auto s = fs::file_size(p, ec);
  return ec ? 0 : s;
}

// One container's CPU usage in millicores: a base level, a daily curve, noise, and rare spikes.
struct Container {
  SeriesKey key;
  double base = 0;
  double phase = 0;
};

class Workload {
 public:
  Workload(int containers, std::uint64_t seed) : rng_(seed) {
    std::uniform_real_distribution<double> logBase(std::log(20.0), std::log(2000.0));
    std::uniform_real_distribution<double> phase(0, 2 * std::numbers::pi);
    for (int c = 0; c < containers; ++c) {
      const int workload = c / 10;
      Container k;
      k.key = SeriesKey{"container",
                        fmt::format("team-{}", c / 100),
                        fmt::format("Deployment/svc-{}", workload),
                        fmt::format("svc-{}-7d9f8c6b5-{:05d}", workload, c),
                        "app",
                        kCpu};
      k.base = std::exp(logBase(rng_));
      k.phase = phase(rng_);
      containers_.push_back(std::move(k));
    }
  }

  const std::vector<Container>& containers() const { return containers_; }

  // The points of `rounds` rounds starting at `time`, round by round.
  void rounds(std::int64_t time, std::int64_t rounds, std::int64_t interval, std::vector<Point>& out) {
    out.clear();
    std::normal_distribution<double> noise(0, 1);
    std::uniform_real_distribution<double> unit(0, 1);
    for (std::int64_t r = 0; r < rounds; ++r) {
      const std::int64_t t = time + r * interval;
      for (const Container& c : containers_) {
        const double daily =
            1 + 0.3 * std::sin(2 * std::numbers::pi * static_cast<double>(t % 86400) / 86400 + c.phase);
        double v = c.base * daily + c.base * 0.08 * noise(rng_);
        if (unit(rng_) < 0.002) v *= 3;  // a burst
        out.push_back(Point{c.key, Sample{t, std::max<std::int64_t>(0, std::llround(v))}});
      }
    }
  }

 private:
  std::mt19937_64 rng_;
  std::vector<Container> containers_;
};

}  // namespace

int main(int argc, char** argv) {
  std::int64_t containers = envOr("AIOPS_HISTORY_BENCH_CONTAINERS", 1000);
  std::int64_t days = envOr("AIOPS_HISTORY_BENCH_DAYS", 7);
  std::int64_t batchRounds = envOr("AIOPS_HISTORY_BENCH_BATCH_ROUNDS", 120);
  fs::path dir = fs::temp_directory_path() / fmt::format("aiops-history-bench-{}", ::getpid());
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--containers" && i + 1 < argc)
      containers = std::stoll(argv[++i]);
    else if (arg == "--days" && i + 1 < argc)
      days = std::stoll(argv[++i]);
    else if (arg == "--batch-rounds" && i + 1 < argc)
      batchRounds = std::stoll(argv[++i]);
    else if (arg == "--dir" && i + 1 < argc)
      dir = argv[++i];
    else if (arg == "--keep")
      keep = true;
    else {
      std::cerr
          << "usage: history_bench [--containers N] [--days N] [--batch-rounds N] [--dir PATH] [--keep]\n";
      return 2;
    }
  }
  constexpr std::int64_t kInterval = 30;
  const std::int64_t start = 1'767'225'600;  // 2026-01-01T00:00:00Z
  const std::int64_t totalRounds = days * 86400 / kInterval;
  const std::int64_t end = start + totalRounds * kInterval;
  try {
    fs::remove_all(dir);
    fs::create_directories(dir);
    const fs::path path = dir / "history.db";
    StoreOptions options;
    options.path = path;
    auto store = Store::open(options);
    Workload load(static_cast<int>(containers), 42);

    // Ingest: the appends alone are timed, not the generation of the values.
    std::vector<Point> points;
    Timing ingest;
    std::size_t stored = 0;
    for (std::int64_t r = 0; r < totalRounds; r += batchRounds) {
      load.rounds(start + r * kInterval, std::min(batchRounds, totalRounds - r), kInterval, points);
      const Timing t = timed([&] { stored += store->append(points); });
      ingest.wall += t.wall;
      ingest.cpu += t.cpu;
      if ((r / batchRounds) % 50 == 49)
        std::cerr << fmt::format("ingested {:.1f} of {} days\n", static_cast<double>(r * kInterval) / 86400,
                                 days);
    }
    const StoreStats afterIngest = store->stats();
    const auto dbBytes = sizeOr0(path), walBytes = sizeOr0(path.string() + "-wal");

    // Reads: every container's distribution over the whole window, then one workload pooled.
    SeriesFilter cpu;
    cpu.metric = kCpu;
    std::size_t summaries = 0;
    const Timing summarize = best(3, [&] { summaries = store->summarize(cpu, start, end).size(); });
    SeriesFilter workload = cpu;
    workload.workload = load.containers().front().key.workload;
    Distribution pooled;
    const Timing pooledTime = best(3, [&] { pooled = store->pooled(workload, start, end); });
    SeriesFilter one = cpu;
    one.pod = load.containers().front().key.pod;
    const Timing queryOne = best(3, [&] { (void)store->query(one, start, end); });
    const Timing coverage = best(3, [&] { (void)store->coverage(cpu); });

    // The collector's own pace: one round (all containers, one sample each) per append, for 2 hours.
    std::vector<double> single;
    std::vector<double> singleCpu;
    for (std::int64_t r = 0; r < 240; ++r) {
      load.rounds(end + r * kInterval, 1, kInterval, points);
      const Timing t = timed([&] { store->append(points); });
      single.push_back(t.wall);
      singleCpu.push_back(t.cpu);
    }
    std::sort(single.begin(), single.end());
    std::sort(singleCpu.begin(), singleCpu.end());
    const std::int64_t now = end + 240 * kInterval;

    // Compaction: the hourly run with the default 8 days of raw (nothing to fold), then a store configured
    // for 2 days of raw folding the older days into 5-minute buckets, then that run again (idempotent: a
    // no-op).
    const Timing compactNoop = timed([&] { store->compact(now); });
    store.reset();
    options.retention.rawSeconds = 2 * 86400;
    store = Store::open(options);
    const std::int64_t before = store->stats().samples;
    const Timing compactFold = timed([&] { store->compact(now); });
    const StoreStats afterFold = store->stats();
    const Timing compactAgain = timed([&] { store->compact(now); });
    const Timing summarizeMixed = best(3, [&] { (void)store->summarize(cpu, start, end); });

    const auto perSecond = [](double n, double s) { return s > 0 ? n / s : 0.0; };
    std::cout << fmt::format(
        "## Metrics history store: {} containers x {} days x {} s = {:.2f} M samples (appends of {} rounds = "
        "{} "
        "samples)\n\n",
        containers, days, kInterval, static_cast<double>(totalRounds * containers) / 1e6, batchRounds,
        batchRounds * containers);
    std::cout << "| Measure | Value | Wall | CPU |\n|---|---|---|---|\n";
    std::cout << fmt::format("| Ingest (samples/s) | {:.0f} wall, {:.0f} CPU | {:.2f} s | {:.2f} s |\n",
                             perSecond(static_cast<double>(stored), ingest.wall),
                             perSecond(static_cast<double>(stored), ingest.cpu), ingest.wall, ingest.cpu);
    std::cout << fmt::format("| Samples stored / series | {} / {} | | |\n", afterIngest.samples,
                             afterIngest.series);
    std::cout << fmt::format(
        "| Bytes on disk (db + WAL) | {:.1f} MB ({:.1f} + {:.1f}) = {:.2f} bytes/sample | | |\n",
        static_cast<double>(afterIngest.bytes) / 1e6, static_cast<double>(dbBytes) / 1e6,
        static_cast<double>(walBytes) / 1e6, afterIngest.bytesPerSample);
    std::cout << fmt::format(
        "| summarize: p50/p95/p99/max of every container's cpu over {} days | {} series | {:.0f} ms | {:.0f} "
        "ms |\n",
        days, summaries, summarize.wall * 1e3, summarize.cpu * 1e3);
    std::cout << fmt::format(
        "| pooled: one workload ({}) | {} samples, p95 {} m, p99 {} m | {:.1f} ms | {:.1f} ms |\n",
        workload.workload, pooled.count, pooled.p95, pooled.p99, pooledTime.wall * 1e3, pooledTime.cpu * 1e3);
    std::cout << fmt::format("| query: one container, {} days | | {:.2f} ms | {:.2f} ms |\n", days,
                             queryOne.wall * 1e3, queryOne.cpu * 1e3);
    std::cout << fmt::format("| coverage: every container | | {:.1f} ms | {:.1f} ms |\n", coverage.wall * 1e3,
                             coverage.cpu * 1e3);
    std::cout << fmt::format(
        "| Single-round append ({} samples), median / p90 / max | {:.0f} samples/s at the median | {:.1f} / "
        "{:.1f} / "
        "{:.1f} ms | {:.1f} / {:.1f} / {:.1f} ms |\n",
        containers, perSecond(static_cast<double>(containers), single[single.size() / 2]),
        single[single.size() / 2] * 1e3, single[single.size() * 9 / 10] * 1e3, single.back() * 1e3,
        singleCpu[singleCpu.size() / 2] * 1e3, singleCpu[singleCpu.size() * 9 / 10] * 1e3,
        singleCpu.back() * 1e3);
    std::cout << fmt::format("| compact, 8 days raw (nothing to fold) | | {:.0f} ms | {:.0f} ms |\n",
                             compactNoop.wall * 1e3, compactNoop.cpu * 1e3);
    std::cout << fmt::format(
        "| compact, 2 days raw: fold {} days into 5 min buckets | {} -> {} samples, {:.1f} MB | {:.2f} s | "
        "{:.2f} s |\n",
        days > 2 ? days - 2 : 0, before, afterFold.samples, static_cast<double>(afterFold.bytes) / 1e6,
        compactFold.wall, compactFold.cpu);
    std::cout << fmt::format("| compact again (idempotent) | {} samples | {:.0f} ms | {:.0f} ms |\n",
                             store->stats().samples, compactAgain.wall * 1e3, compactAgain.cpu * 1e3);
    std::cout << fmt::format("| summarize after folding (buckets + raw) | | {:.0f} ms | {:.0f} ms |\n",
                             summarizeMixed.wall * 1e3, summarizeMixed.cpu * 1e3);
    store.reset();
    if (!keep) fs::remove_all(dir);
  } catch (const std::exception& e) {
    std::cerr << "history_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

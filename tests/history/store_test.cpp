// Tests for the history store: the chunk codec, percentiles, and the SQLite store (duplicates, filters,
// compaction into buckets, retention, events, settings, and the open errors).
#include "history/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <numeric>
#include <random>

#include "history/chunk.h"

namespace aiops::history {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "aiops-history-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::vector<Sample> roundTrip(const std::vector<Sample>& samples, std::int64_t start) {
  std::vector<std::uint8_t> data;
  chunk::encode(samples, start, data);
  std::vector<Sample> out;
  chunk::decode(data, start, out, static_cast<std::int64_t>(samples.size()));
  return out;
}

SeriesKey cpuOf(const std::string& ns, const std::string& workload, const std::string& pod) {
  return SeriesKey{"container", ns, workload, pod, "app", kCpu};
}

Point point(const SeriesKey& key, std::int64_t time, std::int64_t value) {
  return Point{key, Sample{time, value}};
}

// The samples of the one series a query returned (a failure, not a crash, when it returned another number).
std::vector<Sample> onlySeries(const std::vector<Series>& series) {
  if (series.size() != 1) {
    ADD_FAILURE() << "expected one series, got " << series.size();
    return {};
  }
  return series[0].samples;
}

// Runs one SQL statement on a file outside the store.
void rawSql(const fs::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

template <typename F>
std::string errorOf(F&& f) {
  try {
    f();
  } catch (const StoreError& e) {
    return e.what();
  }
  return "(no StoreError)";
}

// ---- chunk codec ----

TEST(ChunkCodec, RegularSamplesTakeOneBytePerSample) {
  std::vector<Sample> samples;
  for (int i = 0; i < 720; ++i)
    samples.push_back(Sample{21600 + 30 * i, 250 + (i % 7) - 3});
  std::vector<std::uint8_t> data;
  chunk::encode(samples, 21600, data);
  // First sample: at the start (step 0), value 247 (zigzag 494, shifted: two bytes). Second: the step becomes
  // 30 (long form: one byte each for the time and the value). The rest: a steady step and value deltas of +1
  // or -6: one byte each.
  EXPECT_EQ(data.size(), 2u + 2u + 718u);
  EXPECT_EQ(roundTrip(samples, 21600), samples);
}

TEST(ChunkCodec, NegativeDeltasAndIrregularTimes) {
  const std::vector<Sample> samples = {{100, 5},  {130, -7}, {160, -7000000}, {161, 42},
                                       {500, 42}, {501, -1}, {10000, 0},      {10030, 123456789}};
  EXPECT_EQ(roundTrip(samples, 0), samples);
  EXPECT_EQ(roundTrip(samples, 100), samples);
}

TEST(ChunkCodec, ExtremeValuesAndTimesRoundTrip) {
  const auto lo = std::numeric_limits<std::int64_t>::min();
  const auto hi = std::numeric_limits<std::int64_t>::max();
  const std::vector<Sample> samples = {{lo, hi}, {lo + 1, lo}, {0, hi}, {1, lo}, {hi - 1, 0}, {hi, -1}};
  EXPECT_EQ(roundTrip(samples, 0), samples);
  EXPECT_EQ(roundTrip(samples, hi), samples);
  EXPECT_EQ(roundTrip(samples, lo), samples);
}

TEST(ChunkCodec, EmptyChunk) {
  EXPECT_EQ(roundTrip({}, 21600), std::vector<Sample>{});
}

TEST(ChunkCodec, TruncatedDataAndWrongCountAreCorrupt) {
  const std::vector<Sample> samples = {{0, 1000000}, {30, 2000000}};
  std::vector<std::uint8_t> data;
  chunk::encode(samples, 0, data);
  std::vector<Sample> out;
  const std::vector<std::uint8_t> cut(data.begin(), data.end() - 1);
  EXPECT_THROW(chunk::decode(cut, 0, out), chunk::CorruptChunk);
  out.clear();
  EXPECT_THROW(chunk::decode(data, 0, out, 3), chunk::CorruptChunk);
}

TEST(ChunkCodec, MergeNewKeepsStoredSamplesAndFirstOfRepeats) {
  std::vector<Sample> into = {{30, 1}, {90, 3}, {150, 5}};
  std::vector<Sample> incoming = {{120, 4}, {60, 2}, {90, 99}, {60, 77}, {180, 6}, {0, 0}};
  EXPECT_EQ(chunk::mergeNew(into, incoming), 4u);
  const std::vector<Sample> expected = {{0, 0}, {30, 1}, {60, 2}, {90, 3}, {120, 4}, {150, 5}, {180, 6}};
  EXPECT_EQ(into, expected);
  // Encoding the merged, formerly out-of-order samples round-trips.
  EXPECT_EQ(roundTrip(into, 0), expected);
}

TEST(ChunkCodec, MergeMaxKeepsTheLargerValue) {
  std::vector<Sample> into = {{0, 10}, {300, 20}};
  std::vector<Sample> incoming = {{300, 15}, {0, 11}, {600, 5}, {600, 8}};
  bool changed = false;
  EXPECT_EQ(chunk::mergeMax(into, incoming, changed), 1u);
  EXPECT_TRUE(changed);
  EXPECT_EQ(into, (std::vector<Sample>{{0, 11}, {300, 20}, {600, 8}}));
  std::vector<Sample> same = {{300, 20}, {0, 1}};
  changed = false;
  EXPECT_EQ(chunk::mergeMax(into, same, changed), 0u);
  EXPECT_FALSE(changed);
}

TEST(ChunkCodec, BucketMaxAndFloor) {
  const std::vector<Sample> samples = {{0, 3}, {30, 9}, {299, 1}, {300, 2}, {900, 7}};
  EXPECT_EQ(chunk::bucketMax(samples, 300), (std::vector<Sample>{{0, 9}, {300, 2}, {900, 7}}));
  EXPECT_EQ(chunk::floorTo(-1, 300), -300);
  EXPECT_EQ(chunk::floorTo(599, 300), 300);
  EXPECT_EQ(chunk::spanOf(0), 7200);
  EXPECT_EQ(chunk::spanOf(300), 86400);
}

// ---- percentiles ----

TEST(DistributionOf, OneToHundred) {
  std::vector<std::int64_t> values(100);
  std::iota(values.begin(), values.end(), 1);
  std::shuffle(values.begin(), values.end(), std::mt19937(7));
  const Distribution d = distributionOf(values);
  EXPECT_EQ(d.count, 100);
  EXPECT_EQ(d.p50, 50);
  EXPECT_EQ(d.p95, 95);
  EXPECT_EQ(d.p99, 99);
  EXPECT_EQ(d.max, 100);
  EXPECT_DOUBLE_EQ(d.mean, 50.5);
}

TEST(DistributionOf, OneToTwenty) {
  std::vector<std::int64_t> values;
  for (int v = 20; v >= 1; --v)
    values.push_back(v);
  const Distribution d = distributionOf(values);
  EXPECT_EQ(d.count, 20);
  EXPECT_EQ(d.p50, 10);
  EXPECT_EQ(d.p95, 19);  // rank ceil(0.95 * 20) = 19
  EXPECT_EQ(d.p99, 20);  // rank ceil(19.8) = 20
  EXPECT_EQ(d.max, 20);
  EXPECT_DOUBLE_EQ(d.mean, 10.5);
}

TEST(DistributionOf, SingleValueAndEmpty) {
  std::vector<std::int64_t> one = {-42};
  EXPECT_EQ(distributionOf(one), (Distribution{1, -42, -42, -42, -42, -42.0, 0, 0}));
  std::vector<std::int64_t> none;
  EXPECT_EQ(distributionOf(none), Distribution{});
  EXPECT_EQ(distributionOf(std::vector<Sample>{}), Distribution{});
}

TEST(DistributionOf, RepeatedValuesAndSampleTimes) {
  const std::vector<Sample> samples = {{300, 5}, {100, 1}, {200, 5}, {400, 5}, {500, 100}};
  const Distribution d = distributionOf(samples);
  EXPECT_EQ(d, (Distribution{5, 5, 100, 100, 100, 23.2, 100, 500}));
}

// ---- store ----

class StoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> open(bool readOnly = false) {
    StoreOptions o;
    o.path = path;
    o.readOnly = readOnly;
    o.retention = retention;
    return Store::open(o);
  }

  TempDir dir;
  fs::path path = dir.path() / "state" / "history.db";
  Retention retention;
};

TEST_F(StoreTest, DuplicatesIgnoredAcrossAppendsAndReopen) {
  const SeriesKey k = cpuOf("shop", "Deployment/api", "api-1");
  {
    auto store = open();
    const std::vector<Point> first = {point(k, 1000, 1), point(k, 1030, 2), point(k, 1030, 9)};
    EXPECT_EQ(store->append(first), 2u);
    const std::vector<Point> second = {point(k, 1030, 5), point(k, 1060, 3)};
    EXPECT_EQ(store->append(second), 1u);
  }
  auto store = open();
  const std::vector<Point> again = {point(k, 1000, 7), point(k, 1060, 7), point(k, 990, 0)};
  EXPECT_EQ(store->append(again), 1u);  // only the out-of-order 990 is new
  const auto series = store->query({}, 0, 2000);
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].key, k);
  EXPECT_EQ(series[0].samples, (std::vector<Sample>{{990, 0}, {1000, 1}, {1030, 2}, {1060, 3}}));
  EXPECT_EQ(store->stats().samples, 4);
  EXPECT_EQ(store->stats().series, 1);
}

TEST_F(StoreTest, SamplesAcrossChunkBoundariesAndWindowEdges) {
  auto store = open();
  const SeriesKey k = cpuOf("shop", "Deployment/api", "api-1");
  std::vector<Point> points;
  // 30 h of 30 s samples in reverse order: fifteen 2 h chunks, written out of order.
  for (int i = 3600 - 1; i >= 0; --i)
    points.push_back(point(k, 21600 * 4 + 30 * i, i));
  EXPECT_EQ(store->append(points), 3600u);
  const auto all = store->query({}, 0, 1'000'000);
  ASSERT_EQ(all.size(), 1u);
  ASSERT_EQ(all[0].samples.size(), 3600u);
  for (int i = 0; i < 3600; ++i)
    ASSERT_EQ(all[0].samples[static_cast<std::size_t>(i)], (Sample{21600 * 4 + 30 * i, i}));
  // [from, to): from included, to excluded, across a chunk edge.
  EXPECT_EQ(onlySeries(store->query({}, 21600 * 5 - 60, 21600 * 5 + 60)),
            (std::vector<Sample>{
                {21600 * 5 - 60, 718}, {21600 * 5 - 30, 719}, {21600 * 5, 720}, {21600 * 5 + 30, 721}}));
  EXPECT_TRUE(onlySeries(store->query({}, 0, 21600 * 4)).empty());
  EXPECT_EQ(store->coverage({}).first, 21600 * 4);
  EXPECT_EQ(store->coverage({}).last, 21600 * 4 + 30 * 3599);
  EXPECT_EQ(store->coverage({}).samples, 3600);
}

TEST_F(StoreTest, FiltersMatchEmptyFieldsAsAny) {
  auto store = open();
  const SeriesKey a1 = cpuOf("shop", "Deployment/api", "api-1");
  const SeriesKey a2 = cpuOf("shop", "Deployment/api", "api-2");
  SeriesKey a1mem = a1;
  a1mem.metric = kMemory;
  const SeriesKey db = cpuOf("data", "StatefulSet/db", "db-0");
  const SeriesKey node{"node", "", "", "node-1", "", kCpu};
  const std::vector<Point> points = {point(a1, 100, 10),         point(a1, 130, 30),  point(a2, 100, 20),
                                     point(a1mem, 100, 1 << 20), point(db, 100, 500), point(node, 100, 1500)};
  EXPECT_EQ(store->append(points), 6u);

  EXPECT_EQ(store->series({}), (std::vector<SeriesKey>{db, a1, a1mem, a2, node}));
  SeriesFilter api;
  api.workload = "Deployment/api";
  api.metric = kCpu;
  EXPECT_EQ(store->series(api), (std::vector<SeriesKey>{a1, a2}));
  SeriesFilter nodes;
  nodes.scope = "node";
  EXPECT_EQ(store->series(nodes), (std::vector<SeriesKey>{node}));
  SeriesFilter none;
  none.namespace_ = "nowhere";
  EXPECT_TRUE(store->series(none).empty());
  EXPECT_TRUE(store->query(none, 0, 1000).empty());
  EXPECT_EQ(store->coverage(none).samples, 0);
  EXPECT_EQ(store->coverage(none).first, 0);

  const auto summaries = store->summarize(api, 0, 1000);
  ASSERT_EQ(summaries.size(), 2u);
  EXPECT_EQ(summaries[0].key, a1);
  EXPECT_EQ(summaries[0].distribution, (Distribution{2, 10, 30, 30, 30, 20.0, 100, 130}));
  EXPECT_EQ(summaries[1].distribution, (Distribution{1, 20, 20, 20, 20, 20.0, 100, 100}));
  // Series without samples in the window are left out of summarize, kept (empty) in query.
  EXPECT_EQ(store->summarize(api, 120, 1000).size(), 1u);
  EXPECT_EQ(store->query(api, 120, 1000).size(), 2u);

  EXPECT_EQ(store->pooled(api, 0, 1000), (Distribution{3, 20, 30, 30, 30, 20.0, 100, 130}));
  EXPECT_EQ(store->pooled(none, 0, 1000), Distribution{});
  const Coverage c = store->coverage(api);
  EXPECT_EQ(c.first, 100);
  EXPECT_EQ(c.last, 130);
  EXPECT_EQ(c.samples, 3);
}

TEST_F(StoreTest, CompactFoldsOldRawSamplesIntoBucketMaxima) {
  retention = Retention{3600, 300, 2 * 86400};
  auto store = open();
  const std::int64_t t0 = 21600LL * 80000;  // a chunk edge
  const SeriesKey k = cpuOf("shop", "Deployment/api", "api-1");
  std::vector<Point> points;
  for (int i = 0; i < 360; ++i)
    points.push_back(point(k, t0 + 30 * i, i));  // 3 h, value = index
  ASSERT_EQ(store->append(points), 360u);

  const std::int64_t now = t0 + 3 * 3600 + 100;  // raw before floor(now - 1 h, 300 s) = t0 + 7200 is folded
  store->compact(now);
  std::vector<Sample> expected;
  for (int b = 0; b < 24; ++b)
    expected.push_back(Sample{t0 + 300 * b, 10 * b + 9});  // each bucket's max
  for (int i = 240; i < 360; ++i)
    expected.push_back(Sample{t0 + 30 * i, i});
  auto series = store->query({}, t0, t0 + 3 * 3600);
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].samples, expected);
  EXPECT_EQ(store->stats().samples, 144);
  EXPECT_EQ(store->coverage({}).samples, 144);
  EXPECT_EQ(store->coverage({}).first, t0);
  EXPECT_EQ(store->coverage({}).last, t0 + 30 * 359);
  // Buckets (24 maxima: 9, 19, ..., 239) and raw 240..359, counted once each: 144 samples.
  EXPECT_EQ(store->pooled({}, t0, t0 + 3 * 3600),
            (Distribution{144, 287, 352, 358, 359, 270.25, t0, t0 + 30 * 359}));
  // A window starting inside a bucket leaves the bucket (its sample is at its start) out.
  EXPECT_EQ(onlySeries(store->query({}, t0 + 7000, t0 + 7260)),
            (std::vector<Sample>{{t0 + 7200, 240}, {t0 + 7230, 241}}));
  EXPECT_EQ(onlySeries(store->query({}, t0 + 6900, t0 + 7230)),
            (std::vector<Sample>{{t0 + 6900, 239}, {t0 + 7200, 240}}));

  // Idempotent: a second run (and a run with an earlier clock) changes nothing.
  const StoreStats before = store->stats();
  store->compact(now);
  store->compact(now - 600);
  EXPECT_EQ(onlySeries(store->query({}, t0, t0 + 3 * 3600)), expected);
  EXPECT_EQ(store->stats().samples, before.samples);

  // A late sample older than the fold boundary goes into its bucket: the same value or a smaller one is no
  // news, a larger one raises the bucket's max; neither is a new sample.
  const std::vector<Point> late = {point(k, t0 + 30, 1), point(k, t0 + 60, 500)};
  EXPECT_EQ(store->append(late), 0u);
  expected[0].value = 500;
  EXPECT_EQ(onlySeries(store->query({}, t0, t0 + 3 * 3600)), expected);
  // Into a bucket with no data yet: a new sample at the bucket's start.
  const std::vector<Point> older = {point(k, t0 - 250, 77)};
  EXPECT_EQ(store->append(older), 1u);
  EXPECT_EQ(onlySeries(store->query({}, t0 - 300, t0)), (std::vector<Sample>{{t0 - 300, 77}}));
}

TEST_F(StoreTest, RetentionDropsExpiredBucketsEventsAndEmptySeries) {
  retention = Retention{3600, 300, 2 * 86400};
  auto store = open();
  const std::int64_t t0 = 21600LL * 80000;
  const SeriesKey k = cpuOf("shop", "Deployment/api", "api-1");
  const SeriesKey gone = cpuOf("shop", "Deployment/api", "api-old");
  std::vector<Point> points = {point(gone, t0, 5)};
  for (int i = 0; i < 360; ++i)
    points.push_back(point(k, t0 + 30 * i, i));
  ASSERT_EQ(store->append(points), 361u);
  const std::vector<ContainerEvent> events = {
      {"shop", "Deployment/api", "api-1", "app", t0 + 500, "OOMKilled", 137, 1 << 28},
      {"shop", "Deployment/api", "api-1", "app", t0 + 5000, "Error", 1, 0}};
  ASSERT_EQ(store->record(events), 2u);

  store->compact(t0 + 3 * 3600 + 100);
  const std::int64_t later = t0 + 2 * 86400 + 1000;  // buckets before t0 + 1000 expire, all raw is folded
  store->compact(later);
  std::vector<Sample> expected;
  for (int b = 4; b < 36; ++b)
    expected.push_back(Sample{t0 + 300 * b, 10 * b + 9});
  EXPECT_EQ(store->series({}), std::vector<SeriesKey>{k});
  const auto series = store->query({}, 0, later);
  ASSERT_EQ(series.size(), 1u);
  EXPECT_EQ(series[0].samples, expected);
  EXPECT_EQ(store->stats().samples, 32);
  EXPECT_EQ(store->events({}, 0, later), std::vector<ContainerEvent>{events[1]});
  store->compact(later);
  EXPECT_EQ(onlySeries(store->query({}, 0, later)), expected);
  EXPECT_EQ(store->events({}, 0, later).size(), 1u);
}

TEST_F(StoreTest, ASeriesDeletedByAnotherConnectionIsRecreated) {
  retention = Retention{3600, 300, 86400};
  const SeriesKey k = cpuOf("shop", "Deployment/api", "api-1");
  auto collector = open();
  ASSERT_EQ(collector->append(std::vector<Point>{point(k, 1000, 1)}), 1u);
  open()->compact(1000 + 2 * 86400);  // another process: everything expired, the series deleted
  EXPECT_TRUE(collector->series({}).empty());
  ASSERT_EQ(collector->append(std::vector<Point>{point(k, 1000 + 2 * 86400, 2)}), 1u);
  EXPECT_EQ(collector->series({}), std::vector<SeriesKey>{k});
  EXPECT_EQ(onlySeries(collector->query({}, 0, 1000 + 3 * 86400)),
            (std::vector<Sample>{{1000 + 2 * 86400, 2}}));
  EXPECT_EQ(collector->stats().samples, 1);
}

TEST_F(StoreTest, EventsAreUniqueAndFiltered) {
  auto store = open();
  const ContainerEvent oom{"shop", "Deployment/api", "api-1", "app", 1000, "OOMKilled", 137, 268435456};
  const ContainerEvent crash{"shop", "Deployment/api", "api-2", "app", 900, "Error", 1, 0};
  const ContainerEvent other{"data", "StatefulSet/db", "db-0", "db", 1100, "Completed", 0, 0};
  EXPECT_EQ(store->record(std::vector<ContainerEvent>{oom, crash, oom}), 2u);
  ContainerEvent sameKey = oom;
  sameKey.reason = "Error";  // same (namespace, pod, container, time): already recorded
  EXPECT_EQ(store->record(std::vector<ContainerEvent>{sameKey, other}), 1u);
  EXPECT_EQ(store->events({}, 0, 2000), (std::vector<ContainerEvent>{crash, oom, other}));
  SeriesFilter api;
  api.workload = "Deployment/api";
  EXPECT_EQ(store->events(api, 0, 2000), (std::vector<ContainerEvent>{crash, oom}));
  api.pod = "api-1";
  EXPECT_EQ(store->events(api, 0, 2000), std::vector<ContainerEvent>{oom});
  EXPECT_EQ(store->events({}, 900, 1000), std::vector<ContainerEvent>{crash});
}

TEST_F(StoreTest, Settings) {
  auto store = open();
  EXPECT_EQ(store->setting("collector.lastRound"), std::nullopt);
  store->setSetting("collector.lastRound", "1700000000");
  store->setSetting("collector.lastRound", "1700000030");
  EXPECT_EQ(store->setting("collector.lastRound"), "1700000030");
  store.reset();
  EXPECT_EQ(open(/*readOnly=*/true)->setting("collector.lastRound"), "1700000030");
}

TEST_F(StoreTest, ReadOnlyMissingFileIsNotCreated) {
  EXPECT_EQ(errorOf([&] { open(/*readOnly=*/true); }),
            "no metrics history at " + path.string() + "; run `kubectl aiops collect` first");
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path.parent_path()));
}

TEST_F(StoreTest, ReadOnlyReadsWhileAWriterAppendsAndNeverWrites) {
  const SeriesKey k = cpuOf("shop", "Deployment/api", "api-1");
  auto writer = open();
  writer->append(std::vector<Point>{point(k, 100, 1)});
  auto reader = open(/*readOnly=*/true);
  EXPECT_EQ(reader->coverage({}).samples, 1);
  writer->append(std::vector<Point>{point(k, 130, 2)});
  EXPECT_EQ(onlySeries(reader->query({}, 0, 1000)), (std::vector<Sample>{{100, 1}, {130, 2}}));
  const std::string readOnly = "history store " + path.string() + " is open read-only";
  EXPECT_EQ(errorOf([&] { reader->append(std::vector<Point>{point(k, 160, 3)}); }), readOnly);
  EXPECT_EQ(errorOf([&] { reader->setSetting("a", "b"); }), readOnly);
  EXPECT_EQ(errorOf([&] { reader->compact(1000); }), readOnly);
  EXPECT_EQ(writer->stats().samples, 2);
}

TEST_F(StoreTest, ReadOnlyOpenLeavesTheFileAsItWas) {
  {
    auto store = open();
    store->append(std::vector<Point>{point(cpuOf("shop", "Pod/p", "p"), 100, 1)});
    store->setSetting("collector.lastRound", "100");
  }
  const auto read = [](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string before = read(path);
  const auto modified = fs::last_write_time(path);
  {
    auto store = open(/*readOnly=*/true);
    EXPECT_EQ(onlySeries(store->query({}, 0, 1000)), (std::vector<Sample>{{100, 1}}));
    EXPECT_EQ(store->stats().samples, 1);
  }
  EXPECT_EQ(read(path), before);
  EXPECT_EQ(fs::last_write_time(path), modified);
  EXPECT_FALSE(fs::exists(path.string() + "-wal") && fs::file_size(path.string() + "-wal") > 0);
}

TEST_F(StoreTest, NonStoreFilesAreRefused) {
  fs::create_directories(path.parent_path());
  { std::ofstream(path) << "this is a text file, not a database, and long enough to fill a header......\n"; }
  const std::string notStore = path.string() + " is not a kubectl-aiops history store";
  EXPECT_EQ(errorOf([&] { open(); }), notStore);
  EXPECT_EQ(errorOf([&] { open(/*readOnly=*/true); }), notStore);
  fs::remove(path);
  rawSql(path, "CREATE TABLE notes(text TEXT)");
  EXPECT_EQ(errorOf([&] { open(); }), notStore);
  EXPECT_EQ(errorOf([&] { open(/*readOnly=*/true); }), notStore);
}

TEST_F(StoreTest, SchemaVersionMismatch) {
  open().reset();
  rawSql(path, "PRAGMA user_version = 7");
  EXPECT_EQ(errorOf([&] { open(); }),
            "history store " + path.string() + " has schema version 7; this build reads 1");
}

TEST_F(StoreTest, AnEmptyFileBecomesAStore) {
  fs::create_directories(path.parent_path());
  std::ofstream{path};
  EXPECT_EQ(errorOf([&] { open(/*readOnly=*/true); }),
            path.string() + " is not a kubectl-aiops history store");
  auto store = open();
  EXPECT_EQ(store->append(std::vector<Point>{point(cpuOf("a", "Pod/p", "p"), 10, 1)}), 1u);
}

TEST_F(StoreTest, OutOfRangeTimesAreRefused) {
  auto store = open();
  EXPECT_EQ(errorOf([&] { store->append(std::vector<Point>{point(cpuOf("a", "Pod/p", "p"), -5, 1)}); }),
            "history store " + path.string() + ": sample time -5 of cpu is out of range");
  EXPECT_EQ(store->stats().series, 0);
}

TEST_F(StoreTest, StatsCountBytesOnDisk) {
  auto store = open();
  const SeriesKey k = cpuOf("shop", "Deployment/api", "api-1");
  std::vector<Point> points;
  for (int i = 0; i < 2880; ++i)
    points.push_back(point(k, 86400 + 30 * i, 200 + i % 5));
  store->append(points);
  const StoreStats st = store->stats();
  EXPECT_EQ(st.series, 1);
  EXPECT_EQ(st.samples, 2880);
  std::error_code ec;
  const auto wal = fs::file_size(path.string() + "-wal", ec);
  EXPECT_EQ(st.bytes, static_cast<std::int64_t>(fs::file_size(path) + (ec ? 0 : wal)));
  EXPECT_DOUBLE_EQ(st.bytesPerSample, static_cast<double>(st.bytes) / 2880.0);
}

TEST(DefaultStorePath, EnvironmentOrder) {
  const auto saved = [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
  const auto history = saved("AIOPS_HISTORY"), state = saved("XDG_STATE_HOME"), home = saved("HOME");
  ::setenv("AIOPS_HISTORY", "/data/h.db", 1);
  ::setenv("XDG_STATE_HOME", "/state", 1);
  ::setenv("HOME", "/home/u", 1);
  EXPECT_EQ(defaultStorePath(), fs::path("/data/h.db"));
  ::unsetenv("AIOPS_HISTORY");
  EXPECT_EQ(defaultStorePath(), fs::path("/state/kubectl-aiops/history.db"));
  ::setenv("XDG_STATE_HOME", "relative/state", 1);  // ignored, as the XDG spec says
  EXPECT_EQ(defaultStorePath(), fs::path("/home/u/.local/state/kubectl-aiops/history.db"));
  ::setenv("XDG_STATE_HOME", "", 1);
  EXPECT_EQ(defaultStorePath(), fs::path("/home/u/.local/state/kubectl-aiops/history.db"));
  const auto restore = [](const char* name, const std::optional<std::string>& v) {
    if (v)
      ::setenv(name, v->c_str(), 1);
    else
      ::unsetenv(name);
  };
  restore("AIOPS_HISTORY", history);
  restore("XDG_STATE_HOME", state);
  restore("HOME", home);
}

}  // namespace
}  // namespace aiops::history

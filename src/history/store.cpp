// The metrics history store on SQLite: series, chunked samples, downsampling, events and settings in one
// file.
//
// Why chunks, not a row per sample: a row costs ~30 bytes of B-tree and index per sample, a chunk ~1-2 bytes
// (docs/metrics-history.md), and a week's percentile query reads 84 rows per series. The price is a
// read-modify-write of a chunk per append, which a batch pays once per chunk.
// Why one global fold boundary (meta "foldedBefore"): compaction moves every series' raw samples before the
// same bucket-aligned time into buckets, so raw and aggregated data never overlap; a late sample older than
// the boundary goes straight into its bucket. A read therefore never counts a time span twice.
// Concurrency: WAL lets a collector write while recommend/report read; each append is one IMMEDIATE
// transaction and each read one snapshot. A Store object itself is not thread-safe (one connection).
#include "history/store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "history/chunk.h"

namespace aiops::history {

namespace {

namespace fs = std::filesystem;

constexpr int kSchemaVersion = 1;
constexpr int kApplicationId = 0x4149'4f50;  // "AIOP": marks the file as a kubectl-aiops history store
constexpr int kBusyTimeoutMs = 10'000;
// Sample times must lie in [0, kMaxTime] (year 5138): keeps chunk arithmetic far from int64 overflow.
constexpr std::int64_t kMaxTime = 100'000'000'000;

constexpr std::string_view kSchema = R"sql(
CREATE TABLE meta(name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE series(
  id INTEGER PRIMARY KEY,
  scope TEXT NOT NULL, namespace TEXT NOT NULL, workload TEXT NOT NULL,
  pod TEXT NOT NULL, container TEXT NOT NULL, metric TEXT NOT NULL,
  UNIQUE(scope, namespace, workload, pod, container, metric));
CREATE TABLE chunks(
  series_id INTEGER NOT NULL, resolution INTEGER NOT NULL, start INTEGER NOT NULL,
  count INTEGER NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL, data BLOB NOT NULL,
  PRIMARY KEY(series_id, resolution, start)) WITHOUT ROWID;
CREATE TABLE events(
  namespace TEXT NOT NULL, pod TEXT NOT NULL, container TEXT NOT NULL, time INTEGER NOT NULL,
  workload TEXT NOT NULL, reason TEXT NOT NULL, exit_code INTEGER NOT NULL, memory_limit INTEGER NOT NULL,
  PRIMARY KEY(namespace, pod, container, time)) WITHOUT ROWID;
CREATE TABLE settings(name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
)sql";

// The filter as SQL over the series table: parameters ?1..?6 are its fields, '' matching anything.
constexpr std::string_view kSeriesWhere =
    " WHERE (?1 = '' OR scope = ?1) AND (?2 = '' OR namespace = ?2) AND (?3 = '' OR workload = ?3)"
    " AND (?4 = '' OR pod = ?4) AND (?5 = '' OR container = ?5) AND (?6 = '' OR metric = ?6)";

std::int64_t saturatingSub(std::int64_t a, std::int64_t b) {
  if (b > 0 && a < std::numeric_limits<std::int64_t>::min() + b)
    return std::numeric_limits<std::int64_t>::min();
  return a - b;
}

// One prepared statement, reset after every use.
class Statement {
 public:
  Statement() = default;
  Statement(sqlite3* db, std::string_view sql, const std::string& path) {
    if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt_,
                           nullptr) != SQLITE_OK)
      throw StoreError("history store " + path + ": " + sqlite3_errmsg(db));
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}
  Statement& operator=(Statement&& other) noexcept {
    std::swap(stmt_, other.stmt_);
    return *this;
  }
  ~Statement() { sqlite3_finalize(stmt_); }

  sqlite3_stmt* get() const { return stmt_; }
  void bind(int i, std::int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  void bind(int i, const std::vector<std::uint8_t>& v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  void bindFilter(const SeriesFilter& f) {
    bind(1, f.scope);
    bind(2, f.namespace_);
    bind(3, f.workload);
    bind(4, f.pod);
    bind(5, f.container);
    bind(6, f.metric);
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string text(int col) const {
    const auto* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  std::span<const std::uint8_t> blob(int col) const {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, col));
    return {p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col))};
  }
  bool isNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement (and clears its bindings) when a use ends, also by exception.
class Use {
 public:
  explicit Use(Statement& s) : s_(s) {}
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  ~Use() {
    sqlite3_reset(s_.get());
    sqlite3_clear_bindings(s_.get());
  }

 private:
  Statement& s_;
};

SeriesKey keyFrom(const Statement& s, int col) {
  return SeriesKey{s.text(col),     s.text(col + 1), s.text(col + 2),
                   s.text(col + 3), s.text(col + 4), s.text(col + 5)};
}

std::string cacheKey(const SeriesKey& k) {
  std::string out;
  out.reserve(k.scope.size() + k.namespace_.size() + k.workload.size() + k.pod.size() + k.container.size() +
              k.metric.size() + 5);
  for (const std::string* part : {&k.scope, &k.namespace_, &k.workload, &k.pod, &k.container, &k.metric}) {
    out += *part;
    out += '\0';
  }
  return out;
}

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(const StoreOptions& options) : options_(options), path_(options.path.string()) {
    try {
      openDatabase();
      prepare();
    } catch (...) {
      statements_.clear();
      sqlite3_close(db_);
      throw;
    }
  }
  ~SqliteStore() override {
    statements_.clear();
    sqlite3_close(db_);
  }
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  std::size_t append(std::span<const Point> points) override;
  std::size_t record(std::span<const ContainerEvent> events) override;
  std::vector<Series> query(const SeriesFilter& filter, std::int64_t from, std::int64_t to) const override;
  std::vector<Summary> summarize(const SeriesFilter& filter, std::int64_t from,
                                 std::int64_t to) const override;
  Distribution pooled(const SeriesFilter& filter, std::int64_t from, std::int64_t to) const override;
  std::vector<ContainerEvent> events(const SeriesFilter& filter, std::int64_t from,
                                     std::int64_t to) const override;
  Coverage coverage(const SeriesFilter& filter) const override;
  std::vector<SeriesKey> series(const SeriesFilter& filter) const override;
  void compact(std::int64_t now) override;
  StoreStats stats() const override;
  std::optional<std::string> setting(const std::string& name) const override;
  void setSetting(const std::string& name, const std::string& value) override;

 private:
  // Statement slots, prepared once per connection.
  enum Slot : std::size_t {
    kBegin,
    kBeginRead,
    kCommit,
    kMetaGet,
    kMetaSet,
    kSeriesFind,
    kSeriesInsert,
    kSeriesList,
    kChunkGet,
    kChunkPut,
    kChunkDelete,
    kChunkRange,
    kRawBefore,
    kAggregateBefore,
    kSeriesPrune,
    kEventInsert,
    kEventList,
    kEventPrune,
    kCoverage,
    kCountSeries,
    kCountSamples,
    kSettingGet,
    kSettingPut,
    kSlots
  };

  // One transaction: commits on commit(), rolls back when left by an exception.
  class Transaction {
   public:
    Transaction(const SqliteStore& store, bool write) : store_(store) {
      store_.run(write ? kBegin : kBeginRead, write ? "cannot write" : "cannot read");
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit() {
      store_.run(kCommit, "cannot write");
      done_ = true;
    }
    ~Transaction() {
      if (!done_) {
        sqlite3_exec(store_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
        store_.seriesIds_.clear();  // ids inserted by this transaction are gone
      }
    }

   private:
    const SqliteStore& store_;
    bool done_ = false;
  };

  [[noreturn]] void fail(const std::string& what) const {
    throw StoreError("history store " + path_ + ": " + what + ": " + sqlite3_errmsg(db_));
  }
  void exec(const char* sql, const std::string& what) const {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(what);
  }
  Statement& stmt(Slot slot) const { return statements_[slot]; }
  // The one-value result of an ad-hoc statement (a PRAGMA); returns the SQLite result code.
  int queryInteger(const char* sql, std::int64_t& out) const {
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql, -1, &s, nullptr);
    if (rc == SQLITE_OK) {
      rc = sqlite3_step(s);
      if (rc == SQLITE_ROW) out = sqlite3_column_int64(s, 0);
      rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(s);
    return rc;
  }
  // Runs a statement that returns no rows.
  void run(Slot slot, const char* what) const {
    Statement& s = stmt(slot);
    Use use(s);
    if (sqlite3_step(s.get()) != SQLITE_DONE) fail(what);
  }
  // Steps a statement: true for a row, false when done.
  bool step(Statement& s, const char* what) const {
    const int rc = sqlite3_step(s.get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(what);
  }
  void requireWritable() const {
    if (options_.readOnly) throw StoreError("history store " + path_ + " is open read-only");
  }

  void openDatabase();
  void createSchema();
  void prepare();
  std::optional<std::int64_t> meta(const char* name) const;
  void setMeta(const char* name, std::int64_t value);
  std::int64_t seriesId(const SeriesKey& key);
  std::vector<std::pair<std::int64_t, SeriesKey>> matching(const SeriesFilter& filter) const;
  // The samples of one series in [from, to): raw where raw exists, buckets elsewhere.
  void read(std::int64_t id, std::int64_t from, std::int64_t to, std::vector<Sample>& out) const;
  void readChunks(std::int64_t id, std::int64_t resolution, std::int64_t from, std::int64_t to,
                  std::vector<Sample>& out) const;
  // Reads, merges and writes one chunk. Returns how many samples were new.
  std::size_t mergeChunk(std::int64_t id, std::int64_t resolution, std::int64_t start,
                         std::vector<Sample>& incoming);
  void writeChunk(std::int64_t id, std::int64_t resolution, std::int64_t start,
                  const std::vector<Sample>& samples);
  void decodeRow(const Statement& s, int startCol, int countCol, int dataCol, std::vector<Sample>& out) const;

  StoreOptions options_;
  std::string path_;
  sqlite3* db_ = nullptr;
  std::int64_t step_ = 300;  // the store's aggregate step, fixed when it was created
  mutable std::vector<Statement> statements_;
  mutable std::unordered_map<std::string, std::int64_t> seriesIds_;
  std::int64_t seriesGeneration_ = 0;  // meta "seriesGeneration" when seriesIds_ was last valid
  std::vector<std::uint8_t> buffer_;
};

void SqliteStore::openDatabase() {
  std::error_code ec;
  const bool exists = fs::exists(options_.path, ec);
  if (options_.readOnly && !exists)
    throw StoreError("no metrics history at " + path_ + "; run `kubectl aiops collect` first");
  if (!options_.readOnly && !exists && options_.path.has_parent_path()) {
    fs::create_directories(options_.path.parent_path(), ec);
    if (ec) throw StoreError("cannot open history store " + path_ + ": " + ec.message());
  }
  const int flags = options_.readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (sqlite3_open_v2(path_.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError("cannot open history store " + path_ + ": " + message);
  }
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  // A collector round touches a page per series: 16 MB of cache (SQLite's default is 2 MB) keeps a few
  // thousand series' current chunks in memory between rounds.
  sqlite3_exec(db_, "PRAGMA cache_size=-16384", nullptr, nullptr, nullptr);

  // Reads the header fields; a file that is not SQLite at all fails here.
  std::int64_t applicationId = 0, version = 0, objects = 0;
  int rc = queryInteger("PRAGMA application_id", applicationId);
  if (rc == SQLITE_OK) rc = queryInteger("PRAGMA user_version", version);
  if (rc == SQLITE_OK) rc = queryInteger("SELECT count(*) FROM sqlite_master", objects);
  if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
    throw StoreError(path_ + " is not a kubectl-aiops history store");
  if (rc != SQLITE_OK) throw StoreError("cannot open history store " + path_ + ": " + sqlite3_errmsg(db_));

  const bool empty = applicationId == 0 && version == 0 && objects == 0;
  if (empty && !options_.readOnly) {
    createSchema();
  } else if (applicationId != kApplicationId) {
    throw StoreError(path_ + " is not a kubectl-aiops history store");
  } else if (version != kSchemaVersion) {
    throw StoreError("history store " + path_ + " has schema version " + std::to_string(version) +
                     "; this build reads " + std::to_string(kSchemaVersion));
  }
  if (!options_.readOnly) {
    // NORMAL: in WAL mode a power loss can lose the last transactions, never corrupt the file.
    exec("PRAGMA synchronous=NORMAL", "cannot configure");
    // A large batch grows the WAL; after each checkpoint it is cut back to this size.
    exec("PRAGMA journal_size_limit=4194304", "cannot configure");
  }
}

void SqliteStore::createSchema() {
  // Incremental auto-vacuum (only settable before the first table): compaction can give the pages that
  // retention frees back to the file system. WAL is a property of the file: every later connection uses it.
  exec("PRAGMA auto_vacuum=INCREMENTAL", "cannot create");
  exec("PRAGMA journal_mode=WAL", "cannot create");
  exec("BEGIN IMMEDIATE", "cannot create");
  try {
    // Another process may have created the store while this one waited for the lock.
    std::int64_t objects = 0;
    queryInteger("SELECT count(*) FROM sqlite_master", objects);
    if (objects == 0) {
      exec(std::string(kSchema).c_str(), "cannot create");
      exec(("PRAGMA application_id=" + std::to_string(kApplicationId)).c_str(), "cannot create");
      exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str(), "cannot create");
      const std::string aggregateStep =
          std::to_string(std::max<std::int64_t>(1, options_.retention.aggregateStep));
      exec(("INSERT INTO meta VALUES('aggregateStep', " + aggregateStep + "), ('foldedBefore', 0)").c_str(),
           "cannot create");
    }
    exec("COMMIT", "cannot create");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void SqliteStore::prepare() {
  const std::string seriesColumns = "scope, namespace, workload, pod, container, metric";
  const std::string seriesWhere(kSeriesWhere);
  const std::pair<Slot, std::string> sql[] = {
      {kBegin, "BEGIN IMMEDIATE"},
      {kBeginRead, "BEGIN DEFERRED"},
      {kCommit, "COMMIT"},
      {kMetaGet, "SELECT value FROM meta WHERE name = ?1"},
      {kMetaSet, "INSERT INTO meta VALUES(?1, ?2) ON CONFLICT(name) DO UPDATE SET value = excluded.value"},
      {kSeriesFind,
       "SELECT id FROM series WHERE scope = ?1 AND namespace = ?2 AND workload = ?3 AND pod = ?4 AND "
       "container = ?5 AND metric = ?6"},
      {kSeriesInsert, "INSERT INTO series(" + seriesColumns + ") VALUES(?1, ?2, ?3, ?4, ?5, ?6)"},
      {kSeriesList,
       "SELECT id, " + seriesColumns + " FROM series" + seriesWhere + " ORDER BY " + seriesColumns},
      {kChunkGet,
       "SELECT start, count, data FROM chunks WHERE series_id = ?1 AND resolution = ?2 AND start = ?3"},
      {kChunkPut,
       "INSERT INTO chunks(series_id, resolution, start, count, first, last, data) VALUES(?1, ?2, ?3, ?4, "
       "?5, "
       "?6, ?7) ON CONFLICT(series_id, resolution, start) DO UPDATE SET count = excluded.count, first = "
       "excluded.first, last = excluded.last, data = excluded.data"},
      {kChunkDelete, "DELETE FROM chunks WHERE series_id = ?1 AND resolution = ?2 AND start = ?3"},
      {kChunkRange,
       "SELECT start, count, data FROM chunks WHERE series_id = ?1 AND resolution = ?2 AND start > ?3 AND "
       "start < ?4 ORDER BY start"},
      {kRawBefore, "SELECT series_id, resolution, start FROM chunks WHERE resolution = 0 AND first < ?1"},
      {kAggregateBefore,
       "SELECT series_id, resolution, start FROM chunks WHERE resolution > 0 AND first < ?1"},
      {kSeriesPrune,
       "DELETE FROM series WHERE NOT EXISTS (SELECT 1 FROM chunks WHERE series_id = series.id)"},
      {kEventInsert,
       "INSERT OR IGNORE INTO events(namespace, pod, container, time, workload, reason, exit_code, "
       "memory_limit) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
      {kEventList,
       "SELECT namespace, workload, pod, container, time, reason, exit_code, memory_limit FROM events WHERE "
       "(?1 = '' OR namespace = ?1) AND (?2 = '' OR workload = ?2) AND (?3 = '' OR pod = ?3) AND "
       "(?4 = '' OR container = ?4) AND time >= ?5 AND time < ?6 ORDER BY time, namespace, pod, container"},
      {kEventPrune, "DELETE FROM events WHERE time < ?1"},
      {kCoverage,
       "SELECT min(c.first), max(c.last), coalesce(sum(c.count), 0) FROM chunks c JOIN series ON "
       "c.series_id = series.id" +
           seriesWhere},
      {kCountSeries, "SELECT count(*) FROM series"},
      {kCountSamples, "SELECT coalesce(sum(count), 0) FROM chunks"},
      {kSettingGet, "SELECT value FROM settings WHERE name = ?1"},
      {kSettingPut,
       "INSERT INTO settings VALUES(?1, ?2) ON CONFLICT(name) DO UPDATE SET value = excluded.value"},
  };
  statements_.resize(kSlots);
  for (const auto& [slot, text] : sql)
    statements_[slot] = Statement(db_, text, path_);
  if (const auto stored = meta("aggregateStep"); stored && *stored > 0) step_ = *stored;
}

std::optional<std::int64_t> SqliteStore::meta(const char* name) const {
  Statement& s = stmt(kMetaGet);
  Use use(s);
  const std::string key = name;
  s.bind(1, key);
  if (!step(s, "cannot read")) return std::nullopt;
  return s.integer(0);
}

void SqliteStore::setMeta(const char* name, std::int64_t value) {
  Statement& s = stmt(kMetaSet);
  Use use(s);
  const std::string key = name;
  s.bind(1, key);
  s.bind(2, value);
  if (!step(s, "cannot write")) return;
}

std::int64_t SqliteStore::seriesId(const SeriesKey& key) {
  std::string cached = cacheKey(key);
  if (const auto it = seriesIds_.find(cached); it != seriesIds_.end()) return it->second;
  const auto bindKey = [&key](Statement& s) {
    s.bind(1, key.scope);
    s.bind(2, key.namespace_);
    s.bind(3, key.workload);
    s.bind(4, key.pod);
    s.bind(5, key.container);
    s.bind(6, key.metric);
  };
  std::int64_t id = 0;
  {
    Statement& s = stmt(kSeriesFind);
    Use use(s);
    bindKey(s);
    if (step(s, "cannot read")) id = s.integer(0);
  }
  if (id == 0) {
    Statement& s = stmt(kSeriesInsert);
    Use use(s);
    bindKey(s);
    if (step(s, "cannot write")) fail("cannot write");
    id = sqlite3_last_insert_rowid(db_);
  }
  seriesIds_.emplace(std::move(cached), id);
  return id;
}

void SqliteStore::decodeRow(const Statement& s, int startCol, int countCol, int dataCol,
                            std::vector<Sample>& out) const {
  try {
    chunk::decode(s.blob(dataCol), s.integer(startCol), out, s.integer(countCol));
  } catch (const chunk::CorruptChunk& e) {
    throw StoreError("history store " + path_ + " is damaged: " + e.what());
  }
}

std::size_t SqliteStore::mergeChunk(std::int64_t id, std::int64_t resolution, std::int64_t start,
                                    std::vector<Sample>& incoming) {
  std::vector<Sample> samples;
  {
    Statement& s = stmt(kChunkGet);
    Use use(s);
    s.bind(1, id);
    s.bind(2, resolution);
    s.bind(3, start);
    if (step(s, "cannot read")) decodeRow(s, 0, 1, 2, samples);
  }
  bool changed = false;
  const std::size_t added =
      resolution == 0 ? chunk::mergeNew(samples, incoming) : chunk::mergeMax(samples, incoming, changed);
  if (added > 0 || changed) writeChunk(id, resolution, start, samples);
  return added;
}

void SqliteStore::writeChunk(std::int64_t id, std::int64_t resolution, std::int64_t start,
                             const std::vector<Sample>& samples) {
  if (samples.empty()) {
    Statement& s = stmt(kChunkDelete);
    Use use(s);
    s.bind(1, id);
    s.bind(2, resolution);
    s.bind(3, start);
    if (step(s, "cannot write")) fail("cannot write");
    return;
  }
  buffer_.clear();
  chunk::encode(samples, start, buffer_);
  Statement& s = stmt(kChunkPut);
  Use use(s);
  s.bind(1, id);
  s.bind(2, resolution);
  s.bind(3, start);
  s.bind(4, static_cast<std::int64_t>(samples.size()));
  s.bind(5, samples.front().time);
  s.bind(6, samples.back().time);
  s.bind(7, buffer_);
  if (step(s, "cannot write")) fail("cannot write");
}

std::size_t SqliteStore::append(std::span<const Point> points) {
  requireWritable();
  if (points.empty()) return 0;
  for (const Point& p : points) {
    if (p.sample.time < 0 || p.sample.time > kMaxTime)
      throw StoreError("history store " + path_ + ": sample time " + std::to_string(p.sample.time) + " of " +
                       p.key.metric + " is out of range");
  }
  Transaction tx(*this, /*write=*/true);
  const std::int64_t boundary = meta("foldedBefore").value_or(0);
  // A compaction (perhaps by another process) that deleted series invalidates the cached ids.
  if (const std::int64_t generation = meta("seriesGeneration").value_or(0); generation != seriesGeneration_) {
    seriesIds_.clear();
    seriesGeneration_ = generation;
  }

  // Groups the points by chunk: (series, resolution, chunk start), keeping their order within a group so
  // the first of two equal times wins.
  struct Item {
    std::int64_t series, resolution, start;
    Sample sample;
  };
  std::vector<Item> items;
  items.reserve(points.size());
  const SeriesKey* lastKey = nullptr;
  std::int64_t lastId = 0;
  for (const Point& p : points) {
    if (lastKey == nullptr || !(*lastKey == p.key)) {
      lastId = seriesId(p.key);
      lastKey = &p.key;
    }
    // Older than the fold boundary: straight into its bucket, as compaction would have put it.
    const std::int64_t resolution = p.sample.time < boundary ? step_ : 0;
    const Sample s = resolution ? Sample{chunk::floorTo(p.sample.time, step_), p.sample.value} : p.sample;
    items.push_back(Item{lastId, resolution, chunk::floorTo(s.time, chunk::spanOf(resolution)), s});
  }
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return std::tie(a.series, a.resolution, a.start) < std::tie(b.series, b.resolution, b.start);
  });
  std::size_t added = 0;
  std::vector<Sample> incoming;
  for (std::size_t i = 0; i < items.size();) {
    std::size_t j = i;
    incoming.clear();
    while (j < items.size() && items[j].series == items[i].series &&
           items[j].resolution == items[i].resolution && items[j].start == items[i].start)
      incoming.push_back(items[j++].sample);
    added += mergeChunk(items[i].series, items[i].resolution, items[i].start, incoming);
    i = j;
  }
  tx.commit();
  return added;
}

std::size_t SqliteStore::record(std::span<const ContainerEvent> events) {
  requireWritable();
  if (events.empty()) return 0;
  Transaction tx(*this, /*write=*/true);
  std::size_t added = 0;
  Statement& s = stmt(kEventInsert);
  for (const ContainerEvent& e : events) {
    Use use(s);
    s.bind(1, e.namespace_);
    s.bind(2, e.pod);
    s.bind(3, e.container);
    s.bind(4, e.time);
    s.bind(5, e.workload);
    s.bind(6, e.reason);
    s.bind(7, e.exitCode);
    s.bind(8, e.memoryLimit);
    if (step(s, "cannot write")) fail("cannot write");
    added += static_cast<std::size_t>(sqlite3_changes(db_));
  }
  tx.commit();
  return added;
}

std::vector<std::pair<std::int64_t, SeriesKey>> SqliteStore::matching(const SeriesFilter& filter) const {
  std::vector<std::pair<std::int64_t, SeriesKey>> out;
  Statement& s = stmt(kSeriesList);
  Use use(s);
  s.bindFilter(filter);
  while (step(s, "cannot read"))
    out.emplace_back(s.integer(0), keyFrom(s, 1));
  return out;
}

void SqliteStore::readChunks(std::int64_t id, std::int64_t resolution, std::int64_t from, std::int64_t to,
                             std::vector<Sample>& out) const {
  Statement& s = stmt(kChunkRange);
  Use use(s);
  s.bind(1, id);
  s.bind(2, resolution);
  s.bind(3, saturatingSub(from, chunk::spanOf(resolution)));
  s.bind(4, to);
  const std::size_t before = out.size();
  while (step(s, "cannot read"))
    decodeRow(s, 0, 1, 2, out);
  // Only the first and last chunk can reach outside the window.
  const auto begin = out.begin() + static_cast<std::ptrdiff_t>(before);
  const auto lo =
      std::lower_bound(begin, out.end(), from, [](const Sample& a, std::int64_t t) { return a.time < t; });
  const auto hi =
      std::lower_bound(lo, out.end(), to, [](const Sample& a, std::int64_t t) { return a.time < t; });
  out.erase(hi, out.end());
  out.erase(begin, lo);
}

void SqliteStore::read(std::int64_t id, std::int64_t from, std::int64_t to, std::vector<Sample>& out) const {
  if (from >= to) return;
  std::vector<Sample> buckets;
  readChunks(id, step_, from, to, buckets);
  if (buckets.empty()) {
    readChunks(id, 0, from, to, out);
    return;
  }
  std::vector<Sample> raw;
  readChunks(id, 0, from, to, raw);
  // A bucket counts only where its span holds no raw sample (after compaction they never overlap).
  std::size_t r = 0;
  for (const Sample& b : buckets) {
    while (r < raw.size() && raw[r].time < b.time)
      out.push_back(raw[r++]);
    if (r < raw.size() && raw[r].time < b.time + step_) continue;
    out.push_back(b);
  }
  out.insert(out.end(), raw.begin() + static_cast<std::ptrdiff_t>(r), raw.end());
}

std::vector<Series> SqliteStore::query(const SeriesFilter& filter, std::int64_t from, std::int64_t to) const {
  Transaction tx(*this, /*write=*/false);
  std::vector<Series> out;
  for (auto& [id, key] : matching(filter)) {
    Series s{std::move(key), {}};
    read(id, from, to, s.samples);
    out.push_back(std::move(s));
  }
  tx.commit();
  return out;
}

std::vector<Summary> SqliteStore::summarize(const SeriesFilter& filter, std::int64_t from,
                                            std::int64_t to) const {
  Transaction tx(*this, /*write=*/false);
  std::vector<Summary> out;
  std::vector<Sample> samples;
  for (auto& [id, key] : matching(filter)) {
    samples.clear();
    read(id, from, to, samples);
    if (samples.empty()) continue;
    out.push_back(Summary{std::move(key), distributionOf(samples)});
  }
  tx.commit();
  return out;
}

Distribution SqliteStore::pooled(const SeriesFilter& filter, std::int64_t from, std::int64_t to) const {
  Transaction tx(*this, /*write=*/false);
  std::vector<std::int64_t> values;
  std::vector<Sample> samples;
  std::int64_t first = std::numeric_limits<std::int64_t>::max(),
               last = std::numeric_limits<std::int64_t>::min();
  for (const auto& entry : matching(filter)) {
    samples.clear();
    read(entry.first, from, to, samples);
    if (samples.empty()) continue;
    first = std::min(first, samples.front().time);
    last = std::max(last, samples.back().time);
    for (const Sample& s : samples)
      values.push_back(s.value);
  }
  tx.commit();
  Distribution d = distributionOf(values);
  if (d.count > 0) {
    d.first = first;
    d.last = last;
  }
  return d;
}

std::vector<ContainerEvent> SqliteStore::events(const SeriesFilter& filter, std::int64_t from,
                                                std::int64_t to) const {
  std::vector<ContainerEvent> out;
  Statement& s = stmt(kEventList);
  Use use(s);
  s.bind(1, filter.namespace_);
  s.bind(2, filter.workload);
  s.bind(3, filter.pod);
  s.bind(4, filter.container);
  s.bind(5, from);
  s.bind(6, to);
  while (step(s, "cannot read")) {
    out.push_back(ContainerEvent{s.text(0), s.text(1), s.text(2), s.text(3), s.integer(4), s.text(5),
                                 s.integer(6), s.integer(7)});
  }
  return out;
}

Coverage SqliteStore::coverage(const SeriesFilter& filter) const {
  Statement& s = stmt(kCoverage);
  Use use(s);
  s.bindFilter(filter);
  Coverage c;
  if (step(s, "cannot read") && !s.isNull(0)) c = Coverage{s.integer(0), s.integer(1), s.integer(2)};
  return c;
}

std::vector<SeriesKey> SqliteStore::series(const SeriesFilter& filter) const {
  std::vector<SeriesKey> out;
  for (auto& entry : matching(filter))
    out.push_back(std::move(entry.second));
  return out;
}

void SqliteStore::compact(std::int64_t now) {
  requireWritable();
  Transaction tx(*this, /*write=*/true);
  const std::int64_t previous = meta("foldedBefore").value_or(0);
  const std::int64_t boundary =
      std::max(previous, chunk::floorTo(now - options_.retention.rawSeconds, step_));
  const std::int64_t expiry = now - options_.retention.aggregateSeconds;

  // Raw chunks reaching before the boundary: their older samples become buckets, the rest stays raw. The
  // chunk keys are listed first and each chunk is read on its own, so a large first compaction holds one
  // chunk in memory at a time.
  std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t>> keys;
  const auto list = [&](Slot slot, std::int64_t before) {
    keys.clear();
    Statement& s = stmt(slot);
    Use use(s);
    s.bind(1, before);
    while (step(s, "cannot read"))
      keys.emplace_back(s.integer(0), s.integer(1), s.integer(2));
  };
  const auto load = [&](std::int64_t id, std::int64_t resolution, std::int64_t start,
                        std::vector<Sample>& out) {
    out.clear();
    Statement& s = stmt(kChunkGet);
    Use use(s);
    s.bind(1, id);
    s.bind(2, resolution);
    s.bind(3, start);
    if (step(s, "cannot read")) decodeRow(s, 0, 1, 2, out);
  };
  std::vector<Sample> samples, incoming;
  list(kRawBefore, boundary);
  for (const auto& [id, resolution, start] : keys) {
    load(id, resolution, start, samples);
    const auto split = std::lower_bound(samples.begin(), samples.end(), boundary,
                                        [](const Sample& a, std::int64_t t) { return a.time < t; });
    std::vector<Sample> buckets = chunk::bucketMax(std::span(samples.begin(), split), step_);
    samples.erase(samples.begin(), split);
    writeChunk(id, resolution, start, samples);
    std::erase_if(buckets, [&](const Sample& b) { return b.time < expiry; });
    // The buckets of one raw chunk fall into two aggregated chunks only at a day's edge.
    for (std::size_t i = 0; i < buckets.size();) {
      const std::int64_t bucketChunk = chunk::floorTo(buckets[i].time, chunk::spanOf(step_));
      incoming.clear();
      while (i < buckets.size() && chunk::floorTo(buckets[i].time, chunk::spanOf(step_)) == bucketChunk)
        incoming.push_back(buckets[i++]);
      mergeChunk(id, step_, bucketChunk, incoming);
    }
  }

  // Aggregated chunks reaching before the retention: drop their expired buckets.
  list(kAggregateBefore, expiry);
  for (const auto& [id, resolution, start] : keys) {
    load(id, resolution, start, samples);
    std::erase_if(samples, [&](const Sample& b) { return b.time < expiry; });
    writeChunk(id, resolution, start, samples);
  }
  // Raw samples can be older than the aggregate retention only if rawSeconds > aggregateSeconds: then the
  // raw retention wins, as configured.
  {
    Statement& s = stmt(kEventPrune);
    Use use(s);
    s.bind(1, expiry);
    if (step(s, "cannot write")) fail("cannot write");
  }
  run(kSeriesPrune, "cannot write");
  if (sqlite3_changes(db_) > 0) setMeta("seriesGeneration", meta("seriesGeneration").value_or(0) + 1);
  seriesIds_.clear();
  if (boundary != previous) setMeta("foldedBefore", boundary);
  // Once a quarter of the file is free pages (a first fold, or shrinking retention), return them. Fewer
  // stay: appends reuse them without growing the file.
  std::int64_t pages = 0, free = 0;
  queryInteger("PRAGMA page_count", pages);
  queryInteger("PRAGMA freelist_count", free);
  if (free * 4 > pages) exec("PRAGMA incremental_vacuum", "cannot write");
  tx.commit();
  // Compaction is the store's maintenance point: move the WAL into the file and truncate it. Best effort: a
  // reader holding a snapshot makes it return busy, and the next compaction tries again.
  sqlite3_busy_timeout(db_, 0);
  sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
}

StoreStats SqliteStore::stats() const {
  StoreStats st;
  {
    Transaction tx(*this, /*write=*/false);
    {
      Statement& s = stmt(kCountSeries);
      Use use(s);
      if (step(s, "cannot read")) st.series = s.integer(0);
    }
    {
      Statement& s = stmt(kCountSamples);
      Use use(s);
      if (step(s, "cannot read")) st.samples = s.integer(0);
    }
    tx.commit();
  }
  std::error_code ec;
  for (const char* suffix : {"", "-wal"}) {
    const auto size = fs::file_size(path_ + suffix, ec);
    if (!ec) st.bytes += static_cast<std::int64_t>(size);
  }
  st.bytesPerSample = st.samples > 0 ? static_cast<double>(st.bytes) / static_cast<double>(st.samples) : 0;
  return st;
}

std::optional<std::string> SqliteStore::setting(const std::string& name) const {
  Statement& s = stmt(kSettingGet);
  Use use(s);
  s.bind(1, name);
  if (!step(s, "cannot read")) return std::nullopt;
  return s.text(0);
}

void SqliteStore::setSetting(const std::string& name, const std::string& value) {
  requireWritable();
  Statement& s = stmt(kSettingPut);
  Use use(s);
  s.bind(1, name);
  s.bind(2, value);
  if (step(s, "cannot write")) fail("cannot write");
}

}  // namespace

Distribution distributionOf(std::vector<std::int64_t>& values) {
  Distribution d;
  if (values.empty()) return d;
  const auto n = static_cast<std::int64_t>(values.size());
  d.count = n;
  // Nearest rank: pN is the value at 1-based rank ceil(N/100 * n). The ranks ascend, so each selection only
  // permutes the part after the previous one and leaves the values already read in place.
  auto done = values.begin();  // every value before `done` is <= every value from it on
  const auto select = [&](std::int64_t percent) {
    const std::int64_t rank = std::max<std::int64_t>(1, (percent * n + 99) / 100);
    const auto nth = values.begin() + (rank - 1);
    if (nth >= done) {
      std::nth_element(done, nth, values.end());
      done = nth + 1;
    }
    return *nth;
  };
  d.p50 = select(50);
  d.p95 = select(95);
  d.p99 = select(99);
  d.max = *std::max_element(done - 1, values.end());
  long double sum = 0;
  for (const std::int64_t v : values)
    sum += static_cast<long double>(v);
  d.mean = static_cast<double>(sum / static_cast<long double>(n));
  return d;
}

Distribution distributionOf(const std::vector<Sample>& samples) {
  std::vector<std::int64_t> values;
  values.reserve(samples.size());
  std::int64_t first = std::numeric_limits<std::int64_t>::max(),
               last = std::numeric_limits<std::int64_t>::min();
  for (const Sample& s : samples) {
    values.push_back(s.value);
    first = std::min(first, s.time);
    last = std::max(last, s.time);
  }
  Distribution d = distributionOf(values);
  if (d.count > 0) {
    d.first = first;
    d.last = last;
  }
  return d;
}

std::unique_ptr<Store> Store::open(const StoreOptions& options) {
  return std::make_unique<SqliteStore>(options);
}

fs::path defaultStorePath() {
  const auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? v : "";
  };
  if (const std::string p = env("AIOPS_HISTORY"); !p.empty()) return p;
  // The XDG base directory spec says to ignore a relative XDG_STATE_HOME.
  if (const fs::path p = env("XDG_STATE_HOME"); p.is_absolute()) return p / "kubectl-aiops" / "history.db";
  const std::string home = env("HOME");
  if (home.empty())
    throw StoreError("cannot place the metrics history: HOME is not set; set AIOPS_HISTORY to a file path");
  return fs::path(home) / ".local" / "state" / "kubectl-aiops" / "history.db";
}

}  // namespace aiops::history

// The sample chunk codec of the history store: a run of (time, value) samples as one compact BLOB.
//
// Format (docs/metrics-history.md): samples in ascending time, each one or more LEB128 varints. Times are
// delta-of-delta encoded against the chunk's start (a collector's regular 30 s interval gives 0), values are
// deltas from the previous value, both zigzag-mapped so small negative numbers stay small. A sample whose
// time step equals the previous step takes one varint: zigzag(value delta) << 1 (low bit 0). Otherwise the
// first varint has low bit 1 and carries zigzag(time delta-of-delta), followed by zigzag(value delta). All
// arithmetic wraps modulo 2^64, so any int64 round-trips.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

#include "history/store.h"

namespace aiops::history::chunk {

// A raw chunk holds the samples of one series in a fixed 2 h span: 240 samples at 30 s, 0.5-1 KB. Why 2 h:
// a row must stay within a 4 KB page's local payload (about 1,000 bytes in a WITHOUT ROWID table), since a
// larger one spills into an overflow page that stays mostly empty (6 h chunks doubled the file). A week is
// still only 84 rows per series.
inline constexpr std::int64_t kRawSpanSeconds = 2 * 3600;
// An aggregated chunk holds this many buckets (one day at the default 300 s step).
inline constexpr std::int64_t kBucketsPerChunk = 288;

// The span of a chunk at `resolution` seconds per sample (0: raw).
constexpr std::int64_t spanOf(std::int64_t resolution) {
  return resolution == 0 ? kRawSpanSeconds : resolution * kBucketsPerChunk;
}

// t rounded down to a multiple of step (step > 0), also for negative t.
constexpr std::int64_t floorTo(std::int64_t t, std::int64_t step) {
  std::int64_t q = t / step;
  if (t % step < 0) --q;
  return q * step;
}

// A BLOB that does not decode: a truncated or foreign value.
class CorruptChunk : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Appends the encoding of `samples` (ascending, unique times) relative to `start` to `out`.
void encode(std::span<const Sample> samples, std::int64_t start, std::vector<std::uint8_t>& out);

// Appends the samples of a chunk to `out`. Throws CorruptChunk when the data ends mid-sample or holds a
// different number of samples than `count` (when count >= 0).
void decode(std::span<const std::uint8_t> data, std::int64_t start, std::vector<Sample>& out,
            std::int64_t count = -1);

// Merges `incoming` (any order, may repeat times) into `into` (ascending, unique). A time `into` already
// holds, or one repeated in `incoming`, is ignored (the first one wins). Returns how many were added.
std::size_t mergeNew(std::vector<Sample>& into, std::vector<Sample>& incoming);

// As mergeNew, but for buckets: a time present in both keeps the larger value. Returns how many times were
// added; `changed` is set when anything (a new time or a larger value) changed.
std::size_t mergeMax(std::vector<Sample>& into, std::vector<Sample>& incoming, bool& changed);

// The buckets of `samples` (ascending): one sample per `step`-aligned bucket, at the bucket's start, with the
// bucket's largest value.
std::vector<Sample> bucketMax(std::span<const Sample> samples, std::int64_t step);

}  // namespace aiops::history::chunk

// The sample chunk codec: delta-of-delta times, delta values, zigzag and LEB128 varints (see chunk.h).
#include "history/chunk.h"

#include <algorithm>

namespace aiops::history::chunk {

namespace {

// The long form's time field when zigzag(delta-of-delta) does not fit in 63 bits: a second varint follows.
constexpr std::uint64_t kEscape = (std::uint64_t{1} << 63) - 1;

std::uint64_t zigzag(std::uint64_t delta) {
  const auto d = static_cast<std::int64_t>(delta);
  return (delta << 1) ^ static_cast<std::uint64_t>(d >> 63);
}

std::uint64_t unzigzag(std::uint64_t z) {
  return (z >> 1) ^ (~(z & 1) + 1);
}

void put(std::vector<std::uint8_t>& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

struct Reader {
  const std::uint8_t* p;
  const std::uint8_t* end;

  std::uint64_t get() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p == end) throw CorruptChunk("chunk data ends inside a sample");
      const std::uint8_t b = *p++;
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    throw CorruptChunk("chunk data holds an over-long number");
  }
};

bool byTime(const Sample& a, const Sample& b) {
  return a.time < b.time;
}

// Sorts by time keeping the first of equal times first, then drops the later ones.
void sortUnique(std::vector<Sample>& v) {
  if (!std::is_sorted(v.begin(), v.end(), byTime)) std::stable_sort(v.begin(), v.end(), byTime);
  v.erase(std::unique(v.begin(), v.end(), [](const Sample& a, const Sample& b) { return a.time == b.time; }),
          v.end());
}

}  // namespace

void encode(std::span<const Sample> samples, std::int64_t start, std::vector<std::uint8_t>& out) {
  auto prevTime = static_cast<std::uint64_t>(start);
  std::uint64_t prevStep = 0;
  std::uint64_t prevValue = 0;
  out.reserve(out.size() + samples.size() * 3);  // typical: one to three bytes a sample
  for (const Sample& s : samples) {
    const auto t = static_cast<std::uint64_t>(s.time);
    const auto v = static_cast<std::uint64_t>(s.value);
    const std::uint64_t step = t - prevTime;
    const std::uint64_t dod = zigzag(step - prevStep);
    const std::uint64_t dv = zigzag(v - prevValue);
    if (dod == 0 && dv < (std::uint64_t{1} << 63)) {
      put(out, dv << 1);
    } else if (dod < kEscape) {
      put(out, (dod << 1) | 1);
      put(out, dv);
    } else {
      put(out, (kEscape << 1) | 1);
      put(out, dod);
      put(out, dv);
    }
    prevTime = t;
    prevStep = step;
    prevValue = v;
  }
}

void decode(std::span<const std::uint8_t> data, std::int64_t start, std::vector<Sample>& out,
            std::int64_t count) {
  Reader r{data.data(), data.data() + data.size()};
  auto prevTime = static_cast<std::uint64_t>(start);
  std::uint64_t prevStep = 0;
  std::uint64_t prevValue = 0;
  const std::size_t before = out.size();
  if (count > 0) out.reserve(before + static_cast<std::size_t>(count));
  while (r.p != r.end) {
    const std::uint64_t x = r.get();
    std::uint64_t dv;
    if ((x & 1) == 0) {
      dv = x >> 1;
    } else {
      std::uint64_t dod = x >> 1;
      if (dod == kEscape) dod = r.get();
      prevStep += unzigzag(dod);
      dv = r.get();
    }
    prevTime += prevStep;
    prevValue += unzigzag(dv);
    out.push_back(Sample{static_cast<std::int64_t>(prevTime), static_cast<std::int64_t>(prevValue)});
  }
  if (count >= 0 && out.size() - before != static_cast<std::size_t>(count))
    throw CorruptChunk("chunk data holds " + std::to_string(out.size() - before) + " samples, not " +
                       std::to_string(count));
}

std::size_t mergeNew(std::vector<Sample>& into, std::vector<Sample>& incoming) {
  sortUnique(incoming);
  if (incoming.empty()) return 0;
  if (into.empty() || incoming.front().time > into.back().time) {
    into.insert(into.end(), incoming.begin(), incoming.end());
    return incoming.size();
  }
  std::vector<Sample> merged;
  merged.reserve(into.size() + incoming.size());
  std::size_t added = 0;
  auto a = into.begin();
  auto b = incoming.begin();
  while (a != into.end() || b != incoming.end()) {
    if (b == incoming.end() || (a != into.end() && a->time < b->time)) {
      merged.push_back(*a++);
    } else if (a == into.end() || b->time < a->time) {
      merged.push_back(*b++);
      ++added;
    } else {  // same time: the stored sample wins
      merged.push_back(*a++);
      ++b;
    }
  }
  into.swap(merged);
  return added;
}

std::size_t mergeMax(std::vector<Sample>& into, std::vector<Sample>& incoming, bool& changed) {
  // Within `incoming`, equal times fold to their largest value first.
  std::stable_sort(incoming.begin(), incoming.end(), byTime);
  std::vector<Sample> folded;
  folded.reserve(incoming.size());
  for (const Sample& s : incoming) {
    if (!folded.empty() && folded.back().time == s.time)
      folded.back().value = std::max(folded.back().value, s.value);
    else
      folded.push_back(s);
  }
  std::vector<Sample> merged;
  merged.reserve(into.size() + folded.size());
  std::size_t added = 0;
  auto a = into.begin();
  auto b = folded.begin();
  while (a != into.end() || b != folded.end()) {
    if (b == folded.end() || (a != into.end() && a->time < b->time)) {
      merged.push_back(*a++);
    } else if (a == into.end() || b->time < a->time) {
      merged.push_back(*b++);
      ++added;
      changed = true;
    } else {
      if (b->value > a->value) changed = true;
      merged.push_back(Sample{a->time, std::max(a->value, b->value)});
      ++a;
      ++b;
    }
  }
  into.swap(merged);
  return added;
}

std::vector<Sample> bucketMax(std::span<const Sample> samples, std::int64_t step) {
  std::vector<Sample> buckets;
  for (const Sample& s : samples) {
    const std::int64_t bucket = floorTo(s.time, step);
    if (!buckets.empty() && buckets.back().time == bucket)
      buckets.back().value = std::max(buckets.back().value, s.value);
    else
      buckets.push_back(Sample{bucket, s.value});
  }
  return buckets;
}

}  // namespace aiops::history::chunk

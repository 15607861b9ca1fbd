// LogText: a generated prefix read back exactly as if it were held (every window of tailLines and
// limitBytes against a plain string), a gigabyte of log answered from its last lines at once, and bytes that
// are not UTF-8 kept as they are.
#include "logs.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace kubesim {
namespace {

// The log written out: what LogText must behave like.
std::string materialise(const GeneratedLog& g, const std::string& text) {
  std::string out;
  for (std::uint64_t i = 1; i <= g.count; ++i) {
    std::string line = g.line;
    for (std::size_t at = line.find("{n}"); at != std::string::npos; at = line.find("{n}", at))
      line.replace(at, 3, std::to_string(i));
    out += line + "\n";
  }
  return out + text;
}

// The kubelet's answer on a plain string: the last n lines (a trailing newline ends the last one), then the
// first limit bytes.
std::string expectedRead(const std::string& log, std::int64_t tail, std::int64_t limit) {
  std::string out = log;
  if (tail == 0) {
    out.clear();
  } else if (tail > 0) {
    std::size_t end = log.size();
    if (end > 0 && log[end - 1] == '\n') --end;
    std::size_t pos = end;
    std::int64_t count = 0;
    while (pos > 0) {
      if (log[pos - 1] == '\n' && ++count == tail) break;
      --pos;
    }
    out = log.substr(pos);
  }
  if (limit > 0 && out.size() > static_cast<std::size_t>(limit)) out.resize(static_cast<std::size_t>(limit));
  return out;
}

std::string readWindow(const LogText& log, std::int64_t tail, std::int64_t limit) {
  const LogWindow w = log.window(tail, limit);
  return log.read(w.begin, w.end);
}

TEST(LogText, EveryWindowMatchesTheWrittenOutLog) {
  const GeneratedLog generated{"{n}: batch {n} stored", 120};
  for (const std::string& text : {std::string(), std::string("tail 1\ntail 2\n"), std::string("no newline"),
                                  std::string("\n"), std::string("a\n\nb\n")}) {
    SCOPED_TRACE("text: " + text);
    const LogText log(generated, text);
    const std::string plain = materialise(generated, text);
    ASSERT_EQ(log.size(), plain.size());
    EXPECT_EQ(log.read(0, log.size()), plain);
    for (std::int64_t tail : {-1, 0, 1, 2, 3, 4, 9, 10, 11, 99, 100, 101, 121, 122, 123, 124, 500}) {
      for (std::int64_t limit : {-1, 1, 7, 16, 100, 1000, 100000}) {
        SCOPED_TRACE(testing::Message() << "tail " << tail << " limit " << limit);
        EXPECT_EQ(readWindow(log, tail, limit), expectedRead(plain, tail, limit));
        EXPECT_EQ(log.window(tail, limit).cut,
                  limit > 0 && expectedRead(plain, tail, -1).size() > static_cast<std::size_t>(limit));
      }
    }
  }
}

TEST(LogText, AnySliceMatchesTheWrittenOutLog) {
  const GeneratedLog generated{"line {n}", 30};
  const LogText log(generated, "end\n");
  const std::string plain = materialise(generated, "end\n");
  for (std::uint64_t from = 0; from <= plain.size(); from += 7) {
    for (std::uint64_t to = from; to <= plain.size() + 3; to += 5)
      EXPECT_EQ(log.read(from, to), plain.substr(from, to - from)) << from << ".." << to;
  }
}

TEST(LogText, AppendedTextFollowsTheGeneratedLines) {
  LogText log(GeneratedLog{"x", 3}, "");
  log.append("y\n");
  EXPECT_EQ(log.read(0, log.size()), "x\nx\nx\ny\n");
  EXPECT_EQ(readWindow(log, 2, -1), "x\ny\n");
}

TEST(LogText, AGigabyteIsAnsweredFromItsLastLinesAtOnce) {
  // 14,000,000 lines of 75 to 82 bytes (newline included): 1.1 GB that are never held.
  const GeneratedLog generated{"2026-11-20T09:58:10.120Z INFO  ingest: stored batch {n} of 40 records in 3ms",
                               14000000};
  const std::string text("2026-11-20T09:59:58.010Z FATAL ingest: giving up\n");
  const auto start = std::chrono::steady_clock::now();
  const LogText log(generated, text);
  // 73 fixed bytes and the newline per line, and the digits of 1..14,000,000: 9×1 + 90×2 + 900×3 + 9,000×4 +
  // 90,000×5 + 900,000×6 + 9,000,000×7 + 4,000,001×8.
  const std::uint64_t digits = 9 + 180 + 2700 + 36000 + 450000 + 5400000 + 63000000 + 32000008;
  EXPECT_EQ(log.size(), 14000000ULL * 74 + digits + text.size());
  EXPECT_GT(log.size(), 1ULL << 30);
  EXPECT_EQ(readWindow(log, 3, 262144),
            "2026-11-20T09:58:10.120Z INFO  ingest: stored batch 13999999 of 40 records in 3ms\n"
            "2026-11-20T09:58:10.120Z INFO  ingest: stored batch 14000000 of 40 records in 3ms\n" +
                text);
  // tailLines first, then limitBytes: the beginning of the selected lines.
  const LogWindow w = log.window(100000, 100);
  EXPECT_TRUE(w.cut);
  EXPECT_EQ(w.end - w.begin, 100U);
  EXPECT_EQ(log.read(w.begin, w.end).substr(0, 63),
            "2026-11-20T09:58:10.120Z INFO  ingest: stored batch 13900002 of");
  // The first bytes without a tail: the log's start.
  EXPECT_EQ(readWindow(log, -1, 30), "2026-11-20T09:58:10.120Z INFO ");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(LogText, BytesThatAreNotUtf8AreKeptAsTheyAre) {
  const std::string binary("\x00\xff\xfe\x9c raw frame \xc3\x28\n", 18);
  const LogText log(GeneratedLog{"ok {n}", 2}, binary);
  EXPECT_EQ(readWindow(log, 1, -1), binary);
  EXPECT_EQ(readWindow(log, 2, -1), "ok 2\n" + binary);
}

}  // namespace
}  // namespace kubesim

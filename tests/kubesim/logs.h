// A container log as kubesim keeps it: written text behind an optional generated prefix (one line pattern
// repeated `count` times), whose bytes are computed when read and never held, so a scenario can give a
// container a gigabyte of log without kubesim holding a gigabyte. Reads follow the kubelet: the last
// tailLines lines first, then at most limitBytes of them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kubesim {

// `count` lines of `line` (without its newline), where every "{n}" is the line's number from 1.
struct GeneratedLog {
  std::string line;
  std::uint64_t count = 0;
  bool operator==(const GeneratedLog&) const = default;
};

// A byte range of a log: [begin, end) of its `size` bytes, and whether limitBytes cut it short.
struct LogWindow {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
  std::uint64_t size = 0;
  bool cut = false;
};

class LogText {
 public:
  LogText() = default;
  explicit LogText(std::string text) : text_(std::move(text)) {}
  LogText(GeneratedLog generated, std::string text);

  void append(std::string_view text) { text_ += text; }
  std::uint64_t size() const { return generatedSize_ + text_.size(); }
  // The range a read returns: the last `tailLines` lines (all when negative; a final line without a newline
  // counts), then its first `limitBytes` bytes (no limit when not positive).
  LogWindow window(std::int64_t tailLines, std::int64_t limitBytes) const;
  // Bytes [from, to) of the log; `to` is clamped to its size.
  std::string read(std::uint64_t from, std::uint64_t to) const;

 private:
  // Where generated line `i` (1-based; count + 1 for the end) starts.
  std::uint64_t lineStart(std::uint64_t i) const;
  std::string renderLine(std::uint64_t i) const;

  GeneratedLog generated_;
  std::uint64_t fixedBytes_ = 0;    // bytes of a generated line besides its numbers, newline included
  std::uint64_t placeholders_ = 0;  // "{n}" per line
  std::uint64_t generatedSize_ = 0;
  std::string text_;
};

}  // namespace kubesim

// LogText: the generated prefix is arithmetic (every line's offset has a closed form in the digits of the
// numbers before it), so a window or a slice of a huge log costs only what it returns.
#include "logs.h"

#include <algorithm>

namespace kubesim {
namespace {

constexpr std::string_view kNumber = "{n}";

// Total decimal digits of 1..n.
std::uint64_t digitsUpTo(std::uint64_t n) {
  std::uint64_t total = 0;
  std::uint64_t low = 1;
  for (std::uint64_t digits = 1; low <= n; ++digits) {
    const std::uint64_t high = low > UINT64_MAX / 10 ? n : std::min(n, low * 10 - 1);
    total += (high - low + 1) * digits;
    if (low > UINT64_MAX / 10) break;
    low *= 10;
  }
  return total;
}

}  // namespace

LogText::LogText(GeneratedLog generated, std::string text)
    : generated_(std::move(generated)), text_(std::move(text)) {
  std::uint64_t fixed = generated_.line.size() + 1;
  for (std::size_t at = generated_.line.find(kNumber); at != std::string::npos;
       at = generated_.line.find(kNumber, at + kNumber.size())) {
    ++placeholders_;
    fixed -= kNumber.size();
  }
  fixedBytes_ = fixed;
  generatedSize_ = lineStart(generated_.count + 1);
}

std::uint64_t LogText::lineStart(std::uint64_t i) const {
  return (i - 1) * fixedBytes_ + placeholders_ * digitsUpTo(i - 1);
}

std::string LogText::renderLine(std::uint64_t i) const {
  std::string out;
  const std::string number = std::to_string(i);
  std::size_t from = 0;
  for (std::size_t at = generated_.line.find(kNumber); at != std::string::npos;
       at = generated_.line.find(kNumber, from)) {
    out.append(generated_.line, from, at - from);
    out += number;
    from = at + kNumber.size();
  }
  out.append(generated_.line, from);
  out += '\n';
  return out;
}

LogWindow LogText::window(std::int64_t tailLines, std::int64_t limitBytes) const {
  LogWindow w;
  w.size = size();
  w.end = w.size;
  if (tailLines == 0) {
    w.begin = w.size;
  } else if (tailLines > 0) {
    // The written text first, from its end, as the kubelet counts: a trailing newline ends the last line.
    const auto wanted = static_cast<std::uint64_t>(tailLines);
    std::size_t end = text_.size();
    if (end > 0 && text_[end - 1] == '\n') --end;
    std::size_t pos = end;
    std::uint64_t boundaries = 0;
    bool enough = false;
    while (pos > 0) {
      if (text_[pos - 1] == '\n' && ++boundaries == wanted) {
        enough = true;
        break;
      }
      --pos;
    }
    const std::uint64_t textLines = text_.empty() ? 0 : boundaries + 1;
    if (enough || textLines >= wanted) {
      w.begin = generatedSize_ + pos;
    } else {
      // The rest from the generated lines, which all end in a newline.
      const std::uint64_t more = wanted - textLines;
      w.begin = more >= generated_.count ? 0 : lineStart(generated_.count - more + 1);
    }
  }
  if (limitBytes > 0 && w.end - w.begin > static_cast<std::uint64_t>(limitBytes)) {
    w.end = w.begin + static_cast<std::uint64_t>(limitBytes);
    w.cut = true;
  }
  return w;
}

std::string LogText::read(std::uint64_t from, std::uint64_t to) const {
  to = std::min(to, size());
  std::string out;
  if (from >= to) return out;
  out.reserve(to - from);
  if (from < generatedSize_) {
    // The line holding `from`: the last whose start is at or before it.
    std::uint64_t low = 1;
    std::uint64_t high = generated_.count;
    while (low < high) {
      const std::uint64_t mid = low + (high - low + 1) / 2;
      if (lineStart(mid) <= from) {
        low = mid;
      } else {
        high = mid - 1;
      }
    }
    std::uint64_t at = lineStart(low);
    for (std::uint64_t i = low; i <= generated_.count && at < to; ++i) {
      const std::string line = renderLine(i);
      const std::uint64_t skip = from > at ? from - at : 0;
      const std::uint64_t take = std::min<std::uint64_t>(line.size(), to - at);
      if (take > skip) out.append(line, skip, take - skip);
      at += line.size();
    }
    from = generatedSize_;
  }
  if (to > generatedSize_) out.append(text_, from - generatedSize_, to - from);
  return out;
}

}  // namespace kubesim

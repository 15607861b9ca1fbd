// The stderr progress line (see progress.h). Elapsed time is monotonic: it measures an interval.
#include "support/progress.h"

#include <fmt/format.h>

#include <algorithm>

namespace aiops {

std::string ProgressLine::text(const std::string& message, std::chrono::seconds elapsed) {
  return fmt::format("{}... {}s", message, elapsed.count());
}

ProgressLine::ProgressLine(std::ostream& err, bool enabled, std::string message,
                           std::chrono::milliseconds delay)
    : err_(err), message_(std::move(message)), delay_(delay) {
  if (enabled) thread_ = std::thread([this] { draw(); });
}

void ProgressLine::draw() {
  const auto start = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  auto next = start + delay_;
  while (!wake_.wait_until(lock, next, [this] { return done_; })) {
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start);
    const std::string line = text(message_, elapsed);
    err_ << '\r' << line << std::flush;
    drawnWidth_ = std::max(drawnWidth_, line.size());
    next += std::chrono::seconds(1);
  }
}

ProgressLine::~ProgressLine() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    done_ = true;
  }
  wake_.notify_all();
  thread_.join();
  // Blanks rather than an ANSI erase sequence: they work on every terminal, TERM=dumb included.
  if (drawnWidth_ > 0) err_ << '\r' << std::string(drawnWidth_, ' ') << '\r' << std::flush;
}

}  // namespace aiops

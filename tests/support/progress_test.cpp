// ProgressLine: silent when disabled or when the work is fast, drawn while slow work runs, updated each
// second, and erased with blanks. Drawing is observed by waiting on the written text, never by sleeping.
#include "support/progress.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <sstream>

namespace aiops {
namespace {

// A stream buffer the drawing thread writes to while the test waits for a given text.
class WatchedBuffer : public std::streambuf {
 public:
  std::string text() {
    std::lock_guard lock(mutex_);
    return text_;
  }
  bool waitFor(const std::string& needle, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return written_.wait_for(lock, timeout, [&] { return text_.find(needle) != std::string::npos; });
  }

 protected:
  int overflow(int c) override {
    if (c == traits_type::eof()) return traits_type::not_eof(c);
    const char ch = traits_type::to_char_type(c);
    xsputn(&ch, 1);
    return c;
  }
  std::streamsize xsputn(const char* data, std::streamsize size) override {
    {
      std::lock_guard lock(mutex_);
      text_.append(data, static_cast<std::size_t>(size));
    }
    written_.notify_all();
    return size;
  }

 private:
  std::mutex mutex_;
  std::condition_variable written_;
  std::string text_;
};

TEST(ProgressLine, Text) {
  EXPECT_EQ(ProgressLine::text("Listing pods in namespace shop", std::chrono::seconds(0)),
            "Listing pods in namespace shop... 0s");
  EXPECT_EQ(ProgressLine::text("Listing pods", std::chrono::seconds(12)), "Listing pods... 12s");
}

TEST(ProgressLine, DisabledDrawsNothing) {
  std::ostringstream err;
  { ProgressLine progress(err, /*enabled=*/false, "Listing pods", std::chrono::milliseconds(0)); }
  EXPECT_EQ(err.str(), "");
}

TEST(ProgressLine, FastWorkDrawsNothing) {
  std::ostringstream err;
  { ProgressLine progress(err, /*enabled=*/true, "Listing pods", std::chrono::hours(1)); }
  EXPECT_EQ(err.str(), "");
}

TEST(ProgressLine, DrawnAfterTheDelayAndErasedWithBlanks) {
  WatchedBuffer buffer;
  std::ostream err(&buffer);
  {
    ProgressLine progress(err, /*enabled=*/true, "Listing pods", std::chrono::milliseconds(0));
    ASSERT_TRUE(buffer.waitFor("Listing pods... 0s", std::chrono::seconds(30))) << buffer.text();
  }
  const std::string text = buffer.text();
  EXPECT_TRUE(text.starts_with("\rListing pods... 0s")) << text;
  EXPECT_TRUE(text.ends_with("\r" + std::string(std::string("Listing pods... 0s").size(), ' ') + "\r"))
      << text;
}

TEST(ProgressLine, UpdatedEverySecond) {
  WatchedBuffer buffer;
  std::ostream err(&buffer);
  {
    ProgressLine progress(err, /*enabled=*/true, "Listing pods", std::chrono::milliseconds(0));
    ASSERT_TRUE(buffer.waitFor("\rListing pods... 1s", std::chrono::seconds(30))) << buffer.text();
  }
  EXPECT_TRUE(buffer.text().starts_with("\rListing pods... 0s\rListing pods... 1s")) << buffer.text();
}

}  // namespace
}  // namespace aiops

// A thread-safe output buffer for tests: a background thread (the progress line) and the code under test may
// write to it while the test waits until some text has been written.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <streambuf>
#include <string>

namespace aiops::test_support {

class SharedBuffer : public std::streambuf {
 public:
  std::string text() {
    std::lock_guard lock(mutex_);
    return text_;
  }
  // True once `needle` has been written, false when `timeout` passes first.
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

}  // namespace aiops::test_support

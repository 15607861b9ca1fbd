// ProgressLine: one line on a terminal's stderr for work that may take more than a second (listing a large
// cluster). Drawn only after a delay so fast work never flickers, updated each second, erased when done.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>

namespace aiops {

class ProgressLine {
 public:
  // Starts timing `message` ("Listing pods in namespace shop"). When `enabled` is false (stderr is not a
  // terminal, or the caller's output is for scripts) it does nothing at all. Nothing else may write to `err`
  // until the ProgressLine is destroyed.
  ProgressLine(std::ostream& err, bool enabled, std::string message,
               std::chrono::milliseconds delay = std::chrono::seconds(1));
  // Stops, and erases the line if it was drawn, so that what follows starts on a clean line.
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // "Listing pods in namespace shop... 3s": the text drawn after `elapsed`.
  static std::string text(const std::string& message, std::chrono::seconds elapsed);

 private:
  void draw();

  std::ostream& err_;
  std::string message_;
  std::chrono::milliseconds delay_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::size_t drawnWidth_ = 0;  // the longest text drawn so far; 0 when nothing was drawn
  std::thread thread_;
};

}  // namespace aiops

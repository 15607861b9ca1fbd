// The clock kubesim stamps objects with. An interface, so the controllers of the next issue can run simulated
// time faster than real time; everything that writes a timestamp asks the Clock, never the system.
#pragma once

#include <chrono>

namespace kubesim {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time: creationTimestamp, managedFields times, the AGE column.
  virtual std::chrono::system_clock::time_point now() const = 0;
};

class RealClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override { return std::chrono::system_clock::now(); }
};

}  // namespace kubesim

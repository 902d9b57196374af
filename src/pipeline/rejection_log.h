#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include "storage/batch.h"

namespace cryptometrics::pipeline {

// Logs rejected messages without flooding the log: the first few of every period in full, then
// how many more there were.
class RejectionLog {
 public:
  explicit RejectionLog(std::chrono::seconds period = std::chrono::seconds{10},
                        int logged_per_period = 5);

  void record(const storage::Source& source, std::string_view reason);

 private:
  std::chrono::seconds period_;
  int logged_per_period_;
  std::chrono::steady_clock::time_point period_start_;
  int logged_ = 0;
  std::uint64_t suppressed_ = 0;
};

}  // namespace cryptometrics::pipeline

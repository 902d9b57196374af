#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "storage/batch.h"

namespace cryptometrics::pipeline {

// Logs rejected messages without flooding the log: the first few of every period in full, then,
// when the period ends, how many more there were.
class RejectionLog {
 public:
  explicit RejectionLog(boost::asio::io_context& io,
                        std::chrono::seconds period = std::chrono::seconds{10},
                        int logged_per_period = 5);

  void record(const storage::Source& source, std::string_view reason);

  // Ends the period under way now, saying how many more were rejected in it: at shutdown.
  void flush();

 private:
  void end_period();

  std::chrono::seconds period_;
  int logged_per_period_;
  std::chrono::steady_clock::time_point period_start_;
  int logged_ = 0;
  std::uint64_t suppressed_ = 0;
  boost::asio::steady_timer period_end_;
};

}  // namespace cryptometrics::pipeline

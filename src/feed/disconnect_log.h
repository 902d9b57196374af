#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cryptometrics::feed {

// Says why the feed lost its connection without flooding the log when it keeps losing it: one
// line per `period` at most, which counts the disconnects it did not show.
class DisconnectLog {
 public:
  using Clock = std::chrono::steady_clock;

  explicit DisconnectLog(std::chrono::seconds period = std::chrono::seconds{10})
      : period_{period} {}

  // The line to log for this disconnect, or nullopt when a line went out less than a period ago.
  std::optional<std::string> record(std::string_view reason, Clock::time_point now);

 private:
  std::chrono::seconds period_;
  std::optional<Clock::time_point> last_logged_;
  std::uint64_t unlogged_ = 0;
};

}  // namespace cryptometrics::feed

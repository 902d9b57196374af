#include "feed/disconnect_log.h"

namespace cryptometrics::feed {

std::optional<std::string> DisconnectLog::record(std::string_view reason, Clock::time_point now) {
  if (last_logged_ && now - *last_logged_ < period_) {
    ++unlogged_;
    return std::nullopt;
  }
  std::string line = "Coinbase feed disconnected: " + std::string{reason};
  if (unlogged_ > 0) {
    line += " (" + std::to_string(unlogged_) + " more disconnects in the last " +
            std::to_string(std::chrono::ceil<std::chrono::seconds>(now - *last_logged_).count()) +
            " s, not logged)";
  }
  last_logged_ = now;
  unlogged_ = 0;
  return line;
}

}  // namespace cryptometrics::feed

#include "pipeline/rejection_log.h"

#include <spdlog/spdlog.h>

namespace cryptometrics::pipeline {

RejectionLog::RejectionLog(boost::asio::io_context& io, std::chrono::seconds period,
                           int logged_per_period)
    : period_{period}, logged_per_period_{logged_per_period}, period_end_{io} {}

void RejectionLog::record(const storage::Source& source, std::string_view reason) {
  const auto now = std::chrono::steady_clock::now();
  if (now - period_start_ >= period_) {
    end_period();
    period_start_ = now;
  }
  if (logged_ < logged_per_period_) {
    ++logged_;
    spdlog::warn("rejected message at {} offset {}: {}", kafka::describe(source), source.offset,
                 reason);
    return;
  }
  if (suppressed_++ > 0) return;
  // The first one left out: the count is due when the period ends, whether or not more come.
  period_end_.expires_at(period_start_ + period_);
  period_end_.async_wait([this](const boost::system::error_code& cancelled) {
    if (!cancelled) end_period();
  });
}

void RejectionLog::flush() {
  period_end_.cancel();
  end_period();
}

void RejectionLog::end_period() {
  if (suppressed_ > 0) {
    spdlog::warn("{} more messages rejected in the last {} s (all kept in rejected_quotes)",
                 suppressed_, period_.count());
  }
  logged_ = 0;
  suppressed_ = 0;
}

}  // namespace cryptometrics::pipeline

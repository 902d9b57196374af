#include "pipeline/rejection_log.h"

#include <spdlog/spdlog.h>

namespace cryptometrics::pipeline {

RejectionLog::RejectionLog(std::chrono::seconds period, int logged_per_period)
    : period_{period}, logged_per_period_{logged_per_period} {}

void RejectionLog::record(const storage::Source& source, std::string_view reason) {
  const auto now = std::chrono::steady_clock::now();
  if (now - period_start_ >= period_) {
    if (suppressed_ > 0) {
      spdlog::warn("{} more messages rejected in the last {} s (all kept in rejected_quotes)",
                   suppressed_, period_.count());
    }
    period_start_ = now;
    logged_ = 0;
    suppressed_ = 0;
  }
  if (logged_ < logged_per_period_) {
    ++logged_;
    spdlog::warn("rejected message at {}[{}] offset {}: {}", source.topic, source.partition,
                 source.offset, reason);
  } else {
    ++suppressed_;
  }
}

}  // namespace cryptometrics::pipeline

#include "soak/reference.h"

#include <algorithm>

namespace cryptometrics::soak {

using testing::Units;

void PairReference::add(Units bid, Units ask) {
  highest_bid_ = count_ == 0 ? bid : std::max(highest_bid_, bid);
  lowest_ask_ = count_ == 0 ? ask : std::min(lowest_ask_, ask);
  max_spread_ = count_ == 0 ? ask - bid : std::max(max_spread_, ask - bid);
  // Exact: two prices of at most 18 fractional digits halve within 19.
  mids_.push_back((bid + ask) / 2);
  if (mids_.size() > longest_window_) mids_.pop_front();
  ++count_;
}

Units PairReference::moving_average(std::size_t window) const {
  const std::size_t taken = std::min(window, mids_.size());
  Units sum = 0;
  for (auto mid = mids_.end() - static_cast<std::ptrdiff_t>(taken); mid != mids_.end(); ++mid) {
    sum += *mid;
  }
  return testing::divide_half_even(sum, static_cast<Units>(taken));
}

bool RunTrail::follow(const PairReference& pair, Units stored) {
  for (std::size_t run = run_; run < windows_.size(); ++run) {
    if (pair.moving_average(windows_[run]) == stored) {
      run_ = run;
      return true;
    }
  }
  return false;
}

}  // namespace cryptometrics::soak

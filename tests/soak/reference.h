#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "support/expected_metrics.h"

namespace cryptometrics::soak {

// One pair's metrics recomputed from its rows, taken in offset order, with the arithmetic of
// tests/support/expected_metrics (apart from the service's market::Decimal), for any window:
// a row does not record the SMA_WINDOW of the run that wrote it.
class PairReference {
 public:
  explicit PairReference(std::size_t longest_window) : longest_window_{longest_window} {}

  void add(testing::Units bid, testing::Units ask);

  testing::Units highest_bid() const { return highest_bid_; }
  testing::Units lowest_ask() const { return lowest_ask_; }
  testing::Units max_spread() const { return max_spread_; }
  std::int64_t count() const { return count_; }
  // The mean of the last `window` mid prices (all of them while there are fewer), rounded half
  // to even at the 19th fractional digit.
  testing::Units moving_average(std::size_t window) const;

 private:
  std::size_t longest_window_;
  testing::Units highest_bid_ = 0, lowest_ask_ = 0, max_spread_ = 0;
  std::deque<testing::Units> mids_;  // the last longest_window_, newest last
  std::int64_t count_ = 0;
};

// Which run wrote each row of one partition, as far as moving averages tell. The runs write a
// partition's rows in offset order, one after another, each with its own window; so along the
// partition the windows that fit must follow the runs' order. A run is kept while its window
// fits, then the earliest later run whose window fits is taken: keeping the earliest leaves the
// most runs for the rows to come.
class RunTrail {
 public:
  explicit RunTrail(const std::vector<std::size_t>& windows) : windows_{windows} {}

  // Whether a run from the current one on has a window that gives `stored` as the moving average
  // of `pair`'s row just added; that run is the current one from now on.
  bool follow(const PairReference& pair, testing::Units stored);

 private:
  const std::vector<std::size_t>& windows_;
  std::size_t run_ = 0;
};

}  // namespace cryptometrics::soak

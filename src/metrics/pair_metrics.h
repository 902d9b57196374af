#pragma once

#include <cstddef>
#include <deque>
#include <optional>

#include "market/quote.h"
#include "metrics/snapshot.h"

namespace cryptometrics::metrics {

// The widest moving average a PairMetrics takes (SMA_WINDOW's bound): its mid prices, each below
// market::kMaxPrice, must add up within an Int128 of Decimal units.
inline constexpr std::size_t kMaxSmaWindow = 10'000;

// The running metrics of one pair.
class PairMetrics {
 public:
  // `sma_window` from 1 to kMaxSmaWindow: how many of the latest mid prices the moving average
  // covers.
  explicit PairMetrics(std::size_t sma_window);
  // Continues from stored history: highest bid, lowest ask, max spread and count go on from
  // `history.latest`, the moving average from the last `sma_window` of its mid prices.
  PairMetrics(std::size_t sma_window, const History& history);

  // Folds in the next quote of this pair and returns the metrics right after it.
  const Snapshot& apply(const market::Quote& quote);

  const std::optional<Snapshot>& latest() const { return latest_; }

 private:
  std::size_t sma_window_;
  std::deque<market::Decimal> window_;
  market::Int128 window_sum_ = 0;
  std::optional<Snapshot> latest_;
};

}  // namespace cryptometrics::metrics

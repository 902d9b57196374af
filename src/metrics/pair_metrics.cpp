#include "metrics/pair_metrics.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

namespace cryptometrics::metrics {
namespace {

// The window's sum of mid prices: below kMaxSmaWindow * 10^15 * 10^19 units = 10^38, under the
// Int128 maximum of about 1.7 * 10^38.
static_assert(std::numeric_limits<market::Int128>::max() /
                      static_cast<market::Int128>(kMaxSmaWindow) >=
                  market::Int128{market::kMaxPrice} * market::Decimal::kUnitsPerOne,
              "the window's sum of the largest mid prices must fit an Int128");
// Decimal::divided_by rounds at the last digit a Decimal keeps.
static_assert(market::kMovingAverageFractionDigits == market::Decimal::kScale,
              "the moving average is rounded at the Decimal's last digit");

std::size_t checked_window(std::size_t sma_window) {
  if (sma_window == 0 || sma_window > kMaxSmaWindow) {
    throw std::invalid_argument("the SMA window must cover 1 to " + std::to_string(kMaxSmaWindow) +
                                " mid prices, not " + std::to_string(sma_window));
  }
  return sma_window;
}

}  // namespace

PairMetrics::PairMetrics(std::size_t sma_window) : sma_window_{checked_window(sma_window)} {}

PairMetrics::PairMetrics(std::size_t sma_window, const History& history)
    : sma_window_{checked_window(sma_window)}, latest_{history.latest} {
  const std::size_t kept = std::min(sma_window_, history.recent_mid_prices.size());
  window_.assign(history.recent_mid_prices.end() - static_cast<std::ptrdiff_t>(kept),
                 history.recent_mid_prices.end());
  for (const market::Decimal mid_price : window_) {
    window_sum_ += mid_price.units();
  }
}

const Snapshot& PairMetrics::apply(const market::Quote& quote) {
  const market::Decimal mid_price = (quote.bid + quote.ask).divided_by(2);
  const market::Decimal spread = quote.ask - quote.bid;

  window_.push_back(mid_price);
  window_sum_ += mid_price.units();
  if (window_.size() > sma_window_) {
    window_sum_ -= window_.front().units();
    window_.pop_front();
  }
  const market::Decimal moving_avg = market::Decimal::from_units(window_sum_)
                                         .divided_by(static_cast<std::int64_t>(window_.size()));

  // The first quote of a pair is its own highest bid, lowest ask and widest spread.
  Snapshot next{.pair = quote.pair,
                .bid = quote.bid,
                .ask = quote.ask,
                .mid_price = mid_price,
                .spread = spread,
                .highest_bid = quote.bid,
                .lowest_ask = quote.ask,
                .max_spread = spread,
                .moving_avg = moving_avg,
                .count = 1,
                .timestamp = quote.timestamp};
  if (latest_) {
    next.highest_bid = std::max(latest_->highest_bid, quote.bid);
    next.lowest_ask = std::min(latest_->lowest_ask, quote.ask);
    next.max_spread = std::max(latest_->max_spread, spread);
    next.count = latest_->count + 1;
  }
  latest_ = std::move(next);
  return *latest_;
}

}  // namespace cryptometrics::metrics

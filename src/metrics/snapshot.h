#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "market/decimal.h"
#include "market/timestamp.h"

namespace cryptometrics::metrics {

// Every metric of one pair right after its latest quote.
struct Snapshot {
  std::string pair;
  market::Decimal bid;
  market::Decimal ask;
  market::Decimal mid_price;    // (bid + ask) / 2
  market::Decimal spread;       // ask - bid
  market::Decimal highest_bid;  // over every quote of the pair
  market::Decimal lowest_ask;
  market::Decimal max_spread;
  market::Decimal moving_avg;   // mean of the last SMA_WINDOW mid prices
  std::int64_t count = 0;       // quotes of the pair so far
  market::Timestamp timestamp;  // of the latest quote

  bool operator==(const Snapshot&) const = default;
};

// What storage keeps of a pair, enough to continue its metrics after a restart.
struct History {
  Snapshot latest;
  std::vector<market::Decimal> recent_mid_prices;  // oldest first, the last few (any number)

  bool operator==(const History&) const = default;
};

}  // namespace cryptometrics::metrics

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

// Where a pair's metrics come from: computed here from the quotes this instance reads, or read
// from the store, where the instance that owns the pair's partition wrote them.
struct Origin {
  bool from_store = false;
  std::string owner;  // the partition's owner, when read from the store; empty when not known
  // Of the quote the metrics follow; -1 when not known (metrics read back from the store on
  // start or take-over, until the pair's next quote).
  std::int32_t partition = -1;
  std::int64_t offset = -1;

  bool operator==(const Origin&) const = default;
};

// What storage keeps of a pair, enough to continue its metrics after a restart.
struct History {
  Snapshot latest;
  std::vector<market::Decimal> recent_mid_prices;  // oldest first, the last few (any number)

  bool operator==(const History&) const = default;
};

}  // namespace cryptometrics::metrics

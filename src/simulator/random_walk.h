#pragma once

#include <cstdint>
#include <random>
#include <string>

#include "market/quote.h"

namespace cryptometrics::simulator {

// A random walk of one pair's prices: a geometric walk of the mid price around a realistic
// starting level for the pair (BTC near its market price, ETH near its own, unknown pairs at a
// level between 1 and 1000 fixed by their name), with a small spread that varies, prices to the
// pair's tick (cents for prices of 1 and more, finer below).
class RandomWalk {
 public:
  // Throws std::invalid_argument when `pair` is not BASE-QUOTE (see market::normalize_pair).
  RandomWalk(std::string pair, std::uint64_t seed);

  // The next quote, stamped `now`. Bid and ask are always positive with ask above bid.
  market::Quote next(market::Timestamp now);

 private:
  std::string pair_;
  std::mt19937_64 random_;
  double mid_;
  double tick_;
};

}  // namespace cryptometrics::simulator

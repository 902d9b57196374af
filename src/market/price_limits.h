#pragma once

#include <cstdint>

namespace cryptometrics::market {

// How exact the service is, stated once (the README says the same). A price is never rounded:
// one with more fractional digits than this is rejected. 18 is the finest that exchanges quote.
inline constexpr int kPriceFractionDigits = 18;

// Prices at or above this are rejected as too large; the largest accepted is
// 999999999999999.999999999999999999.
inline constexpr std::int64_t kMaxPrice = 1'000'000'000'000'000;  // 10^15

// A mid price is half the sum of two prices, so it needs one fractional digit more; a Decimal
// keeps this many, so that mid prices and spreads are exact.
inline constexpr int kMidPriceFractionDigits = kPriceFractionDigits + 1;

// The moving average is the one value rounded (a mean need not terminate): half to even at this
// fractional digit.
inline constexpr int kMovingAverageFractionDigits = kMidPriceFractionDigits;

}  // namespace cryptometrics::market

#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace cryptometrics::testing {

// The rule the service keeps, computed here independently of market::Decimal so that the tests
// check the service against a second implementation: prices of at most 18 fractional digits;
// mid price and spread exact (a mid has at most 19); the moving average rounded half to even at
// the 19th fractional digit.
inline constexpr std::size_t kDigits = 19;

// An exact decimal as a count of 10^-19.
__extension__ using Units = __int128;
inline constexpr Units kUnitsPerOne = Units{10'000'000'000'000'000'000ULL};  // 10^kDigits

// "123.45" -> units; at most 19 fractional digits (trailing zeros aside), as the service stores
// them.
Units parse_units(std::string_view text);
// The shortest exact text: no trailing zeros, no trailing point.
std::string text_of(Units units);
// `text` as the service writes it, whatever trailing zeros a database added.
std::string canonical(std::string_view text);
// `numerator` / `divisor` (positive), rounded half to even: how the moving average is rounded.
Units divide_half_even(Units numerator, Units divisor);

struct ExpectedRow {
  std::string pair, bid, ask, mid_price, spread, highest_bid, lowest_ask, max_spread, moving_avg;
  std::int64_t count = 0;
};

// What the metrics of one pair must be, quote after quote.
class ExpectedPair {
 public:
  explicit ExpectedPair(std::size_t window) : window_{window} {}

  // `bid` and `ask` must be prices the service accepts: at most 18 fractional digits.
  ExpectedRow add(const std::string& pair, Units bid, Units ask);

 private:
  std::size_t window_;
  Units highest_bid_ = 0, lowest_ask_ = 0, max_spread_ = 0;
  std::deque<Units> mids_;
  std::int64_t count_ = 0;
};

}  // namespace cryptometrics::testing

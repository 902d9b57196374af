#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "market/price_limits.h"

namespace cryptometrics::market {

__extension__ using Int128 = __int128;

enum class DecimalError {
  malformed,     // not a decimal number at all
  not_finite,    // NaN or an infinity, spelled as text
  out_of_range,  // beyond what a Decimal can hold
  too_precise,   // more fractional digits than asked for, which would have to be rounded
};

// 10^exponent, for an exponent from 0 to 38 (10^38 is the largest power of ten an Int128 holds).
constexpr Int128 power_of_ten(int exponent) {
  Int128 power = 1;
  for (int i = 0; i < exponent; ++i) {
    power *= 10;
  }
  return power;
}

// An exact decimal number with 19 fractional digits (a price's 18 and one more for a mid price),
// stored as an integer count of 10^-19 units, below 10^19 in magnitude. What arrives as "46396.27"
// stays 46396.27: values are parsed from their text, never a double, and never rounded.
class Decimal {
 public:
  static constexpr int kScale = kMidPriceFractionDigits;
  static constexpr Int128 kUnitsPerOne = power_of_ten(kScale);

  constexpr Decimal() = default;

  // Parses the text of a JSON number or a decimal string: "46396.27", "-0.5", "4.639627E4".
  // A value with more than `max_fraction_digits` (0 to kScale) fractional digits is too_precise,
  // trailing zeros aside; a magnitude of 10^19 or more is out_of_range, which comes first;
  // "NaN", "inf", "Infinity" (any case, any sign) are not_finite.
  static std::variant<Decimal, DecimalError> parse(std::string_view text,
                                                   int max_fraction_digits = kScale);

  static constexpr Decimal from_units(Int128 units) { return Decimal{units}; }
  static constexpr Decimal from_integer(std::int64_t value) {
    return Decimal{Int128{value} * kUnitsPerOne};
  }

  constexpr Int128 units() const { return units_; }
  constexpr bool is_positive() const { return units_ > 0; }

  // The shortest exact decimal text: no exponent, no trailing fractional zeros ("46396.27",
  // "0.000000000001", "-5").
  std::string to_string() const;

  Decimal operator+(Decimal other) const { return Decimal{units_ + other.units_}; }
  Decimal operator-(Decimal other) const { return Decimal{units_ - other.units_}; }

  // This value divided by a positive integer, rounded half to even at the last fractional digit
  // kept (kScale).
  Decimal divided_by(std::int64_t divisor) const;

  constexpr auto operator<=>(const Decimal&) const = default;

 private:
  constexpr explicit Decimal(Int128 units) : units_{units} {}

  Int128 units_ = 0;
};

}  // namespace cryptometrics::market

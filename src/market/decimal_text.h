#pragma once

#include <string_view>
#include <variant>

#include "market/decimal.h"

namespace cryptometrics::market {

// What to do with non-zero digits finer than the scale.
enum class FinerDigits {
  round_half_to_even,
  refuse,  // too_precise
};

// Parses decimal number text (optional sign, digits with an optional fraction, an optional
// exponent) into a whole count of 10^-`scale` units. Magnitudes whose count would reach
// `limit_units` are out_of_range, whatever their finer digits; `limit_units` must be at most
// 10^38.
std::variant<Int128, DecimalError> parse_scaled_decimal(std::string_view text, int scale,
                                                        Int128 limit_units, FinerDigits finer);

}  // namespace cryptometrics::market

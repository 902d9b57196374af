#pragma once

#include <string_view>
#include <variant>

#include "market/decimal.h"

namespace cryptometrics::market {

// Parses decimal number text (optional sign, digits with an optional fraction, an optional
// exponent) into a whole count of 10^-`scale` units, rounding half to even. Magnitudes whose
// count would reach `limit_units` are out_of_range; `limit_units` must be at most 10^38.
std::variant<Int128, DecimalError> parse_scaled_decimal(std::string_view text, int scale,
                                                        Int128 limit_units);

}  // namespace cryptometrics::market

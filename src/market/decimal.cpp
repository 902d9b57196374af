#include "market/decimal.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "market/decimal_text.h"

namespace cryptometrics::market {
namespace {

__extension__ using UnsignedInt128 = unsigned __int128;

// 10^38 units (10^19) is the largest power of ten below the Int128 maximum of about 1.7 * 10^38.
constexpr Int128 kLimitUnits = power_of_ten(38);

std::string digits_of(UnsignedInt128 value) {
  std::string digits;
  do {
    digits.push_back(static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  } while (value != 0);
  std::reverse(digits.begin(), digits.end());
  return digits;
}

}  // namespace

std::variant<Decimal, DecimalError> Decimal::parse(std::string_view text, int max_fraction_digits) {
  if (max_fraction_digits < 0 || max_fraction_digits > kScale) {
    throw std::invalid_argument("Decimal::parse keeps 0 to " + std::to_string(kScale) +
                                " fractional digits, not " + std::to_string(max_fraction_digits));
  }
  // Parsed in units of the finest digit allowed, so that a finer one is too_precise.
  const Int128 units_per_step = power_of_ten(kScale - max_fraction_digits);
  const auto parsed = parse_scaled_decimal(text, max_fraction_digits, kLimitUnits / units_per_step,
                                           FinerDigits::refuse);
  if (const auto* error = std::get_if<DecimalError>(&parsed)) {
    return *error;
  }
  return Decimal{std::get<Int128>(parsed) * units_per_step};
}

std::string Decimal::to_string() const {
  // Through the unsigned type so that even the most negative Int128 has a magnitude.
  const UnsignedInt128 magnitude = units_ < 0
                                       ? UnsignedInt128{0} - static_cast<UnsignedInt128>(units_)
                                       : static_cast<UnsignedInt128>(units_);
  std::string text = units_ < 0 ? "-" : "";
  text += digits_of(magnitude / kUnitsPerOne);
  std::string fraction = digits_of(magnitude % kUnitsPerOne);
  fraction.insert(0, kScale - fraction.size(), '0');
  fraction.erase(fraction.find_last_not_of('0') + 1);
  if (!fraction.empty()) {
    text += '.';
    text += fraction;
  }
  return text;
}

Decimal Decimal::divided_by(std::int64_t divisor) const {
  if (divisor <= 0) {
    throw std::invalid_argument("Decimal::divided_by needs a positive divisor, got " +
                                std::to_string(divisor));
  }
  Int128 quotient = units_ / divisor;
  const Int128 remainder = units_ % divisor;
  const Int128 twice_remainder = 2 * (remainder < 0 ? -remainder : remainder);
  if (twice_remainder > divisor || (twice_remainder == divisor && quotient % 2 != 0)) {
    quotient += units_ < 0 ? -1 : 1;
  }
  return Decimal{quotient};
}

}  // namespace cryptometrics::market

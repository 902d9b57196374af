#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace cryptometrics::market {

__extension__ using Int128 = __int128;

enum class DecimalError {
  malformed,     // not a decimal number at all
  not_finite,    // NaN or an infinity, spelled as text
  out_of_range,  // beyond what a Decimal can hold
};

// An exact decimal number with 12 fractional digits, stored as an integer count of 10^-12 units.
// What arrives as "46396.27" stays 46396.27: values are parsed from their text, never a double.
class Decimal {
 public:
  static constexpr int kScale = 12;
  static constexpr std::int64_t kUnitsPerOne = 1'000'000'000'000;

  constexpr Decimal() = default;

  // Parses the text of a JSON number or a decimal string: "46396.27", "-0.5", "4.639627E4".
  // Digits past the 12th fractional one are rounded half to even. Text beyond the range of
  // about ±10^26 is out_of_range; "NaN", "inf", "Infinity" (any case, any sign) are not_finite.
  static std::variant<Decimal, DecimalError> parse(std::string_view text);

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

  // This value divided by a positive integer, rounded half to even at the 12th fractional digit.
  Decimal divided_by(std::int64_t divisor) const;

  constexpr auto operator<=>(const Decimal&) const = default;

 private:
  constexpr explicit Decimal(Int128 units) : units_{units} {}

  Int128 units_ = 0;
};

}  // namespace cryptometrics::market

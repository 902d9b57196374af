#include "market/decimal_text.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

namespace cryptometrics::market {
namespace {

// Exponents are clamped here: any value this far out is zero or out of range anyway, and the
// clamp keeps every later sum of exponents and digit counts far from overflowing.
constexpr std::int64_t kExponentClamp = 1'000'000'000;
// 10^38 units is the most a limit may be; a digit count above 38 is beyond any limit.
constexpr std::int64_t kMaxKeptDigits = 38;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ignoring_case(std::string_view text, std::string_view lower_word) {
  return text.size() == lower_word.size() &&
         std::equal(text.begin(), text.end(), lower_word.begin(),
                    [](char a, char b) { return lower(a) == b; });
}

bool is_non_finite_word(std::string_view unsigned_text) {
  return equals_ignoring_case(unsigned_text, "nan") || equals_ignoring_case(unsigned_text, "inf") ||
         equals_ignoring_case(unsigned_text, "infinity");
}

// The value as significant digits times a power of ten.
struct Scientific {
  bool negative = false;
  std::string digits;  // no leading zeros; empty for zero
  std::int64_t exponent = 0;
};

std::variant<Scientific, DecimalError> split(std::string_view text) {
  Scientific number;
  std::size_t at = 0;
  if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    number.negative = text[at] == '-';
    ++at;
  }
  if (is_non_finite_word(text.substr(at))) {
    return DecimalError::not_finite;
  }

  std::size_t mantissa_digits = 0;
  std::int64_t fraction_digits = 0;
  bool in_fraction = false;
  for (; at < text.size(); ++at) {
    const char c = text[at];
    if (is_digit(c)) {
      ++mantissa_digits;
      if (in_fraction) {
        ++fraction_digits;
      }
      if (c != '0' || !number.digits.empty()) {
        number.digits.push_back(c);
      }
    } else if (c == '.' && !in_fraction) {
      in_fraction = true;
    } else {
      break;
    }
  }
  if (mantissa_digits == 0) {
    return DecimalError::malformed;
  }

  std::int64_t exponent = 0;
  if (at < text.size() && (text[at] == 'e' || text[at] == 'E')) {
    ++at;
    bool negative_exponent = false;
    if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
      negative_exponent = text[at] == '-';
      ++at;
    }
    const std::size_t exponent_start = at;
    for (; at < text.size() && is_digit(text[at]); ++at) {
      exponent = std::min(exponent * 10 + (text[at] - '0'), kExponentClamp);
    }
    if (at == exponent_start) {
      return DecimalError::malformed;
    }
    if (negative_exponent) {
      exponent = -exponent;
    }
  }
  if (at != text.size()) {
    return DecimalError::malformed;
  }
  // Digit counts are bounded by the text's length, so this cannot overflow for any real input.
  number.exponent = exponent - fraction_digits;
  return number;
}

}  // namespace

std::variant<Int128, DecimalError> parse_scaled_decimal(std::string_view text, int scale,
                                                        Int128 limit_units, FinerDigits finer) {
  const auto split_result = split(text);
  if (const auto* error = std::get_if<DecimalError>(&split_result)) {
    return *error;
  }
  const Scientific& number = std::get<Scientific>(split_result);
  if (number.digits.empty()) {
    return Int128{0};
  }

  // The units are the first `kept` significant digits followed by zeros; the rest are finer.
  const auto digit_count = static_cast<std::int64_t>(number.digits.size());
  const std::int64_t kept = digit_count + number.exponent + scale;
  if (kept > kMaxKeptDigits) {
    return DecimalError::out_of_range;
  }

  Int128 units = 0;
  for (std::int64_t i = 0; i < kept; ++i) {
    const int digit = i < digit_count ? number.digits[static_cast<std::size_t>(i)] - '0' : 0;
    units = units * 10 + digit;
  }
  // Trailing zeros stay in `digits`, so whether anything finer is non-zero needs a look at every
  // digit past the kept ones.
  const auto finer_from = static_cast<std::size_t>(std::max<std::int64_t>(kept, 0));
  const bool finer_non_zero =
      kept < digit_count && number.digits.find_first_not_of('0', finer_from) != std::string::npos;
  if (finer_non_zero) {
    if (finer == FinerDigits::refuse) {
      return units >= limit_units ? DecimalError::out_of_range : DecimalError::too_precise;
    }
    const int first_finer = kept >= 0 ? number.digits[static_cast<std::size_t>(kept)] - '0' : 0;
    // A tie only when every digit after the first finer one is zero.
    const auto rest_from = static_cast<std::size_t>(std::max<std::int64_t>(kept + 1, 0));
    const bool rest_non_zero = number.digits.find_first_not_of('0', rest_from) != std::string::npos;
    const bool round_up =
        first_finer > 5 || (first_finer == 5 && (rest_non_zero || units % 2 != 0));
    if (round_up) {
      ++units;
    }
  }
  if (units >= limit_units) {
    return DecimalError::out_of_range;
  }
  return number.negative ? -units : units;
}

}  // namespace cryptometrics::market

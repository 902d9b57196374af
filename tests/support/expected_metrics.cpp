#include "support/expected_metrics.h"

#include <algorithm>
#include <stdexcept>

namespace cryptometrics::testing {
namespace {

// Decimal digits of a non-negative count, at least `width` of them.
std::string digits_of(Units value, std::size_t width) {
  std::string digits;
  while (value != 0 || digits.size() < width) {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  }
  return digits;
}

// A price has at most 18 fractional digits: none in the 19th.
void check_price(Units price) {
  if (price % 10 != 0) {
    throw std::invalid_argument("not a price of at most 18 fractional digits: " + text_of(price));
  }
}

}  // namespace

Units parse_units(std::string_view text) {
  const bool negative = text.starts_with('-');
  if (negative) text.remove_prefix(1);
  const auto point = text.find('.');
  const auto whole = text.substr(0, point);
  auto fraction = point == std::string_view::npos ? std::string_view{} : text.substr(point + 1);
  while (fraction.size() > kDigits && fraction.back() == '0') fraction.remove_suffix(1);
  if (whole.empty() || fraction.size() > kDigits) {
    throw std::invalid_argument("not a decimal of at most 19 fractional digits: " +
                                std::string{text});
  }
  Units units = 0;
  for (const char digit : whole) {
    if (digit < '0' || digit > '9') throw std::invalid_argument("not a decimal: " + std::string{text});
    units = units * 10 + (digit - '0');
  }
  units *= kUnitsPerOne;
  Units scale = kUnitsPerOne;
  for (const char digit : fraction) {
    if (digit < '0' || digit > '9') throw std::invalid_argument("not a decimal: " + std::string{text});
    scale /= 10;
    units += (digit - '0') * scale;
  }
  return negative ? -units : units;
}

std::string text_of(Units units) {
  const bool negative = units < 0;
  if (negative) units = -units;
  std::string fraction = digits_of(units % kUnitsPerOne, kDigits);
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  return (negative ? "-" : "") + digits_of(units / kUnitsPerOne, 1) +
         (fraction.empty() ? "" : "." + fraction);
}

std::string canonical(std::string_view text) { return text_of(parse_units(text)); }

Units divide_half_even(Units numerator, Units divisor) {
  Units quotient = numerator / divisor;
  const Units remainder = numerator % divisor;
  if (2 * remainder > divisor || (2 * remainder == divisor && quotient % 2 != 0)) ++quotient;
  return quotient;
}

ExpectedRow ExpectedPair::add(const std::string& pair, Units bid, Units ask) {
  check_price(bid);
  check_price(ask);
  // Exact: the sum of two prices of 18 digits halves within 19.
  const Units mid = (bid + ask) / 2;
  highest_bid_ = count_ == 0 ? bid : std::max(highest_bid_, bid);
  lowest_ask_ = count_ == 0 ? ask : std::min(lowest_ask_, ask);
  max_spread_ = count_ == 0 ? ask - bid : std::max(max_spread_, ask - bid);
  mids_.push_back(mid);
  if (mids_.size() > window_) mids_.pop_front();
  Units sum = 0;
  for (const Units value : mids_) sum += value;
  ++count_;
  return {pair,
          text_of(bid),
          text_of(ask),
          text_of(mid),
          text_of(ask - bid),
          text_of(highest_bid_),
          text_of(lowest_ask_),
          text_of(max_spread_),
          text_of(divide_half_even(sum, static_cast<Units>(mids_.size()))),
          count_};
}

}  // namespace cryptometrics::testing

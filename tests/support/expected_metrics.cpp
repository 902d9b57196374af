#include "support/expected_metrics.h"

#include <algorithm>
#include <stdexcept>

namespace cryptometrics::testing {
namespace {

Units divide_half_even(Units numerator, Units divisor) {
  Units quotient = numerator / divisor;
  const Units remainder = numerator % divisor;
  if (2 * remainder > divisor || (2 * remainder == divisor && quotient % 2 != 0)) ++quotient;
  return quotient;
}

}  // namespace

Units parse_units(std::string_view text) {
  const bool negative = text.starts_with('-');
  if (negative) text.remove_prefix(1);
  const auto point = text.find('.');
  const auto whole = text.substr(0, point);
  auto fraction = point == std::string_view::npos ? std::string_view{} : text.substr(point + 1);
  while (fraction.size() > 12 && fraction.back() == '0') fraction.remove_suffix(1);
  if (whole.empty() || fraction.size() > 12) {
    throw std::invalid_argument("not a decimal of at most 12 fractional digits: " +
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
  std::string whole = std::to_string(static_cast<long long>(units / kUnitsPerOne));
  std::string fraction = std::to_string(static_cast<long long>(units % kUnitsPerOne));
  fraction.insert(0, 12 - fraction.size(), '0');
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  return (negative ? "-" : "") + whole + (fraction.empty() ? "" : "." + fraction);
}

std::string canonical(std::string_view text) { return text_of(parse_units(text)); }

ExpectedRow ExpectedPair::add(const std::string& pair, Units bid, Units ask) {
  const Units mid = divide_half_even(bid + ask, 2);
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

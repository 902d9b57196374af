#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <variant>

#include "market/excerpt.h"
#include "market/price_limits.h"
#include "market/quote_decoder.h"

namespace cryptometrics::market {

// What the rest of the service relies on from decode_quote(), checked by the fuzz target and by
// the corpus test alike: a Quote has a pair, positive prices below kMaxPrice with at most
// kPriceFractionDigits fractional digits, ask not below bid, a time every store takes, and prices
// and a time that survive their text form; a Rejection has a short, printable reason.
// Returns the first promise `decoded` breaks, or nullopt.
inline std::optional<std::string> broken_promise(const Decoded& decoded) {
  // As in tests/market/quote_decoder_fuzz_test.cpp: a reason goes straight into a log line.
  constexpr std::size_t kMaxReasonBytes = 1000;
  if (const auto* rejection = std::get_if<Rejection>(&decoded)) {
    if (rejection->reason.empty()) {
      return "empty rejection reason";
    }
    if (rejection->reason.size() > kMaxReasonBytes) {
      return "rejection reason longer than " + std::to_string(kMaxReasonBytes) + " bytes";
    }
    if (excerpt(rejection->reason, kMaxReasonBytes) != rejection->reason) {
      return "rejection reason is not printable UTF-8: " + rejection->reason;
    }
    return std::nullopt;
  }
  const auto& quote = std::get<Quote>(decoded);
  const auto survives_text = [](Decimal price) {
    const auto again = Decimal::parse(price.to_string());
    return std::holds_alternative<Decimal>(again) && std::get<Decimal>(again) == price;
  };
  if (quote.pair.empty()) {
    return "quote without a pair";
  }
  if (!quote.bid.is_positive() || quote.ask < quote.bid ||
      quote.ask >= Decimal::from_integer(kMaxPrice)) {
    return "quote prices out of order or range: bid " + quote.bid.to_string() + ", ask " +
           quote.ask.to_string();
  }
  if (!survives_text(quote.bid) || !survives_text(quote.ask)) {
    return "price does not survive to_string: bid " + quote.bid.to_string() + ", ask " +
           quote.ask.to_string();
  }
  // A Decimal keeps one fractional digit more than a price may have: a price's last one is 0.
  static_assert(Decimal::kScale == kPriceFractionDigits + 1);
  if (quote.bid.units() % 10 != 0 || quote.ask.units() % 10 != 0) {
    return "price with more than " + std::to_string(kPriceFractionDigits) +
           " fractional digits: bid " + quote.bid.to_string() + ", ask " + quote.ask.to_string();
  }
  if (!is_storable(quote.timestamp)) {
    return "timestamp outside years 0001 to 9999: " + format_rfc3339(quote.timestamp);
  }
  if (parse_rfc3339(format_rfc3339(quote.timestamp)) != quote.timestamp) {
    return "timestamp does not survive format_rfc3339: " + format_rfc3339(quote.timestamp);
  }
  return std::nullopt;
}

}  // namespace cryptometrics::market

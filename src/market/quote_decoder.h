#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "market/price_limits.h"
#include "market/quote.h"
#include "market/timestamp.h"

namespace cryptometrics::market {

// What kind of fault a rejected message had: a fixed set, to count rejections by (the reasons
// themselves quote the message, so they cannot be labels).
enum class RejectionKind {
  malformed,  // not JSON, not an object, a field twice
  missing_field,
  wrong_type,  // a field of the wrong JSON type
  bad_pair,
  bad_price,          // not a decimal, not finite, not positive, too large
  price_too_precise,  // more fractional digits than kPriceFractionDigits
  ask_below_bid,
  bad_timestamp,
  not_ticker,  // a Coinbase message of another type
};

inline constexpr std::size_t kRejectionKinds = 9;

// The kind's name in snake case ("ask_below_bid").
std::string_view rejection_kind_name(RejectionKind kind);

// Why a message was not accepted, in words an operator can act on ("ask 10.5 is below bid 11").
struct Rejection {
  RejectionKind kind = RejectionKind::malformed;
  std::string reason;

  bool operator==(const Rejection&) const = default;
};

using Decoded = std::variant<Quote, Rejection>;

// Decodes one message of either format of the design: the original
// {"pair","bid","ask","timestamp"} or a Coinbase Exchange ticker {"type":"ticker","product_id",
// "best_bid","best_ask","time"}. Prices are taken from the JSON text, never through a double, and
// never rounded (price_limits.h).
// `broker_timestamp` (the Kafka message time) stands in when the message carries none.
Decoded decode_quote(std::string_view payload, std::optional<Timestamp> broker_timestamp);

}  // namespace cryptometrics::market

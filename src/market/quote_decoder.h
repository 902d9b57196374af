#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "market/quote.h"
#include "market/timestamp.h"

namespace cryptometrics::market {

// Why a message was not accepted, in words an operator can act on ("ask 10.5 is below bid 11").
struct Rejection {
  std::string reason;

  bool operator==(const Rejection&) const = default;
};

using Decoded = std::variant<Quote, Rejection>;

// Prices at or above this are rejected as too large.
inline constexpr std::int64_t kMaxPrice = 1'000'000'000'000'000;  // 10^15

// Decodes one message of either format of the design: the original
// {"pair","bid","ask","timestamp"} or a Coinbase Exchange ticker {"type":"ticker","product_id",
// "best_bid","best_ask","time"}. Prices are taken from the JSON text, never through a double.
// `broker_timestamp` (the Kafka message time) stands in when the message carries none.
Decoded decode_quote(std::string_view payload, std::optional<Timestamp> broker_timestamp);

}  // namespace cryptometrics::market

#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "market/decimal.h"
#include "market/quote.h"

namespace cryptometrics::metrics {

inline market::Decimal decimal(std::string_view text) {
  return std::get<market::Decimal>(market::Decimal::parse(text));
}

// A quote of `pair` at second `second` after 2023-11-14T22:13:20Z.
inline market::Quote quote(std::string pair, std::string_view bid, std::string_view ask,
                           std::int64_t second = 0) {
  return market::Quote{std::move(pair), decimal(bid), decimal(ask),
                       market::Timestamp{std::chrono::seconds{1'700'000'000 + second}}};
}

}  // namespace cryptometrics::metrics

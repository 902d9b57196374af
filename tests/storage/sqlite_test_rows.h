#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "market/decimal.h"
#include "market/timestamp.h"
#include "storage/batch.h"

namespace cryptometrics::storage {

inline market::Decimal decimal(std::string_view text) {
  const auto parsed = market::Decimal::parse(text);
  if (const auto* value = std::get_if<market::Decimal>(&parsed)) {
    return *value;
  }
  throw std::invalid_argument("test decimal " + std::string{text});
}

// 2026-01-01T00:00:00Z plus `seconds` and 0.123456 s.
inline market::Timestamp test_time(std::int64_t seconds) {
  using namespace std::chrono;
  return market::Timestamp{sys_days{year{2026} / 1 / 1}} + seconds * 1s + 123456us;
}

// A row whose columns all hold different values derived from `offset`, so a column read back
// in another's place shows.
inline QuoteRow quote_row(std::string pair, std::int64_t offset, std::int32_t partition = 0,
                          std::string topic = "crypto_prices") {
  const market::Decimal base = market::Decimal::from_integer(1000 + offset);
  QuoteRow row;
  row.metrics.pair = std::move(pair);
  row.metrics.bid = base + decimal("0.000000000001");
  row.metrics.ask = base + decimal("0.5");
  row.metrics.mid_price = base + decimal("0.25");
  row.metrics.spread = decimal("0.499999999999");
  row.metrics.highest_bid = base + decimal("0.1");
  row.metrics.lowest_ask = base + decimal("0.4");
  row.metrics.max_spread = decimal("0.75");
  row.metrics.moving_avg = base + decimal("0.123456789012");
  row.metrics.count = offset + 1;
  row.metrics.timestamp = test_time(offset);
  row.source = Source{std::move(topic), partition, offset};
  return row;
}

inline RejectedRow rejected_row(std::int64_t offset, std::int32_t partition = 0,
                                std::string topic = "crypto_prices") {
  return RejectedRow::of("{\"pair\":\"BTC-USD\",\"bid\":" + std::to_string(offset) + "}",
                         "field ask is missing", Source{std::move(topic), partition, offset},
                         test_time(offset));
}

}  // namespace cryptometrics::storage

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cryptometrics::testing {

// Messages of the Coinbase Exchange websocket feed, written from its documentation
// (docs.cdp.coinbase.com/exchange/websocket-feed/channels): prices and sizes are strings,
// `sequence` and `trade_id` numbers.

struct TickerFields {
  std::string product_id;
  std::int64_t sequence = 0;
  std::string best_bid;
  std::string best_ask;
  // Unset: the ticker Coinbase sends first after a subscribe, without `time`, `side`,
  // `trade_id`, `last_size` or sizes.
  std::optional<std::string> time;
};

std::string ticker_message(const TickerFields& fields);
std::string heartbeat_message(const std::string& product_id, std::int64_t sequence);
std::string subscriptions_message(const std::vector<std::string>& product_ids);
std::string error_message(const std::string& message, const std::string& reason);

}  // namespace cryptometrics::testing

#include "support/coinbase_messages.h"

#include <nlohmann/json.hpp>

namespace cryptometrics::testing {

using nlohmann::json;

std::string ticker_message(const TickerFields& fields) {
  json ticker = {{"type", "ticker"},
                 {"sequence", fields.sequence},
                 {"product_id", fields.product_id},
                 {"price", fields.best_ask},
                 {"open_24h", "1.00"},
                 {"volume_24h", "1234.5678"},
                 {"low_24h", "1.00"},
                 {"high_24h", fields.best_ask},
                 {"volume_30d", "98765.4321"},
                 {"best_bid", fields.best_bid},
                 {"best_ask", fields.best_ask}};
  if (fields.time) {
    ticker["best_bid_size"] = "0.5";
    ticker["best_ask_size"] = "1.25";
    ticker["side"] = "buy";
    ticker["time"] = *fields.time;
    ticker["trade_id"] = fields.sequence / 7;
    ticker["last_size"] = "0.01";
  }
  return ticker.dump();
}

std::string heartbeat_message(const std::string& product_id, std::int64_t sequence) {
  return json{{"type", "heartbeat"},
              {"sequence", sequence},
              {"last_trade_id", sequence / 7},
              {"product_id", product_id},
              {"time", "2026-11-30T10:00:00.000000Z"}}
      .dump();
}

std::string subscriptions_message(const std::vector<std::string>& product_ids) {
  return json{{"type", "subscriptions"},
              {"channels",
               {{{"name", "ticker"}, {"product_ids", product_ids}},
                {{"name", "heartbeat"}, {"product_ids", product_ids}}}}}
      .dump();
}

std::string error_message(const std::string& message, const std::string& reason) {
  return json{{"type", "error"}, {"message", message}, {"reason", reason}}.dump();
}

}  // namespace cryptometrics::testing

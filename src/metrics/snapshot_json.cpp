#include "metrics/snapshot_json.h"

#include <stdexcept>
#include <string>
#include <variant>

#include "market/timestamp.h"

namespace cryptometrics::metrics {

nlohmann::ordered_json snapshot_json(const Snapshot& snapshot) {
  return {
      {"pair", snapshot.pair},
      {"bid", snapshot.bid.to_string()},
      {"ask", snapshot.ask.to_string()},
      {"mid_price", snapshot.mid_price.to_string()},
      {"spread", snapshot.spread.to_string()},
      {"highest_bid", snapshot.highest_bid.to_string()},
      {"lowest_ask", snapshot.lowest_ask.to_string()},
      {"max_spread", snapshot.max_spread.to_string()},
      {"moving_avg", snapshot.moving_avg.to_string()},
      {"count", snapshot.count},
      {"timestamp", market::format_rfc3339(snapshot.timestamp)},
  };
}

market::Decimal decimal_from_json(const nlohmann::ordered_json& value) {
  const auto parsed = market::Decimal::parse(value.get<std::string>());
  if (const auto* decimal = std::get_if<market::Decimal>(&parsed)) {
    return *decimal;
  }
  throw std::runtime_error("not a decimal: " + value.dump());
}

Snapshot snapshot_from_json(const nlohmann::ordered_json& object) {
  Snapshot snapshot;
  snapshot.pair = object.at("pair").get<std::string>();
  snapshot.bid = decimal_from_json(object.at("bid"));
  snapshot.ask = decimal_from_json(object.at("ask"));
  snapshot.mid_price = decimal_from_json(object.at("mid_price"));
  snapshot.spread = decimal_from_json(object.at("spread"));
  snapshot.highest_bid = decimal_from_json(object.at("highest_bid"));
  snapshot.lowest_ask = decimal_from_json(object.at("lowest_ask"));
  snapshot.max_spread = decimal_from_json(object.at("max_spread"));
  snapshot.moving_avg = decimal_from_json(object.at("moving_avg"));
  snapshot.count = object.at("count").get<std::int64_t>();
  const auto timestamp = market::parse_rfc3339(object.at("timestamp").get<std::string>());
  if (!timestamp) {
    throw std::runtime_error("not a timestamp: " + object.at("timestamp").dump());
  }
  snapshot.timestamp = *timestamp;
  return snapshot;
}

}  // namespace cryptometrics::metrics

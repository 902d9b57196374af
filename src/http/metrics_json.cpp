#include "http/metrics_json.h"

#include "market/timestamp.h"

namespace cryptometrics::http {

nlohmann::ordered_json metrics_json(const metrics::Snapshot& snapshot) {
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

}  // namespace cryptometrics::http

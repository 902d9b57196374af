#pragma once

#include <nlohmann/json.hpp>

#include "metrics/snapshot.h"

namespace cryptometrics::http {

// One pair's metrics as served: prices as exact decimal strings, the timestamp in RFC 3339,
// fields in the order pair, bid, ask, mid_price, spread, highest_bid, lowest_ask, max_spread,
// moving_avg, count, timestamp.
nlohmann::ordered_json metrics_json(const metrics::Snapshot& snapshot);

}  // namespace cryptometrics::http

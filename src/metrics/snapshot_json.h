#pragma once

#include <nlohmann/json.hpp>

#include "market/decimal.h"
#include "metrics/snapshot.h"

namespace cryptometrics::metrics {

// One pair's metrics as served over HTTP and kept in the spool's checkpoint: prices as exact
// decimal strings, the timestamp in RFC 3339, fields in the order pair, bid, ask, mid_price,
// spread, highest_bid, lowest_ask, max_spread, moving_avg, count, timestamp.
nlohmann::ordered_json snapshot_json(const Snapshot& snapshot);

// What snapshot_json() wrote; throws std::runtime_error (or nlohmann's exceptions, for a field
// missing or of the wrong type) when `object` is not that.
Snapshot snapshot_from_json(const nlohmann::ordered_json& object);

// A decimal written as its exact text; throws std::runtime_error when `value` is not one.
market::Decimal decimal_from_json(const nlohmann::ordered_json& value);

}  // namespace cryptometrics::metrics

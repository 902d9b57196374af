#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "market/timestamp.h"
#include "storage/batch.h"

namespace cryptometrics::http {

// Rows a history answer holds when the request does not say, and at most (a larger limit is
// capped, not refused).
inline constexpr std::size_t kDefaultHistoryRows = 100;
inline constexpr std::size_t kMostHistoryRows = 1000;

// What GET /metrics/{pair}/history asks storage for.
struct HistoryQuery {
  std::string pair;  // canonical: "BTC-USD"
  std::size_t limit = kDefaultHistoryRows;
  std::optional<market::Timestamp> since;  // rows with a quote timestamp at or after it

  bool operator==(const HistoryQuery&) const = default;
};

// A history request read: its query, or why it is malformed (answered 400).
using HistoryRequest = std::variant<HistoryQuery, std::string>;

// Reads `target` as /metrics/{pair}/history?limit=N&since=RFC3339 (one trailing slash allowed,
// each parameter at most once, no other parameters); nullopt when its path is not that one.
std::optional<HistoryRequest> read_history_request(std::string_view target);

// The rows, newest first, or why storage could not read them.
using HistoryResult = std::variant<std::vector<storage::QuoteRow>, std::string>;

// Reads what `query` asks for away from the event loop, then calls `done` on the event loop.
using HistoryReader =
    std::function<void(const HistoryQuery& query, std::function<void(HistoryResult)> done)>;

// {"pair": pair, "rows": [each row as /metrics/{pair} spells its metrics, plus kafka_topic,
// kafka_partition and kafka_offset (null for a row stored without them)]}.
std::string history_json(const std::string& pair, const std::vector<storage::QuoteRow>& rows);

}  // namespace cryptometrics::http

#pragma once

#include <string_view>

#include "storage/batch.h"
#include "storage/sqlite/row_reader.h"

namespace cryptometrics::storage::sqlite {

// How quotes and rejections lie in the crypto_metrics and rejected_quotes tables that the SQLite
// store and the spool both keep: the columns to select, the row's id first, and reading them.
inline constexpr std::string_view kQuoteColumns =
    "id, pair, bid, ask, mid_price, spread, highest_bid, lowest_ask, max_spread, moving_avg,"
    " quote_count, timestamp, kafka_topic, kafka_partition, kafka_offset, kafka_life";
inline constexpr int kMidPriceColumn = 4;  // of kQuoteColumns
inline constexpr std::string_view kRejectionColumns =
    "id, payload, reason, kafka_topic, kafka_partition, kafka_offset, received_at,"
    " payload_length, payload_sha256, kafka_life";

// The current row of a query that selects kQuoteColumns.
QuoteRow read_quote(const RowReader& row);
// The current row of a query that selects kRejectionColumns.
RejectedRow read_rejection(const RowReader& row);

}  // namespace cryptometrics::storage::sqlite

#include "storage/sqlite/row_format.h"

#include <cstdint>

namespace cryptometrics::storage::sqlite {

QuoteRow read_quote(const RowReader& row) {
  QuoteRow quote;
  metrics::Snapshot& metrics = quote.metrics;
  metrics.pair = row.text(1);
  metrics.bid = row.decimal(2);
  metrics.ask = row.decimal(3);
  metrics.mid_price = row.decimal(kMidPriceColumn);
  metrics.spread = row.decimal(5);
  metrics.highest_bid = row.decimal(6);
  metrics.lowest_ask = row.decimal(7);
  metrics.max_spread = row.decimal(8);
  metrics.moving_avg = row.decimal(9);
  metrics.count = row.integer(10);
  metrics.timestamp = row.timestamp(11);
  quote.source = Source{row.text(12), row.int32(13), row.integer(14), row.int32(15)};
  return quote;
}

RejectedRow read_rejection(const RowReader& row) {
  return RejectedRow{.payload = row.blob(1),
                     .reason = row.text(2),
                     .source = Source{row.text(3), row.int32(4), row.integer(5), row.int32(9)},
                     .received_at = row.timestamp(6),
                     .payload_length = static_cast<std::uint64_t>(row.integer(7)),
                     .payload_sha256 = row.text(8)};
}

}  // namespace cryptometrics::storage::sqlite

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "market/timestamp.h"
#include "metrics/snapshot.h"

namespace cryptometrics::storage {

// Where a message came from: its Kafka topic, partition and offset. Unique per message.
struct Source {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;

  bool operator==(const Source&) const = default;
};

// An accepted quote with the metrics right after it: one row of crypto_metrics.
struct QuoteRow {
  metrics::Snapshot metrics;
  Source source;

  bool operator==(const QuoteRow&) const = default;
};

// A message that was not accepted: one row of rejected_quotes.
struct RejectedRow {
  std::string payload;
  std::string reason;
  Source source;
  market::Timestamp received_at;

  bool operator==(const RejectedRow&) const = default;
};

// The next offset to consume from a partition: every message before it is stored.
struct PartitionOffset {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t next_offset = 0;

  bool operator==(const PartitionOffset&) const = default;
};

// What one transaction stores: rows, rejections and the offsets they bring each partition to.
struct Batch {
  std::vector<QuoteRow> quotes;
  std::vector<RejectedRow> rejections;
  std::vector<PartitionOffset> offsets;

  bool empty() const { return quotes.empty() && rejections.empty() && offsets.empty(); }
  // Quotes and rejections: the rows it stores.
  std::size_t messages() const { return quotes.size() + rejections.size(); }
};

}  // namespace cryptometrics::storage

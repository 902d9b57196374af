#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kafka/topic_partition.h"
#include "market/timestamp.h"
#include "metrics/snapshot.h"

namespace cryptometrics::storage {

// Counts the times a partition started over: its offsets began again from below what was stored
// (the embedded broker, new each run; a topic deleted and made again). 0 for its first life.
// The same topic, partition and offset name a different message in each life.
using Life = std::int32_t;

// Source, PartitionOffset and Claim are each a Kafka partition with what is known of it, so that
// one of them is a kafka::TopicPartition where a partition is all that matters (a map's key, a
// set of partitions lost, a log line's "crypto_prices[2]").

// Where a message came from: its Kafka topic and partition, offset and the partition's life.
// Unique per message.
struct Source : kafka::TopicPartition {
  std::int64_t offset = 0;
  Life life = 0;

  auto operator<=>(const Source&) const = default;
};

// An accepted quote with the metrics right after it: one row of crypto_metrics.
struct QuoteRow {
  metrics::Snapshot metrics;
  Source source;

  bool operator==(const QuoteRow&) const = default;
};

// A message that was not accepted: one row of rejected_quotes. Only the first
// kKeptPayloadBytes of the payload are kept, with the whole payload's length and SHA-256.
struct RejectedRow {
  static constexpr std::size_t kKeptPayloadBytes = 64 * 1024;

  // Keeps what is kept of `payload`, and its length and hash.
  static RejectedRow of(std::string_view payload, std::string reason, Source source,
                        market::Timestamp received_at);

  std::string payload;  // the first kKeptPayloadBytes at most
  std::string reason;
  Source source;
  market::Timestamp received_at;
  std::uint64_t payload_length = 0;  // of the whole payload
  std::string payload_sha256;        // of the whole payload, 64 lower-case hex digits

  bool operator==(const RejectedRow&) const = default;
};

// The next offset to consume from a partition in its life: every message before it is stored.
struct PartitionOffset : kafka::TopicPartition {
  std::int64_t next_offset = 0;
  Life life = 0;

  // Whether this lies beyond `other` of the same partition: a later life, or further in it.
  bool beyond(const PartitionOffset& other) const {
    return life != other.life ? life > other.life : next_offset > other.next_offset;
  }

  bool operator==(const PartitionOffset&) const = default;
};

// Per partition, the offset that lies furthest; ordered by topic and partition.
std::vector<PartitionOffset> furthest_per_partition(std::vector<PartitionOffset> offsets);

// An instance's claim on a partition: the epoch PostgreSQL gave it when the partition was
// assigned to the instance. A batch carries the claims of its partitions; once another instance
// claimed one since, the store refuses the batch whole (Fenced), so an instance that lost a
// partition without knowing it yet cannot write over its new owner's rows.
struct Claim : kafka::TopicPartition {
  std::int64_t epoch = 0;

  bool operator==(const Claim&) const = default;
};

// What one transaction stores: rows, rejections and the offsets they bring each partition to,
// under the claims of those partitions (none where the store fences nothing).
struct Batch {
  std::vector<QuoteRow> quotes;
  std::vector<RejectedRow> rejections;
  std::vector<PartitionOffset> offsets;
  std::vector<Claim> claims = {};

  bool empty() const { return quotes.empty() && rejections.empty() && offsets.empty(); }
  // Quotes and rejections: the rows it stores.
  std::size_t messages() const { return quotes.size() + rejections.size(); }
};

}  // namespace cryptometrics::storage

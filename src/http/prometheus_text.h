#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/request_counts.h"
#include "kafka/topic_partition.h"
#include "market/quote_decoder.h"
#include "metrics/latency_histogram.h"
#include "storage/storage.h"

namespace cryptometrics::http {

// The Content-Type of the Prometheus text exposition format.
inline constexpr char kPrometheusContentType[] = "text/plain; version=0.0.4";

// The live feed's counts since the start (FEED=coinbase).
struct FeedFigures {
  // Messages received, by type: ticker, heartbeat, subscriptions, error, unknown, malformed.
  std::vector<std::pair<std::string, std::uint64_t>> messages;
  std::uint64_t reconnects = 0;
  std::uint64_t dropped_stale_sequence = 0;  // not newer than their product's last
  std::uint64_t dropped_kafka_backlog = 0;   // superseded while Kafka could not keep up
  std::uint64_t dropped_kafka_refused = 0;   // refused by the producer for good
  std::uint64_t timed_on_receipt = 0;        // tickers without `time`
  std::uint64_t produced = 0;
  std::string state;  // connecting, subscribed, stale, backing_off, stopped
};

// The service's own figures at one moment, read where they are kept (the ingestor's counters,
// the store's status, the consumer's positions).
struct ServiceFigures {
  std::uint64_t quotes_accepted = 0;
  std::array<std::uint64_t, market::kRejectionKinds> quotes_rejected{};  // by RejectionKind
  std::uint64_t lost_upstream = 0;            // deleted by retention before they were read
  std::uint64_t partitions_started_over = 0;  // new lives of partitions
  std::uint64_t quotes_off_their_pairs_partition = 0;  // from producers that do not key by pair
  std::uint64_t fenced = 0;  // dropped for the instance that claimed their partition since
  storage::Status storage;  // with the messages stored, by where they were made durable
  std::vector<kafka::PartitionLag> consumer_lag;
  std::optional<FeedFigures> feed = {};
};

// The figures, the latency histogram (its own buckets, in seconds) and the request counts in the
// Prometheus text format, version 0.0.4.
std::string prometheus_text(const ServiceFigures& figures, const metrics::LatencyHistogram& latency,
                            const RequestCounts& requests);

}  // namespace cryptometrics::http

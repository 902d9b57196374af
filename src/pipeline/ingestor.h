#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "kafka/consumer.h"
#include "market/quote_decoder.h"
#include "metrics/book.h"
#include "metrics/latency_histogram.h"
#include "pipeline/rejection_log.h"
#include "storage/batch.h"
#include "storage/storage_thread.h"

namespace cryptometrics::pipeline {

struct IngestorSettings {
  kafka::ConsumerSettings kafka;
  // A batch goes to storage as soon as storage is free, with at most this many messages.
  std::size_t max_batch = 10'000;
  // While storage is busy, reading pauses once this many messages wait (decoded, about 400 bytes
  // each: this bounds most of the service's memory during a catch-up).
  std::size_t max_pending = 20'000;
  // A smaller batch waits this long for company once storage is free: under a slow stream that
  // is one transaction per 10 ms instead of one per handful of quotes, whose cost on PostgreSQL
  // and the storage thread otherwise competes with the event loop. Metrics are visible at once
  // all the same; only their rows become durable up to this much later.
  std::chrono::milliseconds batch_linger{10};
};

struct IngestCounters {
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::array<std::uint64_t, market::kRejectionKinds> rejected_by_kind{};  // by RejectionKind
  std::uint64_t stored = 0;   // messages (quotes and rejections) durable in storage
  std::uint64_t skipped = 0;  // delivered again by Kafka but already stored
};

// The pipeline on the event loop: Kafka messages are decoded, folded into the book, batched and
// handed to the storage thread; their offsets are committed once storage made them durable.
// On every partition assignment the book and the start offsets are read back from storage, so
// that no message is stored or counted twice.
class Ingestor final : private kafka::ConsumerHandler {
 public:
  Ingestor(boost::asio::io_context& io, const IngestorSettings& settings, metrics::Book& book,
           storage::StorageThread& storage);
  ~Ingestor() override;

  // Reads the book back from storage, then joins the consumer group.
  void start();

  // Stops reading, stores what is pending, commits offsets and leaves the group; then `done`
  // runs on the event loop.
  void stop(std::function<void()> done);

  kafka::Consumer::Status kafka_status() const { return consumer_.status(); }
  std::vector<kafka::PartitionLag> kafka_lag() const { return consumer_.lag(); }
  const IngestCounters& counters() const { return counters_; }
  // Since start, for each accepted quote with a Kafka timestamp: from that timestamp to its
  // metrics being in the book, and so visible over HTTP, which reads the book on the same loop.
  const metrics::LatencyHistogram& latency() const { return latency_; }

 private:
  using Offsets = std::map<kafka::TopicPartition, std::int64_t>;

  void on_assigned(std::vector<kafka::TopicPartition> partitions) override;
  void on_revoked() override;
  void on_message(const kafka::Message& message) override;
  void on_idle() override;

  void flush();
  // Flushes once the oldest pending message has waited batch_linger, or at once when stopping
  // or rebalancing; until then a timer waits.
  void flush_when_due();
  void write(std::shared_ptr<const storage::Batch> batch, Offsets offsets);
  void written(std::shared_ptr<const storage::Batch> batch, const Offsets& offsets);
  void write_failed(std::shared_ptr<const storage::Batch> batch, Offsets offsets,
                    const std::string& error);
  void load_state(std::uint64_t generation, std::vector<kafka::TopicPartition> partitions);
  void load_state_when_idle();
  void finish_stop();
  std::size_t pending_messages() const;
  void log_progress();

  boost::asio::io_context& io_;
  IngestorSettings settings_;
  metrics::Book& book_;
  storage::StorageThread& storage_;
  kafka::Consumer consumer_;
  RejectionLog rejection_log_;

  storage::Batch pending_;
  std::chrono::steady_clock::time_point pending_since_{};  // when the oldest pending arrived
  boost::asio::steady_timer linger_timer_;
  bool linger_armed_ = false;
  Offsets pending_offsets_;
  Offsets next_offsets_;  // per partition, the first offset not yet taken in
  bool writing_ = false;
  std::chrono::seconds retry_delay_{1};
  boost::asio::steady_timer retry_timer_;

  std::uint64_t generation_ = 0;  // bumped by every rebalance
  std::optional<std::vector<kafka::TopicPartition>> assignment_to_load_;

  bool stopping_ = false;
  std::function<void()> stopped_;

  IngestCounters counters_;
  IngestCounters logged_counters_;
  boost::asio::steady_timer progress_timer_;
  metrics::LatencyHistogram latency_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace cryptometrics::pipeline

#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "kafka/consumer.h"
#include "metrics/book.h"
#include "metrics/latency_histogram.h"
#include "pipeline/assignment_restorer.h"
#include "pipeline/batcher.h"
#include "pipeline/durable_writer.h"
#include "pipeline/ingest_counters.h"
#include "pipeline/others_view.h"
#include "storage/batch.h"
#include "storage/storage_thread.h"

namespace cryptometrics::pipeline {

struct IngestorSettings {
  kafka::ConsumerSettings kafka;
  // The name this instance claims its partitions under in PostgreSQL (INSTANCE_ID).
  std::string instance_id = "crypto-metrics";
  // The topic is new in this run (the embedded broker lives in this process): every partition
  // with stored offsets starts a new life, read from its beginning. Without it, a partition that
  // starts over is still found, once Kafka answers a stored offset beyond its end.
  bool topic_starts_empty = false;
  // A batch goes to storage as soon as storage is free, with at most this many messages.
  std::size_t max_batch = 10'000;
  // While storage is busy, reading pauses once this many messages wait (decoded, about 400 bytes
  // each: this bounds most of the service's memory during a catch-up), or once they hold this
  // many bytes (rejected messages keep up to 64 KiB of their payload each). The batch being
  // written holds at most as much again.
  std::size_t max_pending = 20'000;
  std::size_t max_pending_bytes = 16 * 1024 * 1024;
  // A smaller batch waits this long for company once storage is free: under a slow stream that
  // is one transaction per 10 ms instead of one per handful of quotes, whose cost on PostgreSQL
  // and the storage thread otherwise competes with the event loop. Metrics are visible at once
  // all the same; only their rows become durable up to this much later.
  std::chrono::milliseconds batch_linger{10};
};

// The pipeline on the event loop: Kafka messages are decoded, folded into the book, batched and
// handed to the storage thread; their offsets are committed once storage made them durable.
// On every partition assignment the book and the start offsets are read back from storage, so
// that no message is stored or counted twice. This class receives the consumer's calls and
// wires the parts that do the work: the Batcher, the DurableWriter, the AssignmentRestorer and
// the OthersView.
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
  IngestCounters counters() const;
  // What the messages taken in but not yet handed to storage hold, about.
  std::size_t pending_bytes() const { return batcher_.bytes(); }
  // Since start, for each accepted quote with a Kafka timestamp: from that timestamp to its
  // metrics being in the book, and so visible over HTTP, which reads the book on the same loop.
  const metrics::LatencyHistogram& latency() const { return batcher_.latency(); }

 private:
  void on_assigned(std::vector<kafka::TopicPartition> partitions) override;
  void on_revoked(std::vector<kafka::TopicPartition> partitions) override;
  void on_message(const kafka::Message& message) override;
  void on_idle() override;

  boost::asio::awaitable<void> restore_then_join();
  // Flushes once the oldest pending message has waited batch_linger, or at once when stopping
  // or rebalancing; until then the batcher's timer waits.
  void flush_when_due();
  // Hands the pending messages to the writer, under this instance's claims.
  void flush();
  // The writer's reports.
  void written(const storage::Batch& batch);
  void fenced(const std::set<kafka::TopicPartition>& lost, const std::string& reason,
              std::size_t dropped);
  // Stopping gives up a batch storage refused: it stays uncommitted, to be consumed again at
  // the next start, and so does every message read after it, or the offsets stored with those
  // would pass over it. Then the stop completes.
  void given_up(std::size_t messages, const std::string& error);
  // The state read on assignment must include every row taken in before, so the take-over
  // waits for pending and in-flight writes (no messages arrive meanwhile: librdkafka pauses the
  // partitions kept from the rebalance until Consumer::assign adds the new ones, so a steady
  // stream on them cannot keep the take-over waiting).
  void take_over_when_idle();
  void taken_over(Assignment assignment);
  void finish_stop();
  // Every few seconds while anything moves: a line of figures in the log.
  boost::asio::awaitable<void> report_progress();
  // Whether `partition` is this instance's: assigned, being taken over, or read.
  bool owns(const kafka::TopicPartition& partition) const;

  boost::asio::io_context& io_;
  IngestorSettings settings_;
  metrics::Book& book_;
  storage::StorageThread& storage_;
  Batcher batcher_;
  DurableWriter writer_;
  AssignmentRestorer restorer_;
  OthersView others_;

  bool stopping_ = false;
  std::function<void()> stopped_;

  IngestCounters logged_counters_;
  boost::asio::steady_timer progress_timer_;

  // Declared last, so destroyed first: destroying it leaves the group, which runs on_revoked,
  // and that uses the members above.
  kafka::Consumer consumer_;
};

}  // namespace cryptometrics::pipeline

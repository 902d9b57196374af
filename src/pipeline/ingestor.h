#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "kafka/consumer.h"
#include "market/quote_decoder.h"
#include "metrics/book.h"
#include "metrics/latency_histogram.h"
#include "pipeline/rejection_log.h"
#include "storage/batch.h"
#include "storage/spool/backoff.h"
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

struct IngestCounters {
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;
  std::array<std::uint64_t, market::kRejectionKinds> rejected_by_kind{};  // by RejectionKind
  std::uint64_t stored = 0;  // messages (quotes and rejections) durable in storage
  // Messages deleted from a partition (by retention) before this service read them.
  std::uint64_t lost_upstream = 0;
  // Times a partition started over below its stored offset and a new life of it began.
  std::uint64_t partitions_started_over = 0;
  // Messages dropped unstored because another instance claimed their partition meanwhile (it
  // stores them instead).
  std::uint64_t fenced = 0;
  // Quotes of a pair read from another partition than the one its first quote came from in this
  // run: a producer that does not key by pair, whose quotes per-pair state cannot order.
  std::uint64_t quotes_off_their_pairs_partition = 0;
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
  // What the messages taken in but not yet handed to storage hold, about.
  std::size_t pending_bytes() const { return pending_bytes_; }
  // Since start, for each accepted quote with a Kafka timestamp: from that timestamp to its
  // metrics being in the book, and so visible over HTTP, which reads the book on the same loop.
  const metrics::LatencyHistogram& latency() const { return latency_; }

 private:
  // Where reading a partition stands: its life, and the offset of the next message expected
  // (-1 until the first message shows where the partition starts).
  struct Position {
    storage::Life life = 0;
    std::int64_t next_offset = -1;
  };
  using Positions = std::map<kafka::TopicPartition, Position>;

  void on_assigned(std::vector<kafka::TopicPartition> partitions) override;
  void on_revoked(std::vector<kafka::TopicPartition> partitions) override;
  void on_message(const kafka::Message& message) override;
  void on_idle() override;

  // Follows the partition to `offset`: a new life when the partition started over below what
  // was expected, a warning when offsets were skipped. Returns the partition's position.
  const Position& advance(const kafka::TopicPartition& partition, std::int64_t offset);
  // Counts a quote of `pair` read from another partition than the pair's first, and warns once
  // for each pair and partition.
  void check_keyed_by_pair(const std::string& pair, const kafka::TopicPartition& partition);
  void flush();
  // Flushes once the oldest pending message has waited batch_linger, or at once when stopping
  // or rebalancing; until then a timer waits.
  void flush_when_due();
  // Hands `batch` to storage; reading pauses while storage is busy and pending fills up.
  void write(std::shared_ptr<const storage::Batch> batch, Positions offsets);
  // Writes `batch` until storage takes it, waiting longer after each failure; a stop gives it up.
  boost::asio::awaitable<void> store(std::shared_ptr<const storage::Batch> batch,
                                     Positions offsets);
  void written(const storage::Batch& batch, const Positions& offsets);
  // Storage refused `batch` because another instance claimed `lost` since: their rows, pending
  // messages and pairs are dropped, and the rest of the batch is written again.
  void fenced(const storage::Batch& batch, Positions offsets,
              const std::vector<storage::Claim>& lost, const std::string& reason);
  // Stopping gives up a batch storage refused: it stays uncommitted, to be consumed again at
  // the next start, and so does every message read after it, or the offsets stored with those
  // would pass over it. Then the stop completes.
  void give_up(std::size_t messages, const std::string& error);
  // Reads the book back from storage, then joins the group.
  boost::asio::awaitable<void> restore_then_join();
  void load_state_when_idle();
  // Claims the partitions in loading_ and reads what they continue from (again and again while
  // storage fails), then assigns them.
  boost::asio::awaitable<void> take_over();
  void taken_over(const storage::Takeover& takeover);
  // Waits `wait` on `timer`; false when a stop cancelled the wait.
  boost::asio::awaitable<bool> wait_on(boost::asio::steady_timer& timer,
                                       std::chrono::milliseconds wait);
  // Where each assigned partition starts, from what storage holds.
  void assign(const std::vector<kafka::TopicPartition>& partitions,
              const std::vector<storage::PartitionOffset>& stored);
  void finish_stop();
  std::size_t pending_messages() const;
  bool pending_full() const;
  // Every few seconds while anything moves: a line of figures in the log.
  boost::asio::awaitable<void> report_progress();
  // Twice a second: the pairs of the partitions other instances read, as the store holds them,
  // into the book, so that this instance answers for every pair.
  boost::asio::awaitable<void> show_others();
  // The pairs of `partitions`, which this instance no longer reads: shown from the store from
  // now on. Returns them.
  std::vector<std::string> let_go(const std::set<kafka::TopicPartition>& partitions);
  // Whether `partition` is this instance's: assigned, being taken over, or read.
  bool owns(const kafka::TopicPartition& partition) const;

  boost::asio::io_context& io_;
  IngestorSettings settings_;
  metrics::Book& book_;
  storage::StorageThread& storage_;
  RejectionLog rejection_log_;

  storage::Batch pending_;
  std::size_t pending_bytes_ = 0;
  std::chrono::steady_clock::time_point pending_since_{};  // when the oldest pending arrived
  boost::asio::steady_timer linger_timer_;
  bool linger_armed_ = false;
  Positions pending_offsets_;
  Positions positions_;  // per assigned partition
  // The partition each pair's first quote came from in this run, and the other partitions
  // already warned about.
  std::map<std::string, kafka::TopicPartition> pair_partitions_;
  std::set<std::pair<std::string, kafka::TopicPartition>> pairs_off_partition_;
  // With topic_starts_empty: the life each partition with stored offsets began in this run.
  std::optional<std::map<kafka::TopicPartition, storage::Life>> lives_begun_;
  bool writing_ = false;
  boost::asio::steady_timer retry_timer_;
  storage::spool::Backoff retry_backoff_;

  // Partitions assigned and waiting to be loaded, and those being loaded.
  std::set<kafka::TopicPartition> to_load_;
  std::set<kafka::TopicPartition> loading_;
  // This instance's claim on each partition it was assigned (its epoch in PostgreSQL), and the
  // partitions whose claims another instance took over since, until they are assigned again.
  std::map<kafka::TopicPartition, std::int64_t> claims_;
  std::set<kafka::TopicPartition> fenced_;

  bool stopping_ = false;
  std::function<void()> stopped_;

  IngestCounters counters_;
  IngestCounters logged_counters_;
  boost::asio::steady_timer progress_timer_;
  boost::asio::steady_timer show_others_timer_;
  metrics::LatencyHistogram latency_;

  // Declared last, so destroyed first: destroying it leaves the group, which runs on_revoked,
  // and that uses the members above.
  kafka::Consumer consumer_;
};

}  // namespace cryptometrics::pipeline

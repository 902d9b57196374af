#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "kafka/consumer.h"
#include "metrics/book.h"
#include "metrics/latency_histogram.h"
#include "pipeline/ingest_counters.h"
#include "pipeline/position.h"
#include "pipeline/rejection_log.h"
#include "storage/batch.h"

namespace cryptometrics::pipeline {

// How much the batcher holds before it asks for a write or for reading to pause: the fields of
// the same names in IngestorSettings say why.
struct BatchLimits {
  std::size_t max_batch = 0;
  std::size_t max_pending = 0;
  std::size_t max_pending_bytes = 0;
  std::chrono::milliseconds batch_linger{0};
};

// From consumed message to pending batch: decodes each message, folds its quote into the book,
// keeps its row with the offsets it brings its partition to, and follows each partition it reads
// (lives, gaps, pairs arriving off their partition). It only signals: whether the batch is full,
// when it has lingered long enough; the caller decides when to cut it.
//
//   Batcher batcher{io, limits, book, watermarks, [&] { flush_when_due(); }};
//   batcher.start(partition, position);           // once the partition is assigned
//   if (batcher.add(message) && batcher.full(writing)) write(batcher.cut());
class Batcher {
 public:
  // A partition's watermarks as the consumer last saw them.
  using Watermarks = std::function<std::optional<kafka::Watermarks>(const kafka::TopicPartition&)>;

  Batcher(boost::asio::io_context& io, const BatchLimits& limits, metrics::Book& book,
          Watermarks watermarks, std::function<void()> lingered);

  // Reading `partition` starts at `position` (assigned, taken over).
  void start(const kafka::TopicPartition& partition, Position position);
  // This instance no longer reads `partitions`: returns the pairs whose first quote came from
  // them, forgotten here.
  std::vector<std::string> stop_reading(const std::set<kafka::TopicPartition>& partitions);
  // Another instance claimed `partitions`: their pending messages are dropped, and so is every
  // message of them read until they are started again. Returns their pairs, as stop_reading.
  std::vector<std::string> drop(const std::set<kafka::TopicPartition>& partitions);
  // Whether `partition` is being read.
  bool reads(const kafka::TopicPartition& partition) const;

  // Decodes `message` into the pending batch; false for a message of a dropped partition, which
  // is ignored.
  bool add(const kafka::Message& message);

  std::size_t messages() const { return pending_.messages(); }
  bool empty() const { return messages() == 0; }
  // What the pending messages hold, about.
  std::size_t bytes() const { return pending_bytes_; }
  // Whether the pending messages should go to storage now (`writing`: whether reading should
  // pause, since storage is busy).
  bool full(bool writing) const;
  // Whether the oldest pending message has waited the batch linger.
  bool lingered() const;
  // Runs `lingered` (of the constructor) once the oldest pending message has waited the batch
  // linger; one timer at a time.
  void linger();

  // The pending messages as one batch, with the offsets they bring their partitions to; none
  // pending afterwards.
  storage::Batch cut();
  // Throws the pending messages away (a batch before them was given up).
  void discard();

  // At shutdown: the rejection log says how many rejections it held back.
  void finish();

  // Of accepted, rejected and lost messages and of partitions and pairs; storing is counted
  // where it happens.
  const IngestCounters& counters() const { return counters_; }
  const metrics::LatencyHistogram& latency() const { return latency_; }

 private:
  // Follows the partition to `offset`: a new life when the partition started over below what
  // was expected, a warning when offsets were skipped. Returns the partition's position.
  const Position& advance(const kafka::TopicPartition& partition, std::int64_t offset);
  // Counts a quote of `pair` read from another partition than the pair's first, and warns once
  // for each pair and partition.
  void check_keyed_by_pair(const std::string& pair, const kafka::TopicPartition& partition);

  BatchLimits limits_;
  metrics::Book& book_;
  Watermarks watermarks_;
  std::function<void()> lingered_;
  RejectionLog rejection_log_;

  storage::Batch pending_;
  std::size_t pending_bytes_ = 0;
  std::chrono::steady_clock::time_point pending_since_{};  // when the oldest pending arrived
  boost::asio::steady_timer linger_timer_;
  bool linger_armed_ = false;
  Positions pending_offsets_;
  Positions positions_;  // per partition read
  // Partitions another instance claimed since they were started.
  std::set<kafka::TopicPartition> dropped_;
  // The partition each pair's first quote came from in this run, and the other partitions
  // already warned about.
  std::map<std::string, kafka::TopicPartition> pair_partitions_;
  std::set<std::pair<std::string, kafka::TopicPartition>> pairs_off_partition_;

  IngestCounters counters_;
  metrics::LatencyHistogram latency_;
};

}  // namespace cryptometrics::pipeline

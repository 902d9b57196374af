#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "kafka/topic_partition.h"
#include "metrics/book.h"
#include "pipeline/position.h"
#include "storage/batch.h"
#include "storage/spool/backoff.h"
#include "storage/storage_thread.h"

namespace cryptometrics::pipeline {

// Partitions taken over, and where reading each of them starts.
struct Assignment {
  Positions positions;  // of every partition taken over
  // For Consumer::assign, every partition taken over: where the stored offsets say, or its
  // first message.
  std::map<kafka::TopicPartition, std::int64_t> start_offsets;
};

// Takes over the partitions the group assigns: claims them in storage, reads back their pairs'
// metrics into the book and the offsets stored with their rows, and works out where each is
// read from (a new life, where the topic started over), again and again while storage fails.
class AssignmentRestorer {
 public:
  struct Settings {
    std::string topic;
    std::string instance_id;          // the owner the claims name
    bool topic_starts_empty = false;  // as IngestorSettings
  };

  AssignmentRestorer(boost::asio::io_context& io, storage::StorageThread& storage,
                     metrics::Book& book, Settings settings,
                     std::function<void(Assignment)> taken_over);

  // Reads every pair's metrics back into the book, before any partition is read.
  boost::asio::awaitable<void> read_back_book();

  void assigned(const std::vector<kafka::TopicPartition>& partitions);
  void revoked(const std::vector<kafka::TopicPartition>& partitions);
  // Another instance claimed `partitions` since: their claims are gone.
  void lose(const std::set<kafka::TopicPartition>& partitions);

  // Takes over the partitions assigned so far, unless a take-over is under way; the
  // state read must include every row taken in before, so call it once nothing is pending or
  // being written. `taken_over` (of the constructor) runs with the outcome.
  void take_over_assigned();
  // Partitions assigned and not yet being taken over.
  bool waiting() const { return !to_load_.empty(); }
  // A take-over is under way.
  bool loading() const { return !loading_.empty(); }
  // Whether `partition` is assigned to this instance and not read yet.
  bool owns(const kafka::TopicPartition& partition) const;

  // This instance's claims on the partitions of `offsets` (none where storage claimed nothing).
  std::vector<storage::Claim> claims_on(const std::vector<storage::PartitionOffset>& offsets) const;

  // A take-over under way ends, and one waiting for its retry.
  void stop();

  // Times a partition was read from its beginning as a new life (topic_starts_empty).
  std::uint64_t started_over() const { return started_over_; }

 private:
  boost::asio::awaitable<void> take_over();
  // Where each partition of loading_ starts, from what storage holds.
  Assignment assign(const std::vector<storage::PartitionOffset>& stored);

  boost::asio::io_context& io_;
  storage::StorageThread& storage_;
  metrics::Book& book_;
  Settings settings_;
  std::function<void(Assignment)> taken_over_;
  boost::asio::steady_timer retry_timer_;
  storage::spool::Backoff backoff_;
  bool stopping_ = false;

  // Partitions assigned and waiting to be loaded, and those being loaded.
  std::set<kafka::TopicPartition> to_load_;
  std::set<kafka::TopicPartition> loading_;
  // This instance's claim on each partition it was assigned (its epoch in PostgreSQL).
  std::map<kafka::TopicPartition, std::int64_t> claims_;
  // With topic_starts_empty: the life each partition with stored offsets began in this run.
  std::optional<std::map<kafka::TopicPartition, storage::Life>> lives_begun_;
  std::uint64_t started_over_ = 0;
};

}  // namespace cryptometrics::pipeline

#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "kafka/topic_partition.h"
#include "storage/batch.h"
#include "storage/spool/backoff.h"
#include "storage/storage.h"
#include "storage/storage_thread.h"

namespace cryptometrics::pipeline {

// Writes one batch at a time on the storage thread, again and again while storage fails, and
// reports how each ended: written (its offsets may be committed now) or given up at a stop. A
// batch that storage fences loses the rows of the partitions another instance claimed, which
// is reported, and the rest is written.
class DurableWriter {
 public:
  struct Reports {
    // Storage refused the batch because another instance claimed `lost` since; `dropped` of its
    // messages were theirs.
    std::function<void(const std::set<kafka::TopicPartition>& lost, const std::string& reason,
                       std::size_t dropped)>
        fenced;
    // `batch` is durable (after a fence: what was left of it).
    std::function<void(const storage::Batch& batch)> written;
    // A stop gave up the batch of `messages` that storage refused with `error`.
    std::function<void(std::size_t messages, const std::string& error)> given_up;
  };

  // `max_pending` is named in the log of a failed write: how many messages reading takes in
  // meanwhile.
  DurableWriter(boost::asio::io_context& io, storage::StorageThread& storage,
                std::size_t max_pending, Reports reports);

  // Starts writing `batch`; call only when not busy.
  void write(storage::Batch batch);
  // Whether a batch is being written.
  bool busy() const { return busy_; }
  // From now on a write that fails is given up instead of retried, and so is one waiting for
  // its retry.
  void stop();

  std::uint64_t stored() const { return stored_; }  // messages
  std::uint64_t fenced() const { return fenced_; }  // messages

 private:
  boost::asio::awaitable<void> store(std::shared_ptr<const storage::Batch> batch);
  void give_up(const storage::Batch& batch, const std::string& failure);
  // What storage is asked to write once `refused` fenced `batch`.
  storage::Batch without_lost(const storage::Batch& batch, const storage::Fenced& refused);

  boost::asio::io_context& io_;
  storage::StorageThread& storage_;
  std::size_t max_pending_;
  Reports reports_;
  bool busy_ = false;
  bool stopping_ = false;
  boost::asio::steady_timer retry_timer_;
  storage::spool::Backoff backoff_;
  std::uint64_t stored_ = 0;
  std::uint64_t fenced_ = 0;
};

}  // namespace cryptometrics::pipeline

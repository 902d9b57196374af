#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "kafka/topic_partition.h"
#include "metrics/book.h"
#include "storage/storage_thread.h"

namespace cryptometrics::pipeline {

// The pairs of the partitions other instances read, as the store holds them, kept in the book
// twice a second, so that this instance answers for every pair.
class OthersView {
 public:
  // `owns` tells the partitions this instance computes itself: their pairs are never shown
  // from the store.
  OthersView(boost::asio::io_context& io, storage::StorageThread& storage, metrics::Book& book,
             std::string topic, std::function<bool(const kafka::TopicPartition&)> owns);

  // Starts following the store; later calls do nothing. Only for a store other instances share
  // (Status::shared): one that is this instance's alone (SQLite) holds no other instance's pairs.
  void start();
  void stop();

  // The pairs of partitions this instance no longer reads: shown from the store from now on.
  void let_go(const std::vector<std::string>& pairs);

 private:
  boost::asio::awaitable<void> follow();

  boost::asio::io_context& io_;
  storage::StorageThread& storage_;
  metrics::Book& book_;
  std::string topic_;
  std::function<bool(const kafka::TopicPartition&)> owns_;
  boost::asio::steady_timer timer_;
  bool started_ = false;
  bool stopping_ = false;
};

}  // namespace cryptometrics::pipeline

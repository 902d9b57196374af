#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "feed/latest_queue.h"
#include "kafka/producer.h"

namespace cryptometrics::feed {

// Produces the feed's tickers to a topic, keyed by product, through `producer` (idempotent,
// acks=all). While Kafka is slow or down, at most `in_flight` messages wait in the producer and
// the rest in a LatestQueue of `queue_capacity`, which keeps each product's latest: memory stays
// bounded however long the outage, and what reaches Kafka when it returns is the current state.
class TickerPublisher {
 public:
  struct Limits {
    std::size_t queue_capacity = 1'000;
    int in_flight = 1'000;
  };

  TickerPublisher(boost::asio::io_context& io, kafka::Producer& producer, std::string topic,
                  Limits limits);

  void publish(Outgoing outgoing);

  // Serves the producer's delivery reports and moves the queue into it while there is room.
  void start();
  void stop();

  std::uint64_t produced() const { return produced_; }
  // Tickers dropped for a later one of their product while Kafka could not keep up.
  std::uint64_t dropped() const { return queue_.dropped(); }
  std::size_t waiting() const { return queue_.size(); }
  // Tickers Kafka's producer refused outright (not for a full queue), each logged.
  std::uint64_t refused() const { return refused_; }

 private:
  void drain();
  void schedule();

  kafka::Producer& producer_;
  std::string topic_;
  Limits limits_;
  LatestQueue queue_;
  boost::asio::steady_timer timer_;
  std::uint64_t produced_ = 0;
  std::uint64_t refused_ = 0;
  bool stopped_ = false;
};

}  // namespace cryptometrics::feed

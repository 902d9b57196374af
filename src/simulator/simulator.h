#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "kafka/producer.h"
#include "simulator/random_walk.h"

namespace cryptometrics::simulator {

// The original message format: {"pair":"BTC-USD","bid":46396.27,"ask":46535.3,"timestamp":...}
// with prices as JSON numbers written from their exact decimal text and the timestamp as epoch
// seconds with microseconds.
std::string encode_quote(const market::Quote& quote);

// Produces quotes for every pair to a topic, keyed by pair, on an Asio timer: one quote per pair
// every `interval`, or when `rate` > 0, `rate` quotes per second spread evenly over the pairs.
class Simulator {
 public:
  Simulator(boost::asio::io_context& io, kafka::Producer& producer, std::string topic,
            const std::vector<std::string>& pairs, std::chrono::milliseconds interval,
            std::uint32_t rate);

  void start();
  void stop();

  std::uint64_t produced() const { return produced_; }

 private:
  void schedule();
  void tick();

  boost::asio::steady_timer timer_;
  kafka::Producer& producer_;
  std::string topic_;
  std::vector<RandomWalk> walks_;
  std::chrono::milliseconds interval_;
  std::uint32_t rate_;
  std::chrono::steady_clock::time_point started_;
  std::uint64_t produced_ = 0;
  std::size_t next_walk_ = 0;
  bool stopped_ = false;
};

}  // namespace cryptometrics::simulator

#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <string>

#include "feed/coinbase_feed.h"
#include "feed/ticker_publisher.h"
#include "kafka/producer.h"

namespace cryptometrics::feed {

// The Coinbase feed producing to a topic: the feed, its bounded publisher, and a status line in
// the log every `report_every` (state, each product's last ticker, counts).
class CoinbaseSource {
 public:
  CoinbaseSource(boost::asio::io_context& io, kafka::Producer& producer, std::string topic,
                 FeedOptions options, std::chrono::seconds report_every = std::chrono::seconds{60});

  void start();
  void stop();

  const FeedStatus& status() const { return feed_.status(); }
  const TickerPublisher& publisher() const { return publisher_; }

 private:
  void schedule_report();
  void report() const;

  TickerPublisher publisher_;
  CoinbaseFeed feed_;
  boost::asio::steady_timer report_timer_;
  std::chrono::seconds report_every_;
};

// "BTC-USD 2026-11-30T10:00:00.000000Z, ETH-USD none yet": when each product's last ticker came.
std::string describe_last_tickers(const FeedStatus& status);

}  // namespace cryptometrics::feed

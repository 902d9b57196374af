#include <signal.h>
#include <spdlog/spdlog.h>

#include <boost/asio/signal_set.hpp>
#include <iostream>

#include "app/commands.h"
#include "app/feed_options.h"
#include "feed/coinbase_source.h"
#include "kafka/producer.h"

namespace cryptometrics::app {

int run_feed(const config::Settings& settings) {
  if (settings.embedded_kafka()) {
    std::cerr << "crypto-metrics feed: KAFKA_BOOTSTRAP_SERVERS is not set; the feed needs a "
                 "broker to produce to (start one with 'crypto-metrics kafka-dev', or use "
                 "'crypto-metrics run' with FEED=coinbase)\n";
    return 2;
  }
  boost::asio::io_context io{1};
  kafka::Producer producer{settings.kafka_bootstrap_servers};
  feed::CoinbaseSource source{io, producer, settings.kafka_topic, feed_options(settings)};
  boost::asio::signal_set signals{io, SIGINT, SIGTERM};
  signals.async_wait([&](const boost::system::error_code& failure, int) {
    if (failure) return;
    source.stop();
    io.stop();
  });
  source.start();
  io.run();
  const int undelivered = producer.flush(std::chrono::seconds{10});
  spdlog::info("feed stopped: {} tickers produced, {} delivered, {} undelivered",
               source.publisher().produced(), producer.delivered(), undelivered);
  return undelivered == 0 ? 0 : 1;
}

}  // namespace cryptometrics::app

#include <iostream>

#include "app/commands.h"
#include "app/feed_options.h"
#include "app/producer_command.h"
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
  return run_until_stopped(io, producer,
                           {.name = "feed",
                            .start = [&] { source.start(); },
                            .stop = [&] { source.stop(); },
                            .produced = [&] { return source.publisher().produced(); }});
}

}  // namespace cryptometrics::app

#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <iostream>
#include <spdlog/spdlog.h>

#include "app/commands.h"
#include "kafka/embedded_broker.h"

namespace cryptometrics::app {

int run_kafka_dev(const config::Settings& settings) {
  boost::asio::io_context io{1};
  kafka::EmbeddedBroker broker{settings.kafka_topic, kEmbeddedPartitions};
  // The address alone on stdout, so that scripts can read it: BOOTSTRAP=$(... | head -1).
  std::cout << broker.bootstrap_servers() << std::endl;
  spdlog::info("embedded Kafka broker at {} with topic {} ({} partitions); stop with Ctrl-C",
               broker.bootstrap_servers(), settings.kafka_topic, kEmbeddedPartitions);
  boost::asio::signal_set signals{io, SIGINT, SIGTERM};
  signals.async_wait([](const boost::system::error_code&, int) {});
  io.run();
  spdlog::info("embedded Kafka broker stopped");
  return 0;
}

}  // namespace cryptometrics::app

#include <signal.h>

#include <boost/asio/signal_set.hpp>
#include <iostream>
#include <spdlog/spdlog.h>

#include "app/commands.h"
#include "kafka/producer.h"
#include "simulator/simulator.h"

namespace cryptometrics::app {

int run_simulator(const config::Settings& settings) {
  if (settings.embedded_kafka()) {
    std::cerr << "crypto-metrics simulate: KAFKA_BOOTSTRAP_SERVERS is not set; the simulator "
                 "needs a broker to produce to (start one with 'crypto-metrics kafka-dev')\n";
    return 2;
  }
  boost::asio::io_context io{1};
  kafka::Producer producer{settings.kafka_bootstrap_servers};
  simulator::Simulator simulator{io,
                                 producer,
                                 settings.kafka_topic,
                                 settings.pairs,
                                 settings.simulator_interval,
                                 settings.simulator_rate};
  boost::asio::signal_set signals{io, SIGINT, SIGTERM};
  signals.async_wait([&](const boost::system::error_code& failure, int) {
    if (failure) return;
    simulator.stop();
    io.stop();
  });
  simulator.start();
  io.run();
  const int undelivered = producer.flush(std::chrono::seconds{10});
  spdlog::info("simulator stopped: {} quotes produced, {} delivered, {} undelivered",
               simulator.produced(), producer.delivered(), undelivered);
  return undelivered == 0 ? 0 : 1;
}

}  // namespace cryptometrics::app

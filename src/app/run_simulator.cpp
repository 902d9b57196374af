#include <iostream>

#include "app/commands.h"
#include "app/producer_command.h"
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
  return run_until_stopped(io, producer,
                           {.name = "simulator",
                            .start = [&] { simulator.start(); },
                            .stop = [&] { simulator.stop(); },
                            .produced = [&] { return simulator.produced(); }});
}

}  // namespace cryptometrics::app

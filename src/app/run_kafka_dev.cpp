#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <functional>
#include <iostream>
#include <spdlog/spdlog.h>

#include "app/caught_signals.h"
#include "app/commands.h"
#include "kafka/embedded_broker.h"

namespace cryptometrics::app {

int run_kafka_dev(const config::Settings& settings) {
  boost::asio::io_context io{1};
  kafka::EmbeddedBroker broker{settings.kafka_topic, settings.kafka_partitions};
  // The address alone on stdout, so that scripts can read it: BOOTSTRAP=$(... | head -1).
  std::cout << broker.bootstrap_servers() << std::endl;
  spdlog::info(
      "embedded Kafka broker at {} with topic {} ({} partitions); stop with Ctrl-C; SIGUSR1 "
      "takes it down, SIGUSR2 brings it back",
      broker.bootstrap_servers(), settings.kafka_topic, settings.kafka_partitions);
  CaughtSignals stop{io, {SIGINT, SIGTERM}};
  stop.async_wait([&io](const boost::system::error_code&, int) { io.stop(); });

  // A broker outage on demand, for fault tests from another process: down, the broker closes
  // its connections and refuses new ones; what it stores is kept for when it is up again.
  CaughtSignals faults{io, {SIGUSR1, SIGUSR2}};
  std::function<void()> wait_for_fault = [&] {
    faults.async_wait([&](const boost::system::error_code& failure, int signal_number) {
      if (failure) return;
      if (signal_number == SIGUSR1) {
        broker.set_down();
        spdlog::warn("embedded Kafka broker down (SIGUSR1)");
      } else {
        broker.set_up();
        spdlog::info("embedded Kafka broker up again (SIGUSR2)");
      }
      wait_for_fault();
    });
  };
  wait_for_fault();

  io.run();
  spdlog::info("embedded Kafka broker stopped");
  return 0;
}

}  // namespace cryptometrics::app

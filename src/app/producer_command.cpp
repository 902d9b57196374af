#include "app/producer_command.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "app/caught_signals.h"

namespace cryptometrics::app {

int run_until_stopped(boost::asio::io_context& io, kafka::Producer& producer,
                      const ProducerCommand& command) {
  CaughtSignals signals{io, {SIGINT, SIGTERM}};
  signals.async_wait([&](const boost::system::error_code& failure, int) {
    if (failure) return;
    command.stop();
    io.stop();
  });
  command.start();
  io.run();
  const int undelivered = producer.flush(std::chrono::seconds{10});
  spdlog::info("{} stopped: {} quotes produced, {} delivered, {} undelivered", command.name,
               command.produced(), producer.delivered(), undelivered);
  return undelivered == 0 ? 0 : 1;
}

}  // namespace cryptometrics::app

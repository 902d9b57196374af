#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <string_view>

#include "kafka/producer.h"

namespace cryptometrics::app {

// A quote source that produces to Kafka and nothing else (simulate, feed).
struct ProducerCommand {
  std::string_view name;  // "simulator", "feed": for the closing log line
  std::function<void()> start;
  std::function<void()> stop;
  std::function<std::uint64_t()> produced;
};

// Runs `command` on `io` until SIGINT or SIGTERM, then waits for its messages to be delivered.
// Returns the exit code: 0 when every message was delivered, else 1.
int run_until_stopped(boost::asio::io_context& io, kafka::Producer& producer,
                      const ProducerCommand& command);

}  // namespace cryptometrics::app

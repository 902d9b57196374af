#pragma once

#include "config/settings.h"

namespace cryptometrics::app {

// Each returns the process exit code.

// The service: Kafka -> metrics -> storage, HTTP, and the simulator when enabled.
int run_service(const config::Settings& settings);
// The simulator alone, producing to KAFKA_BOOTSTRAP_SERVERS.
int run_simulator(const config::Settings& settings);
// The Coinbase feed alone, producing to KAFKA_BOOTSTRAP_SERVERS.
int run_feed(const config::Settings& settings);
// Applies the migrations of the configured store, then exits.
int run_migrate(const config::Settings& settings);
// A standalone embedded broker: prints its bootstrap address, runs until SIGINT/SIGTERM.
int run_kafka_dev(const config::Settings& settings);

}  // namespace cryptometrics::app

#include <signal.h>

#include <iostream>
#include <spdlog/spdlog.h>
#include <string>
#include <vector>

#include "app/commands.h"
#include "app/logging.h"
#include "config/settings.h"

using namespace cryptometrics;

int main(int argc, char** argv) {
  // A peer closing its socket must be an error on that socket, not the end of the process.
  ::signal(SIGPIPE, SIG_IGN);

  config::Loaded loaded;
  try {
    loaded = config::load(std::vector<std::string>(argv + 1, argv + argc),
                          config::process_environment());
  } catch (const config::ConfigError& error) {
    std::cerr << "crypto-metrics: " << error.what() << "\n"
              << "Run 'crypto-metrics --help' for every setting.\n";
    return 2;
  }
  if (loaded.action == config::Action::show_help) {
    std::cout << config::help_text();
    return 0;
  }
  if (loaded.action == config::Action::show_version) {
    std::cout << "crypto-metrics " << CRYPTO_METRICS_VERSION << "\n";
    return 0;
  }

  const config::Settings& settings = loaded.settings;
  app::configure_logging(settings.log_level);
  try {
    switch (settings.command) {
      case config::Command::run:
        return app::run_service(settings);
      case config::Command::simulate:
        return app::run_simulator(settings);
      case config::Command::feed:
        return app::run_feed(settings);
      case config::Command::migrate:
        return app::run_migrate(settings);
      case config::Command::kafka_dev:
        return app::run_kafka_dev(settings);
    }
  } catch (const config::ConfigError& error) {
    // Found only once the settings were tried (PostgreSQL refusing them): bad configuration all
    // the same.
    spdlog::critical("{}", error.what());
    return 2;
  } catch (const std::exception& error) {
    spdlog::critical("{}", error.what());
    return 1;
  }
  return 1;
}

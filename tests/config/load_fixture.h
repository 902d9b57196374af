#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "config/settings.h"
#include "support/temp_dir.h"

namespace cryptometrics::config {

using Environment = std::map<std::string, std::string>;

// Every field but the PostgreSQL details, which tests check where they matter.
inline void expect_same_settings(const Settings& actual, const Settings& expected) {
  EXPECT_EQ(actual.command, expected.command);
  EXPECT_EQ(actual.kafka_bootstrap_servers, expected.kafka_bootstrap_servers);
  EXPECT_EQ(actual.kafka_topic, expected.kafka_topic);
  EXPECT_EQ(actual.kafka_group_id, expected.kafka_group_id);
  EXPECT_EQ(actual.kafka_fetch_wait, expected.kafka_fetch_wait);
  EXPECT_EQ(actual.postgres.has_value(), expected.postgres.has_value());
  EXPECT_EQ(actual.sqlite_path, expected.sqlite_path);
  EXPECT_EQ(actual.spool_path, expected.spool_path);
  EXPECT_EQ(actual.http_host, expected.http_host);
  EXPECT_EQ(actual.http_port, expected.http_port);
  EXPECT_EQ(actual.pairs, expected.pairs);
  EXPECT_EQ(actual.simulator, expected.simulator);
  EXPECT_EQ(actual.simulator_interval, expected.simulator_interval);
  EXPECT_EQ(actual.simulator_rate, expected.simulator_rate);
  EXPECT_EQ(actual.feed, expected.feed);
  EXPECT_EQ(actual.coinbase_ws_url, expected.coinbase_ws_url);
  EXPECT_EQ(actual.coinbase_endpoint.host, expected.coinbase_endpoint.host);
  EXPECT_EQ(actual.coinbase_endpoint.port, expected.coinbase_endpoint.port);
  EXPECT_EQ(actual.coinbase_endpoint.target, expected.coinbase_endpoint.target);
  EXPECT_EQ(actual.tls_ca_file, expected.tls_ca_file);
  EXPECT_EQ(actual.sma_window, expected.sma_window);
  EXPECT_EQ(actual.log_level, expected.log_level);
}

// Runs each test in a fresh empty working directory, so that no stray ./.env is read and a test
// can place one there; the previous working directory comes back afterwards.
class LoadTest : public ::testing::Test {
 protected:
  LoadTest() : previous_directory_(std::filesystem::current_path()) {
    std::filesystem::current_path(directory_.path());
  }
  ~LoadTest() override { std::filesystem::current_path(previous_directory_); }

  std::filesystem::path write_file(const std::string& name, const std::string& text) {
    const auto path = directory_ / name;
    std::ofstream(path) << text;
    return path;
  }

  // The ConfigError that loading throws; a test failure when it does not throw.
  static ConfigError error_of(const std::vector<std::string>& args,
                              const Environment& environment = {}) {
    try {
      load(args, environment);
    } catch (const ConfigError& error) {
      return error;
    }
    ADD_FAILURE() << "load() accepted what it should refuse";
    return ConfigError("", "");
  }

  testing::TempDir directory_;

 private:
  std::filesystem::path previous_directory_;
};

}  // namespace cryptometrics::config

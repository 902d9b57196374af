#include "config/setting_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace cryptometrics::config {
namespace {

std::string flag_for(std::string_view variable) {
  std::string flag = "--";
  for (const char c : variable) {
    flag += c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return flag;
}

TEST(SettingTable, EveryFlagIsItsVariableInLowerCaseWithDashes) {
  for (const auto& setting : setting_table()) {
    // Two short flags, for the commands they belong to: simulate --rate, kafka-dev --partitions.
    const auto expected = setting.variable == "SIMULATOR_RATE"     ? "--rate"
                          : setting.variable == "KAFKA_PARTITIONS" ? "--partitions"
                                                                   : flag_for(setting.variable);

    EXPECT_EQ(setting.flag, expected);
  }
}

TEST(SettingTable, HoldsEveryVariableOnce) {
  const std::vector<std::string_view> variables = {"DB_NAME",
                                                   "DB_USER",
                                                   "DB_PASSWORD",
                                                   "DB_HOST",
                                                   "DB_PORT",
                                                   "DATABASE_URL",
                                                   "KAFKA_BOOTSTRAP_SERVERS",
                                                   "KAFKA_TOPIC",
                                                   "KAFKA_GROUP_ID",
                                                   "KAFKA_FETCH_WAIT_MS",
                                                   "KAFKA_PARTITIONS",
                                                   "KAFKA_SESSION_TIMEOUT_MS",
                                                   "INSTANCE_ID",
                                                   "HTTP_HOST",
                                                   "HTTP_PORT",
                                                   "PAIRS",
                                                   "SIMULATOR",
                                                   "SIMULATOR_INTERVAL_MS",
                                                   "SIMULATOR_RATE",
                                                   "FEED",
                                                   "COINBASE_WS_URL",
                                                   "TLS_CA_FILE",
                                                   "SMA_WINDOW",
                                                   "SQLITE_PATH",
                                                   "SPOOL_PATH",
                                                   "LOG_LEVEL"};

  EXPECT_EQ(setting_table().size(), variables.size());
  for (const auto variable : variables) {
    EXPECT_EQ(std::ranges::count(setting_table(), variable, &SettingSpec::variable), 1) << variable;
  }
}

TEST(SettingTable, OnlyPasswordsAreSecret) {
  for (const auto& setting : setting_table()) {
    const bool holds_password =
        setting.variable == "DB_PASSWORD" || setting.variable == "DATABASE_URL";

    EXPECT_EQ(setting.secret, holds_password) << setting.variable;
  }
}

}  // namespace
}  // namespace cryptometrics::config

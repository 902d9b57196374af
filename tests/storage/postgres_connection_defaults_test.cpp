#include <gtest/gtest.h>

#include <string>

#include "storage/postgres/connection_defaults.h"

namespace cryptometrics::storage::postgres {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ConnectionDefaults, PutsDefaultsBeforeAKeyValueStringSoItsOwnSettingsWin) {
  const std::string result = with_connection_defaults("host=db connect_timeout=3");

  EXPECT_TRUE(result.starts_with("connect_timeout=10 keepalives=1 "));
  EXPECT_TRUE(result.ends_with(" host=db connect_timeout=3"));
  EXPECT_TRUE(contains(result, "tcp_user_timeout=30000"));
}

TEST(ConnectionDefaults, AddsQueryParametersToAUri) {
  EXPECT_EQ(with_connection_defaults("postgresql://u:p@db/metrics?connect_timeout=3"),
            "postgresql://u:p@db/metrics?connect_timeout=3&keepalives=1&keepalives_idle=30"
            "&keepalives_interval=10&keepalives_count=3&tcp_user_timeout=30000"
            "&client_encoding=UTF8&application_name=crypto-metrics");
  EXPECT_TRUE(with_connection_defaults("postgres://db")
                  .starts_with("postgres://db?connect_timeout=10&keepalives=1"));
}

}  // namespace
}  // namespace cryptometrics::storage::postgres

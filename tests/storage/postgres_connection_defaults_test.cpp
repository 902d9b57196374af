#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "storage/postgres/connection_defaults.h"

namespace cryptometrics::storage::postgres {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(ConnectionDefaults, AddsWhatTheStringLeavesOutAndKeepsWhatItSets) {
  const std::string result = with_connection_defaults("host=db connect_timeout=3");

  EXPECT_TRUE(contains(result, "host='db'")) << result;
  EXPECT_TRUE(contains(result, "connect_timeout='3'")) << result;
  EXPECT_FALSE(contains(result, "connect_timeout='10'")) << result;
  EXPECT_TRUE(contains(result, "keepalives='1'")) << result;
  EXPECT_TRUE(contains(result, "tcp_user_timeout='30000'")) << result;
  EXPECT_TRUE(contains(result, "application_name='crypto-metrics'")) << result;
}

// A URI comes out as key=value settings that libpq reads the same way.
TEST(ConnectionDefaults, ReadsAUriAsLibpqDoes) {
  const std::string result =
      with_connection_defaults("postgresql://u:p%40ss@db:5433/metrics?keepalives=0");

  for (const char* part : {"user='u'", "password='p@ss'", "host='db'", "port='5433'",
                           "dbname='metrics'", "keepalives='0'", "connect_timeout='10'"}) {
    EXPECT_TRUE(contains(result, part)) << part << " in " << result;
  }
}

TEST(ConnectionDefaults, RefusesWhatLibpqCannotReadWithoutQuotingIt) {
  for (const std::string text :
       {"host=db password=hunter2 xyzzy", "postgresql://u:hunter2@db/metrics?xyzzy=1"}) {
    try {
      with_connection_defaults(text);
      ADD_FAILURE() << "accepted";
    } catch (const std::invalid_argument& error) {
      EXPECT_FALSE(contains(error.what(), "hunter2")) << error.what();
      EXPECT_FALSE(contains(error.what(), "xyzzy")) << error.what();
    }
  }
}

}  // namespace
}  // namespace cryptometrics::storage::postgres

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>
#include <utility>
#include <vector>

#include "config/settings.h"

namespace cryptometrics::config {
namespace {

TEST(PostgresSettings, ConnectionStringQuotesEveryValue) {
  PostgresSettings postgres;
  postgres.host = "db.local";
  postgres.port = 6543;
  postgres.name = "my db";
  postgres.user = "o'brien";
  postgres.password = R"(pa\ss' word)";

  EXPECT_EQ(postgres.connection_string(),
            R"(host='db.local' port='6543' dbname='my db' user='o\'brien' )"
            R"(password='pa\\ss\' word')");
}

TEST(PostgresSettings, ConnectionStringLeavesOutAnEmptyPassword) {
  PostgresSettings postgres;
  postgres.host = "db";

  EXPECT_EQ(postgres.connection_string(),
            "host='db' port='5432' dbname='crypto_metrics' user='postgres'");
}

TEST(PostgresSettings, ConnectionStringIsDatabaseUrlVerbatim) {
  PostgresSettings postgres;
  postgres.database_url = "postgresql://u:p@db/metrics?sslmode=require";
  postgres.host = "ignored";

  EXPECT_EQ(postgres.connection_string(), "postgresql://u:p@db/metrics?sslmode=require");
}

TEST(PostgresSettings, DescribeShowsUserHostPortAndDatabase) {
  PostgresSettings postgres;
  postgres.host = "localhost";
  postgres.password = "hunter2";

  EXPECT_EQ(postgres.describe(), "postgres@localhost:5432/crypto_metrics");
}

TEST(PostgresSettings, DescribeBracketsIpv6Hosts) {
  PostgresSettings postgres;
  postgres.host = "::1";

  EXPECT_EQ(postgres.describe(), "postgres@[::1]:5432/crypto_metrics");
}

// Whatever form DATABASE_URL takes, the log shows the same four parts as libpq reads them, and
// never the password.
TEST(PostgresSettings, DescribeShowsWhatLibpqReadsFromDatabaseUrl) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"postgresql://user:hunter2@db:5432/metrics", "user@db:5432/metrics"},
      {"postgres://user:hun%40ter2@db:6000/metrics", "user@db:6000/metrics"},
      {"postgresql://db/metrics?user=u&password=hunter2&port=7000", "u@db:7000/metrics"},
      {"postgresql://us%65r@[::1]:5433/my%20db", "user@[::1]:5433/my db"},
      {"host=db password=hunter2 dbname=metrics user=u port=1", "u@db:1/metrics"},
      {R"(host=db password = 'hun\'ter 2' dbname=metrics user=u port=2)", "u@db:2/metrics"},
      {"host=/run/pg user=u port=3 dbname=d", "u@/run/pg:3/d"},
  };

  for (const auto& [url, described] : cases) {
    PostgresSettings postgres;
    postgres.database_url = url;

    EXPECT_EQ(postgres.describe(), described) << url;
  }
}

// What the string leaves out, libpq takes from its environment variables; so does describe().
TEST(PostgresSettings, DescribeFillsInLibpqDefaults) {
  ::setenv("PGUSER", "from_pguser", 1);
  ::setenv("PGPORT", "6432", 1);
  ::unsetenv("PGHOST");
  ::unsetenv("PGDATABASE");
  PostgresSettings postgres;
  postgres.database_url = "postgresql:///metrics";
  PostgresSettings no_database;
  no_database.database_url = "host=db";

  const std::string described = postgres.describe();
  const std::string without_database = no_database.describe();

  ::unsetenv("PGUSER");
  ::unsetenv("PGPORT");
  EXPECT_EQ(described, "from_pguser@[local]:6432/metrics");
  EXPECT_EQ(without_database, "from_pguser@db:6432/from_pguser");
}

}  // namespace
}  // namespace cryptometrics::config

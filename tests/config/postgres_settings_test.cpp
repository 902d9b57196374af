#include <gtest/gtest.h>

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
            R"(password='pa\\ss\' word' connect_timeout=5)");
}

TEST(PostgresSettings, ConnectionStringLeavesOutEmptyParts) {
  PostgresSettings postgres;
  postgres.host = "db";

  EXPECT_EQ(postgres.connection_string(),
            "host='db' port='5432' dbname='crypto_metrics' user='postgres' connect_timeout=5");
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

TEST(PostgresSettings, DescribeMasksPasswordsInDatabaseUrl) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"postgresql://user:hunter2@db:5432/metrics", "postgresql://user:***@db:5432/metrics"},
      {"postgres://user:hun@ter2@db/metrics", "postgres://user:***@db/metrics"},
      {"postgresql://user@db:5432/metrics", "postgresql://user@db:5432/metrics"},
      {"postgresql://db/metrics?user=u&password=hunter2&sslmode=require",
       "postgresql://db/metrics?user=u&password=***&sslmode=require"},
      {"postgresql://db/metrics?password=hunter2", "postgresql://db/metrics?password=***"},
      {"host=db password=hunter2 dbname=metrics", "host=db password=*** dbname=metrics"},
      {R"(host=db password = 'hun\'ter 2' dbname=metrics)",
       "host=db password = *** dbname=metrics"},
      {"password=hunter2", "password=***"},
  };

  for (const auto& [url, described] : cases) {
    PostgresSettings postgres;
    postgres.database_url = url;

    EXPECT_EQ(postgres.describe(), described);
  }
}

}  // namespace
}  // namespace cryptometrics::config

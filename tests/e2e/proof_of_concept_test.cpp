// The built binary pointed at the proof of concept's database: `migrate` takes its table over in
// place, and the service then stores into it, continuing each pair where the old rows left off.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/postgres_server.h"
#include "support/process.h"
#include "support/service.h"
#include "support/temp_dir.h"

namespace cryptometrics {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Rows = std::vector<std::vector<std::string>>;

// As the proof of concept made it, by hand, before its consumer first ran; and rows as its
// consumer wrote them: prices through Python floats, one highest bid (and lowest ask, and max
// spread) for all pairs together, local times without a zone.
constexpr const char* kProofOfConceptTable =
    "CREATE TABLE crypto_metrics (pair VARCHAR, bid NUMERIC, ask NUMERIC, mid_price NUMERIC,"
    " spread NUMERIC, highest_bid NUMERIC, lowest_ask NUMERIC, max_spread NUMERIC,"
    " timestamp TIMESTAMP)";
constexpr const char* kProofOfConceptRows =
    "INSERT INTO crypto_metrics VALUES"
    " ('BTC-USD', 46396.27, 46535.3, 46465.785, 139.03, 46396.27, 46535.3, 139.03,"
    "  '2021-11-24 10:00:00.5'),"
    " ('ETH-USD', 4301.12, 4305.5, 4303.31, 4.38, 46396.27, 4305.5, 139.03,"
    "  '2021-11-24 10:00:01'),"
    " ('BTC-USD', 46401.5, 46420.1, 46410.8, 18.6, 46401.5, 4305.5, 139.03,"
    "  '2021-11-24 10:00:02'),"
    " ('ETH-USD', 4299.9, 4303.7, 4301.8, 3.8, 46401.5, 4303.7, 139.03,"
    "  '2021-11-24 10:00:03'),"
    " ('BTC-USD', 46388.01, 46392.2, 46390.105, 4.19, 46401.5, 4303.7, 139.03,"
    "  '2021-11-24 10:00:04')";
constexpr std::int64_t kOldBitcoinRows = 3;
constexpr std::int64_t kOldEtherRows = 2;

// The proof of concept's columns, its timestamps as written (read as UTC by the takeover).
Rows old_columns(const testing::PostgresServer& postgres, const std::string& timestamp,
                 const std::string& rows) {
  return postgres.query(
      "SELECT pair, bid, ask, mid_price, spread, highest_bid, lowest_ask, max_spread, to_char(" +
      timestamp + ", 'YYYY-MM-DD HH24:MI:SS.US') FROM crypto_metrics " + rows);
}

// Before the takeover, migration 001 met the old table half-way (CREATE TABLE IF NOT EXISTS let
// it be, then its index on (pair, id) failed): `migrate` exited 1 with `column "id" does not
// exist`, and start-up the same.
TEST(ProofOfConcept, MigrateTakesOverItsTableAndTheServiceContinuesEachPair) {
  testing::PostgresServer postgres;
  postgres.execute(kProofOfConceptTable);
  postgres.execute(kProofOfConceptRows);
  const Rows before = old_columns(postgres, "\"timestamp\"", "ORDER BY \"timestamp\"");
  testing::TempDir directory;
  const std::map<std::string, std::string> environment = {
      {"DATABASE_URL", postgres.connection_string()}, {"PAIRS", "BTC-USD,ETH-USD"}};

  testing::Process migrate{testing::crypto_metrics_binary(),
                           {"migrate"},
                           testing::isolated(directory, testing::free_port(), environment),
                           directory.path()};
  ASSERT_EQ(migrate.wait(60s), 0) << migrate.stderr_text();

  const std::string taken_over = "\"timestamp\" AT TIME ZONE 'UTC'";
  EXPECT_EQ(old_columns(postgres, taken_over, "ORDER BY id"), before);
  EXPECT_EQ(postgres.query("SELECT id, pair, quote_count FROM crypto_metrics ORDER BY id"),
            (Rows{{"1", "BTC-USD", "1"},
                  {"2", "ETH-USD", "1"},
                  {"3", "BTC-USD", "2"},
                  {"4", "ETH-USD", "2"},
                  {"5", "BTC-USD", "3"}}));

  testing::Service service{directory, environment};
  service.wait_for("/metrics/BTC-USD", [](const json& body) {
    return body["count"].get<std::int64_t>() >= kOldBitcoinRows + 5;
  });
  service.wait_for("/metrics/ETH-USD", [](const json& body) {
    return body["count"].get<std::int64_t>() >= kOldEtherRows + 5;
  });
  ASSERT_EQ(service.stop(), 0);

  // The old rows are as they were, the new ones follow them, and each pair's count runs on
  // through both without a gap or a restart.
  EXPECT_EQ(old_columns(postgres, taken_over, "WHERE id <= 5 ORDER BY id"), before);
  EXPECT_EQ(postgres.query_value("SELECT count(*) FROM crypto_metrics WHERE id > 5"
                                 " AND kafka_topic = 'crypto_prices'"),
            postgres.query_value("SELECT count(*) - 5 FROM crypto_metrics"));
  EXPECT_EQ(postgres.query_value(
                "SELECT count(*) FROM (SELECT quote_count, row_number() OVER (PARTITION BY pair"
                " ORDER BY id) AS place FROM crypto_metrics) rows WHERE quote_count <> place"),
            "0");
  EXPECT_EQ(postgres.query_value("SELECT min(quote_count) FROM crypto_metrics WHERE id > 5"
                                 " AND pair = 'BTC-USD'"),
            std::to_string(kOldBitcoinRows + 1));
  EXPECT_EQ(postgres.query_value("SELECT min(quote_count) FROM crypto_metrics WHERE id > 5"
                                 " AND pair = 'ETH-USD'"),
            std::to_string(kOldEtherRows + 1));
}

}  // namespace
}  // namespace cryptometrics

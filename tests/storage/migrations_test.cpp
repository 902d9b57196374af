#include "storage/migrations.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "market/timestamp.h"
#include "storage/postgres/postgres_store.h"
#include "storage/sqlite/migration_runner.h"
#include "storage/sqlite/sqlite_store.h"
#include "support/postgres_fixture.h"
#include "support/temp_dir.h"

namespace cryptometrics::storage {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using Rows = std::vector<std::vector<std::string>>;

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

std::vector<std::filesystem::path> sql_files_in(const std::filesystem::path& directory) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator{directory}) {
    if (entry.path().extension() == ".sql") {
      files.push_back(entry.path());
    }
  }
  return files;
}

void expect_each_file_embedded_byte_for_byte(std::span<const Migration> migrations,
                                             const std::filesystem::path& directory) {
  const std::vector<std::filesystem::path> files = sql_files_in(directory);
  ASSERT_EQ(migrations.size(), files.size());
  for (const Migration& migration : migrations) {
    SCOPED_TRACE(migration.name);
    EXPECT_EQ(migration.sql, read_file(directory / migration.name));
  }
}

void expect_numbered_in_order(std::span<const Migration> migrations) {
  int previous = 0;
  for (const Migration& migration : migrations) {
    SCOPED_TRACE(migration.name);
    EXPECT_GT(migration.version, previous);
    EXPECT_EQ(std::stoi(std::string{migration.name}), migration.version);
    previous = migration.version;
  }
}

const std::filesystem::path kMigrationsDir{CRYPTO_METRICS_MIGRATIONS_DIR};

TEST(EmbeddedMigrations, SqliteFilesAreEmbeddedByteForByte) {
  expect_each_file_embedded_byte_for_byte(sqlite_migrations(), kMigrationsDir / "sqlite");
}

TEST(EmbeddedMigrations, PostgresFilesAreEmbeddedByteForByte) {
  expect_each_file_embedded_byte_for_byte(postgres_migrations(), kMigrationsDir / "postgres");
}

TEST(EmbeddedMigrations, SpoolFilesAreEmbeddedByteForByte) {
  expect_each_file_embedded_byte_for_byte(spool_migrations(), kMigrationsDir / "spool");
}

TEST(EmbeddedMigrations, AreNumberedInVersionOrder) {
  ASSERT_FALSE(sqlite_migrations().empty());
  ASSERT_FALSE(spool_migrations().empty());
  expect_numbered_in_order(sqlite_migrations());
  expect_numbered_in_order(postgres_migrations());
  expect_numbered_in_order(spool_migrations());
}

struct AppliedMigration {
  int version;
  std::string name;
  std::string applied_at;

  bool operator==(const AppliedMigration&) const = default;
};

std::vector<AppliedMigration> applied(SQLite::Database& database) {
  SQLite::Statement query{
      database, "SELECT version, name, applied_at FROM schema_migrations ORDER BY version"};
  std::vector<AppliedMigration> rows;
  while (query.executeStep()) {
    rows.push_back({query.getColumn(0).getInt(), query.getColumn(1).getString(),
                    query.getColumn(2).getString()});
  }
  return rows;
}

class SqliteMigrationRunnerTest : public ::testing::Test {
 protected:
  cryptometrics::testing::TempDir directory_;
  std::filesystem::path path_ = directory_ / "metrics.db";
  SQLite::Database database_{path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};
};

TEST_F(SqliteMigrationRunnerTest, StoreOpenAppliesAndRecordsEveryMigration) {
  { sqlite::SqliteStore store{path_}; }

  const std::vector<AppliedMigration> rows = applied(database_);
  ASSERT_EQ(rows.size(), sqlite_migrations().size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].version, sqlite_migrations()[i].version);
    EXPECT_EQ(rows[i].name, sqlite_migrations()[i].name);
    EXPECT_TRUE(market::parse_rfc3339(rows[i].applied_at).has_value()) << rows[i].applied_at;
  }
  for (const char* table : {"crypto_metrics", "kafka_offsets", "rejected_quotes"}) {
    EXPECT_TRUE(database_.tableExists(table)) << table;
  }
}

TEST_F(SqliteMigrationRunnerTest, ReopeningAStoreAppliesNothingAgain) {
  { sqlite::SqliteStore store{path_}; }
  const std::vector<AppliedMigration> first = applied(database_);

  { sqlite::SqliteStore store{path_}; }

  EXPECT_EQ(applied(database_), first);
  EXPECT_EQ(sqlite::apply_migrations(database_, sqlite_migrations()), 0u);
}

TEST_F(SqliteMigrationRunnerTest, AppliesOnlyTheMigrationsAddedSince) {
  const Migration first{1, "001_a.sql", "CREATE TABLE a (x INTEGER);"};
  const Migration second{2, "002_b.sql", "CREATE TABLE b (x INTEGER);"};
  sqlite::apply_migrations(database_, std::vector{first});

  const std::size_t count = sqlite::apply_migrations(database_, std::vector{first, second});

  EXPECT_EQ(count, 1u);
  EXPECT_TRUE(database_.tableExists("b"));
  EXPECT_EQ(applied(database_).size(), 2u);
}

TEST_F(SqliteMigrationRunnerTest, RecordsInTheTableItIsGivenApartFromSchemaMigrations) {
  const Migration first{1, "001_a.sql", "CREATE TABLE a (x INTEGER);"};
  const Migration other_first{1, "001_b.sql", "CREATE TABLE b (x INTEGER);"};
  sqlite::apply_migrations(database_, std::vector{first});

  const std::size_t count =
      sqlite::apply_migrations(database_, std::vector{other_first}, "other_migrations");

  EXPECT_EQ(count, 1u);
  EXPECT_TRUE(database_.tableExists("b"));
  EXPECT_EQ(applied(database_).size(), 1u);
  EXPECT_EQ(database_.execAndGet("SELECT name FROM other_migrations").getString(), "001_b.sql");
}

TEST_F(SqliteMigrationRunnerTest, FailingMigrationIsRolledBackAndNamed) {
  const std::vector<Migration> migrations{
      {1, "001_a.sql", "CREATE TABLE a (x INTEGER);"},
      {2, "002_broken.sql", "CREATE TABLE b (x INTEGER); INSERT INTO missing VALUES (1);"},
      {3, "003_c.sql", "CREATE TABLE c (x INTEGER);"},
  };

  EXPECT_THAT([&] { sqlite::apply_migrations(database_, migrations); },
              ::testing::ThrowsMessage<std::runtime_error>(HasSubstr("002_broken.sql")));

  EXPECT_TRUE(database_.tableExists("a"));
  EXPECT_FALSE(database_.tableExists("b"));
  EXPECT_FALSE(database_.tableExists("c"));
  ASSERT_EQ(applied(database_).size(), 1u);
  EXPECT_EQ(applied(database_)[0].name, "001_a.sql");
}

// The proof of concept made its table by hand before its consumer first ran, exactly so.
constexpr const char* kProofOfConceptTable =
    "CREATE TABLE crypto_metrics (pair VARCHAR, bid NUMERIC, ask NUMERIC, mid_price NUMERIC,"
    " spread NUMERIC, highest_bid NUMERIC, lowest_ask NUMERIC, max_spread NUMERIC,"
    " timestamp TIMESTAMP)";

// Columns, constraints and indexes of crypto_metrics, column order aside.
constexpr const char* kShape =
    "SELECT 'column', column_name || ' ' || data_type || ' ' || is_nullable || ' '"
    " || coalesce(column_default, '') FROM information_schema.columns"
    " WHERE table_name = 'crypto_metrics'"
    " UNION ALL SELECT 'constraint', conname || ' ' || pg_get_constraintdef(oid)"
    " FROM pg_constraint WHERE conrelid = 'crypto_metrics'::regclass"
    " UNION ALL SELECT 'index', indexdef FROM pg_indexes WHERE tablename = 'crypto_metrics'"
    " ORDER BY 1, 2";

class PostgresMigrationTest : public testing::PostgresFixture {
 protected:
  // Migrates as start-up and `crypto-metrics migrate` do; the session's time zone is not UTC,
  // so that the proof of concept's timestamps are seen to be read as UTC regardless.
  static void migrate() {
    postgres::PostgresStore{server_->connection_string() + " options='-c TimeZone=Asia/Tokyo'",
                            "test database"}
        .migrate();
  }

  // What migrate() throws; a test failure when it does not.
  static std::string refusal() {
    try {
      migrate();
    } catch (const std::exception& error) {
      return error.what();
    }
    ADD_FAILURE() << "migrate() went through";
    return {};
  }

  static Rows recorded_migrations() {
    return server_->query("SELECT name FROM schema_migrations ORDER BY version");
  }

  // The proof of concept's columns, its timestamps as written (read as UTC by the takeover).
  static Rows old_columns(const std::string& timestamp, const std::string& order) {
    return server_->query(
        "SELECT pair, bid, ask, mid_price, spread, highest_bid, lowest_ask, max_spread, to_char(" +
        timestamp + ", 'YYYY-MM-DD HH24:MI:SS.US') FROM crypto_metrics ORDER BY " + order);
  }

  // A refusal rolls back the whole migration, schema_migrations included.
  static bool nothing_recorded() {
    return server_->query_value("SELECT to_regclass('schema_migrations') IS NULL") == "t";
  }
};

// Rows inserted out of time order, with two at the same time, and moving averages that end,
// that do not, and that sit exactly halfway at the 19th fractional digit, where the service
// rounds them.
constexpr const char* kProofOfConceptRows =
    "INSERT INTO crypto_metrics VALUES"
    " ('BTC-USD', 1.5, 2.5, 2, 1, 46535.3, 0.5, 139.03, '2024-03-01 12:00:02'),"
    " ('ETH-USD', 9, 11, 10, 2, 46535.3, 0.5, 139.03, '2024-03-01 12:00:01'),"
    " ('BTC-USD', 0.5, 1.5, 1, 1, 46535.3, 0.5, 139.03, '2024-03-01 12:00:01'),"
    " ('BTC-USD', 1.5, 2.5, 2, 1, 46535.3, 0.5, 139.03, '2024-03-01 12:00:03.250001'),"
    " ('ETH-USD', 19, 21, 20, 2, 46535.3, 0.5, 139.03, '2024-03-01 12:00:04'),"
    " ('ETH-USD', 29, 31, 30, 2, 46535.3, 0.5, 139.03, '2024-03-01 12:00:05'),"
    " ('ETH-USD', 39, 41, 40, 2, 46535.3, 0.5, 139.03, '2024-03-01 12:00:06'),"
    " ('ETH-USD', 49, 51, 50, 2, 46535.3, 0.5, 139.03, '2024-03-01 12:00:07'),"
    " ('ETH-USD', 59, 61, 60, 2, 46535.3, 0.5, 139.03, '2024-03-01 12:00:08'),"
    " ('LTC-USD', 0, 0.0000000000000000002, 0.0000000000000000001, 0, 1, 0.5, 2,"
    "  '2024-03-01 12:00:09'),"
    " ('LTC-USD', 0, 0.0000000000000000004, 0.0000000000000000002, 0, 1, 0.5, 2,"
    "  '2024-03-01 12:00:10'),"
    " ('SOL-USD', 0, 0.0000000000000000004, 0.0000000000000000002, 0, 1, 0.5, 2,"
    "  '2024-03-01 12:00:11'),"
    " ('SOL-USD', 0, 0.0000000000000000006, 0.0000000000000000003, 0, 1, 0.5, 2,"
    "  '2024-03-01 12:00:12')";

TEST_F(PostgresMigrationTest, TakesOverTheProofOfConceptsTableKeepingEveryRow) {
  server_->execute(kProofOfConceptTable);
  server_->execute(kProofOfConceptRows);
  const Rows by_time_then_place = old_columns("\"timestamp\"", "\"timestamp\", ctid");

  migrate();

  // Every old value as it was, numbered by time, then by place in the table.
  EXPECT_EQ(old_columns("\"timestamp\" AT TIME ZONE 'UTC'", "id"), by_time_then_place);
  // Per pair, by time: each row's count and moving average (the mean of the last 5 mid prices).
  EXPECT_EQ(server_->query("SELECT pair, string_agg(quote_count || ' ' || trim_scale(moving_avg),"
                           " ', ' ORDER BY id) FROM crypto_metrics GROUP BY pair ORDER BY pair"),
            (Rows{{"BTC-USD", "1 1, 2 1.5, 3 1.6666666666666666667"},
                  {"ETH-USD", "1 10, 2 15, 3 20, 4 25, 5 30, 6 40"},
                  {"LTC-USD", "1 0.0000000000000000001, 2 0.0000000000000000002"},
                  {"SOL-USD", "1 0.0000000000000000002, 2 0.0000000000000000002"}}));
  EXPECT_EQ(server_->query_value("SELECT count(*) FROM crypto_metrics WHERE kafka_topic IS NOT NULL"
                                 " OR kafka_partition IS NOT NULL OR kafka_offset IS NOT NULL"),
            "0");
  EXPECT_EQ(recorded_migrations().front(), std::vector<std::string>{"001_init.sql"});
  // New rows follow the old ones.
  EXPECT_EQ(server_->query_value("SELECT nextval(pg_get_serial_sequence('crypto_metrics', 'id'))"),
            "14");
}

TEST_F(PostgresMigrationTest, TheTakenOverTableHasTheShapeOfANewOne) {
  migrate();
  const Rows created = server_->query(kShape);
  server_->reset_database();
  server_->execute(kProofOfConceptTable);
  server_->execute(kProofOfConceptRows);

  migrate();

  EXPECT_EQ(server_->query(kShape), created);
}

TEST_F(PostgresMigrationTest, TakesOverAnEmptyProofOfConceptTable) {
  server_->execute(kProofOfConceptTable);

  migrate();

  EXPECT_EQ(server_->query_value("SELECT count(*) FROM crypto_metrics"), "0");
  EXPECT_EQ(server_->query_value("SELECT nextval(pg_get_serial_sequence('crypto_metrics', 'id'))"),
            "1");
}

TEST_F(PostgresMigrationTest, LeavesATableOfMigration001sShapeAsItIs) {
  server_->execute(std::string{postgres_migrations().front().sql});
  server_->execute(
      "INSERT INTO crypto_metrics (pair, bid, ask, mid_price, spread, highest_bid, lowest_ask,"
      " max_spread, moving_avg, quote_count, \"timestamp\") VALUES"
      " ('BTC-USD', 1, 2, 1.5, 1, 1, 2, 1, 1.5, 7, now())");

  migrate();

  EXPECT_EQ(server_->query("SELECT id, quote_count FROM crypto_metrics"), (Rows{{"1", "7"}}));
  EXPECT_EQ(recorded_migrations().front(), std::vector<std::string>{"001_init.sql"});
}

TEST_F(PostgresMigrationTest, RefusesATableOfAnotherShapeSayingWhatDiffers) {
  server_->execute(
      "CREATE TABLE crypto_metrics (pair VARCHAR, bid NUMERIC, ask NUMERIC, mid_price NUMERIC,"
      " spread INTEGER, highest_bid NUMERIC, lowest_ask NUMERIC, timestamp TIMESTAMP,"
      " volume NUMERIC)");
  const Rows before = server_->query(kShape);

  const std::string message = refusal();

  EXPECT_THAT(message,
              AllOf(HasSubstr("crypto_metrics exists but has neither the proof of concept's "
                              "columns nor those of migration 001"),
                    HasSubstr("it lacks max_spread; has volume (numeric) besides; has spread of "
                              "type integer, not numeric."),
                    HasSubstr("Nothing was changed. Rename the table (ALTER TABLE crypto_metrics "
                              "RENAME TO crypto_metrics_old)")));
  EXPECT_EQ(server_->query(kShape), before);
  EXPECT_TRUE(nothing_recorded());
}

TEST_F(PostgresMigrationTest, ComparesATableWithAnIdToMigration001s) {
  server_->execute("CREATE TABLE crypto_metrics (id BIGSERIAL PRIMARY KEY, pair TEXT)");

  EXPECT_THAT(refusal(), AllOf(HasSubstr("compared with 001's, it lacks bid, ask, mid_price"),
                               Not(HasSubstr("besides"))));
  EXPECT_TRUE(nothing_recorded());
}

TEST_F(PostgresMigrationTest, RefusesAViewNamedCryptoMetrics) {
  server_->execute("CREATE VIEW crypto_metrics AS SELECT 1 AS id");

  EXPECT_THAT(refusal(), HasSubstr("crypto_metrics exists but is not a table"));
  EXPECT_TRUE(nothing_recorded());
}

TEST_F(PostgresMigrationTest, RefusesRowsWithoutRequiredValuesNamingColumnAndCount) {
  server_->execute(kProofOfConceptTable);
  server_->execute(kProofOfConceptRows);
  server_->execute(
      "INSERT INTO crypto_metrics (pair, bid, ask, mid_price, spread, highest_bid, lowest_ask,"
      " max_spread, timestamp) VALUES"
      " ('BTC-USD', NULL, 2, 1.5, 1, 1, 1, 1, now()),"
      " ('BTC-USD', NULL, 2, 1.5, 1, 1, 1, 1, NULL)");
  const Rows before = server_->query(kShape);

  const std::string message = refusal();

  EXPECT_THAT(message, AllOf(HasSubstr("has rows without a value the service requires: "
                                       "2 rows without bid, 1 row without timestamp."),
                             HasSubstr("(DELETE FROM crypto_metrics WHERE \"bid\" IS NULL OR "
                                       "\"timestamp\" IS NULL)")));
  EXPECT_EQ(server_->query(kShape), before);
  EXPECT_EQ(server_->query_value("SELECT count(*) FROM crypto_metrics"), "15");
  EXPECT_TRUE(nothing_recorded());
}

// The service reads each pair back from the taken-over rows: it continues their count and moving
// average rather than starting over.
TEST_F(PostgresMigrationTest, TheStoreReadsThePairsBackFromTheOldRows) {
  server_->execute(kProofOfConceptTable);
  server_->execute(kProofOfConceptRows);
  migrate();

  const auto histories =
      postgres::PostgresStore{server_->connection_string(), "test database"}.load_histories(5);

  ASSERT_EQ(histories.size(), 4u);
  EXPECT_EQ(histories[0].latest.pair, "BTC-USD");
  EXPECT_EQ(histories[0].latest.count, 3);
  EXPECT_EQ(histories[0].recent_mid_prices.size(), 3u);
  EXPECT_EQ(histories[1].latest.pair, "ETH-USD");
  EXPECT_EQ(histories[1].latest.count, 6);
  EXPECT_EQ(histories[1].latest.moving_avg.to_string(), "40");
  EXPECT_EQ(histories[1].recent_mid_prices.size(), 5u);
  EXPECT_EQ(market::format_rfc3339(histories[0].latest.timestamp), "2024-03-01T12:00:03.250001Z");
}

}  // namespace
}  // namespace cryptometrics::storage

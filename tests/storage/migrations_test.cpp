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
#include "storage/sqlite/migration_runner.h"
#include "storage/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace cryptometrics::storage {
namespace {

using ::testing::HasSubstr;

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

TEST(EmbeddedMigrations, AreNumberedInVersionOrder) {
  ASSERT_FALSE(sqlite_migrations().empty());
  expect_numbered_in_order(sqlite_migrations());
  expect_numbered_in_order(postgres_migrations());
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

}  // namespace
}  // namespace cryptometrics::storage

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "old_spool_file.h"
#include "sqlite_test_rows.h"
#include "storage/migrations.h"
#include "storage/spool/queue.h"
#include "support/temp_dir.h"

namespace cryptometrics::storage::spool {
namespace {

constexpr const char* kOldCheckpoint = R"({"pairs":[],"offsets":[{"partition":0,"next":900}]})";

// Columns (name, type, not null, default, key) and indexes (how made, unique, columns) of every
// table but the records of migrations, in an order that does not depend on how the file was made.
std::vector<std::string> shape(const std::filesystem::path& path) {
  SQLite::Database database{path, SQLite::OPEN_READONLY};
  SQLite::Statement query{
      database,
      "SELECT m.name || ' ' || c.name || ' ' || c.type || ' ' || c.\"notnull\" || ' ' ||"
      " coalesce(c.dflt_value, '') || ' ' || c.pk"
      " FROM sqlite_schema AS m, pragma_table_info(m.name) AS c"
      " WHERE m.type = 'table' AND m.name NOT LIKE '%migrations'"
      " UNION ALL SELECT m.name || ' index ' || i.origin || ' ' || i.\"unique\" || ' ' ||"
      " (SELECT group_concat(name) FROM pragma_index_info(i.name))"
      " FROM sqlite_schema AS m, pragma_index_list(m.name) AS i"
      " WHERE m.type = 'table' AND m.name NOT LIKE '%migrations'"
      " ORDER BY 1"};
  std::vector<std::string> rows;
  while (query.executeStep()) {
    rows.push_back(query.getColumn(0).getString());
  }
  return rows;
}

class QueueUpgradeTest : public ::testing::Test {
 protected:
  // A spool that the previous version's SpoolingStore left behind: rows waiting for PostgreSQL,
  // their offsets and a checkpoint.
  void write_old_spool() {
    OldSpoolFile::write(path_, old_quotes_, old_rejections_, {{"crypto_prices", 0, 1003, 1}},
                        kOldCheckpoint);
  }

  bool has_table(const std::string& table) const {
    return SQLite::Database{path_, SQLite::OPEN_READONLY}.tableExists(table);
  }

  cryptometrics::testing::TempDir directory_;
  std::filesystem::path path_ = directory_ / "spool.db";
  // Of two lives of partition 0, the later one's offsets below the earlier one's.
  std::vector<QuoteRow> old_quotes_ = [] {
    std::vector<QuoteRow> rows{quote_row("BTC-USD", 900), quote_row("ETH-USD", 901),
                               quote_row("BTC-USD", 1000), quote_row("BTC-USD", 1001)};
    rows[2].source.life = rows[3].source.life = 1;
    rows[0].metrics.highest_bid = decimal("99999999999999.999999999999");
    return rows;
  }();
  std::vector<RejectedRow> old_rejections_ = [] {
    std::vector<RejectedRow> rows{rejected_row(902), rejected_row(1002)};
    rows[1].source.life = 1;
    return rows;
  }();
};

TEST_F(QueueUpgradeTest, ReplaysEveryRowOfASpoolWrittenBeforeItHadMigrationsOfItsOwn) {
  write_old_spool();

  Queue queue{path_};

  EXPECT_EQ(queue.depth(), 6u);
  const std::optional<SpooledBatch> spooled = queue.read_oldest(100);
  ASSERT_TRUE(spooled.has_value());
  EXPECT_EQ(spooled->batch.quotes, old_quotes_);
  EXPECT_EQ(spooled->batch.rejections, old_rejections_);
  EXPECT_EQ(spooled->batch.offsets, (std::vector<PartitionOffset>{{"crypto_prices", 0, 1003, 1}}));
  queue.remove(*spooled, "{}");
  EXPECT_EQ(queue.depth(), 0u);
  EXPECT_EQ(queue.read_oldest(100), std::nullopt);
}

TEST_F(QueueUpgradeTest, KeepsTheCheckpointAndOffsetsOfASpoolWrittenBeforeItHadMigrations) {
  write_old_spool();

  Queue queue{path_};

  EXPECT_EQ(queue.load_checkpoint(), kOldCheckpoint);
  EXPECT_EQ(queue.load_offsets("crypto_prices"),
            (std::vector<PartitionOffset>{{"crypto_prices", 0, 1003, 1}}));
  EXPECT_EQ(queue.load_histories(5).at(0).latest, old_quotes_[3].metrics);
}

TEST_F(QueueUpgradeTest, QueuesNewRowsBehindTheOldOnesAndSkipsThoseItHolds) {
  write_old_spool();
  Queue queue{path_};
  QuoteRow next = quote_row("BTC-USD", 1003);
  next.source.life = 1;

  queue.append(Batch{{old_quotes_[3], next}, {old_rejections_[0]}, {}});

  EXPECT_EQ(queue.depth(), 7u);
  const std::optional<SpooledBatch> spooled = queue.read_oldest(100);
  ASSERT_TRUE(spooled.has_value());
  EXPECT_EQ(spooled->batch.quotes.back(), next);
}

TEST_F(QueueUpgradeTest, TheAdoptedFileHasTheShapeOfANewSpool) {
  const std::filesystem::path new_spool = directory_ / "new-spool.db";
  { Queue queue{new_spool}; }
  write_old_spool();

  { Queue queue{path_}; }

  EXPECT_EQ(shape(path_), shape(new_spool));
}

TEST_F(QueueUpgradeTest, RecordsItsOwnMigrationsAndDropsTheStoresRecordOnce) {
  write_old_spool();

  { Queue queue{path_}; }
  { Queue queue{path_}; }

  EXPECT_FALSE(has_table("schema_migrations"));
  SQLite::Database database{path_, SQLite::OPEN_READONLY};
  std::string every_migration;
  for (const Migration& migration : spool_migrations()) {
    every_migration += (every_migration.empty() ? "" : ",") + std::string{migration.name};
  }
  EXPECT_EQ(database.execAndGet("SELECT group_concat(name) FROM spool_migrations").getString(),
            every_migration);
  EXPECT_EQ(Queue{path_}.depth(), 6u);
}

// Versions before partitions had lives left spools of migrations 001 and 002 only; the spool
// brings them to 003 on its way.
TEST_F(QueueUpgradeTest, TakesOverASpoolWrittenBeforePartitionsHadLives) {
  {
    SQLite::Database database{path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};
    database.exec(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
        " applied_at TEXT NOT NULL) STRICT;"
        "CREATE TABLE crypto_metrics (id INTEGER PRIMARY KEY, pair TEXT NOT NULL,"
        " bid TEXT NOT NULL, ask TEXT NOT NULL, mid_price TEXT NOT NULL, spread TEXT NOT NULL,"
        " highest_bid TEXT NOT NULL, lowest_ask TEXT NOT NULL, max_spread TEXT NOT NULL,"
        " moving_avg TEXT NOT NULL, quote_count INTEGER NOT NULL, timestamp TEXT NOT NULL,"
        " kafka_topic TEXT NOT NULL, kafka_partition INTEGER NOT NULL,"
        " kafka_offset INTEGER NOT NULL, UNIQUE (kafka_topic, kafka_partition, kafka_offset))"
        " STRICT;"
        "CREATE INDEX crypto_metrics_pair_id ON crypto_metrics (pair, id);"
        "CREATE TABLE kafka_offsets (kafka_topic TEXT NOT NULL, kafka_partition INTEGER NOT NULL,"
        " next_offset INTEGER NOT NULL, updated_at TEXT NOT NULL,"
        " PRIMARY KEY (kafka_topic, kafka_partition)) STRICT, WITHOUT ROWID;"
        "CREATE TABLE rejected_quotes (id INTEGER PRIMARY KEY, payload BLOB NOT NULL,"
        " reason TEXT NOT NULL, kafka_topic TEXT NOT NULL, kafka_partition INTEGER NOT NULL,"
        " kafka_offset INTEGER NOT NULL, received_at TEXT NOT NULL,"
        " UNIQUE (kafka_topic, kafka_partition, kafka_offset)) STRICT;"
        "CREATE TABLE postgres_checkpoint (id INTEGER PRIMARY KEY CHECK (id = 1),"
        " state TEXT NOT NULL, saved_at TEXT NOT NULL) STRICT;"
        "INSERT INTO schema_migrations VALUES (1, '001_init.sql', '2026-11-01T00:00:00.000000Z'),"
        " (2, '002_postgres_checkpoint.sql', '2026-11-01T00:00:00.000000Z');"
        "INSERT INTO crypto_metrics (pair, bid, ask, mid_price, spread, highest_bid, lowest_ask,"
        " max_spread, moving_avg, quote_count, timestamp, kafka_topic, kafka_partition,"
        " kafka_offset) VALUES ('BTC-USD', '1', '2', '1.5', '1', '1', '2', '1', '1.5', 1,"
        " '2026-11-01T10:00:00.000000Z', 'crypto_prices', 0, 41);"
        "INSERT INTO postgres_checkpoint VALUES (1, 'before lives', '2026-11-01T00:00:00Z');");
  }

  Queue queue{path_};

  const std::optional<SpooledBatch> spooled = queue.read_oldest(10);
  ASSERT_TRUE(spooled.has_value());
  ASSERT_EQ(spooled->batch.quotes.size(), 1u);
  EXPECT_EQ(spooled->batch.quotes[0].source, (Source{"crypto_prices", 0, 41, 0}));
  EXPECT_EQ(queue.load_checkpoint(), "before lives");
}

}  // namespace
}  // namespace cryptometrics::storage::spool

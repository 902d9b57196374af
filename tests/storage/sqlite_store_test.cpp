#include "storage/sqlite/sqlite_store.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "history_checks.h"
#include "storage/migrations.h"
#include "storage/sqlite/migration_runner.h"
#include "storage/sqlite/row_tables.h"
#include "sqlite_test_rows.h"
#include "support/temp_dir.h"

namespace cryptometrics::storage::sqlite {
namespace {

using ::testing::HasSubstr;

// Reads the file beside the store, as an operator's sqlite3 shell would.
std::string query_text(const std::filesystem::path& path, const std::string& sql) {
  SQLite::Database database{path, SQLite::OPEN_READONLY};
  return database.execAndGet(sql).getString();
}

void execute(const std::filesystem::path& path, const std::string& sql) {
  SQLite::Database database{path, SQLite::OPEN_READWRITE};
  database.exec(sql);
}

// Caps the size of every file this process writes, as a full disk would, until destroyed.
class FileSizeCap {
 public:
  explicit FileSizeCap(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    // Past the cap the kernel sends SIGXFSZ, which would kill the test; ignored, the write fails.
    saved_handler_ = ::signal(SIGXFSZ, SIG_IGN);
    rlimit cap = saved_;
    cap.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &cap);
  }
  ~FileSizeCap() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    ::signal(SIGXFSZ, saved_handler_);
  }

  FileSizeCap(const FileSizeCap&) = delete;
  FileSizeCap& operator=(const FileSizeCap&) = delete;

 private:
  rlimit saved_{};
  sighandler_t saved_handler_ = SIG_DFL;
};

constexpr rlim_t kFileSizeCap = 1 << 20;

Batch batch_beyond_cap() {
  return Batch{
      {}, {RejectedRow{std::string(4 * kFileSizeCap, 'x'), "huge", {"t", 0, 1}, test_time(0)}}, {}};
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  cryptometrics::testing::TempDir directory_;
  std::filesystem::path path_ = directory_ / "metrics.db";
};

TEST_F(SqliteStoreTest, OpensInWalModeAndReportsOk) {
  SqliteStore store{path_};

  EXPECT_EQ(query_text(path_, "PRAGMA journal_mode"), "wal");
  const Status status = store.status();
  EXPECT_EQ(status.backend, "sqlite");
  EXPECT_TRUE(status.ready);
  EXPECT_EQ(status.state, "ok");
  EXPECT_EQ(status.last_error, "");
}

TEST_F(SqliteStoreTest, RoundTripsEveryColumnExactly) {
  QuoteRow row;
  row.metrics.pair = "BTC-USD";
  row.metrics.bid = decimal("46396.270000000001");
  row.metrics.ask = decimal("46535.3");
  row.metrics.mid_price = decimal("46465.785000000001");
  row.metrics.spread = decimal("139.029999999999");
  row.metrics.highest_bid = decimal("99999999999999.999999999999");
  row.metrics.lowest_ask = decimal("0.000000000001");
  row.metrics.max_spread = decimal("12345678901234.123456789012");
  row.metrics.moving_avg = decimal("46400.123456789012");
  row.metrics.count = 9'000'000'000'000;
  row.metrics.timestamp = *market::parse_rfc3339("2026-11-24T10:54:05.014566Z");
  row.source = Source{"crypto_prices", 2'147'483'647, 9'000'000'000'000'000'000};
  SqliteStore store{path_};

  store.write(Batch{{row}, {}, {}});

  const std::vector<metrics::History> histories = store.load_histories(1);
  ASSERT_EQ(histories.size(), 1u);
  EXPECT_EQ(histories[0].latest, row.metrics);
  EXPECT_EQ(histories[0].recent_mid_prices, std::vector{row.metrics.mid_price});
  EXPECT_EQ(store.history("BTC-USD", 10, std::nullopt), std::vector{row});
  EXPECT_EQ(query_text(path_,
                       "SELECT highest_bid || ' ' || typeof(highest_bid) || ' ' ||"
                       " timestamp FROM crypto_metrics"),
            "99999999999999.999999999999 text 2026-11-24T10:54:05.014566Z");
}

TEST_F(SqliteStoreTest, IgnoresSourcesAlreadyStored) {
  const Batch batch{{quote_row("BTC-USD", 1), quote_row("ETH-USD", 2)}, {rejected_row(3)}, {}};
  SqliteStore store{path_};

  store.write(batch);
  store.write(batch);

  EXPECT_EQ(query_text(path_, "SELECT COUNT(*) FROM crypto_metrics"), "2");
  EXPECT_EQ(query_text(path_, "SELECT COUNT(*) FROM rejected_quotes"), "1");
}

TEST_F(SqliteStoreTest, KeepsTheFirstRowOfASourceStoredTwice) {
  const QuoteRow first = quote_row("BTC-USD", 7);
  QuoteRow replayed = first;
  replayed.metrics.count = 99;
  SqliteStore store{path_};

  store.write(Batch{{first}, {}, {}});
  store.write(Batch{{replayed}, {}, {}});

  EXPECT_EQ(store.load_histories(1).at(0).latest, first.metrics);
}

TEST_F(SqliteStoreTest, OffsetsNeverMoveBackwards) {
  SqliteStore store{path_};

  store.write(Batch{{}, {}, {{"crypto_prices", 0, 10}, {"crypto_prices", 1, 5}}});
  store.write(Batch{{}, {}, {{"crypto_prices", 0, 4}, {"crypto_prices", 1, 6}}});

  EXPECT_EQ(store.load_offsets("crypto_prices"),
            (std::vector<PartitionOffset>{{"crypto_prices", 0, 10}, {"crypto_prices", 1, 6}}));
}

// A partition that started over names new messages with the offsets of old ones.
TEST_F(SqliteStoreTest, KeepsTheSameOffsetOfTwoLivesApart) {
  SqliteStore store{path_};
  QuoteRow earlier = quote_row("BTC-USD", 5);
  QuoteRow later = quote_row("BTC-USD", 5);
  later.source.life = 1;
  later.metrics.count = 99;

  store.write(Batch{{earlier}, {rejected_row(6)}, {{"crypto_prices", 0, 7}}});
  RejectedRow rejected_later = rejected_row(6);
  rejected_later.source.life = 1;
  store.write(Batch{{later}, {rejected_later}, {{"crypto_prices", 0, 7, 1}}});

  EXPECT_EQ(query_text(path_, "SELECT group_concat(kafka_life || ':' || quote_count) FROM "
                              "(SELECT * FROM crypto_metrics ORDER BY id)"),
            "0:6,1:99");
  EXPECT_EQ(query_text(path_, "SELECT count(*) FROM rejected_quotes"), "2");
  EXPECT_EQ(store.history("BTC-USD", 1, std::nullopt).at(0).source, later.source);
}

TEST_F(SqliteStoreTest, AnOffsetMovesBackOnlyIntoALaterLife) {
  SqliteStore store{path_};

  store.write(Batch{{}, {}, {{"crypto_prices", 0, 1000}}});
  store.write(Batch{{}, {}, {{"crypto_prices", 0, 3, 1}}});
  store.write(Batch{{}, {}, {{"crypto_prices", 0, 2000}}});

  EXPECT_EQ(store.load_offsets("crypto_prices"),
            (std::vector<PartitionOffset>{{"crypto_prices", 0, 3, 1}}));
}

TEST_F(SqliteStoreTest, KeepsTheFirst64KibOfARejectedPayloadWithItsLengthAndHash) {
  SqliteStore store{path_};
  const std::string payload(100'000, 'x');

  store.write(Batch{{}, {RejectedRow::of(payload, "not JSON", {"t", 0, 1}, test_time(0))}, {}});

  EXPECT_EQ(query_text(path_, "SELECT length(payload) || ' ' || payload_length || ' ' || "
                              "payload_sha256 FROM rejected_quotes"),
            "65536 100000 "
            "d69e68988157833272305aaf21f453c800346e8a3640db6578e260215542e5d4");
}

TEST_F(SqliteStoreTest, UpgradesAStoreMadeBeforePartitionsHadLives) {
  {
    SQLite::Database database{path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};
    apply_migrations(database, sqlite_migrations().first(2));
    database.exec(
        "INSERT INTO crypto_metrics (pair, bid, ask, mid_price, spread, highest_bid, lowest_ask,"
        " max_spread, moving_avg, quote_count, timestamp, kafka_topic, kafka_partition,"
        " kafka_offset) VALUES ('BTC-USD', '1', '2', '1.5', '1', '1', '2', '1', '1.5', 1,"
        " '2026-11-24T10:00:00.000000Z', 'crypto_prices', 0, 41);"
        "INSERT INTO rejected_quotes (payload, reason, kafka_topic, kafka_partition,"
        " kafka_offset, received_at) VALUES (X'6e6f74', 'not JSON', 'crypto_prices', 0, 42,"
        " '2026-11-24T10:00:00.000000Z');"
        "INSERT INTO kafka_offsets (kafka_topic, kafka_partition, next_offset, updated_at)"
        " VALUES ('crypto_prices', 0, 43, '2026-11-24T10:00:00.000000Z')");
  }

  SqliteStore store{path_};

  EXPECT_EQ(store.load_offsets("crypto_prices"),
            (std::vector<PartitionOffset>{{"crypto_prices", 0, 43, 0}}));
  EXPECT_EQ(store.history("BTC-USD", 1, std::nullopt).at(0).source,
            (Source{"crypto_prices", 0, 41, 0}));
  EXPECT_EQ(query_text(path_, "SELECT payload_length || ' ' || kafka_life FROM rejected_quotes"),
            "3 0");
  QuoteRow next_life = quote_row("BTC-USD", 41);
  next_life.source.life = 1;
  store.write(Batch{{next_life}, {}, {{"crypto_prices", 0, 42, 1}}});
  EXPECT_EQ(query_text(path_, "SELECT count(*) FROM crypto_metrics"), "2");
}

constexpr const char* kCountCheckpointTables =
    "SELECT count(*) FROM sqlite_schema WHERE name = 'postgres_checkpoint'";

TEST_F(SqliteStoreTest, ANewStoreHasNoCheckpointTable) {
  { SqliteStore store{path_}; }

  EXPECT_EQ(query_text(path_, kCountCheckpointTables), "0");
}

// Files of the versions whose spool was an SQLite store carry the spool's checkpoint table,
// which the store never used.
TEST_F(SqliteStoreTest, AStoreOfAnEarlierVersionLosesTheCheckpointTableAndKeepsItsRows) {
  {
    SQLite::Database database{path_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};
    apply_migrations(database, sqlite_migrations().first(3));
    RowTables{database, path_}.write(Batch{{quote_row("BTC-USD", 41)}, {}, {}});
  }
  ASSERT_EQ(query_text(path_, kCountCheckpointTables), "1");

  SqliteStore store{path_};

  EXPECT_EQ(query_text(path_, kCountCheckpointTables), "0");
  EXPECT_EQ(store.history("BTC-USD", 10, std::nullopt), std::vector{quote_row("BTC-USD", 41)});
}

TEST_F(SqliteStoreTest, WritesRowsAndOffsetsOfABatchTogether) {
  SqliteStore store{path_};

  store.write(Batch{{quote_row("BTC-USD", 0)}, {rejected_row(1)}, {{"crypto_prices", 0, 2}}});

  EXPECT_EQ(query_text(path_, "SELECT count(*) FROM crypto_metrics"), "1");
  EXPECT_EQ(query_text(path_, "SELECT count(*) FROM rejected_quotes"), "1");
  EXPECT_EQ(store.load_offsets("crypto_prices"),
            (std::vector<PartitionOffset>{{"crypto_prices", 0, 2}}));
}

TEST_F(SqliteStoreTest, LoadOffsetsReturnsOnlyTheTopicAsked) {
  SqliteStore store{path_};
  store.write(Batch{{}, {}, {{"crypto_prices", 3, 30}, {"other", 0, 7}, {"crypto_prices", 0, 1}}});

  EXPECT_EQ(store.load_offsets("crypto_prices"),
            (std::vector<PartitionOffset>{{"crypto_prices", 0, 1}, {"crypto_prices", 3, 30}}));
  EXPECT_EQ(store.load_offsets("other"), (std::vector<PartitionOffset>{{"other", 0, 7}}));
  EXPECT_TRUE(store.load_offsets("unknown").empty());
}

class LoadHistoriesTest : public SqliteStoreTest {
 protected:
  // Five quotes of BTC-USD and two of ETH-USD, interleaved.
  void SetUp() override {
    Batch batch;
    for (std::int64_t offset = 0; offset < 7; ++offset) {
      batch.quotes.push_back(quote_row(offset % 3 == 1 ? "ETH-USD" : "BTC-USD", offset));
    }
    store_.write(batch);
  }

  static std::vector<market::Decimal> mid_prices(std::vector<std::int64_t> offsets) {
    std::vector<market::Decimal> mids;
    for (const std::int64_t offset : offsets) {
      mids.push_back(quote_row("", offset).metrics.mid_price);
    }
    return mids;
  }

  SqliteStore store_{path_};
};

TEST_F(LoadHistoriesTest, ReturnsTheLatestRowOfEachPair) {
  const std::vector<metrics::History> histories = store_.load_histories(3);

  ASSERT_EQ(histories.size(), 2u);
  EXPECT_EQ(histories[0].latest, quote_row("BTC-USD", 6).metrics);
  EXPECT_EQ(histories[1].latest, quote_row("ETH-USD", 4).metrics);
}

TEST_F(LoadHistoriesTest, ReturnsTheLastMidPricesOldestFirstWhenWindowIsSmaller) {
  const std::vector<metrics::History> histories = store_.load_histories(3);

  ASSERT_EQ(histories.size(), 2u);
  EXPECT_EQ(histories[0].recent_mid_prices, mid_prices({3, 5, 6}));
}

TEST_F(LoadHistoriesTest, ReturnsEveryMidPriceWhenWindowIsLarger) {
  const std::vector<metrics::History> histories = store_.load_histories(10);

  ASSERT_EQ(histories.size(), 2u);
  EXPECT_EQ(histories[0].recent_mid_prices, mid_prices({0, 2, 3, 5, 6}));
  EXPECT_EQ(histories[1].recent_mid_prices, mid_prices({1, 4}));
}

TEST_F(LoadHistoriesTest, ReturnsTheLatestRowWithoutMidPricesForAnEmptyWindow) {
  const std::vector<metrics::History> histories = store_.load_histories(0);

  ASSERT_EQ(histories.size(), 2u);
  EXPECT_EQ(histories[0].latest, quote_row("BTC-USD", 6).metrics);
  EXPECT_TRUE(histories[0].recent_mid_prices.empty());
}

TEST_F(SqliteStoreTest, LoadHistoriesIsEmptyForAnEmptyStore) {
  SqliteStore store{path_};

  EXPECT_TRUE(store.load_histories(5).empty());
}

TEST_F(SqliteStoreTest, KeepsEverythingAcrossReopen) {
  const Batch batch{{quote_row("BTC-USD", 0), quote_row("ETH-USD", 1)},
                    {rejected_row(2)},
                    {{"crypto_prices", 0, 3}}};
  std::vector<metrics::History> written;
  {
    SqliteStore store{path_};
    store.write(batch);
    written = store.load_histories(5);
  }

  SqliteStore reopened{path_};

  EXPECT_EQ(reopened.load_histories(5), written);
  EXPECT_EQ(reopened.load_offsets("crypto_prices"), batch.offsets);
  EXPECT_EQ(reopened.history("ETH-USD", 10, std::nullopt), std::vector{batch.quotes[1]});
  EXPECT_EQ(query_text(path_, "SELECT reason || ' ' || kafka_offset FROM rejected_quotes"),
            "field ask is missing 2");
}

TEST_F(SqliteStoreTest, OpenThrowsNamingThePathWhenItsDirectoryIsMissing) {
  const std::filesystem::path path = directory_ / "missing" / "metrics.db";

  EXPECT_THAT([&] { SqliteStore store{path}; },
              ::testing::ThrowsMessage<std::runtime_error>(HasSubstr(path.string())));
}

TEST_F(SqliteStoreTest, FailedWriteThrowsNamingThePathAndReportsFailing) {
  SqliteStore store{path_};

  {
    const FileSizeCap cap{kFileSizeCap};
    EXPECT_THAT([&] { store.write(batch_beyond_cap()); },
                ::testing::ThrowsMessage<std::runtime_error>(HasSubstr(path_.string())));
  }

  const Status status = store.status();
  EXPECT_FALSE(status.ready);
  EXPECT_EQ(status.state, "failing");
  EXPECT_THAT(status.last_error, HasSubstr(path_.string()));
}

TEST_F(SqliteStoreTest, WritesAgainOnceTheCauseOfAFailureIsGone) {
  SqliteStore store{path_};
  store.write(Batch{{quote_row("BTC-USD", 0)}, {}, {}});
  {
    const FileSizeCap cap{kFileSizeCap};
    EXPECT_THROW(store.write(batch_beyond_cap()), std::runtime_error);
  }

  store.write(Batch{{quote_row("BTC-USD", 2)}, {}, {}});

  EXPECT_EQ(store.status().state, "ok");
  EXPECT_EQ(query_text(path_, "SELECT count(*) FROM crypto_metrics"), "2");
}

TEST_F(SqliteStoreTest, CountsTheQuotesAndRejectionsOfEveryBatchItMadeDurable) {
  SqliteStore store{path_};
  store.write(Batch{{quote_row("BTC-USD", 0), quote_row("ETH-USD", 1)}, {rejected_row(2)}, {}});
  {
    const FileSizeCap cap{kFileSizeCap};
    EXPECT_THROW(store.write(batch_beyond_cap()), std::runtime_error);
  }

  store.write(Batch{{quote_row("BTC-USD", 3)}, {}, {}});

  const Status status = store.status();
  EXPECT_EQ(status.rows, (RowCounts{.stored = 4, .spooled = 0, .replayed = 0}));
  EXPECT_FALSE(status.has_spool);
}

TEST_F(SqliteStoreTest, ThrowsNamingTableRowAndColumnOfAStoredDecimalThatDoesNotParse) {
  SqliteStore store{path_};
  store.write(Batch{{quote_row("BTC-USD", 0)}, {}, {}});
  execute(path_, "UPDATE crypto_metrics SET moving_avg = 'forty-two'");

  EXPECT_THAT([&] { store.load_histories(5); },
              ::testing::ThrowsMessage<std::runtime_error>(AllOf(
                  HasSubstr(path_.string()), HasSubstr("crypto_metrics row 1, column moving_avg"),
                  HasSubstr("forty-two"))));
}

TEST_F(SqliteStoreTest, ThrowsNamingTableRowAndColumnOfAStoredTimeThatDoesNotParse) {
  SqliteStore store{path_};
  store.write(Batch{{quote_row("BTC-USD", 0)}, {}, {}});
  execute(path_, "UPDATE crypto_metrics SET timestamp = 'yesterday'");

  EXPECT_THAT([&] { store.history("BTC-USD", 5, std::nullopt); },
              ::testing::ThrowsMessage<std::runtime_error>(
                  HasSubstr("crypto_metrics row 1, column timestamp")));
}

TEST(SqliteStore, ReadsAPairsHistoryNewestFirstWithinLimitAndSince) {
  cryptometrics::testing::TempDir directory;
  SqliteStore store{directory / "store.db"};

  check_history(store);
}

}  // namespace
}  // namespace cryptometrics::storage::sqlite

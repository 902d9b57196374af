#include "storage/postgres/postgres_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <latch>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "history_checks.h"
#include "market/timestamp.h"
#include "sqlite_test_rows.h"
#include "storage/migrations.h"
#include "storage/postgres/refusal.h"
#include "support/postgres_fixture.h"

namespace cryptometrics::storage::postgres {
namespace {

using Rows = std::vector<std::vector<std::string>>;

class PostgresStoreTest : public testing::PostgresFixture {
 protected:
  void SetUp() override {
    PostgresFixture::SetUp();
    store_ = make_store();
  }

  static std::unique_ptr<PostgresStore> make_store() {
    return std::make_unique<PostgresStore>(server_->connection_string(), "test database");
  }

  // (topic, partition, offset) of every stored quote, in id order.
  static Rows stored_sources() {
    return server_->query(
        "SELECT kafka_topic, kafka_partition, kafka_offset FROM crypto_metrics ORDER BY id");
  }

  std::unique_ptr<PostgresStore> store_;
};

std::vector<std::string> source_of(const QuoteRow& row) {
  return {row.source.topic, std::to_string(row.source.partition),
          std::to_string(row.source.offset)};
}

TEST_F(PostgresStoreTest, MigrateCreatesTheTablesAndRecordsEachMigration) {
  store_->migrate();

  Rows expected;
  for (const Migration& migration : postgres_migrations()) {
    expected.push_back({std::to_string(migration.version), std::string{migration.name}});
  }
  EXPECT_EQ(server_->query("SELECT version, name FROM schema_migrations ORDER BY version"),
            expected);
  EXPECT_EQ(server_->query("SELECT to_regclass('kafka_offsets') IS NOT NULL,"
                           " to_regclass('rejected_quotes') IS NOT NULL"),
            (Rows{{"t", "t"}}));
}

TEST_F(PostgresStoreTest, TheOriginalQueriesColumnsExist) {
  store_->migrate();
  store_->write(Batch{{quote_row("BTC-USD", 0)}, {}, {}});

  const Rows rows = server_->query(
      "SELECT pair, bid, ask, mid_price, spread, highest_bid, lowest_ask, max_spread,"
      " moving_avg, timestamp FROM crypto_metrics");

  EXPECT_EQ(rows.size(), 1u);
}

TEST_F(PostgresStoreTest, MigratingAgainAppliesNothing) {
  store_->migrate();
  const Rows first = server_->query("SELECT version, applied_at FROM schema_migrations");

  store_->migrate();
  make_store()->migrate();

  EXPECT_EQ(server_->query("SELECT version, applied_at FROM schema_migrations"), first);
}

TEST_F(PostgresStoreTest, StoresMigratingAtTheSameTimeApplyEachMigrationOnce) {
  for (int round = 0; round < 5; ++round) {
    server_->execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    const auto first = make_store();
    const auto second = make_store();
    std::latch start{2};
    const auto migrate = [&start](PostgresStore& store) {
      start.arrive_and_wait();
      store.migrate();
    };

    std::thread other{migrate, std::ref(*second)};
    EXPECT_NO_THROW(migrate(*first));
    other.join();

    EXPECT_EQ(server_->query_value("SELECT count(*) FROM schema_migrations"),
              std::to_string(postgres_migrations().size()));
  }
}

TEST_F(PostgresStoreTest, WritesQuotesExactly) {
  QuoteRow row = quote_row("BTC-USD", 7, 2);
  row.metrics.bid = decimal("46396.27");
  row.metrics.ask = decimal("46535.3");
  row.metrics.mid_price = decimal("46465.785");
  row.metrics.spread = decimal("139.03");
  row.metrics.highest_bid = decimal("99999999999999.999999999999");
  row.metrics.lowest_ask = decimal("0.000000000001");
  row.metrics.max_spread = decimal("139.03");
  row.metrics.moving_avg = decimal("46465.785123456789");
  row.metrics.timestamp = *market::parse_rfc3339("2026-11-24T10:54:05.014566Z");

  store_->write(Batch{{row}, {}, {}});

  EXPECT_EQ(server_->query("SELECT pair, bid, ask, mid_price, spread, highest_bid, lowest_ask,"
                           " max_spread, moving_avg, quote_count,"
                           " to_char(timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'),"
                           " kafka_topic, kafka_partition, kafka_offset FROM crypto_metrics"),
            (Rows{{"BTC-USD", "46396.27", "46535.3", "46465.785", "139.03",
                   "99999999999999.999999999999", "0.000000000001", "139.03", "46465.785123456789",
                   "8", "2026-11-24 10:54:05.014566", "crypto_prices", "2", "7"}}));
}

TEST_F(PostgresStoreTest, ReadsAPairsHistoryNewestFirstWithinLimitAndSince) {
  check_history(*store_);
}

TEST_F(PostgresStoreTest, ReadsHistoryRowsWithoutKafkaProvenance) {
  store_->migrate();
  // A row as the proof of concept wrote it.
  server_->query(
      "INSERT INTO crypto_metrics (pair, bid, ask, mid_price, spread, highest_bid, lowest_ask,"
      " max_spread, moving_avg, quote_count, \"timestamp\") VALUES ('BTC-USD', 1, 2, 1.5, 1, 1,"
      " 2, 1, 1.5, 1, '2026-01-01T00:00:00Z') RETURNING id");

  const std::vector<QuoteRow> rows = store_->history("BTC-USD", 10, std::nullopt);

  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].source, (Source{"", -1, -1}));
  EXPECT_EQ(rows[0].metrics.mid_price, decimal("1.5"));
}

TEST_F(PostgresStoreTest, ReadsBackWhatItWrote) {
  QuoteRow row = quote_row("BTC-USD", 7);
  row.metrics.highest_bid = decimal("99999999999999.999999999999");

  store_->write(Batch{{row}, {}, {}});
  const std::vector<metrics::History> histories = store_->load_histories(5);

  ASSERT_EQ(histories.size(), 1u);
  EXPECT_EQ(histories[0].latest, row.metrics);
  EXPECT_EQ(histories[0].recent_mid_prices, std::vector{row.metrics.mid_price});
}

TEST_F(PostgresStoreTest, KeepsEveryByteOfARejectedPayload) {
  constexpr char kPayload[] = "\0\xff\xfe{\"pair\":\t\"\\x\"\n}\x80";
  RejectedRow rejection = rejected_row(3);
  rejection.payload = std::string(kPayload, sizeof kPayload - 1);
  rejection.received_at = *market::parse_rfc3339("2026-11-24T10:54:05.000001Z");

  store_->write(Batch{{}, {rejection}, {}});

  EXPECT_EQ(server_->query("SELECT encode(payload, 'hex'), reason, kafka_offset,"
                           " to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
                           " FROM rejected_quotes"),
            (Rows{{"00fffe7b2270616972223a09225c78220a7d80", "field ask is missing", "3",
                   "2026-11-24 10:54:05.000001"}}));
}

TEST_F(PostgresStoreTest, StoresAReasonThatIsNotUtf8WithReplacementCharacters) {
  constexpr char kReason[] = "pair \"\xff\0x\" is malformed";
  RejectedRow rejection = rejected_row(3);
  rejection.reason = std::string(kReason, sizeof kReason - 1);

  store_->write(Batch{{}, {rejection}, {}});

  EXPECT_EQ(server_->query_value("SELECT reason FROM rejected_quotes"),
            "pair \"\xEF\xBF\xBD\xEF\xBF\xBDx\" is malformed");
}

TEST_F(PostgresStoreTest, SkipsSourcesAlreadyStoredKeepingTheOrderOfTheOthers) {
  const std::vector<QuoteRow> first{quote_row("BTC-USD", 0), quote_row("ETH-USD", 1)};
  const std::vector<QuoteRow> overlapping{quote_row("BTC-USD", 4), quote_row("ETH-USD", 1),
                                          quote_row("BTC-USD", 2), quote_row("BTC-USD", 2)};

  store_->write(Batch{first, {rejected_row(5)}, {}});
  store_->write(Batch{first, {rejected_row(5)}, {}});
  store_->write(Batch{overlapping, {rejected_row(5), rejected_row(6)}, {}});

  EXPECT_EQ(stored_sources(), (Rows{source_of(first[0]), source_of(first[1]),
                                    source_of(overlapping[0]), source_of(overlapping[2])}));
  EXPECT_EQ(server_->query("SELECT kafka_offset FROM rejected_quotes ORDER BY id"),
            (Rows{{"5"}, {"6"}}));
}

TEST_F(PostgresStoreTest, GivesRowsIdsInBatchOrder) {
  std::vector<QuoteRow> rows;
  for (std::int64_t offset = 40; offset > 0; --offset) {
    rows.push_back(quote_row(offset % 2 == 0 ? "BTC-USD" : "ETH-USD", offset));
  }

  store_->write(Batch{rows, {}, {}});

  Rows expected;
  for (const QuoteRow& row : rows) {
    expected.push_back(source_of(row));
  }
  EXPECT_EQ(stored_sources(), expected);
}

TEST_F(PostgresStoreTest, OffsetsNeverMoveBackwards) {
  store_->write(Batch{{}, {}, {{"crypto_prices", 0, 10}, {"crypto_prices", 1, 4}}});
  store_->write(Batch{{}, {}, {{"crypto_prices", 0, 5}, {"crypto_prices", 1, 9}}});
  store_->write(Batch{{}, {}, {{"crypto_prices", 1, 12}, {"crypto_prices", 1, 11}}});

  EXPECT_EQ(store_->load_offsets("crypto_prices"),
            (std::vector<PartitionOffset>{{"crypto_prices", 0, 10}, {"crypto_prices", 1, 12}}));
}

// A partition that started over names new messages with the offsets of old ones.
TEST_F(PostgresStoreTest, KeepsTheSameOffsetOfTwoLivesApart) {
  QuoteRow earlier = quote_row("BTC-USD", 5);
  QuoteRow later = quote_row("BTC-USD", 5);
  later.source.life = 1;
  RejectedRow rejected_later = rejected_row(6);
  rejected_later.source.life = 1;

  store_->write(Batch{{earlier}, {rejected_row(6)}, {{"crypto_prices", 0, 7}}});
  store_->write(Batch{{later}, {rejected_later}, {{"crypto_prices", 0, 7, 1}}});
  store_->write(Batch{{later}, {rejected_later}, {{"crypto_prices", 0, 7, 1}}});

  EXPECT_EQ(server_->query("SELECT kafka_life FROM crypto_metrics ORDER BY id"),
            (Rows{{"0"}, {"1"}}));
  EXPECT_EQ(server_->query("SELECT kafka_life FROM rejected_quotes ORDER BY id"),
            (Rows{{"0"}, {"1"}}));
  EXPECT_EQ(store_->history("BTC-USD", 1, std::nullopt).at(0).source, later.source);
}

TEST_F(PostgresStoreTest, AnOffsetMovesBackOnlyIntoALaterLife) {
  store_->write(Batch{{}, {}, {{"crypto_prices", 0, 1000}}});
  store_->write(Batch{{}, {}, {{"crypto_prices", 0, 3, 1}, {"crypto_prices", 0, 900}}});
  store_->write(Batch{{}, {}, {{"crypto_prices", 0, 2000}}});

  EXPECT_EQ(store_->load_offsets("crypto_prices"),
            (std::vector<PartitionOffset>{{"crypto_prices", 0, 3, 1}}));
}

TEST_F(PostgresStoreTest, KeepsTheFirst64KibOfARejectedPayloadWithItsLengthAndHash) {
  const std::string payload(100'000, 'x');

  store_->write(Batch{{}, {RejectedRow::of(payload, "not JSON", {"t", 0, 1}, test_time(0))}, {}});

  EXPECT_EQ(server_->query("SELECT octet_length(payload), payload_length, payload_sha256"
                           " FROM rejected_quotes"),
            (Rows{{"65536", "100000",
                   "d69e68988157833272305aaf21f453c800346e8a3640db6578e260215542e5d4"}}));
}

TEST_F(PostgresStoreTest, UpgradesADatabaseMadeBeforePartitionsHadLives) {
  server_->execute(
      "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
      " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
  server_->execute(std::string{postgres_migrations()[0].sql});
  server_->execute(
      "INSERT INTO schema_migrations (version, name) VALUES (1, '001_init.sql');"
      "INSERT INTO crypto_metrics (pair, bid, ask, mid_price, spread, highest_bid, lowest_ask,"
      " max_spread, moving_avg, quote_count, timestamp, kafka_topic, kafka_partition,"
      " kafka_offset) VALUES ('BTC-USD', 1, 2, 1.5, 1, 1, 2, 1, 1.5, 1, now(), 'crypto_prices',"
      " 0, 41);"
      "INSERT INTO rejected_quotes (payload, reason, kafka_topic, kafka_partition, kafka_offset,"
      " received_at) VALUES ('\\x6e6f74', 'not JSON', 'crypto_prices', 0, 42, now());"
      "INSERT INTO kafka_offsets (kafka_topic, kafka_partition, next_offset)"
      " VALUES ('crypto_prices', 0, 43)");

  store_->migrate();

  EXPECT_EQ(store_->load_offsets("crypto_prices"),
            (std::vector<PartitionOffset>{{"crypto_prices", 0, 43, 0}}));
  EXPECT_EQ(server_->query("SELECT payload_length, payload_sha256, kafka_life FROM rejected_quotes"),
            (Rows{{"3", "254bb97b57f12e1608fefc4517de768427b2fd6d2cffbbfcbc09f3c818198d5f", "0"}}));
  QuoteRow next_life = quote_row("BTC-USD", 41);
  next_life.source.life = 1;
  store_->write(Batch{{next_life}, {}, {{"crypto_prices", 0, 42, 1}}});
  EXPECT_EQ(server_->query_value("SELECT count(*) FROM crypto_metrics"), "2");
}

// A time PostgreSQL cannot hold (year 0) stands for any row it refuses for its data: the rest of
// the batch is stored, the row is kept as a rejection with PostgreSQL's reason, and the offsets
// move on, so that the batch is not retried for ever.
TEST_F(PostgresStoreTest, ARowRefusedForItsDataIsSetAsideAndTheRestStored) {
  std::vector<QuoteRow> rows;
  for (std::int64_t offset = 0; offset < 9; ++offset) rows.push_back(quote_row("BTC-USD", offset));
  rows[3].metrics.timestamp = market::Timestamp{std::chrono::sys_days{std::chrono::year{0} /
                                                                      std::chrono::January / 1}};
  rows[7].metrics.timestamp = rows[3].metrics.timestamp;

  store_->write(Batch{rows, {rejected_row(9)}, {{"crypto_prices", 0, 10}}});

  EXPECT_EQ(server_->query("SELECT kafka_offset FROM crypto_metrics ORDER BY id"),
            (Rows{{"0"}, {"1"}, {"2"}, {"4"}, {"5"}, {"6"}, {"8"}}));
  const Rows rejected =
      server_->query("SELECT kafka_offset, reason FROM rejected_quotes ORDER BY kafka_offset");
  ASSERT_EQ(rejected.size(), 3u);
  EXPECT_EQ(rejected[0][0], "3");
  EXPECT_NE(rejected[0][1].find("PostgreSQL refused the row: SQLSTATE 22008"), std::string::npos)
      << rejected[0][1];
  EXPECT_EQ(rejected[1][0], "7");
  EXPECT_EQ(rejected[2][0], "9");
  EXPECT_EQ(store_->load_offsets("crypto_prices"),
            (std::vector<PartitionOffset>{{"crypto_prices", 0, 10}}));
  EXPECT_TRUE(store_->status().ready);
}

TEST_F(PostgresStoreTest, ARowRefusedByAConstraintOfTheOperatorsIsSetAside) {
  store_->migrate();
  server_->execute("ALTER TABLE crypto_metrics ADD CONSTRAINT no_eth CHECK (pair <> 'ETH-USD')");

  store_->write(Batch{{quote_row("BTC-USD", 0), quote_row("ETH-USD", 1)}, {}, {}});

  EXPECT_EQ(server_->query("SELECT pair FROM crypto_metrics"), (Rows{{"BTC-USD"}}));
  EXPECT_NE(server_->query_value("SELECT reason FROM rejected_quotes").find("23514"),
            std::string::npos);
  EXPECT_NE(server_->query_value("SELECT convert_from(payload, 'UTF8') FROM rejected_quotes")
                .find("\"pair\":\"ETH-USD\""),
            std::string::npos);
}

TEST_F(PostgresStoreTest, ARoleWithoutTheRightToWriteIsRefusedNotUnavailable) {
  store_->migrate();
  server_->execute(
      "CREATE ROLE reader LOGIN PASSWORD 'reader';"
      "GRANT SELECT ON ALL TABLES IN SCHEMA public TO reader");
  PostgresStore reader{server_->connection_string() + " user=reader password=reader",
                       "reader@test"};

  try {
    reader.write(Batch{{quote_row("BTC-USD", 0)}, {}, {}});
    ADD_FAILURE() << "the write went through";
  } catch (const Refused& refused) {
    EXPECT_EQ(refused.refusal(), Refusal::permission);
  }
}

TEST_F(PostgresStoreTest, AWrongPasswordIsRefusedNotUnavailable) {
  store_->migrate();
  server_->execute("CREATE ROLE writer LOGIN PASSWORD 'right'");
  PostgresStore wrong{server_->connection_string() + " user=writer password=wrong",
                      "writer@test"};

  try {
    wrong.connect();
    ADD_FAILURE() << "connected with a wrong password";
  } catch (const Refused& refused) {
    EXPECT_EQ(refused.refusal(), Refusal::authentication);
    EXPECT_EQ(std::string{refused.what()}.find("wrong"), std::string::npos) << refused.what();
  }
}

TEST_F(PostgresStoreTest, LoadsTheOffsetsOfOneTopic) {
  store_->write(Batch{{}, {}, {{"crypto_prices", 3, 7}, {"other", 0, 2}}});

  EXPECT_EQ(store_->load_offsets("crypto_prices"),
            (std::vector<PartitionOffset>{{"crypto_prices", 3, 7}}));
  EXPECT_TRUE(store_->load_offsets("unknown").empty());
}

TEST_F(PostgresStoreTest, LoadsEachPairsLatestRowAndItsLastMidPrices) {
  std::vector<QuoteRow> rows;
  for (std::int64_t offset = 0; offset < 8; ++offset) {
    rows.push_back(quote_row("BTC-USD", offset));
  }
  rows.push_back(quote_row("ETH-USD", 100));
  rows.push_back(quote_row("ETH-USD", 101));
  store_->write(Batch{rows, {}, {}});

  const std::vector<metrics::History> histories = store_->load_histories(5);

  ASSERT_EQ(histories.size(), 2u);
  EXPECT_EQ(histories[0].latest, rows[7].metrics);
  EXPECT_EQ(
      histories[0].recent_mid_prices,
      (std::vector{rows[3].metrics.mid_price, rows[4].metrics.mid_price, rows[5].metrics.mid_price,
                   rows[6].metrics.mid_price, rows[7].metrics.mid_price}));
  EXPECT_EQ(histories[1].latest, rows[9].metrics);
  EXPECT_EQ(histories[1].recent_mid_prices,
            (std::vector{rows[8].metrics.mid_price, rows[9].metrics.mid_price}));
  EXPECT_TRUE(store_->load_histories(0)[0].recent_mid_prices.empty());
}

TEST_F(PostgresStoreTest, StoresABatchOfFiftyThousandRows) {
  std::vector<QuoteRow> rows;
  for (std::int64_t offset = 0; offset < 50'000; ++offset) {
    rows.push_back(quote_row(offset % 3 == 0 ? "BTC-USD" : "ETH-USD", offset));
  }

  store_->write(Batch{rows, {}, {{"crypto_prices", 0, 50'000}}});

  EXPECT_EQ(server_->query("SELECT count(*), min(kafka_offset), max(kafka_offset),"
                           " bool_and(kafka_offset = id - (SELECT min(id) FROM crypto_metrics))"
                           " FROM crypto_metrics"),
            (Rows{{"50000", "0", "49999", "t"}}));
}

TEST_F(PostgresStoreTest, ThrowsUnavailableWhenTheServerIsDown) {
  store_->migrate();
  server_->stop(testing::PostgresServer::StopMode::immediate);

  EXPECT_THROW(store_->write(Batch{{quote_row("BTC-USD", 0)}, {}, {}}), Unavailable);
  EXPECT_THROW(make_store()->connect(), Unavailable);
  EXPECT_EQ(store_->status().state, "failing");
}

TEST_F(PostgresStoreTest, ReconnectsAfterItsSessionWasTerminated) {
  store_->write(Batch{{quote_row("BTC-USD", 0)}, {}, {}});

  ASSERT_EQ(server_->terminate_backends(), 1);

  EXPECT_THROW(store_->write(Batch{{quote_row("BTC-USD", 1)}, {}, {}}), Unavailable);
  store_->write(Batch{{quote_row("BTC-USD", 1)}, {}, {}});
  EXPECT_EQ(stored_sources(), (Rows{{"crypto_prices", "0", "0"}, {"crypto_prices", "0", "1"}}));
  EXPECT_EQ(store_->status().state, "ok");
}

TEST_F(PostgresStoreTest, ReconnectsAfterTheServerRestarted) {
  store_->write(Batch{{quote_row("BTC-USD", 0)}, {}, {}});
  server_->stop(testing::PostgresServer::StopMode::immediate);
  server_->start();

  EXPECT_THROW(store_->write(Batch{{quote_row("BTC-USD", 1)}, {}, {}}), Unavailable);
  store_->write(Batch{{quote_row("BTC-USD", 1)}, {}, {}});

  EXPECT_EQ(server_->query_value("SELECT count(*) FROM crypto_metrics"), "2");
}

// Nor is a schema that is not the one migrated: an operator has to step in.
TEST_F(PostgresStoreTest, AnErrorAboutTheSchemaIsNotUnavailable) {
  store_->migrate();
  server_->execute("ALTER TABLE crypto_metrics DROP COLUMN moving_avg");

  try {
    store_->write(Batch{{quote_row("BTC-USD", 0)}, {}, {}});
    FAIL() << "the write went through";
  } catch (const Unavailable& error) {
    FAIL() << "taken for unavailable: " << error.what();
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string{error.what()}.find("moving_avg"), std::string::npos) << error.what();
  }
}

// What an instance that lost a partition without knowing it yet writes is refused whole, though
// its other partitions are still its own; the new owner read everything committed before.
TEST_F(PostgresStoreTest, ABatchUnderAClaimTakenSinceIsRefusedWhole) {
  const Takeover first = store_->take_over("crypto_prices", {0, 1}, "instance-a", 5);
  ASSERT_EQ(first.claims,
            (std::vector<Claim>{{"crypto_prices", 0, 1}, {"crypto_prices", 1, 1}}));
  store_->write(Batch{{quote_row("BTC-USD", 0, 0), quote_row("ETH-USD", 0, 1)},
                      {},
                      {{"crypto_prices", 0, 1}, {"crypto_prices", 1, 1}},
                      first.claims});

  const auto other = make_store();
  const Takeover second = other->take_over("crypto_prices", {0}, "instance-b", 5);
  EXPECT_EQ(second.claims, (std::vector<Claim>{{"crypto_prices", 0, 2}}));
  EXPECT_EQ(second.histories.size(), 2u);
  EXPECT_EQ(second.offsets, (std::vector<PartitionOffset>{{"crypto_prices", 0, 1},
                                                          {"crypto_prices", 1, 1}}));

  try {
    store_->write(Batch{{quote_row("BTC-USD", 1, 0), quote_row("ETH-USD", 1, 1)},
                        {rejected_row(2, 1)},
                        {{"crypto_prices", 0, 2}, {"crypto_prices", 1, 3}},
                        first.claims});
    ADD_FAILURE() << "a batch under a claim taken since was written";
  } catch (const Fenced& fenced) {
    EXPECT_EQ(fenced.lost(), (std::vector<Claim>{{"crypto_prices", 0, 1}}));
    EXPECT_NE(std::string{fenced.what()}.find(
                  "crypto_prices[0] claimed by instance-b (epoch 2)"),
              std::string::npos)
        << fenced.what();
  }
  EXPECT_EQ(stored_sources(), (Rows{{"crypto_prices", "0", "0"}, {"crypto_prices", "1", "0"}}));
  EXPECT_EQ(server_->query_value("SELECT count(*) FROM rejected_quotes"), "0");
  EXPECT_TRUE(store_->status().ready) << store_->status().last_error;

  // Each goes on with what is its own.
  store_->write(Batch{{quote_row("ETH-USD", 1, 1)},
                      {},
                      {{"crypto_prices", 1, 2}},
                      {{"crypto_prices", 1, 1}}});
  other->write(Batch{{quote_row("BTC-USD", 1, 0)}, {}, {{"crypto_prices", 0, 2}}, second.claims});
  EXPECT_EQ(stored_sources().size(), 4u);
}

// Two running processes under one INSTANCE_ID would claim partitions as one: the second is
// refused, naming the session that holds the name, until the first one's session ends.
TEST_F(PostgresStoreTest, ASecondStoreOfTheSameInstanceIsRefusedUntilTheFirstOneEnds) {
  auto first = std::make_unique<PostgresStore>(server_->connection_string(), "test database",
                                               "desk-1");
  first->connect();
  PostgresStore second{server_->connection_string(), "test database", "desk-1"};
  PostgresStore other{server_->connection_string(), "test database", "desk-2"};

  try {
    second.connect();
    ADD_FAILURE() << "two stores hold one instance name";
  } catch (const Refused& refused) {
    EXPECT_EQ(refused.refusal(), Refusal::instance_in_use);
    EXPECT_NE(std::string{refused.what()}.find("instance name desk-1 is held by the session of "
                                                "PostgreSQL process "),
              std::string::npos)
        << refused.what();
  }
  EXPECT_NO_THROW(other.connect());

  // Its session ends a moment after the connection closed.
  first.reset();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  for (;;) {
    try {
      second.connect();
      break;
    } catch (const Refused&) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the name was never let go";
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
    }
  }
  second.write(Batch{{quote_row("BTC-USD", 0)}, {}, {}});
  EXPECT_EQ(stored_sources().size(), 1u);
}

// What every instance shows of the pairs that others compute: each pair's latest row of the
// topic, with its partition's owner (none for a partition nobody claimed).
TEST_F(PostgresStoreTest, LatestRowsAreEachPairsLastWithItsPartitionsOwner) {
  const Takeover a = store_->take_over("crypto_prices", {0}, "instance-a", 5);
  const auto other = make_store();
  const Takeover b = other->take_over("crypto_prices", {1}, "instance-b", 5);
  store_->write(Batch{{quote_row("BTC-USD", 0, 0), quote_row("BTC-USD", 1, 0)},
                      {},
                      {{"crypto_prices", 0, 2}},
                      a.claims});
  other->write(Batch{{quote_row("ETH-USD", 0, 1), quote_row("ETH-USD", 1, 1)},
                     {},
                     {{"crypto_prices", 1, 2}},
                     b.claims});
  store_->write(Batch{{quote_row("LTC-USD", 0, 2)}, {}, {{"crypto_prices", 2, 1}}, {}});
  store_->write(Batch{{quote_row("XRP-USD", 0, 0, "other_topic")}, {}, {}, {}});

  EXPECT_EQ(other->latest_rows("crypto_prices"),
            (std::vector<LatestRow>{{quote_row("BTC-USD", 1, 0), "instance-a"},
                                    {quote_row("ETH-USD", 1, 1), "instance-b"},
                                    {quote_row("LTC-USD", 0, 2), ""}}));
}

// A claim that comes while an earlier owner's batch is being written waits for that batch, and
// reads it: the new owner starts after it, not over it.
TEST_F(PostgresStoreTest, AClaimWaitsForTheBatchInFlightAndReadsIt) {
  const Takeover first = store_->take_over("crypto_prices", {0}, "instance-a", 5);
  pqxx::connection connection{server_->connection_string()};
  pqxx::work in_flight{connection};
  // What a batch does first: it holds its claims.
  in_flight.exec1(
      "SELECT epoch FROM partition_owners WHERE kafka_topic = 'crypto_prices' "
      "AND kafka_partition = 0 FOR SHARE");

  std::optional<Takeover> second;
  std::atomic<bool> claimed{false};
  std::thread claimant{[&second, &claimed] {
    const auto other = make_store();
    second = other->take_over("crypto_prices", {0}, "instance-b", 5);
    claimed = true;
  }};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
  while (server_->query_value("SELECT count(*) FROM pg_stat_activity "
                              "WHERE wait_event_type = 'Lock'") == "0" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  EXPECT_FALSE(claimed) << "the claim did not wait for the batch";
  in_flight.exec0(
      "INSERT INTO kafka_offsets (kafka_topic, kafka_partition, next_offset) "
      "VALUES ('crypto_prices', 0, 42)");
  in_flight.commit();
  claimant.join();

  ASSERT_TRUE(second);
  EXPECT_EQ(second->claims, (std::vector<Claim>{{"crypto_prices", 0, 2}}));
  EXPECT_EQ(second->offsets, (std::vector<PartitionOffset>{{"crypto_prices", 0, 42}}));
}

TEST_F(PostgresStoreTest, ErrorsNeverShowThePassword) {
  server_->stop(testing::PostgresServer::StopMode::immediate);
  const std::vector<std::string> connection_strings{
      server_->connection_string() + " password=hunter2",
      "postgresql://postgres:hunter2@127.0.0.1:" + std::to_string(server_->port()) + "/x",
      "host=127.0.0.1 password=hunter2 xyzzy",
      "postgresql://postgres:hunter2@127.0.0.1:" + std::to_string(server_->port()) + "/x?bad=1"};

  for (const std::string& connection_string : connection_strings) {
    PostgresStore store{connection_string, "postgres@test"};
    std::string message;
    try {
      store.connect();
    } catch (const std::exception& error) {
      message = error.what();
    }

    EXPECT_NE(message.find("postgres@test"), std::string::npos) << message;
    EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
    EXPECT_EQ(message.find("xyzzy"), std::string::npos) << message;
    EXPECT_EQ(store.status().last_error, message);
  }
}

}  // namespace
}  // namespace cryptometrics::storage::postgres

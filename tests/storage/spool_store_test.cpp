#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "old_spool_file.h"
#include "sqlite_test_rows.h"
#include "storage/postgres/postgres_store.h"
#include "storage/spool/checkpoint.h"
#include "storage/spool/queue.h"
#include "storage/spool/spooling_store.h"
#include "support/postgres_fixture.h"
#include "support/small_disk.h"
#include "support/temp_dir.h"

namespace cryptometrics::storage::spool {
namespace {

using namespace std::chrono_literals;
using Rows = std::vector<std::vector<std::string>>;
using StopMode = testing::PostgresServer::StopMode;

// Retries within milliseconds, and replay batches small enough that a spool takes several.
const Pacing kQuickPacing{
    .first_retry = 10ms, .longest_retry = 50ms, .replay_batch_rows = 7, .progress_interval = 10s};

// `count` rows at consecutive offsets from `first_offset`, pairs taking turns, each pair's
// quote count going up by one per row as the pipeline's does.
std::vector<QuoteRow> quote_rows(std::int64_t first_offset, std::int64_t count,
                                 const std::vector<std::string>& pairs = {"BTC-USD", "ETH-USD"},
                                 std::int64_t first_count = 1) {
  std::vector<QuoteRow> rows;
  for (std::int64_t index = 0; index < count; ++index) {
    const auto pair_index = static_cast<std::size_t>(index) % pairs.size();
    QuoteRow row = quote_row(pairs[pair_index], first_offset + index);
    row.metrics.count = first_count + index / static_cast<std::int64_t>(pairs.size());
    rows.push_back(row);
  }
  return rows;
}

// The rows with the offsets they bring partition 0 to.
Batch batch_of(std::vector<QuoteRow> rows, std::vector<RejectedRow> rejections = {}) {
  std::int64_t next_offset = 0;
  for (const QuoteRow& row : rows) {
    next_offset = std::max(next_offset, row.source.offset + 1);
  }
  for (const RejectedRow& row : rejections) {
    next_offset = std::max(next_offset, row.source.offset + 1);
  }
  return Batch{std::move(rows), std::move(rejections), {{"crypto_prices", 0, next_offset}}};
}

Rows sources_of(const std::vector<std::vector<QuoteRow>>& batches) {
  Rows sources;
  for (const auto& rows : batches) {
    for (const QuoteRow& row : rows) {
      sources.push_back({row.metrics.pair, std::to_string(row.source.offset)});
    }
  }
  return sources;
}

// Every test gets an empty database and a spool of its own.
class SpoolingStoreTest : public testing::PostgresFixture {
 protected:
  std::unique_ptr<SpoolingStore> open_store(Pacing pacing = kQuickPacing) {
    return std::make_unique<SpoolingStore>(server_->connection_string(), "test database",
                                           spool_path(), pacing);
  }

  std::filesystem::path spool_path() const { return directory_ / "spool.db"; }

  // (pair, offset) of every quote in PostgreSQL, in id order.
  static Rows stored_sources() {
    return server_->query("SELECT pair, kafka_offset FROM crypto_metrics ORDER BY id");
  }

  // (partition, rows, furthest offset) in crypto_metrics.
  static Rows rows_by_partition() {
    return server_->query(
        "SELECT kafka_partition, count(*), max(kafka_offset) FROM crypto_metrics"
        " GROUP BY kafka_partition ORDER BY kafka_partition");
  }

  // (partition, next offset) in kafka_offsets.
  static Rows stored_offsets() {
    return server_->query(
        "SELECT kafka_partition, next_offset FROM kafka_offsets ORDER BY kafka_partition");
  }

  // Runs the store's background work when it asks to be run, as the storage thread does, until
  // `done`.
  template <typename Done>
  static void work_until(SpoolingStore& store, Done done) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!done()) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline)
          << "spool depth " << store.status().spool_depth << ", " << store.status().last_error;
      if (const auto next = store.background_work()) {
        std::this_thread::sleep_until(std::min(*next, deadline));
      }
    }
  }

  // Until the spool is empty and writes go to PostgreSQL again.
  static void drain(SpoolingStore& store) {
    work_until(store, [&store] { return store.status().state == "ok"; });
  }

  // Until a first replay transaction took rows out of the spool.
  static void replay_one_batch(SpoolingStore& store) {
    const std::size_t depth = store.status().spool_depth;
    work_until(store, [&store, depth] { return store.status().spool_depth < depth; });
  }

  testing::TempDir directory_;
};

// A batch refused for a claim taken since belongs neither in PostgreSQL nor in the spool: the
// partition's new owner stores its rows.
TEST_F(SpoolingStoreTest, ABatchUnderAClaimTakenSinceIsNotSpooled) {
  const auto store = open_store();
  const Takeover taken = store->take_over("crypto_prices", {0}, "instance-a", 5);
  ASSERT_EQ(taken.claims, (std::vector<Claim>{{"crypto_prices", 0, 1}}));
  server_->query("UPDATE partition_owners SET owner = 'instance-b', epoch = 2");

  Batch batch = batch_of(quote_rows(0, 5));
  batch.claims = taken.claims;
  EXPECT_THROW(store->write(batch), Fenced);

  EXPECT_EQ(stored_sources(), Rows{});
  EXPECT_EQ(store->status().spool_depth, 0u);
  EXPECT_EQ(Queue{spool_path()}.depth(), 0u);
  EXPECT_EQ(store->status().state, "ok");
}

// While PostgreSQL is down nothing can be claimed: the partitions are read on from the
// checkpoint and the spool, under no claim.
// `count` quotes of partition 1 from offset 0.
std::vector<QuoteRow> partition_1_rows(std::int64_t count) {
  std::vector<QuoteRow> rows = quote_rows(0, count);
  for (QuoteRow& row : rows) row.source.partition = 1;
  return rows;
}

// Rows spooled under a claim are held to it when they are replayed: those of a partition
// another instance claimed since (this one stalled, or PostgreSQL was away while the group moved
// it) are dropped from the spool, unstored, for the new owner, which read on from what
// PostgreSQL held, to store; the others are replayed. Before, they were written over the new
// owner's rows, and moved its offset on past messages it had not stored.
TEST_F(SpoolingStoreTest, SpooledRowsOfAPartitionClaimedSinceAreDroppedNotReplayed) {
  const auto store = open_store();
  const Takeover taken = store->take_over("crypto_prices", {0, 1}, "instance-a", 5);
  ASSERT_EQ(taken.claims.size(), 2U);
  server_->stop(StopMode::fast);
  std::vector<QuoteRow> rows = quote_rows(0, 6);
  for (const QuoteRow& row : partition_1_rows(4)) rows.push_back(row);
  store->write({rows, {}, {{"crypto_prices", 0, 6}, {"crypto_prices", 1, 4}}, taken.claims});
  ASSERT_EQ(store->status().spool_depth, 10U);
  server_->start();

  // Meanwhile instance-b claimed partition 0 and stored its first three quotes.
  postgres::PostgresStore other{server_->connection_string(), "test database"};
  const Takeover theirs = other.take_over("crypto_prices", {0}, "instance-b", 5);
  Batch their_batch = batch_of(quote_rows(0, 3));
  their_batch.claims = theirs.claims;
  other.write(their_batch);

  drain(*store);
  EXPECT_EQ(rows_by_partition(), (Rows{{"0", "3", "2"}, {"1", "4", "3"}}));
  EXPECT_EQ(stored_offsets(), (Rows{{"0", "3"}, {"1", "4"}}));
  EXPECT_EQ(store->status().rows.fenced, 6U);
  EXPECT_EQ(store->status().rows.replayed, 4U);
}

// A partition can come back to the instance that had it (lost in a stall, or moved away and
// back), so an instance whose spool still drains may claim its own partitions anew: the rows it
// spooled under its earlier claim must still reach PostgreSQL, and the take-over start where
// they end.
TEST_F(SpoolingStoreTest, RowsSpooledUnderItsOwnEarlierClaimAreStoredWhenItClaimsAgain) {
  const auto store = open_store();
  const Takeover first = store->take_over("crypto_prices", {0}, "instance-a", 5);
  server_->stop(StopMode::fast);
  Batch spooled = batch_of(quote_rows(0, 20));
  spooled.claims = first.claims;
  store->write(spooled);
  server_->start();
  replay_one_batch(*store);
  ASSERT_GT(store->status().spool_depth, 0U);

  const Takeover again = store->take_over("crypto_prices", {0}, "instance-a", 5);
  drain(*store);

  EXPECT_EQ(rows_by_partition(), (Rows{{"0", "20", "19"}}));
  EXPECT_EQ(again.offsets, (std::vector<PartitionOffset>{{"crypto_prices", 0, 20}}));
  EXPECT_EQ(store->status().rows.fenced, 0U);
}

// A spool that filled its disk cannot delete a lost claim's rows, only set them aside; what it
// says of their partition still counts them, so that partition is not taken over from the spool
// (PostgreSQL down) until the file is made anew. Before, the take-over read on from past the
// rows set aside, which the new owner had not stored.
TEST_F(SpoolingStoreTest, APartitionWhoseDroppedRowsAFullSpoolHoldsIsTakenOverOnceTheyAreGone) {
  const cryptometrics::testing::SmallDisk disk{directory_ / "disk", "1m"};
  const auto store = std::make_unique<SpoolingStore>(server_->connection_string(),
                                                     "test database", disk.path() / "spool.db",
                                                     kQuickPacing);
  const Takeover first = store->take_over("crypto_prices", {0, 1}, "instance-a", 5);
  server_->stop(StopMode::fast);
  std::int64_t spooled_per_partition = 0;
  for (;; spooled_per_partition += 10) {
    std::vector<QuoteRow> rows = quote_rows(spooled_per_partition, 10);
    for (QuoteRow row : quote_rows(spooled_per_partition, 10)) {
      row.source.partition = 1;
      rows.push_back(row);
    }
    try {
      const std::int64_t next = spooled_per_partition + 10;
      store->write({rows, {}, {{"crypto_prices", 0, next}, {"crypto_prices", 1, next}},
                    first.claims});
    } catch (const std::runtime_error&) {
      break;
    }
  }
  ASSERT_GT(spooled_per_partition, 20);
  server_->start();
  postgres::PostgresStore other{server_->connection_string(), "test database"};
  other.take_over("crypto_prices", {1}, "instance-b", 5);
  work_until(*store, [&store] { return store->status().rows.fenced > 0; });
  server_->stop(StopMode::fast);

  EXPECT_THROW(store->take_over("crypto_prices", {1}, "instance-a", 5), std::runtime_error);

  server_->start();
  drain(*store);
  const Takeover again = store->take_over("crypto_prices", {0, 1}, "instance-a", 5);
  EXPECT_EQ(again.offsets, (std::vector<PartitionOffset>{
                               {"crypto_prices", 0, spooled_per_partition}}));
  EXPECT_EQ(rows_by_partition(),
            (Rows{{"0", std::to_string(spooled_per_partition),
                   std::to_string(spooled_per_partition - 1)}}));
}

// While spooled rows wait for their replay, new batches queue behind them, PostgreSQL up or
// not: their claims are checked when their turn comes.
TEST_F(SpoolingStoreTest, ABatchQueuedBehindSpooledRowsIsHeldToItsClaimWhenReplayed) {
  const auto store = open_store();
  const Takeover taken = store->take_over("crypto_prices", {0, 1}, "instance-a", 5);
  server_->stop(StopMode::fast);
  store->write({partition_1_rows(4), {}, {{"crypto_prices", 1, 4}}, taken.claims});
  server_->start();
  postgres::PostgresStore other{server_->connection_string(), "test database"};
  other.take_over("crypto_prices", {0}, "instance-b", 5);

  Batch late = batch_of(quote_rows(0, 5));
  late.claims = taken.claims;
  store->write(late);  // behind the spooled rows: no Fenced yet
  drain(*store);
  EXPECT_EQ(rows_by_partition(), (Rows{{"1", "4", "3"}}));
  EXPECT_EQ(stored_offsets(), (Rows{{"1", "4"}}));
  EXPECT_EQ(store->status().rows.fenced, 5U);
}

TEST_F(SpoolingStoreTest, TakesOverWithoutClaimsWhilePostgresIsDown) {
  const std::vector<QuoteRow> rows = quote_rows(0, 4);
  {
    const auto store = open_store();
    store->write(batch_of(rows));
  }
  server_->stop(testing::PostgresServer::StopMode::fast);
  const auto store = open_store();

  const Takeover taken = store->take_over("crypto_prices", {0}, "instance-a", 5);

  EXPECT_TRUE(taken.claims.empty());
  EXPECT_EQ(taken.offsets, (std::vector<PartitionOffset>{{"crypto_prices", 0, 4}}));
  EXPECT_EQ(taken.histories.size(), 2u);
  server_->start();
}

// The other instances' rows are all in PostgreSQL: while it is down, there is nothing newer to
// show of their pairs, and the caller is told so rather than given nothing.
TEST_F(SpoolingStoreTest, LatestRowsComeFromPostgresAndFailWhileItIsDown) {
  const auto store = open_store();
  const std::vector<QuoteRow> rows = quote_rows(0, 4, {"BTC-USD"});
  store->write(batch_of(rows));

  EXPECT_EQ(store->latest_rows("crypto_prices"), (std::vector<LatestRow>{{rows.back(), ""}}));

  server_->stop(StopMode::immediate);
  try {
    store->latest_rows("crypto_prices");
    ADD_FAILURE() << "latest rows read while PostgreSQL is down";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string{error.what()}.find("unavailable"), std::string::npos) << error.what();
  }
  server_->start();
}

TEST_F(SpoolingStoreTest, StoresInPostgresWhileItIsUp) {
  const auto store = open_store();
  const std::vector<QuoteRow> rows = quote_rows(0, 5);

  store->write(batch_of(rows));

  EXPECT_EQ(stored_sources(), sources_of({rows}));
  EXPECT_EQ(store->status(), (Status{.backend = "postgres",
                                     .ready = true,
                                     .state = "ok",
                                     .spool_depth = 0,
                                     .last_error = "",
                                     .has_spool = true,
                                     .shared = true,
                                     .rows = {.stored = 5}}));
  EXPECT_EQ(Queue{spool_path()}.depth(), 0u);
}

TEST_F(SpoolingStoreTest, SpoolsWhilePostgresIsDownAndReplaysInOrderOnceItIsBack) {
  const auto store = open_store();
  const std::vector<QuoteRow> before = quote_rows(0, 4);
  const std::vector<QuoteRow> first_spooled = quote_rows(4, 10, {"BTC-USD", "ETH-USD"}, 3);
  const std::vector<QuoteRow> second_spooled = quote_rows(16, 10, {"BTC-USD", "ETH-USD"}, 8);
  store->write(batch_of(before));

  server_->stop(StopMode::immediate);
  store->write(batch_of(first_spooled));
  const Status after_first = store->status();
  store->write(batch_of(second_spooled, {rejected_row(14), rejected_row(15)}));
  const Status after_second = store->status();

  EXPECT_EQ(after_first.state, "spooling");
  EXPECT_TRUE(after_first.ready);
  EXPECT_EQ(after_first.spool_depth, 10u);
  EXPECT_NE(after_first.last_error.find("test database"), std::string::npos);
  EXPECT_EQ(after_second.spool_depth, 22u);

  server_->start();
  drain(*store);

  EXPECT_EQ(stored_sources(), sources_of({before, first_spooled, second_spooled}));
  EXPECT_EQ(server_->query("SELECT kafka_offset FROM rejected_quotes ORDER BY id"),
            (Rows{{"14"}, {"15"}}));
  EXPECT_EQ(store->load_offsets("crypto_prices"),
            (std::vector<PartitionOffset>{{"crypto_prices", 0, 26}}));
  EXPECT_EQ(store->status(), (Status{.backend = "postgres",
                                     .ready = true,
                                     .state = "ok",
                                     .spool_depth = 0,
                                     .last_error = "",
                                     .has_spool = true,
                                     .shared = true,
                                     .rows = {.stored = 4, .spooled = 22, .replayed = 22}}));
  EXPECT_EQ(Queue{spool_path()}.depth(), 0u);
}

// Each row counts once, where it was first made durable: rows spooled stay counted as spooled
// once replayed, and rows that queue behind spooled ones are spooled too.
TEST_F(SpoolingStoreTest, CountsRowsByWhereTheyWereFirstMadeDurable) {
  const auto store = open_store();
  store->write(batch_of(quote_rows(0, 4)));
  const RowCounts while_up = store->status().rows;
  server_->stop(StopMode::immediate);
  store->write(batch_of(quote_rows(4, 10, {"BTC-USD", "ETH-USD"}, 3)));
  store->write(batch_of(quote_rows(14, 6, {"BTC-USD", "ETH-USD"}, 8), {rejected_row(20)}));
  const RowCounts while_down = store->status().rows;
  server_->start();
  replay_one_batch(*store);
  ASSERT_GT(store->status().spool_depth, 0u);
  store->write(batch_of(quote_rows(21, 3, {"ETH-USD"}, 11)));
  const RowCounts queued_behind = store->status().rows;

  drain(*store);
  store->write(batch_of(quote_rows(24, 5, {"BTC-USD"}, 11)));
  const RowCounts after = store->status().rows;

  EXPECT_EQ(while_up, (RowCounts{.stored = 4, .spooled = 0, .replayed = 0}));
  EXPECT_EQ(while_down, (RowCounts{.stored = 4, .spooled = 17, .replayed = 0}));
  EXPECT_EQ(queued_behind.stored, 4u);
  EXPECT_EQ(queued_behind.spooled, 20u);
  EXPECT_GT(queued_behind.replayed, 0u);
  EXPECT_EQ(after, (RowCounts{.stored = 9, .spooled = 20, .replayed = 20}));
  EXPECT_EQ(server_->query_value("SELECT count(*) FROM crypto_metrics"), "28");
  EXPECT_EQ(server_->query_value("SELECT count(*) FROM rejected_quotes"), "1");
}

// Rows an earlier process spooled are replayed, but were not spooled, by this one.
TEST_F(SpoolingStoreTest, CountsTheReplayOfASpoolLeftByAnEarlierProcess) {
  server_->stop(StopMode::immediate);
  open_store()->write(batch_of(quote_rows(0, 12)));
  server_->start();

  const auto store = open_store();
  drain(*store);

  EXPECT_EQ(store->status().rows, (RowCounts{.stored = 0, .spooled = 0, .replayed = 12}));
}

TEST_F(SpoolingStoreTest, NewRowsQueueBehindSpooledOnes) {
  const auto store = open_store();
  const std::vector<QuoteRow> spooled = quote_rows(0, 20);
  const std::vector<QuoteRow> later = quote_rows(20, 6, {"BTC-USD", "ETH-USD"}, 11);
  server_->stop(StopMode::immediate);
  store->write(batch_of(spooled));
  server_->start();
  replay_one_batch(*store);
  ASSERT_GT(store->status().spool_depth, 0u);

  store->write(batch_of(later));
  drain(*store);

  EXPECT_EQ(stored_sources(), sources_of({spooled, later}));
}

// Under a steady stream of batches the storage thread never runs background work: the writes
// themselves must reconnect and replay.
TEST_F(SpoolingStoreTest, ASteadyStreamOfWritesReconnectsAndDrainsTheSpool) {
  const auto store = open_store();
  std::vector<std::vector<QuoteRow>> written;
  std::int64_t offset = 0;
  const auto write_next = [&] {
    written.push_back(quote_rows(offset, 2, {"BTC-USD", "ETH-USD"}, offset / 2 + 1));
    store->write(batch_of(written.back()));
    offset += 2;
  };
  write_next();
  server_->stop(StopMode::immediate);
  write_next();
  ASSERT_EQ(store->status().state, "spooling");
  server_->start();

  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (store->status().state != "ok") {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << store->status().last_error;
    std::this_thread::sleep_for(5ms);
    write_next();
  }

  EXPECT_EQ(stored_sources(), sources_of(written));
  EXPECT_EQ(Queue{spool_path()}.depth(), 0u);
}

TEST_F(SpoolingStoreTest, StartsWhilePostgresIsDownAndCatchesUpOnceItIsUp) {
  server_->stop(StopMode::immediate);
  const std::vector<QuoteRow> rows = quote_rows(0, 9);

  const auto store = open_store();
  store->write(batch_of(rows));

  EXPECT_EQ(store->status().state, "spooling");
  EXPECT_EQ(store->status().spool_depth, 9u);
  EXPECT_EQ(store->load_histories(5).size(), 2u);
  EXPECT_EQ(store->load_offsets("crypto_prices"),
            (std::vector<PartitionOffset>{{"crypto_prices", 0, 9}}));
  server_->start();
  drain(*store);
  EXPECT_EQ(stored_sources(), sources_of({rows}));
}

// A spool of the versions before the spool had a file of its own: its checkpoint carries a pair
// that only PostgreSQL holds, its rows those that wait.
TEST_F(SpoolingStoreTest, StartsDuringAnOutageFromASpoolOfAnEarlierVersionAndReplaysIt) {
  const QuoteRow in_postgres = quote_row("LTC-USD", 4);
  Checkpoint checkpoint;
  checkpoint.set_window(5);
  checkpoint.reset({{in_postgres.metrics, {in_postgres.metrics.mid_price}}},
                   {{"crypto_prices", 0, 5}});
  const std::vector<QuoteRow> waiting = quote_rows(5, 6);
  OldSpoolFile::write(spool_path(), waiting, {rejected_row(11)}, {{"crypto_prices", 0, 12}},
                      checkpoint.encode());
  server_->stop(StopMode::immediate);

  const auto store = open_store();

  EXPECT_EQ(store->status().spool_depth, 7u);
  const std::vector<metrics::History> histories = store->load_histories(5);
  ASSERT_EQ(histories.size(), 3u);
  EXPECT_EQ(histories[2].latest, in_postgres.metrics);
  EXPECT_EQ(store->load_offsets("crypto_prices"),
            (std::vector<PartitionOffset>{{"crypto_prices", 0, 12}}));
  server_->start();
  drain(*store);
  EXPECT_EQ(stored_sources(), sources_of({waiting}));
  EXPECT_EQ(server_->query_value("SELECT count(*) FROM rejected_quotes"), "1");
}

TEST_F(SpoolingStoreTest, SessionsTerminatedDuringWritesLoseAndDoubleNothing) {
  Pacing pacing = kQuickPacing;
  pacing.replay_batch_rows = 1000;
  const auto store = open_store(pacing);
  std::atomic<bool> writing{true};
  std::atomic<int> terminated{0};
  std::thread terminator{[&] {
    while (writing) {
      terminated += server_->terminate_backends();
    }
  }};
  std::vector<std::vector<QuoteRow>> batches;
  for (std::int64_t batch = 0; batch < 40; ++batch) {
    batches.push_back(quote_rows(batch * 250, 250, {"BTC-USD", "ETH-USD"}, batch * 125 + 1));
    store->write(batch_of(batches.back()));
    store->background_work();
  }
  writing = false;
  terminator.join();

  drain(*store);

  EXPECT_GT(terminated, 0);
  EXPECT_EQ(stored_sources(), sources_of(batches));
}

TEST_F(SpoolingStoreTest, AReplayCutShortBeforeTheSpoolDeletedItStoresNothingTwice) {
  server_->stop(StopMode::immediate);
  const std::vector<QuoteRow> rows = quote_rows(0, 20);
  open_store()->write(batch_of(rows, {rejected_row(20)}));
  server_->start();
  {
    // What a process killed between PostgreSQL's commit and the spool's delete leaves behind.
    Queue spool{spool_path()};
    postgres::PostgresStore postgres{server_->connection_string(), "test database"};
    const auto oldest = spool.read_oldest(kQuickPacing.replay_batch_rows);
    ASSERT_TRUE(oldest.has_value());
    postgres.write(oldest->batch);
  }

  const auto store = open_store();
  drain(*store);

  EXPECT_EQ(stored_sources(), sources_of({rows}));
  EXPECT_EQ(server_->query_value("SELECT count(*) FROM rejected_quotes"), "1");
}

TEST_F(SpoolingStoreTest, LoadsHistoriesFromPostgresAndTheSpool) {
  const auto store = open_store();
  const std::vector<QuoteRow> stored = quote_rows(0, 6, {"BTC-USD"});
  const std::vector<QuoteRow> spooled = quote_rows(6, 2, {"BTC-USD"}, 7);
  const std::vector<QuoteRow> spooled_only = quote_rows(8, 2, {"ETH-USD"});
  store->write(batch_of(stored));
  store->load_histories(5);
  server_->stop(StopMode::immediate);
  store->write(batch_of(spooled));
  store->write(batch_of(spooled_only));

  const std::vector<metrics::History> histories = store->load_histories(5);

  ASSERT_EQ(histories.size(), 2u);
  EXPECT_EQ(histories[0].latest, spooled[1].metrics);
  std::vector<market::Decimal> mid_prices;
  for (std::size_t index = 1; index < 6; ++index) {
    mid_prices.push_back(stored[index].metrics.mid_price);
  }
  mid_prices.push_back(spooled[0].metrics.mid_price);
  mid_prices.push_back(spooled[1].metrics.mid_price);
  EXPECT_EQ(histories[0].recent_mid_prices, mid_prices);
  EXPECT_EQ(histories[1].latest, spooled_only[1].metrics);
}

TEST_F(SpoolingStoreTest, ReadsHistoryFromPostgresAndTheSpoolNewestFirst) {
  Pacing one_row_at_a_time = kQuickPacing;
  one_row_at_a_time.replay_batch_rows = 1;
  const auto store = open_store(one_row_at_a_time);
  const std::vector<QuoteRow> stored = quote_rows(0, 6, {"BTC-USD"});
  const std::vector<QuoteRow> spooled = quote_rows(6, 3, {"BTC-USD"}, 7);
  store->write(batch_of(stored));
  server_->stop(StopMode::immediate);
  store->write(batch_of(spooled));
  server_->start();
  // PostgreSQL is back and took the first spooled row; the others are still only in the spool.
  replay_one_batch(*store);
  ASSERT_EQ(store->status().spool_depth, 2u);

  const std::vector<QuoteRow> newest_first{spooled[2], spooled[1], spooled[0], stored[5],
                                           stored[4]};
  EXPECT_EQ(store->history("BTC-USD", 5, std::nullopt), newest_first);
  EXPECT_EQ(store->history("BTC-USD", 100, test_time(4)),
            (std::vector<QuoteRow>{spooled[2], spooled[1], spooled[0], stored[5], stored[4]}));

  drain(*store);
  EXPECT_EQ(store->history("BTC-USD", 5, std::nullopt), newest_first);
}

TEST_F(SpoolingStoreTest, HistoryWhilePostgresIsDownComesFromTheSpoolWhenItHoldsEnough) {
  const auto store = open_store();
  const std::vector<QuoteRow> stored = quote_rows(0, 4, {"BTC-USD"});
  const std::vector<QuoteRow> spooled = quote_rows(4, 3, {"BTC-USD"}, 5);
  store->write(batch_of(stored));
  server_->stop(StopMode::immediate);
  store->write(batch_of(spooled));

  EXPECT_EQ(store->history("BTC-USD", 2, std::nullopt),
            (std::vector<QuoteRow>{spooled[2], spooled[1]}));
  EXPECT_THROW(store->history("BTC-USD", 5, std::nullopt), std::runtime_error);
}

// After a rebalance during an outage, what PostgreSQL took since it was last asked counts too.
TEST_F(SpoolingStoreTest, LoadsHistoriesWithRowsWrittenSinceTheLastLoad) {
  const auto store = open_store();
  store->load_histories(3);
  store->write(batch_of(quote_rows(0, 6)));
  server_->stop(StopMode::immediate);
  store->write(batch_of(quote_rows(6, 2, {"BTC-USD", "ETH-USD"}, 4)));

  const std::vector<metrics::History> during_outage = store->load_histories(3);
  const std::vector<PartitionOffset> offsets = store->load_offsets("crypto_prices");

  server_->start();
  drain(*store);
  const std::vector<metrics::History> after = store->load_histories(3);
  ASSERT_EQ(during_outage.size(), after.size());
  for (std::size_t index = 0; index < after.size(); ++index) {
    EXPECT_EQ(during_outage[index].latest, after[index].latest);
    // The merge may give more than the window; the last ones are what counts.
    const auto& mids = during_outage[index].recent_mid_prices;
    ASSERT_GE(mids.size(), 3u);
    EXPECT_EQ(std::vector(mids.end() - 3, mids.end()), after[index].recent_mid_prices);
  }
  EXPECT_EQ(offsets, (std::vector<PartitionOffset>{{"crypto_prices", 0, 8}}));
}

TEST_F(SpoolingStoreTest, AStartWhilePostgresIsDownContinuesFromWhatPostgresHeld) {
  std::vector<metrics::History> histories;
  std::vector<PartitionOffset> offsets;
  {
    const auto store = open_store();
    store->load_histories(4);
    store->load_offsets("crypto_prices");
    store->write(batch_of(quote_rows(0, 10, {"BTC-USD", "ETH-USD", "LTC-USD"})));
    histories = store->load_histories(4);
    offsets = store->load_offsets("crypto_prices");
  }
  ASSERT_EQ(histories.size(), 3u);
  server_->stop(StopMode::immediate);

  const auto restarted = open_store();
  EXPECT_EQ(restarted->status().state, "spooling");
  EXPECT_EQ(restarted->load_histories(4), histories);
  EXPECT_EQ(restarted->load_offsets("crypto_prices"), offsets);
}

// A crash right after the spool drained leaves the spool as its last replay left it: the rows are
// gone from it, so its checkpoint must hold them, offsets and histories alike, or a start while
// PostgreSQL is down would continue from an older state at offsets past it.
TEST_F(SpoolingStoreTest, ACrashRightAfterTheSpoolDrainedLeavesACheckpointThatHoldsEveryRow) {
  const auto store = open_store();
  store->load_histories(4);
  store->load_offsets("crypto_prices");
  server_->stop(StopMode::immediate);
  std::vector<RejectedRow> rejections;
  for (std::int64_t offset = 10; offset < 17; ++offset) rejections.push_back(rejected_row(offset));
  store->write(batch_of(quote_rows(0, 10), rejections));
  server_->start();
  drain(*store);
  const std::vector<metrics::History> histories = store->load_histories(4);
  const std::vector<PartitionOffset> offsets = store->load_offsets("crypto_prices");
  // What a kill -9 would leave on disk now, before the store saves anything more.
  const auto crashed = directory_ / "crashed-spool.db";
  SQLite::Database{spool_path(), SQLite::OPEN_READWRITE}.exec("VACUUM INTO '" +
                                                              crashed.string() + "'");
  server_->stop(StopMode::immediate);

  SpoolingStore restarted{server_->connection_string(), "test database", crashed, kQuickPacing};

  EXPECT_EQ(restarted.load_histories(4), histories);
  EXPECT_EQ(restarted.load_offsets("crypto_prices"), offsets);
}

// A process killed after PostgreSQL committed its last batches but before it saved them in the
// spool's checkpoint leaves PostgreSQL ahead of the checkpoint. The next process reads the
// histories at start, PostgreSQL up, and its partitions are assigned once PostgreSQL is down:
// the offsets it resumes from must be those of the histories it holds, or the quotes between
// are counted twice (found by the soak, seed 1).
TEST_F(SpoolingStoreTest, HistoriesReadWhilePostgresIsUpAndOffsetsReadDuringAnOutageAgree) {
  {
    const auto killed = open_store();
    killed->load_histories(4);
    killed->load_offsets("crypto_prices");
    killed->write(batch_of(quote_rows(0, 6)));
  }
  // Its last batch, committed after its checkpoint was saved.
  postgres::PostgresStore{server_->connection_string(), "test database"}.write(
      batch_of(quote_rows(6, 4, {"BTC-USD", "ETH-USD"}, 4)));

  const auto restarted = open_store();
  const std::vector<metrics::History> at_start = restarted->load_histories(4);
  server_->stop(StopMode::immediate);
  const std::vector<metrics::History> at_assignment = restarted->load_histories(4);
  const std::vector<PartitionOffset> offsets = restarted->load_offsets("crypto_prices");

  ASSERT_EQ(at_start.size(), 2u);
  EXPECT_EQ(at_start[0].latest.count, 5);
  EXPECT_EQ(at_assignment, at_start);
  EXPECT_EQ(offsets, (std::vector<PartitionOffset>{{"crypto_prices", 0, 10}}));
}

TEST_F(SpoolingStoreTest, LoadsTheFurthestOffsetOfPostgresAndTheSpool) {
  const auto store = open_store();
  store->write(Batch{{}, {}, {{"crypto_prices", 0, 10}, {"crypto_prices", 1, 40}}});
  store->load_offsets("crypto_prices");
  server_->stop(StopMode::immediate);

  store->write(Batch{{}, {}, {{"crypto_prices", 0, 15}, {"crypto_prices", 2, 3}}});

  EXPECT_EQ(store->load_offsets("crypto_prices"),
            (std::vector<PartitionOffset>{
                {"crypto_prices", 0, 15}, {"crypto_prices", 1, 40}, {"crypto_prices", 2, 3}}));
}

TEST_F(SpoolingStoreTest, FailsWhenTheSpoolRefusesRowsAndRecovers) {
  const auto store = open_store();
  server_->stop(StopMode::immediate);
  SQLite::Database spool{spool_path(), SQLite::OPEN_READWRITE};
  spool.exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON crypto_metrics"
      " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");

  EXPECT_ANY_THROW(store->write(batch_of(quote_rows(0, 3))));
  const Status failing = store->status();
  spool.exec("DROP TRIGGER refuse");
  store->write(batch_of(quote_rows(0, 3)));

  EXPECT_EQ(failing.state, "failing");
  EXPECT_FALSE(failing.ready);
  EXPECT_NE(failing.last_error.find("disk is full"), std::string::npos) << failing.last_error;
  EXPECT_EQ(store->status().state, "spooling");
  EXPECT_EQ(store->status().spool_depth, 3u);
}

// PostgreSQL back before the spool took a row again: the rows go to PostgreSQL, so the store is
// ready, though the spool's last write failed (found by the soak, seed 4: /readyz stayed
// "failing" for good after a full spool disk and an outage that ended together).
TEST_F(SpoolingStoreTest, IsReadyOncePostgresTakesTheRowsTheFullSpoolRefused) {
  const auto store = open_store();
  store->write(batch_of(quote_rows(0, 3)));
  server_->stop(StopMode::immediate);
  store->write(batch_of(quote_rows(3, 3)));
  SQLite::Database spool{spool_path(), SQLite::OPEN_READWRITE};
  spool.exec(
      "CREATE TRIGGER refuse BEFORE INSERT ON crypto_metrics"
      " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END");
  EXPECT_ANY_THROW(store->write(batch_of(quote_rows(6, 3))));
  ASSERT_EQ(store->status().state, "failing");

  server_->start();
  drain(*store);
  store->write(batch_of(quote_rows(6, 3)));

  EXPECT_EQ(store->status().state, "ok") << store->status().last_error;
  EXPECT_TRUE(store->status().ready);
  EXPECT_EQ(server_->query_value("SELECT count(*) FROM crypto_metrics"), "9");
}

TEST_F(SpoolingStoreTest, AReplayedRowThatPostgresRefusesIsSetAsideAndTheSpoolDrains) {
  const auto store = open_store();
  server_->execute("ALTER TABLE crypto_metrics ADD CONSTRAINT no_eth CHECK (pair <> 'ETH-USD')");
  server_->stop(StopMode::immediate);
  store->write(batch_of(quote_rows(0, 10)));

  server_->start();
  drain(*store);

  EXPECT_EQ(server_->query_value("SELECT count(*) FROM crypto_metrics"), "5");
  EXPECT_EQ(server_->query_value("SELECT count(*) FROM rejected_quotes"), "5");
  EXPECT_TRUE(store->status().ready);
}

// A role that may no longer write: waiting will not help, but nothing is lost either. The rows
// wait in the spool, and /readyz says why.
TEST_F(SpoolingStoreTest, WhilePostgresRefusesTheWorkRowsAreSpooledAndTheStoreIsNotReady) {
  { const auto owner = open_store(); }
  server_->execute(
      "CREATE ROLE writer LOGIN PASSWORD 'writer';"
      "GRANT USAGE, CREATE ON SCHEMA public TO writer;"
      "GRANT ALL ON ALL TABLES IN SCHEMA public TO writer;"
      "GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO writer");
  SpoolingStore store{server_->connection_string() + " user=writer password=writer",
                      "writer@test", spool_path(), kQuickPacing};
  server_->execute("REVOKE INSERT ON crypto_metrics FROM writer");

  store.write(batch_of(quote_rows(0, 4)));

  const Status refused = store.status();
  EXPECT_FALSE(refused.ready);
  EXPECT_EQ(refused.state, "refused");
  EXPECT_NE(refused.last_error.find("permission denied"), std::string::npos) << refused.last_error;
  EXPECT_EQ(refused.spool_depth, 4u);

  server_->execute("GRANT INSERT ON crypto_metrics TO writer");
  drain(store);
  EXPECT_EQ(server_->query_value("SELECT count(*) FROM crypto_metrics"), "4");
}

TEST_F(SpoolingStoreTest, AWrongPasswordAtStartIsRefused) {
  server_->execute("CREATE ROLE starting_writer LOGIN PASSWORD 'right'");

  EXPECT_THROW((SpoolingStore{server_->connection_string() + " user=starting_writer password=wrong",
                              "starting_writer@test", spool_path(), kQuickPacing}),
               postgres::Refused);
}

TEST_F(SpoolingStoreTest, StatusNeverShowsThePassword) {
  server_->stop(StopMode::immediate);

  SpoolingStore store{server_->connection_string() + " password=hunter2", "postgres@test",
                      spool_path(), kQuickPacing};
  store.write(batch_of(quote_rows(0, 1)));

  EXPECT_NE(store.status().last_error.find("postgres@test"), std::string::npos);
  EXPECT_EQ(store.status().last_error.find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace cryptometrics::storage::spool

#include <SQLiteCpp/Database.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sqlite_test_rows.h"
#include "storage/spool/queue.h"
#include "support/small_disk.h"
#include "support/temp_dir.h"

namespace cryptometrics::storage::spool {
namespace {

using ::testing::HasSubstr;

class QueueTest : public ::testing::Test {
 protected:
  cryptometrics::testing::TempDir directory_;
  std::filesystem::path path_ = directory_ / "spool.db";
  Queue queue_{path_};
};

TEST_F(QueueTest, ReadOldestIsNulloptWhenEmpty) {
  EXPECT_EQ(queue_.read_oldest(10), std::nullopt);
  EXPECT_EQ(queue_.depth(), 0u);
}

TEST_F(QueueTest, ReadOldestReturnsRowsInIdOrderUpToTheLimit) {
  queue_.append(Batch{{quote_row("BTC-USD", 5), quote_row("ETH-USD", 3)}, {rejected_row(4)}, {}});
  queue_.append(Batch{{quote_row("BTC-USD", 9)}, {rejected_row(8), rejected_row(6)}, {}});

  const std::optional<SpooledBatch> spooled = queue_.read_oldest(2);

  ASSERT_TRUE(spooled.has_value());
  EXPECT_EQ(spooled->batch.quotes, (std::vector{quote_row("BTC-USD", 5), quote_row("ETH-USD", 3)}));
  EXPECT_EQ(spooled->batch.rejections, (std::vector{rejected_row(4), rejected_row(8)}));
  EXPECT_EQ(spooled->last_quote_id, 2);
  EXPECT_EQ(spooled->last_rejection_id, 2);
}

TEST_F(QueueTest, ReadOldestGivesTheOffsetsItsRowsReachPerPartition) {
  queue_.append(Batch{
      {quote_row("BTC-USD", 5, 0), quote_row("BTC-USD", 3, 1), quote_row("BTC-USD", 2, 0, "other")},
      {rejected_row(7, 0), rejected_row(1, 1)},
      {{"crypto_prices", 0, 100}}});

  const std::optional<SpooledBatch> spooled = queue_.read_oldest(10);

  ASSERT_TRUE(spooled.has_value());
  EXPECT_EQ(spooled->batch.offsets,
            (std::vector<PartitionOffset>{
                {"crypto_prices", 0, 8}, {"crypto_prices", 1, 4}, {"other", 0, 3}}));
}

TEST_F(QueueTest, RemoveDeletesWhatWasReadAndTheNextReadGoesOn) {
  queue_.append(Batch{{quote_row("BTC-USD", 0), quote_row("BTC-USD", 1), quote_row("BTC-USD", 2)},
                      {rejected_row(3)},
                      {}});
  const std::optional<SpooledBatch> first = queue_.read_oldest(2);
  ASSERT_TRUE(first.has_value());

  queue_.remove(*first, "{}");

  EXPECT_EQ(queue_.depth(), 1u);
  const std::optional<SpooledBatch> next = queue_.read_oldest(2);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->batch.quotes, std::vector{quote_row("BTC-USD", 2)});
  EXPECT_TRUE(next->batch.rejections.empty());
}

TEST_F(QueueTest, RemoveKeepsRowsWrittenAfterTheRead) {
  queue_.append(Batch{{quote_row("BTC-USD", 0)}, {}, {}});
  const std::optional<SpooledBatch> read = queue_.read_oldest(10);
  ASSERT_TRUE(read.has_value());
  queue_.append(Batch{{quote_row("BTC-USD", 1)}, {rejected_row(2)}, {}});

  queue_.remove(*read, "{}");

  EXPECT_EQ(queue_.depth(), 2u);
}

TEST_F(QueueTest, RemoveSavesTheCheckpointWithTheDeletion) {
  queue_.append(Batch{{quote_row("BTC-USD", 0)}, {}, {}});
  const std::optional<SpooledBatch> read = queue_.read_oldest(10);
  ASSERT_TRUE(read.has_value());

  queue_.remove(*read, R"({"holds":"row 0"})");

  EXPECT_EQ(queue_.depth(), 0u);
  EXPECT_EQ(queue_.load_checkpoint(), R"({"holds":"row 0"})");
}

// Rows of the partition's earlier life come first in the spool; what they reach is the later life.
TEST_F(QueueTest, OffsetsOfABatchReachTheLatestLifeOfEachPartition) {
  QuoteRow later = quote_row("BTC-USD", 2, 0);
  later.source.life = 1;
  queue_.append(Batch{{quote_row("BTC-USD", 900, 0), later}, {}, {}});

  const std::optional<SpooledBatch> spooled = queue_.read_oldest(10);

  ASSERT_TRUE(spooled.has_value());
  EXPECT_EQ(spooled->batch.offsets, (std::vector<PartitionOffset>{{"crypto_prices", 0, 3, 1}}));
}

// The spool's offset of a partition goes with its rows' histories: a start during an outage reads
// on from it with those histories. Rows of a lost claim behind rows spooled under none (taken
// over while PostgreSQL was down) leave the offset where the rows left end, not past the rows
// dropped, whose quotes those histories do not count.
TEST_F(QueueTest, DroppingALostClaimsRowsTakesThePartitionsOffsetBackToTheRowsLeft) {
  queue_.append(Batch{{quote_row("LTC-USD", 50), quote_row("LTC-USD", 51)}, {}, {}});
  const Claim lost{{"crypto_prices", 0}, 5};
  queue_.append(
      Batch{{quote_row("LTC-USD", 52)}, {rejected_row(53)}, {{"crypto_prices", 0, 54}}, {lost}});

  EXPECT_EQ(queue_.drop({lost}), 2u);

  EXPECT_EQ(queue_.load_offsets("crypto_prices"),
            (std::vector<PartitionOffset>{{"crypto_prices", 0, 52}}));
  const std::vector<metrics::History> histories = queue_.load_histories(5);
  ASSERT_EQ(histories.size(), 1u);
  EXPECT_EQ(histories[0].latest.count, 52);
}

TEST_F(QueueTest, DepthCountsQuotesAndRejections) {
  queue_.append(Batch{{quote_row("BTC-USD", 0), quote_row("ETH-USD", 1)},
                      {rejected_row(2), rejected_row(3), rejected_row(4)},
                      {}});

  EXPECT_EQ(queue_.depth(), 5u);
}

TEST_F(QueueTest, KeepsPayloadBytesExactly) {
  RejectedRow binary = rejected_row(0);
  binary.payload = std::string{"\x00\xff\xfe{\"not utf-8\"\n", 16};
  RejectedRow empty = rejected_row(1);
  empty.payload.clear();
  queue_.append(Batch{{}, {binary, empty}, {}});

  const std::optional<SpooledBatch> spooled = queue_.read_oldest(10);

  ASSERT_TRUE(spooled.has_value());
  EXPECT_EQ(spooled->batch.rejections, (std::vector{binary, empty}));
}

TEST_F(QueueTest, KeepsQueuedRowsOffsetsAndTheCheckpointAcrossReopen) {
  const Batch batch{{quote_row("BTC-USD", 0), quote_row("ETH-USD", 1)},
                    {rejected_row(2)},
                    {{"crypto_prices", 0, 3}}};
  queue_.append(batch);
  queue_.save_checkpoint(R"({"holds":"nothing yet"})");

  Queue reopened{path_};

  const std::optional<SpooledBatch> spooled = reopened.read_oldest(10);
  ASSERT_TRUE(spooled.has_value());
  EXPECT_EQ(spooled->batch.quotes, batch.quotes);
  EXPECT_EQ(spooled->batch.rejections, batch.rejections);
  EXPECT_EQ(reopened.load_offsets("crypto_prices"), batch.offsets);
  EXPECT_EQ(reopened.load_checkpoint(), R"({"holds":"nothing yet"})");
}

// An empty batch takes no write lock, so another connection's transaction does not hold it up.
TEST_F(QueueTest, AppendingAnEmptyBatchWaitsForNoLock) {
  SQLite::Database other{path_, SQLite::OPEN_READWRITE};
  other.exec("BEGIN IMMEDIATE");

  queue_.append(Batch{});

  other.exec("ROLLBACK");
  EXPECT_EQ(queue_.depth(), 0u);
}

TEST_F(QueueTest, LoadCheckpointIsNulloptUntilOneIsSaved) {
  EXPECT_EQ(queue_.load_checkpoint(), std::nullopt);

  queue_.save_checkpoint("first");
  queue_.save_checkpoint("second");

  EXPECT_EQ(queue_.load_checkpoint(), "second");
}

// The metrics a start while PostgreSQL is down continues from, and the history it answers.
TEST_F(QueueTest, ReadsHistoriesAndAPairsHistoryFromTheQueuedRows) {
  queue_.append(
      Batch{{quote_row("BTC-USD", 0), quote_row("ETH-USD", 1), quote_row("BTC-USD", 2)}, {}, {}});

  const std::vector<metrics::History> histories = queue_.load_histories(5);

  ASSERT_EQ(histories.size(), 2u);
  EXPECT_EQ(histories[0].latest, quote_row("BTC-USD", 2).metrics);
  EXPECT_EQ(histories[0].recent_mid_prices.size(), 2u);
  EXPECT_EQ(queue_.history("BTC-USD", 10, std::nullopt),
            (std::vector{quote_row("BTC-USD", 2), quote_row("BTC-USD", 0)}));
}

TEST_F(QueueTest, ThrowsNamingTableRowAndColumnOfAQueuedTimeThatDoesNotParse) {
  queue_.append(Batch{{}, {rejected_row(0)}, {}});
  SQLite::Database{path_, SQLite::OPEN_READWRITE}.exec(
      "UPDATE rejected_quotes SET received_at = 'yesterday'");

  EXPECT_THAT(
      [&] { queue_.read_oldest(5); },
      ::testing::ThrowsMessage<std::runtime_error>(AllOf(
          HasSubstr(path_.string()), HasSubstr("rejected_quotes row 1, column received_at"))));
}

// A spool whose own rows filled its disk, as the soak's three instances filled theirs during an
// outage (seed 7): giving rows up to PostgreSQL, or dropping a lost claim's, is a write too, and
// every one failed with "database or disk is full", so the spool never drained.
class QueueOnAFullDiskTest : public ::testing::Test {
 protected:
  // Appends batches of 50 quotes, on partition 0 under no claim, then on partition 1 under
  // `claim` when there is one, until the disk takes no more; returns how many quotes it holds.
  std::size_t fill(std::optional<Claim> claim = std::nullopt) {
    std::size_t rows = 0;
    for (std::int64_t batch = 0;; ++batch) {
      const std::int32_t partition = claim && batch % 2 == 1 ? 1 : 0;
      Batch appended{{}, {}, {}};
      for (std::int64_t row = 0; row < 50; ++row) {
        appended.quotes.push_back(quote_row("BTC-USD", batch * 50 + row, partition));
      }
      if (partition == 1) appended.claims.push_back(*claim);
      try {
        queue_.append(appended);
      } catch (const std::runtime_error& error) {
        EXPECT_THAT(error.what(), HasSubstr("full"));
        return rows;
      }
      rows += appended.quotes.size();
    }
  }

  // Reads and gives up every queued row, as a replay into PostgreSQL does; returns how many.
  std::size_t give_up_all() {
    std::size_t rows = 0;
    while (const std::optional<SpooledBatch> oldest = queue_.read_oldest(100)) {
      rows += oldest->batch.quotes.size();
      queue_.remove(*oldest, "checkpoint after " + std::to_string(rows));
    }
    return rows;
  }

  cryptometrics::testing::TempDir directory_;
  cryptometrics::testing::SmallDisk disk_{directory_ / "disk", "1m"};
  Queue queue_{disk_.path() / "spool.db"};
};

TEST_F(QueueOnAFullDiskTest, GivesUpEveryRowAndIsMadeAnewWithTheLatestCheckpoint) {
  const std::size_t held = fill();
  ASSERT_GT(held, 0u);

  EXPECT_EQ(give_up_all(), held);

  EXPECT_EQ(queue_.depth(), 0u);
  EXPECT_TRUE(queue_.load_histories(5).empty());
  EXPECT_TRUE(queue_.load_offsets("crypto_prices").empty());
  EXPECT_EQ(queue_.load_checkpoint(), "checkpoint after " + std::to_string(held));
  // Its space is free again.
  queue_.append(Batch{{quote_row("BTC-USD", 100000)}, {}, {}});
  EXPECT_EQ(queue_.depth(), 1u);
}

TEST_F(QueueOnAFullDiskTest, SetsALostClaimsRowsAsideAndGivesUpTheRest) {
  const Claim lost{{"crypto_prices", 1}, 7};
  const std::size_t held = fill(lost);
  ASSERT_GT(held, 100u);

  const std::size_t dropped = queue_.drop({lost});

  EXPECT_EQ(queue_.depth(), held - dropped);
  const std::optional<SpooledBatch> oldest = queue_.read_oldest(held);
  ASSERT_TRUE(oldest.has_value());
  EXPECT_EQ(oldest->batch.quotes.size(), held - dropped);
  EXPECT_TRUE(oldest->batch.claims.empty());
  for (const QuoteRow& row : oldest->batch.quotes) {
    EXPECT_EQ(row.source.partition, 0) << "offset " << row.source.offset;
  }
  EXPECT_EQ(give_up_all(), held - dropped);
  EXPECT_EQ(queue_.depth(), 0u);
  queue_.append(Batch{{quote_row("BTC-USD", 100000)}, {}, {}});
  EXPECT_EQ(queue_.depth(), 1u);
}

TEST(Queue, OpenThrowsNamingThePathWhenItsDirectoryIsMissing) {
  cryptometrics::testing::TempDir directory;
  const std::filesystem::path path = directory / "missing" / "spool.db";

  EXPECT_THAT([&] { Queue queue{path}; },
              ::testing::ThrowsMessage<std::runtime_error>(HasSubstr(path.string())));
}

}  // namespace
}  // namespace cryptometrics::storage::spool

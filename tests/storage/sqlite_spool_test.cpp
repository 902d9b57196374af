#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "sqlite_test_rows.h"
#include "storage/sqlite/sqlite_store.h"
#include "support/temp_dir.h"

namespace cryptometrics::storage::sqlite {
namespace {

class SqliteSpoolTest : public ::testing::Test {
 protected:
  cryptometrics::testing::TempDir directory_;
  SqliteStore store_{directory_ / "spool.db"};
};

TEST_F(SqliteSpoolTest, ReadOldestIsNulloptWhenEmpty) {
  EXPECT_EQ(store_.read_oldest(10), std::nullopt);
  EXPECT_EQ(store_.depth(), 0u);
}

TEST_F(SqliteSpoolTest, ReadOldestReturnsRowsInIdOrderUpToTheLimit) {
  store_.write(Batch{{quote_row("BTC-USD", 5), quote_row("ETH-USD", 3)}, {rejected_row(4)}, {}});
  store_.write(Batch{{quote_row("BTC-USD", 9)}, {rejected_row(8), rejected_row(6)}, {}});

  const std::optional<SpooledBatch> spooled = store_.read_oldest(2);

  ASSERT_TRUE(spooled.has_value());
  EXPECT_EQ(spooled->batch.quotes, (std::vector{quote_row("BTC-USD", 5), quote_row("ETH-USD", 3)}));
  EXPECT_EQ(spooled->batch.rejections, (std::vector{rejected_row(4), rejected_row(8)}));
  EXPECT_EQ(spooled->last_quote_id, 2);
  EXPECT_EQ(spooled->last_rejection_id, 2);
}

TEST_F(SqliteSpoolTest, ReadOldestGivesTheOffsetsItsRowsReachPerPartition) {
  store_.write(Batch{
      {quote_row("BTC-USD", 5, 0), quote_row("BTC-USD", 3, 1), quote_row("BTC-USD", 2, 0, "other")},
      {rejected_row(7, 0), rejected_row(1, 1)},
      {{"crypto_prices", 0, 100}}});

  const std::optional<SpooledBatch> spooled = store_.read_oldest(10);

  ASSERT_TRUE(spooled.has_value());
  EXPECT_EQ(spooled->batch.offsets,
            (std::vector<PartitionOffset>{
                {"crypto_prices", 0, 8}, {"crypto_prices", 1, 4}, {"other", 0, 3}}));
}

TEST_F(SqliteSpoolTest, RemoveDeletesWhatWasReadAndTheNextReadGoesOn) {
  store_.write(Batch{{quote_row("BTC-USD", 0), quote_row("BTC-USD", 1), quote_row("BTC-USD", 2)},
                     {rejected_row(3)},
                     {}});
  const std::optional<SpooledBatch> first = store_.read_oldest(2);
  ASSERT_TRUE(first.has_value());

  store_.remove(*first, "{}");

  EXPECT_EQ(store_.depth(), 1u);
  const std::optional<SpooledBatch> next = store_.read_oldest(2);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->batch.quotes, std::vector{quote_row("BTC-USD", 2)});
  EXPECT_TRUE(next->batch.rejections.empty());
}

TEST_F(SqliteSpoolTest, RemoveKeepsRowsWrittenAfterTheRead) {
  store_.write(Batch{{quote_row("BTC-USD", 0)}, {}, {}});
  const std::optional<SpooledBatch> read = store_.read_oldest(10);
  ASSERT_TRUE(read.has_value());
  store_.write(Batch{{quote_row("BTC-USD", 1)}, {rejected_row(2)}, {}});

  store_.remove(*read, "{}");

  EXPECT_EQ(store_.depth(), 2u);
}

TEST_F(SqliteSpoolTest, RemoveSavesTheCheckpointWithTheDeletion) {
  store_.write(Batch{{quote_row("BTC-USD", 0)}, {}, {}});
  const std::optional<SpooledBatch> read = store_.read_oldest(10);
  ASSERT_TRUE(read.has_value());

  store_.remove(*read, R"({"holds":"row 0"})");

  EXPECT_EQ(store_.depth(), 0u);
  EXPECT_EQ(store_.load_checkpoint(), R"({"holds":"row 0"})");
}

// Rows of the partition's earlier life come first in the spool; what they reach is the later life.
TEST_F(SqliteSpoolTest, OffsetsOfABatchReachTheLatestLifeOfEachPartition) {
  QuoteRow later = quote_row("BTC-USD", 2, 0);
  later.source.life = 1;
  store_.write(Batch{{quote_row("BTC-USD", 900, 0), later}, {}, {}});

  const std::optional<SpooledBatch> spooled = store_.read_oldest(10);

  ASSERT_TRUE(spooled.has_value());
  EXPECT_EQ(spooled->batch.offsets,
            (std::vector<PartitionOffset>{{"crypto_prices", 0, 3, 1}}));
}

TEST_F(SqliteSpoolTest, DepthCountsQuotesAndRejections) {
  store_.write(Batch{{quote_row("BTC-USD", 0), quote_row("ETH-USD", 1)},
                     {rejected_row(2), rejected_row(3), rejected_row(4)},
                     {}});

  EXPECT_EQ(store_.depth(), 5u);
}

TEST_F(SqliteSpoolTest, KeepsPayloadBytesExactly) {
  RejectedRow binary = rejected_row(0);
  binary.payload = std::string{"\x00\xff\xfe{\"not utf-8\"\n", 16};
  RejectedRow empty = rejected_row(1);
  empty.payload.clear();
  store_.write(Batch{{}, {binary, empty}, {}});

  const std::optional<SpooledBatch> spooled = store_.read_oldest(10);

  ASSERT_TRUE(spooled.has_value());
  EXPECT_EQ(spooled->batch.rejections, (std::vector{binary, empty}));
}

}  // namespace
}  // namespace cryptometrics::storage::sqlite

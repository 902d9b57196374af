#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sqlite_test_rows.h"
#include "storage/spool/history_merge.h"

namespace cryptometrics::storage::spool {
namespace {

// The history of `pair` after quote number `latest_count`, with the mid prices of the quotes
// from `first_count` on. Quote number n has mid price n.
metrics::History history(const std::string& pair, std::int64_t first_count,
                         std::int64_t latest_count) {
  metrics::History history;
  history.latest = quote_row(pair, latest_count).metrics;
  history.latest.count = latest_count;
  for (std::int64_t count = first_count; count <= latest_count; ++count) {
    history.recent_mid_prices.push_back(market::Decimal::from_integer(count));
  }
  return history;
}

std::vector<market::Decimal> mid_prices(std::int64_t first_count, std::int64_t last_count) {
  return history("X-Y", first_count, last_count).recent_mid_prices;
}

TEST(MergeHistories, TakesTheLatestRowFromTheSpoolAndMidPricesFromBoth) {
  const auto merged = merge_histories({history("BTC-USD", 6, 10)}, {history("BTC-USD", 11, 12)});

  ASSERT_EQ(merged.size(), 1u);
  EXPECT_EQ(merged[0].latest, history("BTC-USD", 11, 12).latest);
  EXPECT_EQ(merged[0].recent_mid_prices, mid_prices(6, 12));
}

// With several instances, a spool may hold a pair's older rows: written while this instance
// read its partition, which another instance read on from since, storing newer rows. The
// store's later row is the pair's state, not the spool's.
TEST(MergeHistories, KeepsTheStoresHistoryWhereItIsNewerThanTheSpools) {
  const auto merged = merge_histories({history("BTC-USD", 16, 20)}, {history("BTC-USD", 9, 12)});

  ASSERT_EQ(merged.size(), 1u);
  EXPECT_EQ(merged[0].latest, history("BTC-USD", 16, 20).latest);
  EXPECT_EQ(merged[0].recent_mid_prices, mid_prices(16, 20));
}

TEST(MergeHistories, KeepsPairsFoundInOnlyOneOrderedByPair) {
  const auto merged = merge_histories({history("ETH-USD", 1, 3)}, {history("BTC-USD", 1, 2)});

  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0], history("BTC-USD", 1, 2));
  EXPECT_EQ(merged[1], history("ETH-USD", 1, 3));
}

TEST(MergeHistories, DropsPostgresCopiesOfRowsStillInTheSpool) {
  // A replay committed quotes 9 and 10, and the process died before deleting them from the spool.
  const auto merged = merge_histories({history("BTC-USD", 6, 10)}, {history("BTC-USD", 9, 12)});

  EXPECT_EQ(merged[0].recent_mid_prices, mid_prices(6, 12));
}

TEST(MergeHistories, IgnoresPostgresMidPricesThatDoNotLeadUpToTheSpools) {
  // PostgreSQL's history as last known, from before rows that went straight to PostgreSQL.
  const auto merged = merge_histories({history("BTC-USD", 6, 10)}, {history("BTC-USD", 15, 16)});

  EXPECT_EQ(merged[0].latest, history("BTC-USD", 15, 16).latest);
  EXPECT_EQ(merged[0].recent_mid_prices, mid_prices(15, 16));
}

// Rows of BTC-USD at these offsets, newest first as the stores give them.
std::vector<QuoteRow> rows_at(const std::vector<std::int64_t>& offsets) {
  std::vector<QuoteRow> rows;
  for (const std::int64_t offset : offsets) rows.push_back(quote_row("BTC-USD", offset));
  return rows;
}

TEST(MergeRows, PutsTheSpoolsNewerRowsBeforePostgresOnesWithinTheLimit) {
  EXPECT_EQ(merge_rows(rows_at({5, 4, 3}), rows_at({7, 6}), 10), rows_at({7, 6, 5, 4, 3}));
  EXPECT_EQ(merge_rows(rows_at({5, 4, 3}), rows_at({7, 6}), 3), rows_at({7, 6, 5}));
  EXPECT_EQ(merge_rows(rows_at({5, 4, 3}), rows_at({7, 6}), 1), rows_at({7}));
}

TEST(MergeRows, DropsPostgresCopiesOfRowsStillInTheSpool) {
  // A replay committed offsets 5 and 6, and the process died before deleting them from the spool.
  EXPECT_EQ(merge_rows(rows_at({6, 5, 4}), rows_at({7, 6, 5}), 10), rows_at({7, 6, 5, 4}));
}

TEST(MergeRows, TakesEitherAloneWhenTheOtherHasNone) {
  EXPECT_EQ(merge_rows(rows_at({2, 1}), {}, 10), rows_at({2, 1}));
  EXPECT_EQ(merge_rows({}, rows_at({2, 1}), 10), rows_at({2, 1}));
}

}  // namespace
}  // namespace cryptometrics::storage::spool

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "sqlite_test_rows.h"
#include "storage/spool/checkpoint.h"

namespace cryptometrics::storage::spool {
namespace {

Batch batch_of(std::vector<QuoteRow> rows, std::vector<PartitionOffset> offsets) {
  return Batch{std::move(rows), {}, std::move(offsets)};
}

TEST(Checkpoint, AppliesBatchesKeepingTheWindowsMidPrices) {
  Checkpoint checkpoint;
  checkpoint.set_window(2);
  checkpoint.apply(batch_of({quote_row("BTC-USD", 0), quote_row("ETH-USD", 1),
                             quote_row("BTC-USD", 2), quote_row("BTC-USD", 3)},
                            {{"crypto_prices", 0, 4}}));
  checkpoint.apply(batch_of({}, {{"crypto_prices", 0, 3}, {"crypto_prices", 1, 9}}));

  const auto histories = checkpoint.histories();
  ASSERT_EQ(histories.size(), 2u);
  EXPECT_EQ(histories[0].latest, quote_row("BTC-USD", 3).metrics);
  EXPECT_EQ(histories[0].recent_mid_prices,
            (std::vector{quote_row("BTC-USD", 2).metrics.mid_price,
                         quote_row("BTC-USD", 3).metrics.mid_price}));
  EXPECT_EQ(histories[1].latest, quote_row("ETH-USD", 1).metrics);
  // An offset never goes back.
  EXPECT_EQ(checkpoint.offsets("crypto_prices"),
            (std::vector<PartitionOffset>{{"crypto_prices", 0, 4}, {"crypto_prices", 1, 9}}));
  EXPECT_TRUE(checkpoint.offsets("other").empty());
}

TEST(Checkpoint, AResetReplacesHistoriesAndTheOffsetsOfEveryTopic) {
  Checkpoint checkpoint;
  checkpoint.set_window(3);
  checkpoint.apply(batch_of({quote_row("BTC-USD", 0)},
                            {{"crypto_prices", 0, 1}, {"other", 0, 5}}));
  const metrics::History eth{quote_row("ETH-USD", 7).metrics, {decimal("1.5")}};

  checkpoint.reset({eth}, {{"crypto_prices", 2, 8}});

  EXPECT_EQ(checkpoint.histories(), std::vector{eth});
  EXPECT_EQ(checkpoint.offsets("crypto_prices"),
            (std::vector<PartitionOffset>{{"crypto_prices", 2, 8}}));
  EXPECT_TRUE(checkpoint.offsets("other").empty());
}

TEST(Checkpoint, EncodesAndDecodesExactly) {
  Checkpoint checkpoint;
  checkpoint.set_window(2);
  checkpoint.apply(batch_of({quote_row("BTC-USD", 0), quote_row("BTC-USD", 1),
                             quote_row("BTC-USD", 2), quote_row("SOL-USD", 3)},
                            {{"crypto_prices", 1, 4}}));

  const Checkpoint decoded = Checkpoint::decode(checkpoint.encode());

  EXPECT_EQ(decoded.histories(), checkpoint.histories());
  EXPECT_EQ(decoded.offsets("crypto_prices"), checkpoint.offsets("crypto_prices"));
  EXPECT_EQ(decoded.encode(), checkpoint.encode());
}

TEST(Checkpoint, DecodingSomethingElseThrows) {
  EXPECT_THROW(Checkpoint::decode("not json"), std::runtime_error);
  EXPECT_THROW(Checkpoint::decode(R"({"window":2})"), std::runtime_error);
  EXPECT_THROW(Checkpoint::decode(
                   R"({"window":2,"offsets":[],"histories":[{"latest":{"pair":"X"},)"
                   R"("recent_mid_prices":[]}]})"),
               std::runtime_error);
}

}  // namespace
}  // namespace cryptometrics::storage::spool

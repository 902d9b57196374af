#include "metrics/pair_metrics.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "market/quote_decoder.h"
#include "quote_builder.h"

namespace cryptometrics::metrics {
namespace {

struct Step {
  const char* bid;
  const char* ask;
  const char* mid_price;
  const char* moving_avg;
};

// Expected values worked out by hand (exact fractions, then half-even at 12 digits) for an SMA
// window of 5. The 4th mid is a tie rounded up to even (1.5e-12 -> 2e-12), the 5th one rounded
// down to even (2.5e-12 -> 2e-12), the 7th down to 10; the 4th average is a tie rounded down to
// even, the others do not terminate.
const std::vector<Step> kWindowOfFiveSteps = {
    {"1", "1", "1", "1"},
    {"1", "2", "1.5", "1.25"},
    {"2", "2", "2", "1.5"},
    {"0.000000000001", "0.000000000002", "0.000000000002", "1.125"},
    {"0.000000000001", "0.000000000004", "0.000000000002", "0.900000000001"},
    {"3.3", "3.4", "3.35", "1.370000000001"},
    {"10", "10.000000000001", "10", "3.070000000001"},
};

TEST(PairMetrics, GivesTheDesignExampleExactMidAndSpread) {
  const auto decoded = market::decode_quote(
      R"({"pair":"BTC-USD","bid":46396.27,"ask":46535.3,"timestamp":1795484378.0145655})",
      std::nullopt);
  PairMetrics metrics{5};

  const Snapshot& snapshot = metrics.apply(std::get<market::Quote>(decoded));

  EXPECT_EQ(snapshot.bid.to_string(), "46396.27");
  EXPECT_EQ(snapshot.ask.to_string(), "46535.3");
  EXPECT_EQ(snapshot.mid_price.to_string(), "46465.785");
  EXPECT_EQ(snapshot.spread.to_string(), "139.03");
}

TEST(PairMetrics, FirstQuoteSetsEveryMetricFromItself) {
  PairMetrics metrics{5};

  const Snapshot& snapshot = metrics.apply(quote("BTC-USD", "100", "103", 7));

  EXPECT_EQ(snapshot, (Snapshot{.pair = "BTC-USD",
                                .bid = decimal("100"),
                                .ask = decimal("103"),
                                .mid_price = decimal("101.5"),
                                .spread = decimal("3"),
                                .highest_bid = decimal("100"),
                                .lowest_ask = decimal("103"),
                                .max_spread = decimal("3"),
                                .moving_avg = decimal("101.5"),
                                .count = 1,
                                .timestamp = quote("BTC-USD", "1", "1", 7).timestamp}));
  EXPECT_EQ(metrics.latest(), snapshot);
}

TEST(PairMetrics, TracksHighestBidLowestAskAndMaxSpreadOverEveryQuote) {
  PairMetrics metrics{5};
  metrics.apply(quote("BTC-USD", "100", "103"));
  metrics.apply(quote("BTC-USD", "105", "106"));

  const Snapshot& snapshot = metrics.apply(quote("BTC-USD", "99", "104.5", 2));

  EXPECT_EQ(snapshot.bid, decimal("99"));
  EXPECT_EQ(snapshot.spread, decimal("5.5"));
  EXPECT_EQ(snapshot.highest_bid, decimal("105"));
  EXPECT_EQ(snapshot.lowest_ask, decimal("103"));
  EXPECT_EQ(snapshot.max_spread, decimal("5.5"));
  EXPECT_EQ(snapshot.count, 3);
  EXPECT_EQ(snapshot.timestamp, quote("BTC-USD", "1", "1", 2).timestamp);
}

TEST(PairMetrics, MovingAverageOfOneIsTheLatestMid) {
  PairMetrics metrics{1};
  for (const Step& step : kWindowOfFiveSteps) {
    const Snapshot& snapshot = metrics.apply(quote("X-Y", step.bid, step.ask));
    EXPECT_EQ(snapshot.mid_price.to_string(), step.mid_price) << step.bid << "/" << step.ask;
    EXPECT_EQ(snapshot.moving_avg.to_string(), step.mid_price) << step.bid << "/" << step.ask;
  }
}

TEST(PairMetrics, MovingAverageCoversTheLastFiveMidsRoundedHalfToEven) {
  PairMetrics metrics{5};
  for (const Step& step : kWindowOfFiveSteps) {
    const Snapshot& snapshot = metrics.apply(quote("X-Y", step.bid, step.ask));
    EXPECT_EQ(snapshot.mid_price.to_string(), step.mid_price) << step.bid << "/" << step.ask;
    EXPECT_EQ(snapshot.moving_avg.to_string(), step.moving_avg) << step.bid << "/" << step.ask;
  }
}

TEST(PairMetrics, RestoreContinuesFromTheLatestSnapshot) {
  const History history{.latest = {.pair = "X-Y",
                                   .bid = decimal("50"),
                                   .ask = decimal("51"),
                                   .mid_price = decimal("50.5"),
                                   .spread = decimal("1"),
                                   .highest_bid = decimal("80"),
                                   .lowest_ask = decimal("20"),
                                   .max_spread = decimal("9"),
                                   .moving_avg = decimal("50.5"),
                                   .count = 41,
                                   .timestamp = quote("X-Y", "1", "1").timestamp},
                        .recent_mid_prices = {decimal("50.5")}};
  PairMetrics metrics{5, history};

  const Snapshot& snapshot = metrics.apply(quote("X-Y", "60", "70"));

  EXPECT_EQ(snapshot.highest_bid, decimal("80"));
  EXPECT_EQ(snapshot.lowest_ask, decimal("20"));
  EXPECT_EQ(snapshot.max_spread, decimal("10"));
  EXPECT_EQ(snapshot.count, 42);
  EXPECT_EQ(snapshot.moving_avg, decimal("57.75"));
}

TEST(PairMetrics, RestoreKeepsOnlyTheLastWindowOfStoredMids) {
  History history;
  history.latest.pair = "X-Y";
  history.latest.count = 6;
  for (const char* mid : {"100", "1", "2", "3", "4", "5"}) {
    history.recent_mid_prices.push_back(decimal(mid));
  }
  PairMetrics metrics{5, history};

  const Snapshot& snapshot = metrics.apply(quote("X-Y", "6", "6"));

  EXPECT_EQ(snapshot.moving_avg, decimal("4"));
}

TEST(PairMetrics, RestoreWithFewerStoredMidsAveragesWhatThereIs) {
  History history;
  history.latest.pair = "X-Y";
  history.latest.count = 9;
  history.recent_mid_prices = {decimal("1"), decimal("2")};
  PairMetrics metrics{5, history};

  EXPECT_EQ(metrics.apply(quote("X-Y", "3", "3")).moving_avg, decimal("2"));
  EXPECT_EQ(metrics.apply(quote("X-Y", "4", "4")).moving_avg, decimal("2.5"));
}

TEST(PairMetrics, RestoreKeepsTheStoredSnapshotAsLatest) {
  History history;
  history.latest.pair = "X-Y";
  history.latest.bid = decimal("1");
  history.latest.count = 3;

  const PairMetrics metrics{5, history};

  EXPECT_EQ(metrics.latest(), history.latest);
}

TEST(PairMetrics, RefusesAnEmptyWindow) {
  EXPECT_THROW(PairMetrics{0}, std::invalid_argument);
  EXPECT_THROW((PairMetrics{0, History{}}), std::invalid_argument);
}

}  // namespace
}  // namespace cryptometrics::metrics

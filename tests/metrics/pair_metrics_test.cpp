#include "metrics/pair_metrics.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
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

// Expected values worked out by hand (exact fractions, then half-even at the 19th fractional
// digit) for an SMA window of 5. Every mid is exact, one digit past its prices in the 1st, 4th, 6th
// and 7th. The 2nd average is a tie rounded down to even (...0002|5), the 3rd does not terminate
// (...668|333), the 4th is a tie rounded up to even (...0007|5 -> ...0008); the others terminate.
const std::vector<Step> kWindowOfFiveSteps = {
    {"1", "1.000000000000000001", "1.0000000000000000005", "1.0000000000000000005"},
    {"1", "1", "1", "1.0000000000000000002"},
    {"0.000000000001", "0.000000000002", "0.0000000000015", "0.6666666666671666668"},
    {"1", "1.000000000000000005", "1.0000000000000000025", "0.7500000000003750008"},
    {"3.3", "3.4", "3.35", "1.2700000000003000006"},
    {"10", "10.000000000000000001", "10.0000000000000000005", "3.0700000000003000006"},
    {"0.000000000000000001", "0.000000000000000004", "0.0000000000000000025",
     "2.8700000000003000011"},
};

// Through the decoder, as a message's prices arrive.
market::Quote decoded_quote(std::string_view bid, std::string_view ask) {
  const auto decoded = market::decode_quote(R"({"pair":"BTC-USD","bid":")" + std::string{bid} +
                                                R"(","ask":")" + std::string{ask} + R"("})",
                                            market::Timestamp{});
  if (const auto* rejection = std::get_if<market::Rejection>(&decoded)) {
    ADD_FAILURE() << bid << "/" << ask << " rejected: " << rejection->reason;
    return {};
  }
  return std::get<market::Quote>(decoded);
}

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

TEST(PairMetrics, KeepsSpreadAndMidExactPastTwelveFractionalDigits) {
  PairMetrics metrics{5};

  const Snapshot& snapshot = metrics.apply(decoded_quote("1.0000000000001", "1.0000000000002"));

  EXPECT_EQ(snapshot.spread.to_string(), "0.0000000000001");
  EXPECT_EQ(snapshot.mid_price.to_string(), "1.00000000000015");
}

TEST(PairMetrics, GivesTheMidOfTwelveDigitPricesExactly) {
  PairMetrics metrics{5};

  const Snapshot& snapshot = metrics.apply(decoded_quote("0.000000000001", "0.000000000002"));

  EXPECT_EQ(snapshot.mid_price.to_string(), "0.0000000000015");
  EXPECT_EQ(snapshot.moving_avg.to_string(), "0.0000000000015");
}

TEST(PairMetrics, GivesTheMidOfEighteenDigitPricesExactlyWithANineteenthDigit) {
  PairMetrics metrics{5};

  EXPECT_EQ(metrics.apply(decoded_quote("0.000000000000000001", "0.000000000000000002"))
                .mid_price.to_string(),
            "0.0000000000000000015");
  EXPECT_EQ(metrics
                .apply(decoded_quote("999999999999999.999999999999999998",
                                     "999999999999999.999999999999999999"))
                .mid_price.to_string(),
            "999999999999999.9999999999999999985");
}

TEST(PairMetrics, RoundsTheMovingAverageHalfToEvenAtTheNineteenthFractionalDigit) {
  PairMetrics metrics{3};
  metrics.apply(quote("X-Y", "1", "1"));
  metrics.apply(quote("X-Y", "1", "1"));

  EXPECT_EQ(metrics.apply(quote("X-Y", "2", "2")).moving_avg.to_string(), "1.3333333333333333333");
  EXPECT_EQ(metrics.apply(quote("X-Y", "2", "2")).moving_avg.to_string(), "1.6666666666666666667");
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

TEST(PairMetrics, AveragesTheLargestPricesOverTheWidestWindow) {
  const std::string largest = "999999999999999.999999999999999999";
  PairMetrics metrics{kMaxSmaWindow};
  for (std::size_t i = 1; i < kMaxSmaWindow; ++i) {
    metrics.apply(decoded_quote(largest, largest));
  }

  const Snapshot& snapshot = metrics.apply(decoded_quote(largest, largest));

  EXPECT_EQ(snapshot.moving_avg.to_string(), largest);
  EXPECT_EQ(snapshot.count, static_cast<std::int64_t>(kMaxSmaWindow));
}

TEST(PairMetrics, RefusesAnEmptyWindow) {
  EXPECT_THROW(PairMetrics{0}, std::invalid_argument);
  EXPECT_THROW((PairMetrics{0, History{}}), std::invalid_argument);
}

TEST(PairMetrics, RefusesAWindowWiderThanItsSumCanHold) {
  EXPECT_THROW(PairMetrics{kMaxSmaWindow + 1}, std::invalid_argument);
  EXPECT_THROW((PairMetrics{kMaxSmaWindow + 1, History{}}), std::invalid_argument);
}

}  // namespace
}  // namespace cryptometrics::metrics

#include "simulator/random_walk.h"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "fixed_time.h"

namespace cryptometrics::simulator {
namespace {

using market::Decimal;
using market::Quote;

double mid_price(const Quote& quote) {
  return static_cast<double>((quote.bid + quote.ask).units()) / 2.0 /
         static_cast<double>(Decimal::kUnitsPerOne);
}

std::vector<Quote> walk(const std::string& pair, std::uint64_t seed, int steps) {
  RandomWalk random_walk{pair, seed};
  std::vector<Quote> quotes;
  for (int step = 0; step < steps; ++step) quotes.push_back(random_walk.next(kNow));
  return quotes;
}

TEST(RandomWalkTest, StaysPositiveWithAskAboveBidOverAMillionSteps) {
  for (const std::string pair : {"DOGE-USD", "BTC-USD"}) {
    RandomWalk random_walk{pair, 7};
    int bad_quotes = 0;

    for (int step = 0; step < 1'000'000; ++step) {
      const Quote quote = random_walk.next(kNow);
      if (!quote.bid.is_positive() || quote.ask <= quote.bid) ++bad_quotes;
    }

    EXPECT_EQ(bad_quotes, 0) << pair;
  }
}

TEST(RandomWalkTest, PricesAreOnThePairsTick) {
  struct Case {
    std::string pair;
    market::Int128 tick_units;
  };
  for (const auto& [pair, tick_units] : {Case{"BTC-USD", 10'000'000'000},  // 0.01
                                         Case{"XRP-USD", 100'000'000},     // 0.0001
                                         Case{"DOGE-USD", 10'000'000},     // 0.00001
                                         Case{"FOO-BAR", 10'000'000'000}}) {
    int off_tick = 0;

    for (const Quote& quote : walk(pair, 3, 10'000)) {
      if (quote.bid.units() % tick_units != 0 || quote.ask.units() % tick_units != 0) ++off_tick;
    }

    EXPECT_EQ(off_tick, 0) << pair;
  }
}

TEST(RandomWalkTest, StartsNearThePairsMarketLevel) {
  const Quote bitcoin = walk("BTC-USD", 1, 1).front();
  const Quote tether_bitcoin = walk("BTC-USDT", 1, 1).front();
  const Quote ether = walk("ETH-USD", 1, 1).front();
  const Quote dogecoin = walk("DOGE-USD", 1, 1).front();

  EXPECT_NEAR(mid_price(bitcoin), 90'000.0, 900.0);
  EXPECT_NEAR(mid_price(tether_bitcoin), 90'000.0, 900.0);
  EXPECT_NEAR(mid_price(ether), 3'000.0, 30.0);
  EXPECT_NEAR(mid_price(dogecoin), 0.1, 0.001);
  EXPECT_NE(bitcoin.bid, ether.bid);
}

TEST(RandomWalkTest, StartsAnUnknownPairAtTheSameLevelOnEveryRun) {
  const double first_run = mid_price(walk("FOO-BAR", 1, 1).front());
  const double second_run = mid_price(walk("FOO-BAR", 2, 1).front());

  EXPECT_GE(first_run, 0.99);
  EXPECT_LE(first_run, 1'010.0);
  EXPECT_NEAR(second_run, first_run, first_run * 0.01);
}

TEST(RandomWalkTest, SpreadIsSmallAgainstThePrice) {
  for (const Quote& quote : walk("BTC-USD", 5, 1'000)) {
    const double spread = static_cast<double>((quote.ask - quote.bid).units()) /
                          static_cast<double>(Decimal::kUnitsPerOne);
    EXPECT_LE(spread / mid_price(quote), 0.001) << spread;
  }
}

TEST(RandomWalkTest, SameSeedGivesTheSameSequence) {
  EXPECT_EQ(walk("ETH-USD", 42, 1'000), walk("ETH-USD", 42, 1'000));
}

TEST(RandomWalkTest, DifferentSeedsGiveDifferentSequences) {
  EXPECT_NE(walk("ETH-USD", 42, 100), walk("ETH-USD", 43, 100));
}

TEST(RandomWalkTest, QuotesTheCanonicalPairStampedWithTheGivenTime) {
  const Quote quote = walk("btc-usd", 1, 1).front();

  EXPECT_EQ(quote.pair, "BTC-USD");
  EXPECT_EQ(quote.timestamp, kNow);
}

TEST(RandomWalkTest, RejectsSomethingThatIsNotAPair) {
  EXPECT_THROW(RandomWalk("BTCUSD", 1), std::invalid_argument);
}

}  // namespace
}  // namespace cryptometrics::simulator

#include "metrics/book.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "quote_builder.h"

namespace cryptometrics::metrics {
namespace {

TEST(Book, KnowsNoPairBeforeItsFirstQuote) {
  const Book book{5};

  EXPECT_EQ(book.find("BTC-USD"), nullptr);
  EXPECT_TRUE(book.all().empty());
  EXPECT_EQ(book.sma_window(), 5u);
}

TEST(Book, InterleavedPairsKeepTheirOwnMetrics) {
  Book book{2};

  book.apply(quote("BTC-USD", "100", "102", 1));
  book.apply(quote("ETH-USD", "10", "11", 2));
  book.apply(quote("BTC-USD", "101", "105", 3));
  book.apply(quote("ETH-USD", "12", "12.5", 4));
  book.apply(quote("BTC-USD", "99", "100", 5));

  const Snapshot* btc = book.find("BTC-USD");
  ASSERT_NE(btc, nullptr);
  EXPECT_EQ(*btc, (Snapshot{.pair = "BTC-USD",
                            .bid = decimal("99"),
                            .ask = decimal("100"),
                            .mid_price = decimal("99.5"),
                            .spread = decimal("1"),
                            .highest_bid = decimal("101"),
                            .lowest_ask = decimal("100"),
                            .max_spread = decimal("4"),
                            .moving_avg = decimal("101.25"),
                            .count = 3,
                            .timestamp = quote("BTC-USD", "1", "1", 5).timestamp}));
  const Snapshot* eth = book.find("ETH-USD");
  ASSERT_NE(eth, nullptr);
  EXPECT_EQ(*eth, (Snapshot{.pair = "ETH-USD",
                            .bid = decimal("12"),
                            .ask = decimal("12.5"),
                            .mid_price = decimal("12.25"),
                            .spread = decimal("0.5"),
                            .highest_bid = decimal("12"),
                            .lowest_ask = decimal("11"),
                            .max_spread = decimal("1"),
                            .moving_avg = decimal("11.375"),
                            .count = 2,
                            .timestamp = quote("ETH-USD", "1", "1", 4).timestamp}));
}

TEST(Book, ApplyReturnsThePairsLatestSnapshot) {
  Book book{5};

  const Snapshot& applied = book.apply(quote("BTC-USD", "1", "2"));

  EXPECT_EQ(&applied, book.find("BTC-USD"));
}

TEST(Book, ListsEveryPairOrderedByName) {
  Book book{5};
  book.apply(quote("LTC-USD", "1", "2"));
  book.apply(quote("BTC-USD", "3", "4"));
  book.apply(quote("ETH-USD", "5", "6"));

  const std::vector<Snapshot> all = book.all();

  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].pair, "BTC-USD");
  EXPECT_EQ(all[1].pair, "ETH-USD");
  EXPECT_EQ(all[2].pair, "LTC-USD");
  EXPECT_EQ(all[0], *book.find("BTC-USD"));
}

TEST(Book, RestoreReplacesAllState) {
  Book book{5};
  book.apply(quote("LTC-USD", "1", "2"));
  History btc;
  btc.latest.pair = "BTC-USD";
  btc.latest.bid = decimal("7");
  btc.latest.count = 12;

  book.restore({btc});

  EXPECT_EQ(book.find("LTC-USD"), nullptr);
  ASSERT_NE(book.find("BTC-USD"), nullptr);
  EXPECT_EQ(*book.find("BTC-USD"), btc.latest);
  EXPECT_EQ(book.apply(quote("BTC-USD", "1", "2")).count, 13);
}

TEST(Book, PairVersionMovesOnlyWithThatPairsQuotes) {
  Book book{5};
  EXPECT_EQ(book.version("BTC-USD"), 0u);
  book.apply(quote("BTC-USD", "1", "2"));
  const std::uint64_t btc = book.version("BTC-USD");
  const std::uint64_t before_eth = book.version();

  book.apply(quote("ETH-USD", "3", "4"));

  EXPECT_NE(btc, 0u);
  EXPECT_EQ(book.version("BTC-USD"), btc);
  EXPECT_GT(book.version(), before_eth);
  EXPECT_EQ(book.version("ETH-USD"), book.version());

  book.apply(quote("BTC-USD", "1", "2"));

  EXPECT_GT(book.version("BTC-USD"), btc);
}

TEST(Book, RestoreMovesEveryVersionOn) {
  Book book{5};
  book.apply(quote("BTC-USD", "1", "2"));
  book.apply(quote("LTC-USD", "1", "2"));
  const std::uint64_t before = book.version();
  History btc;
  btc.latest.pair = "BTC-USD";

  book.restore({btc});

  EXPECT_GT(book.version(), before);
  EXPECT_EQ(book.version("BTC-USD"), book.version());
  EXPECT_EQ(book.version("LTC-USD"), 0u);
}

TEST(Book, RestoredPairsEachGetTheirOwnVersion) {
  Book book{5};
  History btc;
  btc.latest.pair = "BTC-USD";
  History eth;
  eth.latest.pair = "ETH-USD";

  book.restore({btc, eth});

  EXPECT_NE(book.version("BTC-USD"), book.version("ETH-USD"));
  EXPECT_EQ(book.changes_after(0).size(), 2u);
}

TEST(Book, ChangesAfterAVersionAreEachPairsLastInVersionOrder) {
  Book book{5};
  book.apply(quote("BTC-USD", "1", "2"));
  book.apply(quote("ETH-USD", "1", "2"));
  const std::uint64_t seen = book.version();
  book.apply(quote("LTC-USD", "1", "2"));
  book.apply(quote("BTC-USD", "1", "2"));
  book.apply(quote("LTC-USD", "1", "2"));

  const auto changes = book.changes_after(seen);

  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].pair, "BTC-USD");
  EXPECT_EQ(changes[0].version, book.version("BTC-USD"));
  EXPECT_EQ(changes[1].pair, "LTC-USD");
  EXPECT_EQ(changes[1].version, book.version());
  EXPECT_EQ(book.changes_after(0).size(), 3u);
  EXPECT_TRUE(book.changes_after(book.version()).empty());
}

TEST(Book, ListenerHearsEveryApplyWithItsMetricsAndEveryRestore) {
  Book book{5};
  std::vector<std::pair<std::uint64_t, std::optional<std::int64_t>>> heard;
  book.on_change([&](std::uint64_t version, const Snapshot* snapshot) {
    heard.emplace_back(version, snapshot ? std::optional{snapshot->count} : std::nullopt);
  });

  book.apply(quote("BTC-USD", "1", "2"));
  book.apply(quote("BTC-USD", "1", "2"));
  const std::uint64_t after_two = book.version();
  book.restore({});

  ASSERT_EQ(heard.size(), 3u);
  EXPECT_EQ(heard[0].second, 1);
  EXPECT_LT(heard[0].first, heard[1].first);
  EXPECT_EQ(heard[1].first, after_two);
  EXPECT_EQ(heard[1].second, 2);
  EXPECT_EQ(heard[2].first, book.version());
  EXPECT_EQ(heard[2].second, std::nullopt);
}

// A fixed, irregular stream of two pairs, with mid prices a digit finer than their prices and
// moving averages that do not terminate.
std::vector<market::Quote> two_pair_stream() {
  std::vector<market::Quote> quotes;
  const char* bids[] = {
      "100.01", "99.999999999999", "101.3", "100.000000000001", "98.7", "102.5", "103",
      "97.25",  "100.5",           "101"};
  for (int i = 0; i < 20; ++i) {
    const std::string pair = (i % 3 == 1) ? "ETH-USD" : "BTC-USD";
    const market::Decimal bid = decimal(bids[i % 10]) + decimal(i % 2 == 0 ? "0" : "0.333");
    const market::Decimal ask = bid + decimal(i % 4 == 0 ? "0.000000000003" : "1.17");
    quotes.push_back(market::Quote{pair, bid, ask, quote(pair, "1", "1", i).timestamp});
  }
  return quotes;
}

// What storage would keep after `applied`: each pair's latest snapshot and its last
// `mids_kept` mid prices.
std::vector<History> histories_after(const std::vector<Snapshot>& applied, std::size_t mids_kept) {
  std::map<std::string, History> by_pair;
  for (const Snapshot& snapshot : applied) {
    History& history = by_pair[snapshot.pair];
    history.latest = snapshot;
    history.recent_mid_prices.push_back(snapshot.mid_price);
    if (history.recent_mid_prices.size() > mids_kept) {
      history.recent_mid_prices.erase(history.recent_mid_prices.begin());
    }
  }
  std::vector<History> histories;
  for (auto& [pair, history] : by_pair) {
    histories.push_back(std::move(history));
  }
  return histories;
}

TEST(Book, RestoreContinuesExactlyAsAnUninterruptedRun) {
  constexpr std::size_t kWindow = 5;
  const std::vector<market::Quote> quotes = two_pair_stream();
  Book uninterrupted{kWindow};
  std::vector<Snapshot> expected;
  for (const market::Quote& quote : quotes) {
    expected.push_back(uninterrupted.apply(quote));
  }

  for (std::size_t restart_at = 1; restart_at < quotes.size(); ++restart_at) {
    for (const std::size_t mids_kept : {kWindow, kWindow + 3}) {
      Book before{kWindow};
      std::vector<Snapshot> applied;
      for (std::size_t i = 0; i < restart_at; ++i) {
        applied.push_back(before.apply(quotes[i]));
      }
      Book after{kWindow};
      after.restore(histories_after(applied, mids_kept));

      for (std::size_t i = restart_at; i < quotes.size(); ++i) {
        EXPECT_EQ(after.apply(quotes[i]), expected[i])
            << "restart before quote " << restart_at << ", keeping " << mids_kept << " mids";
      }
      EXPECT_EQ(after.all(), uninterrupted.all());
    }
  }
}

}  // namespace
}  // namespace cryptometrics::metrics

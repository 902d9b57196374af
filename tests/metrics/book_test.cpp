#include "metrics/book.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <string>
#include <string_view>
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
  book.on_change([&](std::uint64_t version, const Snapshot* snapshot, const Origin*) {
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

// The metrics right after a pair's first quote, as another instance would store them.
Snapshot one_quote_metrics(std::string pair, std::string_view bid, std::string_view ask) {
  Book book{2};
  return book.apply(quote(std::move(pair), bid, ask));
}

TEST(Book, EachPairSaysWhereItsMetricsComeFrom) {
  Book book{2};
  book.restore({{one_quote_metrics("ETH-USD", "10", "11"), {decimal("10.5")}}});
  book.apply(quote("BTC-USD", "100", "102", 1), {.partition = 3, .offset = 41});

  EXPECT_EQ(*book.origin("BTC-USD"), (Origin{.partition = 3, .offset = 41}));
  // Read back from the store: where its last quote came from is not known until the next one.
  EXPECT_EQ(*book.origin("ETH-USD"), (Origin{.from_store = true}));
  EXPECT_EQ(book.origin("LTC-USD"), nullptr);
}

TEST(Book, ObservedPairsAreShownAsReadFromTheStore) {
  Book book{2};
  std::vector<std::uint64_t> heard;
  book.on_change([&heard](std::uint64_t version, const Snapshot*, const Origin*) {
    heard.push_back(version);
  });
  const Snapshot eth = one_quote_metrics("ETH-USD", "10", "11");

  EXPECT_TRUE(book.observe(eth, {.owner = "instance-b", .partition = 1, .offset = 7}));

  EXPECT_EQ(*book.find("ETH-USD"), eth);
  EXPECT_EQ(*book.origin("ETH-USD"),
            (Origin{.from_store = true, .owner = "instance-b", .partition = 1, .offset = 7}));
  EXPECT_EQ(heard, std::vector<std::uint64_t>{book.version()});
}

TEST(Book, ObservingWhatIsShownAlreadyChangesNothing) {
  Book book{2};
  const Snapshot eth = one_quote_metrics("ETH-USD", "10", "11");
  book.observe(eth, {.owner = "instance-b", .partition = 1, .offset = 7});
  const std::uint64_t version = book.version();

  EXPECT_TRUE(book.observe(eth, {.owner = "instance-b", .partition = 1, .offset = 7}));
  EXPECT_EQ(book.version(), version);

  EXPECT_TRUE(book.observe(eth, {.owner = "instance-c", .partition = 1, .offset = 7}));
  EXPECT_GT(book.version(), version);
  EXPECT_EQ(book.origin("ETH-USD")->owner, "instance-c");
}

TEST(Book, ObservationsNeverReplaceMetricsComputedHere) {
  Book book{2};
  const Snapshot computed = book.apply(quote("ETH-USD", "12", "13", 1), {.partition = 1, .offset = 8});
  const std::uint64_t version = book.version();

  EXPECT_FALSE(book.observe(one_quote_metrics("ETH-USD", "10", "11"),
                            {.owner = "instance-b", .partition = 1, .offset = 7}));

  EXPECT_EQ(*book.find("ETH-USD"), computed);
  EXPECT_FALSE(book.origin("ETH-USD")->from_store);
  EXPECT_EQ(book.version(), version);
}

TEST(Book, AnObservedPairReadBackFromTheStoreOnStartCanBeObservedAgain) {
  Book book{2};
  book.restore({{one_quote_metrics("ETH-USD", "10", "11"), {decimal("10.5")}}});
  const Snapshot newer = one_quote_metrics("ETH-USD", "20", "21");

  EXPECT_TRUE(book.observe(newer, {.owner = "instance-b", .partition = 1, .offset = 9}));

  EXPECT_EQ(*book.find("ETH-USD"), newer);
}

TEST(Book, PairsLetGoStayShownUntilObservedAnew) {
  Book book{2};
  const Snapshot computed = book.apply(quote("ETH-USD", "12", "13", 1), {.partition = 1, .offset = 8});
  book.apply(quote("BTC-USD", "100", "102", 2), {.partition = 0, .offset = 3});
  const std::uint64_t version = book.version();

  book.let_go({"ETH-USD", "LTC-USD"});

  EXPECT_EQ(*book.find("ETH-USD"), computed);
  EXPECT_TRUE(book.origin("ETH-USD")->from_store);
  EXPECT_FALSE(book.origin("BTC-USD")->from_store);
  EXPECT_GT(book.version("ETH-USD"), version);
  const Snapshot newer = one_quote_metrics("ETH-USD", "20", "21");
  EXPECT_TRUE(book.observe(newer, {.owner = "instance-b", .partition = 1, .offset = 9}));
  EXPECT_EQ(*book.find("ETH-USD"), newer);
}

}  // namespace
}  // namespace cryptometrics::metrics

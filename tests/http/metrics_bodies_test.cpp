#include "http/metrics_bodies.h"

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>

#include "metrics/snapshot_json.h"
#include "market/decimal.h"
#include "market/quote.h"
#include "market/timestamp.h"
#include "metrics/book.h"

namespace cryptometrics::http {
namespace {

using namespace std::chrono_literals;

market::Quote quote(std::string pair, std::string_view bid, std::string_view ask) {
  return {std::move(pair), std::get<market::Decimal>(market::Decimal::parse(bid)),
          std::get<market::Decimal>(market::Decimal::parse(ask)),
          market::Timestamp{1'795'484'378'014'566us}};
}

class MetricsBodiesTest : public ::testing::Test {
 protected:
  MetricsBodiesTest() {
    book_.apply(quote("BTC-USD", "46396.27", "46535.3"));
    book_.apply(quote("ETH-USD", "3000", "3001.5"));
  }

  metrics::Book book_{5};
  MetricsBodies bodies_{book_, "instance-a"};
};

// Each pair's metrics as the book holds them, and where they come from.
std::string body_of(const metrics::Book& book, std::string_view pair) {
  return pair_json(*book.find(pair), *book.origin(pair), "instance-a");
}

TEST_F(MetricsBodiesTest, BodiesAreTheSerializedMetrics) {
  auto pairs = nlohmann::ordered_json::array();
  for (const metrics::Snapshot& snapshot : book_.all()) {
    pairs.push_back(nlohmann::ordered_json::parse(body_of(book_, snapshot.pair)));
  }

  EXPECT_EQ(*bodies_.pair("BTC-USD"), body_of(book_, "BTC-USD"));
  EXPECT_EQ(bodies_.all(), nlohmann::ordered_json({{"pairs", pairs}}).dump());
}

TEST(PairJson, SaysWhereTheMetricsComeFrom) {
  metrics::Book book{5};
  const metrics::Snapshot snapshot = book.apply(quote("BTC-USD", "46396.27", "46535.3"));
  const auto source = [&snapshot](const metrics::Origin& origin) {
    return nlohmann::ordered_json::parse(pair_json(snapshot, origin, "instance-a"))["source"].dump();
  };

  EXPECT_EQ(source({.partition = 3, .offset = 41}),
            R"({"read_from":"memory","instance":"instance-a","partition":3,"offset":41})");
  EXPECT_EQ(source({.from_store = true, .owner = "instance-b", .partition = 1, .offset = 7}),
            R"({"read_from":"store","instance":"instance-b","partition":1,"offset":7})");
  EXPECT_EQ(source({.from_store = true}),
            R"({"read_from":"store","instance":null,"partition":null,"offset":null})");
  auto metrics = nlohmann::ordered_json::parse(pair_json(snapshot, {}, "instance-a"));
  metrics.erase("source");
  EXPECT_EQ(metrics, metrics::snapshot_json(snapshot));
}

TEST_F(MetricsBodiesTest, PairNeverSeenHasNoBody) { EXPECT_EQ(bodies_.pair("XRP-USD"), nullptr); }

TEST(MetricsBodies, AllOfAnEmptyBookListsNoPairs) {
  const metrics::Book book{5};
  MetricsBodies bodies{book, "instance-a"};

  EXPECT_EQ(bodies.all(), R"({"pairs":[]})");
}

// The same characters where they were: the body was not made again.
TEST_F(MetricsBodiesTest, PairBodyChangesWithAQuoteOfThatPairOnly) {
  const std::string btc = *bodies_.pair("BTC-USD");
  const char* const btc_characters = bodies_.pair("BTC-USD")->data();

  book_.apply(quote("ETH-USD", "3002", "3003"));

  EXPECT_EQ(*bodies_.pair("BTC-USD"), btc);
  EXPECT_EQ(bodies_.pair("BTC-USD")->data(), btc_characters);

  book_.apply(quote("BTC-USD", "46400.5", "46410.1"));

  EXPECT_NE(*bodies_.pair("BTC-USD"), btc);
  EXPECT_EQ(*bodies_.pair("BTC-USD"), body_of(book_, "BTC-USD"));
}

TEST_F(MetricsBodiesTest, AllChangesWithAQuoteOfAnyPair) {
  const std::string before = bodies_.all();
  const char* const characters = bodies_.all().data();

  EXPECT_EQ(bodies_.all().data(), characters);

  book_.apply(quote("ETH-USD", "3002", "3003"));
  const std::string eth = *bodies_.pair("ETH-USD");

  EXPECT_NE(bodies_.all(), before);
  EXPECT_NE(bodies_.all().find(eth), std::string::npos);
}

TEST_F(MetricsBodiesTest, BodiesFollowARestore) {
  bodies_.all();  // every body made before the restore
  metrics::History restored;
  restored.latest = *book_.find("BTC-USD");
  restored.latest.count = 40;

  book_.restore({restored});

  const std::string btc_restored = body_of(book_, "BTC-USD");
  EXPECT_EQ(nlohmann::ordered_json::parse(btc_restored)["count"], 40);
  EXPECT_EQ(*bodies_.pair("BTC-USD"), btc_restored);
  EXPECT_EQ(bodies_.pair("ETH-USD"), nullptr);
  EXPECT_EQ(bodies_.all(), R"({"pairs":[)" + btc_restored + "]}");
}

}  // namespace
}  // namespace cryptometrics::http

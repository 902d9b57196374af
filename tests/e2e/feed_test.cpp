#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kafka/topic_reader.h"
#include "support/coinbase_messages.h"
#include "support/expected_metrics.h"
#include "support/process.h"
#include "support/replay_server.h"
#include "support/service.h"
#include "support/temp_dir.h"

namespace cryptometrics {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::TickerFields;

const std::vector<std::string> kProducts{"BTC-USD", "ETH-USD", "LTC-USD"};

// A replay in Coinbase's format: each product's first ticker without a time, as Coinbase sends
// it after a subscribe; sequences that jump, as the ticker channel's do; one ticker sent twice
// (not newer than its product's last, so dropped); prices of up to 18 fractional digits.
struct Replay {
  std::vector<std::string> messages;
  std::vector<TickerFields> admitted;  // what the feed passes on, in order
};

Replay make_replay() {
  Replay replay;
  const std::map<std::string, std::string> levels{
      {"BTC-USD", "90000"}, {"ETH-USD", "3000"}, {"LTC-USD", "80"}};
  for (int step = 0; step < 8; ++step) {
    for (const auto& product : kProducts) {
      TickerFields fields{
          product, 5'000 + 37 * step, levels.at(product) + "." + std::to_string(10 + step * 3),
          levels.at(product) + "." + std::to_string(20 + step * 5) + "00000000000001",
          std::nullopt};
      if (step > 0) fields.time = "2026-11-30T10:00:0" + std::to_string(step) + ".250000Z";
      replay.messages.push_back(testing::ticker_message(fields));
      replay.admitted.push_back(fields);
    }
    if (step == 4) replay.messages.push_back(replay.messages[replay.messages.size() - 2]);
  }
  return replay;
}

std::map<std::string, testing::ExpectedRow> expected_metrics(const Replay& replay) {
  std::map<std::string, testing::ExpectedPair> pairs;
  std::map<std::string, testing::ExpectedRow> rows;
  for (const auto& ticker : replay.admitted) {
    auto& pair = pairs.try_emplace(ticker.product_id, 5).first->second;
    rows[ticker.product_id] = pair.add(ticker.product_id, testing::parse_units(ticker.best_bid),
                                       testing::parse_units(ticker.best_ask));
  }
  return rows;
}

// The replay served over TLS by a certificate of this run, which TLS_CA_FILE trusts.
class ReplayTest : public ::testing::Test {
 protected:
  testing::TempDir directory;
  testing::TestCertificate certificate = testing::make_certificate(directory, "feed");
  Replay replay = make_replay();
  testing::ReplayServer server{
      {.certificate = certificate, .plans = {{.messages = replay.messages}}}};
};

using FeedCommand = ReplayTest;
using RunWithCoinbaseFeed = ReplayTest;

TEST_F(FeedCommand, ProducesEachNewTickerAsReceivedKeyedByProduct) {
  testing::KafkaDev broker{directory};
  testing::Process feed{testing::crypto_metrics_binary(),
                        {"feed"},
                        testing::isolated(directory, testing::free_port(),
                                          {{"KAFKA_BOOTSTRAP_SERVERS", broker.bootstrap_servers()},
                                           {"COINBASE_WS_URL", server.url()},
                                           {"TLS_CA_FILE", certificate.certificate.string()},
                                           {"PAIRS", "BTC-USD,ETH-USD,LTC-USD"}}),
                        directory.path()};
  testing::TopicReader reader{broker.bootstrap_servers(), "crypto_prices", 3};

  const auto messages = reader.read(replay.admitted.size(), 30s);

  ASSERT_EQ(messages.size(), replay.admitted.size()) << feed.stderr_text();
  EXPECT_TRUE(reader.read(1, 2s).empty()) << "the repeated ticker is not produced";
  std::map<std::string, std::vector<std::string>> asks_by_key;
  for (const auto& message : messages) {
    const auto ticker = json::parse(message.payload);
    EXPECT_EQ(ticker["product_id"], message.key);
    EXPECT_TRUE(ticker.contains("time")) << message.payload;
    asks_by_key[message.key].push_back(ticker["best_ask"].get<std::string>());
  }
  for (const auto& ticker : replay.admitted) {
    auto& asks = asks_by_key[ticker.product_id];
    ASSERT_FALSE(asks.empty());
    EXPECT_EQ(asks.front(), ticker.best_ask) << "exact, and in the order received";
    asks.erase(asks.begin());
  }
  feed.send_signal(SIGTERM);
  EXPECT_EQ(feed.wait(30s), 0) << feed.stderr_text();
  EXPECT_NE(feed.stderr_text().find("feed stopped: 24 quotes produced, 24 delivered"),
            std::string::npos)
      << feed.stderr_text();
}

TEST_F(FeedCommand, NeedsABroker) {
  testing::Process feed{testing::crypto_metrics_binary(),
                        {"feed"},
                        testing::isolated(directory, testing::free_port()),
                        directory.path()};

  EXPECT_EQ(feed.wait(30s), 2);
  EXPECT_NE(feed.stderr_text().find("KAFKA_BOOTSTRAP_SERVERS is not set"), std::string::npos);
}

TEST_F(RunWithCoinbaseFeed, ServesTheMetricsOfTheReplayedTickers) {
  testing::Service service{directory,
                           {{"FEED", "coinbase"},
                            {"COINBASE_WS_URL", server.url()},
                            {"TLS_CA_FILE", certificate.certificate.string()},
                            {"PAIRS", "BTC-USD,ETH-USD,LTC-USD"}}};

  service.wait_for_total(static_cast<std::int64_t>(replay.admitted.size()), 60s);

  for (const auto& [pair, expected] : expected_metrics(replay)) {
    const auto metrics = json::parse(service.get("/metrics/" + pair).body);
    EXPECT_EQ(metrics["bid"], expected.bid) << pair;
    EXPECT_EQ(metrics["ask"], expected.ask) << pair;
    EXPECT_EQ(metrics["mid_price"], expected.mid_price) << pair;
    EXPECT_EQ(metrics["spread"], expected.spread) << pair;
    EXPECT_EQ(metrics["highest_bid"], expected.highest_bid) << pair;
    EXPECT_EQ(metrics["lowest_ask"], expected.lowest_ask) << pair;
    EXPECT_EQ(metrics["max_spread"], expected.max_spread) << pair;
    EXPECT_EQ(metrics["moving_avg"], expected.moving_avg) << pair;
    EXPECT_EQ(metrics["count"], expected.count) << pair;
    EXPECT_EQ(metrics["timestamp"], "2026-11-30T10:00:07.250000Z") << pair;
  }
  const auto ready = json::parse(service.get("/readyz").body);
  EXPECT_EQ(ready["feed"]["state"], "subscribed") << ready.dump();
  EXPECT_EQ(ready["feed"]["url"], server.url());
  for (const auto& product : kProducts) {
    EXPECT_TRUE(ready["feed"]["last_ticker"][product].is_string()) << ready.dump();
  }
  const auto prometheus = service.get("/prometheus").body;
  for (const auto* line :
       {"crypto_metrics_feed_messages_total{type=\"ticker\"} 25",
        "crypto_metrics_feed_tickers_dropped_total{reason=\"stale_sequence\"} 1",
        "crypto_metrics_feed_tickers_timed_on_receipt_total 3",
        "crypto_metrics_feed_tickers_produced_total 24", "crypto_metrics_feed_reconnects_total 0",
        "crypto_metrics_feed_state{state=\"subscribed\"} 1"}) {
    EXPECT_NE(prometheus.find(line), std::string::npos) << line << "\n" << prometheus;
  }
  EXPECT_EQ(service.stop(), 0);
  EXPECT_NE(service.process().stderr_text().find("the Coinbase feed at " + server.url()),
            std::string::npos);
}

}  // namespace
}  // namespace cryptometrics

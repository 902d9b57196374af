#include "feed/coinbase_feed.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "market/timestamp.h"
#include "support/coinbase_messages.h"
#include "support/replay_server.h"
#include "support/temp_dir.h"

namespace cryptometrics::feed {
namespace {

using namespace std::chrono_literals;
using testing::ConnectionPlan;
using testing::ReplayServer;
using testing::ticker_message;

const std::vector<std::string> kProducts{"BTC-USD", "ETH-USD"};

std::string ticker(const std::string& product, std::int64_t sequence, const std::string& bid,
                   const std::string& ask) {
  return ticker_message(
      {product, sequence, bid, ask, std::optional<std::string>{"2026-11-30T10:00:00.123456Z"}});
}

// The real client against the replay server, on an io_context the test runs.
class FeedUnderTest {
 public:
  FeedUnderTest(const ReplayServer& server, const std::filesystem::path& ca_file,
                std::chrono::milliseconds stale_after = 1s)
      : feed_{io_,
              {.endpoint = {"127.0.0.1", server.port(), "/"},
               .ca_file = ca_file.string(),
               .products = kProducts,
               .stale_after = stale_after,
               .subscribe_timeout = 3s},
              [this](Outgoing outgoing) { published.push_back(std::move(outgoing)); }} {
    feed_.start();
  }

  ~FeedUnderTest() {
    feed_.stop();
    io_.run_for(1s);
  }

  // Runs the feed until `done` holds; false on timeout.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.run_for(10ms);
    }
    return true;
  }

  const FeedStatus& status() const { return feed_.status(); }

  std::vector<Outgoing> published;

 private:
  boost::asio::io_context io_;
  CoinbaseFeed feed_;
};

class CoinbaseFeedTest : public ::testing::Test {
 protected:
  testing::TempDir directory;
  testing::TestCertificate trusted = testing::make_certificate(directory, "trusted");
};

TEST_F(CoinbaseFeedTest, SubscribesAtOnceAndPublishesTickersExactlyAsReceived) {
  const auto first = ticker("BTC-USD", 100, "90000.10", "90000.20");
  const auto second = ticker("ETH-USD", 7, "3000.000000000000000001", "3000.5");
  ReplayServer server{
      {.certificate = trusted,
       .plans = {{.messages = {first, R"({"type":"status","products":[]})", second}}}}};
  FeedUnderTest feed{server, trusted.certificate};

  ASSERT_TRUE(feed.run_until([&] { return feed.published.size() == 2; }));

  EXPECT_EQ(feed.published[0].product_id, "BTC-USD");
  EXPECT_EQ(feed.published[0].payload, first);
  EXPECT_EQ(feed.published[1].payload, second);
  EXPECT_EQ(feed.status().state, FeedState::subscribed);
  EXPECT_EQ(feed.status().counters.unknown, 1U);
  EXPECT_TRUE(feed.status().last_ticker.at("BTC-USD").has_value());
  const auto record = server.record();
  ASSERT_EQ(record.subscribes.size(), 1U);
  const auto subscribe = nlohmann::json::parse(record.subscribes[0]);
  EXPECT_EQ(subscribe["type"], "subscribe");
  EXPECT_EQ(subscribe["product_ids"], nlohmann::json(kProducts));
  EXPECT_EQ(subscribe["channels"], nlohmann::json({"ticker", "heartbeat"}));
  EXPECT_LT(record.subscribe_delays[0], 5s) << "Coinbase drops a client not subscribed in 5 s";
}

TEST_F(CoinbaseFeedTest, FirstTickerWithoutTimeCarriesItsReceiptTime) {
  const auto untimed = ticker_message({"BTC-USD", 100, "90000.10", "90000.20", std::nullopt});
  ReplayServer server{{.certificate = trusted, .plans = {{.messages = {untimed}}}}};
  FeedUnderTest feed{server, trusted.certificate};
  const auto before = std::chrono::system_clock::now();

  ASSERT_TRUE(feed.run_until([&] { return feed.published.size() == 1; }));

  const auto published = nlohmann::json::parse(feed.published[0].payload);
  const auto time = market::parse_rfc3339(published["time"].get<std::string>());
  ASSERT_TRUE(time.has_value());
  EXPECT_GE(*time, std::chrono::floor<std::chrono::microseconds>(before));
  EXPECT_LE(*time, std::chrono::system_clock::now());
  auto without_time = published;
  without_time.erase("time");
  EXPECT_EQ(without_time, nlohmann::json::parse(untimed));
  EXPECT_EQ(feed.status().counters.timed_on_receipt, 1U);
}

TEST_F(CoinbaseFeedTest, DropsTickersNotNewerThanTheirProductsLastAndKeepsJumps) {
  ReplayServer server{
      {.certificate = trusted,
       .plans = {
           {.messages = {ticker("BTC-USD", 100, "1.1", "1.2"), ticker("BTC-USD", 250, "1.1", "1.3"),
                         ticker("BTC-USD", 250, "1.1", "1.3"), ticker("BTC-USD", 200, "1.0", "1.2"),
                         ticker("ETH-USD", 3, "2.0", "2.1"),
                         ticker("BTC-USD", 9000, "1.1", "1.4")}}}}};
  FeedUnderTest feed{server, trusted.certificate};

  ASSERT_TRUE(feed.run_until([&] { return feed.status().counters.tickers == 6; }));

  std::vector<std::string> asks;
  for (const auto& outgoing : feed.published) {
    asks.push_back(nlohmann::json::parse(outgoing.payload)["best_ask"].get<std::string>());
  }
  EXPECT_EQ(asks, (std::vector<std::string>{"1.2", "1.3", "2.1", "1.4"}));
  EXPECT_EQ(feed.status().counters.stale_sequence, 2U);
  EXPECT_EQ(feed.status().counters.reconnects, 0U) << "a jump in sequence is not a gap";
}

TEST_F(CoinbaseFeedTest, WatchdogReconnectsWhenHeartbeatsStop) {
  ReplayServer server{{.certificate = trusted,
                       .plans = {{.messages = {ticker("BTC-USD", 1, "1.1", "1.2")},
                                  .heartbeats = false,
                                  .end = ConnectionPlan::End::go_silent},
                                 {.messages = {ticker("BTC-USD", 2, "1.1", "1.3")}}}}};
  FeedUnderTest feed{server, trusted.certificate, 1s};

  ASSERT_TRUE(feed.run_until([&] { return feed.published.size() == 2; }));

  EXPECT_EQ(feed.status().counters.reconnects, 1U);
  EXPECT_NE(feed.status().last_disconnect.find("no message of "), std::string::npos)
      << feed.status().last_disconnect;
  EXPECT_EQ(feed.status().state, FeedState::subscribed);
  EXPECT_EQ(server.record().websocket_connections, 2);
}

TEST_F(CoinbaseFeedTest, ReconnectsAfterAnAbruptAndACleanClose) {
  ReplayServer server{{.certificate = trusted,
                       .plans = {{.messages = {ticker("BTC-USD", 1, "1.1", "1.2")},
                                  .end = ConnectionPlan::End::close_abruptly},
                                 {.messages = {ticker("BTC-USD", 2, "1.1", "1.3")},
                                  .end = ConnectionPlan::End::close_cleanly},
                                 {.messages = {ticker("BTC-USD", 3, "1.1", "1.4")}}}}};
  FeedUnderTest feed{server, trusted.certificate};
  std::vector<std::string> reasons;

  ASSERT_TRUE(feed.run_until([&] {
    if (feed.status().last_disconnect != (reasons.empty() ? "" : reasons.back())) {
      reasons.push_back(feed.status().last_disconnect);
    }
    return feed.published.size() == 3;
  }));

  ASSERT_EQ(reasons.size(), 2U);
  EXPECT_NE(reasons[0].find("without closing it"), std::string::npos) << reasons[0];
  EXPECT_NE(reasons[1].find("closed the websocket (code 1000"), std::string::npos) << reasons[1];
  EXPECT_EQ(feed.status().counters.connection_attempts, 3U);
  // Full jitter alone would often come back at once (each subscription starts the backoff
  // over, from a ceiling of 1 s): at most one attempt a second holds them apart.
  const auto connected_at = server.record().connected_at;
  ASSERT_EQ(connected_at.size(), 3U);
  for (std::size_t at = 1; at < connected_at.size(); ++at) {
    EXPECT_GE(connected_at[at] - connected_at[at - 1], 950ms) << "attempt " << at + 1;
  }
}

TEST_F(CoinbaseFeedTest, ErrorMessageIsCountedAndTheConnectionMadeAnew) {
  ReplayServer server{
      {.certificate = trusted,
       .plans = {{.messages = {testing::error_message("Failed to subscribe", "too many")},
                  .end = ConnectionPlan::End::close_cleanly},
                 {.messages = {ticker("ETH-USD", 5, "2.0", "2.1")}}}}};
  FeedUnderTest feed{server, trusted.certificate};

  ASSERT_TRUE(feed.run_until([&] { return feed.published.size() == 1; }));

  EXPECT_EQ(feed.status().counters.errors, 1U);
  EXPECT_EQ(feed.status().last_disconnect,
            "Coinbase sent an error: Failed to subscribe (too many)");
}

TEST_F(CoinbaseFeedTest, ReconnectsWhenTheServerDropsAnUnansweredSubscription) {
  ReplayServer server{
      {.certificate = trusted,
       .plans = {{.ignore_subscribe = true}, {.messages = {ticker("ETH-USD", 5, "2.0", "2.1")}}},
       .subscribe_deadline = 1s}};
  FeedUnderTest feed{server, trusted.certificate};

  ASSERT_TRUE(feed.run_until([&] { return feed.published.size() == 1; }));

  EXPECT_EQ(feed.status().counters.reconnects, 1U);
  EXPECT_NE(feed.status().last_disconnect.find("closed the websocket"), std::string::npos)
      << feed.status().last_disconnect;
  EXPECT_EQ(server.record().subscribes.size(), 1U) << "the first subscribe was ignored";
}

TEST_F(CoinbaseFeedTest, RefusesAServerWhoseCertificateItDoesNotTrust) {
  const auto stranger = testing::make_certificate(directory, "stranger");
  ReplayServer server{
      {.certificate = stranger, .plans = {{.messages = {ticker("BTC-USD", 1, "1.1", "1.2")}}}}};
  FeedUnderTest feed{server, trusted.certificate};

  ASSERT_TRUE(feed.run_until([&] { return feed.status().counters.reconnects == 2; }));

  EXPECT_TRUE(feed.published.empty());
  EXPECT_NE(feed.status().last_disconnect.find("certificate is not trusted"), std::string::npos)
      << feed.status().last_disconnect;
  EXPECT_NE(feed.status().last_disconnect.find("TLS_CA_FILE"), std::string::npos);
  EXPECT_EQ(server.record().websocket_connections, 0);
  EXPECT_FALSE(feed.status().last_ticker.at("BTC-USD").has_value());
}

TEST_F(CoinbaseFeedTest, RefusesATrustedCertificateForAnotherHost) {
  const auto elsewhere = testing::make_certificate(directory, "elsewhere", "DNS:elsewhere.test");
  ReplayServer server{
      {.certificate = elsewhere, .plans = {{.messages = {ticker("BTC-USD", 1, "1.1", "1.2")}}}}};
  FeedUnderTest feed{server, elsewhere.certificate};

  ASSERT_TRUE(feed.run_until([&] { return feed.status().counters.reconnects == 1; }));

  EXPECT_TRUE(feed.published.empty());
  EXPECT_NE(feed.status().last_disconnect.find("does not name this host"), std::string::npos)
      << feed.status().last_disconnect;
  EXPECT_EQ(server.record().websocket_connections, 0);
}

}  // namespace
}  // namespace cryptometrics::feed

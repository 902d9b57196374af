#include "feed/ticker_publisher.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "feed/coinbase_feed.h"
#include "kafka/embedded_broker.h"
#include "kafka/producer.h"
#include "kafka/topic_reader.h"
#include "support/coinbase_messages.h"
#include "support/replay_server.h"
#include "support/temp_dir.h"

namespace cryptometrics::feed {
namespace {

using namespace std::chrono_literals;

constexpr int kTickers = 400;
constexpr TickerPublisher::Limits kLimits{.queue_capacity = 20, .in_flight = 10};

bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.run_for(10ms);
  }
  return true;
}

// While Kafka is down the feed keeps taking tickers, holds at most the producer's in-flight
// share and its queue, and when Kafka returns the topic ends with each product's latest.
TEST(TickerPublisher, KafkaDownKeepsMemoryBoundedAndEachProductsLatest) {
  testing::TempDir directory;
  const auto certificate = testing::make_certificate(directory, "feed");
  std::vector<std::string> tickers;
  std::map<std::string, std::string> latest;
  for (int index = 0; index < kTickers; ++index) {
    const std::string product = index % 2 == 0 ? "BTC-USD" : "ETH-USD";
    const std::string ask = "100." + std::to_string(index);
    tickers.push_back(testing::ticker_message(
        {product, 1000 + index, "100", ask, std::optional<std::string>{"2026-11-30T10:00:00Z"}}));
    latest[product] = tickers.back();
  }
  testing::ReplayServer server{{.certificate = certificate, .plans = {{.messages = tickers}}}};
  kafka::EmbeddedBroker broker{"crypto_prices", 3};
  boost::asio::io_context io;
  kafka::Producer producer{broker.bootstrap_servers()};
  TickerPublisher publisher{io, producer, "crypto_prices", kLimits};
  CoinbaseFeed feed{io,
                    {.endpoint = {"127.0.0.1", server.port(), "/"},
                     .ca_file = certificate.certificate.string(),
                     .products = {"BTC-USD", "ETH-USD"}},
                    [&](Outgoing outgoing) { publisher.publish(std::move(outgoing)); }};
  broker.set_down();
  publisher.start();
  feed.start();

  ASSERT_TRUE(run_until(
      io, [&] { return feed.status().counters.tickers == kTickers; }, 30s));
  EXPECT_LE(publisher.waiting(), kLimits.queue_capacity);
  EXPECT_LE(producer.queued(), kLimits.in_flight);
  EXPECT_GT(publisher.dropped(), 0U);
  broker.set_up();
  ASSERT_TRUE(run_until(
      io, [&] { return publisher.waiting() == 0 && producer.delivered() == publisher.produced(); },
      60s));
  feed.stop();
  publisher.stop();

  EXPECT_EQ(publisher.produced() + publisher.dropped(), static_cast<std::uint64_t>(kTickers));
  testing::TopicReader reader{broker.bootstrap_servers(), "crypto_prices", 3};
  const auto messages = reader.read(publisher.produced(), 30s);
  ASSERT_EQ(messages.size(), publisher.produced());
  std::map<std::string, std::string> last_on_topic;
  for (const auto& message : messages) last_on_topic[message.key] = message.payload;
  EXPECT_EQ(last_on_topic, latest);
}

}  // namespace
}  // namespace cryptometrics::feed

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdint>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "http/book_feed.h"
#include "http/routes.h"
#include "http/running_server.h"
#include "market/quote.h"
#include "metrics/book.h"
#include "metrics/latency_histogram.h"
#include "support/event_stream_client.h"
#include "support/http_client.h"

namespace cryptometrics::http {
namespace {

using namespace std::chrono_literals;
using cryptometrics::testing::EventStreamClient;
using cryptometrics::testing::http_request;
using cryptometrics::testing::ServerSentEvent;

market::Quote quote(std::string pair, std::int64_t step) {
  const auto price = [](std::int64_t value) {
    return std::get<market::Decimal>(market::Decimal::parse(std::to_string(value)));
  };
  return {std::move(pair), price(1000 + step % 97), price(1100 + step % 89),
          market::Timestamp{std::chrono::seconds{1'700'000'000 + step}}};
}

Readiness ready() { return {.kafka_ready = true, .kafka_state = "assigned", .storage = {}}; }

// A server whose book the test changes on the server's own event loop, as the ingestor does.
class StreamTest : public ::testing::Test {
 protected:
  void start(Limits limits = {}) {
    book_.on_change([this](std::uint64_t version, const metrics::Snapshot* snapshot,
                           const metrics::Origin* origin) {
      feed_.changed(version, snapshot, origin);
    });
    server_.emplace(io_, router_, limits);
  }

  // Folds `quotes` into the book on the event loop, `per_turn` at a time (one turn each), and
  // returns once they all are.
  void apply(const std::vector<market::Quote>& quotes, std::size_t per_turn = 1) {
    for (std::size_t first = 0; first < quotes.size(); first += per_turn) {
      std::promise<void> done;
      boost::asio::post(io_, [&] {
        for (std::size_t i = first; i < std::min(quotes.size(), first + per_turn); ++i) {
          book_.apply(quotes[i]);
        }
        done.set_value();
      });
      done.get_future().get();
    }
  }

  std::uint64_t book_version() {
    std::promise<std::uint64_t> version;
    boost::asio::post(io_, [&] { version.set_value(book_.version()); });
    return version.get_future().get();
  }

  std::string metrics_of(const std::string& pair) {
    return http_request("GET", "127.0.0.1", server_->port(), "/metrics/" + pair).body;
  }

  boost::asio::io_context io_;
  metrics::Book book_{5};
  BookFeed feed_{io_};
  metrics::LatencyHistogram latency_;
  Router router_{{.book = book_, .latency = latency_, .readiness = ready, .book_feed = &feed_}};
  std::optional<RunningServer> server_;
};

std::uint64_t id_of(const ServerSentEvent& event) { return std::stoull(event.id); }
std::string pair_of(const ServerSentEvent& event) {
  return nlohmann::json::parse(event.data).at("pair");
}

TEST_F(StreamTest, FirstEveryPairThenEachUpdateInOrder) {
  start();
  apply({quote("ETH-USD", 1), quote("BTC-USD", 2)});
  EventStreamClient client{server_->port(), "/stream"};

  EXPECT_EQ(client.response().status, 200u);
  EXPECT_EQ(client.response().headers.at("content-type"), "text/event-stream");
  EXPECT_EQ(client.response().headers.at("cache-control"), "no-store");
  EXPECT_EQ(client.response().headers.at("connection"), "close");
  const auto first = client.next();
  const auto second = client.next();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(client.retry(), "2000");
  EXPECT_EQ(first->type, "metrics");
  EXPECT_EQ(pair_of(*first), "ETH-USD");
  EXPECT_EQ(first->data, metrics_of("ETH-USD"));
  EXPECT_EQ(pair_of(*second), "BTC-USD");
  EXPECT_EQ(second->data, metrics_of("BTC-USD"));
  EXPECT_LT(id_of(*first), id_of(*second));

  // One quote per turn of the loop, read as it comes: every update is an event, in order.
  std::vector<market::Quote> updates;
  for (int step = 3; step < 33; ++step) updates.push_back(quote(step % 2 ? "BTC-USD" : "SOL-USD", step));
  std::uint64_t last_id = id_of(*second);
  for (const market::Quote& update : updates) {
    apply({update});
    const auto event = client.next();
    ASSERT_TRUE(event);
    EXPECT_GT(id_of(*event), last_id);
    last_id = id_of(*event);
    EXPECT_EQ(pair_of(*event), update.pair);
    EXPECT_EQ(event->data, metrics_of(update.pair));
  }
}

TEST_F(StreamTest, PairStreamCarriesOnlyThatPairAndWaitsForItsFirstQuote) {
  start();
  apply({quote("ETH-USD", 1)});
  EventStreamClient client{server_->port(), "/stream/btc-usd"};
  EXPECT_EQ(client.response().status, 200u);

  apply({quote("ETH-USD", 2), quote("BTC-USD", 3), quote("ETH-USD", 4), quote("BTC-USD", 5)});

  for (int expected_count : {1, 2}) {
    const auto event = client.next();
    ASSERT_TRUE(event);
    EXPECT_EQ(pair_of(*event), "BTC-USD");
    EXPECT_EQ(nlohmann::json::parse(event->data).at("count"), expected_count);
  }
}

// A thousand quotes folded into the book in one turn of the event loop, as a batch from Kafka
// is: a client that keeps up still gets each of them.
TEST_F(StreamTest, ClientThatKeepsUpGetsEveryUpdateOfABatch) {
  start();
  apply({quote("BTC-USD", 0)});
  EventStreamClient client{server_->port(), "/stream"};
  ASSERT_TRUE(client.next());

  std::vector<market::Quote> batch;
  for (int step = 1; step <= 1000; ++step) batch.push_back(quote(step % 2 ? "ETH-USD" : "BTC-USD", step));
  apply(batch, batch.size());

  std::map<std::string, std::int64_t> counts;
  std::uint64_t last_id = 0;
  for (const market::Quote& expected : batch) {
    const auto event = client.next();
    ASSERT_TRUE(event);
    EXPECT_GT(id_of(*event), last_id);
    last_id = id_of(*event);
    ASSERT_EQ(pair_of(*event), expected.pair);
    EXPECT_EQ(nlohmann::json::parse(event->data).at("count"),
              ++counts[expected.pair] + (expected.pair == "BTC-USD" ? 1 : 0));
  }
  EXPECT_EQ(last_id, book_version());
}

// Thousands of other pairs' updates come first in what the feed keeps: the one of the stream's
// pair still comes at once, not with the next change.
TEST_F(StreamTest, PairStreamFindsItsUpdateBehindManyOfOtherPairs) {
  start();
  apply({quote("BTC-USD", 0)});
  EventStreamClient client{server_->port(), "/stream/BTC-USD"};
  ASSERT_TRUE(client.next());

  std::vector<market::Quote> batch;
  for (int step = 1; step <= 3000; ++step) batch.push_back(quote("ETH-USD", step));
  batch.push_back(quote("BTC-USD", 3001));
  apply(batch, batch.size());

  const auto event = client.next(2s);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->data, metrics_of("BTC-USD"));
}

TEST_F(StreamTest, MalformedPairIs400AndHeadIsTheHeaderAlone) {
  start();
  EXPECT_EQ(http_request("GET", "127.0.0.1", server_->port(), "/stream/not-a-pair!").status, 400u);
  EXPECT_EQ(http_request("GET", "127.0.0.1", server_->port(), "/stream/a/b").status, 404u);

  const auto head = http_request("HEAD", "127.0.0.1", server_->port(), "/stream");

  EXPECT_EQ(head.status, 200u);
  EXPECT_EQ(head.headers.at("content-type"), "text/event-stream");
  EXPECT_TRUE(head.body.empty());
}

TEST(StreamRoute, Is503WithoutABookFeed) {
  const metrics::Book book{5};
  const metrics::LatencyHistogram latency;
  Router router{{.book = book, .latency = latency, .readiness = ready}};
  RunningServer server{router};

  EXPECT_EQ(http_request("GET", "127.0.0.1", server.port(), "/stream").status, 503u);
}

// The client reads nothing while 30,000 quotes of 3 pairs go into the book, a hundred per turn
// of the loop: it then gets far fewer events than updates, in order, ending with each pair's
// latest metrics.
TEST_F(StreamTest, ClientSlowerThanTheBookGetsEachPairsLatest) {
  start();
  const std::vector<std::string> pairs{"BTC-USD", "ETH-USD", "SOL-USD"};
  apply({quote(pairs[0], 0)});
  EventStreamClient client{server_->port(), "/stream", 4096};
  ASSERT_TRUE(client.next());

  std::vector<market::Quote> updates;
  for (int step = 1; step <= 30'000; ++step) updates.push_back(quote(pairs[step % 3], step));
  apply(updates, 100);

  std::map<std::string, std::string> latest;
  for (const std::string& pair : pairs) latest[pair] = metrics_of(pair);
  std::map<std::string, std::string> seen;
  std::uint64_t last_id = 0;
  std::size_t events = 0;
  while (seen != latest) {
    const auto event = client.next();
    ASSERT_TRUE(event);
    ++events;
    EXPECT_GT(id_of(*event), last_id);
    last_id = id_of(*event);
    seen[pair_of(*event)] = event->data;
  }
  EXPECT_LT(events, updates.size() / 2) << "events were not coalesced";

  // Caught up, it gets updates one by one again.
  apply({quote(pairs[1], 30'001), quote(pairs[2], 30'002), quote(pairs[1], 30'003)}, 3);
  for (int step = 30'001; step <= 30'003; ++step) {
    const auto event = client.next();
    ASSERT_TRUE(event);
    EXPECT_EQ(pair_of(*event), pairs[step % 2 ? 1 : 2]);
    EXPECT_GT(id_of(*event), last_id);
    last_id = id_of(*event);
  }
  EXPECT_EQ(last_id, book_version());
}

TEST_F(StreamTest, QuietStreamSendsKeepAliveComments) {
  start({.stream_keep_alive = 200ms});
  apply({quote("BTC-USD", 1)});
  EventStreamClient client{server_->port(), "/stream"};
  ASSERT_TRUE(client.next());

  EXPECT_THROW(client.next(900ms), std::runtime_error);

  EXPECT_GE(client.comments(), 3u);
  EXPECT_LE(client.comments(), 5u);
}

TEST_F(StreamTest, StopEndsEveryStreamAfterItsWholeEvents) {
  start();
  apply({quote("BTC-USD", 1)});
  EventStreamClient all{server_->port(), "/stream"};
  EventStreamClient one{server_->port(), "/stream/ETH-USD"};
  ASSERT_TRUE(all.next());

  const auto before = std::chrono::steady_clock::now();
  ASSERT_TRUE(server_->stop_and_wait(2s));

  EXPECT_LT(std::chrono::steady_clock::now() - before, 1s);
  EXPECT_FALSE(all.next());
  EXPECT_TRUE(all.ended_cleanly());
  EXPECT_FALSE(one.next());
  EXPECT_TRUE(one.ended_cleanly());
}

// The client's buffers fill, the server's write stalls and after request_timeout the server
// drops the client, while one that reads keeps its stream.
TEST_F(StreamTest, ClientThatStopsReadingIsDroppedOnceAWriteStalls) {
  start({.request_timeout = 1s});
  apply({quote("BTC-USD", 0)});
  EventStreamClient stalled{server_->port(), "/stream", 4096};
  EventStreamClient reading{server_->port(), "/stream/BTC-USD"};
  ASSERT_TRUE(reading.next());

  int step = 1;
  const auto until = std::chrono::steady_clock::now() + 3s;
  while (std::chrono::steady_clock::now() < until) {
    apply({quote("BTC-USD", step++)});
    ASSERT_TRUE(reading.next());
  }

  std::size_t events = 0;
  while (stalled.next()) ++events;
  EXPECT_GT(events, 0u);
  EXPECT_LT(stalled.bytes_read(), static_cast<std::size_t>(step) * 400)
      << "the stalled client got every update";
  apply({quote("BTC-USD", step)});
  const auto still = reading.next();
  ASSERT_TRUE(still);
  EXPECT_EQ(still->data, metrics_of("BTC-USD"));
}

// A stream's events are made on the event loop, behind the session's barrier like any answer.
// One that cannot be made (a pair that is not UTF-8 in the book, which the decoder never lets in)
// ends that stream, and the server goes on.
TEST_F(StreamTest, AStreamWhoseEventCannotBeMadeEndsAndTheServerGoesOn) {
  start();
  apply({quote("BTC-USD", 1)});
  EventStreamClient client{server_->port(), "/stream"};
  ASSERT_TRUE(client.next());

  apply({quote("\xff-USD", 2)});

  EXPECT_FALSE(client.next().has_value());
  EXPECT_EQ(http_request("GET", "127.0.0.1", server_->port(), "/healthz").status, 200u);
}

}  // namespace
}  // namespace cryptometrics::http

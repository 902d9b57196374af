#pragma once

#include <utility>
// Asio after <utility>: Boost 1.74's awaitable.hpp uses std::exchange without including it.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "feed/coinbase_connection.h"
#include "feed/coinbase_message.h"
#include "feed/disconnect_log.h"
#include "feed/feed_status.h"
#include "feed/latest_queue.h"
#include "feed/sequence_filter.h"
#include "feed/watchdog.h"
#include "storage/spool/backoff.h"

namespace cryptometrics::feed {

struct FeedOptions {
  Endpoint endpoint;                  // COINBASE_WS_URL
  std::string ca_file;                // TLS_CA_FILE; empty: the system's CAs
  std::vector<std::string> products;  // PAIRS, which are Coinbase's product ids
  // A product without a message (ticker or heartbeat, which Coinbase sends every second) for this
  // long, or the connection silent as long: the connection is given up and made anew.
  std::chrono::milliseconds stale_after{5'000};
  // Coinbase drops a client that has not subscribed 5 s after connecting; the feed subscribes at
  // once and gives the answer as long to come.
  std::chrono::milliseconds subscribe_timeout{5'000};
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds ping_after{10'000};
  // Between attempts: exponential backoff with full jitter from `first_retry` to `longest_retry`,
  // and never two attempts closer than `attempt_spacing`.
  std::chrono::milliseconds first_retry{1'000};
  std::chrono::milliseconds longest_retry{60'000};
  std::chrono::milliseconds attempt_spacing{1'000};
};

// The Coinbase Exchange websocket ticker feed as a quote source: keeps a subscription to the
// `ticker` and `heartbeat` channels of the products alive, and hands every new ticker, as
// received, to `publish`. Runs on the io_context it is given until stop().
class CoinbaseFeed {
 public:
  using Publish = std::function<void(Outgoing)>;

  // Throws std::runtime_error when the CA certificates cannot be loaded.
  CoinbaseFeed(boost::asio::io_context& io, FeedOptions options, Publish publish);

  void start();
  // Ends the connection or the wait in progress; the feed makes no further attempt.
  void stop();

  const FeedStatus& status() const { return status_; }

 private:
  using Clock = std::chrono::steady_clock;

  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> wait_before_attempt();
  // One connection, from connecting to its end; returns why it ended.
  boost::asio::awaitable<std::string> attempt();
  boost::asio::awaitable<void> subscribe();
  boost::asio::awaitable<void> receive();
  // The next message, or ConnectionEnded when `awaited` did not come within `allowed`.
  boost::asio::awaitable<std::string> next_message(Clock::time_point deadline,
                                                   const std::string& awaited,
                                                   std::chrono::milliseconds allowed);

  // Acts on one message of a subscribed connection; throws ConnectionEnded on an `error`.
  void handle(const std::string& text);
  void on_ticker(Ticker ticker);
  void set_state(FeedState state);
  void record_disconnect(const std::string& reason);

  boost::asio::io_context& io_;
  FeedOptions options_;
  Publish publish_;
  boost::asio::ssl::context tls_;
  boost::asio::steady_timer wait_timer_;
  std::optional<CoinbaseConnection> connection_;
  storage::spool::Backoff backoff_;
  std::mt19937_64 random_;
  std::optional<Clock::time_point> last_attempt_;
  Watchdog watchdog_;
  SequenceFilter sequences_;
  DisconnectLog disconnect_log_;
  FeedStatus status_;
  bool stopped_ = false;
};

}  // namespace cryptometrics::feed

#include "feed/coinbase_feed.h"

#include <spdlog/fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <type_traits>

namespace cryptometrics::feed {
namespace {

namespace asio = boost::asio;
using asio::use_awaitable;

market::Timestamp now_utc() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

std::string seconds_text(std::chrono::milliseconds duration) {
  return fmt::format("{:.1f} s", static_cast<double>(duration.count()) / 1000.0);
}

}  // namespace

CoinbaseFeed::CoinbaseFeed(asio::io_context& io, FeedOptions options, Publish publish)
    : io_{io},
      options_{std::move(options)},
      publish_{std::move(publish)},
      tls_{make_tls_context(options_.ca_file)},
      wait_timer_{io},
      backoff_{options_.first_retry, options_.longest_retry},
      random_{std::random_device{}()},
      watchdog_{options_.products, options_.stale_after} {
  for (const auto& product : options_.products) status_.last_ticker.emplace(product, std::nullopt);
}

void CoinbaseFeed::start() {
  spdlog::info("Coinbase feed: connecting to {} for the ticker and heartbeat of {}",
               options_.endpoint.url(), fmt::join(options_.products, ","));
  asio::co_spawn(io_, run(), [](const std::exception_ptr& failure) {
    if (failure) std::rethrow_exception(failure);
  });
}

void CoinbaseFeed::stop() {
  stopped_ = true;
  set_state(FeedState::stopped);
  wait_timer_.cancel();
  if (connection_) connection_->abandon();
}

asio::awaitable<void> CoinbaseFeed::run() {
  while (!stopped_) {
    co_await wait_before_attempt();
    if (stopped_) break;
    const std::string reason = co_await attempt();
    connection_.reset();
    if (stopped_) break;
    record_disconnect(reason);
  }
}

asio::awaitable<void> CoinbaseFeed::wait_before_attempt() {
  if (!last_attempt_) co_return;
  set_state(FeedState::backing_off);
  const auto jittered = backoff_.next_with_full_jitter(random_);
  const auto earliest = *last_attempt_ + options_.attempt_spacing;
  wait_timer_.expires_at(std::max(Clock::now() + jittered, earliest));
  boost::system::error_code cancelled;
  auto waiting = wait_timer_.async_wait(asio::redirect_error(use_awaitable, cancelled));
  co_await std::move(waiting);
}

asio::awaitable<std::string> CoinbaseFeed::attempt() {
  set_state(FeedState::connecting);
  last_attempt_ = Clock::now();
  ++status_.counters.connection_attempts;
  connection_.emplace(io_.get_executor(), tls_, options_.endpoint);
  std::string reason;
  try {
    co_await connection_->open(options_.connect_timeout, options_.ping_after);
    co_await subscribe();
    co_await receive();
  } catch (const ConnectionEnded& ended) {
    reason = ended.what();
  }
  co_return reason;
}

asio::awaitable<void> CoinbaseFeed::subscribe() {
  co_await connection_->send(subscribe_request(options_.products));
  const auto deadline = Clock::now() + options_.subscribe_timeout;
  for (;;) {
    const std::string text =
        co_await next_message(deadline, "answer to the subscribe", options_.subscribe_timeout);
    ++status_.counters.messages;
    const Message message = parse_message(text);
    if (const auto* error = std::get_if<Error>(&message)) {
      ++status_.counters.errors;
      throw ConnectionEnded("Coinbase refused the subscription to " + options_.endpoint.url() +
                            ": " + error->message + " (" + error->reason + ")");
    }
    if (const auto* subscriptions = std::get_if<Subscriptions>(&message)) {
      ++status_.counters.subscriptions;
      spdlog::info("Coinbase feed: subscribed at {} to {}", options_.endpoint.url(),
                   fmt::join(subscriptions->channels, ","));
      break;
    }
    // Tickers may precede the answer; nothing is lost by taking them.
    handle(text);
  }
  backoff_.reset();
  watchdog_.restart(Clock::now());
  set_state(FeedState::subscribed);
}

asio::awaitable<void> CoinbaseFeed::receive() {
  for (;;) {
    const std::string text = co_await next_message(
        watchdog_.deadline(), "message of " + watchdog_.silent_longest(), options_.stale_after);
    ++status_.counters.messages;
    handle(text);
  }
}

asio::awaitable<std::string> CoinbaseFeed::next_message(Clock::time_point deadline,
                                                        const std::string& awaited,
                                                        std::chrono::milliseconds allowed) {
  auto text = co_await connection_->read(deadline);
  if (text) co_return std::move(*text);
  set_state(FeedState::stale);
  throw ConnectionEnded("no " + awaited + " from " + options_.endpoint.url() + " in " +
                        seconds_text(allowed) + ": reconnecting");
}

void CoinbaseFeed::handle(const std::string& text) {
  std::visit(
      [&](auto&& message) {
        using Kind = std::decay_t<decltype(message)>;
        if constexpr (std::is_same_v<Kind, Ticker>) {
          on_ticker(std::move(message));
        } else if constexpr (std::is_same_v<Kind, Heartbeat>) {
          ++status_.counters.heartbeats;
          watchdog_.heard(message.product_id, Clock::now());
        } else if constexpr (std::is_same_v<Kind, Error>) {
          ++status_.counters.errors;
          throw ConnectionEnded("Coinbase sent an error: " + message.message + " (" +
                                message.reason + ")");
        } else if constexpr (std::is_same_v<Kind, Subscriptions>) {
          // A server may confirm the channels again later; nothing changes.
          ++status_.counters.subscriptions;
        } else if constexpr (std::is_same_v<Kind, Unknown>) {
          ++status_.counters.unknown;
        } else if constexpr (std::is_same_v<Kind, Malformed>) {
          ++status_.counters.malformed;
        }
      },
      parse_message(text));
}

void CoinbaseFeed::on_ticker(Ticker ticker) {
  ++status_.counters.tickers;
  watchdog_.heard(ticker.product_id, Clock::now());
  if (!sequences_.admit(ticker.product_id, ticker.sequence)) {
    ++status_.counters.stale_sequence;
    return;
  }
  const auto received = now_utc();
  status_.last_ticker[ticker.product_id] = received;
  std::string payload = std::move(ticker.text);
  if (!ticker.has_time) {
    // Coinbase's first ticker after a subscribe may come without a time.
    ++status_.counters.timed_on_receipt;
    payload = with_time(payload, market::format_rfc3339(received));
    spdlog::info("Coinbase feed: a ticker of {} came without a time; it carries its receipt time",
                 ticker.product_id);
  }
  publish_(Outgoing{std::move(ticker.product_id), std::move(payload)});
}

void CoinbaseFeed::set_state(FeedState state) {
  if (stopped_ && state != FeedState::stopped) return;
  status_.state = state;
}

void CoinbaseFeed::record_disconnect(const std::string& reason) {
  ++status_.counters.reconnects;
  status_.last_disconnect = reason;
  if (auto line = disconnect_log_.record(reason, Clock::now())) spdlog::warn("{}", *line);
}

}  // namespace cryptometrics::feed

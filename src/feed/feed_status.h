#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "market/timestamp.h"

namespace cryptometrics::feed {

enum class FeedState {
  connecting,   // from the TCP connect to the server's answer to the subscribe
  subscribed,   // tickers flow
  stale,        // a product went quiet or the connection did: the connection is being given up
  backing_off,  // waiting before the next attempt
  stopped,
};

std::string_view state_name(FeedState state);

// Counts since the start, for /prometheus.
struct FeedCounters {
  std::uint64_t messages = 0;  // every message received, of any type
  std::uint64_t tickers = 0;
  std::uint64_t heartbeats = 0;
  std::uint64_t subscriptions = 0;     // the server's answers to a subscribe
  std::uint64_t errors = 0;            // `error` messages from the server
  std::uint64_t unknown = 0;           // messages of a type the feed does not act on, ignored
  std::uint64_t malformed = 0;         // not JSON, no type, no product
  std::uint64_t stale_sequence = 0;    // tickers dropped, not newer than their product's last
  std::uint64_t timed_on_receipt = 0;  // tickers without `time`, given their receipt time
  std::uint64_t connection_attempts = 0;
  std::uint64_t reconnects = 0;  // connections lost (each is followed by another attempt)
};

// What /readyz and the log say of the feed.
struct FeedStatus {
  FeedState state = FeedState::connecting;
  std::string last_disconnect;  // why the last connection ended; empty before the first end
  // Per subscribed product, when its last ticker arrived (nullopt before the first).
  std::map<std::string, std::optional<market::Timestamp>> last_ticker;
  FeedCounters counters;
};

}  // namespace cryptometrics::feed

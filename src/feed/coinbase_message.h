#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cryptometrics::feed {

// The messages of the Coinbase Exchange websocket feed that the feed acts on
// (https://docs.cdp.coinbase.com/exchange/websocket-feed/channels).

// {"type":"subscriptions","channels":[{"name":"ticker","product_ids":["BTC-USD"]},...]}: the
// server's answer to a subscribe, naming the channels now open.
struct Subscriptions {
  std::vector<std::string> channels;
};

// {"type":"ticker","product_id":"BTC-USD","sequence":...,"best_bid":"...","time":"...",...}.
// Kept as the text received, which the consumer decodes itself: prices stay exactly as sent.
// The first ticker after subscribing may lack `time`, `side`, `trade_id` and `last_size`.
struct Ticker {
  std::string product_id;
  std::optional<std::int64_t> sequence;
  bool has_time = false;
  std::string text;
};

// {"type":"heartbeat","product_id":"BTC-USD","sequence":...,"time":"..."}: once a second per
// product, proof that the product's stream is alive when it does not trade.
struct Heartbeat {
  std::string product_id;
};

// {"type":"error","message":"Failed to subscribe","reason":"..."}.
struct Error {
  std::string message;
  std::string reason;
};

// Any other type: Coinbase adds some over time; the feed counts and ignores them.
struct Unknown {
  std::string type;
};

// Not JSON, not an object, no `type`, or a ticker or heartbeat without its product.
struct Malformed {
  std::string reason;
};

using Message = std::variant<Subscriptions, Ticker, Heartbeat, Error, Unknown, Malformed>;

Message parse_message(std::string_view text);

// {"type":"subscribe","product_ids":[...],"channels":["ticker","heartbeat"]}.
std::string subscribe_request(const std::vector<std::string>& product_ids);

// The ticker's text with `"time":"<received>"` added, for a ticker that came without one: the
// consumer needs a time, and the moment it reached us is the best one there is.
std::string with_time(std::string_view ticker_text, std::string_view received_rfc3339);

}  // namespace cryptometrics::feed

#include "feed/coinbase_message.h"

#include <nlohmann/json.hpp>

namespace cryptometrics::feed {
namespace {

using nlohmann::json;

std::string string_field(const json& object, const char* name) {
  const auto found = object.find(name);
  return found != object.end() && found->is_string() ? found->get<std::string>() : std::string{};
}

Message subscriptions_of(const json& object) {
  Subscriptions subscriptions;
  const auto channels = object.find("channels");
  if (channels == object.end() || !channels->is_array()) return subscriptions;
  for (const auto& channel : *channels) {
    // Older servers list plain names, newer ones objects with a name and their products.
    if (channel.is_string()) subscriptions.channels.push_back(channel.get<std::string>());
    if (channel.is_object()) subscriptions.channels.push_back(string_field(channel, "name"));
  }
  return subscriptions;
}

Message ticker_of(const json& object, std::string_view text) {
  Ticker ticker{.product_id = string_field(object, "product_id"),
                .sequence = std::nullopt,
                .text = std::string{text}};
  if (ticker.product_id.empty()) return Malformed{"a ticker without a product_id"};
  const auto sequence = object.find("sequence");
  if (sequence != object.end() && sequence->is_number_integer()) {
    ticker.sequence = sequence->get<std::int64_t>();
  }
  ticker.has_time = object.contains("time");
  return ticker;
}

Message heartbeat_of(const json& object) {
  Heartbeat heartbeat{string_field(object, "product_id")};
  if (heartbeat.product_id.empty()) return Malformed{"a heartbeat without a product_id"};
  return heartbeat;
}

}  // namespace

Message parse_message(std::string_view text) {
  const json object = json::parse(text, nullptr, false);
  if (object.is_discarded()) return Malformed{"not JSON"};
  if (!object.is_object()) return Malformed{"not a JSON object"};
  const std::string type = string_field(object, "type");
  if (type.empty()) return Malformed{"no type"};
  if (type == "ticker") return ticker_of(object, text);
  if (type == "heartbeat") return heartbeat_of(object);
  if (type == "subscriptions") return subscriptions_of(object);
  if (type == "error")
    return Error{string_field(object, "message"), string_field(object, "reason")};
  return Unknown{type};
}

std::string subscribe_request(const std::vector<std::string>& product_ids) {
  return json{
      {"type", "subscribe"}, {"product_ids", product_ids}, {"channels", {"ticker", "heartbeat"}}}
      .dump();
}

std::string with_time(std::string_view ticker_text, std::string_view received_rfc3339) {
  // Inserted as text rather than through a JSON round trip, so that nothing else of the message
  // changes: parse_message() saw an object, so a '{' opens it.
  const auto brace = ticker_text.find('{');
  std::string text{ticker_text.substr(0, brace + 1)};
  text += "\"time\":" + json(std::string{received_rfc3339}).dump() + ",";
  text += ticker_text.substr(brace + 1);
  return text;
}

}  // namespace cryptometrics::feed

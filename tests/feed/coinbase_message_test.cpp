#include "feed/coinbase_message.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace cryptometrics::feed {
namespace {

// Written from Coinbase's documented ticker: every value a string but `sequence` and `trade_id`.
constexpr std::string_view kTicker =
    R"({"type":"ticker","sequence":37475248783,"product_id":"ETH-USD","price":"1285.22",)"
    R"("open_24h":"1310.79","volume_24h":"245532.79269678","low_24h":"1280.52",)"
    R"("high_24h":"1313.8","volume_30d":"9788783.60117027","best_bid":"1285.04",)"
    R"("best_bid_size":"0.46688654","best_ask":"1285.27","best_ask_size":"1.56637040",)"
    R"("side":"buy","time":"2022-10-19T23:28:22.061769Z","trade_id":370843401,)"
    R"("last_size":"11.4396987"})";

TEST(CoinbaseMessage, TickerKeepsItsTextProductSequenceAndTime) {
  const auto message = parse_message(kTicker);

  const auto& ticker = std::get<Ticker>(message);
  EXPECT_EQ(ticker.product_id, "ETH-USD");
  EXPECT_EQ(ticker.sequence, 37475248783);
  EXPECT_TRUE(ticker.has_time);
  EXPECT_EQ(ticker.text, kTicker);
}

TEST(CoinbaseMessage, FirstTickerWithoutTimeSideTradeOrSizesIsStillATicker) {
  const auto message =
      parse_message(R"({"type":"ticker","sequence":5,"product_id":"BTC-USD","price":"90000.01",)"
                    R"("best_bid":"90000.00","best_ask":"90000.02"})");

  const auto& ticker = std::get<Ticker>(message);
  EXPECT_EQ(ticker.product_id, "BTC-USD");
  EXPECT_FALSE(ticker.has_time);
}

TEST(CoinbaseMessage, TickerWithoutSequenceHasNone) {
  const auto message = parse_message(R"({"type":"ticker","product_id":"BTC-USD"})");

  EXPECT_FALSE(std::get<Ticker>(message).sequence.has_value());
}

TEST(CoinbaseMessage, HeartbeatNamesItsProduct) {
  const auto message = parse_message(
      R"({"type":"heartbeat","sequence":90,"last_trade_id":20,"product_id":"BTC-USD",)"
      R"("time":"2014-11-07T08:19:28.464459Z"})");

  EXPECT_EQ(std::get<Heartbeat>(message).product_id, "BTC-USD");
}

TEST(CoinbaseMessage, SubscriptionsListTheOpenChannels) {
  const auto message = parse_message(
      R"({"type":"subscriptions","channels":[{"name":"ticker","product_ids":["BTC-USD"]},)"
      R"({"name":"heartbeat","product_ids":["BTC-USD"]}]})");

  EXPECT_EQ(std::get<Subscriptions>(message).channels,
            (std::vector<std::string>{"ticker", "heartbeat"}));
}

TEST(CoinbaseMessage, ErrorCarriesMessageAndReason) {
  const auto message =
      parse_message(R"({"type":"error","message":"Failed to subscribe","reason":"BAD-PAIR is )"
                    R"(not a valid product"})");

  const auto& error = std::get<Error>(message);
  EXPECT_EQ(error.message, "Failed to subscribe");
  EXPECT_EQ(error.reason, "BAD-PAIR is not a valid product");
}

TEST(CoinbaseMessage, OtherTypesAreUnknownAndBrokenOnesMalformed) {
  EXPECT_EQ(std::get<Unknown>(parse_message(R"({"type":"status","products":[]})")).type, "status");
  EXPECT_TRUE(std::holds_alternative<Malformed>(parse_message("not json")));
  EXPECT_TRUE(std::holds_alternative<Malformed>(parse_message("[1,2]")));
  EXPECT_TRUE(std::holds_alternative<Malformed>(parse_message(R"({"product_id":"BTC-USD"})")));
  EXPECT_TRUE(std::holds_alternative<Malformed>(parse_message(R"({"type":"ticker"})")));
}

TEST(CoinbaseMessage, SubscribeAsksForTickerAndHeartbeatOfEachProduct) {
  const auto request = nlohmann::json::parse(subscribe_request({"BTC-USD", "ETH-USD"}));

  EXPECT_EQ(request["type"], "subscribe");
  EXPECT_EQ(request["product_ids"], nlohmann::json({"BTC-USD", "ETH-USD"}));
  EXPECT_EQ(request["channels"], nlohmann::json({"ticker", "heartbeat"}));
}

TEST(CoinbaseMessage, ReceiptTimeIsAddedWithoutTouchingTheRest) {
  const std::string text = R"({"type":"ticker","product_id":"BTC-USD","best_bid":"1.10"})";

  const auto timed = with_time(text, "2026-11-30T10:00:00.000001Z");

  EXPECT_EQ(timed, R"({"time":"2026-11-30T10:00:00.000001Z","type":"ticker",)"
                   R"("product_id":"BTC-USD","best_bid":"1.10"})");
}

}  // namespace
}  // namespace cryptometrics::feed

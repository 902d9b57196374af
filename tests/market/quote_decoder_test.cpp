#include "market/quote_decoder.h"

#include <gtest/gtest.h>

#include <string>

namespace cryptometrics::market {
namespace {

using namespace std::chrono_literals;

constexpr Timestamp kBrokerTime = Timestamp{std::chrono::sys_days{2026y / 1 / 2} + 3h};

Decimal price(std::string_view text) { return std::get<Decimal>(Decimal::parse(text)); }

Timestamp epoch_micros(std::int64_t micros) { return Timestamp{std::chrono::microseconds{micros}}; }

Quote accepted(std::string_view payload, std::optional<Timestamp> broker = kBrokerTime) {
  const Decoded decoded = decode_quote(payload, broker);
  if (const auto* rejection = std::get_if<Rejection>(&decoded)) {
    ADD_FAILURE() << payload << " rejected: " << rejection->reason;
    return {};
  }
  return std::get<Quote>(decoded);
}

std::string reason(std::string_view payload, std::optional<Timestamp> broker = kBrokerTime) {
  const Decoded decoded = decode_quote(payload, broker);
  if (const auto* quote = std::get_if<Quote>(&decoded)) {
    ADD_FAILURE() << payload << " accepted as " << quote->pair << " " << quote->bid.to_string()
                  << "/" << quote->ask.to_string();
    return {};
  }
  return std::get<Rejection>(decoded).reason;
}

// An original-format message with `fields` after a valid pair.
std::string original(std::string_view fields) {
  return R"({"pair":"BTC-USD",)" + std::string{fields} + "}";
}

TEST(DecodeOriginal, KeepsTheDesignExampleExact) {
  const Quote quote =
      accepted(R"({"pair":"BTC-USD","bid":46396.27,"ask":46535.3,"timestamp":1795484378.0145655})");
  EXPECT_EQ(quote.pair, "BTC-USD");
  EXPECT_EQ(quote.bid.to_string(), "46396.27");
  EXPECT_EQ(quote.ask.to_string(), "46535.3");
  EXPECT_EQ(quote.timestamp, epoch_micros(1'795'484'378'014'566));
}

TEST(DecodeOriginal, ReadsPricesGivenAsDecimalStrings) {
  const Quote quote = accepted(R"({"pair":"eth-usd","bid":"3000.5","ask":"3001"})");
  EXPECT_EQ(quote, (Quote{"ETH-USD", price("3000.5"), price("3001"), kBrokerTime}));
}

TEST(DecodeOriginal, ReadsIntegerAndExponentPrices) {
  EXPECT_EQ(accepted(original(R"("bid":100,"ask":101)")).bid, price("100"));
  EXPECT_EQ(accepted(original(R"("bid":1E2,"ask":1.01e2)")).ask, price("101"));
  EXPECT_EQ(accepted(original(R"("bid":"1E2","ask":"101")")).bid, price("100"));
}

TEST(DecodeOriginal, KeepsPricesPastTwelveFractionalDigitsExactly) {
  const Quote quote = accepted(original(R"("bid":1.0000000000001,"ask":"1.0000000000002")"));
  EXPECT_EQ(quote.bid.to_string(), "1.0000000000001");
  EXPECT_EQ(quote.ask.to_string(), "1.0000000000002");
  EXPECT_LT(quote.bid, quote.ask);
}

TEST(DecodeOriginal, KeepsPricesOfEighteenFractionalDigitsExactly) {
  const Quote quote =
      accepted(original(R"("bid":0.000000000000000001,"ask":"0.123456789012345678")"));
  EXPECT_EQ(quote.bid.to_string(), "0.000000000000000001");
  EXPECT_EQ(quote.ask.to_string(), "0.123456789012345678");
  EXPECT_EQ(accepted(original(R"("bid":1e-18,"ask":"2E-18")")).ask.to_string(),
            "0.000000000000000002");
  EXPECT_EQ(accepted(original(R"("bid":1,"ask":"1.5000000000000000000000")")).ask.to_string(),
            "1.5");
}

TEST(DecodeRejects, PricesOfMoreThanEighteenFractionalDigits) {
  EXPECT_EQ(reason(original(R"("bid":1.0000000000000000001,"ask":2)")),
            "bid '1.0000000000000000001' has more than 18 fractional digits");
  EXPECT_EQ(reason(original(R"("bid":1,"ask":"2.00000000000000000001")")),
            "ask '2.00000000000000000001' has more than 18 fractional digits");
  EXPECT_EQ(reason(original(R"("bid":1e-19,"ask":2)")),
            "bid '1e-19' has more than 18 fractional digits");
  EXPECT_EQ(reason(original(R"("bid":1e-400,"ask":2)")),
            "bid '1e-400' has more than 18 fractional digits");
  EXPECT_EQ(reason(R"({"type":"ticker","product_id":"BTC-USD","best_bid":"0.1234567890123456789",)"
                   R"("best_ask":"1","time":"2026-01-02T03:00:00Z"})"),
            "best_bid '0.1234567890123456789' has more than 18 fractional digits");
}

TEST(DecodeOriginal, AcceptsAnAskEqualToTheBid) {
  EXPECT_EQ(accepted(original(R"("bid":5,"ask":"5.0")")).ask, price("5"));
}

TEST(DecodeRejects, PricesTooPreciseUnderTheirOwnKind) {
  const Decoded decoded =
      decode_quote(original(R"("bid":1.0000000000000000001,"ask":2)"), kBrokerTime);
  ASSERT_TRUE(std::holds_alternative<Rejection>(decoded));
  EXPECT_EQ(std::get<Rejection>(decoded).kind, RejectionKind::price_too_precise);
  EXPECT_EQ(rejection_kind_name(RejectionKind::price_too_precise), "price_too_precise");
}

TEST(DecodeOriginal, AcceptsTheLargestPrice) {
  EXPECT_EQ(
      accepted(original(R"("bid":1,"ask":999999999999999.999999999999999999)")).ask.to_string(),
      "999999999999999.999999999999999999");
}

TEST(DecodeOriginal, ReadsEpochSecondsFromANumberOrANumericString) {
  EXPECT_EQ(accepted(original(R"("bid":1,"ask":2,"timestamp":1795484378)")).timestamp,
            epoch_micros(1'795'484'378'000'000));
  EXPECT_EQ(accepted(original(R"("bid":1,"ask":2,"timestamp":"1795484378.5")")).timestamp,
            epoch_micros(1'795'484'378'500'000));
  EXPECT_EQ(accepted(original(R"("bid":1,"ask":2,"timestamp":1.7954843785E9)")).timestamp,
            epoch_micros(1'795'484'378'500'000));
}

TEST(DecodeOriginal, ReadsRfc3339Timestamps) {
  EXPECT_EQ(
      accepted(original(R"("bid":1,"ask":2,"timestamp":"2026-01-02T04:00:00.25+01:00")")).timestamp,
      kBrokerTime + 250ms);
}

TEST(DecodeOriginal, FallsBackToTheBrokerTimestamp) {
  EXPECT_EQ(accepted(original(R"("bid":1,"ask":2)")).timestamp, kBrokerTime);
  EXPECT_EQ(accepted(original(R"("bid":1,"ask":2,"timestamp":null)")).timestamp, kBrokerTime);
}

TEST(DecodeOriginal, IgnoresUnknownAndNestedFields) {
  const Quote quote = accepted(
      R"({"meta":{"pair":"X","bid":"junk","type":"heartbeat"},"pair":"LTC-USD","bid":"70",)"
      R"("list":[1,{"a":[true,null]},"s"],"ask":"71","source":"test"})");
  EXPECT_EQ(quote, (Quote{"LTC-USD", price("70"), price("71"), kBrokerTime}));
}

TEST(DecodeOriginal, ToleratesWhitespaceAroundJsonTokens) {
  EXPECT_EQ(accepted(" {\n \"pair\" : \"BTC-USD\" ,\t\"bid\":1 , \"ask\" : 2 }\n").ask, price("2"));
}

TEST(DecodeTicker, ReadsACoinbaseTickerMessage) {
  const Quote quote = accepted(
      R"({"type":"ticker","sequence":37475248783,"product_id":"ETH-USD","price":"1285.22",)"
      R"("open_24h":"1310.79","volume_24h":"245532.79269678","low_24h":"1280.52",)"
      R"("high_24h":"1313.8","volume_30d":"9788783.60117027","best_bid":"1285.04",)"
      R"("best_bid_size":"0.46688654","best_ask":"1285.27","best_ask_size":"1.56637040",)"
      R"("side":"buy","time":"2022-10-19T23:28:22.061769Z","trade_id":370843401,)"
      R"("last_size":"11.4396987"})");
  EXPECT_EQ(quote.pair, "ETH-USD");
  EXPECT_EQ(quote.bid, price("1285.04"));
  EXPECT_EQ(quote.ask, price("1285.27"));
  EXPECT_EQ(quote.timestamp,
            Timestamp{std::chrono::sys_days{2022y / 10 / 19} + 23h + 28min + 22s + 61'769us});
}

TEST(DecodeTicker, AcceptsNumericPrices) {
  const Quote quote =
      accepted(R"({"type":"ticker","product_id":"btc-usd","best_bid":10.5,"best_ask":11,)"
               R"("time":"2026-01-02T03:00:00Z"})");
  EXPECT_EQ(quote, (Quote{"BTC-USD", price("10.5"), price("11"), kBrokerTime}));
}

TEST(DecodeTicker, FallsBackToTheBrokerTimestamp) {
  const std::string ticker =
      R"({"type":"ticker","product_id":"BTC-USD","best_bid":"1","best_ask":"2"})";
  EXPECT_EQ(accepted(ticker).timestamp, kBrokerTime);
  EXPECT_EQ(reason(ticker, std::nullopt), "missing field 'time' and no broker timestamp");
}

TEST(DecodeTicker, IgnoresOriginalFieldNames) {
  EXPECT_EQ(reason(R"({"type":"ticker","pair":"BTC-USD","bid":1,"ask":2})"),
            "missing field 'product_id'");
}

TEST(DecodeRejects, TextThatIsNotJson) {
  EXPECT_EQ(reason(""),
            "not JSON: parse error at line 1, column 1: syntax error while parsing value - "
            "unexpected end of input; expected '[', '{', or a literal");
  EXPECT_TRUE(reason(R"({"pair":"BTC-USD","bid":1,)").starts_with("not JSON: parse error"));
  EXPECT_TRUE(reason("hello").starts_with("not JSON: "));
  EXPECT_TRUE(reason(original(R"("bid":1,"ask":2} trailing)")).starts_with("not JSON: "));
}

TEST(DecodeRejects, JsonThatIsNotAnObject) {
  for (const char* payload : {"[1,2]", R"("BTC-USD")", "42", "null", "true", "[]"}) {
    EXPECT_EQ(reason(payload), "not a JSON object") << payload;
  }
}

TEST(DecodeRejects, DuplicateTopLevelFields) {
  EXPECT_EQ(reason(R"({"pair":"BTC-USD","bid":1,"bid":2,"ask":3})"), "duplicate field 'bid'");
  EXPECT_EQ(reason(original(R"("bid":1,"ask":3,"note":1,"note":2)")), "duplicate field 'note'");
  EXPECT_EQ(accepted(original(R"("bid":1,"ask":3,"nested":{"a":1,"a":2})")).bid, price("1"));
}

TEST(DecodeRejects, MissingFields) {
  EXPECT_EQ(reason(R"({"bid":1,"ask":2})"), "missing field 'pair'");
  EXPECT_EQ(reason(original(R"("ask":2)")), "missing field 'bid'");
  EXPECT_EQ(reason(original(R"("bid":1)")), "missing field 'ask'");
  EXPECT_EQ(reason("{}"), "missing field 'pair'");
  EXPECT_EQ(reason(R"({"type":"ticker","product_id":"BTC-USD","best_ask":"2"})"),
            "missing field 'best_bid'");
  EXPECT_EQ(reason(R"({"type":"ticker","product_id":"BTC-USD","best_bid":"2"})"),
            "missing field 'best_ask'");
}

TEST(DecodeRejects, APairThatIsNotAString) {
  EXPECT_EQ(reason(R"({"pair":5,"bid":1,"ask":2})"), "field 'pair' must be a string");
  EXPECT_EQ(reason(R"({"type":"ticker","product_id":null,"best_bid":1,"best_ask":2})"),
            "field 'product_id' must be a string");
}

TEST(DecodeRejects, APairNotOfBaseDashQuote) {
  EXPECT_EQ(reason(R"({"pair":"BTCUSD","bid":1,"ask":2})"),
            "pair 'BTCUSD' is not BASE-QUOTE of 2 to 12 letters or digits");
  EXPECT_EQ(reason(R"({"type":"ticker","product_id":"B-USD","best_bid":1,"best_ask":2})"),
            "product_id 'B-USD' is not BASE-QUOTE of 2 to 12 letters or digits");
}

TEST(DecodeRejects, PricesOfTheWrongJsonType) {
  for (const char* value : {"true", "null", "{}", R"(["1"])"}) {
    EXPECT_EQ(reason(original(std::string{R"("bid":)"} + value + R"(,"ask":2)")),
              "field 'bid' must be a number or a decimal string")
        << value;
  }
  EXPECT_EQ(reason(original(R"("bid":1,"ask":false)")),
            "field 'ask' must be a number or a decimal string");
}

TEST(DecodeRejects, PriceStringsThatAreNotDecimals) {
  EXPECT_EQ(reason(original(R"("bid":"abc","ask":2)")), "bid 'abc' is not a decimal number");
  EXPECT_EQ(reason(original(R"("bid":" 1","ask":2)")), "bid ' 1' is not a decimal number");
  EXPECT_EQ(reason(original(R"("bid":"","ask":2)")), "bid '' is not a decimal number");
  EXPECT_EQ(reason(original(R"("bid":1,"ask":"0x10")")), "ask '0x10' is not a decimal number");
}

TEST(DecodeRejects, PricesThatAreNotFinite) {
  EXPECT_EQ(reason(original(R"("bid":"NaN","ask":2)")), "bid 'NaN' is not finite");
  EXPECT_EQ(reason(original(R"("bid":1,"ask":"-Infinity")")), "ask '-Infinity' is not finite");
  EXPECT_EQ(reason(original(R"("bid":"inf","ask":2)")), "bid 'inf' is not finite");
}

TEST(DecodeRejects, PricesThatAreNotPositive) {
  EXPECT_EQ(reason(original(R"("bid":-1,"ask":2)")), "bid '-1' is not positive");
  EXPECT_EQ(reason(original(R"("bid":0,"ask":2)")), "bid '0' is not positive");
  EXPECT_EQ(reason(original(R"("bid":"-0.0","ask":2)")), "bid '-0.0' is not positive");
  EXPECT_EQ(reason(original(R"("bid":"0.0000000000000000000000","ask":2)")),
            "bid '0.0000000000000000000000' is not positive");
  EXPECT_EQ(reason(original(R"("bid":-1e-400,"ask":2)")), "bid '-1e-400' is not positive");
  EXPECT_EQ(reason(original(R"("bid":-1e999,"ask":2)")), "bid '-1e999' is not positive");
}

TEST(DecodeRejects, PricesThatAreTooLarge) {
  EXPECT_EQ(reason(original(R"("bid":1e999,"ask":2)")), "bid '1e999' is too large");
  EXPECT_EQ(reason(original(R"("bid":"1e999","ask":2)")), "bid '1e999' is too large");
  EXPECT_EQ(reason(original(R"("bid":1,"ask":1e15)")), "ask '1e15' is too large");
  EXPECT_EQ(reason(original(R"("bid":1,"ask":1000000000000000)")),
            "ask '1000000000000000' is too large");
  EXPECT_EQ(reason(original(R"("bid":1,"ask":"1000000000000000.000000000000000000000")")),
            "ask '1000000000000000.000000000000000000000' is too large");
  EXPECT_EQ(reason(original(R"("bid":123456789012345678901234567890,"ask":2)")),
            "bid '123456789012345678901234567890' is too large");
}

TEST(DecodeRejects, ANumberTooLargeForADoubleAnywhere) {
  EXPECT_EQ(reason(R"({"pair":"BTC-USD","x":1e999,"bid":-5e400,"ask":1E999})"),
            "bid '-5e400' is not positive");
  EXPECT_EQ(reason(R"({"type":"ticker","product_id":"BTC-USD","best_bid":"1","best_ask":1e999})"),
            "best_ask '1e999' is too large");
  EXPECT_EQ(accepted(original(R"("extra":[1e999,{"a":-1e999}],"bid":1,"ask":2)")).ask, price("2"));
  std::string many;
  for (int i = 0; i < 9; ++i) {
    many += R"("x)" + std::to_string(i) + R"(":1e999,)";
  }
  EXPECT_EQ(reason(original(many + R"("bid":1,"ask":2)")),
            "not JSON: more than 8 numbers too large for a double");
}

TEST(DecodeRejects, AnAskBelowTheBid) {
  EXPECT_EQ(reason(original(R"("bid":11,"ask":10.5)")), "ask 10.5 is below bid 11");
  EXPECT_EQ(reason(R"({"type":"ticker","product_id":"BTC-USD","best_bid":"2","best_ask":"1.0"})"),
            "best_ask 1 is below best_bid 2");
}

TEST(DecodeRejects, TimestampsThatAreNeitherEpochNorRfc3339) {
  EXPECT_EQ(reason(original(R"("bid":1,"ask":2,"timestamp":"yesterday")")),
            "timestamp 'yesterday' is not epoch seconds or RFC 3339");
  EXPECT_EQ(reason(original(R"("bid":1,"ask":2,"timestamp":"2026-02-30T00:00:00Z")")),
            "timestamp '2026-02-30T00:00:00Z' is not epoch seconds or RFC 3339");
  EXPECT_EQ(reason(original(R"("bid":1,"ask":2,"timestamp":-1)")),
            "timestamp '-1' is not epoch seconds within years 1970 to 9999");
  EXPECT_EQ(reason(original(R"("bid":1,"ask":2,"timestamp":1795484378014)")),
            "timestamp '1795484378014' is not epoch seconds within years 1970 to 9999");
  EXPECT_EQ(reason(original(R"("bid":1,"ask":2,"timestamp":true)")),
            "field 'timestamp' must be a number or a string");
  EXPECT_EQ(reason(original(R"("bid":1,"ask":2,"timestamp":{"s":1})")),
            "field 'timestamp' must be a number or a string");
}

// PostgreSQL refuses year 0, and a five-digit year breaks RFC 3339 and the order of the text that
// SQLite keeps: a store would refuse such a row for ever, so the decoder does.
TEST(DecodeRejects, TimestampsOutsideYears1To9999InUtc) {
  EXPECT_EQ(reason(original(R"("bid":1,"ask":2,"timestamp":"0000-01-01T00:00:00Z")")),
            "timestamp '0000-01-01T00:00:00Z' is outside years 0001 to 9999 in UTC");
  EXPECT_EQ(reason(original(R"("bid":1,"ask":2,"timestamp":"0001-01-01T00:30:00+01:00")")),
            "timestamp '0001-01-01T00:30:00+01:00' is outside years 0001 to 9999 in UTC");
  EXPECT_EQ(reason(original(R"("bid":1,"ask":2,"timestamp":"9999-12-31T23:30:00-01:00")")),
            "timestamp '9999-12-31T23:30:00-01:00' is outside years 0001 to 9999 in UTC");
  EXPECT_EQ(reason(original(R"("bid":1,"ask":2,"timestamp":"9999-12-31T23:59:59.9999995Z")")),
            "timestamp '9999-12-31T23:59:59.9999995Z' is outside years 0001 to 9999 in UTC");
  EXPECT_EQ(reason(R"({"type":"ticker","product_id":"BTC-USD","best_bid":1,"best_ask":2,)"
                   R"("time":"0000-12-31T23:59:59.999999Z"})"),
            "time '0000-12-31T23:59:59.999999Z' is outside years 0001 to 9999 in UTC");
  EXPECT_EQ(reason(original(R"("bid":1,"ask":2,"timestamp":253402300800)")),
            "timestamp '253402300800' is not epoch seconds within years 1970 to 9999");
  EXPECT_EQ(reason(original(R"("bid":1,"ask":2,"timestamp":"253402300799.9999995")")),
            "timestamp '253402300799.9999995' is not epoch seconds or RFC 3339");
}

TEST(DecodeRejects, AKafkaTimestampOutsideYears1To9999InUtc) {
  const Timestamp year_0{std::chrono::sys_days{std::chrono::year{0} / 1 / 1}};
  const Timestamp year_10000{std::chrono::sys_days{std::chrono::year{10000} / 1 / 1}};
  EXPECT_EQ(reason(original(R"("bid":1,"ask":2)"), year_0),
            "missing field 'timestamp' and the Kafka timestamp, -62167219200000 ms since 1970, "
            "is outside years 0001 to 9999 in UTC");
  EXPECT_EQ(
      reason(R"({"type":"ticker","product_id":"BTC-USD","best_bid":1,"best_ask":2})", year_10000),
      "missing field 'time' and the Kafka timestamp, 253402300800000 ms since 1970, is "
      "outside years 0001 to 9999 in UTC");
}

TEST(DecodeOriginal, AcceptsTimestampsAtTheEdgesOfYears1To9999InUtc) {
  EXPECT_EQ(
      accepted(original(R"("bid":1,"ask":2,"timestamp":"0001-01-01T01:00:00+01:00")")).timestamp,
      kEarliestStorable);
  EXPECT_EQ(accepted(original(R"("bid":1,"ask":2,"timestamp":"9999-12-31T22:59:59.999999-01:00")"))
                .timestamp,
            kLatestStorable);
  EXPECT_EQ(accepted(original(R"("bid":1,"ask":2)"), kEarliestStorable).timestamp,
            kEarliestStorable);
  EXPECT_EQ(accepted(original(R"("bid":1,"ask":2)"), kLatestStorable).timestamp, kLatestStorable);
}

TEST(DecodeRejects, TickerTimesThatAreNotRfc3339) {
  const std::string prefix =
      R"({"type":"ticker","product_id":"BTC-USD","best_bid":1,"best_ask":2,)";
  EXPECT_EQ(reason(prefix + R"("time":"1795484378"})"), "time '1795484378' is not RFC 3339");
  EXPECT_EQ(reason(prefix + R"("time":1795484378})"), "field 'time' must be a string");
}

TEST(DecodeRejects, AMissingTimestampWithoutABrokerTimestamp) {
  EXPECT_EQ(reason(original(R"("bid":1,"ask":2)"), std::nullopt),
            "missing field 'timestamp' and no broker timestamp");
  EXPECT_EQ(reason(original(R"("bid":1,"ask":2,"timestamp":null)"), std::nullopt),
            "missing field 'timestamp' and no broker timestamp");
}

TEST(DecodeRejects, MessagesOfAnotherType) {
  EXPECT_EQ(reason(R"({"type":"heartbeat","sequence":90,"last_trade_id":20})"),
            "not a ticker message: type 'heartbeat'");
  EXPECT_EQ(reason(R"({"type":5,"pair":"BTC-USD","bid":1,"ask":2})"),
            "not a ticker message: type 5");
  EXPECT_EQ(reason(R"({"type":null})"), "not a ticker message: type null");
  EXPECT_EQ(reason(R"({"type":["ticker"]})"), "not a ticker message: type an array");
}

TEST(DecodeRejects, WithLongValuesCutShort) {
  const std::string long_pair(100, 'A');
  EXPECT_EQ(
      reason(R"({"pair":")" + long_pair + R"(","bid":1,"ask":2})"),
      "pair '" + std::string(40, 'A') + "...' is not BASE-QUOTE of 2 to 12 letters or digits");
}

TEST(DecodeRejects, WithControlCharactersShownSafely) {
  EXPECT_EQ(reason(original(R"("bid":"1\n2","ask":2)")), "bid '1?2' is not a decimal number");
}

}  // namespace
}  // namespace cryptometrics::market

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "market/quote_decoder.h"
#include "simulator/random_walk.h"
#include "fixed_time.h"
#include "simulator/simulator.h"

namespace cryptometrics::simulator {
namespace {

using market::Decimal;
using market::Quote;

Decimal decimal(std::string_view text) { return std::get<Decimal>(Decimal::parse(text)); }

TEST(EncodeQuoteTest, WritesTheOriginalFormatWithExactNumbers) {
  const Quote quote{"BTC-USD", decimal("46396.27"), decimal("46535.3"), kNow};

  EXPECT_EQ(encode_quote(quote),
            R"({"pair":"BTC-USD","bid":46396.27,"ask":46535.3,"timestamp":1795484378.014566})");
}

TEST(EncodeQuoteTest, WritesSixFractionalDigitsOfSeconds) {
  const Quote quote{"DOGE-USD", decimal("0.00001"), decimal("0.1"),
                    market::Timestamp{std::chrono::seconds{1'795'484'378}}};

  EXPECT_EQ(encode_quote(quote),
            R"({"pair":"DOGE-USD","bid":0.00001,"ask":0.1,"timestamp":1795484378.000000})");
}

TEST(EncodeQuoteTest, DecodesBackToTheSameQuote) {
  for (const std::string pair : {"BTC-USD", "XRP-USDT", "DOGE-EUR", "FOO-BAR"}) {
    RandomWalk walk{pair, 11};
    for (int step = 0; step < 1'000; ++step) {
      const Quote quote = walk.next(kNow + std::chrono::microseconds{step});

      const market::Decoded decoded = market::decode_quote(encode_quote(quote), std::nullopt);

      ASSERT_TRUE(std::holds_alternative<Quote>(decoded))
          << encode_quote(quote) << ": " << std::get<market::Rejection>(decoded).reason;
      ASSERT_EQ(std::get<Quote>(decoded), quote) << encode_quote(quote);
    }
  }
}

}  // namespace
}  // namespace cryptometrics::simulator

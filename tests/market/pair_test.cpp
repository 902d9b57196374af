#include "market/pair.h"

#include <gtest/gtest.h>

#include <string>

namespace cryptometrics::market {
namespace {

TEST(NormalizePair, UpperCasesAValidPair) {
  EXPECT_EQ(normalize_pair("btc-usd"), "BTC-USD");
  EXPECT_EQ(normalize_pair("Eth-Usdt"), "ETH-USDT");
  EXPECT_EQ(normalize_pair("BTC-USD"), "BTC-USD");
}

TEST(NormalizePair, AcceptsDigitsAndSymbolsOfTwoToTwelve) {
  EXPECT_EQ(normalize_pair("1inch-usd"), "1INCH-USD");
  EXPECT_EQ(normalize_pair("OP-EU"), "OP-EU");
  EXPECT_EQ(normalize_pair("ABCDEFGHIJKL-123456789012"), "ABCDEFGHIJKL-123456789012");
}

TEST(NormalizePair, RejectsAnythingButBaseDashQuote) {
  for (const char* text :
       {"", "BTCUSD", "B-USD", "BTC-U", "ABCDEFGHIJKLM-USD", "BTC-ABCDEFGHIJKLM", "BTC-USD-EUR",
        "BTC_USD", "-USD", "BTC-", "-", " BTC-USD", "BTC-USD ", "BTC-US$", "BTC--USD",
        "\xc3\x84"
        "BC-USD",
        "BTC-USD\n"}) {
    EXPECT_EQ(normalize_pair(text), std::nullopt) << text;
  }
  EXPECT_EQ(normalize_pair(std::string_view{"BTC-\0SD", 7}), std::nullopt);
}

}  // namespace
}  // namespace cryptometrics::market

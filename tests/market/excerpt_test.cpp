#include "market/excerpt.h"

#include <gtest/gtest.h>

#include <string>

namespace cryptometrics::market {
namespace {

TEST(Excerpt, KeepsShortPrintableTextAsItIs) {
  EXPECT_EQ(excerpt("BTC-USD", 40), "BTC-USD");
  EXPECT_EQ(excerpt("", 40), "");
  EXPECT_EQ(excerpt("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80", 40),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80");
}

TEST(Excerpt, CutsLongTextAtTheLimitAndSaysSo) {
  EXPECT_EQ(excerpt(std::string(41, 'a'), 40), std::string(40, 'a') + "...");
  EXPECT_EQ(excerpt(std::string(40, 'a'), 40), std::string(40, 'a'));
}

TEST(Excerpt, CountsCharactersNotBytesSoNoneIsSplit) {
  std::string accents;
  for (int i = 0; i < 5; ++i) {
    accents += "\xc3\xa9";
  }
  EXPECT_EQ(excerpt(accents, 3), "\xc3\xa9\xc3\xa9\xc3\xa9...");
}

TEST(Excerpt, ReplacesControlCharactersAndBrokenUtf8) {
  EXPECT_EQ(excerpt("a\nb\tc\x7f", 40), "a?b?c?");
  EXPECT_EQ(excerpt("x\xffy", 40), "x?y");
  EXPECT_EQ(excerpt("\xc3", 40), "?");
  EXPECT_EQ(excerpt("\xc0\xaf", 40), "??");
  EXPECT_EQ(excerpt("\xed\xa0\x80", 40), "???");
  EXPECT_EQ(excerpt("\xf4\x90\x80\x80", 40), "????");
  EXPECT_EQ(excerpt("\xe2\x82", 40), "??");
}

}  // namespace
}  // namespace cryptometrics::market

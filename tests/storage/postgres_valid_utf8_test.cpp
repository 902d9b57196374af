#include <gtest/gtest.h>

#include <string>

#include "storage/postgres/valid_utf8.h"

namespace cryptometrics::storage::postgres {
namespace {

const std::string kReplacement = "\xEF\xBF\xBD";

TEST(ValidUtf8, KeepsValidText) {
  const std::string text = "ask 1.5 is below bid 2 \xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";

  EXPECT_EQ(valid_utf8(text), text);
}

TEST(ValidUtf8, ReplacesNulAndEachInvalidByte) {
  EXPECT_EQ(valid_utf8(std::string("a\0b", 3)), "a" + kReplacement + "b");
  EXPECT_EQ(valid_utf8("\xFF\xFE"), kReplacement + kReplacement);
  EXPECT_EQ(valid_utf8("x\xC3"), "x" + kReplacement);
}

TEST(ValidUtf8, RefusesOverlongFormsSurrogatesAndCodePointsPastTheLast) {
  EXPECT_EQ(valid_utf8("\xC0\xAF"), kReplacement + kReplacement);
  EXPECT_EQ(valid_utf8("\xED\xA0\x80"), kReplacement + kReplacement + kReplacement);
  EXPECT_EQ(valid_utf8("\xF4\x90\x80\x80"),
            kReplacement + kReplacement + kReplacement + kReplacement);
}

}  // namespace
}  // namespace cryptometrics::storage::postgres

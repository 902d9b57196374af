#include "market/timestamp.h"

#include <gtest/gtest.h>

namespace cryptometrics::market {
namespace {

using namespace std::chrono_literals;
using std::chrono::microseconds;
using std::chrono::sys_days;

constexpr Timestamp at_micros(std::int64_t micros) { return Timestamp{microseconds{micros}}; }

// 2026-11-24T10:54:05Z, built from the calendar rather than from the parsers under test.
constexpr Timestamp kNovember24 = Timestamp{sys_days{2026y / 11 / 24} + 10h + 54min + 5s};

TEST(EpochSeconds, ReadsWholeAndFractionalSeconds) {
  EXPECT_EQ(parse_epoch_seconds("0"), at_micros(0));
  EXPECT_EQ(parse_epoch_seconds("1795484378"), at_micros(1'795'484'378'000'000));
  EXPECT_EQ(parse_epoch_seconds("1795484378.5"), at_micros(1'795'484'378'500'000));
  EXPECT_EQ(parse_epoch_seconds("1795484378.000001"), at_micros(1'795'484'378'000'001));
}

TEST(EpochSeconds, RoundsToTheMicrosecondHalfToEven) {
  EXPECT_EQ(parse_epoch_seconds("1795484378.0145655"), at_micros(1'795'484'378'014'566));
  EXPECT_EQ(parse_epoch_seconds("1795484378.0145645"), at_micros(1'795'484'378'014'564));
  EXPECT_EQ(parse_epoch_seconds("1795484378.01456450001"), at_micros(1'795'484'378'014'565));
  EXPECT_EQ(parse_epoch_seconds("1795484378.9999995"), at_micros(1'795'484'379'000'000));
}

TEST(EpochSeconds, ReadsExponentForms) {
  EXPECT_EQ(parse_epoch_seconds("1.7954843780145655e9"), at_micros(1'795'484'378'014'566));
  EXPECT_EQ(parse_epoch_seconds("17954843780145655E-7"), at_micros(1'795'484'378'014'566));
}

TEST(EpochSeconds, AcceptsYears1970To9999Only) {
  EXPECT_EQ(parse_epoch_seconds("253402300799.999999"), at_micros(253'402'300'799'999'999));
  EXPECT_EQ(parse_epoch_seconds("253402300800"), std::nullopt);
  EXPECT_EQ(parse_epoch_seconds("253402300799.9999995"), std::nullopt);
  EXPECT_EQ(parse_epoch_seconds("-1"), std::nullopt);
  EXPECT_EQ(parse_epoch_seconds("1e400"), std::nullopt);
  EXPECT_EQ(parse_epoch_seconds("1795484378014"), std::nullopt);
}

TEST(EpochSeconds, RejectsTextThatIsNotANumber) {
  for (const char* text : {"", "abc", "NaN", "inf", " 1", "1 ", "2026-11-24T10:54:05Z", "1e"}) {
    EXPECT_EQ(parse_epoch_seconds(text), std::nullopt) << text;
  }
}

TEST(Rfc3339, ReadsUtcWithMicroseconds) {
  EXPECT_EQ(parse_rfc3339("2026-11-24T10:54:05.014566Z"), kNovember24 + 14'566us);
  EXPECT_EQ(parse_rfc3339("2026-11-24T10:54:05Z"), kNovember24);
  EXPECT_EQ(parse_rfc3339("2026-11-24T10:54:05.1Z"), kNovember24 + 100'000us);
}

TEST(Rfc3339, AppliesNumericOffsets) {
  EXPECT_EQ(parse_rfc3339("2026-11-24T11:54:05.014566+01:00"), kNovember24 + 14'566us);
  EXPECT_EQ(parse_rfc3339("2026-11-24T05:24:05-05:30"), kNovember24);
  EXPECT_EQ(parse_rfc3339("2026-11-24T10:54:05-00:00"), kNovember24);
  EXPECT_EQ(parse_rfc3339("2026-11-25T00:54:05+14:00"), kNovember24);
  EXPECT_EQ(parse_rfc3339("2026-11-23T23:54:05-11:00"), kNovember24);
}

TEST(Rfc3339, AcceptsLowerCaseAndSpaceSeparators) {
  EXPECT_EQ(parse_rfc3339("2026-11-24t10:54:05z"), kNovember24);
  EXPECT_EQ(parse_rfc3339("2026-11-24 10:54:05Z"), kNovember24);
}

TEST(Rfc3339, RoundsLongFractionsHalfToEven) {
  EXPECT_EQ(parse_rfc3339("2026-11-24T10:54:05.0145655Z"), kNovember24 + 14'566us);
  EXPECT_EQ(parse_rfc3339("2026-11-24T10:54:05.0145645Z"), kNovember24 + 14'564us);
  EXPECT_EQ(parse_rfc3339("2026-11-24T10:54:05.014564500001Z"), kNovember24 + 14'565us);
  EXPECT_EQ(parse_rfc3339("2026-11-24T10:54:04.9999995Z"), kNovember24);
}

TEST(Rfc3339, KnowsLeapYears) {
  EXPECT_EQ(parse_rfc3339("2024-02-29T00:00:00Z"), Timestamp{sys_days{2024y / 2 / 29}});
  EXPECT_EQ(parse_rfc3339("2023-02-29T00:00:00Z"), std::nullopt);
  EXPECT_EQ(parse_rfc3339("2100-02-29T00:00:00Z"), std::nullopt);
}

TEST(Rfc3339, RejectsMalformedOrImpossibleTimes) {
  for (const char* text : {
           "",
           "2026-11-24",
           "2026-11-24T10:54:05",
           "2026-11-24T10:54Z",
           "2026-11-24T10:54:05.Z",
           "2026-11-24T10:54:05,5Z",
           "2026-11-24T10:54:05+0100",
           "2026-11-24T10:54:05+01",
           "2026-11-24T10:54:05+24:00",
           "2026-11-24T10:54:05+01:60",
           "2026-11-24T10:54:05ZZ",
           "2026-11-24T10:54:05Z ",
           " 2026-11-24T10:54:05Z",
           "2026-11-24X10:54:05Z",
           "26-11-24T10:54:05Z",
           "2026-1-24T10:54:05Z",
           "2026-13-01T00:00:00Z",
           "2026-00-01T00:00:00Z",
           "2026-02-30T00:00:00Z",
           "2026-11-00T00:00:00Z",
           "2026-11-24T24:00:00Z",
           "2026-11-24T23:60:00Z",
           "2026-12-31T23:59:60Z",
           "2026-11-24T1a:54:05Z",
           "1795484378",
       }) {
    EXPECT_EQ(parse_rfc3339(text), std::nullopt) << text;
  }
}

TEST(Rfc3339Format, WritesUtcWithSixFractionalDigits) {
  EXPECT_EQ(format_rfc3339(kNovember24 + 14'566us), "2026-11-24T10:54:05.014566Z");
  EXPECT_EQ(format_rfc3339(at_micros(0)), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_rfc3339(at_micros(253'402'300'799'999'999)), "9999-12-31T23:59:59.999999Z");
}

TEST(StorableRange, IsYears1To9999InUtc) {
  EXPECT_EQ(kEarliestStorable, Timestamp{sys_days{std::chrono::year{1} / 1 / 1}});
  EXPECT_EQ(kLatestStorable, Timestamp{sys_days{std::chrono::year{10000} / 1 / 1}} - 1us);
  EXPECT_TRUE(is_storable(kEarliestStorable));
  EXPECT_TRUE(is_storable(kLatestStorable));
  EXPECT_FALSE(is_storable(kEarliestStorable - 1us));
  EXPECT_FALSE(is_storable(kLatestStorable + 1us));
  EXPECT_FALSE(is_storable(Timestamp::min()));
  EXPECT_FALSE(is_storable(Timestamp::max()));
}

TEST(EpochSeconds, EndsWhereTheStorableRangeEnds) {
  EXPECT_EQ(parse_epoch_seconds("253402300799.999999"), kLatestStorable);
}

// PostgreSQL reads these, and SQLite orders them as text: four-digit years throughout.
TEST(Rfc3339Format, WritesEveryStorableTimeWithAFourDigitYearInTimeOrder) {
  const std::string earliest = format_rfc3339(kEarliestStorable);
  const std::string before_1970 = format_rfc3339(at_micros(-1));
  const std::string latest = format_rfc3339(kLatestStorable);
  EXPECT_EQ(earliest, "0001-01-01T00:00:00.000000Z");
  EXPECT_EQ(before_1970, "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(latest, "9999-12-31T23:59:59.999999Z");
  EXPECT_LT(earliest, before_1970);
  EXPECT_LT(before_1970, format_rfc3339(at_micros(0)));
  EXPECT_LT(format_rfc3339(at_micros(0)), latest);
  EXPECT_EQ(parse_rfc3339(earliest), kEarliestStorable);
  EXPECT_EQ(parse_rfc3339(latest), kLatestStorable);
}

TEST(Rfc3339Format, RoundTripsThroughTheParser) {
  const Timestamp original = at_micros(1'795'484'378'014'566);
  EXPECT_EQ(parse_rfc3339(format_rfc3339(original)), original);
}

}  // namespace
}  // namespace cryptometrics::market

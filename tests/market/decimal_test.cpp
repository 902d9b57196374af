#include "market/decimal.h"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>
#include <string>

namespace cryptometrics::market {
namespace {

Decimal parsed(std::string_view text) {
  const auto result = Decimal::parse(text);
  if (!std::holds_alternative<Decimal>(result)) {
    ADD_FAILURE() << "'" << text << "' did not parse";
    return {};
  }
  return std::get<Decimal>(result);
}

DecimalError error_of(std::string_view text) {
  const auto result = Decimal::parse(text);
  if (!std::holds_alternative<DecimalError>(result)) {
    ADD_FAILURE() << "'" << text << "' parsed as " << std::get<Decimal>(result).to_string();
    return DecimalError::malformed;
  }
  return std::get<DecimalError>(result);
}

std::string units_text(Int128 units) { return Decimal::from_units(units).to_string(); }

TEST(DecimalParse, KeepsJsonNumberTextExactly) {
  EXPECT_EQ(parsed("46396.27").units(), Int128{46'396'270'000'000'000});
  EXPECT_EQ(parsed("46535.3").to_string(), "46535.3");
  EXPECT_EQ(parsed("0.1").units(), Int128{100'000'000'000});
}

TEST(DecimalParse, ReadsSignsAndIntegers) {
  EXPECT_EQ(parsed("-0.5").units(), Int128{-500'000'000'000});
  EXPECT_EQ(parsed("+1.5").units(), Int128{1'500'000'000'000});
  EXPECT_EQ(parsed("42"), Decimal::from_integer(42));
  EXPECT_EQ(parsed("-0"), Decimal{});
  EXPECT_EQ(parsed("000000000000000000000000000000000000000007"), Decimal::from_integer(7));
}

TEST(DecimalParse, AcceptsAMissingIntegerOrFractionPartButNotBoth) {
  EXPECT_EQ(parsed(".5").units(), Int128{500'000'000'000});
  EXPECT_EQ(parsed("-.5").units(), Int128{-500'000'000'000});
  EXPECT_EQ(parsed("5."), Decimal::from_integer(5));
  EXPECT_EQ(parsed("5.e1"), Decimal::from_integer(50));
  EXPECT_EQ(error_of("."), DecimalError::malformed);
  EXPECT_EQ(error_of("-."), DecimalError::malformed);
  EXPECT_EQ(error_of(".e1"), DecimalError::malformed);
}

TEST(DecimalParse, ReadsExponentForms) {
  EXPECT_EQ(parsed("4.639627E4"), parsed("46396.27"));
  EXPECT_EQ(parsed("4.639627e+4"), parsed("46396.27"));
  EXPECT_EQ(parsed("4639627e-2"), parsed("46396.27"));
  EXPECT_EQ(parsed("1e-12").units(), Int128{1});
  EXPECT_EQ(parsed("1E3"), Decimal::from_integer(1000));
  EXPECT_EQ(parsed("-2.5e0").units(), Int128{-2'500'000'000'000});
  EXPECT_EQ(parsed("0e999999999999999999999"), Decimal{});
}

TEST(DecimalParse, RoundsPastTwelveFractionalDigitsHalfToEven) {
  EXPECT_EQ(parsed("0.1234567890124").to_string(), "0.123456789012");
  EXPECT_EQ(parsed("0.1234567890126").to_string(), "0.123456789013");
  // Exact ties go to the even neighbour, down from 2 and up from 3.
  EXPECT_EQ(parsed("0.1234567890125").to_string(), "0.123456789012");
  EXPECT_EQ(parsed("0.1234567890135").to_string(), "0.123456789014");
  EXPECT_EQ(parsed("0.0000000000005").units(), Int128{0});
  EXPECT_EQ(parsed("0.0000000000015").units(), Int128{2});
  EXPECT_EQ(parsed("0.0000000000025").units(), Int128{2});
  // A tie only when every later digit is zero.
  EXPECT_EQ(parsed("0.00000000000250000000000000000001").units(), Int128{3});
  EXPECT_EQ(parsed("0.00000000000250000000000000000000").units(), Int128{2});
  EXPECT_EQ(parsed("2.5e-12").units(), Int128{2});
  EXPECT_EQ(parsed("25e-13").units(), Int128{2});
}

TEST(DecimalParse, RoundsNegativeTiesToEvenToo) {
  EXPECT_EQ(parsed("-0.0000000000015").units(), Int128{-2});
  EXPECT_EQ(parsed("-0.0000000000025").units(), Int128{-2});
  EXPECT_EQ(parsed("-0.0000000000026").units(), Int128{-3});
}

TEST(DecimalParse, RoundsTinyValuesToZero) {
  EXPECT_EQ(parsed("1e-400"), Decimal{});
  EXPECT_EQ(parsed("-1e-400"), Decimal{});
  EXPECT_EQ(parsed("1e-99999999999999999999999"), Decimal{});
  EXPECT_EQ(parsed("0.0000000000004999"), Decimal{});
  EXPECT_EQ(parsed("0." + std::string(10'000, '0') + "1"), Decimal{});
}

TEST(DecimalParse, AcceptsValuesJustBelowTenToTheTwentySix) {
  const std::string largest = std::string(26, '9') + "." + std::string(12, '9');
  EXPECT_EQ(parsed(largest).to_string(), largest);
  EXPECT_EQ(parsed("-" + largest).to_string(), "-" + largest);
}

TEST(DecimalParse, RejectsHugeMagnitudesAsOutOfRange) {
  EXPECT_EQ(error_of("1e26"), DecimalError::out_of_range);
  EXPECT_EQ(error_of("-1e26"), DecimalError::out_of_range);
  EXPECT_EQ(error_of("1" + std::string(26, '0')), DecimalError::out_of_range);
  // Rounds up to 10^26.
  EXPECT_EQ(error_of(std::string(26, '9') + "." + std::string(13, '9')),
            DecimalError::out_of_range);
  EXPECT_EQ(error_of("1e400"), DecimalError::out_of_range);
  EXPECT_EQ(error_of("-1E400"), DecimalError::out_of_range);
  EXPECT_EQ(error_of("1e99999999999999999999999999999"), DecimalError::out_of_range);
  EXPECT_EQ(error_of(std::string(10'000, '7')), DecimalError::out_of_range);
  EXPECT_EQ(error_of("0.00000001e40"), DecimalError::out_of_range);
}

TEST(DecimalParse, RejectsNonFiniteSpellingsInAnyCase) {
  for (const char* text :
       {"NaN", "nan", "-nan", "+NaN", "inf", "-Inf", "+INF", "Infinity", "-infinity", "INFINITY"}) {
    EXPECT_EQ(error_of(text), DecimalError::not_finite) << text;
  }
}

TEST(DecimalParse, RejectsMalformedText) {
  for (const char* text : {"",     "+",       "-",     " 1",    "1 ",   "1\n",      "0x1A", "1e",
                           "1e+",  "1e-",     "e5",    "1.2.3", "--1",  "+-1",      "1,5",  "abc",
                           "nanx", "infinit", "1_000", "1e5.5", "1e 5", "\xd9\xa1", "12a"}) {
    EXPECT_EQ(error_of(text), DecimalError::malformed) << text;
  }
}

TEST(DecimalFormat, WritesTheShortestExactFormWithoutExponent) {
  EXPECT_EQ(Decimal{}.to_string(), "0");
  EXPECT_EQ(Decimal::from_integer(-5).to_string(), "-5");
  EXPECT_EQ(units_text(1), "0.000000000001");
  EXPECT_EQ(units_text(-1), "-0.000000000001");
  EXPECT_EQ(units_text(1'500'000'000'000), "1.5");
  EXPECT_EQ(parsed("1e20").to_string(), "100000000000000000000");
  EXPECT_EQ(parsed("100.10").to_string(), "100.1");
}

TEST(DecimalFormat, WritesEveryInt128IncludingTheMostNegative) {
  EXPECT_EQ(units_text(std::numeric_limits<Int128>::min()),
            "-170141183460469231731687303.715884105728");
  EXPECT_EQ(units_text(std::numeric_limits<Int128>::max()),
            "170141183460469231731687303.715884105727");
}

TEST(DecimalArithmetic, AddsSubtractsAndComparesExactly) {
  EXPECT_EQ((parsed("0.1") + parsed("0.2")).to_string(), "0.3");
  EXPECT_EQ((parsed("46535.3") - parsed("46396.27")).to_string(), "139.03");
  EXPECT_EQ((parsed("1") - parsed("1.000000000001")).to_string(), "-0.000000000001");
  EXPECT_LT(parsed("10.5"), parsed("11"));
  EXPECT_GT(parsed("-1"), parsed("-1.000000000001"));
  EXPECT_TRUE(parsed("0.000000000001").is_positive());
  EXPECT_FALSE(Decimal{}.is_positive());
}

TEST(DecimalArithmetic, DividesRoundingHalfToEven) {
  EXPECT_EQ(Decimal::from_integer(3).divided_by(2).to_string(), "1.5");
  EXPECT_EQ(Decimal::from_integer(1).divided_by(3).to_string(), "0.333333333333");
  EXPECT_EQ(Decimal::from_integer(2).divided_by(3).to_string(), "0.666666666667");
  EXPECT_EQ(Decimal::from_integer(-2).divided_by(3).to_string(), "-0.666666666667");
  EXPECT_EQ(Decimal::from_units(1).divided_by(2).units(), Int128{0});
  EXPECT_EQ(Decimal::from_units(3).divided_by(2).units(), Int128{2});
  EXPECT_EQ(Decimal::from_units(5).divided_by(2).units(), Int128{2});
  EXPECT_EQ(Decimal::from_units(-3).divided_by(2).units(), Int128{-2});
  EXPECT_EQ(Decimal::from_units(-5).divided_by(2).units(), Int128{-2});
  EXPECT_EQ(Decimal::from_units(7).divided_by(1).units(), Int128{7});
}

TEST(DecimalArithmetic, RefusesANonPositiveDivisor) {
  EXPECT_THROW(Decimal::from_integer(1).divided_by(0), std::invalid_argument);
  EXPECT_THROW(Decimal::from_integer(1).divided_by(-2), std::invalid_argument);
}

}  // namespace
}  // namespace cryptometrics::market

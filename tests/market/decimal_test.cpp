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

constexpr Int128 kOne = Decimal::kUnitsPerOne;

TEST(DecimalParse, KeepsJsonNumberTextExactly) {
  EXPECT_EQ(parsed("46396.27").units(), 4'639'627 * kOne / 100);
  EXPECT_EQ(parsed("46535.3").to_string(), "46535.3");
  EXPECT_EQ(parsed("0.1").units(), kOne / 10);
}

TEST(DecimalParse, ReadsSignsAndIntegers) {
  EXPECT_EQ(parsed("-0.5").units(), -kOne / 2);
  EXPECT_EQ(parsed("+1.5").units(), 3 * kOne / 2);
  EXPECT_EQ(parsed("42"), Decimal::from_integer(42));
  EXPECT_EQ(parsed("-0"), Decimal{});
  EXPECT_EQ(parsed("000000000000000000000000000000000000000007"), Decimal::from_integer(7));
}

TEST(DecimalParse, AcceptsAMissingIntegerOrFractionPartButNotBoth) {
  EXPECT_EQ(parsed(".5").units(), kOne / 2);
  EXPECT_EQ(parsed("-.5").units(), -kOne / 2);
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
  EXPECT_EQ(parsed("1e-19").units(), Int128{1});
  EXPECT_EQ(parsed("1E3"), Decimal::from_integer(1000));
  EXPECT_EQ(parsed("-2.5e0").units(), -5 * kOne / 2);
  EXPECT_EQ(parsed("0e999999999999999999999"), Decimal{});
}

TEST(DecimalParse, KeepsNineteenFractionalDigitsExactly) {
  EXPECT_EQ(parsed("0.0000000000000000001").units(), Int128{1});
  EXPECT_EQ(parsed("-0.0000000000000000001").units(), Int128{-1});
  EXPECT_EQ(parsed("0.1234567890123456789").to_string(), "0.1234567890123456789");
  EXPECT_EQ(parsed("25e-19").to_string(), "0.0000000000000000025");
}

TEST(DecimalParse, IgnoresTrailingZerosPastTheNineteenthDigit) {
  EXPECT_EQ(parsed("0.00000000000000000010000000000").units(), Int128{1});
  EXPECT_EQ(parsed("1.50000000000000000000000000000"), parsed("1.5"));
  EXPECT_EQ(parsed("1000e-22").units(), Int128{1});
}

TEST(DecimalParse, RefusesFinerDigitsThanItKeepsRatherThanRoundingThem) {
  EXPECT_EQ(error_of("0.00000000000000000001"), DecimalError::too_precise);
  EXPECT_EQ(error_of("0.00000000000000000015"), DecimalError::too_precise);
  EXPECT_EQ(error_of("-0.00000000000000000025"), DecimalError::too_precise);
  EXPECT_EQ(error_of("0.00000000000000000025000000000000000001"), DecimalError::too_precise);
  EXPECT_EQ(error_of("2.5e-20"), DecimalError::too_precise);
  EXPECT_EQ(error_of("1e-400"), DecimalError::too_precise);
  EXPECT_EQ(error_of("-1e-400"), DecimalError::too_precise);
  EXPECT_EQ(error_of("1e-99999999999999999999999"), DecimalError::too_precise);
  EXPECT_EQ(error_of("0." + std::string(10'000, '0') + "1"), DecimalError::too_precise);
}

TEST(DecimalParse, RefusesDigitsFinerThanTheCallerTakes) {
  EXPECT_EQ(std::get<Decimal>(Decimal::parse("1.000000000000000001", 18)).to_string(),
            "1.000000000000000001");
  EXPECT_EQ(std::get<Decimal>(Decimal::parse("1.5000000000000000000000", 18)), parsed("1.5"));
  EXPECT_EQ(std::get<DecimalError>(Decimal::parse("1.0000000000000000001", 18)),
            DecimalError::too_precise);
  EXPECT_EQ(std::get<Decimal>(Decimal::parse("0.12", 2)), parsed("0.12"));
  EXPECT_EQ(std::get<DecimalError>(Decimal::parse("0.125", 2)), DecimalError::too_precise);
  EXPECT_EQ(std::get<DecimalError>(Decimal::parse("0.5", 0)), DecimalError::too_precise);
  // Out of range comes first, whatever the finer digits.
  EXPECT_EQ(std::get<DecimalError>(Decimal::parse("10000000000000000000.5", 0)),
            DecimalError::out_of_range);
  EXPECT_EQ(std::get<DecimalError>(Decimal::parse("1e19", 18)), DecimalError::out_of_range);
}

TEST(DecimalParse, TakesOnlyTheDigitsADecimalKeeps) {
  EXPECT_THROW(Decimal::parse("1", -1), std::invalid_argument);
  EXPECT_THROW(Decimal::parse("1", Decimal::kScale + 1), std::invalid_argument);
}

TEST(DecimalParse, AcceptsValuesJustBelowTenToTheNineteen) {
  const std::string largest = std::string(19, '9') + "." + std::string(19, '9');
  EXPECT_EQ(parsed(largest).to_string(), largest);
  EXPECT_EQ(parsed("-" + largest).to_string(), "-" + largest);
}

TEST(DecimalParse, RejectsHugeMagnitudesAsOutOfRange) {
  EXPECT_EQ(error_of("1e19"), DecimalError::out_of_range);
  EXPECT_EQ(error_of("-1e19"), DecimalError::out_of_range);
  EXPECT_EQ(error_of("1" + std::string(19, '0')), DecimalError::out_of_range);
  EXPECT_EQ(error_of("1" + std::string(19, '0') + ".00000000000000000001"),
            DecimalError::out_of_range);
  EXPECT_EQ(error_of("1e400"), DecimalError::out_of_range);
  EXPECT_EQ(error_of("-1E400"), DecimalError::out_of_range);
  EXPECT_EQ(error_of("1e99999999999999999999999999999"), DecimalError::out_of_range);
  EXPECT_EQ(error_of(std::string(10'000, '7')), DecimalError::out_of_range);
  EXPECT_EQ(error_of("0.00000001e27"), DecimalError::out_of_range);
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
  EXPECT_EQ(units_text(1), "0.0000000000000000001");
  EXPECT_EQ(units_text(-1), "-0.0000000000000000001");
  EXPECT_EQ(units_text(3 * kOne / 2), "1.5");
  EXPECT_EQ(parsed("1e18").to_string(), "1000000000000000000");
  EXPECT_EQ(parsed("100.10").to_string(), "100.1");
}

TEST(DecimalFormat, WritesEveryInt128IncludingTheMostNegative) {
  EXPECT_EQ(units_text(std::numeric_limits<Int128>::min()),
            "-17014118346046923173.1687303715884105728");
  EXPECT_EQ(units_text(std::numeric_limits<Int128>::max()),
            "17014118346046923173.1687303715884105727");
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
  EXPECT_EQ(Decimal::from_integer(1).divided_by(3).to_string(), "0.3333333333333333333");
  EXPECT_EQ(Decimal::from_integer(2).divided_by(3).to_string(), "0.6666666666666666667");
  EXPECT_EQ(Decimal::from_integer(-2).divided_by(3).to_string(), "-0.6666666666666666667");
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

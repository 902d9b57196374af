#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "metrics/pair_metrics.h"
#include "quote_builder.h"
#include "support/expected_metrics.h"

namespace cryptometrics::metrics {
namespace {

using testing::Units;

Units power_of_ten(std::uint64_t exponent) {
  Units power = 1;
  for (std::uint64_t i = 0; i < exponent; ++i) power *= 10;
  return power;
}

// A positive price of 0 to 18 fractional digits and 1 to 15 whole ones, each length equally
// likely, so that tiny, huge and finely quoted prices all come up.
Units random_price(std::mt19937_64& random) {
  const std::uint64_t fraction_digits = random() % 19;
  const std::uint64_t whole_digits = 1 + random() % 15;
  const Units whole =
      static_cast<Units>(random() % static_cast<std::uint64_t>(power_of_ten(whole_digits)));
  const Units fraction =
      static_cast<Units>(random() % static_cast<std::uint64_t>(power_of_ten(fraction_digits)));
  const Units units =
      whole * testing::kUnitsPerOne + fraction * power_of_ten(testing::kDigits - fraction_digits);
  return units == 0 ? power_of_ten(testing::kDigits - 18) : units;
}

// The service's metrics against tests/support/expected_metrics, a second implementation of the
// same rule: exact prices, mids and spreads, the moving average rounded half to even at the 19th
// fractional digit.
TEST(PairMetricsReference, AgreesWithTheIndependentReferenceOnFineAndLargePrices) {
  std::mt19937_64 random{20'260'101};
  for (const std::size_t window : {1, 2, 3, 4, 5, 7}) {
    PairMetrics metrics{window};
    testing::ExpectedPair expected{window};
    for (int i = 0; i < 2'000; ++i) {
      Units bid = random_price(random);
      Units ask = random_price(random);
      if (ask < bid) std::swap(bid, ask);

      const Snapshot& snapshot =
          metrics.apply(quote("X-Y", testing::text_of(bid), testing::text_of(ask)));
      const testing::ExpectedRow row = expected.add("X-Y", bid, ask);

      const std::vector<std::string> service = {
          snapshot.bid.to_string(),         snapshot.ask.to_string(),
          snapshot.mid_price.to_string(),   snapshot.spread.to_string(),
          snapshot.highest_bid.to_string(), snapshot.lowest_ask.to_string(),
          snapshot.max_spread.to_string(),  snapshot.moving_avg.to_string()};
      const std::vector<std::string> reference = {row.bid,        row.ask,         row.mid_price,
                                                  row.spread,     row.highest_bid, row.lowest_ask,
                                                  row.max_spread, row.moving_avg};
      ASSERT_EQ(service, reference) << "window " << window << ", quote " << i;
    }
  }
}

}  // namespace
}  // namespace cryptometrics::metrics

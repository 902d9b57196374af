#include "metrics/latency_histogram.h"

#include <gtest/gtest.h>

#include <chrono>

namespace cryptometrics::metrics {
namespace {

using namespace std::chrono_literals;
using Latency = LatencyHistogram::Latency;

const auto& kBounds = LatencyHistogram::bounds();
constexpr std::size_t kInf = LatencyHistogram::kFiniteBuckets;

double microseconds(std::chrono::duration<double, std::micro> estimate) { return estimate.count(); }

TEST(LatencyHistogram, BoundsRunFrom50MicrosecondsToAMinuteFourToADoubling) {
  EXPECT_EQ(kBounds.front(), 50us);
  EXPECT_EQ(kBounds[1], 59us);
  EXPECT_EQ(kBounds[2], 71us);
  EXPECT_EQ(kBounds[3], 84us);
  EXPECT_EQ(kBounds[4], 100us);
  EXPECT_EQ(kBounds.back(), 62'348'702us);
  for (std::size_t i = 1; i < kBounds.size(); ++i) {
    EXPECT_LT(kBounds[i - 1], kBounds[i]) << i;
    if (i >= 4) {
      EXPECT_NEAR(kBounds[i].count(), 2 * kBounds[i - 4].count(), 1) << i;
    }
  }
}

TEST(LatencyHistogram, LatencyOnABoundCountsInThatBucket) {
  LatencyHistogram histogram;

  histogram.record(kBounds[10]);
  histogram.record(kBounds[10] + 1us);

  const auto cumulative = histogram.cumulative_counts();
  EXPECT_EQ(cumulative[9], 0u);
  EXPECT_EQ(cumulative[10], 1u);
  EXPECT_EQ(cumulative[11], 2u);
  EXPECT_EQ(cumulative[kInf], 2u);
}

TEST(LatencyHistogram, ZeroAndNegativeLatenciesCountAsZero) {
  LatencyHistogram histogram;

  histogram.record(0us);
  histogram.record(-3ms);

  EXPECT_EQ(histogram.cumulative_counts()[0], 2u);
  EXPECT_EQ(histogram.count(), 2u);
  EXPECT_EQ(histogram.sum(), 0us);
  EXPECT_EQ(histogram.max(), 0us);
}

TEST(LatencyHistogram, LatencyAboveTheLastBoundCountsOnlyInInf) {
  LatencyHistogram histogram;

  histogram.record(kBounds.back() + 1us);

  const auto cumulative = histogram.cumulative_counts();
  EXPECT_EQ(cumulative[kInf - 1], 0u);
  EXPECT_EQ(cumulative[kInf], 1u);
}

TEST(LatencyHistogram, CountSumAndMaxCoverEveryLatency) {
  LatencyHistogram histogram;

  histogram.record(2ms);
  histogram.record(150us);
  histogram.record(90s);

  EXPECT_EQ(histogram.count(), 3u);
  EXPECT_EQ(histogram.sum(), 90s + 2ms + 150us);
  EXPECT_EQ(histogram.max(), 90s);
}

// A producer's clock can be anything: a Kafka timestamp of 1970 is a delay of decades, and a
// catch-up feeds days-old quotes by the million.
TEST(LatencyHistogram, SumOfHugeLatenciesDoesNotOverflow) {
  LatencyHistogram histogram;
  const Latency largest = Latency::max();

  histogram.record(largest);
  histogram.record(largest);

  EXPECT_EQ(histogram.count(), 2u);
  EXPECT_DOUBLE_EQ(histogram.sum().count(), 2 * static_cast<double>(largest.count()));
  EXPECT_EQ(histogram.max(), largest);
  EXPECT_EQ(histogram.cumulative_counts()[kInf - 1], 0u);
  EXPECT_EQ(histogram.cumulative_counts()[kInf], 2u);
}

TEST(LatencyHistogram, QuantileIsZeroWhenNothingWasRecorded) {
  EXPECT_EQ(microseconds(LatencyHistogram{}.quantile(0.5)), 0);
}

TEST(LatencyHistogram, QuantileInterpolatesWithinItsBucket) {
  LatencyHistogram histogram;
  for (int i = 0; i < 4; ++i) histogram.record(50us);   // bucket [0, 50]
  for (int i = 0; i < 4; ++i) histogram.record(100us);  // bucket (84, 100]

  EXPECT_DOUBLE_EQ(microseconds(histogram.quantile(0.25)), 25);
  EXPECT_DOUBLE_EQ(microseconds(histogram.quantile(0.5)), 50);
  EXPECT_DOUBLE_EQ(microseconds(histogram.quantile(0.75)), 92);
  EXPECT_DOUBLE_EQ(microseconds(histogram.quantile(1)), 100);
}

TEST(LatencyHistogram, QuantileNeverExceedsTheLargestLatency) {
  LatencyHistogram histogram;
  for (int i = 0; i < 100; ++i) histogram.record(1000us);  // bucket (951, 1131]

  EXPECT_DOUBLE_EQ(microseconds(histogram.quantile(0.5)), 1000);
}

TEST(LatencyHistogram, QuantileInTheInfBucketIsTheLargestLatency) {
  LatencyHistogram histogram;
  for (int i = 0; i < 99; ++i) histogram.record(1ms);
  histogram.record(100s);

  EXPECT_LE(microseconds(histogram.quantile(0.99)), 1131);
  EXPECT_DOUBLE_EQ(microseconds(histogram.quantile(0.999)), 100'000'000);
}

TEST(LatencyHistogram, QuantilesOfASpreadAreWithinABucketWidth) {
  LatencyHistogram histogram;
  for (int latency = 1; latency <= 10'000; ++latency) histogram.record(Latency{latency});

  for (const double quantile : {0.5, 0.9, 0.99}) {
    const double exact = quantile * 10'000;
    EXPECT_NEAR(microseconds(histogram.quantile(quantile)), exact, exact * 0.19) << quantile;
  }
}

}  // namespace
}  // namespace cryptometrics::metrics

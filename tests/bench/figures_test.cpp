#include "bench/figures.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace cryptometrics::bench {
namespace {

TEST(Median, IsTheMiddleValueWhateverTheOrder) {
  EXPECT_EQ(median({5, 1, 3}), 3);
  EXPECT_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_EQ(median({7}), 7);
  EXPECT_FALSE(median({}).has_value());
}

TEST(LatencyBuckets, ReadsCumulativeCountsWithAnUnboundedLastBucket) {
  const auto answer = nlohmann::json::parse(
      R"({"buckets":[{"le_ms":0.5,"count":2},{"le_ms":1,"count":5},{"le_ms":"+Inf","count":6}]})");

  const auto buckets = latency_buckets(answer);

  ASSERT_EQ(buckets.size(), 3u);
  EXPECT_EQ(buckets[0].upper_ms, 0.5);
  EXPECT_EQ(buckets[1].count, 5u);
  EXPECT_TRUE(std::isinf(buckets[2].upper_ms));
  EXPECT_EQ(buckets[2].count, 6u);
}

TEST(Difference, IsWhatHappenedBetweenTwoReadings) {
  const std::vector<Bucket> earlier = {{1, 10}, {2, 20}, {INFINITY, 20}};
  const std::vector<Bucket> later = {{1, 15}, {2, 40}, {INFINITY, 41}};

  const auto during = difference(later, earlier);

  EXPECT_EQ(during[0].count, 5u);
  EXPECT_EQ(during[1].count, 20u);
  EXPECT_EQ(during[2].count, 21u);
}

TEST(Difference, RefusesReadingsOfDifferentHistograms) {
  EXPECT_THROW(difference({{1, 1}}, {{2, 1}}), std::invalid_argument);
  EXPECT_THROW(difference({{1, 1}}, {{1, 2}}), std::invalid_argument);
  EXPECT_THROW(difference({{1, 1}, {2, 2}}, {{1, 1}}), std::invalid_argument);
}

TEST(QuantileBound, IsTheUpperBoundOfTheBucketHoldingTheQuantile) {
  // 100 observations: 50 up to 1 ms, 49 more up to 2 ms, the last one up to 8 ms.
  const std::vector<Bucket> buckets = {{1, 50}, {2, 99}, {4, 99}, {8, 100}, {INFINITY, 100}};

  EXPECT_EQ(quantile_bound(buckets, 0.50), 1);
  EXPECT_EQ(quantile_bound(buckets, 0.51), 2);
  EXPECT_EQ(quantile_bound(buckets, 0.99), 2);
  EXPECT_EQ(quantile_bound(buckets, 1.0), 8);
}

TEST(QuantileBound, IsUnknownWithoutObservationsOrBeyondTheLastBound) {
  EXPECT_FALSE(quantile_bound({{1, 0}, {INFINITY, 0}}, 0.5).has_value());
  EXPECT_FALSE(quantile_bound({{1, 1}, {INFINITY, 10}}, 0.5).has_value());
}

TEST(MarkdownTable, GivesEveryFigureItsRatioAndVerdict) {
  const std::string table = markdown_table({
      {"rate", 800, 1000, ">= 0.8", true},
      {"latency", 2.5, std::nullopt, "< 10", true},
      {"memory", 70, std::nullopt, "< 64", false},
      {"unmeasured", std::nullopt, 5, "any", std::nullopt},
  });

  EXPECT_NE(table.find("| rate | 800 | 1000 | 0.80 | >= 0.8 (met) |"), std::string::npos) << table;
  EXPECT_NE(table.find("| latency | 2.50 | – | – | < 10 (met) |"), std::string::npos) << table;
  EXPECT_NE(table.find("| memory | 70.00 | – | – | < 64 (MISSED) |"), std::string::npos) << table;
  EXPECT_NE(table.find("| unmeasured | – | 5.00 | – | any (not measured) |"), std::string::npos)
      << table;
}

}  // namespace
}  // namespace cryptometrics::bench

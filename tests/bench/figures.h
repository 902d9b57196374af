#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cryptometrics::bench {

// The middle of `values` (the mean of the two middle ones for an even count); nullopt when empty.
std::optional<double> median(std::vector<double> values);

// One bucket of a cumulative histogram: how many observations were at most `upper_ms`.
struct Bucket {
  double upper_ms = 0;  // +infinity for the last bucket
  std::uint64_t count = 0;
};

// The buckets of a /latency answer, in its order.
std::vector<Bucket> latency_buckets(const nlohmann::json& answer);

// What happened between two readings of the same cumulative histogram.
std::vector<Bucket> difference(const std::vector<Bucket>& later, const std::vector<Bucket>& earlier);

// The upper bound of the bucket holding the `quantile` (0 < q <= 1) of the observations: a bound
// the true quantile does not exceed. nullopt when there are no observations, or when the
// quantile falls in the unbounded last bucket.
std::optional<double> quantile_bound(const std::vector<Bucket>& buckets, double quantile);

// One line of the result table.
struct Row {
  std::string figure;
  std::optional<double> ours;
  std::optional<double> reference;  // nullopt: no reference for this figure
  std::string target;
  // Whether the figure meets its target; nullopt when it could not be measured.
  std::optional<bool> met;
};

// The rows as a Markdown table: figure | crypto-metrics | reference | ratio | target.
std::string markdown_table(const std::vector<Row>& rows);

}  // namespace cryptometrics::bench

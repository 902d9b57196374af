#include "bench/figures.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

namespace cryptometrics::bench {
namespace {

// Large rates without decimals, small figures with two.
std::string number_text(double value) {
  return std::abs(value) >= 100 ? fmt::format("{:.0f}", value) : fmt::format("{:.2f}", value);
}

std::string cell(const std::optional<double>& value) {
  return value ? number_text(*value) : "–";
}

}  // namespace

std::optional<double> median(std::vector<double> values) {
  if (values.empty()) return std::nullopt;
  std::ranges::sort(values);
  const std::size_t middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

std::vector<Bucket> latency_buckets(const nlohmann::json& answer) {
  std::vector<Bucket> buckets;
  for (const auto& bucket : answer.at("buckets")) {
    const auto& upper = bucket.at("le_ms");
    buckets.push_back({
        .upper_ms = upper.is_number() ? upper.get<double>()
                                      : std::numeric_limits<double>::infinity(),
        .count = bucket.at("count").get<std::uint64_t>(),
    });
  }
  return buckets;
}

std::vector<Bucket> difference(const std::vector<Bucket>& later,
                               const std::vector<Bucket>& earlier) {
  if (later.size() != earlier.size()) {
    throw std::invalid_argument(fmt::format(
        "histograms with different buckets: {} and {}", later.size(), earlier.size()));
  }
  std::vector<Bucket> buckets;
  for (std::size_t i = 0; i < later.size(); ++i) {
    if (later[i].upper_ms != earlier[i].upper_ms || later[i].count < earlier[i].count) {
      throw std::invalid_argument(
          fmt::format("histogram bucket {} is not a later reading of the same bucket", i));
    }
    buckets.push_back({later[i].upper_ms, later[i].count - earlier[i].count});
  }
  return buckets;
}

std::optional<double> quantile_bound(const std::vector<Bucket>& buckets, double quantile) {
  if (buckets.empty() || buckets.back().count == 0) return std::nullopt;
  const auto wanted =
      static_cast<std::uint64_t>(std::ceil(quantile * static_cast<double>(buckets.back().count)));
  for (const Bucket& bucket : buckets) {
    if (bucket.count >= wanted) {
      if (std::isinf(bucket.upper_ms)) return std::nullopt;
      return bucket.upper_ms;
    }
  }
  return std::nullopt;
}

std::string markdown_table(const std::vector<Row>& rows) {
  std::string table =
      "| figure | crypto-metrics | reference | ratio | target |\n"
      "|---|---|---|---|---|\n";
  for (const Row& row : rows) {
    std::string ratio = "–";
    if (row.ours && row.reference && *row.reference > 0) {
      ratio = fmt::format("{:.2f}", *row.ours / *row.reference);
    }
    const std::string verdict = !row.met ? "not measured" : *row.met ? "met" : "MISSED";
    table += fmt::format("| {} | {} | {} | {} | {} ({}) |\n", row.figure, cell(row.ours),
                         cell(row.reference), ratio, row.target, verdict);
  }
  return table;
}

}  // namespace cryptometrics::bench

#include "http/latency_json.h"

#include <chrono>
#include <cmath>
#include <cstddef>

namespace cryptometrics::http {
namespace {

// Estimates are rounded to the microsecond: finer digits would only be noise.
double milliseconds(std::chrono::duration<double, std::micro> latency) {
  return std::round(latency.count()) / 1000;
}

}  // namespace

nlohmann::ordered_json latency_json(const metrics::LatencyHistogram& histogram) {
  const auto& bounds = metrics::LatencyHistogram::bounds();
  const auto cumulative = histogram.cumulative_counts();
  auto buckets = nlohmann::ordered_json::array();
  for (std::size_t bucket = 0; bucket < bounds.size(); ++bucket) {
    buckets.push_back({{"le_ms", milliseconds(bounds[bucket])}, {"count", cumulative[bucket]}});
  }
  buckets.push_back({{"le_ms", "+Inf"}, {"count", cumulative.back()}});

  const bool empty = histogram.count() == 0;
  const auto statistic = [empty](std::chrono::duration<double, std::micro> latency) {
    return empty ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(milliseconds(latency));
  };
  return {
      {"unit", "ms"},
      {"count", histogram.count()},
      {"sum_ms", milliseconds(histogram.sum())},
      {"p50_ms", statistic(histogram.quantile(0.5))},
      {"p90_ms", statistic(histogram.quantile(0.9))},
      {"p99_ms", statistic(histogram.quantile(0.99))},
      {"max_ms", statistic(histogram.max())},
      {"buckets", buckets},
  };
}

}  // namespace cryptometrics::http

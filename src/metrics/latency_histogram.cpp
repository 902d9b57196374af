#include "metrics/latency_histogram.h"

#include <algorithm>
#include <cmath>

namespace cryptometrics::metrics {
namespace {

constexpr double kFirstBoundMicroseconds = 50;
constexpr double kBucketsPerDoubling = 4;

}  // namespace

const std::array<LatencyHistogram::Latency, LatencyHistogram::kFiniteBuckets>&
LatencyHistogram::bounds() {
  static const auto bounds = [] {
    std::array<Latency, kFiniteBuckets> made{};
    for (std::size_t i = 0; i < made.size(); ++i) {
      made[i] = Latency{std::llround(kFirstBoundMicroseconds *
                                     std::exp2(static_cast<double>(i) / kBucketsPerDoubling))};
    }
    return made;
  }();
  return bounds;
}

void LatencyHistogram::record(Latency latency) {
  latency = std::max(latency, Latency::zero());
  const auto& upper_bounds = bounds();
  const auto bucket = std::lower_bound(upper_bounds.begin(), upper_bounds.end(), latency);
  ++counts_[static_cast<std::size_t>(bucket - upper_bounds.begin())];
  ++count_;
  sum_ += latency;
  max_ = std::max(max_, latency);
}

std::array<std::uint64_t, LatencyHistogram::kFiniteBuckets + 1>
LatencyHistogram::cumulative_counts() const {
  std::array<std::uint64_t, kFiniteBuckets + 1> cumulative{};
  std::uint64_t below = 0;
  for (std::size_t bucket = 0; bucket < counts_.size(); ++bucket) {
    below += counts_[bucket];
    cumulative[bucket] = below;
  }
  return cumulative;
}

LatencyHistogram::FractionalLatency LatencyHistogram::quantile(double quantile) const {
  if (count_ == 0) return FractionalLatency::zero();
  const double rank = std::clamp(quantile, 0.0, 1.0) * static_cast<double>(count_);
  std::uint64_t below = 0;
  for (std::size_t bucket = 0; bucket < counts_.size(); ++bucket) {
    const std::uint64_t in_bucket = counts_[bucket];
    if (in_bucket == 0 || static_cast<double>(below + in_bucket) < rank) {
      below += in_bucket;
      continue;
    }
    // The +Inf bucket has no upper bound to interpolate towards; the largest latency is one.
    if (bucket == kFiniteBuckets) return FractionalLatency{max_};
    const FractionalLatency lower{bucket == 0 ? Latency::zero() : bounds()[bucket - 1]};
    const FractionalLatency upper{bounds()[bucket]};
    const double fraction = (rank - static_cast<double>(below)) / static_cast<double>(in_bucket);
    return std::min(lower + (upper - lower) * fraction, FractionalLatency{max_});
  }
  return FractionalLatency{max_};
}

}  // namespace cryptometrics::metrics

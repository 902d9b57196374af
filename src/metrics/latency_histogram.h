#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace cryptometrics::metrics {

// How long quotes took to get somewhere, in fixed buckets: since the buckets never move, two
// readings subtract into the distribution of the interval between them, as Prometheus
// histograms do.
class LatencyHistogram {
 public:
  using Latency = std::chrono::microseconds;
  // Sums and estimates: a double, as Prometheus keeps a histogram's sum, so that the sum is exact
  // to the microsecond up to 2^53 µs (285 years of delays added up) and never overflows, however
  // many decades-old quotes a producer's clock or a catch-up feeds in.
  using FractionalLatency = std::chrono::duration<double, std::micro>;

  // Finite buckets: upper bounds 50 µs × 2^(i/4), i = 0..81, rounded to the microsecond, from
  // 50 µs to about 62 s. Four to a doubling keeps a quantile read from them within about 19%.
  static constexpr std::size_t kFiniteBuckets = 82;

  // The finite buckets' upper bounds, inclusive, ascending. Above the last: the +Inf bucket.
  static const std::array<Latency, kFiniteBuckets>& bounds();

  // A negative latency (the sender's clock ahead of ours) counts as 0.
  void record(Latency latency);

  std::uint64_t count() const { return count_; }
  FractionalLatency sum() const { return sum_; }
  Latency max() const { return max_; }

  // Per bucket, how many latencies were at most its bound; the last (+Inf) is count().
  std::array<std::uint64_t, kFiniteBuckets + 1> cumulative_counts() const;

  // The latency that a fraction `quantile` (0 to 1) of those recorded did not exceed, estimated
  // as Prometheus' histogram_quantile does: linearly within its bucket, but never above max().
  // 0 when nothing was recorded.
  FractionalLatency quantile(double quantile) const;

 private:
  std::array<std::uint64_t, kFiniteBuckets + 1> counts_{};
  std::uint64_t count_ = 0;
  FractionalLatency sum_{0};
  Latency max_{0};
};

}  // namespace cryptometrics::metrics

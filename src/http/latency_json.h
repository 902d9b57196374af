#pragma once

#include <nlohmann/json.hpp>

#include "metrics/latency_histogram.h"

namespace cryptometrics::http {

// The histogram as /latency serves it, in milliseconds: count, sum_ms, p50_ms, p90_ms, p99_ms,
// max_ms (null while empty), and buckets [{"le_ms": bound, "count": cumulative}, …] ending with
// {"le_ms": "+Inf", "count": count}.
nlohmann::ordered_json latency_json(const metrics::LatencyHistogram& histogram);

}  // namespace cryptometrics::http

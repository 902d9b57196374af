#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string_view>

namespace cryptometrics::http {

// The route a request went to, from a fixed set so that it can label a metric whatever path a
// client sends.
enum class RouteLabel {
  metrics_pair,
  history,
  metrics,
  stream,
  latency,
  healthz,
  readyz,
  prometheus,
  dashboard,
  other
};

inline constexpr std::size_t kRouteLabels = 10;

std::string_view route_label_name(RouteLabel label);

// The label of a request target, its path split as the router splits it (split_path), its
// segments not decoded: anything below /metrics/ is metrics_pair but /metrics/{pair}/history,
// /stream/{pair} is stream, / is dashboard.
RouteLabel route_label(std::string_view target);

// Requests answered, by route and status code. Lives on the event loop with the Router.
class RequestCounts {
 public:
  void record(RouteLabel route, unsigned status);

  // Per route, per status code, how many requests.
  const std::array<std::map<unsigned, std::uint64_t>, kRouteLabels>& by_route() const {
    return counts_;
  }

 private:
  std::array<std::map<unsigned, std::uint64_t>, kRouteLabels> counts_{};
};

}  // namespace cryptometrics::http

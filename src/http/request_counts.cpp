#include "http/request_counts.h"

#include "http/path_segment.h"

namespace cryptometrics::http {

std::string_view route_label_name(RouteLabel label) {
  switch (label) {
    case RouteLabel::metrics_pair:
      return "metrics_pair";
    case RouteLabel::history:
      return "history";
    case RouteLabel::metrics:
      return "metrics";
    case RouteLabel::stream:
      return "stream";
    case RouteLabel::latency:
      return "latency";
    case RouteLabel::healthz:
      return "healthz";
    case RouteLabel::readyz:
      return "readyz";
    case RouteLabel::prometheus:
      return "prometheus";
    case RouteLabel::dashboard:
      return "dashboard";
    case RouteLabel::other:
      return "other";
  }
  return "other";
}

RouteLabel route_label(std::string_view target) {
  const auto path = split_path(target);
  if (!path) return RouteLabel::other;
  const std::string_view name = path->first[0];
  if (path->count == 3 && name == "metrics" && path->first[2] == "history") {
    return RouteLabel::history;
  }
  if (path->count > 1) {
    if (name == "metrics") return RouteLabel::metrics_pair;
    return name == "stream" ? RouteLabel::stream : RouteLabel::other;
  }
  if (name.empty()) return RouteLabel::dashboard;
  if (name == "metrics") return RouteLabel::metrics;
  if (name == "stream") return RouteLabel::stream;
  if (name == "latency") return RouteLabel::latency;
  if (name == "healthz") return RouteLabel::healthz;
  if (name == "readyz") return RouteLabel::readyz;
  if (name == "prometheus") return RouteLabel::prometheus;
  return RouteLabel::other;
}

void RequestCounts::record(RouteLabel route, unsigned status) {
  ++counts_[static_cast<std::size_t>(route)][status];
}

}  // namespace cryptometrics::http

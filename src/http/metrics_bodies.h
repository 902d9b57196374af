#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "metrics/book.h"

namespace cryptometrics::http {

// The JSON bodies of /metrics/{pair} and /metrics, each serialized at most once per change of
// the book. A body is kept with the book version it was made from and made again only when it
// is asked for after that version moved on: quotes arrive far more often than requests, so
// they never pay for serialization, and repeated requests pay for it once.
class MetricsBodies {
 public:
  explicit MetricsBodies(const metrics::Book& book);

  // The body of /metrics/{pair} for a canonical pair name, or nullptr for a pair never seen.
  // Valid until the next call.
  const std::string* pair(std::string_view pair);

  // The body of /metrics: {"pairs":[…]}, ordered by pair. Valid until the next call.
  const std::string& all();

 private:
  struct Body {
    std::uint64_t version;
    std::string json;
  };

  const metrics::Book& book_;
  std::map<std::string, Body, std::less<>> pairs_;
  std::optional<Body> all_;
};

}  // namespace cryptometrics::http

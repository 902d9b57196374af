#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "metrics/book.h"

namespace cryptometrics::http {

// The /metrics/{pair} body: the pair's metrics, and under "source" where they come from: the
// instance that computes them (`instance`, this one, unless read from the store), the Kafka
// partition and offset of the quote they follow (null when not known) and whether they were
// read from this instance's memory or from the store.
std::string pair_json(const metrics::Snapshot& snapshot, const metrics::Origin& origin,
                      std::string_view instance);

// The JSON bodies of /metrics/{pair} and /metrics, each serialized at most once per change of
// the book. A body is kept with the book version it was made from and made again only when it
// is asked for after that version moved on: quotes arrive far more often than requests, so
// they never pay for serialization, and repeated requests pay for it once.
class MetricsBodies {
 public:
  // `instance` names this instance in each body.
  MetricsBodies(const metrics::Book& book, std::string instance);

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
  std::string instance_;
  std::map<std::string, Body, std::less<>> pairs_;
  std::optional<Body> all_;
};

}  // namespace cryptometrics::http

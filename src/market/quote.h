#pragma once

#include <string>

#include "market/decimal.h"
#include "market/timestamp.h"

namespace cryptometrics::market {

// One accepted bid/ask quote: pair canonical, both prices positive, ask not below bid.
struct Quote {
  std::string pair;
  Decimal bid;
  Decimal ask;
  Timestamp timestamp;

  bool operator==(const Quote&) const = default;
};

}  // namespace cryptometrics::market

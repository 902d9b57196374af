#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace cryptometrics::feed {

// Drops a ticker that is not newer than the last one of its product: a message the server sends
// again after a reconnect, or out of order. On the ticker channel `sequence` is the product's
// sequence in the full feed, so consecutive tickers differ by more than 1 as a rule: a jump is
// never a gap, only a step back or a repeat is news. Kept across reconnects.
class SequenceFilter {
 public:
  // True when the ticker is to be kept (and then remembered); a ticker without a sequence is
  // kept and changes nothing.
  bool admit(const std::string& product_id, std::optional<std::int64_t> sequence);

 private:
  std::map<std::string, std::int64_t, std::less<>> last_;
};

}  // namespace cryptometrics::feed

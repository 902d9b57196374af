#include "feed/sequence_filter.h"

namespace cryptometrics::feed {

bool SequenceFilter::admit(const std::string& product_id, std::optional<std::int64_t> sequence) {
  if (!sequence) return true;
  const auto [last, first] = last_.try_emplace(product_id, *sequence);
  if (first) return true;
  if (*sequence <= last->second) return false;
  last->second = *sequence;
  return true;
}

}  // namespace cryptometrics::feed

#include "feed/latest_queue.h"

#include <algorithm>
#include <set>
#include <string_view>

namespace cryptometrics::feed {

LatestQueue::LatestQueue(std::size_t capacity) : capacity_{std::max<std::size_t>(capacity, 1)} {}

void LatestQueue::push(Outgoing outgoing) {
  entries_.push_back(std::move(outgoing));
  if (entries_.size() <= capacity_) return;
  keep_latest_per_product();
  // More products than room: the oldest entry, necessarily its product's only one, gives way.
  if (entries_.size() > capacity_) {
    entries_.pop_front();
    ++dropped_;
  }
}

void LatestQueue::keep_latest_per_product() {
  std::set<std::string_view> seen;
  std::deque<Outgoing> kept;
  for (auto entry = entries_.rbegin(); entry != entries_.rend(); ++entry) {
    if (seen.contains(entry->product_id)) {
      ++dropped_;
      continue;
    }
    kept.push_front(std::move(*entry));
    // A deque keeps references to its elements when it grows at either end.
    seen.insert(kept.front().product_id);
  }
  entries_ = std::move(kept);
}

}  // namespace cryptometrics::feed

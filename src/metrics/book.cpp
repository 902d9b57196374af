#include "metrics/book.h"

namespace cryptometrics::metrics {

Book::Book(std::size_t sma_window) : sma_window_{sma_window} {}

const Snapshot& Book::apply(const market::Quote& quote) {
  auto found = pairs_.find(quote.pair);
  if (found == pairs_.end()) {
    found = pairs_.emplace(quote.pair, PairMetrics{sma_window_}).first;
  }
  return found->second.apply(quote);
}

void Book::restore(const std::vector<History>& histories) {
  pairs_.clear();
  for (const History& history : histories) {
    pairs_.insert_or_assign(history.latest.pair, PairMetrics{sma_window_, history});
  }
}

const Snapshot* Book::find(std::string_view pair) const {
  const auto found = pairs_.find(pair);
  if (found == pairs_.end() || !found->second.latest()) {
    return nullptr;
  }
  return &*found->second.latest();
}

std::vector<Snapshot> Book::all() const {
  std::vector<Snapshot> snapshots;
  snapshots.reserve(pairs_.size());
  for (const auto& [pair, metrics] : pairs_) {
    if (metrics.latest()) {
      snapshots.push_back(*metrics.latest());
    }
  }
  return snapshots;
}

}  // namespace cryptometrics::metrics

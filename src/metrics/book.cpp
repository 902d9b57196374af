#include "metrics/book.h"

#include <algorithm>

namespace cryptometrics::metrics {

Book::Book(std::size_t sma_window) : sma_window_{sma_window} {}

const Snapshot& Book::apply(const market::Quote& quote) {
  auto found = pairs_.find(quote.pair);
  if (found == pairs_.end()) {
    found = pairs_.emplace(quote.pair, Entry{PairMetrics{sma_window_}, 0}).first;
  }
  found->second.version = ++version_;
  const Snapshot& snapshot = found->second.metrics.apply(quote);
  if (listener_) listener_(version_, &snapshot);
  return snapshot;
}

void Book::restore(const std::vector<History>& histories) {
  pairs_.clear();
  ++version_;
  for (const History& history : histories) {
    pairs_.insert_or_assign(history.latest.pair,
                            Entry{PairMetrics{sma_window_, history}, ++version_});
  }
  if (listener_) listener_(version_, nullptr);
}

void Book::forget(const std::vector<std::string>& pairs) {
  if (pairs.empty()) return;
  for (const auto& pair : pairs) {
    pairs_.erase(pair);
  }
  ++version_;
  if (listener_) listener_(version_, nullptr);
}

const Snapshot* Book::find(std::string_view pair) const {
  const auto found = pairs_.find(pair);
  if (found == pairs_.end() || !found->second.metrics.latest()) {
    return nullptr;
  }
  return &*found->second.metrics.latest();
}

std::vector<Snapshot> Book::all() const {
  std::vector<Snapshot> snapshots;
  snapshots.reserve(pairs_.size());
  for (const auto& [pair, entry] : pairs_) {
    if (entry.metrics.latest()) {
      snapshots.push_back(*entry.metrics.latest());
    }
  }
  return snapshots;
}

std::uint64_t Book::version(std::string_view pair) const {
  const auto found = pairs_.find(pair);
  if (found == pairs_.end() || !found->second.metrics.latest()) {
    return 0;
  }
  return found->second.version;
}

std::vector<Book::Change> Book::changes_after(std::uint64_t after) const {
  std::vector<Change> changes;
  for (const auto& [pair, entry] : pairs_) {
    if (entry.version > after && entry.metrics.latest()) changes.push_back({entry.version, pair});
  }
  std::ranges::sort(changes, {}, &Change::version);
  return changes;
}

}  // namespace cryptometrics::metrics

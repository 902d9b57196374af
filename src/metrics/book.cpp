#include "metrics/book.h"

#include <algorithm>

namespace cryptometrics::metrics {

Book::Book(std::size_t sma_window) : sma_window_{sma_window} {}

const Snapshot& Book::apply(const market::Quote& quote, Origin origin) {
  auto found = pairs_.find(quote.pair);
  if (found == pairs_.end()) {
    found = pairs_.emplace(quote.pair, Entry{PairMetrics{sma_window_}, 0, {}}).first;
  }
  found->second.version = ++version_;
  found->second.origin = std::move(origin);
  const Snapshot& snapshot = found->second.metrics.apply(quote);
  if (listener_) listener_(version_, &snapshot, &found->second.origin);
  return snapshot;
}

void Book::restore(const std::vector<History>& histories) {
  pairs_.clear();
  ++version_;
  for (const History& history : histories) {
    pairs_.insert_or_assign(history.latest.pair, Entry{PairMetrics{sma_window_, history},
                                                       ++version_, Origin{.from_store = true}});
  }
  if (listener_) listener_(version_, nullptr, nullptr);
}

bool Book::observe(const Snapshot& snapshot, Origin origin) {
  origin.from_store = true;
  const auto found = pairs_.find(snapshot.pair);
  if (found != pairs_.end()) {
    const Entry& entry = found->second;
    if (!entry.origin.from_store) return false;
    if (entry.origin == origin && entry.metrics.latest() == snapshot) return true;
  }
  // Only what is shown: the pair's recent mid prices stay with the instance that computes it.
  Entry entry{PairMetrics{sma_window_, History{snapshot, {}}}, ++version_, std::move(origin)};
  const Entry& shown = pairs_.insert_or_assign(snapshot.pair, std::move(entry)).first->second;
  if (listener_) listener_(version_, &*shown.metrics.latest(), &shown.origin);
  return true;
}

void Book::let_go(const std::vector<std::string>& pairs) {
  const std::uint64_t before = version_;
  for (const auto& pair : pairs) {
    if (const auto found = pairs_.find(pair); found != pairs_.end()) {
      found->second.origin.from_store = true;
      found->second.version = ++version_;
    }
  }
  if (version_ != before && listener_) listener_(version_, nullptr, nullptr);
}

const Snapshot* Book::find(std::string_view pair) const {
  const auto found = pairs_.find(pair);
  if (found == pairs_.end() || !found->second.metrics.latest()) {
    return nullptr;
  }
  return &*found->second.metrics.latest();
}

const Origin* Book::origin(std::string_view pair) const {
  const auto found = pairs_.find(pair);
  return found == pairs_.end() ? nullptr : &found->second.origin;
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

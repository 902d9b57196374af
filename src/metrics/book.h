#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "market/quote.h"
#include "metrics/pair_metrics.h"
#include "metrics/snapshot.h"

namespace cryptometrics::metrics {

// The metrics of every pair, each with its own state.
class Book {
 public:
  explicit Book(std::size_t sma_window);

  // Folds `quote`, read from `origin` (a partition and offset), into its pair's metrics (a pair
  // seen first starts afresh); from then on the pair's metrics are computed here.
  const Snapshot& apply(const market::Quote& quote, Origin origin = {});

  // Replaces all state with what storage kept. Each pair counts as read from the store until
  // its next quote is applied.
  void restore(const std::vector<History>& histories);

  // The metrics of a pair another instance computes, as read from the store: they replace the
  // pair's unless those are computed here (false then, and nothing changes). Nothing changes
  // either when they equal those shown already.
  bool observe(const Snapshot& snapshot, Origin origin);

  // Stops computing `pairs` here (another instance does now): their metrics stay shown, as
  // read from the store, until observe() brings them up to date.
  void let_go(const std::vector<std::string>& pairs);

  // The latest metrics of a canonical pair name, or nullptr for a pair never seen.
  const Snapshot* find(std::string_view pair) const;
  // Where they come from, or nullptr for a pair never seen.
  const Origin* origin(std::string_view pair) const;

  // Every pair's latest metrics, ordered by pair.
  std::vector<Snapshot> all() const;

  // Goes up with every change to the book (apply, restore: once per pair restored), never back:
  // what is derived from the book and kept with the version it was made from is stale once the
  // version moved on. No two pairs share the version of their last change.
  std::uint64_t version() const { return version_; }
  // The version() of the last change to `pair`'s metrics, or 0 for a pair never seen.
  std::uint64_t version(std::string_view pair) const;

  // Pairs whose metrics changed after version `after`, each with the version() of its last
  // change, ordered by that version.
  struct Change {
    std::uint64_t version;
    std::string_view pair;
  };
  std::vector<Change> changes_after(std::uint64_t after) const;

  // Runs after every change with the new version(): after apply() and observe() with the
  // pair's new metrics and where they come from, after restore() and let_go() with nullptrs
  // (every pair may have changed).
  using Listener =
      std::function<void(std::uint64_t version, const Snapshot* snapshot, const Origin* origin)>;
  // Replaces any earlier listener.
  void on_change(Listener listener) { listener_ = std::move(listener); }

  std::size_t sma_window() const { return sma_window_; }

 private:
  struct Entry {
    PairMetrics metrics;
    std::uint64_t version;
    Origin origin;
  };

  std::size_t sma_window_;
  std::uint64_t version_ = 0;
  std::map<std::string, Entry, std::less<>> pairs_;
  Listener listener_;
};

}  // namespace cryptometrics::metrics

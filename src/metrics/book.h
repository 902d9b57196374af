#pragma once

#include <cstddef>
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

  // Folds `quote` into its pair's metrics (a pair seen first starts afresh).
  const Snapshot& apply(const market::Quote& quote);

  // Replaces all state with what storage kept.
  void restore(const std::vector<History>& histories);

  // The latest metrics of a canonical pair name, or nullptr for a pair never seen.
  const Snapshot* find(std::string_view pair) const;

  // Every pair's latest metrics, ordered by pair.
  std::vector<Snapshot> all() const;

  std::size_t sma_window() const { return sma_window_; }

 private:
  std::size_t sma_window_;
  std::map<std::string, PairMetrics, std::less<>> pairs_;
};

}  // namespace cryptometrics::metrics

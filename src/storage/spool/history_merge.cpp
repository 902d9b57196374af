#include "storage/spool/history_merge.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

namespace cryptometrics::storage::spool {
namespace {

std::int64_t size_of(const std::vector<market::Decimal>& mid_prices) {
  return static_cast<std::int64_t>(mid_prices.size());
}

// A pair's rows carry its quote count, which goes up by one per row, so the count of each mid
// price is known without asking where the row came from. PostgreSQL holds the older rows and the
// spool the newer ones, since new rows queue behind spooled ones (unless another instance read
// the pair on since: see merge_histories). Two cases need the counts:
// - a replay that PostgreSQL committed but whose rows a crash kept in the spool: those rows are
//   in both, and PostgreSQL's copies (the ones from the spool's first count on) are dropped;
// - PostgreSQL's history only as last known while it is down, older than the spool's first row:
//   its mid prices are not the ones right before the spool's, so the spool's stand alone.
std::vector<market::Decimal> merged_mid_prices(const metrics::History& older,
                                               const metrics::History& newer) {
  const std::int64_t first_newer = newer.latest.count - size_of(newer.recent_mid_prices) + 1;
  const std::int64_t first_older = older.latest.count - size_of(older.recent_mid_prices) + 1;
  std::vector<market::Decimal> mid_prices;
  if (older.latest.count + 1 >= first_newer) {
    const auto kept =
        std::clamp<std::int64_t>(first_newer - first_older, 0, size_of(older.recent_mid_prices));
    mid_prices.assign(older.recent_mid_prices.begin(), older.recent_mid_prices.begin() + kept);
  }
  mid_prices.insert(mid_prices.end(), newer.recent_mid_prices.begin(),
                    newer.recent_mid_prices.end());
  return mid_prices;
}

}  // namespace

std::vector<metrics::History> merge_histories(const std::vector<metrics::History>& stored,
                                              const std::vector<metrics::History>& spooled) {
  std::map<std::string, metrics::History> by_pair;
  for (const metrics::History& history : stored) {
    by_pair.insert_or_assign(history.latest.pair, history);
  }
  for (const metrics::History& newer : spooled) {
    auto [entry, inserted] = by_pair.try_emplace(newer.latest.pair, newer);
    // With several instances the spool may hold a pair's older rows, from before another
    // instance read its partition on: the store's later row is the pair's state then.
    if (!inserted && entry->second.latest.count < newer.latest.count) {
      entry->second = metrics::History{newer.latest, merged_mid_prices(entry->second, newer)};
    }
  }
  std::vector<metrics::History> merged;
  merged.reserve(by_pair.size());
  for (auto& [pair, history] : by_pair) {
    merged.push_back(std::move(history));
  }
  return merged;
}

// A Kafka message is stored once per store, so its source tells the copies of a row apart.
std::vector<QuoteRow> merge_rows(const std::vector<QuoteRow>& stored,
                                 const std::vector<QuoteRow>& spooled, std::size_t limit) {
  std::set<Source> in_spool;
  std::vector<QuoteRow> merged;
  for (const QuoteRow& row : spooled) {
    if (merged.size() == limit) return merged;
    in_spool.insert(row.source);
    merged.push_back(row);
  }
  for (const QuoteRow& row : stored) {
    if (merged.size() == limit) break;
    if (!in_spool.contains(row.source)) {
      merged.push_back(row);
    }
  }
  return merged;
}

}  // namespace cryptometrics::storage::spool

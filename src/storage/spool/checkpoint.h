#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/snapshot.h"
#include "storage/batch.h"

namespace cryptometrics::storage::spool {

// What PostgreSQL holds as far as this process knows: each pair's history and each partition's
// next offset after the last batch PostgreSQL committed. Kept up to date batch by batch, and
// saved in the spool, so that a start while PostgreSQL is down continues every pair's metrics
// from where PostgreSQL stands rather than from nothing.
//
// A saved checkpoint may lag PostgreSQL by a few batches: the consumer then resumes from its
// offsets, computes the same rows again from the same state, and the replay finds them stored.
class Checkpoint {
 public:
  // What encode() wrote; throws std::runtime_error when `text` is not that.
  static Checkpoint decode(std::string_view text);
  std::string encode() const;

  // How many mid prices per pair to keep from now on (SMA_WINDOW).
  void set_window(std::size_t window) { window_ = window; }
  // Replaces everything with what PostgreSQL answered, the histories and the offsets of every
  // topic together: histories newer than the offsets would make a start during an outage read
  // again quotes that its metrics already count.
  void reset(const std::vector<metrics::History>& histories,
             const std::vector<PartitionOffset>& offsets);

  // Takes in a batch PostgreSQL committed.
  void apply(const Batch& batch);

  // Ordered by pair.
  std::vector<metrics::History> histories() const;
  // Ordered by partition.
  std::vector<PartitionOffset> offsets(std::string_view topic) const;

 private:
  std::size_t window_ = 0;
  std::map<std::string, metrics::History, std::less<>> histories_;
  std::vector<PartitionOffset> offsets_;  // one per partition, by topic and partition
};

}  // namespace cryptometrics::storage::spool

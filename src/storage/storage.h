#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metrics/snapshot.h"
#include "storage/batch.h"

namespace cryptometrics::storage {

// Messages (quotes and rejections) a store made durable since it was opened, each counted once:
// where it was first made durable.
struct RowCounts {
  std::uint64_t stored = 0;  // in the backend itself
  // In the spool: the backend was unreachable, or rows spooled earlier were still waiting for it.
  std::uint64_t spooled = 0;
  // Moved from the spool into the backend; each was counted as spooled before (or by an earlier
  // process, whose spool this one took over), so not counted as stored again.
  std::uint64_t replayed = 0;
  // Spooled, then dropped unreplayed: their partitions were claimed by another instance since,
  // which stores those messages itself.
  std::uint64_t fenced = 0;

  bool operator==(const RowCounts&) const = default;
};

// What /readyz and /prometheus tell of the store.
struct Status {
  std::string backend;          // "sqlite", "postgres"
  bool ready = true;            // writes go where they should
  std::string state;            // "ok", "spooling", "failing"
  std::size_t spool_depth = 0;  // rows waiting in the spool
  std::string last_error;       // empty when none
  bool has_spool = false;       // spool_depth, rows.spooled and rows.replayed apply
  // Other instances may write to this store too (PostgreSQL), so it holds pairs they compute.
  bool shared = false;
  RowCounts rows;

  bool operator==(const Status&) const = default;
};

// What taking over partitions needs: this instance's claims on them, and the histories and
// offsets to continue from, read after the claims took hold, so that no write of an earlier
// owner lands unseen in between.
struct Takeover {
  std::vector<Claim> claims;  // empty where the store fences nothing
  std::vector<metrics::History> histories;
  std::vector<PartitionOffset> offsets;  // of the topic's partitions, as load_offsets
};

// A pair's latest stored row, with the owner of its partition: what an instance shows of the
// pairs that another instance computes.
struct LatestRow {
  QuoteRow row;
  std::string owner;  // empty when no instance claimed the partition

  bool operator==(const LatestRow&) const = default;
};

// Thrown by Storage::write when claims of the batch no longer stand: another instance claimed
// those partitions since. Nothing of the batch is stored.
class Fenced : public std::runtime_error {
 public:
  Fenced(std::vector<Claim> lost, const std::string& what)
      : std::runtime_error{what}, lost_{std::move(lost)} {}

  const std::vector<Claim>& lost() const { return lost_; }

 private:
  std::vector<Claim> lost_;
};

// Durable storage of quotes, rejections and Kafka offsets. Implementations block; they run on
// the storage thread, never on the event loop. Calls come from one thread at a time.
class Storage {
 public:
  virtual ~Storage() = default;

  // Stores a batch in one transaction: its quote rows and rejections (a source already stored
  // is skipped, so a batch replayed after a crash stores nothing twice) and its offsets (an
  // offset never moves backwards). Returns once the batch is durable; throws when it cannot be
  // made so.
  virtual void write(const Batch& batch) = 0;

  // Per pair, the latest row and at least its last `window` mid prices, oldest first.
  virtual std::vector<metrics::History> load_histories(std::size_t window) = 0;

  // The stored rows of `pair`, newest (last processed) first, at most `limit`, only those whose
  // quote timestamp is at or after `since` when given.
  virtual std::vector<QuoteRow> history(const std::string& pair, std::size_t limit,
                                        std::optional<market::Timestamp> since) = 0;

  // The next offset of every partition of `topic` that has stored messages.
  virtual std::vector<PartitionOffset> load_offsets(std::string_view topic) = 0;

  // Claims `partitions` of `topic` for `owner`, then reads what they continue from. Stores that
  // one process alone writes claim nothing: they read load_histories and load_offsets.
  virtual Takeover take_over(std::string_view topic,
                             const std::vector<std::int32_t>& /*partitions*/,
                             std::string_view /*owner*/, std::size_t window) {
    return {{}, load_histories(window), load_offsets(topic)};
  }

  // Every pair's latest row of `topic`, whichever instance wrote it. Stores that one process
  // alone writes hold nothing that process does not know already: they return none.
  virtual std::vector<LatestRow> latest_rows(std::string_view /*topic*/) { return {}; }

  virtual Status status() const = 0;

  // Work that does not wait for a batch (replaying a spool). Called on the storage thread when
  // no batch waits; returns when it wants to be called again, nullopt for never.
  virtual std::optional<std::chrono::steady_clock::time_point> background_work() {
    return std::nullopt;
  }
};

}  // namespace cryptometrics::storage

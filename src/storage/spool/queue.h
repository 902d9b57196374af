#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "market/timestamp.h"
#include "metrics/snapshot.h"
#include "storage/batch.h"

namespace SQLite {
class Database;
}

namespace cryptometrics::storage::sqlite {
class RowTables;
}

namespace cryptometrics::storage::spool {

// The oldest rows of the queue, with the ids to remove once PostgreSQL committed them.
struct SpooledBatch {
  Batch batch;
  std::int64_t last_quote_id = 0;  // rows with id <= this are in `batch`
  std::int64_t last_rejection_id = 0;
};

// The spool's file (SQLite, WAL, synchronous=FULL): batches waiting for PostgreSQL, oldest
// first, and the checkpoint of what PostgreSQL holds (see checkpoint.h). Its schema is made by
// migrations/spool/, recorded in spool_migrations; a spool written before those existed (an
// SQLite store's file) is taken over with its rows and checkpoint. Errors throw
// std::runtime_error naming the file and what was being done.
//
//   Queue queue{"spool.db"};
//   queue.append(batch);                       // PostgreSQL is down; kept under batch.claims
//   while (auto oldest = queue.read_oldest(5000)) {
//     postgres.write(oldest->batch);           // committed there: now it may leave the spool
//     queue.remove(*oldest, checkpoint.encode());
//   }
class Queue {
 public:
  // Opens (creating) and migrates the spool at `path`.
  explicit Queue(const std::filesystem::path& path);
  ~Queue();

  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  // Durable once it returns, in one transaction; a source already queued is skipped.
  void append(const Batch& batch);
  // At most `limit` quotes and `limit` rejections, the oldest; nullopt when the queue is empty.
  // The batch's offsets are those its rows reach (max offset + 1 per partition), its claims
  // those its rows were appended under (a partition may have two: lost, then assigned again).
  std::optional<SpooledBatch> read_oldest(std::size_t limit);
  // Removes what read_oldest returned (not rows appended since) and saves `checkpoint`, in one
  // transaction, so that every row is either still queued or in the checkpoint.
  void remove(const SpooledBatch& spooled, const std::string& checkpoint);
  // Deletes every row appended under one of `lost` (claims another instance took over since:
  // the new owner stores those messages); the partition's offset goes back to where its rows
  // left end, and goes with the last of them. Returns how many rows.
  std::size_t drop(const std::vector<Claim>& lost);
  // Quotes plus rejections queued.
  std::size_t depth();

  // The checkpoint is opaque here, replaced whole; nullopt when none was saved.
  void save_checkpoint(const std::string& checkpoint);
  std::optional<std::string> load_checkpoint();

  // What the queued rows say, as the Storage methods of the same names.
  std::vector<metrics::History> load_histories(std::size_t window);
  std::vector<QuoteRow> history(const std::string& pair, std::size_t limit,
                                std::optional<market::Timestamp> since);
  std::vector<PartitionOffset> load_offsets(std::string_view topic);

 private:
  struct Statements;  // the queue's own, prepared once on open

  std::filesystem::path path_;
  std::unique_ptr<SQLite::Database> database_;
  std::unique_ptr<sqlite::RowTables> tables_;
  std::unique_ptr<Statements> statements_;
};

}  // namespace cryptometrics::storage::spool

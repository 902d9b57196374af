#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
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
// Deleting rows is a write too, and a spool that filled its disk cannot: the rows it gives up
// then stay in the file, and the queue goes on past them, until every row it holds is in
// PostgreSQL; then the file is made anew, with the latest checkpoint, which frees its space. So
// the spool drains with no free space at all.
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
  // transaction, so that every row is either still queued or in the checkpoint. When the spool
  // cannot delete them, they stay in the file (with the checkpoint it held), no longer queued.
  void remove(const SpooledBatch& spooled, const std::string& checkpoint);
  // Deletes every row appended under one of `lost` (claims another instance took over since:
  // the new owner stores those messages); the partition's offset goes back to where its rows
  // left end, and goes with the last of them. When the spool cannot delete them, they stay in
  // the file, no longer queued. Returns how many rows.
  std::size_t drop(const std::vector<Claim>& lost);
  // Quotes plus rejections queued.
  std::size_t depth();
  // The partitions of claims dropped while the spool could not delete their rows: the file still
  // holds those rows, which load_histories and load_offsets count, until it is made anew.
  std::set<kafka::TopicPartition> dropped_but_held();

  // The checkpoint is opaque here, replaced whole; nullopt when none was saved.
  void save_checkpoint(const std::string& checkpoint);
  std::optional<std::string> load_checkpoint();

  // What the rows in the file say, as the Storage methods of the same names: the queued ones,
  // and those the spool could not delete.
  std::vector<metrics::History> load_histories(std::size_t window);
  std::vector<QuoteRow> history(const std::string& pair, std::size_t limit,
                                std::optional<market::Timestamp> since);
  std::vector<PartitionOffset> load_offsets(std::string_view topic);

 private:
  struct Statements;  // the queue's own, prepared once on open

  // Rows given up that the spool could not delete: those through these ids, and those of the
  // claims in the connection's temp.dropped_claims.
  struct Undeleted {
    std::int64_t last_quote_id = 0;
    std::int64_t last_rejection_id = 0;
  };

  // Opens the file, first discarding what an interrupted start_over left.
  void open();
  // The file's connection, opened again if start_over could not.
  SQLite::Database& database();
  sqlite::RowTables& tables();
  Statements& statements();
  // Rows can no longer be deleted: the queue goes on past them instead.
  void keep_undeleted(std::string_view doing, const std::exception& error);
  // Makes the file anew, with the latest checkpoint, once it holds no queued row.
  void start_over_once_empty();

  std::filesystem::path path_;
  std::unique_ptr<SQLite::Database> database_;
  std::unique_ptr<sqlite::RowTables> tables_;
  std::unique_ptr<Statements> statements_;
  std::optional<Undeleted> undeleted_;
  std::optional<std::string> checkpoint_;  // the latest saved, or given to remove
};

}  // namespace cryptometrics::storage::spool

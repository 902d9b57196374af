#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/storage.h"

namespace SQLite {
class Database;
}

namespace cryptometrics::storage::sqlite {

// One batch read back from a spool, oldest rows first, with the ids to delete once it is
// stored elsewhere.
struct SpooledBatch {
  Batch batch;
  std::int64_t last_quote_id = 0;  // rows with id <= this are in `batch`
  std::int64_t last_rejection_id = 0;
};

// Storage in an SQLite file (WAL, synchronous=FULL), created and migrated on open. The default
// store, and the spool behind PostgreSQL.
class RowTables;

class SqliteStore final : public Storage {
 public:
  // Opens (creating if needed) and migrates the database at `path`; throws
  // std::runtime_error naming the path when it cannot.
  explicit SqliteStore(const std::filesystem::path& path);
  ~SqliteStore() override;

  void write(const Batch& batch) override;
  std::vector<metrics::History> load_histories(std::size_t window) override;
  std::vector<QuoteRow> history(const std::string& pair, std::size_t limit,
                                std::optional<market::Timestamp> since) override;
  std::vector<PartitionOffset> load_offsets(std::string_view topic) override;
  Status status() const override;

  // Spool use: the oldest rows, at most `limit` quotes and `limit` rejections, nullopt when
  // empty. The batch's offsets are those its rows reach (max offset + 1 per partition).
  std::optional<SpooledBatch> read_oldest(std::size_t limit);
  // Deletes what `read_oldest` returned and saves `checkpoint` (see below), in one transaction.
  void remove(const SpooledBatch& spooled, const std::string& checkpoint);
  // Quote rows plus rejections held.
  std::size_t depth();
  // Spool use: the spooling store's record of what PostgreSQL holds, replaced whole (see
  // spool/checkpoint.h); nullopt when none was saved.
  void save_checkpoint(const std::string& state);
  std::optional<std::string> load_checkpoint();

 private:
  struct Statements;  // prepared once on open, reused by every call

  std::filesystem::path path_;
  std::unique_ptr<SQLite::Database> database_;
  std::unique_ptr<RowTables> tables_;
  std::unique_ptr<Statements> statements_;
  std::string last_error_;  // of the last write, empty once one succeeds
  std::uint64_t rows_stored_ = 0;
};

}  // namespace cryptometrics::storage::sqlite

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

class RowTables;

// Storage in an SQLite file (WAL, synchronous=FULL), created and migrated on open: the store
// when PostgreSQL is not configured. The spool behind PostgreSQL keeps a file of its own
// (spool/queue.h); both keep their rows through RowTables.
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

 private:
  std::filesystem::path path_;
  std::unique_ptr<SQLite::Database> database_;
  std::unique_ptr<RowTables> tables_;
  std::string last_error_;  // of the last write, empty once one succeeds
  std::uint64_t rows_stored_ = 0;
};

}  // namespace cryptometrics::storage::sqlite

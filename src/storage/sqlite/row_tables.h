#pragma once

#include <cstddef>
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

// The quote, rejection and offset tables (crypto_metrics, rejected_quotes, kafka_offsets) that
// the SQLite store and the spool both keep, each in its own file made by its own migrations:
// the one place where rows are written and read back as the Storage interface asks. Statements
// are prepared once, on a database that outlives this. Errors throw std::runtime_error naming
// the file and what was being done.
class RowTables {
 public:
  // Whether each row keeps the epoch of its batch's claim on its partition, in a column
  // claim_epoch (NULL without one): the spool's rows do, to be fenced when replayed.
  enum class Claims { dropped, kept };

  // `database` already holds the tables; `path` is its file, for errors.
  RowTables(SQLite::Database& database, std::filesystem::path path,
            Claims claims = Claims::dropped);
  ~RowTables();

  RowTables(const RowTables&) = delete;
  RowTables& operator=(const RowTables&) = delete;

  // As Storage::write: rows and offsets in one transaction, a source already held skipped, an
  // offset never moved backwards. An empty batch takes no write lock.
  void write(const Batch& batch);
  // As the Storage methods of the same names.
  std::vector<metrics::History> load_histories(std::size_t window);
  std::vector<QuoteRow> history(const std::string& pair, std::size_t limit,
                                std::optional<market::Timestamp> since);
  std::vector<PartitionOffset> load_offsets(std::string_view topic);

 private:
  struct Statements;

  SQLite::Database& database_;
  std::filesystem::path path_;
  Claims claims_;
  std::unique_ptr<Statements> statements_;
};

}  // namespace cryptometrics::storage::sqlite

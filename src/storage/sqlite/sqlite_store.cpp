#include "storage/sqlite/sqlite_store.h"

#include <SQLiteCpp/Database.h>

#include <exception>
#include <stdexcept>
#include <string>

#include "storage/migrations.h"
#include "storage/sqlite/database.h"
#include "storage/sqlite/migration_runner.h"
#include "storage/sqlite/row_tables.h"

namespace cryptometrics::storage::sqlite {

SqliteStore::SqliteStore(const std::filesystem::path& path) : path_{path} {
  try {
    database_ = open_database(path_);
    apply_migrations(*database_, sqlite_migrations());
    tables_ = std::make_unique<RowTables>(*database_, path_);
  } catch (const std::exception& error) {
    throw std::runtime_error(failure(path_, "opening", error));
  }
}

SqliteStore::~SqliteStore() = default;

void SqliteStore::write(const Batch& batch) {
  if (batch.empty()) {
    return;
  }
  try {
    tables_->write(batch);
  } catch (const std::exception& error) {
    last_error_ = error.what();
    throw;
  }
  last_error_.clear();
  rows_stored_ += batch.messages();
}

std::vector<metrics::History> SqliteStore::load_histories(std::size_t window) {
  return tables_->load_histories(window);
}

std::vector<QuoteRow> SqliteStore::history(const std::string& pair, std::size_t limit,
                                           std::optional<market::Timestamp> since) {
  return tables_->history(pair, limit, since);
}

std::vector<PartitionOffset> SqliteStore::load_offsets(std::string_view topic) {
  return tables_->load_offsets(topic);
}

Status SqliteStore::status() const {
  Status status;
  status.backend = "sqlite";
  status.ready = last_error_.empty();
  status.state = last_error_.empty() ? "ok" : "failing";
  status.last_error = last_error_;
  status.rows.stored = rows_stored_;
  return status;
}

}  // namespace cryptometrics::storage::sqlite

#include "storage/sqlite/sqlite_store.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

#include "storage/migrations.h"
#include "storage/sqlite/database.h"
#include "storage/sqlite/migration_runner.h"
#include "storage/sqlite/prepared.h"
#include "storage/sqlite/row_format.h"
#include "storage/sqlite/row_reader.h"
#include "storage/sqlite/row_tables.h"

namespace cryptometrics::storage::sqlite {
namespace {

void delete_through(SQLite::Statement& statement, std::int64_t last_id) {
  const Reset remove{statement};
  remove->bind(1, last_id);
  remove->exec();
}

void write_checkpoint(SQLite::Database& database, const std::string& state) {
  SQLite::Statement save{database,
                         "INSERT INTO postgres_checkpoint (id, state, saved_at) VALUES (1, ?, ?) "
                         "ON CONFLICT (id) DO UPDATE SET state = excluded.state, "
                         "saved_at = excluded.saved_at"};
  save.bind(1, state);
  save.bind(2, now_as_text());
  save.exec();
}

std::string select_sql(std::string_view columns, std::string_view rest) {
  return "SELECT " + std::string{columns} + " " + std::string{rest};
}

}  // namespace

struct SqliteStore::Statements {
  explicit Statements(const SQLite::Database& database)
      : select_oldest_quotes{database,
                             select_sql(kQuoteColumns, "FROM crypto_metrics ORDER BY id LIMIT ?1")},
        select_oldest_rejections{
            database, select_sql(kRejectionColumns, "FROM rejected_quotes ORDER BY id LIMIT ?1")},
        delete_quotes_through{database, "DELETE FROM crypto_metrics WHERE id <= ?1"},
        delete_rejections_through{database, "DELETE FROM rejected_quotes WHERE id <= ?1"},
        count_rows{database,
                   "SELECT (SELECT COUNT(*) FROM crypto_metrics)"
                   " + (SELECT COUNT(*) FROM rejected_quotes)"} {}

  SQLite::Statement select_oldest_quotes;
  SQLite::Statement select_oldest_rejections;
  SQLite::Statement delete_quotes_through;
  SQLite::Statement delete_rejections_through;
  SQLite::Statement count_rows;
};

SqliteStore::SqliteStore(const std::filesystem::path& path) : path_{path} {
  try {
    database_ = open_database(path_);
    apply_migrations(*database_, sqlite_migrations());
    tables_ = std::make_unique<RowTables>(*database_, path_);
    statements_ = std::make_unique<Statements>(*database_);
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

std::optional<SpooledBatch> SqliteStore::read_oldest(std::size_t limit) {
  try {
    SpooledBatch spooled;
    std::vector<PartitionOffset> reached;
    const auto reach = [&reached](const Source& source) {
      reached.push_back({source.topic, source.partition, source.offset + 1, source.life});
    };
    {
      Reset select{statements_->select_oldest_quotes};
      select->bind(1, as_limit(limit));
      while (select->executeStep()) {
        const RowReader row{*select, "crypto_metrics"};
        spooled.batch.quotes.push_back(read_quote(row));
        reach(spooled.batch.quotes.back().source);
        spooled.last_quote_id = row.id();
      }
    }
    {
      Reset select{statements_->select_oldest_rejections};
      select->bind(1, as_limit(limit));
      while (select->executeStep()) {
        const RowReader row{*select, "rejected_quotes"};
        spooled.batch.rejections.push_back(read_rejection(row));
        reach(spooled.batch.rejections.back().source);
        spooled.last_rejection_id = row.id();
      }
    }
    if (spooled.batch.empty()) {
      return std::nullopt;
    }
    spooled.batch.offsets = furthest_per_partition(std::move(reached));
    return spooled;
  } catch (const std::exception& error) {
    throw std::runtime_error(failure(path_, "reading the oldest rows", error));
  }
}

void SqliteStore::remove(const SpooledBatch& spooled, const std::string& checkpoint) {
  try {
    SQLite::Transaction transaction{*database_, SQLite::TransactionBehavior::IMMEDIATE};
    delete_through(statements_->delete_quotes_through, spooled.last_quote_id);
    delete_through(statements_->delete_rejections_through, spooled.last_rejection_id);
    write_checkpoint(*database_, checkpoint);
    transaction.commit();
  } catch (const std::exception& error) {
    throw std::runtime_error(
        failure(path_,
                "removing quotes through id " + std::to_string(spooled.last_quote_id) +
                    " and rejections through id " + std::to_string(spooled.last_rejection_id),
                error));
  }
}

void SqliteStore::save_checkpoint(const std::string& state) {
  try {
    write_checkpoint(*database_, state);
  } catch (const std::exception& error) {
    throw std::runtime_error(failure(path_, "saving the PostgreSQL checkpoint", error));
  }
}

std::optional<std::string> SqliteStore::load_checkpoint() {
  try {
    SQLite::Statement load{*database_, "SELECT state FROM postgres_checkpoint WHERE id = 1"};
    if (!load.executeStep()) {
      return std::nullopt;
    }
    return load.getColumn(0).getString();
  } catch (const std::exception& error) {
    throw std::runtime_error(failure(path_, "loading the PostgreSQL checkpoint", error));
  }
}

std::size_t SqliteStore::depth() {
  try {
    Reset count{statements_->count_rows};
    count->executeStep();
    return static_cast<std::size_t>(count->getColumn(0).getInt64());
  } catch (const std::exception& error) {
    throw std::runtime_error(failure(path_, "counting rows", error));
  }
}

}  // namespace cryptometrics::storage::sqlite

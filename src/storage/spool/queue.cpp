#include "storage/spool/queue.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/migrations.h"
#include "storage/sqlite/database.h"
#include "storage/sqlite/migration_runner.h"
#include "storage/sqlite/prepared.h"
#include "storage/sqlite/row_format.h"
#include "storage/sqlite/row_reader.h"
#include "storage/sqlite/row_tables.h"

namespace cryptometrics::storage::spool {
namespace {

using sqlite::Reset;

// Apart from schema_migrations, which an old spool carries (see migrate).
constexpr std::string_view kRecordTable = "spool_migrations";

// Until the spool had migrations of its own it was an SQLite store's file, its schema made by
// migrations/sqlite/ 001 to 003 and recorded in schema_migrations. Later SQLite migrations are
// the store's alone (004 drops the checkpoint the spool keeps).
constexpr int kLastSqliteMigrationOfTheOldSpool = 3;

std::span<const Migration> migrations_of_the_old_spool() {
  const std::span<const Migration> all = sqlite_migrations();
  const auto end = std::find_if(all.begin(), all.end(), [](const Migration& migration) {
    return migration.version > kLastSqliteMigrationOfTheOldSpool;
  });
  return all.first(static_cast<std::size_t>(end - all.begin()));
}

// An old spool (it has schema_migrations) is first brought to the shape of the last one, which
// the spool's first migration adopts with its rows; that migration drops schema_migrations, so
// this happens once.
void migrate(SQLite::Database& database) {
  if (database.tableExists("schema_migrations")) {
    sqlite::apply_migrations(database, migrations_of_the_old_spool());
  }
  sqlite::apply_migrations(database, spool_migrations(), kRecordTable);
}

std::string select_oldest(std::string_view columns, std::string_view table) {
  return "SELECT " + std::string{columns} + " FROM " + std::string{table} + " ORDER BY id LIMIT ?1";
}

// Reads the rows `statement` selects, at most `limit`, into `rows`; returns the last one's id,
// 0 when there is none.
template <typename Row>
std::int64_t read_oldest_rows(SQLite::Statement& statement, std::string_view table,
                              std::size_t limit, Row (*read)(const sqlite::RowReader&),
                              std::vector<Row>& rows) {
  Reset select{statement};
  select->bind(1, sqlite::as_limit(limit));
  std::int64_t last_id = 0;
  while (select->executeStep()) {
    const sqlite::RowReader row{*select, table};
    rows.push_back(read(row));
    last_id = row.id();
  }
  return last_id;
}

// Per partition, the offset after the furthest of the batch's rows.
std::vector<PartitionOffset> offsets_reached(const Batch& batch) {
  std::vector<PartitionOffset> reached;
  const auto reach = [&reached](const Source& source) {
    reached.push_back({source, source.offset + 1, source.life});
  };
  for (const QuoteRow& row : batch.quotes) reach(row.source);
  for (const RejectedRow& row : batch.rejections) reach(row.source);
  return furthest_per_partition(std::move(reached));
}

// The claims the rows through `last_quote_id` and `last_rejection_id` were spooled under.
std::vector<Claim> claims_through(SQLite::Statement& statement, std::int64_t last_quote_id,
                                  std::int64_t last_rejection_id) {
  Reset select{statement};
  select->bind(1, last_quote_id);
  select->bind(2, last_rejection_id);
  std::vector<Claim> claims;
  while (select->executeStep()) {
    claims.push_back({select->getColumn(0).getString(), select->getColumn(1).getInt(),
                      select->getColumn(2).getInt64()});
  }
  return claims;
}

// Deletes the rows `statement` selects by topic, partition and claim epoch; returns how many.
std::size_t delete_claimed(SQLite::Statement& statement, const Claim& claim) {
  const Reset remove{statement};
  remove->bind(1, claim.topic);
  remove->bind(2, claim.partition);
  remove->bind(3, claim.epoch);
  return static_cast<std::size_t>(remove->exec());
}

void delete_through(SQLite::Statement& statement, std::int64_t last_id) {
  const Reset remove{statement};
  remove->bind(1, last_id);
  remove->exec();
}

void write_checkpoint(SQLite::Statement& statement, const std::string& checkpoint) {
  const Reset save{statement};
  save->bind(1, checkpoint);
  save->bind(2, sqlite::now_as_text());
  save->exec();
}

}  // namespace

struct Queue::Statements {
  explicit Statements(const SQLite::Database& database)
      : select_oldest_quotes{database, select_oldest(sqlite::kQuoteColumns, "crypto_metrics")},
        select_oldest_rejections{database,
                                 select_oldest(sqlite::kRejectionColumns, "rejected_quotes")},
        delete_quotes_through{database, "DELETE FROM crypto_metrics WHERE id <= ?1"},
        delete_rejections_through{database, "DELETE FROM rejected_quotes WHERE id <= ?1"},
        count_rows{database,
                   "SELECT (SELECT COUNT(*) FROM crypto_metrics)"
                   " + (SELECT COUNT(*) FROM rejected_quotes)"},
        save_checkpoint{database,
                        "INSERT INTO postgres_checkpoint (id, state, saved_at) VALUES (1, ?1, ?2)"
                        " ON CONFLICT (id) DO UPDATE SET state = excluded.state,"
                        " saved_at = excluded.saved_at"},
        load_checkpoint{database, "SELECT state FROM postgres_checkpoint WHERE id = 1"},
        select_claims_through{
            database,
            "SELECT kafka_topic, kafka_partition, claim_epoch FROM crypto_metrics"
            " WHERE id <= ?1 AND claim_epoch IS NOT NULL"
            " UNION SELECT kafka_topic, kafka_partition, claim_epoch FROM rejected_quotes"
            " WHERE id <= ?2 AND claim_epoch IS NOT NULL"},
        delete_claimed_quotes{database,
                              "DELETE FROM crypto_metrics WHERE kafka_topic = ?1"
                              " AND kafka_partition = ?2 AND claim_epoch = ?3"},
        delete_claimed_rejections{database,
                                  "DELETE FROM rejected_quotes WHERE kafka_topic = ?1"
                                  " AND kafka_partition = ?2 AND claim_epoch = ?3"},
        // Rows dropped from a partition take its offset back to where the rows left end: the
        // histories read from the spool count those rows only.
        offset_back_to_rows{
            database,
            "UPDATE kafka_offsets SET (kafka_life, next_offset) = ("
            "SELECT kafka_life, kafka_offset + 1 FROM ("
            "SELECT kafka_life, kafka_offset FROM crypto_metrics"
            " WHERE kafka_topic = ?1 AND kafka_partition = ?2"
            " UNION ALL SELECT kafka_life, kafka_offset FROM rejected_quotes"
            " WHERE kafka_topic = ?1 AND kafka_partition = ?2)"
            " ORDER BY kafka_life DESC, kafka_offset DESC LIMIT 1)"
            " WHERE kafka_topic = ?1 AND kafka_partition = ?2"},
        // Once no row of the partition is left, the spool no longer knows where it stands.
        delete_offset_if_rowless{
            database,
            "DELETE FROM kafka_offsets WHERE kafka_topic = ?1 AND kafka_partition = ?2"
            " AND NOT EXISTS (SELECT 1 FROM crypto_metrics"
            " WHERE kafka_topic = ?1 AND kafka_partition = ?2)"
            " AND NOT EXISTS (SELECT 1 FROM rejected_quotes"
            " WHERE kafka_topic = ?1 AND kafka_partition = ?2)"} {}

  SQLite::Statement select_oldest_quotes;
  SQLite::Statement select_oldest_rejections;
  SQLite::Statement delete_quotes_through;
  SQLite::Statement delete_rejections_through;
  SQLite::Statement count_rows;
  SQLite::Statement save_checkpoint;
  SQLite::Statement load_checkpoint;
  SQLite::Statement select_claims_through;
  SQLite::Statement delete_claimed_quotes;
  SQLite::Statement delete_claimed_rejections;
  SQLite::Statement offset_back_to_rows;
  SQLite::Statement delete_offset_if_rowless;
};

Queue::Queue(const std::filesystem::path& path) : path_{path} {
  try {
    database_ = sqlite::open_database(path_);
    migrate(*database_);
    tables_ = std::make_unique<sqlite::RowTables>(*database_, path_,
                                                  sqlite::RowTables::Claims::kept);
    statements_ = std::make_unique<Statements>(*database_);
  } catch (const std::exception& error) {
    throw std::runtime_error(sqlite::failure(path_, "opening the spool", error));
  }
}

Queue::~Queue() = default;

void Queue::append(const Batch& batch) { tables_->write(batch); }

std::optional<SpooledBatch> Queue::read_oldest(std::size_t limit) {
  try {
    SpooledBatch spooled;
    spooled.last_quote_id = read_oldest_rows(statements_->select_oldest_quotes, "crypto_metrics",
                                             limit, sqlite::read_quote, spooled.batch.quotes);
    spooled.last_rejection_id =
        read_oldest_rows(statements_->select_oldest_rejections, "rejected_quotes", limit,
                         sqlite::read_rejection, spooled.batch.rejections);
    if (spooled.batch.empty()) {
      return std::nullopt;
    }
    spooled.batch.offsets = offsets_reached(spooled.batch);
    spooled.batch.claims = claims_through(statements_->select_claims_through,
                                          spooled.last_quote_id, spooled.last_rejection_id);
    return spooled;
  } catch (const std::exception& error) {
    throw std::runtime_error(sqlite::failure(path_, "reading the oldest rows", error));
  }
}

void Queue::remove(const SpooledBatch& spooled, const std::string& checkpoint) {
  try {
    SQLite::Transaction transaction{*database_, SQLite::TransactionBehavior::IMMEDIATE};
    delete_through(statements_->delete_quotes_through, spooled.last_quote_id);
    delete_through(statements_->delete_rejections_through, spooled.last_rejection_id);
    write_checkpoint(statements_->save_checkpoint, checkpoint);
    transaction.commit();
  } catch (const std::exception& error) {
    throw std::runtime_error(sqlite::failure(
        path_,
        "removing quotes through id " + std::to_string(spooled.last_quote_id) +
            " and rejections through id " + std::to_string(spooled.last_rejection_id),
        error));
  }
}

std::size_t Queue::drop(const std::vector<Claim>& lost) {
  try {
    SQLite::Transaction transaction{*database_, SQLite::TransactionBehavior::IMMEDIATE};
    std::size_t dropped = 0;
    for (const Claim& claim : lost) {
      dropped += delete_claimed(statements_->delete_claimed_quotes, claim);
      dropped += delete_claimed(statements_->delete_claimed_rejections, claim);
      const Reset forget{statements_->delete_offset_if_rowless};
      forget->bind(1, claim.topic);
      forget->bind(2, claim.partition);
      forget->exec();
      const Reset move_back{statements_->offset_back_to_rows};
      move_back->bind(1, claim.topic);
      move_back->bind(2, claim.partition);
      move_back->exec();
    }
    transaction.commit();
    return dropped;
  } catch (const std::exception& error) {
    throw std::runtime_error(
        sqlite::failure(path_, "dropping the rows of claims taken over since", error));
  }
}

std::size_t Queue::depth() {
  try {
    Reset count{statements_->count_rows};
    count->executeStep();
    return static_cast<std::size_t>(count->getColumn(0).getInt64());
  } catch (const std::exception& error) {
    throw std::runtime_error(sqlite::failure(path_, "counting rows", error));
  }
}

void Queue::save_checkpoint(const std::string& checkpoint) {
  try {
    write_checkpoint(statements_->save_checkpoint, checkpoint);
  } catch (const std::exception& error) {
    throw std::runtime_error(sqlite::failure(path_, "saving the PostgreSQL checkpoint", error));
  }
}

std::optional<std::string> Queue::load_checkpoint() {
  try {
    Reset load{statements_->load_checkpoint};
    if (!load->executeStep()) {
      return std::nullopt;
    }
    return load->getColumn(0).getString();
  } catch (const std::exception& error) {
    throw std::runtime_error(sqlite::failure(path_, "loading the PostgreSQL checkpoint", error));
  }
}

std::vector<metrics::History> Queue::load_histories(std::size_t window) {
  return tables_->load_histories(window);
}

std::vector<QuoteRow> Queue::history(const std::string& pair, std::size_t limit,
                                     std::optional<market::Timestamp> since) {
  return tables_->history(pair, limit, since);
}

std::vector<PartitionOffset> Queue::load_offsets(std::string_view topic) {
  return tables_->load_offsets(topic);
}

}  // namespace cryptometrics::storage::spool

#include "storage/spool/queue.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

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

// Rows of `table` still queued: after those through id `after` (a parameter), which the spool
// gave up but could not delete, and not of a claim dropped while it could not delete.
std::string queued(std::string_view table, std::string_view after) {
  return fmt::format(
      "id > {1} AND NOT EXISTS (SELECT 1 FROM temp.dropped_claims AS dropped"
      " WHERE dropped.kafka_topic = {0}.kafka_topic"
      " AND dropped.kafka_partition = {0}.kafka_partition"
      " AND dropped.claim_epoch = {0}.claim_epoch)",
      table, after);
}

std::string select_oldest(std::string_view columns, std::string_view table) {
  return "SELECT " + std::string{columns} + " FROM " + std::string{table} + " WHERE " +
         queued(table, "?2") + " ORDER BY id LIMIT ?1";
}

// Claims of rows the spool could not delete, kept out of reads by queued(); in memory, so that
// noting one needs no room on the disk.
constexpr std::string_view kCreateDroppedClaims =
    "CREATE TEMP TABLE dropped_claims (kafka_topic TEXT NOT NULL,"
    " kafka_partition INTEGER NOT NULL, claim_epoch INTEGER NOT NULL)";

// A file beside the spool's: its write-ahead log is `path`-wal, its shared-memory index -shm.
std::filesystem::path with_suffix(const std::filesystem::path& path, std::string_view suffix) {
  return std::filesystem::path{path.string() + std::string{suffix}};
}

// A write-ahead log outlives its database only when a start-over was cut short: put under a new
// database it would be replayed into it, so it goes first.
void discard_leftovers(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) {
    std::filesystem::remove(with_suffix(path, "-wal"));
    std::filesystem::remove(with_suffix(path, "-shm"));
  }
  std::filesystem::remove(with_suffix(path, ".replayed"));
}

// Reads the rows `statement` selects, at most `limit`, into `rows`; returns the last one's id,
// 0 when there is none.
template <typename Row>
std::int64_t read_oldest_rows(SQLite::Statement& statement, std::string_view table,
                              std::size_t limit, std::int64_t after,
                              Row (*read)(const sqlite::RowReader&), std::vector<Row>& rows) {
  Reset select{statement};
  select->bind(1, sqlite::as_limit(limit));
  select->bind(2, after);
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

// The claims the queued rows through `last_quote_id` and `last_rejection_id` were spooled under.
std::vector<Claim> claims_through(SQLite::Statement& statement, std::int64_t last_quote_id,
                                  std::int64_t last_rejection_id, std::int64_t quotes_after,
                                  std::int64_t rejections_after) {
  Reset select{statement};
  select->bind(1, last_quote_id);
  select->bind(2, last_rejection_id);
  select->bind(3, quotes_after);
  select->bind(4, rejections_after);
  std::vector<Claim> claims;
  while (select->executeStep()) {
    claims.push_back({select->getColumn(0).getString(), select->getColumn(1).getInt(),
                      select->getColumn(2).getInt64()});
  }
  return claims;
}

// Runs `statement`, bound to a claim's topic, partition and epoch; returns how many rows it
// changed.
std::size_t exec_for(SQLite::Statement& statement, const Claim& claim) {
  const Reset run{statement};
  run->bind(1, claim.topic);
  run->bind(2, claim.partition);
  run->bind(3, claim.epoch);
  return static_cast<std::size_t>(run->exec());
}

// A count selected by `statement` from ids after `quotes_after` and `rejections_after`.
std::size_t count_after(SQLite::Statement& statement, std::int64_t quotes_after,
                        std::int64_t rejections_after) {
  const Reset count{statement};
  count->bind(1, quotes_after);
  count->bind(2, rejections_after);
  count->executeStep();
  return static_cast<std::size_t>(count->getColumn(0).getInt64());
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
        count_queued{database, "SELECT (SELECT COUNT(*) FROM crypto_metrics WHERE " +
                                   queued("crypto_metrics", "?1") +
                                   ") + (SELECT COUNT(*) FROM rejected_quotes WHERE " +
                                   queued("rejected_quotes", "?2") + ")"},
        save_checkpoint{database,
                        "INSERT INTO postgres_checkpoint (id, state, saved_at) VALUES (1, ?1, ?2)"
                        " ON CONFLICT (id) DO UPDATE SET state = excluded.state,"
                        " saved_at = excluded.saved_at"},
        load_checkpoint{database, "SELECT state FROM postgres_checkpoint WHERE id = 1"},
        select_claims_through{
            database,
            "SELECT kafka_topic, kafka_partition, claim_epoch FROM crypto_metrics"
            " WHERE id <= ?1 AND claim_epoch IS NOT NULL AND " +
                queued("crypto_metrics", "?3") +
                " UNION SELECT kafka_topic, kafka_partition, claim_epoch FROM rejected_quotes"
                " WHERE id <= ?2 AND claim_epoch IS NOT NULL AND " +
                queued("rejected_quotes", "?4")},
        delete_claimed_quotes{database,
                              "DELETE FROM crypto_metrics WHERE kafka_topic = ?1"
                              " AND kafka_partition = ?2 AND claim_epoch = ?3"},
        delete_claimed_rejections{database,
                                  "DELETE FROM rejected_quotes WHERE kafka_topic = ?1"
                                  " AND kafka_partition = ?2 AND claim_epoch = ?3"},
        note_dropped_claim{database,
                           "INSERT INTO temp.dropped_claims (kafka_topic, kafka_partition,"
                           " claim_epoch) VALUES (?1, ?2, ?3)"},
        select_dropped_partitions{
            database, "SELECT DISTINCT kafka_topic, kafka_partition FROM temp.dropped_claims"},
        // Rows dropped from a partition take its offset back to where the rows left end: the
        // histories read from the spool count those rows only.
        offset_back_to_rows{database,
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
  SQLite::Statement count_queued;
  SQLite::Statement save_checkpoint;
  SQLite::Statement load_checkpoint;
  SQLite::Statement select_claims_through;
  SQLite::Statement delete_claimed_quotes;
  SQLite::Statement delete_claimed_rejections;
  SQLite::Statement note_dropped_claim;
  SQLite::Statement select_dropped_partitions;
  SQLite::Statement offset_back_to_rows;
  SQLite::Statement delete_offset_if_rowless;
};

Queue::Queue(const std::filesystem::path& path) : path_{path} { open(); }

Queue::~Queue() = default;

void Queue::open() {
  try {
    discard_leftovers(path_);
    database_ = sqlite::open_database(path_);
    migrate(*database_);
    database_->exec("PRAGMA temp_store = MEMORY");
    database_->exec(std::string{kCreateDroppedClaims});
    tables_ = std::make_unique<sqlite::RowTables>(*database_, path_,
                                                  sqlite::RowTables::Claims::kept);
    statements_ = std::make_unique<Statements>(*database_);
  } catch (const std::exception& error) {
    statements_.reset();
    tables_.reset();
    database_.reset();
    throw std::runtime_error(sqlite::failure(path_, "opening the spool", error));
  }
  if (checkpoint_) save_checkpoint(*checkpoint_);
}

SQLite::Database& Queue::database() {
  if (!database_) open();
  return *database_;
}

sqlite::RowTables& Queue::tables() {
  database();
  return *tables_;
}

Queue::Statements& Queue::statements() {
  database();
  return *statements_;
}

void Queue::append(const Batch& batch) { tables().write(batch); }

std::optional<SpooledBatch> Queue::read_oldest(std::size_t limit) {
  try {
    const Undeleted after = undeleted_.value_or(Undeleted{});
    SpooledBatch spooled;
    spooled.last_quote_id =
        read_oldest_rows(statements().select_oldest_quotes, "crypto_metrics", limit,
                         after.last_quote_id, sqlite::read_quote, spooled.batch.quotes);
    spooled.last_rejection_id =
        read_oldest_rows(statements().select_oldest_rejections, "rejected_quotes", limit,
                         after.last_rejection_id, sqlite::read_rejection, spooled.batch.rejections);
    if (spooled.batch.empty()) {
      return std::nullopt;
    }
    // A table none of whose rows were read is read from where it stood the next time.
    spooled.last_quote_id = std::max(spooled.last_quote_id, after.last_quote_id);
    spooled.last_rejection_id = std::max(spooled.last_rejection_id, after.last_rejection_id);
    spooled.batch.offsets = offsets_reached(spooled.batch);
    spooled.batch.claims =
        claims_through(statements().select_claims_through, spooled.last_quote_id,
                       spooled.last_rejection_id, after.last_quote_id, after.last_rejection_id);
    return spooled;
  } catch (const std::exception& error) {
    throw std::runtime_error(sqlite::failure(path_, "reading the oldest rows", error));
  }
}

void Queue::remove(const SpooledBatch& spooled, const std::string& checkpoint) {
  checkpoint_ = checkpoint;
  if (!undeleted_) {
    try {
      SQLite::Transaction transaction{database(), SQLite::TransactionBehavior::IMMEDIATE};
      delete_through(statements().delete_quotes_through, spooled.last_quote_id);
      delete_through(statements().delete_rejections_through, spooled.last_rejection_id);
      write_checkpoint(statements().save_checkpoint, checkpoint);
      transaction.commit();
      return;
    } catch (const std::exception& error) {
      keep_undeleted("removing quotes through id " + std::to_string(spooled.last_quote_id) +
                         " and rejections through id " + std::to_string(spooled.last_rejection_id),
                     error);
    }
  }
  undeleted_->last_quote_id = std::max(undeleted_->last_quote_id, spooled.last_quote_id);
  undeleted_->last_rejection_id =
      std::max(undeleted_->last_rejection_id, spooled.last_rejection_id);
  start_over_once_empty();
}

std::size_t Queue::drop(const std::vector<Claim>& lost) {
  if (!undeleted_) {
    try {
      SQLite::Transaction transaction{database(), SQLite::TransactionBehavior::IMMEDIATE};
      std::size_t dropped = 0;
      for (const Claim& claim : lost) {
        dropped += exec_for(statements().delete_claimed_quotes, claim);
        dropped += exec_for(statements().delete_claimed_rejections, claim);
        const Reset forget{statements().delete_offset_if_rowless};
        forget->bind(1, claim.topic);
        forget->bind(2, claim.partition);
        forget->exec();
        const Reset move_back{statements().offset_back_to_rows};
        move_back->bind(1, claim.topic);
        move_back->bind(2, claim.partition);
        move_back->exec();
      }
      transaction.commit();
      return dropped;
    } catch (const std::exception& error) {
      keep_undeleted("dropping the rows of claims taken over since", error);
    }
  }
  try {
    const std::size_t queued_before = depth();
    for (const Claim& claim : lost) {
      exec_for(statements().note_dropped_claim, claim);
    }
    const std::size_t dropped = queued_before - depth();
    start_over_once_empty();
    return dropped;
  } catch (const std::exception& error) {
    throw std::runtime_error(
        sqlite::failure(path_, "setting aside the rows of claims taken over since", error));
  }
}

std::size_t Queue::depth() {
  try {
    const Undeleted after = undeleted_.value_or(Undeleted{});
    return count_after(statements().count_queued, after.last_quote_id, after.last_rejection_id);
  } catch (const std::exception& error) {
    throw std::runtime_error(sqlite::failure(path_, "counting rows", error));
  }
}

std::set<kafka::TopicPartition> Queue::dropped_but_held() {
  try {
    Reset select{statements().select_dropped_partitions};
    std::set<kafka::TopicPartition> partitions;
    while (select->executeStep()) {
      partitions.insert({select->getColumn(0).getString(), select->getColumn(1).getInt()});
    }
    return partitions;
  } catch (const std::exception& error) {
    throw std::runtime_error(sqlite::failure(path_, "reading the claims set aside", error));
  }
}

void Queue::keep_undeleted(std::string_view doing, const std::exception& error) {
  undeleted_.emplace();
  spdlog::warn(
      "{}; the spool goes on past the rows it gives up, and is made anew once "
      "PostgreSQL holds all of them",
      sqlite::failure(path_, doing, error));
}

// Renamed away first: the database goes before its write-ahead log, which would otherwise be
// replayed into a new one (see discard_leftovers). A start while PostgreSQL is down finds the
// checkpoint again once the new file holds it.
void Queue::start_over_once_empty() {
  if (!undeleted_ || read_oldest(1)) return;
  if (!checkpoint_) checkpoint_ = load_checkpoint();
  statements_.reset();
  tables_.reset();
  database_.reset();
  try {
    std::filesystem::rename(path_, with_suffix(path_, ".replayed"));
    undeleted_.reset();
    discard_leftovers(path_);
  } catch (const std::exception& error) {
    throw std::runtime_error(sqlite::failure(path_, "making the spool anew", error));
  }
  open();
  spdlog::info("spool {} made anew: PostgreSQL holds every row it held", path_.string());
}

void Queue::save_checkpoint(const std::string& checkpoint) {
  checkpoint_ = checkpoint;
  try {
    write_checkpoint(statements().save_checkpoint, checkpoint);
  } catch (const std::exception& error) {
    throw std::runtime_error(sqlite::failure(path_, "saving the PostgreSQL checkpoint", error));
  }
}

std::optional<std::string> Queue::load_checkpoint() {
  try {
    Reset load{statements().load_checkpoint};
    if (!load->executeStep()) {
      return std::nullopt;
    }
    return load->getColumn(0).getString();
  } catch (const std::exception& error) {
    throw std::runtime_error(sqlite::failure(path_, "loading the PostgreSQL checkpoint", error));
  }
}

std::vector<metrics::History> Queue::load_histories(std::size_t window) {
  return tables().load_histories(window);
}

std::vector<QuoteRow> Queue::history(const std::string& pair, std::size_t limit,
                                     std::optional<market::Timestamp> since) {
  return tables().history(pair, limit, since);
}

std::vector<PartitionOffset> Queue::load_offsets(std::string_view topic) {
  return tables().load_offsets(topic);
}

}  // namespace cryptometrics::storage::spool

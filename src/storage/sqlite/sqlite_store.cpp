#include "storage/sqlite/sqlite_store.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "market/timestamp.h"
#include "storage/migrations.h"
#include "storage/sqlite/migration_runner.h"
#include "storage/sqlite/row_reader.h"

namespace cryptometrics::storage::sqlite {
namespace {

// Long enough to outwait another connection's short transaction (an operator's sqlite3 shell,
// a second instance starting), short enough that a stuck lock surfaces as an error.
constexpr int kBusyTimeoutMs = 5000;

// The columns read_quote and read_rejection expect, the row's id first.
constexpr std::string_view kQuoteColumns =
    "id, pair, bid, ask, mid_price, spread, highest_bid, lowest_ask, max_spread, moving_avg,"
    " quote_count, timestamp, kafka_topic, kafka_partition, kafka_offset, kafka_life";
constexpr int kMidPriceColumn = 4;
constexpr std::string_view kRejectionColumns =
    "id, payload, reason, kafka_topic, kafka_partition, kafka_offset, received_at,"
    " payload_length, payload_sha256, kafka_life";

constexpr const char* kInsertQuote =
    "INSERT INTO crypto_metrics (pair, bid, ask, mid_price, spread, highest_bid, lowest_ask,"
    " max_spread, moving_avg, quote_count, timestamp, kafka_topic, kafka_partition, kafka_offset,"
    " kafka_life)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
    " ON CONFLICT (kafka_topic, kafka_partition, kafka_life, kafka_offset) DO NOTHING";

constexpr const char* kInsertRejection =
    "INSERT INTO rejected_quotes (payload, reason, kafka_topic, kafka_partition, kafka_offset,"
    " received_at, payload_length, payload_sha256, kafka_life)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    " ON CONFLICT (kafka_topic, kafka_partition, kafka_life, kafka_offset) DO NOTHING";

// A partition's stored offset moves on within its life, or to a later life, never back.
constexpr const char* kAdvanceOffset =
    "INSERT INTO kafka_offsets (kafka_topic, kafka_partition, next_offset, updated_at, kafka_life)"
    " VALUES (?1, ?2, ?3, ?4, ?5)"
    " ON CONFLICT (kafka_topic, kafka_partition) DO UPDATE"
    " SET next_offset = excluded.next_offset, kafka_life = excluded.kafka_life,"
    " updated_at = excluded.updated_at"
    " WHERE (excluded.kafka_life, excluded.next_offset)"
    " > (kafka_offsets.kafka_life, kafka_offsets.next_offset)";

// Hops from one pair to the next through the (pair, id) index instead of scanning every row.
constexpr const char* kSelectPairs =
    "WITH RECURSIVE pairs(pair) AS ("
    " SELECT MIN(pair) FROM crypto_metrics"
    " UNION ALL"
    " SELECT (SELECT MIN(pair) FROM crypto_metrics WHERE pair > pairs.pair)"
    " FROM pairs WHERE pair IS NOT NULL)"
    " SELECT pair FROM pairs WHERE pair IS NOT NULL";

constexpr const char* kSelectOffsetsOfTopic =
    "SELECT kafka_partition, next_offset, kafka_life FROM kafka_offsets WHERE kafka_topic = ?1"
    " ORDER BY kafka_partition";

std::string select_sql(std::string_view columns, std::string_view rest) {
  return "SELECT " + std::string{columns} + " " + std::string{rest};
}

// Leaves a reused statement ready for its next use however this one ends: a statement left
// mid-step keeps its read transaction open and refuses new bindings.
class Reset {
 public:
  explicit Reset(SQLite::Statement& statement) : statement_{statement} {}
  ~Reset() { statement_.tryReset(); }

  Reset(const Reset&) = delete;
  Reset& operator=(const Reset&) = delete;

  SQLite::Statement& operator*() const { return statement_; }
  SQLite::Statement* operator->() const { return &statement_; }

 private:
  SQLite::Statement& statement_;
};

std::int64_t as_limit(std::size_t count) {
  return static_cast<std::int64_t>(
      std::min<std::size_t>(count, std::numeric_limits<std::int64_t>::max()));
}

std::string now_rfc3339() {
  return market::format_rfc3339(
      std::chrono::floor<std::chrono::microseconds>(std::chrono::system_clock::now()));
}

void insert(SQLite::Statement& statement, const QuoteRow& row) {
  const Reset insert{statement};
  const metrics::Snapshot& metrics = row.metrics;
  insert->bind(1, metrics.pair);
  insert->bind(2, metrics.bid.to_string());
  insert->bind(3, metrics.ask.to_string());
  insert->bind(4, metrics.mid_price.to_string());
  insert->bind(5, metrics.spread.to_string());
  insert->bind(6, metrics.highest_bid.to_string());
  insert->bind(7, metrics.lowest_ask.to_string());
  insert->bind(8, metrics.max_spread.to_string());
  insert->bind(9, metrics.moving_avg.to_string());
  insert->bind(10, metrics.count);
  insert->bind(11, market::format_rfc3339(metrics.timestamp));
  insert->bind(12, row.source.topic);
  insert->bind(13, row.source.partition);
  insert->bind(14, row.source.offset);
  insert->bind(15, row.source.life);
  insert->exec();
}

void insert(SQLite::Statement& statement, const RejectedRow& row) {
  const Reset insert{statement};
  insert->bind(1, row.payload.data(), static_cast<int>(row.payload.size()));
  insert->bind(2, row.reason);
  insert->bind(3, row.source.topic);
  insert->bind(4, row.source.partition);
  insert->bind(5, row.source.offset);
  insert->bind(6, market::format_rfc3339(row.received_at));
  insert->bind(7, static_cast<std::int64_t>(row.payload_length));
  insert->bind(8, row.payload_sha256);
  insert->bind(9, row.source.life);
  insert->exec();
}

void advance(SQLite::Statement& statement, const PartitionOffset& offset,
             const std::string& updated_at) {
  const Reset advance{statement};
  advance->bind(1, offset.topic);
  advance->bind(2, offset.partition);
  advance->bind(3, offset.next_offset);
  advance->bind(4, updated_at);
  advance->bind(5, offset.life);
  advance->exec();
}

void delete_through(SQLite::Statement& statement, std::int64_t last_id) {
  const Reset remove{statement};
  remove->bind(1, last_id);
  remove->exec();
}

// Columns as in kQuoteColumns.
QuoteRow read_quote(const RowReader& row) {
  QuoteRow quote;
  metrics::Snapshot& metrics = quote.metrics;
  metrics.pair = row.text(1);
  metrics.bid = row.decimal(2);
  metrics.ask = row.decimal(3);
  metrics.mid_price = row.decimal(kMidPriceColumn);
  metrics.spread = row.decimal(5);
  metrics.highest_bid = row.decimal(6);
  metrics.lowest_ask = row.decimal(7);
  metrics.max_spread = row.decimal(8);
  metrics.moving_avg = row.decimal(9);
  metrics.count = row.integer(10);
  metrics.timestamp = row.timestamp(11);
  quote.source = Source{row.text(12), row.int32(13), row.integer(14), row.int32(15)};
  return quote;
}

// Columns as in kRejectionColumns.
RejectedRow read_rejection(const RowReader& row) {
  return RejectedRow{.payload = row.blob(1),
                     .reason = row.text(2),
                     .source = Source{row.text(3), row.int32(4), row.integer(5), row.int32(9)},
                     .received_at = row.timestamp(6),
                     .payload_length = static_cast<std::uint64_t>(row.integer(7)),
                     .payload_sha256 = row.text(8)};
}

void configure(SQLite::Database& database) {
  const std::string journal_mode = database.execAndGet("PRAGMA journal_mode = WAL").getString();
  if (journal_mode != "wal") {
    throw std::runtime_error("journal_mode stays '" + journal_mode + "', not 'wal'");
  }
  // FULL: Kafka offsets are committed once rows are here, so a commit must survive power loss.
  database.exec("PRAGMA synchronous = FULL");
  database.exec("PRAGMA foreign_keys = OFF");
  database.setBusyTimeout(kBusyTimeoutMs);
}

void write_checkpoint(SQLite::Database& database, const std::string& state) {
  SQLite::Statement save{database,
                         "INSERT INTO postgres_checkpoint (id, state, saved_at) VALUES (1, ?, ?) "
                         "ON CONFLICT (id) DO UPDATE SET state = excluded.state, "
                         "saved_at = excluded.saved_at"};
  save.bind(1, state);
  save.bind(2, now_rfc3339());
  save.exec();
}

std::string failure(const std::filesystem::path& path, const std::string& doing,
                    const std::exception& cause) {
  return "SQLite database " + path.string() + ": " + doing + ": " + cause.what();
}

}  // namespace

struct SqliteStore::Statements {
  explicit Statements(const SQLite::Database& database)
      : insert_quote{database, kInsertQuote},
        insert_rejection{database, kInsertRejection},
        advance_offset{database, kAdvanceOffset},
        select_pairs{database, kSelectPairs},
        select_latest_of_pair{database, select_sql(kQuoteColumns,
                                                   "FROM crypto_metrics WHERE pair = ?1"
                                                   " ORDER BY id DESC LIMIT ?2")},
        select_history_of_pair{database,
                               select_sql(kQuoteColumns,
                                          "FROM crypto_metrics WHERE pair = ?1 AND timestamp >= ?2"
                                          " ORDER BY id DESC LIMIT ?3")},
        select_offsets_of_topic{database, kSelectOffsetsOfTopic},
        select_oldest_quotes{database,
                             select_sql(kQuoteColumns, "FROM crypto_metrics ORDER BY id LIMIT ?1")},
        select_oldest_rejections{
            database, select_sql(kRejectionColumns, "FROM rejected_quotes ORDER BY id LIMIT ?1")},
        delete_quotes_through{database, "DELETE FROM crypto_metrics WHERE id <= ?1"},
        delete_rejections_through{database, "DELETE FROM rejected_quotes WHERE id <= ?1"},
        count_rows{database,
                   "SELECT (SELECT COUNT(*) FROM crypto_metrics)"
                   " + (SELECT COUNT(*) FROM rejected_quotes)"} {}

  SQLite::Statement insert_quote;
  SQLite::Statement insert_rejection;
  SQLite::Statement advance_offset;
  SQLite::Statement select_pairs;
  SQLite::Statement select_latest_of_pair;
  SQLite::Statement select_history_of_pair;
  SQLite::Statement select_offsets_of_topic;
  SQLite::Statement select_oldest_quotes;
  SQLite::Statement select_oldest_rejections;
  SQLite::Statement delete_quotes_through;
  SQLite::Statement delete_rejections_through;
  SQLite::Statement count_rows;
};

SqliteStore::SqliteStore(const std::filesystem::path& path) : path_{path} {
  try {
    database_ =
        std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    configure(*database_);
    apply_migrations(*database_, sqlite_migrations());
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
    SQLite::Transaction transaction{*database_, SQLite::TransactionBehavior::IMMEDIATE};
    for (const QuoteRow& row : batch.quotes) {
      insert(statements_->insert_quote, row);
    }
    for (const RejectedRow& row : batch.rejections) {
      insert(statements_->insert_rejection, row);
    }
    const std::string updated_at = now_rfc3339();
    for (const PartitionOffset& offset : batch.offsets) {
      advance(statements_->advance_offset, offset, updated_at);
    }
    transaction.commit();
    last_error_.clear();
    rows_stored_ += batch.messages();
  } catch (const std::exception& error) {
    last_error_ = failure(path_,
                          "writing " + std::to_string(batch.quotes.size()) + " quotes, " +
                              std::to_string(batch.rejections.size()) + " rejections",
                          error);
    throw std::runtime_error(last_error_);
  }
}

std::vector<metrics::History> SqliteStore::load_histories(std::size_t window) {
  try {
    std::vector<std::string> pairs;
    {
      Reset select{statements_->select_pairs};
      while (select->executeStep()) {
        pairs.push_back(select->getColumn(0).getString());
      }
    }
    std::vector<metrics::History> histories;
    for (const std::string& pair : pairs) {
      Reset select{statements_->select_latest_of_pair};
      select->bind(1, pair);
      select->bind(2, as_limit(std::max<std::size_t>(window, 1)));
      metrics::History history;
      for (bool latest = true; select->executeStep(); latest = false) {
        const RowReader row{*select, "crypto_metrics"};
        if (latest) {
          history.latest = read_quote(row).metrics;
        }
        if (history.recent_mid_prices.size() < window) {
          history.recent_mid_prices.push_back(row.decimal(kMidPriceColumn));
        }
      }
      std::reverse(history.recent_mid_prices.begin(), history.recent_mid_prices.end());
      histories.push_back(std::move(history));
    }
    return histories;
  } catch (const std::exception& error) {
    throw std::runtime_error(failure(path_, "loading histories", error));
  }
}

// Timestamps are stored as format_rfc3339 writes them, fixed width in UTC, so comparing their
// text compares the times; every one of them sorts at or after "". The (pair, id) index gives
// the order; the time is a filter on the rows it yields.
std::vector<QuoteRow> SqliteStore::history(const std::string& pair, std::size_t limit,
                                           std::optional<market::Timestamp> since) {
  try {
    Reset select{statements_->select_history_of_pair};
    select->bind(1, pair);
    select->bind(2, since ? market::format_rfc3339(*since) : std::string{});
    select->bind(3, as_limit(limit));
    std::vector<QuoteRow> rows;
    while (select->executeStep()) {
      rows.push_back(read_quote(RowReader{*select, "crypto_metrics"}));
    }
    return rows;
  } catch (const std::exception& error) {
    throw std::runtime_error(failure(path_, "reading the history of " + pair, error));
  }
}

std::vector<PartitionOffset> SqliteStore::load_offsets(std::string_view topic) {
  try {
    Reset select{statements_->select_offsets_of_topic};
    select->bind(1, std::string{topic});
    std::vector<PartitionOffset> offsets;
    while (select->executeStep()) {
      offsets.push_back(PartitionOffset{std::string{topic}, select->getColumn(0).getInt(),
                                        select->getColumn(1).getInt64(),
                                        select->getColumn(2).getInt()});
    }
    return offsets;
  } catch (const std::exception& error) {
    throw std::runtime_error(
        failure(path_, "loading offsets of topic " + std::string{topic}, error));
  }
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

#include "storage/sqlite/row_tables.h"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <exception>
#include <stdexcept>
#include <utility>

#include "storage/sqlite/database.h"
#include "storage/sqlite/prepared.h"
#include "storage/sqlite/row_format.h"
#include "storage/sqlite/row_reader.h"

namespace cryptometrics::storage::sqlite {
namespace {

constexpr const char* kQuoteInsertColumns =
    "pair, bid, ask, mid_price, spread, highest_bid, lowest_ask, max_spread, moving_avg,"
    " quote_count, timestamp, kafka_topic, kafka_partition, kafka_offset, kafka_life";
constexpr int kQuoteInsertParameters = 15;

constexpr const char* kRejectionInsertColumns =
    "payload, reason, kafka_topic, kafka_partition, kafka_offset, received_at, payload_length,"
    " payload_sha256, kafka_life";
constexpr int kRejectionInsertParameters = 9;

// "INSERT INTO table (columns[, claim_epoch]) VALUES (?1, ..., ?n[, ?n+1]) ON CONFLICT ...":
// with claims kept, the epoch is the last parameter.
std::string insert_statement(std::string_view table, std::string_view columns, int parameters,
                             RowTables::Claims claims) {
  const bool with_claim = claims == RowTables::Claims::kept;
  std::string values;
  for (int parameter = 1; parameter <= parameters + (with_claim ? 1 : 0); ++parameter) {
    values += (parameter == 1 ? "?" : ", ?") + std::to_string(parameter);
  }
  return "INSERT INTO " + std::string{table} + " (" + std::string{columns} +
         (with_claim ? ", claim_epoch" : "") + ") VALUES (" + values +
         ") ON CONFLICT (kafka_topic, kafka_partition, kafka_life, kafka_offset) DO NOTHING";
}

// The epoch of each partition's claim in a batch.
using Epochs = std::map<kafka::TopicPartition, std::int64_t>;

Epochs epochs_of(const Batch& batch) {
  Epochs epochs;
  for (const Claim& claim : batch.claims) epochs[claim] = claim.epoch;
  return epochs;
}

// Binds the row's claim epoch, or NULL, to `parameter` when the statement keeps claims.
void bind_claim(SQLite::Statement& statement, int parameter, const Source& source,
                const Epochs* epochs) {
  if (epochs == nullptr) return;
  const auto found = epochs->find(source);
  if (found == epochs->end()) {
    statement.bind(parameter);
  } else {
    statement.bind(parameter, found->second);
  }
}

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

std::string select_quotes(std::string_view rest) {
  return "SELECT " + std::string{kQuoteColumns} + " " + std::string{rest};
}

void insert(SQLite::Statement& statement, const QuoteRow& row, const Epochs* epochs) {
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
  bind_claim(*insert, kQuoteInsertParameters + 1, row.source, epochs);
  insert->exec();
}

void insert(SQLite::Statement& statement, const RejectedRow& row, const Epochs* epochs) {
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
  bind_claim(*insert, kRejectionInsertParameters + 1, row.source, epochs);
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

}  // namespace

struct RowTables::Statements {
  Statements(const SQLite::Database& database, Claims claims)
      : insert_quote{database, insert_statement("crypto_metrics", kQuoteInsertColumns,
                                                kQuoteInsertParameters, claims)},
        insert_rejection{database, insert_statement("rejected_quotes", kRejectionInsertColumns,
                                                    kRejectionInsertParameters, claims)},
        advance_offset{database, kAdvanceOffset},
        select_pairs{database, kSelectPairs},
        select_latest_of_pair{
            database,
            select_quotes("FROM crypto_metrics WHERE pair = ?1 ORDER BY id DESC LIMIT ?2")},
        select_history_of_pair{database,
                               select_quotes("FROM crypto_metrics WHERE pair = ?1"
                                             " AND timestamp >= ?2 ORDER BY id DESC LIMIT ?3")},
        select_offsets_of_topic{database, kSelectOffsetsOfTopic} {}

  SQLite::Statement insert_quote;
  SQLite::Statement insert_rejection;
  SQLite::Statement advance_offset;
  SQLite::Statement select_pairs;
  SQLite::Statement select_latest_of_pair;
  SQLite::Statement select_history_of_pair;
  SQLite::Statement select_offsets_of_topic;
};

RowTables::RowTables(SQLite::Database& database, std::filesystem::path path, Claims claims)
    : database_{database},
      path_{std::move(path)},
      claims_{claims},
      statements_{std::make_unique<Statements>(database, claims)} {}

RowTables::~RowTables() = default;

void RowTables::write(const Batch& batch) {
  if (batch.empty()) {
    return;
  }
  try {
    const Epochs epochs = claims_ == Claims::kept ? epochs_of(batch) : Epochs{};
    const Epochs* kept = claims_ == Claims::kept ? &epochs : nullptr;
    SQLite::Transaction transaction{database_, SQLite::TransactionBehavior::IMMEDIATE};
    for (const QuoteRow& row : batch.quotes) {
      insert(statements_->insert_quote, row, kept);
    }
    for (const RejectedRow& row : batch.rejections) {
      insert(statements_->insert_rejection, row, kept);
    }
    const std::string updated_at = now_as_text();
    for (const PartitionOffset& offset : batch.offsets) {
      advance(statements_->advance_offset, offset, updated_at);
    }
    transaction.commit();
  } catch (const std::exception& error) {
    throw std::runtime_error(failure(path_,
                                     "writing " + std::to_string(batch.quotes.size()) +
                                         " quotes, " + std::to_string(batch.rejections.size()) +
                                         " rejections",
                                     error));
  }
}

std::vector<metrics::History> RowTables::load_histories(std::size_t window) {
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
std::vector<QuoteRow> RowTables::history(const std::string& pair, std::size_t limit,
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

std::vector<PartitionOffset> RowTables::load_offsets(std::string_view topic) {
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

}  // namespace cryptometrics::storage::sqlite

#include "storage/postgres/batch_writer.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <span>
#include <cstdint>
#include <map>
#include <set>
#include <pqxx/except>
#include <pqxx/result>
#include <pqxx/stream_to>
#include <pqxx/subtransaction>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "market/timestamp.h"
#include "metrics/snapshot_json.h"
#include "storage/postgres/one_line.h"
#include "storage/postgres/refusal.h"
#include "storage/postgres/unavailable.h"
#include "storage/postgres/valid_utf8.h"
#include "storage/storage.h"

namespace cryptometrics::storage::postgres {
namespace {

// COPY cannot skip rows that are already stored, so where some may be, it fills these tables
// instead, and an INSERT ... SELECT with ON CONFLICT moves the rows on. They live as long as the
// session: creating tables per batch would churn the catalog. `ordinal` keeps the batch order,
// which the rows' ids follow.
constexpr const char* kCreateStagingTables =
    "CREATE TEMPORARY TABLE incoming_quotes ("
    " ordinal BIGINT GENERATED ALWAYS AS IDENTITY, pair TEXT NOT NULL, bid NUMERIC NOT NULL,"
    " ask NUMERIC NOT NULL, mid_price NUMERIC NOT NULL, spread NUMERIC NOT NULL,"
    " highest_bid NUMERIC NOT NULL, lowest_ask NUMERIC NOT NULL, max_spread NUMERIC NOT NULL,"
    " moving_avg NUMERIC NOT NULL, quote_count BIGINT NOT NULL, \"timestamp\" TIMESTAMPTZ NOT NULL,"
    " kafka_topic TEXT NOT NULL, kafka_partition INTEGER NOT NULL, kafka_offset BIGINT NOT NULL,"
    " kafka_life INTEGER NOT NULL"
    ") ON COMMIT DELETE ROWS;"
    "CREATE TEMPORARY TABLE incoming_rejections ("
    " ordinal BIGINT GENERATED ALWAYS AS IDENTITY, payload BYTEA NOT NULL, reason TEXT NOT NULL,"
    " kafka_topic TEXT NOT NULL, kafka_partition INTEGER NOT NULL, kafka_offset BIGINT NOT NULL,"
    " received_at TIMESTAMPTZ NOT NULL, payload_length BIGINT NOT NULL, payload_sha256 TEXT NOT NULL,"
    " kafka_life INTEGER NOT NULL"
    ") ON COMMIT DELETE ROWS";

// The columns copied, in the order copy_quotes and store_rejections write them.
constexpr std::array<const char*, 15> kQuoteColumns{"pair",
                                                    "bid",
                                                    "ask",
                                                    "mid_price",
                                                    "spread",
                                                    "highest_bid",
                                                    "lowest_ask",
                                                    "max_spread",
                                                    "moving_avg",
                                                    "quote_count",
                                                    "\"timestamp\"",
                                                    "kafka_topic",
                                                    "kafka_partition",
                                                    "kafka_offset",
                                                    "kafka_life"};
constexpr std::array<const char*, 9> kRejectionColumns{
    "payload",      "reason",         "kafka_topic",    "kafka_partition", "kafka_offset",
    "received_at", "payload_length", "payload_sha256", "kafka_life"};

constexpr const char* kMoveQuotes =
    "INSERT INTO crypto_metrics (pair, bid, ask, mid_price, spread, highest_bid, lowest_ask,"
    " max_spread, moving_avg, quote_count, \"timestamp\", kafka_topic, kafka_partition,"
    " kafka_offset, kafka_life)"
    " SELECT pair, bid, ask, mid_price, spread, highest_bid, lowest_ask, max_spread, moving_avg,"
    " quote_count, \"timestamp\", kafka_topic, kafka_partition, kafka_offset, kafka_life"
    " FROM incoming_quotes ORDER BY ordinal"
    " ON CONFLICT (kafka_topic, kafka_partition, kafka_life, kafka_offset) DO NOTHING";

constexpr const char* kMoveRejections =
    "INSERT INTO rejected_quotes (payload, reason, kafka_topic, kafka_partition, kafka_offset,"
    " received_at, payload_length, payload_sha256, kafka_life)"
    " SELECT payload, reason, kafka_topic, kafka_partition, kafka_offset, received_at,"
    " payload_length, payload_sha256, kafka_life"
    " FROM incoming_rejections ORDER BY ordinal"
    " ON CONFLICT (kafka_topic, kafka_partition, kafka_life, kafka_offset) DO NOTHING";

constexpr const char* kLockClaims =
    "SELECT kafka_partition, owner, epoch FROM partition_owners"
    " WHERE kafka_topic = $1 AND kafka_partition = ANY ($2::integer[])"
    " ORDER BY kafka_partition FOR SHARE";

// bytea's hex input form: every byte survives COPY's text format, NUL and non-UTF-8 included.
std::string bytea_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex = "\\x";
  hex.reserve(2 + 2 * bytes.size());
  for (const char byte : bytes) {
    const auto value = static_cast<unsigned char>(byte);
    hex += kDigits[value >> 4];
    hex += kDigits[value & 0x0F];
  }
  return hex;
}

void copy_quotes(pqxx::transaction_base& transaction, const std::string& table,
                 std::span<const QuoteRow> rows) {
  pqxx::stream_to copy{transaction, table, kQuoteColumns};
  for (const QuoteRow& row : rows) {
    const metrics::Snapshot& metrics = row.metrics;
    copy << std::make_tuple(
        valid_utf8(metrics.pair), metrics.bid.to_string(), metrics.ask.to_string(),
        metrics.mid_price.to_string(), metrics.spread.to_string(), metrics.highest_bid.to_string(),
        metrics.lowest_ask.to_string(), metrics.max_spread.to_string(),
        metrics.moving_avg.to_string(), metrics.count, market::format_rfc3339(metrics.timestamp),
        valid_utf8(row.source.topic), row.source.partition, row.source.offset, row.source.life);
  }
  copy.complete();
}

// Most batches repeat no stored source, since consumption resumes after the stored offsets, so
// their rows go straight into crypto_metrics by COPY, as fast as PostgreSQL takes rows in. One
// that does (a spool replayed again after a crash, a batch whose commit went unconfirmed) fails
// that COPY on the unique key; it is undone, and the rows take the staging table instead.
void store_quotes(pqxx::dbtransaction& transaction, std::span<const QuoteRow> rows) {
  try {
    pqxx::subtransaction direct{transaction, "copy quotes"};
    copy_quotes(direct, "crypto_metrics", rows);
    direct.commit();
    return;
  } catch (const pqxx::unique_violation&) {
  }
  copy_quotes(transaction, "incoming_quotes", rows);
  transaction.exec0(kMoveQuotes);
}

// Rejections are few, and always take the staging table.
void store_rejections(pqxx::dbtransaction& transaction, const std::vector<RejectedRow>& rows) {
  {
    pqxx::stream_to copy{transaction, "incoming_rejections", kRejectionColumns};
    for (const RejectedRow& row : rows) {
      copy << std::make_tuple(bytea_hex(row.payload), valid_utf8(row.reason),
                              valid_utf8(row.source.topic), row.source.partition, row.source.offset,
                              market::format_rfc3339(row.received_at),
                              static_cast<std::int64_t>(row.payload_length), row.payload_sha256,
                              row.source.life);
    }
    copy.complete();
  }
  transaction.exec0(kMoveRejections);
}

// One statement for all partitions. A partition named twice would make ON CONFLICT DO UPDATE
// touch its row twice, which PostgreSQL refuses, so each appears once, at its furthest. A stored
// offset moves on within its life, or to a later life, never back.
void advance_offsets(pqxx::transaction_base& transaction,
                     const std::vector<PartitionOffset>& offsets) {
  std::string values;
  for (const PartitionOffset& offset : furthest_per_partition(offsets)) {
    values += values.empty() ? "(" : ", (";
    values += transaction.quote(valid_utf8(offset.topic)) + ", " +
              std::to_string(offset.partition) + ", " + std::to_string(offset.next_offset) +
              ", " + std::to_string(offset.life) + ")";
  }
  transaction.exec0(
      "INSERT INTO kafka_offsets (kafka_topic, kafka_partition, next_offset, kafka_life) VALUES " +
      values +
      " ON CONFLICT (kafka_topic, kafka_partition) DO UPDATE"
      " SET next_offset = EXCLUDED.next_offset, kafka_life = EXCLUDED.kafka_life,"
      " updated_at = now()"
      " WHERE (EXCLUDED.kafka_life, EXCLUDED.next_offset)"
      " > (kafka_offsets.kafka_life, kafka_offsets.next_offset)");
}

// Stores `rows` in a savepoint; when PostgreSQL refuses them for the data of some, halves them
// until each refused row stands alone, and adds those to `refused`.
void store_quotes_isolating(pqxx::dbtransaction& transaction, std::span<const QuoteRow> rows,
                            std::vector<RefusedQuote>& refused) {
  if (rows.empty()) return;
  try {
    pqxx::subtransaction attempt{transaction, "isolate refused quotes"};
    store_quotes(attempt, rows);
    attempt.commit();
  } catch (const pqxx::sql_error& error) {
    if (!refuses_row(error)) throw;
    if (rows.size() == 1) {
      refused.push_back(
          {rows.front(), "SQLSTATE " + sqlstate_of(error) + ": " + one_line(error.what())});
      return;
    }
    const std::size_t half = rows.size() / 2;
    store_quotes_isolating(transaction, rows.first(half), refused);
    store_quotes_isolating(transaction, rows.subspan(half), refused);
  }
}

// Holds the batch's claims for the transaction (FOR SHARE): a claim by another instance waits
// for it to commit, and it waits for a claim that came first, then finds the new epoch. Rows are
// locked in one order, as claims lock them, so the two never deadlock. Throws Fenced, naming
// every claim that no longer stands, so that the transaction is rolled back. A batch replayed
// from the spool may hold a partition under two claims (lost, then assigned again): each is
// judged alone.
void check_claims(pqxx::transaction_base& transaction, const std::vector<Claim>& claims) {
  if (claims.empty()) return;
  std::map<std::string, std::map<std::int32_t, std::set<std::int64_t>>> wanted;
  for (const Claim& claim : claims) wanted[claim.topic][claim.partition].insert(claim.epoch);
  std::vector<Claim> lost;
  std::string holders;
  for (const auto& [topic, partitions] : wanted) {
    std::string listed = "{";
    for (const auto& [partition, epochs] : partitions) {
      if (listed.size() > 1) listed += ',';
      listed += std::to_string(partition);
    }
    listed += '}';
    std::map<std::int32_t, std::pair<std::string, std::int64_t>> held;
    for (const auto& row : transaction.exec_params(kLockClaims, valid_utf8(topic), listed)) {
      held[row[0].as<std::int32_t>()] = {row[1].c_str(), row[2].as<std::int64_t>()};
    }
    for (const auto& [partition, epochs] : partitions) {
      const auto found = held.find(partition);
      for (const std::int64_t epoch : epochs) {
        if (found != held.end() && found->second.second == epoch) continue;
        lost.push_back({topic, partition, epoch});
        holders += (holders.empty() ? "" : ", ") + kafka::describe(lost.back()) + " " +
                   (found == held.end() ? std::string{"unclaimed"}
                                        : "claimed by " + found->second.first + " (epoch " +
                                              std::to_string(found->second.second) + ")");
      }
    }
  }
  if (!lost.empty()) {
    throw Fenced{std::move(lost), "partitions claimed since by another instance: " + holders};
  }
}

}  // namespace

void create_staging_tables(pqxx::transaction_base& transaction) {
  transaction.exec0(kCreateStagingTables);
}

void write_batch(pqxx::dbtransaction& transaction, const Batch& batch) {
  check_claims(transaction, batch.claims);
  if (!batch.quotes.empty()) {
    store_quotes(transaction, batch.quotes);
  }
  if (!batch.rejections.empty()) {
    store_rejections(transaction, batch.rejections);
  }
  if (!batch.offsets.empty()) {
    advance_offsets(transaction, batch.offsets);
  }
}

std::vector<RefusedQuote> write_batch_setting_aside_refused(pqxx::dbtransaction& transaction,
                                                            const Batch& batch) {
  check_claims(transaction, batch.claims);
  std::vector<RefusedQuote> refused;
  store_quotes_isolating(transaction, batch.quotes, refused);
  std::vector<RejectedRow> rejections = batch.rejections;
  const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now());
  for (const RefusedQuote& quote : refused) {
    rejections.push_back(RejectedRow::of(metrics::snapshot_json(quote.row.metrics).dump(),
                                         "PostgreSQL refused the row: " + quote.reason,
                                         quote.row.source, now));
  }
  if (!rejections.empty()) {
    store_rejections(transaction, rejections);
  }
  if (!batch.offsets.empty()) {
    advance_offsets(transaction, batch.offsets);
  }
  return refused;
}

}  // namespace cryptometrics::storage::postgres

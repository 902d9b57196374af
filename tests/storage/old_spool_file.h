#pragma once

#include <SQLiteCpp/Database.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "market/timestamp.h"
#include "storage/batch.h"

namespace cryptometrics::storage {

// Writes at `path` a spool as the versions before migrations/spool/ left it (an SQLite store's
// file, tests/storage/fixtures/) holding `quotes`, `rejections`, `offsets` and `checkpoint`, in
// SQL of its own rather than the product's.
class OldSpoolFile {
 public:
  static void write(const std::filesystem::path& path, const std::vector<QuoteRow>& quotes,
                    const std::vector<RejectedRow>& rejections,
                    const std::vector<PartitionOffset>& offsets, const std::string& checkpoint) {
    SQLite::Database database{path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};
    database.exec(schema());
    std::string rows;
    for (const QuoteRow& row : quotes) rows += insert(row);
    for (const RejectedRow& row : rejections) rows += insert(row);
    for (const PartitionOffset& offset : offsets) rows += insert(offset);
    database.exec(rows + "INSERT INTO postgres_checkpoint (id, state, saved_at) VALUES (1, " +
                  quoted(checkpoint) + ", " + quoted(kWrittenAt) + ");");
  }

 private:
  static constexpr const char* kWrittenAt = "2026-11-20T09:00:00.000000Z";

  static std::string schema() {
    std::ifstream in{std::filesystem::path{CRYPTO_METRICS_STORAGE_FIXTURES_DIR} /
                         "spool_before_its_own_migrations.sql",
                     std::ios::binary};
    return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  }

  static std::string quoted(const std::string& text) {
    std::string out = "'";
    for (const char c : text) {
      out += c == '\'' ? "''" : std::string(1, c);
    }
    return out + "'";
  }
  static std::string quoted(const market::Decimal& value) { return quoted(value.to_string()); }
  static std::string quoted(market::Timestamp time) { return quoted(market::format_rfc3339(time)); }

  static std::string insert(const QuoteRow& row) {
    const metrics::Snapshot& m = row.metrics;
    return "INSERT INTO crypto_metrics (pair, bid, ask, mid_price, spread, highest_bid,"
           " lowest_ask, max_spread, moving_avg, quote_count, timestamp, kafka_topic,"
           " kafka_partition, kafka_life, kafka_offset) VALUES (" +
           quoted(m.pair) + ", " + quoted(m.bid) + ", " + quoted(m.ask) + ", " +
           quoted(m.mid_price) + ", " + quoted(m.spread) + ", " + quoted(m.highest_bid) + ", " +
           quoted(m.lowest_ask) + ", " + quoted(m.max_spread) + ", " + quoted(m.moving_avg) + ", " +
           std::to_string(m.count) + ", " + quoted(m.timestamp) + ", " + source_values(row.source) +
           ");";
  }

  // The payloads of the tests' rejections are printable text, written here as a blob.
  static std::string insert(const RejectedRow& row) {
    return "INSERT INTO rejected_quotes (payload, payload_length, payload_sha256, reason,"
           " received_at, kafka_topic, kafka_partition, kafka_life, kafka_offset) VALUES (CAST(" +
           quoted(row.payload) + " AS BLOB), " + std::to_string(row.payload_length) + ", " +
           quoted(row.payload_sha256) + ", " + quoted(row.reason) + ", " + quoted(row.received_at) +
           ", " + source_values(row.source) + ");";
  }

  static std::string insert(const PartitionOffset& offset) {
    return "INSERT INTO kafka_offsets (kafka_topic, kafka_partition, next_offset, updated_at,"
           " kafka_life) VALUES (" +
           quoted(offset.topic) + ", " + std::to_string(offset.partition) + ", " +
           std::to_string(offset.next_offset) + ", " + quoted(kWrittenAt) + ", " +
           std::to_string(offset.life) + ");";
  }

  // kafka_topic, kafka_partition, kafka_life, kafka_offset
  static std::string source_values(const Source& source) {
    return quoted(source.topic) + ", " + std::to_string(source.partition) + ", " +
           std::to_string(source.life) + ", " + std::to_string(source.offset);
  }
};

}  // namespace cryptometrics::storage
